#!/bin/bash
# vm-timeout: 400
# Full tunnel through a hub (London lists San Jose with default-route): a
# London LAN host reaches an internet address through San Jose, while
# London's registry traffic still leaves directly, and London's own local
# subnets stay outside the tunnel. Captures on both NATs' outsides show it.
. "$(dirname "$0")/org.sh"

ORG_LON_SJ_FLAGS=default-route
org_topology || fatal topology
org_registries || fatal registries
org_gateways sj sf lon || fatal gateways
wait_until 120 org_peer_up lon sj || fatal tunnel
wait_until 60 org_peer_up sj lon || fatal tunnel

check default_route_in_vpn_table bash -c "ip -n gwlon route show table 9350 | grep -q '^default dev av0'"
check default_via_hub test "$(org_route_via lon 0.0.0.0/0)" = "${ORG_NAME[sj]}"

bg natlon tcpdump -n -l -i out -w "$WORK/lon.pcap"
bg natsj tcpdump -n -l -i out -w "$WORK/sj.pcap"
sleep 2
check lan_reaches_internet n lanlon ping -c 3 -W 2 $ORG_WWW
check gateway_reaches_own_lan n gwlon ping -c 1 -W 2 10.0.30.10
# A keepalive goes out every 10 s: wait for one to be captured.
sleep 11
pkill -INT tcpdump
sleep 1
lon_icmp=$(tcpdump -n -r "$WORK/lon.pcap" "icmp and host $ORG_WWW" 2>/dev/null | wc -l)
lon_reg=$(tcpdump -n -r "$WORK/lon.pcap" "udp and dst host $ORG_REG1 and dst port 9350" 2>/dev/null | wc -l)
sj_icmp=$(tcpdump -n -r "$WORK/sj.pcap" "icmp and host $ORG_WWW" 2>/dev/null | wc -l)
echo "# London's NAT outside: $lon_icmp ICMP to/from $ORG_WWW in clear, $lon_reg registry datagrams"
echo "# San Jose's NAT outside: $sj_icmp ICMP to/from $ORG_WWW"
check lon_internet_traffic_not_in_clear test "$lon_icmp" = 0
check lon_registry_traffic_direct test "$lon_reg" -gt 0
check internet_traffic_exits_at_hub test "$sj_icmp" -ge 6
finish
