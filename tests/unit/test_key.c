// SPDX-License-Identifier: GPL-2.0
/* Unit tests for daemon/lib/base/key.c: base64 like wg, files, X25519, psk. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/key.h"

static void hex(uint8_t out[32], const char *h)
{
	size_t i;

	for (i = 0; i < 32; i++) {
		unsigned int b;

		ck_assert_int_eq(sscanf(h + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
}

START_TEST(base64_vectors)
{
	static const struct {
		const char *hex, *b64;
	} v[] = {
		{ "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
		  "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=" },
		{ "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
		  "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=" },
		{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		  "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" },
		{ "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		  "//////////////////////////////////////////8=" },
	};
	uint8_t k[32], back[32];
	char b64[KEY_B64_SIZE];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		hex(k, v[i].hex);
		key_to_base64(b64, k);
		ck_assert_str_eq(b64, v[i].b64);
		ck_assert_int_eq(strlen(b64), 44);
		ck_assert_int_eq(key_from_base64(back, v[i].b64), 0);
		ck_assert_mem_eq(back, k, 32);
	}
}
END_TEST

START_TEST(base64_random_roundtrip)
{
	uint8_t k[32], back[32];
	char b64[KEY_B64_SIZE];
	int i;

	for (i = 0; i < 1000; i++) {
		ck_assert_int_eq(key_generate(k), 0);
		key_to_base64(b64, k);
		ck_assert_int_eq(key_from_base64(back, b64), 0);
		ck_assert_mem_eq(back, k, 32);
	}
}
END_TEST

START_TEST(base64_rejects)
{
	static const char *const bad[] = {
		"",
		"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo",	 /* 43, no '=' */
		"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo==", /* 45 */
		"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCoA",	 /* no '=' */
		"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LC==",	 /* '=' too early */
		"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCp=",	 /* low bits set */
		"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkq$Xf7pR25LCo=",	 /* bad char */
		"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkq Xf7pR25LCo=",	 /* blank */
		"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkq-Xf7pR25LCo=",	 /* base64url */
		" dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=",
		"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=\n",
	};
	uint8_t k[32], orig[32];
	size_t i;

	memset(orig, 0xa5, sizeof(orig));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(k, orig, 32);
		ck_assert_msg(key_from_base64(k, bad[i]) == -EINVAL, "accepted '%s'", bad[i]);
		ck_assert_mem_eq(k, orig, 32); /* untouched on error */
	}
	ck_assert_int_eq(key_from_base64(k, NULL), -EINVAL);
}
END_TEST

START_TEST(public_key_vectors)
{
	uint8_t priv[32], pub[32], expect[32];

	/* RFC 7748 section 6.1, Alice */
	hex(priv, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	hex(expect, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	ck_assert_int_eq(key_public(pub, priv), 0);
	ck_assert_mem_eq(pub, expect, 32);
	/* a pair checked against `wg pubkey` */
	ck_assert_int_eq(key_from_base64(priv, "AKr0LSVj79qZTocR6hbQyLK1vOKRto1LbYGdC5hxOXs="), 0);
	ck_assert_int_eq(key_from_base64(expect, "2Aq8zdWhkxcdiHWXl77pbC1mTvDWOdrAFdsiyMqQHjE="),
			 0);
	ck_assert_int_eq(key_public(pub, priv), 0);
	ck_assert_mem_eq(pub, expect, 32);
}
END_TEST

START_TEST(generate_clamps)
{
	uint8_t a[32], b[32];

	ck_assert_int_eq(key_generate(a), 0);
	ck_assert_int_eq(key_generate(b), 0);
	ck_assert(!key_equal(a, b));
	ck_assert_int_eq(a[0] & 7, 0);
	ck_assert_int_eq(a[31] & 0x80, 0);
	ck_assert_int_eq(a[31] & 0x40, 0x40);
	memset(a, 0xff, 32);
	key_clamp(a);
	ck_assert_int_eq(a[0], 0xf8);
	ck_assert_int_eq(a[31], 0x7f);
	memset(a, 0, 32);
	ck_assert(key_is_zero(a));
	a[31] = 1;
	ck_assert(!key_is_zero(a));
}
END_TEST

static char tmpdir[64];

static void make_tmpdir(void)
{
	strcpy(tmpdir, "/tmp/avpn-test-key.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void rm_tmpdir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *write_file(const char *name, const char *content, mode_t mode)
{
	static char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

START_TEST(read_file)
{
	const char *b64 = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=";
	uint8_t k[32], expect[32];
	char err[256];
	const char *f;

	make_tmpdir();
	ck_assert_int_eq(key_from_base64(expect, b64), 0);
	/* as `wg genkey > file` writes it */
	f = write_file("a", "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=\n", 0600);
	ck_assert_int_eq(key_read_file(f, k, err, sizeof(err)), 0);
	ck_assert_mem_eq(k, expect, 32);
	f = write_file("b", "  dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=\r\n\n", 0400);
	ck_assert_int_eq(key_read_file(f, k, err, sizeof(err)), 0);

	/* group/world-accessible private keys are refused */
	ck_assert_int_eq(key_read_file(write_file("c", b64, 0644), k, err, sizeof(err)), -EPERM);
	ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
	ck_assert_ptr_nonnull(strstr(err, "0644"));
	ck_assert_int_eq(key_read_file(write_file("d", b64, 0640), k, err, sizeof(err)), -EPERM);
	ck_assert_int_eq(key_read_file(write_file("e", b64, 0602), k, err, sizeof(err)), -EPERM);
	/* ...but fine for public keys */
	ck_assert_int_eq(key_read_file_public(write_file("f", b64, 0644), k, err, sizeof(err)), 0);
	ck_assert_mem_eq(k, expect, 32);

	/* contents */
	ck_assert_int_eq(key_read_file(write_file("g", "", 0600), k, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "does not contain one base64 key (44 characters)");
	f = write_file("h", "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo= x\n", 0600);
	ck_assert_int_eq(key_read_file(f, k, err, sizeof(err)), -EINVAL);
	f = write_file("i", "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkq$Xf7pR25LCo=", 0600);
	ck_assert_int_eq(key_read_file(f, k, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "invalid base64 key");
	ck_assert_int_eq(key_read_file("/nonexistent/key", k, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "cannot open"));
	ck_assert_int_eq(key_read_file(tmpdir, k, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "not a regular file");
	rm_tmpdir();
}
END_TEST

START_TEST(psk_derive)
{
	uint8_t secret[32], a[32], b[32], c[32], p1[32], p2[32], p3[32];

	memset(secret, 7, 32);
	memset(a, 1, 32);
	memset(b, 2, 32);
	memset(c, 3, 32);
	key_psk_derive(p1, secret, a, b);
	key_psk_derive(p2, secret, b, a);
	ck_assert_mem_eq(p1, p2, 32); /* both ends agree */
	key_psk_derive(p3, secret, a, c);
	ck_assert(!key_equal(p1, p3)); /* per pair */
	secret[0] ^= 1;
	key_psk_derive(p2, secret, a, b);
	ck_assert(!key_equal(p1, p2)); /* per secret */
	ck_assert(!key_is_zero(p1));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("key");
	TCase *tc = tcase_create("key");

	tcase_add_test(tc, base64_vectors);
	tcase_add_test(tc, base64_random_roundtrip);
	tcase_add_test(tc, base64_rejects);
	tcase_add_test(tc, public_key_vectors);
	tcase_add_test(tc, generate_clamps);
	tcase_add_test(tc, read_file);
	tcase_add_test(tc, psk_derive);
	return unit_run(s, tc);
}
