// SPDX-License-Identifier: GPL-2.0
/*
 * test_gateway_prober.c - the probes' replay protection (prober.c): per life
 * of the peer's daemon and fresh by the clock (wire/replay.h replay_state,
 * PROBE_MAX_SKEW_S), as a hostile review asked for:
 *
 *  - clock_ahead_recovers: a peer whose clock ran ahead (1 h) is accepted,
 *    and once its clock is corrected and its daemon restarts (new sender
 *    id), its probes are accepted again (a plain window locked it out until
 *    our clock caught up);
 *  - stale_replay_refused: a fresh gw_peer (our daemon restarted, or the
 *    registry listed the peer again) refuses a probe recorded two days ago,
 *    from any address (it used to answer it and learn that address);
 *  - replay_refused: the same probe twice is taken once;
 *  - reply_on_other_uplink_refused: a reply is taken only on the uplink
 *    its probe left from.
 */
#include <check.h>
#include "unit.h"
#include <string.h>
#include <sodium.h>

#include "base/clock.h"
#include "gateway.h"
#include "wire/probe.h"

static struct gw gw;
static struct gw_peer peer, *peers[1];
static uint8_t peer_sk[32], peer_pk[32];
static struct seal_key peer_key; /* the peer's side of the probe key */
static const uint8_t psk[32] = { 9 };

static void setup(void)
{
	ck_assert_int_eq(seal_init(), 0);
	memset(&gw, 0, sizeof(gw));
	memset(&peer, 0, sizeof(peer));
	memset(gw.sk, 3, 32);
	crypto_scalarmult_base(gw.pk, gw.sk);
	memset(peer_sk, 4, 32);
	crypto_scalarmult_base(peer_pk, peer_sk);
	peer.gw = &gw;
	memcpy(peer.pk, peer_pk, 32);
	snprintf(peer.name, sizeof(peer.name), "B");
	peer.cur_key_id = peer.prev_key_id = peer.next_key_id = -1;
	peer.we_are_first = memcmp(gw.pk, peer.pk, 32) < 0;
	for (uint8_t k = 0; k < GW_MAX_PATHS; k++) {
		path_init(peer_path(&peer, k / 2, k % 2), peer.we_are_first, k / 2, k % 2);
		/* Not idle: a probe changes nothing that needs the kernel. */
		peer.paths[k].state = PATH_DOWN;
	}
	/* The prober derives its probe key from the handshake's DH on first use. */
	ck_assert_int_eq(handshake_identity_init(&gw.hs_id, gw.sk), 0);
	ck_assert_int_eq(handshake_peer_init(&gw.hs_id, &peer.hs, peer_pk, psk, 1), 0);
	ck_assert_int_eq(seal_precompute(&peer_key, gw.pk, peer_sk, peer_pk), 0);
	peers[0] = &peer;
	gw.peers = peers;
	gw.n_peers = 1;
	gw.n_uplinks = 1;
	gw.uplinks[0].fd = -1; /* answers go nowhere */
}

/* A message of B's prober: @type, aimed at our uplink @dst, sender id @sid, counter @ctr. */
static size_t msg_of_b(uint8_t *msg, uint8_t type, uint8_t dst, uint32_t sid, uint64_t ctr)
{
	struct probe pr = { .src_uplink = 0, .dst_uplink = dst, .key_id = PROBE_NO_KEY, .seq = 1 };
	uint8_t body[PROBE_BODY_LEN];
	ssize_t n;

	ck_assert_int_eq(probe_encode(body, sizeof(body), &pr), PROBE_BODY_LEN);
	n = seal_msg(msg, SEAL_OVERHEAD + PROBE_BODY_LEN, type, sid, peer_pk, ctr, &peer_key, body,
		     sizeof(body));
	ck_assert_int_eq(n, SEAL_OVERHEAD + PROBE_BODY_LEN);
	return (size_t)n;
}

/* Peer B's probe as its prober seals it: sender id @sid, counter @ctr. */
static size_t probe_of_b(uint8_t *msg, uint32_t sid, uint64_t ctr)
{
	return msg_of_b(msg, PROTO_T_PROBE, 0, sid, ctr);
}

/* Whether our prober accepted it on uplink @ul (it counts a drop otherwise). */
static bool accepted_on(unsigned int ul, const uint8_t *msg, size_t len, const char *from)
{
	struct endpoint ep;
	uint64_t before = gw.uplinks[ul].rx_dropped;

	ck_assert_int_eq(endpoint_parse(from, &ep, NULL), 0);
	prober_input(&gw, ul, &ep, msg, len);
	return gw.uplinks[ul].rx_dropped == before;
}

static bool accepted(const uint8_t *msg, size_t len, const char *from)
{
	return accepted_on(0, msg, len, from);
}

START_TEST(clock_ahead_recovers)
{
	uint8_t msg[128];
	uint64_t now = clock_realtime_ns(), hour = 3600ull * 1000000000ull;
	size_t n;

	/* B's daemon, its clock an hour ahead: probes flow. */
	n = probe_of_b(msg, 0x1111, now + hour);
	ck_assert(accepted(msg, n, "127.0.0.2:40000"));
	/* NTP corrects B's clock, B's daemon restarts (new sender id). */
	n = probe_of_b(msg, 0x2223, now + 1000);
	ck_assert_msg(accepted(msg, n, "127.0.0.2:40000"),
		      "a peer whose clock was ahead is locked out after it restarts "
		      "with the right time (issue 9 #17, for probes)");
}
END_TEST

START_TEST(stale_replay_refused)
{
	uint8_t msg[128];
	uint64_t day = 86400ull * 1000000000ull;

	/* Recorded two days ago; our peer state is new (restart, re-listed). */
	size_t n;

	n = probe_of_b(msg, 0x1111, clock_realtime_ns() - 2 * day);
	ck_assert_msg(!accepted(msg, n, "127.0.0.66:666"),
		      "a day-old recorded probe is accepted and answered (to any address)");
}
END_TEST

START_TEST(probe_key_made_on_first_use)
{
	uint8_t msg[128];
	size_t n = probe_of_b(msg, 0x1111, clock_realtime_ns());

	ck_assert_msg(!peer.probe_key_ready && !peer.hs.ss_ready,
		      "the X25519 is paid when the peer is learnt, not when it is first probed");
	/* B sealed with its side of the static DH: our derived key must open it. */
	ck_assert(accepted(msg, n, "127.0.0.2:40000"));
	ck_assert(peer.probe_key_ready && peer.hs.ss_ready);
}
END_TEST

/*
 * A reply comes back to the socket its probe left from, and names it
 * (dst_uplink): one that arrives on another uplink was sent there by
 * someone else (a capture replayed across uplinks) and is dropped.
 */
START_TEST(reply_on_other_uplink_refused)
{
	uint8_t msg[128];
	uint64_t now = clock_realtime_ns();
	size_t n;

	gw.n_uplinks = 2;
	gw.uplinks[1].fd = -1;
	n = msg_of_b(msg, PROTO_T_PROBE_REPLY, 0, 0x1111, now);
	ck_assert_msg(!accepted_on(1, msg, n, "127.0.0.2:40000"),
		      "a reply to wan1's probe is taken on wan2");
	n = msg_of_b(msg, PROTO_T_PROBE_REPLY, 1, 0x1111, now + 1);
	ck_assert(accepted_on(1, msg, n, "127.0.0.2:40000"));
	/* A probe is named by where it arrived, wherever it was aimed. */
	n = msg_of_b(msg, PROTO_T_PROBE, 0, 0x1111, now + 2);
	ck_assert(accepted_on(1, msg, n, "127.0.0.2:40000"));
}
END_TEST

START_TEST(replay_refused)
{
	uint8_t msg[128];
	size_t n = probe_of_b(msg, 0x1111, clock_realtime_ns());

	ck_assert(accepted(msg, n, "127.0.0.2:40000"));
	ck_assert(!accepted(msg, n, "127.0.0.2:40000"));
	ck_assert(!accepted(msg, n, "127.0.0.66:666"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gateway_prober");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, clock_ahead_recovers);
	tcase_add_test(tc, stale_replay_refused);
	tcase_add_test(tc, replay_refused);
	tcase_add_test(tc, reply_on_other_uplink_refused);
	tcase_add_test(tc, probe_key_made_on_first_use);
	return unit_run(s, tc);
}
