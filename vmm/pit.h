/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 8254 programmable interval timer at 0x40-0x43, clocked at
 * 1.193182 MHz, plus the channel-2 bits of port 0x61 (gate, speaker
 * enable, OUT2).
 *
 * Counters are not ticked: a read computes the value from the time
 * CLOCK_MONOTONIC has advanced since the count was loaded, so reads are
 * exact and cost nothing while nobody looks.  Channel 0's output drives
 * ISA IRQ0 (GSI 2): a timer thread (timerfd) pulses it on each period in
 * modes 2 and 3 and once in modes 0 and 4.  A late thread pulses once
 * for all the periods it missed (the guest's tick code catches up from
 * its clocksource).
 *
 * Simplifications: BCD counting is accepted but counts in binary; in
 * modes 0 and 4 a low gate does not pause the count (only channel 2
 * has a gate a guest can move, and Linux raises it before loading).
 */
#ifndef VMM_PIT_H
#define VMM_PIT_H

#include <stdbool.h>
#include <stdint.h>

struct vmm;

#define PIT_PORT_BASE		0x40
#define PIT_FREQ_HZ		1193182ull

int pit_init(struct vmm *vmm);
void pit_exit(void);

/* Port 0x61 (platform.c routes it here). */
uint8_t pit_port61_read(void);
void pit_port61_write(uint8_t val);

/* For tests: the clock the counters run on (ns, CLOCK_MONOTONIC). */
extern uint64_t (*pit_clock)(void);

#endif
