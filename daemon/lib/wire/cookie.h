/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cookie.h - MAC1, MAC2 and cookie replies: WireGuard's defence against
 * handshake floods, for HS_INIT and HS_RESP (docs/protocol-handshake.md).
 *
 * Every handshake message ends with mac1 | mac2 (16 bytes each):
 *
 *   mac1 = BLAKE2b-128(key = BLAKE2b-256("autovpn mac1 v1" | receiver's static pub),
 *                      message up to mac1)
 *   mac2 = BLAKE2b-128(key = cookie, message up to mac2), or zero without a cookie
 *
 * MAC1 proves the sender knows the receiver's public key; it is checked
 * before anything costs a DH, so random floods die there. Under load the
 * receiver also demands MAC2: a message without a valid one is answered with
 * a COOKIE reply instead of being processed. The cookie is
 *
 *   cookie = BLAKE2b-128(key = secret, family | address | port)
 *
 * of the message's source; the secret is random and replaced every 2 min.
 * Only a sender that receives packets at its source address gets the cookie,
 * so spoofed sources never pass MAC2 and a per-source rate limit
 * (base/ratelimit.h) of what does pass is meaningful. The reply is encrypted
 * with XChaCha20-Poly1305 under BLAKE2b-256("autovpn cookie v1" | the
 * replier's static pub), with the mac1 of the message it answers as
 * additional data: only the sender of that message can use it, and a reply
 * that does not answer our last message is refused.
 *
 * The checker (receiving side) is one per gateway; the sender state is one
 * per peer, keyed by the peer's static public key. Time is a monotonic clock
 * in ns, passed in.
 */
#ifndef AVPN_WIRE_COOKIE_H
#define AVPN_WIRE_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "wire/hsmsg.h"

#define COOKIE_LEN 16
#define COOKIE_KEY_LEN 32
#define COOKIE_SECRET_MAX_AGE_NS (120ull * 1000000000ull)
/* A sender stops using a cookie this long before the secret may rotate. */
#define COOKIE_SECRET_LATENCY_NS (5ull * 1000000000ull)

struct cookie_checker {
	uint8_t mac1_key[COOKIE_KEY_LEN];
	uint8_t enc_key[COOKIE_KEY_LEN]; /* encrypts our COOKIE replies */
	uint8_t secret[32];
	uint64_t secret_birth_ns;
	bool has_secret;
};

struct cookie_sender {
	uint8_t mac1_key[COOKIE_KEY_LEN];
	uint8_t dec_key[COOKIE_KEY_LEN]; /* decrypts the peer's COOKIE replies */
	uint8_t last_mac1[HSMSG_MAC_LEN];
	bool have_sent_mac1; /* a reply may answer last_mac1, once */
	uint8_t cookie[COOKIE_LEN];
	uint64_t cookie_birth_ns;
	bool cookie_valid;
};

enum cookie_mac_state {
	COOKIE_MAC_INVALID = 0, /* mac1 wrong: drop, no answer */
	COOKIE_MAC1_VALID,	/* mac1 right, mac2 missing/wrong (or not checked) */
	COOKIE_MAC2_VALID,	/* both right */
};

/* Checker for our own static public key. 0 or -ENOSYS (libsodium). */
int cookie_checker_init(struct cookie_checker *c, const uint8_t my_pub[32]);
void cookie_checker_wipe(struct cookie_checker *c);

/* Sender state toward a peer with static public key @peer_pub. */
int cookie_sender_init(struct cookie_sender *s, const uint8_t peer_pub[32]);
void cookie_sender_wipe(struct cookie_sender *s);

/*
 * Fills the last 32 bytes of @msg (@len bytes, a whole HS_INIT or HS_RESP):
 * mac1 always, mac2 with a cookie younger than 2 min - 5 s, else zero.
 * Remembers mac1, which a COOKIE reply must answer.
 */
void cookie_add_macs(struct cookie_sender *s, uint8_t *msg, size_t len, uint64_t now_ns);

/*
 * Checks mac1 and, if @check_mac2, mac2 for a message from @src (AF_INET or
 * AF_INET6; anything else never has a valid mac2). Comparisons are constant
 * time. A message shorter than its macs is INVALID.
 */
enum cookie_mac_state cookie_validate(struct cookie_checker *c, const uint8_t *msg, size_t len,
				      const struct sockaddr *src, bool check_mac2, uint64_t now_ns);

/*
 * The COOKIE reply to @msg (a message whose mac1 was valid) from @src, sent
 * to @receiver_index (the message's sender index). 0, or -EINVAL for a
 * message too short or a source that is not IPv4/IPv6.
 */
int cookie_reply_create(struct cookie_checker *c, const uint8_t *msg, size_t len,
			uint32_t receiver_index, const struct sockaddr *src, uint64_t now_ns,
			struct hsmsg_cookie *out);

/*
 * Takes the cookie from a reply, if it answers the last message we sent
 * (which it may only do once). 0, -ENOENT (nothing to answer) or -EBADMSG.
 */
int cookie_reply_consume(struct cookie_sender *s, const struct hsmsg_cookie *in, uint64_t now_ns);

#endif /* AVPN_WIRE_COOKIE_H */
