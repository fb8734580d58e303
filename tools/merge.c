// SPDX-License-Identifier: GPL-2.0
/* merge.c - the kernel's and autovpnd's views of a device, matched (merge.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ask.h"
#include "base/endpoint.h"
#include "base/prefix.h"
#include "merge.h"

static int merge_id_cmp(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

static int merge_dpeer_sort(const void *a, const void *b)
{
	const struct ctl_peer *x = *(const struct ctl_peer *const *)a;
	const struct ctl_peer *y = *(const struct ctl_peer *const *)b;
	int c = merge_id_cmp(x->id, y->id);

	return c ? c : strcmp(x->name, y->name);
}

/* Address order for prefixes that parse (the daemon writes them), text otherwise. */
static int merge_route_sort(const void *a, const void *b)
{
	const struct ctl_route *x = *(const struct ctl_route *const *)a;
	const struct ctl_route *y = *(const struct ctl_route *const *)b;
	struct prefix px, py;
	const char *why;
	bool okx = !prefix_parse(x->prefix, &px, &why), oky = !prefix_parse(y->prefix, &py, &why);

	if (okx && oky)
		return prefix_cmp(&px, &py);
	if (okx != oky)
		return okx ? -1 : 1;
	return strcmp(x->prefix, y->prefix);
}

static int merge_path_sort(const void *a, const void *b)
{
	return (int)((const struct merge_path *)a)->id - (int)((const struct merge_path *)b)->id;
}

static void merge_uplinks(struct merge_dev *m, const struct avpnl_dev *k,
			  const struct ctl_status *d)
{
	size_t i, j;

	for (i = 0; i < k->n_uplinks && m->n_uplinks < AUTOVPN_MAX_UPLINKS + 2; i++)
		m->uplinks[m->n_uplinks++] =
			(struct merge_uplink){ .id = k->uplinks[i].id, .k = &k->uplinks[i] };
	for (i = 0; d && i < d->n_uplinks && i < 2; i++) {
		for (j = 0; j < m->n_uplinks; j++)
			if (m->uplinks[j].id == d->uplinks[i].id)
				break;
		if (j == m->n_uplinks) {
			if (m->n_uplinks == AUTOVPN_MAX_UPLINKS + 2)
				continue;
			m->uplinks[m->n_uplinks++].id = d->uplinks[i].id;
		}
		m->uplinks[j].d = &d->uplinks[i];
	}
	for (i = 1; i < m->n_uplinks; i++) /* insertion sort of at most four */
		for (j = i; j && m->uplinks[j - 1].id > m->uplinks[j].id; j--) {
			struct merge_uplink t = m->uplinks[j];

			m->uplinks[j] = m->uplinks[j - 1];
			m->uplinks[j - 1] = t;
		}
}

static void merge_paths(struct merge_peer *p)
{
	const size_t cap = sizeof(p->paths) / sizeof(p->paths[0]);
	size_t i, j;

	for (i = 0; p->k && i < p->k->n_paths && p->n_paths < cap; i++)
		p->paths[p->n_paths++] =
			(struct merge_path){ .id = p->k->paths[i].id, .k = &p->k->paths[i] };
	for (i = 0; p->d && i < p->d->n_paths && i < 4; i++) {
		const struct ctl_path *dp = &p->d->paths[i];

		for (j = 0; j < p->n_paths; j++)
			if (p->paths[j].id == dp->id && !p->paths[j].d)
				break;
		if (j == p->n_paths) {
			if (p->n_paths == cap)
				continue;
			p->paths[p->n_paths++] = (struct merge_path){ .id = dp->id };
		}
		p->paths[j].d = dp;
	}
	if (p->n_paths > 1)
		qsort(p->paths, p->n_paths, sizeof(p->paths[0]), merge_path_sort);
}

/*
 * autovpnd puts a path into the kernel once it has a remote for it, on the
 * path's uplink, up while its probes are answered and the peer's keys are
 * usable (which the peer's state "up" says; daemon/gateway/peer.c). What
 * else the kernel has is a fault: a request the kernel refused, a path
 * changed by hand. The two views are read milliseconds apart, so a change
 * in between can show once; a disagreement that stays is real.
 */
static void merge_path_check(const struct merge_peer *p, struct merge_path *mp)
{
	const struct avpnl_peer_path *k = mp->k;
	const struct ctl_path *d = mp->d;
	const size_t len = sizeof(mp->disagree);
	char kep[CTL_EP_MAX] = "";
	bool d_up, k_up, want_up;

	if (!d) {
		snprintf(mp->disagree, len, "in the kernel, unknown to autovpnd");
		return;
	}
	d_up = !strcmp(d->state, "up");
	if (!k) {
		if (d->remote[0])
			snprintf(mp->disagree, len, "autovpnd has %s for it, the kernel no path",
				 d->remote);
		return;
	}
	k_up = k->state == AUTOVPN_PATH_UP;
	want_up = d_up && !strcmp(p->d->state, "up");
	if (k->set & AVPNL_PEER_PATH_REMOTE)
		endpoint_format(&k->remote, kep, sizeof(kep));
	if (!d->remote[0])
		snprintf(mp->disagree, len, "in the kernel, autovpnd has no remote for it");
	else if (k->uplink != d->local_uplink)
		snprintf(mp->disagree, len, "the kernel sends on uplink %u, autovpnd on uplink %u",
			 k->uplink, d->local_uplink);
	else if (strcmp(d->remote, kep))
		snprintf(mp->disagree, len, "the kernel sends to %s, autovpnd's remote is %s",
			 kep[0] ? kep : "(none)", d->remote);
	else if (k_up && !d_up)
		snprintf(mp->disagree, len, "up in the kernel, %s for autovpnd", d->state);
	else if (k_up && !want_up)
		snprintf(mp->disagree, len, "up in the kernel, but the peer is %s for autovpnd",
			 p->d->state);
	else if (!k_up && want_up)
		snprintf(mp->disagree, len, "down in the kernel, up for autovpnd");
}

static void merge_peer_init(struct merge_peer *p, const struct avpnl_peer *k,
			    const struct ctl_peer *d)
{
	memset(p, 0, sizeof(*p));
	p->id = k ? k->id : d->id;
	p->k = k;
	p->d = d;
	/* The daemon names kernel peers by their network names; a peer made
	 * by hand may have none, and then the daemon's (if any) says who. */
	p->name = k && k->name[0] ? k->name : d ? d->name : "";
	merge_paths(p);
	for (size_t i = 0; k && d && i < p->n_paths; i++)
		merge_path_check(p, &p->paths[i]);
}

/* Kernel peers are sorted by id; the daemon's (sorted) are walked along. */
static int merge_peers(struct merge_dev *m, const struct show_view *v, const struct ctl_status *d)
{
	const struct ctl_peer **dp = NULL;
	size_t n_d = d ? d->n_peers : 0, i, j = 0;

	m->peers = calloc(v->n_peers + n_d ? v->n_peers + n_d : 1, sizeof(*m->peers));
	if (n_d)
		dp = malloc(n_d * sizeof(*dp));
	if (!m->peers || (n_d && !dp)) {
		free(dp);
		return -ENOMEM;
	}
	for (i = 0; i < n_d; i++)
		dp[i] = &d->peers[i];
	if (n_d)
		qsort(dp, n_d, sizeof(*dp), merge_dpeer_sort);
	for (i = 0; i < v->n_peers; i++) {
		const struct ctl_peer *match = NULL;

		while (j < n_d && dp[j]->id < v->peers[i].id)
			j++;
		if (j < n_d && dp[j]->id == v->peers[i].id) {
			match = dp[j];
			dp[j++] = NULL; /* taken */
		}
		merge_peer_init(&m->peers[m->n_peers++], &v->peers[i], match);
	}
	for (i = 0; i < n_d; i++)
		if (dp[i])
			merge_peer_init(&m->peers[m->n_peers++], NULL, dp[i]);
	free(dp);
	return 0;
}

static int merge_routes(struct merge_dev *m, const struct ctl_status *d)
{
	size_t i;

	if (!d || !d->n_routes)
		return 0;
	m->routes = malloc(d->n_routes * sizeof(*m->routes));
	if (!m->routes)
		return -ENOMEM;
	for (i = 0; i < d->n_routes; i++)
		m->routes[i] = &d->routes[i];
	m->n_routes = d->n_routes;
	qsort(m->routes, m->n_routes, sizeof(*m->routes), merge_route_sort);
	return 0;
}

int merge_dev_build(struct merge_dev *m, const struct show_view *v)
{
	const struct ctl_status *d = NULL;
	int err;

	memset(m, 0, sizeof(*m));
	m->k = &v->dev;
	m->daemon_msg = "";
	if (!v->daemon_err) {
		m->daemon = MERGE_DAEMON_RUNNING;
		m->d = d = &v->daemon;
	} else {
		m->daemon = ask_absent(v->daemon_err) ? MERGE_DAEMON_ABSENT : MERGE_DAEMON_ERROR;
		m->daemon_msg = v->daemon_msg;
	}
	merge_uplinks(m, &v->dev, d);
	err = merge_peers(m, v, d);
	if (!err)
		err = merge_routes(m, d);
	return err;
}

void merge_dev_free(struct merge_dev *m)
{
	free(m->peers);
	free(m->routes);
	memset(m, 0, sizeof(*m));
}
