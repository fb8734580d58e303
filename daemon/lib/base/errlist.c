// SPDX-License-Identifier: GPL-2.0
/*
 * errlist.c - bounded list of "file:line: message" errors (see errlist.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf, qsort_r, strndup */
#endif
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/errlist.h"

void errlist_init(struct errlist *e)
{
	memset(e, 0, sizeof(*e));
}

void errlist_free(struct errlist *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->msgs[i]);
	free(e->msgs);
	free(e->lines);
	errlist_init(e);
}

static void store(struct errlist *e, char *msg, unsigned int line)
{
	unsigned int *l;
	char **m;

	if (!msg) {
		e->oom = true;
		return;
	}
	m = realloc(e->msgs, (e->n + 1) * sizeof(*m));
	if (m)
		e->msgs = m;
	l = m ? realloc(e->lines, (e->n + 1) * sizeof(*l)) : NULL;
	if (l)
		e->lines = l;
	if (!m || !l) {
		free(msg);
		e->oom = true;
		return;
	}
	e->lines[e->n] = line;
	e->msgs[e->n++] = msg;
}

void errlist_sort(struct errlist *e, size_t from)
{
	size_t i, j;

	/* insertion sort: stable, and the list is short (<= ERRLIST_MAX + 1) */
	for (i = from + 1; i < e->n; i++) {
		unsigned int line = e->lines[i];
		char *msg = e->msgs[i];

		for (j = i; j > from && e->lines[j - 1] > line; j--) {
			e->lines[j] = e->lines[j - 1];
			e->msgs[j] = e->msgs[j - 1];
		}
		e->lines[j] = line;
		e->msgs[j] = msg;
	}
}

void errlist_add(struct errlist *e, const char *file, unsigned int line, const char *fmt, ...)
{
	char *body = NULL, *msg = NULL;
	va_list ap;
	int r;

	e->total++;
	if (e->n > ERRLIST_MAX)
		return;
	if (e->n == ERRLIST_MAX) {
		r = asprintf(&msg, "%s: too many errors, giving up listing them", file);
		store(e, r < 0 ? NULL : msg, UINT_MAX);
		return;
	}
	va_start(ap, fmt);
	r = vasprintf(&body, fmt, ap);
	va_end(ap);
	if (r < 0) {
		store(e, NULL, 0);
		return;
	}
	if (line)
		r = asprintf(&msg, "%s:%u: %s", file, line, body);
	else
		r = asprintf(&msg, "%s: %s", file, body);
	free(body);
	store(e, r < 0 ? NULL : msg, line);
}

void errlist_print(const struct errlist *e, FILE *f)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		fprintf(f, "%s\n", e->msgs[i]);
	if (e->oom)
		fprintf(f, "(out of memory while recording errors)\n");
}

char *errlist_join(const struct errlist *e)
{
	size_t i, len = 1, off = 0;
	char *s;

	for (i = 0; i < e->n; i++)
		len += strlen(e->msgs[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	for (i = 0; i < e->n; i++) {
		size_t l = strlen(e->msgs[i]);

		memcpy(s + off, e->msgs[i], l);
		off += l;
		s[off++] = '\n';
	}
	s[off] = '\0';
	return s;
}
