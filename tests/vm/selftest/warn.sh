#!/bin/bash
# Harness self-test: exits 0 but provokes a kernel WARNING; the harness must
# classify it FAIL from the kernel log, even though the scenario clears the
# log. The module is built by tests/vm/build.mk into build/vm/warnmod/.
set -e
ko=$AVPN_BIN/vm/warnmod/avpn_vm_warn.ko
[ -f "$ko" ] || { echo "missing $ko (make check-vm-selftest builds it)"; exit 0; }
insmod "$ko" mode="${1:-warn}" || true # always fails with EAGAIN, by design
# Clearing the log must not hide the warning from the harness.
dmesg -C
echo "warning provoked"
