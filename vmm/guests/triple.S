/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Triple-faults on purpose: the VMM's IDT has limit 0, so #UD escalates
 * to #GP, #DF and then shutdown.  The same two bytes (0f 0b) work in
 * real, protected and long mode.
 */
	.code64
	.text
	.globl _start
_start:
	ud2
