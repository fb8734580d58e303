#!/bin/bash
# The datapath with an asynchronous cipher (topology: tests/net/topo.sh).
# With parallel=1 the module wraps gcm(aes) in pcrypt, so every packet
# leaves the crypto API with -EINPROGRESS and finishes in a completion
# callback on a workqueue: the path an async hardware/cryptd cipher takes.
# Traffic in both directions and families, a key rotation under load, and a
# module unload with the tunnel live must all work, with no crypto drops.
. "$(dirname "$0")/topo.sh"

crypto_drops() { peer_stat "$1" '.drops.no_key + .drops.auth + .drops.replay + .drops.nomem'; }

grep -q '^autovpn ' /proc/modules && rmmod autovpn
modprobe -q aesni_intel 2>/dev/null
for dep in $(modinfo -F depends "$KO" | tr ',' ' '); do
	modprobe "$dep" || fatal "deps"
done
check "load-parallel" insmod "$KO" parallel=1
setup_topology v4 && setup_tunnel || fatal "setup"
check "pcrypt-in-use" grep -q '^driver *: pcrypt(' /proc/crypto

check "ping4" n lanA timeout 20 ping -c 5 -i 0.2 -W 3 "$LANB4"
check "ping6" n lanA timeout 20 ping -c 5 -i 0.2 -W 3 "$LANB6"
check "ping-back" n lanB timeout 20 ping -c 3 -i 0.2 -W 3 "$LANA4"

iperf_server lanB || fatal "iperf-server"
json=$OUT/crypto_async.json
bg lanA timeout 90 iperf3 -c "$LANB4" -p 5201 -t 6 --connect-timeout 10000 -J --logfile "$json"
ipf=$BG_PID
make_keys 2 || fatal "keys"
sleep 2
check "rotate-under-load" eval "install_next A 2 && install_next B 2 && swap_key B && swap_key A"
wait "$ipf"
result "iperf3-async" $? "$(iperf_mbps "$json" 2>/dev/null || echo ?) Mbit/s"
for ns in gwA gwB; do
	d=$(crypto_drops $ns)
	result "$ns-no-crypto-drops" $((${d:-1} != 0)) "no_key+auth+replay+nomem = ${d:-?}"
done
tx=$(peer_stat gwA .tx_packets) rx=$(peer_stat gwB .rx_packets)
result "all-sent-received" $((tx == 0 || rx < tx * 95 / 100)) "gwA tx $tx, gwB rx $rx"

# Unload while packets are in flight in the workqueues.
bg lanA timeout 30 ping -f -W 1 "$LANB4" >/dev/null
sleep 1
n gwA ip link del av0 && n gwB ip link del av0
check "unload-with-traffic" rmmod autovpn
finish
