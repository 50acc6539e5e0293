// SPDX-License-Identifier: GPL-2.0
/* COM1 wired to stdout and stdin (serial.h). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <unistd.h>

#include "ioport.h"
#include "serial.h"
#include "uart.h"

/* How often a blocked output checks for a stop. */
#define SERIAL_TX_POLL_MS	100

static struct {
	pthread_mutex_t lock;	/* vCPU threads and the main loop */
	struct uart uart;
	int out_fd;
	atomic_bool stopping;
} com1 = { .lock = PTHREAD_MUTEX_INITIALIZER };

/*
 * A full pipe or a stopped terminal must not pin a vCPU (and COM1's lock)
 * forever: wait for room in short steps and give up once the VM stops.
 * Bytes the output cannot take then are lost; the guest cannot tell.
 */
static void serial_tx(void *opaque, uint8_t byte)
{
	struct pollfd pfd = { .fd = com1.out_fd, .events = POLLOUT };
	ssize_t n;
	int ret;

	(void)opaque;
	while (!atomic_load(&com1.stopping)) {
		ret = poll(&pfd, 1, SERIAL_TX_POLL_MS);
		if (ret < 0 && errno != EINTR)
			return;
		if (ret > 0) {
			/* An error (EINTR: a stop request) drops the byte. */
			n = write(com1.out_fd, &byte, 1);
			(void)n;
			return;
		}
	}
}

/* A 16550 is byte wide: a word access touches consecutive registers. */
static void serial_io(void *opaque, uint16_t port, uint8_t *data,
		      unsigned int size, bool is_write)
{
	unsigned int i;

	(void)opaque;
	pthread_mutex_lock(&com1.lock);
	for (i = 0; i < size; i++) {
		unsigned int reg = (unsigned int)(port - SERIAL_COM1_BASE) + i;

		if (reg >= SERIAL_PORTS) {
			if (!is_write)
				data[i] = 0xff;
			continue;
		}
		if (is_write)
			uart_write(&com1.uart, reg, data[i]);
		else
			data[i] = uart_read(&com1.uart, reg);
	}
	pthread_mutex_unlock(&com1.lock);
}

int serial_init(int out_fd)
{
	com1.out_fd = out_fd;
	uart_init(&com1.uart, serial_tx, NULL);
	return ioport_register(SERIAL_COM1_BASE, SERIAL_PORTS, serial_io, NULL,
			       "com1");
}

unsigned int serial_rx_room(void)
{
	unsigned int room;

	/* Busy (maybe a vCPU waiting for stdout): report no room for now. */
	if (pthread_mutex_trylock(&com1.lock))
		return 0;
	room = uart_rx_room(&com1.uart);
	pthread_mutex_unlock(&com1.lock);
	return room;
}

void serial_stop(void)
{
	atomic_store(&com1.stopping, true);
}

void serial_receive(const uint8_t *buf, size_t len)
{
	size_t i;

	pthread_mutex_lock(&com1.lock);
	for (i = 0; i < len; i++)
		uart_receive(&com1.uart, buf[i]);
	pthread_mutex_unlock(&com1.lock);
}
