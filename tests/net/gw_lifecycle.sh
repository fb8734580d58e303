#!/bin/bash
# vm-timeout: 500
# autovpnd's signals: SIGHUP with a broken config changes nothing (the daemon
# keeps running and says why), SIGHUP with a good one reloads; av0 set down
# and up again gets its VPN routes back; SIGTERM
# leaves the interface forwarding (on-exit = keep, the default) or removes
# it with its routes and rules (on-exit = remove).
. "$(dirname "$0")/org.sh"

# glibc fills what the daemon frees (and what it allocates) with a pattern:
# a read of freed memory, such as the old config's after a reload, shows.
# Not a chunk that goes to the thread cache, which keeps its bytes: none
# does (tcache_count=0).
# shellcheck disable=SC2034 # org.sh's org_gateway reads it
ORG_AVPND_ENV="MALLOC_PERTURB_=165 GLIBC_TUNABLES=glibc.malloc.tcache_count=0"
org_topology || fatal topology
org_registries || fatal registries
org_gateways sj sf lon || fatal gateways
wait_until 120 org_peer_up lon sj || fatal tunnel
conf=$WORK/lon/autovpnd.conf
cp "$conf" "$WORK/lon.good"
log=$AVPN_OUT/autovpnd-lon.log

# A broken config: rejected, everything keeps running.
echo "this is not a key" >> "$conf"
org_kill lon HUP
check bad_reload_rejected wait_until 10 grep -q "reload: config rejected" "$log"
check bad_reload_says_where grep -q "autovpnd.conf:[0-9]*: syntax error" "$log"
check still_running_after_bad_reload org_peer_up lon sj
check traffic_after_bad_reload n lanlon ping -c 2 -i 0.2 -W 2 10.100.0.10

# A good one: reloaded.
cp "$WORK/lon.good" "$conf"
org_kill lon HUP
check good_reload wait_until 10 grep -q "reload: done" "$log"
# The reload freed the old config; the uplinks, which stayed, read their
# settings from the new one (they kept a pointer into the old one once).
check uplink_device_after_reload test "$(org_status lon | jq -r '.uplinks[0].device')" = wan
check up_after_reload wait_until 30 org_peer_up lon sj

# av0 down and up again (an operator, a script): the kernel drops the IPv4
# routes through it, with no route event. The daemon puts the VPN table
# back once av0 is up; it kept believing the routes were there, and
# London's LAN traffic for the VPN left by main's default route in clear
# until the daemon restarted.
vpn_table() {
	n gwlon ip -4 route show table 9350 proto 93 | sort
	n gwlon ip -6 route show table 9350 proto 93 | sort
}
table0=$(vpn_table)
check vpn_table_filled test -n "$table0"
n gwlon ip link set av0 down
check link_down_drops_routes test -z "$(n gwlon ip -4 route show table 9350 proto 93)"
n gwlon ip link set av0 up
table_whole() { test "$(vpn_table)" = "$table0"; }
check table_back_after_link_bounce wait_until 10 table_whole
check says_why grep -q "av0 is up: putting its VPN routes back" "$log"
check traffic_after_link_bounce wait_until 20 n lanlon ping -c 1 -W 1 10.100.0.10

# A valid config whose uplink cannot be opened: the daemon keeps the
# running uplink (and config) rather than being left without a socket.
sed -i 's/^device = wan$/device = nosuch0/' "$conf"
org_kill lon HUP
check bad_uplink_reload_refused wait_until 10 grep -q "reload: the uplinks could not be opened" "$log"
check up_after_bad_uplink_reload org_peer_up lon sj
check traffic_after_bad_uplink_reload n lanlon ping -c 2 -i 0.2 -W 2 10.100.0.10
# An uplink change (a fixed port): the uplinks reopen, the tunnel goes on.
cp "$WORK/lon.good" "$conf"
echo "port = 40000" >> "$conf"
org_kill lon HUP
check uplink_reload wait_until 10 grep -q "reload: done (uplinks reopened)" "$log"
port_40000() { n gwlon ss -Hnua | grep -q ':40000 '; }
check uplink_reload_port wait_until 10 port_40000
check up_after_uplink_reload wait_until 60 org_peer_up lon sj
# San Jose still answers to London's old port until it follows the new one
# (authentic packets from it: the NAT-mapping change of gw_roam.sh, about
# 3 s there), so traffic resumes within a bound rather than at once.
SECONDS=0
check traffic_after_uplink_reload wait_until 20 n lanlon ping -c 1 -W 1 10.100.0.10
echo "# traffic through the tunnel again ${SECONDS} s after the reloaded London saw it up"
cp "$WORK/lon.good" "$conf"

# SIGTERM, on-exit = keep: the kernel keeps forwarding without the daemon.
# First San Jose's routes to London settle: the uplink reload made its path
# flap, and the route hysteresis (10 s) holds London's subnets on San
# Francisco meanwhile, which has no traffic from London to keep its own
# path up once London's daemon is gone.
via_lon() { test "$(org_route_via sj 10.0.60.0/24)" = "${ORG_NAME[lon]}"; }
check routes_settled wait_until 60 via_lon
# A flow running across the exit loses nothing: San Jose's probes go
# unanswered, but the DATA its kernel receives keeps the path up. Counted
# by sequence number, the last 3 aside (org_stream_lost: ping gives up on
# them after two round trips, which a loaded host stretches; 22 of 24 once,
# with 12.8 s for the 6 s flow).
n lanlon ping -n -i 0.25 -c 24 -W 2 10.100.0.10 > "$WORK/flow.ping" 2>&1 &
# shellcheck disable=SC2034 # org_stream_lost reads it
ORG_STREAM_flow=$!
sleep 1
org_kill lon TERM
check term_keeps_interface ip -n gwlon link show av0
check term_keeps_routes test -n "$(ip -n gwlon route show table 9350)"
org_stream_lost flow
echo "# flow across the daemon's exit: $(grep 'packets transmitted' "$WORK/flow.ping")"
check forwarding_without_daemon test "$LOST" = 0

# on-exit = remove: SIGTERM takes the interface, its routes and rules away.
sed -i 's/^\[gateway\]$/[gateway]\non-exit = remove/' "$conf"
org_gateway lon
check adopted_again wait_until 60 org_peer_up lon sj
org_kill lon TERM
check_fails term_removes_interface ip -n gwlon link show av0
check term_removes_routes test -z "$(ip -n gwlon route show table 9350)"
check_fails term_removes_rules grep -q 9350 <<<"$(ip -n gwlon rule)"

# A kernel peer made by hand with a large id (any u32 is the kernel's) is
# adopted, and its routes are programmed: the route pass once sized an
# array by the largest id (16 GB here), failed, and programmed none.
cp "$WORK/lon.good" "$conf"
n gwlon "$AVPN" link add av0 || fail "link add by hand"
n gwlon "$AVPN" set av0 peer 2147483648 name "${ORG_NAME[sj]}" rx-index 4242 ||
	fail "peer by hand"
org_gateway lon
big_id_adopted() {
	org_status lon | jq -e --arg p "${ORG_NAME[sj]}" \
		'[.peers[] | select(.name == $p and .id == 2147483648)] | length == 1' >/dev/null
}
check big_id_adopted wait_until 60 big_id_adopted
check big_id_up wait_until 60 org_peer_up lon sj
check big_id_traffic wait_until 30 n lanlon ping -c 1 -W 1 10.100.0.10
check_fails big_id_no_route_error grep -q 'out of memory deciding routes' "$log"
finish
