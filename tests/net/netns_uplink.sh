#!/bin/bash
# vm-timeout: 400
# Deleting a network namespace frees the autovpn device in it, also when its
# uplink sockets live in that namespace (issue 9, defect 4). The module
# holds its own reference to the uplink sockets (a daemon may die, the
# tunnel must not); a socket holds its namespace; the namespace holds the
# device: a cycle the module has to break once nothing else holds the
# namespace.
#
#   ns x: av0 with uplink 0 on 10.9.0.1:40000 (a socket in x), a peer with
#         routes, a path and a key; veth vx (x) <-> vo (o)
#   ns o: the other end of the veth
#   ns y: the same device and socket, but y stays: after the time x took to
#         go, y's device still has its uplink (the daemon's exit, i.e. the
#         tool's, does not detach anything).
# Checks: after `ip netns del x` the veth end vo disappears (only the
# destruction of x deletes it), x's tunnel stops, y keeps its uplink, and no
# "unregister_netdevice: waiting" appears in the kernel log.
. "$(dirname "$0")/lib.sh"

A=$AVPN_BIN/autovpn

# gateway NS: av0, an uplink socket bound in NS, a peer, a key, a route.
gateway() {
	n "$1" ip link set vx up 2>/dev/null
	n "$1" ip link add av0 type autovpn &&
		n "$1" "$A" set av0 uplink 0 bind 10.9.0.1:40000 peer 1 rx-index 11 tx-index 22 \
			routes 10.2.0.0/24 allowed 10.2.0.0/24 \
			path 0 uplink 0 endpoint 10.9.0.2:40000 \
			key current id 1 tx "$WORK/k1-$1" rx "$WORK/k2-$1" &&
		n "$1" ip link set av0 up && n "$1" ip route add 10.2.0.0/24 dev av0
}

modprobe -a udp_tunnel ip6_udp_tunnel
load_module || fatal load_module
umask 077
for ns in x y; do
	"$A" genkey --data >"$WORK/k1-$ns" && "$A" genkey --data >"$WORK/k2-$ns" || fatal genkey
done
new_ns o y
ip netns add x
ip -n x link set lo up
ip link add vx netns x type veth peer name vo netns o
ip -n x addr add 10.9.0.1/24 dev vx
ip -n o addr add 10.9.0.2/24 dev vo
ip -n o link set vo up
gateway x || fatal gateway-x
ip -n y link add vx type dummy && ip -n y addr add 10.9.0.1/24 dev vx || fatal dummy-y
gateway y || fatal gateway-y

# The tunnel in x works: a packet routed into av0 leaves encrypted on vx.
tx() { n x "$A" show av0 --json | jq -r '.interfaces[0].peers[0].tx_packets'; }
n x ping -q -c 2 -i 0.2 -W 1 10.2.0.9 >/dev/null 2>&1
check x-tunnel-sends [ "$(tx)" = 2 ]

dmesg_lines=$(dmesg | wc -l)
SECONDS=0
ip netns del x
gone() { ! ip -n o link show vo >/dev/null 2>&1; }
# (wait_until counts polls, each slow under TCG: bound the wait in seconds.)
until gone || [ $SECONDS -ge 120 ]; do sleep 0.5; done
if gone; then
	pass "x-freed" # (after ${SECONDS}s)
	echo "# namespace x and its devices gone after ${SECONDS}s"
else
	fail "x-freed" "veth end vo still there ${SECONDS}s after 'ip netns del x': x was never destroyed"
fi
up=$(n y "$A" show av0 --json | jq -c '[.interfaces[0].uplinks[].id]')
check y-keeps-uplink [ "$up" = "[0]" ]
if dmesg | tail -n +"$((dmesg_lines + 1))" | grep -q "unregister_netdevice: waiting"; then
	fail no-unregister-wait "$(dmesg | grep -m1 'unregister_netdevice: waiting')"
else
	pass no-unregister-wait
fi
finish
