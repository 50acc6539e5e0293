// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU object: its fd and mapping, loading it on a CPU (preempt
 * notifiers), kicking it out of guest mode, and the register and state
 * ioctls.  MINIVMM_RUN is run.c's; INIT, SIPI and HLT are mp.c's.
 *
 * Locking: vcpu->mutex serializes the ioctls of one vCPU; it is never
 * held with vm->lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <asm/fpu/api.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "mvm.h"
#include "lapic.h"

static inline struct mvm_vcpu *mvm_pn_to_vcpu(struct preempt_notifier *pn)
{
	return container_of(pn, struct mvm_vcpu, preempt_notifier);
}

static void __mvm_exit_path mvm_sched_in(struct preempt_notifier *pn, int cpu)
{
	struct mvm_vcpu *vcpu = mvm_pn_to_vcpu(pn);

	mvm_spec_vcpu_load(vcpu, cpu);
	mvm_call(vcpu_load)(vcpu, cpu);
	WRITE_ONCE(vcpu->cpu, cpu);
}

static void __mvm_exit_path mvm_sched_out(struct preempt_notifier *pn,
					  struct task_struct *next)
{
	struct mvm_vcpu *vcpu = mvm_pn_to_vcpu(pn);

	mvm_call(vcpu_put)(vcpu);
	WRITE_ONCE(vcpu->cpu, -1);
}

static struct preempt_ops mvm_preempt_ops = {
	.sched_in = mvm_sched_in,
	.sched_out = mvm_sched_out,
};

/* Makes the vCPU current on this CPU until mvm_vcpu_put(). */
void __mvm_exit_path mvm_vcpu_load(struct mvm_vcpu *vcpu)
{
	int cpu = get_cpu();

	preempt_notifier_register(&vcpu->preempt_notifier);
	mvm_spec_vcpu_load(vcpu, cpu);
	mvm_call(vcpu_load)(vcpu, cpu);
	WRITE_ONCE(vcpu->cpu, cpu);
	put_cpu();
}

void __mvm_exit_path mvm_vcpu_put(struct mvm_vcpu *vcpu)
{
	preempt_disable();
	mvm_call(vcpu_put)(vcpu);
	WRITE_ONCE(vcpu->cpu, -1);
	preempt_notifier_unregister(&vcpu->preempt_notifier);
	preempt_enable();
}

static void mvm_kick_ipi(void *unused)
{
	/* Nothing to do: taking the interrupt was the point. */
}

void mvm_vcpu_kick(struct mvm_vcpu *vcpu)
{
	int me = get_cpu();
	int cpu = READ_ONCE(vcpu->cpu);

	/*
	 * A vCPU in guest mode runs with preemption off on vcpu->cpu; the
	 * IPI forces a VM exit and is only handled after it, so waiting for
	 * it means the vCPU has left guest mode and will see its requests
	 * before entering again.
	 */
	if (READ_ONCE(vcpu->mode) == MVM_IN_GUEST && cpu >= 0 && cpu != me &&
	    cpu_online(cpu))
		smp_call_function_single(cpu, mvm_kick_ipi, NULL, 1);
	put_cpu();
}

static long mvm_vcpu_get_regs(struct mvm_vcpu *vcpu, void __user *uaddr)
{
	struct minivmm_regs regs;

	/* minivmm_regs lists rax, rbx, rcx, rdx: not the encoding order. */
	regs.rax = vcpu->gprs[MVM_RAX];
	regs.rbx = vcpu->gprs[MVM_RBX];
	regs.rcx = vcpu->gprs[MVM_RCX];
	regs.rdx = vcpu->gprs[MVM_RDX];
	regs.rsi = vcpu->gprs[MVM_RSI];
	regs.rdi = vcpu->gprs[MVM_RDI];
	regs.rsp = vcpu->gprs[MVM_RSP];
	regs.rbp = vcpu->gprs[MVM_RBP];
	regs.r8 = vcpu->gprs[MVM_R8];
	regs.r9 = vcpu->gprs[MVM_R9];
	regs.r10 = vcpu->gprs[MVM_R10];
	regs.r11 = vcpu->gprs[MVM_R11];
	regs.r12 = vcpu->gprs[MVM_R12];
	regs.r13 = vcpu->gprs[MVM_R13];
	regs.r14 = vcpu->gprs[MVM_R14];
	regs.r15 = vcpu->gprs[MVM_R15];
	regs.rip = vcpu->rip;
	regs.rflags = vcpu->rflags | X86_EFLAGS_FIXED;

	if (copy_to_user(uaddr, &regs, sizeof(regs)))
		return -EFAULT;
	return 0;
}

static long mvm_vcpu_set_regs(struct mvm_vcpu *vcpu, void __user *uaddr)
{
	struct minivmm_regs regs;

	if (copy_from_user(&regs, uaddr, sizeof(regs)))
		return -EFAULT;

	vcpu->gprs[MVM_RAX] = regs.rax;
	vcpu->gprs[MVM_RBX] = regs.rbx;
	vcpu->gprs[MVM_RCX] = regs.rcx;
	vcpu->gprs[MVM_RDX] = regs.rdx;
	vcpu->gprs[MVM_RSI] = regs.rsi;
	vcpu->gprs[MVM_RDI] = regs.rdi;
	vcpu->gprs[MVM_RSP] = regs.rsp;
	vcpu->gprs[MVM_RBP] = regs.rbp;
	vcpu->gprs[MVM_R8] = regs.r8;
	vcpu->gprs[MVM_R9] = regs.r9;
	vcpu->gprs[MVM_R10] = regs.r10;
	vcpu->gprs[MVM_R11] = regs.r11;
	vcpu->gprs[MVM_R12] = regs.r12;
	vcpu->gprs[MVM_R13] = regs.r13;
	vcpu->gprs[MVM_R14] = regs.r14;
	vcpu->gprs[MVM_R15] = regs.r15;
	/*
	 * Userspace moved rip away from an IO/MMIO instruction it has not
	 * answered: it has taken over, so the next RUN must not finish that
	 * instruction on top of the new state (KVM checks the rip likewise).
	 */
	if (regs.rip != vcpu->rip) {
		vcpu->pending = MVM_PENDING_NONE;
		/* The shadow belonged to the instruction before the old rip. */
		vcpu->shadow = 0;
	}
	vcpu->rip = regs.rip;
	/* Bit 1 is fixed to 1; other reserved bits fail the entry. */
	vcpu->rflags = regs.rflags | X86_EFLAGS_FIXED;
	return 0;
}

static long mvm_vcpu_get_sregs(struct mvm_vcpu *vcpu, void __user *uaddr)
{
	struct minivmm_sregs *sregs;
	int rr;
	long r;

	sregs = kzalloc(sizeof(*sregs), GFP_KERNEL_ACCOUNT);
	if (!sregs)
		return -ENOMEM;
	mvm_vcpu_load(vcpu);
	r = mvm_ops->get_sregs(vcpu, sregs);
	if (!r && vcpu->lapic) {
		/* The LAPIC holds the truth for both. */
		sregs->cr8 = mvm_lapic_get_cr8(vcpu);
		mvm_lapic_msr_read(vcpu, MSR_IA32_APICBASE, &sregs->apic_base,
				   &rr);
	} else if (!r) {
		sregs->apic_base = vcpu->apic_base;
	}
	mvm_vcpu_put(vcpu);
	if (!r && copy_to_user(uaddr, sregs, sizeof(*sregs)))
		r = -EFAULT;
	kfree(sregs);
	return r;
}

/*
 * SET_SREGS with an irqchip: CR8 is the LAPIC's TPR and apic_base its
 * MSR, changed as a WRMSR would (a value WRMSR refuses gives EINVAL).
 * Checked here before anything changes, applied by
 * mvm_vcpu_sregs_lapic_apply() once the backend has taken the rest.
 */
static int mvm_vcpu_sregs_lapic_check(struct mvm_vcpu *vcpu,
				      const struct minivmm_sregs *sregs)
{
	if (!vcpu->lapic)
		return mvm_apic_base_valid(sregs->apic_base) ? 0 : -EINVAL;
	if (sregs->cr8 > 15)
		return -EINVAL;
	return mvm_lapic_base_check(vcpu, sregs->apic_base) ? -EINVAL : 0;
}

/* Cannot fail: mvm_vcpu_sregs_lapic_check() accepted the values. */
static void mvm_vcpu_sregs_lapic_apply(struct mvm_vcpu *vcpu,
				       const struct minivmm_sregs *sregs)
{
	int r;

	if (!vcpu->lapic) {
		vcpu->apic_base = sregs->apic_base;
		return;
	}
	/* The value it has already changes nothing (no reset). */
	mvm_lapic_msr_write(vcpu, MSR_IA32_APICBASE, sregs->apic_base, &r);
	mvm_lapic_set_cr8(vcpu, sregs->cr8);
}

static long mvm_vcpu_set_sregs(struct mvm_vcpu *vcpu, void __user *uaddr)
{
	struct minivmm_sregs *sregs;
	long r;

	sregs = memdup_user(uaddr, sizeof(*sregs));
	if (IS_ERR(sregs))
		return PTR_ERR(sregs);

	/* Everything is checked before anything changes. */
	r = mvm_sregs_validate(sregs);
	if (r)
		goto free;

	/*
	 * VT-x loads PAE paging's PDPTEs from guest memory here, without
	 * sleeping: pin the page they are in now (nothing to do in long
	 * mode, or where cr3 is not RAM).  RAM that cannot be pinned (its
	 * memory is gone) is refused on both backends, before anything
	 * changes.
	 */
	if ((sregs->cr0 & X86_CR0_PG) && (sregs->cr4 & X86_CR4_PAE) &&
	    !(sregs->efer & EFER_LME)) {
		r = mvm_slot_fault_in(vcpu->vm, sregs->cr3 & PAGE_MASK);
		if (r)
			goto free;
	}

	mvm_vcpu_load(vcpu);
	r = mvm_vcpu_sregs_lapic_check(vcpu, sregs);
	/* The backend takes all of its part or, failing, none of it. */
	if (!r)
		r = mvm_ops->set_sregs(vcpu, sregs);
	/* The PDPTEs' slot changed meanwhile: as if it had been unpinnable. */
	if (r == -EAGAIN)
		r = -EFAULT;
	if (!r)
		mvm_vcpu_sregs_lapic_apply(vcpu, sregs);
	mvm_vcpu_put(vcpu);
free:
	kfree(sregs);
	return r;
}

static long mvm_vcpu_interrupt(struct mvm_vcpu *vcpu, void __user *uaddr)
{
	struct minivmm_interrupt irq;

	/* The LAPIC is the only interrupt source with an irqchip. */
	if (vcpu->lapic)
		return -ENXIO;
	if (copy_from_user(&irq, uaddr, sizeof(irq)))
		return -EFAULT;
	if (irq.pad || irq.vector < 32 || irq.vector > 255)
		return -EINVAL;
	if (vcpu->pending_irq >= 0)
		return -EBUSY;
	vcpu->pending_irq = irq.vector;
	return 0;
}

static long mvm_vcpu_get_mp_state(struct mvm_vcpu *vcpu, void __user *uaddr)
{
	struct minivmm_mp_state mp = { 0 };

	if (!vcpu->lapic)
		return -ENXIO;
	mp.mp_state = READ_ONCE(vcpu->mp_state);
	if (copy_to_user(uaddr, &mp, sizeof(mp)))
		return -EFAULT;
	return 0;
}

/*
 * RUNNABLE runs the vCPU from its registers as they are (e.g. an AP the
 * VMM starts itself); INIT_RECEIVED makes it wait for a SIPI.  HALTED is
 * refused: a HLT is the guest's to execute.
 */
static long mvm_vcpu_set_mp_state(struct mvm_vcpu *vcpu, void __user *uaddr)
{
	struct minivmm_mp_state mp;

	if (!vcpu->lapic)
		return -ENXIO;
	if (copy_from_user(&mp, uaddr, sizeof(mp)))
		return -EFAULT;
	if (mp.pad)
		return -EINVAL;
	if (mp.mp_state != MINIVMM_MP_STATE_RUNNABLE &&
	    mp.mp_state != MINIVMM_MP_STATE_INIT_RECEIVED)
		return -EINVAL;
	WRITE_ONCE(vcpu->mp_state, mp.mp_state);
	return 0;
}

static long mvm_vcpu_msrs(struct mvm_vcpu *vcpu, void __user *uaddr,
			  bool set)
{
	long r;

	/* MSR state may live in the VMCS/VMCB: load the vCPU. */
	mvm_vcpu_load(vcpu);
	if (set)
		r = mvm_vcpu_set_msrs(vcpu, uaddr);
	else
		r = mvm_vcpu_get_msrs(vcpu, uaddr);
	mvm_vcpu_put(vcpu);
	return r;
}

static long __mvm_exit_path mvm_vcpu_ioctl(struct file *filp, unsigned int cmd,
					   unsigned long arg)
{
	struct mvm_vcpu *vcpu = filp->private_data;
	void __user *uarg = (void __user *)arg;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;

	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;

	switch (cmd) {
	case MINIVMM_RUN:
		/* The argument is ignored: callers often omit it. */
		r = mvm_vcpu_run(vcpu);
		break;
	case MINIVMM_GET_REGS:
		r = mvm_vcpu_get_regs(vcpu, uarg);
		break;
	case MINIVMM_SET_REGS:
		r = mvm_vcpu_set_regs(vcpu, uarg);
		break;
	case MINIVMM_GET_SREGS:
		r = mvm_vcpu_get_sregs(vcpu, uarg);
		break;
	case MINIVMM_SET_SREGS:
		r = mvm_vcpu_set_sregs(vcpu, uarg);
		break;
	case MINIVMM_GET_MSRS:
		r = mvm_vcpu_msrs(vcpu, uarg, false);
		break;
	case MINIVMM_SET_MSRS:
		r = mvm_vcpu_msrs(vcpu, uarg, true);
		break;
	case MINIVMM_SET_CPUID:
		r = mvm_vcpu_set_cpuid(vcpu, uarg);
		break;
	case MINIVMM_GET_XSAVE:
		r = mvm_vcpu_get_xsave(vcpu, uarg);
		break;
	case MINIVMM_SET_XSAVE:
		r = mvm_vcpu_set_xsave(vcpu, uarg);
		break;
	case MINIVMM_INTERRUPT:
		r = mvm_vcpu_interrupt(vcpu, uarg);
		break;
	case MINIVMM_GET_MP_STATE:
		r = mvm_vcpu_get_mp_state(vcpu, uarg);
		break;
	case MINIVMM_SET_MP_STATE:
		r = mvm_vcpu_set_mp_state(vcpu, uarg);
		break;
	default:
		r = -ENOTTY;
		break;
	}

	mutex_unlock(&vcpu->mutex);
	return r;
}

static vm_fault_t mvm_vcpu_fault(struct vm_fault *vmf)
{
	struct mvm_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	switch (vmf->pgoff) {
	case 0:
		page = virt_to_page(vcpu->run);
		break;
	case 1:
		page = virt_to_page(vcpu->io_data);
		break;
	default:
		return VM_FAULT_SIGBUS;
	}
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct mvm_vcpu_vm_ops = {
	.fault = mvm_vcpu_fault,
};

static int mvm_vcpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	unsigned long pages = vma_pages(vma);

	if (vma->vm_pgoff >= MVM_VCPU_MMAP_PAGES ||
	    pages > MVM_VCPU_MMAP_PAGES - vma->vm_pgoff)
		return -EINVAL;

	/* vm_flags became read-only (vm_flags_set()) in Linux 6.3. */
#ifdef MVM_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
#else
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
#endif
	vma->vm_ops = &mvm_vcpu_vm_ops;
	return 0;
}

static int mvm_vcpu_release(struct inode *inode, struct file *filp)
{
	struct mvm_vcpu *vcpu = filp->private_data;

	/* The vCPU itself lives until the VM dies. */
	mvm_vm_put(vcpu->vm);
	return 0;
}

static const struct file_operations mvm_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = mvm_vcpu_release,
	.unlocked_ioctl = mvm_vcpu_ioctl,
	.mmap = mvm_vcpu_mmap,
	.llseek = noop_llseek,
};

/* Stops the LAPIC timer: nothing may wake the vCPU after this. */
static void mvm_vcpu_free_lapic(struct mvm_vcpu *vcpu)
{
	if (!vcpu->lapic)
		return;
	mvm_lapic_free(vcpu);
	vcpu->lapic = NULL;
}

/* Frees what mvm_vcpu_alloc() set up before the backend's part. */
static void mvm_vcpu_free_core(struct mvm_vcpu *vcpu)
{
	mvm_fpu_vcpu_free(vcpu);
	if (vcpu->io_data)
		free_page((unsigned long)vcpu->io_data);
	if (vcpu->run)
		free_page((unsigned long)vcpu->run);
	kvfree(vcpu->cpuid);
	kfree(vcpu);
}

void mvm_vcpu_destroy(struct mvm_vcpu *vcpu)
{
	mvm_vcpu_free_lapic(vcpu);
	mvm_ops->vcpu_free(vcpu);
	mvm_vcpu_free_core(vcpu);
}

static struct mvm_vcpu *mvm_vcpu_alloc(struct mvm_vm *vm, u32 id)
{
	struct mvm_vcpu *vcpu;
	int r;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return ERR_PTR(-ENOMEM);
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->cpu = -1;
	vcpu->pending_irq = -1;
	vcpu->rflags = X86_EFLAGS_FIXED;
	vcpu->dr6 = MVM_DR6_RESET;
	vcpu->dr7 = MVM_DR7_RESET;
	vcpu->apic_base = MVM_APIC_BASE_RESET |
			  (id ? 0 : MSR_IA32_APICBASE_BSP);
	mvm_msr_vcpu_init(vcpu);
	mutex_init(&vcpu->mutex);
	init_waitqueue_head(&vcpu->wq);
	preempt_notifier_init(&vcpu->preempt_notifier, &mvm_preempt_ops);
	mvm_spec_vcpu_init(vcpu);

	r = -ENOMEM;
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run)
		goto free_core;
	vcpu->io_data = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->io_data)
		goto free_core;

	r = mvm_fpu_vcpu_init(vcpu);
	if (r)
		goto free_core;

	r = mvm_ops->vcpu_create(vcpu);
	if (r)
		goto free_core;

	/* vm->lock is held: the irqchip cannot appear meanwhile. */
	if (mvm_irqchip_in_kernel(vm)) {
		r = mvm_lapic_create(vcpu);
		if (r)
			goto free_arch;
		mvm_lapic_reset(vcpu, false);
		/* Power-on: the BSP runs, the APs wait for INIT/SIPI. */
		vcpu->mp_state = id ? MINIVMM_MP_STATE_INIT_RECEIVED :
				      MINIVMM_MP_STATE_RUNNABLE;
	}
	return vcpu;

free_arch:
	mvm_ops->vcpu_free(vcpu);

free_core:
	mvm_vcpu_free_core(vcpu);
	return ERR_PTR(r);
}

int mvm_vcpu_create_fd(struct mvm_vm *vm, u32 id)
{
	struct mvm_vcpu *vcpu;
	struct file *file;
	int fd, r;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;

	mutex_lock(&vm->lock);
	if (vm->vcpus[id]) {
		r = -EEXIST;
		goto unlock;
	}

	vcpu = mvm_vcpu_alloc(vm, id);
	if (IS_ERR(vcpu)) {
		r = PTR_ERR(vcpu);
		goto unlock;
	}

	/* The file's reference; the VM fd's one keeps this from hitting 0. */
	refcount_inc(&vm->refs);
	file = anon_inode_getfile("minivmm-vcpu", &mvm_vcpu_fops, vcpu, O_RDWR);
	if (IS_ERR(file)) {
		r = PTR_ERR(file);
		refcount_dec(&vm->refs);
		mvm_vcpu_destroy(vcpu);
		goto unlock;
	}

	/* Lockless readers (IPI and MSI delivery) see it initialized. */
	smp_store_release(&vm->vcpus[id], vcpu);
	vm->nr_vcpus++;
	mutex_unlock(&vm->lock);

	fd_install(fd, file);
	return fd;

unlock:
	mutex_unlock(&vm->lock);
	put_unused_fd(fd);
	return r;
}
