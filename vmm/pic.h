/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 8259A pair of a PC: master at 0x20, slave at 0xa0 cascaded on the
 * master's IRQ2, edge/level control (ELCR) at 0x4d0/0x4d1.
 *
 * There is no INTR pin to raise here: when the master's output rises,
 * the model acknowledges the interrupt itself (as the CPU's INTA cycle
 * would) and sends its vector to APIC ID 0 as a fixed MSI.  This is an
 * ExtINT stand-in with one difference a guest could see: the LAPIC
 * treats it as a fixed interrupt, so it needs a LAPIC EOI as well as the
 * 8259's.  Linux never runs in that mode with an IOAPIC (and with
 * HW-reduced ACPI it does not touch the 8259 at all).
 *
 * After reset the pair is masked and delivers nothing until the guest
 * programs it (ICW1-ICW4), so a guest that never does cannot receive a
 * stray vector 0-15.
 */
#ifndef VMM_PIC_H
#define VMM_PIC_H

#include <stdint.h>

struct vmm;

#define PIC_MASTER_PORT		0x20
#define PIC_SLAVE_PORT		0xa0
#define PIC_ELCR_PORT		0x4d0

int pic_init(struct vmm *vmm);
/* ISA IRQ @irq (0-15) input to @level (0/1). */
void pic_set_irq(unsigned int irq, unsigned int level);
/* Back to the reset state (a new VM, or a test). */
void pic_reset(void);

#endif
