/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPU model a --kernel guest sees: the host's CPUID with what the
 * module cannot virtualize hidden, the hypervisor bit and a minivmm leaf,
 * the emulated LAPIC's features (x2APIC, TSC-deadline, ARAT), the TSC
 * frequency and a topology of N cores with one thread each.  With a
 * known TSC rate (tsc_khz) the TSC is invariant; with TSC_ADJUST as well,
 * Linux needs no clocksource watchdog for it.
 */
#ifndef VMM_CPUID_MODEL_H
#define VMM_CPUID_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "../include/minivmm.h"

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

typedef void (*cpuid_host_fn)(uint32_t leaf, uint32_t subleaf,
			      struct cpuid_regs *r);

/* The CPUID instruction of the machine minivmm runs on. */
void cpuid_host(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r);
/* XCR0 of this machine (0 if the OS has not enabled XSAVE). */
uint64_t cpuid_host_xcr0(void);

#define CPUID_SIGNATURE		"MiniVMMMiniV"
#define CPUID_HV_BASE		0x40000000U
#define CPUID_HV_TIMING		0x40000010U	/* eax TSC kHz, ebx bus kHz */

struct cpuid_config {
	cpuid_host_fn host;		/* cpuid_host, or a fake in tests */
	unsigned int nr_cpus;
	uint32_t tsc_khz;		/* MINIVMM_CAP_TSC_KHZ, 0: unknown */
	uint32_t apic_bus_khz;		/* MINIVMM_CAP_APIC_BUS_KHZ */
	uint64_t host_xcr0;		/* cpuid_host_xcr0() */
	uint32_t xsave_size;		/* MINIVMM_CAP_XSAVE_SIZE, 0: unknown */
	bool spec_ctrl;			/* SPEC_CTRL/PRED_CMD are virtualized */
	bool tsc_adjust;		/* IA32_TSC_ADJUST is virtualized */
};

/*
 * Writes the CPUID table of vCPU @id (APIC ID = @id) to @e.  Returns the
 * number of entries, or -1 if more than @max would be needed.
 */
int cpuid_model_build(const struct cpuid_config *c, unsigned int id,
		      struct minivmm_cpuid_entry *e, unsigned int max);

/*
 * Whether Linux can read the TSC frequency from the model (leaf 0x15,
 * which it trusts on Intel only).
 */
bool cpuid_model_has_tsc_freq(const struct cpuid_config *c);

/* The XCR0 bits the guest may use (what the module lets it set). */
uint64_t cpuid_model_xcr0(const struct cpuid_config *c);

#endif
