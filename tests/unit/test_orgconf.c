// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the org config parser (daemon/lib/conf/orgconf*.c).
 *
 * Error fixtures live in tests/unit/data/orgconf/; each error test lists
 * every message the fixture must produce, as (line, text), in order, and
 * nothing else. Small cases are parsed from strings with
 * orgconf_load_buffer() under the name "t.conf".
 */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "conf/orgconf.h"
#include "conf/topology.h"

#define DATA "tests/unit/data/orgconf/"
#define K1 "L1fcnhfoFvBcAyV8CeojCLfS/tPNAOFH1xpXeJQrSE0="
#define K2 "TSdXZiM0kKl65Zq8dckrSjGfO+30VRnAgI4fkRjmwFs="
#define K6 "DtkFn34kb6Tvq65xu4olhA5rbmRtN5wOY+R6Qh+yTUM="
#define ORG "[organization]\nname = T\nregistry-private-key = r.key\npsk-secret = " K6 "\n"
#define HUB "[network \"H\"]\npublic-key = " K1 "\nmode = hub\n" /* lines 5-7 */

struct expect {
	unsigned int line; /* 0: file-level message "file: text" */
	const char *text;  /* must appear in the message */
};

static void dump(const struct errlist *e)
{
	errlist_print(e, stderr);
}

/* Loads @path and checks it fails with exactly the @n expected messages. */
static void expect_errors(const char *path, const char *buf, const struct expect *x, size_t n)
{
	struct errlist e = ERRLIST_INIT;
	struct orgconf *cfg = (struct orgconf *)1;
	size_t i;
	int r;

	if (buf)
		r = orgconf_load_buffer(path, buf, strlen(buf), ORGCONF_SKIP_FILES, &cfg, &e);
	else
		r = orgconf_load(path, ORGCONF_SKIP_FILES, &cfg, &e);
	if (e.n != n)
		dump(&e);
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(e.n, n);
	ck_assert_uint_eq(errlist_count(&e), n);
	for (i = 0; i < n; i++) {
		char prefix[256];

		if (x[i].line)
			snprintf(prefix, sizeof(prefix), "%s:%u: ", path, x[i].line);
		else
			snprintf(prefix, sizeof(prefix), "%s: ", path);
		ck_assert_msg(!strncmp(e.msgs[i], prefix, strlen(prefix)) &&
				      strstr(e.msgs[i] + strlen(prefix), x[i].text),
			      "message %zu is '%s', expected '%s%s...'", i, e.msgs[i], prefix,
			      x[i].text);
	}
	errlist_free(&e);
}

#define EXPECT_FILE(name, ...)                                                  \
	do {                                                                    \
		static const struct expect x_[] = { __VA_ARGS__ };              \
		expect_errors(DATA name, NULL, x_, sizeof(x_) / sizeof(x_[0])); \
	} while (0)
#define EXPECT_STR(text, ...)                                                  \
	do {                                                                   \
		static const struct expect x_[] = { __VA_ARGS__ };             \
		expect_errors("t.conf", text, x_, sizeof(x_) / sizeof(x_[0])); \
	} while (0)

static struct orgconf *load_ok(const char *path, const char *buf, size_t len, unsigned int flags)
{
	struct errlist e = ERRLIST_INIT;
	struct orgconf *cfg = NULL;
	int r;

	if (buf)
		r = orgconf_load_buffer(path, buf, len, flags, &cfg, &e);
	else
		r = orgconf_load(path, flags, &cfg, &e);
	if (r)
		dump(&e);
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(errlist_count(&e), 0);
	ck_assert_ptr_nonnull(cfg);
	errlist_free(&e);
	return cfg;
}

static struct orgconf *load_str_ok(const char *text)
{
	return load_ok("t.conf", text, strlen(text), ORGCONF_SKIP_FILES);
}

START_TEST(err_syntax)
{
	EXPECT_FILE("syntax.conf", { 2, "'stray' outside of any section" },
		    { 3, "syntax error: section header without ']'" },
		    { 4, "syntax error: text after section header" },
		    { 7, "syntax error: expected 'key = value'" },
		    { 9, "syntax error: expected 'key = value'" },
		    { 10, "syntax error: missing key before '='" });
}
END_TEST

START_TEST(err_unknown_key)
{
	EXPECT_FILE("unknown_key.conf", { 5, "unknown key 'colour' in [organization]" },
		    { 9, "unknown key 'max-bandwidth' in [performance-class]" },
		    { 14, "unknown key 'hubs' in [network]" }, { 16, "unknown section [routing]" });
}
END_TEST

START_TEST(err_bad_values)
{
	EXPECT_FILE("bad_values.conf",
		    { 5, "bad endpoint '127.0.0.1' for status-listen: missing :port" },
		    { 6, "bad peer-purge-time '3 hours'" }, { 9, "bad max-latency 'fast'" },
		    { 10, "bad max-loss '150%'" }, { 11, "bad max-jitter '-1'" },
		    { 15, "bad mode 'mesh': expected off, hub or spoke" },
		    { 16, "bad active-active 'maybe'" },
		    { 17, "bad CIDR '10.0.0.1/24': host bits set" },
		    { 18, "use-vpn must be 'yes' or 'no', not 'maybe'" },
		    { 19, "bad CIDR '10.2.0.0/33': prefix length too long" },
		    { 20, "bad endpoint '203.0.113.1:0': port out of range" },
		    { 21, "flow-preference: bad dport '99999'" },
		    { 22, "flow-preference: bad uplink 'wan3'" },
		    { 25, "bad key for 'public-key'" },
		    { 27, "bad endpoint '[fd00::1]': missing :port" },
		    { 28, "flow-preference: nothing to prefer" });
}
END_TEST

START_TEST(err_missing)
{
	EXPECT_FILE("missing.conf", { 1, "[organization]: missing required key 'name'" },
		    { 1, "[organization]: missing required key 'psk-secret-file'" },
		    { 4, "performance class \"Empty\" sets no limit" },
		    { 6, "network \"No mode\": missing required key 'mode'" },
		    { 9, "network \"No key\": missing required key 'public-key'" },
		    { 12, "spoke \"Lonely spoke\" has no hub" });
	EXPECT_FILE("missing_org.conf", { 0, "missing [organization] section" });
	EXPECT_STR("", { 0, "missing [organization] section" });
	EXPECT_STR("[organization]\nname = x\npsk-secret = " K6 "\n",
		   { 1, "missing required key 'registry-private-key'" });
}
END_TEST

START_TEST(err_references)
{
	EXPECT_FILE("refs.conf", { 9, "exit hub \"Spoke C\" is not a hub (its mode is spoke)" },
		    { 10, "hub \"Hub A\" lists itself as an exit hub" },
		    { 11, "unknown exit hub \"Nowhere\"" }, { 12, "'hub' entries are for spokes" },
		    { 18, "exit hub \"Hub A\" listed twice (first at line 17)" },
		    { 24, "spoke \"Spoke C\" lists itself as a hub" },
		    { 25, "hub \"Spoke D\" is not a hub (its mode is spoke)" },
		    { 26, "unknown hub \"Hub Z\"" },
		    { 27, "unknown hub \"Hub B default-route\" (to add default-route, quote" },
		    { 28, "hub \"Hub A\" listed twice (first at line 23)" },
		    { 29, "'exit-hub' is for hubs" }, { 30, "unknown performance class \"Gold\"" },
		    { 36, "hub \"Dormant\" is not a hub (its mode is off)" },
		    { 41, "unknown hub \"Ghost\"" });
}
END_TEST

START_TEST(err_duplicates)
{
	EXPECT_FILE(
		"dups.conf", { 3, "duplicate key 'name' (first at line 2)" },
		{ 10, "duplicate key 'mode' (first at line 9)" },
		{ 13, "subnet 10.9.0.0/24 listed twice (first at line 12)" },
		{ 18,
		  "exported subnet 10.0.5.0/24 overlaps 10.0.0.0/16 exported by network \"A\" (line "
		  "11)" },
		{ 22, "duplicate network name \"A\" (first at line 7)" },
		{ 27, "duplicate public key: already used by network \"A\" (line 8)" },
		{ 29,
		  "duplicate exported subnet 10.1.0.0/16: also exported by network \"B\" (line 19)" },
		{ 31,
		  "exported subnet 10.0.0.0/8 overlaps 10.0.0.0/16 exported by network \"A\" (line 11)" },
		{ 31, "overlaps 10.0.5.0/24 exported by network \"B\" (line 18)" },
		{ 31, "overlaps 10.1.0.0/16 exported by network \"B\" (line 19)" },
		{ 31, "overlaps 10.9.0.0/24 exported by network \"A\" (line 12)" },
		{ 35, "duplicate performance class \"X\" (first at line 33)" });
}
END_TEST

START_TEST(err_lines)
{
	/* bytes inih could mis-handle are reported by the line reader */
	static const char nul[] = ORG "[network \"H\"]\npublic-key = " K1 "\nmode = h\0ub\n";
	struct errlist e = ERRLIST_INIT;
	struct orgconf *cfg;
	char *big;
	size_t i;

	ck_assert_int_eq(orgconf_load_buffer("t.conf", nul, sizeof(nul) - 1, ORGCONF_SKIP_FILES,
					     &cfg, &e),
			 -EINVAL);
	ck_assert_uint_eq(e.n, 2);
	ck_assert_str_eq(e.msgs[0], "t.conf:5: network \"H\": missing required key 'mode'");
	ck_assert_str_eq(e.msgs[1], "t.conf:7: NUL byte in line");
	errlist_free(&e);

	EXPECT_STR(ORG HUB "subnet = 10.0.0.0/8\x01 yes\n", { 8, "control character in line" });

	big = malloc(1024);
	strcpy(big, ORG HUB "subnet = \"");
	for (i = 0; i < 250; i++)
		strcat(big, "x");
	strcat(big, "\" 10.0.0.0/8 yes\n");
	EXPECT_STR(big, { 8, "line too long (max 198 characters)" });
	free(big);

	EXPECT_STR(ORG HUB "subnet = 10.0.0.0/8 yes\npublic-key = " K2 "\n",
		   { 9, "duplicate key 'public-key' (first at line 6)" });
	EXPECT_STR(ORG "[network]\n[network \"\"]\n[network \"x\" y]\n[organization]\n",
		   { 5, "[network] needs a name" }, { 6, "bad section name: empty name" },
		   { 7, "bad section name: text after the name" },
		   { 8, "duplicate [organization] section (first at line 1)" });
	EXPECT_STR(ORG "psk-secret-file = s\n", { 5, "give either psk-secret or psk-secret-file" });
	EXPECT_STR("[organization]\nname = x\nregistry-private-key = r\npsk-secret = AAAA\n",
		   { 4, "bad key for 'psk-secret'" });
	EXPECT_STR("[organization]\nname = x\nregistry-private-key = r\n"
		   "psk-secret = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		   { 4, "bad key for 'psk-secret': all-zero key" });
}
END_TEST

/*
 * Issue 9 #15: names travel to the gateways (63-byte field) and a gateway
 * names its kernel peers after networks (63 bytes there too): longer names,
 * and names that are not UTF-8, are refused with file:line instead of being
 * cut on the wire, in the middle of a character.
 */
START_TEST(err_name_limits)
{
	static const char euro[] = "\xe2\x82\xac"; /* 3 bytes */
	char name[200], buf[1024];
	struct orgconf *cfg;
	int i;

	memset(name, 'n', 64);
	name[64] = 0;
	snprintf(buf, sizeof(buf), ORG "[network \"%s\"]\nmode = off\n", name);
	EXPECT_STR(buf, { 5, "name too long: 64 bytes (at most 63)" });
	name[63] = 0;
	snprintf(buf, sizeof(buf), ORG "[network \"%s\"]\nmode = off\n", name);
	cfg = load_str_ok(buf);
	ck_assert_uint_eq(strlen(cfg->networks[0].name), 63);
	orgconf_free(cfg);
	/* 21 characters of 3 bytes fit, 22 do not: bytes count, not characters. */
	name[0] = 0;
	for (i = 0; i < 21; i++)
		strcat(name, euro);
	snprintf(buf, sizeof(buf), ORG "[network \"%s\"]\nmode = off\n", name);
	cfg = load_str_ok(buf);
	ck_assert_str_eq(cfg->networks[0].name, name);
	orgconf_free(cfg);
	strcat(name, euro);
	snprintf(buf, sizeof(buf),
		 ORG "[network \"%s\"]\nmode = off\n[performance-class \"%s\"]\nmax-loss = 1\n",
		 name, name);
	EXPECT_STR(buf, { 5, "name too long: 66 bytes (at most 63)" },
		   { 7, "name too long: 66 bytes (at most 63)" });
	/* Not UTF-8: a cut character, a lone continuation byte, an overlong form. */
	EXPECT_STR(ORG "[network \"ab\xe2\x82\"]\nmode = off\n"
		       "[network \"\x80x\"]\nmode = off\n"
		       "[network \"\xc0\xafx\"]\nmode = off\n",
		   { 5, "not valid UTF-8" }, { 7, "not valid UTF-8" }, { 9, "not valid UTF-8" });
	/* Subnet names and the organization's name follow the same rule. */
	memset(name, 's', 64);
	name[64] = 0;
	snprintf(buf, sizeof(buf), ORG HUB "subnet = \"%s\" 10.0.0.0/8 yes\n", name);
	EXPECT_STR(buf, { 8, "name too long: 64 bytes (at most 63)" });
}
END_TEST

/*
 * Issue 9 #18: every low-order X25519 public key (libsodium refuses them
 * in crypto_box_beforenm, so the registry could never talk to the gateway)
 * is refused at load, not only the all-zero one; also with the unused top
 * bit set.
 */
START_TEST(err_low_order_keys)
{
	static const uint8_t low[][32] = {
		{ 0 },
		{ 1 },
		{ 0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3,
		  0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32,
		  0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00 },
		{ 0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1,
		  0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c,
		  0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57 },
		{ 0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
		{ 0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
		{ 0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
	};
	char b64[KEY_B64_SIZE], buf[512];
	uint8_t k[32];

	for (size_t i = 0; i < sizeof(low) / sizeof(low[0]); i++) {
		for (int top = !i; top < 2; top++) { /* all-zero itself: err_values */
			memcpy(k, low[i], 32);
			k[31] |= (uint8_t)(top << 7);
			key_to_base64(b64, k);
			snprintf(buf, sizeof(buf),
				 ORG "[network \"H\"]\npublic-key = %s\nmode = hub\n", b64);
			EXPECT_STR(buf, { 6, "low-order point" });
		}
	}
}
END_TEST

/* Exit hubs that form a loop would send internet traffic round and round. */
START_TEST(err_exit_hub_loops)
{
	struct orgconf *cfg;

	EXPECT_STR(ORG "[network \"A\"]\npublic-key = " K1 "\nmode = hub\nexit-hub = B\n"
		       "[network \"B\"]\npublic-key = " K2 "\nmode = hub\nexit-hub = A\n",
		   { 12, "exit hubs form a loop: \"A\" -> \"B\" -> \"A\"" });
	EXPECT_STR(ORG "[network \"A\"]\npublic-key = " K1 "\nmode = hub\nexit-hub = B\n"
		       "[network \"B\"]\npublic-key = " K2 "\nmode = hub\nexit-hub = C\n"
		       "[network \"C\"]\npublic-key = " K6 "\nmode = hub\nexit-hub = A\n",
		   { 16, "exit hubs form a loop: \"A\" -> \"B\" -> \"C\" -> \"A\"" });
	/* A chain is fine: A's internet traffic leaves through B's, through C. */
	cfg = load_str_ok(ORG "[network \"A\"]\npublic-key = " K1 "\nmode = hub\nexit-hub = B\n"
			      "exit-hub = C\n[network \"B\"]\npublic-key = " K2
			      "\nmode = hub\nexit-hub = C\n"
			      "[network \"C\"]\npublic-key = " K6 "\nmode = hub\n");
	orgconf_free(cfg);
}
END_TEST

START_TEST(err_flow_preferences)
{
	EXPECT_STR(ORG HUB "flow-preference = dport=80 uplink=wan1\n"
			   "flow-preference = proto=udp src=10.0.0.0/8 dst=fd00::/8 uplink=wan1\n"
			   "flow-preference = proto=udp proto=tcp uplink=wan1\n"
			   "flow-preference = color=red uplink=wan1\n"
			   "flow-preference = uplink wan1\n"
			   "flow-preference = dscp=64 uplink=wan2\n"
			   "flow-preference = class=\"Video uplink=wan2\n"
			   "flow-preference = dst=10.1.1.1/8 uplink=wan2\n"
			   "flow-preference = proto=0 uplink=wan2\n",
		   { 8, "ports need proto=tcp, udp or sctp" },
		   { 9, "src and dst are of different IP versions" },
		   { 10, "field 'proto' given twice" }, { 11, "unknown field 'color'" },
		   { 12, "expected field=value, got 'uplink'" }, { 13, "bad dscp '64'" },
		   { 14, "missing closing '\"'" }, { 15, "bad dst '10.1.1.1/8': host bits set" },
		   { 16, "bad proto '0'" });
}
END_TEST

START_TEST(err_collects_bounded)
{
	struct errlist e = ERRLIST_INIT;
	struct orgconf *cfg;
	char *buf = malloc(600 * 8 + 200), *p;
	int i;

	p = buf + sprintf(buf, "%s", ORG);
	for (i = 0; i < 600; i++)
		p += sprintf(p, "bogus\n");
	ck_assert_int_eq(orgconf_load_buffer("t.conf", buf, strlen(buf), ORGCONF_SKIP_FILES, &cfg,
					     &e),
			 -EINVAL);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(errlist_count(&e), 600);
	ck_assert_uint_eq(e.n, ERRLIST_MAX + 1); /* bounded */
	ck_assert_str_eq(e.msgs[0], "t.conf:5: syntax error: expected 'key = value'");
	ck_assert_str_eq(e.msgs[ERRLIST_MAX - 1],
			 "t.conf:104: syntax error: expected 'key = value'");
	ck_assert_ptr_nonnull(strstr(e.msgs[ERRLIST_MAX], "too many errors"));
	errlist_free(&e);
	free(buf);
}
END_TEST

START_TEST(good_minimal)
{
	struct orgconf *cfg = load_ok(DATA "good_minimal.conf", NULL, 0, ORGCONF_SKIP_FILES);
	const struct orgconf_network *hq, *br;
	char ep[ENDPOINT_STRLEN];
	uint8_t k[32];

	ck_assert_str_eq(cfg->name, "Minimal");
	ck_assert_str_eq(cfg->registry_key_path, DATA "registry.key");
	ck_assert(!cfg->keys_loaded);
	ck_assert_str_eq(endpoint_format(&cfg->status_listen, ep, sizeof(ep)),
			 ORGCONF_DEFAULT_STATUS_LISTEN);
	ck_assert_uint_eq(cfg->peer_purge_secs, 3 * 3600);
	ck_assert_uint_eq(cfg->n_networks, 2);
	hq = orgconf_find_network(cfg, "HQ");
	br = orgconf_find_network(cfg, "Branch");
	ck_assert_ptr_eq(hq, &cfg->networks[0]);
	ck_assert_ptr_eq(br, &cfg->networks[1]);
	ck_assert_ptr_null(orgconf_find_network(cfg, "hq"));
	ck_assert_int_eq(hq->mode, ORGCONF_MODE_HUB);
	ck_assert_int_eq(br->mode, ORGCONF_MODE_SPOKE);
	ck_assert_uint_eq(br->n_hubs, 1);
	ck_assert_uint_eq(br->hubs[0].net, 0);
	ck_assert(!br->hubs[0].default_route);
	ck_assert(br->active_active);
	ck_assert(!br->nat_manual);
	ck_assert_int_eq(key_from_base64(k, K2), 0);
	ck_assert_ptr_eq(orgconf_find_by_key(cfg, k), br);
	k[0] ^= 1;
	ck_assert_ptr_null(orgconf_find_by_key(cfg, k));
	ck_assert_int_eq(key_from_base64(k, K6), 0);
	ck_assert_mem_eq(cfg->psk_secret, k, 32);
	ck_assert_ptr_nonnull(orgconf_topology(cfg));
	orgconf_free(cfg);

	orgconf_free(load_ok(DATA "overlap_ok.conf", NULL, 0, ORGCONF_SKIP_FILES));

	/* an organization without networks (yet) is valid */
	cfg = load_str_ok(ORG);
	ck_assert_uint_eq(cfg->n_networks, 0);
	ck_assert_ptr_null(orgconf_find_network(cfg, "x"));
	ck_assert_ptr_null(orgconf_find_by_key(cfg, k));
	ck_assert_uint_eq(topology_peer_count(orgconf_topology(cfg), 0), 0);
	orgconf_free(cfg);
}
END_TEST

START_TEST(good_example_org)
{
	struct orgconf *cfg = load_ok("examples/org.conf", NULL, 0, ORGCONF_SKIP_FILES);
	const struct orgconf_network *ldn, *sj, *sf;
	const struct orgconf_flow_pref *fp;
	char buf[ENDPOINT_STRLEN];
	size_t i, exported = 0;

	ck_assert_str_eq(cfg->name, "Meraki Demo Org");
	ck_assert_uint_eq(cfg->n_networks, 3);
	ldn = orgconf_find_network(cfg, "London - Finsbury");
	sj = orgconf_find_network(cfg, "Cisco Cloud Interconnect - San Jose");
	sf = orgconf_find_network(cfg, "Meraki San Francisco - Security");
	ck_assert(ldn && sj && sf);
	ck_assert_int_eq(sj->mode, ORGCONF_MODE_HUB);
	ck_assert_int_eq(sf->mode, ORGCONF_MODE_HUB);
	ck_assert_int_eq(ldn->mode, ORGCONF_MODE_SPOKE);
	ck_assert_uint_eq(ldn->n_hubs, 2);
	ck_assert_uint_eq(ldn->hubs[0].net, sj->index);
	ck_assert_uint_eq(ldn->hubs[1].net, sf->index);
	/* the subnet table of the reference document */
	ck_assert_uint_eq(ldn->n_subnets, 10);
	ck_assert_str_eq(ldn->subnets[2].name, "177 - Finsbury Wired");
	ck_assert_str_eq(prefix_format(&ldn->subnets[5].prefix, buf, sizeof(buf)),
			 "10.50.176.32/29");
	ck_assert(!ldn->subnets[3].use_vpn && !ldn->subnets[4].use_vpn); /* AV, MC */
	for (i = 0; i < ldn->n_subnets; i++)
		exported += ldn->subnets[i].use_vpn;
	ck_assert_uint_eq(exported, 8);
	ck_assert(sf->nat_manual);
	ck_assert_uint_eq(sf->n_nat_endpoints, 1);
	ck_assert_str_eq(endpoint_format(&sf->nat_endpoints[0], buf, sizeof(buf)),
			 "203.0.113.10:51625");
	/* The one rule: the manual endpoint of wan1, none for wan2 nor for auto NAT. */
	ck_assert_ptr_eq(orgconf_manual_endpoint(sf, 0), &sf->nat_endpoints[0]);
	ck_assert_ptr_null(orgconf_manual_endpoint(sf, 1));
	ck_assert_ptr_null(orgconf_manual_endpoint(ldn, 0));
	/* performance classes and flow preferences */
	ck_assert_uint_eq(cfg->n_classes, 2);
	ck_assert_uint_eq(orgconf_find_class(cfg, "VoIP"), 0);
	ck_assert_uint_eq(orgconf_find_class(cfg, "Interactive video"), 1);
	ck_assert_uint_eq(orgconf_find_class(cfg, "Bulk"), ORGCONF_NO_INDEX);
	ck_assert_uint_eq(cfg->classes[0].max_latency_ms, 150);
	ck_assert_uint_eq(cfg->classes[0].max_loss_bp, 100);
	ck_assert_uint_eq(cfg->classes[0].max_jitter_ms, 30);
	ck_assert_uint_eq(cfg->classes[1].max_jitter_ms, ORGCONF_UNLIMITED);
	ck_assert_uint_eq(ldn->n_flow_prefs, 3);
	fp = &ldn->flow_prefs[0];
	ck_assert_uint_eq(fp->protocol, 17);
	ck_assert(fp->has_src && !fp->has_dst);
	ck_assert_int_eq(fp->dscp, 46);
	ck_assert_int_eq(fp->uplink, ORGCONF_UPLINK_WAN1);
	ck_assert_uint_eq(fp->perf_class, 0);
	fp = &ldn->flow_prefs[1];
	ck_assert_uint_eq(fp->protocol, 6);
	ck_assert_uint_eq(fp->dport_lo, 443);
	ck_assert_uint_eq(fp->dport_hi, 443);
	ck_assert_uint_eq(fp->sport_lo, 0);
	ck_assert_uint_eq(fp->sport_hi, 65535);
	ck_assert_int_eq(fp->dscp, -1);
	ck_assert_uint_eq(fp->perf_class, ORGCONF_NO_INDEX);
	fp = &ldn->flow_prefs[2];
	ck_assert_uint_eq(fp->dport_lo, 3478);
	ck_assert_uint_eq(fp->dport_hi, 3481);
	ck_assert_int_eq(fp->uplink, ORGCONF_UPLINK_ANY);
	ck_assert_uint_eq(fp->perf_class, 1);
	orgconf_free(cfg);
}
END_TEST

START_TEST(good_values)
{
	struct orgconf *cfg = load_str_ok(
		"\xEF\xBB\xBF[organization]\r\n"
		"  name = Acme, Inc. #1 ; inline comment\r\n"
		"registry-private-key = /abs/r.key\n"
		"psk-secret = " K6 "\n"
		"peer-purge-time = 1h30m\n"
		"status-listen = [::1]:8080\n"
		"[performance-class \"Bulk\"]\nmax-loss = 2.25%\n"
		"[performance-class \"Half\"]\nmax-loss = 0.5\nmax-latency = 20\n" HUB
		"nat-traversal = manual 198.51.100.7:51625 [2001:db8::7]:51626\n"
		"active-active = off\n"
		"subnet = fd00:1::/64 yes\n"
		"flow-preference = proto=tcp sport=1024-65535 dport=any dscp=af41 src=any "
		"uplink=wan2 class=Bulk\n"
		"flow-preference = proto=47 dscp=CS5 class=\"Half\"\n"
		"[network \"Parked\"]\nmode = off"); /* no final newline */
	const struct orgconf_network *h = &cfg->networks[0];
	char buf[ENDPOINT_STRLEN];

	ck_assert_str_eq(cfg->name, "Acme, Inc. #1");
	ck_assert_str_eq(cfg->registry_key_path, "/abs/r.key");
	ck_assert_uint_eq(cfg->peer_purge_secs, 5400);
	ck_assert_str_eq(endpoint_format(&cfg->status_listen, buf, sizeof(buf)), "[::1]:8080");
	ck_assert_uint_eq(cfg->classes[0].max_loss_bp, 225);
	ck_assert_uint_eq(cfg->classes[1].max_loss_bp, 50);
	ck_assert_uint_eq(cfg->classes[1].max_latency_ms, 20);
	ck_assert(!h->active_active);
	ck_assert_uint_eq(h->n_nat_endpoints, 2);
	ck_assert_str_eq(endpoint_format(&h->nat_endpoints[1], buf, sizeof(buf)),
			 "[2001:db8::7]:51626");
	ck_assert_ptr_eq(orgconf_manual_endpoint(h, 1), &h->nat_endpoints[1]);
	ck_assert_uint_eq(h->flow_prefs[0].sport_lo, 1024);
	ck_assert_int_eq(h->flow_prefs[0].dscp, 34);
	ck_assert(!h->flow_prefs[0].has_src);
	ck_assert_uint_eq(h->flow_prefs[0].perf_class, 0);
	ck_assert_uint_eq(h->flow_prefs[1].protocol, 47);
	ck_assert_int_eq(h->flow_prefs[1].dscp, 40);
	ck_assert_uint_eq(h->flow_prefs[1].perf_class, 1);
	ck_assert_int_eq(cfg->networks[1].mode, ORGCONF_MODE_OFF);
	ck_assert(!cfg->networks[1].has_public_key);
	orgconf_free(cfg);
}
END_TEST

START_TEST(durations)
{
	static const struct {
		const char *v;
		int ok;
		unsigned int secs;
	} d[] = {
		{ "3h", 1, 10800 },    { "90m", 1, 5400 },
		{ "1h30m", 1, 5400 },  { "1d", 1, 86400 },
		{ "600", 1, 600 },     { "60s", 1, 60 },
		{ "30d", 1, 2592000 }, { "59", 0, 0 },
		{ "31d", 0, 0 },       { "1h30", 0, 0 },
		{ "h", 0, 0 },	       { "3 h", 0, 0 },
		{ "-1h", 0, 0 },       { "99999999999999h", 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		char text[256];
		struct errlist e = ERRLIST_INIT;
		struct orgconf *cfg;
		int r;

		snprintf(text, sizeof(text), ORG "peer-purge-time = %s\n", d[i].v);
		r = orgconf_load_buffer("t.conf", text, strlen(text), ORGCONF_SKIP_FILES, &cfg, &e);
		ck_assert_msg((r == 0) == d[i].ok, "'%s': r=%d", d[i].v, r);
		if (r == 0)
			ck_assert_uint_eq(cfg->peer_purge_secs, d[i].secs);
		else
			ck_assert_ptr_nonnull(strstr(e.msgs[0], "t.conf:5: bad peer-purge-time"));
		orgconf_free(cfg);
		errlist_free(&e);
	}
}
END_TEST

START_TEST(reload_semantics)
{
	const char *good = ORG HUB "subnet = 10.0.0.0/8 yes\n";
	const char *bad = ORG HUB "subnet = 10.0.0.0/8 yes\nexit-hub = Nope\n";
	struct orgconf *a, *b, *c;
	struct errlist e = ERRLIST_INIT;
	char edited[512];

	a = load_str_ok(good);
	/* an invalid file gives nothing at all, and the old config is intact */
	c = a;
	ck_assert_int_eq(orgconf_load_buffer("t.conf", bad, strlen(bad), ORGCONF_SKIP_FILES, &c,
					     &e),
			 -EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(e.n, 1);
	ck_assert_ptr_nonnull(orgconf_find_network(a, "H"));
	errlist_free(&e);

	/* the version identifies the bytes */
	b = load_str_ok(good);
	ck_assert_uint_eq(a->version, b->version);
	ck_assert_mem_eq(a->digest, b->digest, 32);
	ck_assert_uint_ne(a->version, 0);
	snprintf(edited, sizeof(edited), "%s# edited\n", good);
	c = load_str_ok(edited);
	ck_assert_uint_ne(a->version, c->version);
	orgconf_free(a);
	orgconf_free(b);
	orgconf_free(c);

	/* unreadable file */
	c = (struct orgconf *)1;
	ck_assert_int_eq(orgconf_load("/nonexistent/org.conf", 0, &c, &e), -ENOENT);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(e.msgs[0],
			 "/nonexistent/org.conf: cannot open: No such file or directory");
	errlist_free(&e);
}
END_TEST

static char tmpdir[64];

static void run(const char *cmd)
{
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

/* Copies examples/ to a temp dir with private key modes set (git gives 0644). */
static void copy_examples(void)
{
	char cmd[512];

	strcpy(tmpdir, "/tmp/avpn-test-orgconf.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(cmd, sizeof(cmd),
		 "cp -r examples/org.conf examples/keys '%s'/ && "
		 "chmod 600 '%s'/keys/*.key '%s'/keys/psk.secret",
		 tmpdir, tmpdir, tmpdir);
	run(cmd);
}

static void read_b64(const char *path, uint8_t k[32])
{
	char err[128];

	ck_assert_msg(key_read_file_public(path, k, err, sizeof(err)) == 0, "%s: %s", path, err);
}

START_TEST(key_files)
{
	char path[128], key_path[128];
	struct errlist e = ERRLIST_INIT;
	struct orgconf *cfg;
	uint8_t k[32];

	copy_examples();
	snprintf(path, sizeof(path), "%s/org.conf", tmpdir);
	cfg = load_ok(path, NULL, 0, 0);
	ck_assert(cfg->keys_loaded);
	read_b64("examples/keys/registry.pub", k);
	ck_assert_mem_eq(cfg->registry_public_key, k, 32);
	read_b64("examples/keys/psk.secret", k);
	ck_assert_mem_eq(cfg->psk_secret, k, 32);
	/* the example's gateway keys match their private key files */
	read_b64("examples/keys/london-finsbury.key", k);
	{
		uint8_t pub[32];

		ck_assert_int_eq(key_public(pub, k), 0);
		ck_assert_ptr_eq(orgconf_find_by_key(cfg, pub),
				 orgconf_find_network(cfg, "London - Finsbury"));
	}
	orgconf_free(cfg);

	/* a readable private key and a missing secret are errors, at their lines */
	snprintf(key_path, sizeof(key_path), "%s/keys/registry.key", tmpdir);
	ck_assert_int_eq(chmod(key_path, 0644), 0);
	snprintf(key_path, sizeof(key_path), "%s/keys/psk.secret", tmpdir);
	ck_assert_int_eq(unlink(key_path), 0);
	ck_assert_int_eq(orgconf_load(path, 0, &cfg, &e), -EINVAL);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(e.n, 2);
	ck_assert_ptr_nonnull(strstr(e.msgs[0], ":22: registry-private-key "));
	ck_assert_ptr_nonnull(strstr(e.msgs[0], "keys/registry.key: private key file is accessible "
						"by group/others (mode 0644); run chmod 600"));
	ck_assert_ptr_nonnull(strstr(e.msgs[1], ":25: psk-secret-file "));
	ck_assert_ptr_nonnull(strstr(e.msgs[1], "cannot open: No such file"));
	errlist_free(&e);
	snprintf(path, sizeof(path), "rm -rf '%s'", tmpdir);
	run(path);
}
END_TEST

/* Rewrites tmpdir/@name (mode kept: 0600) with a new random key. */
static void new_key_file(const char *name)
{
	char path[128], b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	uint8_t k[32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	randombytes_buf(k, sizeof(k));
	sodium_bin2base64(b64, sizeof(b64), k, sizeof(k), sodium_base64_VARIANT_ORIGINAL);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\n", b64);
	ck_assert_int_eq(fclose(f), 0);
}

/*
 * A psk secret or registry key rotated in its file, the config's text
 * unchanged, is a new version: gateways compare versions to decide whether
 * to refetch their peers (and psks).
 */
START_TEST(secret_rotation_is_new_version)
{
	char path[128];
	struct orgconf *a, *b, *c, *d;
	uint64_t text_only;

	copy_examples();
	snprintf(path, sizeof(path), "%s/org.conf", tmpdir);
	a = load_ok(path, NULL, 0, 0);
	b = load_ok(path, NULL, 0, 0);
	ck_assert_uint_eq(a->version, b->version); /* same bytes, same keys */
	c = load_ok(path, NULL, 0, ORGCONF_SKIP_FILES);
	text_only = c->version;
	orgconf_free(c);
	ck_assert_uint_ne(a->version, text_only); /* the keys are in it */

	/* a new psk secret: a new version, the text unchanged */
	new_key_file("keys/psk.secret");
	c = load_ok(path, NULL, 0, 0);
	ck_assert_uint_ne(c->version, a->version);

	/* a new registry key: a new version again */
	new_key_file("keys/registry.key");
	d = load_ok(path, NULL, 0, 0);
	ck_assert_uint_ne(d->version, a->version);
	orgconf_free(c);
	c = load_ok(path, NULL, 0, 0);
	ck_assert_uint_eq(c->version, d->version);
	ck_assert_uint_ne(memcmp(c->digest, a->digest, 32), 0);
	orgconf_free(a);
	orgconf_free(b);
	orgconf_free(c);
	orgconf_free(d);
	snprintf(path, sizeof(path), "rm -rf '%s'", tmpdir);
	run(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("orgconf");
	TCase *tc = tcase_create("orgconf");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, err_syntax);
	tcase_add_test(tc, err_unknown_key);
	tcase_add_test(tc, err_bad_values);
	tcase_add_test(tc, err_missing);
	tcase_add_test(tc, err_references);
	tcase_add_test(tc, err_duplicates);
	tcase_add_test(tc, err_lines);
	tcase_add_test(tc, err_name_limits);
	tcase_add_test(tc, err_low_order_keys);
	tcase_add_test(tc, err_exit_hub_loops);
	tcase_add_test(tc, err_flow_preferences);
	tcase_add_test(tc, err_collects_bounded);
	tcase_add_test(tc, good_minimal);
	tcase_add_test(tc, good_example_org);
	tcase_add_test(tc, good_values);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, reload_semantics);
	tcase_add_test(tc, key_files);
	tcase_add_test(tc, secret_rotation_is_new_version);
	return unit_run(s, tc);
}
