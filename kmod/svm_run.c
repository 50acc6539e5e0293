// SPDX-License-Identifier: GPL-2.0
/*
 * AMD-V entry and exit: the core's registers and chosen event into the
 * VMCB, VMRUN with the global interrupt flag clear around it, the state
 * and the interrupted event back into the core's copy after the exit,
 * and the #VMEXIT into the core's description of it (struct mvm_exit).
 * No architectural decision is taken here.  On a CPU without NRIP save
 * and decode assists, instruction lengths and operands come from reading
 * the instruction each exit implies, prefixes included (insn_fetch.c,
 * x86_decode.c).
 */
#include <linux/kernel.h>
#include <linux/irqflags.h>
#include <linux/smp.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/hw_breakpoint.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include "svm.h"
#include "insn_fetch.h"

static inline void svm_clgi(void)
{
	asm volatile("clgi" ::: "memory");
}

static inline void svm_stgi(void)
{
	asm volatile("stgi" ::: "memory");
}

/*
 * The interrupt window: a virtual interrupt request (V_IRQ) that ignores
 * V_TPR, with the VINTR intercept, makes the CPU exit as soon as the guest
 * can take an interrupt (RFLAGS.IF set, no interrupt shadow).
 */
static void __mvm_exit_path svm_window_open(struct vmcb_control *c)
{
	c->int_ctl |= SVM_INT_V_IRQ | SVM_INT_V_IGN_TPR |
		      (0xfu << SVM_INT_V_PRIO_SHIFT);
	c->intercepts[SVM_ICPT_MISC1] |= SVM_I1_VINTR;
}

static const u32 svm_event_types[] = {
	[MVM_EVENT_EXT] = SVM_EV_TYPE_INTR,
	[MVM_EVENT_NMI] = SVM_EV_TYPE_NMI,
	[MVM_EVENT_EXC] = SVM_EV_TYPE_EXC,
};

/*
 * The core's event into EVENTINJ.  An injected NMI blocks the guest's
 * NMIs until its handler's IRET, which is intercepted for that.
 */
static void __mvm_exit_path svm_event_write(struct svm_vcpu *s, const struct mvm_event *ev)
{
	struct vmcb_control *c = &s->vmcb->ctl;

	c->event_inj = 0;
	c->event_inj_err = 0;
	if (ev->type == MVM_EVENT_NONE ||
	    ev->type >= ARRAY_SIZE(svm_event_types))
		return;
	c->event_inj = (ev->vector & SVM_EV_VECTOR_MASK) |
		       svm_event_types[ev->type] | SVM_EV_VALID;
	if (ev->has_error) {
		c->event_inj |= SVM_EV_ERR_VALID;
		c->event_inj_err = ev->error;
	}
	if (ev->type == MVM_EVENT_NMI) {
		s->nmi.masked = true;
		s->nmi.iret_seen = false;
		c->intercepts[SVM_ICPT_MISC1] |= SVM_I1_IRET;
	}
}

/*
 * The windows the core asked for.  An NMI blocked by the guest's NMI
 * handler comes back through the intercepted IRET instead (the next
 * exit after it retires unblocks NMIs), except when that IRET found IF
 * clear: then the window exit comes once IF is set again.  With IF set
 * at that IRET a window would exit before the IRET retires, over and
 * over.
 */
static void __mvm_exit_path svm_windows_write(struct mvm_vcpu *vcpu,
					      const struct mvm_entry *entry)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb_control *c = &s->vmcb->ctl;
	bool window = entry->irq_window;

	c->int_ctl &= ~(SVM_INT_V_IRQ | SVM_INT_V_IGN_TPR |
			(0xfu << SVM_INT_V_PRIO_SHIFT));
	c->intercepts[SVM_ICPT_MISC1] &= ~SVM_I1_VINTR;
	if (entry->nmi_window &&
	    (!s->nmi.masked ||
	     (s->nmi.iret_seen && !(vcpu->rflags & X86_EFLAGS_IF))))
		window = true;
	if (window)
		svm_window_open(c);
}

bool __mvm_exit_path svm_nmi_blocked(struct mvm_vcpu *vcpu)
{
	return to_svm(vcpu)->nmi.masked;
}

/*
 * With the in-kernel LAPIC its TPR is the truth: the guest's CR8 (V_TPR
 * with V_INTR_MASKING, which the guest reads and writes without exits)
 * is loaded from it before each entry and reported back after each exit
 * that changed it.  While it is above zero, CR8 writes are intercepted:
 * lowering it may unmask an interrupt that is due.
 */
static void __mvm_exit_path svm_tpr_load(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb_control *c = &s->vmcb->ctl;

	if (!vcpu->lapic)
		return;
	s->v_tpr = mvm_irq_get_cr8(vcpu) & 0xf;
	c->int_ctl = (c->int_ctl & ~SVM_INT_V_TPR_MASK) | s->v_tpr;
	if (s->v_tpr)
		c->intercepts[SVM_ICPT_CR] |= SVM_ICPT_CR8_WRITE;
	else
		c->intercepts[SVM_ICPT_CR] &= ~SVM_ICPT_CR8_WRITE;
}

static void __mvm_exit_path svm_tpr_save(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);
	u8 tpr = s->vmcb->ctl.int_ctl & 0xf;

	if (!vcpu->lapic || tpr == s->v_tpr)
		return;
	s->v_tpr = tpr;
	mvm_irq_set_cr8(vcpu, tpr);
}

/*
 * EXITINTINFO: the event whose delivery this exit interrupted.  INT n,
 * INT3 and INTO are software events (their rip is still on the
 * instruction).
 */
static void __mvm_exit_path svm_interrupted_save(struct mvm_vcpu *vcpu)
{
	struct vmcb_control *c = &to_svm(vcpu)->vmcb->ctl;
	struct mvm_event *ev = &vcpu->interrupted;
	u32 info = c->exit_int_info;
	u8 vector = info & SVM_EV_VECTOR_MASK;

	ev->type = MVM_EVENT_NONE;
	if (!(info & SVM_EV_VALID))
		return;
	ev->vector = vector;
	ev->has_error = info & SVM_EV_ERR_VALID;
	ev->error = ev->has_error ? c->exit_int_info_err : 0;
	switch (info & SVM_EV_TYPE_MASK) {
	case SVM_EV_TYPE_INTR:
		ev->type = MVM_EVENT_EXT;
		break;
	case SVM_EV_TYPE_NMI:
		ev->type = MVM_EVENT_NMI;
		break;
	case SVM_EV_TYPE_EXC:
		ev->type = (vector == 3 || vector == 4) ? MVM_EVENT_SOFT :
							   MVM_EVENT_EXC;
		break;
	default:
		ev->type = MVM_EVENT_SOFT;
		break;
	}
}

/*
 * After an intercepted IRET, the first exit at another rip means the
 * IRET has retired: the guest's NMI handler is done.
 */
static void __mvm_exit_path svm_nmi_iret_check(struct mvm_vcpu *vcpu)
{
	struct svm_nmi *nmi = &to_svm(vcpu)->nmi;

	if (nmi->iret_seen && vcpu->rip != nmi->iret_rip) {
		nmi->iret_seen = false;
		nmi->masked = false;
	}
}

#define SVM_MC		18

static bool __mvm_exit_path svm_long_mode(struct vmcb_save *st)
{
	return (st->efer & EFER_LMA) && (st->cs.attrib & SVM_SEG_L);
}

/*
 * The rip after the intercepted instruction whose opcode is @op.  With
 * NRIP save the CPU reports it.  Without, the instruction at
 * rip is fetched and measured (insn_fetch.c, x86_decode.c): the guest may
 * have put any number of redundant prefixes in front of the opcode, so a
 * fixed length would resume it mid-instruction.
 * Bytes that cannot be read or are not @op are an error, not a guess:
 * the guest changed its code under us or the exit is not what it seems.
 */
static int __mvm_exit_path svm_next_rip(struct mvm_vcpu *vcpu, const u8 *op,
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

/* What the prefixes of a string IO instruction say. */
struct svm_io_prefix {
	int seg;		/* segment override, or -1 */
	bool addr_size;		/* 0x67 */
};

/*
 * Reads the prefixes, which lie between rip and the next rip the exit
 * reports, to find what the CPU did not report: the segment of OUTS
 * without decode assists, and the address size where EXITINFO1 lacks it
 * (some CPUs leave those bits clear).  Bytes that are not INS/OUTS of that
 * length are an error: the guest changed its code under us.
 */
static int __mvm_exit_path svm_io_prefix_read(struct mvm_vcpu *vcpu, u64 next_rip,
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
static u8 __mvm_exit_path svm_io_addr_size(struct vmcb_save *st, bool prefix67)
{
	if (svm_long_mode(st))
		return prefix67 ? 4 : 8;
	if (st->cs.attrib & SVM_SEG_DB)
		return prefix67 ? 2 : 4;
	return prefix67 ? 4 : 2;
}

static u64 __mvm_exit_path svm_seg_base(struct vmcb_save *st, int seg)
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
static void __mvm_exit_path svm_exit_unknown(struct mvm_exit *exit, u32 suberror)
{
	exit->reason = MVM_EXIT_INTERNAL;
	exit->internal_suberror = suberror;
}

/*
 * An instruction exit: the core needs the rip after the instruction,
 * which the CPU reports with NRIP save; otherwise its bytes are read.
 */
static void __mvm_exit_path svm_exit_insn(struct mvm_vcpu *vcpu, struct mvm_exit *exit,
					  enum mvm_exit_reason reason, const u8 *op,
					  unsigned int op_len)
{
	if (svm_next_rip(vcpu, op, op_len, &exit->next_rip)) {
		svm_exit_unknown(exit, MINIVMM_INTERNAL_ERROR_EMULATION);
		return;
	}
	exit->reason = reason;
}

static void __mvm_exit_path svm_exit_io(struct mvm_vcpu *vcpu, struct mvm_exit *exit)
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

static void __mvm_exit_path svm_exit_npf(struct mvm_vcpu *vcpu, struct mvm_exit *exit)
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
 * The GPR of an intercepted MOV CR/DR: decode assists report it;
 * otherwise the instruction is fetched and decoded (LOCK is AMD's alias
 * for CR8).  False where the bytes are not that MOV.
 */
static bool __mvm_exit_path svm_mov_decode(struct mvm_vcpu *vcpu, bool dr, unsigned int reg,
					   struct mvm_exit *exit, u8 *gpr)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;
	u64 info = vmcb->ctl.exit_info_1;
	u8 bytes[MVM_INSN_MAX_LEN];
	enum mvm_insn_mode mode;
	struct mvm_insn_cr insn;
	unsigned int n;
	int r;

	if ((svm_features & SVM_FEAT_DECODE_ASSISTS) &&
	    (svm_features & SVM_FEAT_NRIPS) && (info & SVM_MOV_VALID)) {
		*gpr = info & SVM_MOV_GPR_MASK;
		exit->next_rip = vmcb->ctl.next_rip;
		return true;
	}
	n = mvm_insn_fetch(vcpu, bytes, &mode);
	if (dr)
		r = mvm_insn_decode_mov_dr(bytes, n, mode, &insn);
	else
		r = mvm_insn_decode_mov_cr(bytes, n, mode, true, &insn);
	if (r || insn.cr != reg)
		return false;
	*gpr = insn.gpr;
	exit->next_rip = vcpu->rip + insn.len;
	return true;
}

/*
 * MOV to CR4 (the core checks the new value), and MOV to CR8 while the
 * in-kernel LAPIC's TPR is above zero (svm_tpr_load()): lowering it may
 * unmask an interrupt that is due, and V_TPR alone would not exit for
 * that.
 */
static void __mvm_exit_path svm_exit_cr_write(struct mvm_vcpu *vcpu, struct mvm_exit *exit,
					      unsigned int cr)
{
	u8 gpr;

	if (!svm_mov_decode(vcpu, false, cr, exit, &gpr)) {
		svm_exit_unknown(exit, MINIVMM_INTERNAL_ERROR_EMULATION);
		return;
	}
	exit->reason = MVM_EXIT_CR;
	exit->cr.cr = cr;
	exit->cr.gpr = gpr;
	exit->cr.access = MVM_CR_WRITE;
	exit->cr.mode64 = svm_long_mode(&to_svm(vcpu)->vmcb->save);
}

/* MOV to or from DR0-DR7: the core keeps the guest's debug registers. */
static void __mvm_exit_path svm_exit_dr(struct mvm_vcpu *vcpu, struct mvm_exit *exit,
					unsigned int dr, bool write)
{
	u8 gpr;

	if (!svm_mov_decode(vcpu, true, dr, exit, &gpr)) {
		svm_exit_unknown(exit, MINIVMM_INTERNAL_ERROR_EMULATION);
		return;
	}
	exit->reason = MVM_EXIT_DR;
	exit->dr.dr = dr;
	exit->dr.gpr = gpr;
	exit->dr.write = write;
	exit->dr.mode64 = svm_long_mode(&to_svm(vcpu)->vmcb->save);
}

/*
 * A #DB or #AC of the guest, reflected.  The CPU has set the #DB's bits
 * in the guest's DR6 (the VMCB's): they are the core's to keep, and the
 * hardware copy starts clean again.
 */
static void __mvm_exit_path svm_exit_exception(struct mvm_vcpu *vcpu, struct mvm_exit *exit,
					       u8 vector)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;

	exit->reason = MVM_EXIT_EXCEPTION;
	exit->exc.vector = vector;
	if (vector == 17) {
		exit->exc.has_error = true;
		exit->exc.error = vmcb->ctl.exit_info_1;
	} else {
		exit->exc.dr6 = vmcb->save.dr6;
		vmcb->save.dr6 = MVM_DR6_RESET;
	}
}

/*
 * The IRET of the handler of an injected NMI is about to run: let it run
 * without the intercept; svm_nmi_iret_check() unblocks NMIs once it has.
 */
static void __mvm_exit_path svm_exit_iret(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);

	s->vmcb->ctl.intercepts[SVM_ICPT_MISC1] &= ~SVM_I1_IRET;
	if (s->nmi.masked) {
		s->nmi.iret_seen = true;
		s->nmi.iret_rip = vcpu->rip;
	}
}

static void __mvm_exit_path svm_exit_translate(struct mvm_vcpu *vcpu, struct mvm_exit *exit)
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
	case SVM_EXIT_CR4_WRITE:
		svm_exit_cr_write(vcpu, exit, 4);
		return;
	case SVM_EXIT_CR8_WRITE:
		svm_exit_cr_write(vcpu, exit, 8);
		return;
	case SVM_EXIT_READ_DR0 ... SVM_EXIT_READ_DR0 + 7:
		svm_exit_dr(vcpu, exit, code - SVM_EXIT_READ_DR0, false);
		return;
	case SVM_EXIT_WRITE_DR0 ... SVM_EXIT_WRITE_DR0 + 7:
		svm_exit_dr(vcpu, exit, code - SVM_EXIT_WRITE_DR0, true);
		return;
	case SVM_EXIT_EXC_BASE + 1:
	case SVM_EXIT_EXC_BASE + 17:
		svm_exit_exception(vcpu, exit, code - SVM_EXIT_EXC_BASE);
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

void __mvm_exit_path svm_enter_guest(struct mvm_vcpu *vcpu, const struct mvm_entry *entry)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb *vmcb = s->vmcb;

	vmcb->save.rip = vcpu->rip;
	vmcb->save.rflags = vcpu->rflags | X86_EFLAGS_FIXED;
	vmcb->save.rax = vcpu->gprs[MVM_RAX];
	vmcb->save.rsp = vcpu->gprs[MVM_RSP];
	if (vcpu->shadow)
		vmcb->ctl.int_state |= SVM_INT_SHADOW;
	else
		vmcb->ctl.int_state &= ~SVM_INT_SHADOW;
	vmcb->ctl.nested_cr3 = vcpu->vm->gpt.root_pa;
	svm_asid_assign(vcpu);
	vmcb->ctl.asid = s->asid;
	vmcb->ctl.tlb_ctl = s->flush_tlb ? SVM_TLB_FLUSH_ALL : SVM_TLB_NONE;
	s->flush_tlb = false;
	/* Clean bits stay zero: the CPU reloads the whole VMCB every time. */
	vmcb->ctl.clean = 0;
	svm_tpr_load(vcpu);
	svm_event_write(s, &entry->event);
	svm_windows_write(vcpu, entry);
	/* With V_SPEC_CTRL, VMRUN and #VMEXIT switch SPEC_CTRL (spec.c). */
	if (boot_cpu_has(X86_FEATURE_V_SPEC_CTRL))
		vmcb->save.spec_ctrl = vcpu->spec.sc.guest;

	/*
	 * With GIF clear, interrupts and NMIs stay pending until STGI, so
	 * IF may be set for VMRUN: physical interrupts then exit the guest
	 * (V_INTR_MASKING) and are taken by the host after STGI.
	 */
	svm_clgi();
	local_irq_enable();
	mvm_svm_vmrun(s->vmcb_pa, vcpu->gprs, svm_host_vmsave_pa(),
		      &vcpu->spec.sc);
	local_irq_disable();
	svm_stgi();

	/* The guest may write DR0-3, DR6 and DR7 directly: the host's back. */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	else if (vmcb->save.dr7 & 0xff)
		set_debugreg(MVM_DR7_RESET, 7);
	if (vmcb->save.dr6 != DR6_RESERVED)
		set_debugreg(DR6_RESERVED, 6);
}

void __mvm_exit_path svm_exit_decode(struct mvm_vcpu *vcpu, struct mvm_exit *exit)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;

	vcpu->rip = vmcb->save.rip;
	vcpu->rflags = vmcb->save.rflags;
	vcpu->gprs[MVM_RAX] = vmcb->save.rax;
	vcpu->gprs[MVM_RSP] = vmcb->save.rsp;
	vcpu->shadow = (vmcb->ctl.int_state & SVM_INT_SHADOW) ?
		       MVM_SHADOW_STI : 0;
	vmcb->ctl.event_inj = 0;
	svm_interrupted_save(vcpu);
	svm_nmi_iret_check(vcpu);
	svm_tpr_save(vcpu);
	svm_exit_translate(vcpu, exit);
}

/* INIT: no NMI blocking, no window, nothing in EVENTINJ. */
void svm_events_reset(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);
	struct vmcb_control *c = &s->vmcb->ctl;

	s->nmi.masked = false;
	s->nmi.iret_seen = false;
	c->event_inj = 0;
	c->event_inj_err = 0;
	c->int_state &= ~SVM_INT_SHADOW;
	c->int_ctl &= ~(SVM_INT_V_IRQ | SVM_INT_V_IGN_TPR |
			(0xfu << SVM_INT_V_PRIO_SHIFT));
	c->intercepts[SVM_ICPT_MISC1] &= ~(SVM_I1_VINTR | SVM_I1_IRET);
}

/* MVM_REQ_TLB_FLUSH: flush this ASID at the next entry. */
void __mvm_exit_path svm_flush_tlb(struct mvm_vcpu *vcpu)
{
	to_svm(vcpu)->flush_tlb = true;
}

