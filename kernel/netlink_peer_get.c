// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink: PEER_GET (one peer) and its paged dump (all peers).
 *
 * The dump resumes by peer id (dev->peers_xa is ordered by id), so peers
 * added or removed between two pages neither repeat nor hide others. A peer
 * whose routes or allowed sources do not fit in one message continues in
 * the next ones: those carry only the PEER nest with its ID and the
 * remaining ROUTES / ALLOWED entries (consumers merge by peer id), resumed
 * by count. A dump across a change of routes or allowed sources
 * (dev->dump_gen) is flagged NLM_F_DUMP_INTR, as rtnetlink flags its dumps.
 */
#include <net/genetlink.h>
#include <net/sock.h>
#include "netlink.h"

struct peer_cursor {
	unsigned long id; /* peer being sent */
	unsigned long routes_done, allowed_done;
	bool continuing; /* scalars, paths and keys already sent */
};

/* pk: rx/tx packets and bytes, then rx/tx CE marks (PEER_PK). */
#define PEER_PK 6

static void peer_counters(struct avpn_peer *peer, u64 *pk, u64 *drops)
{
	unsigned int start;
	int cpu, r;

	memset(pk, 0, PEER_PK * sizeof(u64));
	memset(drops, 0, __AUTOVPN_DROP_MAX * sizeof(u64));
	for_each_possible_cpu(cpu) {
		const struct avpn_peer_stats *s = per_cpu_ptr(peer->stats, cpu);
		u64 v[PEER_PK], d[__AUTOVPN_DROP_MAX];

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			v[0] = u64_stats_read(&s->rx_packets);
			v[1] = u64_stats_read(&s->rx_bytes);
			v[2] = u64_stats_read(&s->tx_packets);
			v[3] = u64_stats_read(&s->tx_bytes);
			v[4] = u64_stats_read(&s->rx_ce_marks);
			v[5] = u64_stats_read(&s->tx_ce_marks);
			for (r = 0; r < __AUTOVPN_DROP_MAX; r++)
				d[r] = u64_stats_read(&s->drops[r]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		for (r = 0; r < PEER_PK; r++)
			pk[r] += v[r];
		for (r = 0; r < __AUTOVPN_DROP_MAX; r++)
			drops[r] += d[r];
	}
}

static void path_counters(struct avpn_path *path, u64 *pk)
{
	unsigned int start;
	int cpu, r;

	memset(pk, 0, 4 * sizeof(u64));
	for_each_possible_cpu(cpu) {
		const struct avpn_path_stats *s = per_cpu_ptr(path->stats, cpu);
		u64 v[4];

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			v[0] = u64_stats_read(&s->rx_packets);
			v[1] = u64_stats_read(&s->rx_bytes);
			v[2] = u64_stats_read(&s->tx_packets);
			v[3] = u64_stats_read(&s->tx_bytes);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		for (r = 0; r < 4; r++)
			pk[r] += v[r];
	}
}

static int put_paths(struct sk_buff *skb, struct avpn_peer *peer)
{
	struct nlattr *list, *nest;
	u64 pk[4];
	int i;

	list = nla_nest_start(skb, AUTOVPN_PEER_A_PATHS);
	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < AUTOVPN_MAX_PATHS; i++) {
		struct avpn_path *path = &peer->paths[i];
		struct avpn_endpoint *ep;

		if (!path->configured)
			continue;
		ep = rcu_dereference_protected(path->remote, lockdep_is_held(&peer->avpn->lock));
		path_counters(path, pk);
		nest = nla_nest_start(skb, AUTOVPN_PEER_A_PATH);
		if (!nest || nla_put_u8(skb, AUTOVPN_PATH_A_ID, i) ||
		    nla_put_u8(skb, AUTOVPN_PATH_A_UPLINK, path->uplink) ||
		    (ep && avpn_nl_put_sockaddr(skb, AUTOVPN_PATH_A_REMOTE, &ep->sa)) ||
		    nla_put_u8(skb, AUTOVPN_PATH_A_STATE, path->state) ||
		    nla_put_u8(skb, AUTOVPN_PATH_A_PRIORITY, path->priority) ||
		    nla_put_u32(skb, AUTOVPN_PATH_A_CLASS_MASK, path->class_mask) ||
		    nla_put_u64_64bit(skb, AUTOVPN_PATH_A_RX_PACKETS, pk[0], AUTOVPN_PATH_A_PAD) ||
		    nla_put_u64_64bit(skb, AUTOVPN_PATH_A_RX_BYTES, pk[1], AUTOVPN_PATH_A_PAD) ||
		    nla_put_u64_64bit(skb, AUTOVPN_PATH_A_TX_PACKETS, pk[2], AUTOVPN_PATH_A_PAD) ||
		    nla_put_u64_64bit(skb, AUTOVPN_PATH_A_TX_BYTES, pk[3], AUTOVPN_PATH_A_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}
	nla_nest_end(skb, list);
	return 0;
}

/* Key metadata only: key material never leaves the kernel. */
static int put_keys(struct sk_buff *skb, struct avpn_peer *peer)
{
	struct nlattr *list, *nest;
	int slot;

	list = nla_nest_start(skb, AUTOVPN_PEER_A_KEYS);
	if (!list)
		return -EMSGSIZE;
	for (slot = 0; slot < __AUTOVPN_KEY_SLOT_MAX; slot++) {
		struct avpn_key *key = rcu_dereference_protected(peer->keys[slot],
								 lockdep_is_held(&peer->avpn->lock));

		if (!key)
			continue;
		nest = nla_nest_start(skb, AUTOVPN_A_KEYCONF);
		if (!nest || nla_put_u8(skb, AUTOVPN_KEY_A_SLOT, slot) ||
		    nla_put_u8(skb, AUTOVPN_KEY_A_ID, key->key_id) ||
		    nla_put_u32(skb, AUTOVPN_KEY_A_AGE_SECS, avpn_key_age_secs(key)) ||
		    nla_put_u64_64bit(skb, AUTOVPN_KEY_A_TX_PACKETS, atomic64_read(&key->tx_packets),
				      AUTOVPN_KEY_A_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}
	nla_nest_end(skb, list);
	return 0;
}

struct prefix_put_ctx {
	struct sk_buff *skb;
	void *value;
	unsigned long skip, done; /* done counts matching prefixes seen */
};

static int prefix_cb(void *c, int family, const void *addr, u8 plen, void *value)
{
	struct prefix_put_ctx *ctx = c;
	struct sk_buff *skb = ctx->skb;
	struct nlattr *nest;

	if (value != ctx->value)
		return 0;
	if (ctx->done < ctx->skip) {
		ctx->done++;
		return 0;
	}
	nest = nla_nest_start(skb, AUTOVPN_PEER_A_PREFIX);
	if (!nest)
		return -EMSGSIZE;
	if ((family == AF_INET ? nla_put_in_addr(skb, AUTOVPN_PREFIX_A_IPV4, *(__be32 *)addr) :
				 nla_put(skb, AUTOVPN_PREFIX_A_IPV6, 16, addr)) ||
	    nla_put_u8(skb, AUTOVPN_PREFIX_A_PLEN, plen)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	ctx->done++;
	return 0;
}

/* Put the prefixes of peer in t from *done on; -EMSGSIZE if some are left. */
static int put_prefixes(struct sk_buff *skb, int type, struct avpn_peer *peer, unsigned long *done)
{
	struct prefix_put_ctx ctx = { .skb = skb, .value = peer, .skip = *done };
	struct nlattr *list = nla_nest_start(skb, type);
	struct mutex *lock = &peer->avpn->lock;
	int err;

	if (!list)
		return -EMSGSIZE;
	/* Routes: the peer's own list; allowed: the peer's own trie. */
	if (type == AUTOVPN_PEER_A_ROUTES)
		err = avpn_trie_walk_owned(&peer->routes, lock, prefix_cb, &ctx);
	else
		err = avpn_trie_walk(&peer->allowed, lock, prefix_cb, &ctx);
	nla_nest_end(skb, list);
	*done = ctx.done;
	return err;
}

/*
 * One message for peer, from the cursor on. Returns 0 when the peer is
 * complete, -EMSGSIZE if it continues in another message (the cursor says
 * where) or if not even its start fit (then the message is cancelled).
 * cb: the dump it belongs to (NULL for a PEER_GET reply).
 */
static int fill_peer(struct sk_buff *skb, struct avpn_peer *peer, u32 portid, u32 seq, int flags,
		     struct peer_cursor *cur, struct netlink_callback *cb)
{
	u64 pk[PEER_PK], drops[__AUTOVPN_DROP_MAX];
	unsigned long r0 = cur->routes_done, a0 = cur->allowed_done;
	struct nlattr *nest;
	void *hdr;
	int err;

	lockdep_assert_held(&peer->avpn->lock);
	hdr = genlmsg_put(skb, portid, seq, &avpn_genl_family, flags, AUTOVPN_CMD_PEER_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, AUTOVPN_A_IFINDEX, peer->avpn->dev->ifindex))
		goto cancel;
	nest = nla_nest_start(skb, AUTOVPN_A_PEER);
	if (!nest || nla_put_u32(skb, AUTOVPN_PEER_A_ID, peer->id))
		goto cancel;
	if (!cur->continuing) {
		peer_counters(peer, pk, drops);
		if (nla_put_u32(skb, AUTOVPN_PEER_A_RX_INDEX, peer->rx_index) ||
		    nla_put_u32(skb, AUTOVPN_PEER_A_TX_INDEX, peer->tx_index) ||
		    nla_put_string(skb, AUTOVPN_PEER_A_NAME, peer->name) ||
		    nla_put_u64_64bit(skb, AUTOVPN_PEER_A_RX_PACKETS, pk[0], AUTOVPN_PEER_A_PAD) ||
		    nla_put_u64_64bit(skb, AUTOVPN_PEER_A_RX_BYTES, pk[1], AUTOVPN_PEER_A_PAD) ||
		    nla_put_u64_64bit(skb, AUTOVPN_PEER_A_TX_PACKETS, pk[2], AUTOVPN_PEER_A_PAD) ||
		    nla_put_u64_64bit(skb, AUTOVPN_PEER_A_TX_BYTES, pk[3], AUTOVPN_PEER_A_PAD) ||
		    nla_put_u64_64bit(skb, AUTOVPN_PEER_A_RX_CE_MARKS, pk[4], AUTOVPN_PEER_A_PAD) ||
		    nla_put_u64_64bit(skb, AUTOVPN_PEER_A_TX_CE_MARKS, pk[5], AUTOVPN_PEER_A_PAD) ||
		    avpn_nl_put_drops(skb, AUTOVPN_PEER_A_STATS, drops) || put_paths(skb, peer) ||
		    put_keys(skb, peer))
			goto cancel;
	}
	err = put_prefixes(skb, AUTOVPN_PEER_A_ROUTES, peer, &cur->routes_done);
	if (!err)
		err = put_prefixes(skb, AUTOVPN_PEER_A_ALLOWED, peer, &cur->allowed_done);
	if (err && cur->routes_done == r0 && cur->allowed_done == a0 && cur->continuing)
		goto cancel; /* no progress at all: do not loop */
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	if (err)
		cur->continuing = true;
	return err;

cancel:
	genlmsg_cancel(skb, hdr);
	cur->routes_done = r0;
	cur->allowed_done = a0;
	return -EMSGSIZE;
}

int avpn_nl_peer_get(struct sk_buff *skb, struct genl_info *info)
{
	struct avpn_dev *avpn = info->user_ptr[0];
	struct peer_cursor cur = {};
	struct nlattr *tb[AUTOVPN_PEER_A_MAX + 1];
	struct avpn_peer *peer;
	struct sk_buff *msg;
	int err;

	if (!info->attrs[AUTOVPN_A_PEER]) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing attribute: PEER (use a dump for all peers)");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, AUTOVPN_A_PEER);
		return -EINVAL;
	}
	err = nla_parse_nested(tb, AUTOVPN_PEER_A_MAX, info->attrs[AUTOVPN_A_PEER], NULL,
			       info->extack);
	if (err)
		return err;
	peer = avpn_nl_peer_from_id(avpn, tb[AUTOVPN_PEER_A_ID], info->extack);
	if (IS_ERR(peer))
		return PTR_ERR(peer);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = fill_peer(msg, peer, info->snd_portid, info->snd_seq, 0, &cur, NULL);
	if (err) {
		nlmsg_free(msg);
		NL_SET_ERR_MSG_MOD(info->extack, "peer does not fit in one message: use a dump");
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * cb->args: [0] ifindex, [1] id of the peer to send next (or being
 * continued), [2] routes sent of it, [3] allowed sent of it, [4] continuing.
 */
int avpn_nl_peer_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(cb->skb->sk);
	struct peer_cursor cur;
	struct net_device *dev;
	struct avpn_dev *avpn;
	struct avpn_peer *peer;
	int err = 0, sent = 0;

	if (!cb->args[0]) {
		dev = avpn_nl_get_dev(net, avpn_dumpit_attrs(cb), cb->extack);
		if (IS_ERR(dev))
			return PTR_ERR(dev);
		cb->args[0] = dev->ifindex;
	} else {
		dev = dev_get_by_index(net, cb->args[0]);
		if (!dev || dev->rtnl_link_ops != &avpn_link_ops) {
			if (dev)
				dev_put(dev);
			return -ENODEV; /* deleted between pages */
		}
	}
	avpn = netdev_priv(dev);
	cur.id = cb->args[1];
	cur.routes_done = cb->args[2];
	cur.allowed_done = cb->args[3];
	cur.continuing = cb->args[4];

	mutex_lock(&avpn->lock);
	if (avpn->dead)
		goto out;
	/*
	 * Each call sends what the configuration is now. If prefixes changed
	 * since the previous call, its messages (or the final NLMSG_DONE)
	 * carry NLM_F_DUMP_INTR: a peer continued over several messages
	 * resumes by the number of prefixes already sent, and a route may
	 * have moved between a peer already sent and one still to come, so
	 * the client must not take the whole as a snapshot and reads it
	 * again. Peers coming and going alone are safe: the cursor is the
	 * peer id.
	 */
	cb->seq = avpn->dump_gen;
	xa_for_each_start(&avpn->peers_xa, cur.id, peer, cur.id) {
		if (cur.continuing && peer->id != cb->args[1]) {
			/* The peer being continued went away: start the next one fresh. */
			cur.continuing = false;
			cur.routes_done = cur.allowed_done = 0;
		}
		err = fill_peer(skb, peer, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				NLM_F_MULTI, &cur, cb);
		if (err)
			break;
		sent++;
		cur.continuing = false;
		cur.routes_done = cur.allowed_done = 0;
		cb->args[1] = cur.id + 1;
	}
out:
	mutex_unlock(&avpn->lock);
	dev_put(dev);
	if (err) {
		/* Resume with this peer (continued or from its start). */
		cb->args[1] = cur.id;
		cb->args[2] = cur.routes_done;
		cb->args[3] = cur.allowed_done;
		cb->args[4] = cur.continuing;
		if (!skb->len)
			return err; /* a single message cannot hold even its start */
		return skb->len;
	}
	cb->args[2] = cb->args[3] = cb->args[4] = 0;
	cb->args[1] = ULONG_MAX; /* done: the next call finds nothing */
	return skb->len;
}
