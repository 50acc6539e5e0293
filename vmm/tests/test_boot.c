// SPDX-License-Identifier: GPL-2.0
/* The kernel loaders on crafted images (boot.h). */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "tap.h"

#define MIB		(1ULL << 20)
#define BZ_SETUP	(5 * 512)	/* setup_sects 4 + boot sector */
#define BZ_PM		0x3000		/* protected-mode part */

static char tmpdir[] = "/tmp/test_boot.XXXXXX";
static char msg[512];

static const char *write_file(const char *name, const void *data, size_t n)
{
	static char paths[8][256];
	static unsigned int next;
	char *p = paths[next++ % 8];
	FILE *f;

	snprintf(p, 256, "%s/%s", tmpdir, name);
	f = fopen(p, "wb");
	if (!f || fwrite(data, 1, n, f) != n) {
		perror(p);
		exit(1);
	}
	fclose(f);
	return p;
}

static uint8_t *bzimage(size_t *size, uint16_t version, uint32_t init_size)
{
	uint8_t *b = calloc(1, BZ_SETUP + BZ_PM);
	size_t i;

	b[BP_SETUP_SECTS] = 4;
	boot_wr32(b + BP_SYSSIZE, BZ_PM / 16);
	boot_wr16(b + BP_BOOT_FLAG, 0xaa55);
	b[BP_JUMP] = 0xeb;
	b[BP_JUMP + 1] = 0x6a;		/* header ends at 0x26c */
	boot_wr32(b + BP_HEADER, BP_HDRS_MAGIC);
	boot_wr16(b + BP_VERSION, version);
	b[BP_LOADFLAGS] = BP_LOADED_HIGH;
	boot_wr32(b + BP_INITRD_ADDR_MAX, 0x7fffffff);
	boot_wr32(b + BP_KERNEL_ALIGNMENT, 0x200000);
	b[BP_RELOCATABLE] = 1;
	b[BP_MIN_ALIGNMENT] = 21;
	boot_wr16(b + BP_XLOADFLAGS, 0x7f);
	boot_wr32(b + BP_CMDLINE_SIZE, 2047);
	boot_wr64(b + BP_PREF_ADDRESS, 0x1000000);
	boot_wr32(b + BP_INIT_SIZE, init_size);
	b[0x26b] = 0x5a;		/* last header byte */
	b[0x26c] = 0xa5;		/* first byte after it: not copied */
	for (i = 0; i < BZ_PM; i++)
		b[BZ_SETUP + i] = (uint8_t)(i * 7 + 1);
	*size = BZ_SETUP + BZ_PM;
	return b;
}

static int load(struct guest_ram *ram, uint64_t mem, const char *kernel,
		const char *initrd, const char *cmdline, struct boot_entry *e)
{
	struct kernel_args a = { kernel, initrd, cmdline };

	free(ram->host);
	ram->host = calloc(1, mem);
	ram->size = mem;
	msg[0] = 0;
	return kernel_load(ram, &a, e, msg, sizeof(msg));
}

static int has(const char *s)
{
	if (!strstr(msg, s)) {
		printf("#   message: %s\n", msg);
		return 0;
	}
	return 1;
}

static uint8_t *zp(struct guest_ram *ram)
{
	return guest_ram_ptr(ram, BOOT_ZERO_PAGE, BP_SIZE);
}

static void test_bzimage(void)
{
	struct guest_ram ram = { 0 };
	struct boot_entry e;
	struct minivmm_sregs s;
	struct minivmm_regs r;
	uint8_t *b, *bp, initrd[10000];
	const char *k, *ird;
	size_t n, i;
	char *longcl;

	b = bzimage(&n, 0x020f, 0x400000);
	k = write_file("bz", b, n);
	ok(!load(&ram, 64 * MIB, k, NULL, "console=ttyS0", &e),
	   "bzImage loads (%s)", msg);
	bp = zp(&ram);
	ok(e.mode == X86_MODE_BOOT64 && e.rip == 0x1000200 &&
	   e.rsi == BOOT_ZERO_PAGE && e.kernel_start == 0x1000000 &&
	   e.kernel_end == 0x1400000, "bzImage: at pref_address, entry +0x200");
	ok(!memcmp(ram.host + 0x1000000, b + BZ_SETUP, BZ_PM),
	   "bzImage: protected-mode part copied");
	ok(boot_rd32(bp + BP_HEADER) == BP_HDRS_MAGIC &&
	   boot_rd16(bp + BP_VERSION) == 0x20f && bp[0x26b] == 0x5a &&
	   bp[0x26c] == 0, "bzImage: setup header copied up to its end");
	ok(bp[BP_TYPE_OF_LOADER] == 0xff &&
	   boot_rd32(bp + BP_CMD_LINE_PTR) == BOOT_CMDLINE &&
	   !strcmp((char *)ram.host + BOOT_CMDLINE, "console=ttyS0"),
	   "bzImage: loader type and command line");
	ok(bp[BP_E820_ENTRIES] == 3 &&
	   boot_rd64(bp + BP_E820_TABLE) == 0 &&
	   boot_rd64(bp + BP_E820_TABLE + 8) == 0x9fc00 &&
	   boot_rd32(bp + BP_E820_TABLE + 16) == E820_RAM &&
	   boot_rd64(bp + BP_E820_TABLE + 20) == 0x9fc00 &&
	   boot_rd32(bp + BP_E820_TABLE + 36) == E820_RESERVED &&
	   boot_rd64(bp + BP_E820_TABLE + 40) == MIB &&
	   boot_rd64(bp + BP_E820_TABLE + 48) == 63 * MIB &&
	   boot_rd32(bp + BP_E820_TABLE + 56) == E820_RAM,
	   "bzImage: e820 map low RAM, reserved, RAM to 64M");
	ok(!boot_rd32(bp + BP_RAMDISK_IMAGE) && !boot_rd32(bp + BP_RAMDISK_SIZE),
	   "bzImage: no initrd");
	memset(&s, 0, sizeof(s));
	s.apic_base = 0xfee00900;
	boot_entry_state(&e, &s, &r);
	ok(s.cs.selector == X86_SEL_BOOT_CS && s.cs.l &&
	   s.ds.selector == X86_SEL_BOOT_DS && s.cr3 == X86_PML4_ADDR &&
	   s.efer == 0x500 && s.apic_base == 0xfee00900 &&
	   r.rip == 0x1000200 && r.rsi == BOOT_ZERO_PAGE && !r.rdi &&
	   r.rflags == 2,
	   "bzImage: boot vCPU in 64-bit mode, rsi = boot_params");
	boot_set_rsdp(&ram, &e, 0xe0000);
	ok(boot_rd64(bp + BP_ACPI_RSDP_ADDR) == 0xe0000, "bzImage: RSDP address");

	for (i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)i;
	ird = write_file("initrd", initrd, sizeof(initrd));
	ok(!load(&ram, 64 * MIB, k, ird, "", &e), "bzImage with initrd (%s)",
	   msg);
	bp = zp(&ram);
	ok(e.initrd_start == ((64 * MIB - sizeof(initrd)) & ~0xfffULL) &&
	   boot_rd32(bp + BP_RAMDISK_IMAGE) == e.initrd_start &&
	   boot_rd32(bp + BP_RAMDISK_SIZE) == sizeof(initrd) &&
	   !memcmp(ram.host + e.initrd_start, initrd, sizeof(initrd)),
	   "initrd page aligned at the top of RAM");
	boot_wr32(b + BP_INITRD_ADDR_MAX, 0x2ffffff);
	k = write_file("bz-imax", b, n);
	ok(!load(&ram, 64 * MIB, k, ird, "", &e) &&
	   e.initrd_start == ((48 * MIB - sizeof(initrd)) & ~0xfffULL),
	   "initrd below initrd_addr_max");
	boot_wr32(b + BP_INITRD_ADDR_MAX, 0x7fffffff);
	k = write_file("bz", b, n);
	ok(load(&ram, 0x1401000, k, ird, "", &e) && has("initrd") &&
	   has("does not fit"), "initrd that does not fit next to the kernel");

	ok(!load(&ram, 16 * MIB, k, NULL, "", &e) && e.rip == 0x200200 &&
	   !memcmp(ram.host + 0x200000, b + BZ_SETUP, BZ_PM),
	   "relocatable bzImage moves to 2 MiB when 16M is too small");
	b[BP_RELOCATABLE] = 0;
	k = write_file("bz-norel", b, n);
	ok(load(&ram, 16 * MIB, k, NULL, "", &e) && has("does not fit"),
	   "non-relocatable bzImage that does not fit");
	b[BP_RELOCATABLE] = 1;

	free(b);
	b = bzimage(&n, 0x020f, 0x3f98000);
	k = write_file("bz-big", b, n);
	ok(load(&ram, 32 * MIB, k, NULL, "", &e) && has("needs 64 MiB") &&
	   has("does not fit in --mem 32M"), "kernel too big for --mem");
	free(b);

	b = bzimage(&n, 0x0205, 0x400000);
	k = write_file("bz-old", b, n);
	ok(load(&ram, 64 * MIB, k, NULL, "", &e) && has("2.05 is too old"),
	   "protocol 2.05 refused");
	free(b);
	b = bzimage(&n, 0x020b, 0x400000);
	k = write_file("bz-2.11", b, n);
	ok(load(&ram, 64 * MIB, k, NULL, "", &e) && has("no 64-bit entry"),
	   "protocol 2.11 (no XLF_KERNEL_64) refused");
	free(b);
	b = bzimage(&n, 0x020f, 0x400000);
	boot_wr16(b + BP_XLOADFLAGS, 0);
	k = write_file("bz-32", b, n);
	ok(load(&ram, 64 * MIB, k, NULL, "", &e) && has("no 64-bit entry"),
	   "bzImage without XLF_KERNEL_64 refused");
	free(b);

	b = bzimage(&n, 0x020f, 0x400000);
	k = write_file("bz-trunc", b, n - 32);
	ok(load(&ram, 64 * MIB, k, NULL, "", &e) && has("truncated"),
	   "truncated bzImage refused");
	b[BP_HEADER] = 'X';
	k = write_file("bz-magic", b, n);
	ok(load(&ram, 64 * MIB, k, NULL, "", &e) && has("not a kernel"),
	   "bad magic: not a kernel");
	free(b);

	b = bzimage(&n, 0x020f, 0x400000);
	k = write_file("bz", b, n);
	longcl = malloc(2049);
	memset(longcl, 'x', 2048);
	longcl[2048] = 0;
	ok(load(&ram, 64 * MIB, k, NULL, longcl, &e) &&
	   has("2048 bytes long") && has("at most 2047"),
	   "command line longer than cmdline_size");
	longcl[2047] = 0;
	ok(!load(&ram, 64 * MIB, k, NULL, longcl, &e),
	   "command line of exactly cmdline_size");
	ok(boot_append_cmdline(&ram, &e, "x"), "no room to append to it");
	ok(!load(&ram, 64 * MIB, k, NULL, "console=ttyS0", &e) &&
	   !boot_append_cmdline(&ram, &e, "tsc_early_khz=1000") &&
	   !strcmp((char *)ram.host + BOOT_CMDLINE,
		   "console=ttyS0 tsc_early_khz=1000"), "word appended");
	free(longcl);
	free(b);

	ok(load(&ram, 64 * MIB, "/nonexistent/bz", NULL, "", &e) &&
	   has("cannot open kernel /nonexistent/bz"), "missing kernel file");
	ok(load(&ram, 64 * MIB, k, "/nonexistent/initrd", "", &e) &&
	   has("cannot open initrd /nonexistent/initrd"), "missing initrd");
	ok(load(&ram, 64 * MIB, tmpdir, NULL, "", &e) &&
	   has("not a regular file"), "a directory as kernel");
	free(ram.host);
}

/* An ELF file with the given class and two PT_LOAD segments. */
static uint8_t *elf(size_t *size, int class64, uint16_t machine,
		    uint64_t entry, uint64_t vaddr, uint64_t paddr)
{
	size_t ehs = class64 ? 64 : 52, phs = class64 ? 56 : 32;
	uint8_t *b = calloc(1, 0x3000);
	unsigned int i;

	memcpy(b, "\177ELF", 4);
	b[4] = class64 ? 2 : 1;
	b[5] = 1;
	b[6] = 1;
	boot_wr16(b + 16, 2);
	boot_wr16(b + 18, machine);
	if (class64) {
		boot_wr64(b + 24, entry);
		boot_wr64(b + 32, ehs);
		boot_wr16(b + 54, (uint16_t)phs);
		boot_wr16(b + 56, 2);
	} else {
		boot_wr32(b + 24, (uint32_t)entry);
		boot_wr32(b + 28, (uint32_t)ehs);
		boot_wr16(b + 42, (uint16_t)phs);
		boot_wr16(b + 44, 2);
	}
	for (i = 0; i < 2; i++) {
		uint8_t *p = b + ehs + i * phs;
		uint64_t off = 0x1000 + i * 0x1000;

		if (class64) {
			boot_wr32(p, 1);
			boot_wr64(p + 8, off);
			boot_wr64(p + 16, vaddr + i * 0x100000);
			boot_wr64(p + 24, paddr + i * 0x100000);
			boot_wr64(p + 32, 0x1000);
			boot_wr64(p + 40, i ? 0x3000 : 0x1000);
		} else {
			boot_wr32(p, 1);
			boot_wr32(p + 4, (uint32_t)off);
			boot_wr32(p + 8, (uint32_t)(vaddr + i * 0x100000));
			boot_wr32(p + 12, (uint32_t)(paddr + i * 0x100000));
			boot_wr32(p + 16, 0x1000);
			boot_wr32(p + 20, i ? 0x3000 : 0x1000);
		}
		memset(b + off, 0x11 * (i + 1), 0x1000);
	}
	*size = 0x3000;
	return b;
}

static void test_elf(void)
{
	struct guest_ram ram = { 0 };
	struct boot_entry e;
	const char *k;
	uint8_t *b, *bp;
	size_t n;

	b = elf(&n, 1, 62, 0x1000000, 0xffffffff81000000ULL, 0x1000000);
	k = write_file("vmlinux", b, n);
	ok(!load(&ram, 64 * MIB, k, NULL, "root=/dev/vda", &e),
	   "ELF vmlinux loads (%s)", msg);
	bp = zp(&ram);
	ok(e.mode == X86_MODE_BOOT64 && e.rip == 0x1000000 &&
	   e.rsi == BOOT_ZERO_PAGE && e.kernel_end == 0x1103000,
	   "vmlinux: physical entry, boot_params in rsi");
	ok(ram.host[0x1000000] == 0x11 && ram.host[0x1100fff] == 0x22 &&
	   ram.host[0x1101000] == 0 && ram.host[0x1102fff] == 0,
	   "vmlinux: segments at p_paddr, bss zeroed");
	ok(boot_rd32(bp + BP_HEADER) == BP_HDRS_MAGIC &&
	   boot_rd16(bp + BP_VERSION) >= 0x20e && bp[BP_TYPE_OF_LOADER] == 0xff &&
	   !strcmp((char *)ram.host + BOOT_CMDLINE, "root=/dev/vda") &&
	   bp[BP_E820_ENTRIES] == 3, "vmlinux: boot_params filled");
	free(b);

	b = elf(&n, 1, 62, 0xffffffff81000040ULL, 0xffffffff81000000ULL,
		0x1000000);
	k = write_file("vmlinux-v", b, n);
	ok(!load(&ram, 64 * MIB, k, NULL, "", &e) && e.rip == 0x1000040,
	   "vmlinux: virtual entry translated to physical");
	free(b);
	b = elf(&n, 1, 62, 0x5000000, 0x1000000, 0x1000000);
	k = write_file("vmlinux-e", b, n);
	ok(load(&ram, 64 * MIB, k, NULL, "", &e) && has("entry point"),
	   "vmlinux: entry outside the segments refused");
	free(b);
	b = elf(&n, 1, 62, 0x1000000, 0x1000000, 0x1000000);
	k = write_file("vmlinux-big", b, n);
	ok(load(&ram, 16 * MIB, k, NULL, "", &e) && has("does not fit"),
	   "vmlinux: segment outside --mem refused");
	free(b);
	b = elf(&n, 1, 62, 0x80000, 0x80000, 0x80000);
	k = write_file("vmlinux-low", b, n);
	ok(load(&ram, 64 * MIB, k, NULL, "", &e) && has("1 MiB or above"),
	   "vmlinux: segment below 1 MiB refused");
	free(b);
	b = elf(&n, 0, 3, 0x100000, 0x100000, 0x100000);
	k = write_file("elf32", b, n);
	ok(load(&ram, 64 * MIB, k, NULL, "", &e) && has("32-bit ELF file") &&
	   has("multiboot"), "ELF32 without a multiboot header refused");
	free(b);
	b = elf(&n, 1, 183, 0x1000000, 0x1000000, 0x1000000);
	k = write_file("elf-arm64", b, n);
	ok(load(&ram, 64 * MIB, k, NULL, "", &e) && has("non-x86-64"),
	   "ELF for another machine refused");
	boot_wr16(b + 18, 62);
	boot_wr16(b + 56, 1000);
	k = write_file("elf-badph", b, n);
	ok(load(&ram, 64 * MIB, k, NULL, "", &e) && has("program headers"),
	   "ELF with bad program headers refused");
	free(b);
	free(ram.host);
}

static void mb_header(uint8_t *p, uint32_t flags)
{
	boot_wr32(p, 0x1badb002);
	boot_wr32(p + 4, flags);
	boot_wr32(p + 8, (uint32_t)-(0x1badb002U + flags));
}

static void test_multiboot(void)
{
	struct guest_ram ram = { 0 };
	struct boot_entry e;
	struct minivmm_sregs s;
	struct minivmm_regs r;
	uint8_t *b, *mbi, mod[5000];
	const char *k, *m;
	char want[300];
	size_t n;

	b = elf(&n, 0, 3, 0x100010, 0x100000, 0x100000);
	mb_header(b + 0x1000 + 64, 0x3);	/* in segment 0, < 8 KiB */
	k = write_file("mb-elf", b, n);
	memset(mod, 0x5a, sizeof(mod));
	m = write_file("mod", mod, sizeof(mod));
	ok(!load(&ram, 64 * MIB, k, m, "hello=1", &e),
	   "multiboot ELF32 loads (%s)", msg);
	mbi = zp(&ram);
	ok(e.mode == X86_MODE_PROTECTED && e.rip == 0x100010 &&
	   e.eax == 0x2badb002 && e.ebx == BOOT_ZERO_PAGE && !e.zero_page,
	   "multiboot: protected mode, eax magic, ebx info");
	memset(&s, 0, sizeof(s));
	boot_entry_state(&e, &s, &r);
	ok(s.cs.selector == X86_SEL_CODE32 && s.cs.db &&
	   !(s.cr0 & X86_CR0_PG) && r.rip == 0x100010 &&
	   r.rax == 0x2badb002 && r.rbx == BOOT_ZERO_PAGE,
	   "multiboot: boot vCPU in protected mode, eax and ebx set");
	ok(ram.host[0x100000] == 0x11 && ram.host[0x200000] == 0x22 &&
	   ram.host[0x202fff] == 0, "multiboot: ELF segments loaded");
	ok(boot_rd32(mbi) == ((1 << 0) | (1 << 2) | (1 << 3) | (1 << 6) | (1 << 9)),
	   "multiboot: info flags mem, cmdline, mods, mmap, loader name");
	ok(boot_rd32(mbi + 4) == 639 && boot_rd32(mbi + 8) == 63 * 1024,
	   "multiboot: mem_lower 639K, mem_upper 63M");
	snprintf(want, sizeof(want), "%s hello=1", k);
	ok(boot_rd32(mbi + 16) == BOOT_CMDLINE &&
	   !strcmp((char *)ram.host + BOOT_CMDLINE, want),
	   "multiboot: command line is \"path args\"");
	ok(boot_rd32(mbi + 20) == 1 && boot_rd32(mbi + 24) >= BOOT_ZERO_PAGE,
	   "multiboot: one module");
	if (boot_rd32(mbi + 20) == 1) {
		uint8_t *mods = ram.host + boot_rd32(mbi + 24);
		uint32_t start = boot_rd32(mods), end = boot_rd32(mods + 4);

		ok(!(start & 0xfff) && end - start == sizeof(mod) &&
		   !memcmp(ram.host + start, mod, sizeof(mod)) &&
		   !strcmp((char *)ram.host + boot_rd32(mods + 8), m),
		   "multiboot: module 0 is the initrd, page aligned, named");
	} else {
		ok(0, "multiboot: module 0 is the initrd, page aligned, named");
	}
	ok(boot_rd32(mbi + 44) == 3 * 24 &&
	   boot_rd32(ram.host + boot_rd32(mbi + 48)) == 20 &&
	   boot_rd64(ram.host + boot_rd32(mbi + 48) + 24 * 2 + 4) == MIB &&
	   boot_rd64(ram.host + boot_rd32(mbi + 48) + 24 * 2 + 12) == 63 * MIB &&
	   boot_rd32(ram.host + boot_rd32(mbi + 48) + 24 * 1 + 20) == 2,
	   "multiboot: memory map");
	ok(!strcmp((char *)ram.host + boot_rd32(mbi + 64), "minivmm"),
	   "multiboot: boot loader name");
	ok(boot_append_cmdline(&ram, &e, "x"), "multiboot: nothing appended");
	free(b);

	/* a.out kludge: flat image, header at file offset 0x40. */
	b = calloc(1, 0x2000);
	mb_header(b + 0x40, 0x10003);
	boot_wr32(b + 0x40 + 12, 0x200040);	/* header_addr */
	boot_wr32(b + 0x40 + 16, 0x200000);	/* load_addr */
	boot_wr32(b + 0x40 + 20, 0x201000);	/* load_end_addr */
	boot_wr32(b + 0x40 + 24, 0x203000);	/* bss_end_addr */
	boot_wr32(b + 0x40 + 28, 0x200080);	/* entry_addr */
	memset(b + 0x80, 0x90, 0x1000 - 0x80);
	memset(b + 0x1000, 0x77, 0x1000);	/* past load_end: not loaded */
	k = write_file("mb-aout", b, 0x2000);
	ram.host = realloc(ram.host, 64 * MIB);
	memset(ram.host, 0xee, 64 * MIB);
	ram.size = 64 * MIB;
	{
		struct kernel_args a = { k, NULL, "" };

		ok(!kernel_load(&ram, &a, &e, msg, sizeof(msg)) &&
		   e.rip == 0x200080 && ram.host[0x200080] == 0x90 &&
		   ram.host[0x201000] == 0 && ram.host[0x202fff] == 0 &&
		   ram.host[0x203000] == 0xee,
		   "multiboot a.out kludge: load_end and bss_end honoured (%s)",
		   msg);
		mbi = zp(&ram);
		ok(!(boot_rd32(mbi) & (1 << 3)), "multiboot: no module flag without --initrd");
	}
	boot_wr32(b + 0x40 + 28, 0x300000);
	k = write_file("mb-aout-entry", b, 0x2000);
	ok(load(&ram, 64 * MIB, k, NULL, "", &e) && has("entry_addr"),
	   "multiboot: entry outside the image refused");
	mb_header(b + 0x40, 0x10003 | (1 << 3));
	k = write_file("mb-flag", b, 0x2000);
	ok(load(&ram, 64 * MIB, k, NULL, "", &e) && has("requires features"),
	   "multiboot: unknown required flag refused");
	mb_header(b + 0x40, 0x10003);
	boot_wr32(b + 0x48, 0);			/* bad checksum */
	k = write_file("mb-sum", b, 0x2000);
	ok(load(&ram, 64 * MIB, k, NULL, "", &e) && has("not a kernel"),
	   "multiboot: bad checksum is no multiboot header");
	free(b);
	b = calloc(1, 0x3000);
	mb_header(b + 0x2000, 0x10003);
	k = write_file("mb-far", b, 0x3000);
	ok(load(&ram, 64 * MIB, k, NULL, "", &e) && has("not a kernel"),
	   "multiboot: header beyond 8 KiB not found");
	free(b);
	free(ram.host);
}

static void test_memory(void)
{
	struct guest_ram ram = { (uint8_t *)0x1000, 5ULL << 30 };
	struct e820_entry map[E820_MAX_ENTRIES];
	unsigned int n;

	n = boot_e820(5ULL << 30, map);
	ok(n == 4 && map[2].addr == MIB && map[2].size == 0xc0000000 - MIB &&
	   map[3].addr == 1ULL << 32 && map[3].size == 2ULL << 30 &&
	   map[3].type == E820_RAM, "e820 with 5G: RAM to 3G, 2G from 4G");
	n = boot_e820(3ULL << 30, map);
	ok(n == 3 && map[2].size == 0xc0000000 - MIB, "e820 with exactly 3G");
	ok(guest_ram_ptr(&ram, 0xbffff000, 0x1000) ==
	   (uint8_t *)0x1000 + 0xbffff000, "RAM ptr below the hole");
	ok(!guest_ram_ptr(&ram, 0xbffff000, 0x1001), "range into the hole");
	ok(!guest_ram_ptr(&ram, 0xfee00000, 4), "the hole is not RAM");
	ok(guest_ram_ptr(&ram, 1ULL << 32, 8) == (uint8_t *)0x1000 + 0xc0000000,
	   "4 GiB maps after low RAM");
	ok(!guest_ram_ptr(&ram, (1ULL << 32) + (2ULL << 30), 1) &&
	   guest_ram_ptr(&ram, (1ULL << 32) + (2ULL << 30) - 1, 1),
	   "end of high RAM");
	ok(!guest_ram_ptr(&ram, ~0ULL - 4, 16), "wrapping range");
}

/* The real thing, when the build machine has a Debian kernel. */
static void test_host_kernel(void)
{
	struct guest_ram ram = { 0 };
	struct boot_entry e;
	glob_t g;

	if (glob("/boot/vmlinuz-*", 0, NULL, &g) || !g.gl_pathc) {
		tap_skip("no /boot/vmlinuz-*", "host bzImage");
		return;
	}
	ok(!load(&ram, 128 * MIB, g.gl_pathv[0], NULL, "console=ttyS0", &e) &&
	   e.rip == 0x1000200 && !strcmp(e.format, "bzImage") &&
	   zp(&ram)[BP_TYPE_OF_LOADER] == 0xff,
	   "%s loads at 16M, entry 0x1000200 (%s)", g.gl_pathv[0], msg);
	ok(load(&ram, 64 * MIB, g.gl_pathv[0], NULL, "", &e) &&
	   has("does not fit"), "%s needs more than 64M", g.gl_pathv[0]);
	globfree(&g);
	free(ram.host);
}

int main(void)
{
	char cmd[64];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_bzimage();
	test_elf();
	test_multiboot();
	test_memory();
	test_host_kernel();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		printf("# could not remove %s\n", tmpdir);
	return tap_finish();
}
