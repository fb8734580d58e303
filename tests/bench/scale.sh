#!/bin/bash
# shellcheck shell=bash
# The scale datapath of the benchmark (sourced by datapath.sh, after
# topo.sh): a second autovpn device, av1, on each gateway, made a hub of
# SCALE_PEERS peers and SCALE_ROUTES routes, with the benchmark's traffic
# going to one peer that sits deep in its tables:
#
#   - it is created first: its receive-index entry is the last of its hash
#     bucket (entries are added at the head);
#   - its LAN prefix (10.2.4.0/24 on gwA, 10.1.4.0/24 on gwB) lies among
#     100,000 /25s packed around it in 10.0.0.0/8 (the /25s of both LANs
#     are left out, so the /24 stays the longest match), 24 bits down the
#     trie;
#   - every other peer has a key, an allowed source, a path and 10 routes,
#     as a hub's spokes have, and never carries a packet.
#
# The same traffic through av0 (one peer, a handful of prefixes) is the
# reference: the target is throughput within 5 % (DESIGN §10).
# Programming av1 on gwA happens in three steps with the kernel memory
# (Slab + Percpu + VmallocUsed of /proc/meminfo) read between them, so the
# report has the memory per peer (with its path and allowed source), per
# key and per route.

SCALE_PEERS=${SCALE_PEERS:-10000}
SCALE_ROUTES=${SCALE_ROUTES:-100000}
SCALE_CHUNK=${SCALE_CHUNK:-250} # peers per `autovpn set` command
SPORT_A=40003 SPORT_B=40004
# Receive indexes of the traffic peer (B writes SRX_A into packets for A).
SRX_A=303 SRX_B=404
SCALE_KEYID=1

# Kernel memory in kB, after the RCU-deferred frees of what came before.
kmem_kb() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep 6 # batched kfree_rcu drains within KFREE_DRAIN_JIFFIES (5 s)
	awk '/^(Slab|Percpu|VmallocUsed):/ { s += $2 } END { print s }' /proc/meminfo
}

# The argument files: one line of `autovpn set` words per SCALE_CHUNK
# extra peers (ids 2..SCALE_PEERS), for each step. Peer i sends to the
# other gateway's av1 port (it is never used), allows 172.16.0.0/12 + i,
# gets key files k<2i> / k<2i+1> and 10 routes. Routes are /25s of
# 10.0.0.0/8 in address order, both LANs' /25s skipped; the traffic peer
# (id 1) takes the first 9 besides its LAN.
scale_gen() { # REMOTE_EP -> $WORK/scale/{peers,keys,routes}.args, traffic-routes
	local d=$WORK/scale
	mkdir -p "$d/keys"
	# 36 random bytes per key file, base64: exactly 48 characters a line.
	head -c $((36 * 2 * (SCALE_PEERS + 1))) /dev/urandom | base64 -w 48 |
		split -l 1 -a 6 -d - "$d/keys/k" || return 1
	awk -v n="$SCALE_PEERS" -v nr="$SCALE_ROUTES" -v chunk="$SCALE_CHUNK" \
		-v ep="$1" -v kd="$d/keys" -v out="$d" '
		function r25(   a, b, c) {
			for (;;) {
				a = int(j / 512); b = int(j / 2) % 256; c = (j % 2) * 128
				j++
				if (!(a == 1 && b == 4) && !(a == 2 && b == 4))
					return "10." a "." b "." c "/25"
			}
		}
		function kf(x) { return sprintf("%s/k%06d", kd, x) }
		BEGIN {
			j = 0
			per = int((nr - 10) / (n - 1))
			t = ""
			for (k = 0; k < 9; k++)
				t = t "," r25()
			print substr(t, 2) > (out "/traffic-routes")
			for (i = 2; i <= n; i++) {
				sep = ((i - 2) % chunk == chunk - 1 || i == n) ? "\n" : " "
				a = 172 * 16777216 + 16 * 65536 + i
				printf "peer %d rx-index %d tx-index %d allowed %d.%d.%d.%d/32 path 0 uplink 0 endpoint %s%s",
					i, 100000 + i, 100000 + i, int(a / 16777216), int(a / 65536) % 256,
					int(a / 256) % 256, a % 256, ep, sep > (out "/peers.args")
				printf "peer %d key current id 1 tx %s rx %s%s", i, kf(2 * i), kf(2 * i + 1),
					sep > (out "/keys.args")
				r = ""
				for (k = 0; k < per; k++)
					r = r "," r25()
				printf "peer %d routes %s%s", i, substr(r, 2), sep > (out "/routes.args")
			}
		}'
}

scale_apply() { # NS STEP
	local line
	while read -r line; do
		# shellcheck disable=SC2086
		n "$1" "$AVPN" set av1 $line || return 1
	done <"$WORK/scale/$2.args"
}

# av1 with its traffic peer (id 1) on gwSIDE; the LAN addresses 10.x.4.0/24.
scale_gateway() {
	local side=$1 ns=gw$1 me peer rx tx lan
	if [ "$side" = A ]; then
		me=$(ep "$GWA_OUT" $SPORT_A) peer=$(ep "$GWB_OUT" $SPORT_B) rx=$SRX_A tx=$SRX_B lan=10.2.4.0/24
	else
		me=$(ep "$GWB_OUT" $SPORT_B) peer=$(ep "$GWA_OUT" $SPORT_A) rx=$SRX_B tx=$SRX_A lan=10.1.4.0/24
	fi
	n "$ns" ip link add av1 type autovpn &&
		n "$ns" "$AVPN" set av1 uplink 0 bind "$me" || return 1
	# shellcheck disable=SC2046
	n "$ns" "$AVPN" set av1 peer 1 name t rx-index $rx tx-index $tx \
		routes "$lan,$(cat "$WORK/scale/traffic-routes")" allowed $lan \
		path 0 uplink 0 endpoint "$peer" state up \
		key current $(key_args "$side" $SCALE_KEYID s) || return 1
	n "$ns" ip link set av1 up && n "$ns" ip route add $lan dev av1
}

# setup_scale: av1 on both gateways; prints the BENCH memory lines.
setup_scale() {
	local m0 m1 m2 m3 t0
	n lanA ip addr add 10.1.4.2/24 dev lan && n gwA ip addr add 10.1.4.1/24 dev lan &&
		n lanB ip addr add 10.2.4.2/24 dev lan && n gwB ip addr add 10.2.4.1/24 dev lan || return 1
	SECONDS=0
	scale_gen "$(ep "$GWB_OUT" $SPORT_B)" || return 1
	make_keys $SCALE_KEYID s || return 1  # the traffic peer's: sab<ID>, sba<ID>
	log "scale: argument files for $SCALE_PEERS peers / $SCALE_ROUTES routes in ${SECONDS}s"
	scale_gateway A && scale_gateway B || return 1
	t0=$SECONDS
	m0=$(kmem_kb)
	scale_apply gwA peers || return 1
	m1=$(kmem_kb)
	scale_apply gwA keys || return 1
	m2=$(kmem_kb)
	scale_apply gwA routes || return 1
	m3=$(kmem_kb)
	log "scale: gwA programmed in $((SECONDS - t0))s (memory: $m0 -> $m1 -> $m2 -> $m3 kB)"
	# gwB's extra peers send to gwA's av1 port; the same key files are
	# fresh material on gwB's device.
	sed "s/endpoint [^ ]*/endpoint $(ep "$GWA_OUT" $SPORT_A)/g" "$WORK/scale/peers.args" \
		>"$WORK/scale/peersB.args"
	t0=$SECONDS
	scale_apply gwB peersB && scale_apply gwB keys && scale_apply gwB routes || return 1
	log "scale: gwB programmed in $((SECONDS - t0))s"
	local np=$((SCALE_PEERS - 1)) nroutes
	nroutes=$(n gwA "$AVPN" show av1 dump | awk -F'\t' '$1 == "peer" { n += split($11, r, ",") } END { print n }')
	echo "BENCH scale_peers $SCALE_PEERS"
	echo "BENCH scale_routes ${nroutes:-0}"
	awk -v a="$m0" -v b="$m1" -v c="$m2" -v d="$m3" -v np="$np" -v nr="$((SCALE_ROUTES - 10))" 'BEGIN {
		printf "BENCH scale_bytes_per_peer %.0f\n", (b - a) * 1024 / np
		printf "BENCH scale_bytes_per_key %.0f\n", (c - b) * 1024 / np
		printf "BENCH scale_bytes_per_route %.0f\n", (d - c) * 1024 / nr
	}'
	[ "${nroutes:-0}" = "$SCALE_ROUTES" ] ||
		log "scale: gwA's av1 has ${nroutes:-0} routes, not $SCALE_ROUTES"
}

# Rotation of the traffic peer's key, as topo.sh's rekey does for av0.
scale_rekey() {
	local id=$1
	make_keys "$id" s || return 1
	# shellcheck disable=SC2046
	n gwA "$AVPN" set av1 peer 1 key next $(key_args A "$id" s) &&
		n gwB "$AVPN" set av1 peer 1 key next $(key_args B "$id" s) &&
		n gwB "$AVPN" set av1 peer 1 key-swap && n gwA "$AVPN" set av1 peer 1 key-swap
}
