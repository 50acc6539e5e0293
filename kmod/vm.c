// SPDX-License-Identifier: GPL-2.0
/*
 * The VM object: its fd, its lifetime and the VM ioctls.
 *
 * A VM lives while its fd, any of its vCPU fds or any vCPU mapping lives:
 * the VM fd holds one reference and each vCPU file holds one (a mapping
 * holds its vCPU file).  The last reference frees the vCPUs, the memory
 * slots, the guest-physical table and the backend state.
 *
 * MINIVMM_CREATE_IRQCHIP adds the IOAPIC (ioapic.c); each vCPU created
 * afterwards gets a LAPIC (lapic.c).  Device interrupts then come in with
 * MINIVMM_IRQ_LINE and MINIVMM_SIGNAL_MSI.
 *
 * MINIVMM_SET_IOPORT_RANGE marks ports without a device, which io.c then
 * answers without an exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mvm.h"
#include "lapic.h"

/* MSI addresses: the LAPIC window, 0xfee00000-0xfeefffff. */
#define MVM_MSI_ADDR_MASK	0xfffffffffff00000ULL
#define MVM_MSI_ADDR_BASE	0xfee00000ULL

static void mvm_vm_destroy(struct mvm_vm *vm)
{
	unsigned int i;

	/* No fd and no mapping is left: nothing can run or look up. */
	for (i = 0; i < MVM_MAX_VCPUS; i++) {
		if (vm->vcpus[i])
			mvm_vcpu_destroy(vm->vcpus[i]);
	}
	/* After the LAPICs: their EOIs and timers no longer reach it. */
	if (vm->ioapic)
		mvm_ioapic_free(vm);
	mvm_vm_free_slots(vm);
	mvm_vm_free_ioports(vm);
	mvm_ops->vm_destroy(vm);
	mvm_gpt_free(&vm->gpt);
	mmdrop(vm->mm);
	kfree(vm);
}

void mvm_vm_put(struct mvm_vm *vm)
{
	if (refcount_dec_and_test(&vm->refs))
		mvm_vm_destroy(vm);
}

static int mvm_vm_release(struct inode *inode, struct file *filp)
{
	mvm_vm_put(filp->private_data);
	return 0;
}

/* Only before the first vCPU: every vCPU must get a LAPIC. */
static long mvm_vm_create_irqchip(struct mvm_vm *vm, void __user *uarg)
{
	struct minivmm_create_irqchip ci;
	long r;

	if (copy_from_user(&ci, uarg, sizeof(ci)))
		return -EFAULT;
	if (ci.flags || ci.pad)
		return -EINVAL;

	mutex_lock(&vm->lock);
	if (vm->ioapic)
		r = -EEXIST;
	else if (vm->nr_vcpus)
		r = -EBUSY;
	else
		r = mvm_ioapic_create(vm);
	mutex_unlock(&vm->lock);
	return r;
}

static long mvm_vm_irq_line(struct mvm_vm *vm, void __user *uarg)
{
	struct minivmm_irq_line line;

	if (copy_from_user(&line, uarg, sizeof(line)))
		return -EFAULT;
	if (!mvm_irqchip_in_kernel(vm))
		return -ENXIO;
	return mvm_ioapic_set_irq(vm, line.gsi, line.level);
}

/* Returns how many vCPUs the message reached. */
static long mvm_vm_signal_msi(struct mvm_vm *vm, void __user *uarg)
{
	struct minivmm_msi msi;

	if (copy_from_user(&msi, uarg, sizeof(msi)))
		return -EFAULT;
	if (msi.flags || msi.pad)
		return -EINVAL;
	if (!mvm_irqchip_in_kernel(vm))
		return -ENXIO;
	if ((msi.address & MVM_MSI_ADDR_MASK) != MVM_MSI_ADDR_BASE)
		return -EINVAL;
	return mvm_msi_deliver(vm, msi.address, msi.data);
}

static long mvm_vm_ioctl(struct file *filp, unsigned int cmd,
			 unsigned long arg)
{
	struct mvm_vm *vm = filp->private_data;
	void __user *uarg = (void __user *)arg;
	struct minivmm_memory_region mr;
	struct minivmm_create_vcpu cv;

	/* Like KVM: a VM belongs to the address space that created it. */
	if (vm->mm != current->mm)
		return -EIO;

	switch (cmd) {
	case MINIVMM_SET_MEMORY_REGION:
		if (copy_from_user(&mr, uarg, sizeof(mr)))
			return -EFAULT;
		return mvm_vm_set_memory_region(vm, &mr);
	case MINIVMM_CREATE_VCPU:
		if (copy_from_user(&cv, uarg, sizeof(cv)))
			return -EFAULT;
		if (cv.flags)
			return -EINVAL;
		if (cv.id >= MVM_MAX_VCPUS)
			return -EINVAL;
		return mvm_vcpu_create_fd(vm, cv.id);
	case MINIVMM_CREATE_IRQCHIP:
		return mvm_vm_create_irqchip(vm, uarg);
	case MINIVMM_IRQ_LINE:
		return mvm_vm_irq_line(vm, uarg);
	case MINIVMM_SIGNAL_MSI:
		return mvm_vm_signal_msi(vm, uarg);
	case MINIVMM_SET_IOPORT_RANGE:
		return mvm_vm_set_ioport_range(vm, uarg);
	case MINIVMM_CHECK_CAP:
		return mvm_check_cap(arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations mvm_vm_fops = {
	.owner = THIS_MODULE,
	.release = mvm_vm_release,
	.unlocked_ioctl = mvm_vm_ioctl,
	.llseek = noop_llseek,
};

static struct mvm_vm *mvm_vm_alloc(void)
{
	struct mvm_vm *vm;
	int r;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return ERR_PTR(-ENOMEM);
	refcount_set(&vm->refs, 1);
	mutex_init(&vm->lock);
	rwlock_init(&vm->slots_lock);

	r = mvm_gpt_init(&vm->gpt);
	if (r)
		goto free_vm;

	r = mvm_ops->vm_init(vm);
	if (r)
		goto free_gpt;

	vm->mm = current->mm;
	mmgrab(vm->mm);
	return vm;

free_gpt:
	mvm_gpt_free(&vm->gpt);
free_vm:
	kfree(vm);
	return ERR_PTR(r);
}

int mvm_vm_create_fd(void)
{
	struct mvm_vm *vm;
	struct file *file;
	int fd, r;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;

	vm = mvm_vm_alloc();
	if (IS_ERR(vm)) {
		r = PTR_ERR(vm);
		goto put_fd;
	}

	file = anon_inode_getfile("minivmm-vm", &mvm_vm_fops, vm, O_RDWR);
	if (IS_ERR(file)) {
		r = PTR_ERR(file);
		goto put_vm;
	}

	/* Nothing may fail after this: the fd is visible to userspace. */
	fd_install(fd, file);
	return fd;

put_vm:
	mvm_vm_put(vm);
put_fd:
	put_unused_fd(fd);
	return r;
}
