#!/bin/bash
# vm-timeout: 900
# Removing peers one PEER_DEL at a time is about as cheap as creating them
# (issue 9, defect 11: each PEER_DEL used to wait for an RCU grace period,
# under the genl mutex, so 10,000 removals took 10,000 grace periods).
#
# 10,000 peers with a route and an allowed prefix each are created by one
# `autovpn set` (one PEER_NEW per peer) and removed by another (one PEER_DEL
# per peer). Wall-clock time under TCG on a shared host varies by a factor
# of several from run to run, so the check is a ratio taken in the same run:
# removal must take less than 3 times as long as creation (+ 5 s). Both are
# the same number of netlink requests of similar size; a grace period per
# request (several ms each, on the order of a minute for all of them) blows
# through that bound, a deferred free does not. Timings are reported as
# BENCH lines. The device takes a new peer afterwards.
#
#   ns m: av0 with uplink 0 on 127.0.0.1:41000
. "$(dirname "$0")/lib.sh"

A=$AVPN_BIN/autovpn
N=${N:-10000}

modprobe -a udp_tunnel ip6_udp_tunnel
load_module || fatal load_module
new_ns m
n m ip link add av0 type autovpn || fatal link
n m "$A" set av0 uplink 0 bind 127.0.0.1:41000 || fatal uplink
for ((i = 1; i <= N; i++)); do
	echo "peer $i rx-index $((i + 100000)) routes 10.$((i / 256)).$((i % 256)).0/24" \
		"allowed 172.$((16 + i / 65536)).$((i / 256 % 256)).$((i % 256))/32"
done >"$WORK/create"
for ((i = 1; i <= N; i++)); do echo "peer $i remove"; done >"$WORK/remove"

ms() { date +%s%3N; }
t0=$(ms)
# shellcheck disable=SC2046
n m "$A" set av0 $(cat "$WORK/create") || fatal create
t1=$(ms)
check "created" [ "$(n m "$A" show av0 --json | jq '.interfaces[0].npeers // (.interfaces[0].peers | length)')" = "$N" ]
t2=$(ms)
# shellcheck disable=SC2046
n m "$A" set av0 $(cat "$WORK/remove") || fail remove
t3=$(ms)
create=$((t1 - t0)) remove=$((t3 - t2))
echo "# created $N peers in ${create} ms, removed them in ${remove} ms"
echo "BENCH peer_create_10k_ms $create"
echo "BENCH peer_remove_10k_ms $remove"
check "all-removed" [ "$(n m "$A" show av0 --json | jq '.interfaces[0].peers | length')" = 0 ]
if [ "$remove" -lt $((3 * create + 5000)) ]; then
	pass "remove-as-cheap-as-create"
else
	fail "remove-as-cheap-as-create" "removal ${remove} ms >= 3 x creation ${create} ms + 5 s"
fi

# The device still takes peers.
n m "$A" set av0 peer 1 rx-index 1 tx-index 2 routes 10.2.0.0/24 \
	path 0 uplink 0 endpoint 127.0.0.1:41001 || fail "peer-after"
finish
