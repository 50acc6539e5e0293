/* SPDX-License-Identifier: GPL-2.0 */
/*
 * exit_bench.h - what the exit benchmark's driver (exit_bench.c), its guest
 * (guest.S) and its two hypervisor backends (backend_kvm.c,
 * backend_minivmm.c) share.
 *
 * Both backends build the same VM: one vCPU in 64-bit mode, identity mapped
 * with 2 MiB pages, running the same guest code with the same CPUID table,
 * so the only difference between the figures is the hypervisor.  The GDT,
 * page tables and registers are the VMM's long mode (vmm/x86_setup.h).
 */
#ifndef EXIT_BENCH_H
#define EXIT_BENCH_H

#include <stdint.h>

#include "../include/minivmm.h"

/*
 * Guest-physical layout (all inside one RAM slot at 0): the tables of
 * x86_setup.h at 0x1000-0xffff, then the code.
 */
#define GUEST_RAM_SIZE		0x200000ull	/* 2 MiB: one large page */
#define GUEST_CODE		0x10000ull
#define GUEST_STACK_TOP		0x1ff000ull

/*
 * The MMIO phase writes here: mapped by the guest's page tables (first GiB,
 * identity) but backed by no memory slot, so every access exits.
 */
#define GUEST_MMIO_ADDR		0x10000000ull

/* Ports the guest writes to. */
#define PORT_WORK		0xe9	/* the port-IO phase's exit */
#define PORT_MARK		0xea	/* phase boundaries, AL = MARK_* */

/* AL values written to PORT_MARK; guest.S uses the same numbers. */
#define MARK_CPUID_BEGIN	1
#define MARK_CPUID_END		2
#define MARK_PIO_BEGIN		3
#define MARK_PIO_END		4
#define MARK_MMIO_BEGIN		5
#define MARK_MMIO_END		6
#define MARK_DONE		0xff

/* The CPUID leaf 0 vendor string the guest must read (EBX part). */
#define BENCH_VENDOR_EBX	0x696e694d	/* "Mini" */
#define BENCH_VENDOR_EDX	0x424d4d56	/* "VMMB" */
#define BENCH_VENDOR_ECX	0x68636e65	/* "ench" */

/* One CPUID table entry, translated by each backend to its own ABI. */
struct bench_cpuid {
	uint32_t function;
	uint32_t eax, ebx, ecx, edx;
};

/*
 * The table both backends load: leaves 0, 1, 0x80000000, 0x80000001 and
 * 0x80000008, filled by the driver before a backend is created.
 */
#define BENCH_NR_CPUID		5
extern struct bench_cpuid bench_cpuid_table[BENCH_NR_CPUID];

/* A hypervisor exit, reduced to what the driver needs. */
enum bench_exit_kind {
	BENCH_EXIT_PIO_OUT,	/* port, size, value */
	BENCH_EXIT_MMIO_WRITE,	/* addr, size, value */
	BENCH_EXIT_OTHER,	/* anything else: the run fails */
};

struct bench_exit {
	enum bench_exit_kind kind;
	uint64_t addr;		/* port or guest-physical address */
	uint32_t size;
	uint64_t value;
	uint32_t raw_reason;	/* the hypervisor's exit_reason, for errors */
};

/* Fill @ex from a backend's port write or MMIO write exit. */
void bench_exit_pio(struct bench_exit *ex, uint16_t port, uint32_t size,
		    uint8_t value);
void bench_exit_mmio(struct bench_exit *ex, uint64_t addr, uint32_t len,
		     const uint8_t *data);

/* Initial register values both backends load (see guest.S). */
struct bench_start {
	uint64_t rip, rsp;
	uint64_t rdi;		/* warm-up iterations per phase */
	uint64_t rsi;		/* timed iterations per round */
	uint64_t rdx;		/* rounds per phase */
};

/*
 * The vCPU state both backends load: 64-bit mode on the tables
 * exit_bench.c wrote, @start's registers.  @sregs holds the reset state.
 */
void bench_start_state(const struct bench_start *start,
		       struct minivmm_sregs *sregs, struct minivmm_regs *regs);

struct bench_backend;

struct bench_backend_ops {
	const char *name;
	/* Opens dev, builds the VM over ram; NULL with a message on error. */
	struct bench_backend *(*create)(const char *dev, void *ram,
					const struct bench_start *start);
	/* One RUN ioctl; 0 with *ex filled, or -1 with a message printed. */
	int (*run)(struct bench_backend *b, struct bench_exit *ex);
	/* Reads one general register after the run (r12 = last CPUID EBX). */
	int (*get_r12)(struct bench_backend *b, uint64_t *val);
	void (*destroy)(struct bench_backend *b);
};

extern const struct bench_backend_ops bench_kvm_ops;
extern const struct bench_backend_ops bench_minivmm_ops;

/* The guest code (guest.S): copied to GUEST_CODE, position independent. */
extern const unsigned char bench_guest_start[];
extern const unsigned char bench_guest_end[];

#endif /* EXIT_BENCH_H */
