#!/bin/bash
# vm-timeout: 1500
# vm-allow: alloc-failure
# Fault injection (debug kernel only: failslab, fail_page_alloc, fail-nth).
# tests/net/nlfault.c runs every operation of the autovpn genl family (and ip
# link add/del of an autovpn device) from a fixed baseline with allocation
# failures injected into its own task: every allocation once (fail-nth
# sweep), failures after S bytes (space/times sweep), random failures
# (probability sweep). Each run must succeed with the same state as without
# faults, or fail with an error and leave the state exactly as before
# (canonical dumps compared). Then the module load itself under the same
# sweeps: a load succeeds and works (a device can be made, the module
# unloads) or fails and leaves nothing. Warnings, KASAN reports and leaks
# fail the scenario through the harness (its kmemleak scan runs after this
# scenario); the kernel's own allocation-failure reports (warn_alloc) are
# expected here ("vm-allow: alloc-failure" above).
# Bounds: AVPN_FI_SECS for the operations (default 1500 s), AVPN_FI_LOAD_SECS
# for the load (default 600 s), AVPN_FI_REPS runs per probability (10).
. "$(dirname "$0")/../../net/lib.sh"

FI=$AVPN_BIN/tests/net/nlfault
[ -e /sys/kernel/debug/failslab ] && [ -e /proc/self/fail-nth ] ||
	fatal fault-injection "this kernel has no fault injection: run it under make check-debug"

# The module load (global: no netns needed).
grep -q '^autovpn ' /proc/modules && rmmod autovpn
load_module && rmmod autovpn || fatal load_module # dependencies in place
"$FI" load "$AVPN_KO" -t "${AVPN_FI_LOAD_SECS:-600}" -r "${AVPN_FI_REPS:-10}" ||
	fail nlfault-load "exit status $?"

# The operations, in a namespace of their own.
load_module || fatal load_module
new_ns fi
n fi "$FI" ops -t "${AVPN_FI_SECS:-1500}" -r "${AVPN_FI_REPS:-10}" ||
	fail nlfault-ops "exit status $?"
finish
