// SPDX-License-Identifier: GPL-2.0
/*
 * The 8254 (pit.h).  Programming model from the Intel 82C54 data sheet:
 * control word (SC, RW, M, BCD), counter latch, read-back, and the six
 * modes as seen by software reading the count and OUT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "ioport.h"
#include "log.h"
#include "pit.h"
#include "platform.h"
#include "vmm.h"

#define PIT_CHANNELS		3
#define PIT_MODE_PORT		(PIT_PORT_BASE + 3)
#define PIT_RW_LATCH		0
#define PIT_RW_LSB		1
#define PIT_RW_MSB		2
#define PIT_RW_WORD		3
#define PIT_READBACK		3	/* SC field value */
#define PIT_RB_NO_COUNT		0x20
#define PIT_RB_NO_STATUS	0x10
#define PIT_STATUS_OUT		0x80
#define PIT_STATUS_NULL		0x40
#define PORT61_GATE2		0x01
#define PORT61_SPEAKER		0x02
#define PORT61_REFRESH		0x10
#define PORT61_OUT2		0x20
#define NSEC_PER_SEC		1000000000ull

struct pit_channel {
	uint8_t mode;		/* 0-5 */
	uint8_t rw;		/* PIT_RW_LSB/MSB/WORD */
	bool bcd;
	uint32_t count;		/* reload value, 1..65536 */
	uint64_t load_ns;	/* when counting (re)started */
	bool loaded;		/* a count was written since the mode */
	bool gate;
	bool write_msb;		/* word access: next write is the MSB */
	bool read_msb;		/* word access: next read is the MSB */
	uint8_t write_lsb;	/* the LSB waiting for its MSB */
	/* Latched count (read in rw order) and latched status. */
	uint16_t latch;
	unsigned int latch_bytes;	/* bytes of the latch left to read */
	bool latch_msb;			/* the next latched byte is the MSB */
	uint8_t status;
	bool status_latched;
};

static uint64_t pit_clock_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t (*pit_clock)(void) = pit_clock_monotonic;

static struct {
	pthread_mutex_t lock;
	struct vmm *vmm;
	struct pit_channel ch[PIT_CHANNELS];
	uint8_t port61;		/* gate 2 and speaker enable */
	int timer_fd, stop_fd;
	pthread_t thread;
	bool thread_running;
} pit_state = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.timer_fd = -1,
	.stop_fd = -1,
};

/* PIT clocks elapsed since the channel's count was loaded. */
static uint64_t pit_ticks(const struct pit_channel *c, uint64_t now)
{
	uint64_t ns = now > c->load_ns ? now - c->load_ns : 0;

	/* ns * f / 1e9 without overflow for any uptime of interest. */
	return (ns / NSEC_PER_SEC) * PIT_FREQ_HZ +
	       (ns % NSEC_PER_SEC) * PIT_FREQ_HZ / NSEC_PER_SEC;
}

/* The counting element's value now. */
static uint16_t pit_count(const struct pit_channel *c, uint64_t now)
{
	uint64_t d = pit_ticks(c, now);

	if (!c->loaded)
		return (uint16_t)c->count;
	switch (c->mode) {
	case 2:
		return (uint16_t)(c->count - d % c->count);
	case 3:
		/* Decrements by two, twice per period. */
		return (uint16_t)((c->count - (2 * d) % c->count) & 0xfffe);
	default:
		/* 0, 1, 4, 5: count down once, then wrap through 0xffff. */
		return (uint16_t)(c->count - d);
	}
}

static bool pit_out(const struct pit_channel *c, uint64_t now)
{
	uint64_t d = pit_ticks(c, now);

	if (!c->loaded)
		return c->mode != 0;	/* mode 0 drives OUT low on setup */
	switch (c->mode) {
	case 0:
	case 1:
		return d >= c->count;
	case 2:
		return d % c->count != c->count - 1;
	case 3:
		return d % c->count < (c->count + 1) / 2;
	default:
		/* 4, 5: low for one clock at the terminal count. */
		return d != c->count;
	}
}

static uint64_t pit_ticks_to_ns(uint64_t ticks)
{
	return ticks * NSEC_PER_SEC / PIT_FREQ_HZ;
}

/* Program the channel-0 timer from its state (lock held). */
static void pit_arm_irq(uint64_t now)
{
	struct pit_channel *c = &pit_state.ch[0];
	struct itimerspec its = { 0 };
	uint64_t first, period = 0, at;

	/* Modes 1 and 5 wait for a gate edge, which channel 0 never sees. */
	if (c->loaded && c->gate && c->mode != 1 && c->mode != 5) {
		first = pit_ticks_to_ns(c->count);
		if (c->mode == 2 || c->mode == 3)
			period = first;
		at = c->load_ns + first;
		if (at <= now)
			at = now + 1;
		its.it_value.tv_sec = (time_t)(at / NSEC_PER_SEC);
		its.it_value.tv_nsec = (long)(at % NSEC_PER_SEC);
		its.it_interval.tv_sec = (time_t)(period / NSEC_PER_SEC);
		its.it_interval.tv_nsec = (long)(period % NSEC_PER_SEC);
	}
	if (pit_state.timer_fd >= 0 &&
	    timerfd_settime(pit_state.timer_fd, TFD_TIMER_ABSTIME, &its, NULL))
		pr_err("8254: timerfd_settime: %s", strerror(errno));
}

static void pit_set_gate(struct pit_channel *c, bool gate, uint64_t now)
{
	/* A rising gate (re)starts modes 1, 2, 3 and 5. */
	if (gate && !c->gate && c->mode != 0 && c->mode != 4)
		c->load_ns = now;
	c->gate = gate;
}

static void pit_load(struct pit_channel *c, uint16_t val, uint64_t now)
{
	c->count = val ? val : 0x10000;
	c->load_ns = now;
	c->loaded = true;
	if (c == &pit_state.ch[0])
		pit_arm_irq(now);
}

static void pit_write_count(struct pit_channel *c, uint8_t val, uint64_t now)
{
	switch (c->rw) {
	case PIT_RW_LSB:
		pit_load(c, val, now);
		break;
	case PIT_RW_MSB:
		pit_load(c, (uint16_t)(val << 8), now);
		break;
	default:
		if (!c->write_msb) {
			c->write_lsb = val;
			c->write_msb = true;
			/* Mode 0 stops counting when the first byte arrives. */
			if (c->mode == 0)
				c->loaded = false;
			break;
		}
		c->write_msb = false;
		pit_load(c, (uint16_t)(c->write_lsb | val << 8), now);
		break;
	}
}

static void pit_latch_count(struct pit_channel *c, uint64_t now)
{
	if (c->latch_bytes)
		return;		/* the first latch wins until it is read */
	c->latch = pit_count(c, now);
	c->latch_bytes = c->rw == PIT_RW_WORD ? 2 : 1;
	c->latch_msb = c->rw == PIT_RW_MSB;
}

static void pit_latch_status(struct pit_channel *c, uint64_t now)
{
	if (c->status_latched)
		return;
	c->status = (uint8_t)((pit_out(c, now) ? PIT_STATUS_OUT : 0) |
			      (c->loaded ? 0 : PIT_STATUS_NULL) |
			      c->rw << 4 | c->mode << 1 | c->bcd);
	c->status_latched = true;
}

static void pit_write_control(uint8_t val, uint64_t now)
{
	unsigned int sc = val >> 6, rw = (val >> 4) & 3, i;
	struct pit_channel *c;

	if (sc == PIT_READBACK) {
		for (i = 0; i < PIT_CHANNELS; i++) {
			if (!(val & (2u << i)))
				continue;
			if (!(val & PIT_RB_NO_COUNT))
				pit_latch_count(&pit_state.ch[i], now);
			if (!(val & PIT_RB_NO_STATUS))
				pit_latch_status(&pit_state.ch[i], now);
		}
		return;
	}
	c = &pit_state.ch[sc];
	if (rw == PIT_RW_LATCH) {
		pit_latch_count(c, now);
		return;
	}
	c->rw = (uint8_t)rw;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;	/* 6 and 7 are aliases of 2 and 3 */
	c->bcd = val & 1;
	c->loaded = false;
	c->write_msb = false;
	c->read_msb = false;
	c->latch_bytes = 0;
	c->status_latched = false;
	if (sc == 0)
		pit_arm_irq(now);
}

static uint8_t pit_read_counter(struct pit_channel *c, uint64_t now)
{
	uint16_t v;
	uint8_t byte;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latch_bytes) {
		byte = (uint8_t)(c->latch_msb ? c->latch >> 8 : c->latch);
		c->latch_msb = !c->latch_msb;
		c->latch_bytes--;
		return byte;
	}
	v = pit_count(c, now);
	switch (c->rw) {
	case PIT_RW_MSB:
		return (uint8_t)(v >> 8);
	case PIT_RW_WORD:
		c->read_msb = !c->read_msb;
		return (uint8_t)(c->read_msb ? v : v >> 8);
	default:
		return (uint8_t)v;
	}
}

static void pit_io(void *opaque, uint16_t port, uint8_t *data,
		   unsigned int size, bool is_write)
{
	unsigned int i, reg;
	uint64_t now = pit_clock();

	(void)opaque;
	pthread_mutex_lock(&pit_state.lock);
	for (i = 0; i < size; i++) {
		reg = (unsigned int)(port - PIT_PORT_BASE) + i;
		if (reg > 3) {
			if (!is_write)
				data[i] = 0xff;
		} else if (reg == 3) {
			if (is_write)
				pit_write_control(data[i], now);
			else
				data[i] = 0xff;	/* the control word is write-only */
		} else if (is_write) {
			pit_write_count(&pit_state.ch[reg], data[i], now);
		} else {
			data[i] = pit_read_counter(&pit_state.ch[reg], now);
		}
	}
	pthread_mutex_unlock(&pit_state.lock);
}

uint8_t pit_port61_read(void)
{
	uint64_t now = pit_clock();
	uint8_t val;

	pthread_mutex_lock(&pit_state.lock);
	val = pit_state.port61 & (PORT61_GATE2 | PORT61_SPEAKER);
	if (pit_out(&pit_state.ch[2], now))
		val |= PORT61_OUT2;
	/* The DRAM refresh toggle: every 15.085 us on a PC. */
	if ((now / 15085) & 1)
		val |= PORT61_REFRESH;
	pthread_mutex_unlock(&pit_state.lock);
	return val;
}

void pit_port61_write(uint8_t val)
{
	uint64_t now = pit_clock();

	pthread_mutex_lock(&pit_state.lock);
	pit_state.port61 = val & (PORT61_GATE2 | PORT61_SPEAKER);
	pit_set_gate(&pit_state.ch[2], val & PORT61_GATE2, now);
	pthread_mutex_unlock(&pit_state.lock);
}

/* Pulses IRQ0 for each expiry of channel 0 (see pit.h). */
static void *pit_thread(void *arg)
{
	struct pollfd pfd[2] = {
		{ .fd = pit_state.timer_fd, .events = POLLIN },
		{ .fd = pit_state.stop_fd, .events = POLLIN },
	};
	uint64_t expiries;

	(void)arg;
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("8254: poll: %s", strerror(errno));
			return NULL;
		}
		if (pfd[1].revents)
			return NULL;
		if (read(pit_state.timer_fd, &expiries, sizeof(expiries)) !=
		    sizeof(expiries))
			continue;	/* EAGAIN: re-armed meanwhile */
		platform_irq(pit_state.vmm, 0, 1);
		platform_irq(pit_state.vmm, 0, 0);
	}
}

int pit_init(struct vmm *vmm)
{
	unsigned int i;
	int ret;

	memset(pit_state.ch, 0, sizeof(pit_state.ch));
	for (i = 0; i < PIT_CHANNELS; i++) {
		pit_state.ch[i].rw = PIT_RW_WORD;
		pit_state.ch[i].count = 0x10000;
		pit_state.ch[i].gate = i != 2;	/* gates 0 and 1 are tied high */
	}
	pit_state.port61 = 0;
	pit_state.vmm = vmm;
	ret = ioport_register(PIT_PORT_BASE, 4, pit_io, NULL, "8254");
	if (ret)
		return ret;
	pit_state.timer_fd = timerfd_create(CLOCK_MONOTONIC,
					    TFD_CLOEXEC | TFD_NONBLOCK);
	pit_state.stop_fd = eventfd(0, EFD_CLOEXEC);
	if (pit_state.timer_fd < 0 || pit_state.stop_fd < 0) {
		ret = errno;
		pit_exit();
		return err_set(ret);
	}
	ret = pthread_create(&pit_state.thread, NULL, pit_thread, NULL);
	if (ret) {
		pit_exit();
		return err_set(ret);
	}
	pit_state.thread_running = true;
	return 0;
}

void pit_exit(void)
{
	uint64_t one = 1;

	if (pit_state.thread_running) {
		if (write(pit_state.stop_fd, &one, sizeof(one)) == sizeof(one))
			pthread_join(pit_state.thread, NULL);
		pit_state.thread_running = false;
	}
	if (pit_state.timer_fd >= 0)
		close(pit_state.timer_fd);
	if (pit_state.stop_fd >= 0)
		close(pit_state.stop_fd);
	pit_state.timer_fd = -1;
	pit_state.stop_fd = -1;
}
