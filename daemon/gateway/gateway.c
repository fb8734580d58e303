// SPDX-License-Identifier: GPL-2.0
/*
 * gateway.c - the daemon's life: start (create the interface, or adopt a
 * running one), reload on SIGHUP, stop on SIGTERM/SIGINT.
 *
 * First the lock (runlock.c): another autovpnd may run for the interface,
 * and then nothing here may touch it.
 *
 * Start order matters for a restart under traffic: the interface and its
 * peers stay as they are; new uplink sockets are bound to the ports the
 * running ones have and swapped in by one DEV_SET; only then does the
 * registry client start. Stop leaves the interface forwarding (the kernel
 * holds its sockets and keys until they expire) unless the config says
 * `on-exit = remove`.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "base/clock.h"
#include "base/log.h"
#include "gateway.h"
#include "metrics.h"
#include "nl/avpnl.h"
#include "nl/avpnl_dev.h"
#include "nl/kroute.h"

static void on_stop(struct loop *l, int signo, void *arg)
{
	struct gw *gw = arg;

	log_msg(LOG_INFO, "signal %d: stopping", signo);
	gw->stopping = true;
	loop_stop(l);
}

/* Whether two uplink configs bind the same socket. */
static bool same_uplinks(const struct gwconf *a, const struct gwconf *b)
{
	if (a->n_uplinks != b->n_uplinks)
		return false;
	for (unsigned int i = 0; i < a->n_uplinks; i++) {
		const struct gwconf_uplink *x = &a->uplinks[i], *y = &b->uplinks[i];

		if (strcmp(x->device, y->device) || x->has_source != y->has_source ||
		    (x->has_source && !addr_equal(&x->source, &y->source)) ||
		    x->family != y->family || x->port != y->port)
			return false;
	}
	return true;
}

static bool same_registries(const struct gwconf *a, const struct gwconf *b)
{
	if (a->n_registries != b->n_registries ||
	    memcmp(a->registry_public_key, b->registry_public_key, KEY_LEN))
		return false;
	for (unsigned int i = 0; i < a->n_registries; i++)
		if (!endpoint_equal(&a->registries[i], &b->registries[i]))
			return false;
	return true;
}

/*
 * SIGHUP: read the config again. An invalid file changes nothing. Registry
 * and uplink changes apply at once (new sockets mean new NAT mappings, so
 * peers punch again); identity, interface and table need a restart.
 */
static void on_reload(struct loop *l, int signo, void *arg)
{
	struct gw *gw = arg;
	struct errlist errs;
	struct gwconf *nc, *old = gw->conf;
	bool uplinks, registries;

	(void)l;
	(void)signo;
	errlist_init(&errs);
	if (gwconf_load(gw->opts.conf_path, 0, &nc, &errs)) {
		for (size_t i = 0; i < errs.n; i++)
			log_msg(LOG_ERR, "%s", errs.msgs[i]);
		log_msg(LOG_ERR, "reload: config rejected, the running one stays");
		errlist_free(&errs);
		return;
	}
	errlist_free(&errs);
	if (memcmp(nc->private_key, old->private_key, KEY_LEN) || strcmp(nc->ifname, old->ifname) ||
	    nc->table != old->table)
		log_msg(LOG_WARNING, "reload: a new key, interface or table takes a restart; "
				     "applying the rest");
	uplinks = !same_uplinks(old, nc);
	registries = !same_registries(old, nc);
	/* Keep what needs a restart as it is running. */
	memcpy(nc->private_key, old->private_key, KEY_LEN);
	memcpy(nc->public_key, old->public_key, KEY_LEN);
	memcpy(nc->ifname, old->ifname, sizeof(nc->ifname));
	nc->table = old->table;
	/*
	 * The kept /metrics body goes, whatever follows: the new config, or
	 * the old one with its registry client started over.
	 */
	metrics_config_changed(gw);
	if (uplinks || registries)
		registry_stop(gw);
	if (uplinks && uplink_reopen_all(gw, nc)) {
		/* Half a reload (new registries on the old uplinks) would be
		 * neither config: keep the running one whole. */
		log_msg(LOG_ERR,
			"reload: the uplinks could not be opened, the running config stays");
		if (registry_start(gw))
			log_msg(LOG_ERR, "reload: the registry client did not start");
		gwconf_free(nc);
		return;
	}
	gw->conf = nc;
	if (uplinks)
		peer_uplinks_changed(gw);
	if ((uplinks || registries) && registry_start(gw))
		log_msg(LOG_ERR, "reload: the registry client did not start");
	gwconf_free(old);
	log_msg(LOG_INFO, "reload: done%s%s", uplinks ? " (uplinks reopened)" : "",
		registries ? " (registries changed)" : "");
}

static int open_device(struct gw *gw)
{
	struct avpnl_dev dev;
	uint32_t idx;
	int err;

	snprintf(gw->ifname, sizeof(gw->ifname), "%s", gw->conf->ifname);
	idx = if_nametoindex(gw->ifname);
	if (idx) {
		err = avpnl_dev_get(gw->nl, idx, &dev);
		if (err) {
			log_msg(LOG_ERR, "%s exists but is not an autovpn device: %s", gw->ifname,
				avpnl_errmsg(gw->nl) ?: strerror(-err));
			return err;
		}
		gw->ifindex = idx;
		return adopt_device(gw);
	}
	err = avpnl_dev_new(gw->nl, gw->ifname, 0, &gw->ifindex);
	if (err) {
		log_msg(LOG_ERR, "creating %s: %s", gw->ifname,
			avpnl_errmsg(gw->nl) ?: strerror(-err));
		return err;
	}
	gw->created_device = true;
	log_msg(LOG_INFO, "created %s (ifindex %u)", gw->ifname, gw->ifindex);
	return 0;
}

static void teardown(struct gw *gw)
{
	bool remove = gw->stopping && gw->conf->on_exit == GWCONF_EXIT_REMOVE;

	metrics_stop(gw);
	ctlserver_stop(gw);
	registry_stop(gw);
	/* Keep the kernel's peers unless the interface goes anyway. */
	peer_remove_all(gw, false);
	route_fini(gw, remove);
	uplink_close_all(gw);
	keys_fini(gw);
	if (remove && gw->ifindex) {
		int err = avpnl_dev_del(gw->nl, gw->ifindex);

		if (err)
			log_msg(LOG_ERR, "removing %s: %s", gw->ifname,
				avpnl_errmsg(gw->nl) ?: strerror(-err));
		else
			log_msg(LOG_INFO, "removed %s", gw->ifname);
		peersave_remove(gw);
	} else if (gw->ifindex) {
		log_msg(LOG_INFO, "%s keeps forwarding with its current keys", gw->ifname);
	}
	free(gw->adopted);
	gw->adopted = NULL;
	avpnl_close(gw->nl);
	gw->nl = NULL;
}

int gw_run(struct gw *gw)
{
	int err;

	gw->start_ms = clock_mono_ms();
	memcpy(gw->sk, gw->conf->private_key, KEY_LEN);
	memcpy(gw->pk, gw->conf->public_key, KEY_LEN);
	gw->probe_sender_id = randombytes_random() | 1;
	randombytes_buf(&gw->probe_clock_offset, sizeof(gw->probe_clock_offset));
	gw->ctl_fd = -1;
	gw->lock_fd = -1;
	/* Before anything touches the device: it may be another daemon's. */
	err = runlock_take(gw);
	if (err)
		goto out_key;
	err = loop_new(&gw->loop);
	if (err)
		goto out_lock;
	if ((err = loop_add_signal(gw->loop, SIGTERM, on_stop, gw)) ||
	    (err = loop_add_signal(gw->loop, SIGINT, on_stop, gw)) ||
	    (err = loop_add_signal(gw->loop, SIGHUP, on_reload, gw)))
		goto out_loop;
	signal(SIGPIPE, SIG_IGN);

	err = avpnl_open(&gw->nl);
	if (err) {
		log_msg(LOG_ERR, "the autovpn kernel module: %s (is it loaded? modprobe autovpn)",
			strerror(-err));
		goto out_loop;
	}
	/*
	 * The kernel sends a key's rekey event once: one sent between the
	 * adopting dump (open_device) and a later subscription would be lost.
	 */
	if ((err = keys_events_start(gw)))
		goto out;
	err = open_device(gw);
	if (err)
		goto out;
	if ((err = route_init(gw))) {
		log_msg(LOG_ERR, "routing (table %u, rules): %s", gw->conf->table, strerror(-err));
		goto out;
	}
	if ((err = kroute_link_up(gw->kr, gw->ifindex))) {
		log_msg(LOG_ERR, "setting %s up: %s", gw->ifname, strerror(-err));
		goto out;
	}
	gw->dev_up = true; /* the link event it makes says nothing new (route.c) */
	if ((err = keys_init(gw))) {
		log_msg(LOG_ERR, "handshake keys: %s", strerror(-err));
		goto out;
	}
	if ((err = uplink_open_all(gw)) || (err = uplink_attach_all(gw)) ||
	    (err = registry_start(gw)))
		goto out; /* each says why */
	if (gw->adopted) {
		/* Take the peers over now, not when a registry answers (peersave.c). */
		int n = peersave_read(gw);

		if (n > 0) {
			log_msg(LOG_INFO,
				"%d peer(s) from the last run's list, until a registry sends one",
				n);
			peer_sync(gw);
		} else if (n < 0) {
			log_msg(LOG_WARNING, "the last run's peer list: %s", strerror(-n));
		}
	}
	if ((err = ctlserver_start(gw))) {
		log_msg(LOG_ERR, "control socket: %s", strerror(-err));
		goto out;
	}
	if ((err = metrics_start(gw)))
		goto out;
	log_msg(LOG_INFO, "%s: running as %s on %s", gw->conf->name, gw->ifname,
		gw->n_uplinks == 2 ? "wan1 and wan2" : "wan1");
	err = loop_run(gw->loop);
out:
	teardown(gw);
out_loop:
	loop_free(gw->loop);
out_lock:
	runlock_release(gw);
out_key:
	sodium_memzero(gw->sk, sizeof(gw->sk));
	return err;
}
