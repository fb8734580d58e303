// SPDX-License-Identifier: GPL-2.0
/*
 * set.c - `autovpn set IFACE ...`: carries out what setreq_parse() built.
 *
 * Order: parse everything, read every key file, resolve the device and open
 * every uplink socket; only then talk to the kernel. So a typo, a missing
 * file or an address that cannot be bound changes nothing. Then one DEV_SET
 * (flags and all uplinks together), then per peer block: PEER_DEL, or
 * PEER_NEW/PEER_SET followed by its key requests in command-line order. The
 * first request the kernel refuses stops the command with its message; the
 * requests before it stay applied (each one is atomic in the kernel).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/udpsock.h"
#include "nl/avpnl_dev.h"
#include "setreq.h"
#include "tool.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: " TOOL_PROG " set IFACE [active-active on|off]\n"
		   "         [uplink ID bind IP:PORT [dev DEVNAME]] [uplink ID none]\n"
		   "         [peer ID [name NAME] [rx-index N] [tx-index N] [remove]\n"
		   "              [routes PREFIX[,PREFIX...]] [replace-routes]\n"
		   "              [allowed PREFIX[,PREFIX...]] [replace-allowed]\n"
		   "              [path PID [uplink U] [endpoint IP:PORT|[IPv6]:PORT]\n"
		   "                    [state up|down] [priority N] [class-mask N] [remove]]...\n"
		   "              [key current|previous|next id KID tx FILE rx FILE\n"
		   "                   [rekey-packets N] [limit-packets N] [rekey-secs N]\n"
		   "                   [lifetime-secs N]]...\n"
		   "              [key-swap] [key-del current|previous|next]...]...\n"
		   "\n"
		   "Device words come before the first peer. A peer block creates the peer\n"
		   "(PEER_NEW) if its id is unknown, else changes it (PEER_SET). A prefix\n"
		   "written -PREFIX is removed; replace-routes/replace-allowed make the\n"
		   "list the whole set. Key files hold base64 of 36 bytes (32-byte key and\n"
		   "4-byte salt, 'autovpn genkey --data'); keys are never accepted on the\n"
		   "command line. 'uplink ID bind' opens and binds a UDP socket and hands\n"
		   "it to the module, which keeps it after this command exits.\n");
}

static int apply_dev(struct avpnl *h, uint32_t ifindex, const struct setreq *req, const int *fds)
{
	struct avpnl_dev_set ds = { 0 };
	size_t i;
	int r;

	if (!req->set_active_active && !req->n_uplinks)
		return 0;
	ds.set_active_active = req->set_active_active;
	ds.active_active = req->active_active;
	for (i = 0; i < req->n_uplinks; i++) {
		ds.uplinks[i].id = req->uplinks[i].id;
		ds.uplinks[i].fd = fds[i];
	}
	ds.n_uplinks = req->n_uplinks;
	r = avpnl_dev_set(h, ifindex, &ds);
	return r ? tool_nl_error(h, r, req->ifname) : 0;
}

/* 1 if the peer exists, 0 if not, negative on other errors. */
static int peer_exists(struct avpnl *h, uint32_t ifindex, uint32_t id)
{
	struct avpnl_peer p;
	int r = avpnl_peer_get(h, ifindex, id, &p);

	avpnl_peer_clear(&p);
	if (r == -ENOENT)
		return 0;
	/* Found, but too big for one PEER_GET reply (thousands of routes). */
	if (r == -EMSGSIZE)
		return 1;
	return r ? r : 1;
}

static int apply_peer(struct avpnl *h, uint32_t ifindex, const struct setreq_peer *sp)
{
	char ctx[64];
	size_t k;
	int r;

	snprintf(ctx, sizeof(ctx), "peer %u", sp->peer.id);
	if (sp->remove) {
		r = avpnl_peer_del(h, ifindex, sp->peer.id);
		return r ? tool_nl_error(h, r, ctx) : 0;
	}
	r = peer_exists(h, ifindex, sp->peer.id);
	if (r < 0)
		return tool_nl_error(h, r, ctx);
	if (!r)
		r = avpnl_peer_new(h, ifindex, &sp->peer);
	else if (sp->has_settings)
		r = avpnl_peer_set(h, ifindex, &sp->peer);
	else
		r = 0; /* only key requests for an existing peer */
	if (r)
		return tool_nl_error(h, r, ctx);
	for (k = 0; k < sp->n_ops; k++) {
		const struct setreq_key_op *op = &sp->ops[k];
		const char *slot = avpnl_key_slot_name(op->key.slot);

		switch (op->type) {
		case SETREQ_KEY_NEW:
			snprintf(ctx, sizeof(ctx), "peer %u: key %s", sp->peer.id, slot);
			r = avpnl_key_new(h, ifindex, sp->peer.id, &op->key);
			break;
		case SETREQ_KEY_SWAP:
			snprintf(ctx, sizeof(ctx), "peer %u: key-swap", sp->peer.id);
			r = avpnl_key_swap(h, ifindex, sp->peer.id);
			break;
		case SETREQ_KEY_DEL:
			snprintf(ctx, sizeof(ctx), "peer %u: key-del %s", sp->peer.id, slot);
			r = avpnl_key_del(h, ifindex, sp->peer.id, op->key.slot);
			break;
		}
		if (r)
			return tool_nl_error(h, r, ctx);
	}
	return 0;
}

int set_main(int argc, char **argv)
{
	int fds[AUTOVPN_MAX_UPLINKS] = { -1, -1 };
	struct setreq req;
	struct avpnl *h = NULL;
	char err[512];
	uint32_t ifindex;
	size_t i;
	int ret = 1;

	if (argc >= 1 && tool_is_help(argv[0])) {
		usage(stdout);
		return 0;
	}
	if (setreq_parse(argc, argv, &req, err, sizeof(err))) {
		tool_error("%s", err);
		goto out;
	}
	if (setreq_load_keys(&req, err, sizeof(err))) {
		tool_error("%s", err);
		goto out;
	}
	ifindex = tool_ifindex(req.ifname);
	if (!ifindex)
		goto out;
	for (i = 0; i < req.n_uplinks; i++) {
		if (req.uplinks[i].detach)
			continue;
		struct udpsock_opts o = { .dev = req.uplinks[i].dev };

		fds[i] = udpsock_open(&req.uplinks[i].bind, &o, err, sizeof(err));
		if (fds[i] < 0) {
			tool_error("uplink %u: %s", req.uplinks[i].id, err);
			goto out;
		}
	}
	h = tool_open();
	if (!h)
		goto out;
	if (apply_dev(h, ifindex, &req, fds))
		goto out;
	for (i = 0; i < req.n_peers; i++)
		if (apply_peer(h, ifindex, &req.peers[i]))
			goto out;
	ret = 0;
out:
	for (i = 0; i < AUTOVPN_MAX_UPLINKS; i++)
		if (fds[i] >= 0)
			close(fds[i]); /* the module holds its own reference */
	avpnl_close(h);
	setreq_free(&req);
	return ret;
}
