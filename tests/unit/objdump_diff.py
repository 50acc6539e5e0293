#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Differential test of the MMIO decoder against GNU objdump.

Generates random encodings around the opcodes the decoder knows (random
prefixes, REX, ModRM/SIB/displacement/immediate bytes) in 16-, 32- and
64-bit code, decodes them with decode_print and with objdump, and reports
every disagreement on length, memory size, direction, register (including
AH..BH), immediate, destination size and zero/sign extension, and every
instruction objdump calls a memory MOV that the decoder refuses without a
reason (LOCK/REP/REPNE, register operand, segment-register MOV).

usage: objdump_diff.py DECODE_PRINT [SEED [SAMPLES-PER-MODE]]
Exit status 1 on any disagreement.
"""
import random
import re
import subprocess
import sys

PREFIXES = [0x66, 0x67, 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65, 0xf3, 0xf2, 0xf0]
OPCODES = [[0x88], [0x89], [0x8a], [0x8b], [0xc6], [0xc7], [0xa0], [0xa1],
           [0xa2], [0xa3], [0x0f, 0xb6], [0x0f, 0xb7], [0x0f, 0xbe],
           [0x0f, 0xbf]]
ARCH = {16: "i8086", 32: "i386", 64: "i386:x86-64"}
PTR = {"BYTE": 1, "WORD": 2, "DWORD": 4, "QWORD": 8}
PREFIX_WORD = re.compile(r"^(data16|data32|addr16|addr32|rex(\.[WRXB]+)?|"
                         r"[c-gs]s|xrelease|xacquire|lock|repz|repnz|rep|"
                         r"repe|repne|bnd|notrack)$")
SLOT = 32		# bytes per sample in the objdump blob; NOPs pad it

REGS = {}
for size, names in ((8, "rax rcx rdx rbx rsp rbp rsi rdi"),
                    (4, "eax ecx edx ebx esp ebp esi edi"),
                    (2, "ax cx dx bx sp bp si di"),
                    (1, "al cl dl bl spl bpl sil dil")):
    for i, name in enumerate(names.split()):
        REGS[name] = (size, i, 0)
for i in range(8, 16):
    for size, suffix in ((8, ""), (4, "d"), (2, "w"), (1, "b")):
        REGS["r%d%s" % (i, suffix)] = (size, i, 0)
for i, name in enumerate("ah ch dh bh".split()):
    REGS[name] = (1, i, 1)


def sample(rng, mode):
    b = []
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3, 5])):
        p = rng.choice(PREFIXES)
        if p in (0xf3, 0xf2, 0xf0) and rng.random() < 0.7:
            p = 0x66
        b.append(p)
    if mode == 64 and rng.random() < 0.6:
        b.append(0x40 | rng.randrange(16))
    if rng.random() < 0.03:
        # Any opcode but a prefix: objdump ends an instruction at a REX
        # followed by a legacy prefix (the CPU ignores that REX and keeps
        # the prefixes), so it cannot judge those; decode_test does.
        b.append(rng.choice([x for x in range(256) if x not in PREFIXES
                             and x >> 4 != 4]))
    else:
        b += rng.choice(OPCODES)
    modrm = rng.randrange(256)
    if rng.random() < 0.85 and modrm >> 6 == 3:
        modrm &= 0x7f
    b.append(modrm)
    b += [rng.randrange(256) for _ in range(15)]
    return b[:15]


def objdump(mode, samples):
    blob = b"".join(bytes(s) + b"\x90" * (SLOT - len(s)) for s in samples)
    with open("objdump_diff.bin", "wb") as f:
        f.write(blob)
    out = subprocess.run(["objdump", "-D", "-b", "binary", "-m", ARCH[mode],
                          "-M", "intel", "--insn-width=16",
                          "objdump_diff.bin"],
                         capture_output=True, text=True, check=True).stdout
    insns = {}
    for line in out.split("\n"):
        m = re.match(r"\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*(?:\t(.*))?$", line)
        if m:
            text = (m.group(3) or "").split("#")[0].strip()
            insns[int(m.group(1), 16)] = (len(m.group(2).split()), text)
    return insns


def first_insn(insns, off):
    """Length and words of the instruction at off, prefix lines merged."""
    length, words = 0, []
    while True:
        n, text = insns[off + length]
        length += n
        ws = text.split()
        words += ws
        if not (ws and all(PREFIX_WORD.match(w) for w in ws) and
                off + length in insns):
            return length, words


def compare(ours, length, words):
    ret, olen, size, write, reg, high8, has_imm, imm, dst, ext = ours.split()
    ret, olen, size, write = int(ret), int(olen), int(size), int(write)
    reg, high8, imm = int(reg), int(high8), int(imm, 16)
    prefixes = []
    while words and PREFIX_WORD.match(words[0]):
        prefixes.append(words.pop(0))
    body = " ".join(words)
    m = re.match(r"(mov|movzx|movsx|movabs)\s+(.*)", body)
    if ret:
        if ret in (-61, -7):		# -ENODATA, -E2BIG
            return None
        if (not m or set(prefixes) & {"lock", "repnz", "repz", "rep"} or
                not re.search(r"PTR|ds:0x|:0x", body) or
                re.search(r",[c-gs]s$|^[c-gs]s,|\?", m.group(2))):
            return None
        return "refused (%d) %r" % (ret, body)
    if olen != length:
        return "length %d, objdump %d" % (olen, length)
    if (not m or set(prefixes) & {"lock", "repnz", "xacquire"} or
            (set(prefixes) & {"repz", "rep"} and "xrelease" not in prefixes)):
        return "objdump: %r" % " ".join(prefixes + [body])
    ops = [x.strip() for x in re.split(r",(?![^\[]*\])", m.group(2))]
    memi = 0 if ("PTR" in ops[0] or ":" in ops[0]) else 1
    mem, other = ops[memi], ops[1 - memi]
    pm = re.match(r"(BYTE|WORD|DWORD|QWORD) PTR", mem)
    msize = PTR[pm.group(1)] if pm else REGS.get(other, (-1,))[0]
    if msize != size:
        return "size %d: %r" % (size, body)
    if (memi == 0) != bool(write):
        return "direction %d: %r" % (write, body)
    if int(has_imm):
        if int(other, 0) & ((1 << (8 * size)) - 1) != imm:
            return "imm %#x: %r" % (imm, body)
        return None
    if other not in REGS:
        return "register: %r" % body
    rsize, rnum, rhigh = REGS[other]
    if (rnum, rhigh) != (reg, high8):
        return "register %d/%d: %r" % (reg, high8, body)
    if not write and rsize != int(dst):
        return "dst_size %s: %r" % (dst, body)
    if not write and (m.group(1) == "movsx") != (int(ext) == 1):
        return "extension %s: %r" % (ext, body)
    return None


def main():
    prog = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    rng = random.Random(seed)
    bad = accepted = total = 0
    for mode in (16, 32, 64):
        samples = [sample(rng, mode) for _ in range(count)]
        insns = objdump(mode, samples)
        text = "".join("%d %s\n" % (mode, " ".join("%02x" % x for x in s))
                       for s in samples)
        ours = subprocess.run([prog], input=text, capture_output=True,
                              text=True, check=True).stdout.split("\n")
        for k, s in enumerate(samples):
            total += 1
            accepted += ours[k].startswith("0 ")
            length, words = first_insn(insns, k * SLOT)
            why = compare(ours[k], length, words)
            if why:
                bad += 1
                print("# %d-bit %s: %s" %
                      (mode, " ".join("%02x" % x for x in s), why))
    print("%s 1 - decoder vs objdump: %d encodings, %d decoded, "
          "%d disagreements" % ("not ok" if bad else "ok", total, accepted,
                                bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
