#!/bin/bash
# vm-timeout: 500
# Rekeying under load: iperf3 through the tunnel with a 5 s rekey interval
# (--rekey-secs) survives every rekey; retransmits are reported against the
# same run with the default interval (no rekey during it).
. "$(dirname "$0")/org.sh"

org_topology || fatal topology
org_registries || fatal registries

run() { # NAME REKEY-SECS
	org_gateways sj lon --rekey-secs "$2" || fatal gateways
	wait_until 120 org_peer_up lon sj || fatal tunnel
	wait_until 60 org_peer_up sj lon || fatal tunnel
	bg lansj iperf3 -s -1 -p 5201
	wait_for_port lansj tcp 5201 || fatal iperf
	local hs0 hs1
	hs0=$(cat "$AVPN_OUT"/autovpnd-{sj,lon}.log | grep -c "handshake complete")
	if n lanlon iperf3 -c 10.100.0.10 -p 5201 -t 25 -J > "$WORK/$1.json"; then
		pass "$1_iperf_survives"
	else
		fail "$1_iperf_survives"
	fi
	hs1=$(cat "$AVPN_OUT"/autovpnd-{sj,lon}.log | grep -c "handshake complete")
	echo "BENCH ${1}_handshakes $((hs1 - hs0))"
	echo "BENCH ${1}_retransmits $(jq '.end.sum_sent.retransmits' "$WORK/$1.json")"
	echo "BENCH ${1}_mbps $(jq '.end.sum_received.bits_per_second / 1e6 | floor' "$WORK/$1.json")"
	eval "HS_$1=$((hs1 - hs0))"
	org_kill sj TERM
	org_kill lon TERM
}
run baseline 120
ip -n gwsj link del av0
ip -n gwlon link del av0
run rekey 5
# 25 s at one rekey per 5 s (both sides' timers): at least four.
check many_rekeys test "$HS_rekey" -ge 4
check baseline_no_rekey test "$HS_baseline" -le 1
finish
