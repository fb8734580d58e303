#!/bin/bash
# Two registries, the example organization: every gateway gets exactly the
# expected peers, subnets and pairwise psk; London's unfriendly NAT (another
# source port toward registry 2) is detected and reported to the registry.
. tests/registry/lib.sh
W=$(mktemp -d); trap cleanup EXIT
setup_example
start_registry 1 127.0.0.1:9350 19390 --keepalive-ms 200
start_registry 2 127.0.0.2:9351 19391 --keepalive-ms 200
example_gws "" "" ",unfriendly"
# The gateways keep running (keepalives) while the API is checked below.
"$SIM" register -r 127.0.0.1:9350 -r 127.0.0.2:9351 -k "$REGPUB" "${GWS[@]}" --timeout 10 \
	--run 30 > "$W/out" &
PIDS+=($!)
for _ in $(seq 200); do grep -q '^ready' "$W/out" && break; sleep 0.05; done
grep -q '^ready' "$W/out" || fail "gateways did not register"
# NAT types reach the registry with the next keepalives (200 ms).
for _ in $(seq 100); do
	[ "$(api 19390 "/api/v1/gateways/Meraki%20London%20-%20Finsbury" | jget .nat)" = unfriendly ] && break
	sleep 0.05
done

SJ="Cisco Cloud Interconnect - San Jose"; SF="Meraki San Francisco - Security"
LON="Meraki London - Finsbury"
LON_YES="10.0.60.0/24,10.0.20.0/24,10.50.177.0/24,10.50.176.32/29,10.50.176.128/25,10.50.179.128/25,10.50.182.0/23,198.133.219.0/24"
# field: gw-peer GW PEER ROLE PRIO FLAGS ROUTES ALLOWED ENDPOINTS PSK
peerline() { awk -F'\t' -v g="$1" -v p="$2" '$1=="gw-peer" && $2==g && $3==p' "$W/out"; }
field() { peerline "$1" "$2" | cut -f"$3"; }
npeers() { awk -F'\t' -v g="$1" '$1=="gw-peer" && $2==g' "$W/out" | wc -l; }

[ "$(npeers "$LON")" = 2 ] || fail "London should have 2 peers"
[ "$(npeers "$SJ")" = 2 ] && [ "$(npeers "$SF")" = 2 ] || fail "hubs should have 2 peers each"
[ "$(field "$LON" "$SJ" 4-5)" = "$(printf 'hub\tprio=1')" ] || fail "San Jose is London's primary hub"
[ "$(field "$LON" "$SF" 4-5)" = "$(printf 'hub\tprio=2')" ] || fail "San Francisco is London's 2nd hub"
# London reaches SJ's LAN directly via SJ and SF's via SJ as transit (metric 1), and vice versa.
[ "$(field "$LON" "$SJ" 7)" = "routes=10.10.0.0/16@0,10.20.0.0/16@1" ] || fail "London->SJ routes: $(field "$LON" "$SJ" 7)"
[ "$(field "$LON" "$SF" 7)" = "routes=10.20.0.0/16@0,10.10.0.0/16@2" ] || fail "London->SF routes: $(field "$LON" "$SF" 7)"
# Hubs route exactly London's use-vpn=yes subnets to London (not AV, MC).
for H in "$SJ" "$SF"; do
	exp=$(echo "$LON_YES" | tr , '\n' | sed 's/$/@0/' | paste -sd,)
	[ "$(field "$H" "$LON" 7)" = "routes=$exp" ] || fail "$H->London routes: $(field "$H" "$LON" 7)"
	[ "$(field "$H" "$LON" 4)" = spoke ] || fail "London is a spoke"
done
# Hubs are meshed; SF's 'no' subnet is never advertised.
[ "$(field "$SJ" "$SF" 7)" = "routes=10.20.0.0/16@0" ] || fail "SJ->SF routes: $(field "$SJ" "$SF" 7)"
grep -q '10.21.0.0' "$W/out" && fail "a use-vpn=no subnet leaked"
grep -q '10.0.30.0\|10.0.40.0' "$W/out" && fail "a use-vpn=no subnet leaked"
# Both ends of each pair got the same psk.
[ "$(field "$LON" "$SJ" 10)" = "$(field "$SJ" "$LON" 10)" ] || fail "psk differs London/SJ"
[ "$(field "$SF" "$SJ" 10)" = "$(field "$SJ" "$SF" 10)" ] || fail "psk differs SF/SJ"
[ "$(field "$LON" "$SJ" 10)" != "$(field "$LON" "$SF" 10)" ] || fail "psk must differ per pair"
# Peers learn each other's public and private endpoints.
field "$SJ" "$LON" 9 | grep -q 'wan1:public:127.1.0.2:' || fail "no public endpoint for London"

# NAT: friendly hubs, unfriendly London, reported to the registry by keepalives.
nat() { awk -F'\t' -v g="$1" '$1=="gw" && $2==g {print $3}' "$W/out"; }
[ "$(nat "$SJ")" = nat=friendly ] && [ "$(nat "$SF")" = nat=friendly ] || fail "hubs not friendly"
[ "$(nat "$LON")" = nat=unfriendly ] || fail "London not unfriendly: $(nat "$LON")"
j=$(api 19390 "/api/v1/gateways/Meraki%20London%20-%20Finsbury") || fail "api"
[ "$(echo "$j" | jget .nat)" = unfriendly ] || fail "registry shows London NAT $(echo "$j" | jget .nat)"
[ "$(echo "$j" | jget '.peers | length')" = 2 ] || fail "api: London peers"
[ "$(echo "$j" | jget '.exported_subnets | length')" = 8 ] || fail "api: London exported subnets"
# Path status reported in keepalives (the simulator reports 20 ms, 21 ms ... and 1 % loss).
for _ in $(seq 100); do
	j=$(api 19390 "/api/v1/gateways/Meraki%20London%20-%20Finsbury")
	[ "$(echo "$j" | jget '.paths | length')" = 2 ] && break
	sleep 0.05
done
[ "$(echo "$j" | jget '.paths | length')" = 2 ] || fail "api: London's path status missing"
[ "$(echo "$j" | jget '[.paths[] | select(.peer=="Cisco Cloud Interconnect - San Jose")][0] | "\(.up) \(.latency_ms) \(.loss_pct) \(.jitter_ms)"')" = "true 20 1 3" ] ||
	fail "api: path status $(echo "$j" | jq -c .paths)"
j=$(api 19391 "/api/v1/gateways") || fail "api 2"
[ "$(echo "$j" | jget '[.[] | select(.state=="connected")] | length')" = 3 ] || fail "registry 2: not all connected: $(echo "$j" | jq -c '[.[] | {name, state, last_seen_ms_ago}]')"
echo "peers and subnets as expected; London NAT unfriendly, hubs friendly"
