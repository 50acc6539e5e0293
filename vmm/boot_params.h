/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Linux boot protocol's struct boot_params, as byte offsets, and the
 * e820 memory map: what a loader of bzImages writes, for the VMM's
 * loaders and for bench/kvm_boot.c.
 */
#ifndef VMM_BOOT_PARAMS_H
#define VMM_BOOT_PARAMS_H

#include <stdint.h>

/* struct boot_params offsets (Documentation/x86/zero-page.rst, boot.rst) */
#define BP_ACPI_RSDP_ADDR	0x070
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_SENTINEL		0x1ef
#define BP_HDR			0x1f1	/* the setup header starts here */
#define BP_SETUP_SECTS		0x1f1
#define BP_SYSSIZE		0x1f4
#define BP_VID_MODE		0x1fa
#define BP_BOOT_FLAG		0x1fe
#define BP_JUMP			0x200
#define BP_HEADER		0x202	/* "HdrS" */
#define BP_VERSION		0x206
#define BP_TYPE_OF_LOADER	0x210
#define BP_LOADFLAGS		0x211
#define BP_RAMDISK_IMAGE	0x218
#define BP_RAMDISK_SIZE		0x21c
#define BP_CMD_LINE_PTR		0x228
#define BP_INITRD_ADDR_MAX	0x22c
#define BP_KERNEL_ALIGNMENT	0x230
#define BP_RELOCATABLE		0x234
#define BP_MIN_ALIGNMENT	0x235
#define BP_XLOADFLAGS		0x236
#define BP_CMDLINE_SIZE		0x238
#define BP_PREF_ADDRESS		0x258
#define BP_INIT_SIZE		0x260
#define BP_HDR_MAX_END		0x290	/* no setup header goes past this */
#define BP_E820_TABLE		0x2d0
#define BP_E820_MAX		128
#define BP_SIZE			0x1000

#define BP_HDRS_MAGIC		0x53726448	/* "HdrS" */
#define BP_LOADED_HIGH		0x01
#define BP_XLF_KERNEL_64	0x01
#define BP_LOADER_UNDEFINED	0xff

/* e820 / multiboot memory map types */
#define E820_RAM		1
#define E820_RESERVED		2
#define E820_MAX_ENTRIES	4

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

#endif
