// SPDX-License-Identifier: GPL-2.0
/*
 * show.c - `autovpn show [IFACE] [--json]` and `autovpn show IFACE dump`.
 *
 * Collects the devices and their peers first (DEV_GET or its dump, then a
 * PEER_GET dump per device), sorts them, asks each device's autovpnd for
 * its status (ask.c), matches the two views up (merge.c), then prints
 * through the print layer (show_print.c: text or JSON) or show_dump.c
 * (tab-separated).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ask.h"
#include "merge.h"
#include "print.h"
#include "show.h"
#include "tool.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: " TOOL_PROG " show [IFACE] [--json]\n"
		   "       " TOOL_PROG " show [IFACE] dump\n"
		   "\n"
		   "Shows every autovpn device (or IFACE): uplinks, drop counters, peers with\n"
		   "their routes, allowed sources, paths, keys and counters, as the kernel has\n"
		   "them. When autovpnd runs for the device, its view is shown next to them:\n"
		   "the gateway, its registries, NAT per uplink, each peer's state, role,\n"
		   "endpoints, handshake and subnets, each path's probes (RTT, jitter, loss),\n"
		   "and the route decision per subnet. Colour on a terminal; --json prints one\n"
		   "JSON object; dump prints stable tab-separated lines for scripts (see\n"
		   "docs/tools.md).\n");
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
		ctl_status_free(&c->views[i].daemon); /* zeroed unless asked */
	}
	free(c->views);
}

static int view_sort(const void *a, const void *b)
{
	uint32_t x = ((const struct show_view *)a)->dev.ifindex;
	uint32_t y = ((const struct show_view *)b)->dev.ifindex;

	return x < y ? -1 : x > y;
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

	for (i = 0; i < c.n; i++) {
		struct show_view *v = &c.views[i];

		v->daemon_err =
			ask_status(v->dev.ifname, &v->daemon, v->daemon_msg, sizeof(v->daemon_msg));
	}

	if (!dump) {
		print_begin(json, isatty(STDOUT_FILENO));
		print_obj_open(NULL);
		print_arr_open("interfaces", NULL);
	}
	for (i = 0; i < c.n; i++) {
		struct merge_dev m;

		r = merge_dev_build(&m, &c.views[i]);
		if (r) {
			merge_dev_free(&m);
			if (!dump)
				print_abort();
			tool_error("%s: %s", c.views[i].dev.ifname, strerror(-r));
			goto out;
		}
		if (dump)
			show_dump(&m);
		else
			show_print(&m, i == 0);
		merge_dev_free(&m);
	}
	if (dump) {
		ret = fflush(stdout) ? tool_error("writing output: %s", strerror(errno)) : 0;
	} else {
		print_arr_close();
		print_obj_close();
		ret = print_end() ? tool_error("writing output: %s", strerror(EIO)) : 0;
	}
out:
	free_views(&c);
	avpnl_close(h);
	return ret;
}
