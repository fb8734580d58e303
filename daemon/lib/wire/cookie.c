// SPDX-License-Identifier: GPL-2.0
/* MAC1/MAC2 and cookie replies under load; the scheme is in cookie.h. */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <sodium.h>

#include "wire/cookie.h"

static const char mac1_label[] = "autovpn mac1 v1";
static const char cookie_label[] = "autovpn cookie v1";

/* Both keys are public knowledge (derived from a public key); the labels
 * keep MAC1 and cookie encryption from ever sharing a key. */
static void derive_key(uint8_t out[COOKIE_KEY_LEN], const char *label, const uint8_t pub[32])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, COOKIE_KEY_LEN);
	crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
	crypto_generichash_update(&st, pub, 32);
	crypto_generichash_final(&st, out, COOKIE_KEY_LEN);
}

int cookie_checker_init(struct cookie_checker *c, const uint8_t my_pub[32])
{
	memset(c, 0, sizeof(*c));
	if (sodium_init() < 0)
		return -ENOSYS;
	derive_key(c->mac1_key, mac1_label, my_pub);
	derive_key(c->enc_key, cookie_label, my_pub);
	return 0;
}

void cookie_checker_wipe(struct cookie_checker *c)
{
	sodium_memzero(c, sizeof(*c));
}

int cookie_sender_init(struct cookie_sender *s, const uint8_t peer_pub[32])
{
	memset(s, 0, sizeof(*s));
	if (sodium_init() < 0)
		return -ENOSYS;
	derive_key(s->mac1_key, mac1_label, peer_pub);
	derive_key(s->dec_key, cookie_label, peer_pub);
	return 0;
}

void cookie_sender_wipe(struct cookie_sender *s)
{
	sodium_memzero(s, sizeof(*s));
}

static void mac(uint8_t out[HSMSG_MAC_LEN], const uint8_t *key, size_t keylen, const uint8_t *msg,
		size_t len)
{
	crypto_generichash(out, HSMSG_MAC_LEN, msg, len, key, keylen);
}

/* mac1 covers everything before it, mac2 everything before mac2 (mac1 included). */
static void mac1_of(uint8_t out[HSMSG_MAC_LEN], const uint8_t key[COOKIE_KEY_LEN],
		    const uint8_t *msg, size_t len)
{
	mac(out, key, COOKIE_KEY_LEN, msg, len - 2 * HSMSG_MAC_LEN);
}

static void mac2_of(uint8_t out[HSMSG_MAC_LEN], const uint8_t cookie[COOKIE_LEN],
		    const uint8_t *msg, size_t len)
{
	mac(out, cookie, COOKIE_LEN, msg, len - HSMSG_MAC_LEN);
}

/* family | address | port: the source the cookie proves the sender receives at. */
static int src_bytes(uint8_t out[1 + 16 + 2], size_t *n, const struct sockaddr *sa)
{
	if (!sa)
		return -EINVAL;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		out[0] = 4;
		memcpy(out + 1, &in->sin_addr, 4);
		memcpy(out + 5, &in->sin_port, 2);
		*n = 7;
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		out[0] = 6;
		memcpy(out + 1, &in6->sin6_addr, 16);
		memcpy(out + 17, &in6->sin6_port, 2);
		*n = 19;
		return 0;
	}
	return -EINVAL;
}

static int make_cookie(struct cookie_checker *c, uint8_t cookie[COOKIE_LEN],
		       const struct sockaddr *src, uint64_t now_ns)
{
	uint8_t in[19];
	size_t n;

	if (src_bytes(in, &n, src))
		return -EINVAL;
	/* Rotate lazily: the secret only matters when a cookie is computed. */
	if (!c->has_secret || now_ns - c->secret_birth_ns >= COOKIE_SECRET_MAX_AGE_NS) {
		randombytes_buf(c->secret, sizeof(c->secret));
		c->secret_birth_ns = now_ns;
		c->has_secret = true;
	}
	mac(cookie, c->secret, sizeof(c->secret), in, n);
	return 0;
}

void cookie_add_macs(struct cookie_sender *s, uint8_t *msg, size_t len, uint64_t now_ns)
{
	uint8_t *m1 = msg + len - 2 * HSMSG_MAC_LEN, *m2 = msg + len - HSMSG_MAC_LEN;

	mac1_of(m1, s->mac1_key, msg, len);
	memcpy(s->last_mac1, m1, HSMSG_MAC_LEN);
	s->have_sent_mac1 = true;
	if (s->cookie_valid &&
	    now_ns - s->cookie_birth_ns < COOKIE_SECRET_MAX_AGE_NS - COOKIE_SECRET_LATENCY_NS)
		mac2_of(m2, s->cookie, msg, len);
	else
		memset(m2, 0, HSMSG_MAC_LEN);
}

enum cookie_mac_state cookie_validate(struct cookie_checker *c, const uint8_t *msg, size_t len,
				      const struct sockaddr *src, bool check_mac2, uint64_t now_ns)
{
	uint8_t want[HSMSG_MAC_LEN], cookie[COOKIE_LEN];
	enum cookie_mac_state ret = COOKIE_MAC_INVALID;

	if (!msg || len < 4 + 2 * HSMSG_MAC_LEN)
		return COOKIE_MAC_INVALID;
	mac1_of(want, c->mac1_key, msg, len);
	if (crypto_verify_16(want, msg + len - 2 * HSMSG_MAC_LEN) != 0)
		goto out;
	ret = COOKIE_MAC1_VALID;
	if (!check_mac2 || make_cookie(c, cookie, src, now_ns))
		goto out;
	mac2_of(want, cookie, msg, len);
	if (crypto_verify_16(want, msg + len - HSMSG_MAC_LEN) == 0)
		ret = COOKIE_MAC2_VALID;
out:
	sodium_memzero(cookie, sizeof(cookie));
	return ret;
}

int cookie_reply_create(struct cookie_checker *c, const uint8_t *msg, size_t len,
			uint32_t receiver_index, const struct sockaddr *src, uint64_t now_ns,
			struct hsmsg_cookie *out)
{
	uint8_t cookie[COOKIE_LEN];

	if (!msg || len < 4 + 2 * HSMSG_MAC_LEN || !receiver_index ||
	    make_cookie(c, cookie, src, now_ns))
		return -EINVAL;
	out->receiver_index = receiver_index;
	randombytes_buf(out->nonce, sizeof(out->nonce));
	/* AD = the mac1 we answer: binds the reply to that one message. */
	crypto_aead_xchacha20poly1305_ietf_encrypt(out->enc, NULL, cookie, COOKIE_LEN,
						   msg + len - 2 * HSMSG_MAC_LEN, HSMSG_MAC_LEN,
						   NULL, out->nonce, c->enc_key);
	sodium_memzero(cookie, sizeof(cookie));
	return 0;
}

int cookie_reply_consume(struct cookie_sender *s, const struct hsmsg_cookie *in, uint64_t now_ns)
{
	uint8_t cookie[COOKIE_LEN];

	if (!s->have_sent_mac1)
		return -ENOENT;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(cookie, NULL, NULL, in->enc, sizeof(in->enc),
						       s->last_mac1, HSMSG_MAC_LEN, in->nonce,
						       s->dec_key) != 0)
		return -EBADMSG;
	memcpy(s->cookie, cookie, COOKIE_LEN);
	s->cookie_birth_ns = now_ns;
	s->cookie_valid = true;
	/* One reply per message sent: a replayed reply finds nothing to answer. */
	s->have_sent_mac1 = false;
	sodium_memzero(cookie, sizeof(cookie));
	return 0;
}
