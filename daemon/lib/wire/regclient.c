// SPDX-License-Identifier: GPL-2.0
/* regclient.c - gateway side of the registration protocol (see regclient.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "base/clock.h"
#include "wire/regclient.h"

/* Peers hold their psk: wiped before the memory goes. */
static void list_clear(struct regclient_peerlist *l)
{
	for (uint32_t i = 0; i < l->n; i++)
		free(l->v[i].subnets);
	if (l->v)
		sodium_memzero(l->v, l->cap * sizeof(*l->v));
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* realloc() that leaves no copy of the psks in freed memory. */
static struct regclient_peer *list_grow(struct regclient_peerlist *l, uint32_t cap)
{
	struct regclient_peer *v = calloc(cap, sizeof(*v));

	if (!v)
		return NULL;
	if (l->v) {
		memcpy(v, l->v, l->n * sizeof(*v));
		sodium_memzero(l->v, l->cap * sizeof(*l->v));
		free(l->v);
	}
	return v;
}

/* A random nonce, not 0 (none) nor @other. */
static uint64_t new_nonce(uint64_t other)
{
	uint64_t n;

	do
		randombytes_buf(&n, sizeof(n));
	while (!n || n == other);
	return n;
}

int regclient_init(struct regclient *rc, const struct regclient_cfg *cfg, uint64_t now_ms)
{
	int ret;

	memset(rc, 0, sizeof(*rc));
	rc->cfg = *cfg;
	if (!rc->cfg.n_registries || rc->cfg.n_registries > REGCLIENT_MAX_REG ||
	    !rc->cfg.n_uplinks || rc->cfg.n_uplinks > PROTO_MAX_UPLINKS)
		return -EINVAL;
	if (!rc->cfg.sender_id)
		rc->cfg.sender_id = randombytes_random() | 1;
	rc->nonce = new_nonce(0);
	if (!rc->cfg.retry_ms)
		rc->cfg.retry_ms = REGCLIENT_DEFAULT_RETRY_MS;
	rc->purge_from_self = !rc->cfg.purge_ms;
	if (!rc->cfg.purge_ms)
		rc->cfg.purge_ms = REGCLIENT_DEFAULT_PURGE_MS;
	if (!rc->cfg.max_clock_skew_s)
		rc->cfg.max_clock_skew_s = REGCLIENT_DEFAULT_SKEW_S;
	for (unsigned int r = 0; r < REGCLIENT_MAX_REG; r++)
		if (!rc->cfg.registry_id[r])
			rc->cfg.registry_id[r] = (uint8_t)(r + 1);
	rc->keepalive_ms = PROTO_DEFAULT_KEEPALIVE_MS;
	ret = seal_precompute(&rc->key, cfg->registry_pk, cfg->sk, cfg->pk);
	if (ret)
		return ret;
	for (unsigned int u = 0; u < rc->cfg.n_uplinks; u++)
		for (unsigned int r = 0; r < rc->cfg.n_registries; r++)
			rc->link[u][r].next_tx_ms = now_ms;
	return 0;
}

void regclient_free(struct regclient *rc)
{
	list_clear(&rc->peers);
	list_clear(&rc->staging);
	sodium_memzero(&rc->key, sizeof(rc->key));
}

/*
 * Our wall clock went back (NTP stepped it after it ran ahead): our
 * counters would now stay ahead of it, or, after a restart, fall behind the
 * registries' windows. Start a new life instead: a new sender id and
 * counters from the clock again, which the registries accept at once
 * (replay.h). Small steps back just go on from the last counter.
 */
static void maybe_new_life(struct regclient *rc)
{
	uint32_t sid;

	if (rc->ctr.last <= clock_realtime_ns() + REPLAY_AHEAD_NS)
		return;
	do
		sid = randombytes_random() | 1;
	while (sid == rc->cfg.sender_id);
	rc->cfg.sender_id = sid;
	rc->ctr.last = 0;
	rc->stats.new_lives++;
}

static void send_sealed(struct regclient *rc, unsigned int ul, unsigned int reg, uint8_t type,
			const uint8_t *body, size_t blen, regclient_send_fn send, void *ctx)
{
	struct seal_hdr h;

	maybe_new_life(rc);
	h = (struct seal_hdr){
		.type = type,
		.to = rc->cfg.registry_id[reg], /* only that registry may accept it */
		.sender_id = rc->cfg.sender_id,
		.sender_pk = rc->cfg.pk,
		.counter = seal_next_counter(&rc->ctr),
	};
	uint8_t msg[PROTO_MAX_MSG];
	ssize_t n;

	n = seal_msg_hdr(msg, sizeof(msg), &h, &rc->key, body, blen);
	if (n < 0)
		return;
	rc->stats.tx++;
	send(ctx, ul, reg, msg, (size_t)n);
}

uint8_t regclient_nat(const struct regclient *rc, unsigned int ul)
{
	const struct regclient_link *a = &rc->link[ul][0], *b = &rc->link[ul][1];

	if (rc->cfg.manual_nat || (rc->has_self && rc->self.flags & PROTO_SELF_MANUAL_NAT))
		return PROTO_NAT_MANUAL;
	if (rc->cfg.n_registries < 2)
		return PROTO_NAT_UNKNOWN;
	return proto_nat_classify(a->state == REGCLIENT_REGISTERED ? &a->observed : NULL,
				  b->state == REGCLIENT_REGISTERED ? &b->observed : NULL, 0);
}

static void send_register(struct regclient *rc, unsigned int ul, unsigned int reg, uint16_t page,
			  regclient_send_fn send, void *ctx)
{
	struct proto_reg_req m = {
		.uplink = (uint8_t)ul,
		.nat = regclient_nat(rc, ul),
		.page = page,
		.version = rc->version,
		.nonce = page == PROTO_PAGE_NONE ? rc->nonce : rc->fetch_nonce,
		.local = rc->cfg.local[ul],
	};
	uint8_t body[PROTO_MAX_BODY];
	ssize_t n = proto_enc_reg_req(body, sizeof(body), &m);

	if (n > 0)
		send_sealed(rc, ul, reg, PROTO_T_REG_REQ, body, (size_t)n, send, ctx);
}

uint8_t regclient_echo(const struct regclient *rc, unsigned int ul)
{
	uint8_t res = PROTO_ECHO_UNKNOWN;

	for (unsigned int r = 0; r < rc->cfg.n_registries; r++) {
		if (rc->link[ul][r].echo == PROTO_ECHO_OK)
			return PROTO_ECHO_OK;
		if (rc->link[ul][r].echo == PROTO_ECHO_BLOCKED)
			res = PROTO_ECHO_BLOCKED;
	}
	return res;
}

uint16_t regclient_echo_port(const struct regclient *rc, unsigned int reg)
{
	for (unsigned int u = 0; reg < rc->cfg.n_registries && u < rc->cfg.n_uplinks; u++)
		if (rc->link[u][reg].echo_port)
			return rc->link[u][reg].echo_port;
	return 0;
}

/*
 * The high-port echo of one link: a request every retry_ms, up to
 * REGCLIENT_ECHO_TRIES, while the link is registered (its main port
 * answers); an answer makes it ok, none blocked. Returns EV_ECHO if the
 * uplink's result changed.
 */
static int echo_tick(struct regclient *rc, unsigned int ul, unsigned int reg, uint64_t now_ms,
		     void *ctx)
{
	struct regclient_link *l = &rc->link[ul][reg];
	struct proto_echo m = { .uplink = (uint8_t)ul };
	uint8_t body[64], msg[PROTO_MAX_MSG], before;
	struct seal_hdr h;
	ssize_t n;

	if (!rc->cfg.send_port || !l->echo_port || !l->connected || now_ms < l->echo_next_ms)
		return 0;
	if (l->echo_tries == REGCLIENT_ECHO_TRIES) {
		/* No answer from the high port while the main port answers. */
		before = regclient_echo(rc, ul);
		l->echo = PROTO_ECHO_BLOCKED;
		l->echo_tries = 0;
		l->echo_next_ms = now_ms + (uint64_t)REGCLIENT_ECHO_EVERY * rc->keepalive_ms;
		return regclient_echo(rc, ul) != before ? REGCLIENT_EV_ECHO : 0;
	}
	if (!l->echo_tries)
		l->echo_seq = randombytes_random();
	m.seq = l->echo_seq;
	n = proto_enc_echo(body, sizeof(body), &m);
	maybe_new_life(rc);
	h = (struct seal_hdr){ .type = PROTO_T_ECHO,
			       .to = rc->cfg.registry_id[reg],
			       .sender_id = rc->cfg.sender_id,
			       .sender_pk = rc->cfg.pk,
			       .counter = seal_next_counter(&rc->ctr) };
	if (n > 0) {
		n = seal_msg_hdr(msg, sizeof(msg), &h, &rc->key, body, (size_t)n);
		if (n > 0) {
			rc->stats.tx++;
			rc->stats.echoes++;
			rc->cfg.send_port(ctx, ul, reg, l->echo_port, msg, (size_t)n);
		}
	}
	l->echo_tries++;
	l->echo_next_ms = now_ms + rc->cfg.retry_ms;
	return 0;
}

static void send_keepalive(struct regclient *rc, unsigned int ul, unsigned int reg,
			   regclient_send_fn send, void *ctx)
{
	struct proto_keepalive m = {
		.uplink = (uint8_t)ul,
		.nat = regclient_nat(rc, ul),
		.echo = regclient_echo(rc, ul),
		.version = rc->version,
		.local = rc->cfg.local[ul],
	};
	uint8_t body[PROTO_MAX_BODY];
	ssize_t n;

	if (rc->cfg.report_paths) {
		rc->cfg.report_paths(ctx);
		if (rc->path_off >= rc->n_paths)
			rc->path_off = 0;
	}
	/* Report path status round-robin, a bounded slice per keepalive. */
	for (uint32_t i = 0; i < rc->n_paths && m.n_paths < PROTO_KA_MAX_PATHS; i++)
		m.paths[m.n_paths++] = rc->paths[(rc->path_off + i) % rc->n_paths];
	if (rc->n_paths)
		rc->path_off = (rc->path_off + m.n_paths) % rc->n_paths;
	n = proto_enc_keepalive(body, sizeof(body), &m);
	if (n > 0)
		send_sealed(rc, ul, reg, PROTO_T_KEEPALIVE, body, (size_t)n, send, ctx);
}

static void fetch_start(struct regclient *rc, unsigned int ul, unsigned int reg, uint64_t now_ms)
{
	rc->fetching = 1;
	rc->fetch_nonce = new_nonce(rc->nonce);
	rc->refetch = 0;
	rc->fetch_ul = (uint8_t)ul;
	rc->fetch_reg = (uint8_t)reg;
	rc->fetch_page = 0;
	rc->fetch_pages = 0;
	rc->fetch_next_ms = now_ms;
	list_clear(&rc->staging);
}

int regclient_tick(struct regclient *rc, uint64_t now_ms, regclient_send_fn send, void *ctx)
{
	uint64_t dead = (uint64_t)PROTO_MISSED_KEEPALIVES * rc->keepalive_ms;
	int ev = 0;

	for (unsigned int u = 0; u < rc->cfg.n_uplinks; u++) {
		for (unsigned int r = 0; r < rc->cfg.n_registries; r++) {
			struct regclient_link *l = &rc->link[u][r];

			if (l->connected && now_ms - l->last_rx_ms > dead) {
				/* 6 keepalives unanswered: start over. */
				l->connected = 0;
				l->state = REGCLIENT_REGISTERING;
				l->next_tx_ms = now_ms;
			}
			ev |= echo_tick(rc, u, r, now_ms, ctx);
			if (now_ms < l->next_tx_ms)
				continue;
			if (l->state == REGCLIENT_REGISTERING || l->reregister) {
				/* The first link to come up fetches the peer list. */
				send_register(rc, u, r, PROTO_PAGE_NONE, send, ctx);
				l->next_tx_ms = now_ms + rc->cfg.retry_ms;
			} else {
				send_keepalive(rc, u, r, send, ctx);
				l->next_tx_ms = now_ms + rc->keepalive_ms;
			}
		}
	}
	if (rc->fetching && now_ms >= rc->fetch_next_ms) {
		struct regclient_link *l = &rc->link[rc->fetch_ul][rc->fetch_reg];

		/* Fetch over another link if this one went away. */
		if (!l->connected) {
			for (unsigned int u = 0; u < rc->cfg.n_uplinks; u++)
				for (unsigned int r = 0; r < rc->cfg.n_registries; r++)
					if (rc->link[u][r].connected) {
						rc->fetch_ul = (uint8_t)u;
						rc->fetch_reg = (uint8_t)r;
					}
		}
		send_register(rc, rc->fetch_ul, rc->fetch_reg, rc->fetch_page, send, ctx);
		rc->fetch_next_ms = now_ms + rc->cfg.retry_ms;
	}
	return ev;
}

uint64_t regclient_next_ms(const struct regclient *rc)
{
	uint64_t next = UINT64_MAX;
	uint64_t dead = (uint64_t)PROTO_MISSED_KEEPALIVES * rc->keepalive_ms;

	for (unsigned int u = 0; u < rc->cfg.n_uplinks; u++)
		for (unsigned int r = 0; r < rc->cfg.n_registries; r++) {
			const struct regclient_link *l = &rc->link[u][r];

			if (l->next_tx_ms < next)
				next = l->next_tx_ms;
			if (rc->cfg.send_port && l->echo_port && l->connected &&
			    l->echo_next_ms < next)
				next = l->echo_next_ms;
			if (l->connected && l->last_rx_ms + dead + 1 < next)
				next = l->last_rx_ms + dead + 1;
		}
	if (rc->fetching && rc->fetch_next_ms < next)
		next = rc->fetch_next_ms;
	return next;
}

static struct regclient_peer *list_find(struct regclient_peerlist *l, const uint8_t pk[32])
{
	for (uint32_t i = l->n; i-- > 0;)
		if (!memcmp(l->v[i].info.pk, pk, 32))
			return &l->v[i];
	return NULL;
}

const struct regclient_peer *regclient_find_peer(const struct regclient *rc, const uint8_t pk[32])
{
	return list_find((struct regclient_peerlist *)&rc->peers, pk);
}

/* Adds one page's records to the staging list; -EBADMSG on inconsistency. */
static int stage_page(struct regclient *rc, const struct proto_reg_resp *m)
{
	struct regclient_peerlist *l = &rc->staging;

	for (unsigned int i = 0; i < m->n_peers; i++) {
		const struct proto_peer *p = &m->peers[i];
		struct regclient_peer *d = list_find(l, p->pk);
		struct proto_subnet *s;

		if (!(p->flags & PROTO_PEER_CONT)) {
			if (d)
				return -EBADMSG; /* same peer twice */
			if (l->n == l->cap) {
				uint32_t cap = l->cap ? l->cap * 2 : 8;
				struct regclient_peer *v = list_grow(l, cap);

				if (!v)
					return -ENOMEM;
				l->v = v;
				l->cap = cap;
			}
			d = &l->v[l->n++];
			memset(d, 0, sizeof(*d));
			d->info = *p;
		} else if (!d) {
			return -EBADMSG; /* continuation of an unknown peer */
		}
		if (!p->n_subnets)
			continue;
		s = realloc(d->subnets, (d->n_subnets + p->n_subnets) * sizeof(*s));
		if (!s)
			return -ENOMEM;
		memcpy(s + d->n_subnets, &m->subnets[p->subnet_first], p->n_subnets * sizeof(*s));
		d->subnets = s;
		d->n_subnets += p->n_subnets;
	}
	return 0;
}

/* Whether two SELF records say the same (only the used parts count). */
static bool self_equal(const struct proto_self *a, const struct proto_self *b)
{
	static uint8_t ba[PROTO_MAX_BODY], bb[PROTO_MAX_BODY];
	struct proto_resp_writer wa = { ba, sizeof(ba), 0 }, wb = { bb, sizeof(bb), 0 };

	if (proto_resp_add_self(&wa, a) || proto_resp_add_self(&wb, b))
		return false;
	return wa.len == wb.len && !memcmp(ba, bb, wa.len);
}

static int set_self(struct regclient *rc, const struct proto_self *m)
{
	if (rc->has_self && self_equal(&rc->self, m))
		return 0;
	rc->self = *m;
	rc->has_self = 1;
	if (rc->purge_from_self) {
		uint32_t s = m->purge_s;

		/* Within what the org config allows: 1 s would purge every peer. */
		if (s < PROTO_MIN_PURGE_S)
			s = PROTO_MIN_PURGE_S;
		if (s > PROTO_MAX_PURGE_S)
			s = PROTO_MAX_PURGE_S;
		rc->cfg.purge_ms = (uint64_t)s * 1000;
	}
	return REGCLIENT_EV_SELF;
}

const struct proto_self *regclient_self(const struct regclient *rc)
{
	return rc->has_self ? &rc->self : NULL;
}

/*
 * The registry whose version the gateway follows (reg_version): the first
 * connected one that has said its version, else @reg.
 */
static unsigned int authority(const struct regclient *rc, unsigned int reg, uint64_t now_ms)
{
	for (unsigned int r = 0; r < rc->cfg.n_registries; r++)
		if (rc->reg_version[r] && regclient_connected(rc, r, now_ms))
			return r;
	return reg;
}

/* An uplink over which registry @reg is connected, @ul first. */
static unsigned int link_to(const struct regclient *rc, unsigned int reg, unsigned int ul)
{
	if (rc->link[ul][reg].connected)
		return ul;
	for (unsigned int u = 0; u < rc->cfg.n_uplinks; u++)
		if (rc->link[u][reg].connected)
			return u;
	return ul;
}

/* Fetches the peer list from the registry we follow (now, or after the running download). */
static void fetch_from_authority(struct regclient *rc, unsigned int ul, unsigned int reg,
				 uint64_t now_ms)
{
	unsigned int a = authority(rc, reg, now_ms);

	if (rc->fetching)
		rc->refetch = 1;
	else
		fetch_start(rc, link_to(rc, a, ul), a, now_ms);
}

/* Registry @reg has @version: fetch if the one we follow has another than ours. */
static void maybe_fetch(struct regclient *rc, unsigned int ul, unsigned int reg, uint64_t version,
			uint64_t now_ms)
{
	unsigned int a;

	rc->reg_version[reg] = version;
	a = authority(rc, reg, now_ms);
	if (rc->reg_version[a] != rc->version && !rc->fetching)
		fetch_start(rc, link_to(rc, a, ul), a, now_ms);
}

static int on_reg_resp(struct regclient *rc, uint64_t now_ms, unsigned int ul, unsigned int reg,
		       const struct proto_reg_resp *m)
{
	struct regclient_link *l = &rc->link[ul][reg];
	int ev = 0;

	if (m->uplink != ul)
		return -EPROTO;
	/* An answer to this process (register), or to this download's pages. */
	if (m->page == PROTO_PAGE_NONE ? m->nonce != rc->nonce :
					 !rc->fetching || m->nonce != rc->fetch_nonce) {
		rc->stats.rx_unasked++;
		return -ESTALE;
	}
	l->reregister = 0;
	if (l->state != REGCLIENT_REGISTERED || !l->connected)
		ev |= REGCLIENT_EV_REGISTERED;
	l->state = REGCLIENT_REGISTERED;
	l->connected = 1;
	l->last_rx_ms = now_ms;
	l->registry_id = m->registry_id;
	l->observed = m->observed;
	rc->reg_version[reg] = m->version;
	/* The registry sets the pace, within what a registry may set. */
	rc->keepalive_ms = m->keepalive_ms < PROTO_MIN_KEEPALIVE_MS ? PROTO_MIN_KEEPALIVE_MS :
			   m->keepalive_ms > PROTO_MAX_KEEPALIVE_MS ? PROTO_MAX_KEEPALIVE_MS :
								      m->keepalive_ms;
	/* (Re)registered, or the registry's echo port changed: test it again. */
	if (ev || m->echo_port != l->echo_port) {
		uint8_t before = regclient_echo(rc, ul);

		if (m->echo_port != l->echo_port)
			l->echo = PROTO_ECHO_UNKNOWN;
		l->echo_port = m->echo_port;
		l->echo_tries = 0;
		l->echo_next_ms = now_ms;
		if (regclient_echo(rc, ul) != before)
			ev |= REGCLIENT_EV_ECHO;
	}
	if (ev)
		l->next_tx_ms = now_ms + rc->keepalive_ms;
	rc->role = m->role;

	if (m->page == PROTO_PAGE_NONE) {
		/*
		 * Our settings as of the version we hold (or a first idea of
		 * them); a newer version's come with its page 0.
		 */
		if (m->version == rc->version || !rc->has_self)
			ev |= set_self(rc, &m->self);
		/* Registered without peers; fetch them if ours are stale. */
		maybe_fetch(rc, ul, reg, m->version, now_ms);
		return ev;
	}
	if (!rc->fetching || ul != rc->fetch_ul || reg != rc->fetch_reg ||
	    m->page != rc->fetch_page)
		return ev; /* a late duplicate */
	if (m->page == 0) {
		list_clear(&rc->staging);
		rc->fetch_version = m->version;
		rc->fetch_pages = m->page_count;
		rc->staging_self = m->self;
	} else if (m->version != rc->fetch_version || m->page_count != rc->fetch_pages) {
		/* The config changed under us: start over. */
		fetch_start(rc, ul, reg, now_ms);
		return ev;
	}
	if (stage_page(rc, m)) {
		fetch_start(rc, ul, reg, now_ms + rc->cfg.retry_ms);
		return ev;
	}
	rc->fetch_page++;
	rc->fetch_next_ms = now_ms; /* ask for the next page right away */
	if (rc->fetch_page < rc->fetch_pages)
		return ev;
	/* Complete: swap in the new list. */
	list_clear(&rc->peers);
	rc->peers = rc->staging;
	memset(&rc->staging, 0, sizeof(rc->staging));
	for (uint32_t i = 0; i < rc->peers.n; i++)
		rc->peers.v[i].confirmed_ms = now_ms;
	rc->version = rc->fetch_version;
	rc->fetching = 0;
	ev |= set_self(rc, &rc->staging_self);
	if (rc->refetch) {
		rc->refetch = 0;
		fetch_from_authority(rc, ul, reg, now_ms);
	}
	return ev | REGCLIENT_EV_PEERS;
}

static void confirm_all(struct regclient *rc, uint64_t now_ms)
{
	for (uint32_t i = 0; i < rc->peers.n; i++)
		rc->peers.v[i].confirmed_ms = now_ms;
}

/* regclient_input() with the caller's plaintext buffer, which it wipes. */
static int input(struct regclient *rc, uint64_t now_ms, unsigned int ul, unsigned int reg,
		 const uint8_t *msg, size_t len, regclient_send_fn send, void *ctx,
		 uint8_t body[PROTO_MAX_MSG])
{
	struct seal_hdr h;
	ssize_t n;
	int ev = 0, ret;

	if (ul >= rc->cfg.n_uplinks || reg >= rc->cfg.n_registries)
		return -EINVAL;
	if (len > PROTO_MAX_MSG || seal_peek(msg, len, &h)) {
		rc->stats.rx_short++;
		return -EBADMSG;
	}
	if (memcmp(h.sender_pk, rc->cfg.registry_pk, 32)) {
		rc->stats.rx_auth++;
		return -EPERM;
	}
	/* The other registry's message, replayed from this one's address. */
	if (h.from != rc->cfg.registry_id[reg]) {
		rc->stats.rx_misdirected++;
		return -ENXIO;
	}
	ret = replay_state_check(&rc->rs[reg], h.sender_id, h.counter, clock_realtime_ns(),
				 (uint64_t)rc->cfg.max_clock_skew_s * CLOCK_NS_PER_SEC);
	if (ret) {
		rc->stats.rx_replay++;
		return ret;
	}
	n = seal_open(body, PROTO_MAX_MSG, msg, len, &rc->key);
	if (n < 0) {
		rc->stats.rx_auth++;
		return (int)n;
	}
	/*
	 * Only a REG_RESP to our nonce may start a registry life (first
	 * contact, or the registry restarted): anything else of a life we
	 * have no such answer from may be a recording, and taking it would
	 * also end the live one's window (replay.c). Ask that registry again
	 * instead; its answer proves the life.
	 */
	if (h.type != PROTO_T_REG_RESP &&
	    (!rc->rs[reg].win.top || h.sender_id != rc->rs[reg].sid)) {
		rc->stats.rx_unproven++;
		if (!rc->link[ul][reg].reregister) {
			rc->link[ul][reg].reregister = 1;
			rc->link[ul][reg].next_tx_ms = now_ms;
		}
		return -ESTALE;
	}
	if (h.type != PROTO_T_REG_RESP)
		replay_state_update(&rc->rs[reg], h.sender_id, h.counter);

	switch (h.type) {
	case PROTO_T_REG_RESP: {
		/* ~13 KB decoded page: not on the stack, one per thread. */
		static __thread struct proto_reg_resp m;

		if (proto_dec_reg_resp(body, (size_t)n, &m)) {
			sodium_memzero(&m, sizeof(m));
			goto malformed;
		}
		ev = on_reg_resp(rc, now_ms, ul, reg, &m);
		sodium_memzero(&m, sizeof(m)); /* the peers' psks */
		if (ev < 0)
			return ev;
		/* Taken: now it counts (and may start the registry's new life). */
		replay_state_update(&rc->rs[reg], h.sender_id, h.counter);
		break;
	}
	case PROTO_T_KEEPALIVE_ACK: {
		struct proto_keepalive_ack m;
		struct regclient_link *l = &rc->link[ul][reg];

		if (proto_dec_keepalive_ack(body, (size_t)n, &m) || m.uplink != ul)
			goto malformed;
		if (l->state != REGCLIENT_REGISTERED) {
			rc->stats.rx_unexpected++;
			return -EPROTO;
		}
		l->connected = 1;
		l->last_rx_ms = now_ms;
		/*
		 * The replay window takes, once, an ack that a newer one
		 * overtook (replay.h): what it says is older than what we know.
		 */
		if (h.sender_id == l->ack_sid && h.counter < l->ack_ctr)
			break;
		l->ack_sid = h.sender_id;
		l->ack_ctr = h.counter;
		l->observed = m.observed;
		if (m.version == rc->version)
			confirm_all(rc, now_ms);
		maybe_fetch(rc, ul, reg, m.version, now_ms);
		break;
	}
	case PROTO_T_PUSH: {
		struct proto_push m;

		if (proto_dec_push(body, (size_t)n, &m))
			goto malformed;
		rc->stats.pushes++;
		rc->last_push_ms = now_ms;
		rc->last_push_version = m.version;
		rc->reg_version[reg] = m.version;
		ev = REGCLIENT_EV_PUSH;
		/* Re-register everywhere now and fetch the new peer list. */
		for (unsigned int u = 0; u < rc->cfg.n_uplinks; u++)
			for (unsigned int r = 0; r < rc->cfg.n_registries; r++)
				rc->link[u][r].next_tx_ms = now_ms;
		/*
		 * A download in progress is not restarted (a stream of pushes
		 * would starve it): a new config version restarts it by itself,
		 * anything else is fetched once more when it completes. From
		 * the registry we follow, which may not be the pushing one.
		 */
		fetch_from_authority(rc, ul, reg, now_ms);
		break;
	}
	case PROTO_T_DIAG_RESP: {
		struct regclient_diag *d = &rc->diag[reg];
		static __thread struct proto_diag_resp m;

		if (proto_dec_diag_resp(body, (size_t)n, &m))
			goto malformed;
		if (!d->seq || m.seq != d->seq || memcmp(m.peer_pk, d->peer_pk, 32)) {
			rc->stats.rx_unexpected++;
			return -EPROTO; /* not asked, or about an older question */
		}
		d->answer = m;
		d->has_answer = 1;
		d->answer_ms = now_ms;
		d->seq = 0;
		ev = REGCLIENT_EV_DIAG;
		break;
	}
	case PROTO_T_ECHO_REPLY: {
		struct proto_echo_reply m;
		struct regclient_link *l = &rc->link[ul][reg];
		uint8_t before = regclient_echo(rc, ul);

		if (proto_dec_echo_reply(body, (size_t)n, &m) || m.uplink != ul)
			goto malformed;
		if (!l->echo_tries || m.seq != l->echo_seq) {
			rc->stats.rx_unexpected++;
			return -EPROTO; /* no test running, or an old one's answer */
		}
		l->echo = PROTO_ECHO_OK;
		l->echo_tries = 0;
		l->echo_observed = m.observed;
		l->echo_next_ms = now_ms + (uint64_t)REGCLIENT_ECHO_EVERY * rc->keepalive_ms;
		if (regclient_echo(rc, ul) != before)
			ev = REGCLIENT_EV_ECHO;
		break;
	}
	default:
		rc->stats.rx_unexpected++;
		return -EPROTO;
	}
	rc->stats.rx_ok++;
	if (send)
		ev |= regclient_tick(rc, now_ms, send, ctx);
	return ev;
malformed:
	rc->stats.rx_malformed++;
	return -EBADMSG;
}

int regclient_input(struct regclient *rc, uint64_t now_ms, unsigned int ul, unsigned int reg,
		    const uint8_t *msg, size_t len, regclient_send_fn send, void *ctx)
{
	uint8_t body[PROTO_MAX_MSG];
	int ret = input(rc, now_ms, ul, reg, msg, len, send, ctx, body);

	sodium_memzero(body, sizeof(body)); /* register answers carry psks */
	return ret;
}

int regclient_diag(struct regclient *rc, uint64_t now_ms, const uint8_t peer_pk[32],
		   regclient_send_fn send, void *ctx)
{
	int asked = 0;

	for (unsigned int r = 0; r < rc->cfg.n_registries; r++) {
		struct regclient_diag *d = &rc->diag[r];

		/* The new question replaces the old one, and its answer. */
		d->seq = 0;
		d->has_answer = 0;
		for (unsigned int u = 0; u < rc->cfg.n_uplinks; u++) {
			struct proto_diag_req m;
			uint8_t body[64];
			ssize_t n;

			if (!rc->link[u][r].connected)
				continue;
			m.seq = randombytes_random() | 1;
			memcpy(m.peer_pk, peer_pk, 32);
			n = proto_enc_diag_req(body, sizeof(body), &m);
			if (n < 0)
				return (int)n;
			d->seq = m.seq;
			memcpy(d->peer_pk, peer_pk, 32);
			d->asked_ms = now_ms;
			rc->stats.diags++;
			send_sealed(rc, u, r, PROTO_T_DIAG_REQ, body, (size_t)n, send, ctx);
			asked++;
			break;
		}
	}
	return asked ? asked : -ENOTCONN;
}

const struct proto_diag_resp *regclient_diag_answer(const struct regclient *rc, unsigned int reg,
						    uint64_t *at_ms)
{
	if (reg >= rc->cfg.n_registries || !rc->diag[reg].has_answer)
		return NULL;
	if (at_ms)
		*at_ms = rc->diag[reg].answer_ms;
	return &rc->diag[reg].answer;
}

int regclient_connected(const struct regclient *rc, unsigned int reg, uint64_t now_ms)
{
	uint64_t dead = (uint64_t)PROTO_MISSED_KEEPALIVES * rc->keepalive_ms;

	for (unsigned int u = 0; u < rc->cfg.n_uplinks; u++) {
		const struct regclient_link *l = &rc->link[u][reg];

		if (l->connected && now_ms - l->last_rx_ms <= dead)
			return 1;
	}
	return 0;
}

uint32_t regclient_purge(struct regclient *rc, uint64_t now_ms)
{
	struct regclient_peerlist *l = &rc->peers;
	uint32_t kept = 0, gone = 0;

	for (uint32_t i = 0; i < l->n; i++) {
		if (now_ms - l->v[i].confirmed_ms > rc->cfg.purge_ms) {
			free(l->v[i].subnets);
			sodium_memzero(&l->v[i].info.psk, sizeof(l->v[i].info.psk));
			gone++;
			continue;
		}
		l->v[kept++] = l->v[i];
	}
	if (gone) /* the moved entries' old copies */
		sodium_memzero(&l->v[kept], (l->n - kept) * sizeof(*l->v));
	l->n = kept;
	if (gone)
		rc->version = 0; /* what we hold is no longer a whole config */
	return gone;
}
