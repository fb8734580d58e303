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

	k[0] = 1;
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

		sadd(b, "%s %s p%u%s%s%s", p->network->name, orgconf_mode_name(p->role),
		     p->priority, p->flags & TOPOLOGY_PEER_DEFAULT_ROUTE ? " D" : "",
		     p->flags & TOPOLOGY_PEER_EXIT_HUB ? " X" : "",
		     p->flags & TOPOLOGY_PEER_ALLOW_ANY ? " A" : "");
		for (j = 0; j < p->n_nat_endpoints; j++)
			sadd(b, "%s%s", j ? "," : " nat=",
			     endpoint_format(&p->nat_endpoints[j], buf, sizeof(buf)));
		sadd(b, "\n  routes:");
		for (j = 0; j < p->n_routes; j++) {
			const struct topology_route *r = &p->routes[j];

			sadd(b, " %s@%u%s%s", prefix_format(&r->prefix, buf, sizeof(buf)),
			     r->metric, r->flags & TOPOLOGY_ROUTE_DEFAULT ? "D" : "",
			     r->flags & TOPOLOGY_ROUTE_TRANSIT ? "T" : "");
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
	  "B hub p0\n  routes: 10.2.0.0/16@0 fd00:2::/64@0\n  allowed: 10.2.0.0/16 fd00:2::/64\n"
	  "C hub p0\n  routes: 10.3.0.0/16@0\n  allowed: 10.3.0.0/16\n" },

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
	  "H2 hub p0\n  routes: 10.2.0.0/16@0\n  allowed: 10.2.0.0/16 10.11.0.0/24 10.12.0.0/24\n"
	  "S1 spoke p0\n  routes: 10.11.0.0/24@0\n  allowed: 10.11.0.0/24\n"
	  "S2 spoke p1\n  routes: 10.12.0.0/24@0\n  allowed: 10.12.0.0/24\n" },

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
	  "H2 hub p0\n  routes: 10.2.0.0/16@0 10.12.0.0/24@1T\n"
	  "  allowed: 10.2.0.0/16 10.12.0.0/24 10.13.0.0/24\n"
	  "S1 spoke p0\n  routes: 10.11.0.0/24@0\n  allowed: 10.11.0.0/24\n"
	  "S3 spoke p1\n  routes: 10.13.0.0/24@0\n  allowed: 10.13.0.0/24\n" },

	{ "exit hubs: full tunnel in a mesh, in exit-hub order",
	  { { "A", "hub", "subnet = 10.1.0.0/16 yes\nexit-hub = C\nexit-hub = B\n" },
	    { "B", "hub", "subnet = 10.2.0.0/16 yes\n" },
	    { "C", "hub", "subnet = 10.3.0.0/16 yes\n" } },
	  "A",
	  "B hub p0 D X A\n  routes: 10.2.0.0/16@0 0.0.0.0/0@1D ::/0@1D\n  allowed: 0.0.0.0/0 ::/0\n"
	  "C hub p0 D X A\n  routes: 10.3.0.0/16@0 0.0.0.0/0@0D ::/0@0D\n  allowed: 0.0.0.0/0 ::/0\n" },

	{ "exit hub itself: no default route back",
	  { { "A", "hub", "subnet = 10.1.0.0/16 yes\nexit-hub = C\nexit-hub = B\n" },
	    { "B", "hub", "subnet = 10.2.0.0/16 yes\n" },
	    { "C", "hub", "subnet = 10.3.0.0/16 yes\n" } },
	  "C",
	  "A hub p0\n  routes: 10.1.0.0/16@0\n  allowed: 10.1.0.0/16\n"
	  "B hub p0\n  routes: 10.2.0.0/16@0\n  allowed: 10.2.0.0/16\n" },

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

/* Best route for exactly @dst at view @v, skipping peer @down; NULL if none. */
static const struct topology_peer *next_hop(const struct topology_view *v, const struct prefix *dst,
					    uint32_t down)
{
	const struct topology_peer *best = NULL;
	uint32_t best_metric = UINT32_MAX;
	size_t i, j;

	for (i = 0; i < v->n_peers; i++) {
		const struct topology_peer *p = &v->peers[i];

		if (p->net == down)
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

/* Does network @net have a hub other than @down (or is it a hub itself)? */
static bool has_live_hub(const struct orgconf *cfg, uint32_t net, uint32_t down)
{
	const struct orgconf_network *n = &cfg->networks[net];
	size_t i;

	if (n->mode == ORGCONF_MODE_HUB)
		return net != down;
	for (i = 0; i < n->n_hubs; i++)
		if (n->hubs[i].net != down)
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

			for (j = 0; j < cnt; j++)
				if ((start + j) % nh != i)
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

START_TEST(forwarding_reaches_every_subnet)
{
	unsigned int seed;
	size_t checked = 0;

	for (seed = 1; seed <= 300; seed++) {
		struct orgconf *cfg = random_org(seed);
		const struct topology *t = orgconf_topology(cfg);
		size_t n = cfg->n_networks, x, o, s, d;
		struct topology_view **views = calloc(n, sizeof(*views));
		uint32_t down;

		for (x = 0; x < n; x++)
			ck_assert_int_eq(topology_compute(t, (uint32_t)x, &views[x]), 0);
		/* down = UINT32_MAX: everything up; else that hub is down */
		for (d = 0; d <= n; d++) {
			down = d == n ? UINT32_MAX : (uint32_t)d;
			if (down != UINT32_MAX && cfg->networks[down].mode != ORGCONF_MODE_HUB)
				continue;
			for (x = 0; x < n; x++) {
				const struct orgconf_network *src = &cfg->networks[x];
				const struct prefix *sp = NULL;

				if (src->mode == ORGCONF_MODE_OFF || x == down ||
				    !has_live_hub(cfg, (uint32_t)x, down))
					continue;
				for (s = 0; s < src->n_subnets && !sp; s++)
					if (src->subnets[s].use_vpn)
						sp = &src->subnets[s].prefix;
				for (o = 0; o < n; o++) {
					const struct orgconf_network *dst = &cfg->networks[o];

					if (o == x || o == down || dst->mode == ORGCONF_MODE_OFF ||
					    !has_live_hub(cfg, (uint32_t)o, down))
						continue;
					for (s = 0; s < dst->n_subnets; s++) {
						const struct prefix *dp = &dst->subnets[s].prefix;
						uint32_t cur = (uint32_t)x;
						int hops = 0;

						if (!dst->subnets[s].use_vpn)
							continue;
						while (cur != o) {
							const struct topology_peer *p =
								next_hop(views[cur], dp, down);
							const struct topology_peer *back;

							ck_assert_msg(
								p,
								"seed %u down %d: N%u has no route to "
								"%s's subnet (from N%zu)",
								seed, (int)down, cur, dst->name, x);
							back = topology_view_find_peer(
								views[p->net], cur);
							ck_assert_msg(back,
								      "seed %u: N%u routes via N%u "
								      "which does not peer back",
								      seed, cur, p->net);
							if (sp)
								ck_assert_msg(
									allowed_from(back, sp),
									"seed %u: N%u drops N%zu's "
									"traffic from N%u",
									seed, p->net, x, cur);
							cur = p->net;
							ck_assert_msg(
								++hops <= 3,
								"seed %u down %d: loop from N%zu to %s",
								seed, (int)down, x, dst->name);
						}
						checked++;
					}
				}
			}
		}
		/* no network peers with an off network, and peering is symmetric */
		for (x = 0; x < n; x++)
			for (s = 0; s < views[x]->n_peers; s++) {
				uint32_t p = views[x]->peers[s].net;

				ck_assert(cfg->networks[p].mode != ORGCONF_MODE_OFF);
				ck_assert(topology_view_find_peer(views[p], (uint32_t)x));
			}
		for (x = 0; x < n; x++)
			topology_view_free(views[x]);
		free(views);
		orgconf_free(cfg);
	}
	ck_assert_uint_gt(checked, 1000);
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
	ck_assert_uint_eq(v->peers[0].n_allowed, 1 + spokes);
	ck_assert_uint_eq(v->peers[1].priority, 0); /* Spoke 0 lists Hub 0 first */
	ck_assert_uint_eq(v->peers[2].priority, 1);
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
