#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# hotplug.sh - CPU hotplug with the module loaded: taking a CPU offline
# turns VMX/SVM off there (cpuhp callback), bringing it back turns it on,
# and guests run on it afterwards.  Needs two CPUs and the VMM.  TAP.

R=${MINIVMM_ROOT:-/minivmm}
VMM=$R/vmm/minivmm
HELLO=$R/guests/hello-long.bin
CPU1=/sys/devices/system/cpu/cpu1/online
n=0
failed=0

result()	# STATUS DESC
{
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

hello_on()	# CPU: the hello guest on that CPU prints and exits 0
{
	out=$(timeout 60 taskset -c "$1" "$VMM" --mem 16M \
		--flat "$HELLO@0x10000" --mode long </dev/null 2>&1)
	st=$?
	[ $st = 0 ] && echo "$out" | grep -q "Hello from a minivmm guest" &&
		return 0
	echo "$out" | sed 's/^/# /'
	echo "# exit status $st"
	return 1
}

echo "1..4"
if [ ! -w "$CPU1" ] || [ "$(nproc)" -lt 2 ]; then
	for d in "offline CPU 1" "guest on CPU 0 while CPU 1 is offline" \
		 "online CPU 1" "guest on CPU 1 after it came back"; do
		n=$((n + 1))
		echo "ok $n - $d # SKIP needs a second, hot-pluggable CPU"
	done
	exit 0
fi

echo 0 > "$CPU1"
result $? "offline CPU 1"
hello_on 0
result $? "guest on CPU 0 while CPU 1 is offline"
echo 1 > "$CPU1"
result $? "online CPU 1"
hello_on 1
result $? "guest on CPU 1 after it came back"
[ $failed = 0 ]
