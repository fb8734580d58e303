// SPDX-License-Identifier: GPL-2.0
/* parse.c - numbers, booleans, durations (see parse.h). */
#include <errno.h>
#include <string.h>

#include "base/parse.h"

static void set_why(const char **why, const char *msg)
{
	if (why)
		*why = msg;
}

static int digit(char c, unsigned int base)
{
	unsigned int v;

	if (c >= '0' && c <= '9')
		v = (unsigned int)(c - '0');
	else if (c >= 'a' && c <= 'f')
		v = (unsigned int)(c - 'a' + 10);
	else if (c >= 'A' && c <= 'F')
		v = (unsigned int)(c - 'A' + 10);
	else
		return -1;
	return v < base ? (int)v : -1;
}

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;
	int d;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return -EINVAL;
	}
	for (; *s; s++) {
		d = digit(*s, base);
		if (d < 0)
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return -ERANGE;
		v = v * base + (uint64_t)d;
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int r = parse_u64(s, min, max, &v);

	if (!r)
		*out = (uint32_t)v;
	return r;
}

int parse_u8(const char *s, uint8_t min, uint8_t max, uint8_t *out)
{
	uint64_t v;
	int r = parse_u64(s, min, max, &v);

	if (!r)
		*out = (uint8_t)v;
	return r;
}

int parse_dec_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t n = 0;

	if (!s || !*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		n = n * 10 + (uint64_t)(*s - '0');
		if (n > max)
			return -ERANGE;
	}
	if (n < min)
		return -ERANGE;
	*out = (uint32_t)n;
	return 0;
}

int parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "yes") || !strcmp(s, "on") || !strcmp(s, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "no") || !strcmp(s, "off") || !strcmp(s, "false")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

int parse_duration(const char *s, uint32_t min_s, uint32_t max_s, uint32_t *out, const char **why)
{
	uint64_t total = 0;
	const char *p = s;

	if (!*s) {
		set_why(why, "empty");
		return -EINVAL;
	}
	while (*p) {
		uint64_t n = 0, mul;
		const char *d = p;

		/* n <= max_s < 2^32 and mul <= 86400: no overflow below. */
		while (*p >= '0' && *p <= '9') {
			n = n * 10 + (uint64_t)(*p - '0');
			if (n > max_s)
				goto range;
			p++;
		}
		if (p == d) {
			set_why(why, "expected a number with unit d, h, m or s (e.g. 3h)");
			return -EINVAL;
		}
		switch (*p) {
		case 'd':
			mul = 86400;
			break;
		case 'h':
			mul = 3600;
			break;
		case 'm':
			mul = 60;
			break;
		case 's':
			mul = 1;
			break;
		case '\0':
			if (d != s) {
				set_why(why, "a unit is required after each number but the first");
				return -EINVAL;
			}
			mul = 1; /* plain seconds */
			break;
		default:
			set_why(why, "unknown unit (use d, h, m or s)");
			return -EINVAL;
		}
		if (*p)
			p++;
		total += n * mul;
		if (total > max_s)
			goto range;
	}
	if (total < min_s)
		goto range;
	*out = (uint32_t)total;
	return 0;
range:
	set_why(why, "out of range");
	return -ERANGE;
}
