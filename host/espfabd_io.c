/* espfabd_io — packet sockets and hooks; see espfabd_io.h. */
#include "espfabd_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elog.h"

#define RX_BUF 65536
#define RX_BURST 64 /* packets per callback, so one busy socket cannot starve the rest */

static const char *ip_str(uint32_t a, char *b)
{
	snprintf(b, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return b;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void tun_ready(evloop *l, evloop_fd *w, int fd, unsigned ev, void *arg)
{
	(void)l;
	(void)w;
	(void)ev;
	espfabd_io *io = arg;
	for (int i = 0; i < RX_BURST; i++) {
		ssize_t n = read(fd, io->buf, RX_BUF);
		if (n <= 0)
			return;
		if (n < 20 || (io->buf[0] >> 4) != 4) {
			io->st.tun_drop++; /* IPv6 and other non-IPv4 noise */
			continue;
		}
		io->st.tun_rx++;
		if (io->tun_rx) {
			io->tun_rx(io->tun_arg, io->buf, (size_t)n);
			continue;
		}
		io->st.tun_drop++;
		char s[16], d[16];
		ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC, "IPSEC: packet from %s to %s, proto %u, %zd bytes on %s: dropped, no data path yet",
			   ip_str(rd32(io->buf + 12), s), ip_str(rd32(io->buf + 16), d), io->buf[9], n, io->tun_name);
	}
}

static void esp_ready(evloop *l, evloop_fd *w, int fd, unsigned ev, void *arg)
{
	(void)l;
	(void)w;
	(void)ev;
	espfabd_io *io = arg;
	for (int i = 0; i < RX_BURST; i++) {
		ssize_t n = netio_esp_recv(fd, io->buf, RX_BUF);
		if (n < 0)
			return;
		size_t hl = n >= 20 ? (size_t)(io->buf[0] & 15) * 4 : 0;
		io->st.esp_rx++;
		if (io->esp_rx && hl >= 20) {
			io->esp_rx(io->esp_arg, io->buf, (size_t)n);
			continue;
		}
		io->st.esp_drop++;
		char s[16], d[16];
		if (hl >= 20 && (size_t)n >= hl + 4)
			ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC,
				   "IPSEC: ESP packet from %s to %s, SPI 0x%08X, %zd bytes: dropped, no data path yet",
				   ip_str(rd32(io->buf + 12), s), ip_str(rd32(io->buf + 16), d), rd32(io->buf + hl), n);
		else
			ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC, "IPSEC: runt ESP packet, %zd bytes: dropped", n);
	}
}

static void ike_drop(espfabd_io *io, int natt, uint16_t port, size_t len, const netio_dgram *m)
{
	io->st.ike_drop[natt]++;
	char p[16], lo[16];
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP,
		   "ISAKMP: received packet from %s dport %u sport %u (to %s, %zu bytes): dropped, no IKE yet",
		   ip_str(m->peer, p), port, m->peer_port, ip_str(m->local, lo), len);
}

static void udp_ready(evloop *l, evloop_fd *w, int fd, unsigned ev, void *arg)
{
	(void)l;
	(void)ev;
	espfabd_io *io = arg;
	int natt = w == io->udp_w[1];
	uint16_t port = io->udp_port[natt];
	for (int i = 0; i < RX_BURST; i++) {
		netio_dgram m;
		ssize_t n = netio_udp_recv(fd, io->buf, RX_BUF, &m);
		if (n == -EMSGSIZE) {
			io->st.natt_bad++;
			continue;
		}
		if (n < 0)
			return;
		char p[16];
		if (!natt) {
			io->st.ike_rx[0]++;
			if (io->ike_rx)
				io->ike_rx(io->ike_arg, port, io->buf, (size_t)n, &m);
			else
				ike_drop(io, 0, port, (size_t)n, &m);
			continue;
		}
		switch (netio_natt_classify(io->buf, (size_t)n)) {
		case NETIO_NATT_IKE:
			io->st.ike_rx[1]++;
			if (io->ike_rx)
				io->ike_rx(io->ike_arg, port, io->buf + NETIO_NON_ESP_MARKER_LEN,
					   (size_t)n - NETIO_NON_ESP_MARKER_LEN, &m);
			else
				ike_drop(io, 1, port, (size_t)n - NETIO_NON_ESP_MARKER_LEN, &m);
			break;
		case NETIO_NATT_ESP:
			io->st.natt_esp_rx++;
			if (io->natt_esp_rx) {
				io->natt_esp_rx(io->natt_esp_arg, io->buf, (size_t)n, &m);
			} else {
				io->st.natt_esp_drop++;
				ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC,
					   "IPSEC: UDP-encapsulated ESP from %s:%u, SPI 0x%08X, %zd bytes: dropped, no data path yet",
					   ip_str(m.peer, p), m.peer_port, rd32(io->buf), n);
			}
			break;
		case NETIO_NATT_KEEPALIVE:
			io->st.natt_keepalive++;
			ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP: NAT keepalive from %s:%u", ip_str(m.peer, p),
				   m.peer_port);
			break;
		case NETIO_NATT_INVALID:
			io->st.natt_bad++;
			ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP: malformed UDP %u datagram from %s:%u, %zd bytes: dropped",
				   port, ip_str(m.peer, p), m.peer_port, n);
			break;
		}
	}
}

void espfabd_io_close(espfabd_io *io)
{
	if (!io->loop)
		return; /* zeroed: never opened */
	evloop_fd_del(io->loop, io->tun_w);
	evloop_fd_del(io->loop, io->esp_w);
	evloop_fd_del(io->loop, io->udp_w[0]);
	evloop_fd_del(io->loop, io->udp_w[1]);
	io->tun_w = io->esp_w = io->udp_w[0] = io->udp_w[1] = NULL;
	int *fds[] = { &io->tun_fd, &io->esp_fd, &io->udp_fd[0], &io->udp_fd[1] };
	for (size_t i = 0; i < 4; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	free(io->buf);
	io->buf = NULL;
	io->loop = NULL;
}

int espfabd_io_open(espfabd_io *io, evloop *loop, const char *tun_name, uint16_t ike_port, uint16_t natt_port,
		    char *err, size_t err_len)
{
	memset(io, 0, sizeof *io);
	io->loop = loop;
	io->tun_fd = io->esp_fd = io->udp_fd[0] = io->udp_fd[1] = -1;
	int r;
	io->buf = malloc(RX_BUF);
	if (!io->buf) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	r = netio_tun_open(tun_name, io->tun_name);
	if (r < 0) {
		snprintf(err, err_len, "TUN device '%s': %s", tun_name, strerror(-r));
		goto fail;
	}
	io->tun_fd = r;
	/* IPv4 only: keep the kernel from sending IPv6 router solicitations
	 * and MLD reports into it (best effort; IPv6 may be off already). */
	char path[96];
	snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/disable_ipv6", io->tun_name);
	FILE *f = fopen(path, "we");
	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
	io->tun_ifindex = netio_link_index(io->tun_name);
	r = io->tun_ifindex < 0 ? io->tun_ifindex : netio_link_set_up(io->tun_ifindex, true);
	if (r < 0) {
		snprintf(err, err_len, "TUN device '%s': bringing it up: %s", io->tun_name, strerror(-r));
		goto fail;
	}
	r = netio_esp_open();
	if (r < 0) {
		snprintf(err, err_len, "raw socket for IP protocol 50 (ESP): %s", strerror(-r));
		goto fail;
	}
	io->esp_fd = r;
	uint16_t ports[2] = { ike_port, natt_port };
	for (int i = 0; i < 2; i++) {
		r = netio_udp_open(0, ports[i]);
		if (r < 0) {
			snprintf(err, err_len, "UDP port %u: %s", ports[i], strerror(-r));
			goto fail;
		}
		io->udp_fd[i] = r;
		io->udp_port[i] = ports[i];
	}
	if ((r = evloop_fd_add(loop, io->tun_fd, EVLOOP_IN, tun_ready, io, &io->tun_w)) < 0 ||
	    (r = evloop_fd_add(loop, io->esp_fd, EVLOOP_IN, esp_ready, io, &io->esp_w)) < 0 ||
	    (r = evloop_fd_add(loop, io->udp_fd[0], EVLOOP_IN, udp_ready, io, &io->udp_w[0])) < 0 ||
	    (r = evloop_fd_add(loop, io->udp_fd[1], EVLOOP_IN, udp_ready, io, &io->udp_w[1])) < 0) {
		snprintf(err, err_len, "event loop: %s", strerror(-r));
		goto fail;
	}
	return 0;
fail:
	espfabd_io_close(io);
	return r;
}

int espfabd_io_ike_send(espfabd_io *io, int natt, uint32_t local, uint32_t peer, uint16_t peer_port,
			const uint8_t *msg, size_t len)
{
	static const uint8_t marker[NETIO_NON_ESP_MARKER_LEN];
	struct iovec iov[2] = { { (void *)marker, sizeof marker }, { (void *)msg, len } };
	ssize_t r = natt ? netio_udp_sendv(io->udp_fd[1], iov, 2, local, peer, peer_port)
			 : netio_udp_sendv(io->udp_fd[0], iov + 1, 1, local, peer, peer_port);
	if (r < 0) {
		io->st.send_errors++;
		return (int)r;
	}
	io->st.ike_tx[natt ? 1 : 0]++;
	return 0;
}

int espfabd_io_natt_keepalive(espfabd_io *io, uint32_t local, uint32_t peer, uint16_t peer_port)
{
	static const uint8_t ka = 0xff;
	ssize_t r = netio_udp_send(io->udp_fd[1], &ka, 1, local, peer, peer_port);
	if (r < 0) {
		io->st.send_errors++;
		return (int)r;
	}
	io->st.natt_keepalive_tx++;
	return 0;
}

int espfabd_io_esp_send(espfabd_io *io, const uint8_t *pkt, size_t len)
{
	int r;
	if (len >= 20 && pkt[9] == 17) {
		netio_udp_parts u;
		r = netio_ipv4_udp_split(pkt, len, &u);
		if (r == 0) {
			ssize_t n = netio_udp_send(io->udp_fd[1], u.payload, u.payload_len, u.src, u.dst, u.dport);
			r = n < 0 ? (int)n : 0;
		}
	} else {
		r = netio_esp_send(io->esp_fd, pkt, len);
	}
	if (r < 0) {
		io->st.send_errors++;
		return r;
	}
	io->st.esp_tx++;
	return 0;
}

int espfabd_io_tun_write(espfabd_io *io, const uint8_t *pkt, size_t len)
{
	ssize_t n = write(io->tun_fd, pkt, len);
	if (n < 0 || (size_t)n != len) {
		io->st.send_errors++;
		return n < 0 ? -errno : -EIO;
	}
	io->st.tun_tx++;
	return 0;
}

void espfabd_io_show(const espfabd_io *io, obuf *out)
{
	const struct espfabd_io_stats *s = &io->st;
	obuf_printf(out, "TUN %s: %llu packets in, %llu out, %llu dropped%s\n", io->tun_name,
		    (unsigned long long)s->tun_rx, (unsigned long long)s->tun_tx, (unsigned long long)s->tun_drop,
		    io->tun_rx ? "" : " (no data path yet)");
	obuf_printf(out, "ESP (IP protocol 50): %llu packets in, %llu out, %llu dropped%s\n",
		    (unsigned long long)s->esp_rx, (unsigned long long)s->esp_tx, (unsigned long long)s->esp_drop,
		    io->esp_rx ? "" : " (no data path yet)");
	obuf_printf(out, "IKE UDP 500: %llu datagrams in, %llu out, %llu dropped%s\n", (unsigned long long)s->ike_rx[0],
		    (unsigned long long)s->ike_tx[0], (unsigned long long)s->ike_drop[0], io->ike_rx ? "" : " (no IKE yet)");
	obuf_printf(out,
		    "NAT-T UDP 4500: %llu IKE in, %llu out, %llu dropped; %llu ESP in, %llu dropped; "
		    "%llu keepalives; %llu malformed\n",
		    (unsigned long long)s->ike_rx[1], (unsigned long long)s->ike_tx[1], (unsigned long long)s->ike_drop[1],
		    (unsigned long long)s->natt_esp_rx, (unsigned long long)s->natt_esp_drop,
		    (unsigned long long)s->natt_keepalive, (unsigned long long)s->natt_bad);
	if (s->natt_keepalive_tx)
		obuf_printf(out, "NAT-T keepalives sent: %llu\n", (unsigned long long)s->natt_keepalive_tx);
	if (s->send_errors)
		obuf_printf(out, "Send errors: %llu\n", (unsigned long long)s->send_errors);
}
