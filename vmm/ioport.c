// SPDX-License-Identifier: GPL-2.0
/* Port IO dispatch (ioport.h). */
#include <errno.h>
#include <string.h>

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

int ioport_register(uint16_t base, uint16_t len, ioport_fn fn, void *opaque,
		    const char *name)
{
	unsigned int i;
	uint32_t end = (uint32_t)base + len;

	if (!len || end > 0x10000)
		return -EINVAL;
	for (i = 0; i < ioport_count; i++) {
		struct ioport_range *r = &ioport_table[i];

		if (base < r->base + r->len && end > r->base)
			return -EBUSY;
	}
	if (ioport_count == IOPORT_MAX)
		return -ENOSPC;
	ioport_table[ioport_count++] = (struct ioport_range) {
		.base = base, .len = len, .fn = fn, .opaque = opaque,
		.name = name,
	};
	return 0;
}

void ioport_reset(void)
{
	ioport_count = 0;
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
		pr_debug("unhandled out%c port 0x%x value 0x%x",
			 size == 1 ? 'b' : size == 2 ? 'w' : 'l', port, v);
		return;
	}
	pr_debug("unhandled in%c port 0x%x (reads all ones)",
		 size == 1 ? 'b' : size == 2 ? 'w' : 'l', port);
	memset(data, 0xff, size);
}
