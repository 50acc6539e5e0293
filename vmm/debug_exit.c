// SPDX-License-Identifier: GPL-2.0
/* The shutdown port (debug_exit.h). */
#include <string.h>

#include "debug_exit.h"
#include "ioport.h"
#include "log.h"
#include "vmm.h"

static void debug_exit_io(void *opaque, uint16_t port, uint8_t *data,
			  unsigned int size, bool is_write)
{
	(void)port;
	if (!is_write) {
		memset(data, 0xff, size);
		return;
	}
	pr_debug("guest wrote 0x%x to the exit port", data[0]);
	vmm_finish(opaque, data[0]);
}

int debug_exit_init(struct vmm *vmm)
{
	return ioport_register(DEBUG_EXIT_PORT, 1, debug_exit_io, vmm,
			       "debug-exit");
}
