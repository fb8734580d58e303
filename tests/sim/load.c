// SPDX-License-Identifier: GPL-2.0
/*
 * avpn-gwsim "load" mode: many gateways on one socket.  Each message leaves
 * from its gateway's own 127.x source address (IP_PKTINFO), so the server
 * sees N distinct endpoints while the simulator needs one socket.  First
 * every gateway registers (register-only requests), then keepalives are sent
 * as fast as the server answers, with a bounded number in flight, for a fixed
 * time.  The same run against a plain UDP echo server gives the baseline.
 * Replies are counted, not opened: the simulator must not be the bottleneck.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "base/key.h"
#include "gwsim.h"

#define BATCH 64

struct lgw {
	struct seal_key key;
	uint8_t pk[32];
	uint8_t registered;
};

static long proc_rss_kib(int pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* utime + stime of a process, in seconds. */
static double proc_cpu_s(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

struct load {
	struct sim *s;
	struct lgw *g;
	int fd;
	unsigned int target; /* index into s->reg */
	uint32_t sender_id;
	struct seal_counter ctr;
	uint8_t msgs[BATCH][PROTO_MAX_MSG];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in dst[BATCH];
	uint8_t cbuf[BATCH][CMSG_SPACE(sizeof(struct in_pktinfo))];
	uint8_t rbuf[BATCH][PROTO_MAX_MSG + 1];
	struct mmsghdr rm[BATCH];
	struct iovec riov[BATCH];
	uint8_t rcbuf[BATCH][CMSG_SPACE(sizeof(struct in_pktinfo))];
};

/* A sealed message for gateway i; its length, or a negative errno. */
static ssize_t make_msg(struct load *l, uint32_t i, int keepalive, uint8_t *out)
{
	uint8_t body[64];
	ssize_t n;
	struct sim *s = l->s;
	struct endpoint local = { .addr = { .family = AF_INET, .v4 = sim_addr(i) }, .port = 40000 };

	if (keepalive) {
		struct proto_keepalive m = {
			.uplink = 0, .nat = PROTO_NAT_FRIENDLY, .version = 0, .local = local
		};

		n = proto_enc_keepalive(body, sizeof(body), &m);
	} else {
		struct proto_reg_req m = { .uplink = 0,
					   .nat = PROTO_NAT_UNKNOWN,
					   .page = PROTO_PAGE_NONE,
					   .local = local };

		n = proto_enc_reg_req(body, sizeof(body), &m);
	}
	(void)s;
	if (n < 0)
		return n;
	{
		/* Addressed like regclient does: the n-th -r is registry n. */
		struct seal_hdr h = {
			.type = keepalive ? PROTO_T_KEEPALIVE : PROTO_T_REG_REQ,
			.to = (uint8_t)(l->target + 1),
			.sender_id = l->sender_id,
			.sender_pk = l->g[i].pk,
			.counter = seal_next_counter(&l->ctr),
		};

		return seal_msg_hdr(out, PROTO_MAX_MSG, &h, &l->g[i].key, body, (size_t)n);
	}
}

/* Sends up to n messages for gateways picked by next(); returns how many. */
static unsigned int send_batch(struct load *l, uint32_t *cursor, unsigned int n, int keepalive,
			       int only_unregistered)
{
	unsigned int k = 0;
	uint32_t tries = 0;

	while (k < n && tries++ < l->s->n) {
		uint32_t i = (*cursor)++ % l->s->n;
		struct in_pktinfo pi = { 0 };
		struct cmsghdr *c;
		ssize_t len;

		/* Registration: the ones not yet answered; keepalives: the registered. */
		if (only_unregistered == !!l->g[i].registered)
			continue;
		len = make_msg(l, i, keepalive, l->msgs[k]);
		if (len < 0)
			continue;
		l->iov[k] = (struct iovec){ l->msgs[k], (size_t)len };
		memset(&l->mm[k].msg_hdr, 0, sizeof(l->mm[k].msg_hdr));
		l->dst[k] = l->s->reg[l->target];
		l->mm[k].msg_hdr.msg_name = &l->dst[k];
		l->mm[k].msg_hdr.msg_namelen = sizeof(l->dst[k]);
		l->mm[k].msg_hdr.msg_iov = &l->iov[k];
		l->mm[k].msg_hdr.msg_iovlen = 1;
		l->mm[k].msg_hdr.msg_control = l->cbuf[k];
		l->mm[k].msg_hdr.msg_controllen = sizeof(l->cbuf[k]);
		c = CMSG_FIRSTHDR(&l->mm[k].msg_hdr);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		pi.ipi_spec_dst = sim_addr(i);
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		k++;
	}
	if (!k)
		return 0;
	for (unsigned int off = 0; off < k;) {
		int r = sendmmsg(l->fd, l->mm + off, k - off, 0);

		if (r <= 0)
			return off;
		off += (unsigned int)r;
	}
	return k;
}

/* Receives what is there; marks registered gateways; returns the count. */
static unsigned int recv_batch(struct load *l, int wait_ms)
{
	unsigned int got = 0;
	int n;

	for (int i = 0; i < BATCH; i++) {
		l->riov[i] = (struct iovec){ l->rbuf[i], sizeof(l->rbuf[i]) };
		memset(&l->rm[i].msg_hdr, 0, sizeof(l->rm[i].msg_hdr));
		l->rm[i].msg_hdr.msg_iov = &l->riov[i];
		l->rm[i].msg_hdr.msg_iovlen = 1;
		l->rm[i].msg_hdr.msg_control = l->rcbuf[i];
		l->rm[i].msg_hdr.msg_controllen = sizeof(l->rcbuf[i]);
	}
	/* recvmmsg's own timeout only applies once a datagram arrived: poll. */
	if (wait_ms) {
		struct pollfd p = { l->fd, POLLIN, 0 };

		if (poll(&p, 1, wait_ms) <= 0)
			return 0;
	}
	n = recvmmsg(l->fd, l->rm, BATCH, MSG_DONTWAIT, NULL);
	for (int i = 0; i < n; i++) {
		struct cmsghdr *c;

		/* Answers only (or echoes of our requests): pushes are not counted. */
		if (l->rm[i].msg_len < SEAL_OVERHEAD || l->rbuf[i][0] == PROTO_T_PUSH)
			continue;
		got++;
		for (c = CMSG_FIRSTHDR(&l->rm[i].msg_hdr); c;
		     c = CMSG_NXTHDR(&l->rm[i].msg_hdr, c)) {
			struct in_pktinfo pi;
			uint32_t idx;

			if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_PKTINFO)
				continue;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			idx = ntohl(pi.ipi_addr.s_addr) - 0x7f010000u;
			if (idx < l->s->n)
				l->g[idx].registered = 1;
		}
	}
	return got;
}

/*
 * Closed loop with a window: keep up to `window` requests in flight; if the
 * server drops some, the window is refilled after a short quiet period.
 */
static uint64_t run_phase(struct load *l, int keepalive, double seconds, unsigned int window,
			  uint64_t *sent_out)
{
	uint64_t end = clock_mono_ms() + (uint64_t)(seconds * 1000), sent = 0, got = 0, quiet = 0;
	uint32_t cursor = 0;
	uint64_t inflight = 0;

	while (clock_mono_ms() < end) {
		unsigned int r;

		while (inflight + BATCH <= window) {
			unsigned int k = send_batch(l, &cursor, BATCH, keepalive, !keepalive);

			if (!k)
				break;
			sent += k;
			inflight += k;
		}
		r = recv_batch(l, 1);
		got += r;
		inflight = inflight > r ? inflight - r : 0;
		if (!r && ++quiet > 100) {
			inflight = 0; /* lost in the server's full buffer: resend */
			quiet = 0;
		} else if (r) {
			quiet = 0;
		}
		if (!keepalive) {
			uint32_t done = 0;

			for (uint32_t i = 0; i < l->s->n; i++)
				done += l->g[i].registered;
			if (done == l->s->n)
				break;
		}
	}
	*sent_out = sent;
	return got;
}

static int read_keys(struct load *l, const char *path)
{
	char line[256], pk64[64], sk64[64];
	uint32_t i = 0, idx;
	FILE *f = fopen(path, "r");

	if (!f) {
		perror(path);
		return -1;
	}
	while (i < l->s->n && fgets(line, sizeof(line), f)) {
		uint8_t sk[32];

		if (sscanf(line, "%u\t%63s\t%63s", &idx, pk64, sk64) != 3 || idx != i ||
		    key_from_base64(l->g[i].pk, pk64) || key_from_base64(sk, sk64) ||
		    seal_precompute(&l->g[i].key, l->s->registry_pk, sk, l->g[i].pk)) {
			fprintf(stderr,
				"%s: bad line %u (want 'INDEX PUB PRIV' from keys --private)\n",
				path, i + 1);
			fclose(f);
			return -1;
		}
		i++;
	}
	fclose(f);
	if (i != l->s->n) {
		fprintf(stderr, "%s: only %u keys\n", path, i);
		return -1;
	}
	return 0;
}

static int run_target(struct load *l, unsigned int t, const char *label, int pid, double duration_s,
		      unsigned int window, double reg_timeout_s)
{
	struct sim *s = l->s;
	long rss0 = -1, rss1 = -1;
	double cpu0, cpu1;
	uint64_t t0, t1, sent, got, reg_sent, reg_got;
	uint32_t registered = 0;

	l->target = t;
	for (uint32_t i = 0; i < s->n; i++)
		l->g[i].registered = 0;
	if (pid)
		rss0 = proc_rss_kib(pid);
	t0 = clock_mono_ms();
	reg_got = run_phase(l, 0, reg_timeout_s, window, &reg_sent);
	t1 = clock_mono_ms();
	for (uint32_t i = 0; i < s->n; i++)
		registered += l->g[i].registered;
	if (pid)
		rss1 = proc_rss_kib(pid);
	printf("%s\tregister\tgateways=%u\tregistered=%u\tsent=%llu\treplies=%llu\tms=%llu\n",
	       label, s->n, registered, (unsigned long long)reg_sent, (unsigned long long)reg_got,
	       (unsigned long long)(t1 - t0));
	if (pid)
		printf("%s\trss\tbefore_kib=%ld\tafter_kib=%ld\tper_gateway_bytes=%.0f\n", label,
		       rss0, rss1, (double)(rss1 - rss0) * 1024.0 / (registered ? registered : 1));
	while (recv_batch(l, 50))
		; /* drain */
	if (!registered)
		return 1;
	cpu0 = pid ? proc_cpu_s(pid) : 0;
	t0 = clock_mono_ms();
	got = run_phase(l, 1, duration_s, window, &sent);
	t1 = clock_mono_ms();
	cpu1 = pid ? proc_cpu_s(pid) : 0;
	printf("%s\tkeepalive\tsent=%llu\treplies=%llu\tseconds=%.2f\treq_per_s=%.0f", label,
	       (unsigned long long)sent, (unsigned long long)got, (t1 - t0) / 1000.0,
	       got * 1000.0 / (double)(t1 - t0));
	if (pid)
		printf("\tserver_cpu_s=%.2f\treq_per_cpu_s=%.0f", cpu1 - cpu0,
		       cpu1 > cpu0 ? got / (cpu1 - cpu0) : 0.0);
	printf("\n");
	fflush(stdout);
	while (recv_batch(l, 50))
		;
	return registered == s->n ? 0 : 1;
}

/*
 * Every target (registry, then echo server) gets the same gateways, the same
 * keys and the same code path, one after the other.  Labels and server pids
 * come comma-separated in `labels` and GWSIM_SERVER_PIDS.
 */
int sim_load(struct sim *s, double duration_s, unsigned int window, const char *labels,
	     double reg_timeout_s, const char *keyfile)
{
	static struct load l;
	struct sockaddr_in any = { .sin_family = AF_INET };
	int one = 1, bufsz = 8 << 20, rc = 0;
	const char *ps = getenv("GWSIM_SERVER_PIDS");
	char lab[256], *save = NULL, *tok;
	uint64_t t0;

	l.s = s;
	l.g = calloc(s->n, sizeof(*l.g));
	if (!l.g)
		return 1;
	l.sender_id = 0x5157u;
	t0 = clock_mono_ms();
	if (keyfile) {
		if (read_keys(&l, keyfile))
			return 1;
	} else {
		for (uint32_t i = 0; i < s->n; i++) {
			uint8_t sk[32];

			sim_key(getenv("GWSIM_SEED") ? getenv("GWSIM_SEED") : "bench", i, sk,
				l.g[i].pk);
			if (seal_precompute(&l.g[i].key, s->registry_pk, sk, l.g[i].pk))
				return 1;
		}
	}
	fprintf(stderr, "avpn-gwsim: %u gateway keys ready in %llu ms\n", s->n,
		(unsigned long long)(clock_mono_ms() - t0));
	l.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	setsockopt(l.fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	if (setsockopt(l.fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz)))
		setsockopt(l.fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	setsockopt(l.fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	if (bind(l.fd, (struct sockaddr *)&any, sizeof(any)) < 0) {
		perror("bind");
		return 1;
	}
	snprintf(lab, sizeof(lab), "%s", labels);
	tok = strtok_r(lab, ",", &save);
	for (unsigned int t = 0; t < s->n_reg; t++) {
		int pid = 0;

		if (ps) {
			const char *p = ps;

			for (unsigned int k = 0; k < t && p; k++) {
				p = strchr(p, ',');
				p = p ? p + 1 : NULL;
			}
			pid = p ? atoi(p) : 0;
		}
		rc |= run_target(&l, t, tok ? tok : "target", pid, duration_s, window,
				 reg_timeout_s);
		tok = strtok_r(NULL, ",", &save);
	}
	close(l.fd);
	free(l.g);
	return rc;
}
