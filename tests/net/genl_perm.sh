#!/bin/bash
# Who may talk to the autovpn genl family (issue 9, defect 3): every
# operation, the reads included, needs CAP_NET_ADMIN in the user namespace
# that owns the device's network namespace, and so does joining the events
# multicast group.
#   - an unprivileged user (nobody) can neither read devices and peers
#     (endpoints, indexes, routes, key state) nor subscribe to the events;
#   - root of a user namespace that owns its network namespace (a
#     container) manages its own device: create, configure, read, monitor.
#
#   ns u: av0 with an uplink, a peer with routes, a path and a key
. "$(dirname "$0")/lib.sh"

# The tool, readable and executable by nobody wherever the tree lives.
A=$WORK/autovpn
install -m 0755 "$AVPN_BIN/autovpn" "$A"
chmod 0755 "$WORK"
nobody() { n u timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"; }

# denied NAME CMD...: CMD fails with "Operation not permitted".
denied() {
	local name=$1 rc
	shift
	"$@" >"$WORK/out" 2>&1
	rc=$?
	if [ $rc != 0 ] && [ $rc != 124 ] && grep -q "not permitted" "$WORK/out"; then
		pass "$name"
	else
		fail "$name" "exit $rc: $(head -c 300 "$WORK/out" | tr '\n' ' ')"
	fi
}

modprobe -a udp_tunnel ip6_udp_tunnel
load_module || fatal load_module
new_ns u
umask 077
"$A" genkey --data >"$WORK/k1" && "$A" genkey --data >"$WORK/k2" || fatal genkey
n u ip link add av0 type autovpn || fatal link
n u "$A" set av0 uplink 0 bind 127.0.0.1:41000 peer 1 rx-index 11 tx-index 22 \
	routes 10.2.0.0/24 allowed 10.2.0.0/24 path 0 uplink 0 endpoint 127.0.0.1:41001 \
	key current id 1 tx "$WORK/k1" rx "$WORK/k2" || fatal setup
check root-reads n u "$A" show av0

denied nobody-dev-get nobody "$A" show av0
denied nobody-dump nobody "$A" show
denied nobody-peer-dump nobody "$A" show av0 dump
denied nobody-set nobody "$A" set av0 peer 1 name x
denied nobody-monitor nobody "$A" monitor av0

# A user namespace with its own network namespace: its root has
# CAP_NET_ADMIN there (GENL_UNS_ADMIN_PERM), not in the initial namespace.
cat >"$WORK/container.sh" <<-EOF
	set -e
	ip link set lo up
	ip link add av0 type autovpn
	$A set av0 uplink 0 bind 127.0.0.1:41000 peer 1 rx-index 11 tx-index 22 \
		routes 10.2.0.0/24 path 0 uplink 0 endpoint 127.0.0.1:41001 \
		key current id 1 tx $WORK/k3 rx $WORK/k4
	$A show av0 dump | grep -q '^peer	av0	1	'
	timeout 3 $A monitor av0 >/dev/null 2>$WORK/monitor.err || [ \$? = 124 ]
	$A set av0 peer 1 remove
	$A link del av0
	echo CONTAINER-OK
EOF
"$A" genkey --data >"$WORK/k3" && "$A" genkey --data >"$WORK/k4" || fatal genkey
if unshare --user --map-root-user --net bash "$WORK/container.sh" >"$WORK/c.out" 2>&1 &&
	grep -q CONTAINER-OK "$WORK/c.out"; then
	pass userns-root-manages-own-device
else
	fail userns-root-manages-own-device "$(tr '\n' ' ' <"$WORK/c.out" | head -c 400)"
fi
finish
