// SPDX-License-Identifier: GPL-2.0
/*
 * AMD-V backend: turning a #VMEXIT into "re-enter" or a
 * minivmm_run exit.  The bed CPU has no NRIP save and no decode assists,
 * so instruction lengths come from reading the instruction each exit
 * implies (prefixes included).
 */
#include <linux/kernel.h>
#include <linux/smp.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include "svm.h"
#include "insn_fetch.h"

#define SVM_UD		6
#define SVM_GP		13
#define SVM_MC		18

static int svm_internal_error(struct mvm_vcpu *vcpu, u32 suberror)
{
	struct vmcb_control *c = &to_svm(vcpu)->vmcb->ctl;
	u64 data[4] = {
		c->exit_code, c->exit_info_1, c->exit_info_2, c->exit_int_info,
	};

	mvm_exit_internal_error(vcpu, suberror, data, ARRAY_SIZE(data));
	return MVM_USER;
}

static bool svm_long_mode(struct vmcb_save *st)
{
	return (st->efer & EFER_LMA) && (st->cs.attrib & SVM_SEG_L);
}

/*
 * The rip after the intercepted instruction whose opcode is @op.  With
 * NRIP save the CPU reports it.  Without (QEMU TCG), the instruction at
 * rip is fetched and measured (insn_fetch.c, x86_decode.c): the guest may
 * have put any number of redundant prefixes in front of the opcode, so a
 * fixed length would resume it mid-instruction.
 * Bytes that cannot be read or are not @op are an error, not a guess:
 * the guest changed its code under us or the exit is not what it seems.
 */
static int svm_next_rip(struct mvm_vcpu *vcpu, const u8 *op,
			unsigned int op_len, u64 *next_rip)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;
	u8 bytes[MVM_INSN_MAX_LEN];
	enum mvm_insn_mode mode;
	unsigned int n;
	int len;

	if (svm_features & SVM_FEAT_NRIPS) {
		*next_rip = vmcb->ctl.next_rip;
		return 0;
	}
	n = mvm_insn_fetch(vcpu, bytes, &mode);
	len = mvm_insn_op_len(bytes, n, mode, op, op_len);
	if (len < 0)
		return len;
	*next_rip = vcpu->rip + len;
	return 0;
}

/*
 * Move rip past the intercepted instruction, or report why not.  Its
 * completion ends an STI/MOV SS shadow (sti; hlt must wake up).
 */
static int svm_skip(struct mvm_vcpu *vcpu, const u8 *op, unsigned int op_len)
{
	u64 next_rip;

	if (svm_next_rip(vcpu, op, op_len, &next_rip))
		return svm_internal_error(vcpu,
					  MINIVMM_INTERNAL_ERROR_EMULATION);
	vcpu->rip = next_rip;
	to_svm(vcpu)->vmcb->ctl.int_state &= ~SVM_INT_SHADOW;
	return MVM_RESUME;
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
 * (QEMU leaves those bits clear).  Bytes that are not INS/OUTS of that
 * length are an error: the guest changed its code under us.
 */
static int svm_io_prefix_read(struct mvm_vcpu *vcpu, u64 next_rip,
			      struct svm_io_prefix *p)
{
	struct mvm_insn_prefixes pfx;
	u8 bytes[MVM_INSN_MAX_LEN];
	enum mvm_insn_mode mode;
	u64 len = next_rip - vcpu->rip;
	unsigned int n;

	p->seg = -1;
	p->addr_size = false;
	if (!len || len > sizeof(bytes))
		return -EINVAL;
	n = mvm_insn_fetch(vcpu, bytes, &mode);
	if (mvm_insn_string_io(bytes, n, len, mode, &pfx))
		return -EFAULT;
	p->seg = mvm_insn_seg_reg(pfx.seg);
	p->addr_size = pfx.adsize;
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

static int svm_exit_io(struct mvm_vcpu *vcpu)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;
	u64 info = vmcb->ctl.exit_info_1;
	struct mvm_io io = {
		.port = info >> SVM_IO_PORT_SHIFT,
		.size = (info & SVM_IO_SZ_MASK) >> SVM_IO_SZ_SHIFT,
		.in = info & SVM_IO_IN,
		.string = info & SVM_IO_STR,
		.rep = info & SVM_IO_REP,
		.addr_size = ((info & SVM_IO_A_MASK) >> SVM_IO_A_SHIFT) * 2,
		.next_rip = vmcb->ctl.exit_info_2,
	};
	struct svm_io_prefix p;
	int seg;

	if (io.size != 1 && io.size != 2 && io.size != 4)
		return svm_internal_error(vcpu,
					  MINIVMM_INTERNAL_ERROR_UNHANDLED_EXIT);
	if (io.string) {
		if (svm_io_prefix_read(vcpu, io.next_rip, &p))
			return svm_internal_error(vcpu,
					MINIVMM_INTERNAL_ERROR_EMULATION);
		if (io.addr_size != 2 && io.addr_size != 4 &&
		    io.addr_size != 8)
			io.addr_size = svm_io_addr_size(&vmcb->save,
							p.addr_size);
		/* INS always writes ES; OUTS reads DS unless overridden. */
		if (io.in)
			seg = 0;
		else if (svm_features & SVM_FEAT_DECODE_ASSISTS)
			seg = (info & SVM_IO_SEG_MASK) >> SVM_IO_SEG_SHIFT;
		else
			seg = p.seg >= 0 ? p.seg : 3;
		if (seg > 5)
			return svm_internal_error(vcpu,
					MINIVMM_INTERNAL_ERROR_EMULATION);
		io.seg_base = svm_seg_base(&vmcb->save, seg);
	}
	return mvm_io_exit(vcpu, &io);
}

static int svm_exit_msr(struct mvm_vcpu *vcpu)
{
	static const u8 rdmsr[] = { 0x0f, 0x32 }, wrmsr[] = { 0x0f, 0x30 };
	struct vmcb_control *c = &to_svm(vcpu)->vmcb->ctl;
	u32 index = vcpu->gprs[MVM_RCX];
	u64 data, next_rip;
	int ret;

	/* Before the access: a failed WRMSR must not have taken effect. */
	if (svm_next_rip(vcpu, c->exit_info_1 ? wrmsr : rdmsr, 2, &next_rip))
		return svm_internal_error(vcpu,
					  MINIVMM_INTERNAL_ERROR_EMULATION);
	if (c->exit_info_1) {
		data = (u32)vcpu->gprs[MVM_RAX] |
		       ((u64)(u32)vcpu->gprs[MVM_RDX] << 32);
		ret = mvm_msr_guest_write(vcpu, index, data);
	} else {
		ret = mvm_msr_guest_read(vcpu, index, &data);
		if (!ret) {
			vcpu->gprs[MVM_RAX] = (u32)data;
			vcpu->gprs[MVM_RDX] = data >> 32;
		}
	}
	if (ret) {
		svm_inject_exception(vcpu, SVM_GP, true, 0);
		return MVM_RESUME;
	}
	vcpu->rip = next_rip;
	return MVM_RESUME;
}

static int svm_exit_xsetbv(struct mvm_vcpu *vcpu)
{
	static const u8 xsetbv[] = { 0x0f, 0x01, 0xd1 };
	u64 value = (u32)vcpu->gprs[MVM_RAX] |
		    ((u64)(u32)vcpu->gprs[MVM_RDX] << 32);
	u64 next_rip;

	if (svm_next_rip(vcpu, xsetbv, sizeof(xsetbv), &next_rip))
		return svm_internal_error(vcpu,
					  MINIVMM_INTERNAL_ERROR_EMULATION);
	if (mvm_xsetbv(vcpu, vcpu->gprs[MVM_RCX], value)) {
		svm_inject_exception(vcpu, SVM_GP, true, 0);
		return MVM_RESUME;
	}
	vcpu->rip = next_rip;
	return MVM_RESUME;
}

/*
 * Nested page fault.  A slot's RAM is mapped on the guest's first touch:
 * a fault on a non-present entry inside a slot asks the core to pin and
 * map it, and the guest repeats the access (an event being delivered is
 * re-injected, as after any exit).  Otherwise a fault on a present entry
 * that is not a write is not ours to handle, nor is one while the CPU
 * walks the guest's page tables or delivers an event: report those
 * instead of treating them as device accesses.
 */
static int svm_exit_npf(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);
	u64 err = s->vmcb->ctl.exit_info_1;
	u64 gpa = s->vmcb->ctl.exit_info_2;

	if (!(err & SVM_NPF_P) && mvm_gpa_is_ram(vcpu->vm, gpa)) {
		vcpu->fault_gpa = gpa;
		return MVM_FAULT_IN;
	}
	if (s->reinject & SVM_EV_VALID)
		return svm_internal_error(vcpu,
					  MINIVMM_INTERNAL_ERROR_DELIVERY_EV);
	if ((err & (SVM_NPF_RSVD | SVM_NPF_WALK)) ||
	    ((err & SVM_NPF_P) && !(err & SVM_NPF_WRITE)))
		return svm_internal_error(vcpu,
					  MINIVMM_INTERNAL_ERROR_UNHANDLED_EXIT);
	return mvm_mmio_exit(vcpu, gpa, err & SVM_NPF_WRITE);
}

/*
 * MOV to CR8, intercepted while the in-kernel LAPIC's TPR is above zero
 * (svm_tpr_load()): lowering it may unmask an interrupt that is due, and
 * V_TPR alone would not exit for that.  Without decode assists the
 * instruction is fetched and decoded by the shared decoder (0f 22 /r, CR8
 * by REX.R or AMD's LOCK alias, the source GPR by ModRM.rm and REX.B).
 */
static int svm_exit_cr8_write(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb *vmcb = s->vmcb;
	u8 bytes[MVM_INSN_MAX_LEN];
	enum mvm_insn_mode mode;
	struct mvm_insn_cr insn;
	unsigned int n;
	u64 val;

	n = mvm_insn_fetch(vcpu, bytes, &mode);
	if (mvm_insn_decode_mov_cr(bytes, n, mode, true, &insn) ||
	    !insn.to_cr || insn.cr != 8)
		return svm_internal_error(vcpu,
					  MINIVMM_INTERNAL_ERROR_EMULATION);
	val = insn.op_size == 8 ? vcpu->gprs[insn.gpr] :
				  (u32)vcpu->gprs[insn.gpr];
	if (vmcb->save.cpl || (val & ~0xfull)) {
		svm_inject_exception(vcpu, SVM_GP, true, 0);
		return MVM_RESUME;
	}
	vmcb->ctl.int_ctl = (vmcb->ctl.int_ctl & ~SVM_INT_V_TPR_MASK) | val;
	s->v_tpr = val;
	mvm_irq_set_cr8(vcpu, val);
	vcpu->rip += insn.len;
	vmcb->ctl.int_state &= ~SVM_INT_SHADOW;
	return MVM_RESUME;
}

/*
 * The IRET of the handler of an injected NMI is about to run: let it run
 * without the intercept; svm_nmi_iret_check() unblocks NMIs once it has.
 */
static int svm_exit_iret(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);

	s->vmcb->ctl.intercepts[SVM_ICPT_MISC1] &= ~SVM_I1_IRET;
	if (s->nmi.masked) {
		s->nmi.iret_seen = true;
		s->nmi.iret_rip = vcpu->rip;
	}
	return MVM_RESUME;
}

int svm_handle_exit(struct mvm_vcpu *vcpu)
{
	static const u8 op_cpuid[] = { 0x0f, 0xa2 }, op_hlt[] = { 0xf4 };
	static const u8 op_invd[] = { 0x0f, 0x08 }, op_wbinvd[] = { 0x0f, 0x09 };
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;
	struct minivmm_run *run = vcpu->run;
	u64 code = vmcb->ctl.exit_code;

	switch (code) {
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
	case SVM_EXIT_INIT:
		/* The host takes it once GIF and IF are set again. */
		return MVM_RESUME;
	case SVM_EXIT_EXC_BASE + SVM_MC:
		/* A machine check in guest mode is the host's: run its handler. */
		asm volatile("int $0x12");
		return MVM_RESUME;
	case SVM_EXIT_VINTR:
		/* svm_events_inject() clears V_IRQ and the intercept. */
		return mvm_irq_window_exit(vcpu);
	case SVM_EXIT_IRET:
		return svm_exit_iret(vcpu);
	case SVM_EXIT_CR8_WRITE:
		return svm_exit_cr8_write(vcpu);
	case SVM_EXIT_CPUID:
		if (svm_skip(vcpu, op_cpuid, sizeof(op_cpuid)) != MVM_RESUME)
			return MVM_USER;
		mvm_cpuid_emulate(vcpu);
		return MVM_RESUME;
	case SVM_EXIT_HLT:
		if (svm_skip(vcpu, op_hlt, sizeof(op_hlt)) != MVM_RESUME)
			return MVM_USER;
		return mvm_vcpu_halt(vcpu);
	case SVM_EXIT_IOIO:
		return svm_exit_io(vcpu);
	case SVM_EXIT_MSR:
		return svm_exit_msr(vcpu);
	case SVM_EXIT_XSETBV:
		return svm_exit_xsetbv(vcpu);
	case SVM_EXIT_NPF:
		return svm_exit_npf(vcpu);
	case SVM_EXIT_INVD:
	case SVM_EXIT_WBINVD:
		/* Guest memory is cacheable host memory: nothing to do. */
		return svm_skip(vcpu, code == SVM_EXIT_INVD ? op_invd :
				op_wbinvd, 2);
	case SVM_EXIT_RDPMC:
		svm_inject_exception(vcpu, SVM_GP, true, 0);
		return MVM_RESUME;
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
		/* No nested virtualization, no monitor/mwait, no SMM. */
		svm_inject_exception(vcpu, SVM_UD, false, 0);
		return MVM_RESUME;
	case SVM_EXIT_SHUTDOWN:
		run->exit_reason = MINIVMM_EXIT_SHUTDOWN;
		return MVM_USER;
	case SVM_EXIT_INVALID:
		run->exit_reason = MINIVMM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason = code;
		run->fail_entry.cpu = smp_processor_id();
		run->fail_entry.pad = 0;
		return MVM_USER;
	default:
		return svm_internal_error(vcpu,
					  MINIVMM_INTERNAL_ERROR_UNHANDLED_EXIT);
	}
}
