/* SPDX-License-Identifier: GPL-2.0 */
/* The few ELF definitions the loaders need (ELF-64 and ELF-32 gABI). */
#ifndef VMM_ELF_H
#define VMM_ELF_H

#include <stdbool.h>
#include <stdint.h>

#include "boot.h"

#define ELF_CLASS32	1
#define ELF_CLASS64	2
#define ELF_DATA_LSB	1
#define ELF_ET_EXEC	2
#define ELF_EM_386	3
#define ELF_EM_X86_64	62
#define ELF_PT_LOAD	1

/* One program header, whatever the class. */
struct elf_seg {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

struct elf_info {
	unsigned int class;
	uint16_t type, machine;
	uint64_t entry;
	uint64_t phoff;
	uint16_t phnum, phentsize;
};

/* 1 if @f starts with an ELF identification. */
int elf_is_elf(const struct kernel_file *f);
/* Reads the ELF header; -1 with a message if it is malformed. */
int elf_read_header(const struct kernel_file *f, struct elf_info *info,
		    char *msg, size_t len);
/* Program header @i (checked against the file); -1 with a message. */
int elf_read_seg(const struct kernel_file *f, const struct elf_info *info,
		 unsigned int i, struct elf_seg *s, char *msg, size_t len);
/*
 * Loads every PT_LOAD segment at its physical address and translates the
 * entry point (a virtual address inside a segment becomes physical).
 */
int elf_load_segments(const struct guest_ram *ram, const struct kernel_file *f,
		      const struct elf_info *info, struct boot_entry *e,
		      char *msg, size_t len);

#endif
