// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel IOAPIC, one per VM (version 0x20, MVM_IOAPIC_PINS pins):
 * IOREGSEL/IOWIN and the EOI register in its MMIO window, the
 * redirection table, and the pins userspace drives with
 * MINIVMM_IRQ_LINE.
 *
 * Line levels are what userspace says: 1 is asserted, whatever the
 * entry's polarity bit says (the device model applies polarity).
 *
 * One spinlock (irqsave: callers may come from any context) covers all
 * state.  Delivery happens under it, which keeps "deliver, set Remote
 * IRR" atomic against an EOI; mvm_apic_deliver() takes no lock, and
 * nothing it calls comes back here (EOIs arrive from vCPU threads).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "mvm.h"
#include "lapic.h"

#define IOAPIC_WINDOW		0x1000
#define IOAPIC_REGSEL		0x00
#define IOAPIC_WIN		0x10
#define IOAPIC_EOI		0x40

#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDIR	0x10	/* two registers a pin */

/* Version 0x20 (has the EOI register), max redirection entry in 23:16. */
#define IOAPIC_VERSION		(0x20 | (MVM_IOAPIC_PINS - 1) << 16)
#define IOAPIC_ID_BITS		(0xfU << 24)

/* Redirection entry bits. */
#define RTE_VECTOR		0xffULL
#define RTE_DM_SHIFT		8
#define RTE_LOGICAL		BIT_ULL(11)
#define RTE_REMOTE_IRR		BIT_ULL(14)
#define RTE_LEVEL		BIT_ULL(15)
#define RTE_MASKED		BIT_ULL(16)
#define RTE_DEST_SHIFT		56
/* Vector, delivery mode, dest mode, polarity, trigger, mask, dest. */
#define RTE_WRITABLE		(GENMASK_ULL(63, 56) | RTE_MASKED | \
				 RTE_LEVEL | BIT_ULL(13) | GENMASK_ULL(11, 0))

struct mvm_ioapic {
	struct mvm_vm *vm;
	spinlock_t lock;		/* all of the below */
	u32 regsel;
	u32 id;				/* ID register (bits 27:24) */
	u32 lines;			/* input levels, bit per pin */
	u64 rte[MVM_IOAPIC_PINS];
};

/* Sends pin @pin's interrupt; a level one waits for EOI in Remote IRR. */
static void ioapic_deliver(struct mvm_ioapic *ioapic, unsigned int pin)
{
	u64 rte = ioapic->rte[pin];
	struct mvm_apic_irq irq = {
		.dest = rte >> RTE_DEST_SHIFT,
		.vector = rte & RTE_VECTOR,
		.delivery_mode = (rte >> RTE_DM_SHIFT) & 7,
		.shorthand = MVM_APIC_SH_NONE,
		.logical = rte & RTE_LOGICAL,
		.level_trig = rte & RTE_LEVEL,
		.assert = true,
	};

	lockdep_assert_held(&ioapic->lock);
	/*
	 * A level interrupt nobody took leaves Remote IRR clear, else no
	 * EOI could ever clear it; the next change of line, entry or EOI
	 * retries.
	 */
	if (mvm_apic_deliver(ioapic->vm, NULL, &irq) && irq.level_trig)
		ioapic->rte[pin] |= RTE_REMOTE_IRR;
}

/* A level pin that is high, unmasked and not in service fires again. */
static void ioapic_service_level(struct mvm_ioapic *ioapic, unsigned int pin)
{
	u64 rte = ioapic->rte[pin];

	if ((rte & RTE_LEVEL) && !(rte & (RTE_MASKED | RTE_REMOTE_IRR)) &&
	    (ioapic->lines & BIT(pin)))
		ioapic_deliver(ioapic, pin);
}

int mvm_ioapic_set_irq(struct mvm_vm *vm, u32 gsi, u32 level)
{
	struct mvm_ioapic *ioapic = READ_ONCE(vm->ioapic);
	unsigned long flags;
	bool was_high;
	u64 rte;

	if (!ioapic)
		return -ENXIO;
	if (gsi >= MVM_IOAPIC_PINS || level > 1)
		return -EINVAL;

	spin_lock_irqsave(&ioapic->lock, flags);
	was_high = ioapic->lines & BIT(gsi);
	if (level)
		ioapic->lines |= BIT(gsi);
	else
		ioapic->lines &= ~BIT(gsi);
	rte = ioapic->rte[gsi];
	if (rte & RTE_LEVEL)
		ioapic_service_level(ioapic, gsi);
	else if (level && !was_high && !(rte & RTE_MASKED))
		ioapic_deliver(ioapic, gsi);	/* edge: on 0 -> 1 only */
	spin_unlock_irqrestore(&ioapic->lock, flags);
	return 0;
}

static void ioapic_eoi_locked(struct mvm_ioapic *ioapic, u8 vector)
{
	unsigned int pin;
	u64 rte;

	for (pin = 0; pin < MVM_IOAPIC_PINS; pin++) {
		rte = ioapic->rte[pin];
		if ((rte & RTE_VECTOR) != vector || !(rte & RTE_LEVEL))
			continue;
		ioapic->rte[pin] = rte & ~RTE_REMOTE_IRR;
		ioapic_service_level(ioapic, pin);
	}
}

void mvm_ioapic_eoi(struct mvm_vm *vm, u8 vector)
{
	struct mvm_ioapic *ioapic = READ_ONCE(vm->ioapic);
	unsigned long flags;

	if (!ioapic)
		return;
	spin_lock_irqsave(&ioapic->lock, flags);
	ioapic_eoi_locked(ioapic, vector);
	spin_unlock_irqrestore(&ioapic->lock, flags);
}

static u32 ioapic_read_locked(struct mvm_ioapic *ioapic)
{
	u32 reg = ioapic->regsel;
	unsigned int pin;

	switch (reg) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		return ioapic->id;
	case IOAPIC_REG_VERSION:
		return IOAPIC_VERSION;
	}
	if (reg < IOAPIC_REG_REDIR)
		return 0;
	pin = (reg - IOAPIC_REG_REDIR) / 2;
	if (pin >= MVM_IOAPIC_PINS)
		return 0;
	if (reg & 1)
		return ioapic->rte[pin] >> 32;
	return (u32)ioapic->rte[pin];
}

static void ioapic_write_locked(struct mvm_ioapic *ioapic, u32 val)
{
	u32 reg = ioapic->regsel;
	unsigned int pin;
	u64 old, rte;

	if (reg == IOAPIC_REG_ID) {
		ioapic->id = val & IOAPIC_ID_BITS;
		return;
	}
	if (reg < IOAPIC_REG_REDIR)
		return;			/* version, arbitration: read-only */
	pin = (reg - IOAPIC_REG_REDIR) / 2;
	if (pin >= MVM_IOAPIC_PINS)
		return;

	old = ioapic->rte[pin];
	if (reg & 1)
		rte = (old & 0xffffffffULL) | (u64)val << 32;
	else
		rte = (old & ~0xffffffffULL) | val;
	rte = (rte & RTE_WRITABLE) | (old & RTE_REMOTE_IRR);
	/* An edge entry has no interrupt in service to wait for. */
	if (!(rte & RTE_LEVEL))
		rte &= ~RTE_REMOTE_IRR;
	ioapic->rte[pin] = rte;
	/* Unmasking (or making level) a line that is high fires it. */
	ioapic_service_level(ioapic, pin);
}

bool mvm_ioapic_mmio_match(struct mvm_vm *vm, u64 gpa)
{
	return READ_ONCE(vm->ioapic) &&
	       gpa - MINIVMM_IOAPIC_BASE < IOAPIC_WINDOW;
}

/* Only aligned 4-byte accesses do anything; other reads return 0. */
void mvm_ioapic_mmio_read(struct mvm_vm *vm, u64 gpa, void *data,
			  unsigned int len)
{
	struct mvm_ioapic *ioapic = READ_ONCE(vm->ioapic);
	u32 off = gpa - MINIVMM_IOAPIC_BASE;
	unsigned long flags;
	u32 val = 0;

	if (len > 8)
		return;
	memset(data, 0, len);
	if (!ioapic || len != 4)
		return;
	spin_lock_irqsave(&ioapic->lock, flags);
	if (off == IOAPIC_REGSEL)
		val = ioapic->regsel;
	else if (off == IOAPIC_WIN)
		val = ioapic_read_locked(ioapic);
	spin_unlock_irqrestore(&ioapic->lock, flags);
	memcpy(data, &val, sizeof(val));
}

void mvm_ioapic_mmio_write(struct mvm_vm *vm, u64 gpa, const void *data,
			   unsigned int len)
{
	struct mvm_ioapic *ioapic = READ_ONCE(vm->ioapic);
	u32 off = gpa - MINIVMM_IOAPIC_BASE;
	unsigned long flags;
	u32 val;

	if (!ioapic || len != 4)
		return;
	memcpy(&val, data, sizeof(val));
	spin_lock_irqsave(&ioapic->lock, flags);
	switch (off) {
	case IOAPIC_REGSEL:
		ioapic->regsel = val & 0xff;
		break;
	case IOAPIC_WIN:
		ioapic_write_locked(ioapic, val);
		break;
	case IOAPIC_EOI:
		ioapic_eoi_locked(ioapic, val & 0xff);
		break;
	}
	spin_unlock_irqrestore(&ioapic->lock, flags);
}

int mvm_ioapic_create(struct mvm_vm *vm)
{
	struct mvm_ioapic *ioapic;
	unsigned int pin;

	ioapic = kzalloc(sizeof(*ioapic), GFP_KERNEL_ACCOUNT);
	if (!ioapic)
		return -ENOMEM;
	ioapic->vm = vm;
	spin_lock_init(&ioapic->lock);
	for (pin = 0; pin < MVM_IOAPIC_PINS; pin++)
		ioapic->rte[pin] = RTE_MASKED;
	/* Complete before the pointer becomes visible to lockless readers. */
	smp_store_release(&vm->ioapic, ioapic);
	return 0;
}

void mvm_ioapic_free(struct mvm_vm *vm)
{
	kfree(vm->ioapic);
	vm->ioapic = NULL;
}
