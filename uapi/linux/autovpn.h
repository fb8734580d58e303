/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * autovpn: organization-wide site-to-site VPN datapath.
 *
 * This header is the whole interface between the kernel module (autovpn.ko)
 * and userspace (autovpnd, the autovpn tool): the DATA wire format and the
 * generic netlink family "autovpn".
 *
 * Devices
 * -------
 * A device of kind "autovpn" is created with `ip link add av0 type autovpn`
 * (rtnl_link_ops, no link attributes) or with AUTOVPN_CMD_DEV_NEW. Every other
 * request names its device by AUTOVPN_A_IFINDEX or AUTOVPN_A_IFNAME.
 *
 * Uplinks and sockets
 * -------------------
 * A device has up to AUTOVPN_MAX_UPLINKS uplinks (wan1 = 0, wan2 = 1). The
 * daemon opens, binds and owns one UDP socket per uplink and hands its file
 * descriptor to the module (AUTOVPN_CMD_DEV_SET with AUTOVPN_A_UPLINK nests).
 * The module takes its own reference to the socket and hooks its encap_rcv:
 * DATA packets (first byte AUTOVPN_MSG_DATA) are consumed by the kernel; every
 * other datagram stays in the socket for the daemon's recvmsg(). Transmission
 * uses the socket's bound address, port and device. Because the module holds
 * its own reference, forwarding continues if the daemon exits (until the keys
 * expire), and a restarted daemon can replace the sockets. A replaced
 * socket is sent on no more but keeps its hook for about 500 ms: DATA still
 * arriving on it (a port shared through SO_REUSEPORT until the daemon steers
 * it to the new socket) is decrypted, not left to recvmsg(). Meanwhile its
 * port stays bound and handing it in again fails with -EBUSY; detaching
 * the uplink (no FD), another replacement of it or the device's deletion
 * ends that at once. A socket with
 * UDP_GRO set is refused (-EINVAL): coalesced datagrams are not one DATA
 * packet. Set later, kernels that still hand such aggregates to
 * encapsulation sockets get them dropped (AUTOVPN_DROP_MALFORMED). A network
 * namespace that nothing but uplink sockets held by the module refers to
 * any more (no process, mount or descriptor reaches it) has those uplinks
 * detached, so that it and its devices are freed (checked every 5 s).
 *
 * Peers
 * -----
 * A peer is identified by a daemon-chosen AUTOVPN_A_PEER_ID (u32, non-zero,
 * unique per device). AUTOVPN_A_PEER_RX_INDEX is the receiver index that the
 * remote side writes into DATA packets sent to us (unique per device, chosen
 * by the daemon and told to the peer in the handshake); AUTOVPN_A_PEER_TX_INDEX
 * is the index we write into DATA packets we send to it (non-zero; a peer
 * without one sends nothing: AUTOVPN_DROP_NO_PATH).
 *
 * Routes and allowed sources
 * --------------------------
 * Routes map destination prefixes to peers (longest prefix match over the
 * whole device; one peer per prefix). Allowed sources are a per-peer prefix
 * set: a decrypted inner packet whose source address is not inside one of its
 * peer's allowed sources is dropped (AUTOVPN_DROP_SOURCE). Both are given as
 * lists of AUTOVPN_PEER_A_PREFIX nests inside AUTOVPN_PEER_A_ROUTES /
 * AUTOVPN_PEER_A_ALLOWED. A route to a prefix already routed to another
 * peer moves it (the daemon decides routing; the kernel keeps one owner). Without a REPLACE flag the
 * listed prefixes are added (or, with AUTOVPN_PREFIX_F_REMOVE, removed); with
 * AUTOVPN_PEER_F_REPLACE_ROUTES / _REPLACE_ALLOWED the peer's whole set is
 * replaced by the list.
 *
 * A PEER_GET dump is paged by peer id; a peer with more prefixes than fit in
 * one message continues in the next ones (only its PEER_ID and the further
 * ROUTES / ALLOWED entries; merge by id). Peers added or removed during a
 * dump never show twice nor hide others. A dump across a change of any
 * route or allowed source (including the removal of a peer that had some)
 * is flagged NLM_F_DUMP_INTR in its later messages or its NLMSG_DONE: it is
 * not a consistent picture, read it again.
 *
 * Paths
 * -----
 * A path is (local uplink, remote endpoint); a peer has up to
 * AUTOVPN_MAX_PATHS, identified by AUTOVPN_A_PATH_ID (0..3), which is also
 * carried in every DATA packet and mixed into the nonce. A path id names the
 * same path on both gateways (their daemons agree on the numbering;
 * autovpnd gives the pair (uplink a of the gateway whose public key sorts
 * lower, uplink b of the other) the id a * 2 + b on both ends): the
 * receiver counts a DATA packet on its path of that id and keeps its replay
 * window per (key, path id), and drops DATA on a path id it has not
 * configured for the peer (AUTOVPN_DROP_PATH). A configured path receives
 * whatever its state: DOWN only stops sending on it. The daemon probes
 * paths and sets their state. Transmit picks, per flow, one path among the
 * UP paths: with the device's active-active flag set, flows are spread by
 * rendezvous hashing (a path going down moves only its own flows); without
 * it, every flow uses the UP path with the lowest AUTOVPN_A_PATH_PRIORITY.
 *
 * Keys
 * ----
 * Each peer has three key slots: CURRENT (transmit and receive), PREVIOUS
 * (receive only) and NEXT (receive only until swapped in). A key carries a
 * key id (u8, unique among the peer's installed keys, carried in DATA
 * packets), a 32-byte AES-256-GCM key and a 4-byte salt for each direction.
 * AUTOVPN_CMD_KEY_SWAP makes NEXT current and CURRENT previous (the old
 * previous is dropped). Each (key, path) has its own send counter and its own
 * receive replay window of AUTOVPN_REPLAY_WINDOW packets.
 *
 * Key material is spent once per device. A nonce is (salt with salt[0] ^=
 * path id) || counter, and a new key starts every counter at 0, so the
 * module refuses (-EEXIST, "key material already installed on this device")
 * an AUTOVPN_CMD_KEY_NEW whose ENCRYPT_KEY or DECRYPT_KEY is an AES key it
 * has installed on this device before: in either direction, in any slot,
 * under any key id, for any peer, also after the key was deleted or swapped
 * out or its peer removed. The salt does not make a key new (the same AES
 * key with another salt is refused as well). It refuses ENCRYPT_KEY ==
 * DECRYPT_KEY (-EINVAL): both gateways count from 0 with a key. The daemon
 * derives fresh keys for every key it installs (each handshake) and never
 * retries KEY_NEW with the same material; a daemon that restarts and adopts
 * the running state keeps the installed keys and their counters. Limits of
 * the rule: the memory belongs to the device (a new device, also one of the
 * same name, or a reloaded module starts empty), and a device remembers at
 * least the 262,144 AES keys it installed last (131,072 keys of two
 * directions; keys are kept as keyed 64-bit fingerprints, 8 bytes each).
 *
 * Key limits are enforced by the kernel, so a dead daemon fails closed: after
 * AUTOVPN_A_KEY_REKEY_PACKETS packets sent (or AUTOVPN_A_KEY_REKEY_SECS) the
 * module multicasts AUTOVPN_EVENT_KEY_REKEY once; at AUTOVPN_A_KEY_LIMIT_PACKETS
 * sent it stops sending with the key, and after AUTOVPN_A_KEY_LIFETIME_SECS
 * it neither sends nor receives with it (AUTOVPN_EVENT_KEY_EXPIRED). Defaults
 * are the AUTOVPN_KEY_DEFAULT_* values below (2^28 packets to rekey, a limit
 * of 2^28 + 2^24 packets, 120 s to rekey, 180 s lifetime; a key given only a
 * smaller limit also gets its rekey threshold lowered to it); smaller values
 * are accepted (tests use them), larger ones are refused. The seconds count
 * from the key's installation (KEY_NEW), also for a key installed as NEXT,
 * not from its swap into CURRENT. There is no timer: the thresholds are
 * checked as packets use the key, so KEY_REKEY comes with the first packet
 * sent or received with the key after its rekey threshold, and a key that
 * passed its lifetime unused is refused (and both events sent) at its next
 * use; an idle key raises no event.
 *
 * Counters
 * --------
 * Peers and paths report packets and bytes; the device and each peer report
 * drops by reason (enum autovpn_drop_reason) in AUTOVPN_A_STATS nests, one
 * u64 attribute per counter, attribute type = counter index.
 *
 * Events
 * ------
 * Notifications (AUTOVPN_CMD_EVENT) are sent to the multicast group
 * AUTOVPN_MCGRP_EVENTS with AUTOVPN_A_EVENT (enum autovpn_event),
 * AUTOVPN_A_IFINDEX, AUTOVPN_A_PEER_ID and, for key events, AUTOVPN_A_KEY_ID.
 *
 * Permissions
 * -----------
 * Every request, reads and dumps included, needs CAP_NET_ADMIN in the user
 * namespace that owns the network namespace of the requesting socket (and so
 * of the device); so does joining AUTOVPN_MCGRP_EVENTS. Root of a container
 * with its own user and network namespaces manages the devices of its
 * namespace; an unprivileged user gets -EPERM.
 *
 * Errors
 * ------
 * Every rejected request carries an extended ack message saying why, and a
 * rejected request changes nothing.
 */
#ifndef _UAPI_LINUX_AUTOVPN_H
#define _UAPI_LINUX_AUTOVPN_H

#include <linux/types.h>

#define AUTOVPN_GENL_NAME "autovpn"
#define AUTOVPN_GENL_VERSION 1
#define AUTOVPN_MCGRP_EVENTS "events"
#define AUTOVPN_LINK_KIND "autovpn"

/* ---- wire format (UDP payload, big-endian) ---- */

enum autovpn_msg_type {
	AUTOVPN_MSG_DATA = 1, /* the only type the kernel consumes */
};

/*
 * DATA: hdr | ciphertext(inner IPv4/IPv6 packet) | 16-byte GCM tag.
 * AAD = the 16-byte header; nonce = (salt with salt[0] ^= path_id) || counter,
 * the counter as 8 bytes big-endian (as in the header).
 * ECN: the outer header carries the inner packet's ECN field (an inner CE as
 * ECT(0)); on receive a CE mark on the outer header is set on the inner
 * packet, and an inner packet that is not ECN-capable under an outer CE
 * mark is dropped (RFC 6040, AUTOVPN_DROP_INNER).
 */
struct autovpn_data_hdr {
	__u8 type;
	__u8 key_id;
	__u8 path_id;
	__u8 reserved; /* 0 */
	__be32 receiver_index;
	__be64 counter;
};

#define AUTOVPN_DATA_HDR_LEN 16
#define AUTOVPN_TAG_LEN 16
#define AUTOVPN_KEY_LEN 32
#define AUTOVPN_SALT_LEN 4
#define AUTOVPN_NONCE_LEN 12

#define AUTOVPN_MAX_UPLINKS 2
#define AUTOVPN_MAX_PATHS 4
#define AUTOVPN_REPLAY_WINDOW 8192
#define AUTOVPN_DEFAULT_MTU 1420
#define AUTOVPN_MAX_PEER_NAME 64

/* Key limits (DESIGN §4): rekey at 120 s or 2^28 packets, reject at 180 s. */
#define AUTOVPN_KEY_DEFAULT_REKEY_PACKETS (1ULL << 28)
#define AUTOVPN_KEY_DEFAULT_LIMIT_PACKETS ((1ULL << 28) + (1ULL << 24))
#define AUTOVPN_KEY_DEFAULT_REKEY_SECS 120
#define AUTOVPN_KEY_DEFAULT_LIFETIME_SECS 180

/* ---- generic netlink ---- */

enum autovpn_cmd {
	AUTOVPN_CMD_UNSPEC,
	AUTOVPN_CMD_DEV_NEW,   /* IFNAME -> creates a device */
	AUTOVPN_CMD_DEV_DEL,   /* IFINDEX|IFNAME */
	AUTOVPN_CMD_DEV_GET,   /* doit: one device; dumpit: all in the netns */
	AUTOVPN_CMD_DEV_SET,   /* UPLINK nests, ACTIVE_ACTIVE */
	AUTOVPN_CMD_PEER_NEW,  /* PEER nest; fails if PEER_ID or RX_INDEX exists */
	AUTOVPN_CMD_PEER_SET,  /* PEER nest; fails if PEER_ID does not exist */
	AUTOVPN_CMD_PEER_DEL,  /* PEER nest with PEER_ID */
	AUTOVPN_CMD_PEER_GET,  /* doit: PEER nest with PEER_ID; dumpit: all, paged */
	AUTOVPN_CMD_KEY_NEW,   /* PEER_ID + KEYCONF nest */
	AUTOVPN_CMD_KEY_SWAP,  /* PEER_ID */
	AUTOVPN_CMD_KEY_DEL,   /* PEER_ID + KEYCONF nest with KEY_SLOT */
	AUTOVPN_CMD_EVENT,     /* multicast notification, never a request */
	__AUTOVPN_CMD_MAX
};
#define AUTOVPN_CMD_MAX (__AUTOVPN_CMD_MAX - 1)

enum autovpn_attr {
	AUTOVPN_A_UNSPEC,
	AUTOVPN_A_IFINDEX,       /* u32 */
	AUTOVPN_A_IFNAME,        /* string */
	AUTOVPN_A_UPLINK,        /* nest autovpn_uplink_attr; repeated */
	AUTOVPN_A_ACTIVE_ACTIVE, /* u8: 1 = spread flows over all up paths */
	AUTOVPN_A_PEER,          /* nest autovpn_peer_attr; repeated in dumps */
	AUTOVPN_A_PEER_ID,       /* u32 (top level, for KEY_* and events) */
	AUTOVPN_A_KEYCONF,       /* nest autovpn_key_attr */
	AUTOVPN_A_STATS,         /* nest of u64, type = enum autovpn_drop_reason */
	AUTOVPN_A_EVENT,         /* u8, enum autovpn_event */
	AUTOVPN_A_KEY_ID,        /* u8 (events) */
	AUTOVPN_A_MTU,           /* u32 (DEV_NEW) */
	AUTOVPN_A_NPEERS,        /* u32 (DEV_GET) */
	AUTOVPN_A_PAD,
	__AUTOVPN_A_MAX
};
#define AUTOVPN_A_MAX (__AUTOVPN_A_MAX - 1)

enum autovpn_uplink_attr {
	AUTOVPN_UPLINK_A_UNSPEC,
	AUTOVPN_UPLINK_A_ID,       /* u8, 0..AUTOVPN_MAX_UPLINKS-1 */
	AUTOVPN_UPLINK_A_FD,       /* u32: bound UDP socket (set); absent = detach */
	AUTOVPN_UPLINK_A_LOCAL,    /* nest autovpn_sockaddr_attr (get) */
	AUTOVPN_UPLINK_A_PAD,
	__AUTOVPN_UPLINK_A_MAX
};
#define AUTOVPN_UPLINK_A_MAX (__AUTOVPN_UPLINK_A_MAX - 1)

/* An IPv4 or IPv6 address with port (endpoints) or prefix length (prefixes). */
enum autovpn_sockaddr_attr {
	AUTOVPN_SA_A_UNSPEC,
	AUTOVPN_SA_A_IPV4, /* be32 */
	AUTOVPN_SA_A_IPV6, /* 16 bytes */
	AUTOVPN_SA_A_PORT, /* be16 (endpoints) */
	__AUTOVPN_SA_A_MAX
};
#define AUTOVPN_SA_A_MAX (__AUTOVPN_SA_A_MAX - 1)

enum autovpn_peer_flags {
	AUTOVPN_PEER_F_REPLACE_ROUTES = 1U << 0,
	AUTOVPN_PEER_F_REPLACE_ALLOWED = 1U << 1,
	AUTOVPN_PEER_F_REPLACE_PATHS = 1U << 2,
	__AUTOVPN_PEER_F_ALL = (1U << 3) - 1,
};

enum autovpn_peer_attr {
	AUTOVPN_PEER_A_UNSPEC,
	AUTOVPN_PEER_A_ID,          /* u32, non-zero */
	AUTOVPN_PEER_A_RX_INDEX,    /* u32, non-zero, unique per device */
	AUTOVPN_PEER_A_TX_INDEX,    /* u32, non-zero */
	AUTOVPN_PEER_A_NAME,        /* string, < AUTOVPN_MAX_PEER_NAME, for humans */
	AUTOVPN_PEER_A_FLAGS,       /* u32, enum autovpn_peer_flags */
	AUTOVPN_PEER_A_ROUTES,      /* nest of AUTOVPN_PEER_A_PREFIX nests */
	AUTOVPN_PEER_A_ALLOWED,     /* nest of AUTOVPN_PEER_A_PREFIX nests */
	AUTOVPN_PEER_A_PATHS,       /* nest of AUTOVPN_PEER_A_PATH nests */
	AUTOVPN_PEER_A_PATH,        /* nest autovpn_path_attr */
	AUTOVPN_PEER_A_PREFIX,      /* nest autovpn_prefix_attr */
	AUTOVPN_PEER_A_KEYS,        /* nest of AUTOVPN_A_KEYCONF nests (get) */
	AUTOVPN_PEER_A_RX_PACKETS,  /* u64 */
	AUTOVPN_PEER_A_RX_BYTES,    /* u64 */
	AUTOVPN_PEER_A_TX_PACKETS,  /* u64 */
	AUTOVPN_PEER_A_TX_BYTES,    /* u64 */
	AUTOVPN_PEER_A_STATS,       /* nest of u64 drop counters, as AUTOVPN_A_STATS */
	AUTOVPN_PEER_A_PAD,
	AUTOVPN_PEER_A_RX_CE_MARKS, /* u64 (get): received packets the module marked
				     * CE, as they waited in its decrypt queues */
	AUTOVPN_PEER_A_TX_CE_MARKS, /* u64 (get): packets sent with the outer header
				     * marked CE, as they waited in the encrypt
				     * queues (module parameter ecn_target_us) */
	__AUTOVPN_PEER_A_MAX
};
#define AUTOVPN_PEER_A_MAX (__AUTOVPN_PEER_A_MAX - 1)

enum autovpn_prefix_flags {
	AUTOVPN_PREFIX_F_REMOVE = 1U << 0,
};

enum autovpn_prefix_attr {
	AUTOVPN_PREFIX_A_UNSPEC,
	AUTOVPN_PREFIX_A_IPV4,  /* be32 */
	AUTOVPN_PREFIX_A_IPV6,  /* 16 bytes */
	AUTOVPN_PREFIX_A_PLEN,  /* u8, <= 32 / 128; host bits must be zero */
	AUTOVPN_PREFIX_A_FLAGS, /* u32, enum autovpn_prefix_flags */
	__AUTOVPN_PREFIX_A_MAX
};
#define AUTOVPN_PREFIX_A_MAX (__AUTOVPN_PREFIX_A_MAX - 1)

enum autovpn_path_state {
	AUTOVPN_PATH_DOWN = 0,
	AUTOVPN_PATH_UP = 1,
};

enum autovpn_path_attr {
	AUTOVPN_PATH_A_UNSPEC,
	AUTOVPN_PATH_A_ID,         /* u8, 0..AUTOVPN_MAX_PATHS-1 */
	AUTOVPN_PATH_A_UPLINK,     /* u8, uplink id */
	AUTOVPN_PATH_A_REMOTE,     /* nest autovpn_sockaddr_attr with PORT */
	AUTOVPN_PATH_A_STATE,      /* u8, enum autovpn_path_state */
	AUTOVPN_PATH_A_PRIORITY,   /* u8, lower = preferred (active-active off) */
	AUTOVPN_PATH_A_CLASS_MASK, /* u32: performance classes this path meets */
	AUTOVPN_PATH_A_REMOVE,     /* flag: delete this path (PEER_SET) */
	AUTOVPN_PATH_A_RX_PACKETS, /* u64 (get) */
	AUTOVPN_PATH_A_RX_BYTES,   /* u64 */
	AUTOVPN_PATH_A_TX_PACKETS, /* u64 */
	AUTOVPN_PATH_A_TX_BYTES,   /* u64 */
	AUTOVPN_PATH_A_PAD,
	__AUTOVPN_PATH_A_MAX
};
#define AUTOVPN_PATH_A_MAX (__AUTOVPN_PATH_A_MAX - 1)

enum autovpn_key_slot {
	AUTOVPN_KEY_SLOT_CURRENT = 0, /* transmit + receive */
	AUTOVPN_KEY_SLOT_PREVIOUS = 1, /* receive only */
	AUTOVPN_KEY_SLOT_NEXT = 2,     /* receive only, until KEY_SWAP */
	__AUTOVPN_KEY_SLOT_MAX
};

enum autovpn_key_attr {
	AUTOVPN_KEY_A_UNSPEC,
	AUTOVPN_KEY_A_SLOT,          /* u8, enum autovpn_key_slot */
	AUTOVPN_KEY_A_ID,            /* u8 */
	AUTOVPN_KEY_A_ENCRYPT_KEY,   /* 32 bytes */
	AUTOVPN_KEY_A_ENCRYPT_SALT,  /* 4 bytes */
	AUTOVPN_KEY_A_DECRYPT_KEY,   /* 32 bytes */
	AUTOVPN_KEY_A_DECRYPT_SALT,  /* 4 bytes */
	AUTOVPN_KEY_A_REKEY_PACKETS, /* u64, optional */
	AUTOVPN_KEY_A_LIMIT_PACKETS, /* u64, optional */
	AUTOVPN_KEY_A_REKEY_SECS,    /* u32, optional */
	AUTOVPN_KEY_A_LIFETIME_SECS, /* u32, optional */
	AUTOVPN_KEY_A_AGE_SECS,      /* u32 (get) */
	AUTOVPN_KEY_A_TX_PACKETS,    /* u64 (get): packets sent with this key */
	AUTOVPN_KEY_A_PAD,
	__AUTOVPN_KEY_A_MAX
};
#define AUTOVPN_KEY_A_MAX (__AUTOVPN_KEY_A_MAX - 1)

/* Drop counters, reported in AUTOVPN_A_STATS / AUTOVPN_PEER_A_STATS. */
enum autovpn_drop_reason {
	AUTOVPN_DROP_UNSPEC,
	AUTOVPN_DROP_MALFORMED,   /* truncated or bad header */
	AUTOVPN_DROP_NO_PEER,     /* unknown receiver index, or the peer was
				   * removed while the packet was queued */
	AUTOVPN_DROP_NO_KEY,      /* unknown key id, or key expired */
	AUTOVPN_DROP_AUTH,        /* AEAD tag mismatch */
	AUTOVPN_DROP_REPLAY,      /* counter replayed or too old */
	AUTOVPN_DROP_SOURCE,      /* inner source not in the peer's allowed sources */
	AUTOVPN_DROP_INNER,       /* decrypted payload is not IPv4/IPv6, or not
				   * ECN-capable in an outer packet marked CE
				   * (RFC 6040) */
	AUTOVPN_DROP_NO_ROUTE,    /* transmit: no route to a peer */
	AUTOVPN_DROP_NO_PATH,     /* transmit: no UP path, no socket or no
				   * transmit index */
	AUTOVPN_DROP_KEY_LIMIT,   /* transmit: no usable current key */
	AUTOVPN_DROP_TOO_BIG,     /* transmit: larger than the MTU (ICMP sent) */
	AUTOVPN_DROP_NOMEM,
	AUTOVPN_DROP_XMIT,        /* transmit: routing or UDP send failed */
	AUTOVPN_DROP_PATH,        /* DATA on a path id not configured for its peer */
	AUTOVPN_DROP_TX_BUSY,     /* transmit: the encrypt queues were full (more
				   * packets than the CPUs can encrypt) */
	AUTOVPN_DROP_RX_BUSY,     /* the decrypt queues were full */
	AUTOVPN_DROP_TX_CONGESTION, /* the encrypt side's CoDel dropped a
				     * Not-ECT packet (aqm_drop) */
	AUTOVPN_DROP_RX_CONGESTION, /* the decrypt side's CoDel dropped a
				     * Not-ECT packet (aqm_drop) */
	__AUTOVPN_DROP_MAX
};
#define AUTOVPN_DROP_MAX (__AUTOVPN_DROP_MAX - 1)

enum autovpn_event {
	AUTOVPN_EVENT_UNSPEC,
	AUTOVPN_EVENT_KEY_REKEY,   /* key reached its rekey threshold: rotate */
	AUTOVPN_EVENT_KEY_EXPIRED, /* key reached a hard limit and is unusable */
	__AUTOVPN_EVENT_MAX
};

#endif /* _UAPI_LINUX_AUTOVPN_H */
