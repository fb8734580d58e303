#!/bin/bash
# vm-timeout: 400
# The reference organization end to end with autovpnd on every gateway
# (topology in org.sh): exactly the expected tunnels come up by themselves,
# LAN to LAN traffic flows (spoke to spoke through a hub), and `use-vpn no`
# subnets are neither routed nor reachable.
. "$(dirname "$0")/org.sh"

org_topology || fatal topology
org_registries || fatal registries
org_gateways sj sf lon par || fatal gateways
t0=$(date +%s%N)
if org_wait_tunnels 120; then
	pass tunnels_up
	echo "BENCH org_tunnels_up_ms $((($(date +%s%N) - t0) / 1000000))"
else
	fail tunnels_up
	for s in $ORG_SITES; do org_status "$s" | jq . ; done
fi

# Exactly the expected peers on every gateway, no other.
for s in $ORG_SITES; do
	want=$(for t in $ORG_EXPECTED; do
		[ "${t%-*}" = "$s" ] && echo "${ORG_NAME[${t#*-}]}"
		[ "${t#*-}" = "$s" ] && echo "${ORG_NAME[${t%-*}]}"
	done | sort)
	got=$(org_status "$s" | jq -r '.peers[].name' | sort)
	check "${s}_exact_peers" test "$want" = "$got"
done

check lon_to_sj n lanlon ping -c 2 -i 0.2 -W 2 10.100.0.10
check lon_to_sf n lanlon ping -c 2 -i 0.2 -W 2 10.200.0.10
check sj_to_sf n lansj ping -c 2 -i 0.2 -W 2 10.200.0.10
check par_to_lon_via_hub n lanpar ping -c 2 -i 0.2 -W 2 10.0.60.10
check sf_to_par n lansf ping -c 2 -i 0.2 -W 2 10.60.0.10
# use-vpn no: London's AV subnet and San Jose's out-of-band are not routed.
check_fails lon_av_not_reachable n lansj ping -c 1 -W 2 10.0.30.10
check_fails sj_oob_not_reachable n lanlon ping -c 1 -W 2 192.168.100.10
# They appear nowhere: not in any VPN table, not in any gateway's view
# (daemon and kernel, `show --json`), not in the registry's API.
NOVPN='10\.0\.30\.0|10\.0\.40\.0|192\.168\.100\.0'
for s in $ORG_SITES; do
	check "${s}_has_vpn_routes" test -n "$(n "gw$s" ip route show table 9350)"
	check_fails "${s}_no_novpn_route" grep -Eq "$NOVPN" <<<"$(n "gw$s" ip route show table 9350)"
	n "gw$s" "$AVPN" show av0 --json > "$WORK/show-$s.json"
	check "${s}_show_lists_routes" jq -e '.interfaces[0].routes | length > 0' "$WORK/show-$s.json"
	check_fails "${s}_show_no_novpn" grep -Eq "$NOVPN" "$WORK/show-$s.json"
	n inet curl -sf "http://127.0.0.1:9390/api/v1/gateways/$(jq -rn --arg n "${ORG_NAME[$s]}" '$n | @uri')" \
		> "$WORK/api-$s.json"
	check "${s}_api_exports" jq -e '.exported_subnets | length > 0' "$WORK/api-$s.json"
	check_fails "${s}_api_no_novpn" grep -Eq "$NOVPN" "$WORK/api-$s.json"
done
n inet curl -sf http://127.0.0.1:9390/api/v1/org > "$WORK/api-org.json"
check api_org_lists_networks jq -e '.networks | length == 4' "$WORK/api-org.json"
check_fails api_org_no_novpn grep -Eq "$NOVPN" "$WORK/api-org.json"
finish
