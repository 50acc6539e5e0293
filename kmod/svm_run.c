// SPDX-License-Identifier: GPL-2.0
/*
 * AMD-V backend: one guest entry.  Loads the core's register
 * copy and the pending events into the VMCB, runs VMRUN with the global
 * interrupt flag clear around it, and stores the state back.
 */
#include <linux/kernel.h>
#include <linux/irqflags.h>
#include <linux/thread_info.h>
#include <asm/cpufeature.h>
#include <asm/special_insns.h>
#include <asm/debugreg.h>
#include <asm/hw_breakpoint.h>
#include <asm/processor-flags.h>
#include <asm/fpu/api.h>
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
 * The interrupt window: a virtual interrupt request (V_IRQ) that ignores
 * V_TPR, with the VINTR intercept, makes the CPU exit as soon as the guest
 * can take an interrupt (RFLAGS.IF set, no interrupt shadow).
 */
static void svm_window_open(struct vmcb_control *c)
{
	c->int_ctl |= SVM_INT_V_IRQ | SVM_INT_V_IGN_TPR |
		      (0xfu << SVM_INT_V_PRIO_SHIFT);
	c->intercepts[SVM_ICPT_MISC1] |= SVM_I1_VINTR;
}

/* The event an exit interrupted, else a queued exception, into EVENTINJ. */
static void svm_queued_event_load(struct svm_vcpu *s)
{
	struct vmcb_control *c = &s->vmcb->ctl;
	struct svm_exception *exc = &s->exc;

	if (s->reinject & SVM_EV_VALID) {
		c->event_inj = s->reinject;
		c->event_inj_err = s->reinject_err;
		s->reinject = 0;
		return;
	}
	if (!exc->pending)
		return;
	c->event_inj = exc->vector | SVM_EV_TYPE_EXC | SVM_EV_VALID;
	/* Real mode pushes no error code, and VMRUN refuses one there. */
	if (exc->has_error && svm_exc_has_error(exc->vector) &&
	    (s->vmcb->save.cr0 & X86_CR0_PE)) {
		c->event_inj |= SVM_EV_ERR_VALID;
		c->event_inj_err = exc->error_code;
	}
	exc->pending = false;
}

/*
 * An NMI, when one is due and nothing blocks it.  The guest's NMIs are
 * then blocked until its handler's IRET, which is intercepted for that.
 * Returns whether an interrupt window must be opened to come back for a
 * pending NMI: when only the shadow or a queued event blocks it, the
 * window exit comes at the next instruction boundary with IF set; after
 * an intercepted IRET with IF clear, it comes once the IRET restored IF.
 * With IF set at that IRET a window would exit before the IRET retires,
 * over and over: the next exit of any kind unblocks NMIs then.
 */
static bool svm_nmi_load(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb_control *c = &s->vmcb->ctl;

	if (!mvm_nmi_peek(vcpu))
		return false;
	if (s->nmi.masked)
		return s->nmi.iret_seen && !(vcpu->rflags & X86_EFLAGS_IF);
	if ((c->event_inj & SVM_EV_VALID) || (c->int_state & SVM_INT_SHADOW))
		return true;
	c->event_inj = 2 | SVM_EV_TYPE_NMI | SVM_EV_VALID;
	mvm_nmi_ack(vcpu);
	s->nmi.masked = true;
	s->nmi.iret_seen = false;
	c->intercepts[SVM_ICPT_MISC1] |= SVM_I1_IRET;
	return false;
}

/*
 * Choose what the entry delivers, in priority order: the event an exit
 * interrupted, then a queued exception, then an NMI, then the highest
 * interrupt due (the in-kernel LAPIC's or userspace's) when the guest can
 * take it now; otherwise open the interrupt window.  Runs with interrupts
 * off after mvm_vcpu_prepare_entry(), so an interrupt that becomes due
 * after the peek kicks the vCPU out of the guest again.
 */
static void svm_events_inject(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb_control *c = &s->vmcb->ctl;
	bool window = vcpu->irq_window_requested;
	int vector;

	c->event_inj = 0;
	c->event_inj_err = 0;
	c->int_ctl &= ~(SVM_INT_V_IRQ | SVM_INT_V_IGN_TPR |
			(0xfu << SVM_INT_V_PRIO_SHIFT));
	c->intercepts[SVM_ICPT_MISC1] &= ~SVM_I1_VINTR;

	svm_queued_event_load(s);
	if (svm_nmi_load(vcpu))
		window = true;

	vector = mvm_irq_peek(vcpu);
	if (vector >= 0) {
		if (!(c->event_inj & SVM_EV_VALID) &&
		    (vcpu->rflags & X86_EFLAGS_IF) &&
		    !(c->int_state & SVM_INT_SHADOW)) {
			c->event_inj = (vector & SVM_EV_VECTOR_MASK) |
				       SVM_EV_TYPE_INTR | SVM_EV_VALID;
			mvm_irq_ack(vcpu, vector);
		} else {
			window = true;
		}
	}
	if (window)
		svm_window_open(c);
}

/*
 * With the in-kernel LAPIC its TPR is the truth: the guest's CR8 (V_TPR
 * with V_INTR_MASKING, which the guest reads and writes without exits)
 * is loaded from it before each entry and reported back after each exit
 * that changed it.  While it is above zero, CR8 writes are intercepted:
 * lowering it may unmask an interrupt that is due.
 */
static void svm_tpr_load(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb_control *c = &s->vmcb->ctl;

	if (!vcpu->lapic)
		return;
	s->v_tpr = mvm_irq_get_cr8(vcpu) & 0xf;
	c->int_ctl = (c->int_ctl & ~SVM_INT_V_TPR_MASK) | s->v_tpr;
	if (s->v_tpr)
		c->intercepts[SVM_ICPT_CR] |= SVM_ICPT_CR8_WRITE;
	else
		c->intercepts[SVM_ICPT_CR] &= ~SVM_ICPT_CR8_WRITE;
}

static void svm_tpr_save(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);
	u8 tpr = s->vmcb->ctl.int_ctl & 0xf;

	if (!vcpu->lapic || tpr == s->v_tpr)
		return;
	s->v_tpr = tpr;
	mvm_irq_set_cr8(vcpu, tpr);
}

/*
 * An exit that interrupted the delivery of an event must deliver it again.
 * Software interrupts and #BP/#OF are not re-injected: without NRIP save
 * their length is unknown, and rip still points at the instruction, so
 * the guest simply executes it again.  An external interrupt is already
 * in the LAPIC's ISR: it is delivered again, not acknowledged again.
 */
static void svm_exit_int_info_save(struct svm_vcpu *s)
{
	u32 info = s->vmcb->ctl.exit_int_info;
	u32 type = info & SVM_EV_TYPE_MASK;
	u8 vector = info & SVM_EV_VECTOR_MASK;

	s->reinject = 0;
	s->reinject_err = 0;
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

/*
 * After an intercepted IRET, the first exit at another rip means the
 * IRET has retired: the guest's NMI handler is done.
 */
static void svm_nmi_iret_check(struct mvm_vcpu *vcpu)
{
	struct svm_nmi *nmi = &to_svm(vcpu)->nmi;

	if (nmi->iret_seen && vcpu->rip != nmi->iret_rip) {
		nmi->iret_seen = false;
		nmi->masked = false;
	}
}

int svm_vcpu_run(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb *vmcb = s->vmcb;

	/* An exception while delivering a double fault shuts the CPU down. */
	if (s->triple_fault) {
		s->triple_fault = false;
		vcpu->run->exit_reason = MINIVMM_EXIT_SHUTDOWN;
		return MVM_USER;
	}

	/* The core moved rip past an instruction: no more interrupt shadow. */
	if (vcpu->rip != s->exit_rip)
		vmcb->ctl.int_state &= ~SVM_INT_SHADOW;
	vmcb->save.rip = vcpu->rip;
	vmcb->save.rflags = vcpu->rflags | X86_EFLAGS_FIXED;
	vmcb->save.rax = vcpu->gprs[MVM_RAX];
	vmcb->save.rsp = vcpu->gprs[MVM_RSP];
	vmcb->ctl.nested_cr3 = vcpu->vm->gpt.root_pa;

	local_irq_disable();
	/* mvm_vcpu_prepare_entry() also reloads the guest FPU if needed. */
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
	svm_tpr_load(vcpu);
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
	svm_nmi_iret_check(vcpu);
	svm_tpr_save(vcpu);

	return svm_handle_exit(vcpu);
}

/* Called by mvm_vcpu_prepare_entry() for MVM_REQ_TLB_FLUSH. */
void svm_flush_tlb(struct mvm_vcpu *vcpu)
{
	to_svm(vcpu)->flush_tlb = true;
}

