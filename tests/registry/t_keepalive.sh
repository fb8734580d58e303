#!/bin/bash
# A gateway that stops sending keepalives is marked disconnected after 6
# missed intervals (interval shortened to 500 ms), the others stay connected.
. tests/registry/lib.sh
W=$(mktemp -d); trap cleanup EXIT
setup_example
start_registry 1 127.0.0.1:9350 19390 --keepalive-ms 500
example_gws "" ",silent" ""
"$SIM" register -r 127.0.0.1:9350 -k "$REGPUB" "${GWS[@]}" --timeout 10 --run 25 > "$W/out" &
PIDS+=($!)
for _ in $(seq 100); do grep -q '^ready' "$W/out" && break; sleep 0.05; done
grep -q '^ready' "$W/out" || fail "gateways did not register"
t0=$(date +%s%N)
state() { api 19390 "/api/v1/gateways/$1" | jget .state; }
SF="Meraki%20San%20Francisco%20-%20Security"
[ "$(state "$SF")" = connected ] || fail "SF should still be connected right after it went silent"
while [ "$(state "$SF")" = connected ]; do
	[ $(( $(date +%s%N) - t0 )) -gt 20000000000 ] && fail "SF never disconnected"
	sleep 0.02
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$(state "$SF")" = disconnected ] || fail "SF state $(state "$SF")"
# 6 x 500 ms after its last message (which was at most one interval before ready)
[ "$ms" -ge 2400 ] || fail "disconnected too early ($ms ms)"
[ "$(state "Meraki%20London%20-%20Finsbury")" = connected ] || fail "London lost"
[ "$(state "Cisco%20Cloud%20Interconnect%20-%20San%20Jose")" = connected ] || fail "SJ lost"
echo "silent gateway disconnected $ms ms after it stopped (6 x 500 ms), others connected"
