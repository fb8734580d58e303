// SPDX-License-Identifier: GPL-2.0
/*
 * addr.c - IPv4/IPv6 addresses (see addr.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/addr.h"

unsigned int addr_bits(sa_family_t family)
{
	return family == AF_INET ? 32 : family == AF_INET6 ? 128 : 0;
}

size_t addr_len(sa_family_t family)
{
	return addr_bits(family) / 8;
}

int addr_parse(const char *s, struct addr *out, const char **why)
{
	struct addr a;

	memset(&a, 0, sizeof(a));
	if (!s || !*s) {
		if (why)
			*why = "empty address";
		return -EINVAL;
	}
	/* inet_pton() is strict: no leading zeros tricks, no trailing junk. */
	if (inet_pton(AF_INET, s, &a.v4) == 1) {
		a.family = AF_INET;
	} else if (inet_pton(AF_INET6, s, &a.v6) == 1) {
		a.family = AF_INET6;
	} else {
		if (why)
			*why = "not an IPv4 or IPv6 address";
		return -EINVAL;
	}
	*out = a;
	return 0;
}

char *addr_format(const struct addr *a, char *buf, size_t len)
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

int addr_cmp(const struct addr *a, const struct addr *b)
{
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	return memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16);
}

bool addr_equal(const struct addr *a, const struct addr *b)
{
	return addr_cmp(a, b) == 0;
}

bool addr_is_any(const struct addr *a)
{
	static const uint8_t zero[16];

	return !memcmp(a->bytes, zero, a->family == AF_INET ? 4 : 16);
}
