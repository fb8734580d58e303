/* SPDX-License-Identifier: GPL-2.0 */
/*
 * probe.h - PROBE and PROBE_REPLY, the gateway <-> gateway path probes.
 *
 * A probe is sealed (wire/seal.h) between the two gateways' static keys, so
 * it authenticates without any handshake: hole punching and path probing
 * work before the first handshake and after a daemon restart alike. Body
 * (both types, 16 bytes, big-endian):
 *
 *   u8  src_uplink   the sender's uplink the datagram leaves from (0 wan1, 1 wan2)
 *   u8  dst_uplink   the receiver's uplink it is meant for
 *   u8  key_id       the sender's current transmit key id (PROBE_NO_KEY: none)
 *   u8  flags        0 (reserved)
 *   u32 seq          probe number; a reply echoes it
 *   u64 sent_us      the prober's monotonic clock in microseconds; echoed
 *
 * A reply swaps the uplinks (its src_uplink is the replier's), echoes seq
 * and sent_us, and carries the replier's own key_id. Decoders accept exactly
 * this encoding. Errors: a negative errno.
 */
#ifndef AVPN_WIRE_PROBE_H
#define AVPN_WIRE_PROBE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROBE_BODY_LEN 16
#define PROBE_NO_KEY 0xff

struct probe {
	uint8_t src_uplink;
	uint8_t dst_uplink;
	uint8_t key_id;
	uint32_t seq;
	uint64_t sent_us;
};

/* The body's length, or -EMSGSIZE if cap is too small. */
ssize_t probe_encode(uint8_t *buf, size_t cap, const struct probe *p);
/* 0, or -EBADMSG for a wrong length, an uplink > 1 or non-zero flags. */
int probe_decode(const uint8_t *buf, size_t len, struct probe *p);

#endif /* AVPN_WIRE_PROBE_H */
