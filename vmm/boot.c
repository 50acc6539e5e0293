// SPDX-License-Identifier: GPL-2.0
/* Kernel format detection and what the loaders share (boot.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "err.h"

#define PAGE_SIZE	4096ULL
#define MIB(x)		((x) >> 20)

int boot_error(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return -1;
}

uint16_t boot_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t boot_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

uint64_t boot_rd64(const uint8_t *p)
{
	return boot_rd32(p) | (uint64_t)boot_rd32(p + 4) << 32;
}

void boot_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void boot_wr32(uint8_t *p, uint32_t v)
{
	boot_wr16(p, (uint16_t)v);
	boot_wr16(p + 2, (uint16_t)(v >> 16));
}

void boot_wr64(uint8_t *p, uint64_t v)
{
	boot_wr32(p, (uint32_t)v);
	boot_wr32(p + 4, (uint32_t)(v >> 32));
}

unsigned int boot_e820(uint64_t mem_size, struct e820_entry *e)
{
	uint64_t low = guest_ram_low_size(mem_size);
	unsigned int n = 0;

	e[n++] = (struct e820_entry){ 0, BOOT_EBDA, E820_RAM };
	/* EBDA, VGA hole, BIOS area and the ACPI tables at 0xe0000. */
	e[n++] = (struct e820_entry){ BOOT_EBDA, BOOT_KERNEL_MIN - BOOT_EBDA,
				      E820_RESERVED };
	if (low > BOOT_KERNEL_MIN)
		e[n++] = (struct e820_entry){ BOOT_KERNEL_MIN,
					      low - BOOT_KERNEL_MIN, E820_RAM };
	if (guest_ram_high_size(mem_size))
		e[n++] = (struct e820_entry){ GUEST_HIGH_START,
					      guest_ram_high_size(mem_size),
					      E820_RAM };
	return n;
}

int boot_copy_segment(const struct guest_ram *ram, uint64_t gpa,
		      const uint8_t *src, uint64_t size, uint64_t mem_size,
		      const char *what, char *msg, size_t len)
{
	uint8_t *dst;

	if (size > mem_size)
		return boot_error(msg, len, "%s: file size exceeds memory size",
				  what);
	if (gpa < BOOT_KERNEL_MIN)
		return boot_error(msg, len,
				  "%s at 0x%" PRIx64 ": kernels must load at 1 MiB or above",
				  what, gpa);
	dst = guest_ram_ptr(ram, gpa, mem_size);
	if (!dst || gpa + mem_size > GUEST_HOLE_START)
		return boot_error(msg, len,
				  "%s at 0x%" PRIx64 "-0x%" PRIx64 " does not fit in guest RAM (--mem %" PRIu64 "M)",
				  what, gpa, gpa + mem_size, MIB(ram->size));
	memcpy(dst, src, size);
	memset(dst + size, 0, mem_size - size);
	return 0;
}

static int read_all(int fd, uint8_t *dst, uint64_t size)
{
	uint64_t done = 0;
	ssize_t n;

	while (done < size) {
		n = read(fd, dst + done, size - done > (1U << 30) ?
			 (1U << 30) : (size_t)(size - done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (!n)
			return err_set(EIO);	/* the file shrank */
		done += (uint64_t)n;
	}
	return 0;
}

/* Opens a regular file; its size in *size.  fd or -1 with a message. */
static int open_regular(const char *path, const char *what, uint64_t *size,
			char *msg, size_t len)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return boot_error(msg, len, "cannot open %s %s: %s", what,
				  path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return boot_error(msg, len, "%s %s: not a regular file", what,
				  path);
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

int boot_load_initrd(const struct guest_ram *ram, const char *path,
		     uint64_t floor, uint64_t limit, uint64_t *gpa,
		     uint64_t *size, char *msg, size_t len)
{
	uint64_t sz, start;
	uint8_t *dst;
	int fd, ret, err;

	fd = open_regular(path, "initrd", &sz, msg, len);
	if (fd < 0)
		return -1;
	if (limit > guest_ram_low_size(ram->size))
		limit = guest_ram_low_size(ram->size);
	limit &= ~(PAGE_SIZE - 1);
	floor = (floor + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (!sz || sz > limit || ((limit - sz) & ~(PAGE_SIZE - 1)) < floor) {
		close(fd);
		if (!sz)
			return boot_error(msg, len, "initrd %s is empty", path);
		return boot_error(msg, len,
				  "initrd %s (%" PRIu64 " KiB) does not fit between the kernel (ends at 0x%" PRIx64 ") and 0x%" PRIx64 ": use a larger --mem (now %" PRIu64 "M)",
				  path, sz >> 10, floor, limit, MIB(ram->size));
	}
	start = (limit - sz) & ~(PAGE_SIZE - 1);
	dst = guest_ram_ptr(ram, start, sz);
	ret = dst ? read_all(fd, dst, sz) : err_set(EFAULT);
	err = errno;
	close(fd);
	if (ret)
		return boot_error(msg, len, "cannot read initrd %s: %s", path,
				  strerror(err));
	*gpa = start;
	*size = sz;
	return 0;
}

int boot_linux_params(const struct guest_ram *ram,
		      const struct kernel_args *a, struct boot_entry *e,
		      uint32_t cmdline_max, uint64_t initrd_limit,
		      char *msg, size_t len)
{
	uint8_t *bp = guest_ram_ptr(ram, BOOT_ZERO_PAGE, BP_SIZE);
	size_t clen = strlen(a->cmdline);
	struct e820_entry map[E820_MAX_ENTRIES];
	unsigned int i, n;
	uint8_t *cl;

	if (cmdline_max >= BOOT_CMDLINE_MAX)
		cmdline_max = BOOT_CMDLINE_MAX - 1;
	if (clen > cmdline_max)
		return boot_error(msg, len,
				  "--cmdline is %zu bytes long; this kernel takes at most %u",
				  clen, cmdline_max);
	cl = guest_ram_ptr(ram, BOOT_CMDLINE, clen + 1);
	if (!bp || !cl)
		return boot_error(msg, len, "guest RAM too small for boot_params");
	memcpy(cl, a->cmdline, clen + 1);
	bp[BP_TYPE_OF_LOADER] = BP_LOADER_UNDEFINED;
	boot_wr32(bp + BP_CMD_LINE_PTR, (uint32_t)BOOT_CMDLINE);
	boot_wr32(bp + BP_EXT_CMD_LINE_PTR, 0);
	bp[BP_SENTINEL] = 0;

	if (a->initrd) {
		if (boot_load_initrd(ram, a->initrd, e->kernel_end,
				     initrd_limit, &e->initrd_start,
				     &e->initrd_size, msg, len))
			return -1;
		boot_wr32(bp + BP_RAMDISK_IMAGE, (uint32_t)e->initrd_start);
		boot_wr32(bp + BP_RAMDISK_SIZE, (uint32_t)e->initrd_size);
		boot_wr32(bp + BP_EXT_RAMDISK_IMAGE,
			  (uint32_t)(e->initrd_start >> 32));
		boot_wr32(bp + BP_EXT_RAMDISK_SIZE,
			  (uint32_t)(e->initrd_size >> 32));
	}

	n = boot_e820(ram->size, map);
	bp[BP_E820_ENTRIES] = (uint8_t)n;
	for (i = 0; i < n; i++) {
		uint8_t *p = bp + BP_E820_TABLE + 20 * i;

		boot_wr64(p, map[i].addr);
		boot_wr64(p + 8, map[i].size);
		boot_wr32(p + 16, map[i].type);
	}
	e->zero_page = BOOT_ZERO_PAGE;
	e->cmdline_max = cmdline_max;
	e->rsi = BOOT_ZERO_PAGE;
	e->mode = X86_MODE_BOOT64;
	return 0;
}

void boot_entry_state(const struct boot_entry *e,
		      struct minivmm_sregs *sregs, struct minivmm_regs *regs)
{
	x86_setup_sregs(e->mode, e->rip, sregs);
	x86_setup_regs(e->mode, e->rip, 0, 1, regs);
	regs->rdi = 0;
	regs->rsi = e->rsi;
	regs->rax = e->eax;
	regs->rbx = e->ebx;
}

void boot_set_rsdp(const struct guest_ram *ram, const struct boot_entry *e,
		   uint64_t rsdp)
{
	uint8_t *bp;

	if (!e->zero_page || !rsdp)
		return;
	bp = guest_ram_ptr(ram, e->zero_page, BP_SIZE);
	/* The field exists from boot protocol 2.14 on; older kernels scan. */
	if (bp && boot_rd16(bp + BP_VERSION) >= 0x020e)
		boot_wr64(bp + BP_ACPI_RSDP_ADDR, rsdp);
}

int boot_append_cmdline(const struct guest_ram *ram,
			const struct boot_entry *e, const char *word)
{
	char *cl = guest_ram_ptr(ram, BOOT_CMDLINE, BOOT_CMDLINE_MAX);
	size_t len, add = strlen(word);

	if (!e->zero_page || !cl)
		return -1;
	len = strnlen(cl, BOOT_CMDLINE_MAX);
	if (len + 1 + add > e->cmdline_max)
		return -1;
	cl[len] = ' ';
	memcpy(cl + len + 1, word, add + 1);
	return 0;
}

int kernel_load(const struct guest_ram *ram, const struct kernel_args *a,
		struct boot_entry *e, char *msg, size_t len)
{
	struct kernel_file f = { .path = a->kernel };
	uint64_t size;
	uint8_t *buf;
	int fd, ret, err;

	memset(e, 0, sizeof(*e));
	fd = open_regular(a->kernel, "kernel", &size, msg, len);
	if (fd < 0)
		return -1;
	if (size > guest_ram_low_size(ram->size)) {
		close(fd);
		return boot_error(msg, len,
				  "kernel %s (%" PRIu64 " MiB) is larger than guest RAM below 3 GiB (--mem %" PRIu64 "M)",
				  a->kernel, MIB(size), MIB(ram->size));
	}
	buf = malloc(size ? size : 1);
	if (!buf) {
		close(fd);
		return boot_error(msg, len, "out of memory reading %s",
				  a->kernel);
	}
	ret = read_all(fd, buf, size);
	err = errno;
	close(fd);
	if (ret) {
		free(buf);
		return boot_error(msg, len, "cannot read kernel %s: %s",
				  a->kernel, strerror(err));
	}
	f.data = buf;
	f.size = size;

	/* Multiboot first: a multiboot kernel may also be an ELF file. */
	if (multiboot_probe(&f))
		ret = multiboot_load(ram, &f, a, e, msg, len);
	else if (elf_probe(&f))
		ret = elf_load(ram, &f, a, e, msg, len);
	else if (bzimage_probe(&f))
		ret = bzimage_load(ram, &f, a, e, msg, len);
	else
		ret = boot_error(msg, len,
				 "%s: not a kernel minivmm can boot (neither a Linux bzImage, an x86-64 ELF vmlinux nor a multiboot v1 kernel)",
				 a->kernel);
	free(buf);
	return ret;
}
