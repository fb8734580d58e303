/* SPDX-License-Identifier: GPL-2.0 */
/*
 * path.h - one path to a peer: (our uplink lu, the peer's uplink ru), its
 * hole punching, probing and measurements. Pure: no sockets, no clock; the
 * caller passes the time and a send callback, so every transition is
 * unit-tested (tests/unit/test_path.c).
 *
 * Life of a path:
 *   IDLE      no candidate endpoint yet (the registry told us nothing).
 *   PUNCHING  probes go to every candidate (the peer's manual, public and
 *             private endpoints of uplink ru, of lu's address family) and
 *             to whatever address the peer's own probes came from; the
 *             peer does the same toward us, so both NATs open.
 *   UP        an authentic PROBE_REPLY came back: the path's remote
 *             endpoint is the address that answered (first answer wins).
 *             Probes now go to the remote only.
 *   DOWN      no reply for PATH_DOWN_PROBES probe intervals: back to
 *             probing every candidate and the last remote.
 * The remote endpoint follows the peer: the source of every authentic
 * reply or probe is taken as the current remote, so a NAT mapping that
 * changes under a running tunnel is followed within one probe interval.
 * Probes also keep NAT and conntrack mappings open on idle paths.
 *
 * Authentic DATA the kernel received on an UP path keeps it up as a probe
 * reply does (the caller reports it with path_saw_data()): a peer whose
 * daemon is dead or restarting keeps its tunnel while traffic flows,
 * because its kernel keeps sending even though nobody answers our probes.
 * DATA never brings a DOWN path back, only a reply does: DATA proves
 * neither our direction nor the peer's current address, and the kernel
 * counts it under the sender's path id, not under the uplink it came in on.
 *
 * Measurements come from replies: RTT (echoed send time), jitter (RFC 3550
 * smoothing of RTT differences) and loss over the last PATH_LOSS_WINDOW
 * probes that had their chance to be answered.
 */
#ifndef AVPN_GATEWAY_PATH_H
#define AVPN_GATEWAY_PATH_H

#include <stdbool.h>
#include <stdint.h>

#include "base/endpoint.h"
#include "wire/probe.h"

#define PATH_MAX_CAND 3	     /* manual, public, private */
#define PATH_DOWN_PROBES 3   /* unanswered intervals before a path is down */
#define PATH_LOSS_WINDOW 100 /* probes in the loss figure (< 128 - PATH_DOWN_PROBES) */
#define PATH_FAST_PROBES 5   /* while punching: this many at a quarter interval */

enum path_state {
	PATH_IDLE = 0,
	PATH_PUNCHING,
	PATH_UP,
	PATH_DOWN,
};

/* Where the peer may be reached on uplink ru, as the registry says. */
struct path_cand {
	struct endpoint ep;
	uint8_t kind; /* enum proto_ep_kind */
};

struct path {
	uint8_t id; /* kernel path id: path_id() */
	uint8_t lu, ru;
	enum path_state state;
	struct path_cand cand[PATH_MAX_CAND];
	uint8_t n_cand;
	bool has_remote;
	struct endpoint remote; /* who answered last */
	uint8_t remote_kind;	/* the candidate kind it matched, or PATH_KIND_LEARNT */
	bool has_learnt;
	struct endpoint learnt; /* source of the peer's own probes */
	bool check_learnt;	/* UP, remote silent, probes from learnt: probe it too */

	uint64_t last_rx_ms;   /* last authentic reply (0 = never) */
	uint64_t last_data_ms; /* last time the kernel counted DATA from the peer here */
	uint64_t data_rx;      /* the kernel's rx packet count at that time */
	uint64_t next_probe_ms;
	uint32_t seq;	     /* next probe number */
	uint32_t fast_left;  /* quick probes left while punching */
	uint64_t changed_ms; /* last state change */
	const char *reason;  /* why it is in its state (for show) */

	/* Measurements. */
	uint32_t rtt_us, jitter_us;
	bool has_rtt;
	uint64_t answered[2]; /* bit seq % 128: that probe was answered */
	uint32_t loss_base;   /* first seq of the loss window (set when UP) */
	uint64_t probes_sent, replies;
};

#define PATH_KIND_LEARNT 0xff

/* Changes reported by path_on_*() and path_tick(). */
#define PATH_CH_STATE 0x1  /* state changed (UP <-> not UP matters to the kernel) */
#define PATH_CH_REMOTE 0x2 /* remote endpoint changed (kernel must follow) */

/* Transmit one probe with sequence seq to ep. */
typedef void (*path_send_fn)(void *ctx, struct path *p, const struct endpoint *ep, uint32_t seq);

/*
 * The path id of (our uplink @lu, the peer's uplink @ru), the same on both
 * gateways: the first gateway's uplink * 2 + the second's, the first being
 * the one whose raw public key sorts lower by memcmp (@we_are_first; not
 * the base64 order). The sender writes
 * its id into every DATA packet and the receiver counts, accepts and
 * replay-checks the packet under its path of that id, so the two ends must
 * agree; plain lu * 2 + ru would swap ids 1 and 2 between them.
 */
uint8_t path_id(bool we_are_first, uint8_t lu, uint8_t ru);
void path_init(struct path *p, bool we_are_first, uint8_t lu, uint8_t ru);
/*
 * New candidate list from the registry. A path that is not UP starts
 * punching again (fast probes); an UP path keeps its remote. Returns
 * PATH_CH_STATE if the state changed.
 */
int path_set_candidates(struct path *p, const struct path_cand *c, unsigned int n, uint64_t now_ms);
/*
 * Sends the probes that are due and detects a dead path. Returns
 * PATH_CH_* bits; *next_ms gets when it wants to run again.
 */
int path_tick(struct path *p, uint64_t now_ms, uint32_t probe_ms, path_send_fn send, void *ctx,
	      uint64_t *next_ms);
/*
 * Replies to probes sent longer ago than this (or "in the future") are
 * ignored: the prober's clock offset (random per life) makes every reply
 * to a probe of an earlier life look like that.
 */
#define PATH_REPLY_MAX_US (60ull * 1000000)

/*
 * An authentic PROBE_REPLY (seq, sent_us echoed, sent_us on the clock of
 * now_us) came from src.
 */
int path_on_reply(struct path *p, const struct endpoint *src, const struct probe *pr,
		  uint64_t now_ms, uint64_t now_us);
/*
 * An authentic PROBE from the peer came from src (we answered it). An UP
 * path whose remote went silent does not move to src on its word (a probe
 * may be a recording): src gets probes too, and its reply moves the path.
 */
int path_on_probe(struct path *p, const struct endpoint *src, uint64_t now_ms);
/*
 * The kernel's receive counter of the path is @rx_packets: if it moved, the
 * path carried authentic DATA from the peer since the last call.
 */
void path_saw_data(struct path *p, uint64_t rx_packets, uint64_t now_ms);
/* The path is up but its probes went unanswered for a while: ask the kernel. */
bool path_wants_data(const struct path *p, uint64_t now_ms, uint32_t probe_ms);
/*
 * Loss in 1/10000 over the last PATH_LOSS_WINDOW probes sent since the path
 * came up that are old enough to have been answered (PATH_DOWN_PROBES
 * younger probes were sent after them).
 */
uint16_t path_loss(const struct path *p);
bool path_is_up(const struct path *p);
const char *path_state_name(enum path_state s);

#endif /* AVPN_GATEWAY_PATH_H */
