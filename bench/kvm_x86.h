/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_x86.h - the VMM's x86 set-up (vmm/x86_setup.h, which fills
 * minivmm's register structures) in KVM's structures, for the KVM
 * yardsticks backend_kvm.c and kvm_boot.c.
 */
#ifndef BENCH_KVM_X86_H
#define BENCH_KVM_X86_H

#include <linux/kvm.h>

#include "../include/minivmm.h"

/*
 * Copies segments, descriptor tables and control registers; keeps KVM's
 * apic_base and interrupt bitmap (from KVM_GET_SREGS).
 */
void kvm_sregs_from(struct kvm_sregs *k, const struct minivmm_sregs *m);
void kvm_regs_from(struct kvm_regs *k, const struct minivmm_regs *m);

#endif /* BENCH_KVM_X86_H */
