// SPDX-License-Identifier: GPL-2.0
/*
 * AMD-V backend: one guest entry.  Loads the core's register
 * copy and the pending events into the VMCB, runs VMRUN with the global
 * interrupt flag clear around it, and stores the state back.
 */
#include <linux/kernel.h>
#include <linux/irqflags.h>
#include <asm/cpufeature.h>
#include <asm/special_insns.h>
#include <asm/debugreg.h>
#include <asm/hw_breakpoint.h>
#include <asm/processor-flags.h>
#include "svm.h"

/* DR7 with every breakpoint off (bit 10 reads as one). */
#define SVM_DR7_RESET	0x400UL

static inline void svm_clgi(void)
{
	asm volatile("clgi" ::: "memory");
}

static inline void svm_stgi(void)
{
	asm volatile("stgi" ::: "memory");
}

/* Vectors whose exceptions push an error code. */
static bool svm_exc_has_error(u8 vector)
{
	switch (vector) {
	case 8: case 10: case 11: case 12: case 13: case 14: case 17: case 21:
		return true;
	default:
		return false;
	}
}

/*
 * Choose what the entry delivers, in priority order: the event an exit
 * interrupted, then a queued exception, then userspace's interrupt when
 * the guest can take it now.  Otherwise a virtual interrupt request
 * (V_IRQ) with the VINTR intercept makes the CPU exit as soon as the guest
 * can take one: the interrupt window.
 */
static void svm_events_inject(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb_control *c = &s->vmcb->ctl;
	bool can_irq;

	c->event_inj = 0;
	c->event_inj_err = 0;
	c->int_ctl &= ~(SVM_INT_V_IRQ | SVM_INT_V_IGN_TPR |
			(0xfu << SVM_INT_V_PRIO_SHIFT));
	c->intercepts[SVM_ICPT_MISC1] &= ~SVM_I1_VINTR;

	if (s->reinject & SVM_EV_VALID) {
		c->event_inj = s->reinject;
		c->event_inj_err = s->reinject_err;
		s->reinject = 0;
	} else if (s->exc.pending) {
		c->event_inj = s->exc.vector | SVM_EV_TYPE_EXC | SVM_EV_VALID;
		if (s->exc.has_error && svm_exc_has_error(s->exc.vector)) {
			c->event_inj |= SVM_EV_ERR_VALID;
			c->event_inj_err = s->exc.error_code;
		}
		s->exc.pending = false;
	}

	can_irq = !(c->event_inj & SVM_EV_VALID) &&
		  (vcpu->rflags & X86_EFLAGS_IF) &&
		  !(c->int_state & SVM_INT_SHADOW);
	if (vcpu->pending_irq >= 0 && can_irq) {
		c->event_inj = (vcpu->pending_irq & SVM_EV_VECTOR_MASK) |
			       SVM_EV_TYPE_INTR | SVM_EV_VALID;
		vcpu->pending_irq = -1;
	}
	if (vcpu->pending_irq >= 0 || vcpu->irq_window_requested) {
		c->int_ctl |= SVM_INT_V_IRQ | SVM_INT_V_IGN_TPR |
			      (0xfu << SVM_INT_V_PRIO_SHIFT);
		c->intercepts[SVM_ICPT_MISC1] |= SVM_I1_VINTR;
	}
}

/*
 * An exit that interrupted the delivery of an event must deliver it again.
 * Software interrupts and #BP/#OF are not re-injected: without NRIP save
 * their length is unknown, and rip still points at the instruction, so
 * the guest simply executes it again.
 */
static void svm_exit_int_info_save(struct svm_vcpu *s)
{
	u32 info = s->vmcb->ctl.exit_int_info;
	u32 type = info & SVM_EV_TYPE_MASK;
	u8 vector = info & SVM_EV_VECTOR_MASK;

	s->reinject = 0;
	if (!(info & SVM_EV_VALID))
		return;
	if (type == SVM_EV_TYPE_SOFT ||
	    (type == SVM_EV_TYPE_EXC && (vector == 3 || vector == 4)))
		return;
	s->reinject = info;
	s->reinject_err = s->vmcb->ctl.exit_int_info_err;
}

/*
 * The guest can turn on CR4.PKE itself (CR4 writes are not intercepted)
 * and change PKRU, which the FPU swap leaves alone: switch it here, as the
 * host's PKRU also limits the kernel's accesses to user memory.
 */
static void svm_pkru_load_guest(struct svm_vcpu *s)
{
	if (!cpu_feature_enabled(X86_FEATURE_OSPKE))
		return;
	s->host_pkru = rdpkru();
	if (s->guest_pkru != s->host_pkru)
		wrpkru(s->guest_pkru);
}

static void svm_pkru_load_host(struct svm_vcpu *s)
{
	if (!cpu_feature_enabled(X86_FEATURE_OSPKE))
		return;
	s->guest_pkru = rdpkru();
	if (s->guest_pkru != s->host_pkru)
		wrpkru(s->host_pkru);
}

int svm_vcpu_run(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb *vmcb = s->vmcb;

	/* The core moved rip past an instruction: no more interrupt shadow. */
	if (vcpu->rip != s->exit_rip)
		vmcb->ctl.int_state &= ~SVM_INT_SHADOW;
	vmcb->save.rip = vcpu->rip;
	vmcb->save.rflags = vcpu->rflags | X86_EFLAGS_FIXED;
	vmcb->save.rax = vcpu->gprs[MVM_RAX];
	vmcb->save.rsp = vcpu->gprs[MVM_RSP];
	vmcb->ctl.nested_cr3 = vcpu->vm->gpt.root_pa;

	local_irq_disable();
	if (!mvm_vcpu_prepare_entry(vcpu)) {
		WRITE_ONCE(vcpu->mode, MVM_OUTSIDE_GUEST);
		local_irq_enable();
		return MVM_RESUME;
	}
	svm_asid_assign(vcpu);
	vmcb->ctl.asid = s->asid;
	vmcb->ctl.tlb_ctl = s->flush_tlb ? SVM_TLB_FLUSH_ALL : SVM_TLB_NONE;
	s->flush_tlb = false;
	/* Clean bits stay zero: the CPU reloads the whole VMCB every time. */
	vmcb->ctl.clean = 0;
	svm_events_inject(vcpu);
	svm_pkru_load_guest(s);

	/*
	 * With GIF clear, interrupts and NMIs stay pending until STGI, so
	 * IF may be set for VMRUN: physical interrupts then exit the guest
	 * (V_INTR_MASKING) and are taken by the host after STGI.
	 */
	svm_clgi();
	local_irq_enable();
	mvm_svm_vmrun(s->vmcb_pa, vcpu->gprs, svm_host_vmsave_pa());
	local_irq_disable();
	svm_pkru_load_host(s);
	mvm_vcpu_after_exit(vcpu);
	svm_stgi();

	/* The guest may write DR0-3, DR6 and DR7 directly: the host's back. */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	else if (vmcb->save.dr7 & 0xff)
		set_debugreg(SVM_DR7_RESET, 7);
	if (vmcb->save.dr6 != DR6_RESERVED)
		set_debugreg(DR6_RESERVED, 6);
	local_irq_enable();

	vcpu->rip = vmcb->save.rip;
	vcpu->rflags = vmcb->save.rflags;
	vcpu->gprs[MVM_RAX] = vmcb->save.rax;
	vcpu->gprs[MVM_RSP] = vmcb->save.rsp;
	s->exit_rip = vcpu->rip;
	vmcb->ctl.event_inj = 0;
	svm_exit_int_info_save(s);

	return svm_handle_exit(vcpu);
}

/* Called by mvm_vcpu_prepare_entry() for MVM_REQ_TLB_FLUSH. */
void svm_flush_tlb(struct mvm_vcpu *vcpu)
{
	to_svm(vcpu)->flush_tlb = true;
}

