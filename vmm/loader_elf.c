// SPDX-License-Identifier: GPL-2.0
/*
 * ELF files: the segment loader shared with multiboot, and x86-64 vmlinux
 * started at its 64-bit entry (startup_64 takes physical addresses and
 * boot_params in rsi, as from the bzImage decompressor).
 */
#include <inttypes.h>
#include <string.h>

#include "elf.h"

#define ELF_EHDR32_SIZE		52
#define ELF_EHDR64_SIZE		64
#define ELF_PHDR32_SIZE		32
#define ELF_PHDR64_SIZE		56
#define ELF_MAX_PHNUM		64

/* What a vmlinux boot_params header says: protocol 2.15's defaults. */
#define VMLINUX_PROTOCOL	0x020f
#define VMLINUX_CMDLINE_MAX	2047	/* COMMAND_LINE_SIZE - 1 */
#define VMLINUX_INITRD_MAX	0x7fffffffULL
#define VMLINUX_ALIGN		0x200000

int elf_is_elf(const struct kernel_file *f)
{
	return f->size >= 16 && !memcmp(f->data, "\177ELF", 4);
}

int elf_read_header(const struct kernel_file *f, struct elf_info *info,
		    char *msg, size_t len)
{
	const uint8_t *d = f->data;

	memset(info, 0, sizeof(*info));
	info->class = d[4];
	if (d[5] != ELF_DATA_LSB ||
	    (info->class != ELF_CLASS32 && info->class != ELF_CLASS64))
		return boot_error(msg, len,
				  "%s: not a little-endian 32- or 64-bit ELF file",
				  f->path);
	if (f->size < (info->class == ELF_CLASS64 ? ELF_EHDR64_SIZE :
		       ELF_EHDR32_SIZE))
		return boot_error(msg, len, "%s: truncated ELF header",
				  f->path);
	info->type = boot_rd16(d + 16);
	info->machine = boot_rd16(d + 18);
	if (info->class == ELF_CLASS64) {
		info->entry = boot_rd64(d + 24);
		info->phoff = boot_rd64(d + 32);
		info->phentsize = boot_rd16(d + 54);
		info->phnum = boot_rd16(d + 56);
	} else {
		info->entry = boot_rd32(d + 24);
		info->phoff = boot_rd32(d + 28);
		info->phentsize = boot_rd16(d + 42);
		info->phnum = boot_rd16(d + 44);
	}
	if (info->phentsize != (info->class == ELF_CLASS64 ? ELF_PHDR64_SIZE :
				ELF_PHDR32_SIZE) ||
	    !info->phnum || info->phnum > ELF_MAX_PHNUM ||
	    info->phoff > f->size ||
	    (uint64_t)info->phnum * info->phentsize > f->size - info->phoff)
		return boot_error(msg, len, "%s: bad ELF program headers",
				  f->path);
	return 0;
}

int elf_read_seg(const struct kernel_file *f, const struct elf_info *info,
		 unsigned int i, struct elf_seg *s, char *msg, size_t len)
{
	const uint8_t *p = f->data + info->phoff + (uint64_t)i * info->phentsize;

	if (info->class == ELF_CLASS64) {
		s->type = boot_rd32(p);
		s->offset = boot_rd64(p + 8);
		s->vaddr = boot_rd64(p + 16);
		s->paddr = boot_rd64(p + 24);
		s->filesz = boot_rd64(p + 32);
		s->memsz = boot_rd64(p + 40);
	} else {
		s->type = boot_rd32(p);
		s->offset = boot_rd32(p + 4);
		s->vaddr = boot_rd32(p + 8);
		s->paddr = boot_rd32(p + 12);
		s->filesz = boot_rd32(p + 16);
		s->memsz = boot_rd32(p + 20);
	}
	if (s->type != ELF_PT_LOAD)
		return 0;
	if (s->filesz > s->memsz || s->offset > f->size ||
	    s->filesz > f->size - s->offset ||
	    s->paddr + s->memsz < s->paddr || s->vaddr + s->memsz < s->vaddr)
		return boot_error(msg, len, "%s: bad ELF segment %u", f->path,
				  i);
	return 0;
}

int elf_load_segments(const struct guest_ram *ram, const struct kernel_file *f,
		      const struct elf_info *info, struct boot_entry *e,
		      char *msg, size_t len)
{
	uint64_t entry = 0, start = UINT64_MAX, end = 0;
	bool entry_found = false;
	struct elf_seg s;
	unsigned int i;

	for (i = 0; i < info->phnum; i++) {
		if (elf_read_seg(f, info, i, &s, msg, len))
			return -1;
		if (s.type != ELF_PT_LOAD || !s.memsz)
			continue;
		if (boot_copy_segment(ram, s.paddr, f->data + s.offset,
				      s.filesz, s.memsz, "ELF segment", msg,
				      len))
			return -1;
		if (s.paddr < start)
			start = s.paddr;
		if (s.paddr + s.memsz > end)
			end = s.paddr + s.memsz;
		/* The entry is physical, or virtual inside a segment. */
		if (!entry_found && info->entry >= s.paddr &&
		    info->entry - s.paddr < s.memsz) {
			entry = info->entry;
			entry_found = true;
		} else if (!entry_found && info->entry >= s.vaddr &&
			   info->entry - s.vaddr < s.memsz) {
			entry = s.paddr + (info->entry - s.vaddr);
			entry_found = true;
		}
	}
	if (!end)
		return boot_error(msg, len, "%s: no loadable ELF segment",
				  f->path);
	if (!entry_found)
		return boot_error(msg, len,
				  "%s: entry point 0x%" PRIx64 " is in no loaded segment",
				  f->path, info->entry);
	e->kernel_start = start;
	e->kernel_end = end;
	e->rip = entry;
	return 0;
}

int elf_probe(const struct kernel_file *f)
{
	return elf_is_elf(f);
}

/* A setup header like a bzImage's, for a kernel that brings none. */
static void vmlinux_header(uint8_t *bp)
{
	boot_wr16(bp + BP_BOOT_FLAG, 0xaa55);
	boot_wr32(bp + BP_HEADER, BP_HDRS_MAGIC);
	boot_wr16(bp + BP_VERSION, VMLINUX_PROTOCOL);
	bp[BP_LOADFLAGS] = BP_LOADED_HIGH;
	boot_wr32(bp + BP_INITRD_ADDR_MAX, (uint32_t)VMLINUX_INITRD_MAX);
	boot_wr32(bp + BP_KERNEL_ALIGNMENT, VMLINUX_ALIGN);
	boot_wr16(bp + BP_XLOADFLAGS, BP_XLF_KERNEL_64);
	boot_wr32(bp + BP_CMDLINE_SIZE, VMLINUX_CMDLINE_MAX);
	boot_wr16(bp + BP_VID_MODE, 0xffff);
}

int elf_load(const struct guest_ram *ram, const struct kernel_file *f,
	     const struct kernel_args *a, struct boot_entry *e,
	     char *msg, size_t len)
{
	struct elf_info info;
	uint8_t *bp;

	e->format = "ELF vmlinux";
	if (elf_read_header(f, &info, msg, len))
		return -1;
	if (info.class != ELF_CLASS64 || info.machine != ELF_EM_X86_64)
		return boot_error(msg, len,
				  "%s: a %s ELF file without a multiboot header: minivmm boots x86-64 ELF kernels (vmlinux) or multiboot kernels",
				  f->path, info.class == ELF_CLASS32 ?
				  "32-bit" : "non-x86-64");
	if (info.type != ELF_ET_EXEC)
		return boot_error(msg, len,
				  "%s: not an executable ELF file (type %u)",
				  f->path, info.type);
	if (elf_load_segments(ram, f, &info, e, msg, len))
		return -1;
	bp = guest_ram_ptr(ram, BOOT_ZERO_PAGE, BP_SIZE);
	if (!bp)
		return boot_error(msg, len, "guest RAM too small");
	memset(bp, 0, BP_SIZE);
	vmlinux_header(bp);
	return boot_linux_params(ram, a, e, VMLINUX_CMDLINE_MAX,
				 VMLINUX_INITRD_MAX + 1, msg, len);
}
