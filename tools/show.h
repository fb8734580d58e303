/* SPDX-License-Identifier: GPL-2.0 */
/*
 * show.h - one device as `autovpn show` collected it: the device and its
 * peers, sorted (peers by id, paths by id, keys by slot, prefixes in
 * address order) so every output format is stable, and what its autovpnd
 * answered. merge.h matches the two up for the printers.
 */
#ifndef AVPN_TOOL_SHOW_H
#define AVPN_TOOL_SHOW_H

#include <stdbool.h>
#include <stddef.h>

#include "ask.h"
#include "ctl/ctl.h"
#include "nl/avpnl_dev.h"
#include "nl/avpnl_peer.h"

struct show_view {
	struct avpnl_dev dev;
	size_t n_peers, cap_peers;
	struct avpnl_peer *peers;
	/* autovpnd: daemon_err is ask_status()'s result (0: daemon is valid). */
	int daemon_err;
	char daemon_msg[ASK_MSG_MAX];
	struct ctl_status daemon;
};

struct merge_dev;

/* Text or JSON through the print layer (format in docs/tools.md). */
void show_print(const struct merge_dev *m, bool first);
/* `show IFACE dump`: tab-separated lines (format in docs/tools.md). */
void show_dump(const struct merge_dev *m);

#endif /* AVPN_TOOL_SHOW_H */
