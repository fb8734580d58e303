#!/bin/bash
# What the internet sees (topology: tests/net/topo.sh): tcpdump on rt's
# interface towards gwB captures the tunnel during ping + TCP traffic that
# carries a known marker, across a key swap. Then:
#   - the marker must not appear anywhere in the capture (no plaintext);
#   - wirecheck (libsodium, not the kernel) decrypts every DATA packet with
#     the key files, finds well-formed inner IPv4/IPv6 packets, the marker in
#     the plaintext, both keys in use, and no (key, path, counter) twice.
# Run for outer IPv4 and IPv6.
. "$(dirname "$0")/topo.sh"

MARKER=AVPNMARK7ee1
# ping -p takes up to 16 pattern bytes in hex: the marker's ASCII.
PATTERN=$(printf %s "$MARKER" | od -An -tx1 | tr -d ' \n')

setup_topology v4 || fatal "topology"
iperf_server lanB || fatal "iperf-server"
# flowing TX0: gwA has sent 100 packets more than TX0.
flowing() { [ "$(peer_stat gwA .tx_packets)" -gt $(($1 + 100)) ]; }

for outer in v4 v6; do
	t=outer-$outer
	use_outer $outer && setup_tunnel || fatal "$t-setup"
	make_keys 2 || fatal "$t-keys"
	pcap=$OUT/wire-$outer.pcap

	# A payload file with the marker for a plain TCP transfer (socat).
	for i in $(seq 200); do echo "line $i $MARKER of the secret payload"; done >"$WORK/payload"
	bg lanB timeout 120 socat -u TCP-LISTEN:7000,reuseaddr OPEN:"$WORK/received",creat,trunc
	sock_pid=$BG_PID
	bg rt timeout 180 tcpdump -i rb -s 0 -U -w "$pcap" udp 2>"$WORK/tcpdump.err"
	dump_pid=$BG_PID
	wait_until 30 grep -q "listening on" "$WORK/tcpdump.err" || fatal "$t-tcpdump-start"
	wait_for_tcp_port lanB 7000 || fatal "$t-socat-listen"

	check "$t-ping4-marker" n lanA timeout 20 ping -q -c 3 -i 0.3 -W 3 -p "$PATTERN" "$LANB4"
	check "$t-ping6-marker" n lanA timeout 20 ping -q -c 3 -i 0.3 -W 3 -p "$PATTERN" "$LANB6"
	check "$t-socat-transfer" n lanA timeout 30 socat -u OPEN:"$WORK/payload" TCP:"$LANB4":7000
	wait_until 20 cmp -s "$WORK/payload" "$WORK/received"
	result "$t-socat-payload-intact" $? "$(wc -c <"$WORK/received" 2>/dev/null) bytes"

	# Key swap while iperf3 runs: next on both sides first (the receiver
	# accepts next before the sender swaps), then B swaps, then A; iperf3
	# goes on long enough for key 2 to carry bulk data both ways.
	check "$t-install-next" eval 'install_next A 2 && install_next B 2'
	tx0=$(peer_stat gwA .tx_packets)
	bg lanA timeout 60 iperf3 -c "$LANB6" -p 5201 -t 10 --connect-timeout 10000 -J >/dev/null
	ipf=$BG_PID
	wait_until 30 flowing "$tx0" || log "iperf3 traffic did not start"
	check "$t-swap" eval 'swap_key B && swap_key A'
	wait "$ipf"
	result "$t-iperf3-across-swap" $?
	# Under a slow VM the swaps can land near the end of that run: make
	# sure key 2 carries bulk data in both directions whatever the timing.
	check "$t-iperf3-after-swap" n lanA timeout 60 iperf3 -c "$LANB6" -p 5201 -t 2 \
		--connect-timeout 10000
	check "$t-ping-after-swap" n lanA timeout 20 ping -q -c 2 -i 0.3 -W 3 -p "$PATTERN" "$LANB4"

	# Let the last packets reach the file, then stop tcpdump (it flushes
	# per packet with -U; SIGINT closes the file cleanly).
	sleep 1
	kill -INT "$dump_pid" 2>/dev/null
	wait "$dump_pid"
	stop_bg "$sock_pid"

	if grep -a -q "$MARKER" "$pcap"; then
		result "$t-no-plaintext-on-wire" 1 "marker found in the capture"
	else
		result "$t-no-plaintext-on-wire" 0 "$(stat -c %s "$pcap") bytes captured"
	fi
	# Keys as the receivers use them: packets to B carry RX_B and B
	# decrypts with ab*.key; packets to A carry RX_A, ba*.key.
	# --min-key-packets: every key, both directions, carried real traffic.
	"$NETBIN/wirecheck" --marker "$MARKER" --min-keys 4 --min-key-packets 20 \
		--key "$RX_B:1:$WORK/ab1.key" --key "$RX_A:1:$WORK/ba1.key" \
		--key "$RX_B:2:$WORK/ab2.key" --key "$RX_A:2:$WORK/ba2.key" \
		"$pcap"
	result "$t-wirecheck" $?
	check "$t-teardown" teardown_tunnel
done
finish
