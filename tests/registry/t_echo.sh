#!/bin/bash
# High-port echo: both registries also listen on a high port (--echo-port).
# A gateway tests whether UDP to high ports gets out of its upstream (an
# answer from that port), reports it in its keepalives, and the registry
# shows it per uplink. San Francisco's "firewall" drops what goes to high
# ports: blocked; the others: ok.
. tests/registry/lib.sh
W=$(mktemp -d); trap cleanup EXIT
setup_example
start_registry 1 127.0.0.1:9350 19390 --keepalive-ms 300 --echo-port 40001
start_registry 2 127.0.0.2:9351 19391 --keepalive-ms 300 --echo-port 40002
example_gws "" ",echo-blocked" ""
"$SIM" register -r 127.0.0.1:9350 -r 127.0.0.2:9351 -k "$REGPUB" "${GWS[@]}" --timeout 10 \
	--run 20 > "$W/out" &
PIDS+=($!)
for _ in $(seq 200); do grep -q '^ready' "$W/out" && break; sleep 0.05; done
grep -q '^ready' "$W/out" || fail "gateways did not register"
echo_of() { awk -F'\t' -v g="$1" '$1=="gw" && $2==g {print $8}' "$W/out"; }
SJ="Cisco Cloud Interconnect - San Jose"; SF="Meraki San Francisco - Security"
LON="Meraki London - Finsbury"
[ "$(echo_of "$SJ")" = echo=ok ] || fail "San Jose: $(echo_of "$SJ")"
[ "$(echo_of "$LON")" = echo=ok ] || fail "London: $(echo_of "$LON")"
[ "$(echo_of "$SF")" = echo=blocked ] || fail "San Francisco: $(echo_of "$SF")"
# The keepalives carry it to both registries.
up() { api "$1" "/api/v1/gateways/$2" | jget '.uplinks[0].highport_echo'; }
for p in 19390 19391; do
	for _ in $(seq 100); do
		[ "$(up $p "Meraki%20San%20Francisco%20-%20Security")" = blocked ] &&
			[ "$(up $p "Meraki%20London%20-%20Finsbury")" = ok ] && break
		sleep 0.05
	done
	[ "$(up $p "Meraki%20San%20Francisco%20-%20Security")" = blocked ] ||
		fail "registry $p shows SF $(up $p "Meraki%20San%20Francisco%20-%20Security")"
	[ "$(up $p "Meraki%20London%20-%20Finsbury")" = ok ] ||
		fail "registry $p shows London $(up $p "Meraki%20London%20-%20Finsbury")"
	[ "$(api $p /api/v1/stats | jget .echoes)" -ge 2 ] || fail "registry $p answered no echo"
done
# The echo port answers ECHO only: a register request there is dropped.
"$SIM" register -r 127.0.0.1:40001 -k "$REGPUB" --gw "lon=$W/lon.key" --timeout 1 \
	> /dev/null 2>&1 && fail "registered through the echo port"
[ "$(api 19390 /api/v1/stats | jget .drops.type)" -ge 1 ] || fail "not counted"
echo "high-port echo: SJ and London ok, SF blocked; both registries show it"
