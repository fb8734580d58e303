#!/bin/bash
# The packages on a clean Debian 12 root (make check-deb-root; slow, needs
# root and the configured apt mirror, so not part of make check):
# debootstrap a minbase bookworm root (cached in $B/debroot/base.tar.gz
# with dkms, the Debian 6.1 kernel headers and systemd added), install
# build/deb's autovpn and autovpn-dkms into it with apt-get, and check
# that DKMS built and installed autovpn.ko for the 6.1 kernel (dkms
# status, modinfo: license, vermagic, the netlink aliases), that the
# programs run and that the units pass systemd-analyze verify there; then
# boot the root (systemd-nspawn) and run the registry's unit under systemd,
# and boot it again inside the QEMU VM (tests/vm/, the kernel the root's
# headers are for) to run autovpnd's unit with the module DKMS built.
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
rc=$?
echo "$out"
check deb_root.units_verify test $rc = 0 -a -z "$out"
check deb_root.units_not_enabled test ! -e "$R/etc/systemd/system/multi-user.target.wants/autovpnd.service"

# The registry's unit under a real systemd: the root booted in a container
# (systemd-nspawn, its own network namespace with only lo), where a
# oneshot unit of ours starts, probes, reloads and stops the registry as an
# operator would, then powers the container off. autovpnd's unit needs the
# module loaded, which this host's kernel cannot do: in the VM, below.
umount_all
mkdir -p "$R/etc/autovpn" "$R/root"
in_root sh -c 'umask 077; autovpn genkey > /etc/autovpn/registry.key;
	autovpn genkey > /etc/autovpn/psk.secret; autovpn genkey | autovpn pubkey > /etc/autovpn/hub.pub'
cat > "$R/etc/autovpn/org.conf" << EOT
[organization]
name = CI
registry-private-key = registry.key
psk-secret-file = psk.secret
status-listen = 127.0.0.1:9390
[network "hub"]
public-key = $(cat "$R/etc/autovpn/hub.pub")
mode = hub
subnet = 10.255.0.0/24 yes
EOT
chmod 600 "$R/etc/autovpn/org.conf"
echo 'AUTOVPN_REGISTRY_OPTS="--id 1 -l 127.0.0.1:9350"' > "$R/etc/default/autovpn-registry"
# r NAME STATUS [DETAIL] for the container check scripts (lib.sh's
# unit_results reads what they print).
cat > "$R/root/check-lib.sh" << 'EOT'
r() { if [ "$2" = 0 ]; then echo "RESULT PASS $1"; else echo "RESULT FAIL $1${3:+ ($3)}"; fi; }
EOT
cat > "$R/root/units.sh" << 'EOT'
#!/bin/sh
# Runs in the booted container; RESULT lines go to /root/units.out.
. /root/check-lib.sh
# A listening socket on local port $1 (hex) in /proc/net/$2.
listens() { awk -v p=":$1" '$2 ~ p"$" { f = 1 } END { exit !f }' /proc/net/$2; }
systemctl start autovpn-registry.service; r registry_starts $?
sleep 2
systemctl is-active -q autovpn-registry.service; r registry_active $?
listens 2486 udp; r registry_udp_9350 $?
listens 24AE tcp; r registry_http_9390 $?
pid=$(systemctl show -P MainPID autovpn-registry.service)
cap=$(awk '/^CapEff/ { print $2 }' /proc/$pid/status)
[ "$cap" = 0000000000000000 ]; r registry_no_capabilities $? "CapEff $cap"
nnp=$(awk '/^NoNewPrivs/ { print $2 }' /proc/$pid/status)
[ "$nnp" = 1 ]; r registry_no_new_privs $?
systemctl reload autovpn-registry.service; r registry_reload $?
sleep 1
# The signal reached the running registry (not only the --check before it).
journalctl -q -o cat _PID=$pid --no-pager | grep -q 'SIGHUP: reloading'; r registry_reloaded_by_sighup $?
# A broken config: the reload fails visibly, the registry keeps running.
cp /etc/autovpn/org.conf /root/org.conf.good
echo 'mode = nonsense' >> /etc/autovpn/org.conf
systemctl reload autovpn-registry.service 2> /dev/null; [ $? != 0 ]; r registry_bad_reload_refused $?
systemctl is-active -q autovpn-registry.service; r registry_still_active $?
cp /root/org.conf.good /etc/autovpn/org.conf
systemctl stop autovpn-registry.service; r registry_stops $?
systemctl is-active -q autovpn-registry.service; [ $? != 0 ]; r registry_inactive $?
journalctl -q -u autovpn-registry.service --no-pager | tail -n 15
echo "UNITS DONE"
EOT
# check_unit NAME WHAT: the root boots into a oneshot unit avpn-NAME-check
# that runs /root/NAME.sh (output in /root/NAME.out) and then powers the
# container off, whatever the script's result.
check_unit() {
	chmod 755 "$R/root/$1.sh"
	cat > "$R/etc/systemd/system/avpn-$1-check.service" <<-EOT
		[Unit]
		Description=autovpn CI: $2
		SuccessAction=poweroff-force
		FailureAction=poweroff-force
		[Service]
		Type=oneshot
		ExecStart=/bin/sh -c '/root/$1.sh > /root/$1.out 2>&1'
	EOT
	mkdir -p "$R/etc/systemd/system/multi-user.target.wants"
	ln -sf "/etc/systemd/system/avpn-$1-check.service" "$R/etc/systemd/system/multi-user.target.wants/"
}
check_unit units "the units under systemd"
rm -f "$R/root/units.out"
timeout -k 30 180 systemd-nspawn -q --register=no --keep-unit --private-network -D "$R" -b \
	> "$C/nspawn.log" 2>&1 < /dev/null
rc=$?
# The container powers itself off when the check unit ends: a timeout is a hang.
check deb_root.systemd.container_powered_off test $rc != 124 -a $rc != 137
unit_results deb_root.systemd "$R/root/units.out" "$R/root/units.sh"
rm -f "$R/etc/systemd/system/multi-user.target.wants/avpn-units-check.service"

# autovpnd's unit under a real systemd with the module loaded: only a VM
# can load it, so tests/vm/run.sh boots one (the harness's kernel is the
# 6.1 one whose headers DKMS built for) and deb_root_vm.sh, a scenario in
# it, boots this root there with systemd-nspawn as above, where
# avpn-gw-check.service starts, probes, reloads and stops autovpnd as an
# operator would; the kernel loads the module DKMS built on the daemon's
# first request. The registry's unit runs next to it, with the gateway as
# the org config's network "hub", so the daemon registers over lo.
in_root sh -c 'umask 077; autovpn genkey > /etc/autovpn/private.key'
sed -i "s|^public-key = .*|public-key = $(in_root autovpn pubkey < "$R/etc/autovpn/private.key")|" \
	"$R/etc/autovpn/org.conf"
cat > "$R/etc/autovpn/autovpnd.conf" << EOT
[gateway]
name = hub
private-key = private.key
[registry]
address = 127.0.0.1:9350
public-key = $(in_root autovpn pubkey < "$R/etc/autovpn/registry.key")
[uplink "wan1"]
device = lo
EOT
chmod 600 "$R/etc/autovpn/autovpnd.conf"
cat > "$R/root/gw.sh" << 'EOT'
#!/bin/sh
# Runs in the container booted in the VM; RESULT lines go to /root/gw.out.
. /root/check-lib.sh
# until_ SECS CMD...: poll CMD until it succeeds, for at most SECS (TCG:
# never a fixed sleep; a journalctl alone can take a second there).
until_() {
	end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt $end ] || return 1
		sleep 0.2
	done
}
# The daemon (pid $1) logged $2.
logged() { journalctl -q -o cat _PID=$1 --no-pager | grep -q "$2"; }
conf=/etc/autovpn/autovpnd.conf
dev=/sys/class/net/av0
systemctl start autovpn-registry.service; r gw_registry_starts $?
systemctl start autovpnd.service; r gw_starts $?
pid=$(systemctl show -P MainPID autovpnd.service)
until_ 30 logged $pid 'running as av0 on wan1'; r gw_running $?
until_ 30 logged $pid 'registered with the registries (role hub)'; r gw_registered $?
systemctl is-active -q autovpnd.service; r gw_active $?
[ -d $dev ]; r gw_device $?
# The link kind's name is the device type's (SET_NETDEV_DEVTYPE).
grep -qx DEVTYPE=autovpn $dev/uevent; r gw_device_kind_autovpn $?
[ $(($(cat $dev/flags) & 1)) = 1 ]; r gw_device_up $?
autovpn show av0 > /root/show.out 2>&1; r gw_show_answers $? "$(head -c 200 /root/show.out)"
grep -q '^  registry 127.0.0.1:9350: connected' /root/show.out; r gw_show_registry_connected $?
# What a restart must keep (autovpnd(8), RESTART WITHOUT INTERRUPTION).
ifindex=$(cat $dev/ifindex)
port() { sed -n 's/^  uplink 0: [^ ]*:\([0-9]*\) .*/\1/p' "$1"; }
uport=$(port /root/show.out)
# CapabilityBoundingSet: CAP_NET_ADMIN (12) and CAP_NET_BIND_SERVICE (10).
cap=$(awk '/^CapEff/ { print $2 }' /proc/$pid/status)
[ "$cap" = 0000000000001400 ]; r gw_capabilities $? "CapEff $cap"
bnd=$(awk '/^CapBnd/ { print $2 }' /proc/$pid/status)
[ "$bnd" = 0000000000001400 ]; r gw_bounding_set $? "CapBnd $bnd"
nnp=$(awk '/^NoNewPrivs/ { print $2 }' /proc/$pid/status)
[ "$nnp" = 1 ]; r gw_no_new_privs $?
systemctl reload autovpnd.service; r gw_reload $?
# The signal reached the running daemon (not only the --check before it).
until_ 15 logged $pid 'reload: done'; r gw_reloaded_by_sighup $?
# A broken config: the reload fails visibly, the daemon keeps running.
cp $conf /root/autovpnd.conf.good
echo 'port = 70000' >> $conf
systemctl reload autovpnd.service 2> /dev/null; [ $? != 0 ]; r gw_bad_reload_refused $?
systemctl is-active -q autovpnd.service; r gw_still_active $?
[ "$(systemctl show -P MainPID autovpnd.service)" = $pid ]; r gw_same_process $?
cp /root/autovpnd.conf.good $conf
# on-exit = keep (the default): the device outlives the daemon.
systemctl stop autovpnd.service; r gw_stops $?
systemctl is-active -q autovpnd.service; [ $? != 0 ]; r gw_inactive $?
logged $pid 'av0 keeps forwarding'; r gw_stop_keeps_logged $?
[ -d $dev ]; r gw_stop_keeps_device $?
# A new start adopts it.
systemctl start autovpnd.service; r gw_restarts $?
pid=$(systemctl show -P MainPID autovpnd.service)
until_ 30 logged $pid 'running as av0 on wan1'; r gw_running_again $?
logged $pid 'av0 exists: adopting'; r gw_adopts_device $?
[ "$(cat $dev/ifindex)" = "$ifindex" ]; r gw_restart_same_device $?
autovpn show av0 > /root/show2.out 2>&1
[ -n "$uport" ] && [ "$(port /root/show2.out)" = "$uport" ]; r gw_restart_same_uplink_port $? \
	"$uport, then $(port /root/show2.out)"
# Restart=on-failure: a crash brings a new daemon, which adopts the device.
systemctl kill -s KILL autovpnd.service
newpid() {
	p=$(systemctl show -P MainPID autovpnd.service)
	[ "$p" != 0 ] && [ "$p" != "$pid" ] && logged "$p" 'running as av0 on wan1'
}
until_ 30 newpid; r gw_restarted_after_crash $?
pid=$(systemctl show -P MainPID autovpnd.service)
logged $pid 'av0 exists: adopting'; r gw_crash_restart_adopts $?
# A valid config whose uplink cannot be opened (no such device): the
# reload is refused by the daemon, which keeps its running uplink socket
# (registration, handshakes) instead of being left without one.
udp_fds() {
	n=0
	for i in $(ls -l /proc/$pid/fd | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p'); do
		awk -v i=$i '$10 == i { f = 1 } END { exit !f }' /proc/net/udp /proc/net/udp6 && n=$((n + 1))
	done
	echo $n
}
sed -i 's/^device = lo$/device = nosuch0/' $conf
systemctl reload autovpnd.service; r gw_reload_no_such_device $?
until_ 15 logged $pid 'reload: the uplinks could not be opened'; r gw_reload_uplink_refused $?
[ "$(udp_fds)" = 1 ]; r gw_keeps_uplink_socket $? "$(udp_fds) UDP sockets"
sed -i 's/^device = nosuch0$/device = lo/' $conf
# An uplink port below 1024 by reload: the uplinks reopen at once, which
# takes CAP_NET_BIND_SERVICE (kept in the bounding set for this).
sed -i 's/^device = lo$/&\nport = 500/' $conf
systemctl reload autovpnd.service; r gw_reload_low_port $?
until_ 15 logged $pid 'reload: done (uplinks reopened)'; r gw_reload_reopens_uplinks $?
autovpn show av0 > /root/show3.out 2>&1
[ "$(port /root/show3.out)" = 500 ]; r gw_uplink_low_port $? "port $(port /root/show3.out)"
# on-exit = remove, by reload: the stop removes the device.
sed -i 's/^\[gateway\]$/&\non-exit = remove/' $conf
systemctl reload autovpnd.service; r gw_reload_on_exit_remove $?
# The second "reload: done" of this daemon.
reloads() { [ "$(journalctl -q -o cat _PID=$pid --no-pager | grep -c 'reload: done')" -ge 2 ]; }
until_ 15 reloads; r gw_reloaded_again $?
systemctl stop autovpnd.service; r gw_stops_again $?
logged $pid 'removed av0'; r gw_stop_remove_logged $?
[ ! -e $dev ]; r gw_stop_removes_device $?
# Nothing of the sandbox got in the daemon's way (an EPERM, a read-only
# /proc/sys would be logged as errors). The daemon's own messages only:
# the broken config's come from the ExecReload check on stderr (info),
# and systemd's "Reload failed" was expected, as were nosuch0's.
journalctl -q -u autovpnd.service -t autovpnd -p warning --no-pager 2>&1 |
	grep -v -e nosuch0 -e 'reload: the uplinks could not be opened' > /root/warnings.out
[ ! -s /root/warnings.out ]; r gw_no_warnings_logged $? "$(head -c 300 /root/warnings.out)"
cat /root/show.out
journalctl -q -u autovpnd.service --no-pager | tail -n 25
echo "UNITS DONE"
EOT
check_unit gw "autovpnd's unit under systemd"
# The VM boots the host's kernel KV: the one the root's headers (and so
# the module DKMS built) are for.
if [ ! -e "/boot/vmlinuz-$KV" ]; then
	fail deb_root.vm.kernel_installed "no /boot/vmlinuz-$KV: the VM cannot boot the kernel the root's module is for"
else
	pass deb_root.vm.kernel_installed
	t0=$SECONDS
	vm=$(KVER=$KV tests/vm/run.sh -k "$ko" -e AVPN_DEBROOT="$R" tests/ops/deb_root_vm.sh 2>&1)
	rc=$?
	# Indented: a failing scenario's output (RESULT lines) is in it too.
	sed 's/^/  vm: /' <<< "$vm"
	echo "the VM took $((SECONDS - t0)) s"
	run=$(sed -n 's/.*(logs: \([^)]*\))$/\1/p' <<< "$vm" | tail -n 1)
	grep '^RESULT \(PASS\|FAIL\) ' "$run"/001-*/output.log 2> /dev/null
	check deb_root.vm.scenario_passed test $rc = 0
fi
rm -f "$R/etc/systemd/system/multi-user.target.wants/avpn-gw-check.service"
mount_all

# Removal takes the module out of DKMS again.
in_root apt-get purge -y -q autovpn autovpn-dkms > "$C/purge.log" 2>&1
check deb_root.purge test $? = 0
check deb_root.purge_removes_module test -z "$(ls "$R/lib/modules/$KV/updates/dkms/"autovpn.ko* 2> /dev/null)"
check deb_root.purge_removes_source test ! -e "$R/usr/src/autovpn-$V"
