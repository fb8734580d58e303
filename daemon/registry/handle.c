// SPDX-License-Identifier: GPL-2.0
/*
 * Handling of one datagram.  Order matters for cost and for safety:
 * cheap checks first (size, header, known key, replay window, clock), then
 * one AEAD open; only a message that decrypted correctly changes state or
 * gets an answer.  Everything else is dropped silently and counted, so
 * nobody can use the registry to reflect or amplify traffic.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "base/clock.h"
#include "base/key.h"
#include "base/log.h"
#include "registry.h"
#include "wire/replay.h"

/*
 * Our clock was stepped back after running ahead: counters from the old
 * clock would be refused by every gateway (too far ahead) until a restart.
 * A new life instead (replay.h), as a gateway's regclient does; the low
 * byte of the sender id keeps naming this registry.
 */
static void maybe_new_life(struct registry *r)
{
	uint32_t sid;

	if (r->ctr.last <= clock_realtime_ns() + REPLAY_AHEAD_NS)
		return;
	do
		sid = (randombytes_random() & ~0xffu) | (r->id & 0xffu);
	while (sid == r->sender_id);
	log_msg(LOG_WARNING, "the clock went back by %llu s: new sender id %08x",
		(unsigned long long)((r->ctr.last - clock_realtime_ns()) / CLOCK_NS_PER_SEC), sid);
	r->sender_id = sid;
	r->ctr.last = 0;
}

/* The sealed answer's length, or 0 (no answer) if it does not fit. */
size_t handle_seal(struct registry *r, struct gwtable_entry *g, uint8_t type, const uint8_t *body,
		   size_t blen, uint8_t *out, size_t cap)
{
	struct seal_hdr h;

	maybe_new_life(r);
	h = (struct seal_hdr){
		.type = type,
		.from = (uint8_t)r->id, /* so a gateway can tell our answers from the other's */
		.sender_id = r->sender_id,
		.sender_pk = r->cfg->registry_public_key,
		.counter = seal_next_counter(&r->ctr),
	};
	ssize_t n = seal_msg_hdr(out, cap, &h, &g->key, body, blen);

	return n < 0 ? 0 : (size_t)n;
}

/* The request's source ip:port (all zero, AF_UNSPEC, if not IPv4/IPv6). */
static void source(struct endpoint *ep, const struct handle_rx *rx)
{
	memset(ep, 0, sizeof(*ep));
	endpoint_from_sockaddr(ep, (const struct sockaddr *)&rx->src, sizeof(rx->src));
}

/* Records where an uplink is; returns 1 if its contact information changed. */
static int note_uplink(struct registry *r, struct gwtable_entry *g, const struct handle_rx *rx,
		       uint8_t ul, const struct endpoint *priv, uint8_t nat, uint64_t now_ms)
{
	struct gwtable_uplink *u = &g->ul[ul];
	struct endpoint pub;
	int changed;

	source(&pub, rx);
	changed = !u->last_ms || !endpoint_equal(&u->pub, &pub) || !endpoint_equal(&u->priv, priv);
	u->pub = pub;
	u->priv = *priv;
	u->sock = (uint8_t)rx->sock;
	u->nat = nat;
	u->local = rx->local;
	u->last_ms = now_ms;
	g->registered = 1;
	return changed;
}

/*
 * The replay window takes, once, a message that newer ones overtook
 * (replay.h): its answer is still due, but what it says about its uplink is
 * older than what we know. 0 if so.
 */
static int newest_of_uplink(struct gwtable_entry *g, uint8_t ul, uint64_t counter)
{
	if (counter < g->ul[ul].ctr)
		return 0;
	g->ul[ul].ctr = counter;
	return 1;
}

struct page_ctx {
	struct registry *r;
	struct gwtable_entry *self;
	struct view_cache *v;
	struct proto_resp_writer *w;
	int err;
};

static void peer_endpoints(struct registry *r, struct proto_peer *p, uint32_t net)
{
	const struct gwtable_entry *pg = &r->gws[net];

	for (unsigned int u = 0; u < PROTO_MAX_UPLINKS; u++) {
		const struct gwtable_uplink *gu = &pg->ul[u];
		const struct endpoint *manual = orgconf_manual_endpoint(&r->cfg->networks[net], u);

		/* Manual port forwarding replaces the observed endpoint. */
		if (manual) {
			struct proto_peer_ep *d = &p->ep[p->n_ep++];

			d->uplink = (uint8_t)u;
			d->kind = PROTO_EP_MANUAL;
			d->ep = *manual;
		}
		if (!gu->last_ms)
			continue;
		if (gu->pub.addr.family != AF_UNSPEC && !manual) {
			p->ep[p->n_ep].uplink = (uint8_t)u;
			p->ep[p->n_ep].kind = PROTO_EP_PUBLIC;
			p->ep[p->n_ep++].ep = gu->pub;
		}
		if (gu->priv.addr.family != AF_UNSPEC && p->n_ep < PROTO_MAX_PEER_EP) {
			p->ep[p->n_ep].uplink = (uint8_t)u;
			p->ep[p->n_ep].kind = PROTO_EP_PRIVATE;
			p->ep[p->n_ep++].ep = gu->priv;
		}
	}
}

static void take_peer(void *vctx, uint32_t i, uint32_t sub0, uint32_t nsub)
{
	struct page_ctx *c = vctx;
	const struct topology_peer *tp = &c->v->view->peers[i];
	const struct orgconf_network *me = &c->r->cfg->networks[c->v->net];
	struct proto_peer p;

	memset(&p, 0, sizeof(p));
	memcpy(p.pk, tp->network->public_key, 32);
	if (sub0) {
		p.flags = PROTO_PEER_CONT;
	} else {
		p.role = tp->role == ORGCONF_MODE_HUB ? PROTO_ROLE_HUB : PROTO_ROLE_SPOKE;
		if (tp->flags & TOPOLOGY_PEER_DEFAULT_ROUTE)
			p.flags |= PROTO_PEER_DEFAULT_ROUTE;
		if (tp->flags & TOPOLOGY_PEER_EXIT_HUB)
			p.flags |= PROTO_PEER_EXIT_HUB;
		if (tp->network->active_active)
			p.flags |= PROTO_PEER_ACTIVE_ACTIVE;
		/* Hub list position, for both ends of a spoke-hub pair. */
		if (me->mode == ORGCONF_MODE_SPOKE || tp->role == ORGCONF_MODE_SPOKE)
			p.hub_prio = (uint8_t)(tp->priority + 1);
		memcpy(p.name, tp->network->name, c->v->items[i].name_len);
		key_psk_derive(p.psk, c->r->cfg->psk_secret, me->public_key,
			       tp->network->public_key);
		peer_endpoints(c->r, &p, tp->net);
	}
	if (proto_resp_add_peer(c->w, &p, c->v->items[i].subnets + sub0, (uint16_t)nsub))
		c->err = 1;
	sodium_memzero(p.psk, sizeof(p.psk));
}

/* A gateway's own role as the protocol names it. */
static uint8_t role_of(enum orgconf_mode mode)
{
	switch (mode) {
	case ORGCONF_MODE_HUB:
		return PROTO_ROLE_HUB;
	case ORGCONF_MODE_SPOKE:
		return PROTO_ROLE_SPOKE;
	default:
		return PROTO_ROLE_OFF;
	}
}

/* The gateway's own settings, first record of page 0 and register-only answers. */
static int add_self(struct registry *r, uint32_t net, struct proto_resp_writer *w)
{
	static struct proto_self self;
	int ret = self_build(r->cfg, net, &self);

	return ret ? ret : proto_resp_add_self(w, &self);
}

static size_t reply_register(struct registry *r, struct gwtable_entry *g,
			     const struct handle_rx *rx, const struct proto_reg_req *m,
			     uint8_t *out, size_t cap)
{
	uint32_t net = gwtable_index(r, g);
	const struct orgconf_network *me = &r->cfg->networks[net];
	struct proto_reg_resp hdr;
	struct proto_resp_writer w;
	uint8_t body[PROTO_MAX_BODY];
	size_t len;

	memset(&hdr, 0, offsetof(struct proto_reg_resp, n_peers));
	hdr.registry_id = r->id;
	hdr.version = r->cfg->version;
	hdr.keepalive_ms = r->keepalive_ms;
	hdr.uplink = m->uplink;
	hdr.role = role_of(me->mode);
	hdr.echo_port = r->echo_port;
	source(&hdr.observed, rx);
	if (m->page == PROTO_PAGE_NONE) {
		hdr.page = PROTO_PAGE_NONE;
		hdr.page_count = 0;
		if (proto_resp_begin(&w, body, sizeof(body), &hdr) || add_self(r, net, &w))
			return 0;
	} else {
		struct view_cache *v = view_get(r, net);
		struct proto_page_cursor cur;
		struct page_ctx c = { r, g, v, &w, 0 };
		size_t room = proto_page_room();

		if (!v)
			return 0;
		if (m->page >= v->n_pages) {
			r->st.drop_malformed++;
			return 0;
		}
		hdr.page = m->page;
		hdr.page_count = (uint16_t)v->n_pages;
		if (proto_resp_begin(&w, body, sizeof(body), &hdr))
			return 0;
		if (m->page == 0) {
			if (add_self(r, net, &w))
				return 0;
			room -= v->self_len;
		}
		cur = v->starts[m->page];
		proto_page_fill(v->items, (uint32_t)v->view->n_peers, &cur, room, take_peer, &c);
		if (c.err) {
			sodium_memzero(body, sizeof(body));
			return 0;
		}
		r->st.pages++;
	}
	/* The gateway takes answers to its own requests only (regclient.c). */
	if (proto_resp_end(&w, m->nonce)) {
		sodium_memzero(body, sizeof(body));
		return 0;
	}
	len = handle_seal(r, g, PROTO_T_REG_RESP, body, w.len, out, cap);
	sodium_memzero(body, w.len); /* the peers' psks, in clear */
	return len;
}

/*
 * The paths a keepalive reports, kept for the status page, DIAG and metrics.
 * Only toward the gateway's peers (the topology's, as its peer list): so a
 * gateway can neither fill its table with every network of the org (4 per
 * network) nor show paths that cannot exist.
 */
static void note_paths(struct registry *r, struct gwtable_entry *g, const struct proto_keepalive *m,
		       uint64_t now_ms)
{
	uint32_t gn = gwtable_index(r, g);

	for (unsigned int i = 0; i < m->n_paths; i++) {
		const struct proto_path *pp = &m->paths[i];
		struct gwtable_entry *peer = gwtable_lookup(r, pp->peer_pk);
		uint32_t pn, j;
		struct gwtable_path *e;

		if (!peer)
			continue;
		pn = gwtable_index(r, peer);
		if (!topology_are_peers(r->topo, gn, pn))
			continue;
		for (j = 0; g->paths && j < g->paths->n; j++) {
			e = &g->paths->v[j];
			if (e->peer == pn && e->lu == pp->local_uplink &&
			    e->ru == pp->remote_uplink)
				break;
		}
		if (!g->paths || j == g->paths->n) {
			uint32_t cap = g->paths ? g->paths->cap : 0;

			if (!g->paths || g->paths->n == cap) {
				struct gwtable_paths *np;

				/* Bounded: a gateway has at most 4 paths per peer. */
				if (cap >= 4 * 65536)
					continue;
				cap = cap ? cap * 2 : 4;
				np = realloc(g->paths, sizeof(*np) + cap * sizeof(np->v[0]));
				if (!np)
					continue;
				if (!g->paths)
					np->n = 0;
				np->cap = cap;
				g->paths = np;
			}
			j = g->paths->n++;
			g->paths->v[j].changed_ms = now_ms;
		} else if (g->paths->v[j].up != pp->up) {
			g->paths->v[j].changed_ms = now_ms;
		}
		e = &g->paths->v[j];
		e->peer = pn;
		e->lu = pp->local_uplink;
		e->ru = pp->remote_uplink;
		e->up = pp->up;
		e->loss = pp->loss;
		e->rtt_us = pp->rtt_us;
		e->jitter_us = pp->jitter_us;
		e->at_ms = now_ms;
	}
}

static uint32_t secs_since(uint64_t now_ms, uint64_t then_ms)
{
	uint64_t s = now_ms > then_ms ? (now_ms - then_ms) / 1000 : 0;

	return s >= PROTO_DIAG_NONE ? PROTO_DIAG_NONE - 1 : (uint32_t)s;
}

/*
 * What gateway @peer reports, for gateway @asker (DIAG_REQ): its registry
 * connectivity, NAT and high-port echo per uplink, and its paths toward the
 * asker. Only about a peer of the asker: the same as the peer list tells.
 */
static void diag_of(struct registry *r, const struct gwtable_entry *asker, const uint8_t pk[32],
		    uint64_t now_ms, struct proto_diag_resp *a)
{
	const struct gwtable_entry *p = gwtable_lookup(r, pk);
	uint32_t ai = gwtable_index(r, asker), pi;
	const struct orgconf_network *pn;
	uint64_t last = 0;

	memcpy(a->peer_pk, pk, 32);
	a->status = PROTO_DIAG_NOT_PEER;
	a->last_seen_s = PROTO_DIAG_NONE;
	if (!p)
		return;
	pi = gwtable_index(r, p);
	if (!topology_are_peers(r->topo, ai, pi))
		return;
	a->status = PROTO_DIAG_NEVER;
	if (!p->registered)
		return;
	a->status = PROTO_DIAG_OK;
	a->connected = (uint8_t)gwtable_connected(r, p, now_ms);
	pn = &r->cfg->networks[pi];
	for (unsigned int u = 0; u < PROTO_MAX_UPLINKS; u++) {
		const struct gwtable_uplink *gu = &p->ul[u];
		const struct endpoint *manual;
		struct proto_diag_uplink *d;

		if (!gu->last_ms || gu->pub.addr.family == AF_UNSPEC)
			continue;
		d = &a->uplinks[a->n_uplinks++];
		d->uplink = (uint8_t)u;
		/* Manual port forwarding is a config fact, whatever was measured;
		 * so is its endpoint, the one the peer list gives the asker
		 * (peer_endpoints()) instead of the observed one. */
		manual = orgconf_manual_endpoint(pn, u);
		d->nat = pn->nat_manual ? PROTO_NAT_MANUAL : gu->nat;
		d->echo = gu->echo;
		d->connected = (uint8_t)gwtable_uplink_connected(r, gu, now_ms);
		d->last_seen_s = secs_since(now_ms, gu->last_ms);
		d->pub = manual ? *manual : gu->pub;
		if (gu->last_ms > last)
			last = gu->last_ms;
	}
	if (!a->n_uplinks) {
		a->status = PROTO_DIAG_NEVER;
		a->connected = 0;
		return;
	}
	a->last_seen_s = secs_since(now_ms, last);
	for (uint32_t k = 0; p->paths && k < p->paths->n && a->n_paths < PROTO_DIAG_MAX_PATHS;
	     k++) {
		const struct gwtable_path *e = &p->paths->v[k];
		struct proto_diag_path *d;

		if (e->peer != ai)
			continue;
		d = &a->paths[a->n_paths++];
		d->local_uplink = e->lu;
		d->remote_uplink = e->ru;
		d->up = e->up;
		d->rtt_us = e->rtt_us;
		d->loss = e->loss;
		d->age_s = secs_since(now_ms, e->at_ms);
	}
}

/*
 * First pass over a receive batch: find each sender's entry and start
 * loading it into the cache, so the misses of a whole batch overlap instead
 * of stalling one request after the other (100,000 gateways do not fit in
 * the cache).  Nothing here is trusted yet; handle_datagram() checks everything.
 */
struct gwtable_entry *handle_prefetch(struct registry *r, const uint8_t *buf, size_t len)
{
	struct seal_hdr h;
	struct gwtable_entry *g;

	if (seal_peek(buf, len, &h))
		return NULL;
	g = gwtable_lookup(r, h.sender_pk);
	if (g)
		for (size_t off = 0; off < sizeof(*g); off += 64)
			__builtin_prefetch((const char *)g + off);
	return g;
}

size_t handle_datagram(struct registry *r, const struct handle_rx *rx, uint8_t *out, size_t cap,
		       uint64_t now_ms)
{
	uint8_t body[PROTO_MAX_MSG];
	struct seal_hdr h;
	struct gwtable_entry *g;
	ssize_t n;
	int ret;

	r->st.rx++;
	if (rx->len > PROTO_MAX_MSG || seal_peek(rx->buf, rx->len, &h)) {
		r->st.drop_short++;
		return 0;
	}
	/* The echo port answers ECHO only, and only it does. */
	if (rx->echo ? h.type != PROTO_T_ECHO :
		       h.type != PROTO_T_REG_REQ && h.type != PROTO_T_KEEPALIVE &&
			       h.type != PROTO_T_DIAG_REQ) {
		r->st.drop_type++;
		return 0;
	}
	/*
	 * Both registries hold the same key, so this is what keeps a message
	 * for the other one (replayed here by anyone) from being accepted.
	 */
	if (h.to != r->id) {
		r->st.drop_misdirected++;
		return 0;
	}
	g = rx->looked_up ? rx->gw : gwtable_lookup(r, h.sender_pk);
	if (!g) {
		r->st.drop_unknown_key++;
		return 0;
	}
	/*
	 * Replayed, too old, or outside the clock window: a first contact (or
	 * a gateway's new life) is only accepted within --max-clock-skew of our
	 * clock, so recordings older than that are refused after we restart,
	 * and nothing may run further ahead, so a gateway whose clock was ahead
	 * is back as soon as it starts over with the right time (replay.h).
	 */
	ret = replay_state_check(&g->rs, h.sender_id, h.counter, clock_realtime_ns(),
				 (uint64_t)r->max_skew_s * CLOCK_NS_PER_SEC);
	if (ret) {
		if (ret == -ETIME)
			r->st.drop_stale++;
		else
			r->st.drop_replay++;
		return 0;
	}
	if (!g->key_ready) {
		/* Computed on first contact, then kept: 64 bytes per gateway. */
		if (seal_precompute(&g->key, h.sender_pk, r->cfg->registry_private_key,
				    r->cfg->registry_public_key)) {
			r->st.drop_no_key++;
			return 0;
		}
		g->key_ready = 1;
	}
	n = seal_open(body, sizeof(body), rx->buf, rx->len, &g->key);
	if (n < 0) {
		r->st.drop_auth++;
		return 0;
	}
	if (h.sender_id != g->rs.sid) /* a new life: its clock may be behind the last one's */
		for (unsigned int u = 0; u < PROTO_MAX_UPLINKS; u++)
			g->ul[u].ctr = 0;
	replay_state_update(&g->rs, h.sender_id, h.counter);

	if (h.type == PROTO_T_DIAG_REQ) {
		struct proto_diag_req m;
		struct proto_diag_resp a;

		if (proto_dec_diag_req(body, (size_t)n, &m)) {
			r->st.drop_malformed++;
			return 0;
		}
		r->st.diags++;
		memset(&a, 0, sizeof(a));
		a.registry_id = r->id;
		a.seq = m.seq;
		diag_of(r, g, m.peer_pk, now_ms, &a);
		n = proto_enc_diag_resp(body, sizeof(body), &a);
		if (n < 0)
			return 0;
		return handle_seal(r, g, PROTO_T_DIAG_RESP, body, (size_t)n, out, cap);
	} else if (h.type == PROTO_T_ECHO) {
		struct proto_echo m;
		struct proto_echo_reply a;

		if (proto_dec_echo(body, (size_t)n, &m)) {
			r->st.drop_malformed++;
			return 0;
		}
		/*
		 * Nothing to remember: that an answer reaches the gateway is the
		 * point; it tells us the result in its keepalives.
		 */
		r->st.echoes++;
		a.registry_id = r->id;
		a.uplink = m.uplink;
		a.seq = m.seq;
		source(&a.observed, rx);
		n = proto_enc_echo_reply(body, sizeof(body), &a);
		if (n < 0)
			return 0;
		return handle_seal(r, g, PROTO_T_ECHO_REPLY, body, (size_t)n, out, cap);
	} else if (h.type == PROTO_T_REG_REQ) {
		struct proto_reg_req m;

		if (proto_dec_reg_req(body, (size_t)n, &m)) {
			r->st.drop_malformed++;
			return 0;
		}
		r->st.registers++;
		if (newest_of_uplink(g, m.uplink, h.counter)) {
			g->seen_version = m.version;
			if (note_uplink(r, g, rx, m.uplink, &m.local, m.nat, now_ms))
				push_mark_peers(r, gwtable_index(r, g));
		}
		return reply_register(r, g, rx, &m, out, cap);
	} else {
		struct proto_keepalive m;
		struct proto_keepalive_ack a;

		if (proto_dec_keepalive(body, (size_t)n, &m)) {
			r->st.drop_malformed++;
			return 0;
		}
		r->st.keepalives++;
		if (newest_of_uplink(g, m.uplink, h.counter)) {
			g->seen_version = m.version;
			if (note_uplink(r, g, rx, m.uplink, &m.local, m.nat, now_ms))
				push_mark_peers(r, gwtable_index(r, g));
			g->ul[m.uplink].echo = m.echo;
			if (m.n_paths) {
				note_paths(r, g, &m, now_ms);
				history_note(r, g, now_ms);
			}
		}
		a.registry_id = r->id;
		a.version = r->cfg->version;
		a.uplink = m.uplink;
		a.observed = g->ul[m.uplink].pub;
		n = proto_enc_keepalive_ack(body, sizeof(body), &a);
		if (n < 0)
			return 0;
		return handle_seal(r, g, PROTO_T_KEEPALIVE_ACK, body, (size_t)n, out, cap);
	}
}
