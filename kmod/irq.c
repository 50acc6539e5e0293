// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt sources as the backends see them (the contract is in mvm.h):
 * the in-kernel LAPIC when the VM has an irqchip, otherwise the one
 * vector userspace queued with MINIVMM_INTERRUPT.  Also HLT and waking a
 * vCPU that sleeps or runs elsewhere.
 *
 * Wake-up protocol: a sender sets IRR (or nmi_pending, or a request bit),
 * then calls mvm_vcpu_wake(), which issues a full barrier before it reads
 * vcpu->mode and the wait queue.  The vCPU stores mode = IN_GUEST with a
 * full barrier (mvm_vcpu_prepare_entry()) before the backend peeks, and a
 * sleeper queues itself before it tests its condition (wait_event), so
 * either the vCPU sees the new event or the sender sees the vCPU.
 */
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/wait.h>
#include <asm/processor-flags.h>
/* Linux 6.6+ smp_send_reschedule() traces the IPI: declare the event. */
#include <trace/events/ipi.h>

#include "mvm.h"
#include "lapic.h"

int mvm_irq_peek(struct mvm_vcpu *vcpu)
{
	if (vcpu->lapic)
		return mvm_lapic_pending(vcpu);
	return vcpu->pending_irq;
}

void mvm_irq_ack(struct mvm_vcpu *vcpu, u8 vector)
{
	if (vcpu->lapic) {
		mvm_lapic_ack(vcpu, vector);
		return;
	}
	if (vcpu->pending_irq == vector)
		vcpu->pending_irq = -1;
}

bool mvm_nmi_peek(struct mvm_vcpu *vcpu)
{
	return atomic_read(&vcpu->nmi_pending) > 0;
}

void mvm_nmi_ack(struct mvm_vcpu *vcpu)
{
	atomic_dec_if_positive(&vcpu->nmi_pending);
}

/*
 * Without an irqchip userspace asked for the window to queue its own
 * interrupt: tell it once nothing of its own is still waiting.  With an
 * irqchip the window only served the LAPIC (the run loop ignores
 * request_interrupt_window there, as MINIVMM_INTERRUPT is refused): the
 * next entry injects what is due.
 */
int mvm_irq_window_exit(struct mvm_vcpu *vcpu)
{
	if (vcpu->lapic || !vcpu->irq_window_requested ||
	    vcpu->pending_irq >= 0)
		return MVM_RESUME;
	vcpu->run->exit_reason = MINIVMM_EXIT_IRQ_WINDOW_OPEN;
	return MVM_USER;
}

u8 mvm_irq_get_cr8(struct mvm_vcpu *vcpu)
{
	if (vcpu->lapic)
		return mvm_lapic_get_cr8(vcpu);
	return mvm_ops->get_cr8(vcpu);
}

void mvm_irq_set_cr8(struct mvm_vcpu *vcpu, u8 cr8)
{
	/* Without a LAPIC the backend's own copy is the only one. */
	if (vcpu->lapic)
		mvm_lapic_set_cr8(vcpu, cr8 & 0xf);
}

int mvm_vcpu_halt(struct mvm_vcpu *vcpu)
{
	if (!vcpu->lapic) {
		vcpu->run->exit_reason = MINIVMM_EXIT_HLT;
		return MVM_USER;
	}
	/* The run loop sleeps before the next entry (mvm_vcpu_block()). */
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
