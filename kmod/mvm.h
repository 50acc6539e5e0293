/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the minivmm core and the two hardware backends (vmx*.c, svm*.c)
 * share.
 *
 * The core owns every architectural decision: the fds and memory, the
 * guest-physical page table (gpt.c, with PTE bits from the backend), the
 * run loop and the entry sequence (run.c), which event an entry delivers
 * and how exceptions combine (event.c, x86.c), the handling of every exit
 * that means the same on both CPUs (exit.c, with cpuid.c, msr.c, io.c,
 * mmio.c), register-state rules (sregs.c) and the MP state (mp.c).
 *
 * A backend only translates: it loads the core's register copy and the
 * chosen event into its VMCS/VMCB, enters the hardware, and turns the exit
 * into a struct mvm_exit.  Its ops table (struct mvm_backend_ops) is the
 * whole contract.
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
#include <linux/static_call.h>
#include <asm/fpu/types.h>
#include "../include/minivmm.h"
#include "x86_types.h"

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

/* Register values at RESET (SDM vol. 3A, table 10-1). */
#define MVM_DR6_RESET		0xffff0ff0ull
#define MVM_DR7_RESET		0x400ull
#define MVM_APIC_BASE_RESET	(0xfee00000ull | BIT_ULL(11))
/* DR6.BS: the #DB is a single-step trap. */
#define MVM_DR6_BS		BIT_ULL(14)

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
	/* 1 + the highest slot id in use: lookups scan no further. */
	unsigned int slots_end;
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
/* INIT and SIPI change the vCPU's whole state: mvm_vcpu_mp_prepare(). */
#define MVM_REQ_MP_MASK		(BIT(MVM_REQ_INIT) | BIT(MVM_REQ_SIPI))

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

/*
 * An event for the guest: what an entry delivers, or the one whose
 * delivery an exit interrupted.
 */
enum mvm_event_type {
	MVM_EVENT_NONE,
	MVM_EVENT_EXT,			/* external interrupt, acknowledged */
	MVM_EVENT_NMI,
	MVM_EVENT_EXC,			/* hardware exception */
	/*
	 * INT n, INT3, INTO, INT1: never delivered again, as rip still
	 * points at the instruction, which runs again.
	 */
	MVM_EVENT_SOFT,
};

struct mvm_event {
	u8 type;			/* enum mvm_event_type */
	u8 vector;
	bool has_error;			/* push @error (protected mode only) */
	u32 error;
};

/* Interrupt shadows (vcpu->shadow): no interrupt before the next insn. */
#define MVM_SHADOW_STI		BIT(0)
#define MVM_SHADOW_MOV_SS	BIT(1)

/* What the core asks of one entry (ops->enter). */
struct mvm_entry {
	struct mvm_event event;		/* type NONE: nothing to deliver */
	bool irq_window;		/* exit once an interrupt could go in */
	bool nmi_window;		/* exit once an NMI could go in */
};

/* Why the guest exited, as the core sees it (ops->exit_decode). */
enum mvm_exit_reason {
	MVM_EXIT_NONE,			/* nothing for the core: enter again */
	MVM_EXIT_CPUID,
	MVM_EXIT_HLT,
	MVM_EXIT_RDMSR,
	MVM_EXIT_WRMSR,
	MVM_EXIT_XSETBV,
	MVM_EXIT_NOP,			/* INVD, WBINVD: nothing to do */
	MVM_EXIT_UD,			/* an instruction the guest lacks */
	MVM_EXIT_RDPMC,			/* no PMU: #GP */
	MVM_EXIT_CR,			/* cr */
	MVM_EXIT_DR,			/* dr */
	MVM_EXIT_IO,			/* io */
	MVM_EXIT_NPF,			/* npf: EPT violation, nested #PF */
	MVM_EXIT_EXCEPTION,		/* exc: an intercepted guest exception */
	MVM_EXIT_IRQ_WINDOW,		/* an interrupt could go in now */
	MVM_EXIT_SHUTDOWN,		/* triple fault */
	MVM_EXIT_FAIL_ENTRY,		/* fail_reason */
	MVM_EXIT_INTERNAL,		/* internal_suberror, hw */
};

/* How a control register was accessed (exit->cr.access). */
enum mvm_cr_access {
	MVM_CR_WRITE,			/* MOV to CR */
	MVM_CR_READ,			/* MOV from CR */
	MVM_CR_CLTS,
	MVM_CR_LMSW,
};

struct mvm_exit {
	enum mvm_exit_reason reason;
	/* Instruction exits (CPUID ... DR): the rip after the instruction. */
	u64 next_rip;
	union {
		struct mvm_io io;
		struct {
			u64 gpa;
			bool write;
			bool not_present;	/* no access allowed at all */
			/*
			 * During the guest's own page walk, a reserved bit,
			 * or a read of a mapped page: not an MMIO access.
			 */
			bool not_mmio;
		} npf;
		struct {
			u8 cr;
			u8 gpr;			/* MVM_CR_WRITE/READ */
			u8 access;		/* enum mvm_cr_access */
			bool mode64;		/* 64-bit operand */
			u16 lmsw;		/* MVM_CR_LMSW: the source */
		} cr;
		struct {
			u8 dr;
			u8 gpr;
			bool write;
			bool mode64;
		} dr;
		struct {
			u8 vector;
			bool has_error;
			u32 error;
			u64 dr6;		/* #DB: DR6 after it, or 0 */
			/* A trap of the instruction: rip to next_rip first. */
			bool after_insn;
		} exc;
		u32 internal_suberror;	/* MINIVMM_INTERNAL_ERROR_* */
		u64 fail_reason;
	};
	/* The exit in the hardware's words, for INTERNAL_ERROR reports. */
	u64 hw[4];
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
	u64 spec_ctrl;			/* loaded while the guest runs (spec.c) */
	u64 tsc_adjust;			/* MSR_IA32_TSC_ADJUST */
	u64 hwcr;			/* AMD MSR_K7_HWCR */
	u64 tsc_aux;			/* MSR_TSC_AUX, for the backends */
};

/*
 * SPEC_CTRL around one run: spec.c fills it before each entry, the
 * backend's entry code (GUEST_SPEC_CTRL_LOAD/_PUT) writes the MSR as told.
 * The offsets are the entry code's (entry_gprs.inc).
 */
struct mvm_spec_ctrl_switch {
	u64 guest;			/* the guest's value */
	u64 host;			/* this CPU's value for the kernel */
	u8 load_guest;			/* write guest before entry */
	u8 load_host;			/* write host after the exit */
};

/* Per-vCPU state of spec.c. */
struct mvm_spec_vcpu {
	struct mvm_spec_ctrl_switch sc;
	u64 id;				/* never reused: last vCPU on a CPU */
	bool l1d_flush;			/* host work since the last flush */
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

	struct mvm_spec_vcpu spec;	/* spec.c */

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

	/*
	 * Events (event.c).  @exception is queued by the core for the next
	 * entry; @interrupted is the event whose delivery the last exit
	 * interrupted (ops->exit_decode), delivered again, or the NMI or
	 * interrupt an exception during its delivery pushed back.
	 */
	struct mvm_event exception;
	struct mvm_event interrupted;
	bool triple_fault;		/* report SHUTDOWN before entering */
	u8 shadow;			/* MVM_SHADOW_*, exit_decode/enter */

	/* Guest DR0-3, DR6, DR7 where the backend intercepts MOV DR. */
	u64 dr[4];
	u64 dr6, dr7;
	/* SET/GET_SREGS' apic_base without an in-kernel LAPIC. */
	u64 apic_base;
	/* The guest's PKRU, switched around each entry (run.c). */
	u32 pkru;
	u32 host_pkru;

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
 * (svm.c).  A backend translates between the core and its hardware and
 * makes no architectural decision.  All vcpu ops but vcpu_create and
 * vcpu_free run between vcpu_load() and vcpu_put(), preemption enabled
 * unless noted.
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
	 * One entry, called by the core with preemption and interrupts off,
	 * requests processed, guest FPU, XCR0 and PKRU loaded: load
	 * vcpu->gprs, rip, rflags, shadow and @entry (the event, the
	 * windows) into the hardware, enter the guest, and return after the
	 * exit with interrupts still off.  Host state the hardware does not
	 * restore is the backend's to put back.
	 */
	void (*enter)(struct mvm_vcpu *vcpu, const struct mvm_entry *entry);
	/*
	 * After enter(), interrupts on: store the guest's gprs, rip, rflags
	 * and shadow into the core's copy and the event whose delivery the
	 * exit interrupted into vcpu->interrupted (type NONE if none), and
	 * describe the exit in @exit (zeroed by the core).  A failed entry
	 * is MVM_EXIT_FAIL_ENTRY.
	 */
	void (*exit_decode)(struct mvm_vcpu *vcpu, struct mvm_exit *exit);
	/* Whether the guest is inside an NMI handler (NMIs blocked). */
	bool (*nmi_blocked)(struct mvm_vcpu *vcpu);
	/*
	 * INIT: forget the backend's own event state (NMI blocking, open
	 * windows); the core resets its events and loads the registers.
	 */
	void (*events_reset)(struct mvm_vcpu *vcpu);

	int (*get_sregs)(struct mvm_vcpu *vcpu, struct minivmm_sregs *sregs);
	/*
	 * Load a state mvm_sregs_validate() accepted; -EINVAL only for a
	 * limit of the hardware, and then nothing may have changed.  With
	 * an in-kernel LAPIC, cr8 and apic_base are the LAPIC's (the core
	 * applies them once this op has succeeded).
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
	 * The guest's CR0, CR3, CR4 or (without an in-kernel LAPIC) CR8,
	 * and a write of one the core checked: 0, -EAGAIN with
	 * vcpu->fault_gpa set (RAM the new state reads is not pinned; nothing
	 * changed), or -EINVAL for a value the hardware cannot run.
	 */
	u64 (*get_cr)(struct mvm_vcpu *vcpu, unsigned int cr);
	int (*set_cr)(struct mvm_vcpu *vcpu, unsigned int cr, u64 val);

	/* MSRs on the core's allow-list that live in VMCS/VMCB or arch. */
	int (*get_msr)(struct mvm_vcpu *vcpu, u32 index, u64 *data);
	int (*set_msr)(struct mvm_vcpu *vcpu, u32 index, u64 data);

	/*
	 * Guest-physical entries were removed (MVM_REQ_TLB_FLUSH): make sure
	 * the next entry on this CPU uses no translation cached from the
	 * guest-physical table.  Interrupts off, the vCPU loaded.
	 */
	void (*flush_tlb)(struct mvm_vcpu *vcpu);
};

extern const struct mvm_backend_ops *mvm_ops;

/*
 * The ops a RUN or an exit calls are static calls, patched into direct
 * calls once the backend is chosen (mvm_static_calls_update(), as KVM
 * does with kvm_x86_ops): the exit path takes no retpoline and reads no
 * ops table.  mvm_call(op)(args) calls one; other ops go through mvm_ops.
 */
DECLARE_STATIC_CALL(mvm_op_vcpu_load, *mvm_ops->vcpu_load);
DECLARE_STATIC_CALL(mvm_op_vcpu_put, *mvm_ops->vcpu_put);
DECLARE_STATIC_CALL(mvm_op_enter, *mvm_ops->enter);
DECLARE_STATIC_CALL(mvm_op_exit_decode, *mvm_ops->exit_decode);
DECLARE_STATIC_CALL(mvm_op_nmi_blocked, *mvm_ops->nmi_blocked);
DECLARE_STATIC_CALL(mvm_op_get_paging, *mvm_ops->get_paging);
DECLARE_STATIC_CALL(mvm_op_get_cr, *mvm_ops->get_cr);
DECLARE_STATIC_CALL(mvm_op_flush_tlb, *mvm_ops->flush_tlb);
#define mvm_call(op)	static_call(mvm_op_##op)

extern const struct mvm_backend_ops mvm_vmx_ops;
extern const struct mvm_backend_ops mvm_svm_ops;

/* ---- core services (cpuid.c, msr.c, io.c, mmio.c, irq.c, mp.c) ---- */

/*
 * Speculative-execution hygiene (spec.c).  setup/unsetup at module load
 * and unload; vcpu_load from every vCPU load (IBPB between vCPUs);
 * enter/exit around the backend's enter op with interrupts off;
 * l1d_taint where the host touched guest data on the guest's behalf.
 */
int mvm_spec_setup(void);
void mvm_spec_unsetup(void);
void mvm_spec_vcpu_init(struct mvm_vcpu *vcpu);
void mvm_spec_vcpu_load(struct mvm_vcpu *vcpu, int cpu);
void mvm_spec_l1d_taint(struct mvm_vcpu *vcpu);
void mvm_spec_enter(struct mvm_vcpu *vcpu);
void mvm_spec_exit(struct mvm_vcpu *vcpu);

/*
 * Make @vcpu leave guest mode and see its requests: an IPI, waited for,
 * to the CPU it runs on when it is in guest mode.  Needs interrupts
 * enabled; may be called with preemption disabled.
 */
void mvm_vcpu_kick(struct mvm_vcpu *vcpu);

/*
 * The guest FPU: the core swaps it in at the start of MINIVMM_RUN and out
 * at its end (as KVM does); idempotent.  Interrupts on.
 */
void mvm_fpu_load(struct mvm_vcpu *vcpu);
void mvm_fpu_put(struct mvm_vcpu *vcpu);

/* Guest XSETBV: 0, or -EPERM meaning "inject #GP". */
int mvm_xsetbv(struct mvm_vcpu *vcpu, u32 index, u64 value);

/* CPUID from the userspace table into gprs[RAX..RDX]. */
void mvm_cpuid_emulate(struct mvm_vcpu *vcpu);
/* The table's entry for a leaf and subleaf, or NULL (reads as zeros). */
const struct minivmm_cpuid_entry *
mvm_cpuid_find(const struct mvm_vcpu *vcpu, u32 function, u32 index);

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
 * A guest access to @gpa that no writable slot backs.  Decodes the
 * instruction at rip, fills run->mmio (a write carries the data),
 * advances rip past it on completion.  Returns MVM_USER, or MVM_USER
 * with an INTERNAL_ERROR exit for an instruction it cannot decode.
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
 * Interrupt sources (irq.c): the highest interrupt due (the LAPIC's, above
 * its PPR, or the one userspace queued with MINIVMM_INTERRUPT) or -1, and
 * its acknowledgment (IRR to ISR); pending NMIs likewise.
 */
int mvm_irq_peek(struct mvm_vcpu *vcpu);
void mvm_irq_ack(struct mvm_vcpu *vcpu, u8 vector);
bool mvm_nmi_peek(struct mvm_vcpu *vcpu);
void mvm_nmi_ack(struct mvm_vcpu *vcpu);

/*
 * The guest's TPR as CR8 (bits 3:0).  With an in-kernel LAPIC the LAPIC's
 * TPR is the truth: backends load their CR8/V_TPR copy from
 * mvm_irq_get_cr8() before entry and report guest changes made without
 * an exit (V_TPR, the TPR shadow) with mvm_irq_set_cr8().  Without one
 * the backend's copy is the truth (ops->get_cr(8)).
 */
u8 mvm_irq_get_cr8(struct mvm_vcpu *vcpu);
void mvm_irq_set_cr8(struct mvm_vcpu *vcpu, u8 cr8);

/*
 * Something for @vcpu changed (IRR, NMI, INIT, SIPI, a request bit):
 * wake it if it sleeps in HLT or wait-for-SIPI, kick it out of guest mode
 * if it runs.  Any context, including hardirq (hrtimer callbacks) and
 * with spinlocks held; never sleeps.
 */
void mvm_vcpu_wake(struct mvm_vcpu *vcpu);

/* ---- core internals ---- */

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
		unsigned long npages, unsigned int prot,
		struct list_head *freed);
void mvm_gpt_unmap(struct mvm_gpt *gpt, u64 gpa, unsigned long npages,
		   struct list_head *freed);
void mvm_gpt_free_tables(struct list_head *freed);

int mvm_fpu_setup(void);
int mvm_fpu_vcpu_init(struct mvm_vcpu *vcpu);
void mvm_fpu_vcpu_free(struct mvm_vcpu *vcpu);
void mvm_xcr0_load_guest(struct mvm_vcpu *vcpu);
void mvm_xcr0_load_host(struct mvm_vcpu *vcpu);
long mvm_vcpu_get_xsave(struct mvm_vcpu *vcpu, void __user *uaddr);
long mvm_vcpu_set_xsave(struct mvm_vcpu *vcpu, const void __user *uaddr);

/*
 * SET_SREGS: 0, or -EINVAL for a state no x86 CPU can be in (sregs.c).
 * Checked before ops->set_sregs(), which only translates.
 */
int mvm_sregs_validate(const struct minivmm_sregs *s);
/*
 * The guest's own MOV to CR0/CR4 (and CLTS, LMSW): 0, or -EINVAL where
 * the CPU raises #GP, given the state before the write (sregs.c).
 */
int mvm_cr_write_check(const struct mvm_paging *pg, unsigned int cr, u64 val);
/* The CR4 and EFER bits a guest may set, for SET_SREGS and guest writes. */
u64 mvm_cr4_valid(void);
u64 mvm_efer_valid(void);
bool mvm_apic_base_valid(u64 apic_base);

/* vcpu.c: make the vCPU current on this CPU, and stop. */
void mvm_vcpu_load(struct mvm_vcpu *vcpu);
void mvm_vcpu_put(struct mvm_vcpu *vcpu);

/* run.c: MINIVMM_RUN. */
long mvm_vcpu_run(struct mvm_vcpu *vcpu);

/*
 * event.c: queue #@vector for the next entry, combined with an exception
 * whose delivery the exit interrupted as the CPU would (x86.c).
 */
void mvm_queue_exception(struct mvm_vcpu *vcpu, u8 vector, u32 error);
void mvm_insn_complete(struct mvm_vcpu *vcpu, u64 next_rip);
/* Choose what the next entry delivers and which windows it opens. */
void mvm_events_choose(struct mvm_vcpu *vcpu, struct mvm_entry *entry);
/* Whether an external interrupt could be delivered at the next entry. */
bool mvm_interrupt_allowed(struct mvm_vcpu *vcpu);
/* INIT: nothing queued, nothing interrupted, no shadow. */
void mvm_events_reset(struct mvm_vcpu *vcpu);

/* exit.c: the exits that mean the same on both CPUs. */
int mvm_exit_handle(struct mvm_vcpu *vcpu, const struct mvm_exit *exit);
/* Fill run with an INTERNAL_ERROR exit. */
void mvm_exit_internal_error(struct mvm_vcpu *vcpu, u32 suberror,
			     const u64 *data, u32 ndata);

/*
 * mp.c.  HLT, after the instruction completed: without an irqchip a
 * MINIVMM_EXIT_HLT (MVM_USER); with one the vCPU is marked halted and
 * the run loop sleeps in mvm_vcpu_mp_prepare() until an interrupt is due.
 */
int mvm_vcpu_halt(struct mvm_vcpu *vcpu);
/*
 * Before each entry with an irqchip (preemption on): INIT and SIPI,
 * and the sleeps.  0 to enter, -EINTR for a signal, or an error.
 */
int mvm_vcpu_mp_prepare(struct mvm_vcpu *vcpu);

void mvm_msr_vcpu_init(struct mvm_vcpu *vcpu);
long mvm_vcpu_get_msrs(struct mvm_vcpu *vcpu, void __user *uaddr);
long mvm_vcpu_set_msrs(struct mvm_vcpu *vcpu, void __user *uaddr);
long mvm_vcpu_set_cpuid(struct mvm_vcpu *vcpu, void __user *uaddr);

#endif /* MVM_H */
