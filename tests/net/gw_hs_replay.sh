#!/bin/bash
# vm-timeout: 400
# A recorded handshake initiation, replayed after the responder's daemon
# restarts, must not disturb the tunnel. A restarted daemon has forgotten
# the timestamps it accepted (as WireGuard does), so it answers the
# recording once; the key that makes waits in NEXT, and neither it nor the
# transmit index the recording names may take effect before the peer's
# probes show it uses that key (it never does).
#
# The recording is made in the initiator's earlier life: the initiator
# starts over with a new interface (its receive index changes), both
# gateways rekey every 5 s for a while (so the recorded key id is in no
# slot), then both daemons restart with the default rekey time (adopting
# everything; no fresh initiation makes the recording stale), and the
# recording arrives. The old daemon took the recording's transmit index at
# once: its DATA to the initiator carried an index nobody had until the
# next handshake, 2 minutes away.
. "$(dirname "$0")/org.sh"

org_topology || fatal topology
org_registries || fatal registries
# Each gateway's incoming initiations (not its own outgoing ones).
for s in sj lon; do
	bg "gw$s" tcpdump -n -U -i wan -w "$WORK/$s.pcap" \
		"udp and dst host ${ORG_WAN[$s]} and udp[8] = 2" 2>/dev/null
done
sleep 2
org_gateways sj lon --rekey-secs 5 || fatal gateways
wait_until 120 org_peer_up lon sj || fatal tunnel
wait_until 60 org_peer_up sj lon || fatal tunnel
pkill -INT -x tcpdump
sleep 1

# Who initiated: its initiation was answered by the other, the responder.
if grep -q 'handshake complete (initiator)' "$AVPN_OUT/autovpnd-sj.log"; then
	I=sj V=lon
else
	I=lon V=sj
fi
echo "# initiator $I, responder $V"
# The first initiation the responder received (payload from the UDP header on).
hex=$(tcpdump -r "$WORK/$V.pcap" -nn -x -c 1 "udp and udp[8] = 2" 2>/dev/null |
	awk '/^[ \t]+0x/ { for (i = 2; i <= NF; i++) h = h $i } END { print substr(h, 57) }')
[ "${#hex}" = 312 ] || fatal "recorded initiation" "got ${#hex} hex digits, not 156 bytes"

# The initiator starts over: a new interface, a new receive index.
tx_index() { # SITE PEER-SITE: SITE's kernel's transmit index towards PEER-SITE
	org_show_peer "$1" "${ORG_NAME[$2]}" | jq -r '.tx_index'
}
old_index=$(tx_index "$V" "$I")
org_kill "$I" KILL
n "gw$I" ip link del av0
org_gateway "$I" --rekey-secs 5
wait_until 60 org_peer_up "$I" "$V" || fatal "initiator back"
wait_until 60 org_peer_up "$V" "$I" || fatal "initiator back"
# Two rekeys later the recorded key id is in no slot of the responder.
sleep 12
# Then quiet: the initiator's daemon restarts with the default rekey time
# (adopting its keys), so no fresh initiation makes the recording stale
# (older than one accepted) before it is replayed.
org_kill "$I" KILL
org_gateway "$I"
wait_until 60 org_peer_up "$I" "$V" || fatal "initiator restarted"
new_index=$(tx_index "$V" "$I")
echo "# responder's tx index: $old_index before, $new_index after the initiator started over"
org_show_peer "$V" "${ORG_NAME[$I]}"
check index_changed test -n "$new_index" -a "$new_index" != null -a "$new_index" != "$old_index"

# The responder's daemon restarts (everything adopted), then the recording comes.
org_kill "$V" KILL
org_gateway "$V"
wait_until 60 org_peer_up "$V" "$I" || fatal "responder back"
port=$(org_status "$V" | jq -r '.uplinks[0].local | sub(".*:"; "")')
# The replay comes from the responder's NAT router (any address will do);
# the answer, an HS_RESP, goes back there.
from=172.16.${ORG_NUM[$V]}.1:45998
bg "nat$V" timeout 30 tcpdump -n -U -i in -c 1 -w "$WORK/resp.pcap" \
	"udp and dst port 45998 and udp[8] = 3" 2>"$WORK/resp.err"
wait_until 20 grep -q "listening on" "$WORK/resp.err" || fatal "tcpdump-start"
org_stream replay "lan$V" "${ORG_LANHOST[$I]}" 8
sleep 1
check replay_sent n "nat$V" "$NETBIN/udpsend" -b "$from" "${ORG_WAN[$V]}:$port" "$hex"
answered() { [ "$(tcpdump -r "$WORK/resp.pcap" -nn 2>/dev/null | wc -l)" = 1 ]; }
# The responder did answer it (the test reaches the handshake layer)...
check replay_answered wait_until 20 answered
check index_kept test "$(tx_index "$V" "$I")" = "$new_index"
# ...and the tunnel did not notice.
org_stream_lost replay
echo "BENCH hs_replay_lost_packets $LOST"
check replay_loses_nothing test "$LOST" -le 5
finish
