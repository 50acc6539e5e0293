#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check the built module's VM entry paths for their speculation steps.

usage: spec_entry_check.py KDIR MODULE.ko

Reads the module's ELF file (the code, its alternatives and their
relocations) and the feature numbers of the kernel it was built for
(KDIR/.../asm/cpufeatures.h), and checks in vmx_enter and mvm_svm_vmrun:

- a VERW of x86_verw_sel before VMLAUNCH/VMRESUME/VMRUN, behind an
  alternative on the kernel's buffer-clearing feature;
- SPEC_CTRL written before the entry and after the exit (two WRMSR of
  ECX=0x48), the second before the first RET, with an LFENCE behind
  X86_FEATURE_MSR_SPEC_CTRL;
- the RSB refill (an alternative on X86_FEATURE_RSB_VMEXIT whose
  replacement is the call loop) after the exit, before the first RET;
- VT-x: branch-history clearing (clear_bhb_loop on
  X86_FEATURE_CLEAR_BHB_LOOP_ON_VMEXIT) after the exit;
- AMD-V: return untraining (entry_untrain_ret on X86_FEATURE_UNRET,
  srso_alias_untrain_ret on X86_FEATURE_SRSO_ALIAS) and the IBPB on exit
  (entry_ibpb) after the exit, before the first RET.

Prints TAP; exits 1 on any failure.
"""
import glob
import re
import struct
import subprocess
import sys


def die(msg):
    print("Bail out! " + msg)
    sys.exit(1)


class Elf:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = f.read()
        d = self.data
        if d[:4] != b"\x7fELF" or d[4] != 2:
            die(path + ": not a 64-bit ELF file")
        shoff, = struct.unpack_from("<Q", d, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3a)
        self.sections = []
        for i in range(shnum):
            f = struct.unpack_from("<IIQQQQIIQQ", d, shoff + i * shentsize)
            self.sections.append({"name_off": f[0], "type": f[1],
                                  "offset": f[4], "size": f[5],
                                  "link": f[6], "info": f[7],
                                  "entsize": f[9]})
        strtab = self.sections[shstrndx]
        for s in self.sections:
            s["name"] = self.cstr(strtab["offset"] + s["name_off"])
        self.symbols = []
        for s in self.sections:
            if s["type"] != 2:          # SHT_SYMTAB
                continue
            names = self.sections[s["link"]]
            for off in range(s["offset"], s["offset"] + s["size"], 24):
                name, info, other, shndx, value, size = \
                    struct.unpack_from("<IBBHQQ", d, off)
                self.symbols.append({
                    "name": self.cstr(names["offset"] + name),
                    "shndx": shndx, "value": value, "size": size,
                    "type": info & 0xf})

    def cstr(self, off):
        return self.data[off:self.data.index(b"\0", off)].decode()

    def section(self, name):
        for i, s in enumerate(self.sections):
            if s["name"] == name:
                return i, s
        die("no section " + name)

    def bytes(self, name, off, size):
        _, s = self.section(name)
        return self.data[s["offset"] + off:s["offset"] + off + size]

    def relocs(self, name):
        """(offset, target section name or symbol name, addend) list."""
        idx, _ = self.section(name)
        out = []
        for s in self.sections:
            if s["type"] != 4 or s["info"] != idx:      # SHT_RELA
                continue
            for off in range(s["offset"], s["offset"] + s["size"], 24):
                r_off, r_info, r_add = struct.unpack_from("<QQq",
                                                          self.data, off)
                sym = self.symbols[r_info >> 32]
                if sym["type"] == 3:                    # STT_SECTION
                    tgt = self.sections[sym["shndx"]]["name"]
                    r_add += sym["value"]
                else:
                    tgt = sym["name"]
                out.append((r_off, tgt, r_add))
        return sorted(out)

    def function(self, name):
        """(start, stop, section name) of function @name, or None."""
        for s in self.symbols:
            if s["name"] == name and s["type"] == 2:    # STT_FUNC
                return (s["value"], s["value"] + s["size"],
                        self.sections[s["shndx"]]["name"])
        return None


def features(kdir):
    """X86_FEATURE_* name -> number from the kernel's cpufeatures.h."""
    paths = glob.glob(kdir + "/arch/x86/include/asm/cpufeatures.h")
    paths += glob.glob(kdir + "/../linux-headers-*-common/"
                       "arch/x86/include/asm/cpufeatures.h")
    build = re.search(r"linux-headers-([0-9.]+)", kdir)
    want = [p for p in paths if build and build.group(1) in p] or paths
    if not want:
        die("no cpufeatures.h under " + kdir)
    feats = {}
    pat = re.compile(r"#define\s+X86_FEATURE_(\w+)\s+\(\s*(\d+)\s*\*\s*32"
                     r"\s*\+\s*(\d+)\s*\)")
    with open(want[0]) as f:
        for line in f:
            m = pat.match(line)
            if m:
                feats[m.group(1)] = int(m.group(2)) * 32 + int(m.group(3))
    return feats


def alternatives(elf):
    """Alternative entries: dict(site, feature, repl_off, repl_len)."""
    _, sec = elf.section(".altinstructions")
    rel = elf.relocs(".altinstructions")
    n = len(rel) // 2
    if not n:
        return []
    entsize = sec["size"] // n
    if entsize not in (12, 14):
        die("struct alt_instr of %d bytes: unknown layout" % entsize)
    data = elf.bytes(".altinstructions", 0, sec["size"])
    by_off = {r[0]: r for r in rel}
    out = []
    for i in range(n):
        base = i * entsize
        site, repl = by_off.get(base), by_off.get(base + 4)
        if not site or not repl:
            die("alternative %d without its relocations" % i)
        if entsize == 12:
            feat, = struct.unpack_from("<H", data, base + 8)
            rlen = data[base + 11]
        else:
            feat, = struct.unpack_from("<I", data, base + 8)
            rlen = data[base + 13]
        # R_X86_64_PC32 fields hold target - field: the target is S + A.
        out.append({"sect": site[1], "site": site[2],
                    "feature": feat & 0xffff,
                    "repl": repl[2], "repl_len": rlen})
    return out


def disasm(path, section, start, stop):
    """[(address, text)] with relocation targets appended to the text."""
    out = subprocess.run(
        ["objdump", "-dr", "--no-show-raw-insn", "-j", section,
         "--start-address=%d" % start, "--stop-address=%d" % stop, path],
        check=True, capture_output=True, text=True).stdout
    insns = []
    for line in out.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\s+(.*)", line)
        if m and "R_X86_64" not in line:
            insns.append([int(m.group(1), 16), m.group(2).strip()])
        elif "R_X86_64" in line and insns:
            insns[-1][1] += " <" + line.split()[-1] + ">"
    return insns


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what):
        self.n += 1
        if not cond:
            self.failed += 1
        print("%sok %d %s" % ("" if cond else "not ", self.n, what))


def first(insns, pred, after=-1):
    for addr, text in insns:
        if addr > after and pred(text):
            return addr
    return None


def check_function(tap, path, elf, alts, feats, fn, entry_ops, extra):
    rng = elf.function(fn)
    tap.ok(rng is not None, "%s: %s is in the module" % (path, fn))
    if rng is None:
        return
    start, stop, text = rng
    insns = disasm(path, text, start, stop)
    mine = [a for a in alts if a["sect"] == text and
            start <= a["site"] < stop]

    def repl_text(a):
        return " ; ".join(t for _, t in disasm(
            path, ".altinstr_replacement", a["repl"],
            a["repl"] + a["repl_len"]))

    def alt(feature, pred=lambda t: True):
        num = feats.get(feature)
        for a in mine:
            if a["feature"] == num and pred(repl_text(a)):
                return a
        return None

    entry = first(insns, lambda t: t.split()[0] in entry_ops)
    ret = first(insns, lambda t: t.startswith("ret") or
                "__x86_return_thunk" in t, entry or 0)
    tap.ok(entry is not None and ret is not None,
           "%s: the entry instruction and a RET after it" % fn)
    if entry is None or ret is None:
        return
    verw = first(insns, lambda t: t.startswith("verw") and
                 "x86_verw_sel" in t)
    tap.ok(verw is not None and verw < entry,
           "%s: VERW x86_verw_sel before %s" % (fn, "/".join(entry_ops)))
    gate = [a for a in mine if verw is not None and a["site"] < verw and
            a["feature"] in (feats["CLEAR_CPU_BUF"],
                             feats["CLEAR_CPU_BUF_VM"])]
    tap.ok(len(gate) >= 1,
           "%s: the VERW is gated on CLEAR_CPU_BUF/CLEAR_CPU_BUF_VM" % fn)
    wrmsr = [a for a, t in insns if t.startswith("wrmsr")]
    tap.ok(any(a < entry for a in wrmsr) and
           any(entry < a < ret for a in wrmsr),
           "%s: WRMSR (SPEC_CTRL) before the entry and after the exit, "
           "before the first RET" % fn)
    tap.ok(all(any(a < w and "$0x48,%ecx" in t for a, t in insns
                   if w - 32 < a) for w in wrmsr),
           "%s: each WRMSR writes MSR 0x48 (SPEC_CTRL)" % fn)
    lf = alt("MSR_SPEC_CTRL", lambda t: "lfence" in t)
    tap.ok(lf is not None and entry < lf["site"] < ret,
           "%s: LFENCE after the host's SPEC_CTRL (MSR_SPEC_CTRL)" % fn)
    rsb = alt("RSB_VMEXIT", lambda t: "call" in t)
    tap.ok(rsb is not None and entry < rsb["site"] < ret,
           "%s: RSB refill (RSB_VMEXIT) after the exit, before the "
           "first RET" % fn)
    for feature, callee in extra:
        a = alt(feature, lambda t, c=callee: c in t)
        tap.ok(a is not None and entry < a["site"] < ret,
               "%s: call %s (%s) after the exit, before the first RET" %
               (fn, callee, feature))


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    kdir, path = sys.argv[1:]
    feats = features(kdir)
    for need in ("CLEAR_CPU_BUF", "CLEAR_CPU_BUF_VM", "RSB_VMEXIT",
                 "MSR_SPEC_CTRL", "CLEAR_BHB_LOOP_ON_VMEXIT", "UNRET",
                 "SRSO_ALIAS", "IBPB_ON_VMEXIT"):
        if need not in feats:
            die("X86_FEATURE_%s not in the kernel headers" % need)
    elf = Elf(path)
    alts = alternatives(elf)
    tap = Tap()
    print("TAP version 13")
    check_function(tap, path, elf, alts, feats, "vmx_enter",
                   ("vmlaunch", "vmresume"),
                   [("CLEAR_BHB_LOOP_ON_VMEXIT", "clear_bhb_loop")])
    check_function(tap, path, elf, alts, feats, "mvm_svm_vmrun",
                   ("vmrun",),
                   [("UNRET", "entry_untrain_ret"),
                    ("SRSO_ALIAS", "srso_alias_untrain_ret"),
                    ("IBPB_ON_VMEXIT", "entry_ibpb")])
    print("1..%d" % tap.n)
    print("%d passed, %d failed" % (tap.n - tap.failed, tap.failed))
    sys.exit(1 if tap.failed else 0)


if __name__ == "__main__":
    main()
