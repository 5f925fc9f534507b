/* ike/: IKEv1 main mode, quick mode, informational exchanges, driven
 * in-process between two IKE instances ("A" 192.0.2.1 and "B" 192.0.2.2,
 * configured like tests/configs/site-a.cfg / site-b.cfg) over a fake
 * network (a queue; optional NAT that rewrites A's source ports; loss by
 * a filter), on one event loop with a fake clock.
 *
 * host/sadb.c is another engineer's work in progress: this test links its
 * own double of the host/sadb.h functions (below), which records the pairs
 * IKE installs so that the test can check that A's outbound keys are B's
 * inbound keys and the other way round.
 *
 * Also the numbered proposal-matching tables (phase 1 and phase 2) and the
 * proxy checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ike_int.h"
#include "ios_config.h"

/* ---- SADB double ----------------------------------------------------------- */

#define MAX_PAIRS 32
struct sadb {
	struct sadb_pair pairs[MAX_PAIRS];
	uint32_t ids[MAX_PAIRS];
	bool live[MAX_PAIRS];
	int n;
	uint32_t next_spi;
	int deletes, delete_spi_calls;
	uint32_t last_deleted_spi;
	int fail_installs; /* the next N installs fail with -ENOSPC (no free engine slot) */
};

uint32_t sadb_new_spi(sadb *db)
{
	return db->next_spi++;
}

int sadb_install(sadb *db, const struct sadb_pair *p, uint32_t *pair_id)
{
	if (db->n >= MAX_PAIRS)
		return -ENOSPC;
	if (db->fail_installs > 0) {
		db->fail_installs--;
		return -ENOSPC;
	}
	db->pairs[db->n] = *p;
	db->ids[db->n] = (uint32_t)db->n + 1;
	db->live[db->n] = true;
	if (pair_id)
		*pair_id = db->ids[db->n];
	db->n++;
	return 0;
}

int sadb_delete(sadb *db, uint32_t pair_id, enum sadb_reason why)
{
	(void)why;
	for (int i = 0; i < db->n; i++)
		if (db->ids[i] == pair_id && db->live[i]) {
			db->live[i] = false;
			db->deletes++;
			return 0;
		}
	return -ENOENT;
}

int sadb_delete_spi(sadb *db, uint32_t peer, uint32_t spi, enum sadb_reason why)
{
	(void)why;
	db->delete_spi_calls++;
	db->last_deleted_spi = spi;
	for (int i = 0; i < db->n; i++)
		if (db->live[i] && db->pairs[i].peer == peer && (db->pairs[i].spi_in == spi || db->pairs[i].spi_out == spi)) {
			db->live[i] = false;
			db->deletes++;
			return 0;
		}
	return -ENOENT;
}

int sadb_delete_all(sadb *db, uint32_t ike_conn_id, enum sadb_reason why)
{
	(void)why;
	for (int i = 0; i < db->n; i++)
		if (db->live[i] && (!ike_conn_id || db->pairs[i].ike_conn_id == ike_conn_id)) {
			db->live[i] = false;
			db->deletes++;
		}
	return 0;
}

void sadb_pair_wipe(struct sadb_pair *p)
{
	memset(p->enc_in, 0, sizeof p->enc_in);
	memset(p->enc_out, 0, sizeof p->enc_out);
	memset(p->auth_in, 0, sizeof p->auth_in);
	memset(p->auth_out, 0, sizeof p->auth_out);
}

static int live_pairs(const struct sadb *db)
{
	int n = 0;
	for (int i = 0; i < db->n; i++)
		n += db->live[i];
	return n;
}

/* ---- fake network ------------------------------------------------------------ */

#define A_ADDR 0xc0000201u /* 192.0.2.1 */
#define B_ADDR 0xc0000202u /* 192.0.2.2 */
#define NAT_SHIFT 10000    /* A's source ports as B sees them when A is "behind NAT" */

struct node {
	const char *name;
	uint32_t addr;
	ios_config *cfg;
	ike *k;
	struct sadb db;
	bool nat;
};

struct pkt {
	int to;
	uint32_t src;
	uint16_t sport, dport;
	uint8_t *buf;
	size_t len;
};

static struct node N[2];
/* messages recorded for the mutation test */
static bool recording;
static struct {
	int to;
	uint16_t dport;
	uint8_t *buf;
	size_t len;
} rec[64];
static size_t nrec;
static evloop *L;
static uint64_t now_ms;
static struct pkt Q[512];
static size_t qn;
static unsigned sent_count[2];
/* Loss: drop the first transmission of the n-th distinct message (1-based)
 * of exchange type `exch` sent by node `from` (MM2 is B's first distinct
 * main-mode message, QM3 A's second distinct quick-mode message ...). */
struct drop_rule {
	uint8_t exch;
	unsigned nth;
};
static struct drop_rule drop_from[2][8];
static size_t ndrop[2];
static uint8_t seen_digest[2][64][IKE_DIGEST_LEN];
static uint8_t seen_exch[2][64];
static unsigned nseen[2];
static bool drop_all[2];
static unsigned stranger_tx;
static unsigned dropped;

/* captured log lines */
static char logbuf[1 << 20];
static size_t loglen;

static void on_log(const char *line, size_t len, void *arg)
{
	(void)arg;
	if (getenv("IKE_TEST_VERBOSE"))
		fprintf(stderr, "%.*s\n", (int)len, line);
	if (loglen + len + 2 < sizeof logbuf) {
		memcpy(logbuf + loglen, line, len);
		loglen += len;
		logbuf[loglen++] = '\n';
		logbuf[loglen] = 0;
	}
}

static bool logged(const char *s)
{
	return strstr(logbuf, s) != NULL;
}

static uint64_t fake_clock(void *arg)
{
	(void)arg;
	return now_ms;
}

/* NAT keepalives sent, per node: count, time of the first and the last, port */
static struct {
	unsigned n;
	uint64_t first_ms, last_ms;
	uint32_t peer;
	uint16_t port;
} natka[2];

static int net_keepalive(void *arg, uint32_t local, uint32_t peer, uint16_t peer_port)
{
	struct node *n = arg;
	int from = n == &N[0] ? 0 : 1;
	assert_int_equal(local, n->addr);
	if (!natka[from].n++)
		natka[from].first_ms = now_ms;
	natka[from].last_ms = now_ms;
	natka[from].peer = peer;
	natka[from].port = peer_port;
	return 0;
}

static int net_send(void *arg, int natt, uint32_t local, uint32_t peer, uint16_t peer_port, const uint8_t *msg,
		    size_t len)
{
	struct node *n = arg;
	int from = n == &N[0] ? 0 : 1;
	assert_int_equal(local, n->addr);
	if (peer != A_ADDR && peer != B_ADDR) {
		stranger_tx++; /* answers to the strangers of test_half_open_configured_peer */
		return 0;
	}
	++sent_count[from];
	bool drop = drop_all[from];
	uint8_t dg[IKE_DIGEST_LEN];
	ike_digest(msg, len, dg);
	uint8_t exch = len > 18 ? msg[18] : 0;
	bool first = true;
	unsigned distinct = 0;
	for (unsigned i = 0; i < nseen[from]; i++) {
		if (seen_exch[from][i] != exch)
			continue;
		distinct++;
		if (!memcmp(seen_digest[from][i], dg, sizeof dg)) {
			first = false;
			break;
		}
	}
	if (first && nseen[from] < 64) {
		memcpy(seen_digest[from][nseen[from]], dg, sizeof dg);
		seen_exch[from][nseen[from]++] = exch;
		distinct++;
		for (size_t i = 0; i < ndrop[from]; i++)
			drop |= drop_from[from][i].exch == exch && drop_from[from][i].nth == distinct;
	}
	if (drop) {
		dropped++;
		return 0;
	}
	assert_true(qn < sizeof Q / sizeof Q[0]);
	struct pkt *p = &Q[qn++];
	p->to = peer == A_ADDR ? 0 : 1;
	assert_int_equal(peer, N[p->to].addr);
	p->src = local;
	p->sport = natt ? 4500 : 500;
	if (n->nat)
		p->sport += NAT_SHIFT;
	p->dport = peer_port;
	p->buf = malloc(len);
	memcpy(p->buf, msg, len);
	p->len = len;
	if (recording && nrec < sizeof rec / sizeof rec[0]) {
		rec[nrec].to = p->to;
		rec[nrec].dport = p->dport;
		rec[nrec].len = len;
		rec[nrec].buf = malloc(len);
		memcpy(rec[nrec].buf, msg, len);
		nrec++;
	}
	return 0;
}

/* Deliver everything queued (and whatever that produces) and run due timers. */
/* Optional: called on every datagram just before it is delivered (may edit it). */
static void (*deliver_hook)(struct pkt *p);

static void pump(void)
{
	for (int guard = 0; guard < 10000; guard++) {
		evloop_run_once(L, 0);
		if (!qn)
			return;
		struct pkt p = Q[0];
		memmove(Q, Q + 1, (qn - 1) * sizeof Q[0]);
		qn--;
		if (deliver_hook)
			deliver_hook(&p);
		struct node *to = &N[p.to];
		uint16_t dport = p.dport;
		if (to->nat)
			dport = (uint16_t)(dport - NAT_SHIFT);
		assert_true(dport == 500 || dport == 4500);
		netio_dgram d = { p.src, p.sport, to->addr, 1 };
		ike_input(to->k, dport, p.buf, p.len, &d);
		free(p.buf);
	}
	fail_msg("network did not settle");
}

/* Let time pass in steps, delivering as we go. */
static void advance(uint64_t ms)
{
	uint64_t end = now_ms + ms;
	while (now_ms < end) {
		now_ms += 500;
		pump();
	}
}

/* ---- configurations ------------------------------------------------------------ */

struct site {
	const char *policies;  /* crypto isakmp policy lines */
	const char *psk;       /* key for the peer */
	const char *tsets;     /* set transform-set names */
	const char *map_extra; /* lines under the map entry */
	const char *global;    /* extra global lines */
};

static const char *POL_DEFAULT = "crypto isakmp policy 10\n encr aes\n hash sha\n authentication pre-share\n group 14\n lifetime 28800\n"
				 "crypto isakmp policy 20\n encr 3des\n hash sha\n authentication pre-share\n group 2\n";

static ios_config *site_cfg(bool a, const struct site *s)
{
	char text[4096];
	snprintf(text, sizeof text,
		 "hostname Site%s\n%s"
		 "crypto isakmp key %s address %s\n%s"
		 "crypto ipsec transform-set AES-SHA esp-aes esp-sha-hmac\n"
		 "crypto ipsec transform-set 3DES-SHA esp-3des esp-sha-hmac\n"
		 "crypto ipsec transform-set DES-MD5 esp-des esp-md5-hmac\n"
		 "crypto ipsec transform-set AES256-MD5 esp-aes 256 esp-md5-hmac\n"
		 "crypto map SITES 10 ipsec-isakmp\n set peer %s\n set transform-set %s\n%s match address PROT\n"
		 "ip access-list extended PROT\n permit ip %s 0.0.255.255 %s 0.0.255.255\n"
		 "interface GigabitEthernet0/0\n ip address %s 255.255.255.0\n crypto map SITES\nend\n",
		 a ? "A" : "B", s->policies ? s->policies : POL_DEFAULT, s->psk ? s->psk : "site-ab-secret",
		 a ? "192.0.2.2" : "192.0.2.1", s->global ? s->global : "", a ? "192.0.2.2" : "192.0.2.1",
		 s->tsets ? s->tsets : "AES-SHA 3DES-SHA", s->map_extra ? s->map_extra : "",
		 a ? "10.10.0.0" : "10.20.0.0", a ? "10.20.0.0" : "10.10.0.0", a ? "192.0.2.1" : "192.0.2.2");
	ios_config *cfg = NULL;
	ios_diags d = { 0 };
	if (ios_config_parse_string(a ? "a.cfg" : "b.cfg", text, &cfg, &d)) {
		ios_diags_print(&d, stderr);
		fail_msg("config does not parse");
	}
	ios_diags_free(&d);
	return cfg;
}

static void setup_pair(const struct site *sa, const struct site *sb, bool nat)
{
	memset(N, 0, sizeof N);
	qn = 0;
	memset(sent_count, 0, sizeof sent_count);
	memset(ndrop, 0, sizeof ndrop);
	memset(nseen, 0, sizeof nseen);
	memset(drop_all, 0, sizeof drop_all);
	memset(natka, 0, sizeof natka);
	deliver_hook = NULL;
	dropped = 0;
	loglen = 0;
	logbuf[0] = 0;
	now_ms = 1000000;
	assert_int_equal(evloop_new(&L), 0);
	evloop_set_clock(L, fake_clock, NULL);
	N[0] = (struct node){ "A", A_ADDR, site_cfg(true, sa), NULL, { .next_spi = 0x1000 }, nat };
	N[1] = (struct node){ "B", B_ADDR, site_cfg(false, sb), NULL, { .next_spi = 0x2000 }, false };
	for (int i = 0; i < 2; i++) {
		struct ike_params p = { .cfg = N[i].cfg, .loop = L, .db = &N[i].db, .send = net_send, .send_arg = &N[i],
					.keepalive = net_keepalive };
		assert_int_equal(ike_new(&p, &N[i].k), 0);
	}
}

static void teardown_pair(void)
{
	for (int i = 0; i < 2; i++) {
		ike_free(N[i].k);
		ios_config_free(N[i].cfg);
	}
	while (qn)
		free(Q[--qn].buf);
	evloop_free(L);
	L = NULL;
}

static int grp_setup(void **state)
{
	(void)state;
	elog_reset();
	elog_set_stderr(false);
	elog_subscribe(on_log, NULL);
	elog_debug_set(ELOG_DBG_CRYPTO_ISAKMP, true);
	elog_debug_set(ELOG_DBG_CRYPTO_IPSEC, true);
	elog_debug_set(ELOG_DBG_CRYPTO_ENGINE, true);
	return 0;
}

static int grp_teardown(void **state)
{
	(void)state;
	elog_reset();
	ike_crypto_cleanup();
	return 0;
}

/* A's data path asks for 10.10.1.1 -> 10.20.1.1 (what an acquire carries). */
static void acquire_a(void)
{
	const ios_config *cfg = N[0].cfg;
	const ios_interface *ifc = ios_config_interface(cfg, "GigabitEthernet0/0");
	ios_flow f = { 0x0a0a0101u, 0x0a140101u, 1, 8, 0 };
	ios_spd_result r;
	assert_int_equal(ios_spd_lookup(cfg, ifc, &f, &r), IOS_SPD_STATIC);
	struct sadb_hooks h;
	ike_sadb_hooks(N[0].k, &h);
	h.acquire(h.arg, &r, &f);
}

/* Both sides installed one pair; A's outbound is B's inbound and back. */
static void check_mirror(int ia, int ib)
{
	const struct sadb_pair *a = &N[0].db.pairs[ia], *b = &N[1].db.pairs[ib];
	assert_int_equal(a->spi_out, b->spi_in);
	assert_int_equal(a->spi_in, b->spi_out);
	assert_int_equal(a->cipher, b->cipher);
	assert_int_equal(a->auth, b->auth);
	assert_int_equal(a->enc_key_len, b->enc_key_len);
	assert_int_equal(a->auth_key_len, b->auth_key_len);
	assert_memory_equal(a->enc_out, b->enc_in, a->enc_key_len);
	assert_memory_equal(a->enc_in, b->enc_out, a->enc_key_len);
	assert_memory_equal(a->auth_out, b->auth_in, a->auth_key_len);
	assert_memory_equal(a->auth_in, b->auth_out, a->auth_key_len);
	assert_memory_not_equal(a->enc_out, a->enc_in, a->enc_key_len);
	assert_int_equal(a->local, A_ADDR);
	assert_int_equal(a->peer, B_ADDR);
	assert_int_equal(b->local, B_ADDR);
	assert_int_equal(b->peer, A_ADDR);
	/* proxies: A protects 10.10/16 -> 10.20/16, B the mirror */
	assert_int_equal(a->local_id.addr, 0x0a0a0000u);
	assert_int_equal(a->local_id.mask, 0xffff0000u);
	assert_int_equal(a->remote_id.addr, 0x0a140000u);
	assert_int_equal(b->local_id.addr, 0x0a140000u);
	assert_int_equal(b->remote_id.addr, 0x0a0a0000u);
	assert_int_equal(a->life_seconds, b->life_seconds);
	assert_int_equal(a->life_kb, b->life_kb);
	assert_int_equal(a->pfs_group, b->pfs_group);
	assert_non_null(a->entry);
	assert_non_null(b->entry);
}

/* ---- exchanges ------------------------------------------------------------------- */

static void test_mm_qm_pfs(void **state)
{
	(void)state;
	struct site s = { .map_extra = " set pfs group14\n set security-association lifetime kilobytes 1000000\n",
			  .global = "crypto ipsec security-association lifetime seconds 28800\n" };
	setup_pair(&s, &s, false);
	acquire_a();
	pump();
	assert_string_equal(ike_peer_state(N[0].k, B_ADDR), "QM_IDLE");
	assert_string_equal(ike_peer_state(N[1].k, A_ADDR), "QM_IDLE");
	assert_int_equal(N[0].db.n, 1);
	assert_int_equal(N[1].db.n, 1);
	check_mirror(0, 0);
	const struct sadb_pair *a = &N[0].db.pairs[0];
	assert_int_equal(a->cipher, ESPFAB_CIPHER_AES);
	assert_int_equal(a->enc_key_len, 16);
	assert_int_equal(a->auth, ESPFAB_AUTH_SHA1);
	assert_int_equal(a->auth_key_len, 20);
	assert_int_equal(a->pfs_group, 14);
	assert_int_equal(a->life_seconds, 28800);
	assert_int_equal(a->life_kb, 1000000);
	assert_int_equal(a->local_port, 0); /* no NAT: plain ESP */
	assert_int_equal(a->mode, ESPFAB_MODE_TUNNEL);
	/* the trace reads like IOS's */
	assert_true(logged("Old State = IKE_READY New State = IKE_I_MM1"));
	assert_true(logged("Checking ISAKMP transform 1 against priority 10 policy"));
	assert_true(logged("atts are acceptable. Next payload is"));
	assert_true(logged("SA has been authenticated with 192.0.2.2"));
	assert_true(logged("SA has been authenticated with 192.0.2.1"));
	assert_true(logged("Checking IPSec proposal 1"));
	assert_true(logged("Old State = IKE_QM_R_QM2 New State = IKE_QM_PHASE2_COMPLETE"));
	assert_true(logged("NAT not found for self or peer"));
	assert_true(logged("sending packet to 192.0.2.2 my_port 500 peer_port 500 (I) MM_NO_STATE"));
	/* debug crypto ipsec / engine, as in seed 000 */
	assert_true(logged("IPSEC(key_engine): got a queue event..."));
	assert_true(logged("IPSEC(spi_response): getting spi "));
	assert_true(logged("IPSEC(validate_proposal_request): proposal part #1, (key eng. msg.) INBOUND local= 192.0.2.1, "
			   "remote= 192.0.2.2, local_proxy= 10.10.0.0/255.255.0.0/0/0 (type=4), remote_proxy= "
			   "10.20.0.0/255.255.0.0/0/0 (type=4), protocol= ESP, transform= esp-aes esp-sha-hmac , lifedur= 0s "
			   "and 0kb, spi= 0x0(0), conn_id= 0, keysize= 128, flags= 0x4"));
	assert_true(logged("IPSEC(validate_proposal_request): proposal part #1, (key eng. msg.) INBOUND local= 192.0.2.2, "
			   "remote= 192.0.2.1, local_proxy= 10.20.0.0/255.255.0.0/0/0 (type=4)"));
	assert_true(logged("IPSEC(initialize_sas): , (key eng. msg.) OUTBOUND local= 192.0.2.1, remote= 192.0.2.2, "
			   "local_proxy= 10.10.0.0/255.255.0.0/0/0 (type=4)"));
	assert_true(logged("protocol= ESP, transform= esp-aes esp-sha-hmac , lifedur= 28800s and 1000000kb, spi= 0x"));
	assert_true(logged("flags= 0xC"));
	assert_true(logged("CryptoEngine0: generate alg parameter"));
	assert_true(logged("CRYPTO_ENGINE: Dh phase 1 status: 0"));
	assert_true(logged("CryptoEngine0: create ISAKMP SKEYID for conn id 1"));
	/* show */
	obuf o;
	obuf_init(&o, 0);
	ike_show_sa(N[0].k, &o, false);
	assert_non_null(strstr(obuf_str(&o), "IPv4 Crypto ISAKMP SA\ndst             src             state          conn-id status\n"
					     "192.0.2.2       192.0.2.1       QM_IDLE              1 ACTIVE\n"));
	obuf_reset(&o);
	ike_show_sa(N[1].k, &o, false);
	assert_non_null(strstr(obuf_str(&o), "192.0.2.2       192.0.2.1       QM_IDLE              1 ACTIVE\n"));
	obuf_reset(&o);
	ike_show_sa(N[0].k, &o, true);
	if (getenv("IKE_TEST_VERBOSE"))
		fputs(obuf_str(&o), stderr);
	assert_non_null(strstr(obuf_str(&o), "1     192.0.2.1       192.0.2.2              ACTIVE aes  sha    psk  14 08:00:00 \n"));
	obuf_free(&o);
	/* a second acquire on the same flow reuses phase 1 and starts quick mode only */
	acquire_a();
	pump();
	assert_int_equal(ike_count_sa(N[0].k, true), 1);
	assert_int_equal(N[0].db.n, 2);
	check_mirror(1, 1);
	teardown_pair();
}

static void test_mm_qm_no_pfs_3des(void **state)
{
	(void)state;
	struct site s = { .policies = "crypto isakmp policy 5\n encr 3des\n hash md5\n authentication pre-share\n group 2\n",
			  .tsets = "3DES-SHA" };
	setup_pair(&s, &s, false);
	acquire_a();
	pump();
	assert_string_equal(ike_peer_state(N[0].k, B_ADDR), "QM_IDLE");
	assert_int_equal(N[0].db.n, 1);
	assert_int_equal(N[1].db.n, 1);
	check_mirror(0, 0);
	assert_int_equal(N[0].db.pairs[0].cipher, ESPFAB_CIPHER_3DES);
	assert_int_equal(N[0].db.pairs[0].enc_key_len, 24);
	assert_int_equal(N[0].db.pairs[0].pfs_group, 0);
	assert_int_equal(N[0].db.pairs[0].life_seconds, 3600);   /* IOS defaults */
	assert_int_equal(N[0].db.pairs[0].life_kb, 4608000);
	teardown_pair();
}

static void test_des_md5_group1(void **state)
{
	(void)state;
	/* S1's transforms: DES, SHA, group 1; esp-des esp-md5-hmac */
	struct site s = { .policies = "crypto isakmp policy 10\n authentication pre-share\n", .tsets = "DES-MD5" };
	setup_pair(&s, &s, false);
	acquire_a();
	pump();
	assert_string_equal(ike_peer_state(N[1].k, A_ADDR), "QM_IDLE");
	assert_int_equal(N[1].db.n, 1);
	check_mirror(0, 0);
	assert_int_equal(N[0].db.pairs[0].cipher, ESPFAB_CIPHER_DES);
	assert_true(logged("default group 1"));
	teardown_pair();
}

static void test_natt(void **state)
{
	(void)state;
	struct site s = { 0 };
	setup_pair(&s, &s, true);
	acquire_a();
	pump();
	assert_string_equal(ike_peer_state(N[0].k, B_ADDR), "QM_IDLE");
	assert_string_equal(ike_peer_state(N[1].k, A_ADDR), "QM_IDLE");
	assert_int_equal(N[0].db.n, 1);
	assert_int_equal(N[1].db.n, 1);
	check_mirror(0, 0);
	/* A is "behind NAT": both float to 4500, UDP-encapsulated ESP */
	assert_int_equal(N[0].db.pairs[0].local_port, 4500);
	assert_int_equal(N[0].db.pairs[0].peer_port, 4500);
	assert_int_equal(N[1].db.pairs[0].local_port, 4500);
	assert_int_equal(N[1].db.pairs[0].peer_port, 4500 + NAT_SHIFT);
	assert_true(logged("NAT found, the node inside NAT"));
	assert_true(logged("NAT found, the peer is inside NAT"));
	assert_true(logged("encaps is 3 (Tunnel-UDP)"));
	assert_true(logged("my_port 4500 peer_port 4500 (I) MM_KEY_EXCH"));
	teardown_pair();
}

/* NAT keepalives (RFC 3948): every 20 s by default on an ISAKMP SA that
 * floated to 4500, every N s with `crypto isakmp nat keepalive N`, to the
 * peer's NAT-T port; none without NAT; none after the SA is gone. */
static void test_natt_keepalive(void **state)
{
	(void)state;
	struct site s = { 0 };
	setup_pair(&s, &s, true);
	acquire_a();
	pump();
	assert_string_equal(ike_peer_state(N[0].k, B_ADDR), "QM_IDLE");
	uint64_t t0 = now_ms;
	advance(19000);
	assert_int_equal(natka[0].n, 0);
	assert_int_equal(natka[1].n, 0);
	advance(41500); /* 60.5 s: three each */
	assert_int_equal(natka[0].n, 3);
	assert_int_equal(natka[1].n, 3);
	assert_true(natka[0].first_ms >= t0 + 20000 && natka[0].first_ms <= t0 + 20500);
	assert_int_equal(natka[0].last_ms - natka[0].first_ms, 40000);
	assert_int_equal(natka[0].peer, B_ADDR);
	assert_int_equal(natka[0].port, 4500);
	assert_int_equal(natka[1].peer, A_ADDR);
	assert_int_equal(natka[1].port, 4500 + NAT_SHIFT); /* A's port as the NAT shows it */
	assert_int_equal(ike_get_stats(N[0].k)->natt_keepalive_tx, 3);
	assert_true(logged("NAT keepalive sent to 192.0.2.2:4500"));
	/* the ISAKMP SA goes: keepalives stop */
	assert_int_equal(ike_clear(N[0].k, 0), 1);
	pump();
	unsigned n0 = natka[0].n, n1 = natka[1].n;
	advance(60000);
	assert_int_equal(natka[0].n, n0);
	assert_int_equal(natka[1].n, n1);
	teardown_pair();

	/* configured interval */
	struct site c = { .global = "crypto isakmp nat keepalive 5\n" };
	setup_pair(&c, &c, true);
	acquire_a();
	pump();
	advance(20200);
	assert_int_equal(natka[0].n, 4);
	assert_int_equal(natka[1].n, 4);
	assert_int_equal(natka[0].last_ms - natka[0].first_ms, 15000);
	teardown_pair();

	/* no NAT: none */
	setup_pair(&c, &c, false);
	acquire_a();
	pump();
	assert_string_equal(ike_peer_state(N[0].k, B_ADDR), "QM_IDLE");
	advance(60000);
	assert_int_equal(natka[0].n, 0);
	assert_int_equal(natka[1].n, 0);
	teardown_pair();
}

static void test_wrong_psk(void **state)
{
	(void)state;
	struct site a = { .psk = "right-key" }, b = { .psk = "wrong-key" };
	setup_pair(&a, &b, false);
	acquire_a();
	pump();
	assert_string_not_equal(ike_peer_state(N[0].k, B_ADDR), "QM_IDLE");
	assert_true(logged("%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from 192.0.2.1 failed its sanity check or is malformed"));
	assert_int_equal(N[0].db.n, 0);
	assert_int_equal(N[1].db.n, 0);
	assert_int_equal(ike_count_sa(N[1].k, true), 0);
	/* A retransmits MM5 five times, then gives up; B's half-open SA dies too */
	advance(120000);
	assert_null(ike_peer_state(N[0].k, B_ADDR));
	assert_null(ike_peer_state(N[1].k, A_ADDR));
	assert_true(logged("Death by retransmission P1"));
	assert_true(ike_get_stats(N[0].k)->retrans >= 5);
	teardown_pair();
}

static void test_p1_mismatch(void **state)
{
	(void)state;
	struct site a = { .policies = "crypto isakmp policy 10\n encr des\n hash md5\n authentication pre-share\n group 1\n" };
	struct site b = { 0 };
	setup_pair(&a, &b, false);
	acquire_a();
	pump();
	assert_true(logged("atts are not acceptable. Next payload is 0"));
	assert_true(logged("Encryption algorithm offered does not match policy!"));
	assert_true(logged("phase 1 SA policy not acceptable!"));
	assert_true(logged("%CRYPTO-6-IKMP_MODE_FAILURE: Processing of Main mode failed with peer at 192.0.2.1"));
	/* B said NO-PROPOSAL-CHOSEN; A ended its negotiation */
	assert_true(logged("sending notify NO-PROPOSAL-CHOSEN to 192.0.2.1"));
	assert_null(ike_peer_state(N[0].k, B_ADDR));
	assert_null(ike_peer_state(N[1].k, A_ADDR));
	teardown_pair();
}

static void test_p2_mismatch(void **state)
{
	(void)state;
	struct site a = { .tsets = "DES-MD5" }, b = { .tsets = "AES-SHA" };
	setup_pair(&a, &b, false);
	acquire_a();
	pump();
	assert_string_equal(ike_peer_state(N[0].k, B_ADDR), "QM_IDLE");
	assert_int_equal(N[0].db.n, 0);
	assert_int_equal(N[1].db.n, 0);
	assert_true(logged("atts not acceptable."));
	assert_true(logged("Processing of Quick mode failed with peer at 192.0.2.1: no acceptable transform"));
	assert_true(logged("peer 192.0.2.2 sent notify NO-PROPOSAL-CHOSEN"));
	assert_int_equal(ike_get_stats(N[0].k)->p2_failed, 1);
	advance(60000);
	assert_null(N[0].k->sas->qms);
	teardown_pair();
}

static void test_proxy_mismatch(void **state)
{
	(void)state;
	struct site a = { 0 };
	setup_pair(&a, &a, false);
	/* B's ACL does not cover what A proposes */
	ios_config_free(N[1].cfg);
	ike_free(N[1].k);
	char text[2048];
	snprintf(text, sizeof text,
		 "crypto isakmp policy 10\n encr aes\n hash sha\n authentication pre-share\n group 14\n"
		 "crypto isakmp key site-ab-secret address 192.0.2.1\n"
		 "crypto ipsec transform-set AES-SHA esp-aes esp-sha-hmac\n"
		 "crypto map SITES 10 ipsec-isakmp\n set peer 192.0.2.1\n set transform-set AES-SHA\n match address P\n"
		 "ip access-list extended P\n permit ip 10.30.0.0 0.0.255.255 10.10.0.0 0.0.255.255\n"
		 "interface GigabitEthernet0/0\n ip address 192.0.2.2 255.255.255.0\n crypto map SITES\n");
	ios_diags d = { 0 };
	assert_int_equal(ios_config_parse_string("b.cfg", text, &N[1].cfg, &d), 0);
	ios_diags_free(&d);
	struct ike_params p = { .cfg = N[1].cfg, .loop = L, .db = &N[1].db, .send = net_send, .send_arg = &N[1] };
	assert_int_equal(ike_new(&p, &N[1].k), 0);
	acquire_a();
	pump();
	assert_int_equal(N[1].db.n, 0);
	assert_true(logged("proxy identities not supported"));
	assert_true(logged("sent notify INVALID-ID-INFORMATION"));
	teardown_pair();
}

/* Loss: the first MM2, MM4, MM6 and QM3 are lost; retransmissions (ours on the timer, the peer's answer to a duplicate) recover. */
static void test_loss(void **state)
{
	(void)state;
	struct site s = { 0 };
	setup_pair(&s, &s, false);
	drop_from[1][0] = (struct drop_rule){ ISAKMP_EXCH_IDPROT, 1 }; /* MM2 */
	drop_from[1][1] = (struct drop_rule){ ISAKMP_EXCH_IDPROT, 2 }; /* MM4 */
	drop_from[1][2] = (struct drop_rule){ ISAKMP_EXCH_IDPROT, 3 }; /* MM6 */
	ndrop[1] = 3;
	drop_from[0][0] = (struct drop_rule){ ISAKMP_EXCH_QUICK, 2 }; /* QM3 */
	ndrop[0] = 1;
	acquire_a();
	advance(30000);
	assert_string_equal(ike_peer_state(N[0].k, B_ADDR), "QM_IDLE");
	assert_string_equal(ike_peer_state(N[1].k, A_ADDR), "QM_IDLE");
	assert_int_equal(dropped, 4);
	assert_int_equal(N[0].db.n, 1);
	assert_int_equal(N[1].db.n, 1); /* B got QM3 after retransmitting QM2 */
	check_mirror(0, 0);
	assert_true(logged("retransmitting phase 1 MM_NO_STATE..."));
	assert_true(logged("phase 2 packet is a duplicate of a previous packet."));
	assert_true(ike_get_stats(N[1].k)->rx_dup >= 1);
	teardown_pair();
}

static void test_peer_silent(void **state)
{
	(void)state;
	struct site s = { 0 };
	setup_pair(&s, &s, false);
	drop_all[0] = true;
	acquire_a();
	pump();
	assert_string_equal(ike_peer_state(N[0].k, B_ADDR), "MM_NO_STATE");
	advance(30000);
	assert_string_equal(ike_peer_state(N[0].k, B_ADDR), "MM_NO_STATE");
	advance(70000); /* 2, 4, 8, 16, 32 s apart, then 32 s more: 94 s */
	assert_null(ike_peer_state(N[0].k, B_ADDR));
	assert_int_equal(sent_count[0], 6); /* MM1 and 5 retransmissions */
	assert_true(logged("deleting SA reason \"Death by retransmission P1\" state (I) MM_NO_STATE (peer 192.0.2.2)"));
	teardown_pair();
}

static void test_delete_and_clear(void **state)
{
	(void)state;
	struct site s = { 0 };
	setup_pair(&s, &s, false);
	acquire_a();
	pump();
	assert_int_equal(live_pairs(&N[1].db), 1);
	/* A's pair reaches its hard lifetime: A tells B, B deletes its pair */
	struct sadb_hooks h;
	ike_sadb_hooks(N[0].k, &h);
	h.expire(h.arg, N[0].db.ids[0], N[0].db.pairs[0].spi_in, N[0].db.pairs[0].spi_out, true);
	pump();
	assert_int_equal(N[1].db.delete_spi_calls, 1);
	assert_int_equal(N[1].db.last_deleted_spi, N[0].db.pairs[0].spi_in);
	assert_int_equal(live_pairs(&N[1].db), 0);
	/* soft expiry: a new quick mode on the same ISAKMP SA */
	acquire_a();
	pump();
	assert_int_equal(N[0].db.n, 2);
	h.expire(h.arg, N[0].db.ids[1], N[0].db.pairs[1].spi_in, N[0].db.pairs[1].spi_out, false);
	pump();
	assert_int_equal(N[0].db.n, 3);
	assert_int_equal(N[1].db.n, 3);
	check_mirror(2, 2);
	/* clear crypto isakmp on B: A gets the delete and drops its ISAKMP SA */
	assert_int_equal(ike_clear(N[1].k, 0), 1);
	pump();
	assert_null(ike_peer_state(N[1].k, A_ADDR));
	assert_null(ike_peer_state(N[0].k, B_ADDR));
	assert_true(logged("processing delete for ISAKMP SA"));
	/* a new acquire builds a new phase 1; INITIAL-CONTACT is not sent (pairs still up) */
	acquire_a();
	pump();
	assert_string_equal(ike_peer_state(N[0].k, B_ADDR), "QM_IDLE");
	teardown_pair();
}

static void test_dpd(void **state)
{
	(void)state;
	struct site s = { .global = "crypto isakmp keepalive 10 3 periodic\n" };
	setup_pair(&s, &s, false);
	acquire_a();
	pump();
	advance(11000);
	assert_true(ike_get_stats(N[1].k)->dpd_ack_tx >= 1);
	assert_true(ike_get_stats(N[0].k)->dpd_ack_tx >= 1);
	assert_true(logged("DPD/R_U_THERE_ACK sent to peer 192.0.2.1"));
	assert_true(logged("received DPD/R_U_THERE_ACK from peer 192.0.2.2"));
	/* B goes silent: A declares it dead after the retries */
	drop_all[1] = true;
	advance(120000);
	assert_null(ike_peer_state(N[0].k, B_ADDR));
	assert_true(logged("%CRYPTO-5-IKMP_PEER_DEAD"));
	teardown_pair();
}

static void test_responder_lifetime(void **state)
{
	(void)state;
	struct site a = { .global = "crypto ipsec security-association lifetime seconds 28800\n" };
	struct site b = { .map_extra = " set security-association lifetime seconds 1800\n" };
	setup_pair(&a, &b, false);
	acquire_a();
	pump();
	assert_int_equal(N[1].db.n, 1);
	assert_int_equal(N[0].db.n, 1);
	assert_int_equal(N[1].db.pairs[0].life_seconds, 1800);
	assert_int_equal(N[0].db.pairs[0].life_seconds, 1800);
	assert_true(logged("sending RESPONDER_LIFETIME notify: 1800 seconds"));
	teardown_pair();
}

/* RESPONDER-LIFETIME in kilobytes: B's entry allows fewer kilobytes than A
 * offers, so B lowers it and says so in QM2 (RFC 2407 4.6.3.1); A adopts
 * it. The seconds (IOS's default 3600 on both) are untouched. */
static void test_responder_lifetime_kb(void **state)
{
	(void)state;
	struct site a = { .map_extra = " set security-association lifetime kilobytes 900000\n" };
	struct site b = { .map_extra = " set security-association lifetime kilobytes 250000\n" };
	setup_pair(&a, &b, false);
	acquire_a();
	pump();
	assert_int_equal(N[0].db.n, 1);
	assert_int_equal(N[1].db.n, 1);
	assert_int_equal(N[1].db.pairs[0].life_kb, 250000);
	assert_int_equal(N[0].db.pairs[0].life_kb, 250000);
	assert_int_equal(N[1].db.pairs[0].life_seconds, 3600);
	assert_int_equal(N[0].db.pairs[0].life_seconds, 3600);
	assert_true(logged("sending RESPONDER_LIFETIME notify: 3600 seconds, 250000 kilobytes"));
	assert_true(logged("processing RESPONDER_LIFETIME: 3600 seconds, 250000 kilobytes"));
	teardown_pair();

	/* the other way round: A offers fewer kilobytes than B allows; B takes
	 * the offer as it is, sends no RESPONDER-LIFETIME, A keeps its own */
	loglen = 0;
	setup_pair(&b, &a, false);
	acquire_a();
	pump();
	assert_int_equal(N[0].db.n, 1);
	assert_int_equal(N[1].db.n, 1);
	assert_int_equal(N[0].db.pairs[0].life_kb, 250000);
	assert_int_equal(N[1].db.pairs[0].life_kb, 250000);
	assert_false(logged("RESPONDER_LIFETIME"));
	teardown_pair();
}

/* ---- vendor IDs on the wire ------------------------------------------------------ */

static void md5_str(const char *s, uint8_t out[16])
{
	unsigned int len = 0;
	assert_int_equal(EVP_Digest(s, strlen(s), out, &len, EVP_md5(), NULL), 1);
	assert_int_equal(len, 16);
}

static void unhex(const char *h, uint8_t *out)
{
	for (size_t i = 0; h[2 * i]; i++) {
		unsigned v = 0;
		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

struct want_vid {
	const char *name;
	uint8_t v[16];
	size_t len; /* body length on the wire */
	size_t cmp; /* leading bytes that are defined */
};

/* The VIDs of the seeds, from their public definitions (not from ike/). */
static struct want_vid W_RFC3947, W_D07, W_D03, W_D02N, W_D02, W_DPD, W_IOS, W_UNKNOWN;

static void want_vids_init(void)
{
	/* RFC 3947: MD5("RFC 3947") */
	W_RFC3947 = (struct want_vid){ "NAT-T RFC 3947", { 0 }, 16, 16 };
	unhex("4a131c81070358455c5728f20e95452f", W_RFC3947.v);
	uint8_t h[16];
	md5_str("RFC 3947", h);
	assert_memory_equal(h, W_RFC3947.v, 16);
	W_D07 = (struct want_vid){ "NAT-T draft-07", { 0 }, 16, 16 };
	md5_str("draft-ietf-ipsec-nat-t-ike-07", W_D07.v);
	W_D03 = (struct want_vid){ "NAT-T draft-03", { 0 }, 16, 16 };
	md5_str("draft-ietf-ipsec-nat-t-ike-03", W_D03.v);
	/* draft-02 hashes its name with the newline its own text shows */
	W_D02N = (struct want_vid){ "NAT-T draft-02\\n", { 0 }, 16, 16 };
	md5_str("draft-ietf-ipsec-nat-t-ike-02\n", W_D02N.v);
	W_D02 = (struct want_vid){ "NAT-T draft-02", { 0 }, 16, 16 };
	md5_str("draft-ietf-ipsec-nat-t-ike-02", W_D02.v);
	/* RFC 3706's DPD VID (version 1.0 in the last two bytes) */
	W_DPD = (struct want_vid){ "DPD", { 0 }, 16, 16 };
	unhex("afcad71368a1f1c96b8696fc77570100", W_DPD.v);
	/* Cisco IOS ("speaking to another IOS box!"): 16 bytes, of which only
	 * the prefix 3e984048 is known to be constant (docs/isakmp-wire.md) */
	W_IOS = (struct want_vid){ "Cisco IOS", { 0 }, 16, 4 };
	unhex("3e984048", W_IOS.v);
	W_UNKNOWN = (struct want_vid){ "unknown", { 0 }, 16, 16 };
	md5_str("espfab test: a vendor nobody knows", W_UNKNOWN.v);
}

static struct isakmp_msg WM;

/* Recorded message r is a cleartext main-mode message to node `to` on port
 * 500 whose payloads are `types` in that order, the VIDs among them being
 * `w` in that order. */
static void expect_mm(const char *what, size_t r, int to, const uint8_t *types, size_t ntypes,
		      const struct want_vid *const *w, size_t nw)
{
	assert_true(r < nrec);
	assert_int_equal(rec[r].to, to);
	assert_int_equal(rec[r].dport, 500);
	assert_int_equal(isakmp_parse(&WM, rec[r].buf, rec[r].len, 0), ISAKMP_OK);
	assert_int_equal(WM.exchange, ISAKMP_EXCH_IDPROT);
	assert_false(WM.encrypted);
	if (WM.npayloads != ntypes)
		fail_msg("%s: %u payloads, expected %zu", what, WM.npayloads, ntypes);
	size_t v = 0;
	for (unsigned i = 0; i < WM.npayloads; i++) {
		if (WM.pl[i].type != types[i])
			fail_msg("%s: payload %u is type %u, expected %u", what, i, WM.pl[i].type, types[i]);
		if (types[i] != ISAKMP_NP_VID)
			continue;
		assert_true(v < nw);
		if (WM.pl[i].body_len != w[v]->len || memcmp(WM.pl[i].body, w[v]->v, w[v]->cmp) != 0)
			fail_msg("%s: VID %zu (payload %u, %u bytes) is not %s", what, v + 1, i, WM.pl[i].body_len,
				 w[v]->name);
		v++;
	}
	assert_int_equal(v, nw);
}

static void free_rec(void)
{
	recording = false;
	for (size_t r = 0; r < nrec; r++)
		free(rec[r].buf);
	nrec = 0;
}

/* What A's MM1 carries as B receives it (deliver_hook). */
static enum { MM1_AS_SENT, MM1_DRAFTS_ONLY, MM1_NO_NATT } mm1_edit;

static void edit_mm1(struct pkt *p)
{
	static const uint8_t zero[8];
	if (mm1_edit == MM1_AS_SENT || p->to != 1 || p->len < 28 || p->buf[18] != ISAKMP_EXCH_IDPROT ||
	    (p->buf[19] & 1) || memcmp(p->buf + 8, zero, 8))
		return;
	assert_int_equal(isakmp_parse(&WM, p->buf, p->len, 0), ISAKMP_OK);
	for (unsigned i = 0; i < WM.npayloads; i++) {
		if (WM.pl[i].type != ISAKMP_NP_VID || WM.pl[i].body_len != 16)
			continue;
		uint8_t *body = p->buf + (WM.pl[i].body - p->buf);
		if (mm1_edit == MM1_DRAFTS_ONLY && !memcmp(body, W_RFC3947.v, 16))
			memcpy(body, W_D02.v, 16); /* RFC 3947 -> draft-02 without the newline */
		else if (mm1_edit == MM1_NO_NATT)
			memcpy(body, W_UNKNOWN.v, 16);
	}
}

/* One main mode + quick mode between fresh A and B without NAT, every
 * message recorded, A's MM1 edited as `edit` says on its way to B. */
static void record_negotiation(struct site *s, int edit)
{
	setup_pair(s, s, false);
	mm1_edit = edit;
	deliver_hook = edit == MM1_AS_SENT ? NULL : edit_mm1;
	recording = true;
	nrec = 0;
	acquire_a();
	pump();
	recording = false;
	assert_string_equal(ike_peer_state(N[1].k, A_ADDR), "QM_IDLE");
	assert_true(nrec >= 9); /* MM1..MM6, QM1..QM3 */
}

/* The VIDs espfabd sends, per main-mode message, in order, as docs/ike.md
 * says IOS sends them: MM1 the NAT-T family (RFC 3947, draft-07, -03,
 * -02\n); MM2 the NAT-T VID chosen; MM3/MM4 DPD and Cisco IOS, before the
 * NAT-D payloads. Unity and XAUTH are not sent (L2L). */
static void test_vids_on_wire(void **state)
{
	(void)state;
	want_vids_init();
	struct site s = { 0 };
	record_negotiation(&s, MM1_AS_SENT);
	static const uint8_t t_mm1[] = { ISAKMP_NP_SA, ISAKMP_NP_VID, ISAKMP_NP_VID, ISAKMP_NP_VID, ISAKMP_NP_VID };
	static const uint8_t t_mm2[] = { ISAKMP_NP_SA, ISAKMP_NP_VID };
	static const uint8_t t_mm34[] = { ISAKMP_NP_KE, ISAKMP_NP_NONCE, ISAKMP_NP_VID,
					  ISAKMP_NP_VID, ISAKMP_NP_NATD, ISAKMP_NP_NATD };
	const struct want_vid *mm1[] = { &W_RFC3947, &W_D07, &W_D03, &W_D02N };
	const struct want_vid *mm2[] = { &W_RFC3947 };
	const struct want_vid *mm34[] = { &W_DPD, &W_IOS };
	expect_mm("MM1", 0, 1, t_mm1, sizeof t_mm1, mm1, 4);
	expect_mm("MM2", 1, 0, t_mm2, sizeof t_mm2, mm2, 1);
	expect_mm("MM3", 2, 1, t_mm34, sizeof t_mm34, mm34, 2);
	expect_mm("MM4", 3, 0, t_mm34, sizeof t_mm34, mm34, 2);
	/* MM5 and MM6 are encrypted */
	for (size_t r = 4; r < 6; r++) {
		assert_int_equal(isakmp_parse(&WM, rec[r].buf, rec[r].len, 0), ISAKMP_OK);
		assert_int_equal(WM.exchange, ISAKMP_EXCH_IDPROT);
		assert_true(WM.encrypted);
	}
	free_rec();
	teardown_pair();
}

/* MM2 when the initiator offers NAT-T drafts only: B answers with the
 * newest draft it was offered (draft-07, not the -02 now first in MM1) and
 * both use the drafts' NAT-D payload (130) in MM3/MM4. With no NAT-T VID
 * at all, MM2 carries no VID and MM3/MM4 no NAT-D. */
static void test_vids_mm2_choice(void **state)
{
	(void)state;
	want_vids_init();
	static const uint8_t t_mm2[] = { ISAKMP_NP_SA, ISAKMP_NP_VID };
	static const uint8_t t_mm34[] = { ISAKMP_NP_KE, ISAKMP_NP_NONCE, ISAKMP_NP_VID,
					  ISAKMP_NP_VID, ISAKMP_NP_NATD_DRAFT, ISAKMP_NP_NATD_DRAFT };
	const struct want_vid *mm2[] = { &W_D07 };
	const struct want_vid *mm34[] = { &W_DPD, &W_IOS };
	struct site s = { 0 };
	record_negotiation(&s, MM1_DRAFTS_ONLY);
	expect_mm("MM2 (drafts offered)", 1, 0, t_mm2, sizeof t_mm2, mm2, 1);
	expect_mm("MM3 (drafts)", 2, 1, t_mm34, sizeof t_mm34, mm34, 2);
	expect_mm("MM4 (drafts)", 3, 0, t_mm34, sizeof t_mm34, mm34, 2);
	free_rec();
	teardown_pair();

	static const uint8_t t_mm2_none[] = { ISAKMP_NP_SA };
	static const uint8_t t_mm34_none[] = { ISAKMP_NP_KE, ISAKMP_NP_NONCE, ISAKMP_NP_VID, ISAKMP_NP_VID };
	record_negotiation(&s, MM1_NO_NATT);
	expect_mm("MM2 (no NAT-T)", 1, 0, t_mm2_none, sizeof t_mm2_none, NULL, 0);
	expect_mm("MM3 (no NAT-T)", 2, 1, t_mm34_none, sizeof t_mm34_none, mm34, 2);
	expect_mm("MM4 (no NAT-T)", 3, 0, t_mm34_none, sizeof t_mm34_none, mm34, 2);
	free_rec();
	deliver_hook = NULL;
	mm1_edit = MM1_AS_SENT;
	teardown_pair();
}

/* ---- INITIAL-CONTACT --------------------------------------------------------------- */

static unsigned count_logged(const char *s)
{
	unsigned n = 0;
	for (const char *p = strstr(logbuf, s); p; p = strstr(p + 1, s))
		n++;
	return n;
}

static void clear_log(void)
{
	loglen = 0;
	logbuf[0] = 0;
}

/* every ISAKMP SA, established or not */
static unsigned sa_total(const ike *k)
{
	return ike_count_sa(k, true) + ike_count_sa(k, false);
}

static unsigned ike_pairs_with(const ike *k, uint32_t peer)
{
	unsigned n = 0;
	for (const struct ike_pair *p = k->pairs; p; p = p->next)
		n += p->peer == peer;
	return n;
}

#define IC_SENT "sending INITIAL_CONTACT notify"
#define IC_RCVD "processing NOTIFY INITIAL_CONTACT protocol 1\n" /* in MM5 (not informational) */

/* RFC 2407 4.6.3.3 as docs/ike.md says (IOS's behaviour): the initiator puts INITIAL-CONTACT in
 * MM5 only when it holds no established ISAKMP SA and no IPsec pair with
 * the peer; the responder that gets it deletes every other ISAKMP SA and
 * every pair it has with that peer, without telling it (the peer rebooted).
 * Peer reboot = A replaced by a fresh instance. */
static void test_initial_contact(void **state)
{
	(void)state;
	struct site s = { 0 };
	setup_pair(&s, &s, false);

	/* 1. first contact: A has nothing with B, so MM5 carries the notify;
	 * B had nothing to delete */
	acquire_a();
	pump();
	assert_string_equal(ike_peer_state(N[1].k, A_ADDR), "QM_IDLE");
	assert_int_equal(count_logged(IC_SENT), 1);
	assert_int_equal(count_logged(IC_RCVD), 1);
	assert_true(logged("Process initial contact, bring down existing phase 1 and 2 SA's with local 192.0.2.2 "
			   "remote 192.0.2.1"));
	assert_int_equal(live_pairs(&N[1].db), 1);
	assert_int_equal(N[1].db.deletes, 0);

	/* 2. a second main mode while the ISAKMP SA is up: no INITIAL-CONTACT,
	 * B keeps both ISAKMP SAs and the pair */
	clear_log();
	struct ike_sa *sa = NULL;
	assert_int_equal(ike_mm_initiate(N[0].k, A_ADDR, B_ADDR, &sa), 0);
	pump();
	assert_int_equal(ike_count_sa(N[0].k, true), 2);
	assert_int_equal(ike_count_sa(N[1].k, true), 2);
	assert_true(logged("SA has been authenticated with 192.0.2.1"));
	assert_false(logged("INITIAL_CONTACT"));
	assert_int_equal(live_pairs(&N[1].db), 1);
	assert_int_equal(N[1].db.deletes, 0);

	/* 3. no ISAKMP SA left but the pair is up (clear crypto isakmp on A):
	 * a new main mode (and quick mode) still without INITIAL-CONTACT */
	assert_int_equal(ike_clear(N[0].k, 0), 2);
	pump();
	assert_int_equal(sa_total(N[0].k), 0);
	assert_int_equal(sa_total(N[1].k), 0);
	assert_int_equal(live_pairs(&N[0].db), 1);
	assert_int_equal(live_pairs(&N[1].db), 1);
	clear_log();
	acquire_a();
	pump();
	assert_string_equal(ike_peer_state(N[1].k, A_ADDR), "QM_IDLE");
	assert_true(logged("SA has been authenticated with 192.0.2.1"));
	assert_false(logged("INITIAL_CONTACT"));
	assert_int_equal(N[1].db.n, 2);
	assert_int_equal(live_pairs(&N[1].db), 2); /* the old pair survived */
	assert_int_equal(N[1].db.deletes, 0);

	/* 4. an INITIAL-CONTACT in an informational exchange is ignored */
	clear_log();
	assert_non_null(N[0].k->sas);
	assert_int_equal(ike_info_send_notify(N[0].k->sas, ISAKMP_PROTO_ISAKMP, NULL, 0, IPSEC_N_INITIAL_CONTACT, NULL, 0),
			 0);
	pump();
	assert_true(logged("processing NOTIFY INITIAL_CONTACT protocol 1 (informational): ignored"));
	assert_int_equal(ike_count_sa(N[1].k, true), 1);
	assert_int_equal(live_pairs(&N[1].db), 2);

	/* 5. A reboots: a fresh instance with an empty SADB, nothing said to B.
	 * B still holds an ISAKMP SA and two pairs with A. */
	drop_all[0] = true;
	ike_free(N[0].k);
	pump();
	drop_all[0] = false;
	N[0].db = (struct sadb){ .next_spi = 0x3000 };
	struct ike_params p = { .cfg = N[0].cfg, .loop = L, .db = &N[0].db, .send = net_send, .send_arg = &N[0],
				.keepalive = net_keepalive };
	assert_int_equal(ike_new(&p, &N[0].k), 0);
	assert_int_equal(ike_count_sa(N[1].k, true), 1);
	assert_int_equal(ike_pairs_with(N[1].k, A_ADDR), 2);
	uint32_t stale_conn = N[1].k->sas->conn_id;
	obuf o;
	obuf_init(&o, 0);
	ike_show_sa(N[1].k, &o, false);
	char line[128];
	snprintf(line, sizeof line, "%-16s%-16s%-15s%7u ACTIVE\n", "192.0.2.2", "192.0.2.1", "QM_IDLE", stale_conn);
	assert_non_null(strstr(obuf_str(&o), line));

	clear_log();
	acquire_a();
	pump();
	assert_string_equal(ike_peer_state(N[0].k, B_ADDR), "QM_IDLE");
	assert_int_equal(count_logged(IC_SENT), 1);
	assert_int_equal(count_logged(IC_RCVD), 1);
	assert_true(logged("deleting SA reason \"initial contact\" state (R) QM_IDLE (peer 192.0.2.1)"));
	/* B: one ISAKMP SA (the new one), one pair (the new one, mirrored by
	 * A's), the two stale pairs gone from the SADB (engine slots freed) */
	assert_int_equal(sa_total(N[1].k), 1);
	assert_int_equal(ike_count_sa(N[1].k, true), 1);
	assert_int_not_equal(N[1].k->sas->conn_id, stale_conn);
	assert_int_equal(N[1].db.n, 3);
	assert_false(N[1].db.live[0]);
	assert_false(N[1].db.live[1]);
	assert_true(N[1].db.live[2]);
	assert_int_equal(N[1].db.deletes, 2);
	assert_int_equal(live_pairs(&N[1].db), 1);
	assert_int_equal(ike_pairs_with(N[1].k, A_ADDR), 1);
	assert_int_equal(N[1].k->pairs->conn_id, N[1].k->sas->conn_id);
	assert_int_equal(N[0].db.n, 1);
	check_mirror(0, 2);
	obuf_reset(&o);
	ike_show_sa(N[1].k, &o, false);
	assert_null(strstr(obuf_str(&o), line));
	snprintf(line, sizeof line, "%-16s%-16s%-15s%7u ACTIVE\n", "192.0.2.2", "192.0.2.1", "QM_IDLE",
		 N[1].k->sas->conn_id);
	assert_non_null(strstr(obuf_str(&o), line));
	obuf_free(&o);
	/* nothing was sent to A about the stale SAs */
	assert_false(logged("sending ISAKMP delete"));
	teardown_pair();
}

/* Phase-1 lifetime: at 90 % no new quick modes on the old SA (the next one
 * builds a new ISAKMP SA), at 100 % a delete to the peer. */
static void test_p1_lifetime(void **state)
{
	(void)state;
	struct site s = { .policies = "crypto isakmp policy 10\n encr aes\n hash sha\n authentication pre-share\n group 2\n lifetime 60\n" };
	setup_pair(&s, &s, false);
	acquire_a();
	pump();
	assert_int_equal(ike_count_sa(N[0].k, true), 1);
	advance(55000);
	acquire_a(); /* 55 s > 90 % of 60: a new main mode */
	pump();
	assert_int_equal(ike_count_sa(N[0].k, true), 2);
	assert_int_equal(N[0].db.n, 2);
	check_mirror(1, 1);
	advance(6000); /* the first SA's lifetime ends */
	assert_int_equal(ike_count_sa(N[0].k, true), 1);
	assert_int_equal(ike_count_sa(N[1].k, true), 1);
	assert_true(logged("SA lifetime of 60 seconds expired"));
	assert_true(logged("sending ISAKMP delete"));
	teardown_pair();
}

static void test_half_open_limit(void **state)
{
	(void)state;
	struct site s = { 0 };
	setup_pair(&s, &s, false);
	ike_free(N[1].k);
	struct ike_params p = { .cfg = N[1].cfg, .loop = L, .db = &N[1].db, .send = net_send, .send_arg = &N[1],
				.max_half_open = 4, .max_half_open_peer = 3 };
	assert_int_equal(ike_new(&p, &N[1].k), 0);
	drop_all[1] = true; /* B's answers vanish: A keeps starting new ones below */
	for (int i = 0; i < 6; i++) {
		struct ike_sa *sa = NULL;
		assert_int_equal(ike_mm_initiate(N[0].k, A_ADDR, B_ADDR, &sa), 0);
		pump();
	}
	assert_int_equal(ike_half_open(N[1].k, 0), 3);
	assert_int_equal(ike_get_stats(N[1].k)->half_open_drops, 3);
	assert_true(logged("%CRYPTO-4-IKMP_HALF_OPEN_LIMIT"));
	teardown_pair();
}

/* Issue 6: strangers from more addresses than max_half_open /
 * max_half_open_peer fill the global half-open budget; the configured
 * peer A still gets a new ISAKMP SA (B drops the oldest stranger's
 * half-open SA for it), a stranger does not. */
static void test_half_open_configured_peer(void **state)
{
	(void)state;
	struct site a = { 0 }, b = { .global = "crypto isakmp key stranger-key address 0.0.0.0 0.0.0.0\n" };
	setup_pair(&a, &b, false);
	ike_free(N[1].k);
	struct ike_params p = { .cfg = N[1].cfg, .loop = L, .db = &N[1].db, .send = net_send, .send_arg = &N[1],
				.max_half_open = 8, .max_half_open_peer = 2 };
	assert_int_equal(ike_new(&p, &N[1].k), 0);
	/* a real MM1 (A's), replayed from 10 addresses with fresh cookies */
	struct ike_sa *sa = NULL;
	assert_int_equal(ike_mm_initiate(N[0].k, A_ADDR, B_ADDR, &sa), 0);
	assert_int_equal(qn, 1);
	uint8_t mm1[ISAKMP_MAX_MSG];
	size_t len = Q[0].len;
	memcpy(mm1, Q[0].buf, len);
	free(Q[0].buf);
	qn = 0;
	ike_sa_delete(sa, "test");
	stranger_tx = 0;
	for (uint32_t i = 0; i < 20; i++) {
		mm1[0] = (uint8_t)(0xa0 + i);
		netio_dgram d = { 0xc6336400u + i / 2, 500, B_ADDR, 1 }; /* 198.51.100.0 .. .9 */
		ike_input(N[1].k, 500, mm1, len, &d);
	}
	assert_int_equal(ike_half_open(N[1].k, 0), 8);
	assert_int_equal(ike_get_stats(N[1].k)->half_open_drops, 12);
	assert_int_equal(stranger_tx, 8); /* MM2 to each admitted stranger */
	/* another stranger: still refused, nobody evicted */
	mm1[0] = 0xee;
	netio_dgram d = { 0xc6336464u, 500, B_ADDR, 1 };
	ike_input(N[1].k, 500, mm1, len, &d);
	assert_int_equal(ike_get_stats(N[1].k)->half_open_drops, 13);
	assert_false(logged("IKMP_HALF_OPEN_EVICT"));
	/* the configured peer A needs a new ISAKMP SA now: it gets one */
	acquire_a();
	pump();
	assert_true(logged("%CRYPTO-4-IKMP_HALF_OPEN_EVICT: main mode from configured peer 192.0.2.1: half-open ISAKMP SA"));
	assert_true(logged("with 198.51.100.0 (MM_SA_SETUP) dropped to make room"));
	assert_string_equal(ike_peer_state(N[0].k, B_ADDR), "QM_IDLE");
	assert_string_equal(ike_peer_state(N[1].k, A_ADDR), "QM_IDLE");
	assert_int_equal(live_pairs(&N[0].db), 1);
	assert_int_equal(live_pairs(&N[1].db), 1);
	check_mirror(0, 0);
	assert_int_equal(ike_half_open(N[1].k, 0), 7);
	assert_int_equal(ike_get_stats(N[1].k)->half_open_drops, 13);
	teardown_pair();
}

/* Issue 6: the quick-mode responder (B) cannot install the pair (no free
 * engine slot).  B says so with a delete; A drops the pair it installed;
 * nobody retransmits or logs a bad message; nothing is left behind. */
static void test_qm_install_refused_responder(void **state)
{
	(void)state;
	struct site s = { 0 };
	setup_pair(&s, &s, false);
	N[1].db.fail_installs = 1;
	acquire_a();
	pump();
	assert_true(logged("%CRYPTO-3-IPSEC_SA_INSTALL: SA pair with 192.0.2.1"));
	assert_true(logged("could not be installed: No space left on device"));
	assert_true(logged("Processing of Quick mode failed with peer at 192.0.2.1: SA pair not installed, delete for spi"));
	assert_int_equal(N[0].db.n, 1);
	assert_int_equal(N[1].db.n, 0);
	assert_int_equal(N[0].db.delete_spi_calls, 1);
	assert_int_equal(N[0].db.last_deleted_spi, N[0].db.pairs[0].spi_out);
	assert_int_equal(live_pairs(&N[0].db), 0);
	assert_int_equal(ike_get_stats(N[1].k)->p2_failed, 1);
	assert_int_equal(ike_get_stats(N[1].k)->deletes_tx, 1);
	assert_int_equal(ike_get_stats(N[0].k)->deletes_rx, 1);
	advance(120000);
	assert_int_equal(ike_get_stats(N[0].k)->retrans, 0);
	assert_int_equal(ike_get_stats(N[1].k)->retrans, 0);
	assert_false(logged("IKMP_BAD_MESSAGE"));
	assert_null(N[0].k->sas->qms);
	assert_null(N[1].k->sas->qms);
	/* phase 1 is intact: the next acquire installs a pair on both */
	acquire_a();
	pump();
	assert_int_equal(live_pairs(&N[0].db), 1);
	assert_int_equal(live_pairs(&N[1].db), 1);
	check_mirror(1, 0);
	teardown_pair();
}

/* The same on the quick-mode initiator (A): A refuses after QM2; its
 * delete ends B's quick mode (B stops retransmitting QM2). */
static void test_qm_install_refused_initiator(void **state)
{
	(void)state;
	struct site s = { 0 };
	setup_pair(&s, &s, false);
	N[0].db.fail_installs = 1;
	recording = true;
	nrec = 0;
	acquire_a();
	pump();
	recording = false;
	assert_true(logged("%CRYPTO-3-IPSEC_SA_INSTALL: SA pair with 192.0.2.2"));
	assert_true(logged("Processing of Quick mode failed with peer at 192.0.2.2: SA pair not installed, delete for spi"));
	assert_true(logged("Processing of Quick mode failed with peer at 192.0.2.1: peer deleted spi"));
	assert_int_equal(N[0].db.n, 0);
	assert_int_equal(N[1].db.n, 0);
	assert_int_equal(ike_get_stats(N[0].k)->p2_failed, 1);
	assert_int_equal(ike_get_stats(N[1].k)->p2_failed, 1);
	assert_int_equal(ike_get_stats(N[1].k)->deletes_rx, 1);
	assert_non_null(N[1].k->sas->qms);
	assert_true(N[1].k->sas->qms->done);
	/* a QM2 retransmission already in flight: a duplicate, not a bad message */
	size_t q2 = nrec;
	for (size_t i = 0; i < nrec && q2 == nrec; i++)
		if (rec[i].to == 0 && rec[i].len > 18 && rec[i].buf[18] == ISAKMP_EXCH_QUICK)
			q2 = i;
	assert_true(q2 < nrec);
	uint64_t dup = ike_get_stats(N[0].k)->rx_dup, sent = sent_count[0];
	netio_dgram d = { B_ADDR, 500, A_ADDR, 1 };
	ike_input(N[0].k, 500, rec[q2].buf, rec[q2].len, &d);
	pump();
	assert_int_equal(ike_get_stats(N[0].k)->rx_dup, dup + 1);
	assert_int_equal(sent_count[0], sent); /* no answer */
	for (size_t i = 0; i < nrec; i++)
		free(rec[i].buf);
	nrec = 0;
	advance(120000);
	assert_int_equal(ike_get_stats(N[0].k)->retrans, 0);
	assert_int_equal(ike_get_stats(N[1].k)->retrans, 0);
	assert_false(logged("IKMP_BAD_MESSAGE"));
	assert_false(logged("Death by retransmission P2"));
	assert_null(N[0].k->sas->qms);
	assert_null(N[1].k->sas->qms);
	acquire_a();
	pump();
	assert_int_equal(live_pairs(&N[0].db), 1);
	assert_int_equal(live_pairs(&N[1].db), 1);
	check_mirror(0, 0);
	teardown_pair();
}

static void test_hostile(void **state)
{
	(void)state;
	struct site s = { 0 };
	setup_pair(&s, &s, false);
	netio_dgram d = { A_ADDR, 500, B_ADDR, 1 };
	uint8_t junk[64];
	memset(junk, 0x41, sizeof junk);
	ike_input(N[1].k, 500, junk, sizeof junk, &d);
	ike_input(N[1].k, 500, junk, 10, &d);
	/* a valid header for an unknown SA in main mode with a responder cookie */
	uint8_t m[28] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9, 9, 9, 9, 9, 0, 0x10, 2, 0, 0, 0, 0, 0, 0, 0, 0, 28 };
	ike_input(N[1].k, 500, m, sizeof m, &d);
	/* quick mode without an SA */
	m[18] = 32;
	m[23] = 1;
	ike_input(N[1].k, 500, m, sizeof m, &d);
	assert_int_equal(ike_get_stats(N[1].k)->rx_bad, 4);
	assert_int_equal(ike_count_sa(N[1].k, false), 0);
	pump();
	/* and the daemon still negotiates */
	acquire_a();
	pump();
	assert_string_equal(ike_peer_state(N[1].k, A_ADDR), "QM_IDLE");
	teardown_pair();
}

/* Hostile input: every message of a complete exchange (MM1..MM6, QM1..QM3,
 * informational), mutated thousands of ways (bit flips, byte writes,
 * truncations, length-field rewrites, cookie swaps), delivered to both
 * established instances.  Any outcome but a crash or a leak (ASan build)
 * is acceptable; afterwards both still negotiate. */
static uint64_t mrng = 0x6d75746174650001ull;
static uint32_t mrand(void)
{
	mrng ^= mrng << 13;
	mrng ^= mrng >> 7;
	mrng ^= mrng << 17;
	return (uint32_t)mrng;
}

static void test_mutations(void **state)
{
	(void)state;
	struct site s = { 0 };
	setup_pair(&s, &s, true); /* NAT-T: 500 and 4500 both carry messages */
	recording = true;
	nrec = 0;
	acquire_a();
	pump();
	struct sadb_hooks h;
	ike_sadb_hooks(N[0].k, &h);
	h.expire(h.arg, N[0].db.ids[0], N[0].db.pairs[0].spi_in, N[0].db.pairs[0].spi_out, true); /* an informational */
	pump();
	recording = false;
	assert_true(nrec >= 10);
	uint8_t buf[ISAKMP_MAX_MSG + 16];
	for (size_t r = 0; r < nrec; r++) {
		for (int i = 0; i < 300; i++) {
			size_t len = rec[r].len;
			memcpy(buf, rec[r].buf, len);
			switch (mrand() % 6) {
			case 0: buf[mrand() % len] ^= (uint8_t)(1u << (mrand() % 8)); break;
			case 1: buf[mrand() % len] = (uint8_t)mrand(); break;
			case 2: len = mrand() % len; break;
			case 3: { /* rewrite the header length or a payload length */
				size_t at = (mrand() & 1) ? 24 : 28 + 2 + (mrand() % (len > 32 ? len - 32 : 1));
				if (at + 2 <= len) {
					buf[at] = (uint8_t)mrand();
					buf[at + 1] = (uint8_t)mrand();
				}
				break;
			}
			case 4: memset(buf + 8, 0, 8); break; /* responder cookie zeroed */
			case 5: /* several flips */
				for (int j = 0; j < 8; j++)
					buf[mrand() % len] ^= (uint8_t)mrand();
				break;
			}
			int to = rec[r].to;
			uint16_t dport = rec[r].dport;
			if (N[to].nat)
				dport = (uint16_t)(dport - NAT_SHIFT);
			netio_dgram d = { N[1 - to].addr, (uint16_t)(N[1 - to].nat ? dport + NAT_SHIFT : dport), N[to].addr, 1 };
			ike_input(N[to].k, dport, buf, len, &d);
			/* drop whatever the instances answered: they must not loop */
			while (qn)
				free(Q[--qn].buf);
		}
	}
	for (size_t r = 0; r < nrec; r++)
		free(rec[r].buf);
	nrec = 0;
	assert_true(ike_get_stats(N[1].k)->rx_bad > 0);
	assert_true(ike_half_open(N[1].k, 0) <= 16);
	/* both still work: clear everything and negotiate again */
	ike_clear(N[0].k, 0);
	ike_clear(N[1].k, 0);
	while (qn)
		free(Q[--qn].buf);
	advance(200000); /* half-open leftovers die by retransmission */
	while (qn)
		free(Q[--qn].buf);
	acquire_a();
	pump();
	assert_string_equal(ike_peer_state(N[0].k, B_ADDR), "QM_IDLE");
	teardown_pair();
}

/* ---- proposal tables -------------------------------------------------------------- */

static const ios_isakmp_policy POL = { 10, IKE_ENCR_AES_CBC, 16, IKE_HASH_SHA, IKE_AUTH_PSK, 14, 28800, 1 };

static void test_p1_table(void **state)
{
	(void)state;
	static const struct {
		int n;
		struct ike_p1_offer o;
		int want; /* 0 accept, -1 refuse */
		const char *why;
	} t[] = {
		{ 1, { 1, 7, 2, 1, 14, 128, 28800, 0, true, false, 0, 0 }, 0, NULL },
		{ 2, { 1, 7, 2, 1, 14, 128, 3600, 0, true, false, 0, 0 }, 0, NULL },           /* shorter life: fine */
		{ 3, { 1, 7, 2, 1, 14, 128, 0, 0, false, false, 0, 0 }, 0, NULL },             /* no life: ours */
		{ 4, { 1, 7, 2, 1, 14, 128, 86400, 0, true, false, 0, 0 }, -1, "Life duration" },
		{ 5, { 1, 5, 2, 1, 14, 0, 28800, 0, true, false, 0, 0 }, -1, "Encryption" },
		{ 6, { 1, 7, 2, 1, 14, 256, 28800, 0, true, false, 0, 0 }, -1, "Key length" },
		{ 7, { 1, 7, 1, 1, 14, 128, 28800, 0, true, false, 0, 0 }, -1, "Hash" },
		{ 8, { 1, 7, 2, 3, 14, 128, 28800, 0, true, false, 0, 0 }, -1, "Preshared" },
		{ 9, { 1, 7, 2, 65001, 14, 128, 28800, 0, true, false, 0, 0 }, -1, "Preshared" },
		{ 10, { 1, 7, 2, 1, 2, 128, 28800, 0, true, false, 0, 0 }, -1, "Diffie-Hellman" },
		{ 11, { 1, 7, 2, 1, 14, 128, 28800, 0, true, true, 0, 0 }, -1, "Unsupported" },
		{ 12, { 1, 7, 2, 1, 14, 0, 28800, 0, true, false, 0, 0 }, -1, "Key length" }, /* AES without length */
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *why = NULL;
		int r = ike_p1_check_policy(&POL, &t[i].o, &why);
		if (r != t[i].want || (t[i].why && (!why || !strstr(why, t[i].why))))
			fail_msg("phase-1 case %d: got %d (%s)", t[i].n, r, why ? why : "-");
	}
}

/* IOS order: policies by priority outside, transforms inside. */
static void test_p1_select_order(void **state)
{
	(void)state;
	struct site s = { 0 };
	ios_config *cfg = site_cfg(true, &s); /* policy 10 aes/sha/14, policy 20 3des/sha/2 */
	struct ike_p1_offer o[3] = {
		{ 1, 1, 1, 1, 1, 0, 0, 0, false, false, 0, 0 },      /* des md5 group 1: none */
		{ 2, 5, 2, 1, 2, 0, 86400, 0, true, false, 0, 0 },   /* 3des sha group 2, 86400 > 86400? no: equal */
		{ 3, 7, 2, 1, 14, 128, 28800, 0, true, false, 0, 0 } /* policy 10 */
	};
	const ios_isakmp_policy *pol = NULL;
	/* transform 3 matches the higher-priority policy 10, even though 2 comes first */
	assert_int_equal(ike_p1_select(cfg, o, 3, NULL, &pol), 2);
	assert_int_equal(pol->priority, 10);
	assert_int_equal(ike_p1_select(cfg, o, 2, NULL, &pol), 1);
	assert_int_equal(pol->priority, 20);
	assert_int_equal(ike_p1_select(cfg, o, 1, NULL, &pol), -1);
	ios_config_free(cfg);
}

static void test_p2_table(void **state)
{
	(void)state;
	const ios_transform_set aes = { (char *)"A", ESPFAB_CIPHER_AES, 16, ESPFAB_AUTH_SHA1, ESPFAB_MODE_TUNNEL, 1 };
	const ios_transform_set aes256 = { (char *)"B", ESPFAB_CIPHER_AES, 32, ESPFAB_AUTH_MD5, ESPFAB_MODE_TUNNEL, 1 };
	const ios_transform_set tdes_tr = { (char *)"C", ESPFAB_CIPHER_3DES, 24, ESPFAB_AUTH_SHA1, ESPFAB_MODE_TRANSPORT, 1 };
	static const struct {
		int n;
		int ts; /* 0 aes, 1 aes256, 2 3des transport */
		bool natt;
		uint8_t pfs;
		struct ike_p2_offer o;
		int want;
	} t[] = {
		{ 1, 0, false, 0, { 1, 1, ESP_AES, 2, 1, 0, 128, 3600, 4608000, true, true, false, 0, 0, 0 }, 0 },
		{ 2, 0, false, 0, { 1, 1, ESP_AES, 2, 1, 0, 0, 3600, 0, true, false, false, 0, 0, 0 }, 0 }, /* AES default 128 */
		{ 3, 0, false, 0, { 1, 1, ESP_AES, 2, 1, 0, 256, 0, 0, false, false, false, 0, 0, 0 }, -1 },
		{ 4, 0, false, 0, { 1, 1, ESP_3DES, 2, 1, 0, 0, 0, 0, false, false, false, 0, 0, 0 }, -1 },
		{ 5, 0, false, 0, { 1, 1, ESP_AES, 1, 1, 0, 128, 0, 0, false, false, false, 0, 0, 0 }, -1 }, /* md5 */
		{ 6, 0, false, 0, { 1, 1, ESP_AES, 2, 2, 0, 128, 0, 0, false, false, false, 0, 0, 0 }, -1 }, /* transport */
		{ 7, 0, false, 0, { 1, 1, ESP_AES, 2, 3, 0, 128, 0, 0, false, false, false, 0, 0, 0 }, -1 }, /* UDP w/o NAT */
		{ 8, 0, true, 0, { 1, 1, ESP_AES, 2, 3, 0, 128, 0, 0, false, false, false, 0, 0, 0 }, 0 },
		{ 9, 0, true, 0, { 1, 1, ESP_AES, 2, 61443, 0, 128, 0, 0, false, false, false, 0, 0, 0 }, 0 },
		{ 10, 0, true, 0, { 1, 1, ESP_AES, 2, 1, 0, 128, 0, 0, false, false, false, 0, 0, 0 }, -1 },
		{ 11, 0, false, 2, { 1, 1, ESP_AES, 2, 1, 2, 128, 0, 0, false, false, false, 0, 0, 0 }, 0 },
		{ 12, 0, false, 2, { 1, 1, ESP_AES, 2, 1, 0, 128, 0, 0, false, false, false, 0, 0, 0 }, -1 }, /* PFS required */
		{ 13, 0, false, 2, { 1, 1, ESP_AES, 2, 1, 14, 128, 0, 0, false, false, false, 0, 0, 0 }, -1 },
		{ 14, 0, false, 0, { 1, 1, ESP_AES, 2, 1, 5, 128, 0, 0, false, false, false, 0, 0, 0 }, 0 }, /* peer's PFS ok */
		{ 15, 0, false, 0, { 1, 1, ESP_AES, 2, 1, 3, 128, 0, 0, false, false, false, 0, 0, 0 }, -1 }, /* group 3 */
		{ 16, 1, false, 0, { 1, 1, ESP_AES, 1, 1, 0, 256, 0, 0, false, false, false, 0, 0, 0 }, 0 },
		{ 17, 1, false, 0, { 1, 1, ESP_AES, 1, 1, 0, 128, 0, 0, false, false, false, 0, 0, 0 }, -1 },
		{ 18, 2, false, 0, { 1, 1, ESP_3DES, 2, 2, 0, 0, 0, 0, false, false, false, 0, 0, 0 }, 0 },
		{ 19, 2, true, 0, { 1, 1, ESP_3DES, 2, 4, 0, 0, 0, 0, false, false, false, 0, 0, 0 }, 0 },
		{ 20, 2, false, 0, { 1, 1, ESP_3DES, 2, 1, 0, 0, 0, 0, false, false, false, 0, 0, 0 }, -1 },
		{ 21, 0, false, 0, { 1, 1, ESP_AES, 2, 1, 0, 128, 0, 0, false, false, true, 0, 0, 0 }, -1 }, /* unknown attr */
		{ 22, 0, false, 0, { 1, 1, ESP_AES, 2, 0, 0, 128, 0, 0, false, false, false, 0, 0, 0 }, 0 }, /* no encap: tunnel */
	};
	const ios_transform_set *ts[] = { &aes, &aes256, &tdes_tr };
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *why = NULL;
		int r = ike_p2_check_tset(ts[t[i].ts], &t[i].o, t[i].natt, t[i].pfs, &why);
		if (r != t[i].want)
			fail_msg("phase-2 case %d: got %d (%s)", t[i].n, r, why ? why : "-");
	}
}

static void test_proxies(void **state)
{
	(void)state;
	ios_ace ace;
	memset(&ace, 0, sizeof ace);
	ace.permit = true;
	ace.any_proto = true;
	ace.src = 0x0a0a0000u;
	ace.src_wild = 0x0000ffffu;
	ace.dst = 0x0a140000u;
	ace.dst_wild = 0x0000ffffu;
	struct sadb_selector l = { 0x0a0a0000u, 0xffff0000u, 0, 0 }, r = { 0x0a140000u, 0xffff0000u, 0, 0 };
	assert_true(ike_ace_covers(&ace, &l, &r));          /* 1: exact */
	l.mask = 0xffffff00u;
	l.addr = 0x0a0a0500u;
	assert_true(ike_ace_covers(&ace, &l, &r));          /* 2: narrower local */
	l.mask = 0xff000000u;
	l.addr = 0x0a000000u;
	assert_false(ike_ace_covers(&ace, &l, &r));         /* 3: wider */
	l = (struct sadb_selector){ 0x0a0a0101u, 0xffffffffu, 0, 0 };
	assert_true(ike_ace_covers(&ace, &l, &r));          /* 4: host */
	assert_false(ike_ace_covers(&ace, &r, &l));         /* 5: not mirrored */
	ace.any_proto = false;
	ace.proto = 47;
	assert_false(ike_ace_covers(&ace, &l, &r));         /* 6: proto any vs 47 */
	l.proto = r.proto = 47;
	assert_true(ike_ace_covers(&ace, &l, &r));          /* 7 */
	/* selector <-> ID */
	struct isakmp_id_spec id;
	uint8_t data[8];
	ike_selector_to_id(&r, &id, data);
	assert_int_equal(id.type, IPSEC_ID_IPV4_ADDR_SUBNET);
	assert_int_equal(id.len, 8);
	ike_selector_to_id(&l, &id, data);
	assert_int_equal(id.type, IPSEC_ID_IPV4_ADDR);
	assert_int_equal(id.len, 4);
	struct isakmp_payload p;
	memset(&p, 0, sizeof p);
	static const uint8_t range[8] = { 10, 1, 0, 0, 10, 1, 255, 255 }, bad[8] = { 10, 1, 0, 1, 10, 1, 0, 7 };
	p.u.id.type = IPSEC_ID_IPV4_ADDR_RANGE;
	p.u.id.data = range;
	p.u.id.data_len = 8;
	struct sadb_selector s;
	assert_int_equal(ike_id_to_selector(&p, &s), 0);
	assert_int_equal(s.mask, 0xffff0000u);
	p.u.id.data = bad;
	assert_int_equal(ike_id_to_selector(&p, &s), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p1_table),
		cmocka_unit_test(test_p1_select_order),
		cmocka_unit_test(test_p2_table),
		cmocka_unit_test(test_proxies),
		cmocka_unit_test(test_mm_qm_pfs),
		cmocka_unit_test(test_mm_qm_no_pfs_3des),
		cmocka_unit_test(test_des_md5_group1),
		cmocka_unit_test(test_natt),
		cmocka_unit_test(test_natt_keepalive),
		cmocka_unit_test(test_wrong_psk),
		cmocka_unit_test(test_p1_mismatch),
		cmocka_unit_test(test_p2_mismatch),
		cmocka_unit_test(test_proxy_mismatch),
		cmocka_unit_test(test_loss),
		cmocka_unit_test(test_peer_silent),
		cmocka_unit_test(test_delete_and_clear),
		cmocka_unit_test(test_dpd),
		cmocka_unit_test(test_responder_lifetime),
		cmocka_unit_test(test_responder_lifetime_kb),
		cmocka_unit_test(test_vids_on_wire),
		cmocka_unit_test(test_vids_mm2_choice),
		cmocka_unit_test(test_initial_contact),
		cmocka_unit_test(test_p1_lifetime),
		cmocka_unit_test(test_half_open_limit),
		cmocka_unit_test(test_half_open_configured_peer),
		cmocka_unit_test(test_qm_install_refused_responder),
		cmocka_unit_test(test_qm_install_refused_initiator),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests(tests, grp_setup, grp_teardown);
}
