// SPDX-License-Identifier: GPL-2.0
/*
 * modes_test - guests in real, protected and long mode write a known value
 * to a port and to memory, then halt; the long-mode '*' printer of the
 * seed runs until userspace stops it.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include "lib/case.h"
#include "lib/guest.h"

GUEST_CODE(real_guest, ".code16",
	"mov $0x5a, %al\n"
	"out %al, $0x10\n"
	"mov $0x2000, %ax\n"		/* DATA_GPA >> 4 */
	"mov %ax, %ds\n"
	"movw $0x1234, 0x10\n"
	"mov $0xbeef, %bx\n"
	"mov $0x7fff, %si\n"
	"hlt\n"
	".globl real_guest_after_hlt\n"
	"real_guest_after_hlt:\n"
	"jmp real_guest_after_hlt\n");
GUEST_LABEL(real_guest_after_hlt);

GUEST_CODE(prot_guest, ".code32",
	"mov $0x12345678, %eax\n"
	"out %eax, $0x11\n"
	"movl $0xcafebabe, 0x20010\n"
	"mov $0xfeedf00d, %edi\n"
	"hlt\n"
	".globl prot_guest_after_hlt\n"
	"prot_guest_after_hlt:\n"
	"jmp prot_guest_after_hlt\n");
GUEST_LABEL(prot_guest_after_hlt);

GUEST_CODE(long_guest, ".code64",
	"mov $0x123456789abcdef0, %rax\n"
	"mov %rax, 0x20010\n"
	"mov $0x0123456789abcdef, %r15\n"
	"mov $0x77, %al\n"
	"out %al, $0x12\n"
	"hlt\n"
	".globl long_guest_after_hlt\n"
	"long_guest_after_hlt:\n"
	"jmp long_guest_after_hlt\n");
GUEST_LABEL(long_guest_after_hlt);

/* Real mode -> protected mode -> long mode, as a boot loader does it. */
GUEST_CODE(switch_guest, ".code16",
	"cli\n"
	"lgdtl %cs:(switch_gdtr - switch_guest)\n"
	"mov %cr0, %eax\n"
	"or $1, %eax\n"
	"mov %eax, %cr0\n"
	"ljmpl $0x18, $(0x10000 + switch_p32 - switch_guest)\n"
	"switch_gdtr:\n"
	".word 0x37\n"
	".long 0x1000\n"
	".code32\n"
	"switch_p32:\n"
	"mov $0x10, %ax\n"
	"mov %ax, %ds\n"
	"mov %ax, %es\n"
	"mov %ax, %ss\n"
	"mov $0x70000, %esp\n"
	"mov $0x32, %al\n"
	"out %al, $0x99\n"
	"mov %cr4, %eax\n"
	"or $0x20, %eax\n"
	"mov %eax, %cr4\n"
	"mov $0x3000, %eax\n"
	"mov %eax, %cr3\n"
	"mov $0xc0000080, %ecx\n"
	"rdmsr\n"
	"or $0x100, %eax\n"
	"wrmsr\n"
	"mov %cr0, %eax\n"
	"or $0x80000000, %eax\n"
	"mov %eax, %cr0\n"
	"ljmp $0x08, $(0x10000 + switch_p64 - switch_guest)\n"
	".code64\n"
	"switch_p64:\n"
	"mov $0x64, %al\n"
	"out %al, $0x99\n"
	"mov $0x1122334455667788, %rax\n"
	"mov %rax, 0x20018\n"
	"hlt\n");

/* The seed's guest: prints '*' to COM1 forever. */
GUEST_CODE(star_guest, ".code64",
	"star_guest_loop:\n"
	"mov $0x3f8, %dx\n"
	"mov $0x2a, %al\n"
	"out %al, %dx\n"
	"jmp star_guest_loop\n");

static int check_out(struct vcpu *v, uint16_t port, uint8_t size,
		     uint32_t value)
{
	uint32_t got = 0;

	if (!vcpu_run_expect(v, MINIVMM_EXIT_IO))
		return CASE_FAIL;
	CHECK_EQ(v->run->io.direction, MINIVMM_IO_OUT, "io direction");
	CHECK_EQ(v->run->io.port, port, "io port");
	CHECK_EQ(v->run->io.size, size, "io size");
	CHECK_EQ(v->run->io.count, 1, "io count");
	CHECK(v->run->io.data_offset >= sizeof(struct minivmm_run) &&
	      v->run->io.data_offset + size <= v->mmap_size,
	      "data_offset %llu outside the mapping (%zu bytes)",
	      (unsigned long long)v->run->io.data_offset, v->mmap_size);
	memcpy(&got, vcpu_io_data(v), size);
	CHECK_EQ(got, value, "value the guest wrote to port 0x%x", port);
	return CASE_PASS;
}

static int test_real_mode(void)
{
	struct vcpu *v;
	int sys = sys_open();
	uint16_t *data;

	if (ioctl(sys, MINIVMM_CHECK_CAP, MINIVMM_CAP_UNRESTRICTED_GUEST) <= 0)
		return case_skip("MINIVMM_CAP_UNRESTRICTED_GUEST is absent");
	v = GUEST_CREATE(MODE_REAL, real_guest);
	CHECK(v, "could not create a real-mode guest");
	if (check_out(v, 0x10, 1, 0x5a))
		return CASE_FAIL;
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT exit");
	CHECK_EQ(VCPU_REG(v, rbx) & 0xffff, 0xbeef, "bx");
	CHECK_EQ(VCPU_REG(v, rsi) & 0xffff, 0x7fff, "si");
	CHECK_EQ(VCPU_REG(v, rip),
		 real_guest_after_hlt - real_guest, "ip after hlt");
	data = vm_host(v->vm, DATA_GPA + 0x10);
	CHECK_EQ(*data, 0x1234, "word stored through DS=0x2000");
	return CASE_PASS;
}

static int test_prot_mode(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_PROT32, prot_guest);
	uint32_t *data;

	CHECK(v, "could not create a protected-mode guest");
	if (check_out(v, 0x11, 4, 0x12345678))
		return CASE_FAIL;
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT exit");
	CHECK_EQ(VCPU_REG(v, rdi), 0xfeedf00d, "edi");
	CHECK_EQ(VCPU_REG(v, rip),
		 GUEST_ADDR(prot_guest, prot_guest_after_hlt), "eip after hlt");
	data = vm_host(v->vm, DATA_GPA + 0x10);
	CHECK_EQ(*data, 0xcafebabe, "dword stored at 0x20010");
	return CASE_PASS;
}

static int test_long_mode(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, long_guest);
	struct minivmm_sregs sr;
	uint64_t *data;

	CHECK(v, "could not create a long-mode guest");
	if (check_out(v, 0x12, 1, 0x77))
		return CASE_FAIL;
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT exit");
	CHECK_EQ(VCPU_REG(v, r15), 0x0123456789abcdefULL, "r15");
	CHECK_EQ(VCPU_REG(v, rax), 0x123456789abcde77ULL, "rax (al merged)");
	CHECK_EQ(VCPU_REG(v, rip),
		 GUEST_ADDR(long_guest, long_guest_after_hlt), "rip after hlt");
	data = vm_host(v->vm, DATA_GPA + 0x10);
	CHECK_EQ(*data, 0x123456789abcdef0ULL, "qword stored at 0x20010");
	CHECK_OK(vcpu_get_sregs(v, &sr), "GET_SREGS");
	CHECK_EQ(sr.efer & 0x500, 0x500, "EFER.LME|LMA");
	CHECK_EQ(sr.cr3, PML4_GPA, "cr3");
	CHECK_EQ(sr.cs.l, 1, "cs.l");
	return CASE_PASS;
}

static int test_mode_switch(void)
{
	struct minivmm_sregs sr;
	struct vcpu *v;
	int sys = sys_open();

	if (ioctl(sys, MINIVMM_CHECK_CAP, MINIVMM_CAP_UNRESTRICTED_GUEST) <= 0)
		return case_skip("MINIVMM_CAP_UNRESTRICTED_GUEST is absent");
	v = GUEST_CREATE(MODE_REAL, switch_guest);
	CHECK(v, "could not create a real-mode guest");
	if (check_out(v, 0x99, 1, 0x32)) {
		tap_diag("the guest did not reach 32-bit protected mode");
		return CASE_FAIL;
	}
	if (check_out(v, 0x99, 1, 0x64)) {
		tap_diag("the guest did not reach 64-bit mode");
		return CASE_FAIL;
	}
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT in long mode");
	CHECK_EQ(*(uint64_t *)vm_host(v->vm, DATA_GPA + 0x18),
		 0x1122334455667788ULL, "64-bit store");
	CHECK_OK(vcpu_get_sregs(v, &sr), "GET_SREGS");
	CHECK_EQ(sr.efer & 0x500, 0x500, "EFER.LME|LMA");
	CHECK_EQ(sr.cr0 & 0x80000001, 0x80000001, "CR0.PG|PE");
	CHECK_EQ(sr.cr4 & 0x20, 0x20, "CR4.PAE");
	CHECK_EQ(sr.cr3, PML4_GPA, "CR3");
	CHECK(sr.cs.l == 1 && sr.cs.selector == SEL_CODE64,
	      "cs: selector 0x%x l %u", sr.cs.selector, sr.cs.l);
	CHECK_EQ(sr.gdt.base, GDT_GPA, "GDT base loaded by the guest");
	return CASE_PASS;
}

static int test_star_forever(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, star_guest);
	unsigned int i, n = 1000;
	uint64_t rip;

	CHECK(v, "could not create a long-mode guest");
	for (i = 0; i < n; i++) {
		if (!vcpu_run_expect(v, MINIVMM_EXIT_IO)) {
			tap_diag("after %u '*' exits", i);
			return CASE_FAIL;
		}
		CHECK(v->run->io.port == 0x3f8 && v->run->io.size == 1 &&
		      v->run->io.direction == MINIVMM_IO_OUT &&
		      *(char *)vcpu_io_data(v) == '*',
		      "exit %u: port 0x%x size %u dir %u data 0x%x", i,
		      v->run->io.port, v->run->io.size, v->run->io.direction,
		      *(uint8_t *)vcpu_io_data(v));
	}
	/* Stop it: immediate_exit makes RUN return at once. */
	v->run->immediate_exit = 1;
	CHECK_ERRNO(vcpu_run(v), EINTR, "RUN with immediate_exit");
	CHECK_EQ(v->run->exit_reason, MINIVMM_EXIT_INTR, "exit reason %s",
		 exit_name(v->run->exit_reason));
	rip = VCPU_REG(v, rip);
	CHECK(rip >= CODE_GPA && rip < GUEST_ADDR(star_guest, star_guest_end),
	      "rip 0x%llx outside the loop", (unsigned long long)rip);
	/* And it resumes where it was. */
	v->run->immediate_exit = 0;
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_IO), "no exit after resume");
	CHECK_EQ(v->run->io.port, 0x3f8, "port after resume");
	return CASE_PASS;
}

static const struct test_case cases[] = {
	{ "real mode: out, store through ds, hlt", test_real_mode, 0 },
	{ "protected mode: out eax, store, hlt", test_prot_mode, 0 },
	{ "long mode: out, store, hlt, sregs", test_long_mode, 0 },
	{ "the guest switches real -> protected -> long mode", test_mode_switch, 0 },
	{ "long mode '*' printer runs until stopped", test_star_forever, 60 },
};

int main(void)
{
	return cases_run(cases, ARRAY_SIZE(cases));
}
