// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/gateway/path.c: hole punching to every candidate,
 * first answer wins, down after unanswered probes, following a peer whose
 * NAT mapping changes, loss and RTT figures.
 */
#include <check.h>
#include "unit.h"
#include <string.h>

#include "path.h"
#include "wire/proto.h"

struct sent {
	struct endpoint ep;
	uint32_t seq;
};
static struct sent sent[64];
static unsigned int n_sent;

static void record(void *ctx, struct path *p, const struct endpoint *ep, uint32_t seq)
{
	(void)ctx;
	(void)p;
	ck_assert_uint_lt(n_sent, 64);
	sent[n_sent].ep = *ep;
	sent[n_sent++].seq = seq;
}

static struct endpoint ep(const char *s)
{
	struct endpoint e;

	ck_assert_int_eq(endpoint_parse(s, &e, NULL), 0);
	return e;
}

static struct probe reply_to(uint32_t seq, uint64_t sent_us)
{
	struct probe pr = { .src_uplink = 0,
			    .dst_uplink = 0,
			    .key_id = PROBE_NO_KEY,
			    .seq = seq,
			    .sent_us = sent_us };
	return pr;
}

static void setup(void)
{
	n_sent = 0;
}

static int tick(struct path *p, uint64_t now, uint64_t *next)
{
	return path_tick(p, now, 1000, record, NULL, next);
}

/* A path to @c, up by the answer at @now ms to its first probe (sent at 0). */
static void up_path(struct path *p, const struct path_cand *c, uint64_t now)
{
	struct probe pr;
	uint64_t next;

	path_init(p, true, 0, 0);
	path_set_candidates(p, c, 1, 0);
	tick(p, 0, &next);
	pr = reply_to(sent[0].seq, 0);
	path_on_reply(p, &c->ep, &pr, now, now * 1000);
	ck_assert(path_is_up(p));
}

START_TEST(punch_all_then_first_answer_wins)
{
	struct path p;
	struct path_cand c[2] = {
		{ .ep = ep("198.18.1.2:40000"), .kind = PROTO_EP_PUBLIC },
		{ .ep = ep("172.16.1.2:40000"), .kind = PROTO_EP_PRIVATE },
	};
	struct probe pr;
	uint64_t next;
	int ch;

	path_init(&p, true, 1, 0);
	ck_assert_uint_eq(p.id, 2);
	ck_assert_int_eq(p.state, PATH_IDLE);
	ck_assert_int_eq(tick(&p, 0, &next), 0);
	ck_assert_uint_eq(n_sent, 0);
	ck_assert_int_eq(path_set_candidates(&p, c, 2, 100), PATH_CH_STATE);
	ck_assert_int_eq(p.state, PATH_PUNCHING);
	/* Both candidates get a probe now, and again a quarter interval later. */
	tick(&p, 100, &next);
	ck_assert_uint_eq(n_sent, 2);
	ck_assert(endpoint_equal(&sent[0].ep, &c[0].ep));
	ck_assert(endpoint_equal(&sent[1].ep, &c[1].ep));
	ck_assert_uint_eq(next, 350);
	tick(&p, 349, &next);
	ck_assert_uint_eq(n_sent, 2);
	tick(&p, 350, &next);
	ck_assert_uint_eq(n_sent, 4);
	/* The public endpoint answers the first probe: UP, remote = public. */
	pr = reply_to(sent[0].seq, 100000);
	ch = path_on_reply(&p, &c[0].ep, &pr, 400, 130000);
	ck_assert_int_eq(ch, PATH_CH_STATE | PATH_CH_REMOTE);
	ck_assert(path_is_up(&p));
	ck_assert(endpoint_equal(&p.remote, &c[0].ep));
	ck_assert_uint_eq(p.remote_kind, PROTO_EP_PUBLIC);
	ck_assert_uint_eq(p.rtt_us, 30000);
	/* A later answer from the private address does not move it while public answers. */
	pr = reply_to(sent[3].seq, 350000);
	ch = path_on_reply(&p, &c[1].ep, &pr, 410, 360000);
	ck_assert_int_eq(ch, 0);
	ck_assert(endpoint_equal(&p.remote, &c[0].ep));
	/* Up: probes go to the remote only. */
	n_sent = 0;
	tick(&p, 2000, &next);
	ck_assert_uint_eq(n_sent, 1);
	ck_assert(endpoint_equal(&sent[0].ep, &c[0].ep));
}
END_TEST

START_TEST(down_after_unanswered_probes)
{
	struct path p;
	struct path_cand c = { .ep = ep("198.18.1.2:40000"), .kind = PROTO_EP_PUBLIC };
	uint64_t next, now;
	int ch = 0;

	up_path(&p, &c, 10);
	ck_assert(path_is_up(&p));
	/* Nothing answers any more: down once 3 intervals passed, not before. */
	for (now = 1000; now <= 3010 && !ch; now += 1000)
		ch = tick(&p, now, &next);
	ck_assert_int_eq(ch, 0);
	ck_assert_uint_eq(next, 3011);
	ch = tick(&p, 3011, &next);
	ck_assert_int_eq(ch, PATH_CH_STATE);
	ck_assert_int_eq(p.state, PATH_DOWN);
	/* Down: back to probing every candidate and the last remote (here the same). */
	n_sent = 0;
	tick(&p, 3011, &next);
	tick(&p, 3300, &next);
	ck_assert_uint_ge(n_sent, 1);
	ck_assert(endpoint_equal(&sent[0].ep, &c.ep));
}
END_TEST

START_TEST(follows_nat_mapping_change)
{
	struct path p;
	struct path_cand c = { .ep = ep("198.18.3.2:40000"), .kind = PROTO_EP_PUBLIC };
	struct endpoint moved = ep("198.18.3.2:41234"), other = ep("203.0.113.9:5555");
	struct probe pr;
	uint64_t next;
	unsigned int i;

	up_path(&p, &c, 10);
	/* While replies come from the remote, a probe from elsewhere is punching noise. */
	ck_assert_int_eq(path_on_probe(&p, &moved, 500), 0);
	n_sent = 0;
	tick(&p, 1000, &next);
	ck_assert_uint_eq(n_sent, 1);
	ck_assert(endpoint_equal(&sent[0].ep, &c.ep));
	/*
	 * Replies stopped and the peer's probes now come from a new port. The
	 * probe alone moves nothing (it may be a recording): the new address
	 * gets a probe of ours at once, next to the remote's.
	 */
	ck_assert_int_eq(path_on_probe(&p, &moved, 1500), 0);
	ck_assert(endpoint_equal(&p.remote, &c.ep));
	n_sent = 0;
	tick(&p, 1500, &next);
	ck_assert_uint_eq(n_sent, 2);
	ck_assert(endpoint_equal(&sent[0].ep, &c.ep));
	ck_assert(endpoint_equal(&sent[1].ep, &moved));
	/* An answer from a third address moves nothing either. */
	pr = reply_to(sent[1].seq, 1500 * 1000);
	ck_assert_int_eq(path_on_reply(&p, &other, &pr, 1510, 1510 * 1000), 0);
	ck_assert(endpoint_equal(&p.remote, &c.ep));
	/* The new address answers: follow. */
	ck_assert_int_eq(path_on_reply(&p, &moved, &pr, 1520, 1520 * 1000), PATH_CH_REMOTE);
	ck_assert(endpoint_equal(&p.remote, &moved));
	ck_assert_uint_eq(p.remote_kind, PATH_KIND_LEARNT);
	n_sent = 0;
	tick(&p, 2600, &next);
	ck_assert_uint_eq(n_sent, 1);
	ck_assert(endpoint_equal(&sent[0].ep, &moved));

	/* Replayed probes from a spoofed source, and no answer from it: stays. */
	n_sent = 0;
	up_path(&p, &c, 10);
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(path_on_probe(&p, &other, 1500 + i * 1000), 0);
		tick(&p, 1500 + i * 1000, &next);
	}
	ck_assert(endpoint_equal(&p.remote, &c.ep));
}
END_TEST

START_TEST(peer_probe_starts_punching)
{
	struct path p;
	struct endpoint from = ep("203.0.113.10:51625");
	uint64_t next;

	/* The registry told us nothing yet, but the peer found us: probe back. */
	path_init(&p, true, 0, 1);
	ck_assert_int_eq(path_on_probe(&p, &from, 50), PATH_CH_STATE);
	ck_assert_int_eq(p.state, PATH_PUNCHING);
	tick(&p, 50, &next);
	ck_assert_uint_eq(n_sent, 1);
	ck_assert(endpoint_equal(&sent[0].ep, &from));
}
END_TEST

START_TEST(loss_and_stale_replies)
{
	struct path p;
	struct path_cand c = { .ep = ep("198.18.1.2:40000"), .kind = PROTO_EP_PUBLIC };
	struct probe pr;
	uint64_t next, now = 0, heard;
	unsigned int i;

	up_path(&p, &c, 1);
	/* 40 probes, every 4th unanswered: 25 % loss. */
	for (i = 0; i < 40; i++) {
		n_sent = 0;
		now += 1000;
		tick(&p, now, &next);
		ck_assert_uint_eq(n_sent, 1);
		if (i % 4 != 3) {
			pr = reply_to(sent[0].seq, now * 1000);
			path_on_reply(&p, &c.ep, &pr, now + 5, now * 1000 + 5000);
		}
	}
	ck_assert(path_is_up(&p));
	ck_assert_uint_ge(path_loss(&p), 2200);
	ck_assert_uint_le(path_loss(&p), 2800);
	/* A reply to a probe never sent, or far too old, is ignored. */
	pr = reply_to(p.seq + 5, 0);
	ck_assert_int_eq(path_on_reply(&p, &c.ep, &pr, now, now * 1000), 0);
	pr = reply_to(0, 0);
	ck_assert_int_eq(path_on_reply(&p, &c.ep, &pr, now, now * 1000), 0);
	/*
	 * A reply to a probe of another life of the daemon: its sent_us, on
	 * that life's clock offset, is not within PATH_REPLY_MAX_US of now.
	 */
	n_sent = 0;
	now += 1000;
	tick(&p, now, &next);
	heard = p.last_rx_ms;
	pr = reply_to(sent[0].seq, now * 1000 + 0x5a5a5a5a5a5aull);
	ck_assert_int_eq(path_on_reply(&p, &c.ep, &pr, now + 5, now * 1000 + 5000), 0);
	pr = reply_to(sent[0].seq, now * 1000 - PATH_REPLY_MAX_US);
	ck_assert_int_eq(path_on_reply(&p, &c.ep, &pr, now + 5, now * 1000 + 5000), 0);
	ck_assert_uint_eq(p.last_rx_ms, heard);
	pr = reply_to(sent[0].seq, now * 1000);
	path_on_reply(&p, &c.ep, &pr, now + 5, now * 1000 + 5000);
	ck_assert_uint_eq(p.last_rx_ms, now + 5);
}
END_TEST

START_TEST(candidates_update_keeps_up_path)
{
	struct path p;
	struct path_cand c1 = { .ep = ep("198.18.1.2:40000"), .kind = PROTO_EP_PUBLIC };
	struct path_cand c2 = { .ep = ep("198.18.1.2:40001"), .kind = PROTO_EP_PUBLIC };

	up_path(&p, &c1, 1);
	ck_assert_int_eq(path_set_candidates(&p, &c2, 1, 10), 0);
	ck_assert(path_is_up(&p));
	ck_assert(endpoint_equal(&p.remote, &c1.ep));
	/* Losing every candidate does not idle a path that works. */
	ck_assert_int_eq(path_set_candidates(&p, NULL, 0, 20), 0);
	ck_assert(path_is_up(&p));
}
END_TEST

/*
 * The same candidates again, built in memory that held something else (the
 * caller's stack): nothing changed, so the quick probes do not start over
 * (a memcmp that took the padding in said they had, now and then).
 */
START_TEST(same_candidates_whatever_the_padding)
{
	struct path p;
	struct path_cand a[2], b[2];
	uint64_t next;

	memset(a, 0xaa, sizeof(a));
	memset(b, 0x55, sizeof(b));
	a[0].ep = ep("198.18.1.2:40000");
	a[1].ep = ep("10.0.0.2:40000");
	a[0].kind = b[0].kind = PROTO_EP_PUBLIC;
	a[1].kind = b[1].kind = PROTO_EP_PRIVATE;
	/* The same endpoints, each byte of its own written another way. */
	b[0].ep.addr.family = a[0].ep.addr.family;
	memcpy(b[0].ep.addr.bytes, a[0].ep.addr.bytes, 4);
	b[0].ep.port = a[0].ep.port;
	b[1].ep.addr.family = a[1].ep.addr.family;
	memcpy(b[1].ep.addr.bytes, a[1].ep.addr.bytes, 4);
	b[1].ep.port = a[1].ep.port;
	path_init(&p, true, 0, 0);
	path_set_candidates(&p, a, 2, 0);
	tick(&p, 0, &next);
	ck_assert_uint_gt(p.next_probe_ms, 0);
	ck_assert_int_eq(path_set_candidates(&p, b, 2, 100), 0);
	ck_assert_uint_gt(p.next_probe_ms, 100); /* not "probe now" again */
}
END_TEST

START_TEST(data_keeps_path_up)
{
	struct path p;
	struct path_cand c = { .ep = ep("198.18.1.2:40000"), .kind = PROTO_EP_PUBLIC };
	uint64_t next;

	up_path(&p, &c, 10);
	/* Probes stop being answered (the peer's daemon died)... */
	ck_assert(!path_wants_data(&p, 1000, 1000));
	ck_assert(path_wants_data(&p, 1600, 1000));
	/* ...but its kernel keeps sending: the counter moves, the path stays up. */
	path_saw_data(&p, 100, 1600);
	path_saw_data(&p, 250, 3000);
	ck_assert_int_eq(tick(&p, 3011, &next), 0);
	ck_assert(path_is_up(&p));
	path_saw_data(&p, 400, 5000);
	ck_assert_int_eq(tick(&p, 7000, &next), 0);
	ck_assert(path_is_up(&p));
	/* The counter stops: down three intervals after the last DATA. */
	path_saw_data(&p, 400, 7500);
	ck_assert_int_eq(tick(&p, 8001, &next), PATH_CH_STATE);
	ck_assert_int_eq(p.state, PATH_DOWN);
	/* DATA does not bring it back (it may be counted under the sender's
	 * idea of the path, from an address we no longer know): a reply must. */
	path_saw_data(&p, 450, 9000);
	ck_assert_int_eq(tick(&p, 9001, &next), 0);
	ck_assert_int_eq(p.state, PATH_DOWN);
}
END_TEST

/*
 * Both ends name a physical pair of uplinks by the same id (the sender's id
 * is in every DATA packet; the receiver counts and accepts under it), and
 * each end's four paths have four different ids.
 */
START_TEST(path_ids_agree_between_ends)
{
	uint8_t seen_a = 0, seen_b = 0;

	for (uint8_t a = 0; a < 2; a++) {
		for (uint8_t b = 0; b < 2; b++) {
			/* Gateway A (first) on uplink a, gateway B on uplink b. */
			ck_assert_uint_eq(path_id(true, a, b), path_id(false, b, a));
			ck_assert_uint_lt(path_id(true, a, b), 4);
			seen_a |= (uint8_t)(1u << path_id(true, a, b));
			seen_b |= (uint8_t)(1u << path_id(false, b, a));
		}
	}
	ck_assert_uint_eq(seen_a, 0xf);
	ck_assert_uint_eq(seen_b, 0xf);
	/* The cross pairs: A.wan1-B.wan2 is 1 on both ends, A.wan2-B.wan1 is 2. */
	ck_assert_uint_eq(path_id(true, 0, 1), 1);
	ck_assert_uint_eq(path_id(false, 1, 0), 1);
	ck_assert_uint_eq(path_id(false, 0, 1), 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("path");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, punch_all_then_first_answer_wins);
	tcase_add_test(tc, down_after_unanswered_probes);
	tcase_add_test(tc, follows_nat_mapping_change);
	tcase_add_test(tc, peer_probe_starts_punching);
	tcase_add_test(tc, loss_and_stale_replies);
	tcase_add_test(tc, candidates_update_keeps_up_path);
	tcase_add_test(tc, same_candidates_whatever_the_padding);
	tcase_add_test(tc, data_keeps_path_up);
	tcase_add_test(tc, path_ids_agree_between_ends);
	return unit_run(s, tc);
}
