// SPDX-License-Identifier: GPL-2.0
/*
 * MAC1 / MAC2 / cookie replies (daemon/lib/wire/cookie.c): who can compute
 * which MAC, the cookie round trip, binding of cookies to the source
 * address and of replies to the message answered, replays, and the 2-minute
 * secret rotation.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>

#include "wire/cookie.h"
#include "unit.h"

#define SEC 1000000000ull

struct fix {
	uint8_t priv[32], pub[32], other_pub[32];
	struct cookie_checker chk;
	struct cookie_sender snd;
	struct sockaddr_in src4;
	struct sockaddr_in6 src6;
	uint8_t msg[HSMSG_INIT_LEN];
};

static void fix_init(struct fix *f)
{
	uint8_t p2[32];
	size_t i;

	memset(f, 0, sizeof(*f));
	ck_assert_int_ge(sodium_init(), 0);
	memset(f->priv, 0x21, 32);
	memset(p2, 0x43, 32);
	ck_assert_int_eq(crypto_scalarmult_base(f->pub, f->priv), 0);
	ck_assert_int_eq(crypto_scalarmult_base(f->other_pub, p2), 0);
	ck_assert_int_eq(cookie_checker_init(&f->chk, f->pub), 0);
	ck_assert_int_eq(cookie_sender_init(&f->snd, f->pub), 0);
	f->src4.sin_family = AF_INET;
	f->src4.sin_port = htons(40000);
	inet_pton(AF_INET, "127.0.0.9", &f->src4.sin_addr);
	f->src6.sin6_family = AF_INET6;
	f->src6.sin6_port = htons(40000);
	inet_pton(AF_INET6, "::1", &f->src6.sin6_addr);
	for (i = 0; i < sizeof(f->msg); i++)
		f->msg[i] = (uint8_t)i;
	f->msg[0] = HSMSG_INIT;
}

#define SA(x) ((const struct sockaddr *)(x))

START_TEST(mac1_only_with_the_right_key)
{
	struct cookie_sender wrong;
	struct fix f;
	size_t i;

	fix_init(&f);
	cookie_add_macs(&f.snd, f.msg, sizeof(f.msg), 0);
	/* no cookie yet: mac2 is zero */
	ck_assert(sodium_is_zero(f.msg + sizeof(f.msg) - 16, 16));
	ck_assert_int_eq(cookie_validate(&f.chk, f.msg, sizeof(f.msg), SA(&f.src4), false, 0),
			 COOKIE_MAC1_VALID);
	ck_assert_int_eq(cookie_validate(&f.chk, f.msg, sizeof(f.msg), SA(&f.src4), true, 0),
			 COOKIE_MAC1_VALID);
	/* every byte up to mac2 is covered by mac1 */
	for (i = 0; i < sizeof(f.msg) - 16; i++) {
		f.msg[i] ^= 0x10;
		ck_assert_int_eq(cookie_validate(&f.chk, f.msg, sizeof(f.msg), SA(&f.src4), false,
						 0),
				 COOKIE_MAC_INVALID);
		f.msg[i] ^= 0x10;
	}
	/* MACs for another gateway's key do not pass ours */
	ck_assert_int_eq(cookie_sender_init(&wrong, f.other_pub), 0);
	cookie_add_macs(&wrong, f.msg, sizeof(f.msg), 0);
	ck_assert_int_eq(cookie_validate(&f.chk, f.msg, sizeof(f.msg), SA(&f.src4), false, 0),
			 COOKIE_MAC_INVALID);
	/* too short to carry macs */
	ck_assert_int_eq(cookie_validate(&f.chk, f.msg, 35, SA(&f.src4), false, 0),
			 COOKIE_MAC_INVALID);
	ck_assert_int_eq(cookie_validate(&f.chk, NULL, 100, SA(&f.src4), false, 0),
			 COOKIE_MAC_INVALID);
}
END_TEST

/* The round trip: message, COOKIE reply, message with MAC2. */
static void get_cookie(struct fix *f, const struct sockaddr *src, uint64_t now)
{
	struct hsmsg_cookie c;

	cookie_add_macs(&f->snd, f->msg, sizeof(f->msg), now);
	ck_assert_int_eq(cookie_reply_create(&f->chk, f->msg, sizeof(f->msg), 77, src, now, &c), 0);
	ck_assert_uint_eq(c.receiver_index, 77);
	ck_assert_int_eq(cookie_reply_consume(&f->snd, &c, now), 0);
	ck_assert(f->snd.cookie_valid);
}

START_TEST(cookie_round_trip)
{
	struct sockaddr_in other;
	struct fix f;

	fix_init(&f);
	get_cookie(&f, SA(&f.src4), 10 * SEC);
	f.msg[20] ^= 1; /* a new message */
	cookie_add_macs(&f.snd, f.msg, sizeof(f.msg), 11 * SEC);
	ck_assert(!sodium_is_zero(f.msg + sizeof(f.msg) - 16, 16));
	ck_assert_int_eq(cookie_validate(&f.chk, f.msg, sizeof(f.msg), SA(&f.src4), true, 11 * SEC),
			 COOKIE_MAC2_VALID);
	/* the cookie is for that ip:port only */
	other = f.src4;
	other.sin_port = htons(40001);
	ck_assert_int_eq(cookie_validate(&f.chk, f.msg, sizeof(f.msg), SA(&other), true, 11 * SEC),
			 COOKIE_MAC1_VALID);
	other = f.src4;
	inet_pton(AF_INET, "127.0.0.10", &other.sin_addr);
	ck_assert_int_eq(cookie_validate(&f.chk, f.msg, sizeof(f.msg), SA(&other), true, 11 * SEC),
			 COOKIE_MAC1_VALID);
	/* a wrong mac2 */
	f.msg[sizeof(f.msg) - 1] ^= 1;
	ck_assert_int_eq(cookie_validate(&f.chk, f.msg, sizeof(f.msg), SA(&f.src4), true, 11 * SEC),
			 COOKIE_MAC1_VALID);

	/* IPv6 sources too */
	fix_init(&f);
	get_cookie(&f, SA(&f.src6), 0);
	cookie_add_macs(&f.snd, f.msg, sizeof(f.msg), 1);
	ck_assert_int_eq(cookie_validate(&f.chk, f.msg, sizeof(f.msg), SA(&f.src6), true, 1),
			 COOKIE_MAC2_VALID);
	ck_assert_int_eq(cookie_validate(&f.chk, f.msg, sizeof(f.msg), SA(&f.src4), true, 1),
			 COOKIE_MAC1_VALID);
}
END_TEST

START_TEST(reply_bound_to_message)
{
	struct hsmsg_cookie c, t;
	struct fix f;
	size_t i;

	fix_init(&f);
	/* nothing sent yet: nothing to answer */
	cookie_add_macs(&f.snd, f.msg, sizeof(f.msg), 0);
	ck_assert_int_eq(cookie_reply_create(&f.chk, f.msg, sizeof(f.msg), 5, SA(&f.src4), 0, &c),
			 0);
	/* tampered nonce or ciphertext */
	for (i = 0; i < sizeof(c.nonce) + sizeof(c.enc); i++) {
		t = c;
		if (i < sizeof(c.nonce))
			t.nonce[i] ^= 4;
		else
			t.enc[i - sizeof(c.nonce)] ^= 4;
		ck_assert_int_eq(cookie_reply_consume(&f.snd, &t, 0), -EBADMSG);
	}
	/* a reply to an older message (AD = its mac1) is refused */
	f.msg[9] ^= 1;
	cookie_add_macs(&f.snd, f.msg, sizeof(f.msg), 0);
	ck_assert_int_eq(cookie_reply_consume(&f.snd, &c, 0), -EBADMSG);
	ck_assert(!f.snd.cookie_valid);
	/* the right one once, then replays find nothing to answer */
	ck_assert_int_eq(cookie_reply_create(&f.chk, f.msg, sizeof(f.msg), 5, SA(&f.src4), 0, &c),
			 0);
	ck_assert_int_eq(cookie_reply_consume(&f.snd, &c, 0), 0);
	ck_assert_int_eq(cookie_reply_consume(&f.snd, &c, 0), -ENOENT);
	/* a reply encrypted by another gateway (key of its own public key) */
	{
		struct cookie_checker other;

		ck_assert_int_eq(cookie_checker_init(&other, f.other_pub), 0);
		cookie_add_macs(&f.snd, f.msg, sizeof(f.msg), 0);
		ck_assert_int_eq(cookie_reply_create(&other, f.msg, sizeof(f.msg), 5, SA(&f.src4),
						     0, &c),
				 0);
		ck_assert_int_eq(cookie_reply_consume(&f.snd, &c, 0), -EBADMSG);
	}
}
END_TEST

START_TEST(secret_rotation_and_expiry)
{
	struct fix f;
	uint64_t t0 = 1000 * SEC;

	fix_init(&f);
	get_cookie(&f, SA(&f.src4), t0);
	/* used until 2 min - 5 s, valid at the checker until the secret rotates */
	cookie_add_macs(&f.snd, f.msg, sizeof(f.msg), t0 + 114 * SEC);
	ck_assert_int_eq(cookie_validate(&f.chk, f.msg, sizeof(f.msg), SA(&f.src4), true,
					 t0 + 114 * SEC),
			 COOKIE_MAC2_VALID);
	cookie_add_macs(&f.snd, f.msg, sizeof(f.msg), t0 + 115 * SEC);
	ck_assert(sodium_is_zero(f.msg + sizeof(f.msg) - 16, 16));
	/* a sender that kept using it: the rotated secret refuses it */
	f.snd.cookie_birth_ns = t0 + 120 * SEC;
	cookie_add_macs(&f.snd, f.msg, sizeof(f.msg), t0 + 121 * SEC);
	ck_assert(!sodium_is_zero(f.msg + sizeof(f.msg) - 16, 16));
	ck_assert_int_eq(cookie_validate(&f.chk, f.msg, sizeof(f.msg), SA(&f.src4), true,
					 t0 + 121 * SEC),
			 COOKIE_MAC1_VALID);
	/* and a fresh round trip works again */
	get_cookie(&f, SA(&f.src4), t0 + 122 * SEC);
	cookie_add_macs(&f.snd, f.msg, sizeof(f.msg), t0 + 123 * SEC);
	ck_assert_int_eq(cookie_validate(&f.chk, f.msg, sizeof(f.msg), SA(&f.src4), true,
					 t0 + 123 * SEC),
			 COOKIE_MAC2_VALID);
}
END_TEST

START_TEST(odd_sources_and_wipe)
{
	struct sockaddr_un_like {
		sa_family_t family;
		char path[20];
	} un = { .family = AF_UNIX };
	struct hsmsg_cookie c;
	struct fix f;

	fix_init(&f);
	cookie_add_macs(&f.snd, f.msg, sizeof(f.msg), 0);
	ck_assert_int_eq(cookie_validate(&f.chk, f.msg, sizeof(f.msg), SA(&un), true, 0),
			 COOKIE_MAC1_VALID);
	ck_assert_int_eq(cookie_validate(&f.chk, f.msg, sizeof(f.msg), NULL, true, 0),
			 COOKIE_MAC1_VALID);
	ck_assert_int_eq(cookie_reply_create(&f.chk, f.msg, sizeof(f.msg), 5, SA(&un), 0, &c),
			 -EINVAL);
	ck_assert_int_eq(cookie_reply_create(&f.chk, f.msg, sizeof(f.msg), 0, SA(&f.src4), 0, &c),
			 -EINVAL);
	cookie_checker_wipe(&f.chk);
	cookie_sender_wipe(&f.snd);
	ck_assert(sodium_is_zero((const uint8_t *)&f.chk, sizeof(f.chk)));
	ck_assert(sodium_is_zero((const uint8_t *)&f.snd, sizeof(f.snd)));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cookie");
	TCase *tc = tcase_create("cookie");

	tcase_add_test(tc, mac1_only_with_the_right_key);
	tcase_add_test(tc, cookie_round_trip);
	tcase_add_test(tc, reply_bound_to_message);
	tcase_add_test(tc, secret_rotation_and_expiry);
	tcase_add_test(tc, odd_sources_and_wipe);
	return unit_run(s, tc);
}
