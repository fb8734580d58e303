// SPDX-License-Identifier: GPL-2.0
/* Unit tests for daemon/lib/wire/replay.c: the anti-replay window. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
	replay_update(&w, 1000);
	ck_assert_int_eq(replay_check(&w, 100), -EALREADY); /* still remembered */
	ck_assert_int_eq(replay_check(&w, 999), 0);
	ck_assert_int_eq(replay_check(&w, 1000), -EALREADY);
	/* Check without update never changes the window. */
	ck_assert_int_eq(replay_check(&w, 5000), 0);
	ck_assert_int_eq(replay_check(&w, 999), 0);
}
END_TEST

/*
 * Counters are nanoseconds of the sender's clock: a message that a newer
 * one overtook by much more than the number of messages in between (two
 * uplinks, or the echo and the main socket, in one tick) is still taken,
 * once; what is older than the window's memory or REPLAY_LATE_NS is not.
 */
START_TEST(overtaken_by_newer)
{
	const uint64_t T = 1800000000ull * 1000000000ull;
	struct replay_window w = { 0 };

	replay_update(&w, T + 1000000); /* the faster uplink's, 1 ms later */
	ck_assert_int_eq(replay_check(&w, T), 0);
	replay_update(&w, T);
	ck_assert_int_eq(replay_check(&w, T), -EALREADY);
	/* Too late behind the newest, even if never seen. */
	ck_assert_int_eq(replay_check(&w, T + 1000000 - REPLAY_LATE_NS - 1), -ESTALE);
	ck_assert_int_eq(replay_check(&w, T + 1000000 - REPLAY_LATE_NS), 0);
}
END_TEST

/*
 * Each accepted counter is refused ever after, also once the window has
 * forgotten it; among the forgotten, unseen ones are refused too.
 */
START_TEST(never_twice)
{
	const uint64_t T = 1800000000ull * 1000000000ull;
	struct replay_window w = { 0 };
	uint64_t c[3 * REPLAY_KEEP];
	unsigned int n = 0;

	/* Arrival order: every third message overtaken by the next two. */
	for (unsigned int i = 0; i < 3 * REPLAY_KEEP; i += 3) {
		c[n++] = T + (i + 1) * 1000;
		c[n++] = T + (i + 2) * 1000;
		c[n++] = T + i * 1000;
	}
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_int_eq(replay_check(&w, c[i]), 0);
		replay_update(&w, c[i]);
		for (unsigned int j = 0; j <= i; j++)
			ck_assert_int_lt(replay_check(&w, c[j]), 0);
	}
	ck_assert_uint_eq(w.top, T + (3 * REPLAY_KEEP - 1) * 1000);
	/* Unseen, newer than what was forgotten: taken. */
	ck_assert_int_eq(replay_check(&w, w.top - 1), 0);
	/* Unseen, at or below the forgotten: refused. */
	ck_assert_int_eq(replay_check(&w, w.floor), -ESTALE);
	ck_assert_int_eq(replay_check(&w, w.floor - 1), -ESTALE);
	ck_assert_int_eq(replay_check(&w, T - 1), -ESTALE);
	/* Older than everything remembered, with the memory full: forgotten at once. */
	{
		uint64_t old = w.floor + 1;

		for (unsigned int i = 0; i < REPLAY_KEEP; i++)
			ck_assert(w.top - w.below[i] > old);
		ck_assert_int_eq(replay_check(&w, old), 0);
		replay_update(&w, old);
		ck_assert_uint_eq(w.floor, old);
		ck_assert_int_eq(replay_check(&w, old), -ESTALE);
	}
}
END_TEST

/*
 * Random traffic: counters with random gaps (up to 0.2 s), shuffled within
 * blocks of REPLAY_KEEP (each overtaken by at most REPLAY_KEEP - 1 newer
 * ones, within 1.6 s), with random replays of anything earlier in between.
 * Every first arrival is taken, no replay ever is.
 */
START_TEST(random_traffic)
{
	enum { N = 4000 };
	static uint64_t c[N];
	static unsigned char taken[N];

	for (unsigned int seed = 1; seed <= 4; seed++) {
		struct replay_window w = { 0 };
		uint64_t t = 1800000000ull * 1000000000ull;

		srand(seed);
		memset(taken, 0, sizeof(taken));
		for (unsigned int i = 0; i < N; i++) {
			t += 1 + (uint64_t)rand() % 200000000u;
			c[i] = t;
		}
		for (unsigned int b = 0; b < N; b += REPLAY_KEEP)
			for (unsigned int i = REPLAY_KEEP - 1; i > 0; i--) {
				unsigned int j = (unsigned int)rand() % (i + 1);
				uint64_t x = c[b + i];

				c[b + i] = c[b + j];
				c[b + j] = x;
			}
		for (unsigned int i = 0; i < N; i++) {
			ck_assert_int_eq(replay_check(&w, c[i]), 0);
			replay_update(&w, c[i]);
			taken[i] = 1;
			for (int k = 0; k < 3; k++) {
				unsigned int j = (unsigned int)rand() % (i + 1);

				ck_assert(taken[j]);
				ck_assert_int_lt(replay_check(&w, c[j]), 0);
			}
		}
	}
}
END_TEST

#define S 1000000000ull /* one second in ns */

/*
 * Issue 9 #17: lives of a sender (replay_state). Times in seconds from T;
 * the clock window is 600 s.
 */
START_TEST(lives)
{
	const uint64_t T = 1800000000ull * S, skew = 600 * S;
	struct replay_state st = { 0 };

	/* First contact: fresh by the clock, either way. */
	ck_assert_int_eq(replay_state_check(&st, 1, T - 601 * S, T, skew), -ETIME);
	ck_assert_int_eq(replay_state_check(&st, 1, T + 601 * S, T, skew), -ETIME);
	ck_assert_int_eq(replay_state_check(&st, 1, T + 300 * S, T, skew), 0);
	/* Life 1 has its clock 5 minutes ahead. */
	replay_state_update(&st, 1, T + 300 * S);
	replay_state_update(&st, 1, T + 301 * S);
	ck_assert_int_eq(replay_state_check(&st, 1, T + 301 * S, T, skew), -EALREADY);
	ck_assert_int_eq(replay_state_check(&st, 1, T + 10 * S, T, skew), -ESTALE);
	/* Nothing may run further ahead than the window, whatever the life. */
	ck_assert_int_eq(replay_state_check(&st, 1, T + 700 * S, T, skew), -ETIME);
	/* Life 2, clock put right: below what life 1 left, yet accepted. */
	ck_assert_int_eq(replay_state_check(&st, 2, T + 1 * S, T + 1 * S, skew), 0);
	replay_state_update(&st, 2, T + 1 * S);
	ck_assert_uint_eq(st.floor, T + 301 * S);
	/* Life 1 has ended: its messages, seen or not, are refused. */
	ck_assert_int_eq(replay_state_check(&st, 1, T + 301 * S, T + 2 * S, skew), -ESTALE);
	ck_assert_int_eq(replay_state_check(&st, 1, T + 302 * S, T + 2 * S, skew), -ESTALE);
	/* Life 2 goes on as a normal window. */
	ck_assert_int_eq(replay_state_check(&st, 2, T + 1 * S, T + 2 * S, skew), -EALREADY);
	ck_assert_int_eq(replay_state_check(&st, 2, T + 2 * S, T + 2 * S, skew), 0);
	replay_state_update(&st, 2, T + 2 * S);
	/* Life 3 soon after (a restart): not locked out by life 1's future either. */
	ck_assert_int_eq(replay_state_check(&st, 3, T + 3 * S, T + 3 * S, skew), 0);
	replay_state_update(&st, 3, T + 3 * S);
	ck_assert_int_eq(replay_state_check(&st, 2, T + 4 * S, T + 4 * S, skew), -ESTALE);
	ck_assert_int_eq(replay_state_check(&st, 1, T + 4 * S, T + 4 * S, skew), -ESTALE);
	/* Once our clock is past everything seen, a new life must be newer. */
	ck_assert_int_eq(replay_state_check(&st, 4, T + 200 * S, T + 400 * S, skew), -ESTALE);
	ck_assert_int_eq(replay_state_check(&st, 4, T + 399 * S, T + 400 * S, skew), 0);
	/* A new life must be fresh. */
	ck_assert_int_eq(replay_state_check(&st, 4, T - 300 * S, T + 400 * S, skew), -ETIME);
	ck_assert_int_eq(replay_state_check(&st, 4, 0, T, skew), -EINVAL);
}
END_TEST

/* Without clock checks (skew 0) there is no recovery: a new life must be newer. */
START_TEST(lives_no_clock)
{
	const uint64_t T = 1800000000ull * S;
	struct replay_state st = { 0 };

	ck_assert_int_eq(replay_state_check(&st, 1, 5, T, 0), 0); /* any first counter */
	replay_state_update(&st, 1, T + 86400 * S);
	ck_assert_int_eq(replay_state_check(&st, 2, T, T, 0), -ESTALE);
	ck_assert_int_eq(replay_state_check(&st, 2, T + 86401 * S, T, 0), 0);
	replay_state_update(&st, 2, T + 86401 * S);
	ck_assert_int_eq(replay_state_check(&st, 1, T + 86402 * S, T, 0), -ESTALE);
}
END_TEST

/*
 * A sender restarting four times within the clock window, its clock 5 s
 * ahead of ours: replaying a recording of its first life must not end its
 * real current life (found by review with two remembered lives: the
 * replay was taken as a new life and the real one refused from then on).
 */
START_TEST(old_life_replay_does_not_end_current)
{
	struct replay_state st = { 0 };
	uint64_t now = 1800000000ull * S, skew = 600 * S, ahead = 5 * S;
	uint64_t recorded = now - 300 * S + ahead, c = recorded;
	uint32_t sid = 0xA1;

	ck_assert_int_eq(replay_state_check(&st, sid, c, now - 300 * S, skew), 0);
	replay_state_update(&st, sid, c);
	for (int life = 1; life < 4; life++) {
		sid += 0x10;
		c += 60 * S;
		ck_assert_int_eq(replay_state_check(&st, sid, c, c - ahead, skew), 0);
		replay_state_update(&st, sid, c);
	}
	/* The attacker's replay of life A: an ended life, refused. */
	ck_assert_int_eq(replay_state_check(&st, 0xA1, recorded, c - ahead + S, skew), -ESTALE);
	/* The real sender's next message. */
	ck_assert_int_eq(replay_state_check(&st, sid, c + S, c - ahead + 2 * S, skew), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("replay");
	TCase *tc = tcase_create("replay");

	tcase_add_test(tc, window);
	tcase_add_test(tc, overtaken_by_newer);
	tcase_add_test(tc, never_twice);
	tcase_add_test(tc, random_traffic);
	tcase_add_test(tc, lives);
	tcase_add_test(tc, lives_no_clock);
	tcase_add_test(tc, old_life_replay_does_not_end_current);
	return unit_run(s, tc);
}
