// SPDX-License-Identifier: GPL-2.0
/* Unit tests for daemon/lib/base/prefix.c: round trips, rejects, relations. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <string.h>

#include "base/prefix.h"

START_TEST(prefix_roundtrip)
{
	static const char *const good[] = {
		"10.0.0.0/24",	    "0.0.0.0/0",	   "10.50.176.32/29", "10.50.182.0/23",
		"198.133.219.0/24", "192.0.2.1/32",	   "fd00::/64",	      "::/0",
		"2001:db8::1/128",  "fd00:1234:5600::/40",
	};
	char buf[PREFIX_STRLEN];
	struct prefix p;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(prefix_parse(good[i], &p, NULL) == 0, "rejected %s", good[i]);
		ck_assert_str_eq(prefix_format(&p, buf, sizeof(buf)), good[i]);
	}
	ck_assert_int_eq(prefix_parse("10.50.176.128/25", &p, NULL), 0);
	ck_assert_int_eq(p.len, 25);
	ck_assert_int_eq(p.addr.bytes[3], 128);
}
END_TEST

START_TEST(prefix_rejects)
{
	static const struct {
		const char *s, *why;
	} bad[] = {
		{ "10.0.0.1/24", "host bits set" },
		{ "10.50.176.33/29", "host bits set" },
		{ "fd00::1/64", "host bits set" },
		{ "10.0.0.0/33", "prefix length too long for the address family" },
		{ "fd00::/129", "prefix length too long for the address family" },
		{ "10.0.0.0", "missing /length" },
		{ "10.0.0.0/", "missing prefix length" },
		{ "10.0.0.0/024", "bad prefix length" },
		{ "10.0.0.0/2a", "bad prefix length" },
		{ "10.0.0.0/-1", "bad prefix length" },
		{ "10.0.0.0/99999999999", "bad prefix length" },
		{ "10.0.0/8", "not an IPv4 or IPv6 address" },
		{ "/8", "not an IPv4 or IPv6 address" },
		{ "", "empty prefix" },
	};
	struct prefix p;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;

		ck_assert_msg(prefix_parse(bad[i].s, &p, &why) == -EINVAL, "accepted '%s'",
			      bad[i].s);
		ck_assert_msg(why && !strcmp(why, bad[i].why), "'%s': why '%s', expected '%s'",
			      bad[i].s, why ? why : "(null)", bad[i].why);
	}
}
END_TEST

static struct prefix P(const char *s) {
	struct prefix p;

	ck_assert_msg(prefix_parse(s, &p, NULL) == 0, "bad test prefix %s", s);
	return p;
}

START_TEST(prefix_relations)
{
	struct prefix a = P("10.0.0.0/8"), b = P("10.1.0.0/16"), c = P("11.0.0.0/8");
	struct prefix d = P("0.0.0.0/0"), e = P("::/0"), f = P("fd00::/8");
	struct prefix g = P("10.50.176.0/25"), h = P("10.50.176.128/25");
	struct prefix made;
	struct addr x;

	ck_assert(prefix_contains(&a, &b));
	ck_assert(!prefix_contains(&b, &a));
	ck_assert(prefix_overlaps(&a, &b) && prefix_overlaps(&b, &a));
	ck_assert(!prefix_overlaps(&a, &c));
	ck_assert(!prefix_overlaps(&g, &h));
	ck_assert(prefix_overlaps(&d, &c));
	ck_assert(!prefix_overlaps(&d, &f)); /* families never overlap */
	ck_assert(prefix_overlaps(&e, &f));
	ck_assert(prefix_overlaps(&a, &a));
	ck_assert(prefix_is_default(&d) && prefix_is_default(&e));
	ck_assert(!prefix_is_default(&a));
	ck_assert_int_lt(prefix_cmp(&a, &b), 0);
	ck_assert_int_lt(prefix_cmp(&c, &f), 0); /* v4 before v6 */
	ck_assert_int_eq(addr_parse("10.1.2.3", &x, NULL), 0);
	ck_assert(prefix_contains_addr(&a, &x) && prefix_contains_addr(&b, &x));
	ck_assert(!prefix_contains_addr(&c, &x) && !prefix_contains_addr(&f, &x));
	ck_assert_int_eq(prefix_make(&made, &x, 16), 0);
	ck_assert(prefix_equal(&made, &b));
	ck_assert_int_eq(prefix_make(&made, &x, 33), -EINVAL);
}
END_TEST

START_TEST(prefix_canonical)
{
	struct prefix p = P("10.1.0.0/16");

	ck_assert(prefix_is_canonical(&p));
	p.addr.bytes[3] = 1; /* a host bit */
	ck_assert(!prefix_is_canonical(&p));
	p = P("fd00::/8");
	ck_assert(prefix_is_canonical(&p));
	p.len = 129;
	ck_assert(!prefix_is_canonical(&p));
	p = P("0.0.0.0/0");
	ck_assert(prefix_is_canonical(&p));
	p.addr.family = AF_UNSPEC;
	ck_assert(!prefix_is_canonical(&p));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("prefix");
	TCase *tc = tcase_create("prefix");

	tcase_add_test(tc, prefix_roundtrip);
	tcase_add_test(tc, prefix_rejects);
	tcase_add_test(tc, prefix_relations);
	tcase_add_test(tc, prefix_canonical);
	return unit_run(s, tc);
}
