// SPDX-License-Identifier: GPL-2.0
/* Unit tests for daemon/lib/wire/replay.c: the anti-replay window. */
#include <check.h>
#include "unit.h"
#include <errno.h>

#include "wire/replay.h"

START_TEST(window)
{
	struct replay_window w = { 0 };

	ck_assert_int_eq(replay_check(&w, 0), -EINVAL);
	ck_assert_int_eq(replay_check(&w, 100), 0);
	replay_update(&w, 100);
	ck_assert_int_eq(replay_check(&w, 100), -EALREADY); /* replay */
	ck_assert_int_eq(replay_check(&w, 99), 0);	    /* reordered, unseen */
	replay_update(&w, 99);
	ck_assert_int_eq(replay_check(&w, 99), -EALREADY);
	ck_assert_int_eq(replay_check(&w, 100 - 63), 0);
	ck_assert_int_eq(replay_check(&w, 100 - 64), -ESTALE); /* too old */
	replay_update(&w, 1000);
	ck_assert_int_eq(replay_check(&w, 100), -ESTALE);
	ck_assert_int_eq(replay_check(&w, 999), 0);
	ck_assert_int_eq(replay_check(&w, 1000), -EALREADY);
	replay_update(&w, 1001);
	ck_assert_int_eq(replay_check(&w, 1000), -EALREADY); /* still remembered after a shift */
	/* Check without update never changes the window. */
	ck_assert_int_eq(replay_check(&w, 5000), 0);
	ck_assert_int_eq(replay_check(&w, 999), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("replay");
	TCase *tc = tcase_create("replay");

	tcase_add_test(tc, window);
	return unit_run(s, tc);
}
