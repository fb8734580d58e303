#!/bin/bash
# av0's own counters agree with its peers' (topology: tests/net/topo.sh;
# issue 9, defect 7). Both count inner packets and inner bytes, in both
# directions: 10 pings of 1028 bytes (IPv4) are exactly 10 packets and
# 10280 bytes on gwA's av0 (tx) and on gwB's av0 (rx), and a TCP transfer
# (GSO segmented on av0) moves av0's and the peer's byte counters by the
# same amount. Outer IPv4 and IPv6.
. "$(dirname "$0")/topo.sh"

# side NS rx|tx: av0's bytes and packets that way (sysfs), then peer 1's,
# in one line. One exec of the tool per side: every exec is slow under TCG,
# and the counters are read a few dozen times.
side() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	n "$1" sh -c 'read -r b </sys/class/net/av0/statistics/$1_bytes &&
		read -r p </sys/class/net/av0/statistics/$1_packets &&
		echo "$b $p" && exec "$2" show av0 --json' sh "$2" "$AVPN" | {
		read -r b p && jq -er --arg dev "$b $p" --arg d "$2" \
			'.interfaces[0].peers[] | select(.id == 1) |
			"\($dev) \(.[$d + "_bytes"]) \(.[$d + "_packets"])"'
	}
}
# snap: the eight counters compared below, in one line.
snap() { echo "$(side gwA tx) $(side gwB rx)"; }
# settled: a snapshot taken once the counters stopped moving (TCP may still
# be closing when iperf3 exits).
settled() {
	local a b i
	a=$(snap)
	for ((i = 0; i < 20; i++)); do
		sleep 0.25
		b=$(snap)
		[ "$a" = "$b" ] && break
		a=$b
	done
	echo "$a"
}
# compare NAME BEFORE AFTER [BYTES PACKETS]: the deltas of av0 and of the peer
# agree on both gateways (and equal BYTES / PACKETS when given).
compare() {
	local name=$1 b a i d=() bad=0
	read -ra b <<<"$2"
	read -ra a <<<"$3"
	# A side that printed nothing would shift the other onto itself.
	[ ${#a[@]} = 8 ] && [ ${#b[@]} = 8 ] || bad=1
	for i in 0 1 2 3 4 5 6 7; do d[i]=$((a[i] - b[i])); done
	[ "${d[0]}" = "${d[2]}" ] && [ "${d[1]}" = "${d[3]}" ] || bad=1
	[ "${d[4]}" = "${d[6]}" ] && [ "${d[5]}" = "${d[7]}" ] || bad=1
	if [ -n "${4:-}" ]; then
		[ "${d[0]}" = "$4" ] && [ "${d[1]}" = "$5" ] && [ "${d[4]}" = "$4" ] &&
			[ "${d[5]}" = "$5" ] || bad=1
	fi
	result "$name" $bad "gwA av0 tx ${d[0]} B/${d[1]} pkts, peer tx ${d[2]} B/${d[3]} pkts;" \
		"gwB av0 rx ${d[4]} B/${d[5]} pkts, peer rx ${d[6]} B/${d[7]} pkts${4:+; want $4 B/$5 pkts}"
}

setup_topology v4 || fatal "topology"
iperf_server lanB || fatal "iperf-server"
for outer in v4 v6; do
	use_outer $outer && setup_tunnel || fatal "$outer-setup"
	# Only the measured traffic crosses the tunnel: lanB does not answer.
	n lanB sysctl -qw net.ipv4.icmp_echo_ignore_all=1
	s0=$(snap)
	n lanA ping -q -c 10 -i 0.2 -W 1 -s 1000 "$LANB4" >/dev/null
	s1=$(snap)
	compare "$outer-ping-1028-bytes" "$s0" "$s1" 10280 10
	n lanB sysctl -qw net.ipv4.icmp_echo_ignore_all=0

	s0=$(settled)
	iperf_run lanA "$LANB4" 2 "$WORK/iperf.json" || log "iperf3 failed"
	s1=$(settled)
	compare "$outer-tcp" "$s0" "$s1"
	check "$outer-teardown" teardown_tunnel
done
finish
