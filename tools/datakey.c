// SPDX-License-Identifier: GPL-2.0
/* datakey.c - DATA key files (see datakey.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/key.h"
#include "datakey.h"

static bool b64_decode(uint8_t out[DATAKEY_LEN], const char *s, size_t len)
{
	size_t got = 0;

	if (len != DATAKEY_B64_LEN)
		return false;
	if (sodium_base642bin(out, DATAKEY_LEN, s, len, NULL, &got, NULL,
			      sodium_base64_VARIANT_ORIGINAL) ||
	    got != DATAKEY_LEN)
		return false;
	return true;
}

bool datakey_looks_like_key(const char *s)
{
	uint8_t tmp[DATAKEY_LEN];
	uint8_t k32[KEY_LEN];
	bool r;

	/* A DATA key, or a 44-character X25519 key pasted by mistake. */
	r = b64_decode(tmp, s, strlen(s)) || !key_from_base64(k32, s);
	sodium_memzero(tmp, sizeof(tmp));
	sodium_memzero(k32, sizeof(k32));
	return r;
}

void datakey_to_base64(char out[DATAKEY_B64_LEN + 1], const uint8_t key[DATAKEY_LEN])
{
	sodium_bin2base64(out, DATAKEY_B64_LEN + 1, key, DATAKEY_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
}

int datakey_read_file(const char *path, uint8_t out[DATAKEY_LEN], char *err, size_t errlen)
{
	char buf[256];
	size_t len = 0, start, end;
	struct stat st;
	ssize_t n;
	int fd, r = 0;

	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return -EIO;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "key file '%s': %s", path, strerror(errno));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		snprintf(err, errlen, "key file '%s': %s", path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "key file '%s': is a directory", path);
		r = -EISDIR;
		goto out;
	}
	if (S_ISREG(st.st_mode) && (st.st_mode & 077)) {
		snprintf(err, errlen,
			 "key file '%s' is accessible by group or others; chmod 600 it", path);
		r = -EPERM;
		goto out;
	}
	/* Short reads happen on pipes. One byte more than needed detects excess. */
	while (len < sizeof(buf)) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			snprintf(err, errlen, "key file '%s': %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	start = 0;
	end = len;
	while (start < end && isspace((unsigned char)buf[start]))
		start++;
	while (end > start && isspace((unsigned char)buf[end - 1]))
		end--;
	if (!b64_decode(out, buf + start, end - start)) {
		snprintf(err, errlen,
			 "key file '%s': not a DATA key (base64 of 36 bytes, see "
			 "'autovpn genkey --data')",
			 path);
		sodium_memzero(out, DATAKEY_LEN);
		r = -EINVAL;
	}
out:
	sodium_memzero(buf, sizeof(buf));
	close(fd);
	return r;
}
