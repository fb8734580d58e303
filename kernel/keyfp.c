// SPDX-License-Identifier: GPL-2.0
/*
 * Fingerprints of the key material a device has seen: (key, nonce) must
 * never repeat, whatever userspace does (uapi/linux/autovpn.h, "Keys").
 *
 * A nonce is (salt ^ path id) || counter, and every installed key starts
 * its counters at 0, so installing an AES key the device already used (a
 * retried request, a restarted daemon, the other direction, another peer)
 * would repeat nonces. KEY_NEW therefore refuses any AES key whose
 * fingerprint is here, and records the fingerprints of both directions of
 * every key it installs; deleting a key or its peer does not forget them.
 * The salt is left out on purpose: the same AES key with another salt is
 * not new (two salts that differ in the bits the path id flips give the
 * same nonces on different paths).
 *
 * A fingerprint is SipHash-2-4 of the 32-byte key under a random secret of
 * the device: it reveals nothing about the key, and nobody can choose keys
 * that collide with others. A false refusal of fresh material (two of 2^64
 * values meeting) only costs the daemon another handshake.
 *
 * Memory is bounded: fingerprints live in two generations of open-addressing
 * tables of u64 (0 = empty, load at most one half). New ones go into the
 * current generation, which grows by doubling up to AVPN_KEYFP_GEN entries;
 * a full current generation becomes the old one, and the previous old one is
 * forgotten. So a device remembers at least its last AVPN_KEYFP_GEN
 * fingerprints, in at most 2 x 8 x 2 x AVPN_KEYFP_GEN bytes (8 MiB).
 * All under dev->lock; nothing here is on the datapath.
 */
#include <linux/log2.h>
#include <linux/random.h>
#include <linux/slab.h>
#include "avpn.h"

#define AVPN_KEYFP_MIN_SLOTS 64

struct avpn_keyfp_table {
	unsigned int size; /* slots, a power of two */
	unsigned int used;
	u64 slot[];
};

static struct avpn_keyfp_table *table_new(unsigned int size)
{
	struct avpn_keyfp_table *t;

	t = kvzalloc(struct_size(t, slot, size), GFP_KERNEL);
	if (t)
		t->size = size;
	return t;
}

static bool table_has(const struct avpn_keyfp_table *t, u64 fp)
{
	unsigned int i;

	if (!t)
		return false;
	for (i = fp & (t->size - 1); t->slot[i]; i = (i + 1) & (t->size - 1))
		if (t->slot[i] == fp)
			return true;
	return false;
}

/* The caller made room (load stays at most one half). */
static void table_add(struct avpn_keyfp_table *t, u64 fp)
{
	unsigned int i;

	for (i = fp & (t->size - 1); t->slot[i]; i = (i + 1) & (t->size - 1))
		if (t->slot[i] == fp)
			return;
	t->slot[i] = fp;
	t->used++;
}

void avpn_keyfp_init(struct avpn_keyfp *kf)
{
	get_random_bytes(&kf->secret, sizeof(kf->secret));
	kf->cur = NULL;
	kf->old = NULL;
}

void avpn_keyfp_destroy(struct avpn_keyfp *kf)
{
	kvfree(kf->cur);
	kvfree(kf->old);
	kf->cur = kf->old = NULL;
	memzero_explicit(&kf->secret, sizeof(kf->secret));
}

u64 avpn_keyfp_of(const struct avpn_keyfp *kf, const u8 key[AUTOVPN_KEY_LEN])
{
	u64 fp = siphash(key, AUTOVPN_KEY_LEN, &kf->secret);

	return fp ?: 1; /* 0 marks an empty slot */
}

bool avpn_keyfp_seen(const struct avpn_keyfp *kf, u64 fp)
{
	return table_has(kf->cur, fp) || table_has(kf->old, fp);
}

int avpn_keyfp_reserve(struct avpn_keyfp *kf, unsigned int n)
{
	struct avpn_keyfp_table *cur = kf->cur, *t;
	unsigned int i;

	if (cur && 2 * (cur->used + n) <= cur->size)
		return 0;
	if (!cur || cur->used + n > AVPN_KEYFP_GEN) {
		/* Start a generation; the old one is forgotten only on success. */
		t = table_new(AVPN_KEYFP_MIN_SLOTS);
		if (!t)
			return -ENOMEM;
		if (cur) {
			kvfree(kf->old);
			kf->old = cur;
		}
		kf->cur = t;
		return 0;
	}
	t = table_new(roundup_pow_of_two(2 * (cur->used + n)));
	if (!t)
		return -ENOMEM;
	for (i = 0; i < cur->size; i++)
		if (cur->slot[i])
			table_add(t, cur->slot[i]);
	kf->cur = t;
	kvfree(cur);
	return 0;
}

void avpn_keyfp_add(struct avpn_keyfp *kf, u64 fp)
{
	if (WARN_ON_ONCE(!kf->cur || 2 * (kf->cur->used + 1) > kf->cur->size))
		return;
	table_add(kf->cur, fp);
}
