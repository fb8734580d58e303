#!/bin/bash
# vm-timeout: 400
# A path the kernel refuses must not hold back the peer's other paths.
# London has two uplinks; its kernel loses wan2 behind autovpnd's back
# (`autovpn set av0 uplink 1 none`), so every change autovpnd makes to a
# path on wan2 is refused ("unknown uplink"). The kernel takes a request
# whole or not at all, and autovpnd used to send all of a peer's path
# changes in one request: wan2's refused change, retried at every update,
# held back every change on wan1 too. Here San Jose's NAT maps it to a new
# port while wan2's change is pending: London's wan1 path must still follow
# San Jose there, and `show` flags the path the kernel refused meanwhile.
. "$(dirname "$0")/org.sh"

org_topology || fatal topology
org_lon_wan2 || fatal "London's wan2"
org_registries --keepalive-ms 1000 || fatal registries
org_gateway_conf lon
org_lon_wan2_conf
org_gateways sj lon || fatal gateways
wait_until 120 org_peer_up lon sj || fatal tunnel

SJ=${ORG_NAME[sj]}
kpath() { # UPLINK: London's kernel path to San Jose on it: "state endpoint"
	org_show_peer lon "$SJ" |
		jq -r --argjson u "$1" '.paths[]? | select(.uplink == $u) | "\(.state) \(.endpoint)"'
}
both_up() { kpath 0 | grep -q '^up ' && kpath 1 | grep -q '^up '; }
wait_secs 90 both_up || fatal "London's two paths to San Jose"

# The kernel loses wan2; then wan2's path goes down in autovpnd's eyes,
# a change the kernel refuses.
n gwlon "$AVPN" set av0 uplink 1 none || fatal "uplink 1 none"
ip -n gwlon link set wan2 down
refused() { grep -q "setting path [0-9]: unknown uplink" "$AVPN_OUT/autovpnd-lon.log"; }
check wan2_change_refused wait_secs 30 refused
flagged() {
	org_show_peer lon "$SJ" |
		jq -e '.paths[] | select(.uplink == 1) | .disagreement | test("^up in the kernel")' \
			> /dev/null
}
check show_flags_refused_path wait_secs 10 flagged

# San Jose's router maps it elsewhere: London learns the new address
# (registry, probes) and its wan1 path must move there in the kernel too.
old=$(kpath 0)
old=${old#* }
lo=50000 hi=50100
[ "${old##*:}" -ge $lo ] && [ "${old##*:}" -le $hi ] && lo=52000 hi=52100
echo "# London's wan1 path sends to San Jose at $old; San Jose's NAT moves to $lo-$hi"
org_nat_remap sj $lo $hi
moved() {
	local k port
	k=$(kpath 0)
	port=${k##*:}
	[ "${k%% *}" = up ] && [ "$port" -ge $lo ] 2>/dev/null && [ "$port" -le $hi ]
}
check wan1_path_follows wait_secs 60 moved
echo "# London's wan1 path now: $(kpath 0)"
check lon_reaches_sj wait_secs 20 n lanlon ping -c 1 -W 1 10.100.0.10
check sj_reaches_lon wait_secs 20 n lansj ping -c 1 -W 1 10.0.60.10
finish
