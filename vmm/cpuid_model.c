// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's CPUID table (cpuid_model.h).  Features are passed through
 * from the host only when listed here (a whitelist): a bit the module
 * cannot back (its MSRs, CR4 bits or instructions) would crash or
 * mislead the guest, and a new host feature must not leak by default.
 */
#include <cpuid.h>
#include <string.h>

#include "cpuid_model.h"

#define BIT(n)			(1U << (n))

#define VENDOR_INTEL_EBX	0x756e6547U	/* "Genu" */

/* XCR0 components: x87, SSE, AVX, AVX-512 (opmask, ZMM_Hi256, Hi16_ZMM) */
#define XCR0_X87		BIT(0)
#define XCR0_SSE		BIT(1)
#define XCR0_YMM		BIT(2)
#define XCR0_AVX512		(BIT(5) | BIT(6) | BIT(7))
#define XCR0_MODULE		(XCR0_X87 | XCR0_SSE | XCR0_YMM | XCR0_AVX512)
#define XSAVE_LEGACY_SIZE	576	/* legacy area + header */

/* Leaf 1 */
#define L1_ECX_KEEP	(BIT(0) | BIT(1) | BIT(9) | BIT(12) | BIT(13) | \
			 BIT(19) | BIT(20) | BIT(22) | BIT(23) | BIT(25) | \
			 BIT(26) | BIT(27) | BIT(28) | BIT(29) | BIT(30))
#define L1_ECX_FMA	BIT(12)
#define L1_ECX_X2APIC	BIT(21)
#define L1_ECX_DEADLINE	BIT(24)
#define L1_ECX_XSAVE	BIT(26)
#define L1_ECX_OSXSAVE	BIT(27)
#define L1_ECX_AVX	BIT(28)
#define L1_ECX_F16C	BIT(29)
#define L1_ECX_HV	BIT(31)
/* No MCE/MCA (no MCG MSRs), DS, ACPI, TM, PBE, PSN. */
#define L1_EDX_KEEP	(BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | \
			 BIT(5) | BIT(6) | BIT(8) | BIT(9) | BIT(11) | \
			 BIT(12) | BIT(13) | BIT(15) | BIT(16) | BIT(17) | \
			 BIT(19) | BIT(23) | BIT(24) | BIT(25) | BIT(26) | \
			 BIT(27))
#define L1_EDX_APIC	BIT(9)
#define L1_EDX_HTT	BIT(28)

/* Leaf 6: only "APIC timer always running" */
#define L6_EAX_ARAT	BIT(2)

/* Leaf 7 subleaf 0 */
#define L7_EBX_KEEP	(BIT(0) | BIT(3) | BIT(5) | BIT(6) | BIT(7) | \
			 BIT(8) | BIT(9) | BIT(13) | BIT(16) | BIT(17) | \
			 BIT(18) | BIT(19) | BIT(20) | BIT(21) | BIT(23) | \
			 BIT(24) | BIT(26) | BIT(27) | BIT(28) | BIT(29) | \
			 BIT(30) | BIT(31))
#define L7_EBX_TSC_ADJ	BIT(1)
#define L7_EBX_AVX	(BIT(5) | BIT(16) | BIT(17) | BIT(21) | BIT(26) | \
			 BIT(27) | BIT(28) | BIT(30) | BIT(31))
#define L7_EBX_AVX512	(BIT(16) | BIT(17) | BIT(21) | BIT(26) | \
			 BIT(27) | BIT(28) | BIT(30) | BIT(31))
#define L7_ECX_KEEP	(BIT(1) | BIT(2) | BIT(6) | BIT(8) | BIT(9) | \
			 BIT(10) | BIT(11) | BIT(12) | BIT(14) | BIT(27) | \
			 BIT(28))
#define L7_ECX_AVX	(BIT(1) | BIT(6) | BIT(9) | BIT(10) | BIT(11) | \
			 BIT(12) | BIT(14))
#define L7_ECX_AVX512	(BIT(1) | BIT(6) | BIT(11) | BIT(12) | BIT(14))
#define L7_EDX_KEEP	(BIT(2) | BIT(3) | BIT(4) | BIT(10) | BIT(14))
#define L7_EDX_AVX512	(BIT(2) | BIT(3))
#define L7_EDX_SPEC	(BIT(26) | BIT(27) | BIT(31))	/* IBRS, STIBP, SSBD */

/* Leaf 0xd subleaf 1: XSAVEOPT, XSAVEC, XGETBV1 (no XSAVES: no XSS) */
#define LD1_EAX_KEEP	(BIT(0) | BIT(1) | BIT(2))

/* 0x80000001 */
#define E1_ECX_KEEP	(BIT(0) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | \
			 BIT(11) | BIT(16) | BIT(21))
#define E1_ECX_AVX	(BIT(11) | BIT(16))	/* XOP, FMA4 */
#define E1_ECX_CMP	BIT(1)			/* CmpLegacy */
/* No MCE/MCA, FFXSR (EFER bit not allowed), RDTSCP (TSC_AUX). */
#define E1_EDX_KEEP	(BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | \
			 BIT(5) | BIT(6) | BIT(8) | BIT(9) | BIT(11) | \
			 BIT(12) | BIT(13) | BIT(15) | BIT(16) | BIT(17) | \
			 BIT(20) | BIT(22) | BIT(23) | BIT(24) | BIT(26) | \
			 BIT(29) | BIT(30) | BIT(31))
#define E7_EDX_KEEP	BIT(8)			/* invariant TSC */
#define E8_EBX_KEEP	(BIT(0) | BIT(2))	/* CLZERO, XSaveErPtr */
#define E8_EBX_SPEC	(BIT(12) | BIT(14) | BIT(15) | BIT(24))

#define EXT_MAX		0x80000008U
#define BASIC_MAX	0x1fU

void cpuid_host(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	__cpuid_count(leaf, subleaf, r->eax, r->ebx, r->ecx, r->edx);
}

uint64_t cpuid_host_xcr0(void)
{
	struct cpuid_regs r;
	uint32_t lo, hi;

	cpuid_host(1, 0, &r);
	if (!(r.ecx & L1_ECX_OSXSAVE))
		return 0;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

static unsigned int ceil_log2(unsigned int n)
{
	unsigned int s = 0;

	while ((1U << s) < n)
		s++;
	return s;
}

/* Standard-format XSAVE size of the components in @xcr0. */
static uint32_t xsave_size(const struct cpuid_config *c, uint64_t xcr0)
{
	uint32_t size = XSAVE_LEGACY_SIZE;
	struct cpuid_regs r;
	unsigned int i;

	for (i = 2; i < 64; i++) {
		if (!(xcr0 & (1ULL << i)))
			continue;
		c->host(0xd, i, &r);
		if (r.ebx + r.eax > size)
			size = r.ebx + r.eax;
	}
	return size;
}

uint64_t cpuid_model_xcr0(const struct cpuid_config *c)
{
	uint64_t xcr0 = c->host_xcr0 & XCR0_MODULE;

	if ((xcr0 & (XCR0_X87 | XCR0_SSE)) != (XCR0_X87 | XCR0_SSE))
		return 0;
	/* AVX-512 is all three components or none; it builds on AVX. */
	if ((xcr0 & XCR0_AVX512) != XCR0_AVX512 || !(xcr0 & XCR0_YMM))
		xcr0 &= ~(uint64_t)XCR0_AVX512;
	/* The module sizes its buffer the same way: check we agree. */
	if (c->xsave_size && xsave_size(c, xcr0) != c->xsave_size)
		xcr0 = XCR0_X87 | XCR0_SSE;
	if (c->xsave_size && xsave_size(c, xcr0) > c->xsave_size)
		return 0;
	return xcr0;
}

struct table {
	struct minivmm_cpuid_entry *e;
	unsigned int n, max;
	bool overflow;
};

static void add(struct table *t, uint32_t fn, uint32_t idx, bool indexed,
		uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	if (t->n == t->max) {
		t->overflow = true;
		return;
	}
	t->e[t->n++] = (struct minivmm_cpuid_entry){
		.function = fn, .index = idx,
		.flags = indexed ? MINIVMM_CPUID_SIGNIFICANT_INDEX : 0,
		.eax = eax, .ebx = ebx, .ecx = ecx, .edx = edx,
	};
}

static void add_regs(struct table *t, uint32_t fn, uint32_t idx,
		     bool indexed, const struct cpuid_regs *r)
{
	add(t, fn, idx, indexed, r->eax, r->ebx, r->ecx, r->edx);
}

/* Leaf 4: the host's caches, shared by all N cores for L3 and up. */
static void add_leaf4(struct table *t, const struct cpuid_config *c)
{
	unsigned int nr = c->nr_cpus > 64 ? 64 : c->nr_cpus;
	struct cpuid_regs r;
	uint32_t i, level;

	for (i = 0; i < 16; i++) {
		c->host(4, i, &r);
		if (!(r.eax & 0x1f))
			break;
		level = (r.eax >> 5) & 7;
		r.eax &= 0x3fff;
		r.eax |= (nr - 1) << 26;
		if (level >= 3)
			r.eax |= (c->nr_cpus - 1 > 0xfff ? 0xfff :
				  c->nr_cpus - 1) << 14;
		add_regs(t, 4, i, true, &r);
	}
	add(t, 4, i, true, 0, 0, 0, 0);
}

/* 0xb / 0x1f: SMT level (1 thread), core level (N cores). */
static void add_topology(struct table *t, uint32_t leaf,
			 const struct cpuid_config *c, unsigned int id)
{
	add(t, leaf, 0, true, 0, 1, 0x100, id);
	add(t, leaf, 1, true, ceil_log2(c->nr_cpus), c->nr_cpus, 0x201, id);
	add(t, leaf, 2, true, 0, 0, 2, id);
}

static void add_xsave(struct table *t, const struct cpuid_config *c,
		      uint64_t xcr0)
{
	uint32_t size = xsave_size(c, xcr0);
	struct cpuid_regs r;
	unsigned int i;

	add(t, 0xd, 0, true, (uint32_t)xcr0, size, size, (uint32_t)(xcr0 >> 32));
	c->host(0xd, 1, &r);
	add(t, 0xd, 1, true, r.eax & LD1_EAX_KEEP, 0, 0, 0);
	for (i = 2; i < 64; i++) {
		if (!(xcr0 & (1ULL << i)))
			continue;
		c->host(0xd, i, &r);
		/* ecx bit 0 (supervisor state) stays clear: no XSS. */
		add(t, 0xd, i, true, r.eax, r.ebx, r.ecx & ~1U, 0);
	}
}

/*
 * The fraction num/den closest to @a/@b with num <= @nmax and den <=
 * @dmax (continued fractions: the last convergent that fits, or the
 * semiconvergent after it if that is closer).
 */
static void best_ratio(uint64_t a, uint64_t b, uint64_t nmax, uint64_t dmax,
		       uint64_t *num, uint64_t *den)
{
	uint64_t p0 = 0, q0 = 1, p1 = 1, q1 = 0, t, k, r;

	while (b) {
		t = a / b;
		if (t * p1 + p0 > nmax || t * q1 + q0 > dmax) {
			k = (nmax - p0) / p1;
			if (q1 && (dmax - q0) / q1 < k)
				k = (dmax - q0) / q1;
			/* Half the partial quotient or more: closer. */
			if (2 * k >= t && k) {
				p1 = k * p1 + p0;
				q1 = k * q1 + q0;
			}
			break;
		}
		r = a - t * b;
		t = t * p1 + p0;
		p0 = p1;
		p1 = t;
		t = (a / b) * q1 + q0;
		q0 = q1;
		q1 = t;
		a = b;
		b = r;
	}
	*num = p1;
	*den = q1;
}

/*
 * Leaf 0x15 as Linux reads it: crystal = the APIC timer clock (Linux
 * sets its LAPIC timer period from it) and TSC = crystal * ebx / eax,
 * which Linux computes in 32 bits: keep crystal_khz * ebx below 2^32.
 */
static void add_tsc_leaf(struct table *t, const struct cpuid_config *c)
{
	uint64_t bus = c->apic_bus_khz, tsc = c->tsc_khz, num, den, nmax;

	if (!bus || !tsc || bus * 1000 > UINT32_MAX)
		return;
	nmax = UINT32_MAX / bus;
	if (tsc / bus >= nmax)
		return;
	best_ratio(tsc, bus, nmax, UINT32_MAX, &num, &den);
	if (!num || !den)
		return;
	add(t, 0x15, 0, false, (uint32_t)den, (uint32_t)num,
	    (uint32_t)(bus * 1000), 0);
}

static bool cpuid_is_intel(const struct cpuid_config *c)
{
	struct cpuid_regs r;

	c->host(0, 0, &r);
	return r.ebx == VENDOR_INTEL_EBX;
}

bool cpuid_model_has_tsc_freq(const struct cpuid_config *c)
{
	struct minivmm_cpuid_entry e[1];
	struct table t = { .e = e, .max = 1 };

	if (!cpuid_is_intel(c))
		return false;
	add_tsc_leaf(&t, c);
	return t.n == 1;
}

int cpuid_model_build(const struct cpuid_config *c, unsigned int id,
		      struct minivmm_cpuid_entry *e, unsigned int max)
{
	struct table t = { .e = e, .max = max };
	uint64_t xcr0 = cpuid_model_xcr0(c);
	bool avx = xcr0 & XCR0_YMM, avx512 = xcr0 & XCR0_AVX512;
	uint32_t host_max, basic_max, ext_max, pow2;
	struct cpuid_regs r, vendor;
	bool intel;

	c->host(0, 0, &vendor);
	intel = vendor.ebx == VENDOR_INTEL_EBX;
	host_max = vendor.eax;
	basic_max = host_max > BASIC_MAX ? BASIC_MAX : host_max;
	if (basic_max < 0xb)
		basic_max = 0xb;
	if (intel && c->tsc_khz && basic_max < 0x16)
		basic_max = 0x16;
	add(&t, 0, 0, false, basic_max, vendor.ebx, vendor.ecx, vendor.edx);

	c->host(1, 0, &r);
	pow2 = 1U << ceil_log2(c->nr_cpus);
	r.ebx = (r.ebx & 0xffff) | (pow2 > 255 ? 255 : pow2) << 16 | id << 24;
	r.ecx &= L1_ECX_KEEP;
	if (!xcr0)
		r.ecx &= ~(L1_ECX_XSAVE | L1_ECX_OSXSAVE);
	if (!avx)
		r.ecx &= ~(L1_ECX_AVX | L1_ECX_FMA | L1_ECX_F16C);
	r.ecx |= L1_ECX_X2APIC | L1_ECX_DEADLINE | L1_ECX_HV;
	r.edx = (r.edx & L1_EDX_KEEP) | L1_EDX_APIC;
	if (c->nr_cpus > 1)
		r.edx |= L1_EDX_HTT;
	add_regs(&t, 1, 0, false, &r);

	if (intel && host_max >= 2) {
		c->host(2, 0, &r);
		add_regs(&t, 2, 0, false, &r);
	}
	if (intel && host_max >= 4)
		add_leaf4(&t, c);
	add(&t, 6, 0, false, L6_EAX_ARAT, 0, 0, 0);
	if (host_max >= 7) {
		c->host(7, 0, &r);
		r.ebx &= L7_EBX_KEEP;
		if (c->tsc_adjust)
			r.ebx |= L7_EBX_TSC_ADJ;
		r.ecx &= L7_ECX_KEEP;
		r.edx &= L7_EDX_KEEP | (c->spec_ctrl ? L7_EDX_SPEC : 0);
		if (!avx) {
			r.ebx &= ~L7_EBX_AVX;
			r.ecx &= ~L7_ECX_AVX;
		}
		if (!avx512) {
			r.ebx &= ~L7_EBX_AVX512;
			r.ecx &= ~L7_ECX_AVX512;
			r.edx &= ~L7_EDX_AVX512;
		}
		add(&t, 7, 0, true, 0, r.ebx, r.ecx, r.edx);
	}
	add_topology(&t, 0xb, c, id);
	if (xcr0 && host_max >= 0xd)
		add_xsave(&t, c, xcr0);
	if (intel && c->tsc_khz) {
		add_tsc_leaf(&t, c);
		add(&t, 0x16, 0, false, c->tsc_khz / 1000, c->tsc_khz / 1000,
		    c->apic_bus_khz / 1000, 0);
	}
	if (basic_max >= 0x1f)
		add_topology(&t, 0x1f, c, id);

	/* The hypervisor leaves. */
	add(&t, CPUID_HV_BASE, 0, false, CPUID_HV_TIMING,
	    0x696e694d /* "Mini" */, 0x4d4d4d56 /* "VMMM" */,
	    0x56696e69 /* "iniV" */);
	add(&t, CPUID_HV_TIMING, 0, false, c->tsc_khz, c->apic_bus_khz, 0, 0);

	c->host(0x80000000U, 0, &r);
	ext_max = r.eax;
	if (ext_max >= 0x80000001U) {
		uint32_t fn;

		if (ext_max > EXT_MAX)
			ext_max = EXT_MAX;
		/* Room for the invariant TSC bit. */
		if (c->tsc_khz && ext_max < 0x80000007U)
			ext_max = 0x80000007U;
		add(&t, 0x80000000U, 0, false, ext_max, r.ebx, r.ecx, r.edx);
		for (fn = 0x80000001U; fn <= ext_max; fn++) {
			c->host(fn, 0, &r);
			switch (fn) {
			case 0x80000001U:
				r.ecx &= E1_ECX_KEEP;
				if (!avx)
					r.ecx &= ~E1_ECX_AVX;
				if (!intel && c->nr_cpus > 1)
					r.ecx |= E1_ECX_CMP;
				r.edx &= E1_EDX_KEEP;
				if (!intel)
					r.edx |= L1_EDX_APIC;
				break;
			case 0x80000007U:
				/*
				 * The module runs the guest TSC at a fixed
				 * rate (MINIVMM_CAP_TSC_KHZ), through any
				 * idle state: invariant.
				 */
				r.eax = 0;
				r.ebx = 0;
				r.ecx = 0;
				r.edx &= E7_EDX_KEEP;
				if (c->tsc_khz)
					r.edx |= E7_EDX_KEEP;
				break;
			case 0x80000008U:
				r.ebx &= E8_EBX_KEEP |
					 (c->spec_ctrl ? E8_EBX_SPEC : 0);
				r.ecx = intel ? 0 : (c->nr_cpus - 1) |
					ceil_log2(c->nr_cpus) << 12;
				r.edx = 0;
				break;
			default:	/* brand string, cache and TLB info */
				break;
			}
			add_regs(&t, fn, 0, false, &r);
		}
	}
	return t.overflow ? -1 : (int)t.n;
}
