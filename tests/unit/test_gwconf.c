// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/lib/conf/gwconf.c: the gateway config. A good file
 * loads with its defaults; every kind of mistake is reported with its line,
 * all of them at once, and gives no config.
 */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/gwconf.h"

static char dir[64];
static char keyfile[128];

static void setup(void)
{
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/test_gwconf.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(keyfile, sizeof(keyfile), "%s/gw.key", dir);
	f = fopen(keyfile, "w");
	ck_assert_ptr_nonnull(f);
	/* Any 32 bytes are a usable X25519 private key. */
	fputs("qFvF5GwS+9Xp0dlF9q0I8cQG3vY0h8WmQaXjz0X3oWU=\n", f);
	fclose(f);
	chmod(keyfile, 0600);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *good = "# London's gateway\n"
			  "[gateway]\n"
			  "name = London - Finsbury\n"
			  "private-key = gw.key\n"
			  "\n"
			  "[registry]\n"
			  "address = 192.0.2.1:9350\n"
			  "address = [2001:db8::2]:9351\n"
			  "public-key = hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\n"
			  "\n"
			  "[uplink \"wan1\"]\n"
			  "device = eth0\n"
			  "source = 172.16.3.2\n"
			  "[uplink wan2]\n"
			  "device = eth1\n"
			  "family = ipv6\n"
			  "port = 51625\n";

static int load(const char *text, unsigned int flags, struct gwconf **c, struct errlist *e)
{
	char name[128];

	snprintf(name, sizeof(name), "%s/autovpnd.conf", dir);
	return gwconf_load_buffer(name, text, strlen(text), flags, c, e);
}

START_TEST(good_file)
{
	struct errlist e;
	struct gwconf *c;

	errlist_init(&e);
	ck_assert_int_eq(load(good, 0, &c, &e), 0);
	ck_assert_uint_eq(errlist_count(&e), 0);
	ck_assert_str_eq(c->name, "London - Finsbury");
	ck_assert_str_eq(c->ifname, "av0");
	ck_assert_uint_eq(c->table, GWCONF_DEFAULT_TABLE);
	ck_assert_int_eq(c->on_exit, GWCONF_EXIT_KEEP);
	ck_assert(c->key_loaded);
	ck_assert_str_eq(c->private_key_path, keyfile); /* relative to the config */
	ck_assert_uint_eq(c->n_registries, 2);
	ck_assert_uint_eq(c->registries[1].port, 9351);
	ck_assert_uint_eq(c->n_uplinks, 2);
	ck_assert_str_eq(c->uplinks[0].device, "eth0");
	ck_assert(c->uplinks[0].has_source);
	ck_assert_int_eq(c->uplinks[0].family, AF_INET);
	ck_assert_int_eq(c->uplinks[1].family, AF_INET6);
	ck_assert_uint_eq(c->uplinks[1].port, 51625);
	ck_assert_uint_eq(c->uplinks[1].id, 1);
	gwconf_free(c);
	errlist_free(&e);
}
END_TEST

/* Every listed line of @text has an error; nothing else does. */
static void expect_errors(const char *text, const unsigned int *lines, size_t n)
{
	struct errlist e;
	struct gwconf *c = (void *)1;

	errlist_init(&e);
	ck_assert_int_eq(load(text, GWCONF_SKIP_FILES, &c, &e), -EINVAL);
	ck_assert_ptr_null(c);
	for (size_t i = 0; i < e.n; i++)
		fprintf(stderr, "  %s\n", e.msgs[i]);
	ck_assert_uint_eq(e.n, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(e.lines[i], lines[i]);
		ck_assert_ptr_nonnull(strstr(e.msgs[i], "autovpnd.conf:"));
	}
	errlist_free(&e);
}

START_TEST(every_error_with_its_line)
{
	static const char *bad = "[gateway]\n"		      /* 1 */
				 "name = A\n"		      /* 2 */
				 "name = B\n"		      /* 3: duplicate */
				 "private-key = k\n"	      /* 4 */
				 "interface = a/b\n"	      /* 5: bad name */
				 "table = 254\n"	      /* 6: main */
				 "on-exit = maybe\n"	      /* 7 */
				 "colour = blue\n"	      /* 8: unknown key */
				 "[registry]\n"		      /* 9 */
				 "address = 192.0.2.1\n"      /* 10: no port */
				 "address = 192.0.2.1:9350\n" /* 11 */
				 "address = 192.0.2.1:9350\n" /* 12: twice */
				 "public-key = short\n"	      /* 13 */
				 "[uplink \"wan3\"]\n"	      /* 14: unknown uplink */
				 "device = x\n"		      /* 15: skipped */
				 "[uplink \"wan1\"]\n"	      /* 16 */
				 "source = 0.0.0.0\n"	      /* 17: any */
				 "port = 70000\n"	      /* 18 */
				 "this is not a key\n"	      /* 19: syntax */
				 "[shiny]\n";		      /* 20: unknown section */
	/* Plus: wan1 has no device (reported at its header, line 16). */
	static const unsigned int lines[] = { 3, 5, 6, 7, 8, 10, 12, 13, 14, 16, 17, 18, 19, 20 };

	expect_errors(bad, lines, sizeof(lines) / sizeof(lines[0]));
}
END_TEST

START_TEST(low_order_registry_key)
{
	/* The point 1 and p - 1 (libsodium's list): refused at load, not at start. */
	static const char *keys[] = { "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
				      "7P///////////////////////////////////////38=",
				      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" };
	static const unsigned int lines[] = { 6 };
	char text[512];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(text, sizeof(text),
			 "[gateway]\nname = A\nprivate-key = k\n[registry]\n"
			 "address = 192.0.2.1:9350\npublic-key = %s\n"
			 "[uplink \"wan1\"]\ndevice = eth0\n",
			 keys[i]);
		expect_errors(text, lines, 1);
	}
}
END_TEST

START_TEST(missing_sections)
{
	static const unsigned int lines[] = { 0, 0, 0 };

	/* No [gateway], no [registry], no wan1: three whole-file errors. */
	expect_errors("# empty\n", lines, 3);
}
END_TEST

START_TEST(missing_keys)
{
	static const char *text = "[gateway]\n"
				  "[registry]\n"
				  "[uplink \"wan2\"]\n";
	/* name and private-key at 1, address and public-key at 2; wan1 missing
	 * and wan2's device, both at wan2's header. */
	static const unsigned int lines[] = { 1, 1, 2, 2, 3, 3 };

	expect_errors(text, lines, 6);
}
END_TEST

START_TEST(key_file_must_be_private)
{
	struct errlist e;
	struct gwconf *c;

	chmod(keyfile, 0644);
	errlist_init(&e);
	ck_assert_int_eq(load(good, 0, &c, &e), -EINVAL);
	ck_assert_uint_eq(e.n, 1);
	ck_assert_uint_eq(e.lines[0], 4);
	ck_assert_ptr_nonnull(strstr(e.msgs[0], "gw.key"));
	errlist_free(&e);
	/* Without reading files, the same config passes. */
	errlist_init(&e);
	ck_assert_int_eq(load(good, GWCONF_SKIP_FILES, &c, &e), 0);
	ck_assert(!c->key_loaded);
	gwconf_free(c);
	errlist_free(&e);
}
END_TEST

START_TEST(load_from_file)
{
	char path[128];
	struct errlist e;
	struct gwconf *c;
	FILE *f;

	snprintf(path, sizeof(path), "%s/autovpnd.conf", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(good, f);
	fclose(f);
	errlist_init(&e);
	ck_assert_int_eq(gwconf_load(path, 0, &c, &e), 0);
	ck_assert_str_eq(c->path, path);
	gwconf_free(c);
	ck_assert_int_eq(gwconf_load("/nonexistent/autovpnd.conf", 0, &c, &e), -ENOENT);
	ck_assert_uint_eq(e.n, 1);
	errlist_free(&e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gwconf");
	TCase *tc = tcase_create("gwconf");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, good_file);
	tcase_add_test(tc, every_error_with_its_line);
	tcase_add_test(tc, missing_sections);
	tcase_add_test(tc, low_order_registry_key);
	tcase_add_test(tc, missing_keys);
	tcase_add_test(tc, key_file_must_be_private);
	tcase_add_test(tc, load_from_file);
	return unit_run(s, tc);
}
