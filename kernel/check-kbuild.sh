#!/bin/sh
# check-kbuild.sh OUTDIR RESULTFILE: builds autovpn.ko, from a copy of
# kernel/ and uapi/, against every kernel header tree installed on this
# machine (/lib/modules/*/build and /usr/src/linux-headers-*, those with a
# Module.symvers, i.e. buildable; the same tree once), twice: a clean build
# and a rebuild after touching a source, because the object list must not
# pick up files the first build generated (autovpn.mod.c). Per tree:
#   PASS|FAIL kbuild-VERSION             the build succeeds without a warning
#                                        (kernel/Kbuild also has -Werror)
#   PASS|FAIL kbuild-VERSION-rebuild     so does the rebuild, and modinfo
#                                        shows one vermagic (the kernel's)
# Logs: OUTDIR/VERSION/build.log. Exit status 0 iff all passed.
set -u
out=$1
res=$2
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=${KBUILD_JOBS:-2}
rc=0
: >"$res"

result() { # PASS|FAIL NAME [WHY]
	echo "$1 $2" >>"$res"
	echo "$1 $2${3:+ ($3)}"
	[ "$1" = PASS ] || rc=1
}

# build DIR TREE LOG: one Kbuild run; fails on an error or any warning.
build() {
	make -C "$2" M="$1" -j"$jobs" modules >"$3" 2>&1 || return 1
	! grep -q 'warning:' "$3"
}

trees=
for d in /lib/modules/*/build /usr/src/linux-headers-*; do
	[ -f "$d/Module.symvers" ] && [ -f "$d/Makefile" ] || continue
	r=$(readlink -f "$d")
	case " $trees " in *" $r "*) continue ;; esac
	trees="$trees $r"
done
if [ -z "$trees" ]; then
	result FAIL kbuild-no-headers "no kernel header tree installed (make deps)"
	exit 1
fi

for tree in $trees; do
	ver=$(sed -n 's/.*UTS_RELEASE "\(.*\)".*/\1/p' "$tree/include/generated/utsrelease.h" \
		2>/dev/null)
	[ -n "$ver" ] || ver=$(basename "$tree" | sed 's/^linux-headers-//')
	w=$out/$ver
	rm -rf "$w"
	mkdir -p "$w/kernel" "$w/uapi"
	cp "$top"/kernel/Kbuild "$top"/kernel/*.[ch] "$w/kernel/"
	cp -r "$top"/uapi/. "$w/uapi/"
	if build "$w/kernel" "$tree" "$w/build.log"; then
		result PASS "kbuild-$ver"
	else
		result FAIL "kbuild-$ver" "$(grep -m1 -E 'error|warning' "$w/build.log")"
		continue
	fi
	touch "$w/kernel/main.c"
	if ! build "$w/kernel" "$tree" "$w/rebuild.log"; then
		result FAIL "kbuild-$ver-rebuild" "$(grep -m1 -E 'error|warning' "$w/rebuild.log")"
		continue
	fi
	n=$(modinfo -F vermagic "$w/kernel/autovpn.ko" | wc -l)
	if [ "$n" = 1 ]; then
		result PASS "kbuild-$ver-rebuild"
	else
		result FAIL "kbuild-$ver-rebuild" "modinfo shows vermagic $n times"
	fi
	# The version packages promise (dkms.conf's PACKAGE_VERSION).
	want=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
	got=$(modinfo -F version "$w/kernel/autovpn.ko")
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		result PASS "kbuild-$ver-version"
	else
		result FAIL "kbuild-$ver-version" "modinfo version '$got', dkms.conf '$want'"
	fi
done
exit $rc
