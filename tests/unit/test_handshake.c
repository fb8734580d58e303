// SPDX-License-Identifier: GPL-2.0
/*
 * The autovpn handshake (daemon/lib/wire/handshake.c) between in-memory
 * gateways: a full handshake and its key material, tampering with every
 * byte, replays and old timestamps, MAC1 before any DH, the cookie flow
 * under load and a spoofed flood, the per-source rate limit, key ids,
 * retransmission and give-up, and convergence of simultaneous initiation -
 * scripted with lost and reordered messages, and in a randomised network
 * simulation with loss, duplication, reordering and load.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>

#include "wire/handshake.h"
#include "unit.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define WALL0 (1700000000ull * SEC)
#define MAXP 8

struct gw {
	uint8_t priv[32];
	struct handshake_identity id;
	struct handshake_peer peers[MAXP];
	int npeers;
	int lookups;
	struct ratelimit rl;
	struct sockaddr_in addr;
};

static const uint8_t psk[32] = { 0x5a, 0x5a, 0x5a, 0x5a, 1, 2, 3, 4 };

static void gw_init(struct gw *g, uint8_t seed, uint16_t port)
{
	int i;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < 32; i++)
		g->priv[i] = (uint8_t)(seed * 31 + i);
	ck_assert_int_eq(handshake_identity_init(&g->id, g->priv), 0);
	g->addr.sin_family = AF_INET;
	g->addr.sin_port = htons(port);
	inet_pton(AF_INET, "127.0.0.1", &g->addr.sin_addr);
}

static struct handshake_peer *gw_add(struct gw *g, const struct gw *other, uint32_t index)
{
	struct handshake_peer *p = &g->peers[g->npeers++];

	ck_assert_int_le(g->npeers, MAXP);
	ck_assert_int_eq(handshake_peer_init(&g->id, p, other->id.static_pub, psk, index), 0);
	return p;
}

static struct handshake_peer *gw_lookup(void *ctx, const uint8_t pub[32])
{
	struct gw *g = ctx;
	int i;

	g->lookups++;
	for (i = 0; i < g->npeers; i++)
		if (!sodium_memcmp(pub, g->peers[i].remote_static, 32))
			return &g->peers[i];
	return NULL;
}

#define SA(g) ((const struct sockaddr *)&(g)->addr)

/* @r receives an HS_INIT from @from. */
static int recv_init(struct gw *r, const struct gw *from, const uint8_t *msg, uint64_t now,
		     bool load, struct handshake_reply *rep, struct handshake_keys *k)
{
	struct handshake_rx rx = { msg, HSMSG_INIT_LEN, SA(from), now, load };
	struct handshake_peer *p = NULL;
	int ret;

	ret = handshake_respond(&r->id, &rx, gw_lookup, r, rep, k, &p);
	if (ret == HANDSHAKE_SEND_RESP)
		ck_assert_ptr_nonnull(p);
	return ret;
}

/* @r receives an HS_RESP or COOKIE from @from for its peer @p. */
static int recv_resp(struct gw *r, struct handshake_peer *p, const struct gw *from,
		     const uint8_t *msg, size_t len, uint64_t now, bool load,
		     struct handshake_reply *rep, struct handshake_keys *k)
{
	struct handshake_rx rx = { msg, len, SA(from), now, load };

	return handshake_consume_resp(&r->id, p, &rx, rep, k);
}

/* The two ends hold the same key, seen from opposite directions. */
static void keys_match(const struct handshake_keys *i, const struct handshake_keys *r)
{
	ck_assert(i->initiator);
	ck_assert(!r->initiator);
	ck_assert_uint_eq(i->key_id, r->key_id);
	ck_assert_uint_eq(i->local_index, r->remote_index);
	ck_assert_uint_eq(i->remote_index, r->local_index);
	ck_assert_mem_eq(i->tx_key, r->rx_key, 32);
	ck_assert_mem_eq(i->tx_salt, r->rx_salt, 4);
	ck_assert_mem_eq(i->rx_key, r->tx_key, 32);
	ck_assert_mem_eq(i->rx_salt, r->tx_salt, 4);
	ck_assert_int_ne(memcmp(i->tx_key, i->rx_key, 32), 0);
	ck_assert_int_ne(memcmp(i->tx_salt, i->rx_salt, 4), 0);
}

struct pair {
	struct gw a, b;
	struct handshake_peer *pa, *pb; /* a's view of b, b's view of a */
};

static void pair_init(struct pair *p)
{
	gw_init(&p->a, 1, 40001);
	gw_init(&p->b, 2, 40002);
	p->pa = gw_add(&p->a, &p->b, 0x1111);
	p->pb = gw_add(&p->b, &p->a, 0x2222);
	ck_assert(p->pa->wins_ties != p->pb->wins_ties);
}

/* A full handshake from @i (its peer entry @pi) to @r at time t. */
static void handshake_dir(struct gw *i, struct handshake_peer *pi, struct gw *r, uint64_t t,
			  struct handshake_keys *ki, struct handshake_keys *kr)
{
	uint8_t init[HSMSG_INIT_LEN];
	struct handshake_reply rep;

	ck_assert_int_eq(handshake_initiate(&i->id, pi, t, WALL0 + t, init), 0);
	ck_assert_int_eq(recv_init(r, i, init, t, false, &rep, kr), HANDSHAKE_SEND_RESP);
	ck_assert_uint_eq(rep.len, HSMSG_RESP_LEN);
	ck_assert_int_eq(recv_resp(i, pi, r, rep.buf, rep.len, t, false, &rep, ki),
			 HANDSHAKE_COMPLETE);
}

static void handshake(struct pair *p, uint64_t t, struct handshake_keys *ka,
		      struct handshake_keys *kb)
{
	handshake_dir(&p->a, p->pa, &p->b, t, ka, kb);
}

START_TEST(full_handshake)
{
	struct handshake_keys ka, kb;
	struct pair p;
	uint32_t idx;

	pair_init(&p);
	handshake(&p, 10 * SEC, &ka, &kb);
	keys_match(&ka, &kb);
	ck_assert_uint_eq(ka.local_index, 0x1111);
	ck_assert_uint_eq(ka.remote_index, 0x2222);
	ck_assert_uint_eq(ka.completed_ns, 10 * SEC);
	/* the initiator's key id comes from its half of the id space */
	ck_assert_uint_eq(ka.key_id & HANDSHAKE_KEY_ID_HIGH, p.pa->wins_ties ? 0 : 0x80);
	ck_assert(!p.pa->pending_active);
	ck_assert(p.pa->has_completed && p.pb->has_completed);
	ck_assert_int_eq(handshake_timer(p.pa, 100 * SEC), HANDSHAKE_TIMER_NONE);
	ck_assert_uint_eq(handshake_timer_deadline(p.pa), UINT64_MAX);

	/* the other way round works the same */
	{
		uint8_t init[HSMSG_INIT_LEN];
		struct handshake_reply rep;

		ck_assert_int_eq(
			handshake_initiate(&p.b.id, p.pb, 11 * SEC, WALL0 + 11 * SEC, init), 0);
		ck_assert_int_eq(hsmsg_type(init, sizeof(init)), HSMSG_INIT);
		ck_assert_int_eq(recv_init(&p.a, &p.b, init, 11 * SEC, false, &rep, &ka),
				 HANDSHAKE_SEND_RESP);
		ck_assert_int_eq(hsmsg_receiver_index(rep.buf, rep.len, &idx), 0);
		ck_assert_uint_eq(idx, 0x2222); /* routes the response to the peer */
		ck_assert_int_eq(recv_resp(&p.b, p.pb, &p.a, rep.buf, rep.len, 11 * SEC, false,
					   &rep, &kb),
				 HANDSHAKE_COMPLETE);
		keys_match(&kb, &ka);
	}
	handshake_keys_wipe(&ka);
	ck_assert(sodium_is_zero((const uint8_t *)&ka, sizeof(ka)));
}
END_TEST

/*
 * Every byte of HS_INIT and HS_RESP, flipped: rejected. Also with MAC1
 * recomputed (what an attacker who knows the public key can do), so the
 * Noise layer and the payload checks are reached. mac2 is only looked at
 * under load (it is a proof of address, not of authenticity), so its bytes
 * are tested under load, where a wrong one earns a cookie, not a response.
 */
START_TEST(tamper_every_byte)
{
	uint8_t init[HSMSG_INIT_LEN], m[HSMSG_INIT_LEN];
	struct handshake_keys ka, kb;
	struct cookie_sender to_b, to_a;
	struct handshake_reply rep, rep2;
	struct pair p;
	uint8_t resp[HSMSG_RESP_LEN];
	size_t i;
	int ret;

	pair_init(&p);
	ck_assert_int_eq(cookie_sender_init(&to_b, p.b.id.static_pub), 0);
	ck_assert_int_eq(cookie_sender_init(&to_a, p.a.id.static_pub), 0);
	ck_assert_int_eq(handshake_initiate(&p.a.id, p.pa, SEC, WALL0, init), 0);
	for (i = 0; i < sizeof(init); i++) {
		memcpy(m, init, sizeof(m));
		m[i] ^= (uint8_t)(1 << (i % 8));
		if (i < HSMSG_INIT_LEN - 16) {
			ret = recv_init(&p.b, &p.a, m, SEC, false, &rep, &kb);
			ck_assert_msg(ret < 0, "byte %zu: %d", i, ret);
		} else {
			ret = recv_init(&p.b, &p.a, m, SEC, true, &rep, &kb);
			ck_assert_msg(ret == HANDSHAKE_SEND_COOKIE, "byte %zu: %d", i, ret);
		}
		if (i < HSMSG_INIT_LEN - 32) {
			cookie_add_macs(&to_b, m, sizeof(m), SEC);
			ret = recv_init(&p.b, &p.a, m, SEC, false, &rep, &kb);
			ck_assert_msg(ret < 0 && ret != -EACCES, "byte %zu, mac1 ok: %d", i, ret);
		}
	}
	/* nothing changed: the genuine one goes through */
	ck_assert(sodium_is_zero(p.pb->last_ts, sizeof(p.pb->last_ts)));
	ck_assert_int_eq(recv_init(&p.b, &p.a, init, SEC, false, &rep, &kb), HANDSHAKE_SEND_RESP);

	memcpy(resp, rep.buf, sizeof(resp));
	for (i = 0; i < sizeof(resp); i++) {
		uint8_t r[HSMSG_RESP_LEN];

		memcpy(r, resp, sizeof(r));
		r[i] ^= (uint8_t)(0x80 >> (i % 8));
		if (i < HSMSG_RESP_LEN - 16) {
			ret = recv_resp(&p.a, p.pa, &p.b, r, sizeof(r), SEC, false, &rep2, &ka);
			ck_assert_msg(ret < 0, "byte %zu: %d", i, ret);
		} else {
			ret = recv_resp(&p.a, p.pa, &p.b, r, sizeof(r), SEC, true, &rep2, &ka);
			ck_assert_msg(ret == HANDSHAKE_SEND_COOKIE, "byte %zu: %d", i, ret);
		}
		if (i < HSMSG_RESP_LEN - 32) {
			cookie_add_macs(&to_a, r, sizeof(r), SEC);
			ret = recv_resp(&p.a, p.pa, &p.b, r, sizeof(r), SEC, false, &rep2, &ka);
			ck_assert_msg(ret < 0 && ret != -EACCES, "byte %zu, mac1 ok: %d", i, ret);
		}
	}
	/* forgeries did not destroy the attempt in flight */
	ck_assert(p.pa->pending_active);
	ck_assert_int_eq(recv_resp(&p.a, p.pa, &p.b, resp, sizeof(resp), SEC, false, &rep2, &ka),
			 HANDSHAKE_COMPLETE);
	keys_match(&ka, &kb);
	/* a duplicate response finds nothing to complete */
	ck_assert_int_eq(recv_resp(&p.a, p.pa, &p.b, resp, sizeof(resp), SEC, false, &rep2, &ka),
			 -ENOENT);
}
END_TEST

START_TEST(replay_and_old_timestamps)
{
	uint8_t i1[HSMSG_INIT_LEN], i2[HSMSG_INIT_LEN], i3[HSMSG_INIT_LEN], i4[HSMSG_INIT_LEN];
	struct handshake_keys k;
	struct handshake_reply rep;
	struct pair p;
	uint64_t t = 100 * SEC;

	pair_init(&p);
	ck_assert_int_eq(handshake_initiate(&p.a.id, p.pa, t, WALL0, i1), 0);
	ck_assert_int_eq(handshake_initiate(&p.a.id, p.pa, t + 5 * SEC, WALL0 + SEC, i2), 0);
	/* the newer first: the older one is then refused */
	ck_assert_int_eq(recv_init(&p.b, &p.a, i2, t, false, &rep, &k), HANDSHAKE_SEND_RESP);
	ck_assert_int_eq(recv_init(&p.b, &p.a, i1, t + SEC, false, &rep, &k), -ESTALE);
	/* a replay of the accepted one too, also much later */
	ck_assert_int_eq(recv_init(&p.b, &p.a, i2, t + SEC, false, &rep, &k), -ESTALE);
	ck_assert_int_eq(recv_init(&p.b, &p.a, i2, t + 1000 * SEC, false, &rep, &k), -ESTALE);
	/* the initiator's wall clock stepping back still gives newer stamps */
	ck_assert_int_eq(handshake_initiate(&p.a.id, p.pa, t + 10 * SEC, WALL0 - 3600 * SEC, i3),
			 0);
	ck_assert_int_eq(recv_init(&p.b, &p.a, i3, t + 2 * SEC, false, &rep, &k),
			 HANDSHAKE_SEND_RESP);
	/* at most 50 initiations per second from one peer are answered */
	ck_assert_int_eq(handshake_initiate(&p.a.id, p.pa, t + 15 * SEC, WALL0 + 2 * SEC, i4), 0);
	ck_assert_int_eq(recv_init(&p.b, &p.a, i4, t + 2 * SEC + 5 * MS, false, &rep, &k), -EBUSY);
	ck_assert_int_eq(recv_init(&p.b, &p.a, i4, t + 2 * SEC + 20 * MS, false, &rep, &k),
			 HANDSHAKE_SEND_RESP);
}
END_TEST

/* Wrong MAC1 is dropped before any DH; so is a spoofed flood under load. */
START_TEST(mac1_before_dh)
{
	uint8_t init[HSMSG_INIT_LEN], junk[HSMSG_INIT_LEN];
	struct handshake_keys k;
	struct handshake_reply rep;
	struct pair p;
	struct gw c;
	uint64_t dh;
	int i;

	pair_init(&p);
	gw_init(&c, 3, 40003);
	ck_assert_int_eq(handshake_initiate(&p.a.id, p.pa, SEC, WALL0, init), 0);
	dh = noise_dh_count();
	/* MACs made for another gateway's key (c's) */
	{
		struct cookie_sender to_c;

		ck_assert_int_eq(cookie_sender_init(&to_c, c.id.static_pub), 0);
		memcpy(junk, init, sizeof(junk));
		cookie_add_macs(&to_c, junk, sizeof(junk), SEC);
		ck_assert_int_eq(recv_init(&p.b, &p.a, junk, SEC, false, &rep, &k), -EACCES);
	}
	for (i = 0; i < 1000; i++) {
		randombytes_buf(junk, sizeof(junk));
		memset(junk, 0, 4);
		junk[0] = HSMSG_INIT;
		junk[4] = 1;
		ck_assert_int_eq(recv_init(&p.b, &p.a, junk, SEC, false, &rep, &k), -EACCES);
		ck_assert_int_eq(recv_init(&p.b, &p.a, junk, SEC, true, &rep, &k), -EACCES);
	}
	ck_assert_uint_eq(noise_dh_count(), dh);
	ck_assert_int_eq(p.b.lookups, 0);
	/* an unknown but well-formed initiator costs the DHs up to its static key */
	{
		struct handshake_peer *pc = gw_add(&c, &p.b, 0x3333);

		ck_assert_int_eq(handshake_initiate(&c.id, pc, SEC, WALL0, junk), 0);
		ck_assert_int_eq(recv_init(&p.b, &c, junk, SEC, false, &rep, &k), -ENOENT);
		ck_assert_int_eq(p.b.lookups, 1);
	}
}
END_TEST

/*
 * Under load: an initiation without MAC2 earns a COOKIE (no DH, no state);
 * the initiator retransmits at once with MAC2 and completes.
 */
START_TEST(cookie_flow)
{
	uint8_t init[HSMSG_INIT_LEN], cookie[HSMSG_COOKIE_LEN];
	struct handshake_keys ka, kb;
	struct handshake_reply rep;
	struct pair p;
	uint64_t dh, t = 50 * SEC;
	uint32_t idx;

	pair_init(&p);
	ck_assert_int_eq(handshake_initiate(&p.a.id, p.pa, t, WALL0 + t, init), 0);
	dh = noise_dh_count();
	ck_assert_int_eq(recv_init(&p.b, &p.a, init, t, true, &rep, &kb), HANDSHAKE_SEND_COOKIE);
	ck_assert_uint_eq(noise_dh_count(), dh);
	ck_assert_uint_eq(rep.len, HSMSG_COOKIE_LEN);
	ck_assert_int_eq(hsmsg_receiver_index(rep.buf, rep.len, &idx), 0);
	ck_assert_uint_eq(idx, p.pa->local_index);
	ck_assert(sodium_is_zero(p.pb->last_ts, sizeof(p.pb->last_ts)));
	memcpy(cookie, rep.buf, sizeof(cookie));

	/* a cookie for another index, or tampered, is refused */
	{
		uint8_t bad[HSMSG_COOKIE_LEN];

		memcpy(bad, cookie, sizeof(bad));
		bad[7] ^= 1;
		ck_assert_int_eq(handshake_consume_cookie(p.pa, bad, sizeof(bad), t), -ENOENT);
		memcpy(bad, cookie, sizeof(bad));
		bad[40] ^= 1;
		ck_assert_int_eq(handshake_consume_cookie(p.pa, bad, sizeof(bad), t), -EBADMSG);
		ck_assert_int_eq(handshake_consume_cookie(p.pa, bad, sizeof(bad) - 1, t), -EINVAL);
	}
	ck_assert_int_eq(handshake_timer(p.pa, t + MS), HANDSHAKE_TIMER_NONE);
	ck_assert_int_eq(handshake_consume_cookie(p.pa, cookie, sizeof(cookie), t + MS), 0);
	/* once: a replayed cookie reply answers nothing */
	ck_assert_int_eq(handshake_consume_cookie(p.pa, cookie, sizeof(cookie), t + MS), -ENOENT);
	ck_assert_int_eq(handshake_timer(p.pa, t + 2 * MS), HANDSHAKE_TIMER_RETRANSMIT);
	ck_assert_uint_eq(handshake_timer_deadline(p.pa), t);

	ck_assert_int_eq(handshake_initiate(&p.a.id, p.pa, t + 2 * MS, WALL0 + t + 2 * MS, init),
			 0);
	ck_assert_int_eq(handshake_timer(p.pa, t + 3 * MS), HANDSHAKE_TIMER_NONE);
	ck_assert(!sodium_is_zero(init + HSMSG_INIT_LEN - 16, 16)); /* mac2 present */
	ck_assert_int_eq(recv_init(&p.b, &p.a, init, t + 3 * MS, true, &rep, &kb),
			 HANDSHAKE_SEND_RESP);
	/* the initiator under load demands a cookie from the responder in turn */
	{
		struct handshake_reply c2;
		uint8_t resp[HSMSG_RESP_LEN];

		memcpy(resp, rep.buf, sizeof(resp));
		ck_assert_int_eq(recv_resp(&p.a, p.pa, &p.b, resp, sizeof(resp), t + 4 * MS, true,
					   &c2, &ka),
				 HANDSHAKE_SEND_COOKIE);
		ck_assert_int_eq(hsmsg_receiver_index(c2.buf, c2.len, &idx), 0);
		ck_assert_uint_eq(idx, p.pb->local_index);
		ck_assert_int_eq(handshake_consume_cookie(p.pb, c2.buf, c2.len, t + 5 * MS), 0);
		/* not under load any more: the same response completes */
		ck_assert_int_eq(recv_resp(&p.a, p.pa, &p.b, resp, sizeof(resp), t + 5 * MS, false,
					   &c2, &ka),
				 HANDSHAKE_COMPLETE);
	}
	keys_match(&ka, &kb);
}
END_TEST

/*
 * An on-path attacker answers every HS_INIT with a COOKIE at once. A fresh
 * responder with B's static key, under load, stands in for it: its cookie
 * is what anyone who saw the HS_INIT can make (key from B's public key, AD
 * the HS_INIT's mac1), from a secret B does not have. Each cookie is taken,
 * but only one per 5 s
 * hurries a retransmit, so in 60 s there are at most 2 HS_INITs per 5 s,
 * not one per millisecond, and the timestamps stay with the wall clock.
 */
START_TEST(forged_cookies_cannot_hurry_every_retransmit)
{
	uint8_t init[HSMSG_INIT_LEN];
	struct handshake_reply rep;
	struct handshake_keys kb;
	static struct gw forger;
	struct pair p;
	uint64_t t0 = 50 * SEC, t, last_init = 0;
	int inits = 0, hurried = 0;

	pair_init(&p);
	for (t = t0; t < t0 + 60 * SEC; t += MS) {
		if (t == t0 || handshake_timer(p.pa, t) == HANDSHAKE_TIMER_RETRANSMIT) {
			if (t != t0 && t - last_init < HANDSHAKE_RETRANSMIT_NS)
				hurried++;
			ck_assert_int_eq(handshake_initiate(&p.a.id, p.pa, t, WALL0 + t0, init), 0);
			inits++;
			last_init = t;
			gw_init(&forger, 2, 40002); /* B's key, its own cookie secret */
			ck_assert_int_eq(recv_init(&forger, &p.a, init, t, true, &rep, &kb),
					 HANDSHAKE_SEND_COOKIE);
			ck_assert_int_eq(handshake_consume_cookie(p.pa, rep.buf, rep.len, t), 0);
		}
	}
	ck_assert_int_ge(hurried, 1);	     /* a cookie still hurries one */
	ck_assert_int_le(hurried, 12);	     /* one per 5 s at most */
	ck_assert_int_le(inits, 2 * 12 + 1); /* and the 5 s retransmits */
	/* The wall clock stood at t0: the first HS_INIT has its time, each
	 * later one is a tick (2^24 ns) past the last: ahead by inits - 1. */
	{
		uint8_t ts[HSMSG_TS_LEN];
		int i;

		hsmsg_tai64n(ts, WALL0 + t0);
		for (i = 1; i < inits; i++)
			hsmsg_tai64n_next(ts);
		ck_assert_int_eq(hsmsg_tai64n_cmp(p.pa->last_sent_ts, ts), 0);
	}
}
END_TEST

/*
 * A hub under load with a flood of spoofed initiations (the attacker knows
 * the hub's public key, so MAC1 is right): every one gets a COOKIE and none
 * costs a DH or rate-limit state; a real spoke still gets through. Then the
 * per-source limit: spokes behind one address get their burst, no more.
 */
START_TEST(spoofed_flood_and_rate_limit)
{
	uint8_t init[HSMSG_INIT_LEN], cookie[HSMSG_COOKIE_LEN];
	struct gw hub, spokes[7];
	struct handshake_peer *sp[7];
	struct handshake_keys k, ks;
	struct handshake_reply rep;
	struct cookie_sender to_hub;
	uint64_t dh, t = 10 * SEC;
	int i, ok, busy;

	gw_init(&hub, 10, 9000);
	ck_assert_int_eq(
		ratelimit_init(&hub.rl, 1024, RATELIMIT_DEFAULT_RATE, RATELIMIT_DEFAULT_BURST), 0);
	hub.id.ratelimit = &hub.rl;
	for (i = 0; i < 7; i++) {
		gw_init(&spokes[i], (uint8_t)(20 + i), (uint16_t)(41000 + i));
		sp[i] = gw_add(&spokes[i], &hub, 0x100 + i);
		gw_add(&hub, &spokes[i], 0x200 + i);
	}

	ck_assert_int_eq(cookie_sender_init(&to_hub, hub.id.static_pub), 0);
	dh = noise_dh_count();
	for (i = 0; i < 10000; i++) {
		struct gw fake;

		fake.addr.sin_family = AF_INET;
		fake.addr.sin_port = htons((uint16_t)(1024 + i));
		fake.addr.sin_addr.s_addr = htonl(0x0a000000u + (uint32_t)i);
		randombytes_buf(init, sizeof(init));
		memset(init, 0, 4);
		init[0] = HSMSG_INIT;
		init[7] = 1;
		cookie_add_macs(&to_hub, init, sizeof(init), t);
		ck_assert(handshake_load_note(&hub.id, t + (uint64_t)i * 10000) || i < 255);
		ck_assert_int_eq(recv_init(&hub, &fake, init, t + (uint64_t)i * 10000, true, &rep,
					   &k),
				 HANDSHAKE_SEND_COOKIE);
	}
	ck_assert_uint_eq(noise_dh_count(), dh);
	ck_assert_int_eq(hub.lookups, 0);
	t += SEC;
	ck_assert(handshake_load_note(&hub.id, t));

	/* a legitimate spoke: cookie, then through */
	ck_assert_int_eq(handshake_initiate(&spokes[0].id, sp[0], t, WALL0 + t, init), 0);
	ck_assert_int_eq(recv_init(&hub, &spokes[0], init, t, true, &rep, &k),
			 HANDSHAKE_SEND_COOKIE);
	ck_assert_int_eq(handshake_consume_cookie(sp[0], rep.buf, rep.len, t), 0);
	ck_assert_int_eq(handshake_initiate(&spokes[0].id, sp[0], t, WALL0 + t, init), 0);
	ck_assert_int_eq(recv_init(&hub, &spokes[0], init, t, true, &rep, &k), HANDSHAKE_SEND_RESP);
	ck_assert_int_eq(recv_resp(&spokes[0], sp[0], &hub, rep.buf, rep.len, t, false, &rep, &ks),
			 HANDSHAKE_COMPLETE);
	keys_match(&ks, &k);

	/* seven spokes behind one IPv4 address, all at once: a burst of 5 */
	t += SEC;
	ok = busy = 0;
	for (i = 1; i < 7; i++) { /* spoke 0 still has its cookie */
		ck_assert_int_eq(handshake_initiate(&spokes[i].id, sp[i], t, WALL0 + t, init), 0);
		ck_assert_int_eq(recv_init(&hub, &spokes[i], init, t, true, &rep, &k),
				 HANDSHAKE_SEND_COOKIE);
		memcpy(cookie, rep.buf, sizeof(cookie));
		ck_assert_int_eq(handshake_consume_cookie(sp[i], cookie, sizeof(cookie), t), 0);
	}
	for (i = 0; i < 7; i++) {
		int ret;

		ck_assert_int_eq(handshake_initiate(&spokes[i].id, sp[i], t, WALL0 + t + SEC, init),
				 0);
		ret = recv_init(&hub, &spokes[i], init, t, true, &rep, &k);
		if (ret == HANDSHAKE_SEND_RESP)
			ok++;
		else if (ret == -EBUSY)
			busy++;
	}
	/* (spoke 0's token of a second ago has been refilled since) */
	ck_assert_int_eq(ok, 5);
	ck_assert_int_eq(busy, 2);
	/* not under load: no limit */
	ck_assert_int_eq(recv_init(&hub, &spokes[6], init, t, false, &rep, &k),
			 HANDSHAKE_SEND_RESP);
	ratelimit_free(&hub.rl);
}
END_TEST

START_TEST(load_meter)
{
	struct gw g;
	uint32_t i;

	gw_init(&g, 5, 1);
	g.id.load_threshold = 100;
	for (i = 0; i < 99; i++)
		ck_assert(!handshake_load_note(&g.id, SEC + i * MS));
	ck_assert(handshake_load_note(&g.id, SEC + 99 * MS));
	/* stays under load for a second after the threshold was reached */
	ck_assert(handshake_load_note(&g.id, SEC + 1098 * MS));
	ck_assert(!handshake_load_note(&g.id, SEC + 1100 * MS));
	ck_assert(!handshake_load_note(&g.id, 10 * SEC));
}
END_TEST

/*
 * What counts toward load: HS_INIT and HS_RESP of their size with a valid
 * mac1 (it takes the receiver's public key). 1,000 junk datagrams a second
 * with a handshake type byte, truncated or with a wrong mac1, and COOKIEs,
 * do not put the receiver under load; 100 real HS_INITs do.
 */
START_TEST(load_counts_only_valid_mac1)
{
	static struct pair p;
	uint8_t init[HSMSG_INIT_LEN], junk[HSMSG_INIT_LEN];
	uint32_t i;

	pair_init(&p);
	p.b.id.load_threshold = 100;
	ck_assert_int_eq(handshake_initiate(&p.a.id, p.pa, SEC, WALL0 + SEC, init), 0);
	for (i = 0; i < 1000; i++) {
		uint64_t t = SEC + i * MS;

		memcpy(junk, init, sizeof(junk));
		junk[HSMSG_INIT_LEN - 2 * 16 + i % 16] ^= 1; /* mac1 */
		ck_assert(!handshake_load_note_msg(&p.b.id, junk, sizeof(junk), t));
		ck_assert(!handshake_load_note_msg(&p.b.id, init, 4 + i % 100, t));
		junk[0] = (uint8_t)(HSMSG_INIT + i % 3); /* INIT, RESP, COOKIE */
		ck_assert(!handshake_load_note_msg(&p.b.id, junk, HSMSG_RESP_LEN, t));
		ck_assert(!handshake_load_note_msg(&p.b.id, junk, HSMSG_COOKIE_LEN, t));
	}
	for (i = 0; i < 99; i++)
		ck_assert(!handshake_load_note_msg(&p.b.id, init, sizeof(init), 3 * SEC + i * MS));
	ck_assert(handshake_load_note_msg(&p.b.id, init, sizeof(init), 3 * SEC + 99 * MS));
	/* and it lasts a second, whatever comes meanwhile */
	ck_assert(handshake_load_note_msg(&p.b.id, junk, 4, 3 * SEC + 500 * MS));
}
END_TEST

/* Fresh, distinct material from every handshake; key ids from each side's half. */
START_TEST(fresh_distinct_material)
{
	enum { N = 200 };
	static uint8_t seen[2 * N][36];
	struct handshake_keys ka, kb;
	struct pair p;
	int i, j, n = 0;

	pair_init(&p);
	for (i = 0; i < N; i++) {
		uint64_t t = (uint64_t)(i + 1) * SEC;

		if (i % 2)
			handshake_dir(&p.a, p.pa, &p.b, t, &ka, &kb);
		else
			handshake_dir(&p.b, p.pb, &p.a, t, &ka, &kb);
		ck_assert_uint_eq(ka.key_id & 0x80, (i % 2 ? p.pa : p.pb)->wins_ties ? 0 : 0x80);
		keys_match(&ka, &kb);
		memcpy(seen[n], ka.tx_key, 32);
		memcpy(seen[n++] + 32, ka.tx_salt, 4);
		memcpy(seen[n], ka.rx_key, 32);
		memcpy(seen[n++] + 32, ka.rx_salt, 4);
		/* the daemon installs and swaps: the slots' ids are avoided */
		handshake_peer_set_key_ids(p.pa, ka.key_id, -1);
		handshake_peer_set_key_ids(p.pb, ka.key_id, -1);
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			ck_assert_int_ne(memcmp(seen[i], seen[j], 32), 0);
}
END_TEST

START_TEST(key_ids)
{
	uint8_t init[HSMSG_INIT_LEN];
	struct handshake_keys ka, kb;
	struct handshake_reply rep;
	struct pair p;
	uint8_t next;
	int i;

	pair_init(&p);
	handshake(&p, SEC, &ka, &kb);
	handshake_peer_set_key_ids(p.pa, ka.key_id, -1);
	handshake_peer_set_key_ids(p.pb, ka.key_id, -1);
	/*
	 * the responder refuses an id its CURRENT or PREVIOUS slot holds;
	 * the initiator's next id follows its first (key_seq starts at
	 * random), except that it skips 0xff, the id of no key
	 */
	next = (uint8_t)((ka.key_id & 0x80) | ((ka.key_id + 1) & 0x7f));
	if (next == HANDSHAKE_KEY_ID_NONE)
		next = HANDSHAKE_KEY_ID_HIGH;
	handshake_peer_set_key_ids(p.pb, next, ka.key_id);
	ck_assert_int_eq(handshake_initiate(&p.a.id, p.pa, 2 * SEC, WALL0 + 2 * SEC, init), 0);
	ck_assert_int_eq(recv_init(&p.b, &p.a, init, 2 * SEC, false, &rep, &kb), -EEXIST);
	/* the next attempt moves on to a free id */
	ck_assert_int_eq(handshake_initiate(&p.a.id, p.pa, 7 * SEC, WALL0 + 7 * SEC, init), 0);
	ck_assert_int_eq(recv_init(&p.b, &p.a, init, 7 * SEC, false, &rep, &kb),
			 HANDSHAKE_SEND_RESP);
	ck_assert_uint_ne(kb.key_id, next);
	ck_assert_uint_ne(kb.key_id, ka.key_id);
	/* the initiator skips ids in its own slots, within its half, wrapping */
	for (i = 0; i < 300; i++) {
		handshake_peer_set_key_ids(p.pa, p.pa->pending_key_id ^ 1, p.pa->pending_key_id);
		ck_assert_int_eq(handshake_initiate(&p.a.id, p.pa, 8 * SEC, WALL0 + 8 * SEC, init),
				 0);
		ck_assert_int_ne(p.pa->pending_key_id, p.pa->current_key_id);
		ck_assert_int_ne(p.pa->pending_key_id, p.pa->previous_key_id);
		ck_assert_uint_eq(p.pa->pending_key_id & 0x80, p.pa->wins_ties ? 0 : 0x80);
	}
	/* 0xff is no id (probes say "no key" with it): the upper half wraps before it */
	{
		struct handshake_peer *hi = p.pa->wins_ties ? p.pb : p.pa;
		struct gw *g = hi == p.pa ? &p.a : &p.b;

		handshake_peer_set_key_ids(hi, -1, -1);
		hi->key_seq = 0x7d;
		ck_assert_int_eq(handshake_initiate(&g->id, hi, 9 * SEC, WALL0 + 9 * SEC, init), 0);
		ck_assert_uint_eq(hi->pending_key_id, 0xfe);
		ck_assert_int_eq(handshake_initiate(&g->id, hi, 9 * SEC, WALL0 + 9 * SEC, init), 0);
		ck_assert_uint_eq(hi->pending_key_id, 0x80);
		for (i = 0; i < 300; i++) {
			ck_assert_int_eq(
				handshake_initiate(&g->id, hi, 9 * SEC, WALL0 + 9 * SEC, init), 0);
			ck_assert_uint_ne(hi->pending_key_id, HANDSHAKE_KEY_ID_NONE);
			ck_assert_uint_ge(hi->pending_key_id, 0x80);
		}
	}
	/* an id from the wrong half is refused (it could clash with the peer's) */
	pair_init(&p);
	p.pa->wins_ties = !p.pa->wins_ties;
	ck_assert_int_eq(handshake_initiate(&p.a.id, p.pa, SEC, WALL0, init), 0);
	ck_assert_int_eq(recv_init(&p.b, &p.a, init, SEC, false, &rep, &kb), -EINVAL);
}
END_TEST

START_TEST(retransmit_and_give_up)
{
	uint8_t init[HSMSG_INIT_LEN], last[HSMSG_INIT_LEN];
	struct handshake_keys k;
	struct handshake_reply rep;
	struct pair p;
	uint64_t t0 = 1000 * SEC, t;
	int sent = 1;

	pair_init(&p);
	ck_assert_int_eq(handshake_timer(p.pa, t0), HANDSHAKE_TIMER_NONE);
	ck_assert_int_eq(handshake_initiate(&p.a.id, p.pa, t0, WALL0, init), 0);
	ck_assert_uint_eq(handshake_timer_deadline(p.pa), t0 + 5 * SEC);
	ck_assert_int_eq(handshake_timer(p.pa, t0 + 5 * SEC - 1), HANDSHAKE_TIMER_NONE);
	for (t = t0 + 5 * SEC; t < t0 + 90 * SEC; t += 5 * SEC) {
		ck_assert_int_eq(handshake_timer(p.pa, t), HANDSHAKE_TIMER_RETRANSMIT);
		ck_assert_int_eq(handshake_initiate(&p.a.id, p.pa, t, WALL0 + t - t0, last), 0);
		sent++;
		ck_assert_uint_eq(p.pa->attempt_start_ns, t0); /* the same series */
	}
	ck_assert_int_eq(sent, 18);
	ck_assert_uint_eq(handshake_timer_deadline(p.pa), t0 + 90 * SEC);
	ck_assert_int_eq(handshake_timer(p.pa, t0 + 90 * SEC), HANDSHAKE_TIMER_GIVE_UP);
	ck_assert(!p.pa->pending_active);
	ck_assert(sodium_is_zero(p.pa->pending.e_priv, 32));
	ck_assert_int_eq(handshake_timer(p.pa, t0 + 91 * SEC), HANDSHAKE_TIMER_NONE);
	/* the response to the last attempt, too late: nothing to complete */
	ck_assert_int_eq(recv_init(&p.b, &p.a, last, t0 + 90 * SEC, false, &rep, &k),
			 HANDSHAKE_SEND_RESP);
	ck_assert_int_eq(recv_resp(&p.a, p.pa, &p.b, rep.buf, rep.len, t0 + 90 * SEC, false, &rep,
				   &k),
			 -ENOENT);
	/* the first attempt's response after a retransmission: only the latest completes */
	pair_init(&p);
	ck_assert_int_eq(handshake_initiate(&p.a.id, p.pa, t0, WALL0, init), 0);
	ck_assert_int_eq(recv_init(&p.b, &p.a, init, t0, false, &rep, &k), HANDSHAKE_SEND_RESP);
	ck_assert_int_eq(handshake_initiate(&p.a.id, p.pa, t0 + 5 * SEC, WALL0 + 5 * SEC, init), 0);
	ck_assert_int_eq(recv_resp(&p.a, p.pa, &p.b, rep.buf, rep.len, t0 + 5 * SEC, false, &rep,
				   &k),
			 -EBADMSG);
	ck_assert(p.pa->pending_active);
	/* a new series after the give-up starts the clock again */
	ck_assert_int_eq(handshake_initiate(&p.a.id, p.pa, t0 + 200 * SEC, WALL0 + 200 * SEC, init),
			 0);
	ck_assert_uint_eq(p.pa->attempt_start_ns, t0 + 200 * SEC);
}
END_TEST

/* ---- simultaneous initiation, scripted ---- */

struct sim2 {
	struct pair p;
	struct gw *lo, *hi;		  /* lower / higher static key */
	struct handshake_peer *plo, *phi; /* lo's view of hi, hi's view of lo */
	uint8_t ilo[HSMSG_INIT_LEN], ihi[HSMSG_INIT_LEN];
};

static void sim2_init(struct sim2 *s, uint64_t t)
{
	pair_init(&s->p);
	if (s->p.pa->wins_ties) {
		s->lo = &s->p.a, s->hi = &s->p.b, s->plo = s->p.pa, s->phi = s->p.pb;
	} else {
		s->lo = &s->p.b, s->hi = &s->p.a, s->plo = s->p.pb, s->phi = s->p.pa;
	}
	ck_assert(memcmp(s->lo->id.static_pub, s->hi->id.static_pub, 32) < 0);
	ck_assert_int_eq(handshake_initiate(&s->lo->id, s->plo, t, WALL0 + t, s->ilo), 0);
	ck_assert_int_eq(handshake_initiate(&s->hi->id, s->phi, t, WALL0 + t + 7 * SEC, s->ihi), 0);
}

/* Both initiations cross; each side sees the other's while its own is pending. */
START_TEST(simultaneous_crossing)
{
	struct handshake_keys klo, khi;
	struct handshake_reply rep, rep2;
	struct sim2 s;
	int order;

	/* 0: lo sees hi's first; 1: hi's after answering; 2: only after completing */
	for (order = 0; order < 3; order++) {
		uint64_t t = 10 * SEC;

		sim2_init(&s, t);
		if (order == 0)
			ck_assert_int_eq(recv_init(s.lo, s.hi, s.ihi, t + MS, false, &rep, &klo),
					 -EALREADY);
		ck_assert_int_eq(recv_init(s.hi, s.lo, s.ilo, t + 2 * MS, false, &rep, &khi),
				 HANDSHAKE_SEND_RESP);
		ck_assert(!s.phi->pending_active); /* hi abandoned its own */
		ck_assert_int_eq(handshake_timer(s.phi, t + 60 * SEC), HANDSHAKE_TIMER_NONE);
		if (order == 1) /* lo sees hi's initiation only now, still pending */
			ck_assert_int_eq(recv_init(s.lo, s.hi, s.ihi, t + 3 * MS, false, &rep2,
						   &klo),
					 -EALREADY);
		ck_assert_int_eq(recv_resp(s.lo, s.plo, s.hi, rep.buf, rep.len, t + 4 * MS, false,
					   &rep2, &klo),
				 HANDSHAKE_COMPLETE);
		keys_match(&klo, &khi);
		/* hi's abandoned initiation, arriving late, can never start a second
		 * pair: refused as seen (orders 0, 1) or as superseded (order 2). */
		ck_assert_int_eq(recv_init(s.lo, s.hi, s.ihi, t + 5 * SEC, false, &rep2, &klo),
				 -ESTALE);
		ck_assert_int_eq(handshake_timer(s.plo, t + 60 * SEC), HANDSHAKE_TIMER_NONE);
	}
}
END_TEST

/* lo's initiation lost: nobody completes until lo's retransmission, then one pair. */
START_TEST(simultaneous_lost_init)
{
	struct handshake_keys klo, khi;
	struct handshake_reply rep, rep2;
	struct sim2 s;
	uint64_t t = 10 * SEC;

	sim2_init(&s, t);
	ck_assert_int_eq(recv_init(s.lo, s.hi, s.ihi, t + MS, false, &rep, &klo), -EALREADY);
	/* both retransmit after 5 s */
	t += 5 * SEC;
	ck_assert_int_eq(handshake_timer(s.plo, t), HANDSHAKE_TIMER_RETRANSMIT);
	ck_assert_int_eq(handshake_timer(s.phi, t), HANDSHAKE_TIMER_RETRANSMIT);
	ck_assert_int_eq(handshake_initiate(&s.lo->id, s.plo, t, WALL0 + t, s.ilo), 0);
	ck_assert_int_eq(handshake_initiate(&s.hi->id, s.phi, t, WALL0 + t + 7 * SEC, s.ihi), 0);
	/* hi's retransmission arrives first and is dropped again; lo's wins */
	ck_assert_int_eq(recv_init(s.lo, s.hi, s.ihi, t + MS, false, &rep, &klo), -EALREADY);
	ck_assert_int_eq(recv_init(s.hi, s.lo, s.ilo, t + MS, false, &rep, &khi),
			 HANDSHAKE_SEND_RESP);
	ck_assert_int_eq(recv_resp(s.lo, s.plo, s.hi, rep.buf, rep.len, t + 2 * MS, false, &rep2,
				   &klo),
			 HANDSHAKE_COMPLETE);
	keys_match(&klo, &khi);
	ck_assert(!s.plo->pending_active && !s.phi->pending_active);
}
END_TEST

/* hi's initiation lost and hi's response lost: lo's retransmission settles it. */
START_TEST(simultaneous_lost_response)
{
	struct handshake_keys klo, khi, khi1;
	struct handshake_reply rep, rep2;
	struct sim2 s;
	uint64_t t = 10 * SEC;

	sim2_init(&s, t);
	ck_assert_int_eq(recv_init(s.hi, s.lo, s.ilo, t + MS, false, &rep, &khi1),
			 HANDSHAKE_SEND_RESP);
	/* rep lost; lo retransmits, hi answers the new one (a new key in NEXT) */
	t += 5 * SEC;
	ck_assert_int_eq(handshake_timer(s.plo, t), HANDSHAKE_TIMER_RETRANSMIT);
	ck_assert_int_eq(handshake_timer(s.phi, t), HANDSHAKE_TIMER_NONE);
	ck_assert_int_eq(handshake_initiate(&s.lo->id, s.plo, t, WALL0 + t, s.ilo), 0);
	ck_assert_int_eq(recv_init(s.hi, s.lo, s.ilo, t + MS, false, &rep, &khi),
			 HANDSHAKE_SEND_RESP);
	ck_assert_int_ne(khi.key_id, khi1.key_id);
	ck_assert_int_ne(memcmp(khi.rx_key, khi1.rx_key, 32), 0);
	/* hi's long-lost first initiation shows up at lo now: lo still pending */
	ck_assert_int_eq(recv_init(s.lo, s.hi, s.ihi, t + MS, false, &rep2, &klo), -EALREADY);
	ck_assert_int_eq(recv_resp(s.lo, s.plo, s.hi, rep.buf, rep.len, t + 2 * MS, false, &rep2,
				   &klo),
			 HANDSHAKE_COMPLETE);
	keys_match(&klo, &khi);
}
END_TEST

/* ---- simultaneous initiation, randomised network ---- */

struct slot {
	bool set;
	uint8_t id;
	uint8_t tx[32], rx[32];
};

struct side {
	struct gw g;
	struct handshake_peer *peer;
	struct slot cur, prev, next;
	uint64_t wall_off;
	uint64_t last_rx_ns; /* latest DATA that decrypted */
	int completed, answered, ties, cookies, bad_data;
};

struct pkt {
	uint64_t at;
	int to;
	bool data;
	uint8_t key_id;
	uint8_t tx[32];
	uint8_t buf[HSMSG_MAX_LEN];
	size_t len;
};

#define NPKT 512

struct net {
	struct side s[2];
	struct pkt q[NPKT];
	int nq;
	uint64_t rng;
	bool chaos;
};

static uint32_t rnd(struct net *n)
{
	/* xorshift64*: the run depends on the seed only */
	n->rng ^= n->rng >> 12;
	n->rng ^= n->rng << 25;
	n->rng ^= n->rng >> 27;
	return (uint32_t)((n->rng * 2685821657736338717ull) >> 32);
}

static void net_send(struct net *n, int to, uint64_t now, const uint8_t *buf, size_t len, bool data,
		     uint8_t key_id, const uint8_t *tx)
{
	int copies = 1, c;

	if (n->chaos) {
		if (rnd(n) % 100 < 30)
			return; /* lost */
		if (rnd(n) % 100 < 10)
			copies = 2; /* duplicated */
	}
	for (c = 0; c < copies; c++) {
		struct pkt *p;

		if (n->nq == NPKT)
			return;
		p = &n->q[n->nq++];
		/* up to 300 ms of delay: messages overtake each other */
		p->at = now + (n->chaos ? 1 + rnd(n) % 300 : 20) * MS;
		p->to = to;
		p->data = data;
		p->key_id = key_id;
		if (tx)
			memcpy(p->tx, tx, 32);
		if (len)
			memcpy(p->buf, buf, len);
		p->len = len;
	}
}

/* What the daemon does with keys (handshake.h): the initiator swaps in at once. */
static void side_install(struct side *s, const struct handshake_keys *k)
{
	struct slot sl = { .set = true, .id = k->key_id };

	memcpy(sl.tx, k->tx_key, 32);
	memcpy(sl.rx, k->rx_key, 32);
	if (k->initiator) {
		s->prev = s->cur;
		s->cur = sl;
		s->next.set = false;
		s->completed++;
	} else {
		s->next = sl;
		s->answered++;
	}
	handshake_peer_set_key_ids(s->peer, s->cur.set ? s->cur.id : -1,
				   s->prev.set ? s->prev.id : -1);
}

static void side_initiate(struct net *n, int i, uint64_t now)
{
	struct side *s = &n->s[i];
	uint8_t init[HSMSG_INIT_LEN];

	ck_assert_int_eq(handshake_initiate(&s->g.id, s->peer, now, now + s->wall_off, init), 0);
	net_send(n, !i, now, init, sizeof(init), false, 0, NULL);
}

static void deliver(struct net *n, struct pkt *p, uint64_t now)
{
	struct side *s = &n->s[p->to], *o = &n->s[!p->to];
	struct handshake_keys k;
	struct handshake_reply rep;
	bool load = n->chaos && rnd(n) % 100 < 20;
	int ret;

	if (p->data) {
		/* the kernel: NEXT is swapped in when the peer uses it */
		if (s->next.set && s->next.id == p->key_id) {
			s->prev = s->cur;
			s->cur = s->next;
			s->next.set = false;
			handshake_peer_set_key_ids(s->peer, s->cur.id,
						   s->prev.set ? s->prev.id : -1);
		}
		/* one key id never means two different keys */
		if (s->cur.set && s->cur.id == p->key_id) {
			if (memcmp(s->cur.rx, p->tx, 32))
				s->bad_data++;
			else
				s->last_rx_ns = now;
		}
		if (s->prev.set && s->prev.id == p->key_id) {
			if (memcmp(s->prev.rx, p->tx, 32))
				s->bad_data++;
			else
				s->last_rx_ns = now;
		}
		return;
	}
	switch (hsmsg_type(p->buf, p->len)) {
	case HSMSG_INIT: {
		struct handshake_rx rx = { p->buf, p->len, SA(&o->g), now, load };
		struct handshake_peer *peer;

		ret = handshake_respond(&s->g.id, &rx, gw_lookup, &s->g, &rep, &k, &peer);
		if (ret == HANDSHAKE_SEND_RESP)
			side_install(s, &k);
		if (ret == -EALREADY)
			s->ties++;
		if (ret == HANDSHAKE_SEND_COOKIE)
			s->cookies++;
		if (ret > 0)
			net_send(n, !p->to, now, rep.buf, rep.len, false, 0, NULL);
		else
			ck_assert_msg(ret == -ESTALE || ret == -EALREADY || ret == -EBUSY ||
					      ret == -EEXIST,
				      "init: %d", ret);
		break;
	}
	case HSMSG_RESP:
		ret = recv_resp(&s->g, s->peer, &o->g, p->buf, p->len, now, load, &rep, &k);
		if (ret == HANDSHAKE_COMPLETE)
			side_install(s, &k);
		else if (ret == HANDSHAKE_SEND_COOKIE)
			net_send(n, !p->to, now, rep.buf, rep.len, false, 0, NULL);
		else
			ck_assert_msg(ret == -ENOENT || ret == -EBADMSG, "resp: %d", ret);
		break;
	case HSMSG_COOKIE:
		ret = handshake_consume_cookie(s->peer, p->buf, p->len, now);
		ck_assert_msg(ret == 0 || ret == -ENOENT || ret == -EBADMSG, "cookie: %d", ret);
		break;
	default:
		ck_abort_msg("unexpected message");
	}
}

static void run_sim(uint64_t seed, int *sessions, int *ties, int *cookies)
{
	static struct net n;
	uint64_t t, end_chaos = 60 * SEC, end = 240 * SEC;
	int i, j;

	memset(&n, 0, sizeof(n));
	n.rng = seed * 0x9e3779b97f4a7c15ull + 1;
	gw_init(&n.s[0].g, (uint8_t)(seed % 200 + 1), 50000);
	gw_init(&n.s[1].g, (uint8_t)(seed % 200 + 2), 50001);
	n.s[0].peer = gw_add(&n.s[0].g, &n.s[1].g, 0xa0);
	n.s[1].peer = gw_add(&n.s[1].g, &n.s[0].g, 0xb0);
	n.s[0].wall_off = WALL0;
	n.s[1].wall_off = WALL0 + 12345 * SEC; /* clocks need not agree */
	n.chaos = true;

	for (t = 0; t < end; t += 10 * MS) {
		if (t >= end_chaos && n.chaos) {
			n.chaos = false;
			n.nq = 0; /* the network empties */
		}
		for (i = 0; i < 2; i++) {
			struct side *s = &n.s[i];
			enum handshake_timer_action a = handshake_timer(s->peer, t);

			if (a == HANDSHAKE_TIMER_RETRANSMIT)
				side_initiate(&n, i, t);
			else if (!s->peer->pending_active &&
				 ((n.chaos && rnd(&n) % 300 == 0) ||
				  (t % SEC == 0 && (!s->cur.set || t - s->last_rx_ns > 15 * SEC))))
				/*
				 * A rekey now and then; and the daemon's rule
				 * (WireGuard's): no key, or sending without
				 * hearing back for 15 s, starts a handshake.
				 */
				side_initiate(&n, i, t);
		}
		/* both sides start together, often */
		if (n.chaos && rnd(&n) % 500 == 0)
			for (i = 0; i < 2; i++)
				if (!n.s[i].peer->pending_active)
					side_initiate(&n, i, t);
		/* traffic with the current key every 100 ms */
		if (t % (100 * MS) == 0)
			for (i = 0; i < 2; i++)
				if (n.s[i].cur.set)
					net_send(&n, !i, t, NULL, 0, true, n.s[i].cur.id,
						 n.s[i].cur.tx);
		for (j = 0; j < n.nq;) {
			if (n.q[j].at <= t) {
				struct pkt p = n.q[j];

				n.q[j] = n.q[--n.nq];
				deliver(&n, &p, t);
			} else {
				j++;
			}
		}
	}
	/* converged: one key pair, the same on both sides, nothing pending */
	for (i = 0; i < 2; i++) {
		ck_assert_msg(n.s[i].cur.set, "seed %llu: side %d has no key",
			      (unsigned long long)seed, i);
		ck_assert_int_eq(n.s[i].bad_data, 0);
		ck_assert(!n.s[i].peer->pending_active);
	}
	ck_assert_msg(n.s[0].cur.id == n.s[1].cur.id, "seed %llu: key ids %d / %d",
		      (unsigned long long)seed, n.s[0].cur.id, n.s[1].cur.id);
	ck_assert_mem_eq(n.s[0].cur.tx, n.s[1].cur.rx, 32);
	ck_assert_mem_eq(n.s[0].cur.rx, n.s[1].cur.tx, 32);
	*sessions += n.s[0].completed + n.s[1].completed;
	*ties += n.s[0].ties + n.s[1].ties;
	*cookies += n.s[0].cookies + n.s[1].cookies;
	if (getenv("HS_SIM_VERBOSE"))
		fprintf(stderr, "seed %llu: completed %d/%d answered %d/%d ties %d/%d\n",
			(unsigned long long)seed, n.s[0].completed, n.s[1].completed,
			n.s[0].answered, n.s[1].answered, n.s[0].ties, n.s[1].ties);
}

START_TEST(simultaneous_random_network)
{
	int seed, sessions = 0, ties = 0, cookies = 0;

	for (seed = 1; seed <= 200; seed++)
		run_sim((uint64_t)seed, &sessions, &ties, &cookies);
	/* the runs did real work: handshakes completed through the chaos, with
	 * simultaneous initiations and cookie round trips among them */
	ck_assert_int_ge(sessions, 200 * 5);
	ck_assert_int_ge(ties, 200);
	ck_assert_int_ge(cookies, 200);
	if (getenv("HS_SIM_VERBOSE"))
		fprintf(stderr, "sessions %d ties %d cookies %d\n", sessions, ties, cookies);
}
END_TEST

START_TEST(peer_init_arguments)
{
	struct handshake_peer p;
	uint8_t zero[32] = { 0 };
	struct gw a, b;

	gw_init(&a, 1, 1);
	gw_init(&b, 2, 2);
	ck_assert_int_eq(handshake_peer_init(&a.id, &p, b.id.static_pub, psk, 0), -EINVAL);
	ck_assert_int_eq(handshake_peer_init(&a.id, &p, a.id.static_pub, psk, 1), -EINVAL);
	ck_assert_int_eq(handshake_peer_init(&a.id, &p, zero, psk, 1), -EINVAL);
	ck_assert(sodium_is_zero((const uint8_t *)&p, sizeof(p)));
	/* u = 1 is of small order too: refused at once, not at the deferred DH. */
	zero[0] = 1;
	ck_assert_int_eq(handshake_peer_init(&a.id, &p, zero, psk, 1), -EINVAL);
	ck_assert_int_eq(handshake_peer_init(&a.id, &p, b.id.static_pub, psk, 1), 0);
	ck_assert_int_eq(p.current_key_id, -1);
	handshake_peer_wipe(&p);
	ck_assert(sodium_is_zero((const uint8_t *)&p, sizeof(p)));
	handshake_identity_wipe(&a.id);
	ck_assert(sodium_is_zero((const uint8_t *)&a.id, sizeof(a.id)));
}
END_TEST

/* The static DH is made on first use, once, and is the X25519 of the two keys. */
START_TEST(ss_on_first_use)
{
	struct handshake_peer p;
	const uint8_t *ss;
	uint8_t want[32];
	struct gw a, b;

	gw_init(&a, 1, 1);
	gw_init(&b, 2, 2);
	ck_assert_int_eq(handshake_peer_init(&a.id, &p, b.id.static_pub, psk, 1), 0);
	ck_assert(!p.ss_ready && sodium_is_zero(p.ss, sizeof(p.ss)));
	ck_assert_int_eq(crypto_scalarmult(want, a.id.static_priv, b.id.static_pub), 0);
	ss = handshake_peer_ss(&a.id, &p);
	ck_assert(ss == p.ss && p.ss_ready);
	ck_assert(!memcmp(ss, want, sizeof(want)));
	ck_assert(handshake_peer_ss(&a.id, &p) == ss);
	handshake_peer_wipe(&p);
	ck_assert(!p.ss_ready && sodium_is_zero(p.ss, sizeof(p.ss)));
}
END_TEST

/* A psk that differs (registry change not yet seen by one side) fails cleanly. */
START_TEST(psk_mismatch)
{
	uint8_t init[HSMSG_INIT_LEN], other[32];
	struct handshake_keys ka, kb;
	struct handshake_reply rep;
	struct pair p;

	pair_init(&p);
	memset(other, 0x77, 32);
	handshake_peer_set_psk(p.pb, other);
	ck_assert_int_eq(handshake_initiate(&p.a.id, p.pa, SEC, WALL0, init), 0);
	ck_assert_int_eq(recv_init(&p.b, &p.a, init, SEC, false, &rep, &kb), HANDSHAKE_SEND_RESP);
	ck_assert_int_eq(recv_resp(&p.a, p.pa, &p.b, rep.buf, rep.len, SEC, false, &rep, &ka),
			 -EBADMSG);
	ck_assert(p.pa->pending_active);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("handshake");
	TCase *tc = tcase_create("handshake");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, full_handshake);
	tcase_add_test(tc, tamper_every_byte);
	tcase_add_test(tc, replay_and_old_timestamps);
	tcase_add_test(tc, mac1_before_dh);
	tcase_add_test(tc, cookie_flow);
	tcase_add_test(tc, spoofed_flood_and_rate_limit);
	tcase_add_test(tc, load_meter);
	tcase_add_test(tc, load_counts_only_valid_mac1);
	tcase_add_test(tc, fresh_distinct_material);
	tcase_add_test(tc, key_ids);
	tcase_add_test(tc, retransmit_and_give_up);
	tcase_add_test(tc, forged_cookies_cannot_hurry_every_retransmit);
	tcase_add_test(tc, simultaneous_crossing);
	tcase_add_test(tc, simultaneous_lost_init);
	tcase_add_test(tc, simultaneous_lost_response);
	tcase_add_test(tc, simultaneous_random_network);
	tcase_add_test(tc, peer_init_arguments);
	tcase_add_test(tc, ss_on_first_use);
	tcase_add_test(tc, psk_mismatch);
	return unit_run(s, tc);
}
