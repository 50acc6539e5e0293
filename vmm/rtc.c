// SPDX-License-Identifier: GPL-2.0
/*
 * The RTC/CMOS (rtc.h).  Register map from the MC146818A data sheet and
 * the PC/AT CMOS layout (memory size bytes, century at 0x32, the
 * register FADT.CENTURY names).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "ioport.h"
#include "rtc.h"
#include "vmm.h"

#define RTC_SECONDS		0x00
#define RTC_MINUTES		0x02
#define RTC_HOURS		0x04
#define RTC_DAY_OF_WEEK		0x06
#define RTC_DAY			0x07
#define RTC_MONTH		0x08
#define RTC_YEAR		0x09
#define RTC_REG_A		0x0a
#define RTC_REG_B		0x0b
#define RTC_REG_C		0x0c
#define RTC_REG_D		0x0d
#define RTC_CENTURY		0x32
#define RTC_A_UIP		0x80
#define RTC_B_SET		0x80
#define RTC_B_BINARY		0x04
#define RTC_B_24H		0x02
#define RTC_D_VRT		0x80
#define RTC_HOUR_PM		0x80
#define RTC_UIP_NS		244000ll
#define CMOS_SIZE		128
#define NSEC_PER_SEC		1000000000ll
#define KIB			1024ull
#define MIB			(1024 * KIB)
#define GIB			(1024 * MIB)
#define LOW_RAM_END		(3 * GIB)	/* the 32-bit hole starts here */

static int64_t rtc_clock_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

int64_t (*rtc_clock)(void) = rtc_clock_realtime;

static struct {
	pthread_mutex_t lock;
	uint8_t index;
	uint8_t cmos[CMOS_SIZE];
	int64_t offset_s;	/* guest time - host time */
} rtc_state = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint8_t rtc_to_bcd(unsigned int v)
{
	return (uint8_t)((v / 10) << 4 | v % 10);
}

static unsigned int rtc_from_bcd(uint8_t v)
{
	return (v >> 4) * 10u + (v & 15);
}

static bool rtc_binary(void)
{
	return rtc_state.cmos[RTC_REG_B] & RTC_B_BINARY;
}

static uint8_t rtc_enc(unsigned int v)
{
	return rtc_binary() ? (uint8_t)v : rtc_to_bcd(v);
}

static unsigned int rtc_dec(uint8_t v)
{
	return rtc_binary() ? v : rtc_from_bcd(v);
}

static uint8_t rtc_enc_hour(unsigned int h)
{
	unsigned int h12;

	if (rtc_state.cmos[RTC_REG_B] & RTC_B_24H)
		return rtc_enc(h);
	h12 = h % 12 ? h % 12 : 12;
	return (uint8_t)(rtc_enc(h12) | (h >= 12 ? RTC_HOUR_PM : 0));
}

static unsigned int rtc_dec_hour(uint8_t v)
{
	unsigned int h;

	if (rtc_state.cmos[RTC_REG_B] & RTC_B_24H)
		return rtc_dec(v);
	h = rtc_dec(v & (uint8_t)~RTC_HOUR_PM) % 12;
	return v & RTC_HOUR_PM ? h + 12 : h;
}

/* Fill the time registers from the clock (unless the guest holds SET). */
static void rtc_refresh(int64_t now_ns)
{
	time_t t = (time_t)(now_ns / NSEC_PER_SEC + rtc_state.offset_s);
	struct tm tm;

	if (rtc_state.cmos[RTC_REG_B] & RTC_B_SET)
		return;
	if (!gmtime_r(&t, &tm))
		return;
	rtc_state.cmos[RTC_SECONDS] = rtc_enc((unsigned int)tm.tm_sec);
	rtc_state.cmos[RTC_MINUTES] = rtc_enc((unsigned int)tm.tm_min);
	rtc_state.cmos[RTC_HOURS] = rtc_enc_hour((unsigned int)tm.tm_hour);
	rtc_state.cmos[RTC_DAY_OF_WEEK] = rtc_enc((unsigned int)tm.tm_wday + 1);
	rtc_state.cmos[RTC_DAY] = rtc_enc((unsigned int)tm.tm_mday);
	rtc_state.cmos[RTC_MONTH] = rtc_enc((unsigned int)tm.tm_mon + 1);
	rtc_state.cmos[RTC_YEAR] = rtc_enc((unsigned int)tm.tm_year % 100);
	rtc_state.cmos[RTC_CENTURY] = rtc_enc((unsigned int)(tm.tm_year + 1900) / 100);
}

/* The guest set the clock: keep its time as an offset from the host's. */
static void rtc_commit(int64_t now_ns)
{
	struct tm tm = { 0 };
	time_t t;

	tm.tm_sec = (int)rtc_dec(rtc_state.cmos[RTC_SECONDS]);
	tm.tm_min = (int)rtc_dec(rtc_state.cmos[RTC_MINUTES]);
	tm.tm_hour = (int)rtc_dec_hour(rtc_state.cmos[RTC_HOURS]);
	tm.tm_mday = (int)rtc_dec(rtc_state.cmos[RTC_DAY]);
	tm.tm_mon = (int)rtc_dec(rtc_state.cmos[RTC_MONTH]) - 1;
	tm.tm_year = (int)(rtc_dec(rtc_state.cmos[RTC_CENTURY]) * 100 +
			   rtc_dec(rtc_state.cmos[RTC_YEAR])) - 1900;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return;
	rtc_state.offset_s = (int64_t)t - now_ns / NSEC_PER_SEC;
}

static uint8_t rtc_read(uint8_t idx, int64_t now_ns)
{
	uint8_t val;

	if (idx <= RTC_YEAR || idx == RTC_CENTURY)
		rtc_refresh(now_ns);
	switch (idx) {
	case RTC_REG_A:
		val = rtc_state.cmos[RTC_REG_A] & (uint8_t)~RTC_A_UIP;
		if (!(rtc_state.cmos[RTC_REG_B] & RTC_B_SET) &&
		    now_ns % NSEC_PER_SEC >= NSEC_PER_SEC - RTC_UIP_NS)
			val |= RTC_A_UIP;
		return val;
	case RTC_REG_C:
		/* No interrupt sources: flags read 0 (and would clear). */
		return 0;
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		return rtc_state.cmos[idx];
	}
}

static void rtc_write(uint8_t idx, uint8_t val, int64_t now_ns)
{
	bool was_set = rtc_state.cmos[RTC_REG_B] & RTC_B_SET;

	switch (idx) {
	case RTC_REG_A:
		rtc_state.cmos[idx] = val & (uint8_t)~RTC_A_UIP;
		break;
	case RTC_REG_B:
		/* Freeze the registers as they read now before a SET. */
		if (!was_set)
			rtc_refresh(now_ns);
		rtc_state.cmos[idx] = val;
		if (was_set && !(val & RTC_B_SET))
			rtc_commit(now_ns);
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break;		/* read-only */
	default:
		/* A time register written outside SET takes effect at once. */
		if (!was_set && (idx <= RTC_YEAR || idx == RTC_CENTURY)) {
			rtc_refresh(now_ns);
			rtc_state.cmos[idx] = val;
			rtc_commit(now_ns);
			break;
		}
		rtc_state.cmos[idx] = val;
		break;
	}
}

static void rtc_io(void *opaque, uint16_t port, uint8_t *data,
		   unsigned int size, bool is_write)
{
	int64_t now = rtc_clock();
	unsigned int i;

	(void)opaque;
	pthread_mutex_lock(&rtc_state.lock);
	for (i = 0; i < size; i++, port++) {
		if (port == RTC_INDEX_PORT) {
			if (is_write)
				rtc_state.index = data[i] & (CMOS_SIZE - 1);
			else
				data[i] = 0xff;	/* write-only on a PC */
		} else if (port == RTC_DATA_PORT) {
			if (is_write)
				rtc_write(rtc_state.index, data[i], now);
			else
				data[i] = rtc_read(rtc_state.index, now);
		} else if (!is_write) {
			data[i] = 0xff;
		}
	}
	pthread_mutex_unlock(&rtc_state.lock);
}

static void cmos_put16(unsigned int idx, uint64_t v)
{
	if (v > 0xffff)
		v = 0xffff;
	rtc_state.cmos[idx] = (uint8_t)v;
	rtc_state.cmos[idx + 1] = (uint8_t)(v >> 8);
}

/* The memory size bytes a PC BIOS leaves in CMOS. */
static void cmos_memory(uint64_t mem_size)
{
	uint64_t low = mem_size < LOW_RAM_END ? mem_size : LOW_RAM_END;
	uint64_t high = mem_size - low, v;

	cmos_put16(0x15, 640);				/* base memory, KiB */
	v = low > MIB ? (low - MIB) / KIB : 0;		/* above 1 MiB, KiB */
	cmos_put16(0x17, v);
	cmos_put16(0x30, v);
	v = low > 16 * MIB ? (low - 16 * MIB) / (64 * KIB) : 0;
	cmos_put16(0x34, v);				/* above 16 MiB, 64 KiB */
	v = high / (64 * KIB);				/* above 4 GiB, 64 KiB */
	if (v > 0xffffff)
		v = 0xffffff;
	rtc_state.cmos[0x5b] = (uint8_t)v;
	rtc_state.cmos[0x5c] = (uint8_t)(v >> 8);
	rtc_state.cmos[0x5d] = (uint8_t)(v >> 16);
}

int rtc_init(struct vmm *vmm)
{
	pthread_mutex_lock(&rtc_state.lock);
	memset(rtc_state.cmos, 0, sizeof(rtc_state.cmos));
	rtc_state.index = 0;
	rtc_state.offset_s = 0;
	rtc_state.cmos[RTC_REG_A] = 0x26;	/* 32.768 kHz time base, 1024 Hz rate */
	rtc_state.cmos[RTC_REG_B] = RTC_B_24H;
	cmos_memory(vmm->cfg.mem_size);
	pthread_mutex_unlock(&rtc_state.lock);
	return ioport_register(RTC_INDEX_PORT, 2, rtc_io, NULL, "rtc");
}
