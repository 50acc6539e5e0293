// SPDX-License-Identifier: GPL-2.0
/*
 * tsc_deadline_test - far TSC deadlines in the in-kernel LAPIC.
 *
 * MSR_IA32_TSC_DEADLINE is a guest-chosen 64-bit TSC value; the LAPIC
 * converts its distance from the guest TSC to nanoseconds.  With a TSC
 * slower than 1 GHz the nanoseconds of a far deadline (~0, 2^63) do not
 * fit 64 bits: the conversion must saturate, not fault in the host.  Each
 * far deadline is written from userspace (MINIVMM_SET_MSRS, the LVT timer
 * set through the x2APIC MSRs) and from guest code (WRMSR, the LVT timer
 * set through the xAPIC page): the ioctl returns, the value reads back,
 * the timer does not fire while the test runs and the guest goes on; a
 * near deadline written afterwards still fires.  The tests/bed-tests.txt
 * bed "qemu-slowtsc" runs this with a 500 MHz TSC.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "lib/case.h"
#include "lib/guest.h"

#define PORT_IRQ	0x80		/* the handler: the vector it ran for */
#define PORT_ARMED	0x84		/* the guest wrote a deadline */

#define VEC		0x42
#define LVT_DEADLINE	(0x40000 | VEC)	/* LVT timer: TSC-deadline mode */

#define MSR_TSC		0x10
#define MSR_APIC_BASE	0x1b
#define MSR_DEADLINE	0x6e0
#define MSR_X2_EOI	0x80b
#define MSR_X2_SVR	0x80f
#define MSR_X2_LVTT	0x832
#define APIC_BASE_X2	(MINIVMM_APIC_DEFAULT_BASE | 0x800 | 0x400 | 0x100)

/* Guest-written results and test-written inputs, at DATA_GPA + off. */
#define D64(off)	((volatile uint64_t *)vm_host(vm, DATA_GPA + (off)))
#define D_WRITTEN	0x10	/* the deadline the guest wrote */
#define D_READ		0x18	/* what RDMSR gave back */
#define D_ABS		0x100	/* input: the deadline, or 0 for ... */
#define D_DELTA		0x108	/* ... its TSC plus this */

/* Far deadlines relative to the TSC are this far away: ~2^40 cycles. */
#define FAR_DELTA	(1ULL << 40)

/*
 * The absolute far deadlines.  0 stands for "TSC + FAR_DELTA": with the
 * TSC at 500 MHz that is over half an hour away.
 */
static const uint64_t far_deadlines[] = { ~0ULL, 1ULL << 63, 0 };

/* Userspace drives the LAPIC; the guest only takes the interrupt. */
GUEST_CODE(user_guest, ".code64",
	"sti\n"
	"1: hlt\n"
	"jmp 1b\n"
	".globl user_irq\n"
	"user_irq:\n"
	"push %rax\n"
	"push %rcx\n"
	"push %rdx\n"
	"mov $0x42, %eax\n"
	"out %eax, $0x80\n"
	"mov $0x80b, %ecx\n"		/* x2APIC EOI */
	"xor %eax, %eax\n"
	"xor %edx, %edx\n"
	"wrmsr\n"
	"pop %rdx\n"
	"pop %rcx\n"
	"pop %rax\n"
	"iretq\n");
GUEST_LABEL(user_irq);

/*
 * The guest arms the deadline at D_ABS (or its TSC + D_DELTA when that is
 * 0) with WRMSR, stores what it wrote and what RDMSR reads back, reports
 * on PORT_ARMED and halts with interrupts on; made runnable again, it
 * arms the next one.
 */
GUEST_CODE(guest_guest, ".code64",
	"mov $0xfee00000, %ebx\n"
	"movl $0x1ff, 0xf0(%rbx)\n"	/* SVR: enabled */
	"movl $0x40042, 0x320(%rbx)\n"	/* LVT timer: TSC-deadline, 0x42 */
	"mov $0x6e0, %ecx\n"
	"1: cli\n"
	"mov 0x20100, %rax\n"
	"test %rax, %rax\n"
	"jnz 2f\n"
	"rdtsc\n"
	"shl $32, %rdx\n"
	"or %rdx, %rax\n"
	"add 0x20108, %rax\n"
	"2: mov %rax, 0x20010\n"
	"mov %rax, %rdx\n"
	"shr $32, %rdx\n"
	"wrmsr\n"
	"rdmsr\n"
	"mov %eax, 0x20018\n"
	"mov %edx, 0x2001c\n"
	"mov $1, %eax\n"
	"out %eax, $0x84\n"
	"sti\n"
	"hlt\n"
	"jmp 1b\n"
	".globl guest_irq\n"
	"guest_irq:\n"
	"push %rax\n"
	"mov $0x42, %eax\n"
	"out %eax, $0x80\n"
	"movl $0, 0xb0(%rbx)\n"		/* EOI */
	"pop %rax\n"
	"iretq\n");
GUEST_LABEL(guest_irq);

/* The standard VM with an irqchip, @code and vCPU 0 in long mode. */
static struct vcpu *deadline_vcpu(const void *code, const void *code_end)
{
	struct vm *vm = vm_std_create();
	struct vcpu *v;

	if (!vm)
		return NULL;
	if (hv_create_irqchip(&vm->hv)) {
		tap_diag("CREATE_IRQCHIP: %s", strerror(errno));
		vm_free(vm);
		return NULL;
	}
	vm_load(vm, CODE_GPA, code, code_end);
	v = vcpu_create(vm, 0);
	if (!v || vcpu_set_mode(v, MODE_LONG)) {
		tap_diag("vCPU 0 in long mode");
		vm_free(vm);
		return NULL;
	}
	v->timeout_s = 10;
	return v;
}

static long tsc_khz(struct vm *vm)
{
	long khz = ioctl(vm->fd, MINIVMM_CHECK_CAP, MINIVMM_CAP_TSC_KHZ);

	tap_diag("guest TSC %ld kHz", khz);
	return khz;
}

/* Runs to the next exit; true if it is an OUT of @want to @port. */
static bool run_out(struct vcpu *v, uint16_t port, uint32_t want)
{
	struct minivmm_run *run = v->run;
	uint32_t val = 0;

	if (!vcpu_run_expect(v, MINIVMM_EXIT_IO))
		return false;
	if (run->io.port != port || run->io.direction != MINIVMM_IO_OUT) {
		tap_diag("IO exit on port 0x%x dir %u, want OUT to 0x%x",
			 run->io.port, run->io.direction, port);
		vcpu_dump(v);
		return false;
	}
	memcpy(&val, vcpu_io_data(v), run->io.size < 4 ? run->io.size : 4);
	if (val != want) {
		tap_diag("OUT 0x%x to port 0x%x, want 0x%x", val, port, want);
		return false;
	}
	return true;
}

/*
 * The guest halts with interrupts on and nothing is due: RUN sleeps until
 * a 2-second alarm interrupts it.
 */
static bool run_idle(struct vcpu *v)
{
	unsigned int timeout = v->timeout_s;
	int rc;

	v->timeout_s = 2;
	rc = vcpu_run(v);
	v->timeout_s = timeout;
	if (rc == -1 && v->timed_out &&
	    v->run->exit_reason == MINIVMM_EXIT_INTR)
		return true;
	tap_diag("RUN gave %d (%s)%s exit %s, want to sleep until the alarm",
		 rc, strerror(v->last_errno), v->timed_out ? " timeout" : "",
		 exit_name(v->run->exit_reason));
	if (rc == 0)
		vcpu_dump(v);
	return false;
}

/* The slow-TSC bed must have one, or the cases below prove little there. */
static int test_bed_tsc(void)
{
	const char *bed = getenv("MINIVMM_BED");
	struct vm *vm = vm_create();
	long khz;

	CHECK(vm, "vm_create");
	khz = tsc_khz(vm);
	CHECK(khz > 0, "MINIVMM_CAP_TSC_KHZ = %ld", khz);
	if (bed && !strcmp(bed, "qemu-slowtsc"))
		CHECK(khz < 1000000,
		      "bed %s: TSC %ld kHz, want below 1 GHz (tsc_early_khz)",
		      bed, khz);
	return CASE_PASS;
}

static int test_set_msrs(void)
{
	struct vcpu *v = deadline_vcpu(user_guest, user_guest_end);
	uint64_t tsc, val, deadline;
	double t0, dt;
	unsigned int i;
	long khz;

	CHECK(v, "VM with irqchip");
	khz = tsc_khz(v->vm);
	CHECK(khz > 0, "MINIVMM_CAP_TSC_KHZ = %ld", khz);
	vm_idt_set64(v->vm, VEC, GUEST_ADDR(user_guest, user_irq));
	CHECK_EQ(vcpu_set_msr(v, MSR_APIC_BASE, APIC_BASE_X2), 1,
		 "APIC_BASE: x2APIC mode");
	CHECK_EQ(vcpu_set_msr(v, MSR_X2_SVR, 0x1ff), 1, "x2APIC SVR");
	CHECK_EQ(vcpu_set_msr(v, MSR_X2_LVTT, LVT_DEADLINE), 1,
		 "x2APIC LVT timer: TSC-deadline mode");
	CHECK_EQ(vcpu_get_msr(v, MSR_X2_LVTT, &val), 1, "LVT timer read");
	CHECK_EQ(val, LVT_DEADLINE, "LVT timer value");
	CHECK(run_idle(v), "the guest did not halt with nothing due");

	for (i = 0; i < ARRAY_SIZE(far_deadlines); i++) {
		deadline = far_deadlines[i];
		if (!deadline) {
			CHECK_EQ(vcpu_get_msr(v, MSR_TSC, &tsc), 1, "TSC");
			deadline = tsc + FAR_DELTA;
		}
		tap_diag("SET_MSRS TSC_DEADLINE = 0x%llx",
			 (unsigned long long)deadline);
		CHECK_EQ(vcpu_set_msr(v, MSR_DEADLINE, deadline), 1,
			 "SET_MSRS TSC_DEADLINE 0x%llx",
			 (unsigned long long)deadline);
		CHECK_EQ(vcpu_get_msr(v, MSR_DEADLINE, &val), 1,
			 "GET_MSRS TSC_DEADLINE");
		CHECK_EQ(val, deadline, "TSC_DEADLINE read back");
		CHECK(run_idle(v), "deadline 0x%llx fired or RUN failed",
		      (unsigned long long)deadline);
		CHECK_EQ(vcpu_get_msr(v, MSR_DEADLINE, &val), 1,
			 "GET_MSRS TSC_DEADLINE after RUN");
		CHECK_EQ(val, deadline, "TSC_DEADLINE still armed");
	}

	/* A near deadline after the far ones: 20 ms of TSC away. */
	CHECK_EQ(vcpu_get_msr(v, MSR_TSC, &tsc), 1, "TSC");
	deadline = tsc + (uint64_t)khz * 20;
	t0 = now_s();
	CHECK_EQ(vcpu_set_msr(v, MSR_DEADLINE, deadline), 1,
		 "SET_MSRS near TSC_DEADLINE");
	CHECK(run_out(v, PORT_IRQ, VEC), "the near deadline did not fire");
	dt = now_s() - t0;
	tap_diag("near deadline fired after %.1f ms", dt * 1e3);
	CHECK_EQ(vcpu_get_msr(v, MSR_DEADLINE, &val), 1,
		 "GET_MSRS TSC_DEADLINE after firing");
	CHECK_EQ(val, 0, "TSC_DEADLINE after firing");
	CHECK(run_idle(v), "the guest did not go back to HLT");
	return CASE_PASS;
}

static int test_wrmsr(void)
{
	struct vcpu *v = deadline_vcpu(guest_guest, guest_guest_end);
	struct vm *vm;
	uint64_t val, deadline;
	double t0, dt;
	unsigned int i;
	long khz;

	CHECK(v, "VM with irqchip");
	vm = v->vm;
	khz = tsc_khz(vm);
	CHECK(khz > 0, "MINIVMM_CAP_TSC_KHZ = %ld", khz);
	vm_idt_set64(vm, VEC, GUEST_ADDR(guest_guest, guest_irq));

	for (i = 0; i < ARRAY_SIZE(far_deadlines); i++) {
		*D64(D_ABS) = far_deadlines[i];
		*D64(D_DELTA) = FAR_DELTA;
		if (i)
			CHECK_OK(hv_set_mp_state(&v->hv,
						 MINIVMM_MP_STATE_RUNNABLE),
				 "SET_MP_STATE RUNNABLE");
		CHECK(run_out(v, PORT_ARMED, 1), "deadline %u not armed", i);
		deadline = *D64(D_WRITTEN);
		tap_diag("WRMSR TSC_DEADLINE = 0x%llx",
			 (unsigned long long)deadline);
		if (far_deadlines[i])
			CHECK_EQ(deadline, far_deadlines[i],
				 "deadline written");
		CHECK_EQ(*D64(D_READ), deadline, "RDMSR TSC_DEADLINE");
		CHECK_EQ(vcpu_get_msr(v, MSR_DEADLINE, &val), 1,
			 "GET_MSRS TSC_DEADLINE");
		CHECK_EQ(val, deadline, "GET_MSRS TSC_DEADLINE value");
		CHECK(run_idle(v), "deadline 0x%llx fired or RUN failed",
		      (unsigned long long)deadline);
	}

	/* A near deadline after the far ones: 20 ms of TSC away. */
	*D64(D_ABS) = 0;
	*D64(D_DELTA) = (uint64_t)khz * 20;
	CHECK_OK(hv_set_mp_state(&v->hv, MINIVMM_MP_STATE_RUNNABLE),
		 "SET_MP_STATE RUNNABLE");
	t0 = now_s();
	CHECK(run_out(v, PORT_ARMED, 1), "near deadline not armed");
	CHECK(run_out(v, PORT_IRQ, VEC), "the near deadline did not fire");
	dt = now_s() - t0;
	tap_diag("near deadline fired after %.1f ms", dt * 1e3);
	CHECK_EQ(vcpu_get_msr(v, MSR_DEADLINE, &val), 1,
		 "GET_MSRS TSC_DEADLINE after firing");
	CHECK_EQ(val, 0, "TSC_DEADLINE after firing");
	return CASE_PASS;
}

static const struct test_case cases[] = {
	{ "guest TSC frequency (below 1 GHz in the qemu-slowtsc bed)",
	  test_bed_tsc, 0 },
	{ "far TSC deadlines by SET_MSRS do not fire; a near one does",
	  test_set_msrs, 60 },
	{ "far TSC deadlines by guest WRMSR do not fire; a near one does",
	  test_wrmsr, 60 },
};

int main(void)
{
	return cases_run(cases, ARRAY_SIZE(cases));
}
