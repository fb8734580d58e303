#!/bin/bash
# GET /api/v1/gateways and /api/v1/org are streamed a batch at a time
# (httplist.c): an org of 50,000 gateways, a client that reads the first
# 4 KB of the gateway list and then holds it, and meanwhile the registry
# answers registrations within 2 s and its RSS stays put; each answer read
# to its end is whole (over HTTP/1.1 chunked and HTTP/1.0); a reload under
# held answers cuts them, counted as such, and the next ones are whole.
#
# 50,000 gateways make a 9.5 MB listing (the org summary ~11 MB), well over
# what the socket buffers take from the registry while the client does not
# read: the client's receive buffer is kept small, and the registry's send
# buffer grows to tcp_wmem's maximum (4 MB by default; N grows with it), so
# the registry really is left with the rest to send. Measured on a 2-core
# machine under load (load average 3-6), against the code that built the
# whole listing in its handler:
#                                  streamed     built whole
#   registration at the request    53-592 ms    519-731 ms (the render)
#   registration while held        51-205 ms    68-169 ms
#   RSS growth, gateway list held  0 kB         100,624 kB
#   RSS growth, org summary held   0 kB         303,668 kB (55,188 gateways)
#   answers held across a reload   cut          whole, of the old config
# registry-timeout: 120
. tests/registry/lib.sh
W=$(mktemp -d); trap cleanup EXIT
# At least 2.5 times what the registry's send buffer may take (~190 bytes
# per gateway in the listing); at most 150,000 (a 16 MB tcp_wmem would ask
# for 220,000), which keeps the run within its time.
wmem_max=$(awk '{ print $3 }' /proc/sys/net/ipv4/tcp_wmem)
N=$((wmem_max * 5 / 2 / 190))
[ "$N" -ge 50000 ] || N=50000
[ "$N" -le 150000 ] || N=150000
# Far from both sides: the held listing costs the streaming registry one
# batch (~50 kB), the old one 100 MB. The registration bound is generous
# (a loaded machine); at this size it would not catch the old code's stall
# (0.5-0.7 s), which the RSS and the reload checks do.
RSS_MAX_KB=8192
REG_MAX_MS=2000
HTTP=19390

newkey "$W/registry.key"
for p in p1 p2 p3; do newkey "$W/$p.key"; done
head -c 32 /dev/urandom | base64 > "$W/psk.b64"
REGPUB=$(pubkey "$W/registry.key")
"$SIM" keys --seed "listing" --count "$N" > "$W/keys" || fail "keys"
# gw0 and gw1 hubs, every other gateway a spoke of both (as in
# tests/bench/registry.sh), and the probes, spokes of gw0.
write_big_org() {
	local out=$1; shift
	{
		printf '[organization]\nname = big\nregistry-private-key = registry.key\n'
		printf 'psk-secret = %s\n\n' "$(cat "$W/psk.b64")"
		awk -F'\t' '{
			i = $1
			printf "[network \"gw%d\"]\npublic-key = %s\n", i, $2
			if (i < 2) printf "mode = hub\n"
			else printf "mode = spoke\nhub = \"gw0\"\nhub = \"gw1\"\n"
			printf "subnet = 10.%d.%d.%d/32 yes\n\n", int(i / 65536) % 256,
				int(i / 256) % 256, i % 256
		}' "$W/keys"
		for p in "$@"; do
			printf '[network "%s"]\npublic-key = %s\nmode = spoke\nhub = "gw0"\n\n' \
				"$p" "$(pubkey "$W/$p.key")"
		done
	} > "$out.tmp"
	mv "$out.tmp" "$out"
}
t0=$(date +%s%N)
write_big_org "$W/org.conf" p1 p2
HTTP_WAIT_TRIES=1200 start_registry 1 127.0.0.1:9350 "$HTTP" # a minute to load
RPID=${PIDS[0]}
echo "org of $N + 2 gateways written and loaded in $(( ($(date +%s%N) - t0) / 1000000 )) ms"

# hold.py PORT GO-FILE PATH: GET PATH; prints "sent", reads 4 KB, prints
# "held", waits for GO-FILE, reads to the end, prints what it got (elements:
# of the array, or of an object's "networks").
cat > "$W/hold.py" <<'PY'
import json, os, socket, sys, time
port, go, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
# A small receive buffer: what the registry cannot send stays with it.
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.settimeout(20)
s.connect(("127.0.0.1", port))
s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode())
print("sent", flush=True)
raw = b""
while len(raw) < 4096:
    b = s.recv(4096 - len(raw))
    if not b:
        break
    raw += b
print("held", len(raw), flush=True)
end = time.time() + 60
while not os.path.exists(go) and time.time() < end:
    time.sleep(0.02)
t0 = time.time()
err = "none"
try:
    while True:
        b = s.recv(1 << 16)
        if not b:
            break
        raw += b
except OSError as e:
    err = type(e).__name__
secs = time.time() - t0
head, _, rest = raw.partition(b"\r\n\r\n")
status = head.split(b" ")[1].decode() if head.startswith(b"HTTP/") else "none"
# A chunked body is complete with its last, empty chunk; a cut one is not.
chunked = b"transfer-encoding: chunked" in head.lower()
body, complete = (b"", False) if chunked else (rest, err == "none")
while chunked:
    line, sep, rest = rest.partition(b"\r\n")
    size = int(line.split(b";")[0] or b"0", 16) if sep else -1
    if size < 0 or len(rest) < size + 2:
        break
    if size == 0:
        complete = rest == b"\r\n"
        break
    body += rest[:size]
    rest = rest[size + 2:]
try:
    doc = json.loads(body)
    elements = len(doc["networks"] if isinstance(doc, dict) else doc)
except ValueError:
    elements = -1
print("end status=%s complete=%d elements=%d bytes=%d error=%s secs=%.2f"
      % (status, complete, elements, len(body), err, secs), flush=True)
PY

# hold TAG PATH: starts hold.py in the background; its output is $W/hold.TAG.
# release TAG...: lets them read on and waits for them (their pids then
# leave PIDS, which cleanup() kills: they may belong to others by then).
declare -A HOLD
hold() {
	python3 "$W/hold.py" "$HTTP" "$W/go.$1" "$2" > "$W/hold.$1" 2>&1 &
	PIDS+=($!)
	HOLD[$1]=$!
}
release() {
	local t p keep
	for t; do touch "$W/go.$t"; done
	for t; do
		wait "${HOLD[$t]}"
		keep=()
		for p in "${PIDS[@]}"; do [ "$p" = "${HOLD[$t]}" ] || keep+=("$p"); done
		PIDS=("${keep[@]}")
	done
}
wait_line() {
	for _ in $(seq 500); do grep -qs "^$2" "$W/hold.$1" && return 0; sleep 0.02; done
	fail "listing $1: no '$2' line: $(cat "$W/hold.$1")"
}
field() { sed -n "s/^end.* $2=\([^ ]*\).*/\1/p" "$W/hold.$1"; }
# register P: how long probe P's registration (with its peers) took, in ms.
register() {
	"$SIM" register -r 127.0.0.1:9350 -k "$REGPUB" --gw "$1=$W/$1.key" --timeout 10 \
		--quiet > "$W/reg.$1" 2>&1 || fail "$1 did not register: $(cat "$W/reg.$1")"
	awk '$1 == "ready" {print $3}' "$W/reg.$1"
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$RPID/status"; }

# A probe's first registration builds its peer list (50,000 routes through
# gw0, ~6 MB, then cached), which is not what is measured here: the probes
# register once before, and then again as a gateway's new life.
register p1 > /dev/null
register p2 > /dev/null
rss0=$(rss_kb)
# p1 registers while the registry takes the request and starts the listing,
# p2 while the client holds it.
hold a /api/v1/gateways
wait_line a sent
ms1=$(register p1)
wait_line a held
ms2=$(register p2)
rss1=$(rss_kb)
grep -q '^end' "$W/hold.a" && fail "listing a ended while it was held: $(cat "$W/hold.a")"
echo "registration at the request: $ms1 ms, while the listing is held: $ms2 ms"
echo "registry RSS $rss0 kB before the listing, $rss1 kB while it is held"
[ "$ms1" -le "$REG_MAX_MS" ] || fail "registration at the request took $ms1 ms"
[ "$ms2" -le "$REG_MAX_MS" ] || fail "registration while the listing was held took $ms2 ms"
[ $((rss1 - rss0)) -lt "$RSS_MAX_KB" ] ||
	fail "RSS grew by $((rss1 - rss0)) kB (bound $RSS_MAX_KB) for a held listing"

# The rest of the listing: whole, valid JSON, every gateway.
release a
echo "listing a: $(grep '^end' "$W/hold.a")"
[ "$(field a status)" = 200 ] && [ "$(field a complete)" = 1 ] ||
	fail "listing a not complete: $(cat "$W/hold.a")"
[ "$(field a elements)" = $((N + 2)) ] ||
	fail "listing a has $(field a elements) elements, not $((N + 2))"

# The org summary, held too, then read whole.
hold o /api/v1/org
wait_line o held
rss2=$(rss_kb)
echo "registry RSS $rss2 kB while the org summary is held"
[ $((rss2 - rss0)) -lt "$RSS_MAX_KB" ] ||
	fail "RSS grew by $((rss2 - rss0)) kB (bound $RSS_MAX_KB) for a held org summary"
release o
echo "org summary o: $(grep '^end' "$W/hold.o")"
[ "$(field o complete)" = 1 ] && [ "$(field o elements)" = $((N + 2)) ] ||
	fail "org summary o not whole: $(cat "$W/hold.o")"
# Nor is memory left behind once both were read whole.
rss3=$(rss_kb)
echo "registry RSS $rss3 kB after both were read"
[ $((rss3 - rss0)) -lt "$RSS_MAX_KB" ] ||
	fail "RSS grew by $((rss3 - rss0)) kB (bound $RSS_MAX_KB) after two whole answers"

# A reload (SIGHUP; the file written through a descriptor that stays open,
# so inotify has not seen it yet) under a held listing and a held org
# summary cuts both, and says so in http_reload_cut. The new config is
# written first: libmicrohttpd closes a connection that took nothing for
# 10 s, which would cut them too, uncounted.
stats_field() { api "$HTTP" /api/v1/stats | jget ".$1"; }
v0=$(stats_field config_version)
[ "$(stats_field http_reload_cut)" = 0 ] || fail "answers cut by a reload before any reload"
write_big_org "$W/next.conf" p1 p2 p3
hold b /api/v1/gateways
hold c /api/v1/org
wait_line b held
wait_line c held
t_held=${EPOCHREALTIME/./}
exec 3> "$W/org.conf"
cat "$W/next.conf" >&3
kill -HUP "$RPID"
for _ in $(seq 500); do
	[ "$(stats_field config_version)" != "$v0" ] && break
	sleep 0.02
done
[ "$(stats_field config_version)" != "$v0" ] || fail "SIGHUP did not reload"
exec 3>&-
echo "held across the reload for $(((${EPOCHREALTIME/./} - t_held) / 1000)) ms"
release b c
echo "listing b, reloaded under it: $(grep '^end' "$W/hold.b")"
echo "org summary c, reloaded under it: $(grep '^end' "$W/hold.c")"
for t in b c; do
	[ "$(field $t complete)" = 0 ] && [ "$(field $t elements)" = -1 ] ||
		fail "answer $t should have been cut by the reload: $(cat "$W/hold.$t")"
done
# Cut by the reload: counted so, and not by the answer deadline (nor by
# libmicrohttpd's idle timeout, which http_reload_cut would not count).
[ "$(stats_field http_reload_cut)" = 2 ] ||
	fail "http_reload_cut is $(stats_field http_reload_cut), not 2"
[ "$(stats_field http_cut)" = 0 ] || fail "a listing hit the deadline"

# The next listing is whole, of the new config.
t0=$(date +%s%N)
curl -sf --max-time 20 "http://127.0.0.1:$HTTP/api/v1/gateways" > "$W/list.json" ||
	fail "listing after the reload failed (curl $?)"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$W/list.json") ||
	fail "listing after the reload is not JSON"
[ "$n" = $((N + 3)) ] || fail "listing after the reload has $n elements, not $((N + 3))"
echo "listing after the reload: $n gateways, $(wc -c < "$W/list.json") bytes in $ms ms"
# HTTP/1.0: no chunks, the body ends where the connection does.
curl -sf -0 --max-time 20 "http://127.0.0.1:$HTTP/api/v1/org" > "$W/org10.json" ||
	fail "org summary over HTTP/1.0 failed (curl $?)"
n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["networks"]))' \
	"$W/org10.json") || fail "org summary over HTTP/1.0 is not JSON"
[ "$n" = $((N + 3)) ] || fail "org summary over HTTP/1.0 has $n networks, not $((N + 3))"
