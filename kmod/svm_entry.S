/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD-V backend: VMRUN.
 *
 * VMRUN saves and restores only part of the host state (RSP, RIP, RFLAGS,
 * RAX, CR0/3/4, EFER, GDTR/IDTR, ES/CS/SS/DS).  FS, GS, TR and LDTR with
 * their hidden parts, KERNEL_GS_BASE, STAR/LSTAR/CSTAR/SFMASK and the
 * SYSENTER MSRs are switched here with VMSAVE/VMLOAD: the host's go to a
 * per-CPU page, the guest's live in its VMCB.  The 14 GPRs that are not
 * RAX or RSP (those two are in the VMCB) come from and go back to the
 * core's vcpu->gprs array.  Called with GIF clear, so nothing can run
 * between the VMLOADs with the guest's GS base loaded.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/msr-index.h>
#include <asm/nospec-branch.h>
#include "entry_gprs.inc"

/* Stack slots after the pushes below. */
#define S_HOST	0
#define S_VMCB	8
#define S_GPRS	16
#define S_SC	24

/*
 * Retbleed and SRSO: return predictions the guest trained are untrained
 * (or an IBPB issued) after the exit, before any host RET and before
 * GIF is set, where the kernel does that for KVM's AMD-V guests.
 */
.macro GUEST_EXIT_UNTRAIN_RET
#ifdef UNTRAIN_RET_VM
	UNTRAIN_RET_VM
#else
	UNTRAIN_RET
	ALTERNATIVE "", "call entry_ibpb", X86_FEATURE_IBPB_ON_VMEXIT
#endif
.endm

	.section .text.mvm_exit_path, "ax"
/*
 * void mvm_svm_vmrun(phys_addr_t vmcb_pa (rdi), unsigned long *gprs (rsi),
 *		      phys_addr_t host_pa (rdx),
 *		      const struct mvm_spec_ctrl_switch *sc (rcx))
 */
SYM_FUNC_START(mvm_svm_vmrun)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rcx
	push	%rsi
	push	%rdi
	push	%rdx

	/* Host FS/GS/TR/LDTR and syscall MSRs out, the guest's in. */
	mov	%rdx, %rax
	vmsave	%rax
	mov	%rdi, %rax
	vmload	%rax

	mov	S_SC(%rsp), %rbx
	GUEST_SPEC_CTRL_LOAD %rbx

	mov	%rsi, %rax
	GUEST_GPRS_LOAD

	mov	S_VMCB(%rsp), %rax
	GUEST_ENTRY_VERW
	vmrun	%rax

	/* #VMEXIT restored RSP (and RAX); every other GPR is the guest's. */
	mov	S_GPRS(%rsp), %rax
	GUEST_GPRS_SAVE

	mov	S_VMCB(%rsp), %rax
	vmsave	%rax
	mov	S_HOST(%rsp), %rax
	vmload	%rax

	/* Before the first RET: RSB, host SPEC_CTRL, return untraining. */
	GUEST_EXIT_RSB_FILL %rax
	mov	S_SC(%rsp), %rbx
	GUEST_SPEC_CTRL_PUT %rbx
	GUEST_EXIT_UNTRAIN_RET

	GUEST_GPRS_CLEAR

	add	$32, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(mvm_svm_vmrun)
