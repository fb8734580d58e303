// SPDX-License-Identifier: GPL-2.0
/*
 * udpsend: sends UDP datagrams with exact payloads given in hex, from an
 * optional local address, so the scenarios can replay, tamper with or forge
 * DATA packets without python (slow to start under TCG).
 *
 * usage: udpsend [-b LOCALIP[:PORT]] [-t SECS] DSTIP:PORT HEX...
 *   IPv6 addresses in brackets: [2001:db8::1]:40000. Each HEX argument is one
 *   datagram ("-" or "" = empty payload). Exits non-zero if any send fails.
 *   -t SECS: a flood: send the datagrams again and again, as fast as the
 *   socket takes them, for SECS seconds (failed sends are only counted), and
 *   print "sent N" at the end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int parse_ep(const char *s, struct sockaddr_storage *ss, int need_port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char host[128];
	const char *port = NULL, *end;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end)
			return -1;
		n = (size_t)(end - s - 1);
		if (end[1] == ':')
			port = end + 2;
		else if (end[1])
			return -1;
		s++;
	} else {
		end = strrchr(s, ':');
		n = end ? (size_t)(end - s) : strlen(s);
		if (end)
			port = end + 1;
	}
	if (n >= sizeof(host) || (need_port && !port))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port ? (uint16_t)atoi(port) : 0);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port ? (uint16_t)atoi(port) : 0);
	} else {
		return -1;
	}
	return 0;
}

static long unhex(const char *h, unsigned char *out, size_t max)
{
	size_t n = strlen(h), i;
	unsigned int b;

	if (!strcmp(h, "-"))
		return 0;
	if (n % 2 || n / 2 > max)
		return -1;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(h + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (unsigned char)b;
	}
	return (long)(n / 2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* -t: the payloads, decoded once, sent round-robin until the time is up. */
static int flood(int fd, const struct sockaddr_storage *dst, char **hex, int n, double secs)
{
	static unsigned char bufs[64][2048];
	unsigned long sent = 0, failed = 0;
	long lens[64];
	double end;
	int i;

	if (n > 64) {
		fprintf(stderr, "udpsend: -t takes at most 64 payloads\n");
		return 2;
	}
	for (i = 0; i < n; i++) {
		lens[i] = unhex(hex[i], bufs[i], sizeof(bufs[i]));
		if (lens[i] < 0) {
			fprintf(stderr, "udpsend: bad hex payload '%s'\n", hex[i]);
			return 1;
		}
	}
	end = now() + secs;
	while (now() < end) {
		for (i = 0; i < n; i++) {
			if (sendto(fd, bufs[i], (size_t)lens[i], 0, (const struct sockaddr *)dst,
				   sizeof(*dst)) == lens[i])
				sent++;
			else
				failed++;
		}
	}
	printf("sent %lu failed %lu\n", sent, failed);
	return sent ? 0 : 1;
}

int main(int argc, char **argv)
{
	static unsigned char buf[65536];
	struct sockaddr_storage dst, src;
	const char *bind_to = NULL;
	double secs = 0;
	int fd, i, o, rc = 0;
	long len;

	while ((o = getopt(argc, argv, "b:t:")) != -1) {
		if (o == 'b')
			bind_to = optarg;
		else if (o == 't')
			secs = atof(optarg);
		else
			goto usage;
	}
	if (argc - optind < 2 || parse_ep(argv[optind], &dst, 1))
		goto usage;
	fd = socket(dst.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udpsend: socket");
		return 1;
	}
	if (bind_to) {
		if (parse_ep(bind_to, &src, 0) || src.ss_family != dst.ss_family)
			goto usage;
		if (bind(fd, (struct sockaddr *)&src, sizeof(src))) {
			fprintf(stderr, "udpsend: bind %s: %s\n", bind_to,
				strerror(errno));
			return 1;
		}
	}
	if (secs > 0) {
		rc = flood(fd, &dst, argv + optind + 1, argc - optind - 1, secs);
		close(fd);
		return rc;
	}
	for (i = optind + 1; i < argc; i++) {
		len = unhex(argv[i], buf, sizeof(buf));
		if (len < 0) {
			fprintf(stderr, "udpsend: bad hex payload '%s'\n", argv[i]);
			return 1;
		}
		if (sendto(fd, buf, (size_t)len, 0, (struct sockaddr *)&dst,
			   sizeof(dst)) != len) {
			fprintf(stderr, "udpsend: sendto: %s\n", strerror(errno));
			rc = 1;
		}
	}
	close(fd);
	return rc;
usage:
	fprintf(stderr, "usage: udpsend [-b LOCALIP[:PORT]] [-t SECS] DSTIP:PORT HEX...\n");
	return 2;
}
