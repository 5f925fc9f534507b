/* netio — TUN, raw ESP, UDP with IP_PKTINFO, NAT-T demux, rtnetlink; see netio.h. */
#include "netio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* <net/if.h> clashes with <linux/if.h>; declare what we need. */
extern unsigned int if_nametoindex(const char *ifname);

/* ---- TUN ---- */

int netio_tun_open(const char *name, char ifname[NETIO_IFNAMSIZ])
{
	if (!name || !*name || strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	if (ifname) {
		memset(ifname, 0, NETIO_IFNAMSIZ);
		memcpy(ifname, ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ - 1));
	}
	return fd;
}

/* ---- raw ESP ---- */

int netio_esp_open(void)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ESP);
	if (fd < 0)
		return -errno;
	int one = 1;
	if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof one) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

ssize_t netio_esp_recv(int fd, void *buf, size_t cap)
{
	ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT);
	return n < 0 ? -errno : n;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int netio_esp_send(int fd, const void *pkt, size_t len)
{
	const uint8_t *p = pkt;
	if (len < 20 || (p[0] >> 4) != 4 || (size_t)(p[0] & 15) * 4 < 20 || (size_t)(p[0] & 15) * 4 > len)
		return -EINVAL;
	struct sockaddr_in to = { .sin_family = AF_INET };
	to.sin_addr.s_addr = htonl(rd32(p + 16));
	ssize_t n = sendto(fd, pkt, len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&to, sizeof to);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/* ---- UDP ---- */

int netio_udp_open(uint32_t addr, uint16_t port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	int one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	sa.sin_addr.s_addr = htonl(addr);
	if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

ssize_t netio_udp_recv(int fd, void *buf, size_t cap, netio_dgram *m)
{
	struct sockaddr_in from;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	union {
		char b[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} c;
	struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = c.b, .msg_controllen = sizeof c.b };
	ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	if (m) {
		memset(m, 0, sizeof *m);
		m->peer = ntohl(from.sin_addr.s_addr);
		m->peer_port = ntohs(from.sin_port);
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;
				memcpy(&pi, CMSG_DATA(cm), sizeof pi);
				m->local = ntohl(pi.ipi_addr.s_addr);
				m->ifindex = pi.ipi_ifindex;
			}
		}
	}
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	return n;
}

ssize_t netio_udp_sendv(int fd, const struct iovec *iov, int iovcnt, uint32_t local, uint32_t peer,
			uint16_t peer_port)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(peer_port) };
	to.sin_addr.s_addr = htonl(peer);
	union {
		char b[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} c;
	memset(&c, 0, sizeof c);
	struct msghdr msg = { .msg_name = &to, .msg_namelen = sizeof to, .msg_iov = (struct iovec *)iov,
			      .msg_iovlen = (size_t)iovcnt };
	if (local) {
		msg.msg_control = c.b;
		msg.msg_controllen = sizeof c.b;
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
		struct in_pktinfo pi;
		memset(&pi, 0, sizeof pi);
		pi.ipi_spec_dst.s_addr = htonl(local);
		memcpy(CMSG_DATA(cm), &pi, sizeof pi);
	}
	ssize_t n = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	return n < 0 ? -errno : n;
}

ssize_t netio_udp_send(int fd, const void *buf, size_t len, uint32_t local, uint32_t peer, uint16_t peer_port)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	return netio_udp_sendv(fd, &iov, 1, local, peer, peer_port);
}

enum netio_natt_kind netio_natt_classify(const uint8_t *p, size_t len)
{
	if (len == 1)
		return p[0] == 0xff ? NETIO_NATT_KEEPALIVE : NETIO_NATT_INVALID;
	if (len < 4)
		return NETIO_NATT_INVALID;
	if (rd32(p) == 0)
		return len >= NETIO_NON_ESP_MARKER_LEN + 28 ? NETIO_NATT_IKE : NETIO_NATT_INVALID;
	return len >= 8 ? NETIO_NATT_ESP : NETIO_NATT_INVALID;
}

const char *netio_natt_name(enum netio_natt_kind k)
{
	switch (k) {
	case NETIO_NATT_IKE:
		return "IKE";
	case NETIO_NATT_ESP:
		return "ESP";
	case NETIO_NATT_KEEPALIVE:
		return "NAT keepalive";
	case NETIO_NATT_INVALID:
		break;
	}
	return "invalid";
}

int netio_ipv4_udp_split(const uint8_t *p, size_t len, netio_udp_parts *out)
{
	if (len < 20 || (p[0] >> 4) != 4)
		return -EINVAL;
	size_t hl = (size_t)(p[0] & 15) * 4;
	size_t tot = (size_t)p[2] << 8 | p[3];
	if (hl < 20 || tot != len || hl + 8 > tot || p[9] != IPPROTO_UDP)
		return -EINVAL;
	const uint8_t *u = p + hl;
	size_t ulen = (size_t)u[4] << 8 | u[5];
	if (ulen != tot - hl)
		return -EINVAL;
	out->src = rd32(p + 12);
	out->dst = rd32(p + 16);
	out->sport = (uint16_t)(u[0] << 8 | u[1]);
	out->dport = (uint16_t)(u[2] << 8 | u[3]);
	out->payload = u + 8;
	out->payload_len = ulen - 8;
	return 0;
}

/* ---- rtnetlink ---- */

struct nlreq {
	struct nlmsghdr h;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
		struct rtmsg rt;
	} u;
	char attrs[128];
};

static void nl_attr(struct nlreq *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static void nl_attr32(struct nlreq *r, unsigned short type, uint32_t v)
{
	nl_attr(r, type, &v, sizeof v);
}

static void nl_attr_addr(struct nlreq *r, unsigned short type, uint32_t addr)
{
	uint32_t be = htonl(addr);
	nl_attr(r, type, &be, sizeof be);
}

/* Send one request and wait for its acknowledgement: 0 or -errno. */
static int nl_talk(struct nlreq *r)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	static uint32_t seq;
	r->h.nlmsg_seq = ++seq;
	r->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int ret;
	if (sendto(fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		union {
			char b[4096];
			struct nlmsghdr align;
		} buf;
		ssize_t n = recv(fd, buf.b, sizeof buf.b, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		for (struct nlmsghdr *h = &buf.align; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != r->h.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
					ret = -EPROTO;
					goto out;
				}
				const struct nlmsgerr *e = NLMSG_DATA(h);
				ret = e->error; /* 0 = ACK, else -errno */
				goto out;
			}
		}
	}
out:
	close(fd);
	return ret;
}

int netio_link_index(const char *name)
{
	if (!name || !*name || strlen(name) >= IFNAMSIZ)
		return -ENODEV;
	unsigned idx = if_nametoindex(name);
	return idx ? (int)idx : -ENODEV;
}

int netio_link_set_up(int ifindex, bool up)
{
	struct nlreq r;
	memset(&r, 0, sizeof r);
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof r.u.ifi);
	r.h.nlmsg_type = RTM_NEWLINK;
	r.u.ifi.ifi_family = AF_UNSPEC;
	r.u.ifi.ifi_index = ifindex;
	r.u.ifi.ifi_flags = up ? IFF_UP : 0;
	r.u.ifi.ifi_change = IFF_UP;
	return nl_talk(&r);
}

static int addr_msg(int type, int flags, int ifindex, uint32_t addr, unsigned plen)
{
	if (ifindex <= 0 || plen > 32)
		return -EINVAL;
	struct nlreq r;
	memset(&r, 0, sizeof r);
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof r.u.ifa);
	r.h.nlmsg_type = (unsigned short)type;
	r.h.nlmsg_flags = (unsigned short)flags;
	r.u.ifa.ifa_family = AF_INET;
	r.u.ifa.ifa_prefixlen = (unsigned char)plen;
	r.u.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	r.u.ifa.ifa_index = (unsigned)ifindex;
	nl_attr_addr(&r, IFA_LOCAL, addr);
	nl_attr_addr(&r, IFA_ADDRESS, addr);
	if (plen < 31) {
		uint32_t mask = plen ? ~0u << (32 - plen) : 0;
		nl_attr_addr(&r, IFA_BROADCAST, addr | ~mask);
	}
	return nl_talk(&r);
}

int netio_addr_add(int ifindex, uint32_t addr, unsigned plen)
{
	int r = addr_msg(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, addr, plen);
	return r == -EEXIST ? 0 : r;
}

int netio_addr_del(int ifindex, uint32_t addr, unsigned plen)
{
	return addr_msg(RTM_DELADDR, 0, ifindex, addr, plen);
}

static int route_msg(int type, int flags, uint32_t dst, unsigned plen, uint32_t gw, int ifindex)
{
	if (plen > 32 || ifindex < 0 || (!gw && !ifindex))
		return -EINVAL;
	uint32_t mask = plen ? ~0u << (32 - plen) : 0;
	struct nlreq r;
	memset(&r, 0, sizeof r);
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof r.u.rt);
	r.h.nlmsg_type = (unsigned short)type;
	r.h.nlmsg_flags = (unsigned short)flags;
	r.u.rt.rtm_family = AF_INET;
	r.u.rt.rtm_dst_len = (unsigned char)plen;
	r.u.rt.rtm_table = RT_TABLE_MAIN;
	r.u.rt.rtm_protocol = RTPROT_STATIC;
	r.u.rt.rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	r.u.rt.rtm_type = RTN_UNICAST;
	if (plen)
		nl_attr_addr(&r, RTA_DST, dst & mask);
	if (gw)
		nl_attr_addr(&r, RTA_GATEWAY, gw);
	if (ifindex)
		nl_attr32(&r, RTA_OIF, (uint32_t)ifindex);
	return nl_talk(&r);
}

int netio_route_add(uint32_t dst, unsigned plen, uint32_t gw, int ifindex)
{
	return route_msg(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, dst, plen, gw, ifindex);
}

int netio_route_del(uint32_t dst, unsigned plen, uint32_t gw, int ifindex)
{
	return route_msg(RTM_DELROUTE, 0, dst, plen, gw, ifindex);
}

int netio_mask_plen(uint32_t mask)
{
	int n = 0;
	while (n < 32 && (mask & (0x80000000u >> n)))
		n++;
	uint32_t want = n ? ~0u << (32 - n) : 0;
	return mask == want ? n : -1;
}
