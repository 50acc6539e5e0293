# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the bed scripts (sourced, not run).

# bed_kver: the newest installed Debian 6.1 kernel with headers, e.g.
# 6.1.0-56-amd64.  The beds boot it and the module is built against it.
bed_kver()
{
	local v
	for v in $(ls /boot/vmlinuz-6.1.0-*-amd64 2> /dev/null |
		   sed 's|^/boot/vmlinuz-||' | sort -rV); do
		if [ -d "/usr/src/linux-headers-$v" ]; then
			echo "$v"
			return 0
		fi
	done
	echo "no /boot/vmlinuz-6.1.0-*-amd64 with matching linux-headers" >&2
	return 1
}

# list_budget LIST BED: the sum of the timeouts of BED's lines in LIST,
# plus a grace of 25 s per line for the runner's kill sequence.
list_budget()
{
	[ -f "$1" ] || { echo 0; return; }
	awk -v bed="$2" '
		/^[ \t]*(#|$)/ { next }
		{
			n = split($1, b, ",")
			for (i = 1; i <= n; i++)
				if (b[i] == bed || b[i] == "all") {
					sum += $2 + 25
					break
				}
		}
		END { print sum + 0 }' "$1"
}

# new_token: a word that marks the end of one particular run.
new_token()
{
	echo "end-$(date +%s)-$$-$RANDOM"
}

# bochs_wall LIST [BED]: the wall-clock limit of a Bochs run of LIST.  Bochs' guest
# clock follows its instruction count (clock: sync=none): a busy guest
# second costs ~10 host seconds, an idle one almost nothing, so no factor
# fits every test; 600 s for boot plus twice the list's budget.  Capped
# (BOCHS_WALL_MAX, default 3600 s) so that "make check" fits CI's 90 minutes:
# tests past the cap count as failed (not run).
bochs_wall()
{
	local budget wall max=${BOCHS_WALL_MAX:-3600}
	budget=$(list_budget "$1" "${2:-bochs}")
	wall=$((600 + 2 * budget))
	[ "$wall" -le "$max" ] || wall=$max
	echo "$wall"
}

# bed_opts EXTRA [ARG...]: parses the options of every bed script (see
# qemu.sh) into initrd, log, mode, wall, kver, cpus and follow, whose
# defaults the caller sets.  EXTRA holds the getopts letters of the bed's
# own options; for each of those it calls "bed_opt LETTER OPTARG", which
# the bed defines.  A bad option, or no -i or -l, exits 1; no -K is the
# newest kernel (bed_kver).
bed_opts()
{
	local extra=$1 opt OPTIND=1
	shift
	while getopts "i:l:m:t:K:c:f$extra" opt; do
		case $opt in
		i) initrd=$OPTARG ;;
		l) log=$OPTARG ;;
		m) mode=$OPTARG ;;
		t) wall=$OPTARG ;;
		K) kver=$OPTARG ;;
		c) cpus=$OPTARG ;;
		f) follow=1 ;;
		'?') exit 1 ;;
		*) bed_opt "$opt" "${OPTARG-}" ;;
		esac
	done
	[ -n "$initrd" ] && [ -n "$log" ] ||
		{ echo "usage: see $0" >&2; exit 1; }
	[ -n "$kver" ] || kver=$(bed_kver)
}
