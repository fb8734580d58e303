// SPDX-License-Identifier: GPL-2.0
/*
 * scrape_cache.c - the last rendered metrics exposition (scrape_cache.h).
 */
#include <stdlib.h>

#include "scrape_cache.h"

const char *scrape_cache_get(struct scrape_cache *c, uint64_t now_ms, uint64_t max_age_ms,
			     size_t *len)
{
	/* now < rendered cannot happen on one monotonic clock; treat it as stale. */
	if (!c->body || now_ms < c->rendered_ms || now_ms - c->rendered_ms >= max_age_ms)
		return NULL;
	*len = c->len;
	return c->body;
}

void scrape_cache_put(struct scrape_cache *c, char *body, size_t len, uint64_t now_ms)
{
	free(c->body);
	c->body = body;
	c->len = len;
	c->rendered_ms = now_ms;
}

void scrape_cache_free(struct scrape_cache *c)
{
	free(c->body);
	c->body = NULL;
	c->len = 0;
}
