#!/bin/bash
# Runs the registry integration tests (tests/registry/t_*.sh) one after the
# other on loopback, each bounded to 60 s or what its "# registry-timeout:
# SECS" line says; writes PASS/FAIL lines.
# usage: run.sh RESULT_FILE
out=$1
mkdir -p "$(dirname "$out")"
: > "$out"
for t in tests/registry/t_*.sh; do
	name=registry.$(basename "$t" .sh | sed 's/^t_//')
	log=$(mktemp)
	limit=$(sed -n 's/^# registry-timeout: \([0-9]\+\)$/\1/p' "$t")
	if timeout "${limit:-60}" bash "$t" > "$log" 2>&1; then
		echo "PASS $name" >> "$out"
		sed "s/^/  [$name] /" "$log"
	else
		echo "FAIL $name" >> "$out"
		echo "---- $name failed:"; cat "$log"; echo "----"
	fi
	rm -f "$log"
done
grep -c '^PASS' "$out" | xargs echo "check-registry: passed"
