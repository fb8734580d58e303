#!/bin/bash
# vm-timeout: 300
# Changing peers' receive indexes never hides another peer from the receive
# path (issue 9, defect 8). Receive finds a DATA packet's peer in a hash
# table by receiver index; rxflip puts NDUMMY peers into the bucket of the
# target peer's index (in front of it) and moves them out of the bucket and
# back, as fast as netlink lets it, while udpsend floods DATA packets for
# the target. The target has no key, so each packet that finds it is counted
# as no_key; one that misses it would be counted as no_peer (the old code
# re-linked a moved peer into another bucket without a grace period, so a
# reader standing on it continued in the wrong bucket).
#
#   ns r: av0 with uplink 0 on 127.0.0.1:41000; peer 1 (rx-index 4242)
. "$(dirname "$0")/lib.sh"

A=$AVPN_BIN/autovpn
SECS=${SECS:-60}
NDUMMY=${NDUMMY:-64}
T=4242

modprobe -a udp_tunnel ip6_udp_tunnel
load_module || fatal load_module
new_ns r
n r ip link add av0 type autovpn || fatal link
n r "$A" set av0 uplink 0 bind 127.0.0.1:41000 \
	peer 1 rx-index $T path 0 uplink 0 endpoint 127.0.0.1:41001 || fatal setup
result() { if [ "$2" = 0 ]; then pass "$1"; else fail "$1" "$3"; fi; }
dev() { n r "$A" show av0 --json | jq -r ".interfaces[0].drops.$1"; }
peer() { n r "$A" show av0 --json | jq -r ".interfaces[0].peers[] | select(.id == 1) | .drops.$1"; }

# DATA, key id 9 (none), path 0, receiver index T, counter 1, 32 bytes.
pkt=$(printf '01090000%08x0000000000000001' $T)$(printf '%064d' 0)
np0=$(dev no_peer) nk0=$(peer no_key)
bg r "$AVPN_BIN/tests/net/rxflip" av0 $T $NDUMMY $((SECS + 5))
flip=$BG_PID
n r "$AVPN_BIN/tests/net/udpsend" -t $SECS 127.0.0.1:41000 "$pkt" >"$WORK/flood.out"
wait $flip
flip_rc=$?
np1=$(dev no_peer) nk1=$(peer no_key)
echo "# $(cat "$WORK/flood.out"); packets that found the target: $((nk1 - nk0))"
check "rxflip-ran" [ $flip_rc = 0 ]

result "target-found" $((nk1 - nk0 < 1000)) "only $((nk1 - nk0)) packets reached the target"
result "no-lookup-missed-the-target" $((np1 != np0)) \
	"$((np1 - np0)) of $((nk1 - nk0 + np1 - np0)) lookups missed the target (no_peer)"
echo "BENCH rxindex_race_misses $((np1 - np0))"
finish
