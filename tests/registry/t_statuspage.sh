#!/bin/bash
# registry-timeout: 260
# The VPN status page (GET /) in real headless Chromium (tests/deps.sh:
# chromium), driven over the DevTools protocol by statuspage.py: two
# registries, the example organization (London behind an unfriendly NAT),
# the hubs and London in two simulator processes. The page must show every
# gateway connected with its NAT, subnets, paths and route decisions; when
# London's simulator is stopped, London must show as disconnected within
# one refresh of the page (1 s here) once the registry calls it so; San
# Jose's page must chart its latency and loss. SCREENSHOT=FILE keeps a PNG.
. tests/registry/lib.sh
W=$(mktemp -d); trap cleanup EXIT
command -v chromium > /dev/null || fail "chromium missing (make deps)"
setup_example
start_registry 1 127.0.0.1:9350 19390 --keepalive-ms 200
start_registry 2 127.0.0.2:9351 19391 --keepalive-ms 200
page=$(curl -sf -D "$W/hdr" http://127.0.0.1:19390/) || fail "no page at /"
grep -qi '^content-type: text/html' "$W/hdr" || fail "page content type"
# Self-contained: nothing is loaded from anywhere else.
echo "$page" | grep -Eqi '(src|href)=["'"'"']?(https?:)?//' && fail "page refers to another host"
SJ="Cisco Cloud Interconnect - San Jose"; SF="Meraki San Francisco - Security"
LON="Meraki London - Finsbury"
"$SIM" register -r 127.0.0.1:9350 -r 127.0.0.2:9351 -k "$REGPUB" --timeout 10 --run 250 \
	--gw "$SJ=$W/sj.key" --gw "$SF=$W/sf.key" > "$W/hubs" &
PIDS+=($!)
"$SIM" register -r 127.0.0.1:9350 -r 127.0.0.2:9351 -k "$REGPUB" --timeout 10 --run 250 \
	--gw "$LON=$W/lon.key,unfriendly" > "$W/lon" &
lonpid=$!
PIDS+=($lonpid)
for _ in $(seq 200); do grep -q '^ready' "$W/hubs" && grep -q '^ready' "$W/lon" && break; sleep 0.05; done
grep -q '^ready' "$W/hubs" && grep -q '^ready' "$W/lon" || fail "gateways did not register"
timeout 250 python3 tests/registry/statuspage.py --page "http://127.0.0.1:19390/?refresh=1000" \
	--api http://127.0.0.1:19390 --kill "$lonpid" --gone "$LON" \
	--gw "$SJ" --gw "$SF" --gw "$LON" ${SCREENSHOT:+--screenshot "$SCREENSHOT"} ||
	fail "status page"
