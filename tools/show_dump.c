// SPDX-License-Identifier: GPL-2.0
/*
 * show_dump.c - `autovpn show IFACE dump`: stable, tab-separated, one line
 * per record, the record type in the first column, for scripts. Columns
 * are only ever appended to; docs/tools.md lists them. The daemon's view
 * adds columns at the end of the kernel's records (with "(none)" when no
 * daemon runs, so a record type always has the same number of columns) and
 * records of its own (gateway, registry, endpoint, subnet, route) that
 * appear only when it runs.
 */
#include <stdio.h>

#include "merge.h"
#include "show.h"

#define NONE "(none)"

/* A tab, then @s with tabs, newlines and other control characters as
 * spaces (they would split the line or the field), "(none)" if empty. */
static void show_dump_str(const char *s)
{
	putchar('\t');
	if (!s || !*s) {
		fputs(NONE, stdout);
		return;
	}
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
}

static void show_dump_u64(unsigned long long v)
{
	printf("\t%llu", v);
}

/* An age in milliseconds: "never" for CTL_NEVER. */
static void show_dump_age(uint64_t ms)
{
	if (ms == CTL_NEVER)
		fputs("\tnever", stdout);
	else
		show_dump_u64(ms);
}

static void show_dump_nones(unsigned int n)
{
	while (n--)
		fputs("\t" NONE, stdout);
}

static void show_dump_prefixes(const struct avpnl_peer_prefix *arr, size_t n)
{
	char buf[PREFIX_STRLEN];
	size_t i;

	putchar('\t');
	if (!n)
		fputs(NONE, stdout);
	for (i = 0; i < n; i++)
		printf("%s%s", i ? "," : "", prefix_format(&arr[i].prefix, buf, sizeof(buf)));
}

static void show_dump_drops(const char *ifname, const char *owner, const uint64_t *d)
{
	unsigned int i;

	printf("drops\t%s\t%s", ifname, owner);
	for (i = 1; i < __AUTOVPN_DROP_MAX; i++)
		printf("\t%llu", (unsigned long long)d[i]);
	putchar('\n');
}

#define SHOW_DUMP_DPATH_COLS 8

static void show_dump_path(const char *ifname, uint32_t peer, const struct merge_path *mp)
{
	const struct avpnl_peer_path *pa = mp->k;
	const struct ctl_path *d = mp->d;
	char buf[ENDPOINT_STRLEN];

	printf("path\t%s\t%u\t%u", ifname, peer, mp->id);
	if (pa)
		printf("\t%u\t%s\t%s\t%u\t%u\t%llu\t%llu\t%llu\t%llu", pa->uplink,
		       (pa->set & AVPNL_PEER_PATH_REMOTE) ?
			       endpoint_format(&pa->remote, buf, sizeof(buf)) :
			       NONE,
		       pa->state == AUTOVPN_PATH_UP ? "up" : "down", pa->priority, pa->class_mask,
		       (unsigned long long)pa->rx_packets, (unsigned long long)pa->rx_bytes,
		       (unsigned long long)pa->tx_packets, (unsigned long long)pa->tx_bytes);
	else
		show_dump_nones(9);
	if (d) {
		show_dump_str(d->state);
		show_dump_u64(d->remote_uplink);
		show_dump_str(d->remote);
		show_dump_u64(d->rtt_us);
		show_dump_u64(d->jitter_us);
		show_dump_u64(d->loss);
		show_dump_age(d->changed_ms);
		show_dump_str(d->reason);
	} else {
		show_dump_nones(SHOW_DUMP_DPATH_COLS);
	}
	putchar('\n');
}

#define SHOW_DUMP_DPEER_COLS 6

static void show_dump_peer(const char *ifname, const struct merge_peer *mp)
{
	const struct avpnl_peer *p = mp->k;
	const struct ctl_peer *d = mp->d;
	char id[16];
	size_t i;

	printf("peer\t%s\t%u", ifname, mp->id);
	show_dump_str(mp->name);
	if (p) {
		printf("\t%u\t%u\t%llu\t%llu\t%llu\t%llu", p->rx_index, p->tx_index,
		       (unsigned long long)p->rx_packets, (unsigned long long)p->rx_bytes,
		       (unsigned long long)p->tx_packets, (unsigned long long)p->tx_bytes);
		show_dump_prefixes(p->routes, p->n_routes);
		show_dump_prefixes(p->allowed, p->n_allowed);
	} else {
		show_dump_nones(8);
	}
	if (d) {
		show_dump_str(d->state);
		show_dump_str(d->role);
		show_dump_u64(d->hub_priority);
		show_dump_age(d->handshake_ms);
		if (d->key_id >= 0)
			show_dump_u64((unsigned long long)d->key_id);
		else
			show_dump_str(NULL);
		show_dump_str(d->reason);
	} else {
		show_dump_nones(SHOW_DUMP_DPEER_COLS);
	}
	putchar('\n');
	snprintf(id, sizeof(id), "%u", mp->id);
	if (p)
		show_dump_drops(ifname, id, p->drops);
	for (i = 0; d && i < d->n_endpoints; i++) {
		printf("endpoint\t%s\t%u\t%u", ifname, mp->id, d->endpoints[i].uplink);
		show_dump_str(d->endpoints[i].kind);
		show_dump_str(d->endpoints[i].address);
		putchar('\n');
	}
	for (i = 0; d && i < d->n_subnets; i++) {
		printf("subnet\t%s\t%u", ifname, mp->id);
		show_dump_str(d->subnets[i].prefix);
		printf("\t%u\t%u\n", d->subnets[i].metric, d->subnets[i].flags);
	}
	for (i = 0; i < mp->n_paths; i++)
		show_dump_path(ifname, mp->id, &mp->paths[i]);
	for (i = 0; p && i < p->n_keys; i++) {
		const struct avpnl_key *k = &p->keys[i];
		const char *slot = avpnl_key_slot_name(k->slot);

		printf("key\t%s\t%u\t%s\t%u\t%u\t%llu\n", ifname, p->id, slot ? slot : "?", k->id,
		       k->age_secs, (unsigned long long)k->tx_packets);
	}
}

static void show_dump_uplink(const char *ifname, const struct merge_uplink *u,
			     const struct ctl_status *s)
{
	char buf[ENDPOINT_STRLEN];

	printf("uplink\t%s\t%u", ifname, u->id);
	if (u->k && u->k->has_local)
		printf("\t%s", endpoint_format(&u->k->local, buf, sizeof(buf)));
	else
		show_dump_str(u->d ? u->d->local : NULL);
	if (!u->d) {
		show_dump_nones(9);
		putchar('\n');
		return;
	}
	show_dump_str(u->d->name);
	show_dump_str(u->d->device);
	show_dump_str(u->d->nat);
	show_dump_str(u->d->mapped);
	show_dump_str(u->d->highport);
	for (unsigned int r = 0; r < 2; r++) {
		if (r < s->n_registries) {
			show_dump_str(u->d->reg[r].connected ? "yes" : "no");
			show_dump_str(u->d->reg[r].observed);
		} else {
			show_dump_nones(2);
		}
	}
	putchar('\n');
}

static void show_dump_daemon(const char *ifname, const struct ctl_status *s)
{
	printf("gateway\t%s", ifname);
	show_dump_str(s->name);
	show_dump_str(s->role);
	show_dump_u64(s->config_version);
	show_dump_u64(s->uptime_ms);
	show_dump_str(s->public_key);
	putchar('\n');
	for (uint32_t r = 0; r < s->n_registries; r++) {
		printf("registry\t%s", ifname);
		show_dump_str(s->registries[r].address);
		show_dump_str(s->registries[r].connected ? "yes" : "no");
		show_dump_age(s->registries[r].last_contact_ms);
		putchar('\n');
	}
}

static void show_dump_routes(const char *ifname, const struct merge_dev *m)
{
	for (size_t i = 0; i < m->n_routes; i++) {
		const struct ctl_route *r = m->routes[i];

		printf("route\t%s", ifname);
		show_dump_str(r->prefix);
		show_dump_str(r->via);
		show_dump_u64(r->metric);
		show_dump_str(r->decision);
		show_dump_str(r->reason);
		putchar('\n');
	}
}

static const char *show_dump_daemon_state(enum merge_daemon d)
{
	return d == MERGE_DAEMON_RUNNING ? "running" :
	       d == MERGE_DAEMON_ERROR	 ? "error" :
					   "not-running";
}

void show_dump(const struct merge_dev *m)
{
	const struct avpnl_dev *d = m->k;
	size_t i, n_kernel = 0;

	for (i = 0; i < m->n_peers; i++)
		n_kernel += m->peers[i].k != NULL;
	printf("interface\t%s\t%u\t%u\t%s\t%zu\t%s\n", d->ifname, d->ifindex, d->mtu,
	       d->active_active ? "on" : "off", n_kernel, show_dump_daemon_state(m->daemon));
	if (m->d)
		show_dump_daemon(d->ifname, m->d);
	for (i = 0; i < m->n_uplinks; i++)
		show_dump_uplink(d->ifname, &m->uplinks[i], m->d);
	show_dump_drops(d->ifname, "-", d->drops);
	for (i = 0; i < m->n_peers; i++)
		show_dump_peer(d->ifname, &m->peers[i]);
	if (m->d)
		show_dump_routes(d->ifname, m);
}
