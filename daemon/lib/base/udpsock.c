// SPDX-License-Identifier: GPL-2.0
/* udpsock.c - open and bind an uplink's UDP socket (see udpsock.h). */
#include <errno.h>
#include <linux/filter.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/udpsock.h"

int udpsock_reuseport_steer(int fd, unsigned int index)
{
	struct sock_filter ret[] = { BPF_STMT(BPF_RET | BPF_K, index) };
	struct sock_fprog prog = { .len = 1, .filter = ret };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog));
}

int udpsock_open(const struct endpoint *ep, const struct udpsock_opts *o, char *err, size_t errlen)
{
	const char *dev = o ? o->dev : NULL;
	char buf[ENDPOINT_STRLEN];
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, r;

	endpoint_format(ep, buf, sizeof(buf));
	fd = socket(ep->addr.family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "socket for %s: %s", buf, strerror(errno));
		return r;
	}
	/* An IPv6 uplink carries IPv6 only; IPv4 gets its own uplink. */
	if (ep->addr.family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) {
		r = -errno;
		snprintf(err, errlen, "IPV6_V6ONLY on %s: %s", buf, strerror(errno));
		goto fail;
	}
	if (dev && *dev &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev)) < 0) {
		r = -errno;
		snprintf(err, errlen, "binding to device %s: %s", dev, strerror(errno));
		goto fail;
	}
	if (o && o->mark && setsockopt(fd, SOL_SOCKET, SO_MARK, &o->mark, sizeof(o->mark)) < 0) {
		r = -errno;
		snprintf(err, errlen, "SO_MARK on %s: %s", buf, strerror(errno));
		goto fail;
	}
	if (o && o->reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) {
		r = -errno;
		snprintf(err, errlen, "SO_REUSEPORT on %s: %s", buf, strerror(errno));
		goto fail;
	}
	len = endpoint_to_sockaddr(ep, &ss);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		r = -errno;
		snprintf(err, errlen, "bind %s: %s", buf, strerror(errno));
		goto fail;
	}
	if (o && o->reuseport && udpsock_reuseport_steer(fd, UDPSOCK_STEER_OLDEST) < 0) {
		r = -errno;
		snprintf(err, errlen, "SO_ATTACH_REUSEPORT_CBPF on %s: %s", buf, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return r;
}
