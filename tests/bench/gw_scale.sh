#!/bin/bash
# vm-timeout: 600
# make bench: a hub learns 1,000 spokes with 10 subnets each from one
# registry answer; how long autovpnd takes to program them into the kernel
# (1,000 kernel peers with their allowed sources) and the VPN routing table
# (10,000 prefixes). Target: < 2 s.
. "$(dirname "$0")/../net/lib.sh"

N=${GW_SCALE_PEERS:-1000} S=${GW_SCALE_SUBNETS:-10}
new_ns gw
ip -n gw link add dummy0 type dummy
ip -n gw link set dummy0 up
ip -n gw addr add 192.0.2.1/32 dev dummy0
ip -n gw addr add 192.0.2.100/32 dev dummy0
load_module || fatal module
umask 077
"$AVPN_BIN/autovpn" genkey > "$WORK/hub.key"
"$AVPN_BIN/autovpn" pubkey < "$WORK/hub.key" > "$WORK/hub.pub"
"$AVPN_BIN/autovpn" genkey > "$WORK/reg.key"
"$AVPN_BIN/autovpn" genkey > "$WORK/psk"
"$NETBIN/orggen" "$WORK/hub.pub" "$WORK/reg.key" "$WORK/psk" "$N" "$S" > "$WORK/org.conf"
cat > "$WORK/gw.conf" <<EOT
[gateway]
name = hub
private-key = $WORK/hub.key
[registry]
address = 192.0.2.1:9350
public-key = $("$AVPN_BIN/autovpn" pubkey < "$WORK/reg.key")
[uplink "wan1"]
device = dummy0
source = 192.0.2.100
EOT
bg gw "$AVPN_BIN/autovpn-registry" -c "$WORK/org.conf" -l 192.0.2.1:9350 --id 1 --http off
wait_for_port gw udp 9350 60 || fatal registry
# The log on the guest's own file system: lines to the 9p share take
# milliseconds each under emulation, and 1,000 peers log 1,000 lines.
LOG=$WORK/autovpnd.log
bg gw sh -c "exec '$AVPN_BIN/autovpnd' -c '$WORK/gw.conf' -f >> '$LOG' 2>&1"
programmed() { grep -q "VPN table 9350: $((N * S)) prefixes" "$LOG"; }
check programmed wait_until 300 programmed
peers_ms=$(sed -n 's/.*peers: \([0-9]*\) in the kernel.* in \([0-9]*\) ms/\2/p' "$LOG" | head -n 1)
table_ms=$(sed -n "s/.*VPN table 9350: $((N * S)) prefixes (was [0-9]*) in \([0-9]*\) ms/\1/p" "$LOG")
kpeers=$(n gw "$AVPN_BIN/autovpn" show av0 dump | grep -c '^peer')
echo "BENCH scale_peers $N"
echo "BENCH scale_prefixes $((N * S))"
echo "BENCH scale_program_peers_ms $peers_ms"
echo "BENCH scale_program_table_ms $table_ms"
echo "BENCH scale_program_total_ms $((peers_ms + table_ms))"
# Wall time, answer to table: from the complete peer list to the VPN table
# (the two phases above plus the route decisions between them).
t_list=$(awk '/peer list version/ { print $1; exit }' "$LOG")
t_table=$(awk -v n="$((N * S)) prefixes" 'index($0, n) && /VPN table/ { print $1; exit }' "$LOG")
echo "BENCH scale_answer_to_table_ms $(awk -v a="$t_list" -v b="$t_table" 'BEGIN { printf "%d", (b - a) * 1000 }')"
cp "$LOG" "$AVPN_OUT/autovpnd.log"
check all_kernel_peers test "$kpeers" = "$N"
check all_table_routes test "$(ip -n gw route show table 9350 | wc -l)" = "$((N * S))"
finish
