#!/bin/bash
# shellcheck shell=bash
# Helpers for the VM scenarios (tests/net/*.sh), in the style of WireGuard's
# netns.sh; the one shell library of the scenarios (topo.sh, the two-gateway
# topology, sources it too). Source it first thing:
#
#   . "$(dirname "$0")/lib.sh"
#   new_ns a b
#   veth a va b vb
#   n a ip addr add 10.0.0.1/24 dev va; n b ip addr add 10.0.0.2/24 dev vb
#   check "ping" n a ping -c 1 -W 2 10.0.0.2
#   finish
#
# Scenarios run inside the VM through tests/vm/run.sh (see its header for
# AVPN_TOP, AVPN_KO, AVPN_BIN, AVPN_OUT). Everything here is `set -e` and
# `set -u` friendly: helpers return non-zero only where stated.
#
#   n NS CMD...             run CMD inside netns NS
#   new_ns NS...            create netns (lo up), deleted again by cleanup
#   veth NS1 IF1 NS2 IF2    a veth pair between two netns, both ends up
#   load_module             insmod $AVPN_KO unless autovpn is loaded
#   bg NS CMD...            start CMD in NS in the background ($BG_PID);
#                           killed by cleanup
#   stop_bg [PID...]        kill and reap those background jobs (default: all
#                           of bg's)
#   wait_until SECS CMD...  poll CMD every 0.1 s until it succeeds (returns 1
#                           after SECS). Never sleep a fixed time under TCG.
#   wait_for_port NS PROTO PORT [SECS]   until a tcp socket listens / a udp
#                           socket is bound on PORT in NS (ss); default 20 s
#   tcp_listening NS PORT / udp_bound NS PORT   the same, once
#   wait_for_tcp_port NS PORT [SECS]     wait_for_port NS tcp PORT [SECS]
#   ep ADDR PORT            ADDR:PORT, [ADDR]:PORT for IPv6
#   log MSG...              a "# MSG" line in the output
#   pass NAME [MSG] / fail NAME [MSG]   print "RESULT PASS|FAIL NAME [(MSG)]"
#                           (NAME: one word); a fail makes the scenario's
#                           exit status non-zero at the end
#   result NAME STATUS [MSG]   pass if STATUS is 0, fail otherwise
#   check NAME CMD...       run CMD: pass NAME if it succeeds, fail otherwise
#   check_fails NAME CMD... the reverse: CMD must fail
#   fatal NAME [MSG]        fail NAME and exit now
#   finish                  exit 0, or 1 if anything failed
#   cleanup                 installed as the EXIT trap: kills bg jobs, deletes
#                           the netns from new_ns, removes $WORK; keeps a
#                           failing exit status (or makes it 1 after a fail)
# Variables: AVPN_TOP AVPN_BIN AVPN_KO AVPN_OUT (defaults for use outside the
# VM harness; OUT and KO are short names for the last two), AVPN (the tool),
# NETBIN (the helper programs of tests/net), and WORK, a private temporary
# directory.

AVPN_TOP=${AVPN_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
AVPN_BIN=${AVPN_BIN:-$AVPN_TOP/build}
AVPN_KO=${AVPN_KO:-$AVPN_TOP/kernel/autovpn.ko}
WORK=$(mktemp -d /tmp/avpn-work.XXXXXX)
AVPN_OUT=${AVPN_OUT:-$WORK/out}
mkdir -p "$AVPN_OUT"
# shellcheck disable=SC2034 # for the scenarios that source this file
{
	AVPN=$AVPN_BIN/autovpn
	NETBIN=$AVPN_BIN/tests/net
	OUT=$AVPN_OUT
	KO=$AVPN_KO
}

LIB_MAIN_PID=$BASHPID
LIB_NS=()
LIB_PIDS=()
LIB_FAILS=0

n() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

new_ns() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns"
		LIB_NS+=("$ns")
		ip -n "$ns" link set lo up
	done
}

veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

load_module() {
	local deps
	grep -q '^autovpn ' /proc/modules && return 0
	if [ ! -f "$AVPN_KO" ]; then
		echo "load_module: $AVPN_KO does not exist (make module)" >&2
		return 1
	fi
	# A real gateway's udev loads the CPU's AES-NI driver at boot (cpu
	# modalias); the VM has no udev, and without it gcm(aes) would be
	# built from aes-generic. Absent (no AES-NI): the generic code it is.
	modprobe -q aesni_intel 2>/dev/null
	# insmod does not resolve dependencies: load what autovpn.ko links
	# against first (modinfo's depends= line), then the module itself.
	deps=$(modinfo -F depends "$AVPN_KO" 2>/dev/null | tr ',' ' ')
	# shellcheck disable=SC2086
	[ -z "$deps" ] || modprobe -a $deps || return 1
	insmod "$AVPN_KO"
}

bg() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" &
	BG_PID=$!
	LIB_PIDS+=("$BG_PID")
}

# genl_group_sockets NS PID: the /proc/net/netlink lines of PID's generic
# netlink sockets in NS that joined a multicast group (libnl numbers a
# process's sockets pid + k * 2^22).
genl_group_sockets() {
	# shellcheck disable=SC2016
	n "$1" awk -v pid="$2" '$2 == 16 && $3 % 4194304 == pid && $4 != "00000000"' \
		/proc/net/netlink
}

# monitor_ready NS PID: `autovpn monitor` (or autovpnd) as PID in NS has
# subscribed to the module's events.
monitor_ready() {
	genl_group_sockets "$1" "$2" | grep -q .
}

# netlink_drops NS PID: what the kernel dropped on those sockets (their
# receive queue was full).
netlink_drops() {
	genl_group_sockets "$1" "$2" | awk '{ d += $9 } END { print d + 0 }'
}

stop_bg() {
	local p
	[ $# -gt 0 ] || set -- "${LIB_PIDS[@]}"
	for p in "$@"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	return 0
}

# wait_until N CMD...: CMD tried up to N * 10 times, 0.1 s apart. A try
# that takes time stretches the wait: N is seconds only for quick CMDs.
wait_until() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# wait_secs N CMD...: CMD tried until it succeeds or N seconds have passed,
# however long each try takes.
wait_secs() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

lib_port_open() { # NS PROTO PORT
	local opt
	case $2 in
	tcp) opt=-Hltn ;;
	udp) opt=-Hlun ;;
	*) echo "wait_for_port: protocol must be tcp or udp, not '$2'" >&2; return 2 ;;
	esac
	[ -n "$(ip netns exec "$1" ss $opt "sport = :$3")" ]
}

wait_for_port() {
	wait_until "${4:-20}" lib_port_open "$1" "$2" "$3" && return 0
	echo "wait_for_port: nothing on $2 port $3 in netns $1 after ${4:-20}s" >&2
	return 1
}

tcp_listening() { lib_port_open "$1" tcp "$2"; }
udp_bound() { lib_port_open "$1" udp "$2"; }
wait_for_tcp_port() { wait_for_port "$1" tcp "$2" "${3:-20}"; }

ep() { case $1 in *:*) echo "[$1]:$2" ;; *) echo "$1:$2" ;; esac; }

log() { echo "# $*"; }

pass() { echo "RESULT PASS $1${2:+ ($2)}"; }

fail() {
	echo "RESULT FAIL $1${2:+ ($2)}"
	LIB_FAILS=$((LIB_FAILS + 1))
}

result() {
	if [ "$2" = 0 ]; then
		pass "$1" "${3:-}"
	else
		fail "$1" "${3:-}"
	fi
}

check() {
	local name=$1
	shift
	if "$@"; then
		pass "$name"
	else
		fail "$name" "'$*' exited $?"
	fi
}

check_fails() {
	local name=$1
	shift
	if "$@"; then
		fail "$name" "'$*' succeeded but should have failed"
	else
		pass "$name"
	fi
}

fatal() {
	fail "$1" "${2:-setup failed}"
	exit 1
}

finish() {
	[ "$LIB_FAILS" = 0 ] && exit 0
	echo "# $LIB_FAILS check(s) failed"
	exit 1
}

cleanup() {
	local rc=$? p
	# A background child killed before it could exec runs this trap too.
	[ "$BASHPID" = "$LIB_MAIN_PID" ] || exit "$rc"
	set +e
	# (-CONT: a stopped child would not act on the TERM, and wait would hang.)
	for p in "${LIB_PIDS[@]}"; do
		kill "$p" 2>/dev/null && kill -CONT "$p" 2>/dev/null
	done
	[ ${#LIB_PIDS[@]} = 0 ] || wait "${LIB_PIDS[@]}" 2>/dev/null
	# One ip for all: every exec is slow under TCG.
	[ ${#LIB_NS[@]} = 0 ] ||
		printf 'netns del %s\n' "${LIB_NS[@]}" | ip -force -batch - 2>/dev/null
	rm -rf "$WORK"
	[ "$rc" = 0 ] && [ "$LIB_FAILS" != 0 ] && rc=1
	exit "$rc"
}
trap cleanup EXIT
