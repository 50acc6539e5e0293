/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guest.h - build and run small guests on /dev/minivmm from a test.
 *
 * As in the KVM selftests, guest code lives in the test binary: an asm
 * blob (GUEST_CODE) is copied to CODE_GPA and run in real, protected or
 * long mode.  vm_std_create() gives a VM with one slot of STD_MEM_SIZE
 * bytes at guest-physical 0 holding a GDT, a TSS, an IDT and page tables
 * that identity-map the first 4 GiB with 2 MiB pages, so any address
 * outside the slot is an MMIO address the guest can reach in every mode.
 *
 * The kernel calls and the x86 building blocks are the VMM's own
 * (libminivmm.a: hv.h, x86_setup.h); this file adds what tests need on
 * top: diagnostics, slot tracking, RUN timeouts and the standard layout.
 */
#ifndef TESTS_GUEST_H
#define TESTS_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../../include/minivmm.h"
#include "hv.h"

/* Guest-physical layout of the standard VM. */
#define GDT_GPA		0x1000ULL
#define IDT_GPA		0x2000ULL	/* 256 gates of 16 bytes */
#define PML4_GPA	0x3000ULL
#define PDPT_GPA	0x4000ULL
#define PD_GPA		0x5000ULL	/* four PDs: 0x5000..0x8fff */
#define TSS_GPA		0x9000ULL
#define CODE_GPA	0x10000ULL	/* guest code, up to 64 KiB */
#define DATA_GPA	0x20000ULL	/* results the guest stores */
#define STACK_TOP	0x70000ULL
#define STD_MEM_SIZE	0x200000ULL	/* 2 MiB: slot 0 */
#define MMIO_GPA	0x40000000ULL	/* no slot: MMIO, < 2 GiB for disp32 */

/* GDT selectors of the standard VM. */
#define SEL_CODE64	0x08
#define SEL_DATA	0x10
#define SEL_CODE32	0x18
#define SEL_TSS		0x20		/* 16-byte descriptor */
#define SEL_CODE16	0x30

#define MAX_SLOTS_TRACKED 32

enum guest_mode { MODE_REAL, MODE_PROT32, MODE_LONG };

/*
 * The library's VM and vCPU, with the names tests use for their own
 * ioctl() and mmap() calls: sys_fd, fd, id, mmap_size and run alias the
 * first fields of struct hv_vm and struct hv_vcpu (checked in guest.c).
 */
struct vm {
	union {
		struct hv_vm hv;
		struct {
			int sys_fd;
			int fd;
		};
	};
	struct {
		uint64_t gpa, size;
		void *host;
		uint32_t flags;
		bool used;
	} slots[MAX_SLOTS_TRACKED];
};

struct vcpu {
	struct vm *vm;
	union {
		struct hv_vcpu hv;
		struct {
			int fd;
			uint32_t id;
			void *map;
			size_t mmap_size;
			struct minivmm_run *run;
		};
	};
	unsigned int timeout_s;		/* per RUN; 0 means none */
	int last_errno;			/* errno of the last failed RUN */
	bool timed_out;			/* the last RUN hit timeout_s */
};

/* The guest code blob @name, assembled in mode @mode (".code16" ...). */
#define GUEST_CODE(name, mode, body)					\
	asm(".pushsection .rodata.guest,\"a\"\n"			\
	    ".globl " #name "\n" #name ":\n" mode "\n"			\
	    body "\n"							\
	    ".code64\n"							\
	    ".globl " #name "_end\n" #name "_end:\n"			\
	    ".popsection\n");						\
	extern const unsigned char name[], name##_end[]

/* A label inside a blob, declared with GUEST_LABEL(sym). */
#define GUEST_LABEL(sym)	extern const unsigned char sym[]
/* The guest address of label @sym of blob @blob loaded at CODE_GPA. */
#define GUEST_ADDR(blob, sym)	(CODE_GPA + (uint64_t)((sym) - (blob)))

/* Opens /dev/minivmm; -1 with a diagnostic on failure. */
int sys_open(void);
struct vm *vm_create(void);
/* vm_create() plus slot 0 with GDT, TSS, IDT and page tables. */
struct vm *vm_std_create(void);
void vm_free(struct vm *vm);
/* Writes the GDT and page tables of the standard VM (slot at GPA 0). */
void vm_build_tables(struct vm *vm);
/* mmap()s @size bytes and adds them as @slot; NULL on failure. */
void *vm_add_mem(struct vm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
		 uint32_t flags);
int vm_set_region(struct vm *vm, uint32_t slot, uint32_t flags,
		  uint64_t gpa, uint64_t size, void *host);
/* The host address of @gpa, or NULL if no tracked slot holds it. */
void *vm_host(struct vm *vm, uint64_t gpa);
/* Copies [start, end) to guest-physical @gpa. */
void vm_load(struct vm *vm, uint64_t gpa, const void *start, const void *end);
/* Loads a GUEST_CODE blob at CODE_GPA. */
#define vm_load_code(vm, name) vm_load(vm, CODE_GPA, name, name##_end)

/* IDT gates: 64-bit (16 bytes) or 32-bit (8 bytes) interrupt gates. */
void vm_idt_set64(struct vm *vm, unsigned int vector, uint64_t handler);
void vm_idt_set32(struct vm *vm, unsigned int vector, uint32_t handler);

struct vcpu *vcpu_create(struct vm *vm, uint32_t id);
void vcpu_free(struct vcpu *vcpu);
/* Sets up sregs and regs for @mode with rip/eip/ip at CODE_GPA. */
int vcpu_set_mode(struct vcpu *vcpu, enum guest_mode mode);
/* vm_std_create + vcpu 0 + code blob + mode; NULL with a diagnostic. */
struct vcpu *guest_create(enum guest_mode mode, const void *code,
			  const void *code_end);
#define GUEST_CREATE(mode, name) guest_create(mode, name, name##_end)

/* MINIVMM_RUN with vcpu->timeout_s; returns the ioctl's result. */
int vcpu_run(struct vcpu *vcpu);
/* Runs and checks the exit reason; prints what happened if different. */
bool vcpu_run_expect(struct vcpu *vcpu, uint32_t reason);
/*
 * Runs until HLT, answering the string IO of @size-byte items on @port in
 * direction @dir (MINIVMM_IO_*): OUT items are stored into @buf, IN items
 * taken from it, at most @count.  Returns the items moved, or -1 after a
 * diagnostic (RUN failed, another exit, more than @count, a bad count).
 */
int vcpu_run_rep_io(struct vcpu *vcpu, uint16_t port, uint8_t dir,
		    uint8_t size, void *buf, unsigned int count);
/* Prints the last exit and the registers as diagnostics. */
void vcpu_dump(struct vcpu *vcpu);
const char *exit_name(uint32_t reason);
/* Pointer to the IO data of the current IO exit. */
void *vcpu_io_data(struct vcpu *vcpu);

int vcpu_get_regs(struct vcpu *vcpu, struct minivmm_regs *regs);
int vcpu_set_regs(struct vcpu *vcpu, const struct minivmm_regs *regs);
int vcpu_get_sregs(struct vcpu *vcpu, struct minivmm_sregs *sregs);
int vcpu_set_sregs(struct vcpu *vcpu, const struct minivmm_sregs *sregs);
/* Returns the guest RAX etc. (all bits 1 if GET_REGS fails). */
uint64_t vcpu_reg(struct vcpu *vcpu, size_t offset);
#define VCPU_REG(vcpu, r) vcpu_reg(vcpu, offsetof(struct minivmm_regs, r))
int vcpu_get_msr(struct vcpu *vcpu, uint32_t index, uint64_t *data);
int vcpu_set_msr(struct vcpu *vcpu, uint32_t index, uint64_t data);
/* Sets a CPUID table of @n entries. */
int vcpu_set_cpuid(struct vcpu *vcpu, const struct minivmm_cpuid_entry *e,
		   uint32_t n);

/* Number of online CPUs. */
int host_cpus(void);
/* CLOCK_MONOTONIC in seconds. */
double now_s(void);

#endif
