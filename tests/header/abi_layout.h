/* SPDX-License-Identifier: GPL-2.0 */
/*
 * abi_layout.h - the layout of include/minivmm.h as compiled binaries see
 * it, checked at compile time by abi_c.c and abi_cpp.cc alike.  Moving a
 * field breaks every VMM built before: change this file only together with
 * MINIVMM_API_VERSION.  New fields go into padding or reserved space.
 */
#ifndef ABI_LAYOUT_H
#define ABI_LAYOUT_H

#ifdef __cplusplus
#define ABI_ASSERT(e) static_assert(e, #e)
#else
#define ABI_ASSERT(e) _Static_assert(e, #e)
#endif
#define ABI_AT(type, field, off) ABI_ASSERT(offsetof(type, field) == (off))

ABI_ASSERT(MINIVMM_API_VERSION == 1);
ABI_ASSERT(MINIVMM_IO == 0xB2);

ABI_AT(struct minivmm_memory_region, slot, 0);
ABI_AT(struct minivmm_memory_region, flags, 4);
ABI_AT(struct minivmm_memory_region, guest_phys_addr, 8);
ABI_AT(struct minivmm_memory_region, memory_size, 16);
ABI_AT(struct minivmm_memory_region, userspace_addr, 24);

ABI_AT(struct minivmm_regs, rax, 0);
ABI_AT(struct minivmm_regs, r15, 120);
ABI_AT(struct minivmm_regs, rip, 128);
ABI_AT(struct minivmm_regs, rflags, 136);

ABI_AT(struct minivmm_segment, base, 0);
ABI_AT(struct minivmm_segment, limit, 8);
ABI_AT(struct minivmm_segment, selector, 12);
ABI_AT(struct minivmm_segment, type, 14);
ABI_AT(struct minivmm_segment, present, 15);
ABI_AT(struct minivmm_segment, avl, 21);
ABI_AT(struct minivmm_segment, unusable, 22);
ABI_AT(struct minivmm_segment, pad, 23);

ABI_AT(struct minivmm_dtable, limit, 8);
ABI_AT(struct minivmm_dtable, pad, 10);

ABI_AT(struct minivmm_sregs, cs, 0);
ABI_AT(struct minivmm_sregs, ss, 120);
ABI_AT(struct minivmm_sregs, tr, 144);
ABI_AT(struct minivmm_sregs, ldt, 168);
ABI_AT(struct minivmm_sregs, gdt, 192);
ABI_AT(struct minivmm_sregs, idt, 208);
ABI_AT(struct minivmm_sregs, cr0, 224);
ABI_AT(struct minivmm_sregs, cr8, 256);
ABI_AT(struct minivmm_sregs, efer, 264);
ABI_AT(struct minivmm_sregs, apic_base, 272);
ABI_AT(struct minivmm_sregs, reserved, 280);

ABI_AT(struct minivmm_msr_entry, data, 8);
ABI_AT(struct minivmm_msrs, entries, 8);
ABI_AT(struct minivmm_cpuid_entry, flags, 8);
ABI_AT(struct minivmm_cpuid_entry, eax, 12);
ABI_AT(struct minivmm_cpuid_entry, edx, 24);
ABI_AT(struct minivmm_cpuid_entry, pad, 28);
ABI_AT(struct minivmm_cpuid, entries, 8);

ABI_AT(struct minivmm_run, request_interrupt_window, 0);
ABI_AT(struct minivmm_run, immediate_exit, 1);
ABI_AT(struct minivmm_run, exit_reason, 8);
ABI_AT(struct minivmm_run, ready_for_interrupt_injection, 12);
ABI_AT(struct minivmm_run, if_flag, 13);
ABI_AT(struct minivmm_run, cr8, 16);
ABI_AT(struct minivmm_run, io.direction, 56);
ABI_AT(struct minivmm_run, io.size, 57);
ABI_AT(struct minivmm_run, io.port, 58);
ABI_AT(struct minivmm_run, io.count, 60);
ABI_AT(struct minivmm_run, io.data_offset, 64);
ABI_AT(struct minivmm_run, mmio.phys_addr, 56);
ABI_AT(struct minivmm_run, mmio.data, 64);
ABI_AT(struct minivmm_run, mmio.len, 72);
ABI_AT(struct minivmm_run, mmio.is_write, 76);
ABI_AT(struct minivmm_run, fail_entry.hardware_entry_failure_reason, 56);
ABI_AT(struct minivmm_run, internal.suberror, 56);
ABI_AT(struct minivmm_run, internal.ndata, 60);
ABI_AT(struct minivmm_run, internal.data, 64);

/* The ioctls known when this was written; equal numbers do not compile. */
#define ABI_IOCTL_CASES \
	case MINIVMM_GET_API_VERSION: \
	case MINIVMM_CREATE_VM: \
	case MINIVMM_CHECK_CAP: \
	case MINIVMM_GET_VCPU_MMAP_SIZE: \
	case MINIVMM_SET_MEMORY_REGION: \
	case MINIVMM_CREATE_VCPU: \
	case MINIVMM_RUN: \
	case MINIVMM_GET_REGS: \
	case MINIVMM_SET_REGS: \
	case MINIVMM_GET_SREGS: \
	case MINIVMM_SET_SREGS: \
	case MINIVMM_GET_MSRS: \
	case MINIVMM_SET_MSRS: \
	case MINIVMM_SET_CPUID: \
	case MINIVMM_GET_XSAVE: \
	case MINIVMM_SET_XSAVE: \
	case MINIVMM_INTERRUPT:

#endif /* ABI_LAYOUT_H */
