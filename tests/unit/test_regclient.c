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

#include "wire/regclient.h"

#include "unit_proto.h"

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
	ssize_t len = seal_msg(out, PROTO_MAX_MSG, type, 77, reg_pk, seal_next_counter(&reg_ctr),
			       &reg_key, body, n);

	ck_assert_int_gt(len, 0);
	return (size_t)len;
}

static size_t make_resp(uint8_t *out, uint16_t page, uint16_t pages, uint64_t version,
			struct endpoint seen, const char *peer)
{
	struct proto_reg_resp h = { .registry_id = 77,
				    .version = version,
				    .keepalive_ms = 1000,
				    .uplink = 0,
				    .role = PROTO_ROLE_SPOKE,
				    .page = page,
				    .page_count = pages,
				    .observed = seen };
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
	/* Registry 0 answers: registered; stale version -> fetch page 0. */
	n = make_resp(msg, PROTO_PAGE_NONE, 0, 5, ep4(1, 1, 1, 1, 40000), NULL);
	ev = regclient_input(&rc, 10, 0, 0, msg, n, capture, NULL);
	ck_assert_int_eq(ev, REGCLIENT_EV_REGISTERED);
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
	n = make_resp(msg, PROTO_PAGE_NONE, 0, 5, ep4(1, 1, 1, 1, 40001), NULL);
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

		n = reg_seal(msg, PROTO_T_PUSH, pb, pn);
		n_sent = 0;
		ev = regclient_input(&rc, 40, 0, 1, msg, n, capture, NULL);
		ck_assert_int_eq(ev, REGCLIENT_EV_PUSH);
		ck_assert(rc.fetching);
		ck_assert_uint_ge(n_sent, 2);
		/* A second push during the download does not restart it ... */
		rc.fetch_page = 1;
		n = reg_seal(msg, PROTO_T_PUSH, pb, pn);
		ck_assert_int_eq(regclient_input(&rc, 41, 0, 1, msg, n, capture, NULL),
				 REGCLIENT_EV_PUSH);
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

int main(void)
{
	Suite *s = suite_create("regclient");
	TCase *tc = tcase_create("regclient");

	tcase_add_test(tc, regclient_flow);
	tcase_add_test(tc, regclient_disconnect_and_purge);
	return unit_run(s, tc);
}
