/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hello.S - prints "Hello from a minivmm guest (<mode>)" on COM1, waiting
 * for LSR.THRE before each byte, then halts with interrupts off.
 * Built three times: -DMODE_REAL (linked at 0, load at a 16-byte aligned
 * address), -DMODE_PROTECTED and -DMODE_LONG (linked at 0x10000).
 * Only vCPU 0 (rdi == 0) prints; the others halt at once.
 */
#include "uart.inc"

#if defined(MODE_REAL)
	.code16
# define SI	%si
# define DI	%di
# define MODE	"real"
#elif defined(MODE_PROTECTED)
	.code32
# define SI	%esi
# define DI	%edi
# define MODE	"protected"
#elif defined(MODE_LONG)
	.code64
# define SI	%rsi
# define DI	%rdi
# define MODE	"long"
#else
# error "define MODE_REAL, MODE_PROTECTED or MODE_LONG"
#endif

	.text
	.globl _start
_start:
	cli
	cld
	test	DI, DI
	jnz	halt
	mov	$msg, SI
next:
	lodsb
	test	%al, %al
	jz	halt
	mov	%al, %bl
	mov	$COM1_LSR, %dx
1:	inb	%dx, %al
	test	$LSR_THRE, %al
	jz	1b
	mov	$COM1, %dx
	mov	%bl, %al
	outb	%al, %dx
	jmp	next
halt:
	cli
	hlt
	jmp	halt

msg:
	.ascii	"Hello from a minivmm guest ("
	.ascii	MODE
	.asciz	")\n"
