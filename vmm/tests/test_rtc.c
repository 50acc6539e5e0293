// SPDX-License-Identifier: GPL-2.0
/* The RTC/CMOS: BCD and binary time, 12/24 h, UIP, setting, memory bytes. */
#define _GNU_SOURCE
#include <time.h>

#include "ioport.h"
#include "log.h"
#include "rtc.h"
#include "tap.h"
#include "vmm.h"

bool log_debug_enabled;

static int64_t fake_ns;

static int64_t fake_clock(void)
{
	return fake_ns;
}

static uint8_t cmos(uint8_t idx)
{
	uint8_t v = 0;

	ioport_dispatch(0x70, &idx, 1, true);
	ioport_dispatch(0x71, &v, 1, false);
	return v;
}

static void cmos_set(uint8_t idx, uint8_t v)
{
	ioport_dispatch(0x70, &idx, 1, true);
	ioport_dispatch(0x71, &v, 1, true);
}

int main(void)
{
	static struct vmm vmm;
	struct tm tm = { .tm_year = 126, .tm_mon = 10, .tm_mday = 21,
			 .tm_hour = 23, .tm_min = 45, .tm_sec = 56 };
	int64_t t0 = (int64_t)timegm(&tm) * 1000000000ll;

	rtc_clock = fake_clock;
	fake_ns = t0 + 500000000ll;
	vmm.cfg.mem_size = 512ull << 20;
	ok(rtc_init(&vmm) == 0, "ports 0x70-0x71 registered");
	ok(cmos(0) == 0x56 && cmos(2) == 0x45 && cmos(4) == 0x23,
	   "BCD time 23:45:56");
	ok(cmos(7) == 0x21 && cmos(8) == 0x11 && cmos(9) == 0x26 &&
	   cmos(0x32) == 0x20, "BCD date 21.11.2026, century 0x20");
	ok(cmos(6) == 0x07, "day of week: Saturday = 7");
	ok(cmos(0x0b) == 0x02 && cmos(0x0d) == 0x80, "B: 24 h BCD; D: VRT");
	ok(!(cmos(0x0a) & 0x80), "no UIP mid-second");
	fake_ns = t0 + 999900000ll;
	ok(cmos(0x0a) & 0x80, "UIP in the last 244 us of a second");
	fake_ns = t0 + 500000000ll;
	ok(cmos(0x80 | 0x0a) == 0x26, "NMI bit of the index ignored");

	cmos_set(0x0b, 0x06);
	ok(cmos(0) == 56 && cmos(4) == 23 && cmos(9) == 26 && cmos(0x32) == 20,
	   "binary mode");
	cmos_set(0x0b, 0x04);
	ok(cmos(4) == (0x80 | 11), "12-hour binary: 11 PM");
	cmos_set(0x0b, 0x02);

	/* The guest sets 10:00:00 with SET held; the clock then runs on. */
	cmos_set(0x0b, 0x82);
	cmos_set(4, 0x10);
	cmos_set(2, 0x00);
	cmos_set(0, 0x00);
	ok(cmos(4) == 0x10, "time registers hold while SET");
	cmos_set(0x0b, 0x02);
	fake_ns += 61ll * 1000000000ll;
	ok(cmos(4) == 0x10 && cmos(2) == 0x01 && cmos(0) == 0x01 &&
	   cmos(7) == 0x21, "new time kept as an offset: 10:01:01 a minute later");

	ok(cmos(0x15) == 0x80 && cmos(0x16) == 0x02, "base memory 640 KiB");
	ok(cmos(0x17) == 0xff && cmos(0x18) == 0xff && cmos(0x30) == 0xff,
	   "extended memory saturates at 0xffff KiB");
	ok(cmos(0x34) == 0x00 && cmos(0x35) == 0x1f,
	   "above 16 MiB: 0x1f00 x 64 KiB for 512 MiB");
	ok(cmos(0x5b) == 0 && cmos(0x5c) == 0 && cmos(0x5d) == 0,
	   "nothing above 4 GiB");
	ioport_reset();
	vmm.cfg.mem_size = 5ull << 30;
	rtc_init(&vmm);
	ok(cmos(0x34) == 0x00 && cmos(0x35) == 0xbf && cmos(0x5b) == 0x00 &&
	   cmos(0x5c) == 0x80 && cmos(0x5d) == 0x00,
	   "5 GiB: 3 GiB low (0xbf00 x 64 KiB), 2 GiB high (0x8000 x 64 KiB)");
	return tap_finish();
}
