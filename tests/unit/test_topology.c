// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/lib/conf/topology.c.
 *
 *  - table-driven: small orgs, the expected view of one network written
 *    out as text (peers, flags, routes with metric, allowed sources);
 *  - property: random orgs, a packet from every network to every exported
 *    subnet is forwarded hop by hop along the best routes (also with a hub
 *    down) and must arrive within 3 hops, passing every allowed-sources check;
 *  - scale: 2 hubs with 10,000 spokes.
 */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/orgconf.h"
#include "conf/topology.h"

struct net_spec {
	const char *name, *mode, *lines; /* lines: extra "key = value\n" lines */
};

/* Appends to a growing string. */
struct str {
	char *s;
	size_t len, cap;
};

static void sadd(struct str *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sadd(struct str *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		ck_assert_int_ge(n, 0);
		if (b->s && b->len + (size_t)n < b->cap)
			break;
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		ck_assert_ptr_nonnull(b->s);
	}
	b->len += (size_t)n;
}

/* A distinct, valid public key for network number @i. */
static void key_for(char out[KEY_B64_SIZE], unsigned int i)
{
	uint8_t k[KEY_LEN] = { 0 };

	k[0] = 9; /* not 1: that is a low-order point, refused */
	k[1] = (uint8_t)i;
	k[2] = (uint8_t)(i >> 8);
	k[3] = (uint8_t)(i >> 16);
	key_to_base64(out, k);
}

static void org_header(struct str *b)
{
	sadd(b, "[organization]\nname = Test\nregistry-private-key = r.key\n"
		"psk-secret = DtkFn34kb6Tvq65xu4olhA5rbmRtN5wOY+R6Qh+yTUM=\n");
}

static struct orgconf *build(const struct net_spec *nets)
{
	struct str b = { 0 };
	struct errlist e = ERRLIST_INIT;
	struct orgconf *cfg;
	char key[KEY_B64_SIZE];
	unsigned int i;

	org_header(&b);
	for (i = 0; nets[i].name; i++) {
		key_for(key, i);
		sadd(&b, "[network \"%s\"]\npublic-key = %s\nmode = %s\n%s", nets[i].name, key,
		     nets[i].mode, nets[i].lines ? nets[i].lines : "");
	}
	if (orgconf_load_buffer("t.conf", b.s, b.len, ORGCONF_SKIP_FILES, &cfg, &e)) {
		errlist_print(&e, stderr);
		ck_abort_msg("test config does not load:\n%s", b.s);
	}
	errlist_free(&e);
	free(b.s);
	return cfg;
}

static void fmt_view(struct str *b, const struct topology_view *v)
{
	char buf[ENDPOINT_STRLEN];
	size_t i, j;

	for (i = 0; i < v->n_peers; i++) {
		const struct topology_peer *p = &v->peers[i];

		sadd(b, "%s %s p%u%s%s%s%s", p->network->name, orgconf_mode_name(p->role),
		     p->priority, p->flags & TOPOLOGY_PEER_DEFAULT_ROUTE ? " D" : "",
		     p->flags & TOPOLOGY_PEER_EXIT_HUB ? " X" : "",
		     p->flags & TOPOLOGY_PEER_ALLOW_ANY ? " A" : "",
		     p->flags & TOPOLOGY_PEER_RELAY ? " R" : "");
		for (j = 0; orgconf_manual_endpoint(p->network, (unsigned int)j); j++)
			sadd(b, "%s%s", j ? "," : " nat=",
			     endpoint_format(orgconf_manual_endpoint(p->network, (unsigned int)j),
					     buf, sizeof(buf)));
		sadd(b, "\n  routes:");
		for (j = 0; j < p->n_routes; j++) {
			const struct topology_route *r = &p->routes[j];

			sadd(b, " %s@%u%s%s%s", prefix_format(&r->prefix, buf, sizeof(buf)),
			     r->metric, r->flags & TOPOLOGY_ROUTE_DEFAULT ? "D" : "",
			     r->flags & TOPOLOGY_ROUTE_TRANSIT ? "T" : "",
			     r->flags & TOPOLOGY_ROUTE_RELAY ? "R" : "");
		}
		sadd(b, "\n  allowed:");
		for (j = 0; j < p->n_allowed; j++)
			sadd(b, " %s", prefix_format(&p->allowed[j], buf, sizeof(buf)));
		sadd(b, "\n");
	}
}

struct view_case {
	const char *title;
	struct net_spec nets[8];
	const char *view_of;
	const char *expect;
};

static const struct view_case cases[] = {
	{ "all hubs: full mesh, direct routes only",
	  { { "A", "hub", "subnet = 10.1.0.0/16 yes\n" },
	    { "B", "hub", "subnet = 10.2.0.0/16 yes\nsubnet = fd00:2::/64 yes\n" },
	    { "C", "hub", "subnet = 10.3.0.0/16 yes\n" } },
	  "A",
	  /* A ranks first: it relays nothing, but B and C relay through it. */
	  "B hub p0 A R\n  routes: 10.2.0.0/16@0 fd00:2::/64@0\n  allowed: 0.0.0.0/0 ::/0\n"
	  "C hub p0 A R\n  routes: 10.3.0.0/16@0\n  allowed: 0.0.0.0/0 ::/0\n" },

	{ "hub mesh: the last-ranked hub relays each other hub through the others",
	  { { "A", "hub", "subnet = 10.1.0.0/16 yes\n" },
	    { "B", "hub", "subnet = 10.2.0.0/16 yes\nsubnet = fd00:2::/64 yes\n" },
	    { "C", "hub", "subnet = 10.3.0.0/16 yes\n" } },
	  "C",
	  "A hub p0 A R\n  routes: 10.1.0.0/16@0 10.2.0.0/16@64TR fd00:2::/64@64TR\n"
	  "  allowed: 0.0.0.0/0 ::/0\n"
	  "B hub p0\n  routes: 10.2.0.0/16@0 fd00:2::/64@0 10.1.0.0/16@64TR\n"
	  "  allowed: 10.2.0.0/16 fd00:2::/64\n" },

	{ "manual NAT traversal ranks a hub first for relays",
	  { { "A", "hub", "subnet = 10.1.0.0/16 yes\n" },
	    { "B", "hub", "subnet = 10.2.0.0/16 yes\n" },
	    { "C", "hub", "subnet = 10.3.0.0/16 yes\nnat-traversal = manual 203.0.113.3:51625\n" } },
	  "A",
	  "B hub p0 A R\n  routes: 10.2.0.0/16@0\n  allowed: 0.0.0.0/0 ::/0\n"
	  "C hub p0 A R nat=203.0.113.3:51625\n  routes: 10.3.0.0/16@0 10.2.0.0/16@64TR\n"
	  "  allowed: 0.0.0.0/0 ::/0\n" },

	{ "spoke with 2 hubs in priority order",
	  { { "H1", "hub", "subnet = 10.1.0.0/16 yes\n" },
	    { "H2", "hub", "subnet = 10.2.0.0/16 yes\n" },
	    { "S1", "spoke",
	      "hub = H1\nhub = H2\nsubnet = 10.11.0.0/24 yes\nsubnet = 10.99.0.0/24 no\n" },
	    { "S2", "spoke", "hub = H2\nhub = H1\nsubnet = 10.12.0.0/24 yes\n" } },
	  "S1",
	  "H1 hub p0\n  routes: 10.1.0.0/16@0 10.2.0.0/16@1T 10.12.0.0/24@1T\n"
	  "  allowed: 10.1.0.0/16 10.2.0.0/16 10.12.0.0/24\n"
	  "H2 hub p1\n  routes: 10.2.0.0/16@0 10.1.0.0/16@2T 10.12.0.0/24@2T\n"
	  "  allowed: 10.1.0.0/16 10.2.0.0/16 10.12.0.0/24\n" },

	{ "hub sees other hubs, then the spokes that list it (with their priority)",
	  { { "H1", "hub", "subnet = 10.1.0.0/16 yes\n" },
	    { "H2", "hub", "subnet = 10.2.0.0/16 yes\n" },
	    { "S1", "spoke",
	      "hub = H1\nhub = H2\nsubnet = 10.11.0.0/24 yes\nsubnet = 10.99.0.0/24 no\n" },
	    { "S2", "spoke", "hub = H2\nhub = H1\nsubnet = 10.12.0.0/24 yes\n" } },
	  "H1",
	  "H2 hub p0 A R\n  routes: 10.2.0.0/16@0\n  allowed: 0.0.0.0/0 ::/0\n"
	  "S1 spoke p0\n  routes: 10.11.0.0/24@0\n  allowed: 10.11.0.0/24\n"
	  "S2 spoke p1\n  routes: 10.12.0.0/24@0\n  allowed: 10.12.0.0/24\n" },

	{ "a hub relays its spokes through their other, better-ranked hubs",
	  { { "H1", "hub", "subnet = 10.1.0.0/16 yes\n" },
	    { "H2", "hub", "subnet = 10.2.0.0/16 yes\n" },
	    { "S1", "spoke",
	      "hub = H1\nhub = H2\nsubnet = 10.11.0.0/24 yes\nsubnet = 10.99.0.0/24 no\n" },
	    { "S2", "spoke", "hub = H2\nhub = H1\nsubnet = 10.12.0.0/24 yes\n" },
	    { "S3", "spoke", "hub = H2\nsubnet = 10.13.0.0/24 yes\n" } },
	  "H2",
	  "H1 hub p0\n  routes: 10.1.0.0/16@0 10.11.0.0/24@64TR 10.12.0.0/24@64TR\n"
	  "  allowed: 10.1.0.0/16 10.11.0.0/24 10.12.0.0/24\n"
	  "S1 spoke p1\n  routes: 10.11.0.0/24@0\n  allowed: 10.11.0.0/24\n"
	  "S2 spoke p0\n  routes: 10.12.0.0/24@0\n  allowed: 10.12.0.0/24\n"
	  "S3 spoke p0\n  routes: 10.13.0.0/24@0\n  allowed: 10.13.0.0/24\n" },

	{ "spoke to spoke goes through a hub",
	  { { "H1", "hub", "subnet = 10.1.0.0/16 yes\n" },
	    { "H2", "hub", "subnet = 10.2.0.0/16 yes\n" },
	    { "S1", "spoke", "hub = H1\nsubnet = 10.11.0.0/24 yes\n" },
	    { "S2", "spoke", "hub = H2\nsubnet = 10.12.0.0/24 yes\n" },
	    { "S3", "spoke", "hub = H2\nhub = H1\nsubnet = 10.13.0.0/24 yes\n" } },
	  "S1",
	  "H1 hub p0\n  routes: 10.1.0.0/16@0 10.2.0.0/16@1T 10.12.0.0/24@1T 10.13.0.0/24@1T\n"
	  "  allowed: 10.1.0.0/16 10.2.0.0/16 10.12.0.0/24 10.13.0.0/24\n" },

	{ "hub reaches other hubs' spokes through them, its own spokes directly",
	  { { "H1", "hub", "subnet = 10.1.0.0/16 yes\n" },
	    { "H2", "hub", "subnet = 10.2.0.0/16 yes\n" },
	    { "S1", "spoke", "hub = H1\nsubnet = 10.11.0.0/24 yes\n" },
	    { "S2", "spoke", "hub = H2\nsubnet = 10.12.0.0/24 yes\n" },
	    { "S3", "spoke", "hub = H2\nhub = H1\nsubnet = 10.13.0.0/24 yes\n" } },
	  "H1",
	  "H2 hub p0 A R\n  routes: 10.2.0.0/16@0 10.12.0.0/24@1T\n"
	  "  allowed: 0.0.0.0/0 ::/0\n"
	  "S1 spoke p0\n  routes: 10.11.0.0/24@0\n  allowed: 10.11.0.0/24\n"
	  "S3 spoke p1\n  routes: 10.13.0.0/24@0\n  allowed: 10.13.0.0/24\n" },

	{ "exit hubs: full tunnel in a mesh, in exit-hub order",
	  { { "A", "hub", "subnet = 10.1.0.0/16 yes\nexit-hub = C\nexit-hub = B\n" },
	    { "B", "hub", "subnet = 10.2.0.0/16 yes\n" },
	    { "C", "hub", "subnet = 10.3.0.0/16 yes\n" } },
	  "A",
	  "B hub p0 D X A R\n  routes: 10.2.0.0/16@0 0.0.0.0/0@1D ::/0@1D\n  allowed: 0.0.0.0/0 ::/0\n"
	  "C hub p0 D X A R\n  routes: 10.3.0.0/16@0 0.0.0.0/0@0D ::/0@0D\n  allowed: 0.0.0.0/0 ::/0\n" },

	{ "exit hub itself: no default route back",
	  { { "A", "hub", "subnet = 10.1.0.0/16 yes\nexit-hub = C\nexit-hub = B\n" },
	    { "B", "hub", "subnet = 10.2.0.0/16 yes\n" },
	    { "C", "hub", "subnet = 10.3.0.0/16 yes\n" } },
	  "C",
	  "A hub p0 A R\n  routes: 10.1.0.0/16@0 10.2.0.0/16@64TR\n  allowed: 0.0.0.0/0 ::/0\n"
	  "B hub p0\n  routes: 10.2.0.0/16@0 10.1.0.0/16@64TR\n  allowed: 10.2.0.0/16\n" },

	{ "default-route hub: full tunnel in hub-and-spoke",
	  { { "H1", "hub", "subnet = 10.1.0.0/16 yes\n" },
	    { "H2", "hub", "subnet = 10.2.0.0/16 yes\n" },
	    { "S", "spoke", "hub = \"H1\" default-route\nhub = H2\nsubnet = 10.11.0.0/24 yes\n" } },
	  "S",
	  "H1 hub p0 D A\n  routes: 10.1.0.0/16@0 0.0.0.0/0@0D ::/0@0D 10.2.0.0/16@1T\n"
	  "  allowed: 0.0.0.0/0 ::/0\n"
	  "H2 hub p1\n  routes: 10.2.0.0/16@0 10.1.0.0/16@2T\n  allowed: 10.1.0.0/16 10.2.0.0/16\n" },

	{ "use-vpn no and off networks are left out (hub view)",
	  { { "H", "hub", "subnet = 10.1.0.0/16 yes\nsubnet = 192.168.0.0/24 no\n" },
	    { "O", "off", "hub = H\nsubnet = 10.5.0.0/16 yes\n" },
	    { "S", "spoke", "hub = H\nsubnet = 10.11.0.0/24 yes\nsubnet = 10.12.0.0/24 no\n" },
	    { "G", "hub", "" } },
	  "H",
	  "G hub p0\n  routes:\n  allowed:\n"
	  "S spoke p0\n  routes: 10.11.0.0/24@0\n  allowed: 10.11.0.0/24\n" },

	{ "use-vpn no and off networks are left out (spoke view)",
	  { { "H", "hub", "subnet = 10.1.0.0/16 yes\nsubnet = 192.168.0.0/24 no\n" },
	    { "O", "off", "hub = H\nsubnet = 10.5.0.0/16 yes\n" },
	    { "S", "spoke", "hub = H\nsubnet = 10.11.0.0/24 yes\nsubnet = 10.12.0.0/24 no\n" } },
	  "S",
	  "H hub p0\n  routes: 10.1.0.0/16@0\n  allowed: 10.1.0.0/16\n" },

	{ "an off network has no peers",
	  { { "H", "hub", "subnet = 10.1.0.0/16 yes\n" },
	    { "O", "off", "hub = H\nsubnet = 10.5.0.0/16 yes\n" } },
	  "O",
	  "" },

	{ "manual NAT traversal endpoints are carried to peers",
	  { { "H", "hub", "nat-traversal = manual 203.0.113.5:51625 [2001:db8::5]:51626\n" },
	    { "S", "spoke", "hub = H\n" } },
	  "S",
	  "H hub p0 nat=203.0.113.5:51625,[2001:db8::5]:51626\n  routes:\n  allowed:\n" },
};

START_TEST(table)
{
	const struct view_case *c = &cases[_i];
	struct orgconf *cfg = build(c->nets);
	const struct orgconf_network *n = orgconf_find_network(cfg, c->view_of);
	struct topology_view *v;
	struct str got = { 0 };

	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(topology_compute(orgconf_topology(cfg), n->index, &v), 0);
	sadd(&got, "%s", "");
	fmt_view(&got, v);
	ck_assert_msg(!strcmp(got.s, c->expect), "%s: view of %s is\n%s\nexpected\n%s", c->title,
		      c->view_of, got.s, c->expect);
	ck_assert_uint_eq(topology_peer_count(orgconf_topology(cfg), n->index), v->n_peers);
	ck_assert_uint_eq(v->self, n->index);
	free(got.s);
	topology_view_free(v);
	orgconf_free(cfg);
}
END_TEST

START_TEST(bad_index)
{
	static const struct net_spec nets[] = { { "H", "hub", "" }, { 0 } };
	struct orgconf *cfg = build(nets);
	struct topology_view *v = (struct topology_view *)1;

	ck_assert_int_eq(topology_compute(orgconf_topology(cfg), 1, &v), -EINVAL);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(topology_peer_count(orgconf_topology(cfg), 7), 0);
	ck_assert_int_eq(topology_compute(orgconf_topology(cfg), 0, &v), 0);
	ck_assert_uint_eq(v->n_peers, 0);
	ck_assert_ptr_null(topology_view_find_peer(v, 0));
	topology_view_free(v);
	orgconf_free(cfg);
}
END_TEST

/* --- property test ------------------------------------------------------- */

/*
 * A failure: at most one network down, and a set of pairs of networks whose
 * direct link is down (both behind unfriendly NAT, a firewall between them).
 */
struct failure {
	uint32_t down; /* UINT32_MAX: none */
	uint32_t links[8][2];
	unsigned int n_links;
};

static bool link_up(const struct failure *f, uint32_t a, uint32_t b)
{
	if (a == f->down || b == f->down)
		return false;
	for (unsigned int i = 0; i < f->n_links; i++)
		if ((f->links[i][0] == a && f->links[i][1] == b) ||
		    (f->links[i][0] == b && f->links[i][1] == a))
			return false;
	return true;
}

/*
 * What a gateway does (routesel): for exactly @dst, the lowest-metric route
 * whose peer is reachable from @cur; NULL if none.
 */
static const struct topology_peer *next_hop(const struct topology_view *v, const struct prefix *dst,
					    uint32_t cur, const struct failure *f)
{
	const struct topology_peer *best = NULL;
	uint32_t best_metric = UINT32_MAX;
	size_t i, j;

	for (i = 0; i < v->n_peers; i++) {
		const struct topology_peer *p = &v->peers[i];

		if (!link_up(f, cur, p->net))
			continue;
		for (j = 0; j < p->n_routes; j++)
			if (prefix_equal(&p->routes[j].prefix, dst) &&
			    p->routes[j].metric < best_metric) {
				best = p;
				best_metric = p->routes[j].metric;
			}
	}
	return best;
}

static bool allowed_from(const struct topology_peer *p, const struct prefix *src)
{
	size_t i;

	for (i = 0; i < p->n_allowed; i++)
		if (prefix_contains(&p->allowed[i], src))
			return true;
	return false;
}

/* The relay rank of the docs: manual NAT traversal first, then file order. */
static uint32_t rank_of(const struct orgconf *cfg, uint32_t hub)
{
	uint32_t r = 0;

	for (uint32_t i = 0; i < cfg->n_networks; i++) {
		const struct orgconf_network *n = &cfg->networks[i];

		if (n->mode != ORGCONF_MODE_HUB || i == hub)
			continue;
		if (n->nat_manual > cfg->networks[hub].nat_manual ||
		    (n->nat_manual == cfg->networks[hub].nat_manual && i < hub))
			r++;
	}
	return r;
}

static bool lists(const struct orgconf_network *spoke, uint32_t hub)
{
	for (size_t i = 0; i < spoke->n_hubs; i++)
		if (spoke->hubs[i].net == hub)
			return true;
	return false;
}

/*
 * What docs/configuration.md promises with one direct link down: traffic
 * for owner @o standing at @n still finds a way, if
 *  - @o is a hub: a third hub ranked before @n relays it;
 *  - @o is a spoke of @n: another hub of @o ranked before @n relays it;
 *  - @o is another hub's spoke: @o has a second hub (transit);
 *  - @n is a spoke: it has a second hub.
 * (Exactly one link is down, so the others are up.)
 */
static bool promised(const struct orgconf *cfg, uint32_t n, uint32_t o)
{
	const struct orgconf_network *nn = &cfg->networks[n], *on = &cfg->networks[o];

	if (nn->mode == ORGCONF_MODE_SPOKE)
		return nn->n_hubs > 1;
	if (on->mode == ORGCONF_MODE_HUB) {
		for (uint32_t h = 0; h < cfg->n_networks; h++)
			if (h != n && h != o && cfg->networks[h].mode == ORGCONF_MODE_HUB &&
			    rank_of(cfg, h) < rank_of(cfg, n))
				return true;
		return false;
	}
	if (lists(on, n)) {
		for (size_t i = 0; i < on->n_hubs; i++)
			if (on->hubs[i].net != n && rank_of(cfg, on->hubs[i].net) < rank_of(cfg, n))
				return true;
		return false;
	}
	return on->n_hubs > 1;
}

/* Can network @net reach any hub (or is it a live hub)? */
static bool has_live_hub(const struct orgconf *cfg, uint32_t net, const struct failure *f)
{
	const struct orgconf_network *n = &cfg->networks[net];
	size_t i;

	if (n->mode == ORGCONF_MODE_HUB)
		return net != f->down;
	for (i = 0; i < n->n_hubs; i++)
		if (link_up(f, net, n->hubs[i].net))
			return true;
	return false;
}

static unsigned int rnd(unsigned int *seed, unsigned int n)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) % n;
}

static struct orgconf *random_org(unsigned int seed)
{
	unsigned int nh = 1 + rnd(&seed, 4), ns = rnd(&seed, 9), no = rnd(&seed, 2), i, j;
	struct str b = { 0 };
	struct errlist e = ERRLIST_INIT;
	struct orgconf *cfg;
	char key[KEY_B64_SIZE];
	unsigned int net = 0;

	org_header(&b);
	for (i = 0; i < nh + ns + no; i++, net++) {
		const char *mode = i < nh ? "hub" : i < nh + ns ? "spoke" : "off";

		key_for(key, net);
		sadd(&b, "[network \"N%u\"]\npublic-key = %s\nmode = %s\n", i, key, mode);
		for (j = 0; j < 1 + rnd(&seed, 2); j++)
			sadd(&b, "subnet = 10.%u.%u.0/24 %s\n", i, j, rnd(&seed, 4) ? "yes" : "no");
		if (i < nh) {
			unsigned int start = rnd(&seed, nh),
				     cnt = rnd(&seed, 3) ? 0 : rnd(&seed, nh);

			/* Only earlier hubs: exit hubs must not form a loop. */
			for (j = 0; j < cnt; j++)
				if ((start + j) % nh < i)
					sadd(&b, "exit-hub = N%u\n", (start + j) % nh);
		} else if (i < nh + ns) {
			unsigned int start = rnd(&seed, nh), cnt = 1 + rnd(&seed, nh);

			for (j = 0; j < cnt; j++)
				sadd(&b, "hub = \"N%u\"%s\n", (start + j) % nh,
				     rnd(&seed, 5) ? "" : " default-route");
		}
	}
	if (orgconf_load_buffer("t.conf", b.s, b.len, ORGCONF_SKIP_FILES, &cfg, &e)) {
		errlist_print(&e, stderr);
		ck_abort_msg("random org does not load:\n%s", b.s);
	}
	errlist_free(&e);
	free(b.s);
	return cfg;
}

enum expect { MUST_ARRIVE, PROMISE, NO_LOOP };

struct walk_stats {
	size_t arrived, dead_ends, walks;
};

/*
 * Forwards a packet from every network to every exported subnet, hop by hop
 * along each gateway's best reachable route, under failure @f: it must never
 * come back to a network it passed (a loop), every hop must accept its
 * source, and, depending on @e, it must arrive (MUST_ARRIVE), or arrive
 * unless it ends where no promise was made (PROMISE).
 */
static void walk_all(const struct orgconf *cfg, struct topology_view **views, unsigned int seed,
		     const struct failure *f, enum expect e, struct walk_stats *st)
{
	size_t n = cfg->n_networks, x, o, s;
	uint8_t *seen = calloc(n, 1);

	ck_assert_ptr_nonnull(seen);
	for (x = 0; x < n; x++) {
		const struct orgconf_network *src = &cfg->networks[x];
		const struct prefix *sp = NULL;

		if (src->mode == ORGCONF_MODE_OFF || x == f->down ||
		    !has_live_hub(cfg, (uint32_t)x, f))
			continue;
		for (s = 0; s < src->n_subnets && !sp; s++)
			if (src->subnets[s].use_vpn)
				sp = &src->subnets[s].prefix;
		for (o = 0; o < n; o++) {
			const struct orgconf_network *dst = &cfg->networks[o];

			if (o == x || o == f->down || dst->mode == ORGCONF_MODE_OFF ||
			    !has_live_hub(cfg, (uint32_t)o, f))
				continue;
			for (s = 0; s < dst->n_subnets; s++) {
				const struct prefix *dp = &dst->subnets[s].prefix;
				uint32_t cur = (uint32_t)x;

				if (!dst->subnets[s].use_vpn)
					continue;
				memset(seen, 0, n);
				seen[x] = 1;
				st->walks++;
				while (cur != o) {
					const struct topology_peer *p =
						next_hop(views[cur], dp, cur, f);
					const struct topology_peer *back;

					if (!p) {
						st->dead_ends++;
						ck_assert_msg(
							e == NO_LOOP ||
								(e == PROMISE &&
								 !promised(cfg, cur, (uint32_t)o)),
							"seed %u down %d links %u (%u-%u): N%u has "
							"no way to %s's subnet (from N%zu)",
							seed, (int)f->down, f->n_links,
							f->links[0][0], f->links[0][1], cur,
							dst->name, x);
						break;
					}
					back = topology_view_find_peer(views[p->net], cur);
					ck_assert_msg(back,
						      "seed %u: N%u routes via N%u "
						      "which does not peer back",
						      seed, cur, p->net);
					if (sp)
						ck_assert_msg(allowed_from(back, sp),
							      "seed %u links %u: N%u drops N%zu's "
							      "traffic from N%u",
							      seed, f->n_links, p->net, x, cur);
					ck_assert_msg(!seen[p->net],
						      "seed %u down %d links %u: loop from N%zu to "
						      "%s at N%u",
						      seed, (int)f->down, f->n_links, x, dst->name,
						      p->net);
					seen[p->net] = 1;
					cur = p->net;
				}
				st->arrived += cur == o;
			}
		}
	}
	free(seen);
}

/*
 * Random orgs: everything up, each hub down, each single direct link down,
 * and random sets of direct links down (with and without a hub down).
 */
START_TEST(forwarding_reaches_every_subnet)
{
	struct walk_stats all = { 0 }, single = { 0 }, multi = { 0 };
	unsigned int seed;

	for (seed = 1; seed <= 300; seed++) {
		struct orgconf *cfg = random_org(seed);
		const struct topology *t = orgconf_topology(cfg);
		size_t n = cfg->n_networks, x, s, d;
		struct topology_view **views = calloc(n, sizeof(*views));
		unsigned int rs = seed * 7919;

		for (x = 0; x < n; x++)
			ck_assert_int_eq(topology_compute(t, (uint32_t)x, &views[x]), 0);
		for (d = 0; d <= n; d++) {
			struct failure f = { .down = d == n ? UINT32_MAX : (uint32_t)d };

			if (f.down != UINT32_MAX && cfg->networks[f.down].mode != ORGCONF_MODE_HUB)
				continue;
			walk_all(cfg, views, seed, &f, MUST_ARRIVE, &all);
		}
		/* Every peering link down, one at a time. */
		for (x = 0; x < n; x++)
			for (s = 0; s < views[x]->n_peers; s++) {
				struct failure f = { .down = UINT32_MAX, .n_links = 1 };

				if (views[x]->peers[s].net < x)
					continue;
				f.links[0][0] = (uint32_t)x;
				f.links[0][1] = views[x]->peers[s].net;
				walk_all(cfg, views, seed, &f, PROMISE, &single);
			}
		/* Random sets of links down, sometimes a hub too: never a loop. */
		for (int k = 0; k < 10; k++) {
			struct failure f = { .down = UINT32_MAX };
			unsigned int want = 1 + rnd(&rs, 6);

			if (!rnd(&rs, 3))
				f.down = rnd(&rs, (unsigned int)n);
			for (unsigned int tries = 0; f.n_links < want && tries < 50; tries++) {
				uint32_t a = rnd(&rs, (unsigned int)n);

				if (!views[a]->n_peers)
					continue;
				f.links[f.n_links][0] = a;
				f.links[f.n_links][1] =
					views[a]->peers[rnd(&rs, (unsigned int)views[a]->n_peers)]
						.net;
				f.n_links++;
			}
			walk_all(cfg, views, seed, &f, NO_LOOP, &multi);
		}
		/* no network peers with an off network, and peering is symmetric */
		for (x = 0; x < n; x++)
			for (s = 0; s < views[x]->n_peers; s++) {
				uint32_t p = views[x]->peers[s].net;

				ck_assert(cfg->networks[p].mode != ORGCONF_MODE_OFF);
				ck_assert(topology_view_find_peer(views[p], (uint32_t)x));
			}
		/* topology_are_peers() says exactly what the views say */
		for (x = 0; x < n; x++)
			for (d = 0; d < n + 1; d++)
				ck_assert_int_eq(topology_are_peers(t, (uint32_t)x, (uint32_t)d),
						 d < n && topology_view_find_peer(
								  views[x], (uint32_t)d) != NULL);
		for (x = 0; x < n; x++)
			topology_view_free(views[x]);
		free(views);
		orgconf_free(cfg);
	}
	printf("forwarding: %zu walks all up/one hub down (all arrived); one link down: %zu "
	       "walks, %zu arrived, %zu ended where nothing is promised; several links "
	       "down: %zu walks, %zu arrived, no loop\n",
	       all.walks, single.walks, single.arrived, single.dead_ends, multi.walks,
	       multi.arrived);
	ck_assert_uint_gt(all.walks, 1000);
	ck_assert_uint_eq(all.arrived, all.walks);
	ck_assert_uint_gt(single.walks, 1000);
	ck_assert_uint_gt(single.arrived, single.walks * 9 / 10);
	ck_assert_uint_gt(multi.walks, 1000);
}
END_TEST

/* --- scale --------------------------------------------------------------- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

START_TEST(ten_thousand_spokes)
{
	const unsigned int spokes = 10000;
	struct str b = { 0 };
	struct errlist e = ERRLIST_INIT;
	struct orgconf *cfg;
	struct topology_view *v;
	char key[KEY_B64_SIZE];
	double t0, t_load, t_hub, t_spokes;
	unsigned int i;

	org_header(&b);
	for (i = 0; i < 2; i++) {
		key_for(key, i);
		sadd(&b,
		     "[network \"Hub %u\"]\npublic-key = %s\nmode = hub\nsubnet = 10.%u.0.0/16 "
		     "yes\n",
		     i, key, 250 + i);
	}
	for (i = 0; i < spokes; i++) {
		key_for(key, 2 + i);
		sadd(&b,
		     "[network \"Spoke %u\"]\npublic-key = %s\nmode = spoke\nhub = Hub %u\nhub = "
		     "Hub %u\n"
		     "subnet = \"LAN\" 10.%u.%u.0/24 yes\nsubnet = \"Guest\" 172.16.0.0/24 no\n",
		     i, key, i % 2, 1 - i % 2, i / 256, i % 256);
	}
	t0 = now_ms();
	ck_assert_int_eq(orgconf_load_buffer("big.conf", b.s, b.len, ORGCONF_SKIP_FILES, &cfg, &e),
			 0);
	t_load = now_ms() - t0;

	t0 = now_ms();
	ck_assert_int_eq(topology_compute(orgconf_topology(cfg), 0, &v), 0);
	t_hub = now_ms() - t0;
	ck_assert_uint_eq(v->n_peers, 1 + spokes);
	ck_assert_uint_eq(v->n_routes, 1 + spokes);
	/* Hub 1 relays every spoke through Hub 0 (ranked first): any source. */
	ck_assert_uint_eq(v->peers[0].n_allowed, 2);
	ck_assert_uint_eq(v->peers[1].priority, 0); /* Spoke 0 lists Hub 0 first */
	ck_assert_uint_eq(v->peers[2].priority, 1);
	topology_view_free(v);
	/* Hub 1: every spoke also through Hub 0, at the relay metric. */
	ck_assert_int_eq(topology_compute(orgconf_topology(cfg), 1, &v), 0);
	ck_assert_uint_eq(v->n_routes, 1 + 2 * spokes);
	ck_assert_uint_eq(v->peers[0].n_routes, 1 + spokes);
	ck_assert_uint_eq(v->peers[0].routes[1].metric, TOPOLOGY_METRIC_RELAY);
	ck_assert_uint_eq(v->peers[0].n_allowed, 1 + spokes);
	topology_view_free(v);

	t0 = now_ms();
	for (i = 0; i < 20; i++) {
		ck_assert_int_eq(topology_compute(orgconf_topology(cfg), 2 + i * 97, &v), 0);
		ck_assert_uint_eq(v->n_peers, 2);
		/* every other subnet of the org, via each of its two hubs */
		ck_assert_uint_eq(v->n_routes, 2 * (2 + spokes - 1));
		topology_view_free(v);
	}
	t_spokes = (now_ms() - t0) / 20;
	printf("topology scale: 2 hubs + %u spokes, %zu bytes of config: load %.1f ms, "
	       "hub view %.2f ms, spoke view %.2f ms\n",
	       spokes, b.len, t_load, t_hub, t_spokes);
	/* generous bounds (ASan, shared machine); quadratic behaviour would blow them */
	ck_assert_double_lt(t_load, 5000);
	ck_assert_double_lt(t_hub, 500);
	ck_assert_double_lt(t_spokes, 500);
	orgconf_free(cfg);
	free(b.s);
	errlist_free(&e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("topology");
	TCase *tc = tcase_create("topology");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, table, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, bad_index);
	tcase_add_test(tc, forwarding_reaches_every_subnet);
	tcase_add_test(tc, ten_thousand_spokes);
	return unit_run(s, tc);
}
