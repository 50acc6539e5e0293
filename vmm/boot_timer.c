// SPDX-License-Identifier: GPL-2.0
/* The boot timer port (boot_timer.h). */
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "boot_timer.h"
#include "ioport.h"
#include "log.h"

/* Nanoseconds on CLOCK_MONOTONIC; 0 means "not yet". */
static uint64_t boot_timer_t0;
static _Atomic uint64_t boot_timer_first_insn;
static atomic_bool boot_timer_done;

static uint64_t boot_timer_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Before main(): the figures include minivmm's own start-up (option
 * parsing, guest memory, loading the kernel), as a user waits for it.
 */
__attribute__((constructor)) static void boot_timer_start(void)
{
	boot_timer_t0 = boot_timer_now();
}

void boot_timer_guest_start(void)
{
	uint64_t zero = 0;

	if (atomic_load_explicit(&boot_timer_first_insn, memory_order_relaxed))
		return;
	atomic_compare_exchange_strong(&boot_timer_first_insn, &zero,
				       boot_timer_now());
}

/* Milliseconds since the start as "X.XXX"; "n/a" for a missing mark. */
static void boot_timer_format(char *buf, size_t len, uint64_t t)
{
	uint64_t us;

	if (!t) {
		snprintf(buf, len, "n/a");
		return;
	}
	us = (t - boot_timer_t0) / 1000;
	snprintf(buf, len, "%llu.%03llu", (unsigned long long)(us / 1000),
		 (unsigned long long)(us % 1000));
}

static void boot_timer_io(void *opaque, uint16_t port, uint8_t *data,
			  unsigned int size, bool is_write)
{
	char first[32], init[32];
	uint64_t now;

	(void)opaque;
	(void)port;
	if (!is_write) {
		memset(data, 0xff, size);
		return;
	}
	if (atomic_exchange(&boot_timer_done, true))
		return;
	now = boot_timer_now();
	boot_timer_format(first, sizeof(first),
			  atomic_load(&boot_timer_first_insn));
	boot_timer_format(init, sizeof(init), now);
	pr_info("boot-time first-insn=%s ms init=%s ms", first, init);
}

int boot_timer_init(void)
{
	return ioport_register(BOOT_TIMER_PORT, 1, boot_timer_io, NULL,
			       "boot-timer");
}
