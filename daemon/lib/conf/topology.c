// SPDX-License-Identifier: GPL-2.0
/*
 * topology.c - peers, routes and allowed sources per network (rules and
 * output order are documented in topology.h).
 *
 * topology_build() precomputes, once per config:
 *  - the participating hubs in file order,
 *  - per hub, the spokes that list it (file order) and the hub's position
 *    in each such spoke's list (a CSR array: att_off/att/att_prio),
 *  - per network, its exported prefixes (CSR: exp_off/exp); empty for
 *    `off` networks, so they drop out everywhere without special cases.
 * topology_compute() then only walks what it emits: a hub's answer costs
 * O(hubs + its spokes + other hubs' spokes), a spoke's O(networks * hubs).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/topology.h"

struct topology {
	const struct orgconf *cfg;
	size_t n;	/* networks */
	uint32_t *hubs; /* participating hubs, file order */
	size_t n_hubs;
	uint32_t *ranked;   /* the same hubs by relay rank (topology.h), best first */
	uint32_t *rank;	    /* per network: its position in ranked, UINT32_MAX if no hub */
	uint32_t *att_off;  /* n + 1 */
	uint32_t *att;	    /* spokes attached to each hub */
	uint32_t *att_prio; /* that hub's position in the spoke's list */
	uint32_t *exp_off;  /* n + 1 */
	struct prefix *exp; /* exported prefixes by network */
};

void topology_free(struct topology *t)
{
	if (!t)
		return;
	free(t->hubs);
	free(t->ranked);
	free(t->rank);
	free(t->att_off);
	free(t->att);
	free(t->att_prio);
	free(t->exp_off);
	free(t->exp);
	free(t);
}

struct topology *topology_build(const struct orgconf *cfg)
{
	struct topology *t = calloc(1, sizeof(*t));
	size_t n = cfg->n_networks, i, j, n_exp = 0, n_att = 0;
	uint32_t *fill = NULL;

	if (!t)
		return NULL;
	t->cfg = cfg;
	t->n = n;
	for (i = 0; i < n; i++) {
		const struct orgconf_network *net = &cfg->networks[i];

		if (net->mode == ORGCONF_MODE_OFF)
			continue;
		for (j = 0; j < net->n_subnets; j++)
			n_exp += net->subnets[j].use_vpn;
		if (net->mode == ORGCONF_MODE_SPOKE)
			n_att += net->n_hubs;
		else
			t->n_hubs++;
	}
	t->hubs = malloc((t->n_hubs + 1) * sizeof(*t->hubs));
	t->ranked = malloc((t->n_hubs + 1) * sizeof(*t->ranked));
	t->rank = malloc((n + 1) * sizeof(*t->rank));
	t->att_off = calloc(n + 1, sizeof(*t->att_off));
	t->att = malloc((n_att + 1) * sizeof(*t->att));
	t->att_prio = malloc((n_att + 1) * sizeof(*t->att_prio));
	t->exp_off = calloc(n + 1, sizeof(*t->exp_off));
	t->exp = malloc((n_exp + 1) * sizeof(*t->exp));
	fill = calloc(n + 1, sizeof(*fill));
	if (!t->hubs || !t->ranked || !t->rank || !t->att_off || !t->att || !t->att_prio ||
	    !t->exp_off || !t->exp || !fill)
		goto fail;

	t->n_hubs = 0;
	n_exp = 0;
	for (i = 0; i < n; i++) {
		const struct orgconf_network *net = &cfg->networks[i];

		t->exp_off[i] = (uint32_t)n_exp;
		if (net->mode == ORGCONF_MODE_OFF)
			continue;
		if (net->mode == ORGCONF_MODE_HUB)
			t->hubs[t->n_hubs++] = (uint32_t)i;
		for (j = 0; j < net->n_subnets; j++)
			if (net->subnets[j].use_vpn)
				t->exp[n_exp++] = net->subnets[j].prefix;
		if (net->mode == ORGCONF_MODE_SPOKE)
			for (j = 0; j < net->n_hubs; j++)
				t->att_off[net->hubs[j].net + 1]++;
	}
	t->exp_off[n] = (uint32_t)n_exp;
	/*
	 * Relay rank: hubs with manual NAT traversal (reachable by anyone
	 * through their port forwarding) first, then the others, each in file
	 * order. Relays only ever go to a better-ranked hub (loop-free).
	 */
	for (i = 0; i < n; i++)
		t->rank[i] = UINT32_MAX;
	j = 0;
	for (int pass = 0; pass < 2; pass++)
		for (i = 0; i < t->n_hubs; i++)
			if (cfg->networks[t->hubs[i]].nat_manual == !pass) {
				t->rank[t->hubs[i]] = (uint32_t)j;
				t->ranked[j++] = t->hubs[i];
			}
	for (i = 0; i < n; i++)
		t->att_off[i + 1] += t->att_off[i];
	/* Counting sort: spokes land in each hub's bucket in file order. */
	for (i = 0; i < n; i++) {
		const struct orgconf_network *net = &cfg->networks[i];

		if (net->mode != ORGCONF_MODE_SPOKE)
			continue;
		for (j = 0; j < net->n_hubs; j++) {
			uint32_t h = net->hubs[j].net, pos = t->att_off[h] + fill[h]++;

			t->att[pos] = (uint32_t)i;
			t->att_prio[pos] = (uint32_t)j;
		}
	}
	free(fill);
	return t;
fail:
	free(fill);
	topology_free(t);
	return NULL;
}

size_t topology_peer_count(const struct topology *t, uint32_t net)
{
	const struct orgconf_network *n;

	if (net >= t->n)
		return 0;
	n = &t->cfg->networks[net];
	if (n->mode == ORGCONF_MODE_SPOKE)
		return n->n_hubs;
	if (n->mode == ORGCONF_MODE_HUB)
		return t->n_hubs - 1 + (t->att_off[net + 1] - t->att_off[net]);
	return 0;
}

bool topology_are_peers(const struct topology *t, uint32_t a, uint32_t b)
{
	const struct orgconf_network *na, *nb;

	if (a >= t->n || b >= t->n || a == b)
		return false;
	na = &t->cfg->networks[a];
	nb = &t->cfg->networks[b];
	if (na->mode == ORGCONF_MODE_OFF || nb->mode == ORGCONF_MODE_OFF)
		return false;
	if (na->mode == ORGCONF_MODE_HUB && nb->mode == ORGCONF_MODE_HUB)
		return true; /* hubs: full mesh */
	if (na->mode == ORGCONF_MODE_SPOKE && nb->mode == ORGCONF_MODE_SPOKE)
		return false;
	if (na->mode == ORGCONF_MODE_HUB) {
		const struct orgconf_network *tmp = na;

		na = nb;
		nb = tmp;
		b = a;
	}
	/* na is the spoke, b the hub. */
	for (size_t i = 0; i < na->n_hubs; i++)
		if (na->hubs[i].net == b)
			return true;
	return false;
}

/* Growing output arrays while a view is built. */
struct builder {
	struct topology_view *v;
	size_t cap_peers, cap_routes, cap_allowed;
	size_t *route_off, *allowed_off; /* per peer, fixed up at the end */
	bool oom;
};

static bool grow(void **arr, size_t n, size_t *cap, size_t elem, size_t more)
{
	size_t ncap = *cap ? *cap : 16;
	void *p;

	if (n + more <= *cap)
		return true;
	while (ncap < n + more)
		ncap *= 2;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

static struct topology_peer *add_peer(struct builder *b, const struct topology *t, uint32_t net,
				      uint32_t priority, uint32_t flags)
{
	struct topology_view *v = b->v;
	const struct orgconf_network *n = &t->cfg->networks[net];
	struct topology_peer *p;
	size_t cap = b->cap_peers;

	if (b->oom)
		return NULL;
	if (!grow((void **)&v->peers, v->n_peers, &b->cap_peers, sizeof(*v->peers), 1)) {
		b->oom = true;
		return NULL;
	}
	if (cap != b->cap_peers) {
		size_t *ro = realloc(b->route_off, b->cap_peers * sizeof(*ro));
		size_t *ao;

		if (ro)
			b->route_off = ro;
		ao = ro ? realloc(b->allowed_off, b->cap_peers * sizeof(*ao)) : NULL;
		if (ao)
			b->allowed_off = ao;
		if (!ro || !ao) {
			b->oom = true;
			return NULL;
		}
	}
	b->route_off[v->n_peers] = v->n_routes;
	b->allowed_off[v->n_peers] = v->n_allowed;
	p = &v->peers[v->n_peers++];
	memset(p, 0, sizeof(*p));
	p->net = net;
	p->network = n;
	p->role = n->mode;
	p->priority = priority;
	p->flags = flags;
	return p;
}

/* Routes for every exported prefix of @owner. */
static void add_routes(struct builder *b, const struct topology *t, uint32_t owner, uint32_t metric,
		       uint32_t flags)
{
	struct topology_view *v = b->v;
	size_t lo = t->exp_off[owner], hi = t->exp_off[owner + 1], i;

	if (b->oom || lo == hi)
		return;
	if (!grow((void **)&v->routes, v->n_routes, &b->cap_routes, sizeof(*v->routes), hi - lo)) {
		b->oom = true;
		return;
	}
	for (i = lo; i < hi; i++) {
		struct topology_route *r = &v->routes[v->n_routes++];

		r->prefix = t->exp[i];
		r->metric = metric;
		r->flags = flags;
		r->owner = owner;
	}
}

static void add_default_routes(struct builder *b, uint32_t metric)
{
	struct topology_view *v = b->v;
	int i;

	if (b->oom)
		return;
	if (!grow((void **)&v->routes, v->n_routes, &b->cap_routes, sizeof(*v->routes), 2)) {
		b->oom = true;
		return;
	}
	for (i = 0; i < 2; i++) {
		struct topology_route *r = &v->routes[v->n_routes++];

		prefix_default(&r->prefix, i ? AF_INET6 : AF_INET);
		r->metric = metric;
		r->flags = TOPOLOGY_ROUTE_DEFAULT;
		r->owner = TOPOLOGY_OWNER_NONE;
	}
}

static void add_allowed(struct builder *b, const struct topology *t, uint32_t owner)
{
	struct topology_view *v = b->v;
	size_t lo = t->exp_off[owner], hi = t->exp_off[owner + 1];

	if (b->oom || lo == hi)
		return;
	if (!grow((void **)&v->allowed, v->n_allowed, &b->cap_allowed, sizeof(*v->allowed),
		  hi - lo)) {
		b->oom = true;
		return;
	}
	memcpy(&v->allowed[v->n_allowed], &t->exp[lo], (hi - lo) * sizeof(*v->allowed));
	v->n_allowed += hi - lo;
}

static void add_allowed_any(struct builder *b)
{
	struct topology_view *v = b->v;

	if (b->oom)
		return;
	if (!grow((void **)&v->allowed, v->n_allowed, &b->cap_allowed, sizeof(*v->allowed), 2)) {
		b->oom = true;
		return;
	}
	prefix_default(&v->allowed[v->n_allowed++], AF_INET);
	prefix_default(&v->allowed[v->n_allowed++], AF_INET6);
}

static void compute_spoke(struct builder *b, const struct topology *t, uint32_t self)
{
	const struct orgconf_network *me = &t->cfg->networks[self];
	uint32_t j, o;

	for (j = 0; j < me->n_hubs; j++) {
		uint32_t hub = me->hubs[j].net;
		bool dflt = me->hubs[j].default_route;

		if (!add_peer(b, t, hub, j,
			      dflt ? TOPOLOGY_PEER_DEFAULT_ROUTE | TOPOLOGY_PEER_ALLOW_ANY : 0))
			return;
		add_routes(b, t, hub, 0, 0);
		if (dflt)
			add_default_routes(b, j);
		/* Everything else in the domain is reachable through this hub. */
		for (o = 0; o < t->n; o++)
			if (o != self && o != hub)
				add_routes(b, t, o, 1 + j, TOPOLOGY_ROUTE_TRANSIT);
		if (dflt) {
			add_allowed_any(b);
		} else {
			for (o = 0; o < t->n; o++)
				if (o != self)
					add_allowed(b, t, o);
		}
	}
}

static bool spoke_lists(const struct orgconf_network *spoke, uint32_t hub)
{
	size_t i;

	for (i = 0; i < spoke->n_hubs; i++)
		if (spoke->hubs[i].net == hub)
			return true;
	return false;
}

/*
 * The hubs @hub relays spoke @spoke's subnets through: the spoke's other
 * hubs ranked before @hub, best first, at most TOPOLOGY_MAX_RELAYS. Returns
 * how many (into out).
 */
static unsigned int spoke_relays(const struct topology *t, uint32_t spoke, uint32_t hub,
				 uint32_t out[TOPOLOGY_MAX_RELAYS])
{
	const struct orgconf_network *s = &t->cfg->networks[spoke];
	unsigned int k = 0;

	/* Selection by rank, smallest first; a spoke lists at most 16 hubs. */
	for (;;) {
		uint32_t best = UINT32_MAX, floor = k ? t->rank[out[k - 1]] : 0;

		for (size_t i = 0; i < s->n_hubs; i++) {
			uint32_t r = t->rank[s->hubs[i].net];

			if (r < t->rank[hub] && (k ? r > floor : true) &&
			    (best == UINT32_MAX || r < t->rank[best]))
				best = s->hubs[i].net;
		}
		if (best == UINT32_MAX || k == TOPOLOGY_MAX_RELAYS)
			return k;
		out[k++] = best;
	}
}

/*
 * Whether @via is among the hubs @hub relays hub @dst's subnets through:
 * the first TOPOLOGY_MAX_RELAYS hubs ranked before @hub, @dst left out;
 * its position in that list, or -1.
 */
static int hub_relay_pos(const struct topology *t, uint32_t hub, uint32_t dst, uint32_t via)
{
	uint32_t rv = t->rank[via];

	if (dst == hub || via == hub || via == dst || rv >= t->rank[hub])
		return -1;
	/* dst ranked before via (and before hub) moves via up one place. */
	if (t->rank[dst] < rv)
		rv--;
	return rv < TOPOLOGY_MAX_RELAYS ? (int)rv : -1;
}

static bool exports(const struct topology *t, uint32_t net)
{
	return t->exp_off[net + 1] > t->exp_off[net];
}

/*
 * Whether hub @from may send us (hub @self) traffic it relays, or traffic
 * relayed through it to us: then it forwards sources from anywhere in the
 * organization and we accept any (topology.h, "Relays").
 */
static bool relays_to(const struct topology *t, uint32_t self, uint32_t from)
{
	const struct orgconf *cfg = t->cfg;
	uint32_t via[TOPOLOGY_MAX_RELAYS];

	/* It relays one of our spokes (that is also its) through us. */
	for (uint32_t k = t->att_off[self]; k < t->att_off[self + 1]; k++) {
		unsigned int m;

		if (!spoke_lists(&cfg->networks[t->att[k]], from))
			continue;
		m = spoke_relays(t, t->att[k], from, via);

		for (unsigned int j = 0; j < m; j++)
			if (via[j] == self)
				return true;
	}
	for (size_t h = 0; h < t->n_hubs; h++) {
		uint32_t x = t->hubs[h];

		if (x == self || x == from)
			continue;
		/* It relays hub x's subnets through us ... */
		if (exports(t, x) && hub_relay_pos(t, from, x, self) >= 0)
			return true;
		/* ... or hub x relays ours through it. */
		if (exports(t, self) && hub_relay_pos(t, x, self, from) >= 0)
			return true;
	}
	return false;
}

/* Relay routes of @self through hub @via: its spokes', then other hubs' subnets. */
static void add_relay_routes(struct builder *b, const struct topology *t, uint32_t self,
			     uint32_t via)
{
	uint32_t out[TOPOLOGY_MAX_RELAYS];

	for (uint32_t k = t->att_off[self]; k < t->att_off[self + 1]; k++) {
		unsigned int m = spoke_relays(t, t->att[k], self, out);

		for (unsigned int j = 0; j < m; j++)
			if (out[j] == via)
				add_routes(b, t, t->att[k], TOPOLOGY_METRIC_RELAY + j,
					   TOPOLOGY_ROUTE_TRANSIT | TOPOLOGY_ROUTE_RELAY);
	}
	for (size_t h = 0; h < t->n_hubs; h++) {
		int pos = hub_relay_pos(t, self, t->hubs[h], via);

		if (pos >= 0)
			add_routes(b, t, t->hubs[h], TOPOLOGY_METRIC_RELAY + (uint32_t)pos,
				   TOPOLOGY_ROUTE_TRANSIT | TOPOLOGY_ROUTE_RELAY);
	}
}

static void compute_hub(struct builder *b, const struct topology *t, uint32_t self)
{
	const struct orgconf_network *me = &t->cfg->networks[self];
	const struct orgconf *cfg = t->cfg;
	size_t h, k;

	for (h = 0; h < t->n_hubs; h++) {
		uint32_t hub = t->hubs[h], exit_pos = UINT32_MAX, flags = 0;
		bool relay = relays_to(t, self, hub);

		if (hub == self)
			continue;
		for (k = 0; k < me->n_exit_hubs; k++)
			if (me->exit_hubs[k] == hub)
				exit_pos = (uint32_t)k;
		if (exit_pos != UINT32_MAX)
			flags = TOPOLOGY_PEER_DEFAULT_ROUTE | TOPOLOGY_PEER_EXIT_HUB |
				TOPOLOGY_PEER_ALLOW_ANY;
		if (relay)
			flags |= TOPOLOGY_PEER_RELAY | TOPOLOGY_PEER_ALLOW_ANY;
		if (!add_peer(b, t, hub, 0, flags))
			return;
		add_routes(b, t, hub, 0, 0);
		if (exit_pos != UINT32_MAX)
			add_default_routes(b, exit_pos);
		/*
		 * Spokes of that hub which do not list us are reached through
		 * it (we reach our own spokes only directly: loop-free).
		 */
		for (k = t->att_off[hub]; k < t->att_off[hub + 1]; k++)
			if (!spoke_lists(&cfg->networks[t->att[k]], self))
				add_routes(b, t, t->att[k], 1 + t->att_prio[k],
					   TOPOLOGY_ROUTE_TRANSIT);
		/* When a direct path is down: relayed through better-ranked hubs. */
		add_relay_routes(b, t, self, hub);
		if (flags & TOPOLOGY_PEER_ALLOW_ANY) {
			add_allowed_any(b);
		} else {
			add_allowed(b, t, hub);
			for (k = t->att_off[hub]; k < t->att_off[hub + 1]; k++)
				add_allowed(b, t, t->att[k]);
		}
	}
	for (k = t->att_off[self]; k < t->att_off[self + 1]; k++) {
		uint32_t spoke = t->att[k];

		if (!add_peer(b, t, spoke, t->att_prio[k], 0))
			return;
		add_routes(b, t, spoke, 0, 0);
		add_allowed(b, t, spoke);
	}
}

int topology_compute(const struct topology *t, uint32_t net, struct topology_view **out)
{
	struct builder b;
	struct topology_view *v;
	size_t i;

	*out = NULL;
	if (net >= t->n)
		return -EINVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	memset(&b, 0, sizeof(b));
	b.v = v;
	v->self = net;
	v->mode = t->cfg->networks[net].mode;
	if (v->mode == ORGCONF_MODE_SPOKE)
		compute_spoke(&b, t, net);
	else if (v->mode == ORGCONF_MODE_HUB)
		compute_hub(&b, t, net);
	if (b.oom) {
		free(b.route_off);
		free(b.allowed_off);
		topology_view_free(v);
		return -ENOMEM;
	}
	/* The arrays no longer move: point each peer at its slices. */
	for (i = 0; i < v->n_peers; i++) {
		size_t r_end = i + 1 < v->n_peers ? b.route_off[i + 1] : v->n_routes;
		size_t a_end = i + 1 < v->n_peers ? b.allowed_off[i + 1] : v->n_allowed;

		/* No array at all when nobody has any (NULL + 0 is undefined in C). */
		v->peers[i].routes = v->routes ? v->routes + b.route_off[i] : NULL;
		v->peers[i].n_routes = r_end - b.route_off[i];
		v->peers[i].allowed = v->allowed ? v->allowed + b.allowed_off[i] : NULL;
		v->peers[i].n_allowed = a_end - b.allowed_off[i];
	}
	free(b.route_off);
	free(b.allowed_off);
	*out = v;
	return 0;
}

void topology_view_free(struct topology_view *v)
{
	if (!v)
		return;
	free(v->peers);
	free(v->routes);
	free(v->allowed);
	free(v);
}

const struct topology_peer *topology_view_find_peer(const struct topology_view *v, uint32_t net)
{
	size_t i;

	for (i = 0; i < v->n_peers; i++)
		if (v->peers[i].net == net)
			return &v->peers[i];
	return NULL;
}
