/*
 * C-simulation testbench for the ESP kernel (hls/esp).  Owner: H2.
 *
 * 1. RFC 3602 section 4, Cases #5..#8: AES-CBC-128 ESP packets (transport
 *    ICMP payloads and tunnelled IPv4 packets) given as key, IV, payload and
 *    the resulting SPI | seq | IV | ciphertext.  The RFC's packets carry no
 *    ICV; the testbench checks the model's bytes up to the ICV, then that
 *    an inbound SA with the same keys restores the input.
 * 2. Hand-built SAs (DES/MD5, 3DES/SHA1, AES-256/SHA1; tunnel, transport,
 *    UDP encapsulation) through both directions with header fields checked.
 *
 * Runs from the repository root, prints one line per case and a summary
 * last; exits non-zero on any mismatch.
 */
#include <stdio.h>
#include <string.h>

#include "esp/esp.h"

static espfab_sa_t sa_table[ESPFAB_SA_SLOTS_MAX];
static esp_ctx_t ctx_table[ESPFAB_SA_SLOTS_MAX];
static espfab_sa_state_t state_table[ESPFAB_SA_SLOTS_MAX];
static int failures;

#define CHECK(cond, ...)                                                                                   \
	do {                                                                                               \
		if (!(cond)) {                                                                             \
			printf("FAIL %s:%d: ", __FILE__, __LINE__);                                        \
			printf(__VA_ARGS__);                                                               \
			printf("\n");                                                                      \
			failures++;                                                                        \
		}                                                                                          \
	} while (0)

static unsigned hex2bin(const char *hex, uint8_t *out, unsigned cap)
{
	unsigned n = 0;
	for (; hex[0] && hex[1] && n < cap; hex += 2) {
		unsigned v;
		if (sscanf(hex, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
	}
	return n;
}

static unsigned rd16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static unsigned csum(const uint8_t *h, unsigned len)
{
	uint32_t s = 0;
	for (unsigned i = 0; i + 1 < len; i += 2)
		s += rd16(h + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

/* IPv4 header of `hlen` bytes for a packet of total length tl. */
static void ip_header(uint8_t *p, unsigned hlen, unsigned tl, unsigned proto, uint32_t src, uint32_t dst)
{
	memset(p, 0, hlen);
	p[0] = (uint8_t)(0x40 | hlen / 4);
	p[1] = 0x10;
	p[2] = (uint8_t)(tl >> 8);
	p[3] = (uint8_t)tl;
	p[4] = 0x12;
	p[5] = 0x34;
	p[6] = 0x40;
	p[8] = 31;
	p[9] = (uint8_t)proto;
	for (int i = 0; i < 4; i++) {
		p[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		p[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	for (unsigned i = 20; i < hlen; i++)
		p[i] = 1; /* NOP options */
	unsigned c = csum(p, hlen);
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
}

static void install(uint32_t slot, const espfab_sa_t *sa)
{
	sa_table[slot] = *sa;
	sa_table[slot].valid = 1;
	memset(&state_table[slot], 0, sizeof state_table[slot]);
	if (esp_sa_setup(sa, &ctx_table[slot]) != 0) {
		printf("FAIL esp_sa_setup refused slot %u\n", slot);
		failures++;
	}
}

static espfab_cpl_t run(uint32_t slot, uint8_t op, const uint8_t *in, unsigned in_len, uint8_t *out,
			unsigned out_cap, const uint8_t *iv)
{
	static uint8_t ib[ESPFAB_MAX_FRAME], ob[ESPFAB_MAX_FRAME];
	espfab_req_t req;
	espfab_cpl_t cpl;
	memset(&req, 0, sizeof req);
	req.cookie = 0xc0ffee00u + slot;
	req.slot = slot;
	req.op = op;
	req.in_len = (uint16_t)in_len;
	req.out_cap = (uint16_t)out_cap;
	if (iv)
		memcpy(req.iv, iv, ESPFAB_IV_MAX);
	memset(ib, 0, sizeof ib);
	memcpy(ib, in, in_len);
	memset(ob, 0, sizeof ob);
	esp_top(sa_table, ctx_table, state_table, &req, ib, ob, &cpl);
	if (cpl.status == ESPFAB_STATUS_OK)
		memcpy(out, ob, cpl.out_len);
	CHECK(cpl.cookie == req.cookie, "cookie not returned");
	return cpl;
}

/* ---- RFC 3602 section 4, Cases #5..#8 ------------------------------------ */

struct rfc_case {
	int number;
	const char *key;
	uint32_t spi;
	uint32_t seq;
	uint8_t nh; /* 1: ICMP in transport mode; 4: IPv4 in tunnel mode */
	const char *payload;
	const char *esp; /* SPI | seq | IV | ciphertext */
};

static const struct rfc_case rfc3602[] = {
	{ 5, "90d382b410eeba7ad938c46cec1a82bf", 0x4321, 1, 1,
	  "08000ebda70a00008e9c083db95b070008090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	  "202122232425262728292a2b2c2d2e2f3031323334353637",
	  "0000432100000001e96e8c08ab465763fd098d45dd3ff893f663c25d325c18c6a9453e194e120849"
	  "a4870b66cc6b9965330013b4898dc856a4699e523a55db080b59ec3a8e4b7e52775b07d1db34ed9c"
	  "538ab50c551b874aa269add047ad2d5913ac19b7cfbad4a6" },
	{ 6, "90d382b410eeba7ad938c46cec1a82bf", 0x4321, 8, 1,
	  "0800b5e8a80a0500a69c083d0b660e00777777777777777777777777",
	  "000043210000000869d08df7d203329db093fc4924e5bd80f51995881ec4e0c4488987ce742e8109"
	  "689bb379d2d750c0d915dca346a89f75" },
	{ 7, "0123456789abcdef0123456789abcdef", 0x8765, 2, 4,
	  "45000054090400004001f988c0a87b03c0a87bc808009f76a90a0100b49c083d02a2040008090a0b"
	  "0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233"
	  "34353637",
	  "0000876500000002f4e765244f6407adf13dc1380f673f37773b5241a4c449225e4f3ce5ed611b0c"
	  "237ca96cf74a93013c1b0ea1a0cf70f8e4ecaec78ac53aad7a0f022b859243c647752e94a859352b"
	  "8a4d4d2decd136e5c177f132ad3fbfb2201ac9904c74ee0a109e0ca1e4dfe9d5a100b842f1c22f0d" },
	{ 8, "0123456789abcdef0123456789abcdef", 0x8765, 5, 4,
	  "45000044090c00004001f990c0a87b03c0a87bc80800d63caa0a0200c69c083da3de0300ffffffff"
	  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	  "000087650000000585d47224b5f3dd5d2101d4ea8dffab2215b92683819596a8047232cc00f7048f"
	  "e45318e11f8a0f62ede3c3fc61203bb50f980a08c9843fd3a1b06d5c07ff9639b7eb7dfb3512e5de"
	  "435e7207ed971ef3d2726d9b5ef6affc6d17a0decbb13892" },
};

static void rfc3602_case(const struct rfc_case *c)
{
	uint8_t key[16], payload[256], esp[512], in[512], out[ESPFAB_MAX_FRAME], back[ESPFAB_MAX_FRAME];
	uint8_t iv[ESPFAB_IV_MAX];
	unsigned klen = hex2bin(c->key, key, sizeof key);
	unsigned plen = hex2bin(c->payload, payload, sizeof payload);
	unsigned elen = hex2bin(c->esp, esp, sizeof esp);
	const int tunnel = c->nh == 4;
	const int before = failures;
	espfab_sa_t sa;

	memset(&sa, 0, sizeof sa);
	sa.spi = c->spi;
	sa.dir = ESPFAB_DIR_OUT;
	sa.mode = tunnel ? ESPFAB_MODE_TUNNEL : ESPFAB_MODE_TRANSPORT;
	sa.cipher = ESPFAB_CIPHER_AES;
	sa.enc_key_len = (uint8_t)klen;
	memcpy(sa.enc_key, key, klen);
	sa.auth = ESPFAB_AUTH_SHA1;
	sa.auth_key_len = 20;
	memset(sa.auth_key, 0x5a, 20);
	sa.tun_src = 0xc0a87b03; /* the RFC's 192.168.123.3 -> .100 */
	sa.tun_dst = 0xc0a87b64;
	sa.replay_window = 64;
	install(1, &sa);
	sa.dir = ESPFAB_DIR_IN;
	install(2, &sa);
	state_table[1].seq = c->seq - 1;

	/* the model's input */
	unsigned in_len;
	if (tunnel) {
		memcpy(in, payload, plen);
		in_len = plen;
	} else {
		ip_header(in, 20, 20 + plen, c->nh, 0xc0a87b03, 0xc0a87b64);
		memcpy(in + 20, payload, plen);
		in_len = 20 + plen;
	}
	memset(iv, 0, sizeof iv);
	memcpy(iv, esp + 8, 16);

	espfab_cpl_t cpl = run(1, ESPFAB_OP_ENCAP, in, in_len, out, sizeof out, iv);
	CHECK(cpl.status == ESPFAB_STATUS_OK, "case #%d: encap status %s", c->number,
	      espfab_status_name(cpl.status));
	CHECK(cpl.out_len == 20 + elen + ESPFAB_ICV_LEN, "case #%d: out_len %u, expected %u", c->number,
	      cpl.out_len, 20 + elen + ESPFAB_ICV_LEN);
	CHECK(cpl.spi == c->spi && cpl.seq == c->seq, "case #%d: cpl spi/seq %x/%u", c->number, cpl.spi, cpl.seq);
	if (cpl.status == ESPFAB_STATUS_OK && cpl.out_len == 20 + elen + ESPFAB_ICV_LEN) {
		CHECK(memcmp(out + 20, esp, elen) == 0, "case #%d: ESP bytes differ from RFC 3602", c->number);
		CHECK(out[9] == 50, "case #%d: outer protocol %u", c->number, out[9]);
		CHECK(rd16(out + 2) == cpl.out_len, "case #%d: outer total length", c->number);
		CHECK(csum(out, 20) == 0, "case #%d: outer header checksum", c->number);
	}

	/* and back */
	espfab_cpl_t dc = run(2, ESPFAB_OP_DECAP, out, cpl.out_len, back, sizeof back, NULL);
	CHECK(dc.status == ESPFAB_STATUS_OK, "case #%d: decap status %s", c->number, espfab_status_name(dc.status));
	CHECK(dc.out_len == in_len && memcmp(back, in, in_len) == 0, "case #%d: decap does not restore the input",
	      c->number);
	CHECK(dc.spi == c->spi && dc.seq == c->seq, "case #%d: decap spi/seq", c->number);
	printf("%s RFC 3602 case #%d (%s, %u-byte payload)\n", failures == before ? "ok  " : "FAIL", c->number,
	       tunnel ? "tunnel" : "transport", plen);
}

/* ---- hand-built SAs ------------------------------------------------------ */

struct sa_case {
	const char *name;
	uint8_t cipher, key_len, auth, auth_len, mode, encap, ttl;
	unsigned ihl_bytes; /* input header length (options in transport mode) */
	unsigned payload;   /* bytes after the input header */
};

static const struct sa_case sa_cases[] = {
	{ "DES/MD5 transport", ESPFAB_CIPHER_DES, 8, ESPFAB_AUTH_MD5, 16, ESPFAB_MODE_TRANSPORT, ESPFAB_ENCAP_NONE, 0, 20, 37 },
	{ "DES/MD5 transport+UDP, options", ESPFAB_CIPHER_DES, 8, ESPFAB_AUTH_MD5, 16, ESPFAB_MODE_TRANSPORT, ESPFAB_ENCAP_UDP, 0, 28, 100 },
	{ "3DES/SHA1 tunnel", ESPFAB_CIPHER_3DES, 24, ESPFAB_AUTH_SHA1, 20, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_NONE, 0, 20, 1000 },
	{ "3DES/MD5 tunnel+UDP", ESPFAB_CIPHER_3DES, 24, ESPFAB_AUTH_MD5, 16, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_UDP, 17, 20, 6 },
	{ "AES-256/SHA1 tunnel+UDP", ESPFAB_CIPHER_AES, 32, ESPFAB_AUTH_SHA1, 20, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_UDP, 200, 24, 1400 },
	{ "AES-192/SHA1 transport", ESPFAB_CIPHER_AES, 24, ESPFAB_AUTH_SHA1, 20, ESPFAB_MODE_TRANSPORT, ESPFAB_ENCAP_NONE, 0, 20, 0 },
};

static void sa_case(const struct sa_case *c, unsigned n)
{
	uint8_t in[ESPFAB_MAX_FRAME], out[ESPFAB_MAX_FRAME], back[ESPFAB_MAX_FRAME];
	uint8_t iv[ESPFAB_IV_MAX];
	const int before = failures;
	const int transport = c->mode == ESPFAB_MODE_TRANSPORT;
	const int udp = c->encap == ESPFAB_ENCAP_UDP;
	const unsigned B = c->cipher == ESPFAB_CIPHER_AES ? 16 : 8;
	espfab_sa_t sa;

	memset(&sa, 0, sizeof sa);
	sa.spi = 0x10000 + n;
	sa.dir = ESPFAB_DIR_OUT;
	sa.mode = c->mode;
	sa.cipher = c->cipher;
	sa.enc_key_len = c->key_len;
	sa.auth = c->auth;
	sa.auth_key_len = c->auth_len;
	sa.encap = c->encap;
	sa.ttl = c->ttl;
	sa.replay_window = 128;
	sa.tun_src = 0x0a000001;
	sa.tun_dst = 0x0a000002;
	sa.sport = 4500;
	sa.dport = 4501;
	for (int i = 0; i < ESPFAB_ENC_KEY_MAX; i++)
		sa.enc_key[i] = (uint8_t)(0x31 * i + n);
	for (int i = 0; i < ESPFAB_AUTH_KEY_MAX; i++)
		sa.auth_key[i] = (uint8_t)(0x17 * i + 3 * n);
	install(10 + 2 * n, &sa);
	sa.dir = ESPFAB_DIR_IN;
	install(11 + 2 * n, &sa);

	const unsigned tl = c->ihl_bytes + c->payload;
	ip_header(in, c->ihl_bytes, tl, 6, 0xc0a80001, 0xc0a80002);
	for (unsigned i = c->ihl_bytes; i < tl; i++)
		in[i] = (uint8_t)(i * 7 + n);
	for (unsigned i = 0; i < sizeof iv; i++)
		iv[i] = (uint8_t)(0xa0 + i);

	for (uint32_t round = 1; round <= 3; round++) {
		espfab_cpl_t cpl = run(10 + 2 * n, ESPFAB_OP_ENCAP, in, tl, out, sizeof out, iv);
		const unsigned plen = transport ? c->payload : tl;
		const unsigned pad = (B - (plen + 2) % B) % B;
		const unsigned hdr = transport ? c->ihl_bytes : 20;
		const unsigned esp_len = 8 + B + plen + pad + 2 + 12;
		const unsigned total = hdr + (udp ? 8 : 0) + esp_len;
		CHECK(cpl.status == ESPFAB_STATUS_OK, "%s: encap %s", c->name, espfab_status_name(cpl.status));
		CHECK(cpl.seq == round && cpl.spi == sa.spi, "%s: cpl seq %u", c->name, cpl.seq);
		CHECK(cpl.out_len == total, "%s: out_len %u, expected %u", c->name, cpl.out_len, total);
		if (cpl.status != ESPFAB_STATUS_OK)
			break;
		CHECK(rd16(out + 2) == total && csum(out, hdr) == 0, "%s: outer length/checksum", c->name);
		CHECK(out[9] == (udp ? 17 : 50), "%s: outer protocol %u", c->name, out[9]);
		if (transport) {
			CHECK(memcmp(out + 4, in + 4, 5) == 0 && memcmp(out + 12, in + 12, hdr - 12) == 0,
			      "%s: transport header fields changed", c->name);
		} else {
			CHECK(out[0] == 0x45 && out[1] == in[1], "%s: outer version/TOS", c->name);
			CHECK(rd16(out + 4) == (round & 0xffff), "%s: outer ID %u", c->name, rd16(out + 4));
			CHECK(rd16(out + 6) == 0x4000, "%s: outer flags %04x", c->name, rd16(out + 6));
			CHECK(out[8] == (c->ttl ? c->ttl : 64), "%s: outer TTL %u", c->name, out[8]);
			CHECK(memcmp(out + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8) == 0, "%s: endpoints", c->name);
		}
		const uint8_t *e = out + hdr;
		if (udp) {
			CHECK(rd16(e) == 4500 && rd16(e + 2) == 4501 && rd16(e + 4) == 8 + esp_len &&
				      rd16(e + 6) == 0,
			      "%s: UDP header", c->name);
			e += 8;
		}
		CHECK(rd16(e) == (sa.spi >> 16) && rd16(e + 2) == (sa.spi & 0xffff) && rd16(e + 4) == 0 &&
			      rd16(e + 6) == round,
		      "%s: ESP header", c->name);
		CHECK(memcmp(e + 8, iv, B) == 0, "%s: IV not the request's", c->name);

		espfab_cpl_t dc = run(11 + 2 * n, ESPFAB_OP_DECAP, out, cpl.out_len, back, sizeof back, NULL);
		CHECK(dc.status == ESPFAB_STATUS_OK, "%s: decap %s", c->name, espfab_status_name(dc.status));
		CHECK(dc.out_len == tl && memcmp(back, in, tl) == 0, "%s: round trip differs", c->name);
		CHECK(dc.seq == round, "%s: decap seq", c->name);
		/* the same packet again is a replay */
		dc = run(11 + 2 * n, ESPFAB_OP_DECAP, out, cpl.out_len, back, sizeof back, NULL);
		CHECK(dc.status == ESPFAB_STATUS_REPLAY, "%s: replay gave %s", c->name, espfab_status_name(dc.status));
		iv[0]++;
	}
	const espfab_sa_state_t *so = &state_table[10 + 2 * n], *si = &state_table[11 + 2 * n];
	CHECK(so->seq == 3 && so->count[ESPFAB_STATUS_OK] == 3 && so->bytes == 3ull * tl, "%s: outbound state",
	      c->name);
	CHECK(si->seq == 3 && si->count[ESPFAB_STATUS_OK] == 3 && si->count[ESPFAB_STATUS_REPLAY] == 3 &&
		      si->replay[0] == 7 && si->bytes == 3ull * tl,
	      "%s: inbound state", c->name);
	printf("%s %s\n", failures == before ? "ok  " : "FAIL", c->name);
}

int main(void)
{
	unsigned cases = 0;
	for (unsigned i = 0; i < sizeof rfc3602 / sizeof rfc3602[0]; i++, cases++)
		rfc3602_case(&rfc3602[i]);
	for (unsigned i = 0; i < sizeof sa_cases / sizeof sa_cases[0]; i++, cases++)
		sa_case(&sa_cases[i], i);
	printf("esp_tb: %u cases, %d mismatches\n", cases, failures);
	return failures != 0;
}
