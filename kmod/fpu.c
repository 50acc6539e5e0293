// SPDX-License-Identifier: GPL-2.0
/*
 * The guest FPU (an x86 fpstate swapped in for the whole of
 * MINIVMM_RUN, as KVM does), guest XCR0 and the XSAVE ioctls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/types.h>

#include "mvm.h"

/* What a guest may enable in XCR0: x87, SSE, AVX and AVX-512. */
#define MVM_XCR0_ALLOWED	(XFEATURE_MASK_FPSSE | XFEATURE_MASK_YMM | \
				 XFEATURE_MASK_AVX512)

/* The legacy area and the XSAVE header. */
#define MVM_XSAVE_MIN_SIZE	576

/* Byte offsets in the standard XSAVE layout. */
#define MVM_XSAVE_MXCSR		24
#define MVM_XSAVE_XSTATE_BV	512
#define MVM_XSAVE_XCOMP_BV	520
#define MVM_XSAVE_HDR_RSVD	528	/* up to MVM_XSAVE_MIN_SIZE */

static u64 mvm_host_xcr0;
static u32 mvm_mxcsr_mask;		/* MXCSR bits this CPU implements */
static u64 mvm_supported_xcr0 = XFEATURE_MASK_FPSSE;
unsigned int mvm_xsave_size = MVM_XSAVE_MIN_SIZE;

/*
 * FXSAVE stores the MXCSR bits the CPU implements; 0 there means the
 * SDM's default for CPUs that predate the field.
 */
static void mvm_mxcsr_mask_probe(void)
{
	struct fxregs_state fx;

	memset(&fx, 0, sizeof(fx));
	kernel_fpu_begin();
	asm volatile("fxsave %0" : "=m" (fx));
	kernel_fpu_end();
	mvm_mxcsr_mask = fx.mxcsr_mask ? fx.mxcsr_mask : 0xffbf;
}

int mvm_fpu_setup(void)
{
	unsigned int size = MVM_XSAVE_MIN_SIZE;
	int i;

	if (!boot_cpu_has(X86_FEATURE_FXSR))
		return -EOPNOTSUPP;
	mvm_mxcsr_mask_probe();
	if (!boot_cpu_has(X86_FEATURE_OSXSAVE))
		return 0;

	mvm_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	mvm_supported_xcr0 = mvm_host_xcr0 & MVM_XCR0_ALLOWED;
	for (i = 2; i < 64; i++) {
		u32 eax, ebx, ecx, edx;

		if (!(mvm_supported_xcr0 & BIT_ULL(i)))
			continue;
		/* eax: size of component i, ebx: its standard offset. */
		cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx);
		size = max(size, ebx + eax);
	}
	if (size > sizeof(struct minivmm_xsave)) {
		pr_err("XSAVE area of %u bytes does not fit the ABI\n", size);
		return -EOPNOTSUPP;
	}
	mvm_xsave_size = size;
	return 0;
}

int mvm_fpu_vcpu_init(struct mvm_vcpu *vcpu)
{
	if (!fpu_alloc_guest_fpstate(&vcpu->guest_fpu))
		return -ENOMEM;
	vcpu->xcr0 = XFEATURE_MASK_FPSSE;
	return 0;
}

void mvm_fpu_vcpu_free(struct mvm_vcpu *vcpu)
{
	if (vcpu->guest_fpu.fpstate)
		fpu_free_guest_fpstate(&vcpu->guest_fpu);
}

void __mvm_exit_path mvm_fpu_load(struct mvm_vcpu *vcpu)
{
	if (vcpu->fpu_loaded)
		return;
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, true);
	vcpu->fpu_loaded = true;
}

void __mvm_exit_path mvm_fpu_put(struct mvm_vcpu *vcpu)
{
	if (!vcpu->fpu_loaded)
		return;
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, false);
	vcpu->fpu_loaded = false;
}

/*
 * With interrupts off only: an interrupt handler using the FPU must never
 * run with the guest's XCR0.
 */
void __mvm_exit_path mvm_xcr0_load_guest(struct mvm_vcpu *vcpu)
{
	lockdep_assert_irqs_disabled();
	if (boot_cpu_has(X86_FEATURE_OSXSAVE) && vcpu->xcr0 != mvm_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->xcr0);
	vcpu->xcr0_loaded = true;
}

void __mvm_exit_path mvm_xcr0_load_host(struct mvm_vcpu *vcpu)
{
	if (!vcpu->xcr0_loaded)
		return;
	if (boot_cpu_has(X86_FEATURE_OSXSAVE) && vcpu->xcr0 != mvm_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, mvm_host_xcr0);
	vcpu->xcr0_loaded = false;
}

/*
 * The backend checks CPL 0 and CR4.OSXSAVE (#GP / #UD); this checks the
 * value as XSETBV does.
 */
int mvm_xsetbv(struct mvm_vcpu *vcpu, u32 index, u64 value)
{
	if (index != XCR_XFEATURE_ENABLED_MASK)
		return -EPERM;
	if (!boot_cpu_has(X86_FEATURE_OSXSAVE))
		return -EPERM;
	if (!(value & XFEATURE_MASK_FP) || (value & ~mvm_supported_xcr0))
		return -EPERM;
	if ((value & XFEATURE_MASK_YMM) && !(value & XFEATURE_MASK_SSE))
		return -EPERM;
	if (value & XFEATURE_MASK_AVX512) {
		if ((value & XFEATURE_MASK_AVX512) != XFEATURE_MASK_AVX512 ||
		    !(value & XFEATURE_MASK_YMM))
			return -EPERM;
	}
	vcpu->xcr0 = value;
	return 0;
}

long mvm_vcpu_get_xsave(struct mvm_vcpu *vcpu, void __user *uaddr)
{
	struct minivmm_xsave *xs;
	long r = 0;

	xs = kzalloc(sizeof(*xs), GFP_KERNEL_ACCOUNT);
	if (!xs)
		return -ENOMEM;
	/* Outside RUN the guest state is in memory, not in registers. */
	fpu_copy_guest_fpstate_to_uabi(&vcpu->guest_fpu, xs->region,
				       sizeof(xs->region), mvm_supported_xcr0, 0);
	if (copy_to_user(uaddr, xs, sizeof(*xs)))
		r = -EFAULT;
	kfree(xs);
	return r;
}

/*
 * What XRSTOR of the standard format would fault on.  The kernel checks
 * some of it only when it uses XSAVE itself (an L1 kernel booted without
 * XSAVE copies the legacy area and ignores the header), so check it here
 * whatever the host does.
 */
static int mvm_xsave_check(const struct minivmm_xsave *xs)
{
	const u8 *p = (const u8 *)xs->region;
	u64 xstate_bv, xcomp_bv;
	u32 mxcsr;

	memcpy(&mxcsr, p + MVM_XSAVE_MXCSR, sizeof(mxcsr));
	memcpy(&xstate_bv, p + MVM_XSAVE_XSTATE_BV, sizeof(xstate_bv));
	memcpy(&xcomp_bv, p + MVM_XSAVE_XCOMP_BV, sizeof(xcomp_bv));
	if (mxcsr & ~mvm_mxcsr_mask)
		return -EINVAL;
	if (xstate_bv & ~mvm_supported_xcr0)
		return -EINVAL;
	/* Only the standard format: bit 63 would mean compacted. */
	if (xcomp_bv)
		return -EINVAL;
	if (memchr_inv(p + MVM_XSAVE_HDR_RSVD, 0,
		       MVM_XSAVE_MIN_SIZE - MVM_XSAVE_HDR_RSVD))
		return -EINVAL;
	return 0;
}

long mvm_vcpu_set_xsave(struct mvm_vcpu *vcpu, const void __user *uaddr)
{
	struct minivmm_xsave *xs;
	u32 pkru = 0;
	long r;

	xs = memdup_user(uaddr, sizeof(*xs));
	if (IS_ERR(xs))
		return PTR_ERR(xs);
	r = mvm_xsave_check(xs);
	if (r)
		goto free_xs;
	r = fpu_copy_uabi_to_guest_fpstate(&vcpu->guest_fpu, xs->region,
					   mvm_supported_xcr0, &pkru);
free_xs:
	kfree(xs);
	return r;
}
