// SPDX-License-Identifier: GPL-2.0
/*
 * test_gateway_diagnose.c - autovpnd's findings (daemon/gateway/diagnose.c)
 * from a status snapshot and what peers report through the registry
 * (DIAG): each cause is named, with the side that blocks.
 */
#include <check.h>
#include "unit.h"
#include <stdio.h>
#include <string.h>

#include "diagnose.h"

static struct ctl_status st;
static struct ctl_peer peer;
static struct ctl_diagnosis d;

static void setup(void)
{
	memset(&st, 0, sizeof(st));
	memset(&peer, 0, sizeof(peer));
	memset(&d, 0, sizeof(d));
	st.n_registries = 2;
	snprintf(st.registries[0].address, sizeof(st.registries[0].address), "192.0.2.1:9350");
	snprintf(st.registries[1].address, sizeof(st.registries[1].address), "192.0.2.2:9350");
	st.registries[0].connected = st.registries[1].connected = 1;
	st.n_uplinks = 1;
	snprintf(st.uplinks[0].name, sizeof(st.uplinks[0].name), "wan1");
	snprintf(st.uplinks[0].nat, sizeof(st.uplinks[0].nat), "friendly");
	snprintf(st.uplinks[0].local, sizeof(st.uplinks[0].local), "172.16.3.2:40000");
	snprintf(st.uplinks[0].mapped, sizeof(st.uplinks[0].mapped), "198.18.3.2:40000");
	snprintf(st.uplinks[0].highport, sizeof(st.uplinks[0].highport), "ok");
	/* One peer with an endpoint whose only path never answered. */
	snprintf(peer.name, sizeof(peer.name), "London");
	snprintf(peer.state, sizeof(peer.state), "connecting");
	peer.n_endpoints = 1;
	peer.n_paths = 1;
	snprintf(peer.paths[0].state, sizeof(peer.paths[0].state), "punching");
	st.peers = &peer;
	st.n_peers = 1;
}

static void teardown(void)
{
	ctl_diagnosis_free(&d);
}

/* The finding about the peer; fails if there is not exactly one. */
static const struct ctl_finding *about_peer(void)
{
	const struct ctl_finding *f = NULL;

	for (uint32_t i = 0; i < d.n_findings; i++) {
		if (strcmp(d.findings[i].subject, "London"))
			continue;
		ck_assert_ptr_null(f);
		f = &d.findings[i];
	}
	ck_assert_ptr_nonnull(f);
	return f;
}

static struct proto_diag_resp report(uint8_t connected, uint8_t echo)
{
	struct proto_diag_resp r;

	memset(&r, 0, sizeof(r));
	r.status = PROTO_DIAG_OK;
	r.connected = connected;
	r.last_seen_s = connected ? 1 : 42;
	r.n_uplinks = 1;
	r.uplinks[0].connected = connected;
	r.uplinks[0].echo = echo;
	return r;
}

START_TEST(no_report_says_one_side)
{
	const struct ctl_finding *f;

	ck_assert_int_eq(diagnose(&st, NULL, &d), 0);
	f = about_peer();
	ck_assert_str_eq(f->severity, "error");
	ck_assert_ptr_nonnull(strstr(f->cause, "a firewall on one side"));
	ck_assert_ptr_nonnull(strstr(f->fix, "both gateways"));
}
END_TEST

START_TEST(peer_side_blocks)
{
	struct proto_diag_resp r = report(1, PROTO_ECHO_BLOCKED);
	const struct proto_diag_resp *remote[] = { &r };
	const struct ctl_finding *f;

	ck_assert_int_eq(diagnose(&st, remote, &d), 0);
	f = about_peer();
	ck_assert_str_eq(f->severity, "error");
	ck_assert_ptr_nonnull(strstr(f->cause, "block is on London's side"));
	ck_assert_ptr_nonnull(strstr(f->fix, "London's upstream firewall"));
}
END_TEST

START_TEST(our_side_blocks)
{
	/* Our echo is blocked: whatever the peer reports, the block is here. */
	struct proto_diag_resp r = report(1, PROTO_ECHO_OK);
	const struct proto_diag_resp *remote[] = { &r };
	const struct ctl_finding *f;
	bool uplink_error = false;

	snprintf(st.uplinks[0].highport, sizeof(st.uplinks[0].highport), "blocked");
	ck_assert_int_eq(diagnose(&st, remote, &d), 0);
	f = about_peer();
	ck_assert_ptr_nonnull(strstr(f->cause, "block is on this side"));
	ck_assert_ptr_nonnull(strstr(f->fix, "this gateway's upstream"));
	for (uint32_t i = 0; i < d.n_findings; i++)
		uplink_error |= !strcmp(d.findings[i].subject, "wan1") &&
				!strcmp(d.findings[i].severity, "error");
	ck_assert(uplink_error);
}
END_TEST

START_TEST(both_sides_send_inbound_dropped)
{
	struct proto_diag_resp r = report(1, PROTO_ECHO_OK);
	const struct proto_diag_resp *remote[] = { &r };
	const struct ctl_finding *f;

	ck_assert_int_eq(diagnose(&st, remote, &d), 0);
	f = about_peer();
	ck_assert_ptr_nonnull(strstr(f->cause, "both sides can send"));
}
END_TEST

/*
 * A peer behind manual port forwarding that registers and sends, but does
 * not answer: its forward is named, with the endpoint, whatever its echo.
 */
START_TEST(manual_forward_named)
{
	struct proto_diag_resp r = report(1, PROTO_ECHO_OK);
	const struct proto_diag_resp *remote[] = { &r };
	const struct ctl_finding *f;
	const char *why;

	r.uplinks[0].nat = PROTO_NAT_MANUAL;
	ck_assert_int_eq(endpoint_parse("203.0.113.7:51625", &r.uplinks[0].pub, &why), 0);
	ck_assert_int_eq(diagnose(&st, remote, &d), 0);
	f = about_peer();
	ck_assert_str_eq(f->severity, "error");
	ck_assert_ptr_nonnull(strstr(f->cause, "forwarded endpoint 203.0.113.7:51625"));
	ck_assert_ptr_nonnull(strstr(f->fix, "London's upstream forwards UDP 203.0.113.7:51625"));
	/* A friendly NAT's observed endpoint is no forward. */
	ctl_diagnosis_free(&d);
	memset(&d, 0, sizeof(d));
	r.uplinks[0].nat = PROTO_NAT_FRIENDLY;
	ck_assert_int_eq(diagnose(&st, remote, &d), 0);
	ck_assert_ptr_null(strstr(about_peer()->cause, "forward"));
}
END_TEST

START_TEST(peer_offline)
{
	struct proto_diag_resp r = report(0, PROTO_ECHO_OK);
	const struct proto_diag_resp *remote[] = { &r };
	const struct ctl_finding *f;

	ck_assert_int_eq(diagnose(&st, remote, &d), 0);
	f = about_peer();
	ck_assert_ptr_nonnull(strstr(f->cause, "last heard from it 42 s ago"));
	ck_assert_ptr_nonnull(strstr(f->fix, "UDP 9350-9381"));
	ctl_diagnosis_free(&d);
	r.last_seen_s = PROTO_DIAG_NONE;
	ck_assert_int_eq(diagnose(&st, remote, &d), 0);
	ck_assert_ptr_nonnull(strstr(about_peer()->cause, "has not heard from it"));
}
END_TEST

START_TEST(unknown_to_registry_falls_back)
{
	/* NOT_PEER / NEVER carry nothing to go on: the generic finding. */
	struct proto_diag_resp r = report(1, PROTO_ECHO_BLOCKED);
	const struct proto_diag_resp *remote[] = { &r };

	r.status = PROTO_DIAG_NOT_PEER;
	ck_assert_int_eq(diagnose(&st, remote, &d), 0);
	ck_assert_ptr_nonnull(strstr(about_peer()->cause, "a firewall on one side"));
}
END_TEST

START_TEST(up_peer_is_ok)
{
	struct proto_diag_resp r = report(1, PROTO_ECHO_BLOCKED);
	const struct proto_diag_resp *remote[] = { &r };
	const struct ctl_finding *f;

	snprintf(peer.state, sizeof(peer.state), "up");
	ck_assert_int_eq(diagnose(&st, remote, &d), 0);
	f = about_peer();
	ck_assert_str_eq(f->severity, "ok");
}
END_TEST

START_TEST(unregistered_peer)
{
	peer.n_endpoints = 0;
	ck_assert_int_eq(diagnose(&st, NULL, &d), 0);
	ck_assert_ptr_nonnull(strstr(about_peer()->cause, "is not registered"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gateway_diagnose");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, no_report_says_one_side);
	tcase_add_test(tc, peer_side_blocks);
	tcase_add_test(tc, our_side_blocks);
	tcase_add_test(tc, both_sides_send_inbound_dropped);
	tcase_add_test(tc, manual_forward_named);
	tcase_add_test(tc, peer_offline);
	tcase_add_test(tc, unknown_to_registry_falls_back);
	tcase_add_test(tc, up_peer_is_ok);
	tcase_add_test(tc, unregistered_peer);
	return unit_run(s, tc);
}
