/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proto.h - the one definition of every autovpn control message (everything on
 * an uplink socket that is not DATA).  docs/protocol.md describes the same
 * layouts in prose; keep the two in step.
 *
 * Every control message is sealed (seal.h): a 48-byte clear header whose
 * first byte is the type below, then the encrypted body this file encodes.
 * The functions here only turn plaintext bodies into structs and back; they
 * never see keys.  Decoders accept exactly one encoding per message, check
 * every length against the buffer and reject trailing bytes, so a message is
 * either fully understood or dropped.
 *
 * Addresses travel as a family byte (0 = none, 4, 6) and 0, 4 or 16 address
 * bytes; in memory they are the userspace types of base/: struct endpoint
 * and struct prefix, so nothing converts between the two.
 *
 * Errors: encoders return the body length or a negative errno (-EMSGSIZE:
 * does not fit; -EINVAL: a field has no encoding); decoders return 0 or
 * -EBADMSG.
 */
#ifndef AVPN_WIRE_PROTO_H
#define AVPN_WIRE_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/endpoint.h"
#include "base/prefix.h"
#include "wire/seal.h"

/* Message types: the first byte of every UDP payload on an uplink socket. */
enum proto_type {
	PROTO_T_DATA = 1, /* kernel datapath (DESIGN 3); never parsed here */
	/* 2..15: gateway <-> gateway, reserved for autovpnd */
	PROTO_T_HS_INIT = 2,	 /* Noise IKpsk2 initiation */
	PROTO_T_HS_RESP = 3,	 /* Noise IKpsk2 response */
	PROTO_T_COOKIE = 4,	 /* cookie reply under load */
	PROTO_T_PROBE = 5,	 /* path probe */
	PROTO_T_PROBE_REPLY = 6, /* path probe reply */
	/* 16..31: gateway <-> registry */
	PROTO_T_REG_REQ = 16,	    /* gateway -> registry: register one uplink */
	PROTO_T_REG_RESP = 17,	    /* registry -> gateway: one page of the answer */
	PROTO_T_KEEPALIVE = 18,	    /* gateway -> registry, every interval */
	PROTO_T_KEEPALIVE_ACK = 19, /* registry -> gateway */
	PROTO_T_PUSH = 20,	    /* registry -> gateway: re-register now */
	PROTO_T_ECHO = 21,	    /* gateway -> registry's high port: am I let out? */
	PROTO_T_ECHO_REPLY = 22,    /* registry -> gateway, from the high port */
	PROTO_T_DIAG_REQ = 23,	    /* gateway -> registry: what does this peer report? */
	PROTO_T_DIAG_RESP = 24,	    /* registry -> gateway */
};

/* Whether a type is one of the registry protocol's (16..31), either way. */
static inline int proto_is_registry_type(uint8_t type)
{
	return type >= PROTO_T_REG_REQ && type <= 31;
}

/* Largest UDP payload of any control message: IPv6 minimum MTU - 40 - 8. */
#define PROTO_MAX_MSG 1232
#define PROTO_MAX_BODY (PROTO_MAX_MSG - SEAL_OVERHEAD)

#define PROTO_NAME_MAX 63
#define PROTO_MAX_UPLINKS 2    /* wan1 = 0, wan2 = 1 */
#define PROTO_MAX_PEER_EP 5    /* 2 uplinks x {public, private} + manual */
#define PROTO_PAGE_NONE 0xffff /* register request that wants no peer list */
/* Route metrics from here on are relays (conf/topology.h), for "via HUB (relay)". */
#define PROTO_METRIC_RELAY 64
/*
 * High-port echo: the registry's optional second port is in the range the
 * gateways' own sockets use, so that an answer from it tells a gateway
 * that its upstream lets UDP to high ports out (peers need exactly that).
 */
#define PROTO_ECHO_PORT_MIN 32768
#define PROTO_ECHO_PORT_MAX 61000
#define PROTO_ECHO_PAD 22 /* zero bytes: an echo request is never smaller than its answer */

/*
 * Keepalives (DESIGN 5): the registry tells each gateway the interval to use
 * (default below); a gateway that misses PROTO_MISSED_KEEPALIVES in a row
 * is disconnected, for the registry and for the gateway alike.
 */
#define PROTO_DEFAULT_KEEPALIVE_MS 10000
#define PROTO_MISSED_KEEPALIVES 6
/* What a registry's SELF may say (the org config's peer-purge-time bounds). */
#define PROTO_MIN_PURGE_S 60
#define PROTO_MAX_PURGE_S (30 * 86400)
/* What a registry may set (--keepalive-ms), and a gateway follows. */
#define PROTO_MIN_KEEPALIVE_MS 10
#define PROTO_MAX_KEEPALIVE_MS 3600000

enum proto_nat {
	PROTO_NAT_UNKNOWN = 0,	  /* not yet seen by both registries */
	PROTO_NAT_FRIENDLY = 1,	  /* both registries saw the same ip:port */
	PROTO_NAT_UNFRIENDLY = 2, /* they saw different ones */
	PROTO_NAT_MANUAL = 3,	  /* manual port forwarding configured */
};

/* A gateway's high-port echo result for one uplink (KEEPALIVE). */
enum proto_echo_result {
	PROTO_ECHO_UNKNOWN = 0, /* not tested (no echo port, or no answer yet) */
	PROTO_ECHO_OK = 1,	/* the registry's high port answered */
	PROTO_ECHO_BLOCKED = 2, /* it never did, while its main port does */
};

enum proto_role {
	PROTO_ROLE_OFF = 0,
	PROTO_ROLE_HUB = 1,
	PROTO_ROLE_SPOKE = 2,
};

/* Peer record flags. */
#define PROTO_PEER_CONT 0x01	      /* continuation: more subnets of a peer already sent */
#define PROTO_PEER_DEFAULT_ROUTE 0x02 /* send the default route to this hub */
#define PROTO_PEER_EXIT_HUB 0x04      /* full tunnel (mesh) via this hub */
#define PROTO_PEER_ACTIVE_ACTIVE 0x08 /* peer uses both uplinks */
#define PROTO_PEER_FLAGS_ALL 0x0f

enum proto_ep_kind {
	PROTO_EP_PUBLIC = 0,  /* as observed by the registry */
	PROTO_EP_PRIVATE = 1, /* the uplink's local address, for peers behind the same NAT */
	PROTO_EP_MANUAL = 2,  /* configured port forwarding; wins over PUBLIC */
};

/* Subnet entry flags: a route (with metric) and/or an allowed inner source. */
#define PROTO_SUB_ROUTE 0x01
#define PROTO_SUB_ALLOWED 0x02
#define PROTO_SUB_DEFAULT 0x04 /* 0.0.0.0/0 or ::/0: full tunnel */
#define PROTO_SUB_TRANSIT 0x08 /* the peer is a hub forwarding to the owner */
#define PROTO_SUB_FLAGS_ALL 0x0f

/*
 * The SELF record (type 2 of a register response; on page 0 and on
 * register-only answers, first): the gateway's own settings from the org
 * config, so that nothing but the registry's address and key is configured
 * on a gateway. Classes are only those the gateway's flow preferences use,
 * in the order they first use them; a preference names its class by index.
 */
#define PROTO_SELF_MAX 640 /* bytes on the wire, record header included */
#define PROTO_SELF_MAX_CLASSES 32
#define PROTO_SELF_MAX_PREFS 128
#define PROTO_SELF_ACTIVE_ACTIVE 0x01 /* spread flows over both uplinks */
#define PROTO_SELF_MANUAL_NAT 0x02    /* port forwarding: peers use the manual endpoints */
#define PROTO_SELF_FLAGS_ALL 0x03
#define PROTO_LIMIT_NONE UINT32_MAX /* a class limit that is not set */
#define PROTO_MAX_LIMIT_MS 600000   /* latency and jitter limits, as the config */

/* Which fields of a flow preference are set (the others match anything). */
#define PROTO_FP_PROTO 0x01
#define PROTO_FP_SRC 0x02
#define PROTO_FP_DST 0x04
#define PROTO_FP_SPORT 0x08
#define PROTO_FP_DPORT 0x10
#define PROTO_FP_DSCP 0x20
#define PROTO_FP_CLASS 0x40
#define PROTO_FP_ALL 0x7f

enum proto_fp_uplink {
	PROTO_FP_UPLINK_ANY = 0, /* no preference: only the class applies */
	PROTO_FP_UPLINK_WAN1 = 1,
	PROTO_FP_UPLINK_WAN2 = 2,
};

struct proto_class {
	char name[PROTO_NAME_MAX + 1];
	uint32_t max_latency_ms; /* PROTO_LIMIT_NONE or 0..600000 */
	uint32_t max_loss_bp;	 /* basis points (100 = 1 %): PROTO_LIMIT_NONE or 0..10000 */
	uint32_t max_jitter_ms;	 /* PROTO_LIMIT_NONE or 0..600000 */
};

struct proto_flow_pref {
	uint8_t fields;		     /* PROTO_FP_* */
	uint8_t uplink;		     /* enum proto_fp_uplink; ANY needs a class */
	uint8_t protocol;	     /* FP_PROTO: 1..255 */
	struct prefix src, dst;	     /* FP_SRC, FP_DST: of one family if both */
	uint16_t sport_lo, sport_hi; /* FP_SPORT: lo <= hi, not 0-65535 */
	uint16_t dport_lo, dport_hi; /* FP_DPORT: likewise; ports need tcp/udp/sctp */
	uint8_t dscp;		     /* FP_DSCP: 0..63 */
	uint8_t class_idx;	     /* FP_CLASS: index into proto_self.classes */
};

struct proto_self {
	uint8_t flags;	  /* PROTO_SELF_* */
	uint32_t purge_s; /* peer-purge-time of the org, seconds (bounds below) */
	uint8_t n_manual; /* MANUAL_NAT: 1 or 2 (wan1, wan2), else 0 */
	struct endpoint manual[PROTO_MAX_UPLINKS];
	uint8_t n_classes;
	struct proto_class classes[PROTO_SELF_MAX_CLASSES];
	uint8_t n_prefs; /* in order: the first match wins */
	struct proto_flow_pref prefs[PROTO_SELF_MAX_PREFS];
};

/* Push reasons. */
#define PROTO_PUSH_CONFIG 1 /* org config changed */
#define PROTO_PUSH_PEERS 2  /* a peer's contact information changed */

struct proto_subnet {
	struct prefix prefix; /* host bits zero */
	uint8_t metric;	      /* lower is preferred (topology.h metrics) */
	uint8_t flags;	      /* PROTO_SUB_* */
};

struct proto_peer_ep {
	uint8_t uplink; /* the peer's uplink, 0 or 1 */
	uint8_t kind;	/* enum proto_ep_kind */
	struct endpoint ep;
};

struct proto_peer {
	uint8_t flags; /* PROTO_PEER_* */
	uint8_t pk[32];
	/* Not present in continuation records: */
	uint8_t role;	  /* enum proto_role */
	uint8_t hub_prio; /* 1.. = position in my hub list, 0 = not my hub */
	char name[PROTO_NAME_MAX + 1];
	uint8_t psk[32];
	uint8_t n_ep;
	struct proto_peer_ep ep[PROTO_MAX_PEER_EP];
	/* Subnets: n_subnets entries from subnet_first in the page's array. */
	uint16_t n_subnets;
	uint16_t subnet_first;
};

struct proto_reg_req {
	uint8_t uplink;
	uint8_t nat;	  /* the gateway's classification of this uplink */
	uint16_t page;	  /* page of the peer list wanted, or PROTO_PAGE_NONE */
	uint64_t version; /* config version the gateway holds */
	uint64_t nonce;	  /* per life (register) or per download (pages); echoed (0: none) */
	struct endpoint local;
};

/* Bounds of one decoded page, implied by PROTO_MAX_BODY. */
#define PROTO_PAGE_MAX_PEERS 32
#define PROTO_PAGE_MAX_SUBNETS 256

struct proto_reg_resp {
	uint32_t registry_id;
	uint64_t version;
	uint64_t nonce;	       /* the request's (NONCE record), 0 if none */
	uint32_t keepalive_ms; /* interval the gateway must use */
	uint8_t uplink;	       /* echo of the request */
	uint8_t role;	       /* the gateway's own role */
	uint16_t page, page_count;
	uint16_t echo_port;	  /* the registry's high port for ECHO, 0 = none */
	struct endpoint observed; /* the request's source ip:port as seen here */
	/* Records: */
	uint8_t has_self; /* page 0 and register-only answers carry SELF */
	struct proto_self self;
	uint16_t n_peers;
	struct proto_peer peers[PROTO_PAGE_MAX_PEERS];
	uint16_t n_subnets;
	struct proto_subnet subnets[PROTO_PAGE_MAX_SUBNETS];
};

/* Path status a gateway reports in keepalives (for the status page). */
struct proto_path {
	uint8_t peer_pk[32];
	uint8_t local_uplink, remote_uplink;
	uint8_t up;
	uint8_t reserved;
	uint32_t rtt_us;
	uint16_t loss;	    /* in 1/10000 */
	uint32_t jitter_us; /* RFC 3550 smoothed; 0 until measured */
};
/* The most a keepalive carries: a path is 46 bytes on the wire, the rest
 * (u8 uplink, nat, echo, u64 version, an IPv6 ep, u8 n_paths) 31, and
 * 31 + 24 x 46 = 1135 fits in PROTO_MAX_BODY (1168); 25 would not. */
#define PROTO_KA_PATH_LEN 46
/* Gateways before jitter was reported sent 42-byte records (no jitter_us);
 * a registry still takes them, so registries can be upgraded first. */
#define PROTO_KA_PATH_LEN_NO_JITTER 42
#define PROTO_KA_HDR_MAX 31
#define PROTO_KA_MAX_PATHS 24

struct proto_keepalive {
	uint8_t uplink;
	uint8_t nat;
	uint8_t echo; /* enum proto_echo_result of this uplink */
	uint64_t version;
	struct endpoint local;
	uint8_t n_paths;
	struct proto_path paths[PROTO_KA_MAX_PATHS];
	/* The records came (or go, in tests) without jitter_us: an older
	 * gateway's PROTO_KA_PATH_LEN_NO_JITTER bytes each. */
	bool no_jitter;
};

struct proto_keepalive_ack {
	uint32_t registry_id;
	uint64_t version;
	uint8_t uplink;
	struct endpoint observed;
};

struct proto_push {
	uint32_t registry_id;
	uint64_t version;
	uint8_t reason; /* PROTO_PUSH_* */
};

/* ECHO to the registry's high port; the answer says where it came from. */
struct proto_echo {
	uint8_t uplink;
	uint32_t seq; /* echoed, so the answer matches the request */
};

struct proto_echo_reply {
	uint32_t registry_id;
	uint8_t uplink;
	uint32_t seq;
	struct endpoint observed; /* the request's source ip:port, as seen on the high port */
};

/*
 * DIAG: a gateway asks the registry what one of its peers reports (its
 * registry connectivity, NAT and high-port echo per uplink, and the status
 * of its paths toward the asker), so `autovpn diagnose` can tell which
 * side blocks.
 */
#define PROTO_DIAG_NONE UINT32_MAX /* last_seen_s: never */
#define PROTO_DIAG_MAX_PATHS (PROTO_MAX_UPLINKS * PROTO_MAX_UPLINKS)

enum proto_diag_status {
	PROTO_DIAG_OK = 0,	 /* the peer's report follows */
	PROTO_DIAG_NOT_PEER = 1, /* no such gateway, or not a peer of the asker */
	PROTO_DIAG_NEVER = 2,	 /* it never registered with this registry (since it started) */
};

struct proto_diag_req {
	uint32_t seq; /* echoed */
	uint8_t peer_pk[32];
};

struct proto_diag_uplink {
	uint8_t uplink;
	uint8_t nat;	      /* enum proto_nat */
	uint8_t echo;	      /* enum proto_echo_result */
	uint8_t connected;    /* heard from within PROTO_MISSED_KEEPALIVES intervals */
	uint32_t last_seen_s; /* seconds since its last message, PROTO_DIAG_NONE never */
	struct endpoint pub;  /* its public ip:port: manual if forwarded, else observed */
};

struct proto_diag_path {
	uint8_t local_uplink;  /* the peer's uplink */
	uint8_t remote_uplink; /* the asker's uplink */
	uint8_t up;
	uint32_t rtt_us;
	uint16_t loss;	/* in 1/10000 */
	uint32_t age_s; /* since the peer reported it */
};

struct proto_diag_resp {
	uint32_t registry_id;
	uint32_t seq;
	uint8_t peer_pk[32];
	uint8_t status;	      /* enum proto_diag_status; not OK: nothing below */
	uint8_t connected;    /* any uplink connected */
	uint32_t last_seen_s; /* PROTO_DIAG_NONE: never */
	uint8_t n_uplinks;    /* the uplinks it ever registered, ascending */
	struct proto_diag_uplink uplinks[PROTO_MAX_UPLINKS];
	uint8_t n_paths; /* its paths toward the asker, as it reported them */
	struct proto_diag_path paths[PROTO_DIAG_MAX_PATHS];
};

/* Encoders return the body length, -EMSGSIZE if it does not fit in cap. */
ssize_t proto_enc_reg_req(uint8_t *buf, size_t cap, const struct proto_reg_req *m);
ssize_t proto_enc_keepalive(uint8_t *buf, size_t cap, const struct proto_keepalive *m);
ssize_t proto_enc_keepalive_ack(uint8_t *buf, size_t cap, const struct proto_keepalive_ack *m);
ssize_t proto_enc_push(uint8_t *buf, size_t cap, const struct proto_push *m);
ssize_t proto_enc_echo(uint8_t *buf, size_t cap, const struct proto_echo *m);
ssize_t proto_enc_echo_reply(uint8_t *buf, size_t cap, const struct proto_echo_reply *m);
ssize_t proto_enc_diag_req(uint8_t *buf, size_t cap, const struct proto_diag_req *m);
/* -EINVAL too for an answer that breaks the rules (docs/protocol.md). */
ssize_t proto_enc_diag_resp(uint8_t *buf, size_t cap, const struct proto_diag_resp *m);

/* Decoders return 0, or -EBADMSG for anything malformed. */
int proto_dec_reg_req(const uint8_t *buf, size_t len, struct proto_reg_req *m);
int proto_dec_keepalive(const uint8_t *buf, size_t len, struct proto_keepalive *m);
int proto_dec_keepalive_ack(const uint8_t *buf, size_t len, struct proto_keepalive_ack *m);
int proto_dec_push(const uint8_t *buf, size_t len, struct proto_push *m);
int proto_dec_echo(const uint8_t *buf, size_t len, struct proto_echo *m);
int proto_dec_echo_reply(const uint8_t *buf, size_t len, struct proto_echo_reply *m);
int proto_dec_diag_req(const uint8_t *buf, size_t len, struct proto_diag_req *m);
int proto_dec_diag_resp(const uint8_t *buf, size_t len, struct proto_diag_resp *m);
int proto_dec_reg_resp(const uint8_t *buf, size_t len, struct proto_reg_resp *m);

/*
 * Register responses are built incrementally: begin writes the fixed part
 * (the records of m are ignored), add_self the SELF record (page 0 and
 * register-only answers, right after begin), add_peer one peer record with
 * its subnets. All return 0, -EMSGSIZE if it does not fit (the page is then
 * left unchanged) or -EINVAL for a record with no encoding.
 */
struct proto_resp_writer {
	uint8_t *buf;
	size_t cap, len;
};
int proto_resp_begin(struct proto_resp_writer *w, uint8_t *buf, size_t cap,
		     const struct proto_reg_resp *m);
int proto_resp_add_self(struct proto_resp_writer *w, const struct proto_self *m);
int proto_resp_add_peer(struct proto_resp_writer *w, const struct proto_peer *p,
			const struct proto_subnet *subnets, uint16_t n_subnets);
/*
 * The NONCE record, last: the request's nonce echoed (nothing for 0). The
 * room proto_page_room() gives the records leaves space for it.
 */
int proto_resp_end(struct proto_resp_writer *w, uint64_t nonce);
/*
 * Bytes of m's SELF record (header included), or -EINVAL if it has no
 * encoding, -EMSGSIZE if it is larger than a whole page.
 */
ssize_t proto_self_size(const struct proto_self *m);

/* Encoded size of a subnet, and an upper bound for a peer record header. */
size_t proto_subnet_size(const struct proto_subnet *s);
size_t proto_peer_hdr_max(size_t name_len, int cont);
/* Room for records in one response page. */
size_t proto_page_room(void);

/*
 * Paging: the peer list is cut into pages with sizes that depend only on the
 * config (names, subnets) and worst-case endpoints, so every page boundary is
 * stable while the config version is.  A peer whose subnets do not fit goes
 * on in continuation records.  proto_page_cursor describes where a page
 * starts; proto_paginate walks the list.
 */
struct proto_page_item {
	size_t name_len;
	uint32_t n_subnets;
	const struct proto_subnet *subnets;
};
struct proto_page_cursor {
	uint32_t peer;	 /* first peer (index) of the page */
	uint32_t subnet; /* first subnet of that peer in this page */
};
/*
 * Fills starts[0..max) with page starts, returns the number of pages (>= 1,
 * an empty list has one empty page), or 0 if more than max pages are needed.
 * If starts is NULL only counts. Page 0 has reserved0 bytes less room for
 * peers (its SELF record).
 */
uint32_t proto_paginate(const struct proto_page_item *items, uint32_t n,
			struct proto_page_cursor *starts, uint32_t max, size_t reserved0);
/*
 * How much of the list starting at *cur fits in room bytes: calls take(ctx,
 * peer, first_subnet, n_subnets) for each record, and advances *cur.
 */
void proto_page_fill(const struct proto_page_item *items, uint32_t n, struct proto_page_cursor *cur,
		     size_t room,
		     void (*take)(void *ctx, uint32_t peer, uint32_t sub0, uint32_t nsub),
		     void *ctx);

const char *proto_type_name(uint8_t type);
const char *proto_nat_name(uint8_t nat);
/* "unknown", "ok", "blocked" */
const char *proto_echo_name(uint8_t echo);
/*
 * NAT classification of one uplink from what the two registries observed
 * (NULL or family AF_UNSPEC: not observed).
 */
uint8_t proto_nat_classify(const struct endpoint *seen_a, const struct endpoint *seen_b,
			   int manual);

#endif /* AVPN_WIRE_PROTO_H */
