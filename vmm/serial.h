/* SPDX-License-Identifier: GPL-2.0 */
/*
 * COM1: the 16550 model of uart.c at port 0x3f8, its output
 * on a file descriptor (stdout) and its input fed by the main loop.
 */
#ifndef VMM_SERIAL_H
#define VMM_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#define SERIAL_COM1_BASE	0x3f8
#define SERIAL_PORTS		8

int serial_init(int out_fd);
/* Blocked output gives up from now on (the VM is stopping). */
void serial_stop(void);
/* How many input bytes the guest's receiver can take now (0 if busy). */
unsigned int serial_rx_room(void);
void serial_receive(const uint8_t *buf, size_t len);

#endif
