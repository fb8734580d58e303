#!/bin/bash
# vm-timeout: 500
# Which side blocks: London's upstream firewall drops outbound UDP to ports
# 32768-61000 (the range peers' sockets use; registry ports stay open).
#   - London's own high-port echo (to the registry's echo port, 40000) gets
#     no answer: `autovpn show` says "blocked" on wan1, and its diagnose
#     puts the block on its side;
#   - San Jose's diagnose asks the registry what London reports (DIAG):
#     London's echo is blocked, so the block is on London's side;
#   - Paris, whose upstream is open, forms its tunnels and reports "ok".
. "$(dirname "$0")/org.sh"

org_topology || fatal topology
n natlon nft insert rule inet fw forward iifname "in" udp dport 32768-61000 drop
org_registries --keepalive-ms 1000 --echo-port 40000 || fatal registries
org_gateways sj sf lon par || fatal gateways
check par_sj_up wait_until 120 org_peer_up par sj

highport_is() { # SITE RESULT: wan1's high-port echo, as `autovpn show --json` says
	[ "$(org_status "$1" | jq -r '.uplinks[0].highport')" = "$2" ]
}
check lon_highport_blocked wait_until 60 highport_is lon blocked
check par_highport_ok wait_until 60 highport_is par ok
show_says_blocked() { n gwlon "$AVPN" show av0 | grep -q 'high ports blocked'; }
check show_says_blocked show_says_blocked

diag_has() { # SITE PATTERN: the daemon's diagnosis names it
	n "gw$1" "$AVPN" diagnose av0 > "$WORK/diag-$1" 2>&1
	grep -q "$2" "$WORK/diag-$1"
}
check lon_blames_itself wait_until 30 diag_has lon "block is on this side"
check sj_blames_london wait_until 60 diag_has sj "block is on London - Finsbury's side"
cat "$WORK/diag-lon" "$WORK/diag-sj"
n gwlon "$AVPN" diagnose av0 > /dev/null 2>&1
check lon_diagnose_exit_1 test $? = 1
check not_up test "$(org_status sj | jq -r '.peers[] | select(.name | startswith("London")) | .state')" != up

# `show` checks the kernel's paths against what autovpnd put there. Paris's
# agree (a change in flight between the two reads may show once, so a few
# tries); a path taken down by hand behind autovpnd's back is flagged.
disagreements() { # SITE: the paths `show --json` flags, one "peer: why" a line
	n "gw$1" "$AVPN" show av0 --json |
		jq -r '.interfaces[0].peers[] | .name as $p | .paths[] |
			select(.disagreement) | "\($p): \(.disagreement)"'
}
agrees() { # SITE: show lists paths both sides know, and flags none
	n "gw$1" "$AVPN" show av0 --json |
		jq -e '[.interfaces[0].peers[].paths[]] as $p |
			([$p[] | select(has("state") and has("probe_state"))] | length) > 0 and
			([$p[] | select(.disagreement)] | length) == 0' > /dev/null
}
check show_par_agrees wait_until 10 agrees par
sj_id=$(n gwpar "$AVPN" show av0 --json |
	jq -r '.interfaces[0].peers[] | select(.name | startswith("Cisco")) | .id')
n gwpar "$AVPN" set av0 peer "$sj_id" path 0 state down || fatal "path down by hand"
flagged() { disagreements par | grep -q "^Cisco.*: down in the kernel, up for autovpnd$"; }
check show_flags_hand_change wait_until 10 flagged
disagreements par
n gwpar "$AVPN" show av0 | grep "disagree"
finish
