/* SPDX-License-Identifier: GPL-2.0 */
/* What every Check program in tests/unit shares: running its one suite. */
#ifndef AVPN_TESTS_UNIT_H
#define AVPN_TESTS_UNIT_H

#include <check.h>
#include <time.h>

/* Sleeps @ms milliseconds (a test's pacing, never its assertions). */
static inline void unit_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Runs the suite (tests fork, per Check's default); exit status 1 if any failed. */
static inline int unit_run(Suite *s, TCase *tc)
{
	SRunner *sr;
	int failed;

	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

#endif
