#!/bin/bash
# Self-test of the VM harness: runs the scenarios in this directory through
# tests/vm/run.sh and asserts that each is classified as it must be.
# usage: check.sh RESULT_FILE   (writes "PASS name" / "FAIL name" lines)
set -u
# The whole script is one block, parsed before it runs: editing this file
# while a run is going on cannot break that run.
{
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
res=$1
: >"$res"
cd "$top" || exit 1
st=tests/vm/selftest
fails=0

ok() {
	echo "PASS vm-selftest:$1" >>"$res"
}
bad() {
	echo "FAIL vm-selftest:$1" >>"$res"
	echo "vm-selftest: FAIL $1: $2"
	fails=$((fails + 1))
}
# expect NAME LINE FILE: FILE has exactly LINE.
expect() {
	if grep -qxF -- "$2" "$3"; then ok "$1"; else bad "$1" "no line '$2' in $3"; fi
}
# expect_in NAME PATTERN FILE
expect_in() {
	if grep -qE -- "$2" "$3" 2>/dev/null; then ok "$1"; else bad "$1" "'$2' not in $3"; fi
}
rundir() { sed -n 's/.*logs in \(build\/vm\/run-[^ ]*\).*/\1/p' "$1" | head -n 1; }

# --- run 1: everything in one VM; the order matters (dirty.sh -> clean.sh) --
out1=$(mktemp)
res1=$(mktemp)
rm -f build/vm/.guest-write-test
tests/vm/run.sh -t 60 -o "$res1" $st/pass.sh $st/fail.sh $st/warn.sh $st/refcount.sh \
	$st/hang.sh $st/dirty.sh $st/clean.sh $st/tools.sh $st/pass.sh 2>&1 | tee "$out1"
rc1=${PIPESTATUS[0]}
r1=$(rundir "$out1")
if [ -z "$r1" ]; then
	bad run1 "run.sh did not start (exit $rc1)"
else
	[ $rc1 = 1 ] && ok run1-exit-status || bad run1-exit-status "exit $rc1, want 1"
	expect pass "PASS $st/pass.sh" "$res1"
	expect pass-subresult "PASS $st/pass.sh:env" "$res1"
	[ "$(grep -cxF "PASS $st/pass.sh" "$res1")" = 2 ] && ok pass-after-hang ||
		bad pass-after-hang "the scenario after a hang did not pass"
	expect fail "FAIL $st/fail.sh" "$res1"
	expect fail-subresult "FAIL $st/fail.sh:sub" "$res1"
	expect_in fail-output-shown '^this scenario fails on purpose' "$out1"
	expect warn "FAIL $st/warn.sh" "$res1"
	expect_in warn-dmesg 'WARNING: .*avpn_vm_warn' "$r1/003-warn/dmesg-bad.txt"
	expect_in warn-shown 'offending lines' "$out1"
	expect refcount "FAIL $st/refcount.sh" "$res1"
	expect_in refcount-dmesg 'refcount_t: ' "$r1/004-refcount/dmesg-bad.txt"
	expect hang "FAIL $st/hang.sh" "$res1"
	expect_in hang-timeout 'timed out after 8s' "$r1/005-hang/reasons"
	expect dirty "PASS $st/dirty.sh" "$res1"
	expect cleaned-up "PASS $st/clean.sh" "$res1"
	expect tools "PASS $st/tools.sh" "$res1"
	grep "^[A-Z]* $st/tools.sh:" "$res1" | sed "s|^|vm tools: |"
	expect_in bench '^BENCH selftest_value 42$' "$r1/bench.txt"
	[ -f "$r1/001-pass/out/artifact.txt" ] && ok artifact-on-host ||
		bad artifact-on-host "AVPN_OUT/artifact.txt not on the host"
	[ ! -e build/vm/.guest-write-test ] && [ ! -e /var/tmp/.avpn-guest-write-test ] &&
		ok host-untouched || bad host-untouched "a guest write outside AVPN_OUT reached the host"
	expect_in console-log 'avpn-vm: .* all scenarios done' "$r1/console.log"
fi

# --- run 2: a kernel panic fails the scenario and every one after it --------
out2=$(mktemp)
res2=$(mktemp)
t0=$SECONDS
tests/vm/run.sh -t 60 -o "$res2" $st/pass.sh $st/crash.sh $st/pass.sh 2>&1 | tee "$out2"
rc2=${PIPESTATUS[0]}
if [ -z "$(rundir "$out2")" ]; then
	bad run2 "run.sh did not start (exit $rc2)"
else
	[ $rc2 = 1 ] && ok run2-exit-status || bad run2-exit-status "exit $rc2, want 1"
	[ "$(sed -n 1p "$res2")" = "PASS $st/pass.sh" ] && ok before-panic ||
		bad before-panic "first scenario: $(sed -n 1p "$res2")"
	expect panic "FAIL $st/crash.sh" "$res2"
	[ "$(tail -n 1 "$res2")" = "FAIL $st/pass.sh" ] && ok after-panic ||
		bad after-panic "scenario after the panic: $(tail -n 1 "$res2")"
	expect_in panic-reported 'the VM stopped' "$out2"
	[ $((SECONDS - t0)) -lt 120 ] && ok panic-fast || bad panic-fast "took $((SECONDS - t0)) s"
fi

# --- run 3: -j 2 shares the scenarios between two VMs at once --------------
out3=$(mktemp)
res3=$(mktemp)
tests/vm/run.sh -t 60 -j 2 -o "$res3" $st/pass.sh $st/fail.sh $st/pass.sh 2>&1 | tee "$out3"
rc3=${PIPESTATUS[0]}
[ $rc3 = 1 ] && ok jobs-exit-status || bad jobs-exit-status "exit $rc3, want 1 (one VM failed)"
[ "$(grep -cxF "PASS $st/pass.sh" "$res3")" = 2 ] && ok jobs-both-passes ||
	bad jobs-both-passes "$(tr '\n' ';' <"$res3")"
expect jobs-fail "FAIL $st/fail.sh" "$res3"
# Each scenario's result and its sub-result (pass.sh:env, fail.sh:sub).
[ "$(wc -l <"$res3")" = 6 ] && ok jobs-merged ||
	bad jobs-merged "$(wc -l <"$res3") results, want 6: $(tr '\n' ';' <"$res3")"
[ "$(grep -o 'logs in build/vm/run-[^ ]*' "$out3" | sort -u | wc -l)" = 2 ] && ok jobs-two-vms ||
	bad jobs-two-vms "not two run directories in $out3"
expect_in jobs-summary 'all 2 VMs: 4 passed, 2 failed' "$out3"

# --- run 4: a VM that does not boot in time is started once more -----------
# (A boot limit of 0 s, a wait of 1 s at most: no boot under TCG is that
# fast, so both boots fail.)
out4=$(mktemp)
res4=$(mktemp)
t0=$SECONDS
AVPN_VM_BOOT_LIMIT=0 tests/vm/run.sh -t 60 -o "$res4" $st/pass.sh 2>&1 | tee "$out4"
rc4=${PIPESTATUS[0]}
[ $rc4 = 1 ] && ok noboot-exit-status || bad noboot-exit-status "exit $rc4, want 1"
expect noboot-fails "FAIL $st/pass.sh" "$res4"
[ "$(grep -c '^tests/vm/run.sh: the VM did not boot within 0s' "$out4")" = 2 ] && ok noboot-booted-twice ||
	bad noboot-booted-twice "not two boots that failed in $out4"
expect_in noboot-second-boot 'booting again, once' "$out4"
r4=$(rundir "$out4")
[ -n "$r4" ] && [ -f "$r4/console-boot1.log" ] && ok noboot-first-console-kept ||
	bad noboot-first-console-kept "no console-boot1.log in '$r4'"
[ $((SECONDS - t0)) -lt 60 ] && ok noboot-fast || bad noboot-fast "took $((SECONDS - t0)) s"

# --- run 5: the first boot hangs (its limit 0 s), the second runs it all ----
out5=$(mktemp)
res5=$(mktemp)
AVPN_VM_BOOT1_LIMIT=0 tests/vm/run.sh -t 60 -o "$res5" $st/pass.sh 2>&1 | tee "$out5"
rc5=${PIPESTATUS[0]}
[ $rc5 = 0 ] && ok reboot-exit-status || bad reboot-exit-status "exit $rc5, want 0"
[ "$(tr '\n' ';' <"$res5")" = "PASS $st/pass.sh;PASS $st/pass.sh:env;" ] && ok reboot-passes ||
	bad reboot-passes "$(tr '\n' ';' <"$res5")"
expect_in reboot-noted 'note: the VM was booted twice' "$out5"
r5=$(rundir "$out5")
[ -n "$r5" ] && [ -f "$r5/console-boot1.log" ] && [ -s "$r5/booted" ] && ok reboot-files ||
	bad reboot-files "no console-boot1.log or booted in '$r5'"
rm -f "$out1" "$res1" "$out2" "$res2" "$out3" "$res3" "$out4" "$res4" "$out5" "$res5"
echo "vm-selftest: $(grep -c '^PASS' "$res") passed, $fails failed"
[ $fails = 0 ]
exit
}
