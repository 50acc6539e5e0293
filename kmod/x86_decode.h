/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small decoder for the x86 instructions that touch MMIO.
 *
 * It knows only plain moves between a register or an immediate and memory:
 * MOV 88/89/8A/8B/C6/C7/A0-A3 and MOVZX/MOVSX 0F B6/B7/BE/BF, with their
 * prefixes, in 16-, 32- and 64-bit code.  Anything else is an error, never
 * a guess.  The same source builds in the kernel and in userspace (unit
 * test, fuzzer), so it includes no kernel header outside __KERNEL__.
 */
#ifndef MVM_X86_DECODE_H
#define MVM_X86_DECODE_H

#include "x86_types.h"

/* The architectural limit: a longer instruction raises #GP. */
#define MVM_INSN_MAX_LEN	15

/* Code size, from CR0.PE, RFLAGS.VM, EFER.LMA, CS.L and CS.D. */
enum mvm_insn_mode {
	MVM_INSN_MODE16,
	MVM_INSN_MODE32,
	MVM_INSN_MODE64,
};

/*
 * How a load puts the value read from memory into its register.  The
 * numbers are those of vcpu->pending_ext.  Whatever the extension, a
 * destination of 1 or 2 bytes is merged into the register (the other bits
 * are kept) and a destination of 4 bytes is zero-extended to 64 bits.
 */
enum mvm_insn_ext {
	MVM_INSN_ZX = 0,		/* zero-extend len to dst_size */
	MVM_INSN_SX = 1,		/* sign-extend len to dst_size */
	MVM_INSN_MERGE = 2,		/* len == dst_size, 1 or 2 bytes */
};

#define MVM_INSN_NO_REG		0xff

struct mvm_insn {
	u8 len;			/* bytes, prefixes included */
	u8 mem_size;		/* bytes read or written in memory: 1/2/4/8 */
	u8 addr_size;		/* address size: 2, 4 or 8 */
	bool is_write;		/* a store to memory */

	/*
	 * A store writes imm (has_imm) or register reg; a load writes
	 * register reg.  high8: reg (0..3) names AH/CH/DH/BH, bits 15:8.
	 */
	bool has_imm;
	bool high8;
	u8 reg;			/* GPR number 0..15 (enum mvm_gpr) */
	u64 imm;		/* extended to mem_size, upper bits clear */

	/* Loads only. */
	u8 dst_size;		/* bytes of the register written: 1/2/4/8 */
	u8 ext;			/* enum mvm_insn_ext */

	/* What was decoded, for diagnostics and tests. */
	u8 opcode;		/* the last opcode byte */
	bool two_byte;		/* opcode follows 0F */
	u8 rex;			/* REX prefix in effect, or 0 */
	u8 seg;			/* segment override prefix byte, or 0 */
	u8 modrm;
	u8 sib;
	bool has_modrm;
	bool has_sib;
	bool rip_rel;		/* RIP-relative (64-bit, mod 0, rm 5) */
	bool moffs;		/* A0-A3: disp is the absolute offset */
	u8 base;		/* GPR or MVM_INSN_NO_REG */
	u8 index;		/* GPR or MVM_INSN_NO_REG */
	u8 scale;		/* 1, 2, 4 or 8 */
	u8 disp_size;		/* 0, 1, 2, 4 or 8 bytes */
	u64 disp;		/* sign-extended (zero-extended for moffs) */
};

/*
 * Decodes the instruction at the start of @buf, of which @avail bytes
 * could be read (more than MVM_INSN_MAX_LEN is fine).  Returns 0 and fills
 * @insn, or:
 *  -EOPNOTSUPP  not one of the instructions above, a register operand
 *               (no memory access), or a prefix that makes no sense with it;
 *  -ENODATA     @avail ends inside the instruction;
 *  -E2BIG       longer than MVM_INSN_MAX_LEN bytes.
 */
int mvm_insn_decode(const u8 *buf, unsigned int avail,
		    enum mvm_insn_mode mode, struct mvm_insn *insn);

/*
 * The new value of a register after a load: @data holds the @len bytes
 * read (little-endian, upper bytes ignored), extended per @ext to
 * @dst_size bytes and written as the register rules say: 1 and 2 bytes
 * merge into @old (into bits 15:8 if @high8), 4 bytes zero-extend, 8 bytes
 * replace.
 */
u64 mvm_insn_load_result(u64 old, u64 data, unsigned int len,
			 enum mvm_insn_ext ext, unsigned int dst_size,
			 bool high8);

/* The bytes a store writes: the immediate, or @reg_val of insn->reg. */
u64 mvm_insn_store_value(const struct mvm_insn *insn, u64 reg_val);

#endif /* MVM_X86_DECODE_H */
