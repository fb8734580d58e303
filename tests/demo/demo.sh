#!/bin/bash
# vm-timeout: 280
# make demo (inside the VM, started by tests/demo/run.sh): the reference
# document's example organization (tests/net/org.sh draws it) comes up from
# its configs alone: two registries on the "internet", hubs San Jose and
# San Francisco (behind a port forward: "Manual: Port forwarding"), the
# spoke London - Finsbury with the reference subnet table, a second spoke
# Paris - Opera, every gateway behind its own NAT, a LAN host at each site.
# It pings LAN to LAN, prints London's `autovpn show` and a one-screen
# summary of the organization, and exits 0 only if every expected tunnel,
# and no other, came up.
. "$(dirname "$0")/../net/org.sh"

DEMO=$AVPN_OUT/demo.txt
say() { echo "$*" | tee -a "$DEMO"; }

t0=$(date +%s%N)
ms() { echo $((($(date +%s%N) - t0) / 1000000)); }

org_topology || fatal topology
org_registries || fatal registries
say "== autovpn demo: the reference organization ($(ms) ms: namespaces, NATs, registries up)"
org_gateways sj sf lon par || fatal gateways
if org_wait_tunnels 90; then
	pass tunnels_up
	say "== every gateway joined by itself; all tunnels up after $(ms) ms"
else
	fail tunnels_up
	say "== NOT all tunnels came up within 90 s"
fi

# Exactly the expected tunnels: each gateway's peers, and each one up.
for s in $ORG_SITES; do
	want=$(for t in $ORG_EXPECTED; do
		[ "${t%-*}" = "$s" ] && echo "${ORG_NAME[${t#*-}]}"
		[ "${t#*-}" = "$s" ] && echo "${ORG_NAME[${t%-*}]}"
	done | sort)
	got=$(org_status "$s" | jq -r '.peers[] | select(.state == "up") | .name' | sort)
	check "${s}_exactly_expected_tunnels" test "$want" = "$got"
done

say ""
say "== LAN to LAN"
demo_ping() { # NAME FROM-NS TO
	if n "$2" ping -c 2 -W 2 "$3" >/dev/null; then
		pass "$1"
		say "   $1: $2 -> $3 ok"
	else
		fail "$1"
		say "   $1: $2 -> $3 FAILED"
	fi
}
demo_ping london_to_sanjose lanlon 10.100.0.10
demo_ping london_to_sanfrancisco lanlon 10.200.0.10
demo_ping sanjose_to_sanfrancisco lansj 10.200.0.10
demo_ping paris_to_london_via_hub lanpar 10.0.60.10
if n lansj ping -c 1 -W 2 10.0.30.10 >/dev/null; then
	fail london_av_not_exported
	say "   London's AV subnet (use-vpn no) is reachable: WRONG"
else
	pass london_av_not_exported
	say "   London's AV subnet 10.0.30.0/24 (use-vpn no): not exported, not reachable (right)"
fi

# The registry's VPN status page, as a screenshot (headless Chromium in the
# "internet" namespace, in the background while the rest prints; bounded).
n inet timeout 150 chromium --headless --no-sandbox --disable-gpu --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$WORK/chromium" --window-size=1280,1400 --virtual-time-budget=6000 \
	--screenshot="$AVPN_OUT/status-page.png" http://127.0.0.1:9390/ >/dev/null 2>&1 &
shot=$!

say ""
say "== autovpn show av0   (on London - Finsbury)"
n gwlon "$AVPN" show av0 2>&1 | tee -a "$DEMO"

say ""
say "== The organization, as the registry sees it (GET /api/v1/gateways)"
n inet curl -s http://127.0.0.1:9390/api/v1/gateways |
	jq -r '.[] | [.name, .mode, .state, .nat,
		((.uplinks // [])[0].public // "-")] | @tsv' |
	awk -F'\t' 'BEGIN { printf "   %-38s %-6s %-10s %-10s %s\n", "GATEWAY", "MODE", "REGISTRY", "NAT", "PUBLIC (wan1)" }
		{ printf "   %-38s %-6s %-10s %-10s %s\n", $1, $2, $3, $4, $5 }' | tee -a "$DEMO"
say ""
say "== tunnels (each gateway's view)"
for s in $ORG_SITES; do
	org_status "$s" | jq -r --arg me "${ORG_NAME[$s]}" \
		'.peers[] | "   \($me) -> \(.name): \(.state)"' | tee -a "$DEMO"
done
wait "$shot"
finish
