/*
 * ike_int.h — the private header of espfabd's IKEv1 module (ike/ike_*.c).
 * The public API is ike.h; the design is in docs/ike.md.
 *
 *   ike_sa.c          ISAKMP SA database: create/find/ref/unref, conn-ids,
 *                     states and their names, half-open bound, sending with
 *                     retransmission, phase-1 lifetime, input dispatch
 *   ike_proposal.c    phase-1 and phase-2 proposals: build from the
 *                     configuration, decode, match (IOS order), proxies
 *   ike_main_mode.c   main mode, initiator and responder (MM1..MM6), NAT-D
 *   ike_quick_mode.c  quick mode, initiator and responder (QM1..QM3), KEYMAT,
 *                     SA pairs to the SADB, acquire / expire
 *   ike_info.c        informational exchanges: notify, delete, DPD
 *   ike_cli.c         show crypto isakmp sa [detail], clear crypto isakmp
 *
 * Ownership: struct ike owns every ike_sa (list k->sas); an ike_sa is
 * refcounted (ike_sa_ref / ike_sa_unref) so that a handler may delete it
 * while a caller still holds it: ike_sa_delete unlinks it, stops its
 * timers and drops the list's reference; the memory goes with the last
 * reference.  Every quick-mode exchange (struct ike_qm) is owned by its
 * ISAKMP SA's list and holds a reference to it.  Destructors accept NULL.
 */
#ifndef ESPFAB_IKE_IKE_INT_H
#define ESPFAB_IKE_IKE_INT_H

/* ike_crypto.h must come before isakmp_msg.h: its enums share names (and
 * values) with isakmp_wire.h's macros. */
#include "ike_crypto.h"
#include "ike_dh.h"
#include "isakmp_msg.h"
#include "isakmp_vid.h"

#include "elog.h"
#include "ike.h"

/* ---- states (IOS's names, as `debug crypto isakmp` prints them) -------- */
enum ike_p1_state {
	IKE_READY = 0,
	IKE_I_MM1, IKE_I_MM2, IKE_I_MM3, IKE_I_MM4, IKE_I_MM5, IKE_I_MM6,
	IKE_R_MM1, IKE_R_MM2, IKE_R_MM3, IKE_R_MM4, IKE_R_MM5,
	IKE_P1_COMPLETE,
	IKE_DEST_SA,
};

enum ike_qm_state {
	IKE_QM_READY = 0,
	IKE_QM_I_QM1,
	IKE_QM_SPI_STARVE,
	IKE_QM_R_QM2,
	IKE_QM_PHASE2_COMPLETE,
};

#define IKE_OUR_NONCE_LEN 20 /* IOS sends 20-byte nonces */
#define IKE_DIGEST_LEN 20    /* SHA-1 of a received message, for duplicates */

/* A message we sent and may have to send again. */
struct ike_tx {
	uint8_t *buf;
	size_t len;
	int natt;
	uint32_t local, peer;
	uint16_t port;
	unsigned tries;      /* retransmissions done */
	bool expect_reply;   /* retransmit on the timer */
	evloop_timer timer;
};

/* What a quick mode negotiates for: the crypto map entry and the proxies. */
struct ike_qm_req {
	const ios_crypto_map *map;
	const ios_map_entry *entry;     /* the crypto map entry */
	const ios_map_entry *dyn_entry; /* the dynamic-map entry, or NULL */
	const ios_interface *ifc;
	struct sadb_selector local_id, remote_id;
	bool send_ids;                  /* IDci/IDcr in the exchange */
	uint32_t rekey_of;              /* pair id this replaces (0 = none) */
	struct ike_qm_req *next;        /* queue of requests waiting for phase 1 */
};

struct ike_sa;

struct ike_qm {
	struct ike_qm *next;
	struct ike_sa *sa; /* referenced */
	uint32_t msgid;
	bool initiator;
	int state;
	uint8_t iv[IKE_BLOCK_MAX];
	struct ike_qm_req req;
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	size_t ni_len, nr_len;
	int pfs_group;    /* 0 = no PFS */
	ike_dh *dh;
	uint8_t peer_ke[IKE_DH_MAX_LEN];
	size_t peer_ke_len;
	uint32_t spi_in, spi_out;
	/* chosen */
	const ios_transform_set *tset;
	uint16_t encap;   /* wire value */
	uint32_t life_sec, life_kb;
	bool lowered;     /* responder: our lifetimes are lower: RESPONDER-LIFETIME */
	uint32_t pair_id;
	struct ike_tx tx;
	uint8_t rx_digest[IKE_DIGEST_LEN];
	bool have_rx;
	evloop_timer linger; /* finished: kept a while to answer retransmissions */
	bool done;
};

struct ike_sa {
	unsigned refs;
	struct ike *k;
	struct ike_sa *next;
	bool linked;
	uint32_t conn_id;
	uint8_t icookie[ISAKMP_COOKIE_LEN], rcookie[ISAKMP_COOKIE_LEN];
	bool initiator;
	int state;
	uint32_t local, peer;
	uint16_t local_port, peer_port; /* current (500, or 4500 after the float) */
	bool natt;        /* floated to 4500 (NAT detected) */
	bool nat_local, nat_peer;
	uint8_t natd_type; /* NAT-D payload number the peer's VIDs imply (20, 130), 0 = no NAT-T */
	bool peer_dpd, peer_unity, peer_ios, peer_natt_rfc;
	/* negotiated */
	const ios_isakmp_policy *policy;
	int encr, hash, group;
	unsigned key_bits;
	uint32_t lifetime;
	const ios_psk *psk;
	struct ike_keys *keys;
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	size_t ni_len, nr_len;
	uint8_t gxi[IKE_DH_MAX_LEN], gxr[IKE_DH_MAX_LEN];
	size_t gx_len;
	uint8_t *sai_b; /* the initiator's SA payload body (for HASH_I/HASH_R) */
	size_t sai_len;
	struct ike_tx tx;
	uint8_t rx_digest[IKE_DIGEST_LEN];
	bool have_rx;
	evloop_timer life_timer; /* phase-1 lifetime (established) */
	evloop_timer soft_timer; /* 90 %: no new quick modes on it */
	evloop_timer dpd_timer;
	evloop_timer natka_timer; /* NAT keepalives (RFC 3948), NAT-T only */
	uint32_t dpd_seq;
	unsigned dpd_missed;
	bool dpd_outstanding;
	bool expiring;
	bool dead;
	uint64_t created_ms, established_ms;
	struct ike_qm *qms;
	struct ike_qm_req *pending; /* quick modes to start once phase 1 is done */
};

/* An SA pair we installed (for expire: rekey or delete payload). */
struct ike_pair {
	struct ike_pair *next;
	uint32_t pair_id, spi_in, spi_out;
	uint32_t local, peer;
	uint32_t conn_id;
	bool initiator;
	struct ike_qm_req req;
};

struct ike {
	struct ike_params p;
	const ios_config *cfg;
	struct ike_sa *sas;
	struct ike_pair *pairs;
	uint32_t next_conn_id;
	struct ike_stats st;
	uint64_t notify_window_ms;
	unsigned notify_in_window;
	uint64_t halfopen_log_ms;
	struct ike_probe *probes;     /* TED discoveries in progress / held down (ike_ted.c) */
	uint64_t ted_window_ms, ted_reply_window_ms;
	unsigned ted_in_window, ted_replies_in_window;
	struct isakmp_msg msg;        /* parse storage (one message at a time) */
	uint8_t plain[ISAKMP_MAX_MSG]; /* decrypted payloads of that message */
	uint8_t out[ISAKMP_MAX_MSG];   /* the message being built */
};

/* ---- debug lines -------------------------------------------------------- */
#define IKE_DBG(sa, fmt, ...) \
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP (0:%u): " fmt, (sa) ? (sa)->conn_id : 0u, ##__VA_ARGS__)
#define IKE_DBG0(fmt, ...) ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP: " fmt, ##__VA_ARGS__)
/* debug crypto ipsec / debug crypto engine lines (seed 000's IPSEC(...) and
 * CryptoEngine0 / CRYPTO_ENGINE lines). */
#define IKE_IPSEC(fmt, ...) ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC, "IPSEC" fmt, ##__VA_ARGS__)
#define IKE_ENGINE(fmt, ...) ELOG_DEBUG(ELOG_DBG_CRYPTO_ENGINE, fmt, ##__VA_ARGS__)

const char *ike_ip(uint32_t a, char buf[16]);
/* Dotted quad in a rotating static buffer (for debug arguments only). */
const char *ike_ipstr(uint32_t a);

/* ---- ike_sa.c ----------------------------------------------------------- */
const char *ike_p1_state_name(int st);  /* "IKE_I_MM1" */
const char *ike_p1_show_state(int st);  /* "MM_NO_STATE", "QM_IDLE" ... */
const char *ike_qm_state_name(int st);
void ike_sa_set_state(struct ike_sa *sa, int st, const char *input);
void ike_qm_set_state(struct ike_qm *qm, int st, const char *input);

struct ike_sa *ike_sa_new(ike *k, bool initiator, uint32_t local, uint32_t peer);
struct ike_sa *ike_sa_ref(struct ike_sa *sa);
void ike_sa_unref(struct ike_sa *sa);
/* Delete: unlink, stop timers, free quick modes, drop the list's ref.
 * reason for the debug line ("Death by retransmission P1" ...). */
void ike_sa_delete(struct ike_sa *sa, const char *reason);
struct ike_sa *ike_sa_find(ike *k, const uint8_t *icookie, const uint8_t *rcookie);
/* Established (QM_IDLE, not expiring) SA with peer, newest first. */
struct ike_sa *ike_sa_find_peer(ike *k, uint32_t peer, bool established);
unsigned ike_half_open(const ike *k, uint32_t peer_or_0);
void ike_sa_established(struct ike_sa *sa);
/* Seconds between NAT keepalives: crypto isakmp nat keepalive, else 20. */
uint32_t ike_natt_keepalive_interval(const ike *k);

/* Send (and keep for retransmission if expect_reply). */
int ike_tx_send(ike *k, struct ike_tx *tx, const uint8_t *msg, size_t len, int natt, uint32_t local,
		uint32_t peer, uint16_t port, bool expect_reply);
void ike_tx_clear(ike *k, struct ike_tx *tx);
int ike_tx_resend(ike *k, struct ike_tx *tx);
int ike_send_raw(ike *k, struct ike_sa *sa, const uint8_t *msg, size_t len);

/* Digest of a raw message, and "is it the same as the last one". */
void ike_digest(const uint8_t *msg, size_t len, uint8_t out[IKE_DIGEST_LEN]);

/* Encrypt the chain of a finished builder with keys of sa and the given IV
 * (updated to the last ciphertext block).  0 or -1. */
int ike_seal(struct ike_sa *sa, struct isakmp_builder *b, uint8_t *iv, size_t *total);
/* Decrypt m (encrypted) into k->plain and parse the chain.  iv is not
 * changed; next_iv gets the last ciphertext block.  0 or -1 (logged). */
int ike_open(struct ike_sa *sa, struct isakmp_msg *m, const uint8_t *iv, uint8_t *next_iv);
uint32_t ike_random32(void);
void ike_random(void *p, size_t n);
void ike_bad_message(ike *k, uint32_t peer, const char *why);

/* ---- ike_proposal.c ----------------------------------------------------- */
struct ike_p1_offer {
	uint8_t tnum;
	uint16_t encr, hash, auth, group, key_bits;
	uint32_t life_sec, life_kb;
	bool has_life_sec, unknown_attr;
	unsigned attr_first, nattrs; /* in the parsed message, to echo it */
};
struct ike_p2_offer {
	uint8_t pnum, tnum, tid;
	uint16_t auth, encap, group, key_bits;
	uint32_t life_sec, life_kb;
	bool has_life_sec, has_life_kb, unknown_attr;
	uint32_t spi;
	unsigned attr_first, nattrs;
};

/* Decode the transforms of the first ISAKMP proposal of m's SA payload.
 * Returns the number decoded (<= max) or -1 if there is none. */
int ike_p1_offers(const struct isakmp_msg *m, const struct isakmp_payload *sa, struct ike_p1_offer *o, size_t max);
/* 0 if the offer fits the policy (IOS rules: encr, key length, hash, auth,
 * group, lifetime <= ours), else -1 with *why in IOS's words. */
int ike_p1_check_policy(const ios_isakmp_policy *pol, const struct ike_p1_offer *o, const char **why);
/* IOS order: each policy by priority, each offered transform in order.
 * Returns the offer index (and *pol) or -1.  Debug lines under sa. */
int ike_p1_select(const ios_config *cfg, const struct ike_p1_offer *o, size_t n, const struct ike_sa *sa,
		  const ios_isakmp_policy **pol);
/* Transforms for our phase-1 proposal: one per policy, priority order.
 * Fills specs/attrs (caller arrays of n_policies / 8*n_policies). */
size_t ike_p1_build(const ios_config *cfg, struct isakmp_transform_spec *t, struct isakmp_attr_spec *a,
		    uint8_t *life_buf, size_t max);

int ike_p2_offers(const struct isakmp_msg *m, const struct isakmp_payload *sa, struct ike_p2_offer *o, size_t max);
int ike_p2_check_tset(const ios_transform_set *ts, const struct ike_p2_offer *o, bool natt, uint8_t pfs_group,
		      const char **why);
/* Responder: offers in order, each against the entry's transform sets.
 * Returns the offer index (and *ts) or -1. */
int ike_p2_select(const ios_map_entry *e, uint8_t pfs_group, const struct ike_p2_offer *o, size_t n, bool natt,
		  const struct ike_sa *sa, const ios_transform_set **ts);
uint8_t ike_esp_tid(uint8_t cipher);     /* ESPFAB_CIPHER_* -> ESP_* */
uint16_t ike_esp_auth(uint8_t auth);     /* ESPFAB_AUTH_* -> IPSEC_AUTH_* */
uint16_t ike_encap_mode(uint8_t mode, bool natt);
size_t ike_esp_auth_key_len(uint8_t auth);

/* Proxies: selector of one side of an ACE; is (local, remote) inside the
 * ACE (mirror image: local in its source, remote in its destination)? */
void ike_ace_selectors(const ios_ace *ace, struct sadb_selector *src, struct sadb_selector *dst);
bool ike_ace_covers(const ios_ace *ace, const struct sadb_selector *local, const struct sadb_selector *remote);
/* First ACE covering the proxies decides: its permit, or false. */
bool ike_acl_allows(const ios_acl *acl, const struct sadb_selector *local, const struct sadb_selector *remote);
/* ID payload <-> selector.  0 or -1 (type not supported). */
int ike_id_to_selector(const struct isakmp_payload *id, struct sadb_selector *s);
void ike_selector_to_id(const struct sadb_selector *s, struct isakmp_id_spec *id, uint8_t data[8]);
const char *ike_selector_text(const struct sadb_selector *s, char *buf, size_t len);

/* IOS's "(key eng. msg.)" line of debug crypto ipsec: fn is
 * "validate_proposal_request" (what = "proposal part #1") or
 * "initialize_sas" (what = ""); dir "INBOUND" / "OUTBOUND". */
void ike_ipsec_keng(const char *fn, const char *what, const char *dir, uint32_t local, uint32_t peer,
		    const struct sadb_selector *lid, const struct sadb_selector *rid, const ios_transform_set *ts,
		    uint32_t life_s, uint32_t life_kb, uint32_t spi, unsigned conn_id, unsigned flags);

/* ---- ike_main_mode.c ---------------------------------------------------- */
int ike_mm_initiate(ike *k, uint32_t local, uint32_t peer, struct ike_sa **out);
void ike_mm_input(ike *k, struct ike_sa *sa, struct isakmp_msg *m, const netio_dgram *d, uint16_t local_port);
void ike_mm_responder_new(ike *k, struct isakmp_msg *m, const netio_dgram *d, uint16_t local_port);

/* ---- ike_quick_mode.c --------------------------------------------------- */
int ike_qm_initiate(struct ike_sa *sa, const struct ike_qm_req *req);
void ike_qm_input(ike *k, struct ike_sa *sa, struct isakmp_msg *m);
void ike_qm_free(ike *k, struct ike_qm *qm);
/* Phase 1 done: start the queued quick modes. */
void ike_qm_start_pending(struct ike_sa *sa);
int ike_request(ike *k, const struct ike_qm_req *req, uint32_t peer);
void ike_pairs_free(ike *k);
void ike_pairs_forget_peer(ike *k, uint32_t peer, uint32_t except_conn_id);
/* The interface a crypto map is applied to (first), or NULL. */
const ios_interface *ike_map_interface(const ios_config *cfg, const ios_crypto_map *map);

/* ---- ike_ted.c (docs/ted.md) ------------------------------------------- */
struct ike_probe;
/* acquire for a discover entry: probe (rate-limited per flow and overall) */
void ike_ted_acquire(ike *k, const ios_spd_result *r, const ios_flow *f);
/* a TED message on our UDP 500: reply to our probe, or a probe to us */
void ike_ted_input(ike *k, struct isakmp_msg *m, const netio_dgram *d);
void ike_ted_free(ike *k);

/* ike_cli.c: the ISAKMP rows of `show crypto engine connections active`
 * (struct sadb_hooks.engine_rows; arg is the ike). */
void ike_engine_rows(void *arg, obuf *out);
/* A free conn-id (probes take one as IOS's PEER_DISCOVERY SAs do). */
uint32_t ike_new_conn_id(ike *k);

/* ---- ike_info.c --------------------------------------------------------- */
void ike_info_input(ike *k, struct ike_sa *sa, struct isakmp_msg *m, const netio_dgram *d);
/* Encrypted informational exchange on an established SA. */
int ike_info_send_notify(struct ike_sa *sa, uint8_t proto, const uint8_t *spi, uint8_t spi_size, uint16_t type,
			 const uint8_t *data, uint16_t data_len);
int ike_info_send_delete(struct ike_sa *sa, uint8_t proto, const uint8_t *spis, uint8_t spi_size, uint16_t nspi);
/* Unencrypted notify (errors before phase 1 is done), rate-limited. */
void ike_notify_plain(ike *k, const uint8_t *icookie, const uint8_t *rcookie, uint32_t local, uint32_t peer,
		      uint16_t port, int natt, uint16_t type);
void ike_dpd_start(struct ike_sa *sa);
void ike_dpd_timer(evloop *l, evloop_timer *t, void *arg);

/* ---- ike_keylog.c (test oracle: --debug-keys; no-ops when off) -------- */
void ike_keylog_p1(struct ike_sa *sa);
void ike_keylog_pair(ike *k, const struct sadb_pair *p);

/* ---- SADB seam (host/sadb.h) -------------------------------------------- */
/* In the daemon these are host/sadb.c's; unit tests link a double. */

#endif /* ESPFAB_IKE_IKE_INT_H */
