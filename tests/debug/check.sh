#!/bin/bash
# make check-debug: the VM scenarios under the debug kernel (KASAN, lockdep,
# PROVE_RCU, kmemleak, UBSAN, DEBUG_LIST, fault injection; see debug.config).
#
# usage: tests/debug/check.sh [-o RESULT_FILE] [-t SECS] [-j VMS] [-e NAME=VALUE]... [SCENARIO...]
#   default SCENARIOs: every tests/net/*.sh and tests/debug/net/*.sh
#   (the latter need the debug kernel: fault injection)
#   -j VMS: boot that many VMs at once, each with its share of the
#   scenarios (tests/vm/run.sh -j)
#
# Steps: tests/debug/kernel.sh builds the kernel or finds it in its cache;
# autovpn.ko is built against it from a copy of kernel/ and uapi/ in
# build/debug/module (the tree's own kernel/ keeps the stock kernel's
# objects); tests/vm/run.sh -K boots it and runs the scenarios, with a
# kmemleak scan after each. Exit status 0 iff everything passed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"
runargs=()
while getopts o:t:e:j: opt; do
	case $opt in
	o | t | e | j) runargs+=("-$opt" "$OPTARG") ;;
	*) sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# = 0 ]; then
	set -- $(ls tests/net/*.sh tests/debug/net/*.sh | grep -v '/lib\.sh$')
fi

t0=$SECONDS
kdir=$(tests/debug/kernel.sh)
kver=$(cat "$kdir/kernel.release")
echo "check-debug: kernel $kver from $kdir (built in $(cat "$kdir/build-seconds") s)"

# The module, built against the debug kernel from a clean copy of its sources.
mod=$top/build/debug/module
rm -rf "$mod"
mkdir -p "$mod"
cp -r kernel uapi "$mod/"
find "$mod" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
	-o -name '.*.cmd' -o -name modules.order -o -name Module.symvers \) -delete
if ! make -C "$kdir/build" M="$mod/kernel" -j2 modules >"$mod/build.log" 2>&1; then
	cat "$mod/build.log" >&2
	echo "check-debug: building autovpn.ko against $kver failed" >&2
	exit 1
fi
echo "check-debug: autovpn.ko built ($((SECONDS - t0)) s so far)"

rc=0
tests/vm/run.sh -K "$kdir" -k "$mod/kernel/autovpn.ko" "${runargs[@]}" "$@" || rc=$?
echo "check-debug: done in $((SECONDS - t0)) s"
exit $rc
