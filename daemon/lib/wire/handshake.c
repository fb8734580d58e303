// SPDX-License-Identifier: GPL-2.0
/*
 * The autovpn handshake state machine; see handshake.h for its use and
 * docs/protocol-handshake.md for the protocol.
 *
 * Every function first does all the work that can fail on a copy or on
 * local variables and changes the peer only once the message proved
 * authentic and acceptable: a forged or replayed message changes nothing
 * (except the cookie secret's lazy rotation, which is not state a peer can
 * observe).
 */
#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "base/key.h"
#include "wire/handshake.h"
#include "wire/probe.h"

_Static_assert(HANDSHAKE_KEY_ID_NONE == PROBE_NO_KEY, "probes name no key with the id no key has");

static const uint8_t ts_zero[HSMSG_TS_LEN];

int handshake_identity_init(struct handshake_identity *id, const uint8_t priv[NOISE_KEY_LEN])
{
	int ret;

	memset(id, 0, sizeof(*id));
	if (sodium_init() < 0)
		return -ENOSYS;
	memcpy(id->static_priv, priv, NOISE_KEY_LEN);
	if (crypto_scalarmult_base(id->static_pub, id->static_priv) != 0) {
		handshake_identity_wipe(id);
		return -EINVAL;
	}
	ret = cookie_checker_init(&id->checker, id->static_pub);
	if (ret) {
		handshake_identity_wipe(id);
		return ret;
	}
	id->load_threshold = HANDSHAKE_LOAD_DEFAULT_THRESHOLD;
	return 0;
}

void handshake_identity_wipe(struct handshake_identity *id)
{
	sodium_memzero(id, sizeof(*id));
}

bool handshake_load_note(struct handshake_identity *id, uint64_t now_ns)
{
	if (!id->load_started || now_ns - id->load_window_ns >= HANDSHAKE_NSEC_PER_SEC) {
		id->load_started = true;
		id->load_window_ns = now_ns;
		id->load_count = 0;
	}
	if (++id->load_count >= id->load_threshold)
		id->under_load_until_ns = now_ns + HANDSHAKE_NSEC_PER_SEC;
	return now_ns < id->under_load_until_ns;
}

bool handshake_load_note_msg(struct handshake_identity *id, const uint8_t *msg, size_t len,
			     uint64_t now_ns)
{
	int type = hsmsg_type(msg, len);

	if (((type == HSMSG_INIT && len == HSMSG_INIT_LEN) ||
	     (type == HSMSG_RESP && len == HSMSG_RESP_LEN)) &&
	    cookie_validate(&id->checker, msg, len, NULL, false, now_ns) != COOKIE_MAC_INVALID)
		return handshake_load_note(id, now_ns);
	return now_ns < id->under_load_until_ns;
}

int handshake_peer_init(const struct handshake_identity *id, struct handshake_peer *peer,
			const uint8_t remote_pub[NOISE_KEY_LEN], const uint8_t psk[NOISE_KEY_LEN],
			uint32_t local_index)
{
	int cmp = memcmp(id->static_pub, remote_pub, NOISE_KEY_LEN);
	int ret;

	memset(peer, 0, sizeof(*peer));
	/* Equal keys would leave the tie-break undecided (and mean a misconfiguration). */
	if (!local_index || !cmp)
		return -EINVAL;
	/*
	 * Low-order keys give the all-zero secret: refused here, where the
	 * caller can still drop the peer, not when the deferred DH runs.
	 */
	if (key_is_low_order(remote_pub))
		return -EINVAL;
	ret = cookie_sender_init(&peer->cookie, remote_pub);
	if (ret) {
		handshake_peer_wipe(peer);
		return ret;
	}
	memcpy(peer->remote_static, remote_pub, NOISE_KEY_LEN);
	memcpy(peer->psk, psk, NOISE_KEY_LEN);
	peer->local_index = local_index;
	/* Public keys are public: an ordinary memcmp decides the tie-break. */
	peer->wins_ties = cmp < 0;
	peer->current_key_id = -1;
	peer->previous_key_id = -1;
	randombytes_buf(&peer->key_seq, sizeof(peer->key_seq));
	return 0;
}

const uint8_t *handshake_peer_ss(const struct handshake_identity *id, struct handshake_peer *peer)
{
	if (!peer->ss_ready) {
		if (crypto_scalarmult(peer->ss, id->static_priv, peer->remote_static) != 0) {
			sodium_memzero(peer->ss, sizeof(peer->ss));
			return NULL;
		}
		peer->ss_ready = true;
	}
	return peer->ss;
}

void handshake_peer_set_psk(struct handshake_peer *peer, const uint8_t psk[NOISE_KEY_LEN])
{
	memcpy(peer->psk, psk, NOISE_KEY_LEN);
}

void handshake_peer_set_key_ids(struct handshake_peer *peer, int current, int previous)
{
	peer->current_key_id = current;
	peer->previous_key_id = previous;
}

void handshake_peer_wipe(struct handshake_peer *peer)
{
	sodium_memzero(peer, sizeof(*peer));
}

void handshake_keys_wipe(struct handshake_keys *keys)
{
	sodium_memzero(keys, sizeof(*keys));
}

static bool pending_live(const struct handshake_peer *peer, uint64_t now_ns)
{
	return peer->pending_active && now_ns - peer->attempt_start_ns < HANDSHAKE_ATTEMPT_NS;
}

static void pending_drop(struct handshake_peer *peer)
{
	noise_handshake_wipe(&peer->pending);
	peer->pending_active = false;
	peer->retry_now = false;
}

/* The half of the key id space the initiator of a handshake owns. */
static uint8_t key_id_half(bool initiator_is_lower)
{
	return initiator_is_lower ? 0 : HANDSHAKE_KEY_ID_HIGH;
}

/*
 * An id the peer's slots still hold, or the one that means "no key": a
 * responder swaps a new key in when the initiator's probes name it, and
 * a probe naming 0xff names none, so a key 0xff would wait in NEXT until
 * the old key expired.
 */
static bool key_id_busy(const struct handshake_peer *peer, int id)
{
	return id == HANDSHAKE_KEY_ID_NONE || id == peer->current_key_id ||
	       id == peer->previous_key_id;
}

/*
 * The next key id of our half, skipping the ids our kernel slots still hold.
 * Each initiator counts through its own 128 ids, so an id comes back only
 * after 128 attempts - far longer than any key lives (180 s) at the
 * retransmit rate - and the two sides never propose the same id.
 */
static int set_ss(struct noise_handshake *hs, const struct handshake_identity *id,
		  struct handshake_peer *peer)
{
	const uint8_t *ss = handshake_peer_ss(id, peer);

	return ss ? noise_handshake_set_ss(hs, ss) : -EINVAL;
}

static uint8_t next_key_id(struct handshake_peer *peer)
{
	uint8_t id;

	do {
		peer->key_seq = (peer->key_seq + 1) & 0x7f;
		id = key_id_half(peer->wins_ties) | peer->key_seq;
	} while (key_id_busy(peer, id));
	return id;
}

int handshake_initiate(struct handshake_identity *id, struct handshake_peer *peer, uint64_t now_ns,
		       uint64_t wall_ns, uint8_t out[HSMSG_INIT_LEN])
{
	uint8_t pl[HSMSG_INIT_PAYLOAD_LEN];
	struct hsmsg_init_payload p;
	struct noise_handshake hs;
	struct hsmsg_init m;
	int ret;

	ret = noise_handshake_init(&hs, NOISE_IKPSK2, true, (const uint8_t *)HANDSHAKE_PROLOGUE,
				   strlen(HANDSHAKE_PROLOGUE), id->static_priv, id->static_pub,
				   peer->remote_static);
	if (!ret)
		ret = noise_handshake_set_psk(&hs, peer->psk);
	if (!ret)
		ret = set_ss(&hs, id, peer);
	if (ret)
		goto out;

	p.rx_index = peer->local_index;
	hsmsg_tai64n(p.timestamp, wall_ns);
	/* Strictly increasing, also if the wall clock steps back or stands. */
	if (hsmsg_tai64n_cmp(p.timestamp, peer->last_sent_ts) <= 0) {
		memcpy(p.timestamp, peer->last_sent_ts, HSMSG_TS_LEN);
		hsmsg_tai64n_next(p.timestamp);
	}
	p.key_id = next_key_id(peer);
	hsmsg_init_payload_encode(&p, pl);

	memset(&m, 0, sizeof(m));
	m.sender_index = peer->local_index;
	ret = noise_write_msg1(&hs, m.noise, sizeof(m.noise), pl, sizeof(pl));
	if (ret)
		goto out;
	hsmsg_init_encode(&m, out);
	cookie_add_macs(&peer->cookie, out, HSMSG_INIT_LEN, now_ns);

	if (!pending_live(peer, now_ns))
		peer->attempt_start_ns = now_ns;
	pending_drop(peer);
	peer->pending = hs;
	peer->pending_active = true;
	peer->pending_key_id = p.key_id;
	memcpy(peer->pending_ts, p.timestamp, HSMSG_TS_LEN);
	memcpy(peer->last_sent_ts, p.timestamp, HSMSG_TS_LEN);
	peer->last_sent_ns = now_ns;
out:
	sodium_memzero(&hs, sizeof(hs));
	sodium_memzero(pl, sizeof(pl));
	return ret;
}

enum handshake_timer_action handshake_timer(struct handshake_peer *peer, uint64_t now_ns)
{
	if (!peer->pending_active)
		return HANDSHAKE_TIMER_NONE;
	if (!pending_live(peer, now_ns)) {
		pending_drop(peer);
		return HANDSHAKE_TIMER_GIVE_UP;
	}
	if (peer->retry_now || now_ns - peer->last_sent_ns >= HANDSHAKE_RETRANSMIT_NS)
		return HANDSHAKE_TIMER_RETRANSMIT;
	return HANDSHAKE_TIMER_NONE;
}

uint64_t handshake_timer_deadline(const struct handshake_peer *peer)
{
	uint64_t retx, end;

	if (!peer->pending_active)
		return UINT64_MAX;
	if (peer->retry_now)
		return peer->last_sent_ns;
	retx = peer->last_sent_ns + HANDSHAKE_RETRANSMIT_NS;
	end = peer->attempt_start_ns + HANDSHAKE_ATTEMPT_NS;
	return retx < end ? retx : end;
}

uint64_t handshake_attempt_end(const struct handshake_peer *peer)
{
	return peer->pending_active ? peer->attempt_start_ns + HANDSHAKE_ATTEMPT_NS : UINT64_MAX;
}

/* HKDF-Expand (RFC 5869) of 36 bytes: a 32-byte AES key and a 4-byte salt. */
static void expand(uint8_t okm[HANDSHAKE_AES_KEY_LEN + HANDSHAKE_SALT_LEN],
		   const uint8_t prk[NOISE_KEY_LEN], const char *info)
{
	crypto_auth_hmacsha256_state st;
	uint8_t t[32], c;

	c = 1;
	crypto_auth_hmacsha256_init(&st, prk, NOISE_KEY_LEN);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)info, strlen(info));
	crypto_auth_hmacsha256_update(&st, &c, 1);
	crypto_auth_hmacsha256_final(&st, t);
	memcpy(okm, t, 32);
	c = 2;
	crypto_auth_hmacsha256_init(&st, prk, NOISE_KEY_LEN);
	crypto_auth_hmacsha256_update(&st, t, sizeof(t));
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)info, strlen(info));
	crypto_auth_hmacsha256_update(&st, &c, 1);
	crypto_auth_hmacsha256_final(&st, t);
	memcpy(okm + 32, t, HANDSHAKE_SALT_LEN);
	sodium_memzero(t, sizeof(t));
	sodium_memzero(&st, sizeof(st));
}

/*
 * The kernel key from the Noise transport keys: each direction's material
 * is expanded from that direction's key with its own label. Fresh
 * ephemerals on both sides make every handshake's material new; equal tx
 * and rx material (which the kernel refuses) would take a SHA-256 collision
 * and is checked anyway.
 */
static int derive_keys(struct handshake_keys *k, struct noise_handshake *hs, bool initiator)
{
	uint8_t i2r[HANDSHAKE_AES_KEY_LEN + HANDSHAKE_SALT_LEN];
	uint8_t r2i[HANDSHAKE_AES_KEY_LEN + HANDSHAKE_SALT_LEN];
	struct noise_cipher c1, c2;
	const uint8_t *tx, *rx;
	int ret;

	ret = noise_split(hs, &c1, &c2);
	if (ret)
		return ret;
	expand(i2r, c1.k, "autovpn v1 data initiator->responder");
	expand(r2i, c2.k, "autovpn v1 data responder->initiator");
	tx = initiator ? i2r : r2i;
	rx = initiator ? r2i : i2r;
	memcpy(k->tx_key, tx, HANDSHAKE_AES_KEY_LEN);
	memcpy(k->tx_salt, tx + HANDSHAKE_AES_KEY_LEN, HANDSHAKE_SALT_LEN);
	memcpy(k->rx_key, rx, HANDSHAKE_AES_KEY_LEN);
	memcpy(k->rx_salt, rx + HANDSHAKE_AES_KEY_LEN, HANDSHAKE_SALT_LEN);
	ret = sodium_memcmp(k->tx_key, k->rx_key, HANDSHAKE_AES_KEY_LEN) ? 0 : -EIO;
	k->initiator = initiator;
	noise_cipher_wipe(&c1);
	noise_cipher_wipe(&c2);
	sodium_memzero(i2r, sizeof(i2r));
	sodium_memzero(r2i, sizeof(r2i));
	if (ret)
		handshake_keys_wipe(k);
	return ret;
}

/*
 * MAC1 always; under load also MAC2 (else a COOKIE answers) and the
 * per-source limit. 0: go on; HANDSHAKE_SEND_COOKIE; or -EACCES / -EBUSY.
 */
static int check_macs(struct handshake_identity *id, const struct handshake_rx *rx,
		      uint32_t sender_index, struct handshake_reply *reply)
{
	enum cookie_mac_state st;
	struct hsmsg_cookie c;

	st = cookie_validate(&id->checker, rx->msg, rx->len, rx->src, rx->under_load, rx->now_ns);
	if (st == COOKIE_MAC_INVALID)
		return -EACCES;
	if (!rx->under_load)
		return 0;
	if (st != COOKIE_MAC2_VALID) {
		if (cookie_reply_create(&id->checker, rx->msg, rx->len, sender_index, rx->src,
					rx->now_ns, &c))
			return -EINVAL;
		hsmsg_cookie_encode(&c, reply->buf);
		reply->len = HSMSG_COOKIE_LEN;
		return HANDSHAKE_SEND_COOKIE;
	}
	if (id->ratelimit && !ratelimit_allow(id->ratelimit, rx->src, rx->now_ns))
		return -EBUSY;
	return 0;
}

int handshake_respond(struct handshake_identity *id, const struct handshake_rx *rx,
		      handshake_lookup_fn lookup, void *ctx, struct handshake_reply *reply,
		      struct handshake_keys *keys, struct handshake_peer **peer_out)
{
	uint8_t pl[HSMSG_INIT_PAYLOAD_LEN], rpl[HSMSG_RESP_PAYLOAD_LEN];
	struct hsmsg_init_payload ip;
	struct hsmsg_resp_payload rp;
	struct handshake_peer *peer;
	struct noise_handshake hs;
	struct handshake_keys k;
	struct hsmsg_resp resp;
	struct hsmsg_init m;
	bool pending;
	int ret;

	memset(&hs, 0, sizeof(hs));
	memset(&k, 0, sizeof(k));
	ret = hsmsg_init_decode(rx->msg, rx->len, &m);
	if (ret)
		return ret;
	ret = check_macs(id, rx, m.sender_index, reply);
	if (ret)
		return ret;

	ret = noise_handshake_init(&hs, NOISE_IKPSK2, false, (const uint8_t *)HANDSHAKE_PROLOGUE,
				   strlen(HANDSHAKE_PROLOGUE), id->static_priv, id->static_pub,
				   NULL);
	if (ret)
		goto out;
	ret = noise_read_msg1_static(&hs, m.noise, sizeof(m.noise));
	if (ret)
		goto out;
	peer = lookup(ctx, hs.rs);
	if (!peer) {
		ret = -ENOENT;
		goto out;
	}
	ret = set_ss(&hs, id, peer);
	if (!ret)
		ret = noise_read_msg1_payload(&hs, m.noise, sizeof(m.noise), pl, sizeof(pl));
	if (ret)
		goto out;

	/* Authentic from here on; now is it acceptable? */
	ret = hsmsg_init_payload_decode(pl, sizeof(pl), &ip);
	if (ret)
		goto out;
	if (ip.rx_index != m.sender_index ||
	    (ip.key_id & HANDSHAKE_KEY_ID_HIGH) != key_id_half(!peer->wins_ties)) {
		ret = -EINVAL;
		goto out;
	}
	if (hsmsg_tai64n_cmp(ip.timestamp, peer->last_ts) <= 0) {
		ret = -ESTALE;
		goto out;
	}
	if (peer->have_last_init &&
	    rx->now_ns - peer->last_init_ns < HANDSHAKE_INIT_MIN_INTERVAL_NS) {
		ret = -EBUSY;
		goto out;
	}
	if (key_id_busy(peer, ip.key_id)) {
		ret = -EEXIST;
		goto out;
	}
	pending = pending_live(peer, rx->now_ns);
	if (pending && peer->wins_ties) {
		/*
		 * Simultaneous initiation and ours wins: the peer answers ours
		 * instead. Its initiation was authentic, so it counts as seen.
		 */
		memcpy(peer->last_ts, ip.timestamp, HSMSG_TS_LEN);
		peer->last_init_ns = rx->now_ns;
		peer->have_last_init = true;
		ret = -EALREADY;
		goto out;
	}

	rp.key_id = ip.key_id;
	rp.rx_index = peer->local_index;
	memcpy(rp.superseded, pending ? peer->pending_ts : ts_zero, HSMSG_TS_LEN);
	hsmsg_resp_payload_encode(&rp, rpl);
	memset(&resp, 0, sizeof(resp));
	resp.sender_index = peer->local_index;
	resp.receiver_index = m.sender_index;
	ret = noise_handshake_set_psk(&hs, peer->psk);
	if (!ret)
		ret = noise_write_msg2(&hs, resp.noise, sizeof(resp.noise), rpl, sizeof(rpl));
	if (!ret)
		ret = derive_keys(&k, &hs, false);
	if (ret)
		goto out;

	/* Commit. */
	hsmsg_resp_encode(&resp, reply->buf);
	reply->len = HSMSG_RESP_LEN;
	cookie_add_macs(&peer->cookie, reply->buf, HSMSG_RESP_LEN, rx->now_ns);
	memcpy(peer->last_ts, ip.timestamp, HSMSG_TS_LEN);
	peer->last_init_ns = rx->now_ns;
	peer->have_last_init = true;
	if (pending)
		pending_drop(peer); /* we lost the tie-break: the peer's wins */
	peer->last_complete_ns = rx->now_ns;
	peer->has_completed = true;
	k.key_id = ip.key_id;
	k.local_index = peer->local_index;
	k.remote_index = ip.rx_index;
	k.completed_ns = rx->now_ns;
	*keys = k;
	*peer_out = peer;
	ret = HANDSHAKE_SEND_RESP;
out:
	noise_handshake_wipe(&hs);
	handshake_keys_wipe(&k);
	sodium_memzero(pl, sizeof(pl));
	sodium_memzero(rpl, sizeof(rpl));
	sodium_memzero(&ip, sizeof(ip));
	return ret;
}

int handshake_consume_resp(struct handshake_identity *id, struct handshake_peer *peer,
			   const struct handshake_rx *rx, struct handshake_reply *reply,
			   struct handshake_keys *keys)
{
	uint8_t pl[HSMSG_RESP_PAYLOAD_LEN];
	struct hsmsg_resp_payload rp;
	struct noise_handshake hs;
	struct handshake_keys k;
	struct hsmsg_resp m;
	int ret;

	ret = hsmsg_resp_decode(rx->msg, rx->len, &m);
	if (ret)
		return ret;
	/* Nothing to complete: drop before spending anything on it. */
	if (m.receiver_index != peer->local_index || !pending_live(peer, rx->now_ns))
		return -ENOENT;
	ret = check_macs(id, rx, m.sender_index, reply);
	if (ret)
		return ret;

	/* On a copy: a forged response must not destroy the attempt in flight. */
	hs = peer->pending;
	memset(&k, 0, sizeof(k));
	ret = noise_read_msg2(&hs, m.noise, sizeof(m.noise), pl, sizeof(pl));
	if (ret)
		goto out;
	ret = hsmsg_resp_payload_decode(pl, sizeof(pl), &rp);
	if (ret)
		goto out;
	if (rp.rx_index != m.sender_index) {
		ret = -EINVAL;
		goto out;
	}
	if (rp.key_id != peer->pending_key_id) {
		ret = -EPROTO;
		goto out;
	}
	ret = derive_keys(&k, &hs, true);
	if (ret)
		goto out;

	/* Commit: the peer's initiations up to the one it abandoned are dead. */
	if (hsmsg_tai64n_cmp(rp.superseded, peer->last_ts) > 0)
		memcpy(peer->last_ts, rp.superseded, HSMSG_TS_LEN);
	pending_drop(peer);
	peer->last_complete_ns = rx->now_ns;
	peer->has_completed = true;
	k.key_id = rp.key_id;
	k.local_index = peer->local_index;
	k.remote_index = rp.rx_index;
	k.completed_ns = rx->now_ns;
	*keys = k;
	ret = HANDSHAKE_COMPLETE;
out:
	noise_handshake_wipe(&hs);
	handshake_keys_wipe(&k);
	sodium_memzero(pl, sizeof(pl));
	return ret;
}

int handshake_consume_cookie(struct handshake_peer *peer, const uint8_t *msg, size_t len,
			     uint64_t now_ns)
{
	struct hsmsg_cookie c;
	int ret;

	ret = hsmsg_cookie_decode(msg, len, &c);
	if (ret)
		return ret;
	if (c.receiver_index != peer->local_index)
		return -ENOENT;
	ret = cookie_reply_consume(&peer->cookie, &c, now_ns);
	if (ret)
		return ret;
	/* The responder is alive and wants proof of our address: retry now,
	 * with MAC2, instead of 5 s later; but not twice within 5 s, whoever
	 * made the cookie (handshake.h). */
	if (pending_live(peer, now_ns) &&
	    (!peer->early_sent || now_ns - peer->early_ns >= HANDSHAKE_RETRANSMIT_NS)) {
		peer->retry_now = true;
		peer->early_sent = true;
		peer->early_ns = now_ns;
	}
	return 0;
}
