// SPDX-License-Identifier: GPL-2.0
/* Unit tests for daemon/gateway/routesel.c: lowest metric up, hysteresis, carry-over. */
#include <check.h>
#include "unit.h"
#include <string.h>

#include "routesel.h"
#include "wire/proto.h"

/*
 * Peers 1..8: up flag and the time they came back up (0 while a peer is in
 * its first connection: as route.c reports it, only flaps are damped).
 */
static bool up_now[9], was_up[9];
static uint64_t up_since[9];

static bool peer_up(void *ctx, uint32_t peer, uint64_t *since)
{
	(void)ctx;
	*since = up_since[peer];
	return up_now[peer];
}

static void set_up(uint32_t peer, bool up, uint64_t at)
{
	if (up && !up_now[peer])
		up_since[peer] = was_up[peer] ? at : 0;
	was_up[peer] |= up;
	up_now[peer] = up;
}

static struct routesel_input rec(const char *pfx, uint32_t peer, uint8_t metric)
{
	struct routesel_input in;

	memset(&in, 0, sizeof(in));
	ck_assert_int_eq(prefix_parse(pfx, &in.prefix, NULL), 0);
	in.cand.peer = peer;
	in.cand.metric = metric;
	return in;
}

static uint32_t chosen_peer(const struct routesel *t, const char *pfx)
{
	struct prefix p;
	const struct routesel_entry *e;
	const struct routesel_cand *c;

	ck_assert_int_eq(prefix_parse(pfx, &p, NULL), 0);
	e = routesel_find(t, &p);
	ck_assert_ptr_nonnull(e);
	c = routesel_choice(e);
	return c ? c->peer : 0;
}

static void setup(void)
{
	memset(up_now, 0, sizeof(up_now));
	memset(was_up, 0, sizeof(was_up));
	memset(up_since, 0, sizeof(up_since));
}

START_TEST(lowest_metric_up_wins)
{
	/* A spoke: prefix of another spoke via hub 1 (metric 1) and hub 2 (metric 2). */
	struct routesel_input in[] = {
		rec("10.60.0.0/24", 2, 2),
		rec("10.60.0.0/24", 1, 1),
		rec("10.100.0.0/16", 1, 0),
		rec("10.100.0.0/16", 2, 2),
	};
	struct routesel t = { 0 };
	uint64_t next;

	ck_assert_int_eq(routesel_build(&t, in, 4, NULL), 0);
	ck_assert_uint_eq(t.n, 2);
	/* Nobody up: no choice. */
	ck_assert_uint_eq(routesel_decide(&t, peer_up, NULL, 1000, 10000, &next), 0);
	ck_assert_uint_eq(chosen_peer(&t, "10.60.0.0/24"), 0);
	/* Only hub 2 up: it carries everything at once (no hysteresis without a choice). */
	set_up(2, true, 1000);
	ck_assert_uint_eq(routesel_decide(&t, peer_up, NULL, 1000, 10000, &next), 2);
	ck_assert_uint_eq(chosen_peer(&t, "10.60.0.0/24"), 2);
	ck_assert_uint_eq(chosen_peer(&t, "10.100.0.0/16"), 2);
	/* Hub 1 connects for the first time: better, and taken at once. */
	set_up(1, true, 2000);
	ck_assert_uint_eq(routesel_decide(&t, peer_up, NULL, 2000, 10000, &next), 2);
	ck_assert_uint_eq(chosen_peer(&t, "10.60.0.0/24"), 1);
	ck_assert_uint_eq(chosen_peer(&t, "10.100.0.0/16"), 1);
	ck_assert_uint_eq(next, UINT64_MAX);
	/* Hub 1 dies: moved at once to hub 2. */
	set_up(1, false, 13000);
	ck_assert_uint_eq(routesel_decide(&t, peer_up, NULL, 13000, 10000, &next), 2);
	ck_assert_uint_eq(chosen_peer(&t, "10.100.0.0/16"), 2);
	/* It flaps back up and down within the hysteresis: traffic stays put. */
	set_up(1, true, 14000);
	ck_assert_uint_eq(routesel_decide(&t, peer_up, NULL, 15000, 10000, &next), 0);
	ck_assert_uint_eq(next, 24000);
	set_up(1, false, 16000);
	ck_assert_uint_eq(routesel_decide(&t, peer_up, NULL, 16000, 10000, &next), 0);
	ck_assert_uint_eq(chosen_peer(&t, "10.100.0.0/16"), 2);
	/* Back once more, and up for the whole hysteresis time: it takes over. */
	set_up(1, true, 20000);
	ck_assert_uint_eq(routesel_decide(&t, peer_up, NULL, 29999, 10000, &next), 0);
	ck_assert_uint_eq(next, 30000);
	ck_assert_uint_eq(routesel_decide(&t, peer_up, NULL, 30000, 10000, &next), 2);
	ck_assert_uint_eq(chosen_peer(&t, "10.60.0.0/24"), 1);
	/* Hub 1 dies again: hub 2. */
	set_up(1, false, 31000);
	ck_assert_uint_eq(routesel_decide(&t, peer_up, NULL, 31000, 10000, &next), 2);
	/* Everything down: no choice. */
	set_up(2, false, 32000);
	ck_assert_uint_eq(routesel_decide(&t, peer_up, NULL, 32000, 10000, &next), 2);
	ck_assert_uint_eq(chosen_peer(&t, "10.60.0.0/24"), 0);
	routesel_free(&t);
}
END_TEST

START_TEST(duplicates_keep_lowest_metric)
{
	struct routesel_input in[] = { rec("10.0.0.0/8", 3, 5), rec("10.0.0.0/8", 3, 1),
				       rec("10.0.0.0/8", 4, 2) };
	struct routesel t = { 0 };
	uint64_t next;

	ck_assert_int_eq(routesel_build(&t, in, 3, NULL), 0);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_uint_eq(t.v[0].n_cand, 2);
	ck_assert_uint_eq(t.v[0].cand[0].peer, 3);
	ck_assert_uint_eq(t.v[0].cand[0].metric, 1);
	set_up(3, true, 0);
	set_up(4, true, 0);
	routesel_decide(&t, peer_up, NULL, 100000, 10000, &next);
	ck_assert_uint_eq(chosen_peer(&t, "10.0.0.0/8"), 3);
	routesel_free(&t);
}
END_TEST

START_TEST(rebuild_keeps_choices)
{
	struct routesel_input a[] = { rec("10.1.0.0/16", 1, 0), rec("10.1.0.0/16", 2, 1) };
	struct routesel_input b[] = { rec("10.1.0.0/16", 1, 0), rec("10.1.0.0/16", 2, 1),
				      rec("10.2.0.0/16", 2, 0) };
	struct routesel t = { 0 }, t2;
	uint64_t next;

	ck_assert_int_eq(routesel_build(&t, a, 2, NULL), 0);
	set_up(1, true, 0); /* peer 1 has been up once, and went down */
	set_up(1, false, 0);
	set_up(2, true, 0);
	routesel_decide(&t, peer_up, NULL, 0, 10000, &next);
	ck_assert_uint_eq(chosen_peer(&t, "10.1.0.0/16"), 2);
	/* Peer 1 comes back up meanwhile; a config change rebuilds the table. */
	set_up(1, true, 5000);
	ck_assert_int_eq(routesel_build(&t2, b, 3, &t), 0);
	routesel_free(&t);
	/* The choice survives the rebuild (hysteresis still runs)... */
	ck_assert_uint_eq(chosen_peer(&t2, "10.1.0.0/16"), 2);
	ck_assert_uint_eq(routesel_decide(&t2, peer_up, NULL, 6000, 10000, &next), 1);
	ck_assert_uint_eq(chosen_peer(&t2, "10.1.0.0/16"), 2);
	ck_assert_uint_eq(chosen_peer(&t2, "10.2.0.0/16"), 2);
	/* ...and ends when it should. */
	ck_assert_uint_eq(routesel_decide(&t2, peer_up, NULL, 15000, 10000, &next), 1);
	ck_assert_uint_eq(chosen_peer(&t2, "10.1.0.0/16"), 1);
	routesel_free(&t2);
}
END_TEST

START_TEST(empty_table)
{
	struct routesel t = { 0 };
	uint64_t next;

	ck_assert_int_eq(routesel_build(&t, NULL, 0, NULL), 0);
	ck_assert_uint_eq(routesel_decide(&t, peer_up, NULL, 0, 10000, &next), 0);
	ck_assert_uint_eq(next, UINT64_MAX);
	routesel_free(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("routesel");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, lowest_metric_up_wins);
	tcase_add_test(tc, duplicates_keep_lowest_metric);
	tcase_add_test(tc, rebuild_keeps_choices);
	tcase_add_test(tc, empty_table);
	return unit_run(s, tc);
}
