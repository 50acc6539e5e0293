/* SPDX-License-Identifier: GPL-2.0 */
/*
 * COM1: the 16550 model of uart.c at port 0x3f8, interrupting on ISA
 * IRQ 4 (GSI 4).
 *
 * Output: THR bytes go into a bounded buffer (SERIAL_OUT_SIZE) that a
 * writer thread drains to the output fd, so a slow or stopped terminal
 * or pipe never stalls a vCPU.  When the buffer is full a vCPU waits at
 * most SERIAL_TX_WAIT_MS for room; if there is still none the byte is
 * dropped and counted, and further bytes are dropped without waiting
 * until the writer has emptied half the buffer (serial_dropped() tells
 * how many; the count is reported at exit).
 *
 * Input: a reader thread moves bytes from the input fd into the
 * receiver as fast as the guest takes them (EOF only ends the thread;
 * the guest keeps running).  When the input is a terminal, Ctrl-a x
 * ends the VM (status 0) and Ctrl-a Ctrl-a sends one Ctrl-a.
 */
#ifndef VMM_SERIAL_H
#define VMM_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmm;

#define SERIAL_COM1_BASE	0x3f8
#define SERIAL_COM1_IRQ		4
#define SERIAL_PORTS		8
#define SERIAL_OUT_SIZE		(64 * 1024)
#define SERIAL_TX_WAIT_MS	50
#define SERIAL_ESCAPE		0x01	/* Ctrl-a */

/*
 * Registers COM1 with its output on @out_fd and starts the writer
 * thread.  A second call changes nothing and returns 0.  Output still
 * buffered at exit() is flushed (for at most a second or two).
 */
int serial_init(int out_fd);
/*
 * Connects COM1 to the VM: interrupts through platform_irq(), and input
 * from @in_fd (-1: none) by a reader thread.
 */
int serial_attach(struct vmm *vmm, int in_fd);
/* Whether a reader thread with the Ctrl-a commands owns a terminal. */
bool serial_escape_active(void);
/* The VM is stopping: output no longer waits for room. */
void serial_stop(void);
/* Flushes the output (bounded) and ends the threads. */
void serial_exit(void);
uint64_t serial_dropped(void);

/*
 * Input fed by the caller (a main loop that reads stdin): how many bytes
 * the receiver can take now (0 if busy, and always 0 once a reader
 * thread owns the input), and the bytes themselves.
 */
unsigned int serial_rx_room(void);
void serial_receive(const uint8_t *buf, size_t len);

#endif
