// SPDX-License-Identifier: GPL-2.0
/*
 * Loading the org config (at start, on SIGHUP, on file change) and the small
 * cache of computed peer lists used to answer paged register requests.
 *
 * A reload is all or nothing: the new file is parsed and validated whole, the
 * new gateway table is built next to the old one, and only then are the two
 * swapped.  An invalid file leaves the running config untouched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/registry/registry.h"

static void view_slot_free(struct view_cache *v)
{
	topology_view_free(v->view);
	free(v->items);
	free(v->subnets);
	free(v->starts);
	memset(v, 0, sizeof(*v));
	v->net = UINT32_MAX;
}

void reg_views_clear(struct registry *r)
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

/* Computes the view of net with its page layout; NULL on failure. */
static int view_build(struct registry *r, struct view_cache *v, uint32_t net)
{
	struct topology_view *tv;
	size_t ns = 0, k = 0;

	if (topology_compute(r->topo, net, &tv))
		return -1;
	v->view = tv;
	v->net = net;
	ns = tv->n_routes + tv->n_allowed;
	v->items = calloc(tv->n_peers ? tv->n_peers : 1, sizeof(*v->items));
	v->subnets = calloc(ns ? ns : 1, sizeof(*v->subnets));
	if (!v->items || !v->subnets)
		goto fail;
	for (size_t i = 0; i < tv->n_peers; i++) {
		const struct topology_peer *p = &tv->peers[i];
		size_t len = strlen(p->network->name);

		v->items[i].name_len = len > PROTO_NAME_MAX ? PROTO_NAME_MAX : len;
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
	v->n_pages = proto_paginate(v->items, (uint32_t)tv->n_peers, NULL, UINT16_MAX - 1);
	if (!v->n_pages)
		goto fail;
	v->starts = calloc(v->n_pages, sizeof(*v->starts));
	if (!v->starts)
		goto fail;
	proto_paginate(v->items, (uint32_t)tv->n_peers, v->starts, v->n_pages);
	return 0;
fail:
	view_slot_free(v);
	return -1;
}

struct view_cache *reg_view_get(struct registry *r, uint32_t net)
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

int reg_load_config(struct registry *r, int initial)
{
	struct errlist errs = ERRLIST_INIT;
	struct orgconf *cfg = NULL;
	struct gw *gws;
	uint32_t *hash, mask, old_n;
	uint64_t t0 = clock_mono_ms();
	int rc;

	rc = orgconf_load(r->config_path, 0, &cfg, &errs);
	if (rc) {
		if (r->cfg)
			log_err("config %s rejected (%zu error%s), keeping version %016llx",
				r->config_path, errlist_count(&errs),
				errlist_count(&errs) == 1 ? "" : "s",
				(unsigned long long)r->cfg->version);
		else
			log_err("config %s rejected (%zu error%s)", r->config_path,
				errlist_count(&errs), errlist_count(&errs) == 1 ? "" : "s");
		errlist_print(&errs, stderr);
		errlist_free(&errs);
		r->st.reload_failures++;
		return -1;
	}
	errlist_free(&errs);
	if (r->cfg && cfg->version == r->cfg->version) {
		orgconf_free(cfg);
		return 0; /* same bytes: nothing to do, nothing to push */
	}
	if (!cfg->keys_loaded) {
		log_err("config %s: registry key not loaded", r->config_path);
		orgconf_free(cfg);
		r->st.reload_failures++;
		return -1;
	}
	old_n = r->cfg ? (uint32_t)r->cfg->n_networks : 0;
	if (gwtable_build(r, cfg, r->gws, old_n, r->cfg, &gws, &hash, &mask)) {
		gws = NULL;
		hash = NULL;
		goto oom;
	}
	if (reg_index_hubs(r, cfg)) {
		gw_free_all(gws, (uint32_t)cfg->n_networks);
		free(hash);
		goto oom;
	}
	if (0) {
oom:
		log_err("config %s: out of memory, keeping the old one", r->config_path);
		orgconf_free(cfg);
		r->st.reload_failures++;
		return -1;
	}
	/* Commit. */
	reg_views_clear(r);
	gw_free_all(r->gws, old_n);
	if (r->cfg)
		orgconf_free(r->cfg);
	free(r->hash);
	r->cfg = cfg;
	r->topo = orgconf_topology(cfg);
	r->gws = gws;
	r->hash = hash;
	r->hash_mask = mask;
	r->loaded_ms = clock_mono_ms();
	r->push_pending = 0; /* the new table has no marks yet */
	r->peers_pending = 0;
	r->peers_flushing = 0;
	if (!initial) {
		r->st.reloads++;
		/* The version is org-wide: everyone registered must refetch. */
		reg_push_all(r);
	}
	log_info("config %s version %016llx: %zu networks (%llu ms)", r->config_path,
		 (unsigned long long)cfg->version, cfg->n_networks,
		 (unsigned long long)(clock_mono_ms() - t0));
	return 0;
}
