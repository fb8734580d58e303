#!/bin/bash
# dist/autovpn.bash-completion, driven the way bash drives it: source it,
# set COMP_WORDS/COMP_CWORD for a command line, call _autovpn, compare
# COMPREPLY. `ip` is replaced by a function that lists two autovpn devices
# as `ip -o link show type autovpn` does (the host has no module); the
# real lister runs too and must stay quiet without one. The commands it
# offers are the tool's (`autovpn --help`).
set -u
. "$(dirname "$0")/lib.sh"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
F=dist/autovpn.bash-completion

check completion.syntax bash -n "$F"
# The real interface lister on a host without autovpn devices: no output,
# no error.
out=$(bash -c ". $F && _autovpn_interfaces" 2>&1)
check completion.real_lister_quiet test -z "$out"
check completion.registered bash -c ". $F && complete -p autovpn | grep -q -- '-F _autovpn'"

touch "$W/ab1.key" "$W/ab2.key"
# comp NAME EXPECTED WORD... : the line is "autovpn WORD...", the cursor on
# the last word (give '' for a fresh word); EXPECTED is COMPREPLY sorted,
# space-separated.
comp() {
	local name=$1 want=$2
	shift 2
	local got
	got=$(cd "$W" && bash -c '
		. "$0"
		ip() {
			[ "$*" = "-o link show type autovpn" ] || return 1
			echo "4: av0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1420 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\    link/none "
			echo "7: av1: <POINTOPOINT,NOARP> mtu 1420 qdisc noop state DOWN mode DEFAULT group default qlen 1000\    link/none "
		}
		COMP_WORDS=(autovpn "${@:1}")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_autovpn
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ $//"
	' "$OLDPWD/$F" "$@")
	if [ "$got" = "$want" ]; then pass "completion.$name"; else
		fail "completion.$name" "autovpn $* -> '$got', want '$want'"; fi
}

cmds=$( ("$B/autovpn" --help | sed -n '/^Commands/,/^$/p' | awk 'NF && !/^Commands/ {print $1}'
	echo help; echo --help) | sort | tr '\n' ' ' | sed 's/ $//')
check completion.tool_has_commands test "$(echo "$cmds" | wc -w)" -ge 9
comp commands "$cmds" ''
comp prefix show sh
comp prefix_ambiguous "genkey" g
comp show_ifaces "av0 av1 dump" show ''
comp show_options "--help --json" show --
comp show_iface_dump "dump" show av0 ''
comp show_json_prefix "--json" show av0 --j
comp diagnose_ifaces "av1" diagnose av1
comp diagnose_json "--help --json" diagnose -
comp monitor_ifaces "av0 av1" monitor ''
comp genkey_data "--data --help" genkey ''
comp pubkey_nothing "" pubkey ''
comp link_verbs "add del delete" link ''
comp link_del_ifaces "av0 av1" link del ''
comp link_add_mtu "mtu" link add av2 ''
comp link_add_name_free "" link add ''
comp set_ifaces "av0 av1" set ''
comp set_device_words "active-active peer uplink" set av0 ''
comp set_active_active "off on" set av0 active-active ''
comp set_uplink_id "0 1" set av0 uplink ''
comp set_uplink_verb "bind none" set av0 uplink 0 ''
comp set_uplink_dev "lo" set av0 uplink 0 bind 127.0.0.1:40000 dev l
comp set_peer_id_free "" set av0 peer ''
comp set_peer_words "allowed key key-del key-swap name path peer remove replace-allowed replace-routes routes rx-index tx-index" set av0 peer 1 ''
comp set_path_words "state" set av0 peer 1 path 0 st
comp set_path_state "down up" set av0 peer 1 path 0 state ''
comp set_path_uplink "0 1" set av0 peer 1 path 0 uplink ''
comp set_key_slot "current next previous" set av0 peer 1 key ''
comp set_key_id "id" set av0 peer 1 key next ''
comp set_key_files "ab1.key ab2.key" set av0 peer 1 key next id 2 tx ab
comp set_key_limits "rekey-packets rekey-secs" set av0 peer 1 key next id 2 tx a rx b rek
comp set_key_del "current next previous" set av0 peer 1 key-del ''
comp set_second_peer "peer" set av0 peer 1 name b pe
