#!/bin/bash
# An org config edit (file rewritten in place, caught by inotify) reaches all
# gateways through a push in < 1 s, and they fetch the new peer list.
. tests/registry/lib.sh
W=$(mktemp -d); trap cleanup EXIT
setup_example
start_registry 1 127.0.0.1:9350 19390
start_registry 2 127.0.0.2:9351 19391
example_gws "" "" ""
"$SIM" register -r 127.0.0.1:9350 -r 127.0.0.2:9351 -k "$REGPUB" "${GWS[@]}" --timeout 5 \
	--wait-push 5 > "$W/out" &
sim=$!
for _ in $(seq 100); do grep -q '^ready' "$W/out" && break; sleep 0.05; done
grep -q '^ready' "$W/out" || fail "gateways did not register"
# The new file is prepared first and renamed into place (atomic, like an
# editor's save): the clock starts when the config changes, not before.
write_example_org "$W/next.conf" 'subnet = "New" 10.99.0.0/24 yes'
t0=$(date +%s%N)
mv "$W/next.conf" "$W/org.conf"
wait $sim || fail "not every gateway got the push"
n=0
while IFS=$'\t' read -r tag name t; do
	[ "$tag" = push ] || continue
	d=$(( (t - t0) / 1000000 ))
	echo "  push to $name after $d ms"
	[ "$d" -lt 1000 ] || fail "push to $name took $d ms"
	n=$((n + 1))
done < "$W/out"
[ "$n" = 3 ] || fail "$n pushes, expected 3"
awk -F'\t' '$1=="after-peer" && $2=="Cisco Cloud Interconnect - San Jose" && $3=="Meraki London - Finsbury"' \
	"$W/out" | grep -q '10.99.0.0/24@0' || fail "SJ did not learn London's new subnet"
echo "config change reached all 3 gateways in < 1 s"
