/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Translate a guest-virtual (linear) address to a guest-physical one
 * through the guest's own page tables.
 *
 * Pure logic: the tables are read through a callback, so the same source
 * builds in the kernel (guest_walk.c reads guest memory) and in userspace
 * (the unit test reads a fake memory).
 */
#ifndef MVM_X86_WALK_H
#define MVM_X86_WALK_H

#include "x86_types.h"

/* The guest state a walk depends on. */
struct mvm_walk_regs {
	u64 cr0, cr3, cr4, efer;
	u8 cpl;
};

/* What the access does: bits of @access. */
#define MVM_WALK_WRITE		BIT(0)
#define MVM_WALK_FETCH		BIT(1)

/*
 * Reads the @size-byte (4 or 8) little-endian table entry at guest-physical
 * @gpa into @val.  Returns 0 or a negative errno.
 */
typedef int (*mvm_walk_read_t)(void *ctx, u64 gpa, unsigned int size,
			       u64 *val);

/*
 * Sets *@gpa for @gva.  Returns 0, -EFAULT when the guest would take a
 * page fault (not present, reserved bit, a right missing, non-canonical),
 * or what @read returned.  The walk never sets accessed or dirty bits.
 */
int mvm_walk_translate(const struct mvm_walk_regs *regs, u64 gva,
		       unsigned int access, mvm_walk_read_t read, void *ctx,
		       u64 *gpa);

#endif /* MVM_X86_WALK_H */
