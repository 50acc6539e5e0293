// SPDX-License-Identifier: GPL-2.0
/*
 * The architectural checks of MINIVMM_SET_SREGS, shared by both backends:
 * states no x86 CPU can be in (CR0/CR4/EFER combinations, segment
 * registers whose cached descriptor could never have been loaded).  VT-x
 * refuses most of them at VM entry and AMD-V runs some of them, so each
 * backend would otherwise behave differently on the same bad input.  The
 * backends keep their hardware-specific checks on top of these.
 *
 * The segment rules follow the SDM's guest-state checks for an
 * unrestricted guest (vol. 3C, 27.3.1.2), minus those about the accessed
 * bit and the limit granularity, which are VT-x's own: with CR0.PE = 0
 * the segment types are more lenient, as a real-mode load changes only
 * the selector and base.  A segment is usable when it is present and not
 * marked unusable (a null selector load).
 */
#include <linux/errno.h>
#include <asm/cpufeature.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/processor.h>

#include "mvm.h"
#include "x86.h"

/* Bits of the 4-bit descriptor type field. */
#define SEG_TYPE_ACCESSED	BIT(0)
#define SEG_TYPE_RW		BIT(1)	/* data: writable; code: readable */
#define SEG_TYPE_CONFORMING	BIT(2)	/* code only */
#define SEG_TYPE_CODE		BIT(3)

/* System descriptor types. */
#define SEG_TYPE_LDT		2
#define SEG_TYPE_TSS16_BUSY	3
#define SEG_TYPE_TSS_BUSY	11	/* 32-bit, or 64-bit in long mode */

/* A read/write data type: what real mode and virtual-8086 mode load. */
#define SEG_TYPE_DATA_RW	(SEG_TYPE_RW | SEG_TYPE_ACCESSED)

/* CR0 bits that exist; the others are reserved (#GP if set). */
#define MVM_CR0_DEFINED	(X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | \
			 X86_CR0_TS | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | \
			 X86_CR0_AM | X86_CR0_NW | X86_CR0_CD | X86_CR0_PG)

/*
 * CR4 bits a guest may set: those the host has, minus those the backend
 * cannot give a guest (ops->cr4_unsupported).  Never offered: CET and
 * PKS, whose MSR state is not switched, so the guest would run under the
 * host's.  Used for SET_SREGS and for the guest's own CR4 writes.
 */
u64 mvm_cr4_valid(void)
{
	u64 valid = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE |
		    X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE |
		    X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;

	if (boot_cpu_has(X86_FEATURE_UMIP))
		valid |= X86_CR4_UMIP;
	if (boot_cpu_has(X86_FEATURE_LA57))
		valid |= X86_CR4_LA57;
	if (boot_cpu_has(X86_FEATURE_VMX))
		valid |= X86_CR4_VMXE;
	if (boot_cpu_has(X86_FEATURE_SMX))
		valid |= X86_CR4_SMXE;
	if (boot_cpu_has(X86_FEATURE_FSGSBASE))
		valid |= X86_CR4_FSGSBASE;
	if (boot_cpu_has(X86_FEATURE_PCID))
		valid |= X86_CR4_PCIDE;
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		valid |= X86_CR4_OSXSAVE;
	if (boot_cpu_has(X86_FEATURE_SMEP))
		valid |= X86_CR4_SMEP;
	if (boot_cpu_has(X86_FEATURE_SMAP))
		valid |= X86_CR4_SMAP;
	if (boot_cpu_has(X86_FEATURE_PKU))
		valid |= X86_CR4_PKE;
	return valid & ~mvm_ops->cr4_unsupported;
}

/* EFER bits a guest may have (SET_SREGS and WRMSR). */
u64 mvm_efer_valid(void)
{
	u64 valid = EFER_SCE | EFER_LME | EFER_LMA;

	if (boot_cpu_has(X86_FEATURE_NX))
		valid |= EFER_NX;
	return valid;
}

/* CR0, CR4 and EFER alone and together, CR3 and CR8. */
static int mvm_sregs_ctrl_check(const struct minivmm_sregs *s)
{
	bool pg = s->cr0 & X86_CR0_PG;
	bool lme = s->efer & EFER_LME, lma = s->efer & EFER_LMA;

	if (s->cr0 & ~(u64)MVM_CR0_DEFINED)
		return -EINVAL;
	if (pg && !(s->cr0 & X86_CR0_PE))
		return -EINVAL;
	if ((s->cr0 & X86_CR0_NW) && !(s->cr0 & X86_CR0_CD))
		return -EINVAL;
	if (s->cr4 & ~mvm_cr4_valid())
		return -EINVAL;
	if (s->efer & ~mvm_efer_valid())
		return -EINVAL;
	/* The CPU sets LMA exactly when paging is on with LME set. */
	if (lma != (lme && pg))
		return -EINVAL;
	/* Long mode paging is PAE paging; PCIDE exists only in long mode. */
	if (lma && !(s->cr4 & X86_CR4_PAE))
		return -EINVAL;
	if ((s->cr4 & X86_CR4_PCIDE) && !lma)
		return -EINVAL;
	/* Above the physical address width: #GP on hardware. */
	if (s->cr3 >> boot_cpu_data.x86_phys_bits)
		return -EINVAL;
	if (s->cr8 > 15)
		return -EINVAL;
	return 0;
}

int mvm_cr_write_check(const struct mvm_paging *pg, unsigned int cr, u64 val)
{
	bool lma = pg->efer & EFER_LMA;

	if (cr == 0) {
		if (val >> 32)
			return -EINVAL;
		if ((val & X86_CR0_PG) && !(val & X86_CR0_PE))
			return -EINVAL;
		if ((val & X86_CR0_NW) && !(val & X86_CR0_CD))
			return -EINVAL;
		/* Turning paging on for long mode needs CR4.PAE. */
		if ((val & X86_CR0_PG) && !(pg->cr0 & X86_CR0_PG) &&
		    (pg->efer & EFER_LME) && !(pg->cr4 & X86_CR4_PAE))
			return -EINVAL;
		return 0;
	}
	if (val & ~mvm_cr4_valid())
		return -EINVAL;
	/* PAE may not be cleared in long mode; PCIDE needs long mode. */
	if (lma && !(val & X86_CR4_PAE))
		return -EINVAL;
	if ((val & X86_CR4_PCIDE) && !(pg->cr4 & X86_CR4_PCIDE) && !lma)
		return -EINVAL;
	return 0;
}

static bool mvm_seg_usable(const struct minivmm_segment *seg)
{
	return seg->present && !seg->unusable;
}

static bool mvm_seg_is_code(const struct minivmm_segment *seg)
{
	return seg->type & SEG_TYPE_CODE;
}

/*
 * CS is always usable and a code or data segment.  In protected mode it
 * is code, except in virtual-8086 mode (RFLAGS.VM, which SET_SREGS does
 * not see), where every segment is read/write data at DPL 3.  In real
 * mode a far jump or IRET may leave read/write data there too.
 */
static int mvm_sregs_cs_check(const struct minivmm_sregs *s, bool pe,
			      bool lma)
{
	const struct minivmm_segment *cs = &s->cs, *ss = &s->ss;
	bool v86_shape = cs->type == SEG_TYPE_DATA_RW && cs->dpl == 3;

	if (!mvm_seg_usable(cs) || !cs->s)
		return -EINVAL;
	if (!mvm_seg_is_code(cs) && cs->type != SEG_TYPE_DATA_RW)
		return -EINVAL;
	if (pe && !mvm_seg_is_code(cs) && !v86_shape)
		return -EINVAL;
	/* The default operand size of 64-bit code is 32 bits: D must be 0. */
	if (lma && cs->l && cs->db)
		return -EINVAL;
	/* The CPL is SS.DPL, 0 in real mode; CS.DPL must agree with it. */
	if (!pe)
		return cs->dpl || ss->dpl ? -EINVAL : 0;
	if (!mvm_seg_is_code(cs))
		return 0;
	if (cs->type & SEG_TYPE_CONFORMING)
		return cs->dpl > ss->dpl ? -EINVAL : 0;
	return cs->dpl != ss->dpl ? -EINVAL : 0;
}

/* SS, if usable, is writable data (a null SS exists in 64-bit mode). */
static int mvm_sregs_ss_check(const struct minivmm_segment *ss)
{
	if (!mvm_seg_usable(ss))
		return 0;
	if (!ss->s || mvm_seg_is_code(ss) || !(ss->type & SEG_TYPE_RW))
		return -EINVAL;
	return 0;
}

/* DS, ES, FS, GS, if usable: data, or readable code. */
static int mvm_sregs_data_check(const struct minivmm_segment *seg)
{
	if (!mvm_seg_usable(seg))
		return 0;
	if (!seg->s)
		return -EINVAL;
	if (mvm_seg_is_code(seg) && !(seg->type & SEG_TYPE_RW))
		return -EINVAL;
	return 0;
}

/* TR is always a busy TSS (a 16-bit one only outside long mode). */
static int mvm_sregs_tr_check(const struct minivmm_segment *tr, bool lma)
{
	if (!mvm_seg_usable(tr) || tr->s)
		return -EINVAL;
	if (tr->type == SEG_TYPE_TSS_BUSY)
		return 0;
	if (tr->type == SEG_TYPE_TSS16_BUSY && !lma)
		return 0;
	return -EINVAL;
}

static int mvm_sregs_ldt_check(const struct minivmm_segment *ldt)
{
	if (!mvm_seg_usable(ldt))
		return 0;
	if (ldt->s || ldt->type != SEG_TYPE_LDT)
		return -EINVAL;
	return 0;
}

/*
 * The ABI's own rules: padding and reserved fields zero, each field of a
 * segment in its range, bases canonical (a non-canonical base cannot be
 * loaded: VT-x refuses the entry, AMD-V would run with it).
 */
static int mvm_sregs_fields_check(const struct minivmm_sregs *s)
{
	const struct minivmm_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};
	const struct minivmm_dtable *dts[] = { &s->gdt, &s->idt };
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(s->reserved); i++) {
		if (s->reserved[i])
			return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(segs); i++) {
		if (!mvm_x86_seg_fields_valid(segs[i]) ||
		    !mvm_x86_canonical(segs[i]->base))
			return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(dts); i++) {
		for (j = 0; j < ARRAY_SIZE(dts[i]->pad); j++) {
			if (dts[i]->pad[j])
				return -EINVAL;
		}
		if (!mvm_x86_canonical(dts[i]->base))
			return -EINVAL;
	}
	return 0;
}

/*
 * The APIC base MSR's reserved bits (7:0, 9 and those above the physical
 * address width) are clear.
 */
bool mvm_apic_base_valid(u64 apic_base)
{
	u64 reserved = GENMASK_ULL(7, 0) | BIT_ULL(9) |
		       (~0ULL << boot_cpu_data.x86_phys_bits);

	return !(apic_base & reserved);
}

/*
 * 0 or -EINVAL.  Called by the core before ops->set_sregs(), which only
 * translates: a backend adds no check of its own but its hardware's
 * limits on CR4 (ops->cr4_unsupported).
 */
int mvm_sregs_validate(const struct minivmm_sregs *s)
{
	bool pe = s->cr0 & X86_CR0_PE, lma = s->efer & EFER_LMA;
	const struct minivmm_segment *data[] = {
		&s->ds, &s->es, &s->fs, &s->gs,
	};
	unsigned int i;
	int ret;

	ret = mvm_sregs_fields_check(s);
	if (ret)
		return ret;
	ret = mvm_sregs_ctrl_check(s);
	if (ret)
		return ret;
	ret = mvm_sregs_cs_check(s, pe, lma);
	if (ret)
		return ret;
	ret = mvm_sregs_ss_check(&s->ss);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(data); i++) {
		ret = mvm_sregs_data_check(data[i]);
		if (ret)
			return ret;
	}
	ret = mvm_sregs_tr_check(&s->tr, lma);
	if (ret)
		return ret;
	return mvm_sregs_ldt_check(&s->ldt);
}
