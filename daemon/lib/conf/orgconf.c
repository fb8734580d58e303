// SPDX-License-Identifier: GPL-2.0
/*
 * orgconf.c - reading the org config: lines, sections, load/free, lookups.
 *
 * inih does the key/value splitting, but two things it cannot do are done
 * here, in the line reader it calls once per line: it knows the line number
 * (Debian builds inih without INI_HANDLER_LINENO), and it checks the syntax
 * of every line itself so that *all* syntax errors are reported with their
 * line, not only the first one inih would return. Lines with errors are
 * handed to inih as empty lines. The reader also strips leading whitespace,
 * which turns off inih's indented-continuation-line feature: an indented
 * `key = value` is just a key, as a reader of the file would expect.
 *
 * Section headers are handled in the reader as well (inih's handler only
 * sees the section's name string, so two [network "A"] sections in a row
 * would look like one).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf, qsort_r, strndup */
#endif
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/orgconf_priv.h"
#include "conf/topology.h"

#define ORGCONF_MAX_FILE (256u << 20) /* 256 MiB; ~1M networks */

void orgconf_err(struct orgconf_state *st, unsigned int line, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0) {
		st->errs->oom = true;
		st->errs->total++;
		return;
	}
	errlist_add(st->errs, st->file, line, "%s", msg);
	free(msg);
}

int orgconf_grow(void **arr, size_t n, size_t *cap, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	/* Zero the new tail so partially filled entries free cleanly. */
	memset((char *)p + *cap * elem, 0, (ncap - *cap) * elem);
	*arr = p;
	*cap = ncap;
	return 0;
}

const char *orgconf_mode_name(enum orgconf_mode mode)
{
	switch (mode) {
	case ORGCONF_MODE_HUB:
		return "hub";
	case ORGCONF_MODE_SPOKE:
		return "spoke";
	default:
		return "off";
	}
}

const char *orgconf_uplink_name(enum orgconf_uplink uplink)
{
	switch (uplink) {
	case ORGCONF_UPLINK_WAN1:
		return "wan1";
	case ORGCONF_UPLINK_WAN2:
		return "wan2";
	default:
		return "any";
	}
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
 * [organization], [network "NAME"], [performance-class "NAME"].
 * @hdr is the text between the brackets.
 */
static void begin_section(struct orgconf_state *st, char *hdr)
{
	struct orgconf *cfg = st->cfg;
	const char *rest, *why = NULL;
	char *end = hdr + strlen(hdr), *name = NULL;
	size_t wlen;

	while (*hdr == ' ' || *hdr == '\t')
		hdr++;
	while (end > hdr && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	wlen = strcspn(hdr, " \t");
	rest = hdr + wlen;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	st->sec = ORGCONF_SEC_IGNORE;

	if (wlen == 12 && !strncmp(hdr, "organization", wlen)) {
		if (*rest) {
			orgconf_err(st, st->lineno, "[organization] takes no name");
			return;
		}
		if (st->org_line) {
			orgconf_err(st, st->lineno,
				    "duplicate [organization] section (first at line %u)",
				    st->org_line);
			return;
		}
		st->org_line = st->lineno;
		st->sec = ORGCONF_SEC_ORG;
		return;
	}
	if (!((wlen == 7 && !strncmp(hdr, "network", wlen)) ||
	      (wlen == 17 && !strncmp(hdr, "performance-class", wlen)))) {
		orgconf_err(st, st->lineno,
			    "unknown section [%s] (expected organization, network \"NAME\" or "
			    "performance-class \"NAME\")",
			    hdr);
		return;
	}
	if (!*rest) {
		orgconf_err(st, st->lineno, "[%.*s] needs a name: [%.*s \"NAME\"]", (int)wlen, hdr,
			    (int)wlen, hdr);
		return;
	}
	if (orgconf_parse_name(rest, &name, &rest, &why) || *rest) {
		orgconf_err(st, st->lineno, "bad section name: %s",
			    why ? why : "text after the name");
		free(name);
		return;
	}
	if (hdr[0] == 'n') {
		struct orgconf_network *n;

		if (cfg->n_networks >= ORGCONF_MAX_NETWORKS) {
			if (!st->too_many_nets)
				orgconf_err(st, st->lineno, "too many networks (max %u)",
					    ORGCONF_MAX_NETWORKS);
			st->too_many_nets = true;
			goto reject;
		}
		/* Both arrays grow before the count does, so they stay in step. */
		if (orgconf_grow((void **)&cfg->networks, cfg->n_networks, &st->net_cap,
				 sizeof(*cfg->networks)) ||
		    orgconf_grow((void **)&st->nx, cfg->n_networks, &st->nx_cap, sizeof(*st->nx)))
			goto nomem;
		n = &cfg->networks[cfg->n_networks];
		memset(n, 0, sizeof(*n));
		memset(&st->nx[cfg->n_networks], 0, sizeof(*st->nx));
		n->name = name;
		n->index = (uint32_t)cfg->n_networks;
		n->line = st->lineno;
		n->active_active = true;
		st->cur = cfg->n_networks++;
		st->sec = ORGCONF_SEC_NET;
	} else {
		struct orgconf_perf_class *c;

		if (cfg->n_classes >= ORGCONF_MAX_CLASSES) {
			orgconf_err(st, st->lineno, "too many performance classes (max %u)",
				    ORGCONF_MAX_CLASSES);
			goto reject;
		}
		if (orgconf_grow((void **)&cfg->classes, cfg->n_classes, &st->class_cap,
				 sizeof(*cfg->classes)) ||
		    orgconf_grow((void **)&st->cx, cfg->n_classes, &st->cx_cap, sizeof(*st->cx)))
			goto nomem;
		c = &cfg->classes[cfg->n_classes];
		memset(c, 0, sizeof(*c));
		c->name = name;
		c->max_latency_ms = ORGCONF_UNLIMITED;
		c->max_loss_bp = ORGCONF_UNLIMITED;
		c->max_jitter_ms = ORGCONF_UNLIMITED;
		memset(&st->cx[cfg->n_classes], 0, sizeof(*st->cx));
		st->cx[cfg->n_classes].line = st->lineno;
		st->cur = cfg->n_classes++;
		st->sec = ORGCONF_SEC_CLASS;
	}
	return;
nomem:
	st->errs->oom = true;
reject:
	free(name);
}

/*
 * Checks one line; returns false (after reporting) if inih must not see
 * it. @line is modified in place (leading blanks removed by the caller).
 */
static bool check_line(struct orgconf_state *st, char *line)
{
	const char *p;

	if (!*line || *line == ';' || *line == '#')
		return true;
	if (*line == '[') {
		char *close = (char *)find_char_or_comment(line + 1, "]");

		if (!close) {
			orgconf_err(st, st->lineno, "syntax error: section header without ']'");
			return false;
		}
		for (p = close + 1; *p == ' ' || *p == '\t'; p++)
			;
		if (*p && *p != ';' && *p != '#') {
			orgconf_err(st, st->lineno, "syntax error: text after section header");
			return false;
		}
		*close = '\0';
		begin_section(st, line + 1);
		return false; /* fully handled here */
	}
	p = find_char_or_comment(line, "=:");
	if (!p || *p != '=') {
		orgconf_err(st, st->lineno, "syntax error: expected 'key = value'");
		return false;
	}
	if (p == line) {
		orgconf_err(st, st->lineno, "syntax error: missing key before '='");
		return false;
	}
	return true;
}

/* ini_reader: hands inih one line at a time from the buffer. */
static char *read_line(char *str, int num, void *stream)
{
	struct orgconf_state *st = stream;
	const char *start, *nl;
	size_t len, i;
	char *line;

	if (st->pos >= st->len || num < 2)
		return NULL;
	start = st->buf + st->pos;
	nl = memchr(start, '\n', st->len - st->pos);
	len = nl ? (size_t)(nl - start) : st->len - st->pos;
	st->pos += len + (nl ? 1 : 0);
	st->lineno++;
	str[0] = '\n';
	str[1] = '\0';

	if (len && start[len - 1] == '\r')
		len--;
	/* UTF-8 byte order mark on the first line. */
	if (st->lineno == 1 && len >= 3 && !memcmp(start, "\xEF\xBB\xBF", 3)) {
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
			orgconf_err(st, st->lineno, "NUL byte in line");
			return str;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			orgconf_err(st, st->lineno, "control character in line");
			return str;
		}
	}
	if (len + 2 > (size_t)num) {
		orgconf_err(st, st->lineno, "line too long (max %d characters)", num - 2);
		return str;
	}
	line = str;
	memcpy(line, start, len);
	line[len] = '\0';
	if (!check_line(st, line)) {
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
	struct orgconf_state *st = user;

	switch (st->sec) {
	case ORGCONF_SEC_NONE:
		orgconf_err(st, st->lineno, "'%s' outside of any section", name);
		break;
	case ORGCONF_SEC_ORG:
		orgconf_org_key(st, name, value);
		break;
	case ORGCONF_SEC_NET:
		orgconf_network_key(st, name, value);
		break;
	case ORGCONF_SEC_CLASS:
		orgconf_class_key(st, name, value);
		break;
	case ORGCONF_SEC_IGNORE:
		break;
	}
	return 1; /* errors are collected, parsing goes on */
}

static void free_network(struct orgconf_network *n)
{
	size_t i;

	free(n->name);
	free(n->hubs);
	free(n->exit_hubs);
	for (i = 0; i < n->n_subnets; i++)
		free(n->subnets[i].name);
	free(n->subnets);
	free(n->flow_prefs);
}

static void free_refs(struct orgconf_ref *r, size_t n)
{
	size_t i;

	for (i = 0; r && i < n; i++)
		free(r[i].name);
	free(r);
}

static void free_state(struct orgconf_state *st)
{
	size_t i;

	for (i = 0; st->cfg && i < st->cfg->n_networks; i++) {
		struct orgconf_net_extra *x = &st->nx[i];

		free_refs(x->hubs, x->n_hubs);
		free_refs(x->exits, x->n_exits);
		free(x->subnet_lines);
		free_refs(x->class_refs, st->cfg->networks[i].n_flow_prefs);
	}
	free(st->nx);
	free(st->cx);
	free(st->by_name);
	free(st->class_by_name);
	free(st->by_key);
	free(st->pskfile);
	free(st->regkey);
}

void orgconf_free(struct orgconf *cfg)
{
	size_t i;

	if (!cfg)
		return;
	topology_free(cfg->topo);
	orgconf_free_index(cfg->idx);
	for (i = 0; i < cfg->n_networks; i++)
		free_network(&cfg->networks[i]);
	free(cfg->networks);
	for (i = 0; i < cfg->n_classes; i++)
		free(cfg->classes[i].name);
	free(cfg->classes);
	free(cfg->path);
	free(cfg->name);
	free(cfg->registry_key_path);
	free(cfg->psk_secret_path);
	sodium_memzero(cfg->registry_private_key, sizeof(cfg->registry_private_key));
	sodium_memzero(cfg->psk_secret, sizeof(cfg->psk_secret));
	free(cfg);
}

int orgconf_load_buffer(const char *name, const char *buf, size_t len, unsigned int flags,
			struct orgconf **out, struct errlist *errs)
{
	size_t errs_before = errs->total, errs_n_before = errs->n;
	struct orgconf_state st;
	struct orgconf *cfg;
	int r;

	*out = NULL;
	if (sodium_init() < 0)
		return -EIO;
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return -ENOMEM;
	memset(&st, 0, sizeof(st));
	st.file = name;
	st.buf = buf;
	st.len = len;
	st.errs = errs;
	st.flags = flags;
	st.cfg = cfg;
	cfg->path = strdup(name);
	if (!cfg->path) {
		r = -ENOMEM;
		goto fail;
	}
	crypto_hash_sha256(cfg->digest, (const unsigned char *)buf, len);
	for (r = 0; r < 8; r++)
		cfg->version = (cfg->version << 8) | cfg->digest[r];

	r = ini_parse_stream(read_line, &st, handle_kv, &st);
	if (r > 0 && errs->total == errs_before)
		orgconf_err(&st, (unsigned int)r, "syntax error"); /* belt and braces */
	else if (r < 0)
		orgconf_err(&st, 0, "parser failure (%d)", r);
	orgconf_validate(&st);
	errlist_sort(errs, errs_n_before);
	if (errs->oom) {
		r = -ENOMEM;
		goto fail;
	}
	if (errs->total != errs_before) {
		r = -EINVAL;
		goto fail;
	}
	r = orgconf_build_index(&st);
	if (r)
		goto fail;
	cfg->topo = topology_build(cfg);
	if (!cfg->topo) {
		r = -ENOMEM;
		goto fail;
	}
	free_state(&st);
	*out = cfg;
	return 0;
fail:
	if (r == -ENOMEM)
		errlist_add(errs, name, 0, "out of memory");
	free_state(&st);
	orgconf_free(cfg);
	return r;
}

int orgconf_load(const char *path, unsigned int flags, struct orgconf **out, struct errlist *errs)
{
	struct stat sb;
	size_t len = 0;
	char *buf = NULL;
	int fd, r;

	*out = NULL;
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
	if ((uint64_t)sb.st_size > ORGCONF_MAX_FILE) {
		r = -EFBIG;
		errlist_add(errs, path, 0, "file too large (max %u MiB)", ORGCONF_MAX_FILE >> 20);
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
	r = orgconf_load_buffer(path, buf, len, flags, out, errs);
out:
	free(buf);
	close(fd);
	return r;
}

const struct topology *orgconf_topology(const struct orgconf *cfg)
{
	return cfg->topo;
}
