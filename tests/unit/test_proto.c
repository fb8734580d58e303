// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/lib/wire/proto.c: the control message codec, paging,
 * NAT classification.
 */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "wire/proto.h"

#include "unit_proto.h"

/* Every strict prefix and one extra byte must be rejected. */
#define CHECK_TRUNCATIONS(dec, buf, n, type)                               \
	do {                                                               \
		type tmp_;                                                 \
		uint8_t long_[PROTO_MAX_MSG + 1];                          \
		for (size_t l_ = 0; l_ < (n); l_++)                        \
			ck_assert_int_eq(dec((buf), l_, &tmp_), -EBADMSG); \
		memcpy(long_, (buf), (n));                                 \
		long_[(n)] = 0;                                            \
		ck_assert_int_eq(dec(long_, (n) + 1, &tmp_), -EBADMSG);    \
	} while (0)

START_TEST(reg_req_roundtrip)
{
	struct proto_reg_req m = { .uplink = 1,
				   .nat = PROTO_NAT_UNFRIENDLY,
				   .page = 3,
				   .version = 0x0102030405060708ull,
				   .nonce = 0x1112131415161718ull,
				   .local = ep4(172, 20, 0, 123, 52899) },
			     d;
	uint8_t buf[128];
	size_t n = (size_t)proto_enc_reg_req(buf, sizeof(buf), &m);

	ck_assert_int_eq(proto_enc_reg_req(buf, sizeof(buf), &m), (ssize_t)n);
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(proto_dec_reg_req(buf, n, &d), 0);
	ck_assert_uint_eq(d.uplink, 1);
	ck_assert_uint_eq(d.nat, PROTO_NAT_UNFRIENDLY);
	ck_assert_uint_eq(d.page, 3);
	ck_assert_uint_eq(d.version, m.version);
	ck_assert_uint_eq(d.nonce, m.nonce);
	ck_assert(endpoint_equal(&d.local, &m.local));
	/* A gateway of before sends no nonce: still a request, nonce 0. */
	ck_assert_int_eq(proto_dec_reg_req(buf, n - 8, &d), 0);
	ck_assert_uint_eq(d.nonce, 0);
	ck_assert(endpoint_equal(&d.local, &m.local));
	{
		struct proto_reg_req z = m;

		z.nonce = 0; /* and none is written */
		ck_assert_int_eq(proto_enc_reg_req(buf, sizeof(buf), &z), (ssize_t)n - 8);
		n = (size_t)proto_enc_reg_req(buf, sizeof(buf), &m);
	}
	/* A nonce of 0 is not written, so it cannot be read either. */
	memset(buf + n - 8, 0, 8);
	ck_assert_int_eq(proto_dec_reg_req(buf, n, &d), -EBADMSG);
	n = (size_t)proto_enc_reg_req(buf, sizeof(buf), &m);
	/* Anything else after the endpoint is malformed. */
	for (size_t l = 0; l < n; l++) /* every cut, but the one without the nonce */
		if (l != n - 8)
			ck_assert_int_eq(proto_dec_reg_req(buf, l, &d), -EBADMSG);
	buf[n] = 0;
	ck_assert_int_eq(proto_dec_reg_req(buf, n + 1, &d), -EBADMSG);
	/* Out-of-range fields. */
	buf[0] = 2;
	ck_assert_int_eq(proto_dec_reg_req(buf, n, &d), -EBADMSG);
	buf[0] = 1;
	buf[1] = 4;
	ck_assert_int_eq(proto_dec_reg_req(buf, n, &d), -EBADMSG);
	buf[1] = 0;
	buf[12] = 5; /* endpoint family */
	ck_assert_int_eq(proto_dec_reg_req(buf, n, &d), -EBADMSG);
	/* An IPv6 local endpoint and none at all. */
	m.local.addr.family = AF_INET6;
	m.local.addr.bytes[15] = 1;
	n = (size_t)proto_enc_reg_req(buf, sizeof(buf), &m);
	ck_assert_int_eq(proto_dec_reg_req(buf, n, &d), 0);
	ck_assert(endpoint_equal(&d.local, &m.local));
	m.local.addr.family = AF_UNSPEC;
	n = (size_t)proto_enc_reg_req(buf, sizeof(buf), &m);
	ck_assert_int_eq(proto_dec_reg_req(buf, n, &d), 0);
	ck_assert_uint_eq(d.local.addr.family, AF_UNSPEC);
	ck_assert_uint_eq(d.local.port, 0);
	ck_assert_int_eq(proto_enc_reg_req(buf, 5, &m), -EMSGSIZE);
	/* A family the wire cannot carry. */
	m.local.addr.family = AF_UNIX;
	ck_assert_int_eq(proto_enc_reg_req(buf, sizeof(buf), &m), -EINVAL);
}
END_TEST

START_TEST(keepalive_roundtrip)
{
	struct proto_keepalive m = { .uplink = 0,
				     .nat = PROTO_NAT_FRIENDLY,
				     .version = 9,
				     .local = ep4(10, 0, 0, 1, 40000),
				     .n_paths = 2 },
			       d;
	uint8_t buf[PROTO_MAX_BODY];
	size_t n;

	memset(m.paths[0].peer_pk, 0xaa, 32);
	m.paths[0].up = 1;
	m.paths[0].rtt_us = 12345;
	m.paths[0].loss = 250;
	m.paths[0].jitter_us = 4321;
	memset(m.paths[1].peer_pk, 0xbb, 32);
	m.paths[1].local_uplink = 1;
	m.paths[1].remote_uplink = 1;
	n = (size_t)proto_enc_keepalive(buf, sizeof(buf), &m);
	ck_assert_int_eq(proto_dec_keepalive(buf, n, &d), 0);
	ck_assert_uint_eq(d.n_paths, 2);
	ck_assert_mem_eq(d.paths[1].peer_pk, m.paths[1].peer_pk, 32);
	ck_assert_uint_eq(d.paths[0].rtt_us, 12345);
	ck_assert_uint_eq(d.paths[0].loss, 250);
	ck_assert_uint_eq(d.paths[0].jitter_us, 4321);
	ck_assert_uint_eq(d.paths[1].jitter_us, 0);
	ck_assert_uint_eq(d.paths[1].remote_uplink, 1);
	CHECK_TRUNCATIONS(proto_dec_keepalive, buf, n, struct proto_keepalive);
	/* An older gateway's records, without jitter (42 bytes each), are
	 * still read: 4 bytes a path shorter, the rest the same. */
	ck_assert(!d.no_jitter);
	m.no_jitter = true;
	ck_assert_int_eq(proto_enc_keepalive(buf, sizeof(buf), &m), (ssize_t)n - 2 * 4);
	n -= 2 * 4;
	ck_assert_int_eq(proto_dec_keepalive(buf, n, &d), 0);
	ck_assert(d.no_jitter);
	ck_assert_uint_eq(d.n_paths, 2);
	ck_assert_uint_eq(d.paths[0].rtt_us, 12345);
	ck_assert_uint_eq(d.paths[0].loss, 250);
	ck_assert_uint_eq(d.paths[0].jitter_us, 0);
	ck_assert_uint_eq(d.paths[1].remote_uplink, 1);
	/* Neither size: refused. */
	ck_assert_int_eq(proto_dec_keepalive(buf, n + 2, &d), -EBADMSG);
	m.no_jitter = false;
	/* The high-port echo result: 0..2. */
	ck_assert_uint_eq(d.echo, PROTO_ECHO_UNKNOWN);
	m.echo = PROTO_ECHO_BLOCKED;
	n = (size_t)proto_enc_keepalive(buf, sizeof(buf), &m);
	ck_assert_int_eq(proto_dec_keepalive(buf, n, &d), 0);
	ck_assert_uint_eq(d.echo, PROTO_ECHO_BLOCKED);
	buf[2] = 3;
	ck_assert_int_eq(proto_dec_keepalive(buf, n, &d), -EBADMSG);
	m.echo = PROTO_ECHO_OK;
	/* loss > 100 % */
	m.paths[0].loss = 10001;
	n = (size_t)proto_enc_keepalive(buf, sizeof(buf), &m);
	ck_assert_int_eq(proto_dec_keepalive(buf, n, &d), -EBADMSG);
	/* too many paths */
	m.paths[0].loss = 0;
	n = (size_t)proto_enc_keepalive(buf, sizeof(buf), &m);
	buf[18] = PROTO_KA_MAX_PATHS + 1; /* n_paths after uplink,nat,echo,version,ep(7) */
	ck_assert_int_eq(proto_dec_keepalive(buf, n, &d), -EBADMSG);
	m.n_paths = PROTO_KA_MAX_PATHS + 1;
	ck_assert_int_eq(proto_enc_keepalive(buf, sizeof(buf), &m), -EINVAL);
	/* Every path with the largest endpoint (IPv6) still fits, to the
	 * byte the header's arithmetic says. */
	m.n_paths = PROTO_KA_MAX_PATHS;
	m.local.addr.family = AF_INET6;
	memset(m.local.addr.bytes, 0x20, 16);
	ck_assert_int_eq(proto_enc_keepalive(buf, sizeof(buf), &m),
			 PROTO_KA_HDR_MAX + PROTO_KA_MAX_PATHS * PROTO_KA_PATH_LEN);
}
END_TEST

/* ECHO and ECHO_REPLY; the registry's echo port in REG_RESP. */
START_TEST(echo_roundtrip)
{
	struct proto_echo e = { 1, 0xdeadbeef }, de;
	struct proto_echo_reply a = { 2, 1, 0xdeadbeef, ep4(198, 51, 100, 7, 40123) }, da;
	struct proto_reg_resp h = { .keepalive_ms = 1,
				    .page = PROTO_PAGE_NONE,
				    .echo_port = 40001,
				    .observed = ep4(1, 2, 3, 4, 5) };
	static struct proto_reg_resp dr;
	static const struct proto_self self = { .purge_s = 60 };
	struct proto_resp_writer w;
	uint8_t buf[PROTO_MAX_BODY];
	size_t n = (size_t)proto_enc_echo(buf, sizeof(buf), &e), na;

	ck_assert_int_eq(proto_dec_echo(buf, n, &de), 0);
	ck_assert_uint_eq(de.uplink, 1);
	ck_assert_uint_eq(de.seq, 0xdeadbeef);
	CHECK_TRUNCATIONS(proto_dec_echo, buf, n, struct proto_echo);
	na = (size_t)proto_enc_echo_reply(buf + 100, sizeof(buf) - 100, &a);
	/* The request is never smaller than its answer (IPv6: the largest). */
	a.observed.addr.family = AF_INET6;
	ck_assert_uint_ge(n, (size_t)proto_enc_echo_reply(buf + 100, sizeof(buf) - 100, &a));
	a.observed.addr.family = AF_INET;
	ck_assert_uint_le(na, n);
	buf[1] = 1; /* reserved */
	ck_assert_int_eq(proto_dec_echo(buf, n, &de), -EBADMSG);
	buf[1] = 0;
	buf[n - 1] = 1; /* padding */
	ck_assert_int_eq(proto_dec_echo(buf, n, &de), -EBADMSG);
	buf[n - 1] = 0;
	buf[0] = 2; /* uplink */
	ck_assert_int_eq(proto_dec_echo(buf, n, &de), -EBADMSG);
	n = (size_t)proto_enc_echo_reply(buf, sizeof(buf), &a);
	ck_assert_int_eq(proto_dec_echo_reply(buf, n, &da), 0);
	ck_assert(endpoint_equal(&da.observed, &a.observed));
	ck_assert_uint_eq(da.seq, a.seq);
	CHECK_TRUNCATIONS(proto_dec_echo_reply, buf, n, struct proto_echo_reply);
	a.observed.addr.family = AF_UNSPEC;
	n = (size_t)proto_enc_echo_reply(buf, sizeof(buf), &a);
	ck_assert_int_eq(proto_dec_echo_reply(buf, n, &da), -EBADMSG);
	/* echo_port: 0 or 32768..61000 */
	ck_assert_int_eq(proto_resp_begin(&w, buf, sizeof(buf), &h), 0);
	ck_assert_int_eq(proto_resp_add_self(&w, &self), 0);
	ck_assert_int_eq(proto_dec_reg_resp(buf, w.len, &dr), 0);
	ck_assert_uint_eq(dr.echo_port, 40001);
	buf[22] = 0x01; /* 0x01xx: below 32768 */
	ck_assert_int_eq(proto_dec_reg_resp(buf, w.len, &dr), -EBADMSG);
	h.echo_port = 9350;
	ck_assert_int_eq(proto_resp_begin(&w, buf, sizeof(buf), &h), -EINVAL);
	ck_assert_str_eq(proto_echo_name(PROTO_ECHO_BLOCKED), "blocked");
	ck_assert(proto_is_registry_type(PROTO_T_ECHO_REPLY));
	ck_assert(!proto_is_registry_type(PROTO_T_PROBE));
}
END_TEST

/* DIAG_REQ and DIAG_RESP, and every rule of the answer. */
START_TEST(diag_roundtrip)
{
	struct proto_diag_req q = { .seq = 42 }, dq;
	struct proto_diag_resp a, d, bad;
	uint8_t buf[PROTO_MAX_BODY];
	size_t n;

	memset(q.peer_pk, 0x5a, 32);
	n = (size_t)proto_enc_diag_req(buf, sizeof(buf), &q);
	ck_assert_uint_eq(n, 36);
	ck_assert_int_eq(proto_dec_diag_req(buf, n, &dq), 0);
	ck_assert_uint_eq(dq.seq, 42);
	ck_assert_mem_eq(dq.peer_pk, q.peer_pk, 32);
	CHECK_TRUNCATIONS(proto_dec_diag_req, buf, n, struct proto_diag_req);

	memset(&a, 0, sizeof(a));
	a.registry_id = 2;
	a.seq = 42;
	memset(a.peer_pk, 0x5a, 32);
	a.status = PROTO_DIAG_OK;
	a.connected = 1;
	a.last_seen_s = 3;
	a.n_uplinks = 2;
	a.uplinks[0] =
		(struct proto_diag_uplink){ 0, PROTO_NAT_UNFRIENDLY,	   PROTO_ECHO_BLOCKED, 1,
					    3, ep4(198, 51, 100, 7, 40123) };
	a.uplinks[1] =
		(struct proto_diag_uplink){ 1,	 PROTO_NAT_FRIENDLY,	     PROTO_ECHO_OK, 0,
					    700, ep4(198, 51, 100, 8, 40124) };
	a.n_paths = 2;
	a.paths[0] = (struct proto_diag_path){ 0, 1, 0, 0, 10000, 4 };
	a.paths[1] = (struct proto_diag_path){ 1, 0, 1, 23000, 50, 9 };
	n = (size_t)proto_enc_diag_resp(buf, sizeof(buf), &a);
	ck_assert_int_eq(proto_dec_diag_resp(buf, n, &d), 0);
	ck_assert_uint_eq(d.n_uplinks, 2);
	ck_assert_uint_eq(d.uplinks[0].echo, PROTO_ECHO_BLOCKED);
	ck_assert_uint_eq(d.uplinks[1].last_seen_s, 700);
	ck_assert(endpoint_equal(&d.uplinks[1].pub, &a.uplinks[1].pub));
	ck_assert_uint_eq(d.paths[1].rtt_us, 23000);
	ck_assert_uint_eq(d.paths[1].age_s, 9);
	ck_assert_uint_eq(d.paths[0].loss, 10000);
	CHECK_TRUNCATIONS(proto_dec_diag_resp, buf, n, struct proto_diag_resp);
	/* What breaks the rules is refused on both ends. */
#define REFUSED(change)                                                               \
	do {                                                                          \
		uint8_t b_[PROTO_MAX_BODY];                                           \
		bad = a;                                                              \
		change;                                                               \
		ck_assert_int_eq(proto_enc_diag_resp(b_, sizeof(b_), &bad), -EINVAL); \
	} while (0)
	REFUSED(bad.status = 3);
	REFUSED(bad.connected = 2);
	REFUSED(bad.last_seen_s = PROTO_DIAG_NONE);
	REFUSED(bad.n_uplinks = 0);
	REFUSED(bad.n_uplinks = 3);
	REFUSED(bad.uplinks[1].uplink = 0); /* not ascending */
	REFUSED(bad.uplinks[0].nat = 4);
	REFUSED(bad.uplinks[0].echo = 3);
	REFUSED(bad.uplinks[0].pub.addr.family = AF_UNSPEC);
	REFUSED(bad.n_paths = 5);
	REFUSED(bad.paths[0].loss = 10001);
	REFUSED(bad.paths[0].up = 2);
	REFUSED(bad.paths[0].remote_uplink = 2);
	REFUSED(bad.status = PROTO_DIAG_NEVER); /* with a report */
#undef REFUSED
	/* Not a peer: nothing but the status. */
	memset(&bad, 0, sizeof(bad));
	bad.status = PROTO_DIAG_NOT_PEER;
	bad.last_seen_s = PROTO_DIAG_NONE;
	n = (size_t)proto_enc_diag_resp(buf, sizeof(buf), &bad);
	ck_assert_int_eq(proto_dec_diag_resp(buf, n, &d), 0);
	ck_assert_uint_eq(d.status, PROTO_DIAG_NOT_PEER);
	buf[41] = 1; /* connected */
	ck_assert_int_eq(proto_dec_diag_resp(buf, n, &d), -EBADMSG);
	/* The reserved byte of a path. */
	n = (size_t)proto_enc_diag_resp(buf, sizeof(buf), &a);
	buf[n - 14 + 3] = 1;
	ck_assert_int_eq(proto_dec_diag_resp(buf, n, &d), -EBADMSG);
}
END_TEST

START_TEST(ack_push_roundtrip)
{
	struct proto_keepalive_ack a = { 7, 0xfeedull, 1, ep4(192, 195, 83, 215, 52899) }, da;
	struct proto_push p = { 7, 0xfeedull, PROTO_PUSH_CONFIG }, dp;
	uint8_t buf[64];
	size_t n = (size_t)proto_enc_keepalive_ack(buf, sizeof(buf), &a);

	ck_assert_int_eq(proto_dec_keepalive_ack(buf, n, &da), 0);
	ck_assert(endpoint_equal(&da.observed, &a.observed));
	ck_assert_uint_eq(da.version, 0xfeed);
	CHECK_TRUNCATIONS(proto_dec_keepalive_ack, buf, n, struct proto_keepalive_ack);
	n = (size_t)proto_enc_push(buf, sizeof(buf), &p);
	ck_assert_int_eq(proto_dec_push(buf, n, &dp), 0);
	ck_assert_uint_eq(dp.reason, PROTO_PUSH_CONFIG);
	CHECK_TRUNCATIONS(proto_dec_push, buf, n, struct proto_push);
	buf[n - 1] = 9;
	ck_assert_int_eq(proto_dec_push(buf, n, &dp), -EBADMSG);
}
END_TEST

static size_t build_resp(uint8_t *buf, size_t cap, struct proto_peer *p, int n_peers,
			 struct proto_subnet *subs, int n_subs)
{
	/* Page 1 of 2: no SELF record (that is on page 0, self_record below). */
	struct proto_reg_resp h = { .registry_id = 1,
				    .version = 42,
				    .keepalive_ms = 10000,
				    .uplink = 0,
				    .role = PROTO_ROLE_SPOKE,
				    .page = 1,
				    .page_count = 2,
				    .observed = ep4(1, 2, 3, 4, 5000) };
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

	s[1].prefix.addr.bytes[3] = 128;
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
	ck_assert_uint_eq(d.nonce, 0); /* no NONCE record: none */
	ck_assert_uint_eq(d.n_peers, 2);
	ck_assert_uint_eq(d.n_subnets, 4);
	ck_assert_str_eq(d.peers[0].name, p[0].name);
	ck_assert_mem_eq(d.peers[0].psk, p[0].psk, 32);
	ck_assert_uint_eq(d.peers[0].n_ep, 2);
	ck_assert(endpoint_equal(&d.peers[0].ep[0].ep, &p[0].ep[0].ep));
	ck_assert_uint_eq(d.peers[0].flags, PROTO_PEER_DEFAULT_ROUTE);
	ck_assert_uint_eq(d.peers[1].flags, PROTO_PEER_CONT);
	ck_assert_uint_eq(d.subnets[d.peers[1].subnet_first + 1].prefix.len, 25);
	ck_assert_uint_eq(d.subnets[1].prefix.addr.bytes[3], 128);
	ck_assert(prefix_equal(&d.subnets[1].prefix, &s[1].prefix));
	/* every truncation; trailing garbage */
	for (size_t l = 0; l < n; l++) {
		int r = proto_dec_reg_resp(buf, l, &d);

		/* A cut exactly between records is a valid shorter page; nothing else. */
		if (r == 0)
			ck_assert(d.n_peers < 2);
	}
	buf[n] = 0;
	ck_assert_int_eq(proto_dec_reg_resp(buf, n + 1, &d), -EBADMSG);
	/* Unknown record types are skipped whole. */
	buf[n] = 99;
	buf[n + 1] = 0;
	buf[n + 2] = 1;
	buf[n + 3] = 0xee;
	ck_assert_int_eq(proto_dec_reg_resp(buf, n + 4, &d), 0);
	ck_assert_uint_eq(d.n_peers, 2);
	/* The NONCE record: last, once, 8 bytes, not 0. */
	{
		struct proto_resp_writer w = { buf, sizeof(buf), n };
		uint8_t c[PROTO_MAX_BODY];

		ck_assert_int_eq(proto_resp_end(&w, 0), 0);
		ck_assert_uint_eq(w.len, n); /* 0: nothing written */
		ck_assert_int_eq(proto_resp_end(&w, 0x0102030405060708ull), 0);
		ck_assert_uint_eq(w.len, n + 11);
		ck_assert_int_eq(proto_dec_reg_resp(buf, w.len, &d), 0);
		ck_assert_uint_eq(d.nonce, 0x0102030405060708ull);
		ck_assert_uint_eq(d.n_peers, 2);
		memcpy(c, buf, w.len);
		memcpy(c + w.len, buf + n, 11); /* twice */
		ck_assert_int_eq(proto_dec_reg_resp(c, w.len + 11, &d), -EBADMSG);
		c[w.len] = 99; /* not last */
		ck_assert_int_eq(proto_dec_reg_resp(c, w.len + 11, &d), -EBADMSG);
		memset(c + n + 3, 0, 8); /* zero */
		ck_assert_int_eq(proto_dec_reg_resp(c, w.len, &d), -EBADMSG);
		memcpy(c, buf, w.len);
		c[n + 2] = 7; /* 7 bytes long */
		ck_assert_int_eq(proto_dec_reg_resp(c, w.len - 1, &d), -EBADMSG);
		/* It fits any page the paging filled: the room leaves space for it. */
		ck_assert_uint_le(proto_page_room() + 11 + 4 + 8 + 4 + 1 + 1 + 2 + 2 + 2 + 19,
				  PROTO_MAX_BODY);
	}
	/* Corruptions of individual fields. */
	{
		uint8_t bad[PROTO_MAX_BODY];
		size_t fixed = 4 + 8 + 4 + 1 + 1 + 2 + 2 + 2 + 7;

		memcpy(bad, buf, n);
		bad[fixed + 3] = 0x80; /* peer flags: unknown bit */
		ck_assert_int_eq(proto_dec_reg_resp(bad, n, &d), -EBADMSG);
		memcpy(bad, buf, n);
		bad[fixed + 3 + 1 + 32] = 3; /* role */
		ck_assert_int_eq(proto_dec_reg_resp(bad, n, &d), -EBADMSG);
		memcpy(bad, buf, n);
		bad[fixed + 3 + 1 + 32 + 2] = 0; /* name length 0 */
		ck_assert_int_eq(proto_dec_reg_resp(bad, n, &d), -EBADMSG);
		memcpy(bad, buf, n);
		bad[fixed + 3 + 1 + 32 + 3 + 4] = 0; /* NUL inside the name */
		ck_assert_int_eq(proto_dec_reg_resp(bad, n, &d), -EBADMSG);
		memcpy(bad, buf, n);
		bad[fixed + 1] = 0xff; /* record length beyond the message */
		ck_assert_int_eq(proto_dec_reg_resp(bad, n, &d), -EBADMSG);
		memcpy(bad, buf, n);
		bad[20] = 0; /* page 1 of page_count 0 */
		bad[21] = 0;
		ck_assert_int_eq(proto_dec_reg_resp(bad, n, &d), -EBADMSG);
	}
}
END_TEST

/* Page 0 (or a register-only answer) with a SELF record. */
static size_t build_page0(uint8_t *buf, const struct proto_self *self, uint16_t page)
{
	struct proto_reg_resp h = { .registry_id = 1,
				    .version = 42,
				    .keepalive_ms = 10000,
				    .page = page,
				    .page_count = page == PROTO_PAGE_NONE ? 0 : 3,
				    .observed = ep4(1, 2, 3, 4, 5000) };
	struct proto_peer p = { .role = PROTO_ROLE_HUB, .name = "H" };
	struct proto_subnet sn = sub4(10, 1, 0, 16, PROTO_SUB_ROUTE);
	struct proto_resp_writer w;

	ck_assert_int_eq(proto_resp_begin(&w, buf, PROTO_MAX_BODY, &h), 0);
	if (self)
		ck_assert_int_eq(proto_resp_add_self(&w, self), 0);
	if (page != PROTO_PAGE_NONE)
		ck_assert_int_eq(proto_resp_add_peer(&w, &p, &sn, 1), 0);
	return w.len;
}

/* The SELF record: round trip, where it may be, and its rules. */
START_TEST(self_record)
{
	static struct proto_reg_resp d;
	static struct proto_self m, bad;
	uint8_t buf[PROTO_MAX_BODY], b2[PROTO_MAX_BODY];
	size_t n, fixed = 4 + 8 + 4 + 1 + 1 + 2 + 2 + 2 + 7;
	struct proto_resp_writer w;

	self_sample(&m);
	n = build_page0(buf, &m, 0);
	ck_assert_int_eq(proto_dec_reg_resp(buf, n, &d), 0);
	ck_assert(d.has_self);
	ck_assert_uint_eq(d.n_peers, 1);
	ck_assert_uint_eq(d.self.flags, m.flags);
	ck_assert_uint_eq(d.self.purge_s, 3 * 3600);
	ck_assert_uint_eq(d.self.n_manual, 2);
	ck_assert(endpoint_equal(&d.self.manual[1], &m.manual[1]));
	ck_assert_uint_eq(d.self.n_classes, 2);
	ck_assert_str_eq(d.self.classes[1].name, "Interactive video");
	ck_assert_uint_eq(d.self.classes[1].max_latency_ms, PROTO_LIMIT_NONE);
	ck_assert_uint_eq(d.self.classes[1].max_loss_bp, 200);
	ck_assert_uint_eq(d.self.n_prefs, 3);
	ck_assert_uint_eq(d.self.prefs[0].dscp, 46);
	ck_assert(prefix_equal(&d.self.prefs[0].src, &m.prefs[0].src));
	ck_assert(prefix_equal(&d.self.prefs[1].dst, &m.prefs[1].dst));
	ck_assert_uint_eq(d.self.prefs[2].dport_hi, 3481);
	ck_assert_uint_eq(d.self.prefs[2].class_idx, 1);
	ck_assert_int_eq(proto_self_size(&m),
			 (ssize_t)(n - fixed - (3 + 1 + 32 + 3 + 1 + 32 + 1 + 2 + 4 + 4)));
	/* Re-encoded: the same bytes. */
	build_page0(b2, &d.self, 0);
	ck_assert_mem_eq(b2, buf, n);
	/* Register-only answers carry it too; page 0 and those must. */
	n = build_page0(buf, &m, PROTO_PAGE_NONE);
	ck_assert_int_eq(proto_dec_reg_resp(buf, n, &d), 0);
	ck_assert(d.has_self);
	n = build_page0(buf, NULL, PROTO_PAGE_NONE);
	ck_assert_int_eq(proto_dec_reg_resp(buf, n, &d), -EBADMSG);
	n = build_page0(buf, NULL, 0);
	ck_assert_int_eq(proto_dec_reg_resp(buf, n, &d), -EBADMSG);
	/* Not on later pages; once; first. */
	n = build_page0(buf, &m, 1);
	ck_assert_int_eq(proto_dec_reg_resp(buf, n, &d), -EBADMSG);
	n = build_page0(buf, &m, 0);
	{
		size_t sl = (size_t)proto_self_size(&m);

		memcpy(b2, buf, n);
		memcpy(b2 + n, buf + fixed, sl); /* a second one at the end */
		ck_assert_int_eq(proto_dec_reg_resp(b2, n + sl, &d), -EBADMSG);
		memcpy(b2, buf, fixed); /* after the peer record */
		memcpy(b2 + fixed, buf + fixed + sl, n - fixed - sl);
		memcpy(b2 + n - sl, buf + fixed, sl);
		ck_assert_int_eq(proto_dec_reg_resp(b2, n, &d), -EBADMSG);
	}
	/* Every truncation of the record is refused (the record length says more). */
	for (size_t l = fixed + 1; l < fixed + (size_t)proto_self_size(&m); l++)
		ck_assert_int_eq(proto_dec_reg_resp(buf, l, &d), -EBADMSG);
	/* Rules: what has no encoding is refused by the writer. */
	proto_resp_begin(&w, b2, sizeof(b2),
			 &(struct proto_reg_resp){ .keepalive_ms = 1,
						   .page = PROTO_PAGE_NONE,
						   .observed = m.manual[0] });
#define REFUSED(change)                                                   \
	do {                                                              \
		bad = m;                                                  \
		change;                                                   \
		ck_assert_int_eq(proto_resp_add_self(&w, &bad), -EINVAL); \
		ck_assert_int_eq(proto_self_size(&bad), -EINVAL);         \
	} while (0)
	REFUSED(bad.flags = 0x04);
	REFUSED(bad.purge_s = 0);
	REFUSED(bad.n_manual = 0);		       /* MANUAL_NAT needs endpoints */
	REFUSED(bad.flags = PROTO_SELF_ACTIVE_ACTIVE); /* endpoints without it */
	REFUSED(bad.n_manual = 3);
	REFUSED(bad.classes[0].name[0] = 0);
	REFUSED(bad.classes[0].max_loss_bp = 10001);
	REFUSED(bad.classes[0].max_latency_ms = 600001);
	REFUSED(bad.classes[1].max_loss_bp = PROTO_LIMIT_NONE); /* no limit at all */
	REFUSED(bad.prefs[0].fields |= 0x80);
	REFUSED(bad.prefs[0].uplink = 3);
	REFUSED(bad.prefs[2].fields &= ~PROTO_FP_CLASS); /* uplink any, no class */
	REFUSED(bad.prefs[0].protocol = 0);
	REFUSED(bad.prefs[0].fields |= PROTO_FP_DST); /* src v4, dst unset (AF 0) */
	REFUSED(bad.prefs[1].dport_lo = 444);	      /* lo > hi */
	REFUSED(bad.prefs[1].dport_lo = 0; bad.prefs[1].dport_hi = 65535); /* that is "any" */
	REFUSED(bad.prefs[1].protocol = 1); /* ports need tcp/udp/sctp */
	REFUSED(bad.prefs[0].dscp = 64);
	REFUSED(bad.prefs[0].class_idx = 2);
	REFUSED(bad.prefs[0].src.len = 8); /* host bits */
#undef REFUSED
	/* The decoder refuses the same when it comes as bytes. */
	n = build_page0(buf, &m, 0);
	memcpy(b2, buf, n);
	b2[fixed + 3] = 0x04; /* flags */
	ck_assert_int_eq(proto_dec_reg_resp(b2, n, &d), -EBADMSG);
	memcpy(b2, buf, n);
	b2[fixed + 3 + 1 + 4 + 1 + 7 + 7 + 1 + 1 + 2] = 0; /* a NUL inside "VoIP" */
	ck_assert_int_eq(proto_dec_reg_resp(b2, n, &d), -EBADMSG);
	/* A record too long for its budget is refused on both ends. */
	bad = m;
	bad.n_prefs = 60;
	for (int i = 3; i < PROTO_SELF_MAX_PREFS; i++)
		bad.prefs[i] = m.prefs[0];
	ck_assert_int_gt(proto_self_size(&bad), PROTO_SELF_MAX);
	ck_assert_int_eq(proto_resp_add_self(&w, &bad), -EMSGSIZE);
	bad.n_prefs = PROTO_SELF_MAX_PREFS; /* not even a whole page */
	ck_assert_int_eq(proto_self_size(&bad), -EMSGSIZE);
}
END_TEST

START_TEST(subnet_validation)
{
	struct proto_peer p = { .flags = PROTO_PEER_CONT };
	struct proto_subnet s = sub4(10, 0, 60, 16, PROTO_SUB_ROUTE); /* host bits set */
	uint8_t buf[PROTO_MAX_BODY];
	struct proto_reg_resp h = { .keepalive_ms = 1,
				    .page_count = 1,
				    .observed = ep4(1, 1, 1, 1, 1) };
	struct proto_resp_writer w;

	proto_resp_begin(&w, buf, sizeof(buf), &h);
	ck_assert_int_eq(proto_resp_add_peer(&w, &p, &s, 1), -EINVAL);
	s = sub4(10, 0, 0, 33, PROTO_SUB_ROUTE);
	ck_assert_int_eq(proto_resp_add_peer(&w, &p, &s, 1), -EINVAL);
	s = sub4(10, 0, 0, 8, 0); /* neither route nor allowed */
	ck_assert_int_eq(proto_resp_add_peer(&w, &p, &s, 1), -EINVAL);
	/* DEFAULT is exactly a route to 0/0; TRANSIT only on routes; allowed: metric 0. */
	s = sub4(10, 0, 0, 8, PROTO_SUB_ROUTE | PROTO_SUB_DEFAULT);
	ck_assert_int_eq(proto_resp_add_peer(&w, &p, &s, 1), -EINVAL);
	s = sub4(0, 0, 0, 0, PROTO_SUB_ALLOWED | PROTO_SUB_DEFAULT);
	ck_assert_int_eq(proto_resp_add_peer(&w, &p, &s, 1), -EINVAL);
	s = sub4(0, 0, 0, 0, PROTO_SUB_ROUTE | PROTO_SUB_DEFAULT | PROTO_SUB_TRANSIT);
	ck_assert_int_eq(proto_resp_add_peer(&w, &p, &s, 1), -EINVAL);
	s = sub4(0, 0, 0, 0, PROTO_SUB_ROUTE);
	ck_assert_int_eq(proto_resp_add_peer(&w, &p, &s, 1), -EINVAL);
	s = sub4(10, 0, 0, 8, PROTO_SUB_ALLOWED | PROTO_SUB_TRANSIT);
	ck_assert_int_eq(proto_resp_add_peer(&w, &p, &s, 1), -EINVAL);
	s = sub4(10, 0, 0, 8, PROTO_SUB_ALLOWED);
	s.metric = 1;
	ck_assert_int_eq(proto_resp_add_peer(&w, &p, &s, 1), -EINVAL);
	s = sub4(0, 0, 0, 0, PROTO_SUB_ALLOWED); /* "any" source */
	ck_assert_int_eq(proto_resp_add_peer(&w, &p, &s, 1), 0);
	s = sub4(0, 0, 0, 0, PROTO_SUB_ROUTE | PROTO_SUB_DEFAULT);
	ck_assert_int_eq(proto_resp_add_peer(&w, &p, &s, 1), 0);
	/* A page that is full leaves it unchanged. */
	w.cap = w.len + 10;
	ck_assert_int_eq(proto_resp_add_peer(&w, &p, &s, 1), -EMSGSIZE);
	ck_assert_uint_eq(w.len, w.cap - 10);
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
	pages = proto_paginate(items, 40, starts, 200, 0);
	ck_assert_uint_gt(pages, 2000 * 8 / PROTO_MAX_BODY);
	memset(&c, 0, sizeof(c));
	for (uint32_t p = 0; p < pages; p++) {
		struct proto_page_cursor cur = starts[p];

		proto_page_fill(items, 40, &cur, proto_page_room(), count_take, &c);
		if (p + 1 < pages) {
			ck_assert_uint_eq(cur.peer, starts[p + 1].peer);
			ck_assert_uint_eq(cur.subnet, starts[p + 1].subnet);
		} else {
			ck_assert_uint_eq(cur.peer, 40);
		}
	}
	for (int i = 0; i < 40; i++)
		ck_assert_uint_eq(c.subs_seen[i], items[i].n_subnets);
	ck_assert_uint_eq(proto_paginate(items, 40, NULL, 200, 0), pages);
	ck_assert_uint_eq(proto_paginate(items, 40, starts, 2, 0), 0); /* too many */
	ck_assert_uint_eq(proto_paginate(items, 0, starts, 1, 0), 1);  /* empty: one page */
	/* Room kept on page 0 (the SELF record) moves the later starts, never page 0's. */
	{
		struct proto_page_cursor s2[200];
		uint32_t p2 = proto_paginate(items, 40, s2, 200, PROTO_SELF_MAX);

		ck_assert_uint_ge(p2, pages);
		ck_assert_uint_eq(s2[0].peer, 0);
		ck_assert(s2[1].peer < starts[1].peer ||
			  (s2[1].peer == starts[1].peer && s2[1].subnet < starts[1].subnet));
	}
	(void)total_subs;
}
END_TEST

START_TEST(nat_classification)
{
	struct endpoint a = ep4(192, 195, 83, 215, 52899), b = a, none = { 0 };

	ck_assert_uint_eq(proto_nat_classify(&a, &b, 0), PROTO_NAT_FRIENDLY);
	b.port = 56126; /* port rewritten per destination */
	ck_assert_uint_eq(proto_nat_classify(&a, &b, 0), PROTO_NAT_UNFRIENDLY);
	b = a;
	b.addr.bytes[3] = 17; /* load balanced over two public addresses */
	ck_assert_uint_eq(proto_nat_classify(&a, &b, 0), PROTO_NAT_UNFRIENDLY);
	ck_assert_uint_eq(proto_nat_classify(&a, &none, 0), PROTO_NAT_UNKNOWN);
	ck_assert_uint_eq(proto_nat_classify(NULL, &a, 0), PROTO_NAT_UNKNOWN);
	ck_assert_uint_eq(proto_nat_classify(&a, &b, 1), PROTO_NAT_MANUAL);
	ck_assert_str_eq(proto_nat_name(PROTO_NAT_UNFRIENDLY), "unfriendly");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("proto");
	TCase *tc = tcase_create("proto");

	tcase_add_test(tc, reg_req_roundtrip);
	tcase_add_test(tc, keepalive_roundtrip);
	tcase_add_test(tc, echo_roundtrip);
	tcase_add_test(tc, diag_roundtrip);
	tcase_add_test(tc, ack_push_roundtrip);
	tcase_add_test(tc, reg_resp_roundtrip);
	tcase_add_test(tc, self_record);
	tcase_add_test(tc, subnet_validation);
	tcase_add_test(tc, paging);
	tcase_add_test(tc, nat_classification);
	return unit_run(s, tc);
}
