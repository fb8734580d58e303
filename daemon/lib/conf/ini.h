/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ini.h - the INI reader both config files share (org config, gateway
 * config): inih does the key/value splitting, this reader in front of it
 * does what inih cannot.
 *
 *   - It knows every line's number (Debian builds inih without
 *     INI_HANDLER_LINENO) and checks the syntax of every line itself, so
 *     *all* syntax errors are reported as `file:line: message`, not just
 *     the first one inih would return. Lines with errors reach inih as
 *     empty lines.
 *   - It strips leading blanks, which turns inih's indented-continuation
 *     feature off: an indented `key = value` is an ordinary line.
 *   - It hands section headers to the caller itself (inih's handler only
 *     sees a section's name string, so two [network "A"] sections in a row
 *     would look like one to it).
 *   - It accepts a UTF-8 byte order mark and CRLF line ends, and refuses
 *     NUL bytes, control characters and over-long lines.
 * Comments: a line starting with '#' or ';', or ';' after a blank.
 */
#ifndef AVPN_CONF_INI_H
#define AVPN_CONF_INI_H

#include <stdbool.h>
#include <stddef.h>

#include "base/errlist.h"

struct ini {
	/* Set by the caller. */
	const char *file; /* name used in messages */
	const char *buf;
	size_t len;
	struct errlist *errs;
	/* [...]: the text between the brackets (blanks around it kept). */
	void (*section)(struct ini *in, char *hdr);
	/* key = value in whatever section the caller is in. */
	void (*key)(struct ini *in, const char *key, const char *value);
	void *ctx;
	/* Kept by the reader. */
	size_t pos;
	unsigned int lineno; /* the line being handled */
};

/* Reads the whole buffer, calling the handlers; errors go to in->errs. */
void ini_run(struct ini *in);
/* Adds "file:line: message" to in->errs (line 0: the whole file). */
void ini_err(struct ini *in, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Reads a regular file of at most @max bytes into a malloc'd buffer.
 * 0, or -errno with a message in @errs.
 */
int ini_read_file(const char *path, size_t max, char **buf, size_t *len, struct errlist *errs);

#endif /* AVPN_CONF_INI_H */
