/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel-call layer around /dev/minivmm, in libminivmm.a for the VMM,
 * the in-bed tests and the benchmark.  vm.c wraps the ioctls and maps the
 * vCPUs; exit_stats.c times MINIVMM_RUN itself when statistics are on.
 * Every function returns 0 (or a value) on success and -1 with errno set
 * on failure.
 */
#ifndef VMM_HV_H
#define VMM_HV_H

#include <stddef.h>
#include <stdint.h>

#include "../include/minivmm.h"

struct hv_vm {
	int sys_fd;
	int vm_fd;
	size_t vcpu_map_size;
};

struct hv_exit_stats;

struct hv_vcpu {
	int fd;
	unsigned int id;
	void *map;			/* the vCPU mapping */
	size_t map_size;
	struct minivmm_run *run;	/* offset 0 of the mapping */
	struct hv_exit_stats *stats;	/* NULL unless hv_vcpu_stats_enable */
};

/*
 * Opens @path, checks the API version and creates a VM.  On failure,
 * writes a message for the user (with the errno text and a hint) to
 * @msg and returns -1.
 */
int hv_vm_create(struct hv_vm *vm, const char *path, char *msg, size_t len);
void hv_vm_destroy(struct hv_vm *vm);
/* The value of a MINIVMM_CAP_*, 0 if absent or unknown. */
long hv_check_cap(struct hv_vm *vm, unsigned int cap);
int hv_set_memory(struct hv_vm *vm, uint32_t slot, uint64_t gpa,
		  uint64_t size, void *host, uint32_t flags);

/* In-kernel LAPICs + IOAPIC; before the first hv_vcpu_create(). */
int hv_create_irqchip(struct hv_vm *vm);
/*
 * Drive IOAPIC input @gsi to @level.  Safe from any thread: the kernel
 * serializes.  An edge-triggered device pulses: 1 then 0.
 */
int hv_irq_line(struct hv_vm *vm, uint32_t gsi, uint32_t level);
/* An MSI write; returns the number of vCPUs reached or -1. */
int hv_signal_msi(struct hv_vm *vm, uint64_t address, uint32_t data);

/*
 * Ports [@base, @base + @len) get MINIVMM_IOPORT_* @flags: with
 * MINIVMM_IOPORT_NODEV the kernel answers them (all ones, writes dropped)
 * without an exit.  ENOTTY from a module without MINIVMM_SET_IOPORT_RANGE.
 */
int hv_set_ioport_range(struct hv_vm *vm, uint32_t base, uint32_t len,
			uint32_t flags);

int hv_vcpu_create(struct hv_vm *vm, unsigned int id, struct hv_vcpu *vcpu);
void hv_vcpu_destroy(struct hv_vcpu *vcpu);
/* One MINIVMM_RUN; -1 with errno EINTR when a signal interrupted it. */
int hv_vcpu_run(struct hv_vcpu *vcpu);
int hv_get_regs(struct hv_vcpu *vcpu, struct minivmm_regs *regs);
int hv_set_regs(struct hv_vcpu *vcpu, const struct minivmm_regs *regs);
int hv_get_sregs(struct hv_vcpu *vcpu, struct minivmm_sregs *sregs);
int hv_set_sregs(struct hv_vcpu *vcpu, const struct minivmm_sregs *sregs);
int hv_set_cpuid(struct hv_vcpu *vcpu, const struct minivmm_cpuid_entry *e,
		 uint32_t nent);
/* Sets @n MSRs; returns the number set (stops at the first refused). */
int hv_set_msrs(struct hv_vcpu *vcpu, const struct minivmm_msr_entry *e,
		uint32_t n);
int hv_get_mp_state(struct hv_vcpu *vcpu, uint32_t *state);
int hv_set_mp_state(struct hv_vcpu *vcpu, uint32_t state);
/* Reads @n MSRs (indexes in @e); returns the number read. */
int hv_get_msrs(struct hv_vcpu *vcpu, struct minivmm_msr_entry *e,
		uint32_t n);
/*
 * Exit statistics (for --debug): from then on hv_vcpu_run() counts the
 * exits by reason, port and MMIO page, and the time spent inside RUN and
 * outside it handling each one; hv_vcpu_stats_print() writes the summary
 * to stderr.  Off by default: the clock reads cost a little per exit.
 */
int hv_vcpu_stats_enable(struct hv_vcpu *vcpu);
void hv_vcpu_stats_print(struct hv_vcpu *vcpu);
/* The port IO data of the current IO exit (count * size bytes). */
void *hv_io_data(struct hv_vcpu *vcpu);

#endif
