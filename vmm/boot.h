/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading a kernel for --kernel: Linux bzImage (64-bit boot protocol),
 * ELF vmlinux (64-bit entry) and multiboot v1 kernels.
 *
 * Guest-physical layout below 1 MiB (with x86_setup.h's 0x1000-0xffff):
 *   0x10000 boot_params (Linux) or the multiboot information structure
 *   0x20000 the kernel command line (at most BOOT_CMDLINE_MAX bytes)
 *   0x28000 the multiboot module string
 *   0x9fc00-0xfffff reserved in the e820 map (ACPI tables at 0xe0000)
 * Kernels load at 1 MiB or above and below the 3 GiB hole; the initrd
 * (multiboot: module 0) goes page aligned as high as the kernel allows.
 */
#ifndef VMM_BOOT_H
#define VMM_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "boot_params.h"
#include "guest_mem.h"
#include "x86_setup.h"

#define BOOT_ZERO_PAGE		0x10000ULL	/* boot_params / mb info */
#define BOOT_CMDLINE		0x20000ULL
#define BOOT_CMDLINE_MAX	0x8000ULL	/* with the NUL */
#define BOOT_MB_MODSTR		0x28000ULL
#define BOOT_MB_MODSTR_MAX	0x8000ULL
#define BOOT_EBDA		0x9fc00ULL	/* end of low RAM in e820 */
#define BOOT_KERNEL_MIN		0x100000ULL	/* lowest kernel address */

/*
 * The memory map of a guest with @mem_size bytes of RAM: low RAM to the
 * EBDA, reserved up to 1 MiB, RAM up to the hole, RAM from 4 GiB.
 * Returns the number of entries written to @e (at most E820_MAX_ENTRIES).
 */
unsigned int boot_e820(uint64_t mem_size, struct e820_entry *e);

struct kernel_args {
	const char *kernel;		/* path */
	const char *initrd;		/* path or NULL */
	const char *cmdline;
};

/* How the boot vCPU starts. */
struct boot_entry {
	const char *format;		/* "bzImage", "ELF vmlinux", ... */
	enum x86_mode mode;		/* X86_MODE_BOOT64 or _PROTECTED */
	uint64_t rip;
	uint64_t rsi;			/* boot_params (Linux) */
	uint32_t eax, ebx;		/* multiboot magic and info */
	uint64_t zero_page;		/* boot_params gpa; 0 for multiboot */
	uint32_t cmdline_max;		/* Linux: the kernel's limit */
	uint64_t kernel_start, kernel_end;
	uint64_t initrd_start, initrd_size;
};

/*
 * Loads @a->kernel (and the initrd) into @ram and writes the boot
 * structures.  0, or -1 with a message for the user in @msg.
 */
int kernel_load(const struct guest_ram *ram, const struct kernel_args *a,
		struct boot_entry *e, char *msg, size_t len);

/*
 * The boot vCPU's state for @e, on the tables x86_write_tables(@e->mode)
 * wrote: Linux gets rsi = boot_params, multiboot eax and ebx.  @sregs
 * holds the reset state (its apic_base stays).
 */
void boot_entry_state(const struct boot_entry *e,
		      struct minivmm_sregs *sregs, struct minivmm_regs *regs);

/* Records the ACPI RSDP address in boot_params (Linux formats only). */
void boot_set_rsdp(const struct guest_ram *ram, const struct boot_entry *e,
		   uint64_t rsdp);

/*
 * Appends " @word" to a Linux kernel's command line if it has room;
 * 0, or -1 (multiboot, or the line would be too long).
 */
int boot_append_cmdline(const struct guest_ram *ram,
			const struct boot_entry *e, const char *word);

/* --- for the loaders (boot.c) --- */

struct kernel_file {
	const char *path;
	const uint8_t *data;
	size_t size;
};

/* Each loader: 1 if the file is in its format, 0 if not. */
int bzimage_probe(const struct kernel_file *f);
int elf_probe(const struct kernel_file *f);
int multiboot_probe(const struct kernel_file *f);
int bzimage_load(const struct guest_ram *ram, const struct kernel_file *f,
		 const struct kernel_args *a, struct boot_entry *e,
		 char *msg, size_t len);
int elf_load(const struct guest_ram *ram, const struct kernel_file *f,
	     const struct kernel_args *a, struct boot_entry *e,
	     char *msg, size_t len);
int multiboot_load(const struct guest_ram *ram, const struct kernel_file *f,
		   const struct kernel_args *a, struct boot_entry *e,
		   char *msg, size_t len);

/* printf into @msg; returns -1 for "return boot_error(...)". */
int boot_error(char *msg, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

uint16_t boot_rd16(const uint8_t *p);
uint32_t boot_rd32(const uint8_t *p);
uint64_t boot_rd64(const uint8_t *p);
void boot_wr16(uint8_t *p, uint16_t v);
void boot_wr32(uint8_t *p, uint32_t v);
void boot_wr64(uint8_t *p, uint64_t v);

/*
 * Copies @size bytes to guest-physical @gpa and zeroes up to @mem_size,
 * after checking that the range is RAM at or above BOOT_KERNEL_MIN.
 */
int boot_copy_segment(const struct guest_ram *ram, uint64_t gpa,
		      const uint8_t *src, uint64_t size, uint64_t mem_size,
		      const char *what, char *msg, size_t len);

/*
 * Reads the initrd @path into RAM page aligned, as high as possible but
 * ending at or below @limit, and starting at or above @floor.
 */
int boot_load_initrd(const struct guest_ram *ram, const char *path,
		     uint64_t floor, uint64_t limit, uint64_t *gpa,
		     uint64_t *size, char *msg, size_t len);

/*
 * Fills the loader part of a Linux boot_params at BOOT_ZERO_PAGE (whose
 * setup header the caller wrote): command line (at most @cmdline_max
 * characters), initrd, e820 map, loader type.
 */
int boot_linux_params(const struct guest_ram *ram,
		      const struct kernel_args *a, struct boot_entry *e,
		      uint32_t cmdline_max, uint64_t initrd_limit,
		      char *msg, size_t len);

#endif
