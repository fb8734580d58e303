// SPDX-License-Identifier: GPL-2.0
/*
 * uplink_queue: shows which datagrams an uplink socket leaves to userspace.
 *
 * It binds a UDP socket, hands it to the module as uplink UPLINK of IFACE
 * (AUTOVPN_CMD_DEV_SET, the way autovpnd does), keeps its own fd and prints
 * every datagram that recvmsg() returns, for SECONDS seconds. The module
 * must consume DATA (first byte 1) and leave everything else here.
 * Raw libnl on purpose: it is a second client of the uapi, independent of
 * the tool's library.
 *
 * usage: uplink_queue IFACE UPLINK IP:PORT SECONDS
 * output: "READY" once attached, then "RECV len=N type=T text=..." lines.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/autovpn.h>
#include <netinet/in.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int parse_ep(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char host[128];
	const char *end, *port;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end || end[1] != ':')
			return -1;
		s++;
		port = end + 2;
	} else {
		end = strrchr(s, ':');
		if (!end)
			return -1;
		port = end + 1;
	}
	n = (size_t)(end - s);
	if (n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)atoi(port));
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)atoi(port));
	} else {
		return -1;
	}
	return 0;
}

/* Prints the kernel's extended ack message, if any. */
static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)e - 1;
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = { 0 };
	size_t off = sizeof(*e);
	int *err = arg;

	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    nlh->nlmsg_len > NLMSG_HDRLEN + off &&
	    !nla_parse(tb, NLMSGERR_ATTR_MAX,
		       (struct nlattr *)((char *)e + off),
		       (int)(nlh->nlmsg_len - NLMSG_HDRLEN - off), NULL) &&
	    tb[NLMSGERR_ATTR_MSG])
		fprintf(stderr, "uplink_queue: kernel: %s\n",
			nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	*err = e->error;
	return NL_STOP;
}

static int attach(const char *ifname, int uplink, int fd)
{
	struct nl_sock *sk;
	struct nl_msg *msg = NULL;
	struct nlattr *nest;
	int fam, err = -ENOMEM, one = 1;

	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk)) {
		fprintf(stderr, "uplink_queue: cannot open generic netlink\n");
		goto out;
	}
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	fam = genl_ctrl_resolve(sk, AUTOVPN_GENL_NAME);
	if (fam < 0) {
		fprintf(stderr, "uplink_queue: no genl family %s (module loaded?)\n",
			AUTOVPN_GENL_NAME);
		err = fam;
		goto out;
	}
	msg = nlmsg_alloc();
	if (!msg ||
	    !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, fam, 0, 0,
			 AUTOVPN_CMD_DEV_SET, AUTOVPN_GENL_VERSION) ||
	    nla_put_string(msg, AUTOVPN_A_IFNAME, ifname))
		goto out;
	nest = nla_nest_start(msg, AUTOVPN_A_UPLINK | NLA_F_NESTED);
	if (!nest || nla_put_u8(msg, AUTOVPN_UPLINK_A_ID, (uint8_t)uplink) ||
	    nla_put_u32(msg, AUTOVPN_UPLINK_A_FD, (uint32_t)fd))
		goto out;
	nla_nest_end(msg, nest);
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, on_error, &err);
	err = nl_send_auto(sk, msg);
	if (err < 0)
		goto out;
	err = 0;
	nl_wait_for_ack(sk);
	if (err)
		fprintf(stderr, "uplink_queue: DEV_SET failed: %s\n",
			strerror(-err));
out:
	nlmsg_free(msg);
	nl_socket_free(sk);
	return err;
}

static void print_dgram(const unsigned char *b, ssize_t n)
{
	ssize_t i;

	printf("RECV len=%zd type=%d text=", n, n > 0 ? b[0] : -1);
	for (i = 0; i < n; i++)
		putchar(b[i] >= 0x20 && b[i] < 0x7f ? b[i] : '.');
	putchar('\n');
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static unsigned char buf[65536];
	struct sockaddr_storage ss;
	struct timespec now;
	struct pollfd pfd;
	time_t deadline;
	int fd;
	ssize_t n;

	if (argc != 5 || parse_ep(argv[3], &ss)) {
		fprintf(stderr, "usage: uplink_queue IFACE UPLINK IP:PORT SECONDS\n");
		return 2;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sizeof(ss))) {
		fprintf(stderr, "uplink_queue: bind %s: %s\n", argv[3],
			strerror(errno));
		return 1;
	}
	if (attach(argv[1], atoi(argv[2]), fd))
		return 1;
	printf("READY\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &now);
	deadline = now.tv_sec + atoi(argv[4]);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (clock_gettime(CLOCK_MONOTONIC, &now), now.tv_sec < deadline) {
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n >= 0)
			print_dgram(buf, n);
	}
	return 0;
}
