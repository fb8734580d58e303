#!/bin/bash
# The packages on a clean Debian 12 root (make check-deb-root; slow, needs
# root and the configured apt mirror, so not part of make check):
# debootstrap a minbase bookworm root (cached in $B/debroot/base.tar.gz
# with dkms, the Debian 6.1 kernel headers and systemd added), install
# build/deb's autovpn and autovpn-dkms into it with apt-get, and check
# that DKMS built and installed autovpn.ko for the 6.1 kernel (dkms
# status, modinfo: license, vermagic, the netlink aliases), that the
# programs run and that the units pass systemd-analyze verify there.
set -u
. "$(dirname "$0")/lib.sh"
V=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
ARCH=$(dpkg --print-architecture)
MIRROR=${MIRROR:-$(sed -n 's/^URIs: *\([^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
C=$PWD/$B/debroot
R=$C/root
BASE=$C/base.tar.gz

umount_all() {
	for m in proc sys dev; do
		mountpoint -q "$R/$m" 2> /dev/null && umount "$R/$m"
	done
}
# Nothing of the host may be mounted under the root when it is removed.
mounted_under_root() { awk -v r="$R/" 'index($2 "/", r) == 1' /proc/mounts | grep -q .; }
remove_root() {
	umount_all
	if mounted_under_root; then
		fail deb_root.unmounted "still mounted under $R: not removed"
		return 1
	fi
	rm -rf "$R"
}
cleanup() { remove_root; }
trap cleanup EXIT
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }
mount_all() {
	mount -t proc proc "$R/proc"
	mount --bind /dev "$R/dev"
	mount -t sysfs sys "$R/sys"
	cp /etc/resolv.conf "$R/etc/resolv.conf" 2> /dev/null
}

check deb_root.is_root test "$(id -u)" = 0
check deb_root.debs_built test -s "$B/deb/autovpn_${V}_$ARCH.deb" -a -s "$B/deb/autovpn-dkms_${V}_all.deb"
mkdir -p "$C"
remove_root || exit 0
if [ ! -s "$BASE" ]; then
	echo "debootstrap bookworm from $MIRROR (once; cached in $BASE)"
	debootstrap --variant=minbase bookworm "$R" "$MIRROR" > "$C/debootstrap.log" 2>&1
	check deb_root.debootstrap test $? = 0 || { tail -n 20 "$C/debootstrap.log"; exit 0; }
	cp /etc/apt/sources.list.d/debian.sources "$R/etc/apt/sources.list.d/" 2> /dev/null &&
		rm -f "$R/etc/apt/sources.list"
	mount_all
	# What a gateway has before our packages: the kernel's headers (the
	# default 6.1 kernel), DKMS and systemd.
	in_root apt-get update -q > "$C/base.log" 2>&1
	in_root apt-get install -y -q --no-install-recommends linux-headers-amd64 dkms systemd \
		kmod >> "$C/base.log" 2>&1
	rc=$?
	check deb_root.base_packages test $rc = 0 || { tail -n 20 "$C/base.log"; exit 0; }
	in_root apt-get clean
	umount_all
	tar -C "$R" -czf "$BASE.tmp" . && mv "$BASE.tmp" "$BASE"
	remove_root || exit 0
fi
mkdir -p "$R"
tar -C "$R" -xzf "$BASE"
check deb_root.base_unpacked test -x "$R/usr/sbin/dkms"
mount_all
KV=$(ls "$R/lib/modules" | sort -V | grep '^6\.1\.' | tail -n 1)
echo "kernel headers in the root: $(ls "$R/lib/modules" | tr '\n' ' ')"
check deb_root.has_6_1_headers test -n "$KV" -a -e "$R/lib/modules/$KV/build/Makefile"
check deb_root.no_autovpn_before test -z "$(in_root dpkg-query -W 'autovpn*' 2> /dev/null)"

cp "$B/deb/autovpn_${V}_$ARCH.deb" "$B/deb/autovpn-dkms_${V}_all.deb" "$R/tmp/"
in_root apt-get install -y -q --no-install-recommends "/tmp/autovpn_${V}_$ARCH.deb" \
	"/tmp/autovpn-dkms_${V}_all.deb" > "$C/install.log" 2>&1
rc=$?
grep -iE 'dkms|autovpn|error' "$C/install.log" | tail -n 30
check deb_root.apt_install test $rc = 0
check deb_root.installed test "$(in_root dpkg-query -W -f='${Status}' autovpn autovpn-dkms)" = \
	"install ok installedinstall ok installed"

# The postinst builds for the running kernel, which in a chroot is the
# host's; build for the root's own 6.1 kernel as its kernel postinst hook
# would (dkms autoinstall), then check it.
in_root dkms autoinstall -k "$KV" > "$C/dkms.log" 2>&1
tail -n 5 "$C/dkms.log"
st=$(in_root dkms status autovpn)
echo "dkms status: $st"
check deb_root.dkms_installed grep -q "autovpn/$V, $KV, .*: installed" <<< "$st"
ko=$(ls "$R/lib/modules/$KV/updates/dkms/"autovpn.ko* 2> /dev/null | head -n 1)
check deb_root.module_file test -n "$ko"
mi=$(in_root modinfo -k "$KV" autovpn 2>&1)
echo "$mi" | grep -E '^(filename|version|license|vermagic|alias|srcversion):'
check deb_root.modinfo_license grep -qE '^license: +GPL' <<< "$mi"
check deb_root.modinfo_vermagic grep -qE "^vermagic: +$KV " <<< "$mi"
check deb_root.modinfo_alias_link grep -q 'rtnl-link-autovpn' <<< "$mi"
check deb_root.modinfo_alias_genl grep -q 'net-pf-16-proto-16-family-autovpn' <<< "$mi"
# modinfo's version (MODULE_VERSION, as dkms.conf's PACKAGE_VERSION).
if grep -qE '^version: +0\.1$' <<< "$mi"; then pass deb_root.modinfo_version; else
	fail deb_root.modinfo_version "modinfo shows no version 0.1"; fi

for p in autovpn autovpnd autovpn-registry; do
	in_root "/usr/sbin/$p" --help > /dev/null 2>&1
	check "deb_root.$p.runs" test $? = 0
done
check deb_root.man_page test -n "$(in_root ls /usr/share/man/man8/autovpnd.8.gz)"
out=$(in_root systemd-analyze verify --man=no /lib/systemd/system/autovpnd.service \
	/lib/systemd/system/autovpn-registry.service 2>&1)
echo "$out"
check deb_root.units_verify test $? = 0 -a -z "$out"
check deb_root.units_not_enabled test ! -e "$R/etc/systemd/system/multi-user.target.wants/autovpnd.service"

# Removal takes the module out of DKMS again.
in_root apt-get purge -y -q autovpn autovpn-dkms > "$C/purge.log" 2>&1
check deb_root.purge test $? = 0
check deb_root.purge_removes_module test -z "$(ls "$R/lib/modules/$KV/updates/dkms/"autovpn.ko* 2> /dev/null)"
check deb_root.purge_removes_source test ! -e "$R/usr/src/autovpn-$V"
