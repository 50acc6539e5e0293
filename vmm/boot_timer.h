/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Boot timer (like Firecracker's): how long the guest took to boot.
 *
 * The clock starts when minivmm starts.  boot_timer_guest_start(), called
 * by a vCPU thread before it enters MINIVMM_RUN, records the first guest
 * instruction; the first write to BOOT_TIMER_PORT (any value; the test
 * guest's /init writes 123, Firecracker's value) records "/init reached"
 * and prints, once, on stderr:
 *
 *   minivmm: boot-time first-insn=X.XXX ms init=Y.YYY ms
 *
 * both counted from the start of minivmm.  Reads of the port return 0xff.
 */
#ifndef VMM_BOOT_TIMER_H
#define VMM_BOOT_TIMER_H

#define BOOT_TIMER_PORT	0x440

/* Registers the port; 0, or -1 with errno set. */
int boot_timer_init(void);
/* Cheap and idempotent: only the first call of all threads counts. */
void boot_timer_guest_start(void);

#endif
