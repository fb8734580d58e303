// SPDX-License-Identifier: GPL-2.0
/*
 * Noise IK / IKpsk2 with X25519, ChaCha20-Poly1305 (IETF) and SHA-256, as
 * the Noise specification (rev. 34) defines the symmetric state; see noise.h.
 */
#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "wire/noise.h"

static const char name_ik[] = "Noise_IK_25519_ChaChaPoly_SHA256";
static const char name_ikpsk2[] = "Noise_IKpsk2_25519_ChaChaPoly_SHA256";

static _Thread_local uint64_t dh_count;

uint64_t noise_dh_count(void)
{
	return dh_count;
}

static void hmac(uint8_t out[NOISE_HASH_LEN], const uint8_t *key, size_t keylen, const uint8_t *a,
		 size_t alen, const uint8_t *b, size_t blen)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, a, alen);
	if (blen)
		crypto_auth_hmacsha256_update(&st, b, blen);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

void noise_hkdf(uint8_t *out1, uint8_t *out2, uint8_t *out3, const uint8_t ck[NOISE_HASH_LEN],
		const uint8_t *ikm, size_t ikm_len)
{
	static const uint8_t one = 1, two = 2, three = 3;
	uint8_t prk[NOISE_HASH_LEN], t[NOISE_HASH_LEN];

	/* ikm may be empty (Split); HMAC of nothing is still defined. */
	hmac(prk, ck, NOISE_HASH_LEN, ikm, ikm_len, NULL, 0);
	hmac(t, prk, sizeof(prk), &one, 1, NULL, 0);
	if (out1)
		memcpy(out1, t, NOISE_HASH_LEN);
	if (out2 || out3) {
		hmac(t, prk, sizeof(prk), t, sizeof(t), &two, 1);
		if (out2)
			memcpy(out2, t, NOISE_HASH_LEN);
	}
	if (out3) {
		hmac(t, prk, sizeof(prk), t, sizeof(t), &three, 1);
		memcpy(out3, t, NOISE_HASH_LEN);
	}
	sodium_memzero(prk, sizeof(prk));
	sodium_memzero(t, sizeof(t));
}

static void mix_hash(struct noise_handshake *hs, const uint8_t *data, size_t len)
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, hs->h, sizeof(hs->h));
	crypto_hash_sha256_update(&st, data, len);
	crypto_hash_sha256_final(&st, hs->h);
}

static void mix_key(struct noise_handshake *hs, const uint8_t *ikm, size_t len)
{
	noise_hkdf(hs->ck, hs->k, NULL, hs->ck, ikm, len);
	hs->n = 0;
	hs->has_k = true;
}

static void mix_key_and_hash(struct noise_handshake *hs, const uint8_t *ikm, size_t len)
{
	uint8_t th[NOISE_HASH_LEN];

	noise_hkdf(hs->ck, th, hs->k, hs->ck, ikm, len);
	mix_hash(hs, th, sizeof(th));
	hs->n = 0;
	hs->has_k = true;
	sodium_memzero(th, sizeof(th));
}

/* ChaChaPoly nonce: 32 zero bits, then the 64-bit counter little-endian. */
static void make_nonce(uint8_t nonce[12], uint64_t n)
{
	int i;

	memset(nonce, 0, 4);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(n >> (8 * i));
}

static void encrypt_and_hash(struct noise_handshake *hs, uint8_t *out, const uint8_t *pt,
			     size_t plen)
{
	uint8_t nonce[12];

	/* In IK every encrypted token comes after es, so k is always set. */
	make_nonce(nonce, hs->n++);
	crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, pt, plen, hs->h, sizeof(hs->h), NULL,
						  nonce, hs->k);
	mix_hash(hs, out, plen + NOISE_TAG_LEN);
}

static int decrypt_and_hash(struct noise_handshake *hs, uint8_t *out, const uint8_t *ct,
			    size_t clen)
{
	uint8_t nonce[12];

	make_nonce(nonce, hs->n++);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(out, NULL, NULL, ct, clen, hs->h,
						      sizeof(hs->h), nonce, hs->k) != 0)
		return -EBADMSG;
	mix_hash(hs, ct, clen);
	return 0;
}

/* MixKey(DH(priv, pub)); the all-zero result of a low-order point is refused. */
static int mix_dh(struct noise_handshake *hs, const uint8_t priv[NOISE_KEY_LEN],
		  const uint8_t pub[NOISE_KEY_LEN])
{
	uint8_t dh[NOISE_KEY_LEN];
	int ret = 0;

	dh_count++;
	if (crypto_scalarmult(dh, priv, pub) != 0)
		ret = -EBADMSG;
	else
		mix_key(hs, dh, sizeof(dh));
	sodium_memzero(dh, sizeof(dh));
	return ret;
}

static int mix_ss(struct noise_handshake *hs)
{
	if (hs->has_ss) {
		mix_key(hs, hs->ss, sizeof(hs->ss));
		return 0;
	}
	return mix_dh(hs, hs->s_priv, hs->rs);
}

/* The "e" token: MixHash(e.pub), and in psk handshakes also MixKey(e.pub). */
static void mix_e(struct noise_handshake *hs, const uint8_t e_pub[NOISE_KEY_LEN])
{
	mix_hash(hs, e_pub, NOISE_KEY_LEN);
	if (hs->psk_mode)
		mix_key(hs, e_pub, NOISE_KEY_LEN);
}

static int make_ephemeral(struct noise_handshake *hs)
{
	if (!hs->has_e) {
		randombytes_buf(hs->e_priv, sizeof(hs->e_priv));
		hs->has_e = true;
	}
	dh_count++;
	return crypto_scalarmult_base(hs->e_pub, hs->e_priv) == 0 ? 0 : -EINVAL;
}

void noise_handshake_wipe(struct noise_handshake *hs)
{
	sodium_memzero(hs, sizeof(*hs));
}

void noise_cipher_wipe(struct noise_cipher *c)
{
	sodium_memzero(c, sizeof(*c));
}

/* Every failure ends the handshake: its state must never be continued. */
static int fail(struct noise_handshake *hs, int err)
{
	noise_handshake_wipe(hs);
	return err;
}

int noise_handshake_init(struct noise_handshake *hs, enum noise_pattern pattern, bool initiator,
			 const uint8_t *prologue, size_t prologue_len,
			 const uint8_t s_priv[NOISE_KEY_LEN], const uint8_t *s_pub,
			 const uint8_t *rs)
{
	const char *name;
	size_t nlen;

	memset(hs, 0, sizeof(*hs));
	if (sodium_init() < 0)
		return -ENOSYS;
	if ((pattern != NOISE_IK && pattern != NOISE_IKPSK2) || initiator != !!rs ||
	    (prologue_len && !prologue))
		return -EINVAL;
	name = pattern == NOISE_IK ? name_ik : name_ikpsk2;
	nlen = strlen(name);
	/* InitializeSymmetric: a name of up to HASHLEN bytes is used padded, a
	 * longer one hashed ("Noise_IK_..._SHA256" is exactly 32 bytes). */
	if (nlen <= NOISE_HASH_LEN)
		memcpy(hs->h, name, nlen);
	else
		crypto_hash_sha256(hs->h, (const uint8_t *)name, nlen);
	memcpy(hs->ck, hs->h, NOISE_HASH_LEN);
	mix_hash(hs, prologue ? prologue : (const uint8_t *)"", prologue_len);

	hs->initiator = initiator;
	hs->psk_mode = pattern == NOISE_IKPSK2;
	memcpy(hs->s_priv, s_priv, NOISE_KEY_LEN);
	if (s_pub) {
		memcpy(hs->s_pub, s_pub, NOISE_KEY_LEN);
	} else {
		dh_count++;
		if (crypto_scalarmult_base(hs->s_pub, hs->s_priv) != 0)
			return fail(hs, -EINVAL);
	}
	/* Pre-message "<- s": both sides hash the responder's static key. */
	if (initiator) {
		memcpy(hs->rs, rs, NOISE_KEY_LEN);
		mix_hash(hs, hs->rs, NOISE_KEY_LEN);
	} else {
		mix_hash(hs, hs->s_pub, NOISE_KEY_LEN);
	}
	hs->step = NOISE_STEP_MSG1;
	return 0;
}

int noise_handshake_set_ephemeral(struct noise_handshake *hs, const uint8_t e_priv[NOISE_KEY_LEN])
{
	/* Only before this side's own write. */
	bool ok = hs->initiator ? hs->step == NOISE_STEP_MSG1 :
				  hs->step >= NOISE_STEP_MSG1 && hs->step <= NOISE_STEP_MSG2;

	if (!ok)
		return -EPROTO;
	memcpy(hs->e_priv, e_priv, NOISE_KEY_LEN);
	hs->has_e = true;
	return 0;
}

int noise_handshake_set_psk(struct noise_handshake *hs, const uint8_t psk[NOISE_KEY_LEN])
{
	if (hs->step == NOISE_STEP_DEAD || hs->step == NOISE_STEP_DONE || !hs->psk_mode)
		return -EPROTO;
	memcpy(hs->psk, psk, NOISE_KEY_LEN);
	hs->has_psk = true;
	return 0;
}

int noise_handshake_set_ss(struct noise_handshake *hs, const uint8_t ss[NOISE_KEY_LEN])
{
	bool ok = hs->initiator ? hs->step == NOISE_STEP_MSG1 : hs->step == NOISE_STEP_MSG1_S;

	if (!ok)
		return -EPROTO;
	memcpy(hs->ss, ss, NOISE_KEY_LEN);
	hs->has_ss = true;
	return 0;
}

int noise_write_msg1(struct noise_handshake *hs, uint8_t *out, size_t out_len,
		     const uint8_t *payload, size_t plen)
{
	uint8_t *p = out;
	int ret;

	if (!hs->initiator || hs->step != NOISE_STEP_MSG1)
		return -EPROTO;
	if (out_len != NOISE_MSG1_LEN(plen) || (plen && !payload))
		return -EINVAL;
	/* -> e */
	ret = make_ephemeral(hs);
	if (ret)
		return fail(hs, ret);
	memcpy(p, hs->e_pub, NOISE_KEY_LEN);
	mix_e(hs, p);
	p += NOISE_KEY_LEN;
	/* es */
	ret = mix_dh(hs, hs->e_priv, hs->rs);
	if (ret)
		return fail(hs, ret);
	/* s */
	encrypt_and_hash(hs, p, hs->s_pub, NOISE_KEY_LEN);
	p += NOISE_KEY_LEN + NOISE_TAG_LEN;
	/* ss */
	ret = mix_ss(hs);
	if (ret)
		return fail(hs, ret);
	encrypt_and_hash(hs, p, payload, plen);
	sodium_memzero(hs->ss, sizeof(hs->ss));
	hs->step = NOISE_STEP_MSG2;
	return 0;
}

int noise_read_msg1_static(struct noise_handshake *hs, const uint8_t *msg, size_t len)
{
	int ret;

	if (hs->initiator || hs->step != NOISE_STEP_MSG1)
		return -EPROTO;
	if (len < NOISE_MSG1_OVERHEAD)
		return fail(hs, -EINVAL);
	/* -> e */
	memcpy(hs->re, msg, NOISE_KEY_LEN);
	mix_e(hs, hs->re);
	/* es */
	ret = mix_dh(hs, hs->s_priv, hs->re);
	if (ret)
		return fail(hs, ret);
	/* s */
	ret = decrypt_and_hash(hs, hs->rs, msg + NOISE_KEY_LEN, NOISE_KEY_LEN + NOISE_TAG_LEN);
	if (ret)
		return fail(hs, ret);
	hs->step = NOISE_STEP_MSG1_S;
	return 0;
}

int noise_read_msg1_payload(struct noise_handshake *hs, const uint8_t *msg, size_t len,
			    uint8_t *payload, size_t plen)
{
	const size_t off = NOISE_KEY_LEN + NOISE_KEY_LEN + NOISE_TAG_LEN;
	int ret;

	if (hs->initiator || hs->step != NOISE_STEP_MSG1_S)
		return -EPROTO;
	if (len != NOISE_MSG1_LEN(plen) || (plen && !payload))
		return fail(hs, -EINVAL);
	/* ss */
	ret = mix_ss(hs);
	sodium_memzero(hs->ss, sizeof(hs->ss));
	if (ret)
		return fail(hs, ret);
	ret = decrypt_and_hash(hs, payload, msg + off, len - off);
	if (ret) {
		sodium_memzero(payload, plen);
		return fail(hs, ret);
	}
	hs->step = NOISE_STEP_MSG2;
	return 0;
}

int noise_read_msg1(struct noise_handshake *hs, const uint8_t *msg, size_t len, uint8_t *payload,
		    size_t plen)
{
	int ret = noise_read_msg1_static(hs, msg, len);

	return ret ? ret : noise_read_msg1_payload(hs, msg, len, payload, plen);
}

int noise_write_msg2(struct noise_handshake *hs, uint8_t *out, size_t out_len,
		     const uint8_t *payload, size_t plen)
{
	uint8_t *p = out;
	int ret;

	if (hs->initiator || hs->step != NOISE_STEP_MSG2 || hs->psk_mode != hs->has_psk)
		return -EPROTO;
	if (out_len != NOISE_MSG2_LEN(plen) || (plen && !payload))
		return -EINVAL;
	/* <- e */
	ret = make_ephemeral(hs);
	if (ret)
		return fail(hs, ret);
	memcpy(p, hs->e_pub, NOISE_KEY_LEN);
	mix_e(hs, p);
	p += NOISE_KEY_LEN;
	/* ee, se (se = DH of the initiator's static and our ephemeral) */
	ret = mix_dh(hs, hs->e_priv, hs->re);
	if (!ret)
		ret = mix_dh(hs, hs->e_priv, hs->rs);
	if (ret)
		return fail(hs, ret);
	/* The ephemeral private key is not needed any more. */
	sodium_memzero(hs->e_priv, sizeof(hs->e_priv));
	if (hs->psk_mode)
		mix_key_and_hash(hs, hs->psk, sizeof(hs->psk));
	encrypt_and_hash(hs, p, payload, plen);
	hs->step = NOISE_STEP_DONE;
	return 0;
}

int noise_read_msg2(struct noise_handshake *hs, const uint8_t *msg, size_t len, uint8_t *payload,
		    size_t plen)
{
	int ret;

	if (!hs->initiator || hs->step != NOISE_STEP_MSG2 || hs->psk_mode != hs->has_psk)
		return -EPROTO;
	if (len != NOISE_MSG2_LEN(plen) || (plen && !payload))
		return fail(hs, -EINVAL);
	/* <- e */
	memcpy(hs->re, msg, NOISE_KEY_LEN);
	mix_e(hs, hs->re);
	/* ee, se */
	ret = mix_dh(hs, hs->e_priv, hs->re);
	if (!ret)
		ret = mix_dh(hs, hs->s_priv, hs->re);
	if (ret)
		return fail(hs, ret);
	if (hs->psk_mode)
		mix_key_and_hash(hs, hs->psk, sizeof(hs->psk));
	ret = decrypt_and_hash(hs, payload, msg + NOISE_KEY_LEN, len - NOISE_KEY_LEN);
	if (ret) {
		sodium_memzero(payload, plen);
		return fail(hs, ret);
	}
	sodium_memzero(hs->e_priv, sizeof(hs->e_priv));
	hs->step = NOISE_STEP_DONE;
	return 0;
}

int noise_handshake_hash(const struct noise_handshake *hs, uint8_t out[NOISE_HASH_LEN])
{
	if (hs->step != NOISE_STEP_DONE)
		return -EPROTO;
	memcpy(out, hs->h, NOISE_HASH_LEN);
	return 0;
}

int noise_split(struct noise_handshake *hs, struct noise_cipher *i2r, struct noise_cipher *r2i)
{
	if (hs->step != NOISE_STEP_DONE)
		return -EPROTO;
	noise_hkdf(i2r->k, r2i->k, NULL, hs->ck, NULL, 0);
	i2r->n = 0;
	r2i->n = 0;
	noise_handshake_wipe(hs);
	return 0;
}

int noise_cipher_encrypt(struct noise_cipher *c, const uint8_t *ad, size_t adlen, const uint8_t *pt,
			 size_t plen, uint8_t *out)
{
	uint8_t nonce[12];

	/* 2^64 - 1 is reserved by Noise; a key must never reach it. */
	if (c->n == UINT64_MAX)
		return -EOVERFLOW;
	make_nonce(nonce, c->n++);
	crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, pt, plen, ad, adlen, NULL, nonce,
						  c->k);
	return 0;
}

int noise_cipher_decrypt(struct noise_cipher *c, const uint8_t *ad, size_t adlen, const uint8_t *ct,
			 size_t clen, uint8_t *out)
{
	uint8_t nonce[12];

	if (c->n == UINT64_MAX)
		return -EOVERFLOW;
	if (clen < NOISE_TAG_LEN)
		return -EINVAL;
	make_nonce(nonce, c->n);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(out, NULL, NULL, ct, clen, ad, adlen, nonce,
						      c->k) != 0)
		return -EBADMSG;
	c->n++;
	return 0;
}
