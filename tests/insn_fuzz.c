// SPDX-License-Identifier: GPL-2.0
/*
 * insn_fuzz - guest-instruction fuzzing in two parts, each a case in real,
 * 32-bit protected and 64-bit long mode:
 *
 * 1. Random instruction streams.  Seeded random bytes, weighted towards
 *    system instructions and prefixes (0F xx, segment loads, MOV CR/DR,
 *    IN/OUT, INT/IRET, HLT, CLI/STI, LGDT/LIDT, WRMSR/RDMSR, XSETBV,
 *    CPUID, ...) with random operands, registers (selectors, MSR numbers,
 *    ports, RAM and MMIO addresses) and RFLAGS.IF/TF/AC/DF, run with every
 *    IDT (IVT) entry pointing at a HLT.  The VMM side answers every exit
 *    (IO and MMIO reads with random data), resumes elsewhere in the stream
 *    after a handler ran, resets the vCPU after a triple fault, a failed
 *    entry or an internal error (one time in four with a VM made again),
 *    and kicks a RUN that outlives the per-run limit with a timer signal
 *    (EINTR is expected then).  The case fails on an errno RUN does not
 *    document (docs/api.md), an exit reason it did not ask for, a
 *    malformed exit, a state ioctl that fails, or a RUN that ignores
 *    HANG_TICKS kicks.  The bed fails the run on any BUG/WARNING/Oops;
 *    panic_on_warn is on while the test runs.
 *
 * 2. MMIO decoder check.  Random valid encodings of the instructions the
 *    decoder handles (kmod/x86_decode.c: MOV 88/89/8A/8B, C6/C7 /0, A0-A3
 *    and MOVZX/MOVSX 0F B6/B7/BE/BF) with the prefixes it accepts (66, 67,
 *    segment overrides, F3 on stores, REX.W/R/X/B, repeats, a REX that a
 *    later legacy prefix cancels) and every addressing form (16-bit pairs,
 *    SIB, disp8/16/32, absolute, RIP- and EIP-relative, moffs), aimed at
 *    an address no slot holds, through random segment bases.  The
 *    generator knows the access, so it checks the MMIO exit's address,
 *    size, direction and written data; for a load the random 8 bytes it
 *    answers must land in the right register with the right merge or
 *    zero/sign-extension; GET_REGS after the HLT that follows must show
 *    every other register and RFLAGS unchanged and RIP past the
 *    instruction.  With RFLAGS.TF the instruction must end in a
 *    single-step #DB whose frame holds the next RIP.  Valid memory
 *    instructions the decoder refuses (ALU ops, XCHG, CMPXCHG, XADD,
 *    IMUL, MOV m16,Sreg ...) must end the run with INTERNAL_ERROR/EMULATION
 *    holding their bytes, RIP and the registers untouched.
 *
 *    Left out: the moves the decoder does not handle, which are issue
 *    11's (MOVS/STOS/LODS, MOV Sreg from memory (8E), MOVBE, MOVNTI,
 *    SSE/AVX and x87 moves, checked above only as refusals if at all);
 *    C6/C7 with REX.R or a ModRM.reg other than 0; and the prefixes that
 *    make a MOV #UD or change it into another instruction (LOCK, F2, F3
 *    on loads and on 0F forms).
 *
 * Environment:
 *  MINIVMM_FUZZ_SECONDS  the whole test's budget in seconds of the bed's
 *                        clock, split evenly over its cases; default 60,
 *                        and 2 in the Bochs beds (the CI's critical path),
 *                        where a second of this test cost about 100 s of
 *                        host CPU (the clock follows the guest's
 *                        instructions; VM exits cost far more).
 *  MINIVMM_FUZZ_SEED     the seed (decimal or 0x hex); default: from the
 *                        clock.  It is printed first.  Iteration i of a
 *                        case draws its bytes from the seed and i alone;
 *                        a failure prints the seed, i and the instruction
 *                        bytes, and the same seed runs the same sequence
 *                        again (in part 1 up to where a kick's timing
 *                        differs).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "lib/case.h"
#include "lib/guest.h"
#include "x86_setup.h"

#define HANDLERS_GPA	0xc000ULL	/* 256 HLT stubs of 8 bytes */
#define STUB_SIZE	8
#define SNAP_SIZE	CODE_GPA	/* tables and stubs, restored */
#define STREAM_SIZE	0x1000		/* random code at CODE_GPA */
#define REAL_MEM_SIZE	0x80000ULL	/* real mode: MMIO above 512 KiB */
#define KICK_MS		50		/* per-run limit */
#define HANG_TICKS	200		/* kicks a RUN may ignore */
#define EXITS_PER_ITER	64

static const char *const mode_names[] = { "real", "32-bit", "64-bit" };

/* ---- seeded random numbers (splitmix64) ---- */

static uint64_t fuzz_seed;
static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd_below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static bool chance(unsigned int pct)
{
	return rnd_below(100) < pct;
}

/* The stream of iteration @iter of part @part in @mode. */
static void rng_iter(unsigned int part, enum guest_mode mode, uint64_t iter)
{
	rng = fuzz_seed ^ ((uint64_t)part << 60) ^ ((uint64_t)mode << 56) ^
	      (iter * 0x2545f4914f6cdd1dULL);
	rnd();
}

/* ---- budget ---- */

static double case_seconds;

/*
 * The QEMU bed's CPU (TCG) applies a REX prefix that a legacy prefix
 * follows, which the SDM and APM say is ignored (so does x86_decode.c):
 * there the generator places REX only right before the opcode.
 */
static bool stray_rex;

static void budget_init(void)
{
	const char *bed = getenv("MINIVMM_BED");
	const char *s = getenv("MINIVMM_FUZZ_SECONDS");
	double total = bed && !strncmp(bed, "bochs", 5) ? 2 : 60;

	stray_rex = !bed || strncmp(bed, "qemu", 4);

	if (s && atof(s) > 0)
		total = atof(s);
	case_seconds = total / 6;
	s = getenv("MINIVMM_FUZZ_SEED");
	if (s && *s)
		fuzz_seed = strtoull(s, NULL, 0);
	else
		fuzz_seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
}

/* ---- the guest: one slot, tables, HLT stubs on every vector ---- */

struct env {
	enum guest_mode mode;
	struct vm *vm;
	struct vcpu *v;
	uint64_t mem_size;
	uint8_t *mem;
	uint8_t snap[SNAP_SIZE];
};

static void env_stubs(struct env *e)
{
	unsigned int i;

	memset(e->mem + HANDLERS_GPA, 0xf4, 256 * STUB_SIZE);
	for (i = 0; i < 256; i++) {
		uint64_t h = HANDLERS_GPA + i * STUB_SIZE;

		if (e->mode == MODE_REAL)
			((uint32_t *)e->mem)[i] =
				(uint32_t)(HANDLERS_GPA >> 4) << 16 |
				(i * STUB_SIZE);
		else if (e->mode == MODE_PROT32)
			vm_idt_set32(e->vm, i, (uint32_t)h);
		else
			vm_idt_set64(e->vm, i, h);
	}
}

static void env_free(struct env *e)
{
	vcpu_free(e->v);
	vm_free(e->vm);
	e->v = NULL;
	e->vm = NULL;
}

static int env_create(struct env *e, enum guest_mode mode)
{
	e->mode = mode;
	e->mem_size = mode == MODE_REAL ? REAL_MEM_SIZE : STD_MEM_SIZE;
	e->vm = vm_create();
	if (!e->vm)
		return -1;
	e->mem = vm_add_mem(e->vm, 0, 0, e->mem_size, 0);
	if (!e->mem)
		goto free_vm;
	vm_build_tables(e->vm);
	env_stubs(e);
	memcpy(e->snap, e->mem, SNAP_SIZE);
	e->v = vcpu_create(e->vm, 0);
	if (!e->v)
		goto free_vm;
	e->v->timeout_s = 0;	/* the kick timer is ours */
	return 0;
free_vm:
	vm_free(e->vm);
	e->vm = NULL;
	return -1;
}

/* x86 GPR number (0 rax, 1 rcx ... 15 r15) to its minivmm_regs field. */
static uint64_t *gpr(struct minivmm_regs *r, unsigned int n)
{
	static const unsigned char idx[16] = {
		0, 2, 3, 1, 6, 7, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15,
	};

	return &((uint64_t *)r)[idx[n & 15]];
}

static const char *const gpr_names[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static void bytes_diag(const char *what, const uint8_t *b, unsigned int n)
{
	char s[3 * 64 + 1];
	unsigned int i;

	for (i = 0; i < n && i < 64; i++)
		snprintf(s + 3 * i, 4, "%02x ", b[i]);
	s[3 * i] = 0;
	tap_diag("%s: %s", what, s);
}

/* ---- the kick timer ---- */

static volatile sig_atomic_t in_run, ticks;
static char hang_msg[256];
static size_t hang_len;

static void kick(int sig)
{
	(void)sig;
	if (!in_run)
		return;
	if (++ticks > HANG_TICKS) {
		if (write(STDOUT_FILENO, hang_msg, hang_len) < 0)
			_exit(CASE_FAIL + 2);
		_exit(CASE_FAIL);
	}
}

static void kick_init(void)
{
	struct sigaction sa = { .sa_handler = kick };

	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: RUN gets EINTR */
}

/* A case's guest in @mode: CASE_PASS, or the case's skip or failure. */
static int env_open(struct env *e, enum guest_mode mode)
{
	int sys = sys_open();
	long cap;

	CHECK(sys >= 0, "no /dev/minivmm");
	cap = ioctl(sys, MINIVMM_CHECK_CAP, MINIVMM_CAP_UNRESTRICTED_GUEST);
	close(sys);
	if (mode == MODE_REAL && cap <= 0)
		return case_skip("MINIVMM_CAP_UNRESTRICTED_GUEST is absent");
	kick_init();
	CHECK(!env_create(e, mode), "guest setup failed");
	return CASE_PASS;
}

/* RUN with the kick armed; @what names the run if it hangs. */
static int run_kicked(struct env *e, const char *what, uint64_t iter)
{
	struct itimerval it = {
		.it_interval = { 0, KICK_MS * 1000 },
		.it_value = { 0, KICK_MS * 1000 },
	};
	struct itimerval off = { 0 };
	int rc;

	hang_len = snprintf(hang_msg, sizeof(hang_msg),
			    "# HANG: RUN ignored %d kicks of %d ms: %s mode %s seed 0x%llx iteration %llu\n",
			    HANG_TICKS, KICK_MS, what, mode_names[e->mode],
			    (unsigned long long)fuzz_seed,
			    (unsigned long long)iter);
	if (hang_len >= sizeof(hang_msg))
		hang_len = sizeof(hang_msg) - 1;
	ticks = 0;
	in_run = 1;
	setitimer(ITIMER_REAL, &it, NULL);
	rc = vcpu_run(e->v);
	setitimer(ITIMER_REAL, &off, NULL);
	in_run = 0;
	return rc;
}

/* ---- part 1: random instruction streams ---- */

static const uint32_t msr_pool[] = {
	0x10, 0x1b, 0x3a, 0x48, 0x49, 0x8b, 0x174, 0x175, 0x176, 0x179,
	0x17a, 0x1a0, 0x1d9, 0x200, 0x20f, 0x250, 0x277, 0x2ff, 0x6e0,
	0x802, 0x808, 0x80b, 0x830, 0x838, 0x8ff, 0xc0000080, 0xc0000081,
	0xc0000082, 0xc0000083, 0xc0000084, 0xc0000100, 0xc0000101,
	0xc0000102, 0xc0000103, 0xc0010015, 0xc0010114, 0xc0010117,
	0x40000000, 0xffffffff,
};

static const uint16_t port_pool[] = {
	0x20, 0x21, 0x40, 0x43, 0x60, 0x64, 0x70, 0x71, 0x80, 0xa0, 0x3f8,
	0x3fd, 0x440, 0xcf8, 0xcfc, 0xffff,
};

/* GDT selectors, with RPL 3, and past the GDT's limit. */
static const uint16_t sel_pool[] = {
	0, 0x08, 0x10, 0x18, 0x20, 0x28, 0x30, 0x38, 0x0b, 0x13, 0x1b, 0x23,
	0x33, 0x1000, 0xffff,
};

/*
 * A register value: small, a selector, in RAM, in MMIO, an MSR or port,
 * or random.
 */
static uint64_t fuzz_value(const struct env *e)
{
	switch (rnd_below(9)) {
	case 0:
		return chance(50) ? rnd_below(16) :
				    sel_pool[rnd_below(ARRAY_SIZE(sel_pool))];
	case 1:
	case 8:
		return rnd_below((uint32_t)e->mem_size);
	case 2:
		return MMIO_GPA + rnd_below(0x10000);
	case 3:
		return msr_pool[rnd_below(ARRAY_SIZE(msr_pool))];
	case 4:
		return port_pool[rnd_below(ARRAY_SIZE(port_pool))];
	case 5:
		return ~0ULL << rnd_below(64);
	default:
		return rnd();
	}
}

/* Two-byte system opcodes after 0F, each followed by operand bytes. */
static const uint8_t sys0f[] = {
	0x00, 0x01, 0x02, 0x03, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0b, 0x0d,
	0x18, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x30, 0x31, 0x32, 0x33, 0x34,
	0x35, 0x37, 0x78, 0x79, 0xa0, 0xa1, 0xa2, 0xa8, 0xa9, 0xaa, 0xae,
	0xb2, 0xb4, 0xb5, 0xc7, 0xff,
};

/* 0F 01 with a register form: VMCALL ... RDTSCP, XGETBV, XSETBV ... */
static const uint8_t op0f01[] = {
	0xc1, 0xc2, 0xc3, 0xc4, 0xc8, 0xc9, 0xca, 0xcb, 0xd0, 0xd1, 0xd8,
	0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xee, 0xef, 0xf8, 0xf9,
};

/* One-byte system and control-flow opcodes. */
static const uint8_t sys1[] = {
	0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x62, 0x63, 0x6c, 0x6d,
	0x6e, 0x6f, 0x8c, 0x8e, 0x9a, 0x9c, 0x9d, 0x9e, 0x9f, 0xc4, 0xc5,
	0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd6, 0xe4, 0xe5,
	0xe6, 0xe7, 0xea, 0xec, 0xed, 0xee, 0xef, 0xf1, 0xf4, 0xfa, 0xfb,
	0xff, 0xe2, 0xeb, 0xe8,
};

static const uint8_t legacy_prefixes[] = {
	0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3,
};

struct stream {
	uint8_t b[STREAM_SIZE];
	unsigned int n;
};

static void put(struct stream *s, uint8_t b)
{
	if (s->n < sizeof(s->b))
		s->b[s->n++] = b;
}

static void put_rnd(struct stream *s, unsigned int n)
{
	while (n--)
		put(s, (uint8_t)rnd());
}

/* mov $imm, %reg (B8+r): sets up an MSR, port or address operand. */
static void put_mov_imm(struct stream *s, const struct env *e, uint8_t reg,
			uint64_t v)
{
	unsigned int i, n = e->mode == MODE_REAL ? 2 : 4;

	if (e->mode == MODE_REAL && chance(50)) {
		put(s, 0x66);
		n = 4;
	}
	put(s, 0xb8 + reg);
	for (i = 0; i < n; i++)
		put(s, (uint8_t)(v >> (8 * i)));
}

static void stream_item(struct stream *s, const struct env *e)
{
	unsigned int k = rnd_below(100);

	if (k < 15) {
		/* prefixes, then whatever comes next */
		unsigned int i, n = 1 + rnd_below(3);

		for (i = 0; i < n; i++)
			put(s, legacy_prefixes[rnd_below(sizeof(legacy_prefixes))]);
		if (e->mode == MODE_LONG && chance(50))
			put(s, 0x40 | rnd_below(16));
	} else if (k < 40) {
		put(s, 0x0f);
		put(s, sys0f[rnd_below(sizeof(sys0f))]);
		put(s, chance(50) ? 0xc0 | (uint8_t)rnd() : (uint8_t)rnd());
		put_rnd(s, rnd_below(5));
	} else if (k < 50) {
		put(s, 0x0f);
		put(s, 0x01);
		if (chance(60)) {
			put(s, op0f01[rnd_below(sizeof(op0f01))]);
		} else {
			/* SGDT/SIDT/LGDT/LIDT/SMSW/LMSW/INVLPG m */
			put(s, (uint8_t)(rnd_below(8) << 3 | rnd_below(8) |
					 rnd_below(3) << 6));
			put_rnd(s, rnd_below(5));
		}
	} else if (k < 70) {
		put(s, sys1[rnd_below(sizeof(sys1))]);
		put_rnd(s, rnd_below(4));
	} else if (k < 80) {
		/* an operand for what follows: ecx (MSR), edx (port), eax */
		static const uint8_t regs[] = { 0, 1, 2, 3, 6, 7 };

		put_mov_imm(s, e, regs[rnd_below(sizeof(regs))], fuzz_value(e));
	} else if (k < 85) {
		/* MOV to a segment register or CR/DR from a chosen value */
		if (chance(50)) {
			put(s, 0x8e);
			put(s, 0xc0 | (uint8_t)rnd_below(64));
		} else {
			put(s, 0x0f);
			put(s, 0x20 + rnd_below(4));
			put(s, 0xc0 | (uint8_t)rnd_below(64));
		}
	} else {
		put_rnd(s, 1 + rnd_below(8));
	}
}

static void stream_make(struct stream *s, const struct env *e)
{
	s->n = 0;
	while (s->n < sizeof(s->b))
		stream_item(s, e);
}

struct fuzz_stats {
	unsigned long iters, runs, kicks, io, mmio, hlt, handler, shutdown,
		      fail_entry, internal[4], new_vms, efault;
	unsigned long vectors[256];
};

/* The state a stream starts from: the mode's, random GPRs, rip in it. */
static int fuzz_state(struct env *e, unsigned int start)
{
	struct minivmm_regs r;
	unsigned int i;

	memcpy(e->mem, e->snap, SNAP_SIZE);
	if (vcpu_set_mode(e->v, e->mode))
		return -1;
	if (vcpu_get_regs(e->v, &r)) {
		tap_diag("GET_REGS: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < 16; i++)
		if (i != 4)
			*gpr(&r, i) = fuzz_value(e);
	if (e->mode != MODE_LONG)
		for (i = 0; i < 16; i++)
			*gpr(&r, i) &= 0xffffffff;
	r.rip += start;
	if (chance(30))
		r.rflags |= 0x200;	/* IF: STI/CLI/HLT with interrupts on */
	if (chance(10))
		r.rflags |= 0x100;	/* TF: a #DB after every instruction */
	if (chance(10))
		r.rflags |= 0x40400;	/* AC and DF */
	if (vcpu_set_regs(e->v, &r)) {
		tap_diag("SET_REGS: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The failure diagnostics of part 1: where, and the bytes at rip. */
static void fuzz_fail_diag(struct env *e, uint64_t iter)
{
	struct minivmm_sregs sr;
	struct minivmm_regs r;
	uint64_t lin;

	tap_diag("seed 0x%llx (MINIVMM_FUZZ_SEED), %s mode, iteration %llu",
		 (unsigned long long)fuzz_seed, mode_names[e->mode],
		 (unsigned long long)iter);
	vcpu_dump(e->v);
	if (vcpu_get_sregs(e->v, &sr) || vcpu_get_regs(e->v, &r))
		return;
	lin = sr.cs.base + r.rip;
	if (lin < e->mem_size - 16)
		bytes_diag("bytes at cs:rip (linear = physical?)",
			   e->mem + lin, 16);
}

/* Answers one exit; returns 1 to go on, 0 to start over, -1 to fail. */
static int fuzz_exit(struct env *e, struct fuzz_stats *st)
{
	struct minivmm_run *run = e->v->run;
	struct minivmm_sregs sr;
	struct minivmm_regs r;
	size_t bytes;
	uint8_t *d;
	unsigned int i;

	if (vcpu_get_regs(e->v, &r) || vcpu_get_sregs(e->v, &sr)) {
		tap_diag("GET_REGS/GET_SREGS after exit %u: %s",
			 run->exit_reason, strerror(errno));
		return -1;
	}
	switch (run->exit_reason) {
	case MINIVMM_EXIT_IO:
		st->io++;
		bytes = (size_t)run->io.count * run->io.size;
		if ((run->io.size != 1 && run->io.size != 2 &&
		     run->io.size != 4) || !run->io.count ||
		    run->io.direction > MINIVMM_IO_OUT ||
		    run->io.data_offset + bytes > e->v->mmap_size) {
			tap_diag("malformed IO exit");
			return -1;
		}
		d = vcpu_io_data(e->v);
		if (run->io.direction == MINIVMM_IO_IN)
			for (i = 0; i < bytes; i++)
				d[i] = (uint8_t)rnd();
		return 1;
	case MINIVMM_EXIT_MMIO:
		st->mmio++;
		if ((run->mmio.len != 1 && run->mmio.len != 2 &&
		     run->mmio.len != 4 && run->mmio.len != 8) ||
		    run->mmio.phys_addr < e->mem_size) {
			tap_diag("malformed MMIO exit (len %u at 0x%llx, RAM below 0x%llx)",
				 run->mmio.len,
				 (unsigned long long)run->mmio.phys_addr,
				 (unsigned long long)e->mem_size);
			return -1;
		}
		if (!run->mmio.is_write)
			for (i = 0; i < 8; i++)
				run->mmio.data[i] = (uint8_t)rnd();
		return 1;
	case MINIVMM_EXIT_HLT:
		st->hlt++;
		if (sr.cs.base + r.rip - 1 >= HANDLERS_GPA &&
		    sr.cs.base + r.rip - 1 < HANDLERS_GPA + 256 * STUB_SIZE) {
			st->handler++;
			st->vectors[(sr.cs.base + r.rip - 1 - HANDLERS_GPA) /
				    STUB_SIZE]++;
			/* resume the stream somewhere else */
			return fuzz_state(e, rnd_below(STREAM_SIZE)) ? -1 : 1;
		}
		return 1;
	case MINIVMM_EXIT_SHUTDOWN:
		st->shutdown++;
		return 0;
	case MINIVMM_EXIT_FAIL_ENTRY:
		st->fail_entry++;
		return 0;
	case MINIVMM_EXIT_INTERNAL_ERROR:
		if (run->internal.suberror < MINIVMM_INTERNAL_ERROR_EMULATION ||
		    run->internal.suberror > MINIVMM_INTERNAL_ERROR_DELIVERY_EV ||
		    run->internal.ndata > 16) {
			tap_diag("malformed INTERNAL_ERROR exit");
			return -1;
		}
		st->internal[run->internal.suberror]++;
		return 0;
	default:
		tap_diag("exit %u (%s) that was not asked for",
			 run->exit_reason, exit_name(run->exit_reason));
		return -1;
	}
}

/* Runs stream @iter; 0 when done, -1 on a failure. */
static int fuzz_iter(struct env *e, struct fuzz_stats *st, uint64_t iter)
{
	static struct stream s;
	unsigned int n;
	int ret;

	rng_iter(1, e->mode, iter);
	stream_make(&s, e);
	if (fuzz_state(e, 0))
		goto fail;
	memcpy(e->mem + CODE_GPA, s.b, s.n);
	for (n = 0; n < EXITS_PER_ITER; n++) {
		st->runs++;
		if (run_kicked(e, "random stream", iter)) {
			if (e->v->last_errno == EINTR) {
				st->kicks++;
				return 0;
			}
			/* Kernel-side failures RUN documents. */
			if (e->v->last_errno == EFAULT ||
			    e->v->last_errno == ENOMEM) {
				st->efault++;
				tap_diag("RUN: %s (documented), iteration %llu",
					 strerror(e->v->last_errno),
					 (unsigned long long)iter);
				return 0;
			}
			tap_diag("RUN failed with %s, not documented for RUN",
				 strerror(e->v->last_errno));
			goto fail;
		}
		ret = fuzz_exit(e, st);
		if (ret < 0)
			goto fail;
		if (!ret)
			break;
	}
	/*
	 * After a triple fault, a failed entry or an internal error the vCPU
	 * is reset by the next fuzz_state(); one time in four the whole VM
	 * is made again instead, so both paths run.
	 */
	if (n < EXITS_PER_ITER && chance(25)) {
		env_free(e);
		st->new_vms++;
		if (env_create(e, e->mode))
			return -1;
	}
	return 0;
fail:
	fuzz_fail_diag(e, iter);
	bytes_diag("stream start", s.b, 64);
	return -1;
}

static int fuzz_run(enum guest_mode mode)
{
	static struct fuzz_stats st;
	struct env e;
	double end;
	uint64_t iter;
	unsigned int i, nvec = 0;
	int ret = env_open(&e, mode);

	if (ret != CASE_PASS)
		return ret;
	end = now_s() + case_seconds;
	for (iter = 0; now_s() < end; iter++) {
		st.iters++;
		if (fuzz_iter(&e, &st, iter))
			return CASE_FAIL;
	}
	for (i = 0; i < 256; i++)
		nvec += !!st.vectors[i];
	tap_diag("%s: %lu streams, %lu runs: %lu kicks, %lu IO, %lu MMIO, %lu HLT (%lu in handlers, %u vectors), %lu shutdowns, %lu failed entries, internal errors %lu/%lu/%lu, %lu VMs made again, %lu EFAULT/ENOMEM",
		 mode_names[mode], st.iters, st.runs, st.kicks, st.io, st.mmio,
		 st.hlt, st.handler, nvec, st.shutdown, st.fail_entry,
		 st.internal[1], st.internal[2], st.internal[3], st.new_vms,
		 st.efault);
	CHECK(st.iters > 0, "no stream ran");
	env_free(&e);
	return CASE_PASS;
}


/* ---- part 2: the MMIO decoder check ---- */

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_NONE };

static const uint8_t seg_prefix[6] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };

struct mmio_insn {
	uint8_t b[16];
	unsigned int len;
	char form[96];

	bool reject;		/* the decoder must refuse it */
	bool write;
	uint64_t gpa;
	unsigned int size;	/* bytes accessed */
	uint64_t wdata;		/* a store's bytes */
	int dst;		/* a load's register, -1 for none */
	unsigned int dst_size;
	bool high8, sx;
};

/* Per-iteration state: the segment bases and the registers. */
struct mmio_ctx {
	enum guest_mode mode;
	uint64_t mem_size;
	uint64_t seg_base[6];
	uint64_t reg[16];
	bool reg_used[16];	/* set by the addressing */
};

static void emit(struct mmio_insn *in, uint8_t b)
{
	if (in->len < sizeof(in->b))
		in->b[in->len++] = b;
}

static void emit_n(struct mmio_insn *in, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		emit(in, (uint8_t)(v >> (8 * i)));
}

static uint64_t mask_of(unsigned int bytes)
{
	return bytes >= 8 ? ~0ULL : (1ULL << (8 * bytes)) - 1;
}

static uint64_t sext(uint64_t v, unsigned int bytes)
{
	unsigned int sh = 64 - 8 * bytes;

	return bytes >= 8 ? v : (uint64_t)((int64_t)(v << sh) >> sh);
}


/*
 * A register's value for an address of @asz bytes that must read as
 * @v: above the address size the bits are random (ignored by the CPU),
 * except bits 63:32 outside 64-bit mode, which stay 0.
 */
static uint64_t addr_reg(const struct mmio_ctx *c, uint64_t v,
			 unsigned int asz)
{
	uint64_t r = (v & mask_of(asz)) | (rnd() & ~mask_of(asz));

	return c->mode == MODE_LONG ? r : r & 0xffffffff;
}

/* A memory operand chosen before its values: which registers, which disp. */
struct operand {
	unsigned int mod, rm;
	bool sib;
	unsigned int scale_bits, index_field, base_field;
	int base, index;	/* GPRs, -1 for none */
	unsigned int dsz;	/* displacement bytes */
	bool rip_rel;
	int def_seg;
};

static const int8_t base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
static const int8_t index16[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };

static void operand_plan(struct operand *o, const struct mmio_ctx *c,
			 unsigned int asz, uint8_t rex)
{
	memset(o, 0, sizeof(*o));
	o->mod = rnd_below(3);
	o->def_seg = SEG_DS;
	o->base = -1;
	o->index = -1;
	if (asz == 2) {
		o->rm = rnd_below(8);
		if (o->mod == 0 && o->rm == 6) {
			o->dsz = 2;
			return;
		}
		o->base = base16[o->rm];
		o->index = index16[o->rm];
		if (o->base == 5)
			o->def_seg = SEG_SS;
		o->dsz = o->mod == 1 ? 1 : o->mod == 2 ? 2 : 0;
		return;
	}
	o->dsz = o->mod == 1 ? 1 : o->mod == 2 ? 4 : 0;
	o->rm = chance(50) ? 4 : rnd_below(8);
	if (o->rm == 4) {
		o->sib = true;
		o->scale_bits = rnd_below(4);
		o->base_field = rnd_below(8);
		do {
			o->index_field = rnd_below(8);
			o->index = o->index_field | ((rex & 2) ? 8 : 0);
			if (o->index == 4)
				o->index = -1;
			o->base = o->base_field | ((rex & 1) ? 8 : 0);
			if (o->base_field == 5 && o->mod == 0) {
				o->base = -1;
				o->dsz = 4;
			}
		} while (o->index >= 0 && o->index == o->base);
	} else if (o->rm == 5 && o->mod == 0) {
		o->dsz = 4;
		o->rip_rel = c->mode == MODE_LONG;
	} else {
		o->base = o->rm | ((rex & 1) ? 8 : 0);
	}
	if (o->base == 4 || o->base == 5)
		o->def_seg = SEG_SS;
}

/*
 * Emits the operand so that its effective address is @off in the
 * @asz-byte address space, fixing the registers it uses.  Returns the
 * position of a RIP-relative disp32 (patched once the length is known),
 * 0 if there is none, or -1 if the form cannot reach @off.
 */
static int operand_emit(struct mmio_insn *in, struct mmio_ctx *c,
			const struct operand *o, unsigned int asz,
			unsigned int reg_field, uint64_t off)
{
	uint64_t m = mask_of(asz), disp = 0, idx = 0;
	unsigned int scale = 1u << o->scale_bits;
	int pos;

	emit(in, o->mod << 6 | (reg_field & 7) << 3 | o->rm);
	if (o->sib)
		emit(in, o->scale_bits << 6 | o->index_field << 3 |
			 o->base_field);
	pos = in->len;
	if (o->rip_rel) {
		emit_n(in, 0, 4);
		return pos;
	}
	if (o->dsz)
		disp = sext(rnd() >> (o->dsz == 4 ? 34 : 0), o->dsz);
	if (o->index >= 0) {
		if (o->base < 0) {
			/* [index*scale + disp32]: disp takes the remainder */
			uint64_t rem = (off - disp) & m;

			disp += rem % scale;
			idx = ((off - disp) & m) / scale;
		} else {
			idx = rnd();
		}
		c->reg[o->index] = addr_reg(c, idx, asz);
		c->reg_used[o->index] = true;
	}
	if (o->base >= 0) {
		c->reg[o->base] = addr_reg(c, off - disp -
					   c->reg[o->index >= 0 ? o->index : 0] *
					   (o->index >= 0 ? scale : 0), asz);
		c->reg_used[o->base] = true;
	} else if (o->index < 0) {
		/* an absolute disp16/disp32 */
		disp = off;
		if (o->dsz == 4 && asz == 8 && sext(off, 4) != off)
			return -1;
	}
	emit_n(in, disp, o->dsz);
	return 0;
}

/* Where the access must land, and the offset in its segment; -1: none. */
static int target_pick(const struct mmio_ctx *c, int seg, unsigned int asz,
		       unsigned int size, uint64_t *target, uint64_t *off)
{
	uint64_t b = c->seg_base[seg], t, o;

	if (c->mode == MODE_LONG && seg != SEG_FS && seg != SEG_GS)
		b = 0;
	if (c->mode == MODE_REAL || asz == 2) {
		o = rnd_below(0x10000 - size + 1);
		t = (b + o) & 0xffffffff;
		if ((t & 0xfff) + size > 0x1000)
			return -1;
	} else {
		t = MMIO_GPA + (rnd_below(0x100000) & ~0xfffULL) +
		    rnd_below(0x1000 - size + 1);
		o = (t - b) & mask_of(asz);
		if (asz == 4 && o > 0xffffffffULL - 15)
			return -1;
		if (c->mode == MODE_LONG && asz == 4 && t - b != o)
			return -1;
	}
	if (t < c->mem_size || t + size > 0x100000000ULL)
		return -1;
	*target = t;
	*off = o;
	return 0;
}

struct op_form {
	uint8_t op;
	bool two_byte;
	int ext;		/* ModRM.reg is this extension, or -1 */
	const char *name;
};

/* The forms x86_decode.c handles (A0-A3 are built apart). */
static const struct op_form valid_ops[] = {
	{ 0x88, false, -1, "mov m8, r8" }, { 0x89, false, -1, "mov m, r" },
	{ 0x8a, false, -1, "mov r8, m8" }, { 0x8b, false, -1, "mov r, m" },
	{ 0xc6, false, 0, "mov m8, imm8" }, { 0xc7, false, 0, "mov m, imm" },
	{ 0xb6, true, -1, "movzx r, m8" }, { 0xb7, true, -1, "movzx r, m16" },
	{ 0xbe, true, -1, "movsx r, m8" }, { 0xbf, true, -1, "movsx r, m16" },
};

/* Memory instructions the decoder refuses (see the header comment). */
static const struct op_form reject_ops[] = {
	{ 0x01, false, -1, "add" }, { 0x02, false, -1, "add r8" },
	{ 0x09, false, -1, "or" }, { 0x13, false, -1, "adc" },
	{ 0x18, false, -1, "sbb" }, { 0x21, false, -1, "and" },
	{ 0x2b, false, -1, "sub" }, { 0x30, false, -1, "xor" },
	{ 0x39, false, -1, "cmp" }, { 0x3a, false, -1, "cmp r8" },
	{ 0x84, false, -1, "test" }, { 0x87, false, -1, "xchg" },
	{ 0x86, false, -1, "xchg r8" }, { 0x8c, false, 3, "mov m16, ds" },
	{ 0xf6, false, 2, "not m8" }, { 0xf7, false, 3, "neg" },
	{ 0xfe, false, 0, "inc m8" }, { 0xff, false, 1, "dec" },
	{ 0xb1, true, -1, "cmpxchg" }, { 0xc1, true, -1, "xadd" },
	{ 0xaf, true, -1, "imul r, m" },
};

/*
 * The load's result in a register: the architecture's merge/extension,
 * written apart from mvm_insn_load_result() on purpose: the oracle shares
 * no code with what it checks.
 */
static uint64_t load_model(uint64_t old, uint64_t data, unsigned int len,
			   bool sx, unsigned int dst, bool high8)
{
	uint64_t v = data & mask_of(len);

	if (sx)
		v = sext(v, len);
	switch (dst) {
	case 1:
		return high8 ? (old & ~0xff00ULL) | (v & 0xff) << 8 :
			       (old & ~0xffULL) | (v & 0xff);
	case 2:
		return (old & ~0xffffULL) | (v & 0xffff);
	case 4:
		return v & 0xffffffffULL;
	default:
		return v;
	}
}

/*
 * The prefix bytes: the legacy ones in random order, one of them maybe
 * twice, after them REX.  @seg is the override in effect (the last one).
 */
static void prefixes_emit(struct mmio_insn *in, const struct mmio_ctx *c,
			  bool p66, bool p67, int seg, bool f3, uint8_t rex)
{
	uint8_t p[8];
	unsigned int n = 0, i;

	if (p66)
		p[n++] = 0x66;
	if (p67)
		p[n++] = 0x67;
	if (f3)
		p[n++] = 0xf3;
	if (seg != SEG_NONE)
		p[n++] = seg_prefix[seg];
	if (chance(20) && n) {
		p[n] = p[rnd_below(n)];		/* a repeat */
		n++;
	}
	/*
	 * A segment override that a later one replaces.  Two of them are
	 * undefined in the SDM; both beds' CPUs take the last, except that in
	 * 64-bit code Bochs keeps an FS/GS override that a later ES/CS/SS/DS
	 * (no-ops there) follows: there the replaced one is one of those.
	 */
	if (seg != SEG_NONE && chance(20))
		emit(in, seg_prefix[rnd_below(c->mode == MODE_LONG ? 4 : 6)]);
	for (i = n; i > 1; i--) {
		unsigned int j = rnd_below(i);
		uint8_t t = p[i - 1];

		p[i - 1] = p[j];
		p[j] = t;
	}
	/* in 64-bit code a REX before a legacy prefix is ignored */
	if (c->mode == MODE_LONG && stray_rex && n && chance(10))
		emit(in, 0x40 | rnd_below(16));
	for (i = 0; i < n; i++)
		emit(in, p[i]);
	if (rex)
		emit(in, rex);
}

/*
 * Builds one instruction at @rip and fixes the registers it uses; the
 * other registers keep their random values.  Returns -1 to try again.
 */
static int mmio_gen(struct mmio_insn *in, struct mmio_ctx *c, uint64_t rip)
{
	bool lm = c->mode == MODE_LONG, reject = chance(15);
	bool moffs = !reject && chance(15);
	bool p66 = chance(30), p67 = chance(25), f3 = false;
	uint8_t rex = lm && chance(60) ? 0x40 | rnd_below(16) : 0;
	const struct op_form *f = NULL;
	unsigned int opsz, asz, size, reg, reg_field = 0, immsz = 0;
	int seg = chance(50) ? (int)rnd_below(6) : SEG_NONE, patch = 0;
	uint64_t target, off, imm = 0;
	struct operand o;
	uint8_t op;

	memset(in, 0, sizeof(*in));
	in->dst = -1;
	if (moffs) {
		op = 0xa0 + rnd_below(4);
	} else {
		f = reject ? &reject_ops[rnd_below(ARRAY_SIZE(reject_ops))] :
			     &valid_ops[rnd_below(ARRAY_SIZE(valid_ops))];
		op = f->op;
	}
	if (!reject && !moffs && !f->two_byte && (op & ~1) != 0x8a)
		f3 = chance(15);	/* XRELEASE on a store */
	if (f && f->ext >= 0)
		rex &= ~4;		/* no REX.R on an opcode extension */
	opsz = c->mode == MODE_REAL ? (p66 ? 4 : 2) :
	       c->mode == MODE_PROT32 ? (p66 ? 2 : 4) :
	       (rex & 8) ? 8 : p66 ? 2 : 4;
	asz = c->mode == MODE_REAL ? (p67 ? 4 : 2) :
	      c->mode == MODE_PROT32 ? (p67 ? 2 : 4) : p67 ? 4 : 8;
	/* CS is not writable outside 64-bit code; in real mode it is RAM */
	if (seg == SEG_CS && (c->mode == MODE_REAL ||
			      (c->mode == MODE_PROT32 &&
			       (reject || op == 0xa2 || op == 0xa3 ||
				!(op & 2) || op == 0xc6 || op == 0xc7))))
		return -1;

	size = (op & 1) ? opsz : 1;
	if (f && f->two_byte && !reject)
		size = (op & 1) ? 2 : 1;
	if (f && f->op == 0x8c)
		size = 2;
	if (moffs) {
		o.def_seg = SEG_DS;
	} else {
		operand_plan(&o, c, asz, rex);
	}
	if (target_pick(c, seg == SEG_NONE ? o.def_seg : seg, asz, size,
			&target, &off))
		return -1;

	prefixes_emit(in, c, p66, p67, seg, f3, rex);
	if (f && f->two_byte)
		emit(in, 0x0f);
	emit(in, op);
	reg = 0;
	if (moffs) {
		emit_n(in, off, asz);
	} else {
		reg_field = f->ext >= 0 ? (unsigned int)f->ext : rnd_below(8);
		reg = reg_field | ((rex & 4) ? 8 : 0);
		patch = operand_emit(in, c, &o, asz, reg_field, off);
		if (patch < 0)
			return -1;
	}
	if (op == 0xc6 || op == 0xc7) {
		immsz = op == 0xc6 ? 1 : opsz == 8 ? 4 : opsz;
		imm = rnd() & mask_of(immsz);
		emit_n(in, imm, immsz);
	}
	if (in->len > 15)
		return -1;
	if (patch) {
		uint64_t next = rip + in->len;
		uint64_t d = (off - next) & mask_of(asz);

		if (asz == 8 && sext(d, 4) != d)
			return -1;
		memcpy(in->b + patch, &d, 4);
	}

	in->reject = reject;
	in->gpa = target;
	in->size = size;
	snprintf(in->form, sizeof(in->form),
		 "%s%s, op%u ad%u%s%s%s%s", moffs ? "mov moffs " : f->name,
		 moffs ? ((op & 2) ? "store" : "load") : "", opsz, asz,
		 seg != SEG_NONE ? " seg" : "", rex ? " rex" : "",
		 f3 ? " f3" : "", o.rip_rel && !moffs ? " rip-rel" : "");
	if (reject)
		return 0;

	if (moffs) {
		in->write = op & 2;
		reg = 0;
	} else {
		in->write = op == 0x88 || op == 0x89 || op == 0xc6 ||
			    op == 0xc7;
	}
	if (in->write) {
		if (immsz) {
			in->wdata = sext(imm, immsz) & mask_of(size);
		} else if (size == 1 && !rex && reg >= 4) {
			in->wdata = (c->reg[reg - 4] >> 8) & 0xff;
		} else {
			in->wdata = c->reg[reg] & mask_of(size);
		}
		return 0;
	}
	in->dst = reg;
	in->dst_size = size;
	if (f && f->two_byte) {
		in->dst_size = opsz;
		in->sx = op & 8;
	} else if (size == 1 && !rex && reg >= 4) {
		in->dst = reg - 4;
		in->high8 = true;
	}
	return 0;
}

/*
 * The segment bases of an iteration, into @sr.  With @keep_ss the stack
 * segment stays the mode's (RAM), for the #DB a single-step delivers.
 */
static void mmio_segs(struct mmio_ctx *c, struct minivmm_sregs *sr,
		      bool keep_ss)
{
	struct minivmm_segment *s[6] = {
		&sr->es, &sr->cs, &sr->ss, &sr->ds, &sr->fs, &sr->gs,
	};
	unsigned int i;

	for (i = 0; i < 6; i++) {
		if (i == SEG_CS || (i == SEG_SS && keep_ss)) {
			c->seg_base[i] = s[i]->base;
			continue;
		}
		if (c->mode == MODE_REAL) {
			uint16_t sel = 0x8000 + rnd_below(0x8000);

			x86_segment(s[i], sel, (uint64_t)sel << 4, 0xffff,
				    X86_SEG_DATA, 16);
		} else if (c->mode == MODE_PROT32) {
			s[i]->base = chance(30) ? 0 : chance(50) ?
				     MMIO_GPA - rnd_below(0x8000) : rnd() >> 32;
		} else if (i == SEG_FS || i == SEG_GS) {
			/* canonical: 47 bits, sign-extended */
			s[i]->base = chance(50) ?
				     MMIO_GPA - rnd_below(0x100000) :
				     sext(rnd() & ((1ULL << 48) - 1), 6);
		}
		c->seg_base[i] = s[i]->base;
	}
}

static void mmio_fail_diag(const struct mmio_ctx *c, const struct mmio_insn *in,
			   uint64_t iter)
{
	unsigned int i;

	tap_diag("seed 0x%llx (MINIVMM_FUZZ_SEED), %s mode, iteration %llu: %s",
		 (unsigned long long)fuzz_seed, mode_names[c->mode],
		 (unsigned long long)iter, in->form);
	bytes_diag("instruction", in->b, in->len);
	if (in->reject)
		tap_diag("want: INTERNAL_ERROR/EMULATION (the decoder refuses it)");
	else
		tap_diag("want: %s of %u bytes at 0x%llx",
			 in->write ? "write" : "read", in->size,
			 (unsigned long long)in->gpa);
	for (i = 0; i < 6; i++)
		tap_diag("  seg %u base 0x%llx", i,
			 (unsigned long long)c->seg_base[i]);
}

/*
 * With RFLAGS.TF the instruction the kernel completes must end in a
 * single-step #DB (a trap: the frame holds the next instruction), as it
 * would on the CPU: the guest is in the stub of vector 1 with the frame
 * of its mode on the stack.  Checks it and fixes @want's rsp and rip.
 */
static int mmio_single_step(struct env *e, struct minivmm_regs *want,
			    const struct minivmm_regs *got, uint64_t next)
{
	static const unsigned int frame[3] = { 6, 12, 40 };
	unsigned int w = e->mode == MODE_REAL ? 2 : e->mode == MODE_PROT32 ?
			 4 : 8;
	struct minivmm_sregs sr;
	uint64_t ret = 0, sp = want->rsp - frame[e->mode];

	if (vcpu_get_sregs(e->v, &sr)) {
		tap_diag("GET_SREGS: %s", strerror(errno));
		return -1;
	}
	if (sr.cs.base + got->rip != HANDLERS_GPA + 1 * STUB_SIZE + 1 ||
	    got->rsp != sp) {
		tap_diag("TF set: want the #DB stub (linear 0x%llx) with rsp 0x%llx, got linear 0x%llx rsp 0x%llx: the single-step trap was lost",
			 (unsigned long long)(HANDLERS_GPA + STUB_SIZE + 1),
			 (unsigned long long)sp,
			 (unsigned long long)(sr.cs.base + got->rip),
			 (unsigned long long)got->rsp);
		return -1;
	}
	memcpy(&ret, e->mem + sr.ss.base + sp, w);
	if (ret != next) {
		tap_diag("#DB frame: return rip 0x%llx, want 0x%llx",
			 (unsigned long long)ret, (unsigned long long)next);
		return -1;
	}
	want->rsp = got->rsp;
	want->rip = got->rip;
	want->rflags = got->rflags;	/* TF and IF cleared by the gate */
	return 0;
}

/* One instruction: generate, run, check.  0 ok, -1 failed. */
static int mmio_iter(struct env *e, const struct minivmm_sregs *sr0,
		     uint64_t iter)
{
	struct minivmm_run *run = e->v->run;
	struct minivmm_sregs sr = *sr0;
	struct minivmm_regs r, want, got;
	struct mmio_ctx c = { .mode = e->mode, .mem_size = e->mem_size };
	struct mmio_insn in;
	uint64_t rip = e->mode == MODE_REAL ? 0 : CODE_GPA, data;
	uint64_t stack = e->mode == MODE_REAL ? 0xf000 : STACK_TOP;
	unsigned int i, tries;
	uint8_t packed[16];
	bool tf;

	rng_iter(2, e->mode, iter);
	tf = chance(20);
	mmio_segs(&c, &sr, tf);
	for (tries = 0; ; tries++) {
		CHECK(tries < 1000, "no instruction after %u tries", tries);
		for (i = 0; i < 16; i++) {
			c.reg[i] = rnd();
			if (e->mode != MODE_LONG)
				c.reg[i] &= 0xffffffff;
			c.reg_used[i] = false;
		}
		if (tf)
			c.reg[4] = stack;
		if (!mmio_gen(&in, &c, rip))
			break;
	}
	/* a stack the #DB can use: rsp neither an address nor loaded */
	tf = tf && !in.reject && !c.reg_used[4] && in.dst != 4;
	if (tf)
		snprintf(in.form + strlen(in.form),
			 sizeof(in.form) - strlen(in.form), " TF");
	memcpy(e->mem + CODE_GPA, in.b, in.len);
	e->mem[CODE_GPA + in.len] = 0xf4;
	memset(&r, 0, sizeof(r));
	for (i = 0; i < 16; i++)
		*gpr(&r, i) = c.reg[i];
	r.rip = rip;
	r.rflags = X86_RFLAGS_FIXED | (rnd() & 0x8d5) | (tf ? 0x100 : 0);
	want = r;
	if (vcpu_set_sregs(e->v, &sr) || vcpu_set_regs(e->v, &r)) {
		tap_diag("SET_SREGS/SET_REGS: %s", strerror(errno));
		mmio_fail_diag(&c, &in, iter);
		return -1;
	}

	if (run_kicked(e, in.form, iter) || run->exit_reason !=
	    (in.reject ? MINIVMM_EXIT_INTERNAL_ERROR : MINIVMM_EXIT_MMIO))
		goto fail;
	if (in.reject) {
		memset(packed, 0, sizeof(packed));
		if (run->internal.suberror != MINIVMM_INTERNAL_ERROR_EMULATION ||
		    run->internal.ndata < (in.len + 7) / 8 ||
		    run->internal.ndata > 2)
			goto fail;
		memcpy(packed, run->internal.data, run->internal.ndata * 8);
		if (memcmp(packed, in.b, in.len)) {
			tap_diag("INTERNAL_ERROR data is not the instruction");
			goto fail;
		}
	} else {
		if (run->mmio.phys_addr != in.gpa ||
		    run->mmio.len != in.size ||
		    !!run->mmio.is_write != in.write) {
			tap_diag("wrong access");
			goto fail;
		}
		if (in.write) {
			data = 0;
			memcpy(&data, run->mmio.data, in.size);
			if (data != in.wdata) {
				tap_diag("wrote 0x%llx, want 0x%llx",
					 (unsigned long long)data,
					 (unsigned long long)in.wdata);
				goto fail;
			}
		} else {
			data = rnd();
			memcpy(run->mmio.data, &data, 8);
			*gpr(&want, in.dst) =
				load_model(c.reg[in.dst], data, in.size,
					   in.sx, in.dst_size, in.high8);
		}
		if (run_kicked(e, in.form, iter) ||
		    run->exit_reason != MINIVMM_EXIT_HLT)
			goto fail;
		want.rip = rip + in.len + 1;
	}
	if (vcpu_get_regs(e->v, &got)) {
		tap_diag("GET_REGS: %s", strerror(errno));
		goto fail;
	}
	if (tf && mmio_single_step(e, &want, &got, rip + in.len)) {
		mmio_fail_diag(&c, &in, iter);
		return -1;
	}
	if (!memcmp(&got, &want, sizeof(got)))
		return 0;
	for (i = 0; i < 16; i++)
		if (*gpr(&got, i) != *gpr(&want, i))
			tap_diag("%s = 0x%llx, want 0x%llx%s", gpr_names[i],
				 (unsigned long long)*gpr(&got, i),
				 (unsigned long long)*gpr(&want, i),
				 (int)i == in.dst ? " (the load's register)" : "");
	if (got.rip != want.rip)
		tap_diag("rip 0x%llx, want 0x%llx", (unsigned long long)got.rip,
			 (unsigned long long)want.rip);
	if (got.rflags != want.rflags)
		tap_diag("rflags 0x%llx, want 0x%llx",
			 (unsigned long long)got.rflags,
			 (unsigned long long)want.rflags);
	mmio_fail_diag(&c, &in, iter);
	return -1;
fail:
	tap_diag("RUN returned %s", e->v->last_errno ?
		 strerror(e->v->last_errno) : "0");
	vcpu_dump(e->v);
	mmio_fail_diag(&c, &in, iter);
	return -1;
}

static int mmio_run(enum guest_mode mode)
{
	struct minivmm_sregs sr0;
	unsigned long n = 0;
	struct env e;
	uint64_t iter;
	double end;
	int ret = env_open(&e, mode);

	if (ret != CASE_PASS)
		return ret;
	CHECK(!vcpu_set_mode(e.v, mode), "mode setup");
	CHECK_OK(vcpu_get_sregs(e.v, &sr0), "GET_SREGS");
	end = now_s() + case_seconds;
	for (iter = 0; now_s() < end; iter++, n++)
		if (mmio_iter(&e, &sr0, iter))
			return CASE_FAIL;
	tap_diag("%s: %lu instructions checked", mode_names[mode], n);
	CHECK(n > 0, "no instruction ran");
	env_free(&e);
	return CASE_PASS;
}

/* The cases: each part in each mode. */
#define MODE_CASES(part)						\
	static int test_##part##_real(void) { return part##_run(MODE_REAL); } \
	static int test_##part##_prot32(void) { return part##_run(MODE_PROT32); } \
	static int test_##part##_long(void) { return part##_run(MODE_LONG); }
MODE_CASES(fuzz)
MODE_CASES(mmio)

/* panic_on_warn for the run: a WARN the guest reaches is a failure. */
static int panic_on_warn_set(const char *v, char *old, size_t n)
{
	FILE *f = fopen("/proc/sys/kernel/panic_on_warn", "r+");

	if (!f)
		return -1;
	if (old && !fgets(old, (int)n, f))
		old[0] = 0;
	rewind(f);
	fputs(v, f);
	return fclose(f);
}

int main(void)
{
	struct test_case cases[] = {
		{ "random instruction streams, real mode", test_fuzz_real, 0 },
		{ "random instruction streams, 32-bit protected mode",
		  test_fuzz_prot32, 0 },
		{ "random instruction streams, 64-bit long mode",
		  test_fuzz_long, 0 },
		{ "MMIO decoder: random MOV encodings, real mode",
		  test_mmio_real, 0 },
		{ "MMIO decoder: random MOV encodings, 32-bit protected mode",
		  test_mmio_prot32, 0 },
		{ "MMIO decoder: random MOV encodings, 64-bit long mode",
		  test_mmio_long, 0 },
	};
	char old[16] = "";
	unsigned int i;
	int ret;

	budget_init();
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		cases[i].timeout_s = (unsigned int)case_seconds + 60;
	printf("# MINIVMM_FUZZ_SEED=0x%llx MINIVMM_FUZZ_SECONDS=%g (%g a case)\n",
	       (unsigned long long)fuzz_seed, case_seconds * 6, case_seconds);
	if (panic_on_warn_set("1", old, sizeof(old)))
		printf("# panic_on_warn not set: %s\n", strerror(errno));
	ret = cases_run(cases, ARRAY_SIZE(cases));
	if (old[0])
		panic_on_warn_set(old, NULL, 0);
	return ret;
}
