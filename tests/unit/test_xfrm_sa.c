/* host/xfrm_sa.{c,h}: the ip-xfrm-state SA parser.  Numbered valid cases
 * check every field that lands in espfab_sa_t; numbered invalid cases check
 * that the one-line message starts with the offending token, never echoes
 * key material, and that the SA is wiped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "xfrm_sa.h"

#define K8 "0x0123456789abcdef"
#define K16 "0x00112233445566778899aabbccddeeff"
#define K20 K16 "a1a2a3a4"
#define K24 K16 "f0f1f2f3f4f5f6f7"
#define K32 K16 "00112233445566778899aabbccddeeff"
#define ID "src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000 "
#define AES "enc cbc(aes) " K16 " "
#define SHA "auth hmac(sha1) " K20

struct valid_case {
	int n;
	const char *text;
	uint8_t dir;
	uint32_t spi, src, dst;
	uint8_t mode, cipher, enc_len, auth, auth_len, encap;
	uint16_t sport, dport, window;
	uint8_t ttl;
	uint32_t soft, hard;
};

#define T ESPFAB_MODE_TUNNEL
#define X ESPFAB_MODE_TRANSPORT
#define OUT ESPFAB_DIR_OUT
#define IN ESPFAB_DIR_IN
#define A10 0x0a000001u
#define A20 0x0a000002u

static const struct valid_case valid[] = {
	{ 1, ID "mode tunnel enc \"cbc(aes)\" " K16 " auth-trunc \"hmac(sha1)\" " K20 " 96", OUT, 0x1000, A10, A20, T,
	  ESPFAB_CIPHER_AES, 16, ESPFAB_AUTH_SHA1, 20, 0, 0, 0, 0, 0, 0, 0 },
	{ 2, ID "mode transport enc 'cbc(des)' " K8 " auth 'hmac(md5)' " K16, IN, 0x1000, A10, A20, X,
	  ESPFAB_CIPHER_DES, 8, ESPFAB_AUTH_MD5, 16, 0, 0, 0, 0, 0, 0, 0 },
	/* mode defaults to transport; spi in decimal */
	{ 3, "src 1.2.3.4 dst 5.6.7.8 spi 4096 enc cbc(des3_ede) " K24 " " SHA, OUT, 4096, 0x01020304u, 0x05060708u,
	  X, ESPFAB_CIPHER_3DES, 24, ESPFAB_AUTH_SHA1, 20, 0, 0, 0, 0, 0, 0, 0 },
	/* two-key 3DES is passed on as 16 bytes (libespfab expands it) */
	{ 4, ID "enc cbc(des3_ede) " K16 " " SHA, IN, 0x1000, A10, A20, X, ESPFAB_CIPHER_3DES, 16, ESPFAB_AUTH_SHA1,
	  20, 0, 0, 0, 0, 0, 0, 0 },
	{ 5, ID "mode tunnel enc cbc(aes) " K24 " " SHA, OUT, 0x1000, A10, A20, T, ESPFAB_CIPHER_AES, 24,
	  ESPFAB_AUTH_SHA1, 20, 0, 0, 0, 0, 0, 0, 0 },
	{ 6, ID "mode tunnel enc cbc(aes) " K32 " " SHA, OUT, 0x1000, A10, A20, T, ESPFAB_CIPHER_AES, 32,
	  ESPFAB_AUTH_SHA1, 20, 0, 0, 0, 0, 0, 0, 0 },
	/* NAT-T with original address, window, reqid, flags, extensions */
	{ 7, ID "mode tunnel " AES SHA " encap espinudp 4500 4501 0.0.0.0 replay-window 64 reqid 7 flag noecn "
	     "align4 lifetime-kb 100 200 ttl 17",
	  OUT, 0x1000, A10, A20, T, ESPFAB_CIPHER_AES, 16, ESPFAB_AUTH_SHA1, 20, ESPFAB_ENCAP_UDP, 4500, 4501, 64, 17,
	  100, 200 },
	/* encap without OA, followed by another keyword; any order of keywords */
	{ 8, AES SHA " encap espinudp 0x1194 4500 mode tunnel spi 0xffffffff dst 10.0.0.2 src 10.0.0.1", OUT,
	  0xffffffffu, A10, A20, T, ESPFAB_CIPHER_AES, 16, ESPFAB_AUTH_SHA1, 20, ESPFAB_ENCAP_UDP, 4500, 4500, 0, 0, 0,
	  0 },
	/* extra blanks, tabs; uppercase hex; replay-window 1024 */
	{ 9, "  src\t10.0.0.1   dst 10.0.0.2 spi 0X10 enc cbc(aes) 0X00112233445566778899AABBCCDDEEFF " SHA
	     " replay-window 1024 ",
	  IN, 0x10, A10, A20, X, ESPFAB_CIPHER_AES, 16, ESPFAB_AUTH_SHA1, 20, 0, 0, 0, 1024, 0, 0, 0 },
	/* flag list ends at the next keyword */
	{ 10, ID AES SHA " flag wildrecv icmp ttl 0", OUT, 0x1000, A10, A20, X, ESPFAB_CIPHER_AES, 16, ESPFAB_AUTH_SHA1,
	  20, 0, 0, 0, 0, 0, 0, 0 },
};

static void test_valid(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
		const struct valid_case *c = &valid[i];
		espfab_sa_t sa;
		char err[XFRM_SA_ERR_LEN] = "";
		if (xfrm_sa_parse(c->text, c->dir, &sa, NULL, err, sizeof err))
			fail_msg("case %d: rejected: %s", c->n, err);
		int bad = sa.valid != 1 || sa.dir != c->dir || sa.spi != c->spi || sa.tun_src != c->src ||
			  sa.tun_dst != c->dst || sa.mode != c->mode || sa.cipher != c->cipher ||
			  sa.enc_key_len != c->enc_len || sa.auth != c->auth || sa.auth_key_len != c->auth_len ||
			  sa.encap != c->encap || sa.sport != c->sport || sa.dport != c->dport ||
			  sa.replay_window != c->window || sa.ttl != c->ttl || sa.life_soft_kb != c->soft ||
			  sa.life_hard_kb != c->hard;
		if (bad)
			fail_msg("case %d: fields differ (spi %x mode %u cipher %u/%u auth %u/%u encap %u %u->%u "
				 "window %u ttl %u life %u/%u)",
				 c->n, sa.spi, sa.mode, sa.cipher, sa.enc_key_len, sa.auth, sa.auth_key_len, sa.encap,
				 sa.sport, sa.dport, sa.replay_window, sa.ttl, sa.life_soft_kb, sa.life_hard_kb);
		espfab_wipe(&sa, sizeof sa);
	}
}

/* Key bytes land in order; the extra fields are reported. */
static void test_keys_and_extra(void **s)
{
	(void)s;
	static const uint8_t k16[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
					 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
	static const uint8_t k20tail[4] = { 0xa1, 0xa2, 0xa3, 0xa4 };
	espfab_sa_t sa;
	xfrm_sa_extra x;
	char err[XFRM_SA_ERR_LEN];
	assert_int_equal(xfrm_sa_parse(valid[6].text, OUT, &sa, &x, err, sizeof err), 0);
	assert_memory_equal(sa.enc_key, k16, 16);
	assert_memory_equal(sa.auth_key, k16, 16);
	assert_memory_equal(sa.auth_key + 16, k20tail, 4);
	assert_true(x.has_reqid);
	assert_int_equal(x.reqid, 7);
	assert_int_equal(x.flags, XFRM_SA_FLAG_NOECN | XFRM_SA_FLAG_ALIGN4);
	assert_int_equal(x.encap_oa, 0);
	espfab_wipe(&sa, sizeof sa);

	/* argv form gives the same SA as the string form */
	const char *argv[] = { "src", "10.0.0.1", "dst", "10.0.0.2", "spi", "0x1000", "mode", "tunnel",
			       "enc", "\"cbc(aes)\"", K16, "auth", "hmac(sha1)", K20 };
	espfab_sa_t a, b;
	assert_int_equal(xfrm_sa_parse_argv(14, argv, OUT, &a, NULL, err, sizeof err), 0);
	assert_int_equal(xfrm_sa_parse(ID "mode tunnel " AES SHA, OUT, &b, NULL, err, sizeof err), 0);
	assert_memory_equal(&a, &b, sizeof a);
}

struct invalid_case {
	int n;
	const char *text;
	const char *token; /* the message starts with "<token>: " */
	const char *also;  /* and contains this */
};

static const struct invalid_case invalid[] = {
	{ 1, ID AES SHA " bogus 1", "bogus", "unknown token" },
	{ 2, ID "enc cbc(aes)", "cbc(aes)", "missing value" },
	{ 3, ID AES "auth", "auth", "missing value" },
	{ 4, ID "enc cbc(blowfish) " K16 " " SHA, "cbc(blowfish)", "unknown enc algorithm" },
	{ 5, ID AES "auth hmac(sha256) " K32, "hmac(sha256)", "expected hmac(md5) or hmac(sha1)" },
	{ 6, ID "enc cbc(aes) " K20 " " SHA, "cbc(aes) key", "20 bytes; cbc(aes) takes 16, 24 or 32 bytes" },
	{ 7, ID "enc cbc(des) " K16 " " SHA, "cbc(des) key", "takes 8 bytes" },
	{ 8, ID "enc cbc(des3_ede) " K20 " " SHA, "cbc(des3_ede) key", "takes 24 bytes (or 16" },
	{ 9, ID AES "auth hmac(md5) " K20, "hmac(md5) key", "takes 16 bytes" },
	{ 10, ID AES "auth hmac(sha1) " K16, "hmac(sha1) key", "takes 20 bytes" },
	{ 11, ID "enc cbc(aes) 0x0011223344556677889 " SHA, "cbc(aes) key", "odd number of hex digits (19)" },
	{ 12, ID "enc cbc(aes) 0x00112233445566778899aabbccddeefg " SHA, "cbc(aes) key", "not a hex digit" },
	{ 13, ID "enc cbc(aes) 00112233445566778899aabbccddeeff " SHA, "cbc(aes) key", "expected 0x" },
	{ 14, "src 10.0.0.1 dst 10.0.0.2 proto ah spi 1 " AES SHA, "ah", "expected esp" },
	{ 15, ID AES "auth-trunc hmac(sha1) " K20 " 128", "128", "expected 96" },
	{ 16, ID AES "auth-trunc hmac(sha1) " K20, "auth-trunc", "missing value" },
	{ 17, ID "mode beet " AES SHA, "beet", "expected tunnel or transport" },
	{ 18, "src 10.0.0.256 dst 10.0.0.2 spi 1 " AES SHA, "10.0.0.256", "IPv4 address" },
	{ 19, "src 10.0.0.1 dst 10.0.0.2 spi 0x1g " AES SHA, "0x1g", "SPI" },
	{ 20, "src 10.0.0.1 dst 10.0.0.2 spi 0 " AES SHA, "0", "SPI 1..0xffffffff" },
	{ 21, "src 10.0.0.1 dst 10.0.0.2 spi 0x100000000 " AES SHA, "0x100000000", "SPI" },
	{ 22, "src 10.0.0.1 dst 10.0.0.2 " AES SHA, "spi", "missing" },
	{ 23, ID SHA, "enc", "missing" },
	{ 24, ID AES, "auth", "missing" },
	{ 25, "dst 10.0.0.2 spi 1 " AES SHA, "src", "missing" },
	{ 26, ID AES SHA " encap espinudp-nonike 4500 4500", "espinudp-nonike", "expected espinudp" },
	{ 27, ID AES SHA " encap espinudp 70000 4500", "70000", "port" },
	{ 28, ID AES SHA " encap espinudp 4500", "encap espinudp", "missing value" },
	{ 29, ID AES SHA " replay-window 50", "50", "multiple of 32" },
	{ 30, ID AES SHA " replay-window 2048", "2048", "multiple of 32" },
	{ 31, ID AES SHA " ttl 256", "256", "TTL 0..255" },
	{ 32, ID AES SHA " lifetime-kb 10", "lifetime-kb", "missing value" },
	{ 33, ID AES SHA " lifetime-kb 300 200", "lifetime-kb", "soft 300 is above hard 200" },
	{ 34, ID AES SHA " flag esn", "esn", "not supported" },
	{ 35, ID AES SHA " flag nosuch", "nosuch", "unknown flag" },
	{ 36, ID AES SHA " spi 2", "spi", "given twice" },
	{ 37, ID AES SHA " auth-trunc hmac(md5) " K16 " 96", "auth-trunc", "given twice" },
	/* outbound tunnel needs endpoints: libespfab's check catches 0.0.0.0 */
	{ 38, "src 0.0.0.0 dst 10.0.0.2 spi 1 mode tunnel " AES SHA, "tun_src/tun_dst", "both endpoints" },
	{ 39, ID AES SHA " aead rfc4106(gcm(aes)) " K20 " 128", "aead", "unknown token" },
	/* a stray key-like word is not echoed */
	{ 40, ID AES SHA " " K32, "<hex value>", "unknown token" },
	{ 41, ID "enc \"cbc(aes) " K16 " " SHA, "\"", "unterminated quote" },
	{ 42, ID AES SHA " encap espinudp 0 4500", "0", "port" },
	{ 43, ID "enc cbc(aes) 0x " SHA, "cbc(aes) key", "expected 0x followed by hex digits" },
};

static void test_invalid(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
		const struct invalid_case *c = &invalid[i];
		espfab_sa_t sa, zero;
		char err[XFRM_SA_ERR_LEN] = "", want[96];
		memset(&zero, 0, sizeof zero);
		memset(&sa, 0x5a, sizeof sa);
		int rc = xfrm_sa_parse(c->text, OUT, &sa, NULL, err, sizeof err);
		snprintf(want, sizeof want, "%s: ", c->token);
		if (rc != -1 || strncmp(err, want, strlen(want)) || !strstr(err, c->also))
			fail_msg("case %d: rc %d message '%s', expected '%s...%s'", c->n, rc, err, want, c->also);
		if (strchr(err, '\n') || strstr(err, "00112233") || strstr(err, "0123456789"))
			fail_msg("case %d: message has a newline or key material: '%s'", c->n, err);
		if (memcmp(&sa, &zero, sizeof sa))
			fail_msg("case %d: SA not wiped after an error", c->n);
	}
}

struct num_case {
	int n;
	const char *s;
	uint64_t max;
	int rc;
	uint64_t v;
};

static const struct num_case nums[] = {
	{ 1, "0", 10, 0, 0 },	       { 2, "10", 10, 0, 10 },		 { 3, "11", 10, -1, 0 },
	{ 4, "0x0a", 10, 0, 10 },      { 5, "0x", 10, -1, 0 },		 { 6, "", 10, -1, 0 },
	{ 7, "-1", 10, -1, 0 },	       { 8, "+1", 10, -1, 0 },		 { 9, "1 ", 10, -1, 0 },
	{ 10, "18446744073709551615", UINT64_MAX, 0, UINT64_MAX },	 { 11, "18446744073709551616", UINT64_MAX, -1, 0 },
	{ 12, "0xffffffffffffffff", UINT64_MAX, 0, UINT64_MAX },	 { 13, "0x10000000000000000", UINT64_MAX, -1, 0 },
};

static void test_numbers_and_addresses(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		uint64_t v = 0;
		int rc = xfrm_parse_uint(nums[i].s, nums[i].max, &v);
		if (rc != nums[i].rc || (rc == 0 && v != nums[i].v))
			fail_msg("number case %d: rc %d v %llu", nums[i].n, rc, (unsigned long long)v);
	}
	static const struct {
		const char *s;
		int rc;
		uint32_t a;
	} addrs[] = {
		{ "0.0.0.0", 0, 0 },	 { "255.255.255.255", 0, 0xffffffffu }, { "10.0.0.1", 0, 0x0a000001u },
		{ "1.2.3", -1, 0 },	 { "1.2.3.4.5", -1, 0 },		  { "1.2.3.256", -1, 0 },
		{ "1..2.3", -1, 0 },	 { "01.2.3.0004", -1, 0 },		  { "a.b.c.d", -1, 0 },
		{ "1.2.3.4 ", -1, 0 },
	};
	for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
		uint32_t a = 0;
		int rc = xfrm_parse_ipv4(addrs[i].s, &a);
		if (rc != addrs[i].rc || (rc == 0 && a != addrs[i].a))
			fail_msg("address case %zu (%s): rc %d a %08x", i + 1, addrs[i].s, rc, a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_keys_and_extra),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_numbers_and_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
