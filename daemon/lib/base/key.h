/* SPDX-License-Identifier: GPL-2.0 */
/*
 * key.h - X25519 keys as `wg` handles them.
 *
 * Keys are 32 raw bytes; their text form is standard base64 with padding,
 * exactly 44 characters ending in '=' (as `wg genkey` prints). Private keys
 * are only ever read from files, never from command lines.
 *
 * Private key files: one base64 key, optional trailing newline/whitespace.
 * A file that is accessible by group or others (mode & 077) is REFUSED, like
 * ssh does with identity files: a key that others could read is not
 * private any more. `chmod 600 FILE` fixes it. (Files checked out from git
 * get 0644, so demos must chmod their example keys first.)
 *
 * All functions that need libsodium call sodium_init() themselves.
 */
#ifndef AVPN_BASE_KEY_H
#define AVPN_BASE_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEY_LEN 32
#define KEY_B64_LEN 44		       /* without NUL */
#define KEY_B64_SIZE (KEY_B64_LEN + 1) /* buffer size */

/* Writes the 44-character base64 form plus NUL into @out. */
void key_to_base64(char out[KEY_B64_SIZE], const uint8_t key[KEY_LEN]);

/*
 * Decodes exactly 44 characters of base64 (no surrounding whitespace; the
 * last character must be '=' and the unused low bits of the last data
 * character must be zero, so every key has exactly one text form).
 * Returns 0 or -EINVAL; @key is untouched on error.
 */
int key_from_base64(uint8_t key[KEY_LEN], const char *b64);

/* X25519 clamping, as wg does for generated private keys. */
void key_clamp(uint8_t key[KEY_LEN]);

/* New random private key (randombytes_buf + clamp). 0 or -errno. */
int key_generate(uint8_t priv[KEY_LEN]);

/* Public key of @priv (crypto_scalarmult_base). 0 or -EINVAL. */
int key_public(uint8_t pub[KEY_LEN], const uint8_t priv[KEY_LEN]);

/* All-zero key (an unset key; also what a low-order point would give). */
bool key_is_zero(const uint8_t key[KEY_LEN]);

/*
 * A public key that is an X25519 point of small order (libsodium's list,
 * non-canonical forms too): no real key, and a shared secret with it would
 * be predictable. Config loaders refuse them.
 */
bool key_is_low_order(const uint8_t key[KEY_LEN]);

/* Constant-time comparison. */
bool key_equal(const uint8_t a[KEY_LEN], const uint8_t b[KEY_LEN]);

/*
 * Reads a base64 key (private key or other 32-byte secret) from @path.
 * Refuses files readable/writable by group or others, non-regular files
 * and anything that is not exactly one key (leading/trailing whitespace
 * allowed). On error returns -errno/-EINVAL and, if @err is not NULL,
 * writes a one-line reason (without the path) into @err.
 */
int key_read_file(const char *path, uint8_t key[KEY_LEN], char *err, size_t errlen);

/*
 * Same, without the permission check: for public keys or when the caller
 * has its own policy.
 */
int key_read_file_public(const char *path, uint8_t key[KEY_LEN], char *err, size_t errlen);

/*
 * Per-pair pre-shared key the registry pushes to both ends of a tunnel:
 *   psk = BLAKE2b-256(key = secret, "autovpn psk v1" || min(a,b) || max(a,b))
 * where a, b are the two gateways' public keys, ordered bytewise, so both
 * sides get the same psk. @secret is the org config's psk secret.
 */
void key_psk_derive(uint8_t psk[KEY_LEN], const uint8_t secret[KEY_LEN],
		    const uint8_t pub_a[KEY_LEN], const uint8_t pub_b[KEY_LEN]);

/* Wipes @len bytes in a way the compiler cannot drop (sodium_memzero). */
void key_wipe(void *p, size_t len);

#endif /* AVPN_BASE_KEY_H */
