#!/bin/bash
# vm-timeout: 400
# kill -9 autovpnd under a 10 ms stream: the kernel keeps forwarding while
# the daemon is dead; the restarted daemon adopts the interface, its peers,
# keys and paths and the sockets' ports (so NAT mappings stay): nothing is
# torn down, and the gap is reported.
. "$(dirname "$0")/org.sh"

org_topology || fatal topology
org_registries || fatal registries
org_gateways sj sf lon -v || fatal gateways
wait_until 120 org_peer_up lon sj || fatal tunnel
wait_until 60 org_peer_up sj lon || fatal tunnel
before=$(org_status lon | jq -c '[.peers[] | {name, id, key_id}], [.uplinks[].local]')

org_stream dead lanlon 10.100.0.10 6
sleep 1
org_kill lon KILL
org_stream_lost dead; lost=$LOST
echo "BENCH daemon_dead_lost_packets $lost"
check no_loss_while_dead test "$lost" = 0

org_stream restart lanlon 10.100.0.10 10
org_gateway lon
check daemon_back wait_until 60 org_peer_up lon sj
org_stream_lost restart; lost=$LOST
echo "BENCH daemon_restart_gap_ms $((lost * 10))"
check restart_gap_under_1s test "$lost" -lt 100
after=$(org_status lon | jq -c '[.peers[] | {name, id, key_id}], [.uplinks[].local]')
echo "# before: $before"
echo "# after:  $after"
check nothing_torn_down test "$before" = "$after"
check no_restart_error bash -c "! grep -q 'creating the kernel peer' '$AVPN_OUT/autovpnd-lon.log'"
finish
