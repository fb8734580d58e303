#!/bin/bash
# DATA on a path the receiver has not configured is dropped and counted
# (topology: tests/net/topo.sh; issue 9, defect 12). A path id names the
# same path on both gateways (their daemons agree on the numbering); the
# receiver keeps counters and a replay window per configured path, so an
# authentic packet on a path id it never configured used to be delivered
# and counted under no path.
#
# gwB has path 0 (up) and path 1 (configured, down: receiving on a down path
# is fine) for peer 1. datapkt builds authentic packets with gwA's transmit
# key (an ICMP echo lanA -> lanB inside) on paths 1, 2 and 3:
#   path 1 -> delivered, counted on gwB's path 1;
#   paths 2, 3 -> dropped, counted as drops.path, peer rx_packets unchanged.
. "$(dirname "$0")/topo.sh"

DATAPKT=$NETBIN/datapkt
send_b() { n gwA "$NETBIN/udpsend" -b "$GWA_OUT" "$(ep "$GWB_OUT" $PORT_B)" "$@"; }
# pkt PATH COUNTER: an authentic DATA packet from A to B.
pkt() { "$DATAPKT" "$WORK/ab1.key" $RX_B 1 "$1" "$2" "icmp4:$LANA4:$LANB4"; }
path_rx() { peer_stat gwB ".paths[] | select(.id == $1) | .rx_packets"; }

setup_topology v4 && setup_tunnel || fatal "setup"
check "tunnel-up" n lanA timeout 20 ping -q -c 2 -i 0.3 -W 3 "$LANB4"
check "path1-configured-down" n gwB "$AVPN" set av0 peer 1 \
	path 1 uplink 0 endpoint "$EP_A" state down

# Counters far above what the pings used: no replay window is in the way.
rx0=$(peer_stat gwB .rx_packets) p1=$(path_rx 1)
check "path1-sent" send_b "$(pkt 1 1099511627776)"
grew() { [ "$(peer_stat gwB .rx_packets)" -gt "$rx0" ]; }
wait_until 10 grew
rx1=$(peer_stat gwB .rx_packets) p1b=$(path_rx 1)
result "configured-down-path-receives" $((rx1 != rx0 + 1 || p1b != p1 + 1)) \
	"peer rx_packets $rx0 -> $rx1, path 1 rx_packets $p1 -> $p1b"

d0=$(peer_stat gwB '.drops.path // 0')
check "path2-sent" send_b "$(pkt 2 1099511627777)" "$(pkt 3 1099511627778)"
counted() { [ "$(peer_stat gwB '.drops.path // 0')" -ge $((d0 + 2)) ]; }
wait_until 10 counted
sleep 0.5 # anything delivered would have been counted by now
rx2=$(peer_stat gwB .rx_packets) d1=$(peer_stat gwB '.drops.path // 0')
result "unconfigured-path-not-delivered" $((rx2 != rx1)) "peer rx_packets $rx1 -> $rx2"
result "unconfigured-path-counted" $((d1 != d0 + 2)) "peer drops.path $d0 -> $d1"
check "tunnel-still-up" n lanA timeout 20 ping -q -c 2 -i 0.3 -W 3 "$LANB4"
finish
