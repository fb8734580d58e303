/* SPDX-License-Identifier: GPL-2.0 */
/*
 * avpnl_peer.h - peers of an autovpn device: PEER_NEW, PEER_SET, PEER_DEL,
 * PEER_GET (and dump), each peer with its routes, allowed sources and
 * paths; get and dump also return its keys (avpnl_key.h) and counters.
 * 0 or a negative errno, as avpnl.h describes.
 */
#ifndef AVPN_NL_AVPNL_PEER_H
#define AVPN_NL_AVPNL_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/endpoint.h"
#include "base/prefix.h"
#include "nl/avpnl.h"
#include "nl/avpnl_key.h"

/* An entry of a peer's routes or allowed sources. */
struct avpnl_peer_prefix {
	struct prefix prefix;
	bool remove; /* AUTOVPN_PREFIX_F_REMOVE */
};

/* Which optional path fields a request carries. */
enum {
	AVPNL_PEER_PATH_UPLINK = 1U << 0,
	AVPNL_PEER_PATH_REMOTE = 1U << 1,
	AVPNL_PEER_PATH_STATE = 1U << 2,
	AVPNL_PEER_PATH_PRIORITY = 1U << 3,
	AVPNL_PEER_PATH_CLASS_MASK = 1U << 4,
};

struct avpnl_peer_path {
	uint8_t id;
	unsigned int set; /* AVPNL_PEER_PATH_* (requests; get fills what it saw) */
	uint8_t uplink;
	struct endpoint remote;
	uint8_t state; /* enum autovpn_path_state */
	uint8_t priority;
	uint32_t class_mask;
	bool remove;
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes; /* get */
};

enum {
	AVPNL_PEER_RX_INDEX = 1U << 0,
	AVPNL_PEER_TX_INDEX = 1U << 1,
	AVPNL_PEER_NAME = 1U << 2,
	AVPNL_PEER_ROUTES = 1U << 3,  /* send the ROUTES nest (even if empty) */
	AVPNL_PEER_ALLOWED = 1U << 4, /* send the ALLOWED nest (even if empty) */
	AVPNL_PEER_STATS = 1U << 5,   /* get: drops[] was reported */
};

/*
 * A peer as sent in PEER_NEW/PEER_SET and as read back by get/dump.
 * routes/allowed are heap arrays owned by the struct (avpnl_peer_clear()).
 * @flags: enum autovpn_peer_flags (REPLACE_*), sent when non-zero.
 */
struct avpnl_peer {
	uint32_t id;
	unsigned int set; /* AVPNL_PEER_* */
	uint32_t rx_index, tx_index;
	char name[AUTOVPN_MAX_PEER_NAME];
	uint32_t flags;
	struct avpnl_peer_prefix *routes;
	size_t n_routes, cap_routes;
	struct avpnl_peer_prefix *allowed;
	size_t n_allowed, cap_allowed;
	size_t n_paths;
	struct avpnl_peer_path paths[AUTOVPN_MAX_PATHS];
	size_t n_keys; /* get */
	struct avpnl_key keys[__AUTOVPN_KEY_SLOT_MAX];
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes; /* get */
	uint64_t rx_ce_marks, tx_ce_marks;		     /* get */
	uint64_t drops[__AUTOVPN_DROP_MAX];		     /* get */
};

/* Appends a prefix to p->routes or p->allowed. 0 or -ENOMEM. */
int avpnl_peer_add_route(struct avpnl_peer *p, const struct prefix *pfx, bool remove);
int avpnl_peer_add_allowed(struct avpnl_peer *p, const struct prefix *pfx, bool remove);
/* Frees the arrays and zeroes the struct. */
void avpnl_peer_clear(struct avpnl_peer *p);

/*
 * Prefixes (routes + allowed) per request: a PEER nest is at most 64 KiB.
 * avpnl_peer_new/set send longer lists in several requests (see there).
 */
#define AVPNL_PEER_PREFIXES_PER_REQUEST 1000

int avpnl_peer_new(struct avpnl *h, uint32_t ifindex, const struct avpnl_peer *p);
int avpnl_peer_set(struct avpnl *h, uint32_t ifindex, const struct avpnl_peer *p);
int avpnl_peer_del(struct avpnl *h, uint32_t ifindex, uint32_t peer_id);
/* Fills @out (avpnl_peer_clear() it afterwards). -ENOENT etc. from the kernel. */
int avpnl_peer_get(struct avpnl *h, uint32_t ifindex, uint32_t peer_id, struct avpnl_peer *out);
/*
 * Calls @cb once per peer of the device (a peer the kernel split over several
 * dump messages is merged first). The peer is only valid during the call. A
 * non-zero return stops the callbacks; the rest of the dump is drained.
 */
typedef int (*avpnl_peer_cb)(const struct avpnl_peer *peer, void *arg);
int avpnl_peer_dump(struct avpnl *h, uint32_t ifindex, avpnl_peer_cb cb, void *arg);

#endif /* AVPN_NL_AVPNL_PEER_H */
