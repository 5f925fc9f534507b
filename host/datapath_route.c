/*
 * datapath_route — the rtnetlink requests the data path needs beyond
 * host/netio: policy rules, a default route in a table of its own, and an
 * interface MTU.  How they are used: docs/datapath.md and datapath.c.
 * Each call is one request acknowledged by the kernel; 0 or -errno.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sadb_int.h"

struct nlreq {
	struct nlmsghdr h;
	union {
		struct ifinfomsg ifi;
		struct rtmsg rt;
		struct fib_rule_hdr fr;
	} u;
	char attrs[256];
};

static void attr(struct nlreq *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static void attr32(struct nlreq *r, unsigned short type, uint32_t v)
{
	attr(r, type, &v, sizeof v);
}

static void attr_addr(struct nlreq *r, unsigned short type, uint32_t a)
{
	uint32_t be = htonl(a);
	attr(r, type, &be, sizeof be);
}

static int talk(struct nlreq *r)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	static uint32_t seq = 0x5ad0000;
	r->h.nlmsg_seq = ++seq;
	r->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	int ret;
	if (sendto(fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&k, sizeof k) < 0) {
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
			if (h->nlmsg_seq != r->h.nlmsg_seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
				ret = -EPROTO;
				goto out;
			}
			ret = ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
			goto out;
		}
	}
out:
	close(fd);
	return ret;
}

int dp_nl_rule(bool add, uint32_t pref, uint32_t table, uint32_t src, uint8_t src_len, uint32_t dst, uint8_t dst_len,
	       const char *iif, uint32_t fwmark)
{
	struct nlreq r;
	memset(&r, 0, sizeof r);
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof r.u.fr);
	r.h.nlmsg_type = add ? RTM_NEWRULE : RTM_DELRULE;
	r.h.nlmsg_flags = add ? NLM_F_CREATE | NLM_F_EXCL : 0;
	r.u.fr.family = AF_INET;
	r.u.fr.action = FR_ACT_TO_TBL;
	r.u.fr.src_len = src_len;
	r.u.fr.dst_len = dst_len;
	r.u.fr.table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	attr32(&r, FRA_TABLE, table);
	attr32(&r, FRA_PRIORITY, pref);
	if (src_len)
		attr_addr(&r, FRA_SRC, src);
	if (dst_len)
		attr_addr(&r, FRA_DST, dst);
	if (iif && *iif)
		attr(&r, FRA_IFNAME, iif, strlen(iif) + 1);
	if (fwmark) {
		attr32(&r, FRA_FWMARK, fwmark);
		attr32(&r, FRA_FWMASK, 0xffffffffu);
	}
	int ret = talk(&r);
	return add && ret == -EEXIST ? 0 : ret;
}

int dp_nl_route_dev(bool add, uint32_t table, int oif)
{
	struct nlreq r;
	memset(&r, 0, sizeof r);
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof r.u.rt);
	r.h.nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	r.h.nlmsg_flags = add ? NLM_F_CREATE | NLM_F_REPLACE : 0;
	r.u.rt.rtm_family = AF_INET;
	r.u.rt.rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	r.u.rt.rtm_protocol = RTPROT_STATIC;
	r.u.rt.rtm_scope = RT_SCOPE_LINK;
	r.u.rt.rtm_type = RTN_UNICAST;
	attr32(&r, RTA_TABLE, table);
	attr32(&r, RTA_OIF, (uint32_t)oif);
	return talk(&r);
}

int dp_nl_route_src(bool add, uint32_t table, uint32_t dst, uint8_t dst_len, int oif, uint32_t prefsrc)
{
	struct nlreq r;
	memset(&r, 0, sizeof r);
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof r.u.rt);
	r.h.nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	r.h.nlmsg_flags = add ? NLM_F_CREATE | NLM_F_REPLACE : 0;
	r.u.rt.rtm_family = AF_INET;
	r.u.rt.rtm_dst_len = dst_len;
	r.u.rt.rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	r.u.rt.rtm_protocol = RTPROT_STATIC;
	r.u.rt.rtm_scope = RT_SCOPE_LINK;
	r.u.rt.rtm_type = RTN_UNICAST;
	attr32(&r, RTA_TABLE, table);
	if (dst_len)
		attr_addr(&r, RTA_DST, dst);
	attr32(&r, RTA_OIF, (uint32_t)oif);
	if (prefsrc)
		attr_addr(&r, RTA_PREFSRC, prefsrc);
	return talk(&r);
}

int dp_nl_set_mtu(int ifindex, uint32_t mtu)
{
	struct nlreq r;
	memset(&r, 0, sizeof r);
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof r.u.ifi);
	r.h.nlmsg_type = RTM_NEWLINK;
	r.u.ifi.ifi_family = AF_UNSPEC;
	r.u.ifi.ifi_index = ifindex;
	attr32(&r, IFLA_MTU, mtu);
	return talk(&r);
}
