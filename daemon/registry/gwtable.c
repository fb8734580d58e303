// SPDX-License-Identifier: GPL-2.0
/*
 * The gateway table: one struct gwtable_entry per network of the current config, found
 * by public key through an open hash (chained by index, so it costs 4 bytes
 * per bucket and no allocation per gateway).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "registry.h"

static uint32_t key_hash(const uint8_t pk[32])
{
	uint32_t h;

	/* Public keys are uniformly distributed; 4 bytes are a fine hash. */
	memcpy(&h, pk + 8, sizeof(h));
	return h;
}

struct gwtable_entry *gwtable_lookup(const struct registry *r, const uint8_t pk[32])
{
	uint32_t i;

	if (!r->hash)
		return NULL;
	for (i = r->hash[key_hash(pk) & r->hash_mask]; i; i = r->gws[i - 1].hnext)
		if (!memcmp(r->gws[i - 1].pk, pk, 32))
			return &r->gws[i - 1];
	return NULL;
}

uint32_t gwtable_index(const struct registry *r, const struct gwtable_entry *g)
{
	return (uint32_t)(g - r->gws);
}

int gwtable_uplink_connected(const struct registry *r, const struct gwtable_uplink *u,
			     uint64_t now_ms)
{
	uint64_t dead = (uint64_t)PROTO_MISSED_KEEPALIVES * r->keepalive_ms;

	return u->last_ms && now_ms - u->last_ms <= dead;
}

int gwtable_connected(const struct registry *r, const struct gwtable_entry *g, uint64_t now_ms)
{
	for (unsigned int i = 0; i < PROTO_MAX_UPLINKS; i++)
		if (gwtable_uplink_connected(r, &g->ul[i], now_ms))
			return 1;
	return 0;
}

void gwtable_free(struct gwtable_entry *gws, uint32_t n)
{
	if (!gws)
		return;
	for (uint32_t i = 0; i < n; i++) {
		free(gws[i].paths);
		free(gws[i].history);
	}
	sodium_memzero(gws, (size_t)n * sizeof(*gws));
	free(gws);
}

/*
 * Builds the table for cfg.  Soft state of gateways that exist in the old
 * table (same public key) is carried over, so a reload does not make anyone
 * re-register; path reports are dropped because they name peers by old
 * indexes, the history of samples moves over.  The shared key is kept only if the registry key is unchanged.
 */
int gwtable_build(struct registry *r, struct orgconf *cfg, struct gwtable_entry *old,
		  uint32_t old_n, const struct orgconf *old_cfg, struct gwtable_entry **out_gws,
		  uint32_t **out_hash, uint32_t *out_mask)
{
	uint32_t n = (uint32_t)cfg->n_networks, nb = 16, *hash;
	struct gwtable_entry *gws;
	int same_key = old_cfg &&
		       !memcmp(old_cfg->registry_private_key, cfg->registry_private_key, 32);

	while (nb < n * 2)
		nb <<= 1;
	gws = calloc(n ? n : 1, sizeof(*gws));
	hash = calloc(nb, sizeof(*hash));
	if (!gws || !hash) {
		free(gws);
		free(hash);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct orgconf_network *net = &cfg->networks[i];
		uint32_t b;

		if (!net->has_public_key)
			continue;
		if (old && old_cfg) {
			const struct orgconf_network *on =
				orgconf_find_by_key(old_cfg, net->public_key);

			if (on && on->index < old_n) {
				gws[i] = old[on->index];
				gws[i].paths = NULL;
				/* Names no other gateway: moves to the new table. */
				old[on->index].history = NULL;
				gws[i].push = 0;
				if (!same_key)
					gws[i].key_ready = 0;
			}
		}
		memcpy(gws[i].pk, net->public_key, 32);
		b = key_hash(net->public_key) & (nb - 1);
		gws[i].hnext = hash[b];
		hash[b] = i + 1;
	}
	*out_gws = gws;
	*out_hash = hash;
	*out_mask = nb - 1;
	return 0;
}

/*
 * Reverse index: for every hub, the spokes that list it, so that the peers
 * of a gateway (to tell them its contact information changed) are found
 * without computing a whole topology view.
 */
int gwtable_index_hubs(struct registry *r, const struct orgconf *cfg)
{
	uint32_t n = (uint32_t)cfg->n_networks, total = 0, nh = 0;
	uint32_t *off, *fill, *list, *hubs;

	off = calloc((size_t)n + 1, sizeof(*off));
	fill = calloc((size_t)n + 1, sizeof(*fill));
	if (!off || !fill)
		goto fail;
	for (uint32_t i = 0; i < n; i++) {
		const struct orgconf_network *net = &cfg->networks[i];

		if (net->mode == ORGCONF_MODE_HUB)
			nh++;
		if (net->mode != ORGCONF_MODE_SPOKE)
			continue;
		for (size_t h = 0; h < net->n_hubs; h++)
			off[net->hubs[h].net + 1]++;
		total += (uint32_t)net->n_hubs;
	}
	for (uint32_t i = 0; i < n; i++)
		off[i + 1] += off[i];
	list = calloc(total ? total : 1, sizeof(*list));
	hubs = calloc(nh ? nh : 1, sizeof(*hubs));
	if (!list || !hubs) {
		free(list);
		free(hubs);
		goto fail;
	}
	nh = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct orgconf_network *net = &cfg->networks[i];

		if (net->mode == ORGCONF_MODE_HUB)
			hubs[nh++] = i;
		if (net->mode != ORGCONF_MODE_SPOKE)
			continue;
		for (size_t h = 0; h < net->n_hubs; h++) {
			uint32_t hub = net->hubs[h].net;

			list[off[hub] + fill[hub]++] = i;
		}
	}
	free(fill);
	free(r->hub_spokes_off);
	free(r->hub_spokes);
	free(r->hubs);
	r->hub_spokes_off = off;
	r->hub_spokes = list;
	r->hubs = hubs;
	r->n_hubs = nh;
	return 0;
fail:
	free(off);
	free(fill);
	return -ENOMEM;
}
