/* host/espfabd_io.{c,h} in a private network namespace (needs root;
 * skipped otherwise): every receive path reaches its hook with the right
 * bytes and addresses (TUN, raw ESP, UDP 500, UDP 4500 IKE behind the
 * marker, UDP 4500 ESP, keepalives, malformed), unhandled traffic is
 * counted as dropped with a debug line, and every send path (IKE on 500 and
 * 4500, ESP raw and UDP-encapsulated, TUN write) puts the right packet on
 * the wire. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "elog.h"
#include "espfabd_io.h"
#include "evloop.h"
#include "netio.h"

#define CHECK(c)                                                                                              \
	do {                                                                                                  \
		if (!(c)) {                                                                                   \
			fprintf(stderr, "check failed at line %d: %s (errno %d)\n", __LINE__, #c, errno); \
			_exit(1);                                                                             \
		}                                                                                             \
	} while (0)

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define LOCAL A(10, 9, 0, 1)
#define PEER A(10, 77, 1, 1)

struct got {
	int calls;
	uint8_t data[2048];
	size_t len;
	uint16_t port;
	netio_dgram m;
};
static struct got got_tun, got_esp, got_ike, got_natt;

static void rec(struct got *g, const uint8_t *p, size_t len)
{
	g->calls++;
	g->len = len < sizeof g->data ? len : sizeof g->data;
	memcpy(g->data, p, g->len);
}
static void on_tun(void *arg, const uint8_t *p, size_t len)
{
	(void)arg;
	/* a new interface sends IPv6 noise; the io layer already drops non-IPv4 */
	rec(&got_tun, p, len);
}
static void on_esp(void *arg, const uint8_t *p, size_t len)
{
	(void)arg;
	rec(&got_esp, p, len);
}
static void on_ike(void *arg, uint16_t port, const uint8_t *p, size_t len, const netio_dgram *m)
{
	(void)arg;
	rec(&got_ike, p, len);
	got_ike.port = port;
	got_ike.m = *m;
}
static void on_natt(void *arg, const uint8_t *p, size_t len, const netio_dgram *m)
{
	(void)arg;
	rec(&got_natt, p, len);
	got_natt.m = *m;
}

static char last_log[1100];
static void on_log(const char *line, size_t len, void *arg)
{
	(void)arg;
	(void)len;
	snprintf(last_log, sizeof last_log, "%s", line);
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static size_t mk_ipv4(uint8_t *p, uint8_t proto, uint32_t src, uint32_t dst, const uint8_t *pl, size_t n)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)((20 + n) >> 8);
	p[3] = (uint8_t)(20 + n);
	p[8] = 64;
	p[9] = proto;
	for (int i = 0; i < 4; i++) {
		p[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		p[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	uint16_t c = csum(p, 20);
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
	memcpy(p + 20, pl, n);
	return 20 + n;
}

static size_t mk_udp(uint8_t *p, uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp, const uint8_t *pl, size_t n)
{
	uint8_t u[1600] = { (uint8_t)(sp >> 8), (uint8_t)sp, (uint8_t)(dp >> 8), (uint8_t)dp,
			    (uint8_t)((n + 8) >> 8), (uint8_t)(n + 8), 0, 0 };
	memcpy(u + 8, pl, n);
	return mk_ipv4(p, IPPROTO_UDP, src, dst, u, n + 8);
}

/* Run the loop until the counter moves (or ~2 s). */
static void pump(evloop *l, const int *counter, int before)
{
	for (int i = 0; i < 200 && *counter == before; i++)
		evloop_run_once(l, 10);
}

static void inject(espfabd_io *io, const uint8_t *p, size_t n)
{
	CHECK(write(io->tun_fd, p, n) == (ssize_t)n);
}

static void child(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		_exit(77);
	elog_reset();
	elog_set_stderr(false);
	elog_subscribe(on_log, NULL);
	CHECK(netio_link_set_up(netio_link_index("lo"), true) == 0);
	evloop *l;
	CHECK(evloop_new(&l) == 0);
	espfabd_io io;
	char err[256];
	int r = espfabd_io_open(&io, l, "efdio%d", 500, 4500, err, sizeof err);
	if (r == -ENOENT || r == -ENODEV)
		_exit(77);
	if (r < 0)
		fprintf(stderr, "%s\n", err);
	CHECK(r == 0);
	CHECK(netio_addr_add(io.tun_ifindex, LOCAL, 24) == 0);
	CHECK(netio_route_add(A(10, 77, 0, 0), 16, 0, io.tun_ifindex) == 0);
	io.tun_rx = on_tun;
	io.esp_rx = on_esp;
	io.ike_rx = on_ike;
	io.natt_esp_rx = on_natt;

	uint8_t pkt[2048], isakmp[40];
	for (int i = 0; i < 40; i++)
		isakmp[i] = (uint8_t)(0xa0 + i);
	/* 1: UDP 500 -> ike_rx(500) with the local address */
	size_t n = mk_udp(pkt, PEER, 5000, LOCAL, 500, isakmp, 40);
	int b = got_ike.calls;
	inject(&io, pkt, n);
	pump(l, &got_ike.calls, b);
	CHECK(got_ike.calls == b + 1 && got_ike.port == 500 && got_ike.len == 40);
	CHECK(memcmp(got_ike.data, isakmp, 40) == 0);
	CHECK(got_ike.m.peer == PEER && got_ike.m.peer_port == 5000 && got_ike.m.local == LOCAL);
	CHECK(got_ike.m.ifindex == io.tun_ifindex);
	/* 2: UDP 4500 with the marker -> ike_rx(4500), marker stripped */
	uint8_t marked[44] = { 0 };
	memcpy(marked + 4, isakmp, 40);
	n = mk_udp(pkt, PEER, 4500, LOCAL, 4500, marked, 44);
	b = got_ike.calls;
	inject(&io, pkt, n);
	pump(l, &got_ike.calls, b);
	CHECK(got_ike.calls == b + 1 && got_ike.port == 4500 && got_ike.len == 40);
	CHECK(memcmp(got_ike.data, isakmp, 40) == 0);
	/* 3: UDP 4500 ESP -> natt_esp_rx from the SPI on */
	static const uint8_t esp[16] = { 0, 0, 0x10, 0, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8 };
	n = mk_udp(pkt, PEER, 4500, LOCAL, 4500, esp, 16);
	b = got_natt.calls;
	inject(&io, pkt, n);
	pump(l, &got_natt.calls, b);
	CHECK(got_natt.calls == b + 1 && got_natt.len == 16 && memcmp(got_natt.data, esp, 16) == 0);
	CHECK(got_natt.m.local == LOCAL && got_natt.m.peer_port == 4500);
	/* 4: keepalive and malformed are counted */
	static const uint8_t ka = 0xff, bad[3] = { 1, 2, 3 };
	n = mk_udp(pkt, PEER, 4500, LOCAL, 4500, &ka, 1);
	int kb = (int)io.st.natt_keepalive;
	inject(&io, pkt, n);
	for (int i = 0; i < 200 && (int)io.st.natt_keepalive == kb; i++)
		evloop_run_once(l, 10);
	CHECK(io.st.natt_keepalive == 1);
	n = mk_udp(pkt, PEER, 4500, LOCAL, 4500, bad, 3);
	inject(&io, pkt, n);
	for (int i = 0; i < 200 && io.st.natt_bad == 0; i++)
		evloop_run_once(l, 10);
	CHECK(io.st.natt_bad == 1);
	/* 5: raw ESP -> esp_rx with the header */
	n = mk_ipv4(pkt, 50, PEER, LOCAL, esp, 16);
	b = got_esp.calls;
	inject(&io, pkt, n);
	pump(l, &got_esp.calls, b);
	CHECK(got_esp.calls == b + 1 && got_esp.len == n && memcmp(got_esp.data + 20, esp, 16) == 0);
	/* 6: traffic routed into the TUN -> tun_rx */
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(7) };
	to.sin_addr.s_addr = htonl(A(10, 77, 2, 2));
	CHECK(sendto(u, "ping", 4, 0, (struct sockaddr *)&to, sizeof to) == 4);
	close(u);
	b = got_tun.calls;
	pump(l, &got_tun.calls, b);
	CHECK(got_tun.calls == b + 1 && got_tun.len == 32 && got_tun.data[9] == 17);
	CHECK(memcmp(got_tun.data + 28, "ping", 4) == 0);

	/* sending: each comes back out of the TUN into tun_rx */
	/* 7: IKE on 500, from our address */
	b = got_tun.calls;
	CHECK(espfabd_io_ike_send(&io, 0, LOCAL, PEER, 500, isakmp, 40) == 0);
	pump(l, &got_tun.calls, b);
	netio_udp_parts up;
	CHECK(netio_ipv4_udp_split(got_tun.data, got_tun.len, &up) == 0);
	CHECK(up.src == LOCAL && up.sport == 500 && up.dst == PEER && up.dport == 500 && up.payload_len == 40);
	/* 8: IKE on 4500 gets the marker */
	b = got_tun.calls;
	CHECK(espfabd_io_ike_send(&io, 1, LOCAL, PEER, 4501, isakmp, 40) == 0);
	pump(l, &got_tun.calls, b);
	CHECK(netio_ipv4_udp_split(got_tun.data, got_tun.len, &up) == 0);
	CHECK(up.sport == 4500 && up.dport == 4501 && up.payload_len == 44);
	CHECK(memcmp(up.payload, "\0\0\0\0", 4) == 0 && memcmp(up.payload + 4, isakmp, 40) == 0);
	/* 9: ESP as the engine builds it: raw, our header */
	n = mk_ipv4(pkt, 50, LOCAL, A(10, 77, 5, 5), esp, 16);
	pkt[8] = 33; /* a TTL the kernel would not pick */
	b = got_tun.calls;
	CHECK(espfabd_io_esp_send(&io, pkt, n) == 0);
	pump(l, &got_tun.calls, b);
	CHECK(got_tun.len == n && got_tun.data[9] == 50 && got_tun.data[8] == 33);
	/* 10: UDP-encapsulated ESP leaves from the 4500 socket */
	n = mk_udp(pkt, LOCAL, 4500, PEER, 4501, esp, 16);
	b = got_tun.calls;
	CHECK(espfabd_io_esp_send(&io, pkt, n) == 0);
	pump(l, &got_tun.calls, b);
	CHECK(netio_ipv4_udp_split(got_tun.data, got_tun.len, &up) == 0);
	CHECK(up.src == LOCAL && up.sport == 4500 && up.dport == 4501 && up.payload_len == 16);
	CHECK(espfabd_io_esp_send(&io, pkt, n - 1) < 0); /* malformed */
	CHECK(io.st.send_errors == 1);
	/* 11: TUN write: the kernel delivers it to UDP 500 */
	n = mk_udp(pkt, PEER, 5001, LOCAL, 500, isakmp, 40);
	b = got_ike.calls;
	CHECK(espfabd_io_tun_write(&io, pkt, n) == 0);
	pump(l, &got_ike.calls, b);
	CHECK(got_ike.calls == b + 1 && got_ike.m.peer_port == 5001);

	/* 12: without hooks: counted as dropped, a debug line when asked */
	io.ike_rx = NULL;
	io.esp_rx = NULL;
	elog_debug_set(ELOG_DBG_CRYPTO_ISAKMP, true);
	elog_debug_set(ELOG_DBG_CRYPTO_IPSEC, true);
	n = mk_udp(pkt, PEER, 5002, LOCAL, 500, isakmp, 40);
	inject(&io, pkt, n);
	for (int i = 0; i < 200 && io.st.ike_drop[0] == 0; i++)
		evloop_run_once(l, 10);
	CHECK(io.st.ike_drop[0] == 1);
	CHECK(strstr(last_log, "ISAKMP: received packet from 10.77.1.1 dport 500 sport 5002 (to 10.9.0.1, 40 bytes): "
			       "dropped, no IKE yet") != NULL);
	n = mk_ipv4(pkt, 50, PEER, LOCAL, esp, 16);
	inject(&io, pkt, n);
	for (int i = 0; i < 200 && io.st.esp_drop == 0; i++)
		evloop_run_once(l, 10);
	CHECK(io.st.esp_drop == 1);
	CHECK(strstr(last_log, "ESP packet from 10.77.1.1 to 10.9.0.1, SPI 0x00001000, 36 bytes") != NULL);
	obuf o;
	obuf_init(&o, 0);
	espfabd_io_show(&io, &o);
	CHECK(strstr(obuf_str(&o), "IKE UDP 500: 3 datagrams in, 1 out, 1 dropped (no IKE yet)") != NULL);
	CHECK(strstr(obuf_str(&o), "1 keepalives; 1 malformed") != NULL);
	obuf_free(&o);

	char name[NETIO_IFNAMSIZ];
	memcpy(name, io.tun_name, sizeof name);
	espfabd_io_close(&io);
	espfabd_io_close(&io); /* twice is harmless */
	CHECK(netio_link_index(name) == -ENODEV);
	/* a port in use is reported by number */
	int hold = netio_udp_open(0, 4500);
	CHECK(hold >= 0);
	CHECK(espfabd_io_open(&io, l, "efdio%d", 500, 4500, err, sizeof err) == -EADDRINUSE);
	CHECK(strstr(err, "UDP port 4500") != NULL);
	close(hold);
	evloop_free(l);
	_exit(0);
}

static void test_io_in_netns(void **s)
{
	(void)s;
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child();
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_io_in_netns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
