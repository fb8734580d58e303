// SPDX-License-Identifier: GPL-2.0
/* Per-source token buckets in a fixed, set-associative table; see ratelimit.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sodium.h>

#include "base/ratelimit.h"

int ratelimit_init(struct ratelimit *rl, unsigned int max_entries, unsigned int rate,
		   unsigned int burst)
{
	uint32_t nb = 1;

	memset(rl, 0, sizeof(*rl));
	if (!rate || !burst || !max_entries || max_entries > RATELIMIT_MAX_ENTRIES ||
	    rate > 1000000000u)
		return -EINVAL;
	if (sodium_init() < 0)
		return -ENOSYS;
	while ((uint64_t)nb * RATELIMIT_WAYS < max_entries)
		nb <<= 1;
	rl->table = calloc((size_t)nb * RATELIMIT_WAYS, sizeof(*rl->table));
	if (!rl->table)
		return -ENOMEM;
	rl->nbuckets = nb;
	rl->cost_ns = 1000000000ull / rate;
	rl->max_tokens = rl->cost_ns * burst;
	randombytes_buf(rl->hash_key, sizeof(rl->hash_key));
	return 0;
}

void ratelimit_free(struct ratelimit *rl)
{
	free(rl->table);
	memset(rl, 0, sizeof(*rl));
}

size_t ratelimit_memory(const struct ratelimit *rl)
{
	return (size_t)rl->nbuckets * RATELIMIT_WAYS * sizeof(*rl->table);
}

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static int source_key(const struct sockaddr *sa, uint8_t *family, uint64_t *addr)
{
	const uint8_t *a;

	if (!sa)
		return -EINVAL;
	if (sa->sa_family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (memcmp(a, v4mapped, sizeof(v4mapped))) {
			/* The /64: the rest is the host's to choose. */
			*family = 6;
			memcpy(addr, a, 8);
			return 0;
		}
		/* A dual-stack socket: an IPv4 source, not a /64 of all of them. */
		a += 12;
	} else {
		return -EINVAL;
	}
	*family = 4;
	*addr = 0;
	memcpy(addr, a, 4);
	return 0;
}

static void refill(const struct ratelimit *rl, struct ratelimit_entry *e, uint64_t now_ns)
{
	uint64_t delta = now_ns > e->last_ns ? now_ns - e->last_ns : 0;

	e->tokens = delta >= rl->max_tokens - e->tokens ? rl->max_tokens : e->tokens + delta;
	e->last_ns = now_ns;
}

/* An entry refilled to the brim says nothing a new one would not: reusable. */
static bool entry_idle(const struct ratelimit *rl, const struct ratelimit_entry *e, uint64_t now_ns)
{
	return now_ns > e->last_ns && now_ns - e->last_ns >= rl->max_tokens;
}

bool ratelimit_allow(struct ratelimit *rl, const struct sockaddr *src, uint64_t now_ns)
{
	struct ratelimit_entry *b[2], *cand[2] = { NULL, NULL }, *victim;
	unsigned int busy[2] = { 0, 0 }, i, j;
	uint8_t in[9], h[8], family;
	uint64_t addr, hv;

	if (!rl->table || source_key(src, &family, &addr))
		return false;
	in[0] = family;
	memcpy(in + 1, &addr, 8);
	crypto_shorthash_siphash24(h, in, sizeof(in), rl->hash_key);
	memcpy(&hv, h, sizeof(hv));
	/* Two candidate buckets; a new source goes to the less busy one. */
	b[0] = rl->table + (size_t)(hv & (rl->nbuckets - 1)) * RATELIMIT_WAYS;
	b[1] = rl->table + (size_t)((hv >> 32) & (rl->nbuckets - 1)) * RATELIMIT_WAYS;

	for (j = 0; j < 2; j++) {
		for (i = 0; i < RATELIMIT_WAYS; i++) {
			struct ratelimit_entry *e = &b[j][i];

			if (e->family == family && e->addr == addr) {
				refill(rl, e, now_ns);
				if (e->tokens < rl->cost_ns)
					return false;
				e->tokens -= rl->cost_ns;
				return true;
			}
			if (!e->family) {
				if (!cand[j] || cand[j]->family)
					cand[j] = e;
			} else if (entry_idle(rl, e, now_ns)) {
				if (!cand[j])
					cand[j] = e;
			} else {
				busy[j]++;
			}
		}
	}
	victim = busy[1] < busy[0] ? cand[1] : cand[0];
	if (!victim) {
		rl->refused_full++;
		return false;
	}
	victim->family = family;
	victim->addr = addr;
	victim->last_ns = now_ns;
	victim->tokens = rl->max_tokens - rl->cost_ns;
	return true;
}
