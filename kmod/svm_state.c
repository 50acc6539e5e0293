// SPDX-License-Identifier: GPL-2.0
/*
 * AMD-V backend: the guest state that lives in the VMCB
 * (segments, control registers, MSRs) as userspace and the core see it,
 * with the checks VMRUN would otherwise fail on.
 */
#include <linux/kernel.h>
#include <asm/cpufeature.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/processor.h>
#include <asm/msr.h>
#include "svm.h"

#define SVM_RESET_CR0		(X86_CR0_CD | X86_CR0_NW | X86_CR0_ET)
#define SVM_RESET_PAT		0x0007040600070406ULL

static void svm_seg_set(struct svm_seg *seg, u16 sel, u64 base, u32 limit,
			u16 attrib)
{
	seg->selector = sel;
	seg->base = base;
	seg->limit = limit;
	seg->attrib = attrib;
}

/* The architectural state after power-on (APM vol. 2, 14.1.3). */
void svm_state_reset(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb_save *st = &s->vmcb->save;

	svm_seg_set(&st->cs, 0xf000, 0xffff0000, 0xffff, 0x9b);
	svm_seg_set(&st->ds, 0, 0, 0xffff, 0x93);
	st->es = st->ds;
	st->ss = st->ds;
	st->fs = st->ds;
	st->gs = st->ds;
	svm_seg_set(&st->gdtr, 0, 0, 0xffff, 0);
	svm_seg_set(&st->idtr, 0, 0, 0xffff, 0);
	svm_seg_set(&st->ldtr, 0, 0, 0xffff, 0x82);
	svm_seg_set(&st->tr, 0, 0, 0xffff, 0x8b);
	st->cpl = 0;
	st->efer = EFER_SVME;
	st->cr0 = SVM_RESET_CR0;
	st->cr2 = 0;
	st->cr3 = 0;
	st->cr4 = 0;
	st->dr6 = MVM_DR6_RESET;
	st->dr7 = MVM_DR7_RESET;
	st->g_pat = SVM_RESET_PAT;
	st->rflags = X86_EFLAGS_FIXED;
	st->rip = 0xfff0;
	vcpu->rip = 0xfff0;
	vcpu->rflags = X86_EFLAGS_FIXED;
}

static void svm_seg_get(const struct svm_seg *seg, struct minivmm_segment *u)
{
	u16 a = seg->attrib;

	memset(u, 0, sizeof(*u));
	u->base = seg->base;
	u->limit = seg->limit;
	u->selector = seg->selector;
	u->type = a & SVM_SEG_TYPE_MASK;
	u->s = !!(a & SVM_SEG_S);
	u->dpl = (a >> SVM_SEG_DPL_SHIFT) & 3;
	u->present = !!(a & SVM_SEG_P);
	u->avl = !!(a & SVM_SEG_AVL);
	u->l = !!(a & SVM_SEG_L);
	u->db = !!(a & SVM_SEG_DB);
	u->g = !!(a & SVM_SEG_G);
	u->unusable = !u->present;
}

static void svm_seg_put(struct svm_seg *seg, const struct minivmm_segment *u)
{
	u16 a = u->type | (u->dpl << SVM_SEG_DPL_SHIFT);

	if (u->s)
		a |= SVM_SEG_S;
	if (u->present && !u->unusable)
		a |= SVM_SEG_P;
	if (u->avl)
		a |= SVM_SEG_AVL;
	if (u->l)
		a |= SVM_SEG_L;
	if (u->db)
		a |= SVM_SEG_DB;
	if (u->g)
		a |= SVM_SEG_G;
	seg->selector = u->selector;
	seg->attrib = a;
	seg->limit = u->limit;
	seg->base = u->base;
}

int svm_get_sregs(struct mvm_vcpu *vcpu, struct minivmm_sregs *sr)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb_save *st = &s->vmcb->save;

	memset(sr, 0, sizeof(*sr));
	svm_seg_get(&st->cs, &sr->cs);
	svm_seg_get(&st->ds, &sr->ds);
	svm_seg_get(&st->es, &sr->es);
	svm_seg_get(&st->fs, &sr->fs);
	svm_seg_get(&st->gs, &sr->gs);
	svm_seg_get(&st->ss, &sr->ss);
	svm_seg_get(&st->tr, &sr->tr);
	/*
	 * LTR marks the descriptor busy in memory, but the VMCB may hold the
	 * type it had before (KVM works around the same): TR is always busy.
	 */
	sr->tr.type |= 2;
	svm_seg_get(&st->ldtr, &sr->ldt);
	sr->gdt.base = st->gdtr.base;
	sr->gdt.limit = st->gdtr.limit;
	sr->idt.base = st->idtr.base;
	sr->idt.limit = st->idtr.limit;
	sr->cr0 = st->cr0;
	sr->cr2 = st->cr2;
	sr->cr3 = st->cr3;
	sr->cr4 = st->cr4;
	sr->cr8 = svm_get_cr(vcpu, 8);
	sr->efer = st->efer & ~EFER_SVME;
	return 0;
}

int svm_set_sregs(struct mvm_vcpu *vcpu, const struct minivmm_sregs *sr)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb_save *st = &s->vmcb->save;

	svm_seg_put(&st->cs, &sr->cs);
	svm_seg_put(&st->ds, &sr->ds);
	svm_seg_put(&st->es, &sr->es);
	svm_seg_put(&st->fs, &sr->fs);
	svm_seg_put(&st->gs, &sr->gs);
	svm_seg_put(&st->ss, &sr->ss);
	svm_seg_put(&st->tr, &sr->tr);
	svm_seg_put(&st->ldtr, &sr->ldt);
	svm_seg_set(&st->gdtr, 0, sr->gdt.base, sr->gdt.limit, 0);
	svm_seg_set(&st->idtr, 0, sr->idt.base, sr->idt.limit, 0);
	/* SVM takes the CPL from this field; it follows SS.DPL. */
	st->cpl = (sr->cr0 & X86_CR0_PE) ? sr->ss.dpl : 0;
	st->cr0 = sr->cr0 | X86_CR0_ET;
	st->cr2 = sr->cr2;
	st->cr3 = sr->cr3;
	st->cr4 = sr->cr4;
	st->efer = sr->efer | EFER_SVME;
	s->vmcb->ctl.int_ctl = (s->vmcb->ctl.int_ctl & ~SVM_INT_V_TPR_MASK) |
			       (u32)sr->cr8;
	/*
	 * With the in-kernel LAPIC, V_TPR is reloaded from its TPR, which
	 * the core sets to sr->cr8 once this returns.
	 */
	return 0;
}

/* With V_INTR_MASKING the guest's CR8 lives in V_TPR. */
u64 __mvm_exit_path svm_get_cr(struct mvm_vcpu *vcpu, unsigned int cr)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;

	switch (cr) {
	case 0:
		return vmcb->save.cr0;
	case 3:
		return vmcb->save.cr3;
	case 4:
		return vmcb->save.cr4;
	case 8:
		if (vcpu->lapic)
			return mvm_irq_get_cr8(vcpu);
		return vmcb->ctl.int_ctl & SVM_INT_V_TPR_MASK;
	}
	return 0;
}

/*
 * CR4 (intercepted writes) and CR8 without an in-kernel LAPIC (V_TPR).
 * CR0 and CR3 writes are the guest's own, not intercepted.
 */
int __mvm_exit_path svm_set_cr(struct mvm_vcpu *vcpu, unsigned int cr, u64 val)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb *vmcb = s->vmcb;

	switch (cr) {
	case 4:
		/* What the CPU flushes on such a write, for this ASID. */
		if ((val ^ vmcb->save.cr4) &
		    (X86_CR4_PGE | X86_CR4_PAE | X86_CR4_PSE | X86_CR4_PCIDE |
		     X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_LA57))
			s->flush_tlb = true;
		vmcb->save.cr4 = val;
		return 0;
	case 8:
		vmcb->ctl.int_ctl = (vmcb->ctl.int_ctl & ~SVM_INT_V_TPR_MASK) |
				    (u32)val;
		return 0;
	}
	return -EINVAL;
}

void __mvm_exit_path svm_get_paging(struct mvm_vcpu *vcpu, struct mvm_paging *pg)
{
	struct vmcb_save *st = &to_svm(vcpu)->vmcb->save;

	pg->cr0 = st->cr0;
	pg->cr3 = st->cr3;
	pg->cr4 = st->cr4;
	pg->efer = st->efer & ~EFER_SVME;
	pg->cs_base = st->cs.base;
	pg->cs_l = !!(st->cs.attrib & SVM_SEG_L);
	pg->cs_db = !!(st->cs.attrib & SVM_SEG_DB);
	pg->cpl = st->cpl;
}

/* Returns -ENOENT for an MSR this backend does not hold. */
int svm_get_msr(struct mvm_vcpu *vcpu, u32 index, u64 *data)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb_save *st = &s->vmcb->save;

	switch (index) {
	case MSR_EFER:
		*data = st->efer & ~EFER_SVME;
		break;
	case MSR_FS_BASE:
		*data = st->fs.base;
		break;
	case MSR_GS_BASE:
		*data = st->gs.base;
		break;
	case MSR_KERNEL_GS_BASE:
		*data = st->kernel_gs_base;
		break;
	case MSR_STAR:
		*data = st->star;
		break;
	case MSR_LSTAR:
		*data = st->lstar;
		break;
	case MSR_CSTAR:
		*data = st->cstar;
		break;
	case MSR_SYSCALL_MASK:
		*data = st->sfmask;
		break;
	case MSR_IA32_SYSENTER_CS:
		*data = st->sysenter_cs;
		break;
	case MSR_IA32_SYSENTER_ESP:
		*data = st->sysenter_esp;
		break;
	case MSR_IA32_SYSENTER_EIP:
		*data = st->sysenter_eip;
		break;
	case MSR_IA32_CR_PAT:
		*data = st->g_pat;
		break;
	case MSR_IA32_TSC:
		*data = rdtsc() + s->vmcb->ctl.tsc_offset;
		break;
	default:
		return -ENOENT;
	}
	return 0;
}

/* A value the core checked; -ENOENT for an MSR this backend does not hold. */
int svm_set_msr(struct mvm_vcpu *vcpu, u32 index, u64 data)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb_save *st = &s->vmcb->save;

	switch (index) {
	case MSR_EFER:
		/* SVME is the backend's own (always set). */
		st->efer = data | EFER_SVME;
		break;
	case MSR_IA32_TSC:
		/* The guest TSC is the host's plus this offset. */
		s->vmcb->ctl.tsc_offset = data - rdtsc();
		break;
	case MSR_FS_BASE:
		st->fs.base = data;
		break;
	case MSR_GS_BASE:
		st->gs.base = data;
		break;
	case MSR_KERNEL_GS_BASE:
		st->kernel_gs_base = data;
		break;
	case MSR_STAR:
		st->star = data;
		break;
	case MSR_LSTAR:
		st->lstar = data;
		break;
	case MSR_CSTAR:
		st->cstar = data;
		break;
	case MSR_SYSCALL_MASK:
		st->sfmask = data;
		break;
	case MSR_IA32_SYSENTER_CS:
		st->sysenter_cs = data;
		break;
	case MSR_IA32_SYSENTER_ESP:
		st->sysenter_esp = data;
		break;
	case MSR_IA32_SYSENTER_EIP:
		st->sysenter_eip = data;
		break;
	case MSR_IA32_CR_PAT:
		st->g_pat = data;
		break;
	default:
		return -ENOENT;
	}
	return 0;
}
