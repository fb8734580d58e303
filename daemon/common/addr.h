/* SPDX-License-Identifier: GPL-2.0 */
/*
 * addr.h - IPv4/IPv6 addresses, prefixes and UDP endpoints.
 *
 * Pure functions, no allocation, no I/O: parse, format, compare, test
 * prefix containment/overlap, convert to and from struct sockaddr_storage.
 * Text forms are the usual ones: "10.0.0.1", "fd00::1", "10.0.0.0/24",
 * "fd00::/64", "1.2.3.4:51625", "[fd00::1]:9350".
 *
 * Parsers return 0 on success or -EINVAL; when @why is not NULL it is set
 * to a static, human-readable reason ("host bits set", "port out of range")
 * suitable for "file:line: bad CIDR '...': <why>" messages.
 */
#ifndef AVPN_ADDR_H
#define AVPN_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Buffer sizes for the formatters, terminating NUL included. */
#define AVPN_ADDR_STRLEN INET6_ADDRSTRLEN	    /* 46 */
#define AVPN_PREFIX_STRLEN (INET6_ADDRSTRLEN + 4)   /* "/128" */
#define AVPN_ENDPOINT_STRLEN (INET6_ADDRSTRLEN + 8) /* "[", "]:65535" */

/* An IPv4 or IPv6 address. Bytes in network order; unused bytes are zero. */
struct avpn_addr {
	sa_family_t family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	};
};

/* A prefix (CIDR). Host bits beyond @len are always zero. */
struct avpn_prefix {
	struct avpn_addr addr;
	uint8_t len; /* 0..32 (IPv4) or 0..128 (IPv6) */
};

/* A UDP endpoint: address and port (host byte order). */
struct avpn_endpoint {
	struct avpn_addr addr;
	uint16_t port;
};

/* Address bits of @family: 32 or 128 (0 for an unknown family). */
unsigned int avpn_addr_bits(sa_family_t family);

/* "10.0.0.1" or "fd00::1" (no brackets, no zone id). */
int avpn_addr_parse(const char *s, struct avpn_addr *out, const char **why);
/* Formats into @buf (>= AVPN_ADDR_STRLEN); returns @buf. */
char *avpn_addr_format(const struct avpn_addr *a, char *buf, size_t len);
/* Total order: IPv4 before IPv6, then bytewise. Returns <0, 0, >0. */
int avpn_addr_cmp(const struct avpn_addr *a, const struct avpn_addr *b);
bool avpn_addr_equal(const struct avpn_addr *a, const struct avpn_addr *b);
/* 0.0.0.0 / :: */
bool avpn_addr_is_any(const struct avpn_addr *a);

/*
 * "10.0.0.0/24", "fd00::/64". The length is mandatory. A prefix with host
 * bits set ("10.0.0.1/24") is rejected with @why = "host bits set": a
 * subnet table entry names a network, and silently masking would hide
 * typos. Callers that want masking use avpn_prefix_make().
 */
int avpn_prefix_parse(const char *s, struct avpn_prefix *out, const char **why);
/* Builds a prefix from an address, masking host bits; -EINVAL on bad len. */
int avpn_prefix_make(struct avpn_prefix *out, const struct avpn_addr *a, unsigned int len);
char *avpn_prefix_format(const struct avpn_prefix *p, char *buf, size_t len);
/* Order by family, then network address, then length (shorter first). */
int avpn_prefix_cmp(const struct avpn_prefix *a, const struct avpn_prefix *b);
bool avpn_prefix_equal(const struct avpn_prefix *a, const struct avpn_prefix *b);
/* True if @a lies inside @p (same family). */
bool avpn_prefix_contains_addr(const struct avpn_prefix *p, const struct avpn_addr *a);
/* True if @inner is inside (or equal to) @outer. */
bool avpn_prefix_contains(const struct avpn_prefix *outer, const struct avpn_prefix *inner);
/* True if the two prefixes share any address (one contains the other). */
bool avpn_prefix_overlaps(const struct avpn_prefix *a, const struct avpn_prefix *b);
/* 0.0.0.0/0 or ::/0 */
bool avpn_prefix_is_default(const struct avpn_prefix *p);
/* Fills 0.0.0.0/0 (AF_INET) or ::/0 (AF_INET6). */
void avpn_prefix_default(struct avpn_prefix *out, sa_family_t family);

/*
 * "1.2.3.4:51625" or "[fd00::1]:9350". The port is mandatory and must be
 * 1..65535. A bare IPv6 address without brackets is rejected.
 */
int avpn_endpoint_parse(const char *s, struct avpn_endpoint *out, const char **why);
char *avpn_endpoint_format(const struct avpn_endpoint *e, char *buf, size_t len);
int avpn_endpoint_cmp(const struct avpn_endpoint *a, const struct avpn_endpoint *b);
bool avpn_endpoint_equal(const struct avpn_endpoint *a, const struct avpn_endpoint *b);

/* struct sockaddr_in/in6 <-> endpoint. to_sockaddr returns the socklen. */
socklen_t avpn_endpoint_to_sockaddr(const struct avpn_endpoint *e, struct sockaddr_storage *ss);
int avpn_endpoint_from_sockaddr(struct avpn_endpoint *e, const struct sockaddr *sa, socklen_t len);

#endif /* AVPN_ADDR_H */
