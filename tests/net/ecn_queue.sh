#!/bin/bash
# vm-timeout: 600
# The crypto queues' congestion marks (kernel/aqm.c, module parameters
# ecn_target_us and ecn_interval_us; topology: tests/net/topo.sh). CoDel
# marks CE an ECN-capable packet that it would drop, and so does a queue
# half full, instead of leaving the queue to overflow. Bursts (netem slot)
# make a queue wait for a few tens of ms at a time: small ones are a
# transient under CoDel's 100 ms interval and are not marked (at most 1 %
# on a loaded host), with ecn_interval_us=0 (a plain 5 ms threshold) they
# are; a burst of more than half a queue is marked under the defaults:
#   transmit  a UDP flood from lanA that reaches gwA in bursts (netem slot
#             on lanA's link): gwA's encrypt queue waits, the outer header
#             is marked (counted at rt) and the mark reaches lanB (RFC 6040
#             decapsulation at gwB); ECT(0) and ECT(1);
#   receive   a slow flood, held at rt and handed to gwB in bursts of about
#             1,500 packets (netem slot), default settings: gwB's decrypt
#             queue fills past half. rt first turns any outer CE back into
#             ECT(0), so every CE at lanB is gwB's own mark; Not-ECT
#             bursts there with interval 0 are dropped as receive drops;
#   counted   gwA's peer tx_ce_marks grows by what rt saw marked, gwB's
#             rx_ce_marks by what lanB saw marked (autovpn show's JSON);
#   never     Not-ECT packets, anything with ecn_target_us=0, and short
#             bursts under CoDel's interval (the default; at most 1 %);
#   aqm_drop  off by default: Not-ECT is neither marked nor dropped by
#             CoDel; with aqm_drop=1, what CoDel would mark is dropped
#             instead when it is Not-ECT (counted as tx_congestion /
#             rx_congestion), and still marked when it is ECN-capable;
#             gwA's drops counted as transmit drops (tx_congestion, av0's
#             tx dropped), gwB's as receive drops; with interval 0 here,
#             with the other defaults in the TCP part;
#   TCP       8 flows through a tunnel slower than their sender, default
#             settings, the queues stand: without ECN (Linux's default
#             endpoints) and aqm_drop=1 CoDel drops and marks nothing; with
#             ECN (tcp_ecn=1 at both ends) av0 marks and the receiver sees
#             CE.
. "$(dirname "$0")/topo.sh"

PARAM=/sys/module/autovpn/parameters/ecn_target_us
IPARAM=/sys/module/autovpn/parameters/ecn_interval_us
DPARAM=/sys/module/autovpn/parameters/aqm_drop
# The module stays loaded for the next scenario: put the defaults back
# however this one ends, keeping the exit status for lib.sh's cleanup.
restore_params() {
	local rc=$?
	if [ "$BASHPID" = "$LIB_MAIN_PID" ]; then
		echo 5000 >$PARAM
		echo 100000 >$IPARAM
		echo N >$DPARAM
	fi 2>/dev/null
	return $rc
}
trap 'restore_params; cleanup' EXIT

ctr() { n "$1" nft list counter inet ecnq "$2" | awk '/packets/ { print $2 }'; }
reset_counters() {
	n lanB nft reset counters table inet ecnq >/dev/null &&
		n rt nft reset counters table inet ecnq >/dev/null
}

# flood SECS TOS RATE: iperf3's UDP datagrams from lanA to lanB's port
# 5201 (lanB's input hook counts them by ECN field), 4 streams of RATE each:
# a socket's send buffer holds only about 160 of them while netem holds them.
flood() {
	n lanA timeout $(($1 + 20)) iperf3 -c "$LANB4" -p 5201 -u -P 4 -b "$3" -l 1300 \
		-t "$1" -S "$2" --connect-timeout 10000 >>"$OUT/flood.log" 2>&1 ||
		log "iperf3 flood (tos $2, $3) failed: see flood.log"
}

setup_topology v4 && setup_tunnel || fatal "setup"
[ -w "$PARAM" ] && [ -w "$IPARAM" ] && [ -w "$DPARAM" ] || fatal "no $PARAM, $IPARAM or $DPARAM"
result "default-aqm-drop-off" "$([ "$(cat $DPARAM)" = N ]; echo $?)" "aqm_drop $(cat $DPARAM)"
result "default-target-5ms" $(($(cat $PARAM) != 5000)) "$(cat $PARAM) us"
result "default-interval-100ms" $(($(cat $IPARAM) != 100000)) "$(cat $IPARAM) us"

# lanB: the inner ECN field of the flood's datagrams; rt: the outer field
# of the tunnel's packets towards gwB (iperf3's TCP control connection is
# among them: not ECN-capable until the TCP part at the end sets tcp_ecn,
# so it is never marked before).
n lanB nft -f - <<-EOF || fatal "nft lanB"
	table inet ecnq {
		counter ce { }
		counter ect { }
		counter ect1 { }
		counter notect { }
		chain in {
			type filter hook input priority 0; policy accept;
			udp dport 5201 ip ecn ce counter name ce
			udp dport 5201 ip ecn ect0 counter name ect
			udp dport 5201 ip ecn ect1 counter name ect1
			udp dport 5201 ip ecn not-ect counter name notect
		}
	}
EOF
n rt nft -f - <<-EOF || fatal "nft rt"
	table inet ecnq {
		counter ce { }
		counter outall { }
		chain tunnel {
			type filter hook forward priority 0; policy accept;
			udp dport $PORT_B counter name outall
			udp dport $PORT_B ip ecn ce counter name ce
		}
	}
EOF
iperf_server lanB || fatal "iperf-server"

# ---- transmit: gwA's encrypt queue waits ------------------------------------
# lanA's link releases what it holds every 200 ms at once: about 190
# packets at a time (the 4 sockets' send buffers hold no more) for gwA to
# encrypt while the last ones wait.
# (A flood alone does not do it under TCG: iperf3 sends slower than the
# cipher runs.)
n lanA tc qdisc add dev lan root netem slot 200ms 200ms limit 100000 || fatal "netem lanA"

# The defaults: each burst's wait is over long before CoDel's 100 ms, and
# about 190 packets (2,841 in 15 bursts) are far from half a queue. On a
# host loaded enough to stretch a worker's wakeups, a wait may stand for
# an interval now and then (2 CE at lanB of 2,653 packets, with another
# VM's flood on the same 2 CPUs): at most 1 % of them, where interval 0
# below marks most.
reset_counters
flood 3 0x02 10M
ce=$(ctr lanB ce) outer=$(ctr rt ce) all=$(ctr rt outall)
log "ECT(0) bursts at gwA, default interval: lanB ce=$ce; rt outer ce=$outer of $all"
result "transient-bursts-not-marked" $((all == 0 || (ce + outer) * 100 > all)) "lanB $ce, outer $outer CE of $all"

echo 0 >$IPARAM
reset_counters
m0=$(peer_stat gwA .tx_ce_marks) r0=$(peer_stat gwB .rx_ce_marks)
flood 3 0x02 10M
m1=$(peer_stat gwA .tx_ce_marks) r1=$(peer_stat gwB .rx_ce_marks)
ce=$(ctr lanB ce) ect=$(ctr lanB ect) outer=$(ctr rt ce)
log "ECT(0) bursts at gwA: lanB ce=$ce ect=$ect; rt outer ce=$outer of $(ctr rt outall);" \
	"gwB marked $((r1 - r0)) itself"
result "tx-marks-outer-header" $((outer == 0)) "$outer outer CE"
# gwB's own queue marks too (the parameters are the module's): what lanB
# sees is gwA's marks, moved inward by gwB, plus gwB's.
result "tx-mark-reaches-lanB" $((ce != outer + r1 - r0)) \
	"$ce CE at lanB, $outer outer + $((r1 - r0)) gwB"
# The peer's counter (autovpn show, metrics) counts exactly what rt saw.
result "tx-marks-counted" $((m1 - m0 != outer)) "gwA peer tx_ce_marks +$((m1 - m0)), rt $outer"

# ECT(1) is ECN-capable too (RFC 3168; L4S senders use it).
reset_counters
flood 3 0x01 10M
ce=$(ctr lanB ce) ect1=$(ctr lanB ect1) outer=$(ctr rt ce)
log "ECT(1) bursts: lanB ce=$ce ect1=$ect1; rt outer ce=$outer"
result "ect1-tx-marked" $((outer == 0 || ce == 0)) "outer $outer, lanB $ce CE"

# ---- aqm_drop=0 (the default): Not-ECT neither marked nor dropped by CoDel --
congestion() {
	echo $(($(dev_stat gwA .drops.tx_congestion) + $(dev_stat gwA .drops.rx_congestion) +
		$(dev_stat gwB .drops.tx_congestion) + $(dev_stat gwB .drops.rx_congestion)))
}
reset_counters
c0=$(congestion)
flood 3 0x00 10M
ce=$(ctr lanB ce) notect=$(ctr lanB notect) outer=$(ctr rt ce) c1=$(congestion)
log "Not-ECT bursts, aqm_drop=0: lanB ce=$ce notect=$notect; rt outer ce=$outer; congestion drops $((c1 - c0))"
result "not-ect-arrives" $((notect == 0)) "$notect datagrams"
result "not-ect-never-marked" $((ce + outer != 0)) "lanB $ce, outer $outer CE"
result "aqm-drop-off-not-ect-not-dropped" $((c1 != c0)) "$((c1 - c0)) congestion drops"

# ---- aqm_drop=1, interval 0: Not-ECT dropped, ECT marked --------------------
# av0's own drop count in NS for DIR (tx or rx), as ip -s link shows it.
av0_dropped() { n "$1" ip -j -s link show av0 | jq -er ".[0].stats64.$2.dropped"; }
echo Y >$DPARAM
reset_counters
c0=$(congestion) t0=$(dev_stat gwA .drops.tx_congestion) x0=$(av0_dropped gwA tx)
flood 3 0x00 10M
ce=$(ctr lanB ce) notect=$(ctr lanB notect) outer=$(ctr rt ce) c1=$(congestion)
t1=$(dev_stat gwA .drops.tx_congestion) x1=$(av0_dropped gwA tx)
log "Not-ECT bursts, aqm_drop=1: lanB notect=$notect ce=$ce; outer ce=$outer; congestion drops $((c1 - c0))," \
	"gwA tx_congestion $((t1 - t0)), av0 tx dropped $((x1 - x0))"
result "aqm-drop-not-ect-dropped" $((c1 == c0)) "$((c1 - c0)) congestion drops"
# The bursts wait in gwA's encrypt queue: its drops are transmit drops.
result "aqm-drop-tx-counted-tx" $((t1 == t0 || x1 - x0 < t1 - t0)) \
	"gwA tx_congestion +$((t1 - t0)), av0 tx dropped +$((x1 - x0))"
result "aqm-drop-not-ect-arrives" $((notect == 0)) "$notect datagrams"
result "aqm-drop-not-ect-never-marked" $((ce + outer != 0)) "lanB $ce, outer $outer CE"
reset_counters
c0=$(congestion)
flood 3 0x02 10M
ce=$(ctr lanB ce) outer=$(ctr rt ce) c1=$(congestion)
echo N >$DPARAM
log "ECT(0) bursts, aqm_drop=1: lanB ce=$ce; outer ce=$outer; congestion drops $((c1 - c0))"
result "aqm-drop-ect-marked" $((outer == 0)) "$outer outer CE"
# ECN-capable packets are marked, not dropped, and so are those gwA marked
# CE already when gwB's queue would signal again (a drop there once cost a
# third of them). iperf3's Not-ECT control connection shares the queue and
# may lose a packet or two: fewer drops than 5 % of the marks, and one.
result "aqm-drop-ect-and-ce-kept" $(((c1 - c0) * 20 > outer + 20)) \
	"$((c1 - c0)) congestion drops, $outer outer CE"

# ---- ecn_target_us=0: no marks ----------------------------------------------
echo 0 >$PARAM
reset_counters
flood 3 0x02 10M
ce=$(ctr lanB ce) ect=$(ctr lanB ect) outer=$(ctr rt ce)
echo 5000 >$PARAM
n lanA tc qdisc del dev lan root
log "ECT(0) bursts, target 0: lanB ce=$ce ect=$ect; rt outer ce=$outer"
result "target-0-ect-arrives" $((ect == 0)) "$ect datagrams"
result "target-0-no-marks" $((ce + outer != 0)) "lanB $ce, outer $outer CE"

# ---- receive: gwB's decrypt queue fills past half ---------------------------
# Keys die 180 s after install, which a loaded host's run of this scenario
# passes: fresh ones here and before the TCP part (topo.sh's rekey).
rekey 2 || fatal "rekey 2"
echo 100000 >$IPARAM
# rt releases what it holds every 400 ms at once: about 1,500 packets at a
# time for gwB (some overflow its queue), which decrypts them while the
# last ones wait. Whatever gwA marked is unmarked on the way (pedit at rb's
# egress, before netem), so a CE at lanB can only be gwB's.
n rt tc qdisc add dev rb clsact &&
	n rt tc filter add dev rb egress protocol ip flower ip_proto udp dst_port $PORT_B \
		ip_tos 0x03/0x03 action pedit ex munge ip tos set 2 retain 3 pipe action csum ip &&
	n rt tc qdisc add dev rb root netem slot 400ms 400ms limit 100000 || fatal "netem"
# Packets lost between gwB's marking and lanB's count: av0's GRO cells
# (rx dropped), gwB's LAN link and full backlog queues.
lost_after_av0() {
	local g l q=0 x
	g=$(av0_dropped gwB rx)
	l=$(n gwB ip -j -s link show lan | jq '.[0].stats64.tx.dropped')
	while read -r _ x _; do q=$((q + 16#$x)); done </proc/net/softnet_stat
	echo $((g + l + q))
}
reset_counters
m0=$(peer_stat gwB .rx_ce_marks) l0=$(lost_after_av0)
flood 3 0x02 10M
m1=$(peer_stat gwB .rx_ce_marks) l1=$(lost_after_av0)
ce=$(ctr lanB ce) ect=$(ctr lanB ect) outer=$(ctr rt ce)
log "ECT(0) bursts at gwB: lanB ce=$ce ect=$ect; rt outer ce=$outer (unmarked)"
# Not-ECT bursts into gwB's decrypt queue, aqm_drop=1, interval 0:
# receive drops.
echo 0 >$IPARAM
echo Y >$DPARAM
r0=$(dev_stat gwB .drops.rx_congestion) x0=$(av0_dropped gwB rx)
flood 3 0x00 10M
r1=$(dev_stat gwB .drops.rx_congestion) x1=$(av0_dropped gwB rx)
echo N >$DPARAM
echo 100000 >$IPARAM
n rt tc qdisc del dev rb root
n rt tc qdisc del dev rb clsact
log "Not-ECT bursts at gwB, interval 0: gwB rx_congestion $((r1 - r0)), av0 rx dropped $((x1 - x0))"
result "rx-bursts-arrive" $((ect + ce == 0)) "$((ect + ce)) datagrams"
result "rx-marks-inner" $((ce == 0)) "$ce CE at lanB"
# Every CE at lanB was counted; a marked packet may still be lost on the
# way (the bursts overflow queues), but no more than were lost.
result "rx-marks-counted" $((ce > m1 - m0 || m1 - m0 - ce > l1 - l0)) \
	"gwB peer rx_ce_marks +$((m1 - m0)), lanB $ce, lost after av0 $((l1 - l0))"
result "aqm-drop-rx-counted-rx" $((r1 == r0 || x1 - x0 < r1 - r0)) \
	"gwB rx_congestion +$((r1 - r0)), av0 rx dropped +$((x1 - x0))"

# ---- TCP without ECN, aqm_drop=1: CoDel drops -------------------------------
rekey 3 || fatal "rekey 3"
# Linux's default endpoints (tcp_ecn=2: never asks for ECN), aqm_drop=1,
# the other parameters' defaults (100 ms interval): a standing queue gets
# drops, no marks. Up to 3 runs, until one had a drop: each run's slow
# start may end in overflow drops instead, and a run under TCG is short.
echo Y >$DPARAM
marks() { echo $(($(peer_stat gwA .tx_ce_marks) + $(peer_stat gwB .rx_ce_marks))); }
c0=$(congestion) m0=$(marks)
for try in 1 2 3; do
	iperf_run lanA "$LANB4" 8 "$OUT/iperf-tcp-notect-$try.json" -P 8 ||
		log "TCP without ECN, run $try: iperf3 failed"
	[ $(($(congestion) - c0)) -gt 0 ] && break
done
c1=$(congestion) m1=$(marks)
echo N >$DPARAM
log "TCP without ECN, 8 flows, $try run(s): CoDel dropped $((c1 - c0)), marked $((m1 - m0))"
result "tcp-not-ect-codel-drops" $((c1 == c0)) "$((c1 - c0)) congestion drops in $try run(s)"
result "tcp-not-ect-no-marks" $((m1 != m0)) "$((m1 - m0)) marks"

# ---- TCP that negotiated ECN ------------------------------------------------
n lanA sysctl -qw net.ipv4.tcp_ecn=1 && n lanB sysctl -qw net.ipv4.tcp_ecn=1 ||
	fatal "tcp_ecn"
ce0=$(n lanB nstat -az IpExtInCEPkts | awk '/IpExtInCEPkts/ { print $2 }')
json=$OUT/iperf-tcp-ecn.json
d0=$(($(dev_stat gwA .drops.tx_busy) + $(dev_stat gwB .drops.rx_busy))) m0=$(marks) c0=$(congestion)
if iperf_run lanA "$LANB4" 8 "$json" -P 8 && mbps=$(iperf_mbps "$json"); then
	ce1=$(n lanB nstat -az IpExtInCEPkts | awk '/IpExtInCEPkts/ { print $2 }')
	d1=$(($(dev_stat gwA .drops.tx_busy) + $(dev_stat gwB .drops.rx_busy))) m1=$(marks) c1=$(congestion)
	retr=$(jq -r '.end.sum_sent.retransmits // "?"' "$json")
	log "TCP with ECN, 8 flows: $mbps Mbit/s, $retr retransmits, av0 marked $((m1 - m0))," \
		"lanB received $((ce1 - ce0)) CE, queues overflowed $((d1 - d0)) times," \
		"CoDel dropped $((c1 - c0)) Not-ECT packets (ACKs, retransmissions, iperf3's control)"
	result "tcp-ecn-av0-marked" $((m1 - m0 == 0)) "$((m1 - m0)) marks"
	result "tcp-ecn-receiver-sees-ce" $((ce1 - ce0 == 0)) "$((ce1 - ce0)) CE packets"
else
	result "tcp-ecn-ran" 1 "$(jq -r '.error // empty' "$json" 2>/dev/null)"
fi
finish
