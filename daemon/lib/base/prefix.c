// SPDX-License-Identifier: GPL-2.0
/*
 * prefix.c - IPv4/IPv6 prefixes (see prefix.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/prefix.h"

static void set_why(const char **why, const char *msg)
{
	if (why)
		*why = msg;
}

/* Zeroes the bits of @a beyond @len; returns true if any was set. */
static bool mask_host_bits(struct addr *a, unsigned int len)
{
	unsigned int bytes = addr_bits(a->family) / 8, i;
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

int prefix_make(struct prefix *out, const struct addr *a, unsigned int len)
{
	struct prefix p;

	if (len > addr_bits(a->family) || !addr_bits(a->family))
		return -EINVAL;
	memset(&p, 0, sizeof(p));
	p.addr.family = a->family;
	memcpy(p.addr.bytes, a->bytes, addr_bits(a->family) / 8);
	p.len = (uint8_t)len;
	mask_host_bits(&p.addr, len);
	*out = p;
	return 0;
}

bool prefix_is_canonical(const struct prefix *p)
{
	struct addr a = p->addr;

	return addr_bits(a.family) && p->len <= addr_bits(a.family) && !mask_host_bits(&a, p->len);
}

int prefix_parse(const char *s, struct prefix *out, const char **why)
{
	char buf[ADDR_STRLEN];
	const char *slash, *l;
	struct prefix p;
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
	if (addr_parse(buf, &p.addr, why))
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
	if (len > addr_bits(p.addr.family)) {
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

char *prefix_format(const struct prefix *p, char *buf, size_t len)
{
	char a[ADDR_STRLEN];

	if (len)
		snprintf(buf, len, "%s/%u", addr_format(&p->addr, a, sizeof(a)), p->len);
	return buf;
}

int prefix_cmp(const struct prefix *a, const struct prefix *b)
{
	int r = addr_cmp(&a->addr, &b->addr);

	if (r)
		return r;
	return (int)a->len - (int)b->len;
}

bool prefix_equal(const struct prefix *a, const struct prefix *b)
{
	return prefix_cmp(a, b) == 0;
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

bool prefix_contains_addr(const struct prefix *p, const struct addr *a)
{
	return p->addr.family == a->family && same_bits(p->addr.bytes, a->bytes, p->len);
}

bool prefix_contains(const struct prefix *outer, const struct prefix *inner)
{
	return outer->addr.family == inner->addr.family && outer->len <= inner->len &&
	       same_bits(outer->addr.bytes, inner->addr.bytes, outer->len);
}

bool prefix_overlaps(const struct prefix *a, const struct prefix *b)
{
	return prefix_contains(a, b) || prefix_contains(b, a);
}

bool prefix_is_default(const struct prefix *p)
{
	return p->len == 0 && addr_bits(p->addr.family);
}

void prefix_default(struct prefix *out, sa_family_t family)
{
	memset(out, 0, sizeof(*out));
	out->addr.family = family;
}
