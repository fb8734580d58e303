// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/registry/history.c: a sample per 6 keepalive
 * intervals at most, the mean RTT and worst loss of the paths up, stale
 * reports left out, and a ring of HISTORY_SLOTS, oldest first.
 */
#include <check.h>
#include "unit.h"
#include <stdlib.h>
#include <string.h>

#include "registry.h"

static struct registry r;
static struct gwtable_entry g;

static void setup(void)
{
	memset(&r, 0, sizeof(r));
	memset(&g, 0, sizeof(g));
	r.keepalive_ms = 1000; /* a sample every 6 s at most */
	g.paths = calloc(1, sizeof(*g.paths) + 3 * sizeof(g.paths->v[0]));
	ck_assert_ptr_nonnull(g.paths);
	g.paths->cap = 3;
}

static void teardown(void)
{
	free(g.paths);
	free(g.history);
}

static void report(unsigned int i, bool up, uint32_t rtt_us, uint16_t loss, uint64_t at)
{
	struct gwtable_path *p = &g.paths->v[i];

	if (i >= g.paths->n)
		g.paths->n = i + 1;
	p->peer = i;
	p->up = up;
	p->rtt_us = rtt_us;
	p->loss = loss;
	p->at_ms = at;
}

START_TEST(nothing_without_paths)
{
	struct gwtable_entry empty = { 0 };

	history_note(&r, &empty, 10000);
	ck_assert_ptr_null(empty.history);
	ck_assert_ptr_null(history_get(&empty, 0));
}
END_TEST

START_TEST(mean_rtt_worst_loss_of_paths_up)
{
	const struct history_sample *s;

	report(0, true, 20000, 100, 100000);
	report(1, true, 40000, 300, 100000);
	report(2, false, 0, 10000, 100000); /* down: counted, not averaged */
	history_note(&r, &g, 100000);
	s = history_get(&g, 0);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->rtt_us, 30000);
	ck_assert_uint_eq(s->loss, 300);
	ck_assert_uint_eq(s->up, 2);
	ck_assert_uint_eq(s->paths, 3);
	ck_assert_ptr_null(history_get(&g, 1));
}
END_TEST

START_TEST(one_sample_per_step_stale_left_out)
{
	const struct history_sample *s;

	report(0, true, 20000, 0, 100000);
	history_note(&r, &g, 100000);
	/* Within 6 keepalive intervals: no new sample. */
	report(0, true, 90000, 0, 105999);
	history_note(&r, &g, 105999);
	ck_assert_ptr_null(history_get(&g, 1));
	history_note(&r, &g, 106000);
	s = history_get(&g, 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->rtt_us, 90000);
	/* A report older than 6 intervals is not the gateway's state now. */
	report(1, false, 0, 10000, 106000);
	report(0, true, 50000, 0, 100000);
	history_note(&r, &g, 112000);
	s = history_get(&g, 2);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->paths, 1);
	ck_assert_uint_eq(s->up, 0);
	ck_assert_uint_eq(s->rtt_us, 0);
}
END_TEST

START_TEST(ring_keeps_the_last_slots_oldest_first)
{
	uint64_t t = 1000000;

	for (unsigned int i = 0; i < HISTORY_SLOTS + 25; i++, t += 6000) {
		report(0, true, 1000 * (i + 1), 0, t);
		history_note(&r, &g, t);
	}
	for (unsigned int i = 0; i < HISTORY_SLOTS; i++) {
		const struct history_sample *s = history_get(&g, i);

		ck_assert_ptr_nonnull(s);
		ck_assert_uint_eq(s->rtt_us, 1000 * (i + 26));
		if (i)
			ck_assert_uint_gt(s->at_ms, history_get(&g, i - 1)->at_ms);
	}
	ck_assert_ptr_null(history_get(&g, HISTORY_SLOTS));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("registry_history");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, nothing_without_paths);
	tcase_add_test(tc, mean_rtt_worst_loss_of_paths_up);
	tcase_add_test(tc, one_sample_per_step_stale_left_out);
	tcase_add_test(tc, ring_keeps_the_last_slots_oldest_first);
	return unit_run(s, tc);
}
