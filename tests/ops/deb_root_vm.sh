#!/bin/bash
# vm-timeout: 480
# A tests/vm scenario that deb_root.sh runs (make check-deb-root): the
# clean Debian 12 root with the packages installed ($AVPN_DEBROOT, the host's
# path, which the VM sees with a tmpfs overlay on top, so the container's
# writes stay in the VM) booted with systemd-nspawn inside the VM, where
# the module can load: autovpnd.service under a real systemd with the
# autovpn.ko that DKMS built in that root, loaded by the kernel on the
# daemon's first request. The root's oneshot unit (deb_root.sh writes it)
# runs the checks and powers the container off; its RESULT lines are
# printed here with the prefix deb_root.vm.
set -u
. "$AVPN_TOP/tests/ops/lib.sh"
R=${AVPN_DEBROOT:?AVPN_DEBROOT: the root to boot}
P=deb_root.vm
dk=$(ls "$R/lib/modules/$(uname -r)/updates/dkms/"autovpn.ko* 2> /dev/null | head -n 1)

# DKMS built the module for the root's kernel headers; the VM boots the
# kernel they belong to, so it is that module that loads here.
check $P.kernel_has_headers_in_root test -e "$R/lib/modules/$(uname -r)/build/Makefile"
check $P.dkms_module_for_this_kernel test -n "$dk"
# Nothing loads the module beforehand: the unit's comment says the kernel
# autoloads it for autovpnd's first request (its genl family's alias), which
# ProtectKernelModules allows. The kernel runs its modprobe in the VM,
# whose module tree is the host's: point it at the root's, where DKMS
# installed autovpn.ko and depmod listed its aliases. What autovpn.ko
# links against comes with a gateway's kernel package, which the root
# lacks (it has only the headers): loaded from the VM's tree.
for d in $(modinfo -F depends "$dk" | tr ',' ' '); do
	modprobe -q "$d"
done
check $P.module_not_loaded_before test ! -e /sys/module/autovpn
mp=$(cat /proc/sys/kernel/modprobe)
cat > "$AVPN_OUT/modprobe" << EOT
#!/bin/sh
echo "\$*" >> "$AVPN_OUT/modprobe.log"
exec $mp -d "$R" "\$@"
EOT
chmod 755 "$AVPN_OUT/modprobe"
echo "$AVPN_OUT/modprobe" > /proc/sys/kernel/modprobe

# --register=no --keep-unit: no systemd (machined, a scope) in the VM;
# the container gets a cgroup below ours on the VM's cgroup2.
rm -f "$R/root/gw.out"
t0=$SECONDS
timeout -k 30 360 systemd-nspawn -q --register=no --keep-unit --private-network -D "$R" -b \
	> "$AVPN_OUT/nspawn.log" 2>&1 < /dev/null
rc=$?
echo "container ran $((SECONDS - t0)) s, exit status $rc"
# The container powers itself off when the check unit ends: a timeout is a hang.
check $P.container_powered_off test $rc != 124 -a $rc != 137
cp "$R/root/gw.out" "$AVPN_OUT/" 2> /dev/null
echo "$mp" > /proc/sys/kernel/modprobe
echo "the kernel's modprobe calls: $(tr '\n' ';' < "$AVPN_OUT/modprobe.log" 2> /dev/null)"
check $P.module_autoloaded grep -q '^autovpn ' /proc/modules
check $P.module_autoloaded_by_genl_alias grep -q 'net-pf-16-proto-16-family-autovpn' "$AVPN_OUT/modprobe.log"
sv=$(modinfo -F srcversion "$dk" 2> /dev/null)
if [ -n "$sv" ] && [ "$(cat /sys/module/autovpn/srcversion 2> /dev/null)" = "$sv" ]; then
	pass $P.module_is_dkms_built
else
	fail $P.module_is_dkms_built "srcversion $(cat /sys/module/autovpn/srcversion 2> /dev/null), $dk has '$sv'"
fi
unit_results $P "$R/root/gw.out" "$R/root/gw.sh"
if grep -q '^RESULT FAIL' "$R/root/gw.out" || [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "---- the container's console (nspawn.log, last 60 lines) ----"
	tail -n 60 "$AVPN_OUT/nspawn.log"
fi
[ $fails = 0 ] && ! grep -q '^RESULT FAIL' "$R/root/gw.out"
