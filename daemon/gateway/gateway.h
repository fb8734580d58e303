/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gateway.h - autovpnd, the gateway daemon: the objects every part of it
 * shares. One process per gateway, one thread, one event loop (base/loop):
 * nothing here is locked.
 *
 *   struct gw            the daemon: config, kernel handles, uplinks, the
 *                        registry client, the peer table, routes, control
 *   struct gw_uplink     one UDP socket per uplink (uplink.c), shared by
 *                        registry traffic, handshakes and probes, and
 *                        handed to the kernel for DATA
 *   struct gw_peer       one per peer the registry lists (peer.c): kernel
 *                        peer, paths (path.h), handshake (wire/handshake.h)
 *
 * The kernel does per-packet work only; everything with time or policy is
 * here (DESIGN §2). docs/architecture.md describes the whole.
 */
#ifndef AVPN_GATEWAY_GATEWAY_H
#define AVPN_GATEWAY_GATEWAY_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include "base/endpoint.h"
#include "base/loop.h"
#include "base/ratelimit.h"
#include "conf/gwconf.h"
#include "path.h"
#include "routesel.h"
#include "wire/handshake.h"
#include "wire/proto.h"
#include "wire/regclient.h"
#include "wire/replay.h"
#include "wire/seal.h"

struct adopt_peer;
struct avpnl;
struct kroute;
struct linkwatch;
struct ctl_client;

#define GW_MAX_UPLINKS PROTO_MAX_UPLINKS
#define GW_MAX_PATHS (GW_MAX_UPLINKS * GW_MAX_UPLINKS)
/*
 * Control clients served at once, their requests being read, waiting or
 * their answers being sent (more wait in the listen backlog); of them,
 * answers rendered and being sent (each up to CTL_MAX_ANSWER).
 */
#define GW_CTL_MAX_CLIENTS 32
#define GW_CTL_MAX_SENDS 4

/*
 * What became of a handshake message received (metrics): under a flood
 * from spoofed sources the cookies and rate-limit drops are what keep the
 * Diffie-Hellman work off the daemon, and these show that they did.
 */
enum gw_hs_result {
	GW_HS_ACCEPTED,	    /* answered, completed, or a cookie taken */
	GW_HS_COOKIE_SENT,  /* under load without a valid mac2: a cookie reply instead */
	GW_HS_RATE_LIMITED, /* under load over the source's rate, or a peer's inits < 20 ms apart */
	GW_HS_BAD_MAC1,	    /* dropped before any public-key work */
	GW_HS_DROPPED,	    /* malformed, not authentic, replayed, unknown peer... */
	GW_HS_N
};

#define GW_DEFAULT_PROBE_MS 1000
#define GW_DEFAULT_REKEY_SECS 120
#define GW_DEFAULT_HYSTERESIS_MS 10000
/*
 * How far a peer's clock (its probes' counters, wall-clock ns) may be from
 * ours: generous, since tunnels must not depend on NTP; a probe recorded
 * longer ago than this is never taken again, even after our restart.
 */
#define PROBE_MAX_SKEW_S 86400
/* The last responder rekeys this much later than the last initiator would. */
#define GW_RESPONDER_REKEY_DELAY_SECS 10
/* Where the per-interface locks are (runlock.c). */
#define GW_RUN_DIR "/run/autovpn"
/* Source ports of uplink sockets (the reference document's range). */
#define GW_PORT_MIN 32768
#define GW_PORT_MAX 61000

/* Command-line options (test knobs are here, never in the config file). */
struct gw_opts {
	const char *conf_path;
	bool check;	 /* --check: validate the config and exit */
	bool foreground; /* -f: log to stderr */
	int verbose;
	uint32_t probe_ms;	    /* --probe-ms */
	uint32_t rekey_secs;	    /* --rekey-secs */
	uint32_t rekey_packets;	    /* --rekey-packets, 0 = the kernel's default */
	uint32_t hysteresis_ms;	    /* --hysteresis-ms */
	const char *metrics_listen; /* --metrics ADDR:PORT, NULL = off */
};

struct gw_uplink {
	struct gw *gw;
	uint8_t id; /* 0 wan1, 1 wan2; its settings: uplink_conf() */
	int fd;
	struct endpoint local; /* what the socket is bound to */
	bool in_kernel;	       /* handed to the module */
	uint32_t dev_ifindex;  /* the device the socket is bound to */
	/* Its device was created again: open a socket bound to it at this time. */
	uint64_t reopen_ms;	    /* 0 = nothing to do */
	uint32_t reopen_backoff_ms; /* the last wait after a failed try */
	uint8_t echo;		    /* high-port echo result last logged (proto.h) */
	uint64_t rx, tx, rx_dropped, tx_failed;
};

enum gw_peer_state {
	GW_PEER_CONNECTING = 0, /* punching or handshaking */
	GW_PEER_UP,		/* a path up and a key in use */
	GW_PEER_DOWN,		/* was up; no path answers now */
};

/*
 * route.c's hash (FNV-1a) of the empty route set: what a kernel peer we just
 * created holds. 0 means not known (an adopted peer): its routes are set.
 */
#define GW_ROUTES_HASH_EMPTY 0xcbf29ce484222325ull

struct gw_peer {
	struct gw *gw;
	uint8_t pk[32];
	char name[PROTO_NAME_MAX + 1];
	uint32_t id;	   /* kernel peer id */
	uint32_t rx_index; /* the kernel's receive index (the peer writes it) */
	uint32_t tx_index; /* the index the peer told us (we write it) */
	bool in_kernel;

	/* From the registry (regclient_peer). */
	struct proto_peer info;
	struct proto_subnet *subnets;
	uint32_t n_subnets;
	bool allowed_stale; /* the kernel's allowed sources lag behind subnets */

	bool we_are_first;		 /* our public key sorts lower: path_id() */
	struct path paths[GW_MAX_PATHS]; /* index = path id (peer_path()) */
	uint8_t kernel_paths;		 /* bit per path id configured in the kernel */
	uint8_t kernel_up;		 /* bit per path id UP in the kernel */
	struct endpoint kernel_remote[GW_MAX_PATHS];
	uint64_t path_err_ms[GW_MAX_PATHS]; /* a refused change last logged, 0 = none */

	/* Probes: sealed between the static keys (the key made on first use). */
	struct seal_key probe_key;
	bool probe_key_ready;
	bool probe_key_bad;	      /* the DH failed (logged once) */
	struct replay_state probe_rs; /* the peer's probes, per life of its daemon */

	/* Handshake and keys. */
	struct handshake_peer hs;
	int cur_key_id;	      /* kernel CURRENT slot, -1 empty */
	int prev_key_id;      /* kernel PREVIOUS slot */
	int next_key_id;      /* kernel NEXT slot (responder waiting for use) */
	bool last_initiator;  /* our role in the last completed handshake */
	uint64_t key_ms;      /* when CURRENT was installed (0 = never) */
	uint64_t hs_next_ms;  /* handshake timer */
	uint64_t hs_pause_ms; /* no series before (give-up, refused key) */
	/* NEXT's install time, and the tx index it goes with (set at the swap). */
	uint64_t next_key_ms;
	uint32_t next_tx_index;
	/* The peer's probes name a key we do not hold: since when, how often. */
	uint64_t foreign_key_ms;
	uint32_t foreign_key_probes;
	uint64_t foreign_hs_ms; /* the last handshake started for that */

	enum gw_peer_state state;
	const char *reason;
	uint64_t up_since_ms, state_ms;
	bool went_down; /* it has been up and gone down since we started */

	/* What the peer reports about itself, via a registry (DIAG), while not up. */
	bool has_remote;
	uint64_t remote_ms;
	struct proto_diag_resp remote;

	uint64_t routes_hash;	 /* of the route set last given to the kernel */
	struct loop_timer timer; /* probes, handshake, rekey */
	uint64_t mark;		 /* peer sync generation */

	/* metrics.c's sampler: what it saw last, and what it counted. */
	uint64_t metrics_changed_seen[GW_MAX_PATHS], metrics_key_seen;
	uint64_t metrics_path_changes[GW_MAX_PATHS], metrics_handshakes;
};

struct gw {
	struct gw_opts opts;
	struct gwconf *conf;
	struct loop *loop;
	uint64_t start_ms;
	bool stopping;
	int lock_fd; /* runlock.c: held while we run, -1 = not */
	/* GW_RUN_DIR/run_base.lock is the lock, .peers the saved list (peersave.c) */
	char run_base[IF_NAMESIZE + 32];
	bool peers_from_save; /* the peer list is the last run's, no registry's yet */

	uint8_t sk[32], pk[32];

	/* Kernel: genl requests, genl events, rtnetlink routes/rules/links. */
	struct avpnl *nl, *nl_events;
	bool events_lost; /* the events socket overflowed; read the state once drained */
	struct loop_timer events_timer; /* reading the state failed: again */
	struct kroute *kr;
	uint32_t ifindex;
	char ifname[IF_NAMESIZE];
	bool created_device;

	unsigned int n_uplinks;
	struct gw_uplink uplinks[GW_MAX_UPLINKS];
	struct loop_timer uplink_timer; /* uplinks to reopen (uplink_on_link()) */

	/* Registries. */
	struct regclient rc;
	struct loop_timer rc_timer, purge_timer, diag_timer;
	uint64_t rc_version_applied;
	int active_active;  /* as set in the kernel from SELF; -1 not yet */
	uint32_t diag_next; /* round-robin over peers for DIAG */

	/* Peers. */
	struct gw_peer **peers; /* sorted by public key */
	uint32_t n_peers, cap_peers;
	/* The same peers by receive index (peer.c: open addressing, load <= 1/2). */
	struct gw_peer **by_index;
	uint32_t by_index_cap; /* a power of 2, 0 = none yet */
	bool by_index_stale;   /* peers left: rebuild before the next lookup */
	uint32_t next_peer_id;
	uint64_t sync_gen;
	/* Listed peers the kernel refused: tried again (peer.c), with backoff. */
	struct loop_timer create_timer;
	uint32_t create_backoff_ms; /* the last wait, 0 = none failing */
	struct seal_counter probe_ctr;
	uint32_t probe_sender_id;
	/*
	 * Added to the clock in our probes' sent_us, which replies echo: a
	 * reply to a probe of an earlier life decodes to a time more than
	 * PATH_REPLY_MAX_US away and is ignored (random per life).
	 */
	uint64_t probe_clock_offset;
	struct handshake_identity hs_id;
	struct ratelimit ratelimit;   /* handshakes per source, under load */
	uint64_t hs_results[GW_HS_N]; /* handshake messages received, by what became of them */

	/* Routes. */
	struct routesel routes;
	bool routes_dirty, table_dirty;
	bool routes_retry;	    /* something could not be programmed: again soon */
	uint32_t routes_backoff_ms; /* ... after this (route.c) */
	struct linkwatch *links;    /* the interface going down drops its routes */
	bool dev_up;		    /* as the last link event said */
	struct loop_timer route_timer;

	/* A device that existed at start: its peers, until the registry names them. */
	struct adopt_peer *adopted;
	uint32_t n_adopted;
	struct proto_path *report; /* path status for the keepalives */
	uint32_t report_cap;

	/* Control socket. */
	int ctl_fd;
	struct loop_timer ctl_retry;	    /* the socket name is squatted: bind again */
	struct loop_timer ctl_accept_retry; /* no fd for a client: listen again */
	uint64_t ctl_accept_warned_ms;	    /* ... said then (0: never) */
	unsigned int ctl_accept_fails;	    /* ... this often since */
	struct ctl_client *ctl_clients[GW_CTL_MAX_CLIENTS]; /* being served (ctlserver.c) */
	unsigned int ctl_sending; /* answers being sent, <= GW_CTL_MAX_SENDS */
	uint64_t ctl_wait_seq;	  /* the last client queued for a send slot */
	bool ctl_serving;	  /* in serve_waiting() */
	char ctl_path[108];
	struct metrics *metrics; /* --metrics listener (metrics.c), or NULL */
};

/*
 * The wait before the next try of something that failed again: @min_ms
 * after the first failure (@ms 0), then twice the last wait, at most
 * @max_ms (peers the kernel refused, the VPN table, an uplink's socket).
 */
static inline uint32_t gw_backoff_next(uint32_t ms, uint32_t min_ms, uint32_t max_ms)
{
	if (!ms)
		return min_ms;
	return ms < max_ms / 2 ? 2 * ms : max_ms;
}

/* gateway.c */
int gw_run(struct gw *gw);
/* Something changed that the routes depend on: decide again soon. */
void gw_routes_changed(struct gw *gw, bool table);

/* uplink.c */
/*
 * @u's settings, always from the running config: a reload frees the old
 * config also when the uplinks stay as they are, so nothing may keep a
 * pointer into it.
 */
static inline const struct gwconf_uplink *uplink_conf(const struct gw *gw,
						      const struct gw_uplink *u)
{
	return &gw->conf->uplinks[u->id];
}
int uplink_open_all(struct gw *gw);
void uplink_close_all(struct gw *gw);
/* Reload: switches to @nc's uplinks (gw->conf is @nc then), or changes
 * nothing and fails. */
int uplink_reopen_all(struct gw *gw, struct gwconf *nc);
/* Hands every socket to the kernel (replacing what it had). */
int uplink_attach_all(struct gw *gw);
int uplink_send(struct gw *gw, unsigned int ul, const struct endpoint *to, const uint8_t *msg,
		size_t len);
/*
 * A link event (linkwatch.h): an uplink's device deleted and created again
 * (PPPoE, an LTE modem) gets a new ifindex, and the socket bound to the old
 * one neither sends nor receives again. Opens a new one for it.
 */
struct linkwatch_event;
void uplink_on_link(struct gw *gw, const struct linkwatch_event *ev);

/* registry.c */
int registry_start(struct gw *gw);
void registry_stop(struct gw *gw);
/* A datagram from registry @reg on uplink @ul. */
void registry_input(struct gw *gw, unsigned int ul, unsigned int reg, const uint8_t *msg,
		    size_t len);
/* Which registry (0, 1) an address is, or -1. */
int registry_index(const struct gw *gw, const struct endpoint *from);

/* peer.c */
struct gw_peer *peer_find(struct gw *gw, const uint8_t pk[32]);
/* The path (our uplink @lu, the peer's uplink @ru). */
struct path *peer_path(struct gw_peer *p, unsigned int lu, unsigned int ru);
/*
 * Whether the path runs over an uplink the config still has: a reload or a
 * restart may have dropped it, and then the path is never probed, never
 * keeps its peer up and leaves the kernel (docs/configuration.md).
 */
bool path_uplink_configured(const struct gw *gw, const struct path *pa);
struct gw_peer *peer_find_by_index(struct gw *gw, uint32_t rx_index);
/* Brings the peer table and the kernel in line with the registry's list. */
void peer_sync(struct gw *gw);
void peer_remove_all(struct gw *gw, bool kernel);
/* After a reload changed the uplinks: forgets the paths of the ones gone. */
void peer_uplinks_changed(struct gw *gw);
/* Recomputes state (up/down), programs kernel paths; reports route changes. */
void peer_update(struct gw_peer *p);
bool peer_is_up(const struct gw_peer *p);
const char *peer_state_name(enum gw_peer_state s);

/* prober.c: a PROBE or PROBE_REPLY arrived on uplink @ul from @from. */
void prober_input(struct gw *gw, unsigned int ul, const struct endpoint *from, const uint8_t *msg,
		  size_t len);
/* Runs the peer's paths: probes due, liveness; returns when to run next. */
uint64_t prober_run(struct gw_peer *p, uint64_t now_ms);

/* keys.c: handshakes and kernel keys. */
int keys_init(struct gw *gw);
/*
 * Subscribes to the kernel's key events (queued until the loop runs):
 * before adopt_device()'s dump, so that an event sent after it is not lost.
 */
int keys_events_start(struct gw *gw);
void keys_fini(struct gw *gw);
void keys_input(struct gw *gw, unsigned int ul, const struct endpoint *from, const uint8_t *msg,
		size_t len);
/* Starts a handshake if the peer needs one; returns when to run next. */
uint64_t keys_run(struct gw_peer *p, uint64_t now_ms);
/* The peer announced its current key id (in a probe). */
void keys_peer_uses(struct gw_peer *p, uint8_t key_id);
bool keys_usable(const struct gw_peer *p, uint64_t now_ms);
/* What a current key's packet count asks for, as the kernel's events would. */
enum keys_due {
	KEYS_DUE_NONE,
	KEYS_DUE_REKEY,	  /* its rekey count: a handshake, KEY_REKEY */
	KEYS_DUE_EXPIRED, /* its packet limit: it sends no more, KEY_EXPIRED */
};
enum keys_due keys_count_due(const struct gw *gw, uint64_t tx_packets);

/* route.c */
int route_init(struct gw *gw);
void route_fini(struct gw *gw, bool remove_os_state);
void route_apply(struct gw *gw);

/* ctlserver.c */
struct ctl_status;
/* The daemon's view, as `autovpn show` gets it. */
int ctlserver_status(struct gw *gw, struct ctl_status *s);
int ctlserver_start(struct gw *gw);
void ctlserver_stop(struct gw *gw);

/*
 * runlock.c: one daemon per interface (and network namespace). Another
 * holds it: logged with its pid, -EWOULDBLOCK.
 */
int runlock_take(struct gw *gw);
void runlock_release(struct gw *gw);

/*
 * peersave.c: the last complete peer list, in GW_RUN_DIR, for a restart
 * that finds no registry. _write() after each complete list (and purge);
 * _read() into an empty gw->rc.peers: the number of peers, 0 if there is
 * no saved list, or -errno.
 */
void peersave_write(struct gw *gw);
int peersave_read(struct gw *gw);
/* The interface goes: so does its saved list (and the psks in it). */
void peersave_remove(struct gw *gw);

/* adopt.c: the device existed at start: take its state over. */
int adopt_device(struct gw *gw);
/* The adopted kernel peer of this name, if any: fills p's kernel side. */
bool adopt_take(struct gw *gw, struct gw_peer *p);
/*
 * The kernel asked for a new key for peer @peer_id (an event, or a count
 * read after events were lost) before any peer took it: kept for the
 * adopted peer of that id, if @key_id is its current key; adopt_take()
 * acts on it.
 */
void adopt_key_due(struct gw *gw, uint32_t peer_id, uint8_t key_id, enum keys_due due);
/* After the first complete peer list: kernel peers nobody claimed go. */
void adopt_finish(struct gw *gw);

#endif /* AVPN_GATEWAY_GATEWAY_H */
