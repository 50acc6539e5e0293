/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MMIO dispatch for guest-physical addresses no memory slot
 * backs.  Same rules as ioport.h: register before the vCPUs start.
 */
#ifndef VMM_MMIO_H
#define VMM_MMIO_H

#include <stdbool.h>
#include <stdint.h>

typedef void (*mmio_fn)(void *opaque, uint64_t addr, uint8_t *data,
			unsigned int len, bool is_write);

int mmio_register(uint64_t base, uint64_t len, mmio_fn fn, void *opaque,
		  const char *name);
/* Unbacked addresses read as all ones and ignore writes (--debug logs). */
void mmio_dispatch(uint64_t addr, uint8_t *data, unsigned int len,
		   bool is_write);
void mmio_reset(void);

#endif
