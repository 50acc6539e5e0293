/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guest.S - the code the benchmark's guest runs, in 64-bit mode.
 *
 * It is assembled into the host binary's read-only data and copied to
 * GUEST_CODE; it uses only relative jumps so it runs at any address.
 *
 * In:  %rdi = warm-up iterations per phase, %rsi = timed iterations per
 *      round (>= 1), %rdx = rounds per phase (>= 1).
 * Out: %r12 = EBX of the last CPUID, so the host can check that CPUID was
 *      answered from its table and not by something else.
 *
 * Each phase runs its warm-up loop, then for each round writes its BEGIN
 * mark to PORT_MARK, runs the timed loop and writes its END mark; the host
 * reads the clock when it sees each mark.  The numbers must match
 * exit_bench.h.
 */

#define PORT_WORK	0xe9
#define PORT_MARK	0xea
#define MMIO_ADDR	0x10000000

	.section .rodata
	.balign 64
	.globl bench_guest_start
	.globl bench_guest_end
	.code64

bench_guest_start:
	mov	%rdx, %r11		/* CPUID clobbers %rdx */

	/* Phase 1: CPUID leaf 0, answered in the kernel. */
	mov	%rdi, %r8
	test	%r8, %r8
	jz	2f
1:	xor	%eax, %eax
	xor	%ecx, %ecx
	cpuid
	dec	%r8
	jnz	1b
2:	mov	%r11, %r9
11:	mov	$1, %al
	out	%al, $PORT_MARK
	mov	%rsi, %r8
3:	xor	%eax, %eax
	xor	%ecx, %ecx
	cpuid
	dec	%r8
	jnz	3b
	mov	%rbx, %r12
	mov	$2, %al
	out	%al, $PORT_MARK
	dec	%r9
	jnz	11b

	/* Phase 2: a one-byte OUT that userspace handles. */
	mov	%rdi, %r8
	test	%r8, %r8
	jz	5f
4:	out	%al, $PORT_WORK
	dec	%r8
	jnz	4b
5:	mov	%r11, %r9
12:	mov	$3, %al
	out	%al, $PORT_MARK
	mov	%rsi, %r8
6:	out	%al, $PORT_WORK
	dec	%r8
	jnz	6b
	mov	$4, %al
	out	%al, $PORT_MARK
	dec	%r9
	jnz	12b

	/* Phase 3: a 4-byte store to an address no memory slot backs. */
	mov	$MMIO_ADDR, %ebx
	mov	$0x600dd00d, %eax
	mov	%rdi, %r8
	test	%r8, %r8
	jz	8f
7:	mov	%eax, (%rbx)
	dec	%r8
	jnz	7b
8:	mov	%r11, %r9
13:	mov	$5, %al
	out	%al, $PORT_MARK
	mov	$0x600dd00d, %eax
	mov	%rsi, %r8
9:	mov	%eax, (%rbx)
	dec	%r8
	jnz	9b
	mov	$6, %al
	out	%al, $PORT_MARK
	dec	%r9
	jnz	13b

	mov	$0xff, %al
	out	%al, $PORT_MARK
10:	hlt
	jmp	10b
bench_guest_end:

	.section .note.GNU-stack, "", @progbits
