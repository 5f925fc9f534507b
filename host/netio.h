/*
 * netio — espfabd's packet I/O and interface configuration on Linux
 * (DESIGN.md decision 9: no kernel IPsec; the kernel only moves packets).
 *
 *   TUN      protected-side traffic: IFF_TUN | IFF_NO_PI, so each read or
 *            write is exactly one IPv4 packet, starting at its header.
 *   raw ESP  a raw IPv4 socket for protocol 50.  Reads return the whole
 *            IPv4 packet including its header (Linux raw sockets always do).
 *            Sends use IP_HDRINCL: we send the complete packet the engine
 *            built (libespfab's encapsulation writes the outer IPv4 header
 *            itself — docs/esp-semantics.md), and the kernel only fills in
 *            the header checksum and total length (and the ID when it is 0)
 *            and routes on the header's destination.
 *   UDP      IKE on 500 and NAT-T on 4500: sockets with IP_PKTINFO, so each
 *            datagram reports the local address it was sent to and the
 *            interface it came in on, and replies can leave from the same
 *            local address even on a socket bound to 0.0.0.0.  Port 4500
 *            carries IKE behind a 4-byte zero non-ESP marker, ESP (starting
 *            with its non-zero SPI) and one-byte 0xFF NAT keepalives
 *            (RFC 3948 section 2); netio_natt_classify() tells them apart.
 *            No UDP_ENCAP socket option is set: the kernel must not try to
 *            decapsulate ESP-in-UDP itself.
 *   rtnetlink  interface up/down, IPv4 addresses and static routes are set
 *            with NETLINK_ROUTE messages (no `ip` commands, no shell): each
 *            call is one request acknowledged by the kernel, and the
 *            kernel's errno is returned.
 *
 * Addresses are IPv4 in host byte order (as in espfab_sa_t and the IOS
 * configuration model).  Sockets and the TUN fd are non-blocking and
 * close-on-exec.  Functions return 0 / a non-negative value, or a negative
 * errno.  Opening TUN devices, raw sockets, ports below 1024 and netlink
 * changes need CAP_NET_ADMIN / CAP_NET_RAW / CAP_NET_BIND_SERVICE.
 */
#ifndef ESPFAB_HOST_NETIO_H
#define ESPFAB_HOST_NETIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#define NETIO_IKE_PORT 500
#define NETIO_NATT_PORT 4500
#define NETIO_NON_ESP_MARKER_LEN 4
#define NETIO_IFNAMSIZ 16

/* ---- TUN ---- */

/* Create (or attach to) TUN device `name` ("espfab0"; a "%d" pattern lets
 * the kernel pick a number).  ifname (may be NULL) receives the actual
 * name.  Returns the fd.  The device disappears when the fd is closed
 * (it is not made persistent).  It is created down: see netio_link_set_up. */
int netio_tun_open(const char *name, char ifname[NETIO_IFNAMSIZ]);

/* ---- raw ESP ---- */

int netio_esp_open(void);
/* One whole IPv4 packet (header included); -EAGAIN when none is waiting. */
ssize_t netio_esp_recv(int fd, void *buf, size_t cap);
/* Send a complete IPv4 packet (20+ byte header included, as the engine
 * produced it) to the header's destination.  -EINVAL if it is not IPv4. */
int netio_esp_send(int fd, const void *pkt, size_t len);

/* ---- UDP 500 / 4500 ---- */

/* A UDP socket bound to addr:port (addr 0 = every local address) with
 * IP_PKTINFO.  No SO_REUSEADDR: for UDP on Linux it would let a second
 * daemon bind the same port silently; without it the second gets
 * -EADDRINUSE. */
int netio_udp_open(uint32_t addr, uint16_t port);

typedef struct netio_dgram {
	uint32_t peer;      /* source address */
	uint16_t peer_port; /* source port */
	uint32_t local;     /* destination address of the datagram (ours) */
	int ifindex;        /* interface it arrived on */
} netio_dgram;

/* Receive one datagram; m receives where it came from and went to.
 * -EAGAIN when none is waiting. */
ssize_t netio_udp_recv(int fd, void *buf, size_t cap, netio_dgram *m);
/* Send from `local` (0 = let routing choose) to peer:port; the iovec form
 * lets IKE on 4500 put the non-ESP marker in front without a copy. */
ssize_t netio_udp_sendv(int fd, const struct iovec *iov, int iovcnt, uint32_t local, uint32_t peer,
			uint16_t peer_port);
ssize_t netio_udp_send(int fd, const void *buf, size_t len, uint32_t local, uint32_t peer, uint16_t peer_port);

/* RFC 3948 demultiplexing of a UDP/4500 payload. */
enum netio_natt_kind {
	NETIO_NATT_IKE,       /* 4 zero bytes then IKE: the IKE message starts at offset 4 */
	NETIO_NATT_ESP,       /* non-zero SPI: ESP starts at offset 0 */
	NETIO_NATT_KEEPALIVE, /* the single byte 0xFF */
	NETIO_NATT_INVALID,   /* anything else: too short for ESP, empty, a marker alone */
};
/* ESP needs at least SPI + sequence number (8 bytes) to be worth handing on;
 * IKE needs at least the marker and a 28-byte ISAKMP header. */
enum netio_natt_kind netio_natt_classify(const uint8_t *p, size_t len);
const char *netio_natt_name(enum netio_natt_kind k);

/* The parts of an IPv4+UDP packet (as the engine builds for UDP-encapsulated
 * ESP): 0 and the fields, or -EINVAL if it is not a well-formed IPv4/UDP
 * packet of exactly that length. */
typedef struct netio_udp_parts {
	uint32_t src, dst;
	uint16_t sport, dport;
	const uint8_t *payload;
	size_t payload_len;
} netio_udp_parts;
int netio_ipv4_udp_split(const uint8_t *pkt, size_t len, netio_udp_parts *out);

/* ---- interfaces, addresses, routes (rtnetlink) ---- */

/* The ifindex of a Linux interface, or -ENODEV. */
int netio_link_index(const char *name);
int netio_link_set_up(int ifindex, bool up);
/* Add addr/plen on the interface; already present is success. */
int netio_addr_add(int ifindex, uint32_t addr, unsigned plen);
int netio_addr_del(int ifindex, uint32_t addr, unsigned plen);
/* Install (or replace) a static route in the main table: dst/plen via gw
 * (0 = directly connected) out of ifindex (0 = the kernel finds it from
 * gw).  Host bits of dst beyond plen are cleared. */
int netio_route_add(uint32_t dst, unsigned plen, uint32_t gw, int ifindex);
int netio_route_del(uint32_t dst, unsigned plen, uint32_t gw, int ifindex);

/* Prefix length of a contiguous netmask, or -1. */
int netio_mask_plen(uint32_t mask);

#endif /* ESPFAB_HOST_NETIO_H */
