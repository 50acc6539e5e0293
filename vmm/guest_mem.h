/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest RAM as the VMM sees it.  The VMM maps all of it in one piece;
 * the guest sees it split around the 32-bit hole (MMIO: virtio, IOAPIC,
 * LAPIC): guest-physical [0, min(size, 3 GiB)) is the start of the
 * mapping and whatever is left appears from 4 GiB on.
 */
#ifndef VMM_GUEST_MEM_H
#define VMM_GUEST_MEM_H

#include <stdint.h>

#include "../include/minivmm.h"

#define GUEST_HOLE_START	0xc0000000ULL	/* end of low RAM */
#define GUEST_HIGH_START	0x100000000ULL	/* start of high RAM */

struct guest_ram {
	uint8_t *host;			/* the mapping of all guest RAM */
	uint64_t size;			/* bytes of RAM */
};

/* Bytes of RAM below the hole. */
static inline uint64_t guest_ram_low_size(uint64_t size)
{
	return size < GUEST_HOLE_START ? size : GUEST_HOLE_START;
}

/* Bytes of RAM from GUEST_HIGH_START on. */
static inline uint64_t guest_ram_high_size(uint64_t size)
{
	return size - guest_ram_low_size(size);
}

/*
 * The host address of guest-physical [@gpa, @gpa + @len) when the whole
 * range is RAM on one side of the hole, else NULL.  Overflow-safe.
 */
void *guest_ram_ptr(const struct guest_ram *ram, uint64_t gpa, uint64_t len);

/*
 * Translates a linear address with the guest's paging state: paging off,
 * 32-bit 2-level paging or 4-level paging.  0 or -1 (not mapped, a table
 * not in guest RAM, or a paging form not handled such as legacy PAE).
 */
int guest_linear_to_phys(const struct guest_ram *ram,
			 const struct minivmm_sregs *s, uint64_t linear,
			 uint64_t *gpa);

#endif
