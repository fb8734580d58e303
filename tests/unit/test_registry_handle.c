// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the registry's datagram handling (daemon/registry/handle.c
 * with the gateway table, views and paging), driven by real gateways' state
 * machines (wire/regclient) on a small org: hubs H1 and H2, spoke S listing
 * both. Nothing touches a socket: datagrams go from regclient's send
 * callback into handle_datagram() and back.
 */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <sodium.h>

#include "base/key.h"
#include "registry.h"
#include "wire/regclient.h"

#include "unit_proto.h"

static struct registry reg;
static char dir[64];
static uint8_t gw_sk[3][32], gw_pk[3][32], reg_pk[32];

/* What the gateways sent, by registry index. */
struct sent {
	uint8_t msg[8][PROTO_MAX_MSG];
	size_t len[8];
	unsigned int reg[8], n;
};
static struct sent out;

static void capture(void *ctx, unsigned int ul, unsigned int r, const uint8_t *msg, size_t len)
{
	if (out.n == 8)
		return;
	memcpy(out.msg[out.n], msg, len);
	out.len[out.n] = len;
	out.reg[out.n++] = r;
}

static void write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

/* A registry with id @id on the org above; the config load's result. */
static int registry_try(uint32_t id, const char *extra, const char *s_extra)
{
	static char cfg[16384], path[128];
	char b64[3][KEY_B64_SIZE], rk[KEY_B64_SIZE], psk[KEY_B64_SIZE];
	uint8_t reg_sk[32], secret[32];

	ck_assert_int_eq(seal_init(), 0);
	snprintf(dir, sizeof(dir), "/tmp/test-registry.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	umask(077);
	memset(reg_sk, 1, 32);
	memset(secret, 9, 32);
	crypto_scalarmult_base(reg_pk, reg_sk);
	key_to_base64(rk, reg_sk);
	key_to_base64(psk, secret);
	snprintf(cfg, sizeof(cfg), "%s\n", rk);
	write_file("registry.key", cfg);
	for (int i = 0; i < 3; i++) {
		memset(gw_sk[i], i + 2, 32);
		crypto_scalarmult_base(gw_pk[i], gw_sk[i]);
		key_to_base64(b64[i], gw_pk[i]);
	}
	snprintf(cfg, sizeof(cfg),
		 "[organization]\nname = t\nregistry-private-key = registry.key\n"
		 "psk-secret = %s\n\n"
		 "[network \"H1\"]\npublic-key = %s\nmode = hub\nsubnet = 10.1.0.0/16 yes\n\n"
		 "[network \"H2\"]\npublic-key = %s\nmode = hub\nsubnet = 10.2.0.0/16 yes\n\n"
		 "[network \"S\"]\npublic-key = %s\nmode = spoke\nhub = H1\nhub = H2\n"
		 "subnet = 10.3.0.0/24 yes\n%s\n%s",
		 psk, b64[0], b64[1], b64[2], s_extra ? s_extra : "", extra ? extra : "");
	write_file("org.conf", cfg);
	snprintf(path, sizeof(path), "%s/org.conf", dir);
	memset(&reg, 0, sizeof(reg));
	reg.config_path = path;
	reg.id = id;
	reg.sender_id = 0x4200 | id;
	reg.keepalive_ms = 10000;
	reg.max_skew_s = REGISTRY_DEFAULT_SKEW_S;
	view_init(&reg);
	return reload_config(&reg, 1);
}

static void registry_setup(uint32_t id, const char *extra)
{
	ck_assert_int_eq(registry_try(id, extra, NULL), 0);
}

static void registry_teardown(void)
{
	char path[128];

	view_clear(&reg);
	gwtable_free(reg.gws, (uint32_t)reg.cfg->n_networks);
	orgconf_free(reg.cfg);
	free(reg.hash);
	free(reg.hub_spokes_off);
	free(reg.hub_spokes);
	free(reg.hubs);
	snprintf(path, sizeof(path), "%s/org.conf", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/registry.key", dir);
	unlink(path);
	rmdir(dir);
}

/* Gateway @i's state machine, talking to @n_reg registries. */
static void gw_setup(struct regclient *rc, int i, unsigned int n_reg)
{
	struct regclient_cfg cfg = { .n_registries = n_reg, .n_uplinks = 1, .retry_ms = 100 };

	memcpy(cfg.sk, gw_sk[i], 32);
	memcpy(cfg.pk, gw_pk[i], 32);
	memcpy(cfg.registry_pk, reg_pk, 32);
	cfg.local[0] = ep4(10, 0, 0, (uint8_t)(5 + i), 40000);
	ck_assert_int_eq(regclient_init(rc, &cfg, 0), 0);
}

/*
 * Hands datagram k of @out to the registry from 127.1.0.@host:@port, as
 * received on its main socket or (@echo) its high-port echo socket.
 */
static size_t deliver_to(unsigned int k, uint8_t host, uint16_t port, int echo, uint8_t *reply)
{
	struct handle_rx rx;
	struct sockaddr_in *sin = (struct sockaddr_in *)&rx.src;

	memset(&rx, 0, sizeof(rx));
	rx.echo = (uint8_t)echo;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x7f010000u + host);
	sin->sin_port = htons(port);
	rx.buf = out.msg[k];
	rx.len = out.len[k];
	return handle_datagram(&reg, &rx, reply, PROTO_MAX_MSG, 1000);
}

static size_t deliver(unsigned int k, uint8_t host, uint16_t port, uint8_t *reply)
{
	return deliver_to(k, host, port, 0, reply);
}

/*
 * Runs gateway @rc (host 127.1.0.@host) against the registry for up to
 * @rounds request/answer exchanges, from time @t on; returns the events
 * seen (REGCLIENT_EV_*).
 */
static int exchange(struct regclient *rc, uint8_t host, uint64_t t, int rounds)
{
	uint8_t reply[PROTO_MAX_MSG];
	int evs = 0;

	for (int i = 0; i < rounds; i++, t += 10) {
		struct sent batch;

		out.n = 0;
		regclient_tick(rc, t, capture, NULL);
		batch = out;
		for (unsigned int k = 0; k < batch.n; k++) {
			size_t n;
			int ev;

			out = batch;
			n = deliver(k, host, 40000, reply);
			if (!n)
				continue;
			ev = regclient_input(rc, t, 0, batch.reg[k], reply, n, NULL, NULL);
			if (ev > 0)
				evs |= ev;
		}
	}
	return evs;
}

/*
 * Issue 9 #15: a 63-byte network name of 3-byte UTF-8 characters (the most
 * the config takes) reaches a peer whole.
 */
START_TEST(long_utf8_name_whole)
{
	static struct regclient rc;
	char extra[512], name[80] = "", b64[KEY_B64_SIZE];
	uint8_t k[32];
	int found = 0;

	for (int i = 0; i < 21; i++)
		strcat(name, "\xe2\x82\xac");
	memset(k, 0x77, 32);
	crypto_scalarmult_base(k, k);
	key_to_base64(b64, k);
	snprintf(extra, sizeof(extra), "\n[network \"%s\"]\npublic-key = %s\nmode = hub\n", name,
		 b64);
	registry_setup(1, extra);
	gw_setup(&rc, 0, 1);
	ck_assert_int_ne(exchange(&rc, 9, 0, 10) & REGCLIENT_EV_PEERS, 0);
	for (uint32_t i = 0; i < rc.peers.n; i++)
		found |= !strcmp(rc.peers.v[i].info.name, name);
	ck_assert_msg(found, "H1 did not get the long name whole");
	regclient_free(&rc);
	registry_teardown();
}
END_TEST

/*
 * The SELF record: the spoke learns its own settings from the org config
 * (manual NAT, active-active, purge time, its classes and flow preferences,
 * in order), with the first register answer.
 */
START_TEST(self_settings)
{
	static struct regclient rc;
	const struct proto_self *m;

	ck_assert_int_eq(
		registry_try(
			1,
			"[performance-class \"Bulk\"]\nmax-loss = 5\n"
			"[performance-class \"VoIP\"]\nmax-latency = 150\nmax-jitter = 30ms\n",
			"nat-traversal = manual 203.0.113.7:51625\nactive-active = no\n"
			"flow-preference = proto=udp dscp=EF uplink=wan1 class=VoIP\n"
			"flow-preference = proto=tcp dst=10.1.0.0/16 dport=443-444 uplink=wan2\n"
			"flow-preference = src=10.3.0.0/24 class=Bulk\n"),
		0);
	gw_setup(&rc, 2, 1);
	ck_assert_int_ne(exchange(&rc, 9, 0, 3) & REGCLIENT_EV_SELF, 0);
	m = regclient_self(&rc);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->flags, PROTO_SELF_MANUAL_NAT); /* active-active off */
	ck_assert_uint_eq(m->purge_s, ORGCONF_DEFAULT_PURGE_SECS);
	ck_assert_uint_eq(m->n_manual, 1);
	{
		struct endpoint e = ep4(203, 0, 113, 7, 51625);

		ck_assert(endpoint_equal(&m->manual[0], &e));
	}
	ck_assert_uint_eq(regclient_nat(&rc, 0), PROTO_NAT_MANUAL);
	/* Classes in the order the rules use them, not the file's. */
	ck_assert_uint_eq(m->n_classes, 2);
	ck_assert_str_eq(m->classes[0].name, "VoIP");
	ck_assert_uint_eq(m->classes[0].max_latency_ms, 150);
	ck_assert_uint_eq(m->classes[0].max_loss_bp, PROTO_LIMIT_NONE);
	ck_assert_uint_eq(m->classes[0].max_jitter_ms, 30);
	ck_assert_str_eq(m->classes[1].name, "Bulk");
	ck_assert_uint_eq(m->classes[1].max_loss_bp, 500);
	ck_assert_uint_eq(m->n_prefs, 3);
	ck_assert_uint_eq(m->prefs[0].fields, PROTO_FP_PROTO | PROTO_FP_DSCP | PROTO_FP_CLASS);
	ck_assert_uint_eq(m->prefs[0].protocol, 17);
	ck_assert_uint_eq(m->prefs[0].dscp, 46);
	ck_assert_uint_eq(m->prefs[0].uplink, PROTO_FP_UPLINK_WAN1);
	ck_assert_uint_eq(m->prefs[1].fields, PROTO_FP_PROTO | PROTO_FP_DST | PROTO_FP_DPORT);
	ck_assert_uint_eq(m->prefs[1].dport_lo, 443);
	ck_assert_uint_eq(m->prefs[1].dport_hi, 444);
	ck_assert_uint_eq(m->prefs[2].fields, PROTO_FP_SRC | PROTO_FP_CLASS);
	ck_assert_uint_eq(m->prefs[2].uplink, PROTO_FP_UPLINK_ANY);
	ck_assert_uint_eq(m->prefs[2].class_idx, 1);
	regclient_free(&rc);
	registry_teardown();
}
END_TEST

/* More rules than a gateway can be sent: the config is refused at load. */
START_TEST(self_too_big)
{
	char rules[8192] = "";

	for (int i = 0; i < 60; i++)
		snprintf(rules + strlen(rules), sizeof(rules) - strlen(rules),
			 "flow-preference = proto=udp src=10.3.0.0/24 dst=10.%d.0.0/16 "
			 "dport=%d uplink=wan2\n",
			 100 + i, 1000 + i);
	ck_assert_int_eq(registry_try(1, NULL, rules), -EINVAL);
	ck_assert_ptr_null(reg.cfg);
	ck_assert_uint_eq(reg.st.reload_failures, 1);
	{
		struct errlist e = ERRLIST_INIT;
		struct orgconf *cfg;
		char path[128];

		/* A valid config: only the registry's check refuses it, at the network. */
		snprintf(path, sizeof(path), "%s/org.conf", dir);
		ck_assert_int_eq(orgconf_load(path, 0, &cfg, &e), 0);
		ck_assert_int_eq(self_check(cfg, &e), -EINVAL);
		ck_assert_uint_eq(e.n, 1);
		ck_assert_ptr_nonnull(strstr(e.msgs[0], "org.conf:16: network \"S\": "));
		ck_assert_ptr_nonnull(strstr(e.msgs[0], "do not fit"));
		errlist_free(&e);
		orgconf_free(cfg);
		snprintf(path, sizeof(path), "%s/org.conf", dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/registry.key", dir);
		unlink(path);
		rmdir(dir);
	}
}
END_TEST

/* A REG_REQ of gateway @i for registry 1 as its own code would seal it. */
static void forge_reg_req(int i, uint32_t sid, uint64_t counter)
{
	struct proto_reg_req m = { .page = PROTO_PAGE_NONE, .local = ep4(10, 0, 0, 5, 40000) };
	uint8_t body[64];
	struct seal_key k;
	struct seal_hdr h = { .type = PROTO_T_REG_REQ,
			      .to = 1,
			      .sender_id = sid,
			      .sender_pk = gw_pk[i],
			      .counter = counter };
	ssize_t n = proto_enc_reg_req(body, sizeof(body), &m);

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(seal_precompute(&k, reg_pk, gw_sk[i], gw_pk[i]), 0);
	out.len[out.n] =
		(size_t)seal_msg_hdr(out.msg[out.n], PROTO_MAX_MSG, &h, &k, body, (size_t)n);
	out.reg[out.n++] = 0;
}

/* A sealed message of gateway @i for registry 1 with body @body. */
static void forge(int i, uint8_t type, const uint8_t *body, size_t n)
{
	struct seal_key k;
	struct seal_hdr h = { .type = type,
			      .to = 1,
			      .sender_id = 0x99,
			      .sender_pk = gw_pk[i],
			      .counter = clock_realtime_ns() + out.n };

	ck_assert_int_eq(seal_precompute(&k, reg_pk, gw_sk[i], gw_pk[i]), 0);
	out.len[out.n] = (size_t)seal_msg_hdr(out.msg[out.n], PROTO_MAX_MSG, &h, &k, body, n);
	out.reg[out.n++] = 0;
}

/* Opens the registry's answer @reply[n] as gateway @i; the body's length. */
static ssize_t open_reply(int i, const uint8_t *reply, size_t n, uint8_t *body, uint8_t *type)
{
	struct seal_key k;

	ck_assert_int_eq(seal_precompute(&k, reg_pk, gw_sk[i], gw_pk[i]), 0);
	*type = reply[0];
	return seal_open(body, PROTO_MAX_MSG, reply, n, &k);
}

/*
 * The high-port echo: the echo socket answers ECHO (with where it came
 * from) and nothing else; the main socket never answers ECHO.
 */
START_TEST(echo_port)
{
	struct proto_echo e = { 0, 77 };
	struct proto_echo_reply a;
	uint8_t body[PROTO_MAX_MSG], reply[PROTO_MAX_MSG], type;
	struct endpoint want = ep4(127, 1, 0, 9, 41234);
	ssize_t n = 0;

	registry_setup(1, NULL);
	reg.echo_port = 40001;
	out.n = 0;
	n = proto_enc_echo(body, sizeof(body), &e);
	forge(2, PROTO_T_ECHO, body, (size_t)n);
	forge(2, PROTO_T_ECHO, body, (size_t)n);
	forge_reg_req(2, 0x99, clock_realtime_ns() + 10);
	ck_assert_uint_eq(deliver_to(0, 9, 41234, 0, reply), 0); /* main socket */
	ck_assert_uint_eq(reg.st.drop_type, 1);
	n = (ssize_t)deliver_to(1, 9, 41234, 1, reply);
	ck_assert_int_gt(n, 0);
	n = open_reply(2, reply, (size_t)n, body, &type);
	ck_assert_uint_eq(type, PROTO_T_ECHO_REPLY);
	ck_assert_int_eq(proto_dec_echo_reply(body, (size_t)n, &a), 0);
	ck_assert_uint_eq(a.seq, 77);
	ck_assert_uint_eq(a.registry_id, 1);
	ck_assert(endpoint_equal(&a.observed, &want));
	ck_assert_uint_eq(reg.st.echoes, 1);
	ck_assert_uint_eq(deliver_to(2, 9, 41234, 1, reply), 0); /* a register there */
	ck_assert_uint_eq(reg.st.drop_type, 2);
	/* Register answers announce the echo port. */
	ck_assert_uint_gt(n = (ssize_t)deliver(2, 9, 41234, reply), 0);
	{
		static struct proto_reg_resp m;

		n = open_reply(2, reply, (size_t)n, body, &type);
		ck_assert_int_eq(proto_dec_reg_resp(body, (size_t)n, &m), 0);
		ck_assert_uint_eq(m.echo_port, 40001);
	}
	registry_teardown();
}
END_TEST

/*
 * A gateway sends its high-port ECHO and a register request in the same
 * tick, to two sockets of the registry; the registry may read the newer one
 * first. The ECHO is still answered (it was refused as a replay, and three
 * such ticks made the echo "blocked"), and neither is taken twice.
 */
START_TEST(echo_overtaken_by_main_socket)
{
	struct proto_echo e = { 0, 78 };
	uint8_t body[PROTO_MAX_MSG], reply[PROTO_MAX_MSG], type;
	ssize_t n;

	registry_setup(1, NULL);
	reg.echo_port = 40001;
	out.n = 0;
	n = proto_enc_echo(body, sizeof(body), &e);
	forge(2, PROTO_T_ECHO, body, (size_t)n);
	usleep(2000); /* 2 ms between the two sends, as a loaded sender might */
	forge_reg_req(2, 0x99, clock_realtime_ns());
	ck_assert_uint_gt(deliver(1, 9, 41234, reply), 0);
	n = (ssize_t)deliver_to(0, 9, 41234, 1, reply);
	ck_assert_int_gt(n, 0);
	n = open_reply(2, reply, (size_t)n, body, &type);
	ck_assert_uint_eq(type, PROTO_T_ECHO_REPLY);
	ck_assert_uint_eq(reg.st.echoes, 1);
	ck_assert_uint_eq(deliver_to(0, 9, 41234, 1, reply), 0);
	ck_assert_uint_eq(deliver(1, 9, 41234, reply), 0);
	ck_assert_uint_eq(reg.st.drop_replay, 2);
	registry_teardown();
}
END_TEST

/*
 * A register request that a newer one of the same uplink overtook (from
 * another port: the NAT rebound in between) is answered, but the uplink
 * keeps the newer one's endpoint.
 */
START_TEST(overtaken_message_keeps_newer_state)
{
	uint8_t reply[PROTO_MAX_MSG];
	/* This life's clock runs 5 s ahead (so that a next life may be behind it). */
	uint64_t t = clock_realtime_ns() + 5000000000ull;

	registry_setup(1, NULL);
	out.n = 0;
	forge_reg_req(2, 0x99, t + 2000); /* newer */
	forge_reg_req(2, 0x99, t + 1000); /* older, arrives second */
	ck_assert_uint_gt(deliver(0, 9, 41000, reply), 0);
	ck_assert_uint_gt(deliver(1, 9, 42000, reply), 0);
	ck_assert_uint_eq(reg.gws[2].ul[0].pub.port, 41000);
	ck_assert_uint_eq(reg.gws[2].ul[0].ctr, t + 2000);
	/* A new life, its clock put right: behind the old one's, yet its news count. */
	out.n = 0;
	forge_reg_req(2, 0x77, clock_realtime_ns());
	ck_assert_uint_gt(deliver(0, 9, 43000, reply), 0);
	ck_assert_uint_eq(reg.gws[2].ul[0].pub.port, 43000);
	registry_teardown();
}
END_TEST

/* Gateway @i asks registry 1 (from 127.1.0.@host) about @pk; the answer. */
static void ask(struct regclient *rc, uint8_t host, const uint8_t pk[32], struct proto_diag_resp *a)
{
	uint8_t reply[PROTO_MAX_MSG];
	size_t n;

	out.n = 0;
	ck_assert_int_eq(regclient_diag(rc, 100, pk, capture, NULL), 1);
	n = deliver(0, host, 40000, reply);
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(regclient_input(rc, 101, 0, 0, reply, n, NULL, NULL), REGCLIENT_EV_DIAG);
	*a = *regclient_diag_answer(rc, 0, NULL);
}

/*
 * DIAG: what a peer reports, only about a peer. S (a spoke of H1 and H2)
 * registers and reports its path to H1 as down; H1 asks about S, S about
 * H1, H2 (never registered), a stranger, and H1 about itself.
 */
START_TEST(diag_answers)
{
	static struct regclient h1, sp;
	static struct proto_path path;
	struct proto_diag_resp a;
	uint8_t stranger[32];

	registry_setup(1, NULL);
	gw_setup(&h1, 0, 1);
	gw_setup(&sp, 2, 1);
	ck_assert_int_ne(exchange(&h1, 7, 0, 4) & REGCLIENT_EV_PEERS, 0);
	ck_assert_int_ne(exchange(&sp, 9, 0, 4) & REGCLIENT_EV_PEERS, 0);
	/* S's keepalive reports its path to H1 (wan1 -> wan1) down, 100 % loss. */
	memcpy(path.peer_pk, gw_pk[0], 32);
	path.loss = 10000;
	sp.paths = &path;
	sp.n_paths = 1;
	ck_assert_int_ge(exchange(&sp, 9, 10100, 3), 0); /* keepalive due (10 s) */
	ck_assert_uint_gt(reg.st.keepalives, 0);
	ask(&h1, 7, gw_pk[2], &a);
	ck_assert_uint_eq(a.status, PROTO_DIAG_OK);
	ck_assert_uint_eq(a.connected, 1);
	ck_assert_uint_eq(a.n_uplinks, 1);
	ck_assert_uint_eq(a.uplinks[0].uplink, 0);
	ck_assert_uint_eq(a.uplinks[0].connected, 1);
	{
		struct endpoint want = ep4(127, 1, 0, 9, 40000);

		ck_assert(endpoint_equal(&a.uplinks[0].pub, &want));
	}
	ck_assert_uint_eq(a.n_paths, 1);
	ck_assert_uint_eq(a.paths[0].up, 0);
	ck_assert_uint_eq(a.paths[0].loss, 10000);
	/* S about H1: no path reported the other way. */
	ask(&sp, 9, gw_pk[0], &a);
	ck_assert_uint_eq(a.status, PROTO_DIAG_OK);
	ck_assert_uint_eq(a.n_paths, 0);
	ask(&sp, 9, gw_pk[1], &a);
	ck_assert_uint_eq(a.status, PROTO_DIAG_NEVER);
	memset(stranger, 0x33, 32);
	ask(&sp, 9, stranger, &a);
	ck_assert_uint_eq(a.status, PROTO_DIAG_NOT_PEER);
	ask(&h1, 7, gw_pk[0], &a);
	ck_assert_uint_eq(a.status, PROTO_DIAG_NOT_PEER);
	ck_assert_uint_eq(reg.st.diags, 5);
	regclient_free(&h1);
	regclient_free(&sp);
	registry_teardown();
}
END_TEST

/*
 * DIAG about a spoke behind manual port forwarding: its NAT type is manual
 * and its endpoint the forwarded one, which its peers are told to reach,
 * not the address the registry saw (127.1.0.9:40000 here).
 */
START_TEST(diag_manual_endpoint)
{
	static struct regclient h1, sp;
	struct endpoint want = ep4(203, 0, 113, 7, 51625);
	struct proto_diag_resp a;

	ck_assert_int_eq(registry_try(1, NULL, "nat-traversal = manual 203.0.113.7:51625\n"), 0);
	gw_setup(&h1, 0, 1);
	gw_setup(&sp, 2, 1);
	ck_assert_int_ne(exchange(&h1, 7, 0, 4) & REGCLIENT_EV_PEERS, 0);
	ck_assert_int_ne(exchange(&sp, 9, 0, 4) & REGCLIENT_EV_PEERS, 0);
	ask(&h1, 7, gw_pk[2], &a);
	ck_assert_uint_eq(a.status, PROTO_DIAG_OK);
	ck_assert_uint_eq(a.n_uplinks, 1);
	ck_assert_uint_eq(a.uplinks[0].nat, PROTO_NAT_MANUAL);
	ck_assert(endpoint_equal(&a.uplinks[0].pub, &want));
	regclient_free(&h1);
	regclient_free(&sp);
	registry_teardown();
}
END_TEST

/*
 * The registry keeps the paths a gateway reports toward its peers only: S
 * reports H1 (a hub it lists), S2 (another spoke: never its peer), itself
 * and an unknown key; H1's row alone is kept, with its figures.
 */
START_TEST(paths_only_toward_peers)
{
	static struct regclient sp;
	static struct proto_path paths[4];
	uint8_t s2_sk[32], s2_pk[32], stranger[32];
	char extra[256], b64[KEY_B64_SIZE];
	const struct gwtable_entry *g;

	memset(s2_sk, 0x44, 32);
	crypto_scalarmult_base(s2_pk, s2_sk);
	key_to_base64(b64, s2_pk);
	snprintf(extra, sizeof(extra),
		 "[network \"S2\"]\npublic-key = %s\nmode = spoke\nhub = H1\n"
		 "subnet = 10.4.0.0/24 yes\n",
		 b64);
	registry_setup(1, extra);
	gw_setup(&sp, 2, 1);
	ck_assert_int_ne(exchange(&sp, 9, 0, 4) & REGCLIENT_EV_PEERS, 0);
	memset(stranger, 0x33, 32);
	memcpy(paths[0].peer_pk, s2_pk, 32);
	memcpy(paths[1].peer_pk, gw_pk[2], 32);
	memcpy(paths[2].peer_pk, stranger, 32);
	memcpy(paths[3].peer_pk, gw_pk[0], 32);
	for (int i = 0; i < 4; i++) {
		paths[i].up = 1;
		paths[i].rtt_us = 1000 * (i + 1);
		paths[i].jitter_us = 100 * (i + 1);
	}
	sp.paths = paths;
	sp.n_paths = 4;
	ck_assert_int_ge(exchange(&sp, 9, 10100, 3), 0); /* keepalive due (10 s) */
	ck_assert_uint_gt(reg.st.keepalives, 0);
	g = gwtable_lookup(&reg, gw_pk[2]);
	ck_assert_ptr_nonnull(g);
	ck_assert_ptr_nonnull(g->paths);
	ck_assert_uint_eq(g->paths->n, 1);
	ck_assert_uint_eq(g->paths->v[0].peer, gwtable_index(&reg, gwtable_lookup(&reg, gw_pk[0])));
	ck_assert_uint_eq(g->paths->v[0].rtt_us, 4000);
	ck_assert_uint_eq(g->paths->v[0].jitter_us, 400);
	regclient_free(&sp);
	registry_teardown();
}
END_TEST

/*
 * Issue 9 #17: a gateway whose first contact carried a clock 5 minutes
 * ahead (within the skew window, so accepted) is not locked out once its
 * clock is right again and it starts over (a new sender id); its old
 * messages stay refused.
 */
START_TEST(clock_ahead_recovery)
{
	static struct regclient rc;
	uint8_t reply[PROTO_MAX_MSG];
	uint64_t now = clock_realtime_ns(), ahead = now + 300 * CLOCK_NS_PER_SEC;

	registry_setup(1, NULL);
	out.n = 0;
	forge_reg_req(2, 0x1234, ahead);
	forge_reg_req(2, 0x1234, ahead + 1000);
	ck_assert_uint_gt(deliver(0, 9, 40000, reply), 0);
	/* Clock put right, gateway restarted: its own state machine, correct time. */
	gw_setup(&rc, 2, 1);
	ck_assert_int_ne(exchange(&rc, 9, 0, 5) & REGCLIENT_EV_REGISTERED, 0);
	/* The messages from the clock-ahead life are refused for good. */
	ck_assert_uint_eq(deliver(0, 66, 5555, reply), 0);
	ck_assert_uint_eq(deliver(1, 66, 5555, reply), 0);
	/* And what is too far ahead is refused outright (no window runs away). */
	out.n = 0;
	forge_reg_req(2, 0x5678, now + 3600 * CLOCK_NS_PER_SEC);
	ck_assert_uint_eq(deliver(0, 9, 40000, reply), 0);
	ck_assert_uint_eq(reg.st.drop_stale, 1);
	regclient_free(&rc);
	registry_teardown();
}
END_TEST

/*
 * Issue 9 #14: a datagram sealed for registry 1 is not accepted by registry
 * 2 (the two share a key pair), from whatever address it comes; the one
 * sealed for registry 2 is.
 */
START_TEST(cross_registry_replay)
{
	static struct regclient rc;
	uint8_t reply[PROTO_MAX_MSG];
	struct gwtable_entry *g;
	size_t n;

	registry_setup(2, NULL);
	gw_setup(&rc, 2, 2);
	out.n = 0;
	regclient_tick(&rc, 0, capture, NULL);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_uint_eq(out.reg[0], 0);
	ck_assert_uint_eq(out.reg[1], 1);
	g = gwtable_lookup(&reg, gw_pk[2]);
	ck_assert_ptr_nonnull(g);
	/* For registry 1, replayed here from the gateway's own and another address. */
	ck_assert_uint_eq(deliver(0, 9, 40000, reply), 0);
	ck_assert_uint_eq(deliver(0, 66, 5555, reply), 0);
	ck_assert(!g->registered);
	ck_assert_uint_eq(reg.st.registers, 0);
	ck_assert_uint_eq(reg.st.drop_misdirected, 2);
	/* For registry 2: registered and answered, once. */
	n = deliver(1, 9, 40000, reply);
	ck_assert_uint_gt(n, 0);
	ck_assert(g->registered);
	ck_assert_int_eq(regclient_input(&rc, 1, 0, 1, reply, n, NULL, NULL),
			 REGCLIENT_EV_REGISTERED | REGCLIENT_EV_SELF);
	ck_assert_uint_eq(deliver(1, 66, 5555, reply), 0);
	ck_assert_uint_eq(reg.st.drop_replay, 1);
	regclient_free(&rc);
	registry_teardown();
}
END_TEST

/*
 * The registry's own clock ran ahead (a day) and was stepped back: its
 * counters must not stay a day ahead until a restart, or every gateway
 * drops its answers (-ETIME) while it accepts theirs. It starts a new life
 * (sender id) at once, as a gateway does. Found by review: failed before.
 */
START_TEST(registry_clock_ahead_recovers)
{
	static struct regclient rc;
	uint32_t sid;
	int ev;

	registry_setup(1, NULL);
	sid = reg.sender_id;
	reg.ctr.last = clock_realtime_ns() + 86400ull * CLOCK_NS_PER_SEC;
	gw_setup(&rc, 2, 1);
	ev = exchange(&rc, 9, 0, 10);
	ck_assert_msg(ev & REGCLIENT_EV_REGISTERED, "%llu answers dropped",
		      (unsigned long long)rc.stats.rx_replay);
	ck_assert_uint_ne(reg.sender_id, sid);
	ck_assert_uint_eq(reg.sender_id & 0xff, 1); /* still names the registry */
	regclient_free(&rc);
	registry_teardown();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("registry_handle");
	TCase *tc = tcase_create("registry_handle");

	tcase_add_test(tc, cross_registry_replay);
	tcase_add_test(tc, long_utf8_name_whole);
	tcase_add_test(tc, clock_ahead_recovery);
	tcase_add_test(tc, self_settings);
	tcase_add_test(tc, self_too_big);
	tcase_add_test(tc, echo_port);
	tcase_add_test(tc, echo_overtaken_by_main_socket);
	tcase_add_test(tc, overtaken_message_keeps_newer_state);
	tcase_add_test(tc, diag_answers);
	tcase_add_test(tc, diag_manual_endpoint);
	tcase_add_test(tc, paths_only_toward_peers);
	tcase_add_test(tc, registry_clock_ahead_recovers);
	return unit_run(s, tc);
}
