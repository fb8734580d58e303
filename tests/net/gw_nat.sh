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
check api_sj_unfriendly wait_until 30 api_nat_is sj unfriendly
check api_par_friendly wait_until 30 api_nat_is par friendly
check api_sf_manual wait_until 30 api_nat_is sf manual

# Manual port forwarding: San Francisco, behind an unfriendly NAT, reaches all.
for s in sj lon par; do
	check "sf_${s}_tunnel" wait_until 90 org_peer_up sf "$s"
done
check lon_to_sf_lan n lanlon ping -c 2 -i 0.2 -W 2 10.200.0.10

# London <-> San Jose: no direct path, relayed through San Francisco.
check_fails lon_sj_not_direct org_peer_up lon sj
check lon_to_sj_relayed n lanlon ping -c 3 -i 0.2 -W 2 10.100.0.10
check sj_to_lon_relayed n lansj ping -c 3 -i 0.2 -W 2 10.0.60.10
check lon_route_via_sf test "$(org_route_via lon 10.100.0.0/16)" = "${ORG_NAME[sf]}"
# ... and both say so: the route is not direct, it goes via San Francisco
# because the preferred peer is not up ("next best"), in JSON and text.
route_of() { # SITE PREFIX: "decision|via|reason"
	org_status "$1" | jq -r --arg p "$2" '.routes[] | select(.prefix == $p)
		| "\(.decision)|\(.via)|\(.reason)"'
}
echo "# London's route to San Jose: $(route_of lon 10.100.0.0/16)"
echo "# San Jose's route to London: $(route_of sj 10.0.60.0/24)"
check lon_route_says_next_best grep -Eq "^transit\|${ORG_NAME[sf]}\|${ORG_NAME[sj]} is .*next best" \
	<<<"$(route_of lon 10.100.0.0/16)"
check sj_route_says_next_best grep -Eq "^(relay|transit)\|${ORG_NAME[sf]}\|${ORG_NAME[lon]} is .*next best" \
	<<<"$(route_of sj 10.0.60.0/24)"
n gwlon "$AVPN" show av0 > "$WORK/show-lon" 2>&1
check lon_show_says_transit grep -Eq "10\.100\.0\.0/16 +via ${ORG_NAME[sf]} .* transit +${ORG_NAME[sj]} is .*next best" \
	"$WORK/show-lon"
# London's diagnose names its NAT and why: the port differs per registry.
n gwlon "$AVPN" diagnose av0 > "$WORK/diag-lon" 2>&1
check lon_diagnose_nat_unfriendly grep -q 'NAT unfriendly: the upstream NAT rewrites the source port' \
	"$WORK/diag-lon"
n gwpar "$AVPN" diagnose av0 > "$WORK/diag-par" 2>&1
check par_diagnose_nat_friendly grep -q 'NAT friendly: ' "$WORK/diag-par"
check_fails par_diagnose_not_unfriendly grep -q 'NAT unfriendly' "$WORK/diag-par"
finish
