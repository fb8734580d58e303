#!/bin/bash
# Harness self-test: passes but leaves a mess behind; clean.sh (run right
# after it) checks that the harness cleaned up.
set -e
ip netns add avpn-selftest-dirty
ip link add avpn-st0 type veth peer name avpn-st1
ip link set avpn-st1 netns avpn-selftest-dirty
nft add table inet avpn_selftest
ip xfrm state add src 10.9.9.1 dst 10.9.9.2 proto esp spi 0x100 mode tunnel \
	aead 'rfc4106(gcm(aes))' 0x0101010101010101010101010101010101010101 128
tc qdisc add dev lo root netem delay 1ms
touch /tmp/avpn-selftest-dirty
setsid sleep 1000 </dev/null >/dev/null 2>&1 &
echo "left a mess"
