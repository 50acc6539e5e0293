// SPDX-License-Identifier: GPL-2.0
/*
 * Architectural rules shared by the core and both backends (see x86.h).
 * Builds in the kernel and, for the host unit tests, in userspace.
 */
#include "x86.h"
#include "../include/minivmm.h"

enum mvm_exc_class mvm_exc_class(u8 vector)
{
	switch (vector) {
	case MVM_X86_DE:
	case MVM_X86_TS:
	case MVM_X86_NP:
	case MVM_X86_SS:
	case MVM_X86_GP:
	case MVM_X86_CP:
		return MVM_EXC_CONTRIBUTORY;
	case MVM_X86_PF:
	case MVM_X86_VE:
		return MVM_EXC_PAGE_FAULT;
	default:
		return MVM_EXC_BENIGN;
	}
}

int mvm_exc_merge(u8 first, u8 second)
{
	enum mvm_exc_class c1 = mvm_exc_class(first);
	enum mvm_exc_class c2 = mvm_exc_class(second);

	if (first == MVM_X86_DF)
		return c2 == MVM_EXC_BENIGN ? second : MVM_EXC_TRIPLE_FAULT;
	/* Table 6-5: the two non-serial cells of each row. */
	if (c1 == MVM_EXC_CONTRIBUTORY && c2 == MVM_EXC_CONTRIBUTORY)
		return MVM_X86_DF;
	if (c1 == MVM_EXC_PAGE_FAULT && c2 != MVM_EXC_BENIGN)
		return MVM_X86_DF;
	return second;
}

bool mvm_exc_has_error(u8 vector)
{
	switch (vector) {
	case MVM_X86_DF:
	case MVM_X86_TS:
	case MVM_X86_NP:
	case MVM_X86_SS:
	case MVM_X86_GP:
	case MVM_X86_PF:
	case MVM_X86_AC:
	case MVM_X86_CP:
		return true;
	default:
		return false;
	}
}

bool mvm_x86_canonical(u64 addr)
{
	return (u64)((s64)(addr << 16) >> 16) == addr;
}

bool mvm_x86_pat_valid(u64 pat)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		u8 type = pat >> (8 * i);

		/* 2 and 3 are reserved, as is everything above 7. */
		if (type > 7 || type == 2 || type == 3)
			return false;
	}
	return true;
}

bool mvm_x86_seg_fields_valid(const struct minivmm_segment *seg)
{
	return seg->type <= 15 && seg->dpl <= 3 && seg->present <= 1 &&
	       seg->db <= 1 && seg->s <= 1 && seg->l <= 1 && seg->g <= 1 &&
	       seg->avl <= 1 && seg->unusable <= 1 && !seg->pad;
}
