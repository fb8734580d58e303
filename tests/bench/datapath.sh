#!/bin/bash
# vm-timeout: 3600
# Datapath benchmark (DESIGN.md §10, issue 7), run in one VM boot by `make
# bench`: TCP throughput, CPU cost and TCP's reordering signs through five
# datapaths that share one topology (tests/net/topo.sh), told apart by LAN
# addresses:
#
#   mode   lanA source  lanB target  path between gwA and gwB
#   veth   10.1.1.2     10.2.1.2     plain routing through rt (no tunnel)
#   av0    10.1.0.2     10.2.0.2     autovpn, AES-256-GCM over UDP, 1 peer
#   avi    10.1.0.2     10.2.0.2     av0 with inline_crypto=1: each packet's
#                                    crypto on the CPU that carries it, without
#                                    the parallel queues (kernel/queue.c)
#   avn    10.1.0.2     10.2.0.2     av0 with ecn_target_us=0: the queues
#                                    never mark CE (kernel/aqm.c); with
#                                    BENCH_TCP_ECN=1, what marking changes
#   avd    10.1.0.2     10.2.0.2     av0 with aqm_drop=1: CoDel also drops
#                                    the Not-ECT packets it would mark
#   avr    10.1.0.2     10.2.0.2     av0 with RPS off on the gateways' LAN
#                                    interfaces (see BENCH_LAN_RPS): what
#                                    the sender's reordering did to av0
#   avs    10.1.4.2     10.2.4.2     autovpn device av1: a hub of 10,000 peers
#                                    and 100,000 routes, traffic to a peer deep
#                                    in its tables (tests/bench/scale.sh)
#   wg     10.1.2.2     10.2.2.2     WireGuard (ChaCha20-Poly1305)
#   esp    10.1.3.2     10.2.3.2     xfrm ESP tunnel mode, rfc4106(gcm(aes)) 256-bit
#
# Each mode runs with 1 TCP flow and with 8 parallel flows (iperf3 -P 8).
# Runs are interleaved (every mode and flow count once per round, ROUNDS
# rounds) so a slow phase of the host hits every mode alike, and every
# second round runs the modes in reverse order, so a host that slows down
# (or speeds up) across a round does not favour the modes that come first;
# only ratios within one run mean anything under TCG. Before the first run,
# each mode's path MTU is learnt (learn_pmtu) and the gateways' LAN
# interfaces hand each flow to one CPU (RPS), as a LAN NIC's RSS does: both
# take away reordering and loss signs that no datapath caused (see where
# they are set up). Per run: iperf3 -t SECS and around it
#   - the jiffies of every CPU from /proc/stat: busy (all but idle and
#     iowait) and softirq, per CPU, as a share of the run;
#       cpu_s_per_gb = busy seconds of all CPUs / (bytes received / 1e9)
#     This counts sender, both gateways and receiver (all in this VM), the
#     same work for every mode except the datapath under test;
#   - TCP's counters (nstat) in lanA (sender) and lanB (receiver), the signs
#     of reordering and loss: segments retransmitted (TcpRetransSegs), DSACKs
#     the sender received (TCPDSACKRecv: a segment arrived twice), reordering
#     the sender detected (TCPSACKReorder + TCPTSReorder + TCPRenoReorder),
#     and segments the receiver had to queue out of order (TCPOFOQueue); all
#     per 10,000 segments sent (TcpOutSegs);
#   - packets the stack dropped because a CPU's backlog queue was full
#     (/proc/net/softnet_stat, second column; veth hands packets to the next
#     namespace through it) and those av0/av1 counted as rx/tx_dropped
#     (GRO cells full, module drops), per 10,000 segments: where the
#     retransmitted segments were lost;
#   - context switches (/proc/stat ctxt) and inter-processor interrupts
#     (/proc/interrupts RES + CAL: reschedule and function-call IPIs), all
#     CPUs, per 10,000 segments: what handing packets between CPUs and
#     threads costs (each wakeup of another worker is a context switch, and
#     one on another CPU an IPI as well).
#
# Cipher cost from tcrypt (one core, 1420-byte buffers, 256-bit key, best
# of several runs):
#   enc, dec in Mbit/s  ->  crypto ceiling C = 2 / (1/enc + 1/dec)
#     (both vCPUs doing nothing but the cipher, half each)
#   cipher_cpu_s_per_gb = 8000/enc + 8000/dec
#     (1 GB = 8000 Mbit, encrypted once by the sender and decrypted once by
#     the receiver gateway)
#   datapath overhead = cpu_s_per_gb - cipher_cpu_s_per_gb
# with gcm(aes) (mode 211) for av0, avs and esp, and
# rfc7539esp(chacha20,poly1305) (mode 213, the same ChaCha/Poly code
# WireGuard uses) for wg; veth's overhead is its cpu_s_per_gb (no cipher).
# Targets (issue 7): av0 1 flow >= 0.6 C and >= 1.3x wg; av0 8 flows >= 0.7
# C; av0 >= 1.5x esp; reordering signs of av0 <= veth's; overhead(av0) <=
# 0.6x overhead(wg); avs within 5 % of av0. Reported, not enforced.
#
# Settings (environment, or $AVPN_BIN/bench/datapath.env, which `make
# bench` writes from its own environment since the VM does not inherit it):
#   BENCH_ROUNDS (3), BENCH_SECS (5), BENCH_FLOWS ("1 8"),
#   BENCH_MODES ("veth av0 avi avs wg esp"), BENCH_MODPARAMS (autovpn module
#   parameters, e.g. "parallel=1"), BENCH_TCRYPT (1; 0 skips tcrypt, for
#   trying the script out), SCALE_PEERS (10000), SCALE_ROUTES (100000),
#   BENCH_PROFILE (modes to profile, e.g. "av0 wg"; empty: none): after the
#   measured rounds, one more run per mode (BENCH_PROFILE_FLOWS TCP flows,
#   default 1) under `perf record -a -g`
#   (cpu-clock sampling, all CPUs; not counted in the medians), and the
#   symbols with at least 0.5 % of the samples printed as "# profile MODE"
#   lines, the functions whose samples with what they called reach 2 % as
#   "# inclusive MODE" lines, the perf.data kept in the run's output directory;
#   BENCH_PROFILE_CALLERS (kernel symbols, e.g. "memset_erms clear_page_erms"):
#   for each, the call chains that led to its samples in each profiled run
#   ("# callers MODE SYMBOL" lines, callers above 1 % of the symbol's samples);
#   BENCH_NSTAT_ALL (0): 1 logs, per run, every nstat counter of lanA, gwA,
#   gwB and lanB that the run moved ("MODE xF round R NS moved:" lines);
#   BENCH_LAN_RPS (1): 0 leaves RPS off on the gateways' LAN interfaces;
#   BENCH_TCP_ECN (0): 1 makes the TCP sender and receiver of every mode
#   negotiate ECN (net.ipv4.tcp_ecn=1 in lanA and lanB; Linux's default, 2,
#   only accepts it), so the datapaths that mark CE when their queue grows
#   (av0: kernel/aqm.c) are measured with endpoints that heed the marks.
. "$(dirname "$0")/../net/topo.sh"
. "$(dirname "$0")/scale.sh"
# shellcheck disable=SC1091
[ -f "$AVPN_BIN/bench/datapath.env" ] && . "$AVPN_BIN/bench/datapath.env"

ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECS:-5}
FLOWS=${BENCH_FLOWS:-1 8}
MODES=${BENCH_MODES:-veth av0 avi avs wg esp}
HZ=$(getconf CLK_TCK)
NCPU=$(grep -c '^cpu[0-9]' /proc/stat)
RES=$WORK/results
mkdir -p "$RES"

# ---- the extra datapaths ----------------------------------------------------

add_lan_addrs() { # K: 10.1.K.0/24 and 10.2.K.0/24
	n lanA ip addr add 10.1.$1.2/24 dev lan && n gwA ip addr add 10.1.$1.1/24 dev lan &&
		n lanB ip addr add 10.2.$1.2/24 dev lan && n gwB ip addr add 10.2.$1.1/24 dev lan
}

setup_veth() {
	add_lan_addrs 1 &&
		n gwA ip route add 10.2.1.0/24 via 192.0.2.254 &&
		n gwB ip route add 10.1.1.0/24 via 198.51.100.254 &&
		n rt ip route add 10.2.1.0/24 via 198.51.100.1 &&
		n rt ip route add 10.1.1.0/24 via 192.0.2.1
}

setup_wg() {
	local ka kb
	add_lan_addrs 2 || return 1
	ka=$(wg genkey) && kb=$(wg genkey) || return 1
	echo "$ka" >"$WORK/wga" && echo "$kb" >"$WORK/wgb"
	n gwA ip link add wg0 type wireguard && n gwB ip link add wg0 type wireguard || return 1
	n gwA wg set wg0 listen-port 51820 private-key "$WORK/wga" \
		peer "$(echo "$kb" | wg pubkey)" endpoint 198.51.100.1:51821 allowed-ips 10.2.2.0/24 &&
		n gwB wg set wg0 listen-port 51821 private-key "$WORK/wgb" \
			peer "$(echo "$ka" | wg pubkey)" endpoint 192.0.2.1:51820 allowed-ips 10.1.2.0/24 &&
		n gwA ip link set wg0 up && n gwB ip link set wg0 up &&
		n gwA ip route add 10.2.2.0/24 dev wg0 && n gwB ip route add 10.1.2.0/24 dev wg0
}

setup_esp() {
	local kab kba ns
	add_lan_addrs 3 || return 1
	# 36 bytes: 32-byte AES key + 4-byte salt, ICV 128 bits.
	kab=0x$(head -c 36 /dev/urandom | od -An -tx1 | tr -d ' \n')
	kba=0x$(head -c 36 /dev/urandom | od -An -tx1 | tr -d ' \n')
	for ns in gwA gwB; do
		n $ns ip xfrm state add src 192.0.2.1 dst 198.51.100.1 proto esp spi 0x1001 \
			reqid 1 mode tunnel aead 'rfc4106(gcm(aes))' "$kab" 128 &&
			n $ns ip xfrm state add src 198.51.100.1 dst 192.0.2.1 proto esp spi 0x1002 \
				reqid 2 mode tunnel aead 'rfc4106(gcm(aes))' "$kba" 128 || return 1
	done
	n gwA ip xfrm policy add src 10.1.3.0/24 dst 10.2.3.0/24 dir out \
		tmpl src 192.0.2.1 dst 198.51.100.1 proto esp reqid 1 mode tunnel || return 1
	for d in in fwd; do
		n gwA ip xfrm policy add src 10.2.3.0/24 dst 10.1.3.0/24 dir $d \
			tmpl src 198.51.100.1 dst 192.0.2.1 proto esp reqid 2 mode tunnel || return 1
		n gwB ip xfrm policy add src 10.1.3.0/24 dst 10.2.3.0/24 dir $d \
			tmpl src 192.0.2.1 dst 198.51.100.1 proto esp reqid 1 mode tunnel || return 1
	done
	n gwB ip xfrm policy add src 10.2.3.0/24 dst 10.1.3.0/24 dir out \
		tmpl src 198.51.100.1 dst 192.0.2.1 proto esp reqid 2 mode tunnel &&
		n gwA ip route add 10.2.3.0/24 via 192.0.2.254 &&
		n gwB ip route add 10.1.3.0/24 via 198.51.100.254
}

mode_k() { case $1 in av0 | avi | avn | avd | avr) echo 0 ;; veth) echo 1 ;; wg) echo 2 ;; esp) echo 3 ;; avs) echo 4 ;; esac; }


# ---- measuring ----------------------------------------------------------------

# inline_on MODE / inline_off MODE: around a run of avi (av0 with
# inline_crypto=1), avn (av0 with ecn_target_us=0) or avd (av0 with
# aqm_drop=1), set the parameter,
# then put its value back; around avr, the gateways' LAN RPS off, then on.
mode_param() { # MODE -> "PARAMETER VALUE DEFAULT"
	case $1 in
	avi) echo "/sys/module/autovpn/parameters/inline_crypto 1 N" ;;
	avn) echo "/sys/module/autovpn/parameters/ecn_target_us 0 5000" ;;
	avd) echo "/sys/module/autovpn/parameters/aqm_drop Y N" ;;
	esac
}
inline_on() {
	local param value default
	[ "$1" = avr ] && { lan_rps 0; return; }
	read -r param value default < <(mode_param "$1")
	[ -n "$param" ] || return 0
	PARAM_SAVED=$(cat "$param" 2>/dev/null)
	: "${PARAM_SAVED:=$default}"
	echo "$value" >"$param"
}
inline_off() {
	local param value default
	[ "$1" = avr ] && { lan_rps "$LAN_RPS_MASK"; return; }
	read -r param value default < <(mode_param "$1")
	[ -n "$param" ] || return 0
	echo "${PARAM_SAVED:-$default}" >"$param"
}

# Per CPU "busy softirq total" jiffies, all CPUs on one line.
cpu_jiffies() {
	awk '/^cpu[0-9]/ { printf "%d %d %d ", $2 + $3 + $4 + $7 + $8 + $9, $8,
		$2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}

TCP_SND="TcpOutSegs TcpRetransSegs TcpExtTCPDSACKRecv TcpExtTCPSACKReorder TcpExtTCPTSReorder TcpExtTCPRenoReorder"
TCP_RCV="TcpExtTCPOFOQueue IpExtInCEPkts"
# tcp_counters NS NAMES...: the absolute values, in the order asked, without
# touching nstat's history file (shared by all namespaces).
tcp_counters() {
	local ns=$1
	shift
	n "$ns" nstat -asz "$@" 2>/dev/null | awk -v want="$*" '
		{ v[$1] = $2 }
		END { k = split(want, w, " "); for (i = 1; i <= k; i++) printf "%d ", v[w[i]] + 0 }'
}

# BENCH_NSTAT_ALL=1: every counter of the four namespaces a run moved, to
# find where a loss behind a retransmit happened. nstat_snap 0|1 saves them
# before / after the run, nstat_log LABEL logs the differences.
nstat_snap() {
	local ns
	for ns in lanA gwA gwB lanB; do
		n "$ns" nstat -asz 2>/dev/null | awk '$1 !~ /^#/ { print $1, $2 }' >"$WORK/nstat-$ns.$1"
	done
}
nstat_log() {
	local ns
	for ns in lanA gwA gwB lanB; do
		log "$1 $ns moved: $(awk 'FILENAME == ARGV[1] { a[$1] = $2; next }
			$2 != a[$1] && $1 !~ /^(Ip|Tcp|Udp|IpExt)(In|Out)(Segs|Datagrams|Receives|Requests|Octets|NoECTPkts|Delivers)$/ {
				printf "%s=%d ", $1, $2 - a[$1] }' "$WORK/nstat-$ns.0" "$WORK/nstat-$ns.1")"
	done
}

# Packets dropped by full backlog queues, all CPUs (softnet_stat is hex).
backlog_drops() {
	local d=0 x
	while read -r _ x _; do d=$((d + 16#$x)); done </proc/net/softnet_stat
	echo $d
}

# Context switches and reschedule + function-call IPIs so far, all CPUs.
switch_counters() {
	awk '$1 == "ctxt" { printf "%d ", $2 }' /proc/stat
	awk '$1 == "RES:" || $1 == "CAL:" { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i }
		END { printf "%d", s }' /proc/interrupts
}

# rx_dropped + tx_dropped of the autovpn devices on both gateways.
avpn_dev_drops() {
	local ns d t=0 v
	for ns in gwA gwB; do
		for d in av0 av1; do
			v=$(n $ns ip -j -s link show $d 2>/dev/null |
				jq '.[0].stats64 | .rx.dropped + .tx.dropped' 2>/dev/null)
			t=$((t + ${v:-0}))
		done
	done
	echo $t
}

# measure MODE FLOWS ROUND: appends to $RES/MODE-FLOWS one line
#   mbps cpu_s_per_gb retr/10k dsack/10k reorder/10k ofo/10k segs
#   busy%... si%... backlog_drops/10k avpn_drops/10k ctxsw/10k ipi/10k ce/10k
# (busy% and softirq% of each CPU, NCPU columns each; ce: packets the
# receiver got marked CE, IpExtInCEPkts, a congestion signal without loss).
measure() {
	local mode=$1 flows=$2 r=$3 k c0 c1 s0 s1 q0 q1 w0 w1 json bytes mbps line
	k=$(mode_k "$mode")
	json=$OUT/bench-$mode-$flows-$r.json
	QUIET=1 learn_pmtu "$mode"
	# shellcheck disable=SC2086
	s0=$(tcp_counters lanA $TCP_SND) q0=$(tcp_counters lanB $TCP_RCV)
	[ "${BENCH_NSTAT_ALL:-0}" = 0 ] || nstat_snap 0
	d0="$(backlog_drops) $(avpn_dev_drops)"
	inline_on "$mode"
	w0=$(switch_counters)
	c0=$(cpu_jiffies)
	n lanA timeout $((SECS + 60)) iperf3 -c 10.2.$k.2 -B 10.1.$k.2 -p 5201 -t "$SECS" \
		-P "$flows" --connect-timeout 10000 -J >"$json"
	local rc=$?
	c1=$(cpu_jiffies)
	w1=$(switch_counters)
	inline_off "$mode"
	# shellcheck disable=SC2086
	s1=$(tcp_counters lanA $TCP_SND) q1=$(tcp_counters lanB $TCP_RCV)
	[ "${BENCH_NSTAT_ALL:-0}" = 0 ] || { nstat_snap 1 && nstat_log "$mode x$flows round $r"; }
	d1="$(backlog_drops) $(avpn_dev_drops)"
	bytes=$(jq -r '.end.sum_received.bytes // 0' "$json" 2>/dev/null)
	mbps=$(jq -r '.end.sum_received.bits_per_second // 0 | . / 1e6' "$json" 2>/dev/null)
	if [ $rc != 0 ] || [ "${bytes:-0}" = 0 ]; then
		log "$mode x$flows round $r: iperf3 failed (exit $rc): $(jq -r '.error // empty' "$json" 2>/dev/null)"
		return 1
	fi
	line=$(awk -v hz="$HZ" -v b="$bytes" -v mbps="$mbps" -v n="$NCPU" \
		-v c0="$c0" -v c1="$c1" -v s0="$s0" -v s1="$s1" -v q0="$q0" -v q1="$q1" \
		-v d0="$d0" -v d1="$d1" -v w0="$w0" -v w1="$w1" 'BEGIN {
		split(c0, a, " "); split(c1, z, " ")
		busy = 0
		for (i = 0; i < n; i++) {
			db = z[3 * i + 1] - a[3 * i + 1]; ds = z[3 * i + 2] - a[3 * i + 2]
			dt = z[3 * i + 3] - a[3 * i + 3]
			busy += db
			bp[i] = dt > 0 ? 100 * db / dt : 0; sp[i] = dt > 0 ? 100 * ds / dt : 0
		}
		split(s0, x, " "); split(s1, y, " "); split(q0, u, " "); split(q1, v, " ")
		segs = y[1] - x[1]; per = segs > 0 ? 10000 / segs : 0
		printf "%.1f %.3f %.2f %.2f %.2f %.2f %d", mbps, busy / hz / (b / 1e9),
			(y[2] - x[2]) * per, (y[3] - x[3]) * per,
			(y[4] - x[4] + y[5] - x[5] + y[6] - x[6]) * per, (v[1] - u[1]) * per, segs
		for (i = 0; i < n; i++) printf " %.0f", bp[i]
		for (i = 0; i < n; i++) printf " %.0f", sp[i]
		split(d0, e, " "); split(d1, f, " ")
		printf " %.2f %.2f", (f[1] - e[1]) * per, (f[2] - e[2]) * per
		split(w0, g, " "); split(w1, h, " ")
		printf " %.1f %.1f %.2f\n", (h[1] - g[1]) * per, (h[2] - g[2]) * per, (v[2] - u[2]) * per
	}')
	echo "$line" >>"$RES/$mode-$flows"
	log "$mode x$flows round $r: $line"
}

# stats FILE COLUMN: "median min max"
stats() {
	[ -s "$1" ] || { echo "- - -"; return; }
	awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '
		{ v[NR] = $1 }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.2f %.2f %.2f\n", m, v[1], v[NR] }'
}
med() { stats "$1" "$2" | cut -d' ' -f1; }

# tcrypt_speed LOG ALG DIR KEYBITS: "Mbit/s size" for 1420-byte blocks (or
# the nearest smaller size, reported by the caller). tcrypt prints, per
# algorithm, "testing speed of ALG (DRIVER) encryption|decryption" then lines
# "test N (256 bit key, 1420 byte blocks): X operations in S seconds (B bytes)".
# KEYBITS counts the salt for the ESP forms (rfc7539esp: 256 + 32 = 288).
# LOG holds several tcrypt runs: the best sample counts. Under TCG a vCPU
# can be descheduled for a good part of a 1-second sample, which only ever
# makes a sample slower.
tcrypt_speed() {
	awk -v alg="$2" -v dir="$3" -v kb="($4 bit key" '
		/testing speed of/ {
			want = (index($0, "testing speed of " alg " (") && index($0, dir))
			next
		}
		want && index($0, kb) && /operations in/ {
			match($0, /[0-9]+ byte blocks/); size = substr($0, RSTART, RLENGTH) + 0
			match($0, /in [0-9]+ seconds/); secs = substr($0, RSTART + 3, RLENGTH - 11) + 0
			match($0, /\([0-9]+ bytes\)/); b = substr($0, RSTART + 1, RLENGTH - 8) + 0
			if (secs > 0 && b * 8 / secs / 1e6 > best[size])
				best[size] = b * 8 / secs / 1e6
		}
		END {
			for (sz in best)
				if (sz + 0 <= 1420 && sz + 0 > pick)
					pick = sz + 0
			if (pick)
				printf "%.1f %d\n", best[pick], pick
		}' "$1"
}

run_tcrypt() { # MODE RUNS -> dmesg lines of those runs in $WORK/tcrypt-MODE.log
	local before i
	: >"$WORK/tcrypt-$1.log"
	for ((i = 0; i < $2; i++)); do
		before=$(dmesg | wc -l)
		# tcrypt refuses to stay loaded by design (returns -EAGAIN).
		timeout 300 modprobe tcrypt mode="$1" sec=1 2>/dev/null
		dmesg | tail -n +$((before + 1)) >>"$WORK/tcrypt-$1.log"
	done
	cp "$WORK/tcrypt-$1.log" "$OUT/"
}

# ---- run ---------------------------------------------------------------------

# Every datapath gets the CPU's best AES: load AES-NI before any tunnel
# allocates its cipher (the VM has no udev to do it; see load_module).
modprobe -q aesni_intel 2>/dev/null ||
	log "aesni_intel not loadable: AES is generic C for av0, esp and tcrypt alike"
log "cpu flags: $(grep -m1 -ow -E 'aes|pclmulqdq|avx2|avx512f' /proc/cpuinfo | sort -u | tr '\n' ' ')"
log "settings: rounds $ROUNDS, ${SECS}s a run, flows '$FLOWS', modes '$MODES'," \
	"module parameters '${BENCH_MODPARAMS:-}', $NCPU CPUs"
if [ -n "${BENCH_MODPARAMS:-}" ]; then
	for dep in $(modinfo -F depends "$KO" | tr ',' ' '); do modprobe "$dep"; done
	# shellcheck disable=SC2086
	insmod "$KO" $BENCH_MODPARAMS || fatal "insmod" "insmod $KO $BENCH_MODPARAMS"
fi
setup_topology v4 || fatal "topology"
if [ "${BENCH_TCP_ECN:-0}" = 1 ]; then
	n lanA sysctl -qw net.ipv4.tcp_ecn=1 && n lanB sysctl -qw net.ipv4.tcp_ecn=1 ||
		fatal "tcp_ecn"
fi
log "TCP endpoints: net.ipv4.tcp_ecn=$(n lanA sysctl -n net.ipv4.tcp_ecn)"
# The gateways' LAN interfaces hand each flow to one CPU (RPS by flow
# hash), as a real LAN NIC's RSS does. Without it a veth queues a packet on
# the CPU that sent it: the sender's TCP sends from both CPUs (its process
# on one, ACK-clocked from the softirq that took the ACK on the other), and
# a packet queued in the busy CPU's backlog can be overtaken by a later one
# sent on the other, before it reaches the gateway: reordering that no
# tunnel made and that a gateway behind a NIC does not see.
# BENCH_LAN_RPS=0 leaves it out; mode avr is av0 with it off in the same
# run. It moves the gateway's share of a flow off the CPU that sent it, so
# it changes every mode's costs (an IPI per batch handed over), alike.
lan_rps() { # MASK: the CPUs (hex) the gateways' LAN interfaces hand flows to
	local ns
	for ns in gwA gwB; do
		n $ns sh -c "echo $1 >/sys/class/net/lan/queues/rx-0/rps_cpus" || return 1
	done
}
LAN_RPS_MASK=0
if [ "${BENCH_LAN_RPS:-1}" != 0 ]; then
	# One hex word is 32 CPUs; sysfs wants comma-separated words above that.
	((NCPU <= 32)) || fatal "rps" "RPS mask for $NCPU CPUs: at most 32 here"
	LAN_RPS_MASK=$(printf %x $(((1 << NCPU) - 1)))
	lan_rps "$LAN_RPS_MASK" || fatal "rps" "RPS on the gateways' LAN interfaces"
fi
log "gateways' LAN interfaces: RPS CPUs $(n gwA cat /sys/class/net/lan/queues/rx-0/rps_cpus)"
avail=""
want() { case " $MODES " in *" $1 "*) return 0 ;; esac; return 1; }
if want av0 || want avi || want avn || want avd || want avr || want avs; then
	if setup_tunnel; then
		want av0 && avail+=" av0"
		want avi && avail+=" avi"
		want avn && avail+=" avn"
		want avd && avail+=" avd"
		want avr && avail+=" avr"
	else
		log "av0 unavailable: no autovpn numbers"
	fi
fi
if want avs; then
	if setup_scale; then avail+=" avs"; else log "scale setup failed: no avs numbers"; fi
fi
want veth && { setup_veth && avail+=" veth" || log "veth setup failed"; }
want wg && { setup_wg && avail+=" wg" || log "wireguard setup failed"; }
want esp && { setup_esp && avail+=" esp" || log "xfrm setup failed"; }
# The server must outlive every round: topo.sh's iperf_server is bounded by
# 600 s, which 3 rounds under TCG on a loaded host exceed (the later runs
# then found no server). Bounded by this benchmark's own timeout instead.
bg lanB timeout 3600 iperf3 -s -p 5201 >>"$WORK/iperf3-server-lanB.log" 2>&1
wait_for_tcp_port lanB 5201 30 || fatal "iperf-server"
# learn_pmtu MODE: a tunnel's MTU is below the LANs' 1500, so the first
# TCP run through it would pay path MTU discovery: its first window of
# full-size segments dropped at the gateway (IpFragFails) and sent again
# (29 retransmits in av0's first run of one measured round), signs that say
# nothing about the datapath. The sender caches the MTU for 10 minutes,
# less than a long run takes: a full-size ping with DF learns it before
# every run (QUIET=1: without logging it).
learn_pmtu() {
	local k mtu
	k=$(mode_k "$1")
	n lanA timeout 20 ping -q -c 2 -W 5 -M "do" -s 1472 -I 10.1.$k.2 10.2.$k.2 >/dev/null 2>&1
	[ "${QUIET:-0}" = 1 ] && return 0
	mtu=$(n lanA ip route get 10.2.$k.2 from 10.1.$k.2 | grep -o 'mtu [0-9]*')
	log "$1: path MTU learnt: ${mtu:-none, the LAN MTU}"
}

# Keys live 180 s and a round lasts longer under TCG: rotate before each
# autovpn run, as the daemon would (new key ids 2, 3, ...). Programming the
# hub alone takes longer than that, so av0's and avs's first keys are dead
# by now: rotate before the first pings too.
keyid=1
avail_rekey() { # MODE: a new key for an autovpn mode; nothing for the others
	case $1 in
	av0 | avi | avn | avd | avr) keyid=$((keyid % 250 + 1)) && rekey $keyid ;;
	avs) keyid=$((keyid % 250 + 1)) && scale_rekey $keyid ;;
	esac
}
for m in $MODES; do
	case " $avail " in *" $m "*)
		avail_rekey $m || log "$m: rekey failed"
		n lanA timeout 20 ping -q -c 1 -W 5 -I 10.1.$(mode_k $m).2 10.2.$(mode_k $m).2 >/dev/null ||
			log "$m: first ping failed"
		learn_pmtu $m ;;
	esac
done

# The modes' order, and in every second round the reverse (see the top).
REVERSED=$(printf '%s\n' $MODES | tac | tr '\n' ' ')
for ((r = 1; r <= ROUNDS; r++)); do
	order=$MODES
	((r % 2 == 0)) && order=$REVERSED
	for f in $FLOWS; do
		for m in $order; do
			case " $avail " in *" $m "*) ;; *) continue ;; esac
			if ! avail_rekey $m; then
				log "$m rekey before round $r failed"
				continue
			fi
			measure "$m" "$f" "$r"
		done
	done
done
# Where the CPU goes: one profiled run per mode asked for (not in the medians).
profile() { # MODE
	local k data=$OUT/perf-$1.data
	k=$(mode_k "$1")
	avail_rekey "$1" || return 1
	QUIET=1 learn_pmtu "$1"
	inline_on "$1"
	timeout $((SECS + 60)) perf record -q -a -g -F 499 -o "$data" -- \
		ip netns exec lanA timeout $((SECS + 30)) iperf3 -c 10.2.$k.2 -B 10.1.$k.2 -p 5201 -t "$SECS" \
		-P "${BENCH_PROFILE_FLOWS:-1}" --connect-timeout 10000 >/dev/null 2>"$WORK/perf-$1.err"
	local rc=$?
	inline_off "$1"
	[ $rc = 0 ] || { log "profile $1: perf or iperf3 failed (exit $rc): $(tail -n 2 "$WORK/perf-$1.err")"; return 1; }
	perf report -i "$data" --stdio --no-children -g none --sort dso,sym --percent-limit 0.5 \
		2>/dev/null | grep -v -e '^#' -e '^$' | head -n 60 | sed "s/^/# profile $1: /"
	# Inclusive shares: which stages (callers and all they call) take the
	# time, e.g. avpn_xmit or the crypt workers against the TCP ends.
	perf report -i "$data" --stdio --children -g none --sort sym --percent-limit 2 \
		2>/dev/null | grep -v -e '^#' -e '^$' | head -n 80 | sed "s/^/# inclusive $1: /"
	local sym
	for sym in ${BENCH_PROFILE_CALLERS:-}; do
		perf report -i "$data" --stdio --no-children -S "$sym" -g fractal,1,callee --max-stack 10 \
			2>/dev/null | grep -v -e '^#' -e '^$' | head -n 60 | sed "s/^/# callers $1 $sym: /"
	done
}
if [ -n "${BENCH_PROFILE:-}" ]; then
	if ! command -v perf >/dev/null; then
		log "BENCH_PROFILE: no perf here (Debian package linux-perf)"
	else
		for m in $BENCH_PROFILE; do
			case " $avail " in *" $m "*) profile "$m" || true ;; *) log "profile $m: mode not set up" ;; esac
		done
	fi
fi
stop_bg # the iperf3 server
log "AEAD implementations in use: $(awk '/^name/ { n = $3 } /^driver/ { d = $3 }
	/^priority/ { if (n ~ /gcm\(aes\)/) print n "=" d }' /proc/crypto | sort -u | tr '\n' ' ')"
for ns in gwA gwB; do
	for d in av0 av1; do
		n $ns ip link show $d >/dev/null 2>&1 &&
			log "$ns $d drops: $(n $ns "$AVPN" show $d --json | jq -c '.interfaces[0].drops | with_entries(select(.value > 0))')"
	done
done

# gcm(aes) twice (~100 s a run), chacha20poly1305 three times (~16 s).
if [ "${BENCH_TCRYPT:-1}" != 0 ]; then
	run_tcrypt 211 2
	run_tcrypt 213 3
else
	: >"$WORK/tcrypt-211.log"
	: >"$WORK/tcrypt-213.log"
fi
read -r enc enc_sz < <(tcrypt_speed "$WORK/tcrypt-211.log" "gcm(aes)" encryption 256)
read -r dec dec_sz < <(tcrypt_speed "$WORK/tcrypt-211.log" "gcm(aes)" decryption 256)
read -r cenc cenc_sz < <(tcrypt_speed "$WORK/tcrypt-213.log" "rfc7539esp(chacha20,poly1305)" encryption 288)
read -r cdec cdec_sz < <(tcrypt_speed "$WORK/tcrypt-213.log" "rfc7539esp(chacha20,poly1305)" decryption 288)
log "tcrypt gcm(aes) driver: $(sed -n 's/.*testing speed of gcm(aes) (\(.*\)) [a-z]*cryption.*/\1/p' \
	"$WORK/tcrypt-211.log" | sort -u | tr '\n' ' ')"
for s in "${enc_sz:-}" "${dec_sz:-}" "${cenc_sz:-}" "${cdec_sz:-}"; do
	[ -n "$s" ] && [ "$s" != 1420 ] &&
		log "note: tcrypt has no 1420-byte result here; using $s-byte blocks"
done

# ---- report --------------------------------------------------------------------

div() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "-" || b == "-" || b == 0) print "-"; else printf "%.3f", a / b }'; }

ceiling=- gcm_cost=- chacha_cost=-
if [ -n "${enc:-}" ] && [ -n "${dec:-}" ]; then
	ceiling=$(awk -v e="$enc" -v d="$dec" 'BEGIN { printf "%.1f", 2 / (1 / e + 1 / d) }')
	gcm_cost=$(awk -v e="$enc" -v d="$dec" 'BEGIN { printf "%.3f", 8000 / e + 8000 / d }')
	echo "BENCH tcrypt_gcm_aes256_enc_mbps $enc"
	echo "BENCH tcrypt_gcm_aes256_dec_mbps $dec"
	echo "BENCH tcrypt_gcm_aes256_block_bytes ${enc_sz}"
	echo "BENCH crypto_ceiling_mbps $ceiling"
else
	log "tcrypt mode 211 gave no gcm(aes) 256-bit results"
fi
if [ -n "${cenc:-}" ] && [ -n "${cdec:-}" ]; then
	chacha_cost=$(awk -v e="$cenc" -v d="$cdec" 'BEGIN { printf "%.3f", 8000 / e + 8000 / d }')
	echo "BENCH tcrypt_chacha20poly1305_enc_mbps $cenc"
	echo "BENCH tcrypt_chacha20poly1305_dec_mbps $cdec"
fi

declare -A MED OVH REO
for f in $FLOWS; do
	echo
	echo "$f flow(s): medians of $ROUNDS runs [min-max]; reordering signs per 10,000 segments sent"
	printf '%-5s %22s %18s %9s %7s %7s %7s %7s %7s %7s %8s %8s %7s  %s\n' mode "Mbit/s" "CPU-s/GB" \
		overhead retr dsack reord ofo qdrop avdrop ctxsw ipi ce "busy% / softirq% per CPU"
	for m in $MODES; do
		file=$RES/$m-$f
		read -r tm tlo thi < <(stats "$file" 1)
		read -r cm clo chi < <(stats "$file" 2)
		case $m in
		av0 | avi | avn | avd | avr | avs | esp) cost=$gcm_cost ;;
		wg) cost=$chacha_cost ;;
		veth) cost=0 ;;
		esac
		ovh=-
		[ "$cm" != - ] && [ "$cost" != - ] && ovh=$(awk -v c="$cm" -v k="$cost" 'BEGIN { printf "%.2f", c - k }')
		retr=$(med "$file" 3) dsack=$(med "$file" 4) reord=$(med "$file" 5) ofo=$(med "$file" 6)
		qdrop=$(med "$file" $((8 + 2 * NCPU))) avdrop=$(med "$file" $((9 + 2 * NCPU)))
		ctxsw=$(med "$file" $((10 + 2 * NCPU))) ipi=$(med "$file" $((11 + 2 * NCPU)))
		ce=$(med "$file" $((12 + 2 * NCPU)))
		cpus=""
		for ((i = 0; i < NCPU; i++)); do
			cpus+="$(med "$file" $((8 + i)) | cut -d. -f1)/$(med "$file" $((8 + NCPU + i)) | cut -d. -f1) "
		done
		MED[$m-$f]=$tm OVH[$m-$f]=$ovh
		REO[$m-$f]=$(awk -v a="$retr" -v b="$dsack" -v c="$reord" -v d="$ofo" 'BEGIN { printf "%.2f", a + b + c + d }')
		printf '%-5s %8s [%s-%s] %6s [%s-%s] %9s %7s %7s %7s %7s %7s %7s %8s %8s %7s  %s(%d runs)\n' \
			"$m" "$tm" "$tlo" "$thi" "$cm" "$clo" "$chi" "$ovh" "$retr" "$dsack" "$reord" "$ofo" \
			"$qdrop" "$avdrop" "$ctxsw" "$ipi" "$ce" "$cpus" \
			"$([ -s "$file" ] && wc -l <"$file" || echo 0)"
		[ "$tm" = - ] && continue
		p=datapath_${m}_f${f}
		echo "BENCH ${p}_mbps_median $tm"
		echo "BENCH ${p}_mbps_min $tlo"
		echo "BENCH ${p}_mbps_max $thi"
		echo "BENCH ${p}_cpu_s_per_gb_median $cm"
		[ "$ovh" != - ] && echo "BENCH ${p}_overhead_cpu_s_per_gb $ovh"
		echo "BENCH ${p}_retrans_per_10k $retr"
		echo "BENCH ${p}_dsack_per_10k $dsack"
		echo "BENCH ${p}_reorder_per_10k $reord"
		echo "BENCH ${p}_ofo_per_10k $ofo"
		echo "BENCH ${p}_backlog_drops_per_10k $qdrop"
		echo "BENCH ${p}_avpn_dev_drops_per_10k $avdrop"
		echo "BENCH ${p}_ctx_switches_per_10k $ctxsw"
		echo "BENCH ${p}_ipis_per_10k $ipi"
		echo "BENCH ${p}_ce_marks_per_10k $ce"
		for ((i = 0; i < NCPU; i++)); do
			echo "BENCH ${p}_cpu${i}_busy_pct $(med "$file" $((8 + i)))"
			echo "BENCH ${p}_cpu${i}_softirq_pct $(med "$file" $((8 + NCPU + i)))"
		done
	done
done

echo
echo "crypto: gcm(aes) 256-bit ${enc_sz:-?}-byte enc ${enc:-?} / dec ${dec:-?} Mbit/s -> C = $ceiling Mbit/s, cipher cost $gcm_cost CPU-s/GB;" \
	"chacha20poly1305 enc ${cenc:-?} / dec ${cdec:-?} -> $chacha_cost CPU-s/GB"
target() { # KEY VALUE TEXT
	echo "BENCH $1 $2"
	printf '  %-34s %7s   %s\n' "$1" "$2" "$3"
}
echo "targets (issue 7):"
f1=$(echo "$FLOWS" | awk '{ print $1 }') f8=$(echo "$FLOWS" | awk '{ print $NF }')
target ratio_av0_f${f1}_over_ceiling "$(div "${MED[av0-$f1]:-}" "$ceiling")" ">= 0.6"
target ratio_av0_f${f1}_over_wg "$(div "${MED[av0-$f1]:-}" "${MED[wg-$f1]:-}")" ">= 1.3"
target ratio_av0_f${f1}_over_esp "$(div "${MED[av0-$f1]:-}" "${MED[esp-$f1]:-}")" ">= 1.5"
target ratio_av0_f${f8}_over_ceiling "$(div "${MED[av0-$f8]:-}" "$ceiling")" ">= 0.7"
target ratio_av0_f${f8}_over_wg "$(div "${MED[av0-$f8]:-}" "${MED[wg-$f8]:-}")" "(no target)"
target ratio_overhead_av0_over_wg "$(div "${OVH[av0-$f1]:-}" "${OVH[wg-$f1]:-}")" "<= 0.6 (1 flow: ${OVH[av0-$f1]:-?} vs ${OVH[wg-$f1]:-?} CPU-s/GB)"
target ratio_av0_f${f1}_over_avi "$(div "${MED[av0-$f1]:-}" "${MED[avi-$f1]:-}")" "(no target: parallel queues over inline crypto)"
target ratio_av0_f${f8}_over_avi "$(div "${MED[av0-$f8]:-}" "${MED[avi-$f8]:-}")" "(no target)"
target ratio_av0_f${f1}_over_avn "$(div "${MED[av0-$f1]:-}" "${MED[avn-$f1]:-}")" "(no target: congestion marks over none)"
target ratio_av0_f${f8}_over_avn "$(div "${MED[av0-$f8]:-}" "${MED[avn-$f8]:-}")" "(no target)"
target ratio_avd_f${f1}_over_av0 "$(div "${MED[avd-$f1]:-}" "${MED[av0-$f1]:-}")" "(no target: CoDel dropping Not-ECT over not)"
target ratio_avd_f${f8}_over_av0 "$(div "${MED[avd-$f8]:-}" "${MED[av0-$f8]:-}")" "(no target)"
target ratio_av0_f${f1}_over_avr "$(div "${MED[av0-$f1]:-}" "${MED[avr-$f1]:-}")" "(no target: LAN RPS on over off)"
target ratio_av0_f${f8}_over_avr "$(div "${MED[av0-$f8]:-}" "${MED[avr-$f8]:-}")" "(no target)"
target ratio_avs_f${f1}_over_av0 "$(div "${MED[avs-$f1]:-}" "${MED[av0-$f1]:-}")" ">= 0.95 (scale: 10,000 peers, 100,000 routes)"
target ratio_avs_f${f8}_over_av0 "$(div "${MED[avs-$f8]:-}" "${MED[av0-$f8]:-}")" ">= 0.95"
# What the one-flow target leaves in this topology: at 0.6 C every vCPU
# (sender, both gateways and receiver share them) is busy, which is
# NCPU * 8000 / (0.6 C) CPU-s per GB; the cipher takes its cost, and the
# rest is the most the overhead column (the TCP ends' and the forwarding's
# cost included, as there) may be. A mode whose overhead is above it
# cannot reach 0.6 C here, whatever it does with the vCPUs.
budget=-
if [ "$ceiling" != - ] && [ "$gcm_cost" != - ]; then
	budget=$(awk -v n="$NCPU" -v c="$ceiling" -v k="$gcm_cost" \
		'BEGIN { printf "%.2f", n * 8000 / (0.6 * c) - k }')
fi
target overhead_budget_f${f1}_at_0_6_ceiling "$budget" \
	"most overhead (CPU-s/GB) that allows 0.6 C (av0 ${OVH[av0-$f1]:-?}, wg ${OVH[wg-$f1]:-?}, veth ${OVH[veth-$f1]:-?})"
for f in $FLOWS; do
	target reorder_signs_avi_f${f} "${REO[avi-$f]:--}" "(inline crypto, for comparison)"
	target reorder_signs_avn_f${f} "${REO[avn-$f]:--}" "(no congestion marks, for comparison)"
	target reorder_signs_avr_f${f} "${REO[avr-$f]:--}" "(LAN RPS off, for comparison)"
	target reorder_signs_avd_f${f} "${REO[avd-$f]:--}" "(CoDel drops Not-ECT, for comparison)"
	target reorder_signs_av0_f${f} "${REO[av0-$f]:--}" "<= veth's ${REO[veth-$f]:--} (retr+dsack+reord+ofo per 10k segments)"
done
# The benchmark fails if it could not measure (every av0 run, tcrypt);
# the targets are reported, not enforced.
for f in $FLOWS; do
	nav0=$([ -s "$RES/av0-$f" ] && wc -l <"$RES/av0-$f" || echo 0)
	want av0 && result "bench-av0-x$f-all-rounds" $((nav0 != ROUNDS)) "$nav0 of $ROUNDS av0 runs measured"
done
result "bench-tcrypt" $([ "$ceiling" != - ]; echo $?) "C = $ceiling Mbit/s"
finish
