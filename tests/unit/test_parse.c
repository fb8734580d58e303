// SPDX-License-Identifier: GPL-2.0
/* Unit tests for daemon/lib/base/parse.c: numbers, booleans, durations. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <string.h>

#include "base/parse.h"

START_TEST(numbers)
{
	uint64_t v;
	uint32_t v32;
	uint8_t v8;

	ck_assert_int_eq(parse_u64("0", 0, 10, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);
	ck_assert_int_eq(parse_u64("0x10", 0, 100, &v), 0);
	ck_assert_uint_eq(v, 16);
	ck_assert_int_eq(parse_u64("010", 0, 100, &v), 0); /* decimal, not octal */
	ck_assert_uint_eq(v, 10);
	ck_assert_int_eq(parse_u64("-1", 0, 100, &v), -EINVAL);
	ck_assert_int_eq(parse_u64("+1", 0, 100, &v), -EINVAL);
	ck_assert_int_eq(parse_u64(" 1", 0, 100, &v), -EINVAL);
	ck_assert_int_eq(parse_u64("1 ", 0, 100, &v), -EINVAL);
	ck_assert_int_eq(parse_u64("12abc", 0, 100, &v), -EINVAL);
	ck_assert_int_eq(parse_u64("0x", 0, 100, &v), -EINVAL);
	ck_assert_int_eq(parse_u64("", 0, 100, &v), -EINVAL);
	ck_assert_int_eq(parse_u64("101", 0, 100, &v), -ERANGE);
	ck_assert_int_eq(parse_u32("4294967296", 0, UINT32_MAX, &v32), -ERANGE);
	ck_assert_int_eq(parse_u32("0", 1, UINT32_MAX, &v32), -ERANGE);
	ck_assert_int_eq(parse_u8("255", 0, 255, &v8), 0);
	ck_assert_uint_eq(v8, 255);
	ck_assert_int_eq(parse_u8("256", 0, 255, &v8), -ERANGE);
}
END_TEST

START_TEST(decimal)
{
	uint32_t v = 7;

	ck_assert_int_eq(parse_dec_u32("0", 0, 10, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(parse_dec_u32("4294967295", 0, UINT32_MAX, &v), 0);
	ck_assert_uint_eq(v, UINT32_MAX);
	ck_assert_int_eq(parse_dec_u32("4294967296", 0, UINT32_MAX, &v), -ERANGE);
	ck_assert_int_eq(parse_dec_u32("99999999999999999999999", 0, 65535, &v), -ERANGE);
	ck_assert_int_eq(parse_dec_u32("65536", 0, 65535, &v), -ERANGE);
	ck_assert_int_eq(parse_dec_u32("4", 5, 10, &v), -ERANGE);
	/* one spelling per number: no leading zeros, no hex, no sign */
	ck_assert_int_eq(parse_dec_u32("010", 0, 100, &v), -EINVAL);
	ck_assert_int_eq(parse_dec_u32("00", 0, 100, &v), -EINVAL);
	ck_assert_int_eq(parse_dec_u32("0x10", 0, 100, &v), -EINVAL);
	ck_assert_int_eq(parse_dec_u32("+1", 0, 100, &v), -EINVAL);
	ck_assert_int_eq(parse_dec_u32("", 0, 100, &v), -EINVAL);
	ck_assert_int_eq(parse_dec_u32("1 ", 0, 100, &v), -EINVAL);
	ck_assert_uint_eq(v, UINT32_MAX); /* untouched by the failures */
}
END_TEST

START_TEST(booleans)
{
	static const char *const yes[] = { "yes", "on", "true" };
	static const char *const no[] = { "no", "off", "false" };
	static const char *const bad[] = { "", "y", "1", "Yes", "TRUE", "on ", "enable" };
	bool b;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		b = false;
		ck_assert_int_eq(parse_bool(yes[i], &b), 0);
		ck_assert(b);
		ck_assert_int_eq(parse_bool(no[i], &b), 0);
		ck_assert(!b);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse_bool(bad[i], &b) == -EINVAL, "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(durations)
{
	static const struct {
		const char *s;
		int r;
		uint32_t secs;
		const char *why;
	} d[] = {
		{ "3h", 0, 10800, NULL },
		{ "90m", 0, 5400, NULL },
		{ "1h30m", 0, 5400, NULL },
		{ "1d2h3m4s", 0, 93784, NULL },
		{ "600", 0, 600, NULL },
		{ "60s", 0, 60, NULL },
		{ "30d", 0, 2592000, NULL },
		{ "59", -ERANGE, 0, "out of range" },
		{ "31d", -ERANGE, 0, "out of range" },
		{ "99999999999999h", -ERANGE, 0, "out of range" },
		{ "1h30", -EINVAL, 0, "a unit is required after each number but the first" },
		{ "h", -EINVAL, 0, "expected a number with unit d, h, m or s (e.g. 3h)" },
		{ "-1h", -EINVAL, 0, "expected a number with unit d, h, m or s (e.g. 3h)" },
		{ "3 h", -EINVAL, 0, "unknown unit (use d, h, m or s)" },
		{ "3w", -EINVAL, 0, "unknown unit (use d, h, m or s)" },
		{ "", -EINVAL, 0, "empty" },
	};

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		const char *why = NULL;
		uint32_t secs = 12345;
		int r = parse_duration(d[i].s, 60, 30 * 86400, &secs, &why);

		ck_assert_msg(r == d[i].r, "'%s': %d, expected %d", d[i].s, r, d[i].r);
		if (!r) {
			ck_assert_uint_eq(secs, d[i].secs);
		} else {
			ck_assert_uint_eq(secs, 12345);
			ck_assert_msg(why && !strcmp(why, d[i].why), "'%s': why '%s'", d[i].s,
				      why ? why : "(null)");
		}
	}
	/* @why may be NULL */
	ck_assert_int_eq(parse_duration("x", 0, 10, NULL, NULL), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, numbers);
	tcase_add_test(tc, decimal);
	tcase_add_test(tc, booleans);
	tcase_add_test(tc, durations);
	return unit_run(s, tc);
}
