/*
 * ike_keylog.c — the test oracle's key export (espfabd --debug-keys FILE,
 * which needs --test-hooks).  NOT a product feature: it writes the
 * negotiated phase-1 encryption key and every ESP key in clear text, so
 * that tshark can decrypt captures in the e2e tests (docs/ike.md,
 * "Key export for tests").  Nothing here goes to the log; the file is
 * created mode 0600 and appended to, one line per key:
 *
 *   ikev1 ICOOKIEHEX,ENCKEYHEX
 *       an entry of tshark's uat:ikev1_decryption_table (phase 1 complete
 *       keys: written when SKEYID is derived, i.e. before MM5)
 *   esp "IPv4","SRC","DST","0xSPI","ENC-ALG","0xKEY","AUTH-ALG","0xKEY"
 *       an entry of tshark's uat:esp_sa, one per direction of each pair
 *
 * Without the option (params.debug_keys NULL) every function returns at
 * once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ike_int.h"

static void hex(char *out, const uint8_t *b, size_t n)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static void put_line(ike *k, const char *line)
{
	int fd = open(k->p.debug_keys, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		elog_msg(ELOG_ERR, "ESPFAB", "DEBUG_KEYS", "cannot open %s: %s", k->p.debug_keys, strerror(errno));
		return;
	}
	size_t len = strlen(line);
	if (write(fd, line, len) != (ssize_t)len)
		elog_msg(ELOG_ERR, "ESPFAB", "DEBUG_KEYS", "cannot write %s", k->p.debug_keys);
	close(fd);
}

void ike_keylog_p1(struct ike_sa *sa)
{
	ike *k = sa->k;
	if (!k->p.debug_keys || !sa->keys)
		return;
	char ck[2 * ISAKMP_COOKIE_LEN + 1], key[2 * IKE_ENC_KEY_MAX + 1], line[64 + sizeof key];
	hex(ck, sa->icookie, ISAKMP_COOKIE_LEN);
	hex(key, sa->keys->enc_key, sa->keys->key_len);
	snprintf(line, sizeof line, "ikev1 %s,%s\n", ck, key);
	put_line(k, line);
	espfab_wipe(key, sizeof key);
	espfab_wipe(line, sizeof line);
}

static const char *enc_name(uint8_t c)
{
	switch (c) {
	case ESPFAB_CIPHER_DES: return "DES-CBC [RFC2405]";
	case ESPFAB_CIPHER_3DES: return "TripleDES-CBC [RFC2451]";
	case ESPFAB_CIPHER_AES: return "AES-CBC [RFC3602]";
	default: return "NULL";
	}
}

static const char *auth_name(uint8_t a)
{
	switch (a) {
	case ESPFAB_AUTH_MD5: return "HMAC-MD5-96 [RFC2403]";
	case ESPFAB_AUTH_SHA1: return "HMAC-SHA-1-96 [RFC2404]";
	default: return "NULL";
	}
}

static void esp_line(ike *k, uint32_t src, uint32_t dst, uint32_t spi, const struct sadb_pair *p, const uint8_t *enc,
		     const uint8_t *auth)
{
	char s[16], d[16], ek[2 * ESPFAB_ENC_KEY_MAX + 1], ak[2 * ESPFAB_AUTH_KEY_MAX + 1];
	char line[128 + sizeof ek + sizeof ak];
	hex(ek, enc, p->enc_key_len);
	hex(ak, auth, p->auth_key_len);
	snprintf(line, sizeof line, "esp \"IPv4\",\"%s\",\"%s\",\"0x%08x\",\"%s\",\"0x%s\",\"%s\",\"0x%s\"\n",
		 ike_ip(src, s), ike_ip(dst, d), spi, enc_name(p->cipher), ek, auth_name(p->auth), ak);
	put_line(k, line);
	espfab_wipe(ek, sizeof ek);
	espfab_wipe(ak, sizeof ak);
	espfab_wipe(line, sizeof line);
}

void ike_keylog_pair(ike *k, const struct sadb_pair *p)
{
	if (!k->p.debug_keys)
		return;
	esp_line(k, p->local, p->peer, p->spi_out, p, p->enc_out, p->auth_out);
	esp_line(k, p->peer, p->local, p->spi_in, p, p->enc_in, p->auth_in);
}
