#!/bin/bash
# autovpnd's command line on the host: --help, bad options, --check on a good
# config, on a config with errors (every one as file:line, exit 1, nothing
# started), and on a private key that others can read; a SIGHUP before the
# daemon's loop runs does not kill it.
set -u
B=${B:-build}
D=$B/autovpnd
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
pass() { echo "RESULT PASS $1"; }
fail() { echo "RESULT FAIL $1${2:+ ($2)}"; }
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "'$*'"; fi
}

(umask 077 && "$B/autovpn" genkey > "$W/gw.key")
reg=$("$B/autovpn" pubkey < "$W/gw.key")
cat > "$W/good.conf" <<EOT
[gateway]
name = Site A
private-key = gw.key
[registry]
address = 127.0.0.1:9350
public-key = $reg
[uplink "wan1"]
device = lo
EOT
cat > "$W/bad.conf" <<EOT
[gateway]
name = Site A
[registry]
address = 127.0.0.1
public-key = $reg
[uplink "wan1"]
device = lo
port = 0
EOT

"$D" --help > "$W/help"
check help_exit_0 test $? = 0
check help_names_check grep -q -- '--check' "$W/help"
"$D" --no-such-option > /dev/null 2>&1
check bad_option_exit_2 test $? = 2

out=$("$D" -c "$W/good.conf" --check 2>&1)
check good_config_ok test $? = 0
check good_config_says_ok grep -q "good.conf: OK" <<<"$out"

out=$("$D" -c "$W/bad.conf" --check 2>&1)
rc=$?
echo "$out"
check bad_config_exit_1 test $rc = 1
check bad_config_missing_key grep -q "bad.conf:1: \[gateway\] needs 'private-key'" <<<"$out"
check bad_config_bad_address grep -q "bad.conf:4: bad registry address" <<<"$out"
check bad_config_bad_port grep -q "bad.conf:8: bad port '0'" <<<"$out"
check bad_config_three_errors test "$(grep -c 'bad.conf:' <<<"$out")" = 3

chmod 644 "$W/gw.key"
out=$("$D" -c "$W/good.conf" --check 2>&1)
rc=$?
echo "$out"
check readable_key_refused test $rc = 1
check readable_key_says_why grep -q "good.conf:3: private-key .*gw.key" <<<"$out"
"$D" -c "$W/none.conf" --check > /dev/null 2>&1
check missing_config_exit_1 test $? = 1

# A SIGHUP (reload) in the daemon's first moments, before its loop reads
# signals, used to kill it (the signal's default action); with a FIFO config
# it comes while the daemon waits in open() inside main (tests/early_hup.sh),
# and the daemon goes on (to "not a regular file", exit 1).
. tests/early_hup.sh
mkfifo "$W/fifo.conf"
trap 'kill "${EARLY_HUP_PID:-}" 2>/dev/null; rm -rf "$W"' EXIT
early_hup "$W/fifo.conf" "$W/hup.out" "$D" -c "$W/fifo.conf" -f
rc=$?
cat "$W/hup.out"
check early_hup_daemon_waits_in_open test $rc != 125
check early_hup_not_killed test $rc = 1
check early_hup_went_on grep -q "fifo.conf: not a regular file" "$W/hup.out"
