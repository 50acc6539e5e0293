// SPDX-License-Identifier: GPL-2.0
/*
 * irqchip_api_test - the ioctl side of the in-kernel irqchip and the core
 * glue around it: the capabilities, CREATE_IRQCHIP, IRQ_LINE, SIGNAL_MSI,
 * INTERRUPT and GET/SET_MP_STATE with their errnos, HLT and wait-for-SIPI
 * sleeping in the kernel until a signal, LAPIC and IOAPIC registers
 * reached by guest MMIO without an exit, and the MSRs a Linux guest needs
 * (MTRRs, MISC_ENABLE, microcode revision, AMD HWCR) via GET/SET_MSRS,
 * and SET_SREGS refused as a whole (no LAPIC change left behind).
 * The guest-visible LAPIC behaviour is lapic_test's.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "lib/case.h"
#include "lib/guest.h"

#define PAGE		4096UL
#define PORT_OUT	0x80

#define APIC_BASE_BSP	(MINIVMM_APIC_DEFAULT_BASE | 0x800 | 0x100)
#define APIC_BASE_AP	(MINIVMM_APIC_DEFAULT_BASE | 0x800)

/* An unmapped address between two mapped pages (see api_test). */
static void *bad_ptr(void)
{
	char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return (void *)PAGE;
	munmap(p + PAGE, PAGE);
	return p + PAGE;
}

static int mp_get(struct vcpu *v)
{
	struct minivmm_mp_state mp = { .pad = 0xdead };

	if (ioctl(v->fd, MINIVMM_GET_MP_STATE, &mp))
		return -1;
	if (mp.pad)
		return -2;
	return mp.mp_state;
}

static int mp_set(struct vcpu *v, uint32_t state, uint32_t pad)
{
	struct minivmm_mp_state mp = { .mp_state = state, .pad = pad };

	return ioctl(v->fd, MINIVMM_SET_MP_STATE, &mp);
}

/* The standard VM with an irqchip and @code loaded. */
static struct vm *irq_vm(const void *code, const void *code_end)
{
	struct vm *vm = vm_std_create();

	if (!vm)
		return NULL;
	if (hv_create_irqchip(&vm->hv)) {
		tap_diag("CREATE_IRQCHIP: %s", strerror(errno));
		vm_free(vm);
		return NULL;
	}
	vm_load(vm, CODE_GPA, code, code_end);
	return vm;
}

static int test_caps(void)
{
	struct vm *vm = vm_create();
	int fds[2];
	unsigned int i;

	CHECK(vm, "vm_create");
	fds[0] = vm->sys_fd;
	fds[1] = vm->fd;
	for (i = 0; i < 2; i++) {
		int fd = fds[i];
		long khz = ioctl(fd, MINIVMM_CHECK_CAP, MINIVMM_CAP_TSC_KHZ);

		CHECK_EQ(ioctl(fd, MINIVMM_CHECK_CAP, MINIVMM_CAP_IRQCHIP), 1,
			 "CAP_IRQCHIP");
		CHECK_EQ(ioctl(fd, MINIVMM_CHECK_CAP, MINIVMM_CAP_IOAPIC_PINS),
			 24, "CAP_IOAPIC_PINS");
		CHECK_EQ(ioctl(fd, MINIVMM_CHECK_CAP,
			       MINIVMM_CAP_APIC_BUS_KHZ), 1000000,
			 "CAP_APIC_BUS_KHZ");
		CHECK_EQ(ioctl(fd, MINIVMM_CHECK_CAP, MINIVMM_CAP_MP_STATE), 1,
			 "CAP_MP_STATE");
		tap_diag("TSC %ld kHz", khz);
		CHECK(khz >= 100000 && khz <= 20000000, "CAP_TSC_KHZ %ld", khz);
	}
	CHECK_EQ(ioctl(vm->fd, MINIVMM_CHECK_CAP, 16), 0, "unknown cap 16");
	return CASE_PASS;
}

static int test_create_irqchip(void)
{
	struct minivmm_create_irqchip ci = { 0 };
	struct vm *vm = vm_create(), *vm2 = vm_create();

	CHECK(vm && vm2, "vm_create");
	ci.flags = 1;
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_CREATE_IRQCHIP, &ci), EINVAL,
		    "flags 1");
	ci.flags = 0;
	ci.pad = 1;
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_CREATE_IRQCHIP, &ci), EINVAL,
		    "pad 1");
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_CREATE_IRQCHIP, bad_ptr()), EFAULT,
		    "bad pointer");
	CHECK_ERRNO(ioctl(vm->sys_fd, MINIVMM_CREATE_IRQCHIP, &ci), ENOTTY,
		    "on the system fd");
	ci.pad = 0;
	CHECK_OK(ioctl(vm->fd, MINIVMM_CREATE_IRQCHIP, &ci), "first");
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_CREATE_IRQCHIP, &ci), EEXIST,
		    "second");
	/* A VM with a vCPU already: its vCPU would have no LAPIC. */
	CHECK(vcpu_create(vm2, 0), "vcpu_create");
	CHECK_ERRNO(ioctl(vm2->fd, MINIVMM_CREATE_IRQCHIP, &ci), EBUSY,
		    "after CREATE_VCPU");
	return CASE_PASS;
}

static int test_irq_line(void)
{
	struct minivmm_irq_line l = { 0 };
	struct vm *vm = vm_create();

	CHECK(vm, "vm_create");
	CHECK_ERRNO(hv_irq_line(&vm->hv, 4, 1), ENXIO, "without irqchip");
	CHECK_OK(hv_create_irqchip(&vm->hv), "CREATE_IRQCHIP");
	CHECK_OK(hv_irq_line(&vm->hv, 4, 1), "gsi 4 high");
	CHECK_OK(hv_irq_line(&vm->hv, 4, 0), "gsi 4 low");
	CHECK_OK(hv_irq_line(&vm->hv, 23, 1), "gsi 23 high");
	CHECK_OK(hv_irq_line(&vm->hv, 23, 0), "gsi 23 low");
	CHECK_ERRNO(hv_irq_line(&vm->hv, 24, 1), EINVAL, "gsi 24");
	CHECK_ERRNO(hv_irq_line(&vm->hv, 0xffffffff, 0), EINVAL, "gsi ~0");
	CHECK_ERRNO(hv_irq_line(&vm->hv, 0, 2), EINVAL, "level 2");
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_IRQ_LINE, bad_ptr()), EFAULT,
		    "bad pointer");
	CHECK_ERRNO(ioctl(vm->sys_fd, MINIVMM_IRQ_LINE, &l), ENOTTY,
		    "on the system fd");
	return CASE_PASS;
}

static int test_signal_msi(void)
{
	struct minivmm_msi m = { .address = MINIVMM_APIC_DEFAULT_BASE };
	struct vm *vm = vm_create();
	struct vcpu *v;

	CHECK(vm, "vm_create");
	CHECK_ERRNO(hv_signal_msi(&vm->hv, MINIVMM_APIC_DEFAULT_BASE, 0x30),
		    ENXIO,
		    "without irqchip");
	CHECK_OK(hv_create_irqchip(&vm->hv), "CREATE_IRQCHIP");
	m.flags = 1;
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_SIGNAL_MSI, &m), EINVAL, "flags");
	m.flags = 0;
	m.pad = 1;
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_SIGNAL_MSI, &m), EINVAL, "pad");
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_SIGNAL_MSI, bad_ptr()), EFAULT,
		    "bad pointer");
	CHECK_ERRNO(hv_signal_msi(&vm->hv, 0, 0x30), EINVAL, "address 0");
	CHECK_ERRNO(hv_signal_msi(&vm->hv, 0xfef00000, 0x30), EINVAL,
		    "address 0xfef00000");
	CHECK_ERRNO(hv_signal_msi(&vm->hv, 0x1fee00000ULL, 0x30), EINVAL,
		    "address above 4 GiB");
	/* No vCPU yet: nobody to reach. */
	CHECK_EQ(hv_signal_msi(&vm->hv, MINIVMM_APIC_DEFAULT_BASE, 0x430), 0,
		 "NMI MSI to APIC 0 without vCPUs");
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu_create");
	/* NMIs are taken even by a software-disabled APIC. */
	CHECK_EQ(hv_signal_msi(&vm->hv, MINIVMM_APIC_DEFAULT_BASE, 0x430), 1,
		 "NMI MSI to APIC 0");
	CHECK_EQ(hv_signal_msi(&vm->hv, MINIVMM_APIC_DEFAULT_BASE | (5 << 12),
			       0x430), 0,
		 "NMI MSI to APIC 5 (absent)");
	return CASE_PASS;
}

static int test_interrupt_enxio(void)
{
	struct minivmm_interrupt irq = { .vector = 0x30 };
	struct vm *vm = vm_create();
	struct vcpu *v;

	CHECK(vm, "vm_create");
	CHECK_OK(hv_create_irqchip(&vm->hv), "CREATE_IRQCHIP");
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu_create");
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_INTERRUPT, &irq), ENXIO,
		    "INTERRUPT with irqchip");
	return CASE_PASS;
}

static int test_mp_state(void)
{
	struct vm *vm = vm_create(), *plain = vm_create();
	struct minivmm_mp_state mp = { 0 };
	struct vcpu *v0, *v1, *p;

	CHECK(vm && plain, "vm_create");
	p = vcpu_create(plain, 0);
	CHECK(p, "vcpu without irqchip");
	CHECK_ERRNO(ioctl(p->fd, MINIVMM_GET_MP_STATE, &mp), ENXIO,
		    "GET without irqchip");
	CHECK_ERRNO(ioctl(p->fd, MINIVMM_SET_MP_STATE, &mp), ENXIO,
		    "SET without irqchip");

	CHECK_OK(hv_create_irqchip(&vm->hv), "CREATE_IRQCHIP");
	v0 = vcpu_create(vm, 0);
	v1 = vcpu_create(vm, 1);
	CHECK(v0 && v1, "vcpu_create");
	CHECK_EQ(mp_get(v0), MINIVMM_MP_STATE_RUNNABLE, "BSP at power-on");
	CHECK_EQ(mp_get(v1), MINIVMM_MP_STATE_INIT_RECEIVED, "AP at power-on");
	CHECK_ERRNO(mp_set(v1, MINIVMM_MP_STATE_HALTED, 0), EINVAL, "HALTED");
	CHECK_ERRNO(mp_set(v1, 3, 0), EINVAL, "state 3");
	CHECK_ERRNO(mp_set(v1, MINIVMM_MP_STATE_RUNNABLE, 1), EINVAL, "pad");
	CHECK_EQ(mp_get(v1), MINIVMM_MP_STATE_INIT_RECEIVED,
		 "unchanged by refused SETs");
	CHECK_OK(mp_set(v1, MINIVMM_MP_STATE_RUNNABLE, 0), "AP RUNNABLE");
	CHECK_EQ(mp_get(v1), MINIVMM_MP_STATE_RUNNABLE, "AP after SET");
	CHECK_OK(mp_set(v0, MINIVMM_MP_STATE_INIT_RECEIVED, 0),
		 "BSP INIT_RECEIVED");
	CHECK_EQ(mp_get(v0), MINIVMM_MP_STATE_INIT_RECEIVED, "BSP after SET");
	CHECK_ERRNO(ioctl(v0->fd, MINIVMM_GET_MP_STATE, bad_ptr()), EFAULT,
		    "GET bad pointer");
	CHECK_ERRNO(ioctl(v0->fd, MINIVMM_SET_MP_STATE, bad_ptr()), EFAULT,
		    "SET bad pointer");
	return CASE_PASS;
}

static int test_sregs_apic_base(void)
{
	struct vm *vm = vm_create();
	struct minivmm_sregs sr;
	struct vcpu *v0, *v1;

	CHECK(vm, "vm_create");
	CHECK_OK(hv_create_irqchip(&vm->hv), "CREATE_IRQCHIP");
	v0 = vcpu_create(vm, 0);
	v1 = vcpu_create(vm, 1);
	CHECK(v0 && v1, "vcpu_create");
	CHECK_OK(vcpu_get_sregs(v0, &sr), "GET_SREGS 0");
	CHECK_EQ(sr.apic_base, APIC_BASE_BSP, "BSP apic_base");
	CHECK_EQ(sr.cr8, 0, "cr8 at reset");
	sr.cr8 = 5;
	CHECK_OK(vcpu_set_sregs(v0, &sr), "SET_SREGS cr8 5");
	memset(&sr, 0, sizeof(sr));
	CHECK_OK(vcpu_get_sregs(v0, &sr), "GET_SREGS 0 again");
	CHECK_EQ(sr.cr8, 5, "cr8 (the LAPIC's TPR) kept");
	sr.cr8 = 16;
	CHECK_ERRNO(vcpu_set_sregs(v0, &sr), EINVAL, "cr8 16");
	CHECK_OK(vcpu_get_sregs(v1, &sr), "GET_SREGS 1");
	CHECK_EQ(sr.apic_base, APIC_BASE_AP, "AP apic_base");
	return CASE_PASS;
}

/* HLT with IF=0: only NMI/INIT/SIPI could end it. */
GUEST_CODE(hlt_guest, ".code64",
	"cli\n"
	"hlt\n"
	"mov $0x42, %eax\n"
	"out %eax, $0x80\n"
	"hlt\n");

/*
 * GET_SREGS and APIC_BASE equal @want: what a refused SET_SREGS must
 * leave.  cr8 is the LAPIC's TPR.
 */
static int sregs_unchanged(struct vcpu *v, const struct minivmm_sregs *want,
			   const char *what)
{
	struct minivmm_sregs sr;
	uint64_t base;

	CHECK_OK(vcpu_get_sregs(v, &sr), "GET_SREGS after %s", what);
	CHECK_EQ(sr.apic_base, want->apic_base, "apic_base after %s", what);
	CHECK_EQ(sr.cr8, want->cr8, "cr8 (TPR) after %s", what);
	CHECK_EQ(sr.cr0, want->cr0, "cr0 after %s", what);
	CHECK_EQ(sr.cr3, want->cr3, "cr3 after %s", what);
	CHECK_EQ(sr.cr4, want->cr4, "cr4 after %s", what);
	CHECK_EQ(sr.gdt.base, want->gdt.base, "gdt after %s", what);
	CHECK(!memcmp(&sr, want, sizeof(sr)), "all of sregs after %s", what);
	CHECK_EQ(vcpu_get_msr(v, 0x1b, &base), 1, "APIC_BASE after %s", what);
	CHECK_EQ(base, want->apic_base, "APIC_BASE MSR after %s", what);
	return CASE_PASS;
}

#define REFUSED_GPA	0x400000ULL	/* a slot whose memory is gone */
#define X2APIC_EN	0x400ULL

/*
 * SET_SREGS of @req plus a valid LAPIC change (xAPIC -> x2APIC, TPR 9)
 * must fail with @err and leave @start.
 */
static int sregs_refused(struct vcpu *v, const struct minivmm_sregs *start,
			 struct minivmm_sregs *req, int err, const char *what)
{
	req->apic_base |= X2APIC_EN;
	req->cr8 = 9;
	CHECK_ERRNO(vcpu_set_sregs(v, req), err, "%s", what);
	return sregs_unchanged(v, start, what);
}

/*
 * A SET_SREGS that is refused changes nothing, also where its LAPIC part
 * (an xAPIC -> x2APIC switch, a TPR) is valid: a non-canonical GDT base,
 * CR0.PG without PE, and PAE paging whose PDPTEs are in a slot whose
 * memory is gone (VT-x would load them; both backends refuse it).  The
 * same request without the bad part then succeeds.
 */
static int test_sregs_refused(void)
{
	struct minivmm_sregs start, req;
	struct vcpu *v;
	struct vm *vm;
	void *mem;
	int rc;

	vm = irq_vm(hlt_guest, hlt_guest_end);
	CHECK(vm, "VM with irqchip");
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu_create");
	CHECK(!vcpu_set_mode(v, MODE_PROT32), "protected mode");
	mem = mmap(NULL, 0x200000, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mem != MAP_FAILED, "mmap");
	CHECK_OK(vm_set_region(vm, 1, 0, REFUSED_GPA, 0x200000, mem),
		 "slot 1");
	munmap(mem, 0x200000);

	CHECK_OK(vcpu_get_sregs(v, &start), "GET_SREGS");
	CHECK_EQ(start.apic_base, APIC_BASE_BSP, "xAPIC at reset");
	start.cr8 = 3;
	CHECK_OK(vcpu_set_sregs(v, &start), "SET_SREGS with TPR 3");
	CHECK_OK(vcpu_get_sregs(v, &start), "GET_SREGS");

	req = start;
	req.gdt.base = 0x0000800000000000ULL;
	rc = sregs_refused(v, &start, &req, EINVAL, "a non-canonical GDT base");
	if (rc)
		return rc;
	req = start;
	req.cr0 = (start.cr0 & ~1ULL) | 0x80000000ULL;
	rc = sregs_refused(v, &start, &req, EINVAL, "CR0.PG without PE");
	if (rc)
		return rc;
	req = start;
	req.cr0 |= 0x80000000ULL;	/* PG */
	req.cr4 |= 0x20;		/* PAE */
	req.cr3 = REFUSED_GPA;
	rc = sregs_refused(v, &start, &req, EFAULT, "PDPTEs in memory that is gone");
	if (rc)
		return rc;

	/* The same with the PDPTEs in RAM: everything is taken. */
	req.cr3 = PDPT_GPA;
	CHECK_OK(vcpu_set_sregs(v, &req), "PAE paging with the PDPTEs in RAM");
	return sregs_unchanged(v, &req, "a SET_SREGS that succeeded");
}

static int test_hlt_sleeps(void)
{
	struct vm *vm = irq_vm(hlt_guest, hlt_guest_end);
	struct vcpu *v;
	double t0, dt;
	int rc;

	CHECK(vm, "VM with irqchip");
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu_create");
	CHECK_OK(vcpu_set_mode(v, MODE_LONG), "long mode");
	v->timeout_s = 1;
	t0 = now_s();
	rc = vcpu_run(v);
	dt = now_s() - t0;
	tap_diag("RUN: rc %d errno %s exit %s after %.2f s", rc,
		 strerror(v->last_errno), exit_name(v->run->exit_reason), dt);
	CHECK(rc == -1 && v->last_errno == EINTR,
	      "HLT did not sleep until the signal");
	CHECK(v->timed_out, "RUN ended by something else than the alarm");
	CHECK_EQ(v->run->exit_reason, MINIVMM_EXIT_INTR, "exit reason");
	CHECK(dt >= 0.9, "RUN returned after %.2f s", dt);
	CHECK_EQ(mp_get(v), MINIVMM_MP_STATE_HALTED, "mp_state after signal");
	/* Still halted: the next RUN sleeps again. */
	CHECK(vcpu_run(v) == -1 && v->timed_out, "second RUN did not sleep");
	/* Userspace may make it runnable: it goes on after the HLT. */
	CHECK_OK(mp_set(v, MINIVMM_MP_STATE_RUNNABLE, 0), "SET RUNNABLE");
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_IO), "no OUT after the HLT");
	CHECK_EQ(v->run->io.port, PORT_OUT, "port");
	return CASE_PASS;
}

/* An AP waits for a SIPI: its RUN sleeps until a signal. */
static int test_ap_waits_for_sipi(void)
{
	struct vm *vm = irq_vm(hlt_guest, hlt_guest_end);
	struct vcpu *v0, *v1;
	int rc;

	CHECK(vm, "VM with irqchip");
	v0 = vcpu_create(vm, 0);
	v1 = vcpu_create(vm, 1);
	CHECK(v0 && v1, "vcpu_create");
	CHECK_OK(vcpu_set_mode(v1, MODE_LONG), "long mode");
	v1->timeout_s = 1;
	v1->run->immediate_exit = 1;
	CHECK(vcpu_run(v1) == -1 && v1->last_errno == EINTR &&
	      !v1->timed_out, "immediate_exit did not return at once");
	v1->run->immediate_exit = 0;
	rc = vcpu_run(v1);
	tap_diag("RUN: rc %d errno %s exit %s", rc, strerror(v1->last_errno),
		 exit_name(v1->run->exit_reason));
	CHECK(rc == -1 && v1->timed_out, "the AP did not wait");
	CHECK_EQ(v1->run->exit_reason, MINIVMM_EXIT_INTR, "exit reason");
	CHECK_EQ(mp_get(v1), MINIVMM_MP_STATE_INIT_RECEIVED,
		 "mp_state after signal");
	return CASE_PASS;
}

/*
 * Guest MMIO to the LAPIC page and the IOAPIC window is handled in the
 * kernel: the guest reports what it read through port 0x80.
 */
GUEST_CODE(mmio_guest, ".code64",
	"mov $0xfee00000, %ebx\n"
	"mov 0x30(%rbx), %eax\n"	/* LAPIC version */
	"out %eax, $0x80\n"
	"mov $-1, %rcx\n"
	"mov 0x30(%rbx), %ecx\n"	/* 32-bit load zero-extends */
	"mov %rcx, 0x20000\n"
	"mov $-1, %rdx\n"
	"mov 0x20(%rbx), %rdx\n"	/* 64-bit load: ID and 0x24 */
	"mov %rdx, 0x20008\n"
	"movl $0x20, 0x80(%rbx)\n"	/* TPR = 0x20 by an immediate */
	"mov $0xfec00000, %esi\n"
	"movl $1, (%rsi)\n"		/* IOREGSEL = version */
	"mov 0x10(%rsi), %eax\n"	/* IOWIN */
	"out %eax, $0x80\n"
	"hlt\n");

static int test_mmio_in_kernel(void)
{
	struct vm *vm = irq_vm(mmio_guest, mmio_guest_end);
	struct minivmm_sregs sr;
	uint32_t val, version;
	struct vcpu *v;

	CHECK(vm, "VM with irqchip");
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu_create");
	CHECK_OK(vcpu_set_mode(v, MODE_LONG), "long mode");
	v->timeout_s = 5;
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_IO), "LAPIC read exited");
	CHECK_EQ(v->run->io.port, PORT_OUT, "port");
	memcpy(&val, vcpu_io_data(v), 4);
	tap_diag("LAPIC version 0x%x", val);
	CHECK((val & 0xff) >= 0x10 && (val & 0xff) <= 0x15,
	      "LAPIC version 0x%x is not an integrated APIC", val);
	version = val;
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_IO), "IOAPIC read exited");
	CHECK_EQ(*(uint64_t *)vm_host(vm, DATA_GPA), version,
		 "32-bit load into rcx");
	CHECK_EQ(*(uint64_t *)vm_host(vm, DATA_GPA + 8) >> 24, 0,
		 "64-bit load of the ID register (APIC ID 0)");
	memcpy(&val, vcpu_io_data(v), 4);
	tap_diag("IOAPIC version 0x%x", val);
	CHECK_EQ((val >> 16) & 0xff, 23, "IOAPIC max redirection entry");
	CHECK_OK(vcpu_get_sregs(v, &sr), "GET_SREGS");
	CHECK_EQ(sr.cr8, 2, "TPR written by MMIO seen as CR8");
	return CASE_PASS;
}

/*
 * Halts with interrupts enabled; the handler for 0x50 counts in 0x20000
 * and EOIs.
 */
GUEST_CODE(wake_guest, ".code64",
	"mov $0xfee00000, %ebx\n"
	"movl $0x1ff, 0xf0(%rbx)\n"	/* SVR: software-enabled */
	"movl $1, 0x20004\n"		/* ready */
	"sti\n"
	"1: hlt\n"
	"jmp 1b\n"
	".globl wake_irq\n"
	"wake_irq:\n"
	"incl 0x20000\n"
	"movl $0, 0xb0(%rbx)\n"	/* EOI */
	"iretq\n");
GUEST_LABEL(wake_irq);

struct wake_runner {
	struct vcpu *v;
	volatile int stop;
	int rc, err;
	pthread_t thread;
};

static void wake_sig(int sig)
{
	(void)sig;
}

/* RUN until told to stop: only a signal may end it (HLT sleeps). */
static void *wake_runner_fn(void *arg)
{
	struct wake_runner *r = arg;

	while (!r->stop) {
		r->rc = ioctl(r->v->fd, MINIVMM_RUN, 0);
		r->err = r->rc ? errno : 0;
		if (r->rc == 0 || r->err != EINTR)
			break;
	}
	return NULL;
}

/*
 * Every MSI must wake the vCPU wherever it is (asleep in HLT, in guest
 * mode on another CPU, on its way in): a lost wake-up stops the count.
 */
static int test_msi_wakes(void)
{
	struct vm *vm = irq_vm(wake_guest, wake_guest_end);
	struct sigaction sa = { .sa_handler = wake_sig };
	struct wake_runner r = { 0 };
	volatile uint32_t *count;
	unsigned int i, n = 1000, late = 0, worst_i = 0;
	double t0, worst = 0;
	int fail = 0;

	CHECK(vm, "VM with irqchip");
	r.v = vcpu_create(vm, 0);
	CHECK(r.v, "vcpu_create");
	CHECK_OK(vcpu_set_mode(r.v, MODE_LONG), "long mode");
	vm_idt_set64(vm, 0x50, GUEST_ADDR(wake_guest, wake_irq));
	count = vm_host(vm, DATA_GPA);
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART: RUN gets EINTR */
	CHECK(!pthread_create(&r.thread, NULL, wake_runner_fn, &r), "thread");
	t0 = now_s();
	while (!count[1] && now_s() - t0 < 5)
		usleep(1000);
	if (!count[1]) {
		tap_diag("the guest did not enable its LAPIC within 5 s");
		fail = 1;
	}

	for (i = 1; i <= n && !fail; i++) {
		double dt;

		CHECK_EQ(hv_signal_msi(&vm->hv, MINIVMM_APIC_DEFAULT_BASE, 0x50),
			 1, "MSI %u", i);
		t0 = now_s();
		while (*count < i) {
			dt = now_s() - t0;
			if (dt > 5) {
				fail = 1;
				break;
			}
			if (dt > 0.001)
				usleep(100);
		}
		dt = now_s() - t0;
		if (dt > worst) {
			worst = dt;
			worst_i = i;
		}
		if (dt > 0.1)
			late++;
	}
	r.stop = 1;
	r.v->run->immediate_exit = 1;
	pthread_kill(r.thread, SIGUSR1);
	pthread_join(r.thread, NULL);
	tap_diag("%u of %u interrupts taken, worst wait %.1f ms (#%u), %u over 100 ms; RUN ended rc %d (%s)",
		 *count, n, worst * 1e3, worst_i, late, r.rc, strerror(r.err));
	CHECK(!fail, "interrupt %u not taken within 5 s (lost wake-up)", i - 1);
	CHECK_EQ(count[1], 1, "guest ready flag");
	if (r.rc != -1 || r.err != EINTR)
		vcpu_dump(r.v);
	CHECK(r.rc == -1 && r.err == EINTR, "RUN ended other than by EINTR");
	CHECK_EQ(*count, n, "interrupts taken");
	return CASE_PASS;
}

/* MSRs through GET/SET_MSRS (the same checks the guest's WRMSR gets). */
static int test_msrs(void)
{
	struct vm *vm = vm_create();
	struct vcpu *v;
	uint64_t val;
	unsigned int i;

	CHECK(vm, "vm_create");
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu_create");
	CHECK_EQ(vcpu_get_msr(v, 0xfe, &val), 1, "MTRRcap");
	CHECK_EQ(val & 0xff, 8, "MTRRcap VCNT");
	CHECK(val & 0x100, "MTRRcap FIX");
	/* Variable ranges: what is written comes back. */
	for (i = 0; i < 8; i++) {
		CHECK_EQ(vcpu_set_msr(v, 0x200 + 2 * i, 0x80000000ULL | i % 2 * 6),
			 1, "PhysBase%u", i);
		CHECK_EQ(vcpu_set_msr(v, 0x201 + 2 * i, 0xfc0000800ULL), 1,
			 "PhysMask%u", i);
	}
	CHECK_EQ(vcpu_get_msr(v, 0x20e, &val), 1, "PhysBase7");
	CHECK_EQ(val, 0x80000006ULL, "PhysBase7 value");
	CHECK_EQ(vcpu_set_msr(v, 0x200, 0x80000002ULL), 0, "type 2 refused");
	CHECK_EQ(vcpu_set_msr(v, 0x201, 0xfc0000001ULL), 0,
		 "mask reserved bit refused");
	CHECK_EQ(vcpu_get_msr(v, 0x210, &val), 0, "PhysBase8 absent");
	/* Fixed ranges. */
	CHECK_EQ(vcpu_set_msr(v, 0x250, 0x0606060606060606ULL), 1, "fix64K");
	CHECK_EQ(vcpu_set_msr(v, 0x26f, 0x0505050505050500ULL), 1, "fix4K_F8000");
	CHECK_EQ(vcpu_get_msr(v, 0x26f, &val), 1, "fix4K_F8000 read");
	CHECK_EQ(val, 0x0505050505050500ULL, "fix4K_F8000 value");
	CHECK_EQ(vcpu_set_msr(v, 0x259, 0x0303030303030303ULL), 0,
		 "fixed type 3 refused");
	CHECK_EQ(vcpu_get_msr(v, 0x25a, &val), 0, "0x25a is no MTRR");
	/* MTRRdefType with fixed ranges enabled. */
	CHECK_EQ(vcpu_set_msr(v, 0x2ff, 0xc06), 1, "MTRRdefType E|FE|WB");
	CHECK_EQ(vcpu_get_msr(v, 0x2ff, &val), 1, "MTRRdefType read");
	CHECK_EQ(val, 0xc06, "MTRRdefType value");
	/* MISC_ENABLE: fast strings may be toggled, nothing else. */
	CHECK_EQ(vcpu_get_msr(v, 0x1a0, &val), 1, "MISC_ENABLE");
	CHECK(val & 1, "fast strings on at reset");
	CHECK_EQ(vcpu_set_msr(v, 0x1a0, val & ~1ULL), 1, "fast strings off");
	CHECK_EQ(vcpu_set_msr(v, 0x1a0, val | (1ULL << 22)), 0,
		 "LIMIT_CPUID refused");
	/* What Linux reads unconditionally on some CPU families. */
	CHECK_EQ(vcpu_get_msr(v, 0x8b, &val), 1, "UCODE_REV");
	CHECK_EQ(vcpu_set_msr(v, 0x8b, 0), 1, "UCODE_REV write 0");
	CHECK_EQ(vcpu_get_msr(v, 0xc0010015, &val), 1, "AMD HWCR");
	CHECK(val & (1ULL << 24), "HWCR TscFreqSel");
	CHECK_EQ(vcpu_get_msr(v, 0x179, &val), 1, "MCG_CAP");
	CHECK_EQ(val, 0, "no MCA banks");
	CHECK_EQ(vcpu_get_msr(v, 0xc0010055, &val), 1, "AMD INT_PENDING_MSG");
	CHECK_EQ(vcpu_set_msr(v, 0x3b, 0), 1, "TSC_ADJUST");
	CHECK_EQ(vcpu_set_msr(v, 0xc0000103, 7), 1, "TSC_AUX");
	CHECK_EQ(vcpu_set_msr(v, 0xc0000103, 1ULL << 32), 0,
		 "TSC_AUX bit 32 refused");
	/* Still refused: VMX/SVM control and the TSC deadline (no irqchip). */
	CHECK_EQ(vcpu_get_msr(v, 0x3a, &val), 0, "FEATURE_CONTROL");
	CHECK_EQ(vcpu_get_msr(v, 0xc0010114, &val), 0, "VM_CR");
	CHECK_EQ(vcpu_get_msr(v, 0x6e0, &val), 0, "TSC_DEADLINE");
	return CASE_PASS;
}

/* With an irqchip the LAPIC owns APIC_BASE and TSC_DEADLINE. */
static int test_msrs_irqchip(void)
{
	struct vm *vm = vm_create();
	struct vcpu *v;
	uint64_t val;

	CHECK(vm, "vm_create");
	CHECK_OK(hv_create_irqchip(&vm->hv), "CREATE_IRQCHIP");
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu_create");
	CHECK_EQ(vcpu_get_msr(v, 0x1b, &val), 1, "APIC_BASE");
	CHECK_EQ(val, APIC_BASE_BSP, "APIC_BASE value");
	CHECK_EQ(vcpu_get_msr(v, 0x6e0, &val), 1, "TSC_DEADLINE");
	CHECK_EQ(val, 0, "TSC_DEADLINE at reset");
	return CASE_PASS;
}

static const struct test_case cases[] = {
	{ "irqchip capabilities", test_caps, 0 },
	{ "CREATE_IRQCHIP flags, padding, EEXIST, EBUSY", test_create_irqchip, 0 },
	{ "IRQ_LINE ENXIO and ranges", test_irq_line, 0 },
	{ "SIGNAL_MSI ENXIO, checks and count", test_signal_msi, 0 },
	{ "INTERRUPT gives ENXIO with an irqchip", test_interrupt_enxio, 0 },
	{ "GET/SET_MP_STATE defaults and checks", test_mp_state, 0 },
	{ "SREGS apic_base and cr8 from the LAPIC", test_sregs_apic_base, 0 },
	{ "a refused SET_SREGS changes neither registers nor LAPIC", test_sregs_refused, 0 },
	{ "HLT sleeps in the kernel until a signal", test_hlt_sleeps, 20 },
	{ "an AP waits for SIPI until a signal", test_ap_waits_for_sipi, 20 },
	{ "LAPIC and IOAPIC MMIO without exits", test_mmio_in_kernel, 20 },
	{ "MSIs wake a halted vCPU: no lost wake-up", test_msi_wakes, 60 },
	{ "MSRs a Linux guest needs (GET/SET_MSRS)", test_msrs, 0 },
	{ "APIC_BASE and TSC_DEADLINE with an irqchip", test_msrs_irqchip, 0 },
};

int main(void)
{
	return cases_run(cases, ARRAY_SIZE(cases));
}
