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
#define REGCLIENT_DEFAULT_SKEW_S 600

/* Send callback: transmit msg[len] on uplink ul to registry reg. */
typedef void (*regclient_send_fn)(void *ctx, unsigned int ul, unsigned int reg, const uint8_t *msg,
				  size_t len);
/* The same to another port of registry reg's address (the high-port echo). */
typedef void (*regclient_send_port_fn)(void *ctx, unsigned int ul, unsigned int reg, uint16_t port,
				       const uint8_t *msg, size_t len);

struct regclient_cfg {
	uint8_t sk[32], pk[32];	   /* the gateway's static key pair */
	uint8_t registry_pk[32];   /* both registries share one key */
	unsigned int n_registries; /* 1 or 2 */
	/*
	 * Registry ids (seal.h to/from), each registry's --id; 0 = its
	 * position + 1: the first address of the gateway config is
	 * registry 1, the second registry 2.
	 */
	uint8_t registry_id[REGCLIENT_MAX_REG];
	unsigned int n_uplinks;			  /* 1 or 2 */
	struct endpoint local[PROTO_MAX_UPLINKS]; /* private ip:port per uplink */
	uint8_t manual_nat;			  /* manual port forwarding: NAT type "manual" */
	uint32_t sender_id;			  /* 0 = random */
	uint32_t retry_ms;			  /* 0 = REGCLIENT_DEFAULT_RETRY_MS */
	uint64_t purge_ms;			  /* 0 = the org's (SELF), else the default */
	/*
	 * How far the registries' clocks may be from ours (their counters
	 * are their wall clock, replay.h); 0 = REGCLIENT_DEFAULT_SKEW_S.
	 */
	uint32_t max_clock_skew_s;
	/*
	 * High-port echo (optional): sends to a registry's echo port, with the
	 * ctx given to tick/input. NULL: no echo test, the result stays
	 * unknown. Its answers come from that port: pass them to
	 * regclient_input() as the registry's (regclient_echo_port()).
	 */
	regclient_send_port_fn send_port;
	/*
	 * Path report (optional): called with the ctx given to tick/input
	 * right before a keepalive is built, to set paths/n_paths below. Only
	 * then: a gateway's report is O(its paths), and a datagram that only
	 * looks like the registry's must not cost that.
	 */
	void (*report_paths)(void *ctx);
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
	uint32_t ack_sid;	  /* registry life and counter of the newest ... */
	uint64_t ack_ctr;	  /* ... KEEPALIVE_ACK taken: older ones change nothing */
	uint64_t next_tx_ms, last_rx_ms;
	/* High-port echo toward this registry (its echo_port, 0 = none). */
	uint16_t echo_port;
	uint8_t echo;	    /* enum proto_echo_result of the last test */
	uint8_t echo_tries; /* requests of the running test, 0 = none running */
	uint32_t echo_seq;
	uint64_t echo_next_ms;
	struct endpoint echo_observed; /* our mapping toward the high port */
	/*
	 * A message of a registry life we have taken no REG_RESP from came
	 * here: ask again (REG_REQ instead of KEEPALIVE) until one answers.
	 */
	uint8_t reregister;
};

#define REGCLIENT_ECHO_TRIES 3 /* unanswered requests before "blocked" */
/* A new test this often (keepalive intervals), and on every (re)registration. */
#define REGCLIENT_ECHO_EVERY 6

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
#define REGCLIENT_EV_SELF 0x08	     /* our own settings (regclient_self()) are new or changed */
#define REGCLIENT_EV_ECHO 0x10	     /* an uplink's high-port echo result changed */
#define REGCLIENT_EV_DIAG 0x20	     /* a DIAG answer arrived (regclient_diag_answer()) */

/* Counters of dropped input, by reason. */
struct regclient_stats {
	uint64_t rx_ok, rx_short, rx_auth, rx_misdirected, rx_replay, rx_malformed, rx_unexpected;
	uint64_t rx_unasked;  /* REG_RESP without our nonce: not an answer to this life */
	uint64_t rx_unproven; /* other messages of a registry life no REG_RESP proved */
	uint64_t tx, pushes, echoes, diags;
	uint64_t new_lives; /* our clock went back: new sender id (replay.h) */
};

/* DIAG: the question out to one registry, and its last answer. */
struct regclient_diag {
	uint32_t seq;	     /* of the question out, 0 = none */
	uint8_t peer_pk[32]; /* asked about */
	uint64_t asked_ms;
	uint8_t has_answer;
	uint64_t answer_ms;
	struct proto_diag_resp answer;
};

struct regclient {
	struct regclient_cfg cfg;
	struct seal_key key;
	struct seal_counter ctr;
	struct replay_state rs[REGCLIENT_MAX_REG]; /* each registry's counters */
	/*
	 * Random, one per process start (regclient_init), in every
	 * register-only REG_REQ (page requests carry fetch_nonce); its
	 * REG_RESP must echo it. The seal proves the registry wrote an
	 * answer, not that it answered this process: without the nonce, a
	 * gateway that restarted took answers recorded before (within the
	 * clock window), for instance an older peer list with a key since
	 * replaced. Other messages are taken only from a registry life that
	 * such an answer proved (rs[].sid).
	 */
	uint64_t nonce;
	/*
	 * The page requests of a download carry their own nonce, new at each
	 * (re)start: a late answer to an earlier download's page would else
	 * complete this one with that download's list (a page 0 of one page
	 * is a whole list).
	 */
	uint64_t fetch_nonce;
	struct regclient_link link[PROTO_MAX_UPLINKS][REGCLIENT_MAX_REG];
	uint32_t keepalive_ms; /* announced by the registry */
	uint64_t version;      /* config version of peers; 0 = none yet */
	/*
	 * The version each registry said it has, last (0: not yet). Versions
	 * are digests, with no order: when the two registries disagree (one
	 * reloaded, the other not yet, or failed to), every gateway follows
	 * the first connected registry that has said its version (the other's
	 * answers and pushes fetch from it), instead of fetching from
	 * whichever spoke last, back and forth every keepalive.
	 */
	uint64_t reg_version[REGCLIENT_MAX_REG];
	uint8_t role;
	struct regclient_peerlist peers;
	uint8_t purge_from_self; /* cfg.purge_ms was 0: follow the org's */
	uint8_t has_self;
	struct proto_self self; /* our own settings, from the registry */

	/* Peer list download in progress (fetching != 0). */
	uint8_t fetching, fetch_ul, fetch_reg;
	uint8_t refetch; /* a push came during the download: fetch once more */
	uint16_t fetch_page, fetch_pages;
	uint64_t fetch_version, fetch_next_ms;
	struct regclient_peerlist staging;
	struct proto_self staging_self; /* page 0's, applied with the complete list */

	/* Path status to report, set by cfg.report_paths; sent round-robin. */
	const struct proto_path *paths;
	uint32_t n_paths, path_off;

	uint64_t last_push_ms, last_push_version;
	struct regclient_stats stats;

	struct regclient_diag diag[REGCLIENT_MAX_REG];
};

/* 0, or -EINVAL for a bad configuration or an unusable registry key. */
int regclient_init(struct regclient *rc, const struct regclient_cfg *cfg, uint64_t now_ms);
void regclient_free(struct regclient *rc);

/*
 * Sends whatever is due at now_ms. Returns REGCLIENT_EV_* bits of what
 * changed meanwhile (REGCLIENT_EV_ECHO: a test ended without an answer).
 */
int regclient_tick(struct regclient *rc, uint64_t now_ms, regclient_send_fn send, void *ctx);
/* When regclient_tick() wants to run next. */
uint64_t regclient_next_ms(const struct regclient *rc);

/*
 * A datagram from registry reg arrived on uplink ul.  Returns REGCLIENT_EV_*
 * bits (0 = accepted, nothing new), or a negative errno if it was dropped
 * (counted in stats): -EINVAL (no such uplink or registry), -EBADMSG (short,
 * malformed or not authentic), -EPERM (not from the registry's key), -ENXIO
 * (sealed by the other registry: its id is not reg's), -EALREADY
 * / -ESTALE / -EINVAL (replayed or too old) / -ETIME (the registry's clock
 * is more than max_clock_skew_s away from ours; see replay.h), -EPROTO (not
 * expected now).
 */
int regclient_input(struct regclient *rc, uint64_t now_ms, unsigned int ul, unsigned int reg,
		    const uint8_t *msg, size_t len, regclient_send_fn send, void *ctx);

/* NAT type of an uplink from the two registries' observations. */
uint8_t regclient_nat(const struct regclient *rc, unsigned int ul);
/*
 * High-port echo result of an uplink (enum proto_echo_result): ok if a
 * registry's echo port answered, blocked if a test toward one got no answer
 * while its main port does, else unknown. Reported in the keepalives.
 */
uint8_t regclient_echo(const struct regclient *rc, unsigned int ul);
/* Registry reg's echo port as it announced it, 0 = none (yet). */
uint16_t regclient_echo_port(const struct regclient *rc, unsigned int reg);

/*
 * Asks every connected registry (over one of its registered links) what
 * peer @peer_pk reports: DIAG_REQ. Returns how many registries were asked
 * (> 0), or -ENOTCONN if none is connected. Each answer is an event
 * REGCLIENT_EV_DIAG from regclient_input(), after which
 * regclient_diag_answer() returns it; a newer question replaces an older
 * one (its late answer is dropped).
 */
int regclient_diag(struct regclient *rc, uint64_t now_ms, const uint8_t peer_pk[32],
		   regclient_send_fn send, void *ctx);
/*
 * Registry reg's answer to the latest question, with the time it came
 * (*at_ms, may be NULL), or NULL if none came yet. status says whether the
 * peer is known there (proto.h, struct proto_diag_resp).
 */
const struct proto_diag_resp *regclient_diag_answer(const struct regclient *rc, unsigned int reg,
						    uint64_t *at_ms);
/* Whether registry reg answered within the last PROTO_MISSED_KEEPALIVES intervals. */
int regclient_connected(const struct regclient *rc, unsigned int reg, uint64_t now_ms);
/* Removes peers not confirmed for purge_ms; returns how many. */
uint32_t regclient_purge(struct regclient *rc, uint64_t now_ms);
const struct regclient_peer *regclient_find_peer(const struct regclient *rc, const uint8_t pk[32]);
/*
 * Our own settings from the org config (the SELF record: active-active,
 * manual NAT and its endpoints, peer purge time, performance classes, flow
 * preferences), or NULL before the first register answer. They follow the
 * peer list's config version: a new version's settings come with its page
 * 0 and take effect with the complete list. REGCLIENT_EV_SELF says they
 * changed. The peer purge time is applied here (unless cfg.purge_ms was
 * set), manual NAT in regclient_nat().
 */
const struct proto_self *regclient_self(const struct regclient *rc);

#endif /* AVPN_WIRE_REGCLIENT_H */
