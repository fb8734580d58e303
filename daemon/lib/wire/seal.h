/* SPDX-License-Identifier: GPL-2.0 */
/*
 * seal.h - authenticated encryption of control messages between two static
 * X25519 keys (gateway <-> registry today, gateway <-> gateway later).
 *
 * Every sealed message is
 *
 *   off  0  u8      type        (proto.h message type, in the clear)
 *   off  1  u8      version     (SEAL_VERSION)
 *   off  2  u8      to          (registry id of the recipient; 0 = not a registry)
 *   off  3  u8      from        (registry id of the sender; 0 = not a registry)
 *   off  4  u32     sender_id   (random per process)
 *   off  8  u8[32]  sender_pk   (static public key of the sender)
 *   off 40  u64     counter     (strictly increasing per sender process)
 *   off 48  ...     ciphertext
 *   end-16  u8[16]  Poly1305 tag
 *
 * AEAD: ChaCha20-Poly1305-IETF, additional data = the 48-byte header,
 * nonce (12 bytes) = sender_id || counter.  Keys: the X25519 shared key
 * K = crypto_box_beforenm(peer_pk, my_sk) is computed once per pair; each
 * direction has its own key, BLAKE2b-256(key = K, "autovpn seal v1" ||
 * sender_pk), so the two ends never encrypt under the same (key, nonce).
 * sender_id keeps two processes with the same key apart (the two registries,
 * and every restart of a sender), and the counter keeps one sender's messages
 * apart.
 *
 * to/from name the registry a message is for or comes from: the two
 * registries of an organization share one key pair, so without them a
 * message sealed for registry 1 would open at registry 2 as well (issue 9
 * #14). They are part of the authenticated header; a registry drops what is
 * not addressed to its own id, a gateway what does not come from the
 * registry it expects. Between gateways (distinct key pairs) both are 0.  The counter is wall-clock nanoseconds, forced strictly increasing,
 * so it also orders messages across restarts of the sender; the receiver
 * keeps a replay window per sender (replay.h).
 *
 * Errors: 0 (or a length) on success, a negative errno otherwise.
 */
#ifndef AVPN_WIRE_SEAL_H
#define AVPN_WIRE_SEAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SEAL_VERSION 1
#define SEAL_KEY_LEN 32
#define SEAL_HDR_LEN 48
#define SEAL_TAG_LEN 16
#define SEAL_OVERHEAD (SEAL_HDR_LEN + SEAL_TAG_LEN)

/* The pair's two directional keys (64 bytes per peer). */
struct seal_key {
	uint8_t tx[SEAL_KEY_LEN]; /* messages I send */
	uint8_t rx[SEAL_KEY_LEN]; /* messages the peer sends */
};

struct seal_hdr {
	uint8_t type;
	uint8_t version;
	uint8_t to, from; /* registry ids, 0 = not a registry */
	uint32_t sender_id;
	const uint8_t *sender_pk; /* points into the message */
	uint64_t counter;
};

/* Must be called once before anything else (sodium_init); 0 or -EIO. */
int seal_init(void);

/*
 * Keys between my key pair and the peer's public key.  Returns -EINVAL if
 * the peer key is a low-order point (the shared secret would be predictable).
 */
int seal_precompute(struct seal_key *out, const uint8_t peer_pk[32], const uint8_t my_sk[32],
		    const uint8_t my_pk[32]);
/*
 * The same keys from the X25519 shared secret dh = X25519(my_sk, peer_pk)
 * computed elsewhere (the handshake's static-static secret), so a daemon
 * with many peers does one scalar multiplication per peer, not two. The
 * caller has refused low-order peer keys already. Returns 0.
 */
int seal_precompute_dh(struct seal_key *out, const uint8_t dh[32], const uint8_t peer_pk[32],
		       const uint8_t my_pk[32]);

/*
 * Seal plaintext pt[ptlen] into out (capacity cap) with the header fields
 * of h (its version is ignored: SEAL_VERSION).  Returns the message length,
 * or -EMSGSIZE if it does not fit.  out and pt must not overlap.
 */
ssize_t seal_msg_hdr(uint8_t *out, size_t cap, const struct seal_hdr *h, const struct seal_key *key,
		     const uint8_t *pt, size_t ptlen);

/* The same between two gateways: to = from = 0. */
ssize_t seal_msg(uint8_t *out, size_t cap, uint8_t type, uint32_t sender_id,
		 const uint8_t sender_pk[32], uint64_t counter, const struct seal_key *key,
		 const uint8_t *pt, size_t ptlen);

/*
 * Parse the clear header without any crypto.  Returns 0, or -EBADMSG if the
 * message is too short or has the wrong version.  Nothing in it is trusted
 * until seal_open() succeeded.
 */
int seal_peek(const uint8_t *msg, size_t len, struct seal_hdr *h);

/*
 * Authenticate and decrypt.  pt needs len - SEAL_OVERHEAD bytes.  Returns the
 * plaintext length, -EBADMSG if the message is too short or not authentic,
 * -EMSGSIZE if pt is too small.
 */
ssize_t seal_open(uint8_t *pt, size_t cap, const uint8_t *msg, size_t len,
		  const struct seal_key *key);

/* Strictly increasing counter from CLOCK_REALTIME nanoseconds. */
struct seal_counter {
	uint64_t last;
};
uint64_t seal_next_counter(struct seal_counter *c);

#endif /* AVPN_WIRE_SEAL_H */
