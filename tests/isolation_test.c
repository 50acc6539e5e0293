// SPDX-License-Identifier: GPL-2.0
/*
 * isolation_test - a guest reaches nothing of the host: guest-physical
 * addresses outside its slots are MMIO exits (never the host memory next
 * to the slots, which must stay intact), every IO port exits to userspace
 * (including ones that reset a PC), and MSRs off the allow-list #GP.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include "lib/case.h"
#include "lib/guest.h"

#define KB		1024ULL
#define MB		(1024 * KB)
#define GUARD		(64 * KB)
#define HOST_PATTERN	0xdeadc0dedeadc0deULL
#define GUEST_VALUE	0x4141414141414141ULL
#define ADDR_LIST	0x20800ULL	/* u64 addresses, ended by ~0 */
#define RESULTS		0x22000ULL

/* Reads each listed address, stores the value, then writes to it. */
GUEST_CODE(probe_guest, ".code64",
	"mov $0x20800, %esi\n"
	"mov $0x22000, %edi\n"
	"mov $0x4141414141414141, %rdx\n"
	"probe_guest_loop:\n"
	"mov (%rsi), %rbx\n"
	"cmp $-1, %rbx\n"
	"je probe_guest_done\n"
	"mov (%rbx), %rax\n"
	"mov %rax, (%rdi)\n"
	"mov %rdx, (%rbx)\n"
	"add $8, %rsi\n"
	"add $8, %rdi\n"
	"jmp probe_guest_loop\n"
	"probe_guest_done:\n"
	"hlt\n");

/*
 * Host memory: [guard][slot 0: 1 MiB][guard = GPA hole][slot 1: 1 MiB]
 * [guard], one mapping; slot 1 sits at GPA 1 MiB + 64 KiB so the hole in
 * guest-physical space matches host memory that is not in any slot.
 */
static int test_memory(void)
{
	static const uint64_t probes[] = {
		MB, MB + 8, MB + GUARD - 8,		/* the hole */
		2 * MB + GUARD, 2 * MB + GUARD + 0x1000,	/* past slot 1 */
		3 * MB, 0x7ffff000, 0xc0000000, 0xfffff000, 0xfffffff8,
	};
	unsigned int n = ARRAY_SIZE(probes), i;
	size_t total = 2 * MB + 3 * GUARD;
	uint64_t *host, *list, *res;
	struct vm *vm = vm_create();
	struct vcpu *v;
	uint8_t *h;

	CHECK(vm, "vm_create");
	h = mmap(NULL, total, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	CHECK(h != MAP_FAILED, "mmap");
	host = (uint64_t *)h;
	for (i = 0; i < total / 8; i++)
		host[i] = HOST_PATTERN;
	memset(h + GUARD, 0, MB);
	memset(h + 2 * GUARD + MB, 0, MB);
	CHECK_OK(vm_set_region(vm, 0, 0, 0, MB, h + GUARD), "slot 0");
	CHECK_OK(vm_set_region(vm, 1, 0, MB + GUARD, MB, h + 2 * GUARD + MB),
		 "slot 1");
	vm->slots[0].used = true;
	vm->slots[0].gpa = 0;
	vm->slots[0].size = MB;
	vm->slots[0].host = h + GUARD;
	vm_build_tables(vm);
	vm_load_code(vm, probe_guest);
	list = vm_host(vm, ADDR_LIST);
	for (i = 0; i < n; i++)
		list[i] = probes[i];
	list[n] = ~0ULL;
	res = vm_host(vm, RESULTS);
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu_create");
	CHECK(!vcpu_set_mode(v, MODE_LONG), "long mode");

	for (i = 0; i < n; i++) {
		if (!vcpu_run_expect(v, MINIVMM_EXIT_MMIO) ||
		    v->run->mmio.is_write || v->run->mmio.phys_addr != probes[i]) {
			tap_diag("probe %u: want an MMIO read at 0x%llx", i,
				 (unsigned long long)probes[i]);
			vcpu_dump(v);
			return CASE_FAIL;
		}
		memset(v->run->mmio.data, 0, 8);
		if (!vcpu_run_expect(v, MINIVMM_EXIT_MMIO) ||
		    !v->run->mmio.is_write ||
		    v->run->mmio.phys_addr != probes[i]) {
			tap_diag("probe %u: want an MMIO write at 0x%llx", i,
				 (unsigned long long)probes[i]);
			vcpu_dump(v);
			return CASE_FAIL;
		}
		CHECK(!memcmp(v->run->mmio.data, "AAAAAAAA", 8),
		      "probe %u: write data", i);
	}
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT after probes");
	for (i = 0; i < n; i++)
		CHECK(res[i] == 0, "probe %u at 0x%llx: guest read 0x%llx (host pattern leaked?)",
		      i, (unsigned long long)probes[i],
		      (unsigned long long)res[i]);
	/* The host memory around the slots is untouched. */
	for (i = 0; i < GUARD / 8; i++) {
		uint64_t *lo = (uint64_t *)h, *mid = (uint64_t *)(h + GUARD + MB);
		uint64_t *hi = (uint64_t *)(h + 2 * GUARD + 2 * MB);

		CHECK(lo[i] == HOST_PATTERN && mid[i] == HOST_PATTERN &&
		      hi[i] == HOST_PATTERN,
		      "host guard memory changed at qword %u: %llx %llx %llx",
		      i, (unsigned long long)lo[i], (unsigned long long)mid[i],
		      (unsigned long long)hi[i]);
	}
	return CASE_PASS;
}

/*
 * Port probe: for each (port, size, direction) listed at 0x20800 as
 * u32 port | size << 16 | out << 24, ended by ~0, do one IN or OUT.
 * OUTs send the value at 0x20700 (dangerous ones: resets).
 */
GUEST_CODE(port_guest, ".code64",
	"mov $0x20800, %esi\n"
	"port_guest_loop:\n"
	"mov (%rsi), %ebx\n"
	"cmp $-1, %ebx\n"
	"je port_guest_done\n"
	"movzwl %bx, %edx\n"
	"mov 0x20700, %eax\n"
	"mov %ebx, %ecx\n"
	"shr $16, %ecx\n"
	"test $0x100, %ecx\n"
	"jnz port_guest_out\n"
	"cmp $1, %cl\n"
	"je port_guest_in1\n"
	"cmp $2, %cl\n"
	"je port_guest_in2\n"
	"in %dx, %eax\n"
	"jmp port_guest_next\n"
	"port_guest_in1:\n"
	"in %dx, %al\n"
	"jmp port_guest_next\n"
	"port_guest_in2:\n"
	"in %dx, %ax\n"
	"jmp port_guest_next\n"
	"port_guest_out:\n"
	"cmp $1, %cl\n"
	"je port_guest_out1\n"
	"cmp $2, %cl\n"
	"je port_guest_out2\n"
	"out %eax, %dx\n"
	"jmp port_guest_next\n"
	"port_guest_out1:\n"
	"out %al, %dx\n"
	"jmp port_guest_next\n"
	"port_guest_out2:\n"
	"out %ax, %dx\n"
	"port_guest_next:\n"
	"add $4, %rsi\n"
	"jmp port_guest_loop\n"
	"port_guest_done:\n"
	"hlt\n");

struct port_probe {
	uint16_t port;
	uint8_t size;
	bool out;
	uint32_t value;		/* OUT only */
};

static int port_run(const struct port_probe *p, unsigned int n)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, port_guest);
	uint32_t *list, *val;
	unsigned int i;

	CHECK(v, "guest setup failed");
	list = vm_host(v->vm, 0x20800);
	val = vm_host(v->vm, 0x20700);
	CHECK(n * 4 + 0x800 < 0x70000 - 0x20800, "too many probes");
	for (i = 0; i < n; i++)
		list[i] = p[i].port | p[i].size << 16 | (p[i].out ? 1 << 24 : 0);
	list[n] = ~0U;
	for (i = 0; i < n; i++) {
		struct minivmm_run *run = v->run;

		*val = p[i].value;
		if (!vcpu_run_expect(v, MINIVMM_EXIT_IO) ||
		    run->io.port != p[i].port || run->io.size != p[i].size ||
		    run->io.direction != (p[i].out ? MINIVMM_IO_OUT :
						     MINIVMM_IO_IN)) {
			tap_diag("probe %u: want %s of %u bytes at port 0x%x",
				 i, p[i].out ? "out" : "in", p[i].size,
				 p[i].port);
			vcpu_dump(v);
			return CASE_FAIL;
		}
		if (p[i].out) {
			uint32_t got = 0;

			memcpy(&got, vcpu_io_data(v), p[i].size);
			CHECK_EQ(got, p[i].value & (0xffffffffU >>
					(32 - 8 * p[i].size)),
				 "out data at port 0x%x", p[i].port);
		} else {
			memset(vcpu_io_data(v), 0x5c, 4);
		}
	}
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT after %u probes",
	      n);
	return CASE_PASS;
}

/* Ports a passed-through guest could reset or reconfigure the host with. */
static int test_dangerous_ports(void)
{
	static const struct port_probe p[] = {
		{ 0x80, 1, true, 0x55 }, { 0x80, 1, false, 0 },
		{ 0x64, 1, false, 0 }, { 0x60, 1, false, 0 },
		{ 0x64, 1, true, 0xfe },	/* 8042: pulse reset line */
		{ 0x92, 1, true, 0x01 },	/* port 92: fast reset */
		{ 0xcf9, 1, true, 0x06 },	/* PCI reset control */
		{ 0xcf8, 4, true, 0x80000000 }, { 0xcfc, 4, false, 0 },
		{ 0xcf8, 4, false, 0 },
		{ 0x70, 1, true, 0x8f }, { 0x71, 1, true, 0x00 },
		{ 0x20, 1, true, 0xff }, { 0x21, 1, true, 0xff },
		{ 0xa0, 1, true, 0xff }, { 0x43, 1, true, 0x30 },
		{ 0x3f8, 1, true, '!' }, { 0x3fd, 1, false, 0 },
		{ 0x4004, 2, true, 0x2000 },	/* PIIX4 ACPI PM1a_CNT: S5 */
		{ 0x604, 2, true, 0x2000 },	/* QEMU ACPI shutdown */
		{ 0xb004, 2, true, 0x2000 },	/* Bochs ACPI shutdown */
		{ 0x8900, 1, true, 'S' },	/* Bochs shutdown port */
		{ 0x402, 1, true, '?' }, { 0xe9, 1, true, '?' },
		{ 0x510, 2, true, 0x0 },	/* fw_cfg */
	};

	return port_run(p, ARRAY_SIZE(p));
}

/* Every port below 0x400, a stride beyond, and bitmap edges. */
static int test_all_ports(void)
{
	static struct port_probe p[3000];
	unsigned int n = 0, port;
	static const struct port_probe edges[] = {
		{ 0x7fff, 1, false, 0 }, { 0x7fff, 2, false, 0 },
		{ 0x7ffe, 4, false, 0 }, { 0x8000, 4, false, 0 },
		{ 0xfffc, 4, false, 0 }, { 0xfffd, 4, false, 0 },
		{ 0xffff, 1, false, 0 }, { 0xffff, 2, false, 0 },
		{ 0xffff, 4, false, 0 }, { 0xffff, 4, true, 0x01020304 },
		{ 0xfffe, 2, true, 0xabcd },
	};

	for (port = 0; port < 0x400; port++)
		p[n++] = (struct port_probe){ port, 1, false, 0 };
	for (port = 0x400; port < 0x10000; port += 0x65)
		p[n++] = (struct port_probe){ port, 2, false, 0 };
	memcpy(&p[n], edges, sizeof(edges));
	n += ARRAY_SIZE(edges);
	tap_diag("%u port probes", n);
	return port_run(p, n);
}

/* #GP handler as in misc_test: count, record RIP, skip 2 bytes. */
GUEST_CODE(msr_guest, ".code64",
	"xor %esi, %esi\n"
	"msr_guest_loop:\n"
	"mov 0x20800(,%rsi,4), %ecx\n"
	"test %ecx, %ecx\n"
	"jz msr_guest_done\n"
	"rdmsr\n"
	"mov 0x20c00(,%rsi,8), %eax\n"
	"mov 0x20c04(,%rsi,8), %edx\n"
	"wrmsr\n"
	"inc %esi\n"
	"jmp msr_guest_loop\n"
	"msr_guest_done:\n"
	"hlt\n"
	".globl iso_msr_gp\n"
	"iso_msr_gp:\n"
	"add $8, %rsp\n"
	"incq 0x20100(,%rsi,8)\n"
	"addq $2, (%rsp)\n"
	"iretq\n");
GUEST_LABEL(iso_msr_gp);

static int test_dangerous_msrs(void)
{
	static const struct {
		uint32_t index;
		uint64_t value;
		const char *name;
	} m[] = {
		{ 0xc0010117, 0x1000, "VM_HSAVE_PA" },
		{ 0xc0010114, 0x18, "VM_CR (SVMDIS|LOCK)" },
		{ 0x3a, 0x5, "FEATURE_CONTROL" },
		{ 0x480, 0, "VMX_BASIC" },
		{ 0x79, 0x1000, "BIOS_UPDT_TRIG (microcode load)" },
		{ 0xc0010020, 0x1000, "AMD PATCH_LOADER" },
		{ 0x199, 0xffff, "PERF_CTL" },
		{ 0x1a4, 0xf, "MISC_FEATURE_CONTROL (prefetchers)" },
		{ 0xc0011020, 0, "AMD LS_CFG" },
	};
	unsigned int n = ARRAY_SIZE(m), i;
	struct vcpu *v = GUEST_CREATE(MODE_LONG, msr_guest);
	uint32_t *list;
	uint64_t *vals, *gps;
	int bad = 0;

	CHECK(v, "guest setup failed");
	vm_idt_set64(v->vm, 13, GUEST_ADDR(msr_guest, iso_msr_gp));
	list = vm_host(v->vm, 0x20800);
	vals = vm_host(v->vm, 0x20c00);
	gps = vm_host(v->vm, 0x20100);
	for (i = 0; i < n; i++) {
		list[i] = m[i].index;
		vals[i] = m[i].value;
	}
	list[n] = 0;
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT after the MSR loop");
	for (i = 0; i < n; i++) {
		if (gps[i] == 2)
			continue;
		tap_diag("MSR 0x%x (%s): %llu #GPs for RDMSR+WRMSR, want 2",
			 m[i].index, m[i].name, (unsigned long long)gps[i]);
		bad++;
	}
	CHECK(!bad, "%d host MSRs reachable by the guest", bad);
	return CASE_PASS;
}

GUEST_CODE(slot_spin_guest, ".code64",
	"xor %eax, %eax\n"
	"slot_spin_loop:\n"
	"inc %rax\n"
	"mov %rax, 0x400000\n"		/* a store the MMIO decoder knows */
	"jmp slot_spin_loop\n");

struct slot_runner {
	struct vcpu *v;
	int rc, err;
	uint32_t reason;
	uint64_t gpa;
	bool is_write, done;
};

static void *slot_runner_fn(void *arg)
{
	struct slot_runner *r = arg;

	r->v->timeout_s = 0;
	r->rc = vcpu_run(r->v);
	r->err = r->v->last_errno;
	r->reason = r->v->run->exit_reason;
	r->gpa = r->v->run->mmio.phys_addr;
	r->is_write = r->v->run->mmio.is_write;
	if (r->rc == 0 && r->reason != MINIVMM_EXIT_MMIO)
		vcpu_dump(r->v);
	__atomic_store_n(&r->done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

static void sig_nop(int sig)
{
	(void)sig;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * A vCPU spins writing to slot 1 while another thread deletes the slot:
 * once SET_MEMORY_REGION returns, the guest must not write the old pages
 * any more (they are unpinned and may be reused by the host); its next
 * write is an MMIO exit.
 */
static int test_slot_delete_while_running(void)
{
	struct sigaction sa = { .sa_handler = sig_nop };
	struct slot_runner r = { 0 };
	volatile uint64_t *counter;
	uint64_t before, after;
	pthread_t t;
	struct vm *vm;
	unsigned int i;
	int rc;

	sigaction(SIGUSR1, &sa, NULL);
	r.v = GUEST_CREATE(MODE_LONG, slot_spin_guest);
	CHECK(r.v, "guest setup failed");
	vm = r.v->vm;
	counter = vm_add_mem(vm, 1, 0x400000, 0x10000, 0);
	CHECK(counter, "slot 1");
	pthread_create(&t, NULL, slot_runner_fn, &r);
	sleep_ms(300);
	before = *counter;
	CHECK(before > 0, "the guest is not running (counter 0)");
	errno = 0;
	rc = vm_set_region(vm, 1, 0, 0x400000, 0, NULL);
	if (rc) {
		tap_diag("deleting a slot in use: %s", strerror(errno));
		pthread_kill(t, SIGUSR1);
		pthread_join(t, NULL);
		CHECK(errno == EBUSY, "delete failed with %s", strerror(errno));
		return CASE_PASS;
	}
	before = *counter;
	sleep_ms(300);
	after = *counter;
	for (i = 0; i < 300 && !__atomic_load_n(&r.done, __ATOMIC_SEQ_CST); i++)
		sleep_ms(10);
	if (!r.done)
		pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	tap_diag("counter %llu when the delete returned, %llu 300 ms later; RUN %d %s exit %s gpa 0x%llx",
		 (unsigned long long)before, (unsigned long long)after, r.rc,
		 r.rc ? strerror(r.err) : "ok", exit_name(r.reason),
		 (unsigned long long)r.gpa);
	CHECK(after == before,
	      "the guest wrote %llu times to a deleted slot's pages",
	      (unsigned long long)(after - before));
	CHECK(r.rc == 0 && r.reason == MINIVMM_EXIT_MMIO && r.is_write &&
	      r.gpa == 0x400000,
	      "want an MMIO write exit at 0x400000 after the delete");
	return CASE_PASS;
}

/* Each vCPU increments the counter at rdi. */
GUEST_CODE(count_guest, ".code64",
	"count_guest_loop:\n"
	"incq (%rdi)\n"
	"jmp count_guest_loop\n");

#define ASID_VMS	2
#define ASID_VCPUS	12	/* 24 vCPUs: more than TCG's 16 ASIDs */

struct count_runner {
	struct vcpu *v;
	pthread_t thread;
	int rc, err;
};

static void *count_runner_fn(void *arg)
{
	struct count_runner *r = arg;

	r->v->timeout_s = 0;
	r->rc = vcpu_run(r->v);
	r->err = r->v->last_errno;
	return NULL;
}

/*
 * Two VMs with 12 vCPUs each run at once: more vCPUs than TCG offers
 * ASIDs, so ASIDs are reused and TLBs must be flushed.  VM 0's vCPUs count
 * at 0x20000 + 8 i, VM 1's at 0x30000 + 8 i; a translation of one VM used
 * by the other would show up as writes to the other VM's counter range.
 */
static int test_asid_reuse(void)
{
	struct sigaction sa = { .sa_handler = sig_nop };
	struct count_runner r[ASID_VMS][ASID_VCPUS];
	struct vm *vm[ASID_VMS];
	unsigned int i, j, k;
	int bad = 0;

	sigaction(SIGUSR1, &sa, NULL);
	memset(r, 0, sizeof(r));
	for (i = 0; i < ASID_VMS; i++) {
		vm[i] = vm_std_create();
		CHECK(vm[i], "VM %u", i);
		vm_load_code(vm[i], count_guest);
		for (j = 0; j < ASID_VCPUS; j++) {
			struct minivmm_regs regs;

			r[i][j].v = vcpu_create(vm[i], j);
			CHECK(r[i][j].v, "VM %u vCPU %u", i, j);
			CHECK(!vcpu_set_mode(r[i][j].v, MODE_LONG), "mode");
			CHECK_OK(vcpu_get_regs(r[i][j].v, &regs), "GET_REGS");
			regs.rdi = 0x20000 + i * 0x10000 + j * 8;
			CHECK_OK(vcpu_set_regs(r[i][j].v, &regs), "SET_REGS");
		}
	}
	for (i = 0; i < ASID_VMS; i++)
		for (j = 0; j < ASID_VCPUS; j++)
			pthread_create(&r[i][j].thread, NULL, count_runner_fn,
				       &r[i][j]);
	sleep_ms(3000);
	for (i = 0; i < ASID_VMS; i++)
		for (j = 0; j < ASID_VCPUS; j++)
			pthread_kill(r[i][j].thread, SIGUSR1);
	for (i = 0; i < ASID_VMS; i++)
		for (j = 0; j < ASID_VCPUS; j++)
			pthread_join(r[i][j].thread, NULL);
	for (i = 0; i < ASID_VMS; i++) {
		for (k = 0; k < ASID_VMS; k++) {
			uint64_t *c = vm_host(vm[i], 0x20000 + k * 0x10000);

			for (j = 0; j < ASID_VCPUS; j++) {
				if (k == i && c[j] == 0) {
					tap_diag("VM %u vCPU %u never ran (RUN %d %s)",
						 i, j, r[i][j].rc,
						 strerror(r[i][j].err));
					bad++;
				}
				if (k != i && c[j] != 0) {
					tap_diag("VM %u: the counter of VM %u's vCPU %u is %llu in VM %u's memory",
						 i, k, j,
						 (unsigned long long)c[j], i);
					bad++;
				}
			}
		}
	}
	for (i = 0; i < ASID_VMS; i++)
		for (j = 0; j < ASID_VCPUS; j++)
			CHECK(r[i][j].rc == -1 && r[i][j].err == EINTR,
			      "VM %u vCPU %u: RUN gave %d %s", i, j,
			      r[i][j].rc, strerror(r[i][j].err));
	CHECK(!bad, "%d counters wrong", bad);
	return CASE_PASS;
}

static const struct test_case cases[] = {
	{ "memory outside slots is MMIO; host memory stays intact",
	  test_memory, 0 },
	{ "reset/PCI/CMOS/PIC/serial ports exit to userspace",
	  test_dangerous_ports, 0 },
	{ "every port tried exits to userspace, bitmap edges", test_all_ports,
	  180 },
	{ "host MSRs #GP in the guest", test_dangerous_msrs, 0 },
	{ "a slot deleted while a vCPU writes it is cut off",
	  test_slot_delete_while_running, 0 },
	{ "24 vCPUs of 2 VMs (ASID reuse) stay in their own memory",
	  test_asid_reuse, 60 },
};

int main(void)
{
	return cases_run(cases, ARRAY_SIZE(cases));
}
