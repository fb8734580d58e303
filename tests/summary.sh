#!/bin/sh
# Totals the results of `make check`.
# usage: summary.sh RESULTS_DIR SUITE...
# Each suite writes RESULTS_DIR/SUITE.res, one "PASS name" or "FAIL name" per
# line. A suite with no result file, or with no lines, crashed before it could
# report: that counts as a failure of the suite itself.
dir=$1; shift
pass=0; fail=0
for s in "$@"; do
	f="$dir/$s.res"
	if [ ! -s "$f" ]; then
		echo "FAIL $s (suite produced no results)"
		fail=$((fail + 1))
		continue
	fi
	p=$(grep -c '^PASS ' "$f"); q=$(grep -c '^FAIL ' "$f")
	pass=$((pass + p)); fail=$((fail + q))
	grep '^FAIL ' "$f" | sed "s/^/  [$s] /"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
