/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gw_keys_fixture.h - a gateway and one peer built by hand for the unit
 * tests of keys.c (test_gateway_keys.c, test_gateway_refused.c): fixed
 * static keys (ours 5...5, the peer's 6...6), every path idle, the default
 * probe interval and rekey age, and our handshake state for the peer with
 * receive index @rx_index. No kernel, no sockets.
 */
#ifndef AVPN_TESTS_GW_KEYS_FIXTURE_H
#define AVPN_TESTS_GW_KEYS_FIXTURE_H

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "gateway.h"

/* @peer_sk gets the peer's static private key (to answer as the peer). */
static inline void gw_keys_fixture(struct gw *gw, struct gw_peer *peer, const uint8_t psk[32],
				   uint32_t rx_index, uint8_t peer_sk[32])
{
	ck_assert_int_ge(sodium_init(), 0);
	memset(gw, 0, sizeof(*gw));
	memset(peer, 0, sizeof(*peer));
	memset(gw->sk, 5, 32);
	crypto_scalarmult_base(gw->pk, gw->sk);
	memset(peer_sk, 6, 32);
	crypto_scalarmult_base(peer->pk, peer_sk);
	peer->gw = gw;
	snprintf(peer->name, sizeof(peer->name), "B");
	peer->cur_key_id = peer->prev_key_id = peer->next_key_id = -1;
	peer->we_are_first = memcmp(gw->pk, peer->pk, 32) < 0;
	for (uint8_t k = 0; k < GW_MAX_PATHS; k++) /* all idle: no path */
		path_init(peer_path(peer, k / 2, k % 2), peer->we_are_first, k / 2, k % 2);
	gw->opts.probe_ms = GW_DEFAULT_PROBE_MS;
	gw->opts.rekey_secs = GW_DEFAULT_REKEY_SECS;
	ck_assert_int_eq(handshake_identity_init(&gw->hs_id, gw->sk), 0);
	ck_assert_int_eq(handshake_peer_init(&gw->hs_id, &peer->hs, peer->pk, psk, rx_index), 0);
}

#endif
