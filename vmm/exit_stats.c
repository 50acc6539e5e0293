// SPDX-License-Identifier: GPL-2.0
/*
 * Exit statistics for --debug (hv.h: hv_vcpu_stats_enable/print): exits
 * counted by reason, port and MMIO page, with the time spent inside RUN
 * and outside it.  Kept apart from vm.c, the plain ioctl wrappers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>

#include "exit_stats.h"
#include "hv.h"

/* Exit reasons counted separately; larger ones share the last slot. */
#define HV_STATS_REASONS	(MINIVMM_EXIT_IRQ_WINDOW_OPEN + 2)
#define HV_STATS_PORTS		0x10000
/* MMIO exits by 4 KiB page of the 32-bit hole (0xC0000000 up). */
#define HV_STATS_MMIO_BASE	0xc0000000ull
#define HV_STATS_MMIO_PAGES	0x40000

struct hv_stat {
	uint64_t count;
	uint64_t run_ns;	/* inside MINIVMM_RUN up to this exit */
	uint64_t user_ns;	/* from this exit to the next RUN */
};

struct hv_exit_stats {
	struct hv_stat reason[HV_STATS_REASONS];
	struct hv_stat *port;		/* HV_STATS_PORTS entries */
	struct hv_stat *mmio;		/* HV_STATS_MMIO_PAGES entries */
	struct hv_stat mmio_other;
	struct hv_stat *last;		/* per-port/page stat of the last exit */
	uint32_t last_reason;
	uint64_t last_exit_ns;		/* 0 before the first exit */
	uint64_t first_ns;
};

static uint64_t hv_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void hv_stats_free(struct hv_exit_stats *st)
{
	if (!st)
		return;
	free(st->port);
	free(st->mmio);
	free(st);
}

int hv_vcpu_stats_enable(struct hv_vcpu *vcpu)
{
	struct hv_exit_stats *st = calloc(1, sizeof(*st));

	if (!st)
		return -1;
	st->port = calloc(HV_STATS_PORTS, sizeof(*st->port));
	st->mmio = calloc(HV_STATS_MMIO_PAGES, sizeof(*st->mmio));
	if (!st->port || !st->mmio) {
		hv_stats_free(st);
		errno = ENOMEM;
		return -1;
	}
	vcpu->stats = st;
	return 0;
}

static struct hv_stat *hv_stats_detail(struct hv_exit_stats *st,
				       const struct minivmm_run *run)
{
	uint64_t gpa;

	switch (run->exit_reason) {
	case MINIVMM_EXIT_IO:
		return &st->port[run->io.port];
	case MINIVMM_EXIT_MMIO:
		gpa = run->mmio.phys_addr;
		if (gpa >= HV_STATS_MMIO_BASE &&
		    (gpa - HV_STATS_MMIO_BASE) >> 12 < HV_STATS_MMIO_PAGES)
			return &st->mmio[(gpa - HV_STATS_MMIO_BASE) >> 12];
		return &st->mmio_other;
	default:
		return NULL;
	}
}

int hv_vcpu_run_counted(struct hv_vcpu *vcpu)
{
	struct hv_exit_stats *st = vcpu->stats;
	uint64_t t0 = hv_now_ns(), t1;
	uint32_t reason;
	int ret;

	if (st->last_exit_ns) {
		st->reason[st->last_reason].user_ns += t0 - st->last_exit_ns;
		if (st->last)
			st->last->user_ns += t0 - st->last_exit_ns;
	} else {
		st->first_ns = t0;
	}
	ret = ioctl(vcpu->fd, MINIVMM_RUN, 0) < 0 ? -1 : 0;
	t1 = hv_now_ns();
	reason = ret ? MINIVMM_EXIT_INTR : vcpu->run->exit_reason;
	if (reason >= HV_STATS_REASONS)
		reason = HV_STATS_REASONS - 1;
	st->reason[reason].count++;
	st->reason[reason].run_ns += t1 - t0;
	st->last = ret ? NULL : hv_stats_detail(st, vcpu->run);
	if (st->last) {
		st->last->count++;
		st->last->run_ns += t1 - t0;
	}
	st->last_reason = reason;
	st->last_exit_ns = t1;
	return ret;
}

static void hv_stat_print(const char *what, const struct hv_stat *s)
{
	fprintf(stderr,
		"minivmm: stats: %-18s %9llu exits  in RUN %9.3f ms  outside %9.3f ms  (%.1f us/exit outside)\n",
		what, (unsigned long long)s->count, s->run_ns / 1e6,
		s->user_ns / 1e6,
		s->count ? s->user_ns / 1e3 / s->count : 0.0);
}

/* Prints the @n busiest entries of @tab (those with the most exits). */
static void hv_stats_top(const struct hv_stat *tab, unsigned int size,
			 unsigned int n, const char *fmt, uint64_t base,
			 unsigned int shift)
{
	uint8_t *shown = calloc(size, 1);
	char name[32];
	unsigned int k, i, best;

	if (!shown)
		return;
	for (k = 0; k < n; k++) {
		best = size;
		for (i = 0; i < size; i++)
			if (tab[i].count && !shown[i] &&
			    (best == size || tab[i].count > tab[best].count))
				best = i;
		if (best == size)
			break;
		shown[best] = 1;
		snprintf(name, sizeof(name), fmt,
			 (unsigned long long)(base + ((uint64_t)best << shift)));
		hv_stat_print(name, &tab[best]);
	}
	free(shown);
}

void hv_vcpu_stats_print(struct hv_vcpu *vcpu)
{
	static const char *const names[HV_STATS_REASONS] = {
		"unknown", "io", "mmio", "hlt", "shutdown", "fail_entry",
		"internal_error", "intr", "irq_window", "other",
	};
	struct hv_exit_stats *st = vcpu->stats;
	struct hv_stat total = { 0 };
	unsigned int i;

	if (!st)
		return;
	fprintf(stderr, "minivmm: stats: vCPU %u, %.3f s since the first RUN\n",
		vcpu->id, st->last_exit_ns ?
		(st->last_exit_ns - st->first_ns) / 1e9 : 0.0);
	for (i = 0; i < HV_STATS_REASONS; i++) {
		total.count += st->reason[i].count;
		total.run_ns += st->reason[i].run_ns;
		total.user_ns += st->reason[i].user_ns;
		if (st->reason[i].count)
			hv_stat_print(names[i], &st->reason[i]);
	}
	hv_stat_print("all", &total);
	hv_stats_top(st->port, HV_STATS_PORTS, 16, "port 0x%llx", 0, 0);
	hv_stats_top(st->mmio, HV_STATS_MMIO_PAGES, 8, "mmio 0x%llx",
		     HV_STATS_MMIO_BASE, 12);
	if (st->mmio_other.count)
		hv_stat_print("mmio elsewhere", &st->mmio_other);
}
