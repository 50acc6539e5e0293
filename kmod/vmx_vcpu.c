// SPDX-License-Identifier: GPL-2.0
/*
 * VT-x vCPU lifetime: the VMCS and its bitmaps, VPIDs, and
 * which host CPU a VMCS is active on (VMCLEAR/VMPTRLD on migration).
 */
#define pr_fmt(fmt) "minivmm: vmx: " fmt

#include <linux/slab.h>
#include <linux/gfp.h>
#include <linux/idr.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <asm/desc.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include "mvm.h"
#include "vmx.h"

/* VMCSs active on each CPU: VMCLEARed when the CPU leaves VMX operation. */
static DEFINE_PER_CPU(struct list_head, vmx_loaded);
/* The VMCS current on each CPU (last VMPTRLD), to skip redundant loads. */
static DEFINE_PER_CPU(struct vmx_vcpu *, vmx_current);

static DEFINE_IDA(vmx_vpids);

int vmx_vpid_setup(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		INIT_LIST_HEAD(&per_cpu(vmx_loaded, cpu));
	return 0;
}

void vmx_vpid_unsetup(void)
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
void vmx_hw_clear_loaded(void)
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
static void vmx_host_bases_load(struct vmx_vcpu *vmx)
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

void vmx_vcpu_load(struct mvm_vcpu *vcpu, int cpu)
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
}

/* With preemption off, on the CPU of the last vmx_vcpu_load(). */
void vmx_vcpu_put(struct mvm_vcpu *vcpu)
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
	vmx_vmwrite(VMCS_PROC_CTLS2, vmx_caps.proc2);
	vmx_vmwrite(VMCS_EXIT_CTLS, vmx_caps.exit);
	vmx_vmwrite(VMCS_ENTRY_CTLS, vmx_caps.entry);
	/*
	 * #DB and #AC are intercepted and reflected so that a guest cannot
	 * hang the CPU in an endless chain of them (CVE-2015-5307/8104).
	 */
	vmx_vmwrite(VMCS_EXCEPTION_BITMAP, BIT(1) | BIT(17));
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

int vmx_vcpu_create(struct mvm_vcpu *vcpu)
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
		vpid = ida_alloc_range(&vmx_vpids, 1, 0xffff, GFP_KERNEL);
		/* Out of VPIDs: run untagged (VPID 0 flushes at entry). */
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

void vmx_vcpu_free(struct mvm_vcpu *vcpu)
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
