/* SPDX-License-Identifier: GPL-2.0 */
/*
 * autovpn: shared kernel definitions.
 *
 * Object model (see also uapi/linux/autovpn.h):
 *
 *   avpn_dev ─┬─ uplinks[2]      UDP sockets handed in by the daemon (uplink.c)
 *             ├─ routes          prefix -> peer trie, for transmit (trie.c)
 *             ├─ peers by id     xarray (peers_xa), ordered: configuration, dumps (peer.c)
 *             └─ peers by index  hash, RCU, for receive (peer.c)
 *   avpn_peer ─┬─ paths[4]       uplink + remote endpoint + state (peer.c, select.c)
 *              ├─ keys           current / previous / next (key.c)
 *              ├─ tx/rx queues   packets in arrival order, finished in order (queue.c)
 *              └─ allowed        per-peer source prefix trie (trie.c)
 *   avpn_key  ── AEAD tfms, salts, per-path send counters and replay windows
 *
 * Locking: all configuration runs under avpn_dev.lock (a mutex: genl handlers
 * sleep to allocate tfms). The datapath never takes it: it reads peers, paths,
 * keys, tries and uplinks under RCU (rcu_read_lock_bh) and updates counters with
 * per-cpu or atomic operations. Objects reachable from the datapath are freed
 * only after an RCU grace period.
 */
#ifndef _AVPN_H
#define _AVPN_H

#include <linux/netdevice.h>
#include <linux/mutex.h>
#include <linux/hashtable.h>
#include <linux/xarray.h>
#include <linux/refcount.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <net/dst_cache.h>
#include <net/gro_cells.h>
#include <crypto/aead.h>
#include <linux/autovpn.h>
#include "queue.h"

/* Outer IPv4 + UDP + DATA header + tag: the default MTU budget (DESIGN §3). */
#define AVPN_OVERHEAD_V4 (20 + 8 + AUTOVPN_DATA_HDR_LEN + AUTOVPN_TAG_LEN)
#define AVPN_OVERHEAD_V6 (40 + 8 + AUTOVPN_DATA_HDR_LEN + AUTOVPN_TAG_LEN)

/* ---- tries (trie.c): longest-prefix match, RCU readers, mutex writers ---- */

struct avpn_trie_node;

struct avpn_trie {
	struct avpn_trie_node __rcu *root4;
	struct avpn_trie_node __rcu *root6;
	unsigned int count; /* prefixes stored; writers only */
};

void avpn_trie_init(struct avpn_trie *t);
/* Insert or overwrite prefix -> value (value != NULL). Caller holds *lock. */
int avpn_trie_insert(struct avpn_trie *t, int family, const void *addr, u8 plen, void *value,
		     struct mutex *lock);
/* Remove one exact prefix; -ENOENT if absent. */
int avpn_trie_remove(struct avpn_trie *t, int family, const void *addr, u8 plen,
		     struct mutex *lock);
/* Remove every prefix whose value == value (all of a peer's routes). */
void avpn_trie_remove_by_value(struct avpn_trie *t, void *value, struct mutex *lock);
/* Free everything (after readers are gone or under lock with RCU-deferred free). */
void avpn_trie_free(struct avpn_trie *t, struct mutex *lock);
/* Longest-prefix match; call under rcu_read_lock_bh. NULL if none. */
void *avpn_trie_lookup(struct avpn_trie *t, int family, const void *addr);
/*
 * Owned prefixes [K1]: the node also goes on the owner's list (e.g. a peer's
 * routes), so the owner's prefixes are enumerated and removed without walking
 * the whole trie. Overwriting moves the node to the new owner's list.
 */
int avpn_trie_insert_owned(struct avpn_trie *t, int family, const void *addr, u8 plen,
			   void *value, struct list_head *owner, struct mutex *lock);
void avpn_trie_remove_owned(struct avpn_trie *t, struct list_head *owner, struct mutex *lock);
int avpn_trie_walk_owned(struct list_head *owner, struct mutex *lock,
			 int (*cb)(void *ctx, int family, const void *addr, u8 plen, void *value),
			 void *ctx);
/* Exact-match lookup of one prefix (value or NULL), under lock. [K1] */
void *avpn_trie_get(struct avpn_trie *t, int family, const void *addr, u8 plen,
		    struct mutex *lock);
/* Walk every prefix (for dumps), under lock. cb returns non-zero to stop. */
int avpn_trie_walk(struct avpn_trie *t, struct mutex *lock,
		   int (*cb)(void *ctx, int family, const void *addr, u8 plen, void *value),
		   void *ctx);

/* ---- replay windows (replay.c) ---- */

/*
 * A ring of AVPN_REPLAY_WORDS words: one word more than the window, because
 * the word holding the newest counter is only partly inside the window. Any
 * of the AUTOVPN_REPLAY_WINDOW counters below the newest one accepted is
 * still accepted once.
 */
#define AVPN_REPLAY_WORDS (AUTOVPN_REPLAY_WINDOW / BITS_PER_LONG + 1)

struct avpn_replay {
	spinlock_t lock;
	u64 top; /* highest counter accepted + 1 */
	unsigned long bitmap[AVPN_REPLAY_WORDS];
};

void avpn_replay_init(struct avpn_replay *r);
/* True if counter is new (and marks it seen). Call only after authentication. */
bool avpn_replay_check(struct avpn_replay *r, u64 counter);
/* Self-tests (selftest_replay.c): 0 if they pass. Called by avpn_selftests(). */
int avpn_selftest_replay(void);
/* selftest_trie.c: randomized comparison against a naive list. [K1] */
int avpn_selftest_trie(void);

/* ---- keys (key.c) ---- */

struct avpn_peer;

struct avpn_key {
	struct crypto_aead *enc;
	struct crypto_aead *dec;
	u8 enc_salt[AUTOVPN_SALT_LEN];
	u8 dec_salt[AUTOVPN_SALT_LEN];
	u8 key_id;

	atomic64_t tx_counter[AUTOVPN_MAX_PATHS]; /* next counter per path */
	atomic64_t tx_packets;                    /* all paths: the usage limit */
	/* Receive replay windows, one per path, allocated on first use. */
	struct avpn_replay __rcu *replay[AUTOVPN_MAX_PATHS];

	u64 rekey_packets, limit_packets;
	unsigned long created; /* jiffies */
	unsigned long rekey_jiffies, lifetime_jiffies;
	unsigned long events_sent; /* bit per enum autovpn_event: notify once */

	struct avpn_peer *peer; /* not refcounted: keys die before their peer */
	refcount_t refcnt;      /* datapath users (async crypto in flight) */
	struct rcu_head rcu;
};

struct avpn_key_config {
	u8 slot, key_id;
	u8 enc_key[AUTOVPN_KEY_LEN], enc_salt[AUTOVPN_SALT_LEN];
	u8 dec_key[AUTOVPN_KEY_LEN], dec_salt[AUTOVPN_SALT_LEN];
	u64 rekey_packets, limit_packets;
	u32 rekey_secs, lifetime_secs;
};

/*
 * Limits of 0 in avpn_key_config mean "default" (AUTOVPN_KEY_DEFAULT_*; an
 * unset rekey threshold is also capped at the hard limit). Values above the
 * defaults are refused: avpn_key_config_check() says why in extack, call it
 * before avpn_key_create() (which refuses them too, with -EINVAL).
 */
int avpn_key_config_check(const struct avpn_key_config *kc, struct netlink_ext_ack *extack);
/* Process context (allocates tfms). Returns ERR_PTR on failure. */
struct avpn_key *avpn_key_create(struct avpn_peer *peer, const struct avpn_key_config *kc);
/* Drops a reference; the last one frees after an RCU grace period. */
void avpn_key_put(struct avpn_key *key);
struct avpn_key *avpn_key_get(struct avpn_key *key); /* NULL if dying */

/* Slot operations, under dev->lock. */
int avpn_keys_install(struct avpn_peer *peer, struct avpn_key *key, u8 slot,
		      struct netlink_ext_ack *extack);
int avpn_keys_swap(struct avpn_peer *peer, struct netlink_ext_ack *extack);
int avpn_keys_delete(struct avpn_peer *peer, u8 slot, struct netlink_ext_ack *extack);
void avpn_keys_clear(struct avpn_peer *peer);
/* Module exit, after every device is gone: until every key has been freed. */
void avpn_keys_wait_freed(void);

/* Datapath lookups, under rcu_read_lock_bh; returned key is referenced. */
struct avpn_key *avpn_key_for_tx(struct avpn_peer *peer);
struct avpn_key *avpn_key_for_rx(struct avpn_peer *peer, u8 key_id);
/*
 * Transmit: account one packet on key and take the next counter of path_id.
 * False (and KEY_EXPIRED notified) once the key's packet limit is reached.
 */
bool avpn_key_next_counter(struct avpn_key *key, u8 path_id, u64 *counter);
/* For dumps: whole seconds since the key was installed. */
u32 avpn_key_age_secs(const struct avpn_key *key);

/* ---- key material fingerprints (keyfp.c) ---- */

/* A device remembers at least the last AVPN_KEYFP_GEN AES keys it installed. */
#define AVPN_KEYFP_GEN (1U << 18)

struct avpn_keyfp_table;

struct avpn_keyfp {
	siphash_key_t secret;
	struct avpn_keyfp_table *cur, *old; /* generations, under dev->lock */
};

void avpn_keyfp_init(struct avpn_keyfp *kf);
void avpn_keyfp_destroy(struct avpn_keyfp *kf);
/* The fingerprint of an AES key on this device (never 0). */
u64 avpn_keyfp_of(const struct avpn_keyfp *kf, const u8 key[AUTOVPN_KEY_LEN]);
bool avpn_keyfp_seen(const struct avpn_keyfp *kf, u64 fp);
/* Room for n more fingerprints (may allocate: 0 or -ENOMEM, nothing changed). */
int avpn_keyfp_reserve(struct avpn_keyfp *kf, unsigned int n);
/* Record one; after avpn_keyfp_reserve(), cannot fail. */
void avpn_keyfp_add(struct avpn_keyfp *kf, u64 fp);
/* selftest_keyfp.c: 0 if it passes. */
int avpn_selftest_keyfp(void);

/* ---- paths ---- */

struct avpn_endpoint {
	union {
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
		struct sockaddr sa;
	};
	struct rcu_head rcu;
};

struct avpn_path_stats {
	u64_stats_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	struct u64_stats_sync syncp;
};

struct avpn_path {
	/* Written under dev->lock, read by the datapath with READ_ONCE. */
	bool configured;
	u8 id;
	u8 uplink;
	u8 state; /* enum autovpn_path_state */
	u8 priority;
	u32 class_mask;
	struct avpn_endpoint __rcu *remote;
	struct dst_cache dst_cache; /* reset when remote or uplink changes */
	struct avpn_path_stats __percpu *stats;
};

/* select.c: the path for this flow (UP paths only), or NULL. Under RCU. */
struct avpn_path *avpn_path_select(struct avpn_peer *peer, struct sk_buff *skb);

/* ---- peers (peer.c) ---- */

struct avpn_peer_stats {
	u64_stats_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	u64_stats_t rx_ce_marks, tx_ce_marks; /* aqm.c's congestion marks */
	u64_stats_t drops[__AUTOVPN_DROP_MAX];
	struct u64_stats_sync syncp;
};

struct avpn_dev;

/*
 * An entry of the receive-index hash (dev->peers_by_index): index -> peer.
 * Changing a peer's index publishes a new entry and retires the old one
 * after a grace period, so a reader walking a bucket never follows a node
 * into another bucket (peer.c).
 */
struct avpn_index {
	struct hlist_node node;
	u32 rx_index;
	struct avpn_peer *peer;
	struct rcu_head rcu;
};

struct avpn_peer {
	struct avpn_dev *avpn;
	u32 id;
	u32 rx_index;
	u32 tx_index;
	char name[AUTOVPN_MAX_PEER_NAME];

	struct avpn_path paths[AUTOVPN_MAX_PATHS];

	struct avpn_key __rcu *keys[__AUTOVPN_KEY_SLOT_MAX];
	struct avpn_trie allowed; /* allowed inner sources; value = the peer */
	struct list_head routes;  /* its nodes in dev->routes (trie owner list) [K1] */

	struct avpn_peer_stats __percpu *stats;

	/* Packets in arrival order, finished by the serial works (queue.c). */
	struct avpn_pq tx_queue, rx_queue;
	struct work_struct tx_work, rx_work;
	int serial_cpu; /* where the serial works run */

	struct avpn_index *index;   /* its entry in dev->peers_by_index */
	struct list_head list;      /* dev->peer_list, under dev->lock */
	bool dead;                  /* set before unpublishing */
	refcount_t refcnt;
	struct rcu_head rcu;
};

/* Creation: alloc (unpublished, may fail), then insert (cannot fail). [K1] */
struct avpn_peer *avpn_peer_alloc(struct avpn_dev *avpn, u32 id, u32 rx_index,
				  struct netlink_ext_ack *extack);
void avpn_peer_insert(struct avpn_peer *peer);
/*
 * Changing the receive index of a published peer: an entry for the new index
 * is allocated first (may fail; NULL = no change needed or possible, *err
 * says which), then swapped in (cannot fail). Uniqueness is checked by the
 * caller under dev->lock. avpn_index_free() frees an entry never swapped in.
 */
struct avpn_index *avpn_index_alloc(struct avpn_peer *peer, u32 rx_index);
void avpn_index_free(struct avpn_index *entry);
void avpn_peer_set_rx_index(struct avpn_peer *peer, struct avpn_index *entry);
/* Path configuration, under dev->lock. remote is consumed (NULL = keep). [K1] */
void avpn_path_configure(struct avpn_peer *peer, u8 id, u8 uplink, struct avpn_endpoint *remote,
			 u8 state, u8 priority, u32 class_mask);
void avpn_path_remove(struct avpn_peer *peer, u8 id);
void avpn_peer_remove(struct avpn_peer *peer);     /* under dev->lock */
/* Under dev->lock: prefixes changed (dumps in progress are flagged). */
void avpn_prefixes_changed(struct avpn_dev *avpn);
void avpn_peer_remove_all(struct avpn_dev *avpn);  /* under dev->lock */
struct avpn_peer *avpn_peer_by_id(struct avpn_dev *avpn, u32 id); /* under lock */
/* Receive: under rcu_read_lock_bh; returns a referenced peer or NULL. */
struct avpn_peer *avpn_peer_by_index(struct avpn_dev *avpn, u32 rx_index);
struct avpn_peer *avpn_peer_get(struct avpn_peer *peer); /* NULL if dying */
void avpn_peer_put(struct avpn_peer *peer);

/* ---- uplinks (uplink.c) ---- */

struct avpn_uplink {
	struct socket *sock; /* our own file reference: survives the daemon */
	struct avpn_dev *avpn;
	u8 id;
	bool mc_loop; /* the socket's setting before we hooked it [K1] */
	unsigned long retire_at; /* jiffies; 0 while current (uplink.c) */
	struct rcu_head rcu;
};

/*
 * Attaching uplinks, in steps, so a request naming several uplinks is all or
 * nothing [K1]: prepare (look up and check the fd, allocate; NULL = no change),
 * hook (claim the socket's encap_rcv; may fail if another user took it),
 * then publish (cannot fail). unhook/discard undo hook/prepare.
 */
struct avpn_uplink *avpn_uplink_prepare(struct avpn_dev *avpn, u8 id, int fd,
					struct netlink_ext_ack *extack);
int avpn_uplink_hook(struct avpn_uplink *up, struct netlink_ext_ack *extack);
void avpn_uplink_unhook(struct avpn_uplink *up);
void avpn_uplink_discard(struct avpn_uplink *up);
void avpn_uplink_publish(struct avpn_dev *avpn, u8 id, struct avpn_uplink *up);
/* Under dev->lock: detach uplink id (what DEV_SET without FD does). */
void avpn_uplink_detach(struct avpn_dev *avpn, u8 id);
void avpn_uplinks_release(struct avpn_dev *avpn);
/*
 * How long a replaced uplink stays hooked ("retiring", uplink.c): enough
 * for a daemon to steer its port to the new socket after the hand-over.
 */
#define AVPN_UPLINK_RETIRE_MS 500
void avpn_uplinks_init(struct avpn_dev *avpn);
/* After avpn_uplinks_release(), outside dev->lock: no retiring work left. */
void avpn_uplinks_flush(struct avpn_dev *avpn);

/* ---- namespaces only the module keeps alive (netns.c) ---- */

/* Devices are listed from registration to ndo_uninit (RTNL held). */
void avpn_netns_add_dev(struct avpn_dev *avpn);
void avpn_netns_del_dev(struct avpn_dev *avpn);
void avpn_netns_uninit(void);

/* ---- device (device.c) ---- */

struct avpn_dev_stats {
	u64_stats_t drops[__AUTOVPN_DROP_MAX];
	struct u64_stats_sync syncp;
};

#define AVPN_PEER_HASH_BITS 12

struct avpn_dev {
	struct net_device *dev;
	struct mutex lock; /* configuration: peers, keys, tries, paths, uplinks */

	struct avpn_uplink __rcu *uplinks[AUTOVPN_MAX_UPLINKS];
	/* Replaced ones, still hooked for a moment, under lock (uplink.c). */
	struct avpn_uplink *retiring[AUTOVPN_MAX_UPLINKS];
	struct delayed_work retire_work;
	struct avpn_trie routes; /* destination prefix -> peer */

	DECLARE_HASHTABLE(peers_by_index, AVPN_PEER_HASH_BITS);
	struct list_head peer_list;
	unsigned int npeers;

	bool active_active;
	bool dead; /* torn down (ndo_uninit): configuration refused [K1] */
	struct avpn_keyfp keyfp; /* every AES key ever installed here */
	struct xarray peers_xa; /* peer id -> peer, under lock: lookup and ordered dumps [K1] */
	/*
	 * Bumped (under lock) whenever a route or an allowed source changes,
	 * also by the removal of a peer that had some: a paged PEER_GET dump
	 * that spans such a change is flagged NLM_F_DUMP_INTR.
	 */
	unsigned int dump_gen;

	/* Packets waiting for a CPU to encrypt or decrypt them (queue.c). */
	struct avpn_cq encrypt_queue, decrypt_queue;

	struct gro_cells gro_cells;
	struct avpn_dev_stats __percpu *stats;
	struct list_head list; /* netns.c's list of devices, under its lock */
};

extern struct rtnl_link_ops avpn_link_ops;
int avpn_device_init(void);
void avpn_device_uninit(void);
/* Under RTNL, for genl DEV_NEW. */
struct avpn_dev *avpn_dev_create(struct net *net, const char *name, u32 mtu,
				 struct netlink_ext_ack *extack);

/* Count a drop on the device and, if known, on the peer. Any context. */
void avpn_count_drop(struct avpn_dev *avpn, struct avpn_peer *peer,
		     enum autovpn_drop_reason reason);

/* ---- datapath (send.c, receive.c, crypto.c) ---- */

netdev_tx_t avpn_xmit(struct sk_buff *skb, struct net_device *dev);
/* encap_rcv for uplink sockets: >0 = not ours, leave for the socket. */
int avpn_udp_encap_recv(struct sock *sk, struct sk_buff *skb);

/* ---- netlink (netlink.c) ---- */

int avpn_genl_init(void);
void avpn_genl_uninit(void);
/* Multicast an event; any context (GFP_ATOMIC). */
void avpn_notify_key_event(struct avpn_peer *peer, u8 key_id, enum autovpn_event event);

#endif /* _AVPN_H */
