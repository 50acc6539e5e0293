/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Enter a VT-x guest and come back from its VM exit.
 *
 * int vmx_enter(unsigned long *gprs, bool launched)
 *
 * Loads the guest GPRs (all but RSP, which lives in the VMCS) from @gprs,
 * runs VMRESUME if @launched else VMLAUNCH, and after the VM exit stores
 * them back.  Returns 0 after a VM exit, 1 when the instruction failed
 * (VMfail: the VM-instruction error field says why).  The caller has set
 * every host-state field except HOST_RSP, which is written here because
 * only here the stack pointer at the exit is known.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/unwind_hints.h>
#include <asm/nospec-branch.h>

/* Offsets in @gprs: enum mvm_gpr order. */
#define G_RAX	0
#define G_RCX	8
#define G_RDX	16
#define G_RBX	24
#define G_RBP	40
#define G_RSI	48
#define G_RDI	56
#define G_R8	64
#define G_R9	72
#define G_R10	80
#define G_R11	88
#define G_R12	96
#define G_R13	104
#define G_R14	112
#define G_R15	120

#define VMCS_HOST_RSP	0x6c14

.section .text, "ax"

SYM_FUNC_START(vmx_enter)
	push %rbp
	mov %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	/* @gprs, found again at (%rsp) after the exit */
	push %rdi

	mov $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax
	jbe .Lfail_early

	/* ZF=1 selects VMLAUNCH; MOVs below keep the flags */
	test %sil, %sil

	mov %rdi, %rax
	mov G_RCX(%rax), %rcx
	mov G_RDX(%rax), %rdx
	mov G_RBX(%rax), %rbx
	mov G_RBP(%rax), %rbp
	mov G_RSI(%rax), %rsi
	mov G_RDI(%rax), %rdi
	mov G_R8(%rax), %r8
	mov G_R9(%rax), %r9
	mov G_R10(%rax), %r10
	mov G_R11(%rax), %r11
	mov G_R12(%rax), %r12
	mov G_R13(%rax), %r13
	mov G_R14(%rax), %r14
	mov G_R15(%rax), %r15
	mov G_RAX(%rax), %rax

	jz .Llaunch

	/* Control comes back at vmx_exit_point through HOST_RIP. */
	UNWIND_HINT_SAVE
	vmresume
	jmp .Lvmfail
.Llaunch:
	vmlaunch
	jmp .Lvmfail

SYM_INNER_LABEL(vmx_exit_point, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	push %rax
	mov 8(%rsp), %rax
	pop G_RAX(%rax)
	mov %rcx, G_RCX(%rax)
	mov %rdx, G_RDX(%rax)
	mov %rbx, G_RBX(%rax)
	mov %rbp, G_RBP(%rax)
	mov %rsi, G_RSI(%rax)
	mov %rdi, G_RDI(%rax)
	mov %r8, G_R8(%rax)
	mov %r9, G_R9(%rax)
	mov %r10, G_R10(%rax)
	mov %r11, G_R11(%rax)
	mov %r12, G_R12(%rax)
	mov %r13, G_R13(%rax)
	mov %r14, G_R14(%rax)
	mov %r15, G_R15(%rax)
	xor %eax, %eax

.Lclear:
	/* Leave no guest value in a register the host may speculate on. */
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	pop %rbx		/* @gprs */
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET

.Lvmfail:
	/* The guest RBP/RBX were loaded: the callee-saved pops restore them. */
	mov $1, %eax
	jmp .Lclear

.Lfail_early:
	mov $1, %eax
	jmp .Lclear
SYM_FUNC_END(vmx_enter)
