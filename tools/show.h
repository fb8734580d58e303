/* SPDX-License-Identifier: GPL-2.0 */
/*
 * show.h - one device as `autovpn show` collected it: the device and its
 * peers, sorted (peers by id, paths by id, keys by slot, prefixes in
 * address order) so every output format is stable.
 */
#ifndef AVPN_TOOL_SHOW_H
#define AVPN_TOOL_SHOW_H

#include <stddef.h>

#include "nl/avpnl_dev.h"
#include "nl/avpnl_peer.h"

struct show_view {
	struct avpnl_dev dev;
	size_t n_peers, cap_peers;
	struct avpnl_peer *peers;
};

/* `show IFACE dump`: tab-separated lines (format in docs/tools.md). */
void show_dump(const struct show_view *v);

#endif /* AVPN_TOOL_SHOW_H */
