// SPDX-License-Identifier: GPL-2.0
/*
 * route.c - from the registry's route records and the peers' state to the
 * kernel's prefix -> peer routes and the OS's VPN routing table.
 *
 * Two places hold routes (DESIGN §2, §5):
 *   - the host's VPN table (nl/kroute): every VPN prefix `dev av0`, whether
 *     or not a peer is up for it, so traffic for the VPN never leaks to the
 *     internet, plus the policy rules;
 *   - the module's routes: each prefix to the peer routesel.c chose (the
 *     lowest-metric one that is up, with hysteresis), set per peer with
 *     PEER_SET REPLACE_ROUTES for the peers whose set changed.
 * Changes are coalesced: gw_routes_changed() only marks and schedules, and
 * one pass runs per loop iteration.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "base/clock.h"
#include "base/log.h"
#include "gateway.h"
#include "nl/avpnl.h"
#include "nl/avpnl_peer.h"
#include "nl/kroute.h"
#include "nl/linkwatch.h"

/*
 * A route set or table that could not be programmed is tried again after
 * this, then after twice as long each time it fails again, up to the max
 * (a refusal that lasts must not cost a full table read and an error line
 * every second).
 */
#define ROUTE_RETRY_MS 1000
#define ROUTE_RETRY_MAX_MS 60000

struct peer_routes {
	struct gw_peer *peer;
	struct avpnl_peer req;
	uint64_t hash;
};

static void on_route_timer(struct loop *l, struct loop_timer *t, void *arg)
{
	struct gw *gw = arg;

	(void)l;
	(void)t;
	gw->routes_dirty = true; /* a hysteresis time may have ended */
	route_apply(gw);
}

void gw_routes_changed(struct gw *gw, bool table)
{
	gw->routes_dirty = true;
	gw->table_dirty |= table;
	if (gw->kr)
		loop_timer_start(gw->loop, &gw->route_timer, 0, 0);
}

/*
 * The interface went down, and the kernel dropped every route through it
 * (IPv4 says nothing per route): the VPN table is empty, and VPN traffic
 * follows main's default route out in clear. When it is up again, read
 * the table afresh and put the routes back. Lost events: the same.
 */
static void on_link(void *arg, const struct linkwatch_event *ev)
{
	struct gw *gw = arg;
	uint32_t ifindex = ev->ifindex;
	bool up = ev->up, gone = ev->gone;

	uplink_on_link(gw, ev);
	if (ev->addr || (ifindex && ifindex != gw->ifindex))
		return;
	if (ifindex && gone) {
		log_msg(LOG_ERR, "%s was deleted: restart autovpnd to create it again", gw->ifname);
		gw->dev_up = false;
		return;
	}
	if (ifindex && !up) {
		if (gw->dev_up)
			log_msg(LOG_WARNING,
				"%s is down: its VPN routes are gone, and VPN traffic is not "
				"protected until it is up again",
				gw->ifname);
		gw->dev_up = false;
		return;
	}
	if (ifindex && gw->dev_up)
		return;
	if (ifindex) {
		gw->dev_up = true;
		log_msg(LOG_INFO, "%s is up: putting its VPN routes back", gw->ifname);
	} else {
		log_msg(LOG_WARNING, "link events were lost: reading the VPN table again");
	}
	kroute_forget(gw->kr);
	gw_routes_changed(gw, true);
}

static void on_link_input(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct gw *gw = arg;

	(void)l, (void)fd, (void)events;
	linkwatch_input(gw->links);
}

int route_init(struct gw *gw)
{
	int err;

	loop_timer_init(&gw->route_timer, on_route_timer, gw);
	err = kroute_open(&gw->kr);
	if (err)
		return err;
	err = linkwatch_open(&gw->links, on_link, gw);
	if (!err) {
		err = loop_add_fd(gw->loop, linkwatch_fd(gw->links), EPOLLIN, on_link_input, gw);
		if (err) {
			linkwatch_close(gw->links);
			gw->links = NULL;
		}
	}
	if (err) /* what worked before it still works */
		log_msg(LOG_WARNING,
			"watching the links: %s; a VPN table that av0 going down emptied is not "
			"put back until the routes change, and an uplink device created anew "
			"is not taken up again",
			strerror(-err));
	err = kroute_rules_add(gw->kr, gw->conf->table);
	if (err)
		log_msg(LOG_ERR, "policy rules for table %u: %s", gw->conf->table,
			kroute_errmsg(gw->kr) ?: strerror(-err));
	else if (!kroute_ipv6(gw->kr))
		log_msg(LOG_WARNING,
			"this kernel has no IPv6 (booted with ipv6.disable=1, or built without "
			"it): IPv4 policy rules and VPN routes only; the VPN's IPv6 prefixes "
			"are not routed from here");
	return err;
}

void route_fini(struct gw *gw, bool remove_os_state)
{
	if (!gw->kr)
		return;
	loop_timer_stop(gw->loop, &gw->route_timer);
	if (gw->links) {
		loop_del_fd(gw->loop, linkwatch_fd(gw->links));
		linkwatch_close(gw->links);
		gw->links = NULL;
	}
	if (remove_os_state) {
		kroute_flush(gw->kr, gw->conf->table);
		kroute_rules_del(gw->kr, gw->conf->table);
	}
	kroute_close(gw->kr);
	gw->kr = NULL;
	routesel_free(&gw->routes);
}

/* Peers by kernel id, for the decision's lookups. */
/*
 * The peers sorted by kernel id, for the route decision's lookups. Not an
 * array indexed by id: ids are the kernel's, any u32 (an adopted peer may
 * have been made by hand with id 2^31), and a table that size failed.
 */
struct by_id {
	struct gw_peer **v;
	uint32_t n;
};

static int cmp_id(const void *a, const void *b)
{
	uint32_t x = (*(struct gw_peer *const *)a)->id, y = (*(struct gw_peer *const *)b)->id;

	return x < y ? -1 : x > y;
}

/* The position of peer @id in @b, or -1. */
static int64_t by_id_find(const struct by_id *b, uint32_t id)
{
	uint32_t lo = 0, hi = b->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (b->v[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->n && b->v[lo]->id == id ? (int64_t)lo : -1;
}

static bool peer_up_cb(void *ctx, uint32_t id, uint64_t *since)
{
	struct by_id *b = ctx;
	int64_t at = by_id_find(b, id);
	struct gw_peer *p = at >= 0 ? b->v[at] : NULL;

	if (!p || !peer_is_up(p))
		return false;
	/* Only a peer that has gone down before is damped (routesel.h). */
	*since = p->went_down ? p->up_since_ms : 0;
	return true;
}

/*
 * The candidate of a listed peer the kernel does not have (PEER_NEW
 * refused, retried later): never up, as the kernel refuses peer id 0. Its
 * prefixes go into the VPN table all the same, so their traffic goes into
 * av0 (dropped there, no route) and not out of main's default route in
 * clear.
 */
#define ROUTE_NO_PEER 0u

struct inputs {
	struct routesel_input *v;
	uint32_t n, cap;
};

/* Adds the route records of @s to @in as candidates of peer @id. */
static int add_inputs(struct inputs *in, const struct proto_subnet *s, uint32_t n_subnets,
		      uint32_t id)
{
	for (uint32_t k = 0; k < n_subnets; k++) {
		if (!(s[k].flags & (PROTO_SUB_ROUTE | PROTO_SUB_DEFAULT)))
			continue;
		if (in->n == in->cap) {
			uint32_t ncap = in->cap ? in->cap * 2 : 256;
			struct routesel_input *v = realloc(in->v, ncap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			in->v = v;
			in->cap = ncap;
		}
		in->v[in->n].prefix = s[k].prefix;
		in->v[in->n].cand.peer = id;
		in->v[in->n].cand.metric = s[k].metric;
		in->v[in->n].cand.flags = s[k].flags;
		in->n++;
	}
	return 0;
}

static int rebuild_table(struct gw *gw)
{
	struct inputs in = { 0 };
	struct routesel nt;
	int err = 0;

	for (uint32_t i = 0; i < gw->n_peers && !err; i++)
		err = add_inputs(&in, gw->peers[i]->subnets, gw->peers[i]->n_subnets,
				 gw->peers[i]->id);
	for (uint32_t i = 0; i < gw->rc.peers.n && !err; i++) {
		const struct regclient_peer *rp = &gw->rc.peers.v[i];

		if (memcmp(rp->info.pk, gw->pk, 32) && !peer_find(gw, rp->info.pk))
			err = add_inputs(&in, rp->subnets, rp->n_subnets, ROUTE_NO_PEER);
	}
	if (!err)
		err = routesel_build(&nt, in.v, in.n, &gw->routes);
	free(in.v);
	if (err)
		return err;
	routesel_free(&gw->routes);
	gw->routes = nt;
	return 0;
}

/* FNV-1a over the prefixes a peer should carry, to skip unchanged ones. */
static uint64_t hash_prefix(uint64_t h, const struct prefix *p)
{
	const uint8_t *b = (const uint8_t *)p;

	for (size_t i = 0; i < sizeof(*p); i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* Sets the kernel's routes of every peer whose set changed; false if one failed. */
static bool program_kernel(struct gw *gw, struct by_id *ids)
{
	struct peer_routes *pr;
	bool ok = true;
	uint32_t i;

	pr = calloc(ids->n ? ids->n : 1, sizeof(*pr));
	if (!pr)
		return false;
	for (i = 0; i < ids->n; i++) {
		pr[i].peer = ids->v[i];
		pr[i].hash = GW_ROUTES_HASH_EMPTY;
		pr[i].req.id = ids->v[i]->id;
		pr[i].req.set = AVPNL_PEER_ROUTES;
		pr[i].req.flags = AUTOVPN_PEER_F_REPLACE_ROUTES;
	}
	for (i = 0; i < gw->routes.n; i++) {
		const struct routesel_entry *e = &gw->routes.v[i];
		const struct routesel_cand *c = routesel_choice(e);
		struct peer_routes *r;
		int64_t at = c ? by_id_find(ids, c->peer) : -1;

		if (at < 0)
			continue;
		r = &pr[at];
		r->hash = hash_prefix(r->hash, &e->prefix);
		if (avpnl_peer_add_route(&r->req, &e->prefix, false)) {
			log_msg(LOG_ERR, "out of memory building routes");
			r->peer = NULL; /* not this time: a partial set is no set */
			ok = false;
		}
	}
	for (i = 0; i < ids->n; i++) {
		struct gw_peer *p = pr[i].peer;
		int err;

		if (!p || !p->in_kernel || p->routes_hash == pr[i].hash) {
			avpnl_peer_clear(&pr[i].req);
			continue;
		}
		err = avpnl_peer_set(gw->nl, gw->ifindex, &pr[i].req);
		if (err) {
			log_msg(LOG_ERR, "%s: setting %zu route(s): %s", p->name,
				pr[i].req.n_routes, avpnl_errmsg(gw->nl) ?: strerror(-err));
			ok = false;
		} else {
			p->routes_hash = pr[i].hash;
		}
		avpnl_peer_clear(&pr[i].req);
	}
	free(pr);
	return ok;
}

/* Makes the VPN table what the routes say; false if it could not. */
static bool program_os(struct gw *gw)
{
	uint64_t t0 = clock_mono_ms();
	uint32_t before = kroute_count(gw->kr);
	struct prefix *v;
	int err;

	v = malloc((gw->routes.n ? gw->routes.n : 1) * sizeof(*v));
	if (!v)
		return false;
	for (uint32_t i = 0; i < gw->routes.n; i++)
		v[i] = gw->routes.v[i].prefix;
	err = kroute_sync(gw->kr, gw->conf->table, gw->ifindex, v, gw->routes.n);
	if (err)
		log_msg(LOG_ERR, "VPN routing table %u: %s", gw->conf->table,
			kroute_errmsg(gw->kr) ?: strerror(-err));
	else
		gw->table_dirty = false;
	/* What is installed: IPv6 prefixes are not, on a kernel without IPv6. */
	if (!err && before != kroute_count(gw->kr))
		log_msg(LOG_INFO, "VPN table %u: %u prefixes (was %u) in %llu ms", gw->conf->table,
			kroute_count(gw->kr), before, (unsigned long long)(clock_mono_ms() - t0));
	free(v);
	return !err;
}

/*
 * Something could not be programmed (no memory, the kernel refused a
 * route set or the table, a dump interrupted): try again in a moment, not
 * at the next change, which may never come while the wrong routes stay.
 */
static uint64_t retry_wait(struct gw *gw)
{
	gw->routes_backoff_ms =
		gw_backoff_next(gw->routes_backoff_ms, ROUTE_RETRY_MS, ROUTE_RETRY_MAX_MS);
	return gw->routes_backoff_ms;
}

static void retry_later(struct gw *gw)
{
	gw->routes_retry = true;
	loop_timer_start(gw->loop, &gw->route_timer, retry_wait(gw), 0);
}

void route_apply(struct gw *gw)
{
	uint64_t now = clock_mono_ms(), next, wait;
	struct by_id ids = { 0 };
	bool table = gw->table_dirty, retry = gw->routes_retry;
	uint32_t changed;

	if (!gw->routes_dirty && !table && !retry)
		return;
	gw->routes_dirty = false;
	gw->routes_retry = false;
	if (table && rebuild_table(gw)) {
		log_msg(LOG_ERR, "out of memory deciding routes");
		retry_later(gw); /* table_dirty is still set */
		return;
	}
	ids.n = gw->n_peers;
	ids.v = malloc((ids.n ? ids.n : 1) * sizeof(*ids.v));
	if (!ids.v) {
		log_msg(LOG_ERR, "out of memory deciding routes");
		gw->routes_dirty = true;
		retry_later(gw);
		return;
	}
	if (ids.n)
		memcpy(ids.v, gw->peers, ids.n * sizeof(*ids.v));
	qsort(ids.v, ids.n, sizeof(*ids.v), cmp_id);
	changed =
		routesel_decide(&gw->routes, peer_up_cb, &ids, now, gw->opts.hysteresis_ms, &next);
	if ((changed || table || retry) && !program_kernel(gw, &ids))
		gw->routes_retry = true;
	/* Down, av0 takes no routes; its coming up syncs the table (on_link). */
	if (table && (gw->dev_up || !gw->links) && !program_os(gw))
		gw->routes_retry = true;
	free(ids.v);
	if (gw->routes_retry) {
		wait = retry_wait(gw);
		if (next == UINT64_MAX || next > now + wait)
			next = now + wait;
	} else {
		gw->routes_backoff_ms = 0;
	}
	if (next != UINT64_MAX)
		loop_timer_start(gw->loop, &gw->route_timer, next > now ? next - now : 0, 0);
	if (changed)
		log_msg(LOG_INFO, "routes: %u decision(s) changed", changed);
}
