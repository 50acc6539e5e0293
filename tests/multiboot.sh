#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# multiboot.sh - boots the multiboot v1 test kernel (tests/multiboot/,
# /minivmm/tests/mbtest.elf in the beds) under minivmm with a command line
# and a module, and checks what it reports over COM1.  Prints TAP.
#
# Environment: MINIVMM_ROOT (/minivmm), VMM, MBTEST (the kernel).
root=${MINIVMM_ROOT:-/minivmm}
vmm=${VMM:-$root/vmm/minivmm}
mbtest=${MBTEST:-$root/tests/mbtest.elf}
mem_mb=64
tmp=$(mktemp -d)
n=0
fail=0

result()	# STATUS DESC
{
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=1
	fi
}

echo "MBTEST-MODULE-42 $(date +%s)" > "$tmp/module.txt"
echo "# $vmm --kernel $mbtest --initrd $tmp/module.txt --cmdline \"hello mb\" --mem ${mem_mb}M"
timeout 60 "$vmm" --kernel "$mbtest" --initrd "$tmp/module.txt" \
	--cmdline "hello mb" --mem "${mem_mb}M" < /dev/null \
	> "$tmp/out.raw" 2> "$tmp/err"
rc=$?
tr -d '\r' < "$tmp/out.raw" > "$tmp/out"
sed 's/^/# out: /' "$tmp/out"
sed 's/^/# err: /' "$tmp/err"

[ $rc = 0 ]
result $? "minivmm exits with status 0 after the kernel's exit-port write (got $rc)"
grep -q '^multiboot ok magic=0x2badb002 ' "$tmp/out"
result $? "the kernel starts with EAX = 0x2badb002 and an info pointer"

# mem_upper: KiB of RAM from 1 MiB up to the first hole; whatever the VMM
# keeps at the top of RAM for itself (ACPI tables...) may be missing.
mem=$(grep -o '^mem_lower=[0-9]* KiB mem_upper=[0-9]* KiB' "$tmp/out")
lower=$(echo "$mem" | sed -n 's/^mem_lower=\([0-9]*\) .*/\1/p')
upper=$(echo "$mem" | sed -n 's/.*mem_upper=\([0-9]*\) KiB/\1/p')
want=$(((mem_mb - 1) * 1024))
[ -n "$lower" ] && [ -n "$upper" ] && [ "$lower" -gt 0 ] &&
	[ "$lower" -le 640 ] && [ "$upper" -le $want ] &&
	[ "$upper" -ge $((want - 16384)) ]
result $? "memory info: mem_lower=${lower:-?} KiB (1..640), mem_upper=${upper:-?} KiB (up to $want)"

grep -q '^cmdline=\(.* \)\{0,1\}hello mb$' "$tmp/out"
result $? "the command line reaches the kernel ('hello mb')"

# A usable entry that covers 1 MiB, where the kernel itself lies.
grep '^mmap ' "$tmp/out" | while read -r _ b l t; do
	b=${b#base=}
	l=${l#len=}
	t=${t#type=}
	[ "$t" = 1 ] && [ $((b)) -le 1048576 ] &&
		[ $((b + l)) -gt $((1048576 + 65536)) ] && echo found
done | grep -q found
result $? "memory map: a usable (type 1) range covers the kernel at 1 MiB"

# The header asks for page-aligned modules (flag 0).
grep -q '^mods=1$' "$tmp/out" &&
	grep -q '^mod 0 start=0x[0-9a-f]*000 end=0x[0-9a-f]* .*head=MBTEST-MODULE-42' "$tmp/out"
result $? "the --initrd file is module 0, page-aligned, with its contents in place"

grep -q '^multiboot end$' "$tmp/out"
result $? "the kernel got to its end"

rm -rf "$tmp"
echo "1..$n"
exit $fail
