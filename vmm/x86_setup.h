/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The initial machine state for a flat binary.
 *
 * Guest-physical layout written by the VMM (see README.md):
 *   0x1000 GDT (null, code64 0x08, code32 0x10, data 0x18, TSS 0x20)
 *   0x1800 TSS (104 bytes of zeros; TR must be valid for entry)
 *   0x2000 PML4, 0x3000 PDPT, 0x4000-0x7fff four page directories:
 *          identity map of the first 4 GiB with 2 MiB pages
 *   0x8000-0xffff vCPU stacks, 512 bytes each (vCPU n: top 0x10000-n*512)
 * Real mode writes only the stacks.  X86_MODE_BOOT64 (the Linux 64-bit
 * boot protocol, --kernel) swaps the code descriptors: 0x08 is the 32-bit
 * and 0x10 (__BOOT_CS) the 64-bit one; the loaders use 0x10000-0x3ffff
 * (boot.h).
 */
#ifndef VMM_X86_SETUP_H
#define VMM_X86_SETUP_H

#include <stddef.h>
#include <stdint.h>

#include "../include/minivmm.h"

enum x86_mode {
	X86_MODE_REAL,
	X86_MODE_PROTECTED,
	X86_MODE_LONG,
	X86_MODE_BOOT64,	/* long mode, CS = 0x10 (not on the command line) */
};

#define X86_GDT_ADDR		0x1000ULL
#define X86_TSS_ADDR		0x1800ULL
#define X86_PML4_ADDR		0x2000ULL
#define X86_PDPT_ADDR		0x3000ULL
#define X86_PD_ADDR		0x4000ULL
#define X86_PD_COUNT		4		/* 4 x 1 GiB */
#define X86_STACK_BASE		0x8000ULL
#define X86_STACK_TOP		0x10000ULL
#define X86_STACK_SIZE		512ULL
#define X86_MAX_CPUS		((X86_STACK_TOP - X86_STACK_BASE) / X86_STACK_SIZE)

#define X86_SEL_CODE64		0x08
#define X86_SEL_CODE32		0x10
#define X86_SEL_DATA		0x18
#define X86_SEL_TSS		0x20
/* The Linux boot protocol's __BOOT_CS and __BOOT_DS (X86_MODE_BOOT64). */
#define X86_SEL_BOOT_CS		0x10
#define X86_SEL_BOOT_DS		0x18

/* Real mode can reach only the first MiB (plus the HMA, not used). */
#define X86_REAL_LIMIT		0x100000ULL

#define X86_CR0_PE		(1ULL << 0)
#define X86_CR0_ET		(1ULL << 4)
#define X86_CR0_NE		(1ULL << 5)
#define X86_CR0_PG		(1ULL << 31)
#define X86_CR4_PAE		(1ULL << 5)
#define X86_EFER_LME		(1ULL << 8)
#define X86_EFER_LMA		(1ULL << 10)
#define X86_RFLAGS_FIXED	(1ULL << 1)
#define X86_RFLAGS_IF		(1ULL << 9)

#define X86_PTE_P		(1ULL << 0)
#define X86_PTE_RW		(1ULL << 1)
#define X86_PTE_US		(1ULL << 2)
#define X86_PTE_PS		(1ULL << 7)

/* GDT descriptors of flat segments: base 0, limit 4 GiB (16-bit: 64 KiB). */
#define X86_DESC_CODE64		0x00af9b000000ffffULL	/* L, G, exec/read */
#define X86_DESC_CODE32		0x00cf9b000000ffffULL	/* D, G, exec/read */
#define X86_DESC_DATA		0x00cf93000000ffffULL	/* D, G, read/write */
#define X86_DESC_CODE16		0x00009b000000ffffULL	/* byte granular */

/* Segment cache type fields (accessed bit set) and the TSS limit. */
#define X86_SEG_CODE		0xb
#define X86_SEG_DATA		0x3
#define X86_SEG_TSS_BUSY	0xb
#define X86_SEG_LDT		0x2
#define X86_TSS_LIMIT		0x67	/* 104 bytes */

/* "real", "protected" or "long" (also "16", "32", "64"); -1 if neither. */
int x86_mode_parse(const char *s);
const char *x86_mode_name(enum x86_mode mode);

/*
 * The guest-physical range [*start, *end) the VMM writes for @mode, which
 * a flat image must not overlap.
 */
void x86_reserved_range(enum x86_mode mode, uint64_t *start, uint64_t *end);

/*
 * Checks that an image of @size bytes at @addr can run in @mode in a guest
 * of @mem_size bytes.  Returns NULL or a message saying what is wrong.
 */
const char *x86_check_image(enum x86_mode mode, uint64_t mem_size,
			    uint64_t addr, uint64_t size);

/*
 * The building blocks, for any layout (the tests' and the benchmarks'
 * too).  @mem is the host address of guest-physical 0.
 */

/* A 16-byte busy TSS descriptor for a TSS at @base, at @gpa. */
void x86_write_tss_desc(uint8_t *mem, uint64_t gpa, uint64_t base);

/*
 * An identity map of 0-4 GiB with 2 MiB pages: one PML4 entry at @pml4,
 * four PDPT entries at @pdpt, four page directories from @pd on.  @flags
 * are extra bits for the PML4 and PDPT entries (X86_PTE_US).
 */
void x86_write_identity_map(uint8_t *mem, uint64_t pml4, uint64_t pdpt,
			    uint64_t pd, uint64_t flags);

/* A present code or data segment cache; @bits is 16, 32 or 64 (code). */
void x86_segment(struct minivmm_segment *s, uint16_t sel, uint64_t base,
		 uint32_t limit, uint8_t type, int bits);

/*
 * Flat protected or long mode (@mode not X86_MODE_REAL): CS = @cs, the
 * data segments = @ds, CR0/CR4/EFER for the mode, paging from @cr3 in
 * long mode.  TR, LDTR and the descriptor tables are left alone.
 */
void x86_set_flat_mode(struct minivmm_sregs *sregs, enum x86_mode mode,
		       uint16_t cs, uint16_t ds, uint64_t cr3);

/* Writes the GDT, TSS and page tables for @mode into guest memory. */
void x86_write_tables(enum x86_mode mode, uint8_t *mem, uint64_t mem_size);

/*
 * Fills the registers of vCPU @id (of @nr) to start at @entry in @mode.
 * @sregs should hold what MINIVMM_GET_SREGS returned (apic_base is kept).
 * Every vCPU gets its own stack; rdi = @id, rsi = @nr so that a program
 * can tell the boot vCPU (0) from the others.
 */
void x86_setup_sregs(enum x86_mode mode, uint64_t entry,
		     struct minivmm_sregs *sregs);
void x86_setup_regs(enum x86_mode mode, uint64_t entry, unsigned int id,
		    unsigned int nr, struct minivmm_regs *regs);

#endif
