// SPDX-License-Identifier: GPL-2.0
/*
 * httplist.c - the API's answers that hold one element per network of the
 * org (/api/v1/gateways, /api/v1/org), sent while they are rendered.
 *
 * Built whole in the handler, the gateway list of 100,000 gateways took the
 * registry's only loop for a second, in which no gateway was answered, and
 * 180 MB of its memory (json-c objects, then the copy handed to
 * libmicrohttpd, kept for as long as the client took to read it); the org
 * summary is larger still, and the status page polls both every 5 s.
 *
 * The response is a content reader of unknown size (chunked; HTTP/1.0: until
 * the connection closes). It hands out the answer's head, then renders
 * HTTPLIST_BATCH elements each time libmicrohttpd has taken what the
 * previous batch made, then the tail; json-c's plain output of each element,
 * joined by commas, so the bytes are those of the answer built whole.
 * libmicrohttpd 0.9.75 in external epoll mode sends once per connection in
 * an MHD_run() and then asks the reader for its next block (twice on a new
 * connection's fast path), and while a connection can send more its timeout
 * is 0 (measured: never more than one batch per run in 2,000 runs of three
 * listings of 100,000): the next batch waits for the loop's next round,
 * after the UDP sockets had theirs. A client that stops reading holds one
 * batch (up to ~150 kB of registered gateways with two uplinks each). The
 * bound is per connection: one address may hold HTTP_PER_IP (16) of them.
 *
 * Each batch is rendered from the live table, at its own time. A reload
 * swaps the table (and maybe its size) under an answer: the next batch then
 * ends the response with an error (counted: http_reload_cut), and libmicrohttpd
 * closes the connection without the last chunk, so the client sees a cut
 * transfer, never a short or mixed array; its next request gets the new
 * config.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>
#include <json-c/json.h>

#include "registry.h"

#define HTTPLIST_BATCH 256u   /* elements rendered at a time */
#define HTTPLIST_BLOCK 16384u /* libmicrohttpd's block size for it (advisory) */

struct httplist {
	struct registry *r;
	httplist_element_fn element;
	const char *tail; /* after the last element: static */
	uint64_t cfg_gen; /* r->cfg_gen when the request came */
	uint32_t next;	  /* next element to render */
	bool closed;	  /* the tail is rendered */
	char *buf;	  /* rendered, from off to len not yet handed out */
	size_t len, off, cap;
};

static int list_put(struct httplist *ls, const char *s, size_t n)
{
	if (ls->len + n > ls->cap) {
		size_t cap = ls->cap ? ls->cap : 4096;
		char *b;

		while (cap < ls->len + n)
			cap *= 2;
		b = realloc(ls->buf, cap);
		if (!b)
			return -ENOMEM;
		ls->buf = b;
		ls->cap = cap;
	}
	memcpy(ls->buf + ls->len, s, n);
	ls->len += n;
	return 0;
}

static int list_put_element(struct httplist *ls, uint32_t i, uint64_t now)
{
	json_object *o = ls->element(ls->r, i, now);
	const char *s = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : NULL;
	int err = -ENOMEM;

	if (s && !(err = i ? list_put(ls, ",", 1) : 0))
		err = list_put(ls, s, strlen(s));
	json_object_put(o);
	return err;
}

/* Renders the next batch: 0, -ENODATA past the end, -ESTALE after a reload. */
static int list_fill(struct httplist *ls)
{
	struct registry *r = ls->r;
	uint32_t n = (uint32_t)r->cfg->n_networks, end;
	uint64_t now = clock_mono_ms();
	int err;

	ls->len = ls->off = 0;
	if (ls->closed)
		return -ENODATA;
	if (ls->cfg_gen != r->cfg_gen) {
		r->st.http_reload_cut++;
		return -ESTALE;
	}
	end = n - ls->next > HTTPLIST_BATCH ? ls->next + HTTPLIST_BATCH : n;
	for (; ls->next < end; ls->next++) {
		err = list_put_element(ls, ls->next, now);
		if (err)
			return err;
	}
	if (ls->next < n)
		return 0;
	ls->closed = true;
	return list_put(ls, ls->tail, strlen(ls->tail));
}

static ssize_t list_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct httplist *ls = cls;
	size_t n;

	(void)pos;
	if (ls->off == ls->len) {
		int err = list_fill(ls);

		if (err == -ENODATA)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (err)
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	n = ls->len - ls->off < max ? ls->len - ls->off : max;
	memcpy(buf, ls->buf + ls->off, n);
	ls->off += n;
	return (ssize_t)n;
}

static void list_free(void *cls)
{
	struct httplist *ls = cls;

	free(ls->buf);
	free(ls);
}

struct MHD_Response *httplist_response(struct registry *r, const char *head, size_t head_len,
				       const char *tail, httplist_element_fn element)
{
	struct httplist *ls = calloc(1, sizeof(*ls));
	struct MHD_Response *resp;

	if (!ls)
		return NULL;
	ls->r = r;
	ls->element = element;
	ls->tail = tail;
	ls->cfg_gen = r->cfg_gen;
	/* The head is what the first read hands out; the elements come after. */
	if (list_put(ls, head, head_len)) {
		list_free(ls);
		return NULL;
	}
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, HTTPLIST_BLOCK, list_read, ls,
						 list_free);
	if (!resp) /* libmicrohttpd calls list_free() only for a response it made */
		list_free(ls);
	return resp;
}
