#!/bin/sh
# Builds the harness initramfs: busybox-static, the modules needed to reach
# the 9p root (uncompressed copies, in load order), and tests/vm/init.
# usage: mkinitramfs.sh KVER OUTPUT.cpio.gz [MODDIR]
#   MODDIR: the kernel's module tree (default /lib/modules/KVER; the debug
#   kernel's lives in its cache directory, tests/debug/kernel.sh)
set -eu
kver=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
mods=${3:-/lib/modules/$kver}
# Load order matters (busybox insmod does not resolve dependencies).
order="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
	9pnet 9pnet_virtio netfs fscache 9p overlay"

tmp=$(mktemp -d "${out}.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root/bin" "$tmp/root/modules"
cp /bin/busybox "$tmp/root/bin/busybox"
cp "$here/init" "$tmp/root/init"
chmod 755 "$tmp/root/init"
: >"$tmp/root/modules.order"
for m in $order; do
	if grep -q "/$m\.ko" "$mods/modules.builtin" 2>/dev/null; then
		continue # built into this kernel: nothing to load
	fi
	f=$(find "$mods/kernel" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" \
		-o -name "$m.ko.gz" | head -n 1)
	if [ -z "$f" ] && grep -q '/9p\.ko$' "$mods/modules.builtin" 2>/dev/null; then
		continue # 9p built in (the debug kernel): netfs/fscache are not needed
	fi
	[ -n "$f" ] || { echo "mkinitramfs: module $m not found in $mods" >&2; exit 1; }
	case $f in
	*.xz) xz -dc "$f" >"$tmp/root/modules/$m.ko" ;;
	*.zst) zstd -dcq "$f" >"$tmp/root/modules/$m.ko" ;;
	*.gz) gzip -dc "$f" >"$tmp/root/modules/$m.ko" ;;
	*) cp "$f" "$tmp/root/modules/$m.ko" ;;
	esac
	echo "$m" >>"$tmp/root/modules.order"
done
(cd "$tmp/root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$tmp/initramfs"
mv -f "$tmp/initramfs" "$out" # atomic: concurrent runs may build the same file
