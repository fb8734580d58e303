#!/bin/bash
# vm-timeout: 400
# An upstream firewall blocks UDP 9350-9381 in front of London: `autovpn
# show` says both registries are disconnected, `autovpn diagnose` names the
# blocked registry ports and exits 1, and the tunnels that exist keep
# passing traffic (peers' contact information did not change).
. "$(dirname "$0")/org.sh"

org_topology || fatal topology
org_registries --keepalive-ms 1000 || fatal registries
org_gateways sj sf lon || fatal gateways
wait_until 120 org_peer_up lon sj || fatal tunnel
wait_until 60 org_peer_up lon sf || fatal tunnel

connected() { # true|false: both registries, as `autovpn show --json` says
	n gwlon "$AVPN" show av0 --json |
		jq -e --argjson c "$1" '[.interfaces[0].registries[].connected] == [$c, $c]' >/dev/null
}
check connected_before wait_until 20 connected true
n gwlon "$AVPN" diagnose av0 > "$WORK/diag-ok"
check diagnose_ok_exit_0 test $? = 0

# The upstream firewall now drops the registry ports.
n natlon nft insert rule inet fw forward iifname "in" udp dport 9350-9381 drop
check shows_disconnected wait_until 30 connected false
n gwlon "$AVPN" diagnose av0 > "$WORK/diag"
rc=$?
cat "$WORK/diag"
check diagnose_exit_1 test $rc = 1
check diagnose_names_registry_ports grep -q "9350-9381" "$WORK/diag"
check diagnose_names_both_registries test "$(grep -c 'does not answer' "$WORK/diag")" = 2
check tunnel_keeps_passing n lanlon ping -c 3 -i 0.2 -W 2 10.100.0.10
check still_up org_peer_up lon sj
n gwlon "$AVPN" show av0 | sed -n '1,8p'
finish
