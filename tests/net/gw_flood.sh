#!/bin/bash
# vm-timeout: 400
# A handshake flood from spoofed sources at a hub (San Francisco, reachable
# from anywhere through its port forward): every datagram has a valid MAC1,
# so only cookies and the per-source rate limit keep the hub working. A new
# spoke (Paris) joining during the flood still completes its handshake, and
# the tunnels already up keep passing traffic.
. "$(dirname "$0")/org.sh"

org_topology || fatal topology
org_registries || fatal registries
org_gateways sj sf lon --metrics 127.0.0.1:9400 || fatal gateways
wait_until 120 org_peer_up lon sf || fatal tunnel

bg inet "$NETBIN/hsflood" "${ORG_PUB[sf]}:$ORG_SF_FWD_PORT" "$WORK/keys/sf.pub" 200000 100.64 60
FLOOD=$BG_PID
sleep 3
t0=$(date +%s%N)
org_gateway par
# Joined = up at both ends: Paris is up once its handshake completes, San
# Francisco only once its probes to Paris are answered too, which under the
# flood can take a probe interval longer (a CI run once pinged in between).
if wait_secs 60 org_peer_up par sf && wait_secs 30 org_peer_up sf par; then
	pass new_spoke_handshake_under_flood
	echo "BENCH join_under_flood_ms $((($(date +%s%N) - t0) / 1000000))"
else
	fail new_spoke_handshake_under_flood
fi
check existing_tunnel_under_flood n lanlon ping -c 3 -W 2 10.200.0.10
check new_spoke_traffic_under_flood n lanpar ping -c 3 -W 2 10.200.0.10
kill "$FLOOD" 2>/dev/null
wait "$FLOOD"
# The flood reached San Francisco's daemon: far more handshake messages
# were refused (a cookie reply under load, the per-source limit, a bad MAC1,
# or dropped: an initiation from a key it does not know) than the handful of
# real handshakes accepted. Which of those depends on the flood's rate: on
# the stock kernel 69886 cookies, 255 dropped; under the debug kernel on a
# loaded host the flood was too slow to look like load: 0 cookies, 1869
# dropped. The bound is far below both.
hs() { # RESULT: San Francisco's count of handshake messages with that result
	n gwsf curl -sf http://127.0.0.1:9400/metrics |
		awk -v r="autovpnd_handshake_messages_total{result=\"$1\"}" '$1 == r { print $2 }'
}
cookies=$(hs cookie_sent) limited=$(hs rate_limited) accepted=$(hs accepted)
dropped=$(hs dropped) bad=$(hs bad_mac1)
echo "# San Francisco's handshakes: cookie_sent $cookies rate_limited $limited accepted $accepted dropped $dropped bad_mac1 $bad"
echo "BENCH flood_cookies_sent $cookies"
refused=$((${cookies:-0} + ${limited:-0} + ${dropped:-0} + ${bad:-0}))
check flood_reached_hub test "$refused" -ge 200
check flood_accepted_few test "${accepted:-0}" -ge 1 -a "${accepted:-0}" -lt 100
finish
