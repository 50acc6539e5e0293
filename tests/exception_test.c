// SPDX-License-Identifier: GPL-2.0
/*
 * exception_test - exceptions the guest raises natively, checked on each
 * backend against the SDM (vol. 3A, 6.15): which vectors push an error
 * code (table 6-1), and what a second exception during the delivery of a
 * first one becomes (table 6-5): handled serially, a #DF, or a triple
 * fault that ends the run with MINIVMM_EXIT_SHUTDOWN.
 *
 * Every vector's handler stub stores its RSP on entry and its vector and
 * halts; the test then reads the frame the CPU pushed from guest memory:
 * its place says whether an error code was pushed, its words give the
 * error code, RIP, CS and the interrupted RSP.  Each case runs twice:
 * with its stacks on RAM the guest has already touched, and on RAM it
 * has not, so that the delivery itself faults the page in (an NPF or EPT
 * violation) and the kernel must re-inject the event with its error code.
 *
 * The cells of table 6-5 guest code reaches are those where the second
 * exception comes from the delivery (a gate not present: #NP; a stack
 * not mapped: #PF): benign, contributory or page fault first, then
 * contributory or page fault; and a #DF whose own delivery fails.  A
 * benign second exception cannot come from a delivery.
 *
 * #AC needs ring 3: its case enters ring 3 with iretq and the fault is
 * delivered on the TSS's RSP0.  #TS is not raised: guest code meets it
 * only in a task switch, which VT-x always exits on, or in a switch to
 * ring 0 whose #TS would need that same switch to be delivered.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/case.h"
#include "lib/guest.h"

#define HANDLERS_GPA	0x18000ULL	/* 32 stubs of 16 bytes */
#define FRESH_GPA	0x200000ULL	/* slot 1: never touched before */
#define FRESH_SIZE	0x200000ULL
#define UNMAPPED	0x600000ULL	/* 2 MiB not in the page tables */
#define SEL_ABSENT	0x38		/* a data segment, not present */
#define SEL_USER_CODE	0x43		/* 64-bit code, DPL 3, RPL 3 */
#define SEL_USER_DATA	0x4b		/* data, DPL 3, RPL 3 */
#define USER_RSP	0x67000ULL	/* the stack of the ring-3 code */
#define SHUTDOWN	(-1)		/* triple fault: no delivery */
#define NO_ERR		(-1)

/* 16 bytes a vector: store the RSP on entry and the vector, halt. */
GUEST_CODE(handlers64, ".code64",
	".irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,"
	"22,23,24,25,26,27,28,29,30,31\n"
	"1: mov %rsp, %r15\n"
	"mov $\\v, %r14d\n"
	"hlt\n"
	".skip 16 - (. - 1b)\n"
	".endr\n");

GUEST_CODE(handlers32, ".code32",
	".irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,"
	"22,23,24,25,26,27,28,29,30,31\n"
	"1: mov %esp, %edi\n"
	"mov $\\v, %esi\n"
	"hlt\n"
	".skip 16 - (. - 1b)\n"
	".endr\n");

/*
 * A guest that raises one exception: @before runs first, the label
 * <name>_at marks the RIP the handler's frame must hold (the faulting
 * instruction, or the one after a trap), @at follows it.
 */
#define TRIGGER(name, mode, before, at)					\
	GUEST_CODE(name, mode, before "\n" #name "_at:\n" at "\nud2\n"); \
	GUEST_LABEL(name##_at)

/* 64-bit code. */
TRIGGER(de64, ".code64", "xor %ecx, %ecx", "div %ecx");
TRIGGER(db64, ".code64",
	"pushfq\norl $0x100, (%rsp)\npopfq\nnop", "hlt");	/* TF */
TRIGGER(bp64, ".code64", "int3", "hlt");
TRIGGER(ud64, ".code64", "", "ud2");
/* CR0.TS, then an x87 instruction. */
TRIGGER(nm64, ".code64",
	"mov %cr0, %rax\nor $8, %rax\nmov %rax, %cr0", "fldz");
TRIGGER(np64, ".code64", "mov $0x38, %eax", "mov %eax, %ds");
TRIGGER(ss64, ".code64", "mov $0x38, %eax", "mov %eax, %ss");
TRIGGER(gp64, ".code64", "mov $0x100, %eax",
	"mov %eax, %ds");			/* beyond the GDT limit */
TRIGGER(pf64, ".code64", "", "movl $1, 0x600000");
/* CR0.AM, then iretq to ring 3 with RFLAGS.AC and a misaligned store. */
TRIGGER(ac64, ".code64",
	"mov %cr0, %rax\nor $0x40000, %rax\nmov %rax, %cr0\n"
	"mov $0x68000, %rsp\n"
	"pushq $0x4b\npushq $0x67000\n"
	"pushfq\norl $0x40000, (%rsp)\n"
	"pushq $0x43\nlea ac64_at(%rip), %rax\npushq %rax\n"
	"iretq",
	"movl $1, 0x20001");

/* 32-bit protected mode, no paging. */
TRIGGER(de32, ".code32", "xor %ecx, %ecx", "div %ecx");
TRIGGER(db32, ".code32", "pushf\norl $0x100, (%esp)\npopf\nnop", "hlt");
TRIGGER(bp32, ".code32", "int3", "hlt");
TRIGGER(of32, ".code32", "mov $0x7fffffff, %eax\nadd $1, %eax\ninto",
	"hlt");
TRIGGER(br32, ".code32", "mov $5, %eax",
	"bound %eax, 0x20000");			/* bounds 0..1 */
TRIGGER(ud32, ".code32", "", "ud2");
TRIGGER(nm32, ".code32",
	"mov %cr0, %eax\nor $8, %eax\nmov %eax, %cr0", "fldz");
TRIGGER(np32, ".code32", "mov $0x38, %eax", "mov %eax, %ds");
TRIGGER(int32, ".code32", "", "int $0x40");	/* gate 0x40 absent */
TRIGGER(ss32, ".code32", "mov $0x38, %eax", "mov %eax, %ss");
TRIGGER(gp32, ".code32", "mov $0x100, %eax", "mov %eax, %ds");

/* What a case changes in the standard VM before it runs. */
enum {
	GATE_UD_ABSENT	= 1 << 0,
	GATE_DF_ABSENT	= 1 << 1,
	GATE_GP_ABSENT	= 1 << 2,
	GATE_PF_ABSENT	= 1 << 3,
	PF_ON_IST2	= 1 << 4,	/* #PF on its own stack */
	RSP_UNMAPPED	= 1 << 5,	/* the stack at the fault */
	IST1_UNMAPPED	= 1 << 6,	/* #DF's stack */
	IST2_UNMAPPED	= 1 << 7,	/* #PF's stack, with PF_ON_IST2 */
	USER		= 1 << 8,	/* ring 3: the stack is RSP0 */
};

struct exc_case {
	const char *name;
	enum guest_mode mode;
	const unsigned char *code, *end, *at;
	unsigned int setup;
	int vector;		/* delivered, or SHUTDOWN */
	long long err;		/* the error code pushed, or NO_ERR */
	unsigned int qemu;	/* a QEMU_* deviation of the QEMU bed */
};

/*
 * Where the QEMU bed's CPU (TCG 7.2) departs from the SDM, whatever the
 * hypervisor does: its error code of a fault during a delivery has no
 * EXT bit and, in 64-bit mode, counts 16-byte gates; its nested SVM
 * names the first event of a chain in EXITINTINFO and delivers an
 * injected event without the #DF rules, so a #DF re-injected after an
 * NPF comes out as the serial #NP; it checks no alignment, so a
 * misaligned store in ring 3 completes and the ud2 after it raises #UD.
 * Such a case cannot be checked in that
 * bed: only that exact outcome makes it a SKIP, anything else fails.
 */
enum {
	QEMU_NO_EXT = 1,
	QEMU_INJECTED_NO_DF = 2,
	QEMU_NO_AC = 4,
};

#define CODE(n)	n, n##_end, n##_at

/* Names without '#': TAP would read one as the start of a directive. */
static const struct exc_case exc_cases[] = {
	/* Table 6-1, long mode. */
	{ "64-bit DE: no error code", MODE_LONG, CODE(de64), 0, 0, NO_ERR, 0 },
	{ "64-bit DB (TF): no error code", MODE_LONG, CODE(db64), 0, 1,
	  NO_ERR, 0 },
	{ "64-bit BP: no error code", MODE_LONG, CODE(bp64), 0, 3, NO_ERR, 0 },
	{ "64-bit UD: no error code", MODE_LONG, CODE(ud64), 0, 6, NO_ERR, 0 },
	{ "64-bit NM: no error code", MODE_LONG, CODE(nm64), 0, 7, NO_ERR, 0 },
	{ "64-bit NP: selector error code", MODE_LONG, CODE(np64), 0, 11,
	  SEL_ABSENT, 0 },
	{ "64-bit SS: selector error code", MODE_LONG, CODE(ss64), 0, 12,
	  SEL_ABSENT, 0 },
	{ "64-bit GP: selector error code", MODE_LONG, CODE(gp64), 0, 13,
	  0x100, 0 },
	{ "64-bit PF: error code W", MODE_LONG, CODE(pf64), 0, 14, 2, 0 },
	{ "64-bit AC (ring 3): error code 0", MODE_LONG, CODE(ac64), USER,
	  17, 0, QEMU_NO_AC },
	/* Table 6-5, long mode. */
	{ "64-bit GP, its gate absent: NP, so DF(0)", MODE_LONG,
	  CODE(gp64), GATE_GP_ABSENT, 8, 0, QEMU_INJECTED_NO_DF },
	{ "64-bit PF, its gate absent: NP, so DF(0)", MODE_LONG,
	  CODE(pf64), GATE_PF_ABSENT, 8, 0, QEMU_INJECTED_NO_DF },
	{ "64-bit PF, its stack unmapped: PF, so DF(0)", MODE_LONG,
	  CODE(pf64), PF_ON_IST2 | IST2_UNMAPPED, 8, 0, 0 },
	{ "64-bit UD, its gate absent: NP serially", MODE_LONG,
	  CODE(ud64), GATE_UD_ABSENT, 11, 6 * 8 + 2 + 1, QEMU_NO_EXT },
	{ "64-bit GP, its stack unmapped: PF serially", MODE_LONG,
	  CODE(gp64), RSP_UNMAPPED | PF_ON_IST2, 14, 2, 0 },
	{ "64-bit UD, its stack unmapped: PF serially", MODE_LONG,
	  CODE(ud64), RSP_UNMAPPED | PF_ON_IST2, 14, 2, 0 },
	{ "64-bit DF, its gate absent: triple fault", MODE_LONG,
	  CODE(gp64), GATE_GP_ABSENT | GATE_DF_ABSENT, SHUTDOWN, NO_ERR, 0 },
	{ "64-bit DF, its stack unmapped: triple fault", MODE_LONG,
	  CODE(pf64), PF_ON_IST2 | IST2_UNMAPPED | IST1_UNMAPPED, SHUTDOWN,
	  NO_ERR, 0 },
	/* Table 6-1, 32-bit protected mode. */
	{ "32-bit DE: no error code", MODE_PROT32, CODE(de32), 0, 0,
	  NO_ERR, 0 },
	{ "32-bit DB (TF): no error code", MODE_PROT32, CODE(db32), 0, 1,
	  NO_ERR, 0 },
	{ "32-bit BP: no error code", MODE_PROT32, CODE(bp32), 0, 3,
	  NO_ERR, 0 },
	{ "32-bit OF: no error code", MODE_PROT32, CODE(of32), 0, 4,
	  NO_ERR, 0 },
	{ "32-bit BR: no error code", MODE_PROT32, CODE(br32), 0, 5,
	  NO_ERR, 0 },
	{ "32-bit UD: no error code", MODE_PROT32, CODE(ud32), 0, 6,
	  NO_ERR, 0 },
	{ "32-bit NM: no error code", MODE_PROT32, CODE(nm32), 0, 7,
	  NO_ERR, 0 },
	{ "32-bit NP: selector error code", MODE_PROT32, CODE(np32), 0, 11,
	  SEL_ABSENT, 0 },
	{ "32-bit NP (int to an absent gate): IDT error code",
	  MODE_PROT32, CODE(int32), 0, 11, 0x40 * 8 + 2, 0 },
	{ "32-bit SS: selector error code", MODE_PROT32, CODE(ss32), 0, 12,
	  SEL_ABSENT, 0 },
	{ "32-bit GP: selector error code", MODE_PROT32, CODE(gp32), 0, 13,
	  0x100, 0 },
	/* Table 6-5, 32-bit protected mode. */
	{ "32-bit GP, its gate absent: NP, so DF(0)", MODE_PROT32,
	  CODE(gp32), GATE_GP_ABSENT, 8, 0, QEMU_INJECTED_NO_DF },
	{ "32-bit UD, its gate absent: NP serially", MODE_PROT32,
	  CODE(ud32), GATE_UD_ABSENT, 11, 6 * 8 + 2 + 1, QEMU_NO_EXT },
	{ "32-bit DF, its gate absent: triple fault", MODE_PROT32,
	  CODE(gp32), GATE_GP_ABSENT | GATE_DF_ABSENT, SHUTDOWN, NO_ERR, 0 },
};

/* The stacks of one run: on touched RAM, on fresh RAM, or unmapped. */
struct stacks {
	uint64_t rsp, ist1, ist2;
};

static struct stacks stacks_for(const struct exc_case *c, bool fresh)
{
	struct stacks s = {
		.rsp = fresh ? 0x3ff000 : STACK_TOP,
		.ist1 = fresh ? 0x3fd000 : STACK_TOP - 0x2000,
		.ist2 = fresh ? 0x3fb000 : STACK_TOP - 0x4000,
	};

	if (c->setup & RSP_UNMAPPED)
		s.rsp = UNMAPPED + 0x2000;
	if (c->setup & IST2_UNMAPPED)
		s.ist2 = UNMAPPED + 0x4000;
	if (c->setup & IST1_UNMAPPED)
		s.ist1 = UNMAPPED + 0x6000;
	return s;
}

static void gate_absent(struct vm *vm, enum guest_mode mode,
			unsigned int vector)
{
	unsigned int size = mode == MODE_LONG ? 16 : 8;
	uint8_t *gate = vm_host(vm, IDT_GPA + vector * size);

	gate[5] &= ~0x80;		/* P */
}

static void gate_ist(struct vm *vm, unsigned int vector, unsigned int ist)
{
	uint8_t *gate = vm_host(vm, IDT_GPA + vector * 16);

	gate[4] = ist;
}

/* Gates, GDT, TSS and page tables of case @c; registers of the run. */
static int exc_setup(struct vcpu *v, const struct exc_case *c,
		     const struct stacks *s)
{
	bool lm = c->mode == MODE_LONG;
	struct minivmm_sregs sregs;
	struct minivmm_regs regs;
	uint64_t *gdt = vm_host(v->vm, GDT_GPA);
	uint32_t bounds[2] = { 0, 1 };
	unsigned int i;

	if (lm)
		vm_load(v->vm, HANDLERS_GPA, handlers64, handlers64_end);
	else
		vm_load(v->vm, HANDLERS_GPA, handlers32, handlers32_end);
	for (i = 0; i < 32; i++) {
		if (lm)
			vm_idt_set64(v->vm, i, HANDLERS_GPA + 16 * i);
		else
			vm_idt_set32(v->vm, i, HANDLERS_GPA + 16 * i);
	}
	/* A valid gate for int $0x40, then not present. */
	if (lm)
		vm_idt_set64(v->vm, 0x40, HANDLERS_GPA);
	else
		vm_idt_set32(v->vm, 0x40, HANDLERS_GPA);
	gate_absent(v->vm, c->mode, 0x40);
	if (c->setup & GATE_UD_ABSENT)
		gate_absent(v->vm, c->mode, 6);
	if (c->setup & GATE_DF_ABSENT)
		gate_absent(v->vm, c->mode, 8);
	if (c->setup & GATE_GP_ABSENT)
		gate_absent(v->vm, c->mode, 13);
	if (c->setup & GATE_PF_ABSENT)
		gate_absent(v->vm, c->mode, 14);
	if (lm) {
		/* #DF always on IST1: a broken stack must not hide it. */
		gate_ist(v->vm, 8, 1);
		if (c->setup & PF_ON_IST2)
			gate_ist(v->vm, 14, 2);
		memcpy(vm_host(v->vm, TSS_GPA + 0x24), &s->ist1, 8);
		memcpy(vm_host(v->vm, TSS_GPA + 0x2c), &s->ist2, 8);
		/* RSP0: where ring 3's #AC is delivered. */
		memcpy(vm_host(v->vm, TSS_GPA + 4), &s->rsp, 8);
		/* The page directory entry of UNMAPPED: not present. */
		((uint64_t *)vm_host(v->vm, PD_GPA))[UNMAPPED >> 21] = 0;
	}
	gdt[SEL_ABSENT / 8] = 0x00cf13000000ffffULL;
	gdt[SEL_USER_CODE / 8] = 0x00affb000000ffffULL;
	gdt[SEL_USER_DATA / 8] = 0x00cff3000000ffffULL;
	/* Ring 3 may use the first 2 MiB (code, data, its stack). */
	if (c->setup & USER)
		*(uint64_t *)vm_host(v->vm, PD_GPA) |= 4;
	memcpy(vm_host(v->vm, DATA_GPA), bounds, sizeof(bounds));

	if (vcpu_get_sregs(v, &sregs) || vcpu_get_regs(v, &regs))
		return -1;
	sregs.gdt.limit = SEL_USER_DATA | 7;
	regs.rsp = s->rsp;
	if (vcpu_set_sregs(v, &sregs) || vcpu_set_regs(v, &regs))
		return -1;
	return 0;
}

/* The stack the CPU pushed the frame of @vector on. */
static uint64_t frame_stack(const struct exc_case *c, const struct stacks *s)
{
	if (c->mode == MODE_LONG && c->vector == 8)
		return s->ist1;
	if (c->mode == MODE_LONG && c->vector == 14 &&
	    (c->setup & PF_ON_IST2))
		return s->ist2;
	return s->rsp;
}

static int exc_check_frame(struct vcpu *v, const struct exc_case *c,
			   const struct stacks *s)
{
	bool lm = c->mode == MODE_LONG;
	unsigned int word = lm ? 8 : 4;
	/* RIP, CS, RFLAGS (and RSP, SS in 64-bit mode) */
	unsigned int frame = (lm ? 5 : 3) * word;
	bool has_err = c->err != NO_ERR;
	uint64_t top = frame_stack(c, s);
	uint64_t entry = lm ? VCPU_REG(v, r15) : VCPU_REG(v, rdi);
	uint64_t want = top - frame - (has_err ? word : 0);
	uint64_t w[6] = { 0 };
	unsigned int i;
	uint8_t *p;

	CHECK_EQ(entry, want, "RSP on entry: %s error code",
		 has_err ? "with an" : "without");
	p = vm_host(v->vm, entry);
	CHECK(p, "the frame at 0x%llx is not in guest RAM",
	      (unsigned long long)entry);
	for (i = 0; i < 6; i++)
		memcpy(&w[i], p + i * word, word);
	i = 0;
	if (has_err)
		CHECK_EQ(w[i++], c->err, "error code");
	/* The RIP and CS a #DF pushes are undefined (SDM 6.15, #DF). */
	if (c->vector == 8)
		return CASE_PASS;
	CHECK_EQ(w[i], GUEST_ADDR(c->code, c->at), "pushed RIP");
	if (c->setup & USER) {
		CHECK_EQ(w[i + 1], SEL_USER_CODE, "pushed CS");
		CHECK_EQ(w[i + 3], USER_RSP, "pushed RSP");
		return CASE_PASS;
	}
	CHECK_EQ(w[i + 1], lm ? SEL_CODE64 : SEL_CODE32, "pushed CS");
	if (lm)
		CHECK_EQ(w[i + 3], s->rsp, "pushed RSP");
	return CASE_PASS;
}

/* The reason to skip @c in the QEMU bed, if it gave the TCG outcome. */
static const char *qemu_deviation(const struct exc_case *c, bool fresh,
				  uint64_t vector, uint64_t err)
{
	const char *bed = getenv("MINIVMM_BED");
	uint64_t idx = c->err >> 3;

	if (!bed || strcmp(bed, "qemu"))
		return NULL;
	if ((c->qemu & QEMU_NO_EXT) && vector == (uint64_t)c->vector &&
	    err == (c->mode == MODE_LONG ? idx * 16 : idx * 8) + 2)
		return "QEMU TCG's error code of a fault during delivery has no EXT bit";
	if ((c->qemu & QEMU_INJECTED_NO_DF) && fresh && vector == 11)
		return "QEMU TCG's nested SVM re-injects a chain's first event, delivered without #DF";
	if ((c->qemu & QEMU_NO_AC) && vector == 6)
		return "QEMU TCG does not check alignment: no #AC";
	return NULL;
}

static int exc_run_once(const struct exc_case *c, bool fresh)
{
	struct vcpu *v = guest_create(c->mode, c->code, c->end);
	struct stacks s = stacks_for(c, fresh);
	struct minivmm_sregs sregs;
	uint64_t vector, entry, err = 0;
	const char *why;
	void *frame;

	tap_diag("%s stacks: rsp 0x%llx ist1 0x%llx ist2 0x%llx",
		 fresh ? "untouched" : "touched", (unsigned long long)s.rsp,
		 (unsigned long long)s.ist1, (unsigned long long)s.ist2);
	CHECK(v, "guest setup failed");
	CHECK(vm_add_mem(v->vm, 1, FRESH_GPA, FRESH_SIZE, 0), "slot 1");
	CHECK(!exc_setup(v, c, &s), "setup: %s", strerror(errno));
	if (c->vector == SHUTDOWN) {
		CHECK(vcpu_run_expect(v, MINIVMM_EXIT_SHUTDOWN),
		      "want a triple fault");
		return CASE_PASS;
	}
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no handler ran");
	vector = c->mode == MODE_LONG ? VCPU_REG(v, r14) : VCPU_REG(v, rsi);
	entry = c->mode == MODE_LONG ? VCPU_REG(v, r15) : VCPU_REG(v, rdi);
	frame = vm_host(v->vm, entry);
	if (frame)
		memcpy(&err, frame, c->mode == MODE_LONG ? 8 : 4);
	why = qemu_deviation(c, fresh, vector, err);
	if (why) {
		tap_diag("vector %llu error code 0x%llx",
			 (unsigned long long)vector, (unsigned long long)err);
		return case_skip("%s", why);
	}
	CHECK_EQ(vector, c->vector, "vector delivered");
	if (c->vector == 14) {
		uint64_t page = (c->setup & RSP_UNMAPPED) ? s.rsp - 0x1000 :
							    UNMAPPED;

		CHECK_OK(vcpu_get_sregs(v, &sregs), "GET_SREGS");
		CHECK_EQ(sregs.cr2 & ~0xfffULL, page, "CR2's page");
	}
	return exc_check_frame(v, c, &s);
}

static int exc_run(const struct exc_case *c)
{
	int rc = exc_run_once(c, false);

	return rc == CASE_PASS ? exc_run_once(c, true) : rc;
}

#define EXC_FN(n) static int exc_##n(void) { return exc_run(&exc_cases[n]); }
EXC_FN(0) EXC_FN(1) EXC_FN(2) EXC_FN(3) EXC_FN(4) EXC_FN(5) EXC_FN(6)
EXC_FN(7) EXC_FN(8) EXC_FN(9) EXC_FN(10) EXC_FN(11) EXC_FN(12) EXC_FN(13)
EXC_FN(14) EXC_FN(15) EXC_FN(16) EXC_FN(17) EXC_FN(18) EXC_FN(19)
EXC_FN(20) EXC_FN(21) EXC_FN(22) EXC_FN(23) EXC_FN(24) EXC_FN(25)
EXC_FN(26) EXC_FN(27) EXC_FN(28) EXC_FN(29) EXC_FN(30) EXC_FN(31)

static int (*const exc_fns[])(void) = {
	exc_0, exc_1, exc_2, exc_3, exc_4, exc_5, exc_6, exc_7, exc_8, exc_9,
	exc_10, exc_11, exc_12, exc_13, exc_14, exc_15, exc_16, exc_17,
	exc_18, exc_19, exc_20, exc_21, exc_22, exc_23, exc_24, exc_25,
	exc_26, exc_27, exc_28, exc_29, exc_30, exc_31,
};

_Static_assert(ARRAY_SIZE(exc_fns) == ARRAY_SIZE(exc_cases),
	       "one function a case");

int main(void)
{
	struct test_case cases[ARRAY_SIZE(exc_cases)];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		cases[i].name = exc_cases[i].name;
		cases[i].fn = exc_fns[i];
		cases[i].timeout_s = 60;
	}
	return cases_run(cases, ARRAY_SIZE(cases));
}
