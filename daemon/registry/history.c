// SPDX-License-Identifier: GPL-2.0
/*
 * history.c - what the status page charts per gateway: a bounded ring of
 * samples of the path status the gateway reports in its keepalives. A
 * sample is taken when a keepalive with paths comes in and the last one is
 * at least HISTORY_STEP_KEEPALIVES keepalive intervals old: the mean RTT
 * and the worst loss of its paths that are up, and how many are up of how
 * many it reported lately. HISTORY_SLOTS samples, one per minute at the
 * default 10 s keepalive, are the last hour. The ring is allocated with the
 * first sample (1.4 KiB), so gateways that report no paths cost nothing.
 */
#include <stdlib.h>

#include "registry.h"

/* A path report older than this many keepalive intervals is left out. */
#define HISTORY_FRESH_KEEPALIVES PROTO_MISSED_KEEPALIVES

uint64_t history_step_ms(const struct registry *r)
{
	return (uint64_t)HISTORY_STEP_KEEPALIVES * r->keepalive_ms;
}

void history_note(struct registry *r, struct gwtable_entry *g, uint64_t now_ms)
{
	uint64_t fresh = (uint64_t)HISTORY_FRESH_KEEPALIVES * r->keepalive_ms, rtt_sum = 0;
	struct history *h = g->history;
	struct history_sample *s;
	uint32_t n = 0, up = 0;
	uint16_t loss = 0;

	if (!g->paths)
		return;
	if (h && h->n &&
	    now_ms - h->v[(h->head + HISTORY_SLOTS - 1) % HISTORY_SLOTS].at_ms < history_step_ms(r))
		return;
	for (uint32_t k = 0; k < g->paths->n; k++) {
		const struct gwtable_path *p = &g->paths->v[k];

		if (now_ms - p->at_ms > fresh)
			continue;
		n++;
		if (!p->up)
			continue;
		up++;
		rtt_sum += p->rtt_us;
		if (p->loss > loss)
			loss = p->loss;
	}
	if (!n)
		return;
	if (!h) {
		h = calloc(1, sizeof(*h));
		if (!h)
			return;
		g->history = h;
	}
	s = &h->v[h->head];
	s->at_ms = now_ms;
	s->rtt_us = up ? (uint32_t)(rtt_sum / up) : 0;
	s->loss = loss;
	s->up = up > UINT16_MAX ? UINT16_MAX : (uint16_t)up;
	s->paths = n > UINT16_MAX ? UINT16_MAX : (uint16_t)n;
	h->head = (h->head + 1) % HISTORY_SLOTS;
	if (h->n < HISTORY_SLOTS)
		h->n++;
}

const struct history_sample *history_get(const struct gwtable_entry *g, uint32_t i)
{
	const struct history *h = g->history;

	if (!h || i >= h->n)
		return NULL;
	return &h->v[(h->head + HISTORY_SLOTS - h->n + i) % HISTORY_SLOTS];
}
