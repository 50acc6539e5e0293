/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the minivmm core (main.c, vm.c, vcpu.c, gpt.c, ...) and the two
 * hardware backends (vmx*.c, svm*.c) share.
 *
 * Division of work:
 *  - the core owns the fds, memory slots, the guest-physical page table
 *    (EPT or NPT, built by gpt.c with PTE bits supplied by the backend),
 *    the run loop (signals, preemption, requests), guest GPRs, CPUID table,
 *    the MSR allow-list and MMIO decoding;
 *  - a backend owns the VMCS/VMCB, entering the guest, and turning each
 *    hardware exit into either "handled, re-enter" or a minivmm_run exit,
 *    calling the core's helpers (mvm_cpuid_*, mvm_msr_*, mvm_mmio_*, ...).
 */
#ifndef MVM_H
#define MVM_H

#include <linux/types.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/refcount.h>
#include <linux/preempt.h>
#include <linux/mm_types.h>
#include <linux/wait.h>
#include <asm/fpu/types.h>
#include "../include/minivmm.h"

#define MVM_MAX_VCPUS		64
#define MVM_MAX_SLOTS		32
#define MVM_MAX_CPUID		256
#define MVM_MAX_MSRS		64

/* Guest GPR numbers: the x86 register encoding, as used by ModRM. */
enum mvm_gpr {
	MVM_RAX, MVM_RCX, MVM_RDX, MVM_RBX, MVM_RSP, MVM_RBP, MVM_RSI, MVM_RDI,
	MVM_R8, MVM_R9, MVM_R10, MVM_R11, MVM_R12, MVM_R13, MVM_R14, MVM_R15,
	MVM_NR_GPRS
};

/* Access rights of a guest-physical mapping. */
#define MVM_PROT_READ		BIT(0)
#define MVM_PROT_WRITE		BIT(1)
#define MVM_PROT_EXEC		BIT(2)

struct mvm_memslot {
	u64 gpa;			/* guest-physical base, page aligned */
	u64 size;			/* bytes, page aligned, > 0 */
	u64 uaddr;			/* userspace address of byte 0 */
	u32 flags;			/* MINIVMM_MEM_* */
	u32 id;				/* slot number */
	unsigned long npages;
	/*
	 * Pinned with FOLL_LONGTERM on the guest's first touch, a 2 MiB
	 * guest-physical chunk at a time (mvm_slot_fault_in()): NULL until
	 * then, and a chunk is either all pinned or all NULL.  Entries are
	 * written under vm->lock and slots_lock (write).
	 */
	struct page **pages;
};

/*
 * The guest-physical page table: 4 levels, 512 entries a level, the same
 * shape for EPT and NPT; only the bits of an entry differ (backend ops).
 */
struct mvm_gpt {
	u64 *root;			/* kernel address of the PML4 page */
	phys_addr_t root_pa;
	struct mutex lock;		/* serializes changes */
};

/*
 * Lock order (outer first): vm->lock, vm->gpt.lock, vm->slots_lock.
 * vcpu->mutex is never held together with vm->lock.  Readers of slots[]
 * that may run with preemption off (mvm_read/write_guest_phys) take only
 * slots_lock for reading.
 */
struct mvm_vm {
	refcount_t refs;		/* VM fd, each vCPU, each mapping */
	struct mm_struct *mm;		/* creator; only it may run vCPUs */
	struct mutex lock;		/* slots[], vcpus[] */
	struct mvm_memslot *slots[MVM_MAX_SLOTS];
	struct mvm_vcpu *vcpus[MVM_MAX_VCPUS];
	unsigned int nr_vcpus;
	struct mvm_gpt gpt;
	void *arch;			/* the backend's per-VM state */
	rwlock_t slots_lock;		/* writers also hold vm->lock */
	struct mvm_ioapic *ioapic;	/* MINIVMM_CREATE_IRQCHIP, or NULL */
	unsigned long *ioport_nodev;	/* io.c: ports without a device */
};

/* Whether the VM has in-kernel LAPICs and IOAPIC (set once, then fixed). */
static inline bool mvm_irqchip_in_kernel(const struct mvm_vm *vm)
{
	return !!READ_ONCE(vm->ioapic);
}

/* vcpu->mode: whether the vCPU may be in guest mode right now. */
enum mvm_vcpu_mode {
	MVM_OUTSIDE_GUEST,
	MVM_IN_GUEST,
};

/* vcpu->requests bits, handled by the core before each entry. */
#define MVM_REQ_TLB_FLUSH	0	/* gpt entries were removed */
#define MVM_REQ_EVENT		1	/* LAPIC IRR/NMI changed: re-evaluate */
#define MVM_REQ_INIT		2	/* INIT IPI received */
#define MVM_REQ_SIPI		3	/* SIPI received: vcpu->sipi_vector */

/* What a backend's handling of one exit asks of the run loop. */
enum mvm_exit_action {
	MVM_RESUME = 0,			/* handled in the kernel: re-enter */
	MVM_USER = 1,			/* run->exit_reason is set: return */
	/*
	 * vcpu->fault_gpa is RAM not pinned yet: the core pins it (which
	 * may sleep) and re-enters; the guest repeats the instruction.
	 */
	MVM_FAULT_IN = 2,
};

/*
 * The exit userspace is answering when it calls RUN again: the instruction
 * is finished then (IO in / MMIO read data stored, rip advanced), so that
 * userspace never sees a half-done instruction through GET_REGS after the
 * next RUN.
 */
enum mvm_pending {
	MVM_PENDING_NONE,
	MVM_PENDING_IO,			/* in: data page -> rax or memory */
	MVM_PENDING_MMIO,		/* read: run->mmio.data -> register */
};

/*
 * A port IO exit.  For string forms, @rep says whether a REP prefix was
 * present and @seg_base/@addr_size describe the source or destination.
 * @next_rip is the address after the instruction.
 */
struct mvm_io {
	u16 port;
	u8 size;			/* 1, 2 or 4 */
	bool in;
	bool string;
	bool rep;
	u8 addr_size;			/* 2, 4 or 8 (string forms) */
	u64 seg_base;			/* ES for ins, DS/override for outs */
	u64 next_rip;
};

/* Number of variable-range MTRRs (MSR_MTRRcap.VCNT). */
#define MVM_MTRR_VAR		8
/* Fixed-range MTRR MSRs: 64K_00000, 16K_80000/A0000, 4K_C0000..F8000. */
#define MVM_MTRR_FIXED		11

/* Guest MSRs whose state is neither in the VMCS/VMCB nor the LAPIC. */
struct mvm_msr_state {
	u64 mtrr_var[2 * MVM_MTRR_VAR];	/* PhysBase0, PhysMask0, ... */
	u64 mtrr_fixed[MVM_MTRR_FIXED];
	u64 misc_enable;		/* MSR_IA32_MISC_ENABLE */
	u64 spec_ctrl;			/* kept, not loaded into hardware */
	u64 tsc_adjust;			/* MSR_IA32_TSC_ADJUST */
	u64 hwcr;			/* AMD MSR_K7_HWCR */
	u64 tsc_aux;			/* MSR_TSC_AUX, for the backends */
};

struct mvm_vcpu {
	struct mvm_vm *vm;
	u32 id;
	int cpu;			/* host CPU it is loaded on, or -1 */
	struct mutex mutex;		/* one ioctl at a time */
	struct minivmm_run *run;	/* page 0 of the mapping */
	void *io_data;			/* page 1: port IO data */
	struct preempt_notifier preempt_notifier;
	int mode;			/* enum mvm_vcpu_mode, atomic access */
	unsigned long requests;		/* MVM_REQ_* bits */

	/*
	 * Guest state the core reads and writes directly: the backend loads
	 * these into the VMCS/VMCB before each entry and stores them back
	 * after each exit, so the core never touches hardware state.
	 */
	unsigned long gprs[MVM_NR_GPRS];
	unsigned long rip;
	unsigned long rflags;

	/* The CPUID table set by userspace. */
	struct minivmm_cpuid_entry *cpuid;
	u32 cpuid_nent;

	/* Event userspace queued with MINIVMM_INTERRUPT, or -1. */
	int pending_irq;
	bool irq_window_requested;	/* run->request_interrupt_window */

	/*
	 * In-kernel irqchip (NULL/unused without one).  The LAPIC is
	 * lapic.c's; mp_state, nmi_pending, sipi_vector and wq are the
	 * core's (vcpu.c, irq.c): the LAPIC sets a request bit and calls
	 * mvm_vcpu_wake().
	 */
	struct mvm_lapic *lapic;
	u32 mp_state;			/* MINIVMM_MP_STATE_* */
	atomic_t nmi_pending;		/* NMIs delivered, not yet injected */
	u8 sipi_vector;
	wait_queue_head_t wq;		/* HLT and wait-for-SIPI sleep here */

	/* The exit userspace must complete on the next RUN. */
	enum mvm_pending pending;
	u8 pending_reg;			/* MMIO read: destination GPR */
	u8 pending_len;			/* MMIO read: bytes loaded */
	u8 pending_ext;			/* MMIO read: 0 zx, 1 sx, 2 merge */
	u8 pending_dst_size;		/* MMIO read: bytes written to reg */
	u64 pending_rip;		/* rip after the MMIO/IO instruction */
	struct mvm_io pending_io;	/* IO in: what to complete */
	u64 fault_gpa;			/* MVM_FAULT_IN: the RAM to pin */

	struct fpu_guest guest_fpu;	/* fpu_alloc_guest_fpstate() */

	void *arch;			/* the backend's per-vCPU state */

	/* Core-private from here on: backends do not touch these. */
	u32 pending_io_count;		/* IO: elements moved by this exit */
	bool fpu_loaded;		/* guest_fpu is in the registers */
	bool xcr0_loaded;		/* guest xcr0 is in XCR0 */
	u64 xcr0;			/* guest XCR0 (default x87|SSE) */
	u64 mtrr_def_type;		/* MSR_MTRRdefType */
	struct mvm_msr_state msrs;	/* msr.c: MSRs kept in the core */
};

/* Paging state needed to walk the guest's page tables. */
struct mvm_paging {
	u64 cr0, cr3, cr4, efer;
	u64 cs_base;
	bool cs_l, cs_db;		/* 64-bit code, 32-bit default size */
	u8 cpl;
};

/*
 * The backend ops table: one instance for VT-x (vmx.c), one for AMD-V
 * (svm.c).  All vcpu ops but vcpu_create/vcpu_free are called between
 * vcpu_load() and vcpu_put() with preemption enabled unless noted.
 */
struct mvm_backend_ops {
	const char *name;
	u32 id;				/* MINIVMM_BACKEND_* */

	/* Module load: is the hardware usable?  Log why not and fail. */
	int (*hw_check)(void);
	/* Per host CPU, with preemption off (CPU hotplug, load, unload). */
	int (*hw_enable)(void);
	void (*hw_disable)(void);
	/* Module-wide setup after hw_check (e.g. ASID allocator). */
	int (*hw_setup)(void);
	void (*hw_unsetup)(void);

	/* Entry bits for the guest-physical table. */
	u64 (*gpt_leaf)(phys_addr_t pa, unsigned int prot);
	u64 (*gpt_dir)(phys_addr_t pa);
	bool (*gpt_present)(u64 pte);

	int (*vm_init)(struct mvm_vm *vm);
	void (*vm_destroy)(struct mvm_vm *vm);

	/* Allocate/free vcpu->arch; set the architectural reset state. */
	int (*vcpu_create)(struct mvm_vcpu *vcpu);
	void (*vcpu_free)(struct mvm_vcpu *vcpu);

	/* Make the vCPU current on this CPU (preemption off). */
	void (*vcpu_load)(struct mvm_vcpu *vcpu, int cpu);
	void (*vcpu_put)(struct mvm_vcpu *vcpu);

	/*
	 * Enter the guest once and handle the exit.  Called with preemption
	 * disabled and interrupts enabled; returns enum mvm_exit_action or a
	 * negative errno.  Honors vcpu->requests via mvm_vcpu_prepare_entry().
	 */
	int (*vcpu_run)(struct mvm_vcpu *vcpu);

	int (*get_sregs)(struct mvm_vcpu *vcpu, struct minivmm_sregs *sregs);
	/*
	 * Validates: bad state gives -EINVAL or a FAIL_ENTRY exit.  With an
	 * in-kernel LAPIC the core has applied sregs->cr8 and ->apic_base
	 * to it already (as a WRMSR would; get_sregs is overridden the same
	 * way): the backend must accept every apic_base the LAPIC holds,
	 * x2APIC mode (bit 10) included, and need not apply them again.
	 */
	int (*set_sregs)(struct mvm_vcpu *vcpu,
			 const struct minivmm_sregs *sregs);
	/*
	 * CR4 bits the backend cannot give a guest even where the host
	 * has them; mvm_cr4_valid() leaves them out.
	 */
	u64 cr4_unsupported;
	void (*get_paging)(struct mvm_vcpu *vcpu, struct mvm_paging *pg);
	/*
	 * Cheap reads for every return from RUN (no sregs copy): the
	 * guest's CR8 (TPR bits 3:0), and whether an external interrupt
	 * could be delivered at the next entry: RFLAGS.IF set, no STI/MOV SS
	 * shadow and no event (re-injection or exception) queued in the
	 * backend.  vcpu->pending_irq is the core's to check.
	 */
	u8 (*get_cr8)(struct mvm_vcpu *vcpu);
	bool (*interrupt_allowed)(struct mvm_vcpu *vcpu);

	/* MSRs on the core's allow-list that live in VMCS/VMCB or arch. */
	int (*get_msr)(struct mvm_vcpu *vcpu, u32 index, u64 *data);
	int (*set_msr)(struct mvm_vcpu *vcpu, u32 index, u64 data);

	/* Inject #vector (with error code if has_error) at next entry. */
	void (*inject_exception)(struct mvm_vcpu *vcpu, u8 vector,
				 bool has_error, u32 error_code);

	/*
	 * NMIs (the core queues them in vcpu->nmi_pending): may one be
	 * injected at the next entry (no NMI blocking, no MOV SS/STI shadow
	 * where the hardware forbids it, no event queued in the backend)?
	 * The backend injects with mvm_nmi_ack() when allowed, else opens an
	 * NMI window (VT-x: NMI-window exiting; AMD-V: intercept IRET, as
	 * the CPU blocks NMIs until the handler's IRET).  Blocking by NMI is
	 * the backend's to track.
	 */
	bool (*nmi_allowed)(struct mvm_vcpu *vcpu);

	/*
	 * INIT: drop every event the backend has queued (exception,
	 * re-injection), clear interrupt shadows and NMI blocking, make the
	 * activity state active.  The core then loads the INIT register
	 * state with set_sregs and the GPRs itself.
	 */
	void (*events_reset)(struct mvm_vcpu *vcpu);

	/*
	 * Guest-physical entries were removed (MVM_REQ_TLB_FLUSH): make sure
	 * the next entry on this CPU uses no translation cached from the
	 * guest-physical table (VT-x: INVEPT single-context; AMD-V: flush
	 * this ASID, e.g. TLB_CONTROL).  Called by mvm_vcpu_prepare_entry()
	 * with interrupts disabled and the vCPU loaded.  Required.
	 */
	void (*flush_tlb)(struct mvm_vcpu *vcpu);
};

extern const struct mvm_backend_ops *mvm_ops;
extern const struct mvm_backend_ops mvm_vmx_ops;
extern const struct mvm_backend_ops mvm_svm_ops;

/* ---- core services for backends (vcpu.c, cpuid.c, msr.c, mmio.c) ---- */

/*
 * Called by vcpu_run with interrupts disabled right before entry, after
 * setting vcpu->mode = MVM_IN_GUEST: processes requests.  Returns true to
 * go on entering, false to back out (a kick arrived: enable interrupts,
 * set mode outside, return MVM_RESUME).
 *
 * It sets vcpu->mode = MVM_IN_GUEST itself (with the barrier that pairs
 * with mvm_vcpu_kick()), calls ops->flush_tlb() for MVM_REQ_TLB_FLUSH,
 * backs out when a signal is pending or the CPU should reschedule, and,
 * when it returns true, loads the guest XCR0: the backend must then call
 * mvm_vcpu_after_exit() after the VM exit, still with interrupts
 * disabled, which restores the host XCR0 and sets mode outside guest.
 */
bool mvm_vcpu_prepare_entry(struct mvm_vcpu *vcpu);
void mvm_vcpu_after_exit(struct mvm_vcpu *vcpu);

/*
 * Make @vcpu leave guest mode and see its requests: an IPI, waited for,
 * to the CPU it runs on when it is in guest mode.  Needs interrupts
 * enabled; may be called with preemption disabled.
 */
void mvm_vcpu_kick(struct mvm_vcpu *vcpu);

/*
 * The guest FPU: the core swaps it in at the start of MINIVMM_RUN and out
 * at its end (as KVM does), so backends need not call these; they are
 * idempotent.  Preemption may be on or off, interrupts on.
 */
void mvm_fpu_load(struct mvm_vcpu *vcpu);
void mvm_fpu_put(struct mvm_vcpu *vcpu);

/* Guest XSETBV: 0, or -EPERM meaning "inject #GP". */
int mvm_xsetbv(struct mvm_vcpu *vcpu, u32 index, u64 value);

/* CPUID from the userspace table into gprs[RAX..RDX]. */
void mvm_cpuid_emulate(struct mvm_vcpu *vcpu);

/*
 * Guest RDMSR/WRMSR: 0, or -EPERM meaning "inject #GP".  The allow-list is
 * in msr.c.  The core validates values and answers MSR_IA32_APICBASE,
 * MSR_IA32_MISC_ENABLE, MSR_MTRRcap and MSR_MTRRdefType itself; it calls
 * ops->get_msr/set_msr (which return 0 or a negative errno) for the ones
 * whose state lives in the VMCS/VMCB: MSR_EFER, MSR_STAR, MSR_LSTAR,
 * MSR_CSTAR, MSR_SYSCALL_MASK, MSR_FS_BASE, MSR_GS_BASE,
 * MSR_KERNEL_GS_BASE, MSR_IA32_SYSENTER_CS/ESP/EIP, MSR_IA32_CR_PAT and
 * MSR_IA32_TSC (read: guest TSC; write: adjust the offset or refuse).
 */
int mvm_msr_guest_read(struct mvm_vcpu *vcpu, u32 index, u64 *data);
int mvm_msr_guest_write(struct mvm_vcpu *vcpu, u32 index, u64 data);

/*
 * A guest access to @gpa that no writable slot backs (EPT violation or
 * NPF).  Decodes the instruction at rip, fills run->mmio (a write carries
 * the data), advances rip past it on completion.  Returns MVM_USER, or
 * MVM_USER with an INTERNAL_ERROR exit for an instruction it cannot decode.
 */
int mvm_mmio_exit(struct mvm_vcpu *vcpu, u64 gpa, bool is_write);

int mvm_io_exit(struct mvm_vcpu *vcpu, const struct mvm_io *io);
/* io.c: MINIVMM_SET_IOPORT_RANGE, and its bitmap at VM destruction. */
long mvm_vm_set_ioport_range(struct mvm_vm *vm, void __user *uarg);
void mvm_vm_free_ioports(struct mvm_vm *vm);

/*
 * Called by the core at the start of MINIVMM_RUN when vcpu->pending says
 * userspace has answered an IO-in or MMIO-read exit: puts the data where
 * the instruction wanted it and moves rip past the instruction.
 */
int mvm_io_complete(struct mvm_vcpu *vcpu);	/* io.c: 0 or MVM_USER */
void mvm_mmio_complete(struct mvm_vcpu *vcpu);	/* mmio.c */

/*
 * Read guest-virtual memory (for instruction fetch).  0, -EFAULT, or
 * -EAGAIN with vcpu->fault_gpa set where RAM is not pinned yet.
 */
int mvm_read_guest_virt(struct mvm_vcpu *vcpu, u64 gva, void *buf,
			unsigned int len);
int mvm_write_guest_virt(struct mvm_vcpu *vcpu, u64 gva, const void *buf,
			 unsigned int len);
/* mvm_read_guest_virt() with paging state the caller already has. */
int mvm_read_guest_virt_pg(struct mvm_vcpu *vcpu, const struct mvm_paging *pg,
			   u64 gva, void *buf, unsigned int len);
/*
 * Read/write guest-physical memory backed by a slot: 0, -EFAULT where no
 * slot backs it, or -EAGAIN where a page is not pinned yet and cannot be
 * reached without sleeping (a read falls back to the VMM's mapping where
 * the page is present there).  Nothing is copied on failure.  They never
 * sleep: callers copy within one page, so on -EAGAIN they know the page
 * to hand to mvm_slot_fault_in() from a context that may sleep.
 */
int mvm_read_guest_phys(struct mvm_vm *vm, u64 gpa, void *buf,
			unsigned int len);
int mvm_write_guest_phys(struct mvm_vm *vm, u64 gpa, const void *buf,
			 unsigned int len);

/*
 * Interrupt sources for the backends' entry path (irq.c).  With
 * interrupts disabled, right before entry, a backend that has no event
 * of its own queued and whose guest can take an interrupt
 * (interrupt_allowed) calls mvm_irq_peek(): a vector >= 0 is the highest
 * interrupt due (the LAPIC's, above its PPR, or the one userspace queued
 * with MINIVMM_INTERRUPT); it injects it and calls mvm_irq_ack(), which
 * moves it from IRR to ISR.  When mvm_irq_peek() >= 0 but the guest cannot
 * take it, or userspace asked for a window, it arms an interrupt-window
 * exit and handles that exit with mvm_irq_window_exit().  An injected
 * event whose delivery an exit interrupted is the backend's to re-inject
 * (it is in ISR already).  Injecting an interrupt or NMI ends the HLT
 * activity state.
 */
int mvm_irq_peek(struct mvm_vcpu *vcpu);
void mvm_irq_ack(struct mvm_vcpu *vcpu, u8 vector);
bool mvm_nmi_peek(struct mvm_vcpu *vcpu);
void mvm_nmi_ack(struct mvm_vcpu *vcpu);
/* The window exit: MVM_USER (IRQ_WINDOW_OPEN for userspace) or RESUME. */
int mvm_irq_window_exit(struct mvm_vcpu *vcpu);

/*
 * The guest's TPR as CR8 (bits 3:0).  With an in-kernel LAPIC the LAPIC's
 * TPR is the truth: backends load their CR8/V_TPR copy from
 * mvm_irq_get_cr8() before entry and report guest changes (MOV to CR8
 * exit, V_TPR after exit) with mvm_irq_set_cr8().  Without one they keep
 * their own copy (ops->get_cr8).
 */
u8 mvm_irq_get_cr8(struct mvm_vcpu *vcpu);
void mvm_irq_set_cr8(struct mvm_vcpu *vcpu, u8 cr8);

/*
 * A HLT exit, after the backend moved rip past HLT (which also ends an
 * STI shadow).  Without an irqchip: fills a MINIVMM_EXIT_HLT exit and
 * returns MVM_USER.  With one: marks the vCPU halted and returns
 * MVM_RESUME; the core's run loop sleeps (preemptible, outside the
 * backend) until an interrupt is due, then enters again.
 */
int mvm_vcpu_halt(struct mvm_vcpu *vcpu);

/*
 * Something for @vcpu changed (IRR, NMI, INIT, SIPI, a request bit):
 * wake it if it sleeps in HLT or wait-for-SIPI, kick it out of guest mode
 * if it runs.  Any context, including hardirq (hrtimer callbacks) and
 * with spinlocks held; never sleeps.
 */
void mvm_vcpu_wake(struct mvm_vcpu *vcpu);

/* Fill run for simple exits. */
void mvm_exit_internal_error(struct mvm_vcpu *vcpu, u32 suberror,
			     const u64 *data, u32 ndata);

/* ---- core internals (main.c, vm.c, memslot.c, vcpu.c, gpt.c, fpu.c) ---- */

/* The vCPU mapping: page 0 struct minivmm_run, page 1 port IO data. */
#define MVM_VCPU_MMAP_PAGES	2

extern unsigned int mvm_xsave_size;	/* MINIVMM_CAP_XSAVE_SIZE */

long mvm_check_cap(unsigned long cap);
int mvm_vm_create_fd(void);
void mvm_vm_put(struct mvm_vm *vm);
long mvm_vm_set_memory_region(struct mvm_vm *vm,
			      const struct minivmm_memory_region *mr);
void mvm_vm_free_slots(struct mvm_vm *vm);
/*
 * Pins and maps the 2 MiB chunk of RAM holding @gpa if it is not yet;
 * may sleep.  0 also where no slot backs @gpa (it is MMIO then); -EFAULT
 * or -ENOMEM when the VMM's memory behind the slot cannot be pinned.
 */
int mvm_slot_fault_in(struct mvm_vm *vm, u64 gpa);
/* Whether a slot backs @gpa; callable with preemption off. */
bool mvm_gpa_is_ram(struct mvm_vm *vm, u64 gpa);
int mvm_vcpu_create_fd(struct mvm_vm *vm, u32 id);
void mvm_vcpu_destroy(struct mvm_vcpu *vcpu);

int mvm_gpt_init(struct mvm_gpt *gpt);
void mvm_gpt_free(struct mvm_gpt *gpt);
int mvm_gpt_map(struct mvm_gpt *gpt, u64 gpa, struct page **pages,
		unsigned long npages, unsigned int prot);
void mvm_gpt_unmap(struct mvm_gpt *gpt, u64 gpa, unsigned long npages);

int mvm_fpu_setup(void);
int mvm_fpu_vcpu_init(struct mvm_vcpu *vcpu);
void mvm_fpu_vcpu_free(struct mvm_vcpu *vcpu);
void mvm_xcr0_load_guest(struct mvm_vcpu *vcpu);
void mvm_xcr0_load_host(struct mvm_vcpu *vcpu);
long mvm_vcpu_get_xsave(struct mvm_vcpu *vcpu, void __user *uaddr);
long mvm_vcpu_set_xsave(struct mvm_vcpu *vcpu, const void __user *uaddr);

/*
 * SET_SREGS: 0, or -EINVAL for a state no x86 CPU can be in (sregs.c).
 * Checked before ops->set_sregs(), which adds its hardware's own checks.
 */
int mvm_sregs_validate(const struct minivmm_sregs *s);
/*
 * The CR4 and EFER bits a guest may set, for SET_SREGS and for the
 * backends' paths of the guest's own CR4 and EFER writes (sregs.c).
 */
u64 mvm_cr4_valid(void);
u64 mvm_efer_valid(void);

void mvm_msr_vcpu_init(struct mvm_vcpu *vcpu);
long mvm_vcpu_get_msrs(struct mvm_vcpu *vcpu, void __user *uaddr);
long mvm_vcpu_set_msrs(struct mvm_vcpu *vcpu, void __user *uaddr);
long mvm_vcpu_set_cpuid(struct mvm_vcpu *vcpu, void __user *uaddr);

#endif /* MVM_H */
