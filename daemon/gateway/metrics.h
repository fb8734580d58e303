/* SPDX-License-Identifier: GPL-2.0 */
/*
 * metrics.h - autovpnd's Prometheus metrics (opt-in: --metrics ADDR:PORT).
 *
 * The exposition is built by a pure function from a snapshot: the daemon's
 * status (the same struct ctl_status `autovpn show` gets), what only the
 * daemon counts (per peer and path, struct metrics_peer_extra), and the
 * kernel's counters of every peer and path (PEER_GET, struct
 * metrics_kpeer). The listener (libmicrohttpd in the daemon's loop) takes
 * the snapshot when scraped. docs/tools.md lists the metrics.
 */
#ifndef AVPN_GATEWAY_METRICS_H
#define AVPN_GATEWAY_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ctl/ctl.h"
#include "nl/avpnl_peer.h"

#define METRICS_MAX_PATHS 4  /* path ids 0..3, as the kernel's */
#define METRICS_HS_RESULTS 5 /* enum gw_hs_result */

/* What the daemon counts itself, per peer of ctl_status (same order). */
struct metrics_peer_extra {
	uint64_t handshakes; /* keys installed (an adopted key counts once) */
	struct {
		uint64_t probes_sent, replies, state_changes;
	} paths[METRICS_MAX_PATHS]; /* by path id */
};

/* The kernel's counters of one peer (PEER_GET / dump). */
struct metrics_kpeer {
	uint32_t id;
	bool has_drops;
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t rx_ce_marks, tx_ce_marks;
	uint64_t drops[__AUTOVPN_DROP_MAX];
	unsigned int n_paths;
	struct {
		uint8_t id;
		uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	} paths[METRICS_MAX_PATHS];
};

struct metrics_uplink_counts {
	uint64_t rx, tx, rx_dropped, tx_failed;
};

struct metrics_snapshot {
	const struct ctl_status *st;
	const struct metrics_peer_extra *extra; /* st->n_peers of them, or NULL */
	const struct metrics_kpeer *kpeers;	/* matched to peers by id */
	size_t n_kpeers;
	bool kernel_ok; /* the kernel's counters could be read */
	struct metrics_uplink_counts uplinks[2];
	uint64_t hs_results[METRICS_HS_RESULTS]; /* by enum gw_hs_result */
};

/* The text exposition 0.0.4 of @s into @f; 0 or -EIO. */
int metrics_write(FILE *f, const struct metrics_snapshot *s);

struct gw;
/* The listener on gw->opts.metrics_listen, if set; 0 or -errno. */
int metrics_start(struct gw *gw);
void metrics_stop(struct gw *gw);
/* The config changed (SIGHUP): the next scrape renders, not the kept body. */
void metrics_config_changed(struct gw *gw);

#endif /* AVPN_GATEWAY_METRICS_H */
