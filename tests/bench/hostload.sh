#!/bin/bash
# usage: tests/bench/hostload.sh BENCH_FILE CMD...
# Runs CMD (a benchmark VM) while sampling the host's load average every
# 10 s, then appends to BENCH_FILE how loaded the host was meanwhile: the
# mean and maximum 1-minute load average and the number of host CPUs. The
# VM itself keeps up to 2 host CPUs busy (one thread per vCPU under TCG), so
# a load near 2 means the VM had the host to itself; every unit above is
# another runnable task competing with it, and the benchmark's absolute
# figures shrink with it (its ratios, taken within the run, less so).
set -u
out=$1
shift
samples=$(mktemp)
(
	while :; do
		cut -d' ' -f1 /proc/loadavg >>"$samples"
		sleep 10
	done
) &
sampler=$!
"$@"
rc=$?
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
awk -v cpus="$(nproc)" '{ s += $1; if ($1 > m) m = $1 } END {
	if (NR) printf "BENCH host_loadavg1_mean %.2f\nBENCH host_loadavg1_max %.2f\nBENCH host_cpus %d\n", s / NR, m, cpus
}' "$samples" | tee -a "$out"
rm -f "$samples"
exit $rc
