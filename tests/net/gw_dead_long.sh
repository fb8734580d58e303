#!/bin/bash
# vm-timeout: 500
# autovpnd dead for longer than the rekey interval (120 s), within the
# kernel's key lifetime (180 s from the key's install): the kernel keeps
# forwarding a 10 ms stream with the key it has; San Jose, whose rekeys get
# no answer meanwhile, keeps London up (the stream's data keeps the path up,
# the key is still valid); the restarted daemon replaces the old key at
# once. From the kill to after the new key, the stream loses at most 2
# packets (below).
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
key0=$(peer_field lon sj key_id) key0_sj=$(peer_field sj lon key_id)
age=$(($(peer_field lon sj handshake_ms) / 1000))
# Dead until the key is 135 s old: past the rekey point, with 45 s left
# before the kernel stops using it. By the key's age, not by sleeping a
# fixed time: under the debug kernel the steps around the sleep take
# tens of seconds themselves.
born=$((EPOCHSECONDS - age))
echo "# key $key0 is $age s old; autovpnd stays dead until it is 135 s old"
[ "$age" -lt 115 ] || fatal "the key is already $age s old"
sleep_until() { (($1 <= EPOCHSECONDS)) || sleep $(($1 - EPOCHSECONDS)); }

# The stream goes on past the restart for as long as the new key may take
# (checked below: it must still be running when the new key is there), and
# is stopped then: the checks between can take longer than the fixed 30 s
# it had before on a slow machine.
margin=150
drops_lon0=$(org_drops lon) drops_sj0=$(org_drops sj)
org_stream long lanlon 10.100.0.10 $((135 - age + margin))
sleep 1
org_kill lon KILL
# San Jose's check after its own rekey point (130 s when it answered the
# last handshake), so it has tried to rekey and got no answer. In the
# background: under the debug kernel reading its status takes 20 s or
# more, which must not delay the restart.
sleep_until $((born + 132))
(
	org_peer_up sj lon
	echo $? >"$WORK/sj_up.rc"
	echo "BENCH dead_long_sj_key_age_s $(($(peer_field sj lon handshake_ms) / 1000))"
) &
sj_check=$!
sleep_until $((born + 135))
echo "# restarting autovpnd; the key is $((EPOCHSECONDS - born)) s old"
t_restart=$EPOCHSECONDS
org_gateway lon
wait "$sj_check"
check sj_keeps_london_up test "$(cat "$WORK/sj_up.rc" 2>/dev/null)" = 0
check daemon_back wait_until 60 org_peer_up lon sj
rekeyed() { k=$(peer_field lon sj key_id) && [ -n "$k" ] && [ "$k" != "$key0" ]; }
check rekeyed_after_restart wait_until 30 rekeyed
# ...by a handshake after the restart: the key is younger than the time
# since the restart, read after its status was (so however long the read
# takes, a key made after the restart passes; the old one is 135 s older).
# Not "younger than 30 s when read": under the debug kernel the reads
# themselves take that long.
new_age_s=$(($(peer_field lon sj handshake_ms) / 1000))
since_restart=$((EPOCHSECONDS - t_restart))
echo "BENCH dead_long_new_key_age_s $new_age_s"
echo "# $since_restart s since the restart"
check new_key_is_fresh test "$new_age_s" -le "$((since_restart + 1))"
# Not only London's daemon: both kernels send under a new key (the stream
# ends before the old key's 180 s are up, so it cannot show that).
kernel_rekeyed() { # SITE PEER-SITE OLD-ID: a new current key that has sent
	n "gw$1" "$AVPN" show av0 --json | jq -e --arg p "${ORG_NAME[$2]}" --argjson k "$3" \
		'.interfaces[0].peers[] | select(.name == $p) | .keys[] |
		select(.slot == "current") | .id != $k and .tx_packets > 0' >/dev/null
}
check lon_kernel_rekeyed wait_until 30 kernel_rekeyed lon sj "$key0"
check sj_kernel_rekeyed wait_until 30 kernel_rekeyed sj lon "$key0_sj"
# shellcheck disable=SC2154 # org_stream sets it
check stream_outlived_new_key kill -0 "$ORG_STREAM_long"
kill -INT "$ORG_STREAM_long" # ping's summary still comes
# Stopped at once, with up to a round trip of requests in flight: the last
# 3 s of the stream are not counted (the restart was long before).
org_stream_lost long 300; lost=$LOST
echo "BENCH dead_long_lost_packets $lost"
echo "# drops, London: $drops_lon0 -> $(org_drops lon); San Jose: $drops_sj0 -> $(org_drops sj)"
# 0 lost in two stock runs of three on the final kernel, 1 in the other,
# whose drop counters and sequence numbers were not logged yet: allowed for
# until it is explained. The debug kernel adds what a restart loses there
# (gw_restart.sh).
max=2
[ "${AVPN_DEBUG_KERNEL:-0}" = 1 ] && max=8
check stream_survives_dead_past_rekey test "$lost" -le "$max"
check still_passes n lanlon ping -c 2 -i 0.2 -W 2 10.100.0.10
finish
