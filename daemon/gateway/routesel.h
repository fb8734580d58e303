/* SPDX-License-Identifier: GPL-2.0 */
/*
 * routesel.h - which peer carries each VPN prefix. Pure: a function of the
 * registry's route records and of which peers are up, unit-tested in
 * tests/unit/test_routesel.c.
 *
 * The registry gives every peer's routes with a metric (lower is better;
 * conf/topology.h says how they are made: direct 0, through the i-th hub
 * 1 + i, relays higher still). For each prefix the daemon uses the
 * lowest-metric candidate whose peer is up, with hysteresis:
 *   - the current choice is left at once when its peer goes down (to the
 *     best candidate that is up);
 *   - a better candidate takes over at once when its peer connects for the
 *     first time, but only once it has been up for the hysteresis time when
 *     it comes back after going down, so a flapping primary hub does not
 *     drag traffic back and forth;
 *   - with no candidate up the prefix has no choice (the kernel then
 *     answers "unreachable"; the OS route into av0 stays, so VPN traffic
 *     never leaks to the internet).
 */
#ifndef AVPN_GATEWAY_ROUTESEL_H
#define AVPN_GATEWAY_ROUTESEL_H

#include <stdbool.h>
#include <stdint.h>

#include "base/prefix.h"

/* One route record of one peer. */
struct routesel_cand {
	uint32_t peer;	/* the caller's stable peer id */
	uint8_t metric; /* lower is preferred */
	uint8_t flags;	/* PROTO_SUB_* of the record (TRANSIT, DEFAULT) */
};

struct routesel_entry {
	struct prefix prefix;
	struct routesel_cand *cand; /* sorted by metric, then peer */
	uint32_t n_cand;
	int32_t chosen;	   /* index into cand, or -1 */
	uint64_t since_ms; /* when the choice was made */
};

struct routesel {
	struct routesel_entry *v; /* sorted by prefix */
	uint32_t n;
	struct routesel_cand *cands;
};

/* Input record: a prefix routed to a peer. */
struct routesel_input {
	struct prefix prefix;
	struct routesel_cand cand;
};

/*
 * Peer state lookup: true if up, with the time it came back up in
 * *up_since_ms, or 0 there while the peer is in its first connection (only
 * flaps are damped: the first connection is taken at once).
 */
typedef bool (*routesel_up_fn)(void *ctx, uint32_t peer, uint64_t *up_since_ms);

/*
 * Builds a new table from n records (any order; a peer listing the same
 * prefix twice keeps its lowest metric). Choices of @old (may be NULL) are
 * carried over where the chosen (prefix, peer) still exists. On success
 * *t is replaced (free the old one yourself). 0 or -ENOMEM.
 */
int routesel_build(struct routesel *t, const struct routesel_input *in, uint32_t n,
		   const struct routesel *old);
void routesel_free(struct routesel *t);

/*
 * Decides every prefix at now_ms. Returns how many choices changed;
 * *next_ms is when a candidate in its hysteresis time becomes eligible
 * (UINT64_MAX if none): call again then.
 */
uint32_t routesel_decide(struct routesel *t, routesel_up_fn up, void *ctx, uint64_t now_ms,
			 uint64_t hysteresis_ms, uint64_t *next_ms);

/* The chosen candidate of an entry, or NULL. */
const struct routesel_cand *routesel_choice(const struct routesel_entry *e);
/* Exact lookup, NULL if absent. */
const struct routesel_entry *routesel_find(const struct routesel *t, const struct prefix *p);

#endif /* AVPN_GATEWAY_ROUTESEL_H */
