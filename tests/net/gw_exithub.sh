#!/bin/bash
# vm-timeout: 400
# Full tunnel in a mesh: San Francisco, a hub, lists San Jose as its exit
# hub. A San Francisco LAN host reaches an internet address through San
# Jose, while San Francisco's registry traffic still leaves directly and
# its own LAN stays outside the tunnel; San Jose, the exit, gets no default
# route back. Captures on both NATs' outsides show it.
. "$(dirname "$0")/org.sh"

ORG_SF_EXTRA="exit-hub = ${ORG_NAME[sj]}"
org_topology || fatal topology
org_registries || fatal registries
org_gateways sj sf || fatal gateways
wait_until 120 org_peer_up sf sj || fatal tunnel
wait_until 60 org_peer_up sj sf || fatal tunnel

check default_route_in_vpn_table bash -c "ip -n gwsf route show table 9350 | grep -q '^default dev av0'"
check default_via_exit_hub test "$(org_route_via sf 0.0.0.0/0)" = "${ORG_NAME[sj]}"
check exit_hub_has_no_default_back bash -c "! ip -n gwsj route show table 9350 | grep -q '^default'"

check lan_reaches_hub_lan n lansf ping -c 1 -W 2 10.100.0.10
org_check_full_tunnel sf sj 10.200.0.10
finish
