// SPDX-License-Identifier: GPL-2.0
/* Page tables, GDT and initial registers (x86_setup.h). */
#include <stdbool.h>
#include <string.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#include "x86_setup.h"

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
void x86_write_tss_desc(uint8_t *mem, uint64_t gpa, uint64_t base)
{
	uint64_t lo = X86_TSS_LIMIT;

	lo |= (base & 0xffffffULL) << 16;
	lo |= (uint64_t)X86_SEG_TSS_BUSY << 40;
	lo |= 1ULL << 47;			/* present */
	lo |= ((base >> 24) & 0xff) << 56;
	put64(mem, gpa, lo);
	put64(mem, gpa + 8, base >> 32);
}

void x86_write_identity_map(uint8_t *mem, uint64_t pml4, uint64_t pdpt,
			    uint64_t pd, uint64_t flags)
{
	uint64_t table = X86_PTE_P | X86_PTE_RW | flags;
	uint64_t i;

	put64(mem, pml4, pdpt | table);
	for (i = 0; i < X86_PD_COUNT; i++)
		put64(mem, pdpt + i * 8, (pd + i * 0x1000) | table);
	for (i = 0; i < X86_PD_COUNT * 512; i++)
		put64(mem, pd + i * 8,
		      (i << 21) | X86_PTE_P | X86_PTE_RW | X86_PTE_PS);
}

void x86_write_tables(enum x86_mode mode, uint8_t *mem, uint64_t mem_size)
{
	(void)mem_size;
	if (mode == X86_MODE_REAL)
		return;
	memset(mem + X86_GDT_ADDR, 0, X86_STACK_BASE - X86_GDT_ADDR);
	if (mode == X86_MODE_BOOT64) {
		put64(mem, X86_GDT_ADDR + 0x08, X86_DESC_CODE32);
		put64(mem, X86_GDT_ADDR + X86_SEL_BOOT_CS, X86_DESC_CODE64);
	} else {
		put64(mem, X86_GDT_ADDR + X86_SEL_CODE64, X86_DESC_CODE64);
		put64(mem, X86_GDT_ADDR + X86_SEL_CODE32, X86_DESC_CODE32);
	}
	put64(mem, X86_GDT_ADDR + X86_SEL_DATA, X86_DESC_DATA);
	x86_write_tss_desc(mem, X86_GDT_ADDR + X86_SEL_TSS, X86_TSS_ADDR);
	if (mode != X86_MODE_LONG && mode != X86_MODE_BOOT64)
		return;
	x86_write_identity_map(mem, X86_PML4_ADDR, X86_PDPT_ADDR, X86_PD_ADDR,
			       0);
}

void x86_segment(struct minivmm_segment *s, uint16_t sel, uint64_t base,
		 uint32_t limit, uint8_t type, int bits)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = base;
	s->limit = limit;
	s->type = type;
	s->present = 1;
	s->s = 1;
	if (bits == 64) {
		s->l = 1;
		s->g = 1;
	} else if (bits == 32) {
		s->db = 1;
		s->g = 1;
	}
}

void x86_set_flat_mode(struct minivmm_sregs *sregs, enum x86_mode mode,
		       uint16_t cs, uint16_t ds, uint64_t cr3)
{
	struct minivmm_segment *data[] = {
		&sregs->ds, &sregs->es, &sregs->fs, &sregs->gs, &sregs->ss,
	};
	bool long_mode = mode == X86_MODE_LONG || mode == X86_MODE_BOOT64;
	size_t i;

	x86_segment(&sregs->cs, cs, 0, 0xffffffff, X86_SEG_CODE,
		    long_mode ? 64 : 32);
	for (i = 0; i < ARRAY_SIZE(data); i++)
		x86_segment(data[i], ds, 0, 0xffffffff, X86_SEG_DATA, 32);
	sregs->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	sregs->cr3 = 0;
	sregs->cr4 = 0;
	sregs->efer = 0;
	if (long_mode) {
		sregs->cr0 |= X86_CR0_PG;
		sregs->cr3 = cr3;
		sregs->cr4 = X86_CR4_PAE;
		sregs->efer = X86_EFER_LME | X86_EFER_LMA;
	}
}

void x86_setup_sregs(enum x86_mode mode, uint64_t entry,
		     struct minivmm_sregs *sregs)
{
	struct minivmm_segment *data[] = {
		&sregs->ds, &sregs->es, &sregs->fs, &sregs->gs,
	};
	uint64_t apic_base = sregs->apic_base;
	uint16_t rsel;
	size_t i;

	memset(sregs, 0, sizeof(*sregs));
	sregs->apic_base = apic_base;

	/* LDT unused; TR a busy TSS (VT-x checks TR even in real mode). */
	sregs->ldt.type = X86_SEG_LDT;
	sregs->ldt.present = 1;
	sregs->ldt.limit = 0xffff;
	sregs->tr.type = X86_SEG_TSS_BUSY;
	sregs->tr.present = 1;

	if (mode == X86_MODE_REAL) {
		/* CS:IP = (entry >> 4):(entry & 15); data segments = CS. */
		rsel = (uint16_t)(entry >> 4);
		x86_segment(&sregs->cs, rsel, (uint64_t)rsel << 4, 0xffff,
			    X86_SEG_CODE, 16);
		for (i = 0; i < ARRAY_SIZE(data); i++)
			x86_segment(data[i], rsel, (uint64_t)rsel << 4, 0xffff,
				    X86_SEG_DATA, 16);
		/* The stacks are addressed from SS = 0. */
		x86_segment(&sregs->ss, 0, 0, 0xffff, X86_SEG_DATA, 16);
		sregs->tr.limit = 0xffff;
		/* No BIOS, no IVT: limit 0 makes any exception a triple fault. */
		sregs->idt.limit = 0;
		sregs->cr0 = X86_CR0_ET;
		return;
	}

	x86_set_flat_mode(sregs, mode,
			  mode == X86_MODE_LONG ? X86_SEL_CODE64 :
			  mode == X86_MODE_BOOT64 ? X86_SEL_BOOT_CS :
			  X86_SEL_CODE32, X86_SEL_DATA, X86_PML4_ADDR);
	sregs->tr.selector = X86_SEL_TSS;
	sregs->tr.base = X86_TSS_ADDR;
	sregs->tr.limit = X86_TSS_LIMIT;
	sregs->gdt.base = X86_GDT_ADDR;
	sregs->gdt.limit = X86_SEL_TSS + 16 - 1;
	/* IDT limit 0: any exception escalates to a triple fault. */
	sregs->idt.base = 0;
	sregs->idt.limit = 0;
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
