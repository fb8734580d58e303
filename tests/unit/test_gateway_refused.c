// SPDX-License-Identifier: GPL-2.0
/*
 * test_gateway_refused.c - a handshake we initiated completes and the
 * kernel refuses its key (keys.c, completed() with initiator true), on a
 * peer built by hand and against a fake kernel: the avpnl_key_* calls below
 * stand in for libavpn's netlink client (a NULL netlink handle would crash
 * in avpnl_req_new()). Our HS_INIT is the one keys_run() sends, read off a
 * loopback socket; a second handshake identity, the peer's, answers it,
 * and its HS_RESP goes in through keys_input().
 *
 *  - refused_key_pauses_past_rekey_age: the current key is past its rekey
 *    age and no request is pending: after the refusal the next handshake
 *    waits 5 s (nothing was set, and keys_run() started a handshake at
 *    once, one per round trip while the kernel kept refusing);
 *  - refused_first_key_pauses: the same with no key at all yet.
 */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sodium.h>

#include "base/clock.h"
#include "gateway.h"
#include "nl/avpnl_key.h"
#include "gw_keys_fixture.h"

/* The fake kernel's key calls. */
static struct {
	int refuse; /* KEY_NEW answers this */
	unsigned int new_calls, swap_calls, del_calls;
} kk;

int avpnl_key_new(struct avpnl *h, uint32_t ifindex, uint32_t peer_id, const struct avpnl_key *k)
{
	(void)h, (void)ifindex, (void)peer_id, (void)k;
	kk.new_calls++;
	return kk.refuse;
}

int avpnl_key_swap(struct avpnl *h, uint32_t ifindex, uint32_t peer_id)
{
	(void)h, (void)ifindex, (void)peer_id;
	kk.swap_calls++;
	return 0;
}

int avpnl_key_del(struct avpnl *h, uint32_t ifindex, uint32_t peer_id, uint8_t slot)
{
	(void)h, (void)ifindex, (void)peer_id, (void)slot;
	kk.del_calls++;
	return 0;
}

void avpnl_key_wipe(struct avpnl_key *k)
{
	sodium_memzero(k, sizeof(*k));
}

const char *avpnl_key_slot_name(unsigned int slot)
{
	(void)slot;
	return NULL;
}

/* avpnl_priv.h's; avpnl_peer.c's dumps call it, never run here. */
struct nlattr;
int avpnl_key_parse(const struct nlattr *nest, struct avpnl_key *k);
int avpnl_key_parse(const struct nlattr *nest, struct avpnl_key *k)
{
	(void)nest, (void)k;
	return -EINVAL;
}

static struct gw gw;
static struct gw_peer peer;
static struct gw_peer *peers[1];
#define MS_NS 1000000ull

static const uint8_t psk[32] = { 7 };

/* The peer's side: its identity and its state for us. */
static struct handshake_identity r_id;
static struct handshake_peer r_peer;
/* Our uplink's socket and the peer's (it reads our HS_INIT). */
static int r_fd = -1;
static struct endpoint r_ep, our_ep;

static int bound_udp(struct endpoint *ep)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	ck_assert_int_eq(endpoint_from_sockaddr(ep, (struct sockaddr *)&sin, sl), 0);
	return fd;
}

static void setup(void)
{
	uint8_t peer_sk[32];
	struct path *pa;

	memset(&kk, 0, sizeof(kk));
	gw_keys_fixture(&gw, &peer, psk, 1, peer_sk);
	peer.id = 1;
	peer.rx_index = 1; /* our receive index: the peer's HS_RESP names it */
	peers[0] = &peer;
	gw.peers = peers;
	gw.n_peers = gw.cap_peers = 1;

	/* The peer: answers our initiations. */
	ck_assert_int_eq(handshake_identity_init(&r_id, peer_sk), 0);
	ck_assert_int_eq(handshake_peer_init(&r_id, &r_peer, gw.pk, psk, 2), 0);

	/* One uplink on loopback, one path UP to the peer's socket. */
	r_fd = bound_udp(&r_ep);
	gw.n_uplinks = 1;
	gw.uplinks[0].fd = bound_udp(&our_ep);
	gw.uplinks[0].local = our_ep;
	pa = peer_path(&peer, 0, 0);
	pa->has_remote = true;
	pa->remote = r_ep;
	pa->state = PATH_UP;
	kk.refuse = -EINVAL;
}

static void teardown(void)
{
	close(r_fd);
	close(gw.uplinks[0].fd);
	free(gw.by_index);
}

static struct handshake_peer *r_lookup(void *ctx, const uint8_t pub[32])
{
	(void)ctx;
	return sodium_memcmp(pub, gw.pk, 32) ? NULL : &r_peer;
}

/*
 * The peer reads our HS_INIT off its socket and answers it: the HS_RESP
 * goes in through keys_input(). Returns the clock just before it did
 * (*after: just after).
 */
static uint64_t answer_initiation(uint64_t *after)
{
	struct pollfd pfd = { .fd = r_fd, .events = POLLIN };
	uint8_t init[HSMSG_MAX_LEN];
	struct sockaddr_storage ss;
	struct handshake_reply reply;
	struct handshake_keys k;
	struct handshake_peer *hsp = NULL;
	struct handshake_rx rx;
	uint64_t before;
	ssize_t n;

	ck_assert_int_eq(poll(&pfd, 1, 2000), 1);
	n = recv(r_fd, init, sizeof(init), MSG_DONTWAIT);
	ck_assert_int_eq(n, HSMSG_INIT_LEN);
	ck_assert_int_eq(hsmsg_type(init, (size_t)n), HSMSG_INIT);
	endpoint_to_sockaddr(&our_ep, &ss);
	memset(&rx, 0, sizeof(rx));
	memset(&k, 0, sizeof(k));
	rx.msg = init;
	rx.len = (size_t)n;
	rx.src = (struct sockaddr *)&ss;
	rx.now_ns = clock_mono_ms() * MS_NS;
	ck_assert_int_eq(handshake_respond(&r_id, &rx, r_lookup, NULL, &reply, &k, &hsp),
			 HANDSHAKE_SEND_RESP);
	ck_assert_ptr_eq(hsp, &r_peer);
	handshake_keys_wipe(&k);
	ck_assert_int_eq(hsmsg_type(reply.buf, reply.len), HSMSG_RESP);

	before = clock_mono_ms();
	keys_input(&gw, 0, &r_ep, reply.buf, reply.len);
	*after = clock_mono_ms();
	return before;
}

/*
 * The refusal: the key was offered once, nothing swapped, and the next
 * handshake waits 5 s from the completion (not started at the next run).
 */
static void check_pause(uint64_t before, uint64_t after)
{
	uint64_t next;

	ck_assert_uint_eq(kk.new_calls, 1);
	ck_assert_uint_eq(kk.swap_calls, 0);
	ck_assert_uint_eq(gw.hs_results[GW_HS_DROPPED], 1);
	ck_assert_uint_eq(gw.hs_results[GW_HS_ACCEPTED], 0);
	ck_assert(!peer.hs.pending_active); /* the attempt completed */
	ck_assert_int_eq(peer.next_key_id, -1);
	/* completed() read the clock between before and after. */
	ck_assert_uint_ge(peer.hs_pause_ms, before + 5000);
	ck_assert_uint_le(peer.hs_pause_ms, after + 5000);
	ck_assert_uint_eq(peer.hs_next_ms, 0); /* and asked for nothing */

	/* Just after: no new attempt, and woken at the pause's end. */
	next = keys_run(&peer, after + 1);
	ck_assert(!peer.hs.pending_active);
	ck_assert_uint_eq(next, peer.hs_pause_ms);
	next = keys_run(&peer, peer.hs_pause_ms - 1);
	ck_assert(!peer.hs.pending_active);
	ck_assert_uint_eq(next, peer.hs_pause_ms);
	/* At its end, a new attempt. */
	keys_run(&peer, peer.hs_pause_ms);
	ck_assert(peer.hs.pending_active);
}

START_TEST(refused_key_pauses_past_rekey_age)
{
	uint64_t t0 = clock_mono_ms(), before, after, age = 1000ull * (GW_DEFAULT_REKEY_SECS + 1);

	ck_assert_uint_gt(t0, age); /* the monotonic clock runs since boot */
	/* CURRENT is past its rekey age; no request pending (hs_next_ms 0). */
	peer.cur_key_id = 1;
	peer.key_ms = t0 - age;
	peer.last_initiator = true;
	keys_run(&peer, t0);
	ck_assert(peer.hs.pending_active);
	ck_assert_uint_eq(peer.hs_next_ms, 0);
	before = answer_initiation(&after);
	ck_assert_int_eq(peer.cur_key_id, 1); /* the old key runs on */
	check_pause(before, after);
}
END_TEST

START_TEST(refused_first_key_pauses)
{
	uint64_t t0 = clock_mono_ms(), before, after;

	/* No key yet: a handshake is due at once. */
	keys_run(&peer, t0);
	ck_assert(peer.hs.pending_active);
	ck_assert_uint_eq(peer.hs_next_ms, 0);
	before = answer_initiation(&after);
	ck_assert_int_eq(peer.cur_key_id, -1);
	check_pause(before, after);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gateway_refused");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, refused_key_pauses_past_rekey_age);
	tcase_add_test(tc, refused_first_key_pauses);
	return unit_run(s, tc);
}
