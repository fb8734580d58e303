// SPDX-License-Identifier: GPL-2.0
/* ini.c - the shared INI line reader in front of inih (see ini.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* vasprintf */
#endif
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/ini.h"

void ini_err(struct ini *in, unsigned int line, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0) {
		in->errs->oom = true;
		in->errs->total++;
		return;
	}
	errlist_add(in->errs, in->file, line, "%s", msg);
	free(msg);
}

/* inih's rule for where an inline comment starts: ';' after whitespace. */
static const char *find_char_or_comment(const char *s, const char *chars)
{
	bool was_space = false;

	for (; *s; s++) {
		if (strchr(chars, *s))
			return s;
		if (was_space && *s == ';')
			return NULL;
		was_space = *s == ' ' || *s == '\t';
	}
	return NULL;
}

/*
 * Checks one line; returns false (after reporting) if inih must not see
 * it. @line is modified in place (leading blanks removed by the caller).
 */
static bool check_line(struct ini *in, char *line)
{
	const char *p;

	if (!*line || *line == ';' || *line == '#')
		return true;
	if (*line == '[') {
		char *close = (char *)find_char_or_comment(line + 1, "]");

		if (!close) {
			ini_err(in, in->lineno, "syntax error: section header without ']'");
			return false;
		}
		for (p = close + 1; *p == ' ' || *p == '\t'; p++)
			;
		if (*p && *p != ';' && *p != '#') {
			ini_err(in, in->lineno, "syntax error: text after section header");
			return false;
		}
		*close = '\0';
		in->section(in, line + 1);
		return false; /* fully handled here */
	}
	p = find_char_or_comment(line, "=:");
	if (!p || *p != '=') {
		ini_err(in, in->lineno, "syntax error: expected 'key = value'");
		return false;
	}
	if (p == line) {
		ini_err(in, in->lineno, "syntax error: missing key before '='");
		return false;
	}
	return true;
}

/* ini_reader: hands inih one line at a time from the buffer. */
static char *read_line(char *str, int num, void *stream)
{
	struct ini *in = stream;
	const char *start, *nl;
	size_t len, i;
	char *line;

	if (in->pos >= in->len || num < 2)
		return NULL;
	start = in->buf + in->pos;
	nl = memchr(start, '\n', in->len - in->pos);
	len = nl ? (size_t)(nl - start) : in->len - in->pos;
	in->pos += len + (nl ? 1 : 0);
	in->lineno++;
	str[0] = '\n';
	str[1] = '\0';

	if (len && start[len - 1] == '\r')
		len--;
	/* UTF-8 byte order mark on the first line. */
	if (in->lineno == 1 && len >= 3 && !memcmp(start, "\xEF\xBB\xBF", 3)) {
		start += 3;
		len -= 3;
	}
	while (len && (*start == ' ' || *start == '\t')) {
		start++;
		len--;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)start[i];

		if (c == '\0') {
			ini_err(in, in->lineno, "NUL byte in line");
			return str;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			ini_err(in, in->lineno, "control character in line");
			return str;
		}
	}
	if (len + 2 > (size_t)num) {
		ini_err(in, in->lineno, "line too long (max %d characters)", num - 2);
		return str;
	}
	line = str;
	memcpy(line, start, len);
	line[len] = '\0';
	if (!check_line(in, line)) {
		str[0] = '\n';
		str[1] = '\0';
		return str;
	}
	line[len] = '\n';
	line[len + 1] = '\0';
	return str;
}

static int handle_kv(void *user, const char *section, const char *name, const char *value)
{
	struct ini *in = user;

	(void)section;
	in->key(in, name, value);
	return 1; /* errors are collected, parsing goes on */
}

void ini_run(struct ini *in)
{
	size_t before = in->errs->total;
	int r;

	in->pos = 0;
	in->lineno = 0;
	r = ini_parse_stream(read_line, in, handle_kv, in);
	if (r > 0 && in->errs->total == before)
		ini_err(in, (unsigned int)r, "syntax error"); /* belt and braces */
	else if (r < 0)
		ini_err(in, 0, "parser failure (%d)", r);
}

int ini_read_file(const char *path, size_t max, char **out, size_t *out_len, struct errlist *errs)
{
	struct stat sb;
	size_t len = 0;
	char *buf = NULL;
	int fd, r = 0;

	*out = NULL;
	*out_len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		errlist_add(errs, path, 0, "cannot open: %s", strerror(errno));
		return r;
	}
	if (fstat(fd, &sb)) {
		r = -errno;
		errlist_add(errs, path, 0, "cannot stat: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		r = -EINVAL;
		errlist_add(errs, path, 0, "not a regular file");
		goto out;
	}
	if ((uint64_t)sb.st_size > max) {
		r = -EFBIG;
		errlist_add(errs, path, 0, "file too large (max %zu bytes)", max);
		goto out;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		r = -ENOMEM;
		errlist_add(errs, path, 0, "out of memory");
		goto out;
	}
	/* Read until EOF: the size may change under us; cap at what we have. */
	while (len < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)sb.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			errlist_add(errs, path, 0, "read error: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*out = buf;
	*out_len = len;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return r;
}
