// SPDX-License-Identifier: GPL-2.0
/*
 * ioport_range_test - MINIVMM_SET_IOPORT_RANGE: ports marked
 * MINIVMM_IOPORT_NODEV are answered by the module without an exit (IN
 * reads all ones with the usual merge/zero-extension, OUT is dropped),
 * the port an access starts at decides, string forms still exit, clearing
 * the flag brings the exits back, and bad arguments get EINVAL/EFAULT.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include "lib/case.h"
#include "lib/guest.h"

GUEST_CODE(nodev_guest, ".code64",
	"mov $0x1122334455667788, %rax\n"
	"in $0x80, %al\n"
	"mov %rax, 0x20000\n"
	"mov $0x1122334455667788, %rax\n"
	"mov $0xcfc, %dx\n"
	"in %dx, %ax\n"
	"mov %rax, 0x20008\n"
	"mov $0x1122334455667788, %rax\n"
	"in %dx, %eax\n"
	"mov %rax, 0x20010\n"
	"mov $0xcf8, %dx\n"
	"mov $0x80000000, %eax\n"
	"out %eax, %dx\n"
	"out %al, $0x80\n"
	/* 0xcfb has no flag: the dword from it exits, whatever 0xcfc has. */
	"mov $0xcfb, %dx\n"
	"in %dx, %eax\n"
	"mov %rax, 0x20018\n"
	/* String forms always exit. */
	"cld\n"
	"mov $0x21000, %rdi\n"
	"mov $1, %rcx\n"
	"mov $0xcfc, %dx\n"
	"rep insb\n"
	"hlt\n");

/* IN from 0x80, OUT to 0x80, HLT: run twice to see the flag go away. */
GUEST_CODE(again_guest, ".code64",
	"in $0x80, %al\n"
	"out %al, $0x80\n"
	"hlt\n");

static int set_range(struct vm *vm, uint32_t base, uint32_t len,
		     uint32_t flags, uint32_t pad)
{
	struct minivmm_ioport_range r = {
		.base = base, .len = len, .flags = flags, .pad = pad,
	};

	return ioctl(vm->fd, MINIVMM_SET_IOPORT_RANGE, &r);
}

static int test_cap(void)
{
	struct vm *vm = vm_create();
	int cap;

	CHECK(vm, "vm_create failed");
	cap = ioctl(vm->fd, MINIVMM_CHECK_CAP, MINIVMM_CAP_IOPORT_RANGE);
	vm_free(vm);
	if (cap == 0)
		return case_skip("MINIVMM_CAP_IOPORT_RANGE not reported by this module (kmod/main.c)");
	CHECK_EQ(cap, 1, "MINIVMM_CAP_IOPORT_RANGE");
	return CASE_PASS;
}

static int test_args(void)
{
	struct vm *vm = vm_create();

	CHECK(vm, "vm_create failed");
	CHECK_ERRNO(set_range(vm, 0x80, 0, MINIVMM_IOPORT_NODEV, 0), EINVAL,
		    "len 0");
	CHECK_ERRNO(set_range(vm, 0x10000, 1, MINIVMM_IOPORT_NODEV, 0),
		    EINVAL, "base 0x10000");
	CHECK_ERRNO(set_range(vm, 0xffff, 2, MINIVMM_IOPORT_NODEV, 0),
		    EINVAL, "base + len > 0x10000");
	CHECK_ERRNO(set_range(vm, 1, 0xffffffff, MINIVMM_IOPORT_NODEV, 0),
		    EINVAL, "len wrapping around");
	CHECK_ERRNO(set_range(vm, 0x80, 1, 1u << 1, 0), EINVAL,
		    "unknown flag bit 1");
	CHECK_ERRNO(set_range(vm, 0x80, 1, 1u << 31, 0), EINVAL,
		    "unknown flag bit 31");
	CHECK_ERRNO(set_range(vm, 0x80, 1, MINIVMM_IOPORT_NODEV, 1), EINVAL,
		    "non-zero pad");
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_SET_IOPORT_RANGE, (void *)8),
		    EFAULT, "bad pointer");
	CHECK_OK(set_range(vm, 0, 0x10000, 0, 0),
		 "clearing every port before anything was set");
	CHECK_OK(set_range(vm, 0, 0x10000, MINIVMM_IOPORT_NODEV, 0),
		 "every port");
	CHECK_OK(set_range(vm, 0xffff, 1, MINIVMM_IOPORT_NODEV, 0),
		 "the last port");
	CHECK_OK(set_range(vm, 0, 0x10000, 0, 0), "clearing every port");
	vm_free(vm);
	return CASE_PASS;
}

static int test_nodev(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, nodev_guest);
	uint32_t val = 0x12345678;
	uint64_t *res;

	CHECK(v, "guest setup failed");
	res = vm_host(v->vm, DATA_GPA);
	CHECK_OK(set_range(v->vm, 0x80, 1, MINIVMM_IOPORT_NODEV, 0), "0x80");
	CHECK_OK(set_range(v->vm, 0xcf8, 1, MINIVMM_IOPORT_NODEV, 0),
		 "0xcf8");
	CHECK_OK(set_range(v->vm, 0xcfc, 4, MINIVMM_IOPORT_NODEV, 0),
		 "0xcfc-0xcff");

	/* The first exit must be the IN from 0xcfb: nothing before it. */
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_IO), "no IO exit");
	CHECK(v->run->io.port == 0xcfb && v->run->io.size == 4 &&
	      v->run->io.direction == MINIVMM_IO_IN,
	      "first exit: port 0x%x size %u dir %u, want IN dword 0xcfb",
	      v->run->io.port, v->run->io.size, v->run->io.direction);
	memcpy(vcpu_io_data(v), &val, 4);
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_IO), "no exit for INSB");
	CHECK(v->run->io.port == 0xcfc && v->run->io.size == 1 &&
	      v->run->io.direction == MINIVMM_IO_IN &&
	      v->run->io.count == 1,
	      "second exit: port 0x%x size %u count %u, want INSB from 0xcfc",
	      v->run->io.port, v->run->io.size, v->run->io.count);
	*(uint8_t *)vcpu_io_data(v) = 0x5a;
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT");
	CHECK_EQ(res[0], 0x11223344556677ffULL, "in al from no device");
	CHECK_EQ(res[1], 0x112233445566ffffULL, "in ax from no device");
	CHECK_EQ(res[2], 0x00000000ffffffffULL,
		 "in eax from no device zero-extends");
	CHECK_EQ(res[3], 0x12345678ULL, "in eax answered by userspace");
	CHECK_EQ(*(uint8_t *)vm_host(v->vm, 0x21000), 0x5a,
		 "insb answered by userspace");
	return CASE_PASS;
}

static int test_clear(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, again_guest);

	CHECK(v, "guest setup failed");
	CHECK_OK(set_range(v->vm, 0x70, 0x20, MINIVMM_IOPORT_NODEV, 0),
		 "0x70-0x8f");
	CHECK_OK(set_range(v->vm, 0x80, 1, 0, 0), "clearing 0x80");
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_IO), "IN from 0x80 did not exit");
	CHECK(v->run->io.port == 0x80 &&
	      v->run->io.direction == MINIVMM_IO_IN, "exit at port 0x%x",
	      v->run->io.port);
	*(uint8_t *)vcpu_io_data(v) = 0x42;
	/* Set again while the vCPU exists: its next access sees it. */
	CHECK_OK(set_range(v->vm, 0x80, 1, MINIVMM_IOPORT_NODEV, 0),
		 "0x80 again");
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "OUT to 0x80 exited");
	CHECK_EQ(VCPU_REG(v, rax) & 0xff, 0x42, "al from userspace");
	return CASE_PASS;
}

static const struct test_case cases[] = {
	{ "MINIVMM_CAP_IOPORT_RANGE is reported", test_cap, 0 },
	{ "bad ranges, flags, pad and pointers are refused", test_args, 0 },
	{ "no-device ports: all ones, writes dropped, no exit", test_nodev, 0 },
	{ "clearing and setting the flag while a vCPU exists", test_clear, 0 },
};

int main(void)
{
	return cases_run(cases, ARRAY_SIZE(cases));
}
