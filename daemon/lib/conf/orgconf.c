// SPDX-License-Identifier: GPL-2.0
/*
 * orgconf.c - reading the org config: sections, load/free, lookups. The
 * lines themselves are read and checked by the shared reader (conf/ini.h),
 * which hands us every section header and every key with its line number.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf, qsort_r, strndup */
#endif
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conf/ini.h"
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

const struct endpoint *orgconf_manual_endpoint(const struct orgconf_network *n, unsigned int u)
{
	return n->nat_manual && u < n->n_nat_endpoints ? &n->nat_endpoints[u] : NULL;
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

static void on_section(struct ini *in, char *hdr)
{
	struct orgconf_state *st = in->ctx;

	st->lineno = in->lineno;
	begin_section(st, hdr);
}

static void on_key(struct ini *in, const char *name, const char *value)
{
	struct orgconf_state *st = in->ctx;

	st->lineno = in->lineno;
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

/*
 * The version gateways compare is that of what they are told, and the
 * per-pair psks derive from the psk secret: a secret or registry key
 * rotated in its file, with the config's text unchanged, is a new version
 * too. Otherwise a reload would be taken for "nothing changed", no gateway
 * would refetch, and after a restart the two ends of a pair would hold
 * different psks. The secret enters through a keyed hash, so the version
 * (public: the API shows it) tells nothing about it.
 */
static void set_version(struct orgconf *cfg)
{
	static const char label[] = "autovpn org config version";
	crypto_hash_sha256_state h;
	uint8_t mac[32];
	int i;

	if (cfg->keys_loaded) {
		crypto_generichash(mac, sizeof(mac), (const uint8_t *)label, sizeof(label) - 1,
				   cfg->psk_secret, sizeof(cfg->psk_secret));
		crypto_hash_sha256_init(&h);
		crypto_hash_sha256_update(&h, cfg->digest, sizeof(cfg->digest));
		crypto_hash_sha256_update(&h, cfg->registry_public_key,
					  sizeof(cfg->registry_public_key));
		crypto_hash_sha256_update(&h, mac, sizeof(mac));
		crypto_hash_sha256_final(&h, cfg->digest);
		sodium_memzero(mac, sizeof(mac));
	}
	cfg->version = 0;
	for (i = 0; i < 8; i++)
		cfg->version = (cfg->version << 8) | cfg->digest[i];
}

int orgconf_load_buffer(const char *name, const char *buf, size_t len, unsigned int flags,
			struct orgconf **out, struct errlist *errs)
{
	size_t errs_before = errs->total, errs_n_before = errs->n;
	struct ini in = { 0 };
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
	st.errs = errs;
	st.flags = flags;
	st.cfg = cfg;
	cfg->path = strdup(name);
	if (!cfg->path) {
		r = -ENOMEM;
		goto fail;
	}
	crypto_hash_sha256(cfg->digest, (const unsigned char *)buf, len);

	in.file = name;
	in.buf = buf;
	in.len = len;
	in.errs = errs;
	in.section = on_section;
	in.key = on_key;
	in.ctx = &st;
	ini_run(&in);
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
	set_version(cfg);
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
	size_t len;
	char *buf;
	int r;

	*out = NULL;
	r = ini_read_file(path, ORGCONF_MAX_FILE, &buf, &len, errs);
	if (r)
		return r;
	r = orgconf_load_buffer(path, buf, len, flags, out, errs);
	free(buf);
	return r;
}

const struct topology *orgconf_topology(const struct orgconf *cfg)
{
	return cfg->topo;
}
