#!/bin/bash
# vm-timeout: 900
# Lifecycle under traffic (topology: tests/net/topo.sh, outer IPv4): while
# ping floods cross the tunnel both ways, random actions, many rounds:
#   peer    gwA deletes peer 1 (packets in flight), then both sides make it
#           again with fresh keys                   -> the tunnel works again
#   rekey   a next key on both sides, swapped in    -> the tunnel works
#   uplink  gwA's uplink 0 is replaced by a socket of uplink_queue (an
#           owner that stays), gwB's path follows it, then the owner
#           exits: its socket is closed by its owner, the module's
#           reference carries on                    -> the tunnel works
#   netns   a gateway's namespace is deleted with av0, its uplink sockets and
#           its traffic in it: the namespace must really go (its veth peers
#           in the neighbour namespaces disappear), then everything is
#           rebuilt                                 -> the tunnel works
#   rmmod   the module is unloaded with all of it live, loaded again, the
#           tunnel rebuilt                          -> the tunnel works
# Rounds: AVPN_LIFECYCLE_ROUNDS (default 5; 30 under the debug kernel); the
# first five take each action once in a shuffled order, the rest are drawn
# at random (seeded: AVPN_LIFECYCLE_SEED replays a run; the seed is
# printed). Every round is bounded; leaks, splats and a
# module that will not unload are the harness's part.
. "$(dirname "$0")/topo.sh"

if [ "${AVPN_DEBUG_KERNEL:-0}" = 1 ]; then
	ROUNDS=${AVPN_LIFECYCLE_ROUNDS:-30}
else
	ROUNDS=${AVPN_LIFECYCLE_ROUNDS:-5}
fi
SEED=${AVPN_LIFECYCLE_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
RANDOM=$SEED
log "seed $SEED, $ROUNDS rounds"
KEYID=1
APORT=$PORT_A # gwA's current uplink 0 port (uplink actions change it)
FLOODS=()
declare -A done_n=() fail_n=()

flood() {
	local p
	for p in "${FLOODS[@]}"; do kill "$p" 2>/dev/null; done
	FLOODS=()
	bg lanA timeout 900 ping -q -f -s 600 "$LANB4" >/dev/null 2>&1
	FLOODS+=("$BG_PID")
	bg lanB timeout 900 ping -q -f -s 200 "$LANA6" >/dev/null 2>&1
	FLOODS+=("$BG_PID")
}

# wait_secs SECS CMD...: like wait_until, but bounded in wall time: one
# try here runs several programs, which can take seconds under TCG.
wait_secs() {
	local end=$((EPOCHSECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		((EPOCHSECONDS < end)) || return 1
		sleep 0.2
	done
}

# The floods keep the tunnel busy: a probe may wait for its answer (the
# debug kernel under TCG is slow), and the whole check gets a minute.
tunnel_ok() {
	wait_secs 60 n lanA ping -c 1 -W 3 "$LANB4" || { log "no IPv4 ping lanA -> lanB"; return 1; }
	wait_secs 60 n lanB ping -c 1 -W 3 "$LANA6" || { log "no IPv6 ping lanB -> lanA"; return 1; }
}

# step WHAT CMD...: runs CMD; says what failed.
step() {
	local what=$1
	shift
	"$@" && return 0
	log "failed: $what"
	return 1
}

# What a failed round leaves to read: each gateway's nonzero drop counters
# (device and peer 1), and peer 1's paths and keys.
round_state() {
	local gw
	for gw in gwA gwB; do
		log "$gw drops: $(dev_stat $gw '.drops | with_entries(select(.value != 0)) | tostring' 2>&1)" \
			"peer 1: $(peer_stat $gw '[(.drops | with_entries(select(.value != 0))), .paths, .keys] | tostring' 2>&1)"
	done
}

# Everything from scratch: namespaces, module if needed, both gateways.
rebuild() {
	APORT=$PORT_A KEYID=1
	step "setup_topology" setup_topology v4 && step "setup_tunnel" setup_tunnel && flood
}

act_peer() {
	step "gwA: peer 1 remove" n gwA "$AVPN" set av0 peer 1 remove || return 1
	step "gwB: peer 1 remove" n gwB "$AVPN" set av0 peer 1 remove || return 1
	KEYID=$((KEYID % 200 + 1))
	step "make_keys" make_keys "$KEYID" || return 1
	local side ns rx tx lan4 lan6 peer_ep
	for side in A B; do
		if [ $side = A ]; then
			ns=gwA rx=$RX_A tx=$RX_B lan4=10.2.0.0/24 lan6=fd02::/64 peer_ep=$EP_B
		else
			ns=gwB rx=$RX_B tx=$RX_A lan4=10.1.0.0/24 lan6=fd01::/64
			peer_ep=$(ep "$GWA_OUT" "$APORT")
		fi
		# shellcheck disable=SC2046
		step "$ns: peer 1 again" n $ns "$AVPN" set av0 peer 1 rx-index $rx tx-index $tx \
			routes $lan4,$lan6 allowed $lan4,$lan6 path 0 uplink 0 endpoint "$peer_ep" \
			state up key current $(key_args $side "$KEYID") || return 1
	done
}

act_rekey() {
	KEYID=$((KEYID % 200 + 1))
	step "make_keys" make_keys "$KEYID" &&
		step "gwA: next key" install_next A "$KEYID" &&
		step "gwB: next key" install_next B "$KEYID" &&
		step "gwB: key-swap" swap_key B &&
		step "gwA: key-swap" swap_key A
}

act_uplink() {
	local port=$((APORT == 40011 ? 40012 : 40011)) pid
	bg gwA timeout 120 "$NETBIN/uplink_queue" av0 0 "$(ep "$GWA_OUT" $port)" 60 \
		>"$WORK/uq.out" 2>&1
	pid=$BG_PID
	wait_secs 30 grep -q READY "$WORK/uq.out" || { cat "$WORK/uq.out"; return 1; }
	APORT=$port
	step "gwB: path to the new port" \
		n gwB "$AVPN" set av0 peer 1 path 0 endpoint "$(ep "$GWA_OUT" $port)" || return 1
	tunnel_ok || { log "no traffic over the owner's socket"; return 1; }
	# The owner goes away: its descriptor is closed, the module keeps its own.
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

gone() { ! n "$1" ip link show "$2" >/dev/null 2>&1; }

act_netns() {
	local gw=gwA peer=ra lan=lanA
	if ((RANDOM % 2)); then gw=gwB peer=rb lan=lanB; fi
	log "deleting namespace $gw with av0 live"
	step "ip netns del $gw" ip netns del $gw || return 1
	# The namespace is freed only when nothing holds it: its veth ends go
	# then, and their peers in rt and the LAN namespace with them.
	if ! wait_secs 60 gone rt $peer || ! wait_secs 10 gone $lan lan; then
		log "namespace $gw was deleted but never freed (its veth peer rt:$peer is still there)"
		return 1
	fi
	rebuild
}

act_rmmod() {
	rmmod autovpn || { log "rmmod with the tunnel live failed"; return 1; }
	if n gwA ip link show av0 >/dev/null 2>&1 || n gwB ip link show av0 >/dev/null 2>&1; then
		log "av0 survived rmmod"
		return 1
	fi
	step "insmod" load_module || return 1
	teardown_tunnel 2>/dev/null
	APORT=$PORT_A KEYID=1
	step "setup_tunnel" setup_tunnel
}

rebuild || fatal "setup"
check "tunnel-up" tunnel_ok
actions=(peer rekey uplink netns rmmod)
# The first rounds take every action once, shuffled; the rest at random.
order=("${actions[@]}")
for ((i = ${#order[@]} - 1; i > 0; i--)); do
	j=$((RANDOM % (i + 1)))
	t=${order[i]} order[i]=${order[j]} order[j]=$t
done
for ((r = 1; r <= ROUNDS; r++)); do
	if ((r <= ${#order[@]})); then
		a=${order[r - 1]}
	else
		a=${actions[RANDOM % ${#actions[@]}]}
	fi
	SECONDS=0
	if "act_$a" && tunnel_ok; then
		done_n[$a]=$((${done_n[$a]:-0} + 1))
		log "round $r: $a ok (${SECONDS}s)"
	else
		fail_n[$a]=$((${fail_n[$a]:-0} + 1))
		log "round $r: $a FAILED (${SECONDS}s); rebuilding"
		round_state
		result "round-$r-$a" 1
		# Start over, so the later rounds still test something.
		grep -q '^autovpn ' /proc/modules || load_module
		rebuild || fatal "rebuild"
	fi
done
for a in "${actions[@]}"; do
	log "$a: ${done_n[$a]:-0} ok, ${fail_n[$a]:-0} failed"
done
result "rounds" $((${#fail_n[@]} != 0)) "$ROUNDS rounds, seed $SEED"
# The end: all of it goes at once, with the floods running.
check "final-rmmod" rmmod autovpn
finish
