/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uplink.h - the UDP socket of an uplink, until autovpnd opens them: the
 * tool binds it, hands its fd to the module (which keeps its own reference)
 * and exits.
 */
#ifndef AVPN_TOOL_UPLINK_H
#define AVPN_TOOL_UPLINK_H

#include <stddef.h>

#include "base/endpoint.h"

/*
 * A UDP socket of @ep's family (IPv6 ones IPV6_V6ONLY), bound to @dev
 * (SO_BINDTODEVICE) when @dev is non-empty, then to @ep. Returns the fd, or
 * -errno with a reason in @err.
 */
int uplink_socket(const struct endpoint *ep, const char *dev, char *err, size_t errlen);

#endif /* AVPN_TOOL_UPLINK_H */
