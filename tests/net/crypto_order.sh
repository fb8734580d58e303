#!/bin/bash
# vm-timeout: 900
# Parallel crypto keeps each peer's packets in order (issue 7; topology:
# tests/net/topo.sh). Numbered UDP datagrams flood from lanA to lanB
# through av0 while both CPUs encrypt and decrypt them (kernel/queue.c):
# lanB must get them in the order lanA sent them, none twice, with the
# synchronous cipher, with pcrypt (parallel=1, asynchronous completions on
# a workqueue), in both families and in both directions at once. A control
# run with the crypt queues but without the per-peer order (order=0, a
# test-only module parameter) must show reordering: the floods do make the
# CPUs overtake each other, so the in-order checks could fail.
. "$(dirname "$0")/topo.sh"

SEQ=$NETBIN/seqcheck
COUNT=${AVPN_ORDER_COUNT:-20000}
PORT=7000

# recv_start NAME NS PORT: a receiver in NS, its pid in RPID_NAME.
# The receiver stops after this long without a datagram (500 ms once the
# sender's last one is in: a reordered one that comes later than that
# counts as lost, and the arrived checks need half). Under the debug
# kernel a flood through pcrypt can pause for longer than 2 s (measured:
# a receiver gave up at 9060 of 20000, nothing reordered), and a loaded
# host can pause the stock kernel's VM for seconds too.
IDLE_MS=8000
case $(uname -r) in *debug*) IDLE_MS=15000 ;; esac

declare -A RPID
recv_start() {
	bg "$2" "$SEQ" recv "$3" $IDLE_MS $((COUNT - 1)) >"$WORK/$1.recv"
	RPID[$1]=$BG_PID
	wait_until 5 grep -q listening "$WORK/$1.recv" || fail "$1-listening"
}

# send_flood NS DST PORT CPU [SIZE]: numbered datagrams from one CPU. A
# sender that moves between CPUs has its datagrams reordered before they
# reach av0 (each CPU's backlog queue feeds the veth pair on its own),
# which is not what this measures.
send_flood() {
	n "$1" taskset -c "$4" "$SEQ" send "$(ep "$2" "$3")" "$COUNT" "${5:-1000}"
}

# recv_check NAME: waits for NAME's receiver; RESULT lines; sets REORD, RECV.
recv_check() {
	local name=$1 line dups
	wait "${RPID[$name]}"
	line=$(grep '^received' "$WORK/$name.recv")
	log "$name: $line"
	read -r _ RECV _ REORD _ dups _ _ <<<"$line"
	if [ -z "${RECV:-}" ]; then
		fail "$name-ran"
		return 1
	fi
	result "$name-arrived" $((RECV < COUNT / 2)) "$RECV of $COUNT"
	result "$name-in-order" $((REORD != 0)) "$REORD of $RECV reordered"
	result "$name-no-duplicates" $((dups != 0)) "$dups duplicates"
}

# in_order NAME DST [SIZE]: a flood lanA -> lanB arrives in order.
# fresh_keys: new keys on both gateways before each flood. A key is refused
# 180 s after its installation (the kernel's fail-closed lifetime), and under
# the debug kernel this scenario takes many minutes: with the keys of its
# start, the later floods would all be dropped as key_limit.
KEYID=1
fresh_keys() {
	KEYID=$((KEYID + 1))
	rekey $KEYID || fatal "rekey $KEYID"
}

in_order() {
	fresh_keys
	warm_up lanA "$2"
	recv_start "$1" lanB $PORT
	send_flood lanA "$2" $PORT 0 "${3:-}" >/dev/null
	recv_check "$1"
}

# warm_up NS DST: neighbours resolved before a flood (packets waiting for
# an ARP/ND answer are sent when it comes, possibly behind later ones).
warm_up() { n "$1" ping -c 1 -W 5 "$2" >/dev/null 2>&1; }

peer_drops() { # NS: the peer's drops that are not zero, for the log
	peer_stat "$1" '.drops | with_entries(select(.value > 0)) | tostring'
}

run_all() { # TAG
	local tag=$1 back d
	in_order "$tag-v4" "$LANB4"
	in_order "$tag-v6" "$LANB6" 1300
	# Both directions at once, each checked: both gateways' queues carry
	# both directions, on both CPUs.
	fresh_keys
	warm_up lanA "$LANB4"
	warm_up lanB "$LANA4"
	recv_start "$tag-back" lanA $((PORT + 1))
	recv_start "$tag-forth" lanB $PORT
	bg lanB taskset -c 1 "$SEQ" send "$(ep "$LANA4" $((PORT + 1)))" "$COUNT"
	back=$BG_PID
	send_flood lanA "$LANB4" $PORT 0 >/dev/null
	wait "$back"
	recv_check "$tag-forth"
	recv_check "$tag-back"
	for ns in gwA gwB; do
		d=$(peer_stat $ns '.drops.replay + .drops.auth')
		result "$tag-$ns-no-replay-drops" $((${d:-1} != 0)) "replay+auth = ${d:-?}"
		log "$tag $ns drops: $(peer_drops $ns)"
	done
}

reload() { # MODULE PARAMETERS...
	teardown_tunnel
	rmmod autovpn || fatal "rmmod"
	check "load ${*:-default}" insmod "$KO" "$@" || fatal "insmod $*"
	setup_tunnel || fatal "setup $*"
	KEYID=1
}

# pcrypt instances in use: /proc/crypto keeps an entry once made, so a
# reference count above 1 (the entry's own) says our keys hold it.
pcrypt_refs() {
	awk '/^name/ { n = $3 } /^driver/ { d = $3 } /^refcnt/ {
		if (n == "gcm(aes)" && d ~ /^pcrypt\(/) r += $3 - 1 } END { print r + 0 }' /proc/crypto
}

# Not a module an earlier scenario loaded with other parameters.
grep -q '^autovpn ' /proc/modules && rmmod autovpn
load_module || fatal "load"
setup_topology v4 && setup_tunnel || fatal "setup"
run_all queues

# inline_crypto may change under traffic: every packet ends the way it was
# queued (the order may break once, at a change, as the queues drain).
INLINE=/sys/module/autovpn/parameters/inline_crypto
fresh_keys
warm_up lanA "$LANB4"
recv_start flip lanB $PORT
bg lanA taskset -c 0 "$SEQ" send "$(ep "$LANB4" $PORT)" "$COUNT"
sender=$BG_PID
flips=0
while kill -0 "$sender" 2>/dev/null && [ $flips -lt 40 ]; do
	echo Y >$INLINE && sleep 0.1 && echo N >$INLINE && sleep 0.1
	flips=$((flips + 1))
done
echo N >$INLINE
wait "$sender"
wait "${RPID[flip]}"
read -r _ RECV _ <<<"$(grep '^received' "$WORK/flip.recv")"
result "flip-under-traffic-arrived" $((${RECV:-0} < COUNT / 2)) \
	"${RECV:-?} of $COUNT with inline_crypto flipped $flips times"
# and once the queues have drained, order holds again.
in_order flip-after "$LANB4"

reload parallel=1
refs=$(pcrypt_refs)
result "pcrypt-in-use" $((refs < 4)) "$refs pcrypt(gcm(aes)) references (4 tfms expected)"
run_all pcrypt

# The control: crypt queues without the serial stage's order.
reload order=0
fresh_keys
warm_up lanA "$LANB4"
recv_start control lanB $PORT
send_flood lanA "$LANB4" $PORT 0 >/dev/null
wait "${RPID[control]}"
read -r _ RECV _ REORD _ <<<"$(grep '^received' "$WORK/control.recv")"
result "control-reorders" $((${REORD:-0} == 0)) \
	"${REORD:-?} of ${RECV:-?} reordered without the per-peer order"

reload
finish
