// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the gateway config parser (autovpnd.conf): any
 * bytes go through gwconf_load_buffer() without reading key files. A file
 * either loads into a consistent config or is refused with at least one
 * message, never both, never a crash or a leak.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/gwconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errlist errs = ERRLIST_INIT;
	struct gwconf *c = NULL;
	int r;

	r = gwconf_load_buffer("fuzz/autovpnd.conf", (const char *)data, size, GWCONF_SKIP_FILES,
			       &c, &errs);
	if (r) {
		if (c || (r == -EINVAL && !errlist_count(&errs)))
			abort();
		errlist_free(&errs);
		return 0;
	}
	if (errlist_count(&errs) || !c->name || !c->private_key_path || !c->n_registries ||
	    c->n_registries > GWCONF_MAX_REGISTRIES || !c->n_uplinks ||
	    c->n_uplinks > GWCONF_MAX_UPLINKS || !c->uplinks[0].device[0] || c->key_loaded)
		abort();
	gwconf_free(c);
	return 0;
}
