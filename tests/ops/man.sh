#!/bin/bash
# The man pages in man/: each renders without a warning (man --warnings,
# groff -wall), and says what the code does: a program's options in its
# --help, in its getopt table and in the OPTIONS of its page are the same
# set (both directions); the tool's commands and their options likewise;
# the config keys the parsers know (daemon/lib/conf) are the keys the
# file format pages describe, no more and no fewer.
set -u
. "$(dirname "$0")/lib.sh"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
PAGES="autovpn.8 autovpnd.8 autovpn-registry.8 autovpnd.conf.5 autovpn-org.conf.5"

for p in $PAGES; do
	check "man.$p.exists" test -s "man/$p"
	# man --warnings: groff's warnings (-wmac etc.) and man's own.
	MANWIDTH=80 man --warnings -l "man/$p" > "$W/$p.txt" 2> "$W/$p.warn"
	check "man.$p.man_clean" test ! -s "$W/$p.warn"
	groff -wall -man -Tutf8 -z "man/$p" > "$W/$p.groff" 2>&1
	check "man.$p.groff_clean" test ! -s "$W/$p.groff"
	check "man.$p.has_name" grep -q '^NAME' "$W/$p.txt"
done

# The long options of a rendered page's OPTIONS section (or all of it).
page_longopts() { # PAGE [SECTION]
	MANWIDTH=200 man -l "man/$1" 2> /dev/null | col -b |
		if [ -n "${2:-}" ]; then sed -n "/^$2/,/^[A-Z]/p"; else cat; fi |
		grep -o -- '--[a-z][a-z-]*' | sort -u
}
page_shortopts() { # PAGE SECTION
	MANWIDTH=200 man -l "man/$1" 2> /dev/null | col -b | sed -n "/^$2/,/^[A-Z]/p" |
		grep -oE -- '(^|[ ,])-[a-zA-Z]\b' | tr -d ' ,' | sort -u
}
help_longopts() { grep -o -- '--[a-z][a-z-]*' | sort -u; }
help_shortopts() { grep -oE -- '^ +-[a-zA-Z],' | tr -d ' ,' | sort -u; }
# The getopt_long table of a main.c: { "name", ...
code_longopts() { grep -oE '^\s*\{ "[a-z][a-z-]*", (no|required|optional)_argument' "$1" |
	sed 's/.*"\(.*\)".*/--\1/' | sort -u; }

for prog in autovpnd autovpn-registry; do
	case $prog in
	autovpnd) src=daemon/gateway/main.c ;;
	*) src=daemon/registry/main.c ;;
	esac
	"$B/$prog" --help > "$W/$prog.help" 2>&1
	check "man.$prog.help_exit_0" test $? = 0
	help_longopts < "$W/$prog.help" > "$W/$prog.help.long"
	page_longopts "$prog.8" OPTIONS > "$W/$prog.man.long"
	code_longopts "$src" > "$W/$prog.code.long"
	check "man.$prog.help_has_options" test -s "$W/$prog.help.long"
	same "man.$prog.long_help_vs_page" "$W/$prog.help.long" "$W/$prog.man.long"
	same "man.$prog.long_code_vs_help" "$W/$prog.code.long" "$W/$prog.help.long"
	help_shortopts < "$W/$prog.help" > "$W/$prog.help.short"
	page_shortopts "$prog.8" OPTIONS > "$W/$prog.man.short"
	same "man.$prog.short_help_vs_page" "$W/$prog.help.short" "$W/$prog.man.short"
	# Every option of the page's synopsis is a real one.
	MANWIDTH=200 man -l "man/$prog.8" 2> /dev/null | col -b | sed -n '/^SYNOPSIS/,/^[A-Z]/p' |
		grep -o -- '--[a-z][a-z-]*' | sort -u > "$W/$prog.syn"
	check "man.$prog.synopsis_options_exist" \
		test -z "$(comm -23 "$W/$prog.syn" "$W/$prog.code.long")"
done

# autovpn: its commands (the table in `autovpn --help`) are the page's
# COMMANDS, and the options of every command's --help are the page's.
"$B/autovpn" --help > "$W/tool.help"
check man.autovpn.help_exit_0 test $? = 0
sed -n '/^Commands/,/^$/p' "$W/tool.help" | awk 'NF && !/^Commands/ {print $1}' |
	sort -u > "$W/tool.cmds"
MANWIDTH=200 man -l man/autovpn.8 2> /dev/null | col -b | sed -n '/^COMMANDS/,/^[A-Z]/p' |
	awk '/^       [a-z]/ {print $1}' | sort -u > "$W/tool.man.cmds"
check man.autovpn.has_commands test "$(wc -l < "$W/tool.cmds")" -ge 7
same man.autovpn.commands_help_vs_page "$W/tool.cmds" "$W/tool.man.cmds"
: > "$W/tool.all.help"
cat "$W/tool.help" >> "$W/tool.all.help"
for c in $(cat "$W/tool.cmds"); do
	"$B/autovpn" "$c" --help >> "$W/tool.all.help" 2>&1
	check "man.autovpn.$c.help_exit_0" test $? = 0
	# The page's synopsis has a line for the command.
	check "man.autovpn.$c.in_synopsis" grep -q "^\.B autovpn $c" man/autovpn.8
done
help_longopts < "$W/tool.all.help" > "$W/tool.help.long"
page_longopts autovpn.8 > "$W/tool.man.long"
same man.autovpn.long_help_vs_page "$W/tool.help.long" "$W/tool.man.long"
# set's words (the grammar of `autovpn set --help`) are all in the page.
"$B/autovpn" set --help 2>&1 | grep -oE '\b[a-z][a-z-]+\b' | sort -u > "$W/set.words"
MANWIDTH=200 man -l man/autovpn.8 2> /dev/null | col -b | grep -oE '\b[a-z][a-z-]+\b' |
	sort -u > "$W/tool.man.words"
missing=
for w in active-active uplink bind dev none peer name rx-index tx-index remove routes \
	replace-routes allowed replace-allowed path endpoint state priority class-mask key \
	current previous next id tx rx rekey-packets limit-packets rekey-secs lifetime-secs \
	key-swap key-del; do
	grep -qx "$w" "$W/set.words" || missing="$missing help:$w"
	grep -qx -- "$w" "$W/tool.man.words" || missing="$missing page:$w"
done
check man.autovpn.set_words test -z "$missing"

# Config keys: the parsers' keys (strcmp(k|key, "...") in the section
# handlers) against the "key = " items of the pages.
conf_keys_code() { grep -ohE 'strcmp\((k|key), "[a-z][a-z-]*"\)' "$@" |
	sed 's/.*"\(.*\)".*/\1/' | sort -u; }
conf_keys_page() { grep -oE '^\.B[IR]? "[a-z][a-z-]* = ' "man/$1" |
	sed 's/^\.B[IR]* "\([a-z-]*\).*/\1/' | sort -u; }
conf_keys_code daemon/lib/conf/gwconf.c > "$W/gw.code"
conf_keys_page autovpnd.conf.5 > "$W/gw.page"
check man.autovpnd.conf.has_keys test "$(wc -l < "$W/gw.code")" -ge 10
same man.autovpnd.conf.keys_code_vs_page "$W/gw.code" "$W/gw.page"
conf_keys_code daemon/lib/conf/orgconf*.c > "$W/org.code"
conf_keys_page autovpn-org.conf.5 > "$W/org.page"
check man.autovpn-org.conf.has_keys test "$(wc -l < "$W/org.code")" -ge 15
same man.autovpn-org.conf.keys_code_vs_page "$W/org.code" "$W/org.page"
