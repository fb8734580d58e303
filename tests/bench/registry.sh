#!/bin/bash
# make bench-registry: autovpn-registry on one core, driven by avpn-gwsim
# (on the other core) with keepalives from 100,000 gateways, against a bare
# recvmmsg/sendmmsg UDP echo server driven the same way in the same run.
# Reports requests/s, requests per server CPU-second, their ratios, and the
# registry's resident memory per registered gateway. Loopback only.
set -eu
B=${B:-build}
N=${BENCH_GATEWAYS:-100000}
DUR=${BENCH_SECONDS:-10}
WIN=${BENCH_WINDOW:-256}
W=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT

(umask 077; head -c 32 /dev/urandom | base64 > "$W/registry.key")
REGPUB=$("$B/avpn-gwsim" pubkey "$W/registry.key")
t0=$(date +%s%N)
# Test keys (seeded, with private halves for the simulator) and the org
# config: gw0 and gw1 are hubs, every other gateway a spoke of both, each
# exporting one /32 (unique up to 16M gateways).
"$B/avpn-gwsim" keys --seed bench --count "$N" --private > "$W/keys"
"$(dirname "$0")/../registry/org_of.sh" bench "$W/keys" > "$W/org.conf"
echo "keys and org config for $N networks generated in $(( ($(date +%s%N) - t0) / 1000000 )) ms"

wait_http() {
	for _ in $(seq 1200); do
		curl -sf "http://127.0.0.1:$1/api/v1/stats" > /dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# Both servers on core 0 (only one is loaded at a time), the simulator on core 1.
taskset -c 0 "$B/autovpn-registry" -c "$W/org.conf" -l 127.0.0.1:9360 \
	--http 127.0.0.1:19392 --id 1 2> "$W/registry.log" &
RPID=$!; PIDS+=($RPID)
taskset -c 0 "$B/bench/udp_echo" 127.0.0.1:9361 600 &
EPID=$!; PIDS+=($EPID)
wait_http 19392 || { cat "$W/registry.log"; exit 1; }
grep 'networks' "$W/registry.log" | sed 's/^[0-9.]* //'

GWSIM_SERVER_PIDS=$RPID,$EPID taskset -c 1 "$B/avpn-gwsim" load -r 127.0.0.1:9360 \
	-r 127.0.0.1:9361 -k "$REGPUB" --keys "$W/keys" --count "$N" --duration "$DUR" \
	--window "$WIN" --label registry,echo | tee "$W/out"
reg_stats=$(curl -sf http://127.0.0.1:19392/api/v1/stats)
echo "registry stats: $(echo "$reg_stats" | jq -c '{registered, keepalives, registers, tx_fail, drops}')"
rss_total=$(awk '/VmRSS/ {print $2}' /proc/$RPID/status)

get() { grep -P "^$1\t$2\t" "$W/out" | tr '\t' '\n' | sed -n "s/^$3=//p"; }
r_rps=$(get registry keepalive req_per_s); e_rps=$(get echo keepalive req_per_s)
r_cpu=$(get registry keepalive req_per_cpu_s); e_cpu=$(get echo keepalive req_per_cpu_s)
per_gw=$(get registry rss per_gateway_bytes)
registered=$(get registry register registered)
echo
echo "== bench-registry: $N gateways, $DUR s of keepalives, window $WIN, servers on core 0, simulator on core 1"
printf '%-34s %14s %14s %8s\n' "" registry "udp echo" ratio
printf '%-34s %14.0f %14.0f %8.2f\n' "requests/s (wall clock)" "$r_rps" "$e_rps" \
	"$(echo "$r_rps / $e_rps" | bc -l)"
printf '%-34s %14.0f %14.0f %8.2f   (target >= 0.7)\n' "requests per server CPU-second" \
	"$r_cpu" "$e_cpu" "$(echo "$r_cpu / $e_cpu" | bc -l)"
printf '%-34s %14s\n' "gateways registered" "$registered/$N"
printf '%-34s %14s\n' "RSS growth while registering" "$per_gw B/gateway"
printf '%-34s %14s   (target < 1024; config + soft state + code)\n' \
	"total registry RSS / gateways" "$(( rss_total * 1024 / N )) B"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews wall-clock rates)"
