#!/bin/bash
# Sourced by tests/gateway/cli.sh and tests/registry/t_early_hup.sh: a
# SIGHUP (reload) in a daemon's first moments, before its loop reads
# signals, must not kill it (the signal's default action did).
#
# early_hup FIFO OUT CMD...: runs CMD, whose config is the FIFO FIFO, in the
# background with its output in OUT (its pid in EARLY_HUP_PID, for the
# caller's EXIT trap), with SIGHUP's default action whatever the caller's
# (under nohup an ignored SIGHUP would let an unfixed daemon pass). CMD
# opens its config inside main, so it waits there, deterministically, for a
# writer; once it does (10 s at most) it gets the SIGHUP, then the FIFO gets
# a writer. Returns CMD's exit status (129 from
# the shell: killed by the signal), or 125 when CMD never waited in open().
early_hup() {
	local fifo=$1 out=$2 i
	shift 2
	env --default-signal=HUP "$@" > "$out" 2>&1 &
	EARLY_HUP_PID=$!
	for ((i = 0; i < 100; i++)); do
		early_hup_in_open "$EARLY_HUP_PID" && break
		sleep 0.1
	done
	if ((i == 100)); then
		kill "$EARLY_HUP_PID" 2>/dev/null
		wait "$EARLY_HUP_PID"
		return 125
	fi
	kill -HUP "$EARLY_HUP_PID"
	sleep 0.2
	: 1<>"$fifo" # a writer (read-write: never blocks): CMD's open() returns
	wait "$EARLY_HUP_PID"
}

# early_hup_in_open PID: PID sleeps in open() of a FIFO: the kernel's wait
# for a writer, or, only on a kernel whose wchan says nothing (without
# KALLSYMS), the system call it sleeps in (openat 257, open 2), which alone
# would also match the dynamic loader's opens before main.
early_hup_in_open() {
	local w s
	w=$(cat "/proc/$1/wchan" 2>/dev/null)
	[ "$w" = wait_for_partner ] || [ "$w" = fifo_open ] && return 0
	[ -z "$w" ] || [ "$w" = 0 ] || return 1
	s=$(cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null)
	[ "$s" = 257 ] || [ "$s" = 2 ]
}
