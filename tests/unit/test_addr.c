// SPDX-License-Identifier: GPL-2.0
/* Unit tests for daemon/lib/base/addr.c: parse/format round trips, rejects, order. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <string.h>

#include "base/addr.h"

START_TEST(addr_roundtrip)
{
	static const char *const good[] = {
		"0.0.0.0", "10.0.0.1", "255.255.255.255",	    "::",
		"::1",	   "fd00::1",  "2001:db8::8:800:200c:417a",
	};
	char buf[ADDR_STRLEN];
	struct addr a;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_int_eq(addr_parse(good[i], &a, NULL), 0);
		ck_assert_str_eq(addr_format(&a, buf, sizeof(buf)), good[i]);
	}
	ck_assert_int_eq(addr_parse("10.1.2.3", &a, NULL), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_int_eq(a.bytes[3], 3);
	ck_assert_int_eq(addr_parse("fd00::1", &a, NULL), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_int_eq(a.bytes[0], 0xfd);
	ck_assert_int_eq(a.bytes[15], 1);
}
END_TEST

START_TEST(addr_rejects)
{
	static const char *const bad[] = {
		"",	     "1.2.3",	   "1.2.3.4.5", "256.1.1.1",	"1.2.3.4 ", " 1.2.3.4",
		"01.2.3.4x", "fd00::1::2", "[fd00::1]", "fd00::1%eth0", "hello",    "1.2.3.4/32",
	};
	struct addr a;
	const char *why = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		ck_assert_msg(addr_parse(bad[i], &a, &why) == -EINVAL, "accepted '%s'", bad[i]);
		ck_assert_ptr_nonnull(why);
	}
}
END_TEST

START_TEST(addr_sizes)
{
	struct addr a = { 0 }, b = { 0 };

	ck_assert_uint_eq(addr_bits(AF_INET), 32);
	ck_assert_uint_eq(addr_bits(AF_INET6), 128);
	ck_assert_uint_eq(addr_bits(AF_UNSPEC), 0);
	ck_assert_uint_eq(addr_len(AF_INET), 4);
	ck_assert_uint_eq(addr_len(AF_INET6), 16);
	ck_assert_uint_eq(addr_len(AF_UNSPEC), 0);
	ck_assert_int_eq(addr_parse("0.0.0.0", &a, NULL), 0);
	ck_assert(addr_is_any(&a));
	ck_assert_int_eq(addr_parse("::", &b, NULL), 0);
	ck_assert(addr_is_any(&b));
	ck_assert(!addr_equal(&a, &b));
	ck_assert_int_lt(addr_cmp(&a, &b), 0); /* IPv4 before IPv6 */
	ck_assert_int_eq(addr_parse("::1", &b, NULL), 0);
	ck_assert(!addr_is_any(&b));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("addr");

	tcase_add_test(tc, addr_roundtrip);
	tcase_add_test(tc, addr_rejects);
	tcase_add_test(tc, addr_sizes);
	return unit_run(s, tc);
}
