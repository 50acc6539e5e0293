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
#define SVM_RESET_DR6		0xffff0ff0ULL
#define SVM_RESET_DR7		0x400ULL
#define SVM_APIC_DEFAULT	0xfee00000ULL
#define SVM_APIC_BSP		BIT_ULL(8)
#define SVM_APIC_EXTD		BIT_ULL(10)
#define SVM_APIC_ENABLE		BIT_ULL(11)

#define SVM_CR0_VALID	(X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | \
			 X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_AM | \
			 X86_CR0_NW | X86_CR0_CD | X86_CR0_PG)

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
	st->dr6 = SVM_RESET_DR6;
	st->dr7 = SVM_RESET_DR7;
	st->g_pat = SVM_RESET_PAT;
	st->rflags = X86_EFLAGS_FIXED;
	st->rip = 0xfff0;
	vcpu->rip = 0xfff0;
	vcpu->rflags = X86_EFLAGS_FIXED;
	s->exit_rip = vcpu->rip;
	s->apic_base = SVM_APIC_DEFAULT | SVM_APIC_ENABLE |
		       (vcpu->id == 0 ? SVM_APIC_BSP : 0);
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

static bool svm_canonical(u64 addr)
{
	return (u64)((s64)(addr << 16) >> 16) == addr;
}

static int svm_seg_check(const struct minivmm_segment *u)
{
	if (u->type > 15 || u->dpl > 3 || u->present > 1 || u->db > 1 ||
	    u->s > 1 || u->l > 1 || u->g > 1 || u->avl > 1 ||
	    u->unusable > 1 || u->pad)
		return -EINVAL;
	if (!svm_canonical(u->base))
		return -EINVAL;
	return 0;
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
	sr->cr8 = svm_get_cr8(vcpu);
	sr->efer = st->efer & ~EFER_SVME;
	sr->apic_base = s->apic_base;
	return 0;
}

static bool svm_apic_base_valid(u64 v)
{
	u64 base_mask = GENMASK_ULL(boot_cpu_data.x86_phys_bits - 1, 12);

	return !(v & ~(base_mask | SVM_APIC_BSP | SVM_APIC_ENABLE |
		       SVM_APIC_EXTD));
}

int svm_set_sregs(struct mvm_vcpu *vcpu, const struct minivmm_sregs *sr)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb_save *st = &s->vmcb->save;
	const struct minivmm_segment *segs[] = {
		&sr->cs, &sr->ds, &sr->es, &sr->fs, &sr->gs, &sr->ss,
		&sr->tr, &sr->ldt,
	};
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(segs); i++) {
		ret = svm_seg_check(segs[i]);
		if (ret)
			return ret;
	}
	for (i = 0; i < ARRAY_SIZE(sr->reserved); i++)
		if (sr->reserved[i])
			return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(sr->gdt.pad); i++)
		if (sr->gdt.pad[i] || sr->idt.pad[i])
			return -EINVAL;
	if (!svm_canonical(sr->gdt.base) || !svm_canonical(sr->idt.base))
		return -EINVAL;
	/*
	 * Reserved CR0 bits below 32, on top of mvm_sregs_validate(), which
	 * has checked CR0, CR3, CR4, CR8 and EFER alone and together.
	 */
	if (sr->cr0 & ~(u64)SVM_CR0_VALID)
		return -EINVAL;
	if (!svm_apic_base_valid(sr->apic_base))
		return -EINVAL;

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
	 * the core has set to sr->cr8 (and its APIC base to sr->apic_base).
	 */
	s->apic_base = sr->apic_base;
	return 0;
}

u8 svm_get_cr8(struct mvm_vcpu *vcpu)
{
	if (vcpu->lapic)
		return mvm_irq_get_cr8(vcpu);
	/* With V_INTR_MASKING the guest's CR8 lives in V_TPR. */
	return to_svm(vcpu)->vmcb->ctl.int_ctl & 0xf;
}

/* Mirrors the can_irq test of svm_events_inject(). */
bool svm_interrupt_allowed(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);

	if (!(vcpu->rflags & X86_EFLAGS_IF))
		return false;
	if ((s->reinject & SVM_EV_VALID) || s->exc.pending)
		return false;
	/* svm_vcpu_run() drops the shadow when the core moved rip. */
	return vcpu->rip != s->exit_rip ||
	       !(s->vmcb->ctl.int_state & SVM_INT_SHADOW);
}

void svm_get_paging(struct mvm_vcpu *vcpu, struct mvm_paging *pg)
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

static bool svm_pat_valid(u64 pat)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		u8 t = (pat >> (i * 8)) & 0xff;

		if (t != 0 && t != 1 && t != 4 && t != 5 && t != 6 && t != 7)
			return false;
	}
	return true;
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
	case MSR_IA32_APICBASE:
		*data = s->apic_base;
		break;
	case MSR_IA32_TSC:
		*data = rdtsc() + s->vmcb->ctl.tsc_offset;
		break;
	default:
		return -ENOENT;
	}
	return 0;
}

static int svm_set_efer(struct mvm_vcpu *vcpu, u64 efer)
{
	struct vmcb_save *st = &to_svm(vcpu)->vmcb->save;
	u64 old = st->efer;

	/* SVME is the backend's own (always set). */
	if (efer & ~mvm_efer_valid())
		return -EINVAL;
	/* LMA is read-only; LME may not change while paging is on. */
	efer = (efer & ~EFER_LMA) | (old & EFER_LMA);
	if ((st->cr0 & X86_CR0_PG) && ((efer ^ old) & EFER_LME))
		return -EINVAL;
	st->efer = efer | EFER_SVME;
	return 0;
}

/* Returns -ENOENT for an MSR this backend does not hold, -EINVAL for a bad value. */
int svm_set_msr(struct mvm_vcpu *vcpu, u32 index, u64 data)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb_save *st = &s->vmcb->save;

	switch (index) {
	case MSR_EFER:
		return svm_set_efer(vcpu, data);
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		if (!svm_canonical(data))
			return -EINVAL;
		break;
	case MSR_SYSCALL_MASK:
	case MSR_IA32_SYSENTER_CS:
		if (data >> 32)
			return -EINVAL;
		break;
	case MSR_IA32_CR_PAT:
		if (!svm_pat_valid(data))
			return -EINVAL;
		break;
	case MSR_IA32_APICBASE:
		if (!svm_apic_base_valid(data))
			return -EINVAL;
		break;
	case MSR_STAR:
		break;
	case MSR_IA32_TSC:
		/* The guest TSC is the host's plus this offset. */
		s->vmcb->ctl.tsc_offset = data - rdtsc();
		return 0;
	default:
		return -ENOENT;
	}

	switch (index) {
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
	case MSR_IA32_APICBASE:
		s->apic_base = data;
		break;
	}
	return 0;
}

/* Exceptions that make a second one during their delivery a #DF. */
static bool svm_exc_contributory(u8 vector)
{
	return vector == 0 || (vector >= 10 && vector <= 13);
}

/*
 * Queue an exception for the next entry.  A second one before that entry
 * is combined as the CPU would (SDM vol. 3, table 6-5): contributory on
 * contributory, or a contributory or page fault on a page fault, is a
 * double fault; anything on a double fault shuts the CPU down; otherwise
 * the second replaces the first, which the guest raises again when it
 * re-executes the instruction.
 */
void svm_inject_exception(struct mvm_vcpu *vcpu, u8 vector, bool has_error,
			  u32 error_code)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct svm_exception *exc = &s->exc;

	if (exc->pending) {
		u8 first = exc->vector;

		if (first == 8) {
			exc->pending = false;
			s->triple_fault = true;
			return;
		}
		if ((svm_exc_contributory(first) &&
		     svm_exc_contributory(vector)) ||
		    (first == 14 &&
		     (vector == 14 || svm_exc_contributory(vector)))) {
			vector = 8;
			has_error = true;
			error_code = 0;
		}
	}
	exc->pending = true;
	exc->vector = vector;
	exc->has_error = has_error;
	exc->error_code = error_code;
}

bool svm_nmi_allowed(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);

	if (s->nmi.masked || (s->reinject & SVM_EV_VALID) || s->exc.pending)
		return false;
	/* svm_vcpu_run() drops the shadow when the core moved rip. */
	return vcpu->rip != s->exit_rip ||
	       !(s->vmcb->ctl.int_state & SVM_INT_SHADOW);
}

/* INIT: nothing queued, nothing blocked, no window. */
void svm_events_reset(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb_control *c = &s->vmcb->ctl;

	s->reinject = 0;
	s->reinject_err = 0;
	s->exc.pending = false;
	s->triple_fault = false;
	s->nmi.masked = false;
	s->nmi.iret_seen = false;
	c->event_inj = 0;
	c->event_inj_err = 0;
	c->int_state &= ~SVM_INT_SHADOW;
	c->int_ctl &= ~(SVM_INT_V_IRQ | SVM_INT_V_IGN_TPR |
			(0xfu << SVM_INT_V_PRIO_SHIFT));
	c->intercepts[SVM_ICPT_MISC1] &= ~(SVM_I1_VINTR | SVM_I1_IRET);
}
