// SPDX-License-Identifier: GPL-2.0
/*
 * Linux bzImage by the x86 boot protocol (Documentation/x86/boot.rst),
 * started at its 64-bit entry point: no real-mode setup code runs, so the
 * VMM fills boot_params itself.
 */
#include <inttypes.h>
#include <string.h>

#include "boot.h"

#define SECTOR			512ULL
#define BZ_DEFAULT_SETUP_SECTS	4	/* setup_sects 0 means 4 */
#define BZ_MIN_VERSION		0x0206	/* cmdline_size */
#define BZ_64BIT_VERSION	0x020c	/* xloadflags: XLF_KERNEL_64 */
#define BZ_64BIT_ENTRY		0x200	/* from the load address */
#define BZ_OLD_LOAD_ADDR	((uint64_t)0x100000)
#define BZ_BOOT_FLAG		0xaa55

int bzimage_probe(const struct kernel_file *f)
{
	return f->size >= BP_HDR_MAX_END &&
	       boot_rd16(f->data + BP_BOOT_FLAG) == BZ_BOOT_FLAG &&
	       boot_rd32(f->data + BP_HEADER) == BP_HDRS_MAGIC;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return a ? (v + a - 1) / a * a : v;
}

/*
 * Where the protected-mode kernel goes: its preferred address, or for a
 * relocatable kernel the lowest suitably aligned address from 1 MiB on
 * when the preferred one leaves too little room.  0 if nothing fits.
 */
static uint64_t bzimage_place(const uint8_t *h, uint64_t need, uint64_t low)
{
	uint16_t version = boot_rd16(h + BP_VERSION);
	uint64_t pref = BZ_OLD_LOAD_ADDR, align, addr;
	unsigned int min_shift;

	if (version >= 0x020a)
		pref = boot_rd64(h + BP_PREF_ADDRESS);
	if (pref >= BOOT_KERNEL_MIN && pref < low && need <= low - pref)
		return pref;
	if (!h[BP_RELOCATABLE])
		return 0;
	align = boot_rd32(h + BP_KERNEL_ALIGNMENT);
	addr = align_up(BOOT_KERNEL_MIN, align);
	if (addr < low && need <= low - addr)
		return addr;
	/* 2.10+: the kernel also accepts its minimum alignment. */
	min_shift = h[BP_MIN_ALIGNMENT];
	if (version < 0x020a || min_shift < 12 || min_shift > 30)
		return 0;
	addr = align_up(BOOT_KERNEL_MIN, 1ULL << min_shift);
	return addr < low && need <= low - addr ? addr : 0;
}

int bzimage_load(const struct guest_ram *ram, const struct kernel_file *f,
		 const struct kernel_args *a, struct boot_entry *e,
		 char *msg, size_t len)
{
	const uint8_t *h = f->data;
	uint16_t version = boot_rd16(h + BP_VERSION);
	uint64_t low = guest_ram_low_size(ram->size);
	uint64_t setup, pm_size, need, load, hdr_end, initrd_max;
	uint8_t *bp;

	e->format = "bzImage";
	if (version < BZ_MIN_VERSION)
		return boot_error(msg, len,
				  "%s: boot protocol %u.%02u is too old (minivmm needs 2.12 or later)",
				  f->path, version >> 8, version & 0xff);
	if (version < BZ_64BIT_VERSION ||
	    !(boot_rd16(h + BP_XLOADFLAGS) & BP_XLF_KERNEL_64))
		return boot_error(msg, len,
				  "%s: no 64-bit entry point (boot protocol %u.%02u, xloadflags 0x%x): minivmm boots 64-bit kernels with protocol 2.12 or later",
				  f->path, version >> 8, version & 0xff,
				  boot_rd16(h + BP_XLOADFLAGS));
	if (!(h[BP_LOADFLAGS] & BP_LOADED_HIGH))
		return boot_error(msg, len,
				  "%s: a zImage (loaded low) is not supported",
				  f->path);
	setup = h[BP_SETUP_SECTS] ? h[BP_SETUP_SECTS] : BZ_DEFAULT_SETUP_SECTS;
	setup = (setup + 1) * SECTOR;
	if (setup >= f->size ||
	    (uint64_t)boot_rd32(h + BP_SYSSIZE) * 16 > f->size - setup)
		return boot_error(msg, len, "%s: truncated bzImage", f->path);
	pm_size = f->size - setup;
	need = boot_rd32(h + BP_INIT_SIZE);
	if (need < pm_size)
		need = pm_size;
	load = bzimage_place(h, need, low);
	if (!load)
		return boot_error(msg, len,
				  "%s: the kernel needs %" PRIu64 " MiB from 0x%" PRIx64 " (init_size) and does not fit in --mem %" PRIu64 "M",
				  f->path, (need + (1 << 20) - 1) >> 20,
				  version >= 0x020a ?
				  boot_rd64(h + BP_PREF_ADDRESS) :
				  BZ_OLD_LOAD_ADDR, ram->size >> 20);
	if (boot_copy_segment(ram, load, h + setup, pm_size, pm_size,
			      "kernel", msg, len))
		return -1;
	e->kernel_start = load;
	e->kernel_end = load + need;

	bp = guest_ram_ptr(ram, BOOT_ZERO_PAGE, BP_SIZE);
	if (!bp)
		return boot_error(msg, len, "guest RAM too small");
	memset(bp, 0, BP_SIZE);
	/* The setup header ends at 0x202 + the jump's offset byte. */
	hdr_end = BP_JUMP + 2 + h[BP_JUMP + 1];
	if (hdr_end > BP_HDR_MAX_END)
		hdr_end = BP_HDR_MAX_END;
	memcpy(bp + BP_HDR, h + BP_HDR, hdr_end - BP_HDR);
	/* The kernel is not where code32_start says: tell it. */
	boot_wr32(bp + 0x214, (uint32_t)load);
	bp[BP_LOADFLAGS] |= BP_LOADED_HIGH;
	boot_wr16(bp + BP_VID_MODE, 0xffff);	/* "normal" */

	initrd_max = (uint64_t)boot_rd32(h + BP_INITRD_ADDR_MAX) + 1;
	if (boot_linux_params(ram, a, e, boot_rd32(h + BP_CMDLINE_SIZE),
			      initrd_max, msg, len))
		return -1;
	e->rip = load + BZ_64BIT_ENTRY;
	return 0;
}
