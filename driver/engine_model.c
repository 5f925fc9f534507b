/*
 * The "model" engine: libespfab's engine interface on top of the HLS C
 * kernels (hls/esp), i.e. the golden model of the fabric run on the CPU.
 * Owner: H2.
 *
 * The engine keeps what the fabric keeps in its RAMs: the SA table, the
 * per-slot key contexts (esp_sa_setup output) and the per-slot state, each
 * ESPFAB_SA_SLOTS_MAX entries because esp_top addresses that many; slots
 * at or above the device's configured count simply stay empty.  Requests
 * are transformed synchronously in submit() by esp_top through MAX_FRAME
 * staging buffers (the kernel's m_axi view of memory); completions wait in
 * a sync_queue until poll().
 *
 * Ownership: everything is heap-allocated in open() and freed in close().
 * Keys (SA entries and contexts) are wiped in sa_write before being
 * replaced, in sa_clear and in close; staging buffers, which hold
 * plaintext, are wiped after each request and in close.
 * Errors: open -ENOMEM/-EINVAL with a reason; sa_write -EINVAL when the
 * kernel cannot set up the SA (the slot is then unchanged); slot arguments
 * out of range -EINVAL.  Per-packet problems are completion statuses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfab_engine.h"
#include "esp/esp.h"
#include "sync_engine.h"

struct model {
	uint32_t slots;
	espfab_sa_t *sa;          /* [ESPFAB_SA_SLOTS_MAX] */
	esp_ctx_t *ctx;           /* [ESPFAB_SA_SLOTS_MAX] */
	espfab_sa_state_t *state; /* [ESPFAB_SA_SLOTS_MAX] */
	struct sync_queue q;
	uint8_t in[ESPFAB_MAX_FRAME];
	uint8_t out[ESPFAB_MAX_FRAME];
};

static void model_free(struct model *m)
{
	if (!m)
		return;
	if (m->sa) {
		espfab_wipe(m->sa, ESPFAB_SA_SLOTS_MAX * sizeof *m->sa);
		free(m->sa);
	}
	if (m->ctx) {
		espfab_wipe(m->ctx, ESPFAB_SA_SLOTS_MAX * sizeof *m->ctx);
		free(m->ctx);
	}
	free(m->state);
	if (m->q.cpl)
		sync_queue_fini(&m->q);
	espfab_wipe(m->in, sizeof m->in);
	espfab_wipe(m->out, sizeof m->out);
	free(m);
}

static int model_open(void **priv, uint32_t slots, uint32_t depth, char *why, size_t why_len)
{
	struct model *m;
	int rc;

	*priv = NULL;
	if (slots == 0 || slots > ESPFAB_SA_SLOTS_MAX) {
		snprintf(why, why_len, "model: %u SA slots requested, 1..%d supported", slots, ESPFAB_SA_SLOTS_MAX);
		return -EINVAL;
	}
	m = calloc(1, sizeof *m);
	if (!m) {
		snprintf(why, why_len, "model: out of memory");
		return -ENOMEM;
	}
	m->slots = slots;
	m->sa = calloc(ESPFAB_SA_SLOTS_MAX, sizeof *m->sa);
	m->ctx = calloc(ESPFAB_SA_SLOTS_MAX, sizeof *m->ctx);
	m->state = calloc(ESPFAB_SA_SLOTS_MAX, sizeof *m->state);
	if (!m->sa || !m->ctx || !m->state) {
		model_free(m);
		snprintf(why, why_len, "model: out of memory for the SA tables");
		return -ENOMEM;
	}
	rc = sync_queue_init(&m->q, depth);
	if (rc) {
		model_free(m);
		snprintf(why, why_len, "model: completion queue of depth %u: %s", depth, strerror(-rc));
		return rc;
	}
	*priv = m;
	return 0;
}

static void model_close(void *priv)
{
	model_free(priv);
}

static int model_sa_write(void *priv, uint32_t slot, const espfab_sa_t *sa, bool keep_state)
{
	struct model *m = priv;
	esp_ctx_t ctx;

	if (slot >= m->slots)
		return -EINVAL;
	if (esp_sa_setup(sa, &ctx) != 0) {
		espfab_wipe(&ctx, sizeof ctx);
		return -EINVAL;
	}
	espfab_wipe(&m->sa[slot], sizeof m->sa[slot]);
	espfab_wipe(&m->ctx[slot], sizeof m->ctx[slot]);
	m->sa[slot] = *sa;
	m->sa[slot].valid = 1;
	m->ctx[slot] = ctx;
	espfab_wipe(&ctx, sizeof ctx);
	if (!keep_state)
		memset(&m->state[slot], 0, sizeof m->state[slot]);
	return 0;
}

static int model_sa_clear(void *priv, uint32_t slot)
{
	struct model *m = priv;

	if (slot >= m->slots)
		return -EINVAL;
	espfab_wipe(&m->sa[slot], sizeof m->sa[slot]);
	espfab_wipe(&m->ctx[slot], sizeof m->ctx[slot]);
	memset(&m->state[slot], 0, sizeof m->state[slot]);
	return 0;
}

static int model_sa_read_state(void *priv, uint32_t slot, espfab_sa_state_t *st)
{
	struct model *m = priv;

	if (slot >= m->slots)
		return -EINVAL;
	*st = m->state[slot];
	return 0;
}

/* One request through the kernel; the completion goes to *cpl. */
static void model_run(struct model *m, const espfab_req_t *r, espfab_cpl_t *cpl)
{
	espfab_req_t req = *r;
	const uint8_t *in = (const uint8_t *)(uintptr_t)r->in_addr;
	uint8_t *out = (uint8_t *)(uintptr_t)r->out_addr;
	size_t n = r->in_len < ESPFAB_MAX_FRAME ? r->in_len : ESPFAB_MAX_FRAME;

	if (in)
		memcpy(m->in, in, n);
	else
		memset(m->in, 0, n);
	if (!out)
		req.out_cap = 0;
	esp_top(m->sa, m->ctx, m->state, &req, m->in, m->out, cpl);
	if (cpl->status == ESPFAB_STATUS_OK && cpl->out_len > 0)
		memcpy(out, m->out, cpl->out_len); /* esp_top keeps out_len <= out_cap */
	espfab_wipe(m->in, n);
	espfab_wipe(m->out, cpl->out_len);
	espfab_wipe(&req.iv, sizeof req.iv);
}

static int model_submit(void *priv, const espfab_req_t *reqs, unsigned n)
{
	struct model *m = priv;
	unsigned room = sync_queue_space(&m->q);
	unsigned k = n < room ? n : room;

	for (unsigned i = 0; i < k; i++) {
		espfab_cpl_t cpl;
		model_run(m, &reqs[i], &cpl);
		sync_queue_push(&m->q, &cpl);
	}
	return (int)k;
}

static int model_poll(void *priv, espfab_cpl_t *cpls, unsigned max)
{
	struct model *m = priv;

	return (int)sync_queue_pop(&m->q, cpls, max);
}

const struct espfab_engine_ops espfab_engine_model = {
	.name = "model",
	.summary = "golden model: the HLS C kernels (hls/esp) run on the CPU",
	.open = model_open,
	.close = model_close,
	.sa_write = model_sa_write,
	.sa_clear = model_sa_clear,
	.sa_read_state = model_sa_read_state,
	.submit = model_submit,
	.poll = model_poll,
};
