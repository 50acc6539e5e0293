#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tags.sh - runs tags_test with the module loaded as max_vpids=2, so that
# on VT-x all but two of its vCPUs run with the VPID control off (the
# parameter means nothing to AMD-V, whose 16 ASIDs in the QEMU bed are
# fewer than the test's VMs anyway).  Reloads the module as the bed had it
# afterwards.  TAP output (tags_test's).
#
# usage: tags.sh [N]    N VMs (tags_test's default otherwise)

KO=${MINIVMM_KO:-/minivmm/minivmm.ko}
T=${MINIVMM_ROOT:-/minivmm}/tests

reload()	# ARGS...: rmmod, then insmod with ARGS
{
	rmmod minivmm 2> /dev/null
	if ! out=$(insmod "$KO" "$@" 2>&1); then
		echo "# insmod $KO $*: $out"
		return 1
	fi
}

if ! reload max_vpids=2; then
	echo "1..1"
	echo "not ok 1 - the module loads with max_vpids=2"
	reload
	exit 1
fi
"$T/tags_test" "$@"
rc=$?
reload || rc=1
exit $rc
