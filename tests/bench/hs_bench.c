// SPDX-License-Identifier: GPL-2.0
/*
 * hs_bench: what one core of a responder (a hub) handles, in CPU time of
 * this process, so the figure does not depend on what else the machine
 * runs:
 *   - handshakes: HS_INIT consumed and HS_RESP created (handshake_respond,
 *     keys derived), from 256 distinct initiators;
 *   - the X25519 bound: the same number of scalar multiplications alone
 *     (4 per handshake: es, ee, se, our ephemeral; ss is precomputed per
 *     peer, as WireGuard does), i.e. what any implementation on libsodium's
 *     X25519 could reach;
 *   - cookie replies under load and MAC1 rejections (the flood paths).
 * The initiations are made before the clock runs. Usage: hs_bench [ROUNDS]
 * (default 20 rounds of 256 handshakes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>

#include "wire/handshake.h"

#define NPEERS 256
#define SEC 1000000000ull
#define WALL0 (1700000000ull * SEC)

struct initiator {
	struct handshake_identity id;
	struct handshake_peer peer; /* its view of the responder */
	struct sockaddr_in addr;
	uint8_t init[HSMSG_INIT_LEN];
};

static struct initiator ini[NPEERS];
static struct handshake_peer peers[NPEERS]; /* the responder's view of each */
static struct handshake_identity resp;

/* Open addressing on the key's first bytes, confirmed in constant time. */
static int table[NPEERS * 4];

static unsigned int slot_of(const uint8_t pub[32])
{
	uint32_t h;

	memcpy(&h, pub, sizeof(h));
	return h % (NPEERS * 4);
}

static struct handshake_peer *lookup(void *ctx, const uint8_t pub[32])
{
	unsigned int s = slot_of(pub);

	while (table[s]) {
		struct handshake_peer *p = &peers[table[s] - 1];

		if (!sodium_memcmp(p->remote_static, pub, 32))
			return p;
		s = (s + 1) % (NPEERS * 4);
	}
	return NULL;
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "hs_bench: %s\n", what);
	exit(1);
}

int main(int argc, char **argv)
{
	static const uint8_t psk[32] = {1};
	int rounds = argc > 1 ? atoi(argv[1]) : 20, r, i;
	double t0, cpu_hs = 0, cpu_dh, cpu_cookie, cpu_mac1;
	uint64_t dh0, dh_per_hs, n_hs = 0;
	struct handshake_reply rep;
	struct handshake_keys k;
	struct handshake_peer *p;
	uint8_t priv[32];

	if (rounds < 1 || sodium_init() < 0)
		die("usage: hs_bench [ROUNDS]");
	randombytes_buf(priv, sizeof(priv));
	if (handshake_identity_init(&resp, priv))
		die("identity");
	for (i = 0; i < NPEERS; i++) {
		unsigned int s;

		randombytes_buf(priv, sizeof(priv));
		if (handshake_identity_init(&ini[i].id, priv) ||
		    handshake_peer_init(&ini[i].id, &ini[i].peer, resp.static_pub, psk, 1 + i) ||
		    handshake_peer_init(&resp, &peers[i], ini[i].id.static_pub, psk, 1000 + i) ||
		    !handshake_peer_ss(&ini[i].id, &ini[i].peer) ||
		    !handshake_peer_ss(&resp, &peers[i])) /* before the clock starts */
			die("peer");
		ini[i].addr.sin_family = AF_INET;
		ini[i].addr.sin_port = htons((uint16_t)(40000 + i));
		ini[i].addr.sin_addr.s_addr = htonl(0x7f000001);
		for (s = slot_of(ini[i].id.static_pub); table[s]; s = (s + 1) % (NPEERS * 4))
			;
		table[s] = i + 1;
	}

	for (r = 0; r < rounds; r++) {
		uint64_t now = (uint64_t)(r + 1) * SEC;

		for (i = 0; i < NPEERS; i++)
			if (handshake_initiate(&ini[i].id, &ini[i].peer, now, WALL0 + now,
					       ini[i].init))
				die("initiate");
		dh0 = noise_dh_count();
		t0 = cpu_now();
		for (i = 0; i < NPEERS; i++) {
			struct handshake_rx rx = {ini[i].init, HSMSG_INIT_LEN,
						  (const struct sockaddr *)&ini[i].addr, now,
						  false};

			if (handshake_respond(&resp, &rx, lookup, NULL, &rep, &k, &p) !=
			    HANDSHAKE_SEND_RESP)
				die("respond failed");
		}
		cpu_hs += cpu_now() - t0;
		n_hs += NPEERS;
	}
	dh_per_hs = (noise_dh_count() - dh0) / NPEERS;

	/* X25519 alone, as many as the handshakes needed */
	{
		uint8_t sk[32], pk[32], out[32];
		uint64_t j, n = n_hs * dh_per_hs;

		randombytes_buf(sk, sizeof(sk));
		crypto_scalarmult_base(pk, sk);
		t0 = cpu_now();
		for (j = 0; j < n; j++) {
			if (crypto_scalarmult(out, sk, pk))
				die("x25519");
			sk[0] ^= out[0]; /* a dependency the compiler cannot drop */
		}
		cpu_dh = cpu_now() - t0;
	}

	/* under load without MAC2: cookie replies */
	t0 = cpu_now();
	for (r = 0; r < 100; r++) {
		for (i = 0; i < NPEERS; i++) {
			struct handshake_rx rx = {ini[i].init, HSMSG_INIT_LEN,
						  (const struct sockaddr *)&ini[i].addr,
						  (uint64_t)(rounds + 1) * SEC, true};

			if (handshake_respond(&resp, &rx, lookup, NULL, &rep, &k, &p) !=
			    HANDSHAKE_SEND_COOKIE)
				die("cookie");
		}
	}
	cpu_cookie = cpu_now() - t0;

	/* garbage with a wrong MAC1 */
	t0 = cpu_now();
	for (r = 0; r < 100; r++) {
		for (i = 0; i < NPEERS; i++) {
			struct handshake_rx rx = {ini[i].init, HSMSG_INIT_LEN,
						  (const struct sockaddr *)&ini[i].addr, 0, true};

			ini[i].init[20] ^= 1;
			if (handshake_respond(&resp, &rx, lookup, NULL, &rep, &k, &p) != -EACCES)
				die("mac1");
			ini[i].init[20] ^= 1;
		}
	}
	cpu_mac1 = cpu_now() - t0;

	printf("hs_bench: responder handshakes (HS_INIT in, HS_RESP out): %llu in %.3f CPU-s = "
	       "%.0f per CPU-second (%.1f us each, %llu X25519 each)\n",
	       (unsigned long long)n_hs, cpu_hs, n_hs / cpu_hs, cpu_hs / n_hs * 1e6,
	       (unsigned long long)dh_per_hs);
	printf("hs_bench: X25519 bound (libsodium %s): %.0f handshakes per CPU-second; "
	       "handshake = %.0f%% of it\n",
	       sodium_version_string(), n_hs / cpu_dh, 100.0 * cpu_dh / cpu_hs);
	printf("hs_bench: cookie replies under load: %.0f per CPU-second\n",
	       100.0 * NPEERS / cpu_cookie);
	printf("hs_bench: MAC1 rejections: %.0f per CPU-second\n", 100.0 * NPEERS / cpu_mac1);
	return 0;
}
