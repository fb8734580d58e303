// SPDX-License-Identifier: GPL-2.0
/* kroute.c - VPN routes, policy rules and link state via rtnetlink (see kroute.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>
#include <netlink/msg.h>

#include "nl/kroute.h"

/*
 * Route changes go out packed, many requests per sendmsg, and only the last
 * of a batch asks for an acknowledgement: the kernel answers a failing
 * request with an error whatever its flags, and answers in order, so the
 * last one's acknowledgement closes the batch. 10,000 routes are then 10,000
 * FIB inserts and a few dozen system calls, not 20,000 (what the kernel
 * costs per route is the rest: about 10 us natively, 100 us emulated).
 *
 * A batch is as many requests as the receive buffer can hold answers for
 * if every one is refused (each answer takes about KROUTE_ANSWER_COST of
 * buffer): an answer that does not fit is dropped by the kernel, and the
 * acknowledgement we wait for could be the one lost.
 */
#define BATCH_BYTES 32768
#define BATCH_MAX 1024
#define KROUTE_ANSWER_COST 1024
#define KROUTE_RCVBUF (1 << 20)

struct kroute {
	struct nl_sock *sk;
	struct prefix *have; /* sorted: what we installed */
	uint32_t n_have, cap_have;
	bool loaded;
	bool ipv6; /* the kernel has IPv6 (not booted with ipv6.disable=1) */
	uint32_t table;
	char err[160];
	/* The batch being filled: requests, their prefixes, first sequence. */
	size_t blen, blast; /* bytes in batch, offset of its last request */
	unsigned int bn, bmax;
	uint32_t bseq0;
	struct prefix bpfx[BATCH_MAX];
	uint8_t batch[BATCH_BYTES];
};

static int nlerr(int e)
{
	/* libnl's own codes to errno, roughly. */
	switch (-e) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_PERM:
		return -EPERM;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_INVAL:
		return -EINVAL;
	default:
		return -EIO;
	}
}

const char *kroute_errmsg(const struct kroute *kr)
{
	return kr->err[0] ? kr->err : NULL;
}

static void fit_batch(struct kroute *kr);

int kroute_open(struct kroute **out)
{
	struct kroute *kr = calloc(1, sizeof(*kr));
	int e;

	if (!kr)
		return -ENOMEM;
	kr->sk = nl_socket_alloc();
	if (!kr->sk) {
		free(kr);
		return -ENOMEM;
	}
	e = nl_connect(kr->sk, NETLINK_ROUTE);
	if (e < 0) {
		nl_socket_free(kr->sk);
		free(kr);
		return nlerr(e);
	}
	nl_socket_set_buffer_size(kr->sk, KROUTE_RCVBUF, KROUTE_RCVBUF);
	/* Past net.core.rmem_max where we may (CAP_NET_ADMIN, as autovpnd). */
	setsockopt(nl_socket_get_fd(kr->sk), SOL_SOCKET, SO_RCVBUFFORCE, &(int){ KROUTE_RCVBUF },
		   sizeof(int));
	/* Errors as short answers with the kernel's message (extack). */
	setsockopt(nl_socket_get_fd(kr->sk), SOL_NETLINK, NETLINK_CAP_ACK, &(int){ 1 },
		   sizeof(int));
	setsockopt(nl_socket_get_fd(kr->sk), SOL_NETLINK, NETLINK_EXT_ACK, &(int){ 1 },
		   sizeof(int));
	fit_batch(kr);
	kr->ipv6 = true; /* until the kernel refuses IPv6 rules (kroute_rules_add) */
	/* Answers to our batches are read by collect(), not by libnl, so its
	 * sequence bookkeeping would lag behind: requests are answered in
	 * order on this private socket anyway. */
	nl_socket_disable_seq_check(kr->sk);
	*out = kr;
	return 0;
}

static void fit_batch(struct kroute *kr)
{
	int buf = 0;
	socklen_t len = sizeof(buf);

	getsockopt(nl_socket_get_fd(kr->sk), SOL_SOCKET, SO_RCVBUF, &buf, &len);
	kr->bmax = (unsigned int)buf / KROUTE_ANSWER_COST;
	if (kr->bmax > BATCH_MAX)
		kr->bmax = BATCH_MAX;
	if (!kr->bmax)
		kr->bmax = 1;
}

bool kroute_ipv6(const struct kroute *kr)
{
	return kr->ipv6;
}

int kroute_set_rcvbuf(struct kroute *kr, int bytes)
{
	if (setsockopt(nl_socket_get_fd(kr->sk), SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)))
		return -errno;
	fit_batch(kr);
	return 0;
}

void kroute_close(struct kroute *kr)
{
	if (!kr)
		return;
	nl_socket_free(kr->sk);
	free(kr->have);
	free(kr);
}

/* The kernel's message in an error answer (NETLINK_EXT_ACK), or NULL. */
static const char *extack_msg(const struct nlmsghdr *h)
{
	const struct nlmsgerr *e = nlmsg_data(h);
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || h->nlmsg_len <= off)
		return NULL;
	/* With NETLINK_CAP_ACK the request's header is all that is echoed. */
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (h->nlmsg_len <= off ||
	    nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((const char *)h + off),
		      (int)(h->nlmsg_len - off), NULL) < 0 ||
	    !tb[NLMSGERR_ATTR_MSG])
		return NULL;
	return nla_get_string(tb[NLMSGERR_ATTR_MSG]);
}

/* Records the first error: which prefix (if a batched request), and why. */
static void note_error(struct kroute *kr, const struct nlmsghdr *h, int error)
{
	const char *why = extack_msg(h) ?: strerror(-error);
	uint32_t i = h->nlmsg_seq - kr->bseq0;
	char p[PREFIX_STRLEN];

	if (i < kr->bn && prefix_format(&kr->bpfx[i], p, sizeof(p)))
		snprintf(kr->err, sizeof(kr->err), "%s: %s", p, why);
	else
		snprintf(kr->err, sizeof(kr->err), "%s", why);
}

/*
 * Reads answers until the one to request @seq. Returns the first error the
 * kernel reported for any request (0 if none). If answers were lost (the
 * receive buffer overran), whatever is queued is thrown away, so that the
 * next request starts in step, and -ENOBUFS is returned.
 */
static int collect(struct kroute *kr, uint32_t seq)
{
	int first = 0;

	for (;;) {
		unsigned char *buf = NULL;
		struct sockaddr_nl nla;
		struct nlmsghdr *h;
		bool done = false;
		int n;

		n = nl_recv(kr->sk, &nla, &buf, NULL);
		if (n <= 0) {
			free(buf);
			while (recv(nl_socket_get_fd(kr->sk), NULL, 0, MSG_DONTWAIT | MSG_TRUNC) >=
			       0)
				;
			if (!kr->err[0])
				snprintf(kr->err, sizeof(kr->err), "answers lost: %s",
					 n ? nl_geterror(n) : "end of file");
			return first ?: -ENOBUFS;
		}
		for (h = (struct nlmsghdr *)buf; nlmsg_ok(h, n); h = nlmsg_next(h, &n)) {
			struct nlmsgerr *e;

			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			e = nlmsg_data(h);
			if (e->error && !first) {
				first = e->error;
				if (!kr->err[0]) /* the first of the whole sync */
					note_error(kr, h, e->error);
			}
			done |= h->nlmsg_seq == seq;
		}
		free(buf);
		if (done)
			return first;
	}
}

/* One request, waiting for its answer. */
static int request(struct kroute *kr, struct nl_msg *msg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	uint32_t seq;
	int e;

	kr->err[0] = '\0';
	kr->bn = 0; /* no batch: errors name no prefix */
	h->nlmsg_flags |= NLM_F_ACK;
	e = nl_send_auto(kr->sk, msg);
	seq = h->nlmsg_seq;
	nlmsg_free(msg);
	return e < 0 ? nlerr(e) : collect(kr, seq);
}

int kroute_link_up(struct kroute *kr, uint32_t ifindex)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = (int)ifindex,
		.ifi_flags = IFF_UP,
		.ifi_change = IFF_UP,
	};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);

	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return request(kr, msg);
}

static struct nl_msg *rule_msg(int family, uint32_t prio, uint32_t table, bool mark, bool suppress,
			       bool add)
{
	struct rtnl_rule *r = rtnl_rule_alloc();
	struct nl_msg *msg = NULL;
	int e;

	if (!r)
		return NULL;
	rtnl_rule_set_family(r, family);
	rtnl_rule_set_prio(r, prio);
	if (add) {
		rtnl_rule_set_action(r, FR_ACT_TO_TBL);
		rtnl_rule_set_table(r, table);
		if (mark) {
			rtnl_rule_set_mark(r, KROUTE_FWMARK);
			rtnl_rule_set_mask(r, 0xffffffff);
		}
		e = rtnl_rule_build_add_request(r, NLM_F_CREATE, &msg);
	} else {
		e = rtnl_rule_build_delete_request(r, 0, &msg);
	}
	rtnl_rule_put(r);
	if (e < 0)
		return NULL;
	/* libnl-route 3.7 has no setter for it: add the attribute ourselves. */
	if (suppress && nla_put_u32(msg, FRA_SUPPRESS_PREFIXLEN, 0) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static const uint32_t prios[] = { KROUTE_PRIO_MARK, KROUTE_PRIO_LOCAL, KROUTE_PRIO_VPN };

int kroute_rules_del(struct kroute *kr, uint32_t table)
{
	static const int fams[] = { AF_INET, AF_INET6 };

	(void)table;
	/* Every rule at our priorities is ours: delete until none is left. */
	for (unsigned int f = 0; f < (kr->ipv6 ? 2u : 1u); f++) {
		for (unsigned int i = 0; i < 3; i++) {
			for (int guard = 0; guard < 16; guard++) {
				struct nl_msg *msg =
					rule_msg(fams[f], prios[i], 0, false, false, false);

				if (!msg)
					return -ENOMEM;
				if (request(kr, msg))
					break;
			}
		}
	}
	kr->err[0] = '\0';
	return 0;
}

/* The rules at our priorities that are not the ones we want (stale_rules). */
struct stale_ctx {
	struct kroute *kr;
	uint32_t table;
	unsigned int seen[2][3]; /* ours already met, per family and priority */
	int err;
};

static void stale_one(struct nl_object *o, void *arg)
{
	struct rtnl_rule *r = (struct rtnl_rule *)o;
	struct stale_ctx *c = arg;
	int f = rtnl_rule_get_family(r) == AF_INET6;
	uint32_t prio = rtnl_rule_get_prio(r), table = rtnl_rule_get_table(r);
	bool marked = rtnl_rule_get_mark(r) == KROUTE_FWMARK;
	struct nl_msg *msg = NULL;
	unsigned int i;
	bool ours;
	int e;

	if (c->err)
		return;
	for (i = 0; i < 3 && prios[i] != prio; i++)
		;
	if (i == 3)
		return; /* not at one of our priorities: not ours to judge */
	if (rtnl_rule_get_action(r) != FR_ACT_TO_TBL)
		ours = false;
	else if (i == 2)
		ours = table == c->table && !marked;
	else
		ours = table == RT_TABLE_MAIN && marked == (i == 0);
	if (ours && !c->seen[f][i]++)
		return; /* the one we keep */
	/* Another table (an older config), or a duplicate: delete exactly it. */
	if (rtnl_rule_build_delete_request(r, 0, &msg) < 0) {
		c->err = -ENOMEM;
		return;
	}
	/* Gone already is as good; the first refusal stops the walk (above),
	 * so its reason is what the caller logs. */
	e = request(c->kr, msg);
	if (e != -ENOENT)
		c->err = e;
}

/*
 * Deletes the rules at our priorities that are not ours for @table, and
 * extra copies of ours, each by its full description, so that the ones we
 * keep never disappear, not even for a moment.
 */
static int stale_rules(struct kroute *kr, uint32_t table)
{
	struct stale_ctx c = { .kr = kr, .table = table };
	struct nl_cache *cache;
	int e;

	e = rtnl_rule_alloc_cache(kr->sk, AF_UNSPEC, &cache);
	if (e < 0)
		return nlerr(e);
	nl_cache_foreach(cache, stale_one, &c);
	nl_cache_free(cache);
	return c.err;
}

/*
 * Adds what is missing first and only then deletes what is stale: a
 * restarted daemon used to delete its rules and add them again, and for
 * that moment the LAN's traffic to VPN prefixes took the main table's
 * default route, out of the WAN in clear (and was lost to the tunnel).
 */
int kroute_rules_add(struct kroute *kr, uint32_t table)
{
	static const int fams[] = { AF_INET, AF_INET6 };
	int err;

	for (unsigned int f = 0; f < (kr->ipv6 ? 2u : 1u); f++) {
		struct nl_msg *m[3] = {
			rule_msg(fams[f], KROUTE_PRIO_MARK, RT_TABLE_MAIN, true, false, true),
			rule_msg(fams[f], KROUTE_PRIO_LOCAL, RT_TABLE_MAIN, false, true, true),
			rule_msg(fams[f], KROUTE_PRIO_VPN, table, false, false, true),
		};

		for (unsigned int i = 0; i < 3; i++) {
			if (!m[i]) {
				for (unsigned int j = i; j < 3; j++)
					nlmsg_free(m[j]);
				return -ENOMEM;
			}
			/* Exclusive: one that is there already stays as it is. */
			nlmsg_hdr(m[i])->nlmsg_flags |= NLM_F_EXCL;
			err = request(kr, m[i]);
			if (err == -EEXIST)
				err = 0;
			/*
			 * A kernel booted with ipv6.disable=1 (or built without
			 * IPv6) has no IPv6 policy rules, routes or packet
			 * handler: no IPv6 traffic to steer. Such a gateway is
			 * IPv4 only. Asked of rtnetlink itself, not of
			 * socket(AF_INET6), which a seccomp filter or systemd's
			 * RestrictAddressFamilies= also refuses on a kernel that
			 * routes IPv6: leaving the IPv6 rules and routes out
			 * there would send the LAN's IPv6 VPN traffic in clear.
			 * And only with no IPv6 sysctls either: a kernel built
			 * without IPV6_MULTIPLE_TABLES refuses IPv6 rules the
			 * same way while it forwards IPv6; there the error
			 * stands (fails closed).
			 */
			if (err == -EAFNOSUPPORT && fams[f] == AF_INET6 && i == 0 &&
			    access("/proc/sys/net/ipv6", F_OK) < 0 && errno == ENOENT) {
				for (unsigned int j = 1; j < 3; j++) /* request() took m[0] */
					nlmsg_free(m[j]);
				kr->ipv6 = false;
				break;
			}
			if (err) {
				for (unsigned int j = i + 1; j < 3; j++)
					nlmsg_free(m[j]);
				return err;
			}
		}
	}
	kr->err[0] = '\0'; /* not an EEXIST we let pass */
	return stale_rules(kr, table);
}

static struct nl_msg *route_msg(const struct prefix *p, uint32_t table, uint32_t ifindex, bool add)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh;
	struct nl_addr *dst;
	struct nl_msg *msg = NULL;
	int e = -1;

	if (!r)
		return NULL;
	dst = nl_addr_build(p->addr.family, p->addr.bytes, addr_len(p->addr.family));
	if (!dst)
		goto out;
	nl_addr_set_prefixlen(dst, p->len);
	rtnl_route_set_family(r, (uint8_t)p->addr.family);
	rtnl_route_set_table(r, table);
	rtnl_route_set_protocol(r, KROUTE_PROTO);
	rtnl_route_set_scope(r, RT_SCOPE_LINK);
	rtnl_route_set_type(r, RTN_UNICAST);
	rtnl_route_set_dst(r, dst);
	nl_addr_put(dst);
	if (add) {
		nh = rtnl_route_nh_alloc();
		if (!nh)
			goto out;
		rtnl_route_nh_set_ifindex(nh, (int)ifindex);
		rtnl_route_add_nexthop(r, nh);
		e = rtnl_route_build_add_request(r, NLM_F_CREATE | NLM_F_REPLACE, &msg);
	} else {
		e = rtnl_route_build_del_request(r, 0, &msg);
	}
out:
	rtnl_route_put(r);
	return e < 0 ? NULL : msg;
}

struct load_ctx {
	struct kroute *kr;
	uint32_t table;
	int err;
};

static void load_one(struct nl_object *obj, void *arg)
{
	struct load_ctx *c = arg;
	struct rtnl_route *r = (struct rtnl_route *)obj;
	struct nl_addr *dst = rtnl_route_get_dst(r);
	struct kroute *kr = c->kr;
	struct prefix *p;

	if (rtnl_route_get_table(r) != c->table || rtnl_route_get_protocol(r) != KROUTE_PROTO ||
	    !dst || c->err)
		return;
	if (kr->n_have == kr->cap_have) {
		uint32_t cap = kr->cap_have ? kr->cap_have * 2 : 64;
		struct prefix *v = realloc(kr->have, cap * sizeof(*v));

		if (!v) {
			c->err = -ENOMEM;
			return;
		}
		kr->have = v;
		kr->cap_have = cap;
	}
	p = &kr->have[kr->n_have];
	memset(p, 0, sizeof(*p));
	p->addr.family = (sa_family_t)nl_addr_get_family(dst);
	if (nl_addr_get_len(dst) > sizeof(p->addr.bytes))
		return;
	memcpy(p->addr.bytes, nl_addr_get_binary_addr(dst), nl_addr_get_len(dst));
	p->len = (uint8_t)nl_addr_get_prefixlen(dst);
	kr->n_have++;
}

static int prefix_qcmp(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

/* What our routes in @table are now (once, for a restarted daemon). */
static int load(struct kroute *kr, uint32_t table)
{
	struct load_ctx c = { kr, table, 0 };
	struct nl_cache *cache;
	int e;

	e = rtnl_route_alloc_cache(kr->sk, AF_UNSPEC, 0, &cache);
	if (e < 0)
		return nlerr(e);
	kr->n_have = 0;
	nl_cache_foreach(cache, load_one, &c);
	nl_cache_free(cache);
	if (c.err)
		return c.err;
	if (kr->n_have)
		qsort(kr->have, kr->n_have, sizeof(*kr->have), prefix_qcmp);
	kr->loaded = true;
	kr->table = table;
	return 0;
}

/* Sends the batch; the kernel has applied all of it when this returns. */
static int batch_flush(struct kroute *kr)
{
	struct nlmsghdr *last = (struct nlmsghdr *)(kr->batch + kr->blast);
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	size_t len = kr->blen;
	int err;

	if (!len)
		return 0;
	kr->blen = 0;
	last->nlmsg_flags |= NLM_F_ACK;
	if (sendto(nl_socket_get_fd(kr->sk), kr->batch, len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) != (ssize_t)len)
		err = -errno ?: -EIO;
	else
		err = collect(kr, last->nlmsg_seq);
	kr->bn = 0;
	return err;
}

/* Queues one change of route @p (@msg is consumed); sends the batch when full. */
static int batch_add(struct kroute *kr, const struct prefix *p, struct nl_msg *msg)
{
	struct nlmsghdr *h;
	size_t len;
	int err = 0;

	if (!msg)
		return -ENOMEM;
	h = nlmsg_hdr(msg);
	len = NLMSG_ALIGN(h->nlmsg_len);
	if (kr->blen + len > sizeof(kr->batch) || kr->bn == kr->bmax)
		err = batch_flush(kr);
	if (len <= sizeof(kr->batch)) {
		/* What nl_complete_msg would add, except its acknowledgement. */
		h->nlmsg_flags |= NLM_F_REQUEST;
		h->nlmsg_seq = nl_socket_use_seq(kr->sk);
		h->nlmsg_pid = nl_socket_get_local_port(kr->sk);
		if (!kr->bn)
			kr->bseq0 = h->nlmsg_seq;
		kr->bpfx[kr->bn++] = *p;
		memcpy(kr->batch + kr->blen, h, h->nlmsg_len);
		kr->blast = kr->blen;
		kr->blen += len;
	} else {
		err = err ?: -EMSGSIZE;
	}
	nlmsg_free(msg);
	return err;
}

int kroute_sync(struct kroute *kr, uint32_t table, uint32_t ifindex, const struct prefix *want,
		uint32_t n)
{
	struct prefix *sorted = NULL, *nv;
	uint32_t i = 0, j = 0;
	int first = 0, err;

	kr->err[0] = '\0';
	if (!kr->loaded || kr->table != table) {
		err = load(kr, table);
		if (err)
			return err;
	}
	if (n) {
		uint32_t kept = 0;

		sorted = malloc(n * sizeof(*sorted));
		if (!sorted)
			return -ENOMEM;
		/* Without IPv6 in the kernel its prefixes have nowhere to go. */
		for (uint32_t k = 0; k < n; k++)
			if (kr->ipv6 || want[k].addr.family != AF_INET6)
				sorted[kept++] = want[k];
		n = kept;
		qsort(sorted, n, sizeof(*sorted), prefix_qcmp);
	}
	/* Merge walk over two sorted lists: add what is new, remove what went. */
	while (i < n || j < kr->n_have) {
		int c = i == n ? 1 : j == kr->n_have ? -1 : prefix_cmp(&sorted[i], &kr->have[j]);

		if (c < 0) {
			err = batch_add(kr, &sorted[i],
					route_msg(&sorted[i], table, ifindex, true));
			i++;
		} else if (c > 0) {
			err = batch_add(kr, &kr->have[j],
					route_msg(&kr->have[j], table, ifindex, false));
			j++;
		} else {
			i++;
			j++;
			continue;
		}
		if (err && !first)
			first = err;
	}
	err = batch_flush(kr);
	if (err && !first)
		first = err;
	/* Whatever failed is retried by the next sync: re-read the truth. */
	if (first) {
		free(sorted);
		kr->loaded = false;
		return first;
	}
	nv = realloc(kr->have, (n ? n : 1) * sizeof(*nv));
	if (!nv) {
		free(sorted);
		kr->loaded = false;
		return -ENOMEM;
	}
	kr->have = nv;
	kr->cap_have = n ? n : 1;
	if (n)
		memcpy(kr->have, sorted, n * sizeof(*sorted));
	kr->n_have = n;
	free(sorted);
	return 0;
}

int kroute_flush(struct kroute *kr, uint32_t table)
{
	return kroute_sync(kr, table, 0, NULL, 0);
}

void kroute_forget(struct kroute *kr)
{
	kr->loaded = false;
}

uint32_t kroute_count(const struct kroute *kr)
{
	return kr->n_have;
}
