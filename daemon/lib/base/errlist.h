/* SPDX-License-Identifier: GPL-2.0 */
/*
 * errlist.h - a list of error messages, for parsers that report every
 * problem they find ("file:line: message") instead of stopping at the first.
 *
 * Bounded: after ERRLIST_MAX messages one final "too many errors" line is
 * kept and further messages are counted but dropped, so hostile input cannot
 * make it grow without limit. Allocation failure is remembered (@oom) and
 * still counts as an error.
 */
#ifndef AVPN_BASE_ERRLIST_H
#define AVPN_BASE_ERRLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define ERRLIST_MAX 100

struct errlist {
	char **msgs;	     /* NUL-terminated lines, without trailing '\n' */
	unsigned int *lines; /* line number of each message (0 = whole file) */
	size_t n;	     /* stored messages */
	size_t total;	     /* errors reported, including dropped ones */
	bool oom;	     /* a message could not be stored */
};

#define ERRLIST_INIT \
	{            \
		0    \
	}

void errlist_init(struct errlist *e);
void errlist_free(struct errlist *e); /* frees the messages; reusable after */

/* Adds "file:line: message"; @line 0 gives "file: message". */
void errlist_add(struct errlist *e, const char *file, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Number of errors reported (0 = none). */
static inline size_t errlist_count(const struct errlist *e)
{
	return e->total;
}

/*
 * Stable sort of the messages from index @from on by line number, so a
 * parser that checks in several passes still lists problems top to bottom.
 */
void errlist_sort(struct errlist *e, size_t from);

/* Writes every message, one per line, to @f. */
void errlist_print(const struct errlist *e, FILE *f);

/* Messages joined with '\n' in a new malloc'd string (NULL on OOM). */
char *errlist_join(const struct errlist *e);

#endif /* AVPN_BASE_ERRLIST_H */
