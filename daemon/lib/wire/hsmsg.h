/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hsmsg.h - the codec of the gateway <-> gateway handshake messages
 * HS_INIT (2), HS_RESP (3) and COOKIE (4), and of the payloads the Noise
 * messages carry. docs/protocol-handshake.md is the prose of this file.
 * All integers are big-endian.
 *
 *   HS_INIT (156 bytes)
 *     0  u8      type = 2
 *     1  u8[3]   reserved = 0
 *     4  u32     sender_index     the initiator's receive index for this peer
 *     8  u8[116] noise            Noise message 1: e (32) | enc s (48) | enc payload (36)
 *   124  u8[16]  mac1
 *   140  u8[16]  mac2
 *
 *   HS_RESP (112 bytes)
 *     0  u8      type = 3
 *     1  u8[3]   reserved = 0
 *     4  u32     sender_index     the responder's receive index for this peer
 *     8  u32     receiver_index   the initiator's sender_index
 *    12  u8[68]  noise            Noise message 2: e (32) | enc payload (36)
 *    80  u8[16]  mac1
 *    96  u8[16]  mac2
 *
 *   COOKIE (64 bytes)
 *     0  u8      type = 4
 *     1  u8[3]   reserved = 0
 *     4  u32     receiver_index   sender_index of the message answered
 *     8  u8[24]  nonce
 *    32  u8[32]  encrypted cookie (16) + tag (16)
 *
 *   payload of HS_INIT (20 bytes, inside Noise)
 *     0  u8      key_id           id of the new kernel key (both directions)
 *     1  u8[3]   reserved = 0
 *     4  u32     rx_index         = sender_index: what the peer writes into DATA to us
 *     8  u8[12]  timestamp        TAI64N, replay protection
 *
 *   payload of HS_RESP (20 bytes, inside Noise)
 *     0  u8      key_id           echo of the initiation's key id
 *     1  u8[3]   reserved = 0
 *     4  u32     rx_index         = sender_index
 *     8  u8[12]  superseded       TAI64N of the responder's own initiation it
 *                                 abandoned for this one (simultaneous
 *                                 initiation), or all zero
 *
 * Decoders accept exactly one encoding: exact length, known type, reserved
 * bytes zero, receive indexes non-zero, timestamps well formed. What decodes
 * re-encodes to the same bytes. Errors: -EINVAL.
 */
#ifndef AVPN_WIRE_HSMSG_H
#define AVPN_WIRE_HSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/noise.h"

enum hsmsg_type {
	HSMSG_INIT = 2,
	HSMSG_RESP = 3,
	HSMSG_COOKIE = 4,
};

#define HSMSG_MAC_LEN 16
#define HSMSG_TS_LEN 12
#define HSMSG_COOKIE_NONCE_LEN 24
#define HSMSG_COOKIE_ENC_LEN (16 + 16)

#define HSMSG_INIT_PAYLOAD_LEN 20
#define HSMSG_RESP_PAYLOAD_LEN 20
#define HSMSG_INIT_NOISE_LEN NOISE_MSG1_LEN(HSMSG_INIT_PAYLOAD_LEN) /* 116 */
#define HSMSG_RESP_NOISE_LEN NOISE_MSG2_LEN(HSMSG_RESP_PAYLOAD_LEN) /* 68 */

#define HSMSG_INIT_LEN (8 + HSMSG_INIT_NOISE_LEN + 2 * HSMSG_MAC_LEN)	     /* 156 */
#define HSMSG_RESP_LEN (12 + HSMSG_RESP_NOISE_LEN + 2 * HSMSG_MAC_LEN)	     /* 112 */
#define HSMSG_COOKIE_LEN (8 + HSMSG_COOKIE_NONCE_LEN + HSMSG_COOKIE_ENC_LEN) /* 64 */
#define HSMSG_MAX_LEN HSMSG_INIT_LEN

struct hsmsg_init {
	uint32_t sender_index;
	uint8_t noise[HSMSG_INIT_NOISE_LEN];
	uint8_t mac1[HSMSG_MAC_LEN];
	uint8_t mac2[HSMSG_MAC_LEN];
};

struct hsmsg_resp {
	uint32_t sender_index;
	uint32_t receiver_index;
	uint8_t noise[HSMSG_RESP_NOISE_LEN];
	uint8_t mac1[HSMSG_MAC_LEN];
	uint8_t mac2[HSMSG_MAC_LEN];
};

struct hsmsg_cookie {
	uint32_t receiver_index;
	uint8_t nonce[HSMSG_COOKIE_NONCE_LEN];
	uint8_t enc[HSMSG_COOKIE_ENC_LEN];
};

struct hsmsg_init_payload {
	uint8_t key_id;
	uint32_t rx_index;
	uint8_t timestamp[HSMSG_TS_LEN];
};

struct hsmsg_resp_payload {
	uint8_t key_id;
	uint32_t rx_index;
	uint8_t superseded[HSMSG_TS_LEN]; /* all zero: none */
};

/* The type byte of a datagram, or -EINVAL if it is not a handshake type. */
int hsmsg_type(const uint8_t *msg, size_t len);

/*
 * The receiver index of an HS_RESP or COOKIE (so the daemon finds the peer
 * before any cryptography); checks type and exact length. 0 or -EINVAL.
 */
int hsmsg_receiver_index(const uint8_t *msg, size_t len, uint32_t *index);

int hsmsg_init_decode(const uint8_t *msg, size_t len, struct hsmsg_init *m);
void hsmsg_init_encode(const struct hsmsg_init *m, uint8_t out[HSMSG_INIT_LEN]);
int hsmsg_resp_decode(const uint8_t *msg, size_t len, struct hsmsg_resp *m);
void hsmsg_resp_encode(const struct hsmsg_resp *m, uint8_t out[HSMSG_RESP_LEN]);
int hsmsg_cookie_decode(const uint8_t *msg, size_t len, struct hsmsg_cookie *m);
void hsmsg_cookie_encode(const struct hsmsg_cookie *m, uint8_t out[HSMSG_COOKIE_LEN]);

int hsmsg_init_payload_decode(const uint8_t *p, size_t len, struct hsmsg_init_payload *m);
void hsmsg_init_payload_encode(const struct hsmsg_init_payload *m,
			       uint8_t out[HSMSG_INIT_PAYLOAD_LEN]);
int hsmsg_resp_payload_decode(const uint8_t *p, size_t len, struct hsmsg_resp_payload *m);
void hsmsg_resp_payload_encode(const struct hsmsg_resp_payload *m,
			       uint8_t out[HSMSG_RESP_PAYLOAD_LEN]);

/*
 * TAI64N of a wall-clock time in ns since the Unix epoch: 8 bytes 2^62 + 10
 * + seconds, 4 bytes nanoseconds, rounded down to 2^24 ns (~17 ms) as
 * WireGuard does, so the timestamp does not reveal the sender's clock
 * precisely and one peer cannot get more than ~60 initiations per second
 * accepted.
 */
#define HSMSG_TS_GRANULE_NS (1u << 24)
void hsmsg_tai64n(uint8_t out[HSMSG_TS_LEN], uint64_t wall_ns);
/* The timestamp one granule later (to keep a sender's stamps increasing). */
void hsmsg_tai64n_next(uint8_t ts[HSMSG_TS_LEN]);
/* <0, 0, >0 as a is before, equal to, after b (timestamps are public). */
int hsmsg_tai64n_cmp(const uint8_t a[HSMSG_TS_LEN], const uint8_t b[HSMSG_TS_LEN]);
/* Well formed: seconds label >= 2^62 and nanoseconds < 10^9. */
bool hsmsg_tai64n_valid(const uint8_t ts[HSMSG_TS_LEN]);

#endif /* AVPN_WIRE_HSMSG_H */
