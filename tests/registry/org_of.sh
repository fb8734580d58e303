#!/bin/bash
# usage: org_of.sh NAME KEYS > org.conf
# A large organisation's config for the registry from avpn-gwsim's test
# keys (`avpn-gwsim keys`: index, public key, ... per line): gw0 and gw1
# are hubs, every other network a spoke of both, each exporting one /32
# (unique up to 16M networks); the registry's key is registry.key beside
# the config. Used by tests/bench/registry.sh and the registry tests.
set -eu
printf '[organization]\nname = %s\nregistry-private-key = registry.key\n' "$1"
printf 'psk-secret = %s\n\n' "$(head -c 32 /dev/urandom | base64)"
awk -F'\t' '{
	i = $1
	printf "[network \"gw%d\"]\npublic-key = %s\n", i, $2
	if (i < 2) printf "mode = hub\n"
	else printf "mode = spoke\nhub = \"gw0\"\nhub = \"gw1\"\n"
	printf "subnet = 10.%d.%d.%d/32 yes\n\n", int(i / 65536) % 256, int(i / 256) % 256, i % 256
}' "$2"
