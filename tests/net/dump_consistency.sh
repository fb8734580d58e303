#!/bin/bash
# vm-timeout: 400
# A paged dump that the configuration changes under is flagged, and the
# client library reports it (issue 9, defect 9). Peer 2 has N routes, more
# than fit in one netlink message; the dump sends them over several
# messages and used to resume by count, so removing an already-sent route
# between two messages silently skipped another one. tests/net/dumpcheck.c
# makes the change at a fixed point of the dump:
#   raw    reading the messages itself: either NLM_F_DUMP_INTR is set after
#          the change, or every route that was there throughout came once;
#   avpnl  through the library of the tool and the daemon: it must fail
#          with a message instead of returning the incomplete set.
# Without a concurrent change the same dumps are complete and unflagged.
#
#   ns d: av0 (no uplink needed); peer 1 (one route), peer 2 (N routes)
. "$(dirname "$0")/lib.sh"

A=$AVPN_BIN/autovpn
N=${N:-8000}

modprobe -a udp_tunnel ip6_udp_tunnel
load_module || fatal load_module
new_ns d
n d ip link add av0 type autovpn || fatal link
# Route i = (172.16.0.0 + i)/32, in order, added 2000 per request (a
# netlink attribute holds at most 64 KiB).
n d "$A" set av0 peer 1 rx-index 1 routes 10.1.0.0/24 peer 2 rx-index 2 || fatal peers
for ((c = 0; c < N; c += 2000)); do
	for ((i = c; i < c + 2000 && i < N; i++)); do
		printf '172.%d.%d.%d/32,' $((16 + i / 65536)) $((i / 256 % 256)) $((i % 256))
	done >"$WORK/routes"
	n d "$A" set av0 peer 2 routes "$(sed 's/,$//' "$WORK/routes")" || fatal routes
done

count() { n d "$A" show av0 --json | jq '.interfaces[0].peers[] | select(.id == 2) | .routes | length'; }
check "quiet-dump-complete" [ "$(count)" = "$N" ]

n d "$AVPN_BIN/tests/net/dumpcheck" raw av0 2 $N || fail raw "see the RESULT line above"
n d "$AVPN_BIN/tests/net/dumpcheck" avpnl av0 2 $N || fail avpnl "see the RESULT line above"
check "quiet-dump-complete-after" [ "$(count)" = "$N" ]
finish
