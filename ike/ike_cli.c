/*
 * ike_cli.c — the IKE module's commands:
 *
 *   show crypto isakmp sa            IOS 12.4T/15 layout ("IPv4 Crypto ISAKMP SA",
 *                                    dst src state conn-id status), or 12.2's
 *                                    "dst src state conn-id slot" when the config
 *                                    says `version` below 12.4 (seed 000)
 *   show crypto isakmp sa detail     as seed 003
 *   clear crypto isakmp [<1-32767>]  delete ISAKMP SAs (peers get a delete payload)
 *   test crypto initiate WORD <1-65535>
 *                                    TEST ONLY: negotiate for crypto map WORD entry N
 *                                    as an acquire from the data path would
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_int.h"

static const char *encr_text(const struct ike_sa *sa, char *buf, size_t len)
{
	if (sa->encr == IKE_ENCR_AES_CBC && sa->key_bits && sa->key_bits != 128)
		snprintf(buf, len, "aes%u", sa->key_bits);
	else
		snprintf(buf, len, "%s", sa->encr ? ike_encr_name(sa->encr) : "");
	return buf;
}

/* IOS before 12.4 printed `show crypto isakmp sa` as "dst src state conn-id
 * slot", with no IPv4/IPv6 headings and no status column (seed 000, 12.2);
 * later releases print the layout below.  The configuration's `version`
 * line picks (none: the newer one). */
static bool old_layout(const ios_config *cfg)
{
	unsigned maj = 0, min = 0;
	if (!cfg || !cfg->version || sscanf(cfg->version, "%u.%u", &maj, &min) != 2)
		return false;
	return maj < 12 || (maj == 12 && min < 4);
}

void ike_show_sa(ike *k, obuf *out, bool detail)
{
	uint64_t now = evloop_now(k->p.loop);
	bool old = !detail && old_layout(k->cfg);
	if (detail) {
		obuf_puts(out, "Codes: C - IKE configuration mode, D - Dead Peer Detection\n"
			       "       K - Keepalives, N - NAT-traversal\n"
			       "       T - cTCP encapsulation, X - IKE Extended Authentication\n"
			       "       psk - Preshared key, rsig - RSA signature\n"
			       "       renc - RSA encryption\n");
	}
	if (old)
		obuf_puts(out, "dst             src             state          conn-id    slot\n");
	else
		obuf_puts(out, "IPv4 Crypto ISAKMP SA\n");
	if (detail)
		obuf_puts(out, "\nC-id  Local           Remote          I-VRF  Status Encr Hash   Auth DH Lifetime Cap.\n\n");
	else if (!old)
		obuf_puts(out, "dst             src             state          conn-id status\n");
	/* oldest first, as IOS lists them */
	size_t n = 0;
	for (struct ike_sa *s = k->sas; s; s = s->next)
		n++;
	struct ike_sa **v = n ? calloc(n, sizeof *v) : NULL;
	size_t i = 0;
	for (struct ike_sa *s = k->sas; s && v; s = s->next)
		v[n - 1 - i++] = s;
	for (i = 0; v && i < n; i++) {
		const struct ike_sa *s = v[i];
		bool up = s->state == IKE_P1_COMPLETE;
		char a[16], b[16], e[16];
		if (!detail) {
			uint32_t dst = s->initiator ? s->peer : s->local, src = s->initiator ? s->local : s->peer;
			if (old) {
				obuf_printf(out, "%-16s%-16s%-15s%7u%8u\n", ike_ip(dst, a), ike_ip(src, b),
					    ike_p1_show_state(s->state), s->conn_id, 0u);
				continue;
			}
			obuf_printf(out, "%-16s%-16s%-15s%7u %s\n", ike_ip(dst, a), ike_ip(src, b),
				    ike_p1_show_state(s->state), s->conn_id, up ? "ACTIVE" : "");
			continue;
		}
		char life[16] = "";
		if (up && evloop_timer_armed(&s->life_timer)) {
			uint64_t rem = evloop_timer_remaining(k->p.loop, &s->life_timer) / 1000;
			snprintf(life, sizeof life, "%02u:%02u:%02u", (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60),
				 (unsigned)(rem % 60));
		}
		char cap[8] = "";
		size_t c = 0;
		if (s->peer_dpd && k->cfg->dpd_interval)
			cap[c++] = 'D';
		if (s->natt)
			cap[c++] = 'N';
		cap[c] = 0;
		obuf_printf(out, "%-5u %-15s %-15s %-6s %-6s %-4s %-6s %-4s %-2d %-8s %s\n", s->conn_id, ike_ip(s->local, a),
			    ike_ip(s->peer, b), "", up ? "ACTIVE" : ike_p1_show_state(s->state), encr_text(s, e, sizeof e),
			    s->hash ? ike_hash_name(s->hash) : "", s->psk ? "psk" : "", s->group, life, cap);
		obuf_printf(out, "       Engine-id:Conn-id =  SW:%u\n\n", s->conn_id);
	}
	free(v);
	(void)now;
	if (!old)
		obuf_puts(out, "\nIPv6 Crypto ISAKMP SA\n\n");
}

int ike_clear(ike *k, uint32_t conn_id)
{
	int n = 0;
	for (struct ike_sa *s = k->sas, *nx; s; s = nx) {
		nx = s->next;
		if (conn_id && s->conn_id != conn_id)
			continue;
		if (s->state == IKE_P1_COMPLETE) {
			uint8_t spi[16];
			memcpy(spi, s->icookie, 8);
			memcpy(spi + 8, s->rcookie, 8);
			ike_info_send_delete(s, ISAKMP_PROTO_ISAKMP, spi, 16, 1);
		}
		ike_sa_delete(s, "clear crypto isakmp");
		n++;
	}
	return n;
}

static int cmd_show(const cli_call *c, obuf *out)
{
	ike_show_sa(c->arg, out, c->argc == 5);
	return 0;
}

static int cmd_clear(const cli_call *c, obuf *out)
{
	uint32_t id = c->argc == 4 ? (uint32_t)strtoul(c->argv[3], NULL, 10) : 0;
	int n = ike_clear(c->arg, id);
	if (id && n == 0) {
		obuf_printf(out, "%% No ISAKMP SA with conn-id %u\n", id);
		return -1;
	}
	return 0;
}

static int cmd_test_initiate(const cli_call *c, obuf *out)
{
	unsigned seq = (unsigned)strtoul(c->argv[4], NULL, 10);
	int r = ike_initiate_entry(c->arg, c->argv[3], seq);
	if (r < 0) {
		obuf_printf(out, "%% crypto map %s %u: %s\n", c->argv[3], seq,
			    r == -ENOENT ? "no such static entry" :
			    r == -EINVAL ? "entry has no peer or no permit line" : strerror(-r));
		return -1;
	}
	obuf_printf(out, "Negotiation started for crypto map %s %u\n", c->argv[3], seq);
	return 0;
}

int ike_register_cli(ike *k, cli *c, bool test_hooks)
{
	int r;
	if ((r = cli_register(c, "show crypto isakmp sa", cmd_show, k)) < 0 ||
	    (r = cli_register(c, "show crypto isakmp sa detail", cmd_show, k)) < 0 ||
	    (r = cli_register(c, "clear crypto isakmp", cmd_clear, k)) < 0 ||
	    (r = cli_register(c, "clear crypto isakmp <1-32767>", cmd_clear, k)) < 0)
		return r;
	if (test_hooks && (r = cli_register(c, "test crypto initiate WORD <1-65535>", cmd_test_initiate, k)) < 0)
		return r;
	return 0;
}

/* IOS prints ISAKMP SAs in `show crypto engine connections active` too:
 * conn-id, no interface or address, the phase-1 HMAC and cipher named as
 * for IPsec connections (18 columns, so IOS's truncation is kept), no
 * packet counts.  Oldest first. */
void ike_engine_rows(void *arg, obuf *out)
{
	ike *k = arg;
	size_t n = 0;
	for (struct ike_sa *s = k->sas; s; s = s->next)
		n += s->state == IKE_P1_COMPLETE;
	struct ike_sa **v = n ? calloc(n, sizeof *v) : NULL;
	size_t i = 0;
	for (struct ike_sa *s = k->sas; s && v; s = s->next)
		if (s->state == IKE_P1_COMPLETE)
			v[n - 1 - i++] = s;
	for (i = 0; v && i < n; i++) {
		const struct ike_sa *s = v[i];
		const char *c = s->encr == IKE_ENCR_DES_CBC ? "DES_56_CBC" :
				s->encr == IKE_ENCR_3DES_CBC ? "3DES_56_CBC" :
				s->key_bits == 256 ? "AES_256_CBC" : s->key_bits == 192 ? "AES_192_CBC" : "AES_128_CBC";
		char alg[48];
		snprintf(alg, sizeof alg, "%s+%s", s->hash == IKE_HASH_MD5 ? "HMAC_MD5" : "HMAC_SHA", c);
		obuf_printf(out, "%4u %-20s %-15s %-6s %-18.18s %8u %8u\n", s->conn_id, "<none>", "<none>", "set", alg, 0u,
			    0u);
	}
	free(v);
}
