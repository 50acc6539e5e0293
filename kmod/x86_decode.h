/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one x86 instruction decoder of the module, for the instructions the
 * backends must read themselves, in 16-, 32- and 64-bit code:
 *  - the prefix scanner every other entry point starts with: legacy
 *    prefixes, and REX (64-bit code only) when it is the last one;
 *  - the instructions that touch MMIO: plain moves between a register or
 *    an immediate and memory, MOV 88/89/8A/8B/C6/C7/A0-A3 and MOVZX/MOVSX
 *    0F B6/B7/BE/BF;
 *  - the length of an intercepted instruction whose opcode the exit names
 *    (CPUID, HLT, RDMSR, ...), for a CPU that does not report it;
 *  - MOV to and from a control register, 0F 20/22;
 *  - the prefixes of a string IO instruction (INS/OUTS): address size
 *    and segment override.
 * Anything else is an error, never a guess.  Every entry point reads only
 * the bytes it is given and at most MVM_INSN_MAX_LEN of them.  The same
 * source builds in the kernel and in userspace (unit test, fuzzer), so it
 * includes no kernel header outside __KERNEL__.
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
 * What the prefixes in front of an opcode say.  A prefix may repeat and
 * they may come in any order; of several segment overrides the last one
 * counts.  REX exists only in 64-bit code and only right before the
 * opcode: a legacy prefix after it makes the CPU ignore it (rex is 0).
 */
struct mvm_insn_prefixes {
	u8 len;			/* prefix bytes: the opcode is at buf[len] */
	u8 rex;			/* REX prefix in effect, or 0 */
	u8 seg;			/* 26/2E/36/3E/64/65 override, or 0 */
	bool opsize;		/* 66 */
	bool adsize;		/* 67 */
	bool lock;		/* F0 */
	bool repne;		/* F2 */
	bool rep;		/* F3 */
};

/*
 * Reads the prefixes at the start of @buf (@avail bytes readable).
 * Returns 0 and fills @p, with the opcode byte at buf[p->len] (so p->len
 * is below both @avail and MVM_INSN_MAX_LEN), or:
 *  -ENODATA     @avail ends inside the prefixes;
 *  -E2BIG       MVM_INSN_MAX_LEN bytes of prefixes and no opcode;
 *  -EINVAL      an unknown @mode.
 */
int mvm_insn_prefixes(const u8 *buf, unsigned int avail,
		      enum mvm_insn_mode mode, struct mvm_insn_prefixes *p);

/*
 * The segment register a segment override prefix byte names (ES 0, CS 1,
 * SS 2, DS 3, FS 4, GS 5, the order of SVM's EXITINFO1 and of the
 * VMCS), or -1 for any other byte (0: no override).
 */
int mvm_insn_seg_reg(u8 seg_prefix);

/*
 * The length of the instruction at @buf if it is the @op_len bytes of
 * opcode @op after any prefixes: how far an intercepted instruction moves
 * rip when the CPU does not report it.  Which prefixes make sense is not
 * checked: the CPU raised no #UD, it ran to the intercept.  Returns the
 * length, or:
 *  -EINVAL      the bytes after the prefixes are not @op (or @op_len is
 *               0 or above MVM_INSN_MAX_LEN, or @mode unknown);
 *  -ENODATA     @avail ends inside the instruction;
 *  -E2BIG       longer than MVM_INSN_MAX_LEN bytes.
 */
int mvm_insn_op_len(const u8 *buf, unsigned int avail,
		    enum mvm_insn_mode mode, const u8 *op,
		    unsigned int op_len);

/*
 * MOV to or from a control register, 0F 22 /r and 0F 20 /r.  The CPU
 * ignores ModRM.mod and always treats the operand as a register (SDM and
 * APM, MOV CRn), so no SIB or displacement follows: the length is the
 * prefixes and 3 bytes.  The operand size is that of the mode (8 bytes
 * in 64-bit code, else 4); 66 and REX.W change nothing.
 */
struct mvm_insn_cr {
	u8 len;			/* bytes, prefixes included */
	u8 cr;			/* ModRM.reg, REX.R (or LOCK, see below) */
	u8 gpr;			/* ModRM.rm, REX.B: enum mvm_gpr */
	u8 op_size;		/* bytes of the GPR moved: 4 or 8 */
	bool to_cr;		/* 0F 22: the GPR is written to the CR */
	bool lock;		/* F0 was present */
};

/*
 * Decodes a MOV to/from CR at @buf (@avail bytes readable).  With
 * @lock_is_cr8 (AMD's AltMovCr8), a LOCK prefix adds 8 to the CR number,
 * so F0 0F 22 /r reaches CR8 outside 64-bit code; without it LOCK makes
 * the instruction #UD and is refused.  Returns 0 and fills @cr, or:
 *  -EOPNOTSUPP  not 0F 20/22, or LOCK without @lock_is_cr8;
 *  -ENODATA     @avail ends inside the instruction;
 *  -E2BIG       longer than MVM_INSN_MAX_LEN bytes;
 *  -EINVAL      an unknown @mode.
 */
int mvm_insn_decode_mov_cr(const u8 *buf, unsigned int avail,
			   enum mvm_insn_mode mode, bool lock_is_cr8,
			   struct mvm_insn_cr *cr);

/*
 * MOV to or from a debug register, 0F 23 /r and 0F 21 /r, decoded as MOV
 * CR is (@dr->cr is the DR number, @dr->to_cr a write of it).  LOCK and
 * REX.R (DR8-DR15) make it #UD: -EOPNOTSUPP, as for anything not 0F 21/23.
 */
int mvm_insn_decode_mov_dr(const u8 *buf, unsigned int avail,
			   enum mvm_insn_mode mode, struct mvm_insn_cr *dr);

/*
 * The prefixes of a string IO instruction whose length @len the CPU
 * reported (next rip - rip), what the CPU may not report itself: the
 * address size (67) and the segment override of OUTS.  @buf holds @avail
 * bytes from rip.  Returns 0 and fills @p if the @len bytes are prefixes
 * followed by one of INS/OUTS (6C-6F), or:
 *  -EINVAL      they are not (the code changed, or @len is 0 or above
 *               MVM_INSN_MAX_LEN, or @mode is unknown);
 *  -ENODATA     @avail is shorter than @len.
 */
int mvm_insn_string_io(const u8 *buf, unsigned int avail, unsigned int len,
		       enum mvm_insn_mode mode, struct mvm_insn_prefixes *p);

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
