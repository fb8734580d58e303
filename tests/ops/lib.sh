# Shared by tests/ops/*.sh: one "RESULT PASS|FAIL ops.<suite>.<name>" line
# per check (tests/ops/build.mk turns them into $(RESULTS)/check-ops-*.res).
B=${B:-build}
pass() { echo "RESULT PASS $1"; }
fail() { echo "RESULT FAIL $1${2:+ ($2)}"; }
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
