#!/bin/bash
# Key limits are enforced by the kernel itself (topology: tests/net/topo.sh):
#
#  1. packets: a key with rekey-packets 20 / limit-packets 30 sends exactly
#     30 packets; the rest are dropped as key_limit, and `autovpn monitor`
#     shows key-rekey, then key-expired, once each.
#  2. lifetime: a key with lifetime-secs 12 stops working in both directions
#     after 12 s: gwA refuses to send with it (key_limit) and to accept
#     packets made with it (no_key), though gwB's copy is still valid.
#  3. limits above the defaults are refused, with a message.
# First, the replay-window self-test at module load (selftest=1).
. "$(dirname "$0")/topo.sh"

# events FILE KIND ID: how many "KIND av0 peer 1 key ID" lines.
events() { grep -c "^$2 av0 peer 1 key $3\$" "$1"; }

# received PING_OUTPUT: how many replies ping reported.
received() { sed -n 's/.* \([0-9]\+\) \(packets \)\?received.*/\1/p' "$1"; }

# The module's own self-tests (replay window, trie) run at load with selftest=1.
if ! grep -q '^autovpn ' /proc/modules; then
	# As load_module: AES-NI first (no udev here), then what insmod won't load.
	modprobe -q aesni_intel 2>/dev/null
	for dep in $(modinfo -F depends "$KO" | tr ',' ' '); do
		modprobe "$dep"
	done
	st0=$(dmesg | grep -c "autovpn: replay selftest passed")
	check "module-selftests" insmod "$KO" selftest=1
	st1=$(dmesg | grep -c "autovpn: replay selftest passed")
	result "replay-window-selftest" $((st1 <= st0)) "$(dmesg | grep 'autovpn: replay' | tail -n1)"
fi
setup_topology v4 && setup_tunnel || fatal "setup"
check "tunnel-works" n lanA timeout 20 ping -c 2 -i 0.3 -W 3 "$LANB4"

mon=$WORK/monitor.txt
bg gwA stdbuf -oL "$AVPN" monitor av0 >"$mon"
wait_until 10 monitor_ready gwA "$BG_PID" || log "monitor subscription not seen; going on"

# ---- 1. packet limit ------------------------------------------------------
make_keys 2 || fatal "keys"
for side in A B; do
	# shellcheck disable=SC2046
	check "install-limited-key-$side" n gw$side "$AVPN" set av0 peer 1 \
		key current $(key_args $side 2) rekey-packets 20 limit-packets 30
done
kl0=$(peer_stat gwA .drops.key_limit) || fatal "stats"
# 40 requests, one packet each from A: the first 30 get through.
n lanA ping -c 40 -i 0.05 -W 2 "$LANB4" >"$WORK/ping1.txt" 2>&1
got=$(received "$WORK/ping1.txt")
result "limit-30-replies" $((${got:-0} != 30)) "${got:-?} of 40 replies"
sent=$(peer_stat gwA '.keys[] | select(.id == 2) | .tx_packets')
result "limit-key-tx-packets" $((${sent:-0} != 30)) "key 2 tx_packets ${sent:-?}"
kl1=$(peer_stat gwA .drops.key_limit)
result "limit-key-limit-drops" $((kl1 - kl0 < 10)) "key_limit drops $kl0 -> $kl1"
dkl=$(dev_stat gwA .drops.key_limit)
result "limit-device-counter" $((${dkl:-0} < 10)) "device key_limit ${dkl:-?}"

wait_until 10 grep -q "^key-expired av0 peer 1 key 2$" "$mon"
rk=$(events "$mon" key-rekey 2) ex=$(events "$mon" key-expired 2)
result "limit-events-once" $((rk != 1 || ex != 1)) "key-rekey x$rk, key-expired x$ex"
first=$(grep -m1 -E "^key-(rekey|expired) av0 peer 1 key 2$" "$mon" | cut -d' ' -f1)
ok=1
[ "$first" = key-rekey ] && ok=0
result "limit-rekey-before-expired" $ok "first event: ${first:-none}"

# ---- 2. lifetime ------------------------------------------------------------
make_keys 3 || fatal "keys"
# shellcheck disable=SC2046
check "install-short-key-A" n gwA "$AVPN" set av0 peer 1 \
	key current $(key_args A 3) rekey-secs 3 lifetime-secs 12
t0=$(date +%s)
# shellcheck disable=SC2046
check "install-key-B" n gwB "$AVPN" set av0 peer 1 key current $(key_args B 3)
# (TCG is slow: the lifetime leaves room for a few tool runs first.)
n lanA timeout 10 ping -c 1 -W 2 "$LANB4" >/dev/null
result "lifetime-works-before" $? "$(($(date +%s) - t0)) s after install"
# Past the lifetime (whole seconds since install, plus a margin).
while [ $(($(date +%s) - t0)) -lt 14 ]; do sleep 0.5; done
kl0=$(peer_stat gwA .drops.key_limit) nk0=$(peer_stat gwA .drops.no_key)
check_fails "lifetime-a-to-b-stops" n lanA timeout 10 ping -c 3 -i 0.3 -W 1 "$LANB4"
kl1=$(peer_stat gwA .drops.key_limit)
result "lifetime-tx-refused" $((kl1 - kl0 < 3)) "gwA key_limit $kl0 -> $kl1"
check_fails "lifetime-b-to-a-stops" n lanB timeout 10 ping -c 3 -i 0.3 -W 1 "$LANA4"
nk1=$(peer_stat gwA .drops.no_key)
result "lifetime-rx-refused" $((nk1 - nk0 < 3)) "gwA no_key $nk0 -> $nk1"
wait_until 5 grep -q "^key-expired av0 peer 1 key 3$" "$mon"
rk=$(events "$mon" key-rekey 3) ex=$(events "$mon" key-expired 3)
result "lifetime-events-once" $((rk != 1 || ex != 1)) "key-rekey x$rk, key-expired x$ex"

# A fresh key brings the tunnel back.
make_keys 4 || fatal "keys"
for side in A B; do
	# shellcheck disable=SC2046
	check "install-fresh-key-$side" n gw$side "$AVPN" set av0 peer 1 \
		key current $(key_args $side 4)
done
check "fresh-key-works" n lanA timeout 20 ping -c 2 -i 0.3 -W 3 "$LANB4"

# ---- 3. limits above the defaults are refused ------------------------------
make_keys 5 || fatal "keys"
for arg in "limit-packets 999999999999" "rekey-packets 300000000" "lifetime-secs 181" \
	"rekey-secs 121"; do
	# shellcheck disable=SC2046,SC2086
	if n gwA "$AVPN" set av0 peer 1 key next $(key_args A 5) $arg >"$WORK/err.txt" 2>&1; then
		result "refuse-${arg%% *}" 1 "accepted $arg"
	else
		ok=1
		[ -s "$WORK/err.txt" ] && ok=0
		result "refuse-${arg%% *}" $ok "$(head -n1 "$WORK/err.txt")"
	fi
done
nxt=$(peer_stat gwA '[.keys[] | select(.slot == "next")] | length')
result "refused-keys-not-installed" $((${nxt:-1} != 0)) "next slots: ${nxt:-?}"
check "tunnel-still-works" n lanA timeout 20 ping -c 2 -i 0.3 -W 3 "$LANB4"
finish
