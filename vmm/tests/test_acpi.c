// SPDX-License-Identifier: GPL-2.0
/*
 * The ACPI tables: signatures, lengths, checksums and the fields Linux
 * reads; the DSDT is also disassembled with iasl when it is installed.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acpi.h"
#include "log.h"
#include "tap.h"
#include "vmm.h"

bool log_debug_enabled;

static uint64_t get_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static int sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* The table at @gpa if its signature and checksum are right. */
static const uint8_t *table(const uint8_t *mem, uint64_t gpa, const char *sig)
{
	const uint8_t *t;
	uint32_t len;

	if (gpa < ACPI_AREA_BASE || gpa >= ACPI_AREA_BASE + ACPI_AREA_SIZE)
		return NULL;
	t = mem + gpa;
	len = (uint32_t)get_le(t + 4, 4);
	if (memcmp(t, sig, 4) || len < 36 ||
	    gpa + len > ACPI_AREA_BASE + ACPI_AREA_SIZE)
		return NULL;
	return sum(t, len) ? NULL : t;
}

/* Disassembles the DSDT; returns the listing or NULL. */
static char *iasl_listing(const uint8_t *dsdt, uint32_t len, int *status)
{
	char dir[] = "/tmp/test_acpi.XXXXXX", cmd[512], path[300];
	static char text[16384];
	FILE *f;
	size_t n;

	*status = -1;
	if (!mkdtemp(dir))
		return NULL;
	snprintf(path, sizeof(path), "%s/dsdt.dat", dir);
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fwrite(dsdt, 1, len, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && iasl -d dsdt.dat >iasl.log 2>&1", dir);
	*status = system(cmd);
	snprintf(path, sizeof(path), "%s/dsdt.dsl", dir);
	f = fopen(path, "r");
	text[0] = 0;
	if (f) {
		n = fread(text, 1, sizeof(text) - 1, f);
		text[n] = 0;
		fclose(f);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return NULL;
	return f ? text : NULL;
}

int main(void)
{
	static struct vmm vmm;
	const uint8_t *rsdp, *xsdt, *fadt, *madt, *dsdt, *e;
	uint32_t len, off;
	uint64_t gpa;
	unsigned int lapics = 0, ioapics = 0, overrides = 0;
	char *dsl;
	int st;

	vmm.cfg.nr_cpus = 3;
	vmm.cfg.mem_size = 2 << 20;
	vmm.mem = calloc(1, vmm.cfg.mem_size);
	if (!vmm.mem)
		return 1;
	acpi_add_virtio_mmio(0xd0000000, 0x1000, 5);
	acpi_add_virtio_mmio(0xd0001000, 0x1000, 6);
	/* The BIOS reset vector (power.c) is someone else's. */
	memset(vmm.mem + 0xffff0, 0xcc, 16);
	gpa = acpi_build(&vmm);
	ok(ACPI_AREA_BASE + ACPI_AREA_SIZE <= 0xffff0 &&
	   !memcmp(vmm.mem + 0xffff0, "\xcc\xcc\xcc\xcc\xcc\xcc\xcc\xcc"
		   "\xcc\xcc\xcc\xcc\xcc\xcc\xcc\xcc", 16),
	   "the tables leave the reset vector at 0xffff0 alone");
	ok(gpa >= ACPI_AREA_BASE && gpa < ACPI_AREA_BASE + ACPI_AREA_SIZE &&
	   !(gpa & 15), "RSDP at 0x%llx, 16-byte aligned in 0xe0000-0xfffff",
	   (unsigned long long)gpa);
	rsdp = vmm.mem + gpa;
	ok(!memcmp(rsdp, "RSD PTR ", 8) && rsdp[15] == 2 &&
	   get_le(rsdp + 20, 4) == 36, "RSDP signature, revision 2, length 36");
	ok(!sum(rsdp, 20) && !sum(rsdp, 36), "RSDP checksum and extended checksum");
	xsdt = table(vmm.mem, get_le(rsdp + 24, 8), "XSDT");
	ok(xsdt && get_le(xsdt + 4, 4) == 36 + 16, "XSDT valid, two entries");
	if (!xsdt)
		return tap_finish();
	fadt = table(vmm.mem, get_le(xsdt + 36, 8), "FACP");
	madt = table(vmm.mem, get_le(xsdt + 44, 8), "APIC");
	ok(fadt && get_le(fadt + 4, 4) == 276 && fadt[8] == 6,
	   "FADT valid: revision 6, 276 bytes");
	ok(!!madt, "MADT valid");
	if (!fadt || !madt)
		return tap_finish();
	ok(get_le(fadt + 112, 4) & (1u << 20), "FADT HW_REDUCED_ACPI");
	ok((get_le(fadt + 112, 4) & (1u << 10)) && fadt[116] == 1 &&
	   fadt[117] == 8 && get_le(fadt + 120, 8) == ACPI_RESET_PORT &&
	   fadt[128] == ACPI_RESET_VALUE, "FADT reset register: IO port 0x%x value %d",
	   ACPI_RESET_PORT, ACPI_RESET_VALUE);
	ok(fadt[244] == 1 && get_le(fadt + 248, 8) == ACPI_SLEEP_CTL_PORT &&
	   fadt[256] == 1 && get_le(fadt + 260, 8) == ACPI_SLEEP_STS_PORT,
	   "FADT sleep control/status registers in IO space");
	ok(!memcmp(fadt + 268, "MiniVMM", 8), "FADT hypervisor vendor id");
	ok(get_le(fadt + 40, 4) == 0 && fadt[108] == 0x32,
	   "no 32-bit DSDT pointer, CMOS century 0x32");
	dsdt = table(vmm.mem, get_le(fadt + 140, 8), "DSDT");
	ok(dsdt && dsdt[8] == 2, "X_DSDT points to a valid DSDT, revision 2");

	ok(get_le(madt + 36, 4) == 0xfee00000 && get_le(madt + 40, 4) == 1,
	   "MADT LAPIC address 0xfee00000, PCAT_COMPAT");
	len = (uint32_t)get_le(madt + 4, 4);
	for (off = 44; off + 2 <= len; off += e[1]) {
		e = madt + off;
		if (e[1] < 2 || off + e[1] > len)
			break;
		if (e[0] == 0 && e[1] == 8 && e[2] == lapics &&
		    e[3] == lapics && get_le(e + 4, 4) == 1)
			lapics++;
		if (e[0] == 1 && e[1] == 12 && e[2] == 3 &&
		    get_le(e + 4, 4) == 0xfec00000 && get_le(e + 8, 4) == 0)
			ioapics++;
		if (e[0] == 2 && e[1] == 10 && e[3] == 0 &&
		    get_le(e + 4, 4) == 2 && get_le(e + 8, 2) == 5)
			overrides++;
	}
	ok(off == len, "MADT entries tile the table exactly");
	ok(lapics == 3, "one enabled LAPIC per vCPU, ids 0..2 (%u)", lapics);
	ok(ioapics == 1 && overrides == 1,
	   "IOAPIC id 3 at 0xfec00000 GSI 0, IRQ0 -> GSI 2 edge/high");

	if (!dsdt)
		return tap_finish();
	len = (uint32_t)get_le(dsdt + 4, 4);
	ok(!!memmem(dsdt, len, "\x08_HID\x0c\x41\xd0\x05\x01", 10),
	   "DSDT: COM1 _HID EISAID(PNP0501)");
	ok(!!memmem(dsdt, len, "\x47\x01\xf8\x03\xf8\x03\x01\x08\x22\x10\x00\x79\x00", 13),
	   "DSDT: COM1 _CRS IO(0x3f8, 8) IRQNoFlags(4)");
	ok(!!memmem(dsdt, len, "LNRO0005", 8) &&
	   memmem(dsdt, len, "\x86\x09\x00\x01\x00\x10\x00\xd0\x00\x10\x00\x00"
		  "\x89\x06\x00\x03\x01\x06\x00\x00\x00", 21),
	   "DSDT: virtio device 2: Memory32Fixed(0xd0001000, 0x1000), Interrupt(6)");
	ok(!!memmem(dsdt, len, "\x08\\_S5_\x12\x08\x04\x0a\x05\x0a\x05\x00\x00", 15),
	   "DSDT: \\_S5 = Package { 5, 5, 0, 0 }");

	if (system("command -v iasl >/dev/null 2>&1")) {
		ok(1, "iasl disassembly # SKIP iasl not installed (acpica-tools)");
		goto out;
	}
	dsl = iasl_listing(dsdt, len, &st);
	ok(dsl && st == 0, "iasl -d accepts the DSDT");
	if (dsl) {
		ok(strstr(dsl, "Device (COM1)") && strstr(dsl, "EisaId (\"PNP0501\")") &&
		   strstr(dsl, "IO (Decode16,") && strstr(dsl, "IRQNoFlags ()"),
		   "iasl sees COM1 with IO and IRQ resources");
		ok(strstr(dsl, "Device (VR00)") && strstr(dsl, "Device (VR01)") &&
		   strstr(dsl, "\"LNRO0005\"") &&
		   strstr(dsl, "Memory32Fixed (ReadWrite,") &&
		   strstr(dsl, "Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, )"),
		   "iasl sees two LNRO0005 devices with memory and interrupt");
		ok(strstr(dsl, "Device (RTC)") && strstr(dsl, "EisaId (\"PNP0B00\")") &&
		   strstr(dsl, "0x0070,             // Range Minimum"),
		   "iasl sees the RTC at 0x70");
		ok(!!strstr(dsl, "Name (\\_S5, Package (0x04)"),
		   "iasl sees \\_S5");
		if (!strstr(dsl, "Name (\\_S5, Package (0x04)"))
			printf("%s", dsl);
	}
out:
	free(vmm.mem);
	return tap_finish();
}
