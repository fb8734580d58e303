// SPDX-License-Identifier: GPL-2.0
/*
 * wirecheck: an independent check of the autovpn DATA wire format.
 *
 * It reads a pcap capture taken on the "internet" between two gateways and,
 * for every UDP datagram whose first byte is AUTOVPN_MSG_DATA, parses the
 * 16-byte header of DESIGN.md §3, decrypts the rest with libsodium's
 * AES-256-GCM (not the kernel's crypto API: a second implementation is the
 * point) and checks that:
 *   - every DATA packet belongs to a key given on the command line and
 *     authenticates (AAD = header, nonce = salt ^ path_id || counter);
 *   - the plaintext is a well-formed IPv4 or IPv6 packet;
 *   - no (key, path, counter) appears twice (nonce reuse);
 *   - every --marker string is found in some plaintext and in no raw frame.
 *
 * usage:
 *   wirecheck [--marker STR]... [--min-keys N] [--min-key-packets N]
 *             [--allow-unknown] --key RXINDEX:KEYID:FILE... PCAP
 *     --min-keys N         at least N of the keys decrypted something
 *     --min-key-packets N  every key decrypted at least N packets
 *   wirecheck --dump PCAP        one line per DATA packet (for scripts)
 *   wirecheck --selftest         builds captures from known packets, checks
 *                                that the parser finds what it should
 *
 * RXINDEX is the receiver index written in the packets (the receiving side's
 * rx-index), FILE the key file that side decrypts with (its "rx" file, which
 * is the sender's "tx" file): base64 of 32-byte key || 4-byte salt.
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
#include <unistd.h>

#define MAX_KEYS 32
#define MAX_MARKERS 8
#define MAX_PKT 65536

struct keyspec {
	uint32_t rx_index;
	uint8_t key_id;
	uint8_t key[AUTOVPN_KEY_LEN];
	uint8_t salt[AUTOVPN_SALT_LEN];
	const char *file;
	unsigned long packets;
};

/* A UDP datagram found in a captured frame. */
struct udp_dgram {
	int family;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	const uint8_t *payload;
	size_t len;
};

struct data_hdr {
	uint8_t type, key_id, path_id, reserved;
	uint32_t rx_index;
	uint64_t counter;
};

/* One (key, path, counter) triple: a nonce use. */
struct nonce_use {
	uint64_t counter;
	uint32_t key;  /* index into the keyspec table + 1; 0 = empty slot */
	uint8_t path;
};

struct seen_set {
	struct nonce_use *slots;
	size_t cap, used;
};

struct results {
	unsigned long frames, udp, data, decrypted, unknown_key, auth_fail;
	unsigned long bad_inner, repeats, fragments, short_data, inner4, inner6;
	unsigned long marker_plain[MAX_MARKERS], marker_wire[MAX_MARKERS];
};

struct config {
	struct keyspec keys[MAX_KEYS];
	int nkeys;
	const char *markers[MAX_MARKERS];
	int nmarkers;
	int min_keys;
	unsigned long min_key_packets;
	bool allow_unknown;
	bool dump;
	bool verbose;
};

/* ---- key files ---------------------------------------------------------- */

static int read_key_file(const char *path, uint8_t key[AUTOVPN_KEY_LEN],
			 uint8_t salt[AUTOVPN_SALT_LEN])
{
	char text[256];
	uint8_t bin[64];
	size_t n, binlen;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "wirecheck: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	if (sodium_base642bin(bin, sizeof(bin), text, n, " \t\r\n", &binlen,
			      NULL, sodium_base64_VARIANT_ORIGINAL) ||
	    binlen != AUTOVPN_KEY_LEN + AUTOVPN_SALT_LEN) {
		fprintf(stderr, "wirecheck: %s: not base64 of %d bytes\n", path,
			AUTOVPN_KEY_LEN + AUTOVPN_SALT_LEN);
		return -1;
	}
	memcpy(key, bin, AUTOVPN_KEY_LEN);
	memcpy(salt, bin + AUTOVPN_KEY_LEN, AUTOVPN_SALT_LEN);
	sodium_memzero(bin, sizeof(bin));
	return 0;
}

/* "RXINDEX:KEYID:FILE" */
static int parse_key_arg(const char *arg, struct keyspec *ks)
{
	unsigned long rx, kid;
	char *end;

	rx = strtoul(arg, &end, 0);
	if (*end != ':' || rx == 0 || rx > UINT32_MAX)
		goto bad;
	kid = strtoul(end + 1, &end, 0);
	if (*end != ':' || kid > 255 || !end[1])
		goto bad;
	ks->rx_index = rx;
	ks->key_id = kid;
	ks->file = end + 1;
	return read_key_file(ks->file, ks->key, ks->salt);
bad:
	fprintf(stderr, "wirecheck: --key wants RXINDEX:KEYID:FILE, got '%s'\n",
		arg);
	return -1;
}

/* ---- frame parsing ------------------------------------------------------ */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/*
 * Finds the IP packet in a frame of the given link type. Returns its offset
 * or -1 (a frame that carries no IP is not an error, just not ours).
 */
static int ip_offset(int linktype, const uint8_t *f, size_t len)
{
	size_t off;
	uint16_t proto;

	switch (linktype) {
	case DLT_EN10MB:
		if (len < 14)
			return -1;
		off = 12;
		proto = get16(f + off);
		while ((proto == 0x8100 || proto == 0x88a8) && len >= off + 6) {
			off += 4;
			proto = get16(f + off);
		}
		off += 2;
		break;
	case DLT_LINUX_SLL:
		if (len < 16)
			return -1;
		proto = get16(f + 14);
		off = 16;
		break;
	case DLT_LINUX_SLL2:
		if (len < 20)
			return -1;
		proto = get16(f);
		off = 20;
		break;
	case DLT_RAW:
	case 101: /* LINKTYPE_RAW */
	case 228: /* LINKTYPE_IPV4 */
	case 229: /* LINKTYPE_IPV6 */
		if (len < 1)
			return -1;
		return 0;
	default:
		return -1;
	}
	if (proto != 0x0800 && proto != 0x86dd)
		return -1;
	return off <= len ? (int)off : -1;
}

/*
 * Parses an IPv4/IPv6 packet carrying UDP. Returns 1 and fills *d for a UDP
 * datagram, 0 for anything else, -1 for a fragment (which we cannot check).
 */
static int parse_udp(const uint8_t *p, size_t len, struct udp_dgram *d)
{
	const uint8_t *u;
	size_t ulen;

	memset(d, 0, sizeof(*d));
	if (len < 1)
		return 0;
	if ((p[0] >> 4) == 4) {
		size_t ihl = (size_t)(p[0] & 15) * 4, tot;

		if (len < 20 || ihl < 20 || len < ihl)
			return 0;
		tot = get16(p + 2);
		if (tot < ihl || tot > len)
			return 0;
		if (get16(p + 6) & 0x3fff) /* MF or offset */
			return p[9] == IPPROTO_UDP ? -1 : 0;
		if (p[9] != IPPROTO_UDP)
			return 0;
		d->family = AF_INET;
		memcpy(d->src, p + 12, 4);
		memcpy(d->dst, p + 16, 4);
		u = p + ihl;
		ulen = tot - ihl;
	} else if ((p[0] >> 4) == 6) {
		if (len < 40 || (size_t)get16(p + 4) + 40 > len)
			return 0;
		if (p[6] == 44) /* fragment header */
			return -1;
		if (p[6] != IPPROTO_UDP)
			return 0;
		d->family = AF_INET6;
		memcpy(d->src, p + 8, 16);
		memcpy(d->dst, p + 24, 16);
		u = p + 40;
		ulen = get16(p + 4);
	} else {
		return 0;
	}
	if (ulen < 8 || get16(u + 4) < 8 || get16(u + 4) > ulen)
		return 0;
	d->sport = get16(u);
	d->dport = get16(u + 2);
	d->payload = u + 8;
	d->len = get16(u + 4) - 8;
	return 1;
}

static void parse_data_hdr(const uint8_t *p, struct data_hdr *h)
{
	h->type = p[0];
	h->key_id = p[1];
	h->path_id = p[2];
	h->reserved = p[3];
	h->rx_index = get32(p + 4);
	h->counter = get64(p + 8);
}

/* DESIGN §3: nonce = (salt with salt[0] ^= path_id) || be64 counter. */
static void data_nonce(const uint8_t salt[AUTOVPN_SALT_LEN], uint8_t path_id,
		       uint64_t counter, uint8_t nonce[AUTOVPN_NONCE_LEN])
{
	int i;

	memcpy(nonce, salt, AUTOVPN_SALT_LEN);
	nonce[0] ^= path_id;
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(counter >> (56 - 8 * i));
}

/* Decrypts one DATA payload; returns the plaintext length or -1. */
static long data_decrypt(const struct keyspec *ks, const uint8_t *pkt,
			 size_t len, uint8_t *out)
{
	uint8_t nonce[AUTOVPN_NONCE_LEN];
	unsigned long long mlen;

	if (len < AUTOVPN_DATA_HDR_LEN + AUTOVPN_TAG_LEN)
		return -1;
	data_nonce(ks->salt, pkt[2], get64(pkt + 8), nonce);
	if (crypto_aead_aes256gcm_decrypt(out, &mlen, NULL,
					  pkt + AUTOVPN_DATA_HDR_LEN,
					  len - AUTOVPN_DATA_HDR_LEN, pkt,
					  AUTOVPN_DATA_HDR_LEN, nonce, ks->key))
		return -1;
	return (long)mlen;
}

static uint16_t ip_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Returns 4 or 6 for a well-formed inner packet, 0 otherwise. */
static int inner_valid(const uint8_t *p, size_t len)
{
	if (len >= 20 && (p[0] >> 4) == 4) {
		size_t ihl = (size_t)(p[0] & 15) * 4;

		if (ihl < 20 || ihl > len || get16(p + 2) != len)
			return 0;
		return ip_csum(p, ihl) == 0 ? 4 : 0;
	}
	if (len >= 40 && (p[0] >> 4) == 6)
		return (size_t)get16(p + 4) + 40 == len ? 6 : 0;
	return 0;
}

/* ---- nonce-use set ------------------------------------------------------ */

static uint64_t nonce_hash(const struct nonce_use *u)
{
	uint64_t h = u->counter * 0x9e3779b97f4a7c15ULL;

	h ^= ((uint64_t)u->key << 8 | u->path) * 0xc2b2ae3d27d4eb4fULL;
	return h ^ (h >> 29);
}

/* Returns 1 if the use was already there, 0 if added, -1 on ENOMEM. */
static int seen_add(struct seen_set *s, const struct nonce_use *u)
{
	size_t i;

	if ((s->used + 1) * 2 > s->cap) {
		struct seen_set bigger = { .cap = s->cap ? s->cap * 2 : 1024 };

		bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
		if (!bigger.slots)
			return -1;
		for (i = 0; i < s->cap; i++)
			if (s->slots[i].key)
				seen_add(&bigger, &s->slots[i]);
		free(s->slots);
		*s = bigger;
	}
	for (i = nonce_hash(u) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		struct nonce_use *x = &s->slots[i];

		if (!x->key) {
			*x = *u;
			s->used++;
			return 0;
		}
		if (x->key == u->key && x->path == u->path &&
		    x->counter == u->counter)
			return 1;
	}
}

/* ---- checking a capture ------------------------------------------------- */

static struct keyspec *find_key(struct config *c, const struct data_hdr *h)
{
	int i;

	for (i = 0; i < c->nkeys; i++)
		if (c->keys[i].rx_index == h->rx_index &&
		    c->keys[i].key_id == h->key_id)
			return &c->keys[i];
	return NULL;
}

static void addr_str(const struct udp_dgram *d, const uint8_t *a, char *buf,
		     size_t n)
{
	inet_ntop(d->family, a, buf, n);
}

static void dump_packet(const struct udp_dgram *d, const struct data_hdr *h)
{
	char s[INET6_ADDRSTRLEN], t[INET6_ADDRSTRLEN];
	size_t i;

	addr_str(d, d->src, s, sizeof(s));
	addr_str(d, d->dst, t, sizeof(t));
	printf("%s %u %s %u rx_index=%u key_id=%u path=%u counter=%llu len=%zu ",
	       s, d->sport, t, d->dport, h->rx_index, h->key_id, h->path_id,
	       (unsigned long long)h->counter, d->len);
	for (i = 0; i < d->len; i++)
		printf("%02x", d->payload[i]);
	printf("\n");
}

static int check_frame(struct config *c, struct results *r,
		       struct seen_set *seen, int linktype,
		       const uint8_t *frame, size_t caplen)
{
	static uint8_t plain[MAX_PKT];
	struct udp_dgram d;
	struct data_hdr h;
	struct keyspec *ks;
	struct nonce_use use;
	long plen;
	int off, rc, i, v;

	r->frames++;
	for (i = 0; i < c->nmarkers; i++)
		if (memmem(frame, caplen, c->markers[i], strlen(c->markers[i])))
			r->marker_wire[i]++;
	off = ip_offset(linktype, frame, caplen);
	if (off < 0)
		return 0;
	rc = parse_udp(frame + off, caplen - off, &d);
	if (rc < 0) {
		r->fragments++;
		return 0;
	}
	if (rc == 0)
		return 0;
	r->udp++;
	if (d.len < 1 || d.payload[0] != AUTOVPN_MSG_DATA)
		return 0;
	r->data++;
	if (d.len < AUTOVPN_DATA_HDR_LEN + AUTOVPN_TAG_LEN) {
		r->short_data++;
		return 0;
	}
	parse_data_hdr(d.payload, &h);
	if (c->dump) {
		dump_packet(&d, &h);
		return 0;
	}
	ks = find_key(c, &h);
	if (!ks) {
		if (c->verbose || !c->allow_unknown)
			fprintf(stderr, "wirecheck: no key for rx_index %u key_id %u\n",
				h.rx_index, h.key_id);
		r->unknown_key++;
		return 0;
	}
	use.key = (uint32_t)(ks - c->keys) + 1;
	use.path = h.path_id;
	use.counter = h.counter;
	rc = seen_add(seen, &use);
	if (rc < 0)
		return -1;
	if (rc) {
		fprintf(stderr,
			"wirecheck: REPEAT rx_index %u key_id %u path %u counter %llu\n",
			h.rx_index, h.key_id, h.path_id,
			(unsigned long long)h.counter);
		r->repeats++;
	}
	if (d.len - AUTOVPN_DATA_HDR_LEN - AUTOVPN_TAG_LEN > sizeof(plain))
		return 0;
	plen = data_decrypt(ks, d.payload, d.len, plain);
	if (plen < 0) {
		fprintf(stderr,
			"wirecheck: AUTH FAIL rx_index %u key_id %u path %u counter %llu len %zu\n",
			h.rx_index, h.key_id, h.path_id,
			(unsigned long long)h.counter, d.len);
		r->auth_fail++;
		return 0;
	}
	r->decrypted++;
	ks->packets++;
	v = inner_valid(plain, (size_t)plen);
	if (v == 4)
		r->inner4++;
	else if (v == 6)
		r->inner6++;
	else
		r->bad_inner++;
	for (i = 0; i < c->nmarkers; i++)
		if (memmem(plain, (size_t)plen, c->markers[i],
			   strlen(c->markers[i])))
			r->marker_plain[i]++;
	return 0;
}

static int check_pcap(struct config *c, const char *path, struct results *r)
{
	char err[PCAP_ERRBUF_SIZE];
	struct seen_set seen = { 0 };
	struct pcap_pkthdr *ph;
	const u_char *frame;
	pcap_t *p;
	int rc, linktype;

	memset(r, 0, sizeof(*r));
	p = pcap_open_offline(path, err);
	if (!p) {
		fprintf(stderr, "wirecheck: %s: %s\n", path, err);
		return -1;
	}
	linktype = pcap_datalink(p);
	while ((rc = pcap_next_ex(p, &ph, &frame)) == 1) {
		if (check_frame(c, r, &seen, linktype, frame, ph->caplen) < 0) {
			fprintf(stderr, "wirecheck: out of memory\n");
			rc = -3;
			break;
		}
	}
	/* A capture cut short by a killed tcpdump ends in a partial record. */
	if (rc == -1)
		fprintf(stderr, "wirecheck: %s: %s (ignored: end of capture)\n",
			path, pcap_geterr(p));
	pcap_close(p);
	free(seen.slots);
	return rc == -3 ? -1 : 0;
}

/* Prints the summary; returns 0 if the capture passes every check. */
static int verdict(const struct config *c, const struct results *r, bool quiet)
{
	int i, used = 0, ok = 1;

	for (i = 0; i < c->nkeys; i++) {
		if (c->keys[i].packets)
			used++;
		if (c->keys[i].packets < c->min_key_packets)
			ok = 0;
	}
	if (!quiet) {
		printf("wirecheck: %lu frames, %lu udp, %lu data, %lu decrypted "
		       "(%lu inner IPv4, %lu inner IPv6), %d key(s) used\n",
		       r->frames, r->udp, r->data, r->decrypted, r->inner4,
		       r->inner6, used);
		for (i = 0; i < c->nkeys; i++)
			printf("wirecheck: key rx_index %u key_id %u (%s): %lu packets\n",
			       c->keys[i].rx_index, c->keys[i].key_id,
			       c->keys[i].file, c->keys[i].packets);
		printf("wirecheck: auth failures %lu, unknown key %lu, bad inner %lu, "
		       "repeated (key,path,counter) %lu, short %lu, fragments %lu\n",
		       r->auth_fail, r->unknown_key, r->bad_inner, r->repeats,
		       r->short_data, r->fragments);
	}
	for (i = 0; i < c->nmarkers; i++) {
		if (!quiet)
			printf("wirecheck: marker '%s': %lu decrypted packets, %lu raw frames\n",
			       c->markers[i], r->marker_plain[i], r->marker_wire[i]);
		if (!r->marker_plain[i] || r->marker_wire[i])
			ok = 0;
	}
	if (!r->decrypted || r->auth_fail || r->bad_inner || r->repeats ||
	    r->short_data || r->fragments || used < c->min_keys ||
	    (r->unknown_key && !c->allow_unknown))
		ok = 0;
	return ok ? 0 : 1;
}

/* ---- self-test ---------------------------------------------------------- */

/*
 * Builds frames the way the kernel should and checks that the parser and
 * the verdict find exactly what was put in.
 */
static size_t build_inner4(uint8_t *p, const char *payload)
{
	size_t plen = strlen(payload), len = 20 + 8 + plen;
	uint16_t c;

	memset(p, 0, 28);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = IPPROTO_UDP;
	memcpy(p + 12, "\x0a\x01\x00\x02\x0a\x02\x00\x02", 8);
	c = ip_csum(p, 20);
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
	p[20] = 0x30; /* ports 12345 -> 12346 */
	p[21] = 0x39;
	p[22] = 0x30;
	p[23] = 0x3a;
	p[24] = (uint8_t)((8 + plen) >> 8);
	p[25] = (uint8_t)(8 + plen);
	memcpy(p + 28, payload, plen);
	return len;
}

static size_t build_inner6(uint8_t *p, const char *payload)
{
	size_t plen = strlen(payload);

	memset(p, 0, 48);
	p[0] = 0x60;
	p[4] = (uint8_t)((8 + plen) >> 8);
	p[5] = (uint8_t)(8 + plen);
	p[6] = IPPROTO_UDP;
	p[7] = 64;
	p[8] = 0xfd;
	p[9] = 0x01;
	p[23] = 2;
	p[24] = 0xfd;
	p[25] = 0x02;
	p[39] = 2;
	p[44] = (uint8_t)((8 + plen) >> 8);
	p[45] = (uint8_t)(8 + plen);
	memcpy(p + 48, payload, plen);
	return 48 + plen;
}

/* Encrypts @inner into a DATA payload with libsodium. */
static size_t build_data(uint8_t *out, const struct keyspec *ks, uint8_t path,
			 uint64_t counter, const uint8_t *inner, size_t ilen)
{
	uint8_t nonce[AUTOVPN_NONCE_LEN];
	unsigned long long clen;
	int i;

	out[0] = AUTOVPN_MSG_DATA;
	out[1] = ks->key_id;
	out[2] = path;
	out[3] = 0;
	for (i = 0; i < 4; i++)
		out[4 + i] = (uint8_t)(ks->rx_index >> (24 - 8 * i));
	for (i = 0; i < 8; i++)
		out[8 + i] = (uint8_t)(counter >> (56 - 8 * i));
	data_nonce(ks->salt, path, counter, nonce);
	crypto_aead_aes256gcm_encrypt(out + 16, &clen, inner, ilen, out, 16,
				      NULL, nonce, ks->key);
	return 16 + (size_t)clen;
}

/* Wraps a UDP payload in Ethernet + IPv4/IPv6 + UDP (checksum 0/unchecked). */
static size_t build_frame(uint8_t *f, bool v6, const uint8_t *pl, size_t len)
{
	size_t ip = 14, udp;

	memset(f, 0, 14 + 40 + 8);
	f[12] = v6 ? 0x86 : 0x08;
	f[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		f[ip] = 0x60;
		f[ip + 4] = (uint8_t)((8 + len) >> 8);
		f[ip + 5] = (uint8_t)(8 + len);
		f[ip + 6] = IPPROTO_UDP;
		f[ip + 7] = 64;
		memcpy(f + ip + 8, "\x20\x01\x0d\xb8\0\1\0\0\0\0\0\0\0\0\0\1", 16);
		memcpy(f + ip + 24, "\x20\x01\x0d\xb8\0\2\0\0\0\0\0\0\0\0\0\1", 16);
		udp = ip + 40;
	} else {
		f[ip] = 0x45;
		f[ip + 2] = (uint8_t)((28 + len) >> 8);
		f[ip + 3] = (uint8_t)(28 + len);
		f[ip + 8] = 64;
		f[ip + 9] = IPPROTO_UDP;
		memcpy(f + ip + 12, "\xc0\x00\x02\x01\xc6\x33\x64\x01", 8);
		udp = ip + 20;
	}
	f[udp] = 0x9c; /* 40001 -> 40002 */
	f[udp + 1] = 0x41;
	f[udp + 2] = 0x9c;
	f[udp + 3] = 0x42;
	f[udp + 4] = (uint8_t)((8 + len) >> 8);
	f[udp + 5] = (uint8_t)(8 + len);
	memcpy(f + udp + 8, pl, len);
	return udp + 8 + len;
}

struct st_pkt {
	int key;       /* index into the self-test key table */
	uint8_t path;
	uint64_t counter;
	bool inner6, outer6, flip, plain_marker;
};

/* Writes a pcap of the given packets, then runs the real checker on it. */
static int selftest_run(struct config *c, const char *dir, const char *name,
			const struct st_pkt *pk, int n, struct results *r)
{
	static uint8_t inner[2048], data[2048], frame[4096];
	char path[512];
	struct pcap_pkthdr ph = { 0 };
	pcap_dumper_t *dumper;
	pcap_t *dead;
	size_t ilen, dlen, flen;
	int i, rc;

	snprintf(path, sizeof(path), "%s/%s.pcap", dir, name);
	dead = pcap_open_dead(DLT_EN10MB, 65535);
	dumper = dead ? pcap_dump_open(dead, path) : NULL;
	if (!dumper) {
		fprintf(stderr, "wirecheck: selftest: cannot write %s\n", path);
		if (dead)
			pcap_close(dead);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *msg = pk[i].plain_marker ? "hello WIRECHECK-MARK" :
						       "hello WIRECHECK-MARK (sealed)";

		ilen = pk[i].inner6 ? build_inner6(inner, msg) :
				      build_inner4(inner, msg);
		dlen = build_data(data, &c->keys[pk[i].key], pk[i].path,
				  pk[i].counter, inner, ilen);
		if (pk[i].flip)
			data[dlen - 20] ^= 0x01;
		/* A plaintext leak: the inner packet goes out unencrypted. */
		if (pk[i].plain_marker) {
			memcpy(data + 16, inner, ilen);
			dlen = 16 + ilen + 16;
		}
		flen = build_frame(frame, pk[i].outer6, data, dlen);
		ph.caplen = ph.len = (bpf_u_int32)flen;
		ph.ts.tv_sec = i;
		pcap_dump((u_char *)dumper, &ph, frame);
	}
	pcap_dump_close(dumper);
	pcap_close(dead);
	for (i = 0; i < c->nkeys; i++)
		c->keys[i].packets = 0;
	rc = check_pcap(c, path, r);
	unlink(path);
	return rc;
}

static int selftest(void)
{
	/* Nonce layout of DESIGN §3, computed by hand. */
	static const uint8_t salt[4] = { 0xa0, 0xb1, 0xc2, 0xd3 };
	static const uint8_t want[12] = { 0xa3, 0xb1, 0xc2, 0xd3, 0x00, 0x00,
					  0x01, 0x02, 0x03, 0x04, 0x05, 0x06 };
	static const struct st_pkt good[] = {
		{ 0, 0, 0, false, false, false, false },
		{ 0, 0, 1, true, false, false, false },
		{ 0, 1, 1, false, true, false, false }, /* other path: fine */
		{ 1, 0, 1, false, false, false, false }, /* other key: fine */
		{ 2, 3, 7, true, true, false, false },
	};
	static const struct st_pkt repeat[] = {
		{ 0, 0, 5, false, false, false, false },
		{ 0, 0, 5, false, false, false, false },
	};
	static const struct st_pkt flipped[] = {
		{ 0, 0, 9, false, false, true, false },
	};
	static const struct st_pkt leak[] = {
		{ 0, 0, 10, false, false, false, true },
	};
	static const struct st_pkt wrong_key[] = {
		{ 3, 0, 11, false, false, false, false },
	};
	struct config c = { .nkeys = 3, .nmarkers = 1, .min_keys = 3 };
	char dir[] = "/tmp/wirecheck-XXXXXX";
	uint8_t nonce[12];
	struct results r;
	int i, fails = 0;

#define ST(cond, name)                                                   \
	do {                                                             \
		bool ok_ = (cond);                                       \
		printf("RESULT %s wirecheck-selftest-%s\n",              \
		       ok_ ? "PASS" : "FAIL", name);                     \
		fails += !ok_;                                           \
	} while (0)

	data_nonce(salt, 3, 0x010203040506ULL, nonce);
	ST(!memcmp(nonce, want, 12), "nonce-layout");

	/* keys[3] is an unknown rx index: the checker must not guess. */
	for (i = 0; i < 4; i++) {
		c.keys[i].rx_index = 100 + (uint32_t)i % 3;
		c.keys[i].key_id = (uint8_t)(1 + i);
		c.keys[i].file = "selftest";
		randombytes_buf(c.keys[i].key, AUTOVPN_KEY_LEN);
		randombytes_buf(c.keys[i].salt, AUTOVPN_SALT_LEN);
	}
	c.keys[3].rx_index = 999;
	c.markers[0] = "WIRECHECK-MARK";
	if (!mkdtemp(dir)) {
		perror("wirecheck: mkdtemp");
		return 1;
	}

	ST(!selftest_run(&c, dir, "good", good, 5, &r) && !verdict(&c, &r, false) &&
		   r.decrypted == 5 && r.inner4 == 3 && r.inner6 == 2,
	   "decrypts-own-packets");
	ST(!selftest_run(&c, dir, "repeat", repeat, 2, &r) && r.repeats == 1 &&
		   verdict(&c, &r, true),
	   "detects-repeated-nonce");
	ST(!selftest_run(&c, dir, "flip", flipped, 1, &r) && r.auth_fail == 1 &&
		   verdict(&c, &r, true),
	   "detects-flipped-bit");
	ST(!selftest_run(&c, dir, "leak", leak, 1, &r) &&
		   r.marker_wire[0] == 1 && verdict(&c, &r, true),
	   "detects-plaintext-on-wire");
	ST(!selftest_run(&c, dir, "unknown", wrong_key, 1, &r) &&
		   r.unknown_key == 1 && verdict(&c, &r, true),
	   "detects-unknown-key");
	c.min_keys = 4;
	ST(!selftest_run(&c, dir, "minkeys", good, 5, &r) && verdict(&c, &r, true),
	   "min-keys-enforced");
	c.min_keys = 3;
	c.min_key_packets = 2; /* keys 2 and 3 have one packet each */
	ST(!selftest_run(&c, dir, "minpkts", good, 5, &r) && verdict(&c, &r, true),
	   "min-key-packets-enforced");
	c.min_key_packets = 1;
	ST(!selftest_run(&c, dir, "minpkts1", good, 5, &r) && !verdict(&c, &r, true),
	   "min-key-packets-met");
	rmdir(dir);
#undef ST
	printf("wirecheck: selftest %s\n", fails ? "FAILED" : "passed");
	return fails ? 1 : 0;
}

/* ---- main --------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: wirecheck [--marker STR]... [--min-keys N] [--min-key-packets N]\n"
		"                 [--allow-unknown] --key RXINDEX:KEYID:FILE... PCAP\n"
		"       wirecheck --dump PCAP\n"
		"       wirecheck --selftest\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "marker", required_argument, NULL, 'm' },
		{ "min-keys", required_argument, NULL, 'n' },
		{ "min-key-packets", required_argument, NULL, 'p' },
		{ "allow-unknown", no_argument, NULL, 'u' },
		{ "dump", no_argument, NULL, 'd' },
		{ "selftest", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct config c;
	struct results r;
	bool self = false;
	int o;

	if (sodium_init() < 0) {
		fprintf(stderr, "wirecheck: sodium_init failed\n");
		return 2;
	}
	/*
	 * libsodium's AES-GCM needs AES-NI + PCLMUL; without it we cannot
	 * check anything, which is a failure, not a pass.
	 */
	if (!crypto_aead_aes256gcm_is_available()) {
		fprintf(stderr, "wirecheck: libsodium AES-256-GCM unavailable "
				"(CPU without AES-NI/PCLMUL)\n");
		return 2;
	}
	while ((o = getopt_long(argc, argv, "k:m:n:p:udsvh", opts, NULL)) != -1) {
		switch (o) {
		case 'k':
			if (c.nkeys == MAX_KEYS) {
				fprintf(stderr, "wirecheck: too many keys\n");
				return 2;
			}
			if (parse_key_arg(optarg, &c.keys[c.nkeys++]))
				return 2;
			break;
		case 'm':
			if (c.nmarkers == MAX_MARKERS || !*optarg) {
				fprintf(stderr, "wirecheck: bad --marker\n");
				return 2;
			}
			c.markers[c.nmarkers++] = optarg;
			break;
		case 'n':
			c.min_keys = atoi(optarg);
			break;
		case 'p':
			c.min_key_packets = strtoul(optarg, NULL, 10);
			break;
		case 'u':
			c.allow_unknown = true;
			break;
		case 'd':
			c.dump = true;
			break;
		case 's':
			self = true;
			break;
		case 'v':
			c.verbose = true;
			break;
		default:
			usage();
			return o == 'h' ? 0 : 2;
		}
	}
	if (self)
		return selftest();
	if (optind != argc - 1 || (!c.dump && !c.nkeys)) {
		usage();
		return 2;
	}
	if (check_pcap(&c, argv[optind], &r))
		return 2;
	if (c.dump)
		return 0;
	return verdict(&c, &r, false);
}
