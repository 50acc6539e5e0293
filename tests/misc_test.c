// SPDX-License-Identifier: GPL-2.0
/*
 * misc_test - HLT, CPUID, MSRs (allowed and forbidden), triple fault,
 * invalid register state, signals and immediate_exit, two vCPUs running
 * at once, interrupt injection through the interrupt window.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "lib/case.h"
#include "lib/guest.h"

GUEST_CODE(hlt_guest, ".code64",
	"mov $0x4242, %r8\n"
	"hlt\n"
	".globl hlt_guest_after\n"
	"hlt_guest_after:\n"
	"mov $0x4343, %r8\n"
	"hlt\n");

GUEST_LABEL(hlt_guest_after);

GUEST_CODE(cpuid_guest, ".code64",
	"mov $0x20000, %edi\n"
	"xor %esi, %esi\n"		/* index into the leaf list */
	"cpuid_guest_loop:\n"
	"mov 0x20800(,%rsi,8), %eax\n"
	"mov 0x20804(,%rsi,8), %ecx\n"
	"cmp $0xffffffff, %eax\n"
	"je cpuid_guest_done\n"
	"mov $0x5a5a5a5a, %ebx\n"
	"mov $0x5a5a5a5a, %edx\n"
	"cpuid\n"
	"mov %eax, (%rdi)\n"
	"mov %ebx, 4(%rdi)\n"
	"mov %ecx, 8(%rdi)\n"
	"mov %edx, 12(%rdi)\n"
	"add $16, %rdi\n"
	"inc %esi\n"
	"jmp cpuid_guest_loop\n"
	"cpuid_guest_done:\n"
	"hlt\n");

/*
 * MSR guest: #GP handler at msr_gp counts faults in 0x20100, records the
 * faulting RIP in 0x20108 and skips the 2-byte RDMSR/WRMSR.
 */
GUEST_CODE(msr_guest, ".code64",
	"mov $0xc0000082, %ecx\n"	/* LSTAR */
	"mov $0x81000000, %eax\n"
	"mov $0xffffffff, %edx\n"
	"wrmsr\n"
	"mov $0xc0000102, %ecx\n"	/* KERNEL_GS_BASE */
	"mov $0x9abcdef0, %eax\n"
	"mov $0x00001234, %edx\n"
	"wrmsr\n"
	"mov $0xc0000082, %ecx\n"
	"rdmsr\n"
	"mov %eax, 0x20000\n"
	"mov %edx, 0x20004\n"
	"mov $0xc0000102, %ecx\n"
	"rdmsr\n"
	"mov %eax, 0x20008\n"
	"mov %edx, 0x2000c\n"
	"mov $0xc0000084, %ecx\n"	/* SFMASK, set by userspace */
	"rdmsr\n"
	"mov %eax, 0x20010\n"
	"mov %edx, 0x20014\n"
	"hlt\n"
	/* second part: forbidden MSRs listed at 0x20800, ended by 0 */
	"xor %esi, %esi\n"
	"msr_guest_loop:\n"
	"mov 0x20800(,%rsi,4), %ecx\n"
	"test %ecx, %ecx\n"
	"jz msr_guest_done\n"
	".globl msr_guest_rdmsr\n"
	"msr_guest_rdmsr:\n"
	"rdmsr\n"
	"xor %eax, %eax\n"
	"xor %edx, %edx\n"
	".globl msr_guest_wrmsr\n"
	"msr_guest_wrmsr:\n"
	"wrmsr\n"
	"inc %esi\n"
	"jmp msr_guest_loop\n"
	"msr_guest_done:\n"
	"hlt\n"
	".globl msr_gp\n"
	"msr_gp:\n"
	"add $8, %rsp\n"		/* error code */
	"incq 0x20100\n"
	"mov (%rsp), %rax\n"
	"mov %rax, 0x20108\n"
	"addq $2, (%rsp)\n"
	"iretq\n");
GUEST_LABEL(msr_guest_rdmsr);
GUEST_LABEL(msr_guest_wrmsr);
GUEST_LABEL(msr_gp);

GUEST_CODE(ud_guest, ".code64",
	"ud2\n"
	"hlt\n");

GUEST_CODE(spin_guest, ".code64",
	".globl spin_guest_a\n"
	"spin_guest_a:\n"
	"incq 0x20000\n"
	"jmp spin_guest_a\n"
	".globl spin_guest_b\n"
	"spin_guest_b:\n"
	"incq 0x20040\n"
	"jmp spin_guest_b\n");
GUEST_LABEL(spin_guest_a);
GUEST_LABEL(spin_guest_b);

GUEST_CODE(irq_guest, ".code64",
	"cli\n"
	"out %al, $0x50\n"		/* ready: userspace asks for a window */
	"sti\n"
	"irq_guest_wait:\n"
	"cmpq $0, 0x20200\n"
	"je irq_guest_wait\n"
	"hlt\n"
	".globl irq_handler\n"
	"irq_handler:\n"
	"incq 0x20200\n"
	"pushfq\n"
	"pop %rax\n"
	"mov %rax, 0x20208\n"		/* RFLAGS inside the handler */
	"mov $0x40, %al\n"
	"out %al, $0x51\n"
	"iretq\n");
GUEST_LABEL(irq_handler);

/* An interrupt queued while IF=0 waits for STI. */
GUEST_CODE(irq2_guest, ".code64",
	"cli\n"
	"out %al, $0x50\n"
	"mov $1000, %ecx\n"
	"irq2_spin:\n"
	"dec %ecx\n"
	"jnz irq2_spin\n"
	"sti\n"
	"nop\n"
	"irq2_wait:\n"
	"cmpq $0, 0x20200\n"
	"je irq2_wait\n"
	"hlt\n"
	".globl irq2_handler\n"
	"irq2_handler:\n"
	"mov %rcx, 0x20210\n"
	"incq 0x20200\n"
	"iretq\n");
GUEST_LABEL(irq2_handler);

/*
 * VMX/SVM instructions in the guest: the #UD handler counts them in
 * 0x20100 and skips the 3-byte instruction.
 */
GUEST_CODE(virt_insn_guest, ".code64",
	"mov $0x1000, %eax\n"
	"xor %ecx, %ecx\n"
	".byte 0x0f, 0x01, 0xd8\n"	/* vmrun */
	".byte 0x0f, 0x01, 0xda\n"	/* vmload */
	".byte 0x0f, 0x01, 0xdb\n"	/* vmsave */
	".byte 0x0f, 0x01, 0xdc\n"	/* stgi */
	".byte 0x0f, 0x01, 0xdd\n"	/* clgi */
	".byte 0x0f, 0x01, 0xdf\n"	/* invlpga */
	".byte 0x0f, 0x01, 0xc2\n"	/* vmlaunch */
	".byte 0x0f, 0x01, 0xc3\n"	/* vmresume */
	".byte 0x0f, 0x01, 0xc4\n"	/* vmxoff */
	".byte 0x0f, 0x01, 0xde\n"	/* skinit */
	"mov 0x20100, %rbx\n"		/* #UDs before the hypercalls */
	".byte 0x0f, 0x01, 0xd9\n"	/* vmmcall */
	".byte 0x0f, 0x01, 0xc1\n"	/* vmcall */
	"hlt\n"
	".globl virt_ud\n"
	"virt_ud:\n"
	"incq 0x20100\n"
	"addq $3, (%rsp)\n"
	"iretq\n");
GUEST_LABEL(virt_ud);

/*
 * Exits of instructions with redundant prefixes: without decode assists
 * the hypervisor must find the instruction length itself.  Each blob
 * ends with "mov $0x44, %r12d; hlt" after the prefixed instruction.
 */
#define PREFIX_TAIL "mov $0x44, %r12d\n" "hlt\n"

GUEST_CODE(prefix_cpuid, ".code64",
	"xor %eax, %eax\n"
	"xor %ecx, %ecx\n"
	".byte 0x2e, 0x0f, 0xa2\n"		/* cs cpuid */
	PREFIX_TAIL);
GUEST_CODE(prefix_rdmsr, ".code64",
	"mov $0xc0000082, %ecx\n"
	".byte 0x3e, 0x0f, 0x32\n"		/* ds rdmsr */
	PREFIX_TAIL);
GUEST_CODE(prefix_wrmsr, ".code64",
	"mov $0xc0000082, %ecx\n"
	"xor %eax, %eax\n"
	"xor %edx, %edx\n"
	".byte 0x3e, 0x0f, 0x30\n"		/* ds wrmsr */
	PREFIX_TAIL);
GUEST_CODE(prefix_out, ".code64",
	"mov $0xabcd, %eax\n"
	".byte 0x2e, 0x3e, 0x66, 0xe7, 0x40\n"	/* cs ds out %ax, $0x40 */
	PREFIX_TAIL);
GUEST_CODE(prefix_rex_out, ".code64",
	"mov $0xab, %eax\n"
	".byte 0x48, 0xe6, 0x40\n"		/* rex.w out %al, $0x40 */
	PREFIX_TAIL);
GUEST_CODE(prefix_in, ".code64",
	"mov $0x40, %dx\n"
	".byte 0x26, 0x66, 0xed\n"		/* es in %dx, %ax */
	PREFIX_TAIL);
GUEST_CODE(prefix_hlt, ".code64",
	".byte 0x2e, 0xf4\n"			/* cs hlt */
	PREFIX_TAIL);

GUEST_CODE(fpu_guest, ".code64",
	"movq %xmm1, %rax\n"
	"mov %rax, 0x20300\n"
	"mov $0x5555aaaa5555aaaa, %rax\n"
	"movq %rax, %xmm0\n"
	"movq %rax, %xmm7\n"
	"hlt\n");

static int test_hlt(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, hlt_guest);

	CHECK(v, "guest setup failed");
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "first HLT");
	CHECK_EQ(VCPU_REG(v, r8), 0x4242, "r8 at first hlt");
	CHECK_EQ(VCPU_REG(v, rip), GUEST_ADDR(hlt_guest, hlt_guest_after),
		 "rip after first hlt");
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "second HLT");
	CHECK_EQ(VCPU_REG(v, r8), 0x4343, "r8 at second hlt");
	return CASE_PASS;
}

static int test_cpuid(void)
{
	static const struct minivmm_cpuid_entry table[] = {
		{ .function = 0, .eax = 0xd, .ebx = 0x696e694d,
		  .ecx = 0x4d4d5620, .edx = 0x74736554 },
		{ .function = 1, .eax = 0x000306a9, .ebx = 0x00010800,
		  .ecx = 0x80000000, .edx = 0x0789abcd },
		{ .function = 7, .index = 0,
		  .flags = MINIVMM_CPUID_SIGNIFICANT_INDEX, .ebx = 0xabc },
		{ .function = 7, .index = 1,
		  .flags = MINIVMM_CPUID_SIGNIFICANT_INDEX, .eax = 0xdef },
		{ .function = 0x80000000, .eax = 0x80000008 },
	};
	/* leaf, subleaf, expected eax..edx */
	static const uint32_t queries[][6] = {
		{ 0, 0, 0xd, 0x696e694d, 0x4d4d5620, 0x74736554 },
		{ 1, 0x55, 0x000306a9, 0x00010800, 0x80000000, 0x0789abcd },
		{ 7, 0, 0, 0xabc, 0, 0 },
		{ 7, 1, 0xdef, 0, 0, 0 },
		{ 7, 2, 0, 0, 0, 0 },
		{ 0x40000000, 0, 0, 0, 0, 0 },
		{ 0x80000000, 0, 0x80000008, 0, 0, 0 },
		{ 0x80000008, 0, 0, 0, 0, 0 },
		{ 0xd, 0, 0, 0, 0, 0 },
	};
	unsigned int n = ARRAY_SIZE(queries), i, j;
	struct vcpu *v = GUEST_CREATE(MODE_LONG, cpuid_guest);
	uint32_t *list, *res;
	int bad = 0;

	CHECK(v, "guest setup failed");
	CHECK_OK(vcpu_set_cpuid(v, table, ARRAY_SIZE(table)),
		 "SET_CPUID");
	list = vm_host(v->vm, 0x20800);
	for (i = 0; i < n; i++) {
		list[2 * i] = queries[i][0];
		list[2 * i + 1] = queries[i][1];
	}
	list[2 * n] = 0xffffffff;
	res = vm_host(v->vm, DATA_GPA);
	memset(res, 0xcc, n * 16);
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT");
	for (i = 0; i < n; i++) {
		for (j = 0; j < 4; j++) {
			if (res[4 * i + j] == queries[i][2 + j])
				continue;
			tap_diag("cpuid 0x%x.%u reg %c: got 0x%08x want 0x%08x",
				 queries[i][0], queries[i][1], "abcd"[j],
				 res[4 * i + j], queries[i][2 + j]);
			bad++;
		}
	}
	CHECK(!bad, "%d CPUID registers differ from the table", bad);
	return CASE_PASS;
}

static int test_msr_allowed(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, msr_guest);
	uint64_t *res, val = 0;

	CHECK(v, "guest setup failed");
	vm_idt_set64(v->vm, 13, GUEST_ADDR(msr_guest, msr_gp));
	CHECK_EQ(vcpu_set_msr(v, 0xc0000084, 0x47700), 1, "SET_MSRS SFMASK");
	res = vm_host(v->vm, DATA_GPA);
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT");
	CHECK_EQ(*(uint64_t *)vm_host(v->vm, 0x20100), 0,
		 "#GP count (faulting rip 0x%llx)",
		 (unsigned long long)*(uint64_t *)vm_host(v->vm, 0x20108));
	CHECK_EQ(res[0], 0xffffffff81000000ULL, "guest read of LSTAR");
	CHECK_EQ(res[1], 0x000012349abcdef0ULL, "guest read of KERNEL_GS_BASE");
	CHECK_EQ(res[2], 0x47700, "guest read of SFMASK set by userspace");
	CHECK_EQ(vcpu_get_msr(v, 0xc0000082, &val), 1, "GET_MSRS LSTAR");
	CHECK_EQ(val, 0xffffffff81000000ULL, "LSTAR via GET_MSRS");
	CHECK_EQ(vcpu_get_msr(v, 0xc0000102, &val), 1, "GET_MSRS KGSBASE");
	CHECK_EQ(val, 0x000012349abcdef0ULL, "KERNEL_GS_BASE via GET_MSRS");
	return CASE_PASS;
}

/* Forbidden MSRs: RDMSR and WRMSR each raise #GP in the guest. */
static int msr_forbidden_run(const uint32_t *msrs, unsigned int n)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, msr_guest);
	uint32_t *list;
	uint64_t gps;

	CHECK(v, "guest setup failed");
	vm_idt_set64(v->vm, 13, GUEST_ADDR(msr_guest, msr_gp));
	list = vm_host(v->vm, 0x20800);
	memcpy(list, msrs, n * 4);
	list[n] = 0;
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "first HLT");
	*(uint64_t *)vm_host(v->vm, 0x20100) = 0;
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT after the MSR loop");
	gps = *(uint64_t *)vm_host(v->vm, 0x20100);
	CHECK_EQ(gps, 2 * n, "#GPs for %u RDMSR+WRMSR pairs (last fault at rip 0x%llx, rdmsr at 0x%llx, wrmsr at 0x%llx)",
		 n, (unsigned long long)*(uint64_t *)vm_host(v->vm, 0x20108),
		 (unsigned long long)GUEST_ADDR(msr_guest, msr_guest_rdmsr),
		 (unsigned long long)GUEST_ADDR(msr_guest, msr_guest_wrmsr));
	CHECK_EQ(*(uint64_t *)vm_host(v->vm, 0x20108),
		 GUEST_ADDR(msr_guest, msr_guest_wrmsr), "rip of the last #GP");
	return CASE_PASS;
}

static int test_msr_forbidden(void)
{
	static const uint32_t msrs[] = { 0x12345678, 0xc0011234, 0x4b564d00 };
	struct vcpu *v;
	uint64_t val;

	if (msr_forbidden_run(msrs, 3))
		return CASE_FAIL;
	v = GUEST_CREATE(MODE_LONG, msr_guest);
	CHECK(v, "guest setup failed");
	CHECK_EQ(vcpu_get_msr(v, 0x12345678, &val), 0,
		 "GET_MSRS of an unknown MSR processes 0 entries");
	CHECK_EQ(vcpu_set_msr(v, 0x12345678, 0), 0,
		 "SET_MSRS of an unknown MSR processes 0 entries");
	return CASE_PASS;
}

static int test_triple_fault(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, ud_guest);
	int rc;

	CHECK(v, "guest setup failed");
	/* The IDT is all zeros: #UD -> #NP -> #DF -> shutdown. */
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_SHUTDOWN), "no SHUTDOWN");
	/* Running a shut-down vCPU again: an exit or an error, no hang. */
	rc = vcpu_run(v);
	tap_diag("RUN after SHUTDOWN: %d %s", rc,
		 rc ? strerror(v->last_errno) : exit_name(v->run->exit_reason));
	CHECK(!v->timed_out, "RUN after SHUTDOWN hung");
	CHECK(rc != 0 || v->run->exit_reason == MINIVMM_EXIT_SHUTDOWN ||
	      v->run->exit_reason == MINIVMM_EXIT_FAIL_ENTRY ||
	      v->run->exit_reason == MINIVMM_EXIT_INTERNAL_ERROR,
	      "RUN after SHUTDOWN gave exit %s", exit_name(v->run->exit_reason));
	return CASE_PASS;
}

enum bad_state { BAD_PG_NO_PE, BAD_LME_NO_LMA, BAD_CS_SYSTEM, BAD_CR4_RSVD,
		 BAD_LMA_NO_PG, BAD_STATES };

static const char *const bad_state_name[] = {
	"CR0.PG without CR0.PE", "EFER.LME+CR0.PG without LMA",
	"CS is a system segment", "CR4 reserved bit 40",
	"EFER.LMA without CR0.PG",
};

/* Applies @bad; returns how it was refused, or 0 if it was not. */
static int bad_state_try(struct vcpu *v, enum bad_state bad)
{
	struct minivmm_sregs sr;
	int rc;

	if (vcpu_set_mode(v, bad == BAD_CS_SYSTEM ? MODE_PROT32 : MODE_LONG))
		return -2;
	if (vcpu_get_sregs(v, &sr))
		return -2;
	switch (bad) {
	case BAD_PG_NO_PE:
		sr.cr0 &= ~1ULL;
		sr.efer = 0;
		sr.cs.l = 0;
		sr.cs.db = 1;
		break;
	case BAD_LME_NO_LMA:
		sr.efer = 0x100;
		break;
	case BAD_CS_SYSTEM:
		sr.cs.s = 0;
		break;
	case BAD_CR4_RSVD:
		sr.cr4 |= 1ULL << 40;
		break;
	case BAD_LMA_NO_PG:
		sr.cr0 &= ~0x80000000ULL;
		break;
	default:
		break;
	}
	errno = 0;
	if (vcpu_set_sregs(v, &sr)) {
		tap_diag("  %s: SET_SREGS refused: %s", bad_state_name[bad],
			 strerror(errno));
		return errno == EINVAL ? 1 : -1;
	}
	rc = vcpu_run(v);
	if (rc < 0 && v->last_errno == EINVAL) {
		tap_diag("  %s: RUN refused: EINVAL", bad_state_name[bad]);
		return 1;
	}
	if (rc == 0 && v->run->exit_reason == MINIVMM_EXIT_FAIL_ENTRY) {
		tap_diag("  %s: FAIL_ENTRY reason 0x%llx", bad_state_name[bad],
			 (unsigned long long)
			 v->run->fail_entry.hardware_entry_failure_reason);
		return 1;
	}
	tap_diag("  %s: accepted; RUN gave %d (%s)", bad_state_name[bad], rc,
		 rc ? strerror(v->last_errno) : exit_name(v->run->exit_reason));
	vcpu_dump(v);
	return 0;
}

static int test_bad_state(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, ud_guest);
	int bad, fails = 0;

	CHECK(v, "guest setup failed");
	/* Replace ud2 by hlt so an accepted state would halt, not fault. */
	*(uint8_t *)vm_host(v->vm, CODE_GPA) = 0xf4;
	for (bad = 0; bad < BAD_STATES; bad++) {
		int r = bad_state_try(v, bad);

		if (r != 1)
			fails++;
		/* The vCPU must still work with a valid state. */
		CHECK(!vcpu_set_mode(v, MODE_LONG), "valid state after %s",
		      bad_state_name[bad]);
		CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT),
		      "valid guest does not run after %s",
		      bad_state_name[bad]);
	}
	CHECK(!fails, "%d invalid states were not refused", fails);
	return CASE_PASS;
}

static void sig_nop(int sig)
{
	(void)sig;
}

struct kicker {
	pthread_t target;
	unsigned int delay_ms;
};

static void *kicker_fn(void *arg)
{
	struct kicker *k = arg;
	struct timespec ts = { k->delay_ms / 1000,
			       (k->delay_ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
	pthread_kill(k->target, SIGUSR1);
	return NULL;
}

static int test_signal(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, spin_guest);
	struct sigaction sa = { .sa_handler = sig_nop };
	struct kicker k = { pthread_self(), 300 };
	pthread_t t;
	uint64_t count, rip;
	double t0;
	int rc;

	CHECK(v, "guest setup failed");
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART */
	pthread_create(&t, NULL, kicker_fn, &k);
	t0 = now_s();
	rc = vcpu_run(v);
	pthread_join(t, NULL);
	CHECK(rc == -1 && v->last_errno == EINTR && !v->timed_out,
	      "RUN gave %d errno %s%s, want -1 EINTR from SIGUSR1", rc,
	      strerror(v->last_errno), v->timed_out ? " (timeout)" : "");
	CHECK_EQ(v->run->exit_reason, MINIVMM_EXIT_INTR, "exit reason %s",
		 exit_name(v->run->exit_reason));
	tap_diag("RUN returned after %.3f s", now_s() - t0);
	count = *(uint64_t *)vm_host(v->vm, DATA_GPA);
	CHECK(count > 0, "the guest never ran (counter 0)");

	/* immediate_exit: no guest instruction runs. */
	v->run->immediate_exit = 1;
	rip = VCPU_REG(v, rip);
	count = *(uint64_t *)vm_host(v->vm, DATA_GPA);
	CHECK_ERRNO(vcpu_run(v), EINTR, "RUN with immediate_exit");
	CHECK_EQ(v->run->exit_reason, MINIVMM_EXIT_INTR, "exit reason %s",
		 exit_name(v->run->exit_reason));
	CHECK_EQ(VCPU_REG(v, rip), rip, "rip moved during immediate_exit");
	CHECK_EQ(*(uint64_t *)vm_host(v->vm, DATA_GPA), count,
		 "the guest ran during immediate_exit");
	return CASE_PASS;
}

struct runner {
	struct vcpu *v;
	pthread_t thread;
	int rc, err;
	uint32_t reason;
};

static void *runner_fn(void *arg)
{
	struct runner *r = arg;

	r->v->timeout_s = 0;	/* alarm() is process-wide: main stops us */
	r->rc = vcpu_run(r->v);
	r->err = r->v->last_errno;
	r->reason = r->v->run->exit_reason;
	return NULL;
}

static int test_two_vcpus(void)
{
	struct sigaction sa = { .sa_handler = sig_nop };
	struct timespec tick = { 0, 300000000 };
	struct runner r[2] = { { 0 } };
	volatile uint64_t *ca, *cb;
	uint64_t a[3], b[3];
	struct vm *vm;
	unsigned int i;

	if (host_cpus() < 2)
		return case_skip("needs 2 host CPUs, have %d", host_cpus());
	sigaction(SIGUSR1, &sa, NULL);
	vm = vm_std_create();
	CHECK(vm, "vm_std_create");
	vm_load_code(vm, spin_guest);
	for (i = 0; i < 2; i++) {
		struct minivmm_regs regs;

		r[i].v = vcpu_create(vm, i);
		CHECK(r[i].v, "vcpu %u", i);
		CHECK(!vcpu_set_mode(r[i].v, MODE_LONG), "mode %u", i);
		CHECK_OK(vcpu_get_regs(r[i].v, &regs), "GET_REGS");
		regs.rip = i ? GUEST_ADDR(spin_guest, spin_guest_b) :
			       GUEST_ADDR(spin_guest, spin_guest_a);
		regs.rsp = STACK_TOP - i * 0x1000;
		CHECK_OK(vcpu_set_regs(r[i].v, &regs), "SET_REGS");
	}
	ca = vm_host(vm, DATA_GPA);
	cb = vm_host(vm, DATA_GPA + 0x40);
	for (i = 0; i < 2; i++)
		pthread_create(&r[i].thread, NULL, runner_fn, &r[i]);
	for (i = 0; i < 3; i++) {
		nanosleep(&tick, NULL);
		a[i] = *ca;
		b[i] = *cb;
	}
	for (i = 0; i < 2; i++)
		pthread_kill(r[i].thread, SIGUSR1);
	for (i = 0; i < 2; i++)
		pthread_join(r[i].thread, NULL);
	tap_diag("counters: a %llu %llu %llu, b %llu %llu %llu",
		 (unsigned long long)a[0], (unsigned long long)a[1],
		 (unsigned long long)a[2], (unsigned long long)b[0],
		 (unsigned long long)b[1], (unsigned long long)b[2]);
	for (i = 0; i < 2; i++) {
		CHECK(r[i].rc == -1 && r[i].err == EINTR &&
		      r[i].reason == MINIVMM_EXIT_INTR,
		      "vcpu %u: RUN gave %d errno %d exit %s", i, r[i].rc,
		      r[i].err, exit_name(r[i].reason));
		if (r[i].rc == 0)
			vcpu_dump(r[i].v);
	}
	CHECK(a[1] > a[0] && a[2] > a[1], "vcpu 0 stalled");
	CHECK(b[1] > b[0] && b[2] > b[1], "vcpu 1 stalled");
	return CASE_PASS;
}

static int test_interrupt(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, irq_guest);
	struct minivmm_interrupt irq = { .vector = 0x40 };
	struct minivmm_run *run;

	CHECK(v, "guest setup failed");
	run = v->run;
	if (ioctl(v->vm->fd, MINIVMM_CHECK_CAP, MINIVMM_CAP_IRQ_WINDOW) <= 0)
		return case_skip("MINIVMM_CAP_IRQ_WINDOW is absent");
	vm_idt_set64(v->vm, 0x40, GUEST_ADDR(irq_guest, irq_handler));
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_IO), "no 'ready' exit");
	CHECK_EQ(run->io.port, 0x50, "ready port");
	CHECK_EQ(run->if_flag, 0, "if_flag after cli");
	run->request_interrupt_window = 1;
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_IRQ_WINDOW_OPEN),
	      "no IRQ_WINDOW_OPEN exit after sti");
	CHECK_EQ(run->if_flag, 1, "if_flag at the window");
	CHECK_EQ(run->ready_for_interrupt_injection, 1,
		 "ready_for_interrupt_injection");
	run->request_interrupt_window = 0;
	CHECK_OK(ioctl(v->fd, MINIVMM_INTERRUPT, &irq), "INTERRUPT 0x40");
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_INTERRUPT, &irq), EBUSY,
		    "a second INTERRUPT while one is queued");
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_IO), "the handler did not run");
	CHECK(run->io.port == 0x51 && *(uint8_t *)vcpu_io_data(v) == 0x40,
	      "want out 0x40 to port 0x51 from the handler, got port 0x%x",
	      run->io.port);
	CHECK_EQ(*(uint64_t *)vm_host(v->vm, 0x20208) & 0x200, 0,
		 "IF inside an interrupt-gate handler");
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT after iretq");
	CHECK_EQ(*(uint64_t *)vm_host(v->vm, 0x20200), 1, "handler count");
	return CASE_PASS;
}

static int test_interrupt_masked(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, irq2_guest);
	struct minivmm_interrupt irq = { .vector = 0x41 };

	CHECK(v, "guest setup failed");
	vm_idt_set64(v->vm, 0x41, GUEST_ADDR(irq2_guest, irq2_handler));
	*(uint64_t *)vm_host(v->vm, 0x20210) = ~0ULL;
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_IO), "no 'ready' exit");
	CHECK_OK(ioctl(v->fd, MINIVMM_INTERRUPT, &irq), "INTERRUPT 0x41 with IF=0");
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT");
	CHECK_EQ(*(uint64_t *)vm_host(v->vm, 0x20200), 1, "handler count");
	CHECK_EQ(*(uint64_t *)vm_host(v->vm, 0x20210), 0,
		 "rcx in the handler: it ran before STI (rcx = remaining spins)");
	return CASE_PASS;
}

static int test_virt_insns(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, virt_insn_guest);
	int rc;

	CHECK(v, "guest setup failed");
	vm_idt_set64(v->vm, 6, GUEST_ADDR(virt_insn_guest, virt_ud));
	rc = vcpu_run(v);
	if (rc || v->run->exit_reason != MINIVMM_EXIT_HLT) {
		tap_diag("RUN gave %d: the guest did not reach HLT", rc);
		vcpu_dump(v);
		return CASE_FAIL;
	}
	CHECK_EQ(VCPU_REG(v, rbx), 10,
		 "#UDs for vmrun vmload vmsave stgi clgi invlpga vmlaunch vmresume vmxoff skinit");
	tap_diag("vmmcall/vmcall gave %llu #UDs",
		 (unsigned long long)(*(uint64_t *)vm_host(v->vm, 0x20100) - 10));
	return CASE_PASS;
}

static const struct {
	const char *name;
	const unsigned char *start, *end;
	bool io;
} prefix_blobs[] = {
	{ "cs cpuid", prefix_cpuid, prefix_cpuid_end, false },
	{ "ds rdmsr", prefix_rdmsr, prefix_rdmsr_end, false },
	{ "ds wrmsr", prefix_wrmsr, prefix_wrmsr_end, false },
	{ "cs ds out %ax, $0x40", prefix_out, prefix_out_end, true },
	{ "rex.w out %al, $0x40", prefix_rex_out, prefix_rex_out_end, true },
	{ "es in %dx, %ax", prefix_in, prefix_in_end, true },
	{ "cs hlt", prefix_hlt, prefix_hlt_end, false },
};

static int prefix_one(unsigned int i)
{
	struct vcpu *v = guest_create(MODE_LONG, prefix_blobs[i].start,
				      prefix_blobs[i].end);
	uint64_t end = CODE_GPA + (prefix_blobs[i].end - prefix_blobs[i].start);

	CHECK(v, "guest setup failed");
	if (prefix_blobs[i].io) {
		if (!vcpu_run_expect(v, MINIVMM_EXIT_IO))
			return CASE_FAIL;
		CHECK_EQ(v->run->io.port, 0x40, "port");
		memset(vcpu_io_data(v), 0x12, 2);
	}
	if (!strcmp(prefix_blobs[i].name, "cs hlt")) {
		CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "cs hlt");
		CHECK_EQ(VCPU_REG(v, rip), CODE_GPA + 2, "rip after cs hlt");
	}
	if (!vcpu_run_expect(v, MINIVMM_EXIT_HLT))
		return CASE_FAIL;
	CHECK_EQ(VCPU_REG(v, r12), 0x44, "the instruction after it did not run");
	CHECK_EQ(VCPU_REG(v, rip), end, "rip at the final hlt");
	return CASE_PASS;
}

static int test_prefixes(void)
{
	unsigned int i;
	int bad = 0;

	for (i = 0; i < ARRAY_SIZE(prefix_blobs); i++) {
		if (prefix_one(i) == CASE_PASS)
			continue;
		tap_diag("^ with %s", prefix_blobs[i].name);
		bad++;
	}
	CHECK(!bad, "%d prefixed instructions resumed at the wrong rip", bad);
	return CASE_PASS;
}

/* RUN as a raw syscall with a value held in the host's xmm7 across it. */
static long run_keep_xmm7(int fd, uint64_t in, uint64_t *out)
{
	long rc;

	asm volatile("movq %[in], %%xmm7\n\t"
		     "syscall\n\t"
		     "movq %%xmm7, %[out]\n\t"
		     : "=a"(rc), [out] "=r"(*out)
		     : "0"((long)SYS_ioctl), "D"((long)fd),
		       "S"((long)MINIVMM_RUN), "d"(0L), [in] "r"(in)
		     : "rcx", "r11", "memory", "xmm7");
	return rc;
}

static int test_fpu(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, fpu_guest);
	struct minivmm_xsave *x = calloc(1, sizeof(*x));
	struct minivmm_sregs sr;
	uint64_t host_xmm7 = 0;
	long rc;

	CHECK(v && x, "guest setup failed");
	CHECK_OK(vcpu_get_sregs(v, &sr), "GET_SREGS");
	sr.cr4 |= 0x600;		/* OSFXSR | OSXMMEXCPT */
	CHECK_OK(vcpu_set_sregs(v, &sr), "SET_SREGS with CR4.OSFXSR");
	CHECK_OK(ioctl(v->fd, MINIVMM_GET_XSAVE, x), "GET_XSAVE");
	x->region[44] = 0x89abcdef;	/* XMM1 at byte 176 */
	x->region[45] = 0x01234567;
	x->region[128] |= 2;		/* XSTATE_BV: SSE */
	CHECK_OK(ioctl(v->fd, MINIVMM_SET_XSAVE, x), "SET_XSAVE");
	rc = run_keep_xmm7(v->fd, 0x1111222233334444ULL, &host_xmm7);
	CHECK(rc == 0 && v->run->exit_reason == MINIVMM_EXIT_HLT,
	      "RUN gave %ld exit %s", rc, exit_name(v->run->exit_reason));
	CHECK_EQ(host_xmm7, 0x1111222233334444ULL,
		 "host xmm7 across RUN (guest wrote 0x5555aaaa5555aaaa)");
	CHECK_EQ(*(uint64_t *)vm_host(v->vm, 0x20300), 0x0123456789abcdefULL,
		 "guest xmm1 from SET_XSAVE");
	memset(x, 0, sizeof(*x));
	CHECK_OK(ioctl(v->fd, MINIVMM_GET_XSAVE, x), "GET_XSAVE");
	CHECK_EQ(x->region[40] | (uint64_t)x->region[41] << 32,
		 0x5555aaaa5555aaaaULL, "guest xmm0 in GET_XSAVE");
	CHECK_EQ(x->region[68] | (uint64_t)x->region[69] << 32,
		 0x5555aaaa5555aaaaULL, "guest xmm7 in GET_XSAVE");
	return CASE_PASS;
}

static const struct test_case cases[] = {
	{ "HLT exits with registers and rip", test_hlt, 0 },
	{ "CPUID returns the table, zeros for absent leaves", test_cpuid, 0 },
	{ "allowed MSRs: guest WRMSR/RDMSR and GET/SET_MSRS", test_msr_allowed, 0 },
	{ "forbidden MSRs: guest #GP, GET/SET_MSRS stop", test_msr_forbidden, 0 },
	{ "triple fault gives SHUTDOWN", test_triple_fault, 0 },
	{ "invalid register state is refused", test_bad_state, 60 },
	{ "signal interrupts a spinning guest; immediate_exit", test_signal, 0 },
	{ "two vCPUs of one VM run at once", test_two_vcpus, 0 },
	{ "interrupt injection through the interrupt window", test_interrupt, 0 },
	{ "an interrupt queued with IF=0 waits for STI", test_interrupt_masked, 0 },
	{ "exits of instructions with redundant prefixes", test_prefixes, 0 },
	{ "SVM/VMX instructions raise #UD in the guest", test_virt_insns, 0 },
	{ "guest FPU/SSE state: XSAVE ioctls, host xmm7 kept", test_fpu, 0 },
};

int main(void)
{
	return cases_run(cases, ARRAY_SIZE(cases));
}
