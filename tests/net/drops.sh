#!/bin/bash
# Bad packets at gwB's uplink are dropped and counted, never delivered
# (topology: tests/net/topo.sh, outer IPv4):
#   - a captured DATA packet sent again           -> peer drops.replay
#   - a flipped ciphertext bit (fresh counter)     -> peer drops.auth, and the
#     forged counter does not advance the replay window
#   - an unknown key id                            -> drops.no_key
#   - non-DATA payloads stay in the socket for userspace, DATA does not
#     (tests/net/uplink_queue.c holds the socket it handed to the module)
#   - an inner source outside B's allowed sources  -> peer drops.source
#   - truncated / garbage payloads starting with 1 -> drops (malformed, ...);
#     the harness fails the run on any kernel warning in dmesg
#   - peer 1 removed under a flood: packets it had queued -> drops.no_peer,
#     not drops.source
# Forged packets are sent from gwA with a new socket on another port: the
# module finds the peer by receiver index, so it is still "the peer's" packet.
. "$(dirname "$0")/topo.sh"

UDPSEND=$NETBIN/udpsend
hexrand() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
send_b() { n gwA "$UDPSEND" -b "$GWA_OUT" "$(ep "$GWB_OUT" "${PORT:-$PORT_B}")" "$@"; }

# grew NAME SECS CMD BEFORE [MIN]: polls until CMD's number >= BEFORE + MIN.
grew() {
	local name=$1 secs=$2 cmd=$3 before=$4 min=${5:-1} now i
	for ((i = 0; i < secs * 5; i++)); do
		now=$(eval "$cmd") && [ "$now" -ge $((before + min)) ] && break
		sleep 0.2
	done
	result "$name" $((${now:-0} < before + min)) "$cmd: $before -> ${now:-?}, want +$min"
}

peer_drops_total() { peer_stat "$1" '[.drops[]] | add'; }
all_drops() { echo $(($(dev_drops_total gwB) + $(peer_drops_total gwB))); }
malformed() { echo $(($(dev_stat gwB .drops.malformed) + $(peer_stat gwB .drops.malformed))); }
no_key() { echo $(($(dev_stat gwB .drops.no_key) + $(peer_stat gwB .drops.no_key))); }

setup_topology v4 && setup_tunnel || fatal "setup"
check "tunnel-up" n lanA timeout 20 ping -q -c 2 -i 0.3 -W 3 "$LANB4"

# --- capture a DATA packet A -> B ---------------------------------------------
pcap=$OUT/drops.pcap
bg rt timeout 60 tcpdump -i rb -s 0 -U -c 4 -w "$pcap" "udp and dst port $PORT_B" 2>"$WORK/td.err"
td=$BG_PID
wait_until 30 grep -q "listening on" "$WORK/td.err" || fatal "tcpdump-start"
check "ping-for-capture" n lanA timeout 20 ping -q -c 4 -i 0.3 -W 3 "$LANB4"
wait "$td"
"$NETBIN/wirecheck" --dump "$pcap" >"$WORK/dump"
pkt=$(awk -v rx="rx_index=$RX_B" '$5 == rx { print $NF; exit }' "$WORK/dump")
[ -n "$pkt" ] || fatal "captured-data-packet" "no DATA packet to B in the capture"
log "captured: $(head -n 1 "$WORK/dump" | cut -c1-140)..."

# --- replay ---------------------------------------------------------------------
r0=$(peer_stat gwB .drops.replay) || fatal "stats"
rx0=$(peer_stat gwB .rx_packets)
check "replay-sent" send_b "$pkt"
grew "replay-counted" 10 "peer_stat gwB .drops.replay" "$r0"
rx1=$(peer_stat gwB .rx_packets)
result "replay-not-delivered" $((rx1 != rx0)) "peer rx_packets $rx0 -> $rx1"

# --- flipped bit, with a counter no real packet has used ------------------------
# Fresh counter 2^40: whether the module checks the window before or after
# the tag, the only reason left to drop it is authentication.
forged=${pkt:0:16}0000010000000000${pkt:32:8}
b=$((0x${pkt:40:2} ^ 0x01))
forged+=$(printf %02x $b)${pkt:42}
a0=$(peer_stat gwB .drops.auth)
check "flipped-sent" send_b "$forged"
grew "flipped-bit-auth-counted" 10 "peer_stat gwB .drops.auth" "$a0"
# Had the forged counter moved the window, real packets would now be replays.
check "tunnel-after-forged-counter" n lanA timeout 20 ping -q -c 3 -i 0.3 -W 3 "$LANB4"

# --- unknown key id -------------------------------------------------------------
k0=$(no_key)
check "unknown-key-id-sent" send_b "${pkt:0:2}77${pkt:4}"
grew "unknown-key-id-counted" 10 no_key "$k0"

# --- non-DATA stays in the socket, DATA does not -----------------------------------
qport=40003
# The queue lives far longer than the checks need (stop_bg ends it): a
# 20 s life ran out before the datagrams came under the debug kernel.
bg gwB timeout 360 "$NETBIN/uplink_queue" av0 1 "$(ep "$GWB_OUT" $qport)" 300 >"$WORK/queue.out"
qpid=$BG_PID
if wait_until 20 grep -q READY "$WORK/queue.out"; then
	result "uplink-queue-attached" 0
	r0=$(peer_stat gwB .drops.replay)
	hello=$(printf 'AVPN-CONTROL-HELLO' | od -An -tx1 | tr -d ' \n')
	PORT=$qport send_b "02$hello" "01$(hexrand 60)" "$pkt" "7f$hello"
	two_received() { [ "$(grep -c '^RECV' "$WORK/queue.out")" -ge 2 ]; }
	wait_until 10 two_received
	sleep 1 # anything that should not arrive has had time to
	stop_bg "$qpid"
	sed 's/^/#   /' "$WORK/queue.out"
	nrecv=$(grep -c '^RECV' "$WORK/queue.out")
	ndata=$(grep -c '^RECV .* type=1 ' "$WORK/queue.out")
	nhello=$(grep -c 'AVPN-CONTROL-HELLO' "$WORK/queue.out")
	result "non-data-reaches-userspace" $((nhello != 2)) "$nhello of 2 control datagrams received"
	result "data-consumed-by-kernel" $((ndata != 0 || nrecv != 2)) "$ndata DATA datagrams reached userspace"
	grew "replay-on-second-uplink-counted" 5 "peer_stat gwB .drops.replay" "$r0"
else
	result "uplink-queue-attached" 1 "$(cat "$WORK/queue.out")"
fi

# --- the rest with a fresh key -------------------------------------------------
# Keys live 180 s; under TCG this scenario can take longer than that.
check "rekey" rekey 2

# --- inner source outside the allowed sources -----------------------------------
# lanA gets addresses B does not accept; gwA routes them into av0 anyway.
n lanA ip addr add 10.9.0.1/32 dev lan
n lanA ip addr add fd09::1/128 dev lan nodad
s0=$(peer_stat gwB .drops.source)
rx0=$(peer_stat gwB .rx_packets)
check_fails "bad-source4-no-reply" n lanA timeout 20 ping -q -c 3 -i 0.3 -W 2 -I 10.9.0.1 "$LANB4"
check_fails "bad-source6-no-reply" n lanA timeout 20 ping -q -c 3 -i 0.3 -W 2 -I fd09::1 "$LANB6"
grew "bad-source-counted" 10 "peer_stat gwB .drops.source" "$s0" 6

# --- truncated and garbage payloads ---------------------------------------------
t0=$(all_drops) m0=$(malformed)
short=() zeros=$(printf '%062d' 0)
for ((i = 0; i < 31; i++)); do short+=("01${zeros:0:$((2 * i))}"); done
# A real header with fewer bytes than header + tag: malformed, peer known.
for ((l = 16; l < 32; l++)); do short+=("${pkt:0:$((2 * l))}"); done
garbage=()
for ((i = 0; i < 10; i++)); do garbage+=("01$(hexrand $((20 + i * 37)))"); done
check "truncated-sent" send_b "${short[@]}"
check "garbage-sent" send_b "${garbage[@]}"
grew "truncated-counted-malformed" 10 malformed "$m0" 47
grew "all-bad-packets-counted" 10 all_drops "$t0" 57
check "empty-payload-sent" send_b -
check "tunnel-after-garbage" n lanA timeout 20 ping -q -c 2 -i 0.3 -W 3 "$LANB4"

# --- peer removed while its packets wait in the queues --------------------------
# gwB removes peer 1 in the middle of a UDP flood from lanA: what it had
# already taken off the wire and decrypted is dropped as no_peer, never as
# source (nothing here is spoofed; the allowed sources went with the peer).
# Then both sides make peer 1 again with fresh keys, as autovpnd would.
repeer() {
	local side ns rx tx lan4 lan6 peer_ep
	make_keys "$1" || return 1
	n gwA "$AVPN" set av0 peer 1 remove || return 1
	for side in A B; do
		if [ $side = A ]; then
			ns=gwA rx=$RX_A tx=$RX_B lan4=10.2.0.0/24 lan6=fd02::/64 peer_ep=$EP_B
		else
			ns=gwB rx=$RX_B tx=$RX_A lan4=10.1.0.0/24 lan6=fd01::/64 peer_ep=$EP_A
		fi
		# shellcheck disable=SC2046
		n $ns "$AVPN" set av0 peer 1 rx-index $rx tx-index $tx \
			routes $lan4,$lan6 allowed $lan4,$lan6 path 0 uplink 0 endpoint "$peer_ep" \
			state up key current $(key_args $side "$1") || return 1
	done
	wait_until 30 n lanA ping -c 1 -W 1 "$LANB4" >/dev/null
}
s0=$(dev_stat gwB .drops.source) np0=$(dev_stat gwB .drops.no_peer)
# flowing BEFORE: gwB's peer 1 has received 500 packets more than BEFORE.
flowing() { (($(peer_stat gwB .rx_packets) >= $1 + 500)); }
for r in 1 2 3 4; do
	rx0=$(peer_stat gwB .rx_packets)
	bg lanB timeout 60 "$NETBIN/seqcheck" recv 7000 10000 >/dev/null 2>&1
	sink=$BG_PID
	bg lanA timeout 60 "$NETBIN/seqcheck" send "$LANB4:7000" 1000000 1200 >/dev/null 2>&1
	flood=$BG_PID
	wait_until 20 flowing "$rx0" || log "round $r: the flood did not start"
	n gwB "$AVPN" set av0 peer 1 remove
	sleep 1
	kill "$flood" "$sink" 2>/dev/null
	wait "$flood" "$sink" 2>/dev/null
	check "peer-back-$r" repeer $((r + 2))
done
sleep 1
s1=$(dev_stat gwB .drops.source) np1=$(dev_stat gwB .drops.no_peer)
result "removed-peer-queued-not-source" $((s1 != s0)) "drops.source $s0 -> $s1"
result "removed-peer-flood-hit" $((np1 - np0 < 100)) "drops.no_peer $np0 -> $np1, want +100"

finish
