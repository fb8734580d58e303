#!/bin/bash
# The systemd units in dist/: `systemd-analyze verify` passes without a
# word of output (unknown keys, missing programs or man pages all print),
# `systemd-analyze security --offline=true` rates each below a threshold
# (autovpnd needs CAP_NET_ADMIN and the network, the registry only the
# network), and the properties the design depends on are there: the
# capability sets, reload by SIGHUP (which both programs handle), the
# daemon's restart not touching the interface, the config checked before
# start. An insecure variant of each unit must fail the threshold.
set -u
. "$(dirname "$0")/lib.sh"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
MAX_autovpnd=2.5
MAX_autovpn_registry=2.0

mkdir -p "$W/man/man8" "$W/man/man5" "$W/sbin"
cp man/*.8 "$W/man/man8/"
cp man/*.5 "$W/man/man5/"
for p in autovpn autovpnd autovpn-registry; do ln -s "$PWD/$B/$p" "$W/sbin/$p"; done

# exposure UNIT-FILE: the overall exposure level, e.g. 2.3
exposure() {
	systemd-analyze security --offline=true "$1" 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 <= b + 0) }'; }

for u in autovpnd autovpn-registry; do
	f=$W/$u.service
	sed "s|@SBINDIR@|$W/sbin|g" "dist/$u.service.in" > "$f"
	check "units.$u.no_placeholder_left" test -z "$(grep '@[A-Z]*@' "$f")"
	out=$(MANPATH=$W/man systemd-analyze verify "$f" 2>&1)
	rc=$?
	echo "$out"
	check "units.$u.verify_ok" test "$rc" = 0
	check "units.$u.verify_silent" test -z "$out"
	e=$(exposure "$f")
	max=MAX_${u//-/_}
	echo "$u: exposure $e (at most ${!max})"
	check "units.$u.exposure_below_${!max}" le "$e" "${!max}"
	# The same unit without its sandbox is rated worse than the threshold:
	# the measure measures.
	grep -vE '^(Protect|Private|Restrict|SystemCall|Capability|NoNew|Lock|Memory|Device|Remove|UMask)' \
		"$f" > "$W/open-$u.service"
	e2=$(exposure "$W/open-$u.service")
	echo "$u without its sandbox: exposure $e2"
	check "units.$u.unhardened_fails_threshold" test -n "$e2" -a "$(le "$e2" "${!max}" && echo y)" != y
	systemd-analyze security --offline=true "$f" > "$W/$u.sec" 2>&1
	for prop in NoNewPrivileges= ProtectSystem= ProtectHome= PrivateTmp= PrivateDevices= \
		ProtectKernelModules= ProtectKernelTunables= 'RestrictNamespaces=~user' \
		RestrictAddressFamilies=~AF_PACKET SystemCallArchitectures= \
		CapabilityBoundingSet=~CAP_SYS_ADMIN CapabilityBoundingSet=~CAP_SYS_MODULE \
		CapabilityBoundingSet='~CAP_(DAC_*|FOWNER|IPC_OWNER)'; do
		check "units.$u.secure.$prop" grep -qF "✓ $prop" "$W/$u.sec"
	done
	check "units.$u.reload_is_sighup" grep -qxF "ExecReload=/bin/sh -c 'kill -HUP \$\$MAINPID'" "$f"
	check "units.$u.checks_before_start" grep -q '^ExecStartPre=.* --check$' "$f"
	check "units.$u.restart_on_failure" grep -qx 'Restart=on-failure' "$f"
done

f=$W/autovpnd.service
check units.autovpnd.caps grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE' "$f"
check units.autovpnd.families grep -qx 'RestrictAddressFamilies=AF_NETLINK AF_INET AF_INET6 AF_UNIX' "$f"
# The interface outlives the daemon (adopted by the next one): nothing in
# the unit may delete it or kill beyond the daemon's own processes.
check units.autovpnd.killmode grep -qx 'KillMode=control-group' "$f"
check units.autovpnd.no_teardown test -z "$(grep -E '^ExecStop|link del|PrivateNetwork=yes' "$f")"
check units.autovpnd.not_template test ! -e dist/autovpnd@.service.in
f=$W/autovpn-registry.service
check units.registry.no_caps grep -qx 'CapabilityBoundingSet=' "$f"
check units.registry.no_ambient grep -qx 'AmbientCapabilities=' "$f"
check units.registry.families grep -qx 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' "$f"
check units.registry.opts_from_default grep -q '^ExecStart=.* \$AUTOVPN_REGISTRY_OPTS$' "$f"
check units.registry.default_has_id grep -Eq '^AUTOVPN_REGISTRY_OPTS="--id 1[ "]' dist/autovpn-registry.default
# ...and the high-port echo, without which diagnose cannot tell whether
# outbound UDP to high ports gets out.
check units.registry.default_has_echo grep -Eq '^AUTOVPN_REGISTRY_OPTS=".* --echo-port [0-9]+[ "]' \
	dist/autovpn-registry.default

# The programs reload on SIGHUP (what ExecReload sends).
check units.autovpnd.code_reloads_on_hup grep -q 'SIGHUP, on_reload' daemon/gateway/gateway.c
check units.registry.code_reloads_on_hup grep -qA3 'signo == SIGHUP' daemon/registry/main.c

# ExecStartPre's --check accepts the example gateway config (with a key).
(umask 077 && "$B/autovpn" genkey > "$W/private.key")
sed "s|/etc/autovpn/private.key|$W/private.key|" dist/autovpnd.conf > "$W/autovpnd.conf"
check units.example_gateway_config_checks "$B/autovpnd" -c "$W/autovpnd.conf" --check
