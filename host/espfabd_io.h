/*
 * espfabd_io — the daemon's packet sockets, served from the event loop, with
 * the hooks the IKE state machines and the data path plug into.
 *
 *   TUN  (protected side)      -> tun_rx(plain IPv4 packet)
 *   raw IP protocol 50          -> esp_rx(whole IPv4 packet carrying ESP)
 *   UDP 500                     -> ike_rx(port 500, ISAKMP message)
 *   UDP 4500, non-ESP marker    -> ike_rx(port 4500, ISAKMP message after the marker)
 *   UDP 4500, ESP               -> natt_esp_rx(ESP starting at the SPI)
 *   UDP 4500, 0xFF keepalive    -> counted (and a debug line), nothing else
 *                                  (espfabd_io_natt_keepalive sends them)
 *   UDP 4500, anything else     -> counted as malformed and dropped
 *
 * A hook left NULL means nobody handles that traffic yet: the packet is
 * counted as dropped and, with the matching `debug crypto …` on, one debug
 * line says so.  That is the state today: IKE (ike/) and the data path are
 * not wired in, so espfabd receives, counts and drops.  `show version`
 * prints the counters.
 *
 * Sending: espfabd_io_ike_send puts the non-ESP marker in front on 4500;
 * espfabd_io_esp_send takes what the engine produced — an IPv4 packet with
 * ESP (sent on the raw socket with our header) or with UDP-encapsulated ESP
 * (sent from the 4500 socket, from the header's source address, to its
 * destination and port); espfabd_io_tun_write delivers a decapsulated
 * packet to the protected side.
 *
 * UDP sockets are bound to 0.0.0.0 and use IP_PKTINFO: the hooks learn the
 * local address each datagram came to; replies leave from that address.
 */
#ifndef ESPFAB_HOST_ESPFABD_IO_H
#define ESPFAB_HOST_ESPFABD_IO_H

#include <stddef.h>
#include <stdint.h>

#include "evloop.h"
#include "netio.h"
#include "obuf.h"

typedef void (*espfabd_pkt_fn)(void *arg, const uint8_t *pkt, size_t len);
typedef void (*espfabd_ike_fn)(void *arg, uint16_t local_port, const uint8_t *msg, size_t len, const netio_dgram *m);
typedef void (*espfabd_natt_esp_fn)(void *arg, const uint8_t *esp, size_t len, const netio_dgram *m);

struct espfabd_io_stats {
	uint64_t tun_rx, tun_tx, tun_drop;
	uint64_t esp_rx, esp_tx, esp_drop;
	uint64_t ike_rx[2], ike_tx[2], ike_drop[2]; /* [0] port 500, [1] port 4500 */
	uint64_t natt_esp_rx, natt_esp_drop, natt_keepalive, natt_bad;
	uint64_t natt_keepalive_tx;
	uint64_t send_errors;
};

typedef struct espfabd_io {
	evloop *loop;
	int tun_fd, esp_fd, udp_fd[2];
	uint16_t udp_port[2]; /* the ports udp_fd[] are bound to (500, 4500) */
	evloop_fd *tun_w, *esp_w, *udp_w[2];
	char tun_name[NETIO_IFNAMSIZ];
	int tun_ifindex;
	uint8_t *buf; /* receive buffer, 64 KiB */
	struct espfabd_io_stats st;

	espfabd_pkt_fn tun_rx, esp_rx;
	void *tun_arg, *esp_arg;
	espfabd_ike_fn ike_rx;
	void *ike_arg;
	espfabd_natt_esp_fn natt_esp_rx;
	void *natt_esp_arg;
} espfabd_io;

/* Open the TUN device `tun_name` (brought up, no address) and the sockets,
 * and watch them.  ike_port/natt_port are normally 500/4500 (tests may use
 * others).  0, or -errno with a one-line reason in err; on failure nothing
 * stays open. */
int espfabd_io_open(espfabd_io *io, evloop *loop, const char *tun_name, uint16_t ike_port, uint16_t natt_port,
		    char *err, size_t err_len);
/* Close everything (the TUN device disappears).  Safe on a zeroed or
 * failed-open struct. */
void espfabd_io_close(espfabd_io *io);

/* Sending; 0 or -errno (counted in send_errors). */
int espfabd_io_ike_send(espfabd_io *io, int natt, uint32_t local, uint32_t peer, uint16_t peer_port,
			const uint8_t *msg, size_t len);
int espfabd_io_esp_send(espfabd_io *io, const uint8_t *pkt, size_t len);
/* One NAT-keepalive (RFC 3948 section 2.3: the single byte 0xFF) from
 * local:4500 to peer:peer_port; counted in natt_keepalive_tx. */
int espfabd_io_natt_keepalive(espfabd_io *io, uint32_t local, uint32_t peer, uint16_t peer_port);
int espfabd_io_tun_write(espfabd_io *io, const uint8_t *pkt, size_t len);

/* The counters as `show version` prints them. */
void espfabd_io_show(const espfabd_io *io, obuf *out);

#endif /* ESPFAB_HOST_ESPFABD_IO_H */
