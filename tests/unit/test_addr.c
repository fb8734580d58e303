// SPDX-License-Identifier: GPL-2.0
/* Unit tests for daemon/common/addr.c: parse/format round trips, rejects. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <string.h>

#include "daemon/common/addr.h"

START_TEST(addr_roundtrip)
{
	static const char *const good[] = {
	    "0.0.0.0", "10.0.0.1", "255.255.255.255",		"::",
	    "::1",     "fd00::1",  "2001:db8::8:800:200c:417a",
	};
	char buf[AVPN_ADDR_STRLEN];
	struct avpn_addr a;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_int_eq(avpn_addr_parse(good[i], &a, NULL), 0);
		ck_assert_str_eq(avpn_addr_format(&a, buf, sizeof(buf)), good[i]);
	}
	ck_assert_int_eq(avpn_addr_parse("10.1.2.3", &a, NULL), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_int_eq(a.bytes[3], 3);
	ck_assert_int_eq(avpn_addr_parse("fd00::1", &a, NULL), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_int_eq(a.bytes[0], 0xfd);
	ck_assert_int_eq(a.bytes[15], 1);
}
END_TEST

START_TEST(addr_rejects)
{
	static const char *const bad[] = {
	    "",		 "1.2.3",      "1.2.3.4.5", "256.1.1.1",    "1.2.3.4 ", " 1.2.3.4",
	    "01.2.3.4x", "fd00::1::2", "[fd00::1]", "fd00::1%eth0", "hello",	"1.2.3.4/32",
	};
	struct avpn_addr a;
	const char *why = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		ck_assert_msg(avpn_addr_parse(bad[i], &a, &why) == -EINVAL, "accepted '%s'",
			      bad[i]);
		ck_assert_ptr_nonnull(why);
	}
}
END_TEST

START_TEST(prefix_roundtrip)
{
	static const char *const good[] = {
	    "10.0.0.0/24",	"0.0.0.0/0",	       "10.50.176.32/29", "10.50.182.0/23",
	    "198.133.219.0/24", "192.0.2.1/32",	       "fd00::/64",	  "::/0",
	    "2001:db8::1/128",	"fd00:1234:5600::/40",
	};
	char buf[AVPN_PREFIX_STRLEN];
	struct avpn_prefix p;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(avpn_prefix_parse(good[i], &p, NULL) == 0, "rejected %s", good[i]);
		ck_assert_str_eq(avpn_prefix_format(&p, buf, sizeof(buf)), good[i]);
	}
	ck_assert_int_eq(avpn_prefix_parse("10.50.176.128/25", &p, NULL), 0);
	ck_assert_int_eq(p.len, 25);
	ck_assert_int_eq(p.addr.bytes[3], 128);
}
END_TEST

START_TEST(prefix_rejects)
{
	static const struct {
		const char *s, *why;
	} bad[] = {
	    {"10.0.0.1/24", "host bits set"},
	    {"10.50.176.33/29", "host bits set"},
	    {"fd00::1/64", "host bits set"},
	    {"10.0.0.0/33", "prefix length too long for the address family"},
	    {"fd00::/129", "prefix length too long for the address family"},
	    {"10.0.0.0", "missing /length"},
	    {"10.0.0.0/", "missing prefix length"},
	    {"10.0.0.0/024", "bad prefix length"},
	    {"10.0.0.0/2a", "bad prefix length"},
	    {"10.0.0.0/-1", "bad prefix length"},
	    {"10.0.0.0/99999999999", "bad prefix length"},
	    {"10.0.0/8", "not an IPv4 or IPv6 address"},
	    {"/8", "not an IPv4 or IPv6 address"},
	    {"", "empty prefix"},
	};
	struct avpn_prefix p;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;

		ck_assert_msg(avpn_prefix_parse(bad[i].s, &p, &why) == -EINVAL, "accepted '%s'",
			      bad[i].s);
		ck_assert_msg(why && !strcmp(why, bad[i].why), "'%s': why '%s', expected '%s'",
			      bad[i].s, why ? why : "(null)", bad[i].why);
	}
}
END_TEST

static struct avpn_prefix P(const char *s) {
	struct avpn_prefix p;

	ck_assert_msg(avpn_prefix_parse(s, &p, NULL) == 0, "bad test prefix %s", s);
	return p;
}

START_TEST(prefix_relations)
{
	struct avpn_prefix a = P("10.0.0.0/8"), b = P("10.1.0.0/16"), c = P("11.0.0.0/8");
	struct avpn_prefix d = P("0.0.0.0/0"), e = P("::/0"), f = P("fd00::/8");
	struct avpn_prefix g = P("10.50.176.0/25"), h = P("10.50.176.128/25");
	struct avpn_prefix made;
	struct avpn_addr x;

	ck_assert(avpn_prefix_contains(&a, &b));
	ck_assert(!avpn_prefix_contains(&b, &a));
	ck_assert(avpn_prefix_overlaps(&a, &b) && avpn_prefix_overlaps(&b, &a));
	ck_assert(!avpn_prefix_overlaps(&a, &c));
	ck_assert(!avpn_prefix_overlaps(&g, &h));
	ck_assert(avpn_prefix_overlaps(&d, &c));
	ck_assert(!avpn_prefix_overlaps(&d, &f)); /* families never overlap */
	ck_assert(avpn_prefix_overlaps(&e, &f));
	ck_assert(avpn_prefix_overlaps(&a, &a));
	ck_assert(avpn_prefix_is_default(&d) && avpn_prefix_is_default(&e));
	ck_assert(!avpn_prefix_is_default(&a));
	ck_assert_int_lt(avpn_prefix_cmp(&a, &b), 0);
	ck_assert_int_lt(avpn_prefix_cmp(&c, &f), 0); /* v4 before v6 */
	ck_assert_int_eq(avpn_addr_parse("10.1.2.3", &x, NULL), 0);
	ck_assert(avpn_prefix_contains_addr(&a, &x) && avpn_prefix_contains_addr(&b, &x));
	ck_assert(!avpn_prefix_contains_addr(&c, &x) && !avpn_prefix_contains_addr(&f, &x));
	ck_assert_int_eq(avpn_prefix_make(&made, &x, 16), 0);
	ck_assert(avpn_prefix_equal(&made, &b));
	ck_assert_int_eq(avpn_prefix_make(&made, &x, 33), -EINVAL);
}
END_TEST

START_TEST(endpoint_roundtrip)
{
	static const char *const good[] = {
	    "1.2.3.4:51625",  "192.0.2.1:1", "0.0.0.0:9350",
	    "[fd00::1]:9350", "[::]:65535",  "[2001:db8::1]:443",
	};
	char buf[AVPN_ENDPOINT_STRLEN];
	struct sockaddr_storage ss;
	struct avpn_endpoint e, back;
	socklen_t len;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(avpn_endpoint_parse(good[i], &e, NULL) == 0, "rejected %s", good[i]);
		ck_assert_str_eq(avpn_endpoint_format(&e, buf, sizeof(buf)), good[i]);
		len = avpn_endpoint_to_sockaddr(&e, &ss);
		ck_assert_uint_eq(len, e.addr.family == AF_INET ? sizeof(struct sockaddr_in)
								: sizeof(struct sockaddr_in6));
		ck_assert_int_eq(avpn_endpoint_from_sockaddr(&back, (struct sockaddr *)&ss, len),
				 0);
		ck_assert(avpn_endpoint_equal(&e, &back));
	}
	ck_assert_int_eq(avpn_endpoint_parse("1.2.3.4:51625", &e, NULL), 0);
	avpn_endpoint_to_sockaddr(&e, &ss);
	ck_assert_int_eq(((struct sockaddr_in *)&ss)->sin_port, htons(51625));
	ck_assert_int_eq(((struct sockaddr_in *)&ss)->sin_addr.s_addr, htonl(0x01020304));
	/* too short a sockaddr is refused */
	ck_assert_int_eq(avpn_endpoint_from_sockaddr(&back, (struct sockaddr *)&ss, 4), -EINVAL);
}
END_TEST

START_TEST(endpoint_rejects)
{
	static const struct {
		const char *s, *why;
	} bad[] = {
	    {"1.2.3.4", "missing :port"},
	    {"1.2.3.4:0", "port out of range (1-65535)"},
	    {"1.2.3.4:65536", "port out of range (1-65535)"},
	    {"1.2.3.4:080", "bad port"},
	    {"1.2.3.4:", "bad port"},
	    {"1.2.3.4:8x", "bad port"},
	    {"fd00::1:9350", "IPv6 endpoints need brackets: [addr]:port"},
	    {"[fd00::1]", "missing :port"},
	    {"[fd00::1:9350", "missing ']'"},
	    {"[1.2.3.4]:80", "brackets are for IPv6 addresses only"},
	    {"example.com:80", "not an IPv4 or IPv6 address"},
	    {":80", "not an IPv4 or IPv6 address"},
	};
	struct avpn_endpoint e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;

		ck_assert_msg(avpn_endpoint_parse(bad[i].s, &e, &why) == -EINVAL, "accepted '%s'",
			      bad[i].s);
		ck_assert_msg(why && !strcmp(why, bad[i].why), "'%s': why '%s', expected '%s'",
			      bad[i].s, why ? why : "(null)", bad[i].why);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("addr");

	tcase_add_test(tc, addr_roundtrip);
	tcase_add_test(tc, addr_rejects);
	tcase_add_test(tc, prefix_roundtrip);
	tcase_add_test(tc, prefix_rejects);
	tcase_add_test(tc, prefix_relations);
	tcase_add_test(tc, endpoint_roundtrip);
	tcase_add_test(tc, endpoint_rejects);
	return unit_run(s, tc);
}
