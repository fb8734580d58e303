#!/bin/bash
# Bad netlink input: every malformed or invalid request to the autovpn genl
# family is refused with the expected errno and an extack message, and a
# dump of the device afterwards equals the one before (nothing half-applied).
# The cases live in tests/net/nlbad.c (a raw libnl client); each prints its
# own RESULT line. Also checks the errors reach a user through the tool.
#
#   ns a:  av0 (autovpn), uplink 0 = UDP 127.0.0.1:41000 owned by nlbad
. "$(dirname "$0")/lib.sh"

new_ns a
modprobe -a udp_tunnel ip6_udp_tunnel
load_module || fatal load_module
n a ip link add av0 type autovpn || fatal "link_add"

n a "$AVPN_BIN/tests/net/nlbad" av0 || fail nlbad "some case failed (see RESULT lines)"

# The same errors seen through the tool: a clear message and exit status 1.
A=$AVPN_BIN/autovpn
if [ -x "$A" ]; then
	out=$(n a "$A" set av0 peer 2 rx-index 11 2>&1); rc=$?  # 11 is peer 1's
	if [ $rc -eq 1 ] && echo "$out" | grep -qi "exists\|already"; then
		pass tool_duplicate_rx_index
	else
		fail tool_duplicate_rx_index "rc=$rc: $out"
	fi
	out=$(n a "$A" set av0 peer 1 routes 10.1.2.3/24 2>&1); rc=$?
	if [ $rc -ne 0 ] && [ -n "$out" ]; then
		pass tool_bad_prefix
	else
		fail tool_bad_prefix "rc=$rc: $out"
	fi
fi
finish
