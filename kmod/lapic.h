/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel local APIC (lapic.c) and IOAPIC (ioapic.c), and the
 * interrupt messages that travel between them and the vCPUs.
 *
 * Contexts: delivery (mvm_apic_deliver, mvm_msi_deliver,
 * mvm_ioapic_set_irq) may run in any context, including the LAPIC timer's
 * hrtimer callback; it sets IRR bits atomically and calls
 * mvm_vcpu_wake().  Everything else runs on the vCPU's own thread with
 * the vCPU loaded (register access, EOI, acknowledging).
 */
#ifndef MVM_LAPIC_H
#define MVM_LAPIC_H

#include <linux/types.h>

struct mvm_vm;
struct mvm_vcpu;

/* The LAPIC timer input clock (MINIVMM_CAP_APIC_BUS_KHZ): 1 GHz. */
#define MVM_APIC_BUS_KHZ	1000000

/* Delivery modes (ICR, LVT, IOAPIC redirection entry, MSI data 10:8). */
#define MVM_APIC_DM_FIXED	0
#define MVM_APIC_DM_LOWEST	1
#define MVM_APIC_DM_SMI		2
#define MVM_APIC_DM_NMI		4
#define MVM_APIC_DM_INIT	5
#define MVM_APIC_DM_SIPI	6
#define MVM_APIC_DM_EXTINT	7

/* ICR destination shorthands. */
#define MVM_APIC_SH_NONE	0
#define MVM_APIC_SH_SELF	1
#define MVM_APIC_SH_ALL		2
#define MVM_APIC_SH_OTHERS	3

/* One interrupt message. */
struct mvm_apic_irq {
	u32 dest;		/* APIC ID (x2APIC: 32 bits) or logical mask */
	u8 vector;
	u8 delivery_mode;	/* MVM_APIC_DM_* */
	u8 shorthand;		/* MVM_APIC_SH_* */
	bool logical;		/* destination mode */
	bool level_trig;	/* trigger mode: level (EOI reaches IOAPIC) */
	bool assert;		/* level of INIT (INIT level de-assert: drop) */
};

/*
 * Deliver @irq to every matching vCPU of @vm (@src: the sender, for
 * shorthands; NULL for the IOAPIC and MSIs).  Returns how many vCPUs it
 * reached.
 */
int mvm_apic_deliver(struct mvm_vm *vm, struct mvm_vcpu *src,
		     const struct mvm_apic_irq *irq);
/* An MSI write (MINIVMM_SIGNAL_MSI): -EINVAL for a bad address. */
int mvm_msi_deliver(struct mvm_vm *vm, u64 address, u32 data);

/* ---- per vCPU (lapic.c) ---- */
int mvm_lapic_create(struct mvm_vcpu *vcpu);	/* sets vcpu->lapic */
void mvm_lapic_free(struct mvm_vcpu *vcpu);	/* stops the timer */
/* Power-on (@init false) or INIT (@init true) state; APIC ID = vcpu->id. */
void mvm_lapic_reset(struct mvm_vcpu *vcpu, bool init);

/* Does @gpa fall in this vCPU's xAPIC page (enabled, not x2APIC)? */
bool mvm_lapic_mmio_match(struct mvm_vcpu *vcpu, u64 gpa);
/* xAPIC page access (1/2/4/8 bytes; odd ones read 0 / are dropped). */
void mvm_lapic_mmio_read(struct mvm_vcpu *vcpu, u64 gpa, void *data,
			 unsigned int len);
void mvm_lapic_mmio_write(struct mvm_vcpu *vcpu, u64 gpa, const void *data,
			  unsigned int len);

/*
 * MSRs the LAPIC owns: MSR_IA32_APICBASE, the x2APIC range 0x800-0x8ff and
 * MSR_IA32_TSC_DEADLINE.  Returns true when @index is one of them, with
 * *@r = 0 or -EPERM ("inject #GP").
 */
bool mvm_lapic_msr_read(struct mvm_vcpu *vcpu, u32 index, u64 *data, int *r);
bool mvm_lapic_msr_write(struct mvm_vcpu *vcpu, u32 index, u64 data, int *r);
int mvm_lapic_base_check(struct mvm_vcpu *vcpu, u64 val);

/* Highest IRR vector above the PPR, or -1.  Interrupts may be off. */
int mvm_lapic_pending(struct mvm_vcpu *vcpu);
/* The vector is being injected: IRR -> ISR, PPR update. */
void mvm_lapic_ack(struct mvm_vcpu *vcpu, u8 vector);
u8 mvm_lapic_get_cr8(struct mvm_vcpu *vcpu);
void mvm_lapic_set_cr8(struct mvm_vcpu *vcpu, u8 cr8);

/* ---- per VM (ioapic.c) ---- */
#define MVM_IOAPIC_PINS		24

int mvm_ioapic_create(struct mvm_vm *vm);	/* sets vm->ioapic */
void mvm_ioapic_free(struct mvm_vm *vm);
/* MINIVMM_IRQ_LINE: 0, or -EINVAL for a bad gsi/level. */
int mvm_ioapic_set_irq(struct mvm_vm *vm, u32 gsi, u32 level);
/* A level-triggered @vector was EOIed in some LAPIC (EOI broadcast). */
void mvm_ioapic_eoi(struct mvm_vm *vm, u8 vector);
/* Does @gpa fall in the IOAPIC's window? */
bool mvm_ioapic_mmio_match(struct mvm_vm *vm, u64 gpa);
void mvm_ioapic_mmio_read(struct mvm_vm *vm, u64 gpa, void *data,
			  unsigned int len);
void mvm_ioapic_mmio_write(struct mvm_vm *vm, u64 gpa, const void *data,
			   unsigned int len);

#endif /* MVM_LAPIC_H */
