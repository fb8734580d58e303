// SPDX-License-Identifier: GPL-2.0
/* proto.c - control message bodies: encoders and strict decoders (see proto.h). */
#include <errno.h>
#include <string.h>

#include "wire/proto.h"
#include "wire/wire.h"

#define REC_PEER 1
#define REC_SELF 2
#define REC_NONCE 3 /* u64: the request's nonce, last record */
#define REC_HDR 3   /* u8 type, u16 length of the body */
#define EP_MAX (1 + 16 + 2)
#define RESP_FIXED (4 + 8 + 4 + 1 + 1 + 2 + 2 + 2 + EP_MAX)
/* The fixed part as encoded (the observed endpoint's length varies). */
#define RESP_FIXED_LEN(m) (RESP_FIXED - EP_MAX + ep_len(&(m)->observed))
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

static size_t ep_len(const struct endpoint *ep)
{
	return ep->addr.family == AF_UNSPEC ? 1 : 1 + addr_len(ep->addr.family) + 2;
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
	if (m->nonce)
		wire_w64(&w, m->nonce);
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
	/*
	 * The nonce came later: a request without one is a gateway's of
	 * before. Present, it is not 0 (one encoding per message).
	 */
	m->nonce = 0;
	if (!r.err && r.len - r.off == 8 && !(m->nonce = wire_r64(&r)))
		return -EBADMSG;
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
	wire_w8(&w, m->echo);
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
		if (!m->no_jitter)
			wire_w32(&w, p->jitter_us);
	}
	return w_done(&w);
}

_Static_assert(PROTO_KA_HDR_MAX + PROTO_KA_MAX_PATHS * PROTO_KA_PATH_LEN <= PROTO_MAX_BODY,
	       "a keepalive with every path must fit in one datagram");

int proto_dec_keepalive(const uint8_t *buf, size_t len, struct proto_keepalive *m)
{
	struct wire_r r = { buf, len, 0, 0 };

	m->uplink = wire_r8(&r);
	m->nat = wire_r8(&r);
	m->echo = wire_r8(&r);
	m->version = wire_r64(&r);
	r_ep(&r, &m->local);
	m->n_paths = wire_r8(&r);
	if (r.err || m->uplink >= PROTO_MAX_UPLINKS || m->nat > PROTO_NAT_MANUAL ||
	    m->echo > PROTO_ECHO_BLOCKED || m->n_paths > PROTO_KA_MAX_PATHS)
		return -EBADMSG;
	/* The record size follows from what is left: n x 46, or n x 42 from a
	 * gateway that does not report jitter (never both for n >= 1). */
	m->no_jitter = m->n_paths &&
		       len - r.off == (size_t)m->n_paths * PROTO_KA_PATH_LEN_NO_JITTER;
	for (unsigned int i = 0; i < m->n_paths; i++) {
		struct proto_path *p = &m->paths[i];

		wire_rbytes(&r, p->peer_pk, 32);
		p->local_uplink = wire_r8(&r);
		p->remote_uplink = wire_r8(&r);
		p->up = wire_r8(&r);
		p->reserved = wire_r8(&r);
		p->rtt_us = wire_r32(&r);
		p->loss = wire_r16(&r);
		p->jitter_us = m->no_jitter ? 0 : wire_r32(&r);
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

ssize_t proto_enc_echo(uint8_t *buf, size_t cap, const struct proto_echo *m)
{
	struct wire_w w = { buf, 0, cap, 0 };
	static const uint8_t pad[PROTO_ECHO_PAD];

	wire_w8(&w, m->uplink);
	wire_w8(&w, 0);
	wire_w32(&w, m->seq);
	wire_wbytes(&w, pad, sizeof(pad));
	return w_done(&w);
}

int proto_dec_echo(const uint8_t *buf, size_t len, struct proto_echo *m)
{
	struct wire_r r = { buf, len, 0, 0 };
	uint8_t pad[PROTO_ECHO_PAD], reserved;
	static const uint8_t zero[PROTO_ECHO_PAD];

	m->uplink = wire_r8(&r);
	reserved = wire_r8(&r);
	m->seq = wire_r32(&r);
	wire_rbytes(&r, pad, sizeof(pad));
	if (m->uplink >= PROTO_MAX_UPLINKS || reserved || memcmp(pad, zero, sizeof(pad)))
		return -EBADMSG;
	return r_done(&r);
}

ssize_t proto_enc_echo_reply(uint8_t *buf, size_t cap, const struct proto_echo_reply *m)
{
	struct wire_w w = { buf, 0, cap, 0 };

	wire_w32(&w, m->registry_id);
	wire_w8(&w, m->uplink);
	wire_w32(&w, m->seq);
	w_ep(&w, &m->observed);
	return w_done(&w);
}

int proto_dec_echo_reply(const uint8_t *buf, size_t len, struct proto_echo_reply *m)
{
	struct wire_r r = { buf, len, 0, 0 };

	m->registry_id = wire_r32(&r);
	m->uplink = wire_r8(&r);
	m->seq = wire_r32(&r);
	r_ep(&r, &m->observed);
	if (m->uplink >= PROTO_MAX_UPLINKS || m->observed.addr.family == AF_UNSPEC)
		return -EBADMSG;
	return r_done(&r);
}

ssize_t proto_enc_diag_req(uint8_t *buf, size_t cap, const struct proto_diag_req *m)
{
	struct wire_w w = { buf, 0, cap, 0 };

	wire_w32(&w, m->seq);
	wire_wbytes(&w, m->peer_pk, 32);
	return w_done(&w);
}

int proto_dec_diag_req(const uint8_t *buf, size_t len, struct proto_diag_req *m)
{
	struct wire_r r = { buf, len, 0, 0 };

	m->seq = wire_r32(&r);
	wire_rbytes(&r, m->peer_pk, 32);
	return r_done(&r);
}

/* The rules of a DIAG_RESP, shared by encoder and decoder. */
static bool diag_valid(const struct proto_diag_resp *m)
{
	if (m->status > PROTO_DIAG_NEVER || m->connected > 1 || m->n_uplinks > PROTO_MAX_UPLINKS ||
	    m->n_paths > PROTO_DIAG_MAX_PATHS)
		return false;
	if (m->status != PROTO_DIAG_OK)
		return !m->connected && m->last_seen_s == PROTO_DIAG_NONE && !m->n_uplinks &&
		       !m->n_paths;
	/* Registered: seen, on at least one uplink. */
	if (m->last_seen_s == PROTO_DIAG_NONE || !m->n_uplinks)
		return false;
	for (unsigned int i = 0; i < m->n_uplinks; i++) {
		const struct proto_diag_uplink *u = &m->uplinks[i];

		if (u->uplink >= PROTO_MAX_UPLINKS ||
		    (i && u->uplink <= m->uplinks[i - 1].uplink) || u->nat > PROTO_NAT_MANUAL ||
		    u->echo > PROTO_ECHO_BLOCKED || u->connected > 1 ||
		    u->last_seen_s == PROTO_DIAG_NONE || u->pub.addr.family == AF_UNSPEC)
			return false;
	}
	for (unsigned int i = 0; i < m->n_paths; i++) {
		const struct proto_diag_path *p = &m->paths[i];

		if (p->local_uplink >= PROTO_MAX_UPLINKS || p->remote_uplink >= PROTO_MAX_UPLINKS ||
		    p->up > 1 || p->loss > 10000)
			return false;
	}
	return true;
}

ssize_t proto_enc_diag_resp(uint8_t *buf, size_t cap, const struct proto_diag_resp *m)
{
	struct wire_w w = { buf, 0, cap, 0 };

	if (!diag_valid(m))
		return -EINVAL;
	wire_w32(&w, m->registry_id);
	wire_w32(&w, m->seq);
	wire_wbytes(&w, m->peer_pk, 32);
	wire_w8(&w, m->status);
	wire_w8(&w, m->connected);
	wire_w32(&w, m->last_seen_s);
	wire_w8(&w, m->n_uplinks);
	for (unsigned int i = 0; i < m->n_uplinks; i++) {
		const struct proto_diag_uplink *u = &m->uplinks[i];

		wire_w8(&w, u->uplink);
		wire_w8(&w, u->nat);
		wire_w8(&w, u->echo);
		wire_w8(&w, u->connected);
		wire_w32(&w, u->last_seen_s);
		w_ep(&w, &u->pub);
	}
	wire_w8(&w, m->n_paths);
	for (unsigned int i = 0; i < m->n_paths; i++) {
		const struct proto_diag_path *p = &m->paths[i];

		wire_w8(&w, p->local_uplink);
		wire_w8(&w, p->remote_uplink);
		wire_w8(&w, p->up);
		wire_w8(&w, 0);
		wire_w32(&w, p->rtt_us);
		wire_w16(&w, p->loss);
		wire_w32(&w, p->age_s);
	}
	return w_done(&w);
}

int proto_dec_diag_resp(const uint8_t *buf, size_t len, struct proto_diag_resp *m)
{
	struct wire_r r = { buf, len, 0, 0 };

	memset(m, 0, sizeof(*m));
	m->registry_id = wire_r32(&r);
	m->seq = wire_r32(&r);
	wire_rbytes(&r, m->peer_pk, 32);
	m->status = wire_r8(&r);
	m->connected = wire_r8(&r);
	m->last_seen_s = wire_r32(&r);
	m->n_uplinks = wire_r8(&r);
	if (r.err || m->n_uplinks > PROTO_MAX_UPLINKS)
		return -EBADMSG;
	for (unsigned int i = 0; i < m->n_uplinks; i++) {
		struct proto_diag_uplink *u = &m->uplinks[i];

		u->uplink = wire_r8(&r);
		u->nat = wire_r8(&r);
		u->echo = wire_r8(&r);
		u->connected = wire_r8(&r);
		u->last_seen_s = wire_r32(&r);
		r_ep(&r, &u->pub);
	}
	m->n_paths = wire_r8(&r);
	if (r.err || m->n_paths > PROTO_DIAG_MAX_PATHS)
		return -EBADMSG;
	for (unsigned int i = 0; i < m->n_paths; i++) {
		struct proto_diag_path *p = &m->paths[i];

		p->local_uplink = wire_r8(&r);
		p->remote_uplink = wire_r8(&r);
		p->up = wire_r8(&r);
		if (wire_r8(&r))
			return -EBADMSG; /* reserved */
		p->rtt_us = wire_r32(&r);
		p->loss = wire_r16(&r);
		p->age_s = wire_r32(&r);
	}
	if (r.err || !diag_valid(m))
		return -EBADMSG;
	return r_done(&r);
}

/* ---- the SELF record ---- */

static void w_prefix(struct wire_w *w, const struct prefix *p)
{
	int code = family_code(p->addr.family);

	if (code <= 0 || !prefix_is_canonical(p)) {
		if (!w->err)
			w->err = -EINVAL;
		return;
	}
	wire_w8(w, (uint8_t)code);
	wire_w8(w, p->len);
	wire_wbytes(w, p->addr.bytes, addr_len(p->addr.family));
}

static void r_prefix(struct wire_r *r, struct prefix *p)
{
	sa_family_t family = code_family(wire_r8(r));

	memset(p, 0, sizeof(*p));
	p->len = wire_r8(r);
	if (r->err)
		return;
	if (!addr_len(family)) {
		r->err = -EBADMSG;
		return;
	}
	p->addr.family = family;
	wire_rbytes(r, p->addr.bytes, addr_len(family));
	if (!r->err && !prefix_is_canonical(p))
		r->err = -EBADMSG;
}

static bool limit_ok(uint32_t v, uint32_t max)
{
	return v == PROTO_LIMIT_NONE || v <= max;
}

/* The rules of docs/protocol.md "SELF", shared by encoder and decoder. */
static bool class_valid(const struct proto_class *c)
{
	size_t len = strnlen(c->name, sizeof(c->name));

	return len && len <= PROTO_NAME_MAX && limit_ok(c->max_latency_ms, PROTO_MAX_LIMIT_MS) &&
	       limit_ok(c->max_loss_bp, 10000) && limit_ok(c->max_jitter_ms, PROTO_MAX_LIMIT_MS) &&
	       (c->max_latency_ms != PROTO_LIMIT_NONE || c->max_loss_bp != PROTO_LIMIT_NONE ||
		c->max_jitter_ms != PROTO_LIMIT_NONE);
}

static bool ports_ok(uint16_t lo, uint16_t hi)
{
	return lo <= hi && !(lo == 0 && hi == 65535);
}

static bool pref_valid(const struct proto_flow_pref *f, uint8_t n_classes)
{
	uint8_t fs = f->fields;

	if (fs & ~PROTO_FP_ALL || f->uplink > PROTO_FP_UPLINK_WAN2)
		return false;
	if (f->uplink == PROTO_FP_UPLINK_ANY && !(fs & PROTO_FP_CLASS))
		return false; /* nothing to prefer */
	if (fs & PROTO_FP_PROTO && !f->protocol)
		return false;
	if (fs & PROTO_FP_SRC && fs & PROTO_FP_DST && f->src.addr.family != f->dst.addr.family)
		return false;
	if (fs & PROTO_FP_SPORT && !ports_ok(f->sport_lo, f->sport_hi))
		return false;
	if (fs & PROTO_FP_DPORT && !ports_ok(f->dport_lo, f->dport_hi))
		return false;
	if (fs & (PROTO_FP_SPORT | PROTO_FP_DPORT) &&
	    !(fs & PROTO_FP_PROTO && (f->protocol == 6 || f->protocol == 17 || f->protocol == 132)))
		return false; /* ports need tcp, udp or sctp */
	if (fs & PROTO_FP_DSCP && f->dscp > 63)
		return false;
	return !(fs & PROTO_FP_CLASS) || f->class_idx < n_classes;
}

static bool self_valid(const struct proto_self *m)
{
	if (m->flags & ~PROTO_SELF_FLAGS_ALL || !m->purge_s || m->n_manual > PROTO_MAX_UPLINKS ||
	    !(m->flags & PROTO_SELF_MANUAL_NAT) != !m->n_manual ||
	    m->n_classes > PROTO_SELF_MAX_CLASSES || m->n_prefs > PROTO_SELF_MAX_PREFS)
		return false;
	for (unsigned int i = 0; i < m->n_manual; i++)
		if (m->manual[i].addr.family == AF_UNSPEC || !m->manual[i].port)
			return false;
	for (unsigned int i = 0; i < m->n_classes; i++)
		if (!class_valid(&m->classes[i]))
			return false;
	for (unsigned int i = 0; i < m->n_prefs; i++)
		if (!pref_valid(&m->prefs[i], m->n_classes))
			return false;
	return true;
}

static void w_self(struct wire_w *w, const struct proto_self *m)
{
	if (!self_valid(m)) {
		w->err = -EINVAL;
		return;
	}
	wire_w8(w, m->flags);
	wire_w32(w, m->purge_s);
	wire_w8(w, m->n_manual);
	for (unsigned int i = 0; i < m->n_manual; i++)
		w_ep(w, &m->manual[i]);
	wire_w8(w, m->n_classes);
	for (unsigned int i = 0; i < m->n_classes; i++) {
		const struct proto_class *c = &m->classes[i];
		size_t len = strnlen(c->name, sizeof(c->name));

		wire_w8(w, (uint8_t)len);
		wire_wbytes(w, c->name, len);
		wire_w32(w, c->max_latency_ms);
		wire_w32(w, c->max_loss_bp);
		wire_w32(w, c->max_jitter_ms);
	}
	wire_w8(w, m->n_prefs);
	for (unsigned int i = 0; i < m->n_prefs; i++) {
		const struct proto_flow_pref *f = &m->prefs[i];

		wire_w8(w, f->fields);
		wire_w8(w, f->uplink);
		if (f->fields & PROTO_FP_PROTO)
			wire_w8(w, f->protocol);
		if (f->fields & PROTO_FP_SRC)
			w_prefix(w, &f->src);
		if (f->fields & PROTO_FP_DST)
			w_prefix(w, &f->dst);
		if (f->fields & PROTO_FP_SPORT) {
			wire_w16(w, f->sport_lo);
			wire_w16(w, f->sport_hi);
		}
		if (f->fields & PROTO_FP_DPORT) {
			wire_w16(w, f->dport_lo);
			wire_w16(w, f->dport_hi);
		}
		if (f->fields & PROTO_FP_DSCP)
			wire_w8(w, f->dscp);
		if (f->fields & PROTO_FP_CLASS)
			wire_w8(w, f->class_idx);
	}
}

static int r_self(struct wire_r *r, struct proto_self *m)
{
	memset(m, 0, sizeof(*m));
	m->flags = wire_r8(r);
	m->purge_s = wire_r32(r);
	m->n_manual = wire_r8(r);
	if (r->err || m->n_manual > PROTO_MAX_UPLINKS)
		return -EBADMSG;
	for (unsigned int i = 0; i < m->n_manual; i++)
		r_ep(r, &m->manual[i]);
	m->n_classes = wire_r8(r);
	if (r->err || m->n_classes > PROTO_SELF_MAX_CLASSES)
		return -EBADMSG;
	for (unsigned int i = 0; i < m->n_classes; i++) {
		struct proto_class *c = &m->classes[i];
		size_t len = wire_r8(r);

		if (!len || len > PROTO_NAME_MAX)
			return -EBADMSG;
		wire_rbytes(r, c->name, len);
		if (strnlen(c->name, len) != len)
			return -EBADMSG; /* embedded NUL */
		c->max_latency_ms = wire_r32(r);
		c->max_loss_bp = wire_r32(r);
		c->max_jitter_ms = wire_r32(r);
	}
	m->n_prefs = wire_r8(r);
	if (r->err || m->n_prefs > PROTO_SELF_MAX_PREFS)
		return -EBADMSG;
	for (unsigned int i = 0; i < m->n_prefs; i++) {
		struct proto_flow_pref *f = &m->prefs[i];

		f->fields = wire_r8(r);
		f->uplink = wire_r8(r);
		if (f->fields & ~PROTO_FP_ALL)
			return -EBADMSG;
		if (f->fields & PROTO_FP_PROTO)
			f->protocol = wire_r8(r);
		if (f->fields & PROTO_FP_SRC)
			r_prefix(r, &f->src);
		if (f->fields & PROTO_FP_DST)
			r_prefix(r, &f->dst);
		if (f->fields & PROTO_FP_SPORT) {
			f->sport_lo = wire_r16(r);
			f->sport_hi = wire_r16(r);
		}
		if (f->fields & PROTO_FP_DPORT) {
			f->dport_lo = wire_r16(r);
			f->dport_hi = wire_r16(r);
		}
		if (f->fields & PROTO_FP_DSCP)
			f->dscp = wire_r8(r);
		if (f->fields & PROTO_FP_CLASS)
			f->class_idx = wire_r8(r);
		if (r->err)
			return -EBADMSG;
	}
	return r->err || !self_valid(m) ? -EBADMSG : 0;
}

ssize_t proto_self_size(const struct proto_self *m)
{
	static uint8_t scratch[PROTO_MAX_BODY];
	struct wire_w w = { scratch, 0, sizeof(scratch), 0 };

	w_self(&w, m);
	if (w.err)
		return w.err == -EMSGSIZE ? -EMSGSIZE : -EINVAL;
	return (ssize_t)(REC_HDR + w.len);
}

int proto_resp_add_self(struct proto_resp_writer *pw, const struct proto_self *m)
{
	struct wire_w w = { pw->buf, pw->len, pw->cap, 0 };
	size_t start = pw->len;

	wire_w8(&w, REC_SELF);
	wire_w16(&w, 0); /* length, filled below */
	w_self(&w, m);
	if (w.err)
		return w.err;
	if (w.len - start > PROTO_SELF_MAX)
		return -EMSGSIZE;
	wire_put16(pw->buf + start + 1, (uint16_t)(w.len - start - REC_HDR));
	pw->len = w.len;
	return 0;
}

int proto_resp_end(struct proto_resp_writer *pw, uint64_t nonce)
{
	struct wire_w w = { pw->buf, pw->len, pw->cap, 0 };

	if (!nonce)
		return 0;
	wire_w8(&w, REC_NONCE);
	wire_w16(&w, 8);
	wire_w64(&w, nonce);
	if (w.err)
		return w.err;
	pw->len = w.len;
	return 0;
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
	return PROTO_MAX_BODY - RESP_FIXED - (REC_HDR + 8); /* the NONCE record */
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
	wire_w16(&w, m->echo_port);
	w_ep(&w, &m->observed);
	if (m->echo_port &&
	    (m->echo_port < PROTO_ECHO_PORT_MIN || m->echo_port > PROTO_ECHO_PORT_MAX))
		w.err = w.err ? w.err : -EINVAL;
	pw->buf = buf;
	pw->cap = w.cap;
	pw->len = w.len;
	return w.err;
}

/*
 * One encoding per subnet: a route and/or an allowed source, host bits zero;
 * DEFAULT marks exactly the routes to 0.0.0.0/0 and ::/0; TRANSIT only on a
 * route (not a default one); an entry that is no route has metric 0.
 */
static bool subnet_valid(const struct proto_subnet *s)
{
	uint8_t f = s->flags;
	bool route = f & PROTO_SUB_ROUTE;

	if (!prefix_is_canonical(&s->prefix) || f & ~PROTO_SUB_FLAGS_ALL ||
	    !(f & (PROTO_SUB_ROUTE | PROTO_SUB_ALLOWED)))
		return false;
	if (f & PROTO_SUB_DEFAULT && (!route || s->prefix.len || f & PROTO_SUB_TRANSIT))
		return false;
	if (route && !s->prefix.len && !(f & PROTO_SUB_DEFAULT))
		return false;
	if (f & PROTO_SUB_TRANSIT && !route)
		return false;
	return route || !s->metric;
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
	m->nonce = 0;
	m->keepalive_ms = wire_r32(&r);
	m->uplink = wire_r8(&r);
	m->role = wire_r8(&r);
	m->page = wire_r16(&r);
	m->page_count = wire_r16(&r);
	m->echo_port = wire_r16(&r);
	r_ep(&r, &m->observed);
	m->n_peers = 0;
	m->n_subnets = 0;
	if (r.err || m->uplink >= PROTO_MAX_UPLINKS || m->role > PROTO_ROLE_SPOKE ||
	    m->observed.addr.family == AF_UNSPEC || !m->keepalive_ms ||
	    (m->echo_port &&
	     (m->echo_port < PROTO_ECHO_PORT_MIN || m->echo_port > PROTO_ECHO_PORT_MAX)))
		return -EBADMSG;
	/* A register-only answer has page == PROTO_PAGE_NONE and no records. */
	if (m->page == PROTO_PAGE_NONE ? m->page_count != 0 : m->page >= m->page_count)
		return -EBADMSG;
	m->has_self = 0;
	while (r.off < r.len) {
		size_t at = r.off;
		uint8_t type = wire_r8(&r);
		uint16_t rlen = wire_r16(&r);
		struct wire_r sub;

		if (r.err || rlen > r.len - r.off)
			return -EBADMSG;
		sub = (struct wire_r){ r.p + r.off, rlen, 0, 0 };
		r.off += rlen;
		if (type == REC_SELF) {
			/* First record, once, and only where it belongs. */
			if (at != RESP_FIXED_LEN(m) ||
			    (m->page != 0 && m->page != PROTO_PAGE_NONE) ||
			    REC_HDR + rlen > PROTO_SELF_MAX || r_self(&sub, &m->self) ||
			    r_done(&sub))
				return -EBADMSG;
			m->has_self = 1;
			continue;
		}
		if (type == REC_NONCE) {
			/* Last, once, never 0 (0 is "none"). */
			if (m->nonce || rlen != 8 || r.off != r.len)
				return -EBADMSG;
			m->nonce = wire_r64(&sub);
			if (!m->nonce)
				return -EBADMSG;
			continue;
		}
		if (type != REC_PEER)
			continue; /* records of later versions are skipped whole */
		if (m->page == PROTO_PAGE_NONE || r_peer(&sub, m) || r_done(&sub))
			return -EBADMSG;
	}
	/* Page 0 and register-only answers always say who the gateway is. */
	if ((m->page == 0 || m->page == PROTO_PAGE_NONE) && !m->has_self)
		return -EBADMSG;
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
		     size_t room,
		     void (*take)(void *ctx, uint32_t peer, uint32_t sub0, uint32_t nsub),
		     void *ctx)
{
	size_t used = 0;

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
			struct proto_page_cursor *starts, uint32_t max, size_t reserved0)
{
	struct proto_page_cursor cur = { 0, 0 };
	uint32_t pages = 0;

	do {
		size_t room = proto_page_room();

		if (pages >= max)
			return 0;
		if (starts)
			starts[pages] = cur;
		if (!pages)
			room = reserved0 < room ? room - reserved0 : 0;
		pages++;
		proto_page_fill(items, n, &cur, room, NULL, NULL);
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
	case PROTO_T_ECHO:
		return "echo";
	case PROTO_T_ECHO_REPLY:
		return "echo-reply";
	case PROTO_T_DIAG_REQ:
		return "diag-request";
	case PROTO_T_DIAG_RESP:
		return "diag-response";
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

const char *proto_echo_name(uint8_t echo)
{
	return echo == PROTO_ECHO_OK ? "ok" : echo == PROTO_ECHO_BLOCKED ? "blocked" : "unknown";
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
