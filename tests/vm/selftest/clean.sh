#!/bin/bash
# Harness self-test: run after dirty.sh; fails if anything it left survived.
fails=0
bad() { echo "left over: $*"; fails=1; }
[ -z "$(ip netns list)" ] || bad "netns: $(ip netns list)"
ip -o link show | grep -v ' lo:' | grep -q . && bad "links: $(ip -o link show | grep -v ' lo:')"
[ -z "$(nft list ruleset 2>/dev/null)" ] || bad "nft ruleset"
[ -z "$(ip xfrm state 2>/dev/null)" ] || bad "xfrm state"
tc qdisc show dev lo | grep -q netem && bad "qdisc on lo"
[ ! -e /tmp/avpn-selftest-dirty ] || bad "/tmp file"
pgrep -x sleep >/dev/null && bad "process: $(pgrep -a -x sleep)"
ip -o link show lo | grep -q UP || bad "lo is down"
exit $fails
