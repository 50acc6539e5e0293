/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Port IO dispatch.  Devices register a port range before the
 * vCPUs start; the table is read-only afterwards, so lookups need no lock
 * (each device locks its own state).
 */
#ifndef VMM_IOPORT_H
#define VMM_IOPORT_H

#include <stdbool.h>
#include <stdint.h>

/* @data holds @size bytes: the value written, or where to put the read. */
typedef void (*ioport_fn)(void *opaque, uint16_t port, uint8_t *data,
			  unsigned int size, bool is_write);

int ioport_register(uint16_t base, uint16_t len, ioport_fn fn, void *opaque,
		    const char *name);
/* Unknown ports read as all ones and ignore writes (logged with --debug). */
void ioport_dispatch(uint16_t port, uint8_t *data, unsigned int size,
		     bool is_write);
/*
 * Calls @fn for each maximal run of ports no device registered, in
 * ascending order; stops at and returns the first non-zero return.
 */
int ioport_for_each_gap(int (*fn)(void *opaque, uint16_t base,
				  uint32_t len), void *opaque);
void ioport_reset(void);

#endif
