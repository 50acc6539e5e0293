// SPDX-License-Identifier: GPL-2.0
/*
 * events_test - event injection by the backend: exceptions with and
 * without error codes in real, protected and long mode, a stream of
 * interrupts through the interrupt window each delivered exactly once
 * (exits in the middle of a delivery are re-injected), and, with the
 * in-kernel LAPIC, NMIs: blocked while the guest's handler runs, then
 * delivered after its IRET (NMI window).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "lib/case.h"
#include "lib/guest.h"

#define FORBIDDEN_MSR	0x12345678

/*
 * 32-bit protected mode: RDMSR of a forbidden MSR raises #GP(0), UD2 #UD.
 * The handlers store what they find on the stack: #GP error code at
 * 0x20000, faulting EIP at 0x20004, count at 0x20008; #UD EIP at
 * 0x20010, count at 0x20014.
 */
GUEST_CODE(pm_guest, ".code32",
	"movl $0xdeadbeef, 0x20000\n"
	"mov $0x12345678, %ecx\n"
	".globl pm_rdmsr\n"
	"pm_rdmsr:\n"
	"rdmsr\n"
	".globl pm_ud\n"
	"pm_ud:\n"
	"ud2\n"
	"hlt\n"
	".globl pm_gp\n"
	"pm_gp:\n"
	"popl 0x20000\n"		/* error code */
	"push %eax\n"
	"mov 4(%esp), %eax\n"
	"mov %eax, 0x20004\n"
	"pop %eax\n"
	"addl $2, (%esp)\n"
	"incl 0x20008\n"
	"iret\n"
	".globl pm_udh\n"
	"pm_udh:\n"
	"push %eax\n"
	"mov 4(%esp), %eax\n"
	"mov %eax, 0x20010\n"
	"pop %eax\n"
	"addl $2, (%esp)\n"
	"incl 0x20014\n"
	"iret\n");
GUEST_LABEL(pm_rdmsr);
GUEST_LABEL(pm_ud);
GUEST_LABEL(pm_gp);
GUEST_LABEL(pm_udh);

/*
 * Real mode (CS base 0x10000, IP 0): the #GP handler stores the IP and CS
 * it finds at SS:SP (no error code in real mode) at 0x20000/0x20002.
 */
GUEST_CODE(rm_guest, ".code16",
	"mov $0x2000, %ax\n"
	"mov %ax, %es\n"
	"movw $0xdead, %es:0\n"
	"mov $0x12345678, %ecx\n"
	".globl rm_rdmsr\n"
	"rm_rdmsr:\n"
	"rdmsr\n"
	"hlt\n"
	".globl rm_gp\n"
	"rm_gp:\n"
	"push %bp\n"
	"mov %sp, %bp\n"
	"mov 2(%bp), %ax\n"
	"mov %ax, %es:0\n"
	"mov 4(%bp), %ax\n"
	"mov %ax, %es:2\n"
	"addw $2, 2(%bp)\n"
	"incw %es:4\n"
	"pop %bp\n"
	"iret\n");
GUEST_LABEL(rm_rdmsr);
GUEST_LABEL(rm_gp);

/*
 * Interrupt stream: the guest toggles IF while counting loop iterations
 * at 0x20010; every 16th iteration it exits with OUT 0x85 while IF=0, so
 * an interrupt queued then must wait for the STI and its shadow.  Its
 * handler for 0x40 counts at 0x20000.  It halts once 0x20008 (set by the
 * test) says how many to expect and the count has reached it.
 */
GUEST_CODE(stream_guest, ".code64",
	"stream_loop:\n"
	"cli\n"
	"incq 0x20010\n"
	"testb $15, 0x20010\n"
	"jnz 1f\n"
	"out %al, $0x85\n"
	"1:\n"
	"sti\n"
	"nop\n"
	"mov 0x20008, %rax\n"
	"test %rax, %rax\n"
	"jz stream_loop\n"
	"cmp 0x20000, %rax\n"
	"jne stream_loop\n"
	"hlt\n"
	".globl stream_irq\n"
	"stream_irq:\n"
	"incq 0x20000\n"
	"iretq\n");
GUEST_LABEL(stream_irq);

static int test_pm_exceptions(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_PROT32, pm_guest);
	struct vm *vm;

	CHECK(v, "guest setup failed");
	vm = v->vm;
	vm_idt_set32(vm, 13, GUEST_ADDR(pm_guest, pm_gp));
	vm_idt_set32(vm, 6, GUEST_ADDR(pm_guest, pm_udh));
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT");
	CHECK_EQ(*(uint32_t *)vm_host(vm, 0x20008), 1, "#GP count");
	CHECK_EQ(*(uint32_t *)vm_host(vm, 0x20000), 0, "#GP error code");
	CHECK_EQ(*(uint32_t *)vm_host(vm, 0x20004),
		 GUEST_ADDR(pm_guest, pm_rdmsr), "#GP eip");
	CHECK_EQ(*(uint32_t *)vm_host(vm, 0x20014), 1, "#UD count");
	CHECK_EQ(*(uint32_t *)vm_host(vm, 0x20010),
		 GUEST_ADDR(pm_guest, pm_ud), "#UD eip (no error code)");
	return CASE_PASS;
}

static int test_rm_exception(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_REAL, rm_guest);
	uint16_t *ivt, *res;

	CHECK(v, "guest setup failed");
	ivt = vm_host(v->vm, 13 * 4);
	ivt[0] = GUEST_ADDR(rm_guest, rm_gp) - CODE_GPA;
	ivt[1] = CODE_GPA >> 4;
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT");
	res = vm_host(v->vm, 0x20000);
	CHECK_EQ(res[2], 1, "#GP count");
	CHECK_EQ(res[0], GUEST_ADDR(rm_guest, rm_rdmsr) - CODE_GPA,
		 "IP on the stack (an error code would be here)");
	CHECK_EQ(res[1], CODE_GPA >> 4, "CS on the stack");
	return CASE_PASS;
}

#define STREAM_N	200

static int test_irq_stream(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, stream_guest);
	struct minivmm_interrupt irq = { .vector = 0x40 };
	struct minivmm_run *run;
	unsigned int sent = 0, busy = 0;
	uint64_t *data;

	CHECK(v, "guest setup failed");
	run = v->run;
	data = vm_host(v->vm, 0x20000);
	vm_idt_set64(v->vm, 0x40, GUEST_ADDR(stream_guest, stream_irq));
	for (;;) {
		CHECK(vcpu_run(v) == 0, "RUN failed: %s", strerror(errno));
		if (run->exit_reason == MINIVMM_EXIT_HLT)
			break;
		CHECK(run->exit_reason == MINIVMM_EXIT_IO &&
		      run->io.port == 0x85, "exit %s after %u interrupts",
		      exit_name(run->exit_reason), sent);
		CHECK_EQ(run->if_flag, 0, "if_flag at the OUT");
		if (sent == STREAM_N) {
			data[1] = STREAM_N;
			continue;
		}
		if (ioctl(v->fd, MINIVMM_INTERRUPT, &irq) == 0) {
			sent++;
			continue;
		}
		CHECK(errno == EBUSY, "INTERRUPT: %s", strerror(errno));
		busy++;
	}
	CHECK_EQ(data[0], STREAM_N, "interrupts taken (loops %llu)",
		 (unsigned long long)data[2]);
	tap_diag("%u interrupts (%u EBUSY), %llu guest loops", sent, busy,
		 (unsigned long long)data[2]);
	return CASE_PASS;
}

/*
 * NMIs through the LAPIC (xAPIC ICR, physical destination 0, delivery
 * mode NMI).  The NMI handler counts at 0x20000; the first one sends a
 * second NMI to itself and spins a while: that NMI must wait for the
 * IRET (0x20008 counts NMIs that came in while 0x20004 said "in the
 * handler").  Then OUT 0x84 with the count.
 */
GUEST_CODE(nmi_guest, ".code64",
	"mov $0xfee00000, %ebx\n"
	"movl $0x1ff, 0xf0(%rbx)\n"	/* SVR: enabled */
	"movl $0, 0x310(%rbx)\n"
	"movl $0x4400, 0x300(%rbx)\n"	/* NMI to APIC ID 0 */
	"nmi_wait:\n"
	"cmpl $2, 0x20000\n"
	"jne nmi_wait\n"
	"mov 0x20000, %eax\n"
	"out %eax, $0x84\n"
	"hlt\n"
	".globl nmi_handler\n"
	"nmi_handler:\n"
	"cmpl $0, 0x20004\n"
	"je 1f\n"
	"incl 0x20008\n"		/* nested: must not happen */
	"1:\n"
	"movl $1, 0x20004\n"
	"incl 0x20000\n"
	"cmpl $1, 0x20000\n"
	"jne 3f\n"
	"movl $0, 0x310(%rbx)\n"
	"movl $0x4400, 0x300(%rbx)\n"	/* a second NMI, to be held */
	"mov $20000, %ecx\n"
	"2:\n"
	"pause\n"
	"loop 2b\n"
	"3:\n"
	"movl $0, 0x20004\n"
	"iretq\n");
GUEST_LABEL(nmi_handler);

/*
 * Runs the long-mode blob [@code, @end) on a VM with the in-kernel
 * irqchip, its NMI gate at @handler, until its OUT to 0x84; *@data then
 * points at what it stored at 0x20000.
 */
static int nmi_guest_run(const unsigned char *code, const unsigned char *end,
			 uint64_t handler, uint32_t **data)
{
	struct minivmm_create_irqchip ic = { 0 };
	struct vm *vm = vm_std_create();
	struct vcpu *v;

	CHECK(vm, "VM setup failed");
	if (ioctl(vm->fd, MINIVMM_CREATE_IRQCHIP, &ic))
		return case_skip("MINIVMM_CREATE_IRQCHIP: %s", strerror(errno));
	vm_load(vm, CODE_GPA, code, end);
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu");
	CHECK_OK(vcpu_set_mode(v, MODE_LONG), "mode");
	vm_idt_set64(vm, 2, handler);
	*data = vm_host(vm, 0x20000);
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_IO), "no OUT");
	CHECK_EQ(v->run->io.port, 0x84, "port");
	return CASE_PASS;
}

static int test_nmi_blocking(void)
{
	uint32_t *data;
	int r = nmi_guest_run(nmi_guest, nmi_guest_end,
			      GUEST_ADDR(nmi_guest, nmi_handler), &data);

	if (r != CASE_PASS)
		return r;
	CHECK_EQ(data[0], 2, "NMIs taken");
	CHECK_EQ(data[2], 0, "NMIs taken inside the NMI handler");
	return CASE_PASS;
}

/*
 * Ten NMIs sent while the guest handles one: the CPU latches one of them
 * and drops the rest, so the handler runs twice in all.  The first entry
 * sends the ten (self-NMIs through the xAPIC ICR); the main loop waits for
 * the second entry, then spins long enough for any further NMI to come
 * (exits end the spin's runs: each is a chance to deliver one), and
 * reports the count.
 */
GUEST_CODE(nmi_latch_guest, ".code64",
	"mov $0xfee00000, %ebx\n"
	"movl $0x1ff, 0xf0(%rbx)\n"	/* SVR: enabled */
	"movl $0, 0x310(%rbx)\n"
	"movl $0x4400, 0x300(%rbx)\n"	/* NMI to APIC ID 0 */
	"1:\n"
	"cmpl $2, 0x20000\n"
	"jb 1b\n"
	"mov $2000000, %ecx\n"
	"2:\n"
	"pause\n"
	"loop 2b\n"
	"mov 0x20000, %eax\n"
	"out %eax, $0x84\n"
	"hlt\n"
	".globl nmi_latch_handler\n"
	"nmi_latch_handler:\n"
	"incl 0x20000\n"
	"cmpl $1, 0x20000\n"
	"jne 4f\n"
	"mov $10, %edx\n"
	"3:\n"
	"movl $0, 0x310(%rbx)\n"
	"movl $0x4400, 0x300(%rbx)\n"
	"dec %edx\n"
	"jnz 3b\n"
	"4:\n"
	"iretq\n");
GUEST_LABEL(nmi_latch_handler);

static int test_nmi_latch(void)
{
	uint32_t *data;
	int r = nmi_guest_run(nmi_latch_guest, nmi_latch_guest_end,
			      GUEST_ADDR(nmi_latch_guest, nmi_latch_handler),
			      &data);

	if (r != CASE_PASS)
		return r;
	CHECK_EQ(data[0], 2, "NMI handler entries (one latched of ten)");
	return CASE_PASS;
}

/*
 * CR8 and the LAPIC TPR are one register: CR8 writes show in the xAPIC
 * TPR and back.  With CR8 = 15 a self-IPI (0x40) waits; lowering CR8 to 0
 * delivers it before the next instruction.  Results at 0x20000..: TPR
 * after mov 5->cr8, CR8 after TPR=0x30, flag before and after lowering.
 */
GUEST_CODE(cr8_guest, ".code64",
	"mov $0xfee00000, %ebx\n"
	"movl $0x1ff, 0xf0(%rbx)\n"	/* SVR: enabled */
	"mov $5, %eax\n"
	"mov %rax, %cr8\n"
	"mov 0x80(%rbx), %eax\n"
	"mov %eax, 0x20000\n"
	"movl $0x30, 0x80(%rbx)\n"
	"mov %cr8, %rax\n"
	"mov %eax, 0x20004\n"
	"mov $15, %eax\n"
	"mov %rax, %cr8\n"
	"sti\n"
	"movl $0, 0x310(%rbx)\n"
	"movl $0x4040, 0x300(%rbx)\n"	/* fixed 0x40 to APIC ID 0 */
	"mov $2000, %ecx\n"
	"1:\n"
	"pause\n"
	"loop 1b\n"
	"mov 0x20010, %eax\n"
	"mov %eax, 0x20008\n"		/* must still be 0 */
	"xor %eax, %eax\n"
	"mov %rax, %cr8\n"
	"mov 0x20010, %eax\n"
	"mov %eax, 0x2000c\n"		/* must be 1 already */
	"out %eax, $0x84\n"
	"hlt\n"
	".globl cr8_irq\n"
	"cr8_irq:\n"
	"incl 0x20010\n"
	"movl $0, 0xb0(%rbx)\n"
	"iretq\n");
GUEST_LABEL(cr8_irq);

static int test_cr8_tpr(void)
{
	struct minivmm_create_irqchip ic = { 0 };
	struct vm *vm = vm_std_create();
	struct vcpu *v;
	uint32_t *data;

	CHECK(vm, "VM setup failed");
	if (ioctl(vm->fd, MINIVMM_CREATE_IRQCHIP, &ic))
		return case_skip("MINIVMM_CREATE_IRQCHIP: %s", strerror(errno));
	vm_load_code(vm, cr8_guest);
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu");
	CHECK_OK(vcpu_set_mode(v, MODE_LONG), "mode");
	vm_idt_set64(vm, 0x40, GUEST_ADDR(cr8_guest, cr8_irq));
	data = vm_host(vm, 0x20000);
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_IO), "no OUT");
	CHECK_EQ(v->run->io.port, 0x84, "port");
	CHECK_EQ(data[0] & 0xff, 0x50, "xAPIC TPR after CR8 = 5");
	CHECK_EQ(data[1], 3, "CR8 after TPR = 0x30");
	CHECK_EQ(data[2], 0, "interrupts taken with CR8 = 15");
	CHECK_EQ(data[3], 1, "interrupts taken right after CR8 = 0");
	return CASE_PASS;
}

static const struct test_case cases[] = {
	{ "#GP(0) and #UD in 32-bit protected mode", test_pm_exceptions, 0 },
	{ "#GP in real mode pushes no error code", test_rm_exception, 0 },
	{ "interrupt stream: each delivered once", test_irq_stream, 120 },
	{ "NMI blocked in the NMI handler until IRET", test_nmi_blocking, 60 },
	{ "ten NMIs during an NMI handler: one latched", test_nmi_latch, 120 },
	{ "CR8 is the LAPIC TPR; lowering it delivers", test_cr8_tpr, 60 },
};

int main(void)
{
	return cases_run(cases, sizeof(cases) / sizeof(cases[0]));
}
