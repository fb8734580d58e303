#!/bin/bash
# make deb: dpkg-buildpackage builds autovpn and autovpn-dkms into
# $B/deb; dpkg-deb -I/-c show the right names, version (dkms.conf's),
# dependencies and files; the conffile and the maintainer scripts are
# the expected ones (units installed, not enabled; DKMS add/build/install
# of autovpn 0.1); the DKMS source is the tree's kernel/ and uapi/;
# lintian reports no error; the extracted programs run, are hardened
# (BIND_NOW, PIE) and their units pass systemd-analyze verify.
# (Installing into a clean Debian root and building the module there is
# `make check-deb-root`, tests/ops/deb_root.sh: slow, not in make check.)
set -u
. "$(dirname "$0")/lib.sh"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
MAKE=${MAKE:-make}
V=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
D=$B/deb

$MAKE --no-print-directory deb > "$W/deb.log" 2>&1
rc=$?
tail -n 5 "$W/deb.log"
check deb.make_deb test $rc = 0 || tail -n 40 "$W/deb.log"
A=$D/autovpn_${V}_$(dpkg --print-architecture).deb
K=$D/autovpn-dkms_${V}_all.deb
check deb.autovpn_built test -s "$A"
check deb.dkms_built test -s "$K"
[ -s "$A" ] && [ -s "$K" ] || exit 0

field() { dpkg-deb -f "$1" "$2"; }
check deb.autovpn.package test "$(field "$A" Package)" = autovpn
check deb.autovpn.version test "$(field "$A" Version)" = "$V"
for l in libsodium libnl-genl libnl-route libmicrohttpd libjson-c libinih; do
	check "deb.autovpn.depends.$l" grep -q "$l" <<< "$(field "$A" Depends)"
done
check deb.autovpn.no_dkms_dep test -z "$(field "$A" Depends | grep dkms)"
check deb.autovpn.recommends_dkms grep -q autovpn-dkms <<< "$(field "$A" Recommends)"
check deb.dkms.package test "$(field "$K" Package)" = autovpn-dkms
check deb.dkms.version test "$(field "$K" Version)" = "$V"
check deb.dkms.arch_all test "$(field "$K" Architecture)" = all
check deb.dkms.depends_dkms grep -q '^dkms' <<< "$(field "$K" Depends)"
dpkg-deb -I "$A" > "$W/a.info"
check deb.autovpn.info_lists_scripts grep -q 'postinst' "$W/a.info"

dpkg-deb -c "$A" | awk '{print $6}' | sed 's|^\./||' | grep -v '/$' | sort > "$W/a.list"
for f in usr/sbin/autovpn usr/sbin/autovpnd usr/sbin/autovpn-registry \
	usr/share/man/man8/autovpn.8.gz usr/share/man/man8/autovpnd.8.gz \
	usr/share/man/man8/autovpn-registry.8.gz usr/share/man/man5/autovpnd.conf.5.gz \
	usr/share/man/man5/autovpn-org.conf.5.gz lib/systemd/system/autovpnd.service \
	lib/systemd/system/autovpn-registry.service usr/share/bash-completion/completions/autovpn \
	usr/share/doc/autovpn/copyright usr/share/doc/autovpn/examples/org.conf \
	usr/share/doc/autovpn/examples/autovpnd.conf etc/default/autovpn-registry; do
	check "deb.autovpn.has.$f" grep -qx "$f" "$W/a.list"
done
check deb.autovpn.no_module_source test -z "$(grep '^usr/src' "$W/a.list")"
check deb.autovpn.no_private_keys test -z "$(grep '\.key$\|psk\.secret' "$W/a.list")"

dpkg-deb -c "$K" | awk '{print $6}' | sed 's|^\./||' | grep '^usr/src/' | grep -v '/$' |
	sort > "$W/k.list"
(echo "usr/src/autovpn-$V/dkms.conf"
	echo "usr/src/autovpn-$V/Kbuild"
	echo "usr/src/autovpn-$V/kernel/Kbuild"
	for f in kernel/*.[ch] uapi/linux/*.h; do
		case $f in *.mod.c) ;; *) echo "usr/src/autovpn-$V/$f" ;; esac
	done) | sort > "$W/k.want"
same deb.dkms.source_files "$W/k.want" "$W/k.list"
mkdir -p "$W/k"
dpkg-deb -x "$K" "$W/k"
check deb.dkms.conf_is_upstream cmp dkms.conf "$W/k/usr/src/autovpn-$V/dkms.conf"
check deb.dkms.sources_identical diff -r kernel/main.c "$W/k/usr/src/autovpn-$V/kernel/main.c"

# Maintainer scripts.
dpkg-deb -e "$A" "$W/a.ctl"
dpkg-deb -e "$K" "$W/k.ctl"
check deb.autovpn.conffile grep -qx /etc/default/autovpn-registry "$W/a.ctl/conffiles"
# dh_installsystemd --no-enable: every enable is under "if it was enabled".
n_enable=$(grep -c 'deb-systemd-helper enable' "$W/a.ctl/postinst")
n_guarded=$(grep -B2 'deb-systemd-helper enable' "$W/a.ctl/postinst" | grep -c 'was-enabled')
check deb.autovpn.units_not_enabled_on_install test "$n_enable" = 2 -a "$n_guarded" = 2
check deb.autovpn.units_enabled_only_if_were grep -q "was-enabled 'autovpnd.service'" "$W/a.ctl/postinst"
check deb.dkms.postinst_runs_dkms grep -q '/usr/lib/dkms/common.postinst' "$W/k.ctl/postinst"
check deb.dkms.postinst_names grep -qx "DKMS_NAME=autovpn" "$W/k.ctl/postinst"
check deb.dkms.postinst_version grep -qx "DKMS_VERSION=$V" "$W/k.ctl/postinst"
check deb.dkms.prerm_removes grep -q 'dkms remove' "$W/k.ctl/prerm"

# lintian: errors fail, warnings are printed.
lintian --no-cfg "$A" "$K" 2>&1 | grep -v 'root privileges is not recommended' > "$W/lintian"
cat "$W/lintian"
echo "lintian: $(grep -c '^E:' "$W/lintian") errors, $(grep -c '^W:' "$W/lintian") warnings"
check deb.lintian_ran test -n "$(command -v lintian)"
check deb.lintian_no_errors test -z "$(grep '^E:' "$W/lintian")"

# The programs as packaged.
X=$W/x
mkdir -p "$X"
dpkg-deb -x "$A" "$X"
for p in autovpn autovpnd autovpn-registry; do
	"$X/usr/sbin/$p" --help > /dev/null 2>&1
	check "deb.$p.runs" test $? = 0
	check "deb.$p.bind_now" grep -q BIND_NOW <<< "$(readelf -d "$X/usr/sbin/$p")"
	check "deb.$p.pie" grep -q 'DYN' <<< "$(readelf -h "$X/usr/sbin/$p")"
done
for u in autovpnd autovpn-registry; do
	sed "s|/usr/sbin/|$X/usr/sbin/|g" "$X/lib/systemd/system/$u.service" > "$W/$u.service"
	out=$(MANPATH=$X/usr/share/man systemd-analyze verify "$W/$u.service" 2>&1)
	check "deb.$u.unit_verify" test $? = 0 -a -z "$out" || echo "$out"
	check "deb.$u.unit_execstart" grep -q "^ExecStart=/usr/sbin/$u " "$X/lib/systemd/system/$u.service"
done
