/*
 * ESP transform (RFC 4303 framing, RFC 2406 semantics as IOS uses them) —
 * HLS kernel and the bit-exact golden model for the RTL.
 *
 * Two top functions:
 *   esp_sa_setup — run once when the host writes an SA into a slot: key
 *                  schedule and HMAC inner/outer states into the slot's
 *                  context (the fabric's key RAM).
 *   esp_top      — one request: SA fetch from the table, outbound or inbound
 *                  ESP, state/counter update, completion record.
 *
 * Semantics (the contract every engine follows; see docs/esp-semantics.md):
 *  outbound: input is an IPv4 packet (total length <= in_len; trailing
 *    bytes ignored).
 *    tunnel: outer IPv4 header (TOS and DF copied from the inner header,
 *    TTL from the SA (0 = 64), ID = low 16 bits of the sequence number,
 *    protocol 50 or 17), next header 4.  transport: the packet's own header
 *    (options kept) with protocol 50/17, total length and checksum fixed;
 *    next header = original protocol.  UDP encapsulation inserts an 8-byte
 *    UDP header (SA ports, checksum 0).  Padding is RFC 4303's 1, 2, 3, ...
 *    to the cipher block; the IV comes from the request; ICV is HMAC-96 over
 *    ESP header, IV and ciphertext.  Sequence numbers start at 1; the one
 *    after 0xffffffff is refused (SEQ_OVERFLOW).
 *  inbound: IPv4 header checked (version, IHL, total length <= in_len;
 *    bytes past total length are ignored), protocol 50 (or 17 with the SA's
 *    UDP encapsulation), SPI must match the SA, sequence 0 refused as
 *    WINDOW, replay check, constant-time ICV check, window updated only
 *    after the ICV verifies, decryption, pad length and pad bytes checked,
 *    tunnel mode requires next header 4 and a well-formed inner IPv4 header
 *    whose total length fits the payload.
 *  both: a slot whose byte count has reached the hard lifetime refuses the
 *    packet (LIFETIME); bytes counted are the plaintext IP packet's; soft
 *    and hard expiry set flags in the completion and the state.  Every
 *    completion for a valid slot increments state.count[status].
 */
#ifndef HLS_ESP_H
#define HLS_ESP_H

#include <stdint.h>

#include "espfab_contract.h"
#include "../cbc/cbc.h"
#include "../hmac/hmac.h"

typedef struct esp_ctx {
	cbc_key_t cbc;
	hmac_key_t mac;
} esp_ctx_t;

/* Derive the slot context from sa.  Returns 0, or -1 if sa's cipher, auth or
 * key lengths are not supported (ctx is then zeroed). */
int esp_sa_setup(const espfab_sa_t *sa, esp_ctx_t *ctx);

/* Process req against sa_table[req->slot].  in[] holds req->in_len bytes;
 * out[] receives at most req->out_cap bytes.  Always writes *cpl. */
void esp_top(const espfab_sa_t sa_table[ESPFAB_SA_SLOTS_MAX], const esp_ctx_t ctx_table[ESPFAB_SA_SLOTS_MAX],
	     espfab_sa_state_t state_table[ESPFAB_SA_SLOTS_MAX], const espfab_req_t *req,
	     const uint8_t in[ESPFAB_MAX_FRAME], uint8_t out[ESPFAB_MAX_FRAME], espfab_cpl_t *cpl);

#endif
