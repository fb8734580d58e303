/* SPDX-License-Identifier: GPL-2.0 */
/*
 * handshake.h - the autovpn gateway <-> gateway handshake: Noise IKpsk2
 * (wire/noise.h) carried in HS_INIT / HS_RESP / COOKIE (wire/hsmsg.h), with
 * WireGuard's protections (wire/cookie.h, base/ratelimit.h), producing the
 * AES-256-GCM key material the kernel installs. docs/protocol-handshake.md
 * describes the protocol; this is its state machine, as pure functions:
 * no sockets, no clocks (the caller passes a monotonic now_ns, and the wall
 * clock for initiation timestamps), no allocation.
 *
 * The daemon keeps one handshake_identity (our static key, the cookie
 * checker, the load meter) and one handshake_peer per peer. Per received
 * datagram it dispatches on hsmsg_type():
 *   HS_INIT  -> handshake_respond(): finds the peer through a lookup by
 *               static key; answers HS_RESP (keys set) or, under load, COOKIE.
 *   HS_RESP  -> hsmsg_receiver_index() -> peer -> handshake_consume_resp().
 *   COOKIE   -> hsmsg_receiver_index() -> peer -> handshake_consume_cookie().
 * To start or retransmit it calls handshake_initiate(), driven by
 * handshake_timer().
 *
 * Keys: the initiator may send with its new key at once (the response proved
 * the responder has it): install it as NEXT and swap. The responder must
 * install it as NEXT and swap only once the initiator has used it (a DATA
 * packet with that key id), because an HS_RESP can be lost; until then it
 * keeps sending with CURRENT.
 *
 * Simultaneous initiation (both sides send HS_INIT before either answers):
 * the side whose static public key is lower (memcmp) keeps its initiation
 * and drops the other's HS_INIT (-EALREADY); the higher side abandons its
 * own and answers, naming the abandoned initiation's timestamp in the
 * response, and the lower side, once that response authenticates, refuses
 * every HS_INIT of the peer up to that timestamp. So exactly one of the two
 * completes, also when messages are lost, duplicated or reordered; see the
 * protocol text for the case analysis.
 */
#ifndef AVPN_WIRE_HANDSHAKE_H
#define AVPN_WIRE_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/ratelimit.h"
#include "wire/cookie.h"
#include "wire/hsmsg.h"
#include "wire/noise.h"

#define HANDSHAKE_PROLOGUE "autovpn handshake v1"
#define HANDSHAKE_NSEC_PER_SEC 1000000000ull
/* Retransmit an unanswered initiation after 5 s, give up after 90 s (WireGuard's
 * REKEY_TIMEOUT and REKEY_ATTEMPT_TIME). The daemon may add jitter. */
#define HANDSHAKE_RETRANSMIT_NS (5 * HANDSHAKE_NSEC_PER_SEC)
#define HANDSHAKE_ATTEMPT_NS (90 * HANDSHAKE_NSEC_PER_SEC)
/* A peer's initiations are answered at most 50 times per second. */
#define HANDSHAKE_INIT_MIN_INTERVAL_NS (HANDSHAKE_NSEC_PER_SEC / 50)
/* Handshake messages per second from which the gateway is "under load". */
#define HANDSHAKE_LOAD_DEFAULT_THRESHOLD 256
/* Key ids: an initiator with the lower static key picks 0x00-0x7f, the other 0x80-0xfe. */
#define HANDSHAKE_KEY_ID_HIGH 0x80
/* Never a key id: probes say "no key" with it (PROBE_NO_KEY). */
#define HANDSHAKE_KEY_ID_NONE 0xff

#define HANDSHAKE_AES_KEY_LEN 32
#define HANDSHAKE_SALT_LEN 4

struct handshake_identity {
	uint8_t static_priv[NOISE_KEY_LEN];
	uint8_t static_pub[NOISE_KEY_LEN];
	struct cookie_checker checker;
	struct ratelimit *ratelimit; /* per-source limit under load; NULL: none */
	uint32_t load_threshold;     /* messages per second */
	uint64_t load_window_ns;
	uint32_t load_count;
	uint64_t under_load_until_ns;
	bool load_started;
};

/* The output of a completed handshake: one kernel key (DESIGN section 4). */
struct handshake_keys {
	uint8_t key_id;			       /* AUTOVPN_KEY_A_ID, the same on both sides */
	uint32_t local_index;		       /* AUTOVPN_PEER_A_RX_INDEX: the peer writes it */
	uint32_t remote_index;		       /* AUTOVPN_PEER_A_TX_INDEX: we write it */
	uint8_t tx_key[HANDSHAKE_AES_KEY_LEN]; /* AUTOVPN_KEY_A_ENCRYPT_KEY */
	uint8_t tx_salt[HANDSHAKE_SALT_LEN];
	uint8_t rx_key[HANDSHAKE_AES_KEY_LEN]; /* AUTOVPN_KEY_A_DECRYPT_KEY */
	uint8_t rx_salt[HANDSHAKE_SALT_LEN];
	bool initiator; /* true: usable at once; false: wait for the peer's use */
	uint64_t completed_ns;
};

struct handshake_peer {
	uint8_t remote_static[NOISE_KEY_LEN];
	uint8_t psk[NOISE_KEY_LEN];
	uint8_t ss[NOISE_KEY_LEN]; /* DH(our static, its static), once per peer */
	bool ss_ready;		   /* ss computed (handshake_peer_ss) */
	uint32_t local_index;	   /* our kernel receive index for this peer */
	bool wins_ties;		   /* our static key is lower: our initiation wins */
	struct cookie_sender cookie;

	/* initiator: the attempt in flight */
	struct noise_handshake pending;
	bool pending_active;
	bool retry_now;	 /* a cookie came: retransmit without waiting */
	bool early_sent; /* a cookie hurried a retransmit, at early_ns */
	uint64_t early_ns;
	uint8_t pending_key_id;
	uint8_t pending_ts[HSMSG_TS_LEN];
	uint64_t attempt_start_ns; /* first HS_INIT of this series */
	uint64_t last_sent_ns;	   /* latest HS_INIT */
	uint8_t last_sent_ts[HSMSG_TS_LEN];
	uint8_t key_seq;

	/* responder: replay and flood protection */
	uint8_t last_ts[HSMSG_TS_LEN]; /* greatest timestamp accepted (or superseded) */
	uint64_t last_init_ns;
	bool have_last_init;

	/* ids of the keys in the kernel's CURRENT / PREVIOUS slots, -1 if empty */
	int current_key_id;
	int previous_key_id;

	uint64_t last_complete_ns; /* "latest handshake", either role */
	bool has_completed;
};

/* One received datagram. */
struct handshake_rx {
	const uint8_t *msg;
	size_t len;
	const struct sockaddr *src; /* its source (cookie, rate limit) */
	uint64_t now_ns;	    /* monotonic */
	bool under_load;	    /* e.g. handshake_load_note() */
};

/* What to send back to the datagram's source. */
struct handshake_reply {
	uint8_t buf[HSMSG_MAX_LEN];
	size_t len;
};

enum handshake_result {
	HANDSHAKE_SEND_RESP = 1,   /* reply holds HS_RESP; keys set (responder) */
	HANDSHAKE_SEND_COOKIE = 2, /* under load: reply holds COOKIE; nothing else changed */
	HANDSHAKE_COMPLETE = 3,	   /* keys set (initiator); nothing to send */
};

enum handshake_timer_action {
	HANDSHAKE_TIMER_NONE = 0,
	HANDSHAKE_TIMER_RETRANSMIT, /* call handshake_initiate() now */
	HANDSHAKE_TIMER_GIVE_UP,    /* 90 s without an answer; the attempt is dropped */
};

/* Finds the peer with this static public key, or NULL (compare in constant time). */
typedef struct handshake_peer *(*handshake_lookup_fn)(void *ctx, const uint8_t pub[NOISE_KEY_LEN]);

int handshake_identity_init(struct handshake_identity *id, const uint8_t priv[NOISE_KEY_LEN]);
void handshake_identity_wipe(struct handshake_identity *id);

/*
 * Counts one received handshake message; returns whether we are under load:
 * at least load_threshold messages in the current one-second window, and
 * for one second after that.
 */
bool handshake_load_note(struct handshake_identity *id, uint64_t now_ns);

/*
 * handshake_load_note() for a received datagram @msg: it counts only an
 * HS_INIT or HS_RESP of its exact size with a valid mac1, which takes our
 * public key (or a captured message) to make; junk with a handshake type
 * byte, which anyone can send, put us under load (and every handshake
 * through a COOKIE round trip) at 256 datagrams a second. Returns whether
 * we are under load.
 */
bool handshake_load_note_msg(struct handshake_identity *id, const uint8_t *msg, size_t len,
			     uint64_t now_ns);

/*
 * A peer with static key @remote_pub and pre-shared key @psk (the registry's
 * per-pair psk); @local_index is our kernel receive index for it (non-zero,
 * unique). -EINVAL for index 0, our own key, or a key of small order.
 */
int handshake_peer_init(const struct handshake_identity *id, struct handshake_peer *peer,
			const uint8_t remote_pub[NOISE_KEY_LEN], const uint8_t psk[NOISE_KEY_LEN],
			uint32_t local_index);
/*
 * The static-static DH with the peer, computed on first use and kept; NULL
 * if it gives the all-zero secret (never for a key handshake_peer_init
 * accepted). Deferred because an X25519 costs about 1 ms under emulation
 * (34 us natively): a hub that learns 1,000 peers at once programs them into
 * the kernel first and pays for each DH when it first talks to the peer.
 */
const uint8_t *handshake_peer_ss(const struct handshake_identity *id, struct handshake_peer *peer);
void handshake_peer_set_psk(struct handshake_peer *peer, const uint8_t psk[NOISE_KEY_LEN]);
/* The daemon tells which key ids its kernel slots hold (-1: empty); new ids avoid them. */
void handshake_peer_set_key_ids(struct handshake_peer *peer, int current, int previous);
void handshake_peer_wipe(struct handshake_peer *peer);

/*
 * Writes an HS_INIT to the peer: a new attempt (fresh ephemeral, timestamp
 * and key id) of the running series, or a new series if none runs. Any
 * earlier attempt is forgotten: only the latest can complete. @wall_ns is
 * the wall clock (ns since 1970) for the timestamp, kept strictly increasing.
 */
int handshake_initiate(struct handshake_identity *id, struct handshake_peer *peer, uint64_t now_ns,
		       uint64_t wall_ns, uint8_t out[HSMSG_INIT_LEN]);

/* What the initiation timers want now, and when to ask again (UINT64_MAX: never). */
enum handshake_timer_action handshake_timer(struct handshake_peer *peer, uint64_t now_ns);
uint64_t handshake_timer_deadline(const struct handshake_peer *peer);
/* When the attempt in flight is given up (UINT64_MAX: none in flight). */
uint64_t handshake_attempt_end(const struct handshake_peer *peer);

/*
 * An HS_INIT. Returns HANDSHAKE_SEND_RESP (keys, *peer_out set),
 * HANDSHAKE_SEND_COOKIE, or drops it: -EINVAL malformed, -EACCES wrong mac1
 * (before any DH), -EBUSY rate limited, -EBADMSG not authentic, -ENOENT
 * unknown static key, -ESTALE replayed or old timestamp, -EALREADY lost the
 * simultaneous-initiation tie-break, -EEXIST key id in use.
 */
int handshake_respond(struct handshake_identity *id, const struct handshake_rx *rx,
		      handshake_lookup_fn lookup, void *ctx, struct handshake_reply *reply,
		      struct handshake_keys *keys, struct handshake_peer **peer_out);

/*
 * An HS_RESP for @peer (found by its receiver index). HANDSHAKE_COMPLETE
 * (keys set), HANDSHAKE_SEND_COOKIE, or -EINVAL, -ENOENT (no attempt in
 * flight, or not ours), -EACCES, -EBUSY, -EBADMSG, -EPROTO (key id not echoed).
 */
int handshake_consume_resp(struct handshake_identity *id, struct handshake_peer *peer,
			   const struct handshake_rx *rx, struct handshake_reply *reply,
			   struct handshake_keys *keys);

/*
 * A COOKIE for @peer: kept for the next message's mac2. 0, or -errno. It
 * hurries the retransmit of the attempt in flight (at once instead of 5 s
 * later) at most once per HANDSHAKE_RETRANSMIT_NS: anyone who sees our
 * HS_INIT can make a COOKIE for it (its key is the responder's public key,
 * its AD the HS_INIT's mac1), and one per retransmit would replace each
 * attempt before the real answer came back.
 */
int handshake_consume_cookie(struct handshake_peer *peer, const uint8_t *msg, size_t len,
			     uint64_t now_ns);

void handshake_keys_wipe(struct handshake_keys *keys);

#endif /* AVPN_WIRE_HANDSHAKE_H */
