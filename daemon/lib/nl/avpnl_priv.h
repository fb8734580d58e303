/* SPDX-License-Identifier: GPL-2.0 */
/*
 * avpnl_priv.h - what the avpnl*.c files share: the handle, the
 * request/reply machinery and the attribute helpers (all in avpnl.c). Not
 * for use outside daemon/lib/nl.
 */
#ifndef AVPN_NL_AVPNL_PRIV_H
#define AVPN_NL_AVPNL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "base/endpoint.h"
#include "nl/avpnl.h"
#include "nl/avpnl_key.h"

struct avpnl {
	struct nl_sock *sk;
	int family;
	bool has_msg;
	char msg[256];
};

/* The message avpnl_errmsg() returns until the next request. */
void avpnl_set_msg(struct avpnl *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A local (libnl) failure: sets "@what: <libnl's words>", returns -errno. */
int avpnl_local_err(struct avpnl *h, int nlerr, const char *what);

/* Called for each data message of a reply; a non-zero return is kept. */
typedef int (*avpnl_valid_fn)(struct avpnl *h, struct nlmsghdr *nlh, void *arg);

/*
 * A new request of @cmd (@size 0: libnl's default), NULL after setting the
 * message if it cannot be allocated.
 */
struct nl_msg *avpnl_req_new(struct avpnl *h, uint8_t cmd, int flags, size_t size);
/*
 * Sends @msg (consumed, wiped: it may hold keys) and reads until the
 * kernel's ack, error or NLMSG_DONE, handing data messages to @valid.
 * Returns the kernel's -errno, else the first error of @valid, else 0.
 */
int avpnl_transact(struct avpnl *h, struct nl_msg *msg, avpnl_valid_fn valid, void *arg);
/* Frees @msg after a failed nla_put: -EMSGSIZE. */
int avpnl_put_failed(struct avpnl *h, struct nl_msg *msg);

/* Opens a nest (strict genl policies insist on NLA_F_NESTED): 0 or -EMSGSIZE. */
int avpnl_nest_open(struct nl_msg *msg, int type, struct nlattr **nest);
/* A struct autovpn_sockaddr nest (AUTOVPN_SA_A_*): 0 or -EMSGSIZE. */
int avpnl_put_sockaddr(struct nl_msg *msg, int type, const struct endpoint *ep);

/* Attribute readers: lengths checked; false if @a is NULL or too short. */
bool avpnl_get_u8(const struct nlattr *a, uint8_t *v);
bool avpnl_get_u32(const struct nlattr *a, uint32_t *v);
bool avpnl_get_u64(const struct nlattr *a, uint64_t *v);
int avpnl_parse_nested(struct nlattr **tb, int max, const struct nlattr *nest);
/* An AUTOVPN_SA_A_* nest into @ep: 0 or -EINVAL. */
int avpnl_parse_sockaddr(const struct nlattr *nest, struct endpoint *ep);
/* A drop-counter nest into drops[] (index = enum autovpn_drop_reason). */
void avpnl_parse_drops(const struct nlattr *nest, uint64_t drops[__AUTOVPN_DROP_MAX]);

/* avpnl_key.c: one key nest of a PEER_GET reply into @k; 0 or -EINVAL. */
int avpnl_key_parse(const struct nlattr *nest, struct avpnl_key *k);

#endif /* AVPN_NL_AVPNL_PRIV_H */
