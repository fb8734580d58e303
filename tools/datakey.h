/* SPDX-License-Identifier: GPL-2.0 */
/*
 * datakey.h - DATA key files: base64 (48 characters) of exactly 36 bytes,
 * the 32-byte AES-256-GCM key followed by the 4-byte salt, as written by
 * `autovpn genkey --data`. Gateway A's tx file is gateway B's rx file.
 *
 * Secrets are only read from files. A regular file that group or others can
 * access is refused (as key.h does for private keys); pipes are accepted so
 * that `tx <(command)` works.
 */
#ifndef AVPN_TOOL_DATAKEY_H
#define AVPN_TOOL_DATAKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DATAKEY_LEN 36 /* AUTOVPN_KEY_LEN + AUTOVPN_SALT_LEN */
#define DATAKEY_B64_LEN 48

/*
 * Reads @path into @out. 0, or -errno with a one-line reason in @err (which
 * names the file but never contains key material).
 */
int datakey_read_file(const char *path, uint8_t out[DATAKEY_LEN], char *err, size_t errlen);

/* True if @s looks like key material rather than a file name. */
bool datakey_looks_like_key(const char *s);

/* Writes the 48-character base64 form plus NUL into @out. */
void datakey_to_base64(char out[DATAKEY_B64_LEN + 1], const uint8_t key[DATAKEY_LEN]);

#endif /* AVPN_TOOL_DATAKEY_H */
