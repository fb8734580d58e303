// SPDX-License-Identifier: GPL-2.0
/*
 * autovpn: which path of a peer a packet takes.
 *
 * Only UP paths whose uplink has a socket qualify. With active-active on,
 * flows are spread by rendezvous (highest random weight) hashing: each path
 * scores hash(flow, path id) and the highest score wins. A flow therefore
 * stays on its path as long as that path is up, and when a path goes down
 * only the flows it carried move (each to its own second choice). With
 * active-active off every flow takes the UP path with the lowest priority
 * (then the lowest id): the primary, or the secondary when it is down.
 */
#include <linux/hash.h>
#include "avpn.h"

static bool avpn_path_usable(struct avpn_dev *avpn, struct avpn_path *path)
{
	struct avpn_uplink *uplink;
	u8 id;

	if (!READ_ONCE(path->configured) || READ_ONCE(path->state) != AUTOVPN_PATH_UP)
		return false;
	if (!rcu_access_pointer(path->remote))
		return false;
	id = READ_ONCE(path->uplink);
	if (id >= AUTOVPN_MAX_UPLINKS)
		return false;
	uplink = rcu_dereference_bh(avpn->uplinks[id]);
	return uplink && uplink->sock;
}

/* A well-mixed 32-bit score per (flow, path): hash_64 of both. */
static u32 avpn_path_score(u32 flow, u8 path_id)
{
	return hash_64(((u64)flow << 8) | path_id, 32);
}

struct avpn_path *avpn_path_select(struct avpn_peer *peer, struct sk_buff *skb)
{
	struct avpn_dev *avpn = peer->avpn;
	struct avpn_path *best = NULL, *path;
	u32 flow, score, best_score = 0;
	u8 prio, best_prio = 0;
	int i;

	if (READ_ONCE(avpn->active_active)) {
		flow = skb_get_hash(skb);
		for (i = 0; i < AUTOVPN_MAX_PATHS; i++) {
			path = &peer->paths[i];
			if (!avpn_path_usable(avpn, path))
				continue;
			score = avpn_path_score(flow, i);
			if (!best || score > best_score) {
				best = path;
				best_score = score;
			}
		}
		return best;
	}

	for (i = 0; i < AUTOVPN_MAX_PATHS; i++) {
		path = &peer->paths[i];
		if (!avpn_path_usable(avpn, path))
			continue;
		prio = READ_ONCE(path->priority);
		if (!best || prio < best_prio) {
			best = path;
			best_prio = prio;
		}
	}
	return best;
}
