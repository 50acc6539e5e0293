// SPDX-License-Identifier: GPL-2.0
/* The CPU model on fake hosts (cpuid_model.h). */
#include <stdio.h>
#include <string.h>

#include "cpuid_model.h"
#include "tap.h"

#define BIT(n)	(1U << (n))

static int fake_intel;

/* A Skylake-ish Intel or a Zen-ish AMD host with everything on. */
static void fake_host(uint32_t leaf, uint32_t sub, struct cpuid_regs *r)
{
	memset(r, 0, sizeof(*r));
	switch (leaf) {
	case 0:
		r->eax = fake_intel ? 0x16 : 0xd;
		if (fake_intel) {
			r->ebx = 0x756e6547;	/* GenuineIntel */
			r->edx = 0x49656e69;
			r->ecx = 0x6c65746e;
		} else {
			r->ebx = 0x68747541;	/* AuthenticAMD */
			r->edx = 0x69746e65;
			r->ecx = 0x444d4163;
		}
		break;
	case 1:
		r->eax = 0x50654;
		r->ebx = 0x05100800;	/* APIC ID 5, 16 logical, clflush 8 */
		r->ecx = 0xfffaffff;	/* everything but bits 16, 18 */
		r->edx = 0xffffffff;
		break;
	case 4:
		if (fake_intel && sub < 4)
			r->eax = (sub < 2 ? 1 : sub) << 5 | (sub == 1 ? 2 : 1) |
				 0xfc00c000;	/* garbage in 31:14 */
		break;
	case 6:
		r->eax = 0xffffffff;
		r->ecx = 0x9;
		break;
	case 7:
		if (!sub) {
			r->eax = 2;
			r->ebx = 0xffffffff;
			r->ecx = 0xffffffff;
			r->edx = 0xffffffff;
		}
		break;
	case 0xa:
		r->eax = 0x07300404;
		break;
	case 0xd:
		if (sub == 0) {
			r->eax = 0xff;
			r->ebx = 2696;
			r->ecx = 2696;
		} else if (sub == 1) {
			r->eax = 0xf;
		} else if (sub == 2) {
			r->eax = 256;
			r->ebx = 576;
		} else if (sub == 5) {
			r->eax = 64;
			r->ebx = 1088;
		} else if (sub == 6) {
			r->eax = 512;
			r->ebx = 1152;
		} else if (sub == 7) {
			r->eax = 1024;
			r->ebx = 1664;
		}
		break;
	case 0x80000000:
		r->eax = 0x8000001f;
		break;
	case 0x80000001:
		r->ecx = 0xffffffff;
		r->edx = 0xffffffff;
		break;
	case 0x80000007:
		r->edx = 0xffff;
		break;
	case 0x80000008:
		r->eax = 0x3030;
		r->ebx = 0xffffffff;
		r->ecx = 0xffff;
		break;
	default:
		if (leaf >= 0x80000000)
			r->eax = 0xdeadbeef;	/* must not leak */
		break;
	}
}

static struct minivmm_cpuid_entry tab[256];
static int ntab;

static const struct minivmm_cpuid_entry *find(uint32_t fn, uint32_t idx)
{
	int i;

	for (i = 0; i < ntab; i++)
		if (tab[i].function == fn &&
		    (!(tab[i].flags & MINIVMM_CPUID_SIGNIFICANT_INDEX) ||
		     tab[i].index == idx))
			return &tab[i];
	return NULL;
}

/* The entry, or zeros as the module returns for a leaf not listed. */
static struct minivmm_cpuid_entry E(uint32_t fn, uint32_t idx)
{
	const struct minivmm_cpuid_entry *e = find(fn, idx);

	return e ? *e : (struct minivmm_cpuid_entry){ 0 };
}

int main(void)
{
	struct cpuid_config c = {
		.host = fake_host, .nr_cpus = 4, .tsc_khz = 2893210,
		.apic_bus_khz = 1000000, .host_xcr0 = 0x2e7,
		.xsave_size = 2688,
	};
	struct minivmm_cpuid_entry e;
	uint32_t den, num, crystal;
	unsigned long long tsc;
	char sig[13];

	fake_intel = 1;
	ntab = cpuid_model_build(&c, 2, tab, 256);
	ok(ntab > 10, "Intel table built (%d entries)", ntab);
	e = E(1, 0);
	ok(e.ecx & BIT(31), "hypervisor bit");
	ok((e.ecx & BIT(21)) && (e.ecx & BIT(24)) && (e.edx & BIT(9)),
	   "x2APIC, TSC-deadline and APIC");
	ok(!(e.ecx & (BIT(3) | BIT(5) | BIT(6) | BIT(15) | BIT(17))),
	   "MONITOR, VMX, SMX, PDCM, PCID hidden");
	ok(!(e.edx & (BIT(7) | BIT(14) | BIT(21) | BIT(22) | BIT(29))),
	   "MCE, MCA, DS, ACPI, TM hidden");
	ok(e.ebx >> 24 == 2 && ((e.ebx >> 16) & 0xff) == 4 &&
	   (e.ebx & 0xffff) == 0x0800 && (e.edx & BIT(28)),
	   "APIC ID 2, 4 logical CPUs, HTT");
	ok(E(6, 0).eax == BIT(2) && !E(6, 0).ecx, "leaf 6: ARAT only");
	ok(!find(0xa, 0), "leaf 0xa (PMU) absent: reads as zeros");
	ok(!find(5, 0), "leaf 5 (MONITOR) absent");
	e = E(7, 0);
	ok(!e.eax && !(e.ebx & (BIT(1) | BIT(2) | BIT(4) | BIT(10) | BIT(11) | BIT(14))),
	   "leaf 7: no subleaves, TSC_ADJUST, SGX, HLE, INVPCID, RTM, MPX hidden");
	ok(!(e.ecx & (BIT(3) | BIT(4) | BIT(5) | BIT(16) | BIT(22) | BIT(30))) &&
	   !(e.edx & (BIT(26) | BIT(27) | BIT(28) | BIT(29) | BIT(31))),
	   "PKU, WAITPKG, LA57, RDPID, SGX_LC, spec-ctrl MSR bits hidden");
	ok((e.ebx & BIT(5)) && (e.ebx & BIT(16)), "AVX2 and AVX-512F kept");
	e = E(0xb, 1);
	ok(e.eax == 2 && e.ebx == 4 && e.ecx == 0x201 && e.edx == 2 &&
	   E(0xb, 0).ebx == 1 && E(0xb, 0).ecx == 0x100 &&
	   E(0xb, 2).ecx == 2 && !E(0xb, 2).ebx,
	   "leaf 0xb: 1 thread per core, 4 cores, x2APIC ID 2");
	e = E(4, 0);
	ok(e.eax >> 26 == 3 && ((e.eax >> 14) & 0xfff) == 0 &&
	   (E(4, 3).eax >> 14 & 0xfff) == 3 && !(E(4, 4).eax & 0x1f),
	   "leaf 4: 4 cores, L3 shared by all, terminated");
	ok(E(0, 0).eax == 0x16, "max basic leaf 0x16");
	e = E(0xd, 0);
	ok(e.eax == 0xe7 && e.ebx == 2688 && e.ecx == 2688 && !e.edx,
	   "leaf 0xd: x87/SSE/AVX/AVX-512, size 2688 (no PKRU)");
	ok(E(0xd, 1).eax == 7 && !find(0xd, 9) && E(0xd, 7).eax == 1024,
	   "leaf 0xd: no XSAVES, components listed");
	e = E(0x15, 0);
	den = e.eax;
	num = e.ebx;
	crystal = e.ecx;
	tsc = (unsigned long long)(crystal / 1000) * num / (den ? den : 1);
	ok(crystal == 1000000000 &&
	   (unsigned long long)(crystal / 1000) * num < (1ULL << 32) &&
	   tsc > 2893210 - 2 && tsc < 2893210 + 2,
	   "leaf 0x15: crystal = APIC bus, 32-bit math gives %llu kHz", tsc);
	{
		static const uint32_t cases[][2] = {
			{ 3000000, 1000000 }, { 1234567, 100000 },
			{ 2399999, 1000000 }, { 4000, 25000 },
		};
		unsigned int i, good = 0;

		for (i = 0; i < 4; i++) {
			c.tsc_khz = cases[i][0];
			c.apic_bus_khz = cases[i][1];
			ntab = cpuid_model_build(&c, 0, tab, 256);
			e = E(0x15, 0);
			tsc = e.eax ? (unsigned long long)(e.ecx / 1000) *
				      e.ebx / e.eax : 0;
			if (e.ecx / 1000 == cases[i][1] &&
			    (unsigned long long)(e.ecx / 1000) * e.ebx < (1ULL << 32) &&
			    tsc + 2 > cases[i][0] && tsc < cases[i][0] + 2)
				good++;
			else
				printf("# %u/%u kHz: %u/%u crystal %u -> %llu\n",
				       cases[i][0], cases[i][1], e.ebx, e.eax,
				       e.ecx, tsc);
		}
		ok(good == 4, "leaf 0x15 for other TSC/bus pairs");
		c.tsc_khz = 2893210;
		c.apic_bus_khz = 1000000;
		ntab = cpuid_model_build(&c, 2, tab, 256);
	}
	ok(E(0x16, 0).eax == 2893 && E(0x16, 0).ecx == 1000, "leaf 0x16");
	e = E(0x40000000, 0);
	memcpy(sig, &e.ebx, 4);
	memcpy(sig + 4, &e.ecx, 4);
	memcpy(sig + 8, &e.edx, 4);
	sig[12] = 0;
	ok(e.eax == 0x40000010 && !strcmp(sig, "MiniVMMMiniV"),
	   "hypervisor leaf: \"%s\"", sig);
	ok(E(0x40000010, 0).eax == 2893210 && E(0x40000010, 0).ebx == 1000000,
	   "timing leaf: TSC and bus kHz");
	ok(E(0x80000000, 0).eax == 0x80000008 && !find(0x8000000a, 0) &&
	   !find(0x8000001f, 0), "extended leaves end at 0x80000008");
	e = E(0x80000001, 0);
	ok(!(e.ecx & (BIT(2) | BIT(22) | BIT(23) | BIT(24))) &&
	   !(e.edx & (BIT(25) | BIT(27))) && (e.edx & BIT(29)),
	   "SVM, TOPOEXT, perfctr, FFXSR, RDTSCP hidden; LM kept");
	ok(E(0x80000007, 0).edx == BIT(8), "invariant TSC only");
	ok(!(E(7, 0).ebx & BIT(1)), "no TSC_ADJUST unless virtualized");
	ok(!E(0x80000008, 0).ecx && E(0x80000008, 0).eax == 0x3030,
	   "Intel 0x80000008: address sizes, no core count");

	ok(cpuid_model_has_tsc_freq(&c), "Intel: Linux gets the TSC from 0x15");
	c.tsc_adjust = true;
	c.host_xcr0 = 0x2e7;
	ntab = cpuid_model_build(&c, 0, tab, 256);
	ok(E(7, 0).ebx & BIT(1), "TSC_ADJUST when virtualized");
	c.tsc_adjust = false;
	c.tsc_khz = 0;
	ntab = cpuid_model_build(&c, 0, tab, 256);
	ok(E(0x80000007, 0).edx == BIT(8) && !find(0x15, 0) && !find(0x16, 0),
	   "unknown TSC rate: the host's invariant bit, no 0x15/0x16");
	c.tsc_khz = 2893210;
	c.spec_ctrl = true;
	ntab = cpuid_model_build(&c, 0, tab, 256);
	ok((E(7, 0).edx & (BIT(26) | BIT(27) | BIT(31))) ==
	   (BIT(26) | BIT(27) | BIT(31)) && !(E(7, 0).edx & BIT(29)),
	   "spec-ctrl bits when the MSRs are virtualized (not ARCH_CAP)");
	c.spec_ctrl = false;

	c.xsave_size = 1000;	/* the module disagrees: fall back */
	ntab = cpuid_model_build(&c, 0, tab, 256);
	ok(E(0xd, 0).eax == 3 && E(0xd, 0).ebx == 576 &&
	   !(E(1, 0).ecx & BIT(28)) && !(E(7, 0).ebx & BIT(5)) &&
	   (E(1, 0).ecx & BIT(26)), "XSAVE size mismatch: x87/SSE only, no AVX");
	c.host_xcr0 = 0;
	ntab = cpuid_model_build(&c, 0, tab, 256);
	ok(!find(0xd, 0) && !(E(1, 0).ecx & (BIT(26) | BIT(27) | BIT(28))),
	   "no host XSAVE: XSAVE, OSXSAVE, AVX hidden");
	c.host_xcr0 = 0x2e7;
	c.xsave_size = 2688;

	fake_intel = 0;
	c.nr_cpus = 3;
	ntab = cpuid_model_build(&c, 1, tab, 256);
	ok(ntab > 5, "AMD table built");
	e = E(0x80000008, 0);
	ok((e.ecx & 0xff) == 2 && ((e.ecx >> 12) & 0xf) == 2 &&
	   !(e.ebx & (BIT(12) | BIT(14) | BIT(15) | BIT(24))),
	   "AMD: 3 cores (NC 2, ApicIdSize 2), IBPB/IBRS/STIBP/SSBD hidden");
	e = E(0x80000001, 0);
	ok((e.ecx & BIT(1)) && !(e.ecx & BIT(2)) && (e.edx & BIT(9)),
	   "AMD: CmpLegacy, no SVM, APIC");
	ok(!find(4, 0) && !find(0x15, 0) && E(0, 0).eax == 0xd,
	   "AMD: no leaf 4 or 0x15; max basic leaf 0xd");
	ok(E(0xb, 0).edx == 1 && E(1, 0).ebx >> 24 == 1, "AMD: APIC ID 1");
	ok(!cpuid_model_has_tsc_freq(&c), "AMD: no TSC frequency Linux reads");

	c.nr_cpus = 1;
	ntab = cpuid_model_build(&c, 0, tab, 256);
	ok(!(E(1, 0).edx & BIT(28)) && !(E(0x80000001, 0).ecx & BIT(1)) &&
	   !E(0xb, 1).eax && E(0xb, 1).ebx == 1, "1 vCPU: no HTT, no CmpLegacy");
	ok(cpuid_model_build(&c, 0, tab, 5) == -1, "too small a table: -1");
	return tap_finish();
}
