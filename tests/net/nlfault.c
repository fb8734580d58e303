// SPDX-License-Identifier: GPL-2.0
/*
 * nlfault: every operation of the autovpn genl family (and ip link add/del,
 * and the module load) under injected allocation failures. Needs a kernel
 * with FAILSLAB, FAIL_PAGE_ALLOC and FAULT_INJECTION_DEBUG_FS (the debug
 * kernel of `make check-debug`) and debugfs at /sys/kernel/debug.
 *
 * usage: nlfault ops [-t SECS] [-o OP]...   (module loaded; own netns)
 *        nlfault load KO [-t SECS]          (module not loaded)
 *        nlfault list                       (the operation names)
 *
 * Each operation starts from the same baseline, built from scratch with
 * faults off: device fi0 with uplinks 0 (UDP 127.0.0.1) and 1 (UDP ::1),
 * active-active, peer 1 (routes, allowed sources, two paths, current and
 * next keys) and peer 2 (one path, a current key). Its canonical dump D0
 * (nlschema.h: every device, every peer, all attributes but key ages) and
 * the dump D1 after the operation ran without faults are the references.
 * Then the operation is repeated from the baseline with faults, in three
 * sweeps, all task-filtered (only this process's allocations fail):
 *   nth    /proc/thread-self/fail-nth = 1, 2, 3, ...: the n-th allocation
 *          (slab or page) of the request fails, until one run needs fewer
 *          than n allocations: every allocation site once;
 *   times  failslab + fail_page_alloc "space" = S bytes spared, then
 *          "times" = 1 or 3 failures in a row, S over 0 .. 32 KiB;
 *   prob   "probability" = 2, 10, 50 %, unlimited times, REPS runs each.
 * Every run must end one of these ways:
 *   - success: the state is D1 (and a getter's reply equals the unfaulted
 *     one: a truncated dump that claims to be complete is an error);
 *   - an error: the state is D0, exactly (nothing half-applied);
 *   - the socket lost the reply (ENOBUFS): the state is D0 or D1.
 * A run in which no fault was injected must succeed. Kernel warnings,
 * KASAN reports and leaks are the harness's part (dmesg scan, kmemleak).
 * Vmalloc'ed data pages (__GFP_HIGHMEM) are spared (fail_page_alloc's
 * ignore-gfp-highmem): their failure only prints warn_alloc reports.
 *
 * "load": the same sweeps around finit_module(KO): a load either succeeds
 * (then the family works: a device can be created and deleted, and the
 * module unloads) or fails and leaves no module behind. A load makes
 * thousands of allocations: fail-nth takes every one of the first 64, then
 * a stride that doubles with n; if the time runs out first it says so (and
 * goes on with the random sweep).
 *
 * Output: "RESULT PASS|FAIL fault-OP (counts)" per operation, a summary
 * line "nlfault: N runs, M with faults injected, errors: ..." and, per
 * violation, the run, its error and the first differing dump line.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>

#include "nlraw.h"
#include "nlschema.h"

#define MAX_ERRNO 256

static struct nlr gs; /* generic netlink */
static struct nlr rs; /* rtnetlink */
static double deadline;

struct stats {
	unsigned long runs, injected, ok, errors[MAX_ERRNO], lost, violations;
};
static struct stats total;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "nlfault: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(2);
}

/* ---- fault injection control ------------------------------------------------ */

static const char *const fi_dirs[] = { "/sys/kernel/debug/failslab",
				       "/sys/kernel/debug/fail_page_alloc" };

static int fi_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static long fi_read(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

static void fi_set(const char *name, const char *val)
{
	char path[128];
	size_t i;
	int err;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", fi_dirs[i], name);
		err = fi_write(path, val);
		if (err)
			die(path, err);
	}
}

static void fi_setup(void)
{
	/* ip netns exec mounts a fresh sysfs in its own mount namespace: debugfs
	 * is not on it there, mount it (in that namespace only). */
	if (access(fi_dirs[0], F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (access("/proc/thread-self/fail-nth", W_OK) || access(fi_dirs[0], F_OK) ||
	    access(fi_dirs[1], F_OK)) {
		fprintf(stderr, "nlfault: this kernel has no fault injection "
				"(FAILSLAB, FAIL_PAGE_ALLOC, FAULT_INJECTION_DEBUG_FS)\n");
		exit(2);
	}
	fi_set("probability", "0");
	fi_set("verbose", "0"); /* a forced failure prints nothing (no stack dump) */
	fi_set("task-filter", "Y");
	fi_set("ignore-gfp-wait", "N");
	fi_set("interval", "1");
	fi_set("space", "0");
	fi_set("times", "-1");
	if (fi_write("/sys/kernel/debug/failslab/cache-filter", "N") ||
	    fi_write("/sys/kernel/debug/fail_page_alloc/min-order", "0"))
		die("fault injection setup", errno);
}

enum fault_mode { F_NONE, F_NTH, F_TIMES, F_PROB };

struct fault {
	enum fault_mode mode;
	int n;      /* F_NTH: the n-th allocation fails */
	int times;  /* F_TIMES */
	int space;  /* F_TIMES: bytes spared first */
	int prob;   /* F_PROB: percent */
};

#define PROB_TIMES 1000000

static void fault_arm(const struct fault *f)
{
	char v[32];

	switch (f->mode) {
	case F_NONE:
		return;
	case F_NTH:
		snprintf(v, sizeof(v), "%d", f->n);
		if (fi_write("/proc/thread-self/fail-nth", v))
			die("fail-nth", errno);
		return;
	case F_TIMES:
		snprintf(v, sizeof(v), "%d", f->space);
		fi_set("space", v);
		snprintf(v, sizeof(v), "%d", f->times);
		fi_set("times", v);
		fi_set("probability", "100");
		break;
	case F_PROB:
		fi_set("space", "0");
		snprintf(v, sizeof(v), "%d", PROB_TIMES);
		fi_set("times", v);
		snprintf(v, sizeof(v), "%d", f->prob);
		fi_set("probability", v);
		break;
	}
	if (fi_write("/proc/self/make-it-fail", "1"))
		die("make-it-fail", errno);
}

/* Returns how many failures were injected (F_NTH: 0 or 1). */
static long fault_disarm(const struct fault *f)
{
	long left, n = 0;
	size_t i;
	char path[128];

	switch (f->mode) {
	case F_NONE:
		return 0;
	case F_NTH:
		left = fi_read("/proc/thread-self/fail-nth");
		fi_write("/proc/thread-self/fail-nth", "0");
		return left == 0;
	default:
		break;
	}
	/* The write itself may be refused by an injected failure: retry. */
	for (i = 0; i < 100 && fi_write("/proc/self/make-it-fail", "0"); i++)
		;
	fi_set("probability", "0");
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/times", fi_dirs[i]);
		left = fi_read(path);
		n += (f->mode == F_TIMES ? f->times : PROB_TIMES) - left;
	}
	fi_set("space", "0");
	return n;
}

static void fault_name(const struct fault *f, char *buf, size_t len)
{
	switch (f->mode) {
	case F_NONE: snprintf(buf, len, "no fault"); break;
	case F_NTH: snprintf(buf, len, "fail-nth %d", f->n); break;
	case F_TIMES: snprintf(buf, len, "space %d times %d", f->space, f->times); break;
	case F_PROB: snprintf(buf, len, "probability %d%%", f->prob); break;
	}
}

/* ---- the baseline -------------------------------------------------------------- */

static int usock[3] = { -1, -1, -1 };
static uint16_t uport[3];

static int udp_socket(int family, const char *addr)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket", errno);
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &in->sin_addr);
		sl = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &in6->sin6_addr);
		sl = sizeof(*in6);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl))
		die("bind", errno);
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	return fd;
}

static uint16_t sock_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	getsockname(fd, (struct sockaddr *)&ss, &sl);
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void open_sockets(void)
{
	static const struct { int family; const char *addr; } spec[3] = {
		{ AF_INET, "127.0.0.1" }, { AF_INET6, "::1" }, { AF_INET, "127.0.0.2" } };
	int i;

	for (i = 0; i < 3; i++) {
		if (usock[i] >= 0)
			close(usock[i]);
		usock[i] = udp_socket(spec[i].family, spec[i].addr);
		uport[i] = sock_port(usock[i]);
	}
}

static const char *map_port(void *arg, uint16_t port)
{
	static char buf[16];
	int i;

	for (i = 0; i < 3; i++)
		if (uport[i] == port)
			return i == 0 ? "u0" : i == 1 ? "u1" : "u2";
	snprintf(buf, sizeof(buf), "%u", port);
	return buf;
}

static const char *map_ifindex(void *arg, uint32_t ifindex)
{
	static char buf[IF_NAMESIZE + 8];

	if (!if_indextoname(ifindex, buf))
		snprintf(buf, sizeof(buf), "#%u", ifindex);
	return buf;
}

static struct nlr_msg msg;
static struct nlr_result res;

static void genl(uint8_t cmd, uint16_t flags)
{
	nlr_genl_hdr(&msg, gs.family, NLM_F_REQUEST | NLM_F_ACK | flags, cmd, AUTOVPN_GENL_VERSION);
}

static void put_prefix(uint16_t type, const char *s, uint32_t flags)
{
	char addr[64], *slash;
	unsigned char a[16];
	size_t n;

	snprintf(addr, sizeof(addr), "%s", s);
	slash = strchr(addr, '/');
	*slash = '\0';
	n = nlr_nest_start(&msg, type);
	if (inet_pton(AF_INET, addr, a) == 1)
		nlr_put(&msg, AUTOVPN_PREFIX_A_IPV4, a, 4);
	else if (inet_pton(AF_INET6, addr, a) == 1)
		nlr_put(&msg, AUTOVPN_PREFIX_A_IPV6, a, 16);
	nlr_put_u8(&msg, AUTOVPN_PREFIX_A_PLEN, (uint8_t)atoi(slash + 1));
	if (flags)
		nlr_put_u32(&msg, AUTOVPN_PREFIX_A_FLAGS, flags);
	nlr_nest_end(&msg, n);
}

/* A nest of prefixes, from a comma-separated list ("-x" = remove x). */
static void put_prefixes(uint16_t type, const char *list)
{
	char buf[512], *p, *save = NULL;
	size_t n = nlr_nest_start(&msg, type);

	snprintf(buf, sizeof(buf), "%s", list);
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save))
		put_prefix(AUTOVPN_PEER_A_PREFIX, p[0] == '-' ? p + 1 : p,
			   p[0] == '-' ? AUTOVPN_PREFIX_F_REMOVE : 0);
	nlr_nest_end(&msg, n);
}

static void put_sockaddr(uint16_t type, const char *ip, uint16_t port)
{
	unsigned char a[16];
	size_t n = nlr_nest_start(&msg, type);

	if (inet_pton(AF_INET, ip, a) == 1)
		nlr_put(&msg, AUTOVPN_SA_A_IPV4, a, 4);
	else if (inet_pton(AF_INET6, ip, a) == 1)
		nlr_put(&msg, AUTOVPN_SA_A_IPV6, a, 16);
	port = htons(port);
	nlr_put(&msg, AUTOVPN_SA_A_PORT, &port, 2);
	nlr_nest_end(&msg, n);
}

/* One path nest: state/prio < 0 = not given. */
static void put_path(uint8_t id, uint8_t uplink, const char *ip, uint16_t port, int state, int prio)
{
	size_t n = nlr_nest_start(&msg, AUTOVPN_PEER_A_PATH);

	nlr_put_u8(&msg, AUTOVPN_PATH_A_ID, id);
	nlr_put_u8(&msg, AUTOVPN_PATH_A_UPLINK, uplink);
	if (ip)
		put_sockaddr(AUTOVPN_PATH_A_REMOTE, ip, port);
	if (state >= 0)
		nlr_put_u8(&msg, AUTOVPN_PATH_A_STATE, (uint8_t)state);
	if (prio >= 0)
		nlr_put_u8(&msg, AUTOVPN_PATH_A_PRIORITY, (uint8_t)prio);
	nlr_nest_end(&msg, n);
}

static void put_dev(const char *ifname)
{
	nlr_put_str(&msg, AUTOVPN_A_IFNAME, ifname);
}

static void put_key(uint8_t slot, uint8_t id)
{
	unsigned char k[2 * (AUTOVPN_KEY_LEN + AUTOVPN_SALT_LEN)];
	size_t n;

	/* Fresh material every time: the kernel may refuse material it saw. */
	if (getrandom(k, sizeof(k), 0) != sizeof(k))
		die("getrandom", errno);
	n = nlr_nest_start(&msg, AUTOVPN_A_KEYCONF);
	nlr_put_u8(&msg, AUTOVPN_KEY_A_SLOT, slot);
	nlr_put_u8(&msg, AUTOVPN_KEY_A_ID, id);
	nlr_put(&msg, AUTOVPN_KEY_A_ENCRYPT_KEY, k, AUTOVPN_KEY_LEN);
	nlr_put(&msg, AUTOVPN_KEY_A_ENCRYPT_SALT, k + 32, AUTOVPN_SALT_LEN);
	nlr_put(&msg, AUTOVPN_KEY_A_DECRYPT_KEY, k + 36, AUTOVPN_KEY_LEN);
	nlr_put(&msg, AUTOVPN_KEY_A_DECRYPT_SALT, k + 68, AUTOVPN_SALT_LEN);
	nlr_nest_end(&msg, n);
}

static int send_genl(void)
{
	return nlr_request(&gs, &msg, NULL, NULL, &res);
}

static int key_new(const char *dev, uint32_t peer, uint8_t slot, uint8_t id)
{
	genl(AUTOVPN_CMD_KEY_NEW, 0);
	put_dev(dev);
	nlr_put_u32(&msg, AUTOVPN_A_PEER_ID, peer);
	put_key(slot, id);
	return send_genl();
}

static int uplink_set(const char *dev, uint8_t id, int fd)
{
	size_t n;

	genl(AUTOVPN_CMD_DEV_SET, 0);
	put_dev(dev);
	n = nlr_nest_start(&msg, AUTOVPN_A_UPLINK);
	nlr_put_u8(&msg, AUTOVPN_UPLINK_A_ID, id);
	if (fd >= 0)
		nlr_put_u32(&msg, AUTOVPN_UPLINK_A_FD, (uint32_t)fd);
	nlr_nest_end(&msg, n);
	return send_genl();
}

static int dev_del(const char *dev)
{
	genl(AUTOVPN_CMD_DEV_DEL, 0);
	put_dev(dev);
	return send_genl();
}

static void reopen_genl(void)
{
	int err;

	nlr_close(&gs);
	err = nlr_open(&gs);
	if (!err)
		err = nlr_family(&gs, AUTOVPN_GENL_NAME, NULL, NULL);
	if (err)
		die("genl socket", err);
}


/*
 * Makes text independent of how a dump was cut into messages: a dump whose
 * skb allocation failed goes on with smaller ones, and a peer whose
 * prefixes do not fit continues in the next message (again with the
 * interface index and the peer id). Message separators and interface
 * indexes go (names stay), a peer id line repeating the previous one goes.
 */
static void normalize(struct nls_text *t)
{
	char *in = t->p, *out = t->p, *nl, last_id[64] = "";
	size_t len;

	while (*in) {
		nl = strchr(in, '\n');
		len = nl ? (size_t)(nl - in) + 1 : strlen(in);
		if ((len >= 8 && !strncmp(in + len - 8, "message\n", 8)) ||
		    strstr(in, "IFINDEX=") == in || (strstr(in, ".IFINDEX=") && strstr(in, ".IFINDEX=") < in + len)) {
			in += len;
			continue;
		}
		if (strstr(in, "PEER.ID=") && strstr(in, "PEER.ID=") < in + len) {
			if (len < sizeof(last_id) && !strncmp(last_id, in, len) && !last_id[len]) {
				in += len;
				continue;
			}
			if (len < sizeof(last_id)) {
				memcpy(last_id, in, len);
				last_id[len] = '\0';
			}
		}
		memmove(out, in, len);
		out += len;
		in += len;
	}
	*out = '\0';
	t->len = (size_t)(out - t->p);
}

/* The canonical dump of the netns into t; exits on a dump that fails. */
static void dump_state(struct nls_text *t)
{
	struct nls_ctx c = { .out = t, .ifname = map_ifindex, .port = map_port };
	struct nls_dump d;
	int err = nls_dump_state(&gs, &c, &d);

	if (err)
		die("dump", err);
	if (c.bad) {
		printf("# malformed dump: %s\n", c.why);
		nls_printf(t, "MALFORMED %s\n", c.why);
	}
	normalize(t);
}

static void build_baseline(void)
{
	struct nls_ctx c = { 0 };
	struct nls_dump d;
	char name[IF_NAMESIZE];
	int i, err;

	/* Every autovpn device of the netns goes first. */
	if (nls_dump_state(&gs, &c, &d))
		die("dump", -EIO);
	for (i = 0; i < d.ndev; i++)
		if (if_indextoname(d.ifindex[i], name))
			dev_del(name);
	open_sockets();
#define STEP(x)                                                                        \
	do {                                                                               \
		err = (x);                                                                 \
		if (err) {                                                                 \
			fprintf(stderr, "nlfault: baseline: %s: %s (%s)\n", #x,            \
				strerror(-err), res.ext);                                  \
			exit(2);                                                           \
		}                                                                          \
	} while (0)
	genl(AUTOVPN_CMD_DEV_NEW, 0);
	nlr_put_str(&msg, AUTOVPN_A_IFNAME, "fi0");
	STEP(send_genl());
	STEP(uplink_set("fi0", 0, usock[0]));
	STEP(uplink_set("fi0", 1, usock[1]));
	genl(AUTOVPN_CMD_DEV_SET, 0);
	put_dev("fi0");
	nlr_put_u8(&msg, AUTOVPN_A_ACTIVE_ACTIVE, 1);
	STEP(send_genl());

	genl(AUTOVPN_CMD_PEER_NEW, 0);
	put_dev("fi0");
	{
		size_t p = nlr_nest_start(&msg, AUTOVPN_A_PEER), l;

		nlr_put_u32(&msg, AUTOVPN_PEER_A_ID, 1);
		nlr_put_u32(&msg, AUTOVPN_PEER_A_RX_INDEX, 11);
		nlr_put_u32(&msg, AUTOVPN_PEER_A_TX_INDEX, 21);
		nlr_put_str(&msg, AUTOVPN_PEER_A_NAME, "one");
		put_prefixes(AUTOVPN_PEER_A_ROUTES, "10.1.0.0/24,fd01::/64,10.11.0.0/16");
		put_prefixes(AUTOVPN_PEER_A_ALLOWED, "10.1.0.0/24,fd01::/64");
		l = nlr_nest_start(&msg, AUTOVPN_PEER_A_PATHS);
		put_path(0, 0, "127.0.0.9", 4000, AUTOVPN_PATH_UP, 1);
		put_path(1, 1, "::1", 4001, AUTOVPN_PATH_UP, 2);
		nlr_nest_end(&msg, l);
		nlr_nest_end(&msg, p);
	}
	STEP(send_genl());
	STEP(key_new("fi0", 1, AUTOVPN_KEY_SLOT_CURRENT, 1));
	STEP(key_new("fi0", 1, AUTOVPN_KEY_SLOT_NEXT, 2));

	genl(AUTOVPN_CMD_PEER_NEW, 0);
	put_dev("fi0");
	{
		size_t p = nlr_nest_start(&msg, AUTOVPN_A_PEER), l;

		nlr_put_u32(&msg, AUTOVPN_PEER_A_ID, 2);
		nlr_put_u32(&msg, AUTOVPN_PEER_A_RX_INDEX, 12);
		nlr_put_u32(&msg, AUTOVPN_PEER_A_TX_INDEX, 22);
		put_prefixes(AUTOVPN_PEER_A_ROUTES, "10.2.0.0/24");
		put_prefixes(AUTOVPN_PEER_A_ALLOWED, "10.2.0.0/24");
		l = nlr_nest_start(&msg, AUTOVPN_PEER_A_PATHS);
		put_path(0, 0, "127.0.0.10", 4000, AUTOVPN_PATH_UP, -1);
		nlr_nest_end(&msg, l);
		nlr_nest_end(&msg, p);
	}
	STEP(send_genl());
	STEP(key_new("fi0", 2, AUTOVPN_KEY_SLOT_CURRENT, 1));
#undef STEP
}

/* ---- the operations ------------------------------------------------------------ */

/* A getter's reply, as canonical text (compared with the unfaulted one). */
static struct nls_text reply_text;
static struct nls_ctx reply_ctx = { .out = &reply_text, .ifname = map_ifindex, .port = map_port };

static int reply_cb(void *arg, const struct nlmsghdr *nlh)
{
	int len;
	const void *start = nlr_genl_attrs(nlh, &len);

	nls_printf(&reply_text, "message\n");
	nls_print(&reply_ctx, NLS_TOP, "", start, len);
	return 0;
}

static int send_get(void)
{
	return nlr_request(&gs, &msg, reply_cb, NULL, &res);
}

static int peer_begin(uint8_t cmd, uint32_t id, size_t *nest)
{
	genl(cmd, 0);
	put_dev("fi0");
	*nest = nlr_nest_start(&msg, AUTOVPN_A_PEER);
	nlr_put_u32(&msg, AUTOVPN_PEER_A_ID, id);
	return 0;
}

static int op_dev_new(void)
{
	genl(AUTOVPN_CMD_DEV_NEW, 0);
	nlr_put_str(&msg, AUTOVPN_A_IFNAME, "fi1");
	nlr_put_u32(&msg, AUTOVPN_A_MTU, 1400);
	return send_genl();
}

static int op_dev_del(void)
{
	return dev_del("fi0");
}

static int op_dev_get(void)
{
	genl(AUTOVPN_CMD_DEV_GET, 0);
	put_dev("fi0");
	return send_get();
}

static int op_dev_dump(void)
{
	genl(AUTOVPN_CMD_DEV_GET, NLM_F_DUMP);
	return send_get();
}

static int op_uplink_replace(void)
{
	return uplink_set("fi0", 0, usock[2]);
}

static int op_uplink_detach(void)
{
	return uplink_set("fi0", 1, -1);
}

static int op_active_active(void)
{
	genl(AUTOVPN_CMD_DEV_SET, 0);
	put_dev("fi0");
	nlr_put_u8(&msg, AUTOVPN_A_ACTIVE_ACTIVE, 0);
	return send_genl();
}

static int op_peer_new(void)
{
	size_t p, l;

	peer_begin(AUTOVPN_CMD_PEER_NEW, 3, &p);
	nlr_put_u32(&msg, AUTOVPN_PEER_A_RX_INDEX, 13);
	nlr_put_u32(&msg, AUTOVPN_PEER_A_TX_INDEX, 23);
	nlr_put_str(&msg, AUTOVPN_PEER_A_NAME, "three");
	put_prefixes(AUTOVPN_PEER_A_ROUTES, "10.3.0.0/24,10.33.0.0/16,fd03::/64,fd33::/48");
	put_prefixes(AUTOVPN_PEER_A_ALLOWED, "10.3.0.0/24,fd03::/64");
	l = nlr_nest_start(&msg, AUTOVPN_PEER_A_PATHS);
	put_path(0, 0, "127.0.0.11", 4000, AUTOVPN_PATH_UP, 1);
	put_path(2, 1, "::1", 4003, AUTOVPN_PATH_DOWN, 2);
	nlr_nest_end(&msg, l);
	nlr_nest_end(&msg, p);
	return send_genl();
}

static int op_peer_add(void)
{
	size_t p;

	peer_begin(AUTOVPN_CMD_PEER_SET, 1, &p);
	put_prefixes(AUTOVPN_PEER_A_ROUTES, "10.4.0.0/24,10.5.0.0/24,fd04::/64,-10.11.0.0/16");
	put_prefixes(AUTOVPN_PEER_A_ALLOWED, "10.4.0.0/24");
	nlr_nest_end(&msg, p);
	return send_genl();
}

static int op_peer_replace(void)
{
	size_t p, l;

	peer_begin(AUTOVPN_CMD_PEER_SET, 1, &p);
	nlr_put_u32(&msg, AUTOVPN_PEER_A_FLAGS, AUTOVPN_PEER_F_REPLACE_ROUTES |
			AUTOVPN_PEER_F_REPLACE_ALLOWED | AUTOVPN_PEER_F_REPLACE_PATHS);
	nlr_put_str(&msg, AUTOVPN_PEER_A_NAME, "uno");
	put_prefixes(AUTOVPN_PEER_A_ROUTES, "10.6.0.0/24,fd06::/64");
	put_prefixes(AUTOVPN_PEER_A_ALLOWED, "10.6.0.0/24,10.7.0.0/24");
	l = nlr_nest_start(&msg, AUTOVPN_PEER_A_PATHS);
	put_path(3, 1, "::1", 4009, AUTOVPN_PATH_UP, 0);
	nlr_nest_end(&msg, l);
	nlr_nest_end(&msg, p);
	return send_genl();
}

static int op_peer_paths(void)
{
	size_t p, l, n;

	peer_begin(AUTOVPN_CMD_PEER_SET, 1, &p);
	l = nlr_nest_start(&msg, AUTOVPN_PEER_A_PATHS);
	put_path(0, 0, NULL, 0, AUTOVPN_PATH_DOWN, 5);
	put_path(2, 0, "127.0.0.12", 4002, AUTOVPN_PATH_UP, 3);
	n = nlr_nest_start(&msg, AUTOVPN_PEER_A_PATH);
	nlr_put_u8(&msg, AUTOVPN_PATH_A_ID, 1);
	nlr_put(&msg, AUTOVPN_PATH_A_REMOVE, NULL, 0);
	nlr_nest_end(&msg, n);
	nlr_nest_end(&msg, l);
	nlr_nest_end(&msg, p);
	return send_genl();
}

static int op_route_move(void)
{
	size_t p;

	peer_begin(AUTOVPN_CMD_PEER_SET, 2, &p);
	put_prefixes(AUTOVPN_PEER_A_ROUTES, "10.1.0.0/24,fd01::/64");
	nlr_nest_end(&msg, p);
	return send_genl();
}

static int op_rx_index(void)
{
	size_t p;

	peer_begin(AUTOVPN_CMD_PEER_SET, 2, &p);
	nlr_put_u32(&msg, AUTOVPN_PEER_A_RX_INDEX, 14);
	nlr_put_u32(&msg, AUTOVPN_PEER_A_TX_INDEX, 24);
	nlr_nest_end(&msg, p);
	return send_genl();
}

static int op_peer_del(void)
{
	size_t p;

	peer_begin(AUTOVPN_CMD_PEER_DEL, 1, &p);
	nlr_nest_end(&msg, p);
	return send_genl();
}

static int op_peer_get(void)
{
	size_t p;

	peer_begin(AUTOVPN_CMD_PEER_GET, 1, &p);
	nlr_nest_end(&msg, p);
	return send_get();
}

static int op_peer_dump(void)
{
	genl(AUTOVPN_CMD_PEER_GET, NLM_F_DUMP);
	put_dev("fi0");
	return send_get();
}

static int op_key_next(void)
{
	return key_new("fi0", 1, AUTOVPN_KEY_SLOT_NEXT, 3);
}

static int op_key_first_next(void)
{
	return key_new("fi0", 2, AUTOVPN_KEY_SLOT_NEXT, 2);
}

static int op_key_swap(void)
{
	genl(AUTOVPN_CMD_KEY_SWAP, 0);
	put_dev("fi0");
	nlr_put_u32(&msg, AUTOVPN_A_PEER_ID, 1);
	return send_genl();
}

static int op_key_del(void)
{
	size_t n;

	genl(AUTOVPN_CMD_KEY_DEL, 0);
	put_dev("fi0");
	nlr_put_u32(&msg, AUTOVPN_A_PEER_ID, 1);
	n = nlr_nest_start(&msg, AUTOVPN_A_KEYCONF);
	nlr_put_u8(&msg, AUTOVPN_KEY_A_SLOT, AUTOVPN_KEY_SLOT_NEXT);
	nlr_nest_end(&msg, n);
	return send_genl();
}

/* rtnetlink: ip link add fi2 type autovpn / ip link del fi0 */
static int rtnl_link(uint16_t type, const char *name, bool kind)
{
	struct ifinfomsg *ifi;
	size_t li;

	nlr_hdr(&msg, type, NLM_F_REQUEST | NLM_F_ACK | (kind ? NLM_F_CREATE | NLM_F_EXCL : 0));
	ifi = nlr_reserve(&msg, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	nlr_put_str(&msg, IFLA_IFNAME, name);
	if (kind) {
		li = nlr_nest_start(&msg, IFLA_LINKINFO);
		nlr_put_str(&msg, IFLA_INFO_KIND, AUTOVPN_LINK_KIND);
		nlr_nest_end(&msg, li);
	}
	return nlr_request(&rs, &msg, NULL, NULL, &res);
}

static int op_link_add(void)
{
	return rtnl_link(RTM_NEWLINK, "fi2", true);
}

static int op_link_del(void)
{
	return rtnl_link(RTM_DELLINK, "fi0", false);
}

struct op {
	const char *name;
	int (*run)(void);
	bool getter;
};

static const struct op ops[] = {
	{ "dev_new", op_dev_new, false },          { "dev_del", op_dev_del, false },
	{ "dev_get", op_dev_get, true },           { "dev_dump", op_dev_dump, true },
	{ "uplink_replace", op_uplink_replace, false },
	{ "uplink_detach", op_uplink_detach, false },
	{ "active_active", op_active_active, false },
	{ "peer_new", op_peer_new, false },        { "peer_add_routes", op_peer_add, false },
	{ "peer_replace", op_peer_replace, false }, { "peer_paths", op_peer_paths, false },
	{ "route_move", op_route_move, false },    { "rx_index", op_rx_index, false },
	{ "peer_del", op_peer_del, false },        { "peer_get", op_peer_get, true },
	{ "peer_dump", op_peer_dump, true },       { "key_next", op_key_next, false },
	{ "key_first_next", op_key_first_next, false },
	{ "key_swap", op_key_swap, false },        { "key_del", op_key_del, false },
	{ "link_add", op_link_add, false },        { "link_del", op_link_del, false },
	{ NULL, NULL, false },
};

/* ---- checking a run ------------------------------------------------------------ */

static const char *first_diff(const char *a, const char *b)
{
	static char buf[512];
	size_t i = 0, ls;

	while (a[i] && a[i] == b[i])
		i++;
	for (ls = i; ls && a[ls - 1] != '\n'; ls--)
		;
	snprintf(buf, sizeof(buf), "want '%.*s' got '%.*s'", (int)strcspn(a + ls, "\n"), a + ls,
		 (int)strcspn(b + ls, "\n"), b + ls);
	return buf;
}

static void count_err(struct stats *st, int err)
{
	int e = err < 0 ? -err : err;

	st->errors[e < MAX_ERRNO ? e : 0]++;
	total.errors[e < MAX_ERRNO ? e : 0]++;
}

static void violation(struct stats *st, const char *op, const struct fault *f, int err,
		      const char *why)
{
	char fn[64];

	fault_name(f, fn, sizeof(fn));
	printf("# VIOLATION %s under %s: error %d (%s) ext '%s': %s\n", op, fn, err,
	       err ? strerror(-err) : "none", res.ext, why);
	st->violations++;
	total.violations++;
}

static struct nls_text d0, d1, dx, r1;

/*
 * One run of op from the baseline under fault f; the baseline is rebuilt
 * first when the previous run changed the state. Returns the number of
 * faults injected.
 */
static bool dirty;
static long run_once(const struct op *op, const struct fault *f, struct stats *st)
{
	long injected;
	int err;

	if (dirty) {
		build_baseline();
		dump_state(&dx);
		if (strcmp(d0.p, dx.p)) {
			printf("# the baseline is not reproducible: %s\n", first_diff(d0.p, dx.p));
			exit(2);
		}
		dirty = false;
	}
	nls_text_reset(&reply_text);
	fault_arm(f);
	err = op->run();
	injected = fault_disarm(f);
	normalize(&reply_text);
	st->runs++;
	total.runs++;
	if (injected) {
		st->injected++;
		total.injected++;
	}
	/* A socket that lost a reply (or a dump half-read) is replaced. */
	if (res.sock_error || res.timed_out)
		reopen_genl();
	dump_state(&dx);
	dirty = strcmp(d0.p, dx.p) != 0;
	if (!err) {
		st->ok++;
		total.ok++;
		if (strcmp(d1.p, dx.p))
			violation(st, op->name, f, err, first_diff(d1.p, dx.p));
		else if (op->getter && strcmp(r1.p, reply_text.p))
			violation(st, op->name, f, err, "a successful reply differs from the unfaulted one");
		return injected;
	}
	count_err(st, err);
	if (res.sock_error && err == -ENOBUFS) {
		st->lost++;
		if (strcmp(d0.p, dx.p) && strcmp(d1.p, dx.p))
			violation(st, op->name, f, err, first_diff(d0.p, dx.p));
	} else if (dirty) {
		violation(st, op->name, f, err, first_diff(d0.p, dx.p));
	}
	if (!injected && !(res.sock_error && err == -ENOBUFS))
		violation(st, op->name, f, err, "failed with no fault injected");
	return injected;
}

static void print_errors(const unsigned long *errors, char *buf, size_t len)
{
	size_t off = 0;
	int e;

	buf[0] = '\0';
	for (e = 0; e < MAX_ERRNO && off < len; e++)
		if (errors[e])
			off += (size_t)snprintf(buf + off, len - off, "%s%s %lu", off ? ", " : "",
						e ? strerrorname_np(e) : "other", errors[e]);
	if (!off)
		snprintf(buf, len, "none");
}

static void report(const char *name, const struct stats *st, bool complete)
{
	char errs[512];

	print_errors(st->errors, errs, sizeof(errs));
	printf("RESULT %s fault-%s (%lu runs, %lu with faults, %lu succeeded, %lu lost replies, "
	       "errors: %s; %lu violations%s)\n",
	       st->violations || !complete ? "FAIL" : "PASS", name, st->runs, st->injected, st->ok,
	       st->lost, errs, st->violations, complete ? "" : "; ran out of time");
	fflush(stdout);
}

static const int probs[] = { 2, 10, 50 };
static const int spaces[] = { 0, 128, 512, 2048, 8192, 32768 };
static int reps = 10;

static void test_op(const struct op *op)
{
	struct stats st = { 0 };
	struct fault f = { .mode = F_NONE };
	bool complete = true;
	size_t i, j;
	int err, r, t;

	build_baseline();
	dump_state(&d0);
	nls_text_reset(&reply_text);
	err = op->run();
	if (res.sock_error)
		reopen_genl();
	dump_state(&d1);
	normalize(&reply_text);
	nls_text_reset(&r1);
	nls_printf(&r1, "%s", reply_text.p);
	if (err) {
		printf("# %s fails without faults: %s (%s)\n", op->name, strerror(-err), res.ext);
		st.violations++;
		total.violations++;
		report(op->name, &st, true);
		return;
	}
	if (op->getter && strcmp(d0.p, d1.p))
		violation(&st, op->name, &f, 0, "a getter changed the state");
	dirty = true;

	/* Every allocation once. */
	f.mode = F_NTH;
	for (f.n = 1; f.n < 100000; f.n++) {
		if (now() > deadline) {
			complete = false;
			break;
		}
		if (!run_once(op, &f, &st))
			break;
	}
	/* Failures after S bytes, one or three in a row. */
	f.mode = F_TIMES;
	for (t = 1; t <= 3 && complete; t += 2) {
		for (i = 0; i < sizeof(spaces) / sizeof(spaces[0]); i++) {
			f.times = t;
			f.space = spaces[i];
			run_once(op, &f, &st);
		}
	}
	/* Random failures. */
	f.mode = F_PROB;
	for (j = 0; j < sizeof(probs) / sizeof(probs[0]) && complete; j++) {
		f.prob = probs[j];
		for (r = 0; r < reps && now() < deadline; r++)
			run_once(op, &f, &st);
	}
	report(op->name, &st, complete);
}

/* ---- the module load ------------------------------------------------------------- */

static bool module_loaded(void)
{
	char line[256];
	FILE *f = fopen("/proc/modules", "r");
	bool found = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "autovpn ", 8))
			found = true;
	fclose(f);
	return found;
}

/* The loaded module works and unloads; 0 or a description of what did not. */
static const char *module_check(void)
{
	int err, i;

	err = nlr_open(&gs);
	if (!err)
		err = nlr_family(&gs, AUTOVPN_GENL_NAME, NULL, NULL);
	if (err) {
		nlr_close(&gs);
		return "the family is not there after a successful load";
	}
	genl(AUTOVPN_CMD_DEV_NEW, 0);
	nlr_put_str(&msg, AUTOVPN_A_IFNAME, "fl0");
	err = send_genl();
	if (!err)
		err = dev_del("fl0");
	nlr_close(&gs);
	if (err)
		return "creating and deleting a device failed after a successful load";
	for (i = 0; i < 200; i++) {
		if (!syscall(SYS_delete_module, "autovpn", O_NONBLOCK))
			return NULL;
		usleep(100000);
	}
	return "the module does not unload";
}

static int test_load(const char *ko)
{
	struct stats st = { 0 };
	struct fault f = { .mode = F_NTH };
	bool complete = true;
	const char *why;
	long injected;
	int fd, r, rep = 0;
	size_t j = 0;

	if (module_loaded()) {
		fprintf(stderr, "nlfault: autovpn is loaded; unload it first\n");
		return 2;
	}
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(ko, errno);
	/*
	 * A load makes thousands of allocations and takes a second under TCG:
	 * every one of the first 64, then a stride of n / 64 (every 2nd from
	 * 128, every 4th from 256, ...), until a load needs fewer.
	 */
	for (f.n = 1;; f.n += f.n <= 64 ? 1 : f.n / 64) {
		if (f.mode == F_NTH && now() > deadline) {
			complete = false;
			f.mode = F_PROB;
			f.prob = probs[0];
		}
		fault_arm(&f);
		r = (int)syscall(SYS_finit_module, fd, "", 0);
		r = r ? -errno : 0;
		injected = fault_disarm(&f);
		st.runs++;
		total.runs++;
		if (injected) {
			st.injected++;
			total.injected++;
		}
		memset(&res, 0, sizeof(res));
		if (!r) {
			st.ok++;
			total.ok++;
			why = module_check();
			if (why) {
				violation(&st, "module_load", &f, 0, why);
				break;
			}
		} else {
			count_err(&st, r);
			if (module_loaded())
				violation(&st, "module_load", &f, r, "a failed load left the module");
			if (!injected)
				violation(&st, "module_load", &f, r, "failed with no fault injected");
		}
		if (f.mode == F_NTH && !injected) {
			/* Every allocation site done: now random failures. */
			f.mode = F_PROB;
			f.prob = probs[0];
			rep = 0;
			j = 0;
		} else if (f.mode == F_PROB) {
			if (++rep >= reps) {
				rep = 0;
				if (++j >= sizeof(probs) / sizeof(probs[0]) || now() > deadline)
					break;
				f.prob = probs[j];
			}
		}
	}
	close(fd);
	printf("# module load: fail-nth sweep %s at n = %d\n",
	       complete ? "complete" : "cut short by the time limit", f.n);
	report("module_load", &st, true);
	return 0;
}

/* ---- main ---------------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: nlfault ops [-t SECS] [-r REPS] [-o OP]...\n"
			"       nlfault load KO [-t SECS] [-r REPS]\n"
			"       nlfault list\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *only[64];
	char errs[1024];
	int nonly = 0, opt, i, err;
	const char *mode;
	double secs = 600;

	if (argc < 2)
		usage();
	mode = argv[1];
	if (!strcmp(mode, "list")) {
		for (i = 0; ops[i].name; i++)
			printf("%s\n", ops[i].name);
		return 0;
	}
	optind = 2;
	while ((opt = getopt(argc, argv, "t:r:o:")) != -1) {
		switch (opt) {
		case 't': secs = atof(optarg); break;
		case 'r': reps = atoi(optarg); break;
		case 'o':
			if (nonly < 64)
				only[nonly++] = optarg;
			break;
		default: usage();
		}
	}
	deadline = now() + secs;
	setvbuf(stdout, NULL, _IOLBF, 0);
	fi_setup();
	nlr_msg_init(&msg, 4096);

	if (!strcmp(mode, "load")) {
		if (optind >= argc)
			usage();
		err = test_load(argv[optind]);
		if (err)
			return err;
	} else if (!strcmp(mode, "ops")) {
		err = nlr_open(&gs);
		if (!err)
			err = nlr_family(&gs, AUTOVPN_GENL_NAME, NULL, NULL);
		if (!err)
			err = nlr_open_proto(&rs, NETLINK_ROUTE);
		if (err)
			die("netlink", err);
		for (i = 0; ops[i].name; i++) {
			int k;
			bool run = !nonly;

			for (k = 0; k < nonly; k++)
				run |= !strcmp(only[k], ops[i].name);
			if (run)
				test_op(&ops[i]);
		}
		build_baseline(); /* the last run's leftovers go */
		dev_del("fi0");
	} else {
		usage();
	}
	print_errors(total.errors, errs, sizeof(errs));
	printf("nlfault: %lu runs, %lu with faults injected, %lu succeeded, errors: %s; "
	       "%lu violations\n", total.runs, total.injected, total.ok, errs, total.violations);
	return total.violations ? 1 : 0;
}
