// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/common/proto.c (control message codec, paging, NAT
 * classification) and daemon/common/regclient.c (gateway state machine,
 * driven here by hand-made registry answers).
 */
#include <check.h>
#include "unit.h"
#include <string.h>
#include <sodium.h>

#include "daemon/common/proto.h"
#include "daemon/common/regclient.h"

static struct proto_ep ep4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	struct proto_ep e = { .family = 4, .port = port, .addr = { a, b, c, d } };

	return e;
}

static struct proto_subnet sub4(uint8_t a, uint8_t b, uint8_t c, uint8_t plen, uint8_t flags)
{
	struct proto_subnet s = { .family = 4, .plen = plen, .flags = flags,
				  .addr = { a, b, c, 0 } };

	return s;
}

/* Every strict prefix and one extra byte must be rejected. */
#define CHECK_TRUNCATIONS(dec, buf, n, type)                               \
	do {                                                               \
		type tmp_;                                                 \
		uint8_t long_[PROTO_MAX_MSG + 1];                          \
		for (size_t l_ = 0; l_ < (n); l_++)                        \
			ck_assert_int_eq(dec((buf), l_, &tmp_), -1);       \
		memcpy(long_, (buf), (n));                                 \
		long_[(n)] = 0;                                            \
		ck_assert_int_eq(dec(long_, (n) + 1, &tmp_), -1);          \
	} while (0)

START_TEST(reg_req_roundtrip)
{
	struct proto_reg_req m = { .uplink = 1, .nat = PROTO_NAT_UNFRIENDLY, .page = 3,
				   .version = 0x0102030405060708ull,
				   .local = ep4(172, 20, 0, 123, 52899) }, d;
	uint8_t buf[128];
	size_t n = proto_enc_reg_req(buf, sizeof(buf), &m);

	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(proto_dec_reg_req(buf, n, &d), 0);
	ck_assert_uint_eq(d.uplink, 1);
	ck_assert_uint_eq(d.nat, PROTO_NAT_UNFRIENDLY);
	ck_assert_uint_eq(d.page, 3);
	ck_assert_uint_eq(d.version, m.version);
	ck_assert(proto_ep_equal(&d.local, &m.local));
	CHECK_TRUNCATIONS(proto_dec_reg_req, buf, n, struct proto_reg_req);
	/* Out-of-range fields. */
	buf[0] = 2;
	ck_assert_int_eq(proto_dec_reg_req(buf, n, &d), -1);
	buf[0] = 1;
	buf[1] = 4;
	ck_assert_int_eq(proto_dec_reg_req(buf, n, &d), -1);
	buf[1] = 0;
	buf[12] = 5; /* endpoint family */
	ck_assert_int_eq(proto_dec_reg_req(buf, n, &d), -1);
	/* An IPv6 local endpoint and none at all. */
	m.local.family = 6;
	m.local.addr[15] = 1;
	n = proto_enc_reg_req(buf, sizeof(buf), &m);
	ck_assert_int_eq(proto_dec_reg_req(buf, n, &d), 0);
	ck_assert(proto_ep_equal(&d.local, &m.local));
	m.local.family = 0;
	n = proto_enc_reg_req(buf, sizeof(buf), &m);
	ck_assert_int_eq(proto_dec_reg_req(buf, n, &d), 0);
	ck_assert_uint_eq(d.local.family, 0);
	ck_assert_uint_eq(proto_enc_reg_req(buf, 5, &m), 0);
}
END_TEST

START_TEST(keepalive_roundtrip)
{
	struct proto_keepalive m = { .uplink = 0, .nat = PROTO_NAT_FRIENDLY, .version = 9,
				     .local = ep4(10, 0, 0, 1, 40000), .n_paths = 2 }, d;
	uint8_t buf[PROTO_MAX_BODY];
	size_t n;

	memset(m.paths[0].peer_pk, 0xaa, 32);
	m.paths[0].up = 1;
	m.paths[0].rtt_us = 12345;
	m.paths[0].loss = 250;
	memset(m.paths[1].peer_pk, 0xbb, 32);
	m.paths[1].local_uplink = 1;
	m.paths[1].remote_uplink = 1;
	n = proto_enc_keepalive(buf, sizeof(buf), &m);
	ck_assert_int_eq(proto_dec_keepalive(buf, n, &d), 0);
	ck_assert_uint_eq(d.n_paths, 2);
	ck_assert_mem_eq(d.paths[1].peer_pk, m.paths[1].peer_pk, 32);
	ck_assert_uint_eq(d.paths[0].rtt_us, 12345);
	ck_assert_uint_eq(d.paths[0].loss, 250);
	ck_assert_uint_eq(d.paths[1].remote_uplink, 1);
	CHECK_TRUNCATIONS(proto_dec_keepalive, buf, n, struct proto_keepalive);
	/* loss > 100 % */
	m.paths[0].loss = 10001;
	n = proto_enc_keepalive(buf, sizeof(buf), &m);
	ck_assert_int_eq(proto_dec_keepalive(buf, n, &d), -1);
	/* too many paths */
	m.paths[0].loss = 0;
	n = proto_enc_keepalive(buf, sizeof(buf), &m);
	buf[17] = PROTO_KA_MAX_PATHS + 1; /* n_paths after uplink,nat,version,ep(7) */
	ck_assert_int_eq(proto_dec_keepalive(buf, n, &d), -1);
	m.n_paths = PROTO_KA_MAX_PATHS + 1;
	ck_assert_uint_eq(proto_enc_keepalive(buf, sizeof(buf), &m), 0);
	m.n_paths = PROTO_KA_MAX_PATHS;
	ck_assert_uint_le(proto_enc_keepalive(buf, sizeof(buf), &m), PROTO_MAX_BODY);
	ck_assert_uint_gt(proto_enc_keepalive(buf, sizeof(buf), &m), 0);
}
END_TEST

START_TEST(ack_push_roundtrip)
{
	struct proto_keepalive_ack a = { 7, 0xfeedull, 1, ep4(192, 195, 83, 215, 52899) }, da;
	struct proto_push p = { 7, 0xfeedull, PROTO_PUSH_CONFIG }, dp;
	uint8_t buf[64];
	size_t n = proto_enc_keepalive_ack(buf, sizeof(buf), &a);

	ck_assert_int_eq(proto_dec_keepalive_ack(buf, n, &da), 0);
	ck_assert(proto_ep_equal(&da.observed, &a.observed));
	ck_assert_uint_eq(da.version, 0xfeed);
	CHECK_TRUNCATIONS(proto_dec_keepalive_ack, buf, n, struct proto_keepalive_ack);
	n = proto_enc_push(buf, sizeof(buf), &p);
	ck_assert_int_eq(proto_dec_push(buf, n, &dp), 0);
	ck_assert_uint_eq(dp.reason, PROTO_PUSH_CONFIG);
	CHECK_TRUNCATIONS(proto_dec_push, buf, n, struct proto_push);
	buf[n - 1] = 9;
	ck_assert_int_eq(proto_dec_push(buf, n, &dp), -1);
}
END_TEST

static size_t build_resp(uint8_t *buf, size_t cap, struct proto_peer *p, int n_peers,
			 struct proto_subnet *subs, int n_subs)
{
	struct proto_reg_resp h = { .registry_id = 1, .version = 42, .keepalive_ms = 10000,
				    .uplink = 0, .role = PROTO_ROLE_SPOKE, .page = 0,
				    .page_count = 1, .observed = ep4(1, 2, 3, 4, 5000) };
	struct proto_resp_writer w;

	ck_assert_int_eq(proto_resp_begin(&w, buf, cap, &h), 0);
	for (int i = 0; i < n_peers; i++)
		ck_assert_int_eq(proto_resp_add_peer(&w, &p[i], subs, (uint16_t)n_subs), 0);
	return w.len;
}

START_TEST(reg_resp_roundtrip)
{
	static struct proto_reg_resp d;
	struct proto_peer p[2];
	struct proto_subnet s[2] = { sub4(10, 0, 60, 24, PROTO_SUB_ROUTE),
				     sub4(10, 50, 176, 25, PROTO_SUB_ROUTE | PROTO_SUB_ALLOWED) };
	uint8_t buf[PROTO_MAX_BODY];
	size_t n;

	s[1].addr[3] = 128;
	memset(p, 0, sizeof(p));
	strcpy(p[0].name, "Cisco Cloud Interconnect - San Jose");
	memset(p[0].pk, 1, 32);
	memset(p[0].psk, 2, 32);
	p[0].role = PROTO_ROLE_HUB;
	p[0].hub_prio = 1;
	p[0].flags = PROTO_PEER_DEFAULT_ROUTE;
	p[0].n_ep = 2;
	p[0].ep[0] = (struct proto_peer_ep){ 0, PROTO_EP_PUBLIC, ep4(198, 51, 100, 23, 56125) };
	p[0].ep[1] = (struct proto_peer_ep){ 0, PROTO_EP_PRIVATE, ep4(10, 0, 0, 2, 56125) };
	memset(p[1].pk, 1, 32);
	p[1].flags = PROTO_PEER_CONT;
	n = build_resp(buf, sizeof(buf), p, 2, s, 2);
	ck_assert_int_eq(proto_dec_reg_resp(buf, n, &d), 0);
	ck_assert_uint_eq(d.version, 42);
	ck_assert_uint_eq(d.n_peers, 2);
	ck_assert_uint_eq(d.n_subnets, 4);
	ck_assert_str_eq(d.peers[0].name, p[0].name);
	ck_assert_mem_eq(d.peers[0].psk, p[0].psk, 32);
	ck_assert_uint_eq(d.peers[0].n_ep, 2);
	ck_assert(proto_ep_equal(&d.peers[0].ep[0].ep, &p[0].ep[0].ep));
	ck_assert_uint_eq(d.peers[0].flags, PROTO_PEER_DEFAULT_ROUTE);
	ck_assert_uint_eq(d.peers[1].flags, PROTO_PEER_CONT);
	ck_assert_uint_eq(d.subnets[d.peers[1].subnet_first + 1].plen, 25);
	ck_assert_uint_eq(d.subnets[1].addr[3], 128);
	/* every truncation; trailing garbage */
	for (size_t l = 0; l < n; l++) {
		int r = proto_dec_reg_resp(buf, l, &d);

		/* A cut exactly between records is a valid shorter page; nothing else. */
		if (r == 0)
			ck_assert(d.n_peers < 2);
	}
	buf[n] = 0;
	ck_assert_int_eq(proto_dec_reg_resp(buf, n + 1, &d), -1);
	/* Unknown record types are skipped whole. */
	buf[n] = 99;
	buf[n + 1] = 0;
	buf[n + 2] = 1;
	buf[n + 3] = 0xee;
	ck_assert_int_eq(proto_dec_reg_resp(buf, n + 4, &d), 0);
	ck_assert_uint_eq(d.n_peers, 2);
	/* Corruptions of individual fields. */
	{
		uint8_t bad[PROTO_MAX_BODY];
		size_t fixed = 4 + 8 + 4 + 1 + 1 + 2 + 2 + 7;

		memcpy(bad, buf, n);
		bad[fixed + 3] = 0x80; /* peer flags: unknown bit */
		ck_assert_int_eq(proto_dec_reg_resp(bad, n, &d), -1);
		memcpy(bad, buf, n);
		bad[fixed + 3 + 1 + 32] = 3; /* role */
		ck_assert_int_eq(proto_dec_reg_resp(bad, n, &d), -1);
		memcpy(bad, buf, n);
		bad[fixed + 3 + 1 + 32 + 2] = 0; /* name length 0 */
		ck_assert_int_eq(proto_dec_reg_resp(bad, n, &d), -1);
		memcpy(bad, buf, n);
		bad[fixed + 3 + 1 + 32 + 3 + 4] = 0; /* NUL inside the name */
		ck_assert_int_eq(proto_dec_reg_resp(bad, n, &d), -1);
		memcpy(bad, buf, n);
		bad[fixed + 1] = 0xff; /* record length beyond the message */
		ck_assert_int_eq(proto_dec_reg_resp(bad, n, &d), -1);
		memcpy(bad, buf, n);
		bad[20] = 0; /* page 0 of page_count 0 */
		bad[21] = 0;
		ck_assert_int_eq(proto_dec_reg_resp(bad, n, &d), -1);
	}
}
END_TEST

START_TEST(subnet_validation)
{
	struct proto_peer p = { .flags = PROTO_PEER_CONT };
	struct proto_subnet s = sub4(10, 0, 60, 16, PROTO_SUB_ROUTE); /* host bits set */
	uint8_t buf[PROTO_MAX_BODY];
	struct proto_reg_resp h = { .keepalive_ms = 1, .page_count = 1,
				    .observed = ep4(1, 1, 1, 1, 1) };
	struct proto_resp_writer w;

	proto_resp_begin(&w, buf, sizeof(buf), &h);
	ck_assert_int_eq(proto_resp_add_peer(&w, &p, &s, 1), -1);
	s = sub4(10, 0, 0, 33, PROTO_SUB_ROUTE);
	ck_assert_int_eq(proto_resp_add_peer(&w, &p, &s, 1), -1);
	s = sub4(10, 0, 0, 8, 0); /* neither route nor allowed */
	ck_assert_int_eq(proto_resp_add_peer(&w, &p, &s, 1), -1);
	s = sub4(0, 0, 0, 0, PROTO_SUB_ROUTE | PROTO_SUB_DEFAULT);
	ck_assert_int_eq(proto_resp_add_peer(&w, &p, &s, 1), 0);
}
END_TEST

struct fill_ctx {
	uint32_t peers_seen[64];
	uint32_t subs_seen[64];
};

static void count_take(void *v, uint32_t peer, uint32_t sub0, uint32_t nsub)
{
	struct fill_ctx *c = v;

	ck_assert_uint_eq(c->subs_seen[peer], sub0); /* contiguous, in order */
	c->subs_seen[peer] += nsub;
	c->peers_seen[peer]++;
}

START_TEST(paging)
{
	static struct proto_subnet subs[3000];
	struct proto_page_item items[40];
	struct proto_page_cursor starts[200];
	struct fill_ctx c;
	uint32_t pages, total_subs = 0;

	for (int i = 0; i < 3000; i++)
		subs[i] = sub4(10, (uint8_t)(i >> 8), (uint8_t)i, 24, PROTO_SUB_ROUTE);
	for (int i = 0; i < 40; i++) {
		items[i].name_len = (size_t)(5 + i);
		/* some peers with no subnets, one with 2000 (must span pages) */
		items[i].n_subnets = i == 7 ? 2000 : (uint32_t)(i % 5);
		items[i].subnets = subs;
		total_subs += items[i].n_subnets;
	}
	pages = proto_paginate(items, 40, starts, 200);
	ck_assert_uint_gt(pages, 2000 * 8 / PROTO_MAX_BODY);
	memset(&c, 0, sizeof(c));
	for (uint32_t p = 0; p < pages; p++) {
		struct proto_page_cursor cur = starts[p];

		proto_page_fill(items, 40, &cur, count_take, &c);
		if (p + 1 < pages) {
			ck_assert_uint_eq(cur.peer, starts[p + 1].peer);
			ck_assert_uint_eq(cur.subnet, starts[p + 1].subnet);
		} else {
			ck_assert_uint_eq(cur.peer, 40);
		}
	}
	for (int i = 0; i < 40; i++)
		ck_assert_uint_eq(c.subs_seen[i], items[i].n_subnets);
	ck_assert_uint_eq(proto_paginate(items, 40, NULL, 200), pages);
	ck_assert_uint_eq(proto_paginate(items, 40, starts, 2), 0); /* too many */
	ck_assert_uint_eq(proto_paginate(items, 0, starts, 1), 1);  /* empty: one page */
	(void)total_subs;
}
END_TEST

START_TEST(nat_classification)
{
	struct proto_ep a = ep4(192, 195, 83, 215, 52899), b = a, none = { 0 };

	ck_assert_uint_eq(nat_classify(&a, &b, 0), PROTO_NAT_FRIENDLY);
	b.port = 56126; /* port rewritten per destination */
	ck_assert_uint_eq(nat_classify(&a, &b, 0), PROTO_NAT_UNFRIENDLY);
	b = a;
	b.addr[3] = 17; /* load balanced over two public addresses */
	ck_assert_uint_eq(nat_classify(&a, &b, 0), PROTO_NAT_UNFRIENDLY);
	ck_assert_uint_eq(nat_classify(&a, &none, 0), PROTO_NAT_UNKNOWN);
	ck_assert_uint_eq(nat_classify(NULL, &a, 0), PROTO_NAT_UNKNOWN);
	ck_assert_uint_eq(nat_classify(&a, &b, 1), PROTO_NAT_MANUAL);
	ck_assert_str_eq(proto_nat_name(PROTO_NAT_UNFRIENDLY), "unfriendly");
}
END_TEST

/* ---- regclient against a hand-driven registry ---- */

static uint8_t reg_sk[32], reg_pk[32], gw_sk[32], gw_pk[32];
static struct seal_key reg_key;
static struct seal_counter reg_ctr;
static uint8_t last_msg[PROTO_MAX_MSG];
static size_t last_len;
static unsigned int last_reg, n_sent;

static void capture(void *ctx, unsigned int ul, unsigned int reg, const uint8_t *msg, size_t len)
{
	memcpy(last_msg, msg, len);
	last_len = len;
	last_reg = reg;
	n_sent++;
}

static size_t reg_seal(uint8_t *out, uint8_t type, const uint8_t *body, size_t n)
{
	return seal_msg(out, PROTO_MAX_MSG, type, 77, reg_pk, seal_next_counter(&reg_ctr),
			&reg_key, body, n);
}

static size_t make_resp(uint8_t *out, uint16_t page, uint16_t pages, uint64_t version,
			struct proto_ep seen, const char *peer)
{
	struct proto_reg_resp h = { .registry_id = 77, .version = version, .keepalive_ms = 1000,
				    .uplink = 0, .role = PROTO_ROLE_SPOKE, .page = page,
				    .page_count = pages, .observed = seen };
	struct proto_resp_writer w;
	uint8_t body[PROTO_MAX_BODY];
	struct proto_peer p = { .role = PROTO_ROLE_HUB, .hub_prio = 1 };
	struct proto_subnet s = sub4(10, 10, 0, 16, PROTO_SUB_ROUTE);

	proto_resp_begin(&w, body, sizeof(body), &h);
	if (peer) {
		strcpy(p.name, peer);
		memset(p.pk, peer[0], 32);
		proto_resp_add_peer(&w, &p, &s, 1);
	}
	return reg_seal(out, PROTO_T_REG_RESP, body, w.len);
}

static void rc_setup(struct regclient *rc, unsigned int n_reg)
{
	struct regclient_cfg cfg = { .n_registries = n_reg, .n_uplinks = 1, .retry_ms = 100,
				     .purge_ms = 10000 };

	seal_init();
	crypto_box_keypair(reg_pk, reg_sk);
	crypto_box_keypair(gw_pk, gw_sk);
	seal_precompute(&reg_key, gw_pk, reg_sk, reg_pk);
	memcpy(cfg.sk, gw_sk, 32);
	memcpy(cfg.pk, gw_pk, 32);
	memcpy(cfg.registry_pk, reg_pk, 32);
	cfg.local[0] = ep4(10, 0, 0, 5, 40000);
	ck_assert_int_eq(regclient_init(rc, &cfg, 0), 0);
	n_sent = 0;
}

START_TEST(regclient_flow)
{
	static struct regclient rc;
	uint8_t msg[PROTO_MAX_MSG], body[PROTO_MAX_MSG];
	struct proto_reg_req req;
	struct seal_hdr h;
	size_t n;
	long bl;
	int ev;

	rc_setup(&rc, 2);
	regclient_tick(&rc, 0, capture, NULL);
	ck_assert_uint_eq(n_sent, 2); /* one register per registry */
	/* The request is sealed to the registry's key and says page NONE. */
	ck_assert_int_eq(seal_peek(last_msg, last_len, &h), 0);
	ck_assert_uint_eq(h.type, PROTO_T_REG_REQ);
	bl = seal_open(body, sizeof(body), last_msg, last_len, &reg_key);
	ck_assert_int_ge(bl, 0);
	ck_assert_int_eq(proto_dec_reg_req(body, (size_t)bl, &req), 0);
	ck_assert_uint_eq(req.page, PROTO_PAGE_NONE);
	/* Registry 0 answers: registered; stale version -> fetch page 0. */
	n = make_resp(msg, PROTO_PAGE_NONE, 0, 5, ep4(1, 1, 1, 1, 40000), NULL);
	ev = regclient_input(&rc, 10, 0, 0, msg, n, capture, NULL);
	ck_assert_int_eq(ev, RC_EV_REGISTERED);
	ck_assert(rc.fetching);
	bl = seal_open(body, sizeof(body), last_msg, last_len, &reg_key);
	ck_assert_int_eq(proto_dec_reg_req(body, (size_t)bl, &req), 0);
	ck_assert_uint_eq(req.page, 0);
	/* The same datagram again is a replay. */
	ck_assert_int_eq(regclient_input(&rc, 11, 0, 0, msg, n, capture, NULL), -1);
	ck_assert_uint_eq(rc.stats.rx_replay, 1);
	/* Two pages. */
	n = make_resp(msg, 0, 2, 5, ep4(1, 1, 1, 1, 40000), "A hub");
	ck_assert_int_eq(regclient_input(&rc, 20, 0, 0, msg, n, capture, NULL), 0);
	n = make_resp(msg, 1, 2, 5, ep4(1, 1, 1, 1, 40000), "B hub");
	ck_assert_int_eq(regclient_input(&rc, 21, 0, 0, msg, n, capture, NULL), RC_EV_PEERS);
	ck_assert_uint_eq(rc.peers.n, 2);
	ck_assert_uint_eq(rc.version, 5);
	ck_assert_str_eq(rc.peers.v[1].info.name, "B hub");
	/* NAT: only one registry seen -> unknown; the other sees another port. */
	ck_assert_uint_eq(regclient_nat(&rc, 0), PROTO_NAT_UNKNOWN);
	n = make_resp(msg, PROTO_PAGE_NONE, 0, 5, ep4(1, 1, 1, 1, 40001), NULL);
	ck_assert_int_eq(regclient_input(&rc, 30, 0, 1, msg, n, capture, NULL), RC_EV_REGISTERED);
	ck_assert_uint_eq(regclient_nat(&rc, 0), PROTO_NAT_UNFRIENDLY);
	ck_assert(regclient_connected(&rc, 0, 30));
	/* Garbage and a message under another key are dropped and counted. */
	memset(msg, 0x11, 100);
	ck_assert_int_eq(regclient_input(&rc, 31, 0, 0, msg, 10, capture, NULL), -1);
	ck_assert_uint_eq(rc.stats.rx_short, 1);
	/* A push: re-register everywhere and refetch. */
	{
		struct proto_push p = { 77, 6, PROTO_PUSH_CONFIG };
		uint8_t pb[32];
		size_t pn = proto_enc_push(pb, sizeof(pb), &p);

		n = reg_seal(msg, PROTO_T_PUSH, pb, pn);
		n_sent = 0;
		ev = regclient_input(&rc, 40, 0, 1, msg, n, capture, NULL);
		ck_assert_int_eq(ev, RC_EV_PUSH);
		ck_assert(rc.fetching);
		ck_assert_uint_ge(n_sent, 2);
		/* A second push during the download does not restart it ... */
		rc.fetch_page = 1;
		n = reg_seal(msg, PROTO_T_PUSH, pb, pn);
		ck_assert_int_eq(regclient_input(&rc, 41, 0, 1, msg, n, capture, NULL), RC_EV_PUSH);
		ck_assert_uint_eq(rc.fetch_page, 1);
		ck_assert(rc.refetch);
	}
	regclient_free(&rc);
}
END_TEST

START_TEST(regclient_disconnect_and_purge)
{
	static struct regclient rc;
	uint8_t msg[PROTO_MAX_MSG];
	size_t n;

	rc_setup(&rc, 1);
	regclient_tick(&rc, 0, capture, NULL);
	n = make_resp(msg, PROTO_PAGE_NONE, 0, 5, ep4(1, 1, 1, 1, 40000), NULL);
	regclient_input(&rc, 0, 0, 0, msg, n, capture, NULL);
	n = make_resp(msg, 0, 1, 5, ep4(1, 1, 1, 1, 40000), "H");
	ck_assert_int_eq(regclient_input(&rc, 0, 0, 0, msg, n, capture, NULL), RC_EV_PEERS);
	ck_assert(regclient_connected(&rc, 0, 6000));
	/* Keepalives go unanswered: disconnected after 6 intervals (1 s each). */
	for (uint64_t t = 0; t <= 6500; t += 100)
		regclient_tick(&rc, t, capture, NULL);
	ck_assert(!regclient_connected(&rc, 0, 6500));
	ck_assert_uint_eq(rc.link[0][0].state, RC_REGISTERING);
	/* Peers survive the registry's loss until purge_ms (10 s) ... */
	ck_assert_uint_eq(regclient_purge(&rc, 9000), 0);
	ck_assert_uint_eq(rc.peers.n, 1);
	/* ... then go. */
	ck_assert_uint_eq(regclient_purge(&rc, 10001), 1);
	ck_assert_uint_eq(rc.peers.n, 0);
	regclient_free(&rc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("proto");
	TCase *tc = tcase_create("proto");

	tcase_add_test(tc, reg_req_roundtrip);
	tcase_add_test(tc, keepalive_roundtrip);
	tcase_add_test(tc, ack_push_roundtrip);
	tcase_add_test(tc, reg_resp_roundtrip);
	tcase_add_test(tc, subnet_validation);
	tcase_add_test(tc, paging);
	tcase_add_test(tc, nat_classification);
	tcase_add_test(tc, regclient_flow);
	tcase_add_test(tc, regclient_disconnect_and_purge);
	return unit_run(s, tc);
}
