#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - runs the parts of "make check" and counts every result.
#
# usage: check.sh PART...     (run from the top of the tree, by make)
#   host   builds and host checks: VMM and tests build, header ABI, unit
#          tests, VMM tests, fuzzing, module build against 6.1 and 6.12
#          with W=1, the speculation steps in their entry code
#          (tests/spec_entry_check.py), checkpatch --strict, sparse
#   qemu   the AMD-V bed (QEMU TCG) runs tests/bed-tests.txt
#   qemu-slowtsc  the same bed with a 500 MHz TSC runs the list's
#          qemu-slowtsc lines (TSC-to-time conversions below 1 GHz)
#   bochs  the VT-x bed (Bochs) runs tests/bed-tests.txt
#   bochs-smp  a 2-CPU Bochs bed runs the list's bochs-smp lines (the
#          tests that need two host CPUs; the QEMU bed has one)
#   bench  both beds run the benchmarks (not counted as tests)
#
# Each step's output goes to $BUILD/check/STEP.log; tests/beds/report.sh
# counts it.  The last line is always "N passed, N failed, N skipped"; the
# exit status is 1 if anything failed.
set -uo pipefail

BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
here=tests/beds
out=$BUILD/check
mkdir -p "$out"
rm -f "$out"/*.counts
t0=$(date +%s)
done_steps=" "

# step NAME MAKE-TARGET...: runs make, counts its TAP or its exit status.
step()
{
	local name=$1 start rc
	shift
	case $done_steps in *" $name "*) return 0 ;; esac
	done_steps="$done_steps$name "
	start=$(date +%s)
	echo "=== $name: make $* ($(date -u +%H:%M:%S))"
	$MAKE --no-print-directory -s "$@" BUILD="$BUILD" \
		> "$out/$name.log" 2>&1 < /dev/null
	rc=$?
	if ! "$here/report.sh" tap "$name" "$out/$name.log" $rc \
		"$out/$name.counts"; then
		echo "--- last lines of $out/$name.log:"
		tail -n 40 "$out/$name.log" | sed 's/^/    /'
	fi
	echo "    ($(( $(date +%s) - start )) s)"
	return $rc
}

# The module for the beds, the VMM and the tests: counted once per run.
build_for_beds()
{
	step build-vmm vmm
	step build-tests tests
	step kmod-6.1-W1 check-kmod-6.1
	step initramfs initramfs
}

# bed NAME MODE
bed()
{
	local name=$1 mode=$2 start list=tests/bed-tests.txt
	start=$(date +%s)
	echo "=== $name bed ($mode, $(date -u +%H:%M:%S))"
	[ "$mode" = bench ] && list=$BUILD/beds/bench-list.txt
	$MAKE --no-print-directory -s "bed-$name" BED_MODE="$mode" \
		BUILD="$BUILD" < /dev/null 2>&1 | sed 's/^/    /'
	local log=$BUILD/beds/$name-$mode.log
	if [ "$mode" = bench ]; then
		grep -E '^\[|^MINIVMM-(RESULT|CHECK)' "$log"
		grep -q "^MINIVMM-BED-END $(cat "$log.token")" "$log" ||
			echo "$name bed: no end marker; see $log"
	else
		"$here/report.sh" bed "$name" "$log" "$list" "$out/bed-$name.counts"
	fi
	echo "    ($(( $(date +%s) - start )) s; the console log is $log)"
}

bed_pids='' bed_parts=''
for part in "$@"; do
	case $part in
	host)
		step build-vmm vmm
		step build-tests tests
		step header check-header
		step unit check-unit
		step vmm-check check-vmm
		step fuzz check-fuzz
		step kmod-6.1-W1 check-kmod-6.1
		step kmod-6.12-W1 check-kmod-6.12
		step spec-entry check-spec-entry
		step checkpatch check-checkpatch
		step sparse check-sparse
		;;
	qemu | qemu-slowtsc | bochs | bochs-smp)
		# Each bed is one emulator thread (tests/beds/README.md):
		# they run side by side and report in order at the end.
		build_for_beds
		echo "=== $part bed: started ($(date -u +%H:%M:%S)), reports at the end"
		bed "$part" check > "$out/bed-$part.out" 2>&1 &
		bed_pids="$bed_pids $!"
		bed_parts="$bed_parts $part"
		;;
	bench)
		step build-bench bench-build
		build_for_beds
		if [ ! -s "$BUILD/beds/bench-list.txt" ]; then
			echo "bench: no bench/bench-list.txt and no bench/build/exit_bench: nothing to run"
			exit 1
		fi
		bed qemu bench
		bed bochs bench
		;;
	*)
		echo "check.sh: unknown part $part" >&2
		exit 2
		;;
	esac
done

for pid in $bed_pids; do
	wait "$pid"
done
for part in $bed_parts; do
	cat "$out/bed-$part.out"
done
echo "=== total time $(( $(date +%s) - t0 )) s"
cat "$out"/*.counts 2> /dev/null | awk '
	{ p += $1; f += $2; s += $3 }
	END { printf "%d passed, %d failed, %d skipped\n", p, f, s; exit f > 0 }'
