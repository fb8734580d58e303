// SPDX-License-Identifier: GPL-2.0
/* Unit tests for daemon/lib/wire/seal.c: sealing, tamper, truncation, counters. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "wire/seal.h"

static uint8_t ska[32], pka[32], skb[32], pkb[32];
static struct seal_key kab, kba;

static void setup(void)
{
	ck_assert_int_eq(seal_init(), 0);
	crypto_box_keypair(pka, ska);
	crypto_box_keypair(pkb, skb);
	ck_assert_int_eq(seal_precompute(&kab, pkb, ska, pka), 0);
	ck_assert_int_eq(seal_precompute(&kba, pka, skb, pkb), 0);
}

START_TEST(shared_key_symmetric)
{
	/* A's send key is B's receive key and vice versa; the two differ. */
	ck_assert_mem_eq(kab.tx, kba.rx, 32);
	ck_assert_mem_eq(kab.rx, kba.tx, 32);
	ck_assert(memcmp(kab.tx, kab.rx, 32));
}
END_TEST

START_TEST(precompute_from_dh_same_keys)
{
	/* From the raw X25519 secret (the handshake's ss): the same keys. */
	uint8_t dh[32];
	struct seal_key k;

	for (int i = 0; i < 16; i++) {
		crypto_box_keypair(pkb, skb);
		ck_assert_int_eq(seal_precompute(&kab, pkb, ska, pka), 0);
		ck_assert_int_eq(crypto_scalarmult(dh, ska, pkb), 0);
		ck_assert_int_eq(seal_precompute_dh(&k, dh, pkb, pka), 0);
		ck_assert_mem_eq(k.tx, kab.tx, 32);
		ck_assert_mem_eq(k.rx, kab.rx, 32);
	}
}
END_TEST

START_TEST(low_order_key_rejected)
{
	uint8_t zero[32] = { 0 };
	struct seal_key k;

	ck_assert_int_eq(seal_precompute(&k, zero, ska, pka), -EINVAL);
}
END_TEST

START_TEST(roundtrip)
{
	uint8_t msg[200], pt[200];
	const uint8_t body[] = "hello registry";
	struct seal_hdr h;
	size_t n = (size_t)seal_msg(msg, sizeof(msg), 16, 7, pka, 12345, &kab, body, sizeof(body));

	ck_assert_uint_eq(n, sizeof(body) + SEAL_OVERHEAD);
	ck_assert_int_eq(seal_peek(msg, n, &h), 0);
	ck_assert_uint_eq(h.type, 16);
	ck_assert_uint_eq(h.sender_id, 7);
	ck_assert_uint_eq(h.counter, 12345);
	ck_assert_mem_eq(h.sender_pk, pka, 32);
	ck_assert_int_eq(seal_open(pt, sizeof(pt), msg, n, &kba), (ssize_t)sizeof(body));
	/* No room for the plaintext. */
	ck_assert_int_eq(seal_open(pt, sizeof(body) - 1, msg, n, &kba), -EMSGSIZE);
	ck_assert_mem_eq(pt, body, sizeof(body));
	/* Empty body works too. */
	n = (size_t)seal_msg(msg, sizeof(msg), 18, 7, pka, 1, &kab, NULL, 0);
	ck_assert_uint_eq(n, SEAL_OVERHEAD);
	ck_assert_int_eq(seal_open(pt, sizeof(pt), msg, n, &kba), 0);
}
END_TEST

/*
 * The registry ids in the header (issue 9 #14) are authenticated: a message
 * for registry 1 cannot be turned into one for registry 2, nor can the
 * sender's id be changed, without the open failing.
 */
START_TEST(addressed)
{
	uint8_t msg[100], pt[100];
	struct seal_hdr h = { .type = 16, .to = 1, .sender_id = 9, .sender_pk = pka, .counter = 7 };
	size_t n = (size_t)seal_msg_hdr(msg, sizeof(msg), &h, &kab, (uint8_t *)"x", 1);

	ck_assert_uint_eq(n, 1 + SEAL_OVERHEAD);
	ck_assert_int_eq(seal_peek(msg, n, &h), 0);
	ck_assert_uint_eq(h.to, 1);
	ck_assert_uint_eq(h.from, 0);
	ck_assert_uint_eq(h.sender_id, 9);
	ck_assert_int_eq(seal_open(pt, sizeof(pt), msg, n, &kba), 1);
	msg[2] = 2;
	ck_assert_int_eq(seal_peek(msg, n, &h), 0);
	ck_assert_uint_eq(h.to, 2);
	ck_assert_int_eq(seal_open(pt, sizeof(pt), msg, n, &kba), -EBADMSG);
	msg[2] = 1;
	msg[3] = 1;
	ck_assert_int_eq(seal_open(pt, sizeof(pt), msg, n, &kba), -EBADMSG);
	/* seal_msg() is the unaddressed form: both ids 0. */
	n = (size_t)seal_msg(msg, sizeof(msg), 5, 9, pka, 8, &kab, NULL, 0);
	ck_assert_int_eq(seal_peek(msg, n, &h), 0);
	ck_assert_uint_eq(h.to, 0);
	ck_assert_uint_eq(h.from, 0);
}
END_TEST

START_TEST(no_room)
{
	uint8_t msg[SEAL_OVERHEAD + 3];

	ck_assert_int_eq(seal_msg(msg, sizeof(msg), 16, 1, pka, 1, &kab, (uint8_t *)"abcd", 4),
			 -EMSGSIZE);
	ck_assert_int_eq(seal_msg(msg, 10, 16, 1, pka, 1, &kab, NULL, 0), -EMSGSIZE);
}
END_TEST

/* Every single-bit flip anywhere, every truncation: rejected. */
START_TEST(tamper_and_truncation)
{
	uint8_t msg[100], pt[100], bad[100];
	size_t n = (size_t)seal_msg(msg, sizeof(msg), 17, 3, pka, 99, &kab, (uint8_t *)"0123456789",
				    10);
	struct seal_hdr h;

	for (size_t i = 0; i < n; i++) {
		for (int b = 0; b < 8; b++) {
			memcpy(bad, msg, n);
			bad[i] ^= (uint8_t)(1 << b);
			/* The peeked header may still parse, the open must fail. */
			if (seal_peek(bad, n, &h) == 0)
				ck_assert_int_eq(seal_open(pt, sizeof(pt), bad, n, &kba), -EBADMSG);
		}
	}
	for (size_t len = 0; len < n; len++) {
		if (len < SEAL_OVERHEAD)
			ck_assert_int_eq(seal_peek(msg, len, &h), -EBADMSG);
		ck_assert_int_eq(seal_open(pt, sizeof(pt), msg, len, &kba), -EBADMSG);
	}
	/* A's own message does not open with A's keys (reflection). */
	ck_assert_int_eq(seal_open(pt, sizeof(pt), msg, n, &kab), -EBADMSG);
	/* A third party's key does not open it. */
	{
		uint8_t skc[32], pkc[32];
		struct seal_key kc;

		crypto_box_keypair(pkc, skc);
		seal_precompute(&kc, pka, skc, pkc);
		ck_assert_int_eq(seal_open(pt, sizeof(pt), msg, n, &kc), -EBADMSG);
	}
}
END_TEST

START_TEST(directions_differ)
{
	/* Same counter, same sender id, both directions: different keystreams. */
	uint8_t m1[100], m2[100];
	ssize_t n1 = seal_msg(m1, sizeof(m1), 16, 1, pka, 5, &kab, (uint8_t *)"x", 1);
	ssize_t n2 = seal_msg(m2, sizeof(m2), 16, 1, pkb, 5, &kba, (uint8_t *)"x", 1);

	ck_assert_int_eq(n1, n2);
	ck_assert_int_gt(n1, SEAL_HDR_LEN);
	ck_assert(memcmp(m1 + SEAL_HDR_LEN, m2 + SEAL_HDR_LEN, (size_t)n1 - SEAL_HDR_LEN));
}
END_TEST

START_TEST(counter_monotonic)
{
	struct seal_counter c = { 0 };
	uint64_t prev = seal_next_counter(&c);

	for (int i = 0; i < 10000; i++) {
		uint64_t v = seal_next_counter(&c);

		ck_assert(v > prev);
		prev = v;
	}
	c.last = UINT64_MAX / 2; /* clock behind the last value */
	ck_assert_uint_eq(seal_next_counter(&c), UINT64_MAX / 2 + 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("seal");
	TCase *tc = tcase_create("seal");

	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_add_test(tc, shared_key_symmetric);
	tcase_add_test(tc, low_order_key_rejected);
	tcase_add_test(tc, roundtrip);
	tcase_add_test(tc, addressed);
	tcase_add_test(tc, no_room);
	tcase_add_test(tc, tamper_and_truncation);
	tcase_add_test(tc, directions_differ);
	tcase_add_test(tc, counter_monotonic);
	tcase_add_test(tc, precompute_from_dh_same_keys);
	return unit_run(s, tc);
}
