// SPDX-License-Identifier: GPL-2.0
/*
 * pktfuzz: random and mutated datagrams at an autovpn uplink.
 *
 * Seeds: DATA packets captured on the wire (-p PCAP: every UDP payload whose
 * first byte is AUTOVPN_MSG_DATA), and valid DATA packets it builds itself
 * with known keys (-k, as tests/net/wirecheck.c reads them; libsodium's
 * AES-256-GCM, nonce = salt with salt[0] ^ path id || counter, AAD = the
 * header), carrying an inner IPv4 or IPv6 UDP packet from SRC to DST (-i),
 * with counters of its own far above the real traffic's. Each datagram sent
 * is one of:
 *   - a seed as is (a built one is delivered once; its copy is a replay),
 *   - a seed mutated: bits flipped, bytes set, truncated, extended, two
 *     spliced, a header field changed (type, key id, path id, reserved,
 *     receiver index, counter),
 *   - random bytes after a DATA type byte, or after any other byte,
 *   - empty.
 * Sizes go from 0 to MAXLEN (default 1500; more makes IP fragments).
 *
 * usage: pktfuzz -d DSTIP:PORT [-b SRCIP] [-s SEED] [-n COUNT] [-t SECS]
 *                [-p PCAP]... [-k RXINDEX:KEYID:KEYFILE]... [-i SRC,DST]
 *                [-m MAXLEN] [-r RATE]
 *   -r  datagrams per second at most (default 2000), so the receiver keeps up
 *
 * Output: "pktfuzz: N datagrams: D DATA-typed (V valid built, R replays, M
 * mutated, G garbage), O other-typed, E empty" and "PKTFUZZ data=D other=O"
 * for the scenario's accounting: every DATA-typed datagram must be dropped
 * and counted, or delivered (counted as received); every other one must be
 * left in the socket for the daemon.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/autovpn.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEEDS 256
#define MAX_KEYS 8
#define MAX_DGRAM 65507

struct seed {
	size_t len;
	uint8_t *p;
	bool built; /* valid when sent as is (first time) */
};

struct keyspec {
	uint32_t rx_index;
	uint8_t key_id;
	uint8_t key[AUTOVPN_KEY_LEN];
	uint8_t salt[AUTOVPN_SALT_LEN];
	uint64_t counter;
};

static struct seed seeds[MAX_SEEDS];
static int nseeds;
static struct keyspec keys[MAX_KEYS];
static int nkeys;
static uint64_t rng;
static int inner_family;
static uint8_t inner_src[16], inner_dst[16];
static size_t maxlen = 1500;

static struct {
	unsigned long data, other, empty, valid, replay, mutated, garbage, errors;
} cnt;

static uint64_t rnd64(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd64() >> 32) % n : 0;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	while (n--)
		*p++ = (uint8_t)rnd64();
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "pktfuzz: out of memory\n");
		exit(2);
	}
	return p;
}

static void add_seed(const uint8_t *p, size_t len, bool built)
{
	struct seed *s;

	if (nseeds >= MAX_SEEDS) {
		s = &seeds[below(MAX_SEEDS)];
		free(s->p);
	} else {
		s = &seeds[nseeds++];
	}
	s->p = xmalloc(len);
	memcpy(s->p, p, len);
	s->len = len;
	s->built = built;
}

/* ---- seeds from captures ----------------------------------------------------- */

static void load_pcap(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const uint8_t *f;
	pcap_t *pc = pcap_open_offline(path, err);
	int lt, n = 0;

	if (!pc) {
		fprintf(stderr, "pktfuzz: %s: %s\n", path, err);
		exit(2);
	}
	lt = pcap_datalink(pc);
	while (pcap_next_ex(pc, &h, &f) == 1) {
		size_t off = lt == DLT_EN10MB ? 14 : lt == DLT_LINUX_SLL ? 16 : lt == DLT_RAW ? 0 : 0;
		size_t ihl, caplen = h->caplen;

		if (caplen < off + 1)
			continue;
		if ((f[off] >> 4) == 4) {
			ihl = (size_t)(f[off] & 15) * 4;
			if (f[off + 9] != IPPROTO_UDP)
				continue;
		} else if ((f[off] >> 4) == 6) {
			ihl = 40;
			if (f[off + 6] != IPPROTO_UDP)
				continue;
		} else {
			continue;
		}
		off += ihl + 8;
		if (caplen <= off || f[off] != AUTOVPN_MSG_DATA)
			continue;
		add_seed(f + off, caplen - off, false);
		n++;
	}
	pcap_close(pc);
	printf("pktfuzz: %d DATA packets from %s\n", n, path);
}

/* ---- seeds built with known keys ----------------------------------------------- */

static void load_key(const char *arg)
{
	struct keyspec *k = &keys[nkeys];
	char path[512], text[256];
	uint8_t bin[AUTOVPN_KEY_LEN + AUTOVPN_SALT_LEN];
	unsigned int rx, id;
	size_t binlen, n;
	FILE *f;

	if (nkeys >= MAX_KEYS || sscanf(arg, "%u:%u:%511s", &rx, &id, path) != 3) {
		fprintf(stderr, "pktfuzz: -k RXINDEX:KEYID:KEYFILE, not %s\n", arg);
		exit(2);
	}
	f = fopen(path, "r");
	if (!f) {
		perror(path);
		exit(2);
	}
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	if (sodium_base642bin(bin, sizeof(bin), text, n, " \t\r\n", &binlen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) ||
	    binlen != sizeof(bin)) {
		fprintf(stderr, "pktfuzz: %s: not base64 of %zu bytes\n", path, sizeof(bin));
		exit(2);
	}
	k->rx_index = rx;
	k->key_id = (uint8_t)id;
	memcpy(k->key, bin, AUTOVPN_KEY_LEN);
	memcpy(k->salt, bin + AUTOVPN_KEY_LEN, AUTOVPN_SALT_LEN);
	/* Far above any real packet's counter, and different every run. */
	k->counter = (1ULL << 40) + (rnd64() >> 24);
	nkeys++;
}

static uint16_t csum(const uint8_t *p, size_t n, uint32_t sum)
{
	while (n > 1) {
		sum += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		n -= 2;
	}
	if (n)
		sum += (uint32_t)(p[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* An inner IPv4/IPv6 UDP packet to port 9 (discard) of plen payload bytes. */
static size_t inner_packet(uint8_t *p, size_t plen)
{
	size_t ip = inner_family == AF_INET ? 20 : 40, len = ip + 8 + plen;
	uint8_t *u = p + ip;

	memset(p, 0, ip + 8);
	if (inner_family == AF_INET) {
		p[0] = 0x45;
		p[2] = (uint8_t)(len >> 8);
		p[3] = (uint8_t)len;
		p[8] = 64;
		p[9] = IPPROTO_UDP;
		memcpy(p + 12, inner_src, 4);
		memcpy(p + 16, inner_dst, 4);
		{
			uint16_t c = csum(p, 20, 0);

			p[10] = (uint8_t)(c >> 8);
			p[11] = (uint8_t)c;
		}
	} else {
		p[0] = 0x60;
		p[4] = (uint8_t)((len - 40) >> 8);
		p[5] = (uint8_t)(len - 40);
		p[6] = IPPROTO_UDP;
		p[7] = 64;
		memcpy(p + 8, inner_src, 16);
		memcpy(p + 24, inner_dst, 16);
	}
	u[0] = 0xa0;
	u[1] = 0x00;
	u[2] = 0;
	u[3] = 9;
	u[4] = (uint8_t)((8 + plen) >> 8);
	u[5] = (uint8_t)(8 + plen);
	rnd_bytes(u + 8, plen);
	/* Checksum 0: "none" for IPv4; IPv6 receivers drop it, after delivery. */
	return len;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* A valid DATA packet under key k on path 0. */
static size_t build_data(uint8_t *out, struct keyspec *k)
{
	uint8_t plain[1500], nonce[AUTOVPN_NONCE_LEN];
	unsigned long long clen;
	size_t plen = inner_packet(plain, below(200));
	uint64_t ctr = k->counter++;

	out[0] = AUTOVPN_MSG_DATA;
	out[1] = k->key_id;
	out[2] = 0; /* path id */
	out[3] = 0;
	out[4] = (uint8_t)(k->rx_index >> 24);
	out[5] = (uint8_t)(k->rx_index >> 16);
	out[6] = (uint8_t)(k->rx_index >> 8);
	out[7] = (uint8_t)k->rx_index;
	put_be64(out + 8, ctr);
	memcpy(nonce, k->salt, 4);
	nonce[0] ^= out[2];
	put_be64(nonce + 4, ctr);
	crypto_aead_aes256gcm_encrypt(out + AUTOVPN_DATA_HDR_LEN, &clen, plain, plen, out,
				      AUTOVPN_DATA_HDR_LEN, NULL, nonce, k->key);
	return AUTOVPN_DATA_HDR_LEN + (size_t)clen;
}

/* ---- mutations ----------------------------------------------------------------- */

static size_t mutate(uint8_t *p, size_t len)
{
	size_t i, n, off;
	const struct seed *o;

	switch (below(10)) {
	case 0: /* bit flips */
		for (i = 0, n = 1 + below(4); i < n && len; i++)
			p[below((uint32_t)len)] ^= (uint8_t)(1 << below(8));
		break;
	case 1: /* bytes set to edge values */
		for (i = 0, n = 1 + below(4); i < n && len; i++)
			p[below((uint32_t)len)] = (uint8_t)(below(2) ? 0 : below(2) ? 0xff : 0x80);
		break;
	case 2: /* truncated */
		len = below((uint32_t)len + 1);
		break;
	case 3: /* extended */
		n = below(64);
		if (len + n <= maxlen) {
			rnd_bytes(p + len, n);
			len += n;
		}
		break;
	case 4: /* spliced with another seed */
		o = &seeds[below((uint32_t)nseeds)];
		off = below((uint32_t)len + 1);
		n = below((uint32_t)o->len + 1);
		if (off + (o->len - n) <= maxlen) {
			memcpy(p + off, o->p + n, o->len - n);
			len = off + (o->len - n);
		}
		break;
	case 5: /* key id */
		if (len > 1)
			p[1] = (uint8_t)(below(2) ? below(4) : rnd64());
		break;
	case 6: /* path id, reserved */
		if (len > 3)
			p[2 + below(2)] = (uint8_t)(below(2) ? below(5) : rnd64());
		break;
	case 7: /* receiver index */
		if (len > 7)
			p[4 + below(4)] = (uint8_t)rnd64();
		break;
	case 8: /* counter: nearby, zero, huge */
		if (len > 15) {
			uint64_t c = below(3) == 0 ? 0 : below(2) ? UINT64_MAX - below(4) : rnd64();

			put_be64(p + 8, c);
		}
		break;
	default: /* tag or last byte */
		if (len)
			p[len - 1 - below((uint32_t)(len < 16 ? len : 16))] ^= 0x01;
		break;
	}
	return len;
}

/* ---- main ---------------------------------------------------------------------- */

static int parse_ep(const char *s, struct sockaddr_storage *ss, socklen_t *sl, bool port)
{
	char host[128];
	const char *c = port ? strrchr(s, ':') : s + strlen(s);
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (!c)
		return -1;
	n = (size_t)(c - s);
	if (s[0] == '[') {
		s++;
		n -= 2;
	}
	if (n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = port ? htons((uint16_t)atoi(c + 1)) : 0;
		*sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		ss->ss_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = port ? htons((uint16_t)atoi(c + 1)) : 0;
		*sl = sizeof(struct sockaddr_in6);
	} else {
		return -1;
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: pktfuzz -d DSTIP:PORT [-b SRCIP] [-s SEED] [-n COUNT] [-t SECS] "
			"[-p PCAP]... [-k RXINDEX:KEYID:KEYFILE]... [-i SRC,DST] [-m MAXLEN] "
			"[-r RATE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage dst, src;
	socklen_t dl = 0, sl = 0;
	unsigned long count = 1000, i;
	double secs = 60, rate = 2000, t0;
	uint64_t seed = 0;
	uint8_t *buf;
	bool have_dst = false, have_src = false;
	char *comma;
	int opt, fd, sndbuf = 1 << 20;

	if (sodium_init() < 0 || !crypto_aead_aes256gcm_is_available()) {
		fprintf(stderr, "pktfuzz: libsodium AES-256-GCM not available (no AES-NI?)\n");
		return 2;
	}
	while ((opt = getopt(argc, argv, "d:b:s:n:t:p:k:i:m:r:")) != -1) {
		switch (opt) {
		case 'd':
			if (parse_ep(optarg, &dst, &dl, true))
				usage();
			have_dst = true;
			break;
		case 'b':
			if (parse_ep(optarg, &src, &sl, false))
				usage();
			have_src = true;
			break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 't': secs = atof(optarg); break;
		case 'p': break; /* after the seed is known */
		case 'k': break;
		case 'i':
			comma = strchr(optarg, ',');
			if (!comma)
				usage();
			*comma = '\0';
			if (inet_pton(AF_INET, optarg, inner_src) == 1 &&
			    inet_pton(AF_INET, comma + 1, inner_dst) == 1)
				inner_family = AF_INET;
			else if (inet_pton(AF_INET6, optarg, inner_src) == 1 &&
				 inet_pton(AF_INET6, comma + 1, inner_dst) == 1)
				inner_family = AF_INET6;
			else
				usage();
			break;
		case 'm': maxlen = strtoul(optarg, NULL, 0); break;
		case 'r': rate = atof(optarg); break;
		default: usage();
		}
	}
	if (!have_dst || maxlen < 64 || maxlen > MAX_DGRAM)
		usage();
	if (!seed && getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)time(NULL);
	rng = seed ? seed : 1;
	printf("pktfuzz: seed %llu\n", (unsigned long long)seed);
	optind = 1;
	while ((opt = getopt(argc, argv, "d:b:s:n:t:p:k:i:m:r:")) != -1) {
		if (opt == 'p')
			load_pcap(optarg);
		if (opt == 'k')
			load_key(optarg);
	}
	if (nkeys && !inner_family) {
		fprintf(stderr, "pktfuzz: -k needs -i SRC,DST (the inner addresses)\n");
		return 2;
	}

	fd = socket(dst.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || (have_src && bind(fd, (struct sockaddr *)&src, sl))) {
		perror("pktfuzz: socket");
		return 2;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	buf = xmalloc(MAX_DGRAM + 4096);

	t0 = now();
	for (i = 0; i < count && now() - t0 < secs; i++) {
		size_t len = 0;
		unsigned int r = below(100);

		/* A fresh valid packet now and then keeps the seeds current. */
		if (nkeys && (r < 10 || !nseeds)) {
			len = build_data(buf, &keys[below((uint32_t)nkeys)]);
			add_seed(buf, len, true);
			cnt.valid++;
		} else if (nseeds && r < 15) {
			const struct seed *s = &seeds[below((uint32_t)nseeds)];

			memcpy(buf, s->p, s->len); /* sent before: a replay */
			len = s->len;
			cnt.replay++;
		} else if (nseeds && r < 80) {
			const struct seed *s = &seeds[below((uint32_t)nseeds)];
			unsigned int m, k = 1 + below(3);

			memcpy(buf, s->p, s->len);
			len = s->len;
			for (m = 0; m < k; m++)
				len = mutate(buf, len);
			cnt.mutated++;
		} else if (r < 97) {
			len = below(100) < 90 ? below(200) : below((uint32_t)maxlen + 1);
			rnd_bytes(buf, len);
			if (len && below(2))
				buf[0] = AUTOVPN_MSG_DATA;
			cnt.garbage++;
		} /* else: empty */
		if (len > maxlen)
			len = maxlen;
		if (!len)
			cnt.empty++;
		else if (buf[0] == AUTOVPN_MSG_DATA)
			cnt.data++;
		else
			cnt.other++;
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&dst, dl) < 0) {
			/* Not sent: not counted on either side. */
			cnt.errors++;
			if (!len)
				cnt.empty--;
			else if (buf[0] == AUTOVPN_MSG_DATA)
				cnt.data--;
			else
				cnt.other--;
			usleep(10000);
		}
		/* Pace: at most rate per second. */
		while (rate > 0 && (double)(i + 1) / rate > now() - t0)
			usleep(1000);
	}
	printf("pktfuzz: %lu datagrams in %.1f s: %lu DATA-typed, %lu other-typed, %lu empty "
	       "(%lu valid built, %lu replays, %lu mutated, %lu garbage; %lu send errors)\n",
	       cnt.data + cnt.other + cnt.empty, now() - t0, cnt.data, cnt.other, cnt.empty,
	       cnt.valid, cnt.replay, cnt.mutated, cnt.garbage, cnt.errors);
	printf("PKTFUZZ data=%lu other=%lu\n", cnt.data, cnt.other + cnt.empty);
	return 0;
}
