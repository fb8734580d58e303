#!/bin/sh
# Extracts the uncompressed vmlinux (ELF) from a bzImage. qemu boots such an
# ELF directly through its PVH entry point, which under TCG saves the ~5 s the
# kernel spends decompressing itself. Fails if the result is not a PVH ELF;
# run.sh then boots the bzImage as is.
# usage: vmlinux.sh VMLINUZ OUTPUT
set -eu
in=$1 out=$2
tmp=$(mktemp "$out.tmp.XXXXXX")
trap 'rm -f "$tmp"' EXIT
try() { # try MAGIC DECOMPRESSOR...
	magic=$1; shift
	for off in $(LC_ALL=C grep -obUaP "$magic" "$in" | cut -d: -f1 | head -n 4); do
		if tail -c +$((off + 1)) "$in" | "$@" >"$tmp" 2>/dev/null ||
			[ -s "$tmp" ]; then
			# A trailing-garbage error still leaves a complete image.
			if [ "$(head -c 4 "$tmp" | od -An -c | tr -d ' ')" = '177ELF' ] &&
				readelf -n "$tmp" 2>/dev/null | grep -q 'Unknown note type: (0x00000012)'; then
				mv -f "$tmp" "$out"
				return 0
			fi
		fi
	done
	return 1
}
try '\xfd7zXZ\x00' xz -dc --single-stream ||
	try '\x28\xb5\x2f\xfd' zstd -dcq ||
	try '\x1f\x8b\x08' gzip -dc || {
	echo "vmlinux.sh: no PVH-bootable vmlinux inside $in" >&2
	exit 1
}
