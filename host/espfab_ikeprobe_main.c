/*
 * espfab-ikeprobe — send hostile or minimal ISAKMP datagrams to a live IKE
 * daemon, for tests/e2e/ike_hostile.sh.  Hand-built bytes (not ike/'s
 * builder) so that it can write what a correct builder never would.
 *
 *   espfab-ikeprobe --to ADDR [--port P] [--from A1,A2,...] [--sport S]
 *                   [--count N] [--wait MS] CASE
 *
 * CASE:
 *   badlen     header length field larger than the datagram
 *   overrun    an SA payload whose length runs past the end of the message
 *   loop       a payload of length 0 (a naive parser loops on it forever)
 *   critical   an unknown payload type (200) with the critical bit set
 *   cookie     main mode with both cookies set that no SA has
 *   oversize   a 65000-byte datagram with a valid-looking header
 *   mm1        a main mode 1 the site configs accept (AES-128/SHA/PSK/group 14)
 *   mismatch   a main mode 1 nobody accepts (DES/MD5/PSK/group 1)
 *   ted        a TED probe (docs/ted.md: exchange 243, espfab TED VID, IDs:
 *              the first --from address, 13.13.13.0/24, 12.12.12.0/24 —
 *              seed 000's proxies)
 *   ted-uncovered  the same with proxies 99.0.0.0/8 -> 98.0.0.0/8
 *
 * --count N sends N datagrams, each from a new source port (S, S+1, ...)
 * and, with several --from addresses, round-robin over them (a flood of new
 * main-mode requests).  Each datagram has fresh random cookies.  After
 * sending, answers are read for --wait ms (default 300) and printed one
 * per line: "reply FROM:PORT LEN exch=E np=N notify=T" (notify=0 when the
 * first payload is not a notification).
 *
 * Exit status: 0 sent; 1 a socket error; 2 usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define PROG "espfab-ikeprobe"
#define MAXFROM 64
#define MAXSOCK 4096

static size_t put_hdr(uint8_t *b, uint8_t np, uint8_t exch, uint8_t flags, int rcookie)
{
	if (getrandom(b, 8, 0) != 8)
		memset(b, 0x5a, 8);
	if (rcookie) {
		if (getrandom(b + 8, 8, 0) != 8)
			memset(b + 8, 0xa5, 8);
	} else {
		memset(b + 8, 0, 8);
	}
	b[16] = np;
	b[17] = 0x10;
	b[18] = exch;
	b[19] = flags;
	memset(b + 20, 0, 8);
	return 28;
}

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }

/* SA payload with one ISAKMP proposal and one transform; returns length. */
static size_t put_sa(uint8_t *p, unsigned encr, unsigned hash, unsigned group, unsigned keylen)
{
	uint8_t *t = p + 20; /* transform */
	size_t a = 8;
	uint16_t attrs[][2] = { { 1, (uint16_t)encr }, { 2, (uint16_t)hash }, { 3, 1 }, { 4, (uint16_t)group },
				{ 11, 1 }, { 12, 28800 }, { 14, (uint16_t)keylen } };
	size_t na = keylen ? 7 : 6;
	for (size_t i = 0; i < na; i++, a += 4) {
		put16(t + a, 0x8000u | attrs[i][0]);
		put16(t + a + 2, attrs[i][1]);
	}
	t[0] = 0, t[1] = 0, put16(t + 2, (unsigned)a), t[4] = 1, t[5] = 1, t[6] = 0, t[7] = 0;
	uint8_t *pr = p + 12;
	pr[0] = 0, pr[1] = 0, put16(pr + 2, (unsigned)(8 + a)), pr[4] = 1, pr[5] = 1, pr[6] = 0, pr[7] = 1;
	p[0] = 0, p[1] = 0, put16(p + 2, (unsigned)(20 + a));
	put32(p + 4, 1);
	put32(p + 8, 1);
	return 20 + a;
}

static uint32_t g_ida; /* TED: the prober address (first --from), host order */

static size_t put_id(uint8_t *p, uint8_t type, uint8_t proto, unsigned port, uint32_t a, uint32_t m)
{
	size_t len = type == 1 ? 12 : 16;
	p[0] = 5, p[1] = 0, put16(p + 2, (unsigned)len);
	p[4] = type, p[5] = proto, put16(p + 6, port);
	put32(p + 8, a);
	if (type != 1)
		put32(p + 12, m);
	return len;
}

/* TED probe: VID MD5("espfab TED 1"), IDa, IDs, IDd (docs/ted.md) */
static size_t put_ted(uint8_t *b, uint32_t s, uint32_t sm, uint32_t d, uint32_t dm)
{
	static const uint8_t vid[16] = { 0x11, 0x25, 0x7d, 0xd1, 0x18, 0xb3, 0x1c, 0xb5,
					 0xa9, 0x50, 0x7e, 0x85, 0xee, 0xac, 0x79, 0x42 };
	size_t n = put_hdr(b, 13, 243, 0, 0);
	b[n] = 5, b[n + 1] = 0, put16(b + n + 2, 20);
	memcpy(b + n + 4, vid, 16);
	n += 20;
	n += put_id(b + n, 1, 17, 500, g_ida, 0);
	n += put_id(b + n, 4, 0, 0, s, sm);
	size_t last = n;
	n += put_id(b + n, 4, 0, 0, d, dm);
	b[last] = 0; /* last ID: no next payload */
	return n;
}

static size_t build(const char *c, uint8_t *b, size_t cap)
{
	size_t n;
	if (!strcmp(c, "ted")) {
		n = put_ted(b, 0x0d0d0d00u, 0xffffff00u, 0x0c0c0c00u, 0xffffff00u);
	} else if (!strcmp(c, "ted-uncovered")) {
		n = put_ted(b, 0x63000000u, 0xff000000u, 0x62000000u, 0xff000000u);
	} else if (!strcmp(c, "mm1") || !strcmp(c, "mismatch") || !strcmp(c, "cookie")) {
		n = put_hdr(b, 1, 2, 0, !strcmp(c, "cookie"));
		n += !strcmp(c, "mismatch") ? put_sa(b + n, 1, 1, 1, 0) : put_sa(b + n, 7, 2, 14, 128);
	} else if (!strcmp(c, "badlen")) {
		n = put_hdr(b, 1, 2, 0, 0);
		n += put_sa(b + n, 7, 2, 14, 128);
		put32(b + 24, (uint32_t)n + 100);
		return n;
	} else if (!strcmp(c, "overrun")) {
		n = put_hdr(b, 1, 2, 0, 0);
		n += put_sa(b + n, 7, 2, 14, 128);
		put16(b + 28 + 2, 400); /* SA payload claims 400 bytes */
	} else if (!strcmp(c, "loop")) {
		n = put_hdr(b, 13, 2, 0, 0); /* a vendor ID of length 0 that "points to itself" */
		b[n] = 13, b[n + 1] = 0, put16(b + n + 2, 0);
		memset(b + n + 4, 0, 12);
		n += 16;
	} else if (!strcmp(c, "critical")) {
		n = put_hdr(b, 1, 2, 0, 0);
		size_t s = put_sa(b + n, 7, 2, 14, 128);
		b[n] = 200; /* SA -> unknown payload 200 */
		n += s;
		b[n] = 0, b[n + 1] = 0x80, put16(b + n + 2, 8);
		memset(b + n + 4, 0, 4);
		n += 8;
	} else if (!strcmp(c, "oversize")) {
		if (cap < 65000)
			return 0;
		n = put_hdr(b, 13, 2, 0, 0);
		b[n] = 0, b[n + 1] = 0, put16(b + n + 2, 65000 - 28 > 65535 ? 0 : (unsigned)(65000 - 28));
		memset(b + n + 4, 0x41, 65000 - n - 4);
		n = 65000;
	} else {
		return 0;
	}
	put32(b + 24, (uint32_t)n);
	return n;
}

static int usage(void)
{
	fprintf(stderr, "usage: " PROG " --to ADDR [--port P] [--from A1,A2,...] [--sport S] [--count N] [--wait MS] "
			"badlen|overrun|loop|critical|cookie|oversize|mm1|mismatch|ted|ted-uncovered\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "to", required_argument, NULL, 't' },   { "port", required_argument, NULL, 'p' },
					       { "from", required_argument, NULL, 'f' }, { "sport", required_argument, NULL, 's' },
					       { "count", required_argument, NULL, 'n' }, { "wait", required_argument, NULL, 'w' },
					       { NULL, 0, NULL, 0 } };
	struct in_addr to = { 0 }, from[MAXFROM];
	int nfrom = 0, c;
	unsigned port = 500, sport = 40000, count = 1, wait_ms = 300;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (inet_pton(AF_INET, optarg, &to) != 1)
				return usage();
			break;
		case 'p': port = (unsigned)atoi(optarg); break;
		case 's': sport = (unsigned)atoi(optarg); break;
		case 'n': count = (unsigned)atoi(optarg); break;
		case 'w': wait_ms = (unsigned)atoi(optarg); break;
		case 'f':
			for (char *tok = strtok(optarg, ","); tok && nfrom < MAXFROM; tok = strtok(NULL, ","))
				if (inet_pton(AF_INET, tok, &from[nfrom++]) != 1)
					return usage();
			break;
		default: return usage();
		}
	}
	if (optind != argc - 1 || !to.s_addr || !count || count > MAXSOCK || sport + count > 65536)
		return usage();
	if (nfrom)
		g_ida = ntohl(from[0].s_addr);
	static uint8_t buf[65536];
	static int fds[MAXSOCK];
	const char *cs = argv[optind];
	if (!build(cs, buf, sizeof buf))
		return usage();
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr = to };
	for (unsigned i = 0; i < count; i++) {
		size_t n = build(cs, buf, sizeof buf);
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			perror(PROG ": socket");
			return 1;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		struct sockaddr_in src = { .sin_family = AF_INET, .sin_port = htons((uint16_t)(sport + i)) };
		if (nfrom)
			src.sin_addr = from[i % (unsigned)nfrom];
		if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0 ||
		    sendto(fd, buf, n, 0, (struct sockaddr *)&dst, sizeof dst) < 0) {
			fprintf(stderr, PROG ": datagram %u: %s\n", i, strerror(errno));
			close(fd);
			return 1;
		}
		fds[i] = fd;
	}
	/* answers */
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct timespec t1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		long el = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (el >= (long)wait_ms)
			break;
		static struct pollfd pf[MAXSOCK];
		for (unsigned i = 0; i < count; i++)
			pf[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		if (poll(pf, count, (int)(wait_ms - el)) <= 0)
			break;
		for (unsigned i = 0; i < count; i++) {
			if (!(pf[i].revents & POLLIN))
				continue;
			uint8_t r[4096];
			struct sockaddr_in sa;
			socklen_t sl = sizeof sa;
			ssize_t n = recvfrom(fds[i], r, sizeof r, 0, (struct sockaddr *)&sa, &sl);
			if (n < 28)
				continue;
			unsigned notify = 0;
			if (r[16] == 11 && n >= 40)
				notify = (unsigned)(r[28 + 10] << 8 | r[28 + 11]);
			char a[16];
			printf("reply %s:%u %zd exch=%u np=%u notify=%u\n", inet_ntop(AF_INET, &sa.sin_addr, a, sizeof a),
			       ntohs(sa.sin_port), n, r[18], r[16], notify);
		}
	}
	for (unsigned i = 0; i < count; i++)
		close(fds[i]);
	return 0;
}
