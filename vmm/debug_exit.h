/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Clean shutdown port (isa-debug-exit style).  A write of
 * value V (any size) to port 0x501 stops every vCPU and makes minivmm exit
 * with status V & 0xff; "mov $0,%al; out %al,$0x501" is a clean poweroff.
 */
#ifndef VMM_DEBUG_EXIT_H
#define VMM_DEBUG_EXIT_H

#define DEBUG_EXIT_PORT	0x501

struct vmm;

int debug_exit_init(struct vmm *vmm);

#endif
