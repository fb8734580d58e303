// SPDX-License-Identifier: GPL-2.0
/*
 * test_gateway_peer_index.c - peer_find_by_index() (peer.c), the lookup
 * every HS_RESP and COOKIE makes before anything about it can be checked:
 * a hash by receive index, rebuilt when peers leave. 10,000 peers are all
 * found, absent indexes are not, and the table follows removals. It also
 * prints the cost of a miss (what forged datagrams cost the daemon; it
 * was a scan of every peer, 24.5 us with 10,000 of them), not asserted:
 * timing is for benches.
 */
#include <check.h>
#include "unit.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "gateway.h"

#define NPEERS 10000

static struct gw gw;
static struct gw_peer *pool;

static void setup(void)
{
	ck_assert_int_ge(sodium_init(), 0);
	memset(&gw, 0, sizeof(gw));
	pool = calloc(NPEERS, sizeof(*pool));
	gw.peers = calloc(NPEERS, sizeof(*gw.peers));
	ck_assert(pool && gw.peers);
	/* Random, non-zero and distinct, as new_rx_index() makes them. */
	for (uint32_t i = 0; i < NPEERS; i++) {
		bool dup;

		do {
			pool[i].rx_index = randombytes_random();
			dup = !pool[i].rx_index;
			for (uint32_t j = 0; j < i && !dup; j++)
				dup = pool[j].rx_index == pool[i].rx_index;
		} while (dup);
		gw.peers[i] = &pool[i];
	}
	gw.n_peers = gw.cap_peers = NPEERS;
	gw.by_index_stale = true; /* as peer_sync() leaves it */
}

static void teardown(void)
{
	free(gw.by_index);
	free(gw.peers);
	free(pool);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(every_peer_found)
{
	for (uint32_t i = 0; i < NPEERS; i++)
		ck_assert_ptr_eq(peer_find_by_index(&gw, pool[i].rx_index), &pool[i]);
	ck_assert_uint_ge(gw.by_index_cap, 2 * NPEERS);
}
END_TEST

START_TEST(absent_not_found)
{
	uint32_t misses = 0, n = 1000000, *idx = malloc(n * sizeof(*idx));
	double t0, dt;

	ck_assert_ptr_nonnull(idx);
	randombytes_buf(idx, n * sizeof(*idx));
	ck_assert_ptr_nonnull(peer_find_by_index(&gw, pool[0].rx_index)); /* built */
	t0 = now_s();
	for (uint32_t i = 0; i < n; i++)
		if (!peer_find_by_index(&gw, idx[i]))
			misses++;
	dt = now_s() - t0;
	free(idx);
	ck_assert_uint_ge(misses, n - 10); /* 10,000 of 2^32 indexes exist */
	ck_assert_ptr_null(peer_find_by_index(&gw, 0));
	printf("# peer_find_by_index, %u peers: %.0f ns per lookup of an unknown index\n", NPEERS,
	       dt * 1e9 / n);
}
END_TEST

START_TEST(follows_removals)
{
	uint32_t kept = 0;

	ck_assert_ptr_nonnull(peer_find_by_index(&gw, pool[1].rx_index));
	/* peer_sync() drops every other peer and marks the table stale. */
	for (uint32_t i = 0; i < NPEERS; i += 2)
		gw.peers[kept++] = &pool[i];
	gw.n_peers = kept;
	gw.by_index_stale = true;
	for (uint32_t i = 0; i < NPEERS; i++)
		ck_assert_ptr_eq(peer_find_by_index(&gw, pool[i].rx_index),
				 i % 2 ? NULL : &pool[i]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gateway_peer_index");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	/* Check's default is 4 s: under ASan on a busy machine 10,000 peers
	 * and a million lookups took longer. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, every_peer_found);
	tcase_add_test(tc, absent_not_found);
	tcase_add_test(tc, follows_removals);
	return unit_run(s, tc);
}
