// SPDX-License-Identifier: GPL-2.0
/*
 * Intel VT-x backend set-up: capability checks, VMX operation per host
 * CPU, EPT entry format, per-VM state, the vCPU's VMCS and its bitmaps,
 * VPIDs, which host CPU a VMCS is active on (VMCLEAR/VMPTRLD on
 * migration), and the backend ops table.
 */
#define pr_fmt(fmt) "minivmm: vmx: " fmt

#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/gfp.h>
#include <linux/smp.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/tlbflush.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tsc.h>
#include "mvm.h"
#include "vmx.h"

struct vmx_caps vmx_caps;

/* The VMXON region of each host CPU, allocated by vmx_hw_setup(). */
static DEFINE_PER_CPU(void *, vmxon_region);
/* Whether this module enabled VMX on a CPU (and so must turn it off). */
static DEFINE_PER_CPU(bool, vmx_on);

/* VMCSs active on each CPU: VMCLEARed when the CPU leaves VMX operation. */
static DEFINE_PER_CPU(struct list_head, vmx_loaded);
/* The VMCS current on each CPU (last VMPTRLD), to skip redundant loads. */
static DEFINE_PER_CPU(struct vmx_vcpu *, vmx_current);

static DEFINE_IDA(vmx_vpids);

/*
 * How many VPIDs vCPUs get; the vCPUs beyond run with the VPID control
 * off.  All of them unless lowered at load (tests reach the untagged path
 * that way).
 */
static unsigned int max_vpids = VMX_VPID_MAX;
module_param(max_vpids, uint, 0444);
MODULE_PARM_DESC(max_vpids, "VT-x: VPIDs to hand out, 1-65535 (default 65535); further vCPUs run untagged");

static int vmx_vpid_setup(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		INIT_LIST_HEAD(&per_cpu(vmx_loaded, cpu));
	return 0;
}

static void vmx_vpid_unsetup(void)
{
	ida_destroy(&vmx_vpids);
}

/* Runs on vmx->cpu (IPI or local) with interrupts off. */
static void vmx_clear_local(void *info)
{
	struct vmx_vcpu *vmx = info;

	if (vmx->cpu != smp_processor_id())
		return;
	vmx_vmclear(vmx->vmcs_pa);
	if (this_cpu_read(vmx_current) == vmx)
		this_cpu_write(vmx_current, NULL);
	list_del(&vmx->loaded_link);
	/* Other CPUs read ->cpu only after the VMCLEAR is done. */
	smp_wmb();
	vmx->cpu = -1;
	vmx->launched = false;
}

static void vmx_clear(struct vmx_vcpu *vmx)
{
	int cpu = READ_ONCE(vmx->cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_clear_local, vmx, 1);
}

/* hw_disable: this CPU leaves VMX operation. */
static void vmx_hw_clear_loaded(void)
{
	struct vmx_vcpu *vmx, *tmp;
	struct list_head *head = this_cpu_ptr(&vmx_loaded);
	unsigned long flags;

	/* An IPI from vmx_clear() must not change the list meanwhile. */
	local_irq_save(flags);
	list_for_each_entry_safe(vmx, tmp, head, loaded_link)
		vmx_clear_local(vmx);
	local_irq_restore(flags);
}

/* Host-state fields that differ between host CPUs or tasks. */
static void vmx_write_host_percpu(struct vmx_vcpu *vmx)
{
	struct desc_ptr gdt, idt;
	struct ldttss_desc *tss;
	unsigned long base;
	u64 val;

	native_store_gdt(&gdt);
	store_idt(&idt);
	vmx_vmwrite(VMCS_HOST_GDTR_BASE, gdt.address);
	vmx_vmwrite(VMCS_HOST_IDTR_BASE, idt.address);
	/* The TSS base, from this CPU's TSS descriptor in the GDT. */
	tss = (struct ldttss_desc *)(gdt.address + GDT_ENTRY_TSS * 8);
	base = tss->base0 | ((unsigned long)tss->base1 << 16) |
	       ((unsigned long)tss->base2 << 24) |
	       ((unsigned long)tss->base3 << 32);
	vmx_vmwrite(VMCS_HOST_TR_BASE, base);
	rdmsrl(MSR_GS_BASE, val);
	vmx_vmwrite(VMCS_HOST_GS_BASE, val);
	rdmsrl(MSR_IA32_SYSENTER_ESP, val);
	vmx_vmwrite(VMCS_HOST_SYSENTER_ESP, val);
	rdmsrl(MSR_IA32_SYSENTER_EIP, val);
	vmx_vmwrite(VMCS_HOST_SYSENTER_EIP, val);
	rdmsrl(MSR_IA32_SYSENTER_CS, val);
	vmx_vmwrite(VMCS_HOST_SYSENTER_CS, val);
}

/* Host-state fields that are the same everywhere. */
static void vmx_write_host_const(void)
{
	u64 val;

	vmx_vmwrite(VMCS_HOST_CR0, read_cr0());
	vmx_vmwrite(VMCS_HOST_CS_SEL, __KERNEL_CS);
	vmx_vmwrite(VMCS_HOST_SS_SEL, __KERNEL_DS);
	/* Reloaded after each exit when the task's selectors are not 0. */
	vmx_vmwrite(VMCS_HOST_DS_SEL, 0);
	vmx_vmwrite(VMCS_HOST_ES_SEL, 0);
	vmx_vmwrite(VMCS_HOST_FS_SEL, 0);
	vmx_vmwrite(VMCS_HOST_GS_SEL, 0);
	vmx_vmwrite(VMCS_HOST_TR_SEL, GDT_ENTRY_TSS * 8);
	vmx_vmwrite(VMCS_HOST_RIP, (unsigned long)vmx_exit_point);
	rdmsrl(MSR_IA32_CR_PAT, val);
	vmx_vmwrite(VMCS_HOST_PAT, val);
	rdmsrl(MSR_EFER, val);
	vmx_vmwrite(VMCS_HOST_EFER, val);
}

/*
 * The FS base and the user GS base (KERNEL_GS_BASE while in the kernel)
 * belong to the task: the kernel changes them only on a context switch,
 * and the task itself only in userspace (arch_prctl(), WRFSBASE).  Both
 * go through vmx_vcpu_put() and vmx_vcpu_load() (the preempt notifier,
 * or the end and start of a RUN), so reading them here, once per load
 * instead of before every entry, keeps the copies current.
 */
static void __mvm_exit_path vmx_host_bases_load(struct vmx_vcpu *vmx)
{
	unsigned long fs_base, kgs_base;

	rdmsrl(MSR_FS_BASE, fs_base);
	rdmsrl(MSR_KERNEL_GS_BASE, kgs_base);
	if (fs_base != vmx->host_fs_base) {
		vmx_vmwrite(VMCS_HOST_FS_BASE, fs_base);
		vmx->host_fs_base = fs_base;
	}
	vmx->host_kgs_base = kgs_base;
	vmx->host_area[VMX_AL_KGSBASE].value = kgs_base;
}

static void __mvm_exit_path vmx_vcpu_load(struct mvm_vcpu *vcpu, int cpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long flags;
	bool moved = false;

	if (vmx->cpu != cpu) {
		vmx_clear(vmx);
		/* Pairs with smp_wmb() in vmx_clear_local(). */
		smp_rmb();
		local_irq_save(flags);
		/* A VMCS must be clear before its first VMPTRLD anywhere. */
		vmx_vmclear(vmx->vmcs_pa);
		if (this_cpu_read(vmx_current) == vmx)
			this_cpu_write(vmx_current, NULL);
		list_add(&vmx->loaded_link, this_cpu_ptr(&vmx_loaded));
		vmx->cpu = cpu;
		vmx->launched = false;
		local_irq_restore(flags);
		moved = true;
	}
	if (this_cpu_read(vmx_current) != vmx) {
		if (vmx_vmptrld(vmx->vmcs_pa))
			pr_err_ratelimited("VMPTRLD failed\n");
		this_cpu_write(vmx_current, vmx);
	}
	if (moved) {
		vmx_write_host_const();
		vmx_write_host_percpu(vmx);
		/* Translations cached here may predate changes to the gpt. */
		vmx->need_flush = true;
	}
	vmx_host_bases_load(vmx);
	vmx->host_debugctl = get_debugctlmsr();
}

/* With preemption off, on the CPU of the last vmx_vcpu_load(). */
static void __mvm_exit_path vmx_vcpu_put(struct mvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	/* See vmx_host_restore(): before userspace or another task runs. */
	if (vmx->host_desc_stale) {
		load_fixmap_gdt(smp_processor_id());
		invalidate_tss_limit();
		vmx->host_desc_stale = false;
	}
	/* The VMCS stays active on this CPU until it moves or is freed. */
}

static void *vmx_alloc_page(void)
{
	return (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
}

static void vmx_fill_msr_area(struct vmx_vcpu *vmx)
{
	static const u32 index[VMX_NR_AUTOLOAD] = {
		[VMX_AL_KGSBASE] = MSR_KERNEL_GS_BASE,
		[VMX_AL_STAR] = MSR_STAR,
		[VMX_AL_LSTAR] = MSR_LSTAR,
		[VMX_AL_CSTAR] = MSR_CSTAR,
		[VMX_AL_SFMASK] = MSR_SYSCALL_MASK,
	};
	int i;

	for (i = 0; i < VMX_NR_AUTOLOAD; i++) {
		vmx->msr_area[i].index = index[i];
		vmx->msr_area[i].value = 0;
		vmx->host_area[i].index = index[i];
		rdmsrl(index[i], vmx->host_area[i].value);
	}
}

/* Fields written once; the VMCS is current on this CPU. */
static void vmx_vmcs_init(struct vmx_vcpu *vmx)
{
	vmx_vmwrite(VMCS_PIN_CTLS, vmx_caps.pin);
	vmx->proc = vmx_caps.proc;
	vmx_vmwrite(VMCS_PROC_CTLS, vmx->proc);
	/*
	 * Out of VPIDs: run untagged with the control off (VPID 0 with the
	 * control on is an invalid entry); every entry then flushes.
	 */
	vmx_vmwrite(VMCS_PROC_CTLS2, vmx->vpid ? vmx_caps.proc2 :
			vmx_caps.proc2 & ~PROC2_VPID);
	vmx_vmwrite(VMCS_EXIT_CTLS, vmx_caps.exit);
	vmx_vmwrite(VMCS_ENTRY_CTLS, vmx_caps.entry);
	/*
	 * #DB and #AC are intercepted and reflected so that a guest cannot
	 * hang the CPU in an endless chain of them (CVE-2015-5307/8104);
	 * #MC is the host's: its handler runs right after the exit.
	 */
	vmx_vmwrite(VMCS_EXCEPTION_BITMAP, BIT(1) | BIT(17) | BIT(18));
	vmx_vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	vmx_vmwrite(VMCS_TSC_OFFSET, 0);
	vmx_vmwrite(VMCS_IO_BITMAP_A, virt_to_phys(vmx->io_bitmap));
	vmx_vmwrite(VMCS_IO_BITMAP_B, virt_to_phys(vmx->io_bitmap) + PAGE_SIZE);
	vmx_vmwrite(VMCS_MSR_BITMAP, virt_to_phys(vmx->msr_bitmap));
	vmx_vmwrite(VMCS_EPT_POINTER, vmx->eptp);
	if (vmx->vapic)
		vmx_vmwrite(VMCS_VIRTUAL_APIC_ADDR, virt_to_phys(vmx->vapic));
	vmx_vmwrite(VMCS_TPR_THRESHOLD, 0);
	if (vmx->vpid)
		vmx_vmwrite(VMCS_VPID, vmx->vpid);
	vmx_vmwrite(VMCS_LINK_POINTER, ~0ul);

	vmx_vmwrite(VMCS_ENTRY_MSR_LOAD_ADDR, virt_to_phys(vmx->msr_area));
	vmx_vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, VMX_NR_AUTOLOAD);
	/* Only KERNEL_GS_BASE changes without an exit (SWAPGS). */
	vmx_vmwrite(VMCS_EXIT_MSR_STORE_ADDR, virt_to_phys(vmx->msr_area));
	vmx_vmwrite(VMCS_EXIT_MSR_STORE_COUNT, 1);
	vmx_vmwrite(VMCS_EXIT_MSR_LOAD_ADDR, virt_to_phys(vmx->host_area));
	vmx_vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, VMX_NR_AUTOLOAD);

	/*
	 * The guest owns CR0.TS only: every other CR0 bit and every CR4 bit
	 * it writes exits, so that fixed bits (CR0.NE, CR4.VMXE) stay set,
	 * paging mode changes keep EFER.LMA and the entry controls in step,
	 * and reads show the guest's own value (the shadows).
	 */
	vmx_vmwrite(VMCS_CR0_MASK, ~(unsigned long)X86_CR0_TS);
	vmx_vmwrite(VMCS_CR4_MASK, ~0ul);
	vmx_reset_state(vmx);
}

static int vmx_vcpu_create(struct mvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx;
	int ret = -ENOMEM;
	int vpid;

	vmx = kzalloc(sizeof(*vmx), GFP_KERNEL_ACCOUNT);
	if (!vmx)
		return -ENOMEM;
	vmx->vcpu = vcpu;
	vmx->cpu = -1;
	/* Cached host-state values: force the first write of each. */
	vmx->host_fs_base = ~0ul;
	vmx->host_cr3 = ~0ul;
	vmx->host_cr4 = ~0ul;
	INIT_LIST_HEAD(&vmx->loaded_link);

	vmx->vmcs = vmx_alloc_page();
	if (!vmx->vmcs)
		goto free_vmx;
	*(u32 *)vmx->vmcs = vmx_caps.revision;
	vmx->vmcs_pa = virt_to_phys(vmx->vmcs);

	vmx->msr_bitmap = vmx_alloc_page();
	if (!vmx->msr_bitmap)
		goto free_vmcs;
	memset(vmx->msr_bitmap, 0xff, PAGE_SIZE);

	vmx->io_bitmap = (void *)__get_free_pages(GFP_KERNEL_ACCOUNT, 1);
	if (!vmx->io_bitmap)
		goto free_msr_bitmap;
	memset(vmx->io_bitmap, 0xff, 2 * PAGE_SIZE);

	vmx->msr_area = vmx_alloc_page();
	if (!vmx->msr_area)
		goto free_io_bitmap;
	vmx->host_area = vmx->msr_area + VMX_NR_AUTOLOAD;

	/* CR8 of a guest with an in-kernel LAPIC (see vmx_tpr_load()). */
	if (vmx_caps.tpr_shadow) {
		vmx->vapic = vmx_alloc_page();
		if (!vmx->vapic)
			goto free_msr_area;
	}

	if (vmx_caps.vpid) {
		vpid = ida_alloc_range(&vmx_vpids, 1, max_vpids, GFP_KERNEL);
		/* Out of VPIDs: run untagged (see vmx_vmcs_init()). */
		if (vpid > 0)
			vmx->vpid = vpid;
	}
	vmx->eptp = vcpu->vm->gpt.root_pa | EPTP_WALK4 | EPTP_WB;
	vcpu->arch = vmx;

	/* Initialize the VMCS on this CPU, then leave it clear. */
	preempt_disable();
	vmx_vcpu_load(vcpu, smp_processor_id());
	vmx_fill_msr_area(vmx);
	vmx_vmcs_init(vmx);
	preempt_enable();
	return 0;

free_msr_area:
	free_page((unsigned long)vmx->msr_area);
free_io_bitmap:
	free_pages((unsigned long)vmx->io_bitmap, 1);
free_msr_bitmap:
	free_page((unsigned long)vmx->msr_bitmap);
free_vmcs:
	free_page((unsigned long)vmx->vmcs);
free_vmx:
	kfree(vmx);
	return ret;
}

static void vmx_vcpu_free(struct mvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (!vmx)
		return;
	vmx_clear(vmx);
	if (vmx->vpid)
		ida_free(&vmx_vpids, vmx->vpid);
	free_page((unsigned long)vmx->vapic);
	free_page((unsigned long)vmx->msr_area);
	free_pages((unsigned long)vmx->io_bitmap, 1);
	free_page((unsigned long)vmx->msr_bitmap);
	free_page((unsigned long)vmx->vmcs);
	kfree(vmx);
	vcpu->arch = NULL;
}

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
 * ticks.  0 when the CPU has no timer (see vmx_enter_guest()).
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
	if (!max_vpids || max_vpids > VMX_VPID_MAX) {
		pr_err("max_vpids=%u: must be 1 to %u\n", max_vpids,
		       VMX_VPID_MAX);
		return -EINVAL;
	}

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
	.enter = vmx_enter_guest,
	.exit_decode = vmx_exit_decode,
	.nmi_blocked = vmx_nmi_blocked,
	.events_reset = vmx_events_reset,
	.get_sregs = vmx_get_sregs,
	.set_sregs = vmx_set_sregs,
	/* No nested VMX, no SMX. */
	.cr4_unsupported = X86_CR4_VMXE | X86_CR4_SMXE,
	.get_paging = vmx_get_paging,
	.get_cr = vmx_get_cr,
	.set_cr = vmx_set_cr,
	.get_msr = vmx_get_msr,
	.set_msr = vmx_set_msr,
	.flush_tlb = vmx_flush_tlb,
};
