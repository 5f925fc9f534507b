/* ike/ike_ted.c wire format (docs/ted.md): probe and reply build -> parse
 * -> decode round trips, the IPv4/UDP wrapper's checksums, and decode
 * refusals (no VID, two IDs, encrypted, wrong exchange, first ID not an
 * address).  The exchange itself runs end to end in tests/e2e/ted_seed.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "ike.h"
#include "isakmp_msg.h"
#include "isakmp_vid.h"

static struct isakmp_msg M;

static struct ike_ted_msg sample(bool reply)
{
	struct ike_ted_msg t;
	memset(&t, 0, sizeof t);
	for (int i = 0; i < 8; i++) {
		t.icookie[i] = (uint8_t)(0x11 * (i + 1));
		if (reply)
			t.rcookie[i] = (uint8_t)(0xa0 + i);
	}
	t.addr = reply ? 0x0b0b0b02u : 0x0b0b0b01u; /* 11.11.11.2 / .1 */
	t.src = (struct sadb_selector){ 0x0d0d0d00u, 0xffffff00u, 0, 0 };
	t.dst = (struct sadb_selector){ 0x0c0c0c00u, 0xffffff00u, 0, 0 };
	return t;
}

static void round_trip(bool reply)
{
	struct ike_ted_msg t = sample(reply), u;
	uint8_t buf[256];
	size_t n = ike_ted_build(&t, buf, sizeof buf);
	/* header 28 + VID 4+16 + ID 8+4 + ID 8+8 + ID 8+8 */
	assert_int_equal(n, 28 + 20 + 12 + 16 + 16);
	assert_int_equal(isakmp_parse(&M, buf, n, 0), ISAKMP_OK);
	assert_int_equal(M.exchange, ISAKMP_EXCH_ESPFAB_TED);
	assert_int_equal(M.msgid, 0);
	assert_int_equal(M.pl[0].type, ISAKMP_NP_VID);
	assert_int_equal(isakmp_vid_match(M.pl[0].body, M.pl[0].body_len)->id, VID_ESPFAB_TED);
	assert_int_equal(M.pl[1].u.id.type, IPSEC_ID_IPV4_ADDR);
	assert_int_equal(M.pl[1].u.id.proto, 17);
	assert_int_equal(M.pl[1].u.id.port, 500);
	assert_int_equal(M.pl[2].u.id.type, IPSEC_ID_IPV4_ADDR_SUBNET);
	const char *why = NULL;
	assert_int_equal(ike_ted_decode(&M, &u, &why), 0);
	assert_int_equal(u.addr, t.addr);
	assert_memory_equal(u.icookie, t.icookie, 8);
	assert_memory_equal(u.rcookie, t.rcookie, 8);
	assert_int_equal(u.src.addr, t.src.addr);
	assert_int_equal(u.src.mask, t.src.mask);
	assert_int_equal(u.dst.addr, t.dst.addr);
	assert_int_equal(u.dst.mask, t.dst.mask);
}

static void t_probe(void **st)
{
	(void)st;
	round_trip(false);
}

static void t_reply(void **st)
{
	(void)st;
	round_trip(true);
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint32_t sum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	return s;
}

static void t_ip(void **st)
{
	(void)st;
	struct ike_ted_msg t = sample(false);
	uint8_t msg[256], pkt[300];
	size_t n = ike_ted_build(&t, msg, sizeof msg);
	size_t len = ike_ted_ip(0x0d0d0d0eu, 0x0c0c0c0du, msg, n, pkt, sizeof pkt);
	assert_int_equal(len, 28 + n);
	assert_int_equal(pkt[0], 0x45);
	assert_int_equal(pkt[9], 17);
	assert_int_equal(pkt[2] << 8 | pkt[3], len);
	assert_int_equal(fold(sum(pkt, 20)), 0xffff); /* header checksum verifies */
	uint8_t ph[12];
	memcpy(ph, pkt + 12, 8);
	ph[8] = 0, ph[9] = 17, ph[10] = pkt[24], ph[11] = pkt[25];
	assert_int_equal(fold(sum(ph, 12) + sum(pkt + 20, len - 20)), 0xffff); /* UDP checksum verifies */
	assert_int_equal(pkt[20] << 8 | pkt[21], 500);
	assert_int_equal(pkt[22] << 8 | pkt[23], 500);
	assert_memory_equal(pkt + 28, msg, n);
	assert_int_equal(ike_ted_ip(1, 2, msg, n, pkt, 28 + n - 1), 0); /* too small */
}

static void t_refusals(void **st)
{
	(void)st;
	struct ike_ted_msg t = sample(false), u;
	const char *why;
	uint8_t buf[256];
	/* no VID: an ID chain only */
	struct isakmp_hdr_spec h = { .icookie = t.icookie, .exchange = ISAKMP_EXCH_ESPFAB_TED };
	struct isakmp_builder b;
	uint8_t a[4] = { 11, 11, 11, 1 }, d[8] = { 13, 13, 13, 0, 255, 255, 255, 0 };
	struct isakmp_id_spec ida = { IPSEC_ID_IPV4_ADDR, 17, 500, a, 4 }, ids = { IPSEC_ID_IPV4_ADDR_SUBNET, 0, 0, d, 8 };
	isakmp_build_init(&b, buf, sizeof buf, &h);
	isakmp_add_id(&b, &ida);
	isakmp_add_id(&b, &ids);
	isakmp_add_id(&b, &ids);
	size_t n;
	assert_int_equal(isakmp_build_finish(&b, &n), 0);
	assert_int_equal(isakmp_parse(&M, buf, n, 0), ISAKMP_OK);
	assert_int_equal(ike_ted_decode(&M, &u, &why), -1);
	assert_string_equal(why, "no espfab TED vendor ID");
	/* two IDs */
	const struct isakmp_vid_def *v = isakmp_vid_get(VID_ESPFAB_TED);
	isakmp_build_init(&b, buf, sizeof buf, &h);
	isakmp_add_vid(&b, v->vid, v->len);
	isakmp_add_id(&b, &ida);
	isakmp_add_id(&b, &ids);
	assert_int_equal(isakmp_build_finish(&b, &n), 0);
	assert_int_equal(isakmp_parse(&M, buf, n, 0), ISAKMP_OK);
	assert_int_equal(ike_ted_decode(&M, &u, &why), -1);
	assert_string_equal(why, "needs exactly three ID payloads");
	/* first ID a subnet */
	isakmp_build_init(&b, buf, sizeof buf, &h);
	isakmp_add_vid(&b, v->vid, v->len);
	isakmp_add_id(&b, &ids);
	isakmp_add_id(&b, &ids);
	isakmp_add_id(&b, &ids);
	assert_int_equal(isakmp_build_finish(&b, &n), 0);
	assert_int_equal(isakmp_parse(&M, buf, n, 0), ISAKMP_OK);
	assert_int_equal(ike_ted_decode(&M, &u, &why), -1);
	assert_string_equal(why, "first ID is not an IPv4 address");
	/* another exchange */
	n = ike_ted_build(&t, buf, sizeof buf);
	buf[18] = ISAKMP_EXCH_INFO;
	assert_int_equal(isakmp_parse(&M, buf, n, 0), ISAKMP_OK);
	assert_int_equal(ike_ted_decode(&M, &u, &why), -1);
	/* a probe with responder cookie zero parses (private exchange, like main mode) */
	n = ike_ted_build(&t, buf, sizeof buf);
	assert_int_equal(isakmp_parse(&M, buf, n, 0), ISAKMP_OK);
}

static void t_intercept_ignores(void **st)
{
	(void)st;
	/* not UDP 500 / not our exchange / responder cookie set: not a probe
	 * (the ike argument is never touched for these) */
	struct ike_ted_msg t = sample(false);
	uint8_t msg[256], pkt[300];
	size_t n = ike_ted_build(&t, msg, sizeof msg);
	size_t len = ike_ted_ip(0x0d0d0d0eu, 0x0c0c0c0du, msg, n, pkt, sizeof pkt);
	pkt[22] = 0x11; /* dport 4500 */
	pkt[23] = 0x94;
	assert_false(ike_ted_intercept(NULL, pkt, len));
	len = ike_ted_ip(0x0d0d0d0eu, 0x0c0c0c0du, msg, n, pkt, sizeof pkt);
	pkt[28 + 18] = ISAKMP_EXCH_IDPROT;
	assert_false(ike_ted_intercept(NULL, pkt, len));
	struct ike_ted_msg r = sample(true);
	n = ike_ted_build(&r, msg, sizeof msg);
	len = ike_ted_ip(0x0b0b0b02u, 0x0b0b0b01u, msg, n, pkt, sizeof pkt);
	assert_false(ike_ted_intercept(NULL, pkt, len));
	assert_false(ike_ted_intercept(NULL, pkt, 27));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_probe),
		cmocka_unit_test(t_reply),
		cmocka_unit_test(t_ip),
		cmocka_unit_test(t_refusals),
		cmocka_unit_test(t_intercept_ignores),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
