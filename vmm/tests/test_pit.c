// SPDX-License-Identifier: GPL-2.0
/*
 * The 8254: counting in modes 0, 2 and 3 against a fake clock, latch and
 * read-back, channel 2 with port 0x61, and channel-0 interrupts on the
 * real clock (periodic and one-shot).
 */
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "ioport.h"
#include "log.h"
#include "pit.h"
#include "platform.h"
#include "tap.h"
#include "vmm.h"

bool log_debug_enabled;

static atomic_uint pulses, bad_calls;

void platform_irq(struct vmm *vmm, unsigned int irq, unsigned int level)
{
	static unsigned int last;

	(void)vmm;
	/* A pulse is 1 then 0 on IRQ0. */
	if (irq != 0 || level == last)
		atomic_fetch_add(&bad_calls, 1);
	last = level;
	if (level)
		atomic_fetch_add(&pulses, 1);
}

static uint64_t fake_ns;

static uint64_t fake_clock(void)
{
	return fake_ns;
}

/* The fake clock at the start of PIT tick @t (to load a count)... */
static void at_load(uint64_t t)
{
	fake_ns = t * 1000000000ull / PIT_FREQ_HZ;
}

/* ... and half a tick later (to read it). */
static void at_tick(uint64_t t)
{
	fake_ns = t * 1000000000ull / PIT_FREQ_HZ + 400;
}

static uint8_t inb(uint16_t port);
static void outb(uint16_t port, uint8_t v);

/* Port 0x61 is routed by power.c; the test calls the PIT directly. */
static uint8_t in61(void)
{
	return pit_port61_read();
}

static void out61(uint8_t v)
{
	pit_port61_write(v);
}

static uint8_t inb(uint16_t port)
{
	uint8_t v = 0;

	ioport_dispatch(port, &v, 1, false);
	return v;
}

static void outb(uint16_t port, uint8_t v)
{
	ioport_dispatch(port, &v, 1, true);
}

static unsigned int read_word(uint16_t port)
{
	unsigned int lo = inb(port);

	return lo | (unsigned int)inb(port) << 8;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * One (TSC, count) sample of channel 2 through the latch command, taken
 * again while a preemption makes the TSC bracket too wide.
 */
static bool sample(uint64_t *tsc, unsigned int *count)
{
	uint64_t before, after;
	int i;

	for (i = 0; i < 1000; i++) {
		before = __rdtsc();
		outb(0x43, 0x80);	/* latch channel 2 */
		*count = read_word(0x42);
		after = __rdtsc();
		if (after - before < 100000) {
			*tsc = before / 2 + after / 2;
			return true;
		}
	}
	return false;
}

/*
 * The TSC rate measured against channel 2 counting down from 0xffff in
 * mode 0, as Linux's PIT calibration does it.
 */
static double calibrate_tsc_khz(void)
{
	unsigned int c0, c1;
	uint64_t t0, t1;

	out61((in61() & ~0x02) | 0x01);
	outb(0x43, 0xb0);
	outb(0x42, 0xff);
	outb(0x42, 0xff);
	if (!sample(&t0, &c0))
		return 0;
	sleep_ms(20);
	if (!sample(&t1, &c1) || c1 >= c0)
		return 0;
	return (double)(t1 - t0) * PIT_FREQ_HZ / (c0 - c1) / 1000;
}

static double tsc_khz_by_clock(void)
{
	struct timespec a, b;
	uint64_t t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = __rdtsc();
	sleep_ms(50);
	clock_gettime(CLOCK_MONOTONIC, &b);
	t1 = __rdtsc();
	return (double)(t1 - t0) /
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) * 1e6;
}

int main(void)
{
	static struct vmm vmm;
	uint64_t (*real_clock)(void) = pit_clock;
	unsigned int v, n, msb, k, bad = 0;
	double pit_khz = 0, ref, err;

	ok(pit_init(&vmm) == 0, "ports 0x40-0x43 registered, timer thread up");
	pit_clock = fake_clock;

	/* Mode 2, count 1000. */
	at_load(0);
	outb(0x43, 0x34);
	outb(0x40, 1000 & 0xff);
	outb(0x40, 1000 >> 8);
	at_tick(100);
	outb(0x43, 0x00);	/* latch channel 0 */
	at_tick(500);
	v = read_word(0x40);
	ok(v == 900, "mode 2: latched count 900 after 100 ticks (%u)", v);
	at_tick(1050);
	v = read_word(0x40);
	ok(v == 950, "mode 2: reloads: 950 after 1050 ticks (%u)", v);
	at_tick(1999);
	v = read_word(0x40);
	ok(v == 1, "mode 2: reads 1 just before the reload (%u)", v);

	/* Mode 3, count 1000: decrements by 2. */
	at_load(0);
	outb(0x43, 0x36);
	outb(0x40, 1000 & 0xff);
	outb(0x40, 1000 >> 8);
	at_tick(100);
	v = read_word(0x40);
	ok(v == 800, "mode 3: 800 after 100 ticks (%u)", v);
	at_load(0);

	/* Mode 0 on channel 2, quick_pit_calibrate style. */
	out61((in61() & ~0x02) | 0x01);
	ok((in61() & 0x03) == 0x01, "port 0x61: gate 2 on, speaker off");
	outb(0x43, 0xb0);
	outb(0x42, 0xff);
	outb(0x42, 0xff);
	for (k = 0; k < 256; k++) {
		at_tick(k * 256 + 128);
		inb(0x42);
		msb = inb(0x42);
		if (msb != 0xff - k)
			bad++;
	}
	ok(!bad, "mode 0: the MSB falls by one every 256 ticks (%u wrong)", bad);
	at_tick(0xfffe);
	ok(!(in61() & 0x20), "OUT2 low before the terminal count");
	at_tick(0x10000);
	ok(in61() & 0x20, "OUT2 high after it (port 0x61 bit 5)");

	/* pit_calibrate_tsc: 10 ms in mode 0, poll OUT2. */
	at_load(1000);
	outb(0x43, 0xb0);
	outb(0x42, 11932 & 0xff);
	outb(0x42, 11932 >> 8);
	at_tick(1000 + 11931);
	ok(!(in61() & 0x20), "10 ms count: OUT2 still low at 11931 ticks");
	at_tick(1000 + 11932);
	ok(in61() & 0x20, "OUT2 high at 11932 ticks");

	/* Read-back: status and count of channel 2. */
	outb(0x43, 0xc8);	/* read-back, count and status, channel 2 */
	v = inb(0x42);
	ok(v == (0x80 | 0x30 | 0x00), "read-back status: OUT=1, lo/hi, mode 0 (0x%02x)", v);
	v = read_word(0x42);
	ok(v == 0, "read-back count latched: 0 at the terminal count (0x%x)", v);

	/* LSB-only access. */
	outb(0x43, 0x94);	/* channel 2, LSB only, mode 2 */
	at_load(2000);
	outb(0x42, 100);
	at_tick(2010);
	ok(inb(0x42) == 90 && inb(0x42) == 90, "LSB-only reads: one byte each");

	/* Gate: mode 2 on channel 2 restarts on a rising gate. */
	out61(0x00);
	at_load(2050);
	out61(0x01);
	at_tick(2055);
	ok(inb(0x42) == 95, "rising gate restarts mode 2");

	/* The TSC rate from channel 2, as Linux calibrates it. */
	pit_clock = real_clock;
	ref = tsc_khz_by_clock();
	/* A sleep longer than the 55 ms count (a loaded host): again. */
	for (k = 0; k < 3 && !pit_khz; k++)
		pit_khz = calibrate_tsc_khz();
	err = pit_khz > ref ? pit_khz / ref - 1 : 1 - pit_khz / ref;
	ok(pit_khz > 0 && err < 0.01,
	   "TSC calibrated on channel 2: %.0f kHz, by the clock %.0f kHz",
	   pit_khz, ref);

	/* Channel 0 interrupts on the real clock. */
	atomic_store(&pulses, 0);
	outb(0x43, 0x34);
	outb(0x40, 11932 & 0xff);	/* 10 ms */
	outb(0x40, 11932 >> 8);
	sleep_ms(205);
	outb(0x43, 0x30);		/* mode 0, no count: disarmed */
	n = atomic_load(&pulses);
	/* A loaded host merges late expiries into one pulse: at most 21. */
	ok(n >= 5 && n <= 21, "mode 2 at 100 Hz: %u pulses in 205 ms", n);
	sleep_ms(50);
	ok(atomic_load(&pulses) == n, "reprogramming stops them");
	atomic_store(&pulses, 0);
	outb(0x40, 11932 & 0xff);
	outb(0x40, 11932 >> 8);
	sleep_ms(100);
	ok(atomic_load(&pulses) == 1, "mode 0: exactly one pulse (%u)", atomic_load(&pulses));
	ok(!atomic_load(&bad_calls), "every pulse is IRQ0 1 then 0");
	pit_exit();
	return tap_finish();
}
