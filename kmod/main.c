// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/minivmm: module load/unload, backend selection, turning
 * virtualization on and off on every CPU, and the system ioctls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/reboot.h>
#include <asm/tsc.h>

#include "mvm.h"
#include "lapic.h"

const struct mvm_backend_ops *mvm_ops;

/* Whether this CPU has virtualization turned on by us. */
static DEFINE_PER_CPU(bool, mvm_hw_enabled);
static enum cpuhp_state mvm_cpuhp_state;
static bool mvm_loaded;

static int mvm_cpu_enable(void)
{
	int r;

	if (this_cpu_read(mvm_hw_enabled))
		return 0;
	r = mvm_ops->hw_enable();
	if (r)
		return r;
	this_cpu_write(mvm_hw_enabled, true);
	return 0;
}

static void mvm_cpu_disable(void)
{
	if (!this_cpu_read(mvm_hw_enabled))
		return;
	mvm_ops->hw_disable();
	this_cpu_write(mvm_hw_enabled, false);
}

static int mvm_cpu_online(unsigned int cpu)
{
	int r;

	preempt_disable();
	r = mvm_cpu_enable();
	preempt_enable();
	/* At load, mvm_init() reports the failure itself. */
	if (r && mvm_loaded)
		pr_err("cannot enable %s on CPU %u: %d\n", mvm_ops->name, cpu, r);
	return r;
}

static int mvm_cpu_offline(unsigned int cpu)
{
	preempt_disable();
	mvm_cpu_disable();
	preempt_enable();
	return 0;
}

static void mvm_cpu_disable_ipi(void *unused)
{
	mvm_cpu_disable();
}

/*
 * Crash or emergency reboot (NMI context on every CPU): leave VMX/SVM so
 * that the next kernel or the firmware gets a usable CPU.
 */
static void mvm_emergency_disable(void)
{
	mvm_cpu_disable();
}

static int mvm_reboot(struct notifier_block *nb, unsigned long code,
		      void *unused)
{
	pr_info("disabling virtualization for reboot\n");
	on_each_cpu(mvm_cpu_disable_ipi, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block mvm_reboot_nb = {
	.notifier_call = mvm_reboot,
	.priority = 0,
};

long mvm_check_cap(unsigned long cap)
{
	switch (cap) {
	case MINIVMM_CAP_BACKEND:
		return mvm_ops->id;
	case MINIVMM_CAP_MAX_VCPUS:
		return MVM_MAX_VCPUS;
	case MINIVMM_CAP_MAX_MEM_SLOTS:
		return MVM_MAX_SLOTS;
	case MINIVMM_CAP_READONLY_MEM:
		return 1;
	case MINIVMM_CAP_UNRESTRICTED_GUEST:
		/* AMD-V always runs real mode; the VT-x backend requires it. */
		return 1;
	case MINIVMM_CAP_MAX_CPUID_ENTRIES:
		return MVM_MAX_CPUID;
	case MINIVMM_CAP_MAX_MSR_ENTRIES:
		return MVM_MAX_MSRS;
	case MINIVMM_CAP_XSAVE_SIZE:
		return mvm_xsave_size;
	case MINIVMM_CAP_IMMEDIATE_EXIT:
		return 1;
	case MINIVMM_CAP_IRQ_WINDOW:
		return 1;
	case MINIVMM_CAP_IRQCHIP:
		return 1;
	case MINIVMM_CAP_IOAPIC_PINS:
		return MVM_IOAPIC_PINS;
	case MINIVMM_CAP_TSC_KHZ:
		/* The guest TSC runs at the host's rate (no scaling). */
		return tsc_khz;
	case MINIVMM_CAP_APIC_BUS_KHZ:
		return MVM_APIC_BUS_KHZ;
	case MINIVMM_CAP_MP_STATE:
	case MINIVMM_CAP_IOPORT_RANGE:
		return 1;
	default:
		return 0;
	}
}

static long mvm_dev_ioctl(struct file *filp, unsigned int cmd,
			  unsigned long arg)
{
	struct minivmm_create_vm cvm;

	switch (cmd) {
	/* _IO ioctls: the argument is ignored (callers often omit it). */
	case MINIVMM_GET_API_VERSION:
		return MINIVMM_API_VERSION;
	case MINIVMM_CREATE_VM:
		if (copy_from_user(&cvm, (void __user *)arg, sizeof(cvm)))
			return -EFAULT;
		if (cvm.flags || cvm.pad)
			return -EINVAL;
		return mvm_vm_create_fd();
	case MINIVMM_CHECK_CAP:
		return mvm_check_cap(arg);
	case MINIVMM_GET_VCPU_MMAP_SIZE:
		return MVM_VCPU_MMAP_PAGES * PAGE_SIZE;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations mvm_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = mvm_dev_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice mvm_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "minivmm",
	.fops = &mvm_dev_fops,
	.mode = 0600,
};

static const struct mvm_backend_ops *mvm_pick_backend(void)
{
#if IS_ENABLED(CONFIG_MINIVMM_VMX)
	if (boot_cpu_has(X86_FEATURE_VMX))
		return &mvm_vmx_ops;
#endif
#if IS_ENABLED(CONFIG_MINIVMM_SVM)
	if (boot_cpu_has(X86_FEATURE_SVM))
		return &mvm_svm_ops;
#endif
	return NULL;
}

/*
 * KVM owns VT-x/AMD-V once it is loaded: on 6.12 it turns them on at load,
 * and on every version it holds the one emergency-reboot callback.
 */
static bool mvm_kvm_loaded(void)
{
	if (!__symbol_get("kvm_init"))
		return false;
	__symbol_put("kvm_init");
	return true;
}

DEFINE_STATIC_CALL_NULL(mvm_op_vcpu_load, *mvm_ops->vcpu_load);
DEFINE_STATIC_CALL_NULL(mvm_op_vcpu_put, *mvm_ops->vcpu_put);
DEFINE_STATIC_CALL_NULL(mvm_op_enter, *mvm_ops->enter);
DEFINE_STATIC_CALL_NULL(mvm_op_exit_decode, *mvm_ops->exit_decode);
DEFINE_STATIC_CALL_NULL(mvm_op_nmi_blocked, *mvm_ops->nmi_blocked);
DEFINE_STATIC_CALL_NULL(mvm_op_get_paging, *mvm_ops->get_paging);
DEFINE_STATIC_CALL_NULL(mvm_op_get_cr, *mvm_ops->get_cr);
DEFINE_STATIC_CALL_NULL(mvm_op_flush_tlb, *mvm_ops->flush_tlb);

/* Before any vCPU exists: nothing calls these yet. */
static void mvm_static_calls_update(const struct mvm_backend_ops *ops)
{
	static_call_update(mvm_op_vcpu_load, ops->vcpu_load);
	static_call_update(mvm_op_vcpu_put, ops->vcpu_put);
	static_call_update(mvm_op_enter, ops->enter);
	static_call_update(mvm_op_exit_decode, ops->exit_decode);
	static_call_update(mvm_op_nmi_blocked, ops->nmi_blocked);
	static_call_update(mvm_op_get_paging, ops->get_paging);
	static_call_update(mvm_op_get_cr, ops->get_cr);
	static_call_update(mvm_op_flush_tlb, ops->flush_tlb);
}

static int __init mvm_init(void)
{
	int r;

	if (mvm_kvm_loaded()) {
		pr_err("kvm is loaded and owns VT-x/AMD-V: unload kvm_intel/kvm_amd and kvm first\n");
		return -EBUSY;
	}

	mvm_ops = mvm_pick_backend();
	if (!mvm_ops) {
		pr_err("no usable VT-x or AMD-V (CPU lacks it or the backend is not built)\n");
		return -ENODEV;
	}
	if (!mvm_ops->flush_tlb) {
		pr_err("%s backend has no flush_tlb op\n", mvm_ops->name);
		return -EINVAL;
	}
	mvm_static_calls_update(mvm_ops);

	r = mvm_ops->hw_check();
	if (r) {
		pr_err("%s is not usable on this machine (%d)\n",
		       mvm_ops->name, r);
		return r;
	}

	r = mvm_fpu_setup();
	if (r) {
		pr_err("unsupported host FPU configuration (%d)\n", r);
		return r;
	}

	r = mvm_spec_setup();
	if (r)
		return r;

	if (mvm_ops->hw_setup) {
		r = mvm_ops->hw_setup();
		if (r) {
			pr_err("%s setup failed (%d)\n", mvm_ops->name, r);
			goto undo_spec;
		}
	}

	preempt_notifier_inc();
	/* Before any CPU turns virtualization on, so a crash can undo it. */
	cpu_emergency_register_virt_callback(mvm_emergency_disable);

	r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "minivmm:online",
			      mvm_cpu_online, mvm_cpu_offline);
	if (r < 0) {
		pr_err("cannot enable %s on every CPU (%d); is another hypervisor (e.g. kvm) using it?\n",
		       mvm_ops->name, r);
		goto undo_emergency;
	}
	mvm_cpuhp_state = r;

	r = register_reboot_notifier(&mvm_reboot_nb);
	if (r) {
		pr_err("cannot register reboot notifier (%d)\n", r);
		goto undo_cpuhp;
	}

	r = misc_register(&mvm_dev);
	if (r) {
		pr_err("cannot register /dev/minivmm (%d)\n", r);
		goto undo_reboot;
	}

	mvm_loaded = true;
	pr_info("loaded, backend %s\n", mvm_ops->name);
	return 0;

undo_reboot:
	unregister_reboot_notifier(&mvm_reboot_nb);
undo_cpuhp:
	cpuhp_remove_state(mvm_cpuhp_state);
undo_emergency:
	cpu_emergency_unregister_virt_callback(mvm_emergency_disable);
	preempt_notifier_dec();
	if (mvm_ops->hw_unsetup)
		mvm_ops->hw_unsetup();
undo_spec:
	mvm_spec_unsetup();
	return r;
}

static void __exit mvm_exit(void)
{
	misc_deregister(&mvm_dev);
	unregister_reboot_notifier(&mvm_reboot_nb);
	cpuhp_remove_state(mvm_cpuhp_state);
	cpu_emergency_unregister_virt_callback(mvm_emergency_disable);
	preempt_notifier_dec();
	if (mvm_ops->hw_unsetup)
		mvm_ops->hw_unsetup();
	mvm_spec_unsetup();
	pr_info("unloaded\n");
}

module_init(mvm_init);
module_exit(mvm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("minivmm: a small KVM-like hypervisor (VT-x/EPT, AMD-V/NPT)");
MODULE_AUTHOR("minivmm developers");
