#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# boot_bench.sh - the boot-time benchmark, inside a bed (busybox sh, root,
# minivmm.ko loaded or at $MINIVMM_KO): minivmm boots the bed's own Debian
# kernel (/minivmm/linux/vmlinuz) with the test initramfs of tests/linux/,
# whose /init writes the boot-timer port (vmm/boot_timer.h) first thing
# and then powers off at once (mvchecks=0).  Per boot it takes:
#   first-insn  minivmm start -> the first MINIVMM_RUN      (minivmm's stderr)
#   init        minivmm start -> the guest's /init           (minivmm's stderr)
#   total       minivmm start -> minivmm exit after poweroff (the bed's clock)
# and prints the best of the runs (a loaded host only ever adds time) and
# their median.  The kernel runs with "quiet": every console byte is a VM
# exit, and the figure wanted is the boot, not the UART.
#
# The only verdict is against figures of the same run: the QEMU bed boots
# the same kernel and initramfs through /dev/kvm as well, side by side in
# the same bed boot (BOOT_KVM, 1 there), with bench/kvm_boot.c (a minimal
# KVM launcher: 64-bit entry, KVM's irqchip and PIT, no ACPI), minivmm
# unloaded meanwhile, and "init" is compared with its figure (target: at
# most 0.9x KVM's).  Off in Bochs (BOOT_KVM=0): a KVM boot there costs
# minutes of wall time.  Without KVM figures the times are printed as
# they are, with no verdict: a figure from another machine or another
# boot of the bed says nothing about this one.
#
# With BOOT_ELF=1 (the default in QEMU) the same kernel is then booted
# from its uncompressed ELF vmlinux as well (bench/Makefile takes it out
# of the bzImage: vmlinux.gz next to this script), as Firecracker boots
# kernels: the bzImage's own XZ decompression, about half of the guest's
# instructions before /init in the QEMU bed, does not happen.  Its figures
# are reported apart ("boot-elf"); unpacking vmlinux.gz is not timed.
#
# Environment: MINIVMM_BED, MINIVMM_ROOT, MINIVMM_KO, VMM, LINUX_KERNEL,
# LINUX_ROOTFS, BOOT_RUNS (3 qemu, 1 bochs), BOOT_CPUS (1), BOOT_MEM
# (256M qemu, 128M bochs), BOOT_TIMEOUT (seconds per boot), BOOT_KVM
# (1 qemu, 0 bochs), KVM_BOOT (the launcher; default next to this script),
# BOOT_ELF (1 qemu, 0 bochs), LINUX_VMLINUX_GZ (default next to this
# script).
# Output: "bench: ..." lines; exit status 0 when every boot reached /init
# and powered off with status 0.
root=${MINIVMM_ROOT:-/minivmm}
vmm=${VMM:-$root/vmm/minivmm}
ko=${MINIVMM_KO:-$root/minivmm.ko}
kernel=${LINUX_KERNEL:-$root/linux/vmlinuz}
rootfs=${LINUX_ROOTFS:-$root/linux/rootfs.cpio}
bed=${MINIVMM_BED:-qemu}
cpus=${BOOT_CPUS:-1}
if [ "$bed" = bochs ]; then
	runs=${BOOT_RUNS:-1}
	mem=${BOOT_MEM:-128M}
	limit=${BOOT_TIMEOUT:-600}
	with_kvm=${BOOT_KVM:-0}
	with_elf=${BOOT_ELF:-0}
else
	runs=${BOOT_RUNS:-3}
	mem=${BOOT_MEM:-256M}
	limit=${BOOT_TIMEOUT:-240}
	with_kvm=${BOOT_KVM:-1}
	with_elf=${BOOT_ELF:-1}
fi
kvm_boot=${KVM_BOOT:-$(dirname "$0")/kvm_boot}
vmlinux_gz=${LINUX_VMLINUX_GZ:-$(dirname "$0")/vmlinux.gz}
# The target ratio of minivmm's "init" to KVM's in the same run.
target=0.9
tmp=$(mktemp -d)
status=0

say()
{
	echo "# bench: $*"
}

grep -q '^minivmm ' /proc/modules || insmod "$ko" ||
	{ say "cannot load $ko"; exit 1; }
for f in "$vmm" "$kernel" "$rootfs"; do
	[ -r "$f" ] || { say "missing $f"; exit 1; }
done

cmdline="console=ttyS0 quiet panic=-1 mvchecks=0 mvend=poweroff"
say "bed $bed: $runs boot(s) of $kernel, --cpus $cpus --mem $mem"
say "$vmm --kernel $kernel --initrd $rootfs --cpus $cpus --mem $mem --cmdline \"$cmdline\""
# boot_runs KERNEL FIGURES LABEL: $runs boots of KERNEL; "first init
# total" lines go to FIGURES.
boot_runs()
{
	local k=$1 figs=$2 label=$3 i=1 t0 t1 rc line first init total

	: > "$figs"
	while [ $i -le "$runs" ]; do
		read -r t0 _ < /proc/uptime
		timeout "$limit" "$vmm" --kernel "$k" --initrd "$rootfs" \
			--cmdline "$cmdline" --cpus "$cpus" --mem "$mem" \
			< /dev/null > "$tmp/out" 2> "$tmp/err"
		rc=$?
		read -r t1 _ < /proc/uptime
		line=$(grep -o 'boot-time first-insn=[0-9.]* ms init=[0-9.]* ms' "$tmp/err")
		first=$(echo "$line" | sed -n 's/.*first-insn=\([0-9.]*\) ms.*/\1/p')
		init=$(echo "$line" | sed -n 's/.* init=\([0-9.]*\) ms.*/\1/p')
		total=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
		say "$label run $i: status $rc, first-insn ${first:-n/a} ms, init ${init:-n/a} ms, total $total s"
		if [ $rc != 0 ] || [ -z "$first" ] || [ -z "$init" ]; then
			status=1
			tr -d '\r' < "$tmp/out" | tail -n 15 | sed 's/^/# out: /'
			tail -n 15 "$tmp/err" | sed 's/^/# err: /'
		else
			echo "$first $init $total" >> "$figs"
		fi
		i=$((i + 1))
	done
}

boot_runs "$kernel" "$tmp/figures" bzImage

: > "$tmp/elf"
if [ "$with_elf" = 1 ]; then
	if [ -r "$vmlinux_gz" ] && gunzip -c "$vmlinux_gz" > "$tmp/vmlinux"; then
		say "elf: $vmm --kernel <vmlinux from $vmlinux_gz> ... (same options)"
		boot_runs "$tmp/vmlinux" "$tmp/elf" elf
		rm -f "$tmp/vmlinux"
	else
		say "elf: cannot unpack $vmlinux_gz"
		status=1
	fi
fi

# kvm_phase: the same boot through /dev/kvm; figures in $tmp/kvm.
kvm_phase()
{
	case $(grep -m1 '^vendor_id' /proc/cpuinfo) in
	*AuthenticAMD*) kmod=kvm_amd ;;
	*GenuineIntel*) kmod=kvm_intel ;;
	*) say "kvm: unknown CPU vendor"; return 1 ;;
	esac
	[ -x "$kvm_boot" ] || { say "kvm: no $kvm_boot"; return 1; }
	# minivmm and KVM both want SVM/VMX: one at a time.
	rmmod minivmm || { say "kvm: cannot unload minivmm"; return 1; }
	if modprobe "$kmod"; then
		i=1
		while [ $i -le "$runs" ]; do
			"$kvm_boot" "$kernel" "$rootfs" "$cmdline" "${mem%M}" \
				"$limit" < /dev/null > "$tmp/out" 2> "$tmp/err"
			rc=$?
			line=$(grep -o 'boot-time first-insn=[0-9.]* ms init=[0-9.]* ms' "$tmp/err")
			init=$(echo "$line" | sed -n 's/.* init=\([0-9.]*\) ms.*/\1/p')
			say "kvm run $i: status $rc, init ${init:-n/a} ms"
			if [ $rc = 0 ] && [ -n "$init" ]; then
				echo "$init" >> "$tmp/kvm"
			else
				tail -n 5 "$tmp/err" | sed 's/^/# err: /'
			fi
			i=$((i + 1))
		done
		modprobe -r "$kmod" || say "kvm: cannot unload $kmod"
	else
		say "kvm: modprobe $kmod failed"
	fi
	insmod "$ko" || { say "cannot reload $ko"; return 1; }
}

: > "$tmp/kvm"
if [ "$with_kvm" = 1 ]; then
	say "kvm: $kvm_boot $kernel $rootfs \"$cmdline\" ${mem%M} $limit"
	kvm_phase || status=1
fi

# summary FIGURES NAME: best and median of each column, and the ratio to
# KVM's "init" when this run measured it.
summary()
{
	awk -v bed="$bed" -v name="$2" \
		-v t="$target" -v cpus="$cpus" '
	FILENAME != ARGV[1] { k[++nk] = $1; next }
	{ nf++; f[nf] = $1; in_[nf] = $2; tot[nf] = $3 }
	function best(a,    i, m) {
		m = a[1]
		for (i = 2; i <= nf; i++)
			if (a[i] < m)
				m = a[i]
		return m
	}
	function median(a,    i, j, v, n, b) {
		n = nf
		for (i = 1; i <= n; i++)
			b[i] = a[i]
		for (i = 2; i <= n; i++) {
			v = b[i]
			for (j = i - 1; j >= 1 && b[j] > v; j--)
				b[j + 1] = b[j]
			b[j + 1] = v
		}
		return n % 2 ? b[(n + 1) / 2] : (b[n / 2] + b[n / 2 + 1]) / 2
	}
	END {
		if (nf == 0)
			printf "bench: %s  minivmm: no successful boot\n", name
		else {
			printf "bench: %s  bed=%s cpus=%s runs=%d\n", name, bed, cpus, nf
			printf "bench: %s  first-insn  best %.3f ms  median %.3f ms\n", name, best(f), median(f)
			printf "bench: %s  init        best %.3f ms  median %.3f ms\n", name, best(in_), median(in_)
			printf "bench: %s  total       best %.2f s  median %.2f s\n", name, best(tot), median(tot)
		}
		if (nk) {
			m = k[1]
			for (i = 2; i <= nk; i++)
				if (k[i] < m)
					m = k[i]
			printf "bench: %s  kvm init    best %.3f ms (bench/kvm_boot, %d runs)\n", name, m, nk
			if (nf)
				printf "bench: %s  init minivmm/kvm %.2f (target <= %.1f) %s\n", \
					name, best(in_) / m, t, best(in_) / m <= t ? "ok" : "SLOWER"
		}
	}' "$1" "$tmp/kvm"
}

summary "$tmp/figures" boot
[ "$with_elf" = 1 ] && summary "$tmp/elf" boot-elf
rm -rf "$tmp"
exit $status
