// SPDX-License-Identifier: GPL-2.0
/*
 * orggen: writes an org config with one hub and N spokes of S subnets each
 * (10.x.y.0/24 ..., spokes' public keys random: they never run), for the
 * scale benchmark of a hub programming its peers.
 *
 * usage: orggen HUB-PUBKEY-FILE REGKEY-FILE PSK-FILE N S > org.conf
 */
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>

#include "base/key.h"

int main(int argc, char **argv)
{
	uint8_t pub[KEY_LEN], k[KEY_LEN];
	char b64[KEY_B64_SIZE], err[128];
	unsigned int n, subnets, net = 0;

	if (argc != 6 || sodium_init() < 0) {
		fprintf(stderr, "usage: orggen HUB-PUBKEY-FILE REGKEY-FILE PSK-FILE N S\n");
		return 2;
	}
	if (key_read_file_public(argv[1], pub, err, sizeof(err))) {
		fprintf(stderr, "orggen: %s: %s\n", argv[1], err);
		return 1;
	}
	n = (unsigned int)atoi(argv[4]);
	subnets = (unsigned int)atoi(argv[5]);
	key_to_base64(b64, pub);
	printf("[organization]\nname = Scale\nregistry-private-key = %s\npsk-secret-file = %s\n\n",
	       argv[2], argv[3]);
	printf("[network \"hub\"]\npublic-key = %s\nmode = hub\nsubnet = 10.255.0.0/24 yes\n\n", b64);
	for (unsigned int i = 0; i < n; i++) {
		randombytes_buf(k, sizeof(k));
		key_clamp(k);
		key_public(pub, k);
		key_to_base64(b64, pub);
		printf("[network \"spoke %u\"]\npublic-key = %s\nmode = spoke\nhub = hub\n", i, b64);
		for (unsigned int s = 0; s < subnets; s++, net++)
			printf("subnet = 10.%u.%u.0/24 yes\n", net / 256, net % 256);
		printf("\n");
	}
	return 0;
}
