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
	bool reuseport;	 /* SO_REUSEPORT: a restarted daemon can bind the same port;
			  * datagrams go to the port's oldest socket (below) */
};

/*
 * A UDP socket of @ep's family (IPv6 ones IPV6_V6ONLY) with the options of
 * @o (may be NULL), bound to @ep (port 0: any). Returns the fd, or -errno
 * with a reason in @err.
 */
int udpsock_open(const struct endpoint *ep, const struct udpsock_opts *o, char *err, size_t errlen);

/*
 * Which socket of a port shared through SO_REUSEPORT gets the datagrams.
 * Left to the kernel's hash, a restarted (or reloading) daemon loses DATA
 * twice: after it binds its new socket and before the module has it, a
 * peer's DATA hashed to the new socket reaches the daemon, not encap_rcv;
 * after the module has taken the new socket and let the old one go (it
 * unhooks it at once, but the socket lives on for an RCU grace period and a
 * deferred close), DATA hashed to the old one lands in a socket nobody
 * reads. One packet of a 10 ms stream per restart, measured, either way.
 * So the group is steered: to its oldest socket (the module's) from the
 * new one's bind on, which udpsock_open() does for reuseport sockets, and
 * to the newest once the module has it (the daemon, after the hand-over).
 * @index is a position in the group, in bind order; one the group does
 * not have falls back to the hash, which for a single socket is that one,
 * so UDPSOCK_STEER_NEWEST stays right after the old socket is gone. The
 * program belongs to the group, not the socket. 0, or -1 with errno.
 */
#define UDPSOCK_STEER_OLDEST 0u
#define UDPSOCK_STEER_NEWEST 1u
int udpsock_reuseport_steer(int fd, unsigned int index);

#endif /* AVPN_BASE_UDPSOCK_H */
