/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlschema.h - the attribute tree of the "autovpn" genl family, written from
 * uapi/linux/autovpn.h, for the helpers that generate requests (nlfuzz) and
 * that compare device state (nlfault, nlfuzz): one table per attribute space
 * with each attribute's name, type and nested space.
 *
 * nls_print() turns a reply's attributes into canonical text, one line per
 * leaf ("PEER.ROUTES.PREFIX.IPV4=10.1.0.0"), for before/after comparisons:
 * values that change by themselves (a key's age) are left out, interface
 * indexes and local ports go through caller-supplied maps. It also checks
 * shapes: a leaf whose length does not fit its type is a reply the kernel
 * should never send, counted in nls_ctx.bad.
 * Header-only (static inline), like nlraw.h.
 */
#ifndef AVPN_TESTS_NLSCHEMA_H
#define AVPN_TESTS_NLSCHEMA_H

#include <arpa/inet.h>
#include <linux/autovpn.h>
#include <stdarg.h>

#include "nlraw.h"

enum nls_kind { NLS_U8, NLS_U16, NLS_U32, NLS_U64, NLS_BE16, NLS_BE32, NLS_BIN, NLS_STR,
		NLS_FLAG, NLS_NEST };

enum nls_space { NLS_TOP, NLS_UPLINK, NLS_SA, NLS_PEER, NLS_PREFIX, NLS_PATH, NLS_KEY,
		 NLS_STATS, NLS_PREFIXES, NLS_PATHS, NLS_KEYS, NLS__N };

#define NLS_F_VOLATILE 1 /* changes on its own: not compared */
#define NLS_F_IFINDEX 2  /* an interface index: printed through the map */
#define NLS_F_PORT 4     /* a local port: printed through the map */

struct nls_attr {
	uint16_t type;
	const char *name;
	uint8_t kind;
	uint16_t len; /* NLS_BIN: exact length; NLS_STR: max length with NUL */
	uint8_t sub;  /* NLS_NEST: the space inside */
	uint8_t flags;
};

#define A_(t, n, k, l, s, f) { .type = (t), .name = (n), .kind = (k), .len = (l), .sub = (s), .flags = (f) }

static const struct nls_attr nls_top[] = {
	A_(AUTOVPN_A_IFINDEX, "IFINDEX", NLS_U32, 0, 0, NLS_F_IFINDEX),
	A_(AUTOVPN_A_IFNAME, "IFNAME", NLS_STR, 16, 0, 0),
	A_(AUTOVPN_A_UPLINK, "UPLINK", NLS_NEST, 0, NLS_UPLINK, 0),
	A_(AUTOVPN_A_ACTIVE_ACTIVE, "ACTIVE_ACTIVE", NLS_U8, 0, 0, 0),
	A_(AUTOVPN_A_PEER, "PEER", NLS_NEST, 0, NLS_PEER, 0),
	A_(AUTOVPN_A_PEER_ID, "PEER_ID", NLS_U32, 0, 0, 0),
	A_(AUTOVPN_A_KEYCONF, "KEYCONF", NLS_NEST, 0, NLS_KEY, 0),
	A_(AUTOVPN_A_STATS, "STATS", NLS_NEST, 0, NLS_STATS, 0),
	A_(AUTOVPN_A_EVENT, "EVENT", NLS_U8, 0, 0, 0),
	A_(AUTOVPN_A_KEY_ID, "KEY_ID", NLS_U8, 0, 0, 0),
	A_(AUTOVPN_A_MTU, "MTU", NLS_U32, 0, 0, 0),
	A_(AUTOVPN_A_NPEERS, "NPEERS", NLS_U32, 0, 0, 0),
	{ 0 },
};

static const struct nls_attr nls_uplink[] = {
	A_(AUTOVPN_UPLINK_A_ID, "ID", NLS_U8, 0, 0, 0),
	A_(AUTOVPN_UPLINK_A_FD, "FD", NLS_U32, 0, 0, 0),
	A_(AUTOVPN_UPLINK_A_LOCAL, "LOCAL", NLS_NEST, 0, NLS_SA, 0),
	{ 0 },
};

static const struct nls_attr nls_sa[] = {
	A_(AUTOVPN_SA_A_IPV4, "IPV4", NLS_BE32, 0, 0, 0),
	A_(AUTOVPN_SA_A_IPV6, "IPV6", NLS_BIN, 16, 0, 0),
	A_(AUTOVPN_SA_A_PORT, "PORT", NLS_BE16, 0, 0, NLS_F_PORT),
	{ 0 },
};

static const struct nls_attr nls_peer[] = {
	A_(AUTOVPN_PEER_A_ID, "ID", NLS_U32, 0, 0, 0),
	A_(AUTOVPN_PEER_A_RX_INDEX, "RX_INDEX", NLS_U32, 0, 0, 0),
	A_(AUTOVPN_PEER_A_TX_INDEX, "TX_INDEX", NLS_U32, 0, 0, 0),
	A_(AUTOVPN_PEER_A_NAME, "NAME", NLS_STR, AUTOVPN_MAX_PEER_NAME, 0, 0),
	A_(AUTOVPN_PEER_A_FLAGS, "FLAGS", NLS_U32, 0, 0, 0),
	A_(AUTOVPN_PEER_A_ROUTES, "ROUTES", NLS_NEST, 0, NLS_PREFIXES, 0),
	A_(AUTOVPN_PEER_A_ALLOWED, "ALLOWED", NLS_NEST, 0, NLS_PREFIXES, 0),
	A_(AUTOVPN_PEER_A_PATHS, "PATHS", NLS_NEST, 0, NLS_PATHS, 0),
	A_(AUTOVPN_PEER_A_PATH, "PATH", NLS_NEST, 0, NLS_PATH, 0),
	A_(AUTOVPN_PEER_A_PREFIX, "PREFIX", NLS_NEST, 0, NLS_PREFIX, 0),
	A_(AUTOVPN_PEER_A_KEYS, "KEYS", NLS_NEST, 0, NLS_KEYS, 0),
	A_(AUTOVPN_PEER_A_RX_PACKETS, "RX_PACKETS", NLS_U64, 0, 0, 0),
	A_(AUTOVPN_PEER_A_RX_BYTES, "RX_BYTES", NLS_U64, 0, 0, 0),
	A_(AUTOVPN_PEER_A_TX_PACKETS, "TX_PACKETS", NLS_U64, 0, 0, 0),
	A_(AUTOVPN_PEER_A_TX_BYTES, "TX_BYTES", NLS_U64, 0, 0, 0),
	A_(AUTOVPN_PEER_A_STATS, "STATS", NLS_NEST, 0, NLS_STATS, 0),
	A_(AUTOVPN_PEER_A_RX_CE_MARKS, "RX_CE_MARKS", NLS_U64, 0, 0, 0),
	A_(AUTOVPN_PEER_A_TX_CE_MARKS, "TX_CE_MARKS", NLS_U64, 0, 0, 0),
	{ 0 },
};

static const struct nls_attr nls_prefix[] = {
	A_(AUTOVPN_PREFIX_A_IPV4, "IPV4", NLS_BE32, 0, 0, 0),
	A_(AUTOVPN_PREFIX_A_IPV6, "IPV6", NLS_BIN, 16, 0, 0),
	A_(AUTOVPN_PREFIX_A_PLEN, "PLEN", NLS_U8, 0, 0, 0),
	A_(AUTOVPN_PREFIX_A_FLAGS, "FLAGS", NLS_U32, 0, 0, 0),
	{ 0 },
};

static const struct nls_attr nls_path[] = {
	A_(AUTOVPN_PATH_A_ID, "ID", NLS_U8, 0, 0, 0),
	A_(AUTOVPN_PATH_A_UPLINK, "UPLINK", NLS_U8, 0, 0, 0),
	A_(AUTOVPN_PATH_A_REMOTE, "REMOTE", NLS_NEST, 0, NLS_SA, 0),
	A_(AUTOVPN_PATH_A_STATE, "STATE", NLS_U8, 0, 0, 0),
	A_(AUTOVPN_PATH_A_PRIORITY, "PRIORITY", NLS_U8, 0, 0, 0),
	A_(AUTOVPN_PATH_A_CLASS_MASK, "CLASS_MASK", NLS_U32, 0, 0, 0),
	A_(AUTOVPN_PATH_A_REMOVE, "REMOVE", NLS_FLAG, 0, 0, 0),
	A_(AUTOVPN_PATH_A_RX_PACKETS, "RX_PACKETS", NLS_U64, 0, 0, 0),
	A_(AUTOVPN_PATH_A_RX_BYTES, "RX_BYTES", NLS_U64, 0, 0, 0),
	A_(AUTOVPN_PATH_A_TX_PACKETS, "TX_PACKETS", NLS_U64, 0, 0, 0),
	A_(AUTOVPN_PATH_A_TX_BYTES, "TX_BYTES", NLS_U64, 0, 0, 0),
	{ 0 },
};

static const struct nls_attr nls_key[] = {
	A_(AUTOVPN_KEY_A_SLOT, "SLOT", NLS_U8, 0, 0, 0),
	A_(AUTOVPN_KEY_A_ID, "ID", NLS_U8, 0, 0, 0),
	A_(AUTOVPN_KEY_A_ENCRYPT_KEY, "ENCRYPT_KEY", NLS_BIN, AUTOVPN_KEY_LEN, 0, 0),
	A_(AUTOVPN_KEY_A_ENCRYPT_SALT, "ENCRYPT_SALT", NLS_BIN, AUTOVPN_SALT_LEN, 0, 0),
	A_(AUTOVPN_KEY_A_DECRYPT_KEY, "DECRYPT_KEY", NLS_BIN, AUTOVPN_KEY_LEN, 0, 0),
	A_(AUTOVPN_KEY_A_DECRYPT_SALT, "DECRYPT_SALT", NLS_BIN, AUTOVPN_SALT_LEN, 0, 0),
	A_(AUTOVPN_KEY_A_REKEY_PACKETS, "REKEY_PACKETS", NLS_U64, 0, 0, 0),
	A_(AUTOVPN_KEY_A_LIMIT_PACKETS, "LIMIT_PACKETS", NLS_U64, 0, 0, 0),
	A_(AUTOVPN_KEY_A_REKEY_SECS, "REKEY_SECS", NLS_U32, 0, 0, 0),
	A_(AUTOVPN_KEY_A_LIFETIME_SECS, "LIFETIME_SECS", NLS_U32, 0, 0, 0),
	A_(AUTOVPN_KEY_A_AGE_SECS, "AGE_SECS", NLS_U32, 0, 0, NLS_F_VOLATILE),
	A_(AUTOVPN_KEY_A_TX_PACKETS, "TX_PACKETS", NLS_U64, 0, 0, 0),
	{ 0 },
};

static const struct nls_attr nls_prefixes[] = {
	A_(AUTOVPN_PEER_A_PREFIX, "PREFIX", NLS_NEST, 0, NLS_PREFIX, 0),
	{ 0 },
};

static const struct nls_attr nls_paths[] = {
	A_(AUTOVPN_PEER_A_PATH, "PATH", NLS_NEST, 0, NLS_PATH, 0),
	{ 0 },
};

static const struct nls_attr nls_keys[] = {
	A_(AUTOVPN_A_KEYCONF, "KEYCONF", NLS_NEST, 0, NLS_KEY, 0),
	{ 0 },
};

#undef A_

/* Indexed by enum nls_space; NLS_STATS has no table (every type a u64). */
static const struct nls_attr *const nls_spaces[NLS__N] = {
	[NLS_TOP] = nls_top,         [NLS_UPLINK] = nls_uplink, [NLS_SA] = nls_sa,
	[NLS_PEER] = nls_peer,       [NLS_PREFIX] = nls_prefix, [NLS_PATH] = nls_path,
	[NLS_KEY] = nls_key,         [NLS_STATS] = NULL,        [NLS_PREFIXES] = nls_prefixes,
	[NLS_PATHS] = nls_paths,     [NLS_KEYS] = nls_keys,
};

static inline const struct nls_attr *nls_find(int space, int type)
{
	const struct nls_attr *a = nls_spaces[space];

	for (; a && a->name; a++)
		if (a->type == type)
			return a;
	return NULL;
}

/* Expected payload length of a fixed-size kind, else -1. */
static inline int nls_fixed_len(const struct nls_attr *d)
{
	switch (d->kind) {
	case NLS_U8: return 1;
	case NLS_U16: case NLS_BE16: return 2;
	case NLS_U32: case NLS_BE32: return 4;
	case NLS_U64: return 8;
	case NLS_FLAG: return 0;
	case NLS_BIN: return d->len;
	default: return -1;
	}
}

/* ---- canonical text ---------------------------------------------------------- */

struct nls_text {
	char *p;
	size_t len, cap;
};

static inline void nls_printf(struct nls_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline void nls_printf(struct nls_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n >= 0 && t->p && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		t->cap = t->cap * 2 + (size_t)n + 256;
		t->p = nlr_xrealloc(t->p, t->cap);
	}
}

/* Empties t (and makes sure t->p is a string). */
static inline void nls_text_reset(struct nls_text *t)
{
	if (!t->p) {
		t->cap = 4096;
		t->p = nlr_xrealloc(NULL, t->cap);
	}
	t->len = 0;
	t->p[0] = '\0';
}

struct nls_ctx {
	struct nls_text *out;
	/* Maps for values that differ between equivalent states. */
	const char *(*ifname)(void *arg, uint32_t ifindex);
	const char *(*port)(void *arg, uint16_t port);
	void *arg;
	unsigned int bad; /* attributes whose shape does not fit the schema */
	char why[256];    /* the first of them */
};

static inline void nls_bad(struct nls_ctx *c, const char *path, const char *what, int type,
			   int len)
{
	if (!c->bad++)
		snprintf(c->why, sizeof(c->why), "%.150s: attribute type %d len %d: %.60s", path, type,
			 len, what);
}

/* Prints the attributes in [start, start+len) of space sp under prefix path. */
static inline void nls_print(struct nls_ctx *c, int sp, const char *path, const void *start,
			     int len)
{
	const struct nlattr *a;
	char sub[256], buf[INET6_ADDRSTRLEN];
	int rem;

	nlr_for_each_attr(a, start, len, rem) {
		int type = nlr_attr_type(a), l = nlr_attr_len(a), fl;
		const unsigned char *d = nlr_attr_data(a);
		const struct nls_attr *s = nls_find(sp, type);
		uint64_t v = 0;

		if (sp == NLS_STATS) {
			if (l != 8)
				nls_bad(c, path, "counter is not a u64", type, l);
			else if (c->out)
				nls_printf(c->out, "%s.%d=%llu\n", path, type,
					   (unsigned long long)*(const uint64_t *)d);
			continue;
		}
		if (!s) {
			/* Padding attributes carry nothing; others are new. */
			if (c->out && l)
				nls_printf(c->out, "%s.t%d=(%d bytes)\n", path, type, l);
			continue;
		}
		snprintf(sub, sizeof(sub), "%.200s%s%.40s", path, *path ? "." : "", s->name);
		fl = nls_fixed_len(s);
		if (fl >= 0 && l != fl) {
			nls_bad(c, sub, "wrong length", type, l);
			continue;
		}
		if (s->kind == NLS_NEST) {
			nls_print(c, s->sub, sub, d, l);
			continue;
		}
		if (s->kind == NLS_STR && (l < 1 || l > s->len || d[l - 1] || strlen((const char *)d) + 1 != (size_t)l)) {
			nls_bad(c, sub, "bad string", type, l);
			continue;
		}
		if (!c->out || (s->flags & NLS_F_VOLATILE))
			continue;
		switch (s->kind) {
		case NLS_U8: v = d[0]; break;
		case NLS_U16: v = *(const uint16_t *)d; break;
		case NLS_U32: v = *(const uint32_t *)d; break;
		case NLS_U64: memcpy(&v, d, 8); break;
		case NLS_BE16: v = ntohs(*(const uint16_t *)d); break;
		case NLS_BE32: v = ntohl(*(const uint32_t *)d); break;
		default: break;
		}
		if ((s->flags & NLS_F_IFINDEX) && c->ifname) {
			nls_printf(c->out, "%s=%s\n", sub, c->ifname(c->arg, (uint32_t)v));
		} else if ((s->flags & NLS_F_PORT) && c->port) {
			nls_printf(c->out, "%s=%s\n", sub, c->port(c->arg, (uint16_t)v));
		} else if (s->kind == NLS_STR) {
			nls_printf(c->out, "%s=\"%s\"\n", sub, (const char *)d);
		} else if (s->kind == NLS_FLAG) {
			nls_printf(c->out, "%s\n", sub);
		} else if (s->kind == NLS_BIN && l == 16 && strstr(s->name, "IPV6")) {
			nls_printf(c->out, "%s=%s\n", sub, inet_ntop(AF_INET6, d, buf, sizeof(buf)));
		} else if (s->kind == NLS_BIN) {
			/* Key material is never dumped; anything else as a length. */
			nls_printf(c->out, "%s=(%d bytes)\n", sub, l);
		} else if (s->kind == NLS_BE32 && strstr(s->name, "IPV4")) {
			nls_printf(c->out, "%s=%s\n", sub, inet_ntop(AF_INET, d, buf, sizeof(buf)));
		} else {
			nls_printf(c->out, "%s=%llu\n", sub, (unsigned long long)v);
		}
	}
	if (rem > 0 && rem >= (int)NLA_HDRLEN)
		nls_bad(c, path, "attribute overruns its container", -1, rem);
}

/* ---- the state of every autovpn device in the netns ----------------------- */

#define NLS_MAX_DEVS 64

struct nls_dump {
	struct nls_ctx *c;
	const char *what;
	uint32_t ifindex[NLS_MAX_DEVS];
	int ndev;
};

static inline int nls_dump_cb(void *arg, const struct nlmsghdr *nlh)
{
	struct nls_dump *d = arg;
	const struct nlattr *a;
	int len, rem;
	const void *start = nlr_genl_attrs(nlh, &len);

	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN) {
		nls_bad(d->c, d->what, "short message", -1, (int)nlh->nlmsg_len);
		return 0;
	}
	if (!strcmp(d->what, "DEV")) {
		nlr_for_each_attr(a, start, len, rem)
			if (nlr_attr_type(a) == AUTOVPN_A_IFINDEX && nlr_attr_len(a) == 4 &&
			    d->ndev < NLS_MAX_DEVS)
				d->ifindex[d->ndev++] = *(const uint32_t *)nlr_attr_data(a);
	}
	if (d->c->out)
		nls_printf(d->c->out, "%s message\n", d->what);
	nls_print(d->c, NLS_TOP, d->what, start, len);
	return 0;
}

/*
 * Canonical text of all autovpn devices of the socket's netns and their
 * peers (DEV_GET dump, then a PEER_GET dump per device), into c->out; the
 * devices' ifindexes into d. A dump flagged NLM_F_DUMP_INTR is retried.
 * Returns 0 or the -errno of a failed dump.
 */
static inline int nls_dump_state(struct nlr *s, struct nls_ctx *c, struct nls_dump *d)
{
	struct nlr_result res;
	struct nlr_msg m;
	int err = 0, i, tries;

	nlr_msg_init(&m, 256);
	for (tries = 0; tries < 5; tries++) {
		memset(d, 0, sizeof(*d));
		d->c = c;
		c->bad = 0;
		c->why[0] = '\0';
		if (c->out)
			nls_text_reset(c->out);
		d->what = "DEV";
		nlr_genl_hdr(&m, s->family, NLM_F_REQUEST | NLM_F_DUMP, AUTOVPN_CMD_DEV_GET,
			     AUTOVPN_GENL_VERSION);
		err = nlr_request(s, &m, nls_dump_cb, d, &res);
		if (err || res.dump_intr)
			continue;
		d->what = "PEERS";
		for (i = 0; i < d->ndev && !err && !res.dump_intr; i++) {
			nlr_genl_hdr(&m, s->family, NLM_F_REQUEST | NLM_F_DUMP,
				     AUTOVPN_CMD_PEER_GET, AUTOVPN_GENL_VERSION);
			nlr_put_u32(&m, AUTOVPN_A_IFINDEX, d->ifindex[i]);
			if (c->out)
				nls_printf(c->out, "peers of device %d\n", i);
			err = nlr_request(s, &m, nls_dump_cb, d, &res);
		}
		if (!err && !res.dump_intr)
			break;
	}
	nlr_msg_free(&m);
	return err;
}

#endif /* AVPN_TESTS_NLSCHEMA_H */
