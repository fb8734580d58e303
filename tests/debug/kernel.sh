#!/bin/bash
# Builds the debug kernel of `make check-debug` once per machine and prints
# the directory that holds it. The kernel is Debian's linux-source-6.1
# (make deps-debug: tests/deps.sh --debug) configured with
# `make allnoconfig` + tests/debug/debug.config: KASAN, lockdep + PROVE_RCU,
# kmemleak, UBSAN, DEBUG_LIST, fault injection, and everything the VM harness
# and the scenarios use, built in. tests/debug/patches/*.patch are applied
# to the source first (patch -p1, in name order): fixes of the kernel's own
# debug annotations that would otherwise report on every run (each patch
# says why).
#
# usage: tests/debug/kernel.sh [-n] [-q]
#   -n  do not build: print the directory if the kernel is there, else fail
#   -q  no progress messages (stderr)
#
# Cache: $AVPN_DEBUG_KCACHE, default /var/cache/autovpn-debug-kernel when it
# can be created and written, else build/debug-kernel in the repository. One
# directory per key, a hash of debug.config, the source package's version,
# the compiler and RECIPE below, so fresh clones on the same machine reuse the
# build and any change of those builds a new one. The directory holds:
#   build/    the O= object tree (external modules build against it: make -C
#             DIR/build M=...)
#   vmlinux   the uncompressed ELF kernel (qemu boots it through PVH)
#   bzImage   the same for firmware boot (AVPN_VM_LITERAL=1)
#   kernel.release, config
#   mods/lib/modules/KVER/   modules.builtin & co (what modprobe needs to know
#             that a module is built in) and the few real modules (tcrypt)
#   build.log, build-seconds, done
# Concurrent callers wait for each other (flock). JOBS sets make -j (default
# 2: the machines are shared).
set -euo pipefail
# The whole script is one block, parsed before it runs: editing this file
# while a build is going on cannot break that build.
{

# Bump when the build steps below change what ends up in the directory.
RECIPE=1

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
frag=$here/debug.config
patches=("$here"/patches/*.patch)
[ -e "${patches[0]}" ] || patches=()
tarball=/usr/src/linux-source-6.1.tar.xz
jobs=${JOBS:-2}
nobuild=0
quiet=0
while getopts nq opt; do
	case $opt in
	n) nobuild=1 ;;
	q) quiet=1 ;;
	*) sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done

say() { [ $quiet = 1 ] || echo "debug-kernel: $*" >&2; }
die() { echo "debug-kernel: $*" >&2; exit 1; }

[ -r "$tarball" ] || die "$tarball missing: make deps-debug (tests/deps.sh --debug)"
srcver=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null ||
	stat -c '%s-%Y' "$tarball")

cache=${AVPN_DEBUG_KCACHE:-}
if [ -z "$cache" ]; then
	cache=/var/cache/autovpn-debug-kernel
	if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
		cache=$top/build/debug-kernel
	fi
fi
mkdir -p "$cache"
phash=$(cat /dev/null "${patches[@]}" | sha256sum | cut -c1-8)
key=$( {
	echo "recipe $RECIPE"
	echo "source $srcver"
	echo "patches $phash"
	${CC:-gcc} --version | head -n 1
	grep -v '^#' "$frag" | grep .
} | sha256sum | cut -c1-16)
dir=$cache/6.1-$key

# Builds and source trees unused for 30 days go (each is 0.6-1.5 GB).
find "$cache" -mindepth 1 -maxdepth 1 -type d \( -name '6.1-*' -o -name 'src-*' \) \
	-mtime +30 ! -path "$dir" -exec rm -rf {} + 2>/dev/null || true

if [ -e "$dir/done" ]; then
	touch "$dir" "$cache/src-$srcver-$phash" 2>/dev/null || true
	echo "$dir"
	exit 0
fi
[ $nobuild = 0 ] || die "no debug kernel built yet for this config (key $key)"

exec 7>"$cache/.lock-$key"
if ! flock -n 7; then
	say "another build of $key is running; waiting for it"
	flock 7
fi
if [ -e "$dir/done" ]; then
	echo "$dir"
	exit 0
fi

# One extracted (and patched) source tree per source version and patch set,
# shared by all keys.
src=$cache/src-$srcver-$phash
if [ ! -e "$src/.extracted" ]; then
	exec 6>"$cache/.lock-src-$srcver-$phash"
	flock 6
	if [ ! -e "$src/.extracted" ]; then
		say "extracting $tarball"
		rm -rf "$src"
		mkdir -p "$src"
		tar -xf "$tarball" -C "$src" --strip-components=1
		for p in "${patches[@]}"; do
			say "applying ${p##*/}"
			patch -d "$src" -p1 --forward --quiet <"$p" || die "$p does not apply"
		done
		: >"$src/.extracted"
	fi
	flock -u 6
fi

rm -rf "$dir"
mkdir -p "$dir/build"
log=$dir/build.log
t0=$SECONDS
say "building the debug kernel in $dir (make -j$jobs, about 20-40 min; log: $log)"
kmake() { make -C "$src" O="$dir/build" -j"$jobs" "$@" >>"$log" 2>&1; }
kmake KCONFIG_ALLCONFIG="$frag" allnoconfig || { tail -n 30 "$log" >&2; die "configuring failed"; }

# Every line of debug.config must have survived Kconfig's dependency
# resolution: a silently dropped option is a checker that is not there.
bad=0
while IFS= read -r l; do
	case $l in
	CONFIG_*=n)
		s=${l%%=*}
		if grep -q "^$s=" "$dir/build/.config"; then
			echo "debug-kernel: wanted $l, got $(grep "^$s=" "$dir/build/.config")" >&2
			bad=1
		fi ;;
	CONFIG_*=*)
		if ! grep -qxF "$l" "$dir/build/.config"; then
			echo "debug-kernel: wanted $l, got '$(grep "^${l%%=*}=" "$dir/build/.config" || true)'" >&2
			bad=1
		fi ;;
	"# CONFIG_"*" is not set")
		s=${l#\# }
		s=${s%% *}
		if grep -q "^$s=" "$dir/build/.config"; then
			echo "debug-kernel: wanted $s unset, got $(grep "^$s=" "$dir/build/.config")" >&2
			bad=1
		fi ;;
	esac
done <"$frag"
[ $bad = 0 ] || die "tests/debug/debug.config asks for options Kconfig did not take (see above)"

# Progress on a terminal-less build: one line per minute with the last target.
(
	while sleep 60; do
		[ -e "$dir/done" ] && exit 0
		say "$(((SECONDS - t0) / 60)) min: $(grep -E '^  [A-Z]+' "$log" | tail -n 1 | sed 's/^ *//')"
	done
) &
ticker=$!
trap 'kill $ticker 2>/dev/null' EXIT
[ $quiet = 1 ] && kill $ticker 2>/dev/null
if ! kmake all; then
	grep -E 'error|Error' "$log" | head -n 20 >&2
	tail -n 20 "$log" >&2
	die "kernel build failed (log: $log)"
fi
kmake INSTALL_MOD_PATH="$dir/mods" modules_install || { tail -n 20 "$log" >&2; die "modules_install failed"; }
kver=$(cat "$dir/build/include/config/kernel.release")
cp "$dir/build/vmlinux" "$dir/vmlinux"
cp "$dir/build/arch/x86/boot/bzImage" "$dir/bzImage"
cp "$dir/build/.config" "$dir/config"
echo "$kver" >"$dir/kernel.release"
echo $((SECONDS - t0)) >"$dir/build-seconds"
: >"$dir/done"
say "built $kver in $(((SECONDS - t0) / 60)) min $(((SECONDS - t0) % 60)) s"
echo "$dir"
exit 0
}
