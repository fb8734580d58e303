// SPDX-License-Identifier: GPL-2.0
/*
 * show_dump.c - `autovpn show IFACE dump`: stable, tab-separated, one line
 * per record, the record type in the first column, for scripts. Columns
 * are only ever appended to; docs/tools.md lists them.
 */
#include <stdio.h>

#include "show.h"

static void prefixes(const struct avpnl_peer_prefix *arr, size_t n)
{
	char buf[PREFIX_STRLEN];
	size_t i;

	putchar('\t');
	if (!n)
		fputs("(none)", stdout);
	for (i = 0; i < n; i++)
		printf("%s%s", i ? "," : "", prefix_format(&arr[i].prefix, buf, sizeof(buf)));
}

static void drops(const char *ifname, const char *owner, const uint64_t *d)
{
	unsigned int i;

	printf("drops\t%s\t%s", ifname, owner);
	for (i = 1; i < __AUTOVPN_DROP_MAX; i++)
		printf("\t%llu", (unsigned long long)d[i]);
	putchar('\n');
}

static void peer(const char *ifname, const struct avpnl_peer *p)
{
	char buf[ENDPOINT_STRLEN], id[16];
	size_t i;

	printf("peer\t%s\t%u\t%s\t%u\t%u\t%llu\t%llu\t%llu\t%llu", ifname, p->id,
	       p->name[0] ? p->name : "(none)", p->rx_index, p->tx_index,
	       (unsigned long long)p->rx_packets, (unsigned long long)p->rx_bytes,
	       (unsigned long long)p->tx_packets, (unsigned long long)p->tx_bytes);
	prefixes(p->routes, p->n_routes);
	prefixes(p->allowed, p->n_allowed);
	putchar('\n');
	snprintf(id, sizeof(id), "%u", p->id);
	drops(ifname, id, p->drops);
	for (i = 0; i < p->n_paths; i++) {
		const struct avpnl_peer_path *pa = &p->paths[i];

		printf("path\t%s\t%u\t%u\t%u\t%s\t%s\t%u\t%u\t%llu\t%llu\t%llu\t%llu\n", ifname,
		       p->id, pa->id, pa->uplink,
		       (pa->set & AVPNL_PEER_PATH_REMOTE) ?
			       endpoint_format(&pa->remote, buf, sizeof(buf)) :
			       "(none)",
		       pa->state == AUTOVPN_PATH_UP ? "up" : "down", pa->priority, pa->class_mask,
		       (unsigned long long)pa->rx_packets, (unsigned long long)pa->rx_bytes,
		       (unsigned long long)pa->tx_packets, (unsigned long long)pa->tx_bytes);
	}
	for (i = 0; i < p->n_keys; i++) {
		const struct avpnl_key *k = &p->keys[i];
		const char *slot = avpnl_key_slot_name(k->slot);

		printf("key\t%s\t%u\t%s\t%u\t%u\t%llu\n", ifname, p->id, slot ? slot : "?", k->id,
		       k->age_secs, (unsigned long long)k->tx_packets);
	}
}

void show_dump(const struct show_view *v)
{
	const struct avpnl_dev *d = &v->dev;
	char buf[ENDPOINT_STRLEN];
	size_t i;

	printf("interface\t%s\t%u\t%u\t%s\t%zu\n", d->ifname, d->ifindex, d->mtu,
	       d->active_active ? "on" : "off", v->n_peers);
	for (i = 0; i < d->n_uplinks; i++)
		printf("uplink\t%s\t%u\t%s\n", d->ifname, d->uplinks[i].id,
		       d->uplinks[i].has_local ?
			       endpoint_format(&d->uplinks[i].local, buf, sizeof(buf)) :
			       "(none)");
	drops(d->ifname, "-", d->drops);
	for (i = 0; i < v->n_peers; i++)
		peer(d->ifname, &v->peers[i]);
}
