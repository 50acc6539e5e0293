// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_fuzz - a seeded ioctl fuzzer for /dev/minivmm, in the spirit of
 * syzkaller: worker threads pick random operations on a pool of live
 * system, VM and vCPU fds, vCPU mappings and guest memory, while a
 * monitor thread kicks vCPUs out of RUN with signals and watches for hung
 * calls.  Every ioctl number of include/minivmm.h is called, plus random
 * numbers, with mostly-valid arguments whose flags, padding, sizes and
 * counts are mutated (0, 1, max, max + 1, values near 2^64), through good,
 * read-only, unmapped, kernel and straddling pointers; memory slots
 * overlap, alias each other or the run page, or sit near the top of the
 * address space; fds are closed, mappings and slot memory unmapped and
 * the process forked while vCPUs run random code (random bytes mixed with
 * short valid sequences: port and MMIO accesses, CPUID, MSRs, control
 * registers, LAPIC and IOAPIC writes, HLT, spins) from random registers.
 *
 * Each result is compared with what docs/api.md allows for that ioctl and
 * argument: an errno the ABI does not list, a success where the argument
 * was invalid or unreadable, a wrong constant, an inconsistent run page
 * or a call that hangs is a finding and fails the test.  The fuzzing runs
 * in a child process (so a crash of the fuzzer is reported too), with
 * /proc/sys/kernel/panic_on_warn set; then the test checks that the slab
 * memory came back, that the module unloads and loads again, and that it
 * still runs a guest.
 *
 * Usage: ioctl_fuzz [SECONDS]
 *   MINIVMM_FUZZ_SECONDS=N   fuzz for N seconds (overrides SECONDS;
 *                            default 30); tests/bed-tests.txt gives each
 *                            bed its budget
 *   MINIVMM_FUZZ_SEED=N      replay: the seed is printed first ("# seed N");
 *                            each worker's sequence of operations and
 *                            arguments follows from it, the interleaving
 *                            of the threads and the kicks do not
 *   MINIVMM_FUZZ_THREADS=N   workers (default 3; 1 for the closest replay)
 * In a bed the variables come from the kernel command line, e.g.
 *   BED_CMDLINE="MINIVMM_FUZZ_SECONDS=1800 MINIVMM_FUZZ_SEED=42" with a
 *   list line "qemu 2000 ioctl_fuzz" (tests/beds/README.md).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cpuid.h>
#include "lib/guest.h"
#include "lib/sysfs.h"
#include "lib/tap.h"

#define PAGE		4096UL
#define MAX_THREADS	8
#define MAX_VMS		4
#define MAX_VCPUS	8
#define MAX_MAPS	12
#define MAX_REGIONS	16
#define MAX_ZOMBIES	64
#define MAX_SYS		2
#define SCRATCH_SIZE	(4 * PAGE)
/* Findings printed in full; the rest are only counted. */
#define MAX_REPORTS	20
/* A call that has not returned after this many seconds has hung. */
#define HANG_S		20
/* The slowest bed's extra time to stop the workers and clean up. */
#define GRACE_S		60
/* 47-bit user address space (4-level paging): the kernel's TASK_SIZE. */
#define USER_TOP	0x00007ffffffff000ULL

/* What an ioctl's argument is. */
enum arg_use {
	ARG_NONE,		/* _IO: ignored, or a value (CHECK_CAP) */
	ARG_IN,			/* the kernel reads the struct */
	ARG_OUT,		/* the kernel writes the struct */
	ARG_INOUT,
};

enum fd_kind { K_SYS, K_VM, K_VCPU, K_NKINDS };

struct fz_ioctl {
	unsigned long cmd;
	const char *name;
	enum fd_kind kind;
	enum arg_use use;
	unsigned int size;	/* fixed part of the argument */
	bool varlen;		/* entries follow (MSRS, CPUID) */
};

/* Every ioctl of include/minivmm.h. */
static const struct fz_ioctl fz_ioctls[] = {
	{ MINIVMM_GET_API_VERSION, "GET_API_VERSION", K_SYS, ARG_NONE, 0, false },
	{ MINIVMM_CREATE_VM, "CREATE_VM", K_SYS, ARG_IN, 8, false },
	{ MINIVMM_CHECK_CAP, "CHECK_CAP", K_SYS, ARG_NONE, 0, false },
	{ MINIVMM_GET_VCPU_MMAP_SIZE, "GET_VCPU_MMAP_SIZE", K_SYS, ARG_NONE, 0, false },
	{ MINIVMM_SET_MEMORY_REGION, "SET_MEMORY_REGION", K_VM, ARG_IN, 32, false },
	{ MINIVMM_CREATE_VCPU, "CREATE_VCPU", K_VM, ARG_IN, 8, false },
	{ MINIVMM_CREATE_IRQCHIP, "CREATE_IRQCHIP", K_VM, ARG_IN, 8, false },
	{ MINIVMM_IRQ_LINE, "IRQ_LINE", K_VM, ARG_IN, 8, false },
	{ MINIVMM_SIGNAL_MSI, "SIGNAL_MSI", K_VM, ARG_IN, 24, false },
	{ MINIVMM_SET_IOPORT_RANGE, "SET_IOPORT_RANGE", K_VM, ARG_IN, 16, false },
	{ MINIVMM_CHECK_CAP, "CHECK_CAP(vm)", K_VM, ARG_NONE, 0, false },
	{ MINIVMM_RUN, "RUN", K_VCPU, ARG_NONE, 0, false },
	{ MINIVMM_GET_REGS, "GET_REGS", K_VCPU, ARG_OUT, 144, false },
	{ MINIVMM_SET_REGS, "SET_REGS", K_VCPU, ARG_IN, 144, false },
	{ MINIVMM_GET_SREGS, "GET_SREGS", K_VCPU, ARG_OUT, 312, false },
	{ MINIVMM_SET_SREGS, "SET_SREGS", K_VCPU, ARG_IN, 312, false },
	{ MINIVMM_GET_MSRS, "GET_MSRS", K_VCPU, ARG_INOUT, 8, true },
	{ MINIVMM_SET_MSRS, "SET_MSRS", K_VCPU, ARG_IN, 8, true },
	{ MINIVMM_SET_CPUID, "SET_CPUID", K_VCPU, ARG_IN, 8, true },
	{ MINIVMM_GET_XSAVE, "GET_XSAVE", K_VCPU, ARG_OUT, 4096, false },
	{ MINIVMM_SET_XSAVE, "SET_XSAVE", K_VCPU, ARG_IN, 4096, false },
	{ MINIVMM_INTERRUPT, "INTERRUPT", K_VCPU, ARG_IN, 8, false },
	{ MINIVMM_GET_MP_STATE, "GET_MP_STATE", K_VCPU, ARG_OUT, 8, false },
	{ MINIVMM_SET_MP_STATE, "SET_MP_STATE", K_VCPU, ARG_IN, 8, false },
};

/* Where an argument points. */
enum ptr_kind {
	P_GOOD,			/* the thread's scratch buffer */
	P_UNALIGNED,		/* the scratch buffer + 1..7 */
	P_NULL,
	P_LOW,			/* below mmap_min_addr: never mapped */
	P_KERNEL,		/* a kernel direct-map address */
	P_TOP,			/* 16 bytes below 2^64 */
	P_NONCANON,		/* 2^47, not canonical */
	P_RDONLY,		/* a PROT_READ page of zeros */
	P_STRADDLE,		/* starts mapped, ends in an unmapped page */
	P_NKINDS,
};

static const char *const ptr_names[P_NKINDS] = {
	"good", "unaligned", "NULL", "low", "kernel", "top", "non-canonical",
	"read-only", "straddling",
};

/* Fully unreadable and unwritable: any ioctl that copies it must fail. */
static bool ptr_unreadable(enum ptr_kind p)
{
	return p == P_NULL || p == P_LOW || p == P_KERNEL || p == P_TOP ||
	       p == P_NONCANON;
}

struct fz_thread {
	int idx;
	pthread_t tid;
	uint64_t rng;
	uint8_t *scratch;
	/* The call in progress, for the monitor (0: none). */
	int64_t op_start_ns;
	const char *op_name;
	bool op_is_run;
	unsigned long ops;
};

/* The pool; every field is under pool_lock. */
struct fz_vm {
	int fd;			/* -1: free */
	uint64_t gen;
	bool irqchip;
};

struct fz_vcpu {
	int fd;
	uint64_t gen;
	uint64_t vm_gen;	/* the VM it belongs to (its regions) */
	bool lapic;
	bool running;		/* a worker is in RUN on it */
	bool aliased;		/* its run page backs a slot: guests write it */
	struct minivmm_regs regs;	/* a state that runs code at CODE_GPA */
	struct minivmm_sregs sregs;
};

struct fz_map {
	uint8_t *p;		/* NULL: free */
	size_t len;
	uint64_t vcpu_gen;
};

struct fz_region {
	uint8_t *p;		/* NULL: free */
	size_t len;
	uint64_t vm_gen;
	bool std;		/* the standard layout: tables, code at CODE_GPA */
};

struct fz_sys {
	int fd;
	uint64_t gen;
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fz_sys sys_pool[MAX_SYS];
static struct fz_vm vm_pool[MAX_VMS];
static struct fz_vcpu vcpu_pool[MAX_VCPUS];
static struct fz_map map_pool[MAX_MAPS];
static struct fz_region region_pool[MAX_REGIONS];
/* fds closed while a worker could still use their number (see fd_close). */
static int zombies[MAX_ZOMBIES];
static unsigned int nzombies;
/* Workers between picking an fd number and their call's return. */
static unsigned int inflight[1024];
static uint64_t next_gen = 1;

/* Facts read once at the start. */
static long caps[16];
static long mmap_size;
static uint64_t max_gpa;
static uint8_t *ro_page, *straddle_page, *low_ptr;

/*
 * Two bugs of QEMU 7.2's SVM (the QEMU bed) that a guest of any VMM can
 * trigger, avoided there:
 *  - at a #VMEXIT it loads the host's CR0 before its CR4 and EFER, and
 *    its CR0 update ignores a CR0.PG set while EFER.LME is set without
 *    CR4.PAE: an exit from a guest with EFER.LME = 1, CR0.PG = 0 and
 *    CR4.PAE = 0 (a state x86 allows) leaves the bed's kernel running
 *    with the guest's CR0 at GIF = 0, dead.  Guests get EFER.LME only
 *    with CR4.PAE, no WRMSR of EFER, CR0 writes with PG and CR4 writes
 *    with PAE;
 *  - a guest's MOV to CR8 while a virtual interrupt is pending (V_IRQ, an
 *    interrupt window) calls cpu_interrupt() without QEMU's global lock,
 *    and QEMU aborts ("tcg_handle_interrupt: assertion failed").  Guests
 *    write no CR8 (random bytes get no MOV to a control register).
 */
static bool qemu_quirks;

#define EFER_MSR	0xc0000080U
#define EFER_LME	(1ULL << 8)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)

static volatile int stop;
static unsigned int nthreads = 3;
static uint64_t seed;
static struct fz_thread threads[MAX_THREADS];
/* Shared with the parent. */
static unsigned long *vms_created;

/* Counters (atomic). */
static unsigned long n_findings, n_ioctls, n_runs, n_vms, n_vcpus, n_forks,
	n_closes, n_munmaps, n_kicks;
static unsigned long n_exit[16], n_errno[160];

#define ATOMIC_INC(x) __atomic_add_fetch(&(x), 1, __ATOMIC_RELAXED)

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---------------------------------------------------------------- */
/* Random numbers: xorshift64*, one stream per worker. */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(struct fz_thread *t)
{
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t rnd_n(struct fz_thread *t, uint64_t n)
{
	return n ? rnd(t) % n : 0;
}

/* True with probability @pct percent. */
static bool rnd_pct(struct fz_thread *t, unsigned int pct)
{
	return rnd_n(t, 100) < pct;
}

/* A value at an edge: 0, 1, max, max + 1, powers of two, near 2^64. */
static uint64_t rnd_edge(struct fz_thread *t)
{
	static const uint64_t edges[] = {
		0, 1, 2, 3, 7, 8, 15, 16, 23, 24, 25, 31, 32, 33, 63, 64, 65,
		0x7f, 0x80, 0xff, 0x100, 0x101, 0x3ff, 0x400, 0xfff, 0x1000,
		0x1001, 0xffff, 0x10000, 0x10001, 0x1fffff, 0x200000,
		0x7fffffff, 0x80000000, 0xfee00000, 0xfec00000, 0xffffffff,
		0x100000000ULL, 0xffffffffffffULL, 0x1000000000000ULL,
		0x7fffffffffffffffULL, 0x8000000000000000ULL,
		0xfffffffffffff000ULL, 0xffffffffffffff00ULL,
		0xfffffffffffffffeULL, 0xffffffffffffffffULL,
	};

	switch (rnd_n(t, 4)) {
	case 0:
		return rnd(t);
	case 1:
		return 1ULL << rnd_n(t, 64);
	default:
		return edges[rnd_n(t, ARRAY_SIZE(edges))];
	}
}

/* ---------------------------------------------------------------- */
/* Findings. */

static void finding(struct fz_thread *t, const char *fmt, ...)
	TAP_PRINTF(2, 3);

static void finding(struct fz_thread *t, const char *fmt, ...)
{
	unsigned long n = ATOMIC_INC(n_findings);
	char buf[512];
	va_list ap;

	if (n > MAX_REPORTS)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	tap_diag("FINDING %lu (seed %" PRIu64 ", worker %d, op %lu): %s", n,
		 seed, t ? t->idx : -1, t ? t->ops : 0, buf);
}

/* ---------------------------------------------------------------- */
/* The pool.  An fd number is closed only when no worker may still use
 * it: otherwise it is replaced (dup2) by a system fd, so that the kernel
 * drops the object's fd reference at once (close during RUN) while late
 * calls on the number meet a harmless system fd, never a reused one. */

static int zombie_sys_fd = -1;

static void fd_close_locked(int fd)
{
	if (fd < 0)
		return;
	ATOMIC_INC(n_closes);
	if (fd < (int)ARRAY_SIZE(inflight) && inflight[fd] &&
	    nzombies < MAX_ZOMBIES && zombie_sys_fd >= 0 &&
	    dup2(zombie_sys_fd, fd) == fd) {
		zombies[nzombies++] = fd;
		return;
	}
	close(fd);
}

static void zombies_reap_locked(void)
{
	unsigned int i = 0;

	while (i < nzombies) {
		int fd = zombies[i];

		if (inflight[fd]) {
			i++;
			continue;
		}
		close(fd);
		zombies[i] = zombies[--nzombies];
	}
}

static void map_drop_locked(struct fz_map *m)
{
	munmap(m->p, m->len);
	m->p = NULL;
	ATOMIC_INC(n_munmaps);
}

static void region_drop_locked(struct fz_region *r)
{
	munmap(r->p, r->len);
	r->p = NULL;
	ATOMIC_INC(n_munmaps);
}

static struct fz_map *map_slot_locked(struct fz_thread *t)
{
	unsigned int i;

	for (i = 0; i < MAX_MAPS; i++)
		if (!map_pool[i].p)
			return &map_pool[i];
	i = rnd_n(t, MAX_MAPS);
	map_drop_locked(&map_pool[i]);
	return &map_pool[i];
}

static struct fz_region *region_slot_locked(struct fz_thread *t)
{
	unsigned int i;

	for (i = 0; i < MAX_REGIONS; i++)
		if (!region_pool[i].p)
			return &region_pool[i];
	i = rnd_n(t, MAX_REGIONS);
	region_drop_locked(&region_pool[i]);
	return &region_pool[i];
}

static void vm_add_locked(struct fz_thread *t, int fd, bool irqchip,
			  uint64_t *gen)
{
	unsigned int i;

	for (i = 0; i < MAX_VMS && vm_pool[i].fd >= 0; i++)
		;
	if (i == MAX_VMS) {
		i = rnd_n(t, MAX_VMS);
		fd_close_locked(vm_pool[i].fd);
	}
	vm_pool[i].fd = fd;
	vm_pool[i].gen = *gen = next_gen++;
	vm_pool[i].irqchip = irqchip;
}

static void sys_add_locked(int fd)
{
	unsigned int i;

	for (i = 0; i < MAX_SYS; i++) {
		if (sys_pool[i].fd < 0) {
			sys_pool[i].fd = fd;
			sys_pool[i].gen = next_gen++;
			return;
		}
	}
	close(fd);
}

static struct fz_vcpu *vcpu_add_locked(struct fz_thread *t, int fd)
{
	unsigned int i;

	for (i = 0; i < MAX_VCPUS && vcpu_pool[i].fd >= 0; i++)
		;
	if (i == MAX_VCPUS) {
		i = rnd_n(t, MAX_VCPUS);
		fd_close_locked(vcpu_pool[i].fd);
	}
	memset(&vcpu_pool[i], 0, sizeof(vcpu_pool[i]));
	vcpu_pool[i].fd = fd;
	vcpu_pool[i].gen = next_gen++;
	return &vcpu_pool[i];
}

/* A picked fd: its number stays ours until pick_put(). */
struct pick {
	int fd;
	enum fd_kind kind;
	uint64_t gen;
	int index;
	bool lapic;		/* K_VCPU */
	uint64_t vm_gen;	/* K_VCPU: its VM; K_VM: itself */
};

static bool pick_fd(struct fz_thread *t, enum fd_kind kind, struct pick *p)
{
	unsigned int i, n, start;

	pthread_mutex_lock(&pool_lock);
	n = kind == K_SYS ? MAX_SYS : kind == K_VM ? MAX_VMS : MAX_VCPUS;
	start = rnd_n(t, n);
	for (i = 0; i < n; i++) {
		unsigned int j = (start + i) % n;
		int fd;

		p->index = j;
		p->kind = kind;
		p->lapic = false;
		p->vm_gen = 0;
		if (kind == K_SYS) {
			fd = sys_pool[j].fd;
			p->gen = sys_pool[j].gen;
		} else if (kind == K_VM) {
			fd = vm_pool[j].fd;
			p->gen = p->vm_gen = vm_pool[j].gen;
		} else {
			fd = vcpu_pool[j].fd;
			p->gen = vcpu_pool[j].gen;
			p->lapic = vcpu_pool[j].lapic;
			p->vm_gen = vcpu_pool[j].vm_gen;
		}
		if (fd < 0 || fd >= (int)ARRAY_SIZE(inflight))
			continue;
		p->fd = fd;
		inflight[fd]++;
		pthread_mutex_unlock(&pool_lock);
		return true;
	}
	pthread_mutex_unlock(&pool_lock);
	return false;
}

/* Whether the picked fd was closed meanwhile. */
static bool pick_stale_locked(const struct pick *p)
{
	switch (p->kind) {
	case K_SYS:
		return sys_pool[p->index].gen != p->gen ||
		       sys_pool[p->index].fd != p->fd;
	case K_VM:
		return vm_pool[p->index].gen != p->gen ||
		       vm_pool[p->index].fd != p->fd;
	default:
		return vcpu_pool[p->index].gen != p->gen ||
		       vcpu_pool[p->index].fd != p->fd;
	}
}

/* Ends the use of a picked fd; returns whether it was closed meanwhile. */
static bool pick_put(const struct pick *p)
{
	bool stale;

	pthread_mutex_lock(&pool_lock);
	stale = pick_stale_locked(p);
	inflight[p->fd]--;
	zombies_reap_locked();
	pthread_mutex_unlock(&pool_lock);
	return stale;
}

/* ---------------------------------------------------------------- */
/* The monitor's view of the call in progress. */

static void op_begin(struct fz_thread *t, const char *name, bool is_run)
{
	t->op_name = name;
	t->op_is_run = is_run;
	__atomic_store_n(&t->op_start_ns, mono_ns(), __ATOMIC_RELEASE);
}

static void op_end(struct fz_thread *t)
{
	__atomic_store_n(&t->op_start_ns, 0, __ATOMIC_RELEASE);
	t->ops++;
}

static long fz_ioctl(struct fz_thread *t, int fd, unsigned long cmd,
		     unsigned long arg, const char *name, int *err)
{
	long r;

	op_begin(t, name, cmd == MINIVMM_RUN);
	errno = 0;
	r = ioctl(fd, cmd, arg);
	*err = r < 0 ? errno : 0;
	op_end(t);
	ATOMIC_INC(n_ioctls);
	if (*err > 0 && *err < (int)ARRAY_SIZE(n_errno))
		ATOMIC_INC(n_errno[*err]);
	return r;
}

/* ---------------------------------------------------------------- */
/* Creating objects for the pool. */

static void vcpu_new(struct fz_thread *t);

static void vm_new(struct fz_thread *t)
{
	struct minivmm_create_irqchip ci = { 0 };
	struct fz_region *r;
	bool irqchip = false;
	struct vm *vm;
	uint64_t gen;
	int err;

	op_begin(t, "vm_std_create", false);
	vm = vm_std_create();
	op_end(t);
	if (!vm) {
		if (errno != ENOMEM && errno != EMFILE)
			finding(t, "a standard VM cannot be created: %s",
				strerror(errno));
		return;
	}
	ATOMIC_INC(n_vms);
	if (rnd_pct(t, 50)) {
		if (fz_ioctl(t, vm->fd, MINIVMM_CREATE_IRQCHIP,
			     (unsigned long)&ci, "CREATE_IRQCHIP", &err))
			finding(t, "CREATE_IRQCHIP on a fresh VM: %s",
				strerror(err));
		else
			irqchip = true;
	}
	pthread_mutex_lock(&pool_lock);
	vm_add_locked(t, vm->fd, irqchip, &gen);
	sys_add_locked(vm->sys_fd);
	r = region_slot_locked(t);
	r->p = vm->slots[0].host;
	r->len = vm->slots[0].size;
	r->vm_gen = gen;
	r->std = true;
	pthread_mutex_unlock(&pool_lock);
	/* The fds and the memory belong to the pool from here on. */
	free(vm);
	vcpu_new(t);
}

static void vcpu_new(struct fz_thread *t)
{
	static const enum guest_mode modes[] = {
		MODE_REAL, MODE_PROT32, MODE_LONG, MODE_LONG,
	};
	struct minivmm_mp_state mp = { 0 };
	struct vcpu v = { 0 };
	struct fz_vcpu *pv;
	struct fz_map *m;
	struct hv_vm hv;
	struct pick p;
	bool lapic;
	int i, err;

	if (!pick_fd(t, K_VM, &p))
		return;
	hv.sys_fd = -1;
	hv.vm_fd = p.fd;
	hv.vcpu_map_size = mmap_size;
	op_begin(t, "CREATE_VCPU", false);
	for (i = 0; i < 4; i++)
		if (!hv_vcpu_create(&hv, rnd_n(t, 4), &v.hv) || errno != EEXIST)
			break;
	err = errno;
	op_end(t);
	if (pick_put(&p) || i == 4 || v.hv.fd < 0) {
		if (v.hv.fd < 0 && err != EEXIST && err != ENOMEM &&
		    err != EMFILE && err != ENOTTY)
			finding(t, "CREATE_VCPU with a free id: %s",
				strerror(err));
		if (v.hv.fd >= 0)
			hv_vcpu_destroy(&v.hv);
		return;
	}
	ATOMIC_INC(n_vcpus);
	/* With an irqchip a vCPU has a LAPIC, and only then an MP state. */
	lapic = !fz_ioctl(t, v.fd, MINIVMM_GET_MP_STATE, (unsigned long)&mp,
			  "GET_MP_STATE", &err);
	if (!lapic && err != ENXIO)
		finding(t, "GET_MP_STATE of a fresh vCPU: %s", strerror(err));
	if (lapic && v.hv.id) {
		/* An AP would wait for a SIPI: start it as a VMM would. */
		mp.mp_state = MINIVMM_MP_STATE_RUNNABLE;
		if (ioctl(v.fd, MINIVMM_SET_MP_STATE, &mp))
			finding(t, "SET_MP_STATE RUNNABLE: %s",
				strerror(errno));
	}
	/* Before the pool knows the fd: nobody else uses it yet. */
	if (vcpu_set_mode(&v, modes[rnd_n(t, ARRAY_SIZE(modes))])) {
		finding(t, "a fresh vCPU does not take a standard mode");
		hv_vcpu_destroy(&v.hv);
		return;
	}
	pthread_mutex_lock(&pool_lock);
	pv = vcpu_add_locked(t, v.fd);
	pv->lapic = lapic;
	pv->vm_gen = p.vm_gen;
	if (ioctl(v.fd, MINIVMM_GET_REGS, &pv->regs) ||
	    ioctl(v.fd, MINIVMM_GET_SREGS, &pv->sregs))
		memset(&pv->sregs, 0, sizeof(pv->sregs));
	m = map_slot_locked(t);
	m->p = v.hv.map;
	m->len = v.hv.map_size;
	m->vcpu_gen = pv->gen;
	pthread_mutex_unlock(&pool_lock);
}

/* ---------------------------------------------------------------- */
/* Guest code: random bytes and short valid sequences. */

static size_t code_snippet(struct fz_thread *t, uint8_t *b)
{
	static const uint32_t apic_regs[] = {
		0xfee00300, 0xfee00310, 0xfee000b0, 0xfee00080, 0xfee000f0,
		0xfee00320, 0xfee00380, 0xfee003e0, 0xfec00000, 0xfec00010,
	};
	static const uint32_t msrs[] = {
		0x10, 0x1b, 0x3a, 0x48, 0x49, 0x8b, 0xfe, 0x174, 0x1d9, 0x277,
		0x2ff, 0x6e0, 0x802, 0x808, 0x80b, 0x830, 0x838, 0xc0000080,
		0xc0000081, 0xc0000082, 0xc0000100, 0xc0000102, 0xc0000103,
		0xc0010015, 0xc0010114,
	};
	uint32_t v32 = rnd(t);
	uint64_t v64 = rnd_edge(t);
	size_t n = 0;

	switch (rnd_n(t, 20)) {
	case 0:	/* out imm8, al / in al, imm8 */
		b[n++] = rnd_pct(t, 50) ? 0xe6 : 0xe4;
		b[n++] = rnd(t);
		break;
	case 1:	/* mov dx, imm16; in/out (dx) */
		b[n++] = 0x66; b[n++] = 0xba;
		b[n++] = v32; b[n++] = v32 >> 8;
		b[n++] = 0xec + rnd_n(t, 4);
		break;
	case 2:	/* rep outsb / rep insw with rcx = small */
		b[n++] = 0xb9; b[n++] = rnd_n(t, 600); b[n++] = rnd_n(t, 2);
		b[n++] = 0; b[n++] = 0;
		b[n++] = 0xf3;
		b[n++] = (uint8_t[]){ 0x6e, 0x6f, 0x6c, 0x6d }[rnd_n(t, 4)];
		break;
	case 3:	/* mov [0x40000000], al / mov eax, [0x40000000]: MMIO */
		b[n++] = rnd_pct(t, 50) ? 0x88 : 0x8b;
		b[n++] = 0x04; b[n++] = 0x25;
		b[n++] = 0; b[n++] = 0; b[n++] = 0; b[n++] = 0x40;
		break;
	case 4:	/* mov eax, LAPIC/IOAPIC reg; mov dword [rax], imm32 */
		v32 = apic_regs[rnd_n(t, ARRAY_SIZE(apic_regs))];
		b[n++] = 0xb8;
		memcpy(b + n, &v32, 4); n += 4;
		b[n++] = 0xc7; b[n++] = 0x00;
		v32 = rnd_pct(t, 50) ? (uint32_t)rnd(t) :
		      (0x4500 | (rnd_n(t, 2) << 8) | (uint32_t)rnd_n(t, 256));
		memcpy(b + n, &v32, 4); n += 4;
		break;
	case 5:	/* mov ecx, msr; rdmsr or wrmsr */
		v32 = rnd_pct(t, 80) ? msrs[rnd_n(t, ARRAY_SIZE(msrs))] :
		      (uint32_t)rnd(t);
		if (qemu_quirks && v32 == EFER_MSR)
			v32 = EFER_MSR + 1;
		b[n++] = 0xb9;
		memcpy(b + n, &v32, 4); n += 4;
		b[n++] = 0x0f; b[n++] = rnd_pct(t, 50) ? 0x32 : 0x30;
		break;
	case 6:	/* mov rax, imm64; mov cr0/cr3/cr4/cr8, rax */
		v32 = rnd_n(t, qemu_quirks ? 3 : 4);
		if (qemu_quirks)
			v64 |= v32 == 0 ? CR0_PG : v32 == 2 ? CR4_PAE : 0;
		b[n++] = 0x48; b[n++] = 0xb8;
		memcpy(b + n, &v64, 8); n += 8;
		if (v32 == 3)
			b[n++] = 0x44;		/* REX.R: cr8 */
		b[n++] = 0x0f; b[n++] = 0x22;
		b[n++] = (uint8_t[]){ 0xc0, 0xd8, 0xe0, 0xc0 }[v32];
		break;
	case 7:	/* mov rax, imm64; mov drN, rax */
		b[n++] = 0x48; b[n++] = 0xb8;
		memcpy(b + n, &v64, 8); n += 8;
		b[n++] = 0x0f; b[n++] = 0x23; b[n++] = 0xc0 | (rnd_n(t, 8) << 3);
		break;
	case 8:	/* cpuid */
		b[n++] = 0xb8;
		v32 = rnd_pct(t, 50) ? (uint32_t)rnd_n(t, 0x20) : v32;
		memcpy(b + n, &v32, 4); n += 4;
		b[n++] = 0x0f; b[n++] = 0xa2;
		break;
	case 9:	/* hlt, optionally after sti */
		if (rnd_pct(t, 50))
			b[n++] = 0xfb;
		b[n++] = 0xf4;
		break;
	case 10:	/* jmp $: spins until kicked */
		b[n++] = 0xeb; b[n++] = 0xfe;
		break;
	case 11:	/* xor ecx, ecx; mov eax/edx, imm; xsetbv */
		b[n++] = 0x31; b[n++] = 0xc9;
		b[n++] = 0xb8; b[n++] = rnd_n(t, 256); b[n++] = 0; b[n++] = 0;
		b[n++] = 0;
		b[n++] = 0x0f; b[n++] = 0x01; b[n++] = 0xd1;
		break;
	case 12:	/* int3, ud2, icebp, int imm8 */
		switch (rnd_n(t, 4)) {
		case 0: b[n++] = 0xcc; break;
		case 1: b[n++] = 0x0f; b[n++] = 0x0b; break;
		case 2: b[n++] = 0xf1; break;
		default: b[n++] = 0xcd; b[n++] = rnd(t); break;
		}
		break;
	case 13:	/* push imm32; popfq: TF, AC, IF, random flags */
		b[n++] = 0x68;
		memcpy(b + n, &v32, 4); n += 4;
		b[n++] = 0x9d;
		break;
	case 14:	/* VMX/SVM and other intercepted instructions */
		b[n++] = 0x0f; b[n++] = 0x01;
		b[n++] = (uint8_t[]){ 0xc1, 0xd8, 0xd9, 0xda, 0xdb, 0xc8,
				      0xc9, 0xc4, 0xdf, 0xf9 }[rnd_n(t, 10)];
		break;
	case 15:	/* syscall, sysenter, rsm, invd, wbinvd, rdtsc, rdpmc */
		b[n++] = 0x0f;
		b[n++] = (uint8_t[]){ 0x05, 0x34, 0xaa, 0x08, 0x09, 0x31,
				      0x33, 0x07 }[rnd_n(t, 8)];
		break;
	case 16:	/* lgdt/lidt [rax] with rax random, ltr ax, lldt ax */
		b[n++] = 0x48; b[n++] = 0xb8;
		memcpy(b + n, &v64, 8); n += 8;
		b[n++] = 0x0f;
		switch (rnd_n(t, 4)) {
		case 0: b[n++] = 0x01; b[n++] = 0x10; break;
		case 1: b[n++] = 0x01; b[n++] = 0x18; break;
		case 2: b[n++] = 0x00; b[n++] = 0xd8; break;
		default: b[n++] = 0x00; b[n++] = 0xd0; break;
		}
		break;
	case 17:	/* mov rsp, imm64; push rax: the stack anywhere */
		b[n++] = 0x48; b[n++] = 0xbc;
		memcpy(b + n, &v64, 8); n += 8;
		b[n++] = 0x50;
		break;
	case 18:	/* mov rax, imm64; mov [rax], rax: any address */
		b[n++] = 0x48; b[n++] = 0xb8;
		memcpy(b + n, &v64, 8); n += 8;
		b[n++] = 0x48; b[n++] = 0x89; b[n++] = 0x00;
		break;
	default:	/* random bytes */
		n = 1 + rnd_n(t, 16);
		for (size_t i = 0; i < n; i++) {
			b[i] = rnd(t);
			/* MOV to CRn becomes MOV from CRn. */
			if (qemu_quirks && i && b[i - 1] == 0x0f && b[i] == 0x22)
				b[i] = 0x20;
		}
		break;
	}
	return n;
}

/* Writes random code at CODE_GPA of a standard region of VM @vm_gen. */
static void code_write(struct fz_thread *t, uint64_t vm_gen)
{
	uint8_t code[512];
	size_t n = 0, len;
	unsigned int i;

	len = 16 + rnd_n(t, sizeof(code) - 64);
	while (n < len)
		n += code_snippet(t, code + n);
	pthread_mutex_lock(&pool_lock);
	for (i = 0; i < MAX_REGIONS; i++) {
		struct fz_region *r = &region_pool[i];

		if (r->p && r->std && r->vm_gen == vm_gen &&
		    r->len >= CODE_GPA + n) {
			memcpy(r->p + CODE_GPA, code, n);
			break;
		}
	}
	pthread_mutex_unlock(&pool_lock);
}

/* ---------------------------------------------------------------- */
/* Arguments: mostly valid, then mutated. */

static const uint32_t interesting_msrs[] = {
	0x10, 0x1b, 0x3a, 0x48, 0x49, 0x8b, 0xfe, 0x174, 0x175, 0x176,
	0x17, 0x179, 0x17a, 0x1a0, 0x1d9, 0x200, 0x20f, 0x210, 0x250, 0x258,
	0x259, 0x268, 0x26f, 0x277, 0x2ff, 0x6e0, 0x800, 0x802, 0x803, 0x808,
	0x80b, 0x80f, 0x830, 0x838, 0x839, 0x83e, 0x8ff, 0x900, 0x10a,
	0xc0000080, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,
	0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103, 0xc0010015,
	0xc0010010, 0xc0010114, 0xc0011029, 0xc0010140, 0xc0010141,
	0x3b, 0x1c9, 0xffffffff,
};

static uint32_t rnd_count(struct fz_thread *t, long max)
{
	switch (rnd_n(t, 8)) {
	case 0:
		return 0;
	case 1:
		return max;
	case 2:
		return max + 1;
	case 3:
		return rnd_edge(t);
	default:
		return 1 + rnd_n(t, 8);
	}
}

static void vcpu_aliased_locked(uint64_t gen)
{
	unsigned int i;

	for (i = 0; i < MAX_VCPUS; i++)
		if (vcpu_pool[i].gen == gen)
			vcpu_pool[i].aliased = true;
}

/* A region argument: overlaps, aliases, edges.  Needs pool_lock. */
static void region_arg_locked(struct fz_thread *t,
			      struct minivmm_memory_region *mr)
{
	struct fz_region *r = &region_pool[rnd_n(t, MAX_REGIONS)];
	struct fz_map *m = &map_pool[rnd_n(t, MAX_MAPS)];

	mr->slot = rnd_pct(t, 80) ? rnd_n(t, 6) :
		   (uint32_t)rnd_count(t, caps[MINIVMM_CAP_MAX_MEM_SLOTS]);
	mr->flags = rnd_pct(t, 70) ? 0 : rnd_pct(t, 70) ?
		    MINIVMM_MEM_READONLY : (uint32_t)rnd_edge(t);
	switch (rnd_n(t, 6)) {
	case 0:	/* somewhere below 4 GiB, maybe over another slot */
		mr->guest_phys_addr = rnd_n(t, 1 << 20) * PAGE;
		break;
	case 1:	/* right after the standard slot, or inside it */
		mr->guest_phys_addr = rnd_n(t, 0x400) * PAGE;
		break;
	case 2:	/* the top of the guest-physical space */
		mr->guest_phys_addr = max_gpa - PAGE * (1 + rnd_n(t, 4));
		break;
	case 3:	/* near 2^64 */
		mr->guest_phys_addr = (0ULL - PAGE * (1 + rnd_n(t, 4)));
		break;
	case 4:	/* the LAPIC and IOAPIC pages */
		mr->guest_phys_addr = rnd_pct(t, 50) ?
				      MINIVMM_APIC_DEFAULT_BASE :
				      MINIVMM_IOAPIC_BASE;
		break;
	default:
		mr->guest_phys_addr = rnd_edge(t);
		break;
	}
	mr->memory_size = rnd_pct(t, 15) ? 0 : PAGE * (1 + rnd_n(t, 512));
	switch (rnd_n(t, 10)) {
	case 0:	/* the run page and the IO data page of a vCPU */
		if (m->p) {
			mr->userspace_addr = (uintptr_t)m->p;
			mr->memory_size = m->len;
			vcpu_aliased_locked(m->vcpu_gen);
			break;
		}
		/* fall through */
	case 1:
		mr->userspace_addr = (uintptr_t)ro_page;
		mr->memory_size = PAGE;
		break;
	case 2:
		mr->userspace_addr = (uintptr_t)straddle_page;
		break;
	case 3:
		mr->userspace_addr = rnd_pct(t, 50) ? rnd_edge(t) :
				     USER_TOP - PAGE * rnd_n(t, 4);
		break;
	default:	/* memory of a region, maybe another VM's */
		if (r->p) {
			uint64_t off = rnd_n(t, r->len / PAGE) * PAGE;

			mr->userspace_addr = (uintptr_t)r->p + off;
			if (mr->memory_size > r->len - off && rnd_pct(t, 80))
				mr->memory_size = r->len - off;
		} else {
			mr->userspace_addr = (uintptr_t)ro_page;
		}
		break;
	}
	if (rnd_pct(t, 5))
		mr->memory_size = rnd_edge(t);
	if (rnd_pct(t, 3))
		mr->guest_phys_addr |= 1 + rnd_n(t, PAGE - 1);
	if (rnd_pct(t, 3))
		mr->userspace_addr += 1 + rnd_n(t, PAGE - 1);
}

static void sregs_mutate(struct fz_thread *t, struct minivmm_sregs *s)
{
	uint8_t *b = (uint8_t *)s;
	unsigned int k, n = 1 + rnd_n(t, 3);

	for (k = 0; k < n; k++) {
		switch (rnd_n(t, 8)) {
		case 0:
			s->cr0 ^= 1ULL << rnd_n(t, 64);
			break;
		case 1:
			s->cr4 ^= 1ULL << rnd_n(t, 32);
			break;
		case 2:
			s->efer ^= 1ULL << rnd_n(t, 16);
			break;
		case 3:
			s->cr3 = rnd_edge(t);
			break;
		case 4:
			s->apic_base ^= 1ULL << rnd_n(t, 40);
			break;
		case 5:
			s->cr8 = rnd_n(t, 20);
			break;
		default:	/* a byte of a segment or table register */
			b[rnd_n(t, offsetof(struct minivmm_sregs, cr0))] =
				rnd_pct(t, 50) ? (uint8_t)rnd(t) : 1;
			break;
		}
	}
}

/*
 * Builds a mostly-valid argument for @io in @buf (zeroed, SCRATCH_SIZE)
 * and returns its length.  @pv: the vCPU's saved good state, if any.
 */
static size_t arg_build(struct fz_thread *t, const struct fz_ioctl *io,
			uint8_t *buf, const struct fz_vcpu *pv)
{
	size_t len = io->size;
	uint32_t i, n;

	switch (io->cmd) {
	case MINIVMM_SET_MEMORY_REGION:
		pthread_mutex_lock(&pool_lock);
		region_arg_locked(t, (void *)buf);
		pthread_mutex_unlock(&pool_lock);
		break;
	case MINIVMM_CREATE_VCPU: {
		struct minivmm_create_vcpu *c = (void *)buf;

		c->id = rnd_pct(t, 80) ? rnd_n(t, 8) :
			rnd_count(t, caps[MINIVMM_CAP_MAX_VCPUS] - 1);
		break;
	}
	case MINIVMM_IRQ_LINE: {
		struct minivmm_irq_line *l = (void *)buf;

		l->gsi = rnd_pct(t, 80) ? rnd_n(t, 24) :
			 rnd_count(t, caps[MINIVMM_CAP_IOAPIC_PINS]);
		l->level = rnd_pct(t, 95) ? rnd_n(t, 2) : (uint32_t)rnd_edge(t);
		break;
	}
	case MINIVMM_SIGNAL_MSI: {
		struct minivmm_msi *m = (void *)buf;

		m->address = rnd_pct(t, 90) ?
			     0xfee00000ULL | (rnd_n(t, 256) << 12) |
			     (rnd_n(t, 2) << 2) : rnd_edge(t);
		m->data = (uint32_t)rnd_n(t, 256) | (rnd_n(t, 8) << 8) |
			  (rnd_n(t, 2) << 15);
		break;
	}
	case MINIVMM_SET_IOPORT_RANGE: {
		struct minivmm_ioport_range *r = (void *)buf;

		r->base = rnd_pct(t, 80) ? rnd_n(t, 0x10000) : rnd_edge(t);
		r->len = rnd_pct(t, 80) ? 1 + rnd_n(t, 0x10000 - r->base) :
			 rnd_edge(t);
		r->flags = rnd_pct(t, 90) ? rnd_n(t, 2) : rnd_edge(t);
		break;
	}
	case MINIVMM_SET_REGS: {
		struct minivmm_regs *r = (void *)buf;

		if (pv && rnd_pct(t, 60)) {
			*r = pv->regs;
		} else {
			for (i = 0; i < sizeof(*r) / 8; i++)
				((uint64_t *)r)[i] = rnd_edge(t);
			if (rnd_pct(t, 60))
				r->rip = CODE_GPA;
			if (rnd_pct(t, 50))
				r->rflags = 2 | (rnd(t) & 0x3f7fd5);
		}
		break;
	}
	case MINIVMM_SET_SREGS: {
		struct minivmm_sregs *s = (void *)buf;

		if (pv)
			*s = pv->sregs;
		if (rnd_pct(t, 60))
			sregs_mutate(t, s);
		break;
	}
	case MINIVMM_GET_MSRS:
	case MINIVMM_SET_MSRS: {
		struct minivmm_msrs *m = (void *)buf;

		n = rnd_count(t, caps[MINIVMM_CAP_MAX_MSR_ENTRIES]);
		m->nmsrs = n;
		n = n > 256 ? 256 : n;
		for (i = 0; i < n; i++) {
			m->entries[i].index = rnd_pct(t, 85) ?
				interesting_msrs[rnd_n(t, ARRAY_SIZE(interesting_msrs))] :
				(uint32_t)rnd(t);
			m->entries[i].data = rnd_edge(t);
		}
		len = sizeof(*m) + n * sizeof(m->entries[0]);
		break;
	}
	case MINIVMM_SET_CPUID: {
		struct minivmm_cpuid *c = (void *)buf;

		n = rnd_count(t, caps[MINIVMM_CAP_MAX_CPUID_ENTRIES]);
		c->nent = n;
		n = n > 300 ? 300 : n;
		for (i = 0; i < n; i++) {
			c->entries[i].function = rnd_pct(t, 70) ? rnd_n(t, 0x20) :
						 0x80000000 + rnd_n(t, 0x20);
			c->entries[i].index = rnd_n(t, 4);
			c->entries[i].flags = rnd_n(t, 2);
			c->entries[i].eax = rnd(t);
			c->entries[i].ebx = rnd(t);
			c->entries[i].ecx = rnd(t);
			c->entries[i].edx = rnd(t);
		}
		len = sizeof(*c) + n * sizeof(c->entries[0]);
		break;
	}
	case MINIVMM_SET_XSAVE: {
		uint32_t mxcsr = 0x1f80;
		uint64_t bv = rnd_n(t, 8);

		/* A plausible image: MXCSR, XSTATE_BV of x87/SSE/AVX. */
		memcpy(buf + 24, &mxcsr, 4);
		memcpy(buf + 512, &bv, 8);
		for (i = 160; i < 416; i += 8) {
			uint64_t v = rnd(t);

			memcpy(buf + i, &v, 8);
		}
		break;
	}
	case MINIVMM_INTERRUPT:
		((struct minivmm_interrupt *)buf)->vector =
			rnd_pct(t, 80) ? 32 + rnd_n(t, 224) : rnd_edge(t);
		break;
	case MINIVMM_SET_MP_STATE:
		((struct minivmm_mp_state *)buf)->mp_state =
			rnd_pct(t, 80) ? rnd_n(t, 2) : rnd_edge(t);
		break;
	default:
		break;
	}
	/* Mutations: a flipped bit, a byte, an edge value anywhere. */
	if (len && rnd_pct(t, 25)) {
		size_t off = rnd_n(t, len);

		switch (rnd_n(t, 3)) {
		case 0:
			buf[off] ^= 1 << rnd_n(t, 8);
			break;
		case 1:
			buf[off] = rnd(t);
			break;
		default: {
			uint64_t v = rnd_edge(t);

			off &= ~7UL;
			memcpy(buf + off, &v, len - off < 8 ? len - off : 8);
			break;
		}
		}
	}
	if (qemu_quirks && io->cmd == MINIVMM_SET_SREGS) {
		struct minivmm_sregs *s = (void *)buf;

		if (!(s->cr4 & CR4_PAE))
			s->efer &= ~EFER_LME;
	}
	if (qemu_quirks && (io->cmd == MINIVMM_SET_MSRS ||
			  io->cmd == MINIVMM_GET_MSRS)) {
		struct minivmm_msrs *m = (void *)buf;

		for (i = 0; i < (len - sizeof(*m)) / sizeof(m->entries[0]); i++)
			if (m->entries[i].index == EFER_MSR)
				m->entries[i].data &= ~EFER_LME;
	}
	return len;
}

/* ---------------------------------------------------------------- */
/* What the ABI allows (docs/api.md). */

#define E(x) (1ULL << (x))
/* Success is allowed. */
#define OK_BIT	E(0)

struct expect {
	uint64_t allowed;	/* OK_BIT and E(errno) bits */
	bool exact_value;	/* the success value must be @value */
	long value;
	long max_value;		/* when > 0: success values are 0..max */
};

static bool any_nonzero(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		if (*b++)
			return true;
	return false;
}

/* The errnos a call with argument bytes @a (as the kernel reads them) may
 * give, following the order of the checks the ABI documents. */
static void expect_for(const struct fz_ioctl *io, const uint8_t *a,
		       unsigned long arg, const struct pick *p,
		       struct expect *x)
{
	memset(x, 0, sizeof(*x));
	switch (io->cmd) {
	case MINIVMM_GET_API_VERSION:
		x->allowed = OK_BIT;
		x->exact_value = true;
		x->value = MINIVMM_API_VERSION;
		break;
	case MINIVMM_CHECK_CAP:
		x->allowed = OK_BIT;
		x->exact_value = true;
		x->value = arg < ARRAY_SIZE(caps) ? caps[arg] : 0;
		break;
	case MINIVMM_GET_VCPU_MMAP_SIZE:
		x->allowed = OK_BIT;
		x->exact_value = true;
		x->value = mmap_size;
		break;
	case MINIVMM_CREATE_VM: {
		const struct minivmm_create_vm *c = (const void *)a;

		x->allowed = c->flags || c->pad ? E(EINVAL) :
			     OK_BIT | E(ENOMEM) | E(EMFILE) | E(ENFILE);
		break;
	}
	case MINIVMM_SET_MEMORY_REGION: {
		const struct minivmm_memory_region *r = (const void *)a;
		uint64_t gpa = r->guest_phys_addr, size = r->memory_size;
		uint64_t ua = r->userspace_addr;

		if (r->slot >= (uint64_t)caps[MINIVMM_CAP_MAX_MEM_SLOTS] ||
		    (r->flags & ~MINIVMM_MEM_READONLY) ||
		    (gpa | size | ua) & (PAGE - 1))
			x->allowed = E(EINVAL);
		else if (!size)
			x->allowed = OK_BIT;
		else if (gpa + size < gpa || ua + size < ua ||
			 gpa + size > max_gpa)
			x->allowed = E(EINVAL);
		else if (ua + size > USER_TOP)
			x->allowed = E(EFAULT);
		else
			x->allowed = OK_BIT | E(EEXIST) | E(EFAULT) |
				     E(ENOMEM);
		break;
	}
	case MINIVMM_CREATE_VCPU: {
		const struct minivmm_create_vcpu *c = (const void *)a;

		x->allowed = c->flags ||
			     c->id >= (uint64_t)caps[MINIVMM_CAP_MAX_VCPUS] ?
			     E(EINVAL) : OK_BIT | E(EEXIST) | E(ENOMEM) |
			     E(EMFILE) | E(ENFILE);
		break;
	}
	case MINIVMM_CREATE_IRQCHIP: {
		const struct minivmm_create_irqchip *c = (const void *)a;

		x->allowed = c->flags || c->pad ? E(EINVAL) :
			     OK_BIT | E(EEXIST) | E(EBUSY) | E(ENOMEM);
		break;
	}
	case MINIVMM_IRQ_LINE: {
		const struct minivmm_irq_line *l = (const void *)a;

		x->allowed = E(ENXIO) |
			     (l->gsi >= (uint64_t)caps[MINIVMM_CAP_IOAPIC_PINS] ||
			      l->level > 1 ? E(EINVAL) : OK_BIT);
		break;
	}
	case MINIVMM_SIGNAL_MSI: {
		const struct minivmm_msi *m = (const void *)a;

		if (m->flags || m->pad)
			x->allowed = E(EINVAL);
		else if ((m->address & ~0xfffffULL) != 0xfee00000ULL)
			x->allowed = E(ENXIO) | E(EINVAL);
		else
			x->allowed = E(ENXIO) | OK_BIT;
		x->max_value = caps[MINIVMM_CAP_MAX_VCPUS];
		break;
	}
	case MINIVMM_SET_IOPORT_RANGE: {
		const struct minivmm_ioport_range *r = (const void *)a;

		x->allowed = (r->flags & ~MINIVMM_IOPORT_NODEV) || r->pad ||
			     !r->len || r->base >= 0x10000 ||
			     r->len > 0x10000 - r->base ?
			     E(EINVAL) : OK_BIT | E(ENOMEM);
		break;
	}
	case MINIVMM_RUN:
		x->allowed = OK_BIT | E(EINTR) | E(EINVAL) | E(EFAULT) |
			     E(ENOMEM);
		break;
	case MINIVMM_GET_REGS:
	case MINIVMM_SET_REGS:
		x->allowed = OK_BIT;
		break;
	case MINIVMM_GET_SREGS:
	case MINIVMM_GET_XSAVE:
		x->allowed = OK_BIT | E(ENOMEM);
		break;
	case MINIVMM_SET_SREGS: {
		const struct minivmm_sregs *s = (const void *)a;
		const struct minivmm_segment *seg = &s->cs;
		bool bad = any_nonzero(s->reserved, sizeof(s->reserved)) ||
			   any_nonzero(s->gdt.pad, sizeof(s->gdt.pad)) ||
			   any_nonzero(s->idt.pad, sizeof(s->idt.pad));
		int i;

		for (i = 0; i < 8; i++)
			bad |= seg[i].pad != 0;
		x->allowed = bad ? E(EINVAL) : OK_BIT | E(EINVAL) | E(ENOMEM);
		break;
	}
	case MINIVMM_GET_MSRS:
	case MINIVMM_SET_MSRS: {
		const struct minivmm_msrs *m = (const void *)a;
		bool bad = m->pad ||
			   m->nmsrs > (uint64_t)caps[MINIVMM_CAP_MAX_MSR_ENTRIES];
		uint32_t i;

		for (i = 0; !bad && i < m->nmsrs; i++)
			bad = m->entries[i].reserved != 0;
		x->allowed = bad ? E(EINVAL) : OK_BIT | E(ENOMEM);
		x->max_value = bad ? 0 : m->nmsrs;
		break;
	}
	case MINIVMM_SET_CPUID: {
		const struct minivmm_cpuid *c = (const void *)a;
		bool bad = c->pad ||
			   c->nent > (uint64_t)caps[MINIVMM_CAP_MAX_CPUID_ENTRIES];
		uint32_t i;

		for (i = 0; !bad && i < c->nent; i++)
			bad = (c->entries[i].flags &
			       ~MINIVMM_CPUID_SIGNIFICANT_INDEX) ||
			      c->entries[i].pad;
		x->allowed = bad ? E(EINVAL) : OK_BIT | E(ENOMEM);
		break;
	}
	case MINIVMM_SET_XSAVE:
		x->allowed = OK_BIT | E(EINVAL) | E(ENOMEM);
		break;
	case MINIVMM_INTERRUPT: {
		const struct minivmm_interrupt *v = (const void *)a;

		if (p->lapic)
			x->allowed = E(ENXIO);
		else if (v->pad || v->vector < 32 || v->vector > 255)
			x->allowed = E(EINVAL);
		else
			x->allowed = OK_BIT | E(EBUSY);
		break;
	}
	case MINIVMM_GET_MP_STATE:
		x->allowed = p->lapic ? OK_BIT : E(ENXIO);
		break;
	case MINIVMM_SET_MP_STATE: {
		const struct minivmm_mp_state *m = (const void *)a;

		if (!p->lapic)
			x->allowed = E(ENXIO);
		else if (m->pad || m->mp_state > MINIVMM_MP_STATE_INIT_RECEIVED)
			x->allowed = E(EINVAL);
		else
			x->allowed = OK_BIT;
		break;
	}
	}
}

/* Checks before the copy: an ioctl that fails on the state first. */
static bool fails_before_copy(const struct fz_ioctl *io, const struct pick *p)
{
	switch (io->cmd) {
	case MINIVMM_INTERRUPT:
		return p->lapic;
	case MINIVMM_GET_MP_STATE:
	case MINIVMM_SET_MP_STATE:
		return !p->lapic;
	default:
		return false;
	}
}

/* The first bytes of an argument in hex, for a finding. */
static const char *arg_hex(const uint8_t *a, size_t len)
{
	static __thread char buf[3 * 48 + 1];
	size_t i;

	buf[0] = 0;
	for (i = 0; a && i < len && i < 48; i++)
		snprintf(buf + 3 * i, 4, "%02x ", a[i]);
	return buf;
}

static const char *errname(int e)
{
	static __thread char buf[32];

	if (!e)
		return "success";
	snprintf(buf, sizeof(buf), "%s", strerror(e));
	return buf;
}

/* ---------------------------------------------------------------- */
/* Operations. */

static void pool_fd_add(struct fz_thread *t, int fd, enum fd_kind kind,
			const struct pick *parent)
{
	struct minivmm_mp_state mp;
	struct fz_vcpu *pv;
	uint64_t gen;

	if (kind == K_VM) {
		ATOMIC_INC(n_vms);
		pthread_mutex_lock(&pool_lock);
		vm_add_locked(t, fd, false, &gen);
		pthread_mutex_unlock(&pool_lock);
		return;
	}
	ATOMIC_INC(n_vcpus);
	/* No mapping: runs use the pool's other mappings or none. */
	mp.mp_state = 0;
	pthread_mutex_lock(&pool_lock);
	pv = vcpu_add_locked(t, fd);
	pv->lapic = !ioctl(fd, MINIVMM_GET_MP_STATE, &mp);
	pv->vm_gen = parent->vm_gen;
	pthread_mutex_unlock(&pool_lock);
}

static uint8_t *ptr_make(struct fz_thread *t, enum ptr_kind k, uint8_t *good,
			 size_t len)
{
	size_t cut;

	switch (k) {
	case P_GOOD:
		return good;
	case P_UNALIGNED:
		cut = 1 + rnd_n(t, 7);
		memmove(good + cut, good, len);
		return good + cut;
	case P_NULL:
		return NULL;
	case P_LOW:
		return low_ptr;
	case P_KERNEL:
		return (uint8_t *)0xffff888000001000ULL;
	case P_TOP:
		return (uint8_t *)(0ULL - 16);
	case P_NONCANON:
		return (uint8_t *)0x0000800000000000ULL;
	case P_RDONLY:
		return ro_page;
	default:
		/* The first bytes in the last page that is mapped. */
		cut = len > 1 ? 1 + rnd_n(t, len - 1) : 1;
		cut = cut > PAGE ? PAGE : cut;
		memcpy(straddle_page + PAGE - cut, good, cut);
		return straddle_page + PAGE - cut;
	}
}

static enum ptr_kind rnd_ptr_kind(struct fz_thread *t)
{
	unsigned int r = rnd_n(t, 100);

	if (r < 78)
		return P_GOOD;
	return (enum ptr_kind)(1 + rnd_n(t, P_NKINDS - 1));
}

/*
 * Checks the run page after a RUN that returned @r with @err: only this
 * worker runs the vCPU, so the page holds that RUN's exit (unless a slot
 * lets guests write the page too).
 */
static void run_page_check(struct fz_thread *t, const struct pick *p, long r,
			   int err)
{
	uint64_t vcpu_gen = p->gen;
	struct minivmm_run run;
	unsigned int i;
	bool found = false;

	pthread_mutex_lock(&pool_lock);
	/* A vCPU closed meanwhile may have been aliased after the pick. */
	for (i = 0; i < MAX_MAPS && !pick_stale_locked(p) &&
	     !vcpu_pool[p->index].aliased; i++) {
		struct fz_map *m = &map_pool[i];

		if (m->p && m->vcpu_gen == vcpu_gen && m->len >= PAGE) {
			memcpy(&run, m->p, sizeof(run));
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&pool_lock);
	if (!found)
		return;
	if (r == 0 && run.exit_reason < ARRAY_SIZE(n_exit))
		ATOMIC_INC(n_exit[run.exit_reason]);
	if (r < 0 && err == EINVAL && !any_nonzero(run.pad0, sizeof(run.pad0)))
		finding(t, "RUN gave EINVAL with a clean pad0");
	if (run.exit_reason > MINIVMM_EXIT_IRQ_WINDOW_OPEN) {
		finding(t, "RUN gave %ld %s with exit_reason %u", r,
			errname(err), run.exit_reason);
		return;
	}
	if (r < 0 && err == EINTR && run.exit_reason != MINIVMM_EXIT_INTR)
		finding(t, "RUN gave EINTR with exit_reason %u, want INTR",
			run.exit_reason);
	if (r != 0)
		return;
	if (run.exit_reason == MINIVMM_EXIT_IO &&
	    ((run.io.size != 1 && run.io.size != 2 && run.io.size != 4) ||
	     run.io.direction > 1 || !run.io.count ||
	     run.io.data_offset + (uint64_t)run.io.count * run.io.size >
	     (uint64_t)mmap_size))
		finding(t, "IO exit: dir %u size %u port 0x%x count %u offset %llu",
			run.io.direction, run.io.size, run.io.port,
			run.io.count, (unsigned long long)run.io.data_offset);
	if (run.exit_reason == MINIVMM_EXIT_MMIO &&
	    ((run.mmio.len != 1 && run.mmio.len != 2 && run.mmio.len != 4 &&
	      run.mmio.len != 8) || run.mmio.is_write > 1))
		finding(t, "MMIO exit: len %u is_write %u at 0x%llx",
			run.mmio.len, run.mmio.is_write,
			(unsigned long long)run.mmio.phys_addr);
	if (run.exit_reason == MINIVMM_EXIT_INTERNAL_ERROR &&
	    run.internal.ndata > 16)
		finding(t, "internal error with ndata %u", run.internal.ndata);
}

/* Sets the run inputs and answers the last exit's IN/MMIO read. */
static bool run_inputs(struct fz_thread *t, uint64_t vcpu_gen, bool *pad0)
{
	unsigned int i;
	bool found = false;

	*pad0 = false;
	pthread_mutex_lock(&pool_lock);
	for (i = 0; i < MAX_MAPS; i++) {
		struct fz_map *m = &map_pool[i];
		struct minivmm_run *run = (void *)m->p;

		if (!m->p || m->vcpu_gen != vcpu_gen || m->len < 2 * PAGE)
			continue;
		run->request_interrupt_window = rnd_pct(t, 20);
		run->immediate_exit = rnd_pct(t, 5);
		memset(run->pad0, 0, sizeof(run->pad0));
		if (rnd_pct(t, 2)) {
			run->pad0[rnd_n(t, 6)] = 1;
			*pad0 = true;
		}
		for (i = 0; i < 8; i++)
			run->mmio.data[i] = rnd(t);
		for (i = 0; i < 64; i++)
			m->p[PAGE + rnd_n(t, PAGE)] = rnd(t);
		found = true;
		break;
	}
	pthread_mutex_unlock(&pool_lock);
	return found;
}

static void op_run(struct fz_thread *t)
{
	struct pick p;
	struct fz_vcpu *pv;
	struct expect x;
	bool busy, pad0, stale;
	int err;
	long r;

	if (!pick_fd(t, K_VCPU, &p))
		return;
	pthread_mutex_lock(&pool_lock);
	pv = &vcpu_pool[p.index];
	busy = pick_stale_locked(&p) || pv->running;
	if (!busy)
		pv->running = true;
	pthread_mutex_unlock(&pool_lock);
	if (busy) {
		pick_put(&p);
		return;
	}
	/* Fresh code, a reset to the good state or random registers. */
	if (rnd_pct(t, 40))
		code_write(t, p.vm_gen);
	if (rnd_pct(t, 30)) {
		ioctl(p.fd, MINIVMM_SET_SREGS, &pv->sregs);
		ioctl(p.fd, MINIVMM_SET_REGS, &pv->regs);
	}
	run_inputs(t, p.gen, &pad0);
	r = fz_ioctl(t, p.fd, MINIVMM_RUN, 0, "RUN", &err);
	ATOMIC_INC(n_runs);
	expect_for(&fz_ioctls[11], NULL, 0, &p, &x);
	stale = pick_put(&p);
	if (!(x.allowed & (r < 0 ? E(err) : OK_BIT)) && !stale)
		finding(t, "RUN on vCPU fd %d: %ld %s", p.fd, r, errname(err));
	run_page_check(t, &p, r, err);
	pthread_mutex_lock(&pool_lock);
	if (vcpu_pool[p.index].gen == p.gen)
		vcpu_pool[p.index].running = false;
	pthread_mutex_unlock(&pool_lock);
}

/* One of the ABI's ioctls, on an fd of any kind. */
static void op_ioctl(struct fz_thread *t)
{
	const struct fz_ioctl *io = &fz_ioctls[rnd_n(t, ARRAY_SIZE(fz_ioctls))];
	enum fd_kind kind = rnd_pct(t, 90) ? io->kind :
			    (enum fd_kind)rnd_n(t, K_NKINDS);
	uint8_t *good = t->scratch, *ptr;
	const uint8_t *seen;
	enum ptr_kind pk = P_GOOD;
	struct fz_vcpu pvc;
	struct expect x;
	unsigned long arg;
	struct pick p;
	bool stale, have_pv = false;
	size_t len;
	int err;
	long r;

	if (io->cmd == MINIVMM_RUN && kind == K_VCPU) {
		op_run(t);
		return;
	}
	if (!pick_fd(t, kind, &p))
		return;
	if (kind == K_VCPU) {
		pthread_mutex_lock(&pool_lock);
		pvc = vcpu_pool[p.index];
		have_pv = !pick_stale_locked(&p) && pvc.sregs.cr0;
		pthread_mutex_unlock(&pool_lock);
	}
	memset(good, 0, SCRATCH_SIZE);
	len = arg_build(t, io, good, have_pv ? &pvc : NULL);
	if (io->use == ARG_NONE) {
		arg = io->cmd == MINIVMM_CHECK_CAP ?
		      (rnd_pct(t, 70) ? rnd_n(t, 20) : rnd_edge(t)) : rnd(t);
		ptr = NULL;
	} else {
		pk = rnd_ptr_kind(t);
		ptr = ptr_make(t, pk, good, len);
		arg = (uintptr_t)ptr;
	}
	r = fz_ioctl(t, p.fd, io->cmd, arg, io->name, &err);
	stale = pick_put(&p);
	if (r >= 0 && (io->cmd == MINIVMM_CREATE_VM ||
		       io->cmd == MINIVMM_CREATE_VCPU)) {
		if (kind == io->kind)
			pool_fd_add(t, r, io->cmd == MINIVMM_CREATE_VM ?
				    K_VM : K_VCPU, &p);
		else
			close(r);
	}
	if (stale)
		return;	/* the fd was closed meanwhile: any result goes */
	if (kind != io->kind &&
	    !(io->cmd == MINIVMM_CHECK_CAP && kind != K_VCPU)) {
		if (r != -1 || err != ENOTTY)
			finding(t, "%s on a %s fd: %ld %s, want ENOTTY",
				io->name, kind == K_SYS ? "system" :
				kind == K_VM ? "VM" : "vCPU", r, errname(err));
		return;
	}
	if (kind != io->kind)
		io = &fz_ioctls[2];	/* CHECK_CAP: the same on both */
	/* What the kernel read: the buffer, zeros, or nothing. */
	seen = pk == P_RDONLY ? ro_page : good;
	if (pk == P_UNALIGNED)
		seen = ptr;
	if (io->use != ARG_NONE && !fails_before_copy(io, &p) &&
	    (ptr_unreadable(pk) ||
	     (pk == P_STRADDLE && !io->varlen) ||
	     (pk == P_RDONLY && io->use == ARG_OUT))) {
		if (r >= 0)
			finding(t, "%s with a %s pointer %p succeeded (%ld)",
				io->name, ptr_names[pk], ptr, r);
		else if (err != EFAULT)
			finding(t, "%s with a %s pointer %p: %s, want EFAULT",
				io->name, ptr_names[pk], ptr, errname(err));
		return;
	}
	if (pk == P_STRADDLE || (pk == P_RDONLY && io->use == ARG_INOUT)) {
		/* Part of the argument was readable: only the errno set. */
		expect_for(io, seen, arg, &p, &x);
		x.allowed |= OK_BIT | E(EFAULT) | E(EINVAL) | E(ENXIO);
		x.exact_value = false;
		x.max_value = 0;
	} else {
		expect_for(io, seen, arg, &p, &x);
	}
	if (r < 0) {
		if (!(x.allowed & E(err)))
			finding(t, "%s (%s pointer) on fd %d: %s, not allowed here; arg %s",
				io->name, ptr_names[pk], p.fd, errname(err),
				arg_hex(seen, len));
		return;
	}
	if (!(x.allowed & OK_BIT)) {
		finding(t, "%s (%s pointer) on fd %d succeeded (%ld), want an error; arg %s",
			io->name, ptr_names[pk], p.fd, r, arg_hex(seen, len));
		return;
	}
	if (x.exact_value && r != x.value)
		finding(t, "%s(%lu) gave %ld, want %ld", io->name, arg, r,
			x.value);
	if (x.max_value && r > x.max_value)
		finding(t, "%s gave %ld, more than %ld", io->name, r,
			x.max_value);
	if (io->cmd == MINIVMM_GET_MP_STATE && pk == P_GOOD &&
	    ((struct minivmm_mp_state *)good)->mp_state >
	    MINIVMM_MP_STATE_HALTED)
		finding(t, "GET_MP_STATE gave state %u",
			((struct minivmm_mp_state *)good)->mp_state);
}

/* An ioctl number not in the ABI: ENOTTY if it has our type byte. */
static void op_bad_number(struct fz_thread *t)
{
	enum fd_kind kind = (enum fd_kind)rnd_n(t, K_NKINDS);
	unsigned long cmd;
	unsigned int i, type;
	struct pick p;
	int err;
	long r;

	if (rnd_pct(t, 80)) {
		cmd = _IOC(rnd_n(t, 4), MINIVMM_IO, rnd_n(t, 256),
			   rnd_n(t, 1 << 14));
	} else {
		cmd = (uint32_t)rnd(t);
		/* Not the VFS's own: FIO*, FIFREEZE/FITHAW, FICLONE... */
		type = _IOC_TYPE(cmd);
		if (type == 'T' || type == 'X' || type == 'f' || type == 0x94 ||
		    type == 0)
			return;
	}
	for (i = 0; i < ARRAY_SIZE(fz_ioctls); i++)
		if (fz_ioctls[i].cmd == cmd)
			return;
	if (!pick_fd(t, kind, &p))
		return;
	r = fz_ioctl(t, p.fd, cmd, rnd_pct(t, 50) ? (uintptr_t)t->scratch :
		     rnd_edge(t), "unknown ioctl", &err);
	if (!pick_put(&p) && _IOC_TYPE(cmd) == MINIVMM_IO &&
	    (r != -1 || err != ENOTTY))
		finding(t, "unknown ioctl 0x%lx: %ld %s, want ENOTTY", cmd, r,
			errname(err));
}

static void op_close(struct fz_thread *t)
{
	unsigned int i;

	pthread_mutex_lock(&pool_lock);
	switch (rnd_n(t, 4)) {
	case 0:
		i = rnd_n(t, MAX_VMS);
		fd_close_locked(vm_pool[i].fd);
		vm_pool[i].fd = -1;
		vm_pool[i].gen = next_gen++;
		break;
	case 1:
		i = rnd_n(t, MAX_SYS);
		fd_close_locked(sys_pool[i].fd);
		sys_pool[i].fd = -1;
		sys_pool[i].gen = next_gen++;
		break;
	default:
		i = rnd_n(t, MAX_VCPUS);
		fd_close_locked(vcpu_pool[i].fd);
		vcpu_pool[i].fd = -1;
		vcpu_pool[i].gen = next_gen++;
		break;
	}
	pthread_mutex_unlock(&pool_lock);
}

static void op_munmap(struct fz_thread *t)
{
	pthread_mutex_lock(&pool_lock);
	if (rnd_pct(t, 50)) {
		struct fz_map *m = &map_pool[rnd_n(t, MAX_MAPS)];

		if (m->p)
			map_drop_locked(m);
	} else {
		struct fz_region *r = &region_pool[rnd_n(t, MAX_REGIONS)];

		if (r->p)
			region_drop_locked(r);
	}
	pthread_mutex_unlock(&pool_lock);
}

/* A guest memory region that is not the standard one. */
static void op_region_new(struct fz_thread *t)
{
	size_t len = PAGE * (1 + rnd_n(t, 512));
	struct fz_region *r;
	uint8_t *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	if (rnd_pct(t, 50))
		memset(p, 0xf4, len < 8 * PAGE ? len : 8 * PAGE);
	pthread_mutex_lock(&pool_lock);
	r = region_slot_locked(t);
	r->p = p;
	r->len = len;
	r->vm_gen = 0;
	r->std = false;
	pthread_mutex_unlock(&pool_lock);
}

/* mmap of a vCPU fd: offsets and sizes past the two pages fail. */
static void op_mmap(struct fz_thread *t)
{
	size_t pages = rnd_pct(t, 80) ? 1 + rnd_n(t, 3) : rnd_n(t, 8);
	off_t pgoff = rnd_pct(t, 80) ? rnd_n(t, 3) : rnd_n(t, 64);
	int prot = rnd_pct(t, 80) ? PROT_READ | PROT_WRITE :
		   (int)rnd_n(t, 8);
	int flags = rnd_pct(t, 80) ? MAP_SHARED : MAP_PRIVATE;
	bool valid = pages && pgoff < 2 && pages <= 2 - (size_t)pgoff;
	struct fz_map *m;
	struct pick p;
	bool stale;
	uint8_t *a;
	int err;

	if (!pick_fd(t, K_VCPU, &p))
		return;
	op_begin(t, "mmap", false);
	a = mmap(NULL, pages * PAGE, prot, flags, p.fd, pgoff * PAGE);
	err = errno;
	op_end(t);
	stale = pick_put(&p);
	if (a == MAP_FAILED) {
		if (!stale && valid)
			finding(t, "mmap of vCPU pages %ld+%zu prot %d: %s",
				(long)pgoff, pages, prot, errname(err));
		return;
	}
	if (!stale && !valid)
		finding(t, "mmap of vCPU pages %ld+%zu succeeded", (long)pgoff,
			pages);
	/* A mapping that outgrows the two pages must not be possible. */
	if (rnd_pct(t, 20) && mremap(a, pages * PAGE, 4 * PAGE, 0) !=
	    MAP_FAILED && !stale)
		finding(t, "mremap grew a vCPU mapping");
	if (pgoff || pages != 2 || prot != (PROT_READ | PROT_WRITE) ||
	    flags != MAP_SHARED) {
		if (prot & PROT_READ)
			(void)*(volatile uint8_t *)a;
		munmap(a, pages * PAGE);
		return;
	}
	pthread_mutex_lock(&pool_lock);
	m = map_slot_locked(t);
	m->p = a;
	m->len = pages * PAGE;
	m->vcpu_gen = p.gen;
	pthread_mutex_unlock(&pool_lock);
}

/*
 * fork(): the child is another address space, so every VM and vCPU
 * ioctl must give EIO there; the system fd still works.
 */
static void op_fork(struct fz_thread *t)
{
	int fds[MAX_VMS + MAX_VCPUS], nfds = 0, sysfd = -1;
	unsigned int i;
	int status, err;
	pid_t pid;

	pthread_mutex_lock(&pool_lock);
	for (i = 0; i < MAX_VMS; i++)
		if (vm_pool[i].fd >= 0)
			fds[nfds++] = vm_pool[i].fd;
	for (i = 0; i < MAX_VCPUS; i++)
		if (vcpu_pool[i].fd >= 0)
			fds[nfds++] = vcpu_pool[i].fd;
	for (i = 0; i < MAX_SYS; i++)
		if (sys_pool[i].fd >= 0)
			sysfd = sys_pool[i].fd;
	op_begin(t, "fork", false);
	pid = fork();
	if (pid == 0) {
		int code = 0;

		/* Only system calls here: other threads held locks. */
		for (i = 0; i < (unsigned int)nfds; i++) {
			const struct fz_ioctl *io =
				&fz_ioctls[rnd_n(t, ARRAY_SIZE(fz_ioctls))];

			memset(t->scratch, 0, SCRATCH_SIZE);
			if (io->kind == K_SYS)
				continue;
			if (ioctl(fds[i], io->cmd, t->scratch) != -1 ||
			    errno != EIO)
				code = 10 + i;
		}
		if (sysfd >= 0 &&
		    ioctl(sysfd, MINIVMM_GET_API_VERSION, 0) !=
		    MINIVMM_API_VERSION)
			code = 9;
		_exit(code);
	}
	err = errno;
	pthread_mutex_unlock(&pool_lock);
	if (pid < 0) {
		op_end(t);
		if (err != EAGAIN && err != ENOMEM)
			finding(t, "fork: %s", strerror(err));
		return;
	}
	ATOMIC_INC(n_forks);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	op_end(t);
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 9)
		finding(t, "forked child: status 0x%x", status);
	else if (WEXITSTATUS(status))
		finding(t, "forked child: an ioctl on fd %d did not give EIO",
			fds[WEXITSTATUS(status) - 10]);
}

static void op_code(struct fz_thread *t)
{
	struct pick p;

	if (!pick_fd(t, K_VCPU, &p))
		return;
	code_write(t, p.vm_gen);
	pick_put(&p);
}

/* The operations, each with its share of 1000. */
static const struct {
	unsigned int upto;
	void (*fn)(struct fz_thread *t);
} fz_ops[] = {
	{ 20, vm_new },
	{ 50, vcpu_new },
	{ 300, op_run },
	{ 750, op_ioctl },
	{ 800, op_bad_number },
	{ 840, op_close },
	{ 870, op_munmap },
	{ 890, op_region_new },
	{ 930, op_mmap },
	{ 934, op_fork },
	{ 1000, op_code },
};

static void *worker(void *arg)
{
	struct fz_thread *t = arg;

	while (!stop) {
		unsigned int r = rnd_n(t, 1000);
		unsigned int nvm = 0, nvcpu = 0, i;

		pthread_mutex_lock(&pool_lock);
		for (i = 0; i < MAX_VMS; i++)
			nvm += vm_pool[i].fd >= 0;
		for (i = 0; i < MAX_VCPUS; i++)
			nvcpu += vcpu_pool[i].fd >= 0;
		pthread_mutex_unlock(&pool_lock);
		if (!nvm)
			r = 0;
		else if (nvcpu < 2 && r >= 20)
			r = 20;
		for (i = 0; r >= fz_ops[i].upto; i++)
			;
		fz_ops[i].fn(t);
	}
	return NULL;
}

static void sig_nop(int sig)
{
	(void)sig;
}

/*
 * Kicks workers out of RUN after 1-30 ms (RUN returns EINTR on a signal;
 * a HLT or a SIPI wait with an irqchip sleeps until one) and reports a
 * call that has not returned after HANG_S, kicks included.
 */
static void *monitor(void *arg)
{
	int64_t kick_after[MAX_THREADS] = { 0 };
	uint32_t lcg = (uint32_t)seed;
	unsigned int i;

	(void)arg;
	for (;;) {
		struct timespec ts = { 0, 2000000 };
		int64_t now = mono_ns();
		bool busy = false;

		for (i = 0; i < nthreads; i++) {
			struct fz_thread *t = &threads[i];
			int64_t start = __atomic_load_n(&t->op_start_ns,
							__ATOMIC_ACQUIRE);

			if (!start) {
				kick_after[i] = 0;
				continue;
			}
			busy = true;
			if (now - start > HANG_S * 1000000000LL) {
				finding(t, "%s has not returned after %d s",
					t->op_name, HANG_S);
				fflush(stdout);
				_exit(2);
			}
			/* Signals only for RUN: stdio fails on EINTR. */
			if (!t->op_is_run)
				continue;
			if (!kick_after[i]) {
				lcg = lcg * 1103515245 + 12345;
				kick_after[i] = now +
					(1 + (lcg >> 16) % 30) * 1000000LL;
			}
			if (now > kick_after[i]) {
				pthread_kill(t->tid, SIGUSR1);
				ATOMIC_INC(n_kicks);
				kick_after[i] = 0;
			}
		}
		if (stop == 2 && !busy)
			return NULL;
		nanosleep(&ts, NULL);
	}
}

static void pool_init(void)
{
	unsigned int i;

	for (i = 0; i < MAX_SYS; i++)
		sys_pool[i].fd = -1;
	for (i = 0; i < MAX_VMS; i++)
		vm_pool[i].fd = -1;
	for (i = 0; i < MAX_VCPUS; i++)
		vcpu_pool[i].fd = -1;
}

static void pool_free(void)
{
	unsigned int i;

	for (i = 0; i < MAX_SYS; i++)
		if (sys_pool[i].fd >= 0)
			close(sys_pool[i].fd);
	for (i = 0; i < MAX_VMS; i++)
		if (vm_pool[i].fd >= 0)
			close(vm_pool[i].fd);
	for (i = 0; i < MAX_VCPUS; i++)
		if (vcpu_pool[i].fd >= 0)
			close(vcpu_pool[i].fd);
	for (i = 0; i < nzombies; i++)
		close(zombies[i]);
	for (i = 0; i < MAX_MAPS; i++)
		if (map_pool[i].p)
			munmap(map_pool[i].p, map_pool[i].len);
	for (i = 0; i < MAX_REGIONS; i++)
		if (region_pool[i].p)
			munmap(region_pool[i].p, region_pool[i].len);
	close(zombie_sys_fd);
}

/* The special pages arguments point into. */
static int pages_init(void)
{
	uint8_t *p;

	ro_page = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	/* The last page below the end of user space: nothing follows it. */
	p = mmap((void *)(USER_TOP - PAGE), PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)(USER_TOP - PAGE)) {
		/* Taken (the stack?): a page followed by a hole we keep. */
		p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		mprotect(p + PAGE, PAGE, PROT_NONE);
	}
	straddle_page = p;
	/* Below mmap_min_addr: never mapped. */
	low_ptr = (uint8_t *)0x1000;
	return ro_page == MAP_FAILED ? -1 : 0;
}

static void caps_read(int fd)
{
	unsigned int i;
	unsigned int eax, ebx, ecx, edx, bits = 36;

	for (i = 0; i < ARRAY_SIZE(caps); i++)
		caps[i] = ioctl(fd, MINIVMM_CHECK_CAP, i);
	mmap_size = ioctl(fd, MINIVMM_GET_VCPU_MMAP_SIZE, 0);
	if (__get_cpuid(0x80000008, &eax, &ebx, &ecx, &edx))
		bits = eax & 0xff;
	max_gpa = 1ULL << (bits < 48 ? bits : 48);
}

/* The fuzzing, in the child: returns its exit status. */
static int fuzz(unsigned int secs)
{
	struct sigaction sa = { .sa_handler = sig_nop };
	const char *bed;
	pthread_t mon;
	int64_t end;
	unsigned int i;

	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART: RUN gets EINTR */
	pool_init();
	zombie_sys_fd = open("/dev/minivmm", O_RDWR | O_CLOEXEC);
	if (zombie_sys_fd < 0 || pages_init()) {
		tap_diag("setup: %s", strerror(errno));
		return 1;
	}
	caps_read(zombie_sys_fd);
	bed = getenv("MINIVMM_BED");
	qemu_quirks = bed && !strncmp(bed, "qemu", 4);
	if (qemu_quirks)
		tap_diag("QEMU bed: no guest EFER.LME without CR4.PAE, no guest CR8 writes");
	tap_diag("caps: vcpus %ld slots %ld cpuid %ld msrs %ld pins %ld; max gpa 0x%llx; mmap %ld",
		 caps[MINIVMM_CAP_MAX_VCPUS], caps[MINIVMM_CAP_MAX_MEM_SLOTS],
		 caps[MINIVMM_CAP_MAX_CPUID_ENTRIES],
		 caps[MINIVMM_CAP_MAX_MSR_ENTRIES],
		 caps[MINIVMM_CAP_IOAPIC_PINS], (unsigned long long)max_gpa,
		 mmap_size);
	for (i = 0; i < nthreads; i++) {
		uint64_t s = seed + i;

		threads[i].idx = i;
		threads[i].rng = splitmix(&s) | 1;
		threads[i].scratch = mmap(NULL, SCRATCH_SIZE * 2,
					  PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (threads[i].scratch == MAP_FAILED)
			return 1;
	}
	for (i = 0; i < nthreads; i++)
		pthread_create(&threads[i].tid, NULL, worker, &threads[i]);
	pthread_create(&mon, NULL, monitor, NULL);
	end = mono_ns() + secs * 1000000000LL;
	while (mono_ns() < end) {
		struct timespec ts = { 1, 0 };

		nanosleep(&ts, NULL);
	}
	stop = 1;
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i].tid, NULL);
	stop = 2;
	pthread_join(mon, NULL);
	pool_free();
	tap_diag("%lu ioctls (%lu RUN), %lu VMs, %lu vCPUs, %lu forks, %lu closes, %lu munmaps, %lu kicks",
		 n_ioctls, n_runs, n_vms, n_vcpus, n_forks, n_closes,
		 n_munmaps, n_kicks);
	tap_diag("exits: IO %lu MMIO %lu HLT %lu SHUTDOWN %lu FAIL_ENTRY %lu INTERNAL %lu INTR %lu IRQ_WINDOW %lu",
		 n_exit[1], n_exit[2], n_exit[3], n_exit[4], n_exit[5],
		 n_exit[6], n_exit[7], n_exit[8]);
	tap_diag("errnos: EINVAL %lu EFAULT %lu ENOTTY %lu EINTR %lu ENXIO %lu EEXIST %lu EBUSY %lu EIO %lu ENOMEM %lu",
		 n_errno[EINVAL], n_errno[EFAULT], n_errno[ENOTTY],
		 n_errno[EINTR], n_errno[ENXIO], n_errno[EEXIST],
		 n_errno[EBUSY], n_errno[EIO], n_errno[ENOMEM]);
	/* The VM count goes to the parent for the leak check. */
	*vms_created = n_vms;
	return n_findings ? 1 : 0;
}

/* ---------------------------------------------------------------- */
/* The parent: panic_on_warn, slab, module reload. */

static int file_read_long(const char *path, long *v)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "%ld", v) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

#define MAX_CACHES	512

struct slab_cache {
	char name[64];
	long kb;
};

/*
 * The slab caches' sizes in kB (slabs x pages per slab), after freeing
 * their empty slabs, into @c; returns how many.  Aliases (merged caches)
 * are symlinks: skipped, their cache is counted once.
 */
static unsigned int slab_snapshot(struct slab_cache *c)
{
	char path[300];
	struct dirent *d;
	unsigned int n = 0;
	long slabs, order;
	DIR *dir;

	sync();
	file_write("/proc/sys/vm/drop_caches", "3");
	dir = opendir("/sys/kernel/slab");
	while (dir && (d = readdir(dir)) && n < MAX_CACHES) {
		if (d->d_name[0] == '.' || d->d_type == DT_LNK)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 d->d_name);
		file_write(path, "1");
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/slabs",
			 d->d_name);
		if (file_read_long(path, &slabs))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/order",
			 d->d_name);
		if (file_read_long(path, &order))
			continue;
		snprintf(c[n].name, sizeof(c[n].name), "%.63s", d->d_name);
		c[n].kb = slabs * (PAGE << order) / 1024;
		n++;
	}
	if (dir)
		closedir(dir);
	return n;
}

/*
 * What the caches grew by, in kB, and the largest growths as a
 * diagnostic.  vmap_area is left out: vfree() frees its objects lazily,
 * in batches of tens of MiB of address space (the guest FPU state and
 * the large slot arrays are vmalloc()ed), so it holds up to a few hundred
 * kB of objects of memory already freed.
 */
static long slab_growth(const struct slab_cache *a, unsigned int na,
			const struct slab_cache *b, unsigned int nb)
{
	unsigned int i, j;
	long sum = 0;

	for (j = 0; j < nb; j++) {
		long old = 0, d;

		for (i = 0; i < na; i++)
			if (!strcmp(a[i].name, b[j].name))
				old = a[i].kb;
		d = b[j].kb - old;
		if (d >= 32 || d <= -32)
			tap_diag("  slab %s: %ld -> %ld kB", b[j].name, old,
				 b[j].kb);
		if (strcmp(b[j].name, "vmap_area"))
			sum += d;
	}
	return sum;
}

/* Waits until no file of the module is open (the child's exit). */
static long module_refcnt_settle(void)
{
	long refs = -1;
	int i;

	for (i = 0; i < 100; i++) {
		if (file_read_long("/sys/module/minivmm/refcnt", &refs) ||
		    refs == 0)
			break;
		usleep(100000);
	}
	return refs;
}

GUEST_CODE(hlt_guest, ".code64", "hlt\n");

static bool guest_runs(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, hlt_guest);
	struct vm *vm;
	bool ok;

	if (!v)
		return false;
	ok = vcpu_run_expect(v, MINIVMM_EXIT_HLT);
	vm = v->vm;
	vcpu_free(v);
	vm_free(vm);
	return ok;
}

/* One round of what the fuzzing creates, so caches exist before. */
static void warm_up(void)
{
	struct minivmm_create_irqchip ci = { 0 };
	struct vcpu *v;
	struct vm *vm;
	int i;

	for (i = 0; i < 4; i++) {
		guest_runs();
		vm = vm_std_create();
		if (!vm)
			continue;
		if (i & 1)
			ioctl(vm->fd, MINIVMM_CREATE_IRQCHIP, &ci);
		v = vcpu_create(vm, 0);
		if (v) {
			vcpu_set_mode(v, MODE_LONG);
			vcpu_free(v);
		}
		vm_free(vm);
	}
}

static unsigned long env_ulong(const char *name, unsigned long def)
{
	const char *s = getenv(name);

	return s && *s ? strtoul(s, NULL, 0) : def;
}

/*
 * Slack of the slab check: 64 pages (256 KiB).  The fuzzer's own process
 * (threads, mappings, files, page-table bookkeeping) and the bed's runner
 * allocate and free slab objects meanwhile; slabs that keep a few live
 * objects of someone else stay allocated after the shrink.  In the QEMU
 * bed the caches grew by 28 and 60 kB after runs of 30 and 180 s (511 and
 * 5351 VMs); with struct mvm_vm leaked on purpose (not freed), 20 s (541
 * VMs) grew kmalloc-cg-1k by 1824 kB: a leaked object of that size per VM
 * (3.4 kB with the beds' slub_debug) shows from about 80 VMs on.
 */
#define SLAB_SLACK_KB	(64 * 4)

int main(int argc, char **argv)
{
	unsigned long secs = argc > 1 ? strtoul(argv[1], NULL, 0) : 30;
	const char *ko = getenv("MINIVMM_KO");
	char old_pow[16] = "0";
	static struct slab_cache before[MAX_CACHES], after[MAX_CACHES];
	unsigned int nbefore, nafter;
	unsigned long vms;
	long refs, grew;
	int status, fd, ko_fd;
	bool timed_out = false;
	int64_t deadline;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	seed = env_ulong("MINIVMM_FUZZ_SEED", 0);
	if (!seed)
		seed = (uint64_t)mono_ns() ^ ((uint64_t)getpid() << 32);
	secs = env_ulong("MINIVMM_FUZZ_SECONDS", secs);
	nthreads = env_ulong("MINIVMM_FUZZ_THREADS", nthreads);
	if (nthreads < 1 || nthreads > MAX_THREADS)
		nthreads = 3;
	tap_diag("seed %" PRIu64 " (replay: MINIVMM_FUZZ_SEED=%" PRIu64
		 "), %lu s, %u workers", seed, seed, secs, nthreads);
	if (access("/dev/minivmm", R_OK | W_OK))
		tap_skip_all("/dev/minivmm is missing (module not loaded?)");
	tap_plan(6);

	/* A WARN is a finding: panic rather than pass. */
	fd = open("/proc/sys/kernel/panic_on_warn", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, old_pow, sizeof(old_pow) - 1);

		old_pow[n > 0 ? n : 0] = 0;
		close(fd);
	}
	if (file_write("/proc/sys/kernel/panic_on_warn", "1"))
		tap_diag("cannot set panic_on_warn: %s", strerror(errno));

	warm_up();
	module_refcnt_settle();
	nbefore = slab_snapshot(before);

	vms_created = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (vms_created == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (pid == 0)
		_exit(fuzz(secs));
	deadline = mono_ns() + (secs + HANG_S + GRACE_S) * 1000000000LL;
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (mono_ns() > deadline && !timed_out) {
			timed_out = true;
			tap_diag("the fuzzer did not end %d s after its budget: killing it",
				 HANG_S + GRACE_S);
			kill(pid, SIGKILL);
			deadline = mono_ns() + 10000000000LL;
		} else if (timed_out && mono_ns() > deadline) {
			status = -1;
			break;
		}
		usleep(50000);
	}
	vms = *vms_created;
	file_write("/proc/sys/kernel/panic_on_warn", old_pow);

	ok(!timed_out && status >= 0 && !WIFSIGNALED(status) &&
	   !(WIFEXITED(status) && WEXITSTATUS(status) == 2),
	   "the fuzzer ran %lu s without crashing or a call hanging", secs);
	if (status >= 0 && WIFSIGNALED(status))
		tap_diag("the fuzzer was killed by signal %d",
			 WTERMSIG(status));
	ok(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "every result is one the ABI allows (seed %" PRIu64 ")", seed);

	refs = module_refcnt_settle();
	nafter = slab_snapshot(after);
	grew = slab_growth(before, nbefore, after, nafter);
	tap_diag("slab caches grew by %ld kB over %lu VMs (slack %d kB, %u caches); module refs %ld",
		 grew, vms, SLAB_SLACK_KB, nafter, refs);
	ok(nbefore > 0 && nafter > 0 && grew <= SLAB_SLACK_KB,
	   "slab memory came back after %lu VMs", vms);

	if (!ko || access(ko, R_OK)) {
		tap_skip("MINIVMM_KO not set (not in a bed)", "rmmod");
		tap_skip("MINIVMM_KO not set (not in a bed)", "insmod");
	} else {
		errno = 0;
		ok(!syscall(SYS_delete_module, "minivmm", O_NONBLOCK),
		   "rmmod once everything is closed (%s)",
		   errno ? strerror(errno) : "ok");
		ko_fd = open(ko, O_RDONLY | O_CLOEXEC);
		errno = 0;
		ok(ko_fd >= 0 && (!syscall(SYS_finit_module, ko_fd, "", 0) ||
				  errno == EEXIST),
		   "insmod %s (%s)", ko, errno ? strerror(errno) : "ok");
		if (ko_fd >= 0)
			close(ko_fd);
	}
	ok(guest_runs(), "the module runs a guest after the fuzzing");
	return tap_finish();
}
