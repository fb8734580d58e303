/* SPDX-License-Identifier: GPL-2.0 */
/* avpn-gwsim: simulated gateways on loopback (tests and benchmarks only). */
#ifndef AVPN_GWSIM_H
#define AVPN_GWSIM_H

#include <stdint.h>
#include <netinet/in.h>

#include "base/clock.h"
#include "wire/regclient.h"

struct sim_gw {
	char name[64];
	uint8_t sk[32], pk[32];
	struct in_addr addr;	   /* 127.x.y.z source address */
	int fd[REGCLIENT_MAX_REG]; /* socket toward each registry (same one if friendly) */
	int unfriendly;		   /* other source port toward registry 2 */
	int silent;		   /* stops sending after it registered */
	int echo_blocked;	   /* its "firewall" drops what goes to the echo port */
	struct regclient rc;
	int done;		  /* peer list complete */
	uint64_t push_ms;	  /* when a push arrived; 0 = none */
	uint64_t repeers_ms;	  /* peer list refetched after the push */
	struct proto_path *paths; /* synthetic path status reported in keepalives */
};

struct sim {
	struct sim_gw *gw;
	uint32_t n;
	struct sockaddr_in reg[REGCLIENT_MAX_REG];
	unsigned int n_reg;
	uint8_t registry_pk[32];
	const char *record; /* write the first datagram to registry 1 here (replay tests) */
	int diag;	    /* at the end, every gateway asks about each of its peers */
	int recorded;
};

void sim_key(const char *seed, uint32_t i, uint8_t sk[32], uint8_t pk[32]);
struct in_addr sim_addr(uint32_t i);
int sim_parse_loopback(const char *s, struct sockaddr_in *out);

int sim_register(struct sim *s, double timeout_s, double run_s, double push_wait_s, int print);
int sim_load(struct sim *s, double duration_s, unsigned int window, const char *labels,
	     double reg_timeout_s, const char *keyfile);

#endif
