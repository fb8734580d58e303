// SPDX-License-Identifier: GPL-2.0
/*
 * test_gateway_keys.c - the handshake timers as keys.c runs them, on a peer
 * built by hand (no kernel, no sockets):
 *
 *  - no_spin_without_path: a retransmit falls due while the peer has no
 *    path to send it on; keys_run() asks to be woken when the attempt ends,
 *    not at once (it returned the past retransmit deadline, and the peer's
 *    timer ran in a loop for up to 90 s, a hostile review found);
 *  - no_spin_while_next_waits: the kernel asks for a new key while a key
 *    we answered waits in NEXT for the peer to name it; keys_run() asks to
 *    be woken when that wait ends, not at once (it returned the request's
 *    past deadline, and the timer ran in a loop for up to 5 s), and the
 *    request is still due then;
 *  - request_survives_dropped_attempt: the kernel asked for a new key, our
 *    initiation went out, and was dropped for the peer's (simultaneous
 *    initiation), whose key we answered into NEXT and the peer never names:
 *    at the end of NEXT's wait we initiate again (sending cleared the
 *    request, and the old key, past its count, ran on to its age);
 *  - retry_when_initiation_fails / no_spin_when_retransmit_fails: an
 *    initiation cannot be made (the peer's public key is one DH refuses):
 *    keys_run() tries again after 5 s, for a first attempt (it returned
 *    "never", so nothing but an outside event tried again) and for a
 *    retransmit (it returned the past retransmit deadline: the peer's
 *    timer ran in a loop for up to 90 s);
 *  - pause_after_give_up_past_rekey_age: a series given up after 90 s
 *    pauses 5 s before the next also when the current key is past its
 *    rekey age (the pause held only for a key under it);
 *  - pause_holds_for_dying_key: the pause (after a refused key) holds
 *    also when the current key dies meanwhile: a key refused in its last
 *    seconds must not start a handshake every round trip.
 */
#include <check.h>
#include "unit.h"
#include <string.h>
#include <sodium.h>

#include "gateway.h"
#include "gw_keys_fixture.h"

static struct gw gw;
static struct gw_peer peer;
#define MS_NS 1000000ull

static const uint8_t psk[32] = { 7 };

static void setup(void)
{
	uint8_t peer_sk[32];

	gw_keys_fixture(&gw, &peer, psk, 1, peer_sk);
}

/* One uplink (no socket: the sends fail quietly) and one path UP. */
static void one_path_up(void)
{
	struct path *pa = peer_path(&peer, 0, 0);

	gw.n_uplinks = 1;
	gw.uplinks[0].fd = -1;
	pa->has_remote = true;
	pa->state = PATH_UP;
}

/* The peer's static key becomes the zero point, which DH refuses. */
static void break_peer_key(void)
{
	memset(peer.hs.remote_static, 0, sizeof(peer.hs.remote_static));
	peer.hs.ss_ready = false;
}

START_TEST(no_spin_without_path)
{
	uint8_t init[HSMSG_INIT_LEN];
	uint64_t t0 = 1000000, next; /* ms */

	/* An attempt sent at t0 over a path that has since gone. */
	ck_assert_int_eq(handshake_initiate(&gw.hs_id, &peer.hs, t0 * MS_NS, 0, init), 0);
	ck_assert_int_eq(handshake_timer(&peer.hs, (t0 + 6000) * MS_NS),
			 HANDSHAKE_TIMER_RETRANSMIT);
	next = keys_run(&peer, t0 + 6000);
	ck_assert_uint_gt(next, t0 + 6000);
	ck_assert_uint_eq(next, t0 + 90000 + 1); /* the attempt's end */
	/* Still due: a path coming up (which runs the timer) sends it. */
	ck_assert_int_eq(handshake_timer(&peer.hs, (t0 + 6001) * MS_NS),
			 HANDSHAKE_TIMER_RETRANSMIT);
	/* At the end the attempt is given up, and a new one waits for a path. */
	next = keys_run(&peer, t0 + 90001);
	ck_assert(!peer.hs.pending_active);
	ck_assert_uint_gt(next, t0 + 90001);
}
END_TEST

START_TEST(no_spin_while_next_waits)
{
	uint64_t t0 = 1000000, next, wait_end = t0 + 5000; /* ms; NEXT_WAIT_MIN_MS */

	/* CURRENT in use since t0 - 60 s; we answered a handshake at t0. */
	peer.cur_key_id = 1;
	peer.key_ms = t0 - 60000;
	peer.last_initiator = true;
	peer.next_key_id = 2;
	peer.next_key_ms = t0;
	/* The kernel's KEY_REKEY for CURRENT arrives just after. */
	peer.hs_next_ms = t0 + 1;
	next = keys_run(&peer, t0 + 2);
	ck_assert_uint_eq(next, wait_end);
	ck_assert(!peer.hs.pending_active);
	/* Still before the wait's end (a timer that fired early). */
	next = keys_run(&peer, wait_end - 1);
	ck_assert_uint_eq(next, wait_end);
	/*
	 * The peer never named NEXT: at the wait's end the request is still
	 * due, and it waits for a path to send the initiation on (none here).
	 */
	next = keys_run(&peer, wait_end);
	ck_assert_uint_eq(peer.hs_next_ms, t0 + 1);
	ck_assert_uint_eq(next, UINT64_MAX);
}
END_TEST

START_TEST(request_survives_dropped_attempt)
{
	uint64_t t0 = 1000000, next, wait_end = t0 + 100 + 5000; /* ms */

	one_path_up();
	peer.cur_key_id = 1;
	peer.key_ms = t0 - 60000;
	peer.last_initiator = true;
	/* The kernel's KEY_REKEY: a handshake is due now. */
	peer.hs_next_ms = t0;
	keys_run(&peer, t0);
	ck_assert(peer.hs.pending_active);
	/*
	 * The peer's initiation wins the tie: ours is dropped (as
	 * handshake_respond() does) and the key we answer waits in NEXT.
	 */
	peer.hs.pending_active = false;
	peer.next_key_id = 2;
	peer.next_key_ms = t0 + 100;
	next = keys_run(&peer, t0 + 200);
	ck_assert(!peer.hs.pending_active);
	ck_assert_uint_eq(next, wait_end);
	/* The peer never names key 2: the request starts a new attempt. */
	keys_run(&peer, wait_end);
	ck_assert(peer.hs.pending_active);
}
END_TEST

START_TEST(retry_when_initiation_fails)
{
	uint64_t t0 = 1000000, next; /* ms */

	one_path_up();
	/* A first attempt that cannot be made: tried again in 5 s. */
	break_peer_key();
	next = keys_run(&peer, t0);
	ck_assert(!peer.hs.pending_active);
	ck_assert_uint_eq(next, t0 + 5000);
	next = keys_run(&peer, t0 + 5000);
	ck_assert_uint_eq(next, t0 + 10000);
}
END_TEST

START_TEST(no_spin_when_retransmit_fails)
{
	uint64_t t0 = 1000000, next; /* ms */

	one_path_up();
	next = keys_run(&peer, t0);
	ck_assert(peer.hs.pending_active);
	ck_assert_uint_eq(next, t0 + 5000 + 1); /* the retransmit's deadline */
	/* The retransmit cannot be made: tried again in 5 s, within the attempt. */
	break_peer_key();
	next = keys_run(&peer, t0 + 5001);
	ck_assert(peer.hs.pending_active);
	ck_assert_uint_eq(next, t0 + 5001 + 5000);
	/* Near the attempt's end, woken at its end, where it is given up. */
	next = keys_run(&peer, t0 + 88000);
	ck_assert_uint_eq(next, t0 + 90000 + 1);
	keys_run(&peer, t0 + 90001);
	ck_assert(!peer.hs.pending_active);
}
END_TEST

START_TEST(pause_after_give_up_past_rekey_age)
{
	uint64_t t0 = 1000000, next; /* ms */

	one_path_up();
	/* CURRENT is past its rekey age: a handshake is due by age. */
	peer.cur_key_id = 1;
	peer.key_ms = t0 - 1000ull * (GW_DEFAULT_REKEY_SECS + 1);
	peer.last_initiator = true;
	keys_run(&peer, t0);
	ck_assert(peer.hs.pending_active);
	/* No answer for 90 s: given up, and the next series waits 5 s. */
	next = keys_run(&peer, t0 + 90001);
	ck_assert(!peer.hs.pending_active);
	ck_assert_uint_eq(next, t0 + 90001 + 5000);
	next = keys_run(&peer, t0 + 90001 + 4999);
	ck_assert(!peer.hs.pending_active);
	ck_assert_uint_eq(next, t0 + 90001 + 5000);
	keys_run(&peer, t0 + 90001 + 5000);
	ck_assert(peer.hs.pending_active);
}
END_TEST

START_TEST(pause_holds_for_dying_key)
{
	uint64_t t0 = 1000000; /* ms */

	one_path_up();
	peer.cur_key_id = 1;
	peer.last_initiator = true;
	/* Past its rekey age, alive until t0 + 2 s; paused until t0 + 5 s. */
	peer.key_ms = t0 - 178000;
	peer.hs_pause_ms = t0 + 5000;
	ck_assert_uint_eq(keys_run(&peer, t0), t0 + 5000);
	ck_assert(!peer.hs.pending_active);
	/* The key's death does not end the pause; its end does. */
	ck_assert_uint_eq(keys_run(&peer, t0 + 2000), t0 + 5000);
	ck_assert(!peer.hs.pending_active);
	keys_run(&peer, t0 + 5000);
	ck_assert(peer.hs.pending_active);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gateway_keys");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, no_spin_without_path);
	tcase_add_test(tc, no_spin_while_next_waits);
	tcase_add_test(tc, request_survives_dropped_attempt);
	tcase_add_test(tc, retry_when_initiation_fails);
	tcase_add_test(tc, no_spin_when_retransmit_fails);
	tcase_add_test(tc, pause_after_give_up_past_rekey_age);
	tcase_add_test(tc, pause_holds_for_dying_key);
	return unit_run(s, tc);
}
