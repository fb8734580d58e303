// SPDX-License-Identifier: GPL-2.0
/* gwconf.c - the gateway config (see gwconf.h, docs/configuration.md). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf, strndup */
#endif
#include <errno.h>
#include <libgen.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/parse.h"
#include "conf/gwconf.h"
#include "conf/ini.h"

#define GWCONF_MAX_FILE (64u << 10)
#define GWCONF_NAME_MAX 63 /* as network names on the wire */

enum section {
	SEC_NONE,
	SEC_GATEWAY,
	SEC_REGISTRY,
	SEC_UPLINK,
	SEC_IGNORE,
};

struct state {
	struct ini in;
	struct gwconf *c;
	unsigned int flags;
	enum section sec;
	unsigned int cur_uplink;
	/* Line of each section and single key, 0 = not seen. */
	unsigned int gateway_line, registry_line, uplink_line[GWCONF_MAX_UPLINKS];
	unsigned int name_line, key_line, if_line, table_line, exit_line, regkey_line;
	unsigned int dev_line[GWCONF_MAX_UPLINKS], src_line[GWCONF_MAX_UPLINKS];
	unsigned int port_line[GWCONF_MAX_UPLINKS], fam_line[GWCONF_MAX_UPLINKS];
	unsigned int addr_lines[GWCONF_MAX_REGISTRIES];
	bool have_regkey;
	bool address_given; /* even a bad one: no second error for it */
	size_t errs_before;
};

const char *gwconf_uplink_name(unsigned int id)
{
	return id == 0 ? "wan1" : id == 1 ? "wan2" : "wan?";
}

#define ERR(st, ...) ini_err(&(st)->in, (st)->in.lineno, __VA_ARGS__)

static bool once(struct state *st, unsigned int *line, const char *key)
{
	if (*line) {
		ERR(st, "duplicate key '%s' (first at line %u)", key, *line);
		return false;
	}
	*line = st->in.lineno;
	return true;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

static void on_section(struct ini *in, char *hdr)
{
	struct state *st = in->ctx;
	char *h = trim(hdr), *name;
	size_t n;

	st->sec = SEC_IGNORE;
	if (!strcmp(h, "gateway") || !strcmp(h, "registry")) {
		unsigned int *line = h[0] == 'g' ? &st->gateway_line : &st->registry_line;

		if (*line) {
			ERR(st, "duplicate [%s] section (first at line %u)", h, *line);
			return;
		}
		*line = in->lineno;
		st->sec = h[0] == 'g' ? SEC_GATEWAY : SEC_REGISTRY;
		return;
	}
	if (strncmp(h, "uplink", 6) || (h[6] != ' ' && h[6] != '\t')) {
		ERR(st,
		    "unknown section [%s] (expected gateway, registry or uplink \"wan1\"|\"wan2\")",
		    h);
		return;
	}
	name = trim(h + 6);
	n = strlen(name);
	if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
		name[n - 1] = '\0';
		name++;
	}
	if (strcmp(name, "wan1") && strcmp(name, "wan2")) {
		ERR(st, "unknown uplink \"%s\": uplinks are \"wan1\" and \"wan2\"", name);
		return;
	}
	st->cur_uplink = name[3] - '1';
	if (st->uplink_line[st->cur_uplink]) {
		ERR(st, "duplicate [uplink \"%s\"] section (first at line %u)", name,
		    st->uplink_line[st->cur_uplink]);
		return;
	}
	st->uplink_line[st->cur_uplink] = in->lineno;
	st->c->uplinks[st->cur_uplink].line = in->lineno;
	st->c->uplinks[st->cur_uplink].id = (uint8_t)st->cur_uplink;
	st->sec = SEC_UPLINK;
}

static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= IF_NAMESIZE || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s == ' ' || *s == '\t')
			return false;
	return true;
}

/* Relative key paths are relative to the config file's directory. */
static char *resolve(const char *file, const char *path)
{
	char *dir, *copy, *out = NULL;

	if (path[0] == '/' || !strchr(file, '/'))
		return strdup(path);
	copy = strdup(file);
	if (!copy)
		return NULL;
	dir = dirname(copy);
	if (asprintf(&out, "%s/%s", dir, path) < 0)
		out = NULL;
	free(copy);
	return out;
}

static void gateway_key(struct state *st, const char *k, const char *v)
{
	struct gwconf *c = st->c;
	uint32_t t;

	if (!strcmp(k, "name")) {
		if (!once(st, &st->name_line, k))
			return;
		if (!*v || strlen(v) > GWCONF_NAME_MAX) {
			ERR(st, "name must be 1 to %u bytes (the network's name in the org config)",
			    GWCONF_NAME_MAX);
			return;
		}
		free(c->name);
		c->name = strdup(v);
		if (!c->name)
			st->in.errs->oom = true;
	} else if (!strcmp(k, "private-key")) {
		if (!once(st, &st->key_line, k))
			return;
		if (!*v) {
			ERR(st, "'private-key' needs a file name");
			return;
		}
		c->private_key_path = resolve(st->in.file, v);
		if (!c->private_key_path)
			st->in.errs->oom = true;
	} else if (!strcmp(k, "interface")) {
		if (!once(st, &st->if_line, k))
			return;
		if (!valid_ifname(v)) {
			ERR(st, "bad interface name '%s' (1-15 characters, no '/', ':' or blanks)",
			    v);
			return;
		}
		snprintf(c->ifname, sizeof(c->ifname), "%s", v);
	} else if (!strcmp(k, "table")) {
		if (!once(st, &st->table_line, k))
			return;
		/* 0 and 253-255 are the kernel's unspec, default, main and local. */
		if (parse_u32(v, 1, UINT32_MAX, &t) || (t >= 253 && t <= 255)) {
			ERR(st,
			    "bad table '%s': a routing table id 1-4294967295 other than "
			    "253-255 (default, main, local)",
			    v);
			return;
		}
		c->table = t;
	} else if (!strcmp(k, "on-exit")) {
		if (!once(st, &st->exit_line, k))
			return;
		if (!strcmp(v, "keep"))
			c->on_exit = GWCONF_EXIT_KEEP;
		else if (!strcmp(v, "remove"))
			c->on_exit = GWCONF_EXIT_REMOVE;
		else
			ERR(st, "bad on-exit '%s': keep or remove", v);
	} else {
		ERR(st,
		    "unknown key '%s' in [gateway] (name, private-key, interface, table, "
		    "on-exit)",
		    k);
	}
}

static void registry_key(struct state *st, const char *k, const char *v)
{
	struct gwconf *c = st->c;
	const char *why = NULL;
	struct endpoint ep;

	if (!strcmp(k, "address")) {
		st->address_given = true;
		if (c->n_registries == GWCONF_MAX_REGISTRIES) {
			ERR(st, "at most %u registry addresses (the organization's two registries)",
			    GWCONF_MAX_REGISTRIES);
			return;
		}
		if (endpoint_parse(v, &ep, &why)) {
			ERR(st, "bad registry address '%s': %s (IP:PORT, [IPv6]:PORT)", v,
			    why ? why : "invalid");
			return;
		}
		for (unsigned int i = 0; i < c->n_registries; i++) {
			if (endpoint_equal(&c->registries[i], &ep)) {
				ERR(st, "registry %s listed twice (first at line %u)", v,
				    st->addr_lines[i]);
				return;
			}
		}
		st->addr_lines[c->n_registries] = st->in.lineno;
		c->registries[c->n_registries++] = ep;
	} else if (!strcmp(k, "public-key")) {
		if (!once(st, &st->regkey_line, k))
			return;
		if (key_from_base64(c->registry_public_key, v)) {
			ERR(st,
			    "bad public-key: 44 characters of base64, as `autovpn pubkey` prints");
			return;
		}
		if (key_is_low_order(c->registry_public_key)) {
			ERR(st, "bad public-key: a low-order point, not a real public key");
			return;
		}
		st->have_regkey = true;
	} else {
		ERR(st, "unknown key '%s' in [registry] (address, public-key)", k);
	}
}

static void uplink_key(struct state *st, const char *k, const char *v)
{
	unsigned int u = st->cur_uplink;
	struct gwconf_uplink *ul = &st->c->uplinks[u];
	const char *why = NULL;
	uint32_t port;

	if (!strcmp(k, "device")) {
		if (!once(st, &st->dev_line[u], k))
			return;
		if (!valid_ifname(v)) {
			ERR(st, "bad device name '%s'", v);
			return;
		}
		snprintf(ul->device, sizeof(ul->device), "%s", v);
	} else if (!strcmp(k, "source")) {
		if (!once(st, &st->src_line[u], k))
			return;
		if (addr_parse(v, &ul->source, &why)) {
			ERR(st, "bad source address '%s': %s", v, why ? why : "invalid");
			return;
		}
		if (addr_is_any(&ul->source)) {
			ERR(st, "source %s is the any-address: leave 'source' out to bind any", v);
			return;
		}
		ul->has_source = true;
	} else if (!strcmp(k, "family")) {
		if (!once(st, &st->fam_line[u], k))
			return;
		if (!strcmp(v, "ipv4"))
			ul->family = AF_INET;
		else if (!strcmp(v, "ipv6"))
			ul->family = AF_INET6;
		else
			ERR(st, "bad family '%s': ipv4 or ipv6", v);
	} else if (!strcmp(k, "port")) {
		if (!once(st, &st->port_line[u], k))
			return;
		if (parse_u32(v, 1, 65535, &port)) {
			ERR(st, "bad port '%s': 1-65535 (a fixed port forwarded to this gateway)",
			    v);
			return;
		}
		ul->port = (uint16_t)port;
	} else {
		ERR(st, "unknown key '%s' in [uplink] (device, source, family, port)", k);
	}
}

static void on_key(struct ini *in, const char *k, const char *v)
{
	struct state *st = in->ctx;

	switch (st->sec) {
	case SEC_NONE:
		ERR(st, "'%s' outside of any section", k);
		break;
	case SEC_GATEWAY:
		gateway_key(st, k, v);
		break;
	case SEC_REGISTRY:
		registry_key(st, k, v);
		break;
	case SEC_UPLINK:
		uplink_key(st, k, v);
		break;
	case SEC_IGNORE:
		break;
	}
}

/* What needs the whole file. */
static void validate(struct state *st)
{
	struct gwconf *c = st->c;
	char err[160];

	if (!st->gateway_line)
		ini_err(&st->in, 0, "missing [gateway] section (name, private-key)");
	else if (!st->name_line)
		ini_err(&st->in, st->gateway_line, "[gateway] needs 'name'");
	if (st->gateway_line && !st->key_line)
		ini_err(&st->in, st->gateway_line, "[gateway] needs 'private-key'");
	if (!st->registry_line) {
		ini_err(&st->in, 0, "missing [registry] section (address, public-key)");
	} else {
		if (!c->n_registries && !st->address_given)
			ini_err(&st->in, st->registry_line, "[registry] needs an 'address'");
		if (!st->have_regkey && !st->regkey_line)
			ini_err(&st->in, st->registry_line, "[registry] needs 'public-key'");
	}
	if (!st->uplink_line[0])
		ini_err(&st->in, st->uplink_line[1],
			"missing [uplink \"wan1\"] section: every gateway has a first uplink");
	for (unsigned int u = 0; u < GWCONF_MAX_UPLINKS; u++) {
		struct gwconf_uplink *ul = &c->uplinks[u];

		if (!st->uplink_line[u])
			continue;
		if (!st->dev_line[u])
			ini_err(&st->in, st->uplink_line[u], "[uplink \"%s\"] needs 'device'",
				gwconf_uplink_name(u));
		if (ul->has_source && st->fam_line[u] && ul->family != ul->source.family)
			ini_err(&st->in, st->fam_line[u],
				"family does not match the source address");
		if (ul->has_source)
			ul->family = ul->source.family;
		else if (!ul->family)
			ul->family = AF_INET;
	}
	c->n_uplinks = st->uplink_line[1] ? 2 : st->uplink_line[0] ? 1 : 0;
	if (st->in.errs->total != st->errs_before || !c->private_key_path ||
	    (st->flags & GWCONF_SKIP_FILES))
		return;
	if (key_read_file(c->private_key_path, c->private_key, err, sizeof(err))) {
		ini_err(&st->in, st->key_line, "private-key %s: %s", c->private_key_path, err);
		return;
	}
	if (key_public(c->public_key, c->private_key)) {
		ini_err(&st->in, st->key_line, "private-key %s: not a usable X25519 key",
			c->private_key_path);
		return;
	}
	c->key_loaded = true;
}

void gwconf_free(struct gwconf *c)
{
	if (!c)
		return;
	free(c->path);
	free(c->name);
	free(c->private_key_path);
	sodium_memzero(c->private_key, sizeof(c->private_key));
	free(c);
}

int gwconf_load_buffer(const char *name, const char *buf, size_t len, unsigned int flags,
		       struct gwconf **out, struct errlist *errs)
{
	size_t before = errs->total, n_before = errs->n;
	struct state st;
	struct gwconf *c;

	*out = NULL;
	if (sodium_init() < 0)
		return -EIO;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	snprintf(c->ifname, sizeof(c->ifname), "%s", GWCONF_DEFAULT_IFNAME);
	c->table = GWCONF_DEFAULT_TABLE;
	c->path = strdup(name);
	memset(&st, 0, sizeof(st));
	st.c = c;
	st.flags = flags;
	st.errs_before = before;
	st.in.file = name;
	st.in.buf = buf;
	st.in.len = len;
	st.in.errs = errs;
	st.in.section = on_section;
	st.in.key = on_key;
	st.in.ctx = &st;
	if (!c->path)
		errs->oom = true;
	ini_run(&st.in);
	validate(&st);
	errlist_sort(errs, n_before);
	if (errs->oom || errs->total != before) {
		gwconf_free(c);
		return errs->oom ? -ENOMEM : -EINVAL;
	}
	*out = c;
	return 0;
}

int gwconf_load(const char *path, unsigned int flags, struct gwconf **out, struct errlist *errs)
{
	size_t len;
	char *buf;
	int r;

	*out = NULL;
	r = ini_read_file(path, GWCONF_MAX_FILE, &buf, &len, errs);
	if (r)
		return r;
	r = gwconf_load_buffer(path, buf, len, flags, out, errs);
	free(buf);
	return r;
}
