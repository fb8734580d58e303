// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test of the key material fingerprints (keyfp.c), run at load with
 * selftest=1: material is remembered across generations for at least
 * AVPN_KEYFP_GEN keys, the memory stays bounded, and fresh material is not
 * mistaken for seen material.
 */
#include <linux/random.h>
#include <linux/slab.h>
#include "avpn.h"

/* Key number i of the test: distinct 32-byte keys. */
static void test_key(u8 key[AUTOVPN_KEY_LEN], u32 i, u32 tag)
{
	memset(key, 0x5a, AUTOVPN_KEY_LEN);
	memcpy(key, &i, sizeof(i));
	memcpy(key + sizeof(i), &tag, sizeof(tag));
}

static bool seen(struct avpn_keyfp *kf, u32 i, u32 tag)
{
	u8 key[AUTOVPN_KEY_LEN];

	test_key(key, i, tag);
	return avpn_keyfp_seen(kf, avpn_keyfp_of(kf, key));
}

int avpn_selftest_keyfp(void)
{
	/* More than two generations: the oldest must be forgotten. */
	const u32 n = 2 * AVPN_KEYFP_GEN + AVPN_KEYFP_GEN / 2;
	struct avpn_keyfp kf;
	u8 key[AUTOVPN_KEY_LEN];
	u32 i, fresh = 0, forgotten = 0;
	int ret = -EINVAL;

	avpn_keyfp_init(&kf);
	if (seen(&kf, 0, 1))
		goto out;
	for (i = 0; i < n; i++) {
		test_key(key, i, 1);
		if (avpn_keyfp_reserve(&kf, 1)) {
			ret = -ENOMEM;
			goto out;
		}
		avpn_keyfp_add(&kf, avpn_keyfp_of(&kf, key));
		/* The newest one is always remembered. */
		if (!seen(&kf, i, 1))
			goto out;
	}
	for (i = n - AVPN_KEYFP_GEN; i < n; i++)
		if (!seen(&kf, i, 1))
			goto out;
	/* Material never installed (tag 2) is not taken for seen. */
	for (i = 0; i < 4096; i++)
		fresh += seen(&kf, i, 2);
	for (i = 0; i < 4096; i++)
		forgotten += !seen(&kf, i, 1);
	if (fresh || forgotten != 4096)
		goto out;
	ret = 0;
out:
	avpn_keyfp_destroy(&kf);
	pr_info("autovpn: keyfp selftest %s\n", ret ? "FAILED" : "passed");
	return ret;
}
