// SPDX-License-Identifier: GPL-2.0
/*
 * Longest-prefix-match tries for device routes (prefix -> peer) and per-peer
 * allowed sources.
 *
 * A path-compressed binary trie per address family. Every node holds a prefix
 * (key, cidr); a node's children hold longer prefixes that extend it, the
 * child index being the key bit right after the node's cidr. Nodes without a
 * value only exist as branching points (they always have two children), so
 * the depth is bounded by the address length + 1 and a lookup touches at most
 * that many nodes.
 *
 * Keys are kept as two host-order u64 words (an IPv4 address is the top 32
 * bits of word 0), so a prefix comparison is one or two masked XORs.
 *
 * Readers run under RCU (rcu_read_lock_bh) and never see a half-built node:
 * a new node is fully initialised before rcu_assign_pointer() publishes it,
 * and nodes are unlinked before they are freed after a grace period
 * (kfree_rcu). Writers are serialised by the owner's mutex (dev->lock).
 */
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <linux/socket.h>
#include "avpn.h"
#include "compat.h"

struct avpn_trie_node {
	struct avpn_trie_node __rcu *child[2];
	void __rcu *value; /* NULL: branching node only */
	u64 key[2];        /* host bits beyond cidr are zero */
	u8 cidr;
	u8 family;
	/* On its value's owner list (insert_owned), else empty; writers only. */
	struct list_head vlist;
	struct rcu_head rcu;
};

/* Deepest possible walk: one node per prefix length 0..128. */
#define TRIE_MAX_DEPTH 129

#define deref_w(p, lock) rcu_dereference_protected(p, !(lock) || lockdep_is_held(lock))

void avpn_trie_init(struct avpn_trie *t)
{
	RCU_INIT_POINTER(t->root4, NULL);
	RCU_INIT_POINTER(t->root6, NULL);
	t->count = 0;
}

static int family_bits(int family)
{
	return family == AF_INET ? 32 : family == AF_INET6 ? 128 : -1;
}

static struct avpn_trie_node __rcu **family_root(struct avpn_trie *t, int family)
{
	return family == AF_INET ? &t->root4 : &t->root6;
}

static void addr_to_key(int family, const void *addr, u64 key[2])
{
	if (family == AF_INET) {
		key[0] = (u64)be32_to_cpu(*(const __be32 *)addr) << 32;
		key[1] = 0;
	} else {
		const __be64 *a = addr;

		key[0] = be64_to_cpu(get_unaligned(&a[0]));
		key[1] = be64_to_cpu(get_unaligned(&a[1]));
	}
}

static void key_to_addr(int family, const u64 key[2], void *addr)
{
	if (family == AF_INET) {
		*(__be32 *)addr = cpu_to_be32(key[0] >> 32);
	} else {
		__be64 *a = addr;

		put_unaligned(cpu_to_be64(key[0]), &a[0]);
		put_unaligned(cpu_to_be64(key[1]), &a[1]);
	}
}

/* Mask of the top n bits of a 64-bit word, n in 0..64. */
static inline u64 top_mask(unsigned int n)
{
	return n ? ~0ULL << (64 - n) : 0;
}

static void mask_key(u64 key[2], unsigned int cidr)
{
	key[0] &= top_mask(min(cidr, 64U));
	key[1] &= top_mask(cidr > 64 ? cidr - 64 : 0);
}

/* Does key start with node's prefix? */
static inline bool prefix_matches(const struct avpn_trie_node *n, const u64 key[2])
{
	unsigned int c = n->cidr;

	if (c <= 64)
		return !((key[0] ^ n->key[0]) & top_mask(c));
	return key[0] == n->key[0] && !((key[1] ^ n->key[1]) & top_mask(c - 64));
}

/* Bit number i (0 = most significant) of the key. */
static inline unsigned int key_bit(const u64 key[2], unsigned int i)
{
	return i < 64 ? (key[0] >> (63 - i)) & 1 : (key[1] >> (127 - i)) & 1;
}

/* Length of the common prefix of a and b, at most limit. */
static unsigned int common_bits(const u64 a[2], const u64 b[2], unsigned int limit)
{
	u64 x = a[0] ^ b[0];
	unsigned int n;

	if (x)
		n = __builtin_clzll(x);
	else if ((x = a[1] ^ b[1]))
		n = 64 + __builtin_clzll(x);
	else
		n = 128;
	return min(n, limit);
}

static struct avpn_trie_node *node_new(int family, const u64 key[2], u8 cidr, void *value,
				       struct list_head *owner)
{
	struct avpn_trie_node *n = kzalloc(sizeof(*n), GFP_KERNEL);

	if (!n)
		return NULL;
	n->key[0] = key[0];
	n->key[1] = key[1];
	mask_key(n->key, cidr);
	n->cidr = cidr;
	n->family = family;
	INIT_LIST_HEAD(&n->vlist);
	if (value && owner)
		list_add_tail(&n->vlist, owner);
	RCU_INIT_POINTER(n->value, value);
	return n;
}

/* Clear a node's value (it stays in the trie until compacted). */
static void tnode_clear(struct avpn_trie *t, struct avpn_trie_node *n)
{
	RCU_INIT_POINTER(n->value, NULL);
	list_del_init(&n->vlist);
	t->count--;
}

static int check_prefix(int family, u8 plen)
{
	int bits = family_bits(family);

	if (bits < 0 || plen > bits)
		return -EINVAL;
	return 0;
}

static int trie_insert(struct avpn_trie *t, int family, const void *addr, u8 plen, void *value,
		       struct list_head *owner, struct mutex *lock)
{
	struct avpn_trie_node __rcu **slot;
	struct avpn_trie_node *node, *leaf, *branch;
	unsigned int common;
	u64 key[2];

	if (lock)
		lockdep_assert_held(lock);
	if (check_prefix(family, plen) || !value)
		return -EINVAL;
	addr_to_key(family, addr, key);
	mask_key(key, plen);

	slot = family_root(t, family);
	for (;;) {
		node = deref_w(*slot, lock);
		if (!node) {
			leaf = node_new(family, key, plen, value, owner);
			if (!leaf)
				return -ENOMEM;
			rcu_assign_pointer(*slot, leaf);
			t->count++;
			return 0;
		}
		common = common_bits(node->key, key, min(node->cidr, plen));
		if (common == node->cidr) {
			if (node->cidr == plen) {
				/* Exact prefix: set or overwrite its value. */
				if (!deref_w(node->value, lock))
					t->count++;
				rcu_assign_pointer(node->value, value);
				/* A moved route changes owner. */
				if (owner)
					list_move_tail(&node->vlist, owner);
				else
					list_del_init(&node->vlist);
				return 0;
			}
			slot = &node->child[key_bit(key, node->cidr)];
			continue;
		}
		/* The new prefix diverges from node (or is a prefix of it). */
		branch = NULL;
		if (common != plen) {
			branch = node_new(family, key, common, NULL, NULL);
			if (!branch)
				return -ENOMEM;
		}
		leaf = node_new(family, key, plen, value, owner);
		if (!leaf) {
			kfree(branch);
			return -ENOMEM;
		}
		if (!branch) {
			RCU_INIT_POINTER(leaf->child[key_bit(node->key, plen)], node);
			rcu_assign_pointer(*slot, leaf);
		} else {
			RCU_INIT_POINTER(branch->child[key_bit(key, common)], leaf);
			RCU_INIT_POINTER(branch->child[key_bit(node->key, common)], node);
			rcu_assign_pointer(*slot, branch);
		}
		t->count++;
		return 0;
	}
}

int avpn_trie_insert(struct avpn_trie *t, int family, const void *addr, u8 plen, void *value,
		     struct mutex *lock)
{
	return trie_insert(t, family, addr, plen, value, NULL, lock);
}

int avpn_trie_insert_owned(struct avpn_trie *t, int family, const void *addr, u8 plen,
			   void *value, struct list_head *owner, struct mutex *lock)
{
	return trie_insert(t, family, addr, plen, value, owner, lock);
}

/*
 * Unlink node (at *slot, whose value is already NULL) if it is no longer a
 * useful branching point. Returns true if it was removed.
 */
static bool compact_node(struct avpn_trie_node __rcu **slot, struct mutex *lock)
{
	struct avpn_trie_node *node = deref_w(*slot, lock);
	struct avpn_trie_node *c0, *c1;

	if (!node || deref_w(node->value, lock))
		return false;
	c0 = deref_w(node->child[0], lock);
	c1 = deref_w(node->child[1], lock);
	if (c0 && c1)
		return false;
	rcu_assign_pointer(*slot, c0 ?: c1);
	kfree_rcu(node, rcu);
	return true;
}

static int remove_key(struct avpn_trie *t, int family, const u64 key[2], u8 plen,
		      struct mutex *lock)
{
	struct avpn_trie_node __rcu **slot, **pslot = NULL;
	struct avpn_trie_node *node;

	slot = family_root(t, family);
	while ((node = deref_w(*slot, lock)) && node->cidr <= plen && prefix_matches(node, key)) {
		if (node->cidr == plen) {
			if (!deref_w(node->value, lock))
				return -ENOENT;
			tnode_clear(t, node);
			/* A removed leaf may leave its parent a useless branch. */
			if (compact_node(slot, lock) && pslot)
				compact_node(pslot, lock);
			return 0;
		}
		pslot = slot;
		slot = &node->child[key_bit(key, node->cidr)];
	}
	return -ENOENT;
}

int avpn_trie_remove(struct avpn_trie *t, int family, const void *addr, u8 plen,
		     struct mutex *lock)
{
	u64 key[2];

	if (lock)
		lockdep_assert_held(lock);
	if (check_prefix(family, plen))
		return -EINVAL;
	addr_to_key(family, addr, key);
	mask_key(key, plen);
	return remove_key(t, family, key, plen, lock);
}

/* Remove every prefix on owner's list: O(prefixes of the owner), not O(trie). */
void avpn_trie_remove_owned(struct avpn_trie *t, struct list_head *owner, struct mutex *lock)
{
	struct avpn_trie_node *node, *tmp;
	u64 key[2];

	if (lock)
		lockdep_assert_held(lock);
	list_for_each_entry_safe(node, tmp, owner, vlist) {
		/* Copy the key: removal may free the node. */
		key[0] = node->key[0];
		key[1] = node->key[1];
		if (WARN_ON_ONCE(remove_key(t, node->family, key, node->cidr, lock)))
			list_del_init(&node->vlist);
	}
}

/* Walk the prefixes on owner's list (insertion order), under lock. */
int avpn_trie_walk_owned(struct list_head *owner, struct mutex *lock,
			 int (*cb)(void *ctx, int family, const void *addr, u8 plen, void *value),
			 void *ctx)
{
	struct avpn_trie_node *node;
	union {
		__be32 v4;
		u8 v6[16];
	} addr;
	int ret;

	if (lock)
		lockdep_assert_held(lock);
	list_for_each_entry(node, owner, vlist) {
		key_to_addr(node->family, node->key, &addr);
		ret = cb(ctx, node->family, &addr, node->cidr, deref_w(node->value, lock));
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Post-order walk of one family's trie that clears the values selected by
 * (all || value == match) and unlinks every node left useless, bottom up.
 * An explicit stack of slots (bounded by the trie depth) avoids recursion.
 */
static void prune(struct avpn_trie *t, struct avpn_trie_node __rcu **root, bool all,
		  void *match, struct mutex *lock)
{
	struct avpn_trie_node __rcu **stack[TRIE_MAX_DEPTH + 1];
	u8 state[TRIE_MAX_DEPTH + 1];
	struct avpn_trie_node *node;
	void *v;
	int sp = 0;

	stack[sp] = root;
	state[sp++] = 0;
	while (sp) {
		node = deref_w(*stack[sp - 1], lock);
		if (!node) {
			sp--;
			continue;
		}
		if (state[sp - 1] == 0) {
			v = deref_w(node->value, lock);
			if (v && (all || v == match))
				tnode_clear(t, node);
		}
		if (state[sp - 1] < 2) {
			unsigned int c = state[sp - 1]++;

			if (WARN_ON_ONCE(sp > TRIE_MAX_DEPTH))
				return;
			stack[sp] = &node->child[c];
			state[sp++] = 0;
			continue;
		}
		compact_node(stack[--sp], lock);
	}
}

void avpn_trie_remove_by_value(struct avpn_trie *t, void *value, struct mutex *lock)
{
	if (lock)
		lockdep_assert_held(lock);
	prune(t, &t->root4, false, value, lock);
	prune(t, &t->root6, false, value, lock);
}

void avpn_trie_free(struct avpn_trie *t, struct mutex *lock)
{
	if (lock)
		lockdep_assert_held(lock);
	prune(t, &t->root4, true, NULL, lock);
	prune(t, &t->root6, true, NULL, lock);
	WARN_ON_ONCE(t->count);
}

void *avpn_trie_lookup(struct avpn_trie *t, int family, const void *addr)
{
	struct avpn_trie_node *node;
	void *found = NULL, *v;
	int bits = family_bits(family);
	u64 key[2];

	if (bits < 0)
		return NULL;
	addr_to_key(family, addr, key);
	node = rcu_dereference_bh(*family_root(t, family));
	while (node && prefix_matches(node, key)) {
		v = rcu_dereference_bh(node->value);
		if (v)
			found = v;
		if (node->cidr >= bits)
			break;
		node = rcu_dereference_bh(node->child[key_bit(key, node->cidr)]);
	}
	return found;
}

/* Pre-order walk (prefixes come out sorted by address, shorter first). */
static int walk_family(struct avpn_trie_node __rcu **root, int family, struct mutex *lock,
		       int (*cb)(void *ctx, int family, const void *addr, u8 plen, void *value),
		       void *ctx)
{
	/* Pre-order keeps at most one pending sibling per level. */
	struct avpn_trie_node *stack[TRIE_MAX_DEPTH + 1];
	struct avpn_trie_node *node, *c;
	union {
		__be32 v4;
		u8 v6[16];
	} addr;
	void *v;
	int sp = 0, ret;

	node = deref_w(*root, lock);
	if (node)
		stack[sp++] = node;
	while (sp) {
		node = stack[--sp];
		v = deref_w(node->value, lock);
		if (v) {
			key_to_addr(family, node->key, &addr);
			ret = cb(ctx, family, &addr, node->cidr, v);
			if (ret)
				return ret;
		}
		/* Push child 1 first so child 0 (the lower addresses) comes first. */
		c = deref_w(node->child[1], lock);
		if (c && !WARN_ON_ONCE(sp >= ARRAY_SIZE(stack)))
			stack[sp++] = c;
		c = deref_w(node->child[0], lock);
		if (c && !WARN_ON_ONCE(sp >= ARRAY_SIZE(stack)))
			stack[sp++] = c;
	}
	return 0;
}

int avpn_trie_walk(struct avpn_trie *t, struct mutex *lock,
		   int (*cb)(void *ctx, int family, const void *addr, u8 plen, void *value),
		   void *ctx)
{
	int ret;

	if (lock)
		lockdep_assert_held(lock);
	ret = walk_family(&t->root4, AF_INET, lock, cb, ctx);
	if (!ret)
		ret = walk_family(&t->root6, AF_INET6, lock, cb, ctx);
	return ret;
}

void *avpn_trie_get(struct avpn_trie *t, int family, const void *addr, u8 plen,
		    struct mutex *lock)
{
	struct avpn_trie_node *node;
	u64 key[2];

	if (lock)
		lockdep_assert_held(lock);
	if (check_prefix(family, plen))
		return NULL;
	addr_to_key(family, addr, key);
	mask_key(key, plen);
	node = deref_w(*family_root(t, family), lock);
	while (node && node->cidr <= plen && prefix_matches(node, key)) {
		if (node->cidr == plen)
			return deref_w(node->value, lock);
		node = deref_w(node->child[key_bit(key, node->cidr)], lock);
	}
	return NULL;
}
