#!/bin/bash
# shellcheck shell=bash
# Two-gateway topology shared by the tunnel scenarios (sourced, not run):
#
#   lanA              gwA                       rt                      gwB              lanB
#  10.1.0.2/24 --- 10.1.0.1   av0   192.0.2.1 --- 192.0.2.254      198.51.100.254 --- 198.51.100.1   av0   10.2.0.1 --- 10.2.0.2/24
#  fd01::2/64      fd01::1          2001:db8:1::1 - 2001:db8:1::fe  2001:db8:2::fe - 2001:db8:2::1          fd02::1      fd02::2/64
#     veth "lan"     "lan" "wan"          "ra"            "rb"         "wan" "lan"          "lan"
#                          \______________ UDP 40001 <-> 40002, DATA packets _________/
#
# rt is "the internet": it only forwards between gwA's and gwB's outer
# networks, it knows nothing of 10.x / fd0x. Each gateway routes the other
# LAN into av0; av0 has one peer (id 1) with routes = allowed = the other LAN,
# path 0 over uplink 0 to the other gateway, and a current key made by
# `autovpn genkey --data` (A's tx file = B's rx file). The outer family is v4
# or v6 (setup_topology's argument); the inner traffic is always both.
#
# Only the topology lives here; the helpers (n, bg, check, result, log,
# wait_until, load_module, ...) and the variables (AVPN, NETBIN, OUT, KO,
# WORK) are lib.sh's, which this file sources.
#
# Scenario skeleton:
#   . "$(dirname "$0")/topo.sh"
#   setup_topology v4 && setup_tunnel || fatal "setup"
#   ... ; teardown_tunnel; use_outer v6; setup_tunnel ...
#   check "ping" n lanA ping -c 2 -W 2 10.2.0.2
#   finish
#
# Run directly (not sourced), it checks the plain topology: rt forwards
# between the gateways' outer addresses in both families, and the LANs are not
# reachable without the tunnel (so a working ping later proves av0 carried it).

set -u

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
umask 077

NAMESPACES="lanA gwA rt gwB lanB"
LANA4=10.1.0.2 LANB4=10.2.0.2 LANA6=fd01::2 LANB6=fd02::2
PORT_A=40001 PORT_B=40002
# Receiver indexes: B writes RX_A into packets for A, A writes RX_B.
RX_A=101 RX_B=202

# ---- topology -------------------------------------------------------------

sysctls() {
	local ns=$1 fwd=$2
	n "$ns" sysctl -qw net.ipv4.ip_forward="$fwd" net.ipv6.conf.all.forwarding="$fwd" \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 >/dev/null
}

# use_outer v4|v6: which outer addresses the tunnel uses (both exist).
use_outer() {
	OUTER=$1
	case $OUTER in
	v4) GWA_OUT=192.0.2.1 GWB_OUT=198.51.100.1 ;;
	v6) GWA_OUT=2001:db8:1::1 GWB_OUT=2001:db8:2::1 ;;
	*)
		log "outer family must be v4 or v6, not '$OUTER'"
		return 1 ;;
	esac
	EP_A=$(ep "$GWA_OUT" $PORT_A)
	EP_B=$(ep "$GWB_OUT" $PORT_B)
}

# setup_topology [v4|v6]: the five namespaces, both outer families
# addressed; the argument picks the one the tunnel will use (use_outer).
# One `ip -batch` per namespace: every exec is slow under TCG.
setup_topology() {
	local ns
	use_outer "${1:-v4}" || return 1
	for ns in $NAMESPACES; do
		ip netns del "$ns" 2>/dev/null
	done
	# shellcheck disable=SC2086
	new_ns $NAMESPACES || return 1
	veth lanA lan gwA lan && veth gwA wan rt ra && veth rt rb gwB wan &&
		veth gwB lan lanB lan || return 1
	sysctls lanA 0 && sysctls lanB 0 && sysctls gwA 1 && sysctls gwB 1 &&
		sysctls rt 1 || return 1

	ip -n lanA -batch - <<-EOF || return 1
		addr add 10.1.0.2/24 dev lan
		addr add fd01::2/64 dev lan nodad
		route add default via 10.1.0.1
		route add default via fd01::1
	EOF
	ip -n lanB -batch - <<-EOF || return 1
		addr add 10.2.0.2/24 dev lan
		addr add fd02::2/64 dev lan nodad
		route add default via 10.2.0.1
		route add default via fd02::1
	EOF
	ip -n gwA -batch - <<-EOF || return 1
		addr add 10.1.0.1/24 dev lan
		addr add fd01::1/64 dev lan nodad
		addr add 192.0.2.1/24 dev wan
		addr add 2001:db8:1::1/64 dev wan nodad
		route add default via 192.0.2.254
		route add default via 2001:db8:1::fe
	EOF
	ip -n gwB -batch - <<-EOF || return 1
		addr add 10.2.0.1/24 dev lan
		addr add fd02::1/64 dev lan nodad
		addr add 198.51.100.1/24 dev wan
		addr add 2001:db8:2::1/64 dev wan nodad
		route add default via 198.51.100.254
		route add default via 2001:db8:2::fe
	EOF
	# The internet does not route private LANs.
	ip -n rt -batch - <<-EOF || return 1
		addr add 192.0.2.254/24 dev ra
		addr add 2001:db8:1::fe/64 dev ra nodad
		addr add 198.51.100.254/24 dev rb
		addr add 2001:db8:2::fe/64 dev rb nodad
		route add unreachable 10.0.0.0/8
		route add unreachable fd00::/8
	EOF
	# Wait until the outer path answers once in the chosen family (links
	# up, neighbours resolvable), so the first tunnel packet is not lost.
	wait_until 10 n gwA ping -c 1 -W 1 "$GWB_OUT" || {
		log "gwA cannot reach $GWB_OUT through rt"
		return 1
	}
}

# make_keys ID [PREFIX]: DATA key files for key id ID, ab = A->B, ba =
# B->A; a PREFIX keeps a second tunnel's files (tests/bench/scale.sh's av1)
# apart from av0's.
make_keys() {
	"$AVPN" genkey --data >"$WORK/${2-}ab$1.key" &&
		"$AVPN" genkey --data >"$WORK/${2-}ba$1.key"
}

# The tool writes the key files; each side sends with its own tx file.
key_args() { # SIDE ID [PREFIX]
	local ab=$WORK/${3-}ab$2.key ba=$WORK/${3-}ba$2.key
	if [ "$1" = A ]; then
		echo "id $2 tx $ab rx $ba"
	else
		echo "id $2 tx $ba rx $ab"
	fi
}

# setup_gateway SIDE: av0 on gwSIDE, per /tmp/cli-spec.md.
setup_gateway() {
	local side=$1 ns=gw$1 me_ep peer_ep rx tx name lan4 lan6
	if [ "$side" = A ]; then
		me_ep=$EP_A peer_ep=$EP_B rx=$RX_A tx=$RX_B name=b
		lan4=10.2.0.0/24 lan6=fd02::/64
	else
		me_ep=$EP_B peer_ep=$EP_A rx=$RX_B tx=$RX_A name=a
		lan4=10.1.0.0/24 lan6=fd01::/64
	fi
	n "$ns" ip link add av0 type autovpn || return 1
	n "$ns" "$AVPN" set av0 uplink 0 bind "$me_ep" || return 1
	# shellcheck disable=SC2046
	n "$ns" "$AVPN" set av0 peer 1 name $name rx-index $rx tx-index $tx \
		routes $lan4,$lan6 allowed $lan4,$lan6 \
		path 0 uplink 0 endpoint "$peer_ep" state up \
		key current $(key_args "$side" 1) || return 1
	n "$ns" ip link set av0 up &&
		n "$ns" ip route add $lan4 dev av0 &&
		n "$ns" ip -6 route add $lan6 dev av0
}

# setup_tunnel: module, keys (id 1), av0 on both gateways.
setup_tunnel() {
	load_module || return 1
	make_keys 1 || return 1
	setup_gateway A && setup_gateway B || {
		log "tunnel setup failed; state:"
		n gwA "$AVPN" show 2>&1 | sed 's/^/#   gwA: /'
		n gwB "$AVPN" show 2>&1 | sed 's/^/#   gwB: /'
		return 1
	}
}

# teardown_tunnel: delete both av0 (their uplink sockets go with them), so
# setup_tunnel can run again, e.g. after use_outer v6.
teardown_tunnel() {
	n gwA ip link del av0 && n gwB ip link del av0
}

# install_next SIDE ID / swap SIDE: key rotation by hand.
install_next() {
	# shellcheck disable=SC2046
	n "gw$1" "$AVPN" set av0 peer 1 key next $(key_args "$1" "$2")
}
swap_key() { n "gw$1" "$AVPN" set av0 peer 1 key-swap; }

# rekey ID: what autovpnd does every 120 s. Keys die 180 s after install
# (AUTOVPN_KEY_DEFAULT_LIFETIME_SECS, enforced by the module), so a long
# scenario rotates: new key ID as next on both sides, B swaps, then A.
rekey() {
	make_keys "$1" && install_next A "$1" && install_next B "$1" &&
		swap_key B && swap_key A
}

# ---- counters -------------------------------------------------------------

show_json() { n "$1" "$AVPN" show av0 --json; }

# peer_stat NS FILTER: e.g. peer_stat gwB .drops.replay (of peer 1).
peer_stat() {
	show_json "$1" | jq -er ".interfaces[0].peers[] | select(.id == 1) | $2"
}
# dev_stat NS FILTER: e.g. dev_stat gwB .drops.malformed
dev_stat() { show_json "$1" | jq -er ".interfaces[0] | $2"; }

# Sum of all drop counters of the device (device-level reasons).
dev_drops_total() { dev_stat "$1" '[.drops[]] | add'; }

# ---- traffic --------------------------------------------------------------

# iperf_server NS: a background iperf3 server, ready when this returns.
iperf_server() {
	bg "$1" timeout 600 iperf3 -s -p 5201 >>"$WORK/iperf3-server-$1.log" 2>&1
	wait_for_tcp_port "$1" 5201 30
}

# iperf_run NS DST SECS JSON [iperf3 args]: bounded client run.
iperf_run() {
	local ns=$1 dst=$2 secs=$3 json=$4
	shift 4
	n "$ns" timeout $((secs + 60)) iperf3 -c "$dst" -p 5201 -t "$secs" \
		--connect-timeout 10000 -J "$@" >"$json"
}

# Received Mbit/s (one decimal) from an iperf3 JSON result; fails unless > 0.
iperf_mbps() {
	jq -er '.end.sum_received.bits_per_second / 1e6 | select(. > 0) |
		(. * 10 | floor) / 10' "$1"
}

# ---- run directly: a check of the topology itself -------------------------
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	setup_topology v4 || fatal "topology"
	for fam in v4 v6; do
		use_outer $fam
		check "topology-$fam-outer-a-to-b" n gwA ping -c 1 -W 2 "$GWB_OUT"
		check "topology-$fam-outer-b-to-a" n gwB ping -c 1 -W 2 "$GWA_OUT"
		check "topology-$fam-lan-a-gateway" n lanA ping -c 1 -W 2 10.1.0.1
		check "topology-$fam-lan-b-gateway6" n lanB ping -c 1 -W 2 fd02::1
		check_fails "topology-$fam-no-lan-route-without-tunnel" \
			n lanA ping -c 1 -W 1 "$LANB4"
	done
	finish
fi
