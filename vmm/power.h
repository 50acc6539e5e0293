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
 *   - The BIOS reset vector, f000:fff0 (physical POWER_RESET_VECTOR):
 *     there is no BIOS, so the 16 bytes there are code that writes the
 *     ACPI reset register.  A guest that reboots "through the BIOS"
 *     jumps there in real mode; Linux does on this platform (below).
 * Power-off ends minivmm with VMM_EXIT_OK, a reset with VMM_EXIT_RESET.
 * The 0x60-0x64 range also holds port 0x61, which belongs to the PIT.
 *
 * Why Linux ends up at the reset vector: with a hardware-reduced FADT
 * and no command-line "reboot=", reboot_init() (arch/x86/kernel/reboot.c)
 * picks EFI's ResetSystem (efi_reboot_required()).  Without EFI that
 * returns at once and the next method is BOOT_BIOS: machine_real_restart()
 * drops to real mode and jumps to f000:fff0.  The FADT's reset register
 * and the keyboard controller are tried only with reboot=acpi or =kbd.
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
#define POWER_RESET_VECTOR	0xffff0	/* f000:fff0, 16 bytes below 1 MiB */
#define POWER_RESET_VECTOR_LEN	16

/*
 * Registers the ports and, when vmm->mem holds the first MiB, writes the
 * reset vector's code into guest RAM.
 */
int power_init(struct vmm *vmm);

#endif
