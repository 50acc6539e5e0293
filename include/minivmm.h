/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * minivmm.h - the userspace ABI of /dev/minivmm.
 *
 * This header is self-contained: it builds in the kernel, in C11 and in
 * C++11 (and later) without any other minivmm file.  Copy it into your VMM.
 *
 * Rules that keep it stable:
 *  - every structure has explicit sizes and explicit padding; the size of
 *    each one is checked at compile time at the bottom of this file;
 *  - padding and reserved fields must be zero and unknown flag bits must be
 *    clear, otherwise the ioctl fails with EINVAL, so they can be given a
 *    meaning later without breaking old binaries;
 *  - new features are announced by capabilities (MINIVMM_CHECK_CAP), never
 *    by bumping MINIVMM_API_VERSION, which changes only if an incompatible
 *    change is ever made.
 *
 * docs/api.md describes every ioctl, field and error.
 */
#ifndef MINIVMM_H
#define MINIVMM_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/ioctl.h>
typedef __u8 mvm_u8;
typedef __u16 mvm_u16;
typedef __u32 mvm_u32;
typedef __u64 mvm_u64;
#else
#include <stdint.h>
#include <sys/ioctl.h>
typedef uint8_t mvm_u8;
typedef uint16_t mvm_u16;
typedef uint32_t mvm_u32;
typedef uint64_t mvm_u64;
#endif

#define MINIVMM_API_VERSION	1

/* The ioctl type byte; 0xB2 is unassigned in ioctl-number.rst. */
#define MINIVMM_IO		0xB2

/* ------------------------------------------------------------------ */
/* Capabilities (argument of MINIVMM_CHECK_CAP on the system or VM fd). */

#define MINIVMM_CAP_BACKEND		0	/* MINIVMM_BACKEND_* in use */
#define MINIVMM_CAP_MAX_VCPUS		1	/* vCPUs per VM */
#define MINIVMM_CAP_MAX_MEM_SLOTS	2	/* memory slots per VM */
#define MINIVMM_CAP_READONLY_MEM	3	/* MINIVMM_MEM_READONLY works */
#define MINIVMM_CAP_UNRESTRICTED_GUEST	4	/* real mode / no paging runs */
#define MINIVMM_CAP_MAX_CPUID_ENTRIES	5	/* entries in SET_CPUID */
#define MINIVMM_CAP_MAX_MSR_ENTRIES	6	/* entries in GET/SET_MSRS */
#define MINIVMM_CAP_XSAVE_SIZE		7	/* bytes used in minivmm_xsave */
#define MINIVMM_CAP_IMMEDIATE_EXIT	8	/* run->immediate_exit works */
#define MINIVMM_CAP_IRQ_WINDOW		9	/* interrupt window exits */
#define MINIVMM_CAP_IRQCHIP		10	/* MINIVMM_CREATE_IRQCHIP works */
#define MINIVMM_CAP_IOAPIC_PINS		11	/* pins (GSIs) of the IOAPIC */
#define MINIVMM_CAP_TSC_KHZ		12	/* guest TSC frequency, kHz */
#define MINIVMM_CAP_APIC_BUS_KHZ	13	/* LAPIC timer input clock, kHz */
#define MINIVMM_CAP_MP_STATE		14	/* GET/SET_MP_STATE work */
#define MINIVMM_CAP_IOPORT_RANGE	15	/* SET_IOPORT_RANGE works */

#define MINIVMM_BACKEND_VMX		1	/* Intel VT-x with EPT */
#define MINIVMM_BACKEND_SVM		2	/* AMD-V with NPT */

/* ------------------------------------------------------------------ */
/* System ioctls: /dev/minivmm */

/* Returns MINIVMM_API_VERSION. */
#define MINIVMM_GET_API_VERSION	_IO(MINIVMM_IO, 0x00)

struct minivmm_create_vm {
	mvm_u32 flags;			/* none defined: must be 0 */
	mvm_u32 pad;			/* must be 0 */
};

/* Returns a new VM fd (O_CLOEXEC). */
#define MINIVMM_CREATE_VM	_IOW(MINIVMM_IO, 0x01, struct minivmm_create_vm)

/*
 * The argument is a MINIVMM_CAP_* number (not a pointer).  Returns 0 when
 * the capability is absent, otherwise a positive value whose meaning is
 * given next to the capability.  Valid on the system and on VM fds.
 */
#define MINIVMM_CHECK_CAP	_IO(MINIVMM_IO, 0x02)

/* Returns the size in bytes of the mapping of a vCPU fd. */
#define MINIVMM_GET_VCPU_MMAP_SIZE _IO(MINIVMM_IO, 0x03)

/* ------------------------------------------------------------------ */
/* VM ioctls */

#define MINIVMM_MEM_READONLY	(1u << 0)	/* writes give MMIO exits */

/*
 * Creates, changes or (with memory_size == 0) deletes memory slot `slot`.
 * guest_phys_addr, memory_size and userspace_addr must be page aligned;
 * slots may not overlap; the userspace range must be mapped in the caller.
 */
struct minivmm_memory_region {
	mvm_u32 slot;
	mvm_u32 flags;			/* MINIVMM_MEM_* */
	mvm_u64 guest_phys_addr;
	mvm_u64 memory_size;
	mvm_u64 userspace_addr;
};

#define MINIVMM_SET_MEMORY_REGION \
	_IOW(MINIVMM_IO, 0x10, struct minivmm_memory_region)

struct minivmm_create_vcpu {
	mvm_u32 id;			/* 0 .. MAX_VCPUS-1, unique per VM */
	mvm_u32 flags;			/* none defined: must be 0 */
};

/* Returns a new vCPU fd (O_CLOEXEC). */
#define MINIVMM_CREATE_VCPU	_IOW(MINIVMM_IO, 0x11, struct minivmm_create_vcpu)

/*
 * Puts the interrupt controllers in the kernel: a local APIC per vCPU
 * (xAPIC page at MINIVMM_APIC_DEFAULT_BASE, x2APIC MSRs, timer with
 * one-shot, periodic and TSC-deadline modes) and one IOAPIC with
 * MINIVMM_CAP_IOAPIC_PINS pins at MINIVMM_IOAPIC_BASE.  Call it once,
 * before the first MINIVMM_CREATE_VCPU (EBUSY otherwise, EEXIST twice).
 *
 * With it: HLT never exits to userspace (the vCPU sleeps in the kernel
 * until an interrupt is due), MINIVMM_INTERRUPT fails with ENXIO, device
 * interrupts come in with MINIVMM_IRQ_LINE or MINIVMM_SIGNAL_MSI, and
 * vCPUs other than id 0 start in MINIVMM_MP_STATE_INIT_RECEIVED: their
 * MINIVMM_RUN waits (interruptibly) until an INIT/SIPI from another vCPU
 * starts them in real mode at the SIPI vector, as on hardware.
 */
struct minivmm_create_irqchip {
	mvm_u32 flags;			/* none defined: must be 0 */
	mvm_u32 pad;			/* must be 0 */
};

#define MINIVMM_CREATE_IRQCHIP \
	_IOW(MINIVMM_IO, 0x12, struct minivmm_create_irqchip)

#define MINIVMM_APIC_DEFAULT_BASE	0xfee00000ull
#define MINIVMM_IOAPIC_BASE		0xfec00000ull

/*
 * Drives IOAPIC input `gsi` to `level` (0 or 1).  An edge-triggered pin
 * fires on 0 -> 1; a level-triggered pin fires while 1 and again after
 * the guest's EOI if still 1.  ENXIO without an irqchip, EINVAL for a
 * gsi or level out of range.
 */
struct minivmm_irq_line {
	mvm_u32 gsi;
	mvm_u32 level;
};

#define MINIVMM_IRQ_LINE	_IOW(MINIVMM_IO, 0x13, struct minivmm_irq_line)

/*
 * Delivers a message-signalled interrupt: the write of `data` to `address`
 * as a PCI device would do it (address 0xfeeXXXXX: destination in bits
 * 19:12, destination mode in bit 2; data: vector in bits 7:0, delivery
 * mode in bits 10:8, trigger mode in bit 15).  Returns the number of
 * vCPUs it reached (0: none matched), ENXIO without an irqchip, EINVAL
 * for an address outside 0xfee00000-0xfeefffff or non-zero flags/pad.
 */
struct minivmm_msi {
	mvm_u64 address;
	mvm_u32 data;
	mvm_u32 flags;			/* none defined: must be 0 */
	mvm_u64 pad;			/* must be 0 */
};

#define MINIVMM_SIGNAL_MSI	_IOW(MINIVMM_IO, 0x14, struct minivmm_msi)

/* The ports have no device: handled in the kernel, no exit. */
#define MINIVMM_IOPORT_NODEV	(1u << 0)

/*
 * Sets the attributes of ports base .. base + len - 1 to `flags`.  By
 * default (flags 0) every port access exits to userspace.  With
 * MINIVMM_IOPORT_NODEV the kernel answers IN/INB/INW/INL from these ports
 * with all ones and drops OUT, without an exit, as an ISA/PCI bus does
 * for an address nobody decodes (PCI configuration probing through
 * 0xcf8/0xcfc, for instance, then costs no round trip).  The port an
 * access starts at decides: an INL from 0xcfc is answered when 0xcfc has
 * the flag, whatever 0xcfd-0xcff have.  The string forms (INS/OUTS)
 * always exit.  Valid at any time; a vCPU sees the change from its next
 * port access on.  EINVAL: len == 0, base + len > 0x10000, unknown flags
 * or pad != 0.
 */
struct minivmm_ioport_range {
	mvm_u32 base;			/* first port */
	mvm_u32 len;			/* number of ports, >= 1 */
	mvm_u32 flags;			/* MINIVMM_IOPORT_* */
	mvm_u32 pad;			/* must be 0 */
};

#define MINIVMM_SET_IOPORT_RANGE \
	_IOW(MINIVMM_IO, 0x15, struct minivmm_ioport_range)

/* ------------------------------------------------------------------ */
/* vCPU ioctls */

/* Runs the vCPU until an exit userspace must handle; see run->exit_reason. */
#define MINIVMM_RUN		_IO(MINIVMM_IO, 0x80)

struct minivmm_regs {
	mvm_u64 rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	mvm_u64 r8, r9, r10, r11, r12, r13, r14, r15;
	mvm_u64 rip, rflags;
};

#define MINIVMM_GET_REGS	_IOR(MINIVMM_IO, 0x81, struct minivmm_regs)
#define MINIVMM_SET_REGS	_IOW(MINIVMM_IO, 0x82, struct minivmm_regs)

/* A segment register with its hidden (descriptor cache) part. */
struct minivmm_segment {
	mvm_u64 base;
	mvm_u32 limit;			/* byte granular: scaled if g = 1 */
	mvm_u16 selector;
	mvm_u8 type;			/* descriptor type field, 4 bits */
	mvm_u8 present, dpl, db, s, l, g, avl;
	mvm_u8 unusable;		/* VT-x "unusable"; null segment */
	mvm_u8 pad;			/* must be 0 */
};

struct minivmm_dtable {
	mvm_u64 base;
	mvm_u16 limit;
	mvm_u16 pad[3];			/* must be 0 */
};

struct minivmm_sregs {
	struct minivmm_segment cs, ds, es, fs, gs, ss;
	struct minivmm_segment tr, ldt;
	struct minivmm_dtable gdt, idt;
	mvm_u64 cr0, cr2, cr3, cr4, cr8;
	mvm_u64 efer;
	mvm_u64 apic_base;
	mvm_u64 reserved[4];		/* must be 0 */
};

#define MINIVMM_GET_SREGS	_IOR(MINIVMM_IO, 0x83, struct minivmm_sregs)
#define MINIVMM_SET_SREGS	_IOW(MINIVMM_IO, 0x84, struct minivmm_sregs)

struct minivmm_msr_entry {
	mvm_u32 index;
	mvm_u32 reserved;		/* must be 0 */
	mvm_u64 data;
};

/*
 * GET_MSRS/SET_MSRS process entries in order and return how many were
 * processed; an MSR the vCPU does not virtualize stops the list there.
 */
struct minivmm_msrs {
	mvm_u32 nmsrs;			/* <= MINIVMM_CAP_MAX_MSR_ENTRIES */
	mvm_u32 pad;			/* must be 0 */
	struct minivmm_msr_entry entries[];
};

#define MINIVMM_GET_MSRS	_IOWR(MINIVMM_IO, 0x85, struct minivmm_msrs)
#define MINIVMM_SET_MSRS	_IOW(MINIVMM_IO, 0x86, struct minivmm_msrs)

/* ecx (index) is compared only when this flag is set. */
#define MINIVMM_CPUID_SIGNIFICANT_INDEX	(1u << 0)

struct minivmm_cpuid_entry {
	mvm_u32 function;		/* eax on input */
	mvm_u32 index;			/* ecx on input */
	mvm_u32 flags;			/* MINIVMM_CPUID_* */
	mvm_u32 eax, ebx, ecx, edx;
	mvm_u32 pad;			/* must be 0 */
};

/* Replaces the whole table.  A leaf not in the table reads as zeros. */
struct minivmm_cpuid {
	mvm_u32 nent;			/* <= MINIVMM_CAP_MAX_CPUID_ENTRIES */
	mvm_u32 pad;			/* must be 0 */
	struct minivmm_cpuid_entry entries[];
};

#define MINIVMM_SET_CPUID	_IOW(MINIVMM_IO, 0x87, struct minivmm_cpuid)

/*
 * FPU/SSE/AVX state in the standard (non-compacted) XSAVE layout: the
 * 512-byte legacy area, the 64-byte header, then the extended components
 * at their CPUID-enumerated offsets.  MINIVMM_CAP_XSAVE_SIZE bytes are used.
 */
struct minivmm_xsave {
	mvm_u32 region[1024];
};

#define MINIVMM_GET_XSAVE	_IOR(MINIVMM_IO, 0x88, struct minivmm_xsave)
#define MINIVMM_SET_XSAVE	_IOW(MINIVMM_IO, 0x89, struct minivmm_xsave)

/*
 * Queues an external interrupt with vector `vector` (32..255).  It is
 * delivered at the next entry where the guest can take it; EBUSY if one
 * is already queued.  Use run->request_interrupt_window to learn when.
 */
struct minivmm_interrupt {
	mvm_u32 vector;
	mvm_u32 pad;			/* must be 0 */
};

#define MINIVMM_INTERRUPT	_IOW(MINIVMM_IO, 0x8a, struct minivmm_interrupt)

/*
 * The vCPU's activity state (meaningful with an in-kernel irqchip; ENXIO
 * without one).  SET accepts RUNNABLE and INIT_RECEIVED (EINVAL else).
 */
#define MINIVMM_MP_STATE_RUNNABLE	0
#define MINIVMM_MP_STATE_INIT_RECEIVED	1	/* waits for a SIPI */
#define MINIVMM_MP_STATE_HALTED		2	/* HLT, waits for an interrupt */

struct minivmm_mp_state {
	mvm_u32 mp_state;		/* MINIVMM_MP_STATE_* */
	mvm_u32 pad;			/* must be 0 */
};

#define MINIVMM_GET_MP_STATE	_IOR(MINIVMM_IO, 0x8b, struct minivmm_mp_state)
#define MINIVMM_SET_MP_STATE	_IOW(MINIVMM_IO, 0x8c, struct minivmm_mp_state)

/* ------------------------------------------------------------------ */
/* The run structure: offset 0 of the vCPU mapping. */

#define MINIVMM_EXIT_UNKNOWN		0
#define MINIVMM_EXIT_IO			1
#define MINIVMM_EXIT_MMIO		2
#define MINIVMM_EXIT_HLT		3
#define MINIVMM_EXIT_SHUTDOWN		4	/* triple fault */
#define MINIVMM_EXIT_FAIL_ENTRY		5
#define MINIVMM_EXIT_INTERNAL_ERROR	6
#define MINIVMM_EXIT_INTR		7	/* a signal; RUN gave EINTR */
#define MINIVMM_EXIT_IRQ_WINDOW_OPEN	8

#define MINIVMM_IO_IN			0
#define MINIVMM_IO_OUT			1

/* Sub-errors of MINIVMM_EXIT_INTERNAL_ERROR */
#define MINIVMM_INTERNAL_ERROR_EMULATION	1	/* data: insn bytes */
#define MINIVMM_INTERNAL_ERROR_UNHANDLED_EXIT	2	/* data[0]: hw reason */
#define MINIVMM_INTERNAL_ERROR_DELIVERY_EV	3	/* exit while delivering */

struct minivmm_run {
	/* In: set by userspace before MINIVMM_RUN. */
	mvm_u8 request_interrupt_window;
	mvm_u8 immediate_exit;
	mvm_u8 pad0[6];			/* must be 0 */

	/* Out: set by the kernel. */
	mvm_u32 exit_reason;		/* MINIVMM_EXIT_* */
	mvm_u8 ready_for_interrupt_injection;
	mvm_u8 if_flag;			/* guest RFLAGS.IF */
	mvm_u16 pad1;
	mvm_u64 cr8;
	mvm_u64 reserved[4];

	union {
		/* MINIVMM_EXIT_IO: data is at data_offset in the mapping. */
		struct {
			mvm_u8 direction;	/* MINIVMM_IO_IN/OUT */
			mvm_u8 size;		/* 1, 2 or 4 */
			mvm_u16 port;
			mvm_u32 count;		/* > 1 for rep ins/outs */
			mvm_u64 data_offset;
		} io;
		/*
		 * MINIVMM_EXIT_MMIO: on a write, data holds len bytes; on a
		 * read, userspace fills data before the next MINIVMM_RUN.
		 */
		struct {
			mvm_u64 phys_addr;
			mvm_u8 data[8];
			mvm_u32 len;		/* 1, 2, 4 or 8 */
			mvm_u8 is_write;
			mvm_u8 pad[3];
		} mmio;
		/* MINIVMM_EXIT_FAIL_ENTRY */
		struct {
			mvm_u64 hardware_entry_failure_reason;
			mvm_u32 cpu;
			mvm_u32 pad;
		} fail_entry;
		/* MINIVMM_EXIT_INTERNAL_ERROR */
		struct {
			mvm_u32 suberror;
			mvm_u32 ndata;		/* valid entries of data[] */
			mvm_u64 data[16];
		} internal;
		/* room to grow without changing the size of the structure */
		mvm_u8 padding[256];
	};
};

#ifdef __cplusplus
#define MINIVMM_STATIC_ASSERT(e, m) static_assert(e, m)
#else
#define MINIVMM_STATIC_ASSERT(e, m) _Static_assert(e, m)
#endif

MINIVMM_STATIC_ASSERT(sizeof(struct minivmm_create_vm) == 8, "create_vm");
MINIVMM_STATIC_ASSERT(sizeof(struct minivmm_memory_region) == 32, "region");
MINIVMM_STATIC_ASSERT(sizeof(struct minivmm_create_vcpu) == 8, "create_vcpu");
MINIVMM_STATIC_ASSERT(sizeof(struct minivmm_regs) == 144, "regs");
MINIVMM_STATIC_ASSERT(sizeof(struct minivmm_segment) == 24, "segment");
MINIVMM_STATIC_ASSERT(sizeof(struct minivmm_dtable) == 16, "dtable");
MINIVMM_STATIC_ASSERT(sizeof(struct minivmm_sregs) == 312, "sregs");
MINIVMM_STATIC_ASSERT(sizeof(struct minivmm_msr_entry) == 16, "msr_entry");
MINIVMM_STATIC_ASSERT(sizeof(struct minivmm_msrs) == 8, "msrs");
MINIVMM_STATIC_ASSERT(sizeof(struct minivmm_cpuid_entry) == 32, "cpuid_entry");
MINIVMM_STATIC_ASSERT(sizeof(struct minivmm_cpuid) == 8, "cpuid");
MINIVMM_STATIC_ASSERT(sizeof(struct minivmm_xsave) == 4096, "xsave");
MINIVMM_STATIC_ASSERT(sizeof(struct minivmm_interrupt) == 8, "interrupt");
MINIVMM_STATIC_ASSERT(sizeof(struct minivmm_create_irqchip) == 8, "irqchip");
MINIVMM_STATIC_ASSERT(sizeof(struct minivmm_irq_line) == 8, "irq_line");
MINIVMM_STATIC_ASSERT(sizeof(struct minivmm_msi) == 24, "msi");
MINIVMM_STATIC_ASSERT(sizeof(struct minivmm_mp_state) == 8, "mp_state");
MINIVMM_STATIC_ASSERT(sizeof(struct minivmm_ioport_range) == 16,
		      "ioport_range");
MINIVMM_STATIC_ASSERT(sizeof(struct minivmm_run) == 312, "run");

#endif /* MINIVMM_H */
