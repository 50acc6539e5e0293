// SPDX-License-Identifier: GPL-2.0
/*
 * MINIVMM_RUN: the run loop and the entry sequence, the same for both
 * backends.
 *
 * One entry (mvm_vcpu_enter()): with interrupts off, the vCPU goes into
 * guest mode for the core (vcpu->mode, which kicks and wake-ups read),
 * the requests are processed, the event to deliver is chosen, the
 * guest's XCR0 and PKRU are loaded, and the backend enters the hardware.
 * After the exit the host's XCR0 and PKRU come back, the vCPU leaves
 * guest mode, interrupts are enabled, the backend describes the exit and
 * the core handles it.  vcpu->mode is written here and nowhere else.
 *
 * Locking: vcpu->mode and vcpu->requests are lockless: a requester sets
 * a bit, issues a full barrier and reads mode; the vCPU stores mode,
 * issues a full barrier and reads the requests.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#include <asm/processor-flags.h>
#include <asm/special_insns.h>

#include "mvm.h"

/*
 * With interrupts off: guest mode for the core, then the requests.
 * False to back out (a signal, a reschedule, INIT or SIPI).
 */
static bool __mvm_exit_path mvm_vcpu_enter_prepare(struct mvm_vcpu *vcpu)
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
		mvm_call(flush_tlb)(vcpu);
	/*
	 * The events are chosen after this, with mode already IN_GUEST: an
	 * event set later kicks the vCPU.
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
	return true;
}

/*
 * The guest may turn on CR4.PKE and change PKRU, which the FPU swap
 * leaves alone; the host's PKRU also limits the kernel's own accesses to
 * user memory, so it is switched around every entry.
 */
static void __mvm_exit_path mvm_pkru_load_guest(struct mvm_vcpu *vcpu)
{
	if (!cpu_feature_enabled(X86_FEATURE_OSPKE))
		return;
	vcpu->host_pkru = rdpkru();
	if (vcpu->pkru != vcpu->host_pkru)
		wrpkru(vcpu->pkru);
}

static void __mvm_exit_path mvm_pkru_load_host(struct mvm_vcpu *vcpu)
{
	if (!cpu_feature_enabled(X86_FEATURE_OSPKE))
		return;
	vcpu->pkru = rdpkru();
	if (vcpu->pkru != vcpu->host_pkru)
		wrpkru(vcpu->host_pkru);
}

/* One entry and its exit; preemption off.  enum mvm_exit_action. */
static int __mvm_exit_path mvm_vcpu_enter(struct mvm_vcpu *vcpu)
{
	struct mvm_entry entry;
	/* Zeroed once here: the backend fills only what its exit has. */
	struct mvm_exit exit = { };

	/* An exception while delivering a double fault shuts the CPU down. */
	if (vcpu->triple_fault) {
		vcpu->triple_fault = false;
		vcpu->run->exit_reason = MINIVMM_EXIT_SHUTDOWN;
		return MVM_USER;
	}

	local_irq_disable();
	if (!mvm_vcpu_enter_prepare(vcpu)) {
		local_irq_enable();
		return MVM_RESUME;
	}
	mvm_events_choose(vcpu, &entry);
	mvm_xcr0_load_guest(vcpu);
	mvm_pkru_load_guest(vcpu);
	mvm_spec_enter(vcpu);

	mvm_call(enter)(vcpu, &entry);

	mvm_spec_exit(vcpu);
	mvm_pkru_load_host(vcpu);
	mvm_xcr0_load_host(vcpu);
	WRITE_ONCE(vcpu->mode, MVM_OUTSIDE_GUEST);
	local_irq_enable();

	mvm_call(exit_decode)(vcpu, &exit);
	return mvm_exit_handle(vcpu, &exit);
}

/* Finishes the IO-in or MMIO-read instruction userspace has answered. */
static int __mvm_exit_path mvm_vcpu_complete_pending(struct mvm_vcpu *vcpu)
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
 * every exit to userspace: only cheap reads, no sregs copy.
 */
static void __mvm_exit_path mvm_vcpu_fill_run(struct mvm_vcpu *vcpu)
{
	struct minivmm_run *run = vcpu->run;

	run->if_flag = !!(vcpu->rflags & X86_EFLAGS_IF);
	run->ready_for_interrupt_injection = vcpu->pending_irq < 0 &&
					     mvm_interrupt_allowed(vcpu);
	run->cr8 = mvm_irq_get_cr8(vcpu);
}

long __mvm_exit_path mvm_vcpu_run(struct mvm_vcpu *vcpu)
{
	struct minivmm_run *run = vcpu->run;
	bool immediate_exit;
	long r;

	/*
	 * The run page is shared with userspace: read each input once.  The
	 * padding is only checked, never used.
	 */
	if (memchr_inv(run->pad0, 0, sizeof(run->pad0)))
		return -EINVAL;
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
		r = mvm_vcpu_enter(vcpu);
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
