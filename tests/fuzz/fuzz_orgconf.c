// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the org config parser: any bytes go through
 * orgconf_load_buffer() (never touching key files); a config that loads is
 * also run through topology_compute() for every network, and its lookups
 * are cross-checked, so crashes, leaks and inconsistencies all surface.
 *
 *   build: tests/fuzz/build.mk (clang -fsanitize=fuzzer,address,undefined)
 *   run:   build/fuzz/fuzz_orgconf -max_total_time=60 tests/fuzz/corpus/orgconf
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/orgconf.h"
#include "conf/topology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errlist errs = ERRLIST_INIT;
	struct orgconf *cfg = NULL;
	size_t i, j;
	int r;

	/* A name with a '/' exercises relative key path resolution too. */
	r = orgconf_load_buffer("fuzz/org.conf", (const char *)data, size, ORGCONF_SKIP_FILES, &cfg,
				&errs);
	if (r) {
		/* invalid: nothing returned, and at least one message says why */
		if (cfg || (r == -EINVAL && !errlist_count(&errs)))
			abort();
		errlist_free(&errs);
		return 0;
	}
	if (errlist_count(&errs))
		abort();
	for (i = 0; i < cfg->n_networks; i++) {
		const struct orgconf_network *n = &cfg->networks[i];
		struct topology_view *v;

		if (orgconf_find_network(cfg, n->name) != n)
			abort();
		if (n->has_public_key && orgconf_find_by_key(cfg, n->public_key) != n)
			abort();
		if (topology_compute(orgconf_topology(cfg), (uint32_t)i, &v))
			abort();
		if (v->n_peers != topology_peer_count(orgconf_topology(cfg), (uint32_t)i))
			abort();
		for (j = 0; j < v->n_peers; j++)
			if (v->peers[j].net == i ||
			    cfg->networks[v->peers[j].net].mode == ORGCONF_MODE_OFF)
				abort();
		topology_view_free(v);
	}
	orgconf_free(cfg);
	return 0;
}
