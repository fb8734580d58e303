// SPDX-License-Identifier: GPL-2.0
/*
 * Pushes: a small sealed "re-register now" to gateways whose view changed.
 * Marking is O(1) per gateway; the loop flushes marked gateways in bounded
 * batches between receive batches, so a push to 100,000 gateways neither
 * stalls request handling nor takes more than a fraction of a second.
 * Pushes go only to uplink endpoints that proved the gateway's key (they
 * registered with a valid sealed message), never to anything unauthenticated.
 * A lost push is repaired by the next keepalive: its answer carries the
 * config version, and a gateway with an older one refetches.
 */
#include "registry.h"

void push_mark(struct registry *r, uint32_t net, uint8_t reason)
{
	struct gwtable_entry *g = &r->gws[net];

	if (!g->registered)
		return;
	if (reason == PROTO_PUSH_CONFIG) {
		/* A config push also covers a pending peers push. */
		if (g->push == PROTO_PUSH_PEERS)
			r->peers_pending--;
		if (g->push != PROTO_PUSH_CONFIG)
			r->push_pending++;
		g->push = PROTO_PUSH_CONFIG;
	} else if (!g->push) {
		r->peers_pending++;
		g->push = PROTO_PUSH_PEERS;
	}
}

/* The contact information of net changed: tell its connected peers. */
void push_mark_peers(struct registry *r, uint32_t net)
{
	const struct orgconf_network *n = &r->cfg->networks[net];

	if (n->mode == ORGCONF_MODE_SPOKE) {
		for (size_t i = 0; i < n->n_hubs; i++)
			push_mark(r, n->hubs[i].net, PROTO_PUSH_PEERS);
	} else if (n->mode == ORGCONF_MODE_HUB) {
		for (uint32_t i = 0; i < r->n_hubs; i++)
			if (r->hubs[i] != net)
				push_mark(r, r->hubs[i], PROTO_PUSH_PEERS);
		for (uint32_t i = r->hub_spokes_off[net]; i < r->hub_spokes_off[net + 1]; i++)
			push_mark(r, r->hub_spokes[i], PROTO_PUSH_PEERS);
	}
}

void push_all(struct registry *r)
{
	for (uint32_t i = 0; i < r->cfg->n_networks; i++)
		push_mark(r, i, PROTO_PUSH_CONFIG);
}

static void push_one(struct registry *r, struct gwtable_entry *g, uint64_t now_ms)
{
	struct proto_push m = { r->id, r->cfg->version, g->push };
	uint8_t body[32], out[PROTO_MAX_MSG];
	ssize_t n = proto_enc_push(body, sizeof(body), &m);
	size_t len;

	if (n < 0 || !g->key_ready)
		return;
	for (unsigned int u = 0; u < PROTO_MAX_UPLINKS; u++) {
		struct gwtable_uplink *gu = &g->ul[u];
		struct sockaddr_storage dst;

		if (!gwtable_uplink_connected(r, gu, now_ms))
			continue;
		len = handle_seal(r, g, PROTO_T_PUSH, body, (size_t)n, out, sizeof(out));
		endpoint_to_sockaddr(&gu->pub, &dst);
		if (len && !net_send_one(r, gu->sock, &dst, &gu->local, out, len))
			r->st.pushes++;
	}
}

/*
 * Sends up to budget marked pushes: config pushes always, peers pushes only
 * with include_peers.  Peers pushes are batched to once a second, so a hub
 * whose 10,000 spokes come back after a registry restart refetches its peer
 * list about once a second, not 10,000 times.
 */
void push_flush(struct registry *r, unsigned int budget, int include_peers)
{
	uint32_t n = (uint32_t)r->cfg->n_networks;
	uint64_t now_ms = clock_mono_ms(), scanned = 0;

	while ((r->push_pending || (include_peers && r->peers_pending)) && budget) {
		struct gwtable_entry *g;

		if (scanned++ > n) {
			/* Counters out of step with the marks: trust the marks. */
			r->push_pending = 0;
			if (include_peers)
				r->peers_pending = 0;
			break;
		}
		if (r->push_cursor >= n)
			r->push_cursor = 0;
		g = &r->gws[r->push_cursor++];
		if (!g->push || (g->push == PROTO_PUSH_PEERS && !include_peers))
			continue;
		budget--;
		push_one(r, g, now_ms);
		if (g->push == PROTO_PUSH_CONFIG)
			r->push_pending--;
		else
			r->peers_pending--;
		g->push = 0;
	}
}

/* How long the loop may sleep as far as pushes are concerned (-1 = forever). */
int push_timeout_ms(struct registry *r, uint64_t now_ms)
{
	if (r->push_pending || r->peers_flushing)
		return 0;
	if (!r->peers_pending)
		return -1;
	return now_ms >= r->peers_next_ms ? 0 : (int)(r->peers_next_ms - now_ms);
}

void push_run(struct registry *r, uint64_t now_ms)
{
	if (r->push_pending)
		push_flush(r, 4096, 0);
	if (r->peers_pending && !r->peers_flushing && now_ms >= r->peers_next_ms)
		r->peers_flushing = 1;
	if (r->peers_flushing) {
		push_flush(r, 4096, 1);
		if (!r->peers_pending) {
			r->peers_flushing = 0;
			r->peers_next_ms = now_ms + 1000;
		}
	}
}
