#!/bin/bash
# DIAG: a gateway asks the registries what one of its peers reports. London
# (unfriendly NAT, and a firewall that drops high ports) and the hubs
# register with both registries and report their paths; each asks about
# each of its peers: both registries answer what that peer reported (NAT,
# high-port echo, connected, its path toward the asker).
. tests/registry/lib.sh
W=$(mktemp -d); trap cleanup EXIT
setup_example
start_registry 1 127.0.0.1:9350 19390 --keepalive-ms 200 --echo-port 40001
start_registry 2 127.0.0.2:9351 19391 --keepalive-ms 200 --echo-port 40002
example_gws "" "" ",unfriendly,echo-blocked"
"$SIM" register -r 127.0.0.1:9350 -r 127.0.0.2:9351 -k "$REGPUB" "${GWS[@]}" --timeout 10 \
	--run 2 --diag > "$W/out" || fail "simulator failed"
SJ="Cisco Cloud Interconnect - San Jose"; SF="Meraki San Francisco - Security"
LON="Meraki London - Finsbury"
diag() { awk -F'\t' -v g="$1" -v p="$2" -v r="reg=$3" '$1=="diag" && $2==g && $3==p && $4==r' "$W/out" | cut -f5-; }
for r in 1 2; do
	# San Jose asks about London: unfriendly, high ports blocked, its path to SJ
	# as the simulator reports it (up, 20 ms for its first peer, 1 % loss).
	[ "$(diag "$SJ" "$LON" $r)" = "$(printf 'status=ok\tconnected=1\tuplinks=wan1:unfriendly:blocked:1\tpaths=wan1-wan1:up:20000:100')" ] ||
		fail "SJ about London via registry $r: $(diag "$SJ" "$LON" $r)"
	# London asks about its hubs: friendly, high ports open.
	diag "$LON" "$SF" $r | grep -q "status=ok.*uplinks=wan1:friendly:ok:1.*paths=wan1-wan1:up:" ||
		fail "London about SF via registry $r: $(diag "$LON" "$SF" $r)"
done
[ "$(grep -c '^diag' "$W/out")" = 12 ] || fail "expected 6 questions x 2 registries: $(grep -c '^diag' "$W/out")"
[ "$(api 19390 /api/v1/stats | jget .diags)" = 6 ] || fail "registry 1 counted $(api 19390 /api/v1/stats | jget .diags)"
echo "DIAG: each gateway learnt what its peers report, from both registries"
