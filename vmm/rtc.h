/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MC146818 RTC and its CMOS RAM at ports 0x70 (index; bit 7, the
 * NMI mask, is ignored) and 0x71 (data).  The clock is the host's
 * CLOCK_REALTIME plus an offset the guest sets by writing the time
 * registers (with register B's SET bit), in BCD or binary and 24- or
 * 12-hour format as register B says.  UIP (register A bit 7) reads 1
 * during the last 244 us before each second, as on the real part.
 * The CMOS RAM tells the memory size the way a PC BIOS does.  No
 * interrupts (IRQ8): periodic, alarm and update flags stay 0.
 */
#ifndef VMM_RTC_H
#define VMM_RTC_H

#include <stdint.h>

struct vmm;

#define RTC_INDEX_PORT		0x70
#define RTC_DATA_PORT		0x71

int rtc_init(struct vmm *vmm);

/* For tests: the wall clock (ns since the epoch). */
extern int64_t (*rtc_clock)(void);

#endif
