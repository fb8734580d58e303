#!/bin/bash
# vm-timeout: 400
# London's NAT mapping changes under a running tunnel (its router forgets
# the mapping and picks a new public port): San Jose's kernel accepts
# London's authentic packets from the new address at once, and San Jose's
# daemon moves its path (and so the kernel's transmit address) there, so
# traffic both ways resumes. The gap is reported.
. "$(dirname "$0")/org.sh"

org_topology || fatal topology
org_registries --keepalive-ms 1000 || fatal registries
org_gateways sj lon || fatal gateways
wait_until 120 org_peer_up lon sj || fatal tunnel
wait_until 60 org_peer_up sj lon || fatal tunnel

remote_of_lon() { # San Jose's path to London: remote ip:port
	org_status sj | jq -r '.peers[] | select(.name | startswith("London")) | .paths[0].remote'
}
key_of_lon() {
	org_status sj | jq -r '.peers[] | select(.name | startswith("London")) | .key_id'
}
old=$(remote_of_lon)
key=$(key_of_lon)
echo "# San Jose sends to London at $old (key $key)"
lo=50000 hi=50100
[ "${old##*:}" -ge $lo ] && [ "${old##*:}" -le $hi ] && lo=52000 hi=52100

org_stream roam lanlon 10.100.0.10 12
sleep 2
org_nat_remap lon $lo $hi
moved() { local r; r=$(remote_of_lon); [ -n "$r" ] && [ "$r" != "$old" ] && [ "$r" != null ]; }
check path_follows wait_until 30 moved
new=$(remote_of_lon)
echo "# now at $new"
check new_port_in_range test "${new##*:}" -ge $lo -a "${new##*:}" -le $hi
org_stream_lost roam; lost=$LOST
echo "BENCH nat_rebind_gap_ms $((lost * 10))"
check gap_under_5s test "$lost" -lt 500
check traffic_after n lanlon ping -c 3 -i 0.2 -W 2 10.100.0.10
check reply_path n lansj ping -c 3 -i 0.2 -W 2 10.0.60.10
# (The key is not compared: a routine rekey, every 120 s, may fall in here.)
echo "# key before $key, after $(key_of_lon)"
finish
