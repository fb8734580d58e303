/* SPDX-License-Identifier: GPL-2.0 */
/*
 * avpnl.h - libnl-3 client for the "autovpn" generic netlink family: the
 * handle. The verbs are in one file per object of the uapi
 * (uapi/linux/autovpn.h documents them): avpnl_dev.h, avpnl_peer.h,
 * avpnl_key.h, and avpnl_event.h for the multicast notifications. Used by
 * the `autovpn` tool and by autovpnd, so nothing here prints or exits.
 *
 * Every function returns 0 or a negative errno. When the kernel rejected a
 * request, avpnl_errmsg() returns its extended ack message ("unknown peer",
 * ...); when the failure was local (libnl, allocation, message too large) it
 * returns a short description of that. The message stays valid until the
 * next request on the same handle.
 *
 * Devices are named by ifindex (if_nametoindex() for names). Requests are
 * synchronous: each waits for the kernel's ack or error.
 */
#ifndef AVPN_NL_AVPNL_H
#define AVPN_NL_AVPNL_H

#include <stdint.h>

#include <linux/autovpn.h>

struct avpnl;

/* Opens a genl socket and resolves the family (autoloads the module). */
int avpnl_open(struct avpnl **out);
void avpnl_close(struct avpnl *h);
/* Message of the last failure on @h, or NULL if it carried none. */
const char *avpnl_errmsg(const struct avpnl *h);

/*
 * "malformed", "no_peer", ... (lower-case suffix of enum
 * autovpn_drop_reason, the index of the drops[] counters of devices and
 * peers), NULL if out of range.
 */
const char *avpnl_drop_name(unsigned int reason);

#endif /* AVPN_NL_AVPNL_H */
