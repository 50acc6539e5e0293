// SPDX-License-Identifier: GPL-2.0
/* MMIO dispatch (mmio.h). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "mmio.h"

#define MMIO_MAX	16

struct mmio_range {
	uint64_t base;
	uint64_t len;
	mmio_fn fn;
	void *opaque;
	const char *name;
};

static struct mmio_range mmio_table[MMIO_MAX];
static unsigned int mmio_count;

int mmio_register(uint64_t base, uint64_t len, mmio_fn fn, void *opaque,
		  const char *name)
{
	unsigned int i;

	if (!len || base + len < base)
		return err_set(EINVAL);
	for (i = 0; i < mmio_count; i++) {
		struct mmio_range *r = &mmio_table[i];

		if (base < r->base + r->len && base + len > r->base)
			return err_set(EBUSY);
	}
	if (mmio_count == MMIO_MAX)
		return err_set(ENOSPC);
	mmio_table[mmio_count++] = (struct mmio_range) {
		.base = base, .len = len, .fn = fn, .opaque = opaque,
		.name = name,
	};
	return 0;
}

void mmio_reset(void)
{
	mmio_count = 0;
}

void mmio_dispatch(uint64_t addr, uint8_t *data, unsigned int len,
		   bool is_write)
{
	unsigned int i;
	uint64_t v = 0;

	if (len > 8)
		len = 8;
	for (i = 0; i < mmio_count; i++) {
		struct mmio_range *r = &mmio_table[i];

		if (addr >= r->base && addr - r->base < r->len) {
			r->fn(r->opaque, addr, data, len, is_write);
			return;
		}
	}
	if (is_write) {
		memcpy(&v, data, len);
		pr_debug("unhandled MMIO write gpa 0x%" PRIx64 " len %u value 0x%" PRIx64,
			 addr, len, v);
		return;
	}
	pr_debug("unhandled MMIO read gpa 0x%" PRIx64 " len %u (reads all ones)",
		 addr, len);
	memset(data, 0xff, len);
}
