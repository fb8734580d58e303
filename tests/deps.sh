#!/bin/sh
# Installs every Debian 12 package the build, the tests, the benchmarks and the
# demo need. Run as root (make deps).
# man-db groff bsdextrautils: tests/ops renders and checks the man pages;
# debhelper dh-dkms dkms lintian dpkg-dev: `make deb` and its checks;
# systemd: systemd-analyze for the units; debootstrap: make check-deb-root.
#   tests/deps.sh               apt-get update + install (all of them)
#   tests/deps.sh --if-missing  only when one of them is not installed yet:
#                               what `make check` and `make demo` run first,
#                               so a fresh machine sets itself up and a ready
#                               one loses no time
#   --debug (with either)       also the packages of the debug kernel
#                               (make deps-debug; tests/debug/build.mk)
# linux-headers-6.12...: the newest kernel Debian 12 offers; `make check-kbuild`
# compile-tests the module against it (it pulls in that kernel's image too;
# the Makefile keeps building for and booting the default 6.1 kernel).
# DEBUG_PKGS, linux-source-6.1 (a 140 MB download) and the kernel build
# tools, are for the debug kernel of `make check-debug` only
# (tests/debug/kernel.sh), so make deps, make check and CI leave them out.
set -e
export DEBIAN_FRONTEND=noninteractive
PKGS="gcc make pkg-config clang clang-format libclang-rt-14-dev bc kmod cpio
	linux-image-amd64 linux-headers-amd64 linux-headers-6.12.118+deb12-amd64
	qemu-system-x86 busybox-static
	libnl-3-dev libnl-genl-3-dev libnl-route-3-dev libsodium-dev
	check libsubunit-dev libkmod-dev libinih-dev libmicrohttpd-dev libjson-c-dev
	libpcap-dev jq curl prometheus chromium
	iproute2 nftables iputils-ping tcpdump conntrack iperf3 socat ethtool
	wireguard-tools
	man-db groff bsdextrautils
	debhelper dh-dkms dkms lintian dpkg-dev systemd debootstrap"
DEBUG_PKGS="linux-source-6.1 flex bison libelf-dev libssl-dev xz-utils patch"

if_missing=0
for a in "$@"; do
	case $a in
	--if-missing) if_missing=1 ;;
	--debug) PKGS="$PKGS $DEBUG_PKGS" ;;
	*) echo "usage: tests/deps.sh [--if-missing] [--debug]" >&2; exit 2 ;;
	esac
done
if [ $if_missing = 1 ]; then
	missing=
	for p in $PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && exit 0
	echo "tests/deps.sh: installing missing packages:$missing"
	if [ "$(id -u)" != 0 ]; then
		echo "tests/deps.sh: run 'make deps' as root first" >&2
		exit 1
	fi
fi
apt-get update -q
# shellcheck disable=SC2086 # the list is meant to split
apt-get install -y -q --no-install-recommends $PKGS
