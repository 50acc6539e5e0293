// SPDX-License-Identifier: GPL-2.0
/*
 * attack_test - a guest that attacks the host through exceptions and
 * debug or protection-key state.  An exception that recurs during its own
 * delivery (#AC on a misaligned stack, #DB on a watched stack slot) must
 * not take the host CPU with it: RUN still ends on a signal.  The guest's
 * debug registers, DR6 and PKRU are its own: they reach neither the host
 * nor another VM run on the same CPU, and the host's never reach the
 * guest.  CR4 bits the guest cannot have (VMXE, bits the host lacks)
 * raise #GP in the guest.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>
#include <sys/wait.h>
#include "lib/case.h"
#include "lib/guest.h"

#define RESULT_GPA	DATA_GPA
#define PORT_DONE	0x80
#define PORT_DR6	0xe9
#define PORT_RIP	0xea

/* User (DPL 3) flat segments appended to the standard GDT. */
#define SEL_UCODE32	0x38
#define SEL_UDATA	0x40
#define DESC_UCODE32	0x00cffb000000ffffULL
#define DESC_UDATA	0x00cff3000000ffffULL

#define CR0_AM		(1UL << 18)
#define RFLAGS_AC	(1UL << 18)
#define DR6_BS		(1UL << 14)
#define DR7_RESET	0x400UL
#define CR4_VMXE	(1ULL << 13)
#define TSS_IST1	0x24	/* in the 64-bit TSS */

/* An alarm() this long ends a RUN that the guest never leaves. */
#define LOOP_ALARM_S	3

/*
 * #AC loop: with CR0.AM set the guest drops to CPL 3 with EFLAGS.AC and
 * an odd ESP (user CS/SS/EIP/ESP taken from RESULT_GPA).  Its PUSH raises
 * #AC; the #AC gate leads to a DPL 3 code segment, so delivery pushes on
 * the same odd stack and raises #AC again, forever.  A CPU that does not
 * raise #AC falls through to an MMIO write, and so does a CPU that
 * delivers the first #AC.
 */
GUEST_CODE(ac_guest, ".code32",
	"mov $0x43, %ax\n"		/* user DS/ES: IRET to CPL 3 keeps them */
	"mov %ax, %ds\n"
	"mov %ax, %es\n"
	"mov %cr0, %eax\n"
	"or $0x40000, %eax\n"
	"mov %eax, %cr0\n"
	"pushl $0x43\n"			/* SS: SEL_UDATA | 3 */
	"pushl 0x20004\n"		/* ESP */
	"pushl $0x40002\n"		/* EFLAGS: AC */
	"pushl $0x3b\n"			/* CS: SEL_UCODE32 | 3 */
	"pushl 0x20000\n"		/* EIP: ac_user */
	"iret\n"
	".globl ac_user\n"
	"ac_user:\n"
	"push %eax\n"
	"movl $0xacacacac, 0x40000000\n"
	"jmp ac_user\n"
	".globl ac_handler\n"
	"ac_handler:\n"
	"movl $0xacacacac, 0x40000000\n"
	"iret\n");
GUEST_LABEL(ac_user);
GUEST_LABEL(ac_handler);

/*
 * #DB loop attempt: the #DB gate switches to IST1, so every #DB frame
 * starts at the same slot, DB_IST - 8, which DR0 watches for writes.  The
 * guest's own store to that slot would raise the first #DB, and each #DB
 * frame written there the next, with no instruction in between.  The
 * handler only returns; the guest ends with OUT PORT_DONE.
 */
#define DB_IST		0x68000ULL
GUEST_CODE(db_loop_guest, ".code64",
	"mov $0x67ff8, %rax\n"
	"mov %rax, %dr0\n"
	"mov $0xd0401, %rax\n"		/* L0, RW0 = write, LEN0 = 4 */
	"mov %rax, %dr7\n"
	"movl $1, 0x67ff8\n"
	"out %al, $0x80\n"
	"hlt\n"
	".globl db_loop_iret\n"
	"db_loop_iret:\n"
	"iretq\n");
GUEST_LABEL(db_loop_iret);

/*
 * Single step: POPF sets TF, the NOP after it is stepped.  The #DB
 * handler reports DR6 and the pushed RIP by OUT, clears TF and returns.
 */
GUEST_CODE(step_guest, ".code64",
	"pushfq\n"
	"orq $0x100, (%rsp)\n"
	"popfq\n"
	".globl step_insn\n"
	"step_insn:\n"
	"nop\n"
	".globl step_next\n"
	"step_next:\n"
	"hlt\n"
	".globl step_db\n"
	"step_db:\n"
	"mov %dr6, %rax\n"
	"out %eax, $0xe9\n"
	"mov (%rsp), %rax\n"
	"out %eax, $0xea\n"
	"andq $~0x100, 16(%rsp)\n"
	"iretq\n");
GUEST_LABEL(step_insn);
GUEST_LABEL(step_next);
GUEST_LABEL(step_db);

/* VM A: loads DR0-DR3 and DR7, stores what it reads back at 0x20000. */
GUEST_CODE(dr_write_guest, ".code64",
	"mov $0x12345678, %rax\n"
	"mov %rax, %dr0\n"
	"mov $0x12345680, %rax\n"
	"mov %rax, %dr1\n"
	"mov $0x12345688, %rax\n"
	"mov %rax, %dr2\n"
	"mov $0x12345690, %rax\n"
	"mov %rax, %dr3\n"
	"mov $0x4ff, %rax\n"		/* L0-L3, G0-G3: execute */
	"mov %rax, %dr7\n"
	"mov %dr0, %rax\n"
	"mov %rax, 0x20000\n"
	"mov %dr1, %rax\n"
	"mov %rax, 0x20008\n"
	"mov %dr2, %rax\n"
	"mov %rax, 0x20010\n"
	"mov %dr3, %rax\n"
	"mov %rax, 0x20018\n"
	"mov %dr7, %rax\n"
	"mov %rax, 0x20020\n"
	"hlt\n");

/* VM B: stores DR0-DR3 and DR7 as it finds them at 0x20000. */
GUEST_CODE(dr_read_guest, ".code64",
	"mov %dr0, %rax\n"
	"mov %rax, 0x20000\n"
	"mov %dr1, %rax\n"
	"mov %rax, 0x20008\n"
	"mov %dr2, %rax\n"
	"mov %rax, 0x20010\n"
	"mov %dr3, %rax\n"
	"mov %rax, 0x20018\n"
	"mov %dr7, %rax\n"
	"mov %rax, 0x20020\n"
	"hlt\n");

/*
 * ICEBP (F1): the #DB handler stores the pushed RIP at 0x20000 and counts
 * at 0x20008; a #UD handler, there to tell a CPU that does not know F1,
 * stores the RIP at 0x20010 and halts.
 */
GUEST_CODE(icebp_guest, ".code64",
	".byte 0xf1\n"
	".globl icebp_next\n"
	"icebp_next:\n"
	"hlt\n"
	".globl icebp_db\n"
	"icebp_db:\n"
	"mov (%rsp), %rax\n"
	"mov %rax, 0x20000\n"
	"incq 0x20008\n"
	"iretq\n"
	".globl icebp_ud\n"
	"icebp_ud:\n"
	"mov (%rsp), %rax\n"
	"mov %rax, 0x20010\n"
	"hlt\n");
GUEST_LABEL(icebp_next);
GUEST_LABEL(icebp_db);
GUEST_LABEL(icebp_ud);

/*
 * PKRU: sets CR4.PKE, WRPKRU 0x55555554, exits by OUT PORT_DONE; on the
 * next RUN stores what RDPKRU gives at 0x20000.
 */
GUEST_CODE(pkru_guest, ".code64",
	"mov %cr4, %rax\n"
	"bts $22, %rax\n"
	"mov %rax, %cr4\n"
	"xor %ecx, %ecx\n"
	"xor %edx, %edx\n"
	"mov $0x55555554, %eax\n"
	"wrpkru\n"
	"out %al, $0x80\n"
	"xor %ecx, %ecx\n"
	"rdpkru\n"
	"mov %eax, 0x20000\n"
	"hlt\n");

/*
 * CR4: ORs the bits at 0x20100 into CR4.  The #GP handler counts at
 * 0x20000, stores the faulting RIP at 0x20008 and the error code at
 * 0x20018, and skips the 3-byte MOV to CR4.  CR4 afterwards is at 0x20010.
 */
GUEST_CODE(cr4_guest, ".code64",
	"mov %cr4, %rax\n"
	"or 0x20100, %rax\n"
	".globl cr4_write\n"
	"cr4_write:\n"
	"mov %rax, %cr4\n"
	"mov %cr4, %rax\n"
	"mov %rax, 0x20010\n"
	"hlt\n"
	".globl cr4_gp\n"
	"cr4_gp:\n"
	"popq 0x20018\n"
	"mov (%rsp), %rbx\n"
	"mov %rbx, 0x20008\n"
	"addq $3, (%rsp)\n"
	"incq 0x20000\n"
	"iretq\n");
GUEST_LABEL(cr4_write);
GUEST_LABEL(cr4_gp);

static uint64_t *result(struct vcpu *v, unsigned int i)
{
	return (uint64_t *)vm_host(v->vm, RESULT_GPA) + i;
}

/*
 * Whether this CPU raises #AC for a misaligned load at CPL 3 with
 * EFLAGS.AC set (Linux sets CR0.AM): an emulated CPU may not.
 */
static volatile sig_atomic_t ac_seen;
extern const char ac_probe_load[], ac_probe_next[];

static void ac_probe_sigbus(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)si;
	if (uc->uc_mcontext.gregs[REG_RIP] != (greg_t)ac_probe_load)
		_exit(CASE_FAIL);
	ac_seen = 1;
	uc->uc_mcontext.gregs[REG_EFL] &= ~RFLAGS_AC;
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)ac_probe_next;
}

static __attribute__((noinline)) bool host_raises_ac(void)
{
	struct sigaction sa = { .sa_sigaction = ac_probe_sigbus,
				.sa_flags = SA_SIGINFO };
	static uint32_t buf[2];
	uint32_t val;

	sigaction(SIGBUS, &sa, NULL);
	ac_seen = 0;
	asm volatile("pushfq\n"
		     "orl $0x40000, (%%rsp)\n"
		     "popfq\n"
		     ".globl ac_probe_load\n"
		     "ac_probe_load:\n"
		     "movl (%1), %0\n"
		     ".globl ac_probe_next\n"
		     "ac_probe_next:\n"
		     "pushfq\n"
		     "andl $~0x40000, (%%rsp)\n"
		     "popfq\n"
		     : "=r"(val) : "r"((char *)buf + 1) : "memory", "cc");
	(void)val;
	signal(SIGBUS, SIG_DFL);
	return ac_seen;
}

/* Writes a 32-bit interrupt gate for @vector to @sel:@handler. */
static void idt_gate32(struct vm *vm, unsigned int vector, uint16_t sel,
		       uint32_t handler)
{
	uint64_t *gate = vm_host(vm, IDT_GPA + vector * 8ULL);

	*gate = (handler & 0xffff) | ((uint64_t)sel << 16) | (0x8eULL << 40) |
		((uint64_t)(handler >> 16) << 48);
}

static int test_ac_loop(void)
{
	struct minivmm_sregs sr;
	struct vcpu *v;
	uint64_t *gdt;
	uint32_t *res;
	int rc;

	if (!host_raises_ac())
		return case_skip("this CPU raises no #AC for a misaligned load at CPL 3 with EFLAGS.AC");
	v = GUEST_CREATE(MODE_PROT32, ac_guest);
	CHECK(v, "guest setup failed");
	gdt = vm_host(v->vm, GDT_GPA);
	gdt[SEL_UCODE32 / 8] = DESC_UCODE32;
	gdt[SEL_UDATA / 8] = DESC_UDATA;
	CHECK_OK(vcpu_get_sregs(v, &sr), "GET_SREGS");
	sr.gdt.limit = SEL_UDATA + 8 - 1;
	CHECK_OK(vcpu_set_sregs(v, &sr), "SET_SREGS with the user segments");
	idt_gate32(v->vm, 17, SEL_UCODE32 | 3,
		   GUEST_ADDR(ac_guest, ac_handler));
	res = vm_host(v->vm, RESULT_GPA);
	res[0] = GUEST_ADDR(ac_guest, ac_user);
	res[1] = 0x60001;			/* odd ESP */

	v->timeout_s = LOOP_ALARM_S;
	rc = vcpu_run(v);
	if (rc == 0) {
		tap_diag("RUN returned an exit instead of EINTR");
		vcpu_dump(v);
		return CASE_FAIL;
	}
	CHECK(v->last_errno == EINTR, "RUN failed with %s, want EINTR",
	      strerror(v->last_errno));
	CHECK(v->timed_out, "EINTR, but not from the alarm");
	return CASE_PASS;
}

static int test_db_loop(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, db_loop_guest);
	uint64_t *gate, ist = DB_IST;
	int rc;

	CHECK(v, "guest setup failed");
	vm_idt_set64(v->vm, 1, GUEST_ADDR(db_loop_guest, db_loop_iret));
	gate = vm_host(v->vm, IDT_GPA + 16);
	*gate |= 1ULL << 32;			/* IST1 */
	memcpy(vm_host(v->vm, TSS_GPA + TSS_IST1), &ist, sizeof(ist));
	v->timeout_s = LOOP_ALARM_S;
	rc = vcpu_run(v);
	if (rc < 0) {
		CHECK(v->last_errno == EINTR && v->timed_out,
		      "RUN failed: %s", strerror(v->last_errno));
		tap_diag("RUN ended by the alarm (the guest still ran)");
		return CASE_PASS;
	}
	if (v->run->exit_reason != MINIVMM_EXIT_IO ||
	    v->run->io.port != PORT_DONE) {
		tap_diag("want the guest's OUT 0x%x or EINTR", PORT_DONE);
		vcpu_dump(v);
		return CASE_FAIL;
	}
	return CASE_PASS;
}

/* Runs until an OUT to @port and returns its 32-bit value in *val. */
static bool run_to_out(struct vcpu *v, uint16_t port, uint32_t *val)
{
	if (!vcpu_run_expect(v, MINIVMM_EXIT_IO))
		return false;
	if (v->run->io.port != port || v->run->io.size != 4 ||
	    v->run->io.direction != MINIVMM_IO_OUT) {
		tap_diag("OUT to port 0x%x size %u, want 0x%x size 4",
			 v->run->io.port, v->run->io.size, port);
		return false;
	}
	memcpy(val, vcpu_io_data(v), sizeof(*val));
	return true;
}

static int test_single_step_dr6(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, step_guest);
	uint32_t dr6, rip;

	CHECK(v, "guest setup failed");
	vm_idt_set64(v->vm, 1, GUEST_ADDR(step_guest, step_db));
	CHECK(run_to_out(v, PORT_DR6, &dr6), "no DR6 from the #DB handler");
	CHECK(dr6 & DR6_BS, "DR6 0x%x in the guest's #DB handler lacks BS",
	      dr6);
	CHECK(run_to_out(v, PORT_RIP, &rip), "no RIP from the #DB handler");
	CHECK_EQ(rip, GUEST_ADDR(step_guest, step_next),
		 "pushed RIP (the stepped NOP is at 0x%llx)",
		 (unsigned long long)GUEST_ADDR(step_guest, step_insn));
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT after the step");
	return CASE_PASS;
}

static const char *const dr_names[] = { "DR0", "DR1", "DR2", "DR3", "DR7" };

static int test_dr_isolation(void)
{
	static const uint64_t written[] = {
		0x12345678, 0x12345680, 0x12345688, 0x12345690, 0x4ff,
	};
	struct vcpu *a, *b;
	cpu_set_t set;
	unsigned int i;
	int cpu = sched_getcpu();

	CHECK(cpu >= 0, "sched_getcpu: %s", strerror(errno));
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	CHECK_OK(sched_setaffinity(0, sizeof(set), &set), "pin to CPU %d",
		 cpu);
	a = GUEST_CREATE(MODE_LONG, dr_write_guest);
	CHECK(a, "VM A setup failed");
	b = GUEST_CREATE(MODE_LONG, dr_read_guest);
	CHECK(b, "VM B setup failed");

	CHECK(vcpu_run_expect(a, MINIVMM_EXIT_HLT), "VM A did not halt");
	for (i = 0; i < ARRAY_SIZE(written); i++) {
		uint64_t got = *result(a, i);

		/* DR7 reads back with its fixed bit 10 set. */
		CHECK_EQ(got, written[i] | (i == 4 ? DR7_RESET : 0),
			 "VM A reads back its own %s", dr_names[i]);
	}
	CHECK(vcpu_run_expect(b, MINIVMM_EXIT_HLT), "VM B did not halt");
	for (i = 0; i < ARRAY_SIZE(written); i++)
		CHECK_EQ(*result(b, i), i == 4 ? DR7_RESET : 0,
			 "VM B's %s after VM A ran on CPU %d", dr_names[i],
			 cpu);
	return CASE_PASS;
}

/* The signal that ends a child executing ICEBP: SIGTRAP from a #DB. */
static int host_icebp_signal(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		signal(SIGTRAP, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		asm volatile(".byte 0xf1");
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static int test_icebp(void)
{
	struct vcpu *v;
	int sig = host_icebp_signal();

	if (sig == SIGILL)
		return case_skip("ICEBP (F1) raises #UD on this CPU");
	CHECK_EQ(sig, SIGTRAP, "signal from ICEBP in a host process");
	v = GUEST_CREATE(MODE_LONG, icebp_guest);
	CHECK(v, "guest setup failed");
	vm_idt_set64(v->vm, 1, GUEST_ADDR(icebp_guest, icebp_db));
	vm_idt_set64(v->vm, 6, GUEST_ADDR(icebp_guest, icebp_ud));
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT),
	      "ICEBP did not reach the guest's #DB handler and return");
	CHECK_EQ(*result(v, 2), 0, "RIP of a #UD in the guest");
	CHECK_EQ(*result(v, 1), 1, "#DB handler runs");
	CHECK_EQ(*result(v, 0), GUEST_ADDR(icebp_guest, icebp_next),
		 "pushed RIP: the byte after F1");
	return CASE_PASS;
}

static uint32_t rdpkru(void)
{
	uint32_t eax, edx;

	asm volatile("rdpkru" : "=a"(eax), "=d"(edx) : "c"(0));
	return eax;
}

static void wrpkru(uint32_t val)
{
	asm volatile("wrpkru" : : "a"(val), "c"(0), "d"(0) : "memory");
}

#define GUEST_PKRU	0x55555554u
#define HOST_PKRU	0u	/* all keys open: differs from the guest's */

static int test_pkru(void)
{
	unsigned int a, b, c, d;
	struct vcpu *v;
	uint32_t host;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(c & (1u << 4)))
		return case_skip("the host has no PKU with OSPKE (CPUID.7.0:ECX bit 4 clear)");
	v = GUEST_CREATE(MODE_LONG, pkru_guest);
	CHECK(v, "guest setup failed");
	wrpkru(HOST_PKRU);
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_IO), "no exit after WRPKRU");
	CHECK_EQ(v->run->io.port, PORT_DONE, "exit port");
	host = rdpkru();
	CHECK_EQ(host, HOST_PKRU, "the test thread's PKRU after RUN");
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT after RDPKRU");
	CHECK_EQ(rdpkru(), HOST_PKRU, "the test thread's PKRU after RUN 2");
	CHECK_EQ(*(uint32_t *)result(v, 0), GUEST_PKRU,
		 "the guest's PKRU across its exit");
	return CASE_PASS;
}

/* The guest ORs @bits into CR4: one #GP at the MOV, CR4 unchanged. */
static int cr4_write_faults(uint64_t bits, const char *what)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, cr4_guest);

	CHECK(v, "guest setup failed");
	vm_idt_set64(v->vm, 13, GUEST_ADDR(cr4_guest, cr4_gp));
	*(uint64_t *)vm_host(v->vm, 0x20100) = bits;
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "setting %s", what);
	CHECK_EQ(*result(v, 0), 1, "#GP count after setting %s", what);
	CHECK_EQ(*result(v, 1), GUEST_ADDR(cr4_guest, cr4_write),
		 "#GP RIP (the MOV to CR4)");
	CHECK_EQ(*result(v, 3), 0, "#GP error code");
	CHECK_EQ(*result(v, 2) & bits, 0, "%s in CR4 after the #GP", what);
	return CASE_PASS;
}

static int test_cr4_vmxe(void)
{
	return cr4_write_faults(CR4_VMXE, "CR4.VMXE");
}

/* A CR4 bit, the CPUID leaf/register/bit that says the CPU has it. */
struct cr4_feature {
	const char *name;
	unsigned int cr4_bit, leaf, reg, bit;	/* reg: 1 EBX, 2 ECX */
};

/*
 * Bits the guest could set without other effects on this guest (no SMEP
 * or SMAP: its pages are user pages; no LA57: never writable in long
 * mode, so it cannot tell a check from the architecture).
 */
static const struct cr4_feature cr4_features[] = {
	{ "PKE", 22, 7, 2, 3 },
	{ "FSGSBASE", 16, 7, 1, 0 },
	{ "UMIP", 11, 7, 2, 2 },
	{ "PCIDE", 17, 1, 2, 17 },
	{ "OSXSAVE", 18, 1, 2, 26 },
};

static int test_cr4_host_lacks(void)
{
	unsigned int r[4], i;

	for (i = 0; i < ARRAY_SIZE(cr4_features); i++) {
		const struct cr4_feature *f = &cr4_features[i];

		if (!__get_cpuid_count(f->leaf, 0, &r[0], &r[1], &r[2], &r[3]))
			memset(r, 0, sizeof(r));
		if (r[f->reg] & (1u << f->bit))
			continue;
		tap_diag("the host lacks CR4.%s (bit %u)", f->name,
			 f->cr4_bit);
		return cr4_write_faults(1ULL << f->cr4_bit, f->name);
	}
	return case_skip("the host has every CR4 feature tried (PKE FSGSBASE UMIP PCIDE OSXSAVE)");
}

static const struct test_case cases[] = {
	{ "AC loop at CPL 3 on an odd stack: RUN ends with EINTR",
	  test_ac_loop, 30 },
	{ "DR0 write watch on the DB frame's slot: RUN comes back",
	  test_db_loop, 30 },
	{ "single step: the guest's DB handler sees DR6.BS and the next RIP",
	  test_single_step_dr6, 30 },
	{ "VM B on the same CPU sees reset DR0-DR3/DR7, not VM A's",
	  test_dr_isolation, 30 },
	{ "ICEBP reaches the guest's DB handler, RIP after F1",
	  test_icebp, 30 },
	{ "guest PKRU stays in the guest, host PKRU in the host",
	  test_pkru, 30 },
	{ "guest MOV to CR4 setting VMXE raises GP", test_cr4_vmxe, 30 },
	{ "guest MOV to CR4 setting a bit the host lacks raises GP",
	  test_cr4_host_lacks, 30 },
};

int main(void)
{
	return cases_run(cases, ARRAY_SIZE(cases));
}
