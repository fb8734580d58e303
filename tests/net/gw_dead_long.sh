#!/bin/bash
# vm-timeout: 500
# autovpnd dead for longer than the rekey interval (120 s), within the
# kernel's key lifetime (180 s from the key's install): the kernel keeps
# forwarding a 10 ms stream with the key it has; San Jose, whose rekeys get
# no answer meanwhile, keeps London up (the stream's data keeps the path up,
# the key is still valid); the restarted daemon replaces the old key at
# once. From the kill to after the new key, the stream loses no more than
# the socket hand-over at the restart may (gw_restart.sh: at most 3).
. "$(dirname "$0")/org.sh"

org_topology || fatal topology
org_registries || fatal registries
org_gateways sj sf lon || fatal gateways
wait_until 120 org_peer_up lon sj || fatal tunnel
wait_until 60 org_peer_up sj lon || fatal tunnel

peer_field() { # SITE PEER-SITE FIELD
	org_status "$1" | jq -r --arg p "${ORG_NAME[$2]}" --arg f "$3" \
		'.peers[] | select(.name == $p) | .[$f]'
}
key0=$(peer_field lon sj key_id)
age=$(($(peer_field lon sj handshake_ms) / 1000))
# Dead until the key is 135 s old: past the rekey point, with 45 s left
# before the kernel stops using it.
dead=$((135 - age))
echo "# key $key0 is $age s old; autovpnd stays dead for $dead s"
[ "$dead" -gt 0 ] || fatal "the key is already $age s old"

org_stream long lanlon 10.100.0.10 $((dead + 40))
sleep 1
org_kill lon KILL
sleep "$dead"
check sj_keeps_london_up org_peer_up sj lon
echo "BENCH dead_long_sj_key_age_s $(($(peer_field sj lon handshake_ms) / 1000))"
org_gateway lon
check daemon_back wait_until 60 org_peer_up lon sj
rekeyed() { k=$(peer_field lon sj key_id) && [ -n "$k" ] && [ "$k" != "$key0" ]; }
check rekeyed_after_restart wait_until 30 rekeyed
check new_key_is_fresh test "$(peer_field lon sj handshake_ms)" -lt 30000
org_stream_lost long; lost=$LOST
echo "BENCH dead_long_lost_packets $lost"
check stream_survives_dead_past_rekey test "$lost" -le 3
check still_passes n lanlon ping -c 2 -W 2 10.100.0.10
finish
