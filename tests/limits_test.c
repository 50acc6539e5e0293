// SPDX-License-Identifier: GPL-2.0
/*
 * limits_test - a VM's kernel memory is charged to its owner's memory
 * cgroup and comes back: the test moves itself into a cgroup v2 of its
 * own and reads memory.current while VMs live and after they are gone.
 *
 * - vCPUs: a VM with MAX_VCPUS vCPUs must raise memory.current by at least
 *   the pages every vCPU needs on both backends (run page, IO data page,
 *   VMCS or VMCB), and VMs created, run and destroyed in a loop leave it
 *   where it was.
 * - slots: memory slots created at changing guest-physical addresses, far
 *   apart so that each needs guest-physical table pages of its own, the
 *   guest touching each one (the tables are built on first touch) and the
 *   slots deleted again: memory.current must stay flat, which it only
 *   does if the tables of a deleted slot are freed with it.
 *
 * The memory cgroup charges pages in batches of MEMCG_CHARGE_BATCH (64)
 * kept per CPU, so a charge or an uncharge of up to that many pages a CPU
 * may not show in memory.current: the bounds below leave that slack and
 * are otherwise ratios of what the same run did (pages per round).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/case.h"
#include "lib/sysfs.h"
#include "lib/guest.h"

#define PAGE		4096ULL
#define CG_ROOT		"/sys/fs/cgroup"
#define CHARGE_BATCH	64		/* MEMCG_CHARGE_BATCH, pages */

#define MAX_VCPUS	64		/* MVM_MAX_VCPUS */
/* Pages every vCPU has on both backends: run, IO data, VMCS/VMCB. */
#define VCPU_MIN_PAGES	3
#define VM_ROUNDS	6

#define NSLOTS		31		/* slots 1..31; slot 0 holds the code */
#define SLOT_ROUNDS	16
#define GIB		(1ULL << 30)
#define CHUNK		(2ULL << 20)
/* One GiB and one 2 MiB chunk apart: a PD and a PT of its own each. */
#define SLOT_STRIDE	(GIB + CHUNK)
#define SLOT_BASE	(4 * GIB)
#define WINDOW_PD	(PD_GPA + 0x1000)	/* maps guest-virtual 1..2 GiB */
#define WINDOW_VA	0x40000000ULL

/*
 * Touches the first page of each of the NSLOTS 2 MiB pages of the window
 * at 1 GiB; the VMM points each at a slot before the run.
 */
GUEST_CODE(touch_guest, ".code64",
	"mov $0x40000000, %rbx\n"
	"mov $31, %ecx\n"
	"1:\n"
	"invlpg (%rbx)\n"
	"movq $1, (%rbx)\n"
	"add $0x200000, %rbx\n"
	"loop 1b\n"
	"hlt\n");

struct cg {
	char dir[128];
	bool mounted;
};

static bool file_has_word(const char *path, const char *word)
{
	char buf[512], *tok, *save;
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	for (tok = strtok_r(buf, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, word))
			return true;
	return false;
}

/*
 * Moves the calling process into a memory cgroup of its own; returns
 * CASE_SKIP with the reason printed where the kernel has none.
 */
static int cg_enter(struct cg *cg)
{
	struct stat st;
	char procs[160];

	memset(cg, 0, sizeof(*cg));
	if (stat(CG_ROOT "/cgroup.controllers", &st)) {
		if (mount("none", CG_ROOT, "cgroup2", 0, NULL))
			return case_skip("no cgroup v2 (mount: %s)",
					 strerror(errno));
		cg->mounted = true;
	}
	if (!file_has_word(CG_ROOT "/cgroup.controllers", "memory"))
		return case_skip("no memory controller in cgroup v2");
	if (!file_has_word(CG_ROOT "/cgroup.subtree_control", "memory") &&
	    file_write(CG_ROOT "/cgroup.subtree_control", "+memory"))
		return case_skip("cannot enable the memory controller: %s",
				 strerror(errno));
	snprintf(cg->dir, sizeof(cg->dir), CG_ROOT "/minivmm-limits-%d",
		 (int)getpid());
	if (mkdir(cg->dir, 0755)) {
		tap_diag("mkdir %s: %s", cg->dir, strerror(errno));
		return CASE_FAIL;
	}
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg->dir);
	if (file_write(procs, "0")) {
		tap_diag("joining %s: %s", cg->dir, strerror(errno));
		return CASE_FAIL;
	}
	return CASE_PASS;
}

static void cg_leave(struct cg *cg)
{
	if (cg->dir[0]) {
		file_write(CG_ROOT "/cgroup.procs", "0");
		rmdir(cg->dir);
	}
	if (cg->mounted)
		umount(CG_ROOT);
}

static long long cg_current(const struct cg *cg)
{
	char path[160];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/memory.current", cg->dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* Pages a charge or an uncharge may leave unseen in memory.current. */
static long long cg_slack(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);

	return (ncpu > 0 ? ncpu : 1) * CHARGE_BATCH * (long long)PAGE;
}

/* Guest-physical space the module maps: MAXPHYADDR, at most 48 bits. */
static uint64_t gpa_limit(void)
{
	unsigned int bits = 36;
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "address sizes : %u bits physical", &bits) == 1)
			break;
	}
	if (f)
		fclose(f);
	if (bits > 48)
		bits = 48;
	return 1ULL << bits;
}

/* The @k-th slot address: a GiB and a 2 MiB chunk apart from the last. */
static uint64_t slot_gpa(uint64_t k, uint64_t limit)
{
	return SLOT_BASE + (k * SLOT_STRIDE) % (limit - SLOT_BASE);
}

/*
 * One round: NSLOTS one-page slots at the next NSLOTS addresses, all
 * backed by @host, touched by the guest, then deleted.
 */
static int slots_round(struct vcpu *vcpu, void *host, uint64_t *k,
		       uint64_t limit)
{
	uint64_t *pd = vm_host(vcpu->vm, WINDOW_PD);
	unsigned int s;

	for (s = 0; s < NSLOTS; s++) {
		uint64_t gpa = slot_gpa((*k)++, limit);

		CHECK_OK(vm_set_region(vcpu->vm, 1 + s, 0, gpa, PAGE, host),
			 "slot %u at 0x%llx", 1 + s, (unsigned long long)gpa);
		/* Present, writable, user, 2 MiB page. */
		pd[s] = gpa | 0x87;
	}
	CHECK(!vcpu_set_mode(vcpu, MODE_LONG), "long mode");
	CHECK(vcpu_run_expect(vcpu, MINIVMM_EXIT_HLT), "the guest touches each slot");
	for (s = 0; s < NSLOTS; s++)
		CHECK_OK(vm_set_region(vcpu->vm, 1 + s, 0, 0, 0, NULL),
			 "deleting slot %u", 1 + s);
	return CASE_PASS;
}

static int slots_flat_run(struct cg *cg)
{
	uint64_t limit = gpa_limit(), k = 0;
	long long base, end, grown, bound;
	struct vcpu *vcpu;
	unsigned int r;
	void *host;
	int rc;

	CHECK(limit > SLOT_BASE + NSLOTS * SLOT_STRIDE,
	      "guest-physical space of 0x%llx bytes", (unsigned long long)limit);
	vcpu = GUEST_CREATE(MODE_LONG, touch_guest);
	CHECK(vcpu, "guest");
	host = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(host != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(host, 0, PAGE);

	/* The first round builds what stays: the window, upper tables. */
	rc = slots_round(vcpu, host, &k, limit);
	if (rc)
		return rc;
	base = cg_current(cg);
	CHECK(base > 0, "memory.current");
	for (r = 0; r < SLOT_ROUNDS; r++) {
		rc = slots_round(vcpu, host, &k, limit);
		if (rc)
			return rc;
	}
	end = cg_current(cg);
	grown = end - base;
	/* A table page a slot would be 4096 bytes a slot; allow 1/4 of it. */
	bound = SLOT_ROUNDS * NSLOTS * (long long)PAGE / 4;
	tap_diag("memory.current %lld -> %lld after %u slots (%+lld bytes, bound %lld)",
		 base, end, SLOT_ROUNDS * NSLOTS, grown, bound);
	CHECK(grown < bound,
	      "the tables of deleted slots must be freed: %lld bytes a slot kept",
	      grown / (SLOT_ROUNDS * NSLOTS));
	vm_free(vcpu->vm);
	vcpu_free(vcpu);
	munmap(host, PAGE);
	return CASE_PASS;
}

/*
 * One VM with @nvcpus vCPUs whose vCPU 0 runs the guest over far slots;
 * @live gets memory.current while it all exists.
 */
static int vm_round(unsigned int nvcpus, void *host, uint64_t limit,
		    const struct cg *cg, long long *live)
{
	struct vcpu *vcpus[MAX_VCPUS];
	uint64_t k = 0;
	unsigned int i;
	int rc;

	vcpus[0] = GUEST_CREATE(MODE_LONG, touch_guest);
	CHECK(vcpus[0], "guest");
	for (i = 1; i < nvcpus; i++) {
		vcpus[i] = vcpu_create(vcpus[0]->vm, i);
		CHECK(vcpus[i], "vcpu %u", i);
	}
	rc = slots_round(vcpus[0], host, &k, limit);
	if (rc)
		return rc;
	*live = cg_current(cg);
	for (i = nvcpus; i-- > 1; )
		vcpu_free(vcpus[i]);
	vm_free(vcpus[0]->vm);
	vcpu_free(vcpus[0]);
	return CASE_PASS;
}

static int vms_flat_run(struct cg *cg)
{
	long long base, live, end, min_live, peak = 0;
	uint64_t limit = gpa_limit();
	unsigned int r;
	void *host;
	int rc;

	host = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(host != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(host, 0, PAGE);
	/* A first VM for what the process keeps (stdio, library state). */
	rc = vm_round(1, host, limit, cg, &live);
	if (rc)
		return rc;
	base = cg_current(cg);
	CHECK(base > 0, "memory.current");
	for (r = 0; r < VM_ROUNDS; r++) {
		rc = vm_round(MAX_VCPUS, host, limit, cg, &live);
		if (rc)
			return rc;
		if (live > peak)
			peak = live;
	}
	end = cg_current(cg);
	min_live = MAX_VCPUS * VCPU_MIN_PAGES * (long long)PAGE - cg_slack();
	tap_diag("memory.current %lld, %lld with %u vCPUs, %lld after %u VMs",
		 base, peak, MAX_VCPUS, end, VM_ROUNDS);
	CHECK(peak - base >= min_live,
	      "vCPU memory must be charged: %lld bytes seen, at least %lld",
	      peak - base, min_live);
	/* In all at most half a VM's charge (a twelfth a round) may stay. */
	CHECK(end - base < (peak - base) / 2 + cg_slack(),
	      "VM memory must come back: %lld bytes left", end - base);
	munmap(host, PAGE);
	return CASE_PASS;
}

/* Runs @run inside a memory cgroup of its own. */
static int cg_case(int (*run)(struct cg *cg))
{
	struct cg cg;
	int rc = cg_enter(&cg);

	if (rc == CASE_PASS)
		rc = run(&cg);
	cg_leave(&cg);
	return rc;
}

static int test_vms_flat(void)
{
	return cg_case(vms_flat_run);
}

static int test_slots_flat(void)
{
	return cg_case(slots_flat_run);
}

static const struct test_case cases[] = {
	{ "vCPU memory charged to the memory cgroup, VMs leave it flat",
	  test_vms_flat, 240 },
	{ "slots moved over the guest-physical space leave memory flat",
	  test_slots_flat, 240 },
};

int main(void)
{
	return cases_run(cases, ARRAY_SIZE(cases));
}
