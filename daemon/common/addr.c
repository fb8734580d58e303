// SPDX-License-Identifier: GPL-2.0
/*
 * addr.c - IPv4/IPv6 address, prefix and endpoint helpers (see addr.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/common/addr.h"

static void set_why(const char **why, const char *msg)
{
	if (why)
		*why = msg;
}

unsigned int avpn_addr_bits(sa_family_t family)
{
	return family == AF_INET ? 32 : family == AF_INET6 ? 128 : 0;
}

int avpn_addr_parse(const char *s, struct avpn_addr *out, const char **why)
{
	struct avpn_addr a;

	memset(&a, 0, sizeof(a));
	if (!s || !*s) {
		set_why(why, "empty address");
		return -EINVAL;
	}
	/* inet_pton() is strict: no leading zeros tricks, no trailing junk. */
	if (inet_pton(AF_INET, s, &a.v4) == 1) {
		a.family = AF_INET;
	} else if (inet_pton(AF_INET6, s, &a.v6) == 1) {
		a.family = AF_INET6;
	} else {
		set_why(why, "not an IPv4 or IPv6 address");
		return -EINVAL;
	}
	*out = a;
	return 0;
}

char *avpn_addr_format(const struct avpn_addr *a, char *buf, size_t len)
{
	if (!len)
		return buf;
	if (a->family != AF_INET && a->family != AF_INET6) {
		snprintf(buf, len, "?");
		return buf;
	}
	if (!inet_ntop(a->family, a->bytes, buf, len))
		buf[0] = '\0';
	return buf;
}

int avpn_addr_cmp(const struct avpn_addr *a, const struct avpn_addr *b)
{
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	return memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16);
}

bool avpn_addr_equal(const struct avpn_addr *a, const struct avpn_addr *b)
{
	return avpn_addr_cmp(a, b) == 0;
}

bool avpn_addr_is_any(const struct avpn_addr *a)
{
	static const uint8_t zero[16];

	return !memcmp(a->bytes, zero, a->family == AF_INET ? 4 : 16);
}

/* Zeroes the bits of @a beyond @len; returns true if any was set. */
static bool mask_host_bits(struct avpn_addr *a, unsigned int len)
{
	unsigned int bytes = avpn_addr_bits(a->family) / 8, i;
	bool had = false;

	for (i = 0; i < bytes; i++) {
		unsigned int bit = i * 8;
		uint8_t keep;

		if (bit + 8 <= len)
			continue;
		keep = bit >= len ? 0 : (uint8_t)(0xff << (8 - (len - bit)));
		if (a->bytes[i] & ~keep)
			had = true;
		a->bytes[i] &= keep;
	}
	return had;
}

int avpn_prefix_make(struct avpn_prefix *out, const struct avpn_addr *a, unsigned int len)
{
	struct avpn_prefix p;

	if (len > avpn_addr_bits(a->family) || !avpn_addr_bits(a->family))
		return -EINVAL;
	memset(&p, 0, sizeof(p));
	p.addr.family = a->family;
	memcpy(p.addr.bytes, a->bytes, avpn_addr_bits(a->family) / 8);
	p.len = (uint8_t)len;
	mask_host_bits(&p.addr, len);
	*out = p;
	return 0;
}

int avpn_prefix_parse(const char *s, struct avpn_prefix *out, const char **why)
{
	char buf[AVPN_ADDR_STRLEN];
	const char *slash, *l;
	struct avpn_prefix p;
	unsigned int len = 0;
	size_t alen;

	if (!s || !*s) {
		set_why(why, "empty prefix");
		return -EINVAL;
	}
	slash = strchr(s, '/');
	if (!slash) {
		set_why(why, "missing /length");
		return -EINVAL;
	}
	alen = (size_t)(slash - s);
	if (alen == 0 || alen >= sizeof(buf)) {
		set_why(why, "not an IPv4 or IPv6 address");
		return -EINVAL;
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(&p, 0, sizeof(p));
	if (avpn_addr_parse(buf, &p.addr, why))
		return -EINVAL;
	l = slash + 1;
	if (!*l) {
		set_why(why, "missing prefix length");
		return -EINVAL;
	}
	/* Plain decimal, no sign, no leading zeros beyond "0" itself. */
	if (l[0] == '0' && l[1]) {
		set_why(why, "bad prefix length");
		return -EINVAL;
	}
	for (; *l; l++) {
		if (*l < '0' || *l > '9' || len > 128) {
			set_why(why, "bad prefix length");
			return -EINVAL;
		}
		len = len * 10 + (unsigned int)(*l - '0');
	}
	if (len > avpn_addr_bits(p.addr.family)) {
		set_why(why, "prefix length too long for the address family");
		return -EINVAL;
	}
	p.len = (uint8_t)len;
	if (mask_host_bits(&p.addr, len)) {
		set_why(why, "host bits set");
		return -EINVAL;
	}
	*out = p;
	return 0;
}

char *avpn_prefix_format(const struct avpn_prefix *p, char *buf, size_t len)
{
	char a[AVPN_ADDR_STRLEN];

	if (len)
		snprintf(buf, len, "%s/%u", avpn_addr_format(&p->addr, a, sizeof(a)), p->len);
	return buf;
}

int avpn_prefix_cmp(const struct avpn_prefix *a, const struct avpn_prefix *b)
{
	int r = avpn_addr_cmp(&a->addr, &b->addr);

	if (r)
		return r;
	return (int)a->len - (int)b->len;
}

bool avpn_prefix_equal(const struct avpn_prefix *a, const struct avpn_prefix *b)
{
	return avpn_prefix_cmp(a, b) == 0;
}

/* True if the first @len bits of @a and @b agree. */
static bool same_bits(const uint8_t *a, const uint8_t *b, unsigned int len)
{
	unsigned int full = len / 8, rest = len % 8;

	if (memcmp(a, b, full))
		return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));

		return ((a[full] ^ b[full]) & m) == 0;
	}
	return true;
}

bool avpn_prefix_contains_addr(const struct avpn_prefix *p, const struct avpn_addr *a)
{
	return p->addr.family == a->family && same_bits(p->addr.bytes, a->bytes, p->len);
}

bool avpn_prefix_contains(const struct avpn_prefix *outer, const struct avpn_prefix *inner)
{
	return outer->addr.family == inner->addr.family && outer->len <= inner->len &&
	       same_bits(outer->addr.bytes, inner->addr.bytes, outer->len);
}

bool avpn_prefix_overlaps(const struct avpn_prefix *a, const struct avpn_prefix *b)
{
	return avpn_prefix_contains(a, b) || avpn_prefix_contains(b, a);
}

bool avpn_prefix_is_default(const struct avpn_prefix *p)
{
	return p->len == 0 && avpn_addr_bits(p->addr.family);
}

void avpn_prefix_default(struct avpn_prefix *out, sa_family_t family)
{
	memset(out, 0, sizeof(*out));
	out->addr.family = family;
}

int avpn_endpoint_parse(const char *s, struct avpn_endpoint *out, const char **why)
{
	char buf[AVPN_ADDR_STRLEN];
	struct avpn_endpoint e;
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
	if (avpn_addr_parse(buf, &e.addr, why))
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

char *avpn_endpoint_format(const struct avpn_endpoint *e, char *buf, size_t len)
{
	char a[AVPN_ADDR_STRLEN];

	avpn_addr_format(&e->addr, a, sizeof(a));
	if (!len)
		return buf;
	if (e->addr.family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, e->port);
	else
		snprintf(buf, len, "%s:%u", a, e->port);
	return buf;
}

int avpn_endpoint_cmp(const struct avpn_endpoint *a, const struct avpn_endpoint *b)
{
	int r = avpn_addr_cmp(&a->addr, &b->addr);

	if (r)
		return r;
	return (int)a->port - (int)b->port;
}

bool avpn_endpoint_equal(const struct avpn_endpoint *a, const struct avpn_endpoint *b)
{
	return avpn_endpoint_cmp(a, b) == 0;
}

socklen_t avpn_endpoint_to_sockaddr(const struct avpn_endpoint *e, struct sockaddr_storage *ss)
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

int avpn_endpoint_from_sockaddr(struct avpn_endpoint *e, const struct sockaddr *sa, socklen_t len)
{
	struct avpn_endpoint r;

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
