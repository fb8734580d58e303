// SPDX-License-Identifier: GPL-2.0
/*
 * orgconf_validate.c - checks that need the whole org config, the lookup
 * indexes, and reading the key files the config names.
 *
 * Every check reports at the line of the entry at fault, naming the other
 * entry (and its line) when two conflict. Checks that depend on an
 * earlier error (e.g. "not a hub" when that network's mode was already
 * reported as bad) are skipped so one mistake gives one message.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf, qsort_r, strndup */
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/orgconf_priv.h"

struct orgconf_index {
	uint32_t *by_name; /* network indexes sorted by (name, index) */
	uint32_t *by_key;  /* networks with a key, sorted by key */
	size_t n_by_key;
	uint32_t *class_by_name;
};

static int cmp_net_name(const void *a, const void *b, void *arg)
{
	const struct orgconf *cfg = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int r = strcmp(cfg->networks[x].name, cfg->networks[y].name);

	return r ? r : (x < y ? -1 : x > y);
}

static int cmp_net_key(const void *a, const void *b, void *arg)
{
	const struct orgconf *cfg = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int r = memcmp(cfg->networks[x].public_key, cfg->networks[y].public_key, KEY_LEN);

	return r ? r : (x < y ? -1 : x > y);
}

static int cmp_class_name(const void *a, const void *b, void *arg)
{
	const struct orgconf *cfg = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int r = strcmp(cfg->classes[x].name, cfg->classes[y].name);

	return r ? r : (x < y ? -1 : x > y);
}

static uint32_t *sorted_indexes(const struct orgconf *cfg, size_t n,
				int (*cmp)(const void *, const void *, void *))
{
	uint32_t *v = malloc((n ? n : 1) * sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < n; i++)
		v[i] = (uint32_t)i;
	qsort_r(v, n, sizeof(*v), cmp, (void *)cfg);
	return v;
}

/* First (lowest index) network named @name in @by_name, or NO_INDEX. */
static uint32_t lookup_name(const struct orgconf *cfg, const uint32_t *by_name, const char *name)
{
	size_t lo = 0, hi = cfg->n_networks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(cfg->networks[by_name[mid]].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < cfg->n_networks && !strcmp(cfg->networks[by_name[lo]].name, name))
		return by_name[lo];
	return ORGCONF_NO_INDEX;
}

static void check_org(struct orgconf_state *st)
{
	struct orgconf *cfg = st->cfg;
	const char *why;

	if (!st->org_line) {
		orgconf_err(st, 0, "missing [organization] section");
	} else {
		if (!st->name_line)
			orgconf_err(st, st->org_line,
				    "[organization]: missing required key 'name'");
		if (!st->regkey_line)
			orgconf_err(st, st->org_line,
				    "[organization]: missing required key 'registry-private-key'");
		if (!st->psk_line && !st->pskfile_line)
			orgconf_err(st, st->org_line,
				    "[organization]: missing required key 'psk-secret-file' "
				    "(or psk-secret)");
		if (st->psk_line && st->pskfile_line)
			orgconf_err(st,
				    st->psk_line > st->pskfile_line ? st->psk_line :
								      st->pskfile_line,
				    "give either psk-secret or psk-secret-file, not both");
	}
	if (!st->status_line)
		endpoint_parse(ORGCONF_DEFAULT_STATUS_LISTEN, &cfg->status_listen, &why);
	if (!st->purge_line)
		cfg->peer_purge_secs = ORGCONF_DEFAULT_PURGE_SECS;
}

static void check_classes(struct orgconf_state *st)
{
	struct orgconf *cfg = st->cfg;
	uint32_t *v;
	size_t i;

	for (i = 0; i < cfg->n_classes; i++) {
		const struct orgconf_class_extra *x = &st->cx[i];

		if (!x->lat_line && !x->loss_line && !x->jit_line)
			orgconf_err(st, x->line,
				    "performance class \"%s\" sets no limit (max-latency, "
				    "max-loss, max-jitter)",
				    cfg->classes[i].name);
	}
	v = sorted_indexes(cfg, cfg->n_classes, cmp_class_name);
	if (!v) {
		st->errs->oom = true;
		return;
	}
	for (i = 1; i < cfg->n_classes; i++)
		if (!strcmp(cfg->classes[v[i]].name, cfg->classes[v[i - 1]].name))
			orgconf_err(st, st->cx[v[i]].line,
				    "duplicate performance class \"%s\" (first at line %u)",
				    cfg->classes[v[i]].name, st->cx[v[i - 1]].line);
	free(v);
}

static bool mode_known(const struct orgconf_state *st, uint32_t i)
{
	return st->nx[i].mode_line && !st->nx[i].mode_bad;
}

/* Per network, on its own. */
static void check_network(struct orgconf_state *st, uint32_t i)
{
	const struct orgconf_network *n = &st->cfg->networks[i];
	const struct orgconf_net_extra *x = &st->nx[i];
	size_t j;

	if (!x->mode_line) {
		orgconf_err(st, n->line, "network \"%s\": missing required key 'mode'", n->name);
		return;
	}
	if (x->mode_bad)
		return;
	if (n->mode != ORGCONF_MODE_OFF && !x->key_line)
		orgconf_err(st, n->line, "network \"%s\": missing required key 'public-key'",
			    n->name);
	if (n->mode == ORGCONF_MODE_HUB)
		for (j = 0; j < x->n_hubs; j++)
			orgconf_err(st, x->hubs[j].line,
				    "'hub' entries are for spokes; a hub tunnels to all hubs by "
				    "itself (use exit-hub for full tunnel)");
	if (n->mode == ORGCONF_MODE_SPOKE) {
		for (j = 0; j < x->n_exits; j++)
			orgconf_err(st, x->exits[j].line,
				    "'exit-hub' is for hubs; a spoke sends all traffic to a hub "
				    "with hub = \"NAME\" default-route");
		if (!x->n_hubs)
			orgconf_err(st, n->line, "spoke \"%s\" has no hub (add hub = NAME)",
				    n->name);
	}
}

/* Resolves hub / exit-hub names of network @i into the final arrays. */
static void resolve_hubs(struct orgconf_state *st, const uint32_t *by_name, uint32_t i)
{
	struct orgconf *cfg = st->cfg;
	struct orgconf_network *n = &cfg->networks[i];
	struct orgconf_net_extra *x = &st->nx[i];
	bool check_target = mode_known(st, i) && n->mode != ORGCONF_MODE_OFF;
	size_t j, k;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		bool is_exit = pass == 1;
		struct orgconf_ref *refs = is_exit ? x->exits : x->hubs;
		size_t nrefs = is_exit ? x->n_exits : x->n_hubs;
		const char *what = is_exit ? "exit hub" : "hub";

		/* Only the list that applies to this mode is kept. */
		bool keep = check_target &&
			    n->mode == (is_exit ? ORGCONF_MODE_HUB : ORGCONF_MODE_SPOKE);

		if (keep && nrefs) {
			if (is_exit)
				n->exit_hubs = calloc(nrefs, sizeof(*n->exit_hubs));
			else
				n->hubs = calloc(nrefs, sizeof(*n->hubs));
			if (is_exit ? !n->exit_hubs : !n->hubs) {
				st->errs->oom = true;
				return;
			}
		}
		for (j = 0; j < nrefs; j++) {
			const struct orgconf_ref *r = &refs[j];
			uint32_t t = lookup_name(cfg, by_name, r->name);
			bool bad = false;

			if (t == ORGCONF_NO_INDEX) {
				const char *hint = "";
				size_t l = strlen(r->name);

				if (l > 14 && !strcmp(r->name + l - 14, " default-route"))
					hint = " (to add default-route, quote the name: "
					       "hub = \"NAME\" default-route)";
				orgconf_err(st, r->line, "unknown %s \"%s\"%s", what, r->name,
					    hint);
				continue;
			}
			if (!keep)
				continue;
			if (t == i) {
				orgconf_err(st, r->line, "%s \"%s\" lists itself as %s",
					    is_exit ? "hub" : "spoke", n->name,
					    is_exit ? "an exit hub" : "a hub");
				continue;
			}
			if (mode_known(st, t) && cfg->networks[t].mode != ORGCONF_MODE_HUB) {
				orgconf_err(st, r->line, "%s \"%s\" is not a hub (its mode is %s)",
					    what, r->name,
					    orgconf_mode_name(cfg->networks[t].mode));
				continue;
			}
			for (k = 0; k < j; k++) {
				if (refs[k].name && !strcmp(refs[k].name, r->name)) {
					orgconf_err(st, r->line,
						    "%s \"%s\" listed twice (first at line %u)",
						    what, r->name, refs[k].line);
					bad = true;
					break;
				}
			}
			if (bad)
				continue;
			if (is_exit) {
				n->exit_hubs[n->n_exit_hubs++] = t;
			} else {
				n->hubs[n->n_hubs].net = t;
				n->hubs[n->n_hubs].default_route = r->flag;
				n->n_hubs++;
			}
		}
	}
}

/* The line of hub @i's `exit-hub` entry naming network @t. */
static unsigned int exit_line(const struct orgconf_state *st, uint32_t i, uint32_t t)
{
	const struct orgconf_net_extra *x = &st->nx[i];

	for (size_t j = 0; j < x->n_exits; j++)
		if (x->exits[j].name && !strcmp(x->exits[j].name, st->cfg->networks[t].name))
			return x->exits[j].line;
	return st->cfg->networks[i].line;
}

/*
 * Exit hubs must not form a loop: a hub forwards the internet traffic it
 * gets to its own exit hubs, so A -> B -> A would send it round and round
 * (through the tunnels, until its TTL runs out). Depth-first search; each
 * loop is reported once, at the entry that closes it.
 */
static void check_exit_loops(struct orgconf_state *st)
{
	struct orgconf *cfg = st->cfg;
	size_t n = cfg->n_networks;
	uint8_t *color = calloc(n ? n : 1, 1); /* 0 new, 1 on the path, 2 done */
	uint32_t *stack = calloc(n ? n : 1, sizeof(*stack)), *next = calloc(n ? n : 1, 4);

	if (!color || !stack || !next) {
		st->errs->oom = true;
		goto out;
	}
	for (uint32_t root = 0; root < n; root++) {
		size_t sp = 0;

		if (color[root] || cfg->networks[root].mode != ORGCONF_MODE_HUB)
			continue;
		stack[sp++] = root;
		color[root] = 1;
		next[root] = 0;
		while (sp) {
			uint32_t u = stack[sp - 1];
			const struct orgconf_network *un = &cfg->networks[u];
			uint32_t v;

			if (next[u] == un->n_exit_hubs) {
				color[u] = 2;
				sp--;
				continue;
			}
			v = un->exit_hubs[next[u]++];
			if (color[v] == 1) {
				char path[256];
				size_t k = sp, len = 0;

				while (k > 0 && stack[k - 1] != v)
					k--;
				path[0] = 0;
				for (k = k ? k - 1 : 0; k < sp && len < sizeof(path); k++)
					len += (size_t)snprintf(path + len, sizeof(path) - len,
								"\"%s\" -> ",
								cfg->networks[stack[k]].name);
				orgconf_err(st, exit_line(st, u, v),
					    "exit hubs form a loop: %s\"%s\" (internet traffic "
					    "would go round it)",
					    path, cfg->networks[v].name);
			} else if (!color[v] && cfg->networks[v].mode == ORGCONF_MODE_HUB) {
				color[v] = 1;
				next[v] = 0;
				stack[sp++] = v;
			}
		}
	}
out:
	free(color);
	free(stack);
	free(next);
}

static void resolve_classes(struct orgconf_state *st, const uint32_t *class_by_name, uint32_t i)
{
	struct orgconf *cfg = st->cfg;
	struct orgconf_network *n = &cfg->networks[i];
	const struct orgconf_net_extra *x = &st->nx[i];
	size_t j;

	for (j = 0; j < n->n_flow_prefs; j++) {
		const struct orgconf_ref *r = &x->class_refs[j];
		size_t lo = 0, hi = cfg->n_classes;

		if (!r->name)
			continue;
		/* leftmost match: the first class of that name in the file */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (strcmp(cfg->classes[class_by_name[mid]].name, r->name) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == cfg->n_classes || strcmp(cfg->classes[class_by_name[lo]].name, r->name))
			orgconf_err(st, r->line, "unknown performance class \"%s\"", r->name);
		else
			n->flow_prefs[j].perf_class = class_by_name[lo];
	}
}

static void check_duplicate_keys(struct orgconf_state *st)
{
	struct orgconf *cfg = st->cfg;
	uint32_t *v;
	size_t i, m = 0, prev = SIZE_MAX;

	v = sorted_indexes(cfg, cfg->n_networks, cmp_net_key);
	if (!v) {
		st->errs->oom = true;
		return;
	}
	for (i = 0; i < cfg->n_networks; i++)
		if (cfg->networks[v[i]].has_public_key && st->nx[v[i]].key_line)
			v[m++] = v[i];
	for (i = 0; i < m; i++) {
		const struct orgconf_network *a = &cfg->networks[v[i]];

		if (prev != SIZE_MAX &&
		    !memcmp(cfg->networks[v[prev]].public_key, a->public_key, KEY_LEN)) {
			orgconf_err(st, st->nx[v[i]].key_line,
				    "duplicate public key: already used by network \"%s\" "
				    "(line %u)",
				    cfg->networks[v[prev]].name, st->nx[v[prev]].key_line);
			continue; /* keep comparing against the first user */
		}
		prev = i;
	}
	st->by_key = v; /* the lookup index, once the config is valid */
	st->n_by_key = m;
}

struct exported {
	struct prefix prefix;
	uint32_t net;
	unsigned int line;
};

static int cmp_exported(const void *a, const void *b)
{
	const struct exported *x = a, *y = b;
	int r = prefix_cmp(&x->prefix, &y->prefix);

	if (r)
		return r;
	return x->line < y->line ? -1 : x->line > y->line;
}

/*
 * Exported (use-vpn yes) subnets of participating networks must not
 * overlap between networks: a destination must have one owner. Sorted by
 * address, prefixes either nest or are disjoint, so a stack of the
 * enclosing prefixes finds every overlap in O(n log n); identical
 * prefixes are not pushed again, which bounds the stack to 129 entries.
 */
static void check_overlaps(struct orgconf_state *st)
{
	struct orgconf *cfg = st->cfg;
	struct exported *e, *stack[130];
	size_t i, j, n = 0, depth = 0, total = 0;

	for (i = 0; i < cfg->n_networks; i++)
		if (mode_known(st, (uint32_t)i) && cfg->networks[i].mode != ORGCONF_MODE_OFF)
			total += cfg->networks[i].n_subnets;
	e = malloc((total ? total : 1) * sizeof(*e));
	if (!e) {
		st->errs->oom = true;
		return;
	}
	for (i = 0; i < cfg->n_networks; i++) {
		const struct orgconf_network *net = &cfg->networks[i];

		if (!mode_known(st, (uint32_t)i) || net->mode == ORGCONF_MODE_OFF)
			continue;
		for (j = 0; j < net->n_subnets; j++) {
			if (!net->subnets[j].use_vpn)
				continue;
			e[n].prefix = net->subnets[j].prefix;
			e[n].net = (uint32_t)i;
			e[n].line = st->nx[i].subnet_lines[j];
			n++;
		}
	}
	qsort(e, n, sizeof(*e), cmp_exported);
	for (i = 0; i < n; i++) {
		struct exported *cur = &e[i];
		bool same_as_top;

		while (depth && !prefix_contains(&stack[depth - 1]->prefix, &cur->prefix))
			depth--;
		same_as_top = depth && prefix_equal(&stack[depth - 1]->prefix, &cur->prefix);
		/* A repeat of a prefix is only compared with its first instance. */
		for (j = same_as_top ? depth - 1 : 0; j < depth; j++) {
			const struct exported *o = stack[j];
			char a[PREFIX_STRLEN], b[PREFIX_STRLEN];
			const struct exported *later = cur->line > o->line ? cur : o;
			const struct exported *earlier = later == cur ? o : cur;

			prefix_format(&later->prefix, a, sizeof(a));
			prefix_format(&earlier->prefix, b, sizeof(b));
			if (o->net == cur->net) {
				if (prefix_equal(&o->prefix, &cur->prefix))
					orgconf_err(st, later->line,
						    "subnet %s listed twice (first at line %u)", a,
						    earlier->line);
				continue;
			}
			if (prefix_equal(&o->prefix, &cur->prefix))
				orgconf_err(st, later->line,
					    "duplicate exported subnet %s: also exported by "
					    "network \"%s\" (line %u)",
					    a, cfg->networks[earlier->net].name, earlier->line);
			else
				orgconf_err(st, later->line,
					    "exported subnet %s overlaps %s exported by network "
					    "\"%s\" (line %u)",
					    a, b, cfg->networks[earlier->net].name, earlier->line);
		}
		if (!same_as_top && depth < sizeof(stack) / sizeof(stack[0]))
			stack[depth++] = cur;
	}
	free(e);
}

/* @path relative to the directory of the config file, unless absolute. */
static char *resolve_path(const char *config, const char *path)
{
	const char *slash = strrchr(config, '/');
	char *r = NULL;

	if (path[0] == '/' || !slash)
		return strdup(path);
	if (asprintf(&r, "%.*s/%s", (int)(slash - config), config, path) < 0)
		return NULL;
	return r;
}

static void load_files(struct orgconf_state *st)
{
	struct orgconf *cfg = st->cfg;
	char err[256];

	if (st->regkey) {
		cfg->registry_key_path = resolve_path(st->file, st->regkey);
		if (!cfg->registry_key_path) {
			st->errs->oom = true;
			return;
		}
	}
	if (st->pskfile) {
		cfg->psk_secret_path = resolve_path(st->file, st->pskfile);
		if (!cfg->psk_secret_path) {
			st->errs->oom = true;
			return;
		}
	}
	if (st->flags & ORGCONF_SKIP_FILES)
		return;
	if (cfg->registry_key_path) {
		bool ok = false;

		if (key_read_file(cfg->registry_key_path, cfg->registry_private_key, err,
				  sizeof(err)))
			orgconf_err(st, st->regkey_line, "registry-private-key %s: %s",
				    cfg->registry_key_path, err);
		else if (key_public(cfg->registry_public_key, cfg->registry_private_key))
			orgconf_err(st, st->regkey_line, "registry-private-key %s: bad key",
				    cfg->registry_key_path);
		else
			ok = true;
		cfg->keys_loaded = ok;
	}
	if (cfg->psk_secret_path) {
		if (key_read_file(cfg->psk_secret_path, cfg->psk_secret, err, sizeof(err)))
			orgconf_err(st, st->pskfile_line, "psk-secret-file %s: %s",
				    cfg->psk_secret_path, err);
		else if (key_is_zero(cfg->psk_secret))
			orgconf_err(st, st->pskfile_line, "psk-secret-file %s: all-zero secret",
				    cfg->psk_secret_path);
	}
}

void orgconf_validate(struct orgconf_state *st)
{
	struct orgconf *cfg = st->cfg;
	uint32_t *by_name, *class_by_name;
	size_t i;

	check_org(st);
	check_classes(st);
	for (i = 0; i < cfg->n_networks; i++)
		check_network(st, (uint32_t)i);

	by_name = sorted_indexes(cfg, cfg->n_networks, cmp_net_name);
	class_by_name = sorted_indexes(cfg, cfg->n_classes, cmp_class_name);
	if (!by_name || !class_by_name) {
		free(by_name);
		free(class_by_name);
		st->errs->oom = true;
		return;
	}
	for (i = 1; i < cfg->n_networks; i++) {
		const struct orgconf_network *a = &cfg->networks[by_name[i - 1]];
		const struct orgconf_network *b = &cfg->networks[by_name[i]];

		if (!strcmp(a->name, b->name))
			orgconf_err(st, b->line, "duplicate network name \"%s\" (first at line %u)",
				    b->name,
				    cfg->networks[lookup_name(cfg, by_name, b->name)].line);
	}
	for (i = 0; i < cfg->n_networks; i++) {
		resolve_hubs(st, by_name, (uint32_t)i);
		resolve_classes(st, class_by_name, (uint32_t)i);
	}
	check_exit_loops(st);
	/* kept for the lookup index (names are unique if there is no error) */
	st->by_name = by_name;
	st->class_by_name = class_by_name;
	check_duplicate_keys(st);
	check_overlaps(st);
	load_files(st);
}

int orgconf_build_index(struct orgconf_state *st)
{
	struct orgconf *cfg = st->cfg;
	struct orgconf_index *idx = calloc(1, sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	cfg->idx = idx;
	idx->by_name = st->by_name;
	st->by_name = NULL;
	idx->by_key = st->by_key;
	idx->n_by_key = st->n_by_key;
	st->by_key = NULL;
	idx->class_by_name = st->class_by_name;
	st->class_by_name = NULL;
	if (!idx->by_name || !idx->by_key || !idx->class_by_name)
		return -ENOMEM;
	return 0;
}

void orgconf_free_index(struct orgconf_index *idx)
{
	if (!idx)
		return;
	free(idx->by_name);
	free(idx->by_key);
	free(idx->class_by_name);
	free(idx);
}

const struct orgconf_network *orgconf_find_network(const struct orgconf *cfg, const char *name)
{
	uint32_t i = lookup_name(cfg, cfg->idx->by_name, name);

	return i == ORGCONF_NO_INDEX ? NULL : &cfg->networks[i];
}

const struct orgconf_network *orgconf_find_by_key(const struct orgconf *cfg,
						  const uint8_t public_key[KEY_LEN])
{
	const struct orgconf_index *idx = cfg->idx;
	size_t lo = 0, hi = idx->n_by_key;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = memcmp(cfg->networks[idx->by_key[mid]].public_key, public_key, KEY_LEN);

		if (!r)
			return &cfg->networks[idx->by_key[mid]];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

uint32_t orgconf_find_class(const struct orgconf *cfg, const char *name)
{
	const struct orgconf_index *idx = cfg->idx;
	size_t lo = 0, hi = cfg->n_classes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(cfg->classes[idx->class_by_name[mid]].name, name);

		if (!r)
			return idx->class_by_name[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return ORGCONF_NO_INDEX;
}
