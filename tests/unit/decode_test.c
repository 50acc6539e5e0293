// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of the instruction decoder (kmod/x86_decode.c), printing
 * TAP: the MMIO moves, then the prefix scanner, intercepted opcode
 * lengths, MOV CR and the prefixes of string IO.
 *
 * Each table entry is one instruction; the bytes of the named ones were
 * produced by GNU as from the text in the name, the expectations were
 * written by hand from the SDM.  Every decodable entry is also checked
 * with trailing bytes, with an extra prefix, and truncated at every
 * length (which must fail with -ENODATA).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kmod/x86_decode.h"
#include "../lib/tap.h"

#define M16	MVM_INSN_MODE16
#define M32	MVM_INSN_MODE32
#define M64	MVM_INSN_MODE64
#define NOREG	MVM_INSN_NO_REG
#define ZX	MVM_INSN_ZX
#define SX	MVM_INSN_SX
#define MERGE	MVM_INSN_MERGE

struct want {
	int w, sz, reg, hi, has_imm;
	u64 imm;
	int dst, ext;
	int ea, base, index, scale;	/* ea: check the memory operand */
	u64 disp;
	int rip_rel;
};

struct dcase {
	const char *name;
	enum mvm_insn_mode mode;
	const char *hex;
	int ret;
	struct want want;
};

/* A store of register @r (@h: AH..BH), or of immediate @i. */
#define STORE(s, r, h)		.w = 1, .sz = s, .reg = r, .hi = h
#define STORE_IMM(s, i)		.w = 1, .sz = s, .reg = NOREG, .has_imm = 1, \
				.imm = i
/* A load of @s bytes into @d bytes of register @r, extended by @e. */
#define LOAD(s, r, h, d, e)	.sz = s, .reg = r, .hi = h, .dst = d, .ext = e
/* The memory operand: base, index, scale, displacement, RIP-relative. */
#define EA(b, x, s, d, rip)	.ea = 1, .base = b, .index = x, .scale = s, \
				.disp = d, .rip_rel = rip

static const struct dcase cases[] = {
	{ "mov byte ptr [rax], cl", M64, "88 08", 0,
	  { STORE(1, 1, 0), EA(0, NOREG, 1, 0x0, 0) } },
	{ "mov byte ptr [rax], ah", M64, "88 20", 0,
	  { STORE(1, 0, 1) } },
	{ "mov byte ptr [rax], bh", M64, "88 38", 0,
	  { STORE(1, 3, 1) } },
	{ "mov byte ptr [rax], spl", M64, "40 88 20", 0,
	  { STORE(1, 4, 0) } },
	{ "mov byte ptr [rax], dil", M64, "40 88 38", 0,
	  { STORE(1, 7, 0) } },
	{ "mov byte ptr [r8], r9b", M64, "45 88 08", 0,
	  { STORE(1, 9, 0), EA(8, NOREG, 1, 0x0, 0) } },
	{ "mov dword ptr [rbx], eax", M64, "89 03", 0,
	  { STORE(4, 0, 0) } },
	{ "mov qword ptr [rbx], rax", M64, "48 89 03", 0,
	  { STORE(8, 0, 0) } },
	{ "mov word ptr [rbx], ax", M64, "66 89 03", 0,
	  { STORE(2, 0, 0) } },
	{ "mov word ptr [rbx], r14w", M64, "66 44 89 33", 0,
	  { STORE(2, 14, 0) } },
	{ "mov qword ptr [r9+r10*4-0x80], r11", M64, "4f 89 5c 91 80", 0,
	  { STORE(8, 11, 0), EA(9, 10, 4, -0x80, 0) } },
	{ "mov dword ptr [rip+0x100], r9d", M64, "44 89 0d 00 01 00 00", 0,
	  { STORE(4, 9, 0), EA(NOREG, NOREG, 1, 0x100, 1) } },
	{ "mov dword ptr [rsp], eax", M64, "89 04 24", 0,
	  { STORE(4, 0, 0), EA(4, NOREG, 1, 0x0, 0) } },
	{ "mov dword ptr [rbp], eax", M64, "89 45 00", 0,
	  { STORE(4, 0, 0), EA(5, NOREG, 1, 0x0, 0) } },
	{ "mov dword ptr [r13], eax", M64, "41 89 45 00", 0,
	  { STORE(4, 0, 0), EA(13, NOREG, 1, 0x0, 0) } },
	{ "mov dword ptr [r12], eax", M64, "41 89 04 24", 0,
	  { STORE(4, 0, 0), EA(12, NOREG, 1, 0x0, 0) } },
	{ "mov dword ptr [rax+r12*1], eax", M64, "42 89 04 20", 0,
	  { STORE(4, 0, 0), EA(0, 12, 1, 0x0, 0) } },
	{ "mov dword ptr [0x12345678], edx", M64, "89 14 25 78 56 34 12", 0,
	  { STORE(4, 2, 0), EA(NOREG, NOREG, 1, 0x12345678, 0) } },
	{ "mov dword ptr [rbx*8+0x1000], esi", M64, "89 34 dd 00 10 00 00", 0,
	  { STORE(4, 6, 0), EA(NOREG, 3, 8, 0x1000, 0) } },
	{ "mov dword ptr [r13+r14*2-0x7fffffff], r15d", M64,
	  "47 89 bc 75 01 00 00 80", 0,
	  { STORE(4, 15, 0), EA(13, 14, 2, -0x7fffffff, 0) } },
	{ "mov qword ptr fs:[rax], rcx", M64, "64 48 89 08", 0,
	  { STORE(8, 1, 0) } },
	{ "mov dword ptr gs:[0x10], ebx", M64, "65 89 1c 25 10 00 00 00", 0,
	  { STORE(4, 3, 0) } },
	{ "xrelease mov byte ptr [rax], cl", M64, "f3 88 08", 0,
	  { STORE(1, 1, 0) } },
	{ "xrelease mov qword ptr [rax], rdx", M64, "f3 48 89 10", 0,
	  { STORE(8, 2, 0) } },
	{ "mov dword ptr [eax], eax (addr32)", M64, "67 89 00", 0,
	  { STORE(4, 0, 0) } },
	{ "66 REX.W: REX.W wins", M64, "66 48 89 00", 0,
	  { STORE(8, 0, 0) } },
	{ "REX then 66: REX ignored", M64, "48 66 89 00", 0,
	  { STORE(2, 0, 0) } },
	{ "REX 41 then 2e: REX ignored, [rax]", M64, "41 2e 89 00", 0,
	  { STORE(4, 0, 0), EA(0, NOREG, 1, 0x0, 0) } },
	{ "two REX: the last counts", M64, "44 4c 89 00", 0,
	  { STORE(8, 8, 0) } },
	{ "REX ignored: byte reg 4 is AH again", M64, "40 66 88 20", 0,
	  { STORE(1, 0, 1) } },
	{ "mov cl, byte ptr [rax]", M64, "8a 08", 0,
	  { LOAD(1, 1, 0, 1, MERGE) } },
	{ "mov ah, byte ptr [rbx+1]", M64, "8a 63 01", 0,
	  { LOAD(1, 0, 1, 1, MERGE), EA(3, NOREG, 1, 0x1, 0) } },
	{ "mov dh, byte ptr [rbx]", M64, "8a 33", 0,
	  { LOAD(1, 2, 1, 1, MERGE) } },
	{ "mov sil, byte ptr [rax]", M64, "40 8a 30", 0,
	  { LOAD(1, 6, 0, 1, MERGE) } },
	{ "mov r10b, byte ptr [rax]", M64, "44 8a 10", 0,
	  { LOAD(1, 10, 0, 1, MERGE) } },
	{ "mov eax, dword ptr [rax]", M64, "8b 00", 0,
	  { LOAD(4, 0, 0, 4, ZX) } },
	{ "mov rax, qword ptr [rdx]", M64, "48 8b 02", 0,
	  { LOAD(8, 0, 0, 8, ZX) } },
	{ "mov ax, word ptr [rdx]", M64, "66 8b 02", 0,
	  { LOAD(2, 0, 0, 2, MERGE) } },
	{ "mov r15, qword ptr [r12+r13*8+0x12345678]", M64,
	  "4f 8b bc ec 78 56 34 12", 0,
	  { LOAD(8, 15, 0, 8, ZX), EA(12, 13, 8, 0x12345678, 0) } },
	{ "mov r8d, dword ptr [rip-4]", M64, "44 8b 05 fc ff ff ff", 0,
	  { LOAD(4, 8, 0, 4, ZX),
	    EA(NOREG, NOREG, 1, -0x4, 1) } },
	{ "mov eax, dword ptr [eip+0x20]", M64, "67 8b 05 20 00 00 00", 0,
	  { LOAD(4, 0, 0, 4, ZX), EA(NOREG, NOREG, 1, 0x20, 1) } },
	{ "mov eax, dword ptr fs:[rax]", M64, "64 8b 00", 0,
	  { LOAD(4, 0, 0, 4, ZX) } },
	{ "mov eax, dword ptr [eax]", M64, "67 8b 00", 0,
	  { LOAD(4, 0, 0, 4, ZX) } },
	{ "mov rbx, qword ptr [rsp+rbp*2+0x7f]", M64, "48 8b 5c 6c 7f", 0,
	  { LOAD(8, 3, 0, 8, ZX), EA(4, 5, 2, 0x7f, 0) } },
	{ "mov byte ptr [rax], 0x80", M64, "c6 00 80", 0,
	  { STORE_IMM(1, 0x80ULL) } },
	{ "mov byte ptr [rip+0x10], 1", M64, "c6 05 10 00 00 00 01", 0,
	  { STORE_IMM(1, 0x1ULL), EA(NOREG, NOREG, 1, 0x10, 1) } },
	{ "mov dword ptr [rax], 0x12345678", M64, "c7 00 78 56 34 12", 0,
	  { STORE_IMM(4, 0x12345678ULL) } },
	{ "mov dword ptr [rax], 0x87654321", M64, "c7 00 21 43 65 87", 0,
	  { STORE_IMM(4, 0x87654321ULL) } },
	{ "mov qword ptr [rax], -2", M64, "48 c7 00 fe ff ff ff", 0,
	  { STORE_IMM(8, 0xfffffffffffffffeULL) } },
	{ "mov qword ptr [rax], 0x7fffffff", M64, "48 c7 00 ff ff ff 7f", 0,
	  { STORE_IMM(8, 0x7fffffffULL) } },
	{ "mov word ptr [rax], 0xbeef", M64, "66 c7 00 ef be", 0,
	  { STORE_IMM(2, 0xbeefULL) } },
	{ "mov qword ptr [rip+0x1000], -0x80000000", M64,
	  "48 c7 05 00 10 00 00 00 00 00 80", 0,
	  { STORE_IMM(8, 0xffffffff80000000ULL),
	    EA(NOREG, NOREG, 1, 0x1000, 1) } },
	{ "mov dword ptr [r11+r12*8+0x44], 7", M64,
	  "43 c7 44 e3 44 07 00 00 00", 0,
	  { STORE_IMM(4, 0x7ULL), EA(11, 12, 8, 0x44, 0) } },
	{ "mov byte ptr [rax], 1 (66 ignored)", M64, "66 c6 00 01", 0,
	  { STORE_IMM(1, 0x1ULL) } },
	{ "xrelease mov dword ptr [rax], 3", M64, "f3 c7 00 03 00 00 00", 0,
	  { STORE_IMM(4, 0x3ULL) } },
	{ "movabs al, byte ptr [0x1122334455667788]", M64,
	  "a0 88 77 66 55 44 33 22 11", 0,
	  { LOAD(1, 0, 0, 1, MERGE),
	    EA(NOREG, NOREG, 1, 0x1122334455667788, 0) } },
	{ "movabs eax, dword ptr [0x1122334455667788]", M64,
	  "a1 88 77 66 55 44 33 22 11", 0,
	  { LOAD(4, 0, 0, 4, ZX) } },
	{ "movabs rax, qword ptr [0x8877665544332211]", M64,
	  "48 a1 11 22 33 44 55 66 77 88", 0,
	  { LOAD(8, 0, 0, 8, ZX),
	    EA(NOREG, NOREG, 1, 0x8877665544332211ULL, 0) } },
	{ "movabs ax, word ptr [0x10]", M64, "66 a1 10 00 00 00 00 00 00 00", 0,
	  { LOAD(2, 0, 0, 2, MERGE) } },
	{ "movabs byte ptr [0x1122334455667788], al", M64,
	  "a2 88 77 66 55 44 33 22 11", 0,
	  { STORE(1, 0, 0) } },
	{ "movabs qword ptr [0x1122334455667788], rax", M64,
	  "48 a3 88 77 66 55 44 33 22 11", 0,
	  { STORE(8, 0, 0) } },
	{ "movabs dword ptr [0x1122334455667788], eax", M64,
	  "a3 88 77 66 55 44 33 22 11", 0,
	  { STORE(4, 0, 0) } },
	{ "movabs word ptr [0x1122334455667788], ax", M64,
	  "66 a3 88 77 66 55 44 33 22 11", 0,
	  { STORE(2, 0, 0) } },
	{ "addr32 mov al, byte ptr [0x12345678]", M64, "67 a0 78 56 34 12", 0,
	  { LOAD(1, 0, 0, 1, MERGE), EA(NOREG, NOREG, 1, 0x12345678, 0) } },
	{ "addr32 mov dword ptr [0x87654321], eax", M64, "67 a3 21 43 65 87", 0,
	  { STORE(4, 0, 0), EA(NOREG, NOREG, 1, 0x87654321, 0) } },
	{ "moffs with REX.B: still rax", M64,
	  "49 a1 00 00 00 00 00 00 00 00", 0,
	  { LOAD(8, 0, 0, 8, ZX) } },
	{ "movzx eax, byte ptr [rdi]", M64, "0f b6 07", 0,
	  { LOAD(1, 0, 0, 4, ZX) } },
	{ "movzx eax, word ptr [rdi]", M64, "0f b7 07", 0,
	  { LOAD(2, 0, 0, 4, ZX) } },
	{ "movzx rax, byte ptr [rdi]", M64, "48 0f b6 07", 0,
	  { LOAD(1, 0, 0, 8, ZX) } },
	{ "movzx rcx, word ptr [rdi]", M64, "48 0f b7 0f", 0,
	  { LOAD(2, 1, 0, 8, ZX) } },
	{ "movzx ax, byte ptr [rdi]", M64, "66 0f b6 07", 0,
	  { LOAD(1, 0, 0, 2, ZX) } },
	{ "movsx eax, byte ptr [rdi]", M64, "0f be 07", 0,
	  { LOAD(1, 0, 0, 4, SX) } },
	{ "movsx rax, word ptr [rdi]", M64, "48 0f bf 07", 0,
	  { LOAD(2, 0, 0, 8, SX) } },
	{ "movsx r9w, byte ptr [r8]", M64, "66 45 0f be 08", 0,
	  { LOAD(1, 9, 0, 2, SX) } },
	{ "movzx r12d, word ptr [rip+8]", M64, "44 0f b7 25 08 00 00 00", 0,
	  { LOAD(2, 12, 0, 4, ZX), EA(NOREG, NOREG, 1, 0x8, 1) } },
	{ "movsx r15, byte ptr [r15+r15*8+1]", M64, "4f 0f be 7c ff 01", 0,
	  { LOAD(1, 15, 0, 8, SX), EA(15, 15, 8, 0x1, 0) } },
	{ "movzx esi, byte ptr [rax] (sil not ah)", M64, "0f b6 30", 0,
	  { LOAD(1, 6, 0, 4, ZX) } },
	{ "movzx word 66 0f b7: 16-bit move", M64, "66 0f b7 00", 0,
	  { LOAD(2, 0, 0, 2, MERGE) } },
	{ "movsx word 66 0f bf: 16-bit move", M64, "66 0f bf 00", 0,
	  { LOAD(2, 0, 0, 2, SX) } },
	{ "mov eax, [rax] with 15 bytes of prefixes", M64,
	  "2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 8b 00", 0,
	  { LOAD(4, 0, 0, 4, ZX) } },
	{ "mov byte ptr [eax], cl", M32, "88 08", 0,
	  { STORE(1, 1, 0), EA(0, NOREG, 1, 0x0, 0) } },
	{ "mov byte ptr [ebx], dh", M32, "88 33", 0,
	  { STORE(1, 2, 1) } },
	{ "mov dword ptr [ebx+ecx*4+0x12345678], eax", M32,
	  "89 84 8b 78 56 34 12", 0,
	  { STORE(4, 0, 0), EA(3, 1, 4, 0x12345678, 0) } },
	{ "mov dword ptr [ebp-8], esi", M32, "89 75 f8", 0,
	  { STORE(4, 6, 0), EA(5, NOREG, 1, -0x8, 0) } },
	{ "mov dword ptr [0x1000], eax", M32, "a3 00 10 00 00", 0,
	  { STORE(4, 0, 0), EA(NOREG, NOREG, 1, 0x1000, 0) } },
	{ "mov dword ptr [esp+4], edi", M32, "89 7c 24 04", 0,
	  { STORE(4, 7, 0), EA(4, NOREG, 1, 0x4, 0) } },
	{ "mov word ptr [eax], ax", M32, "66 89 00", 0,
	  { STORE(2, 0, 0) } },
	{ "mov dword ptr es:[eax], ecx", M32, "26 89 08", 0,
	  { STORE(4, 1, 0) } },
	{ "mov dword ptr [bx+si], eax", M32, "67 89 00", 0,
	  { STORE(4, 0, 0), EA(3, 6, 1, 0x0, 0) } },
	{ "mov bh, byte ptr [edi]", M32, "8a 3f", 0,
	  { LOAD(1, 3, 1, 1, MERGE) } },
	{ "mov eax, dword ptr [esi]", M32, "8b 06", 0,
	  { LOAD(4, 0, 0, 4, ZX) } },
	{ "mov ax, word ptr [esi]", M32, "66 8b 06", 0,
	  { LOAD(2, 0, 0, 2, MERGE) } },
	{ "mov edx, dword ptr [bp+di+0x1234]", M32, "67 8b 93 34 12", 0,
	  { LOAD(4, 2, 0, 4, ZX), EA(5, 7, 1, 0x1234, 0) } },
	{ "mov ecx, dword ptr [ebp*2+0x10]", M32, "8b 0c 6d 10 00 00 00", 0,
	  { LOAD(4, 1, 0, 4, ZX), EA(NOREG, 5, 2, 0x10, 0) } },
	{ "mov dword ptr [eax], 0x89abcdef", M32, "c7 00 ef cd ab 89", 0,
	  { STORE_IMM(4, 0x89abcdefULL) } },
	{ "mov word ptr [eax], 0x1234", M32, "66 c7 00 34 12", 0,
	  { STORE_IMM(2, 0x1234ULL) } },
	{ "mov byte ptr [eax+ebx], 0xff", M32, "c6 04 18 ff", 0,
	  { STORE_IMM(1, 0xffULL) } },
	{ "mov al, byte ptr [0x12345678]", M32, "a0 78 56 34 12", 0,
	  { LOAD(1, 0, 0, 1, MERGE), EA(NOREG, NOREG, 1, 0x12345678, 0) } },
	{ "mov eax, dword ptr [0x12345678]", M32, "a1 78 56 34 12", 0,
	  { LOAD(4, 0, 0, 4, ZX) } },
	{ "mov word ptr [0x12345678], ax", M32, "66 a3 78 56 34 12", 0,
	  { STORE(2, 0, 0) } },
	{ "mov dword ptr [0x12345678], eax", M32, "a3 78 56 34 12", 0,
	  { STORE(4, 0, 0) } },
	{ "addr16 mov al, byte ptr [0x1234]", M32, "67 a0 34 12", 0,
	  { LOAD(1, 0, 0, 1, MERGE), EA(NOREG, NOREG, 1, 0x1234, 0) } },
	{ "movzx eax, byte ptr [eax]", M32, "0f b6 00", 0,
	  { LOAD(1, 0, 0, 4, ZX) } },
	{ "movsx ax, byte ptr [eax]", M32, "66 0f be 00", 0,
	  { LOAD(1, 0, 0, 2, SX) } },
	{ "movzx eax, word ptr [eax]", M32, "0f b7 00", 0,
	  { LOAD(2, 0, 0, 4, ZX) } },
	{ "movsx edx, word ptr [ecx+0x10]", M32, "0f bf 51 10", 0,
	  { LOAD(2, 2, 0, 4, SX) } },
	{ "mov byte ptr [bx+si], al", M16, "88 00", 0,
	  { STORE(1, 0, 0), EA(3, 6, 1, 0x0, 0) } },
	{ "mov word ptr [bx+si+2], ax", M16, "89 40 02", 0,
	  { STORE(2, 0, 0), EA(3, 6, 1, 0x2, 0) } },
	{ "mov word ptr [bp+di+0x1234], cx", M16, "89 8b 34 12", 0,
	  { STORE(2, 1, 0), EA(5, 7, 1, 0x1234, 0) } },
	{ "mov word ptr [bp+si-0x10], dx", M16, "89 52 f0", 0,
	  { STORE(2, 2, 0), EA(5, 6, 1, -0x10, 0) } },
	{ "mov word ptr [bx+di], bx", M16, "89 19", 0,
	  { STORE(2, 3, 0), EA(3, 7, 1, 0x0, 0) } },
	{ "mov word ptr [0x1234], ax", M16, "a3 34 12", 0,
	  { STORE(2, 0, 0), EA(NOREG, NOREG, 1, 0x1234, 0) } },
	{ "mov word ptr [bp], ax", M16, "89 46 00", 0,
	  { STORE(2, 0, 0), EA(5, NOREG, 1, 0x0, 0) } },
	{ "mov byte ptr [si], ah", M16, "88 24", 0,
	  { STORE(1, 0, 1), EA(6, NOREG, 1, 0x0, 0) } },
	{ "mov byte ptr [di], ch", M16, "88 2d", 0,
	  { STORE(1, 1, 1), EA(7, NOREG, 1, 0x0, 0) } },
	{ "mov dword ptr [bx], eax", M16, "66 89 07", 0,
	  { STORE(4, 0, 0), EA(3, NOREG, 1, 0x0, 0) } },
	{ "mov word ptr [bx-0x8000], sp", M16, "89 a7 00 80", 0,
	  { STORE(2, 4, 0), EA(3, NOREG, 1, -0x8000, 0) } },
	{ "mov dword ptr [eax*4+ebx], edx", M16, "67 66 89 14 83", 0,
	  { STORE(4, 2, 0), EA(3, 0, 4, 0x0, 0) } },
	{ "mov eax, dword ptr [bx]", M16, "66 8b 07", 0,
	  { LOAD(4, 0, 0, 4, ZX) } },
	{ "mov ax, word ptr [di]", M16, "8b 05", 0,
	  { LOAD(2, 0, 0, 2, MERGE) } },
	{ "mov bh, byte ptr [bx]", M16, "8a 3f", 0,
	  { LOAD(1, 3, 1, 1, MERGE) } },
	{ "mov cx, word ptr ds:[bp+0x7f]", M16, "3e 8b 4e 7f", 0,
	  { LOAD(2, 1, 0, 2, MERGE), EA(5, NOREG, 1, 0x7f, 0) } },
	{ "mov dword ptr [eax*4+ebx], 5", M16, "67 66 c7 04 83 05 00 00 00", 0,
	  { STORE_IMM(4, 0x5ULL), EA(3, 0, 4, 0x0, 0) } },
	{ "mov word ptr [bx], 0x1234", M16, "c7 07 34 12", 0,
	  { STORE_IMM(2, 0x1234ULL) } },
	{ "mov byte ptr [bx+si], 0x7f", M16, "c6 00 7f", 0,
	  { STORE_IMM(1, 0x7fULL) } },
	{ "mov dword ptr [bx], -1", M16, "66 c7 07 ff ff ff ff", 0,
	  { STORE_IMM(4, 0xffffffffULL) } },
	{ "mov al, byte ptr [0x1234]", M16, "a0 34 12", 0,
	  { LOAD(1, 0, 0, 1, MERGE), EA(NOREG, NOREG, 1, 0x1234, 0) } },
	{ "mov word ptr [0x1234], ax", M16, "a3 34 12", 0,
	  { STORE(2, 0, 0) } },
	{ "addr32 mov eax, dword ptr [0x12345678]", M16,
	  "67 66 a1 78 56 34 12", 0,
	  { LOAD(4, 0, 0, 4, ZX), EA(NOREG, NOREG, 1, 0x12345678, 0) } },
	{ "movzx ax, byte ptr [bx]", M16, "0f b6 07", 0,
	  { LOAD(1, 0, 0, 2, ZX) } },
	{ "movzx eax, byte ptr [bx]", M16, "66 0f b6 07", 0,
	  { LOAD(1, 0, 0, 4, ZX) } },
	{ "movsx ax, word ptr [bx]", M16, "0f bf 07", 0,
	  { LOAD(2, 0, 0, 2, SX) } },
	{ "movsx eax, word ptr ss:[bp+si+4]", M16, "66 0f bf 42 04", 0,
	  { LOAD(2, 0, 0, 4, SX) } },
	{ "ud2", M64, "0f 0b", -EOPNOTSUPP,
	  { 0 } },
	{ "nop", M64, "90", -EOPNOTSUPP,
	  { 0 } },
	{ "mov eax, eax (mod 3: no memory)", M64, "89 c0", -EOPNOTSUPP,
	  { 0 } },
	{ "mov ecx, eax (8b mod 3)", M64, "8b c8", -EOPNOTSUPP,
	  { 0 } },
	{ "mov al, 1 (c6 mod 3)", M64, "c6 c0 01", -EOPNOTSUPP,
	  { 0 } },
	{ "xbegin", M64, "c7 f8 00 00 00 00", -EOPNOTSUPP,
	  { 0 } },
	{ "xabort", M64, "c6 f8 00", -EOPNOTSUPP,
	  { 0 } },
	{ "c6 /1", M64, "c6 08 01", -EOPNOTSUPP,
	  { 0 } },
	{ "c7 /1", M64, "c7 48 00 01 02 03 04", -EOPNOTSUPP,
	  { 0 } },
	{ "c7 /7 memory", M64, "c7 38 01 02 03 04", -EOPNOTSUPP,
	  { 0 } },
	{ "movzx eax, al (mod 3)", M64, "0f b6 c0", -EOPNOTSUPP,
	  { 0 } },
	{ "lock mov", M64, "f0 89 00", -EOPNOTSUPP,
	  { 0 } },
	{ "lock mov load", M64, "f0 8b 00", -EOPNOTSUPP,
	  { 0 } },
	{ "repne mov", M64, "f2 89 00", -EOPNOTSUPP,
	  { 0 } },
	{ "rep on a load", M64, "f3 8b 00", -EOPNOTSUPP,
	  { 0 } },
	{ "rep on movzx", M64, "f3 0f b6 00", -EOPNOTSUPP,
	  { 0 } },
	{ "rep on moffs", M64, "f3 a2 00 00 00 00 00 00 00 00", -EOPNOTSUPP,
	  { 0 } },
	{ "rep and repne", M64, "f2 f3 89 00", -EOPNOTSUPP,
	  { 0 } },
	{ "popcnt", M64, "f3 0f b8 00", -EOPNOTSUPP,
	  { 0 } },
	{ "0f b8 alone", M64, "0f b8 00", -EOPNOTSUPP,
	  { 0 } },
	{ "0f b5 (lgs)", M64, "0f b5 00", -EOPNOTSUPP,
	  { 0 } },
	{ "mov from sreg (8c)", M64, "8c 00", -EOPNOTSUPP,
	  { 0 } },
	{ "mov to sreg (8e)", M64, "8e 00", -EOPNOTSUPP,
	  { 0 } },
	{ "movsb", M64, "a4", -EOPNOTSUPP,
	  { 0 } },
	{ "stosd", M64, "ab", -EOPNOTSUPP,
	  { 0 } },
	{ "add [rax], eax", M64, "01 00", -EOPNOTSUPP,
	  { 0 } },
	{ "vex c5", M64, "c5 f9 6f 00", -EOPNOTSUPP,
	  { 0 } },
	{ "vex c4", M64, "c4 e1 79 6f 00", -EOPNOTSUPP,
	  { 0 } },
	{ "evex 62", M64, "62 f1 7c 48 28 00", -EOPNOTSUPP,
	  { 0 } },
	{ "movnti", M64, "0f c3 00", -EOPNOTSUPP,
	  { 0 } },
	{ "movdqa", M64, "66 0f 6f 00", -EOPNOTSUPP,
	  { 0 } },
	{ "push (ff /6)", M64, "ff 30", -EOPNOTSUPP,
	  { 0 } },
	{ "cmp [rax], 1", M64, "80 38 01", -EOPNOTSUPP,
	  { 0 } },
	{ "REX alone", M64, "48", -ENODATA,
	  { 0 } },
	{ "empty", M64, "", -ENODATA,
	  { 0 } },
	{ "0f alone", M64, "0f", -ENODATA,
	  { 0 } },
	{ "66 alone", M64, "66", -ENODATA,
	  { 0 } },
	{ "88 without ModRM", M64, "88", -ENODATA,
	  { 0 } },
	{ "SIB missing", M64, "89 04", -ENODATA,
	  { 0 } },
	{ "disp8 missing", M64, "89 40", -ENODATA,
	  { 0 } },
	{ "disp32 short", M64, "89 05 00 00 00", -ENODATA,
	  { 0 } },
	{ "SIB disp32 short", M64, "89 04 25 00 00 00", -ENODATA,
	  { 0 } },
	{ "imm32 short", M64, "c7 00 01 02 03", -ENODATA,
	  { 0 } },
	{ "imm8 missing", M64, "c6 00", -ENODATA,
	  { 0 } },
	{ "imm after rip disp short", M64, "c7 05 00 00 00 00 01 02", -ENODATA,
	  { 0 } },
	{ "moffs64 short", M64, "a0 01 02 03 04 05 06 07", -ENODATA,
	  { 0 } },
	{ "16 bytes of prefixes and insn", M64,
	  "66 66 66 66 66 66 66 66 66 66 66 66 66 66 89 00", -E2BIG,
	  { 0 } },
	{ "15 prefixes", M64,
	  "2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 89 00", -E2BIG,
	  { 0 } },
	{ "imm past byte 15", M64,
	  "2e 2e 2e 2e 2e 2e 2e 48 c7 04 25 00 00 00 00 01 00 00 00", -E2BIG,
	  { 0 } },
	{ "dec eax; mov (REX is dec in 32-bit)", M32, "48 89 00", -EOPNOTSUPP,
	  { 0 } },
	{ "inc eax", M32, "40 88 00", -EOPNOTSUPP,
	  { 0 } },
	{ "mov eax, eax", M32, "89 c0", -EOPNOTSUPP,
	  { 0 } },
	{ "movsx eax, al", M32, "0f be c0", -EOPNOTSUPP,
	  { 0 } },
	{ "lds", M32, "c5 00", -EOPNOTSUPP,
	  { 0 } },
	{ "moffs32 short", M32, "a1 00 00 00", -ENODATA,
	  { 0 } },
	{ "disp16 short with 67", M32, "67 8b 06 34", -ENODATA,
	  { 0 } },
	{ "disp16 missing", M16, "89 06 34", -ENODATA,
	  { 0 } },
	{ "imm16 short", M16, "c7 07 34", -ENODATA,
	  { 0 } },
	{ "moffs16 short", M16, "a0 34", -ENODATA,
	  { 0 } },
	{ "mov ax, bx", M16, "8b c3", -EOPNOTSUPP,
	  { 0 } },
	{ "lock 88", M16, "f0 88 00", -EOPNOTSUPP,
	  { 0 } },
	{ "hlt", M16, "f4", -EOPNOTSUPP,
	  { 0 } },
};

#define NCASES		ARRAY_SIZE(cases)

static unsigned int hex_parse(const char *hex, u8 *buf, unsigned int max)
{
	unsigned int n = 0;
	char *end;

	while (*hex && n < max) {
		unsigned long v = strtoul(hex, &end, 16);

		if (end == hex)
			break;
		buf[n++] = (u8)v;
		hex = end;
	}
	return n;
}

static const char *mode_name(enum mvm_insn_mode mode)
{
	switch (mode) {
	case M16:
		return "16";
	case M32:
		return "32";
	default:
		return "64";
	}
}

/* Compares @got with @c; prints why not on a diagnostic line. */
static int insn_matches(const struct dcase *c, const struct mvm_insn *got,
			unsigned int len)
{
	const struct want *w = &c->want;
	char why[256] = "";

	if (got->len != len)
		snprintf(why, sizeof(why), "len %u want %u", got->len, len);
	else if (got->is_write != w->w)
		snprintf(why, sizeof(why), "is_write %d", got->is_write);
	else if (got->mem_size != w->sz)
		snprintf(why, sizeof(why), "mem_size %u want %d",
			 got->mem_size, w->sz);
	else if (got->reg != w->reg || got->high8 != w->hi)
		snprintf(why, sizeof(why), "reg %u high8 %d want %d %d",
			 got->reg, got->high8, w->reg, w->hi);
	else if (got->has_imm != w->has_imm || got->imm != w->imm)
		snprintf(why, sizeof(why), "imm %d %#llx want %d %#llx",
			 got->has_imm, (unsigned long long)got->imm,
			 w->has_imm, (unsigned long long)w->imm);
	else if (!w->w && (got->dst_size != w->dst || got->ext != w->ext))
		snprintf(why, sizeof(why), "dst_size %u ext %u want %d %d",
			 got->dst_size, got->ext, w->dst, w->ext);
	else if (w->w && got->dst_size)
		snprintf(why, sizeof(why), "store with dst_size %u",
			 got->dst_size);
	else if (w->ea && (got->base != w->base || got->index != w->index ||
			   got->scale != w->scale || got->disp != w->disp ||
			   got->rip_rel != w->rip_rel))
		snprintf(why, sizeof(why),
			 "base %u index %u scale %u disp %#llx rip %d",
			 got->base, got->index, got->scale,
			 (unsigned long long)got->disp, got->rip_rel);
	if (why[0])
		tap_diag("%s [%s]: %s", c->name, mode_name(c->mode), why);
	return !why[0];
}

static void case_run(const struct dcase *c)
{
	u8 buf[32], big[32];
	struct mvm_insn insn, again;
	unsigned int len, i;
	int ret, ok;

	memset(buf, 0xcc, sizeof(buf));
	len = hex_parse(c->hex, buf, sizeof(buf));
	ret = mvm_insn_decode(buf, len, c->mode, &insn);
	if (c->ret) {
		if (ret != c->ret)
			tap_diag("%s: ret %d want %d", c->name, ret, c->ret);
		tap_ok(ret == c->ret, "%s: rejected", c->name);
		return;
	}
	ok = ret == 0;
	if (!ok)
		tap_diag("%s [%s]: ret %d", c->name, mode_name(c->mode), ret);
	tap_ok(ok && insn_matches(c, &insn, len), "%s: decoded", c->name);

	/* Bytes after the instruction change nothing. */
	ret = mvm_insn_decode(buf, sizeof(buf), c->mode, &again);
	tap_ok(ret == 0 && insn_matches(c, &again, len),
	       "%s: trailing bytes ignored", c->name);

	/* Cut anywhere: -ENODATA, never a shorter instruction. */
	ok = 1;
	for (i = 0; i < len; i++) {
		ret = mvm_insn_decode(buf, i, c->mode, &again);
		if (ret != -ENODATA) {
			tap_diag("%s: %u of %u bytes: ret %d", c->name, i,
				 len, ret);
			ok = 0;
		}
	}
	tap_ok(ok, "%s: every truncation is -ENODATA", c->name);

	/* One more prefix (DS, a no-op): one byte longer, or too long. */
	big[0] = 0x3e;
	memcpy(big + 1, buf, sizeof(big) - 1);
	ret = mvm_insn_decode(big, len + 1, c->mode, &again);
	if (len + 1 > MVM_INSN_MAX_LEN)
		ok = ret == -E2BIG;
	else
		/* The last segment override wins. */
		ok = ret == 0 && again.seg == (insn.seg ? insn.seg : 0x3e) &&
		     insn_matches(c, &again, len + 1);
	tap_ok(ok, "%s: with a DS prefix", c->name);
}

/* The register write-back of loads and the value of stores. */
static void result_tests(void)
{
	const u64 old = 0x1122334455667788ULL;
	struct mvm_insn st = { .mem_size = 2, .reg = 0 };

	TAP_EQ(mvm_insn_load_result(old, 0xaabbccddeeff0099ULL, 1, MERGE, 1,
				    false), 0x1122334455667799ULL,
	       "load: 8-bit merge keeps bits 63:8");
	TAP_EQ(mvm_insn_load_result(old, 0x99, 1, MERGE, 1, true),
	       0x1122334455669988ULL, "load: AH merge writes bits 15:8");
	TAP_EQ(mvm_insn_load_result(old, 0xbeef, 2, MERGE, 2, false),
	       0x112233445566beefULL, "load: 16-bit merge");
	TAP_EQ(mvm_insn_load_result(old, 0xdeadbeefcafeULL, 4, ZX, 4, false),
	       0xbeefcafeULL, "load: 32-bit zero-extends to 64");
	TAP_EQ(mvm_insn_load_result(old, 0x8000000000000001ULL, 8, ZX, 8,
				    false), 0x8000000000000001ULL,
	       "load: 64-bit replaces");
	TAP_EQ(mvm_insn_load_result(old, 0x80, 1, ZX, 4, false), 0x80,
	       "movzx r32, m8");
	TAP_EQ(mvm_insn_load_result(old, 0x80, 1, SX, 4, false), 0xffffff80,
	       "movsx r32, m8: sign, then zero-extend to 64");
	TAP_EQ(mvm_insn_load_result(old, 0x8000, 2, SX, 8, false),
	       0xffffffffffff8000ULL, "movsx r64, m16");
	TAP_EQ(mvm_insn_load_result(old, 0xff, 1, SX, 2, false),
	       0x112233445566ffffULL, "movsx r16, m8 merges 16 bits");
	TAP_EQ(mvm_insn_load_result(old, 0x7f, 1, SX, 8, false), 0x7f,
	       "movsx r64, m8 positive");
	TAP_EQ(mvm_insn_load_result(old, 0xffff, 2, ZX, 2, false),
	       0x112233445566ffffULL, "movzx r16, m16 merges");
	TAP_EQ(mvm_insn_store_value(&st, old), 0x7788,
	       "store: register truncated to 2 bytes");
	st.mem_size = 1;
	st.high8 = true;
	TAP_EQ(mvm_insn_store_value(&st, old), 0x77, "store: AH is bits 15:8");
	st.high8 = false;
	st.mem_size = 8;
	TAP_EQ(mvm_insn_store_value(&st, old), old, "store: 8 bytes whole");
	st.has_imm = true;
	st.imm = 0xfffffffffffffffeULL;
	TAP_EQ(mvm_insn_store_value(&st, old), st.imm, "store: immediate");
}

/* The same bytes mean different sizes in different modes. */
static void mode_tests(void)
{
	static const u8 mov[] = { 0x8b, 0x00 }, opsz[] = { 0x66, 0x8b, 0x00 };
	static const u8 moffs[] = { 0xa1, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct mvm_insn insn;
	int ret;

	ret = mvm_insn_decode(mov, sizeof(mov), M16, &insn);
	ok(!ret && insn.mem_size == 2 && insn.addr_size == 2,
	   "8b 00 is 16-bit in 16-bit code");
	ret = mvm_insn_decode(mov, sizeof(mov), M32, &insn);
	ok(!ret && insn.mem_size == 4 && insn.addr_size == 4,
	   "8b 00 is 32-bit in 32-bit code");
	ret = mvm_insn_decode(mov, sizeof(mov), M64, &insn);
	ok(!ret && insn.mem_size == 4 && insn.addr_size == 8,
	   "8b 00 is 32-bit, 64-bit address in 64-bit code");
	ret = mvm_insn_decode(opsz, sizeof(opsz), M16, &insn);
	ok(!ret && insn.mem_size == 4, "66 8b 00 is 32-bit in 16");
	ret = mvm_insn_decode(opsz, sizeof(opsz), M32, &insn);
	ok(!ret && insn.mem_size == 2, "66 8b 00 is 16-bit in 32");
	ret = mvm_insn_decode(moffs, sizeof(moffs), M16, &insn);
	ok(!ret && insn.len == 3 && insn.disp == 0x0201,
	   "a1 moffs16 in 16-bit code");
	ret = mvm_insn_decode(moffs, sizeof(moffs), M32, &insn);
	ok(!ret && insn.len == 5 && insn.disp == 0x04030201,
	   "a1 moffs32 in 32-bit code");
	ret = mvm_insn_decode(moffs, sizeof(moffs), M64, &insn);
	ok(!ret && insn.len == 9 && insn.disp == 0x0807060504030201ULL,
	   "a1 moffs64 in 64-bit code");
	ret = mvm_insn_decode(mov, sizeof(mov), (enum mvm_insn_mode)7, &insn);
	ok(ret == -EINVAL, "an unknown mode is -EINVAL");
}

/* The prefix scanner: what each prefix says and where the opcode is. */
#define P66	0x01
#define P67	0x02
#define PLOCK	0x04
#define PREPNE	0x08
#define PREP	0x10

struct pcase {
	const char *name;
	enum mvm_insn_mode mode;
	const char *hex;
	int ret, len, rex, seg, flags;
};

/* 15 bytes of prefixes: the instruction is too long before its opcode. */
#define PFX14	"66 66 66 66 66 66 66 66 66 66 66 66 66 66"

static const struct pcase pcases[] = {
	{ "no prefix", M32, "90", 0, 0, 0, 0, 0 },
	{ "66", M32, "66 90", 0, 1, 0, 0, P66 },
	{ "67", M32, "67 90", 0, 1, 0, 0, P67 },
	{ "f0", M32, "f0 90", 0, 1, 0, 0, PLOCK },
	{ "f2", M32, "f2 90", 0, 1, 0, 0, PREPNE },
	{ "f3", M32, "f3 90", 0, 1, 0, 0, PREP },
	{ "es", M32, "26 90", 0, 1, 0, 0x26, 0 },
	{ "cs", M32, "2e 90", 0, 1, 0, 0x2e, 0 },
	{ "ss", M32, "36 90", 0, 1, 0, 0x36, 0 },
	{ "ds", M32, "3e 90", 0, 1, 0, 0x3e, 0 },
	{ "fs", M32, "64 90", 0, 1, 0, 0x64, 0 },
	{ "gs", M16, "65 90", 0, 1, 0, 0x65, 0 },
	{ "the last segment override counts", M64, "26 65 2e 90", 0, 3, 0,
	  0x2e, 0 },
	{ "every prefix", M64, "f0 f2 f3 66 67 36 90", 0, 6, 0, 0x36,
	  P66 | P67 | PLOCK | PREPNE | PREP },
	{ "rex.w last", M64, "66 48 90", 0, 2, 0x48, 0, P66 },
	{ "rex before a legacy prefix is ignored", M64, "48 66 90", 0, 2, 0,
	  0, P66 },
	{ "the last of two rex counts", M64, "41 48 90", 0, 2, 0x48, 0, 0 },
	{ "40 is an opcode in 32-bit code", M32, "40 90", 0, 0, 0, 0, 0 },
	{ "4f is an opcode in 16-bit code", M16, "66 4f", 0, 1, 0, 0, P66 },
	{ "14 prefixes and an opcode", M32, PFX14 " 90", 0, 14, 0, 0, P66 },
	{ "15 prefixes", M32, PFX14 " 66 90", -E2BIG, 0, 0, 0, 0 },
	{ "15 rex prefixes", M64,
	  "40 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f", -E2BIG, 0, 0,
	  0, 0 },
	{ "only prefixes", M64, "66 67 48", -ENODATA, 0, 0, 0, 0 },
	{ "nothing", M64, "", -ENODATA, 0, 0, 0, 0 },
};

static int pfx_flags(const struct mvm_insn_prefixes *p)
{
	return (p->opsize ? P66 : 0) | (p->adsize ? P67 : 0) |
	       (p->lock ? PLOCK : 0) | (p->repne ? PREPNE : 0) |
	       (p->rep ? PREP : 0);
}

/* Two results each: scanned as given, and -ENODATA at every cut. */
static void prefix_tests(void)
{
	static const u8 seg_bytes[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };
	struct mvm_insn_prefixes p;
	unsigned int i, n;
	u8 buf[32];
	int ret, ok;

	for (i = 0; i < ARRAY_SIZE(pcases); i++) {
		const struct pcase *c = &pcases[i];

		n = hex_parse(c->hex, buf, sizeof(buf));
		ret = mvm_insn_prefixes(buf, n, c->mode, &p);
		ok = ret == c->ret;
		if (!ret)
			ok = ok && p.len == c->len && p.rex == c->rex &&
			     p.seg == c->seg && pfx_flags(&p) == c->flags;
		if (!ok)
			tap_diag("ret %d len %u rex %#x seg %#x flags %#x",
				 ret, p.len, p.rex, p.seg, pfx_flags(&p));
		tap_ok(ok, "prefixes: %s", c->name);

		/* Cut before the opcode: -ENODATA, never an opcode. */
		ok = 1;
		for (n = 0; !c->ret && n <= (unsigned int)c->len; n++)
			if (mvm_insn_prefixes(buf, n, c->mode, &p) != -ENODATA)
				ok = 0;
		tap_ok(ok, "prefixes: %s: every cut is -ENODATA", c->name);
	}
	buf[0] = 0x90;
	ok(mvm_insn_prefixes(buf, 1, (enum mvm_insn_mode)3, &p) == -EINVAL,
	   "prefixes: an unknown mode is -EINVAL");

	ok = mvm_insn_seg_reg(0) == -1 && mvm_insn_seg_reg(0x90) == -1 &&
	     mvm_insn_seg_reg(0x66) == -1;
	for (i = 0; i < ARRAY_SIZE(seg_bytes); i++)
		ok = ok && mvm_insn_seg_reg(seg_bytes[i]) == (int)i;
	tap_ok(ok, "prefixes: ES CS SS DS FS GS are segment registers 0-5");
}
#define PREFIX_TESTS	(2 * ARRAY_SIZE(pcases) + 2)

/* The length of an intercepted instruction, its opcode known. */
struct lcase {
	const char *name;
	enum mvm_insn_mode mode;
	const char *hex;
	const char *op;
	int ret;
};

static const struct lcase lcases[] = {
	{ "cpuid", M64, "0f a2", "0f a2", 2 },
	{ "rep data16 cpuid", M32, "f3 66 0f a2", "0f a2", 4 },
	{ "hlt", M16, "f4", "f4", 1 },
	{ "ds hlt", M64, "3e f4", "f4", 2 },
	{ "rex.w rdmsr", M64, "48 0f 32", "0f 32", 3 },
	{ "cs wrmsr", M32, "2e 0f 30", "0f 30", 3 },
	{ "data16 xsetbv", M64, "66 0f 01 d1", "0f 01 d1", 4 },
	{ "invd", M32, "0f 08", "0f 08", 2 },
	{ "rex.b wbinvd", M64, "41 0f 09", "0f 09", 3 },
	{ "48 is dec eax in 32-bit code", M32, "48 0f 32", "0f 32", -EINVAL },
	{ "rdmsr is not cpuid", M64, "0f 32", "0f a2", -EINVAL },
	{ "xgetbv is not xsetbv", M64, "0f 01 d0", "0f 01 d1", -EINVAL },
	{ "cut cpuid", M64, "66 0f", "0f a2", -ENODATA },
	{ "cut prefixes", M64, "66 66", "f4", -ENODATA },
	{ "15 bytes of hlt", M32, PFX14 " f4", "f4", 15 },
	{ "16 bytes of hlt", M32, PFX14 " 66 f4", "f4", -E2BIG },
	{ "15 bytes of xsetbv", M64,
	  "66 66 66 66 66 66 66 66 66 66 66 66 0f 01 d1", "0f 01 d1", 15 },
	{ "16 bytes of xsetbv", M64,
	  "66 66 66 66 66 66 66 66 66 66 66 66 66 0f 01 d1", "0f 01 d1",
	  -E2BIG },
};

/* Two results each: as given, and with bytes after it. */
static void op_len_tests(void)
{
	u8 buf[32], op[8];
	unsigned int i, n, op_len;
	int ret, ok;

	for (i = 0; i < ARRAY_SIZE(lcases); i++) {
		const struct lcase *c = &lcases[i];

		memset(buf, 0xcc, sizeof(buf));
		n = hex_parse(c->hex, buf, sizeof(buf));
		op_len = hex_parse(c->op, op, sizeof(op));
		ret = mvm_insn_op_len(buf, n, c->mode, op, op_len);
		if (ret != c->ret)
			tap_diag("ret %d want %d", ret, c->ret);
		tap_ok(ret == c->ret, "op_len: %s", c->name);

		/* Bytes after it change nothing, a cut one stays cut. */
		ret = mvm_insn_op_len(buf, sizeof(buf), c->mode, op, op_len);
		ok = c->ret == -ENODATA ? ret == -EINVAL : ret == c->ret;
		tap_ok(ok, "op_len: %s: trailing bytes", c->name);
	}
	op[0] = 0xf4;
	buf[0] = 0xf4;
	ok = mvm_insn_op_len(buf, 1, M64, op, 0) == -EINVAL &&
	     mvm_insn_op_len(buf, 1, M64, op, 16) == -EINVAL &&
	     mvm_insn_op_len(buf, 1, (enum mvm_insn_mode)3, op, 1) == -EINVAL;
	tap_ok(ok, "op_len: no opcode, a 16-byte one or no mode: -EINVAL");
}
#define OP_LEN_TESTS	(2 * ARRAY_SIZE(lcases) + 1)

/*
 * Every CR with every GPR, both directions, every mod (the CPU ignores
 * it): with REX in 64-bit code, without it in 32-bit code.
 */
static int mov_cr_all(enum mvm_insn_mode mode, u8 op)
{
	unsigned int cr, gpr, mod, max = mode == M64 ? 16 : 8;
	struct mvm_insn_cr insn;
	u8 buf[8];
	int ok = 1;

	for (cr = 0; cr < max; cr++)
		for (gpr = 0; gpr < max; gpr++)
			for (mod = 0; mod < 4; mod++) {
				u8 rex = 0x40 | (cr & 8 ? 4 : 0) |
					 (gpr & 8 ? 1 : 0);
				unsigned int n = 0;

				if (rex != 0x40)
					buf[n++] = rex;
				buf[n++] = 0x0f;
				buf[n++] = op;
				buf[n++] = mod << 6 | (cr & 7) << 3 | (gpr & 7);
				/* A SIB byte or displacement would follow. */
				memset(buf + n, 0x25, sizeof(buf) - n);
				if (mvm_insn_decode_mov_cr(buf, sizeof(buf),
							   mode, false,
							   &insn) ||
				    insn.len != n || insn.cr != cr ||
				    insn.gpr != gpr ||
				    insn.to_cr != (op == 0x22) || insn.lock ||
				    insn.op_size != (mode == M64 ? 8 : 4)) {
					tap_diag("cr %u gpr %u mod %u", cr,
						 gpr, mod);
					ok = 0;
				}
			}
	return ok;
}

struct crcase {
	const char *name;
	enum mvm_insn_mode mode;
	const char *hex;
	int lock_is_cr8, ret, len, cr, gpr, to_cr;
};

static const struct crcase crcases[] = {
	{ "mov cr8, rax", M64, "44 0f 22 c0", 0, 0, 4, 8, 0, 1 },
	{ "mov rax, cr8", M64, "44 0f 20 c0", 0, 0, 4, 8, 0, 0 },
	{ "mov cr8, r15", M64, "45 0f 22 c7", 0, 0, 4, 8, 15, 1 },
	{ "mov r9, cr4", M64, "41 0f 20 e1", 0, 0, 4, 4, 9, 0 },
	{ "mov cr3, eax", M32, "0f 22 d8", 0, 0, 3, 3, 0, 1 },
	{ "lock mov cr0, ecx is cr8 on AMD", M32, "f0 0f 22 c1", 1, 0, 4, 8,
	  1, 1 },
	{ "lock mov eax, cr0 is cr8 on AMD", M16, "f0 0f 20 c0", 1, 0, 4, 8,
	  0, 0 },
	{ "lock with rex.r is cr8", M64, "f0 44 0f 22 c0", 1, 0, 5, 8, 0, 1 },
	{ "lock is #UD elsewhere", M32, "f0 0f 22 c1", 0, -EOPNOTSUPP, 0, 0, 0, 0 },
	{ "rex before 66 is ignored", M64, "44 66 0f 22 c0", 0, 0, 5, 0, 0,
	  1 },
	{ "44 is inc esp in 32-bit code", M32, "44 0f 22 c0", 0,
	  -EOPNOTSUPP, 0, 0, 0, 0 },
	{ "mov dr0, eax is not mov cr", M32, "0f 23 c0", 0, -EOPNOTSUPP, 0, 0, 0, 0 },
	{ "cpuid is not mov cr", M64, "0f a2", 0, -EOPNOTSUPP, 0, 0, 0, 0 },
	{ "cut before modrm", M64, "44 0f 22", 0, -ENODATA, 0, 0, 0, 0 },
	{ "15 bytes", M64, "66 66 66 66 66 66 66 66 66 66 66 66 0f 22 c0", 0,
	  0, 15, 0, 0, 1 },
	{ "16 bytes", M64, "66 66 66 66 66 66 66 66 66 66 66 66 66 0f 22 c0",
	  0, -E2BIG, 0, 0, 0, 0 },
};

static void mov_cr_tests(void)
{
	struct mvm_insn_cr insn;
	unsigned int i, n;
	u8 buf[32];
	int ret, ok;

	ok(mov_cr_all(M64, 0x22), "mov cr: every CR from every GPR, 64");
	ok(mov_cr_all(M64, 0x20), "mov cr: every CR to every GPR, 64");
	ok(mov_cr_all(M32, 0x22), "mov cr: CR0-7 from every GPR, 32");
	ok(mov_cr_all(M16, 0x20), "mov cr: CR0-7 to every GPR, 16");
	for (i = 0; i < ARRAY_SIZE(crcases); i++) {
		const struct crcase *c = &crcases[i];

		n = hex_parse(c->hex, buf, sizeof(buf));
		ret = mvm_insn_decode_mov_cr(buf, n, c->mode, c->lock_is_cr8,
					     &insn);
		ok = ret == c->ret;
		if (!ret)
			ok = ok && insn.len == c->len && insn.cr == c->cr &&
			     insn.gpr == c->gpr && insn.to_cr == c->to_cr &&
			     insn.lock == (buf[0] == 0xf0);
		if (!ok)
			tap_diag("ret %d len %u cr %u gpr %u to_cr %d", ret,
				 insn.len, insn.cr, insn.gpr, insn.to_cr);
		tap_ok(ok, "mov cr: %s", c->name);
	}
}
#define MOV_CR_TESTS	(4 + ARRAY_SIZE(crcases))

/* MOV DR: DR0-DR7 both ways; LOCK and REX.R (DR8+) are #UD. */
static const struct crcase drcases[] = {
	{ "mov dr0, eax", M32, "0f 23 c0", 0, 0, 3, 0, 0, 1 },
	{ "mov ebx, dr6", M32, "0f 21 f3", 0, 0, 3, 6, 3, 0 },
	{ "mov dr7, r10", M64, "41 0f 23 fa", 0, 0, 4, 7, 10, 1 },
	{ "mov rax, dr3 with mod 0", M64, "0f 21 18", 0, 0, 3, 3, 0, 0 },
	{ "mov dr4, esi (16-bit code)", M16, "0f 23 e6", 0, 0, 3, 4, 6, 1 },
	{ "rex.r is dr8: #UD", M64, "44 0f 23 c0", 0, -EOPNOTSUPP, 0, 0, 0,
	  0 },
	{ "lock is #UD", M32, "f0 0f 23 c0", 0, -EOPNOTSUPP, 0, 0, 0, 0 },
	{ "mov cr0, eax is not mov dr", M32, "0f 22 c0", 0, -EOPNOTSUPP, 0, 0,
	  0, 0 },
	{ "cut before modrm", M64, "0f 21", 0, -ENODATA, 0, 0, 0, 0 },
	{ "16 bytes", M64, "66 66 66 66 66 66 66 66 66 66 66 66 66 0f 23 c0",
	  0, -E2BIG, 0, 0, 0, 0 },
};

static void mov_dr_tests(void)
{
	struct mvm_insn_cr insn;
	unsigned int i, n;
	u8 buf[32];
	int ret, ok;

	for (i = 0; i < ARRAY_SIZE(drcases); i++) {
		const struct crcase *c = &drcases[i];

		n = hex_parse(c->hex, buf, sizeof(buf));
		ret = mvm_insn_decode_mov_dr(buf, n, c->mode, &insn);
		ok = ret == c->ret;
		if (!ret)
			ok = ok && insn.len == c->len && insn.cr == c->cr &&
			     insn.gpr == c->gpr && insn.to_cr == c->to_cr &&
			     !insn.lock;
		if (!ok)
			tap_diag("ret %d len %u dr %u gpr %u to_dr %d", ret,
				 insn.len, insn.cr, insn.gpr, insn.to_cr);
		tap_ok(ok, "mov dr: %s", c->name);
	}
}
#define MOV_DR_TESTS	ARRAY_SIZE(drcases)

/* The prefixes of INS/OUTS whose length the CPU reported. */
struct iocase {
	const char *name;
	enum mvm_insn_mode mode;
	const char *hex;
	unsigned int len;
	int ret, seg, adsize;
};

static const struct iocase iocases[] = {
	{ "outsb", M32, "6e", 1, 0, -1, 0 },
	{ "rep insd", M32, "f3 6d", 2, 0, -1, 0 },
	{ "fs outsw", M32, "64 66 6f", 3, 0, 4, 0 },
	{ "addr32 rep insb", M16, "67 f3 6c", 3, 0, -1, 1 },
	{ "rep gs outsb, addr32", M64, "f3 65 67 6e", 4, 0, 5, 1 },
	{ "es cs outsb: the last override", M32, "26 2e 6e", 3, 0, 1, 0 },
	{ "rex.w insd", M64, "48 6d", 2, 0, -1, 0 },
	{ "40 is inc eax in 32-bit code", M32, "40 6e", 2, -EINVAL, 0, 0 },
	{ "a shorter length", M32, "f3 6e", 1, -EINVAL, 0, 0 },
	{ "a longer length", M32, "f3 6e 90", 3, -EINVAL, 0, 0 },
	{ "rep movsb is not string io", M32, "f3 a4", 2, -EINVAL, 0, 0 },
	{ "out dx, al is not string io", M32, "ee", 1, -EINVAL, 0, 0 },
	{ "no length", M32, "6e", 0, -EINVAL, 0, 0 },
	{ "16 bytes", M32, PFX14 " 66 6e", 16, -EINVAL, 0, 0 },
	{ "bytes missing", M32, "f3", 2, -ENODATA, 0, 0 },
};

static void string_io_tests(void)
{
	struct mvm_insn_prefixes p;
	unsigned int i, n;
	u8 buf[32];
	int ret, ok;

	for (i = 0; i < ARRAY_SIZE(iocases); i++) {
		const struct iocase *c = &iocases[i];

		n = hex_parse(c->hex, buf, sizeof(buf));
		ret = mvm_insn_string_io(buf, n, c->len, c->mode, &p);
		ok = ret == c->ret;
		if (!ret)
			ok = ok && mvm_insn_seg_reg(p.seg) == c->seg &&
			     p.adsize == c->adsize && p.len + 1U == c->len;
		if (!ok)
			tap_diag("ret %d seg %#x adsize %d", ret, p.seg,
				 p.adsize);
		tap_ok(ok, "string io: %s", c->name);
	}
}
#define STRING_IO_TESTS	ARRAY_SIZE(iocases)

int main(void)
{
	unsigned int i, planned = 0;

	for (i = 0; i < NCASES; i++)
		if (cases[i].ret)
			planned += 1;	/* rejected */
		else
			planned += 4;	/* decoded, trailing, truncated, prefix */
	planned += 15 + 9;
	planned += PREFIX_TESTS + OP_LEN_TESTS + MOV_CR_TESTS + MOV_DR_TESTS +
		   STRING_IO_TESTS;
	tap_plan(planned);
	for (i = 0; i < NCASES; i++)
		case_run(&cases[i]);
	result_tests();
	mode_tests();
	prefix_tests();
	op_len_tests();
	mov_cr_tests();
	mov_dr_tests();
	string_io_tests();
	return tap_finish();
}
