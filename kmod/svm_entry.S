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
#include <asm/nospec-branch.h>

/* Byte offsets in vcpu->gprs, in enum mvm_gpr (ModRM) order. */
#define G_RCX	(1 * 8)
#define G_RDX	(2 * 8)
#define G_RBX	(3 * 8)
#define G_RBP	(5 * 8)
#define G_RSI	(6 * 8)
#define G_RDI	(7 * 8)
#define G_R8	(8 * 8)
#define G_R9	(9 * 8)
#define G_R10	(10 * 8)
#define G_R11	(11 * 8)
#define G_R12	(12 * 8)
#define G_R13	(13 * 8)
#define G_R14	(14 * 8)
#define G_R15	(15 * 8)

/* Stack slots after the pushes below. */
#define S_HOST	0
#define S_VMCB	8
#define S_GPRS	16

	.text
/*
 * void mvm_svm_vmrun(phys_addr_t vmcb_pa (rdi), unsigned long *gprs (rsi),
 *		      phys_addr_t host_pa (rdx))
 */
SYM_FUNC_START(mvm_svm_vmrun)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rsi
	push	%rdi
	push	%rdx

	/* Host FS/GS/TR/LDTR and syscall MSRs out, the guest's in. */
	mov	%rdx, %rax
	vmsave	%rax
	mov	%rdi, %rax
	vmload	%rax

	mov	%rsi, %rax
	mov	G_RCX(%rax), %rcx
	mov	G_RDX(%rax), %rdx
	mov	G_RBX(%rax), %rbx
	mov	G_RBP(%rax), %rbp
	mov	G_RDI(%rax), %rdi
	mov	G_R8(%rax), %r8
	mov	G_R9(%rax), %r9
	mov	G_R10(%rax), %r10
	mov	G_R11(%rax), %r11
	mov	G_R12(%rax), %r12
	mov	G_R13(%rax), %r13
	mov	G_R14(%rax), %r14
	mov	G_R15(%rax), %r15
	mov	G_RSI(%rax), %rsi

	mov	S_VMCB(%rsp), %rax
	vmrun	%rax

	/* #VMEXIT restored RSP (and RAX); every other GPR is the guest's. */
	mov	S_GPRS(%rsp), %rax
	mov	%rcx, G_RCX(%rax)
	mov	%rdx, G_RDX(%rax)
	mov	%rbx, G_RBX(%rax)
	mov	%rbp, G_RBP(%rax)
	mov	%rsi, G_RSI(%rax)
	mov	%rdi, G_RDI(%rax)
	mov	%r8, G_R8(%rax)
	mov	%r9, G_R9(%rax)
	mov	%r10, G_R10(%rax)
	mov	%r11, G_R11(%rax)
	mov	%r12, G_R12(%rax)
	mov	%r13, G_R13(%rax)
	mov	%r14, G_R14(%rax)
	mov	%r15, G_R15(%rax)

	mov	S_VMCB(%rsp), %rax
	vmsave	%rax
	mov	S_HOST(%rsp), %rax
	vmload	%rax

#if defined(CONFIG_RETPOLINE) || defined(CONFIG_MITIGATION_RETPOLINE)
	/* The guest may have filled the return stack buffer: refill it. */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RETPOLINE
#endif

	/* Do not leave guest values in registers for speculation to use. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	add	$24, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(mvm_svm_vmrun)
