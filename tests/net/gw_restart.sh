#!/bin/bash
# vm-timeout: 400
# kill -9 autovpnd under a 10 ms stream: the kernel keeps forwarding while
# the daemon is dead; the restarted daemon adopts the interface, its peers,
# keys, paths and routes and the sockets' ports (so NAT mappings stay):
# nothing is torn down, not one packet of the stream is lost, and the
# registries see one registration, not a storm.
# London exports 200 more subnets: San Jose's kernel peer for it has more
# prefixes than one PEER_GET reply holds, and San Jose must still read that
# peer's counters to keep its path up on DATA alone while London's daemon
# is dead (it used to give up there, and the path went down in 3 s).
. "$(dirname "$0")/org.sh"

ORG_LON_EXTRA=$(for i in $(seq 0 199); do echo "subnet = \"Extra $i\" 10.77.$i.0/24 yes"; done)
org_topology || fatal topology
org_registries || fatal registries
org_gateways sj sf lon -v || fatal gateways
wait_until 120 org_peer_up lon sj || fatal tunnel
wait_until 60 org_peer_up sj lon || fatal tunnel
status0=$(org_status lon)
t_before=$EPOCHSECONDS
before=$(jq -c '[.peers[] | {name, id, key_id}], [.uplinks[].local]' <<<"$status0")
# Each of London's keys' age, in whole seconds, from the same snapshot: a
# key rotates by its timer 120 s after its handshake, which may be well
# before t_before + 120.
key_ages=$(jq -c '[.peers[] | {name, age: ((.handshake_ms // 0) / 1000 | floor)}]' <<<"$status0")
# A slow stream across the whole test, as a gateway in use has: with the
# daemon dead, San Jose keeps London up on data alone, and under the debug
# kernel the steps between the two measured streams take long enough
# (tens of seconds) for an idle tunnel to go down (and its routes with it).
bg lanlon ping -n -q -i 0.2 -W 2 -w 900 10.100.0.10 >/dev/null 2>&1
BRIDGE=$BG_PID

# regs: REG_REQs both registries answered so far (registrations and the
# peer-list pages fetched with them).
regs() {
	local t=0 v p
	for p in 9390 9391; do
		v=$(n inet curl -sf -m 5 "http://127.0.0.1:$p/metrics" |
			awk '$1 == "autovpn_registry_registrations_total" { print $2 }')
		[ -n "$v" ] || return 1
		t=$((t + v))
	done
	echo "$t"
}
regs0=$(regs)
org_stream dead lanlon 10.100.0.10 6
sleep 1
org_kill lon KILL
org_stream_lost dead; lost=$LOST
echo "BENCH daemon_dead_lost_packets $lost"
check no_loss_while_dead test "$lost" = 0
# ...because San Jose read London's counters (from a dump: PEER_GET cannot
# hold its 210 prefixes), not because its probes happened to be answered.
LON=${ORG_NAME[lon]}
check sj_read_london_counters grep -q "$LON: path [0-9] received" "$AVPN_OUT/autovpnd-sj.log"
check_fails sj_never_failed_to_read grep -q "$LON: reading its counters" "$AVPN_OUT/autovpnd-sj.log"

# Where a restart's losses went, if any: the drop counters that moved.
drops_lon0=$(org_drops lon) drops_sj0=$(org_drops sj)
org_stream restart lanlon 10.100.0.10 10
org_gateway lon
check daemon_back wait_until 60 org_peer_up lon sj
org_stream_lost restart; lost=$LOST
echo "BENCH daemon_restart_gap_ms $((lost * 10))"
echo "# drops, London: $drops_lon0 -> $(org_drops lon); San Jose: $drops_sj0 -> $(org_drops sj)"
# Nothing is torn down: not the keys, not the paths, not the kernel's
# routes (a restarted daemon that thought its adopted peers were still
# connecting once withdrew them until their first timer: 40-60 ms here, a
# second under the debug kernel), not the policy rules (once deleted and
# added again, which sent the LAN's traffic out in clear for a moment).
# Nor the hand-over of the uplink socket: a packet that reaches the old one
# before the daemon steers the port to the new one (udpsock.h) is still
# decrypted, as the module keeps the old one hooked for a moment
# (kernel/uplink.c, "retiring"). Before it did, 0-2 were lost per restart
# on the stock kernel, 4-5 under the debug kernel; now 0, 0, 0 and 1 on
# the stock kernel, 2 and 3 under the debug kernel, with no drop counter
# moving: a window this does not close, most likely the new socket's,
# between its bind() and its steering to the module's socket (udpsock.h),
# which the debug kernel stretches. Allowed for until it is closed.
max=2
[ "${AVPN_DEBUG_KERNEL:-0}" = 1 ] && max=6
check "restart_loses_at_most_$max" test "$lost" -le "$max"
# No re-registration storm: London registers with each registry once and
# fetches its peer list; nobody else starts over. (A daemon that looped
# would register every retry interval, a second; the window since the
# restart is more than 10 s by now.)
sleep 3
regs1=$(regs)
echo "BENCH restart_registrations $((regs1 - regs0))"
check registrations_counted test -n "$regs0" -a -n "$regs1"
check no_registration_storm test "$((regs1 - regs0))" -ge 1 -a "$((regs1 - regs0))" -le 8
after=$(org_status lon | jq -c '[.peers[] | {name, id, key_id}], [.uplinks[].local]')
echo "# before: $before"
echo "# after:  $after"
# A key that may have reached the 120 s rekey interval since (the debug
# kernel is that slow; a loaded machine too, with a key already a minute
# old at t_before) may have rotated by its timer, which tears nothing
# down: its id is not compared, everything else is.
elapsed=$((EPOCHSECONDS - t_before))
rotating=$(jq -c --argjson e "$elapsed" '[.[] | select(.age + $e >= 110) | .name]' <<<"$key_ages")
echo "# $elapsed s since the first snapshot; keys not compared: $rotating"
strip() {
	jq -c --argjson r "$rotating" 'if type == "array" then map(if type == "object" and
		(.name as $n | any($r[]; . == $n)) then del(.key_id) else . end) else . end'
}
check nothing_torn_down test "$(strip <<<"$before")" = "$(strip <<<"$after")"
kill "$BRIDGE" 2>/dev/null
check no_restart_error bash -c "! grep -q 'creating the kernel peer' '$AVPN_OUT/autovpnd-lon.log'"
finish
