// SPDX-License-Identifier: GPL-2.0
/*
 * runlock.c - one autovpnd per interface.
 *
 * Two daemons for one interface would each run its peers' handshakes,
 * keys, paths and routes against the other's. The control socket's name
 * used to tell: bind() found it taken by root, so the second gave up. But a
 * first daemon that is stalled (stopped, its listen backlog full) cannot be
 * asked who it is, looks like a squatter, and then the second one started
 * for the same interface. A lock says it whatever the first is doing:
 * flock() on /run/autovpn/IFNAME.netINODE.lock, taken before the device is
 * touched and held until exit (the kernel lets go of it when the process
 * dies, however it dies). Interfaces are per network namespace, so is the
 * lock: INODE is the namespace's (what `ip netns identify` compares). The
 * file holds the pid of the daemon that has it, for the message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "gateway.h"

/*
 * Root's own directory: anyone who could write in it could take or swap
 * the lock file and keep the gateway down, or two daemons up.
 */
static int run_dir(void)
{
	struct stat st;
	int fd;

	if (mkdir(GW_RUN_DIR, 0700) && errno != EEXIST)
		return -errno;
	fd = open(GW_RUN_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_uid != geteuid() || (st.st_mode & 022)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

static int lock_name(const char *ifname, char *buf, size_t len)
{
	struct stat st;
	int n;

	/*
	 * Without /proc (a bare chroot) the namespace is not known: one lock
	 * for the name in every namespace, rather than none.
	 */
	if (stat("/proc/self/ns/net", &st)) {
		log_msg(LOG_WARNING, "/proc/self/ns/net: %s: locking %s in every network namespace",
			strerror(errno), ifname);
		n = snprintf(buf, len, "%s", ifname);
	} else {
		n = snprintf(buf, len, "%s.net%llu", ifname, (unsigned long long)st.st_ino);
	}
	return (size_t)n < len ? 0 : -ENAMETOOLONG;
}

/* The holder's pid as it wrote it, or 0. */
static long holder(int fd)
{
	char buf[24];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static void write_pid(int fd)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	/* The pid is for the message only: the lock is what counts. */
	if (ftruncate(fd, 0) || pwrite(fd, buf, (size_t)n, 0) != n)
		log_msg(LOG_WARNING, "%s: writing our pid: %s", GW_RUN_DIR, strerror(errno));
}

int runlock_take(struct gw *gw)
{
	const char *ifname = gw->conf->ifname;
	char name[IF_NAMESIZE + 40];
	int dfd, fd, err;
	long pid;

	err = lock_name(ifname, gw->run_base, sizeof(gw->run_base));
	if (!err && (size_t)snprintf(name, sizeof(name), "%s.lock", gw->run_base) >= sizeof(name))
		err = -ENAMETOOLONG;
	if (err) {
		log_msg(LOG_ERR, "%s: naming the lock: %s", ifname, strerror(-err));
		gw->run_base[0] = '\0';
		return err;
	}
	dfd = run_dir();
	if (dfd < 0) {
		log_msg(LOG_ERR, "%s: %s", GW_RUN_DIR,
			dfd == -EPERM ? "not a directory of ours that only we can write" :
					strerror(-dfd));
		return dfd;
	}
	fd = openat(dfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	err = fd < 0 ? -errno : 0;
	close(dfd);
	if (err) {
		log_msg(LOG_ERR, "%s/%s: %s", GW_RUN_DIR, name, strerror(-err));
		return err;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = -errno;
		pid = err == -EWOULDBLOCK ? holder(fd) : 0;
		if (err != -EWOULDBLOCK)
			log_msg(LOG_ERR, "%s/%s: %s", GW_RUN_DIR, name, strerror(-err));
		else if (pid > 0)
			log_msg(LOG_ERR,
				"%s: another autovpnd runs for this interface (pid %ld holds "
				"%s/%s): exiting",
				ifname, pid, GW_RUN_DIR, name);
		else
			log_msg(LOG_ERR,
				"%s: another autovpnd runs for this interface (it holds %s/%s): "
				"exiting",
				ifname, GW_RUN_DIR, name);
		close(fd);
		return err;
	}
	write_pid(fd);
	gw->lock_fd = fd;
	return 0;
}

void runlock_release(struct gw *gw)
{
	/* The file stays: unlinking it would race with the next daemon's open. */
	if (gw->lock_fd >= 0)
		close(gw->lock_fd);
	gw->lock_fd = -1;
}
