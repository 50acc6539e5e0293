/* SPDX-License-Identifier: GPL-2.0 */
/* Copy a flat binary into guest memory. */
#ifndef VMM_LOADER_FLAT_H
#define VMM_LOADER_FLAT_H

#include <stddef.h>
#include <stdint.h>

#include "x86_setup.h"

/*
 * Loads @path at guest-physical @addr after checking that it fits and
 * overlaps nothing the VMM writes.  0, or -1 with a message in @msg.
 */
int flat_load(const char *path, uint64_t addr, enum x86_mode mode,
	      uint8_t *mem, uint64_t mem_size, char *msg, size_t len);

#endif
