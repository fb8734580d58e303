// SPDX-License-Identifier: GPL-2.0
/*
 * orgconf_values.c - one `key = value` line at a time, for each section of
 * the org config. Only what a single line can tell is checked here; what
 * needs the whole file (references between networks, duplicates, overlaps)
 * is in orgconf_validate.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf, qsort_r, strndup */
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parse.h"
#include "conf/orgconf_priv.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

/*
 * Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
 * U+10FFFF, no cut sequence; and no control characters, which have no place
 * in a name shown in logs, JSON and terminals.
 */
static bool utf8_name(const unsigned char *s)
{
	while (*s) {
		unsigned int c = *s, n, cp, i;

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			s++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false; /* continuation byte, overlong 0xc0/0xc1, or > U+10FFFF */
		}
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
			return false;
		s += n + 1;
	}
	return true;
}

bool orgconf_valid_name(const char *name, const char **why)
{
	static char msg[64];
	size_t len = strlen(name);

	if (!*name) {
		*why = "empty name";
		return false;
	}
	if (len > ORGCONF_MAX_NAME) {
		/*
		 * Network names travel to the gateways in a 63-byte field and
		 * name kernel peers (63 bytes there too); one rule for all names.
		 */
		snprintf(msg, sizeof(msg), "name too long: %zu bytes (at most %u)", len,
			 ORGCONF_MAX_NAME);
		*why = msg;
		return false;
	}
	if (!utf8_name((const unsigned char *)name)) {
		*why = "name is not valid UTF-8 (or has control characters)";
		return false;
	}
	if (strchr(name, '"')) {
		*why = "names cannot contain '\"'";
		return false;
	}
	if (is_blank(name[0]) || is_blank(name[strlen(name) - 1])) {
		*why = "name starts or ends with a blank";
		return false;
	}
	return true;
}

int orgconf_parse_name(const char *v, char **name, const char **rest, const char **why)
{
	const char *end;
	char *n;

	*name = NULL;
	*why = NULL;
	if (*v == '"') {
		v++;
		end = strchr(v, '"');
		if (!end) {
			*why = "missing closing '\"'";
			return -EINVAL;
		}
		*rest = skip_blanks(end + 1);
	} else {
		end = v + strlen(v);
		*rest = end;
	}
	n = strndup(v, (size_t)(end - v));
	if (!n) {
		*why = "out of memory";
		return -ENOMEM;
	}
	if (!orgconf_valid_name(n, why)) {
		free(n);
		return -EINVAL;
	}
	*name = n;
	return 0;
}

/* Reports a duplicate single-valued key; returns true if @line was unset. */
static bool first_time(struct orgconf_state *st, unsigned int *line, const char *key)
{
	if (*line) {
		orgconf_err(st, st->lineno, "duplicate key '%s' (first at line %u)", key, *line);
		return false;
	}
	*line = st->lineno;
	return true;
}

static void parse_key_value(struct orgconf_state *st, const char *what, const char *v,
			    uint8_t key[KEY_LEN])
{
	if (key_from_base64(key, v)) {
		orgconf_err(st, st->lineno,
			    "bad key for '%s': expected 44 characters of base64 as printed by "
			    "`autovpn genkey`/`pubkey`",
			    what);
		return;
	}
	if (key_is_zero(key))
		orgconf_err(st, st->lineno, "bad key for '%s': all-zero key", what);
	else if (!strcmp(what, "public-key") && key_is_low_order(key))
		orgconf_err(st, st->lineno,
			    "bad key for '%s': a low-order point, not a real public key "
			    "(use `autovpn pubkey < private.key` on the gateway)",
			    what);
}

static char *dup_path(struct orgconf_state *st, const char *key, const char *v)
{
	char *s;

	if (!*v) {
		orgconf_err(st, st->lineno, "'%s' needs a file name", key);
		return NULL;
	}
	s = strdup(v);
	if (!s)
		st->errs->oom = true;
	return s;
}

void orgconf_org_key(struct orgconf_state *st, const char *key, const char *v)
{
	struct orgconf *cfg = st->cfg;
	const char *why = NULL;
	int r;

	if (!strcmp(key, "name")) {
		if (!first_time(st, &st->name_line, key))
			return;
		if (!orgconf_valid_name(v, &why)) {
			orgconf_err(st, st->lineno, "bad organization name: %s", why);
			return;
		}
		cfg->name = strdup(v);
		if (!cfg->name)
			st->errs->oom = true;
	} else if (!strcmp(key, "registry-private-key")) {
		if (first_time(st, &st->regkey_line, key))
			st->regkey = dup_path(st, key, v);
	} else if (!strcmp(key, "psk-secret-file")) {
		if (first_time(st, &st->pskfile_line, key))
			st->pskfile = dup_path(st, key, v);
	} else if (!strcmp(key, "psk-secret")) {
		if (first_time(st, &st->psk_line, key))
			parse_key_value(st, key, v, cfg->psk_secret);
	} else if (!strcmp(key, "status-listen")) {
		if (!first_time(st, &st->status_line, key))
			return;
		if (endpoint_parse(v, &cfg->status_listen, &why))
			orgconf_err(st, st->lineno, "bad endpoint '%s' for status-listen: %s", v,
				    why);
	} else if (!strcmp(key, "peer-purge-time")) {
		if (!first_time(st, &st->purge_line, key))
			return;
		r = parse_duration(v, ORGCONF_MIN_PURGE_SECS, ORGCONF_MAX_PURGE_SECS,
				   &cfg->peer_purge_secs, &why);
		if (r == -ERANGE)
			why = "out of range (1m to 30d)";
		if (r)
			orgconf_err(st, st->lineno, "bad peer-purge-time '%s': %s", v, why);
	} else {
		orgconf_err(st, st->lineno,
			    "unknown key '%s' in [organization] (expected name, "
			    "registry-private-key, psk-secret-file, psk-secret, status-listen, "
			    "peer-purge-time)",
			    key);
	}
}

/* "150", "150ms" -> 150 */
static int parse_ms(const char *v, uint32_t *out)
{
	char buf[16];
	size_t l = strlen(v);

	if (l >= 2 && !strcmp(v + l - 2, "ms"))
		l -= 2;
	if (!l || l >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, v, l);
	buf[l] = '\0';
	return parse_dec_u32(buf, 0, 600000, out);
}

/* "1", "1%", "0.5", "2.25%" -> basis points (1 % = 100) */
static int parse_percent(const char *v, uint32_t *bp)
{
	uint32_t whole = 0, frac = 0, digits = 0;
	const char *p = v;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	while (*p >= '0' && *p <= '9') {
		whole = whole * 10 + (uint32_t)(*p++ - '0');
		if (whole > 100)
			return -ERANGE;
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		while (*p >= '0' && *p <= '9') {
			if (++digits > 2)
				return -EINVAL;
			frac = frac * 10 + (uint32_t)(*p++ - '0');
		}
		if (digits == 1)
			frac *= 10;
	}
	if (*p == '%')
		p++;
	if (*p)
		return -EINVAL;
	if (whole * 100 + frac > 10000)
		return -ERANGE;
	*bp = whole * 100 + frac;
	return 0;
}

void orgconf_class_key(struct orgconf_state *st, const char *key, const char *v)
{
	struct orgconf_perf_class *c = &st->cfg->classes[st->cur];
	struct orgconf_class_extra *x = &st->cx[st->cur];

	if (!strcmp(key, "max-latency")) {
		if (first_time(st, &x->lat_line, key) && parse_ms(v, &c->max_latency_ms))
			orgconf_err(st, st->lineno, "bad max-latency '%s': milliseconds 0-600000",
				    v);
	} else if (!strcmp(key, "max-jitter")) {
		if (first_time(st, &x->jit_line, key) && parse_ms(v, &c->max_jitter_ms))
			orgconf_err(st, st->lineno, "bad max-jitter '%s': milliseconds 0-600000",
				    v);
	} else if (!strcmp(key, "max-loss")) {
		if (first_time(st, &x->loss_line, key) && parse_percent(v, &c->max_loss_bp))
			orgconf_err(st, st->lineno,
				    "bad max-loss '%s': percent 0-100, up to 2 decimals", v);
	} else {
		orgconf_err(st, st->lineno,
			    "unknown key '%s' in [performance-class] (expected max-latency, "
			    "max-loss, max-jitter)",
			    key);
	}
}

/* Appends one zeroed element to a small per-network array. */
static void *push(struct orgconf_state *st, void **arr, size_t n, size_t elem)
{
	char *p = realloc(*arr, (n + 1) * elem);

	if (!p) {
		st->errs->oom = true;
		return NULL;
	}
	memset(p + n * elem, 0, elem);
	*arr = p;
	return p + n * elem;
}

static void add_hub(struct orgconf_state *st, struct orgconf_net_extra *x, const char *v,
		    bool exit_hub)
{
	const char *rest, *why;
	struct orgconf_ref *r;
	char *name;
	bool dflt = false;
	size_t *n = exit_hub ? &x->n_exits : &x->n_hubs;

	if (orgconf_parse_name(v, &name, &rest, &why)) {
		orgconf_err(st, st->lineno, "bad %s name: %s", exit_hub ? "exit-hub" : "hub", why);
		return;
	}
	if (!exit_hub && !strcmp(rest, "default-route")) {
		dflt = true;
	} else if (*rest) {
		orgconf_err(st, st->lineno, "unexpected '%s' after %s name%s", rest,
			    exit_hub ? "exit-hub" : "hub",
			    exit_hub ? "" : " (allowed: default-route)");
		free(name);
		return;
	}
	if (*n >= ORGCONF_MAX_HUBS) {
		orgconf_err(st, st->lineno, "too many %s entries (max %u)",
			    exit_hub ? "exit-hub" : "hub", ORGCONF_MAX_HUBS);
		free(name);
		return;
	}
	r = push(st, (void **)(exit_hub ? &x->exits : &x->hubs), *n, sizeof(*r));
	if (!r) {
		free(name);
		return;
	}
	r->name = name;
	r->line = st->lineno;
	r->flag = dflt;
	(*n)++;
}

/* subnet = ["NAME"] CIDR yes|no */
static void add_subnet(struct orgconf_state *st, struct orgconf_network *n,
		       struct orgconf_net_extra *x, const char *v)
{
	struct orgconf_subnet sn, *slot;
	const char *p = v, *why = NULL;
	char cidr[PREFIX_STRLEN + 1], yn[8];
	unsigned int *lines;
	size_t l;

	memset(&sn, 0, sizeof(sn));
	if (*p == '"') {
		if (orgconf_parse_name(p, &sn.name, &p, &why)) {
			orgconf_err(st, st->lineno, "bad subnet name: %s", why);
			return;
		}
	} else {
		sn.name = strdup("");
		if (!sn.name) {
			st->errs->oom = true;
			return;
		}
	}
	l = strcspn(p, " \t");
	if (!l) {
		orgconf_err(st, st->lineno, "subnet: expected [\"NAME\"] CIDR yes|no");
		goto fail;
	}
	if (l >= sizeof(cidr)) {
		orgconf_err(st, st->lineno, "bad CIDR '%.*s': too long", (int)l, p);
		goto fail;
	}
	memcpy(cidr, p, l);
	cidr[l] = '\0';
	p = skip_blanks(p + l);
	if (prefix_parse(cidr, &sn.prefix, &why)) {
		orgconf_err(st, st->lineno, "bad CIDR '%s': %s", cidr, why);
		goto fail;
	}
	l = strcspn(p, " \t");
	if (!l || l >= sizeof(yn) || *skip_blanks(p + l)) {
		orgconf_err(st, st->lineno,
			    "subnet %s: expected use-vpn 'yes' or 'no' after the CIDR", cidr);
		goto fail;
	}
	memcpy(yn, p, l);
	yn[l] = '\0';
	if (strcmp(yn, "yes") && strcmp(yn, "no")) {
		orgconf_err(st, st->lineno, "subnet %s: use-vpn must be 'yes' or 'no', not '%s'",
			    cidr, yn);
		goto fail;
	}
	sn.use_vpn = yn[0] == 'y';
	if (n->n_subnets >= ORGCONF_MAX_SUBNETS) {
		orgconf_err(st, st->lineno, "too many subnets (max %u)", ORGCONF_MAX_SUBNETS);
		goto fail;
	}
	lines = push(st, (void **)&x->subnet_lines, n->n_subnets, sizeof(*lines));
	if (!lines)
		goto fail;
	slot = push(st, (void **)&n->subnets, n->n_subnets, sizeof(*slot));
	if (!slot)
		goto fail;
	*lines = st->lineno;
	*slot = sn;
	n->n_subnets++;
	return;
fail:
	free(sn.name);
}

/* nat-traversal = auto | manual IP:PORT [IP:PORT] */
static void set_nat(struct orgconf_state *st, struct orgconf_network *n, const char *v)
{
	char ep[ENDPOINT_STRLEN + 1];
	const char *p, *why;
	size_t l;

	if (!strcmp(v, "auto")) {
		n->nat_manual = false;
		return;
	}
	if (strncmp(v, "manual", 6) || (v[6] && !is_blank(v[6]))) {
		orgconf_err(st, st->lineno,
			    "bad nat-traversal '%s': expected 'auto' or 'manual IP:PORT'", v);
		return;
	}
	p = skip_blanks(v + 6);
	if (!*p) {
		orgconf_err(st, st->lineno, "nat-traversal manual needs the public IP:PORT");
		return;
	}
	while (*p) {
		l = strcspn(p, " \t");
		if (n->n_nat_endpoints >= ORGCONF_MAX_NAT_ENDPOINTS) {
			orgconf_err(st, st->lineno,
				    "nat-traversal manual takes at most %u endpoints (wan1, wan2)",
				    ORGCONF_MAX_NAT_ENDPOINTS);
			n->n_nat_endpoints = 0;
			return;
		}
		if (l >= sizeof(ep)) {
			orgconf_err(st, st->lineno, "bad endpoint '%.*s': too long", (int)l, p);
			n->n_nat_endpoints = 0;
			return;
		}
		memcpy(ep, p, l);
		ep[l] = '\0';
		if (endpoint_parse(ep, &n->nat_endpoints[n->n_nat_endpoints], &why)) {
			orgconf_err(st, st->lineno, "bad endpoint '%s': %s", ep, why);
			n->n_nat_endpoints = 0;
			return;
		}
		n->n_nat_endpoints++;
		p = skip_blanks(p + l);
	}
	n->nat_manual = true;
}

void orgconf_network_key(struct orgconf_state *st, const char *key, const char *v)
{
	struct orgconf_network *n = &st->cfg->networks[st->cur];
	struct orgconf_net_extra *x = &st->nx[st->cur];

	if (!strcmp(key, "public-key")) {
		if (first_time(st, &x->key_line, key)) {
			parse_key_value(st, key, v, n->public_key);
			n->has_public_key = true;
		}
	} else if (!strcmp(key, "mode")) {
		if (!first_time(st, &x->mode_line, key))
			return;
		if (!strcmp(v, "off")) {
			n->mode = ORGCONF_MODE_OFF;
		} else if (!strcmp(v, "hub")) {
			n->mode = ORGCONF_MODE_HUB;
		} else if (!strcmp(v, "spoke")) {
			n->mode = ORGCONF_MODE_SPOKE;
		} else {
			orgconf_err(st, st->lineno, "bad mode '%s': expected off, hub or spoke", v);
			x->mode_bad = true; /* reported; skip checks that need it */
		}
	} else if (!strcmp(key, "hub")) {
		add_hub(st, x, v, false);
	} else if (!strcmp(key, "exit-hub")) {
		add_hub(st, x, v, true);
	} else if (!strcmp(key, "subnet")) {
		add_subnet(st, n, x, v);
	} else if (!strcmp(key, "nat-traversal")) {
		if (first_time(st, &x->nat_line, key))
			set_nat(st, n, v);
	} else if (!strcmp(key, "active-active")) {
		if (first_time(st, &x->aa_line, key) && parse_bool(v, &n->active_active))
			orgconf_err(st, st->lineno, "bad active-active '%s': expected yes or no",
				    v);
	} else if (!strcmp(key, "flow-preference")) {
		orgconf_add_flow_pref(st, n, x, v);
	} else {
		orgconf_err(st, st->lineno,
			    "unknown key '%s' in [network] (expected public-key, mode, hub, "
			    "exit-hub, subnet, nat-traversal, active-active, flow-preference)",
			    key);
	}
}
