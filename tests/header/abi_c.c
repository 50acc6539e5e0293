// SPDX-License-Identifier: GPL-2.0
/*
 * abi_c.c - include/minivmm.h must build on its own in strict C11, and its
 * layout must not move: every offset below is part of the ABI.
 */
#include "../../include/minivmm.h"	/* first: it must be self-contained */

#include <stddef.h>

#include "abi_layout.h"

/* Two ioctls with the same number would be two equal case labels. */
int abi_ioctl_distinct(unsigned long cmd);
int abi_ioctl_distinct(unsigned long cmd)
{
	switch (cmd) {
	ABI_IOCTL_CASES
		return 1;
	default:
		return 0;
	}
}

int main(void)
{
	return abi_ioctl_distinct(MINIVMM_RUN) ? 0 : 1;
}
