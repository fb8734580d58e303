// SPDX-License-Identifier: GPL-2.0
/*
 * endpoint.c - UDP endpoints (see endpoint.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/endpoint.h"

static void set_why(const char **why, const char *msg)
{
	if (why)
		*why = msg;
}

int endpoint_parse(const char *s, struct endpoint *out, const char **why)
{
	char buf[ADDR_STRLEN];
	struct endpoint e;
	const char *host, *colon, *p;
	size_t hlen;
	unsigned long port = 0;

	if (!s || !*s) {
		set_why(why, "empty endpoint");
		return -EINVAL;
	}
	memset(&e, 0, sizeof(e));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close) {
			set_why(why, "missing ']'");
			return -EINVAL;
		}
		host = s + 1;
		hlen = (size_t)(close - host);
		colon = close + 1;
		if (*colon != ':') {
			set_why(why, "missing :port");
			return -EINVAL;
		}
	} else {
		host = s;
		colon = strrchr(s, ':');
		if (!colon) {
			set_why(why, "missing :port");
			return -EINVAL;
		}
		if (memchr(s, ':', (size_t)(colon - s))) {
			set_why(why, "IPv6 endpoints need brackets: [addr]:port");
			return -EINVAL;
		}
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(buf)) {
		set_why(why, "not an IPv4 or IPv6 address");
		return -EINVAL;
	}
	memcpy(buf, host, hlen);
	buf[hlen] = '\0';
	if (addr_parse(buf, &e.addr, why))
		return -EINVAL;
	if (s[0] == '[' && e.addr.family != AF_INET6) {
		set_why(why, "brackets are for IPv6 addresses only");
		return -EINVAL;
	}
	p = colon + 1;
	if (!*p || (p[0] == '0' && p[1])) {
		set_why(why, "bad port");
		return -EINVAL;
	}
	for (; *p; p++) {
		if (*p < '0' || *p > '9') {
			set_why(why, "bad port");
			return -EINVAL;
		}
		port = port * 10 + (unsigned long)(*p - '0');
		if (port > 65535) {
			set_why(why, "port out of range (1-65535)");
			return -EINVAL;
		}
	}
	if (port == 0) {
		set_why(why, "port out of range (1-65535)");
		return -EINVAL;
	}
	e.port = (uint16_t)port;
	*out = e;
	return 0;
}

char *endpoint_format(const struct endpoint *e, char *buf, size_t len)
{
	char a[ADDR_STRLEN];

	addr_format(&e->addr, a, sizeof(a));
	if (!len)
		return buf;
	if (e->addr.family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, e->port);
	else
		snprintf(buf, len, "%s:%u", a, e->port);
	return buf;
}

int endpoint_cmp(const struct endpoint *a, const struct endpoint *b)
{
	int r = addr_cmp(&a->addr, &b->addr);

	if (r)
		return r;
	return (int)a->port - (int)b->port;
}

bool endpoint_equal(const struct endpoint *a, const struct endpoint *b)
{
	return endpoint_cmp(a, b) == 0;
}

socklen_t endpoint_to_sockaddr(const struct endpoint *e, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (e->addr.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(e->port);
		sin->sin_addr = e->addr.v4;
		return sizeof(*sin);
	}
	if (e->addr.family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(e->port);
		sin6->sin6_addr = e->addr.v6;
		return sizeof(*sin6);
	}
	return 0;
}

int endpoint_from_sockaddr(struct endpoint *e, const struct sockaddr *sa, socklen_t len)
{
	struct endpoint r;

	memset(&r, 0, sizeof(r));
	if (len >= (socklen_t)sizeof(struct sockaddr_in) && sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		r.addr.family = AF_INET;
		r.addr.v4 = sin->sin_addr;
		r.port = ntohs(sin->sin_port);
	} else if (len >= (socklen_t)sizeof(struct sockaddr_in6) && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		r.addr.family = AF_INET6;
		r.addr.v6 = sin6->sin6_addr;
		r.port = ntohs(sin6->sin6_port);
	} else {
		return -EINVAL;
	}
	*e = r;
	return 0;
}
