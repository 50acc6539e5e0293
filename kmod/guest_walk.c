// SPDX-License-Identifier: GPL-2.0
/*
 * Read and write guest-virtual memory: each page is
 * translated through the guest's page tables (x86_walk.c) with the
 * paging state the backend reports, then copied with the core's
 * guest-physical helpers.
 *
 * Reads are checked as data reads, not fetches (no NX/SMEP check): the
 * callers read code the CPU has already fetched (MMIO decoding) or the
 * memory operand of a string IO instruction.
 */
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <asm/byteorder.h>
#include "mvm.h"
#include "x86_walk.h"

/* Reads one guest page-table entry; the tables must be in RAM slots. */
static int __mvm_exit_path guest_pte_read(void *ctx, u64 gpa, unsigned int size, u64 *val)
{
	struct mvm_vcpu *vcpu = ctx;
	__le64 pte = 0;
	int ret;

	ret = mvm_read_guest_phys(vcpu->vm, gpa, &pte, size);
	if (ret == -EAGAIN)
		vcpu->fault_gpa = gpa;
	if (ret)
		return ret;
	*val = le64_to_cpu(pte);
	return 0;
}

/*
 * Copies @len bytes between @buf and the guest-virtual range at @gva, a
 * page at a time (each page has its own translation).  A fault on any
 * page fails the whole access with -EFAULT, after the pages before it
 * were copied; -EAGAIN (vcpu->fault_gpa set) where a page or a page table
 * is RAM not pinned yet: the caller pins it and repeats the access.
 */
static int __mvm_exit_path guest_virt_copy(struct mvm_vcpu *vcpu,
					   const struct mvm_paging *pg, u64 gva, void *buf,
					   unsigned int len, bool write)
{
	struct mvm_walk_regs regs;
	int ret;

	mvm_spec_l1d_taint(vcpu);
	regs.cr0 = pg->cr0;
	regs.cr3 = pg->cr3;
	regs.cr4 = pg->cr4;
	regs.efer = pg->efer;
	regs.cpl = pg->cpl;

	while (len) {
		unsigned int n = min_t(u64, len, PAGE_SIZE - offset_in_page(gva));
		u64 gpa;

		ret = mvm_walk_translate(&regs, gva,
					 write ? MVM_WALK_WRITE : 0,
					 guest_pte_read, vcpu, &gpa);
		if (ret)
			return ret == -EAGAIN ? ret : -EFAULT;
		if (write)
			ret = mvm_write_guest_phys(vcpu->vm, gpa, buf, n);
		else
			ret = mvm_read_guest_phys(vcpu->vm, gpa, buf, n);
		if (ret == -EAGAIN)
			vcpu->fault_gpa = gpa;
		if (ret)
			return ret == -EAGAIN ? ret : -EFAULT;
		buf += n;
		gva += n;
		len -= n;
	}
	return 0;
}

int __mvm_exit_path mvm_read_guest_virt_pg(struct mvm_vcpu *vcpu, const struct mvm_paging *pg,
					   u64 gva, void *buf, unsigned int len)
{
	return guest_virt_copy(vcpu, pg, gva, buf, len, false);
}

int __mvm_exit_path mvm_read_guest_virt(struct mvm_vcpu *vcpu, u64 gva, void *buf,
					unsigned int len)
{
	struct mvm_paging pg;

	mvm_call(get_paging)(vcpu, &pg);
	return guest_virt_copy(vcpu, &pg, gva, buf, len, false);
}

int __mvm_exit_path mvm_write_guest_virt(struct mvm_vcpu *vcpu, u64 gva, const void *buf,
					 unsigned int len)
{
	struct mvm_paging pg;

	mvm_call(get_paging)(vcpu, &pg);
	return guest_virt_copy(vcpu, &pg, gva, (void *)buf, len, true);
}
