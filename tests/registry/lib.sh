#!/bin/bash
# Shared helpers for the registry integration tests (loopback only).
# Sourced by tests/registry/*.sh; expects B (build dir) and W (work dir).
set -u
B=${B:-build}
REG=${REG:-$B/autovpn-registry}
SIM=$B/avpn-gwsim
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$W"
}

fail() { echo "FAIL: $*" >&2; exit 1; }

# newkey FILE: a fresh private key file (mode 600), prints nothing.
newkey() {
	(umask 077; head -c 32 /dev/urandom | base64 > "$1")
}

pubkey() { "$SIM" pubkey "$1"; }

# The reference document's example organization: the London - Finsbury
# spoke with its subnet table, hubs San Jose (primary) and San Francisco.
write_example_org() {
	local out=$1 extra=${2:-}
	cat > "$out.tmp" <<EOT
[organization]
name = Example Org
registry-private-key = registry.key
psk-secret = $(cat "$W/psk.b64")

[network "Cisco Cloud Interconnect - San Jose"]
public-key = $(pubkey "$W/sj.key")
mode = hub
subnet = "SJ LAN" 10.10.0.0/16 yes

[network "Meraki San Francisco - Security"]
public-key = $(pubkey "$W/sf.key")
mode = hub
subnet = "SF LAN" 10.20.0.0/16 yes
subnet = "SF Lab" 10.21.0.0/16 no

[network "Meraki London - Finsbury"]
public-key = $(pubkey "$W/lon.key")
mode = spoke
hub = "Cisco Cloud Interconnect - San Jose"
hub = "Meraki San Francisco - Security"
subnet = "Management" 10.0.60.0/24 yes
subnet = "VOIP" 10.0.20.0/24 yes
subnet = "177 - Finsbury Wired" 10.50.177.0/24 yes
subnet = "AV" 10.0.30.0/24 no
subnet = "MC" 10.0.40.0/24 no
subnet = "Alpha-XConnect" 10.50.176.32/29 yes
subnet = "176 - Finsbury TP and AP" 10.50.176.128/25 yes
subnet = "179 - Cisco Blizzard" 10.50.179.128/25 yes
subnet = "182 - Finsbury Wireless" 10.50.182.0/23 yes
subnet = "Cisco42" 198.133.219.0/24 yes
$extra
EOT
	mv "$out.tmp" "$out"
}

setup_example() {
	newkey "$W/registry.key"
	newkey "$W/sj.key"; newkey "$W/sf.key"; newkey "$W/lon.key"
	head -c 32 /dev/urandom | base64 > "$W/psk.b64"
	write_example_org "$W/org.conf"
	REGPUB=$(pubkey "$W/registry.key")
}

# start_registry N ADDR:PORT HTTPPORT [extra args...]
start_registry() {
	local n=$1 listen=$2 http=$3; shift 3
	"$REG" -c "$W/org.conf" -l "$listen" --http "127.0.0.1:$http" --id "$n" "$@" \
		2> "$W/registry$n.log" &
	PIDS+=($!)
	wait_http "$http" || { cat "$W/registry$n.log" >&2; fail "registry $n did not start"; }
}

# Polls until the JSON API answers (no fixed sleeps): 5 s, or
# $HTTP_WAIT_TRIES times 50 ms.
wait_http() {
	for _ in $(seq "${HTTP_WAIT_TRIES:-100}"); do
		curl -sf "http://127.0.0.1:$1/api/v1/stats" > /dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

api() { curl -sf "http://127.0.0.1:$1$2"; }

# jq-free JSON access through python3 (present on the dev machines).
jget() { jq -r "$1"; }

GWS=()
example_gws() {
	GWS=(--gw "Cisco Cloud Interconnect - San Jose=$W/sj.key$1"
	     --gw "Meraki San Francisco - Security=$W/sf.key$2"
	     --gw "Meraki London - Finsbury=$W/lon.key$3")
}
