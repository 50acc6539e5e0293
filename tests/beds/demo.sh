#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - what "make run" shows inside the QEMU bed (module loaded, cwd
# /minivmm): a guest that greets from long mode, then the '*' printer,
# stopped by timeout after 3 seconds.  Exits non-zero if a step failed.
vmm=/minivmm/vmm/minivmm
status=0

echo "=== minivmm demo: $(grep -o -w -m1 -E 'svm|vmx' /proc/cpuinfo)" \
     "host CPU, kernel $(uname -r)"
echo "=== $vmm --flat guests/hello-long.bin@0x10000 --mode long"
"$vmm" --flat guests/hello-long.bin@0x10000 --mode long || status=$?
echo "=== (exit status $status)"

echo "=== timeout 3 $vmm --flat guests/star.bin@0x10000"
timeout 3 "$vmm" --flat guests/star.bin@0x10000
rc=$?
echo
# stopped by timeout (SIGTERM) is how this one is meant to end
echo "=== (exit status $rc: stopped by timeout after 3 s)"
case $rc in
124 | 143) ;;
*) status=$rc ;;
esac
exit $status
