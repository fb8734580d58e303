// SPDX-License-Identifier: GPL-2.0
/*
 * reload.c - loading the org config: at start, on SIGHUP, on file change.
 *
 * A reload is all or nothing: the new file is parsed and validated whole, the
 * new gateway table is built next to the old one, and only then are the two
 * swapped.  An invalid file leaves the running config untouched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

int reload_config(struct registry *r, int initial)
{
	struct errlist errs = ERRLIST_INIT;
	struct orgconf *cfg = NULL;
	struct gwtable_entry *gws;
	uint32_t *hash, mask, old_n;
	uint64_t t0 = clock_mono_ms();
	int rc;

	rc = orgconf_load(r->config_path, 0, &cfg, &errs);
	if (!rc && self_check(cfg, &errs)) {
		/* Valid, but more than the protocol can tell a gateway. */
		orgconf_free(cfg);
		cfg = NULL;
		rc = -EINVAL;
	}
	if (rc) {
		if (r->cfg)
			log_err("config %s rejected (%zu error%s), keeping version %016llx",
				r->config_path, errlist_count(&errs),
				errlist_count(&errs) == 1 ? "" : "s",
				(unsigned long long)r->cfg->version);
		else
			log_err("config %s rejected (%zu error%s)", r->config_path,
				errlist_count(&errs), errlist_count(&errs) == 1 ? "" : "s");
		errlist_print(&errs, stderr);
		errlist_free(&errs);
		r->st.reload_failures++;
		return rc;
	}
	errlist_free(&errs);
	if (r->cfg && cfg->version == r->cfg->version) {
		orgconf_free(cfg);
		return 0; /* same bytes: nothing to do, nothing to push */
	}
	if (!cfg->keys_loaded) {
		log_err("config %s: registry key not loaded", r->config_path);
		orgconf_free(cfg);
		r->st.reload_failures++;
		return -ENOKEY;
	}
	old_n = r->cfg ? (uint32_t)r->cfg->n_networks : 0;
	rc = gwtable_build(r, cfg, r->gws, old_n, r->cfg, &gws, &hash, &mask);
	if (rc)
		goto oom;
	rc = gwtable_index_hubs(r, cfg);
	if (rc) {
		gwtable_free(gws, (uint32_t)cfg->n_networks);
		free(hash);
		goto oom;
	}
	/* Commit. */
	view_clear(r);
	gwtable_free(r->gws, old_n);
	if (r->cfg)
		orgconf_free(r->cfg);
	free(r->hash);
	r->cfg = cfg;
	r->topo = orgconf_topology(cfg);
	r->gws = gws;
	r->cfg_gen++; /* what a streamed answer started on is gone (httplist.c) */
	scrape_cache_free(&r->metrics_cache); /* the next scrape shows the new config */
	r->hash = hash;
	r->hash_mask = mask;
	r->loaded_ms = clock_mono_ms();
	r->push_pending = 0; /* the new table has no marks yet */
	r->peers_pending = 0;
	r->peers_flushing = 0;
	if (!initial) {
		r->st.reloads++;
		/* The version is org-wide: everyone registered must refetch. */
		push_all(r);
	}
	log_info("config %s version %016llx: %zu networks (%llu ms)", r->config_path,
		 (unsigned long long)cfg->version, cfg->n_networks,
		 (unsigned long long)(clock_mono_ms() - t0));
	return 0;
oom:
	log_err("config %s: out of memory, keeping the old one", r->config_path);
	orgconf_free(cfg);
	r->st.reload_failures++;
	return rc;
}
