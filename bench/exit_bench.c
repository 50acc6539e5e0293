// SPDX-License-Identifier: GPL-2.0
/*
 * exit_bench.c - measures the cost of one guest exit through /dev/minivmm
 * or /dev/kvm, for three kinds of exit:
 *
 *   cpuid  CPUID leaf 0, answered in the kernel from the VMM's table;
 *   pio    a one-byte OUT to a port, answered by this program;
 *   mmio   a 4-byte store to guest-physical memory no slot backs,
 *          answered by this program.
 *
 * The same guest (guest.S) runs under both hypervisors with the same CPUID
 * table and page tables.  Each phase runs --warmup untimed exits, then
 * --rounds rounds of --iters exits, each round bracketed by two writes to a
 * mark port.  The time between the two marks divided by --iters is the
 * round's figure; the figure printed is the best (lowest) round, because
 * the beds share their host with other work and interference only ever adds
 * time; the median is printed too.  A round's interval also holds the END
 * mark's own exit to userspace, one exit in --iters.
 *
 * usage: exit_bench --dev /dev/minivmm|/dev/kvm [--iters N] [--rounds R]
 *                   [--warmup N] [--backend minivmm|kvm] [--json]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <cpuid.h>

#include "exit_bench.h"
#include "x86_setup.h"

#define DEFAULT_ITERS	3000
#define DEFAULT_ROUNDS	10
#define DEFAULT_WARMUP	1000
#define MAX_ITERS	100000000ul
#define MAX_ROUNDS	100

#define PHASES		3

static const char *const phase_names[PHASES] = { "cpuid", "pio", "mmio" };

/* Filled by cpuid_table_init(); identical for both backends. */
struct bench_cpuid bench_cpuid_table[BENCH_NR_CPUID];

struct bench_opts {
	const char *dev;
	const struct bench_backend_ops *ops;
	unsigned long iters;
	unsigned long rounds;
	unsigned long warmup;
	int json;
};

struct bench_result {
	/* where the guest is: the next mark expected */
	unsigned int phase;		/* 0 .. PHASES-1, PHASES when done */
	unsigned long round;
	int in_round;			/* BEGIN seen, END not yet */
	struct timespec begin;

	unsigned long pio_exits;
	unsigned long mmio_exits;
	double round_ns[PHASES][MAX_ROUNDS];
	double best_ns[PHASES];
	double median_ns[PHASES];
};

static void bench_usage(FILE *f)
{
	fprintf(f,
		"usage: exit_bench --dev /dev/minivmm|/dev/kvm [--iters N] [--rounds R]\n"
		"                  [--warmup N] [--backend minivmm|kvm] [--json]\n"
		"Runs R rounds of N CPUID, port-IO and MMIO exits each (default\n"
		"%d x %d, after %d warm-up exits) and prints the time per exit in\n"
		"ns of the best round and the median round.\n",
		DEFAULT_ROUNDS, DEFAULT_ITERS, DEFAULT_WARMUP);
}

static int parse_count(const char *opt, const char *s, unsigned long min,
		       unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "exit_bench: bad %s %s (%lu .. %lu)\n", opt, s,
			min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "iters", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "backend", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *backend = NULL;
	int c;

	o->iters = DEFAULT_ITERS;
	o->rounds = DEFAULT_ROUNDS;
	o->warmup = DEFAULT_WARMUP;
	while ((c = getopt_long(argc, argv, "d:n:r:w:b:jh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dev = optarg;
			break;
		case 'n':
			if (parse_count("--iters", optarg, 1, MAX_ITERS,
					&o->iters))
				return -1;
			break;
		case 'r':
			if (parse_count("--rounds", optarg, 1, MAX_ROUNDS,
					&o->rounds))
				return -1;
			break;
		case 'w':
			if (parse_count("--warmup", optarg, 0, MAX_ITERS,
					&o->warmup))
				return -1;
			break;
		case 'b':
			backend = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'h':
			bench_usage(stdout);
			exit(0);
		default:
			bench_usage(stderr);
			return -1;
		}
	}
	if (optind != argc || !o->dev) {
		bench_usage(stderr);
		return -1;
	}
	/* The device name picks the backend unless --backend says. */
	if (!backend)
		backend = strstr(o->dev, "kvm") ? "kvm" : "minivmm";
	if (!strcmp(backend, "kvm")) {
		o->ops = &bench_kvm_ops;
	} else if (!strcmp(backend, "minivmm")) {
		o->ops = &bench_minivmm_ops;
	} else {
		fprintf(stderr, "exit_bench: unknown backend %s\n", backend);
		return -1;
	}
	return 0;
}

/*
 * A small table with the leaves a 64-bit guest needs: KVM refuses EFER.LME
 * unless CPUID reports long mode, and 0x80000008 gives the host's address
 * widths so neither hypervisor has to guess them.
 */
static void cpuid_table_init(void)
{
	struct bench_cpuid *t = bench_cpuid_table;
	unsigned int a, b, c, d;
	unsigned int addr_bits = 0x3024;	/* 36 physical, 48 virtual */

	if (__get_cpuid(0x80000000, &a, &b, &c, &d) && a >= 0x80000008 &&
	    __get_cpuid(0x80000008, &a, &b, &c, &d))
		addr_bits = a & 0xffff;

	t[0] = (struct bench_cpuid){ 0, 1, BENCH_VENDOR_EBX,
				     BENCH_VENDOR_ECX, BENCH_VENDOR_EDX };
	/* family 6; FPU PSE TSC MSR PAE CX8 PGE CMOV FXSR SSE SSE2 */
	t[1] = (struct bench_cpuid){ 1, 0x00000663, 0, 0, 0x0700a179 };
	t[2] = (struct bench_cpuid){ 0x80000000, 0x80000008, 0, 0, 0 };
	t[3] = (struct bench_cpuid){ 0x80000001, 0, 0, 0, 1u << 29 };
	t[4] = (struct bench_cpuid){ 0x80000008, addr_bits, 0, 0, 0 };
}

/* The VMM's long-mode GDT and page tables, and the guest code. */
static void guest_ram_init(unsigned char *ram)
{
	size_t code_len = bench_guest_end - bench_guest_start;

	x86_write_tables(X86_MODE_LONG, ram, GUEST_RAM_SIZE);
	memcpy(ram + GUEST_CODE, bench_guest_start, code_len);
}

void bench_exit_pio(struct bench_exit *ex, uint16_t port, uint32_t size,
		    uint8_t value)
{
	ex->kind = BENCH_EXIT_PIO_OUT;
	ex->addr = port;
	ex->size = size;
	ex->value = value;
}

void bench_exit_mmio(struct bench_exit *ex, uint64_t addr, uint32_t len,
		     const uint8_t *data)
{
	ex->kind = BENCH_EXIT_MMIO_WRITE;
	ex->addr = addr;
	ex->size = len;
	ex->value = 0;
	memcpy(&ex->value, data, len <= 8 ? len : 8);
}

void bench_start_state(const struct bench_start *start,
		       struct minivmm_sregs *sregs, struct minivmm_regs *regs)
{
	x86_setup_sregs(X86_MODE_LONG, start->rip, sregs);
	memset(regs, 0, sizeof(*regs));
	regs->rip = start->rip;
	regs->rsp = start->rsp;
	regs->rdi = start->rdi;
	regs->rsi = start->rsi;
	regs->rdx = start->rdx;
	regs->rflags = X86_RFLAGS_FIXED;
}

static double ts_diff_ns(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1e9 + (b->tv_nsec - a->tv_nsec);
}

/*
 * A mark arrived.  They must come as (BEGIN, END) x rounds for each phase
 * in turn, then DONE.  Returns 1 on DONE, 0 on an expected mark, -1 else.
 */
static int bench_mark(const struct bench_opts *o, struct bench_result *r,
		      uint64_t mark)
{
	struct timespec now;
	uint64_t want;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (r->phase == PHASES)
		want = MARK_DONE;
	else
		want = MARK_CPUID_BEGIN + 2 * r->phase + r->in_round;
	if (mark != want) {
		fprintf(stderr, "exit_bench: guest mark %llu, expected %llu\n",
			(unsigned long long)mark, (unsigned long long)want);
		return -1;
	}
	if (mark == MARK_DONE)
		return 1;
	if (!r->in_round) {
		r->begin = now;
		r->in_round = 1;
		return 0;
	}
	r->round_ns[r->phase][r->round] = ts_diff_ns(&r->begin, &now) /
					  o->iters;
	r->in_round = 0;
	if (++r->round == o->rounds) {
		r->round = 0;
		r->phase++;
	}
	return 0;
}

static void bench_bad_exit(const struct bench_exit *ex)
{
	static const char *const kinds[] = { "port write", "MMIO write",
					     "other" };

	fprintf(stderr,
		"exit_bench: unexpected exit: %s, reason %u, addr 0x%llx, size %u, value 0x%llx\n",
		kinds[ex->kind], ex->raw_reason,
		(unsigned long long)ex->addr, ex->size,
		(unsigned long long)ex->value);
}

/*
 * The host side of the guest: answers each exit with as little work as a
 * VMM could do, and reads the clock at the marks.  Every exit is checked so
 * a hypervisor that misreports an exit fails instead of printing a number.
 */
static int bench_loop(const struct bench_opts *o, struct bench_backend *b,
		      struct bench_result *r)
{
	const struct bench_backend_ops *ops = o->ops;
	struct bench_exit ex;
	int ret;

	for (;;) {
		if (ops->run(b, &ex))
			return -1;
		switch (ex.kind) {
		case BENCH_EXIT_PIO_OUT:
			if (ex.size != 1)
				break;
			if (ex.addr == PORT_WORK) {
				r->pio_exits++;
				continue;
			}
			if (ex.addr != PORT_MARK)
				break;
			ret = bench_mark(o, r, ex.value);
			if (ret < 0)
				return -1;
			if (ret > 0)
				return 0;
			continue;
		case BENCH_EXIT_MMIO_WRITE:
			if (ex.addr != GUEST_MMIO_ADDR || ex.size != 4 ||
			    ex.value != 0x600dd00d)
				break;
			r->mmio_exits++;
			continue;
		case BENCH_EXIT_OTHER:
			break;
		}
		bench_bad_exit(&ex);
		return -1;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int bench_check(const struct bench_opts *o, struct bench_backend *b,
		       struct bench_result *r)
{
	unsigned long want = o->iters * o->rounds + o->warmup;
	double *ns;
	uint64_t r12;
	unsigned long n = o->rounds;
	int i;

	if (r->pio_exits != want || r->mmio_exits != want) {
		fprintf(stderr,
			"exit_bench: %lu port-IO and %lu MMIO exits, expected %lu each\n",
			r->pio_exits, r->mmio_exits, want);
		return -1;
	}
	if (o->ops->get_r12(b, &r12)) {
		fprintf(stderr, "exit_bench: GET_REGS: %s\n",
			strerror(errno));
		return -1;
	}
	if ((uint32_t)r12 != BENCH_VENDOR_EBX) {
		fprintf(stderr,
			"exit_bench: guest CPUID(0).EBX = 0x%08x, expected 0x%08x from the table\n",
			(uint32_t)r12, BENCH_VENDOR_EBX);
		return -1;
	}
	for (i = 0; i < PHASES; i++) {
		ns = r->round_ns[i];
		qsort(ns, n, sizeof(ns[0]), cmp_double);
		r->best_ns[i] = ns[0];
		r->median_ns[i] = n % 2 ? ns[n / 2] :
					  (ns[n / 2 - 1] + ns[n / 2]) / 2;
	}
	return 0;
}

static void bench_print(const struct bench_opts *o,
			const struct bench_result *r)
{
	int i;

	for (i = 0; i < PHASES; i++)
		printf("%s %s %.1f ns/exit (median %.1f, %lu x %lu exits)\n",
		       o->ops->name, phase_names[i], r->best_ns[i],
		       r->median_ns[i], o->rounds, o->iters);
	if (!o->json)
		return;
	printf("{\"backend\":\"%s\",\"dev\":\"%s\",\"iters\":%lu,\"rounds\":%lu,\"warmup\":%lu",
	       o->ops->name, o->dev, o->iters, o->rounds, o->warmup);
	for (i = 0; i < PHASES; i++)
		printf(",\"%s_ns\":%.1f,\"%s_median_ns\":%.1f",
		       phase_names[i], r->best_ns[i], phase_names[i],
		       r->median_ns[i]);
	printf("}\n");
}

int main(int argc, char **argv)
{
	struct bench_opts o = { 0 };
	struct bench_result r = { 0 };
	struct bench_start start;
	struct bench_backend *b;
	unsigned char *ram;
	int ret = 1;

	if (parse_opts(argc, argv, &o))
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	cpuid_table_init();

	ram = mmap(NULL, GUEST_RAM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED) {
		perror("exit_bench: mmap guest RAM");
		return 1;
	}
	guest_ram_init(ram);

	start.rip = GUEST_CODE;
	start.rsp = GUEST_STACK_TOP;
	start.rdi = o.warmup;
	start.rsi = o.iters;
	start.rdx = o.rounds;
	b = o.ops->create(o.dev, ram, &start);
	if (!b)
		goto unmap_ram;
	if (bench_loop(&o, b, &r) || bench_check(&o, b, &r))
		goto destroy_backend;
	bench_print(&o, &r);
	ret = 0;

destroy_backend:
	o.ops->destroy(b);
unmap_ram:
	munmap(ram, GUEST_RAM_SIZE);
	return ret;
}
