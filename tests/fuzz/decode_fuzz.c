// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the instruction decoder, every entry point.
 *
 * The first input byte picks the mode, the rest is the instruction.  Any
 * crash, sanitizer report or broken invariant (checked with abort()) is a
 * finding.  Invariants: a decoded instruction is at most 15 bytes and no
 * longer than the input, decodes the same from exactly its own bytes,
 * fails with -ENODATA when cut, and has sane sizes and registers; the
 * prefix scanner stops at the first byte that is not a prefix, and every
 * decoder agrees with it on where the opcode is and what the prefixes say.
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

static int is_legacy_prefix(u8 b)
{
	return b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 ||
	       b == 0xf3 || mvm_insn_seg_reg(b) >= 0;
}

static int is_prefix(u8 b, enum mvm_insn_mode mode)
{
	return is_legacy_prefix(b) ||
	       (mode == MVM_INSN_MODE64 && (b & 0xf0) == 0x40);
}

/* Returns the scanner's result, which every other entry point builds on. */
static int prefixes_check(const u8 *buf, unsigned int avail,
			  enum mvm_insn_mode mode, struct mvm_insn_prefixes *p)
{
	unsigned int i;
	int ret;

	ret = mvm_insn_prefixes(buf, avail, mode, p);
	if (ret) {
		check(ret == -ENODATA || ret == -E2BIG);
		check((ret == -E2BIG) == (avail >= MVM_INSN_MAX_LEN));
		for (i = 0; i < avail && i < MVM_INSN_MAX_LEN; i++)
			check(is_prefix(buf[i], mode));
		return ret;
	}
	check(p->len < avail && p->len < MVM_INSN_MAX_LEN);
	check(!is_prefix(buf[p->len], mode));
	for (i = 0; i < p->len; i++)
		check(is_prefix(buf[i], mode));
	/* REX counts only as the last prefix, and only in 64-bit code. */
	check(!p->rex || (p->len && buf[p->len - 1] == p->rex));
	check(p->rex || !p->len || mode != MVM_INSN_MODE64 ||
	      (buf[p->len - 1] & 0xf0) != 0x40);
	check(!p->seg || mvm_insn_seg_reg(p->seg) >= 0);
	return 0;
}

static void op_len_check(const u8 *buf, unsigned int avail,
			 enum mvm_insn_mode mode,
			 const struct mvm_insn_prefixes *p, int scan)
{
	static const u8 ops[][3] = {
		{ 0x0f, 0xa2 }, { 0xf4 }, { 0x0f, 0x32 }, { 0x0f, 0x30 },
		{ 0x0f, 0x01, 0xd1 }, { 0x0f, 0x08 }, { 0x0f, 0x09 },
	};
	static const u8 op_lens[] = { 2, 1, 2, 2, 3, 2, 2 };
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(op_lens); i++) {
		ret = mvm_insn_op_len(buf, avail, mode, ops[i], op_lens[i]);
		if (scan) {
			check(ret == scan);
			continue;
		}
		if (ret < 0) {
			check(ret == -EINVAL || ret == -ENODATA ||
			      ret == -E2BIG);
			continue;
		}
		check(ret == p->len + op_lens[i]);
		check(ret <= MVM_INSN_MAX_LEN && (unsigned int)ret <= avail);
		check(memcmp(buf + p->len, ops[i], op_lens[i]) == 0);
		check(mvm_insn_op_len(buf, ret, mode, ops[i], op_lens[i]) ==
		      ret);
	}
}

static void mov_cr_check(const u8 *buf, unsigned int avail,
			 enum mvm_insn_mode mode,
			 const struct mvm_insn_prefixes *p, int scan)
{
	struct mvm_insn_cr cr, amd, again;
	int ret, ret_amd;
	unsigned int i;

	ret = mvm_insn_decode_mov_cr(buf, avail, mode, false, &cr);
	ret_amd = mvm_insn_decode_mov_cr(buf, avail, mode, true, &amd);
	if (scan) {
		check(ret == scan && ret_amd == scan);
		return;
	}
	/* The LOCK alias changes only what LOCK makes of it. */
	if (!p->lock)
		check(ret == ret_amd &&
		      (ret || memcmp(&cr, &amd, sizeof(cr)) == 0));
	else
		check(ret == -EOPNOTSUPP || ret == -ENODATA ||
		      ret == -E2BIG);
	if (ret_amd) {
		check(ret_amd == -EOPNOTSUPP || ret_amd == -ENODATA ||
		      ret_amd == -E2BIG);
		return;
	}
	check(amd.len == p->len + 3 && amd.len <= avail &&
	      amd.len <= MVM_INSN_MAX_LEN);
	check(buf[p->len] == 0x0f && (buf[p->len + 1] & 0xfd) == 0x20);
	check(amd.to_cr == (buf[p->len + 1] == 0x22));
	check(amd.cr < 16 && amd.gpr < 16);
	check(amd.lock == p->lock && (!amd.lock || amd.cr >= 8));
	check(mode == MVM_INSN_MODE64 || amd.gpr < 8);
	check(amd.op_size == (mode == MVM_INSN_MODE64 ? 8 : 4));
	check(mvm_insn_decode_mov_cr(buf, amd.len, mode, true, &again) == 0);
	check(memcmp(&again, &amd, sizeof(again)) == 0);
	for (i = 0; i < amd.len; i++)
		check(mvm_insn_decode_mov_cr(buf, i, mode, true, &again) ==
		      -ENODATA);
}

/* MOV DR: 0F 21/23 without LOCK, DR0-DR7 only, else what MOV CR says. */
static void mov_dr_check(const u8 *buf, unsigned int avail,
			 enum mvm_insn_mode mode,
			 const struct mvm_insn_prefixes *p, int scan)
{
	struct mvm_insn_cr dr, again;
	unsigned int i;
	int ret;

	ret = mvm_insn_decode_mov_dr(buf, avail, mode, &dr);
	if (scan) {
		check(ret == scan);
		return;
	}
	if (ret) {
		check(ret == -EOPNOTSUPP || ret == -ENODATA || ret == -E2BIG);
		return;
	}
	check(dr.len == p->len + 3 && dr.len <= avail &&
	      dr.len <= MVM_INSN_MAX_LEN);
	check(buf[p->len] == 0x0f && (buf[p->len + 1] & 0xfd) == 0x21);
	check(dr.to_cr == (buf[p->len + 1] == 0x23));
	check(dr.cr < 8 && dr.gpr < 16 && !dr.lock && !p->lock);
	check(mode == MVM_INSN_MODE64 || dr.gpr < 8);
	check(dr.op_size == (mode == MVM_INSN_MODE64 ? 8 : 4));
	check(mvm_insn_decode_mov_dr(buf, dr.len, mode, &again) == 0);
	check(memcmp(&again, &dr, sizeof(again)) == 0);
	for (i = 0; i < dr.len; i++)
		check(mvm_insn_decode_mov_dr(buf, i, mode, &again) ==
		      -ENODATA);
}

/* At most one length can be a string IO instruction: prefixes and 6C-6F. */
static void string_io_check(const u8 *buf, unsigned int avail,
			    enum mvm_insn_mode mode,
			    const struct mvm_insn_prefixes *p, int scan)
{
	struct mvm_insn_prefixes io;
	unsigned int len;
	int ret;

	for (len = 0; len <= MVM_INSN_MAX_LEN + 1; len++) {
		ret = mvm_insn_string_io(buf, avail, len, mode, &io);
		if (ret) {
			check(ret == -EINVAL || ret == -ENODATA);
			check((ret == -ENODATA) ==
			      (len && len <= MVM_INSN_MAX_LEN && avail < len));
			continue;
		}
		check(!scan && len == p->len + 1U);
		check((buf[p->len] & 0xfc) == 0x6c);
		check(memcmp(&io, p, sizeof(io)) == 0);
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct mvm_insn_prefixes p;
	struct mvm_insn insn;
	enum mvm_insn_mode mode;
	unsigned int avail;
	int ret, scan;

	if (size < 1)
		return 0;
	mode = (enum mvm_insn_mode)(data[0] % 3);
	data++;
	size--;
	avail = size > 64 ? 64 : (unsigned int)size;

	scan = prefixes_check(data, avail, mode, &p);
	op_len_check(data, avail, mode, &p, scan);
	mov_cr_check(data, avail, mode, &p, scan);
	mov_dr_check(data, avail, mode, &p, scan);
	string_io_check(data, avail, mode, &p, scan);

	ret = mvm_insn_decode(data, avail, mode, &insn);
	if (scan)
		check(ret == scan);
	if (ret) {
		check(ret == -EOPNOTSUPP || ret == -ENODATA || ret == -E2BIG);
		check(ret != -E2BIG || avail >= MVM_INSN_MAX_LEN);
		return 0;
	}
	/* The MMIO decoder read its prefixes with the same scanner. */
	check(insn.len > p.len && insn.rex == p.rex && insn.seg == p.seg);
	insn_check(data, avail, mode, &insn);
	return 0;
}
