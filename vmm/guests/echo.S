/* SPDX-License-Identifier: GPL-2.0 */
/*
 * echo.S - copies COM1 input to COM1 output, polling LSR.DR, until it
 * reads 'q'; then exits through the exit port with status 0 (long mode).
 */
#include "uart.inc"
	.code64
	.text
	.globl _start
_start:
	mov	$COM1_LSR, %dx
1:	inb	%dx, %al
	test	$LSR_DR, %al
	jz	1b
	mov	$COM1, %dx
	inb	%dx, %al
	cmp	$'q', %al
	je	done
	mov	%al, %bl
	mov	$COM1_LSR, %dx
2:	inb	%dx, %al
	test	$LSR_THRE, %al
	jz	2b
	mov	$COM1, %dx
	mov	%bl, %al
	outb	%al, %dx
	mov	$COM1_LSR, %dx
	jmp	1b
done:
	xor	%eax, %eax
	mov	$EXIT_PORT, %dx
	outb	%al, %dx
3:	cli
	hlt
	jmp	3b
