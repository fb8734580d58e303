#!/bin/bash
# tool_cli.sh - the `autovpn` tool end to end against the module (VM only).
#
#   netns t:  av0 (autovpn) with uplink 0 on 127.0.0.1:40000 and uplink 1
#             on [::1]:40001; peer 1 "b" with paths to 127.0.0.1:40100 and
#             [::1]:40101 (nobody listens there: transmit is enough to
#             drive the key counters and events).
#
# Every `set` clause, `show` in text, --json (values asserted with jq) and
# dump form, `link add/del`, `monitor`, genkey/pubkey (against `wg pubkey`),
# and errors: exit status 1, "Error: " + the kernel's extack text, and
# nothing changed by a refused command. No autovpnd runs here: `show` says
# so and `diagnose` exits 2 (tool_daemon.sh has the daemon).
# vm-timeout: 600
# shellcheck disable=SC2016
set -u
. "$(dirname "$0")/lib.sh"

# Commands that may change state make the cached `show --json` stale (under
# TCG every process start counts).
DIRTY=1
av() {
	case $1 in set | link) DIRTY=1 ;; esac
	n t "$AVPN" "$@"
}
refresh() {
	[ "$DIRTY" = 1 ] || return 0
	n t "$AVPN" show av0 --json >"$WORK/snap.json" 2>&1
	DIRTY=0
}

# expect NAME JQ-EXPR VALUE: the --json output has VALUE at JQ-EXPR.
expect() {
	local got
	refresh
	got=$(jq -ec "$2" "$WORK/snap.json" 2>&1)
	if [ "$got" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "$2 = ${got:-nothing}, expected $3"
	fi
}

# expect_err NAME PATTERN CMD...: CMD exits 1 and says "Error: ...PATTERN".
expect_err() {
	local name=$1 pat=$2 rc
	shift 2
	"$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	if [ "$rc" = 1 ] && grep -q "^Error: .*$pat" "$WORK/err"; then
		pass "$name"
	else
		fail "$name" "exit $rc, stderr: $(head -c 300 "$WORK/err")"
	fi
}

# Everything except key ages (they tick): compared before/after refusals.
state() { av show av0 dump | awk -F'\t' '$1 != "key" { print; next } { $6 = ""; print }'; }
unchanged() { # NAME
	if state | cmp -s - "$WORK/before"; then
		pass "$1"
	else
		fail "$1" "state changed: $(state | diff "$WORK/before" - | head -5 | tr '\n' '|')"
	fi
}

# insmod does not resolve dependencies: the UDP tunnel helpers first.
modprobe -a udp_tunnel ip6_udp_tunnel 2>/dev/null
load_module || fatal "load-module"
new_ns t
n t ip addr add ::1/128 dev lo 2>/dev/null

# ---- keys ------------------------------------------------------------------
echo "# $(date +%T) keys"
umask 022
for k in k1 k2 k3 k4 k5 k6; do
	"$AVPN" genkey --data >"$WORK/$k" || fatal "genkey-data"
done
check "genkey-data-private" [ "$(stat -c %a "$WORK/k1")" = 600 ]
check "genkey-data-format" grep -qE '^[A-Za-z0-9+/]{48}$' "$WORK/k1"
"$AVPN" genkey >"$WORK/priv" || fatal "genkey"
check "genkey-private" [ "$(stat -c %a "$WORK/priv")" = 600 ]
check "genkey-format" grep -qE '^[A-Za-z0-9+/]{43}=$' "$WORK/priv"
if command -v wg >/dev/null; then
	check "pubkey-matches-wg" [ "$("$AVPN" pubkey <"$WORK/priv")" = "$(wg pubkey <"$WORK/priv")" ]
fi
expect_err "pubkey-garbage" "not a private key" sh -c "echo nonsense | $AVPN pubkey"
# expect_usage NAME PATTERN CMD...: exit 1, the Error line first (matching
# PATTERN), then the usage text (docs/tools.md).
expect_usage() {
	local name=$1 pat=$2 rc
	shift 2
	"$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	if [ $rc = 1 ] && head -n 1 "$WORK/err" | grep -q "^Error: $pat" &&
		sed -n 2p "$WORK/err" | grep -q "^Usage: "; then
		pass "$name"
	else
		fail "$name" "exit $rc: $(head -c 200 "$WORK/err")"
	fi
}
expect_usage unknown-command-usage "unknown command 'frob'" "$AVPN" frob
expect_usage link-without-verb-usage "link: add or del" "$AVPN" link

# ---- devices ---------------------------------------------------------------
echo "# $(date +%T) devices"
check "link-add" av link add av0
check "link-add-mtu" av li a av1 mtu 1300
check "ip-link-add" n t ip link add av2 type autovpn
expect "show-name" '.interfaces[0].name' '"av0"'
expect "show-mtu-default" '.interfaces[0].mtu' 1420
expect "show-ifindex" '.interfaces[0].ifindex' "$(n t cat /sys/class/net/av0/ifindex)"
check "show-all-three" [ "$(av show --json | jq -c '[.interfaces[].name]')" = '["av0","av1","av2"]' ]
check "show-mtu-1300" [ "$(av show av1 --json | jq '.interfaces[0].mtu')" = 1300 ]
expect_err "link-add-exists" "already exists" av link add av0
expect_err "link-add-bad-mtu" "out of range" av link add av3 mtu 10
expect_err "show-not-autovpn" "not an autovpn device" av show lo
expect_err "link-del-not-autovpn" "not an autovpn device" av link del lo
expect_err "show-no-device" "cannot find device" av show nosuch
check "link-del" av link del av1
check_fails "link-del-gone" n t ip link show av1
check "link-del-ip-created" av link delete av2
expect "show-empty-device" '[.interfaces[0].uplinks, .interfaces[0].peers]' '[[],[]]'

# ---- uplinks and flags -----------------------------------------------------
echo "# $(date +%T) uplinks and flags"
check "uplink-bind-v4" av set av0 uplink 0 bind 127.0.0.1:40000
check "uplink-bind-v6" av set av0 uplink 1 bind '[::1]:40001' dev lo
expect "uplinks" '[.interfaces[0].uplinks[] | [.id, .local]]' '[[0,"127.0.0.1:40000"],[1,"[::1]:40001"]]'
# The tool has exited: the module holds the sockets.
check "uplink-socket-held" lib_port_open t udp 40000
check "active-active-on" av set av0 active-active on
expect "active-active-true" '.interfaces[0].active_active' true
check "active-active-off" av set av0 active-active off
expect "active-active-false" '.interfaces[0].active_active' false
check "uplink-detach" av set av0 uplink 1 none
expect "uplink-detached" '[.interfaces[0].uplinks[].id]' '[0]'
check "uplink-reattach" av set av0 uplink 1 bind '[::1]:40001'
expect_err "uplink-bind-in-use" "Address already in use" av set av0 uplink 0 bind 127.0.0.1:40000
expect_err "uplink-unknown-dev" "uplink 0" av set av0 uplink 0 bind 127.0.0.1:40002 dev nosuch0

# ---- peers -------------------------------------------------------------------
echo "# $(date +%T) peers"
check "peer-new" av set av0 peer 1 name b rx-index 11 tx-index 22 \
	routes 10.2.0.0/24,fd02::/64 allowed 10.2.0.0/24 \
	path 0 uplink 0 endpoint 127.0.0.1:40100 state up priority 1 class-mask 0x5 \
	path 1 uplink 1 endpoint '[::1]:40101' state up priority 2 \
	key current id 1 tx "$WORK/k1" rx "$WORK/k2"
P='.interfaces[0].peers[0]'
expect "peer-scalars" "[$P.id, $P.name, $P.rx_index, $P.tx_index]" '[1,"b",11,22]'
expect "peer-routes" "$P.routes" '["10.2.0.0/24","fd02::/64"]'
expect "peer-allowed" "$P.allowed" '["10.2.0.0/24"]'
expect "peer-paths" "[$P.paths[] | [.id, .uplink, .endpoint, .state, .priority, .class_mask]]" \
	'[[0,0,"127.0.0.1:40100","up",1,5],[1,1,"[::1]:40101","up",2,0]]'
expect "peer-keys" "[$P.keys[] | [.slot, .id, .tx_packets]]" '[["current",1,0]]'
expect "peer-drop-keys" "$P.drops | keys_unsorted | length" 18
expect "dev-drop-names" '.interfaces[0].drops | keys | sort' \
	'["auth","inner","key_limit","malformed","no_key","no_path","no_peer","no_route","nomem","path","replay","rx_busy","rx_congestion","source","too_big","tx_busy","tx_congestion","xmit"]'

check "routes-add-remove" av set av0 peer 1 routes 10.3.0.0/16,-10.2.0.0/24
expect "routes-after" "$P.routes" '["10.3.0.0/16","fd02::/64"]'
check "routes-replace" av set av0 peer 1 routes 10.4.0.0/24 replace-routes
expect "routes-replaced" "$P.routes" '["10.4.0.0/24"]'
check "allowed-replace" av set av0 peer 1 allowed 10.4.0.0/24,fd04::/64 replace-allowed
expect "allowed-replaced" "$P.allowed" '["10.4.0.0/24","fd04::/64"]'
check "path-state-down" av set av0 peer 1 path 1 state down
expect "path-down" "$P.paths[1].state" '"down"'
check "path-remove" av set av0 peer 1 path 1 remove
expect "path-removed" "[$P.paths[].id]" '[0]'
check "peer-2" av set av0 peer 2 rx-index 12 routes 10.9.0.0/24 peer 3 rx-index 13
expect "three-peers" '[.interfaces[0].peers[].id]' '[1,2,3]'
check "peer-remove" av set av0 peer 3 remove
expect "peer-removed" '[.interfaces[0].peers[].id]' '[1,2]'

# ---- keys --------------------------------------------------------------------
echo "# $(date +%T) keys"
check "key-next" av set av0 peer 1 key next id 2 tx "$WORK/k3" rx "$WORK/k4"
expect "key-next-shown" "[$P.keys[] | [.slot, .id]]" '[["current",1],["next",2]]'
check "key-swap" av set av0 peer 1 key-swap
expect "key-swapped" "[$P.keys[] | [.slot, .id]]" '[["current",2],["previous",1]]'
check "key-del" av set av0 peer 1 key-del previous
expect "key-deleted" "[$P.keys[] | [.slot, .id]]" '[["current",2]]'

# ---- refusals: exit 1, the kernel's message, nothing changed -----------------
echo "# $(date +%T) refusals: exit 1, the kernel's message, nothing changed"
state >"$WORK/before"
expect_err "err-dup-rx-index" "receive index already used" av set av0 peer 4 rx-index 11
expect_err "err-path-unknown" "path that does not exist" av set av0 peer 1 path 3 remove
expect_err "err-new-path-incomplete" "needs UPLINK and REMOTE" av set av0 peer 1 path 2 state up
expect_err "err-key-id-in-use" "key id already used" \
	av set av0 peer 1 key next id 2 tx "$WORK/k1" rx "$WORK/k2"
expect_err "err-lifetime-too-long" "lifetime-secs above the maximum" \
	av set av0 peer 1 key next id 3 tx "$WORK/k1" rx "$WORK/k2" lifetime-secs 181
expect_err "err-no-next-key" "no next key" av set av0 peer 1 key-swap
expect_err "err-no-key-in-slot" "no key in that slot" av set av0 peer 1 key-del previous
expect_err "err-remove-unknown-prefix" "prefix the peer does not have" \
	av set av0 peer 1 routes -10.99.0.0/24
expect_err "err-peer-del-unknown" "unknown peer" av set av0 peer 99 remove
unchanged "refusals-change-nothing"
# Refused by the tool before any request: also nothing changed.
expect_err "err-key-on-argv" "never accepted on the command line" \
	av set av0 peer 1 key next id 3 tx "$(cat "$WORK/k1")" rx "$WORK/k2"
cp "$WORK/k1" "$WORK/open" && chmod 644 "$WORK/open"
expect_err "err-key-file-open" "chmod 600" av set av0 peer 1 key next id 3 tx "$WORK/open" rx "$WORK/k2"
expect_err "err-host-bits" "host bits" av set av0 peer 1 name c routes 10.5.0.1/24
expect_err "err-unknown-word" "unknown word 'frob'" av set av0 peer 1 name c frob
expect_err "err-bad-number" "not a number" av set av0 peer 1 rx-index 1x
unchanged "tool-refusals-change-nothing"

# ---- dump format -------------------------------------------------------------
echo "# $(date +%T) dump format"
av show av0 dump >"$WORK/dump" || fail "dump"
fields() { awk -F'\t' -v t="$1" '$1 == t { print NF }' "$WORK/dump" | sort -u | tr '\n' ' '; }
# The daemon's columns are appended, "(none)" without a daemon.
check "dump-interface" [ "$(fields interface)" = "7 " ]
check "dump-uplink" [ "$(fields uplink)" = "13 " ]
check "dump-peer" [ "$(fields peer)" = "18 " ]
check "dump-path" [ "$(fields path)" = "21 " ]
check "dump-key" [ "$(fields key)" = "7 " ]
check "dump-drops" [ "$(fields drops)" = "21 " ]
check "dump-peer-line" grep -qP '^peer\tav0\t1\tb\t11\t22\t0\t0\t0\t0\t10.4.0.0/24\t10.4.0.0/24,fd04::/64(\t\(none\)){6}$' "$WORK/dump"
check "dump-interface-line" grep -qP '^interface\tav0\t[0-9]+\t1420\toff\t2\tnot-running$' "$WORK/dump"
check "dump-no-daemon-records" [ "$(grep -cE '^(gateway|registry|endpoint|subnet|route)\s' "$WORK/dump")" = 0 ]

# ---- text --------------------------------------------------------------------
echo "# $(date +%T) text"
av show av0 >"$WORK/text" || fail "show-text"
# Artifacts for humans: the three formats of the same state.
cp "$WORK/text" "$AVPN_OUT/show.txt"
cp "$WORK/dump" "$AVPN_OUT/show-dump.txt"
av show av0 --json >"$AVPN_OUT/show.json"
check "text-interface" grep -q '^interface: av0$' "$WORK/text"
check "text-peer" grep -q '^peer: 1 (b)$' "$WORK/text"
check "text-path" grep -q '^  path 0: uplink 0 -> 127.0.0.1:40100, up, priority 1, class-mask 5$' "$WORK/text"
check "text-no-colour-in-pipe" [ "$(grep -c $'\033' "$WORK/text")" = 0 ]
check "text-no-daemon" grep -qx '  autovpnd is not running for av0' "$WORK/text"
check "text-no-probes" [ "$(grep -c 'probes:' "$WORK/text")" = 0 ]
expect "json-no-daemon" '[.interfaces[0].daemon, .interfaces[0].registries, .interfaces[0].peers[0].state]' \
	'["not running",null,null]'
# diagnose: exit 2 (not 1) when the daemon cannot be asked; IFACE defaults
# to the only device.
expect_diag() { # NAME ARGS...
	local name=$1 rc
	shift
	av diagnose "$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	if [ "$rc" = 2 ] && grep -qx 'Error: autovpnd is not running for av0' "$WORK/err"; then
		pass "$name"
	else
		fail "$name" "exit $rc, stderr: $(head -c 300 "$WORK/err")"
	fi
}
expect_diag "diagnose-no-daemon" av0
expect_diag "diagnose-default-iface" --json
check "diagnose-help" sh -c "ip netns exec t $AVPN diagnose --help | grep -q '^Exit status'"
check "show-prefix" sh -c "ip netns exec t $AVPN sh av0 --json | jq -e .interfaces[0] >/dev/null"
check "show-default" sh -c "ip netns exec t $AVPN | grep -q '^interface: av0\$'"

# ---- monitor and transmit ----------------------------------------------------
echo "# $(date +%T) monitor and transmit"
mon=$WORK/monitor.txt
bg t stdbuf -oL "$AVPN" monitor av0 >"$mon"
check "monitor-subscribed" wait_until 10 monitor_ready t "$BG_PID"
n t ip link set av0 up
n t ip addr add 10.1.0.1/24 dev av0
n t ip route add 10.4.0.0/24 dev av0 2>/dev/null
# (Fresh files: the device refuses material it has installed before.)
check "key-limited" av set av0 peer 1 key current id 5 tx "$WORK/k5" rx "$WORK/k6" \
	rekey-packets 3 limit-packets 5
n t ping -c 8 -i 0.05 -W 1 10.4.0.9 >/dev/null 2>&1
DIRTY=1
expect "key-tx-counted" "$P.keys[0].tx_packets" 5
expect "path-tx-counted" "$P.paths[0].tx_packets" 5
expect "key-limit-drops" "$P.drops.key_limit >= 3" true
if wait_until 10 grep -q '^key-expired av0 peer 1 key 5$' "$mon"; then
	pass "monitor-expired"
else
	fail "monitor-expired" "monitor printed: $(tr '\n' '|' <"$mon")"
fi
check "monitor-rekey" grep -qx 'key-rekey av0 peer 1 key 5' "$mon"
expect_err "monitor-no-device" "cannot find device" av monitor nosuch

# ---- large dumps: many peers; 2000 routes (> 32 KiB) span several messages ----
echo "# $(date +%T) large dumps: many peers, one peer over many messages"
check "big-link" av link add av9
routes=$(for i in $(seq 0 1999); do echo "10.$((i / 256 + 100)).$((i % 256)).0/24"; done | paste -sd,)
check "big-routes" av set av9 peer 1 rx-index 1 routes "$routes"
# shellcheck disable=SC2046
check "big-peers" av set av9 $(for i in $(seq 2 501); do echo "peer $i rx-index $i"; done)
av show av9 --json >"$WORK/big.json" || fail "big-show"
check "big-dump-peers" [ "$(jq '.interfaces[0].peers | length' "$WORK/big.json")" = 501 ]
check "big-dump-ids" [ "$(jq '[.interfaces[0].peers[].id] == [range(1; 502)]' "$WORK/big.json")" = true ]
check "big-dump-routes" [ "$(jq '.interfaces[0].peers[0].routes | length' "$WORK/big.json")" = 2000 ]
check "big-dump-routes-unique" [ "$(jq '.interfaces[0].peers[0].routes | unique | length' "$WORK/big.json")" = 2000 ]
check "big-dump-lines" [ "$(av show av9 dump | grep -c '^peer')" = 501 ]
# A peer too big for one PEER_GET reply can still be changed.
check "big-peer-set" av set av9 peer 1 name big routes 10.99.0.0/24
check "big-peer-changed" sh -c "ip netns exec t $AVPN show av9 dump | grep -qP '^peer\tav9\t1\tbig\t'"
check "big-link-del" av link del av9

check "link-del-av0" av link del av0
check "show-nothing-left" [ "$(av show --json | jq -c .interfaces)" = '[]' ]
finish
