// SPDX-License-Identifier: GPL-2.0
/*
 * seqcheck: numbered UDP datagrams, to see whether a tunnel keeps their order.
 *
 * usage: seqcheck send DSTIP:PORT COUNT [SIZE]
 *          sends COUNT datagrams of SIZE bytes (default 1000, at least 8),
 *          numbered 0.. in their first 8 bytes (big-endian), as fast as the
 *          socket takes them; prints "sent N".
 *        seqcheck recv PORT IDLE_MS [LAST]
 *          receives on PORT (IPv6 socket, IPv4 too) until IDLE_MS pass
 *          without a datagram after the first one (or 600 s in all); once
 *          datagram LAST (the sender's last) is in, 500 ms will do, as
 *          waiting out IDLE_MS after every run adds up; prints
 *          "received N reordered R duplicates D highest H", where a datagram
 *          is reordered if a higher number arrived before it.
 * Numbers below 2^24 only; exits non-zero on a socket error.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SEQ_MAX (1U << 24)

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int do_send(const char *dst, unsigned long count, unsigned long size)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	char host[128], *colon, buf[65536] = { 0 };
	unsigned long i, sent = 0;
	socklen_t len;
	int fd;

	if (size < 8 || size > sizeof(buf) || count > SEQ_MAX || strlen(dst) >= sizeof(host))
		return 2;
	strcpy(host, dst);
	colon = strrchr(host, ':');
	if (!colon)
		return 2;
	*colon = 0;
	if (host[0] == '[' && colon[-1] == ']') {
		colon[-1] = 0;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(atoi(colon + 1));
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
			return 2;
		len = sizeof(*in6);
	} else {
		in->sin_family = AF_INET;
		in->sin_port = htons(atoi(colon + 1));
		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return 2;
		len = sizeof(*in);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len)) {
		perror("seqcheck send");
		return 1;
	}
	for (i = 0; i < count; i++) {
		uint64_t be = htobe64(i);

		memcpy(buf, &be, sizeof(be));
		/* A full queue or an ICMP error is a lost datagram, not a failure. */
		if (send(fd, buf, size, 0) == (ssize_t)size)
			sent++;
	}
	printf("sent %lu\n", sent);
	close(fd);
	return 0;
}

#define SEQ_IDLE_AFTER_LAST_MS 500

static int do_recv(int port, int idle_ms, long long last_seq)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	unsigned long received = 0, reordered = 0, dups = 0;
	long long start = now_ms(), last = 0;
	uint64_t seq, highest = 0;
	unsigned char *seen;
	bool got_last = false; /* the datagram last_seq is in */
	int fd, off = 0, rcvbuf = 4 << 20;
	char buf[65536];

	seen = calloc(SEQ_MAX / 8, 1);
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (!seen || fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("seqcheck recv");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	printf("listening\n");
	fflush(stdout);
	while (now_ms() - start < 600000) { /* a bound; the idle time ends it */
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) < 0)
			break;
		if (!(p.revents & POLLIN)) {
			int idle = idle_ms;

			if (got_last && idle > SEQ_IDLE_AFTER_LAST_MS)
				idle = SEQ_IDLE_AFTER_LAST_MS;
			if (last && now_ms() - last >= idle)
				break;
			continue;
		}
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 8)
			continue;
		last = now_ms();
		memcpy(&seq, buf, sizeof(seq));
		seq = be64toh(seq);
		if (seq >= SEQ_MAX)
			continue;
		if (seen[seq / 8] & (1U << (seq % 8))) {
			dups++;
			continue;
		}
		seen[seq / 8] |= 1U << (seq % 8);
		if ((long long)seq == last_seq)
			got_last = true;
		if (received && seq < highest)
			reordered++;
		if (!received || seq > highest)
			highest = seq;
		received++;
	}
	printf("received %lu reordered %lu duplicates %lu highest %llu\n", received, reordered,
	       dups, (unsigned long long)highest);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "send"))
		return do_send(argv[2], strtoul(argv[3], NULL, 0),
			       argc > 4 ? strtoul(argv[4], NULL, 0) : 1000);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "recv"))
		return do_recv(atoi(argv[2]), atoi(argv[3]), argc == 5 ? atoll(argv[4]) : -1);
	fprintf(stderr,
		"usage: seqcheck send DSTIP:PORT COUNT [SIZE] | recv PORT IDLE_MS [LAST]\n");
	return 2;
}
