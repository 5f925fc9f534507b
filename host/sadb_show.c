/*
 * sadb_show — the SADB's commands: show crypto ipsec sa [detail], show
 * crypto engine connections active, show crypto datapath, clear crypto sa
 * [counters], and the test oracle commands (only with --test-hooks).
 * Formats: IOS 12.4 as in ../shared/seeds (000, 001, 003); what differs and
 * why: docs/datapath.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datapath.h"
#include "elog.h"
#include "sadb_int.h"

/* ---- helpers ---- */

static const char *tset_text(const struct sadb_pair *p, char *buf, size_t len)
{
	ios_transform_set ts;
	memset(&ts, 0, sizeof ts);
	ts.cipher = p->cipher;
	ts.enc_key_len = p->enc_key_len;
	ts.auth = p->auth;
	ts.mode = p->mode;
	return ios_tset_text(&ts, buf, len);
}

/* IOS's engine algorithm names, cut to 18 characters as IOS prints them
 * ("HMAC_MD5+DES_56_CBC" -> "HMAC_MD5+DES_56_CB" in seed 000). */
static const char *engine_alg(const struct sadb_pair *p, char *buf, size_t len)
{
	const char *c = "?";
	switch (p->cipher) {
	case ESPFAB_CIPHER_DES:
		c = "DES_56_CBC";
		break;
	case ESPFAB_CIPHER_3DES:
		c = "3DES_56_CBC";
		break;
	case ESPFAB_CIPHER_AES:
		c = p->enc_key_len == 32 ? "AES_256_CBC" : p->enc_key_len == 24 ? "AES_192_CBC" : "AES_128_CBC";
		break;
	}
	char full[48];
	snprintf(full, sizeof full, "%s+%s", p->auth == ESPFAB_AUTH_MD5 ? "HMAC_MD5" : "HMAC_SHA", c);
	snprintf(buf, len, "%.18s", full);
	return buf;
}

static unsigned iv_size(uint8_t cipher)
{
	return cipher == ESPFAB_CIPHER_AES ? 16 : 8;
}

static bool same_flow(const struct sadb_ent *a, const struct sadb_ent *b)
{
	return a->p.ifc == b->p.ifc && a->p.map == b->p.map && a->p.peer == b->p.peer && a->p.local == b->p.local &&
	       !memcmp(&a->p.local_id, &b->p.local_id, sizeof a->p.local_id) &&
	       !memcmp(&a->p.remote_id, &b->p.remote_id, sizeof a->p.remote_id);
}

static void ident(obuf *o, const char *what, const struct sadb_selector *s)
{
	char a[16], m[16];
	obuf_printf(o, "   %s ident (addr/mask/prot/port): (%s/%s/%u/%u)\n", what, sadb_ip_str(s->addr & s->mask, a),
		    sadb_ip_str(s->mask, m), s->proto, s->port);
}

/* Remaining (kilobytes, seconds) of one direction. */
static void remaining(sadb *db, const struct sadb_ent *e, bool in, unsigned long long *kb, unsigned long long *sec)
{
	espfab_sa_state_t st;
	memset(&st, 0, sizeof st);
	espfab_sa_state(db->dev, in ? e->slot_in : e->slot_out, &st);
	uint64_t used = st.bytes / 1024;
	*kb = e->p.life_kb > used ? e->p.life_kb - used : 0;
	*sec = evloop_timer_armed(&e->hard_t) ? (evloop_timer_remaining(db->loop, &e->hard_t) + 999) / 1000 : 0;
}

static void sa_block(sadb *db, obuf *o, const struct sadb_ent *e, bool in, bool detail)
{
	char t[64];
	uint32_t spi = in ? e->p.spi_in : e->p.spi_out;
	uint32_t slot = in ? e->slot_in : e->slot_out;
	unsigned long long kb, sec;
	remaining(db, e, in, &kb, &sec);
	obuf_printf(o, "      spi: 0x%X(%u)\n", spi, spi);
	obuf_printf(o, "        transform: %s ,\n", tset_text(&e->p, t, sizeof t));
	obuf_printf(o, "        in use settings ={%s%s, }\n", e->p.mode == ESPFAB_MODE_TRANSPORT ? "Transport" : "Tunnel",
		    e->p.local_port || e->p.peer_port ? " UDP-Encaps" : "");
	if (detail)
		obuf_printf(o, "        conn id: %u, flow_id: SW:%u, sibling_flags 80000046, crypto map: %s\n", 2000u + slot,
			    slot + 1, e->p.map ? e->p.map->name : "");
	else
		obuf_printf(o, "        conn id: %u, flow_id: %u, crypto map: %s\n", 2000u + slot, slot + 1,
			    e->p.map ? e->p.map->name : "");
	obuf_printf(o, "        sa timing: remaining key lifetime (k/sec): (%llu/%llu)\n", kb, sec);
	obuf_printf(o, "        IV size: %u bytes\n", iv_size(e->p.cipher));
	obuf_printf(o, "        replay detection support: %s\n", in && !e->p.replay_window ? "N" : "Y");
	obuf_printf(o, "        Status: ACTIVE\n\n");
}

static uint64_t no_sa_drops(sadb *db, const ios_map_entry *entry)
{
	uint64_t n = 0;
	for (size_t i = 0; i < SADB_ACQ_SLOTS; i++)
		if (db->acq[i].used && db->acq[i].entry == entry)
			n += db->acq[i].drops;
	return n;
}

static void flow_block(sadb *db, obuf *o, struct sadb_ent **v, size_t n, bool detail)
{
	const struct sadb_ent *e = v[n - 1]; /* the newest: current outbound SPI */
	char a[16], b[16];
	struct sadb_counters c;
	memset(&c, 0, sizeof c);
	for (size_t i = 0; i < n; i++) {
		const struct sadb_counters *x = &v[i]->c;
		uint64_t *dst = (uint64_t *)&c;
		const uint64_t *src = (const uint64_t *)x;
		for (size_t k = 0; k < sizeof c / sizeof(uint64_t); k++)
			dst[k] += src[k];
	}
	obuf_printf(o, "    Crypto map tag: %s, local addr %s\n\n", e->p.map ? e->p.map->name : "",
		    sadb_ip_str(e->p.local, a));
	obuf_puts(o, "   protected vrf: (none)\n");
	ident(o, "local ", &e->p.local_id);
	ident(o, "remote", &e->p.remote_id);
	obuf_printf(o, "   current_peer %s port %u\n", sadb_ip_str(e->p.peer, b), e->p.peer_port ? e->p.peer_port : 500);
	obuf_printf(o, "     PERMIT, flags={%s}\n", e->p.dyn_entry ? "" : "origin_is_acl,");
	unsigned long long enc = c.encaps, dec = c.decaps;
	obuf_printf(o, "    #pkts encaps: %llu, #pkts encrypt: %llu, #pkts digest: %llu\n", enc, enc, enc);
	obuf_printf(o, "    #pkts decaps: %llu, #pkts decrypt: %llu, #pkts verify: %llu\n", dec, dec, dec);
	obuf_puts(o, "    #pkts compressed: 0, #pkts decompressed: 0\n");
	obuf_puts(o, "    #pkts not compressed: 0, #pkts compr. failed: 0\n");
	obuf_puts(o, "    #pkts not decompressed: 0, #pkts decompress failed: 0\n");
	if (detail) {
		obuf_printf(o, "    #pkts no sa (send) %llu, #pkts invalid sa (rcv) 0\n",
			    (unsigned long long)no_sa_drops(db, e->p.entry));
		obuf_printf(o, "    #pkts encaps failed (send) %llu, #pkts decaps failed (rcv) %llu\n",
			    (unsigned long long)(c.encaps_failed + c.send_io_errors), (unsigned long long)c.decaps_failed);
		obuf_printf(o, "    #pkts invalid prot (recv) %llu, #pkts verify failed: %llu\n",
			    (unsigned long long)c.invalid_prot, (unsigned long long)c.verify_failed);
		obuf_printf(o, "    #pkts invalid identity (recv) %llu, #pkts invalid len (rcv) %llu\n",
			    (unsigned long long)c.invalid_identity, (unsigned long long)c.invalid_len);
		obuf_printf(o, "    #pkts replay rollover (send): %llu, #pkts replay rollover (rcv) 0\n",
			    (unsigned long long)c.seq_overflow);
		obuf_printf(o, "    ##pkts replay failed (rcv): %llu\n", (unsigned long long)c.replay_failed);
		obuf_printf(o, "    #pkts internal err (send): %llu, #pkts internal err (recv) %llu\n",
			    (unsigned long long)c.internal_send, (unsigned long long)c.internal_recv);
	} else {
		obuf_printf(o, "    #send errors %llu, #recv errors %llu\n", (unsigned long long)c.send_errors,
			    (unsigned long long)c.recv_errors);
	}
	obuf_printf(o, "\n     local crypto endpt.: %s, remote crypto endpt.: %s\n", sadb_ip_str(e->p.local, a),
		    sadb_ip_str(e->p.peer, b));
	obuf_printf(o, "     path mtu 1500, ip mtu 1500, ip mtu idb %s\n", e->p.ifc ? e->p.ifc->name : "");
	obuf_printf(o, "     current outbound spi: 0x%X(%u)\n", e->p.spi_out, e->p.spi_out);
	if (e->p.pfs_group)
		obuf_printf(o, "     PFS (Y/N): Y, DH group: group%u\n", e->p.pfs_group);
	else
		obuf_puts(o, "     PFS (Y/N): N, DH group: none\n");
	obuf_puts(o, "\n     inbound esp sas:\n");
	for (size_t i = 0; i < n; i++)
		sa_block(db, o, v[i], true, detail);
	obuf_puts(o, "     inbound ah sas:\n\n     inbound pcp sas:\n\n     outbound esp sas:\n");
	for (size_t i = 0; i < n; i++)
		sa_block(db, o, v[i], false, detail);
	obuf_puts(o, "     outbound ah sas:\n\n     outbound pcp sas:\n");
}

/* Pairs oldest first. */
static size_t pairs_oldest_first(sadb *db, struct sadb_ent ***out)
{
	*out = NULL;
	if (!db->n_pairs)
		return 0;
	struct sadb_ent **v = calloc(db->n_pairs, sizeof *v);
	if (!v)
		return 0;
	size_t n = 0;
	for (struct sadb_ent *e = db->head; e && n < db->n_pairs; e = e->next)
		v[n++] = e;
	for (size_t i = 0; i < n / 2; i++) {
		struct sadb_ent *t = v[i];
		v[i] = v[n - 1 - i];
		v[n - 1 - i] = t;
	}
	*out = v;
	return n;
}

static int cmd_show_ipsec_sa(const cli_call *c, obuf *out)
{
	sadb *db = c->arg;
	bool detail = c->argc == 5;
	struct sadb_ent **v;
	size_t n = pairs_oldest_first(db, &v);
	bool *done = n ? calloc(n, sizeof *done) : NULL;
	struct sadb_ent **grp = n ? calloc(n, sizeof *grp) : NULL;
	if (n && (!done || !grp)) {
		free(v), free(done), free(grp);
		obuf_puts(out, "% Out of memory\n");
		return -1;
	}
	/* interfaces in configuration order (and pairs without one last) */
	for (size_t i = 0; i <= db->cfg->n_ifaces; i++) {
		const ios_interface *ifc = i < db->cfg->n_ifaces ? &db->cfg->ifaces[i] : NULL;
		bool header = false;
		for (size_t k = 0; k < n; k++) {
			if (done[k] || v[k]->p.ifc != ifc)
				continue;
			if (!header) {
				obuf_printf(out, "\ninterface: %s\n", ifc ? ifc->name : "(none)");
				header = true;
			}
			size_t g = 0;
			for (size_t j = k; j < n; j++)
				if (!done[j] && same_flow(v[k], v[j])) {
					done[j] = true;
					grp[g++] = v[j];
				}
			flow_block(db, out, grp, g, detail);
		}
	}
	free(v);
	free(done);
	free(grp);
	return 0;
}

static int cmd_show_engine(const cli_call *c, obuf *out)
{
	sadb *db = c->arg;
	struct sadb_ent **v;
	size_t n = pairs_oldest_first(db, &v);
	/* rows by conn id */
	struct row {
		uint32_t slot;
		struct sadb_ent *e;
		bool in;
	} *rows = n ? calloc(2 * n, sizeof *rows) : NULL;
	size_t nr = 0;
	for (size_t i = 0; i < n && rows; i++) {
		rows[nr++] = (struct row){ v[i]->slot_in, v[i], true };
		rows[nr++] = (struct row){ v[i]->slot_out, v[i], false };
	}
	for (size_t i = 1; i < nr; i++) /* insertion sort by slot */
		for (size_t j = i; j > 0 && rows[j - 1].slot > rows[j].slot; j--) {
			struct row t = rows[j];
			rows[j] = rows[j - 1];
			rows[j - 1] = t;
		}
	obuf_printf(out, "%4s %-20s %-15s %-6s %-18s %8s %8s\n", "ID", "Interface", "IP-Address", "State", "Algorithm",
		    "Encrypt", "Decrypt");
	if (db->hooks.engine_rows)
		db->hooks.engine_rows(db->hooks.arg, out);
	for (size_t i = 0; i < nr; i++) {
		const struct sadb_ent *e = rows[i].e;
		espfab_sa_state_t st;
		memset(&st, 0, sizeof st);
		espfab_sa_state(db->dev, rows[i].slot, &st);
		char a[16], alg[24];
		unsigned long long ok = st.count[ESPFAB_STATUS_OK];
		obuf_printf(out, "%4u %-20s %-15s %-6s %-18s %8llu %8llu\n", 2000u + rows[i].slot,
			    e->p.ifc ? e->p.ifc->name : "<none>", sadb_ip_str(e->p.local, a), "set",
			    engine_alg(&e->p, alg, sizeof alg), rows[i].in ? 0ull : ok, rows[i].in ? ok : 0ull);
	}
	free(rows);
	free(v);
	return 0;
}

static int cmd_show_datapath(const cli_call *c, obuf *out)
{
	sadb *db = c->arg;
	const struct sadb_dp_stats *s = &db->st;
	obuf_printf(out, "espfab data path (engine %s, %u SA slots, %zu SA pairs, %u packets in the engine)\n",
		    espfab_engine_name(db->dev), db->n_slots, db->n_pairs, dp_inflight(db));
	const struct {
		const char *what;
		uint64_t v;
	} rows[] = {
		{ "Outbound: packets from the TUN", s->out_pkts },
		{ "  sent in the clear (no crypto map entry permits)", s->out_clear },
		{ "  sent in the clear, refused by the kernel", s->out_clear_err },
		{ "  sent in the clear, TTL exceeded: dropped", s->clear_ttl },
		{ "  dropped, routed into the TUN but no crypto ACL covers it", s->out_not_acl },
		{ "  dropped, no SA (negotiation requested)", s->out_no_sa },
		{ "  dropped, no SA (dynamic entry: the peer must initiate)", s->out_no_sa_dyn },
		{ "  dropped, malformed IPv4", s->out_malformed },
		{ "  dropped, engine busy (no buffer or queue full)", s->out_busy },
		{ "  dropped, SA deleted while in the engine", s->out_dead },
		{ "  acquires sent to IKE", s->acquires },
		{ "  acquires suppressed (rate limit)", s->acquires_limited },
		{ "Inbound: ESP packets (IP protocol 50 and UDP 4500)", s->in_pkts },
		{ "  dropped by the kernel, ESP socket queue full", dp_kernel_drops(db, 0) },
		{ "  dropped by the kernel, UDP 4500 socket queue full", dp_kernel_drops(db, 1) },
		{ "  dropped, unknown SPI (invalid sa)", s->in_no_sa },
		{ "  dropped, too short for ESP", s->in_malformed },
		{ "  dropped, engine busy (no buffer or queue full)", s->in_busy },
		{ "  dropped, SA deleted while in the engine", s->in_dead },
		{ "Cleartext received on crypto map interfaces", s->clear_in },
		{ "  dropped, must be protected (RECVD_PKT_NOT_IPSEC)", s->clear_in_drop },
		{ "  forwarded, not covered by a crypto ACL", s->clear_in_fwd },
		{ "  taken as TED discovery probes (docs/ted.md)", s->clear_in_ted },
		{ "Engine submit/poll failures", s->engine_errors },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		obuf_printf(out, "  %-60s %llu\n", rows[i].what, (unsigned long long)rows[i].v);
	return 0;
}

static int cmd_clear_sa(const cli_call *c, obuf *out)
{
	(void)out;
	sadb *db = c->arg;
	int n = sadb_delete_all(db, 0, SADB_DEL_CLEAR);
	if (n < 0) {
		obuf_printf(out, "%% clear crypto sa: %s\n", strerror(-n));
		return -1;
	}
	return 0;
}

static int cmd_clear_counters(const cli_call *c, obuf *out)
{
	(void)out;
	sadb *db = c->arg;
	for (struct sadb_ent *e = db->head; e; e = e->next)
		memset(&e->c, 0, sizeof e->c);
	for (size_t i = 0; i < SADB_ACQ_SLOTS; i++)
		db->acq[i].drops = 0;
	return 0;
}

/* ---- test oracle: install / delete a pair without IKE ---- */

static int hexkey(const char *s, uint8_t *out, size_t cap, uint8_t *len)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	size_t n = strlen(s);
	if (n % 2 || n / 2 > cap || n == 0)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*len = (uint8_t)(n / 2);
	return 0;
}

static int parse_ip(const char *s, uint32_t *a)
{
	unsigned b[4];
	char tail;
	if (sscanf(s, "%u.%u.%u.%u%c", &b[0], &b[1], &b[2], &b[3], &tail) != 4 || b[0] > 255 || b[1] > 255 ||
	    b[2] > 255 || b[3] > 255)
		return -1;
	*a = b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
	return 0;
}

/* ADDR/PLEN[/PROTO[/PORT]] */
static int parse_sel(const char *s, struct sadb_selector *sel)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%s", s);
	char *parts[4] = { 0 };
	int n = 0;
	for (char *p = strtok(buf, "/"); p && n < 4; p = strtok(NULL, "/"))
		parts[n++] = p;
	if (n < 2 || parse_ip(parts[0], &sel->addr) < 0)
		return -1;
	unsigned plen = (unsigned)strtoul(parts[1], NULL, 10);
	if (plen > 32)
		return -1;
	sel->mask = plen ? ~0u << (32 - plen) : 0;
	sel->addr &= sel->mask;
	sel->proto = n > 2 ? (uint8_t)strtoul(parts[2], NULL, 10) : 0;
	sel->port = n > 3 ? (uint16_t)strtoul(parts[3], NULL, 10) : 0;
	return 0;
}

static uint8_t wild_plen(uint32_t wild)
{
	uint8_t n = 0;
	while (n < 32 && !(wild & (0x80000000u >> n)))
		n++;
	return n;
}

static int cmd_test_install(const cli_call *c, obuf *out)
{
	sadb *db = c->arg;
	const ios_config *cfg = db->cfg;
	struct sadb_pair p;
	memset(&p, 0, sizeof p);
	const char *map_name = NULL, *tset_name = NULL;
	unsigned seq = 0;
	bool have_spi_in = false, have_spi_out = false, have_local_id = false, have_remote_id = false;
	bool have_life_s = false, have_life_k = false, have_replay = false, have_mode = false;
	uint8_t kl[4] = { 0 };
	bool have_key[4] = { false };
	int rc = -1;
	p.replay_window = 64;
	for (int i = 4; i < c->argc; i++) {
		const char *w = c->argv[i];
		const char *eq = strchr(w, '=');
		if (!eq) {
			obuf_printf(out, "%% test crypto ipsec sa-install: '%s': expected KEY=VALUE\n", w);
			goto out;
		}
		size_t kn = (size_t)(eq - w);
		const char *v = eq + 1;
#define K(name) (kn == strlen(name) && strncmp(w, name, kn) == 0)
		int bad = 0;
		if (K("map"))
			map_name = v;
		else if (K("seq"))
			seq = (unsigned)strtoul(v, NULL, 0);
		else if (K("transform"))
			tset_name = v;
		else if (K("peer"))
			bad = parse_ip(v, &p.peer);
		else if (K("local"))
			bad = parse_ip(v, &p.local);
		else if (K("spi-in"))
			p.spi_in = (uint32_t)strtoul(v, NULL, 0), have_spi_in = true;
		else if (K("spi-out"))
			p.spi_out = (uint32_t)strtoul(v, NULL, 0), have_spi_out = true;
		else if (K("enc-in"))
			bad = hexkey(v, p.enc_in, sizeof p.enc_in, &kl[0]), have_key[0] = true;
		else if (K("auth-in"))
			bad = hexkey(v, p.auth_in, sizeof p.auth_in, &kl[1]), have_key[1] = true;
		else if (K("enc-out"))
			bad = hexkey(v, p.enc_out, sizeof p.enc_out, &kl[2]), have_key[2] = true;
		else if (K("auth-out"))
			bad = hexkey(v, p.auth_out, sizeof p.auth_out, &kl[3]), have_key[3] = true;
		else if (K("local-id"))
			bad = parse_sel(v, &p.local_id), have_local_id = true;
		else if (K("remote-id"))
			bad = parse_sel(v, &p.remote_id), have_remote_id = true;
		else if (K("local-port"))
			p.local_port = (uint16_t)strtoul(v, NULL, 0);
		else if (K("peer-port"))
			p.peer_port = (uint16_t)strtoul(v, NULL, 0);
		else if (K("replay"))
			p.replay_window = (uint16_t)strtoul(v, NULL, 0), have_replay = true;
		else if (K("life-sec"))
			p.life_seconds = (uint32_t)strtoul(v, NULL, 0), have_life_s = true;
		else if (K("life-kb"))
			p.life_kb = (uint32_t)strtoul(v, NULL, 0), have_life_k = true;
		else if (K("mode")) {
			have_mode = true;
			if (strcmp(v, "transport") == 0)
				p.mode = ESPFAB_MODE_TRANSPORT;
			else if (strcmp(v, "tunnel") == 0)
				p.mode = ESPFAB_MODE_TUNNEL;
			else
				bad = 1;
		} else if (K("ike-conn"))
			p.ike_conn_id = (uint32_t)strtoul(v, NULL, 0);
		else {
			obuf_printf(out, "%% test crypto ipsec sa-install: unknown key '%.*s'\n", (int)kn, w);
			goto out;
		}
#undef K
		if (bad) {
			obuf_printf(out, "%% test crypto ipsec sa-install: bad value in '%.*s=…'\n", (int)kn, w);
			goto out;
		}
	}
	(void)have_replay;
	if (!have_spi_in || !have_spi_out || !have_key[0] || !have_key[1] || !have_key[2] || !have_key[3]) {
		obuf_puts(out, "% test crypto ipsec sa-install: spi-in, spi-out, enc-in, auth-in, enc-out, auth-out are required\n");
		goto out;
	}
	/* the interface and crypto map entry */
	for (size_t i = 0; i < cfg->n_ifaces && !p.ifc; i++) {
		const ios_interface *x = &cfg->ifaces[i];
		if (x->crypto_map && (!map_name || strcasecmp(x->crypto_map->name, map_name) == 0)) {
			p.ifc = x;
			p.map = x->crypto_map;
		}
	}
	if (!p.map) {
		obuf_printf(out, "%% test crypto ipsec sa-install: no interface with crypto map %s\n",
			    map_name ? map_name : "(any)");
		goto out;
	}
	for (size_t i = 0; i < p.map->n_entries && !p.entry; i++)
		if (seq ? p.map->entries[i].seq == seq : !p.map->entries[i].dynamic_ref)
			p.entry = &p.map->entries[i];
	if (!p.entry) {
		obuf_printf(out, "%% test crypto ipsec sa-install: crypto map %s has no entry %u\n", p.map->name, seq);
		goto out;
	}
	const ios_map_entry *pol = p.entry;
	if (p.entry->dynamic_ref && p.entry->dynmap && p.entry->dynmap->n_entries) {
		p.dyn_entry = &p.entry->dynmap->entries[0];
		pol = p.dyn_entry;
	}
	const ios_transform_set *ts = tset_name ? ios_config_tset(cfg, tset_name) : pol->n_tsets ? pol->tsets[0] : NULL;
	if (!ts) {
		obuf_printf(out, "%% test crypto ipsec sa-install: no transform set %s\n", tset_name ? tset_name : "");
		goto out;
	}
	p.cipher = ts->cipher;
	p.auth = ts->auth;
	if (!have_mode)
		p.mode = ts->mode;
	p.enc_key_len = kl[0];
	p.auth_key_len = kl[1];
	if (kl[0] != kl[2] || kl[1] != kl[3]) {
		obuf_puts(out, "% test crypto ipsec sa-install: inbound and outbound keys differ in length\n");
		goto out;
	}
	if (!p.peer && pol->n_peers)
		p.peer = pol->peers[0];
	if (!p.local && p.ifc->has_addr)
		p.local = p.ifc->addr;
	if (!p.peer || !p.local) {
		obuf_puts(out, "% test crypto ipsec sa-install: peer= and local= are needed (the entry names none)\n");
		goto out;
	}
	if ((!have_local_id || !have_remote_id) && pol->acl) {
		const ios_acl *acl = pol->acl;
		for (size_t a = 0; a < acl->n_aces; a++) {
			const ios_ace *ace = &acl->aces[a];
			if (!ace->permit)
				continue;
			uint8_t sl = wild_plen(ace->src_wild), dl = wild_plen(ace->dst_wild);
			uint8_t proto = ace->any_proto ? 0 : ace->proto;
			if (!have_local_id)
				p.local_id = (struct sadb_selector){ ace->src, sl ? ~0u << (32 - sl) : 0, proto, 0 };
			if (!have_remote_id)
				p.remote_id = (struct sadb_selector){ ace->dst, dl ? ~0u << (32 - dl) : 0, proto, 0 };
			have_local_id = have_remote_id = true;
			break;
		}
	}
	if (!have_local_id || !have_remote_id) {
		obuf_puts(out, "% test crypto ipsec sa-install: local-id= and remote-id= are needed (no ACL permit)\n");
		goto out;
	}
	uint32_t ls, lk;
	ios_entry_lifetime(cfg, pol, &ls, &lk);
	if (!have_life_s)
		p.life_seconds = ls;
	if (!have_life_k)
		p.life_kb = lk;
	p.pfs_group = pol->pfs_group;
	uint32_t id;
	int r = sadb_install(db, &p, &id);
	if (r < 0) {
		obuf_printf(out, "%% test crypto ipsec sa-install: %s\n", strerror(-r));
		goto out;
	}
	obuf_printf(out, "pair %u installed: spi in 0x%08X (conn id %u), out 0x%08X (conn id %u)\n", id, p.spi_in,
		    2000u + sadb_find_id(db, id)->slot_in, p.spi_out, 2000u + sadb_find_id(db, id)->slot_out);
	rc = 0;
out:
	sadb_pair_wipe(&p);
	return rc;
}

static int cmd_test_delete(const cli_call *c, obuf *out)
{
	sadb *db = c->arg;
	uint32_t id = (uint32_t)strtoul(c->argv[4], NULL, 10);
	int r = sadb_delete(db, id, SADB_DEL_IKE);
	if (r < 0) {
		obuf_printf(out, "%% test crypto ipsec sa-delete %u: %s\n", id, strerror(-r));
		return -1;
	}
	return 0;
}

int sadb_cmds_register(sadb *db, cli *t, bool test_hooks)
{
	int r = 0;
	r = r ? r : cli_register(t, "show crypto ipsec sa", cmd_show_ipsec_sa, db);
	r = r ? r : cli_register(t, "show crypto ipsec sa detail", cmd_show_ipsec_sa, db);
	r = r ? r : cli_register(t, "show crypto engine connections active", cmd_show_engine, db);
	r = r ? r : cli_register(t, "show crypto datapath", cmd_show_datapath, db);
	r = r ? r : cli_register(t, "clear crypto sa", cmd_clear_sa, db);
	r = r ? r : cli_register(t, "clear crypto sa counters", cmd_clear_counters, db);
	if (!test_hooks || r)
		return r;
	db->test_hooks = true;
	char syn[512];
	snprintf(syn, sizeof syn, "test crypto ipsec sa-install");
	for (int n = 1; n <= 24 && !r; n++) {
		strncat(syn, " WORD", sizeof syn - strlen(syn) - 1);
		r = cli_register(t, syn, cmd_test_install, db);
	}
	r = r ? r : cli_register(t, "test crypto ipsec sa-delete <1-4294967295>", cmd_test_delete, db);
	return r;
}
