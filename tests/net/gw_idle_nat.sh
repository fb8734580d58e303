#!/bin/bash
# vm-timeout: 300
# An idle tunnel keeps its NAT mapping. London sits behind a NAT router that
# is also a stateful firewall (org_nat) and forgets a UDP mapping after 3 s
# without packets (8 s under the debug kernel); no traffic crosses the tunnel for 15 s. The daemons' path
# probes must keep London's mapping to San Jose alive the whole time (it is
# sampled every second and never missing), so San Jose can still reach
# London and the first packet after the idle time gets through. The control:
# a mapping nobody refreshes is gone after those seconds.
. "$(dirname "$0")/org.sh"

IDLE_SECS=15
# The NAT's UDP timeout. Under the debug kernel a command takes seconds to
# start, and the control's mapping (below) expired before conntrack could
# list it; 8 s is still well within the idle time, and well above the
# probes' interval on an idle path.
NAT_SECS=3
[ "${AVPN_DEBUG_KERNEL:-0}" = 1 ] && NAT_SECS=8

org_topology || fatal topology
org_registries || fatal registries
org_gateways sj lon || fatal gateways
wait_until 120 org_peer_up lon sj || fatal tunnel
wait_until 60 org_peer_up sj lon || fatal tunnel

n natlon sysctl -qw net.netfilter.nf_conntrack_udp_timeout=$NAT_SECS \
	net.netfilter.nf_conntrack_udp_timeout_stream=$NAT_SECS || fatal "conntrack timeouts"
lport=$(org_status lon | jq -r '.uplinks[0].local | sub(".*:"; "")')
sjep=$(org_status lon | jq -r '.peers[] | select(.name | startswith("Cisco")) | .paths[0].remote')
echo "# London's uplink port $lport, San Jose at $sjep"
[ -n "$lport" ] && [ -n "$sjep" ] && [ "$sjep" != null ] || fatal "no path to San Jose"

mapping() { # SPORT DST-IP DST-PORT: natlon has a UDP mapping for that flow
	n natlon conntrack -L -p udp --orig-port-src "$1" --orig-dst "$2" --orig-port-dst "$3" \
		2>/dev/null | grep -q .
}
downs() { # SITE: path-down lines in its daemon's log so far
	grep -c ": path [^ ]* down, " "$AVPN_OUT/autovpnd-$1.log"
}

# The control: one datagram from another port of London's gateway, never
# refreshed, to the same address. Its mapping must be gone within the idle
# time, or this scenario proves nothing about keep-alives.
n gwlon "$NETBIN/udpsend" -b "${ORG_WAN[lon]}:45999" "$sjep" 00 || fatal "control datagram"
check control_mapping_made mapping 45999 "${sjep%:*}" "${sjep##*:}"

down_lon=$(downs lon) down_sj=$(downs sj)
missing=0
for ((i = 0; i < IDLE_SECS; i++)); do
	sleep 1
	mapping "$lport" "${sjep%:*}" "${sjep##*:}" || missing=$((missing + 1))
done
echo "BENCH idle_nat_mapping_missing_samples $missing"
check_fails control_mapping_expired mapping 45999 "${sjep%:*}" "${sjep##*:}"
check mapping_kept_while_idle test "$missing" -eq 0
check paths_stayed_up_lon test "$(downs lon)" -eq "$down_lon"
check paths_stayed_up_sj test "$(downs sj)" -eq "$down_sj"
# San Jose's side first: its packets enter London's NAT only through the
# mapping the probes kept.
check sj_reaches_london_after_idle n lansj ping -c 1 -W 2 10.0.60.10
check london_reaches_sj_after_idle n lanlon ping -c 1 -W 2 10.100.0.10
finish
