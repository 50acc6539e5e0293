// SPDX-License-Identifier: GPL-2.0
/*
 * One VT-x guest entry: event injection, host state around
 * VMLAUNCH/VMRESUME, and the handling of each VM exit.
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

/* Host state VM exit does not restore, saved right before entry. */
struct vmx_host_save {
	u16 ds, es, fs, gs, ldt;
	unsigned long fs_base, kgs_base, dr7;
};

/* Exceptions that push an error code (outside real mode). */
static bool vmx_exception_has_error(u8 vector)
{
	switch (vector) {
	case X86_TRAP_DF:
	case X86_TRAP_TS:
	case X86_TRAP_NP:
	case X86_TRAP_SS:
	case X86_TRAP_GP:
	case X86_TRAP_PF:
	case X86_TRAP_AC:
		return true;
	}
	return false;
}

/* Exception classes for the double-fault rules (SDM vol. 3, table 6-5). */
enum vmx_exc_class { VMX_EXC_BENIGN, VMX_EXC_CONTRIBUTORY, VMX_EXC_PF };

static enum vmx_exc_class vmx_exception_class(u8 vector)
{
	switch (vector) {
	case X86_TRAP_DE:
	case X86_TRAP_TS:
	case X86_TRAP_NP:
	case X86_TRAP_SS:
	case X86_TRAP_GP:
		return VMX_EXC_CONTRIBUTORY;
	case X86_TRAP_PF:
		return VMX_EXC_PF;
	}
	return VMX_EXC_BENIGN;
}

/*
 * Queue #@vector for the next entry.  The error code is delivered when
 * the guest is in protected mode and the vector has one (VM entry
 * insists on exactly that), whatever @has_error says.  An exception
 * already queued is one whose delivery this exception interrupts: two
 * contributory ones, or a page fault and a contributory one or another
 * page fault, make a #DF; anything but a benign one on top of a #DF is a
 * triple fault; otherwise the new one wins and the old one, a fault,
 * comes back when the instruction runs again.  An interrupt or NMI whose
 * delivery it interrupts waits in @held.
 */
void vmx_inject_exception(struct mvm_vcpu *vcpu, u8 vector, bool has_error,
			  u32 error_code)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_pending_event *ev = &vmx->event;
	enum vmx_exc_class first, second = vmx_exception_class(vector);

	if (vmx_event_valid(ev)) {
		switch (vmx_event_type(ev)) {
		case INTR_TYPE_HW_EXC:
			first = vmx_exception_class(ev->info & INTR_INFO_VECTOR);
			if ((ev->info & INTR_INFO_VECTOR) == X86_TRAP_DF &&
			    second != VMX_EXC_BENIGN) {
				ev->info = 0;
				vmx->shutdown = true;
				return;
			}
			if ((first == VMX_EXC_CONTRIBUTORY &&
			     second == VMX_EXC_CONTRIBUTORY) ||
			    (first == VMX_EXC_PF && second != VMX_EXC_BENIGN)) {
				vector = X86_TRAP_DF;
				error_code = 0;
			}
			break;
		case INTR_TYPE_EXT:
		case INTR_TYPE_NMI:
			/* @held is empty here: see vmx_prepare_events(). */
			if (!vmx_event_valid(&vmx->held))
				vmx->held = *ev;
			break;
		default:
			/* INT n/INT3/INTO: rip is still on the instruction. */
			break;
		}
	}
	ev->info = vector | INTR_TYPE_HW_EXC | INTR_INFO_VALID;
	if (vmx_exception_has_error(vector))
		ev->info |= INTR_INFO_HAS_ERROR;
	ev->error = error_code;
	ev->insn_len = 0;
}

static void vmx_inject_gp(struct mvm_vcpu *vcpu)
{
	vmx_inject_exception(vcpu, X86_TRAP_GP, true, 0);
}

static void vmx_inject_ud(struct mvm_vcpu *vcpu)
{
	vmx_inject_exception(vcpu, X86_TRAP_UD, false, 0);
}

/* The instruction that exited is done: no STI/MOV SS shadow after it. */
static void vmx_clear_shadow(void)
{
	u32 intr = vmx_vmread(VMCS_GUEST_INTERRUPTIBILITY);

	if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
		vmx_vmwrite(VMCS_GUEST_INTERRUPTIBILITY,
			    intr & ~(INTERRUPTIBILITY_STI |
				     INTERRUPTIBILITY_MOV_SS));
}

static void vmx_skip_insn(struct mvm_vcpu *vcpu)
{
	vcpu->rip += vmx_vmread(VMCS_EXIT_INSN_LEN);
	vmx_clear_shadow();
}

static u8 vmx_cpl(void)
{
	if (!(vmx_vmread(VMCS_GUEST_CR0) & X86_CR0_PE))
		return 0;
	return (vmx_vmread(VMCS_SEG(ES_AR, VMX_SS)) >> 5) & 3;
}

static void vmx_flush(struct vmx_vcpu *vmx)
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

void vmx_flush_tlb(struct mvm_vcpu *vcpu)
{
	vmx_flush(to_vmx(vcpu));
}

/* Could the guest take an external interrupt now (@intr: interruptibility)? */
static bool vmx_irq_ok(struct mvm_vcpu *vcpu, u32 intr)
{
	return (vcpu->rflags & X86_EFLAGS_IF) &&
	       !(intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

/*
 * And an NMI?  Not while one is being handled (virtual-NMI blocking, or
 * our guess of it without virtual NMIs), nor in a MOV SS shadow (VM
 * entry refuses it) or an STI shadow (some CPUs refuse that too).
 *
 * Without virtual NMIs the end of the handler is guessed: the guest
 * opening an interrupt window, or, for a guest that keeps IF clear, a
 * second passing (as KVM does), so that NMIs are not held forever.
 */
static bool vmx_nmi_ok(struct vmx_vcpu *vmx, u32 intr)
{
	if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
		return false;
	if (vmx_caps.vnmi)
		return !(intr & INTERRUPTIBILITY_NMI);
	if (vmx->soft_nmi_blocked &&
	    time_after(jiffies, vmx->soft_nmi_since + HZ))
		vmx->soft_nmi_blocked = false;
	return !vmx->soft_nmi_blocked;
}

/* Can @ev, an event of any type, go in at the next entry? */
static bool vmx_event_ready(struct vmx_vcpu *vmx,
			    const struct vmx_pending_event *ev, u32 intr)
{
	switch (vmx_event_type(ev)) {
	case INTR_TYPE_EXT:
		return vmx_irq_ok(vmx->vcpu, intr);
	case INTR_TYPE_NMI:
		return vmx_nmi_ok(vmx, intr);
	}
	return true;
}

bool vmx_interrupt_allowed(struct mvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (vmx_event_valid(&vmx->event) || vmx_event_valid(&vmx->held))
		return false;
	return vmx_irq_ok(vcpu, vmx_vmread(VMCS_GUEST_INTERRUPTIBILITY));
}

bool vmx_nmi_allowed(struct mvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (vmx_event_valid(&vmx->event) || vmx_event_valid(&vmx->held))
		return false;
	return vmx_nmi_ok(vmx, vmx_vmread(VMCS_GUEST_INTERRUPTIBILITY));
}

void vmx_events_reset(struct mvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx->event.info = 0;
	vmx->held.info = 0;
	vmx->shutdown = false;
	vmx->soft_nmi_blocked = false;
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
static u32 vmx_tpr_load(struct mvm_vcpu *vcpu)
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
static void vmx_tpr_save(struct mvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u8 tpr;

	if (!(vmx->proc & PROC_TPR_SHADOW))
		return;
	tpr = (READ_ONCE(*(u32 *)(vmx->vapic + VAPIC_TPR)) >> 4) & 0xf;
	if (tpr != vmx->vapic_tpr)
		mvm_irq_set_cr8(vcpu, tpr);
}

/* Put @ev into the VM-entry interruption fields. */
static void vmx_event_write(struct vmx_vcpu *vmx,
			    const struct vmx_pending_event *ev)
{
	u32 info = ev->info;

	if (vmx_event_type(ev) == INTR_TYPE_HW_EXC &&
	    vmx_exception_has_error(info & INTR_INFO_VECTOR) &&
	    (vmx_vmread(VMCS_GUEST_CR0) & X86_CR0_PE)) {
		/* Only protected mode pushes error codes (SDM 26.2.1.3). */
		info |= INTR_INFO_HAS_ERROR;
		vmx_vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, ev->error);
	} else {
		info &= ~INTR_INFO_HAS_ERROR;
	}
	switch (vmx_event_type(ev)) {
	case INTR_TYPE_SW_INT:
	case INTR_TYPE_PRIV_SW_EXC:
	case INTR_TYPE_SW_EXC:
		vmx_vmwrite(VMCS_ENTRY_INSN_LEN, ev->insn_len);
		break;
	case INTR_TYPE_NMI:
		/* Without virtual NMIs: blocked until we guess its IRET. */
		if (!vmx_caps.vnmi) {
			vmx->soft_nmi_blocked = true;
			vmx->soft_nmi_since = jiffies;
		}
		break;
	}
	/* The guest runs the handler: it is not halted any more. */
	vmx_vmwrite(VMCS_GUEST_ACTIVITY, ACTIVITY_ACTIVE);
	vmx_vmwrite(VMCS_ENTRY_INTR_INFO, info);
}

/*
 * Choose what to inject at this entry (interrupts off, after
 * mvm_vcpu_prepare_entry(); the entry is certain but for VMfail) and arm
 * the windows that bring back what must wait.  @proc: the primary
 * controls from vmx_tpr_load().
 *
 * Order: our own event (an exception, or a re-injection); a held
 * interrupt or NMI once the guest can take it; a new NMI; a new
 * interrupt.  A new NMI or interrupt is acked here and stays in
 * vmx->event until an entry succeeds (vmx_vcpu_run()).
 */
static void vmx_prepare_events(struct mvm_vcpu *vcpu, u32 proc)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_pending_event *ev = &vmx->event, *held = &vmx->held;
	u32 intr = vmx_vmread(VMCS_GUEST_INTERRUPTIBILITY);
	bool want_irq = false, want_nmi = false;
	bool nmi = mvm_nmi_peek(vcpu);
	int irq = mvm_irq_peek(vcpu);

	/*
	 * A re-injected interrupt needs IF=1 at entry: userspace may have
	 * changed RFLAGS since the exit.  It waits like a held one.
	 */
	if (vmx_event_valid(ev) && !vmx_event_valid(held) &&
	    !vmx_event_ready(vmx, ev, intr)) {
		*held = *ev;
		ev->info = 0;
	}
	if (!vmx_event_valid(ev) && vmx_event_valid(held) &&
	    vmx_event_ready(vmx, held, intr)) {
		*ev = *held;
		held->info = 0;
	}
	if (!vmx_event_valid(ev) && !vmx_event_valid(held)) {
		if (nmi && vmx_nmi_ok(vmx, intr)) {
			ev->info = X86_TRAP_NMI | INTR_TYPE_NMI |
				   INTR_INFO_VALID;
			mvm_nmi_ack(vcpu);
			nmi = mvm_nmi_peek(vcpu);
		} else if (irq >= 0 && vmx_irq_ok(vcpu, intr)) {
			ev->info = irq | INTR_TYPE_EXT | INTR_INFO_VALID;
			mvm_irq_ack(vcpu, irq);
			irq = mvm_irq_peek(vcpu);
		}
	}

	if (vmx_event_valid(ev))
		vmx_event_write(vmx, ev);
	else
		vmx_vmwrite(VMCS_ENTRY_INTR_INFO, 0);

	/*
	 * What still waits: an exit as soon as the guest can take it.  The
	 * window exits come right after this entry's own injection when
	 * the guest is open already, so nothing waits behind it for long.
	 */
	if (vmx_event_valid(held)) {
		if (vmx_event_type(held) == INTR_TYPE_NMI)
			want_nmi = true;
		else
			want_irq = true;
	}
	if (nmi)
		want_nmi = true;
	/* With an irqchip, userspace has no interrupt of its own to queue. */
	if (irq >= 0 || (vcpu->irq_window_requested && !vcpu->lapic))
		want_irq = true;
	if (want_nmi)
		proc |= vmx_caps.vnmi ? PROC_NMI_WINDOW : PROC_INTR_WINDOW;
	if (want_irq)
		proc |= PROC_INTR_WINDOW;
	if (proc != vmx->proc) {
		vmx->proc = proc;
		vmx_vmwrite(VMCS_PROC_CTLS, proc);
	}
}

/*
 * After a successful entry: what was injected has been delivered, or
 * its delivery was interrupted by this exit and the IDT-vectoring info
 * says so; keep that event (with the instruction length for software
 * interrupts and exceptions) for the next entry.
 */
static void vmx_save_vectoring(struct vmx_vcpu *vmx)
{
	u32 info = vmx_vmread(VMCS_IDT_VECTORING_INFO);
	u32 type = info & INTR_INFO_TYPE;
	u32 intr;

	vmx->event.info = 0;
	if (!(info & INTR_INFO_VALID))
		return;
	vmx->event.info = info & (INTR_INFO_VALID | INTR_INFO_HAS_ERROR |
				  INTR_INFO_TYPE | INTR_INFO_VECTOR);
	vmx->event.error = vmx_vmread(VMCS_IDT_VECTORING_ERROR);
	vmx->event.insn_len = 0;
	if (type == INTR_TYPE_SW_INT || type == INTR_TYPE_SW_EXC ||
	    type == INTR_TYPE_PRIV_SW_EXC)
		vmx->event.insn_len = vmx_vmread(VMCS_EXIT_INSN_LEN);
	if (type == INTR_TYPE_NMI) {
		/*
		 * The NMI was not delivered: the guest is not in its handler,
		 * and VM entry refuses to inject an NMI under virtual-NMI
		 * blocking.
		 */
		vmx->soft_nmi_blocked = false;
		intr = vmx_vmread(VMCS_GUEST_INTERRUPTIBILITY);
		if (intr & INTERRUPTIBILITY_NMI)
			vmx_vmwrite(VMCS_GUEST_INTERRUPTIBILITY,
				    intr & ~INTERRUPTIBILITY_NMI);
	}
}

/*
 * A fault in the middle of an IRET that had just unblocked NMIs exits
 * with the blocking lifted; the IRET runs again after the fault, so the
 * blocking must be back (SDM 27.2.3).  Only without an event in flight.
 */
static void vmx_restore_nmi_blocking(struct vmx_vcpu *vmx, u32 reason,
				     u32 intr_info)
{
	bool unblocked = false;
	u32 intr;

	if (!vmx_caps.vnmi || vmx_event_valid(&vmx->event))
		return;
	switch (reason & 0xffff) {
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
	if (!unblocked)
		return;
	intr = vmx_vmread(VMCS_GUEST_INTERRUPTIBILITY);
	vmx_vmwrite(VMCS_GUEST_INTERRUPTIBILITY, intr | INTERRUPTIBILITY_NMI);
}

static void vmx_host_save(struct vmx_vcpu *vmx, struct vmx_host_save *h)
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
static void vmx_host_restore(struct vmx_vcpu *vmx, struct vmx_host_save *h)
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

static int vmx_exit_fail_entry(struct mvm_vcpu *vcpu, u64 reason)
{
	vcpu->run->exit_reason = MINIVMM_EXIT_FAIL_ENTRY;
	vcpu->run->fail_entry.hardware_entry_failure_reason = reason;
	vcpu->run->fail_entry.cpu = raw_smp_processor_id();
	vcpu->run->fail_entry.pad = 0;
	return MVM_USER;
}

static int vmx_exit_unhandled(struct mvm_vcpu *vcpu, u32 reason)
{
	u64 data[3] = { reason, vmx_vmread(VMCS_EXIT_QUAL),
			vmx_vmread(VMCS_GUEST_PHYS_ADDR) };

	mvm_exit_internal_error(vcpu, MINIVMM_INTERNAL_ERROR_UNHANDLED_EXIT,
				data, ARRAY_SIZE(data));
	return MVM_USER;
}

static int vmx_handle_exception(struct mvm_vcpu *vcpu, u32 reason)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 info = vmx_vmread(VMCS_EXIT_INTR_INFO);
	u32 vector = info & INTR_INFO_VECTOR;

	if ((info & INTR_INFO_TYPE) == INTR_TYPE_NMI)
		return MVM_RESUME;	/* a host NMI, handled after the exit */
	if ((info & INTR_INFO_TYPE) != INTR_TYPE_HW_EXC)
		return vmx_exit_unhandled(vcpu, reason);
	switch (vector) {
	case X86_TRAP_DB:
		/* The exit qualification holds the DR6 bits of this #DB. */
		vmx->dr6 = VMX_DR6_FIXED | (vmx_vmread(VMCS_EXIT_QUAL) & 0x600f);
		vmx_inject_exception(vcpu, X86_TRAP_DB, false, 0);
		return MVM_RESUME;
	case X86_TRAP_AC:
		vmx_inject_exception(vcpu, X86_TRAP_AC, true,
				     vmx_vmread(VMCS_EXIT_INTR_ERROR));
		return MVM_RESUME;
	}
	return vmx_exit_unhandled(vcpu, reason);
}

static int vmx_handle_cr(struct mvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 qual = vmx_vmread(VMCS_EXIT_QUAL);
	unsigned int cr = qual & 15, type = (qual >> 4) & 3;
	unsigned int reg = (qual >> 8) & 15;
	u64 val = vcpu->gprs[reg], cr0;
	int ret = 0;

	if (!vmx_long_mode())
		val = (u32)val;
	switch (type) {
	case 0:		/* MOV to CR */
		if (cr == 0) {
			ret = vmx_write_cr0(vmx, val);
		} else if (cr == 4) {
			ret = vmx_write_cr4(vmx, val);
		} else if (cr == 8) {
			if (val > 15)
				ret = -EINVAL;
			else if (vcpu->lapic)
				mvm_irq_set_cr8(vcpu, val);
			else
				vmx->cr8 = val;
		} else if (cr == 3) {
			vmx_vmwrite(VMCS_GUEST_CR3, val);
		} else {
			ret = -EINVAL;
		}
		break;
	case 1:		/* MOV from CR */
		if (cr == 8)
			vcpu->gprs[reg] = vmx_get_cr8(vcpu);
		else if (cr == 3)
			vcpu->gprs[reg] = vmx_vmread(VMCS_GUEST_CR3);
		else
			ret = -EINVAL;
		break;
	case 2:		/* CLTS */
		ret = vmx_write_cr0(vmx, vmx_guest_cr0() & ~X86_CR0_TS);
		break;
	case 3:		/* LMSW: sets PE/MP/EM/TS, cannot clear PE */
		cr0 = vmx_guest_cr0();
		val = (qual >> 16) & 0xf;
		ret = vmx_write_cr0(vmx, (cr0 & ~0xeull) | val);
		break;
	}
	/* The PDPTEs' page is not pinned yet: nothing changed, repeat. */
	if (ret == -EAGAIN)
		return MVM_FAULT_IN;
	if (ret) {
		vmx_inject_gp(vcpu);
		return MVM_RESUME;
	}
	vmx_skip_insn(vcpu);
	return MVM_RESUME;
}

/*
 * Guest debug registers are kept here, never loaded: the guest cannot
 * arm hardware breakpoints, but sees its own values.
 */
static int vmx_handle_dr(struct mvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 qual = vmx_vmread(VMCS_EXIT_QUAL);
	unsigned int dr = qual & 7, reg = (qual >> 8) & 15;
	bool from = qual & BIT(4);
	u64 val = vcpu->gprs[reg];

	if (dr == 4 || dr == 5) {
		if (vmx_guest_cr4() & X86_CR4_DE) {
			vmx_inject_ud(vcpu);
			return MVM_RESUME;
		}
		dr += 2;
	}
	if (from) {
		if (dr < 4)
			val = vmx->dr[dr];
		else if (dr == 6)
			val = vmx->dr6;
		else
			val = vmx->dr7;
		vcpu->gprs[reg] = vmx_long_mode() ? val : (u32)val;
	} else {
		if (!vmx_long_mode())
			val = (u32)val;
		if (dr >= 6 && (val >> 32)) {
			vmx_inject_gp(vcpu);
			return MVM_RESUME;
		}
		if (dr < 4)
			vmx->dr[dr] = val;
		else if (dr == 6)
			vmx->dr6 = (val & 0xe00f) | VMX_DR6_FIXED;
		else
			vmx->dr7 = (val & 0xffff2fffull) | VMX_DR7_FIXED;
	}
	vmx_skip_insn(vcpu);
	return MVM_RESUME;
}

static int vmx_handle_io(struct mvm_vcpu *vcpu)
{
	u64 qual = vmx_vmread(VMCS_EXIT_QUAL);
	struct mvm_io io = {
		.port = qual >> 16,
		.size = (qual & 7) + 1,
		.in = qual & BIT(3),
		.string = qual & BIT(4),
		.rep = qual & BIT(5),
		.next_rip = vcpu->rip + vmx_vmread(VMCS_EXIT_INSN_LEN),
	};

	if (io.string) {
		u32 ar = vmx_vmread(VMCS_SEG(ES_AR, VMX_CS));
		enum vmx_seg seg = io.in ? VMX_ES : VMX_DS;

		if (vmx_caps.inout_info) {
			u32 insn = vmx_vmread(VMCS_EXIT_INSN_INFO);

			io.addr_size = 2 << ((insn >> 7) & 7);
			if (!io.in)
				seg = (insn >> 15) & 7;
		} else if (vmx_long_mode() && (ar & BIT(13))) {
			io.addr_size = 8;
		} else {
			io.addr_size = (ar & BIT(14)) ? 4 : 2;
		}
		if (seg > VMX_GS || io.addr_size > 8)
			return vmx_exit_unhandled(vcpu, EXIT_IO);
		io.seg_base = vmx_vmread(VMCS_SEG(ES_BASE, seg));
	}
	vmx_clear_shadow();
	return mvm_io_exit(vcpu, &io);
}

static int vmx_handle_rdmsr(struct mvm_vcpu *vcpu)
{
	u64 data;

	if (mvm_msr_guest_read(vcpu, vcpu->gprs[MVM_RCX], &data)) {
		vmx_inject_gp(vcpu);
		return MVM_RESUME;
	}
	vcpu->gprs[MVM_RAX] = (u32)data;
	vcpu->gprs[MVM_RDX] = data >> 32;
	vmx_skip_insn(vcpu);
	return MVM_RESUME;
}

static int vmx_handle_wrmsr(struct mvm_vcpu *vcpu)
{
	u64 data = (u32)vcpu->gprs[MVM_RAX] |
		   ((u64)(u32)vcpu->gprs[MVM_RDX] << 32);

	if (mvm_msr_guest_write(vcpu, vcpu->gprs[MVM_RCX], data)) {
		vmx_inject_gp(vcpu);
		return MVM_RESUME;
	}
	vmx_skip_insn(vcpu);
	return MVM_RESUME;
}

static int vmx_handle_xsetbv(struct mvm_vcpu *vcpu)
{
	u64 val = (u32)vcpu->gprs[MVM_RAX] |
		  ((u64)(u32)vcpu->gprs[MVM_RDX] << 32);

	if (!(vmx_guest_cr4() & X86_CR4_OSXSAVE)) {
		vmx_inject_ud(vcpu);
		return MVM_RESUME;
	}
	if (vmx_cpl() || mvm_xsetbv(vcpu, vcpu->gprs[MVM_RCX], val)) {
		vmx_inject_gp(vcpu);
		return MVM_RESUME;
	}
	vmx_skip_insn(vcpu);
	return MVM_RESUME;
}

static int vmx_handle_ept_violation(struct mvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 gpa = vmx_vmread(VMCS_GUEST_PHYS_ADDR);
	u64 qual = vmx_vmread(VMCS_EXIT_QUAL);

	/*
	 * A slot's RAM is mapped on the guest's first touch: where the
	 * entry allows no access at all (qualification bits 5:3) and a slot
	 * backs the address, the core pins and maps it and the guest
	 * repeats the access (an event being delivered is re-injected).
	 */
	if (!(qual & EPT_QUAL_PERMS) && mvm_gpa_is_ram(vcpu->vm, gpa)) {
		vcpu->fault_gpa = gpa;
		return MVM_FAULT_IN;
	}
	/* An access while delivering an event cannot be emulated. */
	if (vmx->event.info & INTR_INFO_VALID) {
		u64 data[3] = { vmx->event.info, qual, gpa };

		mvm_exit_internal_error(vcpu,
					MINIVMM_INTERNAL_ERROR_DELIVERY_EV,
					data, ARRAY_SIZE(data));
		return MVM_USER;
	}
	vmx_clear_shadow();
	return mvm_mmio_exit(vcpu, gpa, qual & BIT(1));
}

static int vmx_handle_intr_window(struct mvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	/*
	 * Without virtual NMIs the guest opening its interrupt window is our
	 * sign that its NMI handler has returned (as KVM guesses too).
	 */
	vmx->soft_nmi_blocked = false;
	/* Our own event goes first; the window opens again after it. */
	if (vmx_event_valid(&vmx->event) || vmx_event_valid(&vmx->held))
		return MVM_RESUME;
	return mvm_irq_window_exit(vcpu);
}

/*
 * The guest can take an NMI: the next entry injects it.  A CPU may exit
 * here in an STI shadow, where we do not inject NMIs: end the shadow
 * (an NMI may come at any instruction; only interrupts must wait for the
 * instruction after STI) rather than exit here forever.
 */
static int vmx_handle_nmi_window(struct mvm_vcpu *vcpu)
{
	u32 intr = vmx_vmread(VMCS_GUEST_INTERRUPTIBILITY);

	if ((intr & INTERRUPTIBILITY_STI) && mvm_nmi_peek(vcpu))
		vmx_vmwrite(VMCS_GUEST_INTERRUPTIBILITY,
			    intr & ~INTERRUPTIBILITY_STI);
	return MVM_RESUME;
}

static int vmx_handle_exit(struct mvm_vcpu *vcpu, u32 reason)
{
	switch (reason & 0xffff) {
	case EXIT_EXCEPTION_NMI:
		return vmx_handle_exception(vcpu, reason);
	case EXIT_EXTERNAL_INTR:
	case EXIT_PREEMPT_TIMER:	/* see vmx_vcpu_run() */
		return MVM_RESUME;
	case EXIT_TRIPLE_FAULT:
		vcpu->run->exit_reason = MINIVMM_EXIT_SHUTDOWN;
		return MVM_USER;
	case EXIT_INTR_WINDOW:
		return vmx_handle_intr_window(vcpu);
	case EXIT_NMI_WINDOW:
		return vmx_handle_nmi_window(vcpu);
	case EXIT_TPR_BELOW_THRESHOLD:	/* vmx_tpr_save() told the LAPIC */
		return MVM_RESUME;
	case EXIT_CPUID:
		mvm_cpuid_emulate(vcpu);
		vmx_skip_insn(vcpu);
		return MVM_RESUME;
	case EXIT_HLT:
		vmx_skip_insn(vcpu);
		return mvm_vcpu_halt(vcpu);
	case EXIT_INVD:
		vmx_skip_insn(vcpu);
		return MVM_RESUME;
	case EXIT_RDPMC:
		vmx_inject_gp(vcpu);
		return MVM_RESUME;
	case EXIT_GETSEC:
	case EXIT_VMCALL ... EXIT_VMON:
	case EXIT_MWAIT:
	case EXIT_MONITOR:
	case EXIT_INVEPT:
	case EXIT_INVVPID:
		vmx_inject_ud(vcpu);
		return MVM_RESUME;
	case EXIT_CR_ACCESS:
		return vmx_handle_cr(vcpu);
	case EXIT_DR_ACCESS:
		return vmx_handle_dr(vcpu);
	case EXIT_IO:
		return vmx_handle_io(vcpu);
	case EXIT_RDMSR:
		return vmx_handle_rdmsr(vcpu);
	case EXIT_WRMSR:
		return vmx_handle_wrmsr(vcpu);
	case EXIT_XSETBV:
		return vmx_handle_xsetbv(vcpu);
	case EXIT_EPT_VIOLATION:
		return vmx_handle_ept_violation(vcpu);
	}
	return vmx_exit_unhandled(vcpu, reason);
}

int vmx_vcpu_run(struct mvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_host_save host;
	u32 reason = 0, intr_info = 0, proc;
	int fail;

	/* A triple fault raised by vmx_inject_exception(). */
	if (vmx->shutdown) {
		vmx->shutdown = false;
		vcpu->run->exit_reason = MINIVMM_EXIT_SHUTDOWN;
		return MVM_USER;
	}
	vmx_vmwrite(VMCS_GUEST_RSP, vcpu->gprs[MVM_RSP]);
	vmx_vmwrite(VMCS_GUEST_RIP, vcpu->rip);
	vmx_vmwrite(VMCS_GUEST_RFLAGS, vcpu->rflags);
	proc = vmx_tpr_load(vcpu);

	local_irq_disable();
	if (!mvm_vcpu_prepare_entry(vcpu)) {
		local_irq_enable();
		return MVM_RESUME;
	}
	if (vmx->need_flush)
		vmx_flush(vmx);
	vmx_prepare_events(vcpu, proc);
	/*
	 * Bound every guest run to about a millisecond, whatever the guest
	 * does.  External-interrupt exiting should already end a run at the
	 * next host interrupt, but Bochs 2.7 loses that exit when a guest
	 * entered with RFLAGS.IF=0 spins without exits (it re-evaluates its
	 * interrupt mask only when IF changes, and entry from a host with
	 * IF=0 to such a guest changes nothing): the host CPU never sees a
	 * timer tick again.  The VMX-preemption timer exit ends the run
	 * there too; on real CPUs it costs an exit per millisecond at most.
	 */
	if (vmx_caps.preempt_timer)
		vmx_vmwrite(VMCS_PREEMPT_TIMER, vmx_caps.preempt_timer);
	vmx_host_save(vmx, &host);
	if (native_read_cr2() != vmx->cr2)
		native_write_cr2(vmx->cr2);

	fail = vmx_enter(vcpu->gprs, vmx->launched);

	vmx->cr2 = native_read_cr2();
	vmx_host_restore(vmx, &host);
	if (!fail) {
		reason = vmx_vmread(VMCS_EXIT_REASON);
		intr_info = vmx_vmread(VMCS_EXIT_INTR_INFO);
		/* A host NMI caused this exit: run the host's handler now. */
		if ((reason & 0xffff) == EXIT_EXCEPTION_NMI &&
		    (intr_info & (INTR_INFO_TYPE | INTR_INFO_VALID)) ==
		    (INTR_TYPE_NMI | INTR_INFO_VALID))
			asm volatile("int $2");
	}
	mvm_vcpu_after_exit(vcpu);
	local_irq_enable();

	/* Without an entry, vmx->event still holds what was to go in. */
	if (fail)
		return vmx_exit_fail_entry(vcpu, vmx_vmread(VMCS_INSN_ERROR));
	if (reason & EXIT_FAILED_ENTRY)
		return vmx_exit_fail_entry(vcpu, reason);
	vmx->launched = true;
	vcpu->rip = vmx_vmread(VMCS_GUEST_RIP);
	vcpu->gprs[MVM_RSP] = vmx_vmread(VMCS_GUEST_RSP);
	vcpu->rflags = vmx_vmread(VMCS_GUEST_RFLAGS);
	vmx_save_vectoring(vmx);
	vmx_restore_nmi_blocking(vmx, reason, intr_info);
	vmx_tpr_save(vcpu);
	return vmx_handle_exit(vcpu, reason);
}
