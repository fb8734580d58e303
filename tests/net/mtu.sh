#!/bin/bash
# MTU of av0 (topology: tests/net/topo.sh, outer IPv4): the default is 1420
# (1500 - 60 bytes of IPv4 + UDP + header + tag). A DF packet that does not
# fit earns the sender an ICMP "fragmentation needed" / ICMPv6 "packet too
# big" with mtu 1420, from the forwarding stack (route MTU) and from av0
# itself (route MTU locked higher); one that fits goes through; large TCP (GSO/GRO
# aggregates) goes through both from a LAN host and from the gateway itself.
. "$(dirname "$0")/topo.sh"

# too_big NAME FAMILY-ARGS DST SIZE: the DF ping must fail with mtu 1420.
too_big() {
	local name=$1 out
	shift
	out=$(n lanA timeout 20 ping "$@" -M do -c 2 -i 0.3 -W 2 2>&1)
	echo "$out" | sed 's/^/#   /'
	if echo "$out" | grep -Eq 'mtu ?= ?1420' && ! echo "$out" | grep -q ' 0% packet loss'; then
		result "$name" 0
	else
		result "$name" 1 "no 'mtu = 1420' error"
	fi
}

setup_topology v4 && setup_tunnel || fatal "setup"

mtu=$(n gwA cat /sys/class/net/av0/mtu)
result "default-mtu-1420" $((mtu != 1420)) "av0 mtu $mtu"
jmtu=$(dev_stat gwA .mtu)
result "show-json-mtu" $((jmtu != 1420)) "autovpn show: mtu $jmtu"

# 1392 + 8 (ICMP) + 20 (IPv4) = 1420: fits. 1400 + 28 = 1428: does not.
check "ipv4-df-1420-fits" n lanA timeout 20 ping -q -M do -s 1392 -c 2 -i 0.3 -W 3 "$LANB4"
too_big "ipv4-df-1428-frag-needed" -s 1400 "$LANB4"
# 1372 + 8 (ICMPv6) + 40 (IPv6) = 1420.
check "ipv6-1420-fits" n lanA timeout 20 ping -q -M do -s 1372 -c 2 -i 0.3 -W 3 "$LANB6"
too_big "ipv6-1428-packet-too-big" -s 1380 "$LANB6"
# Without DF, IPv4 is fragmented before av0 and still arrives.
check "ipv4-no-df-fragmented" n lanA timeout 20 ping -q -M dont -s 3000 -c 2 -i 0.3 -W 3 "$LANB4"
# From the gateway itself the route MTU applies.
too_big_gw=$(n gwA timeout 20 ping -M do -s 1400 -c 1 -W 2 "$LANB4" 2>&1)
echo "$too_big_gw" | grep -Eq 'mtu ?= ?1420'
result "gateway-local-df-too-big" $? "$(echo "$too_big_gw" | grep -m1 -i mtu)"

# The module's own check: with the route MTU locked above the device MTU,
# the forwarding stack lets a 1428-byte DF packet through to av0, which must
# answer it itself (ICMP from the xmit path) and count drops.too_big.
n gwA ip route replace 10.2.0.0/24 dev av0 mtu lock 1500
n gwA ip -6 route replace fd02::/64 dev av0 mtu lock 1500
n lanA ip route flush cache
n lanA ip -6 route flush cache
tb0=$(dev_stat gwA .drops.too_big)
too_big "module-ipv4-frag-needed" -s 1400 "$LANB4"
too_big "module-ipv6-packet-too-big" -s 1380 "$LANB6"
tb1=$(dev_stat gwA .drops.too_big)
result "module-too-big-counted" $((${tb1:-0} < ${tb0:-0} + 2)) "device drops.too_big $tb0 -> $tb1"
n gwA ip route replace 10.2.0.0/24 dev av0
n gwA ip -6 route replace fd02::/64 dev av0
n lanA ip route flush cache
n lanA ip -6 route flush cache

# Large TCP: GRO on gwA's LAN side hands av0 aggregated (GSO) packets.
n gwA ethtool -K lan gro on >/dev/null 2>&1
n gwA ethtool -K wan gro on >/dev/null 2>&1
iperf_server lanB || fatal "iperf-server"
for src in lanA gwA; do
	json=$OUT/mtu-iperf-$src.json
	if iperf_run $src "$LANB4" 3 "$json" && m=$(iperf_mbps "$json"); then
		result "large-tcp-from-$src" 0 "$m Mbit/s"
	else
		result "large-tcp-from-$src" 1
	fi
done
json=$OUT/mtu-iperf-gwA-v6.json
iperf_run gwA "$LANB6" 3 "$json" && m=$(iperf_mbps "$json")
result "large-tcp6-from-gwA" $? "${m:-0} Mbit/s"
finish
