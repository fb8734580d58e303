#!/bin/bash
# A registry on a wildcard address answers from the address each request came
# to (IP_PKTINFO): gateways talking to 127.0.0.3 and 127.0.0.4 get answers
# from exactly those, or the simulator (like a NAT) would drop them.
. tests/registry/lib.sh
W=$(mktemp -d); trap cleanup EXIT
setup_example
start_registry 1 0.0.0.0:9352 19390
example_gws "" "" ""
# One registry (id 1) reached at two addresses: one simulator run each.
for a in 127.0.0.3 127.0.0.4; do
	"$SIM" register -r $a:9352 -k "$REGPUB" "${GWS[@]}" --timeout 10 > "$W/out" 2> "$W/err" ||
		{ cat "$W/err"; fail "no valid answers through the wildcard socket at $a"; }
	grep -c '^gw	' "$W/out" | grep -qx 3 || fail "not all gateways registered via $a"
done
echo "wildcard socket answered from 127.0.0.3 and 127.0.0.4 as addressed"
