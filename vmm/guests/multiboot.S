/* SPDX-License-Identifier: GPL-2.0 */
/*
 * multiboot.S - a multiboot v1 kernel (ELF32, linked at 1 MiB) for
 * --kernel: checks the loader's state (eax magic, info flags, protected
 * mode without paging), prints "multiboot ok: " and the command line on
 * COM1 and exits with status 0, or prints what is wrong and exits 1.
 */
#include "uart.inc"

#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000003	/* page-aligned modules, memory info */
#define MB_BOOT_MAGIC	0x2badb002
#define MBI_NEEDED	0x00000245	/* mem, cmdline, mmap, loader name */

	.code32
	.section .text
	.align	4
mb_header:
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)

	.globl _start
_start:
	mov	$bad_magic, %esi
	cmp	$MB_BOOT_MAGIC, %eax
	jne	fail
	mov	$bad_flags, %esi
	mov	(%ebx), %eax
	and	$MBI_NEEDED, %eax
	cmp	$MBI_NEEDED, %eax
	jne	fail
	mov	$bad_cr0, %esi
	mov	%cr0, %eax
	test	$0x80000000, %eax	/* paging must be off */
	jnz	fail
	test	$1, %eax		/* protection on */
	jz	fail
	mov	$good, %esi
	call	puts
	mov	16(%ebx), %esi		/* the command line */
	call	puts
	mov	$newline, %esi
	call	puts
	xor	%al, %al
	jmp	out
fail:
	call	puts
	mov	$1, %al
out:
	mov	$EXIT_PORT, %dx
	outb	%al, %dx
1:	hlt
	jmp	1b

/* puts: the NUL-terminated string at esi to COM1. */
puts:
	mov	$COM1_LSR, %dx
2:	inb	%dx, %al
	test	$LSR_THRE, %al
	jz	2b
	lodsb
	test	%al, %al
	jz	3f
	mov	$COM1, %dx
	outb	%al, %dx
	jmp	puts
3:	ret

good:		.asciz	"multiboot ok: "
newline:	.asciz	"\n"
bad_magic:	.asciz	"multiboot: bad eax magic\n"
bad_flags:	.asciz	"multiboot: info flags missing\n"
bad_cr0:	.asciz	"multiboot: paging on or protection off\n"
