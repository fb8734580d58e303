#!/bin/bash
# vm-timeout: 400
# A restart with both registries out of reach. The daemon keeps each
# complete peer list in /run (peersave.c, root's 0700 directory, the file
# 0600: it holds psks); restarted over a running av0 with no registry to
# answer, it takes its kernel peers over from that list and goes on
# rekeying them. It used to wait for a registry's list: no peer was taken
# over, none rekeyed, and every tunnel died with its keys (180 s), against
# DESIGN §5 (the tunnels outlive the registry).
. "$(dirname "$0")/org.sh"

org_topology || fatal topology
org_registries || fatal registries
# Rekeying every 5 s: the restarted London has handshakes to do at once.
org_gateways sj lon --rekey-secs 5 || fatal gateways
wait_until 120 org_peer_up lon sj || fatal tunnel
wait_until 60 org_peer_up sj lon || fatal tunnel
log=$AVPN_OUT/autovpnd-lon.log

check list_saved test -s "$(org_peer_list lon)"
check list_root_only test "$(stat -c %a:%U "$(org_peer_list lon)")" = 600:root

kill "$ORG_REG1_PID" "$ORG_REG2_PID"
wait "$ORG_REG1_PID" "$ORG_REG2_PID" 2>/dev/null
org_kill lon KILL
# Handshakes London completes (initiator) or answers (responder; San Jose,
# rekeying every 5 s, mostly starts them).
handshakes() { grep -c "handshake complete\|handshake answered" "$log"; }
hs0=$(handshakes) lines0=$(wc -l < "$log")
org_gateway lon --rekey-secs 5
check took_saved_list wait_until 30 grep -q "peer(s) from the last run's list" "$log"
more_handshakes() { test "$(handshakes)" -gt "$hs0"; }
check rekeyed_without_registry wait_until 60 more_handshakes
check traffic_without_registry wait_until 30 n lanlon ping -c 1 -W 2 10.100.0.10
# No peer and no kernel peer removed since the restart (": removed" is
# how peer.c and adopt.c both say it).
check_fails nothing_torn_down bash -c "tail -n +$((lines0 + 1)) '$log' | grep -q ': removed'"
finish
