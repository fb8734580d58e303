#!/bin/bash
# Runs test scenarios inside a QEMU VM (DESIGN.md §9). The host kernel cannot
# load modules; the VM boots the installed Debian kernel with the host's root
# shared read-only over 9p (tmpfs overlay on top), so every host tool is there.
#
# usage: tests/vm/run.sh [options] SCENARIO...
#   SCENARIO   a script (tests/net/ping.sh), a directory (its *.sh except
#              lib.sh), or "all" (= tests/net)
#   -k PATH    module to test: autovpn.ko or a directory holding it
#              (default: kernel/autovpn.ko). It is copied into the run
#              directory at start, so a rebuild during the run is harmless.
#   -o FILE    write "PASS name" / "FAIL name" lines to FILE
#   -t SECS    per-scenario timeout (default 300); a scenario can set its
#              own with a line "# vm-timeout: SECS" in its first 30 lines
#              A line "# vm-allow: alloc-failure" there lets the kernel's
#              allocation-failure reports (warn_alloc: "page allocation
#              failure", "vmalloc error", with their call traces) pass the
#              log scan: fault-injection scenarios provoke them on purpose.
#   -b FILE    also append the BENCH lines to FILE
#   -s         boot a separate VM for every scenario
#   -j N       run N VMs at once, each booting once for its share of the
#              scenarios; shares are balanced by the scenarios' timeouts
#              (longest first to the least loaded VM). Results merge into
#              -o; the exit status is 0 only if every VM's run passed.
#   -v         stream the VM console to stdout
#   -K DIR     boot the debug kernel that tests/debug/kernel.sh built in DIR
#              (KASAN, lockdep, kmemleak ...; `make check-debug`) instead of
#              the installed one: its vmlinux, its module tree as the guest's
#              /lib/modules/KVER, machine q35, boot limit 900 s, scenario
#              timeouts x3,
#              AVPN_DEBUG_KERNEL=1 in the scenarios' environment, and -k
#              defaulting to build/debug/module/kernel/autovpn.ko
#   -e NAME=VALUE  put NAME=VALUE into every scenario's environment
#              (repeatable; e.g. -e ROUNDS=5 for module_reload.sh)
#
# One VM boot runs all scenarios in order. Each scenario runs as root with:
#   cwd       the repository top (same path as on the host)
#   AVPN_TOP  the repository top
#   AVPN_KO   the autovpn.ko to insmod
#   AVPN_BIN  $AVPN_TOP/build (userspace binaries)
#   AVPN_OUT  a writable per-scenario directory on the host (artifacts)
#   /tmp      a fresh tmpfs; everything outside AVPN_OUT is discarded
# Verdict: PASS if the script exits 0 within the timeout and the kernel log
# shows no bug (WARNING, BUG, Oops, refcount, list corruption, RCU stall ...)
# during it or its cleanup. Lines "RESULT PASS name" / "RESULT FAIL name" it
# prints become extra results "PASS script:name"; "BENCH key value" lines are
# collected in build/vm/<run>/bench.txt. Between scenarios the guest kills all
# processes, deletes every netns and extra link, flushes nft/xfrm, unloads
# autovpn (failing the scenario if it cannot) and resets /tmp.
# A kernel panic or a VM that goes silent fails every scenario not finished.
# Logs: build/vm/<run>/NNN-name/{output.log,dmesg.txt,out/}, console.log.
# Exit status: 0 if everything passed.
# Environment: KVER (default as in the top Makefile), VMLINUZ (default
# /boot/vmlinuz-$KVER), VMLINUX (a kernel image to boot as is, with qboot:
# an uncompressed PVH vmlinux or a bzImage),
# AVPN_VM_MODDIR (the guest's /lib/modules/$KVER, default the host's),
# AVPN_VM_APPEND (more kernel parameters), AVPN_VM_BOOT_LIMIT (seconds until
# the first scenario must start, default 240; a VM that has not booted by
# then is started once more, except with -K; AVPN_VM_BOOT1_LIMIT, test only,
# is the first boot's), AVPN_VM_TIMEOUT_SCALE (integer
# factor on every scenario timeout, default 1), AVPN_VM_MACHINE (qemu machine
# type, default pc; q35 with -K), AVPN_VM_CPU (qemu -cpu, default max; e.g.
# max,-avx,-avx2 for tests/bench/hs_side.sh), AVPN_VM_LITERAL=1 (boot the
# bzImage with the default firmware instead of the faster PVH + qboot path).
set -u
# The whole script is one block, parsed before it runs: editing this file
# while a run is going on cannot break that run.
{

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ko=
resfile=
benchfile=
timeout=300
separate=0
jobs=1
verbose=0
kdir=
extra_env=()

die() {
	echo "tests/vm/run.sh: $*" >&2
	exit 2
}

while getopts k:o:t:b:K:e:j:svh opt; do
	case $opt in
	k) ko=$OPTARG ;;
	K) kdir=$OPTARG ;;
	e)
		case ${OPTARG%%=*} in
		PATH | HOME | TERM | LC_ALL | IFS | SHELL | PWD | AVPN_TOP | AVPN_KO | AVPN_BIN | AVPN_OUT)
			die "-e cannot set ${OPTARG%%=*}" ;;
		esac
		[[ $OPTARG =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "-e wants NAME=VALUE, not '$OPTARG'"
		extra_env+=("$OPTARG") ;;
	o) resfile=$OPTARG ;;
	t) timeout=$OPTARG ;;
	b) benchfile=$OPTARG ;;
	s) separate=1 ;;
	j) jobs=$OPTARG ;;
	v) verbose=1 ;;
	*)
		sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || die "no scenario given (try -h)"
case $timeout in '' | *[!0-9]*) die "-t needs a number of seconds" ;; esac
[ "$timeout" -gt 0 ] || die "-t needs a positive number"
case $jobs in '' | *[!0-9]* | 0) die "-j needs a positive number of VMs" ;; esac
[ $separate = 1 ] && [ "$jobs" -gt 1 ] && die "-s and -j do not go together"

# Result and bench files are given relative to the caller's cwd.
abspath() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
[ -n "$resfile" ] && resfile=$(abspath "$resfile")
[ -n "$benchfile" ] && benchfile=$(abspath "$benchfile")

# --- scenarios -------------------------------------------------------------
scen=()
add_dir() {
	local f
	for f in "$1"/*.sh; do
		[ -e "$f" ] || continue
		[ "${f##*/}" = lib.sh ] && continue
		scen+=("$f")
	done
}
for a in "$@"; do
	if [ "$a" = all ]; then
		add_dir "$top/tests/net"
	elif [ -d "$a" ]; then
		add_dir "$(cd "$a" && pwd)"
	elif [ -f "$a" ]; then
		scen+=("$(cd "$(dirname "$a")" && pwd)/${a##*/}")
	else
		die "no such scenario: $a"
	fi
done
[ ${#scen[@]} -gt 0 ] || die "no scenario found in: $*"
# Names are relative to the top when possible: tests/net/ping.sh.
names=()
for s in "${scen[@]}"; do
	case $s in
	"$top"/*) names+=("${s#"$top"/}") ;;
	*) names+=("$s") ;;
	esac
	case $s in
	"$top"/*) ;; # the repository is always visible (see top_share below)
	/tmp/* | /run/* | /proc/* | /sys/* | /dev/*)
		die "$s: the VM mounts fresh /tmp, /run, /proc, /sys, /dev; put scenarios elsewhere" ;;
	*[[:space:]]*) die "$s: path contains whitespace" ;;
	esac
done
# A repository under /tmp or /run (a CI clone, say) would be hidden by the
# guest's fresh tmpfs there: it is then shared on its own, read-only, and
# mounted back at its path (tests/vm/init).
top_share=0
case $top in
*[[:space:],]*) die "repository path must not contain whitespace or commas: $top" ;;
/tmp/* | /run/*) top_share=1 ;;
esac

# The options a run of ourselves for some of the scenarios (-s, -j) gets.
child_args() {
	args=(-t "$timeout")
	[ -n "$ko" ] && args+=(-k "$ko")
	[ -n "$benchfile" ] && args+=(-b "$benchfile")
	[ $verbose = 1 ] && args+=(-v)
	[ -n "$kdir" ] && args+=(-K "$kdir")
	for e in "${extra_env[@]}"; do args+=(-e "$e"); done
}

# -s: one VM per scenario, by running ourselves once per scenario.
if [ $separate = 1 ] && [ ${#scen[@]} -gt 1 ]; then
	rc=0
	all=$(mktemp)
	tmpres=$(mktemp)
	for s in "${scen[@]}"; do
		child_args
		: >"$tmpres"
		"$0" "${args[@]}" -o "$tmpres" "$s" || rc=1
		cat "$tmpres" >>"$all"
	done
	[ -n "$resfile" ] && cp "$all" "$resfile"
	echo "tests/vm/run.sh: all ${#scen[@]} VMs: $(grep -c '^PASS ' "$all") passed, $(grep -c '^FAIL ' "$all") failed"
	rm -f "$all" "$tmpres"
	exit $rc
fi

# scen_field SCENARIO NAME PATTERN: the "# NAME: VALUE" line in its first
# 30 lines (VALUE matching PATTERN), or nothing.
scen_field() {
	head -n 30 "$1" | sed -n "s/^# *$2: *\\($3\\).*/\\1/p" | head -n 1
}
scen_timeout() {
	local t
	t=$(scen_field "$1" vm-timeout '[0-9][0-9]*')
	echo "${t:-$timeout}"
}
# -j N: N runs of ourselves at once, each with its share of the scenarios.
# A scenario weighs its timeout: the long ones (fuzzing, fault injection,
# lifecycle rounds) are bounded by time rather than by CPU, so spreading
# them over the VMs lets the others run beside them.
if [ "$jobs" -gt 1 ] && [ ${#scen[@]} -gt 1 ]; then
	[ ${#scen[@]} -lt "$jobs" ] && jobs=${#scen[@]}
	load=() share=() pids=()
	for ((j = 0; j < jobs; j++)); do
		load[j]=0
		share[j]=
	done
	while read -r w i; do
		best=0
		for ((j = 1; j < jobs; j++)); do
			[ "${load[j]}" -lt "${load[best]}" ] && best=$j
		done
		load[best]=$((load[best] + w))
		share[best]+=" $i"
	done < <(for i in "${!scen[@]}"; do echo "$(scen_timeout "${scen[$i]}") $i"; done |
		sort -k1,1nr -k2,2n)
	shares=$(mktemp -d)
	for ((j = 0; j < jobs; j++)); do
		list=()
		for i in $(tr ' ' '\n' <<<"${share[j]}" | sort -n); do list+=("${scen[$i]}"); done
		child_args
		: >"$shares/res.$j"
		echo "tests/vm/run.sh: VM $((j + 1)) of $jobs: ${#list[@]} scenario(s)"
		"$0" "${args[@]}" -o "$shares/res.$j" "${list[@]}" &
		pids+=($!)
	done
	# Interrupted: stop every VM's run (they ignore SIGINT as background
	# jobs; each stops its qemu on TERM).
	trap 'kill -TERM "${pids[@]}" 2>/dev/null; wait; rm -rf "$shares"; exit 130' INT TERM HUP
	rc=0
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	trap - INT TERM HUP
	# A VM's run that died before reporting must not make its scenarios
	# vanish from the results: each one without a line fails.
	for i in "${!scen[@]}"; do
		grep -qxF -e "PASS ${names[$i]}" -e "FAIL ${names[$i]}" "$shares"/res.* && continue
		echo "FAIL ${names[$i]}" >>"$shares/res.0"
		echo "tests/vm/run.sh: no result for ${names[$i]}: counted as failed"
		rc=1
	done
	cat "$shares"/res.* >"$shares/all"
	[ -n "$resfile" ] && cp "$shares/all" "$resfile"
	echo "tests/vm/run.sh: all $jobs VMs: $(grep -c '^PASS ' "$shares/all") passed, $(grep -c '^FAIL ' "$shares/all") failed"
	rm -rf "$shares"
	exit $rc
fi

# --- kernel, module, initramfs ---------------------------------------------
# -K: the debug kernel's directory (tests/debug/kernel.sh) says it all.
moddir=${AVPN_VM_MODDIR:-}
boot_limit=${AVPN_VM_BOOT_LIMIT:-240}
tscale=${AVPN_VM_TIMEOUT_SCALE:-1}
machine=${AVPN_VM_MACHINE:-pc}
append_extra=${AVPN_VM_APPEND:-}
if [ -n "$kdir" ]; then
	[ -e "$kdir/done" ] || die "$kdir: not a finished debug kernel build (tests/debug/kernel.sh)"
	kdir=$(cd "$kdir" && pwd)
	KVER=$(cat "$kdir/kernel.release")
	VMLINUZ=$kdir/bzImage
	# Not its vmlinux through PVH: the PVH entry runs instrumented code
	# before KASAN's shadow exists, and the guest triple-faults at once.
	VMLINUX=${VMLINUX:-$kdir/bzImage}
	moddir=${moddir:-$kdir/mods/lib/modules/$KVER}
	boot_limit=${AVPN_VM_BOOT_LIMIT:-900}
	tscale=${AVPN_VM_TIMEOUT_SCALE:-3}
	# q35: the pc machine's ACPI _PRT method (an AML loop) runs past
	# ACPICA's 30 s loop timeout on this kernel, twice per boot.
	machine=${AVPN_VM_MACHINE:-q35}
	# Every KASAN report, not only the first (later scenarios need theirs).
	append_extra="kasan_multi_shot $append_extra"
	extra_env=(AVPN_DEBUG_KERNEL=1 "${extra_env[@]}")
fi
case $tscale in '' | *[!0-9]* | 0) die "AVPN_VM_TIMEOUT_SCALE must be a positive integer" ;; esac
case $boot_limit in '' | *[!0-9]*) die "AVPN_VM_BOOT_LIMIT must be a number of seconds" ;; esac
boot1_limit=${AVPN_VM_BOOT1_LIMIT:-$boot_limit}
case $boot1_limit in '' | *[!0-9]*) die "AVPN_VM_BOOT1_LIMIT must be a number of seconds" ;; esac
case $moddir in *[[:space:],]*) die "AVPN_VM_MODDIR must not contain whitespace or commas" ;; esac
if [ -n "$moddir" ]; then
	[ -d "$moddir" ] || die "no module directory $moddir"
	moddir=$(cd "$moddir" && pwd)
fi
# Same choice as the top Makefile: the running kernel if its headers exist,
# else the kernel Debian's linux-image-amd64 stands for (6.1, the floor),
# else the newest installed one.
if [ -z "${KVER:-}" ]; then
	if [ -d "/lib/modules/$(uname -r)/build" ]; then
		KVER=$(uname -r)
	else
		KVER=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
			sed -n 's/^linux-image-\([^ ,|]*\).*/\1/p')
		[ -n "$KVER" ] && [ -d "/lib/modules/$KVER/build" ] ||
			KVER=$(ls /lib/modules 2>/dev/null | sort -V | tail -n 1)
	fi
fi
vmlinuz=${VMLINUZ:-/boot/vmlinuz-$KVER}
[ -r "$vmlinuz" ] || die "no kernel image $vmlinuz (apt-get install linux-image-amd64)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not installed (make deps)"
[ -x /bin/busybox ] || die "/bin/busybox missing (apt-get install busybox-static)"

# The debug kernel needs the module built against it (tests/debug/check.sh).
if [ -z "$ko" ] && [ -n "$kdir" ]; then
	ko=$top/build/debug/module/kernel/autovpn.ko
fi
[ -n "$ko" ] || ko=$top/kernel/autovpn.ko
[ -d "$ko" ] && ko=$ko/autovpn.ko
ko=$(abspath "$ko")

vmdir=$top/build/vm
mkdir -p "$vmdir" || die "cannot create $vmdir"
# Runs older than a day go (no run lasts that long; each holds a module
# copy), and so do caches unused for a day.
find "$vmdir" -maxdepth 1 -name 'run-*' -type d -mmin +1440 -exec rm -rf {} + 2>/dev/null
find "$vmdir" -maxdepth 1 \( -name 'initramfs-*' -o -name 'vmlinux-*' \) -mmin +1440 \
	-exec rm -f {} + 2>/dev/null

# The initramfs is cached under a name derived from everything it is built
# from, so a changed input rebuilds it and concurrent runs never clash.
mods=${moddir:-/lib/modules/$KVER}
key=$( {
	cat "$here/mkinitramfs.sh" "$here/init"
	echo "$KVER $mods"
	stat -Lc '%n %s %Y' /bin/busybox "$mods/modules.dep"
} | sha256sum | cut -c1-16)
initrd=$vmdir/initramfs-$KVER-$key.cpio.gz
if [ ! -s "$initrd" ]; then
	"$here/mkinitramfs.sh" "$KVER" "$initrd" "$mods" || die "building the initramfs failed"
fi

# Boot fast: the same kernel, uncompressed (PVH entry, see vmlinux.sh), with
# qboot instead of SeaBIOS. Together they save 5-30 s per boot under TCG
# (measured: 9.7 vs 12.4 s idle, 40 vs 70 s on a loaded host). Either falls
# back to DESIGN §9's literal recipe (-kernel /boot/vmlinuz-KVER, default
# firmware) when unavailable, or always with AVPN_VM_LITERAL=1.
kimage=$vmdir/vmlinux-$KVER-$(stat -Lc '%s-%Y' "$vmlinuz")
firmware=()
if [ "${AVPN_VM_LITERAL:-0}" = 1 ]; then
	kimage=$vmlinuz
elif [ -n "${VMLINUX:-}" ]; then
	[ -r "$VMLINUX" ] || die "no kernel image $VMLINUX"
	kimage=$VMLINUX
	qboot=/usr/share/qemu/qboot.rom
	[ -r "$qboot" ] && firmware=(-bios "$qboot")
else
	if [ ! -s "$kimage" ] && [ ! -e "$kimage.none" ]; then
		"$here/vmlinux.sh" "$vmlinuz" "$kimage" 2>/dev/null || : >"$kimage.none"
	fi
	[ -s "$kimage" ] || kimage=$vmlinuz
	qboot=/usr/share/qemu/qboot.rom
	[ -r "$qboot" ] && firmware=(-bios "$qboot")
fi
# In use: keep the caches from the pruning above (never touch /boot).
touch -c "$initrd" 2>/dev/null
case $kimage in "$vmdir"/*) touch -c "$kimage" 2>/dev/null ;; esac

run=$(mktemp -d "$vmdir/run-$(date +%Y%m%d-%H%M%S)-XXXX") || die "mktemp failed"
if [ -f "$ko" ]; then
	cp "$ko" "$run/autovpn.ko"
	guest_ko=$run/autovpn.ko
else
	echo "tests/vm/run.sh: note: $ko does not exist (make module); AVPN_KO points to it anyway" >&2
	guest_ko=$ko
fi
cp "$here/guest.sh" "$run/guest.sh"
{
	printf 'AVPN_TOP=%q\n' "$top"
	printf 'AVPN_KO=%q\n' "$guest_ko"
	printf 'AVPN_BIN=%q\n' "$top/build"
	for e in "${extra_env[@]}"; do
		printf '%s=%q\n' "${e%%=*}" "${e#*=}"
	done
} >"$run/job.env"
# A scenario may set its own timeout in its first lines: "# vm-timeout: SECS",
# and flags: "# vm-allow: alloc-failure". One line per scenario for the
# guest: "DIR TIMEOUT FLAGS PATH" (FLAGS "-" for none).
dirs=()
tmax=$((timeout * tscale))
for i in "${!scen[@]}"; do
	b=${scen[$i]##*/}
	dirs+=("$(printf '%03d' $((i + 1)))-${b%.sh}")
	mkdir -p "$run/${dirs[$i]}/out"
	t=$(($(scen_timeout "${scen[$i]}") * tscale))
	flags=$(scen_field "${scen[$i]}" vm-allow '[a-z,-]*')
	[ "$t" -gt "$tmax" ] && tmax=$t
	echo "${dirs[$i]} $t ${flags:--} ${scen[$i]}"
done >"$run/scenarios"
: >"$run/progress"

# --- boot --------------------------------------------------------------------
# Kernel options: panic=-1 + -no-reboot make a panic end qemu at once; the
# lockup/stall thresholds are raised because TCG vCPUs on a loaded host can be
# descheduled for many seconds without anything being wrong in the guest;
# the crypto API's self-tests of every algorithm registered (AES-NI & co at
# boot, each gcm/rfc4106 instance later) cost seconds each under TCG;
# no_timer_check: the boot-time check that the IO-APIC timer ticks fails
# when the host is loaded (seen: "IO-APIC + timer doesn't work!", a panic
# before any scenario ran), as on any VM; the kernel skips it for KVM guests.
append="console=ttyS0 loglevel=5 panic=-1 log_buf_len=8M cryptomgr.notests=1 no_timer_check"
append+=" rcupdate.rcu_cpu_stall_timeout=60 watchdog_thresh=30"
append+=" tsc=reliable avpn_top=$top avpn_run=$run avpn_top_share=$top_share"
[ -n "$moddir" ] && append+=" avpn_moddir=$moddir"
[ -n "$append_extra" ] && append+=" $append_extra"
# shellcheck disable=SC2054 # commas belong to qemu's option syntax
qemu=(qemu-system-x86_64 "${firmware[@]}" -nodefaults -no-user-config -machine "$machine,accel=tcg"
	-cpu "${AVPN_VM_CPU:-max}" -smp 2 -m 2048 -display none -monitor none -no-reboot -nic none
	-kernel "$kimage" -initrd "$initrd" -append "$append"
	-serial "file:$run/console.log"
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=$run,mount_tag=avpnrun,security_model=none")
[ $top_share = 1 ] &&
	qemu+=(-virtfs "local,path=$top,mount_tag=avpntop,security_model=none,readonly=on,multidevs=remap")

echo "tests/vm/run.sh: ${#scen[@]} scenario(s), kernel $KVER, logs in ${run#"$top"/}"
start_vm() {
	: >"$run/console.log"
	"${qemu[@]}" </dev/null >"$run/qemu.log" 2>&1 &
	qpid=$!
}
# Waits for qemu to end, 10 s at most, then kills it.
reap_vm() {
	for _ in $(seq 100); do kill -0 "$qpid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
}
t_start=$(date +%s%N)
start_vm
boots=1
tailpid=
if [ $verbose = 1 ]; then
	tail -n +1 -F "$run/console.log" 2>/dev/null & # by name: a second boot starts a new one
	tailpid=$!
fi
stop_children() {
	kill "$qpid" 2>/dev/null
	[ -n "$tailpid" ] && kill "$tailpid" 2>/dev/null
}
trap 'stop_children; exit 130' INT TERM HUP

: >"$run/results"
: >"$run/bench.txt"
fails=0

# Prints a finished scenario and records its results.
report() {
	local d=$run/$1 name=$2 verdict ms lines
	verdict=$(cut -d' ' -f1 "$d/verdict" 2>/dev/null)
	[ -n "$verdict" ] || verdict=FAIL
	ms=$(cat "$d/elapsed_ms" 2>/dev/null || echo '?')
	echo "$verdict $name" >>"$run/results"
	# "RESULT PASS|FAIL name [detail]": the first word is the sub-result name.
	if [ -f "$d/output.log" ]; then
		grep -E '^RESULT (PASS|FAIL) [^ ]' "$d/output.log" |
			while read -r _ v sub _; do echo "$v $name:${sub%:}"; done >>"$run/results.sub"
	fi
	if [ "$verdict" = PASS ]; then
		echo "PASS $name (${ms} ms)"
	else
		fails=$((fails + 1))
		echo "==================== FAIL $name (${ms} ms) ===================="
		sed 's/^/  reason: /' "$d/reasons" 2>/dev/null
		echo "---- output (${d#"$top"/}/output.log) ----"
		# (A scenario the VM never reached has no output.log.)
		lines=$({ wc -l <"$d/output.log"; } 2>/dev/null || echo 0)
		if [ "$lines" -gt 10000 ]; then
			echo "[... $((lines - 10000)) lines cut, the whole output is in the file ...]"
		fi
		tail -n 10000 "$d/output.log" 2>/dev/null
		if [ -s "$d/dmesg-bad.txt" ]; then
			echo "---- kernel log: offending lines ----"
			cat "$d/dmesg-bad.txt"
			echo "---- kernel log during the scenario (first 200 lines) ----"
			head -n 200 "$d/dmesg.txt"
		fi
		echo "==================== end of FAIL $name ===================="
	fi
	if [ -s "$run/results.sub" ]; then
		grep -E '^FAIL ' "$run/results.sub" | sed 's/^/  sub-result: /'
		cat "$run/results.sub" >>"$run/results"
		rm -f "$run/results.sub"
	fi
	[ -f "$d/output.log" ] && grep -E '^BENCH ' "$d/output.log" | tee -a "$run/bench.txt"
	return 0
}

# Watch the VM: report scenarios as the guest finishes them; kill qemu if it
# does not boot in time or a scenario takes much longer than its own
# watchdog allows (the guest is then wedged or silent).
step_limit=$((tmax + 120))
done_n=0
last_event=$SECONDS
booted=0
why=
while :; do
	alive=1
	kill -0 "$qpid" 2>/dev/null || alive=0
	mapfile -t finished <"$run/progress"
	while [ $done_n -lt ${#finished[@]} ]; do
		report "${dirs[$done_n]}" "${names[$done_n]}"
		done_n=$((done_n + 1))
		last_event=$SECONDS
	done
	if [ $booted = 0 ] && [ -s "$run/booted" ]; then
		booted=1
		last_event=$SECONDS
		t_boot=$(date +%s%N)
		echo "VM booted in $(((t_boot - t_start) / 1000000)) ms$([ $boots = 2 ] && echo ', both boots') (guest uptime $(cat "$run/booted") s)"
	fi
	[ $done_n -ge ${#scen[@]} ] && break
	[ $alive = 0 ] && { why="the VM stopped (kernel panic or crash?)"; break; }
	# A boot that hangs is the machine's, not a scenario's: boot once
	# more, what the first boot left kept as *-boot1. (Seen once, in a CI
	# run's harness self-test: a VM that boots in 5 s had not booted after
	# 240.) Not with -K: the debug kernel's boot is slow by itself, and a
	# second one would double a wait of up to 900 s.
	if [ $booted = 0 ] && [ $boots = 1 ] && [ -z "$kdir" ] &&
		[ $((SECONDS - last_event)) -gt "$boot1_limit" ]; then
		kill "$qpid" 2>/dev/null
		reap_vm
		for f in console.log qemu.log booted boot-dmesg.txt boot-kmemleak.txt; do
			[ -e "$run/$f" ] && mv "$run/$f" "$run/${f%.*}-boot1${f#"${f%.*}"}"
		done
		# A guest that booted as it was stopped may have begun a scenario.
		: >"$run/progress"
		for d in "${dirs[@]}"; do
			rm -rf "${run:?}/$d/out" && mkdir -p "$run/$d/out"
			rm -f "$run/$d"/{output.log,reasons,verdict,timedout,rc,elapsed_ms}
		done
		echo "tests/vm/run.sh: the VM did not boot within ${boot1_limit}s; last console lines:"
		tail -n 20 "$run/console-boot1.log"
		echo "tests/vm/run.sh: booting again, once (first console: ${run#"$top"/}/console-boot1.log)"
		start_vm
		boots=2
		last_event=$SECONDS
		continue
	fi
	if [ $booted = 0 ] && [ $((SECONDS - last_event)) -gt $boot_limit ]; then
		why="the VM did not boot within ${boot_limit}s$([ $boots = 2 ] && echo ' (twice)')"
		break
	fi
	if [ $booted = 1 ] && [ $((SECONDS - last_event)) -gt $step_limit ]; then
		why="no scenario finished for ${step_limit}s: the guest is hung"
		break
	fi
	sleep 0.5
done

if [ -n "$why" ]; then
	kill "$qpid" 2>/dev/null
	echo "tests/vm/run.sh: $why; last console lines:"
	tail -n 60 "$run/console.log"
	[ -s "$run/qemu.log" ] && { echo "qemu:"; cat "$run/qemu.log"; }
	while [ $done_n -lt ${#scen[@]} ]; do
		d=$run/${dirs[$done_n]}
		mkdir -p "$d"
		echo "$why" >>"$d/reasons"
		echo "FAIL ${names[$done_n]}" >"$d/verdict"
		report "${dirs[$done_n]}" "${names[$done_n]}"
		done_n=$((done_n + 1))
	done
fi
# Let qemu finish the power-off (it also flushes the 9p share), bounded.
reap_vm
[ -n "$tailpid" ] && { kill "$tailpid" 2>/dev/null; wait "$tailpid" 2>/dev/null; }
t_end=$(date +%s%N)

if [ -s "$run/boot-dmesg.txt" ] && grep -qE 'BUG:|WARNING:|Oops|Call Trace:' "$run/boot-dmesg.txt"; then
	echo "tests/vm/run.sh: note: the kernel log during boot already shows problems (${run#"$top"/}/boot-dmesg.txt)"
fi
[ -n "$resfile" ] && cp "$run/results" "$resfile"
[ -n "$benchfile" ] && cat "$run/bench.txt" >>"$benchfile"
p=$(grep -c '^PASS ' "$run/results")
f=$(grep -c '^FAIL ' "$run/results")
[ $boots = 2 ] && echo "tests/vm/run.sh: note: the VM was booted twice (the first boot hung)"
echo "tests/vm/run.sh: $p passed, $f failed in $(((t_end - t_start) / 1000000)) ms (logs: ${run#"$top"/})"
[ "$f" -eq 0 ]
exit
}
