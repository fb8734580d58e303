#!/bin/bash
# vm-timeout: 600
# Paged PEER_GET dumps: 10,000 peers come back exactly once each; a peer with
# more routes than fit in one netlink message is continued over several
# messages and reassembled; a dump taken while peers are added and removed
# concurrently (the cursor is the peer id) shows every stable peer once and
# no peer twice; deleting the device with all of them is quick and clean.
. "$(dirname "$0")/lib.sh"

A=$AVPN_BIN/autovpn
N=${N:-10000}
BIG=${BIG:-3000} # routes of one peer (~20 bytes each: several 16 KiB messages)

new_ns a
modprobe -a udp_tunnel ip6_udp_tunnel
load_module || fatal load_module
n a ip link add av0 type autovpn || fatal link_add
n a "$A" set av0 uplink 0 bind 127.0.0.1:41000 || fatal uplink

for ((i = 1; i <= N; i++)); do
	echo "peer $i rx-index $((i + 100000)) routes 10.$((i / 256)).$((i % 256)).0/24"
done >"$WORK/many"
SECONDS=0
# shellcheck disable=SC2046
n a "$A" set av0 $(cat "$WORK/many") || fatal create_peers
echo "# created $N peers in ${SECONDS}s"

SECONDS=0
n a "$A" show av0 dump >"$WORK/dump" || fail dump
echo "# dumped in ${SECONDS}s"
got=$(grep -c '^peer' "$WORK/dump")
uniq=$(awk '$1 == "peer" { print $3 }' "$WORK/dump" | sort -u | wc -l)
check dump_all_peers [ "$got" = "$N" ] && [ "$uniq" = "$N" ]
check dump_routes_right grep -qP '^peer\tav0\t4660\t.*\t10\.18\.52\.0/24\t' "$WORK/dump"

# One peer with BIG routes: its dump spans several messages.
for ((i = 0; i < BIG; i++)); do
	printf '172.%d.%d.0/24,' $((16 + i / 256)) $((i % 256))
done >"$WORK/big"
n a "$A" set av0 peer 99999 rx-index 99999 routes "$(sed 's/,$//' "$WORK/big")" ||
	fail big_peer_create
n a "$A" show av0 dump >"$WORK/dump1" || fail dump1
# Field 11 of a peer line is its comma-separated routes.
routes=$(awk -F'\t' '$1 == "peer" && $3 == 99999 { print $11 }' "$WORK/dump1" | tr ',' '\n' | wc -l)
check big_peer_reassembled [ "$routes" = "$BIG" ]
count=$(awk -F'\t' '$1 == "peer" && $3 == 99999' "$WORK/dump1" | wc -l)
check big_peer_once [ "$count" = 1 ]

# More routes than one request can carry (a PEER nest is at most 64 KiB):
# the client splits them over several requests, none is lost.
for ((i = 0; i < 5000; i++)); do
	printf '100.%d.%d.%d/32,' $((64 + i / 65536)) $((i / 256 % 256)) $((i % 256))
done >"$WORK/huge"
n a "$A" set av0 peer 99998 rx-index 99998 routes "$(sed 's/,$//' "$WORK/huge")" ||
	fail huge_peer_create
n a "$A" show av0 dump >"$WORK/dump3" || fail dump3
routes=$(awk -F'\t' '$1 == "peer" && $3 == 99998 { print $11 }' "$WORK/dump3" | tr ',' '\n' | wc -l)
check huge_peer_all_routes [ "$routes" = 5000 ]

# Dump while peers N+1.. come and go: stable peers 1..N appear exactly once.
(
	for ((j = 0; j < 10; j++)); do
		ip netns exec a "$A" set av0 peer $((N + 1 + j)) rx-index $((300000 + j)) >/dev/null
		ip netns exec a "$A" set av0 peer $((N + 1 + j)) remove >/dev/null
		ip netns exec a "$A" set av0 peer $((N + 100 + j)) rx-index $((400000 + j)) >/dev/null
	done
) &
churn=$!
n a "$A" show av0 dump >"$WORK/dump2"
wait $churn
stable=$(awk '$1 == "peer" && $3 <= '"$N"' { print $3 }' "$WORK/dump2" | sort | uniq -c |
	awk '$1 == 1' | wc -l)
dups=$(awk '$1 == "peer" { print $3 }' "$WORK/dump2" | sort | uniq -d | wc -l)
check dump_during_churn [ "$stable" = "$N" ] && [ "$dups" = 0 ]

SECONDS=0
check delete_device n a ip link del av0
echo "# deleted the device with $((N + 11)) peers in ${SECONDS}s"
finish
