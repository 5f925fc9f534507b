/* host/ios_model.c: ACL matching (first match, implicit deny; wildcards,
 * protocols, ports, ICMP types) and the SPD lookup that picks the crypto
 * map entry for an outbound packet (entries in sequence order, a deny passes
 * the packet to the next entry, dynamic references with and without
 * discover).  Numbered cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ios_config.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static ios_config *parse_ok(const char *text)
{
	ios_diags d = { 0 };
	ios_config *cfg = NULL;
	if (ios_config_parse_string("acl.cfg", text, &cfg, &d)) {
		ios_diags_print(&d, stderr);
		fail_msg("configuration refused");
	}
	ios_diags_free(&d);
	return cfg;
}

static const char ACLS[] =
	"ip access-list extended A\n"
	" 10 deny tcp host 10.0.0.1 any eq www\n"
	" 20 permit tcp 10.0.0.0 0.0.0.255 any range 1000 2000\n"
	" 30 permit udp any eq isakmp any\n"
	" 40 permit icmp any host 1.1.1.1 echo\n"
	" 50 permit icmp any host 1.1.1.2 3 3\n"
	" 60 permit gre 10.1.0.0 0.0.255.255 any\n"
	" 70 permit 50 any any\n"
	" 80 deny ip any 10.9.0.0 0.0.255.255\n"
	" 90 permit ip 10.2.0.0 0.0.255.255 0.0.0.0 255.255.255.255\n"
	" 100 permit tcp any gt 1023 any lt 1024\n"
	" 110 permit udp any any neq 53 log\n"
	" 120 permit icmp any host 1.1.1.3\n"
	" 130 permit icmp any host 1.1.1.4 unreachable\n"
	"ip access-list extended B\n"
	" permit ip 10.0.0.0 0.255.0.255 any\n" /* non-contiguous wildcard: 10.x.0.y */
	" permit ip 192.168.0.77 0.0.0.255 host 8.8.8.8\n" /* host bits under the wildcard are ignored */
	" 5 deny ip host 10.5.0.5 any\n"			 /* inserted before the rest */
	"ip access-list extended EMPTY\n"
	"access-list 2000 permit ahp any any\n"
	"access-list 2000 permit 0 host 3.3.3.3 any\n"; /* protocol 0 is ip */

struct acl_case {
	int n;
	const char *acl;
	uint32_t src, dst;
	uint8_t proto;
	uint16_t sport, dport;
	int result;
	unsigned seq; /* of the matching entry; 0 = no entry matched (implicit deny) */
};

#define P IOS_ACL_PERMIT
#define D IOS_ACL_DENY

static const struct acl_case acl_cases[] = {
	/* first match wins: the deny at 10 hides the permit at 20 */
	{ 1, "A", IP(10, 0, 0, 1), IP(20, 0, 0, 1), 6, 1500, 80, D, 10 },
	{ 2, "A", IP(10, 0, 0, 1), IP(20, 0, 0, 1), 6, 1500, 1500, P, 20 },
	{ 3, "A", IP(10, 0, 0, 2), IP(20, 0, 0, 1), 6, 1500, 80, P, 100 }, /* 20 needs 1000-2000; 100: >1023 -> <1024 */
	{ 4, "A", IP(10, 0, 0, 2), IP(20, 0, 0, 1), 6, 1500, 1000, P, 20 }, /* range is inclusive */
	{ 5, "A", IP(10, 0, 0, 2), IP(20, 0, 0, 1), 6, 1500, 2000, P, 20 },
	{ 6, "A", IP(10, 0, 0, 2), IP(20, 0, 0, 1), 6, 1500, 2001, D, 0 },
	{ 7, "A", IP(10, 0, 1, 2), IP(20, 0, 0, 1), 6, 1500, 1500, D, 0 }, /* outside 10.0.0.0/24 */
	{ 8, "A", IP(10, 0, 0, 2), IP(20, 0, 0, 1), 17, 1500, 1500, P, 110 }, /* udp is not tcp */
	/* a source port */
	{ 9, "A", IP(7, 7, 7, 7), IP(8, 8, 8, 8), 17, 500, 500, P, 30 },
	{ 10, "A", IP(7, 7, 7, 7), IP(8, 8, 8, 8), 17, 4500, 53, D, 0 }, /* neq 53 */
	{ 11, "A", IP(7, 7, 7, 7), IP(8, 8, 8, 8), 17, 4500, 54, P, 110 },
	{ 12, "A", IP(7, 7, 7, 7), IP(8, 8, 8, 8), 6, 1023, 80, D, 0 }, /* gt 1023 is strict */
	{ 13, "A", IP(7, 7, 7, 7), IP(8, 8, 8, 8), 6, 1024, 1023, P, 100 },
	{ 14, "A", IP(7, 7, 7, 7), IP(8, 8, 8, 8), 6, 1024, 1024, D, 0 }, /* lt 1024 is strict */
	/* ICMP: sport is the type, dport the code */
	{ 15, "A", IP(7, 7, 7, 7), IP(1, 1, 1, 1), 1, 8, 0, P, 40 },
	{ 16, "A", IP(7, 7, 7, 7), IP(1, 1, 1, 1), 1, 0, 0, D, 0 }, /* echo-reply is not echo */
	{ 17, "A", IP(7, 7, 7, 7), IP(1, 1, 1, 2), 1, 3, 3, P, 50 },
	{ 18, "A", IP(7, 7, 7, 7), IP(1, 1, 1, 2), 1, 3, 1, D, 0 },
	{ 19, "A", IP(7, 7, 7, 7), IP(1, 1, 1, 3), 1, 13, 0, P, 120 }, /* any type */
	{ 20, "A", IP(7, 7, 7, 7), IP(1, 1, 1, 4), 1, 3, 9, P, 130 },	/* a name with any code */
	{ 21, "A", IP(7, 7, 7, 7), IP(1, 1, 1, 4), 1, 11, 0, D, 0 },
	/* other protocols */
	{ 22, "A", IP(10, 1, 200, 1), IP(9, 9, 9, 9), 47, 0, 0, P, 60 },
	{ 23, "A", IP(10, 3, 200, 1), IP(9, 9, 9, 9), 47, 0, 0, D, 0 },
	{ 24, "A", IP(1, 2, 3, 4), IP(5, 6, 7, 8), 50, 0, 0, P, 70 },
	{ 25, "A", IP(10, 2, 0, 1), IP(10, 9, 1, 1), 47, 0, 0, D, 80 }, /* deny before the ip permit */
	{ 26, "A", IP(10, 2, 0, 1), IP(10, 9, 1, 1), 6, 1, 1, D, 80 },
	{ 27, "A", IP(10, 2, 0, 1), IP(10, 8, 1, 1), 89, 0, 0, P, 90 }, /* ip: any protocol */
	{ 28, "A", IP(10, 2, 255, 255), IP(255, 255, 255, 255), 6, 1, 1, P, 90 },
	/* non-contiguous wildcards and normalised addresses */
	{ 29, "B", IP(10, 77, 0, 9), IP(1, 1, 1, 1), 6, 1, 1, P, 10 },
	{ 30, "B", IP(10, 77, 1, 9), IP(1, 1, 1, 1), 6, 1, 1, D, 0 },
	{ 31, "B", IP(11, 77, 0, 9), IP(1, 1, 1, 1), 6, 1, 1, D, 0 },
	{ 32, "B", IP(192, 168, 0, 1), IP(8, 8, 8, 8), 17, 1, 1, P, 20 },
	{ 33, "B", IP(192, 168, 0, 1), IP(8, 8, 8, 9), 17, 1, 1, D, 0 },
	{ 34, "B", IP(10, 5, 0, 5), IP(1, 1, 1, 1), 6, 1, 1, D, 5 },
	/* an empty list denies everything; numbered lists */
	{ 35, "EMPTY", IP(1, 1, 1, 1), IP(2, 2, 2, 2), 6, 1, 1, D, 0 },
	{ 36, "2000", IP(1, 1, 1, 1), IP(2, 2, 2, 2), 51, 0, 0, P, 10 },
	{ 37, "2000", IP(3, 3, 3, 3), IP(2, 2, 2, 2), 6, 0, 0, P, 20 },
	{ 38, "2000", IP(3, 3, 3, 4), IP(2, 2, 2, 2), 6, 0, 0, D, 0 },
};

static void test_acl_match(void **s)
{
	(void)s;
	ios_config *cfg = parse_ok(ACLS);
	assert_true(ios_config_acl(cfg, "A")->aces[10].log);
	for (size_t i = 0; i < sizeof acl_cases / sizeof acl_cases[0]; i++) {
		const struct acl_case *c = &acl_cases[i];
		const ios_acl *acl = ios_config_acl(cfg, c->acl);
		ios_flow f = { c->src, c->dst, c->proto, c->sport, c->dport };
		const ios_ace *hit = (const ios_ace *)1;
		int r = ios_acl_match(acl, &f, &hit);
		unsigned seq = hit ? hit->seq : 0;
		if (!acl || r != c->result || seq != c->seq)
			fail_msg("acl case %d: %s, entry %u; expected %s, entry %u", c->n, r == P ? "permit" : "deny", seq,
				 c->result == P ? "permit" : "deny", c->seq);
	}
	ios_flow f = { 0, 0, 6, 0, 0 };
	assert_int_equal(ios_acl_match(NULL, &f, NULL), IOS_ACL_DENY);
	ios_config_free(cfg);
}

/* One interface with a map of static entries around a deny, a dynamic
 * reference with discover, and one without; entries written out of order. */
static const char SPD[] =
	"crypto isakmp policy 1\n authentication pre-share\n"
	"crypto isakmp key k address 0.0.0.0 0.0.0.0\n"
	"crypto ipsec transform-set T esp-aes esp-sha-hmac\n"
	"crypto map M 20 ipsec-isakmp\n set peer 2.2.2.2\n set transform-set T\n match address 120\n"
	"crypto map M 10 ipsec-isakmp\n set peer 1.1.1.1\n set transform-set T\n match address 110\n"
	"crypto map M 30 ipsec-isakmp dynamic TED discover\n"
	"crypto map M 40 ipsec-isakmp\n set peer 4.4.4.4\n set transform-set T\n match address 140\n"
	"crypto map M 50 ipsec-isakmp dynamic RESP\n"
	"crypto dynamic-map TED 10\n set transform-set T\n"	 /* no ACL: skipped */
	"crypto dynamic-map TED 20\n set transform-set T\n match address 130\n"
	"crypto dynamic-map RESP 10\n set transform-set T\n match address 150\n"
	"access-list 110 deny ip 10.0.1.0 0.0.0.255 any\n"
	"access-list 110 permit ip 10.0.0.0 0.0.255.255 20.0.0.0 0.255.255.255\n"
	"access-list 120 permit ip 10.0.1.0 0.0.0.255 20.0.0.0 0.255.255.255\n"
	"access-list 130 permit ip 10.0.0.0 0.255.255.255 30.0.0.0 0.255.255.255\n"
	"access-list 140 permit ip any 30.1.0.0 0.0.255.255\n"
	"access-list 140 permit ip any 40.0.0.0 0.255.255.255\n"
	"access-list 150 permit ip any 50.0.0.0 0.255.255.255\n"
	"interface Ethernet0\n ip address 100.0.0.1 255.255.255.0\n crypto map M\n"
	"interface Ethernet1\n ip address 10.0.0.1 255.255.0.0\n";

struct spd_case {
	int n;
	const char *ifname;
	uint32_t src, dst;
	int kind;
	unsigned seq, dyn_seq;
	uint32_t peer; /* static entries: the first peer */
};

static const struct spd_case spd_cases[] = {
	{ 1, "Ethernet0", IP(10, 0, 0, 5), IP(20, 1, 1, 1), IOS_SPD_STATIC, 10, 0, IP(1, 1, 1, 1) },
	/* 110 denies 10.0.1.0/24: the packet goes on to entry 20 */
	{ 2, "Ethernet0", IP(10, 0, 1, 5), IP(20, 1, 1, 1), IOS_SPD_STATIC, 20, 0, IP(2, 2, 2, 2) },
	/* TED's entry 10 has no ACL; entry 20 matches */
	{ 3, "Ethernet0", IP(10, 0, 2, 5), IP(30, 0, 0, 1), IOS_SPD_DISCOVER, 30, 20, 0 },
	/* entry 40 would match 30.1/16 too, but the dynamic entry 30 comes first */
	{ 4, "Ethernet0", IP(10, 0, 2, 5), IP(30, 1, 0, 1), IOS_SPD_DISCOVER, 30, 20, 0 },
	{ 5, "Ethernet0", IP(11, 0, 2, 5), IP(30, 1, 0, 1), IOS_SPD_STATIC, 40, 0, IP(4, 4, 4, 4) },
	/* the second line of ACL 140 */
	{ 6, "Ethernet0", IP(11, 0, 2, 5), IP(40, 0, 0, 1), IOS_SPD_STATIC, 40, 0, IP(4, 4, 4, 4) },
	/* a dynamic entry without discover: only an existing SA could carry it */
	{ 7, "Ethernet0", IP(11, 0, 2, 5), IP(50, 0, 0, 1), IOS_SPD_DYNAMIC, 50, 10, 0 },
	{ 8, "Ethernet0", IP(10, 0, 0, 5), IP(60, 0, 0, 1), IOS_SPD_CLEAR, 0, 0, 0 },
	/* an interface without a crypto map sends everything in the clear */
	{ 9, "Ethernet1", IP(10, 0, 0, 5), IP(20, 1, 1, 1), IOS_SPD_CLEAR, 0, 0, 0 },
	{ 10, "Nope0", IP(10, 0, 0, 5), IP(20, 1, 1, 1), IOS_SPD_CLEAR, 0, 0, 0 },
};

static void test_spd_lookup(void **s)
{
	(void)s;
	ios_config *cfg = parse_ok(SPD);
	const ios_crypto_map *m = ios_config_map(cfg, "M");
	assert_int_equal(m->n_entries, 5);
	for (size_t i = 1; i < m->n_entries; i++)
		assert_true(m->entries[i - 1].seq < m->entries[i].seq);
	for (size_t i = 0; i < sizeof spd_cases / sizeof spd_cases[0]; i++) {
		const struct spd_case *c = &spd_cases[i];
		ios_flow f = { c->src, c->dst, 1, 8, 0 };
		ios_spd_result r;
		int kind = ios_spd_lookup(cfg, ios_config_interface(cfg, c->ifname), &f, &r);
		unsigned seq = r.entry ? r.entry->seq : 0, dseq = r.dyn_entry ? r.dyn_entry->seq : 0;
		uint32_t peer = r.entry && r.entry->n_peers ? r.entry->peers[0] : 0;
		bool acl_ok = kind == IOS_SPD_CLEAR ? !r.acl && !r.ace && !r.map
						      : r.map == m && r.acl && r.ace && r.ace->permit &&
								r.acl == (r.dyn_entry ? r.dyn_entry->acl : r.entry->acl);
		if (kind != c->kind || r.kind != kind || seq != c->seq || dseq != c->dyn_seq || peer != c->peer || !acl_ok)
			fail_msg("spd case %d: kind %d entry %u dynamic entry %u peer %08x", c->n, kind, seq, dseq, peer);
	}
	ios_config_free(cfg);
}

/* The S2 ordering rule: a static entry numbered above a dynamic one is
 * accepted with a warning, and the lookup keeps IOS's order, so the dynamic
 * entry takes the traffic first (the static peer is not used). */
static void test_spd_order_rule(void **s)
{
	(void)s;
	const char *text = "crypto isakmp policy 1\n authentication pre-share\n"
			   "crypto isakmp key k address 0.0.0.0 0.0.0.0\n"
			   "crypto ipsec transform-set T esp-3des esp-sha-hmac\n"
			   "crypto dynamic-map D 10\n set transform-set T\n match address 101\n"
			   "crypto map M 10 ipsec-isakmp dynamic D\n"
			   "crypto map M 20 ipsec-isakmp\n set peer 172.16.77.10\n set transform-set T\n match address 101\n"
			   "access-list 101 permit ip 10.1.0.0 0.0.255.255 10.2.0.0 0.0.255.255\n"
			   "interface Fa0/0\n ip address 10.48.67.181 255.255.255.224\n crypto map M\n";
	ios_diags d = { 0 };
	ios_config *cfg = NULL;
	assert_int_equal(ios_config_parse_string("order.cfg", text, &cfg, &d), 0);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 1);
	assert_string_equal(d.v[0].msg, "order.cfg:9: warning: crypto map M 20: static entry numbered above the dynamic "
					"entry 10 (line 8): the dynamic entry is matched first and this entry's peer "
					"fails, as in IOS; give static entries lower sequence numbers");
	ios_flow f = { IP(10, 1, 0, 1), IP(10, 2, 0, 1), 6, 1, 1 };
	ios_spd_result r;
	assert_int_equal(ios_spd_lookup(cfg, ios_config_interface(cfg, "Fa0/0"), &f, &r), IOS_SPD_DYNAMIC);
	assert_int_equal(r.entry->seq, 10);
	ios_config_free(cfg);
	ios_diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acl_match),
		cmocka_unit_test(test_spd_lookup),
		cmocka_unit_test(test_spd_order_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
