/*
 * ESP transform kernel — the golden model (HLS C).  Owner: H2.
 *
 * Implements esp.h exactly as docs/esp-semantics.md describes: one request
 * in, one completion out, checks in the documented order, the slot's state
 * updated (sequence, replay bitmap, byte count, expiry flags, per-status
 * counters) and the output written only when the status is OK.
 *
 * Errors: every problem with the packet, the request or the SA is reported
 * as a completion status (enum espfab_status); esp_top never fails
 * otherwise.  A slot whose SA carries values the kernel cannot process
 * (unknown cipher, auth, direction, mode or encapsulation) is treated as
 * empty (NO_SA); the driver never installs such an SA.
 *
 * Memory safety whatever the request says: in[] is read only below
 * min(in_len, MAX_FRAME), out[] written only below the completion's out_len,
 * which never exceeds out_cap or MAX_FRAME.  All parsing happens on fixed
 * MAX_FRAME local buffers after explicit length checks, and every loop has a
 * constant bound (synthesizable subset: no malloc, no recursion, labelled
 * loops, debug output only outside synthesis).
 */
#include "esp.h"

#ifndef __SYNTHESIS__
#ifdef ESP_DEBUG
#include <stdio.h>
#define ESP_TRACE(...) fprintf(stderr, "esp: " __VA_ARGS__)
#endif
#endif
#ifndef ESP_TRACE
#define ESP_TRACE(...) ((void)0)
#endif

#define IP_HDR_MIN   20u
#define IP_HDR_MAX   60u
#define UDP_HDR      8u
#define ESP_HDR      8u
#define PROTO_IPIP   4u
#define PROTO_UDP    17u
#define PROTO_ESP    50u
#define DEFAULT_TTL  64u
#define MAX_PAD      255u
#define SEQ_LAST     0xffffffffu

/* ---- bounded byte access ------------------------------------------------ */

static uint8_t get8(const uint8_t b[ESPFAB_MAX_FRAME], unsigned off)
{
	return off < ESPFAB_MAX_FRAME ? b[off] : 0;
}

static unsigned get16(const uint8_t b[ESPFAB_MAX_FRAME], unsigned off)
{
	return ((unsigned)get8(b, off) << 8) | get8(b, off + 1);
}

static uint32_t get32(const uint8_t b[ESPFAB_MAX_FRAME], unsigned off)
{
	return ((uint32_t)get16(b, off) << 16) | get16(b, off + 2);
}

static void put8(uint8_t b[ESPFAB_MAX_FRAME], unsigned off, unsigned v)
{
	if (off < ESPFAB_MAX_FRAME)
		b[off] = (uint8_t)v;
}

static void put16(uint8_t b[ESPFAB_MAX_FRAME], unsigned off, unsigned v)
{
	put8(b, off, v >> 8);
	put8(b, off + 1, v);
}

static void put32(uint8_t b[ESPFAB_MAX_FRAME], unsigned off, uint32_t v)
{
	put16(b, off, v >> 16);
	put16(b, off + 2, v & 0xffffu);
}

/* dst[doff..doff+n) = src[soff..soff+n), both clipped to MAX_FRAME. */
static void copy_bytes(uint8_t dst[ESPFAB_MAX_FRAME], unsigned doff, const uint8_t src[ESPFAB_MAX_FRAME],
		       unsigned soff, unsigned n)
{
copy_loop:
	for (unsigned i = 0; i < ESPFAB_MAX_FRAME; i++) {
#pragma HLS PIPELINE II = 1
		if (i >= n)
			break;
		if (doff + i < ESPFAB_MAX_FRAME && soff + i < ESPFAB_MAX_FRAME)
			dst[doff + i] = src[soff + i];
	}
}

/* IPv4 header checksum of b[off..off+hlen), checksum field taken as zero. */
static unsigned ip_checksum(const uint8_t b[ESPFAB_MAX_FRAME], unsigned off, unsigned hlen)
{
	uint32_t sum = 0;
csum_loop:
	for (unsigned w = 0; w < IP_HDR_MAX / 2; w++) {
#pragma HLS PIPELINE II = 1
		if (2 * w >= hlen)
			break;
		if (w != 5) /* bytes 10..11: the checksum field */
			sum += get16(b, off + 2 * w);
	}
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (~sum) & 0xffffu;
}

/* ---- replay bitmap ------------------------------------------------------ */

static unsigned replay_test(const uint32_t bm[ESPFAB_REPLAY_WORDS], uint32_t d)
{
	if (d >= ESPFAB_REPLAY_MAX)
		return 0;
	return (bm[d / 32] >> (d % 32)) & 1u;
}

static void replay_set(uint32_t bm[ESPFAB_REPLAY_WORDS], uint32_t d)
{
	if (d < ESPFAB_REPLAY_MAX)
		bm[d / 32] |= 1u << (d % 32);
}

/* Bit i moves to bit i + s; bits reaching REPLAY_MAX fall off. */
static void replay_shift(uint32_t bm[ESPFAB_REPLAY_WORDS], uint32_t s)
{
	uint32_t old[ESPFAB_REPLAY_WORDS];
	unsigned ws = s >= ESPFAB_REPLAY_MAX ? ESPFAB_REPLAY_WORDS : s / 32;
	unsigned bs = s % 32;

shift_save:
	for (unsigned w = 0; w < ESPFAB_REPLAY_WORDS; w++) {
#pragma HLS UNROLL
		old[w] = bm[w];
	}
shift_loop:
	for (unsigned w = 0; w < ESPFAB_REPLAY_WORDS; w++) {
#pragma HLS UNROLL
		uint32_t v = 0;
		if (w >= ws) {
			v = old[w - ws] << bs;
			if (bs != 0 && w >= ws + 1)
				v |= old[w - ws - 1] >> (32 - bs);
		}
		bm[w] = v;
	}
}

/* ---- SA sanity (what the datapath needs to not misbehave) --------------- */

static int sa_usable(const espfab_sa_t *sa)
{
	return sa->valid != 0 && sa->dir < ESPFAB_DIR_LIMIT && sa->mode < ESPFAB_MODE_LIMIT &&
	       sa->encap < ESPFAB_ENCAP_LIMIT && cbc_block_len(sa->cipher) != 0 &&
	       hmac_digest_len(sa->auth) >= ESPFAB_ICV_LEN;
}

/* ---- outbound ----------------------------------------------------------- */

/* Encapsulate ib[0..in_len) into ob; returns a status.  *seq_out receives
 * the sequence number once assigned, *out_len and *bytes only on OK. */
static unsigned esp_outbound(const espfab_sa_t *sa, const esp_ctx_t *ctx, espfab_sa_state_t *st,
			     const espfab_req_t *req, const uint8_t ib[ESPFAB_MAX_FRAME], unsigned in_len,
			     uint8_t ob[ESPFAB_MAX_FRAME], unsigned *out_len, uint32_t *seq_out, unsigned *bytes)
{
	uint8_t pt[ESPFAB_MAX_FRAME];
	uint8_t ct[ESPFAB_MAX_FRAME];
	uint8_t msg[ESPFAB_MAX_FRAME];
	uint8_t iv[ESPFAB_IV_MAX];
	uint8_t dig[HMAC_MAX_DIGEST];
	const unsigned B = cbc_block_len(sa->cipher);
	const int transport = sa->mode == ESPFAB_MODE_TRANSPORT;
	const int udp = sa->encap == ESPFAB_ENCAP_UDP;

	/* IPv4 header of the input */
	if (in_len < IP_HDR_MIN)
		return ESPFAB_STATUS_LENGTH;
	if ((get8(ib, 0) >> 4) != 4)
		return ESPFAB_STATUS_PROTO;
	const unsigned H = (get8(ib, 0) & 0x0fu) * 4u;
	const unsigned T = get16(ib, 2);
	if (H < IP_HDR_MIN || T < H || T > in_len)
		return ESPFAB_STATUS_LENGTH;

	/* sequence number */
	if (st->seq == SEQ_LAST)
		return ESPFAB_STATUS_SEQ_OVERFLOW;
	const uint32_t seq = st->seq + 1u;
	*seq_out = seq;

	/* sizes */
	const unsigned poff = transport ? H : 0u;
	const unsigned plen = T - poff;
	const unsigned nh = transport ? get8(ib, 9) : PROTO_IPIP;
	const unsigned pad = (B - (plen + 2u) % B) % B;
	const unsigned clen = plen + pad + 2u;
	const unsigned esp_len = ESP_HDR + B + clen + ESPFAB_ICV_LEN;
	const unsigned hdr_len = transport ? H : IP_HDR_MIN;
	const unsigned udp_len = udp ? UDP_HDR : 0u;
	const unsigned total = hdr_len + udp_len + esp_len;
	if (total > req->out_cap || total > ESPFAB_MAX_FRAME)
		return ESPFAB_STATUS_TOO_BIG;

	/* plaintext: payload | 1, 2, .. pad | pad | nh */
	copy_bytes(pt, 0, ib, poff, plen);
pad_fill:
	for (unsigned i = 0; i < MAX_PAD; i++) {
#pragma HLS PIPELINE II = 1
		if (i >= pad)
			break;
		put8(pt, plen + i, i + 1u);
	}
	put8(pt, plen + pad, pad);
	put8(pt, plen + pad + 1u, nh);

	/* encrypt */
iv_copy:
	for (unsigned i = 0; i < ESPFAB_IV_MAX; i++) {
#pragma HLS UNROLL
		iv[i] = req->iv[i];
	}
	cbc_encrypt(&ctx->cbc, iv, pt, ct, clen);

	/* authenticated region: SPI | seq | IV | ciphertext */
	put32(msg, 0, sa->spi);
	put32(msg, 4, seq);
iv_put:
	for (unsigned i = 0; i < ESPFAB_IV_MAX; i++) {
#pragma HLS UNROLL
		if (i < B)
			put8(msg, ESP_HDR + i, iv[i]);
	}
	copy_bytes(msg, ESP_HDR + B, ct, 0, clen);
	hmac_compute(&ctx->mac, msg, ESP_HDR + B + clen, dig);

	/* outer IPv4 header */
	const unsigned proto = udp ? PROTO_UDP : PROTO_ESP;
	if (transport) {
		copy_bytes(ob, 0, ib, 0, H);
		put16(ob, 2, total);
		put8(ob, 9, proto);
	} else {
		put8(ob, 0, 0x45);
		put8(ob, 1, get8(ib, 1));
		put16(ob, 2, total);
		put16(ob, 4, seq & 0xffffu);
		put8(ob, 6, get8(ib, 6) & 0x40u); /* DF only, offset 0 */
		put8(ob, 7, 0);
		put8(ob, 8, sa->ttl != 0 ? sa->ttl : DEFAULT_TTL);
		put8(ob, 9, proto);
		put32(ob, 12, sa->tun_src);
		put32(ob, 16, sa->tun_dst);
	}
	put16(ob, 10, ip_checksum(ob, 0, hdr_len));

	/* UDP header (RFC 3948), checksum 0 */
	if (udp) {
		put16(ob, hdr_len, sa->sport);
		put16(ob, hdr_len + 2, sa->dport);
		put16(ob, hdr_len + 4, UDP_HDR + esp_len);
		put16(ob, hdr_len + 6, 0);
	}

	/* ESP: header, IV, ciphertext, ICV */
	const unsigned e = hdr_len + udp_len;
	copy_bytes(ob, e, msg, 0, ESP_HDR + B + clen);
icv_put:
	for (unsigned i = 0; i < ESPFAB_ICV_LEN; i++) {
#pragma HLS UNROLL
		put8(ob, e + ESP_HDR + B + clen + i, dig[i]);
	}

	st->seq = seq;
	*out_len = total;
	*bytes = T;
	return ESPFAB_STATUS_OK;
}

/* ---- inbound ------------------------------------------------------------ */

/* Decapsulate ib[0..in_len) into ob; returns a status.  *spi_out and
 * *seq_out receive the packet's SPI and sequence once its ESP header has been found
 * well-formed; *out_len and *bytes are set only on OK. */
static unsigned esp_inbound(const espfab_sa_t *sa, const esp_ctx_t *ctx, espfab_sa_state_t *st,
			    const espfab_req_t *req, const uint8_t ib[ESPFAB_MAX_FRAME], unsigned in_len,
			    uint8_t ob[ESPFAB_MAX_FRAME], unsigned *out_len, uint32_t *spi_out, uint32_t *seq_out,
			    unsigned *bytes)
{
	uint8_t msg[ESPFAB_MAX_FRAME];
	uint8_t ct[ESPFAB_MAX_FRAME];
	uint8_t pt[ESPFAB_MAX_FRAME];
	uint8_t iv[ESPFAB_IV_MAX];
	uint8_t dig[HMAC_MAX_DIGEST];
	const unsigned B = cbc_block_len(sa->cipher);
	const int transport = sa->mode == ESPFAB_MODE_TRANSPORT;
	const int udp = sa->encap == ESPFAB_ENCAP_UDP;

	/* outer IPv4 header */
	if (in_len < IP_HDR_MIN)
		return ESPFAB_STATUS_LENGTH;
	if ((get8(ib, 0) >> 4) != 4)
		return ESPFAB_STATUS_PROTO;
	const unsigned H = (get8(ib, 0) & 0x0fu) * 4u;
	const unsigned T = get16(ib, 2);
	if (H < IP_HDR_MIN || T < H || T > in_len)
		return ESPFAB_STATUS_LENGTH;
	if (get8(ib, 9) != (udp ? PROTO_UDP : PROTO_ESP))
		return ESPFAB_STATUS_PROTO;

	/* UDP encapsulation */
	unsigned E = H;
	if (udp) {
		if (T - H < UDP_HDR)
			return ESPFAB_STATUS_LENGTH;
		if (get16(ib, H + 4) != T - H)
			return ESPFAB_STATUS_LENGTH;
		/* non-ESP marker (IKE); a payload shorter than the marker
		 * falls through to the ESP length check */
		if (T - H - UDP_HDR >= 4 && get32(ib, H + UDP_HDR) == 0)
			return ESPFAB_STATUS_PROTO;
		E = H + UDP_HDR;
	}

	/* ESP lengths */
	const unsigned L = T - E;
	if (L < ESP_HDR + 2u * B + ESPFAB_ICV_LEN || (L - ESP_HDR - B - ESPFAB_ICV_LEN) % B != 0)
		return ESPFAB_STATUS_LENGTH;
	const uint32_t spi = get32(ib, E);
	const uint32_t seq = get32(ib, E + 4);
	*spi_out = spi;
	*seq_out = seq;
	if (spi != sa->spi)
		return ESPFAB_STATUS_NO_SA;
	if (seq == 0)
		return ESPFAB_STATUS_WINDOW;

	/* anti-replay check */
	const unsigned W = sa->replay_window > ESPFAB_REPLAY_MAX ? ESPFAB_REPLAY_MAX : sa->replay_window;
	const uint32_t top = st->seq;
	if (W != 0 && seq <= top) {
		const uint32_t d = top - seq;
		if (d >= W)
			return ESPFAB_STATUS_WINDOW;
		if (replay_test(st->replay, d))
			return ESPFAB_STATUS_REPLAY;
	}

	/* ICV, compared in constant time */
	const unsigned alen = L - ESPFAB_ICV_LEN;
	copy_bytes(msg, 0, ib, E, alen);
	hmac_compute(&ctx->mac, msg, alen, dig);
	unsigned diff = 0;
icv_cmp:
	for (unsigned i = 0; i < ESPFAB_ICV_LEN; i++) {
#pragma HLS UNROLL
		diff |= (unsigned)(dig[i] ^ get8(ib, E + alen + i));
	}
	if (diff != 0)
		return ESPFAB_STATUS_AUTH;

	/* window update */
	if (seq > top) {
		replay_shift(st->replay, seq - top);
		replay_set(st->replay, 0);
		st->seq = seq;
	} else {
		replay_set(st->replay, top - seq);
	}

	/* decrypt */
	const unsigned clen = L - ESP_HDR - B - ESPFAB_ICV_LEN;
iv_get:
	for (unsigned i = 0; i < ESPFAB_IV_MAX; i++) {
#pragma HLS UNROLL
		iv[i] = i < B ? get8(ib, E + ESP_HDR + i) : 0;
	}
	copy_bytes(ct, 0, ib, E + ESP_HDR + B, clen);
	cbc_decrypt(&ctx->cbc, iv, ct, pt, clen);

	/* padding */
	const unsigned pad = get8(pt, clen - 2u);
	const unsigned nh = get8(pt, clen - 1u);
	if (pad + 2u > clen)
		return ESPFAB_STATUS_PAD;
	const unsigned plen = clen - pad - 2u;
	unsigned bad = 0;
pad_check:
	for (unsigned i = 0; i < MAX_PAD; i++) {
#pragma HLS PIPELINE II = 1
		if (i >= pad)
			break;
		bad |= get8(pt, plen + i) ^ ((i + 1u) & 0xffu);
	}
	if (bad != 0)
		return ESPFAB_STATUS_PAD;

	unsigned olen;
	if (!transport) {
		if (nh != PROTO_IPIP)
			return ESPFAB_STATUS_PROTO;
		if (plen < IP_HDR_MIN || (get8(pt, 0) >> 4) != 4)
			return ESPFAB_STATUS_PROTO;
		const unsigned ih = (get8(pt, 0) & 0x0fu) * 4u;
		const unsigned itl = get16(pt, 2);
		if (ih < IP_HDR_MIN || itl < ih || itl > plen)
			return ESPFAB_STATUS_PROTO;
		olen = itl;
		if (olen > req->out_cap)
			return ESPFAB_STATUS_TOO_BIG;
		copy_bytes(ob, 0, pt, 0, olen);
	} else {
		olen = H + plen;
		if (olen > req->out_cap)
			return ESPFAB_STATUS_TOO_BIG;
		copy_bytes(ob, 0, ib, 0, H);
		put16(ob, 2, olen);
		put8(ob, 9, nh);
		put16(ob, 10, ip_checksum(ob, 0, H));
		copy_bytes(ob, H, pt, 0, plen);
	}
	*out_len = olen;
	*bytes = olen;
	return ESPFAB_STATUS_OK;
}

/* ---- tops ---------------------------------------------------------------- */

int esp_sa_setup(const espfab_sa_t *sa, esp_ctx_t *ctx)
{
#pragma HLS INTERFACE m_axi port = sa offset = slave bundle = gmem0
#pragma HLS INTERFACE m_axi port = ctx offset = slave bundle = gmem1
#pragma HLS INTERFACE s_axilite port = return bundle = control
	int rc = 0;
	if (sa->enc_key_len > ESPFAB_ENC_KEY_MAX || sa->auth_key_len > ESPFAB_AUTH_KEY_MAX)
		rc = -1;
	if (rc == 0 && cbc_key_setup(&ctx->cbc, sa->cipher, sa->enc_key, sa->enc_key_len) != 0)
		rc = -1;
	if (rc == 0 && (hmac_digest_len(sa->auth) < ESPFAB_ICV_LEN || sa->auth_key_len == 0 ||
			hmac_key_setup(&ctx->mac, sa->auth, sa->auth_key, sa->auth_key_len) != 0))
		rc = -1;
	if (rc != 0) {
		volatile uint8_t *p = (volatile uint8_t *)ctx;
	ctx_wipe:
		for (unsigned i = 0; i < sizeof(*ctx); i++)
			p[i] = 0;
		ESP_TRACE("sa_setup: unsupported cipher %u/%u or auth %u/%u\n", sa->cipher, sa->enc_key_len,
			  sa->auth, sa->auth_key_len);
	}
	return rc;
}

void esp_top(const espfab_sa_t sa_table[ESPFAB_SA_SLOTS_MAX], const esp_ctx_t ctx_table[ESPFAB_SA_SLOTS_MAX],
	     espfab_sa_state_t state_table[ESPFAB_SA_SLOTS_MAX], const espfab_req_t *req,
	     const uint8_t in[ESPFAB_MAX_FRAME], uint8_t out[ESPFAB_MAX_FRAME], espfab_cpl_t *cpl)
{
#pragma HLS INTERFACE m_axi port = sa_table offset = slave bundle = gmem0
#pragma HLS INTERFACE m_axi port = ctx_table offset = slave bundle = gmem0
#pragma HLS INTERFACE m_axi port = state_table offset = slave bundle = gmem1
#pragma HLS INTERFACE m_axi port = in offset = slave bundle = gmem2 depth = 2048
#pragma HLS INTERFACE m_axi port = out offset = slave bundle = gmem3 depth = 2048
#pragma HLS INTERFACE s_axilite port = req bundle = control
#pragma HLS INTERFACE s_axilite port = cpl bundle = control
#pragma HLS INTERFACE s_axilite port = return bundle = control
	uint8_t ib[ESPFAB_MAX_FRAME];
	uint8_t ob[ESPFAB_MAX_FRAME];
	espfab_cpl_t c = {0};
	const uint32_t slot = req->slot;

	c.cookie = req->cookie;
	c.slot = slot;
	c.status = ESPFAB_STATUS_NO_SA;

	if (slot >= ESPFAB_SA_SLOTS_MAX || !sa_usable(&sa_table[slot])) {
		ESP_TRACE("slot %u: no SA\n", slot);
		*cpl = c;
		return;
	}
	const espfab_sa_t sa = sa_table[slot];
	espfab_sa_state_t st = state_table[slot];
	const esp_ctx_t *ctx = &ctx_table[slot];
	const unsigned in_len = req->in_len;
	unsigned status;
	unsigned out_len = 0;
	unsigned bytes = 0;
	uint32_t spi = 0;
	uint32_t seq = 0;

	if (req->op >= ESPFAB_OP_LIMIT ||
	    (req->op == ESPFAB_OP_ENCAP) != (sa.dir == ESPFAB_DIR_OUT)) {
		status = ESPFAB_STATUS_BAD_REQUEST;
	} else {
		if (req->op == ESPFAB_OP_ENCAP)
			spi = sa.spi;
		if (in_len > ESPFAB_MAX_FRAME) {
			status = ESPFAB_STATUS_TOO_BIG;
		} else if (st.hard_expired) {
			status = ESPFAB_STATUS_LIFETIME;
		} else {
		in_copy:
			for (unsigned i = 0; i < ESPFAB_MAX_FRAME; i++) {
#pragma HLS PIPELINE II = 1
				ib[i] = i < in_len ? in[i] : 0;
			}
			if (req->op == ESPFAB_OP_ENCAP)
				status = esp_outbound(&sa, ctx, &st, req, ib, in_len, ob, &out_len, &seq, &bytes);
			else
				status = esp_inbound(&sa, ctx, &st, req, ib, in_len, ob, &out_len, &spi, &seq,
						     &bytes);
		}
	}

	if (status == ESPFAB_STATUS_OK) {
		st.bytes += bytes;
		if (sa.life_soft_kb != 0 && st.bytes >= (uint64_t)sa.life_soft_kb * 1024u)
			st.soft_expired = 1;
		if (sa.life_hard_kb != 0 && st.bytes >= (uint64_t)sa.life_hard_kb * 1024u)
			st.hard_expired = 1;
	} else {
		out_len = 0;
	}
	st.count[status] += 1;
	state_table[slot] = st;

out_copy:
	for (unsigned i = 0; i < ESPFAB_MAX_FRAME; i++) {
#pragma HLS PIPELINE II = 1
		if (i >= out_len)
			break;
		out[i] = ob[i];
	}

	c.spi = spi;
	c.seq = seq;
	c.out_len = (uint16_t)out_len;
	c.status = (uint8_t)status;
	c.flags = (uint8_t)((st.soft_expired ? 1u << ESPFAB_CPLFLAG_SOFT_EXPIRED : 0u) |
			    (st.hard_expired ? 1u << ESPFAB_CPLFLAG_HARD_EXPIRED : 0u));
	ESP_TRACE("slot %u op %u: %s len %u\n", slot, req->op, espfab_status_name(status), out_len);
	*cpl = c;
}
