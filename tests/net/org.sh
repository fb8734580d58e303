#!/bin/bash
# shellcheck shell=bash
# The reference document's example organization as network namespaces, for
# the gateway daemon scenarios and `make demo` (sourced; run directly it
# checks the plain topology):
#
#                       inet ("the internet"): registries 192.0.2.1:9350, 192.0.2.2:9350,
#                       a web host 198.51.100.80; routes between the NATs' outsides
#        ______________________|______________________________________________
#       |                      |                      |                       |
#    natsj 198.18.1.2      natsf 203.0.113.10     natlon 198.18.3.2      natpar 198.18.4.2
#       |  (masquerade)        | (port forward       | (masquerade)          | (masquerade)
#       |                      |  51625 -> gwsf)      |                       |
#    gwsj 172.16.1.2       gwsf 172.16.2.2        gwlon 172.16.3.2       gwpar 172.16.4.2
#       |  hub                 |  hub, manual NAT     |  spoke: sj, sf        |  spoke: sf, sj
#    lansj 10.100.0.10     lansf 10.200.0.10      lanlon 10.0.60.10      lanpar 10.60.0.10
#          (192.168.100.10 no-VPN)                (10.0.30.10 AV, no-VPN)
#
# Every gateway is behind its own NAT router (nftables). A site's NAT is
# friendly (`masquerade`) unless org_topology is told otherwise:
#   org_topology lon=random      unfriendly NAT in front of London
#   org_topology sf=masq         San Francisco without its port forwarding
#   org_topology par=sj          Paris behind San Jose's NAT: natsj's inside
#                                is a bridge, gwpar's WAN is 172.16.1.6 on it
#                                (no natpar); the NAT does no hairpinning, so
#                                only private endpoints join the two
# Gateways run autovpnd with a config written by org_gateway_conf; the
# registries run with $WORK/org.conf (the reference org: San Jose and San
# Francisco hubs, London - Finsbury spoke with the reference subnet table,
# a second spoke Paris - Opera with the hubs in the other order).
#
#   . "$(dirname "$0")/org.sh"
#   org_topology || fatal topology
#   org_registries && org_gateways sj sf lon par || fatal start
#   org_wait_tunnels 90 || fail tunnels
#   check lon_to_sj n lanlon ping -c 2 -W 2 10.100.0.10

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ORG_SITES="sj sf lon par"
declare -A ORG_NAME=(
	[sj]="Cisco Cloud Interconnect - San Jose"
	[sf]="Meraki San Francisco - Security"
	[lon]="London - Finsbury"
	[par]="Paris - Opera"
)
declare -A ORG_NUM=([sj]=1 [sf]=2 [lon]=3 [par]=4)
declare -A ORG_PUB=([sj]=198.18.1.2 [sf]=203.0.113.10 [lon]=198.18.3.2 [par]=198.18.4.2)
declare -A ORG_LANHOST=([sj]=10.100.0.10 [sf]=10.200.0.10 [lon]=10.0.60.10 [par]=10.60.0.10)
declare -A ORG_NAT
declare -A ORG_WAN # each gateway's WAN address (inside its NAT)
ORG_REG1=192.0.2.1 ORG_REG2=192.0.2.2 ORG_WWW=198.51.100.80
ORG_SF_FWD_PORT=51625
# ORG_LON_SJ_FLAGS=default-route: London's full tunnel through San Jose.
# ORG_SF_EXTRA: more lines for San Francisco's [network] section (e.g. an
# exit-hub line: a full tunnel in the mesh).
ORG_KEYS=$AVPN_TOP/examples/keys
ORG_PIDS=()
AVPND=$AVPN_BIN/autovpnd
REGISTRY=$AVPN_BIN/autovpn-registry
AVPN=$AVPN_BIN/autovpn

# The topology's ip commands are queued per namespace and each queue runs
# as one `ip -n NS -batch` at the end of org_topology: every exec is slow
# under TCG (some 100 ms), and the topology takes about a hundred. Queues
# run in the order their namespaces were first queued to; a veth is created
# in the namespace of its first end, so its other end's namespace, queued
# to later, finds it there. (Sysctls and nft run at once: before the links
# exist, so the namespaces' defaults apply to them.)
declare -A ORG_IPQ
ORG_IPQ_ORDER=()
org_ipq() { # NS COMMAND...: queue `ip -n NS COMMAND...`
	[ -n "${ORG_IPQ[$1]+set}" ] || ORG_IPQ_ORDER+=("$1")
	ORG_IPQ[$1]+="${*:2}"$'\n'
}
org_ipq_ns() { # NS...: new namespaces (lib.sh's new_ns, lo up queued)
	local ns
	for ns in "$@"; do
		ip netns add "$ns" || return 1
		LIB_NS+=("$ns")
		org_ipq "$ns" link set lo up
	done
}
org_ipq_veth() { # NS1 IF1 NS2 IF2: lib.sh's veth, queued
	org_ipq "$1" link add "$2" type veth peer name "$4" netns "$3"
	org_ipq "$1" link set "$2" up
	org_ipq "$3" link set "$4" up
}
org_ipq_run() {
	local ns
	for ns in "${ORG_IPQ_ORDER[@]}"; do
		printf '%s' "${ORG_IPQ[$ns]}" | ip -n "$ns" -batch - || {
			echo "org_topology: ip -n $ns -batch failed; its lines:" >&2
			printf '%s' "${ORG_IPQ[$ns]}" | cat -n >&2
			return 1
		}
	done
	ORG_IPQ=()
	ORG_IPQ_ORDER=()
}

org_sysctls() {
	n "$1" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 >/dev/null
	# A kernel booted with ipv6.disable=1 has none of these (noipv6/).
	[ ! -e /proc/sys/net/ipv6 ] ||
		n "$1" sysctl -qw net.ipv6.conf.all.forwarding=1 \
			net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 >/dev/null
}

# The LAN side of a site: the gateway's LAN addresses and the LAN host.
org_lan() {
	local s=$1
	org_ipq_veth "gw$s" lan "lan$s" eth0
	# The gateway NATs what leaves its WAN from elsewhere (its LAN, or
	# full-tunnel traffic from other sites), as an appliance does; its own
	# traffic (registry, tunnels) keeps its address and port.
	n "gw$s" nft -f - <<-EOF
	table ip gwnat {
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "wan" ip saddr != ${ORG_WAN[$s]} masquerade
		}
	}
	EOF
	case $s in
	sj)
		org_ipq gwsj addr add 10.100.0.1/16 dev lan
		org_ipq gwsj addr add 192.168.100.1/24 dev lan
		org_ipq lansj addr add 10.100.0.10/16 dev eth0
		org_ipq lansj addr add 192.168.100.10/24 dev eth0
		org_ipq lansj route add default via 10.100.0.1 ;;
	sf)
		org_ipq gwsf addr add 10.200.0.1/16 dev lan
		org_ipq lansf addr add 10.200.0.10/16 dev eth0
		org_ipq lansf route add default via 10.200.0.1 ;;
	lon)
		local a
		for a in 10.0.60.1/24 10.0.20.1/24 10.50.177.1/24 10.0.30.1/24 10.0.40.1/24 \
			10.50.176.33/29 10.50.176.129/25 10.50.179.129/25 10.50.182.1/23 \
			198.133.219.1/24; do
			org_ipq gwlon addr add "$a" dev lan
		done
		org_ipq lanlon addr add 10.0.60.10/24 dev eth0
		org_ipq lanlon addr add 10.0.30.10/24 dev eth0
		org_ipq lanlon route add default via 10.0.60.1 ;;
	par)
		org_ipq gwpar addr add 10.60.0.1/24 dev lan
		org_ipq lanpar addr add 10.60.0.10/24 dev eth0
		org_ipq lanpar route add default via 10.60.0.1 ;;
	esac
}

# org_nat SITE MODE: masq (friendly), random (unfriendly: a port per
# destination), fwd (friendly + port forwarding of $ORG_SF_FWD_PORT),
# fwdrandom (unfriendly + that port forwarding).
# Like any real NAT router it is also a stateful firewall: from outside only
# replies (and the forwarded port) get in. That matters for hole punching:
# an unsolicited packet that the router accepted for itself would leave a
# conntrack entry behind that makes its own later mapping pick another port.
org_nat() {
	local s=$1 mode=$2 num=${ORG_NUM[$1]} flags=""
	case $mode in random | fwdrandom) flags="random" ;; esac
	n "nat$s" nft -f - <<-EOF
	table ip nat {
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "out" masquerade $flags
		}
		chain pre {
			type nat hook prerouting priority dstnat;
			$(case $mode in fwd*) echo "iifname \"out\" udp dport $ORG_SF_FWD_PORT dnat to 172.16.$num.2" ;; esac)
		}
	}
	table inet fw {
		chain input {
			type filter hook input priority filter; policy drop;
			iifname "lo" accept
			iifname "in" accept
			ct state established,related accept
		}
		chain forward {
			type filter hook forward priority filter; policy drop;
			iifname "in" accept
			ct state established,related accept
			ct status dnat accept
		}
	}
	EOF
}

# org_lon_wan2: London's second uplink, after org_topology: wan2 behind its
# own NAT router (natlon2, public 198.18.5.2), policy-routed by its source
# address 172.16.5.2.
org_lon_wan2() {
	ORG_NUM[lon2]=5
	new_ns natlon2
	org_sysctls natlon2
	veth inet tolon2 natlon2 out
	veth natlon2 in gwlon wan2
	ip -n inet addr add 198.18.5.1/24 dev tolon2
	ip -n natlon2 addr add 198.18.5.2/24 dev out
	ip -n natlon2 route add default via 198.18.5.1
	ip -n natlon2 addr add 172.16.5.1/24 dev in
	ip -n gwlon addr add 172.16.5.2/24 dev wan2
	ip -n gwlon rule add from 172.16.5.2 table 105
	ip -n gwlon route add default via 172.16.5.1 dev wan2 table 105
	org_nat lon2 masq
}
# org_lon_wan2_conf: wan2's section in London's daemon config (after
# org_gateway_conf lon).
org_lon_wan2_conf() {
	printf '[uplink "wan2"]\ndevice = wan2\nsource = 172.16.5.2\n' >> "$WORK/lon/autovpnd.conf"
}

# org_nat_remap SITE LO HI: SITE's router maps UDP to ports LO-HI from now
# on (one transaction, so no packet leaves un-NATed in between), then
# forgets its old mappings: the site's NAT mapping changes under it.
org_nat_remap() {
	n "nat$1" nft -f - <<-EOT
	flush chain ip nat post
	add rule ip nat post oifname "out" ip protocol udp masquerade to :$2-$3
	add rule ip nat post oifname "out" masquerade
	EOT
	n "nat$1" conntrack -D -p udp > /dev/null 2>&1
	return 0
}

# org_topology [SITE=MODE ...]: namespaces, addresses, NATs (see the top).
org_topology() {
	local s num arg
	for s in $ORG_SITES; do
		ORG_NAT[$s]=masq
	done
	ORG_NAT[sf]=fwd
	for arg in "$@"; do
		ORG_NAT[${arg%%=*}]=${arg#*=}
	done
	org_ipq_ns inet
	org_sysctls inet
	org_ipq inet link add dummy0 type dummy
	org_ipq inet link set dummy0 up
	org_ipq inet addr add $ORG_REG1/32 dev dummy0
	org_ipq inet addr add $ORG_REG2/32 dev dummy0
	org_ipq inet addr add $ORG_WWW/32 dev dummy0
	for s in $ORG_SITES; do
		[ -z "${ORG_NUM[${ORG_NAT[$s]}]:-}" ] || continue # behind another's NAT
		num=${ORG_NUM[$s]}
		ORG_WAN[$s]=172.16.$num.2
		org_ipq_ns "nat$s" "gw$s" "lan$s"
		org_sysctls "nat$s"
		org_sysctls "gw$s"
		org_ipq_veth inet "to$s" "nat$s" out
		org_ipq inet addr add "${ORG_PUB[$s]%.*}.1/24" dev "to$s"
		org_ipq "nat$s" addr add "${ORG_PUB[$s]}/24" dev out
		org_ipq "nat$s" route add default via "${ORG_PUB[$s]%.*}.1"
		if org_hosts_others "$s"; then
			org_ipq "nat$s" link add in type bridge
			org_ipq "nat$s" link set in up
			org_ipq_veth "nat$s" "in$s" "gw$s" wan
			org_ipq "nat$s" link set "in$s" master in
		else
			org_ipq_veth "nat$s" in "gw$s" wan
		fi
		org_ipq "nat$s" addr add "172.16.$num.1/24" dev in
		org_ipq "gw$s" addr add "${ORG_WAN[$s]}/24" dev wan
		org_ipq "gw$s" route add default via "172.16.$num.1"
		org_nat "$s" "${ORG_NAT[$s]}"
		org_lan "$s"
	done
	for s in $ORG_SITES; do
		local h=${ORG_NAT[$s]}
		[ -n "${ORG_NUM[$h]:-}" ] || continue
		num=${ORG_NUM[$h]}
		ORG_WAN[$s]=172.16.$num.$((2 + ORG_NUM[$s]))
		org_ipq_ns "gw$s" "lan$s"
		org_sysctls "gw$s"
		org_ipq_veth "nat$h" "in$s" "gw$s" wan
		org_ipq "nat$h" link set "in$s" master in
		org_ipq "gw$s" addr add "${ORG_WAN[$s]}/24" dev wan
		org_ipq "gw$s" route add default via "172.16.$num.1"
		org_lan "$s"
	done
	org_ipq_run
}

# org_hosts_others SITE: another site is behind SITE's NAT.
org_hosts_others() {
	local o
	for o in $ORG_SITES; do
		[ "${ORG_NAT[$o]}" = "$1" ] && return 0
	done
	return 1
}

# ---- configuration ------------------------------------------------------------

# Keys of the reference networks come from examples/keys (copied 0600);
# Paris gets a fresh one.
org_keys() {
	local s
	mkdir -p "$WORK/keys"
	install -m 600 "$ORG_KEYS/registry.key" "$ORG_KEYS/psk.secret" "$WORK/keys/"
	install -m 600 "$ORG_KEYS/san-jose.key" "$WORK/keys/sj.key"
	install -m 600 "$ORG_KEYS/san-francisco.key" "$WORK/keys/sf.key"
	install -m 600 "$ORG_KEYS/london-finsbury.key" "$WORK/keys/lon.key"
	(umask 077 && "$AVPN" genkey > "$WORK/keys/par.key")
	for s in $ORG_SITES; do
		"$AVPN" pubkey < "$WORK/keys/$s.key" > "$WORK/keys/$s.pub"
	done
	"$AVPN" pubkey < "$WORK/keys/registry.key" > "$WORK/keys/registry.pub"
}

# org_conf_write FILE [EXTRA-LINES-FOR-LONDON]: the org config (the extra
# lines default to $ORG_LON_EXTRA).
org_conf_write() {
	local out=$1 lon_extra=${2:-${ORG_LON_EXTRA:-}}
	cat > "$out.tmp" <<-EOF
	[organization]
	name = Meraki Demo Org
	registry-private-key = keys/registry.key
	psk-secret-file = keys/psk.secret
	peer-purge-time = 3h

	[performance-class "VoIP"]
	max-latency = 150ms
	max-loss = 1%
	max-jitter = 30ms

	[network "${ORG_NAME[sj]}"]
	public-key = $(cat "$WORK/keys/sj.pub")
	mode = hub
	subnet = "SJ Data Center" 10.100.0.0/16 yes
	subnet = "SJ Out-of-band" 192.168.100.0/24 no

	[network "${ORG_NAME[sf]}"]
	public-key = $(cat "$WORK/keys/sf.pub")
	mode = hub
	subnet = "SF Servers" 10.200.0.0/16 yes
	$(case ${ORG_NAT[sf]} in fwd*) echo "nat-traversal = manual ${ORG_PUB[sf]}:$ORG_SF_FWD_PORT" ;; esac)
	${ORG_SF_EXTRA:-}

	[network "${ORG_NAME[lon]}"]
	public-key = $(cat "$WORK/keys/lon.pub")
	mode = spoke
	hub = "${ORG_NAME[sj]}" ${ORG_LON_SJ_FLAGS:-}
	hub = ${ORG_NAME[sf]}
	subnet = "Management"               10.0.60.0/24      yes
	subnet = "VOIP"                     10.0.20.0/24      yes
	subnet = "177 - Finsbury Wired"     10.50.177.0/24    yes
	subnet = "AV"                       10.0.30.0/24      no
	subnet = "MC"                       10.0.40.0/24      no
	subnet = "Alpha-XConnect"           10.50.176.32/29   yes
	subnet = "176 - Finsbury TP and AP" 10.50.176.128/25  yes
	subnet = "179 - Cisco Blizzard"     10.50.179.128/25  yes
	subnet = "182 - Finsbury Wireless"  10.50.182.0/23    yes
	subnet = "Cisco42"                  198.133.219.0/24  yes
	$lon_extra

	[network "${ORG_NAME[par]}"]
	public-key = $(cat "$WORK/keys/par.pub")
	mode = spoke
	hub = ${ORG_NAME[sf]}
	hub = ${ORG_NAME[sj]}
	subnet = "Paris LAN" 10.60.0.0/24 yes
	EOF
	mv "$out.tmp" "$out"
}

# org_gateway_conf SITE: $WORK/SITE/autovpnd.conf
org_gateway_conf() {
	local s=$1
	mkdir -p "$WORK/$s"
	{
		echo "[gateway]"
		echo "name = ${ORG_NAME[$s]}"
		echo "private-key = $WORK/keys/$s.key"
		echo "interface = av0"
		echo "[registry]"
		echo "address = $ORG_REG1:9350"
		echo "address = $ORG_REG2:9350"
		echo "public-key = $(cat "$WORK/keys/registry.pub")"
		echo "[uplink \"wan1\"]"
		echo "device = wan"
		echo "source = ${ORG_WAN[$s]}"
		case $s:${ORG_NAT[sf]} in sf:fwd*) echo "port = $ORG_SF_FWD_PORT" ;; esac
	} > "$WORK/$s/autovpnd.conf"
}

# ---- processes --------------------------------------------------------------

# org_registries [REGISTRY-ARGS...]: both registries in inet, reading
# $WORK/org.conf; waits until both listen.
org_registries() {
	[ -f "$WORK/keys/registry.pub" ] || org_keys
	[ -f "$WORK/org.conf" ] || org_conf_write "$WORK/org.conf"
	bg inet "$REGISTRY" -c "$WORK/org.conf" -l $ORG_REG1:9350 --id 1 \
		--http 127.0.0.1:9390 "$@" > "$AVPN_OUT/registry1.log" 2>&1
	ORG_REG1_PID=$BG_PID
	bg inet "$REGISTRY" -c "$WORK/org.conf" -l $ORG_REG2:9350 --id 2 \
		--http 127.0.0.1:9391 "$@" > "$AVPN_OUT/registry2.log" 2>&1
	ORG_REG2_PID=$BG_PID
	wait_for_port inet tcp 9390 && wait_for_port inet tcp 9391
}

# org_gateway SITE [AUTOVPND-ARGS...]: start autovpnd in gwSITE, with the
# environment variables ORG_AVPND_ENV names (NAME=VALUE ...) if set.
org_gateway() {
	local s=$1
	shift
	[ -f "$WORK/$s/autovpnd.conf" ] || org_gateway_conf "$s"
	# shellcheck disable=SC2086 # a list of NAME=VALUE words
	bg "gw$s" env ${ORG_AVPND_ENV:-} "$AVPND" -c "$WORK/$s/autovpnd.conf" -f "$@" >> "$AVPN_OUT/autovpnd-$s.log" 2>&1
	eval "ORG_GW_PID_$s=$BG_PID"
}

# org_gateways SITE... [AUTOVPND-ARGS...]: arguments from the first one
# starting with '-' on go to every daemon.
org_gateways() {
	local s sites=()
	load_module || return 1
	while [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; do
		sites+=("$1")
		shift
	done
	for s in "${sites[@]}"; do
		org_gateway "$s" "$@" || return 1
	done
}

# The tunnels the reference org must form, and no other.
ORG_EXPECTED="sj-sf sj-lon sf-lon sj-par sf-par"

# org_peer_list SITE: the peer list SITE's daemon saves for a restart
# (peersave.c), named after gwSITE's namespace.
org_peer_list() {
	echo "/run/autovpn/av0.net$(stat -L -c %i "/run/netns/gw$1").peers"
}

# org_status SITE [REQUEST]: the daemon's JSON answer (status or diagnose).
org_status() {
	echo "${2:-status}" | n "gw$1" socat -t 5 - ABSTRACT-CONNECT:autovpn/av0
}

# org_show_peer SITE PEER-NAME: SITE's view of that peer, kernel and daemon
# merged (`autovpn show --json`), one line of JSON.
org_show_peer() {
	n "gw$1" "$AVPN" show av0 --json |
		jq -c --arg p "$2" '.interfaces[0].peers[] | select(.name == $p)'
}

# org_peer_up SITE PEER-SITE: SITE's daemon reports PEER-SITE's tunnel up.
org_peer_up() {
	# -n and inputs: no answer at all is false, not an empty success.
	org_status "$1" 2>/dev/null |
		jq -en --arg p "${ORG_NAME[$2]}" \
			'[inputs | .peers[] | select(.name == $p and .state == "up")] | length > 0' \
			>/dev/null
}

# org_wait_tunnels SECS: every expected tunnel is up on both ends.
org_wait_tunnels() {
	local secs=$1 t
	for t in $ORG_EXPECTED; do
		wait_until "$secs" org_peer_up "${t%-*}" "${t#*-}" || return 1
		wait_until "$secs" org_peer_up "${t#*-}" "${t%-*}" || return 1
	done
}

# org_stream NAME FROM-NS DST SECS: a 10 ms ICMP stream in the background
# (its replies and summary in $WORK/NAME.ping); org_stream_lost NAME [TAIL]
# waits for it and sets LOST to how many requests got no reply (each one is 10 ms
# without traffic), and logs which. Not in $(...): a subshell cannot wait
# for our child.
org_stream() {
	# -c, not -w: a deadline would count the replies still in flight as lost.
	bg "$2" ping -n -i 0.01 -W 2 -c "$(($4 * 100))" "$3" > "$WORK/$1.ping" 2>&1
	eval "ORG_STREAM_$1=$BG_PID"
}

# org_drops SITE: the drop counters of SITE's av0 that are not zero (JSON).
org_drops() {
	n "gw$1" "$AVPN" show av0 --json | jq -c '.interfaces[0].drops | with_entries(select(.value != 0))'
}

org_stream_lost() {
	local pid tail=${2:-3}
	eval "pid=\$ORG_STREAM_$1"
	wait "$pid" 2>/dev/null
	# By sequence number: the last TAIL (3) requests are not counted. Once
	# it has sent its count and had replies, ping waits for two round trips,
	# not -W's 2 s (ping(8)), and gives up on a last reply that a busy TCG
	# host delays more: that is ping's deadline, not a packet the tunnel
	# lost. A stream stopped by SIGINT has more in flight: its caller says
	# how many.
	local r tail_lost which
	r=$(awk -v t="$tail" '/bytes from .*icmp_seq=/ && !/DUP/ {
			match($0, /icmp_seq=[0-9]+/); got[substr($0, RSTART + 9, RLENGTH - 9) + 0] = 1 }
		/packets transmitted/ { sent = $1 }
		END {
			if (sent == "") { print "999999 0"; exit }
			for (i = 1; i <= sent; i++)
				if (!(i in got)) {
					if (i > sent - t) { tail++; continue }
					lost++; if (lost <= 10) which = which " " i
				}
			print lost + 0, tail + 0, which
		}' "$WORK/$1.ping")
	read -r LOST tail_lost which <<<"$r"
	echo "# stream $1: $LOST lost${which:+ (icmp_seq $which)}, $tail_lost of the last $tail unanswered"
}

# org_log_delay SITE T0_MS PATTERN: milliseconds from T0 (date +%s%3N) to
# the first line of SITE's daemon log after it matching PATTERN (the log's
# timestamps are the daemon's own, so exec delays of the poll do not count).
org_log_delay() {
	awk -v t0="$2" -v pat="$3" '{ split($1, a, "."); ms = a[1] * 1000 + a[2] }
		ms >= t0 && $0 ~ pat { print ms - t0; exit }' "$AVPN_OUT/autovpnd-$1.log"
}

# org_kill SITE [SIGNAL]: signal autovpnd on SITE (default SIGKILL); waits
# for it to exit unless the signal is HUP (a reload).
org_kill() {
	local pid
	eval "pid=\$ORG_GW_PID_$1"
	kill "-${2:-KILL}" "$pid" 2>/dev/null
	[ "${2:-KILL}" = HUP ] || wait "$pid" 2>/dev/null
	return 0
}

# org_route_via SITE PREFIX: the kernel peer id av0 routes PREFIX to, by
# the daemon's decision (name of the peer, or empty).
org_route_via() {
	org_status "$1" | jq -r --arg p "$2" '.routes[] | select(.prefix == $p) | .via'
}

# org_check_full_tunnel SITE EXIT-SITE OWN-LAN-HOST: with SITE in full
# tunnel through EXIT-SITE, its LAN host reaches an internet address and
# its gateway its own LAN host (outside the tunnel); captures on both NATs'
# outsides show the internet traffic only at EXIT-SITE's, never in clear at
# SITE's, and SITE's registry traffic leaving directly.
org_check_full_tunnel() {
	local s=$1 x=$2 icmp reg xicmp ps px
	# Each packet reaches the file as it is captured (--immediate-mode: not
	# a buffer block later, which an early SIGINT loses; -U: not a stdio
	# buffer later), for the reads below while the capture runs; stderr
	# says when it has started.
	bg "nat$s" tcpdump -n --immediate-mode -U -i out -w "$WORK/$s.pcap" 2>"$WORK/$s.tcpdump"
	ps=$BG_PID
	bg "nat$x" tcpdump -n --immediate-mode -U -i out -w "$WORK/$x.pcap" 2>"$WORK/$x.tcpdump"
	px=$BG_PID
	wait_secs 30 grep -q "listening on" "$WORK/$s.tcpdump" || fatal "tcpdump on nat$s"
	wait_secs 30 grep -q "listening on" "$WORK/$x.tcpdump" || fatal "tcpdump on nat$x"
	check lan_reaches_internet n "lan$s" ping -c 3 -W 2 $ORG_WWW
	check gateway_reaches_own_lan n "gw$s" ping -c 1 -W 2 "$3"
	# A keepalive goes out every 10 s: wait for one to be captured.
	# org_reg_datagrams: how many datagrams to registry 1 $s's capture holds.
	org_reg_datagrams() {
		tcpdump -n -r "$WORK/$s.pcap" "udp and dst host $ORG_REG1 and dst port 9350" \
			2>/dev/null | wc -l
	}
	org_reg_captured() { [ "$(org_reg_datagrams)" -gt 0 ]; }
	wait_secs 30 org_reg_captured
	kill -INT "$ps" "$px"
	wait "$ps" "$px"
	icmp=$(tcpdump -n -r "$WORK/$s.pcap" "icmp and host $ORG_WWW" 2>/dev/null | wc -l)
	reg=$(org_reg_datagrams)
	xicmp=$(tcpdump -n -r "$WORK/$x.pcap" "icmp and host $ORG_WWW" 2>/dev/null | wc -l)
	echo "# ${ORG_NAME[$s]}'s NAT outside: $icmp ICMP to/from $ORG_WWW in clear, $reg registry datagrams"
	echo "# ${ORG_NAME[$x]}'s NAT outside: $xicmp ICMP to/from $ORG_WWW"
	check "${s}_internet_traffic_not_in_clear" test "$icmp" = 0
	check "${s}_registry_traffic_direct" test "$reg" -gt 0
	check internet_traffic_exits_at_hub test "$xicmp" -ge 6
}

# ---- run directly: the plain topology -----------------------------------------
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	org_topology lon=random || fatal topology
	for s in $ORG_SITES; do
		check "gw${s}_reaches_registry" n "gw$s" ping -c 1 -W 2 $ORG_REG1
		check_fails "gw${s}_lan_not_on_internet" n inet ping -c 1 -W 1 "${ORG_LANHOST[$s]}"
	done
	# The NATs translate: the registry host sees the NAT's public address.
	bg inet socat -u UDP4-RECV:9350,bind=$ORG_REG1 OPEN:"$WORK/seen",creat
	wait_for_port inet udp 9350 || fatal socat
	n gwlon bash -c "echo hello | socat -u - UDP4-SENDTO:$ORG_REG1:9350"
	check lon_natted wait_until 5 grep -q hello "$WORK/seen"
	check sf_port_forward n inet bash -c \
		"nft list ruleset >/dev/null; true" # the dnat rule is exercised by the daemon scenarios
	finish
fi
