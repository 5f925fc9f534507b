/* host/ctl_proto.{c,h}: frames survive any split of the byte stream (one
 * byte at a time, random chunks, many frames per chunk), the header is
 * validated before the payload arrives (too large, unknown type, 'R'
 * without status), errors are sticky, and a failed append leaves no half
 * frame. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"

static void test_encoding(void **s)
{
	(void)s;
	obuf o;
	obuf_init(&o, 0);
	ctl_frame_append(&o, CTL_T_CMD, "sh ver", 6);
	ctl_resp_append(&o, CTL_STATUS_ERROR, "% x\n", 4);
	ctl_frame_append(&o, CTL_T_CMD, "", 0);
	static const uint8_t want[] = { 0, 0, 0, 6, 'C', 's', 'h', ' ', 'v', 'e', 'r', 0, 0, 0, 5, 'R', 1,
					'%', ' ', 'x', '\n', 0, 0, 0, 0, 'C' };
	assert_int_equal(o.len, sizeof want);
	assert_memory_equal(o.p, want, sizeof want);
	assert_int_equal(obuf_error(&o), 0);
	obuf_free(&o);
}

static void test_append_overflow_leaves_no_half_frame(void **s)
{
	(void)s;
	obuf o;
	obuf_init(&o, 20);
	ctl_frame_append(&o, CTL_T_CMD, "0123456789", 10); /* 15 bytes: fits */
	ctl_frame_append(&o, CTL_T_CMD, "0123456789", 10); /* would be 30 */
	assert_int_equal(obuf_error(&o), -EMSGSIZE);
	assert_int_equal(o.len, 15);
	obuf_free(&o);
}

static void test_byte_at_a_time(void **s)
{
	(void)s;
	obuf o;
	obuf_init(&o, 0);
	ctl_frame_append(&o, CTL_T_LOG, "*Mar  1 02:07:18.862: ISAKMP: x", 31);
	ctl_resp_append(&o, CTL_STATUS_OK, "", 0);
	ctl_resp_append(&o, CTL_STATUS_OK, "Crypto ISAKMP debugging is on\n", 30);
	ctl_decoder d;
	ctl_decoder_init(&d, CTL_MAX_FRAME, "RL");
	ctl_frame f;
	int got = 0;
	for (size_t i = 0; i < o.len; i++) {
		assert_int_equal(ctl_decoder_feed(&d, o.p + i, 1), 0);
		int r;
		while ((r = ctl_decoder_next(&d, &f)) == 1) {
			switch (got++) {
			case 0:
				assert_int_equal(f.type, CTL_T_LOG);
				assert_int_equal(f.len, 31);
				assert_memory_equal(f.payload, "*Mar  1 02:07:18.862: ISAKMP: x", 31);
				break;
			case 1:
				assert_int_equal(f.type, CTL_T_RESP);
				assert_int_equal(f.len, 1);
				assert_int_equal(f.payload[0], CTL_STATUS_OK);
				break;
			case 2:
				assert_int_equal(f.len, 31);
				assert_memory_equal(f.payload + 1, "Crypto ISAKMP debugging is on\n", 30);
				break;
			}
		}
		assert_int_equal(r, 0);
	}
	assert_int_equal(got, 3);
	assert_int_equal(ctl_decoder_pending(&d), 0);
	ctl_decoder_free(&d);
	obuf_free(&o);
}

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

static void test_random_chunks(void **s)
{
	(void)s;
	enum { N = 5000 };
	obuf o;
	obuf_init(&o, 0);
	char payload[600];
	for (int i = 0; i < N; i++) {
		size_t len = rnd() % sizeof payload;
		memset(payload, 'a' + i % 26, len);
		ctl_frame_append(&o, CTL_T_CMD, payload, len);
	}
	ctl_decoder d;
	ctl_decoder_init(&d, CTL_MAX_CMD, "C");
	rng = 12345;
	size_t pos = 0;
	int got = 0;
	while (pos < o.len) {
		size_t n = 1 + rnd() % 3000;
		if (n > o.len - pos)
			n = o.len - pos;
		assert_int_equal(ctl_decoder_feed(&d, o.p + pos, n), 0);
		pos += n;
		ctl_frame f;
		while (ctl_decoder_next(&d, &f) == 1)
			got++;
	}
	assert_int_equal(got, N);
	assert_int_equal(ctl_decoder_pending(&d), 0);
	/* the buffer did not grow with the stream */
	assert_true(d.buf.cap < 64 * 1024);
	ctl_decoder_free(&d);
	obuf_free(&o);
}

struct bad_case {
	int n;
	const char *types;
	uint32_t max;
	uint8_t hdr[6];
	size_t len;
	int want;
};

static const struct bad_case bad[] = {
	/* 1: too large, refused from the header alone */
	{ 1, "C", CTL_MAX_CMD, { 0, 0, 0x10, 0x01, 'C' }, 5, -EMSGSIZE },
	/* 2: huge length */
	{ 2, "RL", CTL_MAX_FRAME, { 0xff, 0xff, 0xff, 0xff, 'R' }, 5, -EMSGSIZE },
	/* 3: a type this side does not accept */
	{ 3, "C", CTL_MAX_CMD, { 0, 0, 0, 1, 'R', 0 }, 6, -EPROTO },
	/* 4: unknown type */
	{ 4, "RL", CTL_MAX_FRAME, { 0, 0, 0, 0, 'X' }, 5, -EPROTO },
	/* 5: NUL type */
	{ 5, "RL", CTL_MAX_FRAME, { 0, 0, 0, 0, 0 }, 5, -EPROTO },
	/* 6: a response without its status byte */
	{ 6, "RL", CTL_MAX_FRAME, { 0, 0, 0, 0, 'R' }, 5, -EPROTO },
	/* 7: exactly the limit is fine (payload not there yet) */
	{ 7, "C", CTL_MAX_CMD, { 0, 0, 0x10, 0x00, 'C' }, 5, 0 },
	/* 8: four header bytes: wait */
	{ 8, "C", CTL_MAX_CMD, { 0xff, 0xff, 0xff, 0xff }, 4, 0 },
};

static void test_bad_headers(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const struct bad_case *c = &bad[i];
		ctl_decoder d;
		ctl_decoder_init(&d, c->max, c->types);
		assert_int_equal(ctl_decoder_feed(&d, c->hdr, c->len), 0);
		ctl_frame f;
		int r = ctl_decoder_next(&d, &f);
		if (r != c->want)
			fail_msg("case %d: %d, expected %d", c->n, r, c->want);
		if (c->want < 0) {
			/* sticky */
			assert_int_equal(ctl_decoder_next(&d, &f), c->want);
			assert_int_equal(ctl_decoder_feed(&d, "x", 1), c->want);
		}
		ctl_decoder_free(&d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_append_overflow_leaves_no_half_frame),
		cmocka_unit_test(test_byte_at_a_time),
		cmocka_unit_test(test_random_chunks),
		cmocka_unit_test(test_bad_headers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
