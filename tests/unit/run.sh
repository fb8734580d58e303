#!/bin/sh
# Runs Check test programs and turns their TAP logs into PASS/FAIL lines.
# usage: run.sh RESULT_FILE PROGRAM...
# Tests run in the source tree's top directory, so they find test data by
# relative path (e.g. ../shared/vectors is found via tests' own lookup).
out=$1; shift
mkdir -p "$(dirname "$out")"
: > "$out"
for prog in "$@"; do
	name=$(basename "$prog")
	tap=$(mktemp)
	CK_TAP_LOG_FILE_NAME=$tap CK_VERBOSITY=normal "$prog"
	rc=$?
	# TAP lines: "ok 3 - file:line:name: message" / "not ok ..."
	sed -n -e "s/^ok [0-9]* - [^:]*:[^:]*:\([^:]*\):.*/PASS $name.\1/p" \
	       -e "s/^not ok [0-9]* - [^:]*:[^:]*:\([^:]*\):.*/FAIL $name.\1/p" "$tap" >> "$out"
	if [ $rc -ne 0 ] && ! grep -q "^FAIL $name\." "$out"; then
		# Crashed outside a test, or a sanitizer aborted it.
		echo "FAIL $name (exit $rc)" >> "$out"
	fi
	if ! grep -q "^ok\|^not ok" "$tap"; then
		echo "FAIL $name (no tests ran)" >> "$out"
	fi
	rm -f "$tap"
done
