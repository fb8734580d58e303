/* SPDX-License-Identifier: GPL-2.0 */
/*
 * endpoint.h - a UDP endpoint: an IPv4/IPv6 address and a port.
 *
 * The one endpoint type of userspace: configs, the tool, the netlink client
 * and the control-message codec (wire/proto.h) all use it. Text forms:
 * "1.2.3.4:51625", "[fd00::1]:9350". Parsers return 0 or -EINVAL with a
 * static reason in @why (when not NULL), as addr.h does.
 */
#ifndef AVPN_BASE_ENDPOINT_H
#define AVPN_BASE_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/addr.h"

/* Buffer size for endpoint_format(), terminating NUL included. */
#define ENDPOINT_STRLEN (ADDR_STRLEN + 8) /* "[", "]:65535" */

/* Address and port (host byte order). addr.family AF_UNSPEC: no endpoint. */
struct endpoint {
	struct addr addr;
	uint16_t port;
};

/*
 * "1.2.3.4:51625" or "[fd00::1]:9350". The port is mandatory and must be
 * 1..65535. A bare IPv6 address without brackets is rejected.
 */
int endpoint_parse(const char *s, struct endpoint *out, const char **why);
char *endpoint_format(const struct endpoint *e, char *buf, size_t len);
int endpoint_cmp(const struct endpoint *a, const struct endpoint *b);
bool endpoint_equal(const struct endpoint *a, const struct endpoint *b);

/* struct sockaddr_in/in6 <-> endpoint. to_sockaddr returns the socklen. */
socklen_t endpoint_to_sockaddr(const struct endpoint *e, struct sockaddr_storage *ss);
int endpoint_from_sockaddr(struct endpoint *e, const struct sockaddr *sa, socklen_t len);

#endif /* AVPN_BASE_ENDPOINT_H */
