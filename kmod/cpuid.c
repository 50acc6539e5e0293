// SPDX-License-Identifier: GPL-2.0
/*
 * The CPUID table userspace sets and guest CPUID reads.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "mvm.h"

__mvm_exit_path const struct minivmm_cpuid_entry *
mvm_cpuid_find(const struct mvm_vcpu *vcpu, u32 function, u32 index)
{
	u32 i;

	for (i = 0; i < vcpu->cpuid_nent; i++) {
		const struct minivmm_cpuid_entry *e = &vcpu->cpuid[i];

		if (e->function != function)
			continue;
		if ((e->flags & MINIVMM_CPUID_SIGNIFICANT_INDEX) &&
		    e->index != index)
			continue;
		return e;
	}
	return NULL;
}

/* Called from MINIVMM_RUN under vcpu->mutex: the table cannot change. */
void __mvm_exit_path mvm_cpuid_emulate(struct mvm_vcpu *vcpu)
{
	const struct minivmm_cpuid_entry *e;

	e = mvm_cpuid_find(vcpu, (u32)vcpu->gprs[MVM_RAX],
			   (u32)vcpu->gprs[MVM_RCX]);
	/* A 32-bit result zero-extends into the 64-bit register. */
	vcpu->gprs[MVM_RAX] = e ? e->eax : 0;
	vcpu->gprs[MVM_RBX] = e ? e->ebx : 0;
	vcpu->gprs[MVM_RCX] = e ? e->ecx : 0;
	vcpu->gprs[MVM_RDX] = e ? e->edx : 0;
}

long mvm_vcpu_set_cpuid(struct mvm_vcpu *vcpu, void __user *uaddr)
{
	struct minivmm_cpuid __user *ucpuid = uaddr;
	struct minivmm_cpuid_entry *table = NULL;
	struct minivmm_cpuid hdr;
	u32 i;

	if (copy_from_user(&hdr, ucpuid, sizeof(hdr)))
		return -EFAULT;
	if (hdr.pad || hdr.nent > MVM_MAX_CPUID)
		return -EINVAL;

	if (hdr.nent) {
		/* Kept as long as the vCPU: charged to its owner's cgroup. */
		table = kvmalloc_array(hdr.nent, sizeof(*table),
				       GFP_KERNEL_ACCOUNT);
		if (!table)
			return -ENOMEM;
		if (copy_from_user(table, ucpuid->entries,
				   array_size(hdr.nent, sizeof(*table)))) {
			kvfree(table);
			return -EFAULT;
		}
	}

	for (i = 0; i < hdr.nent; i++) {
		if ((table[i].flags & ~MINIVMM_CPUID_SIGNIFICANT_INDEX) ||
		    table[i].pad) {
			kvfree(table);
			return -EINVAL;
		}
	}

	kvfree(vcpu->cpuid);
	vcpu->cpuid = table;
	vcpu->cpuid_nent = hdr.nent;
	return 0;
}
