// SPDX-License-Identifier: GPL-2.0
/* The 8259 pair: initialization, masking, priority, EOI, cascade, ELCR. */
#include <string.h>

#include "hv.h"
#include "ioport.h"
#include "log.h"
#include "pic.h"
#include "tap.h"
#include "vmm.h"

bool log_debug_enabled;

static uint32_t sent[64];
static unsigned int nsent;

int hv_signal_msi(struct hv_vm *vm, uint64_t address, uint32_t data)
{
	(void)vm;
	if (address == 0xfee00000 && nsent < 64)
		sent[nsent++] = data;
	return 1;
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

/* The vectors sent since the last call, as a string of bytes. */
static unsigned int take(uint32_t *out)
{
	unsigned int n = nsent;

	memcpy(out, sent, n * sizeof(*out));
	nsent = 0;
	return n;
}

/* Linux's init_8259A(0): vectors 0x30/0x38, cascade on IRQ2. */
static void linux_init(uint8_t icw4)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	outb(0x20, 0x11);
	outb(0x21, 0x30);
	outb(0x21, 0x04);
	outb(0x21, icw4);
	outb(0xa0, 0x11);
	outb(0xa1, 0x38);
	outb(0xa1, 0x02);
	outb(0xa1, icw4);
}

int main(void)
{
	static struct vmm vmm;
	uint32_t v[64];
	unsigned int n;

	ok(pic_init(&vmm) == 0, "ports 0x20, 0xa0, 0x4d0 registered");
	outb(0x21, 0xff);
	ok(inb(0x21) == 0xff, "IMR reads back (Linux's probe)");
	pic_set_irq(4, 1);
	pic_set_irq(4, 0);
	ok(nsent == 0, "unprogrammed pair delivers nothing");

	linux_init(0x01);
	outb(0x21, 0xff & ~(1 << 4) & ~(1 << 3) & ~(1 << 5) & ~(1 << 2));
	outb(0xa1, 0xff);
	ok(inb(0x21) == 0xc3, "OCW1 mask after init");
	pic_set_irq(4, 1);
	n = take(v);
	ok(n == 1 && v[0] == 0x34, "IRQ4 edge -> vector 0x34 (%u sent)", n);
	outb(0x20, 0x0b);
	ok(inb(0x20) == 0x10, "ISR shows IRQ4 in service");
	outb(0x20, 0x0a);
	ok(inb(0x20) == 0x00, "IRR clear after the acknowledge");
	pic_set_irq(4, 0);
	pic_set_irq(4, 1);
	ok(!take(v), "IRQ4 again while in service: held");
	ok(inb(0x20) == 0x10, "IRR bit 4 set while held");
	pic_set_irq(3, 1);
	n = take(v);
	ok(n == 1 && v[0] == 0x33, "higher-priority IRQ3 nests");
	pic_set_irq(5, 1);
	ok(!take(v), "lower-priority IRQ5 waits");
	outb(0x20, 0x20);	/* EOI: IRQ3 */
	ok(!take(v), "after EOI of IRQ3, IRQ4 (still in service) blocks IRQ5");
	outb(0x20, 0x20);	/* EOI: IRQ4 */
	n = take(v);
	ok(n == 1 && v[0] == 0x34, "after EOI of IRQ4 its held edge is delivered");
	outb(0x20, 0x64);	/* specific EOI for IRQ4 */
	n = take(v);
	ok(n == 1 && v[0] == 0x35, "then IRQ5");
	outb(0x20, 0x65);
	outb(0x20, 0x0b);
	ok(inb(0x20) == 0, "specific EOIs empty ISR");
	pic_set_irq(3, 0);
	pic_set_irq(4, 0);
	pic_set_irq(5, 0);

	/* Masked line: remembered in IRR, delivered on unmask. */
	pic_set_irq(6, 1);
	ok(!take(v), "masked IRQ6 not delivered");
	outb(0x21, 0x83);
	n = take(v);
	ok(n == 1 && v[0] == 0x36, "unmasking IRQ6 delivers it");
	outb(0x20, 0x20);
	pic_set_irq(6, 0);

	/* Slave through the cascade. */
	outb(0xa1, 0xfe);
	pic_set_irq(8, 1);
	n = take(v);
	ok(n == 1 && v[0] == 0x38, "IRQ8 via the slave -> vector 0x38");
	outb(0xa0, 0x0b);
	outb(0x20, 0x0b);
	ok(inb(0xa0) == 0x01 && inb(0x20) == 0x04,
	   "slave ISR bit 0, master ISR bit 2");
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	pic_set_irq(8, 0);

	/* Level-triggered IRQ9 by ELCR. */
	outb(0x4d0, 0xff);
	outb(0x4d1, 0xff);
	ok(inb(0x4d0) == 0xf8 && inb(0x4d1) == 0xde,
	   "ELCR: IRQ0-2, 8, 13 stay edge");
	outb(0x4d0, 0);
	outb(0x4d1, 0x02);
	outb(0xa1, 0xfd);
	pic_set_irq(9, 1);
	n = take(v);
	ok(n == 1 && v[0] == 0x39, "level IRQ9 delivered");
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	n = take(v);
	ok(n == 1 && v[0] == 0x39, "level still high: delivered again after EOI");
	pic_set_irq(9, 0);
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	ok(!take(v), "level low: nothing more");

	/* Edge: a line held high fires once. */
	pic_set_irq(6, 1);
	n = take(v);
	outb(0x20, 0x20);
	ok(n == 1 && !take(v), "edge line held high fires once");
	pic_set_irq(6, 0);

	/* Priority rotation: set priority so IRQ7 is the lowest... then 3. */
	outb(0x21, 0x00);
	outb(0x20, 0xc3);	/* IRQ3 lowest: IRQ4 is now the highest */
	outb(0x21, 0xff);
	pic_set_irq(3, 1);
	pic_set_irq(4, 1);
	outb(0x21, 0xe7);	/* unmask 3 and 4 together */
	n = take(v);
	ok(n == 1 && v[0] == 0x34, "after rotation IRQ4 outranks IRQ3");
	outb(0x20, 0x20);
	n = take(v);
	ok(n == 1 && v[0] == 0x33, "IRQ3 after the EOI of IRQ4");
	outb(0x20, 0x20);
	pic_set_irq(3, 0);
	pic_set_irq(4, 0);

	/* Poll mode. */
	outb(0x21, 0xff);
	pic_set_irq(5, 1);
	outb(0x20, 0x0c);
	ok(inb(0x20) == 0x00, "poll command: a masked request is no request");
	outb(0x20, 0x0a);
	ok(inb(0x20) == 0x20, "the next read is IRR again (bit 5 pending)");
	pic_set_irq(5, 0);

	/* Automatic EOI: nothing stays in service. */
	linux_init(0x03);
	ok(take(v) == 0, "re-init drops old requests");
	outb(0x21, 0xff);
	pic_set_irq(1, 1);
	ok(take(v) == 0, "masked IRQ1 waits");
	outb(0x21, 0xf9);
	n = take(v);
	outb(0x20, 0x0b);
	ok(n == 1 && v[0] == 0x31 && inb(0x20) == 0, "AEOI: delivered, ISR empty");

	/* A vector below 16 is never sent. */
	outb(0x20, 0x11);
	outb(0x21, 0x08);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
	outb(0x21, 0xfe);
	pic_set_irq(0, 1);
	ok(take(v) == 0, "vector 8 (exception range) not sent");
	return tap_finish();
}
