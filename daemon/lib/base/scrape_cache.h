/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scrape_cache.h - the last rendered metrics exposition, kept for a short
 * while. Rendering reads every peer (and, in autovpnd, dumps the kernel's
 * counters) on the daemon's only thread; whoever can reach the listener
 * could keep it rendering back to back. With this, a daemon renders at
 * most once per max_age and answers the scrapes in between from the copy.
 * Prometheus scrapes every 15 s or so, so nobody sees the difference.
 */
#ifndef AVPN_BASE_SCRAPE_CACHE_H
#define AVPN_BASE_SCRAPE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define SCRAPE_CACHE_MAX_AGE_MS 1000u

struct scrape_cache {
	char *body; /* malloc'd, owned; NULL: nothing kept */
	size_t len;
	uint64_t rendered_ms; /* CLOCK_MONOTONIC ms when the kept body was done */
};

/*
 * The body kept, if it was rendered less than @max_age_ms before @now_ms
 * (a monotonic clock), with its length in @len; else NULL: render anew.
 */
const char *scrape_cache_get(struct scrape_cache *c, uint64_t now_ms, uint64_t max_age_ms,
			     size_t *len);
/*
 * Keeps @body (malloc'd; ownership passes), its render done at @now_ms:
 * stamped at the end, so a render that takes longer than max_age is still
 * followed by max_age without one.
 */
void scrape_cache_put(struct scrape_cache *c, char *body, size_t len, uint64_t now_ms);
void scrape_cache_free(struct scrape_cache *c);

#endif /* AVPN_BASE_SCRAPE_CACHE_H */
