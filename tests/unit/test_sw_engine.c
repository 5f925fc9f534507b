/*
 * The "sw" engine on its own (the cross-engine behaviour is in
 * test_equivalence.c):
 *  - SA update keeps sequence, replay state and counters but switches keys:
 *    packets after the update verify (HMAC and decryption, checked here with
 *    plain OpenSSL) under the new keys only, packets made before it fail
 *    AUTH at an updated inbound SA;
 *  - delete refuses further requests (NO_SA), forgets the state, and a new
 *    SA in the slot starts from zero;
 *  - a small queue_depth through espfab_submit: accepted < n when full,
 *    -ENOSPC when nothing fits, every accepted request gets exactly one
 *    completion, in order, and nothing is lost;
 *  - the ops table refuses bad open parameters and tolerates close(NULL).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "espfab.h"
#include "espfab_engine.h"

enum { SLOT_OUT = 3, SLOT_IN = 4, SLOT_OTHER = 9 };

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* An IPv4 packet of total length len; fill makes packets distinguishable. */
static void make_packet(uint8_t *p, unsigned len, uint8_t fill)
{
	for (unsigned i = 0; i < len; i++)
		p[i] = (uint8_t)(fill + i * 7);
	p[0] = 0x45;
	p[1] = 0;
	put16(p + 2, len);
	p[6] = 0;
	p[7] = 0;
	p[8] = 64;
	p[9] = 6;
}

static espfab_sa_t sa_template(uint8_t cipher, uint8_t key_len, uint8_t dir, uint8_t key_base)
{
	espfab_sa_t sa;
	memset(&sa, 0, sizeof sa);
	sa.spi = 0xc0de0001;
	sa.dir = dir;
	sa.mode = ESPFAB_MODE_TUNNEL;
	sa.cipher = cipher;
	sa.enc_key_len = key_len;
	sa.auth = ESPFAB_AUTH_SHA1;
	sa.auth_key_len = 20;
	sa.replay_window = 64;
	sa.tun_src = 0xc0a80001;
	sa.tun_dst = 0xc0a80002;
	for (unsigned i = 0; i < sizeof sa.enc_key; i++)
		sa.enc_key[i] = (uint8_t)(key_base + 11 * i);
	for (unsigned i = 0; i < sizeof sa.auth_key; i++)
		sa.auth_key[i] = (uint8_t)(key_base ^ (0x5a + 3 * i));
	return sa;
}

static espfab_dev *open_sw(uint32_t depth)
{
	espfab_open_opts o = { .sa_slots = 16, .queue_depth = depth, .iv_seeded = true, .iv_seed = 42 };
	espfab_dev *dev = NULL;
	int rc = espfab_open("sw", &o, &dev);
	if (rc != 0)
		print_error("open sw: %d %s\n", rc, espfab_open_error());
	assert_int_equal(rc, 0);
	assert_string_equal(espfab_engine_name(dev), "sw");
	return dev;
}

static espfab_cpl run(espfab_dev *dev, uint32_t slot, const uint8_t *in, unsigned len, uint8_t *out, uint64_t cookie)
{
	espfab_op op = { .slot = slot, .in = in, .in_len = (uint16_t)len, .out = out,
			 .out_cap = ESPFAB_MAX_FRAME, .cookie = cookie };
	espfab_cpl c;
	memset(&c, 0, sizeof c);
	assert_int_equal(espfab_process_one(dev, &op, &c), 0);
	assert_int_equal(c.cookie, cookie);
	return c;
}

/* ---- plain-OpenSSL check of an outbound tunnel packet ------------------- */

/* Does esp (tunnel mode, no UDP) carry an ICV made with sa's auth key, and
 * does its ciphertext decrypt under sa's cipher key to inner followed by
 * valid padding? */
static bool verifies_under(const espfab_sa_t *sa, const uint8_t *pkt, unsigned len, const uint8_t *inner,
			   unsigned inner_len)
{
	static uint8_t pt[ESPFAB_MAX_FRAME];
	unsigned B = sa->cipher == ESPFAB_CIPHER_AES ? 16 : 8;
	const uint8_t *esp = pkt + 20;
	unsigned esplen = len - 20, ctlen = esplen - 8 - B - ESPFAB_ICV_LEN;
	uint8_t md[EVP_MAX_MD_SIZE], key[24];
	unsigned mdlen = 0;
	const char *name = sa->cipher == ESPFAB_CIPHER_AES ? (sa->enc_key_len == 16 ? "AES-128-CBC"
							     : sa->enc_key_len == 24 ? "AES-192-CBC"
										     : "AES-256-CBC")
							   : "DES-EDE3-CBC";
	bool ok = false;

	assert_non_null(HMAC(EVP_sha1(), sa->auth_key, sa->auth_key_len, esp, 8 + B + ctlen, md, &mdlen));
	if (CRYPTO_memcmp(md, esp + 8 + B + ctlen, ESPFAB_ICV_LEN) != 0)
		return false;

	memcpy(key, sa->enc_key, sa->enc_key_len > 24 ? 24 : sa->enc_key_len);
	if (sa->cipher == ESPFAB_CIPHER_3DES && sa->enc_key_len == 16)
		memcpy(key + 16, sa->enc_key, 8);
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, name, NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int l = 0;
	assert_non_null(c);
	assert_non_null(ctx);
	assert_int_equal(EVP_DecryptInit_ex2(ctx, c, sa->cipher == ESPFAB_CIPHER_AES ? sa->enc_key : key, esp + 8, NULL),
			 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	assert_int_equal(EVP_DecryptUpdate(ctx, pt, &l, esp + 8 + B, (int)ctlen), 1);
	ok = (unsigned)l == ctlen && pt[ctlen - 1] == 4 && pt[ctlen - 2] + 2u + inner_len == ctlen &&
	     memcmp(pt, inner, inner_len) == 0;
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return ok;
}

/* ---- SA update ------------------------------------------------------------ */

struct update_case {
	const char *name;
	uint8_t cipher, key_len;
};

static const struct update_case update_cases[] = {
	{ "aes128", ESPFAB_CIPHER_AES, 16 },
	{ "aes256", ESPFAB_CIPHER_AES, 32 },
	{ "3des", ESPFAB_CIPHER_3DES, 24 },
	{ "3des-2key", ESPFAB_CIPHER_3DES, 16 },
};

static void test_update_keeps_state_switches_keys(void **state)
{
	(void)state;
	static uint8_t inner[6][600], esp[6][ESPFAB_MAX_FRAME], out[ESPFAB_MAX_FRAME];
	for (size_t k = 0; k < sizeof update_cases / sizeof update_cases[0]; k++) {
		const struct update_case *uc = &update_cases[k];
		espfab_dev *dev = open_sw(8);
		espfab_sa_t out1 = sa_template(uc->cipher, uc->key_len, ESPFAB_DIR_OUT, 0x10);
		espfab_sa_t in1 = sa_template(uc->cipher, uc->key_len, ESPFAB_DIR_IN, 0x10);
		espfab_sa_t out2 = sa_template(uc->cipher, uc->key_len, ESPFAB_DIR_OUT, 0x80);
		espfab_sa_t in2 = sa_template(uc->cipher, uc->key_len, ESPFAB_DIR_IN, 0x80);
		unsigned len[6];
		assert_int_equal(espfab_sa_add(dev, SLOT_OUT, &out1), 0);
		assert_int_equal(espfab_sa_add(dev, SLOT_IN, &in1), 0);

		/* Packets 0..2 under key 1; 0 and 1 delivered, 2 held back. */
		for (int i = 0; i < 3; i++) {
			make_packet(inner[i], 100 + 150 * (unsigned)i, (uint8_t)i);
			espfab_cpl c = run(dev, SLOT_OUT, inner[i], 100 + 150 * (unsigned)i, esp[i], (uint64_t)i);
			assert_int_equal(c.status, ESPFAB_STATUS_OK);
			assert_int_equal(c.seq, i + 1);
			len[i] = c.out_len;
			assert_true(verifies_under(&out1, esp[i], len[i], inner[i], 100 + 150 * (unsigned)i));
		}
		for (int i = 0; i < 2; i++)
			assert_int_equal(run(dev, SLOT_IN, esp[i], len[i], out, 10).status, ESPFAB_STATUS_OK);

		espfab_sa_state_t before_out, before_in, after;
		assert_int_equal(espfab_sa_state(dev, SLOT_OUT, &before_out), 0);
		assert_int_equal(espfab_sa_state(dev, SLOT_IN, &before_in), 0);
		assert_int_equal(espfab_sa_update(dev, SLOT_OUT, &out2), 0);
		assert_int_equal(espfab_sa_update(dev, SLOT_IN, &in2), 0);
		/* State survives the update unchanged. */
		assert_int_equal(espfab_sa_state(dev, SLOT_OUT, &after), 0);
		assert_memory_equal(&after, &before_out, sizeof after);
		assert_int_equal(espfab_sa_state(dev, SLOT_IN, &after), 0);
		assert_memory_equal(&after, &before_in, sizeof after);

		/* Packets 3..5 under key 2: sequence continues, new keys only. */
		for (int i = 3; i < 6; i++) {
			unsigned n = 80 + 200 * (unsigned)(i - 3);
			make_packet(inner[i], n, (uint8_t)(0x40 + i));
			espfab_cpl c = run(dev, SLOT_OUT, inner[i], n, esp[i], (uint64_t)i);
			assert_int_equal(c.status, ESPFAB_STATUS_OK);
			assert_int_equal(c.seq, i + 1);
			assert_int_equal(get32(esp[i] + 24), i + 1);
			len[i] = c.out_len;
			assert_true(verifies_under(&out2, esp[i], len[i], inner[i], n));
			assert_false(verifies_under(&out1, esp[i], len[i], inner[i], n));
			c = run(dev, SLOT_IN, esp[i], len[i], out, 20 + (uint64_t)i);
			assert_int_equal(c.status, ESPFAB_STATUS_OK);
			assert_int_equal(c.seq, i + 1);
			assert_int_equal(c.out_len, n);
			assert_memory_equal(out, inner[i], n);
		}
		/* Packet 2 was made under key 1: the updated inbound SA refuses it. */
		espfab_cpl c = run(dev, SLOT_IN, esp[2], len[2], out, 30);
		assert_int_equal(c.status, ESPFAB_STATUS_AUTH);
		/* A replay of a packet accepted before the update is still caught. */
		assert_int_equal(run(dev, SLOT_IN, esp[4], len[4], out, 31).status, ESPFAB_STATUS_REPLAY);

		assert_int_equal(espfab_sa_state(dev, SLOT_OUT, &after), 0);
		assert_int_equal(after.seq, 6);
		assert_int_equal(after.count[ESPFAB_STATUS_OK], 6);
		assert_int_equal(espfab_sa_state(dev, SLOT_IN, &after), 0);
		assert_int_equal(after.seq, 6);
		assert_int_equal(after.count[ESPFAB_STATUS_OK], 5);
		assert_int_equal(after.count[ESPFAB_STATUS_AUTH], 1);
		assert_int_equal(after.count[ESPFAB_STATUS_REPLAY], 1);
		/* Bits 0 (seq 6) .. 5 (seq 1) set except seq 3 (bit 3), which failed. */
		assert_int_equal(after.replay[0], 0x37);
		espfab_close(dev);
	}
}

/* ---- delete ---------------------------------------------------------------- */

static void test_delete_refuses_and_forgets(void **state)
{
	(void)state;
	static uint8_t pkt[300], esp[ESPFAB_MAX_FRAME], out[ESPFAB_MAX_FRAME];
	espfab_dev *dev = open_sw(8);
	espfab_sa_t o = sa_template(ESPFAB_CIPHER_AES, 16, ESPFAB_DIR_OUT, 1);
	espfab_sa_t i = sa_template(ESPFAB_CIPHER_AES, 16, ESPFAB_DIR_IN, 1);
	espfab_sa_state_t st;
	assert_int_equal(espfab_sa_add(dev, SLOT_OUT, &o), 0);
	assert_int_equal(espfab_sa_add(dev, SLOT_IN, &i), 0);
	make_packet(pkt, sizeof pkt, 9);
	espfab_cpl c = run(dev, SLOT_OUT, pkt, sizeof pkt, esp, 1);
	assert_int_equal(c.status, ESPFAB_STATUS_OK);
	unsigned len = c.out_len;

	assert_int_equal(espfab_sa_del(dev, SLOT_OUT), 0);
	assert_int_equal(espfab_sa_del(dev, SLOT_IN), 0);
	/* Requests to deleted slots: NO_SA, nothing written, no SPI or seq. */
	memset(out, 0xcc, sizeof out);
	c = run(dev, SLOT_OUT, pkt, sizeof pkt, out, 2);
	assert_int_equal(c.status, ESPFAB_STATUS_NO_SA);
	assert_int_equal(c.out_len, 0);
	assert_int_equal(c.spi, 0);
	assert_int_equal(c.seq, 0);
	assert_int_equal(c.flags, 0);
	c = run(dev, SLOT_IN, esp, len, out, 3);
	assert_int_equal(c.status, ESPFAB_STATUS_NO_SA);
	assert_int_equal(c.out_len, 0);
	for (size_t k = 0; k < sizeof out; k++)
		assert_int_equal(out[k], 0xcc);
	assert_int_equal(espfab_sa_state(dev, SLOT_OUT, &st), -ENOENT);
	assert_int_equal(espfab_sa_del(dev, SLOT_OUT), -ENOENT);

	/* A new SA in the slot starts from scratch: sequence 1, zero counters. */
	assert_int_equal(espfab_sa_add(dev, SLOT_OUT, &o), 0);
	assert_int_equal(espfab_sa_state(dev, SLOT_OUT, &st), 0);
	assert_int_equal(st.seq, 0);
	assert_int_equal(st.bytes, 0);
	for (int k = 0; k < ESPFAB_STATUS_SLOTS; k++)
		assert_int_equal(st.count[k], 0);
	c = run(dev, SLOT_OUT, pkt, sizeof pkt, out, 4);
	assert_int_equal(c.status, ESPFAB_STATUS_OK);
	assert_int_equal(c.seq, 1);
	/* ... and the inbound one accepts sequence 1 again. */
	assert_int_equal(espfab_sa_add(dev, SLOT_IN, &i), 0);
	c = run(dev, SLOT_IN, esp, len, out, 5);
	assert_int_equal(c.status, ESPFAB_STATUS_OK);
	assert_memory_equal(out, pkt, sizeof pkt);
	espfab_close(dev);
}

/* The same through the ops table: clear, then the slot reads as empty and a
 * keep_state write on it does not resurrect the old state. */
static void test_ops_clear(void **state)
{
	(void)state;
	const struct espfab_engine_ops *e = &espfab_engine_sw;
	static uint8_t pkt[200], out[ESPFAB_MAX_FRAME];
	void *priv = NULL;
	char why[128] = "";
	espfab_sa_t o = sa_template(ESPFAB_CIPHER_AES, 16, ESPFAB_DIR_OUT, 7);
	espfab_sa_state_t st;
	espfab_req_t r;
	espfab_cpl_t c;

	assert_int_equal(e->open(&priv, 4, 4, why, sizeof why), 0);
	assert_int_equal(e->sa_write(priv, 1, &o, false), 0);
	make_packet(pkt, sizeof pkt, 3);
	memset(&r, 0, sizeof r);
	r.in_addr = (uint64_t)(uintptr_t)pkt;
	r.out_addr = (uint64_t)(uintptr_t)out;
	r.slot = 1;
	r.in_len = sizeof pkt;
	r.out_cap = sizeof out;
	r.op = ESPFAB_OP_ENCAP;
	assert_int_equal(e->submit(priv, &r, 1), 1);
	assert_int_equal(e->poll(priv, &c, 1), 1);
	assert_int_equal(c.status, ESPFAB_STATUS_OK);

	assert_int_equal(e->sa_clear(priv, 1), 0);
	assert_int_equal(e->sa_read_state(priv, 1, &st), -ENOENT);
	assert_int_equal(e->sa_clear(priv, 1), -ENOENT);
	assert_int_equal(e->sa_clear(priv, 4), -EINVAL);
	assert_int_equal(e->submit(priv, &r, 1), 1);
	assert_int_equal(e->poll(priv, &c, 1), 1);
	assert_int_equal(c.status, ESPFAB_STATUS_NO_SA);

	assert_int_equal(e->sa_write(priv, 1, &o, true), 0);
	assert_int_equal(e->sa_read_state(priv, 1, &st), 0);
	assert_int_equal(st.seq, 0);
	assert_int_equal(st.count[ESPFAB_STATUS_OK], 0);
	/* An SA the engine cannot key is refused and leaves the slot as it was. */
	espfab_sa_t bad = o;
	bad.enc_key_len = 20;
	assert_int_equal(e->sa_write(priv, 1, &bad, true), -EINVAL);
	assert_int_equal(e->submit(priv, &r, 1), 1);
	assert_int_equal(e->poll(priv, &c, 1), 1);
	assert_int_equal(c.status, ESPFAB_STATUS_OK);
	assert_int_equal(c.seq, 1);
	e->close(priv);
}

/* ---- queue ------------------------------------------------------------------ */

struct queue_case {
	uint32_t depth;
	unsigned burst;   /* ops offered per submit */
	unsigned poll_at; /* completions taken per poll */
};

static const struct queue_case queue_cases[] = {
	{ 1, 5, 1 }, { 3, 10, 2 }, { 4, 4, 4 }, { 5, 64, 3 }, { 16, 100, 7 }, { 70, 200, 33 },
};

#define QUEUE_TOTAL 150

static void test_queue_full(void **state)
{
	(void)state;
	static uint8_t pkt[QUEUE_TOTAL][120], out[QUEUE_TOTAL][ESPFAB_MAX_FRAME];
	for (size_t k = 0; k < sizeof queue_cases / sizeof queue_cases[0]; k++) {
		const struct queue_case *qc = &queue_cases[k];
		espfab_dev *dev = open_sw(qc->depth);
		espfab_sa_t o = sa_template(ESPFAB_CIPHER_AES, 16, ESPFAB_DIR_OUT, 5);
		espfab_op ops[QUEUE_TOTAL];
		espfab_cpl cpl[QUEUE_TOTAL];
		unsigned got[QUEUE_TOTAL] = { 0 };
		unsigned next = 0, done = 0, saw_partial = 0, saw_full = 0;
		assert_int_equal(espfab_sa_add(dev, SLOT_OUT, &o), 0);
		for (unsigned i = 0; i < QUEUE_TOTAL; i++) {
			make_packet(pkt[i], sizeof pkt[i], (uint8_t)i);
			ops[i] = (espfab_op){ .slot = i % 7 == 6 ? SLOT_OTHER : SLOT_OUT, .in = pkt[i],
					      .in_len = sizeof pkt[i], .out = out[i], .out_cap = ESPFAB_MAX_FRAME,
					      .cookie = 0x1000 + i };
		}
		while (done < QUEUE_TOTAL) {
			if (next < QUEUE_TOTAL) {
				unsigned n = QUEUE_TOTAL - next < qc->burst ? QUEUE_TOTAL - next : qc->burst;
				unsigned acc = 12345;
				unsigned before = espfab_inflight(dev);
				int rc = espfab_submit(dev, &ops[next], n, &acc);
				unsigned room = qc->depth - before;
				if (room == 0) {
					assert_int_equal(rc, -ENOSPC);
					assert_int_equal(acc, 0);
					saw_full++;
				} else {
					assert_int_equal(rc, 0);
					assert_int_equal(acc, n < room ? n : room);
					if (acc < n)
						saw_partial++;
				}
				assert_int_equal(espfab_inflight(dev), before + acc);
				next += acc;
				if (espfab_inflight(dev) == qc->depth && next < QUEUE_TOTAL) {
					/* Full: the next submit takes nothing and says so. */
					acc = 12345;
					assert_int_equal(espfab_submit(dev, &ops[next], 1, &acc), -ENOSPC);
					assert_int_equal(acc, 0);
					saw_full++;
				}
			}
			int m = espfab_poll(dev, cpl, qc->poll_at);
			assert_true(m >= 0 && (unsigned)m <= qc->poll_at);
			for (int j = 0; j < m; j++) {
				unsigned idx = (unsigned)(cpl[j].cookie - 0x1000);
				assert_true(idx < QUEUE_TOTAL);
				assert_int_equal(idx, done + (unsigned)j); /* submission order */
				got[idx]++;
				if (idx % 7 == 6) {
					assert_int_equal(cpl[j].status, ESPFAB_STATUS_NO_SA);
				} else {
					assert_int_equal(cpl[j].status, ESPFAB_STATUS_OK);
					assert_int_equal(get32(out[idx] + 24), cpl[j].seq);
				}
			}
			done += (unsigned)m;
		}
		for (unsigned i = 0; i < QUEUE_TOTAL; i++)
			assert_int_equal(got[i], 1);
		assert_int_equal(espfab_inflight(dev), 0);
		assert_int_equal(espfab_poll(dev, cpl, 4), 0);
		if (qc->burst > qc->depth)
			assert_true(saw_partial > 0);
		if (qc->burst >= qc->depth)
			assert_true(saw_full > 0);
		espfab_sa_state_t st;
		assert_int_equal(espfab_sa_state(dev, SLOT_OUT, &st), 0);
		assert_int_equal(st.seq, QUEUE_TOTAL - QUEUE_TOTAL / 7);
		espfab_dev_counters dc;
		espfab_dev_counters_get(dev, &dc);
		assert_int_equal(dc.submitted, QUEUE_TOTAL);
		assert_int_equal(dc.completed, QUEUE_TOTAL);
		espfab_close(dev);
	}
}

/* The engine's own submit takes no more than its queue holds. */
static void test_ops_queue(void **state)
{
	(void)state;
	const struct espfab_engine_ops *e = &espfab_engine_sw;
	void *priv = NULL;
	char why[128] = "";
	espfab_req_t r[6];
	espfab_cpl_t c[6];
	memset(r, 0, sizeof r);
	for (int i = 0; i < 6; i++) {
		r[i].cookie = (uint64_t)i;
		r[i].slot = 2; /* empty: NO_SA without touching buffers */
	}
	assert_int_equal(e->open(&priv, 4, 3, why, sizeof why), 0);
	assert_int_equal(e->submit(priv, r, 6), 3);
	assert_int_equal(e->submit(priv, r + 3, 3), 0);
	assert_int_equal(e->poll(priv, c, 2), 2);
	assert_int_equal(c[0].cookie, 0);
	assert_int_equal(c[1].cookie, 1);
	assert_int_equal(e->submit(priv, r + 3, 3), 2);
	assert_int_equal(e->poll(priv, c, 6), 3);
	assert_int_equal(c[0].cookie, 2);
	assert_int_equal(c[1].cookie, 3);
	assert_int_equal(c[2].cookie, 4);
	for (int i = 0; i < 3; i++)
		assert_int_equal(c[i].status, ESPFAB_STATUS_NO_SA);
	assert_int_equal(e->poll(priv, c, 6), 0);
	e->close(priv);
}

/* ---- open parameters ---------------------------------------------------- */

struct open_case {
	uint32_t slots, depth;
	int rc;
};

static const struct open_case open_cases[] = {
	{ 1, 1, 0 }, { ESPFAB_SA_SLOTS_MAX, 65536, 0 }, { 0, 4, -EINVAL },
	{ ESPFAB_SA_SLOTS_MAX + 1, 4, -EINVAL }, { 4, 0, -EINVAL }, { 4, 65537, -EINVAL },
};

static void test_ops_open(void **state)
{
	(void)state;
	const struct espfab_engine_ops *e = &espfab_engine_sw;
	for (size_t k = 0; k < sizeof open_cases / sizeof open_cases[0]; k++) {
		void *priv = (void *)&priv;
		char why[128] = "";
		int rc = e->open(&priv, open_cases[k].slots, open_cases[k].depth, why, sizeof why);
		assert_int_equal(rc, open_cases[k].rc);
		if (rc == 0) {
			assert_non_null(priv);
			e->close(priv);
		} else {
			assert_null(priv);
			assert_true(why[0] != '\0');
		}
	}
	e->close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_update_keeps_state_switches_keys),
		cmocka_unit_test(test_delete_refuses_and_forgets),
		cmocka_unit_test(test_ops_clear),
		cmocka_unit_test(test_queue_full),
		cmocka_unit_test(test_ops_queue),
		cmocka_unit_test(test_ops_open),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
