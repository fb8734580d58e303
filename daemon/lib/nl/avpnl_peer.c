// SPDX-License-Identifier: GPL-2.0
/*
 * avpnl_peer.c - peers over generic netlink (see avpnl_peer.h): building
 * PEER_NEW/PEER_SET requests, parsing PEER_GET replies and dumps.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl/avpnl_peer.h"
#include "nl/avpnl_priv.h"

/* ---- building ---- */

static int append_prefix(struct avpnl_peer_prefix **arr, size_t *n, size_t *cap,
			 const struct avpnl_peer_prefix *p)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct avpnl_peer_prefix *na = realloc(*arr, ncap * sizeof(*na));

		if (!na)
			return -ENOMEM;
		*arr = na;
		*cap = ncap;
	}
	(*arr)[(*n)++] = *p;
	return 0;
}

int avpnl_peer_add_route(struct avpnl_peer *p, const struct prefix *pfx, bool remove)
{
	struct avpnl_peer_prefix e = { .prefix = *pfx, .remove = remove };

	p->set |= AVPNL_PEER_ROUTES;
	return append_prefix(&p->routes, &p->n_routes, &p->cap_routes, &e);
}

int avpnl_peer_add_allowed(struct avpnl_peer *p, const struct prefix *pfx, bool remove)
{
	struct avpnl_peer_prefix e = { .prefix = *pfx, .remove = remove };

	p->set |= AVPNL_PEER_ALLOWED;
	return append_prefix(&p->allowed, &p->n_allowed, &p->cap_allowed, &e);
}

void avpnl_peer_clear(struct avpnl_peer *p)
{
	free(p->routes);
	free(p->allowed);
	memset(p, 0, sizeof(*p));
}

static int put_prefixes(struct nl_msg *msg, int type, const struct avpnl_peer_prefix *arr, size_t n)
{
	struct nlattr *list, *nest;
	size_t i;

	if (avpnl_nest_open(msg, type, &list))
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		const struct prefix *p = &arr[i].prefix;

		if (avpnl_nest_open(msg, AUTOVPN_PEER_A_PREFIX, &nest))
			return -EMSGSIZE;
		if (p->addr.family == AF_INET) {
			if (nla_put(msg, AUTOVPN_PREFIX_A_IPV4, 4, &p->addr.v4) < 0)
				return -EMSGSIZE;
		} else if (nla_put(msg, AUTOVPN_PREFIX_A_IPV6, 16, &p->addr.v6) < 0) {
			return -EMSGSIZE;
		}
		if (nla_put_u8(msg, AUTOVPN_PREFIX_A_PLEN, p->len) < 0)
			return -EMSGSIZE;
		if (arr[i].remove &&
		    nla_put_u32(msg, AUTOVPN_PREFIX_A_FLAGS, AUTOVPN_PREFIX_F_REMOVE) < 0)
			return -EMSGSIZE;
		nla_nest_end(msg, nest);
	}
	/* An attribute's length is 16 bits: a list beyond 64 KiB cannot be. */
	return nla_nest_end(msg, list) < 0 ? -EMSGSIZE : 0;
}

static int put_path(struct nl_msg *msg, const struct avpnl_peer_path *pa)
{
	struct nlattr *nest;

	if (avpnl_nest_open(msg, AUTOVPN_PEER_A_PATH, &nest) ||
	    nla_put_u8(msg, AUTOVPN_PATH_A_ID, pa->id) < 0)
		return -EMSGSIZE;
	if (pa->remove) {
		/* A removal carries nothing else. */
		if (nla_put_flag(msg, AUTOVPN_PATH_A_REMOVE) < 0)
			return -EMSGSIZE;
		nla_nest_end(msg, nest);
		return 0;
	}
	if ((pa->set & AVPNL_PEER_PATH_UPLINK) &&
	    nla_put_u8(msg, AUTOVPN_PATH_A_UPLINK, pa->uplink) < 0)
		return -EMSGSIZE;
	if ((pa->set & AVPNL_PEER_PATH_REMOTE) &&
	    avpnl_put_sockaddr(msg, AUTOVPN_PATH_A_REMOTE, &pa->remote))
		return -EMSGSIZE;
	if ((pa->set & AVPNL_PEER_PATH_STATE) &&
	    nla_put_u8(msg, AUTOVPN_PATH_A_STATE, pa->state) < 0)
		return -EMSGSIZE;
	if ((pa->set & AVPNL_PEER_PATH_PRIORITY) &&
	    nla_put_u8(msg, AUTOVPN_PATH_A_PRIORITY, pa->priority) < 0)
		return -EMSGSIZE;
	if ((pa->set & AVPNL_PEER_PATH_CLASS_MASK) &&
	    nla_put_u32(msg, AUTOVPN_PATH_A_CLASS_MASK, pa->class_mask) < 0)
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* Everything of @p that a PEER_NEW/PEER_SET carries, inside an open PEER nest. */
static int put_peer_body(struct nl_msg *msg, const struct avpnl_peer *p)
{
	struct nlattr *paths;
	size_t i;

	if (nla_put_u32(msg, AUTOVPN_PEER_A_ID, p->id) < 0)
		return -EMSGSIZE;
	if ((p->set & AVPNL_PEER_RX_INDEX) &&
	    nla_put_u32(msg, AUTOVPN_PEER_A_RX_INDEX, p->rx_index) < 0)
		return -EMSGSIZE;
	if ((p->set & AVPNL_PEER_TX_INDEX) &&
	    nla_put_u32(msg, AUTOVPN_PEER_A_TX_INDEX, p->tx_index) < 0)
		return -EMSGSIZE;
	if ((p->set & AVPNL_PEER_NAME) && nla_put_string(msg, AUTOVPN_PEER_A_NAME, p->name) < 0)
		return -EMSGSIZE;
	if (p->flags && nla_put_u32(msg, AUTOVPN_PEER_A_FLAGS, p->flags) < 0)
		return -EMSGSIZE;
	if ((p->set & AVPNL_PEER_ROUTES) &&
	    put_prefixes(msg, AUTOVPN_PEER_A_ROUTES, p->routes, p->n_routes))
		return -EMSGSIZE;
	if ((p->set & AVPNL_PEER_ALLOWED) &&
	    put_prefixes(msg, AUTOVPN_PEER_A_ALLOWED, p->allowed, p->n_allowed))
		return -EMSGSIZE;
	if (p->n_paths || (p->flags & AUTOVPN_PEER_F_REPLACE_PATHS)) {
		if (avpnl_nest_open(msg, AUTOVPN_PEER_A_PATHS, &paths))
			return -EMSGSIZE;
		for (i = 0; i < p->n_paths && i < AUTOVPN_MAX_PATHS; i++)
			if (put_path(msg, &p->paths[i]))
				return -EMSGSIZE;
		nla_nest_end(msg, paths);
	}
	return 0;
}

static int peer_write_one(struct avpnl *h, uint8_t cmd, uint32_t ifindex,
			  const struct avpnl_peer *p)
{
	struct nl_msg *msg;
	struct nlattr *nest;
	/* ~44 bytes per IPv6 prefix nest; room for the rest. */
	size_t size = 4096 + (p->n_routes + p->n_allowed) * 48;

	msg = avpnl_req_new(h, cmd, 0, size);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, AUTOVPN_A_IFINDEX, ifindex) < 0 ||
	    avpnl_nest_open(msg, AUTOVPN_A_PEER, &nest) || put_peer_body(msg, p))
		return avpnl_put_failed(h, msg);
	if (nla_nest_end(msg, nest) < 0)
		return avpnl_put_failed(h, msg);
	return avpnl_transact(h, msg, NULL, NULL);
}

/*
 * A PEER nest is an attribute, so at most 64 KiB: longer prefix lists go in
 * several requests. The first carries everything else (and the REPLACE
 * flags, replacing the peer's set with the first part of the list); the
 * others add the rest. Not atomic: between them the peer has a part of its
 * new set. The kernel refuses nothing of a later part that it accepted in
 * the first, so a failure there is rare (memory) and reported.
 */
static int peer_write(struct avpnl *h, uint8_t cmd, uint32_t ifindex, const struct avpnl_peer *p)
{
	struct avpnl_peer part;
	size_t r = 0, a = 0, n;
	int err;

	if (p->n_routes + p->n_allowed <= AVPNL_PEER_PREFIXES_PER_REQUEST)
		return peer_write_one(h, cmd, ifindex, p);
	part = *p;
	n = p->n_routes < AVPNL_PEER_PREFIXES_PER_REQUEST ? p->n_routes :
							    AVPNL_PEER_PREFIXES_PER_REQUEST;
	part.n_routes = n;
	part.n_allowed = AVPNL_PEER_PREFIXES_PER_REQUEST - n < p->n_allowed ?
				 AVPNL_PEER_PREFIXES_PER_REQUEST - n :
				 p->n_allowed;
	r = part.n_routes;
	a = part.n_allowed;
	err = peer_write_one(h, cmd, ifindex, &part);
	while (!err && (r < p->n_routes || a < p->n_allowed)) {
		memset(&part, 0, sizeof(part));
		part.id = p->id;
		part.set = p->set & (AVPNL_PEER_ROUTES | AVPNL_PEER_ALLOWED);
		n = p->n_routes - r < AVPNL_PEER_PREFIXES_PER_REQUEST ?
			    p->n_routes - r :
			    AVPNL_PEER_PREFIXES_PER_REQUEST;
		part.routes = p->routes + r;
		part.n_routes = n;
		r += n;
		n = AVPNL_PEER_PREFIXES_PER_REQUEST - part.n_routes;
		if (n > p->n_allowed - a)
			n = p->n_allowed - a;
		part.allowed = p->allowed + a;
		part.n_allowed = n;
		a += n;
		if (!part.n_routes)
			part.set &= ~AVPNL_PEER_ROUTES;
		if (!part.n_allowed)
			part.set &= ~AVPNL_PEER_ALLOWED;
		err = peer_write_one(h, AUTOVPN_CMD_PEER_SET, ifindex, &part);
	}
	return err;
}

int avpnl_peer_new(struct avpnl *h, uint32_t ifindex, const struct avpnl_peer *p)
{
	return peer_write(h, AUTOVPN_CMD_PEER_NEW, ifindex, p);
}

int avpnl_peer_set(struct avpnl *h, uint32_t ifindex, const struct avpnl_peer *p)
{
	return peer_write(h, AUTOVPN_CMD_PEER_SET, ifindex, p);
}

static struct nl_msg *peer_id_req(struct avpnl *h, uint8_t cmd, int flags, uint32_t ifindex,
				  uint32_t peer_id)
{
	struct nl_msg *msg;
	struct nlattr *nest;

	msg = avpnl_req_new(h, cmd, flags, 0);
	if (!msg)
		return NULL;
	if (nla_put_u32(msg, AUTOVPN_A_IFINDEX, ifindex) < 0)
		goto fail;
	if (peer_id) {
		if (avpnl_nest_open(msg, AUTOVPN_A_PEER, &nest) ||
		    nla_put_u32(msg, AUTOVPN_PEER_A_ID, peer_id) < 0)
			goto fail;
		nla_nest_end(msg, nest);
	}
	return msg;
fail:
	avpnl_put_failed(h, msg);
	return NULL;
}

int avpnl_peer_del(struct avpnl *h, uint32_t ifindex, uint32_t peer_id)
{
	struct nl_msg *msg = peer_id_req(h, AUTOVPN_CMD_PEER_DEL, 0, ifindex, peer_id);

	if (!msg)
		return -ENOMEM;
	return avpnl_transact(h, msg, NULL, NULL);
}

/* ---- parsing ---- */

static int parse_prefix_list(const struct nlattr *list, struct avpnl_peer_prefix **arr, size_t *n,
			     size_t *cap)
{
	const struct nlattr *a;
	int rem;

	nla_for_each_nested(a, list, rem) {
		struct nlattr *tb[AUTOVPN_PREFIX_A_MAX + 1];
		struct avpnl_peer_prefix e;
		uint32_t fl = 0;

		if (nla_type(a) != AUTOVPN_PEER_A_PREFIX ||
		    avpnl_parse_nested(tb, AUTOVPN_PREFIX_A_MAX, a) < 0)
			continue;
		memset(&e, 0, sizeof(e));
		if (tb[AUTOVPN_PREFIX_A_IPV4] && nla_len(tb[AUTOVPN_PREFIX_A_IPV4]) == 4) {
			e.prefix.addr.family = AF_INET;
			memcpy(&e.prefix.addr.v4, nla_data(tb[AUTOVPN_PREFIX_A_IPV4]), 4);
		} else if (tb[AUTOVPN_PREFIX_A_IPV6] && nla_len(tb[AUTOVPN_PREFIX_A_IPV6]) == 16) {
			e.prefix.addr.family = AF_INET6;
			memcpy(&e.prefix.addr.v6, nla_data(tb[AUTOVPN_PREFIX_A_IPV6]), 16);
		} else {
			continue;
		}
		avpnl_get_u8(tb[AUTOVPN_PREFIX_A_PLEN], &e.prefix.len);
		if (avpnl_get_u32(tb[AUTOVPN_PREFIX_A_FLAGS], &fl))
			e.remove = fl & AUTOVPN_PREFIX_F_REMOVE;
		if (append_prefix(arr, n, cap, &e))
			return -ENOMEM;
	}
	return 0;
}

static void parse_path(const struct nlattr *nest, struct avpnl_peer *p)
{
	struct nlattr *tb[AUTOVPN_PATH_A_MAX + 1];
	struct avpnl_peer_path *pa;

	if (p->n_paths >= AUTOVPN_MAX_PATHS || avpnl_parse_nested(tb, AUTOVPN_PATH_A_MAX, nest) < 0)
		return;
	pa = &p->paths[p->n_paths];
	memset(pa, 0, sizeof(*pa));
	if (!avpnl_get_u8(tb[AUTOVPN_PATH_A_ID], &pa->id))
		return;
	if (avpnl_get_u8(tb[AUTOVPN_PATH_A_UPLINK], &pa->uplink))
		pa->set |= AVPNL_PEER_PATH_UPLINK;
	if (tb[AUTOVPN_PATH_A_REMOTE] &&
	    !avpnl_parse_sockaddr(tb[AUTOVPN_PATH_A_REMOTE], &pa->remote))
		pa->set |= AVPNL_PEER_PATH_REMOTE;
	if (avpnl_get_u8(tb[AUTOVPN_PATH_A_STATE], &pa->state))
		pa->set |= AVPNL_PEER_PATH_STATE;
	if (avpnl_get_u8(tb[AUTOVPN_PATH_A_PRIORITY], &pa->priority))
		pa->set |= AVPNL_PEER_PATH_PRIORITY;
	if (avpnl_get_u32(tb[AUTOVPN_PATH_A_CLASS_MASK], &pa->class_mask))
		pa->set |= AVPNL_PEER_PATH_CLASS_MASK;
	avpnl_get_u64(tb[AUTOVPN_PATH_A_RX_PACKETS], &pa->rx_packets);
	avpnl_get_u64(tb[AUTOVPN_PATH_A_RX_BYTES], &pa->rx_bytes);
	avpnl_get_u64(tb[AUTOVPN_PATH_A_TX_PACKETS], &pa->tx_packets);
	avpnl_get_u64(tb[AUTOVPN_PATH_A_TX_BYTES], &pa->tx_bytes);
	p->n_paths++;
}

/* One KEYS entry of a reply: kept if it names its slot and id. */
static void parse_key(const struct nlattr *nest, struct avpnl_peer *p)
{
	if (p->n_keys < __AUTOVPN_KEY_SLOT_MAX && !avpnl_key_parse(nest, &p->keys[p->n_keys]))
		p->n_keys++;
}

/* One PEER nest of a reply into @p (zeroed by the caller). */
static int parse_peer(const struct nlattr *nest, struct avpnl_peer *p)
{
	const struct nlattr *a, *b;
	int rem, rem2, r;

	nla_for_each_nested(a, nest, rem) {
		switch (nla_type(a)) {
		case AUTOVPN_PEER_A_ID:
			avpnl_get_u32(a, &p->id);
			break;
		case AUTOVPN_PEER_A_RX_INDEX:
			if (avpnl_get_u32(a, &p->rx_index))
				p->set |= AVPNL_PEER_RX_INDEX;
			break;
		case AUTOVPN_PEER_A_TX_INDEX:
			if (avpnl_get_u32(a, &p->tx_index))
				p->set |= AVPNL_PEER_TX_INDEX;
			break;
		case AUTOVPN_PEER_A_NAME:
			snprintf(p->name, sizeof(p->name), "%.*s", nla_len(a),
				 (const char *)nla_data(a));
			p->set |= AVPNL_PEER_NAME;
			break;
		case AUTOVPN_PEER_A_FLAGS:
			avpnl_get_u32(a, &p->flags);
			break;
		case AUTOVPN_PEER_A_ROUTES:
			p->set |= AVPNL_PEER_ROUTES;
			r = parse_prefix_list(a, &p->routes, &p->n_routes, &p->cap_routes);
			if (r)
				return r;
			break;
		case AUTOVPN_PEER_A_ALLOWED:
			p->set |= AVPNL_PEER_ALLOWED;
			r = parse_prefix_list(a, &p->allowed, &p->n_allowed, &p->cap_allowed);
			if (r)
				return r;
			break;
		case AUTOVPN_PEER_A_PATHS:
			nla_for_each_nested(b, a, rem2)
				if (nla_type(b) == AUTOVPN_PEER_A_PATH)
					parse_path(b, p);
			break;
		case AUTOVPN_PEER_A_PATH:
			parse_path(a, p);
			break;
		case AUTOVPN_PEER_A_KEYS:
			nla_for_each_nested(b, a, rem2)
				parse_key(b, p);
			break;
		case AUTOVPN_PEER_A_RX_PACKETS:
			avpnl_get_u64(a, &p->rx_packets);
			break;
		case AUTOVPN_PEER_A_RX_BYTES:
			avpnl_get_u64(a, &p->rx_bytes);
			break;
		case AUTOVPN_PEER_A_TX_PACKETS:
			avpnl_get_u64(a, &p->tx_packets);
			break;
		case AUTOVPN_PEER_A_TX_BYTES:
			avpnl_get_u64(a, &p->tx_bytes);
			break;
		case AUTOVPN_PEER_A_RX_CE_MARKS:
			avpnl_get_u64(a, &p->rx_ce_marks);
			break;
		case AUTOVPN_PEER_A_TX_CE_MARKS:
			avpnl_get_u64(a, &p->tx_ce_marks);
			break;
		case AUTOVPN_PEER_A_STATS:
			p->set |= AVPNL_PEER_STATS;
			avpnl_parse_drops(a, p->drops);
			break;
		default:
			break;
		}
	}
	return p->id ? 0 : -EPROTO;
}

/* Appends what a continuation message says about the same peer. */
static int merge_peer(struct avpnl_peer *into, const struct avpnl_peer *more)
{
	size_t i;

	for (i = 0; i < more->n_routes; i++)
		if (append_prefix(&into->routes, &into->n_routes, &into->cap_routes,
				  &more->routes[i]))
			return -ENOMEM;
	for (i = 0; i < more->n_allowed; i++)
		if (append_prefix(&into->allowed, &into->n_allowed, &into->cap_allowed,
				  &more->allowed[i]))
			return -ENOMEM;
	for (i = 0; i < more->n_paths && into->n_paths < AUTOVPN_MAX_PATHS; i++)
		into->paths[into->n_paths++] = more->paths[i];
	for (i = 0; i < more->n_keys && into->n_keys < __AUTOVPN_KEY_SLOT_MAX; i++)
		into->keys[into->n_keys++] = more->keys[i];
	into->set |= more->set;
	return 0;
}

struct peer_dump_ctx {
	avpnl_peer_cb cb;
	void *arg;
	int stop;
	bool pending;
	struct avpnl_peer cur;
};

static void peer_flush(struct peer_dump_ctx *c)
{
	if (!c->pending)
		return;
	if (!c->stop)
		c->stop = c->cb(&c->cur, c->arg);
	avpnl_peer_clear(&c->cur);
	c->pending = false;
}

static int peer_dump_valid(struct avpnl *h, struct nlmsghdr *nlh, void *arg)
{
	struct peer_dump_ctx *c = arg;
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *a;
	int rem, r;

	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), rem) {
		struct avpnl_peer p;

		if (nla_type(a) != AUTOVPN_A_PEER)
			continue;
		memset(&p, 0, sizeof(p));
		r = parse_peer(a, &p);
		if (r) {
			avpnl_peer_clear(&p);
			avpnl_set_msg(h, r == -ENOMEM ? "out of memory" : "peer reply without id");
			return r;
		}
		if (c->pending && c->cur.id == p.id) {
			r = merge_peer(&c->cur, &p);
			avpnl_peer_clear(&p);
			if (r) {
				avpnl_set_msg(h, "out of memory");
				return r;
			}
			continue;
		}
		peer_flush(c);
		c->cur = p;
		c->pending = true;
	}
	return 0;
}

int avpnl_peer_dump(struct avpnl *h, uint32_t ifindex, avpnl_peer_cb cb, void *arg)
{
	struct peer_dump_ctx c = { .cb = cb, .arg = arg };
	struct nl_msg *msg;
	int r;

	msg = peer_id_req(h, AUTOVPN_CMD_PEER_GET, NLM_F_DUMP, ifindex, 0);
	if (!msg)
		return -ENOMEM;
	r = avpnl_transact(h, msg, peer_dump_valid, &c);
	if (!r)
		peer_flush(&c);
	avpnl_peer_clear(&c.cur);
	return r ? r : c.stop;
}

static int peer_get_cb(const struct avpnl_peer *p, void *arg)
{
	struct avpnl_peer *out = arg;
	size_t i;

	if (out->id)
		return 0; /* only the first */
	*out = *p;
	/* Deep copy: @p's arrays are freed after the callback. */
	out->routes = out->allowed = NULL;
	out->n_routes = out->cap_routes = out->n_allowed = out->cap_allowed = 0;
	for (i = 0; i < p->n_routes; i++)
		if (append_prefix(&out->routes, &out->n_routes, &out->cap_routes, &p->routes[i]))
			return -ENOMEM;
	for (i = 0; i < p->n_allowed; i++)
		if (append_prefix(&out->allowed, &out->n_allowed, &out->cap_allowed,
				  &p->allowed[i]))
			return -ENOMEM;
	return 0;
}

int avpnl_peer_get(struct avpnl *h, uint32_t ifindex, uint32_t peer_id, struct avpnl_peer *out)
{
	struct peer_dump_ctx c = { .cb = peer_get_cb, .arg = out };
	struct nl_msg *msg;
	int r;

	memset(out, 0, sizeof(*out));
	msg = peer_id_req(h, AUTOVPN_CMD_PEER_GET, 0, ifindex, peer_id);
	if (!msg)
		return -ENOMEM;
	r = avpnl_transact(h, msg, peer_dump_valid, &c);
	if (!r)
		peer_flush(&c);
	avpnl_peer_clear(&c.cur);
	if (!r && c.stop)
		r = c.stop;
	if (!r && !out->id) {
		avpnl_set_msg(h, "no reply to PEER_GET");
		r = -EPROTO;
	}
	if (r)
		avpnl_peer_clear(out);
	return r;
}
