#!/bin/sh
# Installs every Debian 12 package the build, the tests, the benchmarks and the
# demo need. Run as root (make deps). linux-source-6.1 and the kernel build
# tools (flex ... xz-utils) are for the debug kernel of `make check-debug`.
set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
	gcc make pkg-config clang libclang-rt-14-dev bc kmod cpio \
	linux-image-amd64 linux-headers-amd64 \
	qemu-system-x86 busybox-static \
	libnl-3-dev libnl-genl-3-dev libnl-route-3-dev libsodium-dev \
	check libsubunit-dev libkmod-dev libinih-dev libmicrohttpd-dev libjson-c-dev \
	libpcap-dev jq curl \
	iproute2 nftables iputils-ping tcpdump conntrack iperf3 socat ethtool \
	wireguard-tools \
	linux-source-6.1 flex bison libelf-dev libssl-dev xz-utils patch
