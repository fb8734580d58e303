#!/bin/bash
# vm-timeout: 900
# Netlink fuzzing under traffic (topology: tests/net/topo.sh, outer IPv4).
#
# tests/net/nlfuzz.c sends random, policy-aware requests for every command of
# the autovpn genl family (well-formed with hostile values, and broken ones:
# wrong lengths and types, unknown and duplicate attributes, huge lists,
# truncated messages, ...), plus ip link add/del of its own devices, to
# gwA's av0 (never deleted) and to devices it creates, while pings cross the
# tunnel both ways and a loop dumps av0 through the tool. Then:
#   - every request was answered (nlfuzz-requests);
#   - every autovpn device in gwA and gwB is consistent: dumps complete and
#     parse, NPEERS, ids, indexes, paths, keys, one owner per route
#     (nlfuzz-consistent, from `nlfuzz -c`);
#   - the tool still dumps av0;
#   - once av0 is rebuilt on both gateways, the tunnel passes traffic.
# Splats and leaks are the harness's part (dmesg scan; kmemleak under the
# debug kernel).
# Duration: AVPN_NLFUZZ_SECS, default 20 s; under the debug kernel
# (make check-debug) 480 s with two fuzzers in parallel. AVPN_NLFUZZ_SEED
# replays a run (the seeds are printed).
. "$(dirname "$0")/topo.sh"

FUZZ=$NETBIN/nlfuzz
if [ "${AVPN_DEBUG_KERNEL:-0}" = 1 ]; then
	secs=${AVPN_NLFUZZ_SECS:-480} nfuzz=2
else
	secs=${AVPN_NLFUZZ_SECS:-20} nfuzz=1
fi

setup_topology v4 && setup_tunnel || fatal "setup"
check "tunnel-up" n lanA timeout 20 ping -q -c 2 -i 0.3 -W 3 "$LANB4"

# Traffic through av0 for the whole run (bounded by timeout), both ways.
bg lanA timeout $((secs + 120)) ping -q -i 0.02 -s 1000 "$LANB4" >/dev/null 2>&1
bg lanB timeout $((secs + 120)) ping -q -i 0.02 -s 300 "$LANA6" >/dev/null 2>&1
# Dumps racing with the changes.
bg gwA timeout $((secs + 120)) bash -c \
	"while :; do '$AVPN' show av0 dump >/dev/null 2>&1; '$AVPN' show --json >/dev/null 2>&1; done"
dumper=$BG_PID

pids=()
for ((i = 0; i < nfuzz; i++)); do
	seed=
	[ -n "${AVPN_NLFUZZ_SEED:-}" ] && seed="-s $((AVPN_NLFUZZ_SEED + i))"
	# shellcheck disable=SC2086
	bg gwA timeout $((secs + 300)) "$FUZZ" $seed -t "$secs" -k av0 \
		-b "$GWA_OUT" -b 2001:db8:1::1 -r "$EP_B" -r "[2001:db8:2::1]:$PORT_B" \
		>"$WORK/fuzz$i.out" 2>&1
	pids+=("$BG_PID")
done
for ((i = 0; i < nfuzz; i++)); do
	wait "${pids[$i]}"
	rc=$?
	sed "s/^/# fuzzer $i: /" "$WORK/fuzz$i.out" | grep -v '^# fuzzer [0-9]*: RESULT'
	sed -n "s/^RESULT \(PASS\|FAIL\) \([^ ]*\)/RESULT \1 \2-$i/p" "$WORK/fuzz$i.out"
	grep -q '^RESULT PASS nlfuzz-requests' "$WORK/fuzz$i.out" ||
		result "fuzzer-$i-ran" 1 "exit status $rc, no nlfuzz-requests PASS line"
	grep '^nlfuzz: [0-9]* requests' "$WORK/fuzz$i.out" |
		sed -n 's/^nlfuzz: \([0-9]*\) requests.*/BENCH nlfuzz_requests_'"$i"' \1/p'
done
stop_bg "$dumper"

# The state after the run, on both gateways, read by a fresh client.
consistent() { # NS
	local out rc
	out=$(n "$1" "$FUZZ" -c 2>&1)
	rc=$?
	echo "$out" | grep -v '^RESULT' | sed 's/^/# /'
	return $rc
}
check "consistent-gwA" consistent gwA
check "consistent-gwB" consistent gwB
check "tool-dump-after-fuzz" eval "n gwA '$AVPN' show av0 dump >'$WORK/dump' && [ -s '$WORK/dump' ]"

# Rebuilt from scratch, the tunnel works again (fresh keys: make_keys).
stop_bg "${BG_PIDS[@]}"
for d in $(n gwA ip -o link show type autovpn | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
	[ "$d" = av0 ] || n gwA ip link del "$d"
done
check "teardown" teardown_tunnel
check "setup-again" setup_tunnel
check "tunnel-after-fuzz4" n lanA timeout 30 ping -q -c 3 -i 0.3 -W 3 "$LANB4"
check "tunnel-after-fuzz6" n lanB timeout 30 ping -q -c 3 -i 0.3 -W 3 "$LANA6"
finish
