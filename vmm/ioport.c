// SPDX-License-Identifier: GPL-2.0
/* Port IO dispatch (ioport.h). */
#include <errno.h>
#include <string.h>

#include "err.h"
#include "ioport.h"
#include "log.h"

#define IOPORT_MAX	16

struct ioport_range {
	uint16_t base;
	uint16_t len;
	ioport_fn fn;
	void *opaque;
	const char *name;
};

static struct ioport_range ioport_table[IOPORT_MAX];
static unsigned int ioport_count;
/*
 * Unhandled ports already logged, reads and writes apart: a PCI bus scan
 * would flood the log.
 */
static uint8_t ioport_logged[2][0x10000 / 8];

/* True the first time @port is seen unhandled this way (with --debug). */
static bool ioport_log_once(uint16_t port, bool is_write)
{
	uint8_t bit = (uint8_t)(1u << (port & 7));

	if (!log_debug_enabled)
		return false;
	return !(__atomic_fetch_or(&ioport_logged[is_write][port >> 3], bit,
				   __ATOMIC_RELAXED) & bit);
}

int ioport_register(uint16_t base, uint16_t len, ioport_fn fn, void *opaque,
		    const char *name)
{
	unsigned int i;
	uint32_t end = (uint32_t)base + len;

	if (!len || end > 0x10000)
		return err_set(EINVAL);
	for (i = 0; i < ioport_count; i++) {
		struct ioport_range *r = &ioport_table[i];

		if (base < r->base + r->len && end > r->base)
			return err_set(EBUSY);
	}
	if (ioport_count == IOPORT_MAX)
		return err_set(ENOSPC);
	ioport_table[ioport_count++] = (struct ioport_range) {
		.base = base, .len = len, .fn = fn, .opaque = opaque,
		.name = name,
	};
	return 0;
}

int ioport_for_each_gap(int (*fn)(void *opaque, uint16_t base,
				  uint32_t len), void *opaque)
{
	uint32_t port = 0, next;
	unsigned int i;
	int ret;

	while (port < 0x10000) {
		/* The first registered range at or after @port. */
		next = 0x10000;
		for (i = 0; i < ioport_count; i++) {
			const struct ioport_range *r = &ioport_table[i];

			if (port >= r->base && port - r->base < r->len) {
				next = port;
				break;
			}
			if (r->base > port && r->base < next)
				next = r->base;
		}
		if (next > port) {
			ret = fn(opaque, (uint16_t)port, next - port);
			if (ret)
				return ret;
			port = next;
			continue;
		}
		port = (uint32_t)ioport_table[i].base + ioport_table[i].len;
	}
	return 0;
}

void ioport_reset(void)
{
	ioport_count = 0;
	memset(ioport_logged, 0, sizeof(ioport_logged));
}

void ioport_dispatch(uint16_t port, uint8_t *data, unsigned int size,
		     bool is_write)
{
	unsigned int i;

	for (i = 0; i < ioport_count; i++) {
		struct ioport_range *r = &ioport_table[i];

		if (port >= r->base && port - r->base < r->len) {
			r->fn(r->opaque, port, data, size, is_write);
			return;
		}
	}
	if (is_write) {
		uint32_t v = 0;

		memcpy(&v, data, size > 4 ? 4 : size);
		if (ioport_log_once(port, true))
			pr_debug("unhandled out%c port 0x%x value 0x%x (logged once)",
				 size == 1 ? 'b' : size == 2 ? 'w' : 'l',
				 port, v);
		return;
	}
	if (ioport_log_once(port, false))
		pr_debug("unhandled in%c port 0x%x (reads all ones; logged once)",
			 size == 1 ? 'b' : size == 2 ? 'w' : 'l', port);
	memset(data, 0xff, size);
}
