#!/bin/bash
# vm-timeout: 400
# Two gateways behind one NAT: Paris sits behind San Jose's NAT router, which
# does no hairpinning, so each one's public endpoint (the NAT's address) is
# unreachable from the other and only the private endpoint (the other's WAN
# address, which the registry lists) joins them. The tunnel forms over it
# on both ends, LAN to LAN traffic passes, and Paris still reaches San
# Francisco through the shared NAT's public address.
. "$(dirname "$0")/org.sh"

org_topology par=sj || fatal topology
org_registries || fatal registries
org_gateways sj sf par || fatal gateways
check par_sj_up wait_until 120 org_peer_up par sj
check sj_par_up wait_until 60 org_peer_up sj par
check par_sf_up wait_until 60 org_peer_up par sf

# SITE's view of PEER-SITE: its endpoint of KIND, and the remote of its up path.
endpoint() { # SITE PEER-SITE KIND
	org_status "$1" | jq -r --arg p "${ORG_NAME[$2]}" --arg k "$3" \
		'.peers[] | select(.name == $p) | .endpoints[] | select(.kind == $k) | .address'
}
up_remote() { # SITE PEER-SITE
	org_status "$1" | jq -r --arg p "${ORG_NAME[$2]}" \
		'.peers[] | select(.name == $p) | .paths[] | select(.state == "up") | .remote'
}
for v in par:sj sj:par; do
	a=${v%:*} b=${v#*:}
	priv=$(endpoint $a $b private)
	pub=$(endpoint $a $b public)
	remote=$(up_remote $a $b)
	echo "# $a -> $b: private $priv, public $pub, path up to $remote"
	check "${a}_knows_${b}_private" test "${priv%:*}" = "${ORG_WAN[$b]}"
	check "${a}_to_${b}_over_private" test -n "$remote" -a "$remote" = "$priv"
done
# Paris's public endpoint, as San Francisco sees it, is the shared NAT's.
remote=$(up_remote sf par)
echo "# sf -> par: path up to $remote"
check sf_to_par_over_shared_public test "${remote%:*}" = "${ORG_PUB[sj]}"
check lanpar_to_lansj n lanpar ping -c 3 -i 0.2 -W 2 10.100.0.10
check lansj_to_lanpar n lansj ping -c 3 -i 0.2 -W 2 10.60.0.10
check lanpar_to_lansf n lanpar ping -c 3 -i 0.2 -W 2 10.200.0.10
finish
