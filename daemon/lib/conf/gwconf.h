/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gwconf.h - the gateway config, /etc/autovpn/autovpnd.conf, read by
 * autovpnd. Zero touch: it holds only what a gateway needs to find its
 * registries and its uplinks; every policy comes from the registry.
 *
 *   [gateway]            name, private-key, interface, table, on-exit
 *   [registry]           address (1 or 2, repeated), public-key
 *   [uplink "wan1"]      device, source, port     (wan1, optionally wan2)
 *
 * Same syntax, line reader and `file:line: message` errors as the org
 * config (conf/ini.h): every problem is reported, and a file with any error
 * gives no config at all. docs/configuration.md is the reference.
 */
#ifndef AVPN_CONF_GWCONF_H
#define AVPN_CONF_GWCONF_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/addr.h"
#include "base/endpoint.h"
#include "base/errlist.h"
#include "base/key.h"

#define GWCONF_DEFAULT_PATH "/etc/autovpn/autovpnd.conf"
#define GWCONF_DEFAULT_IFNAME "av0"
/* The VPN routing table; wg-quick uses 51820, so not that one. */
#define GWCONF_DEFAULT_TABLE 9350
#define GWCONF_MAX_REGISTRIES 2
#define GWCONF_MAX_UPLINKS 2

enum gwconf_on_exit {
	GWCONF_EXIT_KEEP = 0, /* SIGTERM leaves the interface forwarding (default) */
	GWCONF_EXIT_REMOVE,   /* SIGTERM deletes the interface, routes and rules */
};

struct gwconf_uplink {
	uint8_t id;		  /* 0 = wan1, 1 = wan2 */
	char device[IF_NAMESIZE]; /* SO_BINDTODEVICE; required */
	bool has_source;
	struct addr source; /* bind address; else any address of @family */
	sa_family_t family; /* of @source, or AF_INET (family = ipv6 to change) */
	uint16_t port;	    /* fixed port (manual port forwarding); 0 = random */
	unsigned int line;  /* of its [uplink] header */
};

struct gwconf {
	char *path;
	char *name; /* the network name in the org config (logs, show) */
	char *private_key_path;
	bool key_loaded; /* false with GWCONF_SKIP_FILES */
	uint8_t private_key[KEY_LEN];
	uint8_t public_key[KEY_LEN];
	char ifname[IF_NAMESIZE];
	uint32_t table;
	enum gwconf_on_exit on_exit;

	unsigned int n_registries;
	struct endpoint registries[GWCONF_MAX_REGISTRIES];
	uint8_t registry_public_key[KEY_LEN];

	unsigned int n_uplinks;
	struct gwconf_uplink uplinks[GWCONF_MAX_UPLINKS]; /* in id order */
};

enum {
	/* Do not read the private key file (its path is still checked). */
	GWCONF_SKIP_FILES = 1u << 0,
};

/*
 * Loads and validates @path. 0 and a new config in *out, or -EINVAL (one
 * message per problem in @errs), -ENOMEM, -errno (file unreadable; also in
 * @errs); *out is NULL then.
 */
int gwconf_load(const char *path, unsigned int flags, struct gwconf **out, struct errlist *errs);
int gwconf_load_buffer(const char *name, const char *buf, size_t len, unsigned int flags,
		       struct gwconf **out, struct errlist *errs);
void gwconf_free(struct gwconf *c);
/* "wan1", "wan2" */
const char *gwconf_uplink_name(unsigned int id);

#endif /* AVPN_CONF_GWCONF_H */
