#!/bin/bash
# Key rotation under load (topology: tests/net/topo.sh): iperf3 runs ~10 s
# from lanA to lanB while both gateways install a `next` key and swap it in,
# twice (ids 1 -> 2 -> 3). B swaps first: A already accepts the next key, and
# B still accepts A's old key as `previous`, so no packet may be lost to
# the rotation: the TCP connection survives, and no drop is counted for an
# unknown key, a bad tag or a replay. Retransmits are reported.
. "$(dirname "$0")/topo.sh"

SECS=10
crypto_drops() { # NS: drops a rotation could cause
	peer_stat "$1" '.drops.no_key + .drops.auth + .drops.replay'
}

setup_topology v4 && setup_tunnel || fatal "setup"
make_keys 2 && make_keys 3 || fatal "keys"
iperf_server lanB || fatal "iperf-server"
da0=$(crypto_drops gwA) && db0=$(crypto_drops gwB) || fatal "stats"

# Why TCP retransmitted (lanA's counters since the last call): loss shows
# as fast retransmits/timeouts, reordering as the *Reorder counters.
tcp_why() {
	n lanA nstat -z TcpRetransSegs TcpExtTCPFastRetrans TcpExtTCPTimeouts \
		TcpExtTCPSACKReorder TcpExtTCPTSReorder TcpExtTCPRenoReorder \
		TcpExtTCPSpuriousRTOs TcpExtTCPLossProbes 2>/dev/null |
		awk 'NR > 1 { printf "%s=%s ", $1, $2 }'
}
n lanA nstat -n >/dev/null 2>&1 # start the counters' history here

# Baseline: the same run without rotation, to tell the swaps' retransmits
# from those TCP has anyway in this VM.
base=$OUT/key_swap_baseline.json
if iperf_run lanA "$LANB4" $SECS "$base"; then
	bretr=$(jq -r '.end.sum_sent.retransmits' "$base")
	log "baseline without swaps: $(iperf_mbps "$base") Mbit/s, $bretr retransmits"
	echo "BENCH key_swap_baseline_retransmits $bretr"
	log "baseline TCP counters: $(tcp_why)"
else
	log "baseline iperf3 run failed"
fi

json=$OUT/key_swap_iperf.json
bg lanA timeout $((SECS + 60)) iperf3 -c "$LANB4" -p 5201 -t $SECS \
	--connect-timeout 10000 -J --logfile "$json"
ipf=$BG_PID
tx0=$(peer_stat gwA .tx_packets)
# Rotate only once data is flowing.
flowing() { [ "$(peer_stat gwA .tx_packets)" -gt $((tx0 + 200)) ]; }
wait_until 30 flowing ||
	log "traffic did not start within 30 s"
for id in 2 3; do
	sleep 1
	check "install-next-$id" eval "install_next A $id && install_next B $id"
	check "swap-to-$id-B" swap_key B
	sleep 0.5
	check "swap-to-$id-A" swap_key A
done
wait "$ipf"
rc=$?
result "iperf3-survives-swaps" $rc "exit $rc"

bytes=$(jq -r '.end.sum_received.bytes // 0' "$json" 2>/dev/null)
retr=$(jq -r '.end.sum_sent.retransmits // "?"' "$json" 2>/dev/null)
mbps=$(iperf_mbps "$json" 2>/dev/null)
result "iperf3-bytes" $((${bytes:-0} <= 0)) "$bytes bytes, ${mbps:-?} Mbit/s, $retr retransmits"
echo "BENCH key_swap_retransmits $retr"
log "with swaps TCP counters: $(tcp_why)"
echo "BENCH key_swap_mbps ${mbps:-0}"

for ns in gwA gwB; do log "$ns device drops: $(show_json $ns | jq -c ".interfaces[0].drops")"; done
da1=$(crypto_drops gwA) && db1=$(crypto_drops gwB)
result "no-drops-from-rotation" $((da1 != da0 || db1 != db0)) \
	"no_key+auth+replay: gwA $da0 -> $da1, gwB $db0 -> $db1"

# Both sides now send with key 3 and still accept 2 as previous.
for ns in gwA gwB; do
	cur=$(peer_stat $ns '.keys[] | select(.slot == "current") | .id')
	prev=$(peer_stat $ns '.keys[] | select(.slot == "previous") | .id')
	result "$ns-key-slots" $((cur != 3 || prev != 2)) "current ${cur:-none}, previous ${prev:-none}"
done
check "tunnel-after-swaps" n lanA timeout 20 ping -q -c 2 -i 0.3 -W 3 "$LANB6"
finish
