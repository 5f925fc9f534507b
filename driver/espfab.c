/*
 * libespfab common layer: engine registry, argument and SA validation, IV
 * generation, request/completion bookkeeping.  Engines (engine_*.c) see only
 * validated calls; see espfab_engine.h for that contract.
 */
#include "espfab.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/rand.h>

#include "espfab_engine.h"

static const struct espfab_engine_ops *const engines[] = {
	&espfab_engine_sw,
	&espfab_engine_model,
	&espfab_engine_sim,
	&espfab_engine_uio, /* Zynq; fails to open without the device */
	&espfab_engine_xrt, /* Alveo; a placeholder that says so where XRT was not installed */
};
#define N_ENGINES (sizeof engines / sizeof engines[0])

/* What the common layer remembers of each installed SA: enough to refuse an
 * update that changes the SA's identity.  No key material. */
struct slot_id {
	uint32_t spi;
	uint8_t used, dir, mode, cipher, auth, encap;
};

/* IV source.  Seeded: splitmix64 stream (deterministic, for comparing
 * engines; not for production traffic).  Unseeded: OpenSSL's public DRBG
 * (RAND_bytes: CTR-DRBG seeded by the OS, reseeded after fork) in 4 KiB
 * refills, which costs less per IV than a getrandom() system call. */
struct iv_source {
	bool seeded;
	uint64_t state;
	uint8_t pool[4096];
	size_t avail;
};

/* What the handles of one device share (espfab_open_queue): the SA
 * identities, under a lock that also orders SA changes against submits.
 * Lock order: this lock, then whatever the engine locks. */
struct espfab_shared {
	pthread_mutex_t lock;
	unsigned refs;        /* open handles */
	unsigned opened;      /* handles ever opened: the next one's IV stream */
	struct slot_id *ids;
	bool iv_seeded;
	uint64_t iv_seed;
};

struct espfab_dev {
	const struct espfab_engine_ops *ops;
	void *priv;
	uint32_t slots;
	uint32_t depth;
	uint32_t inflight;
	bool failed;
	struct espfab_shared *sh;
	struct slot_id *ids;  /* sh->ids; read and written under sh->lock */
	struct iv_source iv;
	espfab_dev_counters counters;
	char err[256];
};

static _Thread_local char open_err[256];

/* The engine's own reason for its last failure, or "". */
static const char *engine_why(const espfab_dev *dev)
{
	const char *w = dev->ops->last_error ? dev->ops->last_error(dev->priv) : NULL;
	return w ? w : "";
}

static void set_err(espfab_dev *dev, const char *fmt, ...);

/* A call on a failed device: say so, with the engine's reason. */
static void set_failed_err(espfab_dev *dev)
{
	set_err(dev, "device has failed%s%s", engine_why(dev)[0] ? ": " : "", engine_why(dev));
}

static void set_err(espfab_dev *dev, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dev->err, sizeof dev->err, fmt, ap);
	va_end(ap);
}

void espfab_wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

int espfab_ct_memcmp(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d != 0;
}

/* An engine without submit is a placeholder for one this build left out
 * (engine_xrt.c without XRT): not listed, but opening it says why. */
static bool engine_built(const struct espfab_engine_ops *ops)
{
	return ops->submit != NULL;
}

const char *const *espfab_engines(void)
{
	static const char *names[N_ENGINES + 1];
	size_t n = 0;
	for (size_t i = 0; i < N_ENGINES; i++)
		if (engine_built(engines[i]))
			names[n++] = engines[i]->name;
	names[n] = NULL;
	return names;
}

const char *const *espfab_engines_not_built(void)
{
	static char lines[N_ENGINES][96];
	static const char *list[N_ENGINES + 1];
	size_t n = 0;
	for (size_t i = 0; i < N_ENGINES; i++)
		if (!engine_built(engines[i])) {
			snprintf(lines[n], sizeof lines[n], "%s: %s", engines[i]->name, engines[i]->summary);
			list[n] = lines[n];
			n++;
		}
	list[n] = NULL;
	return list;
}

const char *espfab_open_error(void)
{
	return open_err;
}

int espfab_open(const char *name, const espfab_open_opts *opts, espfab_dev **out)
{
	static const espfab_open_opts defaults;
	const struct espfab_engine_ops *ops = NULL;
	espfab_dev *dev = NULL;
	char why[200] = "";
	int rc;

	*out = NULL;
	open_err[0] = 0;
	if (!opts)
		opts = &defaults;
	for (size_t i = 0; name && i < N_ENGINES; i++)
		if (!strcmp(engines[i]->name, name))
			ops = engines[i];
	if (!ops) {
		char list[128] = "";
		for (size_t i = 0; i < N_ENGINES; i++)
			if (engine_built(engines[i]))
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", list[0] ? ", " : "",
					 engines[i]->name);
		snprintf(open_err, sizeof open_err, "unknown engine '%s' (this build has: %s)", name ? name : "",
			 list);
		return -ENOENT;
	}
	uint32_t slots = opts->sa_slots ? opts->sa_slots : 256;
	uint32_t depth = opts->queue_depth ? opts->queue_depth : 1024;
	if (slots > ESPFAB_SA_SLOTS_MAX || depth > 65536) {
		snprintf(open_err, sizeof open_err, "sa_slots must be 1..%d and queue_depth 1..65536",
			 ESPFAB_SA_SLOTS_MAX);
		return -EINVAL;
	}
	dev = calloc(1, sizeof *dev);
	if (!dev || !(dev->sh = calloc(1, sizeof *dev->sh)) || !(dev->ids = calloc(slots, sizeof *dev->ids))) {
		rc = -ENOMEM;
		snprintf(open_err, sizeof open_err, "out of memory");
		goto fail;
	}
	pthread_mutex_init(&dev->sh->lock, NULL);
	dev->sh->refs = 1;
	dev->sh->opened = 1;
	dev->sh->ids = dev->ids;
	dev->sh->iv_seeded = opts->iv_seeded;
	dev->sh->iv_seed = opts->iv_seed;
	dev->ops = ops;
	dev->slots = slots;
	dev->depth = depth;
	dev->iv.seeded = opts->iv_seeded;
	dev->iv.state = opts->iv_seed;
	if (ops->open_params)
		rc = ops->open_params(&dev->priv, slots, depth, opts->params, why, sizeof why);
	else if (opts->params && opts->params[0]) {
		snprintf(why, sizeof why, "takes no parameters (got \"%s\")", opts->params);
		rc = -EINVAL;
	} else
		rc = ops->open(&dev->priv, slots, depth, why, sizeof why);
	if (rc) {
		snprintf(open_err, sizeof open_err, "engine %s: %s", ops->name, why[0] ? why : strerror(-rc));
		goto fail;
	}
	*out = dev;
	return 0;
fail:
	if (dev) {
		free(dev->ids);
		if (dev->sh)
			pthread_mutex_destroy(&dev->sh->lock);
		free(dev->sh);
	}
	free(dev);
	return rc;
}

int espfab_open_queue(espfab_dev *dev, espfab_dev **out)
{
	char why[200] = "";
	espfab_dev *q;
	int rc;

	if (out)
		*out = NULL;
	if (!dev || !out)
		return -EINVAL;
	if (!dev->ops->open_queue) {
		set_err(dev, "engine %s has no hardware queues: each espfab_open of it is a device of its own (with "
			     "its own SA table), so give each thread its own espfab_open instead",
			dev->ops->name);
		return -ENOTSUP;
	}
	if (dev->failed) {
		set_failed_err(dev);
		return -EIO;
	}
	q = calloc(1, sizeof *q);
	if (!q) {
		set_err(dev, "out of memory");
		return -ENOMEM;
	}
	*q = (espfab_dev){ .ops = dev->ops, .slots = dev->slots, .depth = dev->depth, .sh = dev->sh,
			   .ids = dev->ids };
	pthread_mutex_lock(&dev->sh->lock);
	rc = dev->ops->open_queue(dev->priv, &q->priv, why, sizeof why);
	if (!rc) {
		dev->sh->refs++;
		/* seeded: the k-th handle of the device draws from seed + k */
		q->iv.seeded = dev->sh->iv_seeded;
		q->iv.state = dev->sh->iv_seed + dev->sh->opened++;
	}
	pthread_mutex_unlock(&dev->sh->lock);
	if (rc) {
		set_err(dev, "engine %s: no queue for another handle: %s", dev->ops->name,
			why[0] ? why : strerror(-rc));
		free(q);
		return rc;
	}
	*out = q;
	return 0;
}

void espfab_close(espfab_dev *dev)
{
	if (!dev)
		return;
	struct espfab_shared *sh = dev->sh;
	pthread_mutex_lock(&sh->lock);
	bool last = --sh->refs == 0;
	pthread_mutex_unlock(&sh->lock);
	/* the engine refcounts its device: handles close in any order */
	dev->ops->close(dev->priv);
	espfab_wipe(&dev->iv, sizeof dev->iv);
	if (last) {
		free(sh->ids);
		pthread_mutex_destroy(&sh->lock);
		free(sh);
	}
	free(dev);
}

void *espfab_engine_priv(espfab_dev *dev)
{
	return dev->priv;
}

const char *espfab_engine_name(const espfab_dev *dev)
{
	return dev->ops->name;
}

uint32_t espfab_sa_slots(const espfab_dev *dev)
{
	return dev->slots;
}

const char *espfab_last_error(const espfab_dev *dev)
{
	return dev->err;
}

int espfab_dev_cycles(const espfab_dev *dev, uint64_t *cycles)
{
	if (!dev || !cycles)
		return -EINVAL;
	*cycles = 0;
	if (!dev->ops->cycles)
		return -ENOTSUP;
	return dev->ops->cycles(dev->priv, cycles);
}

/* ---- SA validation ---------------------------------------------------- */

static int why_fail(char *why, size_t len, const char *fmt, ...)
{
	if (why && len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int espfab_sa_check(const espfab_sa_t *sa, char *why, size_t why_len)
{
	if (sa->dir != ESPFAB_DIR_OUT && sa->dir != ESPFAB_DIR_IN)
		return why_fail(why, why_len, "dir: %u is neither OUT (0) nor IN (1)", sa->dir);
	if (sa->mode != ESPFAB_MODE_TUNNEL && sa->mode != ESPFAB_MODE_TRANSPORT)
		return why_fail(why, why_len, "mode: %u is neither TUNNEL (0) nor TRANSPORT (1)", sa->mode);
	if (sa->encap != ESPFAB_ENCAP_NONE && sa->encap != ESPFAB_ENCAP_UDP)
		return why_fail(why, why_len, "encap: %u is neither NONE (0) nor UDP (1)", sa->encap);
	switch (sa->cipher) {
	case ESPFAB_CIPHER_DES:
		if (sa->enc_key_len != 8)
			return why_fail(why, why_len, "enc_key_len: DES takes an 8-byte key, not %u", sa->enc_key_len);
		break;
	case ESPFAB_CIPHER_3DES:
		if (sa->enc_key_len != 24 && sa->enc_key_len != 16)
			return why_fail(why, why_len, "enc_key_len: 3DES takes a 24-byte (or two-key 16-byte) key, not %u",
					sa->enc_key_len);
		break;
	case ESPFAB_CIPHER_AES:
		if (sa->enc_key_len != 16 && sa->enc_key_len != 24 && sa->enc_key_len != 32)
			return why_fail(why, why_len, "enc_key_len: AES takes a 16, 24 or 32-byte key, not %u",
					sa->enc_key_len);
		break;
	default:
		return why_fail(why, why_len, "cipher: %u is not DES (1), 3DES (2) or AES (3)", sa->cipher);
	}
	switch (sa->auth) {
	case ESPFAB_AUTH_MD5:
		if (sa->auth_key_len != 16)
			return why_fail(why, why_len, "auth_key_len: HMAC-MD5-96 takes a 16-byte key, not %u",
					sa->auth_key_len);
		break;
	case ESPFAB_AUTH_SHA1:
		if (sa->auth_key_len != 20)
			return why_fail(why, why_len, "auth_key_len: HMAC-SHA1-96 takes a 20-byte key, not %u",
					sa->auth_key_len);
		break;
	default:
		return why_fail(why, why_len, "auth: %u is not MD5 (1) or SHA1 (2)", sa->auth);
	}
	if (sa->replay_window % 32 || sa->replay_window > ESPFAB_REPLAY_MAX)
		return why_fail(why, why_len, "replay_window: %u is not 0 or a multiple of 32 up to %d",
				sa->replay_window, ESPFAB_REPLAY_MAX);
	if (sa->life_soft_kb && sa->life_hard_kb && sa->life_soft_kb > sa->life_hard_kb)
		return why_fail(why, why_len, "life_soft_kb: %u is above life_hard_kb %u", sa->life_soft_kb,
				sa->life_hard_kb);
	if (sa->dir == ESPFAB_DIR_OUT && sa->mode == ESPFAB_MODE_TUNNEL && (!sa->tun_src || !sa->tun_dst))
		return why_fail(why, why_len, "tun_src/tun_dst: an outbound tunnel-mode SA needs both endpoints");
	if (sa->encap == ESPFAB_ENCAP_UDP && (!sa->sport || !sa->dport))
		return why_fail(why, why_len, "sport/dport: UDP encapsulation needs both ports");
	return 0;
}

/* Copy sa for the engine: normalised (valid set, reserved zero, two-key
 * 3DES expanded to K1 K2 K1).  The caller wipes the copy. */
static void sa_normalise(espfab_sa_t *dst, const espfab_sa_t *src)
{
	*dst = *src;
	dst->valid = 1;
	dst->rsvd0 = 0;
	dst->rsvd1 = 0;
	if (dst->cipher == ESPFAB_CIPHER_3DES && dst->enc_key_len == 16) {
		memcpy(dst->enc_key + 16, dst->enc_key, 8);
		dst->enc_key_len = 24;
	}
	if (dst->enc_key_len < ESPFAB_ENC_KEY_MAX)
		memset(dst->enc_key + dst->enc_key_len, 0, ESPFAB_ENC_KEY_MAX - dst->enc_key_len);
	if (dst->auth_key_len < ESPFAB_AUTH_KEY_MAX)
		memset(dst->auth_key + dst->auth_key_len, 0, ESPFAB_AUTH_KEY_MAX - dst->auth_key_len);
}

static int slot_ok(espfab_dev *dev, uint32_t slot)
{
	if (slot >= dev->slots) {
		set_err(dev, "slot %u out of range (device has %u)", slot, dev->slots);
		return -EINVAL;
	}
	return 0;
}

static int sa_install(espfab_dev *dev, uint32_t slot, const espfab_sa_t *sa, bool update)
{
	espfab_sa_t copy;
	struct slot_id *id;
	char why[200];
	int rc = slot_ok(dev, slot);

	if (rc)
		return rc;
	if (dev->failed) {
		set_failed_err(dev);
		return -EIO;
	}
	id = &dev->ids[slot];
	if (espfab_sa_check(sa, why, sizeof why)) {
		set_err(dev, "SA for slot %u: %s", slot, why);
		return -EINVAL;
	}
	if (!update && id->used) {
		set_err(dev, "slot %u already holds SA 0x%08x; delete it first", slot, id->spi);
		return -EBUSY;
	}
	if (update) {
		if (!id->used) {
			set_err(dev, "slot %u is empty; nothing to update", slot);
			return -ENOENT;
		}
		if (id->spi != sa->spi || id->dir != sa->dir || id->mode != sa->mode || id->cipher != sa->cipher ||
		    id->auth != sa->auth || id->encap != sa->encap) {
			set_err(dev, "slot %u: update may not change SPI, direction, mode, encapsulation or algorithms",
				slot);
			return -EINVAL;
		}
	}
	sa_normalise(&copy, sa);
	rc = dev->ops->sa_write(dev->priv, slot, &copy, update);
	espfab_wipe(&copy, sizeof copy);
	if (rc) {
		if (rc == -EIO)
			dev->failed = true;
		set_err(dev, "engine %s refused the SA for slot %u (%s)%s%s", dev->ops->name, slot, strerror(-rc),
			engine_why(dev)[0] ? ": " : "", engine_why(dev));
		return rc;
	}
	*id = (struct slot_id){ .spi = sa->spi, .used = 1, .dir = sa->dir, .mode = sa->mode,
				.cipher = sa->cipher, .auth = sa->auth, .encap = sa->encap };
	return 0;
}

int espfab_sa_add(espfab_dev *dev, uint32_t slot, const espfab_sa_t *sa)
{
	pthread_mutex_lock(&dev->sh->lock);
	int rc = sa_install(dev, slot, sa, false);
	pthread_mutex_unlock(&dev->sh->lock);
	return rc;
}

int espfab_sa_update(espfab_dev *dev, uint32_t slot, const espfab_sa_t *sa)
{
	pthread_mutex_lock(&dev->sh->lock);
	int rc = sa_install(dev, slot, sa, true);
	pthread_mutex_unlock(&dev->sh->lock);
	return rc;
}

static int sa_del_locked(espfab_dev *dev, uint32_t slot)
{
	int rc = slot_ok(dev, slot);
	if (rc)
		return rc;
	if (!dev->ids[slot].used) {
		set_err(dev, "slot %u is empty", slot);
		return -ENOENT;
	}
	rc = dev->ops->sa_clear(dev->priv, slot);
	if (rc) {
		if (rc == -EIO)
			dev->failed = true;
		set_err(dev, "engine %s could not clear slot %u (%s)%s%s", dev->ops->name, slot, strerror(-rc),
			engine_why(dev)[0] ? ": " : "", engine_why(dev));
		return rc;
	}
	memset(&dev->ids[slot], 0, sizeof dev->ids[slot]);
	return 0;
}

int espfab_sa_del(espfab_dev *dev, uint32_t slot)
{
	pthread_mutex_lock(&dev->sh->lock);
	int rc = sa_del_locked(dev, slot);
	pthread_mutex_unlock(&dev->sh->lock);
	return rc;
}

static int sa_state_locked(espfab_dev *dev, uint32_t slot, espfab_sa_state_t *st)
{
	int rc = slot_ok(dev, slot);
	if (rc)
		return rc;
	if (!dev->ids[slot].used) {
		set_err(dev, "slot %u is empty", slot);
		return -ENOENT;
	}
	rc = dev->ops->sa_read_state(dev->priv, slot, st);
	if (rc) {
		if (rc == -EIO)
			dev->failed = true;
		set_err(dev, "engine %s could not read the state of slot %u (%s)%s%s", dev->ops->name, slot,
			strerror(-rc), engine_why(dev)[0] ? ": " : "", engine_why(dev));
	}
	return rc;
}

int espfab_sa_state(espfab_dev *dev, uint32_t slot, espfab_sa_state_t *st)
{
	pthread_mutex_lock(&dev->sh->lock);
	int rc = sa_state_locked(dev, slot, st);
	pthread_mutex_unlock(&dev->sh->lock);
	return rc;
}

void espfab_dev_counters_get(const espfab_dev *dev, espfab_dev_counters *c)
{
	*c = dev->counters;
}

/* ---- IVs -------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int iv_fill(struct iv_source *iv, uint8_t out[ESPFAB_IV_MAX])
{
	if (iv->seeded) {
		for (int i = 0; i < ESPFAB_IV_MAX; i += 8) {
			uint64_t v = splitmix64(&iv->state);
			memcpy(out + i, &v, 8);
		}
		return 0;
	}
	if (iv->avail < ESPFAB_IV_MAX) {
		if (RAND_bytes(iv->pool, (int)sizeof iv->pool) != 1)
			return -EIO;
		iv->avail = sizeof iv->pool;
	}
	iv->avail -= ESPFAB_IV_MAX;
	memcpy(out, iv->pool + iv->avail, ESPFAB_IV_MAX);
	espfab_wipe(iv->pool + iv->avail, ESPFAB_IV_MAX);
	return 0;
}

/* ---- requests --------------------------------------------------------- */

#define SUBMIT_CHUNK 64

int espfab_submit(espfab_dev *dev, const espfab_op *ops, unsigned n, unsigned *accepted)
{
	espfab_req_t reqs[SUBMIT_CHUNK];
	uint64_t iv_before[SUBMIT_CHUNK]; /* seeded IV state before each request */
	unsigned done = 0;
	int rc = 0;

	if (accepted)
		*accepted = 0;
	if (dev->failed) {
		set_failed_err(dev);
		return -EIO;
	}
	for (unsigned i = 0; i < n; i++) {
		if ((!ops[i].in && ops[i].in_len) || (!ops[i].out && ops[i].out_cap)) {
			set_err(dev, "op %u: NULL buffer with non-zero length", i);
			return -EINVAL;
		}
	}
	while (done < n) {
		unsigned k = n - done < SUBMIT_CHUNK ? n - done : SUBMIT_CHUNK;
		unsigned room = dev->depth - dev->inflight;
		if (k > room)
			k = room;
		if (k == 0)
			break;
		/* the SA identities as of this chunk, and no SA change between
		 * reading them and the engine taking the requests */
		pthread_mutex_lock(&dev->sh->lock);
		for (unsigned i = 0; i < k; i++) {
			const espfab_op *op = &ops[done + i];
			espfab_req_t *r = &reqs[i];
			iv_before[i] = dev->iv.state;
			memset(r, 0, sizeof *r);
			r->cookie = op->cookie;
			r->in_addr = (uint64_t)(uintptr_t)op->in;
			r->out_addr = (uint64_t)(uintptr_t)op->out;
			r->slot = op->slot;
			r->in_len = op->in_len;
			r->out_cap = op->out_cap;
			/* The SA decides the operation; for an empty or out-of-range
			 * slot the engine answers NO_SA whatever op says. */
			bool in = op->slot < dev->slots && dev->ids[op->slot].used &&
				  dev->ids[op->slot].dir == ESPFAB_DIR_IN;
			r->op = in ? ESPFAB_OP_DECAP : ESPFAB_OP_ENCAP;
			if (!in && op->slot < dev->slots && dev->ids[op->slot].used) {
				rc = iv_fill(&dev->iv, r->iv);
				if (rc) {
					set_err(dev, "IV source failed: %s", strerror(-rc));
					k = i;
					break;
				}
			}
		}
		int got = k ? dev->ops->submit(dev->priv, reqs, k) : 0;
		pthread_mutex_unlock(&dev->sh->lock);
		for (unsigned i = 0; i < k; i++)
			espfab_wipe(reqs[i].iv, sizeof reqs[i].iv);
		if (got < 0) {
			dev->failed = true;
			set_err(dev, "engine %s failed on submit (%s)%s%s", dev->ops->name, strerror(-got),
				engine_why(dev)[0] ? ": " : "", engine_why(dev));
			rc = -EIO;
			break;
		}
		/* Requests the engine did not take (a full ring) give their seeded
		 * IVs back, so the IV stream depends only on accepted requests and
		 * engines with different queue sizes stay comparable. */
		if ((unsigned)got < k && dev->iv.seeded)
			dev->iv.state = iv_before[got];
		done += (unsigned)got;
		dev->inflight += (unsigned)got;
		dev->counters.submitted += (unsigned)got;
		if ((unsigned)got < k || rc)
			break;
	}
	if (accepted)
		*accepted = done;
	if (rc)
		return done ? 0 : rc;
	if (done == 0 && n > 0) {
		set_err(dev, "queue full (%u in flight)", dev->inflight);
		return -ENOSPC;
	}
	return 0;
}

int espfab_poll(espfab_dev *dev, espfab_cpl *cpls, unsigned max)
{
	/* A failed device still hands back what it had in flight (as DEVICE
	 * completions from the engine) before answering -EIO. */
	if (dev->failed && dev->inflight == 0) {
		set_failed_err(dev);
		return -EIO;
	}
	int got = dev->ops->poll(dev->priv, cpls, max);
	if (got < 0) {
		dev->failed = true;
		set_err(dev, "engine %s failed on poll (%s)%s%s", dev->ops->name, strerror(-got),
			engine_why(dev)[0] ? ": " : "", engine_why(dev));
		return -EIO;
	}
	if ((unsigned)got > dev->inflight)
		got = (int)dev->inflight; /* an engine never returns more than was submitted */
	for (int i = 0; i < got; i++) {
		unsigned st = cpls[i].status < ESPFAB_STATUS_SLOTS ? cpls[i].status : ESPFAB_STATUS_DEVICE;
		dev->counters.count[st]++;
	}
	dev->counters.completed += (unsigned)got;
	dev->inflight -= (unsigned)got;
	return got;
}

unsigned espfab_inflight(const espfab_dev *dev)
{
	return dev->inflight;
}

int espfab_process_one(espfab_dev *dev, const espfab_op *op, espfab_cpl *cpl)
{
	unsigned acc;
	if (dev->inflight) {
		set_err(dev, "espfab_process_one needs an idle queue (%u in flight)", dev->inflight);
		return -EBUSY;
	}
	int rc = espfab_submit(dev, op, 1, &acc);
	if (rc)
		return rc;
	/* Synchronous engines complete at once; asynchronous ones get a
	 * bounded number of polls before the device is declared hung. */
	for (long spin = 0; spin < 100000000L; spin++) {
		rc = espfab_poll(dev, cpl, 1);
		if (rc != 0)
			return rc < 0 ? rc : 0;
	}
	dev->failed = true;
	set_err(dev, "engine %s did not complete a request", dev->ops->name);
	return -EIO;
}
