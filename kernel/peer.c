// SPDX-License-Identifier: GPL-2.0
/*
 * Peers: creation, lookup, paths and two-phase removal.
 *
 * A peer is reachable from the datapath through three RCU-published places:
 * the receive-index hash (receive), the device's route trie (transmit) and
 * keys/paths inside it. Configuration (under dev->lock) finds peers through
 * dev->peers_xa, which is ordered by id so that paged dumps can resume after
 * the last id they emitted even while peers come and go.
 *
 * Lifetime: the device owns one reference (dropped by removal); datapath
 * contexts that keep a peer beyond their RCU section (a packet in the
 * queues, a scheduled serial work: queue.c) take their own. The memory is freed after the last
 * reference and an RCU grace period.
 */
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <linux/jhash.h>
#include "avpn.h"

static void path_init(struct avpn_path *path, u8 id)
{
	path->id = id;
	path->configured = false;
	path->state = AUTOVPN_PATH_DOWN;
	RCU_INIT_POINTER(path->remote, NULL);
}

static void peer_free(struct avpn_peer *peer)
{
	int i;

	for (i = 0; i < AUTOVPN_MAX_PATHS; i++) {
		struct avpn_path *path = &peer->paths[i];

		/* No reader is left: the grace period before us saw to it. */
		kfree(rcu_dereference_protected(path->remote, 1));
		dst_cache_destroy(&path->dst_cache);
		free_percpu(path->stats);
	}
	avpn_peer_queues_check_empty(peer);
	avpn_trie_free(&peer->allowed, NULL);
	free_percpu(peer->stats);
	kfree(peer->index);
	kfree(peer);
}

static void peer_free_rcu(struct rcu_head *rcu)
{
	peer_free(container_of(rcu, struct avpn_peer, rcu));
}

/* A new reference, or NULL once removal has started (the peer is dying). */
struct avpn_peer *avpn_peer_get(struct avpn_peer *peer)
{
	if (unlikely(!peer || READ_ONCE(peer->dead) || !refcount_inc_not_zero(&peer->refcnt)))
		return NULL;
	return peer;
}

void avpn_peer_put(struct avpn_peer *peer)
{
	if (peer && refcount_dec_and_test(&peer->refcnt))
		call_rcu(&peer->rcu, peer_free_rcu);
}

struct avpn_peer *avpn_peer_by_id(struct avpn_dev *avpn, u32 id)
{
	lockdep_assert_held(&avpn->lock);
	return xa_load(&avpn->peers_xa, id);
}

static struct hlist_head *index_bucket(struct avpn_dev *avpn, u32 rx_index)
{
	return &avpn->peers_by_index[hash_min(jhash_1word(rx_index, 0), AVPN_PEER_HASH_BITS)];
}

struct avpn_peer *avpn_peer_by_index(struct avpn_dev *avpn, u32 rx_index)
{
	struct avpn_index *e;

	hlist_for_each_entry_rcu(e, index_bucket(avpn, rx_index), node) {
		if (e->rx_index == rx_index)
			return avpn_peer_get(e->peer);
	}
	return NULL;
}

static bool rx_index_used(struct avpn_dev *avpn, u32 rx_index)
{
	struct avpn_index *e;

	lockdep_assert_held(&avpn->lock);
	hlist_for_each_entry(e, index_bucket(avpn, rx_index), node)
		if (e->rx_index == rx_index)
			return true;
	return false;
}

struct avpn_index *avpn_index_alloc(struct avpn_peer *peer, u32 rx_index)
{
	struct avpn_index *e = kzalloc(sizeof(*e), GFP_KERNEL);

	if (e) {
		INIT_HLIST_NODE(&e->node);
		e->rx_index = rx_index;
		e->peer = peer;
	}
	return e;
}

void avpn_index_free(struct avpn_index *entry)
{
	kfree(entry);
}

struct avpn_peer *avpn_peer_alloc(struct avpn_dev *avpn, u32 id, u32 rx_index,
				  struct netlink_ext_ack *extack)
{
	struct avpn_peer *peer;
	int i, ret = -ENOMEM;

	lockdep_assert_held(&avpn->lock);
	if (!id || !rx_index) {
		NL_SET_ERR_MSG_MOD(extack, "peer id and receive index must be non-zero");
		return ERR_PTR(-EINVAL);
	}
	if (xa_load(&avpn->peers_xa, id)) {
		NL_SET_ERR_MSG_MOD(extack, "a peer with this id already exists");
		return ERR_PTR(-EEXIST);
	}
	if (rx_index_used(avpn, rx_index)) {
		NL_SET_ERR_MSG_MOD(extack, "receive index already used by another peer");
		return ERR_PTR(-EEXIST);
	}

	peer = kzalloc(sizeof(*peer), GFP_KERNEL);
	if (!peer)
		goto err_msg;
	peer->avpn = avpn;
	peer->id = id;
	peer->rx_index = rx_index;
	refcount_set(&peer->refcnt, 1);
	peer->index = avpn_index_alloc(peer, rx_index);
	if (!peer->index)
		goto err_free;
	INIT_LIST_HEAD(&peer->list);
	INIT_LIST_HEAD(&peer->routes);
	avpn_trie_init(&peer->allowed);
	avpn_peer_queues_init(peer);
	peer->stats = netdev_alloc_pcpu_stats(struct avpn_peer_stats);
	if (!peer->stats)
		goto err_free;
	for (i = 0; i < AUTOVPN_MAX_PATHS; i++) {
		struct avpn_path *path = &peer->paths[i];

		path_init(path, i);
		path->stats = netdev_alloc_pcpu_stats(struct avpn_path_stats);
		if (!path->stats || dst_cache_init(&path->dst_cache, GFP_KERNEL))
			goto err_free;
	}
	/* Reserve the id now so that avpn_peer_insert() cannot fail. */
	ret = xa_reserve(&avpn->peers_xa, id, GFP_KERNEL);
	if (ret)
		goto err_free;
	return peer;

err_free:
	/* Never published: nothing can reach it, free without a grace period. */
	for (i = 0; i < AUTOVPN_MAX_PATHS; i++) {
		dst_cache_destroy(&peer->paths[i].dst_cache);
		free_percpu(peer->paths[i].stats);
	}
	free_percpu(peer->stats);
	kfree(peer->index);
	kfree(peer);
err_msg:
	NL_SET_ERR_MSG_MOD(extack, "out of memory allocating the peer");
	return ERR_PTR(ret);
}

void avpn_prefixes_changed(struct avpn_dev *avpn)
{
	lockdep_assert_held(&avpn->lock);
	/* 0 would mean "no check" to nl_dump_check_consistent(). */
	if (!++avpn->dump_gen)
		avpn->dump_gen = 1;
}

void avpn_peer_insert(struct avpn_peer *peer)
{
	struct avpn_dev *avpn = peer->avpn;

	lockdep_assert_held(&avpn->lock);
	/* The slot was reserved by avpn_peer_alloc(): no allocation here. */
	WARN_ON(xa_store(&avpn->peers_xa, peer->id, peer, GFP_KERNEL));
	list_add_tail(&peer->list, &avpn->peer_list);
	hlist_add_head_rcu(&peer->index->node, index_bucket(avpn, peer->rx_index));
	avpn->npeers++;
}

void avpn_peer_set_rx_index(struct avpn_peer *peer, struct avpn_index *entry)
{
	struct avpn_dev *avpn = peer->avpn;
	struct avpn_index *old = peer->index;

	lockdep_assert_held(&avpn->lock);
	/*
	 * The new entry goes into its bucket before the old one leaves its own,
	 * so the peer is found under one index or the other throughout. The old
	 * entry is unlinked with its next pointer intact and freed after a
	 * grace period: a reader standing on it goes on down its own bucket and
	 * finds the peers behind it. (Moving one node from bucket to bucket, as
	 * this did before, sent such a reader into the other bucket, and the
	 * peers behind it in the old one went unseen.)
	 */
	hlist_add_head_rcu(&entry->node, index_bucket(avpn, entry->rx_index));
	hlist_del_rcu(&old->node);
	peer->index = entry;
	WRITE_ONCE(peer->rx_index, entry->rx_index);
	kfree_rcu(old, rcu);
}

void avpn_path_configure(struct avpn_peer *peer, u8 id, u8 uplink, struct avpn_endpoint *remote,
			 u8 state, u8 priority, u32 class_mask)
{
	struct avpn_path *path = &peer->paths[id];
	struct avpn_endpoint *old = NULL;
	bool moved;

	lockdep_assert_held(&peer->avpn->lock);
	moved = READ_ONCE(path->uplink) != uplink;
	if (remote) {
		old = rcu_replace_pointer(path->remote, remote,
					  lockdep_is_held(&peer->avpn->lock));
		moved = true;
	}
	WRITE_ONCE(path->uplink, uplink);
	WRITE_ONCE(path->priority, priority);
	WRITE_ONCE(path->class_mask, class_mask);
	WRITE_ONCE(path->state, state);
	/* A cached route to the old endpoint or via the old uplink is stale. */
	if (moved)
		dst_cache_reset(&path->dst_cache);
	/* Publish last: the datapath only uses configured paths. */
	smp_store_release(&path->configured, true);
	if (old)
		kfree_rcu(old, rcu);
}

void avpn_path_remove(struct avpn_peer *peer, u8 id)
{
	struct avpn_path *path = &peer->paths[id];
	struct avpn_endpoint *old;

	lockdep_assert_held(&peer->avpn->lock);
	WRITE_ONCE(path->configured, false);
	WRITE_ONCE(path->state, AUTOVPN_PATH_DOWN);
	old = rcu_replace_pointer(path->remote, NULL, lockdep_is_held(&peer->avpn->lock));
	dst_cache_reset(&path->dst_cache);
	if (old)
		kfree_rcu(old, rcu);
	/*
	 * The keys' send counters of this path id are left as they are: a new
	 * path with this id continues them, since a (key, path id, counter)
	 * must never be used twice.
	 */
}

/*
 * Phase one of removal: make the peer unreachable for new lookups. After it,
 * the receive hash, the route trie and the peer's key slots no longer lead to
 * the peer or its keys.
 */
static void peer_unpublish(struct avpn_peer *peer)
{
	struct avpn_dev *avpn = peer->avpn;

	lockdep_assert_held(&avpn->lock);
	WRITE_ONCE(peer->dead, true);
	xa_erase(&avpn->peers_xa, peer->id); /* also releases a mere reservation */
	if (!list_empty(&peer->list)) {
		list_del_init(&peer->list);
		avpn->npeers--;
		/* A dump may have sent part of its prefixes. */
		if (!list_empty(&peer->routes) || peer->allowed.count)
			avpn_prefixes_changed(avpn);
	}
	/* The entry is freed with the peer, after a grace period. */
	if (!hlist_unhashed(&peer->index->node))
		hlist_del_init_rcu(&peer->index->node);
	avpn_trie_remove_owned(&avpn->routes, &peer->routes, &avpn->lock);
	avpn_keys_clear(peer);
}

/*
 * Phase two: drop the device's reference. Memory is freed after the last
 * datapath reference and a further grace period (avpn_peer_put).
 */
static void peer_release(struct avpn_peer *peer)
{
	/*
	 * A reader that finds an allowed source gone must also find the peer
	 * dead (avpn_rx_finish() counts no_peer, not source). Pairs with the
	 * smp_rmb() there.
	 */
	smp_wmb();
	avpn_trie_free(&peer->allowed, &peer->avpn->lock);
	avpn_peer_put(peer);
}

void avpn_peer_remove(struct avpn_peer *peer)
{
	peer_unpublish(peer);
	/*
	 * No grace period is waited for here (one per PEER_DEL, under the genl
	 * mutex, made removing 10,000 peers take minutes). Nothing needs it:
	 * every datapath context (xmit, encap_rcv, the GRO/NAPI poll, crypto
	 * completions in softirq) finds peers, keys, trie nodes and endpoints
	 * only under rcu_read_lock_bh, and each of them is freed after a grace
	 * period (the allowed trie's nodes by kfree_rcu, keys and the peer by
	 * call_rcu once their last reference is gone). A context that found
	 * the peer just before phase one may still finish its packet with it,
	 * count it and, for a key limit it hits, notify. Packets already in
	 * the queues (queue.c, at most AVPN_MAX_QUEUED a direction) hold
	 * references to peer, key and device, and are still finished in order:
	 * sent with the key and counter they were given, while the path still
	 * has an endpoint and an uplink; received ones are dropped and counted
	 * as no_peer (avpn_rx_finish). New lookups fail.
	 */
	peer_release(peer);
}

void avpn_peer_remove_all(struct avpn_dev *avpn)
{
	struct avpn_peer *peer, *tmp;
	LIST_HEAD(dead);

	lockdep_assert_held(&avpn->lock);
	/* Drop the routes at once instead of one trie walk per peer. */
	avpn_trie_free(&avpn->routes, &avpn->lock);
	list_for_each_entry_safe(peer, tmp, &avpn->peer_list, list) {
		peer_unpublish(peer);
		list_add_tail(&peer->list, &dead);
	}
	/*
	 * Device teardown: wait for one grace period for all of them, so that
	 * no datapath context still counts or notifies for a peer of a device
	 * that is going away (see avpn_peer_remove() for why a single removal
	 * need not wait).
	 */
	synchronize_net();
	list_for_each_entry_safe(peer, tmp, &dead, list) {
		list_del_init(&peer->list);
		peer_release(peer);
	}
}
