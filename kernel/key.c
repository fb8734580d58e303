// SPDX-License-Identifier: GPL-2.0
/*
 * autovpn: data keys and their slots (current / previous / next).
 *
 * A key holds one AES-256-GCM transform per direction, the salts, the
 * per-path send counters and replay windows, and its usage limits. The
 * kernel makes no policy: it only tells the daemon when a key should be
 * replaced (KEY_REKEY) and refuses to use one past its hard limits
 * (KEY_EXPIRED), both checked on the datapath as packets pass, no timers.
 *
 * Slots are RCU pointers written under dev->lock. A slot holds one reference;
 * the datapath takes another for the time a packet is in the crypto API
 * (asynchronous implementations complete later, in another context). The
 * last reference frees the key after an RCU grace period, so a reader that
 * loaded the slot pointer but lost the race for a reference still reads
 * valid memory.
 */
#include <linux/slab.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/wait_bit.h>
#include <net/netlink.h>
#include "avpn.h"

#define AVPN_AEAD_ALG "gcm(aes)"
#define AVPN_AEAD_ALG_PARALLEL "pcrypt(gcm(aes))"

/*
 * parallel=1: wrap the cipher in pcrypt, which spreads packets over all CPUs
 * (padata) and completes them in order, asynchronously. A single flow then
 * uses more than the one CPU its softirq runs on; each packet pays a
 * workqueue hop. Falls back to plain gcm(aes) if pcrypt is unavailable.
 */
static bool parallel;
module_param(parallel, bool, 0444);
MODULE_PARM_DESC(parallel, "encrypt/decrypt through pcrypt(gcm(aes)) on all CPUs (default: off)");

/*
 * Keys not yet freed. A packet inside an asynchronous cipher holds a key
 * reference, so the key's free comes after its completion callback; module
 * unload waits for this to reach zero before our code goes away.
 */
static atomic_t avpn_keys_live = ATOMIC_INIT(0);

void avpn_keys_wait_freed(void)
{
	wait_var_event(&avpn_keys_live, !atomic_read(&avpn_keys_live));
}

int avpn_key_config_check(const struct avpn_key_config *kc, struct netlink_ext_ack *extack)
{
	if (kc->slot >= __AUTOVPN_KEY_SLOT_MAX) {
		NL_SET_ERR_MSG(extack, "invalid key slot");
		return -EINVAL;
	}
	if (kc->limit_packets > AUTOVPN_KEY_DEFAULT_LIMIT_PACKETS) {
		NL_SET_ERR_MSG(extack, "key limit-packets above the maximum (2^28 + 2^24)");
		return -EINVAL;
	}
	if (kc->rekey_packets > AUTOVPN_KEY_DEFAULT_REKEY_PACKETS) {
		NL_SET_ERR_MSG(extack, "key rekey-packets above the maximum (2^28)");
		return -EINVAL;
	}
	if (kc->lifetime_secs > AUTOVPN_KEY_DEFAULT_LIFETIME_SECS) {
		NL_SET_ERR_MSG(extack, "key lifetime-secs above the maximum (180)");
		return -EINVAL;
	}
	if (kc->rekey_secs > AUTOVPN_KEY_DEFAULT_REKEY_SECS) {
		NL_SET_ERR_MSG(extack, "key rekey-secs above the maximum (120)");
		return -EINVAL;
	}
	if (kc->rekey_packets && kc->limit_packets && kc->rekey_packets > kc->limit_packets) {
		NL_SET_ERR_MSG(extack, "key rekey-packets above its limit-packets");
		return -EINVAL;
	}
	if (kc->rekey_secs && kc->lifetime_secs && kc->rekey_secs > kc->lifetime_secs) {
		NL_SET_ERR_MSG(extack, "key rekey-secs above its lifetime-secs");
		return -EINVAL;
	}
	return 0;
}

static struct crypto_aead *avpn_aead_new(const u8 *key)
{
	struct crypto_aead *tfm;
	int ret;

	/* Any implementation, async included: the x86 AES-NI "gcm(aes)" is an
	 * async SIMD wrapper that runs synchronously whenever it can.
	 */
	tfm = ERR_PTR(-ENOENT);
	if (parallel)
		tfm = crypto_alloc_aead(AVPN_AEAD_ALG_PARALLEL, 0, 0);
	if (IS_ERR(tfm))
		tfm = crypto_alloc_aead(AVPN_AEAD_ALG, 0, 0);
	if (IS_ERR(tfm))
		return tfm;
	ret = crypto_aead_setkey(tfm, key, AUTOVPN_KEY_LEN);
	if (!ret)
		ret = crypto_aead_setauthsize(tfm, AUTOVPN_TAG_LEN);
	if (!ret && crypto_aead_ivsize(tfm) != AUTOVPN_NONCE_LEN)
		ret = -EINVAL;
	if (ret) {
		crypto_free_aead(tfm);
		return ERR_PTR(ret);
	}
	return tfm;
}

static void avpn_key_free(struct avpn_key *key)
{
	int i;

	for (i = 0; i < AUTOVPN_MAX_PATHS; i++)
		kfree(rcu_dereference_raw(key->replay[i]));
	if (!IS_ERR_OR_NULL(key->enc))
		crypto_free_aead(key->enc);
	if (!IS_ERR_OR_NULL(key->dec))
		crypto_free_aead(key->dec);
	kfree_sensitive(key);
	if (atomic_dec_and_test(&avpn_keys_live))
		wake_up_var(&avpn_keys_live);
}

struct avpn_key *avpn_key_create(struct avpn_peer *peer, const struct avpn_key_config *kc)
{
	struct avpn_key *key;
	u64 limit, rekey;
	u32 life, rekey_secs;
	int ret;

	if (avpn_key_config_check(kc, NULL))
		return ERR_PTR(-EINVAL);

	key = kzalloc(sizeof(*key), GFP_KERNEL);
	if (!key)
		return ERR_PTR(-ENOMEM);
	atomic_inc(&avpn_keys_live);

	key->enc = avpn_aead_new(kc->enc_key);
	if (IS_ERR(key->enc)) {
		ret = PTR_ERR(key->enc);
		goto err;
	}
	key->dec = avpn_aead_new(kc->dec_key);
	if (IS_ERR(key->dec)) {
		ret = PTR_ERR(key->dec);
		goto err;
	}
	memcpy(key->enc_salt, kc->enc_salt, AUTOVPN_SALT_LEN);
	memcpy(key->dec_salt, kc->dec_salt, AUTOVPN_SALT_LEN);
	key->key_id = kc->key_id;

	/* 0 = default; an unset rekey threshold never exceeds the hard limit,
	 * so a test that only lowers the limit still gets its early warning.
	 */
	limit = kc->limit_packets ?: AUTOVPN_KEY_DEFAULT_LIMIT_PACKETS;
	rekey = kc->rekey_packets ?: min_t(u64, AUTOVPN_KEY_DEFAULT_REKEY_PACKETS, limit);
	life = kc->lifetime_secs ?: AUTOVPN_KEY_DEFAULT_LIFETIME_SECS;
	rekey_secs = kc->rekey_secs ?: min_t(u32, AUTOVPN_KEY_DEFAULT_REKEY_SECS, life);
	if (rekey > limit || rekey_secs > life) {
		ret = -EINVAL;
		goto err;
	}
	key->limit_packets = limit;
	key->rekey_packets = rekey;
	key->lifetime_jiffies = (unsigned long)life * HZ;
	key->rekey_jiffies = (unsigned long)rekey_secs * HZ;
	key->created = jiffies;

	key->peer = peer;
	refcount_set(&key->refcnt, 1);
	return key;

err:
	avpn_key_free(key);
	return ERR_PTR(ret);
}

static void avpn_key_free_rcu(struct rcu_head *rcu)
{
	avpn_key_free(container_of(rcu, struct avpn_key, rcu));
}

void avpn_key_put(struct avpn_key *key)
{
	if (key && refcount_dec_and_test(&key->refcnt))
		call_rcu(&key->rcu, avpn_key_free_rcu);
}

struct avpn_key *avpn_key_get(struct avpn_key *key)
{
	if (unlikely(!key || !refcount_inc_not_zero(&key->refcnt)))
		return NULL;
	return key;
}

/* ---- events ---- */

static void avpn_key_event(struct avpn_key *key, enum autovpn_event event)
{
	/* Once per key and event, from whichever CPU sees it first. */
	if (test_bit(event, &key->events_sent) || test_and_set_bit(event, &key->events_sent))
		return;
	avpn_notify_key_event(key->peer, key->key_id, event);
}

static bool avpn_key_alive(struct avpn_key *key)
{
	unsigned long age = jiffies - key->created;

	if (unlikely(age >= key->lifetime_jiffies)) {
		/* An idle key may pass its rekey age unseen: still say both. */
		avpn_key_event(key, AUTOVPN_EVENT_KEY_REKEY);
		avpn_key_event(key, AUTOVPN_EVENT_KEY_EXPIRED);
		return false;
	}
	if (unlikely(age >= key->rekey_jiffies))
		avpn_key_event(key, AUTOVPN_EVENT_KEY_REKEY);
	return true;
}

u32 avpn_key_age_secs(const struct avpn_key *key)
{
	return (jiffies - key->created) / HZ;
}

/* ---- datapath ---- */

struct avpn_key *avpn_key_for_tx(struct avpn_peer *peer)
{
	struct avpn_key *key = rcu_dereference_bh(peer->keys[AUTOVPN_KEY_SLOT_CURRENT]);

	if (unlikely(!key))
		return NULL;
	if (unlikely((u64)atomic64_read(&key->tx_packets) >= key->limit_packets)) {
		avpn_key_event(key, AUTOVPN_EVENT_KEY_REKEY);
		avpn_key_event(key, AUTOVPN_EVENT_KEY_EXPIRED);
		return NULL;
	}
	if (unlikely(!avpn_key_alive(key)))
		return NULL;
	return avpn_key_get(key);
}

struct avpn_key *avpn_key_for_rx(struct avpn_peer *peer, u8 key_id)
{
	struct avpn_key *key;
	int slot;

	for (slot = 0; slot < __AUTOVPN_KEY_SLOT_MAX; slot++) {
		key = rcu_dereference_bh(peer->keys[slot]);
		if (key && key->key_id == key_id) {
			if (unlikely(!avpn_key_alive(key)))
				return NULL;
			return avpn_key_get(key);
		}
	}
	return NULL;
}

bool avpn_key_next_counter(struct avpn_key *key, u8 path_id, u64 *counter)
{
	s64 sent;

	/* Never past the limit, even with every CPU sending at once. */
	sent = atomic64_fetch_add_unless(&key->tx_packets, 1, key->limit_packets);
	if (unlikely(sent >= key->limit_packets)) {
		avpn_key_event(key, AUTOVPN_EVENT_KEY_EXPIRED);
		return false;
	}
	if (unlikely(sent + 1 >= key->rekey_packets))
		avpn_key_event(key, AUTOVPN_EVENT_KEY_REKEY);
	if (unlikely(sent + 1 == key->limit_packets))
		avpn_key_event(key, AUTOVPN_EVENT_KEY_EXPIRED);
	/* Each path counts on its own; its counter is below tx_packets, which
	 * is below the limit, so it never wraps.
	 */
	*counter = atomic64_inc_return(&key->tx_counter[path_id]) - 1;
	return true;
}

/* ---- slots (configuration, under dev->lock) ---- */

static struct avpn_key *avpn_slot(struct avpn_peer *peer, int slot)
{
	return rcu_dereference_protected(peer->keys[slot], lockdep_is_held(&peer->avpn->lock));
}

int avpn_keys_install(struct avpn_peer *peer, struct avpn_key *key, u8 slot,
		      struct netlink_ext_ack *extack)
{
	struct avpn_key *old;
	int i;

	lockdep_assert_held(&peer->avpn->lock);
	if (slot >= __AUTOVPN_KEY_SLOT_MAX) {
		NL_SET_ERR_MSG(extack, "invalid key slot");
		return -EINVAL;
	}
	/* The key id is what receivers look keys up by: unique per peer. The
	 * slot being replaced may hold the same id (it goes away).
	 */
	for (i = 0; i < __AUTOVPN_KEY_SLOT_MAX; i++) {
		old = avpn_slot(peer, i);
		if (i != slot && old && old->key_id == key->key_id) {
			NL_SET_ERR_MSG(extack, "key id already used by another slot of this peer");
			return -EEXIST;
		}
	}
	old = avpn_slot(peer, slot);
	rcu_assign_pointer(peer->keys[slot], key);
	avpn_key_put(old);
	return 0;
}

int avpn_keys_swap(struct avpn_peer *peer, struct netlink_ext_ack *extack)
{
	struct avpn_key *next, *cur, *prev;

	lockdep_assert_held(&peer->avpn->lock);
	next = avpn_slot(peer, AUTOVPN_KEY_SLOT_NEXT);
	if (!next) {
		NL_SET_ERR_MSG(extack, "no next key to swap in");
		return -ENOENT;
	}
	cur = avpn_slot(peer, AUTOVPN_KEY_SLOT_CURRENT);
	prev = avpn_slot(peer, AUTOVPN_KEY_SLOT_PREVIOUS);

	/*
	 * Receive finds a key by id, reading the slots one after the other
	 * (avpn_key_for_rx()), while these stores happen. Every key that stays
	 * installed must be in some slot at every instant: the old current goes
	 * to previous before its slot is overwritten, and the old next leaves
	 * its slot only once it is current. A reader may meet a key in two
	 * slots for a moment, which is harmless; only the old previous goes.
	 * Transmit reads current alone: the old key until the second store,
	 * the new one after it.
	 */
	rcu_assign_pointer(peer->keys[AUTOVPN_KEY_SLOT_PREVIOUS], cur);
	rcu_assign_pointer(peer->keys[AUTOVPN_KEY_SLOT_CURRENT], next);
	RCU_INIT_POINTER(peer->keys[AUTOVPN_KEY_SLOT_NEXT], NULL);
	avpn_key_put(prev);
	return 0;
}

int avpn_keys_delete(struct avpn_peer *peer, u8 slot, struct netlink_ext_ack *extack)
{
	struct avpn_key *old;

	lockdep_assert_held(&peer->avpn->lock);
	if (slot >= __AUTOVPN_KEY_SLOT_MAX) {
		NL_SET_ERR_MSG(extack, "invalid key slot");
		return -EINVAL;
	}
	old = avpn_slot(peer, slot);
	if (!old) {
		NL_SET_ERR_MSG(extack, "no key in that slot");
		return -ENOENT;
	}
	RCU_INIT_POINTER(peer->keys[slot], NULL);
	avpn_key_put(old);
	return 0;
}

void avpn_keys_clear(struct avpn_peer *peer)
{
	struct avpn_key *old;
	int i;

	lockdep_assert_held(&peer->avpn->lock);
	for (i = 0; i < __AUTOVPN_KEY_SLOT_MAX; i++) {
		old = avpn_slot(peer, i);
		RCU_INIT_POINTER(peer->keys[i], NULL);
		avpn_key_put(old);
	}
}
