// SPDX-License-Identifier: GPL-2.0
/* routesel.c - the route decision per prefix (see routesel.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "routesel.h"

static int input_cmp(const void *a, const void *b)
{
	const struct routesel_input *x = a, *y = b;
	int c = prefix_cmp(&x->prefix, &y->prefix);

	if (c)
		return c;
	if (x->cand.metric != y->cand.metric)
		return x->cand.metric < y->cand.metric ? -1 : 1;
	if (x->cand.peer != y->cand.peer)
		return x->cand.peer < y->cand.peer ? -1 : 1;
	return 0;
}

void routesel_free(struct routesel *t)
{
	free(t->v);
	free(t->cands);
	memset(t, 0, sizeof(*t));
}

const struct routesel_entry *routesel_find(const struct routesel *t, const struct prefix *p)
{
	uint32_t lo = 0, hi = t->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = prefix_cmp(p, &t->v[mid].prefix);

		if (!c)
			return &t->v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct routesel_cand *routesel_choice(const struct routesel_entry *e)
{
	return e->chosen >= 0 ? &e->cand[e->chosen] : NULL;
}

int routesel_build(struct routesel *t, const struct routesel_input *in, uint32_t n,
		   const struct routesel *old)
{
	struct routesel_input *s = NULL;
	struct routesel nt = { 0 };
	uint32_t i, j;

	if (n) {
		s = malloc(n * sizeof(*s));
		nt.cands = malloc(n * sizeof(*nt.cands));
		nt.v = malloc(n * sizeof(*nt.v));
		if (!s || !nt.cands || !nt.v) {
			free(s);
			routesel_free(&nt);
			return -ENOMEM;
		}
		memcpy(s, in, n * sizeof(*s));
		qsort(s, n, sizeof(*s), input_cmp);
	}
	for (i = 0, j = 0; i < n; i++) {
		struct routesel_entry *e;
		uint32_t k;

		if (!nt.n || prefix_cmp(&nt.v[nt.n - 1].prefix, &s[i].prefix)) {
			e = &nt.v[nt.n++];
			e->prefix = s[i].prefix;
			e->cand = &nt.cands[j];
			e->n_cand = 0;
			e->chosen = -1;
			e->since_ms = 0;
		}
		e = &nt.v[nt.n - 1];
		/* Sorted by metric: a peer's first record is its best one. */
		for (k = 0; k < e->n_cand && e->cand[k].peer != s[i].cand.peer; k++)
			;
		if (k < e->n_cand)
			continue;
		e->cand[e->n_cand++] = s[i].cand;
		j++;
	}
	free(s);
	if (old) {
		for (i = 0; i < nt.n; i++) {
			const struct routesel_entry *oe = routesel_find(old, &nt.v[i].prefix);
			const struct routesel_cand *oc = oe ? routesel_choice(oe) : NULL;

			if (!oc)
				continue;
			for (j = 0; j < nt.v[i].n_cand; j++) {
				if (nt.v[i].cand[j].peer == oc->peer) {
					nt.v[i].chosen = (int32_t)j;
					nt.v[i].since_ms = oe->since_ms;
				}
			}
		}
	}
	*t = nt;
	return 0;
}

static int32_t decide_one(struct routesel_entry *e, routesel_up_fn up, void *ctx, uint64_t now_ms,
			  uint64_t hyst_ms, uint64_t *next_ms)
{
	int32_t best_up = -1, cur = e->chosen;
	bool cur_up = false;
	uint64_t since;

	if (cur >= 0)
		cur_up = up(ctx, e->cand[cur].peer, &since);
	for (uint32_t i = 0; i < e->n_cand; i++) {
		if (!up(ctx, e->cand[i].peer, &since))
			continue;
		if (best_up < 0)
			best_up = (int32_t)i;
		if (!cur_up)
			break; /* leave a dead choice at once: the best live one */
		if ((int32_t)i == cur || e->cand[i].metric >= e->cand[cur].metric)
			break; /* nothing better than what we have */
		if (!since || now_ms - since >= hyst_ms)
			return (int32_t)i; /* better: a first connection, or up long enough */
		if (since + hyst_ms < *next_ms)
			*next_ms = since + hyst_ms;
	}
	return cur_up ? cur : best_up;
}

uint32_t routesel_decide(struct routesel *t, routesel_up_fn up, void *ctx, uint64_t now_ms,
			 uint64_t hysteresis_ms, uint64_t *next_ms)
{
	uint32_t changed = 0;

	*next_ms = UINT64_MAX;
	for (uint32_t i = 0; i < t->n; i++) {
		struct routesel_entry *e = &t->v[i];
		int32_t c = decide_one(e, up, ctx, now_ms, hysteresis_ms, next_ms);

		if (c != e->chosen) {
			e->chosen = c;
			e->since_ms = now_ms;
			changed++;
		}
	}
	return changed;
}
