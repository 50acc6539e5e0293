// SPDX-License-Identifier: GPL-2.0
/*
 * mmio_test - MMIO loads and stores through every instruction form the
 * decoder supports, in 64-bit, 32-bit and 16-bit code; read-only slots;
 * an instruction the decoder cannot handle; single-stepping over the
 * instructions the kernel completes.
 *
 * Each guest runs a fixed sequence of accesses; userspace checks every
 * exit against a table (address, size, data written) and answers loads
 * with the table's value.  The guest stores what each load produced in
 * DATA_GPA, where merging, zero- and sign-extension are checked.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "lib/case.h"
#include "lib/guest.h"

#define M	"0x40000000"

GUEST_CODE(mmio64, ".code64",
	"mov $" M ", %ebx\n"
	"mov $0x99887766554433a1, %rcx\n"
	"mov $0x0102030405060708, %rax\n"
	"mov $0x1111111111119a9b, %r9\n"
	"mov $0x22222222abcdef01, %r10\n"
	"mov $0x0123456789abcdef, %r11\n"
	"mov $1, %esi\n"
	"mov $0x5e, %edi\n"
	"mov $0xfedcba98, %edx\n"
	/* stores */
	"movb $0x11, (%rbx)\n"				/* C6 */
	"movw $0x2233, 2(%rbx)\n"			/* 66 C7 disp8 */
	"movl $0x44556677, 4(%rbx)\n"			/* C7 */
	"movq $-2, 8(%rbx)\n"				/* REX.W C7 */
	"mov %cl, 0x10(%rbx)\n"				/* 88 */
	"mov %ah, 0x11(%rbx)\n"				/* 88 high byte */
	"mov %r9w, 0x12(%rbx)\n"			/* 66 REX.R 89 */
	"mov %r10d, 0x100(%rbx)\n"			/* REX.R 89 disp32 */
	"mov %r11, 0x18(%rbx,%rsi,8)\n"			/* REX.WR 89 SIB */
	"mov %dil, 0x28(%rbx)\n"			/* REX 88 */
	"movabs %al, 0x40000030\n"			/* A2 */
	"movabs %rax, 0x40000038\n"			/* REX.W A3 */
	"mov %edx, 0x40000040\n"			/* 89 SIB no base */
	/* mov %edx, disp32(%rip), encoded by hand: gas would relocate it */
	".byte 0x89, 0x15\n"
	".long 0x40000044 - 0x10000 - (mmio64_r1 - mmio64)\n"
	"mmio64_r1:\n"
	/* loads */
	"mov $0x1111111111111111, %rcx\n"
	"mov 0x200(%rbx), %cl\n"			/* 8A */
	"mov %rcx, 0x20000\n"
	"mov $0x2222222222222222, %rdx\n"
	"mov 0x202(%rbx), %dx\n"			/* 66 8B */
	"mov %rdx, 0x20008\n"
	"mov $0x3333333333333333, %r12\n"
	"mov 0x204(%rbx), %r12d\n"			/* REX.R 8B */
	"mov %r12, 0x20010\n"
	"mov 0x208(%rbx), %r13\n"			/* REX.WR 8B */
	"mov %r13, 0x20018\n"
	"mov $0x1111111111111111, %rcx\n"
	"mov 0x210(%rbx), %ch\n"			/* 8A high byte */
	"mov %rcx, 0x20020\n"
	"mov $-1, %rax\n"
	"movzbl 0x211(%rbx), %eax\n"			/* 0F B6 */
	"mov %rax, 0x20028\n"
	"mov $-1, %r14\n"
	"movzwq 0x212(%rbx), %r14\n"			/* REX.WR 0F B7 */
	"mov %r14, 0x20030\n"
	"movsbq 0x214(%rbx), %r15\n"			/* REX.WR 0F BE */
	"mov %r15, 0x20038\n"
	"mov $0x4444444444444444, %rsi\n"
	"movswl 0x216(%rbx), %esi\n"			/* 0F BF */
	"mov %rsi, 0x20040\n"
	"mov $0x5555555555555555, %rax\n"
	"movabs 0x40000220, %al\n"			/* A0 */
	"mov %rax, 0x20048\n"
	"movabs 0x40000228, %rax\n"			/* REX.W A1 */
	"mov %rax, 0x20050\n"
	"mov $2, %edi\n"
	"mov $0x6666666666666666, %rbp\n"
	"mov 0x230(%rbx,%rdi,4), %ebp\n"		/* 8B SIB */
	"mov %rbp, 0x20058\n"
	/* mov disp32(%rip), %r8 */
	".byte 0x4c, 0x8b, 0x05\n"
	".long 0x40000240 - 0x10000 - (mmio64_r2 - mmio64)\n"
	"mmio64_r2:\n"
	"mov %r8, 0x20060\n"
	"mov $0x7777777777777777, %r9\n"
	"mov 0x40000248, %r9w\n"			/* 66 REX.R 8B abs */
	"mov %r9, 0x20068\n"
	"hlt\n");

GUEST_CODE(mmio32, ".code32",
	"mov $" M ", %ebx\n"
	"mov $0x0a0b, %eax\n"
	"movl $0x01020304, (%ebx)\n"			/* C7 */
	"mov %ax, 0xc(%ebx)\n"				/* 66 89 */
	"mov 4(%ebx), %ecx\n"				/* 8B */
	"mov $0xffffffff, %edx\n"
	"movzwl 8(%ebx), %edx\n"			/* 0F B7 */
	"mov $0x12345678, %esi\n"
	"mov 0x10(%ebx), %si\n"				/* 66 8B */
	"hlt\n");

GUEST_CODE(mmio16, ".code16",
	"mov $0xb800, %ax\n"
	"mov %ax, %es\n"
	"movw $0x0741, %es:0x10\n"			/* 26 C7 */
	"mov $0x1234, %bx\n"
	"mov %es:0x20, %bl\n"				/* 26 8A */
	"mov $0x30, %di\n"
	"mov %es:(%di), %ecx\n"				/* 26 66 8B */
	"hlt\n");

/* rbx: the page of the read-only slot to use */
GUEST_CODE(rom_guest, ".code64",
	"mov 8(%rbx), %rax\n"
	"movq $0x1234, 8(%rbx)\n"
	"movb $0x56, 0xff0(%rbx)\n"
	"mov 8(%rbx), %rcx\n"
	"hlt\n");

/*
 * An x87 load of an 80-bit value from MMIO: its 10-byte access has no
 * MMIO exit to express it (mmio.len is 1, 2, 4 or 8), so no decoder of
 * this ABI can accept it, however many general-purpose forms it learns.
 */
GUEST_CODE(bad_insn_guest, ".code64",
	"mov $" M ", %ebx\n"
	"bad_insn_fldt: fldt 0x10(%rbx)\n"
	"hlt\n");
GUEST_LABEL(bad_insn_fldt);

/* A load through a page table that lies where no RAM is (walk_mmio). */
GUEST_CODE(walk_guest, ".code64",
	"mov $0x40000000, %ebx\n"
	"walk_load: mov (%rbx), %eax\n"
	"hlt\n");
GUEST_LABEL(walk_load);

/* Runs at a high virtual address mapped with 4 KiB pages. */
GUEST_CODE(highva_guest, ".code64",
	"mov $" M ", %ebx\n"
	"movl $0xcafef00d, 0x20(%rbx)\n"
	"mov %fs:0x30, %ecx\n"			/* FS base = M */
	"mov %ecx, 0x20000\n"
	"lea (%rip), %rax\n"
	"mov %rax, 0x20008\n"
	"hlt\n");

/* An instruction whose bytes run from the last RAM page into MMIO. */
GUEST_CODE(straddle_guest, ".code64",
	"mov $" M ", %ebx\n"
	"jmp *%rax\n");

/*
 * Single-stepping (RFLAGS.TF) over instructions the kernel completes in
 * place of the CPU (an MMIO store and load, CPUID, OUT): each must end in
 * a #DB trap, as the other instructions do.  tf_handler records the
 * return rip of every #DB at r15 and returns with TF still set.
 */
GUEST_CODE(tf_guest, ".code64",
	"mov $" M ", %ebx\n"
	"mov $0x20000, %r15d\n"
	"pushfq\n"
	"orl $0x100, (%rsp)\n"
	"popfq\n"
	"movl $0x1234, (%rbx)\n"
	"tf_1: mov 8(%rbx), %ecx\n"
	"tf_2: xor %eax, %eax\n"
	"tf_3: cpuid\n"
	"tf_4: out %al, $0x80\n"
	"tf_5: pushfq\n"
	"tf_6: andl $~0x100, (%rsp)\n"
	"tf_7: popfq\n"
	"tf_8: hlt\n");
GUEST_LABEL(tf_1); GUEST_LABEL(tf_2); GUEST_LABEL(tf_3); GUEST_LABEL(tf_4);
GUEST_LABEL(tf_5); GUEST_LABEL(tf_6); GUEST_LABEL(tf_7); GUEST_LABEL(tf_8);

#define TF_HANDLER_GPA	0x18000ULL
GUEST_CODE(tf_handler, ".code64",
	"mov (%rsp), %r14\n"
	"mov %r14, (%r15)\n"
	"add $8, %r15\n"
	"iretq\n");

struct mmio_step {
	bool write;
	uint64_t gpa;
	uint32_t len;
	uint64_t value;		/* written by the guest, or answered */
};

#define W(off, len, v) { true, 0x40000000ULL + (off), len, v }
#define R(off, len, v) { false, 0x40000000ULL + (off), len, v }

static const struct mmio_step steps64[] = {
	W(0x00, 1, 0x11), W(0x02, 2, 0x2233), W(0x04, 4, 0x44556677),
	W(0x08, 8, 0xfffffffffffffffeULL), W(0x10, 1, 0xa1), W(0x11, 1, 0x07),
	W(0x12, 2, 0x9a9b), W(0x100, 4, 0xabcdef01),
	W(0x20, 8, 0x0123456789abcdefULL), W(0x28, 1, 0x5e), W(0x30, 1, 0x08),
	W(0x38, 8, 0x0102030405060708ULL), W(0x40, 4, 0xfedcba98),
	W(0x44, 4, 0xfedcba98),
	R(0x200, 1, 0xa1), R(0x202, 2, 0xb2b3), R(0x204, 4, 0xc1c2c3c4),
	R(0x208, 8, 0x0102030405060708ULL), R(0x210, 1, 0xd5),
	R(0x211, 1, 0xe6), R(0x212, 2, 0xf7f8), R(0x214, 1, 0x80),
	R(0x216, 2, 0x8001), R(0x220, 1, 0x9a),
	R(0x228, 8, 0x1122334455667788ULL), R(0x238, 4, 0x12345678),
	R(0x240, 8, 0x8877665544332211ULL), R(0x248, 2, 0xabcd),
};

static const char *const steps64_form[] = {
	"C6 imm8", "66 C7 disp8", "C7 imm32", "REX.W C7", "88 cl", "88 ah",
	"66 REX.R 89 r9w", "REX.R 89 disp32", "REX.W 89 SIB", "REX 88 dil",
	"A2", "REX.W A3", "89 abs disp32", "89 rip-relative",
	"8A cl", "66 8B dx", "REX.R 8B r12d", "REX.W 8B r13", "8A ch",
	"0F B6", "REX.W 0F B7", "REX.W 0F BE", "0F BF", "A0", "REX.W A1",
	"8B SIB", "8B rip-relative", "66 8B abs disp32",
};

static const uint64_t results64[] = {
	0x11111111111111a1ULL, 0x222222222222b2b3ULL, 0x00000000c1c2c3c4ULL,
	0x0102030405060708ULL, 0x111111111111d511ULL, 0xe6,
	0xf7f8, 0xffffffffffffff80ULL, 0x00000000ffff8001ULL,
	0x555555555555559aULL, 0x1122334455667788ULL, 0x12345678,
	0x8877665544332211ULL, 0x777777777777abcdULL,
};

static const char *const results64_what[] = {
	"mov cl merges", "mov dx merges", "mov r12d zero-extends", "mov r13",
	"mov ch merges", "movzbl", "movzwq", "movsbq", "movswl into esi",
	"A0 merges al", "A1 rax", "mov ebp via SIB", "rip-relative r8",
	"mov r9w merges",
};

/* Runs @v through @n MMIO steps; @form names each for diagnostics. */
static int run_steps(struct vcpu *v, const struct mmio_step *s, unsigned int n,
		     const char *const *form)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct minivmm_run *run = v->run;
		uint64_t data = 0;

		if (!vcpu_run_expect(v, MINIVMM_EXIT_MMIO)) {
			tap_diag("at step %u (%s)", i, form ? form[i] : "");
			return CASE_FAIL;
		}
		if (run->mmio.phys_addr != s[i].gpa ||
		    run->mmio.len != s[i].len ||
		    !!run->mmio.is_write != s[i].write) {
			tap_diag("step %u (%s): want %s gpa 0x%llx len %u", i,
				 form ? form[i] : "",
				 s[i].write ? "write" : "read",
				 (unsigned long long)s[i].gpa, s[i].len);
			vcpu_dump(v);
			return CASE_FAIL;
		}
		if (s[i].write) {
			memcpy(&data, run->mmio.data, s[i].len);
			CHECK(data == s[i].value,
			      "step %u (%s): wrote 0x%llx, want 0x%llx", i,
			      form ? form[i] : "", (unsigned long long)data,
			      (unsigned long long)s[i].value);
		} else {
			memset(run->mmio.data, 0xee, sizeof(run->mmio.data));
			memcpy(run->mmio.data, &s[i].value, s[i].len);
		}
	}
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT after %u steps",
	      n);
	return CASE_PASS;
}

static int test_mmio64(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, mmio64);
	const uint64_t *res;
	unsigned int i, n = ARRAY_SIZE(results64);
	int bad = 0;

	CHECK(v, "guest setup failed");
	res = vm_host(v->vm, DATA_GPA);
	if (run_steps(v, steps64, ARRAY_SIZE(steps64),
		      steps64_form))
		return CASE_FAIL;
	for (i = 0; i < n; i++) {
		if (res[i] == results64[i])
			continue;
		tap_diag("load %u (%s): register 0x%llx, want 0x%llx", i,
			 results64_what[i], (unsigned long long)res[i],
			 (unsigned long long)results64[i]);
		bad++;
	}
	CHECK(!bad, "%d loads gave wrong register values", bad);
	return CASE_PASS;
}

static const struct mmio_step steps32[] = {
	W(0x00, 4, 0x01020304), W(0x0c, 2, 0x0a0b), R(0x04, 4, 0xdeadbeef),
	R(0x08, 2, 0x8765), R(0x10, 2, 0x4321),
};

static int test_mmio32(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_PROT32, mmio32);

	CHECK(v, "guest setup failed");
	if (run_steps(v, steps32, ARRAY_SIZE(steps32), NULL))
		return CASE_FAIL;
	CHECK_EQ(VCPU_REG(v, rcx), 0xdeadbeef, "mov ecx");
	CHECK_EQ(VCPU_REG(v, rdx), 0x8765, "movzwl edx");
	CHECK_EQ(VCPU_REG(v, rsi), 0x12344321, "mov si merges");
	return CASE_PASS;
}

static const struct mmio_step steps16[] = {
	{ true, 0xb8010, 2, 0x0741 }, { false, 0xb8020, 1, 0x9c },
	{ false, 0xb8030, 4, 0xa1b2c3d4 },
};

static int test_mmio16(void)
{
	struct vm *vm;
	struct vcpu *v;
	int sys = sys_open();

	if (ioctl(sys, MINIVMM_CHECK_CAP, MINIVMM_CAP_UNRESTRICTED_GUEST) <= 0)
		return case_skip("MINIVMM_CAP_UNRESTRICTED_GUEST is absent");
	/* 512 KiB of RAM: 0xb8000 is MMIO, reachable from real mode. */
	vm = vm_create();
	CHECK(vm, "vm_create");
	CHECK(vm_add_mem(vm, 0, 0, 0x80000, 0), "slot 0");
	vm_load_code(vm, mmio16);
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu_create");
	CHECK(!vcpu_set_mode(v, MODE_REAL), "real mode setup");
	if (run_steps(v, steps16, ARRAY_SIZE(steps16), NULL))
		return CASE_FAIL;
	CHECK_EQ(VCPU_REG(v, rbx) & 0xffff, 0x129c, "mov bl merges");
	CHECK_EQ(VCPU_REG(v, rcx) & 0xffffffff, 0xa1b2c3d4, "66 mov ecx");
	return CASE_PASS;
}

/*
 * A read-only slot of two pages at 0x300000: page 0 is filled before
 * SET_MEMORY_REGION, page 1 after it (userspace updating its ROM).
 */
static int readonly_run(bool after)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, rom_guest);
	uint64_t off = after ? 0x1000 : 0;
	uint8_t *rom, copy[8192];
	struct minivmm_regs regs;
	unsigned int i;

	CHECK(v, "guest setup failed");
	if (ioctl(v->vm->fd, MINIVMM_CHECK_CAP, MINIVMM_CAP_READONLY_MEM) <= 0)
		return case_skip("MINIVMM_CAP_READONLY_MEM is absent");
	rom = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(rom != MAP_FAILED, "mmap");
	for (i = 0; i < 4096; i++)
		rom[i] = (uint8_t)(i ^ 0x5a);
	CHECK_OK(vm_set_region(v->vm, 1, MINIVMM_MEM_READONLY, 0x300000, 8192,
			       rom), "read-only slot");
	for (i = 4096; i < 8192; i++)
		rom[i] = (uint8_t)(i ^ 0xa5);
	memcpy(copy, rom, sizeof(copy));
	/* the guest reads and writes page 0 or page 1 of the slot */
	CHECK_OK(vcpu_get_regs(v, &regs), "GET_REGS");
	regs.rbx = 0x300000 + off;
	CHECK_OK(vcpu_set_regs(v, &regs), "SET_REGS");

	if (!vcpu_run_expect(v, MINIVMM_EXIT_MMIO))
		return CASE_FAIL;
	CHECK(v->run->mmio.is_write && v->run->mmio.phys_addr == 0x300008 + off &&
	      v->run->mmio.len == 8,
	      "want a write of 8 bytes at 0x%llx (the read before it must not exit)",
	      (unsigned long long)(0x300008 + off));
	CHECK_EQ(*(uint64_t *)v->run->mmio.data, 0x1234, "data written");
	if (!vcpu_run_expect(v, MINIVMM_EXIT_MMIO))
		return CASE_FAIL;
	CHECK(v->run->mmio.is_write && v->run->mmio.phys_addr == 0x300ff0 + off &&
	      v->run->mmio.len == 1 && v->run->mmio.data[0] == 0x56,
	      "want a write of byte 0x56 at 0x%llx",
	      (unsigned long long)(0x300ff0 + off));
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT");
	CHECK(!memcmp(copy, rom, sizeof(copy)), "the read-only slot changed");
	CHECK_EQ(VCPU_REG(v, rax), *(uint64_t *)(copy + off + 8),
		 "guest read of the slot before the write");
	CHECK_EQ(VCPU_REG(v, rcx), *(uint64_t *)(copy + off + 8),
		 "guest read of the slot after the write");
	return CASE_PASS;
}

static int test_readonly(void)
{
	return readonly_run(false);
}

static int test_readonly_late(void)
{
	return readonly_run(true);
}

#define HIGH_VA		0xffffffff80000000ULL

static int test_high_va(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, highva_guest);
	struct minivmm_sregs sr;
	struct minivmm_regs regs;
	uint64_t *pml4, *pdpt, *pd, *pt;
	unsigned int i;

	CHECK(v, "guest setup failed");
	/* VA 0xffffffff80000000 + x -> GPA x for x < 2 MiB, 4 KiB pages */
	pml4 = vm_host(v->vm, PML4_GPA);
	pdpt = vm_host(v->vm, 0xa000);
	pd = vm_host(v->vm, 0xb000);
	pt = vm_host(v->vm, 0xc000);
	pml4[511] = 0xa000 | 3;
	pdpt[510] = 0xb000 | 3;
	pd[0] = 0xc000 | 3;
	for (i = 0; i < 512; i++)
		pt[i] = (i * 0x1000ULL) | 3;
	CHECK_OK(vcpu_get_sregs(v, &sr), "GET_SREGS");
	sr.fs.base = MMIO_GPA;
	CHECK_OK(vcpu_set_sregs(v, &sr), "SET_SREGS");
	CHECK_OK(vcpu_get_regs(v, &regs), "GET_REGS");
	regs.rip = HIGH_VA + CODE_GPA;
	CHECK_OK(vcpu_set_regs(v, &regs), "SET_REGS");

	if (!vcpu_run_expect(v, MINIVMM_EXIT_MMIO))
		return CASE_FAIL;
	CHECK(v->run->mmio.is_write && v->run->mmio.phys_addr == MMIO_GPA + 0x20 &&
	      v->run->mmio.len == 4 &&
	      *(uint32_t *)v->run->mmio.data == 0xcafef00d,
	      "want a write of 0xcafef00d at 0x40000020");
	if (!vcpu_run_expect(v, MINIVMM_EXIT_MMIO))
		return CASE_FAIL;
	CHECK(!v->run->mmio.is_write && v->run->mmio.phys_addr == MMIO_GPA + 0x30 &&
	      v->run->mmio.len == 4,
	      "want a 4-byte read at 0x40000030 (FS base + 0x30)");
	memcpy(v->run->mmio.data, "\x44\x33\x22\x11", 4);
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT");
	CHECK_EQ(*(uint32_t *)vm_host(v->vm, DATA_GPA), 0x11223344,
		 "value loaded through %%fs");
	CHECK_EQ(*(uint64_t *)vm_host(v->vm, DATA_GPA + 8) & ~0xfffULL,
		 HIGH_VA + CODE_GPA, "the guest ran at the high address");
	return CASE_PASS;
}

/*
 * An MMIO store whose bytes span two guest pages that map to distant
 * guest-physical pages: the decoder must walk the page tables per page.
 */
static int test_split_insn(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, straddle_guest);
	struct minivmm_regs regs;
	uint64_t *pml4, *pdpt, *pd, *pt;
	uint8_t *p;
	unsigned int i;

	CHECK(v, "guest setup failed");
	pml4 = vm_host(v->vm, PML4_GPA);
	pdpt = vm_host(v->vm, 0xa000);
	pd = vm_host(v->vm, 0xb000);
	pt = vm_host(v->vm, 0xc000);
	pml4[511] = 0xa000 | 3;
	pdpt[510] = 0xb000 | 3;
	pd[0] = 0xc000 | 3;
	for (i = 0; i < 512; i++)
		pt[i] = (i * 0x1000ULL) | 3;
	pt[0x11] = 0x50000 | 3;		/* VA page 0x11 -> GPA 0x50000 */
	/* mov %ecx, 0x10(%rbx) = 89 4b 10, split after the opcode */
	p = vm_host(v->vm, 0x10fff);
	p[0] = 0x89;
	p = vm_host(v->vm, 0x50000);
	memcpy(p, "\x4b\x10\xf4", 3);	/* then hlt */
	p = vm_host(v->vm, 0x11000);
	memcpy(p, "\x53\x20\xf4", 3);	/* what a linear read would see */
	CHECK_OK(vcpu_get_regs(v, &regs), "GET_REGS");
	regs.rip = HIGH_VA + 0x10fff;
	regs.rbx = MMIO_GPA;
	regs.rcx = 0x11111111;
	regs.rdx = 0x22222222;
	CHECK_OK(vcpu_set_regs(v, &regs), "SET_REGS");
	if (!vcpu_run_expect(v, MINIVMM_EXIT_MMIO))
		return CASE_FAIL;
	CHECK(v->run->mmio.is_write && v->run->mmio.len == 4 &&
	      v->run->mmio.phys_addr == MMIO_GPA + 0x10,
	      "want a 4-byte write at 0x40000010");
	CHECK_EQ(*(uint32_t *)v->run->mmio.data, 0x11111111,
		 "data: 0x22222222 means the decoder read GPA 0x11000");
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT");
	CHECK_EQ(VCPU_REG(v, rip), HIGH_VA + 0x11003, "rip after hlt");
	return CASE_PASS;
}

/*
 * The CPU fetches the first byte of mov 0x10(%rbx), %eax from RAM and the
 * rest from MMIO: nothing can be decoded, so the VMM must get the one
 * byte it could read as an EMULATION error, no MMIO exit, and the guest
 * must not have moved on nor loaded anything.
 */
static int test_straddle(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, straddle_guest);
	struct minivmm_regs regs;
	struct minivmm_run *run;
	uint8_t *last;

	CHECK(v, "guest setup failed");
	run = v->run;
	last = vm_host(v->vm, STD_MEM_SIZE - 1);
	*last = 0x8b;
	CHECK_OK(vcpu_get_regs(v, &regs), "GET_REGS");
	regs.rax = STD_MEM_SIZE - 1;
	CHECK_OK(vcpu_set_regs(v, &regs), "SET_REGS");
	if (!vcpu_run_expect(v, MINIVMM_EXIT_INTERNAL_ERROR))
		return CASE_FAIL;
	CHECK_EQ(run->internal.suberror, MINIVMM_INTERNAL_ERROR_EMULATION,
		 "suberror");
	CHECK_EQ(run->internal.ndata, 1, "one word of instruction bytes");
	CHECK_EQ(run->internal.data[0], 0x8b,
		 "only the byte in RAM, not the MMIO bytes after it");
	CHECK_OK(vcpu_get_regs(v, &regs), "GET_REGS");
	CHECK_EQ(regs.rip, STD_MEM_SIZE - 1, "rip still at the instruction");
	CHECK_EQ(regs.rax, STD_MEM_SIZE - 1, "eax loaded nothing");
	CHECK_EQ(regs.rbx, MMIO_GPA, "the guest ran up to the jump");
	return CASE_PASS;
}

/* The decoder must refuse bad_insn_guest's fldt, never guess (mmio.c). */
static int test_bad_insn(void)
{
	static const uint8_t insn[] = { 0xdb, 0x6b, 0x10, 0xf4 };
	struct vcpu *v = GUEST_CREATE(MODE_LONG, bad_insn_guest);
	struct minivmm_run *run;
	uint8_t packed[sizeof(insn)];

	CHECK(v, "guest setup failed");
	run = v->run;
	if (!vcpu_run_expect(v, MINIVMM_EXIT_INTERNAL_ERROR))
		return CASE_FAIL;
	CHECK_EQ(run->internal.suberror, MINIVMM_INTERNAL_ERROR_EMULATION,
		 "suberror");
	CHECK(run->internal.ndata >= 1 && run->internal.ndata <= 2,
	      "ndata %u: at most 15 instruction bytes, 8 a word",
	      run->internal.ndata);
	memcpy(packed, run->internal.data, sizeof(packed));
	CHECK(!memcmp(packed, insn, sizeof(insn)),
	      "data[0] = 0x%llx, want db 6b 10 then hlt",
	      (unsigned long long)run->internal.data[0]);
	CHECK_EQ(VCPU_REG(v, rip), GUEST_ADDR(bad_insn_guest, bad_insn_fldt),
		 "rip still at the fldt");
	return CASE_PASS;
}

/*
 * The guest's own page walk reaching a page table outside RAM is not the
 * instruction's MMIO access (the CPU reads that entry, not the data):
 * both backends report it as an INTERNAL_ERROR exit, with rip still on
 * the load, never an MMIO exit at the page table's address.
 */
static int test_walk_mmio(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, walk_guest);
	uint64_t *pde;

	CHECK(v, "guest setup failed");
	/* The 2 MiB at 1 GiB through a page table at MMIO_GPA + 16 MiB. */
	pde = vm_host(v->vm, PD_GPA + 0x1000);
	CHECK(pde, "no PD");
	*pde = (MMIO_GPA + 0x1000000) | 0x7;
	if (!vcpu_run_expect(v, MINIVMM_EXIT_INTERNAL_ERROR))
		return CASE_FAIL;
	CHECK_EQ(v->run->internal.suberror,
		 MINIVMM_INTERNAL_ERROR_UNHANDLED_EXIT, "suberror");
	CHECK_EQ(VCPU_REG(v, rip), GUEST_ADDR(walk_guest, walk_load),
		 "rip still at the load");
	return CASE_PASS;
}

static int test_single_step(void)
{
	const unsigned char *const at[] = {
		tf_1, tf_2, tf_3, tf_4, tf_5, tf_6, tf_7, tf_8,
	};
	struct vcpu *v = GUEST_CREATE(MODE_LONG, tf_guest);
	struct minivmm_run *run;
	const uint64_t *rec;
	unsigned int i, n, bad = 0;

	CHECK(v, "guest setup failed");
	run = v->run;
	vm_load(v->vm, TF_HANDLER_GPA, tf_handler, tf_handler_end);
	vm_idt_set64(v->vm, 1, TF_HANDLER_GPA);
	rec = vm_host(v->vm, DATA_GPA);
	if (!vcpu_run_expect(v, MINIVMM_EXIT_MMIO))
		return CASE_FAIL;
	CHECK(run->mmio.is_write && run->mmio.phys_addr == MMIO_GPA,
	      "want the store at 0x40000000");
	if (!vcpu_run_expect(v, MINIVMM_EXIT_MMIO))
		return CASE_FAIL;
	CHECK(!run->mmio.is_write && run->mmio.phys_addr == MMIO_GPA + 8,
	      "want the load at 0x40000008");
	if (!vcpu_run_expect(v, MINIVMM_EXIT_IO))
		return CASE_FAIL;
	CHECK(run->io.port == 0x80, "want the OUT to port 0x80");
	if (!vcpu_run_expect(v, MINIVMM_EXIT_HLT))
		return CASE_FAIL;
	n = (VCPU_REG(v, r15) - DATA_GPA) / 8;
	for (i = 0; i < n && i < ARRAY_SIZE(at); i++)
		bad += rec[i] != GUEST_ADDR(tf_guest, at[i]);
	if (!bad && n == ARRAY_SIZE(at))
		return CASE_PASS;
	for (i = 0; i < n || i < ARRAY_SIZE(at); i++)
		tap_diag("#DB %u: return rip 0x%llx, want 0x%llx", i,
			 i < n ? (unsigned long long)rec[i] : 0ULL,
			 i < ARRAY_SIZE(at) ?
			 (unsigned long long)GUEST_ADDR(tf_guest, at[i]) : 0ULL);
	tap_diag("want one #DB after each instruction, got %u", n);
	return CASE_FAIL;
}

static const struct test_case cases[] = {
	{ "64-bit MMIO stores and loads, all decoded forms", test_mmio64, 60 },
	{ "32-bit MMIO stores and loads", test_mmio32, 0 },
	{ "16-bit MMIO stores and loads", test_mmio16, 0 },
	{ "read-only slot: reads direct, writes exit, memory unchanged",
	  test_readonly, 0 },
	{ "read-only slot: data userspace writes after SET_MEMORY_REGION",
	  test_readonly_late, 0 },
	{ "MMIO from code at a high virtual address, 4 KiB pages, %fs",
	  test_high_va, 0 },
	{ "MMIO instruction split over two non-adjacent pages",
	  test_split_insn, 0 },
	{ "an instruction running from RAM into MMIO", test_straddle, 0 },
	{ "undecodable MMIO instruction gives INTERNAL_ERROR", test_bad_insn, 0 },
	{ "a page walk reaching MMIO is not an MMIO access", test_walk_mmio, 0 },
	{ "single-step over MMIO, CPUID and OUT: a #DB after each",
	  test_single_step, 0 },
};

int main(void)
{
	return cases_run(cases, ARRAY_SIZE(cases));
}
