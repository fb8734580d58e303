#!/bin/bash
# Issue 9 #16: slow HTTP clients (slowloris: request headers trickled a line
# a second, never finished, connections reopened when cut) must not take the
# status API away from the operators. 100 such connections from 4 loopback
# addresses (more than the old limit of 64); meanwhile curl from 127.0.0.1
# must get its answer, and the registry must be cutting the slow ones.
. tests/registry/lib.sh
W=$(mktemp -d); trap cleanup EXIT
setup_example
start_registry 1 127.0.0.1:9350 19390
cat > "$W/slow.py" <<'PY'
import socket, sys, time
port, per_addr, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
addrs = ["127.0.0.%d" % i for i in range(2, 6)]
conns, cut, opened = {}, 0, 0
def open_one(a):
    global opened
    s = socket.socket()
    s.bind((a, 0))
    s.settimeout(1)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /api/v1/stats HTTP/1.1\r\nHost: x\r\n")
    except OSError:
        s.close()
        return None
    s.setblocking(False)
    opened += 1
    return s
for a in addrs:
    for k in range(per_addr):
        conns[(a, k)] = open_one(a)
print("ready", opened, flush=True)
end = time.time() + secs
while time.time() < end:
    for key, s in list(conns.items()):
        if s is not None:
            try:
                s.send(b"X-Slow: 1\r\n")
                if s.recv(4096) == b"":
                    raise OSError("closed")
            except BlockingIOError:
                continue
            except OSError:
                cut += 1
                s.close()
                s = None
        conns[key] = s if s is not None else open_one(key[0])
    print("cut", cut, "opened", opened, flush=True)
    time.sleep(1)
print("end", flush=True)
PY
python3 "$W/slow.py" 19390 25 40 > "$W/slow.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do grep -q '^ready' "$W/slow.out" && break; sleep 0.05; done
grep -q '^ready' "$W/slow.out" || fail "slow clients did not start: $(cat "$W/slow.out")"
echo "slow clients: $(head -1 "$W/slow.out")"
# The operator's requests get through while the slow clients keep at it
# (answers after the slow clients gave up would prove nothing).
ok=0
for _ in $(seq 8); do
	if curl -sf --max-time 2 http://127.0.0.1:19390/api/v1/stats > "$W/stats" &&
		! grep -q '^end' "$W/slow.out"; then
		ok=$((ok + 1))
		[ $ok -ge 3 ] && break
	fi
	sleep 0.5
done
[ $ok -ge 3 ] || fail "the status API did not answer while slow clients held it (answers: $ok)"
# And the registry cuts slow connections (header deadline), which the
# clients see as closed.
for _ in $(seq 200); do
	[ "$(tail -1 "$W/slow.out" | awk '$1=="cut" {print $2}')" -ge 1 ] 2>/dev/null && break
	sleep 0.1
done
cut=$(tail -1 "$W/slow.out" | awk '$1=="cut" {print $2}')
[ "${cut:-0}" -ge 1 ] || fail "no slow connection was ever cut: $(tail -1 "$W/slow.out")"
echo "status API answered $ok times during the attack; slow connections cut: $cut"
