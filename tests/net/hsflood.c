// SPDX-License-Identifier: GPL-2.0
/*
 * hsflood: a handshake flood from spoofed sources, for the flood-protection
 * scenario. Every datagram is an HS_INIT with a valid MAC1 for the target's
 * public key (which an attacker knows: it is in the org config and on the
 * wire), so the responder cannot drop it for free; the Noise part is random,
 * so without cookies each one would cost the responder a Diffie-Hellman.
 * Sources are random addresses in a /16 given on the command line, sent
 * with a raw socket (the VM's own namespaces only).
 *
 * usage: hsflood DSTIP:PORT PUBKEY-FILE COUNT SRC-PREFIX16 [SECONDS]
 *   e.g. hsflood 203.0.113.10:51625 sf.pub 20000 100.64 20
 * Stops after COUNT datagrams or SECONDS (default 30); prints how many went.
 */
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "base/clock.h"
#include "base/key.h"
#include "wire/cookie.h"
#include "wire/hsmsg.h"

int main(int argc, char **argv)
{
	unsigned int a, b, count, secs = 30, sent = 0, o1, o2;
	struct sockaddr_in dst = { .sin_family = AF_INET };
	uint8_t pkt[sizeof(struct iphdr) + sizeof(struct udphdr) + HSMSG_INIT_LEN];
	struct iphdr *ip = (struct iphdr *)pkt;
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	uint8_t *msg = (uint8_t *)(udp + 1), pub[KEY_LEN];
	struct cookie_sender cs;
	struct hsmsg_init m;
	char host[64], err[128];
	uint64_t end;
	int fd, one = 1, port;

	if (argc < 5 || sscanf(argv[1], "%63[^:]:%d", host, &port) != 2 ||
	    inet_pton(AF_INET, host, &dst.sin_addr) != 1 || sscanf(argv[4], "%u.%u", &o1, &o2) != 2) {
		fprintf(stderr, "usage: hsflood DSTIP:PORT PUBKEY-FILE COUNT SRC-PREFIX16 [SECONDS]\n");
		return 2;
	}
	count = (unsigned int)atoi(argv[3]);
	if (argc > 5)
		secs = (unsigned int)atoi(argv[5]);
	if (sodium_init() < 0 || key_read_file_public(argv[2], pub, err, sizeof(err)) ||
	    cookie_sender_init(&cs, pub)) {
		fprintf(stderr, "hsflood: %s: %s\n", argv[2], err);
		return 1;
	}
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		perror("hsflood: raw socket");
		return 1;
	}
	end = clock_mono_ms() + secs * 1000ull;
	while (sent < count && clock_mono_ms() < end) {
		memset(pkt, 0, sizeof(pkt));
		randombytes_buf(&m, sizeof(m));
		hsmsg_init_encode(&m, msg);
		cookie_add_macs(&cs, msg, HSMSG_INIT_LEN, clock_mono_ms() * 1000000ull);
		a = randombytes_uniform(256);
		b = randombytes_uniform(254) + 1;
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		ip->tot_len = htons(sizeof(pkt));
		ip->saddr = htonl(o1 << 24 | o2 << 16 | a << 8 | b);
		ip->daddr = dst.sin_addr.s_addr;
		udp->source = htons((uint16_t)(32768 + randombytes_uniform(28000)));
		udp->dest = htons((uint16_t)port);
		udp->len = htons(sizeof(struct udphdr) + HSMSG_INIT_LEN);
		/* UDP checksum 0: none, valid for IPv4; the kernel fills the IP one. */
		if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&dst, sizeof(dst)) > 0)
			sent++;
	}
	printf("hsflood: sent %u HS_INIT from spoofed %u.%u.0.0/16 sources\n", sent, o1, o2);
	cookie_sender_wipe(&cs);
	close(fd);
	return 0;
}
