// SPDX-License-Identifier: GPL-2.0
/* avpn-gwsim helpers: deterministic keys, loopback addresses. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sodium.h>

#include "base/endpoint.h"
#include "base/key.h"
#include "gwsim.h"

/*
 * Gateway i's key pair from a seed string, so that a script can generate the
 * org config listing the same public keys (`avpn-gwsim keys`).
 */
void sim_key(const char *seed, uint32_t i, uint8_t sk[32], uint8_t pk[32])
{
	uint8_t in[4] = { i >> 24, i >> 16, i >> 8, i };

	crypto_generichash(sk, 32, in, sizeof(in), (const uint8_t *)seed, strlen(seed));
	key_clamp(sk);
	crypto_scalarmult_base(pk, sk);
}

/* 127.1.0.0 + i: one loopback source address per simulated gateway. */
struct in_addr sim_addr(uint32_t i)
{
	struct in_addr a = { htonl(0x7f010000u + i) };

	return a;
}

/* Accepts only 127.0.0.0/8 destinations: the simulator never leaves the host. */
int sim_parse_loopback(const char *s, struct sockaddr_in *out)
{
	struct endpoint ep;
	const char *why;

	if (endpoint_parse(s, &ep, &why) || ep.addr.family != AF_INET ||
	    (ntohl(ep.addr.v4.s_addr) >> 24) != 127) {
		fprintf(stderr, "avpn-gwsim: '%s' is not a 127.0.0.0/8 ADDR:PORT\n", s);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_addr = ep.addr.v4;
	out->sin_port = htons(ep.port);
	return 0;
}
