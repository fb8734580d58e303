// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the PROBE / PROBE_REPLY body decoder: anything that
 * decodes re-encodes to the same 16 bytes, and nothing else decodes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[PROBE_BODY_LEN];
	struct probe p;

	if (probe_decode(data, size, &p))
		return 0;
	if (size != PROBE_BODY_LEN || p.src_uplink > 1 || p.dst_uplink > 1)
		abort();
	if (probe_encode(out, sizeof(out), &p) != PROBE_BODY_LEN || memcmp(out, data, size))
		abort();
	return 0;
}
