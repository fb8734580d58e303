// SPDX-License-Identifier: GPL-2.0
/*
 * peersave.c - the last complete peer list, kept in /run for a restart
 * that finds no registry.
 *
 * A restarted daemon takes its kernel peers over (adopt.c) as the
 * registry's list names them; the list was only in memory. With both
 * registries out of reach at the restart, no peer was taken over, none
 * could be rekeyed, and every tunnel died with its keys (180 s), against
 * DESIGN §5 (the tunnels outlive the registry). So each complete list is
 * written to GW_RUN_DIR/<interface>.net<namespace>.peers (root's own
 * directory, the file 0600: it holds the peers' psks), and a daemon that
 * adopts a running device reads it back: its peers are taken over at once,
 * as confirmed now (purged after the purge time if no registry comes),
 * and the first list a registry sends replaces it. /run is emptied at
 * boot, when there is no device to adopt either.
 *
 * With each peer goes the time a registry last confirmed it (CLOCK_MONOTONIC,
 * which /run shares: both end at a reboot), and with the list the org's
 * purge time, so a restart neither gives a peer revoked meanwhile a new
 * purge period nor purges on the default instead of the org's time. The
 * kernel peers the saved list does not name are left for the first
 * registry list to remove (adopt_finish()): a list that could not be saved
 * must not cost live peers. Without /proc (no namespace in the name) there
 * is no saved list: one file would serve every namespace.
 *
 * The format is this build's memory layout (struct proto_peer and
 * proto_subnet, whose sizes head the file), with a magic: another build's
 * file is ignored, not misread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "base/clock.h"
#include "base/log.h"
#include "gateway.h"

#define PEERSAVE_MAGIC 0x325352504e505641ull /* "AVPNPRS2" */
#define PEERSAVE_MAX_PEERS (1u << 20)
#define PEERSAVE_MAX_SUBNETS (1u << 24)

struct peersave_hdr {
	uint64_t magic;
	uint32_t peer_size, subnet_size;
	uint32_t n_peers;
	uint32_t reserved;
	uint64_t purge_ms; /* the org's (SELF), 0 if none was known */
};

static int path_of(const struct gw *gw, char *buf, size_t len, const char *suffix)
{
	int n;

	if (!strstr(gw->run_base, ".net"))
		return -ENOENT; /* no namespace in the name: no saved list */
	n = snprintf(buf, len, "%s/%s.peers%s", GW_RUN_DIR, gw->run_base, suffix);
	return n > 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

void peersave_write(struct gw *gw)
{
	const struct regclient_peerlist *l = &gw->rc.peers;
	struct peersave_hdr h = { .magic = PEERSAVE_MAGIC,
				  .peer_size = sizeof(struct proto_peer),
				  .subnet_size = sizeof(struct proto_subnet),
				  .n_peers = l->n,
				  .purge_ms = gw->rc.purge_from_self && regclient_self(&gw->rc) ?
						      gw->rc.cfg.purge_ms :
						      0 };
	char tmp[sizeof(GW_RUN_DIR) + IF_NAMESIZE + 48], path[sizeof(tmp)];
	int fd, err = 0;

	if (!gw->run_base[0] || path_of(gw, tmp, sizeof(tmp), ".new") ||
	    path_of(gw, path, sizeof(path), ""))
		return;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_msg(LOG_WARNING, "%s: %s", tmp, strerror(errno));
		return;
	}
	/* 0600 also if a leftover .new had another mode: it holds psks. */
	err = fchmod(fd, 0600) ? -errno : write_all(fd, &h, sizeof(h));
	for (uint32_t i = 0; i < l->n && !err; i++) {
		uint32_t ns = l->v[i].n_subnets;

		err = write_all(fd, &l->v[i].info, sizeof(l->v[i].info));
		if (!err)
			err = write_all(fd, &l->v[i].confirmed_ms, sizeof(l->v[i].confirmed_ms));
		if (!err)
			err = write_all(fd, &ns, sizeof(ns));
		if (!err && ns)
			err = write_all(fd, l->v[i].subnets, ns * sizeof(*l->v[i].subnets));
	}
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		log_msg(LOG_WARNING, "saving the peer list to %s: %s", path, strerror(-err));
		unlink(tmp);
	}
}

static int read_all(int fd, void *p, size_t n)
{
	uint8_t *b = p;

	while (n) {
		ssize_t r = read(fd, b, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EBADMSG;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One peer of the file into @d; its name and endpoint count checked. */
static int read_peer(int fd, struct regclient_peer *d, uint64_t now)
{
	uint32_t ns;
	int err;

	memset(d, 0, sizeof(*d));
	err = read_all(fd, &d->info, sizeof(d->info));
	if (!err)
		err = read_all(fd, &d->confirmed_ms, sizeof(d->confirmed_ms));
	if (!err)
		err = read_all(fd, &ns, sizeof(ns));
	if (err)
		return err;
	if (d->confirmed_ms > now) /* not this boot's clock: as of now */
		d->confirmed_ms = now;
	if (ns > PEERSAVE_MAX_SUBNETS || d->info.n_ep > PROTO_MAX_PEER_EP ||
	    memchr(d->info.name, '\0', sizeof(d->info.name)) == NULL)
		return -EBADMSG;
	if (ns) {
		d->subnets = calloc(ns, sizeof(*d->subnets));
		if (!d->subnets)
			return -ENOMEM;
		err = read_all(fd, d->subnets, ns * sizeof(*d->subnets));
		if (err) {
			free(d->subnets);
			d->subnets = NULL;
			return err;
		}
	}
	d->n_subnets = ns;
	return 0;
}

int peersave_read(struct gw *gw)
{
	struct regclient_peerlist *l = &gw->rc.peers;
	char path[sizeof(GW_RUN_DIR) + IF_NAMESIZE + 48];
	struct peersave_hdr h;
	struct regclient_peer *v;
	uint64_t now = clock_mono_ms();
	uint32_t n = 0;
	int fd, err;

	if (!gw->run_base[0] || l->n || path_of(gw, path, sizeof(path), ""))
		return 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = read_all(fd, &h, sizeof(h));
	if (!err &&
	    (h.magic != PEERSAVE_MAGIC || h.peer_size != sizeof(struct proto_peer) ||
	     h.subnet_size != sizeof(struct proto_subnet) || h.n_peers > PEERSAVE_MAX_PEERS))
		err = -EBADMSG;
	v = err || !h.n_peers ? NULL : calloc(h.n_peers, sizeof(*v));
	if (!err && h.n_peers && !v)
		err = -ENOMEM;
	for (; !err && n < h.n_peers; n++)
		err = read_peer(fd, &v[n], now);
	close(fd);
	if (err) {
		for (uint32_t i = 0; i < n && v; i++)
			free(v[i].subnets);
		if (v)
			sodium_memzero(v, h.n_peers * sizeof(*v));
		free(v);
		return err;
	}
	/* As if a registry had sent it, with no version: the first real list replaces it. */
	l->v = v;
	l->n = l->cap = h.n_peers;
	if (gw->rc.purge_from_self && h.purge_ms >= PROTO_MIN_PURGE_S * 1000ull &&
	    h.purge_ms <= PROTO_MAX_PURGE_S * 1000ull)
		gw->rc.cfg.purge_ms = h.purge_ms;
	gw->peers_from_save = true;
	return (int)h.n_peers;
}

void peersave_remove(struct gw *gw)
{
	char path[sizeof(GW_RUN_DIR) + IF_NAMESIZE + 48];

	if (gw->run_base[0] && !path_of(gw, path, sizeof(path), ""))
		unlink(path);
}
