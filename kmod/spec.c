// SPDX-License-Identifier: GPL-2.0
/*
 * Speculative-execution hygiene around guest runs, decided once for both
 * backends from what the host kernel applies for its own guests (the
 * features and variables arch/x86/kernel/cpu/bugs.c sets for KVM):
 *
 * - IBPB when a different vCPU (of any VM) is loaded on a CPU, where the
 *   kernel uses IBPB between tasks (X86_FEATURE_USE_IBPB);
 * - the guest's SPEC_CTRL in the MSR while it runs and the host's value
 *   (x86_spec_ctrl_current) back before the first RET after the exit;
 *   chosen here, written by the entry code (GUEST_SPEC_CTRL_LOAD/_PUT in
 *   entry_gprs.inc);
 * - an L1D flush before entry on CPUs with the L1TF bug, "cond" or
 *   "always" as the host's l1tf= mitigation asks;
 * - an IBPB before the next return to userspace after an exit where the
 *   kernel mitigates VMSCAPE (X86_FEATURE_IBPB_EXIT_TO_USER).
 *
 * VERW before entry, the RSB refill, branch-history clearing and the
 * AMD return untraining after the exit are alternatives in the entry code
 * itself, patched at module load on the kernel's own features; this file
 * only reports them.  The list of what is active is printed at load and
 * readable in /sys/module/minivmm/parameters/mitigations; what a CPU
 * needs and minivmm cannot do is printed with a warning and listed after
 * "missing:" there.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <asm/cpufeature.h>
#include <asm/hardirq.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/sync_core.h>

#include "mvm.h"

/* What the L1D flush before entry does (the host's l1tf= choice). */
enum mvm_l1d_flush {
	MVM_L1D_NOT_NEEDED,	/* no L1TF bug, or the CPU says skip it */
	MVM_L1D_NEVER,		/* l1tf=off */
	MVM_L1D_COND,		/* after host work that may have read secrets */
	MVM_L1D_ALWAYS,		/* l1tf=full,force */
};

static const char * const mvm_l1d_names[] = {
	[MVM_L1D_NOT_NEEDED] = "not_needed",
	[MVM_L1D_NEVER] = "never",
	[MVM_L1D_COND] = "cond",
	[MVM_L1D_ALWAYS] = "always",
};

/* Without FLUSH_CMD: read 64 KiB, twice the L1D of the affected parts. */
#define MVM_L1D_ORDER		4
#define MVM_L1D_SIZE		(PAGE_SIZE << MVM_L1D_ORDER)

static enum mvm_l1d_flush mvm_l1d_mode;
static u8 *mvm_l1d_pages;
static bool mvm_spec_ctrl_on;		/* the CPU has the SPEC_CTRL MSR */
static bool mvm_spec_ctrl_always;	/* legacy IBRS: rewrite after exit */
static bool mvm_spec_ctrl_by_cpu;	/* AMD-V V_SPEC_CTRL: VMRUN swaps it */

/* A vCPU identity that is never reused, unlike its address. */
static atomic64_t mvm_spec_vcpu_seq = ATOMIC64_INIT(0);
static DEFINE_PER_CPU(u64, mvm_spec_last_vcpu);

static char mvm_spec_report[256];

static int mvm_spec_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", mvm_spec_report);
}

/* Read-only, also at load time (insmod minivmm mitigations=...). */
static int mvm_spec_param_set(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static const struct kernel_param_ops mvm_spec_param_ops = {
	.set = mvm_spec_param_set,
	.get = mvm_spec_param_get,
};

module_param_cb(mitigations, &mvm_spec_param_ops, NULL, 0444);
MODULE_PARM_DESC(mitigations,
		 "speculative-execution steps active around guest runs on this CPU (read-only)");

static enum mvm_l1d_flush mvm_l1d_choose(void)
{
	u64 cap;

	if (!boot_cpu_has_bug(X86_BUG_L1TF))
		return MVM_L1D_NOT_NEEDED;
	/* A hypervisor below us flushes on its own VM entry. */
	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES) &&
	    !rdmsrl_safe(MSR_IA32_ARCH_CAPABILITIES, &cap) &&
	    (cap & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH))
		return MVM_L1D_NOT_NEEDED;
	/* KVM's vmentry_l1d_flush=auto mapping of the host's l1tf=. */
	switch (l1tf_mitigation) {
	case L1TF_MITIGATION_OFF:
		return MVM_L1D_NEVER;
	case L1TF_MITIGATION_FULL:
	case L1TF_MITIGATION_FULL_FORCE:
		return MVM_L1D_ALWAYS;
	default:
		return MVM_L1D_COND;
	}
}

static void mvm_spec_report_add(size_t *len, const char *word)
{
	*len += scnprintf(mvm_spec_report + *len,
			  sizeof(mvm_spec_report) - *len, "%s%s",
			  *len ? " " : "", word);
}

/*
 * The report: one word per step active on this CPU, then "missing:"
 * and what the host mitigates for KVM that minivmm does not.
 */
static void mvm_spec_report_build(void)
{
	/* Only svm_entry.S untrains returns: the bugs are AMD's. */
	bool svm = !strcmp(mvm_ops->name, "svm");
	size_t len = 0;
	char l1d[32];

	if (cpu_feature_enabled(X86_FEATURE_CLEAR_CPU_BUF) ||
	    cpu_feature_enabled(X86_FEATURE_CLEAR_CPU_BUF_VM))
		mvm_spec_report_add(&len, "verw");
	if (cpu_feature_enabled(X86_FEATURE_RSB_VMEXIT) ||
	    cpu_feature_enabled(X86_FEATURE_RSB_VMEXIT_LITE))
		mvm_spec_report_add(&len, "rsb_fill");
	if (cpu_feature_enabled(X86_FEATURE_USE_IBPB))
		mvm_spec_report_add(&len, "ibpb_vcpu");
	if (mvm_spec_ctrl_on)
		mvm_spec_report_add(&len, mvm_spec_ctrl_always ?
				    "spec_ctrl_ibrs" : mvm_spec_ctrl_by_cpu ?
				    "spec_ctrl_vmcb" : "spec_ctrl");
	if (cpu_feature_enabled(X86_FEATURE_CLEAR_BHB_LOOP_ON_VMEXIT))
		mvm_spec_report_add(&len, "bhb_clear");
	if (svm && (cpu_feature_enabled(X86_FEATURE_UNRET) ||
		    cpu_feature_enabled(X86_FEATURE_SRSO_ALIAS)))
		mvm_spec_report_add(&len, "untrain_ret");
	if (svm && (cpu_feature_enabled(X86_FEATURE_IBPB_ON_VMEXIT) ||
		    cpu_feature_enabled(X86_FEATURE_ENTRY_IBPB)))
		mvm_spec_report_add(&len, "ibpb_vmexit");
	if (cpu_feature_enabled(X86_FEATURE_IBPB_EXIT_TO_USER))
		mvm_spec_report_add(&len, "ibpb_exit_to_user");
	snprintf(l1d, sizeof(l1d), "l1d_flush=%s", mvm_l1d_names[mvm_l1d_mode]);
	mvm_spec_report_add(&len, l1d);
#ifdef X86_FEATURE_SRSO_BP_SPEC_REDUCE
	/*
	 * KVM sets BP_CFG[BpSpecReduce] while VMs exist instead of an IBPB
	 * on every exit; minivmm does neither.
	 */
	if (cpu_feature_enabled(X86_FEATURE_SRSO_BP_SPEC_REDUCE)) {
		mvm_spec_report_add(&len, "missing: srso_bp_spec_reduce");
		pr_warn("SRSO: the host relies on BP_CFG[BpSpecReduce] for guests, which minivmm does not set: guests are not isolated from SRSO\n");
	}
#endif
}

int mvm_spec_setup(void)
{
	BUILD_BUG_ON(offsetof(struct mvm_spec_ctrl_switch, guest) != 0);
	BUILD_BUG_ON(offsetof(struct mvm_spec_ctrl_switch, host) != 8);
	BUILD_BUG_ON(offsetof(struct mvm_spec_ctrl_switch, load_guest) != 16);
	BUILD_BUG_ON(offsetof(struct mvm_spec_ctrl_switch, load_host) != 17);

	mvm_spec_ctrl_on = cpu_feature_enabled(X86_FEATURE_MSR_SPEC_CTRL);
	mvm_spec_ctrl_always = mvm_spec_ctrl_on &&
			       cpu_feature_enabled(X86_FEATURE_KERNEL_IBRS);
	/*
	 * With V_SPEC_CTRL, VMRUN loads the guest's value from the VMCB and
	 * #VMEXIT puts the host's back: no WRMSR (svm_run.c copies sc.guest).
	 */
	mvm_spec_ctrl_by_cpu = mvm_spec_ctrl_on &&
			       !strcmp(mvm_ops->name, "svm") &&
			       boot_cpu_has(X86_FEATURE_V_SPEC_CTRL);
	mvm_l1d_mode = mvm_l1d_choose();
	if (mvm_l1d_mode >= MVM_L1D_COND &&
	    !boot_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		struct page *page = alloc_pages(GFP_KERNEL, MVM_L1D_ORDER);

		if (!page) {
			pr_err("L1TF: no memory for the L1D flush buffer\n");
			return -ENOMEM;
		}
		mvm_l1d_pages = page_address(page);
		/* Distinct contents: no page of it may be merged (KSM). */
		memset(mvm_l1d_pages, 0x5a, MVM_L1D_SIZE);
	}
	mvm_spec_report_build();
	pr_info("speculation: %s\n", mvm_spec_report);
	return 0;
}

void mvm_spec_unsetup(void)
{
	if (mvm_l1d_pages)
		free_pages((unsigned long)mvm_l1d_pages, MVM_L1D_ORDER);
	mvm_l1d_pages = NULL;
}

void mvm_spec_vcpu_init(struct mvm_vcpu *vcpu)
{
	vcpu->spec.id = atomic64_inc_return(&mvm_spec_vcpu_seq);
}

/*
 * @vcpu is loaded on @cpu (RUN, another ioctl, or scheduled back in):
 * another vCPU's branch predictions must not steer this one, and the
 * host ran code since the last entry (the L1D may hold its data).
 */
void __mvm_exit_path mvm_spec_vcpu_load(struct mvm_vcpu *vcpu, int cpu)
{
	vcpu->spec.l1d_flush = true;
	if (per_cpu(mvm_spec_last_vcpu, cpu) == vcpu->spec.id)
		return;
	per_cpu(mvm_spec_last_vcpu, cpu) = vcpu->spec.id;
	indirect_branch_prediction_barrier();
}

/* The host read guest memory on the guest's behalf (emulation). */
void __mvm_exit_path mvm_spec_l1d_taint(struct mvm_vcpu *vcpu)
{
	vcpu->spec.l1d_flush = true;
}

/* Whether an interrupt ran on this CPU since the last call. */
static bool __mvm_exit_path mvm_spec_irq_ran(void)
{
#if IS_ENABLED(CONFIG_KVM_INTEL)
	bool ran = kvm_get_cpu_l1tf_flush_l1d();

	kvm_clear_cpu_l1tf_flush_l1d();
	return ran;
#else
	return true;
#endif
}

static void __mvm_exit_path mvm_l1d_flush(struct mvm_vcpu *vcpu)
{
	unsigned int off;

	if (mvm_l1d_mode == MVM_L1D_COND) {
		bool flush = vcpu->spec.l1d_flush;

		vcpu->spec.l1d_flush = false;
		flush |= mvm_spec_irq_ran();
		if (!flush)
			return;
	}
	if (boot_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		native_wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
		return;
	}
	/* TLB entries first, so that the reads below only fill the cache. */
	for (off = 0; off < MVM_L1D_SIZE; off += PAGE_SIZE)
		READ_ONCE(mvm_l1d_pages[off]);
	sync_core();
	for (off = 0; off < MVM_L1D_SIZE; off += L1_CACHE_BYTES)
		READ_ONCE(mvm_l1d_pages[off]);
	/* The loads complete before the VM entry (LFENCE). */
	rmb();
}

/*
 * Right before the backend enters the guest, interrupts off: what the
 * entry code writes to SPEC_CTRL, and the L1D flush.
 */
void __mvm_exit_path mvm_spec_enter(struct mvm_vcpu *vcpu)
{
	struct mvm_spec_ctrl_switch *sc = &vcpu->spec.sc;

	if (mvm_spec_ctrl_on) {
		sc->guest = vcpu->msrs.spec_ctrl;
		sc->host = this_cpu_read(x86_spec_ctrl_current);
		sc->load_guest = sc->guest != sc->host &&
				 !mvm_spec_ctrl_by_cpu;
		/*
		 * With legacy IBRS the host's IBRS bit must be written again
		 * after coming from a less privileged predictor mode.
		 */
		sc->load_host = sc->load_guest || mvm_spec_ctrl_always;
	}
	if (mvm_l1d_mode >= MVM_L1D_COND)
		mvm_l1d_flush(vcpu);
}

/* Right after the exit, interrupts still off. */
void __mvm_exit_path mvm_spec_exit(struct mvm_vcpu *vcpu)
{
	/*
	 * VMSCAPE: the guest may have trained the predictors for the VMM
	 * in userspace: IBPB before this task returns there.
	 */
	if (cpu_feature_enabled(X86_FEATURE_IBPB_EXIT_TO_USER))
		this_cpu_write(x86_ibpb_exit_to_user, true);
}
