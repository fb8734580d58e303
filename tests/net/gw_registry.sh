#!/bin/bash
# vm-timeout: 500
# Registries killed: tunnels keep passing traffic and the gateways say the
# registries are disconnected; registries back: the gateways reconnect.
# Config edits (a subnet flipped to use-vpn no, a spoke added) reach the
# routes of every gateway quickly (measured).
. "$(dirname "$0")/org.sh"

org_topology || fatal topology
# Keepalive every second: "disconnected" after 6 s instead of 60.
org_registries --keepalive-ms 1000 || fatal registries
org_gateways sj sf lon par || fatal gateways
org_wait_tunnels 120 || fatal tunnels

reg_connected() { # SITE true|false: both registries as the daemon sees them
	org_status "$1" | jq -e --argjson c "$2" '[.registries[].connected] == [$c, $c]' >/dev/null
}
for s in $ORG_SITES; do
	check "${s}_registries_connected" wait_until 20 reg_connected "$s" true
done

kill "$ORG_REG1_PID" "$ORG_REG2_PID"
wait "$ORG_REG1_PID" "$ORG_REG2_PID" 2>/dev/null
for s in $ORG_SITES; do
	check "${s}_sees_registries_down" wait_until 30 reg_connected "$s" false
done
check tunnel_without_registries n lanlon ping -c 3 -W 2 10.100.0.10
check spoke_to_spoke_without_registries n lanpar ping -c 3 -W 2 10.0.60.10

org_registries --keepalive-ms 1000 || fatal registries_again
for s in $ORG_SITES; do
	check "${s}_reconnects" wait_until 30 reg_connected "$s" true
done

# Flip London's VOIP subnet to use-vpn no: it leaves every route table.
has_route() { ip -n "gw$1" route show table 9350 | grep -q "^$2 "; }
gone_all() { # PREFIX
	local s
	for s in sj sf par; do has_route "$s" "$1" && return 1; done
	return 0
}
check voip_routed_before has_route sj 10.0.20.0/24
sed -i 's|^\(subnet = "VOIP" *10.0.20.0/24 *\)yes|\1no|' "$WORK/org.conf"
# From the moment the file changed (its mtime), not from before sed started.
t0=$(stat -c %.3Y "$WORK/org.conf" | tr -d .)
if wait_until 10 gone_all 10.0.20.0/24; then
	pass use_vpn_no_propagates
	for s in sj sf par; do
		echo "BENCH config_edit_to_routes_ms_$s $(org_log_delay "$s" "$t0" "VPN table")"
	done
else
	fail use_vpn_no_propagates
fi
check_fails voip_unreachable n lansj ping -c 1 -W 1 10.0.20.1

# Add a spoke (Berlin, behind San Jose): its subnet is routed everywhere
# it must be, even before Berlin's gateway ever shows up.
berlin=$("$AVPN" pubkey < <("$AVPN" genkey))
cat >> "$WORK/org.conf" <<-EOT

	[network "Berlin - Mitte"]
	public-key = $berlin
	mode = spoke
	hub = ${ORG_NAME[sj]}
	subnet = "Berlin LAN" 10.70.0.0/24 yes
	EOT
t0=$(stat -c %.3Y "$WORK/org.conf" | tr -d .)
there_all() { has_route sj 10.70.0.0/24 && has_route lon 10.70.0.0/24 && has_route par 10.70.0.0/24; }
if wait_until 10 there_all; then
	pass new_spoke_propagates
	for s in sj lon par; do
		echo "BENCH config_add_spoke_to_routes_ms_$s $(org_log_delay "$s" "$t0" "VPN table")"
	done
else
	fail new_spoke_propagates
fi
finish
