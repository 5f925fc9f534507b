/*
 * Behavioural C model of the espfab fabric (espfab_dma_top); see
 * fabric_model.h for the API and docs/rtl-dma.md for the semantics it
 * follows.  The ESP transform is hls/esp's esp_top, the golden model the
 * RTL is checked against, so the model's bytes are the RTL's bytes.
 *
 * Time: one request at a time.  At fetch the descriptor is read, checked
 * (BAD_REQUEST for in_len > MAX_FRAME or misaligned buffers, DEVICE for a
 * read error), the packet read and transformed; the completion is
 * published `cost` cycles later (req_cycles + input and output beats):
 * output bytes, record, CQ_PI, index block, counters, interrupt causes,
 * moderation.  Queues are served round robin, one descriptor each.
 */
#include "fabric_model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "espfab_contract.h"
#include "esp/esp.h"

#define QMAX ESPFAB_QUEUES_MAX
#define BIT(n) (1u << (n))

struct fmq {
	uint32_t ctrl;          /* ENABLE | IRQ_EN as written */
	bool err, reset_rejected;
	uint64_t rq_base, cq_base;
	uint32_t log2;
	uint32_t pi, ci, cpi;
	uint32_t irq_count, irq_timer;
	uint32_t unsig;         /* completions not yet signalled */
	uint64_t unsig_since;   /* cycle of the oldest of them */
};

struct fm {
	struct fm_config c;
	uint64_t now;
	bool hung;
	uint32_t scratch, irq_raw, irq_enable, sa_slot, sa_status, st_slot, dma_err, dma_irq;
	uint64_t cnt_submit, cnt_cpl, cnt_status[ESPFAB_STATUS_SLOTS];
	uint32_t hi_submit, hi_cpl, hi_status[ESPFAB_STATUS_SLOTS];
	uint32_t sa_win[ESPFAB_CSR_SA_WIN_COUNT];
	uint32_t st_win[ESPFAB_CSR_ST_WIN_COUNT];
	espfab_sa_t *sa;          /* [ESPFAB_SA_SLOTS_MAX], as esp_top addresses */
	esp_ctx_t *ctx;
	espfab_sa_state_t *state;
	struct fmq q[QMAX];
	uint64_t q_done[QMAX];    /* completions published per queue since open (not registers: kept over reset) */
	unsigned rr;
	/* the request in the engine */
	bool active;
	unsigned aq;
	uint32_t aslot;           /* ring slot */
	uint64_t done_at;
	uint64_t out_addr;
	espfab_cpl_t acpl;
	uint8_t in[ESPFAB_MAX_FRAME];
	uint8_t out[ESPFAB_MAX_FRAME];
};

void fm_config_default(struct fm_config *c)
{
	memset(c, 0, sizeof *c);
	c->sa_slots = 1024;
	c->n_queues = 4;
	c->stream_bytes = 16;
	c->n_ctx = 8;
	c->cipher_lanes = 1;
	c->pipelined = 1;
	c->req_cycles = 40;
}

static void fm_wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

static void q_reset(struct fmq *q)
{
	memset(q, 0, sizeof *q);
	q->log2 = 4;
}

/* Registers, queues, SA table and state to their reset values. */
static void fm_reset_state(struct fm *f)
{
	f->scratch = f->irq_raw = f->irq_enable = f->sa_slot = f->sa_status = f->st_slot = 0;
	f->dma_err = f->dma_irq = 0;
	f->cnt_submit = f->cnt_cpl = 0;
	memset(f->cnt_status, 0, sizeof f->cnt_status);
	f->hi_submit = f->hi_cpl = 0;
	memset(f->hi_status, 0, sizeof f->hi_status);
	fm_wipe(f->sa_win, sizeof f->sa_win);
	memset(f->st_win, 0, sizeof f->st_win);
	fm_wipe(f->sa, ESPFAB_SA_SLOTS_MAX * sizeof *f->sa);
	fm_wipe(f->ctx, ESPFAB_SA_SLOTS_MAX * sizeof *f->ctx);
	memset(f->state, 0, ESPFAB_SA_SLOTS_MAX * sizeof *f->state);
	for (unsigned i = 0; i < QMAX; i++)
		q_reset(&f->q[i]);
	f->rr = 0;
	f->active = false;
	fm_wipe(f->in, sizeof f->in);
	fm_wipe(f->out, sizeof f->out);
}

struct fm *fm_open(const struct fm_config *c)
{
	struct fm *f;

	if (!c || !c->dma_read || !c->dma_write || c->sa_slots == 0 || c->sa_slots > ESPFAB_SA_SLOTS_MAX ||
	    c->n_queues == 0 || c->n_queues > QMAX || (c->stream_bytes != 16 && c->stream_bytes != 32) ||
	    c->req_cycles == 0)
		return NULL;
	f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->c = *c;
	f->sa = calloc(ESPFAB_SA_SLOTS_MAX, sizeof *f->sa);
	f->ctx = calloc(ESPFAB_SA_SLOTS_MAX, sizeof *f->ctx);
	f->state = calloc(ESPFAB_SA_SLOTS_MAX, sizeof *f->state);
	if (!f->sa || !f->ctx || !f->state) {
		fm_close(f);
		return NULL;
	}
	fm_reset_state(f);
	return f;
}

void fm_close(struct fm *f)
{
	if (!f)
		return;
	if (f->sa && f->ctx && f->state)
		fm_reset_state(f);
	free(f->sa);
	free(f->ctx);
	free(f->state);
	fm_wipe(f, sizeof *f);
	free(f);
}

void fm_reset(struct fm *f)
{
	fm_reset_state(f);
	f->now += 16;
}

void fm_hang(struct fm *f, bool hung)
{
	f->hung = hung;
}

uint64_t fm_cycles(const struct fm *f)
{
	return f->now;
}

uint64_t fm_queue_completions(const struct fm *f, unsigned q)
{
	return q < QMAX ? f->q_done[q] : 0;
}

uint32_t fm_irq_lines(const struct fm *f)
{
	uint32_t l = f->dma_irq & ((1u << f->c.n_queues) - 1);
	if (f->irq_raw & f->irq_enable)
		l |= BIT(31);
	return l;
}

static uint32_t q_size(const struct fmq *q)
{
	return 1u << q->log2;
}

/* ---- SA commands and state reads --------------------------------------- */

static void sa_command(struct fm *f, uint32_t op)
{
	uint32_t slot = f->sa_slot;
	bool ok = true;

	if (op != ESPFAB_SA_OP_ADD && op != ESPFAB_SA_OP_UPDATE && op != ESPFAB_SA_OP_DELETE) {
		f->sa_status |= BIT(ESPFAB_SA_STATUS_WR_REJECTED);
		return;
	}
	f->sa_status &= ~(BIT(ESPFAB_SA_STATUS_WR_REJECTED) | BIT(ESPFAB_SA_STATUS_WR_ERROR));
	if (slot >= f->c.sa_slots) {
		ok = false;
	} else if (op == ESPFAB_SA_OP_DELETE) {
		fm_wipe(&f->sa[slot], sizeof f->sa[slot]);
		fm_wipe(&f->ctx[slot], sizeof f->ctx[slot]);
		memset(&f->state[slot], 0, sizeof f->state[slot]);
	} else {
		espfab_sa_t sa;
		esp_ctx_t ctx;
		memcpy(&sa, f->sa_win, sizeof sa);
		if (!sa.valid || esp_sa_setup(&sa, &ctx) != 0) {
			ok = false;
		} else {
			fm_wipe(&f->sa[slot], sizeof f->sa[slot]);
			fm_wipe(&f->ctx[slot], sizeof f->ctx[slot]);
			f->sa[slot] = sa;
			f->ctx[slot] = ctx;
			if (op == ESPFAB_SA_OP_ADD)
				memset(&f->state[slot], 0, sizeof f->state[slot]);
		}
		fm_wipe(&sa, sizeof sa);
		fm_wipe(&ctx, sizeof ctx);
	}
	/* the staging window is wiped by every command */
	fm_wipe(f->sa_win, sizeof f->sa_win);
	if (!ok) {
		f->sa_status |= BIT(ESPFAB_SA_STATUS_WR_ERROR);
		f->irq_raw |= BIT(ESPFAB_IRQ_ERR);
	}
	f->irq_raw |= BIT(ESPFAB_IRQ_SA_DONE);
}

static void st_read(struct fm *f, uint32_t slot)
{
	f->st_slot = slot;
	memset(f->st_win, 0, sizeof f->st_win);
	if (slot < f->c.sa_slots)
		memcpy(f->st_win, &f->state[slot], sizeof f->state[slot]);
	f->sa_status |= BIT(ESPFAB_SA_STATUS_RD_DONE);
	f->sa_status &= ~BIT(ESPFAB_SA_STATUS_RD_REJECTED);
	f->irq_raw |= BIT(ESPFAB_IRQ_ST_DONE);
}

/* ---- registers ---------------------------------------------------------- */

static bool in_window(uint32_t off, uint32_t base, uint32_t count, uint32_t *i)
{
	if (off < base || off >= base + 4 * count)
		return false;
	*i = (off - base) / 4;
	return true;
}

static uint32_t q_status(const struct fm *f, unsigned k)
{
	const struct fmq *q = &f->q[k];
	uint32_t v = 0;
	if (q->ctrl & BIT(ESPFAB_QCTRL_ENABLE))
		v |= BIT(ESPFAB_QSTATUS_ENABLED);
	if (f->active && f->aq == k)
		v |= BIT(ESPFAB_QSTATUS_BUSY);
	if (q->err)
		v |= BIT(ESPFAB_QSTATUS_ERR);
	if (q->reset_rejected)
		v |= BIT(ESPFAB_QSTATUS_RESET_REJECTED);
	return v;
}

int fm_reg_read(struct fm *f, uint32_t off, uint32_t *val)
{
	uint32_t i;

	*val = 0;
	if (f->hung) {
		*val = 0xffffffffu;
		return -EIO;
	}
	if (off & 3)
		return -EIO;
	switch (off) {
	case ESPFAB_CSR_ID: *val = ESPFAB_DEVICE_ID; return 0;
	case ESPFAB_CSR_VERSION:
		*val = (uint32_t)ESPFAB_CONTRACT_VERSION_MAJOR << 16 | ESPFAB_CONTRACT_VERSION_MINOR;
		return 0;
	case ESPFAB_CSR_CAPS:
		*val = BIT(ESPFAB_CAPS_CIPHER_SHIFT + ESPFAB_CIPHER_DES - 1) |
		       BIT(ESPFAB_CAPS_CIPHER_SHIFT + ESPFAB_CIPHER_3DES - 1) |
		       BIT(ESPFAB_CAPS_CIPHER_SHIFT + ESPFAB_CIPHER_AES - 1) |
		       BIT(ESPFAB_CAPS_AUTH_SHIFT + ESPFAB_AUTH_MD5 - 1) |
		       BIT(ESPFAB_CAPS_AUTH_SHIFT + ESPFAB_AUTH_SHA1 - 1) |
		       BIT(ESPFAB_CAPS_ENCAP_SHIFT + ESPFAB_ENCAP_UDP - 1);
		return 0;
	case ESPFAB_CSR_SA_SLOTS: *val = f->c.sa_slots; return 0;
	case ESPFAB_CSR_N_CTX: *val = f->c.n_ctx; return 0;
	case ESPFAB_CSR_CIPHER_LANES: *val = f->c.cipher_lanes; return 0;
	case ESPFAB_CSR_PIPELINED: *val = f->c.pipelined; return 0;
	case ESPFAB_CSR_SCRATCH: *val = f->scratch; return 0;
	case ESPFAB_CSR_IRQ_STATUS: *val = f->irq_raw & f->irq_enable; return 0;
	case ESPFAB_CSR_IRQ_ENABLE: *val = f->irq_enable; return 0;
	case ESPFAB_CSR_IRQ_RAW: *val = f->irq_raw; return 0;
	case ESPFAB_CSR_SA_SLOT: *val = f->sa_slot; return 0;
	case ESPFAB_CSR_SA_CMD: *val = 0; return 0;
	case ESPFAB_CSR_SA_STATUS: *val = f->sa_status; return 0;
	case ESPFAB_CSR_ST_SLOT: *val = f->st_slot; return 0;
	case ESPFAB_CSR_CNT_SUBMIT_LO: f->hi_submit = (uint32_t)(f->cnt_submit >> 32); *val = (uint32_t)f->cnt_submit; return 0;
	case ESPFAB_CSR_CNT_SUBMIT_HI: *val = f->hi_submit; return 0;
	case ESPFAB_CSR_CNT_CPL_LO: f->hi_cpl = (uint32_t)(f->cnt_cpl >> 32); *val = (uint32_t)f->cnt_cpl; return 0;
	case ESPFAB_CSR_CNT_CPL_HI: *val = f->hi_cpl; return 0;
	case ESPFAB_CSR_STREAM_BYTES: *val = f->c.stream_bytes; return 0;
	case ESPFAB_CSR_N_QUEUES: *val = f->c.n_queues; return 0;
	case ESPFAB_CSR_DMA_ERR: *val = f->dma_err; return 0;
	case ESPFAB_CSR_DMA_IRQ: *val = f->dma_irq; return 0;
	default: break;
	}
	if (in_window(off, ESPFAB_CSR_CNT_STATUS_BASE, ESPFAB_CSR_CNT_STATUS_COUNT, &i)) {
		unsigned s = i / 2;
		if (i % 2 == 0) {
			f->hi_status[s] = (uint32_t)(f->cnt_status[s] >> 32);
			*val = (uint32_t)f->cnt_status[s];
		} else {
			*val = f->hi_status[s];
		}
		return 0;
	}
	if (in_window(off, ESPFAB_CSR_SA_WIN_BASE, ESPFAB_CSR_SA_WIN_COUNT, &i)) {
		*val = f->sa_win[i];
		return 0;
	}
	if (in_window(off, ESPFAB_CSR_ST_WIN_BASE, ESPFAB_CSR_ST_WIN_COUNT, &i)) {
		*val = (f->sa_status & BIT(ESPFAB_SA_STATUS_RD_DONE)) ? f->st_win[i] : 0;
		return 0;
	}
	if (off >= ESPFAB_CSR_Q_CTRL_BASE && off < ESPFAB_CSR_Q_IRQ_TIMER_BASE + 4 * QMAX) {
		unsigned k = (off / 4) % QMAX, reg = (off - ESPFAB_CSR_Q_CTRL_BASE) / (4 * QMAX);
		struct fmq *q = &f->q[k];
		if (k >= f->c.n_queues)
			return 0;
		switch (reg) {
		case 0: *val = q->ctrl; break;
		case 1: *val = q_status(f, k); break;
		case 2: *val = (uint32_t)q->rq_base; break;
		case 3: *val = (uint32_t)(q->rq_base >> 32); break;
		case 4: *val = q->log2; break;
		case 5: *val = q->pi; break;
		case 6: *val = q->ci; break;
		case 7: *val = (uint32_t)q->cq_base; break;
		case 8: *val = (uint32_t)(q->cq_base >> 32); break;
		case 9: *val = q->cpi; break;
		case 10: *val = q->irq_count; break;
		case 11: *val = q->irq_timer; break;
		}
		return 0;
	}
	return -EIO;
}

static void q_ctrl_write(struct fm *f, unsigned k, uint32_t v)
{
	struct fmq *q = &f->q[k];
	uint32_t keep = v & (BIT(ESPFAB_QCTRL_ENABLE) | BIT(ESPFAB_QCTRL_IRQ_EN));

	if (v & BIT(ESPFAB_QCTRL_RESET)) {
		bool busy = f->active && f->aq == k;
		if ((v & BIT(ESPFAB_QCTRL_ENABLE)) || (q->ctrl & BIT(ESPFAB_QCTRL_ENABLE)) || busy) {
			q->reset_rejected = true;
		} else {
			q->reset_rejected = false;
			q->pi = q->ci = q->cpi = 0;
			q->err = false;
			q->unsig = 0;
			f->dma_irq &= ~BIT(k);
		}
	}
	if (!(keep & BIT(ESPFAB_QCTRL_IRQ_EN)))
		q->unsig = 0;
	q->ctrl = keep;
}

int fm_reg_write(struct fm *f, uint32_t off, uint32_t v)
{
	uint32_t i;

	if (f->hung)
		return -EIO;
	if (off & 3)
		return -EIO;
	switch (off) {
	case ESPFAB_CSR_SCRATCH: f->scratch = v; return 0;
	case ESPFAB_CSR_IRQ_STATUS: f->irq_raw &= ~(v & f->irq_enable); return 0;
	case ESPFAB_CSR_IRQ_ENABLE: f->irq_enable = v & 0x3f; return 0;
	case ESPFAB_CSR_SA_SLOT: f->sa_slot = v; return 0;
	case ESPFAB_CSR_SA_CMD: sa_command(f, v); return 0;
	case ESPFAB_CSR_ST_SLOT: st_read(f, v); return 0;
	case ESPFAB_CSR_DMA_ERR: f->dma_err &= ~v; return 0;
	case ESPFAB_CSR_DMA_IRQ: f->dma_irq &= ~v; return 0;
	default: break;
	}
	if (in_window(off, ESPFAB_CSR_SA_WIN_BASE, ESPFAB_CSR_SA_WIN_COUNT, &i)) {
		f->sa_win[i] = v;
		return 0;
	}
	if (off >= ESPFAB_CSR_Q_CTRL_BASE && off < ESPFAB_CSR_Q_IRQ_TIMER_BASE + 4 * QMAX) {
		unsigned k = (off / 4) % QMAX, reg = (off - ESPFAB_CSR_Q_CTRL_BASE) / (4 * QMAX);
		struct fmq *q = &f->q[k];
		if (reg == 1 || reg == 6 || reg == 9) /* Q_STATUS, RQ_CI, CQ_PI are read-only */
			return -EIO;
		if (k >= f->c.n_queues)
			return 0;
		switch (reg) {
		case 0: q_ctrl_write(f, k, v); break;
		case 2: q->rq_base = (q->rq_base & ~0xffffffffull) | (v & ~0x3fu); break;
		case 3: q->rq_base = (q->rq_base & 0xffffffffull) | (uint64_t)v << 32; break;
		case 4: q->log2 = v < ESPFAB_RING_LOG2_MIN ? ESPFAB_RING_LOG2_MIN : v > ESPFAB_RING_LOG2_MAX ? ESPFAB_RING_LOG2_MAX : v; break;
		case 5: q->pi = v & (q_size(q) - 1); break;
		case 7: q->cq_base = (q->cq_base & ~0xffffffffull) | (v & ~0x3fu); break;
		case 8: q->cq_base = (q->cq_base & 0xffffffffull) | (uint64_t)v << 32; break;
		case 10: q->irq_count = v; break;
		case 11: q->irq_timer = v; break;
		}
		return 0;
	}
	return -EIO; /* unmapped or read-only */
}

/* ---- the DMA and the engine -------------------------------------------- */

static uint32_t beats(uint32_t n, uint32_t sb)
{
	return (n + sb - 1) / sb;
}

/* Fetch one descriptor from the next queue that has one; run it through
 * the engine.  Returns false when no queue has work. */
static bool fetch(struct fm *f)
{
	for (unsigned t = 0; t < f->c.n_queues; t++) {
		unsigned k = (f->rr + t) % f->c.n_queues;
		struct fmq *q = &f->q[k];
		if (!(q->ctrl & BIT(ESPFAB_QCTRL_ENABLE)) || q->ci == q->pi)
			continue;
		f->rr = (k + 1) % f->c.n_queues;
		uint32_t sb = f->c.stream_bytes, cost = f->c.req_cycles;
		espfab_req_t r;
		espfab_cpl_t *c = &f->acpl;

		memset(c, 0, sizeof *c);
		f->active = true;
		f->aq = k;
		f->aslot = q->ci;
		f->out_addr = 0;
		q->ci = (q->ci + 1) & (q_size(q) - 1);
		f->cnt_submit++;
		if (f->c.dma_read(f->c.dma_ctx, q->rq_base + (uint64_t)ESPFAB_REQ_SLOT_BYTES * f->aslot, &r, sizeof r)) {
			/* descriptor read error: DEVICE, cookie and slot as read (nothing) */
			f->dma_err |= BIT(ESPFAB_DMAERR_RD);
			q->err = true;
			c->status = ESPFAB_STATUS_DEVICE;
			f->done_at = f->now + cost;
			return true;
		}
		c->cookie = r.cookie;
		c->slot = r.slot;
		if (r.in_len > ESPFAB_MAX_FRAME || r.in_addr % sb || r.out_addr % sb) {
			c->status = ESPFAB_STATUS_BAD_REQUEST;
			f->done_at = f->now + cost;
			fm_wipe(&r, sizeof r);
			return true;
		}
		if (r.in_len && f->c.dma_read(f->c.dma_ctx, r.in_addr, f->in, r.in_len)) {
			f->dma_err |= BIT(ESPFAB_DMAERR_RD);
			q->err = true;
			c->status = ESPFAB_STATUS_DEVICE;
			f->done_at = f->now + cost;
			fm_wipe(&r, sizeof r);
			return true;
		}
		if (r.out_cap > ESPFAB_MAX_FRAME)
			r.out_cap = ESPFAB_MAX_FRAME;
		esp_top(f->sa, f->ctx, f->state, &r, f->in, f->out, c);
		f->out_addr = r.out_addr;
		cost += beats(r.in_len, sb) + beats(c->out_len, sb);
		f->done_at = f->now + cost;
		fm_wipe(f->in, r.in_len);
		fm_wipe(&r, sizeof r);
		return true;
	}
	return false;
}

static void raise_q(struct fm *f, unsigned k)
{
	f->dma_irq |= BIT(k);
	f->q[k].unsig = 0;
}

/* Publish the active request's completion (docs/rtl-dma.md ordering). */
static void publish(struct fm *f)
{
	struct fmq *q = &f->q[f->aq];
	espfab_cpl_t *c = &f->acpl;
	uint8_t rec[ESPFAB_CPL_SLOT_BYTES];
	uint32_t idx[2];
	unsigned k = f->aq;

	if (c->status == ESPFAB_STATUS_OK && c->out_len) {
		if (f->c.dma_write(f->c.dma_ctx, f->out_addr, f->out, c->out_len)) {
			f->dma_err |= BIT(ESPFAB_DMAERR_WR);
			q->err = true;
			c->status = ESPFAB_STATUS_DEVICE;
			c->out_len = 0;
		}
	}
	fm_wipe(f->out, sizeof f->out);
	memset(rec, 0, sizeof rec);
	memcpy(rec, c, sizeof *c);
	if (f->c.dma_write(f->c.dma_ctx, q->cq_base + (uint64_t)ESPFAB_CPL_SLOT_BYTES * f->aslot, rec, sizeof rec)) {
		f->dma_err |= BIT(ESPFAB_DMAERR_WR);
		q->err = true;
	}
	q->cpi = (q->cpi + 1) & (q_size(q) - 1);
	idx[0] = q->cpi;
	idx[1] = q->ci;
	if (f->c.dma_write(f->c.dma_ctx, q->cq_base + (uint64_t)ESPFAB_CPL_SLOT_BYTES * q_size(q), idx, sizeof idx)) {
		f->dma_err |= BIT(ESPFAB_DMAERR_WR);
		q->err = true;
	}
	f->cnt_cpl++;
	f->q_done[k]++;
	f->cnt_status[c->status & (ESPFAB_STATUS_SLOTS - 1)]++;
	f->irq_raw |= BIT(ESPFAB_IRQ_CPL);
	if (c->flags & BIT(ESPFAB_CPLFLAG_SOFT_EXPIRED))
		f->irq_raw |= BIT(ESPFAB_IRQ_SOFT);
	if (c->flags & BIT(ESPFAB_CPLFLAG_HARD_EXPIRED))
		f->irq_raw |= BIT(ESPFAB_IRQ_HARD);
	if (c->status == ESPFAB_STATUS_DEVICE)
		f->irq_raw |= BIT(ESPFAB_IRQ_ERR);
	f->active = false;
	if (q->ctrl & BIT(ESPFAB_QCTRL_IRQ_EN)) {
		if (q->unsig++ == 0)
			q->unsig_since = f->now;
		if ((q->irq_count && q->unsig >= q->irq_count) || (!q->irq_count && !q->irq_timer))
			raise_q(f, k);
	}
}

uint64_t fm_run(struct fm *f, uint32_t irq_mask, uint64_t cycles)
{
	uint64_t start = f->now, end = f->now + cycles;

	if (f->hung || (fm_irq_lines(f) & irq_mask))
		return 0;
	for (;;) {
		if (!f->active)
			fetch(f);
		uint64_t next = end;
		if (f->active && f->done_at < next)
			next = f->done_at;
		for (unsigned k = 0; k < f->c.n_queues; k++) {
			struct fmq *q = &f->q[k];
			if ((q->ctrl & BIT(ESPFAB_QCTRL_IRQ_EN)) && q->irq_timer && q->unsig &&
			    q->unsig_since + q->irq_timer < next)
				next = q->unsig_since + q->irq_timer;
		}
		if (next > f->now)
			f->now = next;
		if (f->active && f->done_at <= f->now)
			publish(f);
		for (unsigned k = 0; k < f->c.n_queues; k++) {
			struct fmq *q = &f->q[k];
			if ((q->ctrl & BIT(ESPFAB_QCTRL_IRQ_EN)) && q->irq_timer && q->unsig &&
			    q->unsig_since + q->irq_timer <= f->now)
				raise_q(f, k);
		}
		if (fm_irq_lines(f) & irq_mask)
			break;
		if (f->now >= end) {
			/* finish what is due at exactly `end` first */
			if (!f->active)
				fetch(f);
			if (!(f->active && f->done_at <= f->now))
				break;
		}
	}
	return f->now - start;
}

uint64_t fm_step(struct fm *f, uint64_t cycles)
{
	return fm_run(f, 0, cycles);
}
