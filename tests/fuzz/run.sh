#!/bin/sh
# Runs one libFuzzer harness for a bounded time on a scratch copy of its seed
# corpus. usage: run.sh BUILD_DIR NAME SECONDS
b=$1; n=$2; secs=$3
bin=$b/fuzz/fuzz_$n
work=$b/fuzz/corpus-$n
mkdir -p "$work"
[ -d "tests/fuzz/corpus/$n" ] && cp -n tests/fuzz/corpus/"$n"/* "$work"/ 2>/dev/null
dict=
[ -f "tests/fuzz/$n.dict" ] && dict=-dict=tests/fuzz/$n.dict
log=$b/fuzz/$n.log
echo "fuzz_$n: ${secs}s"
if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$b/fuzz/crash-$n-" $dict "$work" > "$log" 2>&1; then
	grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$log" | tail -2
	exit 0
fi
echo "fuzz_$n FAILED; log $log:"
tail -40 "$log"
exit 1
