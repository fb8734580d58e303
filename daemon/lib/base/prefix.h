/* SPDX-License-Identifier: GPL-2.0 */
/*
 * prefix.h - an IPv4 or IPv6 prefix (CIDR): "10.0.0.0/24", "fd00::/64".
 *
 * Pure functions, no allocation, no I/O: parse, format, compare, test
 * containment and overlap. Parsers return 0 or -EINVAL with a static
 * reason in @why (when not NULL), as addr.h does.
 */
#ifndef AVPN_BASE_PREFIX_H
#define AVPN_BASE_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

/* Buffer size for prefix_format(), terminating NUL included. */
#define PREFIX_STRLEN (ADDR_STRLEN + 4) /* "/128" */

/* A prefix. Host bits beyond @len are always zero. */
struct prefix {
	struct addr addr;
	uint8_t len; /* 0..32 (IPv4) or 0..128 (IPv6) */
};

/*
 * "10.0.0.0/24", "fd00::/64". The length is mandatory. A prefix with host
 * bits set ("10.0.0.1/24") is rejected with @why = "host bits set": a
 * subnet table entry names a network, and silently masking would hide
 * typos. Callers that want masking use prefix_make().
 */
int prefix_parse(const char *s, struct prefix *out, const char **why);
/* Builds a prefix from an address, masking host bits; -EINVAL on bad len. */
int prefix_make(struct prefix *out, const struct addr *a, unsigned int len);
/* True if @p's address has no bits set beyond its length (and len fits). */
bool prefix_is_canonical(const struct prefix *p);
char *prefix_format(const struct prefix *p, char *buf, size_t len);
/* Order by family, then network address, then length (shorter first). */
int prefix_cmp(const struct prefix *a, const struct prefix *b);
bool prefix_equal(const struct prefix *a, const struct prefix *b);
/* True if @a lies inside @p (same family). */
bool prefix_contains_addr(const struct prefix *p, const struct addr *a);
/* True if @inner is inside (or equal to) @outer. */
bool prefix_contains(const struct prefix *outer, const struct prefix *inner);
/* True if the two prefixes share any address (one contains the other). */
bool prefix_overlaps(const struct prefix *a, const struct prefix *b);
/* 0.0.0.0/0 or ::/0 */
bool prefix_is_default(const struct prefix *p);
/* Fills 0.0.0.0/0 (AF_INET) or ::/0 (AF_INET6). */
void prefix_default(struct prefix *out, sa_family_t family);

#endif /* AVPN_BASE_PREFIX_H */
