// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of the guest page-table walk
 * (kmod/x86_walk.c) over page tables built in a fake guest memory,
 * printing TAP.
 */
#include <errno.h>
#include <string.h>

#include "../../kmod/x86_walk.h"
#include "../lib/tap.h"

#define CR0_PE		BIT_ULL(0)
#define CR0_WP		BIT_ULL(16)
#define CR0_PG		BIT_ULL(31)
#define CR4_PSE		BIT_ULL(4)
#define CR4_PAE		BIT_ULL(5)
#define CR4_LA57	BIT_ULL(12)
#define CR4_SMEP	BIT_ULL(20)
#define EFER_LME	BIT_ULL(8)
#define EFER_LMA	BIT_ULL(10)
#define EFER_NXE	BIT_ULL(11)

#define P		BIT_ULL(0)
#define RW		BIT_ULL(1)
#define US		BIT_ULL(2)
#define PS		BIT_ULL(7)
#define NX		BIT_ULL(63)

#define MEM_SIZE	BIT(20)

/* Guest memory holding the page tables; reads beyond it fail with EIO. */
static unsigned char mem[MEM_SIZE];
static unsigned int reads;

static int mem_read(void *ctx, u64 gpa, unsigned int size, u64 *val)
{
	u64 v = 0;
	unsigned int i;

	(void)ctx;
	reads++;
	if (size != 4 && size != 8)
		return -EINVAL;
	if (gpa >= MEM_SIZE || gpa + size > MEM_SIZE)
		return -EIO;
	for (i = 0; i < size; i++)
		v |= (u64)mem[gpa + i] << (8 * i);
	*val = v;
	return 0;
}

static void set32(u64 gpa, u64 val)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		mem[gpa + i] = (unsigned char)(val >> (8 * i));
}

static void set64(u64 gpa, u64 val)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		mem[gpa + i] = (unsigned char)(val >> (8 * i));
}

static void expect(const char *name, const struct mvm_walk_regs *regs,
		   u64 gva, unsigned int access, int want_ret, u64 want_gpa)
{
	u64 gpa = 0xbadbadbadULL;
	int ret;

	ret = mvm_walk_translate(regs, gva, access, mem_read, NULL, &gpa);
	if (!tap_ok(ret == want_ret && (ret || gpa == want_gpa), "%s", name))
		tap_diag("%s: gva %#llx: ret %d gpa %#llx, want %d %#llx",
			 name, (unsigned long long)gva, ret,
			 (unsigned long long)gpa, want_ret,
			 (unsigned long long)want_gpa);
}

static void paging_off_tests(void)
{
	struct mvm_walk_regs r = { .cr0 = CR0_PE };

	expect("no paging: identity", &r, 0x12345678, 0, 0, 0x12345678);
	expect("no paging: 32-bit wrap", &r, 0x100001000ULL, MVM_WALK_WRITE,
	       0, 0x1000);
	r.cr0 = 0;
	expect("real mode: identity", &r, 0xffff0, MVM_WALK_FETCH, 0,
	       0xffff0);
}

static void paging32_tests(void)
{
	struct mvm_walk_regs r = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1000 };

	memset(mem, 0, sizeof(mem));
	set32(0x1000 + 1 * 4, 0x2000 | P | RW | US);	/* 4 MiB .. 8 MiB */
	set32(0x2000 + 5 * 4, 0x00abc000 | P | RW | US);
	set32(0x2000 + 6 * 4, 0x00abd000 | P | US);	/* read-only */
	set32(0x2000 + 7 * 4, 0x00abe000 | P | RW);	/* supervisor */
	set32(0x2000 + 8 * 4, 0x00abf000 | RW | US);	/* not present */
	set32(0x1000 + 3 * 4, 0x3000 | PS | P | RW | US);
	set32(0x3000 + 1 * 4, 0x7000 | P | RW | US);
	set32(0x1000 + 4 * 4, 0x00400000 | (5 << 13) | PS | P | RW);

	expect("32-bit: 4 KiB page", &r, 0x00405123, 0, 0, 0xabc123);
	expect("32-bit: upper address bits ignored", &r, 0x100405123ULL, 0,
	       0, 0xabc123);
	expect("32-bit: PTE not present", &r, 0x00408000, 0, -EFAULT, 0);
	expect("32-bit: PDE not present", &r, 0x00000000, 0, -EFAULT, 0);
	expect("32-bit: PS without CR4.PSE is a table", &r, 0x00c01234, 0,
	       0, 0x7234);
	expect("32-bit: read-only page, supervisor write, WP=0", &r,
	       0x00406010, MVM_WALK_WRITE, 0, 0xabd010);
	r.cr0 |= CR0_WP;
	expect("32-bit: read-only page, supervisor write, WP=1", &r,
	       0x00406010, MVM_WALK_WRITE, -EFAULT, 0);
	expect("32-bit: read-only page, read", &r, 0x00406010, 0, 0,
	       0xabd010);
	r.cpl = 3;
	expect("32-bit: read-only page, user write", &r, 0x00406010,
	       MVM_WALK_WRITE, -EFAULT, 0);
	expect("32-bit: supervisor page, user read", &r, 0x00407000, 0,
	       -EFAULT, 0);
	expect("32-bit: user page, user write", &r, 0x00405fff,
	       MVM_WALK_WRITE, 0, 0xabcfff);
	r.cpl = 0;
	expect("32-bit: supervisor page, supervisor read", &r, 0x00407004,
	       0, 0, 0xabe004);

	r.cr4 = CR4_PSE;
	/* PDE bit 13 (from table address 0x3000) is address bit 32. */
	expect("32-bit: 4 MiB page with CR4.PSE", &r, 0x00c01234, 0, 0,
	       0x100001234ULL);
	expect("32-bit: 4 MiB page, offset bit 21", &r, 0x00e00001, 0, 0,
	       0x100200001ULL);
	expect("32-bit: PSE-36 high address bits", &r, 0x01012345, 0, 0,
	       0x500412345ULL);
	r.cr3 = 0xfff00000;		/* tables outside memory */
	expect("32-bit: table read error is passed on", &r, 0x00405123, 0,
	       -EIO, 0);
}

static void pae_tests(void)
{
	struct mvm_walk_regs r = {
		.cr0 = CR0_PE | CR0_PG, .cr3 = 0x4020, .cr4 = CR4_PAE,
	};
	u64 gva = (1ULL << 30) | (2ULL << 21) | (3ULL << 12) | 0x456;

	memset(mem, 0, sizeof(mem));
	set64(0x4020 + 1 * 8, 0x5000 | P);
	set64(0x5000 + 2 * 8, 0x6000 | P | RW | US);
	set64(0x6000 + 3 * 8, 0x12345000 | P | RW | US);
	set64(0x6000 + 4 * 8, 0x12346000 | P | RW | US | NX);
	set64(0x5000 + 4 * 8, 0x40200000 | PS | P | RW);
	set64(0x4020 + 2 * 8, 0x9000 | P | PS);		/* reserved bit */

	expect("PAE: 4 KiB page", &r, gva, 0, 0, 0x12345456);
	expect("PAE: 2 MiB page", &r,
	       (1ULL << 30) | (4ULL << 21) | 0x12345, 0, 0, 0x40212345);
	expect("PAE: 4 KiB page, fetch", &r, gva, MVM_WALK_FETCH, 0,
	       0x12345456);
	expect("PAE: XD set without EFER.NXE is reserved", &r,
	       gva + 0x1000, 0, -EFAULT, 0);
	r.efer = EFER_NXE;
	expect("PAE: XD page, read", &r, gva + 0x1000, 0, 0, 0x12346456);
	expect("PAE: XD page, fetch", &r, gva + 0x1000, MVM_WALK_FETCH,
	       -EFAULT, 0);
	expect("PAE: PDPTE not present", &r, 0x000001000, 0, -EFAULT, 0);
	expect("PAE: PS in a PDPTE", &r, 2ULL << 30, 0, -EFAULT, 0);
	expect("PAE: PDE not present", &r, 1ULL << 30, 0, -EFAULT, 0);
	expect("PAE: upper address bits ignored", &r, gva | (1ULL << 40),
	       0, 0, 0x12345456);
	r.cpl = 3;
	expect("PAE: supervisor 2 MiB page, user read", &r,
	       (1ULL << 30) | (4ULL << 21), 0, -EFAULT, 0);
	expect("PAE: user page, user write", &r, gva, MVM_WALK_WRITE, 0,
	       0x12345456);
}

static void long_mode_tests(void)
{
	struct mvm_walk_regs r = {
		.cr0 = CR0_PE | CR0_PG, .cr3 = 0x8000, .cr4 = CR4_PAE,
		.efer = EFER_LME | EFER_LMA | EFER_NXE,
	};
	u64 hi = 0xffffff8000000000ULL;		/* PML4 entry 511 */

	memset(mem, 0, sizeof(mem));
	set64(0x8000 + 511 * 8, 0x9000 | P | RW | US);
	set64(0x9000 + 0x1fe * 8, 0xa000 | P | RW | US);
	set64(0xa000 + 3 * 8, 0xb000 | P | RW | US);
	set64(0xb000 + 7 * 8, 0xdead000 | P | RW | US);
	set64(0xb000 + 8 * 8, 0xdeae000 | P | US);		/* read-only */
	set64(0xb000 + 9 * 8, 0xdeaf000 | P | RW);		/* supervisor */
	set64(0x9000 + 5 * 8, 0x1c0000000ULL | PS | P | RW | US);
	set64(0xa000 + 4 * 8, 0xe00000 | PS | P | RW | US);
	set64(0xa000 + 5 * 8, 0xc00000 | (1 << 12) | PS | P | RW | US);
	set64(0x8000 + 1 * 8, 0xc000 | P | PS | RW);		/* reserved */
	set64(0x8000 + 2 * 8, 0xc000 | P | RW);		/* supervisor */
	set64(0xc000, 0x40000000 | PS | P | RW | US);

	expect("long: 4 KiB page", &r,
	       hi | (0x1feULL << 30) | (3 << 21) | (7 << 12) | 0x89, 0, 0,
	       0xdead089);
	expect("long: 4 KiB page, last byte", &r,
	       hi | (0x1feULL << 30) | (3 << 21) | (7 << 12) | 0xfff,
	       MVM_WALK_WRITE, 0, 0xdeadfff);
	expect("long: 1 GiB page", &r, hi | (5ULL << 30) | 0x12345678, 0, 0,
	       0x1d2345678ULL);
	expect("long: 2 MiB page", &r,
	       hi | (0x1feULL << 30) | (4 << 21) | 0x1abcd, 0, 0, 0xe1abcd);
	expect("long: 2 MiB page ignores the PAT bit", &r,
	       hi | (0x1feULL << 30) | (5 << 21) | 0x10, 0, 0, 0xc00010);
	expect("long: PS in a PML4E is reserved", &r, 1ULL << 39, 0,
	       -EFAULT, 0);
	expect("long: PML4E not present", &r, 3ULL << 39, 0, -EFAULT, 0);
	expect("long: PDPTE not present", &r, hi, 0, -EFAULT, 0);
	expect("long: non-canonical", &r, 0x0000800000000000ULL, 0,
	       -EFAULT, 0);
	expect("long: non-canonical high", &r, 0xfff0000000000000ULL, 0,
	       -EFAULT, 0);
	/* Mapped once bits 63:48 are ignored: only the check refuses it. */
	expect("long: non-canonical alias of a mapped page", &r,
	       (hi & 0x0000ffffffffffffULL) | (0x1feULL << 30) | (3 << 21) |
	       (7 << 12), 0, -EFAULT, 0);
	expect("long: read-only page, supervisor write, WP=0", &r,
	       hi | (0x1feULL << 30) | (3 << 21) | (8 << 12), MVM_WALK_WRITE,
	       0, 0xdeae000);
	r.cr0 |= CR0_WP;
	expect("long: read-only page, supervisor write, WP=1", &r,
	       hi | (0x1feULL << 30) | (3 << 21) | (8 << 12), MVM_WALK_WRITE,
	       -EFAULT, 0);
	expect("long: supervisor fetch from a user page", &r,
	       hi | (0x1feULL << 30) | (3 << 21) | (7 << 12),
	       MVM_WALK_FETCH, 0, 0xdead000);
	r.cr4 |= CR4_SMEP;
	expect("long: ... with CR4.SMEP", &r,
	       hi | (0x1feULL << 30) | (3 << 21) | (7 << 12),
	       MVM_WALK_FETCH, -EFAULT, 0);
	r.cpl = 3;
	expect("long: user read of a supervisor PTE", &r,
	       hi | (0x1feULL << 30) | (3 << 21) | (9 << 12), 0, -EFAULT, 0);
	expect("long: user read under a supervisor PML4E", &r, 2ULL << 39,
	       0, -EFAULT, 0);
	expect("long: user fetch of a user page with SMEP", &r,
	       hi | (0x1feULL << 30) | (3 << 21) | (7 << 12),
	       MVM_WALK_FETCH, 0, 0xdead000);
	r.cpl = 0;
	expect("long: supervisor read under a supervisor PML4E", &r,
	       (2ULL << 39) | 0x123, 0, 0, 0x40000123);
}

static void la57_tests(void)
{
	struct mvm_walk_regs r = {
		.cr0 = CR0_PE | CR0_PG, .cr3 = 0x10000,
		.cr4 = CR4_PAE | CR4_LA57, .efer = EFER_LME | EFER_LMA,
	};
	u64 gva = (1ULL << 48) | 0x1000;

	memset(mem, 0, sizeof(mem));
	set64(0x10000 + 1 * 8, 0x11000 | P | RW);
	set64(0x11000, 0x12000 | P | RW);
	set64(0x12000, 0x80000000 | PS | P | RW);

	expect("5-level: 1 GiB page", &r, gva | 0x234, 0, 0, 0x80001234);
	expect("5-level: canonical top bit 56", &r, 0xff00000000000000ULL,
	       0, -EFAULT, 0);
	expect("5-level: non-canonical", &r, 1ULL << 57, 0, -EFAULT, 0);
	r.cr4 &= ~CR4_LA57;
	expect("4-level: the same address is non-canonical", &r, gva, 0,
	       -EFAULT, 0);
}

int main(void)
{
	tap_plan(3 + 16 + 12 + 19 + 4);
	paging_off_tests();
	paging32_tests();
	pae_tests();
	long_mode_tests();
	la57_tests();
	return tap_finish();
}
