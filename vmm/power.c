// SPDX-License-Identifier: GPL-2.0
/* Power-off and reset ports (power.h). */
#include <assert.h>
#include <string.h>

#include "acpi.h"
#include "ioport.h"
#include "log.h"
#include "pit.h"
#include "power.h"
#include "vmm.h"

/* i8042 status: bit 2 "system flag" (self-test passed), bit 4 unlocked. */
#define KBD_STATUS_IDLE		0x14
#define ACPI_PM_PORTS		3

static void power_off(struct vmm *vmm, const char *how)
{
	pr_debug("power-off by %s", how);
	vmm_finish(vmm, VMM_EXIT_OK);
}

static void power_reset(struct vmm *vmm, const char *how)
{
	pr_debug("reset by %s", how);
	vmm_finish(vmm, VMM_EXIT_RESET);
}

/* Sleep control, sleep status and reset registers, one byte each. */
static void acpi_pm_io(void *opaque, uint16_t port, uint8_t *data,
		       unsigned int size, bool is_write)
{
	struct vmm *vmm = opaque;
	unsigned int i;
	uint8_t v;

	for (i = 0; i < size; i++, port++) {
		if (!is_write) {
			/* Nothing latched: no wake status, no sleep type. */
			data[i] = 0;
			continue;
		}
		v = data[i];
		if (port == ACPI_SLEEP_CTL_PORT && (v & ACPI_SLP_EN) &&
		    ((v & ACPI_SLP_TYP_MASK) >> ACPI_SLP_TYP_SHIFT) ==
		    ACPI_S5_SLP_TYP)
			power_off(vmm, "the ACPI sleep control register (S5)");
		else if (port == ACPI_SLEEP_CTL_PORT && (v & ACPI_SLP_EN))
			pr_debug("ACPI sleep type %u not supported",
				 (v & ACPI_SLP_TYP_MASK) >> ACPI_SLP_TYP_SHIFT);
		else if (port == ACPI_RESET_PORT && v == ACPI_RESET_VALUE)
			power_reset(vmm, "the ACPI reset register");
	}
}

static void pci_io(void *opaque, uint16_t port, uint8_t *data,
		   unsigned int size, bool is_write)
{
	if (port == POWER_RCR_PORT && size == 1) {
		if (!is_write)
			data[0] = 0;
		else if (data[0] & POWER_RCR_RST_CPU)
			power_reset(opaque, "port 0xcf9");
		return;
	}
	if (!is_write)
		memset(data, 0xff, size);
}

static void kbd_io(void *opaque, uint16_t port, uint8_t *data,
		   unsigned int size, bool is_write)
{
	unsigned int i;

	for (i = 0; i < size; i++, port++) {
		switch (port) {
		case 0x61:
			if (is_write)
				pit_port61_write(data[i]);
			else
				data[i] = pit_port61_read();
			break;
		case POWER_KBD_STATUS:
			if (!is_write)
				data[i] = KBD_STATUS_IDLE;
			else if (data[i] == POWER_KBD_CMD_RESET)
				power_reset(opaque, "the keyboard controller");
			break;
		case POWER_KBD_BASE:
			/* No keyboard: data reads 0, writes vanish. */
			if (!is_write)
				data[i] = 0;
			break;
		default:
			if (!is_write)
				data[i] = 0xff;
			break;
		}
	}
}

/*
 * Real-mode code at the reset vector: what a BIOS's reset comes down to
 * here, a write to the reset register; should the VM go on (it does
 * not: the write ends it), the vCPU stops with interrupts off.
 */
static const uint8_t power_reset_code[] = {
	0xb0, ACPI_RESET_VALUE,			/* mov al, ACPI_RESET_VALUE */
	0xba, ACPI_RESET_PORT & 0xff,		/* mov dx, ACPI_RESET_PORT */
	ACPI_RESET_PORT >> 8,
	0xee,					/* out dx, al */
	0xfa,					/* cli */
	0xf4,					/* 1: hlt */
	0xeb, 0xfd,				/* jmp 1b */
};

static_assert(sizeof(power_reset_code) <= POWER_RESET_VECTOR_LEN,
	      "the reset vector has 16 bytes below 1 MiB");
static_assert(ACPI_AREA_BASE + ACPI_AREA_SIZE <= POWER_RESET_VECTOR,
	      "the ACPI tables must not cover the reset vector");

static void power_reset_vector_fill(struct vmm *vmm)
{
	uint8_t *p;

	if (!vmm->mem ||
	    vmm->cfg.mem_size < POWER_RESET_VECTOR + POWER_RESET_VECTOR_LEN)
		return;
	p = vmm->mem + POWER_RESET_VECTOR;
	memset(p, 0, POWER_RESET_VECTOR_LEN);
	memcpy(p, power_reset_code, sizeof(power_reset_code));
}

int power_init(struct vmm *vmm)
{
	int ret;

	power_reset_vector_fill(vmm);

	ret = ioport_register(ACPI_SLEEP_CTL_PORT, ACPI_PM_PORTS, acpi_pm_io,
			      vmm, "acpi-pm");
	if (!ret)
		ret = ioport_register(POWER_PCI_PORT, POWER_PCI_PORTS, pci_io,
				      vmm, "pci-conf+cf9");
	if (!ret)
		ret = ioport_register(POWER_KBD_BASE, POWER_KBD_PORTS, kbd_io,
				      vmm, "i8042+port61");
	return ret;
}
