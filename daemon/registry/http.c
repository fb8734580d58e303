// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON API (docs/protocol.md, "Status API"): libmicrohttpd without its
 * own thread, its epoll fd polled by the registry's loop, so handlers read
 * the registry's state directly and lock-free.
 *
 * Slow clients (issue 9 #16). libmicrohttpd's timeout is an idle timeout: a
 * client that trickles a header line every few seconds keeps a connection
 * forever, and its connection limit then locks everybody out. So, besides a
 * larger limit and a per-address one, every connection is tracked here with
 * a deadline: its request headers must be complete HTTP_HEADER_MS after it
 * opened (or after its previous request finished), and its answer must be
 * sent HTTP_ANSWER_MS after that; at most HTTP_MAX_WAITING connections may
 * wait for their headers at once, the oldest is cut first. Cutting is a
 * shutdown() of the socket, which libmicrohttpd then sees as the client
 * closing. A few slow clients therefore hold a bounded number of
 * connections for a bounded time, and an operator's request, which sends
 * its headers at once, always finds room.
 *
 *   GET /api/v1/org              org config summary
 *   GET /api/v1/gateways         every gateway's registration state (streamed)
 *   GET /api/v1/gateways/<name>  one gateway with peers, subnets, path status
 *   GET /api/v1/stats            counters, drops by reason
 *   GET /metrics                 the same for Prometheus (metrics.c)
 *   GET / or /status             the VPN status page (statuspage.c)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include <json-c/json.h>

#include "base/endpoint.h"
#include "base/key.h"
#include "base/prefix.h"
#include "registry.h"

#define HTTP_MAX_CONNECTIONS 256u
#define HTTP_PER_IP 16u
#define HTTP_MAX_WAITING 64u
#define HTTP_HEADER_MS 5000
#define HTTP_ANSWER_MS 30000
#define HTTP_IDLE_S 10u

enum http_phase { HTTP_WAITING, HTTP_ANSWERING, HTTP_CUT };

/* One TCP connection of the API (libmicrohttpd's socket context). */
struct http_conn {
	struct http_conn *prev, *next; /* in its phase's list, oldest first */
	int fd;
	uint8_t phase;
	uint64_t since_ms; /* start of the phase */
};

struct http_list {
	struct http_conn *head, *tail;
	unsigned int n;
};

struct http_conns {
	struct http_list waiting, answering;
	uint64_t cut; /* connections cut for being slow (stats) */
};

static struct http_list *phase_list(struct http_conns *cs, uint8_t phase)
{
	return phase == HTTP_WAITING   ? &cs->waiting :
	       phase == HTTP_ANSWERING ? &cs->answering :
					 NULL;
}

static void conn_unlink(struct http_conns *cs, struct http_conn *c)
{
	struct http_list *l = phase_list(cs, c->phase);

	if (!l)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
	l->n--;
}

static void conn_enter(struct http_conns *cs, struct http_conn *c, uint8_t phase, uint64_t now)
{
	struct http_list *l;

	conn_unlink(cs, c);
	c->phase = phase;
	c->since_ms = now;
	l = phase_list(cs, phase);
	if (!l)
		return;
	c->prev = l->tail;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
	l->n++;
}

/* Ends a connection that was too slow; libmicrohttpd sees it close and cleans up. */
static void conn_cut(struct http_conns *cs, struct http_conn *c)
{
	conn_enter(cs, c, HTTP_CUT, 0);
	shutdown(c->fd, SHUT_RDWR);
	cs->cut++;
}

/* Cuts what is past its deadline, and the oldest waiting beyond the bound. */
static void conns_sweep(struct http_conns *cs, uint64_t now)
{
	while (cs->waiting.head && (cs->waiting.n > HTTP_MAX_WAITING ||
				    now - cs->waiting.head->since_ms >= HTTP_HEADER_MS))
		conn_cut(cs, cs->waiting.head);
	while (cs->answering.head && now - cs->answering.head->since_ms >= HTTP_ANSWER_MS)
		conn_cut(cs, cs->answering.head);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct registry *r = cls;
	struct http_conns *cs = r->http_conns;
	struct http_conn *c = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

		c = calloc(1, sizeof(*c));
		if (!c || !ci) {
			/* Untracked, it would escape the deadlines: do not serve it. */
			free(c);
			if (ci)
				shutdown(ci->connect_fd, SHUT_RDWR);
			*socket_context = NULL;
			return;
		}
		c->fd = ci->connect_fd;
		c->phase = HTTP_CUT; /* in no list yet */
		conn_enter(cs, c, HTTP_WAITING, clock_mono_ms());
		*socket_context = c;
		conns_sweep(cs, clock_mono_ms());
	} else if (c) {
		conn_unlink(cs, c);
		free(c);
		*socket_context = NULL;
	}
}

static struct http_conn *conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* A request finished: the next one on this connection has its header deadline. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct registry *r = cls;
	struct http_conn *c = conn_of(conn);

	if (c && c->phase != HTTP_CUT)
		conn_enter(r->http_conns, c, HTTP_WAITING, clock_mono_ms());
}

static json_object *jstr(const char *s)
{
	return json_object_new_string(s ? s : "");
}

static json_object *jep(const struct endpoint *ep)
{
	char buf[ENDPOINT_STRLEN];

	return ep->addr.family != AF_UNSPEC ? jstr(endpoint_format(ep, buf, sizeof(buf))) : NULL;
}

static json_object *jkey(const uint8_t *k)
{
	char b64[KEY_B64_SIZE];

	key_to_base64(b64, k);
	return jstr(b64);
}

static json_object *jprefix(const struct prefix *p)
{
	char buf[PREFIX_STRLEN];

	return jstr(prefix_format(p, buf, sizeof(buf)));
}

/* One gateway of /api/v1/gateways (an httplist element). */
static json_object *gateway_summary(struct registry *r, uint32_t i, uint64_t now)
{
	const struct orgconf_network *n = &r->cfg->networks[i];
	const struct gwtable_entry *g = &r->gws[i];
	json_object *o = json_object_new_object(), *ups = json_object_new_array();
	uint64_t last = 0;
	uint8_t nat = PROTO_NAT_UNKNOWN;
	const char *state;
	bool up;

	json_object_object_add(o, "name", jstr(n->name));
	json_object_object_add(o, "mode", jstr(orgconf_mode_name(n->mode)));
	if (n->has_public_key)
		json_object_object_add(o, "public_key", jkey(n->public_key));
	for (unsigned int u = 0; u < PROTO_MAX_UPLINKS; u++) {
		const struct gwtable_uplink *gu = &g->ul[u];
		json_object *uo;

		if (!gu->last_ms)
			continue;
		uo = json_object_new_object();
		json_object_object_add(uo, "uplink", jstr(u ? "wan2" : "wan1"));
		up = gwtable_uplink_connected(r, gu, now);
		json_object_object_add(uo, "connected", json_object_new_boolean(up));
		json_object_object_add(uo, "public", jep(&gu->pub));
		json_object_object_add(uo, "private", jep(&gu->priv));
		json_object_object_add(uo, "nat", jstr(proto_nat_name(gu->nat)));
		json_object_object_add(uo, "highport_echo", jstr(proto_echo_name(gu->echo)));
		json_object_object_add(uo, "last_seen_ms_ago",
				       json_object_new_int64((int64_t)(now - gu->last_ms)));
		json_object_array_add(ups, uo);
		if (gu->last_ms > last) {
			last = gu->last_ms;
			nat = gu->nat;
		}
	}
	if (!g->registered)
		state = "never";
	else
		state = gwtable_connected(r, g, now) ? "connected" : "disconnected";
	json_object_object_add(o, "state", jstr(state));
	/* Manual port forwarding is a config fact, whatever the gateway measured. */
	if (n->nat_manual)
		nat = PROTO_NAT_MANUAL;
	json_object_object_add(o, "nat", jstr(proto_nat_name(nat)));
	json_object_object_add(o, "last_seen_ms_ago",
			       last ? json_object_new_int64((int64_t)(now - last)) : NULL);
	json_object_object_add(o, "config_version_seen",
			       json_object_new_boolean(g->seen_version == r->cfg->version));
	json_object_object_add(o, "uplinks", ups);
	return o;
}

static json_object *exported(const struct orgconf_network *n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n->n_subnets; i++) {
		json_object *s;

		if (!n->subnets[i].use_vpn)
			continue;
		s = json_object_new_object();
		json_object_object_add(s, "name", jstr(n->subnets[i].name));
		json_object_object_add(s, "subnet", jprefix(&n->subnets[i].prefix));
		json_object_array_add(a, s);
	}
	return a;
}

/* The gateway's samples (history.c), oldest first. */
static json_object *history(const struct gwtable_entry *g, uint64_t now)
{
	json_object *a = json_object_new_array();
	const struct history_sample *h;

	for (uint32_t i = 0; (h = history_get(g, i)); i++) {
		json_object *so = json_object_new_object();

		json_object_object_add(so, "ago_ms",
				       json_object_new_int64((int64_t)(now - h->at_ms)));
		json_object_object_add(so, "latency_ms",
				       json_object_new_double(h->rtt_us / 1000.0));
		json_object_object_add(so, "loss_pct", json_object_new_double(h->loss / 100.0));
		json_object_object_add(so, "paths_up", json_object_new_int(h->up));
		json_object_object_add(so, "paths", json_object_new_int(h->paths));
		json_object_array_add(a, so);
	}
	return a;
}

static json_object *gateway_detail(struct registry *r, uint32_t i, uint64_t now)
{
	json_object *o = gateway_summary(r, i, now), *peers = json_object_new_array();
	json_object *paths = json_object_new_array();
	const struct gwtable_entry *g = &r->gws[i];
	struct topology_view *v = NULL;

	json_object_object_add(o, "exported_subnets", exported(&r->cfg->networks[i]));
	if (!topology_compute(r->topo, i, &v)) {
		for (size_t k = 0; k < v->n_peers; k++) {
			const struct topology_peer *p = &v->peers[k];
			json_object *po = json_object_new_object(), *rt = json_object_new_array();
			bool dflt = p->flags & TOPOLOGY_PEER_DEFAULT_ROUTE;
			bool exit_hub = p->flags & TOPOLOGY_PEER_EXIT_HUB;
			bool up = gwtable_connected(r, &r->gws[p->net], now);

			json_object_object_add(po, "name", jstr(p->network->name));
			json_object_object_add(po, "role", jstr(orgconf_mode_name(p->role)));
			json_object_object_add(po, "priority",
					       json_object_new_int((int)p->priority));
			json_object_object_add(po, "default_route", json_object_new_boolean(dflt));
			json_object_object_add(po, "exit_hub", json_object_new_boolean(exit_hub));
			json_object_object_add(po, "state",
					       jstr(up ? "connected" : "disconnected"));
			for (size_t j = 0; j < p->n_routes; j++) {
				const struct topology_route *rte = &p->routes[j];
				json_object *ro = json_object_new_object();

				json_object_object_add(ro, "subnet", jprefix(&rte->prefix));
				json_object_object_add(ro, "metric",
						       json_object_new_int((int)rte->metric));
				json_object_array_add(rt, ro);
			}
			json_object_object_add(po, "routes", rt);
			json_object_array_add(peers, po);
		}
		topology_view_free(v);
	}
	json_object_object_add(o, "peers", peers);
	for (uint32_t k = 0; g->paths && k < g->paths->n; k++) {
		const struct gwtable_path *p = &g->paths->v[k];
		json_object *po = json_object_new_object();

		json_object_object_add(po, "peer", jstr(r->cfg->networks[p->peer].name));
		json_object_object_add(po, "local_uplink", jstr(p->lu ? "wan2" : "wan1"));
		json_object_object_add(po, "remote_uplink", jstr(p->ru ? "wan2" : "wan1"));
		json_object_object_add(po, "up", json_object_new_boolean(p->up));
		json_object_object_add(po, "latency_ms",
				       json_object_new_double(p->rtt_us / 1000.0));
		json_object_object_add(po, "loss_pct", json_object_new_double(p->loss / 100.0));
		json_object_object_add(po, "jitter_ms",
				       json_object_new_double(p->jitter_us / 1000.0));
		json_object_object_add(po, "reported_ms_ago",
				       json_object_new_int64((int64_t)(now - p->at_ms)));
		json_object_object_add(po, "changed_ms_ago",
				       json_object_new_int64((int64_t)(now - p->changed_ms)));
		json_object_array_add(paths, po);
	}
	json_object_object_add(o, "paths", paths);
	json_object_object_add(o, "history_step_ms",
			       json_object_new_int64((int64_t)history_step_ms(r)));
	json_object_object_add(o, "history", history(g, now));
	return o;
}

/* One network of /api/v1/org (an httplist element). */
static json_object *org_network(struct registry *r, uint32_t i, uint64_t now)
{
	const struct orgconf *c = r->cfg;
	const struct orgconf_network *n = &c->networks[i];
	json_object *no = json_object_new_object(), *hubs = json_object_new_array();
	json_object *exits = json_object_new_array();

	(void)now;
	json_object_object_add(no, "name", jstr(n->name));
	json_object_object_add(no, "mode", jstr(orgconf_mode_name(n->mode)));
	for (size_t h = 0; h < n->n_hubs; h++) {
		json_object *ho = json_object_new_object();

		json_object_object_add(ho, "name", jstr(c->networks[n->hubs[h].net].name));
		json_object_object_add(ho, "default_route",
				       json_object_new_boolean(n->hubs[h].default_route));
		json_object_array_add(hubs, ho);
	}
	for (size_t h = 0; h < n->n_exit_hubs; h++)
		json_object_array_add(exits, jstr(c->networks[n->exit_hubs[h]].name));
	json_object_object_add(no, "hubs", hubs);
	json_object_object_add(no, "exit_hubs", exits);
	json_object_object_add(no, "exported_subnets", exported(n));
	json_object_object_add(no, "nat_traversal", jstr(n->nat_manual ? "manual" : "auto"));
	json_object_object_add(no, "active_active", json_object_new_boolean(n->active_active));
	return no;
}

/*
 * /api/v1/org: the org's fields, then "networks" (its last member), one
 * element per network, streamed. The head is the object without networks,
 * printed by json-c, its closing brace replaced by the array's opening, so
 * the bytes are those of the whole object printed at once.
 */
static struct MHD_Response *org_summary(struct registry *r)
{
	static const char open_networks[] = ",\"networks\":[";
	const struct orgconf *c = r->cfg;
	json_object *o = json_object_new_object();
	struct MHD_Response *resp = NULL;
	unsigned int count[3] = { 0 };
	const char *s;
	char ver[24];
	char *head;
	size_t len;

	for (size_t i = 0; i < c->n_networks; i++)
		count[c->networks[i].mode]++;
	snprintf(ver, sizeof(ver), "%016llx", (unsigned long long)c->version);
	json_object_object_add(o, "name", jstr(c->name));
	json_object_object_add(o, "version", jstr(ver));
	json_object_object_add(o, "config", jstr(c->path));
	json_object_object_add(o, "registry_id", json_object_new_int64(r->id));
	json_object_object_add(o, "registry_public_key", jkey(c->registry_public_key));
	json_object_object_add(o, "keepalive_ms", json_object_new_int64(r->keepalive_ms));
	json_object_object_add(o, "peer_purge_s", json_object_new_int64(c->peer_purge_secs));
	json_object_object_add(o, "hubs", json_object_new_int((int)count[ORGCONF_MODE_HUB]));
	json_object_object_add(o, "spokes", json_object_new_int((int)count[ORGCONF_MODE_SPOKE]));
	json_object_object_add(o, "off", json_object_new_int((int)count[ORGCONF_MODE_OFF]));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	len = s ? strlen(s) : 0;
	head = len && s[len - 1] == '}' ? malloc(len - 1 + sizeof(open_networks)) : NULL;
	if (head) {
		memcpy(head, s, len - 1); /* without its '}' */
		memcpy(head + len - 1, open_networks, sizeof(open_networks));
		resp = httplist_response(r, head, strlen(head), "]}", org_network);
		free(head);
	}
	json_object_put(o);
	return resp;
}

static json_object *stats(struct registry *r, uint64_t now)
{
	json_object *o = json_object_new_object(), *d = json_object_new_object();
	const struct registry_stats *s = &r->st;
	uint32_t reg = 0, conn = 0;

	for (size_t i = 0; i < r->cfg->n_networks; i++) {
		reg += r->gws[i].registered;
		conn += (uint32_t)gwtable_connected(r, &r->gws[i], now);
	}
#define N(obj, name, v) json_object_object_add(obj, name, json_object_new_int64((int64_t)(v)))
	N(o, "registry_id", r->id);
	N(o, "gateways", r->cfg->n_networks);
	N(o, "registered", reg);
	N(o, "connected", conn);
	N(o, "rx", s->rx);
	N(o, "tx", s->tx);
	N(o, "tx_fail", s->tx_fail);
	N(o, "registers", s->registers);
	N(o, "keepalives", s->keepalives);
	N(o, "pages", s->pages);
	N(o, "pushes", s->pushes);
	N(o, "echoes", s->echoes);
	N(o, "diags", s->diags);
	N(o, "echo_port", r->echo_port);
	N(o, "push_pending", r->push_pending + r->peers_pending);
	N(o, "reloads", s->reloads);
	N(o, "http_cut", r->http_conns ? r->http_conns->cut : 0);
	N(o, "http_reload_cut", s->http_reload_cut);
	N(o, "reload_failures", s->reload_failures);
	N(d, "short", s->drop_short);
	N(d, "type", s->drop_type);
	N(d, "misdirected", s->drop_misdirected);
	N(d, "unknown_key", s->drop_unknown_key);
	N(d, "bad_key", s->drop_no_key);
	N(d, "replay", s->drop_replay);
	N(d, "stale", s->drop_stale);
	N(d, "auth", s->drop_auth);
	N(d, "malformed", s->drop_malformed);
#undef N
	json_object_object_add(o, "drops", d);
	json_object_object_add(o, "config_version", json_object_new_uint64(r->cfg->version));
	return o;
}

/* Queues @resp (NULL: it could not be made) as JSON, and lets it go. */
static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned int code,
				  struct MHD_Response *resp)
{
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	ret = MHD_queue_response(c, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int code, json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(strlen(s), (void *)s, MHD_RESPMEM_MUST_COPY);
	json_object_put(o);
	return reply_json(c, code, resp);
}

uint64_t http_cut_count(const struct registry *r)
{
	return r->http_conns ? r->http_conns->cut : 0;
}

/*
 * GET /metrics: text exposition 0.0.4, built in memory and handed to MHD
 * as one response that every connection sends (base/scrape_cache.h):
 * rendered at most once a second, since it walks every gateway, uplink and
 * path on the registry's only thread, and not copied per connection, since
 * it runs to megabytes and each slow client would pin a copy.
 */
static enum MHD_Result reply_metrics(struct registry *r, struct MHD_Connection *c, uint64_t now)
{
	struct MHD_Response *resp;
	char *buf = NULL;
	size_t len = 0;

	resp = scrape_cache_get(&r->metrics_cache, now, SCRAPE_CACHE_MAX_AGE_MS);
	if (!resp) {
		FILE *f = open_memstream(&buf, &len);
		int err;

		if (!f)
			return MHD_NO;
		err = metrics_write(r, f, now);
		if (fclose(f) || err) {
			free(buf);
			return MHD_NO;
		}
		/* Stamped when done: a slow render still leaves a second without one. */
		resp = scrape_cache_put(&r->metrics_cache, buf, len, clock_mono_ms());
		if (!resp)
			return MHD_NO;
	}
	return MHD_queue_response(c, MHD_HTTP_OK, resp);
}

/* GET /: the status page (statuspage.c), static; it reads the JSON API. */
static enum MHD_Result reply_page(struct MHD_Connection *c)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(statuspage_html), (void *)statuspage_html,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
	/* Inline script and style only; nothing from elsewhere, not even by accident. */
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'none'; script-src 'unsafe-inline'; "
				"style-src 'unsafe-inline'; connect-src 'self'; img-src data:");
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static json_object *error_obj(const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "error", jstr(msg));
	return o;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	struct registry *r = cls;
	uint64_t now = clock_mono_ms();
	const char *gp = "/api/v1/gateways/";
	struct http_conn *hc = conn_of(c);

	/* Headers complete: from now on the answer's deadline applies. */
	if (hc && hc->phase == HTTP_WAITING)
		conn_enter(r->http_conns, hc, HTTP_ANSWERING, now);
	if (strcmp(method, "GET"))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, error_obj("only GET"));
	if (!strcmp(url, "/api/v1/org"))
		return reply_json(c, MHD_HTTP_OK, org_summary(r));
	if (!strcmp(url, "/api/v1/stats"))
		return reply(c, MHD_HTTP_OK, stats(r, now));
	if (!strcmp(url, "/metrics"))
		return reply_metrics(r, c, now);
	if (!strcmp(url, "/") || !strcmp(url, "/status"))
		return reply_page(c);
	if (!strcmp(url, "/api/v1/gateways"))
		return reply_json(c, MHD_HTTP_OK,
				  httplist_response(r, "[", 1, "]", gateway_summary));
	if (!strncmp(url, gp, strlen(gp))) {
		const struct orgconf_network *n = orgconf_find_network(r->cfg, url + strlen(gp));

		if (!n)
			return reply(c, MHD_HTTP_NOT_FOUND, error_obj("no such gateway"));
		return reply(c, MHD_HTTP_OK, gateway_detail(r, n->index, now));
	}
	return reply(c, MHD_HTTP_NOT_FOUND, error_obj("not found"));
}

/* MHD's longest sleep, capped at a second; at most a second if it names none. */
static uint64_t http_timeout_ms(struct registry *r)
{
	MHD_UNSIGNED_LONG_LONG t;

	if (MHD_get_timeout(r->mhd, &t) != MHD_YES || t > 1000)
		return 1000;
	return t;
}

/* MHD runs when its epoll fd is ready or its timeout expired. */
static void http_run(struct registry *r)
{
	conns_sweep(r->http_conns, clock_mono_ms());
	MHD_run(r->mhd);
	loop_timer_start(r->loop, &r->http_timer, http_timeout_ms(r), 0);
}

static void on_http_fd(struct loop *l, int fd, uint32_t events, void *arg)
{
	http_run(arg);
}

static void on_http_timer(struct loop *l, struct loop_timer *t, void *arg)
{
	http_run(arg);
}

int http_start(struct registry *r, const char *listen)
{
	struct endpoint ep;
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	const char *why;
	struct MHD_Daemon *d;
	unsigned int flags = MHD_USE_EPOLL;
	int ret;

	if (endpoint_parse(listen, &ep, &why)) {
		log_err("bad http listen address '%s': %s", listen, why);
		return -EINVAL;
	}
	endpoint_to_sockaddr(&ep, &ss);
	if (ep.addr.family == AF_INET6)
		flags |= MHD_USE_IPv6;
	r->http_conns = calloc(1, sizeof(*r->http_conns));
	if (!r->http_conns)
		return -ENOMEM;
	d = MHD_start_daemon(flags, ep.port, NULL, NULL, handler, r, MHD_OPTION_SOCK_ADDR, &ss,
			     MHD_OPTION_CONNECTION_LIMIT, HTTP_MAX_CONNECTIONS,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT, HTTP_PER_IP,
			     MHD_OPTION_CONNECTION_TIMEOUT, HTTP_IDLE_S,
			     MHD_OPTION_NOTIFY_CONNECTION, on_connection, r,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, r, MHD_OPTION_END);
	if (!d) {
		log_err("http: cannot listen on %s", listen);
		free(r->http_conns);
		r->http_conns = NULL;
		return -EADDRNOTAVAIL;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);
	ret = info ? loop_add_fd(r->loop, info->epoll_fd, EPOLLIN, on_http_fd, r) : -EIO;
	if (ret) {
		MHD_stop_daemon(d);
		free(r->http_conns);
		r->http_conns = NULL;
		return ret;
	}
	r->mhd = d;
	r->mhd_fd = info->epoll_fd;
	loop_timer_init(&r->http_timer, on_http_timer, r);
	ret = loop_timer_start(r->loop, &r->http_timer, http_timeout_ms(r), 0);
	if (ret) {
		http_stop(r);
		return ret;
	}
	log_info("http api on http://%s/api/v1/", listen);
	return 0;
}

void http_stop(struct registry *r)
{
	if (!r->mhd)
		return;
	loop_timer_stop(r->loop, &r->http_timer);
	loop_del_fd(r->loop, r->mhd_fd);
	MHD_stop_daemon(r->mhd); /* closes every connection: the list empties */
	r->mhd = NULL;
	free(r->http_conns);
	r->http_conns = NULL;
	scrape_cache_free(&r->metrics_cache);
}
