#!/bin/bash
# vm-timeout: 900
# Key swaps under a flood lose no packet (topology: tests/net/topo.sh;
# issue 9, defect 6). While gwB floods gwA (iperf3 UDP, lanB -> lanA) with
# its current key, gwA swaps keys again and again: each swap moves gwA's
# current key, the one gwB's packets use, to the previous slot. Every
# installed key must stay findable by a receiver throughout the swap (the
# old code published the new current first, so for an instant the old one
# was in no slot and packets under it were dropped as no_key). Rounds:
# install key N as next on both sides, gwA swaps (the race), gwB swaps.
# Checks: no no_key (or auth/replay) drop on gwA during the rounds.
#
# The window in the old code is two consecutive stores wide; under TCG it is
# hit rarely, if at all (see the issue's report for the measured numbers):
# this is above all a regression test that rotation under load drops nothing.
. "$(dirname "$0")/topo.sh"

ROUNDS=${ROUNDS:-30}
crypto_drops() { peer_stat "$1" '.drops.no_key + .drops.auth + .drops.replay'; }

setup_topology v4 && setup_tunnel || fatal "setup"
bg lanA timeout 600 iperf3 -s -p 5201 >/dev/null 2>&1
wait_for_tcp_port lanA 5201 30 || fatal "iperf-server"
# Every round's keys first: two genkeys a round are slow under the flood.
for ((r = 2; r < ROUNDS + 2; r++)); do
	make_keys $r || fatal "keys"
done
d0=$(crypto_drops gwA) || fatal "stats"
rx0=$(peer_stat gwA .rx_packets)
bg lanB timeout 550 iperf3 -c "$LANA4" -p 5201 -u -b 2G -l 1200 -t 500 --connect-timeout 10000
flood=$BG_PID
flowing() { [ "$(peer_stat gwA .rx_packets)" -gt $((rx0 + 1000)) ]; }
wait_until 30 flowing || fatal "flood" "no traffic from gwB"

ok=0
SECONDS=0
for ((r = 2; r < ROUNDS + 2; r++)); do
	install_next A $r && install_next B $r && swap_key A && swap_key B ||
		break
	ok=$((ok + 1))
done
secs=$SECONDS
rx1=$(peer_stat gwA .rx_packets)
stop_bg "$flood"
d1=$(crypto_drops gwA)
result "rounds" $((ok != ROUNDS)) "$ok of $ROUNDS swaps in ${secs}s, $((rx1 - rx0)) packets received by gwA"
result "no-drops-across-swaps" $((d1 != d0)) "gwA no_key+auth+replay $d0 -> $d1"
echo "BENCH key_swap_race_packets $((rx1 - rx0))"
finish
