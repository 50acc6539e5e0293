// SPDX-License-Identifier: GPL-2.0
/*
 * Multiboot v1 kernels (the Multiboot Specification 0.6.96): an ELF32
 * kernel or one with the header's address fields ("a.out kludge"),
 * entered in 32-bit protected mode without paging, eax = 0x2BADB002,
 * ebx = the multiboot information.  As QEMU does, the command line is
 * "<kernel path> <--cmdline>" and --initrd becomes module 0.
 */
#include <inttypes.h>
#include <string.h>

#include "elf.h"

#define MB_MAGIC		0x1badb002U
#define MB_BOOT_MAGIC		0x2badb002U
#define MB_SEARCH		8192	/* the header is in the first 8 KiB */
#define MB_HDR_SIZE		32	/* with the address fields */

/* Header flags: bits 0-15 are requirements the loader must meet. */
#define MB_F_PAGE_ALIGN		(1U << 0)
#define MB_F_MEMORY_INFO	(1U << 1)
#define MB_F_VIDEO_MODE		(1U << 2)
#define MB_F_AOUT_KLUDGE	(1U << 16)
#define MB_F_REQUIRED		0xffffU
/* Video mode: a request we may ignore (there is no framebuffer). */
#define MB_F_KNOWN		(MB_F_PAGE_ALIGN | MB_F_MEMORY_INFO | \
				 MB_F_VIDEO_MODE)

/* Information flags and offsets */
#define MBI_F_MEM		(1U << 0)
#define MBI_F_CMDLINE		(1U << 2)
#define MBI_F_MODS		(1U << 3)
#define MBI_F_MMAP		(1U << 6)
#define MBI_F_LOADER_NAME	(1U << 9)
#define MBI_FLAGS		0
#define MBI_MEM_LOWER		4
#define MBI_MEM_UPPER		8
#define MBI_CMDLINE		16
#define MBI_MODS_COUNT		20
#define MBI_MODS_ADDR		24
#define MBI_MMAP_LENGTH		44
#define MBI_MMAP_ADDR		48
#define MBI_LOADER_NAME		64
#define MBI_SIZE		0x80

/* Where the pieces go, inside the BOOT_ZERO_PAGE page. */
#define MB_NAME_OFF		0x80
#define MB_MMAP_OFF		0x100
#define MB_MODS_OFF		0x400
#define MB_MMAP_ENTRY		24	/* size field + 20 bytes */

static const char mb_loader_name[] = "minivmm";

/* Offset of a valid header in the first 8 KiB, or -1. */
static long multiboot_find(const struct kernel_file *f)
{
	size_t end = f->size < MB_SEARCH ? f->size : MB_SEARCH;
	size_t off;

	for (off = 0; off + 12 <= end; off += 4) {
		const uint8_t *p = f->data + off;

		if (boot_rd32(p) == MB_MAGIC &&
		    (uint32_t)(boot_rd32(p) + boot_rd32(p + 4) +
			       boot_rd32(p + 8)) == 0)
			return (long)off;
	}
	return -1;
}

int multiboot_probe(const struct kernel_file *f)
{
	return multiboot_find(f) >= 0;
}

/* The a.out kludge: the header says what to load where. */
static int multiboot_load_aout(const struct guest_ram *ram,
			       const struct kernel_file *f, uint64_t hoff,
			       struct boot_entry *e, char *msg, size_t len)
{
	const uint8_t *h = f->data + hoff;
	uint32_t header_addr = boot_rd32(h + 12), load_addr = boot_rd32(h + 16);
	uint32_t load_end = boot_rd32(h + 20), bss_end = boot_rd32(h + 24);
	uint64_t off, size, mem;

	if (hoff + MB_HDR_SIZE > f->size)
		return boot_error(msg, len, "%s: truncated multiboot header",
				  f->path);
	if (header_addr < load_addr || header_addr - load_addr > hoff)
		return boot_error(msg, len,
				  "%s: multiboot header_addr 0x%x and load_addr 0x%x do not match the file",
				  f->path, header_addr, load_addr);
	off = hoff - (header_addr - load_addr);
	if (load_end) {
		if (load_end < load_addr ||
		    load_end - load_addr > f->size - off)
			return boot_error(msg, len,
					  "%s: multiboot load_end_addr 0x%x outside the file",
					  f->path, load_end);
		size = load_end - load_addr;
	} else {
		size = f->size - off;
	}
	mem = size;
	if (bss_end) {
		if (bss_end < load_addr + size)
			return boot_error(msg, len,
					  "%s: multiboot bss_end_addr 0x%x before the end of the image",
					  f->path, bss_end);
		mem = bss_end - load_addr;
	}
	if (boot_copy_segment(ram, load_addr, f->data + off, size, mem,
			      "multiboot kernel", msg, len))
		return -1;
	e->kernel_start = load_addr;
	e->kernel_end = load_addr + mem;
	e->rip = boot_rd32(h + 28);
	if (e->rip < e->kernel_start || e->rip >= e->kernel_end)
		return boot_error(msg, len,
				  "%s: multiboot entry_addr 0x%" PRIx64 " outside the image",
				  f->path, e->rip);
	return 0;
}

static int multiboot_load_elf(const struct guest_ram *ram,
			      const struct kernel_file *f,
			      struct boot_entry *e, char *msg, size_t len)
{
	struct elf_info info;

	if (!elf_is_elf(f))
		return boot_error(msg, len,
				  "%s: multiboot kernel neither ELF nor with address fields (flag 16)",
				  f->path);
	if (elf_read_header(f, &info, msg, len))
		return -1;
	if (info.class != ELF_CLASS32 || info.machine != ELF_EM_386 ||
	    info.type != ELF_ET_EXEC)
		return boot_error(msg, len,
				  "%s: a multiboot v1 kernel must be a 32-bit x86 ELF executable",
				  f->path);
	return elf_load_segments(ram, f, &info, e, msg, len);
}

/* The information structure, memory map, module and strings. */
static int multiboot_info(const struct guest_ram *ram,
			  const struct kernel_args *a, struct boot_entry *e,
			  char *msg, size_t len)
{
	uint8_t *mbi = guest_ram_ptr(ram, BOOT_ZERO_PAGE, BP_SIZE);
	struct e820_entry map[E820_MAX_ENTRIES];
	uint64_t low = guest_ram_low_size(ram->size);
	uint32_t flags = MBI_F_MEM | MBI_F_CMDLINE | MBI_F_MMAP |
			 MBI_F_LOADER_NAME;
	size_t plen = strlen(a->kernel), clen = strlen(a->cmdline);
	unsigned int i, n;
	uint8_t *cl, *ms;

	if (plen + 1 + clen >= BOOT_CMDLINE_MAX)
		return boot_error(msg, len,
				  "--cmdline too long for multiboot (at most %llu bytes with the kernel path)",
				  BOOT_CMDLINE_MAX - 2 - plen);
	cl = guest_ram_ptr(ram, BOOT_CMDLINE, BOOT_CMDLINE_MAX);
	if (!mbi || !cl)
		return boot_error(msg, len, "guest RAM too small");
	memset(mbi, 0, BP_SIZE);
	memcpy(cl, a->kernel, plen);
	cl[plen] = ' ';
	memcpy(cl + plen + 1, a->cmdline, clen + 1);
	boot_wr32(mbi + MBI_CMDLINE, (uint32_t)BOOT_CMDLINE);

	boot_wr32(mbi + MBI_MEM_LOWER, (uint32_t)(BOOT_EBDA >> 10));
	boot_wr32(mbi + MBI_MEM_UPPER,
		  (uint32_t)(low > BOOT_KERNEL_MIN ?
			     (low - BOOT_KERNEL_MIN) >> 10 : 0));

	n = boot_e820(ram->size, map);
	for (i = 0; i < n; i++) {
		uint8_t *p = mbi + MB_MMAP_OFF + MB_MMAP_ENTRY * i;

		boot_wr32(p, MB_MMAP_ENTRY - 4);
		boot_wr64(p + 4, map[i].addr);
		boot_wr64(p + 12, map[i].size);
		boot_wr32(p + 20, map[i].type);
	}
	boot_wr32(mbi + MBI_MMAP_LENGTH, MB_MMAP_ENTRY * n);
	boot_wr32(mbi + MBI_MMAP_ADDR, (uint32_t)(BOOT_ZERO_PAGE + MB_MMAP_OFF));

	memcpy(mbi + MB_NAME_OFF, mb_loader_name, sizeof(mb_loader_name));
	boot_wr32(mbi + MBI_LOADER_NAME, (uint32_t)(BOOT_ZERO_PAGE + MB_NAME_OFF));

	if (a->initrd) {
		uint8_t *mod = mbi + MB_MODS_OFF;
		size_t slen = strlen(a->initrd);

		if (slen >= BOOT_MB_MODSTR_MAX)
			return boot_error(msg, len, "--initrd path too long");
		ms = guest_ram_ptr(ram, BOOT_MB_MODSTR, slen + 1);
		if (!ms)
			return boot_error(msg, len, "guest RAM too small");
		memcpy(ms, a->initrd, slen + 1);
		/* Modules are page aligned whether the kernel asks or not. */
		if (boot_load_initrd(ram, a->initrd, e->kernel_end,
				     GUEST_HOLE_START, &e->initrd_start,
				     &e->initrd_size, msg, len))
			return -1;
		boot_wr32(mod, (uint32_t)e->initrd_start);
		boot_wr32(mod + 4, (uint32_t)(e->initrd_start + e->initrd_size));
		boot_wr32(mod + 8, (uint32_t)BOOT_MB_MODSTR);
		boot_wr32(mbi + MBI_MODS_COUNT, 1);
		boot_wr32(mbi + MBI_MODS_ADDR,
			  (uint32_t)(BOOT_ZERO_PAGE + MB_MODS_OFF));
		flags |= MBI_F_MODS;
	}
	boot_wr32(mbi + MBI_FLAGS, flags);
	return 0;
}

int multiboot_load(const struct guest_ram *ram, const struct kernel_file *f,
		   const struct kernel_args *a, struct boot_entry *e,
		   char *msg, size_t len)
{
	long hoff = multiboot_find(f);
	uint32_t flags;
	int ret;

	e->format = "multiboot";
	if (hoff < 0)
		return boot_error(msg, len, "%s: no multiboot header",
				  f->path);
	flags = boot_rd32(f->data + hoff + 4);
	if (flags & MB_F_REQUIRED & ~MB_F_KNOWN)
		return boot_error(msg, len,
				  "%s: the multiboot header requires features minivmm lacks (flags 0x%x)",
				  f->path, flags & MB_F_REQUIRED & ~MB_F_KNOWN);
	if (flags & MB_F_AOUT_KLUDGE)
		ret = multiboot_load_aout(ram, f, (uint64_t)hoff, e, msg, len);
	else
		ret = multiboot_load_elf(ram, f, e, msg, len);
	if (ret || multiboot_info(ram, a, e, msg, len))
		return -1;
	e->mode = X86_MODE_PROTECTED;
	e->eax = MB_BOOT_MAGIC;
	e->ebx = (uint32_t)BOOT_ZERO_PAGE;
	return 0;
}
