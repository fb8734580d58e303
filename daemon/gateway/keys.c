// SPDX-License-Identifier: GPL-2.0
/*
 * keys.c - handshakes with peers and the kernel's key slots.
 *
 * The Noise IKpsk2 state machine is wire/handshake.c's; here it meets the
 * sockets, the clock and the kernel:
 *
 *   - A peer needs a handshake when it has no current key, when its key
 *     reaches the rekey age (120 s after the handshake for the side that
 *     initiated it, 10 s later for the other, so both rarely start at
 *     once), or when the kernel says so (KEY_REKEY / KEY_EXPIRED events:
 *     packet counts). The initiation goes over the peer's best UP path.
 *   - Responder: on HS_INIT it installs the new key in the kernel's NEXT
 *     slot (it can receive under it at once) and only then answers. It
 *     swaps NEXT in when the initiator shows it uses the key: the key id
 *     in its replies to our probes. Until then it keeps sending with
 *     CURRENT, which the initiator still has as PREVIOUS, so no packet is
 *     lost either way;
 *     and a recorded initiation replayed after our restart (its timestamp
 *     is new to us then) does not redirect the key in use. The key ids
 *     come from replies to our own probes only (prober.c), which a
 *     recording cannot make.
 *   - Replies naming a key we do not hold start a handshake.
 *   - Initiator: on HS_RESP the responder provably has the key: install
 *     it in NEXT and swap at once.
 *   - The kernel's limits (reject after 180 s or the packet limit) are the
 *     fail-closed backstop if this daemon stops.
 *
 * Flood protection is the handshake layer's: MAC1 on everything, cookies
 * and MAC2 when more than a threshold of handshake messages arrive per
 * second, and then a per-source token bucket.
 */
#include <errno.h>
#include <poll.h>
#include <sys/epoll.h>
#include <string.h>
#include <sodium.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/ratelimit.h"
#include "gateway.h"
#include "nl/avpnl.h"
#include "nl/avpnl_peer.h"
#include "nl/avpnl_key.h"
#include "nl/avpnl_event.h"
#include "wire/hsmsg.h"

#define NS_PER_MS 1000000ull
/* The kernel's lifetime of a key (it refuses it after this). */
#define KEY_LIFETIME_MS (AUTOVPN_KEY_DEFAULT_LIFETIME_SECS * 1000ull)
/* After giving up on an unanswered handshake, wait before a new series. */
#define RETRY_PAUSE_MS 5000
/* A new key by count at most this often (rekey_due()). */
#define REKEY_MIN_GAP_MS 5000
/* A key we answered waits this long at least for the initiator's replies. */
#define NEXT_WAIT_MIN_MS 5000
/* The peer's replies name a key we do not hold this often, this long: handshake. */
#define FOREIGN_KEY_PROBES 3
#define FOREIGN_KEY_MS 2000
/* ... and a handshake for that at most this often. */
#define FOREIGN_KEY_GAP_MS 10000

static uint64_t now_ns(void)
{
	return clock_mono_ms() * NS_PER_MS;
}

bool keys_usable(const struct gw_peer *p, uint64_t now_ms)
{
	return p->cur_key_id >= 0 && now_ms - p->key_ms < KEY_LIFETIME_MS;
}

static void note_slots(struct gw_peer *p)
{
	handshake_peer_set_key_ids(&p->hs, p->cur_key_id, p->prev_key_id);
}

static int kernel_tx_index(struct gw_peer *p, uint32_t tx_index)
{
	struct avpnl_peer req;
	int err;

	if (p->tx_index == tx_index)
		return 0;
	memset(&req, 0, sizeof(req));
	req.id = p->id;
	req.set = AVPNL_PEER_TX_INDEX;
	req.tx_index = tx_index;
	err = avpnl_peer_set(p->gw->nl, p->gw->ifindex, &req);
	if (!err)
		p->tx_index = tx_index;
	return err;
}

/*
 * NEXT becomes CURRENT, with the transmit index its handshake gave (the
 * peer's receive index: it changes only when the peer's daemon restarts).
 * Not before: an initiation replayed from an earlier life of the peer
 * carries an index that life had, and must not redirect the key in use.
 */
static int kernel_swap(struct gw_peer *p)
{
	int err = kernel_tx_index(p, p->next_tx_index);

	if (!err)
		err = avpnl_key_swap(p->gw->nl, p->gw->ifindex, p->id);
	if (err) {
		log_msg(LOG_ERR, "%s: key swap: %s", p->name,
			avpnl_errmsg(p->gw->nl) ?: strerror(-err));
		return err;
	}
	p->prev_key_id = p->cur_key_id;
	p->cur_key_id = p->next_key_id;
	p->next_key_id = -1;
	p->key_ms = p->next_key_ms;
	p->hs_next_ms = 0;  /* a request for a new key (on_event) is answered */
	p->hs_pause_ms = 0; /* and the kernel takes keys again */
	p->foreign_key_probes = 0;
	note_slots(p);
	return 0;
}

/*
 * Installs the handshake's key in the kernel's NEXT slot. Its transmit
 * index and its age (key_ms) take effect at the swap: until then CURRENT
 * is the key in use, also for the rekey timer.
 */
static int kernel_install(struct gw_peer *p, const struct handshake_keys *k)
{
	struct gw *gw = p->gw;
	struct avpnl_key key;
	int err;

	memset(&key, 0, sizeof(key));
	key.slot = AUTOVPN_KEY_SLOT_NEXT;
	key.id = k->key_id;
	memcpy(key.enc_key, k->tx_key, sizeof(key.enc_key));
	memcpy(key.enc_salt, k->tx_salt, sizeof(key.enc_salt));
	memcpy(key.dec_key, k->rx_key, sizeof(key.dec_key));
	memcpy(key.dec_salt, k->rx_salt, sizeof(key.dec_salt));
	if (gw->opts.rekey_packets) {
		/* The kernel's key-rekey event at this count starts a handshake (on_event). */
		key.rekey_packets = gw->opts.rekey_packets;
		key.set |= AVPNL_KEY_REKEY_PACKETS;
	}
	err = avpnl_key_new(gw->nl, gw->ifindex, p->id, &key);
	if (err == -EEXIST && p->prev_key_id == k->key_id) {
		/* The id is still in PREVIOUS (ids wrap): that key goes anyway. */
		avpnl_key_del(gw->nl, gw->ifindex, p->id, AUTOVPN_KEY_SLOT_PREVIOUS);
		p->prev_key_id = -1;
		err = avpnl_key_new(gw->nl, gw->ifindex, p->id, &key);
	}
	avpnl_key_wipe(&key);
	if (err)
		goto fail;
	p->next_key_id = k->key_id;
	p->next_key_ms = clock_mono_ms();
	p->next_tx_index = k->remote_index;
	/*
	 * A handshake due (the kernel asked for a new key) stays due until
	 * the swap: a peer that never names this key (its reply lost) must
	 * not leave the old key running on to its age. keys_run() waits for
	 * the NEXT key's wait to end before it starts one.
	 */
	return 0;
fail:
	log_msg(LOG_ERR, "%s: installing key %u: %s", p->name, k->key_id,
		avpnl_errmsg(gw->nl) ?: strerror(-err));
	return err;
}

/* The UP path with the lowest RTT (any punched path if none is up). */
static const struct path *best_path(const struct gw_peer *p)
{
	const struct path *best = NULL;

	for (unsigned int k = 0; k < GW_MAX_PATHS; k++) {
		const struct path *pa = &p->paths[k];

		if (!path_uplink_configured(p->gw, pa) || !pa->has_remote)
			continue;
		if (!best || (path_is_up(pa) && !path_is_up(best)) ||
		    (path_is_up(pa) == path_is_up(best) && pa->rtt_us < best->rtt_us))
			best = pa;
	}
	return best && path_is_up(best) ? best : NULL;
}

/* 0, or the error that kept the initiation from being made (nothing sent). */
static int send_initiation(struct gw_peer *p, const struct path *pa, uint64_t now_ms)
{
	uint8_t msg[HSMSG_INIT_LEN];
	int err;

	err = handshake_initiate(&p->gw->hs_id, &p->hs, now_ms * NS_PER_MS, clock_realtime_ns(),
				 msg);
	if (err) {
		log_msg(LOG_ERR, "%s: cannot create a handshake initiation: %s", p->name,
			strerror(-err));
		return err;
	}
	log_msg(LOG_DEBUG, "%s: handshake initiation over path %u", p->name, pa->id);
	uplink_send(p->gw, pa->lu, &pa->remote, msg, sizeof(msg));
	return 0;
}

/*
 * When to run again after an initiation could not be made: not at the
 * deadline that is already past (the timer ran in a loop), nor never.
 * Defensive: handshake_peer_init() refuses the public keys DH would, so
 * a configured peer's initiation does not fail (the probe timer runs
 * keys_run() more often anyway, and each run tries again).
 */
static uint64_t after_failed_initiation(const struct gw_peer *p, uint64_t now_ms)
{
	uint64_t end = handshake_attempt_end(&p->hs);

	if (end != UINT64_MAX && end / NS_PER_MS + 1 < now_ms + RETRY_PAUSE_MS)
		return end / NS_PER_MS + 1;
	return now_ms + RETRY_PAUSE_MS;
}

/*
 * How long a key we answered waits in NEXT for the initiator's replies to
 * name it before we start a handshake of our own (which would overwrite
 * it): the replies to our next probes, with room for a few lost.
 */
static uint64_t next_wait_end(const struct gw_peer *p)
{
	uint64_t wait = 2ull * p->gw->opts.probe_ms;

	if (p->next_key_id < 0)
		return 0;
	return p->next_key_ms + (wait > NEXT_WAIT_MIN_MS ? wait : NEXT_WAIT_MIN_MS);
}

static uint64_t rekey_at(const struct gw_peer *p)
{
	uint64_t secs = p->gw->opts.rekey_secs;

	if (!p->last_initiator)
		secs += GW_RESPONDER_REKEY_DELAY_SECS;
	return p->key_ms + secs * 1000;
}

uint64_t keys_run(struct gw_peer *p, uint64_t now_ms)
{
	const struct path *pa = best_path(p);
	uint64_t next = UINT64_MAX, due;
	bool need;

	if (p->hs.pending_active) {
		switch (handshake_timer(&p->hs, now_ms * NS_PER_MS)) {
		case HANDSHAKE_TIMER_RETRANSMIT:
			if (pa) {
				if (send_initiation(p, pa, now_ms))
					return after_failed_initiation(p, now_ms);
				break;
			}
			/*
			 * Nothing to send it on: it stays due, and a path
			 * coming up kicks us. Until then only the attempt's
			 * end is (its retransmit deadline is past: returned,
			 * it ran this timer in a loop for up to 90 s).
			 */
			due = handshake_attempt_end(&p->hs);
			return due != UINT64_MAX ? due / NS_PER_MS + 1 : UINT64_MAX;
		case HANDSHAKE_TIMER_GIVE_UP:
			log_msg(LOG_WARNING, "%s: no answer to handshakes for 90 s", p->name);
			p->hs_next_ms = now_ms + RETRY_PAUSE_MS;
			p->hs_pause_ms = p->hs_next_ms;
			break;
		default:
			break;
		}
		due = handshake_timer_deadline(&p->hs);
		if (p->hs.pending_active && due != UINT64_MAX)
			return due / NS_PER_MS + 1;
	}
	need = p->cur_key_id < 0 || now_ms >= rekey_at(p) ||
	       (p->hs_next_ms && now_ms >= p->hs_next_ms);
	if (p->hs_next_ms && now_ms < p->hs_next_ms && p->cur_key_id >= 0 && now_ms < rekey_at(p))
		need = false;
	/*
	 * After a series given up or a key the kernel refused, the next
	 * series waits, also for a key past its rekey age or none at all,
	 * and also if the current key dies or runs out meanwhile: a kernel
	 * that refuses keys is not helped by a handshake every round trip.
	 */
	if (now_ms < p->hs_pause_ms)
		need = false;
	if (now_ms < next_wait_end(p))
		need = false;
	if (need && !p->hs.pending_active) {
		if (!pa)
			return UINT64_MAX; /* a path coming up kicks us again */
		/*
		 * A request (hs_next_ms) stays due until a key is swapped in:
		 * this attempt may be dropped for the peer's (simultaneous
		 * initiation), whose key the peer may never name.
		 */
		if (send_initiation(p, pa, now_ms))
			return after_failed_initiation(p, now_ms);
		due = handshake_timer_deadline(&p->hs);
		return due != UINT64_MAX ? due / NS_PER_MS + 1 : UINT64_MAX;
	}
	/* Without a key a handshake is due now. */
	next = p->cur_key_id >= 0 ? rekey_at(p) : now_ms;
	if (p->hs_next_ms && p->hs_next_ms < next)
		next = p->hs_next_ms;
	if (next > now_ms) {
		due = next_wait_end(p);
		return due > now_ms && due < next ? due : next;
	}
	/*
	 * A handshake due now but held back (while NEXT waits to be named,
	 * or by a pause) runs when the first hold ends, not at once: the
	 * past deadline ran the peer's timer in a loop until then.
	 */
	next = UINT64_MAX;
	if (p->hs_next_ms > now_ms)
		next = p->hs_next_ms;
	if (p->hs_pause_ms > now_ms && p->hs_pause_ms < next)
		next = p->hs_pause_ms;
	due = next_wait_end(p);
	if (due > now_ms && due < next)
		next = due;
	return next;
}

void keys_peer_uses(struct gw_peer *p, uint8_t key_id)
{
	uint64_t now = clock_mono_ms();

	if (p->next_key_id >= 0 && key_id == (uint8_t)p->next_key_id) {
		if (!kernel_swap(p)) {
			log_msg(LOG_DEBUG, "%s: peer uses key %u: swapped in", p->name, key_id);
			peer_update(p);
		}
		return;
	}
	if ((p->cur_key_id >= 0 && key_id == (uint8_t)p->cur_key_id) ||
	    (p->prev_key_id >= 0 && key_id == (uint8_t)p->prev_key_id)) {
		p->foreign_key_probes = 0;
		return;
	}
	/*
	 * The peer sends with a key we do not hold (one we answered was
	 * replaced before it named it, or we took a replayed initiation),
	 * so nothing it sends reaches us. If that lasts, a handshake puts
	 * both on one key again; not at the first probe, which may be late.
	 */
	if (!p->foreign_key_probes++)
		p->foreign_key_ms = now;
	if (p->foreign_key_probes < FOREIGN_KEY_PROBES || now - p->foreign_key_ms < FOREIGN_KEY_MS)
		return;
	p->foreign_key_probes = 0;
	if (p->hs.pending_active || (p->hs_next_ms && p->hs_next_ms <= now))
		return;
	/* At most so often: a peer that never catches up must not get a storm. */
	if (p->foreign_hs_ms && now - p->foreign_hs_ms < FOREIGN_KEY_GAP_MS)
		return;
	p->foreign_hs_ms = now;
	log_msg(LOG_INFO, "%s: the peer sends with key %u, which we do not hold: new handshake",
		p->name, key_id);
	p->hs_next_ms = now;
	loop_timer_start(p->gw->loop, &p->timer, 0, 0);
}

static struct handshake_peer *lookup(void *ctx, const uint8_t pub[32])
{
	struct gw_peer *p = peer_find(ctx, pub);

	return p ? &p->hs : NULL;
}

static struct gw_peer *peer_of_hs(struct gw *gw, struct handshake_peer *hs)
{
	for (uint32_t i = 0; i < gw->n_peers; i++)
		if (&gw->peers[i]->hs == hs)
			return gw->peers[i];
	return NULL;
}

/* 0, or -EIO when the kernel refused the key (the handshake is lost). */
static int completed(struct gw_peer *p, const struct handshake_keys *k, bool initiator)
{
	if (kernel_install(p, k)) {
		uint64_t retry = clock_mono_ms() + RETRY_PAUSE_MS;

		/*
		 * Not one handshake per round trip: a request stays due, and
		 * whatever starts the next series (a request, the rekey age,
		 * no key at all) waits for the pause.
		 */
		if (p->hs_next_ms && p->hs_next_ms < retry)
			p->hs_next_ms = retry;
		p->hs_pause_ms = retry;
		return -EIO;
	}
	p->last_initiator = initiator;
	/* The initiator knows the responder has the key. */
	if (initiator)
		kernel_swap(p);
	log_msg(LOG_INFO, "%s: handshake complete (%s), key %u", p->name,
		initiator ? "initiator" : "responder", k->key_id);
	peer_update(p);
	loop_timer_start(p->gw->loop, &p->timer, 0, 0);
	return 0;
}

void keys_input(struct gw *gw, unsigned int ul, const struct endpoint *from, const uint8_t *msg,
		size_t len)
{
	struct sockaddr_storage ss;
	struct handshake_reply reply;
	struct handshake_keys k;
	struct handshake_peer *hsp = NULL;
	struct handshake_rx rx;
	struct gw_peer *p = NULL;
	uint32_t idx;
	int r;

	endpoint_to_sockaddr(from, &ss);
	rx.msg = msg;
	rx.len = len;
	rx.src = (struct sockaddr *)&ss;
	rx.now_ns = now_ns();
	rx.under_load = handshake_load_note_msg(&gw->hs_id, msg, len, rx.now_ns);
	reply.len = 0;
	memset(&k, 0, sizeof(k));

	switch (hsmsg_type(msg, len)) {
	case HSMSG_INIT:
		r = handshake_respond(&gw->hs_id, &rx, lookup, gw, &reply, &k, &hsp);
		if (r != HANDSHAKE_SEND_RESP)
			break;
		p = peer_of_hs(gw, hsp);
		/* The key must be in the kernel before the answer leaves. */
		if (!p || kernel_install(p, &k)) {
			r = -EIO;
			break;
		}
		/*
		 * NEXT until the initiator's replies name the key, also with no
		 * key in use: an initiation replayed from a recording (any
		 * age: the timestamp check starts over with our daemon) gives
		 * a key the peer does not hold.
		 */
		p->last_initiator = false;
		log_msg(LOG_INFO, "%s: handshake answered, key %u", p->name, k.key_id);
		break;
	case HSMSG_RESP:
		if (hsmsg_receiver_index(msg, len, &idx) || !(p = peer_find_by_index(gw, idx))) {
			r = -ENOENT;
			break;
		}
		r = handshake_consume_resp(&gw->hs_id, &p->hs, &rx, &reply, &k);
		if (r == HANDSHAKE_COMPLETE && completed(p, &k, true))
			r = -EIO;
		break;
	case HSMSG_COOKIE:
		if (hsmsg_receiver_index(msg, len, &idx) || !(p = peer_find_by_index(gw, idx))) {
			r = -ENOENT;
			break;
		}
		r = handshake_consume_cookie(&p->hs, msg, len, rx.now_ns);
		if (!r)
			loop_timer_start(gw->loop, &p->timer, 0, 0);
		break;
	default:
		r = -EBADMSG;
		break;
	}
	handshake_keys_wipe(&k);
	gw->hs_results[r == HANDSHAKE_SEND_COOKIE ? GW_HS_COOKIE_SENT :
		       r == -EBUSY		  ? GW_HS_RATE_LIMITED :
		       r == -EACCES		  ? GW_HS_BAD_MAC1 :
		       r < 0			  ? GW_HS_DROPPED :
						    GW_HS_ACCEPTED]++;
	if (r < 0) {
		gw->uplinks[ul].rx_dropped++;
		return;
	}
	if ((r == HANDSHAKE_SEND_RESP || r == HANDSHAKE_SEND_COOKIE) && reply.len)
		uplink_send(gw, ul, from, reply.buf, reply.len);
	if (r == HANDSHAKE_SEND_RESP && p) {
		peer_update(p);
		loop_timer_start(gw->loop, &p->timer, 0, 0);
	}
}

/*
 * When to start the handshake the kernel asks for. A key that reached its
 * hard limit sends nothing more: now. One that reached its rekey count:
 * not before the key in use has been so for a while (WireGuard's
 * REKEY_TIMEOUT, and two probe intervals): a responder keeps a new key in
 * NEXT until the initiator's replies name it, and a handshake before that
 * overwrites NEXT, so packets already sent under that key find none (316
 * of them in gw_rekey with 4,000-packet keys, a new key every 0.5 s).
 */
static uint64_t rekey_due(const struct gw_peer *p, bool expired)
{
	uint64_t now = clock_mono_ms(), gap = 2ull * p->gw->opts.probe_ms;

	if (gap < REKEY_MIN_GAP_MS)
		gap = REKEY_MIN_GAP_MS;
	if (expired || now >= p->key_ms + gap)
		return now;
	return p->key_ms + gap;
}

/*
 * The kernel says p's current key reached its rekey count or a hard limit
 * (@lost: read from the count, the event was lost). A handshake due sooner
 * stays so (adopt_take() may have made one due at once).
 */
static void ask_new_key(struct gw_peer *p, enum keys_due due, bool lost)
{
	uint64_t at = rekey_due(p, due == KEYS_DUE_EXPIRED);

	log_msg(LOG_INFO, "%s: kernel asks for a new key (%s%s)", p->name,
		due == KEYS_DUE_EXPIRED ? "expired" : "rekey", lost ? ", its event lost" : "");
	if (!p->hs_next_ms || at < p->hs_next_ms)
		p->hs_next_ms = at;
	loop_timer_start(p->gw->loop, &p->timer, 0, 0);
}

/*
 * The kernel's defaults unless autovpnd set the rekey count (kernel_install);
 * the limit it never sets. A key adopted from an earlier daemon run with
 * another --rekey-packets is judged by this run's.
 */
enum keys_due keys_count_due(const struct gw *gw, uint64_t tx_packets)
{
	uint64_t rekey = gw->opts.rekey_packets ?: AUTOVPN_KEY_DEFAULT_REKEY_PACKETS;

	if (tx_packets >= AUTOVPN_KEY_DEFAULT_LIMIT_PACKETS)
		return KEYS_DUE_EXPIRED;
	return tx_packets >= rekey ? KEYS_DUE_REKEY : KEYS_DUE_NONE;
}

/* Kernel events: a key reached its rekey threshold or a hard limit. */
static int on_event(const struct avpnl_event *ev, void *arg)
{
	struct gw *gw = arg;
	enum keys_due due = ev->type == AUTOVPN_EVENT_KEY_EXPIRED ? KEYS_DUE_EXPIRED :
			    ev->type == AUTOVPN_EVENT_KEY_REKEY	  ? KEYS_DUE_REKEY :
								    KEYS_DUE_NONE;

	if (ev->ifindex != gw->ifindex || due == KEYS_DUE_NONE)
		return 0;
	for (uint32_t i = 0; i < gw->n_peers; i++) {
		struct gw_peer *p = gw->peers[i];

		if (p->id != ev->peer_id)
			continue;
		if (ev->has_key_id && ev->key_id != p->cur_key_id)
			return 0; /* about a key no longer in use */
		ask_new_key(p, due, false);
		return 0;
	}
	/*
	 * No peer has that id: an adopted one the registry has not named yet
	 * (a restart), which must not lose it (the kernel sends it once).
	 */
	if (ev->has_key_id)
		adopt_key_due(gw, ev->peer_id, ev->key_id, due);
	return 0;
}

/*
 * A dump's callback after events were lost: what a peer's lost KEY_REKEY or
 * KEY_EXPIRED would have said, read from its current key's packet count
 * (the age needs no event: our own timer rekeys at it).
 */
static int resync_peer(const struct avpnl_peer *kp, void *arg)
{
	struct gw *gw = arg;
	struct gw_peer *p = peer_find_by_index(gw, kp->rx_index);

	if (p && (p->id != kp->id || p->cur_key_id < 0))
		return 0;
	if (p && (p->hs_next_ms || p->hs.pending_active))
		return 0; /* a handshake is under way or due already */
	for (size_t i = 0; i < kp->n_keys; i++) {
		const struct avpnl_key *k = &kp->keys[i];
		enum keys_due due;

		if (k->slot != AUTOVPN_KEY_SLOT_CURRENT)
			continue;
		due = keys_count_due(gw, k->tx_packets);
		if (due == KEYS_DUE_NONE)
			continue;
		if (!p)
			adopt_key_due(gw, kp->id, k->id, due); /* not taken yet */
		else if (k->id == p->cur_key_id)
			ask_new_key(p, due, true);
	}
	return 0;
}

/*
 * The events socket overflowed: the kernel dropped events (a storm of them,
 * or a daemon stopped for a while). It sends KEY_REKEY once per key, so a
 * lost one would leave the key in use until its age asked, or until it
 * reached its packet limit and stopped sending. One dump instead tells
 * which keys passed their counts.
 */
static void events_resync(struct gw *gw)
{
	int err;

	log_msg(LOG_WARNING, "kernel events lost (socket overflow): reading every key's count");
	/* -EAGAIN (changed meanwhile) still read every peer: dumps resume by id. */
	err = avpnl_peer_dump(gw->nl, gw->ifindex, resync_peer, gw);
	if (err < 0 && err != -EAGAIN) {
		/* Nothing else would ask again: the kernel sent those events once. */
		log_msg(LOG_ERR, "reading the keys' counts: %s; again in 1 s",
			avpnl_errmsg(gw->nl) ?: strerror(-err));
		loop_timer_start(gw->loop, &gw->events_timer, 1000, 0);
	}
}

static void on_events_timer(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	events_resync(arg);
}

/* Something to read on the events socket: queued events or an error. */
static bool events_queued(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n = poll(&pfd, 1, 0);

	return n < 0 || (n > 0 && (pfd.revents & (POLLIN | POLLERR)));
}

/*
 * Reads what is queued, 1,024 reads a round at most. After an overflow the
 * kernel drops every event, silently, until the queue has been read empty
 * (NETLINK_S_CONGESTED), so the state is read only then: what it says is
 * from after the last event that was lost.
 */
static void on_events_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct gw *gw = arg;

	(void)l;
	(void)events;
	for (int i = 0; i < 1024 && events_queued(fd); i++)
		if (avpnl_event_recv(gw->nl_events, on_event, gw) == -ENOBUFS)
			gw->events_lost = true;
	if (gw->events_lost && !events_queued(fd)) {
		gw->events_lost = false;
		events_resync(gw);
	}
}

int keys_init(struct gw *gw)
{
	int err;

	err = handshake_identity_init(&gw->hs_id, gw->sk);
	if (err)
		return err;
	err = ratelimit_init(&gw->ratelimit, RATELIMIT_DEFAULT_ENTRIES, RATELIMIT_DEFAULT_RATE,
			     RATELIMIT_DEFAULT_BURST);
	if (err)
		return err;
	gw->hs_id.ratelimit = &gw->ratelimit;
	return 0;
}

int keys_events_start(struct gw *gw)
{
	int err;

	loop_timer_init(&gw->events_timer, on_events_timer, gw);
	err = avpnl_open(&gw->nl_events);
	if (!err)
		err = avpnl_event_subscribe(gw->nl_events);
	if (!err)
		err = loop_add_fd(gw->loop, avpnl_event_fd(gw->nl_events), EPOLLIN,
				  on_events_readable, gw);
	if (err)
		log_msg(LOG_ERR, "kernel events: %s", strerror(-err));
	return err;
}

void keys_fini(struct gw *gw)
{
	loop_timer_stop(gw->loop, &gw->events_timer);
	if (gw->nl_events) {
		loop_del_fd(gw->loop, avpnl_event_fd(gw->nl_events));
		avpnl_close(gw->nl_events);
		gw->nl_events = NULL;
	}
	handshake_identity_wipe(&gw->hs_id);
	ratelimit_free(&gw->ratelimit);
}
