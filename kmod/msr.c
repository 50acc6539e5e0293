// SPDX-License-Identifier: GPL-2.0
/*
 * The MSRs a guest may read and write, with their checks.  The
 * same list serves MINIVMM_GET/SET_MSRS.  Anything else is refused: the
 * guest gets #GP, userspace a short count.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr-index.h>

#include "mvm.h"

#define MVM_APIC_BASE_ADDR	0xfee00000ULL
#define MVM_EFER_ALLOWED	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)
#define MVM_MTRR_DEF_ALLOWED	(0xffULL | BIT_ULL(10) | BIT_ULL(11))
#define MVM_MTRR_DEF_RESET	(BIT_ULL(11) | 6)	/* enabled, WB */

/* 48-bit virtual addresses: bits 63:47 all equal. */
static bool mvm_canonical(u64 v)
{
	return (u64)((s64)(v << 16) >> 16) == v;
}

static bool mvm_mem_type_ok(u8 type)
{
	/* UC, WC, WT, WP, WB (and UC- for PAT). */
	return type == 0 || type == 1 || type == 4 || type == 5 || type == 6;
}

static bool mvm_pat_ok(u64 pat)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (8 * i);

		if (!mvm_mem_type_ok(t) && t != 7)
			return false;
	}
	return true;
}

static u64 mvm_apic_base(const struct mvm_vcpu *vcpu)
{
	u64 v = MVM_APIC_BASE_ADDR | MSR_IA32_APICBASE_ENABLE;

	if (!vcpu->id)
		v |= MSR_IA32_APICBASE_BSP;
	return v;
}

static u64 mvm_misc_enable(void)
{
	return MSR_IA32_MISC_ENABLE_FAST_STRING |
	       MSR_IA32_MISC_ENABLE_BTS_UNAVAIL |
	       MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL;
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
}

int mvm_msr_guest_read(struct mvm_vcpu *vcpu, u32 index, u64 *data)
{
	switch (index) {
	case MSR_IA32_APICBASE:
		*data = mvm_apic_base(vcpu);
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*data = mvm_misc_enable();
		return 0;
	case MSR_MTRRcap:
		/* No variable or fixed ranges, no WC. */
		*data = 0;
		return 0;
	case MSR_MTRRdefType:
		*data = vcpu->mtrr_def_type;
		return 0;
	}
	if (!mvm_msr_in_backend(index))
		return -EPERM;
	return mvm_ops->get_msr(vcpu, index, data) ? -EPERM : 0;
}

/* Checks a value the way WRMSR would; true if it would #GP. */
static bool mvm_msr_value_bad(u32 index, u64 data)
{
	switch (index) {
	case MSR_EFER:
		return data & ~MVM_EFER_ALLOWED;
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		return !mvm_canonical(data);
	case MSR_IA32_CR_PAT:
		return !mvm_pat_ok(data);
	default:
		return false;
	}
}

int mvm_msr_guest_write(struct mvm_vcpu *vcpu, u32 index, u64 data)
{
	switch (index) {
	case MSR_IA32_APICBASE:
		/* Fixed: writing the value it has is all that is allowed. */
		return data == mvm_apic_base(vcpu) ? 0 : -EPERM;
	case MSR_IA32_MISC_ENABLE:
		return data == mvm_misc_enable() ? 0 : -EPERM;
	case MSR_MTRRcap:
		return -EPERM;
	case MSR_MTRRdefType:
		if ((data & ~MVM_MTRR_DEF_ALLOWED) ||
		    !mvm_mem_type_ok(data & 0xff))
			return -EPERM;
		vcpu->mtrr_def_type = data;
		return 0;
	}
	if (!mvm_msr_in_backend(index) || mvm_msr_value_bad(index, data))
		return -EPERM;
	return mvm_ops->set_msr(vcpu, index, data) ? -EPERM : 0;
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
		if (mvm_msr_guest_read(vcpu, e[i].index, &e[i].data))
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
		if (mvm_msr_guest_write(vcpu, e[i].index, e[i].data))
			break;
	}
	kfree(e);
	return i;
}
