/* SPDX-License-Identifier: GPL-2.0 */
/* Reading guest memory from the VMM (for dumps). */
#ifndef VMM_GUEST_MEM_H
#define VMM_GUEST_MEM_H

#include <stdint.h>

#include "../include/minivmm.h"

/*
 * Translates a linear address with the guest's paging state: paging off,
 * 32-bit 2-level paging or 4-level paging.  0 or -1 (not mapped, not in
 * guest memory, or a paging form not handled such as legacy PAE).
 */
int guest_linear_to_phys(const uint8_t *mem, uint64_t mem_size,
			 const struct minivmm_sregs *s, uint64_t linear,
			 uint64_t *gpa);

#endif
