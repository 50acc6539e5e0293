// SPDX-License-Identifier: GPL-2.0
/*
 * AMD-V backend: hardware checks, per-CPU enable, ASIDs, NPT
 * entry bits, the VMCB of a vCPU and the ops table.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/io.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include "svm.h"

u32 svm_features;
u32 svm_nr_asids;

/* Pages shared read-only by every VMCB: all ones = intercept everything. */
static struct page *svm_iopm;		/* 12 KiB used, order 2 */
static struct page *svm_msrpm;		/* 8 KiB, order 1 */
#define SVM_IOPM_ORDER		2
#define SVM_IOPM_SIZE		(12 * 1024)
#define SVM_MSRPM_ORDER		1
#define SVM_MSRPM_SIZE		(8 * 1024)

/*
 * Per host CPU: the host save area VMRUN uses, a page that VMSAVE fills
 * with the host's FS/GS/TR/LDTR/syscall MSRs before each entry (VMRUN does
 * not save them), and the ASID allocator.
 */
struct svm_cpu {
	struct page *hsave;
	struct page *host_vmsave;
	bool enabled;
	u32 next_asid;
	u64 asid_gen;
};

static DEFINE_PER_CPU(struct svm_cpu, svm_cpus);

/* NPT entry bits: ordinary x86-64 page table entries. */
#define NPT_P		BIT_ULL(0)
#define NPT_RW		BIT_ULL(1)
#define NPT_US		BIT_ULL(2)
#define NPT_A		BIT_ULL(5)
#define NPT_D		BIT_ULL(6)
#define NPT_NX		BIT_ULL(63)

static bool svm_have_nx;

static int svm_hw_check(void)
{
	u64 vm_cr;

	if (!boot_cpu_has(X86_FEATURE_SVM)) {
		pr_err("minivmm: CPU has no AMD-V (SVM)\n");
		return -ENODEV;
	}
	if (cpuid_eax(0x80000000) < 0x8000000a) {
		pr_err("minivmm: CPUID leaf 0x8000000a missing\n");
		return -ENODEV;
	}
	svm_features = cpuid_edx(0x8000000a);
	svm_nr_asids = cpuid_ebx(0x8000000a);
	if (!(svm_features & SVM_FEAT_NPT)) {
		pr_err("minivmm: AMD-V without nested paging (NPT)\n");
		return -ENODEV;
	}
	if (svm_nr_asids < 2) {
		pr_err("minivmm: AMD-V reports %u ASIDs\n", svm_nr_asids);
		return -ENODEV;
	}
	rdmsrl(MSR_VM_CR, vm_cr);
	if (vm_cr & SVM_VM_CR_SVMDIS) {
		pr_err("minivmm: AMD-V disabled by firmware (VM_CR.SVMDIS)\n");
		return -EPERM;
	}
	svm_have_nx = boot_cpu_has(X86_FEATURE_NX);
	pr_info("minivmm: AMD-V, features %#x, %u ASIDs\n", svm_features,
		svm_nr_asids);
	return 0;
}

static struct page *svm_page_alloc(int cpu)
{
	return alloc_pages_node(cpu_to_node(cpu), GFP_ATOMIC | __GFP_ZERO, 0);
}

/* Called on each CPU with preemption off. */
static int svm_hw_enable(void)
{
	int cpu = smp_processor_id();
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);
	u64 efer;

	if (sc->enabled)
		return 0;
	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		pr_err("minivmm: CPU %d: AMD-V already in use by another hypervisor (kvm_amd?)\n",
		       cpu);
		return -EBUSY;
	}
	if (!sc->hsave)
		sc->hsave = svm_page_alloc(cpu);
	if (!sc->host_vmsave)
		sc->host_vmsave = svm_page_alloc(cpu);
	if (!sc->hsave || !sc->host_vmsave)
		return -ENOMEM;

	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, page_to_phys(sc->hsave));
	/* ASIDs used before on this CPU may be stale: start a generation. */
	sc->asid_gen++;
	sc->next_asid = 1;
	sc->enabled = true;
	return 0;
}

static void svm_hw_disable(void)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);
	u64 efer;

	if (!sc->enabled)
		return;
	/* GIF may be clear in an emergency: INIT and NMI must work after. */
	asm volatile("stgi" ::: "memory");
	wrmsrl(MSR_VM_HSAVE_PA, 0);
	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
	sc->enabled = false;
}

static int svm_hw_setup(void)
{
	svm_iopm = alloc_pages(GFP_KERNEL, SVM_IOPM_ORDER);
	if (!svm_iopm)
		return -ENOMEM;
	svm_msrpm = alloc_pages(GFP_KERNEL, SVM_MSRPM_ORDER);
	if (!svm_msrpm) {
		__free_pages(svm_iopm, SVM_IOPM_ORDER);
		svm_iopm = NULL;
		return -ENOMEM;
	}
	memset(page_address(svm_iopm), 0xff, PAGE_SIZE << SVM_IOPM_ORDER);
	memset(page_address(svm_msrpm), 0xff, PAGE_SIZE << SVM_MSRPM_ORDER);
	BUILD_BUG_ON((PAGE_SIZE << SVM_IOPM_ORDER) < SVM_IOPM_SIZE);
	BUILD_BUG_ON((PAGE_SIZE << SVM_MSRPM_ORDER) < SVM_MSRPM_SIZE);
	return 0;
}

/* After hw_disable ran on every CPU. */
static void svm_hw_unsetup(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = per_cpu_ptr(&svm_cpus, cpu);

		if (sc->hsave)
			__free_page(sc->hsave);
		if (sc->host_vmsave)
			__free_page(sc->host_vmsave);
		sc->hsave = NULL;
		sc->host_vmsave = NULL;
	}
	if (svm_msrpm)
		__free_pages(svm_msrpm, SVM_MSRPM_ORDER);
	if (svm_iopm)
		__free_pages(svm_iopm, SVM_IOPM_ORDER);
	svm_msrpm = NULL;
	svm_iopm = NULL;
}

phys_addr_t __mvm_exit_path svm_host_vmsave_pa(void)
{
	return page_to_phys(this_cpu_ptr(&svm_cpus)->host_vmsave);
}

/*
 * Give the vCPU an ASID valid on this CPU, with interrupts off.  ASIDs are
 * handed out per CPU in generations: when they run out, a new generation
 * starts and every vCPU takes a new one at its next entry.  A vCPU that
 * last ran on another CPU always takes a new one.  A new ASID may have
 * been used by someone else before, so its entry flushes the TLB.
 */
void __mvm_exit_path svm_asid_assign(struct mvm_vcpu *vcpu)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);
	struct svm_vcpu *s = to_svm(vcpu);
	int cpu = smp_processor_id();

	if (s->asid_cpu == cpu && s->asid_gen == sc->asid_gen)
		return;
	if (sc->next_asid >= svm_nr_asids) {
		sc->asid_gen++;
		sc->next_asid = 1;
	}
	s->asid = sc->next_asid++;
	s->asid_gen = sc->asid_gen;
	s->asid_cpu = cpu;
	s->flush_tlb = true;
}

static u64 svm_gpt_leaf(phys_addr_t pa, unsigned int prot)
{
	/* NPT walks are user accesses; A/D preset so hardware never sets them. */
	u64 pte = pa | NPT_P | NPT_US | NPT_A | NPT_D;

	if (prot & MVM_PROT_WRITE)
		pte |= NPT_RW;
	if (!(prot & MVM_PROT_EXEC) && svm_have_nx)
		pte |= NPT_NX;
	return pte;
}

static u64 svm_gpt_dir(phys_addr_t pa)
{
	return pa | NPT_P | NPT_RW | NPT_US | NPT_A;
}

static bool svm_gpt_present(u64 pte)
{
	return pte & NPT_P;
}

static int svm_vm_init(struct mvm_vm *vm)
{
	return 0;
}

static void svm_vm_destroy(struct mvm_vm *vm)
{
}

static void svm_vmcb_init(struct mvm_vcpu *vcpu)
{
	struct vmcb_control *c = &to_svm(vcpu)->vmcb->ctl;

	/*
	 * Exceptions: #MC belongs to the host; #DB and #AC are reflected so
	 * that a guest cannot hang the CPU in an endless chain of them
	 * (CVE-2015-5307/8104).  MOV DR always exits: guest debug registers
	 * are the core's (exit.c), never loaded, so no guest reads another
	 * one's or the host's.  CR4 writes exit for the core's CR4 policy.
	 */
	c->intercepts[SVM_ICPT_EXC] = BIT(1) | BIT(17) | BIT(18);
	c->intercepts[SVM_ICPT_DR] = SVM_ICPT_DR_ALL;
	c->intercepts[SVM_ICPT_CR] = SVM_ICPT_CR4_WRITE;
	c->intercepts[SVM_ICPT_MISC1] = SVM_I1_INTR | SVM_I1_NMI |
		SVM_I1_SMI | SVM_I1_INIT | SVM_I1_RDPMC | SVM_I1_CPUID |
		SVM_I1_RSM | SVM_I1_INVD | SVM_I1_HLT | SVM_I1_INVLPGA |
		SVM_I1_IOIO | SVM_I1_MSR | SVM_I1_SHUTDOWN;
	c->intercepts[SVM_ICPT_MISC2] = SVM_I2_VMRUN | SVM_I2_VMMCALL |
		SVM_I2_VMLOAD | SVM_I2_VMSAVE | SVM_I2_STGI | SVM_I2_CLGI |
		SVM_I2_SKINIT | SVM_I2_WBINVD | SVM_I2_MONITOR |
		SVM_I2_MWAIT | SVM_I2_MWAIT_COND | SVM_I2_XSETBV;
	c->iopm_base_pa = page_to_phys(svm_iopm);
	c->msrpm_base_pa = page_to_phys(svm_msrpm);
	c->tsc_offset = 0;
	/* Physical interrupts exit; the guest's IF masks only virtual ones. */
	c->int_ctl = SVM_INT_V_INTR_MASKING;
	c->nested_ctl = SVM_NP_ENABLE;
	c->nested_cr3 = vcpu->vm->gpt.root_pa;
}

static int svm_vcpu_create(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s;
	struct page *page;

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page) {
		kfree(s);
		return -ENOMEM;
	}
	s->vmcb = page_address(page);
	s->vmcb_pa = page_to_phys(page);
	s->asid_cpu = -1;
	vcpu->arch = s;
	svm_vmcb_init(vcpu);
	svm_state_reset(vcpu);
	return 0;
}

static void svm_vcpu_free(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *s = to_svm(vcpu);

	if (!s)
		return;
	free_page((unsigned long)s->vmcb);
	kfree(s);
	vcpu->arch = NULL;
}

static void __mvm_exit_path svm_vcpu_load(struct mvm_vcpu *vcpu, int cpu)
{
	/* The ASID is checked at each entry; nothing is cached per CPU. */
}

static void __mvm_exit_path svm_vcpu_put(struct mvm_vcpu *vcpu)
{
}

const struct mvm_backend_ops mvm_svm_ops = {
	.name = "svm",
	.id = MINIVMM_BACKEND_SVM,
	.hw_check = svm_hw_check,
	.hw_enable = svm_hw_enable,
	.hw_disable = svm_hw_disable,
	.hw_setup = svm_hw_setup,
	.hw_unsetup = svm_hw_unsetup,
	.gpt_leaf = svm_gpt_leaf,
	.gpt_dir = svm_gpt_dir,
	.gpt_present = svm_gpt_present,
	.vm_init = svm_vm_init,
	.vm_destroy = svm_vm_destroy,
	.vcpu_create = svm_vcpu_create,
	.vcpu_free = svm_vcpu_free,
	.vcpu_load = svm_vcpu_load,
	.vcpu_put = svm_vcpu_put,
	.enter = svm_enter_guest,
	.exit_decode = svm_exit_decode,
	.nmi_blocked = svm_nmi_blocked,
	.events_reset = svm_events_reset,
	.get_sregs = svm_get_sregs,
	.set_sregs = svm_set_sregs,
	/* Not offered to AMD-V guests: 5-level paging, VMX, SMX. */
	.cr4_unsupported = X86_CR4_LA57 | X86_CR4_VMXE | X86_CR4_SMXE,
	.get_paging = svm_get_paging,
	.get_cr = svm_get_cr,
	.set_cr = svm_set_cr,
	.get_msr = svm_get_msr,
	.set_msr = svm_set_msr,
	.flush_tlb = svm_flush_tlb,
};
