// SPDX-License-Identifier: GPL-2.0
/* Guest RAM lookups and the guest page-table walker (guest_mem.h). */
#include <string.h>

#include "guest_mem.h"
#include "x86_setup.h"

#define PTE_ADDR_MASK	0x000ffffffffff000ULL
#define CR4_PSE		(1ULL << 4)

void *guest_ram_ptr(const struct guest_ram *ram, uint64_t gpa, uint64_t len)
{
	uint64_t low = guest_ram_low_size(ram->size);
	uint64_t high = ram->size - low;

	if (gpa < low)
		return len <= low - gpa ? ram->host + gpa : NULL;
	if (gpa < GUEST_HIGH_START)
		return NULL;
	gpa -= GUEST_HIGH_START;
	if (gpa > high || len > high - gpa)
		return NULL;
	return ram->host + low + gpa;
}

static int read_pte(const struct guest_ram *ram, uint64_t gpa,
		    unsigned int size, uint64_t *pte)
{
	const void *p = guest_ram_ptr(ram, gpa, size);

	*pte = 0;
	if (!p)
		return -1;
	memcpy(pte, p, size);
	return 0;
}

static int walk4(const struct guest_ram *ram, uint64_t cr3, uint64_t va,
		 uint64_t *gpa)
{
	uint64_t table = cr3 & PTE_ADDR_MASK, pte;
	int level;

	for (level = 3; level >= 0; level--) {
		unsigned int shift = 12 + 9 * (unsigned int)level;
		uint64_t idx = (va >> shift) & 511;

		if (read_pte(ram, table + idx * 8, 8, &pte) ||
		    !(pte & X86_PTE_P))
			return -1;
		/* 1 GiB and 2 MiB pages end the walk early. */
		if (level && level < 3 && (pte & X86_PTE_PS)) {
			uint64_t mask = (1ULL << shift) - 1;

			*gpa = (pte & PTE_ADDR_MASK & ~mask) | (va & mask);
			return 0;
		}
		table = pte & PTE_ADDR_MASK;
	}
	*gpa = table | (va & 0xfff);
	return 0;
}

static int walk2(const struct guest_ram *ram, uint64_t cr3, uint64_t cr4,
		 uint32_t va, uint64_t *gpa)
{
	uint64_t pde, pte;

	if (read_pte(ram, (cr3 & 0xfffff000) + (va >> 22) * 4, 4, &pde) ||
	    !(pde & X86_PTE_P))
		return -1;
	if ((pde & X86_PTE_PS) && (cr4 & CR4_PSE)) {
		*gpa = (pde & 0xffc00000) | (va & 0x3fffff);
		return 0;
	}
	if (read_pte(ram, (pde & 0xfffff000) + ((va >> 12) & 1023) * 4,
		     4, &pte) || !(pte & X86_PTE_P))
		return -1;
	*gpa = (pte & 0xfffff000) | (va & 0xfff);
	return 0;
}

int guest_linear_to_phys(const struct guest_ram *ram,
			 const struct minivmm_sregs *s, uint64_t linear,
			 uint64_t *gpa)
{
	if (!(s->cr0 & X86_CR0_PG)) {
		*gpa = (s->cr0 & X86_CR0_PE) ? (uint32_t)linear :
					       linear & 0x1fffff;
		return 0;
	}
	if (s->efer & X86_EFER_LMA)
		return walk4(ram, s->cr3, linear, gpa);
	if (s->cr4 & X86_CR4_PAE)
		return -1;
	return walk2(ram, s->cr3, s->cr4, (uint32_t)linear, gpa);
}
