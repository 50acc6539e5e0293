// SPDX-License-Identifier: GPL-2.0
/*
 * COM1 on a file descriptor: output reaches it, input reaches the guest,
 * and a vCPU blocked on a full output gives up when the VM stops.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ioport.h"
#include "log.h"
#include "serial.h"
#include "tap.h"
#include "uart.h"

bool log_debug_enabled;

static int out_pipe[2];
static atomic_int writer_done;

static uint8_t inb(uint16_t port)
{
	uint8_t v = 0;

	ioport_dispatch(port, &v, 1, false);
	return v;
}

static void outb(uint16_t port, uint8_t v)
{
	ioport_dispatch(port, &v, 1, true);
}

/* A vCPU writing one byte to THR. */
static void *writer(void *arg)
{
	(void)arg;
	outb(SERIAL_COM1_BASE + UART_THR, 'x');
	atomic_store(&writer_done, 1);
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	char buf[8], fill[4096];
	pthread_t t;
	double t0;
	ssize_t n;
	int i;

	if (pipe2(out_pipe, O_CLOEXEC))
		return 1;
	ok(serial_init(out_pipe[1]) == 0, "COM1 registered at 0x3f8");
	outb(SERIAL_COM1_BASE, 'o');
	outb(SERIAL_COM1_BASE, 'k');
	n = read(out_pipe[0], buf, sizeof(buf));
	ok(n == 2 && !memcmp(buf, "ok", 2), "THR bytes reach the output fd");
	ok(inb(SERIAL_COM1_BASE + UART_LSR) == 0x60, "LSR 0x60 through port IO");

	ok(serial_rx_room() == 1, "receiver room 1 without FIFO");
	serial_receive((const uint8_t *)"a", 1);
	ok(serial_rx_room() == 0, "receiver full");
	ok((inb(SERIAL_COM1_BASE + UART_LSR) & UART_LSR_DR) &&
	   inb(SERIAL_COM1_BASE) == 'a', "guest reads the input byte");

	/* A word write to 0x3fb/0x3fc writes LCR then MCR. */
	{
		uint8_t w[2] = { 0x03, 0x0b };

		ioport_dispatch(SERIAL_COM1_BASE + UART_LCR, w, 2, true);
	}
	ok(inb(SERIAL_COM1_BASE + UART_LCR) == 0x03 &&
	   inb(SERIAL_COM1_BASE + UART_MCR) == 0x0b,
	   "word access splits into byte registers");

	/* Fill the pipe so the next byte cannot be written. */
	fcntl(out_pipe[1], F_SETPIPE_SZ, 4096);
	fcntl(out_pipe[1], F_SETFL, O_NONBLOCK);
	memset(fill, '.', sizeof(fill));
	while (write(out_pipe[1], fill, sizeof(fill)) > 0)
		;
	while (write(out_pipe[1], fill, 1) > 0)
		;
	fcntl(out_pipe[1], F_SETFL, 0);
	pthread_create(&t, NULL, writer, NULL);
	usleep(300000);
	ok(!atomic_load(&writer_done), "a vCPU waits while the output is full");
	t0 = now();
	serial_stop();
	for (i = 0; i < 100 && !atomic_load(&writer_done); i++)
		usleep(10000);
	ok(atomic_load(&writer_done), "it gives up after serial_stop (%.2f s)", now() - t0);
	if (atomic_load(&writer_done))
		pthread_join(t, NULL);
	return tap_done();
}
