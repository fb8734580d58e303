// SPDX-License-Identifier: GPL-2.0
/*
 * datapkt: builds one authentic DATA packet (the UDP payload) the way a
 * peer's kernel would, with libsodium's AES-256-GCM, and prints it in hex
 * for udpsend. The scenarios use it to send what no correct sender sends:
 * a path id the receiver never configured, a chosen counter, an inner packet
 * with chosen ECN bits.
 *
 * usage: datapkt KEYFILE RXINDEX KEYID PATHID COUNTER INNER
 *   KEYFILE  the sender's "tx" DATA key file (base64 of key || salt)
 *   INNER    icmp4:SRC:DST   an ICMP echo request SRC -> DST (IPv4), or
 *            hex:HEX         the inner packet itself
 *
 * Wire format (DESIGN §3): hdr = type 1 | key id | path id | 0 |
 * be32 receiver index | be64 counter; AAD = hdr; nonce = salt with
 * salt[0] ^= path id || be64 counter.
 */
#include <arpa/inet.h>
#include <linux/autovpn.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INNER 2048

static int read_key(const char *file, uint8_t key[AUTOVPN_KEY_LEN], uint8_t salt[AUTOVPN_SALT_LEN])
{
	uint8_t raw[AUTOVPN_KEY_LEN + AUTOVPN_SALT_LEN];
	char b64[128];
	size_t got = 0;
	FILE *f = fopen(file, "r");
	int ok;

	if (!f)
		return -1;
	ok = fgets(b64, sizeof(b64), f) != NULL;
	fclose(f);
	b64[strcspn(b64, "\r\n")] = '\0';
	if (!ok || sodium_base642bin(raw, sizeof(raw), b64, strlen(b64), NULL, &got, NULL,
				     sodium_base64_VARIANT_ORIGINAL) ||
	    got != sizeof(raw))
		return -1;
	memcpy(key, raw, AUTOVPN_KEY_LEN);
	memcpy(salt, raw + AUTOVPN_KEY_LEN, AUTOVPN_SALT_LEN);
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

static uint16_t csum16(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)(p[len - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* IPv4 + ICMP echo request with a 32-byte payload; TOS (ECN bits too) given. */
static size_t icmp4(uint8_t *p, const char *spec)
{
	char src[64], dst[64];
	unsigned int tos = 0;
	struct in_addr s, d;
	uint16_t c;
	size_t len = 20 + 8 + 32;

	if (sscanf(spec, "icmp4:%63[^:]:%63[^:]:%x", src, dst, &tos) < 2 ||
	    inet_pton(AF_INET, src, &s) != 1 || inet_pton(AF_INET, dst, &d) != 1)
		return 0;
	memset(p, 0, len);
	p[0] = 0x45;
	p[1] = (uint8_t)tos;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = 1; /* ICMP */
	memcpy(p + 12, &s, 4);
	memcpy(p + 16, &d, 4);
	c = csum16(p, 20);
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
	p[20] = 8; /* echo request */
	p[24] = 0x4a; /* identifier */
	p[27] = 1;    /* sequence */
	memset(p + 28, 0x5a, 32);
	c = csum16(p + 20, 8 + 32);
	p[22] = (uint8_t)(c >> 8);
	p[23] = (uint8_t)c;
	return len;
}

static size_t unhex(const char *h, uint8_t *out, size_t max)
{
	size_t n = strlen(h), i;
	unsigned int b;

	if (n % 2 || n / 2 > max)
		return 0;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(h + 2 * i, "%2x", &b) != 1)
			return 0;
		out[i] = (uint8_t)b;
	}
	return n / 2;
}

int main(int argc, char **argv)
{
	static uint8_t inner[MAX_INNER], out[16 + MAX_INNER + 16];
	uint8_t key[AUTOVPN_KEY_LEN], salt[AUTOVPN_SALT_LEN], nonce[AUTOVPN_NONCE_LEN];
	unsigned long long clen;
	unsigned long rx, kid, path;
	unsigned long long counter;
	size_t ilen = 0, i;
	int j;

	if (argc != 7)
		goto usage;
	if (sodium_init() < 0 || !crypto_aead_aes256gcm_is_available()) {
		fprintf(stderr, "datapkt: libsodium AES-256-GCM unavailable on this CPU\n");
		return 1;
	}
	if (read_key(argv[1], key, salt)) {
		fprintf(stderr, "datapkt: cannot read DATA key file %s\n", argv[1]);
		return 1;
	}
	rx = strtoul(argv[2], NULL, 0);
	kid = strtoul(argv[3], NULL, 0);
	path = strtoul(argv[4], NULL, 0);
	counter = strtoull(argv[5], NULL, 0);
	if (!strncmp(argv[6], "icmp4:", 6))
		ilen = icmp4(inner, argv[6]);
	else if (!strncmp(argv[6], "hex:", 4))
		ilen = unhex(argv[6] + 4, inner, sizeof(inner));
	if (!ilen || kid > 255 || path > 255)
		goto usage;

	out[0] = AUTOVPN_MSG_DATA;
	out[1] = (uint8_t)kid;
	out[2] = (uint8_t)path;
	out[3] = 0;
	for (j = 0; j < 4; j++)
		out[4 + j] = (uint8_t)(rx >> (24 - 8 * j));
	for (j = 0; j < 8; j++)
		out[8 + j] = (uint8_t)(counter >> (56 - 8 * j));
	memcpy(nonce, salt, AUTOVPN_SALT_LEN);
	nonce[0] ^= (uint8_t)path;
	memcpy(nonce + AUTOVPN_SALT_LEN, out + 8, 8);
	crypto_aead_aes256gcm_encrypt(out + 16, &clen, inner, ilen, out, 16, NULL, nonce, key);
	sodium_memzero(key, sizeof(key));
	for (i = 0; i < 16 + clen; i++)
		printf("%02x", out[i]);
	printf("\n");
	return 0;
usage:
	fprintf(stderr, "usage: datapkt KEYFILE RXINDEX KEYID PATHID COUNTER "
			"icmp4:SRC:DST[:TOS]|hex:HEX\n");
	return 2;
}
