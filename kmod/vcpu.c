// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU object: its fd and mapping, loading it on a CPU
 * (preempt notifiers), kicking it out of guest mode, the run loop and the
 * register ioctls.
 *
 * Locking: vcpu->mutex serializes the ioctls of one vCPU; it is never
 * held with vm->lock.  vcpu->mode and vcpu->requests are lockless: a
 * requester sets a bit, issues a full barrier and reads mode; the vCPU
 * stores mode, issues a full barrier and reads the requests (see
 * mvm_vcpu_prepare_entry() and mvm_vcpu_kick()).
 *
 * With an in-kernel irqchip the run loop also handles INIT and SIPI and
 * sleeps on vcpu->wq while the vCPU is halted or waits for a SIPI
 * (mvm_vcpu_mp_prepare()); irq.c wakes it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <asm/fpu/api.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "mvm.h"
#include "lapic.h"

static inline struct mvm_vcpu *mvm_pn_to_vcpu(struct preempt_notifier *pn)
{
	return container_of(pn, struct mvm_vcpu, preempt_notifier);
}

static void mvm_sched_in(struct preempt_notifier *pn, int cpu)
{
	struct mvm_vcpu *vcpu = mvm_pn_to_vcpu(pn);

	mvm_ops->vcpu_load(vcpu, cpu);
	WRITE_ONCE(vcpu->cpu, cpu);
}

static void mvm_sched_out(struct preempt_notifier *pn,
			  struct task_struct *next)
{
	struct mvm_vcpu *vcpu = mvm_pn_to_vcpu(pn);

	mvm_ops->vcpu_put(vcpu);
	WRITE_ONCE(vcpu->cpu, -1);
}

static struct preempt_ops mvm_preempt_ops = {
	.sched_in = mvm_sched_in,
	.sched_out = mvm_sched_out,
};

/* Makes the vCPU current on this CPU until mvm_vcpu_put(). */
static void mvm_vcpu_load(struct mvm_vcpu *vcpu)
{
	int cpu = get_cpu();

	preempt_notifier_register(&vcpu->preempt_notifier);
	mvm_ops->vcpu_load(vcpu, cpu);
	WRITE_ONCE(vcpu->cpu, cpu);
	put_cpu();
}

static void mvm_vcpu_put(struct mvm_vcpu *vcpu)
{
	preempt_disable();
	mvm_ops->vcpu_put(vcpu);
	WRITE_ONCE(vcpu->cpu, -1);
	preempt_notifier_unregister(&vcpu->preempt_notifier);
	preempt_enable();
}

static void mvm_kick_ipi(void *unused)
{
	/* Nothing to do: taking the interrupt was the point. */
}

void mvm_vcpu_kick(struct mvm_vcpu *vcpu)
{
	int me = get_cpu();
	int cpu = READ_ONCE(vcpu->cpu);

	/*
	 * A vCPU in guest mode runs with preemption off on vcpu->cpu; the
	 * IPI forces a VM exit and is only handled after it, so waiting for
	 * it means the vCPU has left guest mode and will see its requests
	 * before entering again.
	 */
	if (READ_ONCE(vcpu->mode) == MVM_IN_GUEST && cpu >= 0 && cpu != me &&
	    cpu_online(cpu))
		smp_call_function_single(cpu, mvm_kick_ipi, NULL, 1);
	put_cpu();
}

/* INIT and SIPI change the vCPU's whole state: the run loop's job. */
#define MVM_REQ_MP_MASK		(BIT(MVM_REQ_INIT) | BIT(MVM_REQ_SIPI))

bool mvm_vcpu_prepare_entry(struct mvm_vcpu *vcpu)
{
	lockdep_assert_irqs_disabled();

	/* Pairs with the barrier in mvm_vcpu_wake() and mvm_vcpu_kick(). */
	smp_store_mb(vcpu->mode, MVM_IN_GUEST);

	if (signal_pending(current) || need_resched() ||
	    (READ_ONCE(vcpu->requests) & MVM_REQ_MP_MASK)) {
		WRITE_ONCE(vcpu->mode, MVM_OUTSIDE_GUEST);
		return false;
	}
	if (test_and_clear_bit(MVM_REQ_TLB_FLUSH, &vcpu->requests))
		mvm_ops->flush_tlb(vcpu);
	/*
	 * The backend evaluates mvm_irq_peek()/mvm_nmi_peek() after this,
	 * with mode already IN_GUEST: an event set later kicks the vCPU.
	 */
	clear_bit(MVM_REQ_EVENT, &vcpu->requests);
	/*
	 * The guest FPU state is current's fpstate since mvm_fpu_load();
	 * a context switch (HLT sleeps, cond_resched()) or a softirq's
	 * kernel_fpu_begin() since then may have left other state in the
	 * registers and set TIF_NEED_FPU_LOAD: load the guest's back now,
	 * with interrupts off so that nothing can take them again.
	 */
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	mvm_xcr0_load_guest(vcpu);
	return true;
}

void mvm_vcpu_after_exit(struct mvm_vcpu *vcpu)
{
	mvm_xcr0_load_host(vcpu);
	WRITE_ONCE(vcpu->mode, MVM_OUTSIDE_GUEST);
}

void mvm_exit_internal_error(struct mvm_vcpu *vcpu, u32 suberror,
			     const u64 *data, u32 ndata)
{
	struct minivmm_run *run = vcpu->run;
	u32 i;

	ndata = min_t(u32, ndata, ARRAY_SIZE(run->internal.data));
	run->exit_reason = MINIVMM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = ndata;
	for (i = 0; i < ndata; i++)
		run->internal.data[i] = data[i];
}

/* Finishes the IO-in or MMIO-read instruction userspace has answered. */
static int mvm_vcpu_complete_pending(struct mvm_vcpu *vcpu)
{
	enum mvm_pending pending = vcpu->pending;

	vcpu->pending = MVM_PENDING_NONE;
	switch (pending) {
	case MVM_PENDING_IO:
		return mvm_io_complete(vcpu);
	case MVM_PENDING_MMIO:
		mvm_mmio_complete(vcpu);
		return 0;
	default:
		return 0;
	}
}

/*
 * The outputs userspace finds on every return from RUN.  This runs on
 * every exit to userspace: only cheap backend reads, no sregs copy.
 */
static void mvm_vcpu_fill_run(struct mvm_vcpu *vcpu)
{
	struct minivmm_run *run = vcpu->run;

	run->if_flag = !!(vcpu->rflags & X86_EFLAGS_IF);
	run->ready_for_interrupt_injection = vcpu->pending_irq < 0 &&
					     mvm_ops->interrupt_allowed(vcpu);
	run->cr8 = mvm_irq_get_cr8(vcpu);
}

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

	s = kzalloc(sizeof(*s), GFP_KERNEL);
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
	if (mvm_ops->events_reset)
		mvm_ops->events_reset(vcpu);
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
static int mvm_vcpu_mp_prepare(struct mvm_vcpu *vcpu)
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

static long mvm_vcpu_run(struct mvm_vcpu *vcpu)
{
	struct minivmm_run *run = vcpu->run;
	bool immediate_exit;
	unsigned int i;
	long r;

	/* The run page is shared with userspace: read each input once. */
	for (i = 0; i < ARRAY_SIZE(run->pad0); i++) {
		if (READ_ONCE(run->pad0[i]))
			return -EINVAL;
	}
	immediate_exit = READ_ONCE(run->immediate_exit);
	/* With an irqchip there is nothing userspace could inject. */
	vcpu->irq_window_requested = READ_ONCE(run->request_interrupt_window) &&
				     !vcpu->lapic;

	mvm_vcpu_load(vcpu);
	mvm_fpu_load(vcpu);

	r = mvm_vcpu_complete_pending(vcpu);
	if (r == MVM_USER) {
		r = 0;
		goto out;
	}

	if (immediate_exit) {
		run->exit_reason = MINIVMM_EXIT_INTR;
		r = -EINTR;
		goto out;
	}

	for (;;) {
		if (signal_pending(current)) {
			run->exit_reason = MINIVMM_EXIT_INTR;
			r = -EINTR;
			break;
		}
		/* The preempt notifiers put and load the vCPU around this. */
		cond_resched();

		if (vcpu->lapic) {
			r = mvm_vcpu_mp_prepare(vcpu);
			if (r == -EINTR)
				run->exit_reason = MINIVMM_EXIT_INTR;
			if (r)
				break;
		}

		preempt_disable();
		r = mvm_ops->vcpu_run(vcpu);
		if (WARN_ON_ONCE(vcpu->xcr0_loaded))
			mvm_xcr0_load_host(vcpu);
		WRITE_ONCE(vcpu->mode, MVM_OUTSIDE_GUEST);
		preempt_enable();

		if (r < 0)
			break;
		if (r == MVM_USER) {
			r = 0;
			break;
		}
		if (r == MVM_FAULT_IN) {
			r = mvm_slot_fault_in(vcpu->vm, vcpu->fault_gpa);
			if (r) {
				pr_warn_ratelimited("vcpu %u: cannot pin the memory behind guest-physical 0x%llx: %ld\n",
						    vcpu->id, vcpu->fault_gpa, r);
				break;
			}
		}
	}
out:
	mvm_vcpu_fill_run(vcpu);
	mvm_fpu_put(vcpu);
	mvm_vcpu_put(vcpu);
	return r;
}

static long mvm_vcpu_get_regs(struct mvm_vcpu *vcpu, void __user *uaddr)
{
	struct minivmm_regs regs;

	/* minivmm_regs lists rax, rbx, rcx, rdx: not the encoding order. */
	regs.rax = vcpu->gprs[MVM_RAX];
	regs.rbx = vcpu->gprs[MVM_RBX];
	regs.rcx = vcpu->gprs[MVM_RCX];
	regs.rdx = vcpu->gprs[MVM_RDX];
	regs.rsi = vcpu->gprs[MVM_RSI];
	regs.rdi = vcpu->gprs[MVM_RDI];
	regs.rsp = vcpu->gprs[MVM_RSP];
	regs.rbp = vcpu->gprs[MVM_RBP];
	regs.r8 = vcpu->gprs[MVM_R8];
	regs.r9 = vcpu->gprs[MVM_R9];
	regs.r10 = vcpu->gprs[MVM_R10];
	regs.r11 = vcpu->gprs[MVM_R11];
	regs.r12 = vcpu->gprs[MVM_R12];
	regs.r13 = vcpu->gprs[MVM_R13];
	regs.r14 = vcpu->gprs[MVM_R14];
	regs.r15 = vcpu->gprs[MVM_R15];
	regs.rip = vcpu->rip;
	regs.rflags = vcpu->rflags | X86_EFLAGS_FIXED;

	if (copy_to_user(uaddr, &regs, sizeof(regs)))
		return -EFAULT;
	return 0;
}

static long mvm_vcpu_set_regs(struct mvm_vcpu *vcpu, void __user *uaddr)
{
	struct minivmm_regs regs;

	if (copy_from_user(&regs, uaddr, sizeof(regs)))
		return -EFAULT;

	vcpu->gprs[MVM_RAX] = regs.rax;
	vcpu->gprs[MVM_RBX] = regs.rbx;
	vcpu->gprs[MVM_RCX] = regs.rcx;
	vcpu->gprs[MVM_RDX] = regs.rdx;
	vcpu->gprs[MVM_RSI] = regs.rsi;
	vcpu->gprs[MVM_RDI] = regs.rdi;
	vcpu->gprs[MVM_RSP] = regs.rsp;
	vcpu->gprs[MVM_RBP] = regs.rbp;
	vcpu->gprs[MVM_R8] = regs.r8;
	vcpu->gprs[MVM_R9] = regs.r9;
	vcpu->gprs[MVM_R10] = regs.r10;
	vcpu->gprs[MVM_R11] = regs.r11;
	vcpu->gprs[MVM_R12] = regs.r12;
	vcpu->gprs[MVM_R13] = regs.r13;
	vcpu->gprs[MVM_R14] = regs.r14;
	vcpu->gprs[MVM_R15] = regs.r15;
	/*
	 * Userspace moved rip away from an IO/MMIO instruction it has not
	 * answered: it has taken over, so the next RUN must not finish that
	 * instruction on top of the new state (KVM checks the rip likewise).
	 */
	if (regs.rip != vcpu->rip)
		vcpu->pending = MVM_PENDING_NONE;
	vcpu->rip = regs.rip;
	/* Bit 1 is fixed to 1; other reserved bits fail the entry. */
	vcpu->rflags = regs.rflags | X86_EFLAGS_FIXED;
	return 0;
}

static bool mvm_segment_ok(const struct minivmm_segment *s)
{
	return !s->pad;
}

static bool mvm_dtable_ok(const struct minivmm_dtable *d)
{
	return !d->pad[0] && !d->pad[1] && !d->pad[2];
}

static long mvm_vcpu_get_sregs(struct mvm_vcpu *vcpu, void __user *uaddr)
{
	struct minivmm_sregs *sregs;
	int rr;
	long r;

	sregs = kzalloc(sizeof(*sregs), GFP_KERNEL);
	if (!sregs)
		return -ENOMEM;
	mvm_vcpu_load(vcpu);
	r = mvm_ops->get_sregs(vcpu, sregs);
	if (!r && vcpu->lapic) {
		/* The LAPIC holds the truth for both. */
		sregs->cr8 = mvm_lapic_get_cr8(vcpu);
		mvm_lapic_msr_read(vcpu, MSR_IA32_APICBASE, &sregs->apic_base,
				   &rr);
	}
	mvm_vcpu_put(vcpu);
	if (!r && copy_to_user(uaddr, sregs, sizeof(*sregs)))
		r = -EFAULT;
	kfree(sregs);
	return r;
}

/*
 * SET_SREGS with an irqchip: CR8 is the LAPIC's TPR and apic_base its
 * MSR, changed as a WRMSR would (a value WRMSR refuses gives EINVAL).
 * ops->set_sregs() then sees the values the LAPIC already holds.
 */
static int mvm_vcpu_set_sregs_lapic(struct mvm_vcpu *vcpu,
				    const struct minivmm_sregs *sregs)
{
	u64 cur;
	int r;

	if (!vcpu->lapic)
		return 0;
	if (sregs->cr8 > 15)
		return -EINVAL;
	if (!mvm_lapic_msr_read(vcpu, MSR_IA32_APICBASE, &cur, &r) || r)
		return -EINVAL;
	if (sregs->apic_base != cur &&
	    (!mvm_lapic_msr_write(vcpu, MSR_IA32_APICBASE, sregs->apic_base,
				  &r) || r))
		return -EINVAL;
	mvm_lapic_set_cr8(vcpu, sregs->cr8);
	return 0;
}

static long mvm_vcpu_set_sregs(struct mvm_vcpu *vcpu, void __user *uaddr)
{
	struct minivmm_sregs *sregs;
	unsigned int i;
	long r;

	sregs = memdup_user(uaddr, sizeof(*sregs));
	if (IS_ERR(sregs))
		return PTR_ERR(sregs);

	r = -EINVAL;
	for (i = 0; i < ARRAY_SIZE(sregs->reserved); i++) {
		if (sregs->reserved[i])
			goto free;
	}
	if (!mvm_segment_ok(&sregs->cs) || !mvm_segment_ok(&sregs->ds) ||
	    !mvm_segment_ok(&sregs->es) || !mvm_segment_ok(&sregs->fs) ||
	    !mvm_segment_ok(&sregs->gs) || !mvm_segment_ok(&sregs->ss) ||
	    !mvm_segment_ok(&sregs->tr) || !mvm_segment_ok(&sregs->ldt) ||
	    !mvm_dtable_ok(&sregs->gdt) || !mvm_dtable_ok(&sregs->idt))
		goto free;

	r = mvm_sregs_validate(sregs);
	if (r)
		goto free;

	/*
	 * VT-x loads PAE paging's PDPTEs from guest memory here, without
	 * sleeping: pin the page they are in now (nothing to do under NPT
	 * or in long mode, or where cr3 is not RAM).
	 */
	if ((sregs->cr0 & X86_CR0_PG) && (sregs->cr4 & X86_CR4_PAE) &&
	    !(sregs->efer & EFER_LME))
		mvm_slot_fault_in(vcpu->vm, sregs->cr3 & PAGE_MASK);

	mvm_vcpu_load(vcpu);
	r = mvm_vcpu_set_sregs_lapic(vcpu, sregs);
	if (!r)
		r = mvm_ops->set_sregs(vcpu, sregs);
	mvm_vcpu_put(vcpu);
free:
	kfree(sregs);
	return r;
}

static long mvm_vcpu_interrupt(struct mvm_vcpu *vcpu, void __user *uaddr)
{
	struct minivmm_interrupt irq;

	/* The LAPIC is the only interrupt source with an irqchip. */
	if (vcpu->lapic)
		return -ENXIO;
	if (copy_from_user(&irq, uaddr, sizeof(irq)))
		return -EFAULT;
	if (irq.pad || irq.vector < 32 || irq.vector > 255)
		return -EINVAL;
	if (vcpu->pending_irq >= 0)
		return -EBUSY;
	vcpu->pending_irq = irq.vector;
	return 0;
}

static long mvm_vcpu_get_mp_state(struct mvm_vcpu *vcpu, void __user *uaddr)
{
	struct minivmm_mp_state mp = { 0 };

	if (!vcpu->lapic)
		return -ENXIO;
	mp.mp_state = READ_ONCE(vcpu->mp_state);
	if (copy_to_user(uaddr, &mp, sizeof(mp)))
		return -EFAULT;
	return 0;
}

/*
 * RUNNABLE runs the vCPU from its registers as they are (e.g. an AP the
 * VMM starts itself); INIT_RECEIVED makes it wait for a SIPI.  HALTED is
 * refused: a HLT is the guest's to execute.
 */
static long mvm_vcpu_set_mp_state(struct mvm_vcpu *vcpu, void __user *uaddr)
{
	struct minivmm_mp_state mp;

	if (!vcpu->lapic)
		return -ENXIO;
	if (copy_from_user(&mp, uaddr, sizeof(mp)))
		return -EFAULT;
	if (mp.pad)
		return -EINVAL;
	if (mp.mp_state != MINIVMM_MP_STATE_RUNNABLE &&
	    mp.mp_state != MINIVMM_MP_STATE_INIT_RECEIVED)
		return -EINVAL;
	WRITE_ONCE(vcpu->mp_state, mp.mp_state);
	return 0;
}

static long mvm_vcpu_msrs(struct mvm_vcpu *vcpu, void __user *uaddr,
			  bool set)
{
	long r;

	/* MSR state may live in the VMCS/VMCB: load the vCPU. */
	mvm_vcpu_load(vcpu);
	if (set)
		r = mvm_vcpu_set_msrs(vcpu, uaddr);
	else
		r = mvm_vcpu_get_msrs(vcpu, uaddr);
	mvm_vcpu_put(vcpu);
	return r;
}

static long mvm_vcpu_ioctl(struct file *filp, unsigned int cmd,
			   unsigned long arg)
{
	struct mvm_vcpu *vcpu = filp->private_data;
	void __user *uarg = (void __user *)arg;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;

	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;

	switch (cmd) {
	case MINIVMM_RUN:
		/* The argument is ignored: callers often omit it. */
		r = mvm_vcpu_run(vcpu);
		break;
	case MINIVMM_GET_REGS:
		r = mvm_vcpu_get_regs(vcpu, uarg);
		break;
	case MINIVMM_SET_REGS:
		r = mvm_vcpu_set_regs(vcpu, uarg);
		break;
	case MINIVMM_GET_SREGS:
		r = mvm_vcpu_get_sregs(vcpu, uarg);
		break;
	case MINIVMM_SET_SREGS:
		r = mvm_vcpu_set_sregs(vcpu, uarg);
		break;
	case MINIVMM_GET_MSRS:
		r = mvm_vcpu_msrs(vcpu, uarg, false);
		break;
	case MINIVMM_SET_MSRS:
		r = mvm_vcpu_msrs(vcpu, uarg, true);
		break;
	case MINIVMM_SET_CPUID:
		r = mvm_vcpu_set_cpuid(vcpu, uarg);
		break;
	case MINIVMM_GET_XSAVE:
		r = mvm_vcpu_get_xsave(vcpu, uarg);
		break;
	case MINIVMM_SET_XSAVE:
		r = mvm_vcpu_set_xsave(vcpu, uarg);
		break;
	case MINIVMM_INTERRUPT:
		r = mvm_vcpu_interrupt(vcpu, uarg);
		break;
	case MINIVMM_GET_MP_STATE:
		r = mvm_vcpu_get_mp_state(vcpu, uarg);
		break;
	case MINIVMM_SET_MP_STATE:
		r = mvm_vcpu_set_mp_state(vcpu, uarg);
		break;
	default:
		r = -ENOTTY;
		break;
	}

	mutex_unlock(&vcpu->mutex);
	return r;
}

static vm_fault_t mvm_vcpu_fault(struct vm_fault *vmf)
{
	struct mvm_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	switch (vmf->pgoff) {
	case 0:
		page = virt_to_page(vcpu->run);
		break;
	case 1:
		page = virt_to_page(vcpu->io_data);
		break;
	default:
		return VM_FAULT_SIGBUS;
	}
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct mvm_vcpu_vm_ops = {
	.fault = mvm_vcpu_fault,
};

static int mvm_vcpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	unsigned long pages = vma_pages(vma);

	if (vma->vm_pgoff >= MVM_VCPU_MMAP_PAGES ||
	    pages > MVM_VCPU_MMAP_PAGES - vma->vm_pgoff)
		return -EINVAL;

	/* vm_flags became read-only (vm_flags_set()) in Linux 6.3. */
#ifdef MVM_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
#else
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
#endif
	vma->vm_ops = &mvm_vcpu_vm_ops;
	return 0;
}

static int mvm_vcpu_release(struct inode *inode, struct file *filp)
{
	struct mvm_vcpu *vcpu = filp->private_data;

	/* The vCPU itself lives until the VM dies. */
	mvm_vm_put(vcpu->vm);
	return 0;
}

static const struct file_operations mvm_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = mvm_vcpu_release,
	.unlocked_ioctl = mvm_vcpu_ioctl,
	.mmap = mvm_vcpu_mmap,
	.llseek = noop_llseek,
};

/* Stops the LAPIC timer: nothing may wake the vCPU after this. */
static void mvm_vcpu_free_lapic(struct mvm_vcpu *vcpu)
{
	if (!vcpu->lapic)
		return;
	mvm_lapic_free(vcpu);
	vcpu->lapic = NULL;
}

/* Frees what mvm_vcpu_alloc() set up before the backend's part. */
static void mvm_vcpu_free_core(struct mvm_vcpu *vcpu)
{
	mvm_fpu_vcpu_free(vcpu);
	if (vcpu->io_data)
		free_page((unsigned long)vcpu->io_data);
	if (vcpu->run)
		free_page((unsigned long)vcpu->run);
	kvfree(vcpu->cpuid);
	kfree(vcpu);
}

void mvm_vcpu_destroy(struct mvm_vcpu *vcpu)
{
	mvm_vcpu_free_lapic(vcpu);
	mvm_ops->vcpu_free(vcpu);
	mvm_vcpu_free_core(vcpu);
}

static struct mvm_vcpu *mvm_vcpu_alloc(struct mvm_vm *vm, u32 id)
{
	struct mvm_vcpu *vcpu;
	int r;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return ERR_PTR(-ENOMEM);
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->cpu = -1;
	vcpu->mode = MVM_OUTSIDE_GUEST;
	vcpu->pending_irq = -1;
	vcpu->rflags = X86_EFLAGS_FIXED;
	mvm_msr_vcpu_init(vcpu);
	mutex_init(&vcpu->mutex);
	init_waitqueue_head(&vcpu->wq);
	preempt_notifier_init(&vcpu->preempt_notifier, &mvm_preempt_ops);

	r = -ENOMEM;
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run)
		goto free_core;
	vcpu->io_data = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->io_data)
		goto free_core;

	r = mvm_fpu_vcpu_init(vcpu);
	if (r)
		goto free_core;

	r = mvm_ops->vcpu_create(vcpu);
	if (r)
		goto free_core;

	/* vm->lock is held: the irqchip cannot appear meanwhile. */
	if (mvm_irqchip_in_kernel(vm)) {
		r = mvm_lapic_create(vcpu);
		if (r)
			goto free_arch;
		mvm_lapic_reset(vcpu, false);
		/* Power-on: the BSP runs, the APs wait for INIT/SIPI. */
		vcpu->mp_state = id ? MINIVMM_MP_STATE_INIT_RECEIVED :
				      MINIVMM_MP_STATE_RUNNABLE;
	}
	return vcpu;

free_arch:
	mvm_ops->vcpu_free(vcpu);

free_core:
	mvm_vcpu_free_core(vcpu);
	return ERR_PTR(r);
}

int mvm_vcpu_create_fd(struct mvm_vm *vm, u32 id)
{
	struct mvm_vcpu *vcpu;
	struct file *file;
	int fd, r;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;

	mutex_lock(&vm->lock);
	if (vm->vcpus[id]) {
		r = -EEXIST;
		goto unlock;
	}

	vcpu = mvm_vcpu_alloc(vm, id);
	if (IS_ERR(vcpu)) {
		r = PTR_ERR(vcpu);
		goto unlock;
	}

	/* The file's reference; the VM fd's one keeps this from hitting 0. */
	refcount_inc(&vm->refs);
	file = anon_inode_getfile("minivmm-vcpu", &mvm_vcpu_fops, vcpu, O_RDWR);
	if (IS_ERR(file)) {
		r = PTR_ERR(file);
		refcount_dec(&vm->refs);
		mvm_vcpu_destroy(vcpu);
		goto unlock;
	}

	/* Lockless readers (IPI and MSI delivery) see it initialized. */
	smp_store_release(&vm->vcpus[id], vcpu);
	vm->nr_vcpus++;
	mutex_unlock(&vm->lock);

	fd_install(fd, file);
	return fd;

unlock:
	mutex_unlock(&vm->lock);
	put_unused_fd(fd);
	return r;
}
