#!/bin/bash
# vm-timeout: 500
# NAT classification and traversal (the reference's "NAT type"):
#   - London and San Jose behind `masquerade random` (a port per
#     destination): the two registries see different ports, so both are
#     unfriendly, in the daemon's view and in the registry's API;
#   - Paris behind plain masquerade: friendly;
#   - San Francisco behind an unfriendly NAT too, but with manual port
#     forwarding: it forms its tunnels with everyone;
#   - London and San Jose cannot reach each other directly, and their
#     traffic is relayed through San Francisco, a hub both are connected to.
. "$(dirname "$0")/org.sh"

org_topology lon=random sj=random sf=fwdrandom || fatal topology
org_registries || fatal registries
org_gateways sj sf lon par || fatal gateways

nat_is() { # SITE TYPE: as the daemon classifies its wan1
	[ "$(org_status "$1" | jq -r '.uplinks[0].nat')" = "$2" ]
}
api_nat_is() { # SITE TYPE: as the registry's API shows it
	n inet curl -s http://127.0.0.1:9390/api/v1/gateways |
		jq -e --arg n "${ORG_NAME[$1]}" --arg t "$2" '.[] | select(.name == $n) | .nat == $t' \
			>/dev/null
}
check lon_unfriendly wait_until 60 nat_is lon unfriendly
check sj_unfriendly wait_until 60 nat_is sj unfriendly
check par_friendly wait_until 60 nat_is par friendly
check sf_manual wait_until 60 nat_is sf manual
check api_lon_unfriendly wait_until 30 api_nat_is lon unfriendly
check api_par_friendly wait_until 30 api_nat_is par friendly
check api_sf_manual wait_until 30 api_nat_is sf manual

# Manual port forwarding: San Francisco, behind an unfriendly NAT, reaches all.
for s in sj lon par; do
	check "sf_${s}_tunnel" wait_until 90 org_peer_up sf "$s"
done
check lon_to_sf_lan n lanlon ping -c 2 -W 2 10.200.0.10

# London <-> San Jose: no direct path, relayed through San Francisco.
check_fails lon_sj_not_direct org_peer_up lon sj
check lon_to_sj_relayed n lanlon ping -c 3 -W 2 10.100.0.10
check sj_to_lon_relayed n lansj ping -c 3 -W 2 10.0.60.10
check lon_route_via_sf test "$(org_route_via lon 10.100.0.0/16)" = "${ORG_NAME[sf]}"
finish
