// SPDX-License-Identifier: GPL-2.0
/*
 * The prefix scanner, and on top of it the decoders of x86_decode.h: the
 * MOV forms that access MMIO, intercepted opcodes' lengths, MOV CR and
 * the prefixes of string IO.
 *
 * For MMIO the hardware already told us the guest-physical address, so the
 * decoder does not compute the effective address; it only has to find the
 * length, the direction, the size and the register or immediate.  It still
 * parses ModRM/SIB/displacements fully, because they decide the length.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <string.h>
#endif
#include "x86_decode.h"

#define REX_W	0x08
#define REX_R	0x04
#define REX_X	0x02
#define REX_B	0x01

struct insn_cursor {
	const u8 *buf;
	unsigned int avail;
	unsigned int pos;
};

/* Takes @n bytes (1, 2, 4 or 8) as a little-endian value. */
static int __mvm_exit_path cursor_take(struct insn_cursor *c, unsigned int n, u64 *val)
{
	unsigned int i;
	u64 v = 0;

	for (i = 0; i < n; i++) {
		if (c->pos >= MVM_INSN_MAX_LEN)
			return -E2BIG;
		if (c->pos >= c->avail)
			return -ENODATA;
		v |= (u64)c->buf[c->pos++] << (8 * i);
	}
	*val = v;
	return 0;
}

static int __mvm_exit_path cursor_take_u8(struct insn_cursor *c, u8 *val)
{
	u64 v;
	int ret;

	ret = cursor_take(c, 1, &v);
	if (!ret)
		*val = (u8)v;
	return ret;
}

/* Sign-extends the low @bytes bytes of @v to 64 bits. */
static u64 __mvm_exit_path sign_extend(u64 v, unsigned int bytes)
{
	unsigned int shift;

	if (!bytes)
		return 0;
	if (bytes >= 8)
		return v;
	shift = 64 - 8 * bytes;
	return (u64)((s64)(v << shift) >> shift);
}

static u64 __mvm_exit_path truncate_to(u64 v, unsigned int bytes)
{
	if (bytes >= 8)
		return v;
	return v & ((1ULL << (8 * bytes)) - 1);
}

/* 16-bit addressing: the fixed base/index pairs of ModRM.rm. */
static void __mvm_exit_path modrm16_regs(u8 mod, u8 rm, struct mvm_insn *insn)
{
	static const u8 base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };	/* BX/BP/SI/DI */
	static const u8 index16[8] = { 6, 7, 6, 7,
				       MVM_INSN_NO_REG, MVM_INSN_NO_REG,
				       MVM_INSN_NO_REG, MVM_INSN_NO_REG };

	if (mod == 0 && rm == 6) {
		insn->base = MVM_INSN_NO_REG;
		insn->index = MVM_INSN_NO_REG;
		return;
	}
	insn->base = base16[rm];
	insn->index = index16[rm];
}

/*
 * Parses ModRM, SIB and the displacement of a memory operand.  A register
 * operand (mod 3) accesses no memory, so it cannot have caused an MMIO
 * exit: it is refused.
 */
static int __mvm_exit_path modrm_decode(struct insn_cursor *c, enum mvm_insn_mode mode,
					struct mvm_insn *insn)
{
	u8 mod, rm, rex = insn->rex;
	unsigned int disp_size = 0;
	u64 disp = 0;
	int ret;

	ret = cursor_take_u8(c, &insn->modrm);
	if (ret)
		return ret;
	insn->has_modrm = true;
	mod = insn->modrm >> 6;
	rm = insn->modrm & 7;
	if (mod == 3)
		return -EOPNOTSUPP;

	if (insn->addr_size == 2) {
		modrm16_regs(mod, rm, insn);
		if (mod == 0 && rm == 6)
			disp_size = 2;		/* [disp16], no register */
	} else if (rm == 4) {
		u8 idx, base;

		ret = cursor_take_u8(c, &insn->sib);
		if (ret)
			return ret;
		insn->has_sib = true;
		insn->scale = 1 << (insn->sib >> 6);
		idx = ((insn->sib >> 3) & 7) | ((rex & REX_X) ? 8 : 0);
		base = insn->sib & 7;
		insn->index = idx == 4 ? MVM_INSN_NO_REG : idx;
		if (base == 5 && mod == 0) {
			insn->base = MVM_INSN_NO_REG;
			disp_size = 4;
		} else {
			insn->base = base | ((rex & REX_B) ? 8 : 0);
		}
	} else if (rm == 5 && mod == 0) {
		insn->base = MVM_INSN_NO_REG;
		insn->index = MVM_INSN_NO_REG;
		/* With 67 in 64-bit code it is EIP-relative: still rip_rel. */
		insn->rip_rel = mode == MVM_INSN_MODE64;
		disp_size = 4;
	} else {
		insn->base = rm | ((rex & REX_B) ? 8 : 0);
		insn->index = MVM_INSN_NO_REG;
	}

	if (mod == 1)
		disp_size = 1;
	else if (mod == 2)
		disp_size = insn->addr_size == 2 ? 2 : 4;

	if (disp_size) {
		ret = cursor_take(c, disp_size, &disp);
		if (ret)
			return ret;
	}
	insn->disp_size = disp_size;
	insn->disp = sign_extend(disp, disp_size ? disp_size : 8);
	return 0;
}

static bool __mvm_exit_path mode_valid(enum mvm_insn_mode mode)
{
	return mode == MVM_INSN_MODE16 || mode == MVM_INSN_MODE32 ||
	       mode == MVM_INSN_MODE64;
}

/* Whether @b is a legacy prefix, or REX in 64-bit code. */
static bool __mvm_exit_path is_prefix(u8 b, enum mvm_insn_mode mode)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return true;
	}
	return mode == MVM_INSN_MODE64 && (b & 0xf0) == 0x40;
}

int __mvm_exit_path mvm_insn_prefixes(const u8 *buf, unsigned int avail,
				      enum mvm_insn_mode mode, struct mvm_insn_prefixes *p)
{
	unsigned int pos;

	*p = (struct mvm_insn_prefixes){ 0 };
	if (!mode_valid(mode))
		return -EINVAL;
	for (pos = 0; ; pos++) {
		u8 b;

		if (pos >= MVM_INSN_MAX_LEN)
			return -E2BIG;
		if (pos >= avail)
			return -ENODATA;
		b = buf[pos];
		switch (b) {
		case 0x66:
			p->opsize = true;
			break;
		case 0x67:
			p->adsize = true;
			break;
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
			p->seg = b;
			break;
		case 0xf0:
			p->lock = true;
			break;
		case 0xf2:
			p->repne = true;
			break;
		case 0xf3:
			p->rep = true;
			break;
		default:
			/* 40-4F are INC/DEC outside 64-bit code. */
			if (mode == MVM_INSN_MODE64 && (b & 0xf0) == 0x40) {
				p->rex = b;
				continue;
			}
			p->len = pos;
			return 0;
		}
		/* A REX prefix counts only right before the opcode. */
		p->rex = 0;
	}
}

int __mvm_exit_path mvm_insn_seg_reg(u8 seg_prefix)
{
	switch (seg_prefix) {
	case 0x26:
		return 0;
	case 0x2e:
		return 1;
	case 0x36:
		return 2;
	case 0x3e:
		return 3;
	case 0x64:
		return 4;
	case 0x65:
		return 5;
	default:
		return -1;
	}
}

int __mvm_exit_path mvm_insn_op_len(const u8 *buf, unsigned int avail,
				    enum mvm_insn_mode mode, const u8 *op,
				    unsigned int op_len)
{
	struct mvm_insn_prefixes p;
	unsigned int i;
	int ret;

	if (!op_len || op_len > MVM_INSN_MAX_LEN)
		return -EINVAL;
	/* Most intercepted instructions come without a prefix. */
	if (mode_valid(mode) && avail >= op_len && !is_prefix(buf[0], mode) &&
	    !memcmp(buf, op, op_len))
		return op_len;
	ret = mvm_insn_prefixes(buf, avail, mode, &p);
	if (ret)
		return ret;
	for (i = 0; i < op_len; i++) {
		if (p.len + i >= MVM_INSN_MAX_LEN)
			return -E2BIG;
		if (p.len + i >= avail)
			return -ENODATA;
		if (buf[p.len + i] != op[i])
			return -EINVAL;
	}
	return p.len + op_len;
}

/*
 * MOV between a GPR and a control (@op_from 0F 20, 0F 22) or debug
 * register (0F 21, 0F 23): the register number from ModRM.reg and REX.R,
 * plus 8 for LOCK where @lock_ok (otherwise LOCK is refused).
 */
static int __mvm_exit_path mov_ctl_decode(const u8 *buf, unsigned int avail,
					  enum mvm_insn_mode mode, u8 op_from, bool lock_ok,
					  struct mvm_insn_cr *cr)
{
	struct insn_cursor c = { .buf = buf, .avail = avail };
	struct mvm_insn_prefixes p;
	u8 op, modrm;
	int ret;

	*cr = (struct mvm_insn_cr){ 0 };
	ret = mvm_insn_prefixes(buf, avail, mode, &p);
	if (ret)
		return ret;
	c.pos = p.len;
	ret = cursor_take_u8(&c, &op);
	if (ret)
		return ret;
	if (op != 0x0f)
		return -EOPNOTSUPP;
	ret = cursor_take_u8(&c, &op);
	if (ret)
		return ret;
	if (op != op_from && op != op_from + 2)
		return -EOPNOTSUPP;
	if (p.lock && !lock_ok)
		return -EOPNOTSUPP;
	/* ModRM.mod is ignored: the operand is always a register. */
	ret = cursor_take_u8(&c, &modrm);
	if (ret)
		return ret;
	cr->len = c.pos;
	cr->cr = ((modrm >> 3) & 7) | ((p.rex & REX_R) || p.lock ? 8 : 0);
	cr->gpr = (modrm & 7) | ((p.rex & REX_B) ? 8 : 0);
	cr->op_size = mode == MVM_INSN_MODE64 ? 8 : 4;
	cr->to_cr = op == op_from + 2;
	cr->lock = p.lock;
	return 0;
}

int __mvm_exit_path mvm_insn_decode_mov_cr(const u8 *buf, unsigned int avail,
					   enum mvm_insn_mode mode, bool lock_is_cr8,
					   struct mvm_insn_cr *cr)
{
	return mov_ctl_decode(buf, avail, mode, 0x20, lock_is_cr8, cr);
}

int __mvm_exit_path mvm_insn_decode_mov_dr(const u8 *buf, unsigned int avail,
					   enum mvm_insn_mode mode, struct mvm_insn_cr *dr)
{
	int ret = mov_ctl_decode(buf, avail, mode, 0x21, false, dr);

	/* DR8-DR15 do not exist: REX.R makes the instruction #UD. */
	if (!ret && dr->cr > 7)
		return -EOPNOTSUPP;
	return ret;
}

int __mvm_exit_path mvm_insn_string_io(const u8 *buf, unsigned int avail, unsigned int len,
				       enum mvm_insn_mode mode, struct mvm_insn_prefixes *p)
{
	int ret;

	if (!len || len > MVM_INSN_MAX_LEN)
		return -EINVAL;
	if (avail < len)
		return -ENODATA;
	/* Only the @len bytes are the instruction: scan no further. */
	ret = mvm_insn_prefixes(buf, len, mode, p);
	if (ret || p->len + 1U != len || (buf[p->len] & 0xfc) != 0x6c)
		return -EINVAL;
	return 0;
}

/* Returns the operand size; sets insn->addr_size. */
static unsigned int __mvm_exit_path sizes_decode(enum mvm_insn_mode mode,
						 const struct mvm_insn_prefixes *p,
						 struct mvm_insn *insn)
{
	switch (mode) {
	case MVM_INSN_MODE16:
		insn->addr_size = p->adsize ? 4 : 2;
		return p->opsize ? 4 : 2;
	case MVM_INSN_MODE32:
		insn->addr_size = p->adsize ? 2 : 4;
		return p->opsize ? 2 : 4;
	default:
		insn->addr_size = p->adsize ? 4 : 8;
		if (insn->rex & REX_W)
			return 8;
		return p->opsize ? 2 : 4;
	}
}

/*
 * The register in ModRM.reg.  For a byte register without any REX prefix,
 * 4-7 are AH, CH, DH, BH; with one (even 40) they are SPL, BPL, SIL, DIL.
 */
static void __mvm_exit_path reg_decode(struct mvm_insn *insn, unsigned int size)
{
	u8 reg = ((insn->modrm >> 3) & 7) | ((insn->rex & REX_R) ? 8 : 0);

	if (size == 1 && !insn->rex && reg >= 4) {
		insn->high8 = true;
		reg -= 4;
	}
	insn->reg = reg;
}

/* A load of @size bytes into a register of @dst_size bytes. */
static void __mvm_exit_path load_set(struct mvm_insn *insn, unsigned int size,
				     unsigned int dst_size, enum mvm_insn_ext ext)
{
	insn->is_write = false;
	insn->mem_size = size;
	insn->dst_size = dst_size;
	if (ext == MVM_INSN_ZX && size == dst_size && size < 4)
		ext = MVM_INSN_MERGE;
	insn->ext = ext;
}

/* 88/89 store and 8A/8B load, between ModRM.reg and memory. */
static int __mvm_exit_path mov_reg_decode(struct insn_cursor *c, enum mvm_insn_mode mode,
					  unsigned int size, struct mvm_insn *insn)
{
	int ret;

	ret = modrm_decode(c, mode, insn);
	if (ret)
		return ret;
	reg_decode(insn, size);
	if (insn->opcode & 2) {
		load_set(insn, size, size, MVM_INSN_ZX);
	} else {
		insn->is_write = true;
		insn->mem_size = size;
	}
	return 0;
}

/* C6 /0 ib and C7 /0 iw/id: store an immediate (imm32 sign-extended). */
static int __mvm_exit_path mov_imm_decode(struct insn_cursor *c, enum mvm_insn_mode mode,
					  unsigned int size, struct mvm_insn *insn)
{
	unsigned int imm_size = size == 8 ? 4 : size;
	u64 imm;
	int ret;

	ret = modrm_decode(c, mode, insn);
	if (ret)
		return ret;
	/* Other /r values are XABORT/XBEGIN (mod 3) or undefined. */
	if ((insn->modrm >> 3) & 7)
		return -EOPNOTSUPP;
	ret = cursor_take(c, imm_size, &imm);
	if (ret)
		return ret;
	insn->is_write = true;
	insn->has_imm = true;
	insn->reg = MVM_INSN_NO_REG;
	insn->mem_size = size;
	insn->imm = truncate_to(sign_extend(imm, imm_size), size);
	return 0;
}

/* A0-A3: AL/rAX from or to an absolute offset of the address size. */
static int __mvm_exit_path mov_moffs_decode(struct insn_cursor *c, unsigned int size,
					    struct mvm_insn *insn)
{
	u64 off;
	int ret;

	ret = cursor_take(c, insn->addr_size, &off);
	if (ret)
		return ret;
	insn->moffs = true;
	insn->disp_size = insn->addr_size;
	insn->disp = off;
	insn->reg = 0;			/* AL, AX, EAX or RAX */
	if (insn->opcode & 2) {
		insn->is_write = true;
		insn->mem_size = size;
	} else {
		load_set(insn, size, size, MVM_INSN_ZX);
	}
	return 0;
}

/* 0F B6/B7 MOVZX and 0F BE/BF MOVSX: r16/32/64 from m8 or m16. */
static int __mvm_exit_path movx_decode(struct insn_cursor *c, enum mvm_insn_mode mode,
				       unsigned int opsz, struct mvm_insn *insn)
{
	unsigned int size = (insn->opcode & 1) ? 2 : 1;
	int ret;

	ret = modrm_decode(c, mode, insn);
	if (ret)
		return ret;
	reg_decode(insn, opsz);
	load_set(insn, size, opsz,
		 (insn->opcode & 8) ? MVM_INSN_SX : MVM_INSN_ZX);
	return 0;
}

int __mvm_exit_path mvm_insn_decode(const u8 *buf, unsigned int avail,
				    enum mvm_insn_mode mode, struct mvm_insn *insn)
{
	struct insn_cursor c = { .buf = buf, .avail = avail };
	struct mvm_insn_prefixes p;
	unsigned int opsz;
	u8 op;
	int ret;

	*insn = (struct mvm_insn){ 0 };
	insn->reg = MVM_INSN_NO_REG;
	insn->base = MVM_INSN_NO_REG;
	insn->index = MVM_INSN_NO_REG;
	insn->scale = 1;

	ret = mvm_insn_prefixes(buf, avail, mode, &p);
	if (ret)
		return ret;
	insn->rex = p.rex;
	insn->seg = p.seg;
	c.pos = p.len;
	ret = cursor_take_u8(&c, &op);
	if (ret)
		return ret;
	opsz = sizes_decode(mode, &p, insn);

	/* LOCK MOV is #UD; REPNE and REP+REPNE mean nothing here. */
	if (p.lock || p.repne)
		return -EOPNOTSUPP;

	if (op == 0x0f) {
		ret = cursor_take_u8(&c, &op);
		if (ret)
			return ret;
		insn->two_byte = true;
		insn->opcode = op;
		/* F3 0F B8/BC/BD are POPCNT/TZCNT/LZCNT: F3 is an opcode. */
		if (p.rep)
			return -EOPNOTSUPP;
		switch (op) {
		case 0xb6: case 0xb7: case 0xbe: case 0xbf:
			ret = movx_decode(&c, mode, opsz, insn);
			break;
		default:
			return -EOPNOTSUPP;
		}
	} else {
		insn->opcode = op;
		/* F3 is XRELEASE only on stores 88/89/C6/C7 (a hint). */
		if (p.rep && op != 0x88 && op != 0x89 && op != 0xc6 &&
		    op != 0xc7)
			return -EOPNOTSUPP;
		switch (op) {
		case 0x88: case 0x89: case 0x8a: case 0x8b:
			ret = mov_reg_decode(&c, mode, (op & 1) ? opsz : 1,
					     insn);
			break;
		case 0xc6: case 0xc7:
			ret = mov_imm_decode(&c, mode, (op & 1) ? opsz : 1,
					     insn);
			break;
		case 0xa0: case 0xa1: case 0xa2: case 0xa3:
			ret = mov_moffs_decode(&c, (op & 1) ? opsz : 1, insn);
			break;
		default:
			return -EOPNOTSUPP;
		}
	}
	if (ret)
		return ret;
	insn->len = c.pos;
	return 0;
}

u64 __mvm_exit_path mvm_insn_load_result(u64 old, u64 data, unsigned int len,
					 enum mvm_insn_ext ext, unsigned int dst_size,
					 bool high8)
{
	u64 val = truncate_to(data, len);

	if (ext == MVM_INSN_SX)
		val = sign_extend(val, len);
	switch (dst_size) {
	case 1:
		if (high8)
			return (old & ~0xff00ULL) | ((val & 0xff) << 8);
		return (old & ~0xffULL) | (val & 0xff);
	case 2:
		return (old & ~0xffffULL) | (val & 0xffff);
	case 4:
		return val & 0xffffffffULL;
	default:
		return val;
	}
}

u64 __mvm_exit_path mvm_insn_store_value(const struct mvm_insn *insn, u64 reg_val)
{
	if (insn->has_imm)
		return insn->imm;
	if (insn->high8)
		reg_val >>= 8;
	return truncate_to(reg_val, insn->mem_size);
}
