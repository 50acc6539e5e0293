// SPDX-License-Identifier: GPL-2.0
/*
 * AMD-V entry and exit: the core's registers and chosen event into the
 * VMCB, VMRUN with the global interrupt flag clear around it, and the
 * state and the interrupted event back into the core's copy after the
 * exit.  No architectural decision is taken here.
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

static const u32 svm_event_types[] = {
	[MVM_EVENT_EXT] = SVM_EV_TYPE_INTR,
	[MVM_EVENT_NMI] = SVM_EV_TYPE_NMI,
	[MVM_EVENT_EXC] = SVM_EV_TYPE_EXC,
};

/*
 * The core's event into EVENTINJ.  An injected NMI blocks the guest's
 * NMIs until its handler's IRET, which is intercepted for that.
 */
static void svm_event_write(struct svm_vcpu *s, const struct mvm_event *ev)
{
	struct vmcb_control *c = &s->vmcb->ctl;

	c->event_inj = 0;
	c->event_inj_err = 0;
	if (ev->type == MVM_EVENT_NONE ||
	    ev->type >= ARRAY_SIZE(svm_event_types))
		return;
	c->event_inj = (ev->vector & SVM_EV_VECTOR_MASK) |
		       svm_event_types[ev->type] | SVM_EV_VALID;
	if (ev->has_error) {
		c->event_inj |= SVM_EV_ERR_VALID;
		c->event_inj_err = ev->error;
	}
	if (ev->type == MVM_EVENT_NMI) {
		s->nmi.masked = true;
		s->nmi.iret_seen = false;
		c->intercepts[SVM_ICPT_MISC1] |= SVM_I1_IRET;
	}
}

/*
 * The windows the core asked for.  An NMI blocked by the guest's NMI
 * handler comes back through the intercepted IRET instead (the next
 * exit after it retires unblocks NMIs), except when that IRET found IF
 * clear: then the window exit comes once IF is set again.  With IF set
 * at that IRET a window would exit before the IRET retires, over and
 * over.
 */
static void svm_windows_write(struct mvm_vcpu *vcpu,
			      const struct mvm_entry *entry)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb_control *c = &s->vmcb->ctl;
	bool window = entry->irq_window;

	c->int_ctl &= ~(SVM_INT_V_IRQ | SVM_INT_V_IGN_TPR |
			(0xfu << SVM_INT_V_PRIO_SHIFT));
	c->intercepts[SVM_ICPT_MISC1] &= ~SVM_I1_VINTR;
	if (entry->nmi_window &&
	    (!s->nmi.masked ||
	     (s->nmi.iret_seen && !(vcpu->rflags & X86_EFLAGS_IF))))
		window = true;
	if (window)
		svm_window_open(c);
}

bool svm_nmi_blocked(struct mvm_vcpu *vcpu)
{
	return to_svm(vcpu)->nmi.masked;
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
 * EXITINTINFO: the event whose delivery this exit interrupted.  INT n,
 * INT3 and INTO are software events (their rip is still on the
 * instruction).
 */
static void svm_interrupted_save(struct mvm_vcpu *vcpu)
{
	struct vmcb_control *c = &to_svm(vcpu)->vmcb->ctl;
	struct mvm_event *ev = &vcpu->interrupted;
	u32 info = c->exit_int_info;
	u8 vector = info & SVM_EV_VECTOR_MASK;

	ev->type = MVM_EVENT_NONE;
	if (!(info & SVM_EV_VALID))
		return;
	ev->vector = vector;
	ev->has_error = info & SVM_EV_ERR_VALID;
	ev->error = ev->has_error ? c->exit_int_info_err : 0;
	switch (info & SVM_EV_TYPE_MASK) {
	case SVM_EV_TYPE_INTR:
		ev->type = MVM_EVENT_EXT;
		break;
	case SVM_EV_TYPE_NMI:
		ev->type = MVM_EVENT_NMI;
		break;
	case SVM_EV_TYPE_EXC:
		ev->type = (vector == 3 || vector == 4) ? MVM_EVENT_SOFT :
							   MVM_EVENT_EXC;
		break;
	default:
		ev->type = MVM_EVENT_SOFT;
		break;
	}
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

void svm_enter_guest(struct mvm_vcpu *vcpu, const struct mvm_entry *entry)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb *vmcb = s->vmcb;

	vmcb->save.rip = vcpu->rip;
	vmcb->save.rflags = vcpu->rflags | X86_EFLAGS_FIXED;
	vmcb->save.rax = vcpu->gprs[MVM_RAX];
	vmcb->save.rsp = vcpu->gprs[MVM_RSP];
	if (vcpu->shadow)
		vmcb->ctl.int_state |= SVM_INT_SHADOW;
	else
		vmcb->ctl.int_state &= ~SVM_INT_SHADOW;
	vmcb->ctl.nested_cr3 = vcpu->vm->gpt.root_pa;
	svm_asid_assign(vcpu);
	vmcb->ctl.asid = s->asid;
	vmcb->ctl.tlb_ctl = s->flush_tlb ? SVM_TLB_FLUSH_ALL : SVM_TLB_NONE;
	s->flush_tlb = false;
	/* Clean bits stay zero: the CPU reloads the whole VMCB every time. */
	vmcb->ctl.clean = 0;
	svm_tpr_load(vcpu);
	svm_event_write(s, &entry->event);
	svm_windows_write(vcpu, entry);

	/*
	 * With GIF clear, interrupts and NMIs stay pending until STGI, so
	 * IF may be set for VMRUN: physical interrupts then exit the guest
	 * (V_INTR_MASKING) and are taken by the host after STGI.
	 */
	svm_clgi();
	local_irq_enable();
	mvm_svm_vmrun(s->vmcb_pa, vcpu->gprs, svm_host_vmsave_pa());
	local_irq_disable();
	svm_stgi();

	/* The guest may write DR0-3, DR6 and DR7 directly: the host's back. */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	else if (vmcb->save.dr7 & 0xff)
		set_debugreg(SVM_DR7_RESET, 7);
	if (vmcb->save.dr6 != DR6_RESERVED)
		set_debugreg(DR6_RESERVED, 6);
}

void svm_exit_decode(struct mvm_vcpu *vcpu, struct mvm_exit *exit)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;

	vcpu->rip = vmcb->save.rip;
	vcpu->rflags = vmcb->save.rflags;
	vcpu->gprs[MVM_RAX] = vmcb->save.rax;
	vcpu->gprs[MVM_RSP] = vmcb->save.rsp;
	vcpu->shadow = (vmcb->ctl.int_state & SVM_INT_SHADOW) ?
		       MVM_SHADOW_STI : 0;
	vmcb->ctl.event_inj = 0;
	svm_interrupted_save(vcpu);
	svm_nmi_iret_check(vcpu);
	svm_tpr_save(vcpu);
	svm_exit_translate(vcpu, exit);
}

/* INIT: no NMI blocking, no window, nothing in EVENTINJ. */
void svm_events_reset(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb_control *c = &s->vmcb->ctl;

	s->nmi.masked = false;
	s->nmi.iret_seen = false;
	c->event_inj = 0;
	c->event_inj_err = 0;
	c->int_state &= ~SVM_INT_SHADOW;
	c->int_ctl &= ~(SVM_INT_V_IRQ | SVM_INT_V_IGN_TPR |
			(0xfu << SVM_INT_V_PRIO_SHIFT));
	c->intercepts[SVM_ICPT_MISC1] &= ~(SVM_I1_VINTR | SVM_I1_IRET);
}

/* MVM_REQ_TLB_FLUSH: flush this ASID at the next entry. */
void svm_flush_tlb(struct mvm_vcpu *vcpu)
{
	to_svm(vcpu)->flush_tlb = true;
}

