#!/bin/bash
# vm-timeout: 400
# Full tunnel through a hub (London lists San Jose with default-route): a
# London LAN host reaches an internet address through San Jose, while
# London's registry traffic still leaves directly, and London's own local
# subnets stay outside the tunnel. Captures on both NATs' outsides show it.
. "$(dirname "$0")/org.sh"

ORG_LON_SJ_FLAGS=default-route
org_topology || fatal topology
org_registries || fatal registries
org_gateways sj sf lon || fatal gateways
wait_until 120 org_peer_up lon sj || fatal tunnel
wait_until 60 org_peer_up sj lon || fatal tunnel

check default_route_in_vpn_table bash -c "ip -n gwlon route show table 9350 | grep -q '^default dev av0'"
check default_via_hub test "$(org_route_via lon 0.0.0.0/0)" = "${ORG_NAME[sj]}"

org_check_full_tunnel lon sj 10.0.30.10
finish
