/* SPDX-License-Identifier: GPL-2.0 */
/*
 * addr.h - an IPv4 or IPv6 address.
 *
 * Pure functions, no allocation, no I/O: parse, format, compare. Text forms
 * are the usual ones: "10.0.0.1", "fd00::1" (no brackets, no zone id).
 * Prefixes (CIDR) are in prefix.h, address + port in endpoint.h.
 *
 * Parsers return 0 on success or -EINVAL; when @why is not NULL it is set
 * to a static, human-readable reason suitable for "file:line: bad address
 * '...': <why>" messages.
 */
#ifndef AVPN_BASE_ADDR_H
#define AVPN_BASE_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Buffer size for addr_format(), terminating NUL included. */
#define ADDR_STRLEN INET6_ADDRSTRLEN /* 46 */

/* An IPv4 or IPv6 address. Bytes in network order; unused bytes are zero. */
struct addr {
	sa_family_t family; /* AF_INET or AF_INET6 (AF_UNSPEC: none) */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	};
};

/* Address bits of @family: 32 or 128 (0 for an unknown family). */
unsigned int addr_bits(sa_family_t family);
/* Bytes of an address of @family: 4 or 16 (0 for an unknown family). */
size_t addr_len(sa_family_t family);

/* "10.0.0.1" or "fd00::1" (no brackets, no zone id). */
int addr_parse(const char *s, struct addr *out, const char **why);
/* Formats into @buf (>= ADDR_STRLEN); returns @buf. */
char *addr_format(const struct addr *a, char *buf, size_t len);
/* Total order: IPv4 before IPv6, then bytewise. Returns <0, 0, >0. */
int addr_cmp(const struct addr *a, const struct addr *b);
bool addr_equal(const struct addr *a, const struct addr *b);
/* 0.0.0.0 / :: */
bool addr_is_any(const struct addr *a);

#endif /* AVPN_BASE_ADDR_H */
