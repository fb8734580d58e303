#!/bin/bash
# DSCP through the tunnel (topology: tests/net/topo.sh; issue 7): the outer
# header carries the inner packet's DSCP, so the WAN can queue tunnelled
# traffic by class (voice before bulk), with ECN encapsulated as RFC 6040
# says (ecn.sh checks that part). The receiver keeps the inner DSCP as it
# was sent: nothing on the WAN changes it.
#
# lanA pings with a TOS byte; rt counts the outer DATA packets towards gwB
# by DSCP (nft), lanB the inner ones. Inner IPv4 and IPv6, outer IPv4 and
# IPv6; EF (46) with ECT(0), AF41 (34) Not-ECT, CS1 (8) with CE, and 0.
. "$(dirname "$0")/topo.sh"

ctr() { n "$1" nft list counter inet dscpt "$2" | awk '/packets/ { print $2 }'; }
rules() { # NS HOOK MATCH4 MATCH6: the counters of NS, for the packets its hook sees
	local ns=$1 hook=$2 m4=$3 m6=$4
	n "$ns" nft -f - <<-EOF
		table inet dscpt {
			counter ef4 { }
			counter af41_4 { }
			counter cs1_4 { }
			counter be4 { }
			counter ef6 { }
			counter af41_6 { }
			chain c {
				type filter hook $hook priority 0; policy accept;
				$m4 ip dscp ef counter name ef4
				$m4 ip dscp af41 counter name af41_4
				$m4 ip dscp cs1 counter name cs1_4
				$m4 ip dscp cs0 counter name be4
				$m6 ip6 dscp ef counter name ef6
				$m6 ip6 dscp af41 counter name af41_6
			}
		}
	EOF
}
reset() { n "$1" nft reset counters table inet dscpt >/dev/null; }
pings() { n lanA ping -q -c 3 -i 0.2 -W 2 -Q "$1" "${@:2}" >/dev/null 2>&1; }
# expect NAME NS COUNTER WANT
expect() {
	local v
	v=$(ctr "$2" "$3")
	result "$1" $((${v:-0} < $4)) "$2 $3 = ${v:-?}, want >= $4"
}

for outer in v4 v6; do
	setup_topology $outer && setup_tunnel || fatal "setup-$outer"
	# rt sees the outer packets (UDP to gwB's port), lanB the inner ones.
	rules rt forward "udp dport $PORT_B" "udp dport $PORT_B" || fatal "nft-rt"
	rules lanB input "icmp type echo-request" "icmpv6 type echo-request" || fatal "nft-lanB"

	# rt matches the outer header's DSCP: ip dscp or ip6 dscp.
	if [ $outer = v4 ]; then ef=ef4 af=af41_4; else ef=ef6 af=af41_6; fi

	reset rt; reset lanB
	pings 0xba "$LANB4" # EF + ECT(0)
	expect "outer-$outer-ef-from-inner-v4" rt $ef 3
	expect "outer-$outer-inner-v4-ef-kept" lanB ef4 3
	reset rt; reset lanB
	pings 0x88 "$LANB4" # AF41, Not-ECT
	expect "outer-$outer-af41-from-inner-v4" rt $af 3
	expect "outer-$outer-inner-v4-af41-kept" lanB af41_4 3
	reset rt; reset lanB
	pings 0xb8 -6 "$LANB6" # EF in the traffic class
	expect "outer-$outer-ef-from-inner-v6" rt $ef 3
	expect "outer-$outer-inner-v6-ef-kept" lanB ef6 3
	if [ $outer = v4 ]; then
		reset rt
		pings 0x23 "$LANB4" # CS1 + CE: the outer gets CS1 and ECT(0) (RFC 6040)
		expect "outer-v4-cs1-from-inner-ce" rt cs1_4 3
		reset rt
		pings 0x00 "$LANB4"
		expect "outer-v4-best-effort-stays-0" rt be4 3
	fi
	teardown_tunnel
	n rt nft delete table inet dscpt
	n lanB nft delete table inet dscpt
done
finish
