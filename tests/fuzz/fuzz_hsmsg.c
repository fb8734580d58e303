// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the handshake messages: the decoders (what decodes
 * must re-encode to the same bytes) and the receive paths of both sides
 * (handshake_respond, handshake_consume_resp, handshake_consume_cookie).
 *
 * Random bytes never get past MAC1 and AEAD tags, so besides raw input the
 * harness builds genuine messages around fuzzer-chosen parts: MACs
 * recomputed over fuzzed bytes (reaches Noise), initiations and responses
 * whose encrypted payload is fuzzer-chosen (reaches payload decoding,
 * timestamps, key ids and the tie-break), and sequences of genuine and
 * mutated messages between two gateways (the state machine). Whatever is
 * accepted must make sense: a response to an accepted initiation completes
 * with the same key on both sides, and tx and rx material always differ.
 *
 * randombytes is replaced by a PRNG reset for every input, so a crash
 * reproduces from its input alone.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>

#include "wire/handshake.h"

#define SEC 1000000000ull
#define WALL0 (1700000000ull * SEC)

static uint64_t prng;
/* FUZZ_HSMSG_DEBUG=1: say what each step returned (checking the seeds). */
static bool debug;

static const char *prng_name(void)
{
	return "fuzz";
}

static uint32_t prng_random(void)
{
	prng ^= prng << 13;
	prng ^= prng >> 7;
	prng ^= prng << 17;
	return (uint32_t)(prng >> 16);
}

static void prng_buf(void *const buf, const size_t size)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < size; i++)
		p[i] = (uint8_t)prng_random();
}

static randombytes_implementation prng_impl = {
	.implementation_name = prng_name,
	.random = prng_random,
	.buf = prng_buf,
};

struct gw {
	struct handshake_identity id;
	struct handshake_peer peer;
	struct sockaddr_in addr;
};

/* Built once; every input starts from copies. */
static struct gw tmpl_a, tmpl_b;
static struct gw a, b;
static struct ratelimit rl;

static struct handshake_peer *lookup(void *ctx, const uint8_t pub[32])
{
	struct gw *g = ctx;

	return sodium_memcmp(pub, g->peer.remote_static, 32) ? NULL : &g->peer;
}

static void gw_make(struct gw *g, uint8_t seed, uint16_t port)
{
	uint8_t priv[32];

	memset(priv, seed, sizeof(priv));
	if (handshake_identity_init(&g->id, priv))
		abort();
	g->addr.sin_family = AF_INET;
	g->addr.sin_port = htons(port);
	g->addr.sin_addr.s_addr = htonl(0x7f000001);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t psk[32] = { 9, 8, 7 };

	debug = getenv("FUZZ_HSMSG_DEBUG");
	prng = 0x1234567;
	if (randombytes_set_implementation(&prng_impl) || sodium_init() < 0)
		abort();
	gw_make(&tmpl_a, 0x11, 1000);
	gw_make(&tmpl_b, 0x22, 2000);
	/* The static DH made once here, not per input (it is made on first use). */
	if (handshake_peer_init(&tmpl_a.id, &tmpl_a.peer, tmpl_b.id.static_pub, psk, 0xa) ||
	    handshake_peer_init(&tmpl_b.id, &tmpl_b.peer, tmpl_a.id.static_pub, psk, 0xb) ||
	    !handshake_peer_ss(&tmpl_a.id, &tmpl_a.peer) ||
	    !handshake_peer_ss(&tmpl_b.id, &tmpl_b.peer))
		abort();
	return 0;
}

/* A cursor over the input. */
struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct in *in)
{
	uint8_t v = 0;

	if (in->n) {
		v = *in->p++;
		in->n--;
	}
	return v;
}

static uint32_t u32(struct in *in)
{
	return (uint32_t)u8(in) << 24 | (uint32_t)u8(in) << 16 | (uint32_t)u8(in) << 8 | u8(in);
}

static void bytes(struct in *in, uint8_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = u8(in);
}

static void say(const char *what, int ret)
{
	if (debug)
		fprintf(stderr, "%s: %d\n", what, ret);
}

static void check_keys(const struct handshake_keys *k)
{
	if (!sodium_memcmp(k->tx_key, k->rx_key, 32))
		abort();
}

/* Mode 0: every decoder on the raw bytes; accepted input re-encodes identically. */
static void fuzz_decoders(const uint8_t *d, size_t n)
{
	uint8_t out[HSMSG_MAX_LEN];
	struct hsmsg_init_payload ip;
	struct hsmsg_resp_payload rp;
	struct hsmsg_cookie c;
	struct hsmsg_init i;
	struct hsmsg_resp r;
	uint32_t idx;

	hsmsg_type(d, n);
	if (!hsmsg_receiver_index(d, n, &idx) && !idx)
		abort();
	if (!hsmsg_init_decode(d, n, &i)) {
		hsmsg_init_encode(&i, out);
		if (n != HSMSG_INIT_LEN || memcmp(out, d, n))
			abort();
	}
	if (!hsmsg_resp_decode(d, n, &r)) {
		hsmsg_resp_encode(&r, out);
		if (n != HSMSG_RESP_LEN || memcmp(out, d, n))
			abort();
	}
	if (!hsmsg_cookie_decode(d, n, &c)) {
		hsmsg_cookie_encode(&c, out);
		if (n != HSMSG_COOKIE_LEN || memcmp(out, d, n))
			abort();
	}
	if (!hsmsg_init_payload_decode(d, n, &ip)) {
		hsmsg_init_payload_encode(&ip, out);
		if (n != HSMSG_INIT_PAYLOAD_LEN || memcmp(out, d, n))
			abort();
	}
	if (!hsmsg_resp_payload_decode(d, n, &rp)) {
		hsmsg_resp_payload_encode(&rp, out);
		if (n != HSMSG_RESP_PAYLOAD_LEN || memcmp(out, d, n))
			abort();
	}
}

/* Delivers @msg to @to (from @from) as the daemon would, by type. */
static int deliver(struct gw *to, struct gw *from, const uint8_t *msg, size_t len, uint64_t now,
		   bool load, struct handshake_reply *rep)
{
	struct handshake_rx rx = { msg, len, (const struct sockaddr *)&from->addr, now, load };
	struct handshake_peer *p = NULL;
	struct handshake_keys k;
	uint32_t idx;
	int ret;

	switch (hsmsg_type(msg, len)) {
	case HSMSG_INIT:
		ret = handshake_respond(&to->id, &rx, lookup, to, rep, &k, &p);
		say("deliver init", ret);
		if (ret == HANDSHAKE_SEND_RESP) {
			check_keys(&k);
			if (p != &to->peer || rep->len != HSMSG_RESP_LEN ||
			    hsmsg_receiver_index(rep->buf, rep->len, &idx))
				abort();
		}
		if (ret == HANDSHAKE_SEND_COOKIE && rep->len != HSMSG_COOKIE_LEN)
			abort();
		return ret;
	case HSMSG_RESP:
		if (hsmsg_receiver_index(msg, len, &idx))
			return -1;
		ret = handshake_consume_resp(&to->id, &to->peer, &rx, rep, &k);
		say("deliver resp", ret);
		if (ret == HANDSHAKE_COMPLETE)
			check_keys(&k);
		return ret;
	case HSMSG_COOKIE:
		ret = handshake_consume_cookie(&to->peer, msg, len, now);
		say("deliver cookie", ret);
		return ret;
	}
	return -1;
}

/* Mode 1: raw bytes to either side, MACs optionally made right. */
static void fuzz_raw(struct in *in)
{
	uint8_t flags = u8(in), msg[HSMSG_MAX_LEN + 16];
	struct handshake_reply rep;
	size_t len = in->n < sizeof(msg) ? in->n : sizeof(msg);
	struct gw *to = flags & 1 ? &a : &b, *from = flags & 1 ? &b : &a;
	uint8_t init[HSMSG_INIT_LEN];

	memcpy(msg, in->p, len);
	if (flags & 2) /* the receiver has an attempt in flight */
		handshake_initiate(&to->id, &to->peer, SEC, WALL0, init);
	if ((flags & 4) && len >= 4 + 32)
		cookie_add_macs(&from->peer.cookie, msg, len, SEC);
	deliver(to, from, msg, len, SEC + (flags >> 4) * SEC / 8, flags & 8, &rep);
}

/*
 * Mode 2: a genuine initiation from a to b whose header index and payload
 * the fuzzer chooses, with b's prior state fuzzed too. If b answers, a must
 * complete with the same key.
 */
static void fuzz_init(struct in *in)
{
	uint8_t flags = u8(in), pl[HSMSG_INIT_PAYLOAD_LEN], buf[HSMSG_INIT_LEN];
	struct handshake_keys kb, ka;
	struct handshake_reply rep, rep2;
	struct handshake_peer *p;
	struct noise_handshake hs;
	struct hsmsg_init m;
	uint64_t now = 100 * SEC + u8(in) * SEC / 16;
	int ret;

	memset(&m, 0, sizeof(m));
	m.sender_index = u32(in);
	bytes(in, pl, sizeof(pl));
	bytes(in, b.peer.last_ts, flags & 1 ? HSMSG_TS_LEN : 0);
	if (flags & 2)
		handshake_peer_set_key_ids(&b.peer, u8(in), u8(in) | (flags & 4 ? 0x100 : 0));
	if (flags & 8) /* b has its own initiation in flight: the tie-break */
		handshake_initiate(&b.id, &b.peer, now - SEC, WALL0, buf);
	if (flags & 16) {
		b.peer.have_last_init = true;
		b.peer.last_init_ns = now - u8(in) * SEC / 1000;
	}
	if (noise_handshake_init(&hs, NOISE_IKPSK2, true, (const uint8_t *)HANDSHAKE_PROLOGUE,
				 strlen(HANDSHAKE_PROLOGUE), a.id.static_priv, a.id.static_pub,
				 a.peer.remote_static) ||
	    noise_handshake_set_psk(&hs, a.peer.psk) || noise_handshake_set_ss(&hs, a.peer.ss) ||
	    noise_write_msg1(&hs, m.noise, sizeof(m.noise), pl, sizeof(pl)))
		abort();
	hsmsg_init_encode(&m, buf);
	cookie_add_macs(&a.peer.cookie, buf, sizeof(buf), now);
	{
		struct handshake_rx rx = { buf, sizeof(buf), (const struct sockaddr *)&a.addr, now,
					   flags & 32 };

		ret = handshake_respond(&b.id, &rx, lookup, &b, &rep, &kb, &p);
	}
	say("init: respond", ret);
	if (ret != HANDSHAKE_SEND_RESP) {
		noise_handshake_wipe(&hs);
		return;
	}
	check_keys(&kb);
	/* a's attempt is exactly what it sent */
	a.peer.pending = hs;
	a.peer.pending_active = true;
	a.peer.pending_key_id = pl[0];
	a.peer.attempt_start_ns = now;
	{
		struct handshake_rx rx = { rep.buf, rep.len, (const struct sockaddr *)&b.addr, now,
					   false };

		ret = handshake_consume_resp(&a.id, &a.peer, &rx, &rep2, &ka);
	}
	say("init: consume response", ret);
	/* b answered to the index in the header: a finds its attempt only there */
	if (m.sender_index != a.peer.local_index) {
		if (ret != -ENOENT)
			abort();
	} else if (ret != HANDSHAKE_COMPLETE || ka.key_id != kb.key_id ||
		   sodium_memcmp(ka.tx_key, kb.rx_key, 32) ||
		   sodium_memcmp(ka.rx_key, kb.tx_key, 32) || ka.remote_index != kb.local_index ||
		   ka.local_index != kb.remote_index)
		abort();
	noise_handshake_wipe(&hs);
}

/* Mode 3: a genuine initiation from a; b's response has a fuzzed header and payload. */
static void fuzz_resp(struct in *in)
{
	uint8_t flags = u8(in), init[HSMSG_INIT_LEN], pl[HSMSG_RESP_PAYLOAD_LEN],
		buf[HSMSG_RESP_LEN];
	struct handshake_reply rep;
	struct noise_handshake hs;
	struct handshake_keys k;
	struct hsmsg_resp m;
	struct hsmsg_init mi;
	int ret;

	if (handshake_initiate(&a.id, &a.peer, SEC, WALL0, init) ||
	    hsmsg_init_decode(init, sizeof(init), &mi))
		abort();
	memset(&m, 0, sizeof(m));
	m.sender_index = u32(in);
	m.receiver_index = flags & 1 ? u32(in) : a.peer.local_index;
	bytes(in, pl, sizeof(pl));
	if (flags & 2)
		pl[0] = a.peer.pending_key_id;
	if (noise_handshake_init(&hs, NOISE_IKPSK2, false, (const uint8_t *)HANDSHAKE_PROLOGUE,
				 strlen(HANDSHAKE_PROLOGUE), b.id.static_priv, b.id.static_pub,
				 NULL) ||
	    noise_read_msg1_static(&hs, mi.noise, sizeof(mi.noise)) ||
	    noise_handshake_set_ss(&hs, b.peer.ss))
		abort();
	{
		uint8_t ipl[HSMSG_INIT_PAYLOAD_LEN];

		if (noise_read_msg1_payload(&hs, mi.noise, sizeof(mi.noise), ipl, sizeof(ipl)) ||
		    noise_handshake_set_psk(&hs, b.peer.psk) ||
		    noise_write_msg2(&hs, m.noise, sizeof(m.noise), pl, sizeof(pl)))
			abort();
	}
	noise_handshake_wipe(&hs);
	hsmsg_resp_encode(&m, buf);
	cookie_add_macs(&b.peer.cookie, buf, sizeof(buf), SEC);
	{
		struct handshake_rx rx = { buf, sizeof(buf), (const struct sockaddr *)&b.addr,
					   SEC + (flags >> 4) * SEC, flags & 4 };

		ret = handshake_consume_resp(&a.id, &a.peer, &rx, &rep, &k);
	}
	say("resp: consume", ret);
	if (ret == HANDSHAKE_COMPLETE) {
		check_keys(&k);
		if (a.peer.pending_active)
			abort();
	}
}

/*
 * Mode 4: a conversation. Ops: either side initiates or runs its timer,
 * the latest message in flight to a side is delivered (maybe mutated, maybe
 * under load), raw bytes are delivered, time passes.
 */
static void fuzz_sequence(struct in *in)
{
	struct {
		uint8_t buf[HSMSG_MAX_LEN];
		size_t len;
	} box[2] = { { { 0 }, 0 }, { { 0 }, 0 } }; /* [0]: to a, [1]: to b */
	uint64_t now = 10 * SEC, wall = WALL0;
	struct handshake_reply rep;
	int steps = 0;

	while (in->n && steps++ < 64) {
		uint8_t op = u8(in), arg = u8(in);
		int side = op & 1;
		struct gw *g = side ? &b : &a, *o = side ? &a : &b;
		uint8_t msg[HSMSG_MAX_LEN];
		size_t len;
		int ret;

		switch ((op >> 1) % 5) {
		case 0: /* g initiates (or retransmits) */
			if (!handshake_initiate(&g->id, &g->peer, now, wall, box[!side].buf))
				box[!side].len = HSMSG_INIT_LEN;
			break;
		case 1:
			if (handshake_timer(&g->peer, now) == HANDSHAKE_TIMER_RETRANSMIT &&
			    !handshake_initiate(&g->id, &g->peer, now, wall, box[!side].buf))
				box[!side].len = HSMSG_INIT_LEN;
			break;
		case 2: /* deliver what is in flight to g, with one byte flipped if arg says */
			len = box[side].len;
			if (!len)
				break;
			memcpy(msg, box[side].buf, len);
			if (arg & 0x80)
				msg[(arg & 0x7f) % len] ^= u8(in) | 1;
			ret = deliver(g, o, msg, len, now, arg & 0x40, &rep);
			if (ret == HANDSHAKE_SEND_RESP || ret == HANDSHAKE_SEND_COOKIE) {
				memcpy(box[!side].buf, rep.buf, rep.len);
				box[!side].len = rep.len;
			}
			break;
		case 3: /* raw bytes */
			len = arg % (HSMSG_MAX_LEN + 1);
			if (len > in->n)
				len = in->n;
			memcpy(msg, in->p, len);
			in->p += len;
			in->n -= len;
			deliver(g, o, msg, len, now, op & 0x80, &rep);
			break;
		case 4:
			now += (uint64_t)arg * SEC / 10;
			wall += (uint64_t)(int8_t)u8(in) * SEC;
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data + 1, size ? size - 1 : 0 };

	if (!size)
		return 0;
	prng = 0x9e3779b97f4a7c15ull;
	a = tmpl_a;
	b = tmpl_b;
	if (data[0] & 0x80) {
		if (ratelimit_init(&rl, 64, 20, 5))
			abort();
		b.id.ratelimit = &rl;
		a.id.ratelimit = &rl;
	}
	switch ((data[0] & 0x7f) % 5) {
	case 0:
		fuzz_decoders(data + 1, size - 1);
		break;
	case 1:
		fuzz_raw(&in);
		break;
	case 2:
		fuzz_init(&in);
		break;
	case 3:
		fuzz_resp(&in);
		break;
	case 4:
		fuzz_sequence(&in);
		break;
	}
	if (data[0] & 0x80)
		ratelimit_free(&rl);
	return 0;
}
