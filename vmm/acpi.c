// SPDX-License-Identifier: GPL-2.0
/*
 * The ACPI tables (acpi.h).  Layouts from the ACPI 6.x specification:
 * RSDP 5.2.5, XSDT 5.2.8, FADT 5.2.9, MADT 5.2.12, DSDT 5.2.11.1.
 * The DSDT holds \_SB.COM1 (PNP0501), \_SB.RTC (PNP0B00), one
 * \_SB.VRnn (LNRO0005) per virtio-mmio window, and \_S5.
 * Everything is written byte by byte in little-endian order, so the
 * code needs no packed structs.
 */
#include <stdio.h>
#include <string.h>

#include "acpi.h"
#include "aml.h"
#include "log.h"
#include "vmm.h"

#define ACPI_OEM_ID		"MINVMM"	/* 6 characters */
#define ACPI_OEM_TABLE_ID	"MINIVMM "	/* 8 characters */
#define ACPI_CREATOR_ID		"MVMM"
#define ACPI_HDR_LEN		36

#define RSDP_LEN		36
#define RSDP_V1_LEN		20

#define FADT_LEN		276
#define FADT_REVISION		6
#define FADT_OFF_FLAGS		112
#define FADT_OFF_RESET_REG	116
#define FADT_OFF_RESET_VALUE	128
#define FADT_OFF_MINOR		131
#define FADT_OFF_X_DSDT		140
#define FADT_OFF_SLEEP_CTL	244
#define FADT_OFF_SLEEP_STS	256
#define FADT_OFF_HV_ID		268
#define FADT_OFF_BOOT_ARCH	109
#define FADT_OFF_CENTURY	108
#define FADT_RESET_REG_SUP	(1u << 10)
#define FADT_PWR_BUTTON		(1u << 4)	/* no fixed power button */
#define FADT_SLP_BUTTON		(1u << 5)	/* no fixed sleep button */
#define FADT_HW_REDUCED_ACPI	(1u << 20)
#define FADT_BOOT_VGA_ABSENT	(1u << 2)
#define FADT_BOOT_NO_ASPM	(1u << 4)
#define ACPI_GAS_SYSTEM_IO	1
#define ACPI_GAS_ACCESS_BYTE	1

#define MADT_REVISION		5
#define MADT_PCAT_COMPAT	1u
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_INT_OVERRIDE	2
#define MADT_LAPIC_ENABLED	1u
#define MADT_POLARITY_HIGH	0x1
#define MADT_TRIGGER_EDGE	0x4

#define DSDT_REVISION		2	/* 64-bit integers */
#define COM1_PORT		0x3f8
#define COM1_IRQ		4
#define RTC_PORT		0x70
#define CMOS_CENTURY		0x32

#define LAPIC_BASE		0xfee00000u
#define IOAPIC_BASE		0xfec00000u

struct acpi_virtio {
	uint64_t base;
	uint32_t size;
	uint32_t gsi;
};

static struct acpi_virtio acpi_virtio[ACPI_MAX_VIRTIO];
static unsigned int acpi_nr_virtio;
static unsigned int acpi_virtio_dropped;

void acpi_add_virtio_mmio(uint64_t base, uint32_t size, uint32_t gsi)
{
	if (acpi_nr_virtio == ACPI_MAX_VIRTIO) {
		acpi_virtio_dropped++;
		return;
	}
	acpi_virtio[acpi_nr_virtio++] = (struct acpi_virtio){
		.base = base, .size = size, .gsi = gsi,
	};
}

static void put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *p++);
	return (uint8_t)-sum;
}

/* The common header; the checksum is set by acpi_table_done(). */
static void acpi_header(uint8_t *t, const char *sig, uint32_t len,
			uint8_t revision)
{
	memcpy(t, sig, 4);
	put_le(t + 4, len, 4);
	t[8] = revision;
	t[9] = 0;
	memcpy(t + 10, ACPI_OEM_ID, 6);
	memcpy(t + 16, ACPI_OEM_TABLE_ID, 8);
	put_le(t + 24, 1, 4);
	memcpy(t + 28, ACPI_CREATOR_ID, 4);
	put_le(t + 32, 1, 4);
}

static void acpi_table_done(uint8_t *t, uint32_t len)
{
	put_le(t + 4, len, 4);
	t[9] = 0;
	t[9] = acpi_checksum(t, len);
}

/* A Generic Address Structure for one byte-wide IO port. */
static void acpi_gas_port(uint8_t *p, uint16_t port)
{
	p[0] = ACPI_GAS_SYSTEM_IO;
	p[1] = 8;			/* bit width */
	p[2] = 0;			/* bit offset */
	p[3] = ACPI_GAS_ACCESS_BYTE;
	put_le(p + 4, port, 8);
}

static uint32_t acpi_fadt(uint8_t *t, uint64_t dsdt)
{
	memset(t, 0, FADT_LEN);
	acpi_header(t, "FACP", FADT_LEN, FADT_REVISION);
	put_le(t + FADT_OFF_FLAGS, FADT_HW_REDUCED_ACPI | FADT_RESET_REG_SUP |
	       FADT_PWR_BUTTON | FADT_SLP_BUTTON, 4);
	put_le(t + FADT_OFF_BOOT_ARCH, FADT_BOOT_VGA_ABSENT |
	       FADT_BOOT_NO_ASPM, 2);
	t[FADT_OFF_CENTURY] = CMOS_CENTURY;
	acpi_gas_port(t + FADT_OFF_RESET_REG, ACPI_RESET_PORT);
	t[FADT_OFF_RESET_VALUE] = ACPI_RESET_VALUE;
	t[FADT_OFF_MINOR] = 0;
	put_le(t + FADT_OFF_X_DSDT, dsdt, 8);
	acpi_gas_port(t + FADT_OFF_SLEEP_CTL, ACPI_SLEEP_CTL_PORT);
	acpi_gas_port(t + FADT_OFF_SLEEP_STS, ACPI_SLEEP_STS_PORT);
	memcpy(t + FADT_OFF_HV_ID, "MiniVMM", 8);
	acpi_table_done(t, FADT_LEN);
	return FADT_LEN;
}

static uint32_t acpi_madt(uint8_t *t, unsigned int nr_cpus)
{
	uint32_t len = ACPI_HDR_LEN + 8;
	unsigned int i;
	uint8_t *e;

	acpi_header(t, "APIC", 0, MADT_REVISION);
	put_le(t + 36, LAPIC_BASE, 4);
	put_le(t + 40, MADT_PCAT_COMPAT, 4);
	for (i = 0; i < nr_cpus; i++) {
		e = t + len;
		e[0] = MADT_LAPIC;
		e[1] = 8;
		e[2] = (uint8_t)i;	/* ACPI processor UID */
		e[3] = (uint8_t)i;	/* APIC ID */
		put_le(e + 4, MADT_LAPIC_ENABLED, 4);
		len += 8;
	}
	e = t + len;
	e[0] = MADT_IOAPIC;
	e[1] = 12;
	e[2] = (uint8_t)nr_cpus;	/* IOAPIC ID after the LAPICs */
	e[3] = 0;
	put_le(e + 4, IOAPIC_BASE, 4);
	put_le(e + 8, 0, 4);		/* GSI base */
	len += 12;
	/* The PIT's IRQ0 is wired to pin 2, as on every PC since the ISA days. */
	e = t + len;
	e[0] = MADT_INT_OVERRIDE;
	e[1] = 10;
	e[2] = 0;			/* ISA bus */
	e[3] = 0;			/* IRQ0 */
	put_le(e + 4, 2, 4);
	put_le(e + 8, MADT_POLARITY_HIGH | MADT_TRIGGER_EDGE, 2);
	len += 10;
	acpi_table_done(t, len);
	return len;
}

static void dsdt_com1(struct aml *a)
{
	aml_device_open(a, "COM1");
	aml_name_decl(a, "_HID");
	aml_eisaid(a, "PNP0501");
	aml_name_decl(a, "_UID");
	aml_integer(a, 1);
	aml_name_decl(a, "_CRS");
	aml_resources_open(a);
	aml_res_io(a, COM1_PORT, 8);
	aml_res_irq_noflags(a, COM1_IRQ);
	aml_close(a);
	aml_close(a);
}

/*
 * The CMOS RTC, without an interrupt: rtc_cmos then binds through PNP
 * and reads the clock without asking for IRQ8, which a hardware-reduced
 * Linux does not map (and the model does not raise).
 */
static void dsdt_rtc(struct aml *a)
{
	aml_device_open(a, "RTC");
	aml_name_decl(a, "_HID");
	aml_eisaid(a, "PNP0B00");
	aml_name_decl(a, "_CRS");
	aml_resources_open(a);
	aml_res_io(a, RTC_PORT, 2);
	aml_close(a);
	aml_close(a);
}

static void dsdt_virtio(struct aml *a, unsigned int n)
{
	const struct acpi_virtio *v = &acpi_virtio[n];
	char name[8];

	snprintf(name, sizeof(name), "VR%02X", n);
	aml_device_open(a, name);
	aml_name_decl(a, "_HID");
	aml_string(a, "LNRO0005");
	aml_name_decl(a, "_UID");
	aml_integer(a, n);
	aml_name_decl(a, "_CRS");
	aml_resources_open(a);
	aml_res_mem32_fixed(a, (uint32_t)v->base, v->size);
	aml_res_interrupt_edge(a, v->gsi);
	aml_close(a);
	aml_close(a);
}

static uint32_t acpi_dsdt(uint8_t *t, size_t room)
{
	struct aml a;
	unsigned int i;

	if (room < ACPI_HDR_LEN)
		return 0;
	acpi_header(t, "DSDT", 0, DSDT_REVISION);
	aml_init(&a, t + ACPI_HDR_LEN, room - ACPI_HDR_LEN);
	aml_scope_open(&a, "\\_SB_");
	dsdt_com1(&a);
	dsdt_rtc(&a);
	for (i = 0; i < acpi_nr_virtio; i++)
		dsdt_virtio(&a, i);
	aml_close(&a);
	/* SLP_TYPa, SLP_TYPb, reserved, reserved */
	aml_name_decl(&a, "\\_S5_");
	aml_package_open(&a, 4);
	aml_integer(&a, ACPI_S5_SLP_TYP);
	aml_integer(&a, ACPI_S5_SLP_TYP);
	aml_integer(&a, 0);
	aml_integer(&a, 0);
	aml_close(&a);
	if (aml_failed(&a))
		return 0;
	acpi_table_done(t, (uint32_t)(ACPI_HDR_LEN + a.len));
	return (uint32_t)(ACPI_HDR_LEN + a.len);
}

static uint32_t acpi_align(uint32_t off)
{
	return (off + 15) & ~15u;
}

uint64_t acpi_build(struct vmm *vmm)
{
	uint64_t gpa = ACPI_AREA_BASE;
	uint32_t rsdp = 0, xsdt, fadt, madt, dsdt, off, len;
	unsigned int i;
	uint8_t *area;

	if (vmm->cfg.mem_size < ACPI_AREA_BASE + ACPI_AREA_SIZE) {
		pr_err("ACPI: guest RAM ends below 1 MiB: no room for the tables");
		return 0;
	}
	for (i = 0; i < acpi_nr_virtio; i++) {
		const struct acpi_virtio *v = &acpi_virtio[i];

		if (v->base + v->size > 0x100000000ull || !v->size) {
			pr_err("ACPI: virtio-mmio window 0x%llx+0x%x is not below 4 GiB",
			       (unsigned long long)v->base, v->size);
			return 0;
		}
	}
	if (!vmm->cfg.nr_cpus || vmm->cfg.nr_cpus > 254) {
		pr_err("ACPI: %u vCPUs: the MADT holds 1 to 254",
		       vmm->cfg.nr_cpus);
		return 0;
	}
	if (acpi_virtio_dropped) {
		pr_err("ACPI: at most %d virtio-mmio devices", ACPI_MAX_VIRTIO);
		return 0;
	}
	area = vmm->mem + ACPI_AREA_BASE;
	memset(area, 0, ACPI_AREA_SIZE);

	/* RSDP | XSDT | FADT | MADT | DSDT, each 16-byte aligned. */
	xsdt = acpi_align(rsdp + RSDP_LEN);
	fadt = acpi_align(xsdt + ACPI_HDR_LEN + 2 * 8);
	madt = acpi_align(fadt + FADT_LEN);
	len = ACPI_HDR_LEN + 8 + 8 * vmm->cfg.nr_cpus + 12 + 10;
	dsdt = acpi_align(madt + len);
	if (dsdt >= ACPI_AREA_SIZE) {
		pr_err("ACPI: too many vCPUs for the table area");
		return 0;
	}
	len = acpi_dsdt(area + dsdt, ACPI_AREA_SIZE - dsdt);
	if (!len) {
		pr_err("ACPI: the DSDT does not fit");
		return 0;
	}
	acpi_fadt(area + fadt, gpa + dsdt);
	acpi_madt(area + madt, vmm->cfg.nr_cpus);

	acpi_header(area + xsdt, "XSDT", 0, 1);
	off = xsdt + ACPI_HDR_LEN;
	put_le(area + off, gpa + fadt, 8);
	put_le(area + off + 8, gpa + madt, 8);
	acpi_table_done(area + xsdt, ACPI_HDR_LEN + 2 * 8);

	memcpy(area + rsdp, "RSD PTR ", 8);
	memcpy(area + rsdp + 9, ACPI_OEM_ID, 6);
	area[rsdp + 15] = 2;		/* revision: ACPI 2.0+ (XSDT) */
	put_le(area + rsdp + 16, 0, 4);	/* no RSDT */
	put_le(area + rsdp + 20, RSDP_LEN, 4);
	put_le(area + rsdp + 24, gpa + xsdt, 8);
	area[rsdp + 8] = acpi_checksum(area + rsdp, RSDP_V1_LEN);
	area[rsdp + 32] = acpi_checksum(area + rsdp, RSDP_LEN);
	return gpa + rsdp;
}
