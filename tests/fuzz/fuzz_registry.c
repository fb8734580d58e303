// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the registry's datagram handling (daemon/registry/
 * handle.c with the gateway table, topology views and paging), on a small org
 * config written at start-up: hubs A and B (B with manual NAT), spoke C.
 * The input is a sequence of datagrams separated by the bytes ff fe. The
 * first byte of each chooses the sender (gateway A, B, C or a stranger), how
 * the rest is sent (sealed as REG_REQ, KEEPALIVE, ECHO or DIAG_REQ body with a fresh or
 * a replayed counter, to this registry or the other, or raw), the socket
 * (main or high-port echo) and the source port. Every answer the registry
 * gives must open with the gateway's key and decode: the registry never
 * emits a malformed message, and never answers what did not authenticate.
 *
 *   build: tests/fuzz/build.mk;  run: build/fuzz/fuzz_registry tests/fuzz/corpus/registry
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <sodium.h>

#include "base/key.h"
#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct registry reg;
static uint8_t sk[4][32], pk[4][32], reg_pk[32];
static struct seal_key gk[4];
static uint64_t counter = 1000000000000000000ull;

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		abort();
}

static char dir[] = "/tmp/fuzz-registry.XXXXXX";

/* libFuzzer ends with exit(): leave no config files behind. */
static void remove_dir(void)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/org.conf", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/registry.key", dir);
	unlink(path);
	rmdir(dir);
}

static void setup(void)
{
	static char cfg[8192], path[600];
	char b64[4][KEY_B64_SIZE], rk[KEY_B64_SIZE], psk[KEY_B64_SIZE];
	uint8_t reg_sk[32], secret[32];

	if (seal_init() || !mkdtemp(dir))
		abort();
	atexit(remove_dir);
	memset(reg_sk, 1, 32);
	memset(secret, 9, 32);
	crypto_scalarmult_base(reg_pk, reg_sk);
	key_to_base64(rk, reg_sk);
	key_to_base64(psk, secret);
	umask(077);
	snprintf(cfg, sizeof(cfg), "%s\n", rk);
	write_file(dir, "registry.key", cfg);
	for (int i = 0; i < 4; i++) {
		memset(sk[i], i + 2, 32);
		crypto_scalarmult_base(pk[i], sk[i]);
		key_to_base64(b64[i], pk[i]);
		seal_precompute(&gk[i], reg_pk, sk[i], pk[i]);
	}
	snprintf(cfg, sizeof(cfg),
		 "[organization]\nname = fuzz\nregistry-private-key = registry.key\n"
		 "psk-secret = %s\n\n"
		 "[network \"A\"]\npublic-key = %s\nmode = hub\nsubnet = 10.1.0.0/16 yes\n"
		 "exit-hub = B\n\n"
		 "[network \"B\"]\npublic-key = %s\nmode = hub\nsubnet = 10.2.0.0/16 yes\n"
		 "nat-traversal = manual 203.0.113.10:51625\n\n"
		 "[network \"C\"]\npublic-key = %s\nmode = spoke\nhub = \"A\" default-route\n"
		 "hub = B\nsubnet = 10.3.0.0/24 yes\nsubnet = fd00:3::/64 yes\n"
		 "subnet = 10.4.0.0/24 no\n",
		 psk, b64[0], b64[1], b64[2]);
	write_file(dir, "org.conf", cfg);
	snprintf(path, sizeof(path), "%s/org.conf", dir);
	reg.config_path = path;
	reg.id = 1;
	reg.sender_id = 0x100 | reg.id;
	reg.keepalive_ms = 10000;
	reg.max_skew_s = 0; /* counters here are synthetic */
	reg.echo_port = 40001;
	view_init(&reg);
	if (reload_config(&reg, 1))
		abort();
}

/* Every answer must be authentic for the sender and decode cleanly. */
static void check_reply(int who, const uint8_t *msg, size_t len)
{
	static struct proto_reg_resp resp;
	struct proto_keepalive_ack ack;
	uint8_t body[PROTO_MAX_MSG];
	struct seal_hdr h;
	ssize_t n;

	if (who > 2 || len > PROTO_MAX_MSG || seal_peek(msg, len, &h) || h.from != reg.id || h.to)
		abort();
	n = seal_open(body, sizeof(body), msg, len, &gk[who]);
	if (n < 0)
		abort();
	if (h.type == PROTO_T_REG_RESP) {
		if (proto_dec_reg_resp(body, (size_t)n, &resp))
			abort();
	} else if (h.type == PROTO_T_KEEPALIVE_ACK) {
		if (proto_dec_keepalive_ack(body, (size_t)n, &ack))
			abort();
	} else if (h.type == PROTO_T_ECHO_REPLY) {
		struct proto_echo_reply er;

		if (proto_dec_echo_reply(body, (size_t)n, &er))
			abort();
	} else if (h.type == PROTO_T_DIAG_RESP) {
		struct proto_diag_resp dr;

		if (proto_dec_diag_resp(body, (size_t)n, &dr))
			abort();
	} else {
		abort();
	}
}

static void one(const uint8_t *p, size_t n, uint64_t now)
{
	uint8_t msg[PROTO_MAX_MSG + 64], out[PROTO_MAX_MSG];
	struct sockaddr_in *sin;
	struct handle_rx rx;
	size_t len, rlen;
	int who, how;

	if (!n)
		return;
	who = p[0] & 3;
	how = p[0] >> 2 & 7;
	memset(&rx, 0, sizeof(rx));
	rx.echo = (p[0] >> 5) == 6; /* to the high-port echo socket */
	sin = (struct sockaddr_in *)&rx.src;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x7f010000u + (uint32_t)who);
	sin->sin_port = htons((uint16_t)(40000 + (p[0] >> 5)));
	p++;
	n--;
	if (how >= 6) {
		/* raw datagram */
		if (n > sizeof(msg))
			n = sizeof(msg);
		memcpy(msg, p, n);
		len = n;
	} else {
		uint8_t type = how & 1 ? PROTO_T_KEEPALIVE : PROTO_T_REG_REQ;
		uint64_t c = how & 2 ? counter : ++counter; /* 2, 3: replay */
		ssize_t sl;

		struct seal_hdr h = { .to = 1, .sender_id = 7, .sender_pk = pk[who], .counter = c };

		if (how & 4)
			type = (uint8_t)(PROTO_T_REG_RESP + (how & 1)); /* wrong direction */
		if ((p[-1] >> 5) >= 5)
			type = PROTO_T_ECHO;
		else if ((p[-1] >> 5) == 4)
			type = PROTO_T_DIAG_REQ;
		h.type = type;
		if ((p[-1] >> 5) == 7)
			h.to = 2; /* for the other registry */
		sl = seal_msg_hdr(msg, sizeof(msg), &h, &gk[who], p,
				  n > PROTO_MAX_BODY ? PROTO_MAX_BODY : n);
		if (sl < 0)
			return;
		len = (size_t)sl;
	}
	rx.buf = msg;
	rx.len = len;
	rlen = handle_datagram(&reg, &rx, out, sizeof(out), now);
	if (rlen)
		check_reply(who, out, rlen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	uint64_t now = 1000000;

	if (!init) {
		setup();
		init = 1;
	}
	for (size_t off = 0; off < size;) {
		size_t end = off;

		while (end + 1 < size && !(data[end] == 0xff && data[end + 1] == 0xfe))
			end++;
		if (end + 1 >= size)
			end = size;
		one(data + off, end - off, now);
		now += 5000;
		off = end + 2;
	}
	return 0;
}
