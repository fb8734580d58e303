#!/bin/bash
# A hub with 1,000 spokes: its peer list spans hundreds of pages and arrives
# complete (every spoke, every subnet, once); a spoke with 600 subnets spans
# several pages in continuation records.
. tests/registry/lib.sh
W=$(mktemp -d); trap cleanup EXIT
N=1000
newkey "$W/registry.key"
REGPUB=$(pubkey "$W/registry.key")
"$SIM" keys --seed paging --count $((N + 1)) > "$W/keys"
{
	printf '[organization]\nname = paging\nregistry-private-key = registry.key\n'
	printf 'psk-secret = %s\n\n' "$(head -c 32 /dev/urandom | base64)"
	awk -F'\t' -v n=$N '{
		i = $1
		printf "[network \"gw%d\"]\npublic-key = %s\n", i, $2
		if (i == 0) { printf "mode = hub\nsubnet = 10.255.0.0/16 yes\n\n"; next }
		printf "mode = spoke\nhub = \"gw0\"\n"
		if (i == 1)	# 600 subnets: more than one page
			for (j = 0; j < 600; j++)
				printf "subnet = 10.254.%d.%d/32 yes\n", int(j / 256), j % 256
		else
			for (j = 0; j < 2; j++)
				printf "subnet = 10.%d.%d.%d/32 yes\n", int(i / 256), i % 256, j
		printf "\n"
	}' "$W/keys"
} > "$W/org.conf"
start_registry 1 127.0.0.1:9350 19390
"$SIM" register -r 127.0.0.1:9350 -k "$REGPUB" --seed paging --count 2 --timeout 30 \
	> "$W/out" 2> "$W/err" || { cat "$W/err"; fail "simulator failed"; }
peers=$(awk -F'\t' '$1=="gw-peer" && $2=="gw0"' "$W/out" | wc -l)
[ "$peers" = $N ] || fail "hub got $peers peers, expected $N"
uniq=$(awk -F'\t' '$1=="gw-peer" && $2=="gw0" {print $3}' "$W/out" | sort -u | wc -l)
[ "$uniq" = $N ] || fail "duplicate peers"
routes=$(awk -F'\t' '$1=="gw-peer" && $2=="gw0" {sub(/^routes=/, "", $7); print $7}' "$W/out" |
	tr ',' '\n' | grep -c .)
[ "$routes" = $(( (N - 1) * 2 + 600 )) ] || fail "hub got $routes routes, expected $(( (N - 1) * 2 + 600 ))"
big=$(awk -F'\t' '$1=="gw-peer" && $2=="gw0" && $3=="gw1" {sub(/^routes=/, "", $7); print $7}' "$W/out" |
	tr ',' '\n' | sort -u | wc -l)
[ "$big" = 600 ] || fail "spoke gw1 has $big distinct routes, expected 600"
pages=$(api 19390 /api/v1/stats | jget .pages)
echo "hub received $peers peers, $routes routes in $pages pages"
