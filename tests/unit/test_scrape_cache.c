// SPDX-License-Identifier: GPL-2.0
/*
 * The kept metrics exposition (daemon/lib/base/scrape_cache.c): served
 * only while younger than max_age, replaced by the next render, and
 * nothing kept after free or before the first render.
 */
#include <stdlib.h>
#include <string.h>

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
	size_t len = 7;

	ck_assert_ptr_null(scrape_cache_get(&c, 0, 1000, &len));
	ck_assert_ptr_null(scrape_cache_get(&c, 123456, 1000, &len));
	ck_assert_uint_eq(len, 7); /* untouched on a miss */
	scrape_cache_free(&c);
}
END_TEST

START_TEST(served_while_young_then_stale)
{
	struct scrape_cache c = { 0 };
	const char *b;
	size_t len = 0;

	scrape_cache_put(&c, dup_body("a 1\n"), 4, 5000);
	b = scrape_cache_get(&c, 5000, 1000, &len);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(len, 4);
	ck_assert(!memcmp(b, "a 1\n", 4));
	ck_assert_ptr_nonnull(scrape_cache_get(&c, 5999, 1000, &len)); /* 999 ms old */
	ck_assert_ptr_null(scrape_cache_get(&c, 6000, 1000, &len));    /* 1000 ms: stale */
	ck_assert_ptr_null(scrape_cache_get(&c, 99999, 1000, &len));
	/* a clock behind the render (cannot happen on one monotonic clock) */
	ck_assert_ptr_null(scrape_cache_get(&c, 4999, 1000, &len));
	/* max age 0: never served (every scrape renders) */
	ck_assert_ptr_null(scrape_cache_get(&c, 5000, 0, &len));
	scrape_cache_free(&c);
	ck_assert_ptr_null(c.body);
	ck_assert_ptr_null(scrape_cache_get(&c, 5000, 1000, &len));
}
END_TEST

START_TEST(render_replaces)
{
	struct scrape_cache c = { 0 };
	const char *b;
	size_t len = 0;

	scrape_cache_put(&c, dup_body("old\n"), 4, 1000);
	scrape_cache_put(&c, dup_body("newer 2\n"), 8, 2500); /* the old body is freed (ASan) */
	b = scrape_cache_get(&c, 3000, 1000, &len);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(len, 8);
	ck_assert(!memcmp(b, "newer 2\n", 8));
	/* the age counts from the newer render */
	ck_assert_ptr_null(scrape_cache_get(&c, 3500, 1000, &len));
	scrape_cache_free(&c);
	ck_assert_ptr_null(c.body);
	scrape_cache_free(&c); /* an empty cache frees nothing */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scrape_cache");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, empty_cache_renders);
	tcase_add_test(tc, served_while_young_then_stale);
	tcase_add_test(tc, render_replaces);
	return unit_run(s, tc);
}
