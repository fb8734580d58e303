/* SPDX-License-Identifier: GPL-2.0 */
/*
 * udpsock.h - the UDP socket of an uplink. Its opener binds it; the module
 * takes the fd (and keeps its own reference) so the one socket carries the
 * kernel's DATA packets and the daemon's control messages alike. The tool
 * opens one per `autovpn set IFACE uplink ...`; autovpnd will open one per
 * configured uplink.
 */
#ifndef AVPN_BASE_UDPSOCK_H
#define AVPN_BASE_UDPSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/endpoint.h"

struct udpsock_opts {
	const char *dev; /* SO_BINDTODEVICE when non-empty */
	uint32_t mark;	 /* SO_MARK when non-zero (routing of the daemon's own traffic) */
	bool reuseport;	 /* SO_REUSEPORT: a restarted daemon can bind the same port */
};

/*
 * A UDP socket of @ep's family (IPv6 ones IPV6_V6ONLY) with the options of
 * @o (may be NULL), bound to @ep (port 0: any). Returns the fd, or -errno
 * with a reason in @err.
 */
int udpsock_open(const struct endpoint *ep, const struct udpsock_opts *o, char *err, size_t errlen);

#endif /* AVPN_BASE_UDPSOCK_H */
