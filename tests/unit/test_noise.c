// SPDX-License-Identifier: GPL-2.0
/*
 * Noise IK / IKpsk2 (daemon/lib/wire/noise.c) against the cacophony test
 * vectors (NOISE_VECTORS, a path the build passes in), and its failure
 * behaviour: tampering, low-order points, calls out of order, wiping.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <sodium.h>

#include "wire/noise.h"
#include "unit.h"

#ifndef NOISE_VECTORS
#error "build with -DNOISE_VECTORS=\"path/to/noise-ik.json\""
#endif

struct vec {
	json_object *root;
	json_object *v;
};

static size_t unhex(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = strlen(hex) / 2, bin;

	ck_assert_uint_le(n, cap);
	ck_assert_int_eq(sodium_hex2bin(out, cap, hex, strlen(hex), NULL, &bin, NULL), 0);
	ck_assert_uint_eq(bin, n);
	return n;
}

static const char *str(json_object *o, const char *key)
{
	json_object *f;

	ck_assert_msg(json_object_object_get_ex(o, key, &f), "vector without %s", key);
	return json_object_get_string(f);
}

/* A missing file or vector fails the test: it is never skipped. */
static void vec_load(struct vec *v, const char *name)
{
	json_object *arr;
	size_t i;

	v->root = json_object_from_file(NOISE_VECTORS);
	ck_assert_msg(v->root, "cannot read %s", NOISE_VECTORS);
	ck_assert(json_object_object_get_ex(v->root, "vectors", &arr));
	v->v = NULL;
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i);

		if (!strcmp(str(o, "protocol_name"), name))
			v->v = o;
	}
	ck_assert_msg(v->v, "no vector %s in %s", name, NOISE_VECTORS);
}

static void key(uint8_t k[32], json_object *o, const char *field)
{
	ck_assert_uint_eq(unhex(k, 32, str(o, field)), 32);
}

/* The psk is the first element of init_psks / resp_psks. */
static void psk_of(uint8_t k[32], json_object *o, const char *field)
{
	json_object *arr;

	ck_assert(json_object_object_get_ex(o, field, &arr));
	ck_assert_uint_eq(json_object_array_length(arr), 1);
	ck_assert_uint_eq(unhex(k, 32, json_object_get_string(json_object_array_get_idx(arr, 0))),
			  32);
}

struct msgbuf {
	uint8_t payload[256], ct[512], out[512];
	size_t plen, clen;
};

static void msg_get(struct msgbuf *m, json_object *msgs, size_t i)
{
	json_object *o = json_object_array_get_idx(msgs, i);

	m->plen = unhex(m->payload, sizeof(m->payload), str(o, "payload"));
	m->clen = unhex(m->ct, sizeof(m->ct), str(o, "ciphertext"));
}

/*
 * Runs the whole vector: both handshake messages written by one side must
 * equal the vector and be read by the other; then the transport messages,
 * alternating initiator -> responder and back, through split()'s ciphers.
 */
static void run_vector(const char *name, enum noise_pattern pat)
{
	struct noise_handshake ini, res;
	struct noise_cipher ii2r, ir2i, ri2r, rr2i;
	uint8_t is[32], ie[32], irs[32], rs_[32], re[32], psk[32], prol[64], hh[32], h1[32], h2[32];
	struct msgbuf m;
	json_object *msgs;
	struct vec v;
	size_t plen, i;

	vec_load(&v, name);
	key(is, v.v, "init_static");
	key(ie, v.v, "init_ephemeral");
	key(irs, v.v, "init_remote_static");
	key(rs_, v.v, "resp_static");
	key(re, v.v, "resp_ephemeral");
	key(hh, v.v, "handshake_hash");
	plen = unhex(prol, sizeof(prol), str(v.v, "init_prologue"));
	ck_assert_str_eq(str(v.v, "init_prologue"), str(v.v, "resp_prologue"));
	ck_assert(json_object_object_get_ex(v.v, "messages", &msgs));
	ck_assert_uint_ge(json_object_array_length(msgs), 3);

	ck_assert_int_eq(noise_handshake_init(&ini, pat, true, prol, plen, is, NULL, irs), 0);
	ck_assert_int_eq(noise_handshake_init(&res, pat, false, prol, plen, rs_, NULL, NULL), 0);
	ck_assert_int_eq(noise_handshake_set_ephemeral(&ini, ie), 0);
	ck_assert_int_eq(noise_handshake_set_ephemeral(&res, re), 0);
	if (pat == NOISE_IKPSK2) {
		uint8_t rpsk[32];

		psk_of(psk, v.v, "init_psks");
		psk_of(rpsk, v.v, "resp_psks");
		ck_assert_mem_eq(psk, rpsk, 32);
		ck_assert_int_eq(noise_handshake_set_psk(&ini, psk), 0);
		ck_assert_int_eq(noise_handshake_set_psk(&res, psk), 0);
	} else {
		ck_assert_int_eq(noise_handshake_set_psk(&ini, psk), -EPROTO);
	}

	/* message 1 */
	msg_get(&m, msgs, 0);
	ck_assert_uint_eq(m.clen, NOISE_MSG1_LEN(m.plen));
	ck_assert_int_eq(noise_write_msg1(&ini, m.out, m.clen, m.payload, m.plen), 0);
	ck_assert_mem_eq(m.out, m.ct, m.clen);
	ck_assert_int_eq(noise_read_msg1(&res, m.ct, m.clen, m.out, m.plen), 0);
	ck_assert_mem_eq(m.out, m.payload, m.plen);
	ck_assert_mem_eq(res.rs, ini.s_pub, 32);

	/* message 2 */
	msg_get(&m, msgs, 1);
	ck_assert_uint_eq(m.clen, NOISE_MSG2_LEN(m.plen));
	ck_assert_int_eq(noise_write_msg2(&res, m.out, m.clen, m.payload, m.plen), 0);
	ck_assert_mem_eq(m.out, m.ct, m.clen);
	ck_assert_int_eq(noise_read_msg2(&ini, m.ct, m.clen, m.out, m.plen), 0);
	ck_assert_mem_eq(m.out, m.payload, m.plen);

	ck_assert_int_eq(noise_handshake_hash(&ini, h1), 0);
	ck_assert_int_eq(noise_handshake_hash(&res, h2), 0);
	ck_assert_mem_eq(h1, hh, 32);
	ck_assert_mem_eq(h2, hh, 32);

	ck_assert_int_eq(noise_split(&ini, &ii2r, &ir2i), 0);
	ck_assert_int_eq(noise_split(&res, &ri2r, &rr2i), 0);
	ck_assert_mem_eq(ii2r.k, ri2r.k, 32);
	ck_assert_mem_eq(ir2i.k, rr2i.k, 32);
	ck_assert_int_ne(memcmp(ii2r.k, ir2i.k, 32), 0);
	/* split() wiped the handshake states. */
	ck_assert_int_eq(ini.step, NOISE_STEP_DEAD);
	ck_assert(sodium_is_zero(ini.ck, 32) && sodium_is_zero(ini.e_priv, 32));

	/* transport: even messages initiator -> responder, odd the other way */
	for (i = 2; i < json_object_array_length(msgs); i++) {
		struct noise_cipher *tx = i % 2 ? &rr2i : &ii2r, *rx = i % 2 ? &ir2i : &ri2r;

		msg_get(&m, msgs, i);
		ck_assert_uint_eq(m.clen, m.plen + NOISE_TAG_LEN);
		ck_assert_int_eq(noise_cipher_encrypt(tx, NULL, 0, m.payload, m.plen, m.out), 0);
		ck_assert_mem_eq(m.out, m.ct, m.clen);
		ck_assert_int_eq(noise_cipher_decrypt(rx, NULL, 0, m.ct, m.clen, m.out), 0);
		ck_assert_mem_eq(m.out, m.payload, m.plen);
	}
	json_object_put(v.root);
}

START_TEST(vector_ikpsk2)
{
	run_vector("Noise_IKpsk2_25519_ChaChaPoly_SHA256", NOISE_IKPSK2);
}
END_TEST

START_TEST(vector_ik)
{
	run_vector("Noise_IK_25519_ChaChaPoly_SHA256", NOISE_IK);
}
END_TEST

/* A fixed IKpsk2 pair, for the negative tests. */
struct pair {
	uint8_t is[32], rs_priv[32], rs_pub[32], psk[32];
	struct noise_handshake ini, res;
	uint8_t m1[NOISE_MSG1_LEN(4)], m2[NOISE_MSG2_LEN(3)];
};

static void pair_init(struct pair *p)
{
	memset(p, 0, sizeof(*p));
	memset(p->is, 0x11, 32);
	memset(p->rs_priv, 0x22, 32);
	memset(p->psk, 0x33, 32);
	ck_assert_int_eq(crypto_scalarmult_base(p->rs_pub, p->rs_priv), 0);
	ck_assert_int_eq(noise_handshake_init(&p->ini, NOISE_IKPSK2, true, (const uint8_t *)"x", 1,
					      p->is, NULL, p->rs_pub),
			 0);
	ck_assert_int_eq(noise_handshake_init(&p->res, NOISE_IKPSK2, false, (const uint8_t *)"x", 1,
					      p->rs_priv, p->rs_pub, NULL),
			 0);
	ck_assert_int_eq(noise_handshake_set_psk(&p->ini, p->psk), 0);
	ck_assert_int_eq(noise_handshake_set_psk(&p->res, p->psk), 0);
}

/* Flipping any single bit of either message makes the reader fail. */
START_TEST(tamper_every_byte)
{
	struct pair p, q;
	uint8_t pl[4];
	size_t i;

	pair_init(&p);
	ck_assert_int_eq(noise_write_msg1(&p.ini, p.m1, sizeof(p.m1), (const uint8_t *)"abcd", 4),
			 0);
	for (i = 0; i < sizeof(p.m1); i++) {
		uint8_t m[sizeof(p.m1)];

		pair_init(&q);
		memcpy(m, p.m1, sizeof(m));
		m[i] ^= 0x01 << (i % 8);
		ck_assert_int_ne(noise_read_msg1(&q.res, m, sizeof(m), pl, 4), 0);
		ck_assert_int_eq(q.res.step, NOISE_STEP_DEAD);
	}
	ck_assert_int_eq(noise_read_msg1(&p.res, p.m1, sizeof(p.m1), pl, 4), 0);
	ck_assert_mem_eq(pl, "abcd", 4);
	ck_assert_int_eq(noise_write_msg2(&p.res, p.m2, sizeof(p.m2), (const uint8_t *)"xyz", 3),
			 0);
	for (i = 0; i < sizeof(p.m2); i++) {
		struct noise_handshake ini = p.ini;
		uint8_t m[sizeof(p.m2)];

		memcpy(m, p.m2, sizeof(m));
		m[i] ^= 0x80 >> (i % 8);
		ck_assert_int_ne(noise_read_msg2(&ini, m, sizeof(m), pl, 3), 0);
		ck_assert_int_eq(ini.step, NOISE_STEP_DEAD);
	}
	ck_assert_int_eq(noise_read_msg2(&p.ini, p.m2, sizeof(p.m2), pl, 3), 0);
	ck_assert_mem_eq(pl, "xyz", 3);
}
END_TEST

/* Different psks: message 1 still reads (psk2 is mixed late), message 2 not. */
START_TEST(wrong_psk)
{
	struct pair p;
	uint8_t pl[4], other[32];

	pair_init(&p);
	memset(other, 0x34, 32);
	ck_assert_int_eq(noise_handshake_set_psk(&p.res, other), 0);
	ck_assert_int_eq(noise_write_msg1(&p.ini, p.m1, sizeof(p.m1), (const uint8_t *)"abcd", 4),
			 0);
	ck_assert_int_eq(noise_read_msg1(&p.res, p.m1, sizeof(p.m1), pl, 4), 0);
	ck_assert_int_eq(noise_write_msg2(&p.res, p.m2, sizeof(p.m2), (const uint8_t *)"xyz", 3),
			 0);
	ck_assert_int_eq(noise_read_msg2(&p.ini, p.m2, sizeof(p.m2), pl, 3), -EBADMSG);
}
END_TEST

/* An ephemeral of small order gives the all-zero DH: refused, not mixed. */
START_TEST(low_order_points)
{
	/* 0 and 1 are of small order on Curve25519; so is this point of order 8. */
	static const uint8_t order8[32] = { 0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae,
					    0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
					    0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd,
					    0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00 };
	const uint8_t *bad[3];
	struct pair p;
	uint8_t pl[4];
	uint8_t zero[32] = { 0 }, one[32] = { 1 };
	int i;

	bad[0] = zero;
	bad[1] = one;
	bad[2] = order8;
	for (i = 0; i < 3; i++) {
		pair_init(&p);
		ck_assert_int_eq(noise_write_msg1(&p.ini, p.m1, sizeof(p.m1),
						  (const uint8_t *)"abcd", 4),
				 0);
		memcpy(p.m1, bad[i], 32);
		ck_assert_int_eq(noise_read_msg1(&p.res, p.m1, sizeof(p.m1), pl, 4), -EBADMSG);

		pair_init(&p);
		ck_assert_int_eq(noise_write_msg1(&p.ini, p.m1, sizeof(p.m1),
						  (const uint8_t *)"abcd", 4),
				 0);
		ck_assert_int_eq(noise_read_msg1(&p.res, p.m1, sizeof(p.m1), pl, 4), 0);
		ck_assert_int_eq(
			noise_write_msg2(&p.res, p.m2, sizeof(p.m2), (const uint8_t *)"xyz", 3), 0);
		memcpy(p.m2, bad[i], 32);
		ck_assert_int_eq(noise_read_msg2(&p.ini, p.m2, sizeof(p.m2), pl, 3), -EBADMSG);
	}
	/* A responder static key of small order: the initiator refuses to write. */
	memset(&p, 0, sizeof(p));
	memset(p.is, 0x11, 32);
	ck_assert_int_eq(noise_handshake_init(&p.ini, NOISE_IK, true, NULL, 0, p.is, NULL, order8),
			 0);
	ck_assert_int_eq(noise_write_msg1(&p.ini, p.m1, sizeof(p.m1), pl, 4), -EBADMSG);
	ck_assert_int_eq(p.ini.step, NOISE_STEP_DEAD);
}
END_TEST

START_TEST(order_and_sizes)
{
	struct noise_cipher a, b;
	struct pair p;
	uint8_t pl[4], h[32], big[NOISE_MSG1_LEN(5)];

	pair_init(&p);
	ck_assert_int_eq(noise_handshake_hash(&p.ini, h), -EPROTO);
	ck_assert_int_eq(noise_split(&p.ini, &a, &b), -EPROTO);
	ck_assert_int_eq(noise_read_msg2(&p.ini, p.m2, sizeof(p.m2), pl, 3), -EPROTO);
	ck_assert_int_eq(noise_write_msg2(&p.res, p.m2, sizeof(p.m2), pl, 3), -EPROTO);
	ck_assert_int_eq(noise_read_msg1(&p.ini, p.m1, sizeof(p.m1), pl, 4), -EPROTO);
	ck_assert_int_eq(noise_write_msg1(&p.res, p.m1, sizeof(p.m1), pl, 4), -EPROTO);
	/* size must match the payload exactly */
	ck_assert_int_eq(noise_write_msg1(&p.ini, p.m1, sizeof(p.m1) - 1, pl, 4), -EINVAL);
	ck_assert_int_eq(noise_write_msg1(&p.ini, p.m1, sizeof(p.m1), (const uint8_t *)"abcd", 4),
			 0);
	/* written once only */
	ck_assert_int_eq(noise_write_msg1(&p.ini, p.m1, sizeof(p.m1), pl, 4), -EPROTO);
	memcpy(big, p.m1, sizeof(p.m1));
	big[sizeof(big) - 1] = 0;
	ck_assert_int_eq(noise_read_msg1(&p.res, big, sizeof(big), pl, 4), -EINVAL);
	ck_assert_int_eq(p.res.step, NOISE_STEP_DEAD);
	ck_assert_int_eq(noise_read_msg1(&p.res, p.m1, sizeof(p.m1), pl, 4), -EPROTO);
	/* initiator / responder argument mismatch */
	ck_assert_int_eq(noise_handshake_init(&p.ini, NOISE_IK, true, NULL, 0, p.is, NULL, NULL),
			 -EINVAL);
	ck_assert_int_eq(noise_handshake_init(&p.ini, NOISE_IK, false, NULL, 0, p.is, NULL,
					      p.rs_pub),
			 -EINVAL);
	/* IKpsk2 without a psk cannot produce message 2 */
	pair_init(&p);
	p.res.has_psk = false;
	ck_assert_int_eq(noise_write_msg1(&p.ini, p.m1, sizeof(p.m1), (const uint8_t *)"abcd", 4),
			 0);
	ck_assert_int_eq(noise_read_msg1(&p.res, p.m1, sizeof(p.m1), pl, 4), 0);
	ck_assert_int_eq(noise_write_msg2(&p.res, p.m2, sizeof(p.m2), pl, 3), -EPROTO);
}
END_TEST

/* Precomputed ss gives exactly the bytes the DH would. */
START_TEST(precomputed_ss)
{
	struct pair p, q;
	uint8_t ss[32], ipub[32], pl[4], e[32];

	memset(e, 0x44, 32);
	pair_init(&p);
	pair_init(&q);
	ck_assert_int_eq(crypto_scalarmult_base(ipub, p.is), 0);
	ck_assert_int_eq(crypto_scalarmult(ss, p.is, p.rs_pub), 0);
	ck_assert_int_eq(noise_handshake_set_ephemeral(&p.ini, e), 0);
	ck_assert_int_eq(noise_handshake_set_ephemeral(&q.ini, e), 0);
	ck_assert_int_eq(noise_handshake_set_ss(&q.ini, ss), 0);
	ck_assert_int_eq(noise_write_msg1(&p.ini, p.m1, sizeof(p.m1), (const uint8_t *)"abcd", 4),
			 0);
	ck_assert_int_eq(noise_write_msg1(&q.ini, q.m1, sizeof(q.m1), (const uint8_t *)"abcd", 4),
			 0);
	ck_assert_mem_eq(p.m1, q.m1, sizeof(p.m1));
	ck_assert_int_eq(noise_handshake_set_ss(&q.res, ss), -EPROTO);
	ck_assert_int_eq(noise_read_msg1_static(&q.res, q.m1, sizeof(q.m1)), 0);
	ck_assert_mem_eq(q.res.rs, ipub, 32);
	ck_assert_int_eq(noise_handshake_set_ss(&q.res, ss), 0);
	ck_assert_int_eq(noise_read_msg1_payload(&q.res, q.m1, sizeof(q.m1), pl, 4), 0);
	ck_assert_mem_eq(pl, "abcd", 4);
}
END_TEST

START_TEST(transport_nonce_and_wipe)
{
	struct noise_cipher c = { .n = UINT64_MAX }, d;
	struct noise_handshake hs;
	uint8_t pt[1] = { 7 }, ct[17], out[1];

	memset(c.k, 9, 32);
	ck_assert_int_eq(noise_cipher_encrypt(&c, NULL, 0, pt, 1, ct), -EOVERFLOW);
	c.n = 5;
	d = c;
	ck_assert_int_eq(noise_cipher_encrypt(&c, (const uint8_t *)"ad", 2, pt, 1, ct), 0);
	ck_assert_uint_eq(c.n, 6);
	ck_assert_int_eq(noise_cipher_decrypt(&d, (const uint8_t *)"aX", 2, ct, 17, out), -EBADMSG);
	ck_assert_uint_eq(d.n, 5); /* a forgery does not advance the receive nonce */
	ck_assert_int_eq(noise_cipher_decrypt(&d, (const uint8_t *)"ad", 2, ct, 17, out), 0);
	ck_assert_int_eq(out[0], 7);
	noise_cipher_wipe(&c);
	ck_assert(sodium_is_zero((const uint8_t *)&c, sizeof(c)));

	memset(pt, 0x55, 1);
	memset(&hs, 0xaa, sizeof(hs));
	noise_handshake_wipe(&hs);
	ck_assert(sodium_is_zero((const uint8_t *)&hs, sizeof(hs)));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("noise");
	TCase *tc = tcase_create("noise");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, vector_ikpsk2);
	tcase_add_test(tc, vector_ik);
	tcase_add_test(tc, tamper_every_byte);
	tcase_add_test(tc, wrong_psk);
	tcase_add_test(tc, low_order_points);
	tcase_add_test(tc, order_and_sizes);
	tcase_add_test(tc, precomputed_ss);
	tcase_add_test(tc, transport_nonce_and_wipe);
	return unit_run(s, tc);
}
