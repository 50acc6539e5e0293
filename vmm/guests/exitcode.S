/* SPDX-License-Identifier: GPL-2.0 */
/* exitcode.S - ends the VM through the exit port with status 42 (long). */
#include "uart.inc"
	.code64
	.text
	.globl _start
_start:
	mov	$42, %al
	mov	$EXIT_PORT, %dx
	outb	%al, %dx
1:	hlt
	jmp	1b
