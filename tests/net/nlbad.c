// SPDX-License-Identifier: GPL-2.0
/*
 * nlbad: sends malformed and invalid requests to the autovpn genl family and
 * checks that each is refused with the expected errno AND a non-empty
 * extended-ack message, and that nothing changed: a canonical dump of the
 * device (DEV_GET + PEER_GET dump) taken before the bad requests must equal
 * the one taken after.
 *
 * usage: nlbad IFACE     (IFACE: an autovpn device without peers; run as root)
 *
 * It sets up its own state first (a bound UDP socket as uplink 0, peer 1 with
 * a route, a path and a current key), then prints "RESULT PASS name" or
 * "RESULT FAIL name: why" per case. Exit status 0 if all passed.
 *
 * Messages are built with libnl; replies are read from the raw socket so the
 * extack TLVs (NLMSGERR_ATTR_MSG) can be inspected directly.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/autovpn.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef UDP_GRO
#define UDP_GRO 104
#endif

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

static struct nl_sock *sk;
static int family;
static const char *ifname;
static unsigned int ifindex;
static int failures;
static int uplink_fd = -1; /* uplink 0's socket, which we own like a daemon */

/* ---- sending and receiving ---- */

static struct nl_msg *req(uint8_t cmd, int flags)
{
	struct nl_msg *m = nlmsg_alloc_size(65536);

	if (!m || !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags | NLM_F_ACK, cmd,
			       AUTOVPN_GENL_VERSION)) {
		fprintf(stderr, "nlbad: out of memory\n");
		exit(2);
	}
	return m;
}

static struct nl_msg *dev_req(uint8_t cmd)
{
	struct nl_msg *m = req(cmd, 0);

	nla_put_u32(m, AUTOVPN_A_IFINDEX, ifindex);
	return m;
}

/*
 * Send m (freed) and read until its ack. Returns 0 or -errno; the extack
 * message, if any, goes to msg. Dump replies (if dump != NULL) are appended
 * to the buffer as canonical bytes.
 */
struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			exit(2);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* Zero the key ages (they tick) inside a PEER_GET message payload. */
static void zero_key_ages(struct nlattr *attrs, int len)
{
	struct nlattr *a, *b, *c, *d;
	int r1, r2, r3, r4;

	nla_for_each_attr(a, attrs, len, r1) {
		if (nla_type(a) != AUTOVPN_A_PEER)
			continue;
		nla_for_each_nested(b, a, r2) {
			if (nla_type(b) != AUTOVPN_PEER_A_KEYS)
				continue;
			nla_for_each_nested(c, b, r3)
				nla_for_each_nested(d, c, r4)
					if (nla_type(d) == AUTOVPN_KEY_A_AGE_SECS)
						memset(nla_data(d), 0, nla_len(d));
		}
	}
}

static int transact(struct nl_msg *m, char *msg, size_t msglen, struct buf *dump)
{
	static unsigned char rbuf[1 << 18];
	uint32_t seq;
	int fd = nl_socket_get_fd(sk), ret;

	if (msg)
		msg[0] = 0;
	ret = nl_send_auto(sk, m);
	seq = nlmsg_hdr(m)->nlmsg_seq;
	nlmsg_free(m);
	if (ret < 0) {
		fprintf(stderr, "nlbad: send: %s\n", nl_geterror(ret));
		exit(2);
	}
	for (;;) {
		ssize_t n = recv(fd, rbuf, sizeof(rbuf), 0);
		struct nlmsghdr *h;
		int left;

		if (n < 0) {
			perror("nlbad: recv");
			exit(2);
		}
		left = (int)n;
		for (h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);
				size_t off = sizeof(*e);
				struct nlattr *a;
				int rem;

				if (!(h->nlmsg_flags & NLM_F_CAPPED))
					off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
				if ((h->nlmsg_flags & NLM_F_ACK_TLVS) && msg) {
					nla_for_each_attr(a, (struct nlattr *)((char *)e + off),
							  (int)(h->nlmsg_len - NLMSG_HDRLEN - off), rem)
						if (nla_type(a) == NLMSGERR_ATTR_MSG)
							snprintf(msg, msglen, "%s", (char *)nla_data(a));
				}
				return e->error;
			}
			if (dump) {
				struct genlmsghdr *g = NLMSG_DATA(h);
				struct nlattr *attrs = (struct nlattr *)((char *)g + GENL_HDRLEN);
				int alen = (int)h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;

				if (g->cmd == AUTOVPN_CMD_PEER_GET)
					zero_key_ages(attrs, alen);
				buf_add(dump, g, h->nlmsg_len - NLMSG_HDRLEN);
			}
		}
	}
}

/* Everything the module reports about the device, with the ticking ages zeroed. */
static struct buf snapshot(void)
{
	struct buf b = { 0 };
	struct nl_msg *m;
	int err;

	err = transact(dev_req(AUTOVPN_CMD_DEV_GET), NULL, 0, &b);
	m = req(AUTOVPN_CMD_PEER_GET, NLM_F_DUMP);
	nla_put_u32(m, AUTOVPN_A_IFINDEX, ifindex);
	if (!err)
		err = transact(m, NULL, 0, &b);
	else
		nlmsg_free(m);
	if (err) {
		fprintf(stderr, "nlbad: dump failed: %s\n", strerror(-err));
		exit(2);
	}
	return b;
}

/* ---- building blocks ---- */

static void put_prefix(struct nl_msg *m, const char *addr, int plen, uint32_t flags)
{
	struct nlattr *n = nla_nest_start(m, AUTOVPN_PEER_A_PREFIX);
	unsigned char a[16];

	if (inet_pton(AF_INET, addr, a) == 1)
		nla_put(m, AUTOVPN_PREFIX_A_IPV4, 4, a);
	else if (inet_pton(AF_INET6, addr, a) == 1)
		nla_put(m, AUTOVPN_PREFIX_A_IPV6, 16, a);
	nla_put_u8(m, AUTOVPN_PREFIX_A_PLEN, plen);
	if (flags)
		nla_put_u32(m, AUTOVPN_PREFIX_A_FLAGS, flags);
	nla_nest_end(m, n);
}

static void put_endpoint(struct nl_msg *m, int type, const char *addr, uint16_t port)
{
	struct nlattr *n = nla_nest_start(m, type);
	unsigned char a[16];

	if (inet_pton(AF_INET, addr, a) == 1)
		nla_put(m, AUTOVPN_SA_A_IPV4, 4, a);
	else if (inet_pton(AF_INET6, addr, a) == 1)
		nla_put(m, AUTOVPN_SA_A_IPV6, 16, a);
	nla_put_u16(m, AUTOVPN_SA_A_PORT, htons(port));
	nla_nest_end(m, n);
}

static void put_path(struct nl_msg *m, int id, int uplink, const char *addr, uint16_t port,
		     bool remove)
{
	struct nlattr *n = nla_nest_start(m, AUTOVPN_PEER_A_PATH);

	nla_put_u8(m, AUTOVPN_PATH_A_ID, id);
	if (uplink >= 0)
		nla_put_u8(m, AUTOVPN_PATH_A_UPLINK, uplink);
	if (addr)
		put_endpoint(m, AUTOVPN_PATH_A_REMOTE, addr, port);
	if (remove)
		nla_put_flag(m, AUTOVPN_PATH_A_REMOVE);
	nla_nest_end(m, n);
}

/* A key whose bytes are all enc (transmit) and all dec (receive). */
static void put_key_bytes(struct nl_msg *m, int slot, int id, int keylen, unsigned char enc,
			  unsigned char dec)
{
	struct nlattr *n = nla_nest_start(m, AUTOVPN_A_KEYCONF);
	unsigned char ekey[64], dkey[32], salt[4];

	memset(ekey, enc, sizeof(ekey));
	memset(dkey, dec, sizeof(dkey));
	memset(salt, 0x24, sizeof(salt));
	nla_put_u8(m, AUTOVPN_KEY_A_SLOT, slot);
	nla_put_u8(m, AUTOVPN_KEY_A_ID, id);
	nla_put(m, AUTOVPN_KEY_A_ENCRYPT_KEY, keylen, ekey);
	nla_put(m, AUTOVPN_KEY_A_ENCRYPT_SALT, 4, salt);
	nla_put(m, AUTOVPN_KEY_A_DECRYPT_KEY, 32, dkey);
	nla_put(m, AUTOVPN_KEY_A_DECRYPT_SALT, 4, salt);
	nla_nest_end(m, n);
}

/* The key of setup(): transmit and receive material differ (the kernel
 * refuses a key whose two directions are the same material).
 */
static void put_key(struct nl_msg *m, int slot, int id, int keylen)
{
	put_key_bytes(m, slot, id, keylen, 0x42, 0x43);
}

static void put_uplink(struct nl_msg *m, int id, int fd)
{
	struct nlattr *n = nla_nest_start(m, AUTOVPN_A_UPLINK);

	nla_put_u8(m, AUTOVPN_UPLINK_A_ID, id);
	if (fd >= 0)
		nla_put_u32(m, AUTOVPN_UPLINK_A_FD, fd);
	nla_nest_end(m, n);
}

/* A PEER_NEW/PEER_SET message with the PEER nest left open. */
static struct nl_msg *peer_req(uint8_t cmd, uint32_t id, struct nlattr **nest)
{
	struct nl_msg *m = dev_req(cmd);

	*nest = nla_nest_start(m, AUTOVPN_A_PEER);
	if (id)
		nla_put_u32(m, AUTOVPN_PEER_A_ID, id);
	return m;
}

/* ---- cases ---- */

/* Expect failure with one of the errnos (0-terminated list) and a message. */
static void expect(const char *name, struct nl_msg *m, ...)
{
	char msg[512];
	int err = transact(m, msg, sizeof(msg), NULL), e;
	bool ok = false;
	va_list ap;

	va_start(ap, m);
	while ((e = va_arg(ap, int)))
		if (err == -e)
			ok = true;
	va_end(ap);
	if (!err) {
		printf("RESULT FAIL %s: request was accepted\n", name);
		failures++;
	} else if (!ok) {
		printf("RESULT FAIL %s: unexpected error %d (%s), message \"%s\"\n", name, err,
		       strerror(-err), msg);
		failures++;
	} else if (!msg[0]) {
		printf("RESULT FAIL %s: %s without an extack message\n", name, strerror(-err));
		failures++;
	} else {
		printf("RESULT PASS %s (%s: %s)\n", name, strerror(-err), msg);
	}
}

static void must(const char *what, struct nl_msg *m)
{
	char msg[512];
	int err = transact(m, msg, sizeof(msg), NULL);

	if (err) {
		fprintf(stderr, "nlbad: setup step '%s' failed: %s (%s)\n", what, strerror(-err),
			msg);
		printf("RESULT FAIL setup: %s\n", what);
		exit(1);
	}
}

static int udp_socket(const char *addr, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	inet_pton(AF_INET, addr, &sin.sin_addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		perror("nlbad: udp socket");
		exit(2);
	}
	return fd;
}

static void setup(void)
{
	struct nlattr *p, *l;
	struct nl_msg *m;
	int fd = udp_socket("127.0.0.1", 41000);

	uplink_fd = fd; /* kept open: we are the "daemon" owning it */

	m = dev_req(AUTOVPN_CMD_DEV_SET);
	put_uplink(m, 0, fd);
	must("attach uplink 0", m);

	m = peer_req(AUTOVPN_CMD_PEER_NEW, 1, &p);
	nla_put_u32(m, AUTOVPN_PEER_A_RX_INDEX, 11);
	nla_put_u32(m, AUTOVPN_PEER_A_TX_INDEX, 22);
	nla_put_string(m, AUTOVPN_PEER_A_NAME, "one");
	l = nla_nest_start(m, AUTOVPN_PEER_A_ROUTES);
	put_prefix(m, "10.2.0.0", 24, 0);
	put_prefix(m, "fd02::", 64, 0);
	nla_nest_end(m, l);
	l = nla_nest_start(m, AUTOVPN_PEER_A_ALLOWED);
	put_prefix(m, "10.2.0.0", 24, 0);
	nla_nest_end(m, l);
	l = nla_nest_start(m, AUTOVPN_PEER_A_PATHS);
	put_path(m, 0, 0, "127.0.0.1", 41001, false);
	nla_nest_end(m, l);
	nla_nest_end(m, p);
	must("create peer 1", m);

	m = dev_req(AUTOVPN_CMD_KEY_NEW);
	nla_put_u32(m, AUTOVPN_A_PEER_ID, 1);
	put_key(m, AUTOVPN_KEY_SLOT_CURRENT, 1, 32);
	must("install key", m);
}

static void cases(void)
{
	struct nlattr *p, *l;
	struct nl_msg *m;
	int fd;

	/* Missing attributes. */
	m = req(AUTOVPN_CMD_PEER_GET, 0);
	expect("missing_ifindex", m, EINVAL, 0);

	m = dev_req(AUTOVPN_CMD_PEER_NEW);
	expect("missing_peer_nest", m, EINVAL, 0);

	m = peer_req(AUTOVPN_CMD_PEER_NEW, 0, &p);
	nla_put_u32(m, AUTOVPN_PEER_A_RX_INDEX, 50);
	nla_nest_end(m, p);
	expect("missing_peer_id", m, EINVAL, 0);

	m = peer_req(AUTOVPN_CMD_PEER_NEW, 5, &p);
	nla_nest_end(m, p);
	expect("missing_rx_index", m, EINVAL, 0);

	m = dev_req(AUTOVPN_CMD_KEY_NEW);
	nla_put_u32(m, AUTOVPN_A_PEER_ID, 1);
	l = nla_nest_start(m, AUTOVPN_A_KEYCONF);
	nla_put_u8(m, AUTOVPN_KEY_A_SLOT, AUTOVPN_KEY_SLOT_NEXT);
	nla_put_u8(m, AUTOVPN_KEY_A_ID, 2);
	nla_nest_end(m, l);
	expect("missing_key_material", m, EINVAL, 0);

	m = peer_req(AUTOVPN_CMD_PEER_SET, 1, &p);
	l = nla_nest_start(m, AUTOVPN_PEER_A_PATHS);
	put_path(m, 2, 0, NULL, 0, false);
	nla_nest_end(m, l);
	nla_nest_end(m, p);
	expect("new_path_without_remote", m, EINVAL, 0);

	/* Wrong lengths and unknown attributes (strict policies). */
	m = dev_req(AUTOVPN_CMD_KEY_SWAP);
	nla_put_u16(m, AUTOVPN_A_PEER_ID, 1);
	expect("wrong_len_peer_id", m, EINVAL, ERANGE, 0);

	m = dev_req(AUTOVPN_CMD_KEY_NEW);
	nla_put_u32(m, AUTOVPN_A_PEER_ID, 1);
	put_key(m, AUTOVPN_KEY_SLOT_NEXT, 2, 31);
	expect("wrong_len_key", m, EINVAL, ERANGE, 0);

	m = dev_req(AUTOVPN_CMD_KEY_NEW);
	nla_put_u32(m, AUTOVPN_A_PEER_ID, 1);
	put_key(m, AUTOVPN_KEY_SLOT_NEXT, 2, 33);
	expect("wrong_len_key_long", m, EINVAL, ERANGE, 0);

	m = dev_req(AUTOVPN_CMD_KEY_SWAP);
	nla_put_u32(m, AUTOVPN_A_PEER_ID, 1);
	nla_put_u32(m, AUTOVPN_A_MTU, 1400);
	expect("attr_not_in_op_policy", m, EINVAL, EOPNOTSUPP, 0);

	m = dev_req(AUTOVPN_CMD_KEY_SWAP);
	nla_put_u32(m, AUTOVPN_A_PEER_ID, 1);
	nla_put_u32(m, AUTOVPN_A_MAX + 5, 1);
	expect("unknown_attr_type", m, EINVAL, 0);

	m = peer_req(AUTOVPN_CMD_PEER_NEW, 9, &p);
	nla_put_u32(m, AUTOVPN_PEER_A_RX_INDEX, 99);
	nla_put_string(m, AUTOVPN_PEER_A_NAME,
		       "a-name-that-is-much-longer-than-the-sixty-four-bytes-allowed-for-a-peer");
	nla_nest_end(m, p);
	expect("name_too_long", m, EINVAL, ERANGE, 0);

	/* Unknown objects. */
	m = peer_req(AUTOVPN_CMD_PEER_SET, 99, &p);
	nla_nest_end(m, p);
	expect("unknown_peer_set", m, ENOENT, 0);

	m = peer_req(AUTOVPN_CMD_PEER_DEL, 99, &p);
	nla_nest_end(m, p);
	expect("unknown_peer_del", m, ENOENT, 0);

	m = peer_req(AUTOVPN_CMD_PEER_GET, 99, &p);
	nla_nest_end(m, p);
	expect("unknown_peer_get", m, ENOENT, 0);

	m = dev_req(AUTOVPN_CMD_KEY_SWAP);
	nla_put_u32(m, AUTOVPN_A_PEER_ID, 99);
	expect("unknown_peer_key", m, ENOENT, 0);

	m = req(AUTOVPN_CMD_DEV_GET, 0);
	nla_put_string(m, AUTOVPN_A_IFNAME, "nosuchdev0");
	expect("unknown_device", m, ENODEV, 0);

	m = req(AUTOVPN_CMD_DEV_GET, 0);
	nla_put_string(m, AUTOVPN_A_IFNAME, "lo");
	expect("not_autovpn_device", m, EOPNOTSUPP, 0);

	/* Duplicates. */
	m = peer_req(AUTOVPN_CMD_PEER_NEW, 1, &p);
	nla_put_u32(m, AUTOVPN_PEER_A_RX_INDEX, 77);
	nla_nest_end(m, p);
	expect("duplicate_peer_id", m, EEXIST, 0);

	m = peer_req(AUTOVPN_CMD_PEER_NEW, 7, &p);
	nla_put_u32(m, AUTOVPN_PEER_A_RX_INDEX, 11);
	nla_nest_end(m, p);
	expect("duplicate_rx_index", m, EEXIST, 0);

	m = dev_req(AUTOVPN_CMD_KEY_NEW);
	nla_put_u32(m, AUTOVPN_A_PEER_ID, 1);
	put_key(m, AUTOVPN_KEY_SLOT_NEXT, 1, 32);
	expect("duplicate_key_id", m, EEXIST, 0);

	m = req(AUTOVPN_CMD_DEV_NEW, 0);
	nla_put_string(m, AUTOVPN_A_IFNAME, ifname);
	expect("duplicate_device_name", m, EEXIST, 0);

	/* Keys. */
	m = dev_req(AUTOVPN_CMD_KEY_NEW);
	nla_put_u32(m, AUTOVPN_A_PEER_ID, 1);
	put_key(m, 3, 2, 32);
	expect("bad_key_slot", m, ERANGE, EINVAL, 0);

	m = dev_req(AUTOVPN_CMD_KEY_DEL);
	nla_put_u32(m, AUTOVPN_A_PEER_ID, 1);
	l = nla_nest_start(m, AUTOVPN_A_KEYCONF);
	nla_put_u8(m, AUTOVPN_KEY_A_SLOT, 7);
	nla_nest_end(m, l);
	expect("bad_key_slot_del", m, ERANGE, EINVAL, 0);

	m = dev_req(AUTOVPN_CMD_KEY_DEL);
	nla_put_u32(m, AUTOVPN_A_PEER_ID, 1);
	l = nla_nest_start(m, AUTOVPN_A_KEYCONF);
	nla_put_u8(m, AUTOVPN_KEY_A_SLOT, AUTOVPN_KEY_SLOT_NEXT);
	nla_nest_end(m, l);
	expect("del_empty_key_slot", m, ENOENT, 0);

	m = dev_req(AUTOVPN_CMD_KEY_SWAP);
	nla_put_u32(m, AUTOVPN_A_PEER_ID, 1);
	expect("swap_without_next", m, ENOENT, 0);

	/* (key, nonce) uniqueness: material the device has seen is refused. */
	m = dev_req(AUTOVPN_CMD_KEY_NEW);
	nla_put_u32(m, AUTOVPN_A_PEER_ID, 1);
	put_key(m, AUTOVPN_KEY_SLOT_NEXT, 2, 32);
	expect("key_material_installed_again", m, EEXIST, 0);

	m = dev_req(AUTOVPN_CMD_KEY_NEW);
	nla_put_u32(m, AUTOVPN_A_PEER_ID, 1);
	put_key_bytes(m, AUTOVPN_KEY_SLOT_NEXT, 2, 32, 0x77, 0x77);
	expect("key_tx_material_equals_rx", m, EINVAL, 0);

	m = dev_req(AUTOVPN_CMD_KEY_NEW);
	nla_put_u32(m, AUTOVPN_A_PEER_ID, 1);
	l = nla_nest_start(m, AUTOVPN_A_KEYCONF);
	{
		unsigned char key[32] = { 1 }, salt[4] = { 2 };

		nla_put_u8(m, AUTOVPN_KEY_A_SLOT, AUTOVPN_KEY_SLOT_NEXT);
		nla_put_u8(m, AUTOVPN_KEY_A_ID, 2);
		nla_put(m, AUTOVPN_KEY_A_ENCRYPT_KEY, 32, key);
		nla_put(m, AUTOVPN_KEY_A_ENCRYPT_SALT, 4, salt);
		nla_put(m, AUTOVPN_KEY_A_DECRYPT_KEY, 32, key);
		nla_put(m, AUTOVPN_KEY_A_DECRYPT_SALT, 4, salt);
		nla_put_u32(m, AUTOVPN_KEY_A_LIFETIME_SECS, 100000);
	}
	nla_nest_end(m, l);
	expect("key_lifetime_above_max", m, EINVAL, 0);

	/* Prefixes. */
	m = peer_req(AUTOVPN_CMD_PEER_SET, 1, &p);
	l = nla_nest_start(m, AUTOVPN_PEER_A_ROUTES);
	put_prefix(m, "10.1.2.3", 24, 0);
	nla_nest_end(m, l);
	nla_nest_end(m, p);
	expect("prefix_host_bits", m, EINVAL, 0);

	m = peer_req(AUTOVPN_CMD_PEER_SET, 1, &p);
	l = nla_nest_start(m, AUTOVPN_PEER_A_ALLOWED);
	put_prefix(m, "10.1.0.0", 33, 0);
	nla_nest_end(m, l);
	nla_nest_end(m, p);
	expect("prefix_plen_too_long_v4", m, EINVAL, 0);

	m = peer_req(AUTOVPN_CMD_PEER_SET, 1, &p);
	l = nla_nest_start(m, AUTOVPN_PEER_A_ROUTES);
	put_prefix(m, "fd00::", 129, 0);
	nla_nest_end(m, l);
	nla_nest_end(m, p);
	expect("prefix_plen_too_long_v6", m, EINVAL, ERANGE, 0);

	m = peer_req(AUTOVPN_CMD_PEER_SET, 1, &p);
	l = nla_nest_start(m, AUTOVPN_PEER_A_ROUTES);
	put_prefix(m, "10.77.0.0", 16, AUTOVPN_PREFIX_F_REMOVE);
	nla_nest_end(m, l);
	nla_nest_end(m, p);
	expect("remove_absent_prefix", m, ENOENT, 0);

	m = peer_req(AUTOVPN_CMD_PEER_SET, 1, &p);
	l = nla_nest_start(m, AUTOVPN_PEER_A_ROUTES);
	nla_put_u32(m, AUTOVPN_PEER_A_ID, 3); /* not a PREFIX nest */
	nla_nest_end(m, l);
	nla_nest_end(m, p);
	expect("route_list_wrong_member", m, EINVAL, 0);

	/* Half a request must not be applied: a good prefix then a bad one. */
	m = peer_req(AUTOVPN_CMD_PEER_SET, 1, &p);
	nla_put_string(m, AUTOVPN_PEER_A_NAME, "renamed");
	l = nla_nest_start(m, AUTOVPN_PEER_A_ROUTES);
	put_prefix(m, "10.50.0.0", 24, 0);
	put_prefix(m, "10.51.0.1", 24, 0);
	nla_nest_end(m, l);
	nla_nest_end(m, p);
	expect("no_half_apply_routes", m, EINVAL, 0);

	/* Paths and uplinks. */
	m = peer_req(AUTOVPN_CMD_PEER_NEW, 8, &p);
	nla_put_u32(m, AUTOVPN_PEER_A_RX_INDEX, 88);
	l = nla_nest_start(m, AUTOVPN_PEER_A_ROUTES);
	put_prefix(m, "10.88.0.0", 16, 0);
	nla_nest_end(m, l);
	l = nla_nest_start(m, AUTOVPN_PEER_A_PATHS);
	put_path(m, 0, 1, "127.0.0.1", 41002, false);
	nla_nest_end(m, l);
	nla_nest_end(m, p);
	expect("unknown_uplink_in_path", m, ENOENT, 0);

	m = peer_req(AUTOVPN_CMD_PEER_SET, 1, &p);
	l = nla_nest_start(m, AUTOVPN_PEER_A_PATHS);
	put_path(m, 1, 0, "::1", 41002, false);
	nla_nest_end(m, l);
	nla_nest_end(m, p);
	expect("endpoint_family_mismatch", m, EAFNOSUPPORT, 0);

	m = peer_req(AUTOVPN_CMD_PEER_SET, 1, &p);
	l = nla_nest_start(m, AUTOVPN_PEER_A_PATHS);
	put_path(m, 5, 0, "127.0.0.1", 41002, false);
	nla_nest_end(m, l);
	nla_nest_end(m, p);
	expect("path_id_out_of_range", m, ERANGE, EINVAL, 0);

	m = peer_req(AUTOVPN_CMD_PEER_SET, 1, &p);
	l = nla_nest_start(m, AUTOVPN_PEER_A_PATHS);
	put_path(m, 3, -1, NULL, 0, true);
	nla_nest_end(m, l);
	nla_nest_end(m, p);
	expect("remove_absent_path", m, ENOENT, 0);

	m = peer_req(AUTOVPN_CMD_PEER_SET, 1, &p);
	l = nla_nest_start(m, AUTOVPN_PEER_A_PATHS);
	put_path(m, 1, 0, "127.0.0.1", 0, false);
	nla_nest_end(m, l);
	nla_nest_end(m, p);
	expect("endpoint_port_zero", m, EINVAL, 0);

	m = dev_req(AUTOVPN_CMD_DEV_SET);
	put_uplink(m, 5, -1);
	expect("uplink_id_out_of_range", m, ERANGE, EINVAL, 0);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	m = dev_req(AUTOVPN_CMD_DEV_SET);
	put_uplink(m, 1, fd);
	expect("uplink_tcp_socket", m, EPROTOTYPE, EINVAL, 0);
	close(fd);

	fd = open("/dev/null", O_RDONLY);
	m = dev_req(AUTOVPN_CMD_DEV_SET);
	put_uplink(m, 1, fd);
	expect("uplink_not_a_socket", m, ENOTSOCK, EBADF, 0);
	close(fd);

	fd = socket(AF_INET, SOCK_DGRAM, 0); /* not bound */
	m = dev_req(AUTOVPN_CMD_DEV_SET);
	put_uplink(m, 1, fd);
	expect("uplink_unbound_socket", m, EDESTADDRREQ, EINVAL, 0);
	close(fd);

	/* Two uplinks in one request, the second bad: the first is not attached. */
	fd = udp_socket("127.0.0.1", 41005);
	m = dev_req(AUTOVPN_CMD_DEV_SET);
	put_uplink(m, 1, fd);
	put_uplink(m, 0, 9999);
	expect("no_half_apply_uplinks", m, EBADF, ENOTSOCK, 0);
	close(fd);

	m = dev_req(AUTOVPN_CMD_DEV_SET);
	put_uplink(m, 1, -1);
	put_uplink(m, 1, -1);
	expect("uplink_listed_twice", m, EINVAL, 0);

	/* UDP_GRO would hand the module coalesced datagrams: refused. */
	fd = udp_socket("127.0.0.1", 41006);
	{
		int one = 1;

		if (setsockopt(fd, IPPROTO_UDP, UDP_GRO, &one, sizeof(one)))
			perror("nlbad: UDP_GRO");
	}
	m = dev_req(AUTOVPN_CMD_DEV_SET);
	put_uplink(m, 1, fd);
	expect("uplink_udp_gro_socket", m, EINVAL, EOPNOTSUPP, 0);
	close(fd);

	/* Receivers refuse index 0, so nothing may be sent with it. */
	m = peer_req(AUTOVPN_CMD_PEER_SET, 1, &p);
	nla_put_u32(m, AUTOVPN_PEER_A_TX_INDEX, 0);
	nla_nest_end(m, p);
	expect("tx_index_zero", m, EINVAL, ERANGE, 0);

	m = req(AUTOVPN_CMD_DEV_NEW, 0);
	nla_put_string(m, AUTOVPN_A_IFNAME, "avbad0");
	nla_put_u32(m, AUTOVPN_A_MTU, 10);
	expect("dev_new_mtu_too_small", m, EINVAL, 0);
}

/* ---- uplink hook/unhook, seen from the socket's owner ---- */

static void ok_or_fail(const char *name, bool ok, const char *why)
{
	if (ok) {
		printf("RESULT PASS %s\n", name);
	} else {
		printf("RESULT FAIL %s: %s\n", name, why);
		failures++;
	}
}

/* Send one datagram of the given first byte to the uplink; did its socket get it? */
static bool socket_receives(uint8_t type)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(41000) };
	unsigned char pkt[48] = { type }, in[64];
	int fd = socket(AF_INET, SOCK_DGRAM, 0), i;
	bool got = false;

	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to));
	close(fd);
	for (i = 0; i < 20 && !got; i++) { /* up to 1 s: TCG is slow */
		got = recv(uplink_fd, in, sizeof(in), MSG_DONTWAIT) > 0;
		if (!got)
			usleep(50000);
	}
	return got;
}

static void uplink_cases(void)
{
	char msg[512];
	struct nl_msg *m;
	int err;

	ok_or_fail("hooked_data_consumed", !socket_receives(AUTOVPN_MSG_DATA),
		   "a DATA datagram reached the daemon's socket while hooked");
	ok_or_fail("hooked_other_to_socket", socket_receives(0x42),
		   "a non-DATA datagram did not reach the socket");

	m = dev_req(AUTOVPN_CMD_DEV_SET);
	put_uplink(m, 1, uplink_fd);
	expect("same_socket_two_uplinks", m, EBUSY, 0);

	m = dev_req(AUTOVPN_CMD_DEV_SET);
	put_uplink(m, 0, -1);
	err = transact(m, msg, sizeof(msg), NULL);
	ok_or_fail("detach_uplink", !err, msg);
	ok_or_fail("detached_data_to_socket", socket_receives(AUTOVPN_MSG_DATA),
		   "a DATA datagram was still consumed after detaching");

	m = dev_req(AUTOVPN_CMD_DEV_SET);
	put_uplink(m, 0, uplink_fd);
	err = transact(m, msg, sizeof(msg), NULL);
	ok_or_fail("reattach_uplink", !err, msg);
	ok_or_fail("reattached_data_consumed", !socket_receives(AUTOVPN_MSG_DATA),
		   "a DATA datagram reached the socket after re-attaching");
}

int main(int argc, char **argv)
{
	struct buf before, after;
	int one = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: nlbad IFACE\n");
		return 2;
	}
	ifname = argv[1];
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		fprintf(stderr, "nlbad: no interface %s\n", ifname);
		return 2;
	}
	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk)) {
		fprintf(stderr, "nlbad: cannot open a generic netlink socket\n");
		return 2;
	}
	family = genl_ctrl_resolve(sk, AUTOVPN_GENL_NAME);
	if (family < 0) {
		fprintf(stderr, "nlbad: family %s not found (module loaded?)\n", AUTOVPN_GENL_NAME);
		return 2;
	}
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_set_buffer_size(sk, 1 << 20, 1 << 20);

	setup();
	before = snapshot();
	cases();
	after = snapshot();
	if (before.len == after.len && !memcmp(before.p, after.p, before.len)) {
		printf("RESULT PASS state_unchanged (%zu bytes of dump)\n", before.len);
	} else {
		printf("RESULT FAIL state_unchanged: dump differs (%zu vs %zu bytes)\n", before.len,
		       after.len);
		failures++;
	}
	free(before.p);
	free(after.p);
	uplink_cases();
	nl_socket_free(sk);
	return failures ? 1 : 0;
}
