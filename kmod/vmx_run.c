// SPDX-License-Identifier: GPL-2.0
/*
 * VT-x entry and exit: the core's registers and chosen event into the
 * VMCS, host state around VMLAUNCH/VMRESUME, and each VM exit turned into
 * the core's description of it (struct mvm_exit).  No architectural
 * decision is taken here: the core's event.c and exit.c take them.
 */
#define pr_fmt(fmt) "minivmm: vmx: " fmt

#include <linux/irqflags.h>
#include <linux/jiffies.h>
#include <linux/smp.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>
#include "mvm.h"
#include "vmx.h"

#define VMX_DR6_FIXED		0xffff0ff0ull
#define VMX_DR7_FIXED		0x400ull
#define VMX_SHADOWS		(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)

/* Host state VM exit does not restore, saved right before entry. */
struct vmx_host_save {
	u16 ds, es, fs, gs, ldt;
	unsigned long fs_base, kgs_base, dr7;
};

static void __mvm_exit_path vmx_flush(struct vmx_vcpu *vmx)
{
	if (vmx_caps.ept_vpid & VMX_EPT_INVEPT_SINGLE)
		vmx_invept(1, vmx->eptp);
	else
		vmx_invept(2, 0);
	if (vmx->vpid) {
		if (vmx_caps.ept_vpid & VMX_VPID_INVVPID_SINGLE)
			vmx_invvpid(1, vmx->vpid);
		else
			vmx_invvpid(2, 0);
	}
	vmx->need_flush = false;
}

void __mvm_exit_path vmx_flush_tlb(struct mvm_vcpu *vcpu)
{
	vmx_flush(to_vmx(vcpu));
}

/*
 * Blocking by NMI: the CPU tracks it with virtual NMIs.  Without them
 * the end of the handler is guessed: the guest opening an interrupt
 * window, or, for a guest that keeps IF clear, a second passing (as KVM
 * does), so that NMIs are not held forever.
 */
bool __mvm_exit_path vmx_nmi_blocked(struct mvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (vmx_caps.vnmi)
		return vmx->intr & INTERRUPTIBILITY_NMI;
	if (vmx->soft_nmi_blocked &&
	    time_after(jiffies, vmx->soft_nmi_since + HZ))
		vmx->soft_nmi_blocked = false;
	return vmx->soft_nmi_blocked;
}

void vmx_events_reset(struct mvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx->soft_nmi_blocked = false;
	vmx->intr = 0;
	vmx_vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmx_vmwrite(VMCS_GUEST_ACTIVITY, ACTIVITY_ACTIVE);
}

/*
 * With an in-kernel LAPIC and a TPR shadow, MOV CR8 reads and writes
 * the virtual-APIC page without exits: load the LAPIC's TPR there before
 * the entry, and make any write that lowers it exit (TPR threshold), as
 * it may unmask a pending interrupt.  Returns the primary controls to
 * enter with, windows aside.
 */
static u32 __mvm_exit_path vmx_tpr_load(struct mvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u8 tpr;

	if (!vcpu->lapic || !vmx->vapic)
		return vmx_caps.proc;
	tpr = mvm_irq_get_cr8(vcpu) & 0xf;
	vmx->vapic_tpr = tpr;
	WRITE_ONCE(*(u32 *)(vmx->vapic + VAPIC_TPR), (u32)tpr << 4);
	if (vmx->tpr_threshold != tpr) {
		vmx_vmwrite(VMCS_TPR_THRESHOLD, tpr);
		vmx->tpr_threshold = tpr;
	}
	return (vmx_caps.proc | PROC_TPR_SHADOW) &
	       ~(PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING);
}

/* After an exit: a CR8 the guest wrote without exiting goes to the LAPIC. */
static void __mvm_exit_path vmx_tpr_save(struct mvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u8 tpr;

	if (!(vmx->proc & PROC_TPR_SHADOW))
		return;
	tpr = (READ_ONCE(*(u32 *)(vmx->vapic + VAPIC_TPR)) >> 4) & 0xf;
	if (tpr != vmx->vapic_tpr)
		mvm_irq_set_cr8(vcpu, tpr);
}

static const u32 vmx_event_types[] = {
	[MVM_EVENT_EXT] = INTR_TYPE_EXT,
	[MVM_EVENT_NMI] = INTR_TYPE_NMI,
	[MVM_EVENT_EXC] = INTR_TYPE_HW_EXC,
};

/* The core's event into the VM-entry interruption fields. */
static void __mvm_exit_path vmx_event_write(struct vmx_vcpu *vmx, const struct mvm_event *ev)
{
	u32 info;

	if (ev->type == MVM_EVENT_NONE || ev->type >= ARRAY_SIZE(vmx_event_types)) {
		vmx_vmwrite(VMCS_ENTRY_INTR_INFO, 0);
		return;
	}
	info = ev->vector | vmx_event_types[ev->type] | INTR_INFO_VALID;
	if (ev->has_error) {
		info |= INTR_INFO_HAS_ERROR;
		vmx_vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, ev->error);
	}
	/* Without virtual NMIs: blocked until we guess its IRET. */
	if (ev->type == MVM_EVENT_NMI && !vmx_caps.vnmi) {
		vmx->soft_nmi_blocked = true;
		vmx->soft_nmi_since = jiffies;
	}
	/* The guest runs the handler: it is not halted any more. */
	vmx_vmwrite(VMCS_GUEST_ACTIVITY, ACTIVITY_ACTIVE);
	vmx_vmwrite(VMCS_ENTRY_INTR_INFO, info);
}

static void __mvm_exit_path vmx_host_save(struct vmx_vcpu *vmx, struct vmx_host_save *h)
{
	unsigned long cr3 = __read_cr3();
	unsigned long cr4 = cr4_read_shadow();

	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	/*
	 * The LDT is read every time: modify_ldt() in another thread of
	 * this mm reloads it on this CPU by IPI (flush_ldt()) while we sit
	 * in the run loop.  The FS and user GS bases were read by
	 * vmx_vcpu_load() (see vmx_host_bases_load()).
	 */
	asm volatile("sldt %0" : "=r" (h->ldt));
	h->fs_base = vmx->host_fs_base;
	h->kgs_base = vmx->host_kgs_base;
	get_debugreg(h->dr7, 7);
	if (cr3 != vmx->host_cr3) {
		vmx_vmwrite(VMCS_HOST_CR3, cr3);
		vmx->host_cr3 = cr3;
	}
	if (cr4 != vmx->host_cr4) {
		vmx_vmwrite(VMCS_HOST_CR4, cr4);
		vmx->host_cr4 = cr4;
	}
}

/*
 * What VM exit leaves different from before the entry (interrupts off).
 * The GDTR limit (0xffff after an exit) and the TR limit (0x67) only
 * matter to userspace (segment loads, the IO bitmap): vmx_vcpu_put(),
 * which runs before this task returns to userspace or leaves the CPU,
 * puts them back once instead of after every exit, as KVM does.
 */
static void __mvm_exit_path vmx_host_restore(struct vmx_vcpu *vmx, struct vmx_host_save *h)
{
	vmx->host_desc_stale = true;
	if (h->ldt)
		asm volatile("lldt %0" : : "r" (h->ldt));
	if (h->ds)
		loadsegment(ds, h->ds);
	if (h->es)
		loadsegment(es, h->es);
	if (h->fs) {
		loadsegment(fs, h->fs);
		wrmsrl(MSR_FS_BASE, h->fs_base);
	}
	if (h->gs) {
		load_gs_index(h->gs);
		wrmsrl(MSR_KERNEL_GS_BASE, h->kgs_base);
	}
	if (h->dr7 & ~VMX_DR7_FIXED)
		set_debugreg(h->dr7, 7);
}

/* The core's registers, shadow, event and windows into the VMCS. */
static void __mvm_exit_path vmx_state_load(struct mvm_vcpu *vcpu,
					   const struct mvm_entry *entry)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 proc = vmx_tpr_load(vcpu);
	u32 intr = vmx->intr & ~VMX_SHADOWS;

	vmx_vmwrite(VMCS_GUEST_RSP, vcpu->gprs[MVM_RSP]);
	vmx_vmwrite(VMCS_GUEST_RIP, vcpu->rip);
	vmx_vmwrite(VMCS_GUEST_RFLAGS, vcpu->rflags);
	if (vcpu->shadow & MVM_SHADOW_STI)
		intr |= INTERRUPTIBILITY_STI;
	if (vcpu->shadow & MVM_SHADOW_MOV_SS)
		intr |= INTERRUPTIBILITY_MOV_SS;
	if (intr != vmx->intr) {
		vmx_vmwrite(VMCS_GUEST_INTERRUPTIBILITY, intr);
		vmx->intr = intr;
	}
	vmx_event_write(vmx, &entry->event);
	if (entry->nmi_window)
		proc |= vmx_caps.vnmi ? PROC_NMI_WINDOW : PROC_INTR_WINDOW;
	if (entry->irq_window)
		proc |= PROC_INTR_WINDOW;
	if (proc != vmx->proc) {
		vmx->proc = proc;
		vmx_vmwrite(VMCS_PROC_CTLS, proc);
	}
}

void __mvm_exit_path vmx_enter_guest(struct mvm_vcpu *vcpu, const struct mvm_entry *entry)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_host_save host;

	if (vmx->need_flush)
		vmx_flush(vmx);
	vmx_state_load(vcpu, entry);
	/*
	 * Bound every guest run to about a millisecond, whatever the guest
	 * does.  External-interrupt exiting should already end a run at the
	 * next host interrupt, but an emulated CPU may re-evaluate its
	 * interrupt mask only when RFLAGS.IF changes: a guest entered with
	 * IF=0 from a host with IF=0 that spins without exits would then
	 * keep the host CPU from ever seeing a timer tick again.  The
	 * VMX-preemption timer ends the run there too; elsewhere it costs an
	 * exit per millisecond at most.
	 */
	if (vmx_caps.preempt_timer)
		vmx_vmwrite(VMCS_PREEMPT_TIMER, vmx_caps.preempt_timer);
	vmx_host_save(vmx, &host);
	if (native_read_cr2() != vmx->cr2)
		native_write_cr2(vmx->cr2);

	vmx->vmfail = vmx_enter(vcpu->gprs, vmx->launched, &vcpu->spec.sc);

	vmx->cr2 = native_read_cr2();
	vmx_host_restore(vmx, &host);
	/* VM exit cleared DEBUGCTL: the host's (LBR, BTF) comes back. */
	if (vmx->host_debugctl)
		update_debugctlmsr(vmx->host_debugctl);
	vmx->exit_reason = 0;
	if (vmx->vmfail)
		return;
	vmx->exit_reason = vmx_vmread(VMCS_EXIT_REASON);
	vmx->exit_intr_info = vmx_vmread(VMCS_EXIT_INTR_INFO);
	/*
	 * A host NMI or machine check caused this exit (or a machine check
	 * the entry itself): run the host's handler now.
	 */
	if ((vmx->exit_reason & 0xffff) == EXIT_MCE_DURING_ENTRY)
		asm volatile("int $0x12");
	if ((vmx->exit_reason & 0xffff) != EXIT_EXCEPTION_NMI ||
	    !(vmx->exit_intr_info & INTR_INFO_VALID))
		return;
	if ((vmx->exit_intr_info & INTR_INFO_TYPE) == INTR_TYPE_NMI)
		asm volatile("int $2");
	else if ((vmx->exit_intr_info & (INTR_INFO_TYPE | INTR_INFO_VECTOR)) ==
		 (INTR_TYPE_HW_EXC | X86_TRAP_MC))
		asm volatile("int $0x12");
}

/*
 * IDT-vectoring info: the event whose delivery this exit interrupted.
 * An NMI that was not delivered leaves the guest outside its handler, and
 * VM entry refuses to inject an NMI under virtual-NMI blocking.
 */
static void __mvm_exit_path vmx_vectoring_save(struct mvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 info = vmx_vmread(VMCS_IDT_VECTORING_INFO);
	struct mvm_event *ev = &vcpu->interrupted;

	ev->type = MVM_EVENT_NONE;
	if (!(info & INTR_INFO_VALID))
		return;
	ev->vector = info & INTR_INFO_VECTOR;
	ev->has_error = info & INTR_INFO_HAS_ERROR;
	ev->error = ev->has_error ? vmx_vmread(VMCS_IDT_VECTORING_ERROR) : 0;
	switch (info & INTR_INFO_TYPE) {
	case INTR_TYPE_EXT:
		ev->type = MVM_EVENT_EXT;
		break;
	case INTR_TYPE_NMI:
		ev->type = MVM_EVENT_NMI;
		vmx->soft_nmi_blocked = false;
		if (vmx->intr & INTERRUPTIBILITY_NMI) {
			vmx->intr &= ~INTERRUPTIBILITY_NMI;
			vmx_vmwrite(VMCS_GUEST_INTERRUPTIBILITY, vmx->intr);
		}
		break;
	case INTR_TYPE_HW_EXC:
		ev->type = MVM_EVENT_EXC;
		break;
	default:
		ev->type = MVM_EVENT_SOFT;
		break;
	}
}

/*
 * A fault in the middle of an IRET that had just unblocked NMIs exits
 * with the blocking lifted; the IRET runs again after the fault, so the
 * blocking must be back (SDM 27.2.3).  Only without an event in flight.
 */
static void __mvm_exit_path vmx_nmi_blocking_restore(struct mvm_vcpu *vcpu, u32 reason)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 intr_info = vmx->exit_intr_info;
	bool unblocked = false;

	if (!vmx_caps.vnmi || vcpu->interrupted.type != MVM_EVENT_NONE)
		return;
	switch (reason) {
	case EXIT_EXCEPTION_NMI:
		unblocked = (intr_info & INTR_INFO_VALID) &&
			    (intr_info & INTR_INFO_NMI_UNBLOCKED) &&
			    (intr_info & INTR_INFO_VECTOR) != X86_TRAP_DF;
		break;
	case EXIT_EPT_VIOLATION:
		unblocked = vmx_vmread(VMCS_EXIT_QUAL) &
			    INTR_INFO_NMI_UNBLOCKED;
		break;
	}
	if (unblocked && !(vmx->intr & INTERRUPTIBILITY_NMI)) {
		vmx->intr |= INTERRUPTIBILITY_NMI;
		vmx_vmwrite(VMCS_GUEST_INTERRUPTIBILITY, vmx->intr);
	}
}

static void __mvm_exit_path vmx_decode_exception(struct mvm_vcpu *vcpu, struct mvm_exit *exit)
{
	u32 info = to_vmx(vcpu)->exit_intr_info;

	exit->hw[1] = info;
	/* A host NMI or machine check, handled right after the exit. */
	if ((info & INTR_INFO_TYPE) == INTR_TYPE_NMI ||
	    (info & INTR_INFO_VECTOR) == X86_TRAP_MC)
		return;
	/*
	 * ICEBP (INT1) with #DB intercepted: a trap after the instruction,
	 * delivered to the guest as a #DB that sets no DR6 bit.
	 */
	if ((info & INTR_INFO_TYPE) == INTR_TYPE_PRIV_SW_EXC &&
	    (info & INTR_INFO_VECTOR) == X86_TRAP_DB) {
		exit->reason = MVM_EXIT_EXCEPTION;
		exit->exc.vector = X86_TRAP_DB;
		exit->exc.after_insn = true;
		exit->next_rip = vcpu->rip + vmx_vmread(VMCS_EXIT_INSN_LEN);
		return;
	}
	if ((info & INTR_INFO_TYPE) != INTR_TYPE_HW_EXC) {
		exit->reason = MVM_EXIT_INTERNAL;
		exit->internal_suberror = MINIVMM_INTERNAL_ERROR_UNHANDLED_EXIT;
		return;
	}
	exit->reason = MVM_EXIT_EXCEPTION;
	exit->exc.vector = info & INTR_INFO_VECTOR;
	if (info & INTR_INFO_HAS_ERROR) {
		exit->exc.has_error = true;
		exit->exc.error = vmx_vmread(VMCS_EXIT_INTR_ERROR);
	}
	/* The exit qualification holds the DR6 bits of a #DB. */
	if (exit->exc.vector == X86_TRAP_DB)
		exit->exc.dr6 = VMX_DR6_FIXED |
				(vmx_vmread(VMCS_EXIT_QUAL) & 0x600f);
}

static void __mvm_exit_path vmx_decode_io(struct mvm_vcpu *vcpu, struct mvm_exit *exit)
{
	u64 qual = vmx_vmread(VMCS_EXIT_QUAL);
	struct mvm_io *io = &exit->io;
	enum vmx_seg seg;
	u32 ar;

	exit->reason = MVM_EXIT_IO;
	io->port = qual >> 16;
	io->size = (qual & 7) + 1;
	io->in = qual & BIT(3);
	io->string = qual & BIT(4);
	io->rep = qual & BIT(5);
	io->next_rip = exit->next_rip;
	if (!io->string)
		return;
	ar = vmx_vmread(VMCS_SEG(ES_AR, VMX_CS));
	seg = io->in ? VMX_ES : VMX_DS;
	if (vmx_caps.inout_info) {
		u32 insn = vmx_vmread(VMCS_EXIT_INSN_INFO);

		io->addr_size = 2 << ((insn >> 7) & 7);
		if (!io->in)
			seg = (insn >> 15) & 7;
	} else if (vmx_long_mode() && (ar & BIT(13))) {
		io->addr_size = 8;
	} else {
		io->addr_size = (ar & BIT(14)) ? 4 : 2;
	}
	if (seg > VMX_GS || io->addr_size > 8) {
		exit->reason = MVM_EXIT_INTERNAL;
		exit->internal_suberror = MINIVMM_INTERNAL_ERROR_UNHANDLED_EXIT;
		return;
	}
	io->seg_base = vmx_vmread(VMCS_SEG(ES_BASE, seg));
}

static void __mvm_exit_path vmx_decode_cr(struct mvm_exit *exit)
{
	u64 qual = vmx_vmread(VMCS_EXIT_QUAL);
	static const u8 access[] = {
		MVM_CR_WRITE, MVM_CR_READ, MVM_CR_CLTS, MVM_CR_LMSW,
	};

	exit->reason = MVM_EXIT_CR;
	exit->cr.cr = qual & 15;
	exit->cr.access = access[(qual >> 4) & 3];
	exit->cr.gpr = (qual >> 8) & 15;
	exit->cr.lmsw = qual >> 16;
	exit->cr.mode64 = vmx_long_mode();
}

static void __mvm_exit_path vmx_decode_dr(struct mvm_exit *exit)
{
	u64 qual = vmx_vmread(VMCS_EXIT_QUAL);

	exit->reason = MVM_EXIT_DR;
	exit->dr.dr = qual & 7;
	exit->dr.gpr = (qual >> 8) & 15;
	exit->dr.write = !(qual & BIT(4));
	exit->dr.mode64 = vmx_long_mode();
}

static void __mvm_exit_path vmx_decode_ept_violation(struct mvm_exit *exit)
{
	u64 qual = vmx_vmread(VMCS_EXIT_QUAL);

	exit->reason = MVM_EXIT_NPF;
	exit->npf.gpa = vmx_vmread(VMCS_GUEST_PHYS_ADDR);
	exit->hw[1] = qual;
	exit->hw[2] = exit->npf.gpa;
	exit->npf.write = qual & BIT(1);
	/* Bits 5:3: what the entry allows; none at all is not mapped. */
	exit->npf.not_present = !(qual & EPT_QUAL_PERMS);
	/*
	 * A valid guest linear address (bit 7) whose translation is not
	 * what was accessed (bit 8 clear): the guest's own page walk.
	 */
	exit->npf.not_mmio = (qual & EPT_QUAL_LINEAR_VALID) &&
			     !(qual & EPT_QUAL_LINEAR_XLATED);
}

/* Exits that take no operand but the instruction's length. */
static const u8 vmx_insn_exits[] = {
	[EXIT_CPUID] = MVM_EXIT_CPUID,
	[EXIT_HLT] = MVM_EXIT_HLT,
	[EXIT_INVD] = MVM_EXIT_NOP,
	[EXIT_RDPMC] = MVM_EXIT_RDPMC,
	[EXIT_RDMSR] = MVM_EXIT_RDMSR,
	[EXIT_WRMSR] = MVM_EXIT_WRMSR,
	[EXIT_XSETBV] = MVM_EXIT_XSETBV,
	[EXIT_GETSEC] = MVM_EXIT_UD,
	[EXIT_VMCALL ... EXIT_VMON] = MVM_EXIT_UD,
	[EXIT_MWAIT] = MVM_EXIT_UD,
	[EXIT_MONITOR] = MVM_EXIT_UD,
	[EXIT_INVEPT] = MVM_EXIT_UD,
	[EXIT_INVVPID] = MVM_EXIT_UD,
};

static void __mvm_exit_path vmx_decode(struct mvm_vcpu *vcpu, struct mvm_exit *exit,
				       u32 reason)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (reason < ARRAY_SIZE(vmx_insn_exits) && vmx_insn_exits[reason]) {
		exit->reason = vmx_insn_exits[reason];
		exit->next_rip = vcpu->rip + vmx_vmread(VMCS_EXIT_INSN_LEN);
		return;
	}
	switch (reason) {
	case EXIT_CR_ACCESS:
	case EXIT_DR_ACCESS:
	case EXIT_IO:
		exit->next_rip = vcpu->rip + vmx_vmread(VMCS_EXIT_INSN_LEN);
		break;
	case EXIT_EXCEPTION_NMI:
	case EXIT_EPT_VIOLATION:
		break;
	default:
		/* Only reported, in INTERNAL_ERROR's data. */
		exit->hw[1] = vmx_vmread(VMCS_EXIT_QUAL);
		break;
	}
	switch (reason) {
	case EXIT_EXCEPTION_NMI:
		vmx_decode_exception(vcpu, exit);
		return;
	case EXIT_EXTERNAL_INTR:
	case EXIT_PREEMPT_TIMER:	/* see vmx_enter_guest() */
	case EXIT_TPR_BELOW_THRESHOLD:	/* vmx_tpr_save() told the LAPIC */
		return;
	case EXIT_TRIPLE_FAULT:
		exit->reason = MVM_EXIT_SHUTDOWN;
		return;
	case EXIT_INTR_WINDOW:
		/*
		 * Without virtual NMIs the guest opening its interrupt window
		 * is our sign that its NMI handler has returned (as KVM
		 * guesses too).
		 */
		vmx->soft_nmi_blocked = false;
		exit->reason = MVM_EXIT_IRQ_WINDOW;
		return;
	case EXIT_NMI_WINDOW:
		/*
		 * A CPU may exit here in an STI shadow, where the core does
		 * not inject NMIs: end the shadow (an NMI may come at any
		 * instruction) rather than exit here forever.
		 */
		if (mvm_nmi_peek(vcpu))
			vcpu->shadow &= ~MVM_SHADOW_STI;
		return;
	case EXIT_CR_ACCESS:
		vmx_decode_cr(exit);
		return;
	case EXIT_DR_ACCESS:
		vmx_decode_dr(exit);
		return;
	case EXIT_IO:
		vmx_decode_io(vcpu, exit);
		return;
	case EXIT_EPT_VIOLATION:
		vmx_decode_ept_violation(exit);
		return;
	}
	exit->reason = MVM_EXIT_INTERNAL;
	exit->internal_suberror = MINIVMM_INTERNAL_ERROR_UNHANDLED_EXIT;
}

void __mvm_exit_path vmx_exit_decode(struct mvm_vcpu *vcpu, struct mvm_exit *exit)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 reason = vmx->exit_reason;

	if (vmx->vmfail || (reason & EXIT_FAILED_ENTRY)) {
		exit->reason = MVM_EXIT_FAIL_ENTRY;
		exit->fail_reason = vmx->vmfail ?
				    vmx_vmread(VMCS_INSN_ERROR) : reason;
		return;
	}
	vmx->launched = true;
	reason &= 0xffff;
	vcpu->rip = vmx_vmread(VMCS_GUEST_RIP);
	vcpu->gprs[MVM_RSP] = vmx_vmread(VMCS_GUEST_RSP);
	vcpu->rflags = vmx_vmread(VMCS_GUEST_RFLAGS);
	vmx->intr = vmx_vmread(VMCS_GUEST_INTERRUPTIBILITY);
	vcpu->shadow = ((vmx->intr & INTERRUPTIBILITY_STI) ?
			MVM_SHADOW_STI : 0) |
		       ((vmx->intr & INTERRUPTIBILITY_MOV_SS) ?
			MVM_SHADOW_MOV_SS : 0);
	vmx_vectoring_save(vcpu);
	vmx_nmi_blocking_restore(vcpu, reason);
	vmx_tpr_save(vcpu);

	exit->hw[0] = vmx->exit_reason;
	vmx_decode(vcpu, exit, reason);
}
