/* SPDX-License-Identifier: GPL-2.0 */
/*
 * registry.h - autovpn-registry internals.  One thread, one event loop
 * (base/loop.h): UDP sockets batched with recvmmsg/sendmmsg (net.c), message
 * handling (handle.c), the soft state of every gateway (gwtable.c), the cache
 * of computed peer lists (view.c), config load/reload (reload.c), pushes
 * (push.c) and the HTTP JSON API served by libmicrohttpd in external epoll
 * mode inside the same loop (http.c), so no state is shared between threads
 * and nothing needs a lock.  Each file's types and functions carry its name;
 * the registry's own state is struct registry.  Errors: 0 or -errno.
 */
#ifndef AVPN_REGISTRY_REGISTRY_H
#define AVPN_REGISTRY_REGISTRY_H

#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/loop.h"
#include "base/scrape_cache.h"
#include "conf/orgconf.h"
#include "conf/topology.h"
#include "wire/proto.h"
#include "wire/replay.h"
#include "wire/seal.h"

#define NET_MAX_SOCKS 32
#define NET_DEFAULT_PORT 9350
#define REGISTRY_DEFAULT_SKEW_S 600
/*
 * Registry ids: a gateway numbers the registries of its config 1, 2 in the
 * order it lists them, and addresses each message to one (seal.h "to"); a
 * registry runs with its number (--id) and drops messages for the other.
 */
#define REGISTRY_MAX_ID 2

/* Where a gateway's uplink talks to us: its address and our socket/address. */
struct gwtable_uplink {
	struct endpoint pub;  /* observed source ip:port */
	struct endpoint priv; /* what the gateway says its socket is bound to */
	uint8_t sock;	      /* index of our socket it came in on */
	uint8_t nat;	      /* NAT type the gateway reported */
	uint8_t echo;	      /* its high-port echo result (enum proto_echo_result) */
	struct addr local;    /* our address it was sent to (reply from it) */
	uint64_t last_ms;     /* 0 = never registered */
	uint64_t ctr;	      /* counter of the newest message taken from it, this life */
};

/* Path status reported by a gateway, per (peer, local uplink, remote uplink). */
struct gwtable_path {
	uint32_t peer; /* network index in the current config */
	uint8_t lu, ru, up;
	uint16_t loss;
	uint32_t rtt_us, jitter_us;
	uint64_t at_ms;
	uint64_t changed_ms; /* first report, or the last one that changed up */
};

struct gwtable_paths {
	uint32_t n, cap;
	struct gwtable_path v[];
};

/*
 * Soft state of one gateway, one per network of the current config (same
 * index).  Kept small: 100,000 gateways must fit in < 1 KiB each.
 */
struct gwtable_entry {
	uint8_t pk[32];		/* copy of the config's key: lookups touch one struct */
	struct seal_key key;	/* shared with the gateway; valid if key_ready */
	struct replay_state rs; /* its counters, per life (replay.h) */
	struct gwtable_uplink ul[PROTO_MAX_UPLINKS];
	struct gwtable_paths *paths; /* NULL until it reports any */
	struct history *history;     /* NULL until it reports paths (history.c) */
	uint64_t seen_version;	     /* config version it last said it holds */
	uint32_t hnext;		     /* hash chain (index + 1; 0 = end) */
	uint8_t key_ready;
	uint8_t push;	    /* PROTO_PUSH_* pending, 0 = none */
	uint8_t registered; /* ever registered with this registry */
};

/*
 * history.c: per gateway, a ring of samples of its reported paths, one per
 * HISTORY_STEP_KEEPALIVES keepalive intervals (a minute at the default):
 * the status page's charts of the last hour.
 */
#define HISTORY_SLOTS 60
#define HISTORY_STEP_KEEPALIVES 6
struct history_sample {
	uint64_t at_ms;	 /* monotonic */
	uint32_t rtt_us; /* mean RTT of the paths up, 0 if none */
	uint16_t loss;	 /* worst loss of the paths up, 1/10000 */
	uint16_t up, paths;
};
struct history {
	uint32_t head, n; /* next slot to write, samples held */
	struct history_sample v[HISTORY_SLOTS];
};

/* A computed peer list ready for paging, cached for a few gateways. */
struct view_cache {
	uint32_t net; /* UINT32_MAX = empty slot */
	uint64_t used;
	struct topology_view *view;
	struct proto_page_item *items;	  /* one per peer */
	struct proto_subnet *subnets;	  /* all peers' routes + allowed sources */
	struct proto_page_cursor *starts; /* page starts */
	uint32_t n_pages;
	size_t self_len; /* page 0 carries the SELF record, this long */
};
#define VIEW_CACHE_SLOTS 8

struct registry_stats {
	uint64_t rx, tx, tx_fail;
	uint64_t drop_short, drop_type, drop_misdirected, drop_unknown_key, drop_no_key,
		drop_replay, drop_stale, drop_auth, drop_malformed;
	uint64_t registers, keepalives, pages, pushes, echoes, diags;
	uint64_t reloads, reload_failures;
	uint64_t http_reload_cut; /* streamed answers a reload cut (httplist.c) */
};

struct net_sock {
	int fd;
	int family;
	struct sockaddr_storage addr; /* bound address */
	int pktinfo;		      /* wildcard bind: reply from the request's address */
	uint8_t echo;		      /* the high-port echo socket of that address */
};

struct registry {
	/* Options */
	const char *config_path;
	const char *http_listen; /* NULL = from org config; "off" = none */
	uint32_t id;		 /* registry id, 1..REGISTRY_MAX_ID: what gateways address */
	uint32_t sender_id;	 /* seal sender id: random per start, low byte = id */
	uint32_t keepalive_ms;
	uint32_t max_skew_s;
	uint16_t echo_port; /* --echo-port: high port answering ECHO, 0 = none */

	struct orgconf *cfg;
	const struct topology *topo;
	struct gwtable_entry *gws; /* cfg->n_networks */
	uint64_t cfg_gen;	   /* bumped whenever a reload swaps cfg and gws */
	uint32_t *hash;		   /* buckets: index + 1, 0 = empty */
	uint32_t hash_mask;
	uint32_t *hub_spokes_off; /* per network: start into hub_spokes (n + 1) */
	uint32_t *hub_spokes;	  /* spokes listing each hub */
	uint32_t *hubs;		  /* all hub networks */
	uint32_t n_hubs;
	uint64_t loaded_ms;

	struct view_cache views[VIEW_CACHE_SLOTS];
	uint64_t view_tick;

	struct net_sock socks[NET_MAX_SOCKS];
	unsigned int n_socks;
	struct loop *loop;
	int inofd, inowd;
	char *config_dir, *config_base;
	void *mhd;
	int mhd_fd;
	struct loop_timer http_timer;
	struct http_conns *http_conns;	   /* deadlines of the API's connections (http.c) */
	struct scrape_cache metrics_cache; /* at most one /metrics render a second */

	uint32_t push_cursor;	/* next gateway to look at for pending pushes */
	uint32_t push_pending;	/* gateways with a config push to send now */
	uint32_t peers_pending; /* gateways with a peers push, sent once a second */
	uint8_t peers_flushing;
	uint64_t peers_next_ms;
	struct seal_counter ctr;
	struct registry_stats st;
};

/* gwtable.c */
int gwtable_build(struct registry *r, struct orgconf *cfg, struct gwtable_entry *old,
		  uint32_t old_n, const struct orgconf *old_cfg, struct gwtable_entry **out_gws,
		  uint32_t **out_hash, uint32_t *out_mask);
struct gwtable_entry *gwtable_lookup(const struct registry *r, const uint8_t pk[32]);
uint32_t gwtable_index(const struct registry *r, const struct gwtable_entry *g);
int gwtable_connected(const struct registry *r, const struct gwtable_entry *g, uint64_t now_ms);
int gwtable_uplink_connected(const struct registry *r, const struct gwtable_uplink *u,
			     uint64_t now_ms);
void gwtable_free(struct gwtable_entry *gws, uint32_t n);
int gwtable_index_hubs(struct registry *r, const struct orgconf *cfg);

/* history.c */
uint64_t history_step_ms(const struct registry *r);
void history_note(struct registry *r, struct gwtable_entry *g, uint64_t now_ms);
/* The i-th sample held, oldest first; NULL past the last. */
const struct history_sample *history_get(const struct gwtable_entry *g, uint32_t i);

/*
 * self.c: the SELF record of network net; 0 or -E2BIG (too many rules or
 * classes for the record). self_check: every network's fits, else one
 * file:line error each and -EINVAL.
 */
int self_build(const struct orgconf *cfg, uint32_t net, struct proto_self *out);
int self_check(const struct orgconf *cfg, struct errlist *errs);

/* reload.c: 0, or -errno (the running config stays). */
int reload_config(struct registry *r, int initial);

/* view.c */
void view_init(struct registry *r);
void view_clear(struct registry *r);
/* The peer list of @net, computed or cached; NULL if it cannot be built. */
struct view_cache *view_get(struct registry *r, uint32_t net);

/* handle.c: processes one datagram; returns a reply length in out or 0. */
struct handle_rx {
	const uint8_t *buf;
	size_t len;
	struct sockaddr_storage src;
	unsigned int sock;
	struct addr local;	  /* AF_UNSPEC: not known (a socket bound to one address) */
	struct gwtable_entry *gw; /* looked up ahead (net.c), or NULL */
	int looked_up;
	uint8_t echo; /* came to a high-port echo socket */
};
struct gwtable_entry *handle_prefetch(struct registry *r, const uint8_t *buf, size_t len);
/* Seals body as our message to gateway g; the length, or 0 if it does not fit. */
size_t handle_seal(struct registry *r, struct gwtable_entry *g, uint8_t type, const uint8_t *body,
		   size_t blen, uint8_t *out, size_t cap);
size_t handle_datagram(struct registry *r, const struct handle_rx *rx, uint8_t *out, size_t cap,
		       uint64_t now_ms);

/* push.c; push_timeout_ms() is a loop wait: -1 = no limit. */
void push_mark(struct registry *r, uint32_t net, uint8_t reason);
void push_mark_peers(struct registry *r, uint32_t net);
void push_all(struct registry *r);
void push_flush(struct registry *r, unsigned int budget, int include_peers);
int push_timeout_ms(struct registry *r, uint64_t now_ms);
void push_run(struct registry *r, uint64_t now_ms);

/* net.c: a UDP socket on listen, and with r->echo_port its echo socket too. */
int net_open(struct registry *r, const char *listen);
void net_close(struct registry *r);
int net_send_one(struct registry *r, unsigned int si, const struct sockaddr_storage *dst,
		 const struct addr *local, const uint8_t *buf, size_t len);

/* metrics.c: the Prometheus text exposition (0.0.4) of the registry's state. */
int metrics_write(struct registry *r, FILE *f, uint64_t now_ms);

/* statuspage.c: the VPN status page, one self-contained HTML document. */
extern const char statuspage_html[];

/* http.c */
struct http_conns;
int http_start(struct registry *r, const char *listen);
void http_stop(struct registry *r);
/* Connections cut for being slow since the listener started. */
uint64_t http_cut_count(const struct registry *r);

/*
 * httplist.c: an answer of one JSON element per network of the org, sent
 * while it is rendered: @head (copied), then element(r, i, now) for every
 * network i, comma-separated, then @tail (static). NULL on failure.
 */
struct json_object;
struct MHD_Response;
typedef struct json_object *(*httplist_element_fn)(struct registry *r, uint32_t i, uint64_t now_ms);
struct MHD_Response *httplist_response(struct registry *r, const char *head, size_t head_len,
				       const char *tail, httplist_element_fn element);

#endif /* AVPN_REGISTRY_REGISTRY_H */
