#!/bin/bash
# Issue 9 #14: the two registries share a key pair, so a datagram a gateway
# sealed for registry 1 must not be accepted by registry 2. London registers
# with registry 1 only; its first datagram, recorded on the way, is replayed
# from another address to registry 2 (and to registry 1): both drop it,
# count it, answer nothing, and registry 2 never hears of London.
. tests/registry/lib.sh
W=$(mktemp -d); trap cleanup EXIT
setup_example
start_registry 1 127.0.0.1:9350 19390
start_registry 2 127.0.0.2:9351 19391
"$SIM" register -r 127.0.0.1:9350 -k "$REGPUB" --gw "lon=$W/lon.key" --timeout 10 \
	--record "$W/first.bin" > "$W/out" || fail "London did not register with registry 1"
[ -s "$W/first.bin" ] || fail "nothing recorded"
LON="Meraki%20London%20-%20Finsbury"
[ "$(api 19390 "/api/v1/gateways/$LON" | jget .state)" = connected ] || fail "not on registry 1"
# The replay comes from 127.0.0.1, not from London's 127.1.0.1.
cat "$W/first.bin" > /dev/udp/127.0.0.2/9351
cat "$W/first.bin" > /dev/udp/127.0.0.1/9350
stat2() { api 19391 /api/v1/stats | jget "$1"; }
for _ in $(seq 100); do [ "$(stat2 .rx)" -ge 1 ] && break; sleep 0.02; done
[ "$(stat2 .rx)" = 1 ] || fail "registry 2 did not receive the replay"
[ "$(api 19391 "/api/v1/gateways/$LON" | jget .state)" = never ] ||
	fail "registry 2 took a datagram meant for registry 1: London $(api 19391 "/api/v1/gateways/$LON" | jget .state)"
[ "$(stat2 .tx)" = 0 ] || fail "registry 2 answered the replay ($(stat2 .tx) datagrams)"
[ "$(stat2 .registers)" = 0 ] || fail "registry 2 counted a register"
[ "$(stat2 .drops.misdirected)" = 1 ] || fail "drop not counted: $(api 19391 /api/v1/stats | jq -c .drops)"
# Registry 1 saw it already: a plain replay, dropped and unanswered too.
for _ in $(seq 100); do [ "$(api 19390 /api/v1/stats | jget .drops.replay)" -ge 1 ] && break; sleep 0.02; done
[ "$(api 19390 /api/v1/stats | jget .drops.replay)" = 1 ] || fail "registry 1 replay not counted"
echo "datagram for registry 1 replayed to registry 2: dropped (misdirected), nothing answered"
