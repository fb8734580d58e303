#!/bin/bash
# Garbage, unknown keys and replays get no answer at all and are counted.
. tests/registry/lib.sh
W=$(mktemp -d); trap cleanup EXIT
setup_example
start_registry 1 127.0.0.1:9350 19390
drops() { api 19390 /api/v1/stats | jget ".drops.$1"; }
printf 'garbage' > /dev/udp/127.0.0.1/9350
head -c 200 /dev/urandom > /dev/udp/127.0.0.1/9350
for _ in $(seq 50); do [ "$(drops short)" -ge 1 ] && break; sleep 0.02; done
[ "$(drops short)" -ge 1 ] || fail "garbage not counted"
# A well-formed gateway whose key is not in the org config: never answered.
newkey "$W/stranger.key"
"$SIM" register -r 127.0.0.1:9350 -k "$REGPUB" --gw "stranger=$W/stranger.key" --timeout 1 \
	> "$W/out" 2>&1 && fail "unknown gateway got registered"
[ "$(drops unknown_key)" -ge 1 ] || fail "unknown key not counted"
# A known gateway talking to the wrong registry key: the box does not open.
newkey "$W/other.key"
"$SIM" register -r 127.0.0.1:9350 -k "$(pubkey "$W/other.key")" \
	--gw "lon=$W/lon.key" --timeout 1 > "$W/out" 2>&1 && fail "wrong key registered"
[ "$(drops auth)" -ge 1 ] || fail "bad authenticator not counted"
[ "$(api 19390 /api/v1/stats | jget .tx)" = 0 ] || fail "registry answered bad input"
echo "short=$(drops short) unknown_key=$(drops unknown_key) auth=$(drops auth), nothing answered"
