// SPDX-License-Identifier: GPL-2.0
/*
 * test_gateway_peer_create.c - a listed peer the kernel will not take
 * (peer.c), against a fake kernel (the avpnl_peer_* calls below stand in
 * for libavpn's netlink client):
 *
 *  - hand_peers_skipped: the kernel has peers made by hand at the ids the
 *    daemon gives out next; the new peer gets the first free id (one dump),
 *    the next one the id after, and no hand peer is removed (PEER_NEW was
 *    refused with EEXIST and the peer was missing until the registry's
 *    next list);
 *  - refused_retried_with_backoff: PEER_NEW refused (ENOMEM) twice: tried
 *    again after 1 s, then 2 s, by the loop's timer alone; once in, no more
 *    tries;
 *  - backoff_capped: the wait doubles to 60 s, no further;
 *  - bad_key_not_retried: a key no handshake can use is not tried again;
 *  - refused_peer_still_routed_into_av0: the VPN table (a fake kroute
 *    below) has the prefixes of a listed peer whose PEER_NEW was refused,
 *    so its traffic goes into av0, not out of main's default route in
 *    clear; once created it is routed to it;
 *  - refused_table_retried: the VPN table's update failed twice (a dump
 *    interrupted, no buffer): tried again after 1 s, then 2 s, by the
 *    loop's timer alone, with no other change (it waited for the next
 *    change, which need not come).
 */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "base/clock.h"
#include "gateway.h"
#include "nl/avpnl_peer.h"
#include "nl/kroute.h"

#include "unit_proto.h"

#define MAX_K 64

/* The fake kernel's peers and what was asked of it. */
static struct {
	uint32_t ids[MAX_K], rx[MAX_K];
	unsigned int n, n_hand;
	int refuse;	       /* PEER_NEW answers this ... */
	unsigned int refuse_n; /* ... this many times */
	unsigned int new_calls, dump_calls, del_calls;
	uint64_t new_ms[16];
} k;

static bool k_has_id(uint32_t id)
{
	for (unsigned int i = 0; i < k.n; i++)
		if (k.ids[i] == id)
			return true;
	return false;
}

int avpnl_peer_add_route(struct avpnl_peer *p, const struct prefix *pfx, bool remove)
{
	(void)p, (void)pfx, (void)remove;
	return 0;
}

int avpnl_peer_add_allowed(struct avpnl_peer *p, const struct prefix *pfx, bool remove)
{
	(void)p, (void)pfx, (void)remove;
	return 0;
}

void avpnl_peer_clear(struct avpnl_peer *p)
{
	(void)p;
}

int avpnl_peer_new(struct avpnl *h, uint32_t ifindex, const struct avpnl_peer *p)
{
	(void)h, (void)ifindex;
	if (k.new_calls < 16)
		k.new_ms[k.new_calls] = clock_mono_ms();
	k.new_calls++;
	if (k.refuse_n) {
		k.refuse_n--;
		return k.refuse;
	}
	if (k_has_id(p->id))
		return -EEXIST;
	ck_assert_uint_lt(k.n, MAX_K);
	k.ids[k.n] = p->id;
	k.rx[k.n++] = p->rx_index;
	return 0;
}

int avpnl_peer_set(struct avpnl *h, uint32_t ifindex, const struct avpnl_peer *p)
{
	(void)h, (void)ifindex, (void)p;
	return 0;
}

int avpnl_peer_del(struct avpnl *h, uint32_t ifindex, uint32_t peer_id)
{
	(void)h, (void)ifindex, (void)peer_id;
	k.del_calls++;
	return 0;
}

int avpnl_peer_dump(struct avpnl *h, uint32_t ifindex, avpnl_peer_cb cb, void *arg)
{
	(void)h, (void)ifindex;
	k.dump_calls++;
	for (unsigned int i = 0; i < k.n; i++) {
		struct avpnl_peer kp;
		int err;

		memset(&kp, 0, sizeof(kp));
		kp.id = k.ids[i];
		kp.rx_index = k.rx[i];
		err = cb(&kp, arg);
		if (err)
			return err;
	}
	return 0;
}

int avpnl_peer_get(struct avpnl *h, uint32_t ifindex, uint32_t peer_id, struct avpnl_peer *out)
{
	(void)h, (void)ifindex, (void)peer_id, (void)out;
	return -ENOENT;
}

/* The fake VPN table: what the last kroute_sync() asked for. */
static struct {
	struct prefix v[MAX_K];
	uint32_t n, syncs;
	unsigned int fail_n; /* the next this many kroute_sync() fail */
	uint64_t sync_ms[4];
} table;
static struct kroute *const fake_kr = (struct kroute *)&table;

int kroute_open(struct kroute **out)
{
	*out = fake_kr;
	return 0;
}

void kroute_close(struct kroute *kr)
{
	(void)kr;
}

const char *kroute_errmsg(const struct kroute *kr)
{
	(void)kr;
	return NULL;
}

int kroute_set_rcvbuf(struct kroute *kr, int bytes)
{
	(void)kr, (void)bytes;
	return 0;
}

int kroute_link_up(struct kroute *kr, uint32_t ifindex)
{
	(void)kr, (void)ifindex;
	return 0;
}

int kroute_rules_add(struct kroute *kr, uint32_t tab)
{
	(void)kr, (void)tab;
	return 0;
}

int kroute_rules_del(struct kroute *kr, uint32_t tab)
{
	(void)kr, (void)tab;
	return 0;
}

int kroute_sync(struct kroute *kr, uint32_t tab, uint32_t ifindex, const struct prefix *prefixes,
		uint32_t n)
{
	(void)kr, (void)tab, (void)ifindex;
	if (table.syncs < 4)
		table.sync_ms[table.syncs] = clock_mono_ms();
	if (table.fail_n) {
		table.fail_n--;
		table.syncs++;
		return -EIO;
	}
	ck_assert_uint_le(n, MAX_K);
	memcpy(table.v, prefixes, n * sizeof(*prefixes));
	table.n = n;
	table.syncs++;
	return 0;
}

int kroute_flush(struct kroute *kr, uint32_t tab)
{
	(void)kr, (void)tab;
	table.n = 0;
	return 0;
}

void kroute_forget(struct kroute *kr)
{
	(void)kr;
}

bool kroute_ipv6(const struct kroute *kr)
{
	(void)kr;
	return true;
}

uint32_t kroute_count(const struct kroute *kr)
{
	(void)kr;
	return table.n;
}

static bool table_has(const char *p)
{
	struct prefix want;

	ck_assert_int_eq(prefix_parse(p, &want, NULL), 0);
	for (uint32_t i = 0; i < table.n; i++)
		if (!prefix_cmp(&table.v[i], &want))
			return true;
	return false;
}

static struct gw gw;
static struct regclient_peer listed[2];

static void setup(void)
{
	ck_assert_int_ge(sodium_init(), 0);
	memset(&k, 0, sizeof(k));
	memset(&gw, 0, sizeof(gw));
	memset(listed, 0, sizeof(listed));
	gw.opts.probe_ms = GW_DEFAULT_PROBE_MS;
	gw.opts.rekey_secs = GW_DEFAULT_REKEY_SECS;
	gw.ifindex = 0x7ffffff0; /* no device's: link events are about others */
	gw.dev_up = true;
	ck_assert_int_eq(loop_new(&gw.loop), 0);
	randombytes_buf(gw.sk, 32);
	crypto_scalarmult_base(gw.pk, gw.sk);
	ck_assert_int_eq(handshake_identity_init(&gw.hs_id, gw.sk), 0);
	for (unsigned int i = 0; i < 2; i++) {
		uint8_t sk[32];

		randombytes_buf(sk, 32);
		crypto_scalarmult_base(listed[i].info.pk, sk);
		snprintf(listed[i].info.name, sizeof(listed[i].info.name), "peer-%u", i);
		listed[i].info.role = PROTO_ROLE_SPOKE;
	}
	gw.rc.peers.v = listed;
	gw.rc.peers.n = gw.rc.peers.cap = 1;
}

static void teardown(void)
{
	peer_remove_all(&gw, false);
	loop_free(gw.loop);
}

/* Runs the loop until the fake kernel saw @calls PEER_NEWs, at most @ms. */
static void run_until_calls(unsigned int calls, uint64_t ms)
{
	uint64_t end = clock_mono_ms() + ms;

	while (k.new_calls < calls && clock_mono_ms() < end)
		loop_run_once(gw.loop, 50);
}

START_TEST(hand_peers_skipped)
{
	struct gw_peer *p;

	for (uint32_t id = 1; id <= 20; id++) {
		k.ids[k.n] = id;
		k.rx[k.n++] = 1000 + id;
	}
	k.n_hand = k.n;
	peer_sync(&gw);
	p = peer_find(&gw, listed[0].info.pk);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->id, 21);
	ck_assert(p->in_kernel);
	ck_assert_uint_eq(k.dump_calls, 1);
	ck_assert(!loop_timer_running(&gw.create_timer));
	/* The next one goes on from there: no more refusals, no more dumps. */
	gw.rc.peers.n = 2;
	peer_sync(&gw);
	p = peer_find(&gw, listed[1].info.pk);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->id, 22);
	ck_assert_uint_eq(k.dump_calls, 1);
	ck_assert_uint_eq(k.del_calls, 0);
	for (uint32_t id = 1; id <= 20; id++)
		ck_assert(k_has_id(id));
}
END_TEST

START_TEST(refused_retried_with_backoff)
{
	uint64_t t0 = clock_mono_ms();

	k.refuse = -ENOMEM;
	k.refuse_n = 2;
	peer_sync(&gw);
	ck_assert_ptr_null(peer_find(&gw, listed[0].info.pk));
	ck_assert(loop_timer_running(&gw.create_timer));
	ck_assert_uint_eq(gw.create_backoff_ms, 1000);
	/* No new peer list: the loop's timer alone tries again. */
	run_until_calls(2, 3000);
	ck_assert_uint_eq(k.new_calls, 2);
	ck_assert_uint_ge(k.new_ms[1] - t0, 950);
	ck_assert_ptr_null(peer_find(&gw, listed[0].info.pk));
	ck_assert_uint_eq(gw.create_backoff_ms, 2000);
	run_until_calls(3, 4000);
	ck_assert_uint_eq(k.new_calls, 3);
	ck_assert_uint_ge(k.new_ms[2] - k.new_ms[1], 1950);
	ck_assert_ptr_nonnull(peer_find(&gw, listed[0].info.pk));
	ck_assert(!loop_timer_running(&gw.create_timer));
	ck_assert_uint_eq(gw.create_backoff_ms, 0);
	run_until_calls(4, 1500);
	ck_assert_uint_eq(k.new_calls, 3);
}
END_TEST

START_TEST(backoff_capped)
{
	k.refuse = -ENOMEM;
	k.refuse_n = 100;
	gw.create_backoff_ms = 32000;
	peer_sync(&gw);
	ck_assert_uint_eq(gw.create_backoff_ms, 60000);
	ck_assert_uint_ge(gw.create_timer.due_ms, clock_mono_ms() + 59000);
	/* A new list while a try is due changes nothing about the wait. */
	peer_sync(&gw);
	ck_assert_uint_eq(gw.create_backoff_ms, 60000);
	loop_timer_stop(gw.loop, &gw.create_timer);
	peer_sync(&gw);
	ck_assert_uint_eq(gw.create_backoff_ms, 60000);
}
END_TEST

START_TEST(bad_key_not_retried)
{
	memset(listed[0].info.pk, 0, 32); /* low order: no handshake can use it */
	peer_sync(&gw);
	ck_assert_ptr_null(peer_find(&gw, listed[0].info.pk));
	ck_assert_uint_eq(k.new_calls, 0);
	ck_assert(!loop_timer_running(&gw.create_timer));
}
END_TEST

START_TEST(refused_peer_still_routed_into_av0)
{
	struct proto_subnet s0 = sub4(10, 1, 0, 16, PROTO_SUB_ROUTE),
			    s1 = sub4(10, 2, 0, 16, PROTO_SUB_ROUTE);

	static struct gwconf conf = { .table = 9350 };

	memset(&table, 0, sizeof(table));
	gw.conf = &conf;
	ck_assert_int_eq(route_init(&gw), 0);
	listed[0].subnets = &s0;
	listed[1].subnets = &s1;
	listed[0].n_subnets = listed[1].n_subnets = 1;
	gw.rc.peers.n = 2;
	k.refuse = -ENOMEM;
	k.refuse_n = 1; /* listed[0]'s PEER_NEW */
	peer_sync(&gw);
	ck_assert_ptr_null(peer_find(&gw, listed[0].info.pk));
	ck_assert_ptr_nonnull(peer_find(&gw, listed[1].info.pk));
	route_apply(&gw);
	ck_assert_uint_ge(table.syncs, 1);
	ck_assert(table_has("10.2.0.0/16"));
	ck_assert(table_has("10.1.0.0/16")); /* missing before: out in clear */
	ck_assert_uint_eq(table.n, 2);
	/* The retry creates it; the table stays whole. */
	run_until_calls(3, 3000);
	ck_assert_ptr_nonnull(peer_find(&gw, listed[0].info.pk));
	route_apply(&gw);
	ck_assert(table_has("10.1.0.0/16") && table_has("10.2.0.0/16"));
	ck_assert_uint_eq(table.n, 2);
	route_fini(&gw, false);
	listed[0].subnets = listed[1].subnets = NULL;
	listed[0].n_subnets = listed[1].n_subnets = 0;
}
END_TEST

START_TEST(refused_table_retried)
{
	static struct gwconf conf = { .table = 9350 };
	struct proto_subnet s0 = sub4(10, 1, 0, 16, PROTO_SUB_ROUTE);
	uint64_t end;

	memset(&table, 0, sizeof(table));
	gw.conf = &conf;
	ck_assert_int_eq(route_init(&gw), 0);
	listed[0].subnets = &s0;
	listed[0].n_subnets = 1;
	table.fail_n = 2;
	peer_sync(&gw);
	ck_assert_ptr_nonnull(peer_find(&gw, listed[0].info.pk));
	ck_assert_uint_eq(table.syncs, 1);
	ck_assert_uint_eq(table.n, 0);
	/* No new peer list, no other change: the loop's timer alone. */
	end = clock_mono_ms() + 6000;
	while (table.syncs < 3 && clock_mono_ms() < end)
		loop_run_once(gw.loop, 50);
	ck_assert_uint_eq(table.syncs, 3);
	ck_assert_uint_ge(table.sync_ms[1] - table.sync_ms[0], 950);
	ck_assert_uint_ge(table.sync_ms[2] - table.sync_ms[1], 1950); /* backing off */
	ck_assert(table_has("10.1.0.0/16"));
	/* Done: no more tries. */
	end = clock_mono_ms() + 1500;
	while (clock_mono_ms() < end)
		loop_run_once(gw.loop, 50);
	ck_assert_uint_eq(table.syncs, 3);
	route_fini(&gw, false);
	listed[0].subnets = NULL;
	listed[0].n_subnets = 0;
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gateway_peer_create");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, hand_peers_skipped);
	tcase_add_test(tc, refused_retried_with_backoff);
	tcase_add_test(tc, backoff_capped);
	tcase_add_test(tc, bad_key_not_retried);
	tcase_add_test(tc, refused_peer_still_routed_into_av0);
	tcase_add_test(tc, refused_table_retried);
	return unit_run(s, tc);
}
