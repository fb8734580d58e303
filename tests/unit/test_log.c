// SPDX-License-Identifier: GPL-2.0
/* Unit tests for daemon/lib/base/log.c: format, levels, long lines. */
#include <check.h>
#include "unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

/* What the logger wrote to a temporary file since the last call. */
static char *drain(FILE *f)
{
	static char buf[8192];
	size_t n;

	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	rewind(f);
	ck_assert_int_eq(ftruncate(fileno(f), 0), 0);
	return buf;
}

START_TEST(format)
{
	FILE *f = tmpfile();
	unsigned long long sec;
	unsigned int ms;
	char rest[256];
	char *out;

	ck_assert_ptr_nonnull(f);
	log_open("unit-test", LOG_INFO, false);
	log_set_file(f);
	log_info("hello %s %d", "world", 42);
	out = drain(f);
	/* "SECONDS.MMM IDENT: MESSAGE\n", one line */
	ck_assert_int_eq(sscanf(out, "%llu.%3u unit-test: %255[^\n]", &sec, &ms, rest), 3);
	ck_assert_str_eq(rest, "hello world 42");
	ck_assert_uint_gt(sec, 1600000000ull);
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
	log_set_file(NULL);
	fclose(f);
}
END_TEST

START_TEST(levels)
{
	FILE *f = tmpfile();

	ck_assert_ptr_nonnull(f);
	log_open("unit-test", LOG_INFO, false);
	log_set_file(f);
	ck_assert_int_eq(log_get_level(), LOG_INFO);
	ck_assert(log_enabled(LOG_ERR) && log_enabled(LOG_INFO) && !log_enabled(LOG_DEBUG));
	log_debug("hidden");
	ck_assert_str_eq(drain(f), "");
	log_err("shown");
	ck_assert_ptr_nonnull(strstr(drain(f), "unit-test: shown\n"));
	log_warn("also");
	ck_assert_ptr_nonnull(strstr(drain(f), "unit-test: also\n"));
	log_set_level(LOG_DEBUG);
	log_debug("now shown");
	ck_assert_ptr_nonnull(strstr(drain(f), "unit-test: now shown\n"));
	log_set_level(LOG_ERR);
	log_warn("hidden again");
	ck_assert_str_eq(drain(f), "");
	log_set_file(NULL);
	fclose(f);
}
END_TEST

START_TEST(long_line)
{
	FILE *f = tmpfile();
	char *big = malloc(5000), *out;

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 4999);
	big[4999] = '\0';
	log_open("unit-test", LOG_INFO, false);
	log_set_file(f);
	log_info("%s", big);
	out = drain(f);
	/* Cut to one bounded line, still ending in a newline. */
	ck_assert_uint_lt(strlen(out), 1100);
	ck_assert_uint_gt(strlen(out), 900);
	ck_assert_int_eq(out[strlen(out) - 1], '\n');
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
	log_set_file(NULL);
	fclose(f);
	free(big);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, format);
	tcase_add_test(tc, levels);
	tcase_add_test(tc, long_line);
	return unit_run(s, tc);
}
