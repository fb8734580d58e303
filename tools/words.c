// SPDX-License-Identifier: GPL-2.0
/* words.c - prefix matching and number parsing (see words.h). */
#include <errno.h>
#include <string.h>

#include "tools/words.h"

int word_match(const char *arg, const char *const *words, size_t n)
{
	size_t i, len = strlen(arg);
	int found = WORD_UNKNOWN;

	if (!len)
		return WORD_UNKNOWN;
	for (i = 0; i < n; i++)
		if (!strcmp(arg, words[i]))
			return (int)i;
	for (i = 0; i < n; i++) {
		if (strncmp(arg, words[i], len))
			continue;
		if (found != WORD_UNKNOWN)
			return WORD_AMBIGUOUS;
		found = (int)i;
	}
	return found;
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
	/* strtoull would take "-1", " 1" and "010" (octal): refuse them. */
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
