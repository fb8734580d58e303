// SPDX-License-Identifier: GPL-2.0
/*
 * key.c - X25519 key text form, files, generation (see key.h).
 *
 * The base64 coder works on secrets, so it avoids table lookups and
 * data-dependent branches (the same approach as wireguard-tools' encoding.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/key.h"

/* 6-bit value -> base64 character, branch-free. */
static char encode_6(unsigned int v)
{
	int d = (int)v;

	return (char)(d + 'A' + (((25 - d) >> 8) & 6) - (((51 - d) >> 8) & 75) -
		      (((61 - d) >> 8) & 15) + (((62 - d) >> 8) & 3));
}

/* base64 character -> 6-bit value, or a negative value if invalid. */
static int decode_6(unsigned char c)
{
	int ch = c, ret = -1;

	ret += (((('A' - 1) - ch) & (ch - ('Z' + 1))) >> 8) & (ch - 64);
	ret += (((('a' - 1) - ch) & (ch - ('z' + 1))) >> 8) & (ch - 70);
	ret += (((('0' - 1) - ch) & (ch - ('9' + 1))) >> 8) & (ch + 5);
	ret += ((('+' - 1 - ch) & (ch - ('+' + 1))) >> 8) & 63;
	ret += ((('/' - 1 - ch) & (ch - ('/' + 1))) >> 8) & 64;
	return ret;
}

void key_to_base64(char out[KEY_B64_SIZE], const uint8_t key[KEY_LEN])
{
	unsigned int i;

	for (i = 0; i < KEY_LEN / 3; i++) {
		const uint8_t *k = key + i * 3;

		out[i * 4 + 0] = encode_6(k[0] >> 2);
		out[i * 4 + 1] = encode_6(((k[0] << 4) | (k[1] >> 4)) & 63);
		out[i * 4 + 2] = encode_6(((k[1] << 2) | (k[2] >> 6)) & 63);
		out[i * 4 + 3] = encode_6(k[2] & 63);
	}
	/* 32 = 10 * 3 + 2: the last group has two bytes and one '='. */
	out[40] = encode_6(key[30] >> 2);
	out[41] = encode_6(((key[30] << 4) | (key[31] >> 4)) & 63);
	out[42] = encode_6((key[31] << 2) & 63);
	out[43] = '=';
	out[44] = '\0';
}

int key_from_base64(uint8_t key[KEY_LEN], const char *b64)
{
	uint8_t tmp[KEY_LEN];
	volatile int bad = 0;
	unsigned int i;
	int v[4];

	if (!b64 || strnlen(b64, KEY_B64_SIZE) != KEY_B64_LEN || b64[43] != '=')
		return -EINVAL;
	for (i = 0; i < KEY_LEN / 3; i++) {
		const unsigned char *s = (const unsigned char *)b64 + i * 4;
		unsigned int j;

		for (j = 0; j < 4; j++) {
			v[j] = decode_6(s[j]);
			bad |= v[j] >> 31; /* negative -> all ones */
		}
		/* unsigned: an invalid character (-1) is flagged in @bad above */
		tmp[i * 3 + 0] = (uint8_t)(((unsigned int)v[0] << 2) | ((unsigned int)v[1] >> 4));
		tmp[i * 3 + 1] = (uint8_t)(((unsigned int)v[1] << 4) | ((unsigned int)v[2] >> 2));
		tmp[i * 3 + 2] = (uint8_t)(((unsigned int)v[2] << 6) | (unsigned int)v[3]);
	}
	v[0] = decode_6((unsigned char)b64[40]);
	v[1] = decode_6((unsigned char)b64[41]);
	v[2] = decode_6((unsigned char)b64[42]);
	bad |= (v[0] | v[1] | v[2]) >> 31;
	/* The last character carries 4 data bits; its low 2 must be zero. */
	bad |= v[2] & 3;
	tmp[30] = (uint8_t)(((unsigned int)v[0] << 2) | ((unsigned int)v[1] >> 4));
	tmp[31] = (uint8_t)(((unsigned int)v[1] << 4) | ((unsigned int)v[2] >> 2));
	if (bad) {
		sodium_memzero(tmp, sizeof(tmp));
		return -EINVAL;
	}
	memcpy(key, tmp, KEY_LEN);
	sodium_memzero(tmp, sizeof(tmp));
	return 0;
}

void key_clamp(uint8_t key[KEY_LEN])
{
	key[31] = (key[31] & 127) | 64;
	key[0] &= 248;
}

int key_generate(uint8_t priv[KEY_LEN])
{
	if (sodium_init() < 0)
		return -EIO;
	randombytes_buf(priv, KEY_LEN);
	key_clamp(priv);
	return 0;
}

int key_public(uint8_t pub[KEY_LEN], const uint8_t priv[KEY_LEN])
{
	if (sodium_init() < 0)
		return -EIO;
	/* Fails only for a result of all zeros, which clamping rules out. */
	return crypto_scalarmult_base(pub, priv) ? -EINVAL : 0;
}

bool key_is_zero(const uint8_t key[KEY_LEN])
{
	return sodium_is_zero(key, KEY_LEN);
}

bool key_equal(const uint8_t a[KEY_LEN], const uint8_t b[KEY_LEN])
{
	return sodium_memcmp(a, b, KEY_LEN) == 0;
}

void key_wipe(void *p, size_t len)
{
	sodium_memzero(p, len);
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int read_key(const char *path, bool check_perms, uint8_t key[KEY_LEN], char *err,
		    size_t errlen)
{
	/* Room for a key plus generous whitespace; more means "not a key file". */
	char buf[256];
	struct stat st;
	size_t start = 0, end;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		set_err(err, errlen, "cannot open: %s", strerror(errno));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		set_err(err, errlen, "cannot stat: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		set_err(err, errlen, "not a regular file");
		goto out;
	}
	if (check_perms && (st.st_mode & 077)) {
		ret = -EPERM;
		set_err(err, errlen,
			"private key file is accessible by group/others (mode %04o); "
			"run chmod 600 on it",
			(unsigned int)(st.st_mode & 07777));
		goto out;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < 0) {
		ret = -errno;
		set_err(err, errlen, "cannot read: %s", strerror(errno));
		goto out;
	}
	if ((size_t)n == sizeof(buf)) {
		ret = -EINVAL;
		set_err(err, errlen, "too long for a key file");
		goto wipe;
	}
	end = (size_t)n;
	while (start < end && is_space(buf[start]))
		start++;
	while (end > start && is_space(buf[end - 1]))
		end--;
	if (end - start != KEY_B64_LEN) {
		ret = -EINVAL;
		set_err(err, errlen, "does not contain one base64 key (44 characters)");
		goto wipe;
	}
	buf[end] = '\0';
	ret = key_from_base64(key, buf + start);
	if (ret)
		set_err(err, errlen, "invalid base64 key");
wipe:
	sodium_memzero(buf, sizeof(buf));
out:
	close(fd);
	return ret;
}

int key_read_file(const char *path, uint8_t key[KEY_LEN], char *err, size_t errlen)
{
	return read_key(path, true, key, err, errlen);
}

int key_read_file_public(const char *path, uint8_t key[KEY_LEN], char *err, size_t errlen)
{
	return read_key(path, false, key, err, errlen);
}

void key_psk_derive(uint8_t psk[KEY_LEN], const uint8_t secret[KEY_LEN],
		    const uint8_t pub_a[KEY_LEN], const uint8_t pub_b[KEY_LEN])
{
	static const char label[] = "autovpn psk v1";
	crypto_generichash_state st;
	const uint8_t *lo = pub_a, *hi = pub_b;

	if (memcmp(pub_a, pub_b, KEY_LEN) > 0) {
		lo = pub_b;
		hi = pub_a;
	}
	if (sodium_init() < 0)
		abort();
	crypto_generichash_init(&st, secret, KEY_LEN, KEY_LEN);
	crypto_generichash_update(&st, (const uint8_t *)label, sizeof(label) - 1);
	crypto_generichash_update(&st, lo, KEY_LEN);
	crypto_generichash_update(&st, hi, KEY_LEN);
	crypto_generichash_final(&st, psk, KEY_LEN);
	sodium_memzero(&st, sizeof(st));
}

/*
 * The X25519 points of small order (the list libsodium refuses in
 * crypto_scalarmult, and with it crypto_box_beforenm): 0, 1, the two points
 * of order 8, p - 1, and p, p + 1 (non-canonical 0 and 1). The top bit is
 * not part of the u-coordinate and is ignored. A gateway with such a key
 * could never be talked to (issue 9 #18); and a shared secret with it would
 * be predictable.
 */
bool key_is_low_order(const uint8_t k[KEY_LEN])
{
	static const uint8_t bad[7][KEY_LEN] = {
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

	for (size_t i = 0; i < 7; i++)
		if (!memcmp(k, bad[i], KEY_LEN - 1) &&
		    (k[KEY_LEN - 1] & 0x7f) == bad[i][KEY_LEN - 1])
			return true;
	return false;
}
