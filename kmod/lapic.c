// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel local APIC, one per vCPU: the xAPIC register page, the
 * x2APIC MSRs, the timer (one-shot, periodic, TSC-deadline) on a host
 * hrtimer, and interrupt messages (IPIs, IOAPIC and MSI) between vCPUs.
 *
 * Concurrency: the registers belong to the vCPU's own thread, which is
 * the only writer (guest MMIO/MSR accesses, EOI, acknowledging).  Other
 * CPUs and the timer callback only deliver: they set IRR/TMR/ESR bits
 * with atomic bit operations, read the few registers destination
 * matching needs (APIC base, LDR, DFR, SVR) with READ_ONCE(), set request
 * bits and call mvm_vcpu_wake().  The hrtimer's state (period, deadline)
 * only changes while the timer is cancelled, so the callback never sees
 * it half-written.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#include "mvm.h"
#include "lapic.h"

#define LAPIC_VECTORS		256
#define LAPIC_NR_REGS		(0x400 >> 4)	/* one u32 every 16 bytes */
#define LAPIC_PAGE_SIZE		0x1000
/* Version 0x14 (xAPIC); max LVT 5: timer, thermal, perf, LINT0/1, error. */
#define LAPIC_VERSION		0x00050014
#define LAPIC_X2APIC_MSRS	0x100

#define LAPIC_VEC_MASK		0xffU
#define LAPIC_LVT_MASK		BIT(16)
#define LAPIC_TIMER_MODE_SHIFT	17
#define LAPIC_TIMER_MODE_MASK	(3U << LAPIC_TIMER_MODE_SHIFT)
#define LAPIC_TIMER_ONESHOT	0
#define LAPIC_TIMER_PERIODIC	1
#define LAPIC_TIMER_DEADLINE	2

/* Writable bits of each register (delivery status and remote IRR are RO). */
#define LAPIC_LVTT_BITS		(LAPIC_TIMER_MODE_MASK | LAPIC_LVT_MASK | 0xff)
#define LAPIC_LVT_DM_BITS	(LAPIC_LVT_MASK | 0x7ff)
#define LAPIC_LVT_LINT_BITS	(LAPIC_LVT_MASK | BIT(15) | BIT(13) | 0x7ff)
#define LAPIC_LVTERR_BITS	(LAPIC_LVT_MASK | 0xff)
#define LAPIC_SVR_BITS		0x3ffU
/* ICR: vector, delivery mode, dest mode, level, trigger, shorthand. */
#define LAPIC_ICR_BITS		0xccfffU
#define LAPIC_TDCR_BITS		0xbU

/* ESR bits, as bit numbers for the atomic ops on esr_pending. */
#define LAPIC_ESR_SEND_ILLEGAL	5
#define LAPIC_ESR_RECV_ILLEGAL	6

/*
 * Periodic timers shorter than this are stretched to it, as KVM does, so
 * a guest cannot make the host take an interrupt storm.
 */
#define LAPIC_MIN_PERIOD_NS	50000ULL
/* Far-away deadlines are clamped: the timer is re-armed long before. */
#define LAPIC_MAX_TIMER_NS	BIT_ULL(62)

struct mvm_lapic {
	struct mvm_vcpu *vcpu;
	u64 base;			/* MSR_IA32_APICBASE */
	u32 regs[LAPIC_NR_REGS];	/* by offset / 16; not IRR/ISR/TMR */
	DECLARE_BITMAP(irr, LAPIC_VECTORS);
	DECLARE_BITMAP(isr, LAPIC_VECTORS);
	DECLARE_BITMAP(tmr, LAPIC_VECTORS);
	unsigned long esr_pending;	/* errors since the last ESR write */

	struct hrtimer timer;
	u64 period_ns;			/* periodic mode while armed, else 0 */
	u32 divisor;			/* divide value of the armed timer */
	u64 tsc_deadline;		/* armed TSC deadline, 0 when none */
};

static u32 lapic_get(const struct mvm_lapic *apic, u32 reg)
{
	return READ_ONCE(apic->regs[reg >> 4]);
}

static void lapic_set(struct mvm_lapic *apic, u32 reg, u32 val)
{
	WRITE_ONCE(apic->regs[reg >> 4], val);
}

static bool lapic_hw_enabled(const struct mvm_lapic *apic)
{
	return READ_ONCE(apic->base) & MSR_IA32_APICBASE_ENABLE;
}

static bool lapic_x2apic(const struct mvm_lapic *apic)
{
	return READ_ONCE(apic->base) & X2APIC_ENABLE;
}

static bool lapic_sw_enabled(const struct mvm_lapic *apic)
{
	return lapic_get(apic, APIC_SPIV) & APIC_SPIV_APIC_ENABLED;
}

static u32 lapic_x2apic_ldr(u32 id)
{
	return (id >> 4) << 16 | BIT(id & 15);
}

static u32 lapic_timer_mode(const struct mvm_lapic *apic)
{
	return (lapic_get(apic, APIC_LVTT) & LAPIC_TIMER_MODE_MASK) >>
	       LAPIC_TIMER_MODE_SHIFT;
}

/* 32 bits of a 256-bit vector register (IRR, ISR, TMR). */
static u32 lapic_vec_reg(const unsigned long *map, unsigned int n)
{
	unsigned int bit = n * 32;

	return READ_ONCE(map[BIT_WORD(bit)]) >> (bit % BITS_PER_LONG);
}

static int lapic_highest(const unsigned long *map)
{
	unsigned long v = find_last_bit(map, LAPIC_VECTORS);

	return v < LAPIC_VECTORS ? (int)v : -1;
}

static u32 lapic_ppr(const struct mvm_lapic *apic)
{
	u32 tpr = lapic_get(apic, APIC_TASKPRI) & 0xff;
	int isrv = lapic_highest(apic->isr);
	u32 isr_class = isrv < 0 ? 0 : isrv & 0xf0;

	return (tpr & 0xf0) >= isr_class ? tpr : isr_class;
}

/* ---- accepting interrupts (any context) ---- */

static void lapic_wake(struct mvm_vcpu *vcpu)
{
	set_bit(MVM_REQ_EVENT, &vcpu->requests);
	/* Pairs with the barrier in mvm_vcpu_enter_prepare() (run.c). */
	smp_mb__after_atomic();
	mvm_vcpu_wake(vcpu);
}

/* A fixed interrupt into IRR; TMR records its trigger mode for EOI. */
static void lapic_set_irr(struct mvm_lapic *apic, u8 vector, bool level)
{
	if (level)
		set_bit(vector, apic->tmr);
	else
		clear_bit(vector, apic->tmr);
	set_bit(vector, apic->irr);
	lapic_wake(apic->vcpu);
}

/* Records an error and raises the LVT error interrupt if unmasked. */
static void lapic_error(struct mvm_lapic *apic, unsigned int esr_bit)
{
	u32 lvt = lapic_get(apic, APIC_LVTERR);
	u8 vector = lvt & LAPIC_VEC_MASK;

	set_bit(esr_bit, &apic->esr_pending);
	if (!(lvt & LAPIC_LVT_MASK) && vector >= 16 && lapic_sw_enabled(apic))
		lapic_set_irr(apic, vector, false);
}

/* Takes @irq into @vcpu's LAPIC; true if it was accepted. */
static bool lapic_accept(struct mvm_vcpu *vcpu, const struct mvm_apic_irq *irq)
{
	struct mvm_lapic *apic = vcpu->lapic;

	switch (irq->delivery_mode) {
	case MVM_APIC_DM_FIXED:
	case MVM_APIC_DM_LOWEST:
		/* A software-disabled APIC takes no fixed interrupts. */
		if (!lapic_sw_enabled(apic))
			return false;
		if (irq->vector < 16) {
			lapic_error(apic, LAPIC_ESR_RECV_ILLEGAL);
			return false;
		}
		lapic_set_irr(apic, irq->vector, irq->level_trig);
		return true;
	case MVM_APIC_DM_NMI:
		atomic_inc(&vcpu->nmi_pending);
		break;
	case MVM_APIC_DM_INIT:
		/* INIT level de-assert only matters to pre-xAPIC CPUs. */
		if (irq->level_trig && !irq->assert)
			return false;
		set_bit(MVM_REQ_INIT, &vcpu->requests);
		break;
	case MVM_APIC_DM_SIPI:
		WRITE_ONCE(vcpu->sipi_vector, irq->vector);
		/* The vector is visible before the request that reads it. */
		smp_mb__before_atomic();
		set_bit(MVM_REQ_SIPI, &vcpu->requests);
		break;
	default:
		/* SMI, ExtINT, remote read: not modelled, dropped. */
		return false;
	}
	lapic_wake(vcpu);
	return true;
}

static bool lapic_match_physical(const struct mvm_lapic *apic, u32 dest)
{
	u32 id = apic->vcpu->id;

	if (dest == 0xffffffff)
		return true;
	if (lapic_x2apic(apic))
		return dest == id;
	return dest == 0xff || dest == id;
}

static bool lapic_match_logical(const struct mvm_lapic *apic, u32 dest)
{
	u32 ldr, mda;

	if (dest == 0xffffffff)
		return true;
	if (lapic_x2apic(apic)) {
		ldr = lapic_x2apic_ldr(apic->vcpu->id);
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}
	if (dest > 0xff)
		return false;
	mda = dest;
	if (mda == 0xff)
		return true;
	ldr = lapic_get(apic, APIC_LDR) >> 24;
	if ((lapic_get(apic, APIC_DFR) >> 28) == 0xf)	/* flat model */
		return ldr & mda;
	/* Cluster model: cluster 15 addresses every cluster. */
	return ((mda >> 4) == 0xf || (mda >> 4) == (ldr >> 4)) &&
	       (mda & ldr & 0xf);
}

static bool lapic_match(struct mvm_vcpu *vcpu, struct mvm_vcpu *src,
			const struct mvm_apic_irq *irq)
{
	struct mvm_lapic *apic = vcpu->lapic;

	if (!apic || !lapic_hw_enabled(apic))
		return false;
	switch (irq->shorthand) {
	case MVM_APIC_SH_SELF:
		return vcpu == src;
	case MVM_APIC_SH_ALL:
		return true;
	case MVM_APIC_SH_OTHERS:
		return vcpu != src;
	}
	if (irq->logical)
		return lapic_match_logical(apic, irq->dest);
	return lapic_match_physical(apic, irq->dest);
}

/*
 * Takes no lock: vm->vcpus[] entries are only ever added (after the vCPU
 * and its LAPIC are complete) and freed when the VM is unreachable, and
 * the LAPIC state it touches is atomic.  The walk in id order makes
 * lowest-priority delivery deterministic: the lowest-numbered match with
 * its APIC software-enabled gets it.
 */
int mvm_apic_deliver(struct mvm_vm *vm, struct mvm_vcpu *src,
		     const struct mvm_apic_irq *irq)
{
	struct mvm_vcpu *lowest = NULL;
	struct mvm_vcpu *vcpu;
	unsigned int i;
	int n = 0;

	for (i = 0; i < MVM_MAX_VCPUS; i++) {
		vcpu = READ_ONCE(vm->vcpus[i]);
		if (!vcpu || !lapic_match(vcpu, src, irq))
			continue;
		if (irq->delivery_mode == MVM_APIC_DM_LOWEST) {
			if (!lowest && lapic_sw_enabled(vcpu->lapic))
				lowest = vcpu;
			continue;
		}
		n += lapic_accept(vcpu, irq);
	}
	if (lowest)
		n += lapic_accept(lowest, irq);
	return n;
}

int mvm_msi_deliver(struct mvm_vm *vm, u64 address, u32 data)
{
	struct mvm_apic_irq irq = {
		.dest = (address >> 12) & 0xff,
		.vector = data & 0xff,
		.delivery_mode = (data >> 8) & 7,
		.shorthand = MVM_APIC_SH_NONE,
		.logical = address & BIT(2),
		.level_trig = data & BIT(15),
		.assert = data & BIT(14),
	};

	if ((address >> 20) != (MINIVMM_APIC_DEFAULT_BASE >> 20))
		return -EINVAL;
	/* An edge-triggered message is always an assertion. */
	if (!irq.level_trig)
		irq.assert = true;
	return mvm_apic_deliver(vm, NULL, &irq);
}

/* ---- timer ---- */

static u32 lapic_divisor(const struct mvm_lapic *apic)
{
	u32 dcr = lapic_get(apic, APIC_TDCR);
	u32 v = (dcr & 3) | ((dcr >> 1) & 4);

	return v == 7 ? 1 : 2U << v;
}

static void lapic_timer_inject(struct mvm_lapic *apic)
{
	u32 lvt = lapic_get(apic, APIC_LVTT);
	u8 vector = lvt & LAPIC_VEC_MASK;

	if (lvt & LAPIC_LVT_MASK)
		return;
	if (vector < 16)
		lapic_error(apic, LAPIC_ESR_RECV_ILLEGAL);
	else
		lapic_set_irr(apic, vector, false);
}

/* Hardirq context: raise the interrupt, re-arm a periodic timer. */
static enum hrtimer_restart lapic_timer_fn(struct hrtimer *timer)
{
	struct mvm_lapic *apic = container_of(timer, struct mvm_lapic, timer);

	lapic_timer_inject(apic);
	if (apic->period_ns) {
		/* A late callback skips the periods it missed. */
		hrtimer_forward_now(timer, ns_to_ktime(apic->period_ns));
		return HRTIMER_RESTART;
	}
	WRITE_ONCE(apic->tsc_deadline, 0);
	return HRTIMER_NORESTART;
}

static void lapic_timer_stop(struct mvm_lapic *apic)
{
	hrtimer_cancel(&apic->timer);
	apic->period_ns = 0;
	WRITE_ONCE(apic->tsc_deadline, 0);
}

/* Initial count written in one-shot or periodic mode. */
static void lapic_timer_start_count(struct mvm_lapic *apic)
{
	u32 count = lapic_get(apic, APIC_TMICT);
	u32 mode = lapic_timer_mode(apic);
	u64 ns;

	lapic_timer_stop(apic);
	if (!count || mode == LAPIC_TIMER_DEADLINE)
		return;
	apic->divisor = lapic_divisor(apic);
	ns = mul_u64_u32_div((u64)count * apic->divisor, 1000000,
			     MVM_APIC_BUS_KHZ);
	if (mode == LAPIC_TIMER_PERIODIC) {
		ns = max(ns, LAPIC_MIN_PERIOD_NS);
		apic->period_ns = ns;
	}
	hrtimer_start(&apic->timer, ns_to_ktime(ns), HRTIMER_MODE_REL_HARD);
}

static u32 lapic_timer_current(struct mvm_lapic *apic)
{
	u32 tmict = lapic_get(apic, APIC_TMICT);
	s64 ns;
	u64 count;

	if (!tmict || lapic_timer_mode(apic) == LAPIC_TIMER_DEADLINE ||
	    !hrtimer_active(&apic->timer))
		return 0;
	ns = ktime_to_ns(hrtimer_get_remaining(&apic->timer));
	if (ns <= 0)
		return 0;
	count = mul_u64_u32_div(ns, MVM_APIC_BUS_KHZ, 1000000);
	count = div_u64(count, apic->divisor);
	return min_t(u64, count, tmict);
}

/* The largest TSC distance whose conversion to ns fits 64 bits. */
static u64 lapic_tsc_max_delta(void)
{
	if (tsc_khz >= 1000000)
		return U64_MAX;
	return (u64)tsc_khz * div_u64(U64_MAX, 1000000);
}

/*
 * MSR_IA32_TSC_DEADLINE: the guest TSC runs at the host's tsc_khz (the
 * backends only offset it), so a deadline converts to host time with it.
 */
static void lapic_set_tsc_deadline(struct mvm_lapic *apic, u64 deadline)
{
	u64 now, ns;

	if (lapic_timer_mode(apic) != LAPIC_TIMER_DEADLINE)
		return;		/* the SDM: ignored in other modes */
	lapic_timer_stop(apic);
	if (!deadline)
		return;
	if (mvm_ops->get_msr(apic->vcpu, MSR_IA32_TSC, &now) || !tsc_khz ||
	    deadline <= now) {
		lapic_timer_inject(apic);
		return;
	}
	/*
	 * The guest picks the deadline: saturate the distance first, as the
	 * quotient of a far one (up to 2^64 ticks) overflows 64 bits when
	 * the TSC is slower than 1 GHz, and the division would fault.
	 */
	ns = mul_u64_u32_div(min(deadline - now, lapic_tsc_max_delta()),
			     1000000, tsc_khz);
	ns = min(ns, LAPIC_MAX_TIMER_NS);
	WRITE_ONCE(apic->tsc_deadline, deadline);
	hrtimer_start(&apic->timer, ns_to_ktime(ns), HRTIMER_MODE_REL_HARD);
}

/* ---- registers ---- */

static void lapic_reset_regs(struct mvm_lapic *apic)
{
	unsigned int i;

	lapic_timer_stop(apic);
	for (i = 0; i < LAPIC_NR_REGS; i++)
		WRITE_ONCE(apic->regs[i], 0);
	lapic_set(apic, APIC_ID, apic->vcpu->id << 24);
	lapic_set(apic, APIC_LVR, LAPIC_VERSION);
	lapic_set(apic, APIC_DFR, 0xffffffff);
	lapic_set(apic, APIC_SPIV, 0xff);
	lapic_set(apic, APIC_LVTT, LAPIC_LVT_MASK);
	lapic_set(apic, APIC_LVTTHMR, LAPIC_LVT_MASK);
	lapic_set(apic, APIC_LVTPC, LAPIC_LVT_MASK);
	lapic_set(apic, APIC_LVT0, LAPIC_LVT_MASK);
	lapic_set(apic, APIC_LVT1, LAPIC_LVT_MASK);
	lapic_set(apic, APIC_LVTERR, LAPIC_LVT_MASK);
	bitmap_zero(apic->irr, LAPIC_VECTORS);
	bitmap_zero(apic->isr, LAPIC_VECTORS);
	bitmap_zero(apic->tmr, LAPIC_VECTORS);
	WRITE_ONCE(apic->esr_pending, 0);
	apic->divisor = 2;
}

static void lapic_eoi(struct mvm_lapic *apic)
{
	int vector = lapic_highest(apic->isr);

	if (vector < 0)
		return;
	clear_bit(vector, apic->isr);
	if (test_bit(vector, apic->tmr))
		mvm_ioapic_eoi(apic->vcpu->vm, vector);
}

static void lapic_send_ipi(struct mvm_lapic *apic, u32 icr, u32 dest)
{
	struct mvm_apic_irq irq = {
		.dest = dest,
		.vector = icr & APIC_VECTOR_MASK,
		.delivery_mode = (icr >> 8) & 7,
		.shorthand = (icr >> 18) & 3,
		.logical = icr & APIC_DEST_LOGICAL,
		.level_trig = icr & APIC_INT_LEVELTRIG,
		.assert = icr & APIC_INT_ASSERT,
	};

	if ((irq.delivery_mode == MVM_APIC_DM_FIXED ||
	     irq.delivery_mode == MVM_APIC_DM_LOWEST) && irq.vector < 16) {
		lapic_error(apic, LAPIC_ESR_SEND_ILLEGAL);
		return;
	}
	mvm_apic_deliver(apic->vcpu->vm, apic->vcpu, &irq);
}

static void lapic_set_lvt(struct mvm_lapic *apic, u32 reg, u32 val, u32 bits)
{
	val &= bits;
	/* A software-disabled APIC keeps every LVT masked. */
	if (!lapic_sw_enabled(apic))
		val |= LAPIC_LVT_MASK;
	lapic_set(apic, reg, val);
}

static void lapic_set_lvtt(struct mvm_lapic *apic, u32 val)
{
	u32 old_mode = lapic_timer_mode(apic);

	/* Mode 3 is reserved: keep it out of the register. */
	if ((val & LAPIC_TIMER_MODE_MASK) == LAPIC_TIMER_MODE_MASK)
		val &= ~(LAPIC_TIMER_DEADLINE << LAPIC_TIMER_MODE_SHIFT);
	lapic_set_lvt(apic, APIC_LVTT, val, LAPIC_LVTT_BITS);
	/* The SDM: a write that changes the timer mode disarms the timer. */
	if (lapic_timer_mode(apic) != old_mode) {
		lapic_timer_stop(apic);
		lapic_set(apic, APIC_TMICT, 0);
	}
}

static void lapic_set_svr(struct mvm_lapic *apic, u32 val)
{
	static const u32 lvts[] = {
		APIC_LVTT, APIC_LVTTHMR, APIC_LVTPC, APIC_LVT0, APIC_LVT1,
		APIC_LVTERR,
	};
	unsigned int i;

	lapic_set(apic, APIC_SPIV, val & LAPIC_SVR_BITS);
	if (val & APIC_SPIV_APIC_ENABLED)
		return;
	for (i = 0; i < ARRAY_SIZE(lvts); i++)
		lapic_set(apic, lvts[i],
			  lapic_get(apic, lvts[i]) | LAPIC_LVT_MASK);
}

/* The xAPIC view of register @reg (16-byte aligned offset). */
static u32 lapic_reg_read(struct mvm_lapic *apic, u32 reg)
{
	switch (reg) {
	case APIC_ID:
	case APIC_LVR:
	case APIC_TASKPRI:
	case APIC_LDR:
	case APIC_DFR:
	case APIC_SPIV:
	case APIC_ESR:
	case APIC_ICR:
	case APIC_ICR2:
	case APIC_LVTT:
	case APIC_LVTTHMR:
	case APIC_LVTPC:
	case APIC_LVT0:
	case APIC_LVT1:
	case APIC_LVTERR:
	case APIC_TMICT:
	case APIC_TDCR:
		return lapic_get(apic, reg);
	case APIC_PROCPRI:
		return lapic_ppr(apic);
	case APIC_TMCCT:
		return lapic_timer_current(apic);
	case APIC_ISR ... APIC_ISR + 0x70:
		return lapic_vec_reg(apic->isr, (reg - APIC_ISR) >> 4);
	case APIC_TMR ... APIC_TMR + 0x70:
		return lapic_vec_reg(apic->tmr, (reg - APIC_TMR) >> 4);
	case APIC_IRR ... APIC_IRR + 0x70:
		return lapic_vec_reg(apic->irr, (reg - APIC_IRR) >> 4);
	default:
		/* APR, EOI, remote read, CMCI (absent), reserved. */
		return 0;
	}
}

/* A write both modes share; the caller has checked x2APIC's rules. */
static void lapic_reg_write(struct mvm_lapic *apic, u32 reg, u32 val)
{
	switch (reg) {
	case APIC_TASKPRI:
		lapic_set(apic, reg, val & APIC_TPRI_MASK);
		break;
	case APIC_EOI:
		lapic_eoi(apic);
		break;
	case APIC_LDR:
		lapic_set(apic, reg, val & APIC_LDR_MASK);
		break;
	case APIC_DFR:
		lapic_set(apic, reg, val | 0x0fffffff);
		break;
	case APIC_SPIV:
		lapic_set_svr(apic, val);
		break;
	case APIC_ESR:
		/* A write latches the errors seen since the last one. */
		lapic_set(apic, reg, xchg(&apic->esr_pending, 0));
		break;
	case APIC_ICR:
		val &= LAPIC_ICR_BITS;
		lapic_set(apic, reg, val);
		lapic_send_ipi(apic, val, lapic_get(apic, APIC_ICR2) >> 24);
		break;
	case APIC_ICR2:
		lapic_set(apic, reg, val & 0xff000000);
		break;
	case APIC_LVTT:
		lapic_set_lvtt(apic, val);
		break;
	case APIC_LVTTHMR:
	case APIC_LVTPC:
		lapic_set_lvt(apic, reg, val, LAPIC_LVT_DM_BITS);
		break;
	case APIC_LVT0:
	case APIC_LVT1:
		lapic_set_lvt(apic, reg, val, LAPIC_LVT_LINT_BITS);
		break;
	case APIC_LVTERR:
		lapic_set_lvt(apic, reg, val, LAPIC_LVTERR_BITS);
		break;
	case APIC_TMICT:
		if (lapic_timer_mode(apic) == LAPIC_TIMER_DEADLINE)
			break;
		lapic_set(apic, reg, val);
		lapic_timer_start_count(apic);
		break;
	case APIC_TDCR:
		lapic_set(apic, reg, val & LAPIC_TDCR_BITS);
		break;
	default:
		/* Read-only or reserved: ignored in xAPIC mode. */
		break;
	}
}

bool mvm_lapic_mmio_match(struct mvm_vcpu *vcpu, u64 gpa)
{
	struct mvm_lapic *apic = vcpu->lapic;
	u64 base;

	if (!apic)
		return false;
	base = READ_ONCE(apic->base);
	if (!(base & MSR_IA32_APICBASE_ENABLE) || (base & X2APIC_ENABLE))
		return false;
	base &= ~(u64)(LAPIC_PAGE_SIZE - 1);
	return gpa - base < LAPIC_PAGE_SIZE;
}

/*
 * Registers are 32 bits wide every 16 bytes; a read of 1, 2 or 4 bytes
 * inside one gets those bytes, anything else (crossing it, 8 bytes,
 * bytes 4-15) reads 0.  Only aligned 4-byte writes have an effect.
 */
void mvm_lapic_mmio_read(struct mvm_vcpu *vcpu, u64 gpa, void *data,
			 unsigned int len)
{
	struct mvm_lapic *apic = vcpu->lapic;
	u32 off = gpa & (LAPIC_PAGE_SIZE - 1);
	u32 val;

	if (len > 8)
		return;
	memset(data, 0, len);
	if (!len || len > 4 || (off & 0xf) + len > 4)
		return;
	val = lapic_reg_read(apic, off & ~0xfU) >> (8 * (off & 3));
	memcpy(data, &val, len);
}

void mvm_lapic_mmio_write(struct mvm_vcpu *vcpu, u64 gpa, const void *data,
			  unsigned int len)
{
	struct mvm_lapic *apic = vcpu->lapic;
	u32 off = gpa & (LAPIC_PAGE_SIZE - 1);
	u32 val;

	if (len != 4 || (off & 0xf))
		return;
	memcpy(&val, data, sizeof(val));
	lapic_reg_write(apic, off, val);
}

/* ---- MSRs ---- */

static int lapic_x2apic_read(struct mvm_lapic *apic, u32 reg, u64 *data)
{
	switch (reg) {
	case APIC_ID:
		*data = apic->vcpu->id;
		return 0;
	case APIC_LDR:
		*data = lapic_x2apic_ldr(apic->vcpu->id);
		return 0;
	case APIC_ICR:
		*data = lapic_get(apic, APIC_ICR) |
			(u64)lapic_get(apic, APIC_ICR2) << 32;
		return 0;
	case APIC_LVR:
	case APIC_TASKPRI:
	case APIC_PROCPRI:
	case APIC_SPIV:
	case APIC_ISR ... APIC_ISR + 0x70:
	case APIC_TMR ... APIC_TMR + 0x70:
	case APIC_IRR ... APIC_IRR + 0x70:
	case APIC_ESR:
	case APIC_LVTT:
	case APIC_LVTTHMR:
	case APIC_LVTPC:
	case APIC_LVT0:
	case APIC_LVT1:
	case APIC_LVTERR:
	case APIC_TMICT:
	case APIC_TMCCT:
	case APIC_TDCR:
		*data = lapic_reg_read(apic, reg);
		return 0;
	default:
		/* APR, EOI, DFR, ICR2, SELF IPI, CMCI and reserved: #GP. */
		return -EPERM;
	}
}

static int lapic_x2apic_write(struct mvm_lapic *apic, u32 reg, u64 data)
{
	if (reg == APIC_ICR) {
		u32 icr = (u32)data & LAPIC_ICR_BITS;

		lapic_set(apic, APIC_ICR, icr);
		lapic_set(apic, APIC_ICR2, data >> 32);
		lapic_send_ipi(apic, icr, data >> 32);
		return 0;
	}
	if (data >> 32)
		return -EPERM;
	switch (reg) {
	case APIC_EOI:
	case APIC_ESR:
		/* x2APIC: these take 0 only. */
		if (data)
			return -EPERM;
		break;
	case APIC_SELF_IPI:
		if (data & ~0xffULL)
			return -EPERM;
		lapic_send_ipi(apic, (u32)data | MVM_APIC_SH_SELF << 18, 0);
		return 0;
	case APIC_TASKPRI:
	case APIC_SPIV:
	case APIC_LVTT:
	case APIC_LVTTHMR:
	case APIC_LVTPC:
	case APIC_LVT0:
	case APIC_LVT1:
	case APIC_LVTERR:
	case APIC_TMICT:
	case APIC_TDCR:
		break;
	default:
		return -EPERM;
	}
	lapic_reg_write(apic, reg, data);
	return 0;
}

/*
 * MSR_IA32_APICBASE: disabled <-> xAPIC <-> x2APIC, where x2APIC is only
 * reachable from xAPIC and left only by disabling (the SDM's state
 * diagram); reserved bits #GP.  Disabling resets the APIC.
 */
static int lapic_base_check(const struct mvm_lapic *apic, u64 val)
{
	u64 reserved = ~0ULL << boot_cpu_data.x86_phys_bits |
		       GENMASK_ULL(7, 0) | BIT_ULL(9);
	u64 old = apic->base;
	bool en = val & MSR_IA32_APICBASE_ENABLE;
	bool x2 = val & X2APIC_ENABLE;
	bool old_en = old & MSR_IA32_APICBASE_ENABLE;
	bool old_x2 = old & X2APIC_ENABLE;

	if (val & reserved)
		return -EPERM;
	if (x2 && !en)			/* invalid state */
		return -EPERM;
	if (old_x2 && en && !x2)	/* x2APIC -> xAPIC */
		return -EPERM;
	if (!old_en && x2)		/* disabled -> x2APIC */
		return -EPERM;
	return 0;
}

static int lapic_set_base(struct mvm_lapic *apic, u64 val)
{
	u64 old = apic->base;
	int r = lapic_base_check(apic, val);

	if (r)
		return r;
	WRITE_ONCE(apic->base, val);
	if ((old & MSR_IA32_APICBASE_ENABLE) &&
	    !(val & MSR_IA32_APICBASE_ENABLE))
		lapic_reset_regs(apic);
	return 0;
}

/*
 * Whether MSR_IA32_APICBASE may become @val (0 or -EPERM), without
 * changing it: SET_SREGS checks everything before it changes anything.
 */
int mvm_lapic_base_check(struct mvm_vcpu *vcpu, u64 val)
{
	return lapic_base_check(vcpu->lapic, val);
}

bool mvm_lapic_msr_read(struct mvm_vcpu *vcpu, u32 index, u64 *data, int *r)
{
	struct mvm_lapic *apic = vcpu->lapic;

	if (!apic)
		return false;
	*r = 0;
	if (index == MSR_IA32_APICBASE) {
		*data = apic->base;
		return true;
	}
	if (index == MSR_IA32_TSC_DEADLINE) {
		*data = 0;
		if (lapic_timer_mode(apic) == LAPIC_TIMER_DEADLINE)
			*data = READ_ONCE(apic->tsc_deadline);
		return true;
	}
	if (index - APIC_BASE_MSR >= LAPIC_X2APIC_MSRS)
		return false;
	if (!lapic_x2apic(apic))
		*r = -EPERM;
	else
		*r = lapic_x2apic_read(apic, (index - APIC_BASE_MSR) << 4,
				       data);
	return true;
}

bool mvm_lapic_msr_write(struct mvm_vcpu *vcpu, u32 index, u64 data, int *r)
{
	struct mvm_lapic *apic = vcpu->lapic;

	if (!apic)
		return false;
	*r = 0;
	if (index == MSR_IA32_APICBASE) {
		*r = lapic_set_base(apic, data);
		return true;
	}
	if (index == MSR_IA32_TSC_DEADLINE) {
		lapic_set_tsc_deadline(apic, data);
		return true;
	}
	if (index - APIC_BASE_MSR >= LAPIC_X2APIC_MSRS)
		return false;
	if (!lapic_x2apic(apic))
		*r = -EPERM;
	else
		*r = lapic_x2apic_write(apic, (index - APIC_BASE_MSR) << 4,
					data);
	return true;
}

/* ---- the core's interface ---- */

int mvm_lapic_pending(struct mvm_vcpu *vcpu)
{
	struct mvm_lapic *apic = vcpu->lapic;
	int vector;

	if (!apic || !lapic_hw_enabled(apic))
		return -1;
	vector = lapic_highest(apic->irr);
	if (vector < 0 || (vector & 0xf0) <= (lapic_ppr(apic) & 0xf0))
		return -1;
	return vector;
}

void mvm_lapic_ack(struct mvm_vcpu *vcpu, u8 vector)
{
	struct mvm_lapic *apic = vcpu->lapic;

	clear_bit(vector, apic->irr);
	set_bit(vector, apic->isr);
}

u8 mvm_lapic_get_cr8(struct mvm_vcpu *vcpu)
{
	return (lapic_get(vcpu->lapic, APIC_TASKPRI) >> 4) & 0xf;
}

void mvm_lapic_set_cr8(struct mvm_vcpu *vcpu, u8 cr8)
{
	lapic_set(vcpu->lapic, APIC_TASKPRI, (cr8 & 0xf) << 4);
}

void mvm_lapic_reset(struct mvm_vcpu *vcpu, bool init)
{
	struct mvm_lapic *apic = vcpu->lapic;
	u64 base = MINIVMM_APIC_DEFAULT_BASE | MSR_IA32_APICBASE_ENABLE;

	/* INIT keeps the APIC base (and with it x2APIC mode), the SDM says. */
	if (!init) {
		if (!vcpu->id)
			base |= MSR_IA32_APICBASE_BSP;
		WRITE_ONCE(apic->base, base);
	}
	lapic_reset_regs(apic);
}

int mvm_lapic_create(struct mvm_vcpu *vcpu)
{
	struct mvm_lapic *apic;

	apic = kzalloc(sizeof(*apic), GFP_KERNEL_ACCOUNT);
	if (!apic)
		return -ENOMEM;
	apic->vcpu = vcpu;
	hrtimer_init(&apic->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	apic->timer.function = lapic_timer_fn;
	vcpu->lapic = apic;
	mvm_lapic_reset(vcpu, false);
	return 0;
}

void mvm_lapic_free(struct mvm_vcpu *vcpu)
{
	struct mvm_lapic *apic = vcpu->lapic;

	if (!apic)
		return;
	hrtimer_cancel(&apic->timer);
	vcpu->lapic = NULL;
	kfree(apic);
}
