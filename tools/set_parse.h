/* SPDX-License-Identifier: GPL-2.0 */
/*
 * set_parse.h - `autovpn set IFACE ...` as data.
 *
 * set_parse() is a pure function from argv to a struct set_req: no netlink,
 * no sockets, no files, so the whole grammar is unit-tested on the host
 * (tests/unit/tool_test_cli_parse.c). set_load_keys() then reads the key
 * files the request names, and set.c carries the request out. Everything is
 * checked before the first netlink request, so bad input changes nothing.
 *
 * Grammar (docs/tools.md): device words (active-active, uplink) come first,
 * then any number of peer blocks. Inside a peer block, `path` and `key`
 * open clauses that end at the first word they do not know.
 */
#ifndef AVPN_TOOL_SET_PARSE_H
#define AVPN_TOOL_SET_PARSE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "nl/avpnl_peer.h"

enum set_key_op_type {
	SET_KEY_NEW,
	SET_KEY_SWAP,
	SET_KEY_DEL,
};

/* A key request of a peer block, in command-line order. */
struct set_key_op {
	enum set_key_op_type type;
	const char *tx_path, *rx_path; /* SET_KEY_NEW: point into argv */
	struct avpnl_key key;	       /* slot (NEW/DEL), id, limits; keys by set_load_keys() */
};

#define SET_MAX_KEY_OPS 16

struct set_peer {
	struct avpnl_peer peer; /* id, fields, routes, allowed, paths */
	bool remove;
	bool has_settings; /* anything for PEER_NEW/PEER_SET beyond the id */
	size_t n_ops;
	struct set_key_op ops[SET_MAX_KEY_OPS];
};

struct set_uplink {
	uint8_t id;
	bool detach; /* `uplink ID none` */
	struct endpoint bind;
	char dev[IF_NAMESIZE]; /* empty: no SO_BINDTODEVICE */
};

struct set_req {
	const char *ifname;
	bool set_active_active;
	bool active_active;
	size_t n_uplinks;
	struct set_uplink uplinks[AUTOVPN_MAX_UPLINKS];
	size_t n_peers;
	struct set_peer *peers;
};

/*
 * @argv[0] is IFACE. Fills @req (zeroed first; set_req_free() it in every
 * case). Returns 0, or -EINVAL/-ENOMEM with a one-line reason in @err.
 */
int set_parse(int argc, char *const *argv, struct set_req *req, char *err, size_t errlen);

/* Reads every key file of @req; same error convention. */
int set_load_keys(struct set_req *req, char *err, size_t errlen);

/* Wipes key material, frees everything. */
void set_req_free(struct set_req *req);

#endif /* AVPN_TOOL_SET_PARSE_H */
