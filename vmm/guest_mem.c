// SPDX-License-Identifier: GPL-2.0
/* Guest page-table walker (guest_mem.h). */
#include <string.h>

#include "guest_mem.h"
#include "x86_setup.h"

#define PTE_ADDR_MASK	0x000ffffffffff000ULL
#define CR4_PSE		(1ULL << 4)

static int read_pte(const uint8_t *mem, uint64_t mem_size, uint64_t gpa,
		    unsigned int size, uint64_t *pte)
{
	*pte = 0;
	if (gpa >= mem_size || mem_size - gpa < size)
		return -1;
	memcpy(pte, mem + gpa, size);
	return 0;
}

static int walk4(const uint8_t *mem, uint64_t mem_size, uint64_t cr3,
		 uint64_t va, uint64_t *gpa)
{
	uint64_t table = cr3 & PTE_ADDR_MASK, pte;
	int level;

	for (level = 3; level >= 0; level--) {
		unsigned int shift = 12 + 9 * (unsigned int)level;
		uint64_t idx = (va >> shift) & 511;

		if (read_pte(mem, mem_size, table + idx * 8, 8, &pte) ||
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

static int walk2(const uint8_t *mem, uint64_t mem_size, uint64_t cr3,
		 uint64_t cr4, uint32_t va, uint64_t *gpa)
{
	uint64_t pde, pte;

	if (read_pte(mem, mem_size, (cr3 & 0xfffff000) + (va >> 22) * 4, 4,
		     &pde) || !(pde & X86_PTE_P))
		return -1;
	if ((pde & X86_PTE_PS) && (cr4 & CR4_PSE)) {
		*gpa = (pde & 0xffc00000) | (va & 0x3fffff);
		return 0;
	}
	if (read_pte(mem, mem_size, (pde & 0xfffff000) + ((va >> 12) & 1023) * 4,
		     4, &pte) || !(pte & X86_PTE_P))
		return -1;
	*gpa = (pte & 0xfffff000) | (va & 0xfff);
	return 0;
}

int guest_linear_to_phys(const uint8_t *mem, uint64_t mem_size,
			 const struct minivmm_sregs *s, uint64_t linear,
			 uint64_t *gpa)
{
	if (!(s->cr0 & X86_CR0_PG)) {
		*gpa = (s->cr0 & X86_CR0_PE) ? (uint32_t)linear :
					       linear & 0x1fffff;
		return 0;
	}
	if (s->efer & X86_EFER_LMA)
		return walk4(mem, mem_size, s->cr3, linear, gpa);
	if (s->cr4 & X86_CR4_PAE)
		return -1;
	return walk2(mem, mem_size, s->cr3, s->cr4, (uint32_t)linear, gpa);
}
