// SPDX-License-Identifier: GPL-2.0
/* Port IO and MMIO dispatch: ranges, overlaps, unknown addresses. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "ioport.h"
#include "log.h"
#include "mmio.h"
#include "tap.h"

bool log_debug_enabled;

static unsigned int calls;
static uint16_t last_port;
static uint64_t last_addr;

static void dev_io(void *opaque, uint16_t port, uint8_t *data,
		   unsigned int size, bool is_write)
{
	(void)opaque;
	calls++;
	last_port = port;
	if (!is_write)
		memset(data, 0x11, size);
}

static void dev_mmio(void *opaque, uint64_t addr, uint8_t *data,
		     unsigned int len, bool is_write)
{
	(void)opaque;
	calls++;
	last_addr = addr;
	if (!is_write)
		memset(data, 0x22, len);
}

/* -1 with errno @err. */
static bool failed(int ret, int err)
{
	return ret == -1 && errno == err;
}

int main(void)
{
	uint8_t d[8];

	ok(ioport_register(0x3f8, 8, dev_io, NULL, "a") == 0, "register 0x3f8-0x3ff");
	ok(failed(ioport_register(0x3ff, 1, dev_io, NULL, "b"), EBUSY),
	   "overlap rejected");
	ok(ioport_register(0x3f0, 8, dev_io, NULL, "c") == 0, "adjacent range accepted");
	ok(failed(ioport_register(0xffff, 2, dev_io, NULL, "d"), EINVAL),
	   "range past 0xffff rejected");
	ok(failed(ioport_register(0x10, 0, dev_io, NULL, "e"), EINVAL),
	   "empty range rejected");

	calls = 0;
	ioport_dispatch(0x3fd, d, 1, false);
	ok(calls == 1 && last_port == 0x3fd && d[0] == 0x11, "in from a device port");
	memset(d, 0, sizeof(d));
	ioport_dispatch(0x80, d, 4, false);
	ok(calls == 1 && d[0] == 0xff && d[3] == 0xff && d[4] == 0,
	   "unknown port reads all ones, only size bytes");
	ioport_dispatch(0x80, d, 2, true);
	ok(calls == 1, "unknown port write ignored");

	ok(mmio_register(0xd0000000, 0x1000, dev_mmio, NULL, "m") == 0, "register MMIO");
	ok(failed(mmio_register(0xd0000800, 0x1000, dev_mmio, NULL, "n"), EBUSY),
	   "MMIO overlap rejected");
	ok(failed(mmio_register(~0ULL - 10, 100, dev_mmio, NULL, "o"), EINVAL),
	   "wrapping MMIO range rejected");
	calls = 0;
	mmio_dispatch(0xd0000ff8, d, 8, false);
	ok(calls == 1 && last_addr == 0xd0000ff8 && d[7] == 0x22, "MMIO read reaches the device");
	memset(d, 0, sizeof(d));
	mmio_dispatch(0xd0001000, d, 4, false);
	ok(calls == 1 && d[0] == 0xff && d[3] == 0xff && d[4] == 0, "unbacked MMIO reads all ones");
	mmio_dispatch(0xd0001000, d, 8, true);
	ok(calls == 1, "unbacked MMIO write ignored");
	return tap_finish();
}
