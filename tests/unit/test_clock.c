// SPDX-License-Identifier: GPL-2.0
/* Unit tests for daemon/lib/base/clock.c: the clocks agree with the system's. */
#include <check.h>
#include "unit.h"
#include <time.h>

#include "base/clock.h"

START_TEST(monotonic)
{
	struct timespec ts;
	uint64_t a, b, sys;

	a = clock_mono_ms();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sys = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	b = clock_mono_ms();
	/* Read between two readings of ours: same clock, same unit. */
	ck_assert_uint_le(a, sys);
	ck_assert_uint_le(sys, b);
	for (int i = 0; i < 1000; i++) {
		uint64_t c = clock_mono_ms();

		ck_assert_uint_ge(c, b); /* never goes back */
		b = c;
	}
}
END_TEST

START_TEST(realtime)
{
	uint64_t a, b;
	time_t t;

	a = clock_realtime_ns();
	t = time(NULL);
	b = clock_realtime_ns();
	/* time() truncates to whole seconds of the same clock. */
	ck_assert_uint_le(a / CLOCK_NS_PER_SEC, (uint64_t)t);
	ck_assert_uint_le((uint64_t)t, b / CLOCK_NS_PER_SEC);
	ck_assert_uint_gt(a, 1600000000ull * CLOCK_NS_PER_SEC); /* nanoseconds since 1970 */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = tcase_create("clock");

	tcase_add_test(tc, monotonic);
	tcase_add_test(tc, realtime);
	return unit_run(s, tc);
}
