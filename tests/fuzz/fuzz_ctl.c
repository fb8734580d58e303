// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the daemon <-> CLI codec (daemon/lib/ctl): every
 * input goes to both ctl_status_from_json() and ctl_diagnosis_from_json().
 * A refusal must leave the output zeroed (nothing allocated); what decodes
 * must encode, decode again to the same struct member by member
 * (tests/unit/ctl_eq.h), and encode to the same text again.
 *
 *   build: tests/fuzz/build.mk (clang -fsanitize=fuzzer,address,undefined)
 *   run:   build/fuzz/fuzz_ctl -dict=tests/fuzz/ctl.dict -max_total_time=60 \
 *              tests/fuzz/corpus/ctl
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "ctl_eq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool zeroed(const void *p, size_t n)
{
	static const struct ctl_status zero;

	return !memcmp(p, &zero, n);
}

static void check_status(const char *in, size_t n)
{
	struct ctl_status s, s2;
	char *json, *json2;
	int err;

	err = ctl_status_from_json(in, n, &s);
	if (err) {
		if ((err != -EBADMSG && err != -ENOMEM) || !zeroed(&s, sizeof(s)))
			abort();
		return;
	}
	if (ctl_status_to_json(&s, &json))
		abort();
	if (ctl_status_from_json(json, strlen(json), &s2) || ctl_eq_status(&s, &s2))
		abort();
	if (ctl_status_to_json(&s2, &json2) || strcmp(json, json2))
		abort();
	free(json2);
	free(json);
	ctl_status_free(&s2);
	ctl_status_free(&s);
}

static void check_diagnosis(const char *in, size_t n)
{
	struct ctl_diagnosis d, d2;
	char *json, *json2;
	int err;

	err = ctl_diagnosis_from_json(in, n, &d);
	if (err) {
		if ((err != -EBADMSG && err != -ENOMEM) || !zeroed(&d, sizeof(d)))
			abort();
		return;
	}
	if (ctl_diagnosis_to_json(&d, &json))
		abort();
	if (ctl_diagnosis_from_json(json, strlen(json), &d2) || ctl_eq_diagnosis(&d, &d2))
		abort();
	if (ctl_diagnosis_to_json(&d2, &json2) || strcmp(json, json2))
		abort();
	free(json2);
	free(json);
	ctl_diagnosis_free(&d2);
	ctl_diagnosis_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The decoder takes a length, not a C string: no NUL is added, so a
	 * read past the input is an ASan report. */
	check_status((const char *)data, size);
	check_diagnosis((const char *)data, size);
	return 0;
}
