/* SPDX-License-Identifier: GPL-2.0 */
/*
 * merge.h - the print model of `autovpn show`: one device as the kernel
 * reports it (struct show_view) next to what its autovpnd reports (struct
 * ctl_status), matched up so the printers (show_print.c for text and JSON,
 * show_dump.c) only walk it.
 *
 * Matching: uplinks by id, peers by kernel peer id (the daemon allocates
 * the kernel's ids), paths by id within a peer. Either side may lack an
 * entry the other has: a peer the daemon knows but has not put into the
 * kernel, a kernel peer made by hand (`autovpn set`), a path the daemon is
 * still punching. A path of a peer both know is checked against what
 * autovpnd means the kernel to have (merge_path.disagree). Order: uplinks
 * and paths by id; peers by id with the kernel's first (the daemon-only
 * ones follow, by id then name); the daemon's route decisions by prefix
 * (address order, as the kernel's).
 *
 * The model points into the view and the status, which must outlive it.
 */
#ifndef AVPN_TOOL_MERGE_H
#define AVPN_TOOL_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "ctl/ctl.h"
#include "show.h"

enum merge_daemon {
	MERGE_DAEMON_ABSENT,  /* no autovpnd for this interface */
	MERGE_DAEMON_RUNNING, /* its status is merged in */
	MERGE_DAEMON_ERROR,   /* it runs but its answer was an error */
};

struct merge_path {
	uint8_t id;
	const struct avpnl_peer_path *k; /* NULL: not (yet) in the kernel */
	const struct ctl_path *d;	 /* NULL: no daemon, or not its path */
	/* "" or how the kernel's path differs from what autovpnd put there */
	char disagree[2 * CTL_EP_MAX + 64];
};

struct merge_peer {
	uint32_t id;
	const char *name; /* the kernel's, else the daemon's; never NULL */
	const struct avpnl_peer *k;
	const struct ctl_peer *d;
	size_t n_paths;
	struct merge_path paths[AUTOVPN_MAX_PATHS + 4]; /* kernel's and daemon's ids */
};

struct merge_uplink {
	uint8_t id;
	const struct avpnl_dev_uplink *k;
	const struct ctl_uplink *d;
};

struct merge_dev {
	const struct avpnl_dev *k;
	enum merge_daemon daemon;
	const char *daemon_msg;	    /* ABSENT, ERROR: one line; "" otherwise */
	const struct ctl_status *d; /* RUNNING only, else NULL */
	size_t n_uplinks;
	struct merge_uplink uplinks[AUTOVPN_MAX_UPLINKS + 2];
	size_t n_peers;
	struct merge_peer *peers;
	size_t n_routes;
	const struct ctl_route **routes;
};

/*
 * Builds *m from the view (and its daemon answer: v->daemon_err and
 * v->daemon). Returns 0 or -ENOMEM; merge_dev_free() in both cases.
 */
int merge_dev_build(struct merge_dev *m, const struct show_view *v);
void merge_dev_free(struct merge_dev *m);

#endif /* AVPN_TOOL_MERGE_H */
