// SPDX-License-Identifier: GPL-2.0
/*
 * platform_init registers every device without a clash, and ISA
 * interrupts reach the IOAPIC GSI (IRQ0 -> GSI 2) and the 8259 pair:
 * PIT channel 0, COM1 output and input from a pipe on stdin.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "hv.h"
#include "ioport.h"
#include "log.h"
#include "platform.h"
#include "serial.h"
#include "tap.h"
#include "uart.h"
#include "vmm.h"

bool log_debug_enabled;

static atomic_uint gsi_up[24], gsi_down[24], msi_vec[256];

int hv_irq_line(struct hv_vm *vm, uint32_t gsi, uint32_t level)
{
	(void)vm;
	if (gsi < 24)
		atomic_fetch_add(level ? &gsi_up[gsi] : &gsi_down[gsi], 1);
	return 0;
}

int hv_signal_msi(struct hv_vm *vm, uint64_t address, uint32_t data)
{
	(void)vm;
	if (address == 0xfee00000 && data < 256)
		atomic_fetch_add(&msi_vec[data], 1);
	return 1;
}

void vmm_finish(struct vmm *vmm, int code)
{
	(void)vmm;
	(void)code;
}

static void noop_io(void *opaque, uint16_t port, uint8_t *data,
		    unsigned int size, bool is_write)
{
	(void)opaque;
	(void)port;
	(void)data;
	(void)size;
	(void)is_write;
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

int main(void)
{
	static struct vmm vmm;
	int in_pipe[2], out_pipe[2], i;
	char c;

	vmm.cfg.mem_size = 256 << 20;
	vmm.cfg.nr_cpus = 1;
	if (pipe(in_pipe) || pipe(out_pipe) || dup2(in_pipe[0], 0) < 0)
		return 1;
	/* As vmm.c does: COM1 and the exit port first. */
	ok(serial_init(out_pipe[1]) == 0 &&
	   ioport_register(0x501, 1, noop_io, NULL, "debug-exit") == 0,
	   "COM1 and the debug-exit port");
	ok(platform_init(&vmm) == 0, "platform_init: every device registered");

	/* Linux's init_8259A, then unmask IRQ4 only. */
	outb(0x20, 0x11);
	outb(0x21, 0x30);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
	outb(0xa0, 0x11);
	outb(0xa1, 0x38);
	outb(0xa1, 0x02);
	outb(0xa1, 0x01);
	outb(0x21, 0xef);
	outb(0xa1, 0xff);

	/* PIT channel 0, mode 2 at 1 kHz for 50 ms. */
	outb(0x43, 0x34);
	outb(0x40, 1193 & 0xff);
	outb(0x40, 1193 >> 8);
	usleep(50000);
	outb(0x43, 0x30);
	ok(atomic_load(&gsi_up[2]) >= 5 &&
	   atomic_load(&gsi_up[2]) == atomic_load(&gsi_down[2]) &&
	   !atomic_load(&gsi_up[0]),
	   "PIT IRQ0 pulses GSI 2 (%u), never GSI 0", atomic_load(&gsi_up[2]));
	ok(!atomic_load(&msi_vec[0x30]), "masked in the 8259: no vector 0x30");

	/* COM1: RX interrupt from input on stdin (a pipe). */
	outb(0x3f8 + UART_IER, UART_IER_RDI);
	outb(0x3f8 + UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
	if (write(in_pipe[1], "z", 1) != 1)
		return 1;
	for (i = 0; i < 100 && !atomic_load(&gsi_up[4]); i++)
		usleep(10000);
	ok(atomic_load(&gsi_up[4]) == 1, "input byte raises GSI 4");
	ok(atomic_load(&msi_vec[0x34]) == 1,
	   "and, through the unmasked 8259, vector 0x34 to CPU 0");
	c = (char)inb(0x3f8);
	ok(c == 'z' && atomic_load(&gsi_down[4]) == 1,
	   "reading RBR drops GSI 4");
	close(in_pipe[1]);
	usleep(50000);
	outb(0x3f8, 'q');
	ok(read(out_pipe[0], &c, 1) == 1 && c == 'q',
	   "EOF on stdin: output still works");
	platform_exit();
	return tap_finish();
}
