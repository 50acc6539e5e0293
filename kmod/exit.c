// SPDX-License-Identifier: GPL-2.0
/*
 * The exits that mean the same on both CPUs, as the backend described
 * them (struct mvm_exit): the instruction's effect, the exception it
 * raises instead, or the exit userspace has to see.  Runs after
 * ops->exit_decode() with preemption off and the vCPU loaded.
 */
#include <linux/kernel.h>
#include <linux/smp.h>
#include <asm/processor-flags.h>

#include "mvm.h"
#include "x86.h"

void __mvm_exit_path mvm_exit_internal_error(struct mvm_vcpu *vcpu, u32 suberror,
					     const u64 *data, u32 ndata)
{
	struct minivmm_run *run = vcpu->run;
	u32 i;

	ndata = min_t(u32, ndata, ARRAY_SIZE(run->internal.data));
	run->exit_reason = MINIVMM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = ndata;
	for (i = 0; i < ndata; i++)
		run->internal.data[i] = data[i];
}

static int __mvm_exit_path mvm_exit_internal(struct mvm_vcpu *vcpu,
					     const struct mvm_exit *exit, u32 suberror)
{
	mvm_exit_internal_error(vcpu, suberror, exit->hw,
				ARRAY_SIZE(exit->hw));
	return MVM_USER;
}

/* The instruction that exited is done: no STI/MOV SS shadow after it. */
static int __mvm_exit_path mvm_insn_done(struct mvm_vcpu *vcpu, const struct mvm_exit *exit)
{
	mvm_insn_complete(vcpu, exit->next_rip);
	vcpu->shadow = 0;
	return MVM_RESUME;
}

/* The instruction raises #@vector instead of completing. */
static int __mvm_exit_path mvm_insn_fault(struct mvm_vcpu *vcpu, u8 vector)
{
	mvm_queue_exception(vcpu, vector, 0);
	return MVM_RESUME;
}

static u64 __mvm_exit_path mvm_edx_eax(struct mvm_vcpu *vcpu)
{
	return (u32)vcpu->gprs[MVM_RAX] |
	       ((u64)(u32)vcpu->gprs[MVM_RDX] << 32);
}

static int __mvm_exit_path mvm_exit_rdmsr(struct mvm_vcpu *vcpu, const struct mvm_exit *exit)
{
	u64 data;

	if (mvm_msr_guest_read(vcpu, vcpu->gprs[MVM_RCX], &data))
		return mvm_insn_fault(vcpu, MVM_X86_GP);
	vcpu->gprs[MVM_RAX] = (u32)data;
	vcpu->gprs[MVM_RDX] = data >> 32;
	return mvm_insn_done(vcpu, exit);
}

static int __mvm_exit_path mvm_exit_wrmsr(struct mvm_vcpu *vcpu, const struct mvm_exit *exit)
{
	if (mvm_msr_guest_write(vcpu, vcpu->gprs[MVM_RCX], mvm_edx_eax(vcpu)))
		return mvm_insn_fault(vcpu, MVM_X86_GP);
	return mvm_insn_done(vcpu, exit);
}

static int __mvm_exit_path mvm_exit_xsetbv(struct mvm_vcpu *vcpu, const struct mvm_exit *exit)
{
	struct mvm_paging pg;

	mvm_call(get_paging)(vcpu, &pg);
	if (!(pg.cr4 & X86_CR4_OSXSAVE))
		return mvm_insn_fault(vcpu, MVM_X86_UD);
	if (pg.cpl || mvm_xsetbv(vcpu, vcpu->gprs[MVM_RCX], mvm_edx_eax(vcpu)))
		return mvm_insn_fault(vcpu, MVM_X86_GP);
	return mvm_insn_done(vcpu, exit);
}

/* A guest write of CR0, CR3, CR4 or CR8: 0, -EINVAL (#GP) or -EAGAIN. */
static int __mvm_exit_path mvm_cr_write(struct mvm_vcpu *vcpu, unsigned int cr, u64 val)
{
	struct mvm_paging pg;
	int r;

	switch (cr) {
	case 8:
		if (val > 15)
			return -EINVAL;
		if (vcpu->lapic) {
			mvm_irq_set_cr8(vcpu, val);
			return 0;
		}
		return mvm_ops->set_cr(vcpu, 8, val);
	case 3:
		return mvm_ops->set_cr(vcpu, 3, val);
	case 0:
	case 4:
		mvm_call(get_paging)(vcpu, &pg);
		r = mvm_cr_write_check(&pg, cr, val);
		if (r)
			return r;
		return mvm_ops->set_cr(vcpu, cr, val);
	default:
		return -EINVAL;
	}
}

static int __mvm_exit_path mvm_exit_cr(struct mvm_vcpu *vcpu, const struct mvm_exit *exit)
{
	unsigned int cr = exit->cr.cr, gpr = exit->cr.gpr;
	u64 val, cr0;
	int r = 0;

	switch (exit->cr.access) {
	case MVM_CR_READ:
		if (cr == 8)
			val = mvm_irq_get_cr8(vcpu);
		else if (cr == 3)
			val = mvm_call(get_cr)(vcpu, 3);
		else
			return mvm_insn_fault(vcpu, MVM_X86_GP);
		vcpu->gprs[gpr] = exit->cr.mode64 ? val : (u32)val;
		break;
	case MVM_CR_WRITE:
		val = vcpu->gprs[gpr];
		r = mvm_cr_write(vcpu, cr, exit->cr.mode64 ? val : (u32)val);
		break;
	case MVM_CR_CLTS:
		r = mvm_cr_write(vcpu, 0,
				 mvm_call(get_cr)(vcpu, 0) & ~X86_CR0_TS);
		break;
	case MVM_CR_LMSW:
		/* Loads PE, MP, EM and TS; it can set PE but not clear it. */
		cr0 = mvm_call(get_cr)(vcpu, 0);
		r = mvm_cr_write(vcpu, 0, (cr0 & ~0xeull) | (exit->cr.lmsw & 0xf));
		break;
	}
	/* The PAE PDPTEs' page is not pinned yet: nothing changed, repeat. */
	if (r == -EAGAIN)
		return MVM_FAULT_IN;
	if (r)
		return mvm_insn_fault(vcpu, MVM_X86_GP);
	return mvm_insn_done(vcpu, exit);
}

/*
 * MOV to/from DR where the backend intercepts it: the guest's debug
 * registers are kept here and never loaded, so the guest cannot arm
 * hardware breakpoints but sees its own values.
 */
static int __mvm_exit_path mvm_exit_dr(struct mvm_vcpu *vcpu, const struct mvm_exit *exit)
{
	unsigned int dr = exit->dr.dr, gpr = exit->dr.gpr;
	u64 val;

	/* DR4/DR5 alias DR6/DR7 unless CR4.DE makes them #UD. */
	if (dr == 4 || dr == 5) {
		if (mvm_call(get_cr)(vcpu, 4) & X86_CR4_DE)
			return mvm_insn_fault(vcpu, MVM_X86_UD);
		dr += 2;
	}
	if (!exit->dr.write) {
		if (dr < 4)
			val = vcpu->dr[dr];
		else if (dr == 6)
			val = vcpu->dr6;
		else
			val = vcpu->dr7;
		vcpu->gprs[gpr] = exit->dr.mode64 ? val : (u32)val;
		return mvm_insn_done(vcpu, exit);
	}
	val = exit->dr.mode64 ? vcpu->gprs[gpr] : (u32)vcpu->gprs[gpr];
	if (dr >= 6 && (val >> 32))
		return mvm_insn_fault(vcpu, MVM_X86_GP);
	if (dr < 4)
		vcpu->dr[dr] = val;
	else if (dr == 6)
		vcpu->dr6 = (val & 0xe00f) | MVM_DR6_RESET;
	else
		vcpu->dr7 = (val & 0xffff2fffull) | MVM_DR7_RESET;
	return mvm_insn_done(vcpu, exit);
}

/*
 * A guest-physical access nothing maps.  A slot's RAM is mapped on the
 * guest's first touch: where no access at all is allowed and a slot backs
 * the address, the core pins and maps it and the guest repeats the
 * access (an event being delivered is delivered again).  An access while
 * delivering an event, or one that is not the instruction's own data
 * access, cannot be emulated: report it.
 */
static int __mvm_exit_path mvm_exit_npf(struct mvm_vcpu *vcpu, const struct mvm_exit *exit)
{
	if (exit->npf.not_present && mvm_gpa_is_ram(vcpu->vm, exit->npf.gpa)) {
		vcpu->fault_gpa = exit->npf.gpa;
		return MVM_FAULT_IN;
	}
	if (vcpu->interrupted.type != MVM_EVENT_NONE)
		return mvm_exit_internal(vcpu, exit,
					 MINIVMM_INTERNAL_ERROR_DELIVERY_EV);
	if (exit->npf.not_mmio)
		return mvm_exit_internal(vcpu, exit,
					 MINIVMM_INTERNAL_ERROR_UNHANDLED_EXIT);
	vcpu->shadow = 0;
	return mvm_mmio_exit(vcpu, exit->npf.gpa, exit->npf.write);
}

static int __mvm_exit_path mvm_exit_exception(struct mvm_vcpu *vcpu,
					      const struct mvm_exit *exit)
{
	if (exit->exc.after_insn)
		vcpu->rip = exit->next_rip;
	if (exit->exc.vector == MVM_X86_DB && exit->exc.dr6)
		vcpu->dr6 = exit->exc.dr6;
	mvm_queue_exception(vcpu, exit->exc.vector, exit->exc.error);
	return MVM_RESUME;
}

/*
 * Without an irqchip userspace asked for the window to queue its own
 * interrupt: tell it once nothing of its own is still waiting.  With an
 * irqchip the window only served the LAPIC (the run loop ignores
 * request_interrupt_window there, as MINIVMM_INTERRUPT is refused): the
 * next entry injects what is due.
 */
static int __mvm_exit_path mvm_exit_irq_window(struct mvm_vcpu *vcpu)
{
	if (vcpu->lapic || !vcpu->irq_window_requested ||
	    vcpu->pending_irq >= 0 || !mvm_interrupt_allowed(vcpu))
		return MVM_RESUME;
	vcpu->run->exit_reason = MINIVMM_EXIT_IRQ_WINDOW_OPEN;
	return MVM_USER;
}

int __mvm_exit_path mvm_exit_handle(struct mvm_vcpu *vcpu, const struct mvm_exit *exit)
{
	struct minivmm_run *run = vcpu->run;

	switch (exit->reason) {
	case MVM_EXIT_NONE:
		return MVM_RESUME;
	case MVM_EXIT_CPUID:
		mvm_cpuid_emulate(vcpu);
		return mvm_insn_done(vcpu, exit);
	case MVM_EXIT_HLT:
		/*
		 * Not mvm_insn_done(): a single-step trap queued here would
		 * be due while the vCPU sleeps.  HLT with RFLAGS.TF raises
		 * no #DB (a known limit).
		 */
		vcpu->rip = exit->next_rip;
		vcpu->shadow = 0;
		return mvm_vcpu_halt(vcpu);
	case MVM_EXIT_RDMSR:
		return mvm_exit_rdmsr(vcpu, exit);
	case MVM_EXIT_WRMSR:
		return mvm_exit_wrmsr(vcpu, exit);
	case MVM_EXIT_XSETBV:
		return mvm_exit_xsetbv(vcpu, exit);
	case MVM_EXIT_NOP:
		/* INVD, WBINVD: guest memory is cacheable host memory. */
		return mvm_insn_done(vcpu, exit);
	case MVM_EXIT_UD:
		/* No nested virtualization, MONITOR/MWAIT, SMM or SMX. */
		return mvm_insn_fault(vcpu, MVM_X86_UD);
	case MVM_EXIT_RDPMC:
		/* No performance counters are offered. */
		return mvm_insn_fault(vcpu, MVM_X86_GP);
	case MVM_EXIT_CR:
		return mvm_exit_cr(vcpu, exit);
	case MVM_EXIT_DR:
		return mvm_exit_dr(vcpu, exit);
	case MVM_EXIT_IO:
		vcpu->shadow = 0;
		return mvm_io_exit(vcpu, &exit->io);
	case MVM_EXIT_NPF:
		return mvm_exit_npf(vcpu, exit);
	case MVM_EXIT_EXCEPTION:
		return mvm_exit_exception(vcpu, exit);
	case MVM_EXIT_IRQ_WINDOW:
		return mvm_exit_irq_window(vcpu);
	case MVM_EXIT_SHUTDOWN:
		run->exit_reason = MINIVMM_EXIT_SHUTDOWN;
		return MVM_USER;
	case MVM_EXIT_FAIL_ENTRY:
		run->exit_reason = MINIVMM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason =
			exit->fail_reason;
		run->fail_entry.cpu = raw_smp_processor_id();
		run->fail_entry.pad = 0;
		return MVM_USER;
	case MVM_EXIT_INTERNAL:
		return mvm_exit_internal(vcpu, exit, exit->internal_suberror);
	}
	return mvm_exit_internal(vcpu, exit,
				 MINIVMM_INTERNAL_ERROR_UNHANDLED_EXIT);
}
