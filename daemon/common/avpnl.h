/* SPDX-License-Identifier: GPL-2.0 */
/*
 * avpnl.h - libnl-3 client for the "autovpn" generic netlink family.
 *
 * One function per kernel verb (uapi/linux/autovpn.h documents them). Used by
 * the `autovpn` tool and by autovpnd, so nothing here prints or exits.
 *
 * Every function returns 0 or a negative errno. When the kernel rejected a
 * request, avpnl_errmsg() returns its extended ack message ("unknown peer",
 * ...); when the failure was local (libnl, allocation, message too large) it
 * returns a short description of that. The message stays valid until the
 * next request on the same handle.
 *
 * Devices are named by ifindex (if_nametoindex() for names). Requests are
 * synchronous: each waits for the kernel's ack or error.
 *
 * Key material passed in struct avpnl_key is copied into the netlink message
 * and the message buffer is wiped before it is freed; callers wipe their own
 * copies (avpnl_key_wipe()).
 */
#ifndef AVPN_AVPNL_H
#define AVPN_AVPNL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/autovpn.h>

#include "base/endpoint.h"
#include "base/prefix.h"

struct avpnl;

/* Opens a genl socket and resolves the family (autoloads the module). */
int avpnl_open(struct avpnl **out);
void avpnl_close(struct avpnl *h);
/* Message of the last failure on @h, or NULL if it carried none. */
const char *avpnl_errmsg(const struct avpnl *h);

/* ---- devices ---- */

struct avpnl_uplink {
	uint8_t id;
	bool has_local;
	struct endpoint local; /* bound address of its socket (get) */
};

struct avpnl_dev {
	uint32_t ifindex;
	char ifname[IF_NAMESIZE]; /* empty if the kernel did not say */
	uint32_t mtu;		  /* 0 if the kernel did not say */
	bool active_active;
	uint32_t npeers;
	size_t n_uplinks;
	struct avpnl_uplink uplinks[AUTOVPN_MAX_UPLINKS];
	bool has_stats;
	uint64_t drops[__AUTOVPN_DROP_MAX]; /* index = enum autovpn_drop_reason */
};

/* @mtu 0 = the module's default. @ifindex may be NULL. */
int avpnl_dev_new(struct avpnl *h, const char *ifname, uint32_t mtu, uint32_t *ifindex);
int avpnl_dev_del(struct avpnl *h, uint32_t ifindex);
int avpnl_dev_get(struct avpnl *h, uint32_t ifindex, struct avpnl_dev *out);
/* Calls @cb for every autovpn device in the netns; a non-zero return stops. */
typedef int (*avpnl_dev_cb)(const struct avpnl_dev *dev, void *arg);
int avpnl_dev_dump(struct avpnl *h, avpnl_dev_cb cb, void *arg);

/* One DEV_SET request: optional flag change and uplink attach/detach. */
struct avpnl_uplink_set {
	uint8_t id;
	int fd; /* bound UDP socket, or -1 to detach */
};

struct avpnl_dev_set {
	bool set_active_active;
	bool active_active;
	size_t n_uplinks;
	struct avpnl_uplink_set uplinks[AUTOVPN_MAX_UPLINKS];
};

int avpnl_dev_set(struct avpnl *h, uint32_t ifindex, const struct avpnl_dev_set *req);
/* Shorthands for a single change. */
int avpnl_dev_set_uplink(struct avpnl *h, uint32_t ifindex, uint8_t id, int fd);
int avpnl_dev_set_flags(struct avpnl *h, uint32_t ifindex, bool active_active);

/* ---- peers ---- */

struct avpnl_prefix {
	struct prefix prefix;
	bool remove; /* AUTOVPN_PREFIX_F_REMOVE */
};

/* Which optional path fields a request carries. */
enum {
	AVPNL_PATH_UPLINK = 1U << 0,
	AVPNL_PATH_REMOTE = 1U << 1,
	AVPNL_PATH_STATE = 1U << 2,
	AVPNL_PATH_PRIORITY = 1U << 3,
	AVPNL_PATH_CLASS_MASK = 1U << 4,
};

struct avpnl_path {
	uint8_t id;
	unsigned int set; /* AVPNL_PATH_* (requests; get fills what it saw) */
	uint8_t uplink;
	struct endpoint remote;
	uint8_t state; /* enum autovpn_path_state */
	uint8_t priority;
	uint32_t class_mask;
	bool remove;
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes; /* get */
};

enum {
	AVPNL_KEY_REKEY_PACKETS = 1U << 0,
	AVPNL_KEY_LIMIT_PACKETS = 1U << 1,
	AVPNL_KEY_REKEY_SECS = 1U << 2,
	AVPNL_KEY_LIFETIME_SECS = 1U << 3,
	AVPNL_KEY_AGE = 1U << 4,	/* get */
	AVPNL_KEY_TX_PACKETS = 1U << 5, /* get */
};

struct avpnl_key {
	uint8_t slot; /* enum autovpn_key_slot */
	uint8_t id;
	unsigned int set; /* AVPNL_KEY_* */
	uint8_t enc_key[AUTOVPN_KEY_LEN], enc_salt[AUTOVPN_SALT_LEN];
	uint8_t dec_key[AUTOVPN_KEY_LEN], dec_salt[AUTOVPN_SALT_LEN];
	uint64_t rekey_packets, limit_packets;
	uint32_t rekey_secs, lifetime_secs;
	uint32_t age_secs;   /* get */
	uint64_t tx_packets; /* get */
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
	struct avpnl_prefix *routes;
	size_t n_routes, cap_routes;
	struct avpnl_prefix *allowed;
	size_t n_allowed, cap_allowed;
	size_t n_paths;
	struct avpnl_path paths[AUTOVPN_MAX_PATHS];
	size_t n_keys; /* get */
	struct avpnl_key keys[__AUTOVPN_KEY_SLOT_MAX];
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes; /* get */
	uint64_t drops[__AUTOVPN_DROP_MAX];		     /* get */
};

/* Appends a prefix to p->routes or p->allowed. 0 or -ENOMEM. */
int avpnl_peer_add_route(struct avpnl_peer *p, const struct prefix *pfx, bool remove);
int avpnl_peer_add_allowed(struct avpnl_peer *p, const struct prefix *pfx, bool remove);
/* Frees the arrays and zeroes the struct. */
void avpnl_peer_clear(struct avpnl_peer *p);

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

/* ---- keys ---- */

int avpnl_key_new(struct avpnl *h, uint32_t ifindex, uint32_t peer_id, const struct avpnl_key *k);
int avpnl_key_swap(struct avpnl *h, uint32_t ifindex, uint32_t peer_id);
int avpnl_key_del(struct avpnl *h, uint32_t ifindex, uint32_t peer_id, uint8_t slot);
/* Wipes the key material in @k. */
void avpnl_key_wipe(struct avpnl_key *k);

/* ---- events (multicast group "events") ---- */

struct avpnl_event {
	uint8_t type; /* enum autovpn_event */
	uint32_t ifindex;
	uint32_t peer_id;
	bool has_key_id;
	uint8_t key_id;
};

/*
 * Subscribes @h to the events group. Use a handle dedicated to events (as
 * notifications arrive between replies otherwise): avpnl_open() a second one.
 */
int avpnl_events_subscribe(struct avpnl *h);
/* The socket to poll() for POLLIN. */
int avpnl_events_fd(const struct avpnl *h);
/*
 * Blocks until at least one notification arrived (unless the socket was made
 * non-blocking), calls @cb for each. A non-zero return from @cb is returned.
 */
typedef int (*avpnl_event_cb)(const struct avpnl_event *ev, void *arg);
int avpnl_events_recv(struct avpnl *h, avpnl_event_cb cb, void *arg);

/* "malformed", "no_peer", ... (lower-case enum suffix), NULL if out of range. */
const char *avpnl_drop_name(unsigned int reason);
/* "current", "previous", "next", NULL if out of range. */
const char *avpnl_slot_name(unsigned int slot);

#endif /* AVPN_AVPNL_H */
