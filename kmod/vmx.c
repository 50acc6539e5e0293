// SPDX-License-Identifier: GPL-2.0
/*
 * Intel VT-x backend: capability checks, VMX operation per host
 * CPU, EPT entry format, per-VM state and the backend ops table.
 */
#define pr_fmt(fmt) "minivmm: vmx: " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/gfp.h>
#include <linux/smp.h>
#include <asm/cpufeature.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/tlbflush.h>
#include <asm/processor-flags.h>
#include <asm/tsc.h>
#include "mvm.h"
#include "vmx.h"

struct vmx_caps vmx_caps;

/* The VMXON region of each host CPU, allocated by vmx_hw_setup(). */
static DEFINE_PER_CPU(void *, vmxon_region);
/* Whether this module enabled VMX on a CPU (and so must turn it off). */
static DEFINE_PER_CPU(bool, vmx_on);

/*
 * Adjust wanted control bits to what the CPU allows: the low half of the
 * capability MSR gives the bits that must be 1, the high half the bits
 * that may be 1.  Fails when a required bit is not allowed.
 */
static int vmx_adjust_ctls(u32 msr, u32 want, u32 required, u32 *out)
{
	u64 cap;
	u32 ctl;

	rdmsrl(msr, cap);
	ctl = (want | (u32)cap) & (u32)(cap >> 32);
	if ((ctl & required) != required) {
		pr_err("control MSR %#x lacks required bits %#x\n", msr,
		       required & ~ctl);
		return -EOPNOTSUPP;
	}
	*out = ctl;
	return 0;
}

/* May every bit of @bits be 1 in the control that @msr describes? */
static bool vmx_ctls_allowed(u32 msr, u32 bits)
{
	u64 cap;

	rdmsrl(msr, cap);
	return ((u32)(cap >> 32) & bits) == bits;
}

static int vmx_check_feature_control(void)
{
	u64 fc;

	rdmsrl(MSR_FEATURE_CONTROL, fc);
	if (fc & FEAT_CTL_LOCK) {
		if (!(fc & FEAT_CTL_VMX_OUTSIDE_SMX)) {
			pr_err("VMX disabled by firmware (IA32_FEATURE_CONTROL %#llx)\n",
			       fc);
			return -EOPNOTSUPP;
		}
		return 0;
	}
	/*
	 * Linux locks the MSR at boot (init_ia32_feat_ctl), so an unlocked
	 * MSR is unusual; refuse rather than write a machine-wide MSR on
	 * every CPU behind the kernel's back.
	 */
	pr_err("IA32_FEATURE_CONTROL is not locked (%#llx)\n", fc);
	return -EOPNOTSUPP;
}

/* TSC rate assumed when the kernel does not know it (1 GHz). */
#define VMX_TSC_KHZ_GUESS	1000000u

/*
 * Timer value that bounds one guest run to about a millisecond: the
 * VMX-preemption timer counts down once every 2^IA32_VMX_MISC[4:0] TSC
 * ticks.  0 when the CPU has no timer (see vmx_vcpu_run()).
 */
static u32 vmx_preempt_timer_value(void)
{
	u64 misc;
	u32 khz = tsc_khz ? tsc_khz : VMX_TSC_KHZ_GUESS;

	if (!(vmx_caps.pin & PIN_PREEMPT_TIMER))
		return 0;
	rdmsrl(MSR_VMX_MISC, misc);
	return max_t(u32, khz >> (misc & 0x1f), 1);
}

static int vmx_hw_check(void)
{
	bool true_ctls;
	u64 basic, ept;
	u32 pin_msr, proc_msr, exit_msr, entry_msr;
	int ret;

	if (!boot_cpu_has(X86_FEATURE_VMX)) {
		pr_err("the CPU does not offer VMX\n");
		return -EOPNOTSUPP;
	}
	ret = vmx_check_feature_control();
	if (ret)
		return ret;

	rdmsrl(MSR_VMX_BASIC, basic);
	vmx_caps.revision = basic & 0x7fffffff;
	/* Bit 48: VMX structures limited to 32-bit physical addresses. */
	if (basic & BIT_ULL(48)) {
		pr_err("VMX limited to 32-bit addresses: not supported\n");
		return -EOPNOTSUPP;
	}
	/* Bits 53:50: memory type for VMCS accesses, 6 = write-back. */
	if (((basic >> 50) & 0xf) != 6) {
		pr_err("VMCS memory type is not write-back\n");
		return -EOPNOTSUPP;
	}
	vmx_caps.inout_info = basic & MVMX_BASIC_INOUT;
	true_ctls = basic & MVMX_BASIC_TRUE;
	pin_msr = true_ctls ? MSR_VMX_TRUE_PINBASED : MSR_VMX_PINBASED;
	proc_msr = true_ctls ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED;
	exit_msr = true_ctls ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT;
	entry_msr = true_ctls ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY;

	ret = vmx_adjust_ctls(pin_msr, PIN_EXT_INTR_EXITING | PIN_NMI_EXITING |
			      PIN_VIRTUAL_NMIS | PIN_PREEMPT_TIMER,
			      PIN_EXT_INTR_EXITING | PIN_NMI_EXITING,
			      &vmx_caps.pin);
	if (ret)
		return ret;
	/*
	 * Virtual NMIs let the CPU track the guest's NMI blocking (until its
	 * IRET) and exit when it ends (NMI-window exiting, which needs them);
	 * without them NMIs wait for an interrupt window instead.
	 */
	vmx_caps.vnmi = (vmx_caps.pin & PIN_VIRTUAL_NMIS) &&
			vmx_ctls_allowed(proc_msr, PROC_NMI_WINDOW);
	if (!vmx_caps.vnmi)
		vmx_caps.pin &= ~PIN_VIRTUAL_NMIS;
	if (!vmx_ctls_allowed(proc_msr, PROC_INTR_WINDOW)) {
		pr_err("no interrupt-window exiting\n");
		return -EOPNOTSUPP;
	}
	vmx_caps.preempt_timer = vmx_preempt_timer_value();
	{
		u32 want = PROC_HLT_EXITING | PROC_MWAIT_EXITING |
			   PROC_RDPMC_EXITING | PROC_CR8_LOAD_EXITING |
			   PROC_CR8_STORE_EXITING | PROC_MOV_DR_EXITING |
			   PROC_IO_BITMAPS | PROC_MSR_BITMAPS |
			   PROC_MONITOR_EXITING | PROC_SECONDARY;

		ret = vmx_adjust_ctls(proc_msr, want | PROC_TSC_OFFSET, want,
				      &vmx_caps.proc);
		if (ret)
			return ret;
		/* Nothing we do not handle may stay on. */
		if (vmx_caps.proc & PROC_UNCOND_IO_EXITING)
			vmx_caps.proc &= ~PROC_UNCOND_IO_EXITING;
		/* Windows and the TPR shadow are switched per entry. */
		if (vmx_caps.proc & (PROC_INTR_WINDOW | PROC_NMI_WINDOW |
				     PROC_TPR_SHADOW)) {
			pr_err("interrupt/NMI windows or TPR shadow cannot be turned off\n");
			return -EOPNOTSUPP;
		}
		vmx_caps.tpr_shadow = vmx_ctls_allowed(proc_msr,
						       PROC_TPR_SHADOW);
	}
	ret = vmx_adjust_ctls(MSR_VMX_PROCBASED2,
			      PROC2_EPT | PROC2_UNRESTRICTED | PROC2_VPID |
			      PROC2_RDTSCP | PROC2_INVPCID, 0, &vmx_caps.proc2);
	if (ret)
		return ret;
	if (!(vmx_caps.proc2 & PROC2_EPT) ||
	    !(vmx_caps.proc2 & PROC2_UNRESTRICTED)) {
		pr_err("EPT and unrestricted guest are required\n");
		return -EOPNOTSUPP;
	}
	rdmsrl(MSR_VMX_EPT_VPID_CAP, ept);
	vmx_caps.ept_vpid = ept;
	if (!(ept & VMX_EPT_WALK4) || !(ept & VMX_EPT_WB) ||
	    !(ept & VMX_EPT_INVEPT) ||
	    !(ept & (VMX_EPT_INVEPT_SINGLE | VMX_EPT_INVEPT_ALL))) {
		pr_err("EPT lacks 4-level walk, write-back or INVEPT (%#llx)\n",
		       ept);
		return -EOPNOTSUPP;
	}
	vmx_caps.vpid = (vmx_caps.proc2 & PROC2_VPID) &&
			(ept & VMX_VPID_INVVPID) &&
			(ept & (VMX_VPID_INVVPID_SINGLE | VMX_VPID_INVVPID_ALL));
	if (!vmx_caps.vpid)
		vmx_caps.proc2 &= ~PROC2_VPID;

	ret = vmx_adjust_ctls(exit_msr,
			      EXIT_SAVE_DEBUG | EXIT_HOST_64 | EXIT_SAVE_PAT |
			      EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER,
			      EXIT_HOST_64 | EXIT_SAVE_PAT | EXIT_LOAD_PAT |
			      EXIT_SAVE_EFER | EXIT_LOAD_EFER, &vmx_caps.exit);
	if (ret)
		return ret;
	/* Host interrupts are taken by the host IDT after the exit. */
	if (vmx_caps.exit & EXIT_ACK_INTR) {
		pr_err("acknowledge-interrupt-on-exit cannot be turned off\n");
		return -EOPNOTSUPP;
	}
	ret = vmx_adjust_ctls(entry_msr,
			      ENTRY_LOAD_DEBUG | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER,
			      ENTRY_LOAD_PAT | ENTRY_LOAD_EFER, &vmx_caps.entry);
	if (ret)
		return ret;
	vmx_caps.entry &= ~ENTRY_IA32E;	/* set per guest EFER.LMA */

	rdmsrl(MSR_VMX_CR0_FIXED0, vmx_caps.cr0_fixed0);
	rdmsrl(MSR_VMX_CR0_FIXED1, vmx_caps.cr0_fixed1);
	rdmsrl(MSR_VMX_CR4_FIXED0, vmx_caps.cr4_fixed0);
	rdmsrl(MSR_VMX_CR4_FIXED1, vmx_caps.cr4_fixed1);
	pr_info("VT-x with EPT, unrestricted guest%s%s%s%s\n",
		vmx_caps.vpid ? ", VPID" : "",
		vmx_caps.preempt_timer ? ", preemption timer" : "",
		vmx_caps.vnmi ? ", virtual NMIs" : "",
		vmx_caps.tpr_shadow ? ", TPR shadow" : "");
	return 0;
}

static int vmx_hw_setup(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct page *page;
		u32 *region;

		page = alloc_pages_node(cpu_to_node(cpu),
					GFP_KERNEL | __GFP_ZERO, 0);
		if (!page)
			goto free_regions;
		region = page_address(page);
		region[0] = vmx_caps.revision;
		per_cpu(vmxon_region, cpu) = region;
	}
	if (vmx_vpid_setup())
		goto free_regions;
	return 0;

free_regions:
	for_each_possible_cpu(cpu) {
		free_page((unsigned long)per_cpu(vmxon_region, cpu));
		per_cpu(vmxon_region, cpu) = NULL;
	}
	return -ENOMEM;
}

static void vmx_hw_unsetup(void)
{
	int cpu;

	vmx_vpid_unsetup();
	for_each_possible_cpu(cpu) {
		free_page((unsigned long)per_cpu(vmxon_region, cpu));
		per_cpu(vmxon_region, cpu) = NULL;
	}
}

static int vmx_hw_enable(void)
{
	void *region = this_cpu_read(vmxon_region);
	phys_addr_t pa;
	bool fail;
	u64 fc;

	if (!region)
		return -ENOMEM;
	if (cr4_read_shadow() & X86_CR4_VMXE) {
		pr_err("CPU %d is already in VMX operation (kvm_intel loaded?)\n",
		       smp_processor_id());
		return -EBUSY;
	}
	/* Firmware may lock this MSR differently on each CPU. */
	rdmsrl(MSR_FEATURE_CONTROL, fc);
	if ((fc & (FEAT_CTL_LOCK | FEAT_CTL_VMX_OUTSIDE_SMX)) !=
	    (FEAT_CTL_LOCK | FEAT_CTL_VMX_OUTSIDE_SMX)) {
		pr_err("VMX disabled by firmware on CPU %d\n",
		       smp_processor_id());
		return -EOPNOTSUPP;
	}
	pa = virt_to_phys(region);
	cr4_set_bits(X86_CR4_VMXE);
	/* A fault (#GP/#UD) lands on 2: and reads as a failure too. */
	asm volatile("1: vmxon %[pa]\n\t"
		     "jmp 3f\n\t"
		     "2: stc\n\t"
		     "3:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     CC_SET(be)
		     : CC_OUT(be) (fail)
		     : [pa] "m" (pa)
		     : "memory");
	if (fail) {
		cr4_clear_bits(X86_CR4_VMXE);
		pr_err("VMXON failed on CPU %d\n", smp_processor_id());
		return -EIO;
	}
	this_cpu_write(vmx_on, true);
	return 0;
}

static void vmx_hw_disable(void)
{
	if (!this_cpu_read(vmx_on))
		return;
	vmx_hw_clear_loaded();
	asm volatile("vmxoff" : : : "cc", "memory");
	cr4_clear_bits(X86_CR4_VMXE);
	this_cpu_write(vmx_on, false);
}

/* EPT leaf: R/W/X as asked, write-back memory, guest PAT ignored. */
static u64 vmx_gpt_leaf(phys_addr_t pa, unsigned int prot)
{
	u64 pte = (pa & PAGE_MASK) | EPT_MT_WB | EPT_IGNORE_PAT;

	if (prot & MVM_PROT_READ)
		pte |= EPT_R;
	if (prot & MVM_PROT_WRITE)
		pte |= EPT_W;
	if (prot & MVM_PROT_EXEC)
		pte |= EPT_X;
	return pte;
}

static u64 vmx_gpt_dir(phys_addr_t pa)
{
	return (pa & PAGE_MASK) | EPT_R | EPT_W | EPT_X;
}

static bool vmx_gpt_present(u64 pte)
{
	return pte & (EPT_R | EPT_W | EPT_X);
}

static int vmx_vm_init(struct mvm_vm *vm)
{
	return 0;
}

static void vmx_invept_remote(void *info)
{
	u64 eptp = *(u64 *)info;

	if (!this_cpu_read(vmx_on))
		return;
	if (vmx_caps.ept_vpid & VMX_EPT_INVEPT_SINGLE)
		vmx_invept(1, eptp);
	else
		vmx_invept(2, 0);
}

/*
 * The EPT root page goes back to the allocator when the VM dies: drop
 * every CPU's translations tagged with it, so that a later VM whose root
 * lands on the same page cannot use them.
 */
static void vmx_vm_destroy(struct mvm_vm *vm)
{
	u64 eptp = vm->gpt.root_pa | EPTP_WALK4 | EPTP_WB;

	on_each_cpu(vmx_invept_remote, &eptp, 1);
}

const struct mvm_backend_ops mvm_vmx_ops = {
	.name = "vmx",
	.id = MINIVMM_BACKEND_VMX,
	.hw_check = vmx_hw_check,
	.hw_enable = vmx_hw_enable,
	.hw_disable = vmx_hw_disable,
	.hw_setup = vmx_hw_setup,
	.hw_unsetup = vmx_hw_unsetup,
	.gpt_leaf = vmx_gpt_leaf,
	.gpt_dir = vmx_gpt_dir,
	.gpt_present = vmx_gpt_present,
	.vm_init = vmx_vm_init,
	.vm_destroy = vmx_vm_destroy,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_free = vmx_vcpu_free,
	.vcpu_load = vmx_vcpu_load,
	.vcpu_put = vmx_vcpu_put,
	.vcpu_run = vmx_vcpu_run,
	.get_sregs = vmx_get_sregs,
	.set_sregs = vmx_set_sregs,
	/* No nested VMX, no SMX. */
	.cr4_unsupported = X86_CR4_VMXE | X86_CR4_SMXE,
	.get_paging = vmx_get_paging,
	.get_cr8 = vmx_get_cr8,
	.interrupt_allowed = vmx_interrupt_allowed,
	.get_msr = vmx_get_msr,
	.set_msr = vmx_set_msr,
	.inject_exception = vmx_inject_exception,
	.nmi_allowed = vmx_nmi_allowed,
	.events_reset = vmx_events_reset,
	.flush_tlb = vmx_flush_tlb,
};
