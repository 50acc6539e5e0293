// SPDX-License-Identifier: GPL-2.0
/*
 * api_test - every ioctl of /dev/minivmm: the success paths and the
 * refusal of bad input (unknown ioctls, bad pointers, unknown flags,
 * non-zero padding, sizes over the limits, bad memory regions, bad vCPU
 * ids, bad mmap of the vCPU fd) with the errno the ABI promises.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "lib/case.h"
#include "lib/guest.h"

#define PAGE 4096UL

/*
 * An address that is certainly not mapped: EFAULT for any ioctl.  It is
 * a hole between two mapped pages (leaked on purpose) so that a later
 * mmap() does not fill it.
 */
static void *bad_ptr(void)
{
	char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return (void *)PAGE;
	munmap(p + PAGE, PAGE);
	return p + PAGE;
}

static long cap(int fd, unsigned long c)
{
	return ioctl(fd, MINIVMM_CHECK_CAP, c);
}

static int test_api_version(void)
{
	int sys = sys_open();

	CHECK(sys >= 0, "open");
	CHECK_EQ(ioctl(sys, MINIVMM_GET_API_VERSION, 0), MINIVMM_API_VERSION,
		 "GET_API_VERSION");
	return CASE_PASS;
}

static int test_check_cap(void)
{
	static const unsigned long caps[] = {
		MINIVMM_CAP_BACKEND, MINIVMM_CAP_MAX_VCPUS,
		MINIVMM_CAP_MAX_MEM_SLOTS, MINIVMM_CAP_READONLY_MEM,
		MINIVMM_CAP_UNRESTRICTED_GUEST, MINIVMM_CAP_MAX_CPUID_ENTRIES,
		MINIVMM_CAP_MAX_MSR_ENTRIES, MINIVMM_CAP_XSAVE_SIZE,
		MINIVMM_CAP_IMMEDIATE_EXIT, MINIVMM_CAP_IRQ_WINDOW,
	};
	struct vm *vm = vm_create();
	unsigned int i;
	long v;

	CHECK(vm, "vm_create");
	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		v = cap(vm->sys_fd, caps[i]);
		tap_diag("cap %lu = %ld", caps[i], v);
		CHECK(v >= 0, "CHECK_CAP %lu failed: %s", caps[i],
		      strerror(errno));
		CHECK_EQ(cap(vm->fd, caps[i]), v,
			 "cap %lu on the VM fd differs", caps[i]);
	}
	v = cap(vm->sys_fd, MINIVMM_CAP_BACKEND);
	CHECK(v == MINIVMM_BACKEND_VMX || v == MINIVMM_BACKEND_SVM,
	      "backend %ld", v);
	v = cap(vm->sys_fd, MINIVMM_CAP_MAX_VCPUS);
	CHECK(v >= 2 && v <= 4096, "max vcpus %ld", v);
	v = cap(vm->sys_fd, MINIVMM_CAP_MAX_MEM_SLOTS);
	CHECK(v >= 8 && v <= 65536, "max slots %ld", v);
	v = cap(vm->sys_fd, MINIVMM_CAP_MAX_CPUID_ENTRIES);
	CHECK(v >= 32, "max cpuid entries %ld", v);
	v = cap(vm->sys_fd, MINIVMM_CAP_MAX_MSR_ENTRIES);
	CHECK(v >= 8, "max msr entries %ld", v);
	v = cap(vm->sys_fd, MINIVMM_CAP_XSAVE_SIZE);
	CHECK(v >= 576 && v <= 4096, "xsave size %ld", v);
	CHECK(cap(vm->sys_fd, MINIVMM_CAP_IMMEDIATE_EXIT) > 0,
	      "immediate_exit must be offered");
	CHECK_EQ(cap(vm->sys_fd, 1000), 0, "unknown capability");
	CHECK_EQ(cap(vm->sys_fd, ~0UL), 0, "capability ~0");
	return CASE_PASS;
}

static int test_mmap_size(void)
{
	int sys = sys_open();
	long size = ioctl(sys, MINIVMM_GET_VCPU_MMAP_SIZE, 0);

	CHECK(size > 0, "GET_VCPU_MMAP_SIZE: %ld (%s)", size, strerror(errno));
	CHECK(size % PAGE == 0, "size %ld not page aligned", size);
	CHECK(size >= (long)(PAGE + PAGE), "size %ld: want the run page and an IO data page",
	      size);
	return CASE_PASS;
}

static int test_enotty(void)
{
	struct vm *vm = vm_create();
	struct vcpu *v;
	struct minivmm_regs regs;
	struct minivmm_create_vm cv = { 0 };
	struct minivmm_memory_region r = { 0 };

	CHECK(vm, "vm_create");
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu_create");
	CHECK_ERRNO(ioctl(vm->sys_fd, _IO(MINIVMM_IO, 0x7f), 0), ENOTTY, "sys");
	CHECK_ERRNO(ioctl(vm->fd, _IO(MINIVMM_IO, 0x7f), 0), ENOTTY, "vm");
	CHECK_ERRNO(ioctl(v->fd, _IO(MINIVMM_IO, 0x7f), 0), ENOTTY, "vcpu");
	CHECK_ERRNO(ioctl(vm->sys_fd, 0x5401 /* TCGETS */, &regs), ENOTTY,
		    "foreign ioctl on sys");
	CHECK_ERRNO(ioctl(vm->fd, 0xae01 /* KVM_CREATE_VM */, 0), ENOTTY,
		    "foreign ioctl on vm");
	CHECK_ERRNO(ioctl(v->fd, 0xae80 /* KVM_RUN */, 0), ENOTTY,
		    "foreign ioctl on vcpu");
	/* Each fd type answers only its own ioctls. */
	CHECK_ERRNO(ioctl(vm->sys_fd, MINIVMM_GET_REGS, &regs), ENOTTY,
		    "vcpu ioctl on sys");
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_GET_REGS, &regs), ENOTTY,
		    "vcpu ioctl on vm");
	CHECK_ERRNO(ioctl(vm->sys_fd, MINIVMM_SET_MEMORY_REGION, &r), ENOTTY,
		    "vm ioctl on sys");
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_SET_MEMORY_REGION, &r), ENOTTY,
		    "vm ioctl on vcpu");
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_CREATE_VM, &cv), ENOTTY,
		    "CREATE_VM on vm");
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_CREATE_VM, &cv), ENOTTY,
		    "CREATE_VM on vcpu");
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_RUN + 0x100, 0), ENOTTY,
		    "RUN with a wrong size field");
	return CASE_PASS;
}

static int test_create_vm(void)
{
	int sys = sys_open();
	struct minivmm_create_vm cv = { 0 };
	int fd;

	CHECK(sys >= 0, "open");
	fd = ioctl(sys, MINIVMM_CREATE_VM, &cv);
	CHECK(fd >= 0, "CREATE_VM: %s", strerror(errno));
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC, "VM fd without O_CLOEXEC");
	close(fd);
	cv.flags = 1;
	CHECK_ERRNO(ioctl(sys, MINIVMM_CREATE_VM, &cv), EINVAL, "flags 1");
	cv.flags = 0x80000000;
	CHECK_ERRNO(ioctl(sys, MINIVMM_CREATE_VM, &cv), EINVAL, "flags bit 31");
	cv.flags = 0;
	cv.pad = 1;
	CHECK_ERRNO(ioctl(sys, MINIVMM_CREATE_VM, &cv), EINVAL, "pad");
	CHECK_ERRNO(ioctl(sys, MINIVMM_CREATE_VM, bad_ptr()), EFAULT,
		    "bad pointer");
	CHECK_ERRNO(ioctl(sys, MINIVMM_CREATE_VM, NULL), EFAULT, "NULL");
	return CASE_PASS;
}

static int test_create_vcpu(void)
{
	struct vm *vm = vm_create();
	struct minivmm_create_vcpu cv = { 0 };
	long max, i;
	int fd;

	CHECK(vm, "vm_create");
	max = cap(vm->fd, MINIVMM_CAP_MAX_VCPUS);
	CHECK(max > 0, "MAX_VCPUS %ld", max);
	fd = ioctl(vm->fd, MINIVMM_CREATE_VCPU, &cv);
	CHECK(fd >= 0, "CREATE_VCPU 0: %s", strerror(errno));
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC, "vCPU fd without O_CLOEXEC");
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_CREATE_VCPU, &cv), EEXIST,
		    "duplicate id 0");
	cv.id = max;
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_CREATE_VCPU, &cv), EINVAL,
		    "id == MAX_VCPUS (%ld)", max);
	cv.id = ~0U;
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_CREATE_VCPU, &cv), EINVAL, "id ~0");
	cv.id = 1;
	cv.flags = 1;
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_CREATE_VCPU, &cv), EINVAL, "flags");
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_CREATE_VCPU, bad_ptr()), EFAULT,
		    "bad pointer");
	/* Every id up to the limit works; the next one is refused. */
	cv.flags = 0;
	for (i = 1; i < max; i++) {
		cv.id = i;
		CHECK(ioctl(vm->fd, MINIVMM_CREATE_VCPU, &cv) >= 0,
		      "CREATE_VCPU %ld of %ld: %s", i, max, strerror(errno));
	}
	cv.id = max - 1;
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_CREATE_VCPU, &cv), EEXIST,
		    "duplicate id %ld", max - 1);
	cv.id = max;
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_CREATE_VCPU, &cv), EINVAL,
		    "one vCPU too many");
	return CASE_PASS;
}

static int region(struct vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
		  uint64_t size, uint64_t uaddr)
{
	struct minivmm_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = uaddr,
	};

	return ioctl(vm->fd, MINIVMM_SET_MEMORY_REGION, &r);
}

static int test_memory_region(void)
{
	struct vm *vm = vm_create();
	uint64_t mem, mb = 0x100000, unmapped = (uintptr_t)bad_ptr();
	long slots;
	int rc;

	CHECK(vm, "vm_create");
	slots = cap(vm->fd, MINIVMM_CAP_MAX_MEM_SLOTS);
	CHECK(slots > 1, "MAX_MEM_SLOTS %ld", slots);
	mem = (uintptr_t)mmap(NULL, 4 * mb, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mem != (uintptr_t)MAP_FAILED, "mmap");
	CHECK_OK(region(vm, 0, 0, 0, mb, mem), "slot 0 at 0, 1 MiB");
	/* overlaps */
	CHECK_ERRNO(region(vm, 1, 0, 0, mb, mem + mb), EEXIST, "same range");
	CHECK_ERRNO(region(vm, 1, 0, mb - PAGE, mb, mem + mb), EEXIST,
		    "overlapping the last page");
	CHECK_ERRNO(region(vm, 1, 0, 0x80000, PAGE, mem + mb), EEXIST,
		    "inside slot 0");
	CHECK_OK(region(vm, 1, 0, mb, mb, mem + mb), "adjacent slot 1");
	/* alignment */
	CHECK_ERRNO(region(vm, 2, 0, 2 * mb + 1, mb, mem + 2 * mb), EINVAL,
		    "unaligned gpa");
	CHECK_ERRNO(region(vm, 2, 0, 2 * mb, mb - 1, mem + 2 * mb), EINVAL,
		    "unaligned size");
	CHECK_ERRNO(region(vm, 2, 0, 2 * mb, mb, mem + 2 * mb + 8), EINVAL,
		    "unaligned uaddr");
	/* wrap-around */
	CHECK_ERRNO(region(vm, 2, 0, 0xfffffffffffff000ULL, 2 * PAGE, mem),
		    EINVAL, "gpa + size wraps");
	CHECK_ERRNO(region(vm, 2, 0, 0xffffffffffe00000ULL, 4 * mb, mem),
		    EINVAL, "gpa + size wraps (MiB)");
	errno = 0;
	rc = region(vm, 2, 0, 2 * mb, 2 * PAGE, 0xfffffffffffff000ULL);
	CHECK(rc == -1 && (errno == EINVAL || errno == EFAULT),
	      "uaddr + size wraps: rc %d %s", rc, strerror(errno));
	errno = 0;
	rc = region(vm, 2, 0, 2 * mb, mb, 0xffff888000000000ULL);
	CHECK(rc == -1 && (errno == EINVAL || errno == EFAULT),
	      "kernel uaddr: rc %d %s", rc, strerror(errno));
	CHECK_ERRNO(region(vm, 2, 0, 2 * mb, PAGE, unmapped), EFAULT,
		    "uaddr not mapped");
	/* slot numbers, flags, pointer */
	CHECK_ERRNO(region(vm, slots, 0, 2 * mb, mb, mem + 2 * mb), EINVAL,
		    "slot == MAX_MEM_SLOTS (%ld)", slots);
	CHECK_ERRNO(region(vm, ~0U, 0, 2 * mb, mb, mem + 2 * mb), EINVAL,
		    "slot ~0");
	CHECK_ERRNO(region(vm, 2, 1U << 7, 2 * mb, mb, mem + 2 * mb), EINVAL,
		    "unknown flag");
	CHECK_ERRNO(region(vm, 2, 0x80000000, 2 * mb, mb, mem + 2 * mb),
		    EINVAL, "flag bit 31");
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_SET_MEMORY_REGION, bad_ptr()),
		    EFAULT, "bad pointer");
	CHECK_OK(region(vm, slots - 1, 0, 3 * mb, PAGE, mem + 3 * mb),
		 "the last slot number");
	/* read-only */
	if (cap(vm->fd, MINIVMM_CAP_READONLY_MEM) > 0)
		CHECK_OK(region(vm, 2, MINIVMM_MEM_READONLY, 2 * mb, mb,
				mem + 2 * mb), "read-only slot");
	else
		CHECK_ERRNO(region(vm, 2, MINIVMM_MEM_READONLY, 2 * mb, mb,
				   mem + 2 * mb), EINVAL,
			    "read-only without the capability");
	/* delete slot 0, then its range is free again */
	CHECK_OK(region(vm, 0, 0, 0, 0, 0), "delete slot 0");
	CHECK_OK(region(vm, 5, 0, 0, mb, mem), "reuse the deleted range");
	CHECK_ERRNO(region(vm, 6, 0, 0, PAGE, mem), EEXIST,
		    "the range is taken again");
	return CASE_PASS;
}

static const uint8_t hlt_byte[] = { 0xf4 };

static int test_regs(void)
{
	struct vm *vm = vm_create();
	struct minivmm_regs r, r2;
	struct minivmm_sregs s, s2;
	struct vcpu *v;

	CHECK(vm, "vm_create");
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu_create");
	CHECK_OK(vcpu_get_regs(v, &r), "GET_REGS");
	tap_diag("reset state: rip 0x%llx rflags 0x%llx rdx 0x%llx",
		 (unsigned long long)r.rip, (unsigned long long)r.rflags,
		 (unsigned long long)r.rdx);
	CHECK(r.rflags & 2, "RFLAGS bit 1 must read as 1");
	r.rax = 0x1111111111111111ULL;
	r.r15 = 0xf0f0f0f0f0f0f0f0ULL;
	r.rip = 0x1234;
	CHECK_OK(vcpu_set_regs(v, &r), "SET_REGS");
	memset(&r2, 0, sizeof(r2));
	CHECK_OK(vcpu_get_regs(v, &r2), "GET_REGS");
	CHECK(!memcmp(&r, &r2, sizeof(r)), "regs did not round-trip");
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_GET_REGS, bad_ptr()), EFAULT,
		    "GET_REGS bad pointer");
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_SET_REGS, bad_ptr()), EFAULT,
		    "SET_REGS bad pointer");

	CHECK_OK(vcpu_get_sregs(v, &s), "GET_SREGS");
	tap_diag("reset state: cs sel 0x%x base 0x%llx cr0 0x%llx",
		 s.cs.selector, (unsigned long long)s.cs.base,
		 (unsigned long long)s.cr0);
	CHECK_OK(vcpu_set_sregs(v, &s), "SET_SREGS of the reset state");
	CHECK_OK(vcpu_get_sregs(v, &s2), "GET_SREGS");
	CHECK(!memcmp(&s, &s2, sizeof(s)), "sregs did not round-trip");
	s2.reserved[3] = 1;
	CHECK_ERRNO(vcpu_set_sregs(v, &s2), EINVAL, "sregs reserved");
	s2 = s;
	s2.ds.pad = 1;
	CHECK_ERRNO(vcpu_set_sregs(v, &s2), EINVAL, "segment pad");
	s2 = s;
	s2.idt.pad[2] = 1;
	CHECK_ERRNO(vcpu_set_sregs(v, &s2), EINVAL, "dtable pad");
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_GET_SREGS, bad_ptr()), EFAULT,
		    "GET_SREGS bad pointer");
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_SET_SREGS, bad_ptr()), EFAULT,
		    "SET_SREGS bad pointer");
	/* A full long-mode state is accepted and read back. */
	vm_free(vm);
	v = guest_create(MODE_LONG, hlt_byte, hlt_byte + 1);
	CHECK(v, "long mode setup (SET_SREGS refused?)");
	CHECK_OK(vcpu_get_sregs(v, &s), "GET_SREGS");
	CHECK(s.cr3 == PML4_GPA && (s.efer & 0x500) == 0x500 && s.cs.l == 1 &&
	      s.cs.selector == SEL_CODE64 && s.tr.selector == SEL_TSS &&
	      s.gdt.base == GDT_GPA,
	      "long mode sregs read back differently: cr3 0x%llx efer 0x%llx cs.l %u",
	      (unsigned long long)s.cr3, (unsigned long long)s.efer, s.cs.l);
	return CASE_PASS;
}

struct msrs_buf {
	struct minivmm_msrs hdr;
	struct minivmm_msr_entry e[1024];
};

static int test_msrs(void)
{
	struct vm *vm = vm_create();
	struct msrs_buf *m = calloc(1, sizeof(*m));
	struct vcpu *v;
	long max;

	CHECK(vm && m, "setup");
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu_create");
	max = cap(vm->fd, MINIVMM_CAP_MAX_MSR_ENTRIES);
	CHECK(max > 0 && max < 1024, "MAX_MSR_ENTRIES %ld", max);
	CHECK_EQ(ioctl(v->fd, MINIVMM_GET_MSRS, m), 0, "nmsrs 0");
	m->hdr.nmsrs = 2;
	m->e[0].index = 0xc0000081;	/* STAR */
	m->e[0].data = 0x0023001000000000ULL;
	m->e[1].index = 0x174;		/* SYSENTER_CS */
	m->e[1].data = 0x10;
	CHECK_EQ(ioctl(v->fd, MINIVMM_SET_MSRS, m), 2, "SET_MSRS STAR, SYSENTER_CS");
	m->e[0].data = 0;
	m->e[1].data = 0;
	CHECK_EQ(ioctl(v->fd, MINIVMM_GET_MSRS, m), 2, "GET_MSRS");
	CHECK_EQ(m->e[0].data, 0x0023001000000000ULL, "STAR");
	CHECK_EQ(m->e[1].data, 0x10, "SYSENTER_CS");
	/* an unknown MSR stops the list there */
	m->hdr.nmsrs = 3;
	m->e[1].index = 0x12345678;
	m->e[2].index = 0xc0000081;
	CHECK_EQ(ioctl(v->fd, MINIVMM_GET_MSRS, m), 1, "stop at unknown MSR");
	/* a non-canonical LSTAR is refused */
	m->hdr.nmsrs = 1;
	m->e[0].index = 0xc0000082;
	m->e[0].data = 0x8000000000000000ULL;
	CHECK_EQ(ioctl(v->fd, MINIVMM_SET_MSRS, m), 0,
		 "SET_MSRS of a non-canonical LSTAR processes 0 entries");
	m->hdr.nmsrs = max + 1;
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_GET_MSRS, m), EINVAL,
		    "nmsrs = max + 1");
	m->hdr.nmsrs = 0xffffffff;
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_SET_MSRS, m), EINVAL, "nmsrs ~0");
	m->hdr.nmsrs = 1;
	m->hdr.pad = 1;
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_GET_MSRS, m), EINVAL, "pad");
	m->hdr.pad = 0;
	m->e[0].index = 0xc0000081;
	m->e[0].reserved = 1;
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_SET_MSRS, m), EINVAL,
		    "entry reserved");
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_GET_MSRS, bad_ptr()), EFAULT,
		    "bad pointer");
	return CASE_PASS;
}

static int test_cpuid(void)
{
	struct vm *vm = vm_create();
	size_t sz = sizeof(struct minivmm_cpuid) +
		    1024 * sizeof(struct minivmm_cpuid_entry);
	struct minivmm_cpuid *c = calloc(1, sz);
	struct vcpu *v;
	long max;

	CHECK(vm && c, "setup");
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu_create");
	max = cap(vm->fd, MINIVMM_CAP_MAX_CPUID_ENTRIES);
	CHECK(max > 0 && max < 1024, "MAX_CPUID_ENTRIES %ld", max);
	c->nent = max;
	CHECK_OK(ioctl(v->fd, MINIVMM_SET_CPUID, c), "nent = max");
	c->nent = 0;
	CHECK_OK(ioctl(v->fd, MINIVMM_SET_CPUID, c), "nent = 0");
	c->nent = max + 1;
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_SET_CPUID, c), EINVAL, "max + 1");
	c->nent = 0x80000000;
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_SET_CPUID, c), EINVAL, "huge nent");
	c->nent = 1;
	c->pad = 1;
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_SET_CPUID, c), EINVAL, "pad");
	c->pad = 0;
	c->entries[0].pad = 1;
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_SET_CPUID, c), EINVAL, "entry pad");
	c->entries[0].pad = 0;
	c->entries[0].flags = 2;
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_SET_CPUID, c), EINVAL, "entry flags");
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_SET_CPUID, bad_ptr()), EFAULT,
		    "bad pointer");
	return CASE_PASS;
}

static int test_xsave(void)
{
	struct vm *vm = vm_create();
	struct minivmm_xsave *x = calloc(1, sizeof(*x)), *x2 = calloc(1, sizeof(*x));
	struct vcpu *v;

	CHECK(vm && x && x2, "setup");
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu_create");
	CHECK_OK(ioctl(v->fd, MINIVMM_GET_XSAVE, x), "GET_XSAVE");
	tap_diag("fcw 0x%x mxcsr 0x%x xstate_bv 0x%x", x->region[0] & 0xffff,
		 x->region[6], x->region[128]);
	CHECK_EQ(x->region[0] & 0xffff, 0x37f, "FCW after reset");
	CHECK_EQ(x->region[6], 0x1f80, "MXCSR after reset");
	x->region[40] = 0x12345678;	/* XMM0 low dword at byte 160 */
	x->region[6] = 0x1f00;		/* MXCSR */
	x->region[128] |= 2;		/* XSTATE_BV: SSE */
	CHECK_OK(ioctl(v->fd, MINIVMM_SET_XSAVE, x), "SET_XSAVE");
	CHECK_OK(ioctl(v->fd, MINIVMM_GET_XSAVE, x2), "GET_XSAVE");
	CHECK_EQ(x2->region[40], 0x12345678, "XMM0 round-trip");
	CHECK_EQ(x2->region[6], 0x1f00, "MXCSR round-trip");
	/* state XRSTOR would fault on must be refused */
	memcpy(x2, x, sizeof(*x));
	x2->region[6] = 0xffffffff;
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_SET_XSAVE, x2), EINVAL,
		    "MXCSR reserved bits");
	memcpy(x2, x, sizeof(*x));
	x2->region[129] = 0x80000000;	/* XSTATE_BV bit 63 */
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_SET_XSAVE, x2), EINVAL,
		    "XSTATE_BV reserved bit");
	memcpy(x2, x, sizeof(*x));
	x2->region[131] = 0x80000000;	/* XCOMP_BV: compacted */
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_SET_XSAVE, x2), EINVAL,
		    "XCOMP_BV set (compacted format)");
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_GET_XSAVE, bad_ptr()), EFAULT,
		    "GET bad pointer");
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_SET_XSAVE, bad_ptr()), EFAULT,
		    "SET bad pointer");
	return CASE_PASS;
}

static int test_interrupt_args(void)
{
	struct vm *vm = vm_create();
	struct minivmm_interrupt irq = { 0 };
	struct vcpu *v;

	CHECK(vm, "vm_create");
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu_create");
	irq.vector = 31;
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_INTERRUPT, &irq), EINVAL, "vector 31");
	irq.vector = 256;
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_INTERRUPT, &irq), EINVAL, "vector 256");
	irq.vector = 0x30;
	irq.pad = 1;
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_INTERRUPT, &irq), EINVAL, "pad");
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_INTERRUPT, bad_ptr()), EFAULT,
		    "bad pointer");
	irq.pad = 0;
	CHECK_OK(ioctl(v->fd, MINIVMM_INTERRUPT, &irq), "vector 0x30");
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_INTERRUPT, &irq), EBUSY,
		    "second vector while one is queued");
	return CASE_PASS;
}

static int test_vcpu_mmap(void)
{
	struct vm *vm = vm_create();
	struct vcpu *v;
	void *p;

	CHECK(vm, "vm_create");
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu_create");
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd,
		 v->mmap_size);
	CHECK(p == MAP_FAILED, "mmap at offset == mmap size succeeded");
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd,
		 100 * PAGE);
	CHECK(p == MAP_FAILED, "mmap at offset 100 pages succeeded");
	p = mmap(NULL, v->mmap_size + PAGE, PROT_READ | PROT_WRITE,
		 MAP_SHARED, v->fd, 0);
	CHECK(p == MAP_FAILED, "mmap larger than the mmap size succeeded");
	p = mmap(NULL, v->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 v->fd, PAGE);
	CHECK(p == MAP_FAILED, "mmap from page 1 past the end succeeded");
	p = mmap(NULL, v->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 vm->fd, 0);
	CHECK(p == MAP_FAILED, "mmap of the VM fd succeeded");
	p = mmap(NULL, v->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 vm->sys_fd, 0);
	CHECK(p == MAP_FAILED, "mmap of /dev/minivmm succeeded");
	/* a second mapping sees the same run page */
	p = mmap(NULL, v->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 v->fd, 0);
	CHECK(p != MAP_FAILED, "second mapping: %s", strerror(errno));
	((struct minivmm_run *)p)->request_interrupt_window = 1;
	CHECK_EQ(v->run->request_interrupt_window, 1, "shared run page");
	munmap(p, v->mmap_size);
	return CASE_PASS;
}

static int test_run_no_memory(void)
{
	struct vm *vm = vm_create();
	struct vcpu *v;
	unsigned int i;
	int rc;

	CHECK(vm, "vm_create");
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu_create");
	/* From the reset state the first fetch hits no memory. */
	for (i = 0; i < 3; i++) {
		rc = vcpu_run(v);
		tap_diag("run %u: rc %d %s", i, rc,
			 rc ? strerror(v->last_errno) :
			      exit_name(v->run->exit_reason));
		CHECK(!v->timed_out, "RUN hung (timeout)");
		if (rc == 0) {
			uint32_t r = v->run->exit_reason;

			if (r == MINIVMM_EXIT_MMIO && v->run->mmio.is_write)
				vcpu_dump(v);
			CHECK(r == MINIVMM_EXIT_MMIO ||
			      r == MINIVMM_EXIT_INTERNAL_ERROR ||
			      r == MINIVMM_EXIT_SHUTDOWN,
			      "exit %s with no memory", exit_name(r));
			if (r == MINIVMM_EXIT_MMIO)
				memset(v->run->mmio.data, 0xff, 8);
		} else {
			CHECK(v->last_errno != EINTR, "RUN interrupted");
		}
	}
	return CASE_PASS;
}

static int test_run_bad_pad(void)
{
	struct vm *vm = vm_create();
	struct vcpu *v;

	CHECK(vm, "vm_create");
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu_create");
	v->run->pad0[3] = 1;
	CHECK_ERRNO(vcpu_run(v), EINVAL, "RUN with run->pad0 != 0");
	v->run->pad0[3] = 0;
	v->run->request_interrupt_window = 2;
	v->run->immediate_exit = 1;
	errno = 0;
	CHECK(vcpu_run(v) == -1 && (v->last_errno == EINVAL ||
				    v->last_errno == EINTR),
	      "request_interrupt_window 2: errno %s", strerror(v->last_errno));
	return CASE_PASS;
}

static const struct test_case cases[] = {
	{ "GET_API_VERSION", test_api_version, 0 },
	{ "CHECK_CAP values on system and VM fds", test_check_cap, 0 },
	{ "GET_VCPU_MMAP_SIZE", test_mmap_size, 0 },
	{ "unknown and misdirected ioctls give ENOTTY", test_enotty, 0 },
	{ "CREATE_VM flags, padding, pointer", test_create_vm, 0 },
	{ "CREATE_VCPU ids, duplicates, limit, flags", test_create_vcpu, 60 },
	{ "SET_MEMORY_REGION checks", test_memory_region, 0 },
	{ "GET/SET_REGS and GET/SET_SREGS", test_regs, 0 },
	{ "GET/SET_MSRS limits and padding", test_msrs, 0 },
	{ "SET_CPUID limits and padding", test_cpuid, 0 },
	{ "GET/SET_XSAVE round-trip and bad state", test_xsave, 0 },
	{ "INTERRUPT vectors and padding", test_interrupt_args, 0 },
	{ "mmap of the vCPU fd: offsets and sizes", test_vcpu_mmap, 0 },
	{ "RUN with no memory does not hang", test_run_no_memory, 0 },
	{ "RUN with non-zero run padding", test_run_bad_pad, 0 },
};

int main(void)
{
	return cases_run(cases, ARRAY_SIZE(cases));
}
