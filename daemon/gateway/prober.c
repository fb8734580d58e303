// SPDX-License-Identifier: GPL-2.0
/*
 * prober.c - PROBE / PROBE_REPLY on the wire: hole punching, path liveness
 * and measurements for every peer (the logic per path is path.c's).
 *
 * Probes are sealed between the two gateways' static keys (wire/seal,
 * per-peer replay window), so only the peer can make us change a path's
 * remote endpoint, and a probe works before any handshake. Every probe is
 * answered from the socket it arrived on, to the address it came from:
 * that answer is what opens the prober's NAT. A probe also tells which key
 * the peer sends with (keys.c swaps on it).
 *
 * Input is checked in order of cost: size and header, known sender, replay
 * window, then one AEAD open; a failing datagram is dropped and counted.
 */
#include <errno.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "gateway.h"
#include "nl/avpnl.h"
#include "nl/avpnl_peer.h"
#include "wire/probe.h"

/*
 * The probe key comes from the handshake's static DH (one X25519 per peer),
 * made when the peer is first probed or probes us, not when it is learnt.
 */
static const struct seal_key *probe_key(struct gw *gw, struct gw_peer *p)
{
	const uint8_t *ss;

	if (!p->probe_key_ready) {
		ss = handshake_peer_ss(&gw->hs_id, &p->hs);
		if (!ss || seal_precompute_dh(&p->probe_key, ss, p->pk, gw->pk)) {
			/* Not for a key peer_new accepted; said once if it happens. */
			if (!p->probe_key_bad)
				log_msg(LOG_ERR, "%s: no probe key from its public key", p->name);
			p->probe_key_bad = true;
			return NULL;
		}
		p->probe_key_ready = true;
	}
	return &p->probe_key;
}

static void send_sealed(struct gw *gw, struct gw_peer *p, unsigned int ul, uint8_t type,
			const struct endpoint *to, const struct probe *pr)
{
	uint8_t body[PROBE_BODY_LEN], msg[SEAL_OVERHEAD + PROBE_BODY_LEN];
	const struct seal_key *key = probe_key(gw, p);
	ssize_t blen, n;

	blen = key ? probe_encode(body, sizeof(body), pr) : -EINVAL;
	if (blen < 0)
		return;
	n = seal_msg(msg, sizeof(msg), type, gw->probe_sender_id, gw->pk,
		     seal_next_counter(&gw->probe_ctr), key, body, (size_t)blen);
	if (n > 0)
		uplink_send(gw, ul, to, msg, (size_t)n);
}

/* Path changes are what an operator looks for first: always logged. */
static void log_change(const struct gw_peer *p, const struct path *pa, int ch)
{
	char ep[ENDPOINT_STRLEN] = "-";

	if (!ch)
		return;
	if (pa->has_remote)
		endpoint_format(&pa->remote, ep, sizeof(ep));
	log_msg(LOG_INFO, "%s: path %s->%s %s, remote %s (%s)", p->name, gwconf_uplink_name(pa->lu),
		gwconf_uplink_name(pa->ru), path_state_name(pa->state), ep, pa->reason);
}

static uint8_t cur_key(const struct gw_peer *p)
{
	return p->cur_key_id >= 0 ? (uint8_t)p->cur_key_id : PROBE_NO_KEY;
}

static void send_probe(void *ctx, struct path *pa, const struct endpoint *ep, uint32_t seq)
{
	struct gw_peer *p = ctx;
	struct probe pr = {
		.src_uplink = pa->lu,
		.dst_uplink = pa->ru,
		.key_id = cur_key(p),
		.seq = seq,
		.sent_us = clock_mono_us() + p->gw->probe_clock_offset,
	};

	send_sealed(p->gw, p, pa->lu, PROTO_T_PROBE, ep, &pr);
}

/* A dump's callback: the paths' receive counters of one peer. */
struct peer_rx {
	uint32_t id;
	bool found;
	size_t n_paths;
	struct {
		uint8_t id;
		uint64_t rx_packets;
	} paths[AUTOVPN_MAX_PATHS];
};

static int take_rx(const struct avpnl_peer *ap, void *arg)
{
	struct peer_rx *rx = arg;

	if (ap->id != rx->id)
		return 0;
	for (size_t i = 0; i < ap->n_paths && rx->n_paths < AUTOVPN_MAX_PATHS; i++) {
		rx->paths[rx->n_paths].id = ap->paths[i].id;
		rx->paths[rx->n_paths++].rx_packets = ap->paths[i].rx_packets;
	}
	rx->found = true;
	return 1; /* no more callbacks (avpnl_peer_dump() returns this 1) */
}

/*
 * The kernel's receive counters of p's paths. One PEER_GET; a peer with
 * more prefixes than one reply holds (about 130) gets EMSGSIZE there, and
 * then a dump, which continues such a peer over several messages: a hub's
 * subnets must not blind this check.
 */
static int read_rx(struct gw_peer *p, struct peer_rx *rx)
{
	struct gw *gw = p->gw;
	struct avpnl_peer kp;
	int err;

	memset(rx, 0, sizeof(*rx));
	rx->id = p->id;
	memset(&kp, 0, sizeof(kp));
	err = avpnl_peer_get(gw->nl, gw->ifindex, p->id, &kp);
	if (!err)
		take_rx(&kp, rx);
	avpnl_peer_clear(&kp);
	if (err == -EMSGSIZE)
		err = avpnl_peer_dump(gw->nl, gw->ifindex, take_rx, rx);
	/* Found is enough: a dump flagged as changed meanwhile (-EAGAIN)
	 * still read this peer's counters as they were. */
	if (rx->found)
		return 0;
	return err < 0 ? err : -ENOENT;
}

/*
 * Probes of an up path went unanswered: before calling it down, see whether
 * the kernel still receives DATA on it (the peer's daemon may be dead or
 * restarting while its kernel forwards). Only then.
 */
static void check_data(struct gw_peer *p, uint64_t now_ms)
{
	struct gw *gw = p->gw;
	struct peer_rx rx;
	bool want = false;
	int err;

	for (unsigned int k = 0; k < GW_MAX_PATHS; k++)
		want |= path_wants_data(&p->paths[k], now_ms, gw->opts.probe_ms);
	if (!want || !p->in_kernel)
		return;
	err = read_rx(p, &rx);
	if (err) {
		log_msg(LOG_DEBUG, "%s: reading its counters: %s", p->name,
			avpnl_errmsg(gw->nl) ?: strerror(-err));
		return;
	}
	for (size_t i = 0; i < rx.n_paths; i++) {
		if (rx.paths[i].id >= GW_MAX_PATHS)
			continue;
		log_msg(LOG_DEBUG, "%s: path %u received %llu packets", p->name, rx.paths[i].id,
			(unsigned long long)rx.paths[i].rx_packets);
		path_saw_data(&p->paths[rx.paths[i].id], rx.paths[i].rx_packets, now_ms);
	}
}

uint64_t prober_run(struct gw_peer *p, uint64_t now_ms)
{
	struct gw *gw = p->gw;
	uint64_t next = UINT64_MAX, n;
	int ch;

	check_data(p, now_ms);

	for (unsigned int k = 0; k < GW_MAX_PATHS; k++) {
		struct path *pa = &p->paths[k];

		if (!path_uplink_configured(gw, pa))
			continue;
		ch = path_tick(pa, now_ms, gw->opts.probe_ms, send_probe, p, &n);
		log_change(p, pa, ch);
		if (n < next)
			next = n;
	}
	return next;
}

void prober_input(struct gw *gw, unsigned int ul, const struct endpoint *from, const uint8_t *msg,
		  size_t len)
{
	uint8_t pt[PROBE_BODY_LEN + 1];
	struct seal_hdr h;
	const struct seal_key *key;
	struct gw_peer *p;
	struct path *pa;
	struct probe pr;
	uint64_t now_ns, replies;
	ssize_t n;
	int ch;

	if (len != SEAL_OVERHEAD + PROBE_BODY_LEN || seal_peek(msg, len, &h))
		goto drop;
	p = peer_find(gw, h.sender_pk);
	/*
	 * Per life of the peer's daemon and fresh by the clock (replay.h): a
	 * peer whose clock ran ahead comes back with its next life, and a
	 * probe recorded before our own restart is not taken again.
	 */
	now_ns = clock_realtime_ns();
	if (!p || replay_state_check(&p->probe_rs, h.sender_id, h.counter, now_ns,
				     (uint64_t)PROBE_MAX_SKEW_S * CLOCK_NS_PER_SEC))
		goto drop;
	key = probe_key(gw, p);
	n = key ? seal_open(pt, sizeof(pt), msg, len, key) : -EINVAL;
	if (n != PROBE_BODY_LEN)
		goto drop;
	replay_state_update(&p->probe_rs, h.sender_id, h.counter);
	if (probe_decode(pt, (size_t)n, &pr))
		goto drop;
	/* The path is named by where it really arrived, not where it was aimed. */
	pa = peer_path(p, ul, pr.src_uplink);
	if (h.type == PROTO_T_PROBE) {
		struct probe reply = {
			.src_uplink = (uint8_t)ul,
			.dst_uplink = pr.src_uplink,
			.key_id = cur_key(p),
			.seq = pr.seq,
			.sent_us = pr.sent_us,
		};

		send_sealed(gw, p, ul, PROTO_T_PROBE_REPLY, from, &reply);
		ch = path_on_probe(pa, from, clock_mono_ms());
		/* The new address gets its probe now (path_on_probe). */
		if (pa->check_learnt)
			loop_timer_start(gw->loop, &p->timer, 0, 0);
	} else {
		/*
		 * A reply comes back to the socket its probe left from; one
		 * that arrived elsewhere was sent there by someone else.
		 */
		if (pr.dst_uplink != ul)
			goto drop;
		pr.sent_us -= gw->probe_clock_offset;
		replies = pa->replies;
		ch = path_on_reply(pa, from, &pr, clock_mono_ms(), clock_mono_us());
		/*
		 * The key the peer uses, from replies to our probes of this
		 * life only (path_on_reply counted it): a PROBE may be a
		 * recording, and one naming the key of a replayed initiation
		 * would swap that key in.
		 */
		if (pa->replies != replies && pr.key_id != PROBE_NO_KEY)
			keys_peer_uses(p, pr.key_id);
	}
	log_change(p, pa, ch);
	if (ch) {
		peer_update(p);
		/* Reschedule: a new path probes at once, an up one less often. */
		loop_timer_start(gw->loop, &p->timer, 0, 0);
	}
	return;
drop:
	gw->uplinks[ul].rx_dropped++;
}
