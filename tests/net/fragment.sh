#!/bin/bash
# An IPv4 packet without DF that does not fit av0 (topology:
# tests/net/topo.sh; issue 7). The module fragments the inner packet
# before encapsulating, as the stack does in front of any device: every
# fragment becomes a DATA packet that fits the uplink, lanB's stack
# reassembles, and the WAN never sees a fragmented outer packet (which
# NATs and firewalls often drop, and which the far gateway would have to
# reassemble before it could even authenticate it).
#
# The stack fragments to av0's MTU before av0 when the route says so; to
# make av0 meet such a packet itself, gwA's route to lanB is locked at MTU
# 1500 (as in mtu.sh). Then pings of 1450 and 3000 bytes without DF from
# lanA (lanB's answers come back through gwB's ordinary route, fragmented
# by the stack). rt counts outer fragments (nft: IPv4 MF/offset, IPv6
# fragment header); gwB's peer counts the DATA packets. With DF the same
# size still earns ICMP "fragmentation needed" (mtu.sh checks it in full).
. "$(dirname "$0")/topo.sh"

frags() { n rt nft list counter inet fragt "$1" | awk '/packets/ { print $2 }'; }

for outer in v4 v6; do
	setup_topology $outer && setup_tunnel || fatal "setup-$outer"
	n rt nft -f - <<-EOF || fatal "nft"
		table inet fragt {
			counter outer4 { }
			counter outer6 { }
			counter data { }
			chain c {
				type filter hook forward priority 0; policy accept;
				iifname "ra" ip frag-off & 0x3fff != 0 counter name outer4
				iifname "ra" exthdr frag exists counter name outer6
				iifname "ra" udp dport $PORT_B counter name data
			}
		}
	EOF
	n gwA ip route replace 10.2.0.0/24 dev av0 mtu lock 1500
	n lanA ip route flush cache

	for size in 1450 3000; do
		rx0=$(peer_stat gwB .rx_packets)
		d0=$(frags data)
		check "outer-$outer-$size-no-df-arrives" \
			n lanA timeout 20 ping -q -M dont -s $size -c 3 -i 0.3 -W 3 "$LANB4"
		rx1=$(peer_stat gwB .rx_packets)
		d1=$(frags data)
		# A DATA packet per fragment of at most 1420 bytes (1400 of data):
		# 1478 bytes -> 2. 3028 bytes leave lanA (MTU 1500) as 1500 +
		# 1500 + 68, av0 cuts each 1500 in 2 -> 5. Without the fix: one
		# DATA packet per packet av0 got (1 and 3), fragmented outside.
		want=$((size == 1450 ? 2 * 3 : 5 * 3))
		result "outer-$outer-$size-inner-fragments" $((rx1 - rx0 != want)) \
			"gwB DATA packets received $rx0 -> $rx1, want $want more"
		result "outer-$outer-$size-data-packets-at-rt" $((d1 - d0 != want)) \
			"$((d1 - d0)) outer packets to gwB's port, want $want"
	done
	f4=$(frags outer4) f6=$(frags outer6)
	result "outer-$outer-no-outer-fragments" $((f4 + f6)) "rt saw $f4 IPv4 / $f6 IPv6 outer fragments"
	check_fails "outer-$outer-df-still-too-big" \
		n lanA timeout 20 ping -q -M do -s 1450 -c 1 -W 2 "$LANB4"
	teardown_tunnel
done
finish
