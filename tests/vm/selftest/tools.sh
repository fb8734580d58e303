#!/bin/bash
# vm-timeout: 240
# Harness self-test: the tools scenario writers rely on work in the VM. One
# RESULT line per tool; uses tests/net/lib.sh, so it checks that too.
#
#   a (10.0.0.1, fd00::1) va ---- vb (10.0.0.2, fd00::2) b
#   wireguard wg0 10.1.0.1 <-> 10.1.0.2; xfrm ESP 10.2.0.1 <-> 10.2.0.2
. "$AVPN_TOP/tests/net/lib.sh"

new_ns a b
veth a va b vb
n a ip addr add 10.0.0.1/24 dev va
n b ip addr add 10.0.0.2/24 dev vb
n a ip addr add fd00::1/64 dev va nodad
n b ip addr add fd00::2/64 dev vb nodad
check "netns-veth-ping" n a ping -c 1 -W 5 10.0.0.2
check "ping6" n a ping -6 -c 1 -W 5 fd00::2

# nft: NAT in b rewrites a's source; b sees traffic to its own address.
nft_nat() {
	n a nft -f - <<-NFT
		table ip nat {
			chain post { type nat hook postrouting priority srcnat; oifname "va" masquerade; }
		}
	NFT
	n a nft list ruleset | grep -q masquerade
}
check "nft-masquerade" nft_nat

# tc netem: a 50 ms delay shows in the round trip time.
netem_rtt() {
	local rtt
	n a tc qdisc add dev va root netem delay 50ms
	rtt=$(n a ping -c 1 -W 5 10.0.0.2 | sed -n 's/.*time=\([0-9.]*\) ms/\1/p')
	n a tc qdisc del dev va root
	echo "# rtt with netem 50ms: $rtt ms"
	[ "${rtt%.*}" -ge 50 ]
}
check "tc-netem" netem_rtt
check "tc-tbf" n a tc qdisc add dev va root tbf rate 100mbit burst 32kbit latency 50ms
n a tc qdisc del dev va root

# iperf3, waiting for the server with ss (wait_for_port).
iperf() {
	bg b iperf3 -s -1 -B 10.0.0.2
	wait_for_port b tcp 5201 30 || return 1
	n a iperf3 -c 10.0.0.2 -t 2 -J >"$WORK/iperf.json" || return 1
	local bps
	bps=$(jq '.end.sum_received.bits_per_second' "$WORK/iperf.json")
	echo "BENCH selftest_veth_mbps $(awk -v b="$bps" 'BEGIN { printf "%.0f", b / 1e6 }')"
}
check "iperf3" iperf

# tcpdump captures a ping into AVPN_OUT.
capture() {
	bg b tcpdump -i vb -n -c 1 -w "$AVPN_OUT/ping.pcap" icmp
	local pid=$BG_PID
	# tcpdump has no "ready" signal; ping until it has captured one.
	wait_until 30 eval "n a ping -c 1 -W 1 10.0.0.2 >/dev/null; ! kill -0 $pid 2>/dev/null"
	[ -s "$AVPN_OUT/ping.pcap" ] && tcpdump -r "$AVPN_OUT/ping.pcap" -n 2>/dev/null | grep -q ICMP
}
check "tcpdump" capture

# wireguard from /lib/modules (modprobe through the 9p root).
wireguard() {
	local ka kb
	ka=$(wg genkey) kb=$(wg genkey)
	n a ip link add wg0 type wireguard
	n b ip link add wg0 type wireguard
	n a wg set wg0 listen-port 51820 private-key <(echo "$ka") \
		peer "$(echo "$kb" | wg pubkey)" endpoint 10.0.0.2:51820 allowed-ips 10.1.0.2/32
	n b wg set wg0 listen-port 51820 private-key <(echo "$kb") \
		peer "$(echo "$ka" | wg pubkey)" endpoint 10.0.0.1:51820 allowed-ips 10.1.0.1/32
	n a ip addr add 10.1.0.1/24 dev wg0
	n b ip addr add 10.1.0.2/24 dev wg0
	n a ip link set wg0 up
	n b ip link set wg0 up
	n a ping -c 1 -W 5 10.1.0.2
}
check "wireguard" wireguard

# xfrm: ESP transport mode with rfc4106(gcm(aes)) between the veth addresses.
xfrm() {
	local key side ns src dst
	key=0x$(printf '%040x' 42)
	for side in a:10.0.0.1:10.0.0.2 b:10.0.0.2:10.0.0.1; do
		IFS=: read -r ns src dst <<<"$side"
		n "$ns" ip xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1001 \
			mode transport aead 'rfc4106(gcm(aes))' "$key" 128
		n "$ns" ip xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x1002 \
			mode transport aead 'rfc4106(gcm(aes))' "$key" 128
		n "$ns" ip xfrm policy add src "$src" dst "$dst" proto icmp dir out \
			tmpl src "$src" dst "$dst" proto esp mode transport
		n "$ns" ip xfrm policy add src "$dst" dst "$src" proto icmp dir in \
			tmpl src "$dst" dst "$src" proto esp mode transport
	done
	n a ping -c 1 -W 5 10.0.0.2 || return 1
	n b ip -s xfrm state | grep -q 'lifetime current' &&
		[ "$(n b ip -s xfrm state list spi 0x1001 | sed -n 's/.* \([0-9]*\)(packets).*/\1/p' | head -n1)" -ge 1 ]
}
check "xfrm-esp" xfrm

# tcrypt: loading always "fails" with EAGAIN by design; the speed lines land
# in the kernel log. sec=0 measures cycles, a few seconds under TCG.
tcrypt() {
	modprobe tcrypt mode=211 sec=0 2>/dev/null
	dmesg | grep -q 'testing speed of rfc4106(gcm(aes))\|testing speed of gcm(aes)'
}
check "tcrypt" tcrypt

check "conntrack" n a conntrack -L
check "socat" socat -V
check "python3" python3 -c 'import json, socket'
check "cpu-aes" grep -qw -e aes /proc/cpuinfo
check "cpu-avx2" grep -qw -e avx2 /proc/cpuinfo
# The harness loads the CPU's crypto modules at boot (as udev would).
check "gcm-aes-is-aesni" grep -q '^driver *: generic-gcm-aesni' /proc/crypto
finish
