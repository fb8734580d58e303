// SPDX-License-Identifier: GPL-2.0
/*
 * avpnl.c - libnl-3 client for the "autovpn" generic netlink family.
 *
 * Shape of every verb: build a message (goto put_failure on any nla_put
 * error, which frees it), send it, read until the kernel's ack, error or
 * NLMSG_DONE, parsing data messages on the way. Extended acks are enabled on
 * the socket (libnl 3.7 has no helper for it) and parsed here, because libnl
 * only hands the error callback the bare struct nlmsgerr.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <sodium.h>

#include "daemon/common/avpnl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct avpnl {
	struct nl_sock *sk;
	int family;
	bool has_msg;
	char msg[256];
};

/* ---- errors ---- */

const char *avpnl_errmsg(const struct avpnl *h)
{
	return h && h->has_msg ? h->msg : NULL;
}

static void set_msg(struct avpnl *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_msg(struct avpnl *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->msg, sizeof(h->msg), fmt, ap);
	va_end(ap);
	h->has_msg = true;
}

/* libnl error code -> errno, for local failures. */
static int nlerr_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_PERM:
		return -EPERM;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_INTR:
		return -EINTR;
	default:
		return -EIO;
	}
}

static int local_err(struct avpnl *h, int nlerr, const char *what)
{
	set_msg(h, "%s: %s", what, nl_geterror(nlerr));
	return nlerr_errno(nlerr);
}

/*
 * Extended ack TLVs follow the payload of an NLMSG_ERROR (struct nlmsgerr,
 * plus the request unless NLM_F_CAPPED) or NLMSG_DONE (an int) message.
 */
static void parse_extack(struct avpnl *h, const struct nlmsghdr *nlh, size_t payload)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = NLMSG_ALIGN(NLMSG_HDRLEN + payload);
	const char *s;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off >= nlh->nlmsg_len)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + off),
		      (int)(nlh->nlmsg_len - off), NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG] && nla_len(tb[NLMSGERR_ATTR_MSG]) > 0) {
		s = nla_data(tb[NLMSGERR_ATTR_MSG]);
		set_msg(h, "%.*s", (int)strnlen(s, (size_t)nla_len(tb[NLMSGERR_ATTR_MSG])), s);
	} else if (tb[NLMSGERR_ATTR_MISS_TYPE] && nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) >= 4) {
		set_msg(h, "missing attribute (type %u)", nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]));
	}
}

/* ---- request/reply machinery ---- */

typedef int (*valid_fn)(struct avpnl *h, struct nlmsghdr *nlh, void *arg);

struct xact {
	struct avpnl *h;
	valid_fn valid;
	void *arg;
	bool done;
	int kerr; /* negative errno from the kernel */
	int perr; /* first error from @valid */
	bool intr; /* a dump message had NLM_F_DUMP_INTR */
};

static int cb_valid(struct nl_msg *msg, void *arg)
{
	struct xact *x = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int r;

	if (!x->valid || x->perr || x->kerr)
		return NL_OK; /* keep draining */
	if (nlh->nlmsg_type != x->h->family || !genlmsg_valid_hdr(nlh, 0))
		return NL_OK;
	r = x->valid(x->h, nlh, x->arg);
	if (r)
		x->perr = r;
	return NL_OK;
}

/* The kernel's state changed while the dump was read (see transact()). */
static int cb_dump_intr(struct nl_msg *msg, void *arg)
{
	struct xact *x = arg;

	x->intr = true;
	return NL_OK;
}

static int cb_ack(struct nl_msg *msg, void *arg)
{
	struct xact *x = arg;

	x->done = true;
	return NL_STOP;
}

static int cb_finish(struct nl_msg *msg, void *arg)
{
	struct xact *x = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int e;

	/* A dump that failed reports its errno (and extack) in NLMSG_DONE. */
	if (nlmsg_datalen(nlh) >= (int)sizeof(e)) {
		memcpy(&e, nlmsg_data(nlh), sizeof(e));
		if (e < 0) {
			x->kerr = e;
			parse_extack(x->h, nlh, sizeof(e));
		}
	}
	x->done = true;
	return NL_STOP;
}

static int cb_err(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct xact *x = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	size_t payload = sizeof(*e);

	x->kerr = e->error < 0 ? e->error : -EIO;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len >= (uint32_t)NLMSG_HDRLEN)
		payload += e->msg.nlmsg_len - NLMSG_HDRLEN;
	parse_extack(x->h, nlh, payload);
	x->done = true;
	return NL_STOP;
}

/* Wipes and frees @msg (it may hold keys). */
static void msg_free(struct nl_msg *msg)
{
	if (!msg)
		return;
	sodium_memzero(nlmsg_hdr(msg), nlmsg_get_max_size(msg));
	nlmsg_free(msg);
}

/* Sends @msg (consumed) and reads until ack/error/done. */
static int transact(struct avpnl *h, struct nl_msg *msg, valid_fn valid, void *arg)
{
	struct xact x = {.h = h, .valid = valid, .arg = arg};
	struct nl_cb *cb;
	int r;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		msg_free(msg);
		set_msg(h, "out of memory");
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, cb_valid, &x);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, cb_ack, &x);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, cb_finish, &x);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, cb_dump_intr, &x);
	nl_cb_err(cb, NL_CB_CUSTOM, cb_err, &x);

	r = nl_send_auto(h->sk, msg);
	msg_free(msg);
	if (r < 0) {
		nl_cb_put(cb);
		return local_err(h, r, "netlink send");
	}
	while (!x.done) {
		r = nl_recvmsgs(h->sk, cb);
		if (r < 0 && !x.done) {
			nl_cb_put(cb);
			return local_err(h, r, "netlink receive");
		}
	}
	nl_cb_put(cb);
	if (x.kerr)
		return x.kerr;
	/*
	 * A multi-part dump across a change is not a snapshot: a paged peer
	 * may miss prefixes. The callbacks have seen it already; the caller
	 * reads again (autovpnd adopting state) or reports it.
	 */
	if (x.intr && !x.perr) {
		set_msg(h, "the configuration changed while it was read "
			   "(NLM_F_DUMP_INTR): read it again");
		return -EAGAIN;
	}
	return x.perr;
}

static struct nl_msg *req_new(struct avpnl *h, uint8_t cmd, int flags, size_t size)
{
	struct nl_msg *msg;

	h->has_msg = false;
	msg = size ? nlmsg_alloc_size(size) : nlmsg_alloc();
	if (!msg) {
		set_msg(h, "out of memory");
		return NULL;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, h->family, 0, flags, cmd,
			 AUTOVPN_GENL_VERSION)) {
		nlmsg_free(msg);
		set_msg(h, "netlink message too small");
		return NULL;
	}
	return msg;
}

/* Frees @msg after a failed nla_put. */
static int put_failed(struct avpnl *h, struct nl_msg *msg)
{
	msg_free(msg);
	set_msg(h, "request does not fit in a netlink message");
	return -EMSGSIZE;
}

static int open_nest(struct nl_msg *msg, int type, struct nlattr **nest)
{
	/* Strict genl policies insist on NLA_F_NESTED. */
	*nest = nla_nest_start(msg, type | NLA_F_NESTED);
	return *nest ? 0 : -1;
}

/* ---- handle ---- */

int avpnl_open(struct avpnl **out)
{
	struct avpnl *h;
	int one = 1, r, fd;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->sk = nl_socket_alloc();
	if (!h->sk) {
		free(h);
		return -ENOMEM;
	}
	r = genl_connect(h->sk);
	if (r < 0) {
		r = nlerr_errno(r);
		goto fail;
	}
	fd = nl_socket_get_fd(h->sk);
	/* Errors carry the kernel's message; the request itself is not echoed. */
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) < 0) {
		r = -errno;
		goto fail;
	}
	/* Events can come in bursts (a rekey per peer on a hub). */
	nl_socket_set_buffer_size(h->sk, 1 << 20, 1 << 20);
	h->family = genl_ctrl_resolve(h->sk, AUTOVPN_GENL_NAME);
	if (h->family < 0) {
		r = h->family == -NLE_OBJ_NOTFOUND ? -ENOENT : nlerr_errno(h->family);
		goto fail;
	}
	*out = h;
	return 0;
fail:
	nl_socket_free(h->sk);
	free(h);
	return r;
}

void avpnl_close(struct avpnl *h)
{
	if (!h)
		return;
	nl_socket_free(h->sk);
	free(h);
}

/* ---- attribute readers (lengths checked; the kernel may add attributes) ---- */

static bool get_u8(const struct nlattr *a, uint8_t *v)
{
	if (!a || nla_len(a) < 1)
		return false;
	*v = nla_get_u8(a);
	return true;
}

static bool get_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || nla_len(a) < 4)
		return false;
	*v = nla_get_u32(a);
	return true;
}

static bool get_u64(const struct nlattr *a, uint64_t *v)
{
	if (!a || nla_len(a) < 8)
		return false;
	*v = nla_get_u64(a);
	return true;
}

static int parse_nested(struct nlattr **tb, int max, const struct nlattr *nest)
{
	return nla_parse(tb, max, nla_data(nest), nla_len(nest), NULL);
}

static int parse_sockaddr(const struct nlattr *nest, struct avpn_endpoint *ep)
{
	struct nlattr *tb[AUTOVPN_SA_A_MAX + 1];
	uint16_t port;

	memset(ep, 0, sizeof(*ep));
	if (parse_nested(tb, AUTOVPN_SA_A_MAX, nest) < 0)
		return -EINVAL;
	if (tb[AUTOVPN_SA_A_IPV4] && nla_len(tb[AUTOVPN_SA_A_IPV4]) == 4) {
		ep->addr.family = AF_INET;
		memcpy(&ep->addr.v4, nla_data(tb[AUTOVPN_SA_A_IPV4]), 4);
	} else if (tb[AUTOVPN_SA_A_IPV6] && nla_len(tb[AUTOVPN_SA_A_IPV6]) == 16) {
		ep->addr.family = AF_INET6;
		memcpy(&ep->addr.v6, nla_data(tb[AUTOVPN_SA_A_IPV6]), 16);
	} else {
		return -EINVAL;
	}
	if (tb[AUTOVPN_SA_A_PORT] && nla_len(tb[AUTOVPN_SA_A_PORT]) >= 2) {
		memcpy(&port, nla_data(tb[AUTOVPN_SA_A_PORT]), 2);
		ep->port = ntohs(port);
	}
	return 0;
}

static void parse_drops(const struct nlattr *nest, uint64_t drops[__AUTOVPN_DROP_MAX])
{
	const struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem)
	{
		int t = nla_type(a);

		if (t > 0 && t < __AUTOVPN_DROP_MAX)
			get_u64(a, &drops[t]);
	}
}

/* ---- devices ---- */

static int parse_dev(struct avpnl *h, struct nlmsghdr *nlh, struct avpnl_dev *d)
{
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *a;
	uint8_t aa = 0;
	int rem;

	memset(d, 0, sizeof(*d));
	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), rem)
	{
		switch (nla_type(a)) {
		case AUTOVPN_A_IFINDEX:
			get_u32(a, &d->ifindex);
			break;
		case AUTOVPN_A_IFNAME:
			snprintf(d->ifname, sizeof(d->ifname), "%.*s", nla_len(a),
				 (const char *)nla_data(a));
			break;
		case AUTOVPN_A_MTU:
			get_u32(a, &d->mtu);
			break;
		case AUTOVPN_A_ACTIVE_ACTIVE:
			if (get_u8(a, &aa))
				d->active_active = aa != 0;
			break;
		case AUTOVPN_A_NPEERS:
			get_u32(a, &d->npeers);
			break;
		case AUTOVPN_A_STATS:
			d->has_stats = true;
			parse_drops(a, d->drops);
			break;
		case AUTOVPN_A_UPLINK: {
			struct nlattr *tb[AUTOVPN_UPLINK_A_MAX + 1];
			struct avpnl_uplink *u;

			if (d->n_uplinks >= AUTOVPN_MAX_UPLINKS ||
			    parse_nested(tb, AUTOVPN_UPLINK_A_MAX, a) < 0)
				break;
			u = &d->uplinks[d->n_uplinks];
			memset(u, 0, sizeof(*u));
			if (!get_u8(tb[AUTOVPN_UPLINK_A_ID], &u->id))
				break;
			if (tb[AUTOVPN_UPLINK_A_LOCAL])
				u->has_local =
				    !parse_sockaddr(tb[AUTOVPN_UPLINK_A_LOCAL], &u->local);
			d->n_uplinks++;
			break;
		}
		default:
			break;
		}
	}
	if (!d->ifindex) {
		set_msg(h, "device reply without ifindex");
		return -EPROTO;
	}
	return 0;
}

struct dev_new_ctx {
	uint32_t ifindex;
};

static int dev_new_valid(struct avpnl *h, struct nlmsghdr *nlh, void *arg)
{
	struct dev_new_ctx *c = arg;
	struct avpnl_dev d;

	if (!parse_dev(h, nlh, &d))
		c->ifindex = d.ifindex;
	h->has_msg = false;
	return 0;
}

int avpnl_dev_new(struct avpnl *h, const char *ifname, uint32_t mtu, uint32_t *ifindex)
{
	struct dev_new_ctx c = {0};
	struct nl_msg *msg;
	int r;

	msg = req_new(h, AUTOVPN_CMD_DEV_NEW, 0, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, AUTOVPN_A_IFNAME, ifname) < 0 ||
	    (mtu && nla_put_u32(msg, AUTOVPN_A_MTU, mtu) < 0))
		return put_failed(h, msg);
	r = transact(h, msg, dev_new_valid, &c);
	if (r)
		return r;
	/* The kernel may or may not answer with the new device. */
	if (!c.ifindex)
		c.ifindex = if_nametoindex(ifname);
	if (ifindex)
		*ifindex = c.ifindex;
	return 0;
}

static int simple_dev_req(struct avpnl *h, uint8_t cmd, uint32_t ifindex)
{
	struct nl_msg *msg;

	msg = req_new(h, cmd, 0, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, AUTOVPN_A_IFINDEX, ifindex) < 0)
		return put_failed(h, msg);
	return transact(h, msg, NULL, NULL);
}

int avpnl_dev_del(struct avpnl *h, uint32_t ifindex)
{
	return simple_dev_req(h, AUTOVPN_CMD_DEV_DEL, ifindex);
}

struct dev_get_ctx {
	struct avpnl_dev *out;
	bool got;
	avpnl_dev_cb cb;
	void *arg;
	int stop;
};

static int dev_get_valid(struct avpnl *h, struct nlmsghdr *nlh, void *arg)
{
	struct dev_get_ctx *c = arg;
	struct avpnl_dev d;
	int r;

	r = parse_dev(h, nlh, &d);
	if (r)
		return r;
	if (c->out) {
		*c->out = d;
		c->got = true;
		return 0;
	}
	if (!c->stop)
		c->stop = c->cb(&d, c->arg);
	return 0;
}

int avpnl_dev_get(struct avpnl *h, uint32_t ifindex, struct avpnl_dev *out)
{
	struct dev_get_ctx c = {.out = out};
	struct nl_msg *msg;
	int r;

	msg = req_new(h, AUTOVPN_CMD_DEV_GET, 0, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, AUTOVPN_A_IFINDEX, ifindex) < 0)
		return put_failed(h, msg);
	r = transact(h, msg, dev_get_valid, &c);
	if (r)
		return r;
	if (!c.got) {
		set_msg(h, "no reply to DEV_GET");
		return -EPROTO;
	}
	return 0;
}

int avpnl_dev_dump(struct avpnl *h, avpnl_dev_cb cb, void *arg)
{
	struct dev_get_ctx c = {.cb = cb, .arg = arg};
	struct nl_msg *msg;
	int r;

	msg = req_new(h, AUTOVPN_CMD_DEV_GET, NLM_F_DUMP, 0);
	if (!msg)
		return -ENOMEM;
	r = transact(h, msg, dev_get_valid, &c);
	return r ? r : c.stop;
}

int avpnl_dev_set(struct avpnl *h, uint32_t ifindex, const struct avpnl_dev_set *req)
{
	struct nl_msg *msg;
	struct nlattr *nest;
	size_t i;

	msg = req_new(h, AUTOVPN_CMD_DEV_SET, 0, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, AUTOVPN_A_IFINDEX, ifindex) < 0)
		return put_failed(h, msg);
	if (req->set_active_active &&
	    nla_put_u8(msg, AUTOVPN_A_ACTIVE_ACTIVE, req->active_active ? 1 : 0) < 0)
		return put_failed(h, msg);
	for (i = 0; i < req->n_uplinks && i < AUTOVPN_MAX_UPLINKS; i++) {
		const struct avpnl_uplink_set *u = &req->uplinks[i];

		if (open_nest(msg, AUTOVPN_A_UPLINK, &nest) ||
		    nla_put_u8(msg, AUTOVPN_UPLINK_A_ID, u->id) < 0 ||
		    (u->fd >= 0 && nla_put_u32(msg, AUTOVPN_UPLINK_A_FD, (uint32_t)u->fd) < 0))
			return put_failed(h, msg);
		nla_nest_end(msg, nest);
	}
	return transact(h, msg, NULL, NULL);
}

int avpnl_dev_set_uplink(struct avpnl *h, uint32_t ifindex, uint8_t id, int fd)
{
	struct avpnl_dev_set req = {.n_uplinks = 1, .uplinks = {{.id = id, .fd = fd}}};

	return avpnl_dev_set(h, ifindex, &req);
}

int avpnl_dev_set_flags(struct avpnl *h, uint32_t ifindex, bool active_active)
{
	struct avpnl_dev_set req = {.set_active_active = true, .active_active = active_active};

	return avpnl_dev_set(h, ifindex, &req);
}

/* ---- peers: building ---- */

static int prefix_append(struct avpnl_prefix **arr, size_t *n, size_t *cap,
			 const struct avpnl_prefix *p)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct avpnl_prefix *na = realloc(*arr, ncap * sizeof(*na));

		if (!na)
			return -ENOMEM;
		*arr = na;
		*cap = ncap;
	}
	(*arr)[(*n)++] = *p;
	return 0;
}

int avpnl_peer_add_route(struct avpnl_peer *p, const struct avpn_prefix *pfx, bool remove)
{
	struct avpnl_prefix e = {.prefix = *pfx, .remove = remove};

	p->set |= AVPNL_PEER_ROUTES;
	return prefix_append(&p->routes, &p->n_routes, &p->cap_routes, &e);
}

int avpnl_peer_add_allowed(struct avpnl_peer *p, const struct avpn_prefix *pfx, bool remove)
{
	struct avpnl_prefix e = {.prefix = *pfx, .remove = remove};

	p->set |= AVPNL_PEER_ALLOWED;
	return prefix_append(&p->allowed, &p->n_allowed, &p->cap_allowed, &e);
}

void avpnl_peer_clear(struct avpnl_peer *p)
{
	free(p->routes);
	free(p->allowed);
	memset(p, 0, sizeof(*p));
}

static int put_sockaddr(struct nl_msg *msg, int type, const struct avpn_endpoint *ep)
{
	struct nlattr *nest;
	uint16_t port = htons(ep->port);

	if (open_nest(msg, type, &nest))
		return -1;
	if (ep->addr.family == AF_INET) {
		if (nla_put(msg, AUTOVPN_SA_A_IPV4, 4, &ep->addr.v4) < 0)
			return -1;
	} else if (nla_put(msg, AUTOVPN_SA_A_IPV6, 16, &ep->addr.v6) < 0) {
		return -1;
	}
	if (nla_put(msg, AUTOVPN_SA_A_PORT, 2, &port) < 0)
		return -1;
	nla_nest_end(msg, nest);
	return 0;
}

static int put_prefixes(struct nl_msg *msg, int type, const struct avpnl_prefix *arr, size_t n)
{
	struct nlattr *list, *nest;
	size_t i;

	if (open_nest(msg, type, &list))
		return -1;
	for (i = 0; i < n; i++) {
		const struct avpn_prefix *p = &arr[i].prefix;

		if (open_nest(msg, AUTOVPN_PEER_A_PREFIX, &nest))
			return -1;
		if (p->addr.family == AF_INET) {
			if (nla_put(msg, AUTOVPN_PREFIX_A_IPV4, 4, &p->addr.v4) < 0)
				return -1;
		} else if (nla_put(msg, AUTOVPN_PREFIX_A_IPV6, 16, &p->addr.v6) < 0) {
			return -1;
		}
		if (nla_put_u8(msg, AUTOVPN_PREFIX_A_PLEN, p->len) < 0)
			return -1;
		if (arr[i].remove &&
		    nla_put_u32(msg, AUTOVPN_PREFIX_A_FLAGS, AUTOVPN_PREFIX_F_REMOVE) < 0)
			return -1;
		nla_nest_end(msg, nest);
	}
	nla_nest_end(msg, list);
	return 0;
}

static int put_path(struct nl_msg *msg, const struct avpnl_path *pa)
{
	struct nlattr *nest;

	if (open_nest(msg, AUTOVPN_PEER_A_PATH, &nest) ||
	    nla_put_u8(msg, AUTOVPN_PATH_A_ID, pa->id) < 0)
		return -1;
	if (pa->remove) {
		/* A removal carries nothing else. */
		if (nla_put_flag(msg, AUTOVPN_PATH_A_REMOVE) < 0)
			return -1;
		nla_nest_end(msg, nest);
		return 0;
	}
	if ((pa->set & AVPNL_PATH_UPLINK) && nla_put_u8(msg, AUTOVPN_PATH_A_UPLINK, pa->uplink) < 0)
		return -1;
	if ((pa->set & AVPNL_PATH_REMOTE) && put_sockaddr(msg, AUTOVPN_PATH_A_REMOTE, &pa->remote))
		return -1;
	if ((pa->set & AVPNL_PATH_STATE) && nla_put_u8(msg, AUTOVPN_PATH_A_STATE, pa->state) < 0)
		return -1;
	if ((pa->set & AVPNL_PATH_PRIORITY) &&
	    nla_put_u8(msg, AUTOVPN_PATH_A_PRIORITY, pa->priority) < 0)
		return -1;
	if ((pa->set & AVPNL_PATH_CLASS_MASK) &&
	    nla_put_u32(msg, AUTOVPN_PATH_A_CLASS_MASK, pa->class_mask) < 0)
		return -1;
	nla_nest_end(msg, nest);
	return 0;
}

/* Everything of @p that a PEER_NEW/PEER_SET carries, inside an open PEER nest. */
static int put_peer_body(struct nl_msg *msg, const struct avpnl_peer *p)
{
	struct nlattr *paths;
	size_t i;

	if (nla_put_u32(msg, AUTOVPN_PEER_A_ID, p->id) < 0)
		return -1;
	if ((p->set & AVPNL_PEER_RX_INDEX) &&
	    nla_put_u32(msg, AUTOVPN_PEER_A_RX_INDEX, p->rx_index) < 0)
		return -1;
	if ((p->set & AVPNL_PEER_TX_INDEX) &&
	    nla_put_u32(msg, AUTOVPN_PEER_A_TX_INDEX, p->tx_index) < 0)
		return -1;
	if ((p->set & AVPNL_PEER_NAME) && nla_put_string(msg, AUTOVPN_PEER_A_NAME, p->name) < 0)
		return -1;
	if (p->flags && nla_put_u32(msg, AUTOVPN_PEER_A_FLAGS, p->flags) < 0)
		return -1;
	if ((p->set & AVPNL_PEER_ROUTES) &&
	    put_prefixes(msg, AUTOVPN_PEER_A_ROUTES, p->routes, p->n_routes))
		return -1;
	if ((p->set & AVPNL_PEER_ALLOWED) &&
	    put_prefixes(msg, AUTOVPN_PEER_A_ALLOWED, p->allowed, p->n_allowed))
		return -1;
	if (p->n_paths || (p->flags & AUTOVPN_PEER_F_REPLACE_PATHS)) {
		if (open_nest(msg, AUTOVPN_PEER_A_PATHS, &paths))
			return -1;
		for (i = 0; i < p->n_paths && i < AUTOVPN_MAX_PATHS; i++)
			if (put_path(msg, &p->paths[i]))
				return -1;
		nla_nest_end(msg, paths);
	}
	return 0;
}

static int peer_write(struct avpnl *h, uint8_t cmd, uint32_t ifindex, const struct avpnl_peer *p)
{
	struct nl_msg *msg;
	struct nlattr *nest;
	/* ~44 bytes per IPv6 prefix nest; room for the rest. */
	size_t size = 4096 + (p->n_routes + p->n_allowed) * 48;

	msg = req_new(h, cmd, 0, size);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, AUTOVPN_A_IFINDEX, ifindex) < 0 ||
	    open_nest(msg, AUTOVPN_A_PEER, &nest) || put_peer_body(msg, p))
		return put_failed(h, msg);
	nla_nest_end(msg, nest);
	return transact(h, msg, NULL, NULL);
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

	msg = req_new(h, cmd, flags, 0);
	if (!msg)
		return NULL;
	if (nla_put_u32(msg, AUTOVPN_A_IFINDEX, ifindex) < 0)
		goto fail;
	if (peer_id) {
		if (open_nest(msg, AUTOVPN_A_PEER, &nest) ||
		    nla_put_u32(msg, AUTOVPN_PEER_A_ID, peer_id) < 0)
			goto fail;
		nla_nest_end(msg, nest);
	}
	return msg;
fail:
	put_failed(h, msg);
	return NULL;
}

int avpnl_peer_del(struct avpnl *h, uint32_t ifindex, uint32_t peer_id)
{
	struct nl_msg *msg = peer_id_req(h, AUTOVPN_CMD_PEER_DEL, 0, ifindex, peer_id);

	if (!msg)
		return -ENOMEM;
	return transact(h, msg, NULL, NULL);
}

/* ---- peers: parsing ---- */

static int parse_prefix_list(const struct nlattr *list, struct avpnl_prefix **arr, size_t *n,
			     size_t *cap)
{
	const struct nlattr *a;
	int rem;

	nla_for_each_nested(a, list, rem)
	{
		struct nlattr *tb[AUTOVPN_PREFIX_A_MAX + 1];
		struct avpnl_prefix e;
		uint32_t fl = 0;

		if (nla_type(a) != AUTOVPN_PEER_A_PREFIX ||
		    parse_nested(tb, AUTOVPN_PREFIX_A_MAX, a) < 0)
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
		get_u8(tb[AUTOVPN_PREFIX_A_PLEN], &e.prefix.len);
		if (get_u32(tb[AUTOVPN_PREFIX_A_FLAGS], &fl))
			e.remove = fl & AUTOVPN_PREFIX_F_REMOVE;
		if (prefix_append(arr, n, cap, &e))
			return -ENOMEM;
	}
	return 0;
}

static void parse_path(const struct nlattr *nest, struct avpnl_peer *p)
{
	struct nlattr *tb[AUTOVPN_PATH_A_MAX + 1];
	struct avpnl_path *pa;

	if (p->n_paths >= AUTOVPN_MAX_PATHS || parse_nested(tb, AUTOVPN_PATH_A_MAX, nest) < 0)
		return;
	pa = &p->paths[p->n_paths];
	memset(pa, 0, sizeof(*pa));
	if (!get_u8(tb[AUTOVPN_PATH_A_ID], &pa->id))
		return;
	if (get_u8(tb[AUTOVPN_PATH_A_UPLINK], &pa->uplink))
		pa->set |= AVPNL_PATH_UPLINK;
	if (tb[AUTOVPN_PATH_A_REMOTE] && !parse_sockaddr(tb[AUTOVPN_PATH_A_REMOTE], &pa->remote))
		pa->set |= AVPNL_PATH_REMOTE;
	if (get_u8(tb[AUTOVPN_PATH_A_STATE], &pa->state))
		pa->set |= AVPNL_PATH_STATE;
	if (get_u8(tb[AUTOVPN_PATH_A_PRIORITY], &pa->priority))
		pa->set |= AVPNL_PATH_PRIORITY;
	if (get_u32(tb[AUTOVPN_PATH_A_CLASS_MASK], &pa->class_mask))
		pa->set |= AVPNL_PATH_CLASS_MASK;
	get_u64(tb[AUTOVPN_PATH_A_RX_PACKETS], &pa->rx_packets);
	get_u64(tb[AUTOVPN_PATH_A_RX_BYTES], &pa->rx_bytes);
	get_u64(tb[AUTOVPN_PATH_A_TX_PACKETS], &pa->tx_packets);
	get_u64(tb[AUTOVPN_PATH_A_TX_BYTES], &pa->tx_bytes);
	p->n_paths++;
}

static void parse_key(const struct nlattr *nest, struct avpnl_peer *p)
{
	struct nlattr *tb[AUTOVPN_KEY_A_MAX + 1];
	struct avpnl_key *k;

	if (p->n_keys >= __AUTOVPN_KEY_SLOT_MAX || parse_nested(tb, AUTOVPN_KEY_A_MAX, nest) < 0)
		return;
	k = &p->keys[p->n_keys];
	memset(k, 0, sizeof(*k));
	if (!get_u8(tb[AUTOVPN_KEY_A_SLOT], &k->slot) || !get_u8(tb[AUTOVPN_KEY_A_ID], &k->id))
		return;
	if (get_u64(tb[AUTOVPN_KEY_A_REKEY_PACKETS], &k->rekey_packets))
		k->set |= AVPNL_KEY_REKEY_PACKETS;
	if (get_u64(tb[AUTOVPN_KEY_A_LIMIT_PACKETS], &k->limit_packets))
		k->set |= AVPNL_KEY_LIMIT_PACKETS;
	if (get_u32(tb[AUTOVPN_KEY_A_REKEY_SECS], &k->rekey_secs))
		k->set |= AVPNL_KEY_REKEY_SECS;
	if (get_u32(tb[AUTOVPN_KEY_A_LIFETIME_SECS], &k->lifetime_secs))
		k->set |= AVPNL_KEY_LIFETIME_SECS;
	if (get_u32(tb[AUTOVPN_KEY_A_AGE_SECS], &k->age_secs))
		k->set |= AVPNL_KEY_AGE;
	if (get_u64(tb[AUTOVPN_KEY_A_TX_PACKETS], &k->tx_packets))
		k->set |= AVPNL_KEY_TX_PACKETS;
	p->n_keys++;
}

/* One PEER nest of a reply into @p (zeroed by the caller). */
static int parse_peer(const struct nlattr *nest, struct avpnl_peer *p)
{
	const struct nlattr *a, *b;
	int rem, rem2, r;

	nla_for_each_nested(a, nest, rem)
	{
		switch (nla_type(a)) {
		case AUTOVPN_PEER_A_ID:
			get_u32(a, &p->id);
			break;
		case AUTOVPN_PEER_A_RX_INDEX:
			if (get_u32(a, &p->rx_index))
				p->set |= AVPNL_PEER_RX_INDEX;
			break;
		case AUTOVPN_PEER_A_TX_INDEX:
			if (get_u32(a, &p->tx_index))
				p->set |= AVPNL_PEER_TX_INDEX;
			break;
		case AUTOVPN_PEER_A_NAME:
			snprintf(p->name, sizeof(p->name), "%.*s", nla_len(a),
				 (const char *)nla_data(a));
			p->set |= AVPNL_PEER_NAME;
			break;
		case AUTOVPN_PEER_A_FLAGS:
			get_u32(a, &p->flags);
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
			nla_for_each_nested(b, a, rem2) if (nla_type(b) == AUTOVPN_PEER_A_PATH)
			    parse_path(b, p);
			break;
		case AUTOVPN_PEER_A_PATH:
			parse_path(a, p);
			break;
		case AUTOVPN_PEER_A_KEYS:
			nla_for_each_nested(b, a, rem2) parse_key(b, p);
			break;
		case AUTOVPN_PEER_A_RX_PACKETS:
			get_u64(a, &p->rx_packets);
			break;
		case AUTOVPN_PEER_A_RX_BYTES:
			get_u64(a, &p->rx_bytes);
			break;
		case AUTOVPN_PEER_A_TX_PACKETS:
			get_u64(a, &p->tx_packets);
			break;
		case AUTOVPN_PEER_A_TX_BYTES:
			get_u64(a, &p->tx_bytes);
			break;
		case AUTOVPN_PEER_A_STATS:
			p->set |= AVPNL_PEER_STATS;
			parse_drops(a, p->drops);
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
		if (prefix_append(&into->routes, &into->n_routes, &into->cap_routes,
				  &more->routes[i]))
			return -ENOMEM;
	for (i = 0; i < more->n_allowed; i++)
		if (prefix_append(&into->allowed, &into->n_allowed, &into->cap_allowed,
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

	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), rem)
	{
		struct avpnl_peer p;

		if (nla_type(a) != AUTOVPN_A_PEER)
			continue;
		memset(&p, 0, sizeof(p));
		r = parse_peer(a, &p);
		if (r) {
			avpnl_peer_clear(&p);
			set_msg(h, r == -ENOMEM ? "out of memory" : "peer reply without id");
			return r;
		}
		if (c->pending && c->cur.id == p.id) {
			r = merge_peer(&c->cur, &p);
			avpnl_peer_clear(&p);
			if (r) {
				set_msg(h, "out of memory");
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
	struct peer_dump_ctx c = {.cb = cb, .arg = arg};
	struct nl_msg *msg;
	int r;

	msg = peer_id_req(h, AUTOVPN_CMD_PEER_GET, NLM_F_DUMP, ifindex, 0);
	if (!msg)
		return -ENOMEM;
	r = transact(h, msg, peer_dump_valid, &c);
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
		if (prefix_append(&out->routes, &out->n_routes, &out->cap_routes, &p->routes[i]))
			return -ENOMEM;
	for (i = 0; i < p->n_allowed; i++)
		if (prefix_append(&out->allowed, &out->n_allowed, &out->cap_allowed,
				  &p->allowed[i]))
			return -ENOMEM;
	return 0;
}

int avpnl_peer_get(struct avpnl *h, uint32_t ifindex, uint32_t peer_id, struct avpnl_peer *out)
{
	struct peer_dump_ctx c = {.cb = peer_get_cb, .arg = out};
	struct nl_msg *msg;
	int r;

	memset(out, 0, sizeof(*out));
	msg = peer_id_req(h, AUTOVPN_CMD_PEER_GET, 0, ifindex, peer_id);
	if (!msg)
		return -ENOMEM;
	r = transact(h, msg, peer_dump_valid, &c);
	if (!r)
		peer_flush(&c);
	avpnl_peer_clear(&c.cur);
	if (!r && c.stop)
		r = c.stop;
	if (!r && !out->id) {
		set_msg(h, "no reply to PEER_GET");
		r = -EPROTO;
	}
	if (r)
		avpnl_peer_clear(out);
	return r;
}

/* ---- keys ---- */

void avpnl_key_wipe(struct avpnl_key *k)
{
	sodium_memzero(k->enc_key, sizeof(k->enc_key));
	sodium_memzero(k->enc_salt, sizeof(k->enc_salt));
	sodium_memzero(k->dec_key, sizeof(k->dec_key));
	sodium_memzero(k->dec_salt, sizeof(k->dec_salt));
}

static struct nl_msg *key_req(struct avpnl *h, uint8_t cmd, uint32_t ifindex, uint32_t peer_id)
{
	struct nl_msg *msg = req_new(h, cmd, 0, 0);

	if (!msg)
		return NULL;
	if (nla_put_u32(msg, AUTOVPN_A_IFINDEX, ifindex) < 0 ||
	    nla_put_u32(msg, AUTOVPN_A_PEER_ID, peer_id) < 0) {
		put_failed(h, msg);
		return NULL;
	}
	return msg;
}

int avpnl_key_new(struct avpnl *h, uint32_t ifindex, uint32_t peer_id, const struct avpnl_key *k)
{
	struct nl_msg *msg = key_req(h, AUTOVPN_CMD_KEY_NEW, ifindex, peer_id);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	if (open_nest(msg, AUTOVPN_A_KEYCONF, &nest) ||
	    nla_put_u8(msg, AUTOVPN_KEY_A_SLOT, k->slot) < 0 ||
	    nla_put_u8(msg, AUTOVPN_KEY_A_ID, k->id) < 0 ||
	    nla_put(msg, AUTOVPN_KEY_A_ENCRYPT_KEY, AUTOVPN_KEY_LEN, k->enc_key) < 0 ||
	    nla_put(msg, AUTOVPN_KEY_A_ENCRYPT_SALT, AUTOVPN_SALT_LEN, k->enc_salt) < 0 ||
	    nla_put(msg, AUTOVPN_KEY_A_DECRYPT_KEY, AUTOVPN_KEY_LEN, k->dec_key) < 0 ||
	    nla_put(msg, AUTOVPN_KEY_A_DECRYPT_SALT, AUTOVPN_SALT_LEN, k->dec_salt) < 0)
		return put_failed(h, msg);
	if ((k->set & AVPNL_KEY_REKEY_PACKETS) &&
	    nla_put_u64(msg, AUTOVPN_KEY_A_REKEY_PACKETS, k->rekey_packets) < 0)
		return put_failed(h, msg);
	if ((k->set & AVPNL_KEY_LIMIT_PACKETS) &&
	    nla_put_u64(msg, AUTOVPN_KEY_A_LIMIT_PACKETS, k->limit_packets) < 0)
		return put_failed(h, msg);
	if ((k->set & AVPNL_KEY_REKEY_SECS) &&
	    nla_put_u32(msg, AUTOVPN_KEY_A_REKEY_SECS, k->rekey_secs) < 0)
		return put_failed(h, msg);
	if ((k->set & AVPNL_KEY_LIFETIME_SECS) &&
	    nla_put_u32(msg, AUTOVPN_KEY_A_LIFETIME_SECS, k->lifetime_secs) < 0)
		return put_failed(h, msg);
	nla_nest_end(msg, nest);
	return transact(h, msg, NULL, NULL);
}

int avpnl_key_swap(struct avpnl *h, uint32_t ifindex, uint32_t peer_id)
{
	struct nl_msg *msg = key_req(h, AUTOVPN_CMD_KEY_SWAP, ifindex, peer_id);

	if (!msg)
		return -ENOMEM;
	return transact(h, msg, NULL, NULL);
}

int avpnl_key_del(struct avpnl *h, uint32_t ifindex, uint32_t peer_id, uint8_t slot)
{
	struct nl_msg *msg = key_req(h, AUTOVPN_CMD_KEY_DEL, ifindex, peer_id);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	if (open_nest(msg, AUTOVPN_A_KEYCONF, &nest) ||
	    nla_put_u8(msg, AUTOVPN_KEY_A_SLOT, slot) < 0)
		return put_failed(h, msg);
	nla_nest_end(msg, nest);
	return transact(h, msg, NULL, NULL);
}

/* ---- events ---- */

int avpnl_events_subscribe(struct avpnl *h)
{
	int grp;

	h->has_msg = false;
	grp = genl_ctrl_resolve_grp(h->sk, AUTOVPN_GENL_NAME, AUTOVPN_MCGRP_EVENTS);
	if (grp < 0)
		return local_err(h, grp, "resolving the events group");
	/*
	 * Notifications are unsolicited: no sequence numbers to match (also
	 * disabled per receive in avpnl_events_recv(), which uses its own cb).
	 */
	nl_socket_disable_seq_check(h->sk);
	grp = nl_socket_add_membership(h->sk, grp);
	if (grp < 0)
		return local_err(h, grp, "joining the events group");
	return 0;
}

int avpnl_events_fd(const struct avpnl *h)
{
	return nl_socket_get_fd(h->sk);
}

struct ev_ctx {
	struct avpnl *h;
	avpnl_event_cb cb;
	void *arg;
	int ret;
};

static int ev_valid(struct nl_msg *msg, void *arg)
{
	struct ev_ctx *c = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *g;
	struct nlattr *tb[AUTOVPN_A_MAX + 1];
	struct avpnl_event ev;

	if (c->ret || nlh->nlmsg_type != c->h->family || !genlmsg_valid_hdr(nlh, 0))
		return NL_OK;
	g = nlmsg_data(nlh);
	if (g->cmd != AUTOVPN_CMD_EVENT ||
	    nla_parse(tb, AUTOVPN_A_MAX, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), NULL) < 0)
		return NL_OK;
	memset(&ev, 0, sizeof(ev));
	if (!get_u8(tb[AUTOVPN_A_EVENT], &ev.type))
		return NL_OK;
	get_u32(tb[AUTOVPN_A_IFINDEX], &ev.ifindex);
	get_u32(tb[AUTOVPN_A_PEER_ID], &ev.peer_id);
	ev.has_key_id = get_u8(tb[AUTOVPN_A_KEY_ID], &ev.key_id);
	c->ret = c->cb(&ev, c->arg);
	return NL_OK;
}

/* Notifications carry sequence number 0: accept them all. */
static int ev_seq_ok(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

int avpnl_events_recv(struct avpnl *h, avpnl_event_cb cb, void *arg)
{
	struct ev_ctx c = {.h = h, .cb = cb, .arg = arg};
	struct nl_cb *ncb;
	int r;

	h->has_msg = false;
	ncb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!ncb)
		return -ENOMEM;
	nl_cb_set(ncb, NL_CB_VALID, NL_CB_CUSTOM, ev_valid, &c);
	nl_cb_set(ncb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, ev_seq_ok, NULL);
	r = nl_recvmsgs(h->sk, ncb);
	nl_cb_put(ncb);
	if (r < 0)
		return local_err(h, r, "receiving events");
	return c.ret;
}

/* ---- names ---- */

const char *avpnl_drop_name(unsigned int reason)
{
	/* clang-format off */
	static const char *const names[__AUTOVPN_DROP_MAX] = {
		[AUTOVPN_DROP_MALFORMED] = "malformed",
		[AUTOVPN_DROP_NO_PEER] = "no_peer",
		[AUTOVPN_DROP_NO_KEY] = "no_key",
		[AUTOVPN_DROP_AUTH] = "auth",
		[AUTOVPN_DROP_REPLAY] = "replay",
		[AUTOVPN_DROP_SOURCE] = "source",
		[AUTOVPN_DROP_INNER] = "inner",
		[AUTOVPN_DROP_NO_ROUTE] = "no_route",
		[AUTOVPN_DROP_NO_PATH] = "no_path",
		[AUTOVPN_DROP_KEY_LIMIT] = "key_limit",
		[AUTOVPN_DROP_TOO_BIG] = "too_big",
		[AUTOVPN_DROP_NOMEM] = "nomem",
		[AUTOVPN_DROP_XMIT] = "xmit",
		[AUTOVPN_DROP_PATH] = "path",
	};
	/* clang-format on */

	return reason < __AUTOVPN_DROP_MAX ? names[reason] : NULL;
}

const char *avpnl_slot_name(unsigned int slot)
{
	static const char *const names[__AUTOVPN_KEY_SLOT_MAX] = {
	    [AUTOVPN_KEY_SLOT_CURRENT] = "current",
	    [AUTOVPN_KEY_SLOT_PREVIOUS] = "previous",
	    [AUTOVPN_KEY_SLOT_NEXT] = "next",
	};

	return slot < __AUTOVPN_KEY_SLOT_MAX ? names[slot] : NULL;
}
