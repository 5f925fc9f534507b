/* host/netio.{c,h}: RFC 3948 demultiplexing and IPv4/UDP splitting as
 * numbered cases, netmask prefix lengths, and — in a private network
 * namespace (needs root; skipped otherwise) — the real thing: a TUN device
 * brought up over rtnetlink with an address and routes, packets routed into
 * it, raw ESP sent with our own header and received with it, and UDP with
 * IP_PKTINFO reporting the local address and interface. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netio.h"

struct natt_case {
	int n;
	uint8_t bytes[40];
	size_t len;
	enum netio_natt_kind want;
};

static const struct natt_case natt_cases[] = {
	{ 1, { 0xff }, 1, NETIO_NATT_KEEPALIVE },
	{ 2, { 0x00 }, 1, NETIO_NATT_INVALID },       /* one byte, not 0xFF */
	{ 3, { 0 }, 0, NETIO_NATT_INVALID },          /* empty */
	{ 4, { 0, 0, 0 }, 3, NETIO_NATT_INVALID },    /* shorter than a marker */
	{ 5, { 0, 0, 0, 0 }, 4, NETIO_NATT_INVALID }, /* marker alone */
	{ 6, { 0 }, 31, NETIO_NATT_INVALID },         /* marker + runt ISAKMP header */
	{ 7, { 0 }, 32, NETIO_NATT_IKE },             /* marker + 28-byte header */
	{ 8, { 0 }, 40, NETIO_NATT_IKE },
	{ 9, { 0, 0, 0x10, 0x00, 0, 0, 0, 1 }, 8, NETIO_NATT_ESP }, /* SPI 0x1000, seq 1 */
	{ 10, { 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1 }, 8, NETIO_NATT_ESP },
	{ 11, { 0, 0, 0, 1, 0, 0, 0 }, 7, NETIO_NATT_INVALID }, /* ESP without a whole sequence number */
	{ 12, { 0xff, 0xff }, 2, NETIO_NATT_INVALID },           /* two 0xFF bytes are no keepalive */
	{ 13, { 0, 0, 0, 1 }, 4, NETIO_NATT_INVALID },
};

static void test_natt_classify(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof natt_cases / sizeof natt_cases[0]; i++) {
		const struct natt_case *c = &natt_cases[i];
		enum netio_natt_kind k = netio_natt_classify(c->bytes, c->len);
		if (k != c->want)
			fail_msg("case %d: %s, expected %s", c->n, netio_natt_name(k), netio_natt_name(c->want));
	}
}

static void test_mask_plen(void **s)
{
	(void)s;
	assert_int_equal(netio_mask_plen(0), 0);
	assert_int_equal(netio_mask_plen(0xffffffffu), 32);
	assert_int_equal(netio_mask_plen(0xffffff00u), 24);
	assert_int_equal(netio_mask_plen(0xfffffffeu), 31);
	assert_int_equal(netio_mask_plen(0x80000000u), 1);
	assert_int_equal(netio_mask_plen(0xff00ff00u), -1);
	assert_int_equal(netio_mask_plen(0x000000ffu), -1); /* a wildcard, not a mask */
}

/* IPv4 header checksum */
static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static size_t mk_ipv4(uint8_t *p, uint8_t proto, uint32_t src, uint32_t dst, const uint8_t *payload, size_t plen)
{
	size_t tot = 20 + plen;
	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)(tot >> 8);
	p[3] = (uint8_t)tot;
	p[8] = 64;
	p[9] = proto;
	for (int i = 0; i < 4; i++) {
		p[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		p[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	uint16_t c = csum(p, 20);
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
	memcpy(p + 20, payload, plen);
	return tot;
}

static size_t mk_udp(uint8_t *p, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, const uint8_t *payload,
		     size_t plen)
{
	uint8_t u[1500];
	u[0] = (uint8_t)(sport >> 8);
	u[1] = (uint8_t)sport;
	u[2] = (uint8_t)(dport >> 8);
	u[3] = (uint8_t)dport;
	u[4] = (uint8_t)((plen + 8) >> 8);
	u[5] = (uint8_t)(plen + 8);
	u[6] = u[7] = 0; /* no checksum */
	memcpy(u + 8, payload, plen);
	return mk_ipv4(p, IPPROTO_UDP, src, dst, u, plen + 8);
}

static void test_udp_split(void **s)
{
	(void)s;
	uint8_t pkt[200];
	static const uint8_t esp[12] = { 0, 0, 0x10, 0, 0, 0, 0, 1, 9, 9, 9, 9 };
	size_t n = mk_udp(pkt, 0x0a000001, 4500, 0x0a000002, 4501, esp, sizeof esp);
	netio_udp_parts u;
	/* 1: a good packet */
	assert_int_equal(netio_ipv4_udp_split(pkt, n, &u), 0);
	assert_int_equal(u.src, 0x0a000001);
	assert_int_equal(u.dst, 0x0a000002);
	assert_int_equal(u.sport, 4500);
	assert_int_equal(u.dport, 4501);
	assert_int_equal(u.payload_len, sizeof esp);
	assert_memory_equal(u.payload, esp, sizeof esp);
	/* 2: length differs from the IPv4 total length */
	assert_int_equal(netio_ipv4_udp_split(pkt, n - 1, &u), -EINVAL);
	/* 3: UDP length wrong */
	pkt[25]++;
	assert_int_equal(netio_ipv4_udp_split(pkt, n, &u), -EINVAL);
	pkt[25]--;
	/* 4: not UDP */
	pkt[9] = 50;
	assert_int_equal(netio_ipv4_udp_split(pkt, n, &u), -EINVAL);
	pkt[9] = 17;
	/* 5: not IPv4 */
	pkt[0] = 0x65;
	assert_int_equal(netio_ipv4_udp_split(pkt, n, &u), -EINVAL);
	/* 6: IHL below 5 */
	pkt[0] = 0x44;
	assert_int_equal(netio_ipv4_udp_split(pkt, n, &u), -EINVAL);
	/* 7: too short for a header */
	assert_int_equal(netio_ipv4_udp_split(pkt, 19, &u), -EINVAL);
}

/* ---- live, in a private network namespace (forked child) ---- */

#define CHECK(c)                                                                          \
	do {                                                                              \
		if (!(c)) {                                                               \
			fprintf(stderr, "netns check failed at line %d: %s (errno %d)\n", \
				__LINE__, #c, errno);                                     \
			_exit(1);                                                         \
		}                                                                         \
	} while (0)

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* Read IPv4 packets from the TUN until one goes to dst with proto, or 2 s. */
static ssize_t tun_expect(int tun, uint8_t *buf, size_t cap, uint32_t dst, uint8_t proto)
{
	for (int tries = 0; tries < 50; tries++) {
		struct pollfd pfd = { .fd = tun, .events = POLLIN };
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		ssize_t n = read(tun, buf, cap);
		if (n < 20 || (buf[0] >> 4) != 4)
			continue; /* IPv6 noise from a new interface */
		uint32_t d = (uint32_t)buf[16] << 24 | (uint32_t)buf[17] << 16 | (uint32_t)buf[18] << 8 | buf[19];
		if (d == dst && buf[9] == proto)
			return n;
	}
	return -1;
}

static int wait_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	return poll(&pfd, 1, 2000);
}

static void netns_child(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		_exit(77);
	int lo = netio_link_index("lo");
	CHECK(lo > 0);
	CHECK(netio_link_set_up(lo, true) == 0);
	CHECK(netio_link_index("no-such-if0") == -ENODEV);

	char name[NETIO_IFNAMSIZ];
	int tun = netio_tun_open("efdtest%d", name);
	if (tun == -ENOENT || tun == -ENODEV)
		_exit(77); /* no /dev/net/tun */
	CHECK(tun >= 0);
	CHECK(strncmp(name, "efdtest", 7) == 0);
	int idx = netio_link_index(name);
	CHECK(idx > 0);
	CHECK(netio_link_set_up(idx, true) == 0);
	CHECK(netio_addr_add(idx, A(10, 9, 0, 1), 24) == 0);
	CHECK(netio_addr_add(idx, A(10, 9, 0, 1), 24) == 0); /* already there: fine */
	CHECK(netio_route_add(A(10, 77, 0, 0), 16, A(10, 9, 0, 2), idx) == 0);
	CHECK(netio_route_add(A(10, 77, 0, 0), 16, A(10, 9, 0, 2), idx) == 0); /* replace */
	CHECK(netio_route_add(A(10, 88, 1, 2), 16, 0, idx) == 0);              /* host bits cleared */
	CHECK(netio_route_add(A(10, 66, 0, 0), 16, A(192, 0, 2, 1), 0) == -ENETUNREACH);
	CHECK(netio_route_add(A(10, 66, 0, 0), 16, 0, 0) == -EINVAL);

	/* a UDP datagram routed via the gateway route: source 10.9.0.1, out of the TUN */
	uint8_t buf[2048];
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(u >= 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	to.sin_addr.s_addr = htonl(A(10, 77, 1, 1));
	CHECK(connect(u, (struct sockaddr *)&to, sizeof to) == 0);
	struct sockaddr_in me;
	socklen_t ml = sizeof me;
	CHECK(getsockname(u, (struct sockaddr *)&me, &ml) == 0);
	CHECK(ntohl(me.sin_addr.s_addr) == A(10, 9, 0, 1));
	CHECK(send(u, "hello", 5, 0) == 5);
	ssize_t n = tun_expect(tun, buf, sizeof buf, A(10, 77, 1, 1), IPPROTO_UDP);
	CHECK(n == 20 + 8 + 5);
	CHECK(memcmp(buf + 28, "hello", 5) == 0);
	/* and via the connected (link) route */
	to.sin_addr.s_addr = htonl(A(10, 88, 3, 3));
	CHECK(sendto(u, "x", 1, 0, (struct sockaddr *)&to, sizeof to) == 1);
	CHECK(tun_expect(tun, buf, sizeof buf, A(10, 88, 3, 3), IPPROTO_UDP) > 0);
	close(u);

	/* raw ESP out with our own header: the kernel fills length and checksum */
	int esp = netio_esp_open();
	CHECK(esp >= 0);
	uint8_t pkt[200], payload[24];
	for (int i = 0; i < 24; i++)
		payload[i] = (uint8_t)(i + 1);
	size_t plen = mk_ipv4(pkt, 50, A(10, 9, 0, 1), A(10, 77, 5, 5), payload, sizeof payload);
	pkt[10] = pkt[11] = 0; /* checksum left to the kernel */
	CHECK(netio_esp_send(esp, pkt, plen) == 0);
	n = tun_expect(tun, buf, sizeof buf, A(10, 77, 5, 5), 50);
	CHECK(n == (ssize_t)plen);
	CHECK(csum(buf, 20) == 0);
	CHECK(memcmp(buf + 20, payload, sizeof payload) == 0);
	CHECK(buf[8] == 64); /* our TTL, not the kernel's */
	CHECK(netio_esp_send(esp, pkt, 19) == -EINVAL);

	/* raw ESP in: the whole packet, header included */
	plen = mk_ipv4(pkt, 50, A(10, 77, 1, 1), A(10, 9, 0, 1), payload, sizeof payload);
	CHECK(write(tun, pkt, plen) == (ssize_t)plen);
	CHECK(wait_readable(esp) == 1);
	n = netio_esp_recv(esp, buf, sizeof buf);
	CHECK(n == (ssize_t)plen);
	CHECK(buf[9] == 50 && memcmp(buf + 20, payload, sizeof payload) == 0);
	CHECK(netio_esp_recv(esp, buf, sizeof buf) == -EAGAIN);

	/* UDP 4500 on 0.0.0.0: the datagram reports its local address and interface */
	int natt = netio_udp_open(0, NETIO_NATT_PORT);
	CHECK(natt >= 0);
	static const uint8_t ka[1] = { 0xff };
	plen = mk_udp(pkt, A(10, 77, 1, 1), 4501, A(10, 9, 0, 1), 4500, ka, 1);
	CHECK(write(tun, pkt, plen) == (ssize_t)plen);
	CHECK(wait_readable(natt) == 1);
	netio_dgram m;
	n = netio_udp_recv(natt, buf, sizeof buf, &m);
	CHECK(n == 1);
	CHECK(netio_natt_classify(buf, (size_t)n) == NETIO_NATT_KEEPALIVE);
	CHECK(m.peer == A(10, 77, 1, 1) && m.peer_port == 4501);
	CHECK(m.local == A(10, 9, 0, 1));
	CHECK(m.ifindex == idx);
	CHECK(netio_udp_recv(natt, buf, sizeof buf, &m) == -EAGAIN);
	/* a reply from that local address, with the non-ESP marker in front */
	static const uint8_t marker[4] = { 0 };
	struct iovec iov[2] = { { (void *)marker, 4 }, { (void *)"ike", 3 } };
	CHECK(netio_udp_sendv(natt, iov, 2, A(10, 9, 0, 1), A(10, 77, 1, 1), 4501) == 7);
	n = tun_expect(tun, buf, sizeof buf, A(10, 77, 1, 1), IPPROTO_UDP);
	CHECK(n == 20 + 8 + 7);
	netio_udp_parts up;
	CHECK(netio_ipv4_udp_split(buf, (size_t)n, &up) == 0);
	CHECK(up.src == A(10, 9, 0, 1) && up.sport == 4500 && up.dport == 4501);
	CHECK(memcmp(up.payload, "\0\0\0\0ike", 7) == 0);
	/* the port is taken: a second daemon would be told so */
	int again = netio_udp_open(A(10, 9, 0, 1), NETIO_NATT_PORT);
	CHECK(again == -EADDRINUSE);

	/* deleting routes and addresses */
	CHECK(netio_route_del(A(10, 77, 0, 0), 16, A(10, 9, 0, 2), idx) == 0);
	CHECK(netio_route_del(A(10, 77, 0, 0), 16, A(10, 9, 0, 2), idx) == -ESRCH);
	u = socket(AF_INET, SOCK_DGRAM, 0);
	to.sin_addr.s_addr = htonl(A(10, 77, 1, 1));
	CHECK(connect(u, (struct sockaddr *)&to, sizeof to) < 0 && errno == ENETUNREACH);
	close(u);
	CHECK(netio_addr_del(idx, A(10, 9, 0, 1), 24) == 0);
	CHECK(netio_addr_del(idx, A(10, 9, 0, 1), 24) == -EADDRNOTAVAIL);
	CHECK(netio_link_set_up(idx, false) == 0);
	close(natt);
	close(esp);
	close(tun);
	CHECK(netio_link_index(name) == -ENODEV); /* not persistent: gone with its fd */
	_exit(0);
}

static void test_live_netns(void **s)
{
	(void)s;
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		netns_child();
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77)
		skip(); /* not root, or no TUN driver */
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_natt_classify),
		cmocka_unit_test(test_mask_plen),
		cmocka_unit_test(test_udp_split),
		cmocka_unit_test(test_live_netns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
