// SPDX-License-Identifier: GPL-2.0
/*
 * The 8259A pair (pic.h).  Programming model from the Intel 8259A data
 * sheet: ICW1-ICW4 initialization, OCW1 (mask), OCW2 (EOI, rotation),
 * OCW3 (register select, poll, special mask).
 */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "hv.h"
#include "ioport.h"
#include "log.h"
#include "pic.h"
#include "vmm.h"

#define PIC_ICW1		0x10
#define PIC_ICW1_IC4		0x01
#define PIC_ICW1_SNGL		0x02
#define PIC_OCW3		0x08
#define PIC_OCW3_RIS		0x01
#define PIC_OCW3_RR		0x02
#define PIC_OCW3_POLL		0x04
#define PIC_OCW3_SMM		0x20
#define PIC_OCW3_ESMM		0x40
#define PIC_ICW4_AEOI		0x02
#define PIC_CASCADE_IRQ		2
/* Lines that are always edge-triggered on a PC (ELCR bits read 0). */
#define PIC_ELCR_MASK_MASTER	0xf8
#define PIC_ELCR_MASK_SLAVE	0xde
#define PIC_MSI_ADDR_CPU0	0xfee00000ull
/* Vectors below this are exceptions: never sent. */
#define PIC_MIN_VECTOR		0x10

enum pic_init_step { PIC_READY, PIC_WANT_ICW2, PIC_WANT_ICW3, PIC_WANT_ICW4 };

struct pic_chip {
	uint8_t irr;		/* requests */
	uint8_t isr;		/* in service */
	uint8_t imr;		/* masked */
	uint8_t lines;		/* input levels, for edge detection */
	uint8_t elcr;		/* 1: level-triggered */
	uint8_t elcr_mask;
	uint8_t vector_base;
	uint8_t lowest;		/* lowest-priority line - 7 (rotation) */
	enum pic_init_step step;
	bool icw4, single, auto_eoi, rotate_on_aeoi;
	bool read_isr, poll, special_mask;
	bool programmed;	/* ICW1-ICW4 done at least once */
};

static struct {
	pthread_mutex_t lock;
	struct vmm *vmm;
	struct pic_chip chip[2];	/* master, slave */
} pic_state = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void pic_chip_reset(struct pic_chip *c, uint8_t elcr_mask)
{
	memset(c, 0, sizeof(*c));
	c->imr = 0xff;
	c->elcr_mask = elcr_mask;
}

void pic_reset(void)
{
	pthread_mutex_lock(&pic_state.lock);
	pic_chip_reset(&pic_state.chip[0], PIC_ELCR_MASK_MASTER);
	pic_chip_reset(&pic_state.chip[1], PIC_ELCR_MASK_SLAVE);
	pthread_mutex_unlock(&pic_state.lock);
}

/* Priority of line @irq: 0 is the highest (after rotation). */
static unsigned int pic_prio(const struct pic_chip *c, unsigned int irq)
{
	return (irq - c->lowest - 1) & 7;
}

/* The line with the highest priority in @bits, or 8 if none. */
static unsigned int pic_highest(const struct pic_chip *c, uint8_t bits)
{
	unsigned int i, irq;

	for (i = 0; i < 8; i++) {
		irq = (c->lowest + 1 + i) & 7;
		if (bits & (1u << irq))
			return irq;
	}
	return 8;
}

/*
 * The line this chip would interrupt with now, or 8: the highest pending
 * unmasked request that outranks everything in service (in special
 * mask mode only unmasked in-service lines block).  On the master, a
 * slave in service does not block further slave requests (the slave
 * sorts them itself, as in special fully nested mode).
 */
static unsigned int pic_pending(const struct pic_chip *c, bool master)
{
	unsigned int irq, busy;
	uint8_t isr = c->isr;

	irq = pic_highest(c, c->irr & (uint8_t)~c->imr);
	if (irq == 8)
		return 8;
	if (c->special_mask)
		isr &= (uint8_t)~c->imr;
	if (master)
		isr &= (uint8_t)~(1u << PIC_CASCADE_IRQ);
	busy = pic_highest(c, isr);
	if (busy != 8 && pic_prio(c, busy) <= pic_prio(c, irq))
		return 8;
	return irq;
}

static void pic_chip_line(struct pic_chip *c, unsigned int irq,
			  unsigned int level)
{
	uint8_t bit = (uint8_t)(1u << irq);

	if (c->elcr & bit) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= (uint8_t)~bit;
	} else if (level && !(c->lines & bit)) {
		c->irr |= bit;
	}
	if (level)
		c->lines |= bit;
	else
		c->lines &= (uint8_t)~bit;
}

/*
 * The slave's INT output feeds master line 2.  It is taken as a level:
 * with an edge, a slave that still had a request after an INTA (auto-EOI)
 * would never interrupt again.
 */
static void pic_update_cascade(void)
{
	struct pic_chip *m = &pic_state.chip[0], *s = &pic_state.chip[1];
	uint8_t bit = 1u << PIC_CASCADE_IRQ;

	if (s->step == PIC_READY && pic_pending(s, false) != 8) {
		m->irr |= bit;
		m->lines |= bit;
	} else {
		m->irr &= (uint8_t)~bit;
		m->lines &= (uint8_t)~bit;
	}
}

/* The INTA cycle on one chip for line @irq; returns its vector. */
static uint8_t pic_chip_ack(struct pic_chip *c, unsigned int irq)
{
	uint8_t bit = (uint8_t)(1u << irq);

	/* A level request stays while the line is high. */
	if (!(c->elcr & bit) || !(c->lines & bit))
		c->irr &= (uint8_t)~bit;
	if (c->auto_eoi) {
		if (c->rotate_on_aeoi)
			c->lowest = (uint8_t)irq;
	} else {
		c->isr |= bit;
	}
	return (uint8_t)(c->vector_base + irq);
}

/*
 * Acknowledge the master's pending interrupt, through the slave if it
 * is the cascade.  Returns the vector, or -1 (spurious: nothing left).
 */
static int pic_ack(void)
{
	struct pic_chip *m = &pic_state.chip[0], *s = &pic_state.chip[1];
	unsigned int irq = pic_pending(m, true), sirq;
	uint8_t vec;

	if (irq == 8)
		return -1;
	if (irq == PIC_CASCADE_IRQ && !m->single) {
		sirq = pic_pending(s, false);
		vec = pic_chip_ack(m, irq);
		if (sirq == 8)
			return s->vector_base + 7;	/* spurious IRQ15 */
		vec = pic_chip_ack(s, sirq);
		pic_update_cascade();
		return vec;
	}
	return pic_chip_ack(m, irq);
}

/*
 * Re-evaluate the master's output; on a rising INT, do the INTA and
 * return the vector to send (the caller sends it after unlocking).
 */
static int pic_update(void)
{
	struct pic_chip *m = &pic_state.chip[0];

	pic_update_cascade();
	if (!m->programmed || m->step != PIC_READY ||
	    pic_pending(m, true) == 8)
		return -1;
	return pic_ack();
}

static void pic_deliver(int vec)
{
	if (vec < PIC_MIN_VECTOR || !pic_state.vmm)
		return;
	if (hv_signal_msi(&pic_state.vmm->hv, PIC_MSI_ADDR_CPU0, (uint32_t)vec) < 0)
		pr_debug("8259: vector 0x%x not delivered", vec);
}

/* Deliver until nothing is left (each INTA may uncover the next). */
static void pic_update_and_deliver(void)
{
	int vec, n;

	for (n = 0; n < 16; n++) {
		vec = pic_update();
		if (vec < 0)
			break;
		pthread_mutex_unlock(&pic_state.lock);
		pic_deliver(vec);
		pthread_mutex_lock(&pic_state.lock);
	}
}

void pic_set_irq(unsigned int irq, unsigned int level)
{
	if (irq > 15)
		return;
	pthread_mutex_lock(&pic_state.lock);
	pic_chip_line(&pic_state.chip[irq >> 3], irq & 7, !!level);
	pic_update_and_deliver();
	pthread_mutex_unlock(&pic_state.lock);
}

static void pic_eoi(struct pic_chip *c, unsigned int irq, bool rotate)
{
	if (irq == 8)
		return;
	c->isr &= (uint8_t)~(1u << irq);
	if (rotate)
		c->lowest = (uint8_t)irq;
}

static void pic_write_cmd(struct pic_chip *c, uint8_t val)
{
	if (val & PIC_ICW1) {
		uint8_t elcr = c->elcr, lines = c->lines;

		pic_chip_reset(c, c->elcr_mask);
		c->elcr = elcr;
		c->lines = lines;
		c->imr = 0;
		c->icw4 = val & PIC_ICW1_IC4;
		c->single = val & PIC_ICW1_SNGL;
		c->step = PIC_WANT_ICW2;
		return;
	}
	if (val & PIC_OCW3) {
		if (val & PIC_OCW3_POLL)
			c->poll = true;
		if (val & PIC_OCW3_RR)
			c->read_isr = val & PIC_OCW3_RIS;
		if (val & PIC_OCW3_ESMM)
			c->special_mask = val & PIC_OCW3_SMM;
		return;
	}
	/* OCW2: R, SL, EOI in bits 7-5, level in bits 2-0. */
	switch (val >> 5) {
	case 0:		/* rotate in automatic EOI mode: clear */
		c->rotate_on_aeoi = false;
		break;
	case 4:		/* ... set */
		c->rotate_on_aeoi = true;
		break;
	case 1:		/* non-specific EOI */
	case 5:		/* rotate on non-specific EOI */
		pic_eoi(c, pic_highest(c, c->isr), val & 0x80);
		break;
	case 3:		/* specific EOI */
	case 7:		/* rotate on specific EOI */
		pic_eoi(c, val & 7, val & 0x80);
		break;
	case 6:		/* set priority: line val&7 becomes the lowest */
		c->lowest = val & 7;
		break;
	default:	/* 2: no operation */
		break;
	}
}

static void pic_write_data(struct pic_chip *c, uint8_t val)
{
	switch (c->step) {
	case PIC_WANT_ICW2:
		c->vector_base = val & 0xf8;
		c->step = c->single ? (c->icw4 ? PIC_WANT_ICW4 : PIC_READY) :
			  PIC_WANT_ICW3;
		break;
	case PIC_WANT_ICW3:
		/* Cascade wiring is fixed on a PC: nothing to record. */
		c->step = c->icw4 ? PIC_WANT_ICW4 : PIC_READY;
		break;
	case PIC_WANT_ICW4:
		c->auto_eoi = val & PIC_ICW4_AEOI;
		c->step = PIC_READY;
		break;
	default:
		c->imr = val;
		break;
	}
	if (c->step == PIC_READY)
		c->programmed = true;
}

/* A poll read: the INTA without the interrupt. */
static uint8_t pic_poll(struct pic_chip *c, bool master)
{
	unsigned int irq = pic_pending(c, master);

	c->poll = false;
	if (irq == 8)
		return 0;
	pic_chip_ack(c, irq);
	if (master && irq == PIC_CASCADE_IRQ)
		pic_update_cascade();
	return (uint8_t)(0x80 | irq);
}

static uint8_t pic_read(struct pic_chip *c, bool master, bool data)
{
	if (c->poll)
		return pic_poll(c, master);
	if (data)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

static void pic_io(void *opaque, uint16_t port, uint8_t *data,
		   unsigned int size, bool is_write)
{
	struct pic_chip *c = opaque;
	bool master = c == &pic_state.chip[0];
	bool is_data = port & 1;
	unsigned int i;

	pthread_mutex_lock(&pic_state.lock);
	for (i = 0; i < size; i++, is_data = !is_data) {
		if (!is_write)
			data[i] = pic_read(c, master, is_data);
		else if (is_data)
			pic_write_data(c, data[i]);
		else
			pic_write_cmd(c, data[i]);
	}
	pic_update_and_deliver();
	pthread_mutex_unlock(&pic_state.lock);
}

static void elcr_io(void *opaque, uint16_t port, uint8_t *data,
		    unsigned int size, bool is_write)
{
	unsigned int i, n;

	(void)opaque;
	pthread_mutex_lock(&pic_state.lock);
	for (i = 0; i < size; i++) {
		n = (unsigned int)(port - PIC_ELCR_PORT) + i;
		if (n > 1) {
			if (!is_write)
				data[i] = 0xff;
			continue;
		}
		if (is_write)
			pic_state.chip[n].elcr = data[i] & pic_state.chip[n].elcr_mask;
		else
			data[i] = pic_state.chip[n].elcr;
	}
	pic_update_and_deliver();
	pthread_mutex_unlock(&pic_state.lock);
}

int pic_init(struct vmm *vmm)
{
	int ret;

	pic_reset();
	pic_state.vmm = vmm;
	ret = ioport_register(PIC_MASTER_PORT, 2, pic_io, &pic_state.chip[0],
			      "8259-master");
	if (!ret)
		ret = ioport_register(PIC_SLAVE_PORT, 2, pic_io, &pic_state.chip[1],
				      "8259-slave");
	if (!ret)
		ret = ioport_register(PIC_ELCR_PORT, 2, elcr_io, NULL, "elcr");
	return ret;
}
