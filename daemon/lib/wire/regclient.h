/* SPDX-License-Identifier: GPL-2.0 */
/*
 * regclient.h - the gateway side of the registration protocol, as a state
 * machine without sockets or clocks of its own.  The caller (autovpnd, or
 * the simulator avpn-gwsim) owns one UDP socket per uplink, feeds received
 * registry messages to regclient_input(), calls regclient_tick() when
 * regclient_next_ms() is due, and transmits what the send callback hands it
 * on (uplink, registry).
 *
 * Per (uplink, registry) "link": REGISTERING (register request every
 * retry_ms) -> REGISTERED (keepalive every keepalive interval the registry
 * announced) -> back to REGISTERING after PROTO_MISSED_KEEPALIVES intervals
 * without an answer (the registry is then "disconnected").  The peer list is fetched page by
 * page over one link whenever the config version changes or a push arrives;
 * the other links register without asking for peers.  Peers stay until
 * purge_ms passed without any registry confirming them (loss of registry:
 * tunnels survive while contact information stays the same).
 *
 * Errors: 0 or a negative errno.
 */
#ifndef AVPN_WIRE_REGCLIENT_H
#define AVPN_WIRE_REGCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "base/endpoint.h"
#include "wire/proto.h"
#include "wire/replay.h"
#include "wire/seal.h"

#define REGCLIENT_MAX_REG 2
#define REGCLIENT_DEFAULT_RETRY_MS 1000
#define REGCLIENT_DEFAULT_PURGE_MS (3ull * 3600 * 1000)

struct regclient_cfg {
	uint8_t sk[32], pk[32];			  /* the gateway's static key pair */
	uint8_t registry_pk[32];		  /* both registries share one key */
	unsigned int n_registries;		  /* 1 or 2 */
	unsigned int n_uplinks;			  /* 1 or 2 */
	struct endpoint local[PROTO_MAX_UPLINKS]; /* private ip:port per uplink */
	uint8_t manual_nat;			  /* manual port forwarding: NAT type "manual" */
	uint32_t sender_id;			  /* 0 = random */
	uint32_t retry_ms;			  /* 0 = REGCLIENT_DEFAULT_RETRY_MS */
	uint64_t purge_ms;			  /* 0 = REGCLIENT_DEFAULT_PURGE_MS */
};

enum regclient_link_state {
	REGCLIENT_REGISTERING = 0,
	REGCLIENT_REGISTERED = 1,
};

struct regclient_link {
	uint8_t state;	   /* enum regclient_link_state */
	uint8_t connected; /* answered within PROTO_MISSED_KEEPALIVES intervals */
	uint32_t registry_id;
	struct endpoint observed; /* our public ip:port as this registry sees it */
	uint64_t next_tx_ms, last_rx_ms;
};

struct regclient_peer {
	struct proto_peer info; /* subnet_first/n_subnets unused */
	struct proto_subnet *subnets;
	uint32_t n_subnets;
	uint64_t confirmed_ms; /* last time a registry vouched for it */
};

struct regclient_peerlist {
	struct regclient_peer *v;
	uint32_t n, cap;
};

/* Events returned by regclient_input(). */
#define REGCLIENT_EV_REGISTERED 0x01 /* a link became registered */
#define REGCLIENT_EV_PEERS 0x02	     /* a new complete peer list is in place */
#define REGCLIENT_EV_PUSH 0x04	     /* a push arrived */

/* Counters of dropped input, by reason. */
struct regclient_stats {
	uint64_t rx_ok, rx_short, rx_auth, rx_replay, rx_malformed, rx_unexpected;
	uint64_t tx, pushes;
};

struct regclient {
	struct regclient_cfg cfg;
	struct seal_key key;
	struct seal_counter ctr;
	struct replay_window win[REGCLIENT_MAX_REG];
	struct regclient_link link[PROTO_MAX_UPLINKS][REGCLIENT_MAX_REG];
	uint32_t keepalive_ms; /* announced by the registry */
	uint64_t version;      /* config version of peers; 0 = none yet */
	uint8_t role;
	struct regclient_peerlist peers;

	/* Peer list download in progress (fetching != 0). */
	uint8_t fetching, fetch_ul, fetch_reg;
	uint8_t refetch; /* a push came during the download: fetch once more */
	uint16_t fetch_page, fetch_pages;
	uint64_t fetch_version, fetch_next_ms;
	struct regclient_peerlist staging;

	/* Path status to report, set by the owner; sent round-robin. */
	const struct proto_path *paths;
	uint32_t n_paths, path_off;

	uint64_t last_push_ms, last_push_version;
	struct regclient_stats stats;
};

/* Send callback: transmit msg[len] on uplink ul to registry reg. */
typedef void (*regclient_send_fn)(void *ctx, unsigned int ul, unsigned int reg, const uint8_t *msg,
				  size_t len);

/* 0, or -EINVAL for a bad configuration or an unusable registry key. */
int regclient_init(struct regclient *rc, const struct regclient_cfg *cfg, uint64_t now_ms);
void regclient_free(struct regclient *rc);

/* Sends whatever is due at now_ms. */
void regclient_tick(struct regclient *rc, uint64_t now_ms, regclient_send_fn send, void *ctx);
/* When regclient_tick() wants to run next. */
uint64_t regclient_next_ms(const struct regclient *rc);

/*
 * A datagram from registry reg arrived on uplink ul.  Returns REGCLIENT_EV_*
 * bits (0 = accepted, nothing new), or a negative errno if it was dropped
 * (counted in stats): -EINVAL (no such uplink or registry), -EBADMSG (short,
 * malformed or not authentic), -EPERM (not from the registry's key), -EALREADY
 * / -ESTALE / -EINVAL (replayed or too old; see replay.h), -EPROTO (not
 * expected now).
 */
int regclient_input(struct regclient *rc, uint64_t now_ms, unsigned int ul, unsigned int reg,
		    const uint8_t *msg, size_t len, regclient_send_fn send, void *ctx);

/* NAT type of an uplink from the two registries' observations. */
uint8_t regclient_nat(const struct regclient *rc, unsigned int ul);
/* Whether registry reg answered within the last PROTO_MISSED_KEEPALIVES intervals. */
int regclient_connected(const struct regclient *rc, unsigned int reg, uint64_t now_ms);
/* Removes peers not confirmed for purge_ms; returns how many. */
uint32_t regclient_purge(struct regclient *rc, uint64_t now_ms);
const struct regclient_peer *regclient_find_peer(const struct regclient *rc, const uint8_t pk[32]);

#endif /* AVPN_WIRE_REGCLIENT_H */
