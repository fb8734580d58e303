// SPDX-License-Identifier: GPL-2.0
/*
 * view.c - the small cache of computed peer lists (topology views, turned
 * into protocol subnet records and cut into pages) that answers paged
 * register requests: a gateway fetches its pages in a burst, so the last
 * VIEW_CACHE_SLOTS lists are kept, least recently used first out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

_Static_assert(ORGCONF_MAX_NAME == PROTO_NAME_MAX, "config and wire name limits differ");
_Static_assert(TOPOLOGY_METRIC_RELAY == PROTO_METRIC_RELAY, "relay metrics differ");
_Static_assert(ORGCONF_MIN_PURGE_SECS == PROTO_MIN_PURGE_S &&
		       ORGCONF_MAX_PURGE_SECS == PROTO_MAX_PURGE_S,
	       "purge time bounds of config and wire differ");

static void view_slot_free(struct view_cache *v)
{
	topology_view_free(v->view);
	free(v->items);
	free(v->subnets);
	free(v->starts);
	memset(v, 0, sizeof(*v));
	v->net = UINT32_MAX;
}

void view_init(struct registry *r)
{
	for (unsigned int i = 0; i < VIEW_CACHE_SLOTS; i++)
		r->views[i].net = UINT32_MAX;
}

void view_clear(struct registry *r)
{
	for (unsigned int i = 0; i < VIEW_CACHE_SLOTS; i++)
		view_slot_free(&r->views[i]);
}

static void to_subnet(struct proto_subnet *s, const struct prefix *p, uint32_t metric,
		      uint8_t flags)
{
	s->prefix = *p;
	s->metric = metric > 255 ? 255 : (uint8_t)metric;
	s->flags = flags;
}

/* Computes the view of net with its page layout; 0 or -errno. */
static int view_build(struct registry *r, struct view_cache *v, uint32_t net)
{
	struct topology_view *tv;
	size_t ns = 0, k = 0;
	int ret;

	ret = topology_compute(r->topo, net, &tv);
	if (ret)
		return ret;
	v->view = tv;
	v->net = net;
	ns = tv->n_routes + tv->n_allowed;
	v->items = calloc(tv->n_peers ? tv->n_peers : 1, sizeof(*v->items));
	v->subnets = calloc(ns ? ns : 1, sizeof(*v->subnets));
	ret = -ENOMEM;
	if (!v->items || !v->subnets)
		goto fail;
	for (size_t i = 0; i < tv->n_peers; i++) {
		const struct topology_peer *p = &tv->peers[i];
		size_t len = strlen(p->network->name);

		/* The config refuses longer names (ORGCONF_MAX_NAME); never cut one. */
		if (len > PROTO_NAME_MAX) {
			ret = -ENAMETOOLONG;
			goto fail;
		}
		v->items[i].name_len = len;
		v->items[i].subnets = &v->subnets[k];
		for (size_t j = 0; j < p->n_routes; j++) {
			const struct topology_route *rt = &p->routes[j];
			uint8_t f = PROTO_SUB_ROUTE;

			if (rt->flags & TOPOLOGY_ROUTE_DEFAULT)
				f |= PROTO_SUB_DEFAULT;
			if (rt->flags & TOPOLOGY_ROUTE_TRANSIT)
				f |= PROTO_SUB_TRANSIT;
			to_subnet(&v->subnets[k++], &rt->prefix, rt->metric, f);
		}
		for (size_t j = 0; j < p->n_allowed; j++)
			to_subnet(&v->subnets[k++], &p->allowed[j], 0, PROTO_SUB_ALLOWED);
		v->items[i].n_subnets = (uint32_t)(p->n_routes + p->n_allowed);
	}
	{
		static struct proto_self self;
		ssize_t sl;

		/* self_check() passed at load: it builds and fits. */
		ret = self_build(r->cfg, net, &self);
		sl = ret ? ret : proto_self_size(&self);
		if (sl < 0) {
			ret = (int)sl;
			goto fail;
		}
		v->self_len = (size_t)sl;
	}
	v->n_pages =
		proto_paginate(v->items, (uint32_t)tv->n_peers, NULL, UINT16_MAX - 1, v->self_len);
	if (!v->n_pages) {
		ret = -E2BIG; /* more pages than a page number can count */
		goto fail;
	}
	v->starts = calloc(v->n_pages, sizeof(*v->starts));
	if (!v->starts)
		goto fail;
	proto_paginate(v->items, (uint32_t)tv->n_peers, v->starts, v->n_pages, v->self_len);
	return 0;
fail:
	view_slot_free(v);
	return ret;
}

struct view_cache *view_get(struct registry *r, uint32_t net)
{
	struct view_cache *lru = &r->views[0];

	for (unsigned int i = 0; i < VIEW_CACHE_SLOTS; i++) {
		struct view_cache *v = &r->views[i];

		if (v->view && v->net == net) {
			v->used = ++r->view_tick;
			return v;
		}
		if (!v->view || v->used < lru->used)
			lru = v;
		if (!v->view)
			break;
	}
	view_slot_free(lru);
	if (view_build(r, lru, net))
		return NULL;
	lru->used = ++r->view_tick;
	return lru;
}
