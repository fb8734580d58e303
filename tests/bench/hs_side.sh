#!/bin/bash
# vm-timeout: 900
# make bench: handshakes per CPU-second of a responder, autovpn side by side
# with the kernel's WireGuard (issue 6), in the same VM and measured the same
# way. One initiator (tests/bench/hs_udp.c) in netns "i" keeps WINDOW
# initiations from N peers in flight against a responder in netns "r":
#   - wg: the kernel's wireguard device wg0 with those N peers;
#   - av: the handshake library autovpnd answers with (hs_udp av-serve).
# The responder's CPU is the VM's busy time (all CPUs, /proc/stat, less
# the idle VM's own rate) minus the initiator's (getrusage), both read by
# the initiator around its measured window: it includes the responders'
# sends and WireGuard's queueing to its handshake workers; a receive softirq
# that runs in the sending initiator's context (veth) counts as the
# initiator's and is subtracted, for both responders alike. The
# initiators do no DH in that window (hs_udp.c: WireGuard's reuse one
# ephemeral key per peer, autovpn's are made beforehand), so the responder
# is most of what is measured. For autovpn the responder process's own
# utime + stime is reported too; under emulation it does not agree with
# /proc/stat (a vCPU the host preempts still runs, for the guest's clocks),
# and CPU times inflate with the host's load: only the ratio of the two
# responders, measured in the same run, is meaningful.
# Rounds alternate wg and av; the medians and their ratio are reported.
#
# Under TCG the instruction mix decides: libsodium picks its AVX X25519 when
# the CPU has AVX, and qemu emulates AVX far more slowly than the integer
# multiplications (mulx/adx) the kernel's X25519 uses. With AVX, autovpn
# reached 0.06x WireGuard's rate here; without, about 1x, as natively the two
# X25519s cost about the same. `make bench-handshake-side` hence boots the VM
# without AVX (AVPN_VM_CPU=max,-avx,-avx2); hs_udp x25519 reports what one
# X25519 cost, and the CPU's AVX flag is reported, so the figure says which
# case it measured.
. "$(dirname "$0")/../net/lib.sh"

N=${HS_SIDE_PEERS:-256} SECS=${HS_SIDE_SECS:-10} ROUNDS=${HS_SIDE_ROUNDS:-3}
WIN=${HS_SIDE_WINDOW:-8}
HS=$AVPN_BIN/bench/hs_udp
[ -x "$HS" ] || fatal hs_udp "$HS missing (make $AVPN_BIN/bench/hs_udp)"

new_ns r i
veth r vr i vi
n r ip addr add 10.77.0.1/24 dev vr
n i ip addr add 10.77.0.2/24 dev vi
modprobe wireguard || fatal wireguard "no wireguard module"
n r ip link add wg0 type wireguard
"$HS" wg-conf seed "$N" >"$WORK/wg.conf"
n r wg setconf wg0 "$WORK/wg.conf" || fatal wg_setconf
n r ip link set wg0 up
bg r sh -c "exec '$HS' av-serve 51821 seed $N > '$WORK/av-serve.out'"
AV_PID=$BG_PID
wait_for_port r udp 51821 60 || fatal av_serve "the autovpn responder did not start"

x25519_us=$("$HS" x25519 | awk '{ print $2 }')
avx=no
grep -qw avx /proc/cpuinfo && avx=yes
log "libsodium X25519: $x25519_us us of CPU each; CPU has AVX: $avx"

# Busy ticks (USER_HZ) of all CPUs, as hs_udp counts them.
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
t0=$(date +%s.%N) b0=$(busy)
sleep 5
idle_rate=$(awk -v b="$(busy)" -v b0="$b0" -v t="$(date +%s.%N)" -v t0="$t0" \
	'BEGIN { printf "%.4f", (b - b0) / 100 / (t - t0) }')
log "idle VM: $idle_rate busy CPU-s per second"

av_ticks() { awk '{ print $14 + $15 }' "/proc/$AV_PID/stat"; }

# measure MODE PORT: one run; prints "answered lost rate rate_process"
measure() {
	local out t0 t1 ans lost icpu wall busy
	t0=$(av_ticks)
	out=$(n i "$HS" "$1-init" 10.77.0.1 "$2" seed "$N" "$SECS" "$WIN") || return 1
	t1=$(av_ticks)
	read -r _ ans _ lost _ icpu _ wall _ busy <<<"$out"
	log "$1: $out" >&2
	awk -v a="$ans" -v l="$lost" -v b="$busy" -v t="$((t1 - t0))" -v i="$icpu" \
		-v w="$wall" -v z="$idle_rate" 'BEGIN {
			r = b / 100 - i - z * w; if (r <= 0) r = 0.01
			if (t <= 0) t = 1
			printf "%d %d %.0f %.0f\n", a, l, a / r, a / (t / 100) }'
}

wg_rates=() av_rates=() av_proc=() wg_ans=0 wg_lost=0 av_ans=0 av_lost=0
for r in $(seq "$ROUNDS"); do
	read -r a l rate _ < <(measure wg 51820) || fatal wg_run
	wg_rates+=("$rate") wg_ans=$((wg_ans + a)) wg_lost=$((wg_lost + l))
	read -r a l rate proc < <(measure av 51821) || fatal av_run
	av_rates+=("$rate") av_proc+=("$proc") av_ans=$((av_ans + a)) av_lost=$((av_lost + l))
	log "round $r: handshakes per responder CPU-s: wg ${wg_rates[-1]}, av ${av_rates[-1]}" \
		"(av process alone: ${av_proc[-1]})"
done
stop_bg "$AV_PID"
cat "$WORK/av-serve.out"

med() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
wg_med=$(med "${wg_rates[@]}") av_med=$(med "${av_rates[@]}")
av_proc_med=$(med "${av_proc[@]}")
echo "BENCH hs_side_peers $N"
echo "BENCH hs_side_window $WIN"
echo "BENCH hs_side_cpu_avx $avx"
echo "BENCH hs_side_av_x25519_us $x25519_us"
echo "BENCH hs_side_wg_handshakes_per_cpu_s_median $wg_med"
echo "BENCH hs_side_av_handshakes_per_cpu_s_median $av_med"
echo "BENCH hs_side_av_over_wg $(awk -v a="$av_med" -v w="$wg_med" 'BEGIN { printf "%.3f", a / w }')"
echo "BENCH hs_side_av_handshakes_per_process_cpu_s_median $av_proc_med"
echo "BENCH hs_side_wg_answered $wg_ans"
echo "BENCH hs_side_wg_lost $wg_lost"
echo "BENCH hs_side_av_answered $av_ans"
echo "BENCH hs_side_av_lost $av_lost"
# The initiations are right if WireGuard answers them: a wrong MAC1, key or
# timestamp gets no answer at all.
check wg_answers test "$wg_ans" -gt 0 -a "$wg_lost" -le $((wg_ans / 100))
check av_answers test "$av_ans" -gt 0 -a "$av_lost" -le $((av_ans / 100))
finish
