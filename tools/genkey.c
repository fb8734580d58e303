// SPDX-License-Identifier: GPL-2.0
/*
 * genkey.c - `autovpn genkey [--data]` and `autovpn pubkey`, as `wg`.
 *
 * Keys go to stdout. When stdout is a regular file that group or others can
 * access (the shell created it under umask 022), it is made 0600 before the
 * key is written: key files must be private, and the readers (key.h,
 * datakey.h) refuse files that are not.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/key.h"
#include "datakey.h"
#include "tool.h"

static int private_stdout(void)
{
	struct stat st;

	if (fstat(STDOUT_FILENO, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 077))
		return 0;
	if (fchmod(STDOUT_FILENO, st.st_mode & 0600) < 0)
		return tool_error("cannot make the output file private (chmod 600): %s",
				  strerror(errno));
	return 0;
}

static int write_key(const char *text)
{
	if (puts(text) < 0 || fflush(stdout))
		return tool_error("writing the key: %s", strerror(errno));
	return 0;
}

int genkey_main(int argc, char **argv)
{
	uint8_t data[DATAKEY_LEN], priv[KEY_LEN];
	char b64[DATAKEY_B64_LEN + 1];
	bool want_data = false;
	int r;

	if (argc == 1 && tool_is_help(argv[0])) {
		printf("Usage: " TOOL_PROG " genkey          # X25519 private key, base64"
		       " (44 chars)\n"
		       "       " TOOL_PROG " genkey --data   # DATA key file: base64 of a 32-byte\n"
		       "                                # AES-256-GCM key and a 4-byte salt\n");
		return 0;
	}
	if (argc == 1 && !strcmp(argv[0], "--data"))
		want_data = true;
	else if (argc)
		return tool_error("genkey: unexpected argument '%s'", argv[0]);
	if (sodium_init() < 0)
		return tool_error("libsodium failed to initialise");
	if (private_stdout())
		return 1;
	if (want_data) {
		randombytes_buf(data, sizeof(data));
		datakey_to_base64(b64, data);
	} else {
		r = key_generate(priv);
		if (r)
			return tool_error("generating a key: %s", strerror(-r));
		key_to_base64(b64, priv);
	}
	r = write_key(b64);
	sodium_memzero(data, sizeof(data));
	sodium_memzero(priv, sizeof(priv));
	sodium_memzero(b64, sizeof(b64));
	return r;
}

int genkey_pubkey_main(int argc, char **argv)
{
	uint8_t priv[KEY_LEN], pub[KEY_LEN];
	char buf[128], out[KEY_B64_SIZE];
	size_t len = 0, start = 0;
	int r = 1;

	if (argc == 1 && tool_is_help(argv[0])) {
		printf("Usage: " TOOL_PROG " pubkey < PRIVATE_KEY_FILE\n"
		       "Prints the public key of the base64 private key on stdin.\n");
		return 0;
	}
	if (argc)
		return tool_error("pubkey: reads the private key from stdin, takes no arguments");
	len = fread(buf, 1, sizeof(buf) - 1, stdin);
	if (ferror(stdin)) {
		r = tool_error("reading stdin: %s", strerror(errno));
		goto out;
	}
	buf[len] = '\0';
	while (start < len && (buf[start] == ' ' || buf[start] == '\t' || buf[start] == '\n' ||
			       buf[start] == '\r'))
		start++;
	while (len > start && (buf[len - 1] == ' ' || buf[len - 1] == '\t' ||
			       buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (key_from_base64(priv, buf + start)) {
		r = tool_error("stdin is not a private key (44 characters of base64)");
		goto out;
	}
	if (key_public(pub, priv)) {
		r = tool_error("invalid private key");
		goto out;
	}
	key_to_base64(out, pub);
	r = write_key(out);
out:
	sodium_memzero(buf, sizeof(buf));
	sodium_memzero(priv, sizeof(priv));
	return r;
}
