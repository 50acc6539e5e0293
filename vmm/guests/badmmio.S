/* SPDX-License-Identifier: GPL-2.0 */
/*
 * badmmio.S - an x87 load from unbacked memory (long mode): the kernel
 * cannot emulate it as MMIO and reports an internal error with the
 * instruction bytes (dd 06), which minivmm prints before exiting 3.
 */
	.code64
	.text
	.globl _start
_start:
	mov	$0xe0000000, %esi
	fldl	(%rsi)
1:	cli
	hlt
	jmp	1b
