/* host/sadb.c + host/datapath.c without sockets: two SADBs ("A" and "B",
 * site-a/site-b style configurations) on the sw engine, their data paths
 * joined by test sinks instead of the kernel, the loop on a fake clock.
 * Numbered cases (printed on failure):
 *   1  install, SPI lookup, id lookup, delete; slots back
 *   2  SPI collision (-EEXIST), SPI < 256 (-EINVAL), bad key length (-EINVAL), no slot leaked
 *   3  slot exhaustion (-ENOSPC) and recovery after a delete
 *   4  A -> B and B -> A through ESP: bytes intact, IOS counters
 *   5  replayed packet: REPLAY, replay failed + recv errors
 *   6  flipped ICV byte: verify failed
 *   7  inner packet outside the proxies: invalid identity, not delivered
 *   8  unknown SPI: counted device-wide
 *   9  no SA: dropped, one acquire, rate-limited, again after the interval
 *  10  rekey: two pairs, the newest carries outbound, both decapsulate
 *  11  ACL deny inside the diverted prefixes: sent on in the clear; outside: dropped
 *  12  cleartext that must be protected (check TUN): dropped; other: sent on
 *  13  seconds lifetime: soft at 85-90 % once, hard deletes and reports
 *  14  kilobyte lifetime: soft, then hard from the engine's flags
 *  15  clear crypto sa: every pair deleted, expire(hard) per pair
 *  16  delete while packets are in the engine: counted, no use after free,
 *      slots not reused until the completions are in
 *  17  UDP encapsulation: ESP in UDP 4500 out, decap from the NAT-T path
 *  18  show crypto ipsec sa / detail / engine connections / datapath text
 *  19  sadb_pair_wipe, sadb_new_spi
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "datapath.h"
#include "elog.h"
#include "evloop.h"
#include "ios_config.h"
#include "obuf.h"
#include "sadb.h"
#include "sadb_int.h"

#define A4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static const char cfg_a[] = "hostname SiteA\n"
			    "crypto isakmp policy 10\n encr aes\n hash sha\n authentication pre-share\n group 14\n"
			    "crypto isakmp key k address 192.0.2.2\n"
			    "crypto ipsec transform-set AES-SHA esp-aes esp-sha-hmac\n"
			    "crypto map SITES 10 ipsec-isakmp\n set peer 192.0.2.2\n set transform-set AES-SHA\n"
			    " match address TO-B\n"
			    "ip access-list extended TO-B\n"
			    " deny udp 10.10.0.0 0.0.255.255 10.20.0.0 0.0.255.255 eq 7777\n"
			    " permit ip 10.10.0.0 0.0.255.255 10.20.0.0 0.0.255.255\n"
			    "interface GigabitEthernet0/0\n ip address 192.0.2.1 255.255.255.0\n crypto map SITES\n"
			    "interface GigabitEthernet0/1\n ip address 10.10.0.1 255.255.0.0\n"
			    "end\n";
static const char cfg_b[] = "hostname SiteB\n"
			    "crypto isakmp policy 10\n encr aes\n hash sha\n authentication pre-share\n group 14\n"
			    "crypto isakmp key k address 192.0.2.1\n"
			    "crypto ipsec transform-set AES-SHA esp-aes esp-sha-hmac\n"
			    "crypto map SITES 10 ipsec-isakmp\n set peer 192.0.2.1\n set transform-set AES-SHA\n"
			    " match address TO-A\n"
			    "ip access-list extended TO-A\n"
			    " deny udp 10.20.0.0 0.0.255.255 eq 7777 10.10.0.0 0.0.255.255\n"
			    " permit ip 10.20.0.0 0.0.255.255 10.10.0.0 0.0.255.255\n"
			    "interface GigabitEthernet0/0\n ip address 192.0.2.2 255.255.255.0\n crypto map SITES\n"
			    "interface GigabitEthernet0/1\n ip address 10.20.0.1 255.255.0.0\n"
			    "end\n";

/* ---- captured output ---- */
#define CAP 64
struct cap {
	int n;
	uint8_t pkt[CAP][2048];
	size_t len[CAP];
};
struct side {
	const char *name;
	ios_config *cfg;
	espfab_dev *dev;
	sadb *db;
	struct cap esp, tun, clear;
	/* hooks */
	int acquires, soft, hard;
	uint32_t last_expire_id;
};

static uint64_t fake_now = 1000;
static uint64_t fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}
static evloop *loop;
static struct side A, B;

static void cap_add(struct cap *c, const uint8_t *p, size_t len)
{
	if (c->n < CAP) {
		memcpy(c->pkt[c->n], p, len < 2048 ? len : 2048);
		c->len[c->n] = len;
	}
	c->n++;
}
static void sink_esp(void *arg, const uint8_t *p, size_t len) { cap_add(&((struct side *)arg)->esp, p, len); }
static void sink_tun(void *arg, const uint8_t *p, size_t len) { cap_add(&((struct side *)arg)->tun, p, len); }
static void sink_clear(void *arg, const uint8_t *p, size_t len) { cap_add(&((struct side *)arg)->clear, p, len); }
static void on_acquire(void *arg, const ios_spd_result *r, const ios_flow *f)
{
	(void)r;
	(void)f;
	((struct side *)arg)->acquires++;
}
static void on_expire(void *arg, uint32_t id, uint32_t si, uint32_t so, bool hard)
{
	(void)si;
	(void)so;
	struct side *s = arg;
	if (hard)
		s->hard++;
	else
		s->soft++;
	s->last_expire_id = id;
}

static void side_open(struct side *s, const char *name, const char *cfg, uint32_t slots)
{
	memset(s, 0, sizeof *s);
	s->name = name;
	ios_diags d;
	memset(&d, 0, sizeof d);
	assert_int_equal(ios_config_parse_string(name, cfg, &s->cfg, &d), 0);
	ios_diags_free(&d);
	espfab_open_opts o = { .sa_slots = slots, .queue_depth = 1024 };
	assert_int_equal(espfab_open("sw", &o, &s->dev), 0);
	assert_int_equal(sadb_new(loop, s->dev, NULL, s->cfg, &s->db), 0);
	struct dp_sinks k = { sink_esp, sink_tun, sink_clear, s };
	dp_set_sinks(s->db, &k);
	struct sadb_hooks h = { .acquire = on_acquire, .expire = on_expire, .arg = s };
	sadb_set_hooks(s->db, &h);
}

static void side_close(struct side *s)
{
	sadb_free(s->db);
	espfab_close(s->dev);
	ios_config_free(s->cfg);
	s->db = NULL;
}

static int setup(void **st)
{
	(void)st;
	elog_reset();
	elog_set_stderr(false);
	fake_now = 1000;
	assert_int_equal(evloop_new(&loop), 0);
	evloop_set_clock(loop, fake_clock, NULL);
	side_open(&A, "a.cfg", cfg_a, 0);
	side_open(&B, "b.cfg", cfg_b, 0);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	side_close(&A);
	side_close(&B);
	evloop_free(loop);
	loop = NULL;
	elog_reset();
	return 0;
}

/* Run the loop's due timers (the zero-delay flush among them). */
static void pump(void)
{
	for (int i = 0; i < 4; i++)
		evloop_run_once(loop, 0);
}

static const uint8_t KE1[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t KE2[16] = { 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36 };
static const uint8_t KA1[20] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa,
				 0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4 };
static const uint8_t KA2[20] = { 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca,
				 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4 };

/* The pair as side s sees it: A's outbound keys are (KE1, KA1). */
static struct sadb_pair mkpair(struct side *s, uint32_t spi_ab, uint32_t spi_ba)
{
	bool a = s == &A;
	struct sadb_pair p;
	memset(&p, 0, sizeof p);
	p.ifc = &s->cfg->ifaces[0];
	p.map = p.ifc->crypto_map;
	p.entry = &p.map->entries[0];
	p.local = a ? A4(192, 0, 2, 1) : A4(192, 0, 2, 2);
	p.peer = a ? A4(192, 0, 2, 2) : A4(192, 0, 2, 1);
	struct sadb_selector na = { A4(10, 10, 0, 0), 0xffff0000u, 0, 0 }, nb = { A4(10, 20, 0, 0), 0xffff0000u, 0, 0 };
	p.local_id = a ? na : nb;
	p.remote_id = a ? nb : na;
	p.spi_in = a ? spi_ba : spi_ab;
	p.spi_out = a ? spi_ab : spi_ba;
	p.mode = ESPFAB_MODE_TUNNEL;
	p.cipher = ESPFAB_CIPHER_AES;
	p.auth = ESPFAB_AUTH_SHA1;
	p.enc_key_len = 16;
	p.auth_key_len = 20;
	memcpy(a ? p.enc_out : p.enc_in, KE1, 16);
	memcpy(a ? p.auth_out : p.auth_in, KA1, 20);
	memcpy(a ? p.enc_in : p.enc_out, KE2, 16);
	memcpy(a ? p.auth_in : p.auth_out, KA2, 20);
	p.replay_window = 64;
	p.life_seconds = 3600;
	p.life_kb = 4608000;
	return p;
}

static uint32_t install_both(uint32_t spi_ab, uint32_t spi_ba, uint32_t *id_b)
{
	struct sadb_pair pa = mkpair(&A, spi_ab, spi_ba), pb = mkpair(&B, spi_ab, spi_ba);
	uint32_t ia = 0, ib = 0;
	assert_int_equal(sadb_install(A.db, &pa, &ia), 0);
	assert_int_equal(sadb_install(B.db, &pb, &ib), 0);
	sadb_pair_wipe(&pa);
	sadb_pair_wipe(&pb);
	if (id_b)
		*id_b = ib;
	return ia;
}

/* An IPv4/UDP packet with a recognisable payload. */
static size_t mkudp(uint8_t *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, size_t payload, uint8_t fill)
{
	size_t len = 28 + payload;
	memset(p, 0, len);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8), p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = 17;
	for (int i = 0; i < 4; i++) {
		p[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		p[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	p[10] = (uint8_t)(~sum >> 8), p[11] = (uint8_t)~sum;
	p[20] = (uint8_t)(sport >> 8), p[21] = (uint8_t)sport;
	p[22] = (uint8_t)(dport >> 8), p[23] = (uint8_t)dport;
	p[24] = (uint8_t)((8 + payload) >> 8), p[25] = (uint8_t)(8 + payload);
	memset(p + 28, fill, payload);
	return len;
}

#define HA A4(10, 10, 0, 2)
#define HB A4(10, 20, 0, 2)

/* 1 */
static void test_install_lookup_delete(void **st)
{
	(void)st;
	uint32_t id = install_both(0x1001, 0x2001, NULL);
	assert_true(id > 0);
	struct sadb_ent *e = sadb_find_spi_in(A.db, 0x2001);
	assert_non_null(e);
	assert_ptr_equal(sadb_find_id(A.db, id), e);
	assert_int_equal(e->slot_in, 0);
	assert_int_equal(e->slot_out, 1);
	assert_int_equal(A.db->slot_used[0] + A.db->slot_used[1], 2);
	assert_null(sadb_find_spi_in(A.db, 0x1001)); /* outbound SPIs are not looked up inbound */
	assert_int_equal(sadb_delete(A.db, id, SADB_DEL_IKE), 0);
	assert_null(sadb_find_spi_in(A.db, 0x2001));
	assert_int_equal(A.db->slot_used[0] + A.db->slot_used[1], 0);
	assert_int_equal(sadb_delete(A.db, id, SADB_DEL_IKE), -ENOENT);
	assert_int_equal(A.hard, 0); /* the IKE side asked: no expire call */
	/* delete by SPI: either direction, peer must match */
	id = install_both(0x1002, 0x2002, NULL);
	assert_int_equal(sadb_delete_spi(A.db, A4(9, 9, 9, 9), 0x1002, SADB_DEL_IKE), -ENOENT);
	assert_int_equal(sadb_delete_spi(A.db, A4(192, 0, 2, 2), 0x1002, SADB_DEL_IKE), 0);
	assert_int_equal(A.db->n_pairs, 0);
}

/* 2 */
static void test_collisions_and_refusals(void **st)
{
	(void)st;
	install_both(0x1001, 0x2001, NULL);
	struct sadb_pair p = mkpair(&A, 0x1003, 0x2001); /* same inbound SPI */
	assert_int_equal(sadb_install(A.db, &p, NULL), -EEXIST);
	p = mkpair(&A, 0x1003, 0x80);
	assert_int_equal(sadb_install(A.db, &p, NULL), -EINVAL);
	p = mkpair(&A, 0x1003, 0x2003);
	p.enc_key_len = 15; /* not an AES key */
	assert_int_equal(sadb_install(A.db, &p, NULL), -EINVAL);
	sadb_pair_wipe(&p);
	unsigned used = 0;
	for (uint32_t i = 0; i < A.db->n_slots; i++)
		used += A.db->slot_used[i];
	assert_int_equal(used, 2);
	assert_int_equal(A.db->n_pairs, 1);
}

/* 3 */
static void test_slot_exhaustion(void **st)
{
	(void)st;
	side_close(&A);
	side_open(&A, "a.cfg", cfg_a, 5); /* two pairs and one spare slot */
	struct sadb_pair p1 = mkpair(&A, 0x1001, 0x2001), p2 = mkpair(&A, 0x1002, 0x2002), p3 = mkpair(&A, 0x1003, 0x2003);
	uint32_t id1;
	assert_int_equal(sadb_install(A.db, &p1, &id1), 0);
	assert_int_equal(sadb_install(A.db, &p2, NULL), 0);
	assert_int_equal(sadb_install(A.db, &p3, NULL), -ENOSPC);
	assert_int_equal(A.db->slot_used[4], 0); /* the spare slot taken for p3 was given back */
	assert_int_equal(sadb_delete(A.db, id1, SADB_DEL_IKE), 0);
	assert_int_equal(sadb_install(A.db, &p3, NULL), 0);
	sadb_pair_wipe(&p1), sadb_pair_wipe(&p2), sadb_pair_wipe(&p3);
}

/* A -> B: the packet from A's TUN, A's ESP into B, B's TUN. */
static void a_to_b(const uint8_t *pkt, size_t len)
{
	int e0 = A.esp.n;
	dp_tun_rx(A.db, pkt, len);
	pump();
	for (int i = e0; i < A.esp.n && i < CAP; i++)
		dp_esp_rx(B.db, A.esp.pkt[i], A.esp.len[i]);
	pump();
}

/* 4 */
static void test_round_trip(void **st)
{
	(void)st;
	uint32_t ib;
	uint32_t ia = install_both(0x1001, 0x2001, &ib);
	uint8_t pkt[1500];
	for (int i = 0; i < 10; i++) {
		size_t len = mkudp(pkt, HA, HB, 1000, 2000, (size_t)(i * 100), (uint8_t)i);
		a_to_b(pkt, len);
		assert_int_equal(B.tun.n, i + 1);
		assert_int_equal(B.tun.len[i], len);
		assert_memory_equal(B.tun.pkt[i], pkt, len);
	}
	/* and back */
	size_t len = mkudp(pkt, HB, HA, 2000, 1000, 300, 0x55);
	dp_tun_rx(B.db, pkt, len);
	pump();
	assert_int_equal(B.esp.n, 1);
	dp_esp_rx(A.db, B.esp.pkt[0], B.esp.len[0]);
	pump();
	assert_int_equal(A.tun.n, 1);
	assert_memory_equal(A.tun.pkt[0], pkt, len);
	struct sadb_ent *ea = sadb_find_id(A.db, ia), *eb = sadb_find_id(B.db, ib);
	assert_int_equal(ea->c.encaps, 10);
	assert_int_equal(ea->c.decaps, 1);
	assert_int_equal(eb->c.decaps, 10);
	assert_int_equal(eb->c.encaps, 1);
	assert_int_equal(ea->c.send_errors + ea->c.recv_errors + eb->c.send_errors + eb->c.recv_errors, 0);
	assert_int_equal(dp_inflight(A.db), 0);
	/* ESP on the wire: outer 192.0.2.1 -> 192.0.2.2, protocol 50, our SPI */
	assert_int_equal(A.esp.pkt[0][9], 50);
	assert_int_equal(A.esp.pkt[0][20] << 24 | A.esp.pkt[0][21] << 16 | A.esp.pkt[0][22] << 8 | A.esp.pkt[0][23],
			 0x1001);
}

/* 5, 6 */
static void test_replay_and_auth(void **st)
{
	(void)st;
	uint32_t ib;
	install_both(0x1001, 0x2001, &ib);
	uint8_t pkt[200];
	size_t len = mkudp(pkt, HA, HB, 1, 2, 50, 1);
	a_to_b(pkt, len);
	assert_int_equal(B.tun.n, 1);
	dp_esp_rx(B.db, A.esp.pkt[0], A.esp.len[0]); /* again */
	pump();
	struct sadb_ent *eb = sadb_find_id(B.db, ib);
	assert_int_equal(B.tun.n, 1);
	assert_int_equal(eb->c.replay_failed, 1);
	assert_int_equal(eb->c.recv_errors, 1);
	/* 6: a flipped ICV byte */
	dp_tun_rx(A.db, pkt, len);
	pump();
	A.esp.pkt[1][A.esp.len[1] - 1] ^= 1;
	dp_esp_rx(B.db, A.esp.pkt[1], A.esp.len[1]);
	pump();
	assert_int_equal(B.tun.n, 1);
	assert_int_equal(eb->c.verify_failed, 1);
	assert_int_equal(eb->c.recv_errors, 2);
}

/* 7 */
static void test_invalid_identity(void **st)
{
	(void)st;
	struct sadb_pair pa = mkpair(&A, 0x1001, 0x2001), pb = mkpair(&B, 0x1001, 0x2001);
	pb.remote_id.addr = A4(10, 10, 9, 0); /* B accepts only 10.10.9.0/24 from this SA */
	pb.remote_id.mask = 0xffffff00u;
	uint32_t ib;
	assert_int_equal(sadb_install(A.db, &pa, NULL), 0);
	assert_int_equal(sadb_install(B.db, &pb, &ib), 0);
	sadb_pair_wipe(&pa), sadb_pair_wipe(&pb);
	uint8_t pkt[200];
	a_to_b(pkt, mkudp(pkt, HA, HB, 1, 2, 20, 0));
	assert_int_equal(B.tun.n, 0);
	struct sadb_ent *eb = sadb_find_id(B.db, ib);
	assert_int_equal(eb->c.invalid_identity, 1);
	assert_int_equal(eb->c.recv_errors, 1);
	assert_int_equal(eb->c.decaps, 0);
	a_to_b(pkt, mkudp(pkt, A4(10, 10, 9, 7), HB, 1, 2, 20, 0));
	assert_int_equal(B.tun.n, 1);
}

/* 8 */
static void test_unknown_spi(void **st)
{
	(void)st;
	install_both(0x1001, 0x2001, NULL);
	uint8_t pkt[200];
	dp_tun_rx(A.db, pkt, mkudp(pkt, HA, HB, 1, 2, 20, 0));
	pump();
	A.esp.pkt[0][23] ^= 0x40; /* SPI 0x1041 */
	dp_esp_rx(B.db, A.esp.pkt[0], A.esp.len[0]);
	uint8_t runt[24] = { 0x45 };
	dp_esp_rx(B.db, runt, sizeof runt);
	pump();
	assert_int_equal(B.db->st.in_no_sa, 1);
	assert_int_equal(B.db->st.in_malformed, 1);
	assert_int_equal(B.tun.n, 0);
}

/* 9 */
static void test_no_sa_acquire(void **st)
{
	(void)st;
	uint8_t pkt[200];
	size_t len = mkudp(pkt, HA, HB, 1, 2, 20, 0);
	for (int i = 0; i < 3; i++)
		dp_tun_rx(A.db, pkt, len);
	assert_int_equal(A.db->st.out_no_sa, 3);
	assert_int_equal(A.acquires, 1);
	assert_int_equal(A.db->st.acquires_limited, 2);
	fake_now += SADB_ACQUIRE_INTERVAL_MS;
	dp_tun_rx(A.db, pkt, len);
	assert_int_equal(A.acquires, 2);
	assert_int_equal(A.esp.n + A.clear.n, 0);
}

/* 10 */
static void test_rekey_newest_wins(void **st)
{
	(void)st;
	uint32_t old_b, new_b;
	install_both(0x1001, 0x2001, &old_b);
	install_both(0x1002, 0x2002, &new_b);
	uint8_t pkt[200];
	a_to_b(pkt, mkudp(pkt, HA, HB, 1, 2, 20, 0));
	assert_int_equal(A.esp.pkt[0][23], 0x02); /* SPI 0x1002: the newer pair */
	assert_int_equal(sadb_find_id(B.db, new_b)->c.decaps, 1);
	/* the old inbound SA still decapsulates what was in flight */
	size_t len = mkudp(pkt, HB, HA, 2, 1, 20, 0);
	sadb_delete(B.db, new_b, SADB_DEL_IKE); /* B still sends on the old pair */
	dp_tun_rx(B.db, pkt, len);
	pump();
	assert_int_equal(B.esp.pkt[0][23], 0x01);
	dp_esp_rx(A.db, B.esp.pkt[0], B.esp.len[0]);
	pump();
	assert_int_equal(A.tun.n, 1);
}

/* 11 */
static void test_clear_and_not_covered(void **st)
{
	(void)st;
	install_both(0x1001, 0x2001, NULL);
	uint8_t pkt[200];
	size_t len = mkudp(pkt, HA, HB, 1, 7777, 20, 0); /* denied by the ACL */
	dp_tun_rx(A.db, pkt, len);
	pump();
	assert_int_equal(A.clear.n, 1);
	assert_int_equal(A.esp.n, 0);
	assert_int_equal(A.clear.pkt[0][8], 63); /* TTL decremented ... */
	uint32_t sum = 0; /* ... and the header checksum still right */
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(A.clear.pkt[0][i] << 8 | A.clear.pkt[0][i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
	assert_int_equal(A.db->st.out_clear, 1);
	len = mkudp(pkt, HA, A4(172, 16, 0, 1), 1, 2, 20, 0); /* no ACL covers it: routed into the TUN */
	dp_tun_rx(A.db, pkt, len);
	assert_int_equal(A.db->st.out_not_acl, 1);
	assert_int_equal(A.clear.n, 1);
	pkt[8] = 1; /* TTL 1: not sent on */
	mkudp(pkt, HA, HB, 1, 7777, 20, 0);
	pkt[8] = 1;
	dp_tun_rx(A.db, pkt, len);
	assert_int_equal(A.db->st.clear_ttl, 1);
	uint8_t junk[10] = { 0x45 };
	dp_tun_rx(A.db, junk, sizeof junk);
	assert_int_equal(A.db->st.out_malformed, 1);
}

/* 12 */
static void test_clear_check(void **st)
{
	(void)st;
	uint8_t pkt[200];
	dp_clear_rx(A.db, pkt, mkudp(pkt, HB, HA, 5, 6, 20, 0)); /* should have come in ESP */
	assert_int_equal(A.db->st.clear_in_drop, 1);
	assert_int_equal(A.clear.n, 0);
	dp_clear_rx(A.db, pkt, mkudp(pkt, HB, HA, 7777, 6, 20, 0)); /* ACL deny, mirrored */
	assert_int_equal(A.db->st.clear_in_fwd, 1);
	assert_int_equal(A.clear.n, 1);
	assert_int_equal(A.db->st.clear_in, 2);
}

/* 13 */
static void test_seconds_lifetime(void **st)
{
	(void)st;
	struct sadb_pair p = mkpair(&A, 0x1001, 0x2001);
	p.life_seconds = 1000;
	uint32_t id;
	assert_int_equal(sadb_install(A.db, &p, &id), 0);
	sadb_pair_wipe(&p);
	fake_now += 849 * 1000;
	pump();
	assert_int_equal(A.soft, 0);
	fake_now += 51 * 1000; /* 900 s */
	pump();
	assert_int_equal(A.soft, 1);
	assert_int_equal(A.last_expire_id, id);
	assert_non_null(sadb_find_id(A.db, id));
	fake_now += 99 * 1000;
	pump();
	assert_int_equal(A.soft, 1);
	assert_int_equal(A.hard, 0);
	fake_now += 1000;
	pump();
	assert_int_equal(A.hard, 1);
	assert_null(sadb_find_id(A.db, id));
	/* the jitter stays in 850..900 per mille */
	for (int i = 0; i < 1000; i++) {
		unsigned pm = sadb_soft_permille(A.db);
		assert_true(pm >= 850 && pm <= 900);
	}
}

/* 14 */
static void test_kilobyte_lifetime(void **st)
{
	(void)st;
	struct sadb_pair pa = mkpair(&A, 0x1001, 0x2001);
	pa.life_kb = 10;
	uint32_t id;
	assert_int_equal(sadb_install(A.db, &pa, &id), 0);
	sadb_pair_wipe(&pa);
	struct sadb_ent *e = sadb_find_id(A.db, id);
	assert_true(e->soft_kb >= 8 && e->soft_kb <= 9);
	uint8_t pkt[1100];
	size_t len = mkudp(pkt, HA, HB, 1, 2, 1000, 0); /* 1028 bytes */
	int sent = 0;
	while (A.soft == 0 && sent < 20) {
		dp_tun_rx(A.db, pkt, len);
		pump();
		sent++;
	}
	assert_int_equal(A.soft, 1);
	assert_true((uint64_t)sent * len >= (uint64_t)e->soft_kb * 1024);
	assert_true((uint64_t)(sent - 1) * len < (uint64_t)e->soft_kb * 1024);
	while (A.hard == 0 && sent < 40) {
		dp_tun_rx(A.db, pkt, len);
		pump();
		sent++;
	}
	assert_int_equal(A.hard, 1);
	assert_int_equal(A.soft, 1);
	assert_null(sadb_find_id(A.db, id));
	assert_int_equal(A.esp.n, sent); /* the packet crossing the limit still went */
}

/* 15 */
static void test_clear_all(void **st)
{
	(void)st;
	install_both(0x1001, 0x2001, NULL);
	install_both(0x1002, 0x2002, NULL);
	assert_int_equal(sadb_delete_all(A.db, 0, SADB_DEL_CLEAR), 2);
	assert_int_equal(A.hard, 2);
	assert_int_equal(A.db->n_pairs, 0);
	assert_int_equal(sadb_delete_all(A.db, 0, SADB_DEL_CLEAR), 0);
}

/* 16 */
static void test_delete_in_flight(void **st)
{
	(void)st;
	uint32_t id = install_both(0x1001, 0x2001, NULL);
	uint32_t slot_out = sadb_find_id(A.db, id)->slot_out;
	uint8_t pkt[200];
	size_t len = mkudp(pkt, HA, HB, 1, 2, 20, 0);
	dp_tun_rx(A.db, pkt, len); /* batched, not yet submitted */
	dp_tun_rx(A.db, pkt, len);
	assert_int_equal(dp_inflight(A.db), 2);
	assert_int_equal(sadb_delete(A.db, id, SADB_DEL_IKE), 0);
	assert_int_equal(A.db->slot_used[slot_out], 1); /* held until the completions are in */
	struct sadb_pair p = mkpair(&A, 0x1003, 0x2003);
	uint32_t id2;
	assert_int_equal(sadb_install(A.db, &p, &id2), 0);
	sadb_pair_wipe(&p);
	assert_true(sadb_find_id(A.db, id2)->slot_in != slot_out && sadb_find_id(A.db, id2)->slot_out != slot_out);
	pump();
	assert_int_equal(dp_inflight(A.db), 0);
	assert_int_equal(A.db->st.out_dead, 2);
	assert_int_equal(A.esp.n, 0);
	assert_int_equal(A.db->slot_used[slot_out], 0);
}

/* 17 */
static void test_udp_encap(void **st)
{
	(void)st;
	struct sadb_pair pa = mkpair(&A, 0x1001, 0x2001), pb = mkpair(&B, 0x1001, 0x2001);
	pa.local_port = pa.peer_port = pb.local_port = pb.peer_port = 4500;
	uint32_t ib;
	assert_int_equal(sadb_install(A.db, &pa, NULL), 0);
	assert_int_equal(sadb_install(B.db, &pb, &ib), 0);
	sadb_pair_wipe(&pa), sadb_pair_wipe(&pb);
	uint8_t pkt[300];
	size_t len = mkudp(pkt, HA, HB, 1, 2, 100, 9);
	dp_tun_rx(A.db, pkt, len);
	pump();
	assert_int_equal(A.esp.n, 1);
	const uint8_t *o = A.esp.pkt[0];
	assert_int_equal(o[9], 17);
	assert_int_equal(o[20] << 8 | o[21], 4500);
	assert_int_equal(o[22] << 8 | o[23], 4500);
	/* the socket hands over the ESP after the UDP header */
	netio_dgram m = { .peer = A4(192, 0, 2, 1), .peer_port = 4500, .local = A4(192, 0, 2, 2) };
	dp_natt_esp_rx(B.db, o + 28, A.esp.len[0] - 28, &m);
	pump();
	assert_int_equal(B.tun.n, 1);
	assert_memory_equal(B.tun.pkt[0], pkt, len);
	assert_int_equal(sadb_find_id(B.db, ib)->c.decaps, 1);
	/* raw ESP to a UDP SA: the engine says PROTO */
	uint8_t raw[2048];
	memcpy(raw, o, 20);
	raw[9] = 50;
	memcpy(raw + 20, o + 28, A.esp.len[0] - 28);
	raw[2] = (uint8_t)((A.esp.len[0] - 8) >> 8), raw[3] = (uint8_t)(A.esp.len[0] - 8);
	dp_esp_rx(B.db, raw, A.esp.len[0] - 8);
	pump();
	assert_int_equal(sadb_find_id(B.db, ib)->c.invalid_prot, 1);
}

static char *run_cmd(sadb *db, const char *line)
{
	cli *t;
	assert_int_equal(cli_new(&t), 0);
	assert_int_equal(sadb_cmds_register(db, t, true), 0);
	obuf o;
	obuf_init(&o, 1 << 20);
	cli_exec(t, line, NULL, &o, NULL);
	char *s = strdup(obuf_str(&o));
	obuf_free(&o);
	cli_free(t);
	return s;
}

/* 18 */
static void test_show(void **st)
{
	(void)st;
	install_both(0x1001, 0x2001, NULL);
	uint8_t pkt[200];
	for (int i = 0; i < 3; i++)
		a_to_b(pkt, mkudp(pkt, HA, HB, 1, 2, 20, 0));
	char *s = run_cmd(A.db, "show crypto ipsec sa");
	static const char *const want[] = {
		"interface: GigabitEthernet0/0\n",
		"    Crypto map tag: SITES, local addr 192.0.2.1\n",
		"   protected vrf: (none)\n",
		"   local  ident (addr/mask/prot/port): (10.10.0.0/255.255.0.0/0/0)\n",
		"   remote ident (addr/mask/prot/port): (10.20.0.0/255.255.0.0/0/0)\n",
		"   current_peer 192.0.2.2 port 500\n",
		"     PERMIT, flags={origin_is_acl,}\n",
		"    #pkts encaps: 3, #pkts encrypt: 3, #pkts digest: 3\n",
		"    #pkts decaps: 0, #pkts decrypt: 0, #pkts verify: 0\n",
		"    #send errors 0, #recv errors 0\n",
		"     local crypto endpt.: 192.0.2.1, remote crypto endpt.: 192.0.2.2\n",
		"     current outbound spi: 0x1001(4097)\n",
		"     inbound esp sas:\n      spi: 0x2001(8193)\n        transform: esp-aes esp-sha-hmac ,\n"
		"        in use settings ={Tunnel, }\n        conn id: 2000, flow_id: 1, crypto map: SITES\n"
		"        sa timing: remaining key lifetime (k/sec): (4608000/3600)\n        IV size: 16 bytes\n"
		"        replay detection support: Y\n        Status: ACTIVE\n",
		"     outbound esp sas:\n      spi: 0x1001(4097)\n",
		"        conn id: 2001, flow_id: 2, crypto map: SITES\n",
		"     outbound ah sas:\n\n     outbound pcp sas:\n",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (!strstr(s, want[i]))
			fail_msg("show crypto ipsec sa lacks:\n%s\n--- got:\n%s", want[i], s);
	free(s);
	s = run_cmd(A.db, "show crypto ipsec sa detail");
	assert_non_null(strstr(s, "    #pkts invalid identity (recv) 0, #pkts invalid len (rcv) 0\n"));
	assert_non_null(strstr(s, "    ##pkts replay failed (rcv): 0\n"));
	assert_non_null(strstr(s, "conn id: 2001, flow_id: SW:2, sibling_flags 80000046, crypto map: SITES\n"));
	free(s);
	s = run_cmd(A.db, "sh cry eng conn act");
	assert_string_equal(s, "  ID Interface            IP-Address      State  Algorithm           Encrypt  Decrypt\n"
			       "2000 GigabitEthernet0/0   192.0.2.1       set    HMAC_SHA+AES_128_C        0        0\n"
			       "2001 GigabitEthernet0/0   192.0.2.1       set    HMAC_SHA+AES_128_C        3        0\n");
	free(s);
	s = run_cmd(B.db, "show crypto engine connections active");
	assert_non_null(strstr(s, "2000 GigabitEthernet0/0   192.0.2.2       set    HMAC_SHA+AES_128_C        0        3\n"));
	free(s);
	s = run_cmd(A.db, "show crypto datapath");
	assert_non_null(strstr(s, "Outbound: packets from the TUN"));
	free(s);
	s = run_cmd(A.db, "clear crypto sa counters");
	free(s);
	s = run_cmd(A.db, "show crypto ipsec sa");
	assert_non_null(strstr(s, "#pkts encaps: 0,"));
	free(s);
	/* the test oracle: install from the configuration's defaults */
	s = run_cmd(A.db, "test crypto ipsec sa-install spi-in=0x3001 spi-out=0x4001 enc-in=000102030405060708090a0b0c0d0e0f "
			  "auth-in=0102030405060708090a0b0c0d0e0f1011121314 enc-out=000102030405060708090a0b0c0d0e0f "
			  "auth-out=0102030405060708090a0b0c0d0e0f1011121314");
	assert_non_null(strstr(s, "pair 2 installed: spi in 0x00003001"));
	free(s);
	struct sadb_ent *e = sadb_find_spi_in(A.db, 0x3001);
	assert_non_null(e);
	assert_int_equal(e->p.peer, A4(192, 0, 2, 2));
	assert_int_equal(e->p.local_id.addr, A4(10, 10, 0, 0)); /* the ACL's permit, not its deny */
	s = run_cmd(A.db, "test crypto ipsec sa-install spi-in=1");
	assert_non_null(strstr(s, "are required"));
	free(s);
	s = run_cmd(A.db, "test crypto ipsec sa-delete 2");
	free(s);
	assert_null(sadb_find_spi_in(A.db, 0x3001));
	s = run_cmd(A.db, "clear crypto sa");
	free(s);
	s = run_cmd(A.db, "show crypto ipsec sa");
	assert_string_equal(s, "");
	free(s);
}

/* 19 */
static void test_wipe_and_spi(void **st)
{
	(void)st;
	struct sadb_pair p = mkpair(&A, 0x1001, 0x2001), z;
	sadb_pair_wipe(&p);
	memset(&z, 0, sizeof z);
	assert_memory_equal(p.enc_in, z.enc_in, sizeof z.enc_in);
	assert_memory_equal(p.auth_out, z.auth_out, sizeof z.auth_out);
	for (int i = 0; i < 100; i++) {
		uint32_t spi = sadb_new_spi(A.db);
		assert_true(spi >= 256);
		assert_null(sadb_find_spi_in(A.db, spi));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_install_lookup_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collisions_and_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slot_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_and_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_spi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_sa_acquire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rekey_newest_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear_and_not_covered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seconds_lifetime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kilobyte_lifetime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_encap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wipe_and_spi, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
