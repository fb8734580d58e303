// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz: a policy-aware fuzzer of the autovpn genl family.
 *
 * It builds random requests for every command of the family from the
 * attribute tree of uapi/linux/autovpn.h (nlschema.h) and the per-command
 * policies of kernel/netlink_policy.c: mostly well-formed messages with
 * hostile values (edge integers, peer ids and indexes that collide, host
 * bits set, prefix lengths past 32/128, file descriptors of every kind:
 * UDP sockets bound and not, IPv6, connected, with UDP_GRO, with another
 * encapsulation, TCP, unix, pipes, /dev/null, stdio, closed numbers; key
 * material reused, identical in both directions, all-zero), and a share of
 * broken ones: wrong attribute lengths and types, unknown and duplicated
 * attributes, nests where scalars belong and back, strings without their
 * NUL, huge prefix lists, truncated messages, flipped bytes, lying lengths,
 * unknown commands and versions, dump flags on everything. Dumps are also
 * left half-read on a second socket while the state changes under them,
 * and closed unfinished. It creates devices of its own (fz0..fz3) through
 * DEV_NEW and ip link, and deletes them; the device given with -k is never
 * deleted (it carries the traffic of the scenario).
 *
 * usage: nlfuzz [-s SEED] [-t SECS] [-n MAX] [-d IFNAME]... [-k IFNAME]
 *               [-b LOCALIP]... [-r IP:PORT]... [-q]
 *        nlfuzz -c      only check the state (see below)
 *   -d  an existing autovpn device to target as well (e.g. av0)
 *   -b  local addresses to bind uplink sockets to (default 127.0.0.1, ::1)
 *   -r  remote endpoints to use in paths (besides random ones)
 *
 * At the end (and with -c alone) it checks the state of every autovpn
 * device in the netns: the dumps complete and parse against the schema,
 * NPEERS matches the peers dumped, peer ids ascend, receive indexes are
 * unique and non-zero, every route has one owner, prefixes have no host
 * bits, paths and key slots are unique and in range.
 *
 * Output: "nlfuzz: N requests ..." with counts per command and errno, and
 * RESULT lines: nlfuzz-requests (every request answered: a request that
 * needs an answer and gets none in 10 s is a failure), nlfuzz-consistent.
 * The seed is printed first; -s SEED replays a run.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/udp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/un.h>
#include <time.h>

#include "nlraw.h"
#include "nlschema.h"

#ifndef UDP_GRO
#define UDP_GRO 104
#endif
#ifndef UDP_ENCAP
#define UDP_ENCAP 100
#endif
#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP 2
#endif

#define MAX_ERRNO 256
#define NCMD 16 /* commands 0..12 of the family, 13 = unknown, 14/15 = rtnetlink */
#define MAX_DEVS 8
#define NFDS 16
#define MAX_ADDRS 8

static const char *const cmd_names[NCMD] = {
	"unspec", "dev_new", "dev_del", "dev_get", "dev_set", "peer_new", "peer_set",
	"peer_del", "peer_get", "key_new", "key_swap", "key_del", "event", "unknown",
	"rtnl_newlink", "rtnl_dellink",
};

static struct nlr gs, rs, ds; /* genl; rtnetlink; genl for half-read dumps */
static bool ds_open;
static uint32_t ds_seq;
static struct nlr_msg msg;
static struct nlr_result res;

static unsigned long sent[NCMD], okc[NCMD], errc[NCMD][MAX_ERRNO], silent, no_reply;
static double busy[NCMD]; /* seconds spent waiting for answers, per command */
static bool broken_msg;    /* the request being built has a broken attribute */

/* The kernel's extack messages, counted (what the errors were about). */
#define MAX_EXT 128
static struct {
	char text[96];
	unsigned long n;
} ext[MAX_EXT];
static int next_;

static void count_ext(int cmd, const char *m)
{
	char key[96];
	int i;

	if (!*m)
		m = "(no message)";
	snprintf(key, sizeof(key), "%s: %.80s", cmd_names[cmd], m);
	for (i = 0; i < next_; i++)
		if (!strcmp(ext[i].text, key))
			break;
	if (i == next_) {
		if (next_ == MAX_EXT)
			return;
		snprintf(ext[next_++].text, sizeof(ext[0].text), "%s", key);
	}
	ext[i].n++;
}

static int cmp_ext(const void *a, const void *b)
{
	const unsigned long x = *(const unsigned long *)((const char *)a + 96);
	const unsigned long y = *(const unsigned long *)((const char *)b + 96);

	return x < y ? 1 : x > y ? -1 : 0;
}
static unsigned long total_req, mutated, dumps_left, dumps_closed;
static int quiet;

/* ---- randomness ---------------------------------------------------------------- */

static uint64_t rng;

static uint64_t rnd64(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static uint32_t rnd(void)
{
	return (uint32_t)(rnd64() >> 32);
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int pct)
{
	return below(100) < pct;
}

static void rnd_bytes(void *p, size_t n)
{
	unsigned char *c = p;

	while (n--)
		*c++ = (unsigned char)rnd();
}

#define PICK(arr) ((arr)[below(sizeof(arr) / sizeof((arr)[0]))])

static const uint32_t edge32[] = { 0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 33, 63, 64, 127, 128, 129,
				   255, 256, 1000, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff,
				   0x80000000, 0xfffffffe, 0xffffffff };
static const uint64_t edge64[] = { 0, 1, 2, 100, 1ULL << 24, 1ULL << 28, (1ULL << 28) + (1ULL << 24),
				   (1ULL << 28) + (1ULL << 24) + 1, 1ULL << 32, 1ULL << 48,
				   1ULL << 63, UINT64_MAX - 1, UINT64_MAX };

/* ---- the world: devices, sockets, addresses ------------------------------------ */

struct dev {
	char name[IF_NAMESIZE];
	bool keep; /* never deleted */
	bool ours; /* made by the fuzzer (fzN) */
};
static struct dev devs[MAX_DEVS];
static int ndevs;
static int fds[NFDS];
static const char *local_addrs[MAX_ADDRS];
static int nlocal;
static struct sockaddr_storage remotes[MAX_ADDRS];
static int nremote;
static unsigned char keypool[4][AUTOVPN_KEY_LEN + AUTOVPN_SALT_LEN];

static int bind_udp(int family, const char *addr, bool gro, bool encap, bool connect_it)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd, one = 1, type = UDP_ENCAP_ESPINUDP;

	if (addr && strchr(addr, ':'))
		family = AF_INET6;
	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		inet_pton(AF_INET, addr ? addr : "127.0.0.1", &in->sin_addr);
		sl = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr ? addr : "::1", &in6->sin6_addr);
		sl = sizeof(*in6);
	}
	if (addr && bind(fd, (struct sockaddr *)&ss, sl)) {
		close(fd);
		return -1;
	}
	if (gro)
		setsockopt(fd, IPPROTO_UDP, UDP_GRO, &one, sizeof(one));
	if (encap)
		setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type, sizeof(type));
	if (connect_it && nremote)
		connect(fd, (struct sockaddr *)&remotes[0],
			remotes[0].ss_family == AF_INET ? sizeof(struct sockaddr_in) :
							  sizeof(struct sockaddr_in6));
	return fd;
}

/* (Re)makes descriptor slot i: mostly bound UDP sockets, some oddities. */
static void make_fd(int i)
{
	const char *la = nlocal ? local_addrs[below((uint32_t)nlocal)] : NULL;
	int p[2], fd = -1;

	if (fds[i] > 2)
		close(fds[i]);
	switch (i % 16) {
	case 0: case 1: case 2: case 3: case 4:
		fd = bind_udp(AF_INET, la, false, false, false);
		break;
	case 5:
		fd = bind_udp(AF_INET6, "::1", false, false, false);
		break;
	case 6:
		fd = bind_udp(AF_INET, NULL, false, false, false); /* not bound */
		break;
	case 7:
		fd = bind_udp(AF_INET, la, true, false, false); /* UDP_GRO */
		break;
	case 8:
		fd = bind_udp(AF_INET, la, false, true, false); /* ESP-in-UDP encap */
		break;
	case 9:
		fd = bind_udp(AF_INET, la, false, false, true); /* connected */
		break;
	case 10:
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		break;
	case 11:
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		break;
	case 12:
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		break;
	case 13:
		if (!pipe2(p, O_CLOEXEC)) {
			close(p[1]);
			fd = p[0];
		}
		break;
	case 14:
		fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP);
		break;
	default:
		fd = bind_udp(AF_INET, "127.0.0.1", false, false, false);
		break;
	}
	fds[i] = fd;
}

static uint32_t pick_fd(void)
{
	static const uint32_t odd[] = { 0, 1, 2, 0xffffffff, 0x7fffffff, 1023, 65535 };

	if (chance(85))
		return (uint32_t)fds[below(NFDS)];
	return PICK(odd);
}

/*
 * The device's ifindex, 0 if it does not exist. Not if_nametoindex(): its
 * ioctl asks modprobe for "netdev-NAME" when NAME does not exist, which
 * costs a process start (most of a second under TCG) per request.
 */
static int dev_index(int i);

/* A target device: one that exists, mostly. */
static int pick_dev(void)
{
	int i, d;

	for (i = 0; i < 10; i++) {
		d = (int)below((uint32_t)ndevs);
		if (dev_index(d) || chance(10))
			return d;
	}
	return d;
}

/* DEV_DELs that named the kept device by chance, and were aimed elsewhere. */
static unsigned long kept_spared;

/* @name is a kept device's (-k). */
static bool kept_name(const char *name)
{
	for (int i = 0; i < ndevs; i++)
		if (devs[i].keep && !strcmp(devs[i].name, name))
			return true;
	return false;
}

/* @ifindex is a kept device's (-k). */
static bool kept_index(int ifindex)
{
	for (int i = 0; i < ndevs; i++)
		if (devs[i].keep && ifindex && dev_index(i) == ifindex)
			return true;
	return false;
}

static int dev_index(int i)
{
	char path[64], buf[16] = "";
	int fd, n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/ifindex", devs[i].name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : 0;
}

/* ---- value generators -------------------------------------------------------------- */

static int cur_cmd, cur_dev, hostility;

/* How often a value is the usual kind for its attribute, in percent. */
static unsigned int usual(void)
{
	return hostility ? 70 : 95;
}

/* Peer ids the fuzzer believes exist, per target device (bit i: id i). */
static uint8_t known_peers[MAX_DEVS];
static uint32_t req_peer_id; /* the peer id of the request being built */

static uint32_t gen_id(void)
{
	uint8_t k = known_peers[cur_dev];
	uint32_t id;

	if (!chance(usual()))
		id = PICK(edge32);
	else if (k && cur_cmd != AUTOVPN_CMD_PEER_NEW && chance(85))
		do
			id = 1 + below(7);
		while (!(k & (1u << id)));
	else
		id = 1 + below(7);
	req_peer_id = id;
	return id;
}

static uint32_t gen_index(void)
{
	static const uint32_t idx[] = { 101, 202, 11, 12, 13, 14, 1000, 1001 };

	return chance(usual()) ? PICK(idx) : PICK(edge32);
}

static void gen_ipv4(unsigned char *a)
{
	static const char *const v4[] = { "10.1.0.0", "10.2.0.0", "10.2.0.0", "10.3.0.0",
					  "10.1.0.7", "0.0.0.0", "255.255.255.255", "127.0.0.1",
					  "224.0.0.1", "192.0.2.1", "198.51.100.1", "10.0.0.0" };

	if (chance(usual()))
		inet_pton(AF_INET, PICK(v4), a);
	else
		rnd_bytes(a, 4);
}

static void gen_ipv6(unsigned char *a)
{
	static const char *const v6[] = { "fd01::", "fd02::", "fd03::1", "::", "::1", "ff02::1",
					  "::ffff:10.2.0.0", "2001:db8:1::1", "2001:db8:2::1",
					  "fe80::1" };

	if (chance(usual()))
		inet_pton(AF_INET6, PICK(v6), a);
	else
		rnd_bytes(a, 16);
}

static uint8_t gen_plen(bool v6)
{
	static const uint8_t odd[] = { 0, 1, 31, 32, 33, 64, 127, 128, 129, 200, 255 };

	if (chance(usual()))
		return (uint8_t)(v6 ? PICK(((const uint8_t[]){ 48, 64, 64, 96, 128 }))
				    : PICK(((const uint8_t[]){ 8, 16, 24, 24, 32 })));
	return PICK(odd);
}

static void gen_string(char *buf, size_t max, const char *common)
{
	size_t n;

	if (common && chance(usual())) {
		snprintf(buf, max + 1, "%s", common);
		return;
	}
	switch (below(5)) {
	case 0: buf[0] = '\0'; return;
	case 1: n = max; break;        /* no room for the NUL inside max */
	case 2: n = max > 1 ? max - 1 : 0; break;
	case 3: n = 1 + below(300); break;
	default: n = 1 + below((uint32_t)max); break;
	}
	if (n > 4000)
		n = 4000;
	while (n--)
		*buf++ = (char)(chance(usual()) ? 'a' + below(26) : 1 + below(255));
	*buf = '\0';
}

/* ---- building attributes from the schema ----------------------------------------- */

/* Which attributes each command's policy takes at the top level. */
static const uint16_t top_attrs[][5] = {
	[AUTOVPN_CMD_DEV_NEW] = { AUTOVPN_A_IFNAME, AUTOVPN_A_MTU },
	[AUTOVPN_CMD_DEV_DEL] = { AUTOVPN_A_IFINDEX, AUTOVPN_A_IFNAME },
	[AUTOVPN_CMD_DEV_GET] = { AUTOVPN_A_IFINDEX, AUTOVPN_A_IFNAME },
	[AUTOVPN_CMD_DEV_SET] = { AUTOVPN_A_IFINDEX, AUTOVPN_A_IFNAME, AUTOVPN_A_UPLINK,
				  AUTOVPN_A_ACTIVE_ACTIVE },
	[AUTOVPN_CMD_PEER_NEW] = { AUTOVPN_A_IFINDEX, AUTOVPN_A_IFNAME, AUTOVPN_A_PEER },
	[AUTOVPN_CMD_PEER_SET] = { AUTOVPN_A_IFINDEX, AUTOVPN_A_IFNAME, AUTOVPN_A_PEER },
	[AUTOVPN_CMD_PEER_DEL] = { AUTOVPN_A_IFINDEX, AUTOVPN_A_IFNAME, AUTOVPN_A_PEER },
	[AUTOVPN_CMD_PEER_GET] = { AUTOVPN_A_IFINDEX, AUTOVPN_A_IFNAME, AUTOVPN_A_PEER },
	[AUTOVPN_CMD_KEY_NEW] = { AUTOVPN_A_IFINDEX, AUTOVPN_A_IFNAME, AUTOVPN_A_PEER_ID,
				  AUTOVPN_A_KEYCONF },
	[AUTOVPN_CMD_KEY_SWAP] = { AUTOVPN_A_IFINDEX, AUTOVPN_A_IFNAME, AUTOVPN_A_PEER_ID },
	[AUTOVPN_CMD_KEY_DEL] = { AUTOVPN_A_IFINDEX, AUTOVPN_A_IFNAME, AUTOVPN_A_PEER_ID,
				  AUTOVPN_A_KEYCONF },
};

static void gen_space(int sp, int depth);

/* A value for attribute d of space sp, written as a well-formed attribute. */
static void gen_value(int sp, const struct nls_attr *d, int depth)
{
	unsigned char buf[4096];
	uint64_t v = 0;
	size_t n;

	switch (d->kind) {
	case NLS_NEST:
		n = nlr_nest_start(&msg, d->type);
		gen_space(d->sub, depth + 1);
		nlr_nest_end(&msg, n);
		return;
	case NLS_FLAG:
		nlr_put(&msg, d->type, NULL, 0);
		return;
	case NLS_STR:
		if (sp == NLS_TOP && d->type == AUTOVPN_A_IFNAME) {
			gen_string((char *)buf, IF_NAMESIZE - 1,
				   cur_cmd == AUTOVPN_CMD_DEV_NEW ?
					   (const char *[]){ "fz0", "fz1", "fz2", "fz3" }[below(4)] :
					   devs[cur_dev].name);
			/* Nor by a made-up name that happens to be its name. */
			if (cur_cmd == AUTOVPN_CMD_DEV_DEL && kept_name((char *)buf)) {
				snprintf((char *)buf, IF_NAMESIZE, "%s", devs[cur_dev].name);
				kept_spared++;
			}
		} else
			gen_string((char *)buf, d->len - 1,
				   (const char *[]){ "a", "hub-1", "spoke", "" }[below(4)]);
		nlr_put_str(&msg, d->type, (char *)buf);
		return;
	case NLS_BIN:
		if (d->len == 16) {
			gen_ipv6(buf);
		} else if (d->len == AUTOVPN_KEY_LEN || d->len == AUTOVPN_SALT_LEN) {
			/* Fresh, from the small pool (reused), or all zero. */
			switch (below(4)) {
			case 0: case 1: rnd_bytes(buf, d->len); break;
			case 2: memcpy(buf, keypool[below(4)] + (d->len == AUTOVPN_KEY_LEN ? 0 : 32), d->len); break;
			default: memset(buf, 0, d->len); break;
			}
		} else {
			rnd_bytes(buf, d->len);
		}
		nlr_put(&msg, d->type, buf, d->len);
		return;
	case NLS_BE32:
		gen_ipv4(buf);
		nlr_put(&msg, d->type, buf, 4);
		return;
	case NLS_BE16:
		v = htons((uint16_t)(chance(70) ? PICK(((const uint16_t[]){ 40001, 40002, 4000, 0, 65535 }))
						: below(65536)));
		nlr_put(&msg, d->type, &v, 2);
		return;
	default:
		break;
	}
	/* Integers: what this attribute usually holds, else an edge value. */
	if (sp == NLS_TOP && d->type == AUTOVPN_A_IFINDEX) {
		v = chance(usual()) ? (uint64_t)dev_index(cur_dev) : chance(50) ? 1 : PICK(edge32);
		/*
		 * The kept device is never deleted: not by an edge value that
		 * happens to be its index either (2, 3, 4 ... are edge values
		 * and small indexes alike: one deleted gwA's av0 once).
		 */
		if (cur_cmd == AUTOVPN_CMD_DEV_DEL && kept_index((int)v)) {
			v = (uint64_t)dev_index(cur_dev);
			kept_spared++;
		}
	} else if ((sp == NLS_TOP && d->type == AUTOVPN_A_PEER_ID) ||
		 (sp == NLS_PEER && d->type == AUTOVPN_PEER_A_ID))
		v = gen_id();
	else if (sp == NLS_PEER && (d->type == AUTOVPN_PEER_A_RX_INDEX || d->type == AUTOVPN_PEER_A_TX_INDEX))
		v = gen_index();
	else if (sp == NLS_PEER && d->type == AUTOVPN_PEER_A_FLAGS)
		v = chance(usual()) ? below(8) : PICK(edge32);
	else if (sp == NLS_PREFIX && d->type == AUTOVPN_PREFIX_A_PLEN)
		v = gen_plen(chance(40));
	else if (sp == NLS_PREFIX && d->type == AUTOVPN_PREFIX_A_FLAGS)
		v = chance(usual()) ? below(2) : PICK(edge32);
	else if (sp == NLS_UPLINK && d->type == AUTOVPN_UPLINK_A_FD)
		v = pick_fd();
	else if (d->type == 1 && (sp == NLS_UPLINK || sp == NLS_PATH || sp == NLS_KEY))
		v = chance(usual()) ? below(sp == NLS_UPLINK ? 2 : sp == NLS_PATH ? 4 : 3) : PICK(edge32);
	else if (sp == NLS_PATH && d->type == AUTOVPN_PATH_A_UPLINK)
		v = chance(usual()) ? below(2) : PICK(edge32);
	else if (sp == NLS_PATH && d->type == AUTOVPN_PATH_A_STATE)
		v = chance(usual()) ? below(2) : PICK(edge32);
	else if (sp == NLS_KEY && d->type == AUTOVPN_KEY_A_ID)
		v = chance(usual()) ? below(5) : PICK(edge32);
	else if (sp == NLS_TOP && d->type == AUTOVPN_A_ACTIVE_ACTIVE)
		v = chance(usual()) ? below(2) : PICK(edge32);
	else if (sp == NLS_TOP && d->type == AUTOVPN_A_MTU)
		v = chance(60) ? PICK(((const uint32_t[]){ 1420, 1280, 1500, 576, 68, 9000 })) : PICK(edge32);
	else if (d->kind == NLS_U64)
		v = chance(70) ? PICK(edge64) : rnd64() >> below(64);
	else
		v = chance(70) ? PICK(edge32) : rnd();
	switch (d->kind) {
	case NLS_U8: nlr_put_u8(&msg, d->type, (uint8_t)v); break;
	case NLS_U16: nlr_put_u16(&msg, d->type, (uint16_t)v); break;
	case NLS_U32: nlr_put_u32(&msg, d->type, (uint32_t)v); break;
	default: nlr_put_u64(&msg, d->type, v); break;
	}
}

/* A broken attribute in place of d (or of an unknown type). */
static void gen_broken(int sp, const struct nls_attr *d, int depth)
{
	unsigned char buf[512];
	size_t n, len;
	uint16_t type = d ? d->type : 0;

	broken_msg = true;
	switch (below(8)) {
	case 0: /* wrong length */
		len = below(24);
		rnd_bytes(buf, len);
		nlr_put(&msg, type, buf, len);
		break;
	case 1: /* a nest where a scalar belongs, or garbage inside a nest */
		n = nlr_nest_start(&msg, type);
		gen_space(below(NLS__N), depth + 1);
		nlr_nest_end(&msg, n);
		break;
	case 2: /* unknown type */
		type = (uint16_t)(chance(50) ? 1 + below(40) : below(NLA_TYPE_MASK + 1));
		len = below(16);
		rnd_bytes(buf, len);
		nlr_put(&msg, type, buf, len);
		break;
	case 3: /* the flags bits */
		len = d && nls_fixed_len(d) > 0 ? (size_t)nls_fixed_len(d) : 4;
		rnd_bytes(buf, len);
		nlr_put(&msg, (uint16_t)(type | (chance(50) ? NLA_F_NESTED : NLA_F_NET_BYTEORDER)), buf, len);
		break;
	case 4: /* an empty nest */
		n = nlr_nest_start(&msg, type);
		nlr_nest_end(&msg, n);
		break;
	case 5: /* a huge attribute */
		len = 256 + below(256);
		rnd_bytes(buf, len);
		nlr_put(&msg, type, buf, len);
		break;
	case 6: /* nla_len shorter than its header */
		nlr_put_raw(&msg, type, (uint16_t)below(NLA_HDRLEN), NULL, 0);
		break;
	default: /* deep nesting */
		for (n = 0; n < 20 + below(40); n++)
			nlr_nest_start(&msg, type);
		break;
	}
}

/*
 * How likely attribute d of space sp is in a request of the current
 * command, in percent: what the command's policy takes (and what its
 * handler needs, mostly) usually; what the policy refuses only in hostile
 * requests.
 */
static unsigned int want(int sp, const struct nls_attr *d)
{
	unsigned int i;
	int t = d->type;

	switch (sp) {
	case NLS_TOP:
		for (i = 0; i < 5 && top_attrs[cur_cmd][i]; i++)
			if (top_attrs[cur_cmd][i] == t)
				break;
		if (cur_cmd >= (int)(sizeof(top_attrs) / sizeof(top_attrs[0])) ||
		    i == 5 || !top_attrs[cur_cmd][i])
			return hostility ? 3 : 0;
		if (t == AUTOVPN_A_IFNAME)
			return cur_cmd == AUTOVPN_CMD_DEV_NEW ? 97 : hostility ? 40 : 98;
		if (t == AUTOVPN_A_IFINDEX)
			return hostility ? 70 : 98;
		return t == AUTOVPN_A_ACTIVE_ACTIVE ? 40 : 95;
	case NLS_PEER:
		if (cur_cmd == AUTOVPN_CMD_PEER_DEL || cur_cmd == AUTOVPN_CMD_PEER_GET)
			return t == AUTOVPN_PEER_A_ID ? 97 : hostility ? 3 : 0;
		if (t > AUTOVPN_PEER_A_PATHS)
			return hostility ? 3 : 0; /* get-only attributes */
		if (t == AUTOVPN_PEER_A_ID)
			return 97;
		if (t == AUTOVPN_PEER_A_RX_INDEX)
			return cur_cmd == AUTOVPN_CMD_PEER_NEW ? 92 : 15;
		if (t == AUTOVPN_PEER_A_TX_INDEX)
			return cur_cmd == AUTOVPN_CMD_PEER_NEW ? 80 : 15;
		if (t == AUTOVPN_PEER_A_NAME || t == AUTOVPN_PEER_A_FLAGS)
			return 25;
		return 55;
	case NLS_KEY:
		if (cur_cmd == AUTOVPN_CMD_KEY_DEL)
			return t == AUTOVPN_KEY_A_SLOT ? 97 : hostility ? 3 : 0;
		if (t > AUTOVPN_KEY_A_LIFETIME_SECS)
			return hostility ? 3 : 0;
		return t <= AUTOVPN_KEY_A_DECRYPT_SALT ? 97 : 12;
	case NLS_UPLINK:
		return t == AUTOVPN_UPLINK_A_LOCAL ? (hostility ? 3 : 0) :
		       t == AUTOVPN_UPLINK_A_ID   ? 97 : 88;
	case NLS_PATH:
		if (t > AUTOVPN_PATH_A_REMOVE)
			return hostility ? 3 : 0;
		switch (t) {
		case AUTOVPN_PATH_A_ID: return 97;
		case AUTOVPN_PATH_A_UPLINK: case AUTOVPN_PATH_A_REMOTE: return 85;
		case AUTOVPN_PATH_A_STATE: return 70;
		case AUTOVPN_PATH_A_REMOVE: return 5;
		default: return 25;
		}
	case NLS_PREFIX:
		return t == AUTOVPN_PREFIX_A_FLAGS ? 15 : 100; /* address: gen_prefix */
	case NLS_SA:
		return 100; /* gen_sockaddr */
	default:
		return 90;
	}
}

/* A well-formed prefix nest's inside: one family, host bits mostly clear. */
static void gen_prefix(void)
{
	unsigned char a[16];
	bool v6 = chance(40);
	uint8_t plen = gen_plen(v6);
	int i;

	if (v6)
		gen_ipv6(a);
	else
		gen_ipv4(a);
	if (chance(90))
		for (i = plen; i < (v6 ? 128 : 32); i++)
			a[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
	nlr_put(&msg, v6 ? AUTOVPN_PREFIX_A_IPV6 : AUTOVPN_PREFIX_A_IPV4, a, v6 ? 16 : 4);
	nlr_put_u8(&msg, AUTOVPN_PREFIX_A_PLEN, plen);
	if (chance(15))
		nlr_put_u32(&msg, AUTOVPN_PREFIX_A_FLAGS, chance(90) ? AUTOVPN_PREFIX_F_REMOVE : rnd());
}

/* A well-formed endpoint: one family, a port. */
static void gen_sockaddr(void)
{
	unsigned char a[16];
	uint16_t port;
	const struct sockaddr_storage *r = nremote && chance(70) ? &remotes[below((uint32_t)nremote)] : NULL;

	if (r && r->ss_family == AF_INET) {
		nlr_put(&msg, AUTOVPN_SA_A_IPV4, &((const struct sockaddr_in *)r)->sin_addr, 4);
		port = ((const struct sockaddr_in *)r)->sin_port;
	} else if (r) {
		nlr_put(&msg, AUTOVPN_SA_A_IPV6, &((const struct sockaddr_in6 *)r)->sin6_addr, 16);
		port = ((const struct sockaddr_in6 *)r)->sin6_port;
	} else {
		if (chance(70)) {
			gen_ipv4(a);
			nlr_put(&msg, AUTOVPN_SA_A_IPV4, a, 4);
		} else {
			gen_ipv6(a);
			nlr_put(&msg, AUTOVPN_SA_A_IPV6, a, 16);
		}
		port = htons((uint16_t)(chance(80) ? 40000 + below(16) : below(65536)));
	}
	if (chance(95))
		nlr_put(&msg, AUTOVPN_SA_A_PORT, &port, 2);
}

/* Attributes of space sp: each allowed one with some probability, lists repeated. */
static void gen_space(int sp, int depth)
{
	const struct nls_attr *a = nls_spaces[sp], *d;
	unsigned int i, reps;
	bool by_index = chance(60);

	if (depth > 6)
		return;
	if (sp == NLS_STATS) {
		for (i = below(4); i; i--)
			nlr_put_u64(&msg, (uint16_t)below(20), rnd64());
		return;
	}
	/* Addresses come whole (one family, consistent), unless hostile. */
	if (sp == NLS_PREFIX && !(hostility && chance(hostility * 5))) {
		gen_prefix();
		return;
	}
	if (sp == NLS_SA && !(hostility && chance(hostility * 5))) {
		gen_sockaddr();
		return;
	}
	for (d = a; d && d->name; d++) {
		if (!chance(want(sp, d)))
			continue;
		/* The device: by index or by name (both or none if hostile). */
		if (sp == NLS_TOP && !hostility && cur_cmd != AUTOVPN_CMD_DEV_NEW &&
		    (d->type == AUTOVPN_A_IFINDEX || d->type == AUTOVPN_A_IFNAME) &&
		    (d->type == AUTOVPN_A_IFINDEX) != by_index)
			continue;
		/* List items repeat: a few usually, thousands sometimes. */
		reps = 1;
		if (sp == NLS_PREFIXES || sp == NLS_PATHS || sp == NLS_KEYS ||
		    (sp == NLS_TOP && d->type == AUTOVPN_A_UPLINK))
			reps = chance(2) ? 200 + below(1800) : 1 + below(sp == NLS_PREFIXES ? 6 : 2);
		else if (chance(hostility ? 4 : 0))
			reps = 2; /* duplicate */
		for (i = 0; i < reps; i++) {
			if (hostility && chance(hostility * 2))
				gen_broken(sp, d, depth);
			else
				gen_value(sp, d, depth);
		}
	}
	if (hostility && chance(hostility))
		gen_broken(sp, NULL, depth);
}

/* ---- sending ------------------------------------------------------------------------ */

static void count(int cmd, int err)
{
	int e = err < 0 ? -err : err;

	if (!err)
		okc[cmd]++;
	else
		errc[cmd][e < MAX_ERRNO ? e : 0]++;
}

static double now(void);

static int send_and_wait(struct nlr *s, int cmd, size_t len, bool lie, int timeout)
{
	double t = now();
	int err;

	memset(&res, 0, sizeof(res));
	sent[cmd]++;
	total_req++;
	err = nlr_send_len(s, &msg, len, !lie);
	if (err) {
		count(cmd, err);
		return err;
	}
	err = nlr_recv(s, s->seq, NULL, NULL, &res, timeout);
	busy[cmd] += now() - t;
	if (res.sock_error) {
		/* A lost reply (ENOBUFS) or a socket gone bad: a fresh socket. */
		int fam = s->family;

		nlr_close(s);
		if (nlr_open_proto(s, s == &rs ? NETLINK_ROUTE : NETLINK_GENERIC))
			exit(2);
		s->family = (uint16_t)fam;
	}
	if (err == -ETIMEDOUT) {
		/* The core drops a message whose length lies, without an answer. */
		if (lie || !(nlr_nlh(&msg)->nlmsg_flags & NLM_F_ACK)) {
			silent++;
		} else {
			no_reply++;
			printf("# no reply in %d ms to a %s request of %zu bytes\n", timeout,
			       cmd_names[cmd], len);
		}
		return err;
	}
	count(cmd, err);
	if (err)
		count_ext(cmd, res.ext);
	else if (cmd == AUTOVPN_CMD_PEER_NEW && req_peer_id < 8)
		known_peers[cur_dev] |= (uint8_t)(1u << req_peer_id);
	else if (cmd == AUTOVPN_CMD_PEER_DEL && req_peer_id < 8)
		known_peers[cur_dev] &= (uint8_t)~(1u << req_peer_id);
	else if (cmd == AUTOVPN_CMD_DEV_DEL || cmd == 15)
		known_peers[cur_dev] = 0;
	return err;
}

/* Byte-level damage to a built message; returns the length to send. */
static size_t mutate(size_t len, bool *lie)
{
	size_t n, i;

	switch (below(4)) {
	case 0: /* truncated, with nlmsg_len telling the truth or not */
		n = NLMSG_HDRLEN + below((uint32_t)(len - NLMSG_HDRLEN + 1));
		*lie = chance(50);
		return n;
	case 1: /* flipped bytes past the headers */
		for (i = 0; i < 1 + below(8) && len > NLMSG_HDRLEN + GENL_HDRLEN; i++)
			msg.buf[NLMSG_HDRLEN + GENL_HDRLEN +
				below((uint32_t)(len - NLMSG_HDRLEN - GENL_HDRLEN))] ^= (unsigned char)(1 + below(255));
		return len;
	case 2: /* trailing garbage */
		n = below(64);
		rnd_bytes(nlr_reserve(&msg, n), n);
		return msg.len;
	default: /* the genl header */
		msg.buf[NLMSG_HDRLEN + below(4)] = (unsigned char)rnd();
		return len;
	}
}

static void fuzz_genl(void)
{
	static const uint8_t weights[] = {
		AUTOVPN_CMD_DEV_NEW, AUTOVPN_CMD_DEV_NEW, AUTOVPN_CMD_DEV_DEL, AUTOVPN_CMD_DEV_GET,
		AUTOVPN_CMD_DEV_GET,
		AUTOVPN_CMD_DEV_SET, AUTOVPN_CMD_DEV_SET, AUTOVPN_CMD_DEV_SET,
		AUTOVPN_CMD_PEER_NEW, AUTOVPN_CMD_PEER_NEW, AUTOVPN_CMD_PEER_NEW, AUTOVPN_CMD_PEER_NEW,
		AUTOVPN_CMD_PEER_SET, AUTOVPN_CMD_PEER_SET, AUTOVPN_CMD_PEER_SET, AUTOVPN_CMD_PEER_SET,
		AUTOVPN_CMD_PEER_SET, AUTOVPN_CMD_PEER_DEL, AUTOVPN_CMD_PEER_DEL, AUTOVPN_CMD_PEER_GET,
		AUTOVPN_CMD_PEER_GET, AUTOVPN_CMD_KEY_NEW, AUTOVPN_CMD_KEY_NEW, AUTOVPN_CMD_KEY_NEW,
		AUTOVPN_CMD_KEY_NEW, AUTOVPN_CMD_KEY_SWAP, AUTOVPN_CMD_KEY_SWAP, AUTOVPN_CMD_KEY_DEL,
	};
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
	uint8_t cmd = PICK(weights), version = AUTOVPN_GENL_VERSION;
	bool lie = false, deletes;
	size_t len;
	int slot = cmd, i;

	cur_dev = pick_dev();
	if (chance(1)) {
		cmd = (uint8_t)(chance(50) ? PICK(((const uint8_t[]){ 0, AUTOVPN_CMD_EVENT, 13, 14 })) : rnd());
		slot = cmd <= AUTOVPN_CMD_EVENT ? cmd : 13;
	}
	hostility = chance(75) ? 0 : 1 + below(10);
	if ((cmd == AUTOVPN_CMD_DEV_GET || cmd == AUTOVPN_CMD_PEER_GET) ? chance(50) : chance(hostility ? 5 : 0))
		flags |= NLM_F_DUMP;
	if (hostility && chance(5))
		version = (uint8_t)PICK(((const uint32_t[]){ 0, 2, 255 }));
	if (hostility && chance(3))
		flags &= (uint16_t)~NLM_F_ACK;
	/* The kept device is never deleted: its name or index never in a DEV_DEL. */
	deletes = cmd == AUTOVPN_CMD_DEV_DEL;
	if (deletes) {
		for (i = 0; i < 8 && devs[cur_dev].keep; i++)
			cur_dev = (int)below((uint32_t)ndevs);
		if (devs[cur_dev].keep)
			return;
		hostility = 0;
	}
	cur_cmd = cmd;
	req_peer_id = 0;
	broken_msg = false;
	nlr_genl_hdr(&msg, gs.family, flags, cmd, version);
	gen_space(NLS_TOP, 0);
	len = msg.len;
	if (!deletes && hostility && chance(20)) {
		len = mutate(len, &lie);
		broken_msg = true;
	}
	if (broken_msg)
		mutated++;
	send_and_wait(&gs, slot, len, lie, lie || !(flags & NLM_F_ACK) ? 300 : 10000);
}

/* ip link add fzN type autovpn [mtu] / ip link del fzN. */
static void fuzz_rtnl(void)
{
	struct ifinfomsg *ifi;
	char name[IF_NAMESIZE];
	bool add = chance(60);
	size_t li;
	int i = (int)below(4);

	snprintf(name, sizeof(name), "fz%d", i);
	for (cur_dev = 0; cur_dev < ndevs - 1 && strcmp(devs[cur_dev].name, name); cur_dev++)
		;
	nlr_hdr(&msg, add ? RTM_NEWLINK : RTM_DELLINK,
		NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0));
	ifi = nlr_reserve(&msg, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	nlr_put_str(&msg, IFLA_IFNAME, name);
	if (add) {
		if (chance(30))
			nlr_put_u32(&msg, IFLA_MTU, chance(50) ? PICK(edge32) : 1280 + below(200));
		li = nlr_nest_start(&msg, IFLA_LINKINFO);
		nlr_put_str(&msg, IFLA_INFO_KIND, AUTOVPN_LINK_KIND);
		if (chance(20)) {
			size_t dn = nlr_nest_start(&msg, IFLA_INFO_DATA);

			hostility = 5;
			gen_space(NLS_PEER, 3);
			nlr_nest_end(&msg, dn);
		}
		nlr_nest_end(&msg, li);
	}
	send_and_wait(&rs, add ? 14 : 15, msg.len, false, 10000);
}

/* A dump left half-read on the second socket, later finished or dropped. */
static void fuzz_dump_interleave(void)
{
	if (ds_open) {
		if (chance(50)) {
			nlr_close(&ds);
			dumps_closed++;
		} else {
			memset(&res, 0, sizeof(res));
			nlr_recv(&ds, ds_seq, NULL, NULL, &res, 2000);
			nlr_close(&ds);
		}
		ds_open = false;
		return;
	}
	if (nlr_open(&ds))
		return;
	ds.family = gs.family;
	{
		int small = 4096;

		setsockopt(ds.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	}
	cur_dev = (int)below((uint32_t)ndevs);
	nlr_genl_hdr(&msg, ds.family, NLM_F_REQUEST | NLM_F_DUMP,
		     chance(70) ? AUTOVPN_CMD_PEER_GET : AUTOVPN_CMD_DEV_GET, AUTOVPN_GENL_VERSION);
	nlr_put_u32(&msg, AUTOVPN_A_IFINDEX, (uint32_t)dev_index(cur_dev));
	if (nlr_send(&ds, &msg)) {
		nlr_close(&ds);
		return;
	}
	ds_seq = ds.seq;
	/* One read only: the rest waits in the kernel while we change things. */
	{
		struct pollfd p = { .fd = ds.fd, .events = POLLIN };

		if (poll(&p, 1, 1000) > 0)
			(void)!recv(ds.fd, ds.rbuf, 4096, 0);
	}
	dumps_left++;
	ds_open = true;
}

/* ---- the state check ------------------------------------------------------------------- */

#define MAX_PEERS 4096
#define MAX_PFX 65536

struct pfx {
	uint8_t v6, plen;
	unsigned char a[16];
	uint32_t peer;
};

struct peer_info {
	uint32_t id, rx;
	unsigned int npaths, nkeys;
	uint8_t path_ids[16], slots[8], key_ids[8];
};

struct chk {
	struct peer_info peers[MAX_PEERS];
	int npeers;
	struct pfx *routes;
	int nroutes;
	uint32_t npeers_attr;
	bool has_npeers;
	unsigned int errors;
	char first[256];
	const char *dev;
};

static void chk_fail(struct chk *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void chk_fail(struct chk *c, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("# inconsistent: %s: %s\n", c->dev, buf);
	if (!c->errors++)
		snprintf(c->first, sizeof(c->first), "%.40s: %.200s", c->dev, buf);
}

static bool host_bits_zero(const unsigned char *a, int plen, int bits)
{
	int i;

	for (i = plen; i < bits; i++)
		if (a[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

/* One PREFIX nest of peer p; routes are recorded for the one-owner check. */
static void chk_prefix(struct chk *c, struct peer_info *p, const struct nlattr *n, bool route)
{
	const struct nlattr *a;
	struct pfx x = { .peer = p->id };
	bool have = false;
	int rem;

	nlr_for_each_attr(a, nlr_attr_data(n), nlr_attr_len(n), rem) {
		if (nlr_attr_type(a) == AUTOVPN_PREFIX_A_IPV4 && nlr_attr_len(a) == 4) {
			memcpy(x.a, nlr_attr_data(a), 4);
			have = true;
		} else if (nlr_attr_type(a) == AUTOVPN_PREFIX_A_IPV6 && nlr_attr_len(a) == 16) {
			memcpy(x.a, nlr_attr_data(a), 16);
			x.v6 = 1;
			have = true;
		} else if (nlr_attr_type(a) == AUTOVPN_PREFIX_A_PLEN && nlr_attr_len(a) == 1) {
			x.plen = *(const uint8_t *)nlr_attr_data(a);
		}
	}
	if (!have)
		return chk_fail(c, "peer %u: a prefix without an address", p->id);
	if (x.plen > (x.v6 ? 128 : 32))
		return chk_fail(c, "peer %u: prefix length %u", p->id, x.plen);
	if (!host_bits_zero(x.a, x.plen, x.v6 ? 128 : 32))
		chk_fail(c, "peer %u: a prefix /%u with host bits set", p->id, x.plen);
	if (route && c->nroutes < MAX_PFX)
		c->routes[c->nroutes++] = x;
}

static void chk_peer(struct chk *c, const struct nlattr *peer)
{
	const struct nlattr *a, *b, *k;
	struct peer_info *p = NULL, tmp = { 0 };
	int rem, rem2, rem3;
	uint32_t id = 0;

	nlr_for_each_attr(a, nlr_attr_data(peer), nlr_attr_len(peer), rem)
		if (nlr_attr_type(a) == AUTOVPN_PEER_A_ID && nlr_attr_len(a) == 4)
			id = *(const uint32_t *)nlr_attr_data(a);
	if (!id)
		return chk_fail(c, "a peer without an id");
	/* A peer continued from the previous message (many prefixes). */
	if (c->npeers && c->peers[c->npeers - 1].id == id)
		p = &c->peers[c->npeers - 1];
	else if (c->npeers && c->peers[c->npeers - 1].id > id)
		chk_fail(c, "peer %u dumped after peer %u", id, c->peers[c->npeers - 1].id);
	if (!p)
		p = c->npeers < MAX_PEERS ? &c->peers[c->npeers++] : &tmp;
	p->id = id;
	nlr_for_each_attr(a, nlr_attr_data(peer), nlr_attr_len(peer), rem) {
		int t = nlr_attr_type(a);

		if (t == AUTOVPN_PEER_A_RX_INDEX && nlr_attr_len(a) == 4)
			p->rx = *(const uint32_t *)nlr_attr_data(a);
		if (t == AUTOVPN_PEER_A_ROUTES || t == AUTOVPN_PEER_A_ALLOWED)
			nlr_for_each_attr(b, nlr_attr_data(a), nlr_attr_len(a), rem2)
				chk_prefix(c, p, b, t == AUTOVPN_PEER_A_ROUTES);
		if (t == AUTOVPN_PEER_A_PATHS) {
			nlr_for_each_attr(b, nlr_attr_data(a), nlr_attr_len(a), rem2) {
				nlr_for_each_attr(k, nlr_attr_data(b), nlr_attr_len(b), rem3) {
					uint8_t v = *(const uint8_t *)nlr_attr_data(k);

					if (nlr_attr_type(k) == AUTOVPN_PATH_A_ID && p->npaths < 16)
						p->path_ids[p->npaths++] = v;
					if (nlr_attr_type(k) == AUTOVPN_PATH_A_UPLINK && v >= AUTOVPN_MAX_UPLINKS)
						chk_fail(c, "peer %u: a path on uplink %u", id, v);
				}
			}
		}
		if (t == AUTOVPN_PEER_A_KEYS) {
			nlr_for_each_attr(b, nlr_attr_data(a), nlr_attr_len(a), rem2) {
				nlr_for_each_attr(k, nlr_attr_data(b), nlr_attr_len(b), rem3) {
					uint8_t v = *(const uint8_t *)nlr_attr_data(k);

					if (nlr_attr_type(k) == AUTOVPN_KEY_A_SLOT && p->nkeys < 8)
						p->slots[p->nkeys] = v;
					if (nlr_attr_type(k) == AUTOVPN_KEY_A_ID && p->nkeys < 8)
						p->key_ids[p->nkeys] = v;
				}
				p->nkeys++;
			}
		}
	}
}

static int chk_cb(void *arg, const struct nlmsghdr *nlh)
{
	struct chk *c = arg;
	const struct nlattr *a;
	struct nls_ctx sc = { 0 };
	int len, rem;
	const void *start = nlr_genl_attrs(nlh, &len);

	nls_print(&sc, NLS_TOP, "", start, len);
	if (sc.bad)
		chk_fail(c, "malformed reply: %s", sc.why);
	nlr_for_each_attr(a, start, len, rem) {
		if (nlr_attr_type(a) == AUTOVPN_A_PEER)
			chk_peer(c, a);
		if (nlr_attr_type(a) == AUTOVPN_A_NPEERS && nlr_attr_len(a) == 4) {
			c->npeers_attr = *(const uint32_t *)nlr_attr_data(a);
			c->has_npeers = true;
		}
	}
	return 0;
}

static int cmp_pfx(const void *x, const void *y)
{
	const struct pfx *a = x, *b = y;

	if (a->v6 != b->v6)
		return a->v6 - b->v6;
	if (a->plen != b->plen)
		return a->plen - b->plen;
	return memcmp(a->a, b->a, 16);
}

/*
 * A device the state dump listed but that no longer exists, in the module
 * (ENODEV) and in the kernel, was deleted after the dump: another fuzzer
 * checks its state at its own end while this one may still be deleting
 * devices. Not an inconsistency. (A device the kernel still has but the
 * module denies is one.) Not for -c, the check after every fuzzer has
 * stopped: nothing deletes devices then.
 */
static bool others_running = true;

static bool deleted_meanwhile(int err, uint32_t ifindex)
{
	char name[IF_NAMESIZE];

	if (!others_running || err != -ENODEV || if_indextoname(ifindex, name))
		return false;
	if (!quiet)
		printf("# ifindex %u: deleted since the state dump\n", ifindex);
	return true;
}

/* Checks one device; returns its error count. */
static unsigned int check_dev(const char *name, uint32_t ifindex)
{
	static struct chk c;
	int err, i, j, tries;
	unsigned int u, v;

	for (tries = 0; tries < 5; tries++) {
		struct pfx *routes = c.routes ? c.routes : nlr_xrealloc(NULL, MAX_PFX * sizeof(struct pfx));

		memset(&c, 0, sizeof(c));
		c.routes = routes;
		c.dev = name;
		nlr_genl_hdr(&msg, gs.family, NLM_F_REQUEST | NLM_F_ACK, AUTOVPN_CMD_DEV_GET, 1);
		nlr_put_u32(&msg, AUTOVPN_A_IFINDEX, ifindex);
		err = nlr_request(&gs, &msg, chk_cb, &c, &res);
		if (err && deleted_meanwhile(err, ifindex))
			return 0;
		if (err) {
			chk_fail(&c, "DEV_GET: %s (%s)", strerror(-err), res.ext);
			return c.errors;
		}
		nlr_genl_hdr(&msg, gs.family, NLM_F_REQUEST | NLM_F_DUMP, AUTOVPN_CMD_PEER_GET, 1);
		nlr_put_u32(&msg, AUTOVPN_A_IFINDEX, ifindex);
		err = nlr_request(&gs, &msg, chk_cb, &c, &res);
		if (err && deleted_meanwhile(err, ifindex))
			return 0;
		if (err) {
			chk_fail(&c, "PEER_GET dump: %s (%s)", strerror(-err), res.ext);
			return c.errors;
		}
		if (!res.dump_intr)
			break;
	}
	if (c.has_npeers && c.npeers_attr != (uint32_t)c.npeers)
		chk_fail(&c, "NPEERS %u but %d peers dumped", c.npeers_attr, c.npeers);
	for (i = 0; i < c.npeers; i++) {
		struct peer_info *p = &c.peers[i];

		if (!p->rx)
			chk_fail(&c, "peer %u: receive index 0", p->id);
		for (j = 0; j < i; j++)
			if (p->rx && c.peers[j].rx == p->rx)
				chk_fail(&c, "peers %u and %u share receive index %u", c.peers[j].id,
					 p->id, p->rx);
		if (p->npaths > AUTOVPN_MAX_PATHS)
			chk_fail(&c, "peer %u: %u paths", p->id, p->npaths);
		for (u = 0; u < p->npaths && u < 16; u++) {
			if (p->path_ids[u] >= AUTOVPN_MAX_PATHS)
				chk_fail(&c, "peer %u: path id %u", p->id, p->path_ids[u]);
			for (v = 0; v < u; v++)
				if (p->path_ids[u] == p->path_ids[v])
					chk_fail(&c, "peer %u: path %u twice", p->id, p->path_ids[u]);
		}
		if (p->nkeys > 3)
			chk_fail(&c, "peer %u: %u keys", p->id, p->nkeys);
		for (u = 0; u < p->nkeys && u < 8; u++)
			for (v = 0; v < u; v++) {
				if (p->slots[u] == p->slots[v])
					chk_fail(&c, "peer %u: key slot %u twice", p->id, p->slots[u]);
				if (p->key_ids[u] == p->key_ids[v])
					chk_fail(&c, "peer %u: key id %u twice", p->id, p->key_ids[u]);
			}
	}
	qsort(c.routes, (size_t)c.nroutes, sizeof(struct pfx), cmp_pfx);
	for (i = 1; i < c.nroutes; i++)
		if (!cmp_pfx(&c.routes[i - 1], &c.routes[i]))
			chk_fail(&c, "route /%u listed twice (peers %u and %u)", c.routes[i].plen,
				 c.routes[i - 1].peer, c.routes[i].peer);
	if (!quiet)
		printf("# %s: %d peers, %d routes: %s\n", name, c.npeers, c.nroutes,
		       c.errors ? "INCONSISTENT" : "consistent");
	return c.errors;
}

static int check_state(void)
{
	struct nls_ctx sc = { 0 };
	struct nls_dump d;
	char name[IF_NAMESIZE];
	unsigned int bad = 0;
	int err, i;

	err = nls_dump_state(&gs, &sc, &d);
	if (err) {
		printf("# state dump failed: %s\n", strerror(-err));
		return 1;
	}
	if (sc.bad) {
		printf("# malformed dump: %s\n", sc.why);
		bad++;
	}
	for (i = 0; i < d.ndev; i++)
		bad += check_dev(if_indextoname(d.ifindex[i], name) ? name : "?", d.ifindex[i]);
	printf("RESULT %s nlfuzz-consistent (%d devices, %u problems)\n", bad ? "FAIL" : "PASS",
	       d.ndev, bad);
	return bad ? 1 : 0;
}

/* ---- main ---------------------------------------------------------------------------- */

static void parse_remote(const char *s)
{
	struct sockaddr_storage *ss = &remotes[nremote];
	char host[64];
	const char *c = strrchr(s, ':');
	size_t n;

	if (!c || nremote >= MAX_ADDRS)
		return;
	n = (size_t)(c - s);
	if (s[0] == '[') {
		s++;
		n -= 2;
	}
	snprintf(host, sizeof(host), "%.*s", (int)n, s);
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)atoi(c + 1));
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		ss->ss_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)atoi(c + 1));
	} else {
		return;
	}
	nremote++;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(double secs)
{
	unsigned long err_total[MAX_ERRNO] = { 0 }, ok = 0;
	char line[2048];
	size_t off;
	int c, e;

	for (c = 0; c < NCMD; c++) {
		if (!sent[c])
			continue;
		off = (size_t)snprintf(line, sizeof(line), "#   %-12s %6lu sent (%5.1f ms each), %6lu ok",
				       cmd_names[c], sent[c], 1000 * busy[c] / (double)sent[c], okc[c]);
		ok += okc[c];
		for (e = 0; e < MAX_ERRNO; e++) {
			if (!errc[c][e])
				continue;
			err_total[e] += errc[c][e];
			if (off < sizeof(line))
				off += (size_t)snprintf(line + off, sizeof(line) - off, ", %s %lu",
							e ? strerrorname_np(e) : "other", errc[c][e]);
		}
		printf("%s\n", line);
	}
	off = 0;
	line[0] = '\0';
	for (e = 0; e < MAX_ERRNO; e++)
		if (err_total[e] && off < sizeof(line))
			off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s %lu", off ? ", " : "",
						e ? strerrorname_np(e) : "other", err_total[e]);
	printf("nlfuzz: %lu requests in %.0f s (%lu with broken attributes or bytes), %lu ok, "
	       "errors: %s; %lu unanswered by design (lying length, no ACK flag), %lu dumps left "
	       "half-read (%lu closed unfinished)\n",
	       total_req, secs, mutated, ok, off ? line : "none", silent, dumps_left, dumps_closed);
	printf("# DEV_DELs that named a kept device by chance, aimed elsewhere: %lu\n", kept_spared);
	qsort(ext, (size_t)next_, sizeof(ext[0]), cmp_ext);
	printf("# most frequent error messages:\n");
	for (e = 0; e < next_ && e < (quiet ? 0 : 40); e++)
		printf("#   %6lu  %s\n", ext[e].n, ext[e].text);
	printf("RESULT %s nlfuzz-requests (%lu requests, %lu never answered)\n",
	       no_reply ? "FAIL" : "PASS", total_req, no_reply);
}

int main(int argc, char **argv)
{
	unsigned long max = ~0UL, n;
	double secs = 30, t0;
	bool check_only = false;
	uint64_t seed = 0;
	int opt, i, err;

	while ((opt = getopt(argc, argv, "s:t:n:d:k:b:r:cq")) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 't': secs = atof(optarg); break;
		case 'n': max = strtoul(optarg, NULL, 0); break;
		case 'd':
		case 'k':
			if (ndevs < MAX_DEVS - 4) {
				snprintf(devs[ndevs].name, IF_NAMESIZE, "%s", optarg);
				devs[ndevs++].keep = opt == 'k';
			}
			break;
		case 'b':
			if (nlocal < MAX_ADDRS)
				local_addrs[nlocal++] = optarg;
			break;
		case 'r': parse_remote(optarg); break;
		case 'c': check_only = true; break;
		case 'q': quiet = 1; break;
		default:
			fprintf(stderr, "usage: nlfuzz [-s SEED] [-t SECS] [-n MAX] [-d IFNAME]... "
					"[-k IFNAME] [-b LOCALIP]... [-r IP:PORT]... [-c] [-q]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	nlr_msg_init(&msg, 1 << 16);
	err = nlr_open(&gs);
	if (!err)
		err = nlr_family(&gs, AUTOVPN_GENL_NAME, NULL, NULL);
	if (!err)
		err = nlr_open_proto(&rs, NETLINK_ROUTE);
	if (err) {
		fprintf(stderr, "nlfuzz: netlink: %s (module loaded?)\n", strerror(-err));
		return 2;
	}
	if (check_only) {
		others_running = false;
		return check_state();
	}

	if (!seed && getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)time(NULL);
	rng = seed ? seed : 1;
	printf("nlfuzz: seed %llu\n", (unsigned long long)seed);
	for (i = 0; i < 4; i++) {
		snprintf(devs[ndevs].name, IF_NAMESIZE, "fz%d", i);
		devs[ndevs++].ours = true;
	}
	if (!nlocal) {
		local_addrs[nlocal++] = "127.0.0.1";
		local_addrs[nlocal++] = "::1";
	}
	for (i = 0; i < 4; i++)
		rnd_bytes(keypool[i], sizeof(keypool[i]));
	for (i = 0; i < NFDS; i++) {
		fds[i] = -1;
		make_fd(i);
	}

	t0 = now();
	for (n = 0; n < max && now() - t0 < secs; n++) {
		unsigned int r = below(1000);

		if (r < 20)
			fuzz_rtnl();
		else if (r < 35)
			fuzz_dump_interleave();
		else if (r < 50)
			make_fd((int)below(NFDS)); /* the owner closes a socket, opens another */
		else
			fuzz_genl();
	}
	if (ds_open)
		nlr_close(&ds);
	report(now() - t0);
	err = check_state();
	return err || no_reply ? 1 : 0;
}
