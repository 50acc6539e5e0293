// SPDX-License-Identifier: GPL-2.0
/*
 * memory_test - guest RAM pinned and mapped on the guest's first touch:
 * untouched RAM reads as zero and keeps what the guest writes, the VMM's
 * writes made after SET_MEMORY_REGION reach the guest, string IO to and
 * from RAM nobody has touched (the kernel's own copies of not-yet-pinned
 * pages), an exception whose delivery is the first touch of the stack,
 * PAE paging on page tables only the VMM wrote (VT-x's PDPTEs),
 * memory the VMM unmapped before the guest touched it (RUN fails with
 * EFAULT, nothing breaks), and regions that could never be pinned
 * refused at SET_MEMORY_REGION.
 *
 * Slot 1 is 2 MiB at FRESH_GPA, one chunk of the module's first-touch
 * pinning, freshly mmap()ed for each case (each case is its own VM).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "lib/case.h"
#include "lib/guest.h"

#define FRESH_GPA	0x200000ULL
#define FRESH_SIZE	0x200000ULL
#define PAGE		4096ULL

GUEST_CODE(touch_guest, ".code64",
	"mov 0x300000, %rax\n"		/* never written by anyone */
	"movq $0x1234, 0x300008\n"
	"mov 0x300008, %rbx\n"
	"mov 0x380000, %rcx\n"		/* written by the VMM after the slot */
	"hlt\n");

GUEST_CODE(insb_fresh_guest, ".code64",
	"cld\n"
	"mov $0x3a0000, %rdi\n"
	"mov $5000, %rcx\n"
	"mov $0x601, %dx\n"
	"rep insb\n"
	"hlt\n");

GUEST_CODE(outsb_fresh_guest, ".code64",
	"cld\n"
	"mov %r8, %rsi\n"
	"mov $5000, %rcx\n"
	"mov $0x600, %dx\n"
	"rep outsb\n"
	"hlt\n");

/* #UD with the stack in slot 1: delivery is the stack's first touch. */
GUEST_CODE(ud_fresh_guest, ".code64",
	"mov $0x3ff000, %rsp\n"
	"ud2\n"
	"hlt\n"
	".globl ud_fresh_handler\n"
	"ud_fresh_handler:\n"
	"mov (%rsp), %rax\n"		/* the rip the CPU pushed */
	"mov $0x600d, %rbx\n"
	"hlt\n");
GUEST_LABEL(ud_fresh_handler);

/* 32-bit PAE paging on tables only the VMM wrote, in slot 1. */
#define PAE_PDPT	0x3f0000ULL
#define PAE_PD		0x3f1000ULL
GUEST_CODE(pae_guest, ".code32",
	"mov $0x3f0000, %eax\n"
	"mov %eax, %cr3\n"
	"mov %cr4, %eax\n"
	"or $0x20, %eax\n"		/* PAE */
	"mov %eax, %cr4\n"
	"mov %cr0, %eax\n"
	"or $0x80000000, %eax\n"	/* PG */
	"mov %eax, %cr0\n"
	"mov 0x300000, %ebx\n"
	"hlt\n");

static uint8_t pattern(unsigned int i)
{
	return (uint8_t)(i * 13 + (i >> 8) + 1);
}

/* The standard VM, @name's code, and slot 1 of fresh memory. */
static struct vcpu *fresh_guest(const void *code, const void *end,
				uint8_t **fresh)
{
	struct vcpu *v = guest_create(MODE_LONG, code, end);

	if (!v)
		return NULL;
	*fresh = vm_add_mem(v->vm, 1, FRESH_GPA, FRESH_SIZE, 0);
	return *fresh ? v : NULL;
}

static int test_touch(void)
{
	uint8_t *fresh;
	struct vcpu *v = fresh_guest(touch_guest, touch_guest_end, &fresh);
	uint64_t word = 0xfeedfacecafe;

	CHECK(v, "guest setup failed");
	/* After SET_MEMORY_REGION, before the guest ever ran. */
	memcpy(fresh + 0x180000, &word, sizeof(word));
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT");
	CHECK_EQ(VCPU_REG(v, rax), 0, "untouched RAM reads as zero");
	CHECK_EQ(VCPU_REG(v, rbx), 0x1234, "the guest reads back its write");
	CHECK_EQ(VCPU_REG(v, rcx), word, "the VMM's late write reached the guest");
	memcpy(&word, fresh + 0x100008, sizeof(word));
	CHECK_EQ(word, 0x1234, "the VMM sees the guest's write");
	return CASE_PASS;
}

static int test_insb_fresh(void)
{
	uint8_t *fresh, *dst, src[5000];
	struct vcpu *v = fresh_guest(insb_fresh_guest, insb_fresh_guest_end,
				     &fresh);
	unsigned int count = sizeof(src), i;

	CHECK(v, "guest setup failed");
	dst = fresh + 0x1a0000;
	for (i = 0; i < count; i++)
		src[i] = pattern(i);
	CHECK_EQ(vcpu_run_rep_io(v, 0x601, MINIVMM_IO_IN, 1, src, count),
		 count, "bytes requested by the guest");
	for (i = 0; i < count; i++)
		CHECK(dst[i] == pattern(i), "byte %u: got 0x%02x want 0x%02x",
		      i, dst[i], pattern(i));
	CHECK_EQ(dst[count], 0, "the byte after the buffer");
	CHECK_EQ(VCPU_REG(v, rdi), FRESH_GPA + 0x1a0000 + count,
		 "rdi after rep");
	return CASE_PASS;
}

/* rep outsb of 5000 bytes from @gpa in slot 1, written by the VMM or not. */
static int outsb_fresh(uint64_t gpa, bool vmm_wrote)
{
	uint8_t *fresh, got[5000];
	struct vcpu *v = fresh_guest(outsb_fresh_guest, outsb_fresh_guest_end,
				     &fresh);
	struct minivmm_regs regs;
	unsigned int count = sizeof(got), i;

	CHECK(v, "guest setup failed");
	if (vmm_wrote)
		for (i = 0; i < count; i++)
			fresh[gpa - FRESH_GPA + i] = pattern(i);
	CHECK_OK(vcpu_get_regs(v, &regs), "GET_REGS");
	regs.r8 = gpa;
	CHECK_OK(vcpu_set_regs(v, &regs), "SET_REGS");
	CHECK_EQ(vcpu_run_rep_io(v, 0x600, MINIVMM_IO_OUT, 1, got, count),
		 count, "bytes sent by the guest");
	for (i = 0; i < count; i++)
		CHECK(got[i] == (vmm_wrote ? pattern(i) : 0),
		      "byte %u: got 0x%02x", i, got[i]);
	return CASE_PASS;
}

static int test_outsb_vmm_written(void)
{
	return outsb_fresh(FRESH_GPA + 0x1b0000, true);
}

static int test_outsb_untouched(void)
{
	return outsb_fresh(FRESH_GPA + 0x1c0000, false);
}

static int test_exception_first_touch(void)
{
	uint8_t *fresh;
	struct vcpu *v = fresh_guest(ud_fresh_guest, ud_fresh_guest_end,
				     &fresh);

	CHECK(v, "guest setup failed");
	vm_idt_set64(v->vm, 6, GUEST_ADDR(ud_fresh_guest, ud_fresh_handler));
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT");
	CHECK_EQ(VCPU_REG(v, rbx), 0x600d, "the #UD handler ran");
	/* mov imm32, %rsp is 7 bytes: ud2 is at CODE_GPA + 7. */
	CHECK_EQ(VCPU_REG(v, rax), CODE_GPA + 7, "the pushed rip is the ud2");
	return CASE_PASS;
}

/*
 * VT-x takes PAE paging's PDPTEs from the VMCS, which the module fills
 * from guest memory when the guest's CR0 write turns paging on: here a
 * page neither pinned nor touched by the guest.
 */
static int test_pae_fresh_tables(void)
{
	struct vcpu *v = guest_create(MODE_PROT32, pae_guest, pae_guest_end);
	uint64_t pdpte = PAE_PD | 1, pde[2] = { 0x83, FRESH_GPA | 0x83 };
	uint32_t marker = 0x5a5a1234;
	uint8_t *fresh;

	CHECK(v, "guest setup failed");
	fresh = vm_add_mem(v->vm, 1, FRESH_GPA, FRESH_SIZE, 0);
	CHECK(fresh, "slot 1");
	/* PDPT[0] -> PD: 0-2 MiB and 2-4 MiB identity-mapped, 2 MiB pages. */
	memcpy(fresh + (PAE_PDPT - FRESH_GPA), &pdpte, sizeof(pdpte));
	memcpy(fresh + (PAE_PD - FRESH_GPA), pde, sizeof(pde));
	memcpy(fresh + 0x100000, &marker, sizeof(marker));
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT under PAE paging");
	CHECK_EQ(VCPU_REG(v, rbx), marker, "a load through PAE paging");
	return CASE_PASS;
}

static int test_unmapped_before_touch(void)
{
	uint8_t *fresh;
	struct vcpu *v = fresh_guest(touch_guest, touch_guest_end, &fresh);

	CHECK(v, "guest setup failed");
	CHECK_OK(munmap(fresh, FRESH_SIZE), "munmap");
	v->vm->slots[1].used = false;
	CHECK(vcpu_run(v) == -1 && v->last_errno == EFAULT,
	      "RUN on RAM whose memory is gone: want EFAULT, got %s (exit %s)",
	      strerror(v->last_errno), exit_name(v->run->exit_reason));
	/* Deleting the slot makes the address MMIO, and the guest goes on. */
	CHECK_OK(vm_set_region(v->vm, 1, 0, FRESH_GPA, 0, NULL),
		 "delete slot 1");
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_MMIO), "no MMIO exit");
	CHECK_EQ(v->run->mmio.phys_addr, 0x300000, "MMIO address");
	return CASE_PASS;
}

static int test_unpinnable_regions(void)
{
	struct vm *vm = vm_create();
	uint8_t *p;

	CHECK(vm, "VM setup failed");
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap");
	CHECK_OK(munmap(p + 2 * PAGE, PAGE), "munmap a hole");
	CHECK_ERRNO(vm_set_region(vm, 0, 0, 0, 4 * PAGE, p), EFAULT,
		    "a range with a hole");
	CHECK_OK(vm_set_region(vm, 0, 0, 0, 2 * PAGE, p),
		 "the part before the hole");
	CHECK_OK(mprotect(p + 3 * PAGE, PAGE, PROT_READ), "mprotect");
	CHECK_ERRNO(vm_set_region(vm, 1, 0, 0x10000, PAGE, p + 3 * PAGE),
		    EFAULT, "a read-only mapping as writable RAM");
	CHECK_OK(vm_set_region(vm, 1, MINIVMM_MEM_READONLY, 0x10000, PAGE,
			       p + 3 * PAGE),
		 "a read-only mapping as a read-only slot");
	vm_free(vm);
	return CASE_PASS;
}

static const struct test_case cases[] = {
	{ "untouched RAM reads as zero; late VMM writes reach the guest",
	  test_touch, 0 },
	{ "rep insb into RAM nobody touched", test_insb_fresh, 120 },
	{ "rep outsb from RAM only the VMM wrote", test_outsb_vmm_written,
	  120 },
	{ "rep outsb from RAM nobody touched", test_outsb_untouched, 120 },
	{ "an exception whose delivery first touches the stack",
	  test_exception_first_touch, 0 },
	{ "PAE paging on tables only the VMM wrote", test_pae_fresh_tables,
	  0 },
	{ "memory unmapped before the first touch: RUN fails with EFAULT",
	  test_unmapped_before_touch, 0 },
	{ "regions that cannot be pinned are refused when set",
	  test_unpinnable_regions, 0 },
};

int main(void)
{
	return cases_run(cases, ARRAY_SIZE(cases));
}
