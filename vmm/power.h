/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Power-off and reset, every way a PC guest may ask:
 *   - ACPI (hardware-reduced): the FADT's sleep control register
 *     (SLP_EN with SLP_TYP = the \_S5 value) powers off; its reset
 *     register (ACPI_RESET_VALUE) resets.  The sleep status register
 *     reads 0 (no wake event) and ignores writes of WAK_STS.
 *   - The PCI reset control register, port 0xcf9: a byte write with
 *     RST_CPU (bit 2) set resets (Linux writes 0x02 then 0x06; 0x0e is a
 *     full reset).  The rest of 0xcf8-0xcff is a PCI configuration
 *     mechanism with no host bridge behind it: reads all ones.
 *   - The keyboard controller: command 0xfe (pulse the reset line) to
 *     port 0x64.  Its status reads "output buffer empty, input buffer
 *     empty" so a probe finds nothing to read and gives up at once.
 * Power-off ends minivmm with VMM_EXIT_OK, a reset with VMM_EXIT_RESET.
 * The 0x60-0x64 range also holds port 0x61, which belongs to the PIT.
 */
#ifndef VMM_POWER_H
#define VMM_POWER_H

struct vmm;

#define POWER_PCI_PORT		0xcf8
#define POWER_PCI_PORTS		8
#define POWER_RCR_PORT		0xcf9
#define POWER_RCR_RST_CPU	0x04
#define POWER_KBD_BASE		0x60
#define POWER_KBD_PORTS		5	/* 0x60-0x64 */
#define POWER_KBD_STATUS	0x64
#define POWER_KBD_CMD_RESET	0xfe

int power_init(struct vmm *vmm);

#endif
