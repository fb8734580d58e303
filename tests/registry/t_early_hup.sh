#!/bin/bash
# A SIGHUP (reload) in the registry's first moments, before its loop reads
# signals, must not kill it (tests/early_hup.sh): with a FIFO config it
# comes while the registry waits in open() inside main, and the registry
# goes on (to "not a regular file", exit 1).
. tests/registry/lib.sh
. tests/early_hup.sh
W=$(mktemp -d)
trap 'kill "${EARLY_HUP_PID:-}" 2>/dev/null; cleanup' EXIT
mkfifo "$W/fifo.conf"
early_hup "$W/fifo.conf" "$W/hup.out" "$REG" -c "$W/fifo.conf" --id 1 -l 127.0.0.1:0
rc=$?
cat "$W/hup.out"
[ $rc != 125 ] || fail "the registry never waited in open() of its FIFO config"
[ $rc = 1 ] || fail "exit status $rc, not 1 (129: killed by the SIGHUP)"
grep -q "fifo.conf: not a regular file" "$W/hup.out" || fail "no 'not a regular file' error"
echo "early SIGHUP waited for the loop"
