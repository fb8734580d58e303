// SPDX-License-Identifier: GPL-2.0
/* word.c - unique-prefix matching of words (see word.h). */
#include <errno.h>
#include <string.h>

#include "word.h"

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
