// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt sources as the core's event choice (event.c) sees them:
 * the in-kernel LAPIC when the VM has an irqchip, otherwise the one
 * vector userspace queued with MINIVMM_INTERRUPT; pending NMIs; the
 * guest's TPR as CR8.
 */
#include <linux/atomic.h>

#include "mvm.h"
#include "lapic.h"

int __mvm_exit_path mvm_irq_peek(struct mvm_vcpu *vcpu)
{
	if (vcpu->lapic)
		return mvm_lapic_pending(vcpu);
	return vcpu->pending_irq;
}

void __mvm_exit_path mvm_irq_ack(struct mvm_vcpu *vcpu, u8 vector)
{
	if (vcpu->lapic) {
		mvm_lapic_ack(vcpu, vector);
		return;
	}
	if (vcpu->pending_irq == vector)
		vcpu->pending_irq = -1;
}

bool __mvm_exit_path mvm_nmi_peek(struct mvm_vcpu *vcpu)
{
	return atomic_read(&vcpu->nmi_pending) > 0;
}

void __mvm_exit_path mvm_nmi_ack(struct mvm_vcpu *vcpu)
{
	atomic_dec_if_positive(&vcpu->nmi_pending);
}

u8 __mvm_exit_path mvm_irq_get_cr8(struct mvm_vcpu *vcpu)
{
	if (vcpu->lapic)
		return mvm_lapic_get_cr8(vcpu);
	return mvm_call(get_cr)(vcpu, 8);
}

void __mvm_exit_path mvm_irq_set_cr8(struct mvm_vcpu *vcpu, u8 cr8)
{
	/* Without a LAPIC the backend's own copy is the only one. */
	if (vcpu->lapic)
		mvm_lapic_set_cr8(vcpu, cr8 & 0xf);
}
