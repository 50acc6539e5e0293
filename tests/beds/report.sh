#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# report.sh - turns test output into results and counts.
#
#   report.sh bed BED LOG LIST COUNTS
#       BED's serial LOG (written by tests/beds/init.sh) against the tests
#       LIST promised for BED: every listed test that did not run or did not
#       finish is a failure, so a crashed or hung bed cannot look green.
#   report.sh tap NAME OUTPUT RC COUNTS
#       a host test suite's TAP OUTPUT and exit status RC; without any TAP
#       line the suite counts as one test, passed if RC is 0.  A plan is
#       optional here when RC is 0.
#
# Both print "[NAME] ok - ..." / "[NAME] not ok - ..." lines, then
# "[NAME] P passed, F failed, S skipped", and write "P F S" to COUNTS.
# Exit status: 0 if nothing failed, 1 otherwise.
#
# Counting: every top-level TAP "ok" line is a pass ("# SKIP" ones are skips), every
# "not ok" a failure ("# TODO" ones are skips).  A test adds one failure of
# its own when its TAP does not already show why it failed: no plan, fewer
# or more results than planned, a non-zero exit status (other than 4, the
# kselftest "skipped" status) without any "not ok", a timeout, or leaving
# the module unloaded.
set -euo pipefail

# The TAP rules shared by both modes, as awk functions.
# shellcheck disable=SC2016
tap_awk='
function tap_reset() {
	planned = -1; results = 0; npass = 0; nfail = 0; nskip = 0; bad = ""
}
# tap_line(LINE): counts LINE if it is a top-level TAP line.
function tap_line(l) {
	if (l ~ /^1\.\.[0-9]+/) {
		# several TAP streams in one output: their plans add up
		planned = (planned < 0 ? 0 : planned) + substr(l, 4)
		if (planned == 0 && l ~ /#[ \t]*[Ss][Kk][Ii][Pp]/)
			nskip++
		return
	}
	if (l !~ /^(not )?ok([ \t]|$)/)
		return
	results++
	# The directive is " # SKIP" or " # TODO" after the description,
	# which may itself hold a "#" (as in "#GP").
	if (l ~ /^not ok/) {
		if (l ~ /[ \t]#[ \t]*[Tt][Oo][Dd][Oo]([ \t]|$)/)
			nskip++
		else {
			nfail++
			bad = bad "\n" l
		}
	} else if (l ~ /[ \t]#[ \t]*[Ss][Kk][Ii][Pp]([ \t]|$)/)
		nskip++
	else
		npass++
}
# tap_verdict(RC): the reason the test failed beyond its "not ok" lines.
function tap_verdict(rc) {
	if (planned < 0)
		return "no TAP plan"
	if (planned != results)
		return sprintf("planned %d results, printed %d", planned, results)
	if (rc != 0 && rc != 4 && nfail == 0)
		return "exit status " rc
	return ""
}
function say(name, ok, text) {
	printf "[%s] %s - %s\n", prefix, ok ? "ok" : "not ok", name text
}
'

mode=${1:-}
case $mode in
bed)
	[ $# -eq 5 ] || { echo "usage: $0 bed BED LOG LIST COUNTS" >&2; exit 2; }
	bed=$2 log=$3 list=$4 counts=$5
	token=$(cat "$log.token" 2> /dev/null || echo MISSING-TOKEN)
	[ -f "$log" ] || : > "$log"
	[ -f "$list" ] || list=/dev/null
	# Pass 1 reads the list (the names init.sh gives), pass 2 the log.
	tr -d '\r' < "$log" | awk -v bed="$bed" -v token="$token" \
		-v prefix="$bed" -v counts="$counts" "$tap_awk"'
	FILENAME == ARGV[1] {
		if ($0 ~ /^[ \t]*(#|$)/)
			next
		n = split($1, b, ",")
		for (i = 1; i <= n; i++)
			if (b[i] == bed || b[i] == "all")
				break
		if (i > n)
			next
		base = $3
		sub(/.*\//, "", base)
		name = base
		for (k = 2; name in listed; k++)
			name = base "." k
		listed[name] = 1
		order[++ntests] = name
		next
	}
	/^MINIVMM-BED-BEGIN / { began = 1; next }
	/^MINIVMM-START / { cur = $2; started[cur] = 1; tap_reset(); next }
	/^MINIVMM-RESULT / {
		name = $2
		for (i = 3; i <= NF; i++) {
			split($i, kv, "=")
			field[kv[1]] = kv[2]
		}
		why = tap_verdict(field["rc"])
		if (field["timeout"] == 1)
			why = "timed out" (why == "" ? "" : "; " why)
		if (field["stuck"] == 1)
			why = why "; could not be killed"
		if (field["modloaded"] == 0)
			why = why (why == "" ? "" : "; ") "left the module unloaded"
		P[name] = npass; F[name] = nfail + (why != ""); S[name] = nskip
		why_[name] = why; bad_[name] = bad; secs[name] = field["secs"]
		done_[name] = 1
		cur = ""
		next
	}
	/^MINIVMM-CHECK / {
		checks[++nchecks] = $3
		checkok[nchecks] = ($2 == "ok")
		t = $0
		sub(/^MINIVMM-CHECK [a-z]+ [^ ]+ - /, "", t)
		checktext[nchecks] = t
		next
	}
	index($0, "MINIVMM-BED-END " token) == 1 { finished = 1; next }
	/Kernel panic - not syncing/ { panic = $0; sub(/.*Kernel panic/, "Kernel panic", panic) }
	cur != "" && index($0, "[" cur "] ") == 1 {
		tap_line(substr($0, length(cur) + 4))
		# an unfinished test keeps what it printed
		P[cur] = npass; F[cur] = nfail; S[cur] = nskip; bad_[cur] = bad
	}
	END {
		insmod_failed = 0
		for (i = 1; i <= nchecks; i++) {
			if (checks[i] != "insmod")
				continue
			say(checks[i], checkok[i], ": " checktext[i])
			if (checkok[i])
				tp++
			else
				tf++
			insmod_failed = !checkok[i]
		}
		for (i = 1; i <= ntests; i++) {
			name = order[i]
			if (!(name in started)) {
				why = ": not run (the bed stopped before it)"
				if (insmod_failed)
					why = ": not run (insmod failed)"
				say(name, 0, why)
				tf++
				continue
			}
			p = P[name] + 0; f = F[name] + 0; s = S[name] + 0
			if (!(name in done_)) {
				f++
				why_[name] = "did not finish (the bed stopped during it)"
			}
			tp += p; tf += f; ts += s
			text = sprintf(": %d passed, %d failed, %d skipped", p, f, s)
			if (name in secs)
				text = text ", " secs[name] " s"
			if (why_[name] != "")
				text = text "; " why_[name]
			say(name, f == 0, text)
			if (bad_[name] != "") {
				gsub(/\n/, "\n[" prefix "]     ", bad_[name])
				print substr(bad_[name], 2)
			}
		}
		for (i = 1; i <= nchecks; i++) {
			if (checks[i] == "insmod")
				continue
			say(checks[i], checkok[i], ": " checktext[i])
			if (checkok[i])
				tp++
			else
				tf++
		}
		if (finished)
			tp++
		else
			tf++
		why = ""
		if (panic != "")
			why = ": " panic
		else if (!began)
			why = ": init never ran (boot failed or timed out)"
		else if (!finished)
			why = ": no end marker (crash or timeout)"
		say("bed finished", finished, why)
		printf "[%s] %d passed, %d failed, %d skipped\n", prefix, tp, tf, ts
		print tp + 0, tf + 0, ts + 0 > counts
		exit tf > 0
	}' "$list" -
	;;
tap)
	[ $# -eq 5 ] || { echo "usage: $0 tap NAME OUTPUT RC COUNTS" >&2; exit 2; }
	name=$2 out=$3 rc=$4 counts=$5
	[ -f "$out" ] || : > "$out"
	tr -d '\r' < "$out" | awk -v prefix="$name" -v rc="$rc" \
		-v counts="$counts" "$tap_awk"'
	BEGIN { tap_reset() }
	{ tap_line($0) }
	END {
		if (results == 0 && planned <= 0 && nskip == 0) {
			# not a TAP producer: one test, judged by its exit status
			if (rc == 0)
				npass = 1
			else
				nfail = 1
			say("exit status", rc == 0, " " rc)
		} else {
			why = tap_verdict(rc)
			# a host suite that exits 0 may omit the plan: its exit
			# status, unlike that of a bed test, cannot be lost
			if (why == "no TAP plan" && rc == 0)
				why = ""
			if (why != "")
				nfail++
			if (bad != "") {
				gsub(/\n/, "\n[" prefix "]     ", bad)
				print substr(bad, 2)
			}
			if (why != "")
				why = "; " why
			say(sprintf("%d passed, %d failed, %d skipped", npass, \
				    nfail, nskip), nfail == 0, why)
		}
		printf "[%s] %d passed, %d failed, %d skipped\n", prefix, npass, nfail, nskip
		print npass + 0, nfail + 0, nskip + 0 > counts
		exit nfail > 0
	}'
	;;
*)
	echo "usage: $0 bed|tap ..." >&2
	exit 2
	;;
esac
