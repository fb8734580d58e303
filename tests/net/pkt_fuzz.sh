#!/bin/bash
# vm-timeout: 900
# Packet fuzzing at an uplink (topology: tests/net/topo.sh, outer IPv4).
#
# tests/net/pktfuzz.c sends, from rt, random and mutated datagrams to gwB's
# uplink 1, a socket held by tests/net/uplink_queue.c the way autovpnd holds
# its uplinks: captured DATA packets (tcpdump on rt) replayed and mutated,
# valid DATA packets built with gwB's receive key and mutated (bit flips,
# truncation, extension, splices, header fields), random bytes with and
# without the DATA type, empty datagrams. Then, exactly:
#   - every DATA-typed datagram was dropped and counted (device drop
#     counters) or delivered (peer rx_packets): the sum grew by the number
#     sent, no more, no less;
#   - every other datagram was left in the socket: the reader got it, or
#     the socket's receive buffer overflowed (UDP RcvbufErrors);
#   - no DATA-typed datagram reached userspace;
#   - after a rekey (the built packets moved key 1's replay window far
#     ahead) the tunnel passes traffic.
# Splats: the harness's dmesg scan. Size: AVPN_PKTFUZZ_COUNT datagrams
# (default 3000; 60000 under the debug kernel) within AVPN_PKTFUZZ_SECS.
. "$(dirname "$0")/topo.sh"

PF=$NETBIN/pktfuzz
if [ "${AVPN_DEBUG_KERNEL:-0}" = 1 ]; then
	count=${AVPN_PKTFUZZ_COUNT:-60000} secs=${AVPN_PKTFUZZ_SECS:-360}
else
	count=${AVPN_PKTFUZZ_COUNT:-3000} secs=${AVPN_PKTFUZZ_SECS:-60}
fi
QPORT=40003

# DATA packets dropped + delivered, as gwB's counters say.
accounted() {
	show_json gwB | jq -er '.interfaces[0] | ([.drops[]] | add) + ([.peers[].rx_packets] | add)'
}
rcvbuf_errors() {
	n gwB awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) f[$i] = i; h = 1 } else print $f["RcvbufErrors"] }' /proc/net/snmp
}
queued() { grep -c '^RECV' "$WORK/queue.out"; }

setup_topology v4 && setup_tunnel || fatal "setup"
check "tunnel-up" n lanA timeout 20 ping -q -c 2 -i 0.3 -W 3 "$LANB4"

# Seeds from the wire: DATA packets A -> B of several sizes, both families.
pcap=$OUT/pkt_fuzz.pcap
bg rt timeout 90 tcpdump -i rb -s 0 -U -c 24 -w "$pcap" "udp and dst port $PORT_B" 2>"$WORK/td.err"
td=$BG_PID
wait_until 30 grep -q "listening on" "$WORK/td.err" || fatal "tcpdump-start"
for s in 0 56 300 1300; do
	n lanA ping -q -c 3 -i 0.2 -W 3 -s $s "$LANB4" >/dev/null
	n lanA ping -q -c 3 -i 0.2 -W 3 -s $s "$LANB6" >/dev/null
done
wait "$td"

bg gwB timeout $((secs + 300)) "$NETBIN/uplink_queue" av0 1 "$(ep "$GWB_OUT" $QPORT)" \
	$((secs + 240)) >"$WORK/queue.out"
qpid=$BG_PID
wait_until 20 grep -q READY "$WORK/queue.out" || fatal "uplink-queue" "$(cat "$WORK/queue.out")"

a0=$(accounted) && r0=$(rcvbuf_errors) || fatal "counters"
q0=$(queued)
n rt "$PF" -d "$(ep "$GWB_OUT" $QPORT)" -b 198.51.100.254 -n "$count" -t "$secs" \
	-p "$pcap" -k "$RX_B:1:$WORK/ab1.key" -i 10.1.0.2,10.2.0.2 >"$WORK/pf.out" 2>&1
rc=$?
sed 's/^/# /' "$WORK/pf.out"
result "pktfuzz-ran" $rc "exit status $rc"
data=$(sed -n 's/^PKTFUZZ data=\([0-9]*\) other=.*/\1/p' "$WORK/pf.out")
other=$(sed -n 's/^PKTFUZZ data=[0-9]* other=\([0-9]*\)/\1/p' "$WORK/pf.out")
[ -n "$data" ] && [ -n "$other" ] || fatal "pktfuzz-output"
echo "BENCH pktfuzz_datagrams $((data + other))"

# Counters move as the last packets are processed: poll until they add up
# (bounded), then check they add up exactly.
data_done() { [ "$(($(accounted) - a0))" -ge "$data" ]; }
other_done() { [ "$(($(queued) - q0 + $(rcvbuf_errors) - r0))" -ge "$other" ]; }
wait_until 60 data_done
wait_until 60 other_done
a1=$(accounted) r1=$(rcvbuf_errors) q1=$(queued)
result "data-all-counted" $((a1 - a0 != data)) \
	"$data DATA-typed sent, drops + delivered grew by $((a1 - a0))"
result "other-left-in-socket" $((q1 - q0 + r1 - r0 != other)) \
	"$other other sent, $((q1 - q0)) read by the socket owner, $((r1 - r0)) receive-buffer overflows"
ndata=$(grep -c '^RECV .* type=1 ' "$WORK/queue.out")
result "no-data-to-userspace" $((ndata != 0)) "$ndata DATA-typed datagrams reached the socket"
log "gwB drops after the fuzz: $(show_json gwB | jq -c '.interfaces[0].drops')"
stop_bg "$qpid"

check "rekey" rekey 2
check "tunnel-after-fuzz4" n lanA timeout 30 ping -q -c 3 -i 0.3 -W 3 "$LANB4"
check "tunnel-after-fuzz6" n lanB timeout 30 ping -q -c 3 -i 0.3 -W 3 "$LANA6"
finish
