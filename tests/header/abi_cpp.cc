// SPDX-License-Identifier: GPL-2.0
/*
 * abi_cpp.cc - include/minivmm.h must build on its own in C++11 (a VMM in
 * C++ includes it as is), with the same layout as in C.
 */
#include "../../include/minivmm.h"	// first: it must be self-contained

#include <cstddef>

#include "abi_layout.h"

static int abi_ioctl_distinct(unsigned long cmd)
{
	switch (cmd) {
	ABI_IOCTL_CASES
		return 1;
	default:
		return 0;
	}
}

int main()
{
	return abi_ioctl_distinct(MINIVMM_RUN) ? 0 : 1;
}
