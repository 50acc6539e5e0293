/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI tables for a hardware-reduced platform (ACPI 6.x): RSDP, XSDT,
 * FADT, MADT and a DSDT that describes COM1, the RTC, the S5 sleep type
 * and the virtio-mmio devices.  They live in guest RAM at ACPI_AREA_BASE (the
 * legacy BIOS area, where Linux also scans for the RSDP); the e820 map
 * must keep that range reserved.
 */
#ifndef VMM_ACPI_H
#define VMM_ACPI_H

#include <stdint.h>

struct vmm;

/*
 * 0xe0000 up to the BIOS reset vector at 0xffff0, which power.c fills
 * (POWER_RESET_VECTOR): acpi_build() clears the area, not the vector.
 */
#define ACPI_AREA_BASE		0xe0000u
#define ACPI_AREA_SIZE		0x1fff0u

/* Power-management ports the FADT names (power.c serves them). */
#define ACPI_SLEEP_CTL_PORT	0x600	/* sleep control register */
#define ACPI_SLEEP_STS_PORT	0x601	/* sleep status register */
#define ACPI_RESET_PORT		0x602	/* reset register */
#define ACPI_RESET_VALUE	0x01
#define ACPI_S5_SLP_TYP		5	/* the \_S5 package's value */
/* Sleep control register bits (ACPI 6.x section 4.8.3.7). */
#define ACPI_SLP_TYP_SHIFT	2
#define ACPI_SLP_TYP_MASK	0x1c
#define ACPI_SLP_EN		0x20
/* Sleep status register: wake status, write 1 to clear. */
#define ACPI_WAK_STS		0x80

#define ACPI_MAX_VIRTIO		32

/* Announce a virtio-mmio window; call before acpi_build(). */
void acpi_add_virtio_mmio(uint64_t base, uint32_t size, uint32_t gsi);
/*
 * Writes the tables into guest RAM; returns the guest-physical address
 * of the RSDP, 0 on error (RAM too small, too many devices).
 */
uint64_t acpi_build(struct vmm *vmm);

#endif
