// SPDX-License-Identifier: GPL-2.0
/*
 * ctlserver.c - the control socket: `autovpn show` and `autovpn diagnose`
 * ask the daemon what it knows (lib/ctl is the codec).
 *
 * "@autovpn/IFNAME" in the abstract namespace (per network namespace, like
 * the interface; lib/ctl says why). The answer names endpoints and peers,
 * so only root may ask: the client's credentials are checked on accept.
 * One request line per connection, one JSON answer, then the connection
 * closes. The daemon is single-threaded, so neither waits on a client:
 * the event loop reads the request (base/looprecv.h), a short line, within
 * CTL_READ_MS for the whole line, and sends the answer (base/loopsend.h)
 * as fast as the client reads, within CTL_SEND_MS plus 1 s per MiB. A
 * client that writes or reads slowly, or not at all, costs the loop
 * nothing meanwhile. At most GW_CTL_MAX_CLIENTS clients are served at
 * once: further clients are left in the listen backlog until one is done;
 * of them, at most GW_CTL_MAX_SENDS have an answer rendered (up to
 * CTL_MAX_ANSWER each) and on its way, the others wait for it in turn. So
 * a few clients that send their requests slowly take no answer's place.
 */
#include <errno.h>
#include <poll.h>
#include <sys/epoll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/key.h"
#include "base/log.h"
#include "base/looprecv.h"
#include "base/loopsend.h"
#include "ctl/ctl.h"
#include "diagnose.h"
#include "gateway.h"

#define CTL_RETRY_MS 2000
#define CTL_READ_MS 1000
/* No fd or memory for the next client: listen again after this ... */
#define CTL_ACCEPT_RETRY_MS 250
#define CTL_ACCEPT_WARN_MS 60000 /* ... and say so at most this often */
/*
 * An answer has CTL_SEND_MS to go out, a large one (a hub of thousands of
 * peers) 1 s more per MiB (CTL_ANSWER_BYTES_PER_MS; the client allows as
 * much per MiB, on a base of its own that starts with its request).
 */
#define CTL_SEND_MS 10000

static uint64_t age(uint64_t now, uint64_t then)
{
	return then ? now - then : CTL_NEVER;
}

static void fmt_ep(char *buf, size_t len, const struct endpoint *ep)
{
	if (ep->addr.family == AF_UNSPEC)
		buf[0] = '\0';
	else
		endpoint_format(ep, buf, len);
}

static const char *role_name(uint8_t role)
{
	return role == PROTO_ROLE_HUB ? "hub" : role == PROTO_ROLE_SPOKE ? "spoke" : "off";
}

static const char *kind_name(uint8_t kind)
{
	return kind == PROTO_EP_MANUAL ? "manual" : kind == PROTO_EP_PRIVATE ? "private" : "public";
}

static void fill_uplinks(struct gw *gw, struct ctl_status *s, uint64_t now)
{
	s->n_uplinks = gw->n_uplinks;
	for (unsigned int u = 0; u < gw->n_uplinks; u++) {
		struct ctl_uplink *o = &s->uplinks[u];
		const struct gw_uplink *up = &gw->uplinks[u];

		o->id = up->id;
		snprintf(o->name, sizeof(o->name), "%s", gwconf_uplink_name(u));
		snprintf(o->device, sizeof(o->device), "%s", uplink_conf(gw, up)->device);
		fmt_ep(o->local, sizeof(o->local), &up->local);
		snprintf(o->nat, sizeof(o->nat), "%s", proto_nat_name(regclient_nat(&gw->rc, u)));
		snprintf(o->highport, sizeof(o->highport), "%s",
			 proto_echo_name(regclient_echo(&gw->rc, u)));
		for (unsigned int r = 0; r < gw->conf->n_registries && r < 2; r++) {
			const struct regclient_link *l = &gw->rc.link[u][r];

			o->reg[r].connected =
				l->connected &&
				now - l->last_rx_ms <=
					(uint64_t)PROTO_MISSED_KEEPALIVES * gw->rc.keepalive_ms;
			if (l->state == REGCLIENT_REGISTERED)
				fmt_ep(o->reg[r].observed, sizeof(o->reg[r].observed),
				       &l->observed);
			if (!o->mapped[0] && o->reg[r].observed[0])
				memcpy(o->mapped, o->reg[r].observed, sizeof(o->mapped));
		}
	}
}

static void fill_peer(struct gw *gw, struct ctl_peer *o, const struct gw_peer *p, uint64_t now)
{
	char b64[KEY_B64_SIZE];

	snprintf(o->name, sizeof(o->name), "%s", p->name);
	key_to_base64(b64, p->pk);
	snprintf(o->public_key, sizeof(o->public_key), "%s", b64);
	o->id = p->id;
	snprintf(o->role, sizeof(o->role), "%s", role_name(p->info.role));
	o->hub_priority = p->info.hub_prio;
	o->flags = p->info.flags;
	snprintf(o->state, sizeof(o->state), "%s", peer_state_name(p->state));
	snprintf(o->reason, sizeof(o->reason), "%s", p->reason ? p->reason : "");
	o->handshake_ms = p->cur_key_id >= 0 ? age(now, p->key_ms) : CTL_NEVER;
	o->key_id = (int16_t)p->cur_key_id;
	o->n_endpoints = 0;
	for (unsigned int i = 0; i < p->info.n_ep && i < 5; i++) {
		struct ctl_endpoint *e = &o->endpoints[o->n_endpoints++];

		e->uplink = p->info.ep[i].uplink;
		snprintf(e->kind, sizeof(e->kind), "%s", kind_name(p->info.ep[i].kind));
		fmt_ep(e->address, sizeof(e->address), &p->info.ep[i].ep);
	}
	o->n_paths = 0;
	for (unsigned int k = 0; k < GW_MAX_PATHS; k++) {
		const struct path *pa = &p->paths[k];
		struct ctl_path *c;

		if (!path_uplink_configured(gw, pa) || (pa->state == PATH_IDLE && !pa->n_cand))
			continue;
		c = &o->paths[o->n_paths++];
		c->id = pa->id;
		c->local_uplink = pa->lu;
		c->remote_uplink = pa->ru;
		snprintf(c->state, sizeof(c->state), "%s", path_state_name(pa->state));
		if (pa->has_remote)
			fmt_ep(c->remote, sizeof(c->remote), &pa->remote);
		snprintf(c->reason, sizeof(c->reason), "%s", pa->reason ? pa->reason : "");
		c->rtt_us = pa->has_rtt ? pa->rtt_us : 0;
		c->jitter_us = pa->jitter_us;
		c->loss = path_loss(pa);
		c->changed_ms = age(now, pa->changed_ms);
	}
	if (ctl_peer_alloc_subnets(o, p->n_subnets))
		return;
	for (uint32_t i = 0; i < p->n_subnets; i++) {
		prefix_format(&p->subnets[i].prefix, o->subnets[i].prefix,
			      sizeof(o->subnets[i].prefix));
		o->subnets[i].metric = p->subnets[i].metric;
		o->subnets[i].flags = p->subnets[i].flags;
	}
}

static const struct gw_peer *by_id(const struct gw *gw, uint32_t id)
{
	for (uint32_t i = 0; i < gw->n_peers; i++)
		if (gw->peers[i]->id == id)
			return gw->peers[i];
	return NULL;
}

static void fill_route(const struct gw *gw, struct ctl_route *o, const struct routesel_entry *e)
{
	const struct routesel_cand *c = routesel_choice(e);
	const struct gw_peer *p = c ? by_id(gw, c->peer) : NULL;
	const struct gw_peer *best = by_id(gw, e->cand[0].peer);

	prefix_format(&e->prefix, o->prefix, sizeof(o->prefix));
	if (!c || !p) {
		snprintf(o->decision, sizeof(o->decision), "none");
		snprintf(o->reason, sizeof(o->reason), "no peer for it is up (%u candidate%s)",
			 e->n_cand, e->n_cand == 1 ? "" : "s");
		return;
	}
	snprintf(o->via, sizeof(o->via), "%s", p->name);
	o->metric = c->metric;
	if (c->flags & PROTO_SUB_DEFAULT)
		snprintf(o->decision, sizeof(o->decision), "default");
	else if (c->metric >= PROTO_METRIC_RELAY)
		snprintf(o->decision, sizeof(o->decision), "relay");
	else if (c->flags & PROTO_SUB_TRANSIT)
		snprintf(o->decision, sizeof(o->decision), "transit");
	else
		snprintf(o->decision, sizeof(o->decision), "direct");
	if (c != &e->cand[0] && best && !peer_is_up(best))
		snprintf(o->reason, sizeof(o->reason), "%s is %s: next best", best->name,
			 peer_state_name(best->state));
	else if (c != &e->cand[0])
		snprintf(o->reason, sizeof(o->reason), "%s is back up: waiting out the hysteresis",
			 best ? best->name : "the preferred peer");
	else
		snprintf(o->reason, sizeof(o->reason), "lowest metric, up");
}

int ctlserver_status(struct gw *gw, struct ctl_status *s)
{
	uint64_t now = clock_mono_ms();
	char b64[KEY_B64_SIZE];
	int err;

	err = ctl_status_alloc(s, gw->n_peers, gw->routes.n);
	if (err)
		return err;
	snprintf(s->interface, sizeof(s->interface), "%s", gw->ifname);
	snprintf(s->name, sizeof(s->name), "%s", gw->conf->name);
	key_to_base64(b64, gw->pk);
	snprintf(s->public_key, sizeof(s->public_key), "%s", b64);
	snprintf(s->role, sizeof(s->role), "%s",
		 gw->rc.version ? role_name(gw->rc.role) : "unknown");
	s->config_version = gw->rc.version;
	s->uptime_ms = now - gw->start_ms;
	s->n_registries = gw->conf->n_registries;
	for (unsigned int r = 0; r < gw->conf->n_registries; r++) {
		uint64_t last = 0;

		fmt_ep(s->registries[r].address, sizeof(s->registries[r].address),
		       &gw->conf->registries[r]);
		s->registries[r].connected = regclient_connected(&gw->rc, r, now);
		for (unsigned int u = 0; u < gw->n_uplinks; u++)
			if (gw->rc.link[u][r].last_rx_ms > last)
				last = gw->rc.link[u][r].last_rx_ms;
		s->registries[r].last_contact_ms = age(now, last);
	}
	fill_uplinks(gw, s, now);
	for (uint32_t i = 0; i < gw->n_peers; i++)
		fill_peer(gw, &s->peers[i], gw->peers[i], now);
	for (uint32_t i = 0; i < gw->routes.n; i++)
		fill_route(gw, &s->routes[i], &gw->routes.v[i]);
	return 0;
}

/* One client, from accept to the end of its answer; in gw->ctl_clients[slot]. */
struct ctl_client {
	struct gw *gw;
	unsigned int slot;
	struct looprecv *rx; /* its request being read, or NULL */
	struct loopsend *tx; /* its answer being sent, or NULL */
	/* Its request read, waiting for a send slot (0: not waiting): */
	uint64_t waiting;  /* its place in the queue (gw->ctl_wait_seq) */
	uint64_t since_ms; /* queued then */
	int fd;
	char req[CTL_MAX_REQUEST + 1];
};

/*
 * No slot or no fd for the next client: it waits in the listen backlog
 * until resume_listener() (a client ended, or accept_later()'s timer).
 */
static void pause_listener(struct gw *gw)
{
	if (loop_mod_fd(gw->loop, gw->ctl_fd, 0))
		log_msg(LOG_ERR, "control socket: cannot pause the listener");
}

static void resume_listener(struct gw *gw)
{
	if (gw->ctl_fd >= 0 && loop_mod_fd(gw->loop, gw->ctl_fd, EPOLLIN))
		log_msg(LOG_ERR, "control socket: cannot listen again: show and diagnose are "
				 "unavailable until autovpnd restarts");
}

/* The client is done: its slot is free, and a client from the backlog may come. */
static void client_end(struct ctl_client *c)
{
	struct gw *gw = c->gw;

	gw->ctl_clients[c->slot] = NULL;
	free(c);
	resume_listener(gw);
}

static void start_answer(struct ctl_client *c);

/*
 * A client that waited for its answer longer than our tool does
 * (CTL_TIMEOUT_MS), or that hung up, is not worth a render: it may be
 * megabytes, and nobody would read them.
 */
static bool client_gone(const struct ctl_client *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

	if (clock_mono_ms() - c->since_ms > CTL_TIMEOUT_MS)
		return true;
	return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR));
}

/* Answers the clients waiting for a send slot, longest waiting first. */
static void serve_waiting(struct gw *gw)
{
	/* start_answer() may end an answer at once, and that calls us again. */
	if (gw->ctl_serving)
		return;
	gw->ctl_serving = true;
	while (gw->ctl_sending < GW_CTL_MAX_SENDS) {
		struct ctl_client *next = NULL;

		for (unsigned int i = 0; i < GW_CTL_MAX_CLIENTS; i++) {
			struct ctl_client *c = gw->ctl_clients[i];

			if (c && c->waiting && (!next || c->waiting < next->waiting))
				next = c;
		}
		if (!next)
			break;
		next->waiting = 0;
		if (client_gone(next)) {
			close(next->fd);
			client_end(next);
			continue;
		}
		start_answer(next);
	}
	gw->ctl_serving = false;
}

/* An answer sent, cut or given up. */
static void on_sent(struct loopsend *ls, int err, void *arg)
{
	struct ctl_client *c = arg;
	struct gw *gw = c->gw;

	(void)ls;
	/* A client that hangs up early (`| head`) is no news. */
	if (err && err != -ECANCELED)
		log_msg(err == -EPIPE || err == -ECONNRESET ? LOG_DEBUG : LOG_WARNING,
			"control socket: an answer was cut: %s%s", strerror(-err),
			err == -ETIMEDOUT ? " (the client read too slowly)" : "");
	gw->ctl_sending--;
	client_end(c);
	serve_waiting(gw);
}

/* Renders the answer to @req: a JSON document (malloc'd), or NULL. */
static char *answer(struct gw *gw, const char *req)
{
	struct ctl_status s;
	struct ctl_diagnosis d = { 0 };
	char *json = NULL;
	int err;

	memset(&s, 0, sizeof(s));
	if (!strcmp(req, "status")) {
		err = ctlserver_status(gw, &s);
		if (!err)
			err = ctl_status_to_json(&s, &json);
	} else if (!strcmp(req, "diagnose")) {
		const struct proto_diag_resp **remote = calloc(gw->n_peers + 1, sizeof(*remote));

		err = remote ? ctlserver_status(gw, &s) : -ENOMEM;
		/* ctlserver_status() lists gw->peers in order. */
		for (uint32_t i = 0; !err && i < gw->n_peers; i++)
			remote[i] = gw->peers[i]->has_remote ? &gw->peers[i]->remote : NULL;
		if (!err)
			err = diagnose(&s, remote, &d);
		free(remote);
		if (!err)
			err = ctl_diagnosis_to_json(&d, &json);
	} else {
		err = -EINVAL;
	}
	ctl_status_free(&s);
	ctl_diagnosis_free(&d);
	if (err) {
		free(json);
		json = NULL;
		if (asprintf(&json, "{\"error\":\"%s\"}\n",
			     err == -EINVAL ? "unknown request" : strerror(-err)) < 0)
			return NULL;
	}
	return json;
}

/* Renders the client's answer and hands it to the loop; takes a send slot. */
static void start_answer(struct ctl_client *c)
{
	struct gw *gw = c->gw;
	struct loopsend *ls;
	char *json = answer(gw, c->req);
	size_t len;

	if (!json) {
		close(c->fd);
		client_end(c);
		return;
	}
	/* Not sent in time: the client gets a cut answer (not a JSON document). */
	len = strlen(json);
	gw->ctl_sending++;
	if (loopsend_start(gw->loop, c->fd, json, len, CTL_SEND_MS + len / CTL_ANSWER_BYTES_PER_MS,
			   on_sent, c, &ls)) {
		gw->ctl_sending--; /* on_sent() not called */
		client_end(c);
	} else if (ls) {
		c->tx = ls; /* else on_sent() ended the client already */
	}
}

/*
 * The request line is in (or what came of it by the deadline, as before
 * the loop read it: a client that sends "status" and waits is answered).
 * It is answered on the same socket now, or, with GW_CTL_MAX_SENDS answers
 * on their way, when one of them is done (a render takes memory, up to
 * CTL_MAX_ANSWER; a request does not).
 */
static void on_request(struct looprecv *rx, int fd, const char *line, size_t got, int err,
		       void *arg)
{
	struct ctl_client *c = arg;
	struct gw *gw = c->gw;

	(void)rx;
	c->rx = NULL;
	/*
	 * Nothing came (silent until the deadline, or gone), or the socket
	 * failed: nobody to answer. What came by the deadline is answered.
	 */
	if (!got || (err && err != -ETIMEDOUT)) {
		close(fd);
		client_end(c);
		return;
	}
	memcpy(c->req, line, got);
	c->req[got] = '\0';
	c->req[strcspn(c->req, "\r\n")] = '\0';
	c->fd = fd;
	if (gw->ctl_sending < GW_CTL_MAX_SENDS) {
		start_answer(c);
	} else {
		c->waiting = ++gw->ctl_wait_seq;
		c->since_ms = clock_mono_ms();
	}
}

/*
 * Anyone in the network namespace can connect (abstract socket): others
 * get their refusal without the loop ever waiting on them. Whatever they
 * sent is drained first, so the close does not reset the connection under
 * the refusal (the client also reads it after EPIPE).
 */
static void refuse(int fd)
{
	static const char msg[] = "{\"error\":\"permission denied: root only\"}\n";
	char sink[CTL_MAX_REQUEST];

	for (int i = 0; i < 4 && recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; i++)
		;
	if (send(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return;
	shutdown(fd, SHUT_WR);
}

static int free_slot(const struct gw *gw)
{
	for (unsigned int i = 0; i < GW_CTL_MAX_CLIENTS; i++)
		if (!gw->ctl_clients[i])
			return (int)i;
	return -1;
}

/*
 * accept4() failed before the connection left the backlog (no fd or no
 * memory, mostly; an LSM's refusal too), so the listener stays readable
 * and the loop would wake for it again at once, round after round, at full
 * CPU: the listener pauses instead, and listens again after
 * CTL_ACCEPT_RETRY_MS (or when a client ends and frees its fd,
 * client_end()). Said at most once a minute, with the failures between.
 */
static void accept_later(struct gw *gw, int err)
{
	uint64_t now = clock_mono_ms();

	gw->ctl_accept_fails++;
	if (!gw->ctl_accept_warned_ms || now - gw->ctl_accept_warned_ms >= CTL_ACCEPT_WARN_MS) {
		log_msg(LOG_WARNING,
			"control socket: cannot accept a client (%s; %u time(s) since the last "
			"warning): trying again every %d ms",
			strerror(err), gw->ctl_accept_fails, CTL_ACCEPT_RETRY_MS);
		gw->ctl_accept_warned_ms = now;
		gw->ctl_accept_fails = 0;
	}
	pause_listener(gw);
	if (loop_timer_start(gw->loop, &gw->ctl_accept_retry, CTL_ACCEPT_RETRY_MS, 0))
		resume_listener(gw); /* no timer: better a busy loop than a deaf one */
}

static void on_accept_retry(struct loop *l, struct loop_timer *t, void *arg)
{
	struct gw *gw = arg;

	(void)l;
	(void)t;
	if (free_slot(gw) >= 0)
		resume_listener(gw);
}

static void on_accept(struct loop *l, int lfd, uint32_t events, void *arg)
{
	socklen_t cl = sizeof(struct ucred);
	struct ctl_client *c;
	struct looprecv *rx;
	struct ucred cred;
	struct gw *gw = arg;
	int fd, slot = free_slot(gw);

	(void)events;
	if (slot < 0) {
		pause_listener(gw);
		return;
	}
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		/* Nothing there, or a connection that was gone already: no wait. */
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED)
			accept_later(gw, errno);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) || cred.uid != 0) {
		refuse(fd);
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->gw = gw;
	c->slot = (unsigned int)slot;
	c->fd = -1; /* the socket is the read's until on_request() */
	gw->ctl_clients[slot] = c;
	/* Root: one short line, read by the loop within CTL_READ_MS. */
	if (looprecv_line(l, fd, CTL_MAX_REQUEST, CTL_READ_MS, on_request, c, &rx))
		client_end(c); /* on_request() not called */
	else if (rx)
		c->rx = rx; /* else on_request() has taken it further already */
	if (free_slot(gw) < 0)
		pause_listener(gw);
}

/*
 * The listener of our socket name, when bind() found it taken. The
 * connect does not wait: a listener that never accepts, its backlog
 * full, would hold the event loop, and with it the gateway, for good.
 * -EAGAIN: it takes no connections (so it answers nobody either);
 * -ECONNREFUSED: the name is bound by a socket that does not listen.
 */
static int squatter(const struct sockaddr_un *sun, int alen, struct ucred *cred)
{
	socklen_t cl = sizeof(*cred);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), err = 0;

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sun, (socklen_t)alen) ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &cl))
		err = -errno;
	close(fd);
	return err;
}

static int ctl_listen(struct gw *gw, bool quiet);

/* Once running, the daemon never gives up on its socket (ctl_listen()). */
static void on_retry(struct loop *l, struct loop_timer *t, void *arg)
{
	struct gw *gw = arg;

	(void)t;
	if (ctl_listen(gw, true))
		loop_timer_start(l, &gw->ctl_retry, CTL_RETRY_MS, 0);
}

/*
 * Binds the control socket. Taken by another root process that listens:
 * another autovpnd runs for the interface (fatal at start, -EADDRINUSE).
 * Taken by anyone else, or by a socket that takes no connections (not
 * listening, or its backlog full): a squatter, which must not keep the
 * gateway down; the daemon runs without the socket and tries again every
 * CTL_RETRY_MS. A retry (quiet) only reports its error: on_retry() tries
 * again whatever it was (a squatter on its way out, killed but its name
 * not yet released, was taken for another autovpnd, and the daemon never
 * tried again).
 */
static int ctl_listen(struct gw *gw, bool quiet)
{
	struct sockaddr_un sun;
	struct ucred cred = { 0 };
	int fd, alen, err, who;

	alen = ctl_sockaddr(gw->ctl_path, &sun);
	if (alen < 0)
		return alen;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (!bind(fd, (struct sockaddr *)&sun, (socklen_t)alen) && !listen(fd, 16)) {
		err = loop_add_fd(gw->loop, fd, EPOLLIN, on_accept, gw);
		if (err) {
			close(fd);
			return err;
		}
		gw->ctl_fd = fd;
		if (quiet)
			log_msg(LOG_INFO, "control socket %s: listening", gw->ctl_path);
		return 0;
	}
	err = -errno;
	close(fd);
	if (quiet)
		return err;
	who = err == -EADDRINUSE ? squatter(&sun, alen, &cred) : err;
	if (err == -EADDRINUSE &&
	    (who == -EAGAIN || who == -ECONNREFUSED || (!who && cred.uid != 0))) {
		if (who)
			log_msg(LOG_ERR,
				"control socket %s is held by a process that accepts no "
				"connections, not autovpnd: show and diagnose are unavailable "
				"until it is released",
				gw->ctl_path);
		else
			log_msg(LOG_ERR,
				"control socket %s is held by pid %d (uid %u), not autovpnd: show "
				"and diagnose are unavailable until it is released",
				gw->ctl_path, (int)cred.pid, (unsigned int)cred.uid);
		loop_timer_start(gw->loop, &gw->ctl_retry, CTL_RETRY_MS, 0);
		return 0;
	}
	log_msg(LOG_ERR, "control socket %s: %s%s", gw->ctl_path, strerror(-err),
		err == -EADDRINUSE ? " (another autovpnd runs for this interface)" : "");
	return err;
}

int ctlserver_start(struct gw *gw)
{
	int err;

	err = ctl_sock_path(gw->ifname, gw->ctl_path, sizeof(gw->ctl_path));
	if (err)
		return err;
	loop_timer_init(&gw->ctl_retry, on_retry, gw);
	loop_timer_init(&gw->ctl_accept_retry, on_accept_retry, gw);
	return ctl_listen(gw, false);
}

void ctlserver_stop(struct gw *gw)
{
	/* Stop listening first: a client that ends below must not reopen it. */
	if (gw->ctl_fd >= 0) {
		loop_del_fd(gw->loop, gw->ctl_fd);
		close(gw->ctl_fd);
		gw->ctl_fd = -1;
	}
	/*
	 * The waiting clients first, so that an answer cancelled below gives
	 * its slot to nobody; then the reads (a cancelled read is not
	 * answered); then the answers. Each ends its client and clears its
	 * slot.
	 */
	for (unsigned int i = 0; i < GW_CTL_MAX_CLIENTS; i++) {
		struct ctl_client *c = gw->ctl_clients[i];

		if (c && c->waiting) {
			close(c->fd);
			client_end(c);
		}
	}
	for (unsigned int i = 0; i < GW_CTL_MAX_CLIENTS; i++)
		if (gw->ctl_clients[i] && gw->ctl_clients[i]->rx)
			looprecv_cancel(gw->ctl_clients[i]->rx);
	for (unsigned int i = 0; i < GW_CTL_MAX_CLIENTS; i++)
		if (gw->ctl_clients[i] && gw->ctl_clients[i]->tx)
			loopsend_cancel(gw->ctl_clients[i]->tx);
	loop_timer_stop(gw->loop, &gw->ctl_retry);
	loop_timer_stop(gw->loop, &gw->ctl_accept_retry);
}
