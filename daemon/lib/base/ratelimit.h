/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ratelimit.h - per-source token buckets in bounded memory, O(1) per packet.
 *
 * The handshake responder asks this, under load, for every message whose
 * MAC2 proved its source address (wire/cookie.h): a source may spend a burst
 * of @burst messages, then @rate per second. Sources are IPv4 addresses and
 * IPv6 /64s (one host usually owns a whole /64, so per-address limits would
 * be worthless there); IPv4-mapped IPv6 addresses count as IPv4.
 *
 * The table is allocated once: buckets of RATELIMIT_WAYS entries. A source
 * has two candidate buckets, chosen by a keyed hash (SipHash, random key) so
 * that nobody can aim many sources at one bucket; it lives in one of them,
 * and a new source goes to the less busy one (two choices keep a half-full
 * table from ever overflowing a bucket in practice). A new source takes a
 * free entry or one that has refilled completely (such an entry says nothing
 * a new one would not). If all 2 x RATELIMIT_WAYS entries are busy, the
 * source is refused - as WireGuard refuses when its table is full:
 * admitting it would let anyone with enough addresses bypass the limit.
 * Time is passed in (a monotonic clock in ns); nothing here runs by itself.
 */
#ifndef AVPN_BASE_RATELIMIT_H
#define AVPN_BASE_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define RATELIMIT_WAYS 8
#define RATELIMIT_DEFAULT_RATE 20 /* per second, as WireGuard */
#define RATELIMIT_DEFAULT_BURST 5
#define RATELIMIT_DEFAULT_ENTRIES 32768 /* 1 MiB */
#define RATELIMIT_MAX_ENTRIES (1u << 24)

struct ratelimit_entry {
	uint64_t addr;	  /* IPv4 address, or the IPv6 /64 prefix */
	uint64_t last_ns; /* last refill */
	uint64_t tokens;  /* credit in ns; one message costs 10^9 / rate */
	uint8_t family;	  /* 0: free, 4, 6 */
};

struct ratelimit {
	struct ratelimit_entry *table;
	uint32_t nbuckets; /* power of two */
	uint64_t cost_ns;
	uint64_t max_tokens;
	uint8_t hash_key[16];
	uint64_t refused_full; /* refusals because a bucket was full */
};

/*
 * @max_entries is rounded up to a power-of-two number of buckets (at least
 * one). 0, -EINVAL (rate or burst 0, entries 0 or above the maximum) or
 * -ENOMEM.
 */
int ratelimit_init(struct ratelimit *rl, unsigned int max_entries, unsigned int rate,
		   unsigned int burst);
void ratelimit_free(struct ratelimit *rl);

/* true: the source may send one more message now. Unknown families: false. */
bool ratelimit_allow(struct ratelimit *rl, const struct sockaddr *src, uint64_t now_ns);

/* Bytes the table takes (fixed from init on). */
size_t ratelimit_memory(const struct ratelimit *rl);

#endif /* AVPN_BASE_RATELIMIT_H */
