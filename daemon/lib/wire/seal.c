// SPDX-License-Identifier: GPL-2.0
/* seal.c - authenticated encryption between static keys (see seal.h). */
#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "base/clock.h"
#include "wire/seal.h"
#include "wire/wire.h"

int seal_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

static void dir_key(uint8_t out[32], const uint8_t k[32], const uint8_t sender_pk[32])
{
	static const char label[] = "autovpn seal v1";
	crypto_generichash_state st;

	crypto_generichash_init(&st, k, 32, 32);
	crypto_generichash_update(&st, (const uint8_t *)label, sizeof(label) - 1);
	crypto_generichash_update(&st, sender_pk, 32);
	crypto_generichash_final(&st, out, 32);
}

int seal_precompute(struct seal_key *out, const uint8_t peer_pk[32], const uint8_t my_sk[32],
		    const uint8_t my_pk[32])
{
	uint8_t k[32];

	/* crypto_box_beforenm fails for low-order points (all-zero secret). */
	if (crypto_box_beforenm(k, peer_pk, my_sk) != 0) {
		sodium_memzero(out, sizeof(*out));
		return -EINVAL;
	}
	dir_key(out->tx, k, my_pk);
	dir_key(out->rx, k, peer_pk);
	sodium_memzero(k, sizeof(k));
	return 0;
}

int seal_precompute_dh(struct seal_key *out, const uint8_t dh[32], const uint8_t peer_pk[32],
		       const uint8_t my_pk[32])
{
	static const uint8_t zero[16];
	uint8_t k[32];

	/* What crypto_box_beforenm() does after its scalar multiplication. */
	crypto_core_hsalsa20(k, zero, dh, NULL);
	dir_key(out->tx, k, my_pk);
	dir_key(out->rx, k, peer_pk);
	sodium_memzero(k, sizeof(k));
	return 0;
}

static void make_nonce(uint8_t nonce[12], const uint8_t *hdr)
{
	/* sender_id (4) || counter (8) */
	memcpy(nonce, hdr + 4, 4);
	memcpy(nonce + 4, hdr + 40, 8);
}

ssize_t seal_msg_hdr(uint8_t *out, size_t cap, const struct seal_hdr *h, const struct seal_key *key,
		     const uint8_t *pt, size_t ptlen)
{
	uint8_t nonce[12];
	unsigned long long clen;

	if (cap < SEAL_OVERHEAD || ptlen > cap - SEAL_OVERHEAD)
		return -EMSGSIZE;
	out[0] = h->type;
	out[1] = SEAL_VERSION;
	out[2] = h->to;
	out[3] = h->from;
	wire_put32(out + 4, h->sender_id);
	memcpy(out + 8, h->sender_pk, 32);
	wire_put64(out + 40, h->counter);
	make_nonce(nonce, out);
	crypto_aead_chacha20poly1305_ietf_encrypt(out + SEAL_HDR_LEN, &clen, pt, ptlen, out,
						  SEAL_HDR_LEN, NULL, nonce, key->tx);
	return (ssize_t)(SEAL_HDR_LEN + clen);
}

ssize_t seal_msg(uint8_t *out, size_t cap, uint8_t type, uint32_t sender_id,
		 const uint8_t sender_pk[32], uint64_t counter, const struct seal_key *key,
		 const uint8_t *pt, size_t ptlen)
{
	struct seal_hdr h = {
		.type = type, .sender_id = sender_id, .sender_pk = sender_pk, .counter = counter
	};

	return seal_msg_hdr(out, cap, &h, key, pt, ptlen);
}

int seal_peek(const uint8_t *msg, size_t len, struct seal_hdr *h)
{
	if (len < SEAL_OVERHEAD || msg[1] != SEAL_VERSION)
		return -EBADMSG;
	h->type = msg[0];
	h->version = msg[1];
	h->to = msg[2];
	h->from = msg[3];
	h->sender_id = wire_get32(msg + 4);
	h->sender_pk = msg + 8;
	h->counter = wire_get64(msg + 40);
	return 0;
}

ssize_t seal_open(uint8_t *pt, size_t cap, const uint8_t *msg, size_t len,
		  const struct seal_key *key)
{
	uint8_t nonce[12];
	unsigned long long plen;

	if (len < SEAL_OVERHEAD)
		return -EBADMSG;
	if (cap < len - SEAL_OVERHEAD)
		return -EMSGSIZE;
	make_nonce(nonce, msg);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(pt, &plen, NULL, msg + SEAL_HDR_LEN,
						      len - SEAL_HDR_LEN, msg, SEAL_HDR_LEN, nonce,
						      key->rx) != 0)
		return -EBADMSG;
	return (ssize_t)plen;
}

uint64_t seal_next_counter(struct seal_counter *c)
{
	uint64_t now = clock_realtime_ns();

	/* Never repeat, also if the clock steps back. */
	c->last = now > c->last ? now : c->last + 1;
	return c->last;
}
