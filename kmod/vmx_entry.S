/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Enter a VT-x guest and come back from its VM exit.
 *
 * int vmx_enter(unsigned long *gprs, bool launched,
 *		 const struct mvm_spec_ctrl_switch *sc)
 *
 * Loads the guest GPRs (all but RSP, which lives in the VMCS) from @gprs,
 * runs VMRESUME if @launched else VMLAUNCH, and after the VM exit stores
 * them back.  Returns 0 after a VM exit, 1 when the instruction failed
 * (VMfail: the VM-instruction error field says why).  The caller has set
 * every host-state field except HOST_RSP, which is written here because
 * only here the stack pointer at the exit is known.  Around the entry,
 * SPEC_CTRL is switched as @sc says (spec.c decides), and the VERW, RSB
 * refill and branch-history clearing run where the kernel asks for them.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/msr-index.h>
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
	/* @sc at 8(%rsp) and @gprs at (%rsp) after the exit */
	push %rdx
	push %rdi

	mov $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax
	jbe .Lfail_early

	mov %rdx, %rbx
	GUEST_SPEC_CTRL_LOAD %rbx

	/* CF=0 selects VMLAUNCH; MOVs and VERW below keep CF */
	bt $0, %esi

	mov %rdi, %rax
	GUEST_GPRS_LOAD
	mov G_RAX(%rax), %rax

	GUEST_ENTRY_VERW

	jnc .Llaunch

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
	xor %ebx, %ebx

.Lhost_spec:
	/* Before the first RET: the RSB, then the host's SPEC_CTRL. */
	GUEST_EXIT_RSB_FILL %rax
	mov 8(%rsp), %rsi
	GUEST_SPEC_CTRL_PUT %rsi
	CLEAR_BRANCH_HISTORY_VMEXIT
	mov %ebx, %eax

.Lclear:
	GUEST_GPRS_CLEAR
	pop %rbx		/* @gprs */
	pop %rbx		/* @sc */
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET

.Lvmfail:
	/*
	 * The guest GPRs and SPEC_CTRL were loaded: the host's SPEC_CTRL
	 * comes back as after an exit; the callee-saved pops restore RBP
	 * and RBX.
	 */
	mov $1, %ebx
	jmp .Lhost_spec

.Lfail_early:
	mov $1, %eax
	jmp .Lclear
SYM_FUNC_END(vmx_enter)
