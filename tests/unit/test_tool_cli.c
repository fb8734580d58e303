// SPDX-License-Identifier: GPL-2.0
/*
 * test_tool_cli.c - the `autovpn` tool's pure parts: `set` argument
 * parsing (setreq.c), DATA key files (datakey.c, setreq_load_keys) and word
 * matching (word.c), linked from build/libtool.a and run by `make
 * check-tool` (numbers: test_parse.c).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datakey.h"
#include "setreq.h"
#include "word.h"

/* ---- helpers ---- */

#define MAXARGS 128

/* Splits @cmd on spaces (test commands have no quoting) and parses it. */
static int parse(const char *cmd, struct setreq *req, char *err, size_t errlen)
{
	static char buf[2048];
	char *argv[MAXARGS], *save = NULL, *t;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", cmd);
	for (t = strtok_r(buf, " ", &save); t && argc < MAXARGS; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	return setreq_parse(argc, argv, req, err, errlen);
}

/* Asserts that @cmd is refused with a message containing @needle. */
static void refused(const char *cmd, const char *needle)
{
	struct setreq req;
	char err[512] = "";
	int r = parse(cmd, &req, err, sizeof(err));

	setreq_free(&req);
	ck_assert_msg(r < 0, "accepted: %s", cmd);
	ck_assert_msg(strstr(err, needle), "'%s': message '%s' lacks '%s'", cmd, err, needle);
}

static void accepted(const char *cmd, struct setreq *req)
{
	char err[512] = "";
	int r = parse(cmd, req, err, sizeof(err));

	ck_assert_msg(r == 0, "refused: %s: %s", cmd, err);
}

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/avpn-tool-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Writes @text into tmpdir/@name with @mode; returns the path (static). */
static const char *write_file(const char *name, const char *text, mode_t mode)
{
	static char path[4][256];
	static int slot;
	char *p = path[slot++ % 4];
	int fd;

	snprintf(p, 256, "%s/%s", tmpdir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return p;
}

/* 36 bytes 0x00..0x23 and 0x40..0x63, base64. */
#define KEY_A "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIj"
#define KEY_B "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl9gYWJj"

/* ---- words ---- */

START_TEST(test_word_match)
{
	static const char *const w[] = { "show", "set", "link", "genkey", "monitor" };

	ck_assert_int_eq(word_match("show", w, 5), 0);
	ck_assert_int_eq(word_match("sh", w, 5), 0);
	ck_assert_int_eq(word_match("se", w, 5), 1);
	ck_assert_int_eq(word_match("s", w, 5), WORD_AMBIGUOUS);
	ck_assert_int_eq(word_match("l", w, 5), 2);
	ck_assert_int_eq(word_match("showx", w, 5), WORD_UNKNOWN);
	ck_assert_int_eq(word_match("", w, 5), WORD_UNKNOWN);
	ck_assert_int_eq(word_match("x", w, 5), WORD_UNKNOWN);
}
END_TEST

/* ---- set: the full grammar ---- */

START_TEST(test_set_full)
{
	struct setreq req;
	const struct setreq_peer *sp;
	const struct avpnl_peer_path *pa;
	char buf[PREFIX_STRLEN];

	accepted("av0 active-active on uplink 0 bind 10.0.0.1:40000 dev eth1 "
		 "uplink 1 bind [fd00::1]:40001 "
		 "peer 7 name b rx-index 11 tx-index 22 routes 10.2.0.0/24,fd02::/64,-10.9.0.0/16 "
		 "allowed 10.2.0.0/24 "
		 "path 0 uplink 0 endpoint 192.0.2.2:40000 state up priority 3 class-mask 0x5 "
		 "path 1 uplink 1 endpoint [2001:db8::2]:9 state down "
		 "key next id 2 tx /k/tx rx /k/rx rekey-packets 1000 limit-packets 2000 "
		 "rekey-secs 60 lifetime-secs 90 key-swap key-del previous "
		 "peer 8 remove",
		 &req);
	ck_assert_str_eq(req.ifname, "av0");
	ck_assert(req.set_active_active && req.active_active);
	ck_assert_uint_eq(req.n_uplinks, 2);
	ck_assert_uint_eq(req.uplinks[0].id, 0);
	ck_assert_uint_eq(req.uplinks[0].bind.port, 40000);
	ck_assert_int_eq(req.uplinks[0].bind.addr.family, AF_INET);
	ck_assert_str_eq(req.uplinks[0].dev, "eth1");
	ck_assert_uint_eq(req.uplinks[1].id, 1);
	ck_assert_int_eq(req.uplinks[1].bind.addr.family, AF_INET6);
	ck_assert_str_eq(req.uplinks[1].dev, "");

	ck_assert_uint_eq(req.n_peers, 2);
	sp = &req.peers[0];
	ck_assert_uint_eq(sp->peer.id, 7);
	ck_assert(sp->has_settings && !sp->remove);
	ck_assert_str_eq(sp->peer.name, "b");
	ck_assert_uint_eq(sp->peer.rx_index, 11);
	ck_assert_uint_eq(sp->peer.tx_index, 22);
	ck_assert_uint_eq(sp->peer.n_routes, 3);
	ck_assert_str_eq(prefix_format(&sp->peer.routes[1].prefix, buf, sizeof(buf)), "fd02::/64");
	ck_assert(!sp->peer.routes[0].remove && sp->peer.routes[2].remove);
	ck_assert_str_eq(prefix_format(&sp->peer.routes[2].prefix, buf, sizeof(buf)),
			 "10.9.0.0/16");
	ck_assert_uint_eq(sp->peer.n_allowed, 1);
	ck_assert_uint_eq(sp->peer.flags, 0);

	ck_assert_uint_eq(sp->peer.n_paths, 2);
	pa = &sp->peer.paths[0];
	ck_assert_uint_eq(pa->id, 0);
	ck_assert_uint_eq(pa->set, AVPNL_PEER_PATH_UPLINK | AVPNL_PEER_PATH_REMOTE |
					   AVPNL_PEER_PATH_STATE | AVPNL_PEER_PATH_PRIORITY |
					   AVPNL_PEER_PATH_CLASS_MASK);
	ck_assert_uint_eq(pa->state, AUTOVPN_PATH_UP);
	ck_assert_uint_eq(pa->priority, 3);
	ck_assert_uint_eq(pa->class_mask, 5);
	ck_assert_uint_eq(pa->remote.port, 40000);
	pa = &sp->peer.paths[1];
	ck_assert_uint_eq(pa->uplink, 1);
	ck_assert_uint_eq(pa->state, AUTOVPN_PATH_DOWN);
	ck_assert_int_eq(pa->remote.addr.family, AF_INET6);
	ck_assert_uint_eq(pa->remote.port, 9);

	ck_assert_uint_eq(sp->n_ops, 3);
	ck_assert_int_eq(sp->ops[0].type, SETREQ_KEY_NEW);
	ck_assert_uint_eq(sp->ops[0].key.slot, AUTOVPN_KEY_SLOT_NEXT);
	ck_assert_uint_eq(sp->ops[0].key.id, 2);
	ck_assert_str_eq(sp->ops[0].tx_path, "/k/tx");
	ck_assert_str_eq(sp->ops[0].rx_path, "/k/rx");
	ck_assert_uint_eq(sp->ops[0].key.rekey_packets, 1000);
	ck_assert_uint_eq(sp->ops[0].key.limit_packets, 2000);
	ck_assert_uint_eq(sp->ops[0].key.rekey_secs, 60);
	ck_assert_uint_eq(sp->ops[0].key.lifetime_secs, 90);
	ck_assert_uint_eq(sp->ops[0].key.set, AVPNL_KEY_REKEY_PACKETS | AVPNL_KEY_LIMIT_PACKETS |
						      AVPNL_KEY_REKEY_SECS |
						      AVPNL_KEY_LIFETIME_SECS);
	ck_assert_int_eq(sp->ops[1].type, SETREQ_KEY_SWAP);
	ck_assert_int_eq(sp->ops[2].type, SETREQ_KEY_DEL);
	ck_assert_uint_eq(sp->ops[2].key.slot, AUTOVPN_KEY_SLOT_PREVIOUS);

	sp = &req.peers[1];
	ck_assert_uint_eq(sp->peer.id, 8);
	ck_assert(sp->remove && !sp->has_settings && !sp->n_ops);
	setreq_free(&req);
}
END_TEST

START_TEST(test_set_small_forms)
{
	struct setreq req;

	/* Only a key swap for an existing peer: nothing for PEER_SET. */
	accepted("av0 peer 1 key-swap", &req);
	ck_assert(!req.peers[0].has_settings);
	ck_assert_uint_eq(req.peers[0].n_ops, 1);
	setreq_free(&req);

	accepted("av0 active-active off", &req);
	ck_assert(req.set_active_active && !req.active_active);
	ck_assert_uint_eq(req.n_peers, 0);
	setreq_free(&req);

	accepted("av0 uplink 1 none", &req);
	ck_assert(req.uplinks[0].detach);
	ck_assert_uint_eq(req.uplinks[0].id, 1);
	setreq_free(&req);

	/* replace-routes alone: the ROUTES nest is sent empty, clearing the set. */
	accepted("av0 peer 3 replace-routes", &req);
	ck_assert_uint_eq(req.peers[0].peer.flags, AUTOVPN_PEER_F_REPLACE_ROUTES);
	ck_assert(req.peers[0].peer.set & AVPNL_PEER_ROUTES);
	ck_assert_uint_eq(req.peers[0].peer.n_routes, 0);
	ck_assert(req.peers[0].has_settings);
	setreq_free(&req);

	accepted("av0 peer 3 allowed 0.0.0.0/0,::/0 replace-allowed", &req);
	ck_assert_uint_eq(req.peers[0].peer.flags, AUTOVPN_PEER_F_REPLACE_ALLOWED);
	ck_assert_uint_eq(req.peers[0].peer.n_allowed, 2);
	setreq_free(&req);

	/* A path state change alone (failover by hand), and a path removal. */
	accepted("av0 peer 3 path 2 state down path 3 remove", &req);
	ck_assert_uint_eq(req.peers[0].peer.paths[0].set, AVPNL_PEER_PATH_STATE);
	ck_assert(req.peers[0].peer.paths[1].remove);
	ck_assert_uint_eq(req.peers[0].peer.paths[1].set, 0);
	setreq_free(&req);

	/* A path clause ends at the first word it does not know. */
	accepted("av0 peer 3 path 0 uplink 1 endpoint 1.2.3.4:5 name x rx-index 9", &req);
	ck_assert_str_eq(req.peers[0].peer.name, "x");
	ck_assert_uint_eq(req.peers[0].peer.rx_index, 9);
	setreq_free(&req);

	/* Several peers; the smallest tx-index, maximum ids. */
	accepted("av0 peer 4294967295 tx-index 1 peer 1 rx-index 4294967295", &req);
	ck_assert_uint_eq(req.n_peers, 2);
	ck_assert_uint_eq(req.peers[0].peer.id, UINT32_MAX);
	ck_assert(req.peers[0].peer.set & AVPNL_PEER_TX_INDEX);
	setreq_free(&req);

	/* Name of the maximum length (63). */
	accepted("av0 peer 1 name "
		 "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc",
		 &req);
	setreq_free(&req);
}
END_TEST

START_TEST(test_set_endpoints)
{
	refused("av0 uplink 0 bind fd00::1:40000", "brackets");
	refused("av0 uplink 0 bind 10.0.0.1", "port");
	refused("av0 uplink 0 bind 10.0.0.1:0", "port");
	refused("av0 uplink 0 bind 10.0.0.1:65536", "port");
	refused("av0 uplink 0 bind [10.0.0.1]:1", "brackets");
	refused("av0 uplink 0 bind host.example:1", "bad bind address");
	refused("av0 uplink 0 bind", "needs a value");
	refused("av0 uplink 0", "needs 'bind IP:PORT' or 'none'");
	refused("av0 uplink 0 connect 1.2.3.4:5", "not 'connect'");
	refused("av0 uplink 0 bind 1.2.3.4:5 dev", "needs a value");
	refused("av0 uplink 0 bind 1.2.3.4:5 dev abcdefghijklmnopq", "bad device name");
	refused("av0 uplink 2 none", "out of range");
	refused("av0 uplink 0 none uplink 0 none", "given twice");
	refused("av0 peer 1 path 0 endpoint fd00::1", "bad endpoint");
	refused("av0 peer 1 path 0 endpoint [fd00::1]", "bad endpoint");
	refused("av0 peer 1 path 0 endpoint [fd00::1]:70000", "out of range");
}
END_TEST

START_TEST(test_set_prefixes)
{
	refused("av0 peer 1 routes 10.0.0.1/24", "host bits");
	refused("av0 peer 1 routes 10.0.0.0", "bad prefix");
	refused("av0 peer 1 routes 10.0.0.0/33", "bad prefix");
	refused("av0 peer 1 routes fd00::/129", "bad prefix");
	refused("av0 peer 1 routes 10.0.0.0/8,,10.1.0.0/16", "empty prefix");
	refused("av0 peer 1 routes 10.0.0.0/8,", "empty prefix");
	refused("av0 peer 1 routes -", "empty prefix");
	refused("av0 peer 1 allowed nonsense", "bad prefix");
	refused("av0 peer 1 routes", "needs a value");
	refused("av0 peer 1 routes -10.0.0.0/8 replace-routes", "replace-routes");
	refused("av0 peer 1 replace-allowed allowed -10.0.0.0/8", "replace-allowed");
}
END_TEST

START_TEST(test_set_numbers)
{
	refused("av0 peer 0", "out of range");
	refused("av0 peer -1", "not a number");
	refused("av0 peer x", "not a number");
	refused("av0 peer 4294967296", "out of range");
	refused("av0 peer 1 rx-index 0", "out of range");
	refused("av0 peer 1 rx-index 1x", "not a number");
	refused("av0 peer 1 tx-index 99999999999", "out of range");
	refused("av0 peer 1 tx-index 0", "out of range (1-4294967295)");
	refused("av0 peer 1 path 4 state up", "out of range");
	refused("av0 peer 1 path 0 uplink 2", "out of range");
	refused("av0 peer 1 path 0 priority 256", "out of range");
	refused("av0 peer 1 path 0 class-mask 0x100000000", "out of range");
	refused("av0 peer 1 key next id 256 tx a rx b", "out of range");
	refused("av0 peer 1 key next id 1 tx a rx b rekey-packets 0", "out of range");
	refused("av0 peer 1 key next id 1 tx a rx b lifetime-secs 4294967296", "out of range");
	refused("av0 peer 1 key next id one tx a rx b", "not a number");
}
END_TEST

START_TEST(test_set_words)
{
	refused("", "missing interface name");
	refused("av0", "nothing to set");
	refused("abcdefghijklmnopq peer 1", "bad interface name");
	refused("a/b peer 1", "bad interface name");
	refused("av0 frobnicate", "unknown word 'frobnicate'");
	refused("av0 peer 1 frobnicate", "peer 1: unknown word 'frobnicate'");
	refused("av0 peer 1 name b uplink 0 none", "must come before the first peer");
	refused("av0 peer 1 active-active on", "must come before the first peer");
	refused("av0 active-active maybe", "'on' or 'off'");
	refused("av0 active-active on active-active off", "given twice");
	refused("av0 active-active", "needs a value");
	refused("av0 peer", "needs a value");
	refused("av0 peer 1 name", "needs a value");
	refused("av0 peer 1 name "
		"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd",
		"1-63");
	refused("av0 peer 1 name a name b", "given twice");
	refused("av0 peer 1 rx-index 1 rx-index 2", "given twice");
	refused("av0 peer 1 peer 1", "peer 1 given twice");
	refused("av0 peer 1 remove name b", "cannot be combined");
	refused("av0 peer 1 key-swap remove", "cannot be combined");
	refused("av0 peer 1 path 0", "nothing to set");
	refused("av0 peer 1 path 0 name x", "nothing to set");
	refused("av0 peer 1 path 0 state up remove", "takes no other settings");
	refused("av0 peer 1 path 0 state sideways", "'up' or 'down'");
	refused("av0 peer 1 path 0 state up path 0 state down", "path 0 given twice");
	refused("av0 peer 1 path 0 state up state down", "given twice");
	refused("av0 peer 1 path", "needs a value");
}
END_TEST

START_TEST(test_set_keys)
{
	struct setreq req;
	char many[1024];
	int i, n;

	refused("av0 peer 1 key", "needs a value");
	refused("av0 peer 1 key later id 1 tx a rx b", "current, previous or next");
	refused("av0 peer 1 key next tx a rx b", "missing 'id KID'");
	refused("av0 peer 1 key next id 1 rx b", "missing 'tx FILE'");
	refused("av0 peer 1 key next id 1 tx a", "missing 'rx FILE'");
	refused("av0 peer 1 key next id 1 tx a tx b rx c", "'tx' given twice");
	refused("av0 peer 1 key next id 1 id 2 tx a rx c", "'id' given twice");
	refused("av0 peer 1 key next id 1 tx a rx c rekey-secs 5 rekey-secs 6", "given twice");
	refused("av0 peer 1 key-del", "needs a value");
	refused("av0 peer 1 key-del all", "current, previous or next");

	/* Keys of every slot, then swap, in command-line order. */
	accepted("av0 peer 1 key current id 1 tx a rx b key previous id 0 tx c rx d "
		 "key next id 2 tx e rx f key-swap key-del previous",
		 &req);
	ck_assert_uint_eq(req.peers[0].n_ops, 5);
	ck_assert_uint_eq(req.peers[0].ops[0].key.slot, AUTOVPN_KEY_SLOT_CURRENT);
	ck_assert_uint_eq(req.peers[0].ops[1].key.slot, AUTOVPN_KEY_SLOT_PREVIOUS);
	ck_assert_uint_eq(req.peers[0].ops[2].key.slot, AUTOVPN_KEY_SLOT_NEXT);
	ck_assert_int_eq(req.peers[0].ops[3].type, SETREQ_KEY_SWAP);
	ck_assert_int_eq(req.peers[0].ops[4].type, SETREQ_KEY_DEL);
	ck_assert_uint_eq(req.peers[0].ops[0].key.set, 0);
	setreq_free(&req);

	/* At most SETREQ_MAX_KEY_OPS key operations per peer. */
	n = snprintf(many, sizeof(many), "av0 peer 1");
	for (i = 0; i <= SETREQ_MAX_KEY_OPS; i++)
		n += snprintf(many + n, sizeof(many) - (size_t)n, " key-swap");
	refused(many, "too many key operations");
}
END_TEST

/* ---- key files ---- */

START_TEST(test_datakey_read)
{
	uint8_t k[DATAKEY_LEN];
	char err[256];
	const char *p;
	int i;

	make_tmpdir();
	p = write_file("a", KEY_A "\n", 0600);
	ck_assert_int_eq(datakey_read_file(p, k, err, sizeof(err)), 0);
	for (i = 0; i < DATAKEY_LEN; i++)
		ck_assert_uint_eq(k[i], i);

	/* Surrounding whitespace is fine; 0400 is fine. */
	p = write_file("b", "  \n" KEY_B "  \n\n", 0400);
	ck_assert_int_eq(datakey_read_file(p, k, err, sizeof(err)), 0);
	ck_assert_uint_eq(k[0], 0x40);

	p = write_file("open", KEY_A "\n", 0644);
	ck_assert_int_eq(datakey_read_file(p, k, err, sizeof(err)), -EPERM);
	ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
	ck_assert_ptr_null(strstr(err, KEY_A));

	p = write_file("short", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", 0600);
	ck_assert_int_eq(datakey_read_file(p, k, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not a DATA key"));
	ck_assert_ptr_null(strstr(err, "AAECAw")); /* never echoed */

	p = write_file("two", KEY_A "\n" KEY_B "\n", 0600);
	ck_assert_int_eq(datakey_read_file(p, k, err, sizeof(err)), -EINVAL);

	p = write_file("bad", "!!ECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIj", 0600);
	ck_assert_int_eq(datakey_read_file(p, k, err, sizeof(err)), -EINVAL);

	p = write_file("empty", "", 0600);
	ck_assert_int_eq(datakey_read_file(p, k, err, sizeof(err)), -EINVAL);

	ck_assert_int_eq(datakey_read_file(tmpdir, k, err, sizeof(err)), -EISDIR);
	ck_assert_int_eq(datakey_read_file("/nonexistent/x", k, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x"));
	remove_tmpdir();
}
END_TEST

/* `tx <(command)`: a pipe is read (short reads included), not mode-checked. */
START_TEST(test_datakey_pipe)
{
	uint8_t k[DATAKEY_LEN];
	char err[256], path[64];
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], KEY_B, 20), 20);
	ck_assert_int_eq(write(fds[1], KEY_B + 20, strlen(KEY_B) - 20),
			 (ssize_t)strlen(KEY_B) - 20);
	ck_assert_int_eq(write(fds[1], "\n", 1), 1);
	close(fds[1]);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[0]);
	ck_assert_int_eq(datakey_read_file(path, k, err, sizeof(err)), 0);
	ck_assert_uint_eq(k[0], 0x40);
	ck_assert_uint_eq(k[35], 0x63);
	close(fds[0]);
}
END_TEST

START_TEST(test_datakey_looks_like_key)
{
	ck_assert(datakey_looks_like_key(KEY_A));
	ck_assert(datakey_looks_like_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="));
	ck_assert(!datakey_looks_like_key("/etc/autovpn/tx.key"));
	ck_assert(!datakey_looks_like_key("tx"));
}
END_TEST

START_TEST(test_datakey_base64_roundtrip)
{
	uint8_t k[DATAKEY_LEN], k2[DATAKEY_LEN];
	char b64[DATAKEY_B64_LEN + 1], err[256], text[64];
	const char *p;
	int i;

	for (i = 0; i < DATAKEY_LEN; i++)
		k[i] = (uint8_t)(i * 7 + 3);
	datakey_to_base64(b64, k);
	ck_assert_uint_eq(strlen(b64), DATAKEY_B64_LEN);
	make_tmpdir();
	snprintf(text, sizeof(text), "%s\n", b64);
	p = write_file("rt", text, 0600);
	ck_assert_int_eq(datakey_read_file(p, k2, err, sizeof(err)), 0);
	ck_assert_mem_eq(k, k2, DATAKEY_LEN);
	remove_tmpdir();
}
END_TEST

/* ---- set_load_keys ---- */

static int load(const char *cmd, char *err, size_t errlen, struct setreq *req)
{
	int r = parse(cmd, req, err, errlen);

	ck_assert_msg(r == 0, "refused: %s: %s", cmd, err);
	return setreq_load_keys(req, err, errlen);
}

START_TEST(test_load_keys)
{
	struct setreq req;
	char cmd[512], err[512];
	const char *a, *b, *open_file;
	const struct avpnl_key *k;

	make_tmpdir();
	a = write_file("a", KEY_A "\n", 0600);
	b = write_file("b", KEY_B "\n", 0600);

	snprintf(cmd, sizeof(cmd), "av0 peer 1 key next id 5 tx %s rx %s", a, b);
	ck_assert_int_eq(load(cmd, err, sizeof(err), &req), 0);
	k = &req.peers[0].ops[0].key;
	ck_assert_uint_eq(k->enc_key[0], 0x00);
	ck_assert_uint_eq(k->enc_key[31], 0x1f);
	ck_assert_uint_eq(k->enc_salt[0], 0x20);
	ck_assert_uint_eq(k->enc_salt[3], 0x23);
	ck_assert_uint_eq(k->dec_key[0], 0x40);
	ck_assert_uint_eq(k->dec_salt[3], 0x63);
	setreq_free(&req);

	/* A key on the command line is refused, and not echoed back. */
	snprintf(cmd, sizeof(cmd), "av0 peer 1 key next id 5 tx " KEY_A " rx %s", b);
	ck_assert_int_eq(load(cmd, err, sizeof(err), &req), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "never accepted on the command line"));
	ck_assert_ptr_null(strstr(err, KEY_A));
	setreq_free(&req);

	snprintf(cmd, sizeof(cmd), "av0 peer 1 key next id 5 tx %s rx " KEY_B, a);
	ck_assert_int_eq(load(cmd, err, sizeof(err), &req), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "rx takes a key file"));
	setreq_free(&req);

	/* tx must be a readable file. */
	snprintf(cmd, sizeof(cmd), "av0 peer 1 key next id 5 tx %s/missing rx %s", tmpdir, b);
	ck_assert_int_eq(load(cmd, err, sizeof(err), &req), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "peer 1: key next: tx: key file"));
	setreq_free(&req);

	open_file = write_file("open", KEY_B "\n", 0644);
	snprintf(cmd, sizeof(cmd), "av0 peer 1 key current id 5 tx %s rx %s", a, open_file);
	ck_assert_int_eq(load(cmd, err, sizeof(err), &req), -EPERM);
	ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
	setreq_free(&req);

	/* One key for both directions would repeat nonces. */
	snprintf(cmd, sizeof(cmd), "av0 peer 1 key next id 5 tx %s rx %s", a, a);
	ck_assert_int_eq(load(cmd, err, sizeof(err), &req), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "different keys"));
	setreq_free(&req);

	/* set_req_free wipes loaded keys. */
	snprintf(cmd, sizeof(cmd), "av0 peer 1 key next id 5 tx %s rx %s", b, a);
	ck_assert_int_eq(load(cmd, err, sizeof(err), &req), 0);
	setreq_free(&req);
	ck_assert_ptr_null(req.peers);
	ck_assert_uint_eq(req.n_peers, 0);
	remove_tmpdir();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tool_cli_parse");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_word_match);
	tcase_add_test(tc, test_set_full);
	tcase_add_test(tc, test_set_small_forms);
	tcase_add_test(tc, test_set_endpoints);
	tcase_add_test(tc, test_set_prefixes);
	tcase_add_test(tc, test_set_numbers);
	tcase_add_test(tc, test_set_words);
	tcase_add_test(tc, test_set_keys);
	tcase_add_test(tc, test_datakey_read);
	tcase_add_test(tc, test_datakey_pipe);
	tcase_add_test(tc, test_datakey_looks_like_key);
	tcase_add_test(tc, test_datakey_base64_roundtrip);
	tcase_add_test(tc, test_load_keys);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
