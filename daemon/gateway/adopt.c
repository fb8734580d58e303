// SPDX-License-Identifier: GPL-2.0
/*
 * adopt.c - a restarted daemon takes the running datapath over instead of
 * tearing it down (DESIGN §2 "Headless survival").
 *
 * When av0 already exists at start, its peers are read from the kernel
 * (PEER_GET dump: id, name, indexes, paths, key ids and ages) and kept
 * aside. As the registry's peer list arrives, each peer it names takes its
 * kernel peer over by name (autovpnd names kernel peers after their
 * network): same kernel id and receive index, paths considered up where the
 * kernel has them up, keys as they are (rekeyed when they reach their rekey
 * age). Nothing is deleted or re-created, so traffic does not stop; the
 * uplink sockets are re-bound to the same ports (uplink.c), so NAT mappings
 * stay. Kernel peers that the first complete peer list does not name are
 * removed then, as a running daemon would have.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "gateway.h"
#include "nl/avpnl.h"
#include "nl/avpnl_peer.h"

struct adopt_peer {
	struct avpnl_peer k; /* routes/allowed arrays are not kept */
	bool taken;
	enum keys_due due; /* the kernel asked for a new key since the dump */
};

static int collect(const struct avpnl_peer *kp, void *arg)
{
	struct gw *gw = arg;
	struct adopt_peer *v = realloc(gw->adopted, (gw->n_adopted + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	gw->adopted = v;
	memset(&v[gw->n_adopted], 0, sizeof(*v));
	v[gw->n_adopted].k = *kp;
	/* The arrays belong to the dump; we need none of them. */
	v[gw->n_adopted].k.routes = v[gw->n_adopted].k.allowed = NULL;
	v[gw->n_adopted].k.n_routes = v[gw->n_adopted].k.n_allowed = 0;
	v[gw->n_adopted].k.cap_routes = v[gw->n_adopted].k.cap_allowed = 0;
	if (kp->id > gw->next_peer_id)
		gw->next_peer_id = kp->id;
	gw->n_adopted++;
	return 0;
}

int adopt_device(struct gw *gw)
{
	int err, tries = 0;

	/* A dump across a change is flagged (-EAGAIN): read it again. */
	do {
		free(gw->adopted);
		gw->adopted = NULL;
		gw->n_adopted = 0;
		gw->next_peer_id = 0;
		err = avpnl_peer_dump(gw->nl, gw->ifindex, collect, gw);
	} while (err == -EAGAIN && ++tries < 5);

	if (err) {
		log_msg(LOG_ERR, "%s: reading the running peers: %s", gw->ifname,
			avpnl_errmsg(gw->nl) ?: strerror(-err));
		return err;
	}
	log_msg(LOG_INFO, "%s exists: adopting %u peer(s) without interrupting them", gw->ifname,
		gw->n_adopted);
	return 0;
}

/* The id of the key in @slot (-1: none), its age and packets sent. */
static int slot_id(const struct avpnl_peer *k, unsigned int slot, uint32_t *age,
		   uint64_t *tx_packets)
{
	for (size_t i = 0; i < k->n_keys; i++) {
		if (k->keys[i].slot == slot) {
			if (age)
				*age = k->keys[i].age_secs;
			if (tx_packets)
				*tx_packets = k->keys[i].tx_packets;
			return k->keys[i].id;
		}
	}
	return -1;
}

void adopt_key_due(struct gw *gw, uint32_t peer_id, uint8_t key_id, enum keys_due due)
{
	for (uint32_t i = 0; i < gw->n_adopted; i++) {
		struct adopt_peer *a = &gw->adopted[i];

		if (a->taken || a->k.id != peer_id)
			continue;
		/* About a key no longer current: the old daemon swapped it out. */
		if (slot_id(&a->k, AUTOVPN_KEY_SLOT_CURRENT, NULL, NULL) == key_id && due > a->due)
			a->due = due;
		return;
	}
}

bool adopt_take(struct gw *gw, struct gw_peer *p)
{
	uint64_t now = clock_mono_ms(), tx = 0;
	struct adopt_peer *a = NULL;
	uint32_t age = 0;
	char why[80];

	for (uint32_t i = 0; i < gw->n_adopted; i++)
		if (!gw->adopted[i].taken && !strcmp(gw->adopted[i].k.name, p->name))
			a = &gw->adopted[i];
	if (!a)
		return false;
	a->taken = true;
	p->id = a->k.id;
	p->rx_index = a->k.rx_index;
	p->tx_index = a->k.tx_index;
	p->in_kernel = true;
	p->cur_key_id = slot_id(&a->k, AUTOVPN_KEY_SLOT_CURRENT, &age, &tx);
	p->prev_key_id = slot_id(&a->k, AUTOVPN_KEY_SLOT_PREVIOUS, NULL, NULL);
	p->key_ms = now > age * 1000ull ? now - age * 1000ull : 0;
	/*
	 * The kernel asks for a new key once, when a key reaches its rekey
	 * count: an event sent while we were dead is gone, and the key would
	 * run to its packet limit (and stop sending) before its age asked.
	 * One sent since the dump, before the registry named the peer, was
	 * kept for now (adopt_key_due()).
	 */
	why[0] = '\0';
	if (p->cur_key_id >= 0 && keys_count_due(gw, tx))
		snprintf(why, sizeof(why), "sent %llu packets while we were away",
			 (unsigned long long)tx);
	else if (p->cur_key_id >= 0 && a->due)
		snprintf(why, sizeof(why),
			 "is due (the kernel asked before the registry named the peer)");
	if (why[0]) {
		log_msg(LOG_INFO, "%s: key %d %s: new handshake", p->name, p->cur_key_id, why);
		p->hs_next_ms = now;
	}
	/*
	 * A key we answered that waited in NEXT across our restart: the
	 * transmit index it goes with was ours alone, in memory (keys.c sets
	 * it at the swap). It goes; should the peer use it already, its
	 * replies name a key we do not hold, and that starts a handshake.
	 */
	p->next_key_id = -1;
	if (slot_id(&a->k, AUTOVPN_KEY_SLOT_NEXT, NULL, NULL) >= 0)
		avpnl_key_del(gw->nl, gw->ifindex, p->id, AUTOVPN_KEY_SLOT_NEXT);
	for (size_t i = 0; i < a->k.n_paths; i++) {
		const struct avpnl_peer_path *kp = &a->k.paths[i];
		struct path *pa;

		if (kp->id >= GW_MAX_PATHS || !(kp->set & AVPNL_PEER_PATH_REMOTE))
			continue;
		pa = &p->paths[kp->id];
		p->kernel_paths |= (uint8_t)(1u << kp->id);
		/*
		 * Numbered otherwise (an older daemon numbered lu * 2 + ru from
		 * its own side): not ours to adopt, and not to be left in the
		 * kernel either, where its peer drops what it carries as `path`.
		 * On an uplink the config no longer has: nothing probes it, so
		 * adopted as up it would keep the peer up for good. Known as
		 * configured with no remote, the next kernel_paths() removes it
		 * (it runs before any probe can answer); the pair this id names
		 * is configured anew once probes find it.
		 */
		if ((kp->set & AVPNL_PEER_PATH_UPLINK) && kp->uplink != pa->lu) {
			memset(&p->kernel_remote[kp->id], 0, sizeof(p->kernel_remote[kp->id]));
			log_msg(LOG_INFO, "%s: kernel path %u is on uplink %u, not %u: removed",
				p->name, kp->id, kp->uplink, pa->lu);
			continue;
		}
		if (!path_uplink_configured(gw, pa)) {
			memset(&p->kernel_remote[kp->id], 0, sizeof(p->kernel_remote[kp->id]));
			log_msg(LOG_INFO, "%s: kernel path %u on unconfigured uplink %u: removed",
				p->name, kp->id, pa->lu);
			continue;
		}
		pa->has_remote = true;
		pa->remote = kp->remote;
		pa->remote_kind = PATH_KIND_LEARNT;
		p->kernel_remote[kp->id] = kp->remote;
		if (kp->state == AUTOVPN_PATH_UP) {
			/* Trust the kernel until probes say otherwise. */
			pa->state = PATH_UP;
			pa->reason = "up: adopted from the running kernel";
			pa->last_rx_ms = now;
			pa->changed_ms = now;
			p->kernel_up |= (uint8_t)(1u << kp->id);
		} else {
			pa->state = PATH_DOWN;
			pa->reason = "down: adopted from the running kernel";
		}
	}
	log_msg(LOG_INFO, "%s: adopted kernel peer %u (key %d, %u s old)", p->name, p->id,
		p->cur_key_id, age);
	return true;
}

void adopt_finish(struct gw *gw)
{
	for (uint32_t i = 0; i < gw->n_adopted; i++) {
		struct adopt_peer *a = &gw->adopted[i];
		int err;

		if (a->taken)
			continue;
		log_msg(LOG_INFO, "%s: kernel peer %u is not a peer any more: removed", a->k.name,
			a->k.id);
		err = avpnl_peer_del(gw->nl, gw->ifindex, a->k.id);
		if (err && err != -ENOENT)
			log_msg(LOG_ERR, "%s: %s", a->k.name,
				avpnl_errmsg(gw->nl) ?: strerror(-err));
	}
	free(gw->adopted);
	gw->adopted = NULL;
	gw->n_adopted = 0;
}
