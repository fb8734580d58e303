// SPDX-License-Identifier: GPL-2.0
/*
 * dumpcheck: a PEER_GET dump that the configuration changes under, at a
 * chosen moment (issue 9, defect 9).
 *
 * A peer with more routes than fit in one netlink message is dumped over
 * several messages. dumpcheck asks for the dump, reads the first message
 * batch only, then (through a second socket) removes one of the peer's
 * first routes, which the dump has already sent, and reads the rest. The dump must then
 * either be flagged NLM_F_DUMP_INTR (so a daemon that adopts kernel state
 * knows to read it again) or still contain every other route exactly once.
 *
 *   dumpcheck raw IFACE PEER_ID N
 *     the peer's routes, as the scenario created them: route i is
 *     (172.16.0.0 + i)/32, i = 0..N-1, inserted in that order; route 0 is
 *     removed during the dump (and added again at the end: it is then the
 *     last one).
 *   dumpcheck avpnl IFACE PEER_ID N
 *     the same through avpnl_peer_dump() (the library of the tool and the
 *     daemon): the change is made from its callback for the first, small
 *     peer; avpnl_peer_dump() must fail with a message, or return the
 *     routes consistently. The route removed is route 1 (route 0 is last
 *     after a raw run); it is added again at the end.
 * Output: "RESULT PASS|FAIL name (detail)".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/autovpn.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nl/avpnl.h"
#include "nl/avpnl_peer.h"

#define BASE 0xac100000u /* 172.16.0.0 */

static unsigned int ifindex;
static uint32_t peer_id;
static unsigned long n_routes;
static unsigned char *seen; /* times each route i was seen */
static unsigned long victim;  /* the route removed during the dump */

/* Through its own socket: remove (or re-add) the victim route of the peer. */
static int route0(bool remove)
{
	struct avpnl_peer p = { .id = peer_id };
	struct prefix pfx = { .len = 32 };
	struct avpnl *h;
	int r;

	pfx.addr.family = AF_INET;
	pfx.addr.v4.s_addr = htonl(BASE + (uint32_t)victim);
	r = avpnl_open(&h);
	if (r)
		return r;
	r = avpnl_peer_add_route(&p, &pfx, remove);
	p.set |= AVPNL_PEER_ROUTES;
	if (!r)
		r = avpnl_peer_set(h, ifindex, &p);
	if (r)
		fprintf(stderr, "dumpcheck: route change: %s\n", avpnl_errmsg(h) ?: strerror(-r));
	avpnl_peer_clear(&p);
	avpnl_close(h);
	return r;
}

static void count_route(uint32_t addr_host, int plen)
{
	uint32_t i = addr_host - BASE;

	if (plen == 32 && addr_host >= BASE && i < n_routes && seen[i] < 255)
		seen[i]++;
}

/* The verdict from seen[]: the victim at most once, every other exactly once. */
static bool consistent(char *why, size_t len)
{
	unsigned long i, missing = 0, twice = 0;

	for (i = 0; i < n_routes; i++) {
		if (seen[i] > 1)
			twice++;
		else if (!seen[i] && i != victim)
			missing++;
	}
	snprintf(why, len, "%lu of %lu stable routes missing, %lu repeated", missing,
		 n_routes - 1, twice);
	return !missing && !twice;
}

/* ---- raw: read the dump message by message ---- */

static void parse_peer_msg(struct nlmsghdr *h)
{
	struct genlmsghdr *g = NLMSG_DATA(h);
	struct nlattr *a, *b, *c, *d;
	int r1, r2, r3, r4;

	nla_for_each_attr(a, (struct nlattr *)((char *)g + GENL_HDRLEN),
			  (int)h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, r1) {
		bool ours = false;

		if (nla_type(a) != AUTOVPN_A_PEER)
			continue;
		nla_for_each_nested(b, a, r2)
			if (nla_type(b) == AUTOVPN_PEER_A_ID && nla_get_u32(b) == peer_id)
				ours = true;
		if (!ours)
			continue;
		nla_for_each_nested(b, a, r2) {
			if (nla_type(b) != AUTOVPN_PEER_A_ROUTES)
				continue;
			nla_for_each_nested(c, b, r3) {
				uint32_t addr = 0;
				int plen = -1;

				nla_for_each_nested(d, c, r4) {
					if (nla_type(d) == AUTOVPN_PREFIX_A_IPV4)
						addr = ntohl(nla_get_u32(d));
					else if (nla_type(d) == AUTOVPN_PREFIX_A_PLEN)
						plen = nla_get_u8(d);
				}
				count_route(addr, plen);
			}
		}
	}
}

static int raw(void)
{
	static unsigned char buf[1 << 17];
	struct nl_sock *sk = nl_socket_alloc();
	bool intr = false, done = false, changed = false;
	unsigned int batches = 0;
	struct nl_msg *m;
	int family, fd, err = 0;
	char why[160];

	if (!sk || genl_connect(sk) || (family = genl_ctrl_resolve(sk, AUTOVPN_GENL_NAME)) < 0)
		return 2;
	m = nlmsg_alloc();
	genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_DUMP, AUTOVPN_CMD_PEER_GET,
		    AUTOVPN_GENL_VERSION);
	nla_put_u32(m, AUTOVPN_A_IFINDEX, ifindex);
	if (nl_send_auto(sk, m) < 0)
		return 2;
	nlmsg_free(m);
	fd = nl_socket_get_fd(sk);
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;
		int left;

		if (n < 0) {
			perror("dumpcheck: recv");
			return 2;
		}
		batches++;
		left = (int)n;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				err = *(int *)NLMSG_DATA(h);
			} else if (h->nlmsg_type == NLMSG_ERROR) {
				done = true;
				err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			} else {
				parse_peer_msg(h);
			}
		}
		/* Reading the first batch made the kernel fill the second one;
		 * change the configuration before the third.
		 */
		if (!changed && !done) {
			if (route0(true))
				return 2;
			changed = true;
		}
	}
	nl_socket_free(sk);
	if (route0(false))
		return 2;
	if (err) {
		printf("RESULT FAIL raw-dump (dump ended with error %d)\n", err);
		return 1;
	}
	if (!changed || batches < 4) {
		printf("RESULT FAIL raw-dump-setup (only %u message batches: "
		       "the dump must span at least 4)\n", batches);
		return 1;
	}
	if (intr) {
		printf("RESULT PASS raw-dump-flagged (NLM_F_DUMP_INTR after the change, "
		       "%u batches)\n", batches);
		return 0;
	}
	if (consistent(why, sizeof(why))) {
		printf("RESULT PASS raw-dump-consistent (%s, %u batches)\n", why, batches);
		return 0;
	}
	printf("RESULT FAIL raw-dump-silently-inconsistent (%s, and no NLM_F_DUMP_INTR)\n", why);
	return 1;
}

/* ---- avpnl: the library the tool and the daemon read state with ---- */

static int dump_cb(const struct avpnl_peer *p, void *arg)
{
	bool *changed = arg;
	size_t i;

	if (!*changed) {
		/* The first peer is the small one; the big one is being sent. */
		if (route0(true))
			return -EIO;
		*changed = true;
	}
	if (p->id != peer_id)
		return 0;
	for (i = 0; i < p->n_routes; i++)
		if (p->routes[i].prefix.addr.family == AF_INET)
			count_route(ntohl(p->routes[i].prefix.addr.v4.s_addr),
				    p->routes[i].prefix.len);
	return 0;
}

static int lib(void)
{
	bool changed = false;
	struct avpnl *h;
	char why[160];
	int r;

	if (avpnl_open(&h))
		return 2;
	r = avpnl_peer_dump(h, ifindex, dump_cb, &changed);
	if (route0(false))
		return 2;
	if (!changed) {
		printf("RESULT FAIL avpnl-dump-setup (the callback never ran)\n");
		return 1;
	}
	if (r) {
		printf("RESULT PASS avpnl-dump-reported (%s: %s)\n", strerror(-r),
		       avpnl_errmsg(h) ?: "no message");
		avpnl_close(h);
		return 0;
	}
	avpnl_close(h);
	if (consistent(why, sizeof(why))) {
		printf("RESULT PASS avpnl-dump-consistent (%s)\n", why);
		return 0;
	}
	printf("RESULT FAIL avpnl-dump-silently-inconsistent (%s, returned success)\n", why);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 5)
		goto usage;
	ifindex = if_nametoindex(argv[2]);
	peer_id = (uint32_t)strtoul(argv[3], NULL, 0);
	n_routes = strtoul(argv[4], NULL, 0);
	if (!ifindex || !peer_id || n_routes < 2 || n_routes > (1u << 20))
		goto usage;
	seen = calloc(n_routes, 1);
	if (!seen)
		return 2;
	if (!strcmp(argv[1], "raw"))
		return raw();
	victim = 1;
	if (!strcmp(argv[1], "avpnl"))
		return lib();
usage:
	fprintf(stderr, "usage: dumpcheck raw|avpnl IFACE PEER_ID N\n");
	return 2;
}
