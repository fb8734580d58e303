// SPDX-License-Identifier: GPL-2.0
/*
 * avpnl.c - libnl-3 client for the "autovpn" generic netlink family: the
 * handle, errors and the request/reply machinery every verb uses (see
 * avpnl_priv.h); the verbs are in avpnl_dev.c, avpnl_peer.c, avpnl_key.c
 * and avpnl_event.c.
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

#include "nl/avpnl_priv.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* ---- errors ---- */

const char *avpnl_errmsg(const struct avpnl *h)
{
	return h && h->has_msg ? h->msg : NULL;
}

void avpnl_set_msg(struct avpnl *h, const char *fmt, ...)
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

int avpnl_local_err(struct avpnl *h, int nlerr, const char *what)
{
	avpnl_set_msg(h, "%s: %s", what, nl_geterror(nlerr));
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
		avpnl_set_msg(h, "%.*s", (int)strnlen(s, (size_t)nla_len(tb[NLMSGERR_ATTR_MSG])),
			      s);
	} else if (tb[NLMSGERR_ATTR_MISS_TYPE] && nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) >= 4) {
		avpnl_set_msg(h, "missing attribute (type %u)",
			      nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]));
	}
}

/* ---- request/reply machinery ---- */

struct xact {
	struct avpnl *h;
	avpnl_valid_fn valid;
	void *arg;
	bool done;
	int kerr;  /* negative errno from the kernel */
	int perr;  /* first error from @valid */
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

/* The kernel's state changed while the dump was read (see avpnl_transact()). */
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

int avpnl_transact(struct avpnl *h, struct nl_msg *msg, avpnl_valid_fn valid, void *arg)
{
	struct xact x = { .h = h, .valid = valid, .arg = arg };
	struct nl_cb *cb;
	int r;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		msg_free(msg);
		avpnl_set_msg(h, "out of memory");
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
		return avpnl_local_err(h, r, "netlink send");
	}
	while (!x.done) {
		r = nl_recvmsgs(h->sk, cb);
		if (r < 0 && !x.done) {
			nl_cb_put(cb);
			return avpnl_local_err(h, r, "netlink receive");
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
		avpnl_set_msg(h, "the configuration changed while it was read "
				 "(NLM_F_DUMP_INTR): read it again");
		return -EAGAIN;
	}
	return x.perr;
}

struct nl_msg *avpnl_req_new(struct avpnl *h, uint8_t cmd, int flags, size_t size)
{
	struct nl_msg *msg;

	h->has_msg = false;
	msg = size ? nlmsg_alloc_size(size) : nlmsg_alloc();
	if (!msg) {
		avpnl_set_msg(h, "out of memory");
		return NULL;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, h->family, 0, flags, cmd,
			 AUTOVPN_GENL_VERSION)) {
		nlmsg_free(msg);
		avpnl_set_msg(h, "netlink message too small");
		return NULL;
	}
	return msg;
}

int avpnl_put_failed(struct avpnl *h, struct nl_msg *msg)
{
	msg_free(msg);
	avpnl_set_msg(h, "request does not fit in a netlink message");
	return -EMSGSIZE;
}

int avpnl_nest_open(struct nl_msg *msg, int type, struct nlattr **nest)
{
	*nest = nla_nest_start(msg, type | NLA_F_NESTED);
	return *nest ? 0 : -EMSGSIZE;
}

/* ---- the handle ---- */

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

/* ---- attribute helpers (lengths checked; the kernel may add attributes) ---- */

bool avpnl_get_u8(const struct nlattr *a, uint8_t *v)
{
	if (!a || nla_len(a) < 1)
		return false;
	*v = nla_get_u8(a);
	return true;
}

bool avpnl_get_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || nla_len(a) < 4)
		return false;
	*v = nla_get_u32(a);
	return true;
}

bool avpnl_get_u64(const struct nlattr *a, uint64_t *v)
{
	if (!a || nla_len(a) < 8)
		return false;
	*v = nla_get_u64(a);
	return true;
}

int avpnl_parse_nested(struct nlattr **tb, int max, const struct nlattr *nest)
{
	return nla_parse(tb, max, nla_data(nest), nla_len(nest), NULL);
}

int avpnl_parse_sockaddr(const struct nlattr *nest, struct endpoint *ep)
{
	struct nlattr *tb[AUTOVPN_SA_A_MAX + 1];
	uint16_t port;

	memset(ep, 0, sizeof(*ep));
	if (avpnl_parse_nested(tb, AUTOVPN_SA_A_MAX, nest) < 0)
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

void avpnl_parse_drops(const struct nlattr *nest, uint64_t drops[__AUTOVPN_DROP_MAX])
{
	const struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		int t = nla_type(a);

		if (t > 0 && t < __AUTOVPN_DROP_MAX)
			avpnl_get_u64(a, &drops[t]);
	}
}

int avpnl_put_sockaddr(struct nl_msg *msg, int type, const struct endpoint *ep)
{
	struct nlattr *nest;
	uint16_t port = htons(ep->port);

	if (avpnl_nest_open(msg, type, &nest))
		return -EMSGSIZE;
	if (ep->addr.family == AF_INET) {
		if (nla_put(msg, AUTOVPN_SA_A_IPV4, 4, &ep->addr.v4) < 0)
			return -EMSGSIZE;
	} else if (nla_put(msg, AUTOVPN_SA_A_IPV6, 16, &ep->addr.v6) < 0) {
		return -EMSGSIZE;
	}
	if (nla_put(msg, AUTOVPN_SA_A_PORT, 2, &port) < 0)
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
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
		[AUTOVPN_DROP_TX_BUSY] = "tx_busy",
		[AUTOVPN_DROP_RX_BUSY] = "rx_busy",
		[AUTOVPN_DROP_TX_CONGESTION] = "tx_congestion",
		[AUTOVPN_DROP_RX_CONGESTION] = "rx_congestion",
	};
	/* clang-format on */

	return reason < __AUTOVPN_DROP_MAX ? names[reason] : NULL;
}
