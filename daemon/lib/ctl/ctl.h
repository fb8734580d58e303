/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl.h - the daemon <-> CLI codec (the role of wg's ipc layer): what
 * autovpnd tells `autovpn show` and `autovpn diagnose` over its control
 * socket, as typed structs, and their JSON form.
 *
 * Transport (server: daemon/gateway/ctlserver.c; client: ctl_request()): a
 * unix stream socket in the abstract namespace, "@autovpn/IFNAME". Abstract
 * names belong to the network namespace, as the interface does: gateways in
 * several namespaces of one host (containers, the test VM) each have their
 * own, and nothing stale is left in a directory. They have no file mode,
 * so the daemon checks the client's credentials (SO_PEERCRED): root only.
 * The client writes one request line ("status\n" or "diagnose\n"), the
 * daemon answers with one JSON document and closes.
 * Requests and answers are bounded (CTL_MAX_REQUEST, CTL_MAX_ANSWER).
 *
 * The JSON is the stable interface (`autovpn show --json` prints the
 * kernel's view merged into it); these structs are its in-memory form.
 * Field names are the struct member names; an array's length is its n_*
 * count, which is not written separately:
 *   {"interface":"av0","name":..,"public_key":..,"role":..,
 *    "config_version":7,"uptime_ms":..,
 *    "registries":[{"address":..,"connected":true,"last_contact_ms":..}],
 *    "uplinks":[{"id":0,..,"reg":[{"connected":..,"observed":..},{..}]}],
 *    "peers":[{"name":..,..,"endpoints":[..],"paths":[..],"subnets":[..]}],
 *    "routes":[{"prefix":..,"via":..,"metric":..,"decision":..,"reason":..}]}
 *   {"findings":[{"severity":..,"subject":..,"cause":..,"fix":..}]}
 * Every uplink has exactly two "reg" entries (one per possible registry).
 *
 * ctl_status_to_json() and ctl_status_from_json() round-trip exactly
 * (tests/unit/test_ctl.c, tests/fuzz/fuzz_ctl.c). The decoder is strict:
 * every field present with the right JSON type, every number an integer
 * within its member's range, every string fitting its buffer without a NUL,
 * every array within its capacity; otherwise -EBADMSG. Unknown fields are
 * ignored, so a newer daemon can add some. Strings are byte strings: the
 * daemon's names come from configs, so neither side rewrites or rejects
 * bytes that are not UTF-8.
 *
 * Strings are fixed-size buffers so a status is one allocation of arrays.
 * Times are ages in milliseconds, so the client needs no clock of the
 * daemon's; an age is CTL_NEVER ("never happened") or written as JSON null.
 * Other 64-bit numbers stay below UINT64_MAX: json-c saturates larger
 * integers to UINT64_MAX, so that value cannot be told from an overflow.
 *
 * Errors: 0 or a negative errno.
 */
#ifndef AVPN_CTL_CTL_H
#define AVPN_CTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#define CTL_SOCK_PREFIX "@autovpn/" /* "@": the abstract namespace */
#define CTL_MAX_REQUEST 64
#define CTL_MAX_ANSWER (64u << 20)
#define CTL_TIMEOUT_MS 5000 /* client: connect and send each; the whole answer's base */
/* An answer's pace: the daemon and the client give it 1 ms more per this many bytes. */
#define CTL_ANSWER_BYTES_PER_MS 1048u
#define CTL_NAME_MAX 64	  /* network names: 63 bytes + NUL */
#define CTL_EP_MAX 56	  /* "[ipv6]:port" */
#define CTL_PREFIX_MAX 52 /* "ipv6/128" */
#define CTL_TEXT_MAX 256  /* reasons, findings */
#define CTL_KEY_MAX 45	  /* base64 public key + NUL */
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
	uint8_t id;    /* 0 wan1, 1 wan2 */
	char name[16]; /* "wan1" */
	char device[16];
	char local[CTL_EP_MAX];	 /* the socket's address */
	char nat[16];		 /* friendly, unfriendly, manual, unknown */
	char mapped[CTL_EP_MAX]; /* public ip:port (registry 1's view, or manual) */
	char highport[16];	 /* outbound to UDP 32768-61000: ok, blocked, unknown */
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
	uint16_t loss;	     /* 1/10000 */
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
	uint32_t id;	      /* kernel peer id */
	char role[8];	      /* hub, spoke */
	uint8_t hub_priority; /* 1.. = position in the spoke's hub list, 0 = none */
	uint8_t flags;	      /* PROTO_PEER_* */
	char state[16];	      /* up, connecting, down */
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
	char decision[12]; /* direct, transit, relay, default, none */
	char reason[CTL_TEXT_MAX];
};

struct ctl_status {
	char interface[16];
	char name[CTL_NAME_MAX]; /* this gateway */
	char public_key[CTL_KEY_MAX];
	char role[8]; /* hub, spoke, off, unknown */
	uint64_t config_version;
	uint64_t uptime_ms; /* not an age: never CTL_NEVER */
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
	char severity[8];	    /* ok, warn, error */
	char subject[CTL_NAME_MAX]; /* "registry", "wan1", a peer's name */
	char cause[CTL_TEXT_MAX];
	char fix[CTL_TEXT_MAX];
};

struct ctl_diagnosis {
	uint32_t n_findings;
	struct ctl_finding *findings;
};

/*
 * Allocation helpers. ctl_status_alloc() overwrites *s (zeroed, arrays of
 * n_peers and n_routes zeroed entries); ctl_peer_alloc_subnets() replaces
 * the peer's subnet array. ctl_status_free() frees everything and zeroes
 * *s, so it is safe on a zeroed or already freed status.
 */
int ctl_status_alloc(struct ctl_status *s, uint32_t n_peers, uint32_t n_routes);
int ctl_peer_alloc_subnets(struct ctl_peer *p, uint32_t n);
void ctl_status_free(struct ctl_status *s);

/*
 * Appends a finding (*d starts zeroed). cause and fix are sentences: cut to
 * fit their buffers at a character boundary rather than losing the finding;
 * severity and subject are names: -ENAMETOOLONG if they do not fit. NULL
 * counts as "". ctl_diagnosis_free() zeroes *d.
 */
int ctl_diagnosis_add(struct ctl_diagnosis *d, const char *severity, const char *subject,
		      const char *cause, const char *fix);
void ctl_diagnosis_free(struct ctl_diagnosis *d);

/*
 * JSON, compact and without a trailing newline, into a malloc'd
 * NUL-terminated *out. -EINVAL if the struct breaks the bounds the decoder
 * checks (count above capacity, unterminated string, UINT64_MAX where not an
 * age), so whatever is encoded decodes.
 */
int ctl_status_to_json(const struct ctl_status *s, char **out);
int ctl_diagnosis_to_json(const struct ctl_diagnosis *d, char **out);

/*
 * Decodes json[0..len) (one document, optional trailing whitespace; no NUL
 * needed) into *s, which is overwritten: free it with ctl_status_free() on
 * success; on error nothing is allocated and *s is zeroed. -EBADMSG for a
 * malformed document, -EMSGSIZE above CTL_MAX_ANSWER, -ENOMEM.
 */
int ctl_status_from_json(const char *json, size_t len, struct ctl_status *s);
int ctl_diagnosis_from_json(const char *json, size_t len, struct ctl_diagnosis *d);

/* The socket name for IFNAME into buf ("@autovpn/IFNAME"): -EINVAL for a
 * name the kernel would refuse as an interface name, -ENAMETOOLONG if buf
 * is too small. */
int ctl_sock_path(const char *ifname, char *buf, size_t len);
/*
 * The address of a socket name: a leading '@' is the abstract namespace
 * (as ss(8) prints it), anything else a file system path. Returns the
 * address length, or -ENAMETOOLONG.
 */
int ctl_sockaddr(const char *path, struct sockaddr_un *sun);

/*
 * Client side: connects to IFNAME's daemon, sends "REQUEST\n" and reads the
 * whole answer into a malloc'd, NUL-terminated *answer of *len bytes.
 * -ENOENT or -ECONNREFUSED when no daemon runs, -EACCES when not root,
 * -EPERM when the socket's listener is not root (not autovpnd: the abstract
 * namespace is open to every user),
 * -ETIMEDOUT when the daemon's whole answer has not come CTL_TIMEOUT_MS
 * after the request started, plus 1 ms per CTL_ANSWER_BYTES_PER_MS bytes of
 * it received (a deadline: a daemon that sends a byte now and then is given
 * up too),
 * -EMSGSIZE above CTL_MAX_ANSWER, -ENODATA if it closes without a byte,
 * -EINVAL for a request that is not one printable line shorter than
 * CTL_MAX_REQUEST. ctl_request_path() is the same on a socket path and a
 * timeout of the caller's choice (tests, tools).
 */
int ctl_request(const char *ifname, const char *request, char **answer, size_t *len);
int ctl_request_path(const char *path, const char *request, unsigned int timeout_ms, char **answer,
		     size_t *len);

#endif /* AVPN_CTL_CTL_H */
