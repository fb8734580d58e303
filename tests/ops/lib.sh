# Shared by tests/ops/*.sh: one "RESULT PASS|FAIL ops.<suite>.<name>" line
# per check (tests/ops/build.mk turns them into $(RESULTS)/check-ops-*.res).
B=${B:-build}
# fails: how many checks failed so far (a VM scenario's exit status).
fails=0
pass() { echo "RESULT PASS $1"; }
fail() {
	echo "RESULT FAIL $1${2:+ ($2)}"
	fails=$((fails + 1))
}
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "'$*'"; fi
}
# same NAME FILE_A FILE_B: the two sorted word lists are equal; prints the
# difference otherwise.
same() {
	if diff -u "$2" "$3" > /dev/null; then
		pass "$1"
	else
		fail "$1" "differ: $(diff "$2" "$3" | grep '^[<>]' | tr '\n' ' ')"
	fi
}

# The container check scripts (deb_root.sh writes them into the root, a
# oneshot unit runs them, see check_unit there) print "RESULT PASS|FAIL
# NAME" through r NAME STATUS [DETAIL], defined in the root's
# /root/check-lib.sh, and "UNITS DONE" when they reach their end.
# unit_results PREFIX OUT SCRIPT: OUT's RESULT lines with PREFIX, its other
# lines as they are, and two checks: SCRIPT reached its end, and every
# "; r NAME" in it passed.
unit_results() {
	check "$1.checks_finished" grep -qx 'UNITS DONE' "$2"
	sed -n "s/^RESULT \(PASS\|FAIL\) /&$1./p" "$2"
	grep -v '^RESULT' "$2"
	check "$1.all_checks_ran" test "$(grep -c '^RESULT PASS' "$2")" = "$(grep -c '; r ' "$3")"
}
