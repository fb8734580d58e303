#!/bin/bash
# vm-timeout: 400
# Kernel peers made by hand (`autovpn set`) are the user's: autovpnd leaves
# them alone, and a peer that joins the org gets a kernel peer around them.
# San Jose's kernel gets hand peers at the very ids its daemon would give
# the next peer (ids are sequential); then Paris joins the org. San Jose's
# PEER_NEW for Paris was refused ("a peer with this id already exists")
# and Paris was missing until the registry's next peer list, which burned
# one more id each time: the tunnel never came up. Now San Jose takes an id
# the kernel does not have, the tunnel comes up and carries traffic, and
# the hand peers are as they were.
. "$(dirname "$0")/org.sh"

HAND=32 # hand peers: more ids than the registry sends lists in the test

org_topology || fatal topology
org_keys
org_conf_write "$WORK/org.full"
# The org without Paris (its section is the last one).
sed '/^\[network "Paris - Opera"\]$/,$d' "$WORK/org.full" > "$WORK/org.conf"
org_registries || fatal registries
org_gateways sj lon || fatal gateways
wait_until 120 org_peer_up lon sj || fatal tunnel

kpeers() { n gwsj "$AVPN" show av0 --json | jq -c '[.interfaces[0].peers[] | {id, name, rx_index}]'; }
max_id=$(kpeers | jq '[.[].id] | max')
[ -n "$max_id" ] && [ "$max_id" -gt 0 ] || fatal "San Jose's peer ids"
for i in $(seq 1 $HAND); do
	n gwsj "$AVPN" set av0 peer $((max_id + i)) name "hand-$i" rx-index $((7000 + i)) ||
		fatal "hand peer $i"
done
hand() { kpeers | jq -c '[.[] | select(.name | startswith("hand-"))] | sort_by(.id)'; }
hand_before=$(hand)
log "hand peers on San Jose: ids $((max_id + 1))-$((max_id + HAND))"

# Paris joins the org (one rename: the registry never reads half a file).
t0=$(date +%s)
mv "$WORK/org.full" "$WORK/org.conf"
org_gateway par
paris_in_kernel() {
	kpeers | jq -e --arg p "${ORG_NAME[par]}" '[.[] | select(.name == $p)] | length == 1' \
		>/dev/null
}
check paris_in_sj_kernel wait_secs 30 paris_in_kernel
check sj_par_up wait_secs 60 org_peer_up sj par
check par_to_sj_traffic wait_secs 20 n lanpar ping -c 1 -W 1 10.100.0.10
echo "# Paris reachable from San Jose $(($(date +%s) - t0)) s after it joined the org"
check sj_to_par_traffic n lansj ping -c 2 -i 0.2 -W 2 10.60.0.10
paris_id=$(kpeers | jq --arg p "${ORG_NAME[par]}" '.[] | select(.name == $p) | .id')
log "Paris's kernel peer id on San Jose: $paris_id"
check paris_id_not_a_hand_id test -n "$paris_id" -a "$(jq --argjson i "${paris_id:-0}" \
	'[.[] | select(.id == $i)] | length' <<<"$hand_before")" = 0
check id_taken_logged grep -q "is taken by a peer autovpnd did not make" \
	"$AVPN_OUT/autovpnd-sj.log"
check hand_peers_untouched test "$(hand)" = "$hand_before"
check lon_sj_still_up org_peer_up lon sj
finish
