#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run-bed.sh - runs the exit benchmark inside a bed (busybox sh, as root):
# through /dev/minivmm, then, in the same boot, through /dev/kvm, and prints
# ns per exit for both and the ratio minivmm/KVM.
#
# Environment (all optional):
#   MINIVMM_BED     qemu or bochs: picks the default counts
#   MINIVMM_KO      the module (default /minivmm/minivmm.ko)
#   EXIT_BENCH      the binary (default: exit_bench next to this script,
#                   else /minivmm/bench/exit_bench)
#   BENCH_ITERS     timed exits per round (default 3000 qemu, 2000 bochs)
#   BENCH_ROUNDS    rounds per phase (default 10 qemu, 3 bochs)
#   BENCH_WARMUP    warm-up exits per phase (default iters/6)
#   BENCH_PASSES    minivmm-then-KVM passes (default 2 qemu, 1 bochs)
#   BENCH_KMOD_DIR  where irqbypass.ko, ccp.ko, kvm.ko, kvm-amd.ko and
#                   kvm-intel.ko are when modprobe cannot find them
#                   (default /minivmm/bench/kmod)
#   BENCH_STRICT    1: exit 1 when a ratio is above 1.0
#
# Each figure is the best round of all passes: the beds share a loaded host
# and interference only ever adds time, so the lowest round is the one
# closest to what the hypervisor costs.  Alternating the backends over
# several passes spreads slow periods of the host over both.
#
# minivmm and kvm both want VMX/SVM, so they never coexist: minivmm is
# unloaded before kvm is loaded, and reloaded (if it was loaded, or if
# MINIVMM_KO exists) once kvm is gone, as the bed protocol wants.
#
# Output: exit_bench's lines, "# bench: ..." notes, then the table:
#   bench: phase  minivmm_ns/exit  kvm_ns/exit  minivmm/kvm
#   bench: cpuid  <ns> <ns> <ratio> ok|SLOWER
# Exit status: 0 when both backends produced figures (and, with
# BENCH_STRICT=1, every ratio is at most 1.0), 1 otherwise.

here=$(dirname "$0")
bed=${MINIVMM_BED:-qemu}
ko=${MINIVMM_KO:-/minivmm/minivmm.ko}
kmod_dir=${BENCH_KMOD_DIR:-/minivmm/bench/kmod}
bench=${EXIT_BENCH:-}
if [ -z "$bench" ]; then
	bench=$here/exit_bench
	[ -x "$bench" ] || bench=/minivmm/bench/exit_bench
fi
if [ "$bed" = bochs ]; then
	iters=${BENCH_ITERS:-2000}
	rounds=${BENCH_ROUNDS:-3}
	passes=${BENCH_PASSES:-1}
else
	iters=${BENCH_ITERS:-3000}
	rounds=${BENCH_ROUNDS:-10}
	passes=${BENCH_PASSES:-2}
fi
warmup=${BENCH_WARMUP:-$((iters / 6))}
out=/tmp/exit_bench.$$
status=0

say() {
	echo "# bench: $*"
}

module_loaded() {
	grep -q "^$1 " /proc/modules
}

# A misc device node, for initramfs setups without devtmpfs.
ensure_node() {
	dev=/dev/$1
	[ -c "$dev" ] && return 0
	[ -r "/sys/class/misc/$1/dev" ] || return 1
	numbers=$(cat "/sys/class/misc/$1/dev")
	mknod "$dev" c "${numbers%%:*}" "${numbers##*:}"
}

# Loads kvm and the vendor module; prints the names to unload, last first.
kvm_load() {
	vendor_mod=$1
	if modprobe "$vendor_mod" 2> /dev/null; then
		echo "$vendor_mod kvm ccp irqbypass"
		return 0
	fi
	mods="irqbypass"
	[ "$vendor_mod" = kvm_amd ] && mods="$mods ccp"
	mods="$mods kvm $vendor_mod"
	loaded=""
	for m in $mods; do
		file=$kmod_dir/$(echo "$m" | tr _ -).ko
		module_loaded "$m" && continue
		if ! insmod "$file" >&2; then
			say "insmod $file failed" >&2
			echo "$loaded"
			return 1
		fi
		loaded="$m $loaded"
	done
	echo "$loaded"
}

kvm_unload() {
	for m in $1; do
		module_loaded "$m" || continue
		rmmod "$m" || say "rmmod $m failed"
	done
}

# bench_run DEV NAME: runs exit_bench on DEV and appends "<phase> <ns>"
# lines to $out.NAME.
bench_run() {
	say "$bench --dev $1 --iters $iters --rounds $rounds --warmup $warmup"
	if ! "$bench" --dev "$1" --iters "$iters" --rounds "$rounds" \
		--warmup "$warmup" > "$out.raw"; then
		cat "$out.raw"
		say "$2 run failed"
		return 1
	fi
	cat "$out.raw"
	awk '$4 == "ns/exit" { print $2, $3 }' "$out.raw" >> "$out.$2"
}

minivmm_pass() {
	if ! module_loaded minivmm && [ -r "$ko" ]; then
		insmod "$ko" || say "insmod $ko failed"
	fi
	if module_loaded minivmm && ensure_node minivmm; then
		bench_run /dev/minivmm minivmm || status=1
	else
		say "minivmm not loaded: no minivmm figures"
		status=1
	fi
	if module_loaded minivmm && ! rmmod minivmm; then
		say "rmmod minivmm failed: cannot load kvm"
		return 1
	fi
	return 0
}

kvm_pass() {
	kvm_mods=$(kvm_load "$vendor_mod")
	if [ $? = 0 ] && ensure_node kvm; then
		bench_run /dev/kvm kvm || status=1
	else
		say "kvm not available: no KVM figures"
		status=1
	fi
	kvm_unload "$kvm_mods"
}

# figure NAME PHASE: the best figure of NAME for PHASE over all passes.
figure() {
	[ -r "$out.$1" ] && awk -v p="$2" '$1 == p && (m == "" || $2 < m) {
		m = $2 } END { if (m != "") print m }' "$out.$1"
}

case $(grep -m1 '^vendor_id' /proc/cpuinfo) in
*AuthenticAMD*) vendor_mod=kvm_amd ;;
*GenuineIntel*) vendor_mod=kvm_intel ;;
*) vendor_mod=unknown ;;
esac
say "bed $bed, $vendor_mod, $passes pass(es) of $rounds x $iters exits" \
	"per phase"

had_minivmm=0
module_loaded minivmm && had_minivmm=1
rm -f "$out".*
pass=1
while [ $pass -le "$passes" ]; do
	say "pass $pass"
	if ! minivmm_pass; then
		status=1
		break
	fi
	if [ "$vendor_mod" = unknown ]; then
		say "neither AMD nor Intel: no KVM figures"
		status=1
	else
		kvm_pass
	fi
	pass=$((pass + 1))
done

# Back to the state the bed protocol expects.
if { [ $had_minivmm = 1 ] || [ -r "$ko" ]; } && ! module_loaded minivmm; then
	insmod "$ko" || { say "re-insmod $ko failed"; status=1; }
fi

echo "bench: phase  minivmm_ns/exit  kvm_ns/exit  minivmm/kvm"
for phase in cpuid pio mmio; do
	m=$(figure minivmm $phase)
	k=$(figure kvm $phase)
	line=$(awk -v p="$phase" -v m="$m" -v k="$k" 'BEGIN {
		r = "n/a"; verdict = "";
		if (m != "" && k != "" && k > 0) {
			r = sprintf("%.3f", m / k);
			verdict = (m / k <= 1.0) ? "ok" : "SLOWER";
		}
		printf "bench: %-6s %15s %12s %12s %s\n", p,
		       m == "" ? "n/a" : m, k == "" ? "n/a" : k, r, verdict;
	}')
	echo "$line"
	case $line in
	*SLOWER*) [ "${BENCH_STRICT:-0}" = 1 ] && status=1 ;;
	esac
done
rm -f "$out".*
exit $status
