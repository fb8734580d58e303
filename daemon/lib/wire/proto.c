// SPDX-License-Identifier: GPL-2.0
/* proto.c - control message bodies: encoders and strict decoders (see proto.h). */
#include <errno.h>
#include <string.h>

#include "wire/proto.h"
#include "wire/wire.h"

#define REC_PEER 1
#define REC_HDR 3 /* u8 type, u16 length of the body */
#define EP_MAX (1 + 16 + 2)
#define RESP_FIXED (4 + 8 + 4 + 1 + 1 + 2 + 2 + EP_MAX)
#define PATH_LEN (32 + 4 + 4 + 2)

/* Address family on the wire: 0 (none), 4 or 6; -1 for anything else. */
static int family_code(sa_family_t family)
{
	return family == AF_UNSPEC ? 0 : family == AF_INET ? 4 : family == AF_INET6 ? 6 : -1;
}

/* And back: AF_UNSPEC for 0, (sa_family_t)-1 for an unknown code. */
static sa_family_t code_family(uint8_t code)
{
	return code == 0 ? AF_UNSPEC : code == 4 ? AF_INET : code == 6 ? AF_INET6 : (sa_family_t)-1;
}

static void w_ep(struct wire_w *w, const struct endpoint *ep)
{
	int code = family_code(ep->addr.family);

	if (code < 0) {
		if (!w->err)
			w->err = -EINVAL;
		return;
	}
	wire_w8(w, (uint8_t)code);
	if (!code)
		return;
	wire_wbytes(w, ep->addr.bytes, addr_len(ep->addr.family));
	wire_w16(w, ep->port);
}

static void r_ep(struct wire_r *r, struct endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->addr.family = code_family(wire_r8(r));
	if (r->err || ep->addr.family == AF_UNSPEC)
		return;
	if (ep->addr.family == (sa_family_t)-1) {
		ep->addr.family = AF_UNSPEC;
		r->err = -EBADMSG;
		return;
	}
	wire_rbytes(r, ep->addr.bytes, addr_len(ep->addr.family));
	ep->port = wire_r16(r);
	if (!ep->port && !r->err)
		r->err = -EBADMSG; /* an endpoint without a port is meaningless */
}

static ssize_t w_done(struct wire_w *w)
{
	return w->err ? w->err : (ssize_t)w->len;
}

static int r_done(struct wire_r *r)
{
	/* Trailing bytes are an error too: one encoding per message. */
	return r->err || r->off != r->len ? -EBADMSG : 0;
}

ssize_t proto_enc_reg_req(uint8_t *buf, size_t cap, const struct proto_reg_req *m)
{
	struct wire_w w = { buf, 0, cap, 0 };

	wire_w8(&w, m->uplink);
	wire_w8(&w, m->nat);
	wire_w16(&w, m->page);
	wire_w64(&w, m->version);
	w_ep(&w, &m->local);
	return w_done(&w);
}

int proto_dec_reg_req(const uint8_t *buf, size_t len, struct proto_reg_req *m)
{
	struct wire_r r = { buf, len, 0, 0 };

	m->uplink = wire_r8(&r);
	m->nat = wire_r8(&r);
	m->page = wire_r16(&r);
	m->version = wire_r64(&r);
	r_ep(&r, &m->local);
	if (m->uplink >= PROTO_MAX_UPLINKS || m->nat > PROTO_NAT_MANUAL)
		return -EBADMSG;
	return r_done(&r);
}

ssize_t proto_enc_keepalive(uint8_t *buf, size_t cap, const struct proto_keepalive *m)
{
	struct wire_w w = { buf, 0, cap, 0 };

	if (m->n_paths > PROTO_KA_MAX_PATHS)
		return -EINVAL;
	wire_w8(&w, m->uplink);
	wire_w8(&w, m->nat);
	wire_w64(&w, m->version);
	w_ep(&w, &m->local);
	wire_w8(&w, m->n_paths);
	for (unsigned int i = 0; i < m->n_paths; i++) {
		const struct proto_path *p = &m->paths[i];

		wire_wbytes(&w, p->peer_pk, 32);
		wire_w8(&w, p->local_uplink);
		wire_w8(&w, p->remote_uplink);
		wire_w8(&w, p->up);
		wire_w8(&w, 0);
		wire_w32(&w, p->rtt_us);
		wire_w16(&w, p->loss);
	}
	return w_done(&w);
}

int proto_dec_keepalive(const uint8_t *buf, size_t len, struct proto_keepalive *m)
{
	struct wire_r r = { buf, len, 0, 0 };

	m->uplink = wire_r8(&r);
	m->nat = wire_r8(&r);
	m->version = wire_r64(&r);
	r_ep(&r, &m->local);
	m->n_paths = wire_r8(&r);
	if (r.err || m->uplink >= PROTO_MAX_UPLINKS || m->nat > PROTO_NAT_MANUAL ||
	    m->n_paths > PROTO_KA_MAX_PATHS)
		return -EBADMSG;
	for (unsigned int i = 0; i < m->n_paths; i++) {
		struct proto_path *p = &m->paths[i];

		wire_rbytes(&r, p->peer_pk, 32);
		p->local_uplink = wire_r8(&r);
		p->remote_uplink = wire_r8(&r);
		p->up = wire_r8(&r);
		p->reserved = wire_r8(&r);
		p->rtt_us = wire_r32(&r);
		p->loss = wire_r16(&r);
		if (p->local_uplink >= PROTO_MAX_UPLINKS || p->remote_uplink >= PROTO_MAX_UPLINKS ||
		    p->up > 1 || p->reserved || p->loss > 10000)
			return -EBADMSG;
	}
	return r_done(&r);
}

ssize_t proto_enc_keepalive_ack(uint8_t *buf, size_t cap, const struct proto_keepalive_ack *m)
{
	struct wire_w w = { buf, 0, cap, 0 };

	wire_w32(&w, m->registry_id);
	wire_w64(&w, m->version);
	wire_w8(&w, m->uplink);
	w_ep(&w, &m->observed);
	return w_done(&w);
}

int proto_dec_keepalive_ack(const uint8_t *buf, size_t len, struct proto_keepalive_ack *m)
{
	struct wire_r r = { buf, len, 0, 0 };

	m->registry_id = wire_r32(&r);
	m->version = wire_r64(&r);
	m->uplink = wire_r8(&r);
	r_ep(&r, &m->observed);
	if (m->uplink >= PROTO_MAX_UPLINKS || m->observed.addr.family == AF_UNSPEC)
		return -EBADMSG;
	return r_done(&r);
}

ssize_t proto_enc_push(uint8_t *buf, size_t cap, const struct proto_push *m)
{
	struct wire_w w = { buf, 0, cap, 0 };

	wire_w32(&w, m->registry_id);
	wire_w64(&w, m->version);
	wire_w8(&w, m->reason);
	return w_done(&w);
}

int proto_dec_push(const uint8_t *buf, size_t len, struct proto_push *m)
{
	struct wire_r r = { buf, len, 0, 0 };

	m->registry_id = wire_r32(&r);
	m->version = wire_r64(&r);
	m->reason = wire_r8(&r);
	if (m->reason != PROTO_PUSH_CONFIG && m->reason != PROTO_PUSH_PEERS)
		return -EBADMSG;
	return r_done(&r);
}

/* ---- register response ---- */

size_t proto_subnet_size(const struct proto_subnet *s)
{
	return 4 + addr_len(s->prefix.addr.family);
}

size_t proto_peer_hdr_max(size_t name_len, int cont)
{
	/* flags, key, [role, hub_prio, name length, psk, n_ep,] n_subnets */
	size_t fixed = REC_HDR + 1 + 32 + 2;

	if (cont)
		return fixed;
	return fixed + 1 + 1 + 1 + name_len + 32 + 1 + PROTO_MAX_PEER_EP * (2 + EP_MAX);
}

size_t proto_page_room(void)
{
	return PROTO_MAX_BODY - RESP_FIXED;
}

int proto_resp_begin(struct proto_resp_writer *pw, uint8_t *buf, size_t cap,
		     const struct proto_reg_resp *m)
{
	struct wire_w w = { buf, 0, cap < PROTO_MAX_BODY ? cap : PROTO_MAX_BODY, 0 };

	wire_w32(&w, m->registry_id);
	wire_w64(&w, m->version);
	wire_w32(&w, m->keepalive_ms);
	wire_w8(&w, m->uplink);
	wire_w8(&w, m->role);
	wire_w16(&w, m->page);
	wire_w16(&w, m->page_count);
	w_ep(&w, &m->observed);
	pw->buf = buf;
	pw->cap = w.cap;
	pw->len = w.len;
	return w.err;
}

/* One encoding per subnet: a route or allowed source, host bits zero. */
static bool subnet_valid(const struct proto_subnet *s)
{
	return prefix_is_canonical(&s->prefix) && !(s->flags & ~PROTO_SUB_FLAGS_ALL) &&
	       (s->flags & (PROTO_SUB_ROUTE | PROTO_SUB_ALLOWED));
}

int proto_resp_add_peer(struct proto_resp_writer *pw, const struct proto_peer *p,
			const struct proto_subnet *subnets, uint16_t n_subnets)
{
	struct wire_w w = { pw->buf, pw->len, pw->cap, 0 };
	size_t name_len = strnlen(p->name, sizeof(p->name));
	size_t start = pw->len;

	if (p->flags & ~PROTO_PEER_FLAGS_ALL || p->n_ep > PROTO_MAX_PEER_EP)
		return -EINVAL;
	wire_w8(&w, REC_PEER);
	wire_w16(&w, 0); /* length, filled below */
	wire_w8(&w, p->flags);
	wire_wbytes(&w, p->pk, 32);
	if (!(p->flags & PROTO_PEER_CONT)) {
		if (!name_len || name_len > PROTO_NAME_MAX)
			return -EINVAL;
		wire_w8(&w, p->role);
		wire_w8(&w, p->hub_prio);
		wire_w8(&w, (uint8_t)name_len);
		wire_wbytes(&w, p->name, name_len);
		wire_wbytes(&w, p->psk, 32);
		wire_w8(&w, p->n_ep);
		for (unsigned int i = 0; i < p->n_ep; i++) {
			if (p->ep[i].ep.addr.family == AF_UNSPEC)
				return -EINVAL;
			wire_w8(&w, p->ep[i].uplink);
			wire_w8(&w, p->ep[i].kind);
			w_ep(&w, &p->ep[i].ep);
		}
	}
	wire_w16(&w, n_subnets);
	for (unsigned int i = 0; i < n_subnets; i++) {
		const struct proto_subnet *s = &subnets[i];

		if (!subnet_valid(s))
			return -EINVAL;
		wire_w8(&w, (uint8_t)family_code(s->prefix.addr.family));
		wire_w8(&w, s->prefix.len);
		wire_w8(&w, s->metric);
		wire_w8(&w, s->flags);
		wire_wbytes(&w, s->prefix.addr.bytes, addr_len(s->prefix.addr.family));
	}
	if (w.err)
		return w.err;
	if (w.len - start - REC_HDR > 0xffff)
		return -EMSGSIZE;
	wire_put16(pw->buf + start + 1, (uint16_t)(w.len - start - REC_HDR));
	pw->len = w.len;
	return 0;
}

static int r_peer(struct wire_r *r, struct proto_reg_resp *m)
{
	struct proto_peer *p;
	size_t name_len;
	uint16_t n;

	if (m->n_peers >= PROTO_PAGE_MAX_PEERS)
		return -EBADMSG;
	p = &m->peers[m->n_peers];
	memset(p, 0, sizeof(*p));
	p->flags = wire_r8(r);
	wire_rbytes(r, p->pk, 32);
	if (p->flags & ~PROTO_PEER_FLAGS_ALL)
		return -EBADMSG;
	if (!(p->flags & PROTO_PEER_CONT)) {
		p->role = wire_r8(r);
		p->hub_prio = wire_r8(r);
		name_len = wire_r8(r);
		if (p->role > PROTO_ROLE_SPOKE || !name_len || name_len > PROTO_NAME_MAX)
			return -EBADMSG;
		wire_rbytes(r, p->name, name_len);
		if (strnlen(p->name, name_len) != name_len)
			return -EBADMSG; /* embedded NUL */
		wire_rbytes(r, p->psk, 32);
		p->n_ep = wire_r8(r);
		if (p->n_ep > PROTO_MAX_PEER_EP)
			return -EBADMSG;
		for (unsigned int i = 0; i < p->n_ep; i++) {
			p->ep[i].uplink = wire_r8(r);
			p->ep[i].kind = wire_r8(r);
			r_ep(r, &p->ep[i].ep);
			if (p->ep[i].uplink >= PROTO_MAX_UPLINKS ||
			    p->ep[i].kind > PROTO_EP_MANUAL || p->ep[i].ep.addr.family == AF_UNSPEC)
				return -EBADMSG;
		}
	}
	n = wire_r16(r);
	if (r->err || n > PROTO_PAGE_MAX_SUBNETS - m->n_subnets)
		return -EBADMSG;
	p->subnet_first = m->n_subnets;
	p->n_subnets = n;
	for (unsigned int i = 0; i < n; i++) {
		struct proto_subnet *s = &m->subnets[m->n_subnets++];
		sa_family_t family;

		memset(s, 0, sizeof(*s));
		family = code_family(wire_r8(r));
		s->prefix.len = wire_r8(r);
		s->metric = wire_r8(r);
		s->flags = wire_r8(r);
		if (!addr_len(family))
			return -EBADMSG;
		s->prefix.addr.family = family;
		wire_rbytes(r, s->prefix.addr.bytes, addr_len(family));
		if (r->err || !subnet_valid(s))
			return -EBADMSG;
	}
	m->n_peers++;
	return r->err ? -EBADMSG : 0;
}

int proto_dec_reg_resp(const uint8_t *buf, size_t len, struct proto_reg_resp *m)
{
	struct wire_r r = { buf, len, 0, 0 };

	m->registry_id = wire_r32(&r);
	m->version = wire_r64(&r);
	m->keepalive_ms = wire_r32(&r);
	m->uplink = wire_r8(&r);
	m->role = wire_r8(&r);
	m->page = wire_r16(&r);
	m->page_count = wire_r16(&r);
	r_ep(&r, &m->observed);
	m->n_peers = 0;
	m->n_subnets = 0;
	if (r.err || m->uplink >= PROTO_MAX_UPLINKS || m->role > PROTO_ROLE_SPOKE ||
	    m->observed.addr.family == AF_UNSPEC || !m->keepalive_ms)
		return -EBADMSG;
	/* A register-only answer has page == PROTO_PAGE_NONE and no records. */
	if (m->page == PROTO_PAGE_NONE ? m->page_count != 0 : m->page >= m->page_count)
		return -EBADMSG;
	while (r.off < r.len) {
		uint8_t type = wire_r8(&r);
		uint16_t rlen = wire_r16(&r);
		struct wire_r sub;

		if (r.err || rlen > r.len - r.off)
			return -EBADMSG;
		sub = (struct wire_r){ r.p + r.off, rlen, 0, 0 };
		r.off += rlen;
		if (type != REC_PEER)
			continue; /* records of later versions are skipped whole */
		if (m->page == PROTO_PAGE_NONE || r_peer(&sub, m) || r_done(&sub))
			return -EBADMSG;
	}
	return r_done(&r);
}

/* ---- paging ---- */

static size_t item_subnets_size(const struct proto_page_item *it, uint32_t from, uint32_t room,
				uint32_t *count)
{
	size_t used = 0;
	uint32_t k = 0;

	while (from + k < it->n_subnets) {
		size_t s = proto_subnet_size(&it->subnets[from + k]);

		if (used + s > room)
			break;
		used += s;
		k++;
	}
	*count = k;
	return used;
}

void proto_page_fill(const struct proto_page_item *items, uint32_t n, struct proto_page_cursor *cur,
		     void (*take)(void *ctx, uint32_t peer, uint32_t sub0, uint32_t nsub),
		     void *ctx)
{
	size_t room = proto_page_room(), used = 0;

	while (cur->peer < n) {
		const struct proto_page_item *it = &items[cur->peer];
		size_t h = proto_peer_hdr_max(it->name_len, cur->subnet > 0);
		uint32_t left = it->n_subnets - cur->subnet, k;

		if (used + h > room)
			break;
		used += h + item_subnets_size(it, cur->subnet, (uint32_t)(room - used - h), &k);
		/* No empty continuation records: wait for the next page. */
		if (left && !k && cur->subnet)
			break;
		if (left && !k && used > h)
			break;
		if (take)
			take(ctx, cur->peer, cur->subnet, k);
		if (k == left) {
			cur->peer++;
			cur->subnet = 0;
		} else {
			cur->subnet += k;
			break;
		}
	}
}

uint32_t proto_paginate(const struct proto_page_item *items, uint32_t n,
			struct proto_page_cursor *starts, uint32_t max)
{
	struct proto_page_cursor cur = { 0, 0 };
	uint32_t pages = 0;

	do {
		if (pages >= max)
			return 0;
		if (starts)
			starts[pages] = cur;
		pages++;
		proto_page_fill(items, n, &cur, NULL, NULL);
	} while (cur.peer < n);
	return pages;
}

/* ---- names and NAT ---- */

const char *proto_type_name(uint8_t type)
{
	switch (type) {
	case PROTO_T_DATA:
		return "data";
	case PROTO_T_HS_INIT:
		return "handshake-init";
	case PROTO_T_HS_RESP:
		return "handshake-resp";
	case PROTO_T_COOKIE:
		return "cookie";
	case PROTO_T_PROBE:
		return "probe";
	case PROTO_T_PROBE_REPLY:
		return "probe-reply";
	case PROTO_T_REG_REQ:
		return "register";
	case PROTO_T_REG_RESP:
		return "register-resp";
	case PROTO_T_KEEPALIVE:
		return "keepalive";
	case PROTO_T_KEEPALIVE_ACK:
		return "keepalive-ack";
	case PROTO_T_PUSH:
		return "push";
	}
	return "unknown";
}

const char *proto_nat_name(uint8_t nat)
{
	switch (nat) {
	case PROTO_NAT_FRIENDLY:
		return "friendly";
	case PROTO_NAT_UNFRIENDLY:
		return "unfriendly";
	case PROTO_NAT_MANUAL:
		return "manual";
	}
	return "unknown";
}

uint8_t proto_nat_classify(const struct endpoint *seen_a, const struct endpoint *seen_b, int manual)
{
	if (manual)
		return PROTO_NAT_MANUAL;
	if (!seen_a || !seen_b || seen_a->addr.family == AF_UNSPEC ||
	    seen_b->addr.family == AF_UNSPEC)
		return PROTO_NAT_UNKNOWN;
	return endpoint_equal(seen_a, seen_b) ? PROTO_NAT_FRIENDLY : PROTO_NAT_UNFRIENDLY;
}
