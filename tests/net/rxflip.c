// SPDX-License-Identifier: GPL-2.0
/*
 * rxflip: stress for receive-index changes (issue 9, defect 8).
 *
 * The module finds the peer of a DATA packet in a hash table keyed by the
 * receiver index (kernel/peer.c: bucket = hash_min(jhash_1word(index, 0),
 * AVPN_PEER_HASH_BITS)). rxflip fills the bucket of TARGET's index with
 * NDUMMY more peers (ids 100000...), which the table puts in front of the
 * target, then changes their receive indexes back and forth between an
 * index of that bucket and one of another bucket, as fast as it can, for
 * SECS seconds. A lookup of TARGET that runs while a peer in front of it
 * moves must still find it; the scenario floods DATA packets for TARGET
 * meanwhile and counts the misses (no_peer drops).
 *
 * usage: rxflip IFACE TARGET_RX NDUMMY SECS
 * output: "flips N" (index changes made). Exit 0 if every request succeeded.
 */
#include <errno.h>
#include <linux/autovpn.h>
#include <net/if.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define HASH_BITS 12 /* AVPN_PEER_HASH_BITS */
#define MAX_DUMMY 4096
#define DUMMY_ID 100000

static struct nl_sock *sk;
static int family;
static unsigned int ifindex;

static uint32_t rol32(uint32_t w, unsigned int s)
{
	return (w << s) | (w >> (32 - s));
}

/* The kernel's jhash_1word(a, 0) and hash_32(., HASH_BITS). */
static unsigned int bucket(uint32_t idx)
{
	uint32_t a, b, c;

	a = b = c = 0xdeadbeef + (1 << 2);
	a += idx;
	c ^= b; c -= rol32(b, 14);
	a ^= c; a -= rol32(c, 11);
	b ^= a; b -= rol32(a, 25);
	c ^= b; c -= rol32(b, 16);
	a ^= c; a -= rol32(c, 4);
	b ^= a; b -= rol32(a, 14);
	c ^= b; c -= rol32(b, 24);
	return (c * 0x61C88647u) >> (32 - HASH_BITS);
}

static int peer_req(uint8_t cmd, uint32_t id, uint32_t rx)
{
	struct nl_msg *m = nlmsg_alloc();
	struct nlattr *p;
	int err;

	if (!m || !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_ACK, cmd,
			       AUTOVPN_GENL_VERSION))
		exit(2);
	nla_put_u32(m, AUTOVPN_A_IFINDEX, ifindex);
	p = nla_nest_start(m, AUTOVPN_A_PEER);
	nla_put_u32(m, AUTOVPN_PEER_A_ID, id);
	nla_put_u32(m, AUTOVPN_PEER_A_RX_INDEX, rx);
	nla_nest_end(m, p);
	err = nl_send_auto(sk, m);
	nlmsg_free(m);
	if (err >= 0)
		err = nl_wait_for_ack(sk);
	return err < 0 ? err : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static uint32_t in[MAX_DUMMY], out[MAX_DUMMY];
	unsigned long flips = 0;
	uint32_t target, idx;
	unsigned int b;
	int n, i, ni = 0, no = 0, err;
	double end;

	if (argc != 5)
		goto usage;
	ifindex = if_nametoindex(argv[1]);
	target = (uint32_t)strtoul(argv[2], NULL, 0);
	n = atoi(argv[3]);
	if (!ifindex || !target || n < 1 || n > MAX_DUMMY)
		goto usage;
	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk) || (family = genl_ctrl_resolve(sk, AUTOVPN_GENL_NAME)) < 0) {
		fprintf(stderr, "rxflip: no autovpn genl family\n");
		return 2;
	}
	/* Indexes in the target's bucket, and as many in other buckets. */
	b = bucket(target);
	for (idx = 1000000; ni < n || no < n; idx++) {
		if (idx == target)
			continue;
		if (bucket(idx) == b) {
			if (ni < n)
				in[ni++] = idx;
		} else if (no < n) {
			out[no++] = idx;
		}
	}
	for (i = 0; i < n; i++) {
		err = peer_req(AUTOVPN_CMD_PEER_NEW, DUMMY_ID + i, in[i]);
		if (err) {
			fprintf(stderr, "rxflip: creating peer %d: %s\n", DUMMY_ID + i,
				nl_geterror(err));
			return 1;
		}
	}
	printf("bucket %u: target %u behind %d peers\n", b, target, n);
	fflush(stdout);
	end = now() + atof(argv[4]);
	while (now() < end) {
		for (i = 0; i < n; i++) {
			if (peer_req(AUTOVPN_CMD_PEER_SET, DUMMY_ID + i, out[i]) ||
			    peer_req(AUTOVPN_CMD_PEER_SET, DUMMY_ID + i, in[i])) {
				fprintf(stderr, "rxflip: PEER_SET failed\n");
				return 1;
			}
			flips += 2;
		}
	}
	printf("flips %lu\n", flips);
	nl_socket_free(sk);
	return 0;
usage:
	fprintf(stderr, "usage: rxflip IFACE TARGET_RX NDUMMY SECS\n");
	return 2;
}
