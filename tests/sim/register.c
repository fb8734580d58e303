// SPDX-License-Identifier: GPL-2.0
/*
 * avpn-gwsim "register" mode: a few gateways, each with its own socket on its
 * own 127.x address, driven by the real regclient state machine.  Prints
 * what each gateway learnt, one tab-separated line per fact, for the
 * integration tests to assert on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>

#include "base/endpoint.h"
#include "base/prefix.h"
#include "gwsim.h"

struct send_ctx {
	struct sim *s;
	struct sim_gw *g;
};

static void do_send(void *vctx, unsigned int ul, unsigned int reg, const uint8_t *msg, size_t len)
{
	struct send_ctx *c = vctx;

	if (c->g->silent > 1)
		return; /* stopped: emulates a gateway that died */
	if (c->s->record && !c->s->recorded && reg == 0) {
		FILE *f = fopen(c->s->record, "w");

		/* A genuine datagram for registry 1, for the cross-registry replay test. */
		if (f) {
			c->s->recorded = fwrite(msg, 1, len, f) == len;
			fclose(f);
		}
	}
	sendto(c->g->fd[reg], msg, len, 0, (struct sockaddr *)&c->s->reg[reg],
	       sizeof(c->s->reg[reg]));
}

/* The high-port echo: to the registry's address, its echo port. */
static void do_send_port(void *vctx, unsigned int ul, unsigned int reg, uint16_t port,
			 const uint8_t *msg, size_t len)
{
	struct send_ctx *c = vctx;
	struct sockaddr_in dst = c->s->reg[reg];

	if (c->g->silent > 1 || c->g->echo_blocked)
		return; /* dead, or an upstream firewall that drops high ports */
	dst.sin_port = htons(port);
	sendto(c->g->fd[reg], msg, len, 0, (struct sockaddr *)&dst, sizeof(dst));
}

static int open_sock(struct in_addr a)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = a };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("avpn-gwsim: socket");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void fmt_ep(const struct endpoint *ep, char *buf, size_t len)
{
	if (ep->addr.family == AF_UNSPEC)
		snprintf(buf, len, "-");
	else
		endpoint_format(ep, buf, len);
}

static void print_gw(struct sim *s, struct sim_gw *g, const char *tag)
{
	const struct regclient *rc = &g->rc;
	char a[64], b[64];

	fmt_ep(&rc->link[0][0].observed, a, sizeof(a));
	fmt_ep(&rc->link[0][s->n_reg > 1].observed, b, sizeof(b));
	printf("%s\t%s\tnat=%s\treg0=%s\treg1=%s\tpeers=%u\tversion=%016llx\techo=%s\n", tag,
	       g->name, proto_nat_name(regclient_nat(rc, 0)), a, s->n_reg > 1 ? b : "-",
	       rc->peers.n, (unsigned long long)rc->version,
	       proto_echo_name(regclient_echo(rc, 0)));
	if (regclient_self(rc)) {
		const struct proto_self *m = regclient_self(rc);
		char ep[64];

		/* Our own settings (SELF record): flags, purge, manual endpoints, classes, rules. */
		printf("%s-self\t%s\tflags=%s%s\tpurge=%u\tmanual=", tag, g->name,
		       m->flags & PROTO_SELF_ACTIVE_ACTIVE ? "active-active," : "",
		       m->flags & PROTO_SELF_MANUAL_NAT ? "manual-nat" : "", m->purge_s);
		for (unsigned int k = 0; k < m->n_manual; k++) {
			fmt_ep(&m->manual[k], ep, sizeof(ep));
			printf("%s%s", k ? "," : "", ep);
		}
		printf("\tclasses=");
		for (unsigned int k = 0; k < m->n_classes; k++)
			printf("%s%s:%d/%d/%d", k ? "," : "", m->classes[k].name,
			       (int)m->classes[k].max_latency_ms, (int)m->classes[k].max_loss_bp,
			       (int)m->classes[k].max_jitter_ms);
		printf("\tprefs=");
		for (unsigned int k = 0; k < m->n_prefs; k++) {
			const struct proto_flow_pref *f = &m->prefs[k];

			printf("%s%02x/%u", k ? "," : "", f->fields, f->uplink);
			if (f->fields & PROTO_FP_PROTO)
				printf("/p%u", f->protocol);
			if (f->fields & PROTO_FP_SRC)
				printf("/s%s", prefix_format(&f->src, ep, sizeof(ep)));
			if (f->fields & PROTO_FP_DST)
				printf("/d%s", prefix_format(&f->dst, ep, sizeof(ep)));
			if (f->fields & PROTO_FP_DPORT)
				printf("/dp%u-%u", f->dport_lo, f->dport_hi);
			if (f->fields & PROTO_FP_DSCP)
				printf("/q%u", f->dscp);
			if (f->fields & PROTO_FP_CLASS)
				printf("/c%u", f->class_idx);
		}
		printf("\n");
	}
	for (uint32_t i = 0; i < rc->peers.n; i++) {
		const struct regclient_peer *p = &rc->peers.v[i];
		char sub[64], psk[8];

		printf("%s-peer\t%s\t%s\t%s\tprio=%u\tflags=%s%s%s", tag, g->name, p->info.name,
		       p->info.role == PROTO_ROLE_HUB ? "hub" : "spoke", p->info.hub_prio,
		       p->info.flags & PROTO_PEER_DEFAULT_ROUTE ? "default-route," : "",
		       p->info.flags & PROTO_PEER_EXIT_HUB ? "exit-hub," : "",
		       p->info.flags & PROTO_PEER_ACTIVE_ACTIVE ? "active-active" : "");
		printf("\troutes=");
		for (uint32_t k = 0, first = 1; k < p->n_subnets; k++) {
			if (!(p->subnets[k].flags & PROTO_SUB_ROUTE))
				continue;
			prefix_format(&p->subnets[k].prefix, sub, sizeof(sub));
			printf("%s%s@%u", first ? "" : ",", sub, p->subnets[k].metric);
			first = 0;
		}
		printf("\tallowed=");
		for (uint32_t k = 0, first = 1; k < p->n_subnets; k++) {
			if (!(p->subnets[k].flags & PROTO_SUB_ALLOWED))
				continue;
			prefix_format(&p->subnets[k].prefix, sub, sizeof(sub));
			printf("%s%s", first ? "" : ",", sub);
			first = 0;
		}
		printf("\tendpoints=");
		for (unsigned int k = 0; k < p->info.n_ep; k++) {
			static const char *kind[] = { "public", "private", "manual" };

			fmt_ep(&p->info.ep[k].ep, sub, sizeof(sub));
			printf("%swan%u:%s:%s", k ? "," : "", p->info.ep[k].uplink + 1,
			       kind[p->info.ep[k].kind], sub);
		}
		/* psk: only a fingerprint, enough to compare both ends of a pair */
		snprintf(psk, sizeof(psk), "%02x%02x%02x", p->info.psk[0], p->info.psk[1],
			 p->info.psk[2]);
		printf("\tpsk=%s\n", psk);
	}
}

/* Registered everywhere, and the high-port echo (if offered) has a result. */
static int all_links_up(struct sim *s, struct sim_gw *g)
{
	for (unsigned int r = 0; r < s->n_reg; r++) {
		const struct regclient_link *l = &g->rc.link[0][r];

		if (l->state != REGCLIENT_REGISTERED)
			return 0;
		if (l->echo_port && l->echo == PROTO_ECHO_UNKNOWN)
			return 0;
	}
	return 1;
}

/* Which registry a datagram is from: its port, or its echo port. */
static unsigned int reg_of(struct sim *s, const struct regclient *rc, const struct sockaddr_in *src)
{
	for (unsigned int r = 0; r < s->n_reg; r++)
		if (src->sin_addr.s_addr == s->reg[r].sin_addr.s_addr &&
		    (src->sin_port == s->reg[r].sin_port ||
		     (regclient_echo_port(rc, r) &&
		      src->sin_port == htons(regclient_echo_port(rc, r)))))
			return r;
	return UINT32_MAX;
}

/*
 * Synthetic path status, one path per peer: up, 20 ms + 1 ms per position,
 * 1 % loss, jitter 3 ms + 0.1 ms per position, so the registry's API has something known to show.
 */
static void set_paths(struct sim_gw *g)
{
	const struct regclient_peerlist *l = &g->rc.peers;

	free(g->paths);
	g->paths = calloc(l->n ? l->n : 1, sizeof(*g->paths));
	g->rc.paths = g->paths;
	g->rc.n_paths = 0;
	g->rc.path_off = 0;
	if (!g->paths)
		return;
	for (uint32_t i = 0; i < l->n; i++) {
		memcpy(g->paths[i].peer_pk, l->v[i].info.pk, 32);
		g->paths[i].up = 1;
		g->paths[i].rtt_us = 20000 + 1000 * i;
		g->paths[i].loss = 100;
		g->paths[i].jitter_us = 3000 + 100 * i;
	}
	g->rc.n_paths = l->n;
}

static int phase2; /* registration done: pushes from now on are measured */

static void rx_all(struct sim *s, int ep, int timeout_ms)
{
	struct epoll_event ev[64];
	int n = epoll_wait(ep, ev, 64, timeout_ms);

	for (int i = 0; i < n; i++) {
		uint32_t gi = ev[i].data.u32 >> 1, fi = ev[i].data.u32 & 1;
		struct sim_gw *g = &s->gw[gi];
		struct send_ctx c = { s, g };
		uint8_t buf[PROTO_MAX_MSG + 1];
		struct sockaddr_in src;
		socklen_t sl = sizeof(src);
		ssize_t len;

		while ((len = recvfrom(g->fd[fi], buf, sizeof(buf), 0, (struct sockaddr *)&src,
				       &sl)) >= 0) {
			unsigned int r = reg_of(s, &g->rc, &src);
			uint64_t now = clock_mono_ms();
			int evs;

			sl = sizeof(src);
			if (r == UINT32_MAX || g->silent > 1)
				continue;
			evs = regclient_input(&g->rc, now, 0, r, buf, (size_t)len, do_send, &c);
			if (evs < 0)
				continue;
			/* Only pushes announcing a new config version count. */
			if (evs & REGCLIENT_EV_PUSH && !g->push_ms && phase2 &&
			    g->rc.last_push_version != g->rc.version) {
				g->push_ms = now;
				printf("push\t%s\t%llu\n", g->name,
				       (unsigned long long)clock_realtime_ns());
			}
			if (evs & REGCLIENT_EV_PEERS) {
				set_paths(g);
				g->done = 1;
				if (g->push_ms && !g->repeers_ms)
					g->repeers_ms = now;
			}
		}
	}
}

static void tick_all(struct sim *s)
{
	uint64_t now = clock_mono_ms();

	for (uint32_t i = 0; i < s->n; i++) {
		struct send_ctx c = { s, &s->gw[i] };

		if (regclient_next_ms(&s->gw[i].rc) <= now)
			regclient_tick(&s->gw[i].rc, now, do_send, &c);
	}
}

static const char *diag_status(uint8_t st)
{
	return st == PROTO_DIAG_OK ? "ok" : st == PROTO_DIAG_NEVER ? "never" : "not-peer";
}

/*
 * --diag: every gateway asks the registries about each of its peers (DIAG)
 * and prints each answer: one line per (gateway, peer, registry).
 */
static void diag_all(struct sim *s, int ep)
{
	for (uint32_t i = 0; i < s->n; i++) {
		struct sim_gw *g = &s->gw[i];
		struct send_ctx c = { s, g };

		if (g->silent > 1)
			continue;
		for (uint32_t k = 0; k < g->rc.peers.n; k++) {
			const struct regclient_peer *p = &g->rc.peers.v[k];
			uint64_t end = clock_mono_ms() + 2000;
			int asked =
				regclient_diag(&g->rc, clock_mono_ms(), p->info.pk, do_send, &c);

			while (asked > 0 && clock_mono_ms() < end) {
				unsigned int got = 0;

				for (unsigned int r = 0; r < s->n_reg; r++)
					got += regclient_diag_answer(&g->rc, r, NULL) != NULL;
				if (got == (unsigned int)asked)
					break;
				rx_all(s, ep, 10);
			}
			for (unsigned int r = 0; r < s->n_reg; r++) {
				const struct proto_diag_resp *a =
					regclient_diag_answer(&g->rc, r, NULL);

				if (!a)
					continue;
				printf("diag\t%s\t%s\treg=%u\tstatus=%s\tconnected=%u\tuplinks=",
				       g->name, p->info.name, r + 1, diag_status(a->status),
				       a->connected);
				for (unsigned int u = 0; u < a->n_uplinks; u++)
					printf("%swan%u:%s:%s:%u", u ? "," : "",
					       a->uplinks[u].uplink + 1,
					       proto_nat_name(a->uplinks[u].nat),
					       proto_echo_name(a->uplinks[u].echo),
					       a->uplinks[u].connected);
				printf("\tpaths=");
				for (unsigned int u = 0; u < a->n_paths; u++)
					printf("%swan%u-wan%u:%s:%u:%u", u ? "," : "",
					       a->paths[u].local_uplink + 1,
					       a->paths[u].remote_uplink + 1,
					       a->paths[u].up ? "up" : "down", a->paths[u].rtt_us,
					       a->paths[u].loss);
				printf("\n");
			}
		}
	}
	fflush(stdout);
}

int sim_register(struct sim *s, double timeout_s, double run_s, double push_wait_s, int print)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), rc = 1;
	uint64_t t0 = clock_mono_ms(), deadline = t0 + (uint64_t)(timeout_s * 1000);
	uint32_t ok;

	for (uint32_t i = 0; i < s->n; i++) {
		struct sim_gw *g = &s->gw[i];
		struct regclient_cfg cfg = { 0 };
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);

		g->fd[0] = open_sock(g->addr);
		if (g->fd[0] < 0)
			return 1;
		g->fd[1] = g->unfriendly ? open_sock(g->addr) : g->fd[0];
		if (g->fd[1] < 0)
			return 1;
		for (unsigned int f = 0; f < (g->unfriendly ? 2u : 1u); f++) {
			struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i << 1 | f };

			epoll_ctl(ep, EPOLL_CTL_ADD, g->fd[f], &ev);
		}
		getsockname(g->fd[0], (struct sockaddr *)&sa, &sl);
		memcpy(cfg.sk, g->sk, 32);
		memcpy(cfg.pk, g->pk, 32);
		memcpy(cfg.registry_pk, s->registry_pk, 32);
		cfg.n_registries = s->n_reg;
		cfg.n_uplinks = 1;
		endpoint_from_sockaddr(&cfg.local[0], (struct sockaddr *)&sa, sizeof(sa));
		cfg.retry_ms = 200;
		cfg.send_port = do_send_port;
		if (regclient_init(&g->rc, &cfg, clock_mono_ms())) {
			fprintf(stderr, "avpn-gwsim: %s: unusable registry key\n", g->name);
			return 1;
		}
	}
	/* Phase 1: everyone registered with every registry and has its peers. */
	for (;;) {
		ok = 0;
		for (uint32_t i = 0; i < s->n; i++)
			ok += s->gw[i].done && all_links_up(s, &s->gw[i]);
		if (ok == s->n || clock_mono_ms() > deadline)
			break;
		tick_all(s);
		rx_all(s, ep, 20);
	}
	if (ok != s->n) {
		fprintf(stderr, "avpn-gwsim: only %u of %u gateways registered within %.1f s\n", ok,
			s->n, timeout_s);
		for (uint32_t i = 0; i < s->n; i++)
			if (!s->gw[i].done || !all_links_up(s, &s->gw[i]))
				fprintf(stderr, "  %s: not registered (rx auth %llu replay %llu)\n",
					s->gw[i].name,
					(unsigned long long)s->gw[i].rc.stats.rx_auth,
					(unsigned long long)s->gw[i].rc.stats.rx_replay);
		goto out;
	}
	if (print)
		for (uint32_t i = 0; i < s->n; i++)
			print_gw(s, &s->gw[i], "gw");
	printf("ready\t%u\t%llu\n", s->n, (unsigned long long)(clock_mono_ms() - t0));
	fflush(stdout);
	for (uint32_t i = 0; i < s->n; i++) {
		if (s->gw[i].silent)
			s->gw[i].silent = 2;
		/* Pushes during registration (peers coming up) do not count. */
		s->gw[i].push_ms = s->gw[i].repeers_ms = 0;
	}
	phase2 = 1;

	/* Phase 2: keep the others alive, optionally until all saw a push. */
	deadline = clock_mono_ms() + (uint64_t)((run_s > push_wait_s ? run_s : push_wait_s) * 1000);
	for (;;) {
		uint32_t pushed = 0, active = 0;

		for (uint32_t i = 0; i < s->n; i++) {
			active += s->gw[i].silent < 2;
			pushed += s->gw[i].silent < 2 && s->gw[i].repeers_ms;
		}
		if (push_wait_s > 0 && pushed == active && run_s <= 0)
			break;
		if (clock_mono_ms() > deadline)
			break;
		tick_all(s);
		rx_all(s, ep, 10);
		fflush(stdout);
	}
	rc = 0;
	if (s->diag)
		diag_all(s, ep);
	if (push_wait_s > 0) {
		for (uint32_t i = 0; i < s->n; i++) {
			struct sim_gw *g = &s->gw[i];

			if (g->silent > 1)
				continue;
			if (!g->repeers_ms) {
				fprintf(stderr, "avpn-gwsim: %s got no push\n", g->name);
				rc = 1;
				continue;
			}
			if (print)
				print_gw(s, g, "after");
		}
	}
out:
	fflush(stdout);
	for (uint32_t i = 0; i < s->n; i++) {
		if (s->gw[i].fd[1] != s->gw[i].fd[0] && s->gw[i].fd[1] >= 0)
			close(s->gw[i].fd[1]);
		if (s->gw[i].fd[0] >= 0)
			close(s->gw[i].fd[0]);
		regclient_free(&s->gw[i].rc);
		free(s->gw[i].paths);
	}
	close(ep);
	return rc;
}
