#!/bin/bash
# GET /metrics: the Prometheus text exposition of a registry with the example
# organization registered (London behind an unfriendly NAT) passes
# `promtool check metrics` (parser and lint: names, _total, units, HELP),
# has no duplicate series, shows each gateway connected, London's NAT type
# as a label, the paths the gateways reported, and its counters move
# between two scrapes (keepalives by the running gateways, drops by garbage).
. tests/registry/lib.sh
W=$(mktemp -d); trap cleanup EXIT
command -v promtool > /dev/null || fail "promtool missing (make deps: Debian package prometheus)"
# The checker itself must refuse what is wrong, or this test proves nothing.
printf '# HELP x_bytes b\n# TYPE x_bytes counter\nx_bytes 1\n' | promtool check metrics \
	> /dev/null 2>&1 && fail "promtool accepted a counter without _total"

setup_example
start_registry 1 127.0.0.1:9350 19390 --keepalive-ms 200
start_registry 2 127.0.0.2:9351 19391 --keepalive-ms 200
example_gws "" "" ",unfriendly"
"$SIM" register -r 127.0.0.1:9350 -r 127.0.0.2:9351 -k "$REGPUB" "${GWS[@]}" --timeout 10 \
	--run 20 > "$W/out" &
PIDS+=($!)
for _ in $(seq 200); do grep -q '^ready' "$W/out" && break; sleep 0.05; done
grep -q '^ready' "$W/out" || fail "gateways did not register"

scrape() {
	curl -sf -D "$W/hdr" "http://127.0.0.1:19390/metrics" > "$1" || fail "scrape failed"
	grep -qi '^content-type: text/plain; version=0.0.4' "$W/hdr" || fail "content type: $(cat "$W/hdr")"
	promtool check metrics < "$1" > "$W/lint" 2>&1 || { cat "$W/lint" "$1"; fail "promtool refused $1"; }
	# A series (name and labels: the line without its value) appears once.
	dup=$(grep -v '^#' "$1" | sed 's/ [^ ]*$//' | sort | uniq -d)
	[ -z "$dup" ] || fail "duplicate series: $dup"
}
val() { grep -F "$2 " "$1" | grep -v '^#' | awk '{print $NF}'; }

# First scrape once every gateway reported its paths to registry 1.
for _ in $(seq 100); do
	scrape "$W/m1"
	[ "$(grep -c '^autovpn_registry_path_up{.*} 1$' "$W/m1")" = 6 ] && break
	sleep 0.1
done
M1=$W/m1
for g in "Cisco Cloud Interconnect - San Jose" "Meraki San Francisco - Security"; do
	grep -qxF "autovpn_registry_gateway_connected{gateway=\"$g\",mode=\"hub\"} 1" "$M1" ||
		fail "$g not connected"
done
LON="Meraki London - Finsbury"
grep -qxF "autovpn_registry_gateway_connected{gateway=\"$LON\",mode=\"spoke\"} 1" "$M1" ||
	fail "London not connected"
grep -qxF "autovpn_registry_uplink_info{gateway=\"$LON\",uplink=\"wan1\",nat=\"unfriendly\",highport_echo=\"unknown\"} 1" "$M1" ||
	fail "London's NAT type: $(grep uplink_info "$M1")"
grep -qF 'uplink_info{gateway="Meraki San Francisco - Security",uplink="wan1",nat="friendly"' "$M1" ||
	fail "SF's NAT type"
# The simulator reports its first peer at 20 ms, the second 21 ms, 1 % loss,
# jitter 3 ms and 3.1 ms.
[ "$(val "$M1" "autovpn_registry_path_rtt_seconds{gateway=\"$LON\",peer=\"Cisco Cloud Interconnect - San Jose\",local_uplink=\"wan1\",remote_uplink=\"wan1\"}")" = 0.020000 ] ||
	fail "London->SJ rtt: $(grep rtt_seconds "$M1")"
[ "$(val "$M1" "autovpn_registry_path_jitter_seconds{gateway=\"$LON\",peer=\"Meraki San Francisco - Security\",local_uplink=\"wan1\",remote_uplink=\"wan1\"}")" = 0.003100 ] ||
	fail "London->SF jitter: $(grep jitter_seconds "$M1")"
[ "$(grep -c '^autovpn_registry_path_loss_ratio{.*} 0.0100$' "$M1")" = 6 ] || fail "loss"
[ "$(val "$M1" autovpn_registry_gateways_connected)" = 3 ] || fail "connected count"

# Counters move: keepalives from the running gateways, drops from garbage.
ka1=$(val "$M1" autovpn_registry_keepalives_total)
rx1=$(val "$M1" autovpn_registry_datagrams_received_total)
short1=$(val "$M1" 'autovpn_registry_drops_total{reason="short"}')
printf 'garbage' > /dev/udp/127.0.0.1/9350
for _ in $(seq 100); do
	scrape "$W/m2"
	[ "$(val "$W/m2" 'autovpn_registry_drops_total{reason="short"}')" -gt "$short1" ] &&
		[ "$(val "$W/m2" autovpn_registry_keepalives_total)" -gt "$ka1" ] && break
	sleep 0.1
done
ka2=$(val "$W/m2" autovpn_registry_keepalives_total)
rx2=$(val "$W/m2" autovpn_registry_datagrams_received_total)
short2=$(val "$W/m2" 'autovpn_registry_drops_total{reason="short"}')
[ "$ka2" -gt "$ka1" ] || fail "keepalives_total did not move ($ka1 -> $ka2)"
[ "$rx2" -gt "$rx1" ] || fail "datagrams_received_total did not move ($rx1 -> $rx2)"
[ "$short2" = $((short1 + 1)) ] || fail "drops_total{short} $short1 -> $short2"
echo "promtool ok on $(grep -vc '^#' "$W/m2") samples; keepalives_total $ka1 -> $ka2," \
	"datagrams_received_total $rx1 -> $rx2, drops_total{short} $short1 -> $short2"

# A burst of scrapes: the registry renders at most once a second and
# answers the scrapes in between with the body it rendered (the gateways'
# last-seen ages, in ms, change in every render, so without that the bodies
# differ). One curl makes the 20 requests on one connection, so they take
# milliseconds; were they to take 20 s the check would fail, not flake.
# (A second after the last scrape, so that the burst's first one renders.)
sleep 1.1
args=()
for i in $(seq 1 20); do args+=(-o "$W/burst.$i" "http://127.0.0.1:19390/metrics"); done
t0=$(date +%s%N)
curl -sf -m 20 "${args[@]}" || fail "burst of scrapes failed"
ms=$((($(date +%s%N) - t0) / 1000000))
distinct=$(md5sum "$W"/burst.* | awk '{ print $1 }' | sort -u | wc -l)
echo "20 scrapes in $ms ms: $distinct different bodies (at most $((ms / 1000 + 1)))"
[ "$distinct" -le $((ms / 1000 + 1)) ] || fail "$distinct renders in $ms ms: more than one a second"
# ... and renders again after a second (the gateways keep sending
# keepalives, so the ages differ from the burst's).
sleep 1.1
curl -sf -o "$W/after" "http://127.0.0.1:19390/metrics" || fail "scrape after the burst failed"
cmp -s "$W/after" "$W/burst.20" && fail "the same body more than a second later"
echo "a new body after a second"
