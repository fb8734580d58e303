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
# starts over with a new interface (its receive index changes) and counts
# its key ids on from a new random start. Its daemon then restarts with the
# default rekey time (adopting everything; no fresh initiation of its own
# makes the recording stale), while the responder's still rekeys every 5 s
# with ids of its own half, until the recorded key id is in neither of its
# slots: an id still there is refused as busy, and a fixed 12 s of rekeys
# (what this scenario did before) left it there whenever the new life's ids
# came round to it, about one run in 64 (CI saw the replay unanswered). Then
# the responder's daemon restarts with the default rekey time too, and the
# recording arrives. The old daemon took the recording's transmit index at
# once: its DATA to the initiator carried an index nobody had until the
# next handshake, 2 minutes away.
#
# The recording is the initiation the responder answered first, so its key
# id is the one the first "handshake answered" line names.
. "$(dirname "$0")/org.sh"

org_topology || fatal topology
org_registries || fatal registries
# Each gateway's incoming initiations (not its own outgoing ones) and the
# answers it sends.
for s in sj lon; do
	bg "gw$s" tcpdump -n --immediate-mode -U -i wan -w "$WORK/$s.pcap" \
		"udp and ((dst host ${ORG_WAN[$s]} and udp[8] = 2) or (src host ${ORG_WAN[$s]} and udp[8] = 3))" \
		2>"$WORK/$s.tcpdump"
done
for s in sj lon; do
	wait_secs 30 grep -q "listening on" "$WORK/$s.tcpdump" || fatal "tcpdump on gw$s"
done
org_gateways sj lon --rekey-secs 5 || fatal gateways
wait_until 120 org_peer_up lon sj || fatal tunnel
wait_until 60 org_peer_up sj lon || fatal tunnel
pkill -INT -x tcpdump
sleep 1

# hexes FILE FILTER: the UDP payloads of FILE's packets matching FILTER, in
# hex, one line each.
hexes() {
	tcpdump -r "$1" -nn -x "$2" 2>/dev/null |
		awk '/^[^ \t]/ { if (h != "") print substr(h, 57); h = "" }
			/^[ \t]+0x/ { for (i = 2; i <= NF; i++) h = h $i }
			END { if (h != "") print substr(h, 57) }'
}
# Who initiated: the responder is the one that sent an answer.
if [ -n "$(hexes "$WORK/lon.pcap" "udp[8] = 3")" ]; then
	I=sj V=lon
else
	I=lon V=sj
fi
echo "# initiator $I, responder $V"
# The initiation the responder answered first: the one whose sender index
# (payload bytes 4-7) the first answer names as its receiver (bytes 8-11).
answer=$(hexes "$WORK/$V.pcap" "udp[8] = 3" | head -n 1)
hex=$(hexes "$WORK/$V.pcap" "udp[8] = 2" | awk -v i="${answer:16:8}" 'substr($0, 9, 8) == i { print; exit }')
[ "${#hex}" = 312 ] || fatal "recorded initiation" "got ${#hex} hex digits, not 156 bytes"
key=$(grep -m 1 "${ORG_NAME[$I]}: handshake answered, key " "$AVPN_OUT/autovpnd-$V.log" | sed 's/.*, key //')
echo "# recorded initiation: sender index ${answer:16:8}, key $key"
[ -n "$key" ] || fatal "recorded key id" "no answer in the responder's log"

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
# Then quiet: the initiator's daemon restarts with the default rekey time
# (adopting its keys), so no fresh initiation makes the recording stale
# (older than one accepted) before it is replayed, nor brings its key id
# back.
org_kill "$I" KILL
org_gateway "$I"
wait_until 60 org_peer_up "$I" "$V" || fatal "initiator restarted"
# The responder still rekeys every 5 s, with ids of its own half: two of its
# rekeys and the recorded key id is in no slot of the responder.
slot_ids() { # SITE PEER-SITE: the ids in SITE's current and previous slots
	org_show_peer "$1" "${ORG_NAME[$2]}" | jq -r '.keys[] | select(.slot != "next") | .id'
}
key_free() { # (a failed read, or no keys at all, is not free)
	local ids
	ids=$(slot_ids "$V" "$I") && [ -n "$ids" ] && ! grep -qx "$key" <<<"$ids"
}
wait_secs 60 key_free || fatal "recorded key id $key still in a slot"
new_index=$(tx_index "$V" "$I")
echo "# responder's tx index: $old_index before, $new_index after the initiator started over"
org_show_peer "$V" "${ORG_NAME[$I]}"
check index_changed test -n "$new_index" -a "$new_index" != null -a "$new_index" != "$old_index"

# The responder's daemon restarts (everything adopted), then the recording comes.
org_kill "$V" KILL
org_gateway "$V" --metrics 127.0.0.1:9400
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
rc=0
wait_secs 20 answered || rc=1
result replay_answered $rc
if [ $rc != 0 ]; then
	echo "# the responder's key slots: $(slot_ids "$V" "$I" | tr '\n' ' ')"
	n "gw$V" curl -sf http://127.0.0.1:9400/metrics | grep '^autovpnd_handshake_messages_total'
fi
check index_kept test "$(tx_index "$V" "$I")" = "$new_index"
# ...and the tunnel did not notice.
org_stream_lost replay
echo "BENCH hs_replay_lost_packets $LOST"
check replay_loses_nothing test "$LOST" -le 5
finish
