// SPDX-License-Identifier: GPL-2.0
/*
 * Which event an entry delivers, for both backends.
 *
 * Three sources, in this order: an exception the core queued (combined
 * with one whose delivery an exit interrupted, as the CPU combines them);
 * the NMI or external interrupt whose delivery an exit interrupted, once
 * the guest can take it again; a new NMI, then a new interrupt.  What
 * cannot go in now opens a window, an exit as soon as it can.  The
 * backend only writes the choice into its VMCS/VMCB (ops->enter) and
 * reports what an exit interrupted (ops->exit_decode).
 */
#include <linux/atomic.h>
#include <asm/processor-flags.h>

#include "mvm.h"
#include "x86.h"

void __mvm_exit_path mvm_queue_exception(struct mvm_vcpu *vcpu, u8 vector, u32 error)
{
	struct mvm_event *held = &vcpu->interrupted;
	struct mvm_event *exc = &vcpu->exception;
	int merged;

	/*
	 * An exception whose delivery this one interrupted (the exit came
	 * during its delivery), or one queued and not yet delivered: the
	 * two combine as in SDM vol. 3A, table 6-5.
	 */
	if (held->type == MVM_EVENT_EXC || exc->type == MVM_EVENT_EXC) {
		u8 first = exc->type == MVM_EVENT_EXC ? exc->vector :
							 held->vector;

		if (held->type == MVM_EVENT_EXC)
			held->type = MVM_EVENT_NONE;
		merged = mvm_exc_merge(first, vector);
		if (merged == MVM_EXC_TRIPLE_FAULT) {
			exc->type = MVM_EVENT_NONE;
			vcpu->triple_fault = true;
			return;
		}
		if (merged == MVM_X86_DF)
			error = 0;
		vector = merged;
	} else if (held->type == MVM_EVENT_SOFT) {
		/* rip is still on INT n: it runs again after the handler. */
		held->type = MVM_EVENT_NONE;
	}
	/* An NMI or interrupt in @held waits until this one is delivered. */
	exc->type = MVM_EVENT_EXC;
	exc->vector = vector;
	exc->has_error = mvm_exc_has_error(vector);
	exc->error = exc->has_error ? error : 0;
}

/*
 * The core finished a guest instruction in place of the CPU: rip moves
 * past it and, with RFLAGS.TF, the single-step trap the CPU raises after
 * an instruction it completes itself is queued (DR6.BS), as the CPU never
 * ran the instruction to its end.
 */
void __mvm_exit_path mvm_insn_complete(struct mvm_vcpu *vcpu, u64 next_rip)
{
	vcpu->rip = next_rip;
	if (!(vcpu->rflags & X86_EFLAGS_TF))
		return;
	vcpu->dr6 |= MVM_DR6_BS;
	mvm_queue_exception(vcpu, MVM_X86_DB, 0);
}

/* External interrupts: RFLAGS.IF and no STI/MOV SS shadow. */
static bool __mvm_exit_path mvm_irq_open(struct mvm_vcpu *vcpu)
{
	return (vcpu->rflags & X86_EFLAGS_IF) && !vcpu->shadow;
}

/*
 * NMIs: not inside an NMI handler, and not in a shadow (VM entry refuses
 * an NMI after MOV SS, and some CPUs after STI too).
 */
static bool __mvm_exit_path mvm_nmi_open(struct mvm_vcpu *vcpu)
{
	return !vcpu->shadow && !mvm_call(nmi_blocked)(vcpu);
}

bool __mvm_exit_path mvm_interrupt_allowed(struct mvm_vcpu *vcpu)
{
	return vcpu->exception.type == MVM_EVENT_NONE &&
	       vcpu->interrupted.type == MVM_EVENT_NONE && mvm_irq_open(vcpu);
}

/* Whether the NMI or interrupt an exit held back can go in now. */
static bool __mvm_exit_path mvm_held_ready(struct mvm_vcpu *vcpu, const struct mvm_event *ev)
{
	if (ev->type == MVM_EVENT_NMI)
		return mvm_nmi_open(vcpu);
	return mvm_irq_open(vcpu);
}

/*
 * The CPU latches one NMI while another is delivered or handled, and
 * delivers one and latches one otherwise: NMIs sent beyond that are lost,
 * so the count senders raised is cut to what hardware would keep.
 */
static void __mvm_exit_path mvm_nmi_latch(struct mvm_vcpu *vcpu)
{
	int limit = 2, n = atomic_read(&vcpu->nmi_pending);

	if (n <= 1)
		return;
	if (mvm_call(nmi_blocked)(vcpu) ||
	    vcpu->interrupted.type == MVM_EVENT_NMI)
		limit = 1;
	while (n > limit && !atomic_try_cmpxchg(&vcpu->nmi_pending, &n, limit))
		;
}

/*
 * Runs with interrupts off once the vCPU is in guest mode for the core
 * (run.c): an interrupt or NMI that becomes due after the peeks below
 * kicks the vCPU out of the guest again.  A new NMI or interrupt is
 * acknowledged here; if the entry fails, the guest is dead anyway.
 */
void __mvm_exit_path mvm_events_choose(struct mvm_vcpu *vcpu, struct mvm_entry *entry)
{
	struct mvm_event *held = &vcpu->interrupted;
	struct mvm_event *ev = &entry->event;
	bool nmi;
	int irq;

	*entry = (struct mvm_entry) { };
	irq = mvm_irq_peek(vcpu);
	/* Most entries: nothing queued, held or pending, no window wanted. */
	if (vcpu->exception.type == MVM_EVENT_NONE &&
	    held->type == MVM_EVENT_NONE && irq < 0 &&
	    !atomic_read(&vcpu->nmi_pending) && !vcpu->irq_window_requested)
		return;

	mvm_nmi_latch(vcpu);
	nmi = mvm_nmi_peek(vcpu);
	if (held->type == MVM_EVENT_SOFT)
		held->type = MVM_EVENT_NONE;

	if (vcpu->exception.type != MVM_EVENT_NONE) {
		*ev = vcpu->exception;
		vcpu->exception.type = MVM_EVENT_NONE;
	} else if (held->type == MVM_EVENT_EXC) {
		*ev = *held;
		held->type = MVM_EVENT_NONE;
	} else if (held->type != MVM_EVENT_NONE) {
		if (mvm_held_ready(vcpu, held)) {
			*ev = *held;
			held->type = MVM_EVENT_NONE;
		}
	} else if (nmi && mvm_nmi_open(vcpu)) {
		ev->type = MVM_EVENT_NMI;
		ev->vector = MVM_X86_NMI;
		mvm_nmi_ack(vcpu);
		nmi = mvm_nmi_peek(vcpu);
	} else if (irq >= 0 && mvm_irq_open(vcpu)) {
		ev->type = MVM_EVENT_EXT;
		ev->vector = irq;
		mvm_irq_ack(vcpu, irq);
		irq = mvm_irq_peek(vcpu);
	}

	/* Real mode pushes no error code (and VM entry refuses one). */
	if (ev->type == MVM_EVENT_EXC && ev->has_error &&
	    !(mvm_call(get_cr)(vcpu, 0) & X86_CR0_PE))
		ev->has_error = false;

	/*
	 * What still waits comes back through a window exit.  A window
	 * exits right after this entry's own delivery when the guest is
	 * open already, so nothing waits behind it for long.
	 */
	if (held->type == MVM_EVENT_NMI || nmi)
		entry->nmi_window = true;
	/* With an irqchip, userspace has no interrupt of its own to queue. */
	if (held->type == MVM_EVENT_EXT || irq >= 0 ||
	    (vcpu->irq_window_requested && !vcpu->lapic))
		entry->irq_window = true;
}

void mvm_events_reset(struct mvm_vcpu *vcpu)
{
	vcpu->exception.type = MVM_EVENT_NONE;
	vcpu->interrupted.type = MVM_EVENT_NONE;
	vcpu->triple_fault = false;
	vcpu->shadow = 0;
	mvm_ops->events_reset(vcpu);
}
