/*
 * espfab-pcapgen — write a pcap of valid, deterministic IPv4 test packets.
 *
 *   espfab-pcapgen -o OUT.pcap [-n COUNT] [--sizes 64,512,1400 | --min A --max B]
 *                  [--seed N] [--src A.B.C.D/NN] [--dst A.B.C.D/NN]
 *                  [--proto udp|tcp|icmp|mix] [--linktype raw|ether]
 *
 * Sizes are IPv4 total lengths: --sizes cycles through a list, --min/--max
 * draws uniformly (defaults 64..1400).  The smallest size is 28 (IPv4 + UDP
 * or ICMP header); TCP needs 40, and --proto mix uses UDP or ICMP for
 * packets below 40.  Sizes up to 65535 are allowed (larger than an engine
 * accepts, for testing).  Addresses are drawn from the given prefixes
 * (defaults 192.168.1.0/24 -> 192.168.2.0/24).  Every header checksum (IPv4,
 * UDP, TCP, ICMP) is correct.  The same seed gives the same file, byte for
 * byte: timestamps too are derived from the packet number.
 *
 * Output: classic pcap, little-endian, microseconds, linktype RAW (101) or
 * ETHERNET (1, locally administered MACs, ethertype 0x0800).
 *
 * Exit status: 0 written; 1 the output could not be written; 2 usage error
 * (one line on stderr).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcap.h"
#include "xfrm_sa.h"

#define PROG "espfab-pcapgen"
#define MAX_SIZES 64
#define ETH_LEN 14

enum proto { P_UDP = 17, P_TCP = 6, P_ICMP = 1, P_MIX = 0 };

struct prefix {
	uint32_t addr, mask;
	unsigned len;
};

/* splitmix64: small, deterministic, good enough for test content. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rng_below(uint64_t *s, uint32_t n)
{
	return n ? (uint32_t)(rng_next(s) % n) : 0;
}

static int usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_err(const char *fmt, ...)
{
	va_list ap;
	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " -o OUT.pcap [-n COUNT] [--sizes 64,512,1400 | --min A --max B]\n"
		   "                      [--seed N] [--src A.B.C.D/NN] [--dst A.B.C.D/NN]\n"
		   "                      [--proto udp|tcp|icmp|mix] [--linktype raw|ether]\n"
		   "\n"
		   "Writes COUNT (default 20) valid IPv4 packets with deterministic content.\n"
		   "Sizes are IPv4 total lengths, 28..65535 (TCP 40..); default --min 64 --max 1400.\n");
}

static int parse_prefix(const char *s, struct prefix *p)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	uint64_t len = 32;
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	if (n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (xfrm_parse_ipv4(buf, &p->addr))
		return -1;
	if (slash && (slash[1] == 0 || (slash[1] == '0' && slash[2] == 'x') || xfrm_parse_uint(slash + 1, 32, &len)))
		return -1;
	p->len = (unsigned)len;
	p->mask = p->len ? 0xffffffffu << (32 - p->len) : 0;
	return 0;
}

/* A host address inside the prefix (not the network or broadcast address
 * when the prefix has more than two). */
static uint32_t pick_addr(const struct prefix *p, uint64_t *rng)
{
	uint32_t base = p->addr & p->mask;
	if (p->len >= 31)
		return base | (p->len == 32 ? 0 : rng_below(rng, 2));
	uint64_t hosts = ((uint64_t)1 << (32 - p->len)) - 2;
	return base + 1 + (uint32_t)(rng_next(rng) % hosts);
}

static void put16(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b + 2, v);
}

static uint32_t sum16(const uint8_t *b, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		acc += (uint32_t)b[n - 1] << 8;
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/* Checksum of an L4 segment with the IPv4 pseudo-header. */
static uint16_t l4_csum(const uint8_t *ip, const uint8_t *seg, size_t len, uint8_t proto)
{
	uint32_t acc = sum16(ip + 12, 8, 0); /* source and destination */
	acc += proto;
	acc += (uint32_t)len;
	return fold(sum16(seg, len, acc));
}

/* Build one IPv4 packet of total length `size` into pkt. */
static void build(uint8_t *pkt, unsigned size, uint8_t proto, uint32_t src, uint32_t dst, uint32_t index,
		  uint64_t *rng)
{
	uint8_t *l4 = pkt + 20;
	size_t l4len = size - 20;
	memset(pkt, 0, size);
	pkt[0] = 0x45;
	put16(pkt + 2, size);
	put16(pkt + 4, rng_below(rng, 65536));
	put16(pkt + 6, rng_below(rng, 2) ? 0x4000 : 0); /* DF on about half */
	pkt[8] = 64;
	pkt[9] = proto;
	put32(pkt + 12, src);
	put32(pkt + 16, dst);
	put16(pkt + 10, fold(sum16(pkt, 20, 0)));

	size_t hdr = proto == P_TCP ? 20 : 8;
	for (size_t i = hdr; i < l4len; i++)
		l4[i] = (uint8_t)rng_next(rng);
	switch (proto) {
	case P_UDP:
		put16(l4, 10000 + rng_below(rng, 50000));
		put16(l4 + 2, 10000 + rng_below(rng, 50000));
		put16(l4 + 4, (uint32_t)l4len);
		uint16_t u = l4_csum(pkt, l4, l4len, P_UDP);
		put16(l4 + 6, u ? u : 0xffff);
		break;
	case P_TCP:
		put16(l4, 10000 + rng_below(rng, 50000));
		put16(l4 + 2, 10000 + rng_below(rng, 50000));
		put32(l4 + 4, (uint32_t)rng_next(rng));
		put32(l4 + 8, (uint32_t)rng_next(rng));
		l4[12] = 5 << 4; /* data offset: 20 bytes */
		l4[13] = 0x18;   /* PSH, ACK */
		put16(l4 + 14, 65535);
		put16(l4 + 16, l4_csum(pkt, l4, l4len, P_TCP));
		break;
	case P_ICMP:
		l4[0] = 8; /* echo request */
		put16(l4 + 4, rng_below(rng, 65536));
		put16(l4 + 6, index + 1);
		put16(l4 + 2, fold(sum16(l4, l4len, 0)));
		break;
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' }, { "count", required_argument, NULL, 'n' },
		{ "sizes", required_argument, NULL, 'z' },  { "min", required_argument, NULL, 'm' },
		{ "max", required_argument, NULL, 'M' },    { "seed", required_argument, NULL, 's' },
		{ "src", required_argument, NULL, 'S' },    { "dst", required_argument, NULL, 'D' },
		{ "proto", required_argument, NULL, 'p' },  { "linktype", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },	    { NULL, 0, NULL, 0 },
	};
	const char *out_path = NULL;
	uint64_t count = 20, seed = 1, v;
	unsigned sizes[MAX_SIZES], nsizes = 0, min = 64, max = 1400;
	bool have_minmax = false, ether = false;
	int proto = P_UDP;
	struct prefix src = { 0xc0a80100u, 0xffffff00u, 24 }, dst = { 0xc0a80200u, 0xffffff00u, 24 };
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out_path = optarg; break;
		case 'n':
			if (xfrm_parse_uint(optarg, 100000000, &count))
				return usage_err("-n: %s: expected a count 0..100000000", optarg);
			break;
		case 'z': {
			char *list = optarg, *save = NULL, *tok;
			nsizes = 0;
			for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (nsizes == MAX_SIZES)
					return usage_err("--sizes: at most %d sizes", MAX_SIZES);
				if (xfrm_parse_uint(tok, 65535, &v) || v < 28)
					return usage_err("--sizes: %s: expected a size 28..65535", tok);
				sizes[nsizes++] = (unsigned)v;
			}
			if (!nsizes)
				return usage_err("--sizes: expected a comma-separated list of sizes");
			break;
		}
		case 'm':
		case 'M':
			if (xfrm_parse_uint(optarg, 65535, &v) || v < 28)
				return usage_err("--%s: %s: expected a size 28..65535", c == 'm' ? "min" : "max", optarg);
			*(c == 'm' ? &min : &max) = (unsigned)v;
			have_minmax = true;
			break;
		case 's':
			if (xfrm_parse_uint(optarg, UINT64_MAX, &seed))
				return usage_err("--seed: %s: expected a number", optarg);
			break;
		case 'S':
		case 'D':
			if (parse_prefix(optarg, c == 'S' ? &src : &dst))
				return usage_err("--%s: %s: expected A.B.C.D/NN", c == 'S' ? "src" : "dst", optarg);
			break;
		case 'p':
			if (!strcmp(optarg, "udp"))
				proto = P_UDP;
			else if (!strcmp(optarg, "tcp"))
				proto = P_TCP;
			else if (!strcmp(optarg, "icmp"))
				proto = P_ICMP;
			else if (!strcmp(optarg, "mix"))
				proto = P_MIX;
			else
				return usage_err("--proto: %s: expected udp, tcp, icmp or mix", optarg);
			break;
		case 'l':
			if (!strcmp(optarg, "raw"))
				ether = false;
			else if (!strcmp(optarg, "ether") || !strcmp(optarg, "ethernet"))
				ether = true;
			else
				return usage_err("--linktype: %s: expected raw or ether", optarg);
			break;
		case 'h': usage(stdout); return 0;
		case ':': return usage_err("%s: missing value (see --help)", argv[optind - 1]);
		default: return usage_err("%s: unknown option (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_err("%s: unexpected argument (see --help)", argv[optind]);
	if (!out_path)
		return usage_err("-o: missing output pcap (see --help)");
	if (nsizes && have_minmax)
		return usage_err("--sizes: use either --sizes or --min/--max");
	if (min > max)
		return usage_err("--min: %u is above --max %u", min, max);
	unsigned smallest = min;
	for (unsigned i = 0; i < nsizes; i++)
		smallest = i == 0 || sizes[i] < smallest ? sizes[i] : smallest;
	if (proto == P_TCP && smallest < 40)
		return usage_err("--proto: tcp needs sizes of at least 40 (got %u)", smallest);

	FILE *f = fopen(out_path, "wb");
	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", out_path, strerror(errno));
		return 1;
	}
	pcap_writer w;
	pcap_info info = { .version_major = 2, .version_minor = 4, .snaplen = 65535,
			   .linktype = ether ? PCAP_LINKTYPE_ETHERNET : PCAP_LINKTYPE_RAW };
	uint8_t *frame = malloc(ETH_LEN + 65535);
	uint64_t rng = seed;
	int rc = 0;
	if (!frame) {
		fprintf(stderr, PROG ": out of memory\n");
		fclose(f);
		return 1;
	}
	if (pcap_writer_open(&w, f, &info))
		rc = 1;
	static const uint8_t eth[ETH_LEN] = { 0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00 };
	for (uint64_t i = 0; i < count && !rc; i++) {
		unsigned size = nsizes ? sizes[i % nsizes] : min + rng_below(&rng, max - min + 1);
		uint8_t p = (uint8_t)proto;
		if (proto == P_MIX) {
			static const uint8_t choice[3] = { P_UDP, P_TCP, P_ICMP };
			p = choice[rng_below(&rng, size < 40 ? 2 : 3) * (size < 40 ? 2 : 1)];
		}
		uint32_t s = pick_addr(&src, &rng), d = pick_addr(&dst, &rng);
		size_t l2 = ether ? ETH_LEN : 0;
		if (ether)
			memcpy(frame, eth, ETH_LEN);
		build(frame + l2, size, p, s, d, (uint32_t)i, &rng);
		uint32_t len = (uint32_t)(l2 + size);
		if (pcap_writer_put(&w, 1700000000u + (uint32_t)(i / 1000), (uint32_t)(i % 1000) * 1000, frame, len, len))
			rc = 1;
	}
	if (!rc && pcap_writer_finish(&w))
		rc = 1;
	if (rc)
		fprintf(stderr, PROG ": %s: %s\n", out_path, w.err);
	if (fclose(f) != 0 && !rc) {
		fprintf(stderr, PROG ": %s: %s\n", out_path, strerror(errno));
		rc = 1;
	}
	free(frame);
	if (rc)
		unlink(out_path);
	return rc;
}
