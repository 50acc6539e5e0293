#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the Linux guest of the virtio tests (tests/virtio_guest.sh):
# loads the Debian virtio and ext4 modules, then checks the devices
# minivmm gives it.  Kernel command line words:
#   mvphase=main|verify   main: use every device; verify: re-read the disk
#                         written by a main run (read-only) and power off
#   mvmarker=WORD         text written to /mnt/hello.txt (main) and
#                         expected there (verify)
#   mvbig=MIB             size of the file written to the disk (default 4)
#   mvnet=MIB             size of each network transfer (default 16; 0: no
#                         network)
# Output, one fact a line on ttyS0 (the host parses it):
#   MVV ok|fail NAME - TEXT     one check
#   MVV sha NAME HEX            a checksum the host compares with its own
#   MVV hvc-ready / net-ready   the host's turn (it answers on hvc0)
#   MVV end                     the last line before poweroff
export PATH=/bin:/sbin

mount -t devtmpfs dev /dev 2> /dev/null
mount -t proc proc /proc
mount -t sysfs sys /sys
mkdir -p /tmp /mnt
mount -t tmpfs tmp /tmp

phase=main marker=none big=4 net=16
for word in $(cat /proc/cmdline); do
	case $word in
	mvphase=*) phase=${word#*=} ;;
	mvmarker=*) marker=${word#*=} ;;
	mvbig=*) big=${word#*=} ;;
	mvnet=*) net=${word#*=} ;;
	esac
done

result()	# NAME STATUS TEXT
{
	if [ "$2" = 0 ]; then
		echo "MVV ok $1 - $3"
	else
		echo "MVV fail $1 - $3"
	fi
}

sha()		# FILE: its sha256
{
	sha256sum "$1" | cut -d' ' -f1
}

finish()
{
	stamp end
	echo "MVV end"
	sync
	poweroff -f
}

stamp()		# WHAT: a progress line with the guest's uptime
{
	read -r up _ < /proc/uptime
	echo "MVV # $1 at $up s"
}

# ext4's metadata_csum needs crc32c: load it first (the kernel's own
# request_module() finds no /sbin/modprobe here).
st=0
for m in crc32c_generic virtio_mmio virtio_blk virtio_net virtio_console \
	 virtio-rng ext4; do
	modprobe "$m" || { echo "MVV # modprobe $m failed"; st=1; }
done
result modules $st "virtio_mmio, virtio_blk, virtio_net, virtio_console, virtio-rng, ext4 loaded"
# The devices probe asynchronously after the driver loads.
i=0
while [ ! -e /dev/vda ] && [ $i -lt 50 ]; do
	sleep 0.2
	i=$((i + 1))
done
mmio=$(ls /sys/bus/platform/drivers/virtio-mmio 2> /dev/null | grep -c LNRO0005)
echo "MVV # virtio-mmio devices bound from ACPI: $mmio"

if [ "$phase" = verify ]; then
	mount -t ext4 -o ro,noload /dev/vda /mnt
	result verify-mount $? "the disk of the main run mounts read-only"
	[ "$(cat /mnt/hello.txt 2> /dev/null)" = "$marker" ]
	result verify-hello $? "hello.txt holds the marker of the main run"
	[ -s /mnt/big.sha256 ] &&
		[ "$(sha /mnt/big)" = "$(cat /mnt/big.sha256)" ]
	result verify-big $? "the $big MiB file has the checksum the main run wrote"
	umount /mnt
	finish
fi

# ---- virtio-blk: ext4 on /dev/vda ----
[ -b /dev/vda ] && [ "$(cat /sys/block/vda/serial 2> /dev/null)" = mvdisk0 ]
result blk-probe $? "/dev/vda present with serial mvdisk0 ($(cat /sys/block/vda/size 2> /dev/null) sectors)"
stamp blk
mount -t ext4 /dev/vda /mnt 2> /tmp/mount.err
result blk-mount $? "mount -t ext4 /dev/vda $(cat /tmp/mount.err)"
dmesg | grep -i -E 'ext4|vda|blk_update|I/O error' | tail -n 5 |
	sed 's/^/MVV # dmesg: /'
echo "$marker" > /mnt/hello.txt &&
	dd if=/dev/urandom of=/mnt/big bs=1M count="$big" 2> /dev/null &&
	sha /mnt/big > /mnt/big.sha256 && sync
result blk-write $? "wrote hello.txt and a $big MiB file, sync"
echo "MVV sha big $(cat /mnt/big.sha256 2> /dev/null)"
# Read back through the page cache dropped: the device, not memory.
umount /mnt && mount -t ext4 /dev/vda /mnt &&
	[ "$(sha /mnt/big)" = "$(cat /mnt/big.sha256)" ]
result blk-reread $? "remounted: the file reads back with the same checksum"
umount /mnt
result blk-umount $? "umount"

# ---- read-only disk: /dev/vdb ----
[ "$(cat /sys/block/vdb/ro 2> /dev/null)" = 1 ]
result ro-flag $? "/dev/vdb is read-only (VIRTIO_BLK_F_RO)"
! dd if=/dev/zero of=/dev/vdb bs=512 count=1 conv=fsync 2> /dev/null
result ro-write $? "a write to /dev/vdb fails"
echo "MVV sha ro $(sha /dev/vdb)"

# ---- virtio-rng ----
grep -q virtio /sys/class/misc/hw_random/rng_available 2> /dev/null
result rng-probe $? "hw_random lists $(cat /sys/class/misc/hw_random/rng_current 2> /dev/null)"
stamp rng
dd if=/dev/hwrng of=/tmp/rng bs=32 count=1 2> /tmp/rng.err ||
	echo "MVV # dd /dev/hwrng: $(cat /tmp/rng.err)"
r=$(od -An -tx1 /tmp/rng | tr -d ' \n')
dmesg | grep -E 'segfault|general protection|trap' | tail -n 3 |
	sed 's/^/MVV # dmesg: /'
[ ${#r} -eq 64 ] && [ "$r" != 0000000000000000000000000000000000000000000000000000000000000000 ]
result rng-read $? "32 bytes from /dev/hwrng: $r"

stamp hvc
# ---- virtio-console: hvc0 ----
[ -c /dev/hvc0 ]
result hvc-probe $? "/dev/hvc0 exists"
stty -F /dev/hvc0 -echo 2> /dev/null
echo "MVV hvc0 says hello" > /dev/hvc0
echo "MVV hvc-ready"
line=''
read -r -t 120 line < /dev/hvc0
[ "$line" = host-to-hvc0 ]
result hvc-read $? "read a line typed on minivmm's stdin from hvc0 ($line)"

# ---- virtio-net ----
if [ "$net" != 0 ]; then
	stamp net
	ip link set lo up
	ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0
	result net-up $? "eth0 up ($(cat /sys/class/net/eth0/address 2> /dev/null))"
	ping -c 3 -W 10 10.0.2.1 > /tmp/ping.out 2>&1
	result net-ping $? "ping the bed host: $(grep -o '[0-9]* packets received' /tmp/ping.out)"
	wget -q -O /tmp/h2g http://10.0.2.1:8080/h2g
	result net-h2g $? "fetched $net MiB from the bed host"
	stamp net-h2g-done
	echo "MVV sha h2g $(sha /tmp/h2g)"
	# The same file hashed again: a different sum would mean the
	# guest's CPU state, not the device, is unreliable.
	[ "$(sha /tmp/h2g)" = "$(sha /tmp/h2g)" ] ||
		echo "MVV # sha256sum of one file differs between two runs"
	rm -f /tmp/h2g
	mkdir -p /tmp/www
	dd if=/dev/urandom of=/tmp/www/g2h bs=1M count="$net" 2> /dev/null
	echo "MVV sha g2h $(sha /tmp/www/g2h)"
	httpd -p 8080 -h /tmp/www
	echo "MVV net-ready"
	line=''
	read -r -t 600 line < /dev/hvc0
	[ "$line" = fetched ]
	result net-g2h $? "the bed host fetched $net MiB from the guest ($line)"
fi
finish
