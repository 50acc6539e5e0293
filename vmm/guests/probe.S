/* SPDX-License-Identifier: GPL-2.0 */
/*
 * probe.S - checks what the VMM's devices return (long mode, 0x10000,
 * RAM below 0xe0000000).  Exits through port 0x501 with 0 when all is
 * as documented, else with the number of the first failed check:
 *   11-13 unknown port reads (byte, word, dword) are not all ones
 *   14    COM1 scratch register does not read back
 *   15    COM1 LSR is not THRE|TEMT (0x60) with no input
 *   16    COM1 IIR is not "no interrupt" (0x01)
 *   17-18 MMIO reads (dword, qword) of unbacked memory are not all ones
 *   19    a write to unbacked memory changed what reads return
 */
#include "uart.inc"

#define UNBACKED	0xe0000000

	.code64
	.text
	.globl _start
_start:
	outb	%al, $0x80		/* unknown port: ignored */
	inb	$0x80, %al
	mov	$11, %bl
	cmp	$0xff, %al
	jne	fail
	mov	$0x90, %dx
	inw	%dx, %ax
	mov	$12, %bl
	cmp	$0xffff, %ax
	jne	fail
	inl	%dx, %eax
	mov	$13, %bl
	cmp	$0xffffffff, %eax
	jne	fail

	mov	$(COM1 + 7), %dx
	mov	$0x5a, %al
	outb	%al, %dx
	inb	%dx, %al
	mov	$14, %bl
	cmp	$0x5a, %al
	jne	fail
	mov	$COM1_LSR, %dx
	inb	%dx, %al
	mov	$15, %bl
	cmp	$0x60, %al
	jne	fail
	mov	$(COM1 + 2), %dx
	inb	%dx, %al
	mov	$16, %bl
	cmp	$0x01, %al
	jne	fail

	mov	$UNBACKED, %esi
	mov	(%rsi), %eax
	mov	$17, %bl
	cmp	$0xffffffff, %eax
	jne	fail
	mov	8(%rsi), %rax
	mov	$18, %bl
	cmp	$-1, %rax
	jne	fail
	movl	$0x12345678, (%rsi)
	mov	(%rsi), %eax
	mov	$19, %bl
	cmp	$0xffffffff, %eax
	jne	fail

	xor	%ebx, %ebx
fail:
	mov	%bl, %al
	mov	$EXIT_PORT, %dx
	outb	%al, %dx
1:	cli
	hlt
	jmp	1b
