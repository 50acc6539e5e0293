// SPDX-License-Identifier: GPL-2.0
/*
 * io_test - port IO: OUT and IN of 1, 2 and 4 bytes (values seen by
 * userspace, IN merging into AL/AX and zero-extending into RAX for EAX),
 * and REP INSB/OUTSB/OUTSW moving more data than one exit can carry.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/case.h"
#include "lib/guest.h"

GUEST_CODE(out_guest, ".code64",
	"mov $0xa5, %al\n"
	"out %al, $0x40\n"
	"mov $0x502, %dx\n"
	"mov $0xbeef, %ax\n"
	"out %ax, %dx\n"
	"mov $0x504, %dx\n"
	"mov $0xdeadbeef, %eax\n"
	"out %eax, %dx\n"
	"mov $0x80, %dx\n"
	"mov $0x3c, %al\n"
	"out %al, %dx\n"
	"hlt\n");

GUEST_CODE(in_guest, ".code64",
	"mov $0x1122334455667788, %rax\n"
	"in $0x40, %al\n"
	"mov %rax, 0x20000\n"
	"mov $0x1122334455667788, %rax\n"
	"mov $0x502, %dx\n"
	"in %dx, %ax\n"
	"mov %rax, 0x20008\n"
	"mov $0x1122334455667788, %rax\n"
	"mov $0x504, %dx\n"
	"in %dx, %eax\n"
	"mov %rax, 0x20010\n"
	"mov $0x1122334455667788, %rax\n"
	"in $0x41, %eax\n"
	"hlt\n");

GUEST_CODE(outsb_guest, ".code64",
	"cld\n"
	"mov $0x21000, %rsi\n"
	"mov $5000, %rcx\n"
	"mov $0x600, %dx\n"
	"rep outsb\n"
	"hlt\n");

GUEST_CODE(insb_guest, ".code64",
	"cld\n"
	"mov $0x24000, %rdi\n"
	"mov $5000, %rcx\n"
	"mov $0x601, %dx\n"
	"rep insb\n"
	"hlt\n");

GUEST_CODE(outsw_guest, ".code64",
	"cld\n"
	"mov $0x21000, %rsi\n"
	"mov $3000, %rcx\n"
	"mov $0x602, %dx\n"
	"rep outsw\n"
	"hlt\n");

GUEST_CODE(in_pending_guest, ".code64",
	"mov $0x1122334455667788, %rax\n"
	"in $0x42, %ax\n"
	".globl in_pending_after\n"
	"in_pending_after:\n"
	"hlt\n");
GUEST_LABEL(in_pending_after);

#define REP_SRC		0x21000ULL
#define REP_DST		0x24000ULL

static uint8_t pattern(unsigned int i)
{
	return (uint8_t)(i * 7 + (i >> 8) + 3);
}

static int expect_io(struct vcpu *v, int dir, uint16_t port, uint8_t size)
{
	if (!vcpu_run_expect(v, MINIVMM_EXIT_IO))
		return CASE_FAIL;
	if (v->run->io.direction != dir || v->run->io.port != port ||
	    v->run->io.size != size || v->run->io.count != 1) {
		tap_diag("expected %s port 0x%x size %u count 1",
			 dir == MINIVMM_IO_OUT ? "out" : "in", port, size);
		vcpu_dump(v);
		return CASE_FAIL;
	}
	return CASE_PASS;
}

static int test_out(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, out_guest);
	uint32_t val;

	CHECK(v, "guest setup failed");
	if (expect_io(v, MINIVMM_IO_OUT, 0x40, 1))
		return CASE_FAIL;
	CHECK_EQ(*(uint8_t *)vcpu_io_data(v), 0xa5, "out al");
	if (expect_io(v, MINIVMM_IO_OUT, 0x502, 2))
		return CASE_FAIL;
	memcpy(&val, vcpu_io_data(v), 4);
	CHECK_EQ(val & 0xffff, 0xbeef, "out ax");
	if (expect_io(v, MINIVMM_IO_OUT, 0x504, 4))
		return CASE_FAIL;
	memcpy(&val, vcpu_io_data(v), 4);
	CHECK_EQ(val, 0xdeadbeef, "out eax");
	if (expect_io(v, MINIVMM_IO_OUT, 0x80, 1))
		return CASE_FAIL;
	CHECK_EQ(*(uint8_t *)vcpu_io_data(v), 0x3c, "out al to 0x80");
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT");
	return CASE_PASS;
}

static int test_in(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, in_guest);
	uint64_t *res;
	uint32_t val;

	CHECK(v, "guest setup failed");
	res = vm_host(v->vm, DATA_GPA);
	if (expect_io(v, MINIVMM_IO_IN, 0x40, 1))
		return CASE_FAIL;
	*(uint8_t *)vcpu_io_data(v) = 0xab;
	if (expect_io(v, MINIVMM_IO_IN, 0x502, 2))
		return CASE_FAIL;
	val = 0xcdef;
	memcpy(vcpu_io_data(v), &val, 2);
	if (expect_io(v, MINIVMM_IO_IN, 0x504, 4))
		return CASE_FAIL;
	val = 0x89abcdef;
	memcpy(vcpu_io_data(v), &val, 4);
	if (expect_io(v, MINIVMM_IO_IN, 0x41, 4))
		return CASE_FAIL;
	val = 0xf00dface;
	memcpy(vcpu_io_data(v), &val, 4);
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT");
	CHECK_EQ(res[0], 0x11223344556677abULL, "in al merges into rax");
	CHECK_EQ(res[1], 0x112233445566cdefULL, "in ax merges into rax");
	CHECK_EQ(res[2], 0x0000000089abcdefULL, "in eax zero-extends rax");
	CHECK_EQ(VCPU_REG(v, rax), 0xf00dfaceULL, "in eax, imm8 in rax");
	return CASE_PASS;
}

/*
 * Userspace answers an IN, then RUNs with immediate_exit: the IN must be
 * complete (AX loaded, rip past it) when GET_REGS looks.
 */
static int test_in_immediate_exit(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, in_pending_guest);
	uint16_t val = 0x9876;

	CHECK(v, "guest setup failed");
	if (expect_io(v, MINIVMM_IO_IN, 0x42, 2))
		return CASE_FAIL;
	memcpy(vcpu_io_data(v), &val, 2);
	v->run->immediate_exit = 1;
	CHECK_ERRNO(vcpu_run(v), EINTR, "RUN with immediate_exit");
	CHECK_EQ(VCPU_REG(v, rax), 0x1122334455669876ULL,
		 "rax after the IN was answered");
	CHECK_EQ(VCPU_REG(v, rip),
		 GUEST_ADDR(in_pending_guest, in_pending_after),
		 "rip after the IN was answered");
	v->run->immediate_exit = 0;
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT");
	CHECK_EQ(VCPU_REG(v, rax), 0x1122334455669876ULL, "rax at HLT");
	return CASE_PASS;
}

/* Runs a REP OUTS guest and collects what it sends to @port. */
static int rep_out(const void *code, const void *end, uint16_t port,
		   uint8_t size, unsigned int count)
{
	struct vcpu *v = guest_create(MODE_LONG, code, end);
	uint8_t *src, *got;
	unsigned int i;

	CHECK(v, "guest setup failed");
	src = vm_host(v->vm, REP_SRC);
	for (i = 0; i < count * size; i++)
		src[i] = pattern(i);
	got = calloc(1, count * size);
	CHECK(got, "calloc");
	CHECK_EQ(vcpu_run_rep_io(v, port, MINIVMM_IO_OUT, size, got, count),
		 count, "items received");
	for (i = 0; i < count * size; i++)
		CHECK(got[i] == pattern(i), "byte %u: got 0x%02x want 0x%02x",
		      i, got[i], pattern(i));
	CHECK_EQ(VCPU_REG(v, rcx), 0, "rcx after rep");
	CHECK_EQ(VCPU_REG(v, rsi), REP_SRC + count * size, "rsi after rep");
	return CASE_PASS;
}

static int test_rep_outsb(void)
{
	return rep_out(outsb_guest, outsb_guest_end, 0x600, 1, 5000);
}

static int test_rep_outsw(void)
{
	return rep_out(outsw_guest, outsw_guest_end, 0x602, 2, 3000);
}

static int test_rep_insb(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, insb_guest);
	unsigned int count = 5000, i;
	uint8_t *dst, src[5000];

	CHECK(v, "guest setup failed");
	dst = vm_host(v->vm, REP_DST);
	memset(dst, 0xcc, count + 64);
	for (i = 0; i < count; i++)
		src[i] = pattern(i);
	CHECK_EQ(vcpu_run_rep_io(v, 0x601, MINIVMM_IO_IN, 1, src, count),
		 count, "bytes requested by the guest");
	for (i = 0; i < count; i++)
		CHECK(dst[i] == pattern(i), "byte %u: got 0x%02x want 0x%02x",
		      i, dst[i], pattern(i));
	for (i = count; i < count + 64; i++)
		CHECK(dst[i] == 0xcc, "byte %u past the buffer changed to 0x%02x",
		      i, dst[i]);
	CHECK_EQ(VCPU_REG(v, rcx), 0, "rcx after rep");
	CHECK_EQ(VCPU_REG(v, rdi), REP_DST + count, "rdi after rep");
	return CASE_PASS;
}

static const struct test_case cases[] = {
	{ "out of 1, 2 and 4 bytes", test_out, 0 },
	{ "in of 1, 2 and 4 bytes: merge and zero-extension", test_in, 0 },
	{ "an answered IN completes before an immediate_exit RUN",
	  test_in_immediate_exit, 0 },
	{ "rep outsb of 5000 bytes", test_rep_outsb, 120 },
	{ "rep insb of 5000 bytes", test_rep_insb, 120 },
	{ "rep outsw of 3000 words", test_rep_outsw, 120 },
};

int main(void)
{
	return cases_run(cases, ARRAY_SIZE(cases));
}
