// SPDX-License-Identifier: GPL-2.0
/* Page tables, GDT and initial registers (x86_setup.h). */
#include <string.h>

#include "x86_setup.h"

/* Descriptors in the GDT, matching the segment caches set below. */
#define GDT_CODE64	0x00af9b000000ffffULL	/* L=1, P, DPL0, exec/read, acc */
#define GDT_CODE32	0x00cf9b000000ffffULL	/* D=1, G=1, 4 GiB */
#define GDT_DATA	0x00cf93000000ffffULL	/* D=1, G=1, rw, accessed */
#define TSS_LIMIT	0x67			/* 104 bytes */
#define TSS_TYPE_BUSY	0xb

static const char *const x86_mode_names[] = {
	[X86_MODE_REAL] = "real",
	[X86_MODE_PROTECTED] = "protected",
	[X86_MODE_LONG] = "long",
	[X86_MODE_BOOT64] = "64-bit boot protocol",
};

int x86_mode_parse(const char *s)
{
	if (!strcmp(s, "real") || !strcmp(s, "16"))
		return X86_MODE_REAL;
	if (!strcmp(s, "protected") || !strcmp(s, "32"))
		return X86_MODE_PROTECTED;
	if (!strcmp(s, "long") || !strcmp(s, "64"))
		return X86_MODE_LONG;
	return -1;
}

const char *x86_mode_name(enum x86_mode mode)
{
	return x86_mode_names[mode];
}

void x86_reserved_range(enum x86_mode mode, uint64_t *start, uint64_t *end)
{
	*start = mode == X86_MODE_REAL ? X86_STACK_BASE : X86_GDT_ADDR;
	*end = X86_STACK_TOP;
}

const char *x86_check_image(enum x86_mode mode, uint64_t mem_size,
			    uint64_t addr, uint64_t size)
{
	uint64_t rs, re;

	if (mem_size < X86_STACK_TOP)
		return "guest memory is smaller than the 64 KiB setup area";
	if (addr >= mem_size)
		return "load address is outside guest memory";
	if (size > mem_size - addr)
		return "image does not fit in guest memory at that address";
	if (!size)
		return "image is empty";
	x86_reserved_range(mode, &rs, &re);
	if (addr < re && addr + size > rs)
		return mode == X86_MODE_REAL ?
			"image overlaps the vCPU stacks at 0x8000-0xffff" :
			"image overlaps the GDT/page tables/stacks at 0x1000-0xffff";
	if (mode == X86_MODE_REAL && addr + size > X86_REAL_LIMIT)
		return "real mode image must lie below 1 MiB";
	if (mode == X86_MODE_PROTECTED && addr + size > (1ULL << 32))
		return "protected mode image must lie below 4 GiB";
	return NULL;
}

static void put64(uint8_t *mem, uint64_t gpa, uint64_t val)
{
	memcpy(mem + gpa, &val, sizeof(val));
}

/* A 16-byte 64-bit TSS descriptor (also valid as 8 bytes in 32-bit). */
static void x86_write_tss_desc(uint8_t *mem, uint64_t gpa, uint64_t base)
{
	uint64_t lo = TSS_LIMIT;

	lo |= (base & 0xffffffULL) << 16;
	lo |= (uint64_t)TSS_TYPE_BUSY << 40;
	lo |= 1ULL << 47;			/* present */
	lo |= ((base >> 24) & 0xff) << 56;
	put64(mem, gpa, lo);
	put64(mem, gpa + 8, base >> 32);
}

void x86_write_tables(enum x86_mode mode, uint8_t *mem, uint64_t mem_size)
{
	uint64_t i;

	(void)mem_size;
	if (mode == X86_MODE_REAL)
		return;
	memset(mem + X86_GDT_ADDR, 0, X86_STACK_BASE - X86_GDT_ADDR);
	if (mode == X86_MODE_BOOT64) {
		put64(mem, X86_GDT_ADDR + 0x08, GDT_CODE32);
		put64(mem, X86_GDT_ADDR + X86_SEL_BOOT_CS, GDT_CODE64);
	} else {
		put64(mem, X86_GDT_ADDR + X86_SEL_CODE64, GDT_CODE64);
		put64(mem, X86_GDT_ADDR + X86_SEL_CODE32, GDT_CODE32);
	}
	put64(mem, X86_GDT_ADDR + X86_SEL_DATA, GDT_DATA);
	x86_write_tss_desc(mem, X86_GDT_ADDR + X86_SEL_TSS, X86_TSS_ADDR);
	if (mode != X86_MODE_LONG && mode != X86_MODE_BOOT64)
		return;
	/* One PML4 entry, four PDPT entries, 2048 2 MiB pages: 0-4 GiB. */
	put64(mem, X86_PML4_ADDR, X86_PDPT_ADDR | X86_PTE_P | X86_PTE_RW);
	for (i = 0; i < X86_PD_COUNT; i++)
		put64(mem, X86_PDPT_ADDR + i * 8,
		      (X86_PD_ADDR + i * 0x1000) | X86_PTE_P | X86_PTE_RW);
	for (i = 0; i < X86_PD_COUNT * 512; i++)
		put64(mem, X86_PD_ADDR + i * 8,
		      (i << 21) | X86_PTE_P | X86_PTE_RW | X86_PTE_PS);
}

static void seg_set(struct minivmm_segment *s, uint16_t sel, uint64_t base,
		    uint32_t limit, uint8_t type, int code_mode)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = base;
	s->limit = limit;
	s->type = type;
	s->present = 1;
	s->s = 1;
	if (code_mode == 64) {
		s->l = 1;
		s->g = 1;
	} else if (code_mode == 32) {
		s->db = 1;
		s->g = 1;
	}
}

void x86_setup_sregs(enum x86_mode mode, uint64_t entry,
		     struct minivmm_sregs *sregs)
{
	struct minivmm_segment *data[] = {
		&sregs->ds, &sregs->es, &sregs->fs, &sregs->gs, &sregs->ss,
	};
	uint64_t apic_base = sregs->apic_base;
	uint16_t rsel;
	size_t i;

	memset(sregs, 0, sizeof(*sregs));
	sregs->apic_base = apic_base;

	/* LDT unused; TR a busy TSS (VT-x checks TR even in real mode). */
	sregs->ldt.type = 2;
	sregs->ldt.present = 1;
	sregs->ldt.limit = 0xffff;
	sregs->tr.type = TSS_TYPE_BUSY;
	sregs->tr.present = 1;

	if (mode == X86_MODE_REAL) {
		/* CS:IP = (entry >> 4):(entry & 15); data segments = CS. */
		rsel = (uint16_t)(entry >> 4);
		seg_set(&sregs->cs, rsel, (uint64_t)rsel << 4, 0xffff, 0xb, 16);
		for (i = 0; i < 5; i++)
			seg_set(data[i], rsel, (uint64_t)rsel << 4, 0xffff,
				0x3, 16);
		/* The stacks are addressed from SS = 0. */
		seg_set(&sregs->ss, 0, 0, 0xffff, 0x3, 16);
		sregs->tr.limit = 0xffff;
		/* No BIOS, no IVT: limit 0 makes any exception a triple fault. */
		sregs->idt.limit = 0;
		sregs->cr0 = X86_CR0_ET;
		return;
	}

	if (mode == X86_MODE_LONG)
		seg_set(&sregs->cs, X86_SEL_CODE64, 0, 0xffffffff, 0xb, 64);
	else if (mode == X86_MODE_BOOT64)
		seg_set(&sregs->cs, X86_SEL_BOOT_CS, 0, 0xffffffff, 0xb, 64);
	else
		seg_set(&sregs->cs, X86_SEL_CODE32, 0, 0xffffffff, 0xb, 32);
	for (i = 0; i < 5; i++)
		seg_set(data[i], X86_SEL_DATA, 0, 0xffffffff, 0x3, 32);

	sregs->tr.selector = X86_SEL_TSS;
	sregs->tr.base = X86_TSS_ADDR;
	sregs->tr.limit = TSS_LIMIT;
	sregs->gdt.base = X86_GDT_ADDR;
	sregs->gdt.limit = X86_SEL_TSS + 16 - 1;
	/* IDT limit 0: any exception escalates to a triple fault. */
	sregs->idt.base = 0;
	sregs->idt.limit = 0;
	sregs->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	if (mode == X86_MODE_LONG || mode == X86_MODE_BOOT64) {
		sregs->cr0 |= X86_CR0_PG;
		sregs->cr3 = X86_PML4_ADDR;
		sregs->cr4 = X86_CR4_PAE;
		sregs->efer = X86_EFER_LME | X86_EFER_LMA;
	}
	(void)entry;
}

void x86_setup_regs(enum x86_mode mode, uint64_t entry, unsigned int id,
		    unsigned int nr, struct minivmm_regs *regs)
{
	memset(regs, 0, sizeof(*regs));
	regs->rflags = X86_RFLAGS_FIXED;	/* IF = 0 */
	regs->rip = mode == X86_MODE_REAL ? (entry & 0xf) : entry;
	regs->rsp = X86_STACK_TOP - (uint64_t)id * X86_STACK_SIZE;
	/* SP is 16 bits in real mode: 0x10000 is 0, the first push wraps. */
	if (mode == X86_MODE_REAL)
		regs->rsp &= 0xffff;
	regs->rdi = id;
	regs->rsi = nr;
}
