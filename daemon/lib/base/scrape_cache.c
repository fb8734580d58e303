// SPDX-License-Identifier: GPL-2.0
/*
 * scrape_cache.c - the last rendered metrics exposition (scrape_cache.h).
 */
#include <stdlib.h>
#include <microhttpd.h>

#include "scrape_cache.h"

struct MHD_Response *scrape_cache_get(struct scrape_cache *c, uint64_t now_ms, uint64_t max_age_ms)
{
	/* now < rendered cannot happen on one monotonic clock; treat it as stale. */
	if (!c->resp || now_ms < c->rendered_ms || now_ms - c->rendered_ms >= max_age_ms)
		return NULL;
	return c->resp;
}

struct MHD_Response *scrape_cache_put(struct scrape_cache *c, char *body, size_t len,
				      uint64_t now_ms)
{
	/* free() runs on the body when the last reference goes (MHD_destroy_response). */
	struct MHD_Response *resp =
		MHD_create_response_from_buffer_with_free_callback(len, body, free);

	scrape_cache_free(c);
	if (!resp) {
		free(body);
		return NULL;
	}
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				    "text/plain; version=0.0.4; charset=utf-8") != MHD_YES) {
		MHD_destroy_response(resp); /* frees the body */
		return NULL;
	}
	c->resp = resp;
	c->rendered_ms = now_ms;
	return resp;
}

void scrape_cache_free(struct scrape_cache *c)
{
	if (c->resp)
		MHD_destroy_response(c->resp);
	c->resp = NULL;
}
