/* SPDX-License-Identifier: GPL-2.0 */
/*
 * setreq.h - `autovpn set IFACE ...` as data: the set request.
 *
 * setreq_parse() is a pure function from argv to a struct setreq: no netlink,
 * no sockets, no files, so the whole grammar is unit-tested on the host
 * (tests/unit/test_tool_cli.c). setreq_load_keys() then reads the key
 * files the request names, and set.c carries the request out. Everything is
 * checked before the first netlink request, so bad input changes nothing.
 *
 * Grammar (docs/tools.md): device words (active-active, uplink) come first,
 * then any number of peer blocks. Inside a peer block, `path` and `key`
 * open clauses that end at the first word they do not know.
 */
#ifndef AVPN_TOOL_SETREQ_H
#define AVPN_TOOL_SETREQ_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "nl/avpnl_peer.h"

enum setreq_key_op_type {
	SETREQ_KEY_NEW,
	SETREQ_KEY_SWAP,
	SETREQ_KEY_DEL,
};

/* A key request of a peer block, in command-line order. */
struct setreq_key_op {
	enum setreq_key_op_type type;
	const char *tx_path, *rx_path; /* SETREQ_KEY_NEW: point into argv */
	struct avpnl_key key;	       /* slot (NEW/DEL), id, limits; keys by setreq_load_keys() */
};

#define SETREQ_MAX_KEY_OPS 16

struct setreq_peer {
	struct avpnl_peer peer; /* id, fields, routes, allowed, paths */
	bool remove;
	bool has_settings; /* anything for PEER_NEW/PEER_SET beyond the id */
	size_t n_ops;
	struct setreq_key_op ops[SETREQ_MAX_KEY_OPS];
};

struct setreq_uplink {
	uint8_t id;
	bool detach; /* `uplink ID none` */
	struct endpoint bind;
	char dev[IF_NAMESIZE]; /* empty: no SO_BINDTODEVICE */
};

struct setreq {
	const char *ifname;
	bool set_active_active;
	bool active_active;
	size_t n_uplinks;
	struct setreq_uplink uplinks[AUTOVPN_MAX_UPLINKS];
	size_t n_peers;
	struct setreq_peer *peers;
};

/*
 * @argv[0] is IFACE. Fills @req (zeroed first; setreq_free() it in every
 * case). Returns 0, or -EINVAL/-ENOMEM with a one-line reason in @err.
 */
int setreq_parse(int argc, char *const *argv, struct setreq *req, char *err, size_t errlen);

/* Reads every key file of @req; same error convention. */
int setreq_load_keys(struct setreq *req, char *err, size_t errlen);

/* Wipes key material, frees everything. */
void setreq_free(struct setreq *req);

#endif /* AVPN_TOOL_SETREQ_H */
