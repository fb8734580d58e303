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
};

/* Largest UDP payload of any control message: IPv6 minimum MTU - 40 - 8. */
#define PROTO_MAX_MSG 1232
#define PROTO_MAX_BODY (PROTO_MAX_MSG - SEAL_OVERHEAD)

#define PROTO_NAME_MAX 63
#define PROTO_MAX_UPLINKS 2    /* wan1 = 0, wan2 = 1 */
#define PROTO_MAX_PEER_EP 5    /* 2 uplinks x {public, private} + manual */
#define PROTO_PAGE_NONE 0xffff /* register request that wants no peer list */

/*
 * Keepalives (DESIGN 5): the registry tells each gateway the interval to use
 * (default below); a gateway that misses PROTO_MISSED_KEEPALIVES in a row
 * is disconnected, for the registry and for the gateway alike.
 */
#define PROTO_DEFAULT_KEEPALIVE_MS 10000
#define PROTO_MISSED_KEEPALIVES 6

enum proto_nat {
	PROTO_NAT_UNKNOWN = 0,	  /* not yet seen by both registries */
	PROTO_NAT_FRIENDLY = 1,	  /* both registries saw the same ip:port */
	PROTO_NAT_UNFRIENDLY = 2, /* they saw different ones */
	PROTO_NAT_MANUAL = 3,	  /* manual port forwarding configured */
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
	struct endpoint local;
};

/* Bounds of one decoded page, implied by PROTO_MAX_BODY. */
#define PROTO_PAGE_MAX_PEERS 32
#define PROTO_PAGE_MAX_SUBNETS 256

struct proto_reg_resp {
	uint32_t registry_id;
	uint64_t version;
	uint32_t keepalive_ms; /* interval the gateway must use */
	uint8_t uplink;	       /* echo of the request */
	uint8_t role;	       /* the gateway's own role */
	uint16_t page, page_count;
	struct endpoint observed; /* the request's source ip:port as seen here */
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
	uint16_t loss; /* in 1/10000 */
};
#define PROTO_KA_MAX_PATHS 24

struct proto_keepalive {
	uint8_t uplink;
	uint8_t nat;
	uint64_t version;
	struct endpoint local;
	uint8_t n_paths;
	struct proto_path paths[PROTO_KA_MAX_PATHS];
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

/* Encoders return the body length, -EMSGSIZE if it does not fit in cap. */
ssize_t proto_enc_reg_req(uint8_t *buf, size_t cap, const struct proto_reg_req *m);
ssize_t proto_enc_keepalive(uint8_t *buf, size_t cap, const struct proto_keepalive *m);
ssize_t proto_enc_keepalive_ack(uint8_t *buf, size_t cap, const struct proto_keepalive_ack *m);
ssize_t proto_enc_push(uint8_t *buf, size_t cap, const struct proto_push *m);

/* Decoders return 0, or -EBADMSG for anything malformed. */
int proto_dec_reg_req(const uint8_t *buf, size_t len, struct proto_reg_req *m);
int proto_dec_keepalive(const uint8_t *buf, size_t len, struct proto_keepalive *m);
int proto_dec_keepalive_ack(const uint8_t *buf, size_t len, struct proto_keepalive_ack *m);
int proto_dec_push(const uint8_t *buf, size_t len, struct proto_push *m);
int proto_dec_reg_resp(const uint8_t *buf, size_t len, struct proto_reg_resp *m);

/*
 * Register responses are built incrementally: begin writes the fixed part
 * (n_peers/subnets of m are ignored), add_peer appends one peer record with
 * its subnets. Both return 0, -EMSGSIZE if it does not fit (add_peer then
 * leaves the page unchanged) or -EINVAL for a record with no encoding.
 */
struct proto_resp_writer {
	uint8_t *buf;
	size_t cap, len;
};
int proto_resp_begin(struct proto_resp_writer *w, uint8_t *buf, size_t cap,
		     const struct proto_reg_resp *m);
int proto_resp_add_peer(struct proto_resp_writer *w, const struct proto_peer *p,
			const struct proto_subnet *subnets, uint16_t n_subnets);

/* Encoded size of a subnet, and an upper bound for a peer record header. */
size_t proto_subnet_size(const struct proto_subnet *s);
size_t proto_peer_hdr_max(size_t name_len, int cont);
/* Room for peer records in one response page. */
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
 * If starts is NULL only counts.
 */
uint32_t proto_paginate(const struct proto_page_item *items, uint32_t n,
			struct proto_page_cursor *starts, uint32_t max);
/*
 * How much of the list starting at *cur fits one page: calls take(ctx, peer,
 * first_subnet, n_subnets) for each record, and advances *cur.
 */
void proto_page_fill(const struct proto_page_item *items, uint32_t n, struct proto_page_cursor *cur,
		     void (*take)(void *ctx, uint32_t peer, uint32_t sub0, uint32_t nsub),
		     void *ctx);

const char *proto_type_name(uint8_t type);
const char *proto_nat_name(uint8_t nat);
/*
 * NAT classification of one uplink from what the two registries observed
 * (NULL or family AF_UNSPEC: not observed).
 */
uint8_t proto_nat_classify(const struct endpoint *seen_a, const struct endpoint *seen_b,
			   int manual);

#endif /* AVPN_WIRE_PROTO_H */
