// SPDX-License-Identifier: GPL-2.0
/*
 * hs_udp: handshakes over UDP, for the side-by-side responder benchmark
 * with WireGuard (tests/bench/hs_side.sh, issue 6). The same closed-loop
 * initiator drives either responder, so both are measured the same way:
 * the responder's CPU is the VM's busy CPU time minus this initiator's.
 *
 *   hs_udp wg-conf SEED N
 *       a `wg setconf` file: the responder's private key and N peers
 *   hs_udp wg-init ADDR PORT SEED N SECS WINDOW
 *       WireGuard initiations (message type 1) from N peers in turn, WINDOW
 *       in flight, for SECS seconds; an answer is a handshake response
 *       (type 2) naming one of ours
 *   hs_udp av-serve PORT SEED N
 *       an autovpn responder (HS_INIT in, HS_RESP out) with the same
 *       library autovpnd uses (wire/handshake.c), until SIGTERM
 *   hs_udp av-init ADDR PORT SEED N SECS WINDOW
 *       autovpn HS_INITs, as wg-init
 *
 *   hs_udp x25519
 *       CPU microseconds per libsodium X25519 here (under emulation it
 *       depends on which instructions libsodium picks: see hs_side.sh)
 *
 * The initiators print one line: "answered N lost N cpu_s X wall_s Y
 * vm_busy_ticks B": their own CPU and the VM's busy ticks in that window.
 * Keys derive from SEED, so responder and initiator agree without files.
 *
 * The WireGuard initiation is written from the protocol's description
 * (Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s, wireguard.com/protocol), with
 * BLAKE2s from RFC 7693 (libsodium has only BLAKE2b); a known-answer test
 * of BLAKE2s runs first.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sodium.h>

#include "wire/handshake.h"
#include "wire/hsmsg.h"

#define MAX_PEERS 4096
#define MAX_WINDOW 256
#define ANSWER_TIMEOUT_NS 1000000000ull

static void die(const char *what)
{
	fprintf(stderr, "hs_udp: %s\n", what);
	exit(1);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/*
 * The whole VM's busy CPU time in USER_HZ ticks (user nice system irq
 * softirq steal of /proc/stat's first line), read around the measured
 * window so that setting up (keys, autovpn's initiations) is outside it.
 */
static unsigned long long busy_ticks(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			 &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		die("/proc/stat");
	fclose(f);
	return v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
}

/* Key @i of SEED (i = N: the responder's); X25519 clamps it when used. */
static void seed_key(const char *seed, uint32_t i, uint8_t priv[32], uint8_t pub[32])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)"hs_udp", 6);
	crypto_generichash_update(&st, (const uint8_t *)seed, strlen(seed));
	crypto_generichash_update(&st, (const uint8_t *)&i, sizeof(i));
	crypto_generichash_final(&st, priv, 32);
	priv[0] &= 248;
	priv[31] = (priv[31] & 127) | 64;
	crypto_scalarmult_base(pub, priv);
}

/* ---- BLAKE2s (RFC 7693) ---- */

struct b2s {
	uint32_t h[8], t;
	uint8_t buf[64];
	size_t len, outlen;
};

static const uint32_t b2s_iv[8] = { 0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
				    0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19 };

static const uint8_t b2s_sigma[10][16] = {
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
	{ 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3 },
	{ 11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4 },
	{ 7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8 },
	{ 9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13 },
	{ 2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9 },
	{ 12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11 },
	{ 13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10 },
	{ 6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5 },
	{ 10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0 },
};

static uint32_t ror32(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#define B2S_G(a, b, c, d, x, y)                \
	do {                                   \
		v[a] += v[b] + (x);            \
		v[d] = ror32(v[d] ^ v[a], 16); \
		v[c] += v[d];                  \
		v[b] = ror32(v[b] ^ v[c], 12); \
		v[a] += v[b] + (y);            \
		v[d] = ror32(v[d] ^ v[a], 8);  \
		v[c] += v[d];                  \
		v[b] = ror32(v[b] ^ v[c], 7);  \
	} while (0)

static void b2s_compress(struct b2s *s, bool last)
{
	uint32_t v[16], m[16];
	int r, i;

	for (i = 0; i < 16; i++)
		m[i] = get_le32(s->buf + 4 * i);
	for (i = 0; i < 8; i++) {
		v[i] = s->h[i];
		v[i + 8] = b2s_iv[i];
	}
	v[12] ^= s->t; /* messages here stay far below 2^32 bytes */
	if (last)
		v[14] = ~v[14];
	for (r = 0; r < 10; r++) {
		const uint8_t *z = b2s_sigma[r];

		B2S_G(0, 4, 8, 12, m[z[0]], m[z[1]]);
		B2S_G(1, 5, 9, 13, m[z[2]], m[z[3]]);
		B2S_G(2, 6, 10, 14, m[z[4]], m[z[5]]);
		B2S_G(3, 7, 11, 15, m[z[6]], m[z[7]]);
		B2S_G(0, 5, 10, 15, m[z[8]], m[z[9]]);
		B2S_G(1, 6, 11, 12, m[z[10]], m[z[11]]);
		B2S_G(2, 7, 8, 13, m[z[12]], m[z[13]]);
		B2S_G(3, 4, 9, 14, m[z[14]], m[z[15]]);
	}
	for (i = 0; i < 8; i++)
		s->h[i] ^= v[i] ^ v[i + 8];
}

static void b2s_update(struct b2s *s, const uint8_t *in, size_t n)
{
	while (n) {
		size_t k;

		if (s->len == 64) { /* a full block, and more follows: not the last */
			s->t += 64;
			b2s_compress(s, false);
			s->len = 0;
		}
		k = 64 - s->len < n ? 64 - s->len : n;
		memcpy(s->buf + s->len, in, k);
		s->len += k;
		in += k;
		n -= k;
	}
}

static void b2s_init(struct b2s *s, size_t outlen, const uint8_t *key, size_t keylen)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->h, b2s_iv, sizeof(s->h));
	s->h[0] ^= 0x01010000u ^ (uint32_t)(keylen << 8) ^ (uint32_t)outlen;
	s->outlen = outlen;
	if (keylen) {
		uint8_t block[64] = { 0 };

		memcpy(block, key, keylen);
		b2s_update(s, block, 64);
	}
}

static void b2s_final(struct b2s *s, uint8_t *out)
{
	uint8_t h[32];
	int i;

	s->t += (uint32_t)s->len;
	memset(s->buf + s->len, 0, 64 - s->len);
	b2s_compress(s, true);
	for (i = 0; i < 8; i++)
		put_le32(h + 4 * i, s->h[i]);
	memcpy(out, h, s->outlen);
}

static void b2s(uint8_t *out, size_t outlen, const uint8_t *key, size_t keylen, const uint8_t *a,
		size_t alen, const uint8_t *b, size_t blen)
{
	struct b2s s;

	b2s_init(&s, outlen, key, keylen);
	b2s_update(&s, a, alen);
	if (blen)
		b2s_update(&s, b, blen);
	b2s_final(&s, out);
}

static void hmac_b2s(uint8_t out[32], const uint8_t key[32], const uint8_t *in, size_t n)
{
	uint8_t pad[64], inner[32];
	struct b2s s;
	int i;

	for (i = 0; i < 64; i++)
		pad[i] = (uint8_t)((i < 32 ? key[i] : 0) ^ 0x36);
	b2s_init(&s, 32, NULL, 0);
	b2s_update(&s, pad, 64);
	b2s_update(&s, in, n);
	b2s_final(&s, inner);
	for (i = 0; i < 64; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	b2s_init(&s, 32, NULL, 0);
	b2s_update(&s, pad, 64);
	b2s_update(&s, inner, 32);
	b2s_final(&s, out);
}

/* WireGuard's KDF2: (c, k) from chaining key @c and @in. */
static void wg_kdf2(uint8_t c[32], uint8_t k[32], const uint8_t *in, size_t n)
{
	uint8_t t0[32], t[33];

	hmac_b2s(t0, c, in, n);
	t[0] = 1;
	hmac_b2s(c, t0, t, 1);
	memcpy(t, c, 32);
	t[32] = 2;
	hmac_b2s(k, t0, t, 33);
	sodium_memzero(t0, sizeof(t0));
}

static void b2s_selftest(void)
{
	/* RFC 7693 appendix B: BLAKE2s-256("abc") */
	static const uint8_t want[32] = { 0x50, 0x8C, 0x5E, 0x8C, 0x32, 0x7C, 0x14, 0xE2,
					  0xE1, 0xA7, 0x2B, 0xA3, 0x4E, 0xEB, 0x45, 0x2F,
					  0x37, 0x45, 0x8B, 0x20, 0x9E, 0xD6, 0x3A, 0x29,
					  0x4D, 0x99, 0x9B, 0x4C, 0x86, 0x67, 0x59, 0x82 };
	uint8_t got[32];

	b2s(got, 32, NULL, 0, (const uint8_t *)"abc", 3, NULL, 0);
	if (memcmp(got, want, 32))
		die("BLAKE2s known-answer test failed");
}

/* ---- WireGuard initiation (message type 1, 148 bytes) ---- */

#define WG_INIT_LEN 148
#define WG_RESP_LEN 92

/*
 * Each peer's initiations share one ephemeral key, made before the clock
 * runs: WireGuard's responder does not look at it (a new timestamp is what
 * makes an initiation new), so the initiator's cost per message is one
 * AEAD and one MAC, and its DH work does not cloud the responder's CPU.
 * The responder still does every DH of a handshake (es, its ephemeral, ee,
 * se; ss is precomputed per peer on both sides).
 */
struct wg_peer {
	uint8_t prefix[80];   /* ephemeral (32) and encrypted static (48) */
	uint8_t h[32], k[32]; /* hash and key for the timestamp */
};

struct wg_ctx {
	uint8_t mac1_key[32];
	struct wg_peer peer[MAX_PEERS];
	uint8_t last_ts[12];
};

static void wg_ctx_init(struct wg_ctx *w, const char *seed, uint32_t n)
{
	static const char construction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
	static const char identifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";
	static const uint8_t nonce[12];
	uint8_t rpriv[32], rpub[32], ck0[32], h0[32], priv[32], pub[32], epriv[32], dh[32];
	uint32_t i;

	seed_key(seed, n, rpriv, rpub);
	sodium_memzero(rpriv, sizeof(rpriv));
	b2s(ck0, 32, NULL, 0, (const uint8_t *)construction, strlen(construction), NULL, 0);
	b2s(h0, 32, NULL, 0, ck0, 32, (const uint8_t *)identifier, strlen(identifier));
	b2s(h0, 32, NULL, 0, h0, 32, rpub, 32);
	b2s(w->mac1_key, 32, NULL, 0, (const uint8_t *)"mac1----", 8, rpub, 32);
	for (i = 0; i < n; i++) {
		struct wg_peer *p = &w->peer[i];
		uint8_t ck[32], t0[32], one = 1, *e = p->prefix, *es = p->prefix + 32;

		seed_key(seed, i, priv, pub);
		memcpy(ck, ck0, 32);
		memcpy(p->h, h0, 32);
		/* e */
		randombytes_buf(epriv, 32);
		crypto_scalarmult_base(e, epriv);
		b2s(p->h, 32, NULL, 0, p->h, 32, e, 32);
		hmac_b2s(t0, ck, e, 32);
		hmac_b2s(ck, t0, &one, 1);
		/* es */
		if (crypto_scalarmult(dh, epriv, rpub))
			die("x25519");
		wg_kdf2(ck, p->k, dh, 32);
		/* s */
		crypto_aead_chacha20poly1305_ietf_encrypt(es, NULL, pub, 32, p->h, 32, NULL, nonce,
							  p->k);
		b2s(p->h, 32, NULL, 0, p->h, 32, es, 48);
		/* ss */
		if (crypto_scalarmult(dh, priv, rpub))
			die("x25519");
		wg_kdf2(ck, p->k, dh, 32);
		sodium_memzero(ck, sizeof(ck));
	}
	sodium_memzero(epriv, sizeof(epriv));
	sodium_memzero(priv, sizeof(priv));
	sodium_memzero(dh, sizeof(dh));
}

/* TAI64N, strictly increasing over all peers (the responder wants it per peer). */
static void wg_timestamp(struct wg_ctx *w, uint8_t ts[12])
{
	uint64_t now = wall_ns(), sec = 0x400000000000000aull + now / 1000000000ull;
	uint32_t ns = (uint32_t)(now % 1000000000ull);
	int i;

	for (i = 0; i < 8; i++)
		ts[i] = (uint8_t)(sec >> (56 - 8 * i));
	for (i = 0; i < 4; i++)
		ts[8 + i] = (uint8_t)(ns >> (24 - 8 * i));
	if (memcmp(ts, w->last_ts, 12) <= 0) {
		memcpy(ts, w->last_ts, 12);
		for (i = 11; i >= 0 && ++ts[i] == 0; i--)
			;
	}
	memcpy(w->last_ts, ts, 12);
}

static void wg_initiation(struct wg_ctx *w, uint32_t peer, uint32_t sender, uint8_t m[WG_INIT_LEN])
{
	static const uint8_t nonce[12];
	struct wg_peer *p = &w->peer[peer];
	uint8_t ts[12];

	memset(m, 0, WG_INIT_LEN);
	put_le32(m, 1);
	put_le32(m + 4, sender);
	memcpy(m + 8, p->prefix, sizeof(p->prefix));
	/* {t} */
	wg_timestamp(w, ts);
	crypto_aead_chacha20poly1305_ietf_encrypt(m + 88, NULL, ts, 12, p->h, 32, NULL, nonce,
						  p->k);
	/* mac1 over everything before it; mac2 stays zero (no cookie) */
	b2s(m + 116, 16, w->mac1_key, 32, m, 116, NULL, 0);
}

/* ---- autovpn: the library autovpnd uses ---- */

struct av_ctx {
	struct handshake_identity id;
	struct handshake_peer peers[MAX_PEERS];
	uint32_t n;
};

/* The responder: its identity and the N peers (ss precomputed, as WireGuard does). */
static struct av_ctx *av_new(const char *seed, uint32_t n)
{
	static const uint8_t psk[32] = { 7 };
	struct av_ctx *a = calloc(1, sizeof(*a));
	uint8_t priv[32], pub[32];
	uint32_t i;

	if (!a)
		die("out of memory");
	a->n = n;
	seed_key(seed, n, priv, pub);
	if (handshake_identity_init(&a->id, priv))
		die("identity");
	for (i = 0; i < n; i++) {
		seed_key(seed, i, priv, pub);
		if (handshake_peer_init(&a->id, &a->peers[i], pub, psk, 1 + i) ||
		    !handshake_peer_ss(&a->id, &a->peers[i]))
			die("peer");
	}
	sodium_memzero(priv, sizeof(priv));
	return a;
}

/*
 * An initiator holds one identity per peer: handshake_initiate() needs it.
 * Its initiations are made before the clock runs (in the order they are
 * sent, so each peer's timestamps increase), for the same reason as
 * WireGuard's shared ephemeral keys: the initiator's DHs are not measured.
 */
#define AV_POOL_PER_PEER 64
struct av_ini {
	struct handshake_identity id[MAX_PEERS];
	struct handshake_peer peer[MAX_PEERS];
	uint8_t (*pool)[HSMSG_INIT_LEN];
	uint32_t pool_len, pool_next;
};

static struct av_ini *av_ini_new(const char *seed, uint32_t n)
{
	static const uint8_t psk[32] = { 7 };
	struct av_ini *a = calloc(1, sizeof(*a));
	uint8_t rpriv[32], rpub[32], priv[32], pub[32];
	uint32_t i;

	if (!a)
		die("out of memory");
	seed_key(seed, n, rpriv, rpub);
	for (i = 0; i < n; i++) {
		seed_key(seed, i, priv, pub);
		if (handshake_identity_init(&a->id[i], priv) ||
		    handshake_peer_init(&a->id[i], &a->peer[i], rpub, psk, 1 + i) ||
		    !handshake_peer_ss(&a->id[i], &a->peer[i]))
			die("initiator");
	}
	a->pool_len = n * AV_POOL_PER_PEER;
	a->pool = calloc(a->pool_len, HSMSG_INIT_LEN);
	if (!a->pool)
		die("out of memory");
	for (i = 0; i < a->pool_len; i++)
		if (handshake_initiate(&a->id[i % n], &a->peer[i % n], mono_ns(), wall_ns(),
				       a->pool[i]))
			die("initiate");
	sodium_memzero(rpriv, sizeof(rpriv));
	sodium_memzero(priv, sizeof(priv));
	return a;
}

static struct handshake_peer *av_lookup(void *ctx, const uint8_t pub[32])
{
	struct av_ctx *a = ctx;

	/* a scan: the 256 peers of the bench cost little next to one X25519 */
	for (uint32_t i = 0; i < a->n; i++)
		if (!sodium_memcmp(a->peers[i].remote_static, pub, 32))
			return &a->peers[i];
	return NULL;
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int av_serve(int port, const char *seed, uint32_t n)
{
	struct av_ctx *a = av_new(seed, n);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	unsigned long long answered = 0, dropped = 0, why[256] = { 0 };
	struct sigaction sa = { .sa_handler = on_term };
	int ret, e;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("socket");
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stop) {
		uint8_t buf[HSMSG_MAX_LEN + 1];
		struct sockaddr_storage src;
		socklen_t sl = sizeof(src);
		struct handshake_reply rep;
		struct handshake_keys k;
		struct handshake_peer *p;
		struct handshake_rx rx = { buf, 0, (const struct sockaddr *)&src, 0, false };
		ssize_t len = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&src, &sl);

		if (len < 0) {
			if (errno == EINTR)
				continue;
			die("recvfrom");
		}
		rx.len = (size_t)len;
		rx.now_ns = mono_ns();

		ret = handshake_respond(&a->id, &rx, av_lookup, a, &rep, &k, &p);
		if (ret == HANDSHAKE_SEND_RESP &&
		    sendto(fd, rep.buf, rep.len, 0, (struct sockaddr *)&src, sl) ==
			    (ssize_t)rep.len)
			answered++;
		else
			dropped++;
		if (ret < 0 && -ret < 256)
			why[-ret]++;
		handshake_keys_wipe(&k);
	}
	printf("av-serve: answered %llu dropped %llu cpu_s %.3f\n", answered, dropped, cpu_s());
	for (e = 1; e < 256; e++)
		if (why[e])
			printf("av-serve: dropped %llu: %s\n", why[e], strerror(e));
	return 0;
}

/* ---- the closed-loop initiator ---- */

struct slot {
	uint32_t sender; /* 0: free */
	uint64_t sent_ns;
};

struct run {
	bool wg;
	struct wg_ctx *w;
	struct av_ini *a;
	uint32_t n, next_peer, next_sender;
	int fd;
};

static void send_one(struct run *r, struct slot *s)
{
	uint8_t m[HSMSG_INIT_LEN > WG_INIT_LEN ? HSMSG_INIT_LEN : WG_INIT_LEN];
	uint32_t peer = r->next_peer++ % r->n;
	size_t len;

	if (r->wg) {
		s->sender = ++r->next_sender;
		wg_initiation(r->w, peer, s->sender, m);
		len = WG_INIT_LEN;
	} else {
		if (r->a->pool_next == r->a->pool_len) { /* used up: this slot rests */
			s->sender = 0;
			s->sent_ns = UINT64_MAX;
			return;
		}
		memcpy(m, r->a->pool[r->a->pool_next], HSMSG_INIT_LEN);
		peer = r->a->pool_next++ % r->n;
		s->sender = r->a->peer[peer].local_index;
		len = HSMSG_INIT_LEN;
	}
	s->sent_ns = mono_ns();
	if (send(r->fd, m, len, 0) != (ssize_t)len && errno != ENOBUFS)
		die("send");
}

/* The slot an answer is for, or NULL: WireGuard little-endian, autovpn big-endian. */
static struct slot *answer_slot(struct run *r, struct slot *v, int w, const uint8_t *m, ssize_t len)
{
	uint32_t rcv;
	int i;

	if (r->wg) {
		if (len != WG_RESP_LEN || get_le32(m) != 2)
			return NULL;
		rcv = get_le32(m + 8);
	} else {
		if (len != HSMSG_RESP_LEN || m[0] != HSMSG_RESP)
			return NULL;
		rcv = (uint32_t)m[8] << 24 | (uint32_t)m[9] << 16 | (uint32_t)m[10] << 8 | m[11];
	}
	for (i = 0; i < w; i++)
		if (v[i].sender && v[i].sender == rcv)
			return &v[i];
	return NULL;
}

static int initiate(bool wg, const char *addr, int port, const char *seed, uint32_t n, int secs,
		    int window)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	unsigned long long answered = 0, lost = 0, b0;
	struct slot v[MAX_WINDOW] = { 0 };
	struct run r = { .wg = wg, .n = n };
	uint64_t t0, end;
	double c0;
	int i;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		die("address");
	if (window < 1 || window > MAX_WINDOW)
		die("window");
	if (wg) {
		r.w = calloc(1, sizeof(*r.w));
		if (!r.w)
			die("out of memory");
		wg_ctx_init(r.w, seed, n);
	} else {
		r.a = av_ini_new(seed, n);
	}
	r.fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (r.fd < 0 || connect(r.fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("socket");
	b0 = busy_ticks();
	c0 = cpu_s();
	t0 = mono_ns();
	end = t0 + (uint64_t)secs * 1000000000ull;
	for (i = 0; i < window; i++)
		send_one(&r, &v[i]);
	while (mono_ns() < end) {
		struct pollfd pfd = { .fd = r.fd, .events = POLLIN };
		uint8_t m[256];
		ssize_t len;
		uint64_t now;

		poll(&pfd, 1, 50);
		while ((len = recv(r.fd, m, sizeof(m), MSG_DONTWAIT)) > 0) {
			struct slot *s = answer_slot(&r, v, window, m, len);

			if (s) {
				answered++;
				send_one(&r, s);
			}
		}
		now = mono_ns();
		for (i = 0; i < window && !v[i].sender; i++)
			;
		if (i == window) /* autovpn's initiations used up, all answered */
			break;
		for (i = 0; i < window; i++)
			if (v[i].sender && now - v[i].sent_ns > ANSWER_TIMEOUT_NS) {
				lost++;
				send_one(&r, &v[i]);
			}
	}
	printf("answered %llu lost %llu cpu_s %.3f wall_s %.3f vm_busy_ticks %llu\n", answered,
	       lost, cpu_s() - c0, (double)(mono_ns() - t0) / 1e9, busy_ticks() - b0);
	return 0;
}

static void wg_conf(const char *seed, uint32_t n)
{
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	uint8_t priv[32], pub[32];

	seed_key(seed, n, priv, pub);
	sodium_bin2base64(b64, sizeof(b64), priv, 32, sodium_base64_VARIANT_ORIGINAL);
	printf("[Interface]\nPrivateKey = %s\nListenPort = 51820\n", b64);
	for (uint32_t i = 0; i < n; i++) {
		seed_key(seed, i, priv, pub);
		sodium_bin2base64(b64, sizeof(b64), pub, 32, sodium_base64_VARIANT_ORIGINAL);
		printf("\n[Peer]\nPublicKey = %s\n", b64);
	}
	sodium_memzero(priv, sizeof(priv));
}

static void x25519_us(void)
{
	uint8_t sk[32], pk[32], out[32];
	double c0 = cpu_s(), c;
	int i, n = 0;

	randombytes_buf(sk, sizeof(sk));
	crypto_scalarmult_base(pk, sk);
	do { /* at least 0.5 CPU-s, in blocks of 16 */
		for (i = 0; i < 16; i++, n++) {
			if (crypto_scalarmult(out, sk, pk))
				die("x25519");
			sk[0] ^= out[0]; /* a dependency the compiler cannot drop */
		}
		c = cpu_s() - c0;
	} while (c < 0.5);
	printf("x25519_us %.1f\n", c / n * 1e6);
}

int main(int argc, char **argv)
{
	uint32_t n;

	if (sodium_init() < 0)
		die("libsodium");
	b2s_selftest();
	if (argc == 2 && !strcmp(argv[1], "x25519")) {
		x25519_us();
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "wg-conf")) {
		n = (uint32_t)atoi(argv[3]);
		if (n < 1 || n > MAX_PEERS)
			die("N");
		wg_conf(argv[2], n);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "av-serve")) {
		n = (uint32_t)atoi(argv[4]);
		if (n < 1 || n > MAX_PEERS)
			die("N");
		return av_serve(atoi(argv[2]), argv[3], n);
	}
	if (argc == 8 && (!strcmp(argv[1], "wg-init") || !strcmp(argv[1], "av-init"))) {
		n = (uint32_t)atoi(argv[5]);
		if (n < 1 || n > MAX_PEERS)
			die("N");
		return initiate(argv[1][0] == 'w', argv[2], atoi(argv[3]), argv[4], n,
				atoi(argv[6]), atoi(argv[7]));
	}
	die("usage: hs_udp x25519 | wg-conf SEED N | av-serve PORT SEED N | "
	    "wg-init|av-init ADDR PORT SEED N SECS WINDOW");
	return 2;
}
