/* SPDX-License-Identifier: GPL-2.0 */
/*
 * star.S - the seed guest: writes '*' to COM1 forever (long mode, loaded
 * at 0x10000).  Byte for byte: b0 2a ba f8 03 00 00 ee eb fd.
 */
	.code64
	.text
	.globl _start
_start:
	mov	$0x2a, %al
	mov	$0x3f8, %edx
1:	out	%al, (%dx)
	jmp	1b
