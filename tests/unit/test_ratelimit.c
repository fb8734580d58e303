// SPDX-License-Identifier: GPL-2.0
/*
 * Per-source token buckets (daemon/lib/base/ratelimit.c): burst, refill,
 * independence of sources, IPv6 /64 and IPv4-mapped aggregation, bounded
 * memory under a flood of sources, reuse of idle entries.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "base/ratelimit.h"
#include "unit.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define SA(x) ((const struct sockaddr *)(x))

static struct sockaddr_in v4(uint32_t host)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(1) };

	a.sin_addr.s_addr = htonl(host);
	return a;
}

static struct sockaddr_in6 v6(const char *s)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(1) };

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a.sin6_addr), 1);
	return a;
}

static int burst(struct ratelimit *rl, const struct sockaddr *sa, uint64_t now)
{
	int n = 0;

	while (n < 100 && ratelimit_allow(rl, sa, now))
		n++;
	return n;
}

START_TEST(burst_then_rate)
{
	struct sockaddr_in a = v4(0x7f000001);
	struct ratelimit rl;
	uint64_t t = 5 * SEC;

	ck_assert_int_eq(ratelimit_init(&rl, 1024, 20, 5), 0);
	ck_assert_int_eq(burst(&rl, SA(&a), t), 5);
	/* 20/s: one message per 50 ms of waiting, not before */
	ck_assert(!ratelimit_allow(&rl, SA(&a), t + 49 * MS));
	ck_assert(ratelimit_allow(&rl, SA(&a), t + 50 * MS));
	ck_assert(!ratelimit_allow(&rl, SA(&a), t + 60 * MS));
	/* credit accumulates up to the burst, no further */
	ck_assert_int_eq(burst(&rl, SA(&a), t + 60 * MS + 2 * SEC), 5);
	ck_assert_int_eq(burst(&rl, SA(&a), t + 60 * MS + 2 * SEC + 100 * MS), 2);
	/* a steady 20/s source is never refused */
	{
		uint64_t u = t + 100 * SEC;
		int i;

		for (i = 0; i < 1000; i++)
			ck_assert(ratelimit_allow(&rl, SA(&a), u + i * 50 * MS));
	}
	/* time going backwards gives no credit: only the 4 left over */
	ck_assert_int_eq(burst(&rl, SA(&a), t), 4);
	ratelimit_free(&rl);
}
END_TEST

START_TEST(sources_are_independent)
{
	struct sockaddr_in a = v4(0x7f000001), b = v4(0x7f000002), a2 = a;
	struct sockaddr_in6 x = v6("2001:db8:1:2::1"), y = v6("2001:db8:1:2:ffff::9"),
			    z = v6("2001:db8:1:3::1"), m = v6("::ffff:127.0.0.1"),
			    m2 = v6("::ffff:127.0.0.3");
	struct ratelimit rl;

	ck_assert_int_eq(ratelimit_init(&rl, 1024, 20, 5), 0);
	ck_assert_int_eq(burst(&rl, SA(&a), 0), 5);
	ck_assert_int_eq(burst(&rl, SA(&b), 0), 5);
	/* the port does not make a new source */
	a2.sin_port = htons(999);
	ck_assert_int_eq(burst(&rl, SA(&a2), 0), 0);
	/* IPv6: one bucket per /64 */
	ck_assert_int_eq(burst(&rl, SA(&x), 0), 5);
	ck_assert_int_eq(burst(&rl, SA(&y), 0), 0);
	ck_assert_int_eq(burst(&rl, SA(&z), 0), 5);
	/* IPv4-mapped is IPv4 (not one /64 shared by every IPv4 client) */
	ck_assert_int_eq(burst(&rl, SA(&m), 0), 0);
	ck_assert_int_eq(burst(&rl, SA(&m2), 0), 5);
	/* other families are refused */
	{
		struct sockaddr s = { .sa_family = AF_UNIX };

		ck_assert(!ratelimit_allow(&rl, &s, 0));
		ck_assert(!ratelimit_allow(&rl, NULL, 0));
	}
	ratelimit_free(&rl);
}
END_TEST

/*
 * A million sources through a table of 4096 entries: memory never grows,
 * every source that finds room gets its burst, and when the flood stops,
 * entries refill and are reused, so new sources are served again.
 */
START_TEST(bounded_memory_many_sources)
{
	struct ratelimit rl;
	size_t mem;
	uint32_t i, allowed = 0, refused = 0;
	uint64_t t = SEC;

	ck_assert_int_eq(ratelimit_init(&rl, 4096, 20, 5), 0);
	mem = ratelimit_memory(&rl);
	ck_assert_uint_eq(mem, 4096 * sizeof(struct ratelimit_entry));
	/* half full: two choices place everyone */
	for (i = 0; i < 2048; i++) {
		struct sockaddr_in a = v4(0x0a000000 + i);

		ck_assert(ratelimit_allow(&rl, SA(&a), t));
	}
	ck_assert_uint_eq(rl.refused_full, 0);
	/* a flood of new sources within one refill period */
	for (i = 0; i < 1000000; i++) {
		struct sockaddr_in a = v4(0x0b000000 + i);

		if (ratelimit_allow(&rl, SA(&a), t + i))
			allowed++;
		else
			refused++;
	}
	ck_assert_uint_le(allowed, 4096 - 2048);
	ck_assert_uint_ge(allowed, 1024);
	ck_assert_uint_eq(refused, 1000000 - allowed);
	ck_assert_uint_eq(ratelimit_memory(&rl), mem);
	/* the first 2048 kept their entries: 4 of their burst left, not 5 */
	{
		struct sockaddr_in a = v4(0x0a000000);

		ck_assert_int_eq(burst(&rl, SA(&a), t + 1 * MS), 4);
	}
	/* after the refill time, idle entries make room for new sources */
	for (i = 0; i < 2048; i++) {
		struct sockaddr_in a = v4(0x0c000000 + i);

		ck_assert(ratelimit_allow(&rl, SA(&a), t + 2 * SEC));
	}
	ratelimit_free(&rl);
	ck_assert_ptr_null(rl.table);
	ck_assert(!ratelimit_allow(&rl, NULL, 0));
}
END_TEST

START_TEST(init_arguments)
{
	struct ratelimit rl;

	ck_assert_int_eq(ratelimit_init(&rl, 0, 20, 5), -EINVAL);
	ck_assert_int_eq(ratelimit_init(&rl, 100, 0, 5), -EINVAL);
	ck_assert_int_eq(ratelimit_init(&rl, 100, 20, 0), -EINVAL);
	ck_assert_int_eq(ratelimit_init(&rl, RATELIMIT_MAX_ENTRIES + 1, 20, 5), -EINVAL);
	/* rounded up to whole buckets */
	ck_assert_int_eq(ratelimit_init(&rl, 1, 20, 5), 0);
	ck_assert_uint_eq(ratelimit_memory(&rl), RATELIMIT_WAYS * sizeof(struct ratelimit_entry));
	ratelimit_free(&rl);
	ck_assert_int_eq(ratelimit_init(&rl, 100, 20, 5), 0);
	ck_assert_uint_eq(ratelimit_memory(&rl), 128 * sizeof(struct ratelimit_entry));
	ratelimit_free(&rl);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("ratelimit");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, burst_then_rate);
	tcase_add_test(tc, sources_are_independent);
	tcase_add_test(tc, bounded_memory_many_sources);
	tcase_add_test(tc, init_arguments);
	return unit_run(s, tc);
}
