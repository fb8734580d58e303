// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test of the LPM trie (trie.c), run at module load by avpn_selftests()
 * (debug builds or selftest=1): random inserts, overwrites and removals of
 * IPv4 and IPv6 prefixes, each checked by comparing many longest-prefix
 * lookups, exact gets and a full walk against a naive list.
 */
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include "avpn.h"

#define NPREFIX 600
#define NLOOKUP 6000
#define NVALUES 8

struct naive {
	int family;
	u8 addr[16];
	u8 plen;
	void *value; /* NULL = slot free */
};

struct trie_test {
	struct avpn_trie t;
	struct mutex lock;
	struct rnd_state rnd;
	struct list_head owners[NVALUES + 1]; /* per value, as a peer's route list */
	struct naive e[NPREFIX];
	int n;
	int walked;
	bool walk_ok;
};

static void mask_addr(u8 *a, int alen, u8 plen)
{
	int i;

	for (i = 0; i < alen; i++) {
		int bits = (int)plen - i * 8;

		if (bits <= 0)
			a[i] = 0;
		else if (bits < 8)
			a[i] &= 0xff << (8 - bits);
	}
}

static bool in_prefix(const u8 *addr, const struct naive *p, int alen)
{
	u8 a[16];

	memcpy(a, addr, alen);
	mask_addr(a, alen, p->plen);
	return !memcmp(a, p->addr, alen);
}

/* Addresses with many shared prefixes, so lookups hit nested prefixes. */
static void rand_addr(struct trie_test *tt, u8 *a, int alen)
{
	static const u8 pool[] = { 0x00, 0x0a, 0x80, 0xc0, 0xff };
	int i;

	for (i = 0; i < alen; i++) {
		u32 r = prandom_u32_state(&tt->rnd);

		a[i] = (r & 7) < 5 ? pool[(r >> 3) % ARRAY_SIZE(pool)] : r >> 8;
	}
}

static int alen_of(int family)
{
	return family == AF_INET ? 4 : 16;
}

static void *naive_lookup(struct trie_test *tt, int family, const u8 *addr)
{
	struct naive *best = NULL;
	int i;

	for (i = 0; i < tt->n; i++) {
		struct naive *p = &tt->e[i];

		if (p->value && p->family == family && in_prefix(addr, p, alen_of(family)) &&
		    (!best || p->plen > best->plen))
			best = p;
	}
	return best ? best->value : NULL;
}

static struct naive *naive_find(struct trie_test *tt, int family, const u8 *addr, u8 plen)
{
	int i;

	for (i = 0; i < tt->n; i++) {
		struct naive *p = &tt->e[i];

		if (p->value && p->family == family && p->plen == plen &&
		    !memcmp(p->addr, addr, alen_of(family)))
			return p;
	}
	return NULL;
}

static int walk_cb(void *ctx, int family, const void *addr, u8 plen, void *value)
{
	struct trie_test *tt = ctx;
	struct naive *p = naive_find(tt, family, addr, plen);

	if (!p || p->value != value)
		tt->walk_ok = false;
	tt->walked++;
	return 0;
}

static void *owner_value;

static int owner_cb(void *ctx, int family, const void *addr, u8 plen, void *value)
{
	struct trie_test *tt = ctx;

	if (value != owner_value)
		tt->walk_ok = false;
	return walk_cb(ctx, family, addr, plen, value);
}

static int compare(struct trie_test *tt, const char *stage)
{
	unsigned int live = 0;
	u8 addr[16];
	int i, family;

	rcu_read_lock_bh();
	for (i = 0; i < NLOOKUP; i++) {
		void *got, *want;

		family = i & 1 ? AF_INET6 : AF_INET;
		rand_addr(tt, addr, alen_of(family));
		got = avpn_trie_lookup(&tt->t, family, addr);
		want = naive_lookup(tt, family, addr);
		if (got != want) {
			rcu_read_unlock_bh();
			pr_err("autovpn: trie selftest (%s): lookup %d %*phC gave %px, want %px\n",
			       stage, family, alen_of(family), addr, got, want);
			return -EINVAL;
		}
	}
	rcu_read_unlock_bh();

	mutex_lock(&tt->lock);
	for (i = 0; i < tt->n; i++) {
		struct naive *p = &tt->e[i];

		if (!p->value)
			continue;
		live++;
		if (avpn_trie_get(&tt->t, p->family, p->addr, p->plen, &tt->lock) != p->value) {
			mutex_unlock(&tt->lock);
			pr_err("autovpn: trie selftest (%s): exact get of %*phC/%u failed\n", stage,
			       alen_of(p->family), p->addr, p->plen);
			return -EINVAL;
		}
	}
	tt->walked = 0;
	tt->walk_ok = true;
	avpn_trie_walk(&tt->t, &tt->lock, walk_cb, tt);
	/* Every prefix is on exactly its value's owner list. */
	{
		int total = tt->walked, v;

		tt->walked = 0;
		for (v = 1; v <= NVALUES; v++) {
			owner_value = (void *)(unsigned long)v;
			avpn_trie_walk_owned(&tt->owners[v], &tt->lock, owner_cb, tt);
		}
		if (tt->walked != total)
			tt->walk_ok = false;
		tt->walked = total;
	}
	mutex_unlock(&tt->lock);
	if (!tt->walk_ok || tt->walked != live || tt->t.count != live) {
		pr_err("autovpn: trie selftest (%s): walk saw %d prefixes (ok=%d), count %u, want %u\n",
		       stage, tt->walked, tt->walk_ok, tt->t.count, live);
		return -EINVAL;
	}
	return 0;
}

static int insert_random(struct trie_test *tt)
{
	struct naive *p, *old;
	u8 addr[16];
	int family, alen, ret;
	u8 plen;
	void *value;

	family = prandom_u32_state(&tt->rnd) & 1 ? AF_INET6 : AF_INET;
	alen = alen_of(family);
	rand_addr(tt, addr, alen);
	plen = prandom_u32_state(&tt->rnd) % (alen * 8 + 1);
	mask_addr(addr, alen, plen);
	value = (void *)(unsigned long)(1 + prandom_u32_state(&tt->rnd) % NVALUES);

	mutex_lock(&tt->lock);
	ret = avpn_trie_insert_owned(&tt->t, family, addr, plen, value,
				     &tt->owners[(unsigned long)value], &tt->lock);
	mutex_unlock(&tt->lock);
	if (ret)
		return ret;
	old = naive_find(tt, family, addr, plen);
	if (old) {
		old->value = value; /* an overwrite, as a moved route */
		return 0;
	}
	if (tt->n >= NPREFIX)
		return -ENOSPC;
	p = &tt->e[tt->n++];
	p->family = family;
	memcpy(p->addr, addr, alen);
	p->plen = plen;
	p->value = value;
	return 0;
}

static int remove_some(struct trie_test *tt, int count)
{
	int i, ret = 0;

	mutex_lock(&tt->lock);
	for (i = 0; i < tt->n && count; i++) {
		struct naive *p = &tt->e[i];

		if (!p->value || prandom_u32_state(&tt->rnd) % 3)
			continue;
		if (avpn_trie_remove(&tt->t, p->family, p->addr, p->plen, &tt->lock)) {
			ret = -EINVAL;
			break;
		}
		p->value = NULL;
		count--;
		/* Removing again must say so. */
		if (avpn_trie_remove(&tt->t, p->family, p->addr, p->plen, &tt->lock) != -ENOENT) {
			ret = -EINVAL;
			break;
		}
	}
	mutex_unlock(&tt->lock);
	if (ret)
		pr_err("autovpn: trie selftest: remove failed\n");
	return ret;
}

static int run(struct trie_test *tt)
{
	u8 bad[4] = { 10, 0, 0, 1 };
	void *victim = (void *)3UL;
	int i, ret;

	/* Invalid prefixes are refused. */
	mutex_lock(&tt->lock);
	ret = avpn_trie_insert(&tt->t, AF_INET, bad, 33, victim, &tt->lock) != -EINVAL ||
	      avpn_trie_insert(&tt->t, AF_INET6, bad, 129, victim, &tt->lock) != -EINVAL ||
	      avpn_trie_insert(&tt->t, AF_INET, bad, 8, NULL, &tt->lock) != -EINVAL;
	mutex_unlock(&tt->lock);
	if (ret) {
		pr_err("autovpn: trie selftest: invalid prefix accepted\n");
		return -EINVAL;
	}

	for (i = 0; i < NPREFIX / 2; i++) {
		ret = insert_random(tt);
		if (ret)
			return ret;
	}
	ret = compare(tt, "insert");
	if (!ret)
		ret = remove_some(tt, NPREFIX / 8);
	if (!ret)
		ret = compare(tt, "remove");
	for (i = 0; !ret && i < NPREFIX / 4; i++)
		ret = insert_random(tt);
	if (!ret)
		ret = compare(tt, "reinsert");
	if (ret)
		return ret;

	mutex_lock(&tt->lock);
	avpn_trie_remove_by_value(&tt->t, victim, &tt->lock);
	mutex_unlock(&tt->lock);
	for (i = 0; i < tt->n; i++)
		if (tt->e[i].value == victim)
			tt->e[i].value = NULL;
	ret = compare(tt, "remove_by_value");
	if (ret)
		return ret;

	victim = (void *)5UL;
	mutex_lock(&tt->lock);
	avpn_trie_remove_owned(&tt->t, &tt->owners[5], &tt->lock);
	mutex_unlock(&tt->lock);
	for (i = 0; i < tt->n; i++)
		if (tt->e[i].value == victim)
			tt->e[i].value = NULL;
	ret = compare(tt, "remove_owned");
	if (ret)
		return ret;
	if (!list_empty(&tt->owners[5])) {
		pr_err("autovpn: trie selftest: owner list not empty after remove_owned\n");
		return -EINVAL;
	}

	mutex_lock(&tt->lock);
	avpn_trie_free(&tt->t, &tt->lock);
	mutex_unlock(&tt->lock);
	for (i = 0; i < tt->n; i++)
		tt->e[i].value = NULL;
	return compare(tt, "free");
}

int avpn_selftest_trie(void)
{
	struct trie_test *tt = kzalloc(sizeof(*tt), GFP_KERNEL);
	int i, ret;

	if (!tt)
		return -ENOMEM;
	avpn_trie_init(&tt->t);
	mutex_init(&tt->lock);
	for (i = 0; i <= NVALUES; i++)
		INIT_LIST_HEAD(&tt->owners[i]);
	prandom_seed_state(&tt->rnd, 0x61757476706eULL);
	ret = run(tt);
	mutex_lock(&tt->lock);
	avpn_trie_free(&tt->t, &tt->lock);
	mutex_unlock(&tt->lock);
	mutex_destroy(&tt->lock);
	kfree(tt);
	if (ret)
		pr_err("autovpn: trie selftest FAIL\n");
	else
		pr_info("autovpn: trie selftest PASS\n");
	return ret;
}
