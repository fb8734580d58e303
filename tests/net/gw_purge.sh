#!/bin/bash
# vm-timeout: 400
# Both registries go away: the tunnels stay untouched while the org's peer
# purge time (here its minimum, 60 s) runs, and then the peers no registry
# confirmed are purged (kernel peers and routes withdrawn). On the way, the
# gateway's own settings from the registry (SELF) reach the kernel: London's
# network says active-active = no, San Jose's leaves the default (yes).
. "$(dirname "$0")/org.sh"

org_topology || fatal topology
org_keys
org_conf_write "$WORK/org.conf" "active-active = no"
sed -i 's/^\(\s*peer-purge-time\s*=\).*/\1 60s/' "$WORK/org.conf"
grep -q 'peer-purge-time = 60s' "$WORK/org.conf" || fatal "purge time not set"
org_registries --keepalive-ms 1000 || fatal registries
org_gateways sj lon || fatal gateways
wait_until 120 org_peer_up lon sj || fatal tunnel
wait_until 60 org_peer_up sj lon || fatal tunnel
check settings_applied grep -q 'peer purge time 60 s' "$AVPN_OUT/autovpnd-lon.log"
active_active() { # SITE on|off: the kernel device's flag, as `autovpn show` says
	n "gw$1" "$AVPN" show av0 | grep -q "active-active: $2"
}
check lon_active_active_off active_active lon off
check sj_active_active_on active_active sj on

t0_ms=$(date +%s%3N)
kill "$ORG_REG1_PID" "$ORG_REG2_PID"
wait "$ORG_REG1_PID" "$ORG_REG2_PID" 2>/dev/null
disconnected() {
	org_status lon | jq -e '[.registries[].connected] == [false, false]' >/dev/null
}
check registries_gone wait_until 30 disconnected
# Well inside the purge time: nothing changed for the tunnel.
sleep 20
check tunnel_untouched n lanlon ping -c 3 -W 2 10.100.0.10
check peer_still_listed org_peer_up lon sj

purged() {
	! n gwlon "$AVPN" show av0 --json |
		jq -e '.interfaces[0].peers[]? | select(.name | startswith("Cisco"))' >/dev/null
}
check purged_after_purge_time wait_until 90 purged
check logged grep -q 'purged 2 peer(s) no registry confirmed' "$AVPN_OUT/autovpnd-lon.log"
# By the daemon's own log line, from before the registries were killed
# (their exit and the polls above take time of their own): the purge
# counts from the last confirmation, up to a keepalive (1 s) before the
# kill, so 59 s, less a second for the log's and the clock's granularity.
purge_ms=$(org_log_delay lon "$t0_ms" "purged 2 peer")
echo "BENCH peers_purged_after_s $((${purge_ms:-0} / 1000))"
check not_before_purge_time test "${purge_ms:-0}" -ge 58000
check_fails routes_withdrawn n lanlon ping -c 1 -W 1 10.100.0.10
finish
