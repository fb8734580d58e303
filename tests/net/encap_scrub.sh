#!/bin/bash
# The outer packet starts clean (topology: tests/net/topo.sh; issue 9,
# defect 1). An inner packet arrives at av0 with a route (dst), a conntrack
# entry and a mark from the LAN side; the encrypted outer packet is a new
# packet of the uplink socket and must carry none of them:
#   - mark: gwA marks forwarded LAN traffic 0x2a; no outer UDP packet may
#     leave gwA with that mark (outer IPv4 and IPv6);
#   - conntrack: the outer UDP flow gets its own conntrack entry in gwA
#     instead of riding on the inner ICMP/TCP one (outer IPv6: nothing
#     scrubbed it before);
#   - route reference: inner IPv4 over outer IPv6 used to keep a reference
#     on the inner route per packet; once every namespace is gone, the
#     number of IPv4 routes (dst entries, /proc/net/stat/rt_cache) must be
#     back to what it was before the scenario.
. "$(dirname "$0")/topo.sh"

# Live IPv4 dst entries, all namespaces (the counter is global).
dst4() { echo $((16#$(awk 'NR == 2 { print $1 }' /proc/net/stat/rt_cache))); }
nsv() { n gwA nft list counter inet scrub "$1" | awk '/packets/ { print $2 }'; }

base=$(dst4)
log "IPv4 dst entries before: $base"
setup_topology v6 || fatal "topology"

# Mark what gwA forwards into the tunnel; count the outer packets that still
# carry the mark, or a conntrack entry that is not their own UDP one. The ct
# expression also turns conntrack on in gwA.
n gwA nft -f - <<-EOF || fatal "nft"
	table inet scrub {
		counter outer_pkts { }
		counter outer_marked { }
		counter outer_foreign_ct { }
		chain mark_lan {
			type filter hook forward priority 0; policy accept;
			ct state new,established ip daddr 10.2.0.0/24 meta mark set 0x2a
			ct state new,established ip6 daddr fd02::/64 meta mark set 0x2a
		}
		chain count_outer {
			type filter hook postrouting priority 0; policy accept;
			udp dport $PORT_B counter name outer_pkts
			udp dport $PORT_B meta mark 0x2a counter name outer_marked
			udp dport $PORT_B ct protocol != udp counter name outer_foreign_ct
		}
	}
EOF

for outer in v6 v4; do
	use_outer $outer && setup_tunnel || fatal "$outer-setup"
	n gwA nft reset counters table inet scrub >/dev/null
	n gwA conntrack -F >/dev/null 2>&1
	check "$outer-ping4" n lanA timeout 20 ping -q -c 5 -i 0.2 -W 3 "$LANB4"
	check "$outer-ping6" n lanA timeout 20 ping -q -c 5 -i 0.2 -W 3 "$LANB6"
	total=$(nsv outer_pkts) marked=$(nsv outer_marked) foreign=$(nsv outer_foreign_ct)
	result "$outer-outer-packets-seen" $((${total:-0} < 10)) "${total:-?} outer packets"
	result "$outer-outer-mark-cleared" $((${marked:-1} != 0)) \
		"${marked:-?} of ${total:-?} outer packets carried the inner mark 0x2a"
	result "$outer-outer-own-conntrack" $((${foreign:-1} != 0)) \
		"${foreign:-?} of ${total:-?} outer packets carried the inner packet's conntrack entry"
	fam=ipv4
	[ $outer = v6 ] && fam=ipv6
	flows=$(n gwA conntrack -L -f $fam -p udp --dport $PORT_B 2>/dev/null | grep -c "dport=$PORT_B")
	result "$outer-outer-flow-tracked" $((${flows:-0} < 1)) "${flows:-0} conntrack entries for the outer UDP flow"
	check "$outer-teardown" teardown_tunnel
done

# Every namespace goes: their routes are freed, unless something still holds
# a reference (namespace teardown is asynchronous: poll).
for ns in $NAMESPACES; do ip netns del "$ns"; done
back() { [ "$(dst4)" -le "$base" ]; }
wait_until 60 back
now=$(dst4)
result "no-route-reference-leaked" $((now > base)) "IPv4 dst entries: $base before, $now after"
finish
