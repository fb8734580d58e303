// SPDX-License-Identifier: GPL-2.0
/*
 * show.c - `autovpn show [IFACE] [--json]` and `autovpn show IFACE dump`.
 *
 * Collects the devices and their peers first (DEV_GET or its dump, then a
 * PEER_GET dump per device), sorts them, then prints through the print
 * layer (text or JSON) or show_dump.c (tab-separated).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "print.h"
#include "show.h"
#include "tool.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: " TOOL_PROG " show [IFACE] [--json]\n"
		   "       " TOOL_PROG " show [IFACE] dump\n"
		   "\n"
		   "Shows every autovpn device (or IFACE): uplinks, drop counters, peers with\n"
		   "their routes, allowed sources, paths, keys and counters. Colour on a\n"
		   "terminal; --json prints one JSON object; dump prints stable\n"
		   "tab-separated lines for scripts (see docs/tools.md).\n");
}

/* ---- collecting ---- */

struct collect {
	struct show_view *views;
	size_t n, cap;
	int err;
};

static int prefix_sort(const void *a, const void *b)
{
	return prefix_cmp(&((const struct avpnl_peer_prefix *)a)->prefix,
			  &((const struct avpnl_peer_prefix *)b)->prefix);
}

static int path_sort(const void *a, const void *b)
{
	const struct avpnl_peer_path *x = a, *y = b;

	return (int)x->id - (int)y->id;
}

static int key_sort(const void *a, const void *b)
{
	return (int)((const struct avpnl_key *)a)->slot - (int)((const struct avpnl_key *)b)->slot;
}

static int peer_sort(const void *a, const void *b)
{
	uint32_t x = ((const struct avpnl_peer *)a)->id, y = ((const struct avpnl_peer *)b)->id;

	return x < y ? -1 : x > y;
}

static struct avpnl_peer_prefix *dup_prefixes(const struct avpnl_peer_prefix *src, size_t n)
{
	struct avpnl_peer_prefix *d;

	if (!n)
		return NULL;
	d = malloc(n * sizeof(*d));
	if (d) {
		memcpy(d, src, n * sizeof(*d));
		qsort(d, n, sizeof(*d), prefix_sort);
	}
	return d;
}

static int collect_peer(const struct avpnl_peer *p, void *arg)
{
	struct show_view *v = arg;
	struct avpnl_peer *c;

	if (v->n_peers == v->cap_peers) {
		size_t ncap = v->cap_peers ? v->cap_peers * 2 : 16;
		struct avpnl_peer *np = realloc(v->peers, ncap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		v->peers = np;
		v->cap_peers = ncap;
	}
	c = &v->peers[v->n_peers];
	*c = *p;
	c->routes = dup_prefixes(p->routes, p->n_routes);
	c->allowed = dup_prefixes(p->allowed, p->n_allowed);
	c->cap_routes = c->n_routes;
	c->cap_allowed = c->n_allowed;
	if ((p->n_routes && !c->routes) || (p->n_allowed && !c->allowed)) {
		avpnl_peer_clear(c);
		return -ENOMEM;
	}
	qsort(c->paths, c->n_paths, sizeof(c->paths[0]), path_sort);
	qsort(c->keys, c->n_keys, sizeof(c->keys[0]), key_sort);
	v->n_peers++;
	return 0;
}

static uint32_t ifmtu(const char *ifname)
{
	struct ifreq ifr;
	int fd, r;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	r = ioctl(fd, SIOCGIFMTU, &ifr);
	close(fd);
	return r < 0 ? 0 : (uint32_t)ifr.ifr_mtu;
}

static int collect_dev(const struct avpnl_dev *d, void *arg)
{
	struct collect *c = arg;

	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 4;
		struct show_view *nv = realloc(c->views, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		c->views = nv;
		c->cap = ncap;
	}
	memset(&c->views[c->n], 0, sizeof(c->views[0]));
	c->views[c->n].dev = *d;
	c->n++;
	return 0;
}

static void free_views(struct collect *c)
{
	size_t i, k;

	for (i = 0; i < c->n; i++) {
		for (k = 0; k < c->views[i].n_peers; k++)
			avpnl_peer_clear(&c->views[i].peers[k]);
		free(c->views[i].peers);
	}
	free(c->views);
}

static int view_sort(const void *a, const void *b)
{
	uint32_t x = ((const struct show_view *)a)->dev.ifindex;
	uint32_t y = ((const struct show_view *)b)->dev.ifindex;

	return x < y ? -1 : x > y;
}

/* ---- printing ---- */

static void print_drops(const char *indent, const uint64_t *d)
{
	char fmt[64];
	bool any = false;
	unsigned int i;

	print_obj_open("drops");
	print_text("%sdrops: ", indent);
	for (i = 1; i < __AUTOVPN_DROP_MAX; i++) {
		const char *name = avpnl_drop_name(i);

		/* Text lists only what happened; JSON always has every reason. */
		snprintf(fmt, sizeof(fmt), "%s%s %%s", any ? ", " : "", name);
		print_u64(name, d[i] ? fmt : NULL, d[i]);
		any |= d[i] != 0;
	}
	if (!any)
		print_text("none");
	print_text("\n");
	print_obj_close();
}

static void print_prefixes(const char *key, const char *label, const struct avpnl_peer_prefix *arr,
			   size_t n)
{
	char buf[PREFIX_STRLEN];
	size_t i;

	print_text("  %s: ", label);
	print_arr_open(key, ", ");
	for (i = 0; i < n; i++)
		print_str(NULL, "%s", prefix_format(&arr[i].prefix, buf, sizeof(buf)));
	print_arr_close();
	print_text("\n");
}

static void print_transfer(const char *indent, uint64_t rxp, uint64_t rxb, uint64_t txp,
			   uint64_t txb)
{
	print_text("%stransfer: ", indent);
	print_u64("rx_packets", "%s packets", rxp);
	print_bytes("rx_bytes", " (%s) received, ", rxb);
	print_u64("tx_packets", "%s packets", txp);
	print_bytes("tx_bytes", " (%s) sent\n", txb);
}

static void print_path(const struct avpnl_peer_path *pa)
{
	char buf[ENDPOINT_STRLEN];
	bool up = pa->state == AUTOVPN_PATH_UP;

	print_obj_open(NULL);
	print_u64("id", "  path %s: ", pa->id);
	print_u64("uplink", "uplink %s", pa->uplink);
	print_str("endpoint", " -> %s",
		  (pa->set & AVPNL_PEER_PATH_REMOTE) ?
			  endpoint_format(&pa->remote, buf, sizeof(buf)) :
			  "(none)");
	print_str_color(up ? PRINT_GREEN : PRINT_RED, "state", ", %s", up ? "up" : "down");
	print_u64("priority", ", priority %s", pa->priority);
	print_u64("class_mask", ", class-mask %s\n", pa->class_mask);
	print_transfer("    ", pa->rx_packets, pa->rx_bytes, pa->tx_packets, pa->tx_bytes);
	print_obj_close();
}

static void print_key(const struct avpnl_key *k)
{
	const char *slot = avpnl_key_slot_name(k->slot);

	print_obj_open(NULL);
	print_str("slot", "  key %s: ", slot ? slot : "?");
	print_u64("id", "id %s", k->id);
	print_u64("age_secs", ", age %s s", k->age_secs);
	print_u64("tx_packets", ", %s packets sent\n", k->tx_packets);
	print_obj_close();
}

static void print_peer(const struct avpnl_peer *p)
{
	size_t i;

	print_obj_open(NULL);
	print_text("\n");
	print_u64("id", "peer: %s", p->id);
	print_str("name", p->name[0] ? " (%s)" : NULL, p->name);
	print_text("\n");
	print_u64("rx_index", "  rx-index: %s\n", p->rx_index);
	print_u64("tx_index", "  tx-index: %s\n", p->tx_index);
	print_transfer("  ", p->rx_packets, p->rx_bytes, p->tx_packets, p->tx_bytes);
	print_drops("  ", p->drops);
	print_prefixes("routes", "routes", p->routes, p->n_routes);
	print_prefixes("allowed", "allowed", p->allowed, p->n_allowed);
	print_arr_open("paths", NULL);
	for (i = 0; i < p->n_paths; i++)
		print_path(&p->paths[i]);
	print_arr_close();
	print_arr_open("keys", NULL);
	for (i = 0; i < p->n_keys; i++)
		print_key(&p->keys[i]);
	print_arr_close();
	print_obj_close();
}

static void print_dev(const struct show_view *v, bool first)
{
	const struct avpnl_dev *d = &v->dev;
	char buf[ENDPOINT_STRLEN];
	size_t i;

	print_obj_open(NULL);
	if (!first)
		print_text("\n");
	print_str_color(PRINT_GREEN, "name", "interface: %s\n", d->ifname);
	print_u64("ifindex", "  ifindex: %s\n", d->ifindex);
	print_u64("mtu", "  mtu: %s\n", d->mtu);
	print_bool("active_active", "  active-active: %s\n", d->active_active);
	print_arr_open("uplinks", NULL);
	for (i = 0; i < d->n_uplinks; i++) {
		print_obj_open(NULL);
		print_u64("id", "  uplink %s: ", d->uplinks[i].id);
		if (d->uplinks[i].has_local)
			print_str("local", "%s\n",
				  endpoint_format(&d->uplinks[i].local, buf, sizeof(buf)));
		else
			print_text("(no address)\n");
		print_obj_close();
	}
	print_arr_close();
	print_drops("  ", d->drops);
	print_arr_open("peers", NULL);
	for (i = 0; i < v->n_peers; i++)
		print_peer(&v->peers[i]);
	print_arr_close();
	print_obj_close();
}

/* ---- the command ---- */

int show_main(int argc, char **argv)
{
	struct collect c = { 0 };
	const char *ifname = NULL;
	bool json = false, dump = false;
	struct avpnl *h;
	size_t i;
	int r, ret = 1;

	for (i = 0; i < (size_t)argc; i++) {
		if (tool_is_help(argv[i])) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			json = true;
		} else if (!strcmp(argv[i], "dump")) {
			dump = true;
		} else if (argv[i][0] == '-' || ifname || dump) {
			tool_error("unexpected argument '%s'", argv[i]);
			usage(stderr);
			return 1;
		} else {
			ifname = argv[i];
		}
	}
	if (json && dump)
		return tool_error("'dump' and '--json' are different formats: pick one");

	h = tool_open();
	if (!h)
		return 1;
	if (ifname) {
		struct avpnl_dev d;
		uint32_t idx = tool_ifindex(ifname);

		if (!idx)
			goto out;
		r = avpnl_dev_get(h, idx, &d);
		if (r) {
			tool_nl_error(h, r, ifname);
			goto out;
		}
		r = collect_dev(&d, &c);
	} else {
		r = avpnl_dev_dump(h, collect_dev, &c);
	}
	if (r) {
		tool_nl_error(h, r, "listing devices");
		goto out;
	}
	if (c.n) /* qsort(NULL, 0, ...) is undefined */
		qsort(c.views, c.n, sizeof(c.views[0]), view_sort);
	for (i = 0; i < c.n; i++) {
		struct avpnl_dev *d = &c.views[i].dev;

		if (!d->ifname[0] && !if_indextoname(d->ifindex, d->ifname))
			snprintf(d->ifname, sizeof(d->ifname), "if%u", d->ifindex);
		if (!d->mtu)
			d->mtu = ifmtu(d->ifname);
		r = avpnl_peer_dump(h, d->ifindex, collect_peer, &c.views[i]);
		if (r) {
			tool_nl_error(h, r, d->ifname);
			goto out;
		}
		if (c.views[i].n_peers)
			qsort(c.views[i].peers, c.views[i].n_peers, sizeof(struct avpnl_peer),
			      peer_sort);
	}

	if (dump) {
		for (i = 0; i < c.n; i++)
			show_dump(&c.views[i]);
		ret = fflush(stdout) ? tool_error("writing output: %s", strerror(errno)) : 0;
		goto out;
	}
	print_begin(json, isatty(STDOUT_FILENO));
	print_obj_open(NULL);
	print_arr_open("interfaces", NULL);
	for (i = 0; i < c.n; i++)
		print_dev(&c.views[i], i == 0);
	print_arr_close();
	print_obj_close();
	ret = print_end() ? tool_error("writing output: %s", strerror(EIO)) : 0;
out:
	free_views(&c);
	avpnl_close(h);
	return ret;
}
