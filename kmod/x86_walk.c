// SPDX-License-Identifier: GPL-2.0
/*
 * The guest page-table walk of every paging mode: none,
 * 32-bit (4 KiB, and 4 MiB pages with CR4.PSE), PAE (4 KiB, 2 MiB) and
 * 4/5-level long mode (4 KiB, 2 MiB, 1 GiB).  See x86_walk.h.
 *
 * Limits, on purpose: the PAE PDPTEs are read from memory at CR3 (the CPU
 * uses the copies it loaded with CR3; a guest that changes them without
 * reloading CR3 sees a difference), MAXPHYADDR reserved bits and SMAP are
 * not checked, and accessed/dirty bits are not set.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#else
#include <errno.h>
#endif
#include "x86_walk.h"

#define WALK_CR0_WP		BIT_ULL(16)
#define WALK_CR0_PG		BIT_ULL(31)
#define WALK_CR4_PSE		BIT_ULL(4)
#define WALK_CR4_PAE		BIT_ULL(5)
#define WALK_CR4_LA57		BIT_ULL(12)
#define WALK_CR4_SMEP		BIT_ULL(20)
#define WALK_EFER_LMA		BIT_ULL(10)
#define WALK_EFER_NXE		BIT_ULL(11)

#define WALK_PTE_P		BIT_ULL(0)
#define WALK_PTE_RW		BIT_ULL(1)
#define WALK_PTE_US		BIT_ULL(2)
#define WALK_PTE_PS		BIT_ULL(7)
#define WALK_PTE_NX		BIT_ULL(63)
#define WALK_PTE_ADDR		0x000ffffffffff000ULL	/* bits 51:12 */

/* The page found and the rights of all the entries on the way to it. */
struct walk_result {
	u64 base;		/* guest-physical address of the page */
	u64 size;		/* page size */
	bool rw, us, nx;
};

static int __mvm_exit_path entry_read(mvm_walk_read_t read, void *ctx, u64 gpa,
				      unsigned int size, u64 *pte)
{
	int ret;

	ret = read(ctx, gpa, size, pte);
	if (ret)
		return ret;
	return (*pte & WALK_PTE_P) ? 0 : -EFAULT;
}

/* 32-bit paging: 2 levels of 4-byte entries. */
static int __mvm_exit_path walk32(const struct mvm_walk_regs *regs, u32 gva,
				  mvm_walk_read_t read, void *ctx, struct walk_result *res)
{
	u64 pde, pte;
	int ret;

	ret = entry_read(read, ctx, (regs->cr3 & 0xfffff000) +
			 ((gva >> 22) & 0x3ff) * 4, 4, &pde);
	if (ret)
		return ret;
	res->rw = pde & WALK_PTE_RW;
	res->us = pde & WALK_PTE_US;
	res->nx = false;
	if ((pde & WALK_PTE_PS) && (regs->cr4 & WALK_CR4_PSE)) {
		/* PSE-36: PDE bits 20:13 are physical address bits 39:32. */
		res->base = (pde & 0xffc00000) | (((pde >> 13) & 0xff) << 32);
		res->size = 1ULL << 22;
		return 0;
	}
	ret = entry_read(read, ctx, (pde & 0xfffff000) +
			 ((gva >> 12) & 0x3ff) * 4, 4, &pte);
	if (ret)
		return ret;
	res->rw = res->rw && (pte & WALK_PTE_RW);
	res->us = res->us && (pte & WALK_PTE_US);
	res->base = pte & 0xfffff000;
	res->size = 1ULL << 12;
	return 0;
}

/*
 * PAE (3 levels, a 4-entry PDPT) and long mode (4 or 5 levels): 8-byte
 * entries, 9 bits of address a level.
 */
static int __mvm_exit_path walk64(const struct mvm_walk_regs *regs, u64 gva,
				  mvm_walk_read_t read, void *ctx, struct walk_result *res)
{
	bool lma = regs->efer & WALK_EFER_LMA;
	bool nxe = regs->efer & WALK_EFER_NXE;
	unsigned int level, levels;
	u64 table, pte;
	int ret;

	if (lma) {
		unsigned int bits = (regs->cr4 & WALK_CR4_LA57) ? 57 : 48;
		u64 top = (u64)((s64)(gva << (64 - bits)) >> (64 - bits));

		/* Non-canonical: #GP in the guest; a fault for us. */
		if (top != gva)
			return -EFAULT;
		levels = (regs->cr4 & WALK_CR4_LA57) ? 5 : 4;
		table = regs->cr3 & WALK_PTE_ADDR;
	} else {
		levels = 3;
		table = regs->cr3 & 0xffffffe0;
		gva &= 0xffffffff;
	}

	res->rw = true;
	res->us = true;
	res->nx = false;
	for (level = levels; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		u64 idx = (gva >> shift) & 0x1ff;

		ret = entry_read(read, ctx, table + idx * 8, 8, &pte);
		if (ret)
			return ret;
		/* XD is a reserved bit unless EFER.NXE. */
		if ((pte & WALK_PTE_NX) && !nxe)
			return -EFAULT;
		/* The PAE PDPTEs carry no rights (those bits are reserved). */
		if (lma || level != 3) {
			res->rw = res->rw && (pte & WALK_PTE_RW);
			res->us = res->us && (pte & WALK_PTE_US);
			res->nx = res->nx || (pte & WALK_PTE_NX);
		}
		if (level == 1) {
			res->base = pte & WALK_PTE_ADDR;
			res->size = 1ULL << 12;
			return 0;
		}
		if (pte & WALK_PTE_PS) {
			/* 2 MiB (level 2) or, in long mode, 1 GiB pages only. */
			if (level > 3 || (level == 3 && !lma))
				return -EFAULT;
			res->size = 1ULL << shift;
			res->base = pte & WALK_PTE_ADDR & ~(res->size - 1);
			return 0;
		}
		table = pte & WALK_PTE_ADDR;
	}
	return -EFAULT;		/* not reached: level 1 always returns */
}

int __mvm_exit_path mvm_walk_translate(const struct mvm_walk_regs *regs, u64 gva,
				       unsigned int access, mvm_walk_read_t read, void *ctx,
				       u64 *gpa)
{
	bool user = regs->cpl == 3;
	struct walk_result res;
	int ret;

	if (!(regs->cr0 & WALK_CR0_PG)) {
		/* No paging is possible only outside long mode: 32 bits. */
		*gpa = gva & 0xffffffff;
		return 0;
	}
	if (regs->cr4 & WALK_CR4_PAE)
		ret = walk64(regs, gva, read, ctx, &res);
	else
		ret = walk32(regs, (u32)gva, read, ctx, &res);
	if (ret)
		return ret;

	if (user && !res.us)
		return -EFAULT;
	/* Supervisor writes ignore R/W unless CR0.WP. */
	if ((access & MVM_WALK_WRITE) && !res.rw &&
	    (user || (regs->cr0 & WALK_CR0_WP)))
		return -EFAULT;
	if (access & MVM_WALK_FETCH) {
		if (res.nx)
			return -EFAULT;
		if (!user && res.us && (regs->cr4 & WALK_CR4_SMEP))
			return -EFAULT;
	}
	*gpa = res.base + (gva & (res.size - 1));
	return 0;
}
