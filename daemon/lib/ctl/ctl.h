/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl.h - the daemon <-> CLI codec (the role of wg's ipc layer): what
 * autovpnd tells `autovpn show` and `autovpn diagnose` over its control
 * socket, as typed structs, and their JSON form.
 *
 * Transport (daemon/gateway/ctl.c, tools/): a unix stream socket
 * /run/autovpn/IFNAME.sock (directory 0700, socket 0600, root only). The
 * client writes one request line ("status\n" or "diagnose\n"), the daemon
 * answers with one JSON document and closes. Requests and answers are
 * bounded (CTL_MAX_REQUEST, CTL_MAX_ANSWER).
 *
 * The JSON is the stable interface (`autovpn show --json` prints the
 * kernel's view merged into it); these structs are its in-memory form.
 * ctl_status_to_json() and ctl_status_from_json() round-trip exactly
 * (tests/unit/test_ctl.c); the decoder checks every type and bound and
 * fails with -EBADMSG on anything else. Strings are fixed-size buffers so
 * a status is one allocation of arrays; times are ages in milliseconds
 * (UINT64_MAX = never), so the client needs no clock of the daemon's.
 *
 * Errors: 0 or a negative errno.
 */
#ifndef AVPN_CTL_CTL_H
#define AVPN_CTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_SOCK_DIR "/run/autovpn"
#define CTL_MAX_REQUEST 64
#define CTL_MAX_ANSWER (64u << 20)
#define CTL_NAME_MAX 64	      /* network names: 63 bytes + NUL */
#define CTL_EP_MAX 56	      /* "[ipv6]:port" */
#define CTL_PREFIX_MAX 52     /* "ipv6/128" */
#define CTL_TEXT_MAX 256      /* reasons, findings */
#define CTL_KEY_MAX 45	      /* base64 public key + NUL */
#define CTL_NEVER UINT64_MAX

struct ctl_registry {
	char address[CTL_EP_MAX];
	bool connected;		  /* on any uplink */
	uint64_t last_contact_ms; /* age; CTL_NEVER */
};

struct ctl_uplink_registry {
	bool connected;
	char observed[CTL_EP_MAX]; /* our public ip:port as that registry sees it; "" */
};

struct ctl_uplink {
	uint8_t id;		   /* 0 wan1, 1 wan2 */
	char name[16];		   /* "wan1" */
	char device[16];
	char local[CTL_EP_MAX];	   /* the socket's address */
	char nat[16];		   /* friendly, unfriendly, manual, unknown */
	char mapped[CTL_EP_MAX];   /* public ip:port (registry 1's view, or manual) */
	char highport[16];	   /* outbound to UDP 32768-61000: ok, blocked, unknown */
	struct ctl_uplink_registry reg[2];
};

struct ctl_endpoint {
	uint8_t uplink; /* the peer's uplink */
	char kind[8];	/* public, private, manual */
	char address[CTL_EP_MAX];
};

struct ctl_path {
	uint8_t id, local_uplink, remote_uplink;
	char state[12]; /* idle, punching, up, down */
	char remote[CTL_EP_MAX];
	char reason[CTL_TEXT_MAX];
	uint32_t rtt_us, jitter_us;
	uint16_t loss; /* 1/10000 */
	uint64_t changed_ms; /* age of the last state change */
};

struct ctl_subnet {
	char prefix[CTL_PREFIX_MAX];
	uint8_t metric;
	uint8_t flags; /* PROTO_SUB_* */
};

struct ctl_peer {
	char name[CTL_NAME_MAX];
	char public_key[CTL_KEY_MAX];
	uint32_t id;	     /* kernel peer id */
	char role[8];	     /* hub, spoke */
	uint8_t hub_priority; /* 1.. = position in the spoke's hub list, 0 = none */
	uint8_t flags;	     /* PROTO_PEER_* */
	char state[16];	     /* up, connecting, down */
	char reason[CTL_TEXT_MAX];
	uint64_t handshake_ms; /* age of the last completed handshake; CTL_NEVER */
	int16_t key_id;	       /* current key id, -1 none */
	uint32_t n_endpoints;
	struct ctl_endpoint endpoints[5];
	uint32_t n_paths;
	struct ctl_path paths[4];
	uint32_t n_subnets;
	struct ctl_subnet *subnets;
};

struct ctl_route {
	char prefix[CTL_PREFIX_MAX];
	char via[CTL_NAME_MAX]; /* peer name, "" = none */
	uint8_t metric;
	char decision[12];	/* direct, transit, relay, default, none */
	char reason[CTL_TEXT_MAX];
};

struct ctl_status {
	char interface[16];
	char name[CTL_NAME_MAX];	/* this gateway */
	char public_key[CTL_KEY_MAX];
	char role[8];			/* hub, spoke, off, unknown */
	uint64_t config_version;
	uint64_t uptime_ms;
	uint32_t n_registries;
	struct ctl_registry registries[2];
	uint32_t n_uplinks;
	struct ctl_uplink uplinks[2];
	uint32_t n_peers;
	struct ctl_peer *peers;
	uint32_t n_routes;
	struct ctl_route *routes;
};

/* One finding of `autovpn diagnose`. */
struct ctl_finding {
	char severity[8];	/* ok, warn, error */
	char subject[CTL_NAME_MAX]; /* "registry", "wan1", a peer's name */
	char cause[CTL_TEXT_MAX];
	char fix[CTL_TEXT_MAX];
};

struct ctl_diagnosis {
	uint32_t n;
	struct ctl_finding *v;
};

/* Allocation helpers: arrays sized once; free with ctl_status_free(). */
int ctl_status_alloc(struct ctl_status *s, uint32_t n_peers, uint32_t n_routes);
int ctl_peer_alloc_subnets(struct ctl_peer *p, uint32_t n);
void ctl_status_free(struct ctl_status *s);
int ctl_diagnosis_add(struct ctl_diagnosis *d, const char *severity, const char *subject,
		      const char *cause, const char *fix);
void ctl_diagnosis_free(struct ctl_diagnosis *d);

/* JSON (malloc'd string; NUL-terminated) and back. */
int ctl_status_to_json(const struct ctl_status *s, char **out);
int ctl_status_from_json(const char *json, size_t len, struct ctl_status *s);
int ctl_diagnosis_to_json(const struct ctl_diagnosis *d, char **out);
int ctl_diagnosis_from_json(const char *json, size_t len, struct ctl_diagnosis *d);

/* Client side: connect to IFNAME's daemon, send request, read the whole answer. */
int ctl_request(const char *ifname, const char *request, char **answer, size_t *len);
/* The socket path for IFNAME into buf. */
int ctl_sock_path(const char *ifname, char *buf, size_t len);

#endif /* AVPN_CTL_CTL_H */
