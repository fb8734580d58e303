#!/bin/bash
# vm-timeout: 400
# A gateway whose kernel was booted with ipv6.disable=1 (common on
# appliances): autovpnd used to refuse to start, because the kernel refuses
# IPv6 policy rules there. It must run IPv4 only: its IPv4 rules, its VPN
# table without the org's IPv6 prefixes (here London's full tunnel through
# San Jose, whose ::/0 has nowhere to go), tunnels, LAN traffic and the full
# tunnel as with IPv6; and a restart adopts that state again.
# Runs in a VM of its own booted with ipv6.disable=1 (make check-vm-noipv6).
. "$(dirname "$0")/../org.sh"

[ ! -e /proc/sys/net/ipv6 ] ||
	fatal "this scenario needs a kernel booted with ipv6.disable=1 (make check-vm-noipv6)"

ORG_LON_SJ_FLAGS=default-route
org_topology || fatal topology
org_registries || fatal registries
org_gateways sj lon || fatal gateways
check lon_sj_up wait_secs 120 org_peer_up lon sj
check sj_lon_up wait_secs 60 org_peer_up sj lon
# shellcheck disable=SC2154 # org_gateway sets them (eval)
check daemons_running kill -0 "$ORG_GW_PID_sj" "$ORG_GW_PID_lon"
check says_ipv4_only grep -q 'this kernel has no IPv6' "$AVPN_OUT/autovpnd-lon.log"

rules() { ip -n gwlon -4 rule | grep -c "$1"; }
check ipv4_rule_vpn test "$(rules 'lookup 9350')" = 1
check ipv4_rule_mark test "$(rules 'fwmark 0x9350 lookup main')" = 1
check ipv4_rule_local test "$(rules 'suppress_prefixlength 0')" = 1
check default_route_in_vpn_table bash -c "ip -n gwlon route show table 9350 | grep -q '^default dev av0'"
check lan_route_in_vpn_table bash -c "ip -n gwlon route show table 9350 | grep -q '^10.100.0.0/16 dev av0'"
check show_lists_hub test -n "$(org_show_peer lon "${ORG_NAME[sj]}")"
check lanlon_to_lansj n lanlon ping -c 3 -i 0.2 -W 2 10.100.0.10
check lansj_to_lanlon n lansj ping -c 3 -i 0.2 -W 2 10.0.60.10
org_check_full_tunnel lon sj 10.0.30.10
# Nothing was refused: no IPv6 prefix was sent to a kernel without IPv6.
check no_route_errors bash -c "! grep -E 'VPN routing table [0-9]+:|policy rules for table' '$AVPN_OUT/autovpnd-lon.log'"

# A restart finds its rules and routes and keeps them (IPv4 only).
org_kill lon TERM
org_gateway lon
check restarted_lon_sj_up wait_secs 60 org_peer_up lon sj
# shellcheck disable=SC2154
check restarted_running kill -0 "$ORG_GW_PID_lon"
check restarted_ipv4_rule_vpn test "$(rules 'lookup 9350')" = 1
check restarted_lanlon_to_lansj n lanlon ping -c 3 -i 0.2 -W 2 10.100.0.10
finish
