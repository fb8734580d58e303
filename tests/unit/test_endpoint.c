// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/lib/base/endpoint.c: parse/format round trips,
 * sockaddr conversion, rejects.
 */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "base/endpoint.h"

START_TEST(endpoint_roundtrip)
{
	static const char *const good[] = {
		"1.2.3.4:51625",  "192.0.2.1:1", "0.0.0.0:9350",
		"[fd00::1]:9350", "[::]:65535",	 "[2001:db8::1]:443",
	};
	char buf[ENDPOINT_STRLEN];
	struct sockaddr_storage ss;
	struct endpoint e, back;
	socklen_t len;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(endpoint_parse(good[i], &e, NULL) == 0, "rejected %s", good[i]);
		ck_assert_str_eq(endpoint_format(&e, buf, sizeof(buf)), good[i]);
		len = endpoint_to_sockaddr(&e, &ss);
		ck_assert_uint_eq(len, e.addr.family == AF_INET ? sizeof(struct sockaddr_in) :
								  sizeof(struct sockaddr_in6));
		ck_assert_int_eq(endpoint_from_sockaddr(&back, (struct sockaddr *)&ss, len), 0);
		ck_assert(endpoint_equal(&e, &back));
	}
	ck_assert_int_eq(endpoint_parse("1.2.3.4:51625", &e, NULL), 0);
	endpoint_to_sockaddr(&e, &ss);
	ck_assert_int_eq(((struct sockaddr_in *)&ss)->sin_port, htons(51625));
	ck_assert_int_eq(((struct sockaddr_in *)&ss)->sin_addr.s_addr, htonl(0x01020304));
	/* too short a sockaddr is refused */
	ck_assert_int_eq(endpoint_from_sockaddr(&back, (struct sockaddr *)&ss, 4), -EINVAL);
}
END_TEST

START_TEST(endpoint_rejects)
{
	static const struct {
		const char *s, *why;
	} bad[] = {
		{ "1.2.3.4", "missing :port" },
		{ "1.2.3.4:0", "port out of range (1-65535)" },
		{ "1.2.3.4:65536", "port out of range (1-65535)" },
		{ "1.2.3.4:080", "bad port" },
		{ "1.2.3.4:", "bad port" },
		{ "1.2.3.4:8x", "bad port" },
		{ "fd00::1:9350", "IPv6 endpoints need brackets: [addr]:port" },
		{ "[fd00::1]", "missing :port" },
		{ "[fd00::1:9350", "missing ']'" },
		{ "[1.2.3.4]:80", "brackets are for IPv6 addresses only" },
		{ "example.com:80", "not an IPv4 or IPv6 address" },
		{ ":80", "not an IPv4 or IPv6 address" },
	};
	struct endpoint e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;

		ck_assert_msg(endpoint_parse(bad[i].s, &e, &why) == -EINVAL, "accepted '%s'",
			      bad[i].s);
		ck_assert_msg(why && !strcmp(why, bad[i].why), "'%s': why '%s', expected '%s'",
			      bad[i].s, why ? why : "(null)", bad[i].why);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("endpoint");
	TCase *tc = tcase_create("endpoint");

	tcase_add_test(tc, endpoint_roundtrip);
	tcase_add_test(tc, endpoint_rejects);
	return unit_run(s, tc);
}
