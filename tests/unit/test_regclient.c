// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/lib/wire/regclient.c: the gateway's registration
 * state machine, driven by hand-made registry answers.
 */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "base/clock.h"
#include "wire/regclient.h"

#include "unit_proto.h"

static uint8_t reg_sk[32], reg_pk[32], gw_sk[32], gw_pk[32];
static struct seal_key reg_key;
static struct seal_counter reg_ctr;
static uint32_t reg_sid = 77; /* the registry's seal sender id (its life) */
/* What the registry says about the gateway itself (page 0, register-only). */
static struct proto_self resp_self = { .flags = PROTO_SELF_ACTIVE_ACTIVE, .purge_s = 3600 };
static uint8_t last_msg[PROTO_MAX_MSG];
static size_t last_len;
static unsigned int last_reg, n_sent;

static uint8_t ka_msg[PROTO_MAX_MSG]; /* the last keepalive */
static size_t ka_len;

/* Of the last REG_REQ to each registry, register-only and for a page: echoed. */
static uint64_t req_nonce[2], page_nonce[2];

static void capture(void *ctx, unsigned int ul, unsigned int reg, const uint8_t *msg, size_t len)
{
	if (msg[0] == PROTO_T_REG_REQ) {
		uint8_t body[PROTO_MAX_MSG];
		struct proto_reg_req m;
		ssize_t n = seal_open(body, sizeof(body), msg, len, &reg_key);

		ck_assert_int_ge(n, 0);
		ck_assert_int_eq(proto_dec_reg_req(body, (size_t)n, &m), 0);
		ck_assert_uint_ne(m.nonce, 0);
		if (m.page == PROTO_PAGE_NONE)
			req_nonce[reg] = m.nonce;
		else
			page_nonce[reg] = m.nonce;
	}
	if (msg[0] == PROTO_T_KEEPALIVE) {
		memcpy(ka_msg, msg, len);
		ka_len = len;
	}
	memcpy(last_msg, msg, len);
	last_len = len;
	last_reg = reg;
	n_sent++;
}

/* Registry @reg's message (its id reg + 1 in the header). */
static size_t reg_seal(uint8_t *out, uint8_t type, const uint8_t *body, size_t n, unsigned int reg)
{
	struct seal_hdr h = { .type = type,
			      .from = (uint8_t)(reg + 1),
			      .sender_id = reg_sid,
			      .sender_pk = reg_pk,
			      .counter = seal_next_counter(&reg_ctr) };
	ssize_t len = seal_msg_hdr(out, PROTO_MAX_MSG, &h, &reg_key, body, n);

	ck_assert_int_gt(len, 0);
	return (size_t)len;
}

static uint16_t resp_echo_port; /* what the registry announces */
static uint32_t resp_keepalive_ms = 1000;

static size_t make_resp_from(uint8_t *out, unsigned int reg, uint16_t page, uint16_t pages,
			     uint64_t version, struct endpoint seen, const char *peer)
{
	struct proto_reg_resp h = { .registry_id = 77,
				    .version = version,
				    .keepalive_ms = resp_keepalive_ms,
				    .uplink = 0,
				    .role = PROTO_ROLE_SPOKE,
				    .page = page,
				    .page_count = pages,
				    .echo_port = resp_echo_port,
				    .observed = seen };
	struct proto_resp_writer w;
	uint8_t body[PROTO_MAX_BODY];
	struct proto_peer p = { .role = PROTO_ROLE_HUB, .hub_prio = 1 };
	struct proto_subnet s = sub4(10, 10, 0, 16, PROTO_SUB_ROUTE);

	proto_resp_begin(&w, body, sizeof(body), &h);
	if (page == 0 || page == PROTO_PAGE_NONE)
		ck_assert_int_eq(proto_resp_add_self(&w, &resp_self), 0);
	if (peer) {
		strcpy(p.name, peer);
		memset(p.pk, peer[0], 32);
		proto_resp_add_peer(&w, &p, &s, 1);
	}
	/* The last request's of its kind. */
	ck_assert_int_eq(
		proto_resp_end(&w, page == PROTO_PAGE_NONE ? req_nonce[reg] : page_nonce[reg]), 0);
	return reg_seal(out, PROTO_T_REG_RESP, body, w.len, reg);
}

#define make_resp(out, ...) make_resp_from(out, 0, __VA_ARGS__)

static struct regclient_cfg rc_cfg; /* of the last rc_setup(), for a restart */

static void rc_setup(struct regclient *rc, unsigned int n_reg)
{
	struct regclient_cfg cfg = {
		.n_registries = n_reg, .n_uplinks = 1, .retry_ms = 100, .purge_ms = 10000
	};

	seal_init();
	crypto_box_keypair(reg_pk, reg_sk);
	crypto_box_keypair(gw_pk, gw_sk);
	seal_precompute(&reg_key, gw_pk, reg_sk, reg_pk);
	memcpy(cfg.sk, gw_sk, 32);
	memcpy(cfg.pk, gw_pk, 32);
	memcpy(cfg.registry_pk, reg_pk, 32);
	cfg.local[0] = ep4(10, 0, 0, 5, 40000);
	rc_cfg = cfg;
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
	ssize_t bl;
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
	/* Addressed to the second registry (id 2) only (issue 9 #14). */
	ck_assert_uint_eq(h.to, 2);
	ck_assert_uint_eq(h.from, 0);
	/* Registry 0 answers: registered; stale version -> fetch page 0. */
	n = make_resp(msg, PROTO_PAGE_NONE, 0, 5, ep4(1, 1, 1, 1, 40000), NULL);
	ev = regclient_input(&rc, 10, 0, 0, msg, n, capture, NULL);
	ck_assert_int_eq(ev, REGCLIENT_EV_REGISTERED | REGCLIENT_EV_SELF);
	ck_assert(rc.fetching);
	bl = seal_open(body, sizeof(body), last_msg, last_len, &reg_key);
	ck_assert_int_eq(proto_dec_reg_req(body, (size_t)bl, &req), 0);
	ck_assert_uint_eq(req.page, 0);
	/* The same datagram again is a replay. */
	ck_assert_int_eq(regclient_input(&rc, 11, 0, 0, msg, n, capture, NULL), -EALREADY);
	ck_assert_uint_eq(rc.stats.rx_replay, 1);
	/* Two pages. */
	n = make_resp(msg, 0, 2, 5, ep4(1, 1, 1, 1, 40000), "A hub");
	ck_assert_int_eq(regclient_input(&rc, 20, 0, 0, msg, n, capture, NULL), 0);
	n = make_resp(msg, 1, 2, 5, ep4(1, 1, 1, 1, 40000), "B hub");
	ck_assert_int_eq(regclient_input(&rc, 21, 0, 0, msg, n, capture, NULL), REGCLIENT_EV_PEERS);
	ck_assert_uint_eq(rc.peers.n, 2);
	ck_assert_uint_eq(rc.version, 5);
	ck_assert_str_eq(rc.peers.v[1].info.name, "B hub");
	/* NAT: only one registry seen -> unknown; the other sees another port. */
	ck_assert_uint_eq(regclient_nat(&rc, 0), PROTO_NAT_UNKNOWN);
	/* Registry 1's answer presented as registry 2's (same key): refused. */
	n = make_resp(msg, PROTO_PAGE_NONE, 0, 5, ep4(1, 1, 1, 1, 40001), NULL);
	ck_assert_int_eq(regclient_input(&rc, 30, 0, 1, msg, n, capture, NULL), -ENXIO);
	ck_assert_uint_eq(rc.stats.rx_misdirected, 1);
	n = make_resp_from(msg, 1, PROTO_PAGE_NONE, 0, 5, ep4(1, 1, 1, 1, 40001), NULL);
	ck_assert_int_eq(regclient_input(&rc, 30, 0, 1, msg, n, capture, NULL),
			 REGCLIENT_EV_REGISTERED);
	ck_assert_uint_eq(regclient_nat(&rc, 0), PROTO_NAT_UNFRIENDLY);
	ck_assert(regclient_connected(&rc, 0, 30));
	/* Garbage and a message under another key are dropped and counted. */
	memset(msg, 0x11, 100);
	ck_assert_int_eq(regclient_input(&rc, 31, 0, 0, msg, 10, capture, NULL), -EBADMSG);
	ck_assert_uint_eq(rc.stats.rx_short, 1);
	/* A message under a key that is not the registry's. */
	n = (size_t)seal_msg(msg, sizeof(msg), PROTO_T_PUSH, 77, gw_pk, seal_next_counter(&reg_ctr),
			     &reg_key, NULL, 0);
	ck_assert_int_eq(regclient_input(&rc, 31, 0, 0, msg, n, capture, NULL), -EPERM);
	ck_assert_uint_eq(rc.stats.rx_auth, 1);
	/* No such uplink or registry. */
	ck_assert_int_eq(regclient_input(&rc, 31, 1, 0, msg, 10, capture, NULL), -EINVAL);
	ck_assert_int_eq(regclient_input(&rc, 31, 0, 2, msg, 10, capture, NULL), -EINVAL);
	/* A push: re-register everywhere and refetch. */
	{
		struct proto_push p = { 77, 6, PROTO_PUSH_CONFIG };
		uint8_t pb[32];
		size_t pn = (size_t)proto_enc_push(pb, sizeof(pb), &p);

		n = reg_seal(msg, PROTO_T_PUSH, pb, pn, 1);
		n_sent = 0;
		ev = regclient_input(&rc, 40, 0, 1, msg, n, capture, NULL);
		ck_assert_int_eq(ev, REGCLIENT_EV_PUSH);
		ck_assert(rc.fetching);
		ck_assert_uint_ge(n_sent, 2);
		/* A second push during the download does not restart it ... */
		rc.fetch_page = 1;
		n = reg_seal(msg, PROTO_T_PUSH, pb, pn, 1);
		ck_assert_int_eq(regclient_input(&rc, 41, 0, 1, msg, n, capture, NULL),
				 REGCLIENT_EV_PUSH);
		ck_assert_uint_eq(rc.fetch_page, 1);
		ck_assert(rc.refetch);
	}
	/*
	 * Two keepalive answers of registry 2, the older one overtaken: it
	 * still counts as an answer, but the newer one's observed endpoint
	 * (which the NAT type is made from) stays.
	 */
	{
		struct proto_keepalive_ack a = { .registry_id = 77, .version = 5, .uplink = 0 };
		uint8_t ab[64], older[PROTO_MAX_MSG];
		size_t on;

		a.observed = ep4(1, 1, 1, 1, 40005);
		on = reg_seal(older, PROTO_T_KEEPALIVE_ACK, ab,
			      (size_t)proto_enc_keepalive_ack(ab, sizeof(ab), &a), 1);
		a.observed = ep4(1, 1, 1, 1, 40006);
		n = reg_seal(msg, PROTO_T_KEEPALIVE_ACK, ab,
			     (size_t)proto_enc_keepalive_ack(ab, sizeof(ab), &a), 1);
		ck_assert_int_eq(regclient_input(&rc, 50, 0, 1, msg, n, capture, NULL), 0);
		ck_assert_int_eq(regclient_input(&rc, 51, 0, 1, older, on, capture, NULL), 0);
		ck_assert_uint_eq(rc.link[0][1].observed.port, 40006);
		ck_assert_uint_eq(rc.link[0][1].last_rx_ms, 51);
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
	ck_assert_int_eq(regclient_input(&rc, 0, 0, 0, msg, n, capture, NULL), REGCLIENT_EV_PEERS);
	ck_assert(regclient_connected(&rc, 0, 6000));
	/* Keepalives go unanswered: disconnected after 6 intervals (1 s each). */
	for (uint64_t t = 0; t <= 6500; t += 100)
		regclient_tick(&rc, t, capture, NULL);
	ck_assert(!regclient_connected(&rc, 0, 6500));
	ck_assert_uint_eq(rc.link[0][0].state, REGCLIENT_REGISTERING);
	/* Peers survive the registry's loss until purge_ms (10 s) ... */
	ck_assert_uint_eq(regclient_purge(&rc, 9000), 0);
	ck_assert_uint_eq(rc.peers.n, 1);
	/* ... then go. */
	ck_assert_uint_eq(regclient_purge(&rc, 10001), 1);
	ck_assert_uint_eq(rc.peers.n, 0);
	regclient_free(&rc);
}
END_TEST

/*
 * Issue 9 #17, both ends: our clock stepped back (it ran ahead): the next
 * message starts a new life (new sender id, counter from the clock); and a
 * registry that restarted with its clock put right is accepted, while the
 * answers of its previous life are not.
 */
START_TEST(regclient_clock_back)
{
	static struct regclient rc;
	uint8_t msg[PROTO_MAX_MSG], old[PROTO_MAX_MSG];
	uint64_t now = clock_realtime_ns();
	struct seal_hdr h;
	uint32_t sid;
	size_t n, on;

	rc_setup(&rc, 1);
	sid = rc.cfg.sender_id;
	rc.ctr.last = now + 300 * CLOCK_NS_PER_SEC;
	regclient_tick(&rc, 0, capture, NULL);
	ck_assert_int_eq(seal_peek(last_msg, last_len, &h), 0);
	ck_assert_uint_ne(h.sender_id, sid);
	ck_assert_uint_lt(h.counter, now + 10 * CLOCK_NS_PER_SEC);
	ck_assert_uint_eq(rc.stats.new_lives, 1);
	/* A registry whose clock was 5 minutes ahead answers ... */
	reg_ctr.last = now + 300 * CLOCK_NS_PER_SEC;
	on = make_resp(old, PROTO_PAGE_NONE, 0, 5, ep4(1, 1, 1, 1, 40000), NULL);
	n = make_resp(msg, PROTO_PAGE_NONE, 0, 5, ep4(1, 1, 1, 1, 40000), NULL);
	ck_assert_int_eq(regclient_input(&rc, 10, 0, 0, msg, n, capture, NULL),
			 REGCLIENT_EV_REGISTERED | REGCLIENT_EV_SELF);
	/* ... then restarts with the right time: a new sender id (77 -> 78). */
	reg_ctr.last = 0;
	reg_sid = 78;
	n = make_resp(msg, PROTO_PAGE_NONE, 0, 5, ep4(1, 1, 1, 1, 40000), NULL);
	ck_assert_int_eq(regclient_input(&rc, 20, 0, 0, msg, n, capture, NULL), 0);
	/* Its previous life's answers are refused, even one we never saw. */
	ck_assert_int_eq(regclient_input(&rc, 21, 0, 0, old, on, capture, NULL), -ESTALE);
	reg_sid = 77;
	regclient_free(&rc);
}
END_TEST

/*
 * A restarted gateway takes answers only to its own requests: recordings of
 * the answers its previous life got (an older peer list, say with a key the
 * operator has since replaced) are refused, though they are sealed by the
 * registry and fresh by the clock, and they leave no trace in the replay
 * state; the answer to this life's request is taken, however late (the
 * nonce is the life's, not the request's). Other messages of a registry
 * life no answer proved are refused and make the link ask again.
 */
START_TEST(regclient_answers_only_what_was_asked)
{
	static struct regclient rc;
	static uint8_t rec[4][PROTO_MAX_MSG];
	uint8_t msg[PROTO_MAX_MSG];
	size_t rn[4], n;
	uint64_t life1;

	rc_setup(&rc, 1);
	regclient_tick(&rc, 0, capture, NULL);
	life1 = req_nonce[0];
	rn[0] = make_resp(rec[0], PROTO_PAGE_NONE, 0, 5, ep4(1, 1, 1, 1, 40000), NULL);
	ck_assert_int_eq(regclient_input(&rc, 10, 0, 0, rec[0], rn[0], capture, NULL),
			 REGCLIENT_EV_REGISTERED | REGCLIENT_EV_SELF);
	rn[1] = make_resp(rec[1], 0, 2, 5, ep4(1, 1, 1, 1, 40000), "Old hub");
	ck_assert_int_eq(regclient_input(&rc, 11, 0, 0, rec[1], rn[1], capture, NULL), 0);
	rn[2] = make_resp(rec[2], 1, 2, 5, ep4(1, 1, 1, 1, 40000), "B hub");
	ck_assert_int_eq(regclient_input(&rc, 12, 0, 0, rec[2], rn[2], capture, NULL),
			 REGCLIENT_EV_PEERS);
	ck_assert_uint_eq(rc.peers.n, 2);
	{ /* and a keepalive answer */
		struct proto_keepalive_ack a = { .registry_id = 77,
						 .version = 5,
						 .uplink = 0,
						 .observed = ep4(1, 1, 1, 1, 40000) };
		uint8_t ab[64];
		ssize_t an = proto_enc_keepalive_ack(ab, sizeof(ab), &a);

		ck_assert_int_gt(an, 0);
		rn[3] = reg_seal(rec[3], PROTO_T_KEEPALIVE_ACK, ab, (size_t)an, 0);
		ck_assert_int_eq(regclient_input(&rc, 13, 0, 0, rec[3], rn[3], capture, NULL), 0);
	}

	/* The gateway restarts (same keys); the recordings come back. */
	regclient_free(&rc);
	ck_assert_int_eq(regclient_init(&rc, &rc_cfg, 0), 0);
	regclient_tick(&rc, 0, capture, NULL);
	ck_assert_uint_ne(req_nonce[0], life1); /* a nonce of this life */
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(regclient_input(&rc, 20, 0, 0, rec[i], rn[i], capture, NULL),
				 -ESTALE);
	ck_assert_uint_eq(rc.stats.rx_unasked, 3);
	ck_assert_uint_eq(rc.stats.rx_unproven, 1);
	ck_assert_uint_eq(rc.rs[0].win.top, 0); /* no trace */
	ck_assert_uint_ne(rc.link[0][0].state, REGCLIENT_REGISTERED);
	ck_assert_uint_eq(rc.peers.n, 0);
	ck_assert_uint_eq(rc.version, 0);

	/* Five retransmits later, the answer to the first request still counts. */
	for (int i = 1; i <= 5; i++)
		regclient_tick(&rc, (uint64_t)i * 1000, capture, NULL);
	n = make_resp(msg, PROTO_PAGE_NONE, 0, 6, ep4(1, 1, 1, 1, 40000), NULL);
	ck_assert_int_eq(regclient_input(&rc, 5010, 0, 0, msg, n, capture, NULL),
			 REGCLIENT_EV_REGISTERED | REGCLIENT_EV_SELF);
	ck_assert_uint_eq(rc.stats.rx_unasked, 3);

	/*
	 * The registry restarts (a new life, 77 -> 79): its keepalive answer
	 * is not taken until an answer to our nonce proves the life; the link
	 * asks again at once (a REG_REQ, not a keepalive).
	 */
	reg_sid = 79;
	{
		struct proto_keepalive_ack a = { .registry_id = 77,
						 .version = 6,
						 .uplink = 0,
						 .observed = ep4(1, 1, 1, 1, 40000) };
		uint8_t ab[64], body[PROTO_MAX_MSG];
		ssize_t an = proto_enc_keepalive_ack(ab, sizeof(ab), &a), bl;

		n = reg_seal(msg, PROTO_T_KEEPALIVE_ACK, ab, (size_t)an, 0);
		ck_assert_int_eq(regclient_input(&rc, 6000, 0, 0, msg, n, capture, NULL), -ESTALE);
		ck_assert_uint_eq(rc.stats.rx_unproven, 2);
		ck_assert_uint_eq(rc.link[0][0].reregister, 1);
		n_sent = 0;
		regclient_tick(&rc, 6000, capture, NULL);
		ck_assert_uint_ge(n_sent, 1);
		/* a register (retried after retry_ms), not a keepalive */
		ck_assert_uint_eq(rc.link[0][0].next_tx_ms, 6000 + rc_cfg.retry_ms);
		ck_assert_uint_eq(last_msg[0], PROTO_T_REG_REQ);
		bl = seal_open(body, sizeof(body), last_msg, last_len, &reg_key);
		ck_assert_int_ge(bl, 0);
	}
	n = make_resp(msg, PROTO_PAGE_NONE, 0, 6, ep4(1, 1, 1, 1, 40000), NULL);
	ck_assert_int_eq(regclient_input(&rc, 6010, 0, 0, msg, n, capture, NULL), 0);
	ck_assert_uint_eq(rc.rs[0].sid, 79);
	ck_assert_uint_eq(rc.link[0][0].reregister, 0);
	reg_sid = 77;
	regclient_free(&rc);
}
END_TEST

/*
 * Our own settings (SELF): known from the first register answer, replaced
 * with a new config version's when its peer list is complete, and the
 * org's purge time applies unless the caller set one.
 */
START_TEST(regclient_self_settings)
{
	static struct regclient rc;
	struct regclient_cfg cfg = { .n_registries = 1, .n_uplinks = 1, .retry_ms = 100 };
	uint8_t msg[PROTO_MAX_MSG];
	size_t n;

	rc_setup(&rc, 1); /* for the keys */
	regclient_free(&rc);
	memcpy(cfg.sk, gw_sk, 32);
	memcpy(cfg.pk, gw_pk, 32);
	memcpy(cfg.registry_pk, reg_pk, 32);
	ck_assert_int_eq(regclient_init(&rc, &cfg, 0), 0);
	ck_assert_ptr_null(regclient_self(&rc));
	ck_assert_uint_eq(rc.cfg.purge_ms, REGCLIENT_DEFAULT_PURGE_MS);
	regclient_tick(&rc, 0, capture, NULL);
	n = make_resp(msg, PROTO_PAGE_NONE, 0, 5, ep4(1, 1, 1, 1, 40000), NULL);
	ck_assert_int_eq(regclient_input(&rc, 10, 0, 0, msg, n, capture, NULL),
			 REGCLIENT_EV_REGISTERED | REGCLIENT_EV_SELF);
	ck_assert_ptr_nonnull(regclient_self(&rc));
	ck_assert_uint_eq(regclient_self(&rc)->purge_s, 3600);
	ck_assert_uint_eq(rc.cfg.purge_ms, 3600000);
	ck_assert_uint_eq(regclient_nat(&rc, 0), PROTO_NAT_UNKNOWN);
	/* The same settings again: no event. */
	n = make_resp(msg, 0, 1, 5, ep4(1, 1, 1, 1, 40000), "H");
	ck_assert_int_eq(regclient_input(&rc, 11, 0, 0, msg, n, capture, NULL), REGCLIENT_EV_PEERS);
	/* Version 6 says: manual NAT. Not from a register-only answer ... */
	resp_self.flags |= PROTO_SELF_MANUAL_NAT;
	resp_self.n_manual = 1;
	resp_self.manual[0] = ep4(203, 0, 113, 10, 51625);
	resp_self.purge_s = 60;
	n = make_resp(msg, PROTO_PAGE_NONE, 0, 6, ep4(1, 1, 1, 1, 40000), NULL);
	ck_assert_int_eq(regclient_input(&rc, 20, 0, 0, msg, n, capture, NULL), 0);
	ck_assert(!(regclient_self(&rc)->flags & PROTO_SELF_MANUAL_NAT));
	/* ... but with version 6's complete peer list. */
	n = make_resp(msg, 0, 1, 6, ep4(1, 1, 1, 1, 40000), "H");
	ck_assert_int_eq(regclient_input(&rc, 21, 0, 0, msg, n, capture, NULL),
			 REGCLIENT_EV_PEERS | REGCLIENT_EV_SELF);
	ck_assert_uint_eq(regclient_self(&rc)->n_manual, 1);
	ck_assert_uint_eq(regclient_nat(&rc, 0), PROTO_NAT_MANUAL);
	ck_assert_uint_eq(rc.cfg.purge_ms, 60000);
	resp_self = (struct proto_self){ .flags = PROTO_SELF_ACTIVE_ACTIVE, .purge_s = 3600 };
	regclient_free(&rc);
}
END_TEST

static uint8_t echo_msg[PROTO_MAX_MSG];
static size_t echo_len;
static unsigned int n_echo;
static uint16_t echo_to;

static void capture_port(void *ctx, unsigned int ul, unsigned int reg, uint16_t port,
			 const uint8_t *msg, size_t len)
{
	memcpy(echo_msg, msg, len);
	echo_len = len;
	echo_to = port;
	n_echo++;
}

/* The registry's answer to the last echo request. */
static size_t echo_answer(uint8_t *out)
{
	uint8_t body[PROTO_MAX_MSG];
	struct proto_echo e;
	struct proto_echo_reply a = { .registry_id = 1, .observed = ep4(1, 1, 1, 1, 40000) };
	ssize_t bl = seal_open(body, sizeof(body), echo_msg, echo_len, &reg_key);

	ck_assert_int_gt(bl, 0);
	ck_assert_int_eq(proto_dec_echo(body, (size_t)bl, &e), 0);
	a.uplink = e.uplink;
	a.seq = e.seq;
	bl = proto_enc_echo_reply(body, sizeof(body), &a);
	return reg_seal(out, PROTO_T_ECHO_REPLY, body, (size_t)bl, 0);
}

/*
 * High-port echo: once registered with a registry that has an echo port,
 * a request goes there; its answer makes the uplink "ok". A later test that
 * gets no answer in REGCLIENT_ECHO_TRIES tries makes it "blocked"; both are
 * events, and the keepalives report the result.
 */
START_TEST(regclient_echo_test)
{
	static struct regclient rc;
	uint8_t msg[PROTO_MAX_MSG], body[PROTO_MAX_MSG];
	struct proto_keepalive ka;
	uint64_t t;
	ssize_t bl;
	size_t n;
	int ev = 0;

	rc_setup(&rc, 1);
	rc.cfg.send_port = capture_port;
	n_echo = 0;
	resp_echo_port = 40001;
	regclient_tick(&rc, 0, capture, NULL);
	n = make_resp(msg, PROTO_PAGE_NONE, 0, 5, ep4(1, 1, 1, 1, 40000), NULL);
	regclient_input(&rc, 10, 0, 0, msg, n, capture, NULL);
	ck_assert_uint_eq(regclient_echo_port(&rc, 0), 40001);
	ck_assert_uint_eq(n_echo, 1);
	ck_assert_uint_eq(echo_to, 40001);
	ck_assert_uint_eq(regclient_echo(&rc, 0), PROTO_ECHO_UNKNOWN);
	/* A reply to something else is refused; the right one makes it ok. */
	n = echo_answer(msg);
	ck_assert_int_eq(regclient_input(&rc, 20, 0, 0, msg, n, capture, NULL), REGCLIENT_EV_ECHO);
	ck_assert_uint_eq(regclient_echo(&rc, 0), PROTO_ECHO_OK);
	ck_assert_int_eq(regclient_input(&rc, 21, 0, 0, msg, n, capture, NULL), -EALREADY);
	/* The keepalive says so. */
	ka_len = 0;
	for (t = 21; t < 1100 && !ka_len; t += 50)
		regclient_tick(&rc, t, capture, NULL);
	bl = seal_open(body, sizeof(body), ka_msg, ka_len, &reg_key);
	ck_assert_int_gt(bl, 0);
	ck_assert_int_eq(proto_dec_keepalive(body, (size_t)bl, &ka), 0);
	ck_assert_uint_eq(ka.echo, PROTO_ECHO_OK);
	/* The next test, REGCLIENT_ECHO_EVERY keepalives (1 s) later, gets nothing. */
	n_echo = 0;
	for (t = 1100; t < 20 + 6 * 1000 + 4 * 100 + 10; t += 10) {
		/* keep the link alive meanwhile */
		if (t % 500 == 0) {
			struct proto_keepalive_ack a = { 1, 5, 0, ep4(1, 1, 1, 1, 40000) };

			bl = proto_enc_keepalive_ack(body, sizeof(body), &a);
			n = reg_seal(msg, PROTO_T_KEEPALIVE_ACK, body, (size_t)bl, 0);
			regclient_input(&rc, t, 0, 0, msg, n, NULL, NULL);
		}
		ev |= regclient_tick(&rc, t, capture, NULL);
	}
	ck_assert_uint_eq(n_echo, REGCLIENT_ECHO_TRIES);
	ck_assert_int_eq(ev, REGCLIENT_EV_ECHO);
	ck_assert_uint_eq(regclient_echo(&rc, 0), PROTO_ECHO_BLOCKED);
	ck_assert_uint_eq(rc.stats.echoes, 1 + REGCLIENT_ECHO_TRIES);
	resp_echo_port = 0;
	regclient_free(&rc);
}
END_TEST

/*
 * DIAG: asked over a registered link; the answer to the question is an
 * event and kept; an answer to another question is refused.
 */
START_TEST(regclient_diag_question)
{
	static struct regclient rc;
	uint8_t msg[PROTO_MAX_MSG], body[PROTO_MAX_MSG], peer[32];
	struct proto_diag_req q;
	struct proto_diag_resp a;
	const struct proto_diag_resp *got;
	uint64_t at;
	ssize_t bl;
	size_t n;

	memset(peer, 0x42, 32);
	rc_setup(&rc, 1);
	ck_assert_int_eq(regclient_diag(&rc, 0, peer, capture, NULL), -ENOTCONN);
	regclient_tick(&rc, 0, capture, NULL);
	n = make_resp(msg, PROTO_PAGE_NONE, 0, 5, ep4(1, 1, 1, 1, 40000), NULL);
	regclient_input(&rc, 10, 0, 0, msg, n, capture, NULL);
	ck_assert_int_eq(regclient_diag(&rc, 20, peer, capture, NULL), 1);
	ck_assert_uint_eq(last_msg[0], PROTO_T_DIAG_REQ);
	bl = seal_open(body, sizeof(body), last_msg, last_len, &reg_key);
	ck_assert_int_eq(proto_dec_diag_req(body, (size_t)bl, &q), 0);
	ck_assert_mem_eq(q.peer_pk, peer, 32);
	ck_assert_ptr_null(regclient_diag_answer(&rc, 0, NULL));
	memset(&a, 0, sizeof(a));
	a.seq = q.seq + 1; /* another question's */
	memcpy(a.peer_pk, peer, 32);
	a.status = PROTO_DIAG_NEVER;
	a.last_seen_s = PROTO_DIAG_NONE;
	bl = proto_enc_diag_resp(body, sizeof(body), &a);
	n = reg_seal(msg, PROTO_T_DIAG_RESP, body, (size_t)bl, 0);
	ck_assert_int_eq(regclient_input(&rc, 30, 0, 0, msg, n, NULL, NULL), -EPROTO);
	a.seq = q.seq;
	bl = proto_enc_diag_resp(body, sizeof(body), &a);
	n = reg_seal(msg, PROTO_T_DIAG_RESP, body, (size_t)bl, 0);
	ck_assert_int_eq(regclient_input(&rc, 31, 0, 0, msg, n, NULL, NULL), REGCLIENT_EV_DIAG);
	got = regclient_diag_answer(&rc, 0, &at);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(got->status, PROTO_DIAG_NEVER);
	ck_assert_uint_eq(at, 31);
	ck_assert_ptr_null(regclient_diag_answer(&rc, 1, NULL));
	/* Answered once: the same answer again is an unexpected one. */
	n = reg_seal(msg, PROTO_T_DIAG_RESP, body, (size_t)bl, 0);
	ck_assert_int_eq(regclient_input(&rc, 32, 0, 0, msg, n, NULL, NULL), -EPROTO);
	regclient_free(&rc);
}
END_TEST

/* Registry @reg's KEEPALIVE_ACK saying it has config @version. */
static size_t ack_from(uint8_t *out, unsigned int reg, uint64_t version)
{
	struct proto_keepalive_ack a = { .registry_id = 77, .version = version, .uplink = 0 };
	uint8_t ab[64];

	a.observed = ep4(1, 1, 1, 1, 40000);
	return reg_seal(out, PROTO_T_KEEPALIVE_ACK, ab,
			(size_t)proto_enc_keepalive_ack(ab, sizeof(ab), &a), reg);
}

/*
 * The two registries have different config versions (one reloaded, the
 * other not yet, or it failed to). The gateway follows the first one, for
 * 10 minutes of keepalives from both; it used to fetch from whichever
 * answered last, on every keepalive, tearing down the peers only one
 * version has and setting them up again. A push of the second fetches from
 * the first; the first's new version is fetched from its keepalive answer
 * (its push was lost); once the first is gone, the second's is fetched.
 */
START_TEST(regclient_registries_disagree)
{
	static struct regclient rc;
	uint8_t msg[PROTO_MAX_MSG];
	uint64_t t;
	size_t n;

	rc_setup(&rc, 2);
	regclient_tick(&rc, 0, capture, NULL); /* a REG_REQ to each */
	n = make_resp_from(msg, 0, PROTO_PAGE_NONE, 0, 5, ep4(1, 1, 1, 1, 40000), NULL);
	ck_assert_int_ge(regclient_input(&rc, 10, 0, 0, msg, n, capture, NULL), 0);
	ck_assert(rc.fetching);
	n = make_resp_from(msg, 0, 0, 1, 5, ep4(1, 1, 1, 1, 40000), "H");
	ck_assert_int_ge(regclient_input(&rc, 11, 0, 0, msg, n, capture, NULL), 0);
	ck_assert(!rc.fetching);
	ck_assert_uint_eq(rc.version, 5);
	n = make_resp_from(msg, 1, PROTO_PAGE_NONE, 0, 6, ep4(1, 1, 1, 1, 40000), NULL);
	ck_assert_int_ge(regclient_input(&rc, 12, 0, 1, msg, n, capture, NULL), 0);
	ck_assert(!rc.fetching);
	for (t = 1000; t < 600000; t += 1000) {
		regclient_tick(&rc, t, capture, NULL);
		for (unsigned int r = 0; r < 2; r++) {
			n = ack_from(msg, r, r ? 6 : 5);
			ck_assert_int_ge(
				regclient_input(&rc, t + 1 + r, 0, r, msg, n, capture, NULL), 0);
			ck_assert(!rc.fetching);
		}
	}
	ck_assert_uint_eq(rc.version, 5);
	ck_assert_uint_eq(rc.peers.v[0].confirmed_ms, t - 1000 + 1); /* by registry 1 */
	{
		struct proto_push p = { 77, 6, PROTO_PUSH_PEERS };
		uint8_t pb[32];

		n = reg_seal(msg, PROTO_T_PUSH, pb, (size_t)proto_enc_push(pb, sizeof(pb), &p), 1);
		ck_assert_int_eq(regclient_input(&rc, t, 0, 1, msg, n, capture, NULL),
				 REGCLIENT_EV_PUSH);
		ck_assert(rc.fetching);
		ck_assert_uint_eq(rc.fetch_reg, 0);
		n = make_resp_from(msg, 0, 0, 1, 5, ep4(1, 1, 1, 1, 40000), "H");
		ck_assert_int_ge(regclient_input(&rc, t + 1, 0, 0, msg, n, capture, NULL), 0);
		ck_assert(!rc.fetching);
		ck_assert_uint_eq(rc.version, 5);
	}
	/* Registry 1 reloads (version 7); its push is lost; its next answer. */
	t += 1000;
	n = ack_from(msg, 1, 6);
	ck_assert_int_ge(regclient_input(&rc, t, 0, 1, msg, n, capture, NULL), 0);
	ck_assert(!rc.fetching);
	n = ack_from(msg, 0, 7);
	ck_assert_int_ge(regclient_input(&rc, t + 1, 0, 0, msg, n, capture, NULL), 0);
	ck_assert(rc.fetching);
	ck_assert_uint_eq(rc.fetch_reg, 0);
	n = make_resp_from(msg, 0, 0, 1, 7, ep4(1, 1, 1, 1, 40000), "H");
	ck_assert_int_ge(regclient_input(&rc, t + 2, 0, 0, msg, n, capture, NULL), 0);
	ck_assert(!rc.fetching);
	ck_assert_uint_eq(rc.version, 7);
	/* Registry 1 (index 0) goes quiet: after 6 keepalives, 2's version. */
	for (t += 1000; !rc.fetching && t < 640000; t += 1000) {
		regclient_tick(&rc, t, capture, NULL);
		n = ack_from(msg, 1, 6);
		ck_assert_int_ge(regclient_input(&rc, t + 2, 0, 1, msg, n, capture, NULL), 0);
	}
	ck_assert(rc.fetching);
	ck_assert_uint_eq(rc.fetch_reg, 1);
	ck_assert_uint_ge(t, 602000 + 6000);
	regclient_free(&rc);
}
END_TEST

/*
 * A late answer to an earlier download's page 0 (a retransmit's, sent
 * before that download completed) cannot complete the next download, which
 * a push started, with the old list: page requests carry a nonce of their
 * download. It used to be taken (the nonce was per process), and the real
 * answer was then dropped as a duplicate: the push was lost until the next
 * keepalive, and the old list, keys and all, applied again.
 */
START_TEST(regclient_late_page_of_earlier_download)
{
	static struct regclient rc;
	uint8_t msg[PROTO_MAX_MSG], late[PROTO_MAX_MSG];
	struct proto_push p = { 77, 6, PROTO_PUSH_CONFIG };
	uint8_t pb[32];
	size_t n, ln;

	rc_setup(&rc, 1);
	regclient_tick(&rc, 0, capture, NULL);
	n = make_resp(msg, PROTO_PAGE_NONE, 0, 5, ep4(1, 1, 1, 1, 40000), NULL);
	ck_assert_int_ge(regclient_input(&rc, 10, 0, 0, msg, n, capture, NULL), 0);
	ck_assert(rc.fetching);
	/* Page 0 asked twice; the answer to the second comes late. */
	regclient_tick(&rc, 1200, capture, NULL);
	ln = make_resp(late, 0, 1, 5, ep4(1, 1, 1, 1, 40000), "Old");
	n = make_resp(msg, 0, 1, 5, ep4(1, 1, 1, 1, 40000), "Old");
	ck_assert_int_eq(regclient_input(&rc, 1300, 0, 0, msg, n, capture, NULL) &
				 REGCLIENT_EV_PEERS,
			 REGCLIENT_EV_PEERS);
	ck_assert_uint_eq(rc.version, 5);
	/* The registry reloads (version 6) and pushes: a new download. */
	n = reg_seal(msg, PROTO_T_PUSH, pb, (size_t)proto_enc_push(pb, sizeof(pb), &p), 0);
	ck_assert_int_eq(regclient_input(&rc, 2000, 0, 0, msg, n, capture, NULL),
			 REGCLIENT_EV_PUSH);
	ck_assert(rc.fetching);
	ck_assert_int_eq(regclient_input(&rc, 2010, 0, 0, late, ln, capture, NULL), -ESTALE);
	ck_assert(rc.fetching);
	ck_assert_uint_eq(rc.stats.rx_unasked, 1);
	n = make_resp(msg, 0, 1, 6, ep4(1, 1, 1, 1, 40000), "New");
	ck_assert_int_eq(regclient_input(&rc, 2020, 0, 0, msg, n, capture, NULL) &
				 REGCLIENT_EV_PEERS,
			 REGCLIENT_EV_PEERS);
	ck_assert_uint_eq(rc.version, 6);
	ck_assert_uint_eq(rc.peers.n, 1);
	ck_assert_str_eq(rc.peers.v[0].info.name, "New");
	regclient_free(&rc);
}
END_TEST

/*
 * What a registry sets is followed within what a registry may set: a
 * keepalive every 1 ms (thousands of datagrams a second) or every 49 days
 * (a lost registry never noticed), a purge time of 1 s (every peer gone
 * between two keepalives) are not.
 */
START_TEST(regclient_bounds_what_a_registry_sets)
{
	static struct regclient rc;
	uint8_t msg[PROTO_MAX_MSG];
	size_t n;

	rc_setup(&rc, 1);
	rc.purge_from_self = 1;
	regclient_tick(&rc, 0, capture, NULL);
	resp_keepalive_ms = 1;
	resp_self.purge_s = 1;
	n = make_resp(msg, PROTO_PAGE_NONE, 0, 0, ep4(1, 1, 1, 1, 40000), NULL);
	ck_assert_int_ge(regclient_input(&rc, 10, 0, 0, msg, n, capture, NULL), 0);
	ck_assert_uint_eq(rc.keepalive_ms, PROTO_MIN_KEEPALIVE_MS);
	ck_assert_uint_eq(rc.cfg.purge_ms, PROTO_MIN_PURGE_S * 1000ull);
	resp_keepalive_ms = UINT32_MAX;
	rc.link[0][0].next_tx_ms = 0;
	regclient_tick(&rc, 20, capture, NULL); /* a keepalive: the next REG_REQ ... */
	rc.link[0][0].state = REGCLIENT_REGISTERING;
	regclient_tick(&rc, 30, capture, NULL); /* ... is this */
	n = make_resp(msg, PROTO_PAGE_NONE, 0, 0, ep4(1, 1, 1, 1, 40000), NULL);
	ck_assert_int_ge(regclient_input(&rc, 40, 0, 0, msg, n, capture, NULL), 0);
	ck_assert_uint_eq(rc.keepalive_ms, PROTO_MAX_KEEPALIVE_MS);
	resp_keepalive_ms = 1000;
	resp_self.purge_s = 3600;
	regclient_free(&rc);
}
END_TEST

/* The gateway's path report, as registry.c builds it: counted. */
static struct regclient *report_rc;
static unsigned int n_reports;
static struct proto_path report_path = { .peer_pk = { 1 }, .up = 1, .rtt_us = 1234 };

static void count_report(void *ctx)
{
	(void)ctx;
	n_reports++;
	report_rc->paths = &report_path;
	report_rc->n_paths = 1;
}

/*
 * The path report (O(the gateway's paths)) is built for a keepalive that
 * goes out, not for every datagram from the registry's address: 1,000
 * forged ones, which anyone can send from there, build none.
 */
START_TEST(regclient_reports_paths_only_for_keepalives)
{
	static struct regclient rc;
	uint8_t msg[PROTO_MAX_MSG], body[PROTO_MAX_MSG];
	struct proto_keepalive ka;
	ssize_t bl;
	size_t n;

	rc_setup(&rc, 1);
	rc.cfg.report_paths = count_report;
	report_rc = &rc;
	n_reports = 0;
	regclient_tick(&rc, 0, capture, NULL); /* a REG_REQ */
	for (unsigned int i = 0; i < 1000; i++) {
		randombytes_buf(msg, 200);
		msg[0] = (uint8_t)(PROTO_T_REG_RESP + i % 4);
		ck_assert_int_lt(
			regclient_input(&rc, 1 + i, 0, 0, msg, 40 + i % 160, capture, NULL), 0);
	}
	ck_assert_uint_eq(n_reports, 0);
	/* Registered (the version it holds: nothing to fetch); a keepalive later. */
	n = make_resp(msg, PROTO_PAGE_NONE, 0, 0, ep4(1, 1, 1, 1, 40000), NULL);
	ck_assert_int_ge(regclient_input(&rc, 2000, 0, 0, msg, n, capture, NULL), 0);
	ck_assert(!rc.fetching);
	ck_assert_uint_eq(n_reports, 0);
	ka_len = 0;
	regclient_tick(&rc, 3000, capture, NULL);
	ck_assert_uint_gt(ka_len, 0);
	ck_assert_uint_eq(n_reports, 1);
	bl = seal_open(body, sizeof(body), ka_msg, ka_len, &reg_key);
	ck_assert_int_ge(bl, 0);
	ck_assert_int_eq(proto_dec_keepalive(body, (size_t)bl, &ka), 0);
	ck_assert_uint_eq(ka.n_paths, 1);
	ck_assert_uint_eq(ka.paths[0].rtt_us, 1234);
	regclient_free(&rc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("regclient");
	TCase *tc = tcase_create("regclient");

	tcase_add_test(tc, regclient_flow);
	tcase_add_test(tc, regclient_disconnect_and_purge);
	tcase_add_test(tc, regclient_clock_back);
	tcase_add_test(tc, regclient_answers_only_what_was_asked);
	tcase_add_test(tc, regclient_self_settings);
	tcase_add_test(tc, regclient_echo_test);
	tcase_add_test(tc, regclient_diag_question);
	tcase_add_test(tc, regclient_reports_paths_only_for_keepalives);
	tcase_add_test(tc, regclient_registries_disagree);
	tcase_add_test(tc, regclient_late_page_of_earlier_download);
	tcase_add_test(tc, regclient_bounds_what_a_registry_sets);
	return unit_run(s, tc);
}
