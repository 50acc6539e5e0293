// SPDX-License-Identifier: GPL-2.0
/* Page tables, GDT and register setup. */
#include <stdlib.h>
#include <string.h>

#include "guest_mem.h"
#include "tap.h"
#include "x86_setup.h"

#define MEM	(2ULL << 20)

static uint64_t get64(const uint8_t *mem, uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, mem + gpa, 8);
	return v;
}

int main(void)
{
	uint8_t *mem = calloc(1, MEM);
	struct guest_ram ram = { .host = mem, .size = MEM };
	struct minivmm_sregs s;
	struct minivmm_regs r;
	uint64_t gpa = 0;
	int bad = 0, i;

	if (!mem)
		return 1;
	ok(x86_mode_parse("real") == X86_MODE_REAL &&
	   x86_mode_parse("protected") == X86_MODE_PROTECTED &&
	   x86_mode_parse("long") == X86_MODE_LONG &&
	   x86_mode_parse("64") == X86_MODE_LONG &&
	   x86_mode_parse("bogus") == -1, "mode names");

	x86_write_tables(X86_MODE_LONG, mem, MEM);
	ok((get64(mem, X86_PML4_ADDR) & ~0xfffULL) == X86_PDPT_ADDR &&
	   (get64(mem, X86_PML4_ADDR) & 3) == 3, "PML4[0] -> PDPT, P|RW");
	ok(get64(mem, X86_PML4_ADDR + 8) == 0, "PML4[1] empty");
	for (i = 0; i < 4; i++)
		if (get64(mem, X86_PDPT_ADDR + i * 8) !=
		    ((X86_PD_ADDR + i * 0x1000ULL) | 3))
			bad++;
	ok(!bad, "PDPT[0..3] -> four page directories");
	ok(get64(mem, X86_PDPT_ADDR + 32) == 0, "PDPT[4] empty");
	bad = 0;
	for (i = 0; i < 2048; i++)
		if (get64(mem, X86_PD_ADDR + i * 8ULL) !=
		    (((uint64_t)i << 21) | 0x83))
			bad++;
	ok(!bad, "2048 identity 2 MiB pages cover 4 GiB");
	ok(get64(mem, X86_GDT_ADDR) == 0, "GDT null descriptor");
	ok(get64(mem, X86_GDT_ADDR + X86_SEL_CODE64) == 0x00af9b000000ffffULL,
	   "GDT 64-bit code descriptor");
	ok(get64(mem, X86_GDT_ADDR + X86_SEL_DATA) == 0x00cf93000000ffffULL,
	   "GDT data descriptor");
	ok(((get64(mem, X86_GDT_ADDR + X86_SEL_TSS) >> 40) & 0x8f) == 0x8b,
	   "GDT busy TSS descriptor");

	memset(&s, 0, sizeof(s));
	s.apic_base = 0xfee00900;
	x86_setup_sregs(X86_MODE_LONG, 0x10000, &s);
	ok(s.cs.l == 1 && s.cs.db == 0 && s.cs.selector == X86_SEL_CODE64 &&
	   s.cs.type == 0xb && s.cs.present && s.cs.s, "long: 64-bit CS");
	ok(s.cr0 == 0x80000031ULL && s.cr4 == X86_CR4_PAE &&
	   s.efer == 0x500 && s.cr3 == X86_PML4_ADDR, "long: CR0/CR3/CR4/EFER");
	ok(s.apic_base == 0xfee00900, "apic_base kept");
	ok(s.tr.type == 0xb && s.tr.present && s.gdt.base == X86_GDT_ADDR,
	   "long: TR and GDTR");
	ok(!guest_linear_to_phys(&ram, &s, 0x10000, &gpa) && gpa == 0x10000,
	   "walker: 0x10000 identity mapped");
	ok(!guest_linear_to_phys(&ram, &s, 0xfee00000ULL, &gpa) &&
	   gpa == 0xfee00000ULL, "walker: 0xfee00000 identity mapped");
	ok(guest_linear_to_phys(&ram, &s, 1ULL << 32, &gpa) == -1,
	   "walker: 4 GiB not mapped");

	x86_setup_regs(X86_MODE_LONG, 0x10000, 2, 4, &r);
	ok(r.rip == 0x10000 && r.rflags == 2 && r.rdi == 2 && r.rsi == 4 &&
	   r.rsp == X86_STACK_TOP - 2 * X86_STACK_SIZE, "long: regs of vCPU 2");

	x86_setup_sregs(X86_MODE_PROTECTED, 0x10000, &s);
	ok(s.cs.db == 1 && s.cs.l == 0 && s.cs.g == 1 &&
	   s.cs.limit == 0xffffffff && s.cr0 == 0x31 && !s.efer && !s.cr4,
	   "protected: flat 32-bit, paging off");

	x86_setup_sregs(X86_MODE_REAL, 0x7c00, &s);
	x86_setup_regs(X86_MODE_REAL, 0x7c00, 0, 1, &r);
	ok(s.cs.selector == 0x7c0 && s.cs.base == 0x7c00 && r.rip == 0 &&
	   s.cs.limit == 0xffff && s.ds.base == 0x7c00 && s.ss.base == 0 &&
	   !(s.cr0 & 1) && r.rsp == 0, "real: CS:IP = 07c0:0000, SS:SP = 0:0");
	x86_setup_sregs(X86_MODE_REAL, 0x10008, &s);
	x86_setup_regs(X86_MODE_REAL, 0x10008, 1, 2, &r);
	ok(s.cs.selector == 0x1000 && r.rip == 8 && r.rsp == 0xfe00,
	   "real: unaligned entry, vCPU 1 stack");

	ok(!x86_check_image(X86_MODE_LONG, MEM, 0x10000, 100),
	   "image at 0x10000 fits");
	ok(x86_check_image(X86_MODE_LONG, MEM, 0x4000, 100),
	   "image over the page tables rejected");
	ok(!x86_check_image(X86_MODE_REAL, MEM, 0x7c00, 1024),
	   "real: boot sector at 0x7c00 allowed");
	ok(x86_check_image(X86_MODE_REAL, MEM, 0x7c00, 1025),
	   "real: image over the stacks rejected");
	ok(x86_check_image(X86_MODE_REAL, MEM, 0xff000, 0x2000),
	   "real: image past 1 MiB rejected");
	ok(x86_check_image(X86_MODE_LONG, MEM, MEM, 1),
	   "address outside memory rejected");
	ok(x86_check_image(X86_MODE_LONG, MEM, MEM - 10, 11),
	   "image past the end rejected");
	ok(!x86_check_image(X86_MODE_LONG, MEM, MEM - 10, 10),
	   "image ending at the end fits");
	ok(x86_check_image(X86_MODE_LONG, MEM, ~0ULL, 2),
	   "wrapping address rejected");

	/* The building blocks at another layout (the in-bed tests'). */
	memset(mem, 0, MEM);
	x86_write_identity_map(mem, 0x3000, 0x4000, 0x5000, X86_PTE_US);
	ok(get64(mem, 0x3000) == (0x4000 | 7) &&
	   get64(mem, 0x4000 + 3 * 8) == (0x8000 | 7) &&
	   get64(mem, 0x4000 + 4 * 8) == 0,
	   "identity map elsewhere: PML4 and PDPT entries with U/S");
	ok(get64(mem, 0x5000) == 0x83 &&
	   get64(mem, 0x5000 + 2047 * 8) == ((2047ULL << 21) | 0x83) &&
	   get64(mem, 0x5000 + 2048 * 8) == 0,
	   "identity map elsewhere: 2048 2 MiB pages, nothing after");
	x86_write_tss_desc(mem, 0x1020, 0x123456789000ULL);
	ok(get64(mem, 0x1020) == 0x56008b7890000067ULL &&
	   get64(mem, 0x1028) == 0x1234,
	   "busy TSS descriptor with a 64-bit base");
	memset(&s, 0xff, sizeof(s));
	x86_set_flat_mode(&s, X86_MODE_PROTECTED, 0x18, 0x10, 0x3000);
	ok(s.cs.selector == 0x18 && s.cs.db && !s.cs.l && s.cs.g &&
	   s.ss.selector == 0x10 && s.ss.type == X86_SEG_DATA &&
	   s.cr0 == 0x31 && !s.cr3 && !s.cr4 && !s.efer,
	   "flat protected mode: CS, SS, no paging whatever cr3 says");
	x86_set_flat_mode(&s, X86_MODE_LONG, 0x08, 0x10, 0x3000);
	ok(s.cs.l && !s.cs.db && s.ds.db && s.cr3 == 0x3000 &&
	   s.cr0 == 0x80000031 && s.cr4 == 0x20 && s.efer == 0x500,
	   "flat long mode: 64-bit CS, paging from cr3");
	free(mem);
	return tap_finish();
}
