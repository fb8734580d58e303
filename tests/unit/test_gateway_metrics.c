// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/gateway/metrics.c's exposition builder, fed with a
 * made-up gateway (two uplinks, two registries, a peer up with a path up
 * and one down, a peer connecting without a key, a name that needs
 * escaping): `promtool check metrics` (Debian prometheus) must accept what
 * it writes, and the values must be the snapshot's.
 */
#include <check.h>
#include "unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "nl/avpnl.h"

static struct ctl_status st;
static struct ctl_peer peers[2];
static struct ctl_route routes[3];
static struct metrics_peer_extra extra[2];
static struct metrics_kpeer kpeers[1];

static void setup(void)
{
	memset(&st, 0, sizeof(st));
	memset(peers, 0, sizeof(peers));
	memset(routes, 0, sizeof(routes));
	memset(extra, 0, sizeof(extra));
	memset(kpeers, 0, sizeof(kpeers));
	strcpy(st.interface, "av0");
	strcpy(st.name, "Meraki London - Finsbury");
	strcpy(st.role, "spoke");
	st.config_version = 0x1234;
	st.uptime_ms = 61500;
	st.n_registries = 2;
	strcpy(st.registries[0].address, "192.0.2.10:9350");
	st.registries[0].connected = true;
	st.registries[0].last_contact_ms = 1200;
	strcpy(st.registries[1].address, "192.0.2.11:9350");
	st.registries[1].last_contact_ms = CTL_NEVER;
	st.n_uplinks = 2;
	for (unsigned int u = 0; u < 2; u++) {
		st.uplinks[u].id = (uint8_t)u;
		snprintf(st.uplinks[u].name, sizeof(st.uplinks[u].name), "wan%u", u + 1);
		snprintf(st.uplinks[u].device, sizeof(st.uplinks[u].device), "eth%u", u);
		strcpy(st.uplinks[u].nat, u ? "friendly" : "unfriendly");
		strcpy(st.uplinks[u].highport, "ok");
		st.uplinks[u].reg[0].connected = true;
	}
	st.n_peers = 2;
	st.peers = peers;
	strcpy(peers[0].name, "Cisco Cloud Interconnect - San Jose");
	peers[0].id = 7;
	strcpy(peers[0].role, "hub");
	strcpy(peers[0].state, "up");
	peers[0].handshake_ms = 30000;
	peers[0].n_paths = 2;
	peers[0].paths[0] = (struct ctl_path){ .id = 0,
					       .state = "up",
					       .rtt_us = 20000,
					       .jitter_us = 1500,
					       .loss = 100,
					       .changed_ms = 5000 };
	peers[0].paths[1] = (struct ctl_path){ .id = 3,
					       .local_uplink = 1,
					       .remote_uplink = 1,
					       .state = "down",
					       .loss = 10000,
					       .changed_ms = 2000 };
	strcpy(peers[1].name, "Lab \"B\" \\ 2");
	peers[1].id = 9;
	strcpy(peers[1].role, "hub");
	strcpy(peers[1].state, "connecting");
	peers[1].handshake_ms = CTL_NEVER;
	peers[1].n_paths = 1;
	peers[1].paths[0] = (struct ctl_path){
		.id = 0, .state = "punching", .loss = 0, .changed_ms = CTL_NEVER
	};
	st.n_routes = 3;
	st.routes = routes;
	strcpy(routes[0].decision, "direct");
	strcpy(routes[1].decision, "transit");
	strcpy(routes[2].decision, "none");
	extra[0].handshakes = 3;
	extra[0].paths[0].probes_sent = 100;
	extra[0].paths[0].replies = 99;
	extra[0].paths[0].state_changes = 2;
	extra[0].paths[3].state_changes = 3;
	kpeers[0].id = 7;
	kpeers[0].has_drops = true;
	kpeers[0].rx_packets = 10;
	kpeers[0].rx_bytes = 1400;
	kpeers[0].tx_packets = 12;
	kpeers[0].tx_bytes = 1600;
	kpeers[0].rx_ce_marks = 6;
	kpeers[0].tx_ce_marks = 9;
	kpeers[0].drops[AUTOVPN_DROP_REPLAY] = 4;
	kpeers[0].n_paths = 2;
	kpeers[0].paths[0].id = 0;
	kpeers[0].paths[0].rx_packets = 10;
	kpeers[0].paths[0].tx_bytes = 1600;
	kpeers[0].paths[1].id = 3;
}

static char *build(bool kernel_ok)
{
	struct metrics_snapshot s = {
		.st = &st,
		.extra = extra,
		.kpeers = kpeers,
		.n_kpeers = 1,
		.kernel_ok = kernel_ok,
		.uplinks = { { 50, 60, 1, 0 }, { 5, 6, 0, 2 } },
		.hs_results = { 7, 5000, 12, 3, 250 },
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(metrics_write(f, &s), 0);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

/* promtool's verdict on the text: its exit status, its complaints in out. */
static int promtool(const char *text, char *out, size_t cap)
{
	char path[] = "/tmp/avpn-metrics-XXXXXX", cmd[128];
	int fd = mkstemp(path), rc;
	FILE *p;
	size_t n;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	p = popen(cmd, "r");
	ck_assert_msg(p != NULL, "cannot run promtool (Debian package prometheus)");
	n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	rc = pclose(p);
	unlink(path);
	ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) != 127,
		      "promtool missing (make deps: Debian package prometheus)");
	return WEXITSTATUS(rc);
}

static void has(const char *text, const char *line)
{
	char *want;

	ck_assert_int_gt(asprintf(&want, "\n%s\n", line), 0);
	ck_assert_msg(strstr(text, want), "missing line: %s", line);
	free(want);
}

START_TEST(promtool_accepts_it)
{
	char *text = build(true), out[4096];

	ck_assert_msg(promtool(text, out, sizeof(out)) == 0 && !out[0], "promtool: %s\n%s", out,
		      text);
	free(text);
	/* Without the kernel's counters too. */
	text = build(false);
	ck_assert_msg(promtool(text, out, sizeof(out)) == 0 && !out[0], "promtool: %s", out);
	ck_assert_ptr_null(strstr(text, "receive_bytes_total{peer"));
	has(text, "autovpnd_kernel_counters_ok 0");
	free(text);
}
END_TEST

START_TEST(promtool_is_strict)
{
	char out[4096];

	/* The checker must refuse what breaks the conventions, or the above proves nothing. */
	ck_assert_int_ne(promtool("# HELP a_bytes x\n# TYPE a_bytes counter\na_bytes 1\n", out,
				  sizeof(out)),
			 0);
	ck_assert_int_ne(promtool("a{peer=\"x\"y\"} 1\n", out, sizeof(out)), 0);
}
END_TEST

START_TEST(values_are_the_snapshots)
{
	char *text = build(true);

	has(text, "autovpnd_info{gateway=\"Meraki London - Finsbury\",interface=\"av0\","
		  "role=\"spoke\",config_version=\"0000000000001234\"} 1");
	has(text, "autovpnd_uptime_seconds 61.500");
	has(text, "autovpnd_registry_connected{registry=\"1\",address=\"192.0.2.10:9350\"} 1");
	has(text, "autovpnd_registry_connected{registry=\"2\",address=\"192.0.2.11:9350\"} 0");
	has(text, "autovpnd_registry_last_contact_age_seconds{registry=\"1\","
		  "address=\"192.0.2.10:9350\"} 1.200");
	ck_assert_ptr_null(strstr(text, "last_contact_age_seconds{registry=\"2\""));
	has(text, "autovpnd_uplink_info{uplink=\"wan1\",device=\"eth0\",nat=\"unfriendly\","
		  "highport_echo=\"ok\"} 1");
	has(text, "autovpnd_uplink_send_failures_total{uplink=\"wan2\"} 2");
	has(text, "autovpnd_handshake_messages_total{result=\"accepted\"} 7");
	has(text, "autovpnd_handshake_messages_total{result=\"cookie_sent\"} 5000");
	has(text, "autovpnd_handshake_messages_total{result=\"rate_limited\"} 12");
	has(text, "autovpnd_handshake_messages_total{result=\"bad_mac1\"} 3");
	has(text, "autovpnd_handshake_messages_total{result=\"dropped\"} 250");
	has(text, "autovpnd_peer_up{peer=\"Cisco Cloud Interconnect - San Jose\",role=\"hub\"} 1");
	has(text, "autovpnd_peer_state{peer=\"Lab \\\"B\\\" \\\\ 2\",state=\"connecting\"} 1");
	has(text, "autovpnd_peer_key_age_seconds{peer=\"Cisco Cloud Interconnect - San Jose\"} "
		  "30.000");
	ck_assert_ptr_null(strstr(text, "key_age_seconds{peer=\"Lab"));
	has(text, "autovpnd_peer_handshakes_total{peer=\"Cisco Cloud Interconnect - San Jose\"} 3");
	has(text, "autovpnd_peer_receive_bytes_total{peer=\"Cisco Cloud Interconnect - San Jose\"} "
		  "1400");
	has(text,
	    "autovpnd_peer_receive_ce_marks_total{peer=\"Cisco Cloud Interconnect - San Jose\"} "
	    "6");
	has(text,
	    "autovpnd_peer_transmit_ce_marks_total{peer=\"Cisco Cloud Interconnect - San Jose\"} "
	    "9");
	has(text, "autovpnd_peer_drops_total{peer=\"Cisco Cloud Interconnect - San Jose\","
		  "reason=\"replay\"} 4");
	has(text, "autovpnd_path_state{peer=\"Cisco Cloud Interconnect - San Jose\","
		  "local_uplink=\"wan2\",remote_uplink=\"wan2\",state=\"down\"} 1");
	has(text, "autovpnd_path_rtt_seconds{peer=\"Cisco Cloud Interconnect - San Jose\","
		  "local_uplink=\"wan1\",remote_uplink=\"wan1\"} 0.020000");
	has(text, "autovpnd_path_jitter_seconds{peer=\"Cisco Cloud Interconnect - San Jose\","
		  "local_uplink=\"wan1\",remote_uplink=\"wan1\"} 0.001500");
	has(text, "autovpnd_path_loss_ratio{peer=\"Cisco Cloud Interconnect - San Jose\","
		  "local_uplink=\"wan2\",remote_uplink=\"wan2\"} 1.0000");
	has(text, "autovpnd_path_state_changes_total{peer=\"Cisco Cloud Interconnect - San Jose\","
		  "local_uplink=\"wan2\",remote_uplink=\"wan2\"} 3");
	has(text, "autovpnd_path_probe_replies_total{peer=\"Cisco Cloud Interconnect - San Jose\","
		  "local_uplink=\"wan1\",remote_uplink=\"wan1\"} 99");
	has(text, "autovpnd_path_transmit_bytes_total{peer=\"Cisco Cloud Interconnect - San Jose\","
		  "local_uplink=\"wan1\",remote_uplink=\"wan1\"} 1600");
	/* No RTT before a probe was answered; no kernel counters for a peer it lacks. */
	ck_assert_ptr_null(strstr(text, "rtt_seconds{peer=\"Lab"));
	ck_assert_ptr_null(strstr(text, "receive_bytes_total{peer=\"Lab"));
	has(text, "autovpnd_routes{decision=\"transit\"} 1");
	has(text, "autovpnd_routes{decision=\"relay\"} 0");
	free(text);
}
END_TEST

/*
 * Every drop reason the kernel has gets its own series: a name (a reason
 * added to the uapi enum without one would print "(null)"), of the label
 * characters the tools use, and no two alike.
 */
START_TEST(every_drop_reason_is_named)
{
	char *text, want[96];

	kpeers[0].drops[AUTOVPN_DROP_TX_CONGESTION] = 7;
	kpeers[0].drops[AUTOVPN_DROP_RX_CONGESTION] = 8;
	text = build(true);
	for (unsigned int r = 1; r < __AUTOVPN_DROP_MAX; r++) {
		const char *name = avpnl_drop_name(r);

		ck_assert_msg(name && *name, "drop reason %u has no name", r);
		ck_assert_msg(strspn(name, "abcdefghijklmnopqrstuvwxyz_") == strlen(name),
			      "drop reason %u: name %s", r, name);
		for (unsigned int o = 1; o < r; o++)
			ck_assert_str_ne(name, avpnl_drop_name(o));
		snprintf(want, sizeof(want), ",reason=\"%s\"} ", name);
		ck_assert_msg(strstr(text, want), "no series for %s", name);
	}
	ck_assert_ptr_null(avpnl_drop_name(__AUTOVPN_DROP_MAX));
	has(text, "autovpnd_peer_drops_total{peer=\"Cisco Cloud Interconnect - San Jose\","
		  "reason=\"tx_congestion\"} 7");
	has(text, "autovpnd_peer_drops_total{peer=\"Cisco Cloud Interconnect - San Jose\","
		  "reason=\"rx_congestion\"} 8");
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gateway_metrics");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30); /* promtool starts in about a second */
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, promtool_accepts_it);
	tcase_add_test(tc, promtool_is_strict);
	tcase_add_test(tc, values_are_the_snapshots);
	tcase_add_test(tc, every_drop_reason_is_named);
	return unit_run(s, tc);
}
