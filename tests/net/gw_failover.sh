#!/bin/bash
# vm-timeout: 400
# A spoke's first hub dies: London's traffic to Paris (which it reaches
# through a hub) moves to the second hub, and back once the first has been
# up for the hysteresis time. A 10 ms stream measures the gap.
. "$(dirname "$0")/org.sh"

org_topology || fatal topology
org_registries || fatal registries
org_gateways sj sf lon par --hysteresis-ms 3000 || fatal gateways
org_wait_tunnels 120 || fatal tunnels
SJ=${ORG_NAME[sj]} SF=${ORG_NAME[sf]}
check route_via_first_hub test "$(org_route_via lon 10.60.0.0/24)" = "$SJ"
n lanlon ping -c 2 -i 0.2 -W 2 10.60.0.10 >/dev/null || fatal ping

org_stream failover lanlon 10.60.0.10 12
sleep 2
# San Jose goes away (its uplink dies).
ip -n gwsj link set wan down
via_sf() { test "$(org_route_via lon 10.60.0.0/24)" = "$SF"; }
check moved_to_second_hub wait_until 15 via_sf
org_stream_lost failover; lost=$LOST
echo "BENCH hub_failover_gap_ms $((lost * 10))"
# With 1 s probes a dead path is noticed after 3 missed probes: < 4 s.
check failover_gap_bounded test "$lost" -lt 400
check traffic_via_second_hub n lanlon ping -c 2 -i 0.2 -W 2 10.60.0.10

# San Jose returns: traffic goes back after the hysteresis (3 s here).
org_stream back lanlon 10.60.0.10 10
ip -n gwsj link set wan up
ip -n gwsj route add default via 172.16.1.1 2>/dev/null
via_sj() { test "$(org_route_via lon 10.60.0.0/24)" = "$SJ"; }
check back_to_first_hub wait_until 30 via_sj
org_stream_lost back; lost=$LOST
echo "BENCH hub_failback_lost_packets $lost"
check failback_without_gap test "$lost" -lt 100
finish
