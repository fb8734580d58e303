#!/bin/bash
# make install DESTDIR=... into an empty directory: exactly the expected
# files (programs, man pages, units naming the installed programs,
# completion, docs, examples, the module source with dkms.conf for DKMS),
# with their modes; the installed programs run; then make uninstall leaves
# no file behind. Once with PREFIX=/usr (the packages' layout), once with
# the default /usr/local.
set -u
. "$(dirname "$0")/lib.sh"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
MAKE=${MAKE:-make}
VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
check install.version_known test -n "$VERSION"

expected() { # PREFIX
	local p=${1#/}
	cat <<EOT
$p/sbin/autovpn 755
$p/sbin/autovpnd 755
$p/sbin/autovpn-registry 755
$p/share/man/man8/autovpn.8 644
$p/share/man/man8/autovpnd.8 644
$p/share/man/man8/autovpn-registry.8 644
$p/share/man/man5/autovpnd.conf.5 644
$p/share/man/man5/autovpn-org.conf.5 644
$p/lib/systemd/system/autovpnd.service 644
$p/lib/systemd/system/autovpn-registry.service 644
$p/share/bash-completion/completions/autovpn 644
$p/share/doc/autovpn/README.md 644
$p/share/doc/autovpn/architecture.md 644
$p/share/doc/autovpn/configuration.md 644
$p/share/doc/autovpn/protocol.md 644
$p/share/doc/autovpn/tools.md 644
$p/share/doc/autovpn/examples/org.conf 644
$p/share/doc/autovpn/examples/autovpnd.conf 644
$p/share/doc/autovpn/examples/autovpn-registry.default 644
usr/src/autovpn-$VERSION/dkms.conf 644
usr/src/autovpn-$VERSION/Kbuild 644
usr/src/autovpn-$VERSION/kernel/Kbuild 644
usr/src/autovpn-$VERSION/uapi/linux/autovpn.h 644
EOT
	for f in kernel/*.[ch]; do
		case $f in *.mod.c) continue ;; esac
		echo "usr/src/autovpn-$VERSION/$f 644"
	done
}

for prefix in /usr /usr/local; do
	t=${prefix//\//_}
	D=$W/root$t
	mkdir -p "$D"
	if [ $prefix = /usr/local ]; then args=; else args="PREFIX=$prefix"; fi
	$MAKE --no-print-directory -s install DESTDIR="$D" $args > "$W/install$t.log" 2>&1
	check "install$t.make_install" test $? = 0 || cat "$W/install$t.log"
	(cd "$D" && find . -type f -o -type l | sed 's|^\./||' | while read -r f; do
		echo "$f $(stat -c %a "$f")"; done | sort) > "$W/got$t"
	expected $prefix | sort > "$W/want$t"
	same "install$t.file_list_and_modes" "$W/want$t" "$W/got$t"
	check "install$t.no_build_objects" test -z "$(cd "$D" && find . -name '*.o' -o -name '*.ko' -o -name '*.cmd')"
	u=$D$prefix/lib/systemd/system
	check "install$t.unit_names_installed_daemon" \
		grep -qx "ExecStart=$prefix/sbin/autovpnd -c /etc/autovpn/autovpnd.conf" "$u/autovpnd.service"
	check "install$t.unit_names_installed_registry" \
		grep -q "^ExecStart=$prefix/sbin/autovpn-registry " "$u/autovpn-registry.service"
	for p in autovpn autovpnd autovpn-registry; do
		"$D$prefix/sbin/$p" --help > /dev/null 2>&1
		check "install$t.$p.runs" test $? = 0
	done
	check "install$t.dkms_conf_version" \
		grep -qx "PACKAGE_VERSION=\"$VERSION\"" "$D/usr/src/autovpn-$VERSION/dkms.conf"
	check "install$t.man_found" test -n "$(MANPATH=$D$prefix/share/man man -w autovpnd.conf 2> /dev/null)"

	$MAKE --no-print-directory -s uninstall DESTDIR="$D" $args > "$W/uninstall$t.log" 2>&1
	check "install$t.make_uninstall" test $? = 0
	left=$(cd "$D" && find . -type f -o -type l)
	check "install$t.uninstall_leaves_no_file" test -z "$left"
	check "install$t.uninstall_removes_own_dirs" \
		test ! -e "$D$prefix/share/doc/autovpn" -a ! -e "$D/usr/src/autovpn-$VERSION"
done
