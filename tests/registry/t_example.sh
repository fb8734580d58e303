#!/bin/bash
# examples/org.conf as shipped (keys from examples/keys/), two registries:
# London gets exactly its two hubs in order with their exported subnets, the
# hubs get exactly London's use-vpn subnets, and San Francisco's manual port
# forwarding (nat-traversal = manual) is what its peers are told.
. tests/registry/lib.sh
W=$(mktemp -d); trap cleanup EXIT
cp -r examples/org.conf examples/keys "$W/"
chmod 600 "$W"/keys/*.key "$W"/keys/psk.secret   # git checkouts make them 0644
REGPUB=$(cat "$W/keys/registry.pub")
start_registry 1 127.0.0.1:9350 19390
start_registry 2 127.0.0.2:9351 19391
SJ="Cisco Cloud Interconnect - San Jose"; SF="Meraki San Francisco - Security"
LON="London - Finsbury"
"$SIM" register -r 127.0.0.1:9350 -r 127.0.0.2:9351 -k "$REGPUB" \
	--gw "$SJ=$W/keys/san-jose.key" --gw "$SF=$W/keys/san-francisco.key" \
	--gw "$LON=$W/keys/london-finsbury.key" --timeout 10 > "$W/out" || fail "simulator failed"
field() { awk -F'\t' -v g="$1" -v p="$2" '$1=="gw-peer" && $2==g && $3==p' "$W/out" | cut -f"$3"; }
list() { awk -F'\t' -v g="$1" '$1=="gw-peer" && $2==g {print $3}' "$W/out" | paste -sd'|'; }
[ "$(list "$LON")" = "$SJ|$SF" ] || fail "London's peers: $(list "$LON")"
[ "$(list "$SJ")" = "$SF|$LON" ] || fail "San Jose's peers: $(list "$SJ")"
[ "$(field "$LON" "$SJ" 5)" = prio=1 ] && [ "$(field "$LON" "$SF" 5)" = prio=2 ] ||
	fail "hub order"
[ "$(field "$LON" "$SJ" 7)" = "routes=10.100.0.0/16@0,10.200.0.0/16@1" ] ||
	fail "London->SJ $(field "$LON" "$SJ" 7)"
exp="routes=10.0.60.0/24@0,10.0.20.0/24@0,10.50.177.0/24@0,10.50.176.32/29@0"
exp="$exp,10.50.176.128/25@0,10.50.179.128/25@0,10.50.182.0/23@0,198.133.219.0/24@0"
[ "$(field "$SJ" "$LON" 7)" = "$exp" ] || fail "SJ->London $(field "$SJ" "$LON" 7)"
grep -q '192.168.100.0' "$W/out" && fail "SJ's use-vpn=no subnet leaked"
# SF is behind manual port forwarding: peers get that, not the observed endpoint.
ep=$(field "$LON" "$SF" 9)
echo "$ep" | grep -q 'wan1:manual:203.0.113.10:51625' || fail "no manual endpoint: $ep"
echo "$ep" | grep -q 'wan1:public:' && fail "observed endpoint sent despite manual NAT: $ep"
# Each gateway is told its own settings (SELF): London's rules and classes
# in order, San Francisco's manual NAT endpoint, the org's purge time.
self() { awk -F'\t' -v g="$1" '$1=="gw-self" && $2==g' "$W/out" | cut -f"$2"; }
[ "$(self "$LON" 3-5)" = "$(printf 'flags=active-active,\tpurge=10800\tmanual=')" ] ||
	fail "London's settings: $(self "$LON" 3-5)"
[ "$(self "$LON" 6)" = "classes=VoIP:150/100/30,Interactive video:250/200/-1" ] ||
	fail "London's classes: $(self "$LON" 6)"
exp="prefs=63/1/p17/s10.0.20.0/24/q46/c0,15/2/p6/d10.100.0.0/16/dp443-443"
exp="$exp,51/0/p17/dp3478-3481/c1"
[ "$(self "$LON" 7)" = "$exp" ] || fail "London's flow preferences: $(self "$LON" 7)"
self "$SF" 3-5 | grep -q "manual-nat.*manual=203.0.113.10:51625" ||
	fail "San Francisco's settings: $(self "$SF" 3-5)"
j=$(api 19390 "/api/v1/gateways/Meraki%20San%20Francisco%20-%20Security") || fail api
[ "$(echo "$j" | jget .nat)" = manual ] || fail "SF NAT shown as $(echo "$j" | jget .nat)"
echo "examples/org.conf: peers, order, subnets and manual NAT endpoint as configured"
