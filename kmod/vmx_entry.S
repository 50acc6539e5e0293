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
#include "entry_gprs.inc"

#define VMCS_HOST_RSP	0x6c14

.section .text.mvm_exit_path, "ax"

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
	GUEST_GPRS_LOAD
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
	GUEST_GPRS_SAVE
	GUEST_EXIT_RSB_FILL %rax
	xor %eax, %eax

.Lclear:
	GUEST_GPRS_CLEAR
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
