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
 * Left to the kernel's hash, a restarted (or reloading) daemon loses
 * datagrams twice: after it binds its new socket and before the module has
 * it, a peer's DATA hashed to the new socket reaches the daemon, not
 * encap_rcv; after the module has taken the new socket, what is hashed to
 * the old one lands in a socket nobody reads. So the group is steered: to
 * its oldest socket (the module's) from the new one's bind on, which
 * udpsock_open() does for reuseport sockets, and to the newest once the
 * module has it (the daemon, after the hand-over). The module keeps the
 * old socket hooked for a moment after the hand-over (AVPN_UPLINK_RETIRE_MS,
 * kernel/uplink.c), so DATA that reaches it before the steering is still
 * decrypted. @index is a position in the group, in bind order; one the
 * group does not have falls back to the hash, which for a single socket is
 * that one, so UDPSOCK_STEER_NEWEST stays right after the old socket is
 * gone. (Two hand-overs within AVPN_UPLINK_RETIRE_MS: the second lets the
 * first retiring socket go at once, and DATA the new daemon's bind steered
 * to it is lost; then, as a leaving socket's slot takes the group's last
 * one, the positions name the wrong sockets until the other retiring one
 * goes. Nor does anything steer the group between a new socket's bind()
 * and its steering to the oldest: the program left from the last
 * hand-over names the newest, the new socket, for that moment: 0-1
 * packets of a 10 ms stream on the stock kernel, 2-3 under the debug
 * kernel, most likely here; gw_restart.sh.)
 * The program belongs to the group, not the socket. 0, or -1 with errno.
 */
#define UDPSOCK_STEER_OLDEST 0u
#define UDPSOCK_STEER_NEWEST 1u
int udpsock_reuseport_steer(int fd, unsigned int index);

#endif /* AVPN_BASE_UDPSOCK_H */
