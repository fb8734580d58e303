#!/bin/bash
# Ping and TCP (iperf3) from lanA to lanB through av0, for the four
# combinations of inner and outer IPv4/IPv6 (topology: tests/net/topo.sh).
# The LANs are unreachable without the tunnel (rt does not route them), and
# the peer counters of both gateways must grow: the traffic went through av0.
. "$(dirname "$0")/topo.sh"

# counters_grew NAME BEFORE_A BEFORE_B: A's peer sent, B's peer received.
counters_grew() {
	local name=$1 ta0=$2 rb0=$3 ta1 rb1
	ta1=$(peer_stat gwA .tx_packets) && rb1=$(peer_stat gwB .rx_packets) || {
		result "$name" 1 "autovpn show --json failed"
		return
	}
	result "$name" $((ta1 <= ta0 || rb1 <= rb0)) \
		"gwA tx_packets $ta0 -> $ta1, gwB rx_packets $rb0 -> $rb1"
}

setup_topology v4 || fatal "topology"
iperf_server lanB || fatal "iperf-server"
for outer in v4 v6; do
	use_outer $outer && setup_tunnel || fatal "outer-$outer-setup"
	keyid=1
	for inner in v4 v6; do
		t=inner-$inner-outer-$outer
		# Fresh keys for each test: a key is refused 180 s after its
		# installation, and under the debug kernel one outer family's
		# tests take longer than that.
		keyid=$((keyid + 1))
		check "$t-rekey" rekey $keyid
		if [ $inner = v4 ]; then dst=$LANB4 src=$LANA4; else dst=$LANB6 src=$LANA6; fi

		ta0=$(peer_stat gwA .tx_packets) && rb0=$(peer_stat gwB .rx_packets) ||
			{ result "$t-counters-readable" 1; continue; }
		check "$t-ping" n lanA timeout 20 ping -q -c 3 -i 0.3 -W 3 "$dst"
		check "$t-ping-back" n lanB timeout 20 ping -q -c 2 -i 0.3 -W 3 "$src"
		counters_grew "$t-ping-through-av0" "$ta0" "$rb0"

		ta0=$(peer_stat gwA .tx_bytes) && rb0=$(peer_stat gwB .rx_bytes)
		json=$OUT/iperf-$t.json
		if iperf_run lanA "$dst" 3 "$json" && mbps=$(iperf_mbps "$json"); then
			result "$t-iperf3" 0 "$mbps Mbit/s"
			echo "BENCH tunnel_iperf_${inner}_in_${outer}_mbps $mbps"
		else
			result "$t-iperf3" 1 "$(jq -r '.error // empty' "$json" 2>/dev/null)"
		fi
		# TCP data lanA -> lanB: gwA sends it, gwB receives it, in bytes.
		ta1=$(peer_stat gwA .tx_bytes) && rb1=$(peer_stat gwB .rx_bytes)
		sent=$(jq -r '.end.sum_received.bytes // 0' "$json" 2>/dev/null)
		result "$t-iperf3-bytes-through-av0" \
			$((ta1 - ta0 < ${sent:-1} || rb1 - rb0 < ${sent:-1} || ${sent:-0} == 0)) \
			"iperf3 $sent bytes; gwA peer tx_bytes +$((ta1 - ta0)), gwB peer rx_bytes +$((rb1 - rb0))"
	done
	check "outer-$outer-teardown" teardown_tunnel
done
finish
