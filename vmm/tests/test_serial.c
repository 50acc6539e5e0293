// SPDX-License-Identifier: GPL-2.0
/*
 * COM1 on file descriptors: output through the writer thread, a full
 * output that never stalls a vCPU for long, interrupts as edges of
 * uart_irq_line(), and terminal input with the Ctrl-a commands.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ioport.h"
#include "log.h"
#include "platform.h"
#include "serial.h"
#include "tap.h"
#include "uart.h"
#include "vmm.h"

bool log_debug_enabled;

static int out_pipe[2];
static atomic_int finished = -1;
static char irq_log[64];
static atomic_uint irq_n;

void vmm_finish(struct vmm *vmm, int code)
{
	(void)vmm;
	atomic_store(&finished, code);
}

void platform_irq(struct vmm *vmm, unsigned int irq, unsigned int level)
{
	unsigned int n = atomic_load(&irq_n);

	(void)vmm;
	if (n < sizeof(irq_log) - 1 && irq == SERIAL_COM1_IRQ)
		irq_log[n] = level ? '1' : '0';
	atomic_store(&irq_n, n + 1);
}

static const char *irqs(void)
{
	irq_log[atomic_load(&irq_n)] = 0;
	atomic_store(&irq_n, 0);
	return irq_log;
}

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

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read @len bytes from @fd within a second. */
static ssize_t read_within(int fd, char *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	while (got < len && poll(&pfd, 1, 1000) > 0) {
		n = read(fd, buf + got, len - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Wait up to a second for the guest's receiver to have data. */
static bool rx_ready(void)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (inb(SERIAL_COM1_BASE + UART_LSR) & UART_LSR_DR)
			return true;
		usleep(10000);
	}
	return false;
}

int main(void)
{
	static struct vmm vmm;
	char buf[8], fill[4096];
	int master, slave, i;
	double t0, t1;
	ssize_t n;

	if (pipe2(out_pipe, O_CLOEXEC))
		return 1;
	ok(serial_init(out_pipe[1]) == 0, "COM1 registered at 0x3f8");
	ok(serial_init(-1) == 0, "a second serial_init keeps the first");
	outb(SERIAL_COM1_BASE, 'o');
	outb(SERIAL_COM1_BASE, 'k');
	n = read_within(out_pipe[0], buf, 2);
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

	/* Interrupts: none before serial_attach, then edges on GSI 4. */
	ok(serial_attach(&vmm, -1) == 0, "attached (no input fd)");
	irqs();
	outb(SERIAL_COM1_BASE + UART_IER, UART_IER_THRI);
	ok(!strcmp(irqs(), "1"), "THRI enabled with OUT2: line rises");
	inb(SERIAL_COM1_BASE + UART_IIR);
	ok(!strcmp(irqs(), "0"), "IIR read acknowledges: line drops");
	outb(SERIAL_COM1_BASE, '.');
	ok(!strcmp(irqs(), "1"), "THR write: THRE again, line rises");
	inb(SERIAL_COM1_BASE + UART_IIR);
	outb(SERIAL_COM1_BASE + UART_IER, UART_IER_RDI);
	serial_receive((const uint8_t *)"b", 1);
	ok(!strcmp(irqs(), "01"), "RX data raises the line");
	inb(SERIAL_COM1_BASE);
	ok(!strcmp(irqs(), "0"), "reading RBR drops it");
	outb(SERIAL_COM1_BASE + UART_MCR, 0x03);
	serial_receive((const uint8_t *)"c", 1);
	ok(!strcmp(irqs(), ""), "OUT2 clear: no interrupt");
	inb(SERIAL_COM1_BASE);
	outb(SERIAL_COM1_BASE + UART_IER, 0);
	read_within(out_pipe[0], buf, 1);

	/* Output that cannot drain: the vCPU must not stall. */
	fcntl(out_pipe[1], F_SETPIPE_SZ, 4096);
	fcntl(out_pipe[1], F_SETFL, O_NONBLOCK);
	memset(fill, '.', sizeof(fill));
	while (write(out_pipe[1], fill, sizeof(fill)) > 0)
		;
	while (write(out_pipe[1], fill, 1) > 0)
		;
	t0 = now();
	for (i = 0; i < SERIAL_OUT_SIZE + 20000; i++)
		outb(SERIAL_COM1_BASE, 'x');
	t1 = now();
	ok(t1 - t0 < 1.0, "%d bytes into a full output took %.2f s",
	   SERIAL_OUT_SIZE + 20000, t1 - t0);
	ok(serial_dropped() >= 20000, "the excess is dropped and counted (%llu)",
	   (unsigned long long)serial_dropped());
	/* Drain: output resumes. */
	fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
	t0 = now();
	while (now() - t0 < 2.0) {
		n = read(out_pipe[0], fill, sizeof(fill));
		if (n <= 0)
			usleep(10000);
	}
	fcntl(out_pipe[0], F_SETFL, 0);
	outb(SERIAL_COM1_BASE, '!');
	n = read_within(out_pipe[0], buf, 1);
	ok(n == 1 && buf[0] == '!', "output resumes once drained");

	/* Terminal input with Ctrl-a commands, on a pseudo-terminal. */
	master = posix_openpt(O_RDWR | O_NOCTTY);
	slave = -1;
	if (master >= 0 && !grantpt(master) && !unlockpt(master))
		slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	if (slave < 0) {
		ok(0, "pseudo-terminal for the input test");
		return tap_finish();
	}
	{
		struct termios t;

		tcgetattr(slave, &t);
		cfmakeraw(&t);
		tcsetattr(slave, TCSANOW, &t);
	}
	outb(SERIAL_COM1_BASE + UART_FCR, UART_FCR_ENABLE);
	ok(serial_attach(&vmm, slave) == 0, "reader thread on a terminal");
	n = write(master, "a\001\001b\001c", 6);
	for (i = 0; i < 4 && rx_ready(); i++) {
		buf[i] = (char)inb(SERIAL_COM1_BASE);
		if (!(inb(SERIAL_COM1_BASE + UART_LSR) & UART_LSR_DR) && i < 3)
			usleep(20000);
	}
	ok(n == 6 && i == 4 && !memcmp(buf, "a\001b\001", 4),
	   "Ctrl-a Ctrl-a sends one Ctrl-a; Ctrl-a c sends both");
	ok(rx_ready() && inb(SERIAL_COM1_BASE) == 'c', "... then c");
	ok(atomic_load(&finished) == -1, "still running");
	n = write(master, "\x01x", 2);
	for (i = 0; i < 100 && atomic_load(&finished) == -1; i++)
		usleep(10000);
	ok(atomic_load(&finished) == VMM_EXIT_OK, "Ctrl-a x ends the VM (status 0)");
	serial_exit();
	return tap_finish();
}
