/* SPDX-License-Identifier: GPL-2.0 */
/*
 * orgconf.h - the organization config ("the dashboard"), read by the registry.
 *
 * Format: INI (parsed with inih), documented in docs/configuration.md and
 * shown in examples/org.conf:
 *
 *   [organization]        name, registry-private-key, psk-secret(-file),
 *                         status-listen, peer-purge-time
 *   [performance-class "VoIP"]   max-latency, max-loss, max-jitter
 *   [network "London - Finsbury"]  public-key, mode, hub (repeated, in
 *                         priority order, optional default-route flag),
 *                         exit-hub (repeated), subnet (repeated),
 *                         nat-traversal, active-active, flow-preference
 *
 * Loading either returns a complete, validated, immutable config or nothing:
 * every problem found is appended to an errlist as "file:line: message"
 * (all of them, not just the first). The registry swaps configs atomically
 * on reload, so an invalid file never replaces a good one.
 *
 * Networks are kept in file order; their index (0..n_networks-1) is the
 * stable id used by topology.h within one loaded config.
 */
#ifndef AVPN_CONF_ORGCONF_H
#define AVPN_CONF_ORGCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/endpoint.h"
#include "base/errlist.h"
#include "base/key.h"
#include "base/prefix.h"

struct topology;

#define ORGCONF_DEFAULT_STATUS_LISTEN "127.0.0.1:9390"
#define ORGCONF_DEFAULT_PURGE_SECS (3 * 3600)
#define ORGCONF_MIN_PURGE_SECS 60
#define ORGCONF_MAX_PURGE_SECS (30 * 86400)
#define ORGCONF_NO_INDEX UINT32_MAX
/* Sanity bounds; inputs beyond them are rejected with a clear message. */
#define ORGCONF_MAX_NETWORKS 200000
#define ORGCONF_MAX_HUBS 16	    /* per spoke, and exit hubs per hub */
#define ORGCONF_MAX_SUBNETS 1024    /* per network */
#define ORGCONF_MAX_FLOW_PREFS 256  /* per network */
#define ORGCONF_MAX_NAT_ENDPOINTS 2 /* wan1, wan2 */
#define ORGCONF_MAX_CLASSES 4096
#define ORGCONF_UNLIMITED UINT32_MAX
/*
 * Every name (organization, network, subnet, performance class): 1 to 63
 * bytes of UTF-8 without control characters. Network and class names go to
 * the gateways in the protocol's name fields (PROTO_NAME_MAX) and name the
 * kernel's peers (AUTOVPN_MAX_PEER_NAME: 64 with the NUL), both 63 bytes.
 */
#define ORGCONF_MAX_NAME 63

enum orgconf_mode {
	ORGCONF_MODE_OFF = 0, /* takes no part in the VPN */
	ORGCONF_MODE_HUB,     /* tunnels to all hubs and its spokes */
	ORGCONF_MODE_SPOKE,   /* tunnels to its hubs only */
};

enum orgconf_uplink {
	ORGCONF_UPLINK_ANY = 0, /* no preference (load balance) */
	ORGCONF_UPLINK_WAN1 = 1,
	ORGCONF_UPLINK_WAN2 = 2,
};

/* One entry of a spoke's hub list (`hub = ...`), in priority order. */
struct orgconf_hub_ref {
	uint32_t net;	    /* index of the hub network */
	bool default_route; /* full tunnel: 0.0.0.0/0 and ::/0 via this hub */
};

/* One row of a network's local subnet table (`subnet = ...`). */
struct orgconf_subnet {
	char *name; /* may be "" (unnamed) */
	struct prefix prefix;
	bool use_vpn; /* exported to the VPN */
};

/* A performance class (`[performance-class "NAME"]`). */
struct orgconf_perf_class {
	char *name;
	uint32_t max_latency_ms; /* ORGCONF_UNLIMITED if not set */
	uint32_t max_loss_bp;	 /* basis points: 100 = 1 %; or UNLIMITED */
	uint32_t max_jitter_ms;	 /* ORGCONF_UNLIMITED if not set */
};

/*
 * A flow preference (`flow-preference = ...`): traffic matching all given
 * criteria prefers @uplink, optionally only while the path meets @perf_class.
 * First match wins, in file order.
 */
struct orgconf_flow_pref {
	uint8_t protocol;      /* IP protocol number; 0 = any */
	bool has_src, has_dst; /* false = any */
	struct prefix src, dst;
	uint16_t sport_lo, sport_hi; /* 0-65535 = any */
	uint16_t dport_lo, dport_hi; /* 0-65535 = any */
	int16_t dscp;		     /* 0..63, or -1 = any */
	enum orgconf_uplink uplink;
	uint32_t perf_class; /* index into orgconf.classes, or ORGCONF_NO_INDEX */
};

struct orgconf_network {
	char *name;
	uint32_t index;	   /* position in orgconf.networks */
	unsigned int line; /* line of its [network ...] header */
	enum orgconf_mode mode;
	bool has_public_key; /* optional only for mode = off */
	uint8_t public_key[KEY_LEN];

	struct orgconf_hub_ref *hubs; /* spokes only, priority order */
	size_t n_hubs;
	uint32_t *exit_hubs; /* hubs only, priority order */
	size_t n_exit_hubs;

	struct orgconf_subnet *subnets; /* file order */
	size_t n_subnets;

	/* nat-traversal = manual EP [EP]: fixed public endpoints (wan1, wan2) */
	bool nat_manual;
	struct endpoint nat_endpoints[ORGCONF_MAX_NAT_ENDPOINTS];
	size_t n_nat_endpoints;

	bool active_active; /* default yes */
	struct orgconf_flow_pref *flow_prefs;
	size_t n_flow_prefs;
};

struct orgconf {
	char *path; /* as given to orgconf_load() */
	char *name; /* organization name */

	char *registry_key_path; /* resolved against the config's dir */
	bool keys_loaded;	 /* false with ORGCONF_SKIP_FILES */
	uint8_t registry_private_key[KEY_LEN];
	uint8_t registry_public_key[KEY_LEN];

	char *psk_secret_path;	     /* NULL if given inline (psk-secret) */
	uint8_t psk_secret[KEY_LEN]; /* for key_psk_derive() */

	struct endpoint status_listen; /* HTTP status page / JSON API */
	uint32_t peer_purge_secs;      /* default 3 h */

	struct orgconf_network *networks; /* file order */
	size_t n_networks;
	struct orgconf_perf_class *classes; /* file order */
	size_t n_classes;

	/*
	 * Identity of this config: SHA-256 of the file's bytes and, once the
	 * key files are loaded, of the registry's public key and a keyed hash
	 * of the psk secret; its first 8 bytes big-endian are the version
	 * number the protocol carries. Equal bytes and keys -> equal version;
	 * any edit, or a rotated key or secret file -> a different one.
	 */
	uint8_t digest[32];
	uint64_t version;

	/* Private lookup indexes and the precomputed topology. */
	struct orgconf_index *idx;
	struct topology *topo;
};

/* Flags for orgconf_load*(). */
enum {
	/*
	 * Do not open registry-private-key / psk-secret-file (the paths are
	 * still checked for syntax; keys stay zero, keys_loaded = false).
	 * For `autovpn-registry --check`-style validation elsewhere and fuzzing.
	 */
	ORGCONF_SKIP_FILES = 1u << 0,
};

/*
 * Loads and validates @path. On success returns 0 and stores a new config
 * in *@out (free with orgconf_free()). On failure returns -EINVAL (invalid
 * config; one message per problem in @errs), -ENOMEM, or -errno (the file
 * could not be read; also reported in @errs); *@out is set to NULL.
 * @errs must be initialized by the caller; messages are appended.
 */
int orgconf_load(const char *path, unsigned int flags, struct orgconf **out, struct errlist *errs);

/*
 * Same, from memory: @name is used in messages and, when it contains a
 * '/', relative key file paths are resolved against its directory (else
 * against the current directory). @buf need not be NUL-terminated; NUL
 * bytes inside are reported as errors. orgconf_load() reads the file and
 * calls this.
 */
int orgconf_load_buffer(const char *name, const char *buf, size_t len, unsigned int flags,
			struct orgconf **out, struct errlist *errs);

void orgconf_free(struct orgconf *cfg);

/* Lookups, O(log n). NULL if not found. */
const struct orgconf_network *orgconf_find_network(const struct orgconf *cfg, const char *name);
const struct orgconf_network *orgconf_find_by_key(const struct orgconf *cfg,
						  const uint8_t public_key[KEY_LEN]);
/* Index of a performance class by name, or ORGCONF_NO_INDEX. */
uint32_t orgconf_find_class(const struct orgconf *cfg, const char *name);

/* The topology precomputed at load time (see topology.h). Never NULL. */
const struct topology *orgconf_topology(const struct orgconf *cfg);

/*
 * The endpoint manual port forwarding gives uplink @u of @n, or NULL (NAT
 * traversal automatic, or no endpoint listed for @u). Where it exists it
 * replaces the endpoint the registries observe, for every purpose: the one
 * rule behind the peer lists and the DIAG answers.
 */
const struct endpoint *orgconf_manual_endpoint(const struct orgconf_network *n, unsigned int u);

/* "off", "hub", "spoke" */
const char *orgconf_mode_name(enum orgconf_mode mode);
/* "any", "wan1", "wan2" */
const char *orgconf_uplink_name(enum orgconf_uplink uplink);

#endif /* AVPN_CONF_ORGCONF_H */
