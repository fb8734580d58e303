// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the control message codec and its consumers.
 * Input: byte 0 picks the target, the rest is the message.
 *   0..4  the body decoders (reg_req, keepalive, keepalive_ack, push,
 *         reg_resp with its SELF record); what decodes must re-encode and
 *         decode to the same
 *   5     seal_peek/seal_open of a whole datagram under a fixed key
 *   6     regclient_input: a gateway's state machine fed the datagram,
 *         then ticked, so every state a message can reach is exercised
 *         (high-port echo on, a DIAG question out)
 *   7..10 echo, echo_reply, diag_req, diag_resp: as 0..4
 *
 *   build: tests/fuzz/build.mk (clang -fsanitize=fuzzer,address,undefined)
 *   run:   build/fuzz/fuzz_proto -max_total_time=60 tests/fuzz/corpus/proto
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "wire/proto.h"
#include "wire/regclient.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reg_resp(const uint8_t *p, size_t n)
{
	static struct proto_reg_resp m, m2;
	static uint8_t buf[PROTO_MAX_BODY];
	struct proto_resp_writer w;

	if (proto_dec_reg_resp(p, n, &m))
		return;
	if (proto_resp_begin(&w, buf, sizeof(buf), &m))
		abort();
	if (m.has_self && proto_resp_add_self(&w, &m.self))
		abort();
	for (unsigned int i = 0; i < m.n_peers; i++)
		if (proto_resp_add_peer(&w, &m.peers[i], &m.subnets[m.peers[i].subnet_first],
					m.peers[i].n_subnets))
			abort();
	if (proto_resp_end(&w, m.nonce))
		abort();
	if (proto_dec_reg_resp(buf, w.len, &m2) || m2.n_peers != m.n_peers ||
	    m2.n_subnets != m.n_subnets || m2.has_self != m.has_self || m2.nonce != m.nonce ||
	    w.len > n)
		abort();
}

#define ROUNDTRIP(T, dec, enc)                                                         \
	do {                                                                           \
		T m_, m2_;                                                             \
		uint8_t b_[PROTO_MAX_BODY];                                            \
		ssize_t l_;                                                            \
		if (dec(p, n, &m_))                                                    \
			break;                                                         \
		l_ = enc(b_, sizeof(b_), &m_);                                         \
		/* Strict codec: the same bytes come back. */                          \
		if (l_ != (ssize_t)n || memcmp(b_, p, n) || dec(b_, (size_t)l_, &m2_)) \
			abort();                                                       \
	} while (0)

static uint8_t reg_sk[32], reg_pk[32], gw_sk[32], gw_pk[32];
/* The gateway's, in target 6: of the process and of each download. */
#define FUZZ_NONCE 0x0606060606060606ull

static void noop_send(void *ctx, unsigned int ul, unsigned int reg, const uint8_t *msg, size_t len)
{
}

static void noop_port(void *ctx, unsigned int ul, unsigned int reg, uint16_t port,
		      const uint8_t *msg, size_t len)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	const uint8_t *p = data + 1;
	size_t n = size ? size - 1 : 0;

	if (!init) {
		seal_init();
		/* Fixed keys so that the corpus can hold valid sealed messages. */
		memset(reg_sk, 1, 32);
		memset(gw_sk, 2, 32);
		crypto_scalarmult_base(reg_pk, reg_sk);
		crypto_scalarmult_base(gw_pk, gw_sk);
		init = 1;
	}
	if (!size)
		return 0;
	switch (data[0] % 11) {
	case 0:
		ROUNDTRIP(struct proto_reg_req, proto_dec_reg_req, proto_enc_reg_req);
		break;
	case 1:
		ROUNDTRIP(struct proto_keepalive, proto_dec_keepalive, proto_enc_keepalive);
		break;
	case 2:
		ROUNDTRIP(struct proto_keepalive_ack, proto_dec_keepalive_ack,
			  proto_enc_keepalive_ack);
		break;
	case 3:
		ROUNDTRIP(struct proto_push, proto_dec_push, proto_enc_push);
		break;
	case 4:
		check_reg_resp(p, n);
		break;
	case 5: {
		struct seal_key k;
		struct seal_hdr h;
		uint8_t pt[PROTO_MAX_MSG];

		seal_precompute(&k, gw_pk, reg_sk, reg_pk);
		if (n <= PROTO_MAX_MSG && !seal_peek(p, n, &h))
			seal_open(pt, sizeof(pt), p, n, &k);
		break;
	}
	case 6: {
		static struct regclient rc;
		struct regclient_cfg cfg = {
			.n_registries = 2,
			.n_uplinks = 2,
			.sender_id = 1,
			.send_port = noop_port,
			/* Seeds carry fixed counters: no clock window (136 years). */
			.max_clock_skew_s = UINT32_MAX,
		};
		uint8_t peer[32];

		memcpy(cfg.sk, gw_sk, 32);
		memcpy(cfg.pk, gw_pk, 32);
		memcpy(cfg.registry_pk, reg_pk, 32);
		if (regclient_init(&rc, &cfg, 0))
			abort();
		/* Fixed, so that the corpus's answers can echo it (regclient.h). */
		rc.nonce = FUZZ_NONCE;
		regclient_tick(&rc, 0, noop_send, NULL);
		memset(peer, 3, 32);
		/* Split the input into datagrams at 0xff 0xfe markers. */
		for (size_t off = 0; off < n;) {
			size_t end = off;

			while (end + 1 < n && !(p[end] == 0xff && p[end + 1] == 0xfe))
				end++;
			if (end + 1 >= n)
				end = n;
			/* Page answers echo the download's own nonce, random at
			 * each start of one: the same fixed one for them. */
			if (rc.fetching)
				rc.fetch_nonce = FUZZ_NONCE;
			regclient_input(&rc, off, (unsigned int)(off & 1),
					(unsigned int)(off >> 1 & 1), p + off, end - off, noop_send,
					NULL);
			regclient_tick(&rc, off + 10000, noop_send, NULL);
			/* A question out, so that an answer can match one. */
			if (!off)
				regclient_diag(&rc, off, peer, noop_send, NULL);
			off = end + 2;
		}
		regclient_purge(&rc, UINT64_MAX / 2);
		regclient_free(&rc);
		break;
	}
	case 7:
		ROUNDTRIP(struct proto_echo, proto_dec_echo, proto_enc_echo);
		break;
	case 8:
		ROUNDTRIP(struct proto_echo_reply, proto_dec_echo_reply, proto_enc_echo_reply);
		break;
	case 9:
		ROUNDTRIP(struct proto_diag_req, proto_dec_diag_req, proto_enc_diag_req);
		break;
	case 10:
		ROUNDTRIP(struct proto_diag_resp, proto_dec_diag_resp, proto_enc_diag_resp);
		break;
	}
	return 0;
}
