/* SPDX-License-Identifier: GPL-2.0 */
/* idle.S - halts with interrupts enabled: nothing can wake it (long). */
	.code64
	.text
	.globl _start
_start:
	sti
	hlt
	jmp	_start
