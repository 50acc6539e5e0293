/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PC platform devices minivmm emulates in userspace: 8259 pair,
 * 8254 PIT (+ port 0x61), RTC/CMOS, power/reset ports, COM1, POST port
 * 0x80, and the empty PCI configuration ports.  See docs/design.md for
 * why they live here rather than in the kernel module.
 */
#ifndef VMM_PLATFORM_H
#define VMM_PLATFORM_H

struct vmm;

/*
 * Registers every platform device (COM1 on stdout/stdin included: if
 * serial_init() already ran, its output fd is kept).  Returns 0, or -1
 * with errno set; call before the vCPUs start.
 */
int platform_init(struct vmm *vmm);
/* Stops the device threads (PIT timer, serial); idempotent. */
void platform_exit(void);

/*
 * ISA interrupt request @irq (0-15) to @level: fed to the 8259 pair and
 * to the IOAPIC (IRQ0 on GSI 2, per the MADT's override; IRQn on GSI n).
 * Edge-triggered devices pulse 1 then 0.  Any thread.
 */
void platform_irq(struct vmm *vmm, unsigned int irq, unsigned int level);

#endif
