/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlraw.h - a small raw generic netlink client for the test helpers that
 * must send arbitrary bytes (nlfuzz, nlfault): no libnl, so a message can be
 * malformed on purpose, and every reply is seen as the kernel sent it.
 * Header-only (static inline): every tests/net/ C file is a program of its own.
 *
 *   struct nlr s; nlr_open(&s); nlr_family(&s, "autovpn");
 *   struct nlr_msg m; nlr_msg_init(&m, 4096);
 *   nlr_genl_hdr(&m, s.family, NLM_F_REQUEST | NLM_F_ACK, CMD, 1);
 *   nlr_put_u32(&m, ATTR, v); n = nlr_nest_start(&m, NEST); ...; nlr_nest_end(&m, n);
 *   err = nlr_request(&s, &m, cb, ctx, &res);   (0 or -errno)
 *
 * Replies: NLMSG_ERROR (the ack: its error and the extack message), or for
 * dumps data messages then NLMSG_DONE (whose payload is an error code too).
 * A socket error (ENOBUFS: a reply could not be allocated) is returned as
 * such, with res->sock_error set.
 */
#ifndef AVPN_TESTS_NLRAW_H
#define AVPN_TESTS_NLRAW_H

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NLM_F_DUMP_INTR
#define NLM_F_DUMP_INTR 0x10
#endif

#define NLR_RBUF (256 * 1024)

struct nlr {
	int fd;
	uint32_t seq;
	uint16_t family;
	unsigned char *rbuf;
};

/* What a request got back besides its error code. */
struct nlr_result {
	char ext[256];       /* extack message, "" if none */
	unsigned int nmsgs;  /* data messages (dump parts, doit replies) */
	bool dump_intr;      /* some part had NLM_F_DUMP_INTR */
	bool sock_error;     /* the error came from the socket (ENOBUFS ...) */
	bool timed_out;
};

/* Called for each data message of the reply; a non-zero return is kept
 * (the first one) and returned by nlr_request if the request succeeded. */
typedef int (*nlr_cb)(void *ctx, const struct nlmsghdr *nlh);

static inline void *nlr_xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "nlraw: out of memory\n");
		exit(2);
	}
	return p;
}

/* A netlink socket of protocol proto (NETLINK_GENERIC, NETLINK_ROUTE). */
static inline int nlr_open_proto(struct nlr *s, int proto)
{
	int one = 1, rcv = 4 << 20;

	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
	if (s->fd < 0)
		return -errno;
	setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	/* Errors echo only the header, not a possibly huge request. */
	setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	s->seq = (uint32_t)getpid() << 12;
	s->rbuf = nlr_xrealloc(NULL, NLR_RBUF);
	return 0;
}

static inline int nlr_open(struct nlr *s)
{
	return nlr_open_proto(s, NETLINK_GENERIC);
}

static inline void nlr_close(struct nlr *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->rbuf);
	s->rbuf = NULL;
}

/* ---- building messages ---------------------------------------------------- */

struct nlr_msg {
	unsigned char *buf;
	size_t len, cap;
};

static inline void nlr_msg_init(struct nlr_msg *m, size_t cap)
{
	m->buf = nlr_xrealloc(NULL, cap);
	m->cap = cap;
	m->len = 0;
}

static inline void nlr_msg_free(struct nlr_msg *m)
{
	free(m->buf);
	m->buf = NULL;
}

static inline void *nlr_reserve(struct nlr_msg *m, size_t n)
{
	void *p;

	if (m->len + n > m->cap) {
		m->cap = (m->len + n) * 2;
		m->buf = nlr_xrealloc(m->buf, m->cap);
	}
	p = m->buf + m->len;
	memset(p, 0, n);
	m->len += n;
	return p;
}

/* Starts a message with a bare nlmsghdr (seq is set when it is sent). */
static inline void nlr_hdr(struct nlr_msg *m, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	m->len = 0;
	nlh = nlr_reserve(m, NLMSG_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
}

/* Starts a message: nlmsghdr + genlmsghdr (seq is set when it is sent). */
static inline void nlr_genl_hdr(struct nlr_msg *m, uint16_t type, uint16_t flags, uint8_t cmd,
				uint8_t version)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	m->len = 0;
	nlh = nlr_reserve(m, NLMSG_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	g = nlr_reserve(m, GENL_HDRLEN);
	g->cmd = cmd;
	g->version = version;
}

static inline struct nlmsghdr *nlr_nlh(struct nlr_msg *m)
{
	return (struct nlmsghdr *)m->buf;
}

/* An attribute with an explicit nla_len (may lie about the payload). */
static inline void nlr_put_raw(struct nlr_msg *m, uint16_t type, uint16_t nla_len,
			       const void *data, size_t len)
{
	struct nlattr *a = nlr_reserve(m, NLA_HDRLEN);

	a->nla_type = type;
	a->nla_len = nla_len;
	if (len)
		memcpy(nlr_reserve(m, len), data, len);
	nlr_reserve(m, NLA_ALIGN(len) - len);
}

static inline void nlr_put(struct nlr_msg *m, uint16_t type, const void *data, size_t len)
{
	nlr_put_raw(m, type, (uint16_t)(NLA_HDRLEN + len), data, len);
}

static inline void nlr_put_u8(struct nlr_msg *m, uint16_t type, uint8_t v)
{
	nlr_put(m, type, &v, 1);
}

static inline void nlr_put_u16(struct nlr_msg *m, uint16_t type, uint16_t v)
{
	nlr_put(m, type, &v, 2);
}

static inline void nlr_put_u32(struct nlr_msg *m, uint16_t type, uint32_t v)
{
	nlr_put(m, type, &v, 4);
}

static inline void nlr_put_u64(struct nlr_msg *m, uint16_t type, uint64_t v)
{
	nlr_put(m, type, &v, 8);
}

static inline void nlr_put_str(struct nlr_msg *m, uint16_t type, const char *s)
{
	nlr_put(m, type, s, strlen(s) + 1);
}

/* Returns the nest's offset, for nlr_nest_end. */
static inline size_t nlr_nest_start(struct nlr_msg *m, uint16_t type)
{
	size_t off = m->len;

	nlr_put_raw(m, type | NLA_F_NESTED, 0, NULL, 0);
	return off;
}

static inline void nlr_nest_end(struct nlr_msg *m, size_t off)
{
	struct nlattr *a = (struct nlattr *)(m->buf + off);

	a->nla_len = (uint16_t)(m->len - off < 0xffff ? m->len - off : 0xffff);
}

/* ---- sending and receiving ------------------------------------------------ */

/* Sends len bytes of m (default: all, with nlmsg_len = len) with a new seq. */
static inline int nlr_send_len(struct nlr *s, struct nlr_msg *m, size_t len, bool fix_len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nlh = nlr_nlh(m);
	ssize_t n;

	if (m->len >= sizeof(*nlh)) {
		nlh->nlmsg_seq = ++s->seq;
		if (fix_len)
			nlh->nlmsg_len = (uint32_t)len;
	}
	n = sendto(s->fd, m->buf, len, 0, (struct sockaddr *)&sa, sizeof(sa));
	if (n < 0)
		return -errno;
	return 0;
}

static inline int nlr_send(struct nlr *s, struct nlr_msg *m)
{
	return nlr_send_len(s, m, m->len, true);
}

/* The extack message TLV of an NLMSG_ERROR, if any. */
static inline void nlr_parse_ext(const struct nlmsghdr *nlh, struct nlr_result *res)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	while (off + NLA_HDRLEN <= nlh->nlmsg_len) {
		a = (const struct nlattr *)((const char *)nlh + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > nlh->nlmsg_len)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			size_t l = a->nla_len - NLA_HDRLEN;

			if (l >= sizeof(res->ext))
				l = sizeof(res->ext) - 1;
			memcpy(res->ext, (const char *)a + NLA_HDRLEN, l);
			res->ext[l] = '\0';
		}
		off += NLA_ALIGN(a->nla_len);
	}
}

/*
 * Reads the reply to seq: until its ack (NLMSG_ERROR) or, for a dump, its
 * NLMSG_DONE. Messages of older requests (a dump abandoned earlier) are
 * skipped. Returns 0 / the kernel's -errno / a socket's -errno, -ETIMEDOUT.
 */
static inline int nlr_recv(struct nlr *s, uint32_t seq, nlr_cb cb, void *ctx,
			   struct nlr_result *res, int timeout_ms)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	int cb_ret = 0;

	for (;;) {
		struct nlmsghdr *nlh;
		ssize_t n;
		int left;

		if (poll(&p, 1, timeout_ms) <= 0) {
			res->timed_out = true;
			return -ETIMEDOUT;
		}
		n = recv(s->fd, s->rbuf, NLR_RBUF, 0);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			res->sock_error = true;
			return -errno;
		}
		left = (int)n;
		for (nlh = (struct nlmsghdr *)s->rbuf; NLMSG_OK(nlh, left);
		     nlh = NLMSG_NEXT(nlh, left)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				res->dump_intr = true;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EBADMSG;
				nlr_parse_ext(nlh, res);
				return e->error ? e->error : cb_ret;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				int err = 0;

				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&err, NLMSG_DATA(nlh), sizeof(int));
				if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
					nlr_parse_ext(nlh, res);
				return err ? err : cb_ret;
			}
			res->nmsgs++;
			if (cb && !cb_ret)
				cb_ret = cb(ctx, nlh);
		}
	}
}

/* Sends m and reads its reply; res may be NULL. */
static inline int nlr_request(struct nlr *s, struct nlr_msg *m, nlr_cb cb, void *ctx,
			      struct nlr_result *res)
{
	struct nlr_result dummy;
	int err;

	if (!res)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	err = nlr_send(s, m);
	if (err)
		return err;
	return nlr_recv(s, s->seq, cb, ctx, res, 10000);
}

/* ---- attributes ------------------------------------------------------------ */

#define nlr_for_each_attr(a, start, len, rem)                                       \
	for ((a) = (const struct nlattr *)(start), (rem) = (int)(len);                   \
	     (rem) >= (int)NLA_HDRLEN && (a)->nla_len >= NLA_HDRLEN && (a)->nla_len <= (rem); \
	     (rem) -= NLA_ALIGN((a)->nla_len),                                             \
	    (a) = (const struct nlattr *)((const char *)(a) + NLA_ALIGN((a)->nla_len)))

static inline const void *nlr_attr_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static inline int nlr_attr_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static inline int nlr_attr_type(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

/* The attributes of a genl message: start and length. */
static inline const void *nlr_genl_attrs(const struct nlmsghdr *nlh, int *len)
{
	*len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	return (const char *)nlh + NLMSG_HDRLEN + GENL_HDRLEN;
}

/* ---- the family ------------------------------------------------------------ */

struct nlr_family_ctx {
	const char *grp;
	int id, grp_id;
};

static inline int nlr_family_cb(void *ctx, const struct nlmsghdr *nlh)
{
	struct nlr_family_ctx *f = ctx;
	const struct nlattr *a, *g, *ga;
	int rem, rem2, rem3, len;
	const void *start = nlr_genl_attrs(nlh, &len);

	nlr_for_each_attr(a, start, len, rem) {
		if (nlr_attr_type(a) == CTRL_ATTR_FAMILY_ID && nlr_attr_len(a) >= 2)
			f->id = *(const uint16_t *)nlr_attr_data(a);
		if (nlr_attr_type(a) != CTRL_ATTR_MCAST_GROUPS || !f->grp)
			continue;
		nlr_for_each_attr(g, nlr_attr_data(a), nlr_attr_len(a), rem2) {
			const char *name = NULL;
			int id = -1;

			nlr_for_each_attr(ga, nlr_attr_data(g), nlr_attr_len(g), rem3) {
				if (nlr_attr_type(ga) == CTRL_ATTR_MCAST_GRP_NAME)
					name = nlr_attr_data(ga);
				if (nlr_attr_type(ga) == CTRL_ATTR_MCAST_GRP_ID)
					id = *(const int *)nlr_attr_data(ga);
			}
			if (name && !strcmp(name, f->grp))
				f->grp_id = id;
		}
	}
	return 0;
}

/* Resolves the family (s->family); *grp_id (if grp) its multicast group. */
static inline int nlr_family(struct nlr *s, const char *name, const char *grp, int *grp_id)
{
	struct nlr_family_ctx f = { .grp = grp, .id = -1, .grp_id = -1 };
	struct nlr_msg m;
	int err;

	nlr_msg_init(&m, 256);
	nlr_genl_hdr(&m, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, CTRL_CMD_GETFAMILY, 1);
	nlr_put_str(&m, CTRL_ATTR_FAMILY_NAME, name);
	err = nlr_request(s, &m, nlr_family_cb, &f, NULL);
	nlr_msg_free(&m);
	if (err)
		return err;
	if (f.id < 0)
		return -ENOENT;
	s->family = (uint16_t)f.id;
	if (grp_id)
		*grp_id = f.grp_id;
	return 0;
}

#endif /* AVPN_TESTS_NLRAW_H */
