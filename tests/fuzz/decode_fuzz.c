// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the MMIO instruction decoder.
 *
 * The first input byte picks the mode, the rest is the instruction.  Any
 * crash, sanitizer report or broken invariant (checked with abort()) is a
 * finding.  Invariants: a decoded instruction is at most 15 bytes and no
 * longer than the input, decodes the same from exactly its own bytes,
 * fails with -ENODATA when cut, and has sane sizes and registers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../kmod/x86_decode.h"

static void check(int cond)
{
	if (!cond)
		abort();
}

static int size_ok(unsigned int size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static void insn_check(const u8 *buf, unsigned int avail,
		       enum mvm_insn_mode mode, const struct mvm_insn *insn)
{
	struct mvm_insn again;
	unsigned int i;

	check(insn->len >= 1 && insn->len <= MVM_INSN_MAX_LEN);
	check(insn->len <= avail);
	check(size_ok(insn->mem_size));
	check(insn->addr_size == 2 || insn->addr_size == 4 ||
	      insn->addr_size == 8);
	check(insn->addr_size != 8 || mode == MVM_INSN_MODE64);
	check(!insn->rex || mode == MVM_INSN_MODE64);
	check(!insn->rip_rel || mode == MVM_INSN_MODE64);
	if (insn->is_write) {
		check(insn->dst_size == 0);
		if (insn->has_imm) {
			check(insn->reg == MVM_INSN_NO_REG);
			check(insn->mem_size == 8 ||
			      insn->imm >> (8 * insn->mem_size) == 0);
		} else {
			check(insn->reg < 16);
		}
	} else {
		check(!insn->has_imm && insn->reg < 16);
		check(size_ok(insn->dst_size));
		check(insn->dst_size >= insn->mem_size);
		check(insn->ext <= MVM_INSN_MERGE);
		check(insn->ext != MVM_INSN_MERGE ||
		      (insn->mem_size == insn->dst_size &&
		       insn->dst_size < 4));
	}
	check(!insn->high8 || (insn->reg < 4 && insn->mem_size == 1 &&
			       !insn->rex));
	check(insn->base == MVM_INSN_NO_REG || insn->base < 16);
	check(insn->index == MVM_INSN_NO_REG || insn->index < 16);
	check(size_ok(insn->scale));

	check(mvm_insn_decode(buf, insn->len, mode, &again) == 0);
	check(memcmp(&again, insn, sizeof(again)) == 0);
	for (i = 0; i < insn->len; i++)
		check(mvm_insn_decode(buf, i, mode, &again) == -ENODATA);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct mvm_insn insn;
	enum mvm_insn_mode mode;
	unsigned int avail;
	int ret;

	if (size < 1)
		return 0;
	mode = (enum mvm_insn_mode)(data[0] % 3);
	data++;
	size--;
	avail = size > 64 ? 64 : (unsigned int)size;

	ret = mvm_insn_decode(data, avail, mode, &insn);
	if (ret) {
		check(ret == -EOPNOTSUPP || ret == -ENODATA || ret == -E2BIG);
		check(ret != -E2BIG || avail >= MVM_INSN_MAX_LEN);
		return 0;
	}
	insn_check(data, avail, mode, &insn);
	return 0;
}
