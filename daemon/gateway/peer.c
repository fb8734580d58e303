// SPDX-License-Identifier: GPL-2.0
/*
 * peer.c - the peer table and its kernel counterpart.
 *
 * The registry's peer list (wire/regclient) is the truth about who our
 * peers are. peer_sync() brings the table in line with it: a new peer gets
 * a kernel peer (id, receive index, name, allowed sources) and its paths;
 * a known one gets its endpoints, subnets and psk refreshed; a peer that is
 * no longer listed is removed from the kernel (its routes go with it).
 * Kernel peers someone made by hand are left alone: new peers take ids
 * around theirs, and a peer the kernel refuses is tried again on a timer,
 * not only at the registry's next list.
 * Routes themselves are decided in route.c, paths and probes in prober.c,
 * keys in keys.c; peer_update() turns their state into the peer's state and
 * the kernel's path table.
 *
 * The table is an array sorted by public key (binary search; a hub with
 * 10,000 spokes re-syncs in a few milliseconds).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "base/clock.h"
#include "base/log.h"
#include "gateway.h"
#include "nl/avpnl.h"
#include "nl/avpnl_peer.h"

#define PATH_ERR_LOG_MS 60000 /* a path change the kernel keeps refusing: logged this often */
#define PEER_CREATE_RETRY_MIN_MS 1000  /* a peer the kernel refused: tried again after */
#define PEER_CREATE_RETRY_MAX_MS 60000 /* ... doubling up to this */
#define KERNEL_NEW_TRIES 3 /* PEER_NEW refused for an id in use: another id, this often */

const char *peer_state_name(enum gw_peer_state s)
{
	switch (s) {
	case GW_PEER_UP:
		return "up";
	case GW_PEER_DOWN:
		return "down";
	default:
		return "connecting";
	}
}

bool peer_is_up(const struct gw_peer *p)
{
	return p->state == GW_PEER_UP;
}

/* Index of the first peer whose key is >= pk. */
static uint32_t lower_bound(const struct gw *gw, const uint8_t pk[32])
{
	uint32_t lo = 0, hi = gw->n_peers;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (memcmp(gw->peers[mid]->pk, pk, 32) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct gw_peer *peer_find(struct gw *gw, const uint8_t pk[32])
{
	uint32_t i = lower_bound(gw, pk);

	return i < gw->n_peers && !memcmp(gw->peers[i]->pk, pk, 32) ? gw->peers[i] : NULL;
}

/*
 * Peers by receive index. Every HS_RESP and COOKIE names one, before
 * anything about it can be checked, so an off-path sender picks the
 * lookups: a linear scan cost 24.5 us each with 10,000 peers, and some
 * 40,000 forged datagrams a second filled the daemon (the uplink socket's
 * registry, probe and handshake traffic with it). The indexes are random
 * (new_rx_index), so a multiplicative hash spreads them.
 */
static uint32_t index_slot(const struct gw *gw, uint32_t rx_index)
{
	return (rx_index * 2654435761u) & (gw->by_index_cap - 1);
}

static void index_put(struct gw *gw, struct gw_peer *p)
{
	uint32_t i = index_slot(gw, p->rx_index);

	while (gw->by_index[i])
		i = (i + 1) & (gw->by_index_cap - 1);
	gw->by_index[i] = p;
}

/* From gw->peers; 0, or -ENOMEM (the old table stays, marked stale). */
static int index_rebuild(struct gw *gw)
{
	uint32_t cap = 16;
	struct gw_peer **v;

	while (cap < 4ull * gw->n_peers)
		cap *= 2;
	v = calloc(cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	free(gw->by_index);
	gw->by_index = v;
	gw->by_index_cap = cap;
	for (uint32_t i = 0; i < gw->n_peers; i++)
		index_put(gw, gw->peers[i]);
	gw->by_index_stale = false;
	return 0;
}

/* A peer now in gw->peers. */
static void index_add(struct gw *gw, struct gw_peer *p)
{
	if (gw->by_index_stale || 2ull * gw->n_peers > gw->by_index_cap) {
		if (index_rebuild(gw))
			gw->by_index_stale = true;
		return;
	}
	index_put(gw, p);
}

struct gw_peer *peer_find_by_index(struct gw *gw, uint32_t rx_index)
{
	uint32_t i;

	if (gw->by_index_stale || !gw->by_index_cap) {
		if (index_rebuild(gw)) {
			/* No memory for the table: the slow way, still right. */
			for (i = 0; i < gw->n_peers; i++)
				if (gw->peers[i]->rx_index == rx_index)
					return gw->peers[i];
			return NULL;
		}
	}
	for (i = index_slot(gw, rx_index); gw->by_index[i]; i = (i + 1) & (gw->by_index_cap - 1))
		if (gw->by_index[i]->rx_index == rx_index)
			return gw->by_index[i];
	return NULL;
}

static bool id_used(struct gw *gw, uint32_t id)
{
	for (uint32_t i = 0; i < gw->n_peers; i++)
		if (gw->peers[i]->id == id)
			return true;
	return false;
}

/* A random receive index, non-zero and unique on the device. */
static uint32_t new_rx_index(struct gw *gw)
{
	uint32_t idx;

	do
		idx = randombytes_random();
	while (!idx || peer_find_by_index(gw, idx));
	return idx;
}

static int kernel_set_allowed(struct gw_peer *p);

static void on_peer_timer(struct loop *l, struct loop_timer *t, void *arg)
{
	struct gw_peer *p = arg;
	uint64_t now = clock_mono_ms(), next, k;

	(void)t;
	/* A failed update of the allowed sources is retried, never left stale. */
	if (p->allowed_stale && !kernel_set_allowed(p))
		p->allowed_stale = false;
	next = prober_run(p, now);
	k = keys_run(p, now);
	if (k < next)
		next = k;
	peer_update(p);
	if (next != UINT64_MAX)
		loop_timer_start(l, &p->timer, next > now ? next - now : 0, 0);
}

/* Run the peer's timer now (new endpoints, a probe to answer ...). */
static void kick(struct gw_peer *p)
{
	loop_timer_start(p->gw->loop, &p->timer, 0, 0);
}

/* Endpoints of the peer's uplink ru that uplink lu can reach, best first. */
static unsigned int candidates(const struct gw_peer *p, const struct gw_uplink *u, uint8_t ru,
			       struct path_cand *out)
{
	static const uint8_t order[] = { PROTO_EP_MANUAL, PROTO_EP_PUBLIC, PROTO_EP_PRIVATE };
	unsigned int n = 0;

	for (unsigned int o = 0; o < sizeof(order); o++) {
		for (unsigned int i = 0; i < p->info.n_ep && n < PATH_MAX_CAND; i++) {
			const struct proto_peer_ep *e = &p->info.ep[i];

			if (e->uplink != ru || e->kind != order[o] ||
			    e->ep.addr.family != u->local.addr.family)
				continue;
			out[n].ep = e->ep;
			out[n++].kind = e->kind;
		}
	}
	return n;
}

/* path_id() numbers two uplinks a side into ids 0-3. */
_Static_assert(GW_MAX_UPLINKS == 2 && GW_MAX_PATHS == 4, "path_id() needs renumbering");

bool path_uplink_configured(const struct gw *gw, const struct path *pa)
{
	return pa->lu < gw->n_uplinks;
}

struct path *peer_path(struct gw_peer *p, unsigned int lu, unsigned int ru)
{
	return &p->paths[path_id(p->we_are_first, (uint8_t)lu, (uint8_t)ru)];
}

static void refresh_paths(struct gw_peer *p)
{
	struct gw *gw = p->gw;
	uint64_t now = clock_mono_ms();
	bool changed = false;

	for (uint8_t lu = 0; lu < gw->n_uplinks; lu++) {
		for (uint8_t ru = 0; ru < GW_MAX_UPLINKS; ru++) {
			struct path_cand c[PATH_MAX_CAND];
			struct path *pa = peer_path(p, lu, ru);
			unsigned int n = candidates(p, &gw->uplinks[lu], ru, c);
			uint8_t before = (uint8_t)pa->state;

			path_set_candidates(pa, c, n, now);
			changed |= before != pa->state || pa->next_probe_ms <= now;
		}
	}
	if (changed)
		kick(p);
}

/* The allowed inner sources, from the registry's ALLOWED records. */
static int kernel_allowed(struct gw_peer *p, struct avpnl_peer *req)
{
	req->set |= AVPNL_PEER_ALLOWED;
	req->flags |= AUTOVPN_PEER_F_REPLACE_ALLOWED;
	for (uint32_t i = 0; i < p->n_subnets; i++) {
		const struct proto_subnet *s = &p->subnets[i];

		if (!(s->flags & PROTO_SUB_ALLOWED))
			continue;
		if (avpnl_peer_add_allowed(req, &s->prefix, false))
			return -ENOMEM;
	}
	return 0;
}

static bool subnets_equal(const struct gw_peer *p, const struct regclient_peer *rp)
{
	return p->n_subnets == rp->n_subnets &&
	       (!rp->n_subnets ||
		!memcmp(p->subnets, rp->subnets, rp->n_subnets * sizeof(*rp->subnets)));
}

static int take_subnets(struct gw_peer *p, const struct regclient_peer *rp)
{
	struct proto_subnet *s = NULL;

	if (rp->n_subnets) {
		s = malloc(rp->n_subnets * sizeof(*s));
		if (!s)
			return -ENOMEM;
		memcpy(s, rp->subnets, rp->n_subnets * sizeof(*s));
	}
	free(p->subnets);
	p->subnets = s;
	p->n_subnets = rp->n_subnets;
	return 0;
}

static int kernel_set_allowed(struct gw_peer *p)
{
	struct avpnl_peer req;
	int err;

	memset(&req, 0, sizeof(req));
	req.id = p->id;
	err = kernel_allowed(p, &req);
	if (!err)
		err = avpnl_peer_set(p->gw->nl, p->gw->ifindex, &req);
	if (err)
		log_msg(LOG_ERR, "%s: setting allowed sources: %s", p->name,
			avpnl_errmsg(p->gw->nl) ?: strerror(-err));
	avpnl_peer_clear(&req);
	return err;
}

/* The kernel's peer ids and receive indexes, sorted (kernel_taken()). */
struct taken {
	uint32_t *ids, *rx;
	size_t n, cap;
};

static int taken_add(const struct avpnl_peer *kp, void *arg)
{
	struct taken *t = arg;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		uint32_t *ids = realloc(t->ids, cap * sizeof(*ids)), *rx;

		if (!ids)
			return -ENOMEM;
		t->ids = ids;
		rx = realloc(t->rx, cap * sizeof(*rx));
		if (!rx)
			return -ENOMEM;
		t->rx = rx;
		t->cap = cap;
	}
	t->ids[t->n] = kp->id;
	t->rx[t->n++] = kp->rx_index;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static bool taken_has(const uint32_t *v, size_t n, uint32_t x)
{
	return n && bsearch(&x, v, n, sizeof(x), cmp_u32);
}

/* What the kernel has (a dump): 0, or -errno (t is empty then). */
static int kernel_taken(struct gw *gw, struct taken *t)
{
	int err, tries = 0;

	do {
		t->n = 0;
		err = avpnl_peer_dump(gw->nl, gw->ifindex, taken_add, t);
	} while (err == -EAGAIN && ++tries < 5); /* changed during the dump */
	if (err) {
		t->n = 0;
		return err;
	}
	qsort(t->ids, t->n, sizeof(*t->ids), cmp_u32);
	qsort(t->rx, t->n, sizeof(*t->rx), cmp_u32);
	return 0;
}

/* The next peer id that neither we nor the kernel (t, if known) use. */
static uint32_t new_id(struct gw *gw, const struct taken *t)
{
	uint32_t id;

	do
		id = ++gw->next_peer_id;
	while (!id || id_used(gw, id) || taken_has(t->ids, t->n, id));
	return id;
}

static int kernel_new(struct gw_peer *p)
{
	struct avpnl_peer req;
	int err;

	memset(&req, 0, sizeof(req));
	req.id = p->id;
	req.set = AVPNL_PEER_RX_INDEX | AVPNL_PEER_NAME;
	req.rx_index = p->rx_index;
	snprintf(req.name, sizeof(req.name), "%s", p->name);
	err = kernel_allowed(p, &req);
	if (!err)
		err = avpnl_peer_new(p->gw->nl, p->gw->ifindex, &req);
	avpnl_peer_clear(&req);
	return err;
}

/*
 * The kernel has a peer with our new peer's id (or, rarely, receive index)
 * that is not in our table: someone made it by hand (autovpn set). It is
 * theirs, and stays; ours takes an id and index the kernel does not have.
 */
static void kernel_move_aside(struct gw_peer *p)
{
	struct gw *gw = p->gw;
	struct taken t = { 0 };
	uint32_t old = p->id;
	int err = kernel_taken(gw, &t);

	if (err)
		log_msg(LOG_WARNING, "%s: reading the kernel's peers: %s", p->name,
			avpnl_errmsg(gw->nl) ?: strerror(-err));
	p->id = new_id(gw, &t);
	if (taken_has(t.rx, t.n, p->rx_index)) {
		do
			p->rx_index = new_rx_index(gw);
		while (taken_has(t.rx, t.n, p->rx_index));
		p->hs.local_index = p->rx_index;
	}
	if (taken_has(t.ids, t.n, old) || !t.n)
		log_msg(LOG_INFO,
			"%s: kernel peer id %u is taken by a peer autovpnd did not make: using id %u",
			p->name, old, p->id);
	else
		log_msg(LOG_INFO,
			"%s: the kernel refused id %u as taken (the receive index?): using id %u, "
			"receive index %u",
			p->name, old, p->id, p->rx_index);
	free(t.ids);
	free(t.rx);
}

static int kernel_create(struct gw_peer *p)
{
	int err, tries = 0;

	/* Bounded: a second refusal means another hand is at work right now. */
	while ((err = kernel_new(p)) == -EEXIST && tries++ < KERNEL_NEW_TRIES)
		kernel_move_aside(p);
	if (err) {
		log_msg(LOG_ERR, "%s: creating the kernel peer: %s", p->name,
			avpnl_errmsg(p->gw->nl) ?: strerror(-err));
		return err;
	}
	p->in_kernel = true;
	/* No routes yet: a peer that gets none needs no request for them. */
	p->routes_hash = GW_ROUTES_HASH_EMPTY;
	return 0;
}

/*
 * A new peer, in the kernel and the table (*out): 0, -EKEYREJECTED for a
 * public key no handshake can use (trying again would not help), or
 * -errno (ENOMEM, the kernel's refusal: worth trying again).
 */
static int peer_new(struct gw *gw, const struct regclient_peer *rp, struct gw_peer **out)
{
	static const struct taken none;
	struct gw_peer *p, **v;
	bool adopted = false;
	uint32_t at;
	int err = -ENOMEM;

	if (gw->n_peers == gw->cap_peers) {
		uint32_t cap = gw->cap_peers ? gw->cap_peers * 2 : 16;

		v = realloc(gw->peers, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		gw->peers = v;
		gw->cap_peers = cap;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->gw = gw;
	memcpy(p->pk, rp->info.pk, 32);
	snprintf(p->name, sizeof(p->name), "%s", rp->info.name);
	p->info = rp->info;
	if (take_subnets(p, rp))
		goto fail;
	p->cur_key_id = p->prev_key_id = p->next_key_id = -1;
	p->reason = "punching: probing the peer's endpoints";
	p->we_are_first = memcmp(gw->pk, p->pk, 32) < 0;
	for (uint8_t lu = 0; lu < GW_MAX_UPLINKS; lu++)
		for (uint8_t ru = 0; ru < GW_MAX_UPLINKS; ru++)
			path_init(peer_path(p, lu, ru), p->we_are_first, lu, ru);
	/* A restarted daemon takes over the kernel peer of this name. */
	adopted = adopt_take(gw, p);
	if (!adopted) {
		p->id = new_id(gw, &none);
		p->rx_index = new_rx_index(gw);
	}
	/*
	 * One X25519 per peer, deferred to the first handshake or probe
	 * (handshake_peer_ss): the kernel is programmed first.
	 */
	if (handshake_peer_init(&gw->hs_id, &p->hs, p->pk, rp->info.psk, p->rx_index)) {
		log_msg(LOG_ERR, "%s: unusable public key", p->name);
		err = -EKEYREJECTED;
		goto fail;
	}
	handshake_peer_set_key_ids(&p->hs, p->cur_key_id, p->prev_key_id);
	loop_timer_init(&p->timer, on_peer_timer, p);
	err = p->in_kernel ? kernel_set_allowed(p) : kernel_create(p);
	if (err)
		goto fail;
	at = lower_bound(gw, p->pk);
	memmove(&gw->peers[at + 1], &gw->peers[at], (gw->n_peers - at) * sizeof(*gw->peers));
	gw->peers[at] = p;
	gw->n_peers++;
	index_add(gw, p);
	log_msg(LOG_INFO, "%s: new peer (%s), kernel id %u", p->name,
		rp->info.role == PROTO_ROLE_HUB ? "hub" : "spoke", p->id);
	/*
	 * An adopted peer is as up as its kernel paths and keys say, before
	 * peer_sync() decides routes: left "connecting" until its first timer,
	 * it would lose its kernel routes to that decision and traffic would
	 * stop until the timer put them back.
	 */
	if (adopted)
		peer_update(p);
	*out = p;
	return 0;
fail:
	/*
	 * An adopted kernel peer we could not take over would keep its keys
	 * and paths beside the one a retry makes: it goes, the retry (or the
	 * registry's next list) makes it anew.
	 */
	if (adopted && avpnl_peer_del(gw->nl, gw->ifindex, p->id) == 0)
		log_msg(LOG_INFO, "%s: adopted kernel peer %u removed: could not take it over",
			p->name, p->id);
	handshake_peer_wipe(&p->hs);
	sodium_memzero(&p->probe_key, sizeof(p->probe_key));
	free(p->subnets);
	free(p);
	return err;
}

static void peer_free(struct gw_peer *p, bool kernel)
{
	struct gw *gw = p->gw;
	int err;

	loop_timer_stop(gw->loop, &p->timer);
	if (kernel && p->in_kernel) {
		err = avpnl_peer_del(gw->nl, gw->ifindex, p->id);
		if (err && err != -ENOENT)
			log_msg(LOG_ERR, "%s: removing the kernel peer: %s", p->name,
				avpnl_errmsg(gw->nl) ?: strerror(-err));
	}
	handshake_peer_wipe(&p->hs);
	sodium_memzero(&p->probe_key, sizeof(p->probe_key));
	sodium_memzero(p->info.psk, sizeof(p->info.psk));
	free(p->subnets);
	free(p);
}

static void peer_refresh(struct gw_peer *p, const struct regclient_peer *rp)
{
	bool subnets_changed = !subnets_equal(p, rp);

	if (sodium_memcmp(p->info.psk, rp->info.psk, 32))
		handshake_peer_set_psk(&p->hs, rp->info.psk);
	p->info = rp->info;
	if (subnets_changed && !take_subnets(p, rp))
		p->allowed_stale = kernel_set_allowed(p) != 0;
	if (p->allowed_stale)
		kick(p);
}

/* Routes now, not after the new peers' timers (peer_sync() says why). */
static void routes_now(struct gw *gw)
{
	if (!gw->kr)
		return;
	loop_timer_stop(gw->loop, &gw->route_timer); /* done here */
	route_apply(gw);
}

static void on_create_retry(struct loop *l, struct loop_timer *t, void *arg);

/*
 * A listed peer the kernel would not take is tried again on a timer: the
 * registry sends its list again only when the list changes, which may be
 * never, and the peer would be missing until then. 1 s, doubling to 60 s
 * while some keep failing (each failure logged once a try); reset once
 * all are in.
 */
static void create_retry_arm(struct gw *gw, uint32_t failed)
{
	if (!failed) {
		loop_timer_stop(gw->loop, &gw->create_timer);
		gw->create_backoff_ms = 0;
		return;
	}
	if (loop_timer_running(&gw->create_timer))
		return; /* a try is due already */
	gw->create_backoff_ms = gw_backoff_next(gw->create_backoff_ms, PEER_CREATE_RETRY_MIN_MS,
						PEER_CREATE_RETRY_MAX_MS);
	loop_timer_init(&gw->create_timer, on_create_retry, gw);
	loop_timer_start(gw->loop, &gw->create_timer, gw->create_backoff_ms, 0);
	log_msg(LOG_WARNING, "%u listed peer(s) not in the kernel: trying again in %u s", failed,
		gw->create_backoff_ms / 1000);
}

/* Creates the listed peers that are not in the table; counts the failures. */
static uint32_t create_missing(struct gw *gw, uint32_t *failed)
{
	uint32_t added = 0;

	for (uint32_t i = 0; i < gw->rc.peers.n; i++) {
		const struct regclient_peer *rp = &gw->rc.peers.v[i];
		struct gw_peer *p;
		int err;

		if (!memcmp(rp->info.pk, gw->pk, 32) || peer_find(gw, rp->info.pk))
			continue;
		err = peer_new(gw, rp, &p);
		if (err) {
			*failed += err != -EKEYREJECTED;
			continue;
		}
		p->mark = gw->sync_gen;
		refresh_paths(p);
		added++;
	}
	return added;
}

static void on_create_retry(struct loop *l, struct loop_timer *t, void *arg)
{
	struct gw *gw = arg;
	uint32_t failed = 0, added;

	(void)l;
	(void)t;
	added = create_missing(gw, &failed);
	create_retry_arm(gw, failed);
	if (!added)
		return;
	log_msg(LOG_INFO, "peers: %u in the kernel (%u new on a retry)", gw->n_peers, added);
	gw_routes_changed(gw, true);
	routes_now(gw);
}

void peer_sync(struct gw *gw)
{
	uint64_t gen = ++gw->sync_gen, t0 = clock_mono_ms();
	uint32_t i, kept, before = gw->n_peers, added, removed, failed = 0;

	for (i = 0; i < gw->rc.peers.n; i++) {
		const struct regclient_peer *rp = &gw->rc.peers.v[i];
		struct gw_peer *p = peer_find(gw, rp->info.pk);

		if (!memcmp(rp->info.pk, gw->pk, 32) || !p)
			continue; /* never ourselves; new ones below */
		peer_refresh(p, rp);
		p->mark = gen;
		refresh_paths(p);
	}
	create_missing(gw, &failed);
	for (i = 0, kept = 0; i < gw->n_peers; i++) {
		struct gw_peer *p = gw->peers[i];

		if (p->mark == gen) {
			gw->peers[kept++] = p;
			continue;
		}
		log_msg(LOG_INFO, "%s: no longer a peer: removed", p->name);
		peer_free(p, true);
	}
	removed = gw->n_peers - kept;
	gw->n_peers = kept;
	if (removed)
		gw->by_index_stale = true;
	added = kept + removed - before;
	/* Kernel peers no list names go with a registry's list, not a saved one. */
	if (gw->adopted && !gw->peers_from_save)
		adopt_finish(gw);
	create_retry_arm(gw, failed);
	if (added || removed)
		log_msg(LOG_INFO, "peers: %u in the kernel (%u new, %u removed) in %llu ms", kept,
			added, removed, (unsigned long long)(clock_mono_ms() - t0));
	gw_routes_changed(gw, true);
	/*
	 * Routes now, not after the new peers' timers: their first probes
	 * pay for the deferred X25519s (about 1 s for 1,000 under emulation).
	 */
	if (added || removed)
		routes_now(gw);
}

/*
 * Nothing probes a path on an uplink that is gone, so it would stay as it
 * was: an up one kept the peer up with no working path, for good. Reset
 * to idle, and out of the kernel at once through peer_update().
 */
void peer_uplinks_changed(struct gw *gw)
{
	for (uint32_t i = 0; i < gw->n_peers; i++) {
		struct gw_peer *p = gw->peers[i];
		bool gone = false;

		for (uint8_t k = 0; k < GW_MAX_PATHS; k++) {
			struct path *pa = &p->paths[k];

			if (path_uplink_configured(gw, pa) ||
			    (pa->state == PATH_IDLE && !pa->has_remote))
				continue;
			path_init(pa, p->we_are_first, pa->lu, pa->ru);
			gone = true;
		}
		if (gone)
			peer_update(p);
	}
}

void peer_remove_all(struct gw *gw, bool kernel)
{
	loop_timer_stop(gw->loop, &gw->create_timer);
	gw->create_backoff_ms = 0;
	for (uint32_t i = 0; i < gw->n_peers; i++)
		peer_free(gw->peers[i], kernel);
	free(gw->peers);
	gw->peers = NULL;
	gw->n_peers = gw->cap_peers = 0;
	free(gw->by_index);
	gw->by_index = NULL;
	gw->by_index_cap = 0;
	gw->by_index_stale = false;
}

/*
 * Records what the kernel now has after req (err 0), or logs why a
 * one-path request was refused. A refused change is asked for again at
 * every update of the peer (several a second): logged once a minute.
 */
static void kernel_paths_done(struct gw_peer *p, const struct avpnl_peer *req, int err)
{
	/* A path to remove that is gone already (removed by hand) is done. */
	if (err == -ENOENT && req->n_paths == 1 && req->paths[0].remove)
		err = 0;
	if (err) {
		uint8_t id = req->paths[0].id;
		uint64_t now = clock_mono_ms();

		if (p->path_err_ms[id] && now - p->path_err_ms[id] < PATH_ERR_LOG_MS)
			return;
		p->path_err_ms[id] = now;
		log_msg(LOG_ERR, "%s: setting path %u: %s", p->name, id,
			avpnl_errmsg(p->gw->nl) ?: strerror(-err));
		return;
	}
	for (size_t i = 0; i < req->n_paths; i++) {
		const struct avpnl_peer_path *o = &req->paths[i];
		uint8_t bit = (uint8_t)(1u << o->id);

		p->path_err_ms[o->id] = 0;
		p->kernel_up &= (uint8_t)~bit;
		if (o->remove) {
			p->kernel_paths &= (uint8_t)~bit;
			continue;
		}
		p->kernel_paths |= bit;
		if (o->state == AUTOVPN_PATH_UP)
			p->kernel_up |= bit;
		p->kernel_remote[o->id] = o->remote;
	}
}

/* Programs the kernel's paths: remote endpoints and UP/DOWN. */
static void kernel_paths(struct gw_peer *p, bool keys_ok)
{
	struct gw *gw = p->gw;
	struct avpnl_peer req;
	int err;

	memset(&req, 0, sizeof(req));
	req.id = p->id;
	for (uint8_t k = 0; k < GW_MAX_PATHS; k++) {
		const struct path *pa = &p->paths[k];
		struct avpnl_peer_path *o;
		bool cfg = pa->has_remote && path_uplink_configured(gw, pa);
		bool up = cfg && path_is_up(pa) && keys_ok;
		bool had = p->kernel_paths & (1u << k);

		if (!cfg && !had)
			continue;
		if (cfg && had && !!(p->kernel_up & (1u << k)) == up &&
		    endpoint_equal(&p->kernel_remote[k], &pa->remote))
			continue;
		o = &req.paths[req.n_paths++];
		o->id = k;
		if (!cfg) {
			o->remove = true;
			continue;
		}
		o->set = AVPNL_PEER_PATH_UPLINK | AVPNL_PEER_PATH_REMOTE | AVPNL_PEER_PATH_STATE |
			 AVPNL_PEER_PATH_PRIORITY;
		o->uplink = pa->lu;
		o->remote = pa->remote;
		o->state = up ? AUTOVPN_PATH_UP : AUTOVPN_PATH_DOWN;
		/* Active-active off: wan1 is the primary, wan2 the fallback. */
		o->priority = pa->lu;
	}
	if (!req.n_paths)
		return;
	err = avpnl_peer_set(gw->nl, gw->ifindex, &req);
	if (!err || req.n_paths == 1) {
		kernel_paths_done(p, &req, err);
		return;
	}
	/*
	 * The kernel takes a request whole or not at all. One path it refuses
	 * (its uplink detached behind our back, say) must not hold back the
	 * others, every time this runs: one path per request now.
	 */
	for (size_t i = 0; i < req.n_paths; i++) {
		struct avpnl_peer one;

		memset(&one, 0, sizeof(one));
		one.id = p->id;
		one.n_paths = 1;
		one.paths[0] = req.paths[i];
		kernel_paths_done(p, &one, avpnl_peer_set(gw->nl, gw->ifindex, &one));
	}
}

void peer_update(struct gw_peer *p)
{
	uint64_t now = clock_mono_ms();
	bool keys_ok = keys_usable(p, now), any_up = false, any_punched = false;
	enum gw_peer_state s;
	const char *why;

	for (unsigned int k = 0; k < GW_MAX_PATHS; k++) {
		const struct path *pa = &p->paths[k];

		/* A path on an uplink that is gone counts for nothing. */
		if (!path_uplink_configured(p->gw, pa))
			continue;
		any_up |= path_is_up(pa);
		any_punched |= pa->has_remote;
	}
	kernel_paths(p, keys_ok);
	if (any_up && keys_ok) {
		s = GW_PEER_UP;
		why = "up: a path answers and keys are in place";
	} else if (p->state == GW_PEER_UP || p->state == GW_PEER_DOWN) {
		s = GW_PEER_DOWN;
		why = !any_up ? "down: no path answers probes" :
				"down: no valid key (handshake failing)";
	} else {
		s = GW_PEER_CONNECTING;
		why = !any_punched ? "punching: no endpoint of the peer has answered yet" :
		      !any_up	   ? "punching: waiting for probe replies" :
				     "handshaking";
	}
	p->reason = why;
	if (s == p->state)
		return;
	log_msg(LOG_INFO, "%s: %s -> %s (%s)", p->name, peer_state_name(p->state),
		peer_state_name(s), why);
	p->state = s;
	p->state_ms = now;
	if (s == GW_PEER_UP)
		p->up_since_ms = now;
	if (s == GW_PEER_DOWN)
		p->went_down = true;
	gw_routes_changed(p->gw, false);
}
