#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lifetime.sh - module lifetime in a bed: rmmod is refused while a VM
# exists and works once it is gone; insmod again works; insmod is refused
# (EBUSY, with a dmesg line) while KVM holds the CPU's VMX/SVM, and works
# once KVM is unloaded.  Leaves minivmm loaded.  TAP output.

KO=${MINIVMM_KO:-/minivmm/minivmm.ko}
T=${MINIVMM_ROOT:-/minivmm}/tests
HELPER=$T/lifetime_test
READY=/tmp/lifetime.ready.$$
n=0
failed=0
holder=

ok()
{
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok()
{
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
}

skip()
{
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

check()		# DESC COMMAND...: ok if COMMAND succeeds
{
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

diag()
{
	echo "$*" | sed 's/^/# /'
}

loaded()
{
	grep -q '^minivmm ' /proc/modules
}

unloaded()
{
	! loaded
}

# start_holder MODE: runs the helper holding a VM until killed.
start_holder()
{
	rm -f "$READY"
	"$HELPER" "$1" "$READY" 120 &
	holder=$!
	i=0
	while [ ! -e "$READY" ] && [ $i -lt 100 ]; do
		kill -0 "$holder" 2> /dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$READY" ]
}

stop_holder()
{
	[ -n "$holder" ] || return 0
	kill "$holder" 2> /dev/null
	wait "$holder" 2> /dev/null
	holder=
}

cleanup()
{
	stop_holder
	loaded || insmod "$KO" 2> /dev/null
}
trap cleanup EXIT

echo "1..11"

# 1-5: rmmod while a VM is open.
check "minivmm is loaded at the start" loaded
if start_holder --hold-vm; then
	ok "a process holds a minivmm VM"
	out=$(rmmod minivmm 2>&1)
	rc=$?
	diag "rmmod with a VM open: rc $rc: $out"
	if [ $rc -ne 0 ] && loaded && [ -c /dev/minivmm ]; then
		ok "rmmod is refused while a VM exists"
	else
		not_ok "rmmod is refused while a VM exists"
	fi
else
	not_ok "a process holds a minivmm VM"
	skip "rmmod is refused while a VM exists" "no VM holder"
fi
stop_holder
out=$(rmmod minivmm 2>&1)
rc=$?
diag "rmmod with no VM: rc $rc $out"
if [ $rc -eq 0 ] && unloaded && [ ! -e /dev/minivmm ]; then
	ok "rmmod works once the VM is gone"
else
	not_ok "rmmod works once the VM is gone"
fi
out=$(insmod "$KO" 2>&1)
rc=$?
diag "insmod: rc $rc $out"
if [ $rc -eq 0 ] && loaded && [ -c /dev/minivmm ]; then
	ok "insmod works again"
else
	not_ok "insmod works again"
fi

# 6-10: KVM owns VMX/SVM.
if grep -q -w svm /proc/cpuinfo; then
	kvmmod=kvm_amd
else
	kvmmod=kvm_intel
fi
kvm_ok=0
# On 6.12 KVM enables VMX/SVM as soon as it loads: make room first.
rmmod minivmm 2> /dev/null
if out=$(modprobe "$kvmmod" 2>&1) && [ -c /dev/kvm ]; then
	ok "modprobe $kvmmod"
	kvm_ok=1
else
	diag "modprobe $kvmmod: $out"
	skip "modprobe $kvmmod" "KVM modules not available in this bed"
fi
if [ $kvm_ok = 1 ]; then
	if start_holder --hold-kvm; then
		ok "a process holds a KVM VM"
		dmesg -c > /dev/null
		out=$(insmod "$KO" 2>&1)
		rc=$?
		diag "insmod while KVM runs: rc $rc: $out"
		msg=$(dmesg | grep -i minivmm)
		diag "dmesg: $msg"
		if [ $rc -ne 0 ] && unloaded &&
		   echo "$out" | grep -q -i busy; then
			ok "insmod is refused with EBUSY while KVM uses the CPU"
		else
			not_ok "insmod is refused with EBUSY while KVM uses the CPU"
		fi
		if echo "$msg" | grep -q -i -E 'in use|busy|already|another|kvm'; then
			ok "dmesg says why insmod was refused"
		else
			not_ok "dmesg says why insmod was refused"
		fi
	else
		not_ok "a process holds a KVM VM"
		skip "insmod is refused with EBUSY while KVM uses the CPU" "no KVM VM"
		skip "dmesg says why insmod was refused" "no KVM VM"
	fi
	stop_holder
	loaded && rmmod minivmm
	modprobe -r "$kvmmod" 2> /dev/null
	modprobe -r kvm 2> /dev/null
	out=$(insmod "$KO" 2>&1)
	rc=$?
	diag "insmod after KVM left: rc $rc $out"
	if [ $rc -eq 0 ] && loaded; then
		ok "insmod works once KVM is unloaded"
	else
		not_ok "insmod works once KVM is unloaded"
	fi
else
	modprobe -r "$kvmmod" 2> /dev/null
	insmod "$KO"
	skip "a process holds a KVM VM" "no KVM"
	skip "insmod is refused with EBUSY while KVM uses the CPU" "no KVM"
	skip "dmesg says why insmod was refused" "no KVM"
	skip "insmod works once KVM is unloaded" "no KVM"
fi

# 11: the reloaded module runs a guest.
loaded || insmod "$KO"
if start_holder --hold-vm; then
	ok "the reloaded module runs a guest"
else
	not_ok "the reloaded module runs a guest"
fi
stop_holder
rm -f "$READY"
[ $failed -eq 0 ]
