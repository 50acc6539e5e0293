// SPDX-License-Identifier: GPL-2.0
/*
 * AMD-V backend: a #VMEXIT into the core's description of it (struct
 * mvm_exit).  The bed CPU has no NRIP save and no decode assists,
 * so instruction lengths come from reading the instruction each exit
 * implies (prefixes included).
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include "svm.h"

#define SVM_MC		18

static bool svm_long_mode(struct vmcb_save *st)
{
	return (st->efer & EFER_LMA) && (st->cs.attrib & SVM_SEG_L);
}

/* A legacy prefix, or in 64-bit mode a REX prefix. */
static bool svm_is_prefix(u8 byte, bool mode64)
{
	switch (byte) {
	case 0x66: case 0x67: case 0xf2: case 0xf3: case 0xf0:
	case 0x2e: case 0x36: case 0x3e: case 0x26: case 0x64: case 0x65:
		return true;
	default:
		return mode64 && (byte & 0xf0) == 0x40;
	}
}

/* The linear address of rip (CS base, 32-bit wrap outside 64-bit mode). */
static u64 svm_rip_linear(struct mvm_vcpu *vcpu)
{
	struct vmcb_save *st = &to_svm(vcpu)->vmcb->save;

	if (svm_long_mode(st))
		return vcpu->rip;
	return (u32)(st->cs.base + vcpu->rip);
}

/*
 * Reads up to 15 bytes (the architectural maximum length) of the
 * instruction at rip into @bytes; returns how many, or -EFAULT.  The
 * page after rip's may be unmapped: it is read only if mapped.
 */
static int svm_insn_read(struct mvm_vcpu *vcpu, u8 *bytes)
{
	bool mode64 = svm_long_mode(&to_svm(vcpu)->vmcb->save);
	u64 ip = svm_rip_linear(vcpu);
	unsigned int n;
	u64 more;

	n = min_t(u64, 15, PAGE_SIZE - offset_in_page(ip));
	if (mvm_read_guest_virt(vcpu, ip, bytes, n))
		return -EFAULT;
	more = mode64 ? ip + n : (u32)(ip + n);
	if (n < 15 && !mvm_read_guest_virt(vcpu, more, bytes + n, 15 - n))
		n = 15;
	return n;
}

/*
 * The rip after the intercepted instruction whose opcode is @op.  With
 * NRIP save the CPU reports it.  Without (QEMU TCG), the instruction at
 * rip is read: the guest may have put any number of redundant prefixes in
 * front of the opcode, so a fixed length would resume it mid-instruction.
 * Bytes that cannot be read or are not @op are an error, not a guess:
 * the guest changed its code under us or the exit is not what it seems.
 */
static int svm_next_rip(struct mvm_vcpu *vcpu, const u8 *op,
			unsigned int op_len, u64 *next_rip)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;
	bool mode64 = svm_long_mode(&vmcb->save);
	u8 bytes[15];
	int i, n;

	if (svm_features & SVM_FEAT_NRIPS) {
		*next_rip = vmcb->ctl.next_rip;
		return 0;
	}
	/*
	 * Nearly every instruction comes without prefixes: reading just the
	 * opcode's bytes settles those (no opcode here begins with a prefix
	 * byte) and never touches the next page.
	 */
	if (!mvm_read_guest_virt(vcpu, svm_rip_linear(vcpu), bytes, op_len) &&
	    !memcmp(bytes, op, op_len)) {
		*next_rip = vcpu->rip + op_len;
		return 0;
	}
	n = svm_insn_read(vcpu, bytes);
	if (n < 0)
		return n;
	i = 0;
	while (i < n && svm_is_prefix(bytes[i], mode64))
		i++;
	if (i + op_len > n || memcmp(bytes + i, op, op_len))
		return -EINVAL;
	*next_rip = vcpu->rip + i + op_len;
	return 0;
}

/* What the prefixes of a string IO instruction say. */
struct svm_io_prefix {
	int seg;		/* segment override, or -1 */
	bool addr_size;		/* 0x67 */
};

/*
 * Reads the prefixes, which lie between rip and the next rip the exit
 * reports, to find what the CPU did not report: the segment of OUTS
 * without decode assists, and the address size where EXITINFO1 lacks it
 * (QEMU leaves those bits clear).
 */
static int svm_io_prefix_read(struct mvm_vcpu *vcpu, u64 next_rip,
			      struct svm_io_prefix *p)
{
	static const u8 seg_prefix[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };
	struct vmcb_save *st = &to_svm(vcpu)->vmcb->save;
	u64 len = next_rip - vcpu->rip;
	unsigned int i, j;
	u8 bytes[15];

	p->seg = -1;
	p->addr_size = false;
	if (!len || len > sizeof(bytes))
		return -EINVAL;
	if (mvm_read_guest_virt(vcpu, st->cs.base + vcpu->rip, bytes, len))
		return -EFAULT;
	for (i = 0; i < len; i++) {
		if (bytes[i] == 0x67)
			p->addr_size = true;
		for (j = 0; j < ARRAY_SIZE(seg_prefix); j++)
			if (bytes[i] == seg_prefix[j])
				p->seg = j;
	}
	return 0;
}

/* The address size of the current code segment, flipped by 0x67. */
static u8 svm_io_addr_size(struct vmcb_save *st, bool prefix67)
{
	if (svm_long_mode(st))
		return prefix67 ? 4 : 8;
	if (st->cs.attrib & SVM_SEG_DB)
		return prefix67 ? 2 : 4;
	return prefix67 ? 4 : 2;
}

static u64 svm_seg_base(struct vmcb_save *st, int seg)
{
	const struct svm_seg *segs[] = {
		&st->es, &st->cs, &st->ss, &st->ds, &st->fs, &st->gs,
	};

	/* In 64-bit mode only FS and GS have a base. */
	if (svm_long_mode(st) && seg < 4)
		return 0;
	return segs[seg]->base;
}

/* An exit the backend could not make sense of: INTERNAL_ERROR. */
static void svm_exit_unknown(struct mvm_exit *exit, u32 suberror)
{
	exit->reason = MVM_EXIT_INTERNAL;
	exit->internal_suberror = suberror;
}

/*
 * An instruction exit: the core needs the rip after the instruction,
 * which the CPU reports with NRIP save; otherwise its bytes are read.
 */
static void svm_exit_insn(struct mvm_vcpu *vcpu, struct mvm_exit *exit,
			  enum mvm_exit_reason reason, const u8 *op,
			  unsigned int op_len)
{
	if (svm_next_rip(vcpu, op, op_len, &exit->next_rip)) {
		svm_exit_unknown(exit, MINIVMM_INTERNAL_ERROR_EMULATION);
		return;
	}
	exit->reason = reason;
}

static void svm_exit_io(struct mvm_vcpu *vcpu, struct mvm_exit *exit)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;
	u64 info = vmcb->ctl.exit_info_1;
	struct mvm_io *io = &exit->io;
	struct svm_io_prefix p;
	int seg;

	*io = (struct mvm_io) {
		.port = info >> SVM_IO_PORT_SHIFT,
		.size = (info & SVM_IO_SZ_MASK) >> SVM_IO_SZ_SHIFT,
		.in = info & SVM_IO_IN,
		.string = info & SVM_IO_STR,
		.rep = info & SVM_IO_REP,
		.addr_size = ((info & SVM_IO_A_MASK) >> SVM_IO_A_SHIFT) * 2,
		.next_rip = vmcb->ctl.exit_info_2,
	};
	if (io->size != 1 && io->size != 2 && io->size != 4) {
		svm_exit_unknown(exit, MINIVMM_INTERNAL_ERROR_UNHANDLED_EXIT);
		return;
	}
	exit->reason = MVM_EXIT_IO;
	if (!io->string)
		return;
	if (svm_io_prefix_read(vcpu, io->next_rip, &p)) {
		svm_exit_unknown(exit, MINIVMM_INTERNAL_ERROR_EMULATION);
		return;
	}
	if (io->addr_size != 2 && io->addr_size != 4 && io->addr_size != 8)
		io->addr_size = svm_io_addr_size(&vmcb->save, p.addr_size);
	/* INS always writes ES; OUTS reads DS unless overridden. */
	if (io->in)
		seg = 0;
	else if (svm_features & SVM_FEAT_DECODE_ASSISTS)
		seg = (info & SVM_IO_SEG_MASK) >> SVM_IO_SEG_SHIFT;
	else
		seg = p.seg >= 0 ? p.seg : 3;
	if (seg > 5) {
		svm_exit_unknown(exit, MINIVMM_INTERNAL_ERROR_EMULATION);
		return;
	}
	io->seg_base = svm_seg_base(&vmcb->save, seg);
}

static void svm_exit_npf(struct mvm_vcpu *vcpu, struct mvm_exit *exit)
{
	struct vmcb_control *c = &to_svm(vcpu)->vmcb->ctl;
	u64 err = c->exit_info_1;

	exit->reason = MVM_EXIT_NPF;
	exit->npf.gpa = c->exit_info_2;
	exit->npf.write = err & SVM_NPF_WRITE;
	exit->npf.not_present = !(err & SVM_NPF_P);
	/*
	 * During the walk of the guest's own page tables, a reserved bit,
	 * or a read of a page that is mapped: not the instruction's MMIO.
	 */
	exit->npf.not_mmio = (err & (SVM_NPF_RSVD | SVM_NPF_WALK)) ||
			     ((err & SVM_NPF_P) && !(err & SVM_NPF_WRITE));
}

/*
 * MOV to CR8, intercepted while the in-kernel LAPIC's TPR is above zero
 * (svm_tpr_load()): lowering it may unmask an interrupt that is due, and
 * V_TPR alone would not exit for that.  Without decode assists the
 * instruction is decoded here: prefixes, 0f 22 /r, CR8 by REX.R or the
 * LOCK alias, the source GPR by ModRM.rm and REX.B.
 */
static void svm_exit_cr8_write(struct mvm_vcpu *vcpu, struct mvm_exit *exit)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;
	bool mode64 = svm_long_mode(&vmcb->save);
	bool lock = false;
	u8 bytes[15], rex = 0, modrm;
	unsigned int cr, gpr;
	int i, n;

	n = svm_insn_read(vcpu, bytes);
	if (n < 0)
		goto bad;
	for (i = 0; i < n && svm_is_prefix(bytes[i], mode64); i++) {
		if (bytes[i] == 0xf0)
			lock = true;
		/* REX counts only as the last prefix. */
		rex = (mode64 && (bytes[i] & 0xf0) == 0x40) ? bytes[i] : 0;
	}
	if (i + 3 > n || bytes[i] != 0x0f || bytes[i + 1] != 0x22)
		goto bad;
	modrm = bytes[i + 2];
	cr = ((modrm >> 3) & 7) | ((rex & 4) || lock ? 8 : 0);
	gpr = (modrm & 7) | (rex & 1 ? 8 : 0);
	if (cr != 8)
		goto bad;
	exit->reason = MVM_EXIT_CR;
	exit->next_rip = vcpu->rip + i + 3;
	exit->cr.cr = 8;
	exit->cr.gpr = gpr;
	exit->cr.access = MVM_CR_WRITE;
	exit->cr.mode64 = mode64;
	return;
bad:
	svm_exit_unknown(exit, MINIVMM_INTERNAL_ERROR_EMULATION);
}

/*
 * The IRET of the handler of an injected NMI is about to run: let it run
 * without the intercept; svm_nmi_iret_check() unblocks NMIs once it has.
 */
static void svm_exit_iret(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);

	s->vmcb->ctl.intercepts[SVM_ICPT_MISC1] &= ~SVM_I1_IRET;
	if (s->nmi.masked) {
		s->nmi.iret_seen = true;
		s->nmi.iret_rip = vcpu->rip;
	}
}

void svm_exit_translate(struct mvm_vcpu *vcpu, struct mvm_exit *exit)
{
	static const u8 op_cpuid[] = { 0x0f, 0xa2 }, op_hlt[] = { 0xf4 };
	static const u8 op_invd[] = { 0x0f, 0x08 }, op_wbinvd[] = { 0x0f, 0x09 };
	static const u8 op_rdmsr[] = { 0x0f, 0x32 }, op_wrmsr[] = { 0x0f, 0x30 };
	static const u8 op_xsetbv[] = { 0x0f, 0x01, 0xd1 };
	struct vmcb_control *c = &to_svm(vcpu)->vmcb->ctl;
	u64 code = c->exit_code;

	exit->hw[0] = code;
	exit->hw[1] = c->exit_info_1;
	exit->hw[2] = c->exit_info_2;
	exit->hw[3] = c->exit_int_info;
	switch (code) {
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
	case SVM_EXIT_INIT:
		/* The host takes it once GIF and IF are set again. */
		return;
	case SVM_EXIT_EXC_BASE + SVM_MC:
		/* A machine check in guest mode is the host's: run its handler. */
		asm volatile("int $0x12");
		return;
	case SVM_EXIT_VINTR:
		exit->reason = MVM_EXIT_IRQ_WINDOW;
		return;
	case SVM_EXIT_IRET:
		svm_exit_iret(vcpu);
		return;
	case SVM_EXIT_CR8_WRITE:
		svm_exit_cr8_write(vcpu, exit);
		return;
	case SVM_EXIT_CPUID:
		svm_exit_insn(vcpu, exit, MVM_EXIT_CPUID, op_cpuid, 2);
		return;
	case SVM_EXIT_HLT:
		svm_exit_insn(vcpu, exit, MVM_EXIT_HLT, op_hlt, 1);
		return;
	case SVM_EXIT_MSR:
		/* Before the access: a failed WRMSR must not take effect. */
		if (c->exit_info_1)
			svm_exit_insn(vcpu, exit, MVM_EXIT_WRMSR, op_wrmsr, 2);
		else
			svm_exit_insn(vcpu, exit, MVM_EXIT_RDMSR, op_rdmsr, 2);
		return;
	case SVM_EXIT_XSETBV:
		svm_exit_insn(vcpu, exit, MVM_EXIT_XSETBV, op_xsetbv, 3);
		return;
	case SVM_EXIT_INVD:
		svm_exit_insn(vcpu, exit, MVM_EXIT_NOP, op_invd, 2);
		return;
	case SVM_EXIT_WBINVD:
		svm_exit_insn(vcpu, exit, MVM_EXIT_NOP, op_wbinvd, 2);
		return;
	case SVM_EXIT_IOIO:
		svm_exit_io(vcpu, exit);
		return;
	case SVM_EXIT_NPF:
		svm_exit_npf(vcpu, exit);
		return;
	case SVM_EXIT_RDPMC:
		exit->reason = MVM_EXIT_RDPMC;
		return;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMMCALL:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_COND:
	case SVM_EXIT_RSM:
		exit->reason = MVM_EXIT_UD;
		return;
	case SVM_EXIT_SHUTDOWN:
		exit->reason = MVM_EXIT_SHUTDOWN;
		return;
	case SVM_EXIT_INVALID:
		exit->reason = MVM_EXIT_FAIL_ENTRY;
		exit->fail_reason = code;
		return;
	}
	svm_exit_unknown(exit, MINIVMM_INTERNAL_ERROR_UNHANDLED_EXIT);
}
