#!/bin/bash
# (key, nonce) reuse is impossible whatever userspace does (issue 9, defect
# 2; the rule is stated in uapi/linux/autovpn.h, "Keys"). Installing key
# material the device has already seen would restart its counters at 0
# (nonces repeat) and empty its replay windows; the module refuses it:
#   - the same KEY_NEW again (a retried command, a restarted daemon);
#   - one direction's material in another slot, another key id, the other
#     direction, or another peer of the device;
#   - after the key was deleted, or its peer removed and created again;
#   - the same AES key with another salt (the salt is not what makes it new);
# with a message, and nothing changes (the installed key keeps counting).
# A new device starts with no memory (the documented limit). tx == rx
# material is refused by the kernel too: tests/net/nlbad.c, which the tool
# cannot send (it refuses it itself).
#
#   ns k: av0, uplink 0 on 127.0.0.1:41000, peers 1 and 2 with a path each
. "$(dirname "$0")/lib.sh"

A=$AVPN_BIN/autovpn
av() { n k "$A" "$@"; }

# expect_refused NAME CMD...: CMD exits 1 with an "Error: " line that
# mentions the key material.
expect_refused() {
	local name=$1 rc
	shift
	"$@" >"$WORK/out" 2>&1
	rc=$?
	if [ $rc = 1 ] && grep -qi "^Error: .*key material" "$WORK/out"; then
		pass "$name"
	else
		fail "$name" "exit $rc: $(head -c 300 "$WORK/out" | tr '\n' ' ')"
	fi
}
# slot PEER SLOT: "id tx_packets" of the key in that slot, or nothing.
slot() {
	av show av0 --json | jq -r ".interfaces[0].peers[] | select(.id == $1) |
		.keys[] | select(.slot == \"$2\") | \"\(.id) \(.tx_packets)\""
}

modprobe -a udp_tunnel ip6_udp_tunnel
# The fingerprint store's own self-test runs at load with selftest=1: it
# remembers at least AVPN_KEYFP_GEN keys across its generations.
grep -q '^autovpn ' /proc/modules && rmmod autovpn
st0=$(dmesg | grep -c 'autovpn: keyfp selftest passed')
check module-selftests insmod "$AVPN_KO" selftest=1
check keyfp-selftest [ "$(dmesg | grep -c 'autovpn: keyfp selftest passed')" -gt "$st0" ]
load_module || fatal load_module
new_ns k
umask 077
for i in 1 2 3 4 5 6 7 8; do "$A" genkey --data >"$WORK/k$i" || fatal genkey; done
# k1 with another salt: the same AES key.
{ base64 -d "$WORK/k1" | head -c 32; printf '\x01\x02\x03\x04'; } | base64 >"$WORK/k1salt"

n k ip link add av0 type autovpn || fatal link
n k ip link set av0 up
n k ip route add 10.2.0.0/24 dev av0
av set av0 uplink 0 bind 127.0.0.1:41000 \
	peer 1 rx-index 11 tx-index 22 routes 10.2.0.0/24 path 0 uplink 0 endpoint 127.0.0.1:41001 \
	peer 2 rx-index 12 tx-index 23 path 0 uplink 0 endpoint 127.0.0.1:41002 || fatal setup

check key-install av set av0 peer 1 key current id 1 tx "$WORK/k1" rx "$WORK/k2"
# Some packets with it, so a restart of its counters would show.
n k ping -q -c 3 -i 0.1 -W 1 10.2.0.9 >/dev/null 2>&1
before=$(slot 1 current)
check key-counting [ "$before" = "1 3" ]

expect_refused same-key-again av set av0 peer 1 key current id 1 tx "$WORK/k1" rx "$WORK/k2"
expect_refused same-key-other-id av set av0 peer 1 key current id 7 tx "$WORK/k1" rx "$WORK/k2"
expect_refused tx-material-in-next av set av0 peer 1 key next id 2 tx "$WORK/k1" rx "$WORK/k3"
expect_refused rx-material-in-next av set av0 peer 1 key next id 2 tx "$WORK/k3" rx "$WORK/k2"
expect_refused directions-swapped av set av0 peer 1 key next id 2 tx "$WORK/k2" rx "$WORK/k1"
expect_refused other-peer av set av0 peer 2 key current id 1 tx "$WORK/k3" rx "$WORK/k1"
expect_refused same-aes-key-other-salt av set av0 peer 1 key next id 2 tx "$WORK/k1salt" rx "$WORK/k3"
after=$(slot 1 current)
check refusals-keep-the-key [ "$after" = "$before" ]
check no-next-key-installed [ -z "$(slot 1 next)" ]

# Deleted keys and removed peers are remembered.
check key-delete av set av0 peer 1 key-del current
expect_refused after-delete av set av0 peer 1 key current id 1 tx "$WORK/k1" rx "$WORK/k2"
check peer-remove av set av0 peer 1 remove
check peer-recreate av set av0 peer 1 rx-index 11 tx-index 22 path 0 uplink 0 endpoint 127.0.0.1:41001
expect_refused after-peer-recreated av set av0 peer 1 key current id 1 tx "$WORK/k1" rx "$WORK/k2"

# Fresh material is accepted, as is a rotation through it.
check fresh-key av set av0 peer 1 key current id 1 tx "$WORK/k5" rx "$WORK/k6"
check fresh-next-and-swap av set av0 peer 1 key next id 2 tx "$WORK/k7" rx "$WORK/k8" key-swap

# The memory belongs to the device: a new device has none (documented limit).
n k ip link del av0
n k ip link add av0 type autovpn || fatal link2
av set av0 peer 1 rx-index 11 || fatal peer-on-new-device
check new-device-no-memory av set av0 peer 1 key current id 1 tx "$WORK/k1" rx "$WORK/k2"
finish
