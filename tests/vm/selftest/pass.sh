#!/bin/bash
# Harness self-test: must PASS. Checks the environment the harness promises.
set -e
[ "$PWD" = "$AVPN_TOP" ] || { echo "cwd $PWD is not AVPN_TOP $AVPN_TOP"; exit 1; }
[ -f "$AVPN_TOP/tests/vm/run.sh" ]
[ "$AVPN_BIN" = "$AVPN_TOP/build" ]
[ -n "$AVPN_KO" ]
# AVPN_OUT is writable and on the host share.
echo artifact >"$AVPN_OUT/artifact.txt"
# /tmp is a fresh tmpfs, nothing left from an earlier scenario.
[ "$(stat -f -c %T /tmp)" = tmpfs ]
[ ! -e /tmp/avpn-selftest-leftover ]
touch /tmp/avpn-selftest-leftover
# Writes outside AVPN_OUT land in the tmpfs overlay, never on the host
# (check.sh looks for these two files on the host afterwards).
touch "$AVPN_TOP/build/vm/.guest-write-test" /var/tmp/.avpn-guest-write-test
[ "$(id -u)" = 0 ]
echo "RESULT PASS env"
echo "BENCH selftest_value 42"
