// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink: PEER_NEW / PEER_SET / PEER_DEL / PEER_GET.
 *
 * A peer request is applied in three stages, all under dev->lock:
 *   1. parse and validate the whole request into a struct peer_req
 *      (prefixes, paths with pre-allocated endpoints), checking it against
 *      the current state (unknown peer, duplicate ids, uplinks attached ...);
 *   2. steps that may fail for lack of memory, each with an exact undo:
 *      the peer allocation and the prefix insertions (an insertion either
 *      adds a node or overwrites a value; the undo log restores the old
 *      value or removes the prefix, neither of which allocates);
 *   3. steps that cannot fail: removals, paths, indexes, name, publication.
 * So a rejected request leaves everything as it was.
 */
#include <linux/slab.h>
#include <net/genetlink.h>
#include "netlink.h"

struct prefix_req {
	int family;
	u8 addr[16];
	u8 plen;
	bool remove;
	void *old; /* undo: value before our insertion */
};

struct prefix_set {
	struct prefix_req *v;
	unsigned int n;
	bool present, replace;
	/* Stage 2 results. */
	unsigned int inserted;
	struct prefix_req *stale; /* replace: current prefixes not in the list */
	unsigned int nstale;
};

struct path_req {
	bool present, remove;
	struct nlattr *attr;
	u8 uplink, state, priority;
	bool has_uplink, has_state, has_priority, has_class;
	u32 class_mask;
	struct avpn_endpoint *remote;
};

struct peer_req {
	u32 id, rx_index, tx_index;
	struct avpn_index *index; /* PEER_SET: entry for a new rx_index */
	bool has_rx, has_tx, has_name;
	u32 flags;
	char name[AUTOVPN_MAX_PEER_NAME];
	struct prefix_set routes, allowed;
	struct path_req paths[AUTOVPN_MAX_PATHS];
};

/*
 * Routes (the device trie) keep each peer's nodes on peer->routes; allowed
 * sources live in the peer's own trie. owner_of() gives the list for a value.
 */
static struct list_head *owner_of(bool routes, void *value)
{
	return routes && value ? &((struct avpn_peer *)value)->routes : NULL;
}

static int prefix_insert(struct avpn_trie *t, bool routes, struct prefix_req *p, void *value,
			 struct mutex *lock)
{
	return avpn_trie_insert_owned(t, p->family, p->addr, p->plen, value,
				      owner_of(routes, value), lock);
}

static void peer_req_free(struct peer_req *r)
{
	int i;

	kvfree(r->routes.v);
	kvfree(r->routes.stale);
	kvfree(r->allowed.v);
	kvfree(r->allowed.stale);
	for (i = 0; i < AUTOVPN_MAX_PATHS; i++)
		kfree(r->paths[i].remote);
	avpn_index_free(r->index);
	kfree(r);
}

static int family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

static bool host_bits_clear(const u8 *addr, int alen, u8 plen)
{
	int i;

	for (i = 0; i < alen; i++) {
		int bits = (int)plen - i * 8;
		u8 keep = bits >= 8 ? 0xff : bits <= 0 ? 0 : (u8)(0xff << (8 - bits));

		if (addr[i] & ~keep)
			return false;
	}
	return true;
}

static int parse_prefix(struct nlattr *nest, struct prefix_req *p, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[AUTOVPN_PREFIX_A_MAX + 1];
	int err, alen;

	err = nla_parse_nested(tb, AUTOVPN_PREFIX_A_MAX, nest, avpn_prefix_policy, extack);
	if (err)
		return err;
	if (!!tb[AUTOVPN_PREFIX_A_IPV4] == !!tb[AUTOVPN_PREFIX_A_IPV6]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "prefix needs exactly one of IPV4 and IPV6");
		return -EINVAL;
	}
	AVPN_NL_REQUIRE(extack, nest, tb, AUTOVPN_PREFIX_A_PLEN, "prefix needs a PLEN");
	memset(p, 0, sizeof(*p));
	if (tb[AUTOVPN_PREFIX_A_IPV4]) {
		p->family = AF_INET;
		alen = 4;
		memcpy(p->addr, nla_data(tb[AUTOVPN_PREFIX_A_IPV4]), 4);
	} else {
		p->family = AF_INET6;
		alen = 16;
		memcpy(p->addr, nla_data(tb[AUTOVPN_PREFIX_A_IPV6]), 16);
	}
	p->plen = nla_get_u8(tb[AUTOVPN_PREFIX_A_PLEN]);
	if (p->plen > family_bits(p->family)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[AUTOVPN_PREFIX_A_PLEN],
				    "prefix length longer than the address");
		return -EINVAL;
	}
	if (!host_bits_clear(p->addr, alen, p->plen)) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "prefix has host bits set beyond its length");
		return -EINVAL;
	}
	if (tb[AUTOVPN_PREFIX_A_FLAGS])
		p->remove = nla_get_u32(tb[AUTOVPN_PREFIX_A_FLAGS]) & AUTOVPN_PREFIX_F_REMOVE;
	return 0;
}

static int parse_prefix_list(struct nlattr *list, struct prefix_set *set, bool replace,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *attr;
	unsigned int n = 0;
	int rem, err;

	set->present = true;
	set->replace = replace;
	nla_for_each_nested(attr, list, rem)
		n++;
	if (!n)
		return 0;
	set->v = kvmalloc_array(n, sizeof(*set->v), GFP_KERNEL);
	if (!set->v) {
		NL_SET_ERR_MSG_MOD(extack, "out of memory");
		return -ENOMEM;
	}
	nla_for_each_nested(attr, list, rem) {
		struct prefix_req *p = &set->v[set->n];

		err = parse_prefix(attr, p, extack);
		if (err)
			return err;
		if (p->remove && replace) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "REMOVE flag on a prefix makes no sense with REPLACE");
			return -EINVAL;
		}
		set->n++;
	}
	return 0;
}

static int parse_path(struct avpn_dev *avpn, struct avpn_peer *peer, struct nlattr *nest,
		      struct peer_req *r, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[AUTOVPN_PATH_A_MAX + 1];
	struct avpn_uplink *up;
	struct path_req *p;
	bool exists;
	int err, u;
	u8 id;

	err = nla_parse_nested(tb, AUTOVPN_PATH_A_MAX, nest, avpn_path_policy, extack);
	if (err)
		return err;
	AVPN_NL_REQUIRE(extack, nest, tb, AUTOVPN_PATH_A_ID, "path needs an ID");
	id = nla_get_u8(tb[AUTOVPN_PATH_A_ID]);
	p = &r->paths[id];
	if (p->present) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "path listed twice");
		return -EINVAL;
	}
	p->present = true;
	p->attr = nest;
	exists = peer && READ_ONCE(peer->paths[id].configured);
	if (tb[AUTOVPN_PATH_A_REMOVE]) {
		if (!exists) {
			NL_SET_ERR_MSG_ATTR(extack, nest, "cannot remove a path that does not exist");
			return -ENOENT;
		}
		p->remove = true;
		return 0;
	}
	if (!exists && (!tb[AUTOVPN_PATH_A_UPLINK] || !tb[AUTOVPN_PATH_A_REMOTE])) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "a new path needs UPLINK and REMOTE");
		NL_SET_ERR_ATTR_MISS(extack, nest, tb[AUTOVPN_PATH_A_UPLINK] ?
				     AUTOVPN_PATH_A_REMOTE : AUTOVPN_PATH_A_UPLINK);
		return -EINVAL;
	}
	if (tb[AUTOVPN_PATH_A_UPLINK]) {
		p->has_uplink = true;
		p->uplink = nla_get_u8(tb[AUTOVPN_PATH_A_UPLINK]);
	}
	if (tb[AUTOVPN_PATH_A_REMOTE]) {
		p->remote = avpn_nl_parse_endpoint(tb[AUTOVPN_PATH_A_REMOTE], extack);
		if (IS_ERR(p->remote)) {
			err = PTR_ERR(p->remote);
			p->remote = NULL;
			return err;
		}
	}
	/* The uplink must be attached and of the endpoint's address family. */
	u = p->has_uplink ? p->uplink : peer->paths[id].uplink;
	up = rcu_dereference_protected(avpn->uplinks[u], lockdep_is_held(&avpn->lock));
	if (!up) {
		NL_SET_ERR_MSG_ATTR(extack, tb[AUTOVPN_PATH_A_UPLINK] ?: nest,
				    "unknown uplink: no socket attached with this uplink id");
		return -ENOENT;
	}
	if (p->remote || p->has_uplink) {
		struct avpn_endpoint *ep = p->remote;
		int family;

		if (!ep)
			ep = rcu_dereference_protected(peer->paths[id].remote,
						       lockdep_is_held(&avpn->lock));
		family = ep ? ep->sa.sa_family : AF_UNSPEC;
		if (family != up->sock->sk->sk_family) {
			NL_SET_ERR_MSG_ATTR(extack, nest,
					    "endpoint address family differs from the uplink socket's");
			return -EAFNOSUPPORT;
		}
	}
	if (tb[AUTOVPN_PATH_A_STATE]) {
		p->has_state = true;
		p->state = nla_get_u8(tb[AUTOVPN_PATH_A_STATE]);
	}
	if (tb[AUTOVPN_PATH_A_PRIORITY]) {
		p->has_priority = true;
		p->priority = nla_get_u8(tb[AUTOVPN_PATH_A_PRIORITY]);
	}
	if (tb[AUTOVPN_PATH_A_CLASS_MASK]) {
		p->has_class = true;
		p->class_mask = nla_get_u32(tb[AUTOVPN_PATH_A_CLASS_MASK]);
	}
	return 0;
}

/*
 * Stage 1: everything about the request that can be checked. peer is the
 * existing peer (PEER_SET) or NULL (PEER_NEW).
 */
static int parse_peer(struct avpn_dev *avpn, struct avpn_peer *peer, struct nlattr **tb,
		      struct peer_req *r, struct netlink_ext_ack *extack)
{
	struct nlattr *attr;
	int rem, err;

	r->id = nla_get_u32(tb[AUTOVPN_PEER_A_ID]);
	if (tb[AUTOVPN_PEER_A_RX_INDEX]) {
		struct avpn_peer *other;

		r->has_rx = true;
		r->rx_index = nla_get_u32(tb[AUTOVPN_PEER_A_RX_INDEX]);
		rcu_read_lock_bh();
		other = avpn_peer_by_index(avpn, r->rx_index);
		rcu_read_unlock_bh();
		if (other)
			avpn_peer_put(other);
		if (other && other != peer) {
			NL_SET_ERR_MSG_ATTR(extack, tb[AUTOVPN_PEER_A_RX_INDEX],
					    "receive index already used by another peer");
			return -EEXIST;
		}
	}
	if (tb[AUTOVPN_PEER_A_TX_INDEX]) {
		r->has_tx = true;
		r->tx_index = nla_get_u32(tb[AUTOVPN_PEER_A_TX_INDEX]);
	}
	if (tb[AUTOVPN_PEER_A_NAME]) {
		r->has_name = true;
		nla_strscpy(r->name, tb[AUTOVPN_PEER_A_NAME], sizeof(r->name));
	}
	if (tb[AUTOVPN_PEER_A_FLAGS])
		r->flags = nla_get_u32(tb[AUTOVPN_PEER_A_FLAGS]);
	if (tb[AUTOVPN_PEER_A_ROUTES]) {
		err = parse_prefix_list(tb[AUTOVPN_PEER_A_ROUTES], &r->routes,
					r->flags & AUTOVPN_PEER_F_REPLACE_ROUTES, extack);
		if (err)
			return err;
	} else if (r->flags & AUTOVPN_PEER_F_REPLACE_ROUTES) {
		/* Replace with nothing: remove all routes. */
		r->routes.present = r->routes.replace = true;
	}
	if (tb[AUTOVPN_PEER_A_ALLOWED]) {
		err = parse_prefix_list(tb[AUTOVPN_PEER_A_ALLOWED], &r->allowed,
					r->flags & AUTOVPN_PEER_F_REPLACE_ALLOWED, extack);
		if (err)
			return err;
	} else if (r->flags & AUTOVPN_PEER_F_REPLACE_ALLOWED) {
		r->allowed.present = r->allowed.replace = true;
	}
	if (tb[AUTOVPN_PEER_A_PATHS]) {
		nla_for_each_nested(attr, tb[AUTOVPN_PEER_A_PATHS], rem) {
			err = parse_path(avpn, peer, attr, r, extack);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Removals of a prefix must name one this peer has. */
static int check_removals(struct avpn_trie *t, struct prefix_set *set, void *value,
			  struct mutex *lock, struct netlink_ext_ack *extack)
{
	unsigned int i;

	for (i = 0; i < set->n; i++) {
		struct prefix_req *p = &set->v[i];

		if (p->remove && avpn_trie_get(t, p->family, p->addr, p->plen, lock) != value) {
			NL_SET_ERR_MSG_MOD(extack, "cannot remove a prefix the peer does not have");
			return -ENOENT;
		}
	}
	return 0;
}

struct stale_ctx {
	void *value;
	struct avpn_trie *keep;
	struct prefix_req *out;
	unsigned int n;
};

static int stale_cb(void *c, int family, const void *addr, u8 plen, void *value)
{
	struct stale_ctx *ctx = c;

	if (value != ctx->value || avpn_trie_get(ctx->keep, family, addr, plen, NULL))
		return 0;
	if (ctx->out) {
		struct prefix_req *p = &ctx->out[ctx->n];

		p->family = family;
		memcpy(p->addr, addr, family == AF_INET ? 4 : 16);
		p->plen = plen;
	}
	ctx->n++;
	return 0;
}

static void walk_value(struct avpn_trie *t, bool routes, void *value, struct mutex *lock,
		       struct stale_ctx *ctx)
{
	if (routes)
		avpn_trie_walk_owned(owner_of(routes, value), lock, stale_cb, ctx);
	else
		avpn_trie_walk(t, lock, stale_cb, ctx);
}

/* For REPLACE: find the prefixes of value that the new list drops. */
static int collect_stale(struct avpn_trie *t, bool routes, struct prefix_set *set, void *value,
			 struct mutex *lock, struct netlink_ext_ack *extack)
{
	struct stale_ctx ctx = { .value = value };
	struct avpn_trie keep;
	unsigned int i;
	int err = 0;

	if (!set->replace)
		return 0;
	avpn_trie_init(&keep);
	ctx.keep = &keep;
	for (i = 0; i < set->n && !err; i++)
		err = avpn_trie_insert(&keep, set->v[i].family, set->v[i].addr, set->v[i].plen,
				       (void *)1UL, NULL);
	if (!err) {
		walk_value(t, routes, value, lock, &ctx);
		if (ctx.n) {
			ctx.out = kvmalloc_array(ctx.n, sizeof(*ctx.out), GFP_KERNEL);
			if (!ctx.out)
				err = -ENOMEM;
		}
	}
	if (!err && ctx.out) {
		ctx.n = 0;
		walk_value(t, routes, value, lock, &ctx);
		set->stale = ctx.out;
		set->nstale = ctx.n;
	}
	avpn_trie_free(&keep, NULL);
	if (err)
		NL_SET_ERR_MSG_MOD(extack, "out of memory");
	return err;
}

static void prefixes_undo(struct avpn_trie *t, bool routes, struct prefix_set *set,
			  struct mutex *lock)
{
	while (set->inserted) {
		struct prefix_req *p = &set->v[--set->inserted];

		if (p->remove)
			continue;
		if (p->old)
			/* The node exists: this only rewrites its value. */
			WARN_ON(prefix_insert(t, routes, p, p->old, lock));
		else
			avpn_trie_remove(t, p->family, p->addr, p->plen, lock);
	}
}

/* Stage 2: insert the listed prefixes; on failure undo our own insertions. */
static int prefixes_insert(struct avpn_trie *t, bool routes, struct prefix_set *set, void *value,
			   struct mutex *lock, struct netlink_ext_ack *extack)
{
	int err;

	for (set->inserted = 0; set->inserted < set->n; set->inserted++) {
		struct prefix_req *p = &set->v[set->inserted];

		if (p->remove)
			continue;
		p->old = avpn_trie_get(t, p->family, p->addr, p->plen, lock);
		err = prefix_insert(t, routes, p, value, lock);
		if (err) {
			prefixes_undo(t, routes, set, lock);
			NL_SET_ERR_MSG_MOD(extack, "out of memory inserting prefixes");
			return err;
		}
	}
	return 0;
}

/* Stage 3: removals (explicit and, for REPLACE, the stale ones). */
static void prefixes_finish(struct avpn_trie *t, struct prefix_set *set, struct mutex *lock)
{
	unsigned int i;

	for (i = 0; i < set->n; i++)
		if (set->v[i].remove)
			avpn_trie_remove(t, set->v[i].family, set->v[i].addr, set->v[i].plen, lock);
	for (i = 0; i < set->nstale; i++)
		avpn_trie_remove(t, set->stale[i].family, set->stale[i].addr, set->stale[i].plen,
				 lock);
}

static void apply_paths(struct avpn_peer *peer, struct peer_req *r)
{
	int i;

	for (i = 0; i < AUTOVPN_MAX_PATHS; i++) {
		struct path_req *p = &r->paths[i];
		struct avpn_path *cur = &peer->paths[i];

		if (!p->present) {
			if ((r->flags & AUTOVPN_PEER_F_REPLACE_PATHS) && cur->configured)
				avpn_path_remove(peer, i);
			continue;
		}
		if (p->remove) {
			avpn_path_remove(peer, i);
			continue;
		}
		avpn_path_configure(peer, i, p->has_uplink ? p->uplink : cur->uplink, p->remote,
				    p->has_state ? p->state :
						   cur->configured ? cur->state : AUTOVPN_PATH_UP,
				    p->has_priority ? p->priority :
						      cur->configured ? cur->priority : 0,
				    p->has_class ? p->class_mask :
						   cur->configured ? cur->class_mask : 0);
		p->remote = NULL; /* consumed */
	}
}

/* Stages 2 and 3 for an allocated (PEER_NEW) or existing (PEER_SET) peer. */
static int apply_peer(struct avpn_dev *avpn, struct avpn_peer *peer, struct peer_req *r,
		      struct netlink_ext_ack *extack)
{
	struct mutex *lock = &avpn->lock;
	int err;

	err = check_removals(&peer->allowed, &r->allowed, peer, lock, extack);
	if (!err)
		err = check_removals(&avpn->routes, &r->routes, peer, lock, extack);
	if (!err)
		err = collect_stale(&peer->allowed, false, &r->allowed, peer, lock, extack);
	if (!err)
		err = collect_stale(&avpn->routes, true, &r->routes, peer, lock, extack);
	if (err)
		return err;

	err = prefixes_insert(&peer->allowed, false, &r->allowed, peer, lock, extack);
	if (err)
		return err;
	err = prefixes_insert(&avpn->routes, true, &r->routes, peer, lock, extack);
	if (err) {
		prefixes_undo(&peer->allowed, false, &r->allowed, lock);
		return err;
	}

	/* Nothing below can fail. */
	prefixes_finish(&peer->allowed, &r->allowed, lock);
	prefixes_finish(&avpn->routes, &r->routes, lock);
	apply_paths(peer, r);
	if (r->has_name)
		strscpy(peer->name, r->name, sizeof(peer->name));
	if (r->has_tx)
		WRITE_ONCE(peer->tx_index, r->tx_index);
	return 0;
}

static struct peer_req *peer_req_alloc(struct netlink_ext_ack *extack)
{
	struct peer_req *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		NL_SET_ERR_MSG_MOD(extack, "out of memory");
	return r;
}

static int peer_attrs(struct genl_info *info, struct nlattr **tb)
{
	struct netlink_ext_ack *extack = info->extack;
	int err;

	AVPN_NL_REQUIRE(extack, NULL, info->attrs, AUTOVPN_A_PEER, "missing attribute: PEER");
	err = nla_parse_nested(tb, AUTOVPN_PEER_A_MAX, info->attrs[AUTOVPN_A_PEER],
			       avpn_peer_policy, extack);
	if (err)
		return err;
	AVPN_NL_REQUIRE(extack, info->attrs[AUTOVPN_A_PEER], tb, AUTOVPN_PEER_A_ID,
			"missing attribute: PEER_ID");
	return 0;
}

int avpn_nl_peer_new(struct sk_buff *skb, struct genl_info *info)
{
	struct avpn_dev *avpn = info->user_ptr[0];
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[AUTOVPN_PEER_A_MAX + 1];
	struct avpn_peer *peer;
	struct peer_req *r;
	int err;

	err = peer_attrs(info, tb);
	if (err)
		return err;
	AVPN_NL_REQUIRE(extack, info->attrs[AUTOVPN_A_PEER], tb, AUTOVPN_PEER_A_RX_INDEX,
			"missing attribute: PEER_RX_INDEX");
	if (avpn_peer_by_id(avpn, nla_get_u32(tb[AUTOVPN_PEER_A_ID]))) {
		NL_SET_ERR_MSG_ATTR(extack, tb[AUTOVPN_PEER_A_ID], "a peer with this id already exists");
		return -EEXIST;
	}
	r = peer_req_alloc(extack);
	if (!r)
		return -ENOMEM;
	err = parse_peer(avpn, NULL, tb, r, extack);
	if (err)
		goto out;
	peer = avpn_peer_alloc(avpn, r->id, r->rx_index, extack);
	if (IS_ERR(peer)) {
		err = PTR_ERR(peer);
		goto out;
	}
	err = apply_peer(avpn, peer, r, extack);
	if (err) {
		/* Never published; its allowed set may hold nodes: full removal. */
		avpn_peer_remove(peer);
		goto out;
	}
	avpn_peer_insert(peer);
	/* Its routes may have been other peers' a moment ago. */
	if (r->routes.present || r->allowed.present)
		avpn_prefixes_changed(avpn);
out:
	peer_req_free(r);
	return err;
}

int avpn_nl_peer_set(struct sk_buff *skb, struct genl_info *info)
{
	struct avpn_dev *avpn = info->user_ptr[0];
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[AUTOVPN_PEER_A_MAX + 1];
	struct avpn_peer *peer;
	struct peer_req *r;
	int err;

	err = peer_attrs(info, tb);
	if (err)
		return err;
	peer = avpn_nl_peer_from_id(avpn, tb[AUTOVPN_PEER_A_ID], extack);
	if (IS_ERR(peer))
		return PTR_ERR(peer);
	r = peer_req_alloc(extack);
	if (!r)
		return -ENOMEM;
	err = parse_peer(avpn, peer, tb, r, extack);
	/* A new receive index needs a new hash entry (checked unique above). */
	if (!err && r->has_rx && r->rx_index != peer->rx_index) {
		r->index = avpn_index_alloc(peer, r->rx_index);
		if (!r->index) {
			NL_SET_ERR_MSG_MOD(extack, "out of memory");
			err = -ENOMEM;
		}
	}
	if (!err)
		err = apply_peer(avpn, peer, r, extack);
	if (!err && r->index) {
		avpn_peer_set_rx_index(peer, r->index);
		r->index = NULL;
	}
	if (!err && (r->routes.present || r->allowed.present))
		avpn_prefixes_changed(avpn);
	peer_req_free(r);
	return err;
}

struct avpn_peer *avpn_nl_peer_from_id(struct avpn_dev *avpn, const struct nlattr *attr,
				       struct netlink_ext_ack *extack)
{
	struct avpn_peer *peer;

	if (!attr) {
		NL_SET_ERR_MSG_MOD(extack, "missing attribute: PEER_ID");
		return ERR_PTR(-EINVAL);
	}
	peer = avpn_peer_by_id(avpn, nla_get_u32(attr));
	if (!peer) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "unknown peer");
		return ERR_PTR(-ENOENT);
	}
	return peer;
}

static struct avpn_peer *peer_of_request(struct genl_info *info)
{
	struct nlattr *tb[AUTOVPN_PEER_A_MAX + 1];
	int err;

	if (!info->attrs[AUTOVPN_A_PEER]) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing attribute: PEER");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, AUTOVPN_A_PEER);
		return ERR_PTR(-EINVAL);
	}
	err = nla_parse_nested(tb, AUTOVPN_PEER_A_MAX, info->attrs[AUTOVPN_A_PEER], NULL,
			       info->extack);
	if (err)
		return ERR_PTR(err);
	return avpn_nl_peer_from_id(info->user_ptr[0], tb[AUTOVPN_PEER_A_ID], info->extack);
}

int avpn_nl_peer_del(struct sk_buff *skb, struct genl_info *info)
{
	struct avpn_peer *peer = peer_of_request(info);

	if (IS_ERR(peer))
		return PTR_ERR(peer);
	avpn_peer_remove(peer);
	return 0;
}
