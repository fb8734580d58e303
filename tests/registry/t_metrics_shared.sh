#!/bin/bash
# GET /metrics is one response that every connection sends, not a copy per
# connection. An organisation of 150,000 networks has a 10 MB exposition,
# more than a loopback connection's send buffer (4 MB at most) takes in,
# and 32 clients that start reading it and then stop (two loopback
# addresses, 16 each, the per-address limit) must not pin 32 copies in the
# registry: its resident memory may grow by a few bodies (the clients can
# straddle a second and cause a render, which takes two), less than 8, not
# by one per client (with a copy each, 192 MB -> 503 MB: 31 bodies). And
# the body outlives the cache: a new render meanwhile replaces the kept
# response, and every client still reads a whole body, as long as its
# Content-Length says, all of them the same one or two renders. The
# registry's freed memory is overwritten (MALLOC_PERTURB_), so a body freed
# while a connection still sends it does not read as a whole one.
# registry-timeout: 120
. tests/registry/lib.sh
W=$(mktemp -d); trap cleanup EXIT
N=150000 CLIENTS=32
newkey "$W/registry.key"
"$SIM" keys --seed shared --count "$N" > "$W/keys"
tests/registry/org_of.sh shared "$W/keys" > "$W/org.conf"
HTTP_WAIT_TRIES=600 MALLOC_PERTURB_=165 start_registry 1 127.0.0.1:9350 19390
RPID=${PIDS[-1]}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$RPID/status"; }

cat > "$W/slow.py" <<'PY'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
conns = []
for i in range(n):
    s = socket.socket()
    s.bind(("127.0.0.%d" % (2 + i % 2), 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    conns.append(s)
# Each answer has begun (so the registry has made it); then nobody reads.
for s in conns:
    if not s.recv(12).startswith(b"HTTP/1.1 200"):
        sys.exit("no 200")
print("started", flush=True)
sys.stdin.readline()
# All at once: one read at a time would leave the others waiting past
# the registry's answer deadline (30 s). Bodies are hashed as they come.
import hashlib, selectors
sel = selectors.DefaultSelector()
st = {}
for s in conns:
    s.setblocking(False)
    st[s] = {"head": bytearray(), "cl": None, "got": 0, "last": b"", "h": hashlib.sha256()}
    sel.register(s, selectors.EVENT_READ)
while len(sel.get_map()):
    ready = sel.select(timeout=30)
    if not ready:
        break  # stalled: the count of whole bodies says so
    for key, _ in ready:
        s, c = key.fileobj, st[key.fileobj]
        try:
            b = s.recv(1 << 20)
        except BlockingIOError:
            continue
        if not b:
            sel.unregister(s)
            continue
        if c["cl"] is None:
            c["head"] += b
            head, sep, b = bytes(c["head"]).partition(b"\r\n\r\n")
            if not sep:
                continue
            cl = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
            c["cl"] = int(cl[0].split(b":")[1]) if cl else -1
        c["got"] += len(b)
        c["h"].update(b)
        if b:
            c["last"] = b[-1:]
whole = sum(1 for c in st.values() if c["cl"] == c["got"] and c["last"] == b"\n")
bodies = {c["h"].digest() for c in st.values()}
print("whole", whole, "distinct", len(bodies), flush=True)
PY
curl -sf http://127.0.0.1:19390/metrics > "$W/m1" || fail "first scrape"
body_kb=$(($(wc -c < "$W/m1") / 1024))
[ "$body_kb" -gt 8192 ] || fail "body of $body_kb KiB: too small to tell copies apart"
rss0=$(rss_kb)
mkfifo "$W/go"
python3 "$W/slow.py" 19390 "$CLIENTS" < "$W/go" > "$W/slow.out" 2>&1 &
PIDS+=($!)
exec 7> "$W/go" # held open: the clients wait for a line on it
for _ in $(seq 200); do grep -q '^started' "$W/slow.out" && break; sleep 0.05; done
grep -q '^started' "$W/slow.out" || fail "slow clients did not start: $(cat "$W/slow.out")"
sleep 0.5
rss1=$(rss_kb)
# A render after the clients' (the kept response is 1 s old): it replaces it.
sleep 1.1
curl -sf http://127.0.0.1:19390/metrics > "$W/m2" || fail "second scrape"
echo go >&7
exec 7>&-
for _ in $(seq 600); do grep -q '^whole' "$W/slow.out" && break; sleep 0.1; done
echo "body $body_kb KiB, $CLIENTS clients: registry RSS $rss0 -> $rss1 kB; $(tail -1 "$W/slow.out")"
grep -q "^whole $CLIENTS distinct [12]\$" "$W/slow.out" ||
	fail "the clients did not all get a whole body: $(cat "$W/slow.out")"
[ $((rss1 - rss0)) -lt $((body_kb * 8)) ] ||
	fail "RSS grew by $((rss1 - rss0)) kB with $CLIENTS clients of a $body_kb KiB body: a copy each"
echo "PASS: t_metrics_shared"
