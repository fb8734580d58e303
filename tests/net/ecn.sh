#!/bin/bash
# ECN through the tunnel, RFC 6040 (topology: tests/net/topo.sh; issue 9,
# defect 5). Encapsulation copies the inner ECN field to the outer header;
# decapsulation must carry a congestion mark (CE) that a WAN queue set on
# the outer header into the inner packet, and drop an outer-CE packet whose
# inner packet is not ECN-capable (it cannot carry the mark).
#
# rt marks every outer packet towards gwB CE (tc pedit, as a congested AQM
# would); lanB counts the ECN field of what arrives (nft):
#   inner ECT(0), outer CE  -> arrives CE            (IPv4 and IPv6 inner)
#   inner Not-ECT, outer CE -> dropped and counted (gwB drops.inner)
#   without marking: ECT(0) and Not-ECT arrive unchanged.
. "$(dirname "$0")/topo.sh"

ctr() { n lanB nft list counter inet ecnt "$1" | awk '/packets/ { print $2 }'; }
# pings N TOS [ARGS]: N echo requests from lanA with the TOS byte (ECN bits).
pings() { n lanA ping -q -c "$1" -i 0.2 -W 1 -Q "$2" "${@:3}" >/dev/null 2>&1; }
counted() { # NAME WANT COUNTER...: the counters sum to WANT
	local name=$1 want=$2 c sum=0 detail=
	shift 2
	for c in "$@"; do
		v=$(ctr "$c")
		sum=$((sum + ${v:-0}))
		detail="$detail $c=${v:-?}"
	done
	result "$name" $((sum != want)) "want $want:$detail"
}

setup_topology v4 && setup_tunnel || fatal "setup"
n lanB nft -f - <<-EOF || fatal "nft"
	table inet ecnt {
		counter ce4 { }
		counter ect4 { }
		counter notect4 { }
		counter ce6 { }
		counter ect6 { }
		chain in {
			type filter hook input priority 0; policy accept;
			icmp type echo-request ip ecn ce counter name ce4
			icmp type echo-request ip ecn ect0 counter name ect4
			icmp type echo-request ip ecn not-ect counter name notect4
			icmpv6 type echo-request ip6 ecn ce counter name ce6
			icmpv6 type echo-request ip6 ecn ect0 counter name ect6
		}
	}
EOF

# Without congestion marks the field crosses unchanged.
pings 3 0x02 "$LANB4"
pings 3 0x00 "$LANB4"
counted "unmarked-ect0-unchanged" 3 ect4
counted "unmarked-notect-unchanged" 3 notect4
counted "unmarked-no-ce" 0 ce4

# rt marks the outer packets towards gwB CE.
n rt tc qdisc add dev rb clsact || fatal "clsact"
n rt tc filter add dev rb egress protocol ip flower ip_proto udp dst_port $PORT_B \
	action pedit ex munge ip tos set 3 retain 3 pipe action csum ip || fatal "pedit"
n lanB nft reset counters table inet ecnt >/dev/null

pings 5 0x02 "$LANB4"
counted "outer-ce-marks-inner-ect0-v4" 5 ce4
counted "outer-ce-not-lost-v4" 0 ect4
pings 5 0x02 -6 "$LANB6"
counted "outer-ce-marks-inner-ect0-v6" 5 ce6
counted "outer-ce-not-lost-v6" 0 ect6

n lanB nft reset counters table inet ecnt >/dev/null
i0=$(peer_stat gwB .drops.inner)
pings 5 0x00 "$LANB4"
counted "outer-ce-inner-notect-dropped" 0 notect4 ce4
i1=$(peer_stat gwB .drops.inner)
result "outer-ce-inner-notect-counted" $((i1 - i0 != 5)) "gwB peer drops.inner $i0 -> $i1"
finish
