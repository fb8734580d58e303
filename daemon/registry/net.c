// SPDX-License-Identifier: GPL-2.0
/*
 * UDP sockets of the registry.  Receives in batches with recvmmsg and sends
 * the answers of a batch with one sendmmsg.  A socket bound to a wildcard
 * address answers from the address the request came to (IP_PKTINFO /
 * IPV6_RECVPKTINFO): on a host with several addresses a reply from another
 * one would be dropped by the client's NAT.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>

#include "base/endpoint.h"
#include "registry.h"

#define BATCH 64
#define CMSG_SPACE_PKT CMSG_SPACE(sizeof(struct in6_pktinfo))

static void net_rx(struct loop *l, int fd, uint32_t events, void *arg);

static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct endpoint ep;
	struct addr a;
	const char *why;
	char buf[80];

	if (!endpoint_parse(s, &ep, &why)) {
		*len = endpoint_to_sockaddr(&ep, ss);
		return 0;
	}
	/* A bare address: default port. */
	snprintf(buf, sizeof(buf), "%s", s);
	if (!addr_parse(buf, &a, &why)) {
		ep.addr = a;
		ep.port = NET_DEFAULT_PORT;
		*len = endpoint_to_sockaddr(&ep, ss);
		return 0;
	}
	return -EINVAL;
}

static int open_sock(struct registry *r, const struct sockaddr_storage *ss, socklen_t len,
		     const char *listen, uint8_t echo)
{
	struct net_sock *s;
	int one = 1, fd, bufsz = 4 << 20, pmtu = IP_PMTUDISC_DO, ret;

	if (r->n_socks >= NET_MAX_SOCKS) {
		log_err("too many listen addresses");
		return -ENOSPC;
	}
	s = &r->socks[r->n_socks];
	memset(s, 0, sizeof(*s));
	s->addr = *ss;
	s->family = s->addr.ss_family;
	s->echo = echo;
	fd = socket(s->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		log_err("socket: %s", strerror(errno));
		return ret;
	}
	/* Above rmem_max if we may (root): bursts of 100k gateways. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	if (s->family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* Messages are <= 1232 bytes: never fragment (and skip IP id selection). */
	if (s->family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
	if (s->family == AF_INET &&
	    ((struct sockaddr_in *)&s->addr)->sin_addr.s_addr == htonl(INADDR_ANY)) {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		s->pktinfo = 1;
	} else if (s->family == AF_INET6 &&
		   IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&s->addr)->sin6_addr)) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
		s->pktinfo = 1;
	}
	if (bind(fd, (struct sockaddr *)&s->addr, len) < 0) {
		ret = -errno;
		log_err("bind %s%s: %s", listen, echo ? " (echo port)" : "", strerror(errno));
		close(fd);
		return ret;
	}
	s->fd = fd;
	ret = loop_add_fd(r->loop, fd, EPOLLIN, net_rx, r);
	if (ret) {
		close(fd);
		return ret;
	}
	r->n_socks++;
	return 0;
}

int net_open(struct registry *r, const char *listen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	uint16_t port;
	int ret;

	if (parse_listen(listen, &ss, &len)) {
		log_err("bad listen address '%s' (want ADDR, ADDR:PORT or [V6]:PORT)", listen);
		return -EINVAL;
	}
	port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
					       ((struct sockaddr_in6 *)&ss)->sin6_port);
	/* Gateways' firewalls are told to allow 9350-9381 (DESIGN 1). */
	if (port < 9350 || port > 9381)
		log_warn("warning: port %u is outside the registry range 9350-9381", port);
	ret = open_sock(r, &ss, len, listen, 0);
	if (ret)
		return ret;
	log_info("listening on udp %s", listen);
	if (!r->echo_port)
		return 0;
	/* The same address on the high port: its answers test the gateways' upstream. */
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(r->echo_port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(r->echo_port);
	ret = open_sock(r, &ss, len, listen, 1);
	if (!ret)
		log_info("high-port echo on udp port %u of %s", r->echo_port, listen);
	return ret;
}

void net_close(struct registry *r)
{
	for (unsigned int i = 0; i < r->n_socks; i++) {
		loop_del_fd(r->loop, r->socks[i].fd);
		close(r->socks[i].fd);
	}
	r->n_socks = 0;
}

static void local_from_cmsg(struct msghdr *mh, struct handle_rx *rx)
{
	struct cmsghdr *c;

	memset(&rx->local, 0, sizeof(rx->local));
	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			rx->local.family = AF_INET;
			rx->local.v4 = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			rx->local.family = AF_INET6;
			rx->local.v6 = pi.ipi6_addr;
		}
	}
}

/* Fills the control buffer so the reply leaves from @local (if known). */
static size_t set_src(struct msghdr *mh, uint8_t *cbuf, const struct addr *local)
{
	struct cmsghdr *c;

	if (local->family == AF_UNSPEC)
		return 0;
	memset(cbuf, 0, CMSG_SPACE_PKT);
	mh->msg_control = cbuf;
	mh->msg_controllen = CMSG_SPACE_PKT;
	c = CMSG_FIRSTHDR(mh);
	if (local->family == AF_INET) {
		struct in_pktinfo pi = { 0 };

		pi.ipi_spec_dst = local->v4;
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		mh->msg_controllen = CMSG_SPACE(sizeof(pi));
	} else {
		struct in6_pktinfo pi = { 0 };

		pi.ipi6_addr = local->v6;
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
	return mh->msg_controllen;
}

int net_send_one(struct registry *r, unsigned int si, const struct sockaddr_storage *dst,
		 const struct addr *local, const uint8_t *buf, size_t len)
{
	struct net_sock *s = &r->socks[si < r->n_socks ? si : 0];
	uint8_t cbuf[CMSG_SPACE_PKT];
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { 0 };

	if ((dst->ss_family == AF_INET) != (s->family == AF_INET))
		return -EAFNOSUPPORT;
	mh.msg_name = (void *)dst;
	mh.msg_namelen = dst->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
						     sizeof(struct sockaddr_in6);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (s->pktinfo)
		set_src(&mh, cbuf, local);
	if (sendmsg(s->fd, &mh, 0) < 0) {
		r->st.tx_fail++;
		return -errno;
	}
	r->st.tx++;
	return 0;
}

/* Drains up to a few batches from the socket @fd; a loop_fd_fn. */
static void net_rx(struct loop *l, int fd, uint32_t events, void *arg)
{
	static uint8_t rbuf[BATCH][PROTO_MAX_MSG + 1], tbuf[BATCH][PROTO_MAX_MSG];
	static uint8_t rcbuf[BATCH][CMSG_SPACE_PKT], tcbuf[BATCH][CMSG_SPACE_PKT];
	static struct sockaddr_storage src[BATCH];
	static struct mmsghdr rm[BATCH], tm[BATCH];
	static struct iovec riov[BATCH], tiov[BATCH];
	static struct gwtable_entry *ahead[BATCH];
	struct registry *r = arg;
	unsigned int si = 0;
	struct net_sock *s;

	while (si < r->n_socks - 1 && r->socks[si].fd != fd)
		si++;
	s = &r->socks[si];

	for (int round = 0; round < 16; round++) {
		uint64_t now_ms = clock_mono_ms();
		unsigned int nt = 0;
		int n;

		for (int i = 0; i < BATCH; i++) {
			riov[i] = (struct iovec){ rbuf[i], sizeof(rbuf[i]) };
			memset(&rm[i].msg_hdr, 0, sizeof(rm[i].msg_hdr));
			rm[i].msg_hdr.msg_name = &src[i];
			rm[i].msg_hdr.msg_namelen = sizeof(src[i]);
			rm[i].msg_hdr.msg_iov = &riov[i];
			rm[i].msg_hdr.msg_iovlen = 1;
			if (s->pktinfo) {
				rm[i].msg_hdr.msg_control = rcbuf[i];
				rm[i].msg_hdr.msg_controllen = sizeof(rcbuf[i]);
			}
		}
		n = recvmmsg(s->fd, rm, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++)
			ahead[i] = handle_prefetch(r, rbuf[i], rm[i].msg_len);
		for (int i = 0; i < n; i++) {
			struct handle_rx rx = {
				.buf = rbuf[i],
				.len = rm[i].msg_len,
				.sock = si,
				.gw = ahead[i],
				.looked_up = 1,
				.echo = s->echo,
			};
			size_t len;

			memcpy(&rx.src, &src[i], sizeof(rx.src));
			if (s->pktinfo)
				local_from_cmsg(&rm[i].msg_hdr, &rx);
			if (rm[i].msg_hdr.msg_flags & MSG_TRUNC)
				rx.len = sizeof(rbuf[i]); /* oversized: rejected by length */
			len = handle_datagram(r, &rx, tbuf[nt], sizeof(tbuf[nt]), now_ms);
			if (!len)
				continue;
			tiov[nt] = (struct iovec){ tbuf[nt], len };
			memset(&tm[nt].msg_hdr, 0, sizeof(tm[nt].msg_hdr));
			tm[nt].msg_hdr.msg_name = &src[i];
			tm[nt].msg_hdr.msg_namelen = rm[i].msg_hdr.msg_namelen;
			tm[nt].msg_hdr.msg_iov = &tiov[nt];
			tm[nt].msg_hdr.msg_iovlen = 1;
			if (s->pktinfo)
				set_src(&tm[nt].msg_hdr, tcbuf[nt], &rx.local);
			nt++;
		}
		for (unsigned int off = 0; off < nt;) {
			int k = sendmmsg(s->fd, tm + off, nt - off, 0);

			if (k <= 0) {
				/* Full socket buffer: these answers are lost; clients retry. */
				r->st.tx_fail += nt - off;
				break;
			}
			r->st.tx += (unsigned int)k;
			off += (unsigned int)k;
		}
		if (n < BATCH)
			return;
	}
}
