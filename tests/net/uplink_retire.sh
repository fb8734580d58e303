#!/bin/bash
# vm-timeout: 300
# A replaced uplink socket retires (kernel/uplink.c): the module keeps it
# hooked for AVPN_UPLINK_RETIRE_MS (500 ms), so DATA that still reaches it
# (a restarted daemon's port before it is steered to the new socket; what
# gw_restart.sh measures end to end) is decrypted, then lets it go by
# itself. The steps are tests/net/uplink_retire.c's:
#   - a detach lets the current and the retiring socket go at once;
#   - a retiring socket handed in again is refused with EBUSY and a reason;
#   - it is let go once its time is up, not before (450 ms: the timer's
#     jiffy rounding), and not much later (10 s);
#   - a device deleted with a socket retiring lets it go at once (leaks
#     and splats are the harness's part).
#
#   ns u: av0 (autovpn), uplink 0 = sockets on UDP 127.0.0.1:41000; the
#         helper's own device av9 for the deletion
. "$(dirname "$0")/lib.sh"

new_ns u
modprobe -a udp_tunnel ip6_udp_tunnel
load_module || fatal load_module
n u ip link add av0 type autovpn || fatal link_add

n u timeout 60 "$NETBIN/uplink_retire" av0 av9 0 127.0.0.1:41000 >"$WORK/retire.out" 2>&1
rc=$?
sed 's/^/# /' "$WORK/retire.out"
check helper_finished test "$rc" = 0
# line STEP: the helper's line for STEP; field STEP KEY: its KEY=value.
line() { grep "^$1 " "$WORK/retire.out"; }
field() { line "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }

check detach_lets_both_go test "$(field DETACH rc)" = 0
check retiring_socket_refused test "$(field REFUSED rc)" = -16
check refusal_says_why grep -q '^REFUSED .*still retiring' "$WORK/retire.out"
check released_when_due test "$(field RELEASED rc)" = 0
released_ms=$(field RELEASED after_ms)
echo "BENCH uplink_retired_after_ms ${released_ms:-none}"
check not_released_early test "${released_ms:-0}" -ge 450
check deleted_device_held_a_retiring_socket test "$(field DELETED refused_rc)" = -16
check deletion_let_it_go_at_once test "$(field DELETED reattach_rc)" = 0
check helper_device_gone bash -c "! ip netns exec u ip link show av9"

# The helper has exited: only av0 holds its socket now. Deleting av0 lets
# it go: the port is free again.
n u ip link del av0
port_free() { [ -z "$(n u ss -Huan 'sport = :41000')" ]; }
check port_free_after_deletion wait_until 10 port_free
finish
