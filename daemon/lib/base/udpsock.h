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

#include <stddef.h>

#include "base/endpoint.h"

/*
 * A UDP socket of @ep's family (IPv6 ones IPV6_V6ONLY), bound to @dev
 * (SO_BINDTODEVICE) when @dev is non-empty, then to @ep (port 0: any).
 * Returns the fd, or -errno with a reason in @err.
 */
int udpsock_open(const struct endpoint *ep, const char *dev, char *err, size_t errlen);

#endif /* AVPN_BASE_UDPSOCK_H */
