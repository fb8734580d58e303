// SPDX-License-Identifier: GPL-2.0
/*
 * registry.c - the daemon's side of the registration protocol: wires the
 * socket-less state machine wire/regclient to the uplink sockets and the
 * loop's clock. Registration runs per (uplink, registry), from the uplink's
 * own socket; a complete new peer list goes to peer_sync(); peers that no
 * registry has confirmed for the purge time are dropped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "nl/avpnl.h"
#include "nl/avpnl_dev.h"
#include "gateway.h"

/* The purge comes this late at most after the purge time; a check is a walk of the peers. */
#define PURGE_CHECK_MS 1000
#define DIAG_EVERY_MS 3000

int registry_index(const struct gw *gw, const struct endpoint *from)
{
	for (unsigned int i = 0; i < gw->conf->n_registries; i++)
		if (endpoint_equal(&gw->conf->registries[i], from))
			return (int)i;
	/* Echo answers come from the registry's high port. */
	for (unsigned int i = 0; i < gw->conf->n_registries; i++) {
		uint16_t port = regclient_echo_port(&gw->rc, i);

		if (port && from->port == port &&
		    addr_equal(&from->addr, &gw->conf->registries[i].addr))
			return (int)i;
	}
	return -1;
}

static void send_cb(void *ctx, unsigned int ul, unsigned int reg, const uint8_t *msg, size_t len)
{
	struct gw *gw = ctx;

	uplink_send(gw, ul, &gw->conf->registries[reg], msg, len);
}

static void send_port_cb(void *ctx, unsigned int ul, unsigned int reg, uint16_t port,
			 const uint8_t *msg, size_t len)
{
	struct gw *gw = ctx;
	struct endpoint to = gw->conf->registries[reg];

	to.port = port;
	uplink_send(gw, ul, &to, msg, len);
}

/*
 * What every path looks like, for the keepalive regclient is about to send
 * (the status page's view): O(paths), so only then (regclient_cfg).
 */
static void report_paths(void *arg)
{
	struct gw *gw = arg;
	struct proto_path *v = gw->report;
	uint32_t n = 0;

	if (gw->n_peers * GW_MAX_PATHS > gw->report_cap) {
		uint32_t ncap = gw->n_peers * GW_MAX_PATHS;
		struct proto_path *nv = realloc(v, ncap * sizeof(*v));

		if (!nv)
			return;
		gw->report = v = nv;
		gw->report_cap = ncap;
	}
	for (uint32_t i = 0; i < gw->n_peers; i++) {
		const struct gw_peer *p = gw->peers[i];

		for (unsigned int k = 0; k < GW_MAX_PATHS; k++) {
			const struct path *pa = &p->paths[k];
			struct proto_path *o;

			if (pa->state == PATH_IDLE || !path_uplink_configured(gw, pa))
				continue;
			o = &v[n++];
			memset(o, 0, sizeof(*o));
			memcpy(o->peer_pk, p->pk, 32);
			o->local_uplink = pa->lu;
			o->remote_uplink = pa->ru;
			o->up = path_is_up(pa);
			o->rtt_us = pa->rtt_us;
			o->jitter_us = pa->jitter_us;
			o->loss = path_loss(pa);
		}
	}
	gw->rc.paths = v;
	gw->rc.n_paths = n;
}

static void arm(struct gw *gw)
{
	uint64_t next = regclient_next_ms(&gw->rc), now = clock_mono_ms();

	loop_timer_start(gw->loop, &gw->rc_timer, next > now ? next - now : 0, 0);
}

/* The org's settings for this gateway (SELF): what the kernel must know. */
static void apply_self(struct gw *gw)
{
	const struct proto_self *self = regclient_self(&gw->rc);
	int aa, err;

	if (!self)
		return;
	aa = !!(self->flags & PROTO_SELF_ACTIVE_ACTIVE);
	log_msg(LOG_INFO, "settings from the registry: active-active %s, peer purge time %u s%s",
		aa ? "on" : "off", self->purge_s,
		self->flags & PROTO_SELF_MANUAL_NAT ? ", manual NAT traversal" : "");
	if (aa == gw->active_active)
		return;
	err = avpnl_dev_set_flags(gw->nl, gw->ifindex, aa);
	if (err) {
		log_msg(LOG_ERR, "setting active-active on %s: %s", gw->ifname,
			avpnl_errmsg(gw->nl) ?: strerror(-err));
		return;
	}
	gw->active_active = aa;
}

/* Keeps each registry's newest DIAG answer with the peer it is about. */
static void store_diag(struct gw *gw)
{
	for (unsigned int r = 0; r < gw->conf->n_registries; r++) {
		uint64_t at;
		const struct proto_diag_resp *a = regclient_diag_answer(&gw->rc, r, &at);
		struct gw_peer *p = a ? peer_find(gw, a->peer_pk) : NULL;

		if (!p || at <= p->remote_ms)
			continue;
		/* A registry that knows it beats one that does not. */
		if (p->has_remote && p->remote.status == PROTO_DIAG_OK &&
		    a->status != PROTO_DIAG_OK && at - p->remote_ms < 2 * DIAG_EVERY_MS)
			continue;
		p->remote = *a;
		p->remote_ms = at;
		p->has_remote = true;
	}
}

static void log_echo(struct gw *gw)
{
	for (unsigned int u = 0; u < gw->n_uplinks; u++) {
		uint8_t e = regclient_echo(&gw->rc, u);

		if (e == gw->uplinks[u].echo)
			continue;
		gw->uplinks[u].echo = e;
		log_msg(e == PROTO_ECHO_BLOCKED ? LOG_WARNING : LOG_INFO, "%s: high-port echo %s%s",
			gwconf_uplink_name(u), proto_echo_name(e),
			e == PROTO_ECHO_BLOCKED ?
				" (outbound UDP to ports 32768-61000 gets no answer: peers cannot "
				"be reached from here)" :
				"");
	}
}

static void handle_events(struct gw *gw, int ev)
{
	if (ev > 0 && (ev & REGCLIENT_EV_SELF))
		apply_self(gw);
	if (ev > 0 && (ev & REGCLIENT_EV_ECHO))
		log_echo(gw);
	if (ev > 0 && (ev & REGCLIENT_EV_DIAG))
		store_diag(gw);
	if (ev > 0 && (ev & REGCLIENT_EV_REGISTERED))
		log_msg(LOG_INFO, "registered with the registries (role %s)",
			gw->rc.role == PROTO_ROLE_HUB	? "hub" :
			gw->rc.role == PROTO_ROLE_SPOKE ? "spoke" :
							  "off");
	if (ev > 0 && (ev & REGCLIENT_EV_PEERS)) {
		log_msg(LOG_INFO, "peer list version %016llx: %u peer(s)",
			(unsigned long long)gw->rc.version, gw->rc.peers.n);
		gw->peers_from_save = false;
		peersave_write(gw);
		peer_sync(gw);
	}
}

static void on_timer(struct loop *l, struct loop_timer *t, void *arg)
{
	struct gw *gw = arg;

	(void)l;
	(void)t;
	handle_events(gw, regclient_tick(&gw->rc, clock_mono_ms(), send_cb, gw));
	arm(gw);
}

/* Asks the registries about the next peer that is not up. */
static void on_diag(struct loop *l, struct loop_timer *t, void *arg)
{
	struct gw *gw = arg;

	(void)l;
	(void)t;
	for (uint32_t k = 0; k < gw->n_peers; k++) {
		struct gw_peer *p = gw->peers[(gw->diag_next + k) % gw->n_peers];

		if (peer_is_up(p))
			continue;
		gw->diag_next = (gw->diag_next + k + 1) % gw->n_peers;
		regclient_diag(&gw->rc, clock_mono_ms(), p->pk, send_cb, gw);
		arm(gw);
		return;
	}
}

static void on_purge(struct loop *l, struct loop_timer *t, void *arg)
{
	struct gw *gw = arg;
	uint32_t gone;

	(void)l;
	(void)t;
	gone = regclient_purge(&gw->rc, clock_mono_ms());
	if (gone) {
		log_msg(LOG_WARNING, "purged %u peer(s) no registry confirmed for the purge time",
			gone);
		peersave_write(gw);
		peer_sync(gw);
	}
}

void registry_input(struct gw *gw, unsigned int ul, unsigned int reg, const uint8_t *msg,
		    size_t len)
{
	int ev;

	ev = regclient_input(&gw->rc, clock_mono_ms(), ul, reg, msg, len, send_cb, gw);
	handle_events(gw, ev);
	arm(gw);
}

int registry_start(struct gw *gw)
{
	struct regclient_cfg cfg;
	int err;

	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.sk, gw->sk, 32);
	memcpy(cfg.pk, gw->pk, 32);
	memcpy(cfg.registry_pk, gw->conf->registry_public_key, 32);
	cfg.n_registries = gw->conf->n_registries;
	cfg.send_port = send_port_cb;
	cfg.report_paths = report_paths;
	cfg.n_uplinks = gw->n_uplinks;
	for (unsigned int i = 0; i < gw->n_uplinks; i++)
		cfg.local[i] = gw->uplinks[i].local;
	/* A fixed port means port forwarding upstream: say so to the registry. */
	for (unsigned int i = 0; i < gw->n_uplinks; i++)
		if (uplink_conf(gw, &gw->uplinks[i])->port)
			cfg.manual_nat = 1;
	err = regclient_init(&gw->rc, &cfg, clock_mono_ms());
	memset(cfg.sk, 0, sizeof(cfg.sk));
	if (err) {
		log_msg(LOG_ERR, "registry client: %s", strerror(-err));
		return err;
	}
	loop_timer_init(&gw->rc_timer, on_timer, gw);
	loop_timer_init(&gw->purge_timer, on_purge, gw);
	loop_timer_start(gw->loop, &gw->purge_timer, PURGE_CHECK_MS, PURGE_CHECK_MS);
	loop_timer_init(&gw->diag_timer, on_diag, gw);
	loop_timer_start(gw->loop, &gw->diag_timer, DIAG_EVERY_MS, DIAG_EVERY_MS);
	gw->active_active = -1; /* unknown until the registry says */
	arm(gw);
	return 0;
}

void registry_stop(struct gw *gw)
{
	loop_timer_stop(gw->loop, &gw->rc_timer);
	loop_timer_stop(gw->loop, &gw->purge_timer);
	loop_timer_stop(gw->loop, &gw->diag_timer);
	regclient_free(&gw->rc);
	free(gw->report);
	gw->report = NULL;
	gw->report_cap = 0;
}
