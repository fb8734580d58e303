/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scrape_cache.h - the last rendered metrics exposition, kept for a short
 * while as one HTTP response that every connection sends.
 *
 * Rendering reads every peer (and, in autovpnd, dumps the kernel's
 * counters) on the daemon's only thread; whoever can reach the listener
 * could keep it rendering back to back. With this, a daemon renders at
 * most once per max_age and answers the scrapes in between from what it
 * kept. Prometheus scrapes every 15 s or so, so nobody sees the difference.
 *
 * The body is not copied per connection: a hub's or a large organisation's
 * exposition runs to megabytes, and clients that do not read it would each
 * pin a copy (the registry takes 256 connections). libmicrohttpd counts the
 * references to a response: the cache holds one, each connection sending
 * it another, and the body is freed with the last of them.
 */
#ifndef AVPN_BASE_SCRAPE_CACHE_H
#define AVPN_BASE_SCRAPE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define SCRAPE_CACHE_MAX_AGE_MS 1000u

struct MHD_Response;

struct scrape_cache {
	struct MHD_Response *resp; /* ours; NULL: nothing kept */
	uint64_t rendered_ms;	   /* CLOCK_MONOTONIC ms when the kept body was done */
};

/*
 * The response kept, if its body was rendered less than @max_age_ms
 * before @now_ms (a monotonic clock); else NULL: render anew. Queue it
 * with MHD_queue_response(); it stays the cache's (do not destroy it).
 */
struct MHD_Response *scrape_cache_get(struct scrape_cache *c, uint64_t now_ms, uint64_t max_age_ms);
/*
 * Keeps @body (malloc'd; ownership passes, also on failure), its render
 * done at @now_ms, as the response from now on, with the exposition's
 * Content-Type: stamped at the end, so a render that takes longer than
 * max_age is still followed by max_age without one. The response kept
 * before is let go (connections still sending it keep it until they are
 * done), also when this one fails. Returns the new response, the cache's
 * as with _get(), or NULL if none could be made (then nothing is kept).
 */
struct MHD_Response *scrape_cache_put(struct scrape_cache *c, char *body, size_t len,
				      uint64_t now_ms);
/* Lets the kept response go: the next scrape renders. */
void scrape_cache_free(struct scrape_cache *c);

#endif /* AVPN_BASE_SCRAPE_CACHE_H */
