/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The multiboot v1 header and entry of mbtest.elf: a 32-bit ELF kernel
 * that tests/multiboot.sh boots with "minivmm --kernel mbtest.elf".
 */
#define MB_MAGIC	0x1badb002
/* bit 0: modules page aligned; bit 1: memory information wanted */
#define MB_FLAGS	0x00000003

	.section .multiboot, "a"
	.balign 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl _start
_start:
	/*
	 * The loader leaves EAX = 0x2badb002, EBX = the multiboot info,
	 * flat 32-bit segments and no stack: take our own.
	 */
	cli
	cld
	movl	$stack_top, %esp
	pushl	%ebx
	pushl	%eax
	call	mbtest_main
1:	hlt
	jmp	1b

	.bss
	.balign 16
	.space 8192
stack_top:

	.section .note.GNU-stack, "", @progbits
