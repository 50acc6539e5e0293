// SPDX-License-Identifier: GPL-2.0
/*
 * One VT-x guest entry: event injection, host state around
 * VMLAUNCH/VMRESUME, and the handling of each VM exit.
 */
#define pr_fmt(fmt) "minivmm: vmx: " fmt

#include <linux/irqflags.h>
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

void vmx_inject_exception(struct mvm_vcpu *vcpu, u8 vector, bool has_error,
			  u32 error_code)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 old = vmx->event.info;

	/* An interrupt not yet delivered goes back to the queue. */
	if ((old & INTR_INFO_VALID) &&
	    (old & INTR_INFO_TYPE) == INTR_TYPE_EXT && vcpu->pending_irq < 0)
		vcpu->pending_irq = old & INTR_INFO_VECTOR;
	vmx->event.info = vector | INTR_TYPE_HW_EXC | INTR_INFO_VALID;
	if (has_error)
		vmx->event.info |= INTR_INFO_HAS_ERROR;
	vmx->event.error = error_code;
	vmx->event.insn_len = 0;
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

/*
 * Choose what to inject at this entry (interrupts off, entry certain
 * unless VMfail).  Returns the interrupt vector taken from pending_irq, or
 * -1, so that a failed entry can give it back.
 */
static int vmx_prepare_events(struct mvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 intr = vmx_vmread(VMCS_GUEST_INTERRUPTIBILITY);
	u32 proc = vmx->proc & ~PROC_INTR_WINDOW;
	int taken = -1;
	u32 info = 0;

	if (vmx->event.info & INTR_INFO_VALID) {
		info = vmx->event.info;
		/* No error code in real mode (SDM 26.2.1.3). */
		if (!(vmx_vmread(VMCS_GUEST_CR0) & X86_CR0_PE))
			info &= ~INTR_INFO_HAS_ERROR;
		vmx_vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, vmx->event.error);
		vmx_vmwrite(VMCS_ENTRY_INSN_LEN, vmx->event.insn_len);
		vmx->event.info = 0;
	} else if (vcpu->pending_irq >= 0 && (vcpu->rflags & X86_EFLAGS_IF) &&
		   !(intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))) {
		taken = vcpu->pending_irq;
		info = taken | INTR_TYPE_EXT | INTR_INFO_VALID;
		vcpu->pending_irq = -1;
		/* An interrupt ends HLT: the guest runs its handler. */
		vmx_vmwrite(VMCS_GUEST_ACTIVITY, 0);
	}
	vmx_vmwrite(VMCS_ENTRY_INTR_INFO, info);
	if (vcpu->pending_irq >= 0 || vcpu->irq_window_requested)
		proc |= PROC_INTR_WINDOW;
	if (proc != vmx->proc) {
		vmx->proc = proc;
		vmx_vmwrite(VMCS_PROC_CTLS, proc);
	}
	return taken;
}

/* After an exit: an event whose delivery the exit interrupted. */
static void vmx_save_vectoring(struct vmx_vcpu *vmx)
{
	u32 info = vmx_vmread(VMCS_IDT_VECTORING_INFO);
	u32 type = info & INTR_INFO_TYPE;

	if (!(info & INTR_INFO_VALID))
		return;
	vmx->event.info = info & (INTR_INFO_VALID | INTR_INFO_HAS_ERROR |
				  INTR_INFO_TYPE | INTR_INFO_VECTOR);
	vmx->event.error = vmx_vmread(VMCS_IDT_VECTORING_ERROR);
	vmx->event.insn_len = 0;
	if (type == INTR_TYPE_SW_INT || type == INTR_TYPE_SW_EXC ||
	    type == INTR_TYPE_PRIV_SW_EXC)
		vmx->event.insn_len = vmx_vmread(VMCS_EXIT_INSN_LEN);
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
			vcpu->gprs[reg] = vmx->cr8;
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
	if (vcpu->pending_irq >= 0 || !vcpu->irq_window_requested)
		return MVM_RESUME;
	vcpu->run->exit_reason = MINIVMM_EXIT_IRQ_WINDOW_OPEN;
	return MVM_USER;
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
	case EXIT_CPUID:
		mvm_cpuid_emulate(vcpu);
		vmx_skip_insn(vcpu);
		return MVM_RESUME;
	case EXIT_HLT:
		vmx_skip_insn(vcpu);
		vcpu->run->exit_reason = MINIVMM_EXIT_HLT;
		return MVM_USER;
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
	u32 reason = 0, intr_info = 0;
	int taken, fail;

	vmx_vmwrite(VMCS_GUEST_RSP, vcpu->gprs[MVM_RSP]);
	vmx_vmwrite(VMCS_GUEST_RIP, vcpu->rip);
	vmx_vmwrite(VMCS_GUEST_RFLAGS, vcpu->rflags);

	local_irq_disable();
	if (!mvm_vcpu_prepare_entry(vcpu)) {
		local_irq_enable();
		return MVM_RESUME;
	}
	if (vmx->need_flush)
		vmx_flush(vmx);
	taken = vmx_prepare_events(vcpu);
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

	if (fail) {
		if (taken >= 0)
			vcpu->pending_irq = taken;
		return vmx_exit_fail_entry(vcpu, vmx_vmread(VMCS_INSN_ERROR));
	}
	if (reason & EXIT_FAILED_ENTRY) {
		if (taken >= 0)
			vcpu->pending_irq = taken;
		return vmx_exit_fail_entry(vcpu, reason);
	}
	vmx->launched = true;
	vcpu->rip = vmx_vmread(VMCS_GUEST_RIP);
	vcpu->gprs[MVM_RSP] = vmx_vmread(VMCS_GUEST_RSP);
	vcpu->rflags = vmx_vmread(VMCS_GUEST_RFLAGS);
	vmx_save_vectoring(vmx);
	return vmx_handle_exit(vcpu, reason);
}
