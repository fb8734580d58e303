#!/bin/bash
# PID 1 inside the harness VM (started by tests/vm/init after switch_root).
#
# The root is the host's / read-only over 9p with a tmpfs overlay; $avpn_run
# (from the kernel command line) is the host's per-run directory, a writable
# 9p share. It holds job.env (written by run.sh) and "scenarios", one line
# "DIR TIMEOUT FLAGS PATH" per scenario. For each scenario this script:
#   - runs PATH with cwd = repository top, in its own session, with a watchdog;
#   - on timeout dumps blocked tasks (sysrq w) and kills the whole session;
#   - cleans up: kills every leftover process, deletes all netns, extra links,
#     nft/xfrm state, unloads autovpn, gives /tmp a fresh tmpfs, puts the
#     global net.core buffer sysctls back;
#   - on a kernel with kmemleak (the debug kernel), scans for leaks;
#   - scans the new kernel log for bugs (FLAGS alloc-failure: the kernel's
#     own allocation-failure reports are expected, see run.sh -h);
#   - writes DIR/{output.log,dmesg.txt,dmesg-bad.txt,rc,elapsed_ms,reasons,
#     verdict} and appends DIR to $avpn_run/progress (run.sh watches it).
# Then it powers the VM off. It must never exit: PID 1 exiting panics.
#
# Under TCG every exec costs 0.05-0.3 s, so this script uses bash builtins for
# small things ($EPOCHREALTIME, read, /proc and /sys reads) and one awk/grep
# for bulk text (bash loops over hundreds of lines are slower still).

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LC_ALL=C.UTF-8
# shellcheck disable=SC2154 # avpn_run comes from the kernel command line
run=$avpn_run

say() {
	local up
	read -r up _ </proc/uptime
	echo "avpn-vm: [$up] $*"
}

now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

# sleep without an exec: a read with timeout on a fifo nobody writes to.
snooze() {
	read -r -t "$1" -u 9
}

# The 9p root goes away during the power-off: wait with builtins only.
poweroff_now() {
	sync
	echo o >/proc/sysrq-trigger
	while :; do snooze 60 || read -r -t 60 <>/dev/console; done
}

# Kernel log lines that fail the scenario during which they appeared.
BAD='BUG:|WARNING:|Oops|general protection|rcu_sched self-detected stall|rcu: INFO|'
BAD+='detected stall|refcount_t:|UBSAN|KASAN|kmemleak|unreferenced object|'
BAD+='list_add corruption|list_del corruption|Kernel panic|INFO: task .* blocked|'
BAD+='Call Trace:|stack-protector|double free|kernel BUG at|'
# SLUB's own checks, the net refcount trackers, a device that cannot go away.
BAD+='BUG [a-z0-9:_-]+ \((Not t|T)ainted\)|leaked reference|reference already released|'
BAD+='waiting for .* to become free'

# Modules built into the kernel (the debug kernel builds nearly everything
# in): filled from modules.builtin at start, module names as in /proc/modules.
declare -A BUILTIN=()
read_builtins() {
	local l
	[ -r "/lib/modules/$(uname -r)/modules.builtin" ] || return 0
	while read -r l; do
		l=${l##*/}
		l=${l%.ko}
		BUILTIN[${l//-/_}]=1
	done <"/lib/modules/$(uname -r)/modules.builtin"
}

# Is module $1 loaded or built in? (builtins only)
loaded() {
	local l
	[ -n "${BUILTIN[$1]:-}" ] && return 0
	while read -r l _; do
		[ "$l" = "$1" ] && return 0
	done </proc/modules
	return 1
}

# Only a module can be unloaded (autovpn always is one).
is_module() {
	local l
	while read -r l _; do
		[ "$l" = "$1" ] && return 0
	done </proc/modules
	return 1
}

# Kill every user process except PID 1 (kernel threads have no exe link).
# Builtins only, so the sweep never hits its own helpers.
kill_all_processes() {
	local p _ left
	for _ in {1..20}; do
		left=0
		for p in /proc/[0-9]*; do
			p=${p#/proc/}
			[ "$p" = 1 ] && continue
			[ -e "/proc/$p/exe" ] || continue
			kill -KILL "$p" 2>/dev/null && left=1
		done
		[ $left = 0 ] && return 0
		snooze 0.5
	done
	return 1 # processes that survive SIGKILL: stuck in the kernel
}

cleanup_scenario() {
	local d=$1 _ l m batch=() flags
	if ! kill_all_processes; then
		echo "cleanup: processes stuck in the kernel after SIGKILL:" >>"$d/reasons"
		ps -eo pid,stat,wchan:32,args | awk '$2 ~ /D/' >>"$d/reasons"
		echo w >/proc/sysrq-trigger
		wedged=1
	fi
	# One `ip -batch` for all network state; flush nft/xfrm/qdiscs only when
	# their modules are loaded (flushing would otherwise autoload them).
	for l in /run/netns/*; do
		[ -e "$l" ] && batch+=("netns delete ${l##*/}")
	done
	for l in /sys/class/net/*; do
		l=${l##*/}
		[ "$l" = lo ] || batch+=("link delete dev $l")
	done
	batch+=("route flush table main") # (IPv4 only: batch lines take no -6)
	if loaded xfrm_user; then
		batch+=("xfrm state flush" "xfrm policy flush")
	fi
	printf '%s\n' "${batch[@]}" | ip -force -batch - >/dev/null 2>&1
	if loaded nf_tables; then
		nft flush ruleset 2>/dev/null
	fi
	while read -r m _; do
		if [[ $m == sch_* ]]; then
			tc qdisc del dev lo root 2>/dev/null
			break
		fi
	done </proc/modules
	if is_module autovpn; then
		# Devices in deleted netns go away asynchronously: retry for a while.
		for _ in {1..40}; do
			rmmod autovpn 2>/dev/null && break
			snooze 0.5
		done
		if is_module autovpn; then
			echo "cleanup: cannot unload autovpn (reference leak?): $(grep '^autovpn ' /proc/modules)" >>"$d/reasons"
		fi
	fi
	# A fresh /tmp; busybox is static, so cheaper to start than umount+mount.
	# When the repository itself lives under /tmp (its share is mounted
	# there, and a 9p channel cannot be mounted twice), empty /tmp around it.
	case $AVPN_TOP in
	/tmp/*)
		keep=${AVPN_TOP#/tmp/}
		keep=${keep%%/*}
		find /tmp -mindepth 1 -maxdepth 1 ! -name "$keep" -exec rm -rf {} + 2>/dev/null
		;;
	*) /bin/busybox sh -c 'umount -l /tmp && mount -t tmpfs -o mode=1777 tmp /tmp' ;;
	esac
	read -r flags </sys/class/net/lo/flags
	((flags & 1)) || ip link set lo up
	restore_global_sysctls
	kmemleak_check "$d/dmesg-kmemleak.txt"
}

# Sysctls that no namespace has a copy of (a scenario lowers rmem_max to
# shrink a daemon's socket): back to their boot values after each scenario,
# which a scenario killed by the watchdog could not do itself.
GLOBAL_SYSCTLS=(net/core/rmem_max net/core/rmem_default net/core/wmem_max net/core/wmem_default)
declare -A BOOT_SYSCTL
save_global_sysctls() {
	local s
	for s in "${GLOBAL_SYSCTLS[@]}"; do
		read -r "BOOT_SYSCTL[$s]" <"/proc/sys/$s"
	done
}
restore_global_sysctls() {
	local s
	for s in "${GLOBAL_SYSCTLS[@]}"; do
		echo "${BOOT_SYSCTL[$s]}" >"/proc/sys/$s"
	done
}

# Leaks of the scenario, now that its processes, netns, devices and the
# module are gone: kmemleak reports an object once it is older than 5 s and
# was found unreferenced, with unchanged contents, by two scans in a row.
# At least 6 s between them also lets deferred frees (kfree_rcu batches,
# netns cleanup work) finish. A report is confirmed by a third scan after another
# pause, so an object freed late drops out; what stays is appended to $1
# (whose "unreferenced object" lines fail the scenario). "clear" then
# retires the reported objects, so the next scenario starts clean.
KMEMLEAK=/sys/kernel/debug/kmemleak
kmemleak_check() {
	local out=$1 leaks t0 t1
	[ -w $KMEMLEAK ] || return 0
	t0=$(now_ms)
	echo scan >$KMEMLEAK
	t1=$(now_ms)
	# A scan under TCG takes far longer than the 5 s anyway (30 s and more).
	(((t1 - t0) < 6000)) && snooze "$(((6000 - (t1 - t0)) / 1000 + 1))"
	echo scan >$KMEMLEAK
	leaks=$(<$KMEMLEAK)
	if [ -n "$leaks" ]; then
		snooze 6
		echo scan >$KMEMLEAK
		leaks=$(<$KMEMLEAK)
	fi
	[ -z "$leaks" ] || echo "$leaks" >>"$out"
	echo clear >$KMEMLEAK
}

# Lockdep turns itself off for good after its first report: say so once,
# since every later scenario runs without it.
lockdep_watch() {
	local l
	[ -r /proc/lockdep_stats ] && [ ! -e "$run/lockdep-off" ] || return 0
	while read -r l; do
		if [[ $l == *"debug_locks:"*" 0" ]]; then
			echo "$1" >"$run/lockdep-off"
			say "note: lockdep is off from here on (debug_locks = 0 after $1)"
		fi
	done </proc/lockdep_stats
}

# Writes the kernel log records logged since the last call to file $1, in
# dmesg's format. Reads /dev/kmsg through fd 8, opened once at start: its
# position is kept in the open file, and it ignores `dmesg -C`, so a scenario
# clearing the log cannot hide anything from the scan. (bash cannot read
# /dev/kmsg itself: every read must take one whole record; dd does.)
new_kernel_log() {
	dd iflag=nonblock bs=65536 <&8 2>/dev/null | awk '
		# "prio,seq,usec,flags;text"; lines starting with a space are metadata.
		/^[0-9]+,[0-9]+,[0-9]+,[^;]*;/ {
			i = index($0, ";")
			split(substr($0, 1, i - 1), h, ",")
			printf "[%5d.%06d] %s\n", int(h[3] / 1000000), h[3] % 1000000, substr($0, i + 1)
		}' >"$1"
}

# Appends the lines of file $1 matching $BAD to file $2. With $3 =
# alloc-failure, the stack dumps the kernel prints after an allocation
# failure are left out first: fault injection provokes them on purpose. Such
# a dump (from "CPU: N PID: ... Comm:" to "</TASK>") directly follows its
# reason: warn_alloc's "COMM: MESSAGE, mode:0x...(GFP), nodemask=...", or a
# message ending in -12 (-ENOMEM, e.g. "sysctl could not get directory:
# ... -12"). A warning or BUG prints its own header line (and "Modules
# linked in:" before "CPU:"), so those are still caught.
scan_log() {
	[ -s "$1" ] || return 0
	if [[ ,${3:-}, == *,alloc-failure,* ]]; then
		# kmemleak's own metadata may fail too: then it scans the whole
		# object instead of an area (no loss of checking).
		awk '
			skip { if (/<\/TASK>/ || ++n > 150) skip = 0; next }
			/kmemleak: Cannot allocate a scan area, scanning the full object/ { next }
			/\] CPU: [0-9]+ PID: [0-9]+ Comm: / && nomem { skip = 1; n = 0; nomem = 0; next }
			{ nomem = /, mode:0x[0-9a-f]+\(.*\), ?nodemask=/ || /-12$/; print }' "$1" |
			grep -E "$BAD" >>"$2"
	else
		grep -E "$BAD" "$1" >>"$2"
	fi
	return 0
}

run_scenario() {
	local d=$1 timeout=$2 sflags=$3 path=$4 pid tpid rc t0 t1 verdict
	[ -d "$d/out" ] || mkdir -p "$d/out" # run.sh creates it
	: >"$d/reasons"
	say "START $path"
	t0=$(now_ms)
	(
		cd "$AVPN_TOP" || exit 127
		export AVPN_OUT="$d/out"
		if [ -x "$path" ]; then exec setsid "$path"; fi
		exec setsid bash "$path"
	) >"$d/output.log" 2>&1 </dev/null 8<&- 9<&- &
	pid=$!
	# Watchdog: on timeout, record it, dump blocked tasks, kill the session.
	(
		snooze "$timeout"
		: >"$d/timedout"
		echo w >/proc/sysrq-trigger
		kill -TERM -- "-$pid" "$pid" 2>/dev/null
		snooze 5
		kill -KILL -- "-$pid" "$pid" 2>/dev/null
	) &
	tpid=$!
	wait "$pid"
	rc=$?
	kill -KILL "$tpid" 2>/dev/null
	wait "$tpid" 2>/dev/null
	t1=$(now_ms)
	echo "$rc" >"$d/rc"
	echo $((t1 - t0)) >"$d/elapsed_ms"
	if [ -e "$d/timedout" ]; then
		echo "timed out after ${timeout}s (killed; blocked tasks dumped to dmesg)" >>"$d/reasons"
	elif [ "$rc" != 0 ]; then
		echo "exit status $rc" >>"$d/reasons"
	fi
	say "cleanup"
	cleanup_scenario "$d"
	new_kernel_log "$d/dmesg.txt"
	: >"$d/dmesg-bad.txt"
	scan_log "$d/dmesg.txt" "$d/dmesg-bad.txt" "$sflags"
	scan_log "$d/dmesg-kmemleak.txt" "$d/dmesg-bad.txt"
	lockdep_watch "$path"
	if [ -s "$d/dmesg-bad.txt" ]; then
		echo "kernel log shows a bug (offending lines in dmesg-bad.txt)" >>"$d/reasons"
	fi
	verdict="PASS $path"
	[ -s "$d/reasons" ] && verdict="FAIL $path"
	echo "$verdict" >"$d/verdict"
	say "$verdict ($((t1 - t0)) ms)"
	echo "${d##*/}" >>"$run/progress"
}

# udev would load the modules matching the CPU's features at boot; without
# them gcm(aes) is aes-generic, not AES-NI (several times slower, and unlike a
# real gateway). Only the arch crypto ones: kvm, edac, cpufreq are not wanted.
load_cpu_crypto() {
	local alias m mods=() dir
	read -r alias </sys/devices/system/cpu/modalias || return
	dir=/lib/modules/$(uname -r)/kernel/arch/x86/crypto
	for m in $(modprobe -R "$alias" 2>/dev/null); do
		[ -e "$dir/$m.ko" ] || [ -e "$dir/${m//_/-}.ko" ] || continue
		[[ " ${mods[*]} " == *" $m "* ]] || mods+=("$m")
	done
	[ ${#mods[@]} = 0 ] || modprobe -a "${mods[@]}"
}

main() {
	local dir timeout flags path up
	mkfifo /run/avpn-vm-snooze && exec 9<>/run/avpn-vm-snooze
	# Everything in job.env (AVPN_TOP, AVPN_KO, AVPN_BIN and run.sh -e
	# variables) goes into the scenarios' environment.
	set -a
	if ! . "$run/job.env"; then
		set +a
		say "cannot read $run/job.env"
		return
	fi
	set +a
	exec 8</dev/kmsg
	say "guest.sh started"
	# Not a kernel parameter: a sysctl. TCG on a loaded host is slow.
	echo 240 >/proc/sys/kernel/hung_task_timeout_secs
	save_global_sysctls
	read_builtins
	load_cpu_crypto
	say "cpu crypto modules loaded"
	# kmemleak: what boot left behind is not the first scenario's leak.
	if [ -w $KMEMLEAK ]; then
		kmemleak_check "$run/boot-kmemleak.txt"
		say "kmemleak: boot scanned$([ -s "$run/boot-kmemleak.txt" ] && echo ', reports in boot-kmemleak.txt')"
	fi
	new_kernel_log "$run/boot-dmesg.txt"
	read -r up _ </proc/uptime
	echo "$up" >"$run/booted"
	say "booted"
	wedged=0
	while read -r dir timeout flags path; do
		if [ "$wedged" = 1 ]; then
			mkdir -p "$run/$dir"
			echo "not run: an earlier scenario left the kernel wedged" >"$run/$dir/reasons"
			echo "FAIL $path" >"$run/$dir/verdict"
			echo "$dir" >>"$run/progress"
			continue
		fi
		run_scenario "$run/$dir" "$timeout" "$flags" "$path"
	done <"$run/scenarios"
	say "all scenarios done"
}

main
poweroff_now
