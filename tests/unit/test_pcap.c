/* host/pcap.{c,h}: classic pcap reader and writer, link-layer helper.
 * Test files are built byte by byte here (independently of the writer) in
 * both byte orders and both timestamp resolutions; every truncation point
 * of a small file must give an error naming packet and offset, never a
 * crash.  Numbered table cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap.h"

/* ---- a tiny independent pcap builder ----------------------------------- */

struct buf {
	uint8_t b[8192];
	size_t n;
	int big;
};

static void b_u32(struct buf *f, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		f->b[f->n + (size_t)(f->big ? i : 3 - i)] = (uint8_t)(v >> (24 - 8 * i));
	f->n += 4;
}

static void b_u16(struct buf *f, uint16_t v)
{
	f->b[f->n + (f->big ? 0 : 1)] = (uint8_t)(v >> 8);
	f->b[f->n + (f->big ? 1 : 0)] = (uint8_t)v;
	f->n += 2;
}

static void b_global(struct buf *f, int big, int nsec, uint32_t snaplen, uint32_t linktype)
{
	f->n = 0;
	f->big = big;
	b_u32(f, nsec ? 0xa1b23c4d : 0xa1b2c3d4);
	b_u16(f, 2);
	b_u16(f, 4);
	b_u32(f, (uint32_t)-3600); /* thiszone, kept by the writer */
	b_u32(f, 0);
	b_u32(f, snaplen);
	b_u32(f, linktype);
}

static void b_rec(struct buf *f, uint32_t sec, uint32_t frac, const void *data, uint32_t caplen, uint32_t origlen)
{
	b_u32(f, sec);
	b_u32(f, frac);
	b_u32(f, caplen);
	b_u32(f, origlen);
	memcpy(f->b + f->n, data, caplen);
	f->n += caplen;
}

static FILE *file_of(const uint8_t *b, size_t n)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	if (n)
		assert_int_equal(fwrite(b, 1, n, f), n);
	rewind(f);
	return f;
}

static const uint8_t P1[5] = { 0x45, 1, 2, 3, 4 };
static const uint8_t P2[3] = { 0x45, 9, 8 };

/* Sample file: two records, 24 + (16 + 5) + (16 + 3) = 64 bytes. */
static void sample(struct buf *f, int big, int nsec)
{
	b_global(f, big, nsec, 65535, PCAP_LINKTYPE_RAW);
	b_rec(f, 1700000000, nsec ? 999999999 : 999999, P1, 5, 5);
	b_rec(f, 1700000001, 7, P2, 3, 3);
}

/* ---- reading ----------------------------------------------------------- */

static void check_sample(FILE *fp, int big, int nsec)
{
	pcap_reader r;
	pcap_record rec;
	assert_int_equal(pcap_reader_open(&r, fp), 0);
	assert_int_equal(r.info.big_endian, big);
	assert_int_equal(r.info.nsec, nsec);
	assert_int_equal(r.info.linktype, PCAP_LINKTYPE_RAW);
	assert_int_equal(r.info.snaplen, 65535);
	assert_int_equal(r.info.thiszone, -3600);
	assert_int_equal(r.info.version_major, 2);
	assert_int_equal(r.info.version_minor, 4);

	assert_int_equal(pcap_reader_next(&r, &rec), 1);
	assert_int_equal(rec.index, 1);
	assert_int_equal(rec.offset, 24);
	assert_int_equal(rec.ts_sec, 1700000000);
	assert_int_equal(rec.ts_frac, nsec ? 999999999 : 999999);
	assert_int_equal(rec.caplen, 5);
	assert_int_equal(rec.origlen, 5);
	assert_false(rec.truncated);
	assert_memory_equal(rec.data, P1, 5);

	assert_int_equal(pcap_reader_next(&r, &rec), 1);
	assert_int_equal(rec.index, 2);
	assert_int_equal(rec.offset, 24 + 16 + 5);
	assert_int_equal(rec.ts_sec, 1700000001);
	assert_int_equal(rec.ts_frac, 7);
	assert_int_equal(rec.caplen, 3);
	assert_memory_equal(rec.data, P2, 3);

	assert_int_equal(pcap_reader_next(&r, &rec), 0);
	assert_int_equal(pcap_reader_next(&r, &rec), 0); /* EOF stays EOF */

	/* rewind gives the same first record again */
	assert_int_equal(pcap_reader_rewind(&r), 0);
	assert_int_equal(pcap_reader_next(&r, &rec), 1);
	assert_int_equal(rec.index, 1);
	assert_memory_equal(rec.data, P1, 5);
	pcap_reader_close(&r);
}

/* 1: LE usec, 2: BE usec, 3: LE nsec, 4: BE nsec */
static void test_read_variants(void **s)
{
	(void)s;
	static const int v[4][2] = { { 0, 0 }, { 1, 0 }, { 0, 1 }, { 1, 1 } };
	for (int i = 0; i < 4; i++) {
		struct buf f;
		sample(&f, v[i][0], v[i][1]);
		FILE *fp = file_of(f.b, f.n);
		check_sample(fp, v[i][0], v[i][1]);
		fclose(fp);
	}
}

/* Reading then writing every variant reproduces the file byte for byte. */
static void test_roundtrip_bytes(void **s)
{
	(void)s;
	for (int i = 0; i < 4; i++) {
		struct buf f;
		pcap_reader r;
		pcap_writer w;
		pcap_record rec;
		sample(&f, i & 1, i >> 1);
		FILE *in = file_of(f.b, f.n), *out = tmpfile();
		assert_non_null(out);
		assert_int_equal(pcap_reader_open(&r, in), 0);
		assert_int_equal(pcap_writer_open(&w, out, &r.info), 0);
		while (pcap_reader_next(&r, &rec) == 1)
			assert_int_equal(pcap_writer_put(&w, rec.ts_sec, rec.ts_frac, rec.data, rec.caplen, rec.origlen),
					 0);
		assert_int_equal(pcap_writer_finish(&w), 0);
		long len = ftell(out);
		assert_int_equal(len, (long)f.n);
		uint8_t got[sizeof f.b];
		rewind(out);
		assert_int_equal(fread(got, 1, f.n, out), f.n);
		assert_memory_equal(got, f.b, f.n);
		pcap_reader_close(&r);
		fclose(in);
		fclose(out);
	}
}

/* Writer raises a small snaplen to 65535 and keeps the linktype. */
static void test_writer_snaplen(void **s)
{
	(void)s;
	pcap_info info = { .version_major = 2, .version_minor = 4, .snaplen = 96,
			   .linktype = PCAP_LINKTYPE_ETHERNET };
	pcap_writer w;
	pcap_reader r;
	FILE *f = tmpfile();
	assert_int_equal(pcap_writer_open(&w, f, &info), 0);
	assert_int_equal(pcap_writer_put(&w, 1, 2, P1, 5, 60), 0);
	assert_int_equal(pcap_writer_finish(&w), 0);
	rewind(f);
	assert_int_equal(pcap_reader_open(&r, f), 0);
	assert_int_equal(r.info.snaplen, 65535);
	assert_int_equal(r.info.linktype, PCAP_LINKTYPE_ETHERNET);
	assert_false(r.info.big_endian);
	pcap_record rec;
	assert_int_equal(pcap_reader_next(&r, &rec), 1);
	assert_int_equal(rec.origlen, 60);
	assert_true(rec.truncated); /* caplen 5 < origlen 60 */
	pcap_reader_close(&r);
	fclose(f);
}

/* ---- refused headers --------------------------------------------------- */

struct bad_header {
	int n;
	uint8_t bytes[24];
	size_t len;
	const char *msg;
};

static const struct bad_header bad_headers[] = {
	{ 1, { 0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a }, 12,
	  "pcapng not supported; convert with editcap -F pcap" },
	{ 2, { 0 }, 0, "empty file" },
	{ 3, { 'G', 'I', 'F', '8', '9', 'a' }, 6, "not a pcap file" },
	{ 4, { 0xd4, 0xc3 }, 2, "global header truncated (2 of 24 bytes)" },
	/* version 1.0 */
	{ 5, { 0xd4, 0xc3, 0xb2, 0xa1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 101, 0, 0, 0 }, 24,
	  "version 1.0 not supported" },
	/* linktype 105 (802.11) */
	{ 6, { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 105, 0, 0, 0 }, 24,
	  "linktype 105 not supported" },
	/* modified-pcap magic 0xa1b2cd34 */
	{ 7, { 0x34, 0xcd, 0xb2, 0xa1, 2, 0, 4, 0 }, 8, "not a pcap file" },
};

static void test_bad_headers(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof bad_headers / sizeof bad_headers[0]; i++) {
		const struct bad_header *c = &bad_headers[i];
		pcap_reader r;
		FILE *f = file_of(c->bytes, c->len);
		int rc = pcap_reader_open(&r, f);
		if (rc != -1 || !strstr(r.err, c->msg))
			fail_msg("case %d: rc %d, message '%s', expected '%s'", c->n, rc, r.err, c->msg);
		assert_null(strchr(r.err, '\n'));
		pcap_record rec;
		assert_int_equal(pcap_reader_next(&r, &rec), -1); /* sticky */
		pcap_reader_close(&r);
		fclose(f);
	}
}

/* ---- every truncation point -------------------------------------------- */

/* The sample file cut at every length 0..63: cuts at record boundaries
 * (24, 45, 64) read cleanly with the records before them; all others are an
 * error naming the first incomplete packet and where it starts. */
static void test_every_cut(void **s)
{
	(void)s;
	for (int big = 0; big < 2; big++) {
		struct buf f;
		sample(&f, big, 0);
		assert_int_equal(f.n, 64);
		for (size_t cut = 0; cut <= f.n; cut++) {
			pcap_reader r;
			pcap_record rec;
			FILE *fp = file_of(f.b, cut);
			int rc = pcap_reader_open(&r, fp);
			if (cut < 24) {
				if (rc != -1 || !strstr(r.err, "byte offset 0"))
					fail_msg("cut %zu: open rc %d '%s'", cut, rc, r.err);
				pcap_reader_close(&r);
				fclose(fp);
				continue;
			}
			assert_int_equal(rc, 0);
			int whole = cut >= 64 ? 2 : cut >= 45 ? 1 : 0;
			bool boundary = cut == 24 || cut == 45 || cut == 64;
			int got = 0;
			while ((rc = pcap_reader_next(&r, &rec)) == 1)
				got++;
			if (got != whole)
				fail_msg("cut %zu: %d records, expected %d", cut, got, whole);
			if (boundary) {
				if (rc != 0)
					fail_msg("cut %zu: expected clean EOF, got '%s'", cut, r.err);
			} else {
				char want[64];
				snprintf(want, sizeof want, "packet %d at byte offset %d:", whole + 1,
					 whole == 0 ? 24 : 45);
				if (rc != -1 || !strstr(r.err, want))
					fail_msg("cut %zu: rc %d '%s', expected '%s'", cut, rc, r.err, want);
				assert_int_equal(pcap_reader_next(&r, &rec), -1);
			}
			pcap_reader_close(&r);
			fclose(fp);
		}
	}
}

/* incl_len bound: 262144 reads, 262145 is refused before any data is read. */
static void test_incl_len_bound(void **s)
{
	(void)s;
	for (int over = 0; over < 2; over++) {
		uint32_t len = PCAP_MAX_RECORD + (uint32_t)over;
		size_t total = 24 + 16 + len;
		uint8_t *b = calloc(1, total);
		struct buf h;
		assert_non_null(b);
		b_global(&h, 0, 0, 65535, PCAP_LINKTYPE_RAW);
		b_u32(&h, 1);
		b_u32(&h, 2);
		b_u32(&h, len);
		b_u32(&h, len);
		memcpy(b, h.b, h.n);
		FILE *fp = file_of(b, total);
		pcap_reader r;
		pcap_record rec;
		assert_int_equal(pcap_reader_open(&r, fp), 0);
		int rc = pcap_reader_next(&r, &rec);
		if (over) {
			assert_int_equal(rc, -1);
			assert_non_null(strstr(r.err, "packet 1 at byte offset 24: incl_len 262145 exceeds"));
		} else {
			assert_int_equal(rc, 1);
			assert_int_equal(rec.caplen, PCAP_MAX_RECORD);
		}
		pcap_reader_close(&r);
		fclose(fp);
		free(b);
	}
}

/* ---- link layer -------------------------------------------------------- */

struct l2_case {
	int n;
	uint32_t linktype;
	uint8_t frame[20];
	uint32_t len;
	bool ipv4;
	uint32_t off;
	const char *why;
};

static const struct l2_case l2_cases[] = {
	{ 1, PCAP_LINKTYPE_RAW, { 0x45 }, 1, true, 0, NULL },
	{ 2, PCAP_LINKTYPE_RAW, { 0x60 }, 1, false, 0, "IPv6" },
	{ 3, PCAP_LINKTYPE_RAW, { 0x00 }, 0, true, 0, NULL }, /* empty: the engine says LENGTH */
	{ 4, PCAP_LINKTYPE_IPV4, { 0x60 }, 1, true, 0, NULL },
	{ 5, PCAP_LINKTYPE_ETHERNET, { [12] = 0x08, [13] = 0x00, [14] = 0x45 }, 15, true, 14, NULL },
	{ 6, PCAP_LINKTYPE_ETHERNET, { [12] = 0x86, [13] = 0xdd }, 20, false, 0, "ethertype 0x86dd" },
	{ 7, PCAP_LINKTYPE_ETHERNET, { [12] = 0x81, [13] = 0x00, [16] = 0x08, [17] = 0x00 }, 20, true, 18, NULL },
	{ 8, PCAP_LINKTYPE_ETHERNET, { [12] = 0x81, [13] = 0x00, [16] = 0x08, [17] = 0x06 }, 20, false, 0,
	  "ethertype 0x0806" },
	{ 9, PCAP_LINKTYPE_ETHERNET, { [12] = 0x08, [13] = 0x00 }, 13, false, 0, "short Ethernet header" },
	{ 10, PCAP_LINKTYPE_ETHERNET, { [12] = 0x81, [13] = 0x00 }, 17, false, 0, "short 802.1Q header" },
	{ 11, PCAP_LINKTYPE_ETHERNET, { [12] = 0x08, [13] = 0x00 }, 14, true, 14, NULL }, /* empty IPv4 */
	{ 12, 105, { 0x45 }, 1, false, 0, "linktype 105" },
};

static void test_find_ipv4(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof l2_cases / sizeof l2_cases[0]; i++) {
		const struct l2_case *c = &l2_cases[i];
		char why[64] = "";
		uint32_t off = 999;
		bool ok = pcap_find_ipv4(c->linktype, c->frame, c->len, &off, why, sizeof why);
		if (ok != c->ipv4 || (ok && off != c->off) || (!ok && !strstr(why, c->why)))
			fail_msg("case %d: ipv4 %d off %u why '%s'", c->n, ok, off, why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_variants),	 cmocka_unit_test(test_roundtrip_bytes),
		cmocka_unit_test(test_writer_snaplen),	 cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_every_cut),	 cmocka_unit_test(test_incl_len_bound),
		cmocka_unit_test(test_find_ipv4),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
