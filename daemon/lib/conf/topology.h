/* SPDX-License-Identifier: GPL-2.0 */
/*
 * topology.h - who tunnels to whom, and which prefixes go where.
 *
 * A pure function of the org config (DESIGN §5). topology_build() indexes a
 * config once (orgconf_load() does it; see orgconf_topology()); then
 * topology_compute() gives, for one network, its peers and per peer the
 * routes and allowed inner sources. Cost per call is linear in the size of
 * the answer (a hub with 10,000 spokes does not scan all pairs).
 *
 * Rules:
 *  - `off` networks take no part: no peers, and nobody peers with them.
 *  - A hub peers with every other hub (file order), then with every spoke
 *    that lists it (file order).
 *  - A spoke peers with its hubs only, in its priority order.
 *  - Only `use-vpn yes` subnets of participating networks are routed.
 *
 * Routes carry a metric: lower is better; for a prefix, the gateway
 * installs the lowest-metric route whose peer is up (so if the first hub
 * is down, routes move to the next). Metrics:
 *  - 0: direct — the prefix belongs to that peer.
 *  - 1 + i: transit through a hub. A spoke routes every prefix of every
 *    other participating network through each of its hubs, i = the hub's
 *    position in its list (0 = primary), in addition to the direct route
 *    when the owner is itself one of its hubs. Spoke-to-spoke traffic thus
 *    goes through the primary hub, then the next.
 *    A hub routes its own spokes directly (metric 0, no transit), other
 *    hubs directly, and spokes that do not list it through the hubs they
 *    list, i = position of that hub in the spoke's list. This is loop-free:
 *    a hub only hands traffic to a hub the destination spoke is attached
 *    to, and such a hub delivers directly.
 *  - Full tunnel: a hub with exit hubs gets 0.0.0.0/0 and ::/0 via exit hub
 *    i at metric i; a spoke gets them via each hub flagged default-route,
 *    metric = that hub's position in its list. Flag TOPOLOGY_ROUTE_DEFAULT.
 *  - 64 + k: relays (TOPOLOGY_ROUTE_RELAY, with TRANSIT), for when two
 *    gateways cannot reach each other directly (both behind unfriendly NAT,
 *    a firewall): traffic goes through a third hub instead. Hubs have a
 *    relay rank: hubs with manual NAT traversal first (anyone reaches them
 *    through their port forwarding), then the others, each in file order.
 *    A hub gets
 *      - each of its spokes' subnets also via the spoke's other hubs ranked
 *        before it, and
 *      - every other hub's subnets also via the hubs ranked before it
 *        (that other hub left out),
 *    at most TOPOLOGY_MAX_RELAYS of them, best-ranked first, k = 0, 1, 2.
 *    Since a gateway uses the lowest metric whose peer is up, relays carry
 *    traffic only while the direct path is down, and only ever towards a
 *    better-ranked hub: loop-free whatever is down (the randomized test in
 *    tests/unit/test_topology.c takes links down one at a time and in
 *    random sets). The price: the first-ranked hub relays nothing, so a
 *    direct link that fails at it is not bypassed; and another hub's spokes
 *    are only relayed by their own hubs.
 *
 * Allowed sources (inner source addresses accepted from a peer):
 *  - from a spoke: that spoke's exported subnets;
 *  - from a hub, seen by a spoke: every prefix routed via that hub;
 *  - from a hub, seen by a hub: its exported subnets and those of the
 *    spokes that list it (what it may forward to us);
 *  - "any" (0.0.0.0/0 and ::/0 only, TOPOLOGY_PEER_ALLOW_ANY) from a peer that
 *    carries our default route (exit hub, default-route hub): replies from
 *    the internet arrive through it;
 *  - "any" from a hub that relays traffic through us, or delivers to us
 *    what another hub relayed through it (TOPOLOGY_PEER_RELAY): relayed
 *    traffic may come from anywhere in the organization.
 *
 * Output order is deterministic: peers as above; routes per peer: the
 * peer's own (direct) subnets, then its default routes, then transit
 * routes by owner network index (file order), each owner's subnets in file
 * order, then relay routes: our spokes' (file order), then other hubs'
 * (file order); allowed sources by owner network index and subnet order. Routes
 * are therefore not sorted by metric: pick the lowest per prefix.
 */
#ifndef AVPN_CONF_TOPOLOGY_H
#define AVPN_CONF_TOPOLOGY_H

#include <stddef.h>
#include <stdint.h>

#include "base/endpoint.h"
#include "base/prefix.h"
#include "conf/orgconf.h"

struct topology; /* opaque index over one struct orgconf */

/* Route flags */
#define TOPOLOGY_ROUTE_DEFAULT (1u << 0) /* 0.0.0.0/0 or ::/0 (full tunnel) */
#define TOPOLOGY_ROUTE_TRANSIT (1u << 1) /* owner is not the peer; via a hub */
#define TOPOLOGY_ROUTE_RELAY (1u << 2)	 /* (with TRANSIT) only for when direct paths fail */

/* Metric ranges (docs/protocol.md): direct 0, transit 1..16, relays 64.. */
#define TOPOLOGY_METRIC_TRANSIT 1
#define TOPOLOGY_METRIC_RELAY 64
#define TOPOLOGY_MAX_RELAYS 3 /* relay hubs per destination and hub */

/* Peer flags */
#define TOPOLOGY_PEER_DEFAULT_ROUTE (1u << 0) /* carries our default route */
#define TOPOLOGY_PEER_EXIT_HUB (1u << 1)      /* one of our exit hubs */
#define TOPOLOGY_PEER_ALLOW_ANY (1u << 2)     /* allowed sources = any */
#define TOPOLOGY_PEER_RELAY (1u << 3)	      /* a hub that relays to or through us */

#define TOPOLOGY_OWNER_NONE UINT32_MAX /* default routes */

struct topology_route {
	struct prefix prefix;
	uint32_t metric; /* lower is preferred */
	uint32_t flags;	 /* TOPOLOGY_ROUTE_* */
	uint32_t owner;	 /* network exporting the prefix, or TOPOLOGY_OWNER_NONE */
};

struct topology_peer {
	uint32_t net;			       /* peer's network index in the config */
	const struct orgconf_network *network; /* name, public key, ... */
	enum orgconf_mode role;		       /* hub or spoke */
	/*
	 * For a spoke's hubs: the hub's position in the spoke's list (0 =
	 * primary); for a hub's spokes: this hub's position in that spoke's
	 * list; hub to hub: 0.
	 */
	uint32_t priority;
	uint32_t flags; /* TOPOLOGY_PEER_* */

	const struct topology_route *routes; /* points into topology_view.routes */
	size_t n_routes;
	const struct prefix *allowed; /* points into topology_view.allowed */
	size_t n_allowed;
};

/* The answer for one network. One allocation set; free with topology_view_free. */
struct topology_view {
	uint32_t self; /* the network asked about */
	enum orgconf_mode mode;
	struct topology_peer *peers;
	size_t n_peers;
	struct topology_route *routes; /* all peers' routes, grouped by peer */
	size_t n_routes;
	struct prefix *allowed; /* all peers' allowed sources */
	size_t n_allowed;
};

/* Indexes @cfg (which must outlive the result). NULL on ENOMEM. */
struct topology *topology_build(const struct orgconf *cfg);
void topology_free(struct topology *t);

/*
 * Computes the view of network @net. Returns 0 and a new view in *@out
 * (an `off` network gets an empty view), -EINVAL if @net is out of range,
 * -ENOMEM.
 */
int topology_compute(const struct topology *t, uint32_t net, struct topology_view **out);
void topology_view_free(struct topology_view *v);

/* Convenience: the peer entry for network @net in @v, or NULL. */
const struct topology_peer *topology_view_find_peer(const struct topology_view *v, uint32_t net);

/* Number of peers @net has, without building the view (for paging). */
size_t topology_peer_count(const struct topology *t, uint32_t net);

/* Whether networks @a and @b tunnel to each other (O(hubs of a spoke)). */
bool topology_are_peers(const struct topology *t, uint32_t a, uint32_t b);

#endif /* AVPN_CONF_TOPOLOGY_H */
