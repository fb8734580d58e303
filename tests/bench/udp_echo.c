// SPDX-License-Identifier: GPL-2.0
/*
 * udp_echo: the baseline for `make bench-registry` -- a bare UDP echo server
 * with the same batching as the registry (recvmmsg/sendmmsg, 64 per batch)
 * and no work per packet.  Loopback only; exits by itself after SECONDS.
 *   udp_echo 127.0.0.1:PORT SECONDS
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <netinet/in.h>

#define BATCH 64

int main(int argc, char **argv)
{
	static char buf[BATCH][2048];
	static struct mmsghdr mm[BATCH];
	static struct iovec iov[BATCH];
	static struct sockaddr_in src[BATCH];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd, bufsz = 4 << 20, pmtu = IP_PMTUDISC_DO;
	char host[64];
	unsigned int port;
	time_t end;

	if (argc != 3 || sscanf(argv[1], "%63[^:]:%u", host, &port) != 2 ||
	    inet_pton(AF_INET, host, &sa.sin_addr) != 1 || (ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "usage: udp_echo 127.x.y.z:PORT SECONDS\n");
		return 2;
	}
	sa.sin_port = htons((uint16_t)port);
	end = time(NULL) + atoi(argv[2]);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	/* Above rmem_max if we may (root): bursts of 100k gateways. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	/* Same socket options as the registry's, so only the per-request work differs. */
	setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("udp_echo");
		return 1;
	}
	while (time(NULL) < end) {
		struct pollfd p = { fd, POLLIN, 0 };
		int n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ buf[i], sizeof(buf[i]) };
			memset(&mm[i].msg_hdr, 0, sizeof(mm[i].msg_hdr));
			mm[i].msg_hdr.msg_name = &src[i];
			mm[i].msg_hdr.msg_namelen = sizeof(src[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, mm, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			continue;
		for (int i = 0; i < n; i++)
			iov[i].iov_len = mm[i].msg_len;
		sendmmsg(fd, mm, (unsigned int)n, 0);
	}
	return 0;
}
