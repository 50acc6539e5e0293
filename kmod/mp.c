// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU's multiprocessor state with an in-kernel irqchip: INIT and
 * SIPI, HLT, the sleeps of a halted vCPU or one waiting for a SIPI, and
 * waking it (or kicking it out of guest mode) when something for it
 * changes.
 *
 * Wake-up protocol: a sender sets IRR (or nmi_pending, or a request bit),
 * then calls mvm_vcpu_wake(), which issues a full barrier before it reads
 * vcpu->mode and the wait queue.  The vCPU stores mode = IN_GUEST with a
 * full barrier (run.c) before the core peeks at its events, and a sleeper
 * queues itself before it tests its condition (wait_event), so either the
 * vCPU sees the new event or the sender sees the vCPU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/wait.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
/* Linux 6.6+ smp_send_reschedule() traces the IPI: declare the event. */
#include <trace/events/ipi.h>

#include "mvm.h"
#include "lapic.h"

/* EDX after RESET/INIT: the processor signature, CPUID.1:EAX. */
static u32 mvm_vcpu_reset_edx(const struct mvm_vcpu *vcpu)
{
	u32 i;

	for (i = 0; i < vcpu->cpuid_nent; i++) {
		if (vcpu->cpuid[i].function == 1)
			return vcpu->cpuid[i].eax;
	}
	return 0x600;
}

static void mvm_seg_real(struct minivmm_segment *seg, u16 sel, u8 type)
{
	*seg = (struct minivmm_segment) {
		.base = (u64)sel << 4,
		.limit = 0xffff,
		.selector = sel,
		.type = type,
		.present = 1,
		.s = 1,
	};
}

/*
 * The register state of INIT (SDM vol. 3A, table 10-1): real mode with
 * CS at @cs_sel:@cs_base and IP @rip, everything else at its reset value.
 * Model-specific registers, XCR0 and the FPU are not touched by INIT.
 */
static int mvm_vcpu_load_init_state(struct mvm_vcpu *vcpu, u16 cs_sel,
				    u64 cs_base, u64 rip)
{
	struct minivmm_sregs *s;
	int r;

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	r = mvm_ops->get_sregs(vcpu, s);
	if (r)
		goto free;
	/* apic_base is kept: the LAPIC (and its BSP bit) survives INIT. */
	if (vcpu->lapic && mvm_lapic_msr_read(vcpu, MSR_IA32_APICBASE,
					      &s->apic_base, &r) && r)
		goto free;
	mvm_seg_real(&s->cs, cs_sel, 0xb);
	s->cs.base = cs_base;
	mvm_seg_real(&s->ds, 0, 0x3);
	mvm_seg_real(&s->es, 0, 0x3);
	mvm_seg_real(&s->fs, 0, 0x3);
	mvm_seg_real(&s->gs, 0, 0x3);
	mvm_seg_real(&s->ss, 0, 0x3);
	mvm_seg_real(&s->tr, 0, 0xb);
	s->tr.s = 0;
	mvm_seg_real(&s->ldt, 0, 0x2);
	s->ldt.s = 0;
	s->gdt = (struct minivmm_dtable) { .limit = 0xffff };
	s->idt = (struct minivmm_dtable) { .limit = 0xffff };
	s->cr0 = X86_CR0_CD | X86_CR0_NW | X86_CR0_ET;
	s->cr2 = 0;
	s->cr3 = 0;
	s->cr4 = 0;
	s->cr8 = 0;
	s->efer = 0;
	memset(s->reserved, 0, sizeof(s->reserved));
	r = mvm_sregs_validate(s);
	if (!r)
		r = mvm_ops->set_sregs(vcpu, s);
	if (r)
		goto free;

	memset(vcpu->gprs, 0, sizeof(vcpu->gprs));
	memset(vcpu->dr, 0, sizeof(vcpu->dr));
	vcpu->dr6 = MVM_DR6_RESET;
	vcpu->dr7 = MVM_DR7_RESET;
	vcpu->gprs[MVM_RDX] = mvm_vcpu_reset_edx(vcpu);
	vcpu->rip = rip;
	vcpu->rflags = X86_EFLAGS_FIXED;
	vcpu->pending = MVM_PENDING_NONE;
free:
	kfree(s);
	return r;
}

/*
 * INIT: the LAPIC and the backend's event state are reset.  An AP then
 * waits for a SIPI; the BSP restarts at the reset vector, as on hardware.
 */
static int mvm_vcpu_do_init(struct mvm_vcpu *vcpu)
{
	mvm_lapic_reset(vcpu, true);
	mvm_events_reset(vcpu);
	atomic_set(&vcpu->nmi_pending, 0);
	if (vcpu->id) {
		WRITE_ONCE(vcpu->mp_state, MINIVMM_MP_STATE_INIT_RECEIVED);
		return 0;
	}
	WRITE_ONCE(vcpu->mp_state, MINIVMM_MP_STATE_RUNNABLE);
	return mvm_vcpu_load_init_state(vcpu, 0xf000, 0xffff0000, 0xfff0);
}

/* SIPI: only a vCPU waiting for one starts, at vector:0 in real mode. */
static int mvm_vcpu_do_sipi(struct mvm_vcpu *vcpu)
{
	u8 vector = READ_ONCE(vcpu->sipi_vector);
	int r;

	if (READ_ONCE(vcpu->mp_state) != MINIVMM_MP_STATE_INIT_RECEIVED)
		return 0;
	r = mvm_vcpu_load_init_state(vcpu, (u16)vector << 8,
				     (u64)vector << 12, 0);
	if (!r)
		WRITE_ONCE(vcpu->mp_state, MINIVMM_MP_STATE_RUNNABLE);
	return r;
}

/* An interrupt or NMI ends HLT (a masked interrupt does not). */
static bool mvm_vcpu_irq_due(struct mvm_vcpu *vcpu)
{
	if (atomic_read(&vcpu->nmi_pending) > 0)
		return true;
	return (vcpu->rflags & X86_EFLAGS_IF) && mvm_lapic_pending(vcpu) >= 0;
}

static bool mvm_vcpu_halt_done(struct mvm_vcpu *vcpu)
{
	return (READ_ONCE(vcpu->requests) & MVM_REQ_MP_MASK) ||
	       mvm_vcpu_irq_due(vcpu);
}

static bool mvm_vcpu_sipi_due(struct mvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->requests) & MVM_REQ_MP_MASK;
}

/*
 * With an irqchip, before each entry (preemption on): INIT and SIPI, and
 * sleeping while halted or waiting for a SIPI.  Returns 0 when the vCPU
 * may enter, -EINTR for a signal (mp_state unchanged), or an error from
 * loading the INIT state.  The preempt notifiers put and load the vCPU
 * around the sleeps.
 */
int mvm_vcpu_mp_prepare(struct mvm_vcpu *vcpu)
{
	int r = 0;

	for (;;) {
		if (test_and_clear_bit(MVM_REQ_INIT, &vcpu->requests))
			r = mvm_vcpu_do_init(vcpu);
		if (!r && test_and_clear_bit(MVM_REQ_SIPI, &vcpu->requests))
			r = mvm_vcpu_do_sipi(vcpu);
		if (r) {
			pr_err_ratelimited("vcpu %u: cannot load the INIT/SIPI register state (%d)\n",
					   vcpu->id, r);
			return r;
		}

		switch (READ_ONCE(vcpu->mp_state)) {
		case MINIVMM_MP_STATE_INIT_RECEIVED:
			if (wait_event_interruptible(vcpu->wq,
						     mvm_vcpu_sipi_due(vcpu)))
				return -EINTR;
			break;
		case MINIVMM_MP_STATE_HALTED:
			if (wait_event_interruptible(vcpu->wq,
						     mvm_vcpu_halt_done(vcpu)))
				return -EINTR;
			if (mvm_vcpu_irq_due(vcpu))
				WRITE_ONCE(vcpu->mp_state,
					   MINIVMM_MP_STATE_RUNNABLE);
			break;
		default:
			return 0;
		}
	}
}

int mvm_vcpu_halt(struct mvm_vcpu *vcpu)
{
	if (!vcpu->lapic) {
		vcpu->run->exit_reason = MINIVMM_EXIT_HLT;
		return MVM_USER;
	}
	/* The run loop sleeps before the next entry (mvm_vcpu_mp_prepare()). */
	WRITE_ONCE(vcpu->mp_state, MINIVMM_MP_STATE_HALTED);
	return MVM_RESUME;
}

void mvm_vcpu_wake(struct mvm_vcpu *vcpu)
{
	int cpu;

	/* Orders the caller's IRR/request store before the reads below. */
	smp_mb();
	/* Safe after the barrier: a sleeper queues itself, then tests. */
	if (waitqueue_active(&vcpu->wq))
		wake_up_interruptible(&vcpu->wq);

	if (READ_ONCE(vcpu->mode) != MVM_IN_GUEST)
		return;
	/*
	 * In guest mode the vCPU runs with interrupts off on vcpu->cpu: any
	 * IPI forces a VM exit, and the next entry sees the new state.  A
	 * reschedule IPI needs no callback and no waiting, so this works
	 * from hardirq context too.  If the vCPU is on this CPU we are not
	 * interrupting its guest mode (interrupts are off there), so it
	 * will see the change before it enters.
	 */
	cpu = READ_ONCE(vcpu->cpu);
	if (cpu >= 0 && cpu != raw_smp_processor_id() && cpu_online(cpu))
		smp_send_reschedule(cpu);
}
