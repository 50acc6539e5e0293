#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# virtio_guest.sh - issue 4 end to end, inside a test bed: the Debian
# kernel under minivmm finds the virtio-mmio devices from ACPI and uses
# them.  Prints TAP.
#
# Run 1 (mvphase=main): minivmm --disk disk.img,serial=mvdisk0
#   --disk ro.img,ro --net tap=mvtap0 --console virtio --rng, inside a
#   network namespace made here (unshare -n) where minivmm creates the tap
#   and this script gives it 10.0.2.1/24 and serves a file over HTTP
#   (busybox httpd).  The guest (tests/virtio/init.sh) mounts the ext4
#   disk, writes a marker and a big file, syncs, checks the read-only disk
#   refuses writes, reads /dev/hwrng, talks over hvc0 (stdin/stdout here),
#   pings 10.0.2.1 and moves a file each way (wget both sides); every
#   checksum is compared here.  Then: the image holds the marker, ro.img
#   is byte-identical.
# Run 2 (mvphase=verify): a new minivmm mounts the disk read-only and
#   checks the files of run 1 are intact.
#
# Bed sizes: qemu 16 MiB each way and a 4 MiB file on the disk; bochs
# (~20x slower) 1 MiB and 1 MiB.
#
# Needs in the bed: the tun module (tests/beds/mkinitramfs.sh -M ... tun),
# /minivmm/linux/{vmlinuz,virtio-rootfs.cpio,virtio-disk.ext4.gz}
# (tests/virtio/Makefile).
#
# Environment: MINIVMM_ROOT (/minivmm), MINIVMM_BED, VMM, LINUX_KERNEL,
# VIRTIO_ROOTFS, VIRTIO_DISK, VIRTIO_NET_MB, VIRTIO_BIG_MB, VIRTIO_TIMEOUT
# (seconds per boot), VIRTIO_KEEP=DIR (keep the logs there).
root=${MINIVMM_ROOT:-/minivmm}
vmm=${VMM:-$root/vmm/minivmm}
kernel=${LINUX_KERNEL:-$root/linux/vmlinuz}
rootfs=${VIRTIO_ROOTFS:-$root/linux/virtio-rootfs.cpio}
diskgz=${VIRTIO_DISK:-$root/linux/virtio-disk.ext4.gz}
bed=${MINIVMM_BED:-qemu}
if [ "$bed" = bochs ]; then
	net_mb=${VIRTIO_NET_MB:-1}
	big_mb=${VIRTIO_BIG_MB:-1}
	limit=${VIRTIO_TIMEOUT:-1500}
	mem=128M
else
	net_mb=${VIRTIO_NET_MB:-16}
	big_mb=${VIRTIO_BIG_MB:-4}
	limit=${VIRTIO_TIMEOUT:-900}
	mem=256M
fi

# ---- inside the network namespace: run 1 and its host side ----
if [ "${1:-}" = --netns ]; then
	tmp=$2
	cmdline=$3
	ip link set lo up
	mkfifo "$tmp/in"
	exec 3<> "$tmp/in"
	{
		timeout "$limit" "$vmm" --kernel "$kernel" --initrd "$rootfs" \
			--cmdline "$cmdline" --cpus 1 --mem "$mem" \
			--disk "$tmp/disk.img,serial=mvdisk0" \
			--disk "$tmp/ro.img,ro" \
			--net tap=mvtap0,mac=52:54:00:12:34:56 \
			--console virtio --rng < "$tmp/in" > "$tmp/out" \
			2> "$tmp/err"
		echo $? > "$tmp/rc"
	} &
	# minivmm creates the tap (we are root): address it once it exists.
	i=0
	until ip link show mvtap0 > /dev/null 2>&1; do
		[ -e "$tmp/rc" ] || [ $i -gt 300 ] && break
		sleep 0.2
		i=$((i + 1))
	done
	ip addr add 10.0.2.1/24 dev mvtap0 && ip link set mvtap0 up &&
		echo tap > "$tmp/tap-ok"
	# A second minivmm on the same image while run 1 has it.
	timeout 60 "$vmm" --kernel "$kernel" --initrd "$rootfs" \
		--disk "$tmp/disk.img" < /dev/null > /dev/null \
		2> "$tmp/err.locked"
	echo $? > "$tmp/rc.locked"
	httpd -f -p 10.0.2.1:8080 -h "$tmp/www" &
	httpd_pid=$!
	hvc_done='' net_done=''
	while [ ! -e "$tmp/rc" ]; do
		if [ -z "$hvc_done" ] && grep -q 'MVV hvc-ready' "$tmp/out"; then
			printf 'host-to-hvc0\n' >&3
			hvc_done=1
		fi
		if [ -z "$net_done" ] && grep -q 'MVV net-ready' "$tmp/out"; then
			wget -q -O "$tmp/g2h" http://10.0.2.15:8080/g2h &&
				sha256sum "$tmp/g2h" | cut -d' ' -f1 > "$tmp/g2h.sha"
			rm -f "$tmp/g2h"
			printf 'fetched\n' >&3
			net_done=1
		fi
		sleep 0.5
	done
	exec 3>&-
	kill "$httpd_pid" 2> /dev/null
	wait "$httpd_pid" 2> /dev/null
	exit 0
fi

tmp=$(mktemp -d)
n=0
fail=0

result()	# STATUS DESC [FILE...]: one TAP line; details of a failure
{
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=1
		shift 2
		for f in "$@"; do
			[ -s "$f" ] && grep -a -v '^MVV sha' "$f" |
				tail -n 40 | sed 's/^/#   /'
		done
	fi
}

skip()		# DESC REASON
{
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# guest_check OUT NAME DESC: the guest's own verdict on NAME.
guest_check()
{
	line=$(grep -a "^MVV [a-z]* $2 - " "$1" | head -n 1)
	case $line in
	"MVV ok "*) result 0 "$3: ${line#*" - "}" ;;
	"") result 1 "$3: the guest did not report $2" "$1" ;;
	*) result 1 "$3: ${line#*" - "}" "$1" ;;
	esac
}

guest_sha()	# OUT NAME
{
	grep -a "^MVV sha $2 " "$1" | head -n 1 | cut -d' ' -f4 | tr -d '\r'
}

finish()
{
	echo "1..$n"
	if [ -n "${VIRTIO_KEEP:-}" ]; then
		mkdir -p "$VIRTIO_KEEP" && cp "$tmp"/out* "$tmp"/err* "$VIRTIO_KEEP"/ 2> /dev/null
	fi
	rm -rf "$tmp"
	exit $fail
}

for f in "$vmm" "$kernel" "$rootfs" "$diskgz"; do
	if [ ! -e "$f" ]; then
		result 1 "missing $f"
		finish
	fi
done
if ! modprobe tun 2> /dev/null && [ ! -e /dev/net/tun ]; then
	skip "virtio end to end" "no tun module in this bed"
	finish
fi
[ -e /dev/net/tun ] || { mkdir -p /dev/net && mknod /dev/net/tun c 10 200; }

marker=mv$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')
gunzip -c "$diskgz" > "$tmp/disk.img"
dd if=/dev/urandom of="$tmp/ro.img" bs=64k count=16 2> /dev/null
ro_sha=$(sha256sum "$tmp/ro.img" | cut -d' ' -f1)
mkdir -p "$tmp/www"
dd if=/dev/urandom of="$tmp/www/h2g" bs=1M count="$net_mb" 2> /dev/null
h2g_sha=$(sha256sum "$tmp/www/h2g" | cut -d' ' -f1)

# ---- refusals at start ----
"$vmm" --kernel "$kernel" --disk "$tmp/nope.img" > /dev/null 2> "$tmp/err.missing"
rc=$?
[ $rc != 0 ] && grep -q 'nope.img' "$tmp/err.missing"
result $? "a missing disk image is refused (status $rc: $(head -n 1 "$tmp/err.missing"))"
"$vmm" --kernel "$kernel" --disk "$tmp" > /dev/null 2> "$tmp/err.dir"
rc=$?
[ $rc != 0 ] && grep -q 'directory' "$tmp/err.dir"
result $? "a directory is refused (status $rc: $(head -n 1 "$tmp/err.dir"))"
# ---- run 1 ----
cmdline="console=ttyS0 quiet panic=-1 mvphase=main mvmarker=$marker mvbig=$big_mb mvnet=$net_mb"
echo "# run 1: $vmm --kernel $kernel --initrd $rootfs --cmdline \"$cmdline\" --disk disk.img,serial=mvdisk0 --disk ro.img,ro --net tap=mvtap0 --console virtio --rng"
t0=$(cut -d' ' -f1 /proc/uptime)
unshare -n "$0" --netns "$tmp" "$cmdline"
rc=$(cat "$tmp/rc" 2> /dev/null || echo none)
t1=$(cut -d' ' -f1 /proc/uptime)
echo "# run 1: minivmm status $rc after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
[ "$rc" = 0 ]
result $? "run 1: the guest powers off, status 0 (got $rc)" "$tmp/out" "$tmp/err"
[ -e "$tmp/tap-ok" ]
result $? "run 1: minivmm created tap mvtap0 in the test's network namespace" "$tmp/err"
rc=$(cat "$tmp/rc.locked" 2> /dev/null || echo none)
[ "$rc" != 0 ] && [ "$rc" != none ] && grep -q 'locked' "$tmp/err.locked"
result $? "a second minivmm on the same image is refused (status $rc: $(head -n 1 "$tmp/err.locked" 2> /dev/null))"
guest_check "$tmp/out" modules "guest modules"
guest_check "$tmp/out" blk-probe "virtio-blk"
guest_check "$tmp/out" blk-mount "virtio-blk"
guest_check "$tmp/out" blk-write "virtio-blk"
guest_check "$tmp/out" blk-reread "virtio-blk"
guest_check "$tmp/out" blk-umount "virtio-blk"
grep -q "$marker" "$tmp/disk.img"
result $? "the guest's marker is in disk.img after the run"
guest_check "$tmp/out" ro-flag "read-only disk"
guest_check "$tmp/out" ro-write "read-only disk"
[ "$(guest_sha "$tmp/out" ro)" = "$ro_sha" ]
result $? "read-only disk: the guest reads what the file holds" "$tmp/out"
[ "$(sha256sum "$tmp/ro.img" | cut -d' ' -f1)" = "$ro_sha" ]
result $? "read-only disk: ro.img is byte-identical after the run"
guest_check "$tmp/out" rng-probe "virtio-rng"
guest_check "$tmp/out" rng-read "virtio-rng"
guest_check "$tmp/out" hvc-probe "virtio-console"
grep -q 'MVV hvc0 says hello' "$tmp/out"
result $? "virtio-console: hvc0 output reaches minivmm's stdout" "$tmp/out"
guest_check "$tmp/out" hvc-read "virtio-console"
guest_check "$tmp/out" net-up "virtio-net"
guest_check "$tmp/out" net-ping "virtio-net"
guest_check "$tmp/out" net-h2g "virtio-net"
[ "$(guest_sha "$tmp/out" h2g)" = "$h2g_sha" ]
result $? "virtio-net: $net_mb MiB bed -> guest, checksums match" "$tmp/out"
[ -s "$tmp/g2h.sha" ] && [ "$(cat "$tmp/g2h.sha")" = "$(guest_sha "$tmp/out" g2h)" ]
result $? "virtio-net: $net_mb MiB guest -> bed, checksums match" "$tmp/out"
guest_check "$tmp/out" net-g2h "virtio-net"

# ---- run 2: the data is in the file ----
cmdline="console=ttyS0 quiet panic=-1 mvphase=verify mvmarker=$marker mvbig=$big_mb"
run2()
{
	timeout "$limit" "$vmm" --kernel "$kernel" --initrd "$rootfs" \
		--cmdline "$cmdline" --cpus 1 --mem "$mem" \
		--disk "$tmp/disk.img,ro" < /dev/null > "$tmp/out2" 2> "$tmp/err2"
}
run2
rc=$?
[ "$rc" = 0 ]
result $? "run 2: a new minivmm boots with the disk read-only (status $rc)" "$tmp/out2" "$tmp/err2"
guest_check "$tmp/out2" verify-mount "run 2"
guest_check "$tmp/out2" verify-hello "run 2"
guest_check "$tmp/out2" verify-big "run 2"
finish
