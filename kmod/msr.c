// SPDX-License-Identifier: GPL-2.0
/*
 * The MSRs a guest may read and write, with their checks.  The
 * same list serves MINIVMM_GET/SET_MSRS.  Anything else is refused: the
 * guest gets #GP (with a rate-limited trace), userspace a short count.
 *
 * The list covers what a Linux guest touches with the non-"safe" MSR
 * accessors, where a #GP would be an "unchecked MSR access" splat:
 * the syscall and segment-base MSRs, TSC, PAT, MTRRs, MISC_ENABLE,
 * microcode revision, MCG_CAP/STATUS (no banks), SPEC_CTRL/PRED_CMD when
 * the host has them, and the AMD configuration MSRs that family checks
 * read (HWCR, SYSCFG, INT_PENDING_MSG, DE_CFG, OSVW).  With an in-kernel
 * irqchip the LAPIC answers APIC_BASE, x2APIC and TSC_DEADLINE first.
 *
 * IA32_FEATURE_CONTROL and AMD's VM_CR stay #GP: Linux reads them with
 * rdmsrl_safe() and then treats VMX/SVM as off, which they are for the
 * guest (isolation_test checks that they are unreachable).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>

#include "mvm.h"
#include "x86.h"
#include "lapic.h"

#define MVM_MTRR_DEF_ALLOWED	(0xffULL | BIT_ULL(10) | BIT_ULL(11))
#define MVM_MTRR_DEF_RESET	(BIT_ULL(11) | 6)	/* enabled, WB */

/* MTRRcap: VCNT variable ranges, fixed ranges (bit 8), WC (bit 10). */
#define MVM_MTRR_CAP		(MVM_MTRR_VAR | BIT_ULL(8) | BIT_ULL(10))
#define MVM_MTRR_VAR_FIRST	0x200	/* MTRRphysBase0 */
#define MVM_MTRR_MASK_VALID	BIT_ULL(11)

/* What MISC_ENABLE says at reset and what a guest may change. */
#define MVM_MISC_ENABLE_RESET	(MSR_IA32_MISC_ENABLE_FAST_STRING | \
				 MSR_IA32_MISC_ENABLE_BTS_UNAVAIL | \
				 MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL)
#define MVM_MISC_ENABLE_RW	MSR_IA32_MISC_ENABLE_FAST_STRING

/* The microcode revision a guest sees (bits 63:32). */
#define MVM_UCODE_REV		BIT_ULL(32)

/*
 * AMD HWCR: TscFreqSel (bit 24, read-only, "TSC counts at P0") is what
 * Linux checks; FFDIS (6), McStatusWrEn (18) and IRPERF_EN (30) may be
 * written and are only stored.
 */
#define MVM_HWCR_RESET		BIT_ULL(24)
#define MVM_HWCR_RW		(BIT_ULL(6) | BIT_ULL(18) | BIT_ULL(30))

/* AMD DE_CFG: LFENCE is dispatch serializing (bit 1), fixed. */
#define MVM_DE_CFG		BIT_ULL(1)

/* Hardware immunities the guest may see from the host's ARCH_CAPABILITIES. */
#define MVM_ARCH_CAP_PASS	(ARCH_CAP_RDCL_NO | ARCH_CAP_SSB_NO | \
				 ARCH_CAP_MDS_NO | ARCH_CAP_PSCHANGE_MC_NO | \
				 ARCH_CAP_TAA_NO)

static bool mvm_mem_type_ok(u8 type)
{
	/* UC, WC, WT, WP, WB: the MTRR memory types. */
	return type == 0 || type == 1 || type == 4 || type == 5 || type == 6;
}

/* Eight memory types, one a byte, as in the fixed-range MTRRs. */
static bool mvm_mtrr_fixed_ok(u64 v)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		if (!mvm_mem_type_ok(v >> (8 * i)))
			return false;
	}
	return true;
}

/*
 * Index into mtrr_fixed[] of a fixed-range MTRR MSR, or -1: 0x250 (64K
 * at 0), 0x258 and 0x259 (16K at 0x80000, 0xa0000), 0x268-0x26f (4K
 * from 0xc0000).
 */
static int mvm_mtrr_fixed_index(u32 index)
{
	switch (index) {
	case 0x250:
		return 0;
	case 0x258 ... 0x259:
		return 1 + index - 0x258;
	case 0x268 ... 0x26f:
		return 3 + index - 0x268;
	default:
		return -1;
	}
}

static bool mvm_mtrr_is_var(u32 index)
{
	return index >= MVM_MTRR_VAR_FIRST &&
	       index < MVM_MTRR_VAR_FIRST + 2 * MVM_MTRR_VAR;
}

/* PhysBase: type in 7:0, 11:8 reserved; PhysMask: 10:0 reserved. */
static bool mvm_mtrr_var_ok(u32 index, u64 v)
{
	u64 rsvd = ~0ULL << boot_cpu_data.x86_phys_bits;

	if ((index - MVM_MTRR_VAR_FIRST) & 1)
		return !(v & (rsvd | GENMASK_ULL(10, 0)));
	return !(v & (rsvd | GENMASK_ULL(11, 8))) && mvm_mem_type_ok(v);
}

static u64 mvm_spec_ctrl_valid(void)
{
	u64 valid = SPEC_CTRL_IBRS;

	if (boot_cpu_has(X86_FEATURE_STIBP))
		valid |= SPEC_CTRL_STIBP;
	if (boot_cpu_has(X86_FEATURE_SSBD))
		valid |= SPEC_CTRL_SSBD;
	if (boot_cpu_has(X86_FEATURE_RRSBA_CTRL))
		valid |= SPEC_CTRL_RRSBA_DIS_S;
	if (boot_cpu_has(X86_FEATURE_BHI_CTRL))
		valid |= SPEC_CTRL_BHI_DIS_S;
	return valid;
}

/* CPUID bits that give a guest the SPEC_CTRL bits (SDM, APM). */
#define MVM_CPUID7_EDX_IBRS	BIT(26)		/* leaf 7.0 EDX */
#define MVM_CPUID7_EDX_STIBP	BIT(27)
#define MVM_CPUID7_EDX_SSBD	BIT(31)
#define MVM_CPUID7_2_EDX_RRSBA	BIT(2)		/* leaf 7.2 EDX */
#define MVM_CPUID7_2_EDX_BHI	BIT(4)
#define MVM_CPUIDE8_EBX_IBRS	BIT(14)		/* leaf 0x80000008 EBX */
#define MVM_CPUIDE8_EBX_STIBP	BIT(15)
#define MVM_CPUIDE8_EBX_SSBD	BIT(24)

static u32 mvm_cpuid_reg(const struct mvm_vcpu *vcpu, u32 function,
			 u32 index, bool edx)
{
	const struct minivmm_cpuid_entry *e;

	e = mvm_cpuid_find(vcpu, function, index);
	if (!e)
		return 0;
	return edx ? e->edx : e->ebx;
}

/*
 * The SPEC_CTRL bits a guest WRMSR may set: the host's, limited to what
 * the VMM's CPUID table advertises; any other bit is reserved for this
 * guest and #GPs, as on a CPU with that CPUID.
 */
static u64 mvm_spec_ctrl_guest_valid(const struct mvm_vcpu *vcpu)
{
	u32 l7 = mvm_cpuid_reg(vcpu, 7, 0, true);
	u32 l7_2 = mvm_cpuid_reg(vcpu, 7, 2, true);
	u32 e8 = mvm_cpuid_reg(vcpu, 0x80000008, 0, false);
	u64 valid = 0;

	if ((l7 & MVM_CPUID7_EDX_IBRS) || (e8 & MVM_CPUIDE8_EBX_IBRS))
		valid |= SPEC_CTRL_IBRS;
	if ((l7 & MVM_CPUID7_EDX_STIBP) || (e8 & MVM_CPUIDE8_EBX_STIBP))
		valid |= SPEC_CTRL_STIBP;
	if ((l7 & MVM_CPUID7_EDX_SSBD) || (e8 & MVM_CPUIDE8_EBX_SSBD))
		valid |= SPEC_CTRL_SSBD;
	if (l7_2 & MVM_CPUID7_2_EDX_RRSBA)
		valid |= SPEC_CTRL_RRSBA_DIS_S;
	if (l7_2 & MVM_CPUID7_2_EDX_BHI)
		valid |= SPEC_CTRL_BHI_DIS_S;
	return valid & mvm_spec_ctrl_valid();
}

static u64 mvm_arch_capabilities(void)
{
	u64 v;

	if (rdmsrl_safe(MSR_IA32_ARCH_CAPABILITIES, &v))
		return 0;
	return v & MVM_ARCH_CAP_PASS;
}

static bool mvm_msr_in_backend(u32 index)
{
	switch (index) {
	case MSR_EFER:
	case MSR_STAR:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_SYSCALL_MASK:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_IA32_SYSENTER_CS:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
	case MSR_IA32_CR_PAT:
	case MSR_IA32_TSC:
		return true;
	default:
		return false;
	}
}

void mvm_msr_vcpu_init(struct mvm_vcpu *vcpu)
{
	vcpu->mtrr_def_type = MVM_MTRR_DEF_RESET;
	vcpu->msrs.misc_enable = MVM_MISC_ENABLE_RESET;
	vcpu->msrs.hwcr = MVM_HWCR_RESET;
}

/* The MSRs the core itself keeps: 0, -ENOENT (not one of them), -EPERM. */
static int mvm_msr_core_read(struct mvm_vcpu *vcpu, u32 index, u64 *data)
{
	struct mvm_msr_state *m = &vcpu->msrs;
	int i;

	switch (index) {
	case MSR_IA32_APICBASE:
		*data = vcpu->apic_base;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*data = m->misc_enable;
		return 0;
	case MSR_MTRRcap:
		*data = MVM_MTRR_CAP;
		return 0;
	case MSR_MTRRdefType:
		*data = vcpu->mtrr_def_type;
		return 0;
	case MSR_IA32_TSC_ADJUST:
		*data = m->tsc_adjust;
		return 0;
	case MSR_TSC_AUX:
		*data = m->tsc_aux;
		return 0;
	case MSR_IA32_UCODE_REV:
		*data = MVM_UCODE_REV;
		return 0;
	case MSR_IA32_PLATFORM_ID:
	case MSR_IA32_MCG_CAP:		/* no banks, no MCG_CTL */
	case MSR_IA32_MCG_STATUS:
	case MSR_IA32_DEBUGCTLMSR:
	case MSR_AMD64_SYSCFG:		/* no SME, no MTRR fixed DRAM bits */
	case MSR_K8_INT_PENDING_MSG:	/* no C1E */
	case MSR_AMD64_OSVW_ID_LENGTH:	/* no OS-visible errata */
	case MSR_AMD64_OSVW_STATUS:
		*data = 0;
		return 0;
	case MSR_K7_HWCR:
		*data = m->hwcr;
		return 0;
	case MSR_AMD64_DE_CFG:
		*data = MVM_DE_CFG;
		return 0;
	case MSR_IA32_ARCH_CAPABILITIES:
		if (!boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
			return -EPERM;
		*data = mvm_arch_capabilities();
		return 0;
	case MSR_IA32_SPEC_CTRL:
		if (!boot_cpu_has(X86_FEATURE_MSR_SPEC_CTRL))
			return -EPERM;
		*data = m->spec_ctrl;
		return 0;
	}
	if (mvm_mtrr_is_var(index)) {
		*data = m->mtrr_var[index - MVM_MTRR_VAR_FIRST];
		return 0;
	}
	i = mvm_mtrr_fixed_index(index);
	if (i >= 0) {
		*data = m->mtrr_fixed[i];
		return 0;
	}
	return -ENOENT;
}

static int mvm_msr_read(struct mvm_vcpu *vcpu, u32 index, u64 *data)
{
	int r;

	if (vcpu->lapic && mvm_lapic_msr_read(vcpu, index, data, &r))
		return r ? -EPERM : 0;
	r = mvm_msr_core_read(vcpu, index, data);
	if (r != -ENOENT)
		return r;
	if (!mvm_msr_in_backend(index))
		return -EPERM;
	return mvm_ops->get_msr(vcpu, index, data) ? -EPERM : 0;
}

/* Checks a value the way WRMSR would; true if it would #GP. */
static bool mvm_msr_value_bad(u32 index, u64 data)
{
	switch (index) {
	case MSR_EFER:
		return data & ~mvm_efer_valid();
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		return !mvm_x86_canonical(data);
	case MSR_IA32_CR_PAT:
		return !mvm_x86_pat_valid(data);
	case MSR_IA32_SYSENTER_CS:
	case MSR_SYSCALL_MASK:
		return data >> 32;
	default:
		return false;
	}
}

/*
 * A guest's TSC_ADJUST write moves the TSC by the same amount (SDM vol.
 * 3B, 18.17.3); userspace restoring the value just sets it.
 */
static int mvm_tsc_adjust_write(struct mvm_vcpu *vcpu, u64 data, bool guest)
{
	u64 tsc;

	if (guest && data != vcpu->msrs.tsc_adjust) {
		if (mvm_ops->get_msr(vcpu, MSR_IA32_TSC, &tsc) ||
		    mvm_ops->set_msr(vcpu, MSR_IA32_TSC,
				     tsc + data - vcpu->msrs.tsc_adjust))
			return -EPERM;
	}
	vcpu->msrs.tsc_adjust = data;
	return 0;
}

/* And a guest's TSC write moves TSC_ADJUST likewise. */
static int mvm_tsc_write(struct mvm_vcpu *vcpu, u64 data, bool guest)
{
	u64 old = 0;

	if (guest && mvm_ops->get_msr(vcpu, MSR_IA32_TSC, &old))
		return -EPERM;
	if (mvm_ops->set_msr(vcpu, MSR_IA32_TSC, data))
		return -EPERM;
	if (guest)
		vcpu->msrs.tsc_adjust += data - old;
	return 0;
}

/* IBPB is done for real: it is cheap and the guest relies on it. */
static int mvm_pred_cmd_write(u64 data)
{
	if (data & ~(u64)PRED_CMD_IBPB)
		return -EPERM;
	if (data)
		wrmsrl(MSR_IA32_PRED_CMD, PRED_CMD_IBPB);
	return 0;
}

static int mvm_msr_core_write(struct mvm_vcpu *vcpu, u32 index, u64 data,
			      bool guest)
{
	struct mvm_msr_state *m = &vcpu->msrs;
	int i;

	switch (index) {
	case MSR_IA32_APICBASE:
		/* Fixed: writing the value it has is all that is allowed. */
		return data == vcpu->apic_base ? 0 : -EPERM;
	case MSR_IA32_MISC_ENABLE:
		if ((data ^ m->misc_enable) & ~MVM_MISC_ENABLE_RW)
			return -EPERM;
		m->misc_enable = data;
		return 0;
	case MSR_MTRRdefType:
		if ((data & ~MVM_MTRR_DEF_ALLOWED) ||
		    !mvm_mem_type_ok(data & 0xff))
			return -EPERM;
		vcpu->mtrr_def_type = data;
		return 0;
	case MSR_IA32_TSC_ADJUST:
		return mvm_tsc_adjust_write(vcpu, data, guest);
	case MSR_IA32_TSC:
		return mvm_tsc_write(vcpu, data, guest);
	case MSR_TSC_AUX:
		if (data >> 32)
			return -EPERM;
		m->tsc_aux = data;
		return 0;
	case MSR_IA32_UCODE_REV:
		/* Linux writes 0 before CPUID to latch the revision. */
		return 0;
	case MSR_IA32_MCG_STATUS:
	case MSR_IA32_DEBUGCTLMSR:
	case MSR_AMD64_SYSCFG:
		/* Only their reset value, 0, may be written back. */
		return data ? -EPERM : 0;
	case MSR_K7_HWCR:
		if ((data ^ m->hwcr) & ~MVM_HWCR_RW)
			return -EPERM;
		m->hwcr = data;
		return 0;
	case MSR_AMD64_DE_CFG:
		return data == MVM_DE_CFG ? 0 : -EPERM;
	case MSR_IA32_SPEC_CTRL:
		/* Userspace may set what the host has (saved state). */
		if (!boot_cpu_has(X86_FEATURE_MSR_SPEC_CTRL) ||
		    (data & ~(guest ? mvm_spec_ctrl_guest_valid(vcpu) :
			      mvm_spec_ctrl_valid())))
			return -EPERM;
		m->spec_ctrl = data;
		return 0;
	case MSR_IA32_PRED_CMD:
		if (!boot_cpu_has(X86_FEATURE_IBPB))
			return -EPERM;
		return mvm_pred_cmd_write(data);
	}
	if (mvm_mtrr_is_var(index)) {
		if (!mvm_mtrr_var_ok(index, data))
			return -EPERM;
		m->mtrr_var[index - MVM_MTRR_VAR_FIRST] = data;
		return 0;
	}
	i = mvm_mtrr_fixed_index(index);
	if (i >= 0) {
		if (!mvm_mtrr_fixed_ok(data))
			return -EPERM;
		m->mtrr_fixed[i] = data;
		return 0;
	}
	return -ENOENT;
}

/* EFER: LMA is the CPU's to set; LME may not change while paging is on. */
static int mvm_efer_write(struct mvm_vcpu *vcpu, u64 data)
{
	u64 old;

	if (mvm_ops->get_msr(vcpu, MSR_EFER, &old))
		return -EPERM;
	if ((mvm_call(get_cr)(vcpu, 0) & X86_CR0_PG) &&
	    ((data ^ old) & EFER_LME))
		return -EPERM;
	data = (data & ~EFER_LMA) | (old & EFER_LMA);
	return mvm_ops->set_msr(vcpu, MSR_EFER, data) ? -EPERM : 0;
}

static int mvm_msr_write(struct mvm_vcpu *vcpu, u32 index, u64 data,
			 bool guest)
{
	int r;

	if (vcpu->lapic && mvm_lapic_msr_write(vcpu, index, data, &r))
		return r ? -EPERM : 0;
	r = mvm_msr_core_write(vcpu, index, data, guest);
	if (r != -ENOENT)
		return r;
	if (!mvm_msr_in_backend(index) || mvm_msr_value_bad(index, data))
		return -EPERM;
	if (index == MSR_EFER)
		return mvm_efer_write(vcpu, data);
	return mvm_ops->set_msr(vcpu, index, data) ? -EPERM : 0;
}

int mvm_msr_guest_read(struct mvm_vcpu *vcpu, u32 index, u64 *data)
{
	int r = mvm_msr_read(vcpu, index, data);

	if (r)
		pr_info_ratelimited("vcpu %u: rdmsr 0x%x at rip 0x%lx: #GP\n",
				    vcpu->id, index, vcpu->rip);
	return r;
}

int mvm_msr_guest_write(struct mvm_vcpu *vcpu, u32 index, u64 data)
{
	int r = mvm_msr_write(vcpu, index, data, true);

	if (r)
		pr_info_ratelimited("vcpu %u: wrmsr 0x%x <- 0x%llx at rip 0x%lx: #GP\n",
				    vcpu->id, index, data, vcpu->rip);
	return r;
}

/* Copies in the list and checks it; the caller kfree()s *entries. */
static long mvm_msrs_copy_in(void __user *uaddr,
			     struct minivmm_msr_entry **entries)
{
	struct minivmm_msrs __user *umsrs = uaddr;
	struct minivmm_msr_entry *e;
	struct minivmm_msrs hdr;
	u32 i;

	*entries = NULL;
	if (copy_from_user(&hdr, umsrs, sizeof(hdr)))
		return -EFAULT;
	if (hdr.pad || hdr.nmsrs > MVM_MAX_MSRS)
		return -EINVAL;
	if (!hdr.nmsrs)
		return 0;

	e = memdup_user(umsrs->entries, array_size(hdr.nmsrs, sizeof(*e)));
	if (IS_ERR(e))
		return PTR_ERR(e);
	for (i = 0; i < hdr.nmsrs; i++) {
		if (e[i].reserved) {
			kfree(e);
			return -EINVAL;
		}
	}
	*entries = e;
	return hdr.nmsrs;
}

long mvm_vcpu_get_msrs(struct mvm_vcpu *vcpu, void __user *uaddr)
{
	struct minivmm_msrs __user *umsrs = uaddr;
	struct minivmm_msr_entry *e;
	long n, i;

	n = mvm_msrs_copy_in(uaddr, &e);
	if (n <= 0)
		return n;
	for (i = 0; i < n; i++) {
		if (mvm_msr_read(vcpu, e[i].index, &e[i].data))
			break;
	}
	if (copy_to_user(umsrs->entries, e, i * sizeof(*e)))
		i = -EFAULT;
	kfree(e);
	return i;
}

long mvm_vcpu_set_msrs(struct mvm_vcpu *vcpu, void __user *uaddr)
{
	struct minivmm_msr_entry *e;
	long n, i;

	n = mvm_msrs_copy_in(uaddr, &e);
	if (n <= 0)
		return n;
	for (i = 0; i < n; i++) {
		if (mvm_msr_write(vcpu, e[i].index, e[i].data, false))
			break;
	}
	kfree(e);
	return i;
}
