// SPDX-License-Identifier: GPL-2.0
/*
 * The kept metrics exposition (daemon/lib/base/scrape_cache.c): one
 * response, served only while younger than max_age, replaced by the next
 * render, and nothing kept after free or before the first render. That
 * connections share it, and its body outlives the cache while one sends
 * it, is tests/registry/t_metrics_shared.sh's.
 */
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "base/scrape_cache.h"
#include "unit.h"

static char *dup_body(const char *s)
{
	char *b = strdup(s);

	ck_assert_ptr_nonnull(b);
	return b;
}

START_TEST(empty_cache_renders)
{
	struct scrape_cache c = { 0 };

	ck_assert_ptr_null(scrape_cache_get(&c, 0, 1000));
	ck_assert_ptr_null(scrape_cache_get(&c, 123456, 1000));
	scrape_cache_free(&c);
}
END_TEST

START_TEST(served_while_young_then_stale)
{
	struct scrape_cache c = { 0 };
	struct MHD_Response *r;

	r = scrape_cache_put(&c, dup_body("a 1\n"), 4, 5000);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_eq(scrape_cache_get(&c, 5000, 1000), r);
	ck_assert_ptr_eq(scrape_cache_get(&c, 5999, 1000), r); /* 999 ms old */
	ck_assert_ptr_null(scrape_cache_get(&c, 6000, 1000));  /* 1000 ms: stale */
	ck_assert_ptr_null(scrape_cache_get(&c, 99999, 1000));
	/* a clock behind the render (cannot happen on one monotonic clock) */
	ck_assert_ptr_null(scrape_cache_get(&c, 4999, 1000));
	/* max age 0: never served (every scrape renders) */
	ck_assert_ptr_null(scrape_cache_get(&c, 5000, 0));
	/* The response says what it is. */
	ck_assert_str_eq(MHD_get_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE),
			 "text/plain; version=0.0.4; charset=utf-8");
	scrape_cache_free(&c); /* the body goes with the last reference (ASan: no leak) */
	ck_assert_ptr_null(c.resp);
	ck_assert_ptr_null(scrape_cache_get(&c, 5000, 1000));
}
END_TEST

START_TEST(render_replaces)
{
	struct scrape_cache c = { 0 };
	struct MHD_Response *old, *newer;

	old = scrape_cache_put(&c, dup_body("old\n"), 4, 1000);
	ck_assert_ptr_nonnull(old);
	/* The old response is let go: its body freed, nothing else sends it (ASan). */
	newer = scrape_cache_put(&c, dup_body("newer 2\n"), 8, 2500);
	ck_assert_ptr_nonnull(newer);
	ck_assert_ptr_eq(scrape_cache_get(&c, 3000, 1000), newer);
	/* the age counts from the newer render */
	ck_assert_ptr_null(scrape_cache_get(&c, 3500, 1000));
	scrape_cache_free(&c);
	ck_assert_ptr_null(c.resp);
	scrape_cache_free(&c); /* an empty cache frees nothing */
}
END_TEST

START_TEST(failed_put_keeps_nothing)
{
	struct scrape_cache c = { 0 };

	ck_assert_ptr_nonnull(scrape_cache_put(&c, dup_body("a 1\n"), 4, 1000));
	/* No response can be made of a missing body of 5 bytes. */
	ck_assert_ptr_null(scrape_cache_put(&c, NULL, 5, 1100));
	ck_assert_ptr_null(c.resp);
	ck_assert_ptr_null(scrape_cache_get(&c, 1200, 1000));
	scrape_cache_free(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scrape_cache");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, empty_cache_renders);
	tcase_add_test(tc, served_while_young_then_stale);
	tcase_add_test(tc, render_replaces);
	tcase_add_test(tc, failed_put_keeps_nothing);
	return unit_run(s, tc);
}
