// SPDX-License-Identifier: GPL-2.0
/*
 * setreq.c - `autovpn set` grammar (see setreq.h and docs/tools.md).
 *
 * Keywords of `set` are matched exactly: the path and key clauses end at the
 * first word they do not know, so abbreviations would make "r" mean
 * different things depending on the clause. Objects and verbs (main.c,
 * link.c) take unique prefixes.
 */
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parse.h"
#include "datakey.h"
#include "setreq.h"
#include "word.h"

struct parser {
	int argc, i;
	char *const *argv;
	char *err;
	size_t errlen;
	struct setreq *req;
	char ctx[48]; /* "peer 7: " prefix for messages, or "" */
};

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parser *p, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	n = (size_t)snprintf(p->err, p->errlen, "%s", p->ctx);
	if (n >= p->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool more(const struct parser *p)
{
	return p->i < p->argc;
}

static const char *peek(const struct parser *p)
{
	return more(p) ? p->argv[p->i] : NULL;
}

/* The value after keyword @word, or an error. */
static int value(struct parser *p, const char *word, const char **out)
{
	if (!more(p))
		return fail(p, "'%s' needs a value", word);
	*out = p->argv[p->i++];
	return 0;
}

static int num(struct parser *p, const char *word, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *s = NULL;
	int r;

	r = value(p, word, &s);
	if (r)
		return r;
	r = parse_u64(s, min, max, out);
	if (r == -ERANGE)
		return fail(p, "%s '%s' is out of range (%llu-%llu)", word, s,
			    (unsigned long long)min, (unsigned long long)max);
	if (r)
		return fail(p, "%s '%s' is not a number", word, s);
	return 0;
}

static int once(struct parser *p, bool *seen, const char *word)
{
	if (*seen)
		return fail(p, "'%s' given twice", word);
	*seen = true;
	return 0;
}

/* ---- device words ---- */

static int parse_on_off(struct parser *p, const char *word, bool *out)
{
	const char *s = NULL;
	int r = value(p, word, &s);

	if (r)
		return r;
	if (!strcmp(s, "on"))
		*out = true;
	else if (!strcmp(s, "off"))
		*out = false;
	else
		return fail(p, "%s takes 'on' or 'off', not '%s'", word, s);
	return 0;
}

static int parse_uplink(struct parser *p)
{
	struct setreq *req = p->req;
	struct setreq_uplink *u;
	const char *s = NULL, *why = NULL;
	uint64_t id;
	size_t k;
	int r;

	r = num(p, "uplink", 0, AUTOVPN_MAX_UPLINKS - 1, &id);
	if (r)
		return r;
	for (k = 0; k < req->n_uplinks; k++)
		if (req->uplinks[k].id == id)
			return fail(p, "uplink %llu given twice", (unsigned long long)id);
	u = &req->uplinks[req->n_uplinks];
	memset(u, 0, sizeof(*u));
	u->id = (uint8_t)id;
	if (!more(p))
		return fail(p, "uplink %u needs 'bind IP:PORT' or 'none'", u->id);
	s = p->argv[p->i++];
	if (!strcmp(s, "none")) {
		u->detach = true;
	} else if (!strcmp(s, "bind")) {
		r = value(p, "bind", &s);
		if (r)
			return r;
		if (endpoint_parse(s, &u->bind, &why))
			return fail(p, "uplink %u: bad bind address '%s': %s", u->id, s, why);
		if (peek(p) && !strcmp(peek(p), "dev")) {
			p->i++;
			r = value(p, "dev", &s);
			if (r)
				return r;
			if (!*s || strlen(s) >= IF_NAMESIZE)
				return fail(p, "uplink %u: bad device name '%s'", u->id, s);
			snprintf(u->dev, sizeof(u->dev), "%s", s);
		}
	} else {
		return fail(p, "uplink %u needs 'bind IP:PORT' or 'none', not '%s'", u->id, s);
	}
	req->n_uplinks++;
	return 0;
}

/* ---- peer blocks ---- */

static int parse_list(struct parser *p, struct avpnl_peer *peer, bool routes)
{
	const char *word = routes ? "routes" : "allowed";
	const char *s = NULL, *item, *comma, *why = NULL;
	struct prefix pfx;
	char buf[PREFIX_STRLEN + 1];
	size_t len;
	bool remove;
	int r;

	r = value(p, word, &s);
	if (r)
		return r;
	/* "routes" alone with nothing would be a typo; REPLACE with no list clears. */
	for (item = s;; item = comma + 1) {
		comma = strchr(item, ',');
		len = comma ? (size_t)(comma - item) : strlen(item);
		remove = len && item[0] == '-';
		if (remove) {
			item++;
			len--;
		}
		if (!len)
			return fail(p, "%s: empty prefix in '%s'", word, s);
		if (len >= sizeof(buf))
			return fail(p, "%s: bad prefix '%.*s'", word, (int)len, item);
		memcpy(buf, item, len);
		buf[len] = '\0';
		if (prefix_parse(buf, &pfx, &why))
			return fail(p, "%s: bad prefix '%s': %s", word, buf, why);
		r = routes ? avpnl_peer_add_route(peer, &pfx, remove) :
			     avpnl_peer_add_allowed(peer, &pfx, remove);
		if (r) {
			snprintf(p->err, p->errlen, "out of memory");
			return r;
		}
		if (!comma)
			break;
	}
	return 0;
}

static int parse_path(struct parser *p, struct avpnl_peer *peer)
{
	struct avpnl_peer_path *pa;
	const char *s = NULL, *why = NULL;
	uint64_t v;
	size_t k;
	int r;

	r = num(p, "path", 0, AUTOVPN_MAX_PATHS - 1, &v);
	if (r)
		return r;
	for (k = 0; k < peer->n_paths; k++)
		if (peer->paths[k].id == v)
			return fail(p, "path %llu given twice", (unsigned long long)v);
	pa = &peer->paths[peer->n_paths];
	memset(pa, 0, sizeof(*pa));
	pa->id = (uint8_t)v;
	while (more(p)) {
		s = peek(p);
		if (!strcmp(s, "uplink")) {
			p->i++;
			if (pa->set & AVPNL_PEER_PATH_UPLINK)
				return fail(p, "path %u: 'uplink' given twice", pa->id);
			r = num(p, "uplink", 0, AUTOVPN_MAX_UPLINKS - 1, &v);
			if (r)
				return r;
			pa->uplink = (uint8_t)v;
			pa->set |= AVPNL_PEER_PATH_UPLINK;
		} else if (!strcmp(s, "endpoint")) {
			p->i++;
			if (pa->set & AVPNL_PEER_PATH_REMOTE)
				return fail(p, "path %u: 'endpoint' given twice", pa->id);
			r = value(p, "endpoint", &s);
			if (r)
				return r;
			if (endpoint_parse(s, &pa->remote, &why))
				return fail(p, "path %u: bad endpoint '%s': %s", pa->id, s, why);
			pa->set |= AVPNL_PEER_PATH_REMOTE;
		} else if (!strcmp(s, "state")) {
			p->i++;
			if (pa->set & AVPNL_PEER_PATH_STATE)
				return fail(p, "path %u: 'state' given twice", pa->id);
			r = value(p, "state", &s);
			if (r)
				return r;
			if (!strcmp(s, "up"))
				pa->state = AUTOVPN_PATH_UP;
			else if (!strcmp(s, "down"))
				pa->state = AUTOVPN_PATH_DOWN;
			else
				return fail(p, "path %u: state is 'up' or 'down', not '%s'", pa->id,
					    s);
			pa->set |= AVPNL_PEER_PATH_STATE;
		} else if (!strcmp(s, "priority")) {
			p->i++;
			if (pa->set & AVPNL_PEER_PATH_PRIORITY)
				return fail(p, "path %u: 'priority' given twice", pa->id);
			r = num(p, "priority", 0, UINT8_MAX, &v);
			if (r)
				return r;
			pa->priority = (uint8_t)v;
			pa->set |= AVPNL_PEER_PATH_PRIORITY;
		} else if (!strcmp(s, "class-mask")) {
			p->i++;
			if (pa->set & AVPNL_PEER_PATH_CLASS_MASK)
				return fail(p, "path %u: 'class-mask' given twice", pa->id);
			r = num(p, "class-mask", 0, UINT32_MAX, &v);
			if (r)
				return r;
			pa->class_mask = (uint32_t)v;
			pa->set |= AVPNL_PEER_PATH_CLASS_MASK;
		} else if (!strcmp(s, "remove")) {
			p->i++;
			pa->remove = true;
		} else {
			break;
		}
	}
	if (pa->remove && pa->set)
		return fail(p, "path %u: 'remove' takes no other settings", pa->id);
	if (!pa->remove && !pa->set)
		return fail(p,
			    "path %u: nothing to set (uplink, endpoint, state, priority, "
			    "class-mask or remove)",
			    pa->id);
	peer->n_paths++;
	return 0;
}

static int parse_slot(struct parser *p, const char *word, uint8_t *slot)
{
	const char *s = NULL;
	int r = value(p, word, &s);

	if (r)
		return r;
	if (!strcmp(s, "current"))
		*slot = AUTOVPN_KEY_SLOT_CURRENT;
	else if (!strcmp(s, "previous"))
		*slot = AUTOVPN_KEY_SLOT_PREVIOUS;
	else if (!strcmp(s, "next"))
		*slot = AUTOVPN_KEY_SLOT_NEXT;
	else
		return fail(p, "%s: slot is current, previous or next, not '%s'", word, s);
	return 0;
}

static struct setreq_key_op *new_op(struct parser *p, struct setreq_peer *sp,
				    enum setreq_key_op_type t)
{
	struct setreq_key_op *op;

	if (sp->n_ops >= SETREQ_MAX_KEY_OPS) {
		fail(p, "too many key operations (at most %d)", SETREQ_MAX_KEY_OPS);
		return NULL;
	}
	op = &sp->ops[sp->n_ops++];
	memset(op, 0, sizeof(*op));
	op->type = t;
	return op;
}

static int parse_key(struct parser *p, struct setreq_peer *sp)
{
	struct setreq_key_op *op;
	bool seen_id = false;
	const char *s = NULL, *slot;
	uint64_t v;
	int r;

	op = new_op(p, sp, SETREQ_KEY_NEW);
	if (!op)
		return -EINVAL;
	r = parse_slot(p, "key", &op->key.slot);
	if (r)
		return r;
	slot = avpnl_key_slot_name(op->key.slot);
	while (more(p)) {
		s = peek(p);
		if (!strcmp(s, "id")) {
			p->i++;
			r = once(p, &seen_id, "id");
			if (!r)
				r = num(p, "id", 0, UINT8_MAX, &v);
			if (r)
				return r;
			op->key.id = (uint8_t)v;
		} else if (!strcmp(s, "tx") || !strcmp(s, "rx")) {
			const char **path = s[0] == 't' ? &op->tx_path : &op->rx_path;

			p->i++;
			if (*path)
				return fail(p, "key %s: '%s' given twice", slot, s);
			r = value(p, s, path);
			if (r)
				return r;
			if (!**path)
				return fail(p, "key %s: empty %s file name", slot, s);
		} else if (!strcmp(s, "rekey-packets") || !strcmp(s, "limit-packets")) {
			bool rekey = s[0] == 'r';
			unsigned int bit = rekey ? AVPNL_KEY_REKEY_PACKETS :
						   AVPNL_KEY_LIMIT_PACKETS;

			p->i++;
			if (op->key.set & bit)
				return fail(p, "key %s: '%s' given twice", slot, s);
			r = num(p, s, 1, UINT64_MAX, &v);
			if (r)
				return r;
			if (rekey)
				op->key.rekey_packets = v;
			else
				op->key.limit_packets = v;
			op->key.set |= bit;
		} else if (!strcmp(s, "rekey-secs") || !strcmp(s, "lifetime-secs")) {
			bool rekey = s[0] == 'r';
			unsigned int bit = rekey ? AVPNL_KEY_REKEY_SECS : AVPNL_KEY_LIFETIME_SECS;

			p->i++;
			if (op->key.set & bit)
				return fail(p, "key %s: '%s' given twice", slot, s);
			r = num(p, s, 1, UINT32_MAX, &v);
			if (r)
				return r;
			if (rekey)
				op->key.rekey_secs = (uint32_t)v;
			else
				op->key.lifetime_secs = (uint32_t)v;
			op->key.set |= bit;
		} else {
			break;
		}
	}
	if (!seen_id)
		return fail(p, "key %s: missing 'id KID'", slot);
	if (!op->tx_path)
		return fail(p, "key %s: missing 'tx FILE'", slot);
	if (!op->rx_path)
		return fail(p, "key %s: missing 'rx FILE'", slot);
	return 0;
}

static int finish_peer(struct parser *p, struct setreq_peer *sp)
{
	struct avpnl_peer *pe = &sp->peer;
	size_t k;

	sp->has_settings = (pe->set & (AVPNL_PEER_RX_INDEX | AVPNL_PEER_TX_INDEX | AVPNL_PEER_NAME |
				       AVPNL_PEER_ROUTES | AVPNL_PEER_ALLOWED)) ||
			   pe->flags || pe->n_paths;
	if (sp->remove && (sp->has_settings || sp->n_ops))
		return fail(p, "'remove' cannot be combined with other peer settings");
	/* A replaced set is exactly the list: "-PREFIX" has no meaning there. */
	if (pe->flags & AUTOVPN_PEER_F_REPLACE_ROUTES)
		for (k = 0; k < pe->n_routes; k++)
			if (pe->routes[k].remove)
				return fail(p, "'-PREFIX' cannot be used with replace-routes");
	if (pe->flags & AUTOVPN_PEER_F_REPLACE_ALLOWED)
		for (k = 0; k < pe->n_allowed; k++)
			if (pe->allowed[k].remove)
				return fail(p, "'-PREFIX' cannot be used with replace-allowed");
	return 0;
}

static int start_peer(struct parser *p, struct setreq_peer **out)
{
	struct setreq *req = p->req;
	struct setreq_peer *np;
	uint64_t id;
	size_t k;
	int r;

	p->ctx[0] = '\0';
	r = num(p, "peer", 1, UINT32_MAX, &id);
	if (r)
		return r;
	for (k = 0; k < req->n_peers; k++)
		if (req->peers[k].peer.id == id)
			return fail(p, "peer %llu given twice", (unsigned long long)id);
	np = realloc(req->peers, (req->n_peers + 1) * sizeof(*np));
	if (!np) {
		snprintf(p->err, p->errlen, "out of memory");
		return -ENOMEM;
	}
	req->peers = np;
	*out = &np[req->n_peers++];
	memset(*out, 0, sizeof(**out));
	(*out)->peer.id = (uint32_t)id;
	snprintf(p->ctx, sizeof(p->ctx), "peer %u: ", (*out)->peer.id);
	return 0;
}

static int parse_peer_word(struct parser *p, struct setreq_peer *sp, const char *w)
{
	struct avpnl_peer *pe = &sp->peer;
	struct setreq_key_op *op;
	const char *s = NULL;
	uint64_t v;
	int r;

	if (!strcmp(w, "name")) {
		if (pe->set & AVPNL_PEER_NAME)
			return fail(p, "'name' given twice");
		r = value(p, w, &s);
		if (r)
			return r;
		if (!*s || strlen(s) >= AUTOVPN_MAX_PEER_NAME)
			return fail(p, "name must be 1-%d characters", AUTOVPN_MAX_PEER_NAME - 1);
		snprintf(pe->name, sizeof(pe->name), "%s", s);
		pe->set |= AVPNL_PEER_NAME;
	} else if (!strcmp(w, "rx-index")) {
		if (pe->set & AVPNL_PEER_RX_INDEX)
			return fail(p, "'rx-index' given twice");
		r = num(p, w, 1, UINT32_MAX, &v);
		if (r)
			return r;
		pe->rx_index = (uint32_t)v;
		pe->set |= AVPNL_PEER_RX_INDEX;
	} else if (!strcmp(w, "tx-index")) {
		if (pe->set & AVPNL_PEER_TX_INDEX)
			return fail(p, "'tx-index' given twice");
		/* 0 is no index: the kernel refuses it too. */
		r = num(p, w, 1, UINT32_MAX, &v);
		if (r)
			return r;
		pe->tx_index = (uint32_t)v;
		pe->set |= AVPNL_PEER_TX_INDEX;
	} else if (!strcmp(w, "remove")) {
		sp->remove = true;
	} else if (!strcmp(w, "routes") || !strcmp(w, "allowed")) {
		return parse_list(p, pe, w[0] == 'r');
	} else if (!strcmp(w, "replace-routes")) {
		pe->flags |= AUTOVPN_PEER_F_REPLACE_ROUTES;
		pe->set |= AVPNL_PEER_ROUTES; /* sent even if empty: clears */
	} else if (!strcmp(w, "replace-allowed")) {
		pe->flags |= AUTOVPN_PEER_F_REPLACE_ALLOWED;
		pe->set |= AVPNL_PEER_ALLOWED;
	} else if (!strcmp(w, "path")) {
		return parse_path(p, pe);
	} else if (!strcmp(w, "key")) {
		return parse_key(p, sp);
	} else if (!strcmp(w, "key-swap")) {
		return new_op(p, sp, SETREQ_KEY_SWAP) ? 0 : -EINVAL;
	} else if (!strcmp(w, "key-del")) {
		op = new_op(p, sp, SETREQ_KEY_DEL);
		if (!op)
			return -EINVAL;
		return parse_slot(p, "key-del", &op->key.slot);
	} else if (!strcmp(w, "uplink") || !strcmp(w, "active-active")) {
		return fail(p, "'%s' must come before the first peer", w);
	} else {
		return fail(p, "unknown word '%s'", w);
	}
	return 0;
}

int setreq_parse(int argc, char *const *argv, struct setreq *req, char *err, size_t errlen)
{
	struct parser p = { .argc = argc, .argv = argv, .err = err, .errlen = errlen, .req = req };
	struct setreq_peer *sp = NULL;
	const char *w;
	bool seen_aa = false;
	int r;

	memset(req, 0, sizeof(*req));
	if (argc < 1 || !argv[0][0])
		return fail(&p, "missing interface name");
	if (strlen(argv[0]) >= IF_NAMESIZE || strchr(argv[0], '/'))
		return fail(&p, "bad interface name '%s'", argv[0]);
	req->ifname = argv[0];
	p.i = 1;
	if (!more(&p))
		return fail(&p, "nothing to set (see 'autovpn set --help')");
	while (more(&p)) {
		w = p.argv[p.i++];
		if (!strcmp(w, "peer")) {
			if (sp) {
				r = finish_peer(&p, sp);
				if (r)
					return r;
			}
			r = start_peer(&p, &sp);
		} else if (sp) {
			r = parse_peer_word(&p, sp, w);
		} else if (!strcmp(w, "active-active")) {
			r = once(&p, &seen_aa, w);
			if (!r)
				r = parse_on_off(&p, w, &req->active_active);
			req->set_active_active = true;
		} else if (!strcmp(w, "uplink")) {
			r = parse_uplink(&p);
		} else {
			r = fail(&p, "unknown word '%s'", w);
		}
		if (r)
			return r;
	}
	if (sp)
		return finish_peer(&p, sp);
	return 0;
}

static int load_one(const struct setreq_peer *sp, const struct setreq_key_op *op, const char *dir,
		    const char *path, uint8_t key[AUTOVPN_KEY_LEN], uint8_t salt[AUTOVPN_SALT_LEN],
		    char *err, size_t errlen)
{
	uint8_t buf[DATAKEY_LEN];
	char why[256];
	int r;

	r = datakey_read_file(path, buf, why, sizeof(why));
	if (r == -ENOENT && datakey_looks_like_key(path)) {
		snprintf(err, errlen,
			 "peer %u: key %s: %s takes a key file, not a key: secrets are never "
			 "accepted on the command line",
			 sp->peer.id, avpnl_key_slot_name(op->key.slot), dir);
		return -EINVAL;
	}
	if (r) {
		snprintf(err, errlen, "peer %u: key %s: %s: %s", sp->peer.id,
			 avpnl_key_slot_name(op->key.slot), dir, why);
		return r;
	}
	memcpy(key, buf, AUTOVPN_KEY_LEN);
	memcpy(salt, buf + AUTOVPN_KEY_LEN, AUTOVPN_SALT_LEN);
	sodium_memzero(buf, sizeof(buf));
	return 0;
}

int setreq_load_keys(struct setreq *req, char *err, size_t errlen)
{
	size_t i, k;
	int r;

	for (i = 0; i < req->n_peers; i++) {
		struct setreq_peer *sp = &req->peers[i];

		for (k = 0; k < sp->n_ops; k++) {
			struct setreq_key_op *op = &sp->ops[k];

			if (op->type != SETREQ_KEY_NEW)
				continue;
			r = load_one(sp, op, "tx", op->tx_path, op->key.enc_key, op->key.enc_salt,
				     err, errlen);
			if (!r)
				r = load_one(sp, op, "rx", op->rx_path, op->key.dec_key,
					     op->key.dec_salt, err, errlen);
			if (r)
				return r;
			/*
			 * Both gateways encrypt with their tx key from counter 0:
			 * one key for both directions would repeat nonces.
			 */
			if (!sodium_memcmp(op->key.enc_key, op->key.dec_key, AUTOVPN_KEY_LEN)) {
				snprintf(err, errlen,
					 "peer %u: key %s: tx and rx must be different keys "
					 "(one key in both directions repeats nonces)",
					 sp->peer.id, avpnl_key_slot_name(op->key.slot));
				return -EINVAL;
			}
		}
	}
	return 0;
}

void setreq_free(struct setreq *req)
{
	size_t i, k;

	for (i = 0; i < req->n_peers; i++) {
		for (k = 0; k < req->peers[i].n_ops; k++)
			avpnl_key_wipe(&req->peers[i].ops[k].key);
		avpnl_peer_clear(&req->peers[i].peer);
	}
	free(req->peers);
	memset(req, 0, sizeof(*req));
}
