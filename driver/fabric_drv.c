/*
 * The fabric ring driver: libespfab's engine ops over a struct fabric_bus
 * (fabric_drv.h; design and decisions in docs/fabric-driver.md; the
 * device side in docs/rtl-dma.md).
 *
 * DMA region layout (offsets from bus->dma_va, device address dma_dev + off):
 *   [0]        request ring    size * REQ_SLOT_BYTES
 *   [cq]       completion ring size * CPL_SLOT_BYTES, then the index block
 *              (u32 CQ_PI, u32 RQ_CI), padded to 64 bytes
 *   [in]       input bounce buffers,  size * MAX_FRAME (slot i at in + i * MAX_FRAME)
 *   [out]      output bounce buffers, size * MAX_FRAME
 * MAX_FRAME (2048) is a multiple of every STREAM_BYTES, so with a 64-byte
 * aligned region every buffer meets the DMA's alignment rule.
 *
 * Request slot i of queue 0 owns bounce buffers i; they are reused only
 * after the completion of slot i has been polled (tail passed it), so one
 * host index (tail) serves the request ring, the completion ring and the
 * buffers.  Caller buffers are touched only in submit (copy in) and poll
 * (copy out).
 */
#include "fabric_drv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "espfab.h"
#include "ring.h"

#define BIT(n) (1u << (n))
#define FRAME ESPFAB_MAX_FRAME
#define Q 0 /* the queue this driver uses */

struct slot_info {
	uint64_t cookie;
	uint32_t sa_slot;
	uint8_t *out;
	uint16_t out_cap;
	uint16_t in_len;
};

struct fabric_drv {
	struct fabric_bus *bus;
	struct fabric_drv_params p;
	uint32_t slots, depth;
	uint32_t version, caps, dev_sa_slots, sb, nq;
	uint32_t size, log2;          /* ring slots */
	size_t cq_off, idx_off, in_off, out_off, need;
	uint32_t head, tail;          /* host producer / consumer */
	uint32_t dev_pi;              /* last CQ_PI read from the index block */
	uint32_t marker;              /* SCRATCH value written at open */
	struct slot_info *si;
	bool failed;
	bool past_pi;                 /* failed: tail has reached dev_pi */
	uint64_t idle;                /* bus units waited without progress */
	uint64_t doorbells, irqs, waits;
	char err[256];
};

/* ---- parameters ---------------------------------------------------------- */

void fabric_drv_params_default(struct fabric_drv_params *p)
{
	memset(p, 0, sizeof *p);
	p->irq = true;
}

static uint64_t poll_budget(const struct fabric_drv_params *p)
{
	return p->poll_budget ? p->poll_budget : 20000;
}

static uint64_t hang_budget(const struct fabric_drv_params *p)
{
	return p->hang_budget ? p->hang_budget : 2000000;
}

static uint32_t reg_spin(const struct fabric_drv_params *p)
{
	return p->reg_spin ? p->reg_spin : 100000;
}

int fabric_drv_params_parse(struct fabric_drv_params *p, const char *s, const char *const *ignore, char *why,
			    size_t why_len)
{
	char buf[512], *save = NULL;

	if (!s || !*s)
		return 0;
	if (strlen(s) >= sizeof buf) {
		snprintf(why, why_len, "parameters longer than %zu bytes", sizeof buf - 1);
		return -EINVAL;
	}
	strcpy(buf, s);
	for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '='), *end;
		bool skip = false;
		if (!eq) {
			snprintf(why, why_len, "parameter '%s' is not key=value", kv);
			return -EINVAL;
		}
		*eq = 0;
		for (size_t i = 0; ignore && ignore[i]; i++)
			if (!strcmp(kv, ignore[i]))
				skip = true;
		if (skip)
			continue;
		errno = 0;
		unsigned long long v = strtoull(eq + 1, &end, 0);
		if (errno || end == eq + 1 || *end || eq[1] == '-') {
			snprintf(why, why_len, "parameter %s: '%s' is not a number", kv, eq + 1);
			return -EINVAL;
		}
		if (!strcmp(kv, "ring_log2")) {
			if (v < ESPFAB_RING_LOG2_MIN || v > ESPFAB_RING_LOG2_MAX) {
				snprintf(why, why_len, "ring_log2: %llu is not %d..%d", v, ESPFAB_RING_LOG2_MIN,
					 ESPFAB_RING_LOG2_MAX);
				return -EINVAL;
			}
			p->ring_log2 = (uint32_t)v;
		} else if (!strcmp(kv, "irq")) {
			if (v > 1) {
				snprintf(why, why_len, "irq: %llu is not 0 or 1", v);
				return -EINVAL;
			}
			p->irq = v == 1;
		} else if (!strcmp(kv, "irq_count") || !strcmp(kv, "irq_timer") || !strcmp(kv, "reg_spin")) {
			if (v > UINT32_MAX) {
				snprintf(why, why_len, "%s: %llu does not fit 32 bits", kv, v);
				return -EINVAL;
			}
			if (kv[4] == 'c')
				p->irq_count = (uint32_t)v;
			else if (kv[4] == 't')
				p->irq_timer = (uint32_t)v;
			else
				p->reg_spin = (uint32_t)v;
		} else if (!strcmp(kv, "poll_budget")) {
			p->poll_budget = v;
		} else if (!strcmp(kv, "hang_budget")) {
			p->hang_budget = v;
		} else {
			snprintf(why, why_len, "unknown parameter '%s'", kv);
			return -EINVAL;
		}
	}
	return 0;
}

static uint32_t ring_log2_for(uint32_t depth, const struct fabric_drv_params *p)
{
	uint32_t l2 = ESPFAB_RING_LOG2_MIN;

	if (p && p->ring_log2)
		return p->ring_log2;
	while (l2 < ESPFAB_RING_LOG2_MAX && (1u << l2) - 1 < depth)
		l2++;
	return l2;
}

static size_t align64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

size_t fabric_drv_dma_bytes(uint32_t depth, const struct fabric_drv_params *p)
{
	size_t size = (size_t)1 << ring_log2_for(depth, p);
	return align64(size * ESPFAB_REQ_SLOT_BYTES) + align64(size * ESPFAB_CPL_SLOT_BYTES + 8) + 2 * size * FRAME;
}

/* ---- errors and registers ----------------------------------------------- */

static void set_err(struct fabric_drv *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->err, sizeof d->err, fmt, ap);
	va_end(ap);
}

/* Declare the device failed (first reason wins). */
static int dev_fail(struct fabric_drv *d, const char *fmt, ...)
{
	if (!d->failed) {
		va_list ap;
		const char *be = d->bus->ops->error ? d->bus->ops->error(d->bus->priv) : NULL;
		char msg[200];
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		/* a dead bus explains more than the access that found it dead */
		if (be && *be)
			snprintf(d->err, sizeof d->err, "device lost: %s (at: %s)", be, msg);
		else
			snprintf(d->err, sizeof d->err, "%s", msg);
		d->failed = true;
	}
	return -EIO;
}

static int rd(struct fabric_drv *d, uint32_t off, uint32_t *v)
{
	int rc = d->bus->ops->rd32(d->bus->priv, off, v);
	if (rc)
		return dev_fail(d, "device hung: register 0x%03x read answered %s", off, strerror(-rc));
	return 0;
}

static int wr(struct fabric_drv *d, uint32_t off, uint32_t v)
{
	int rc = d->bus->ops->wr32(d->bus->priv, off, v);
	if (rc)
		return dev_fail(d, "device hung: register 0x%03x write answered %s", off, strerror(-rc));
	return 0;
}

/* A status register that reads all ones is a dead device (like a PCIe
 * read to a device that has fallen off the bus). */
static int rd_status(struct fabric_drv *d, uint32_t off, uint32_t *v)
{
	int rc = rd(d, off, v);
	if (!rc && *v == 0xffffffffu)
		return dev_fail(d, "device hung: register 0x%03x reads 0xffffffff", off);
	return rc;
}

static int sync(struct fabric_drv *d, size_t off, size_t len, enum fabric_sync_dir dir)
{
	if (!d->bus->ops->sync || !len)
		return 0;
	int rc = d->bus->ops->sync(d->bus->priv, off, len, dir);
	if (rc)
		return dev_fail(d, "DMA sync of [%zu, +%zu) failed: %s", off, len, strerror(-rc));
	return 0;
}

static uint64_t dev_addr(const struct fabric_drv *d, size_t off)
{
	return d->bus->dma_dev + off;
}

static size_t rq_slot(const struct fabric_drv *d, uint32_t s)
{
	(void)d; /* the request ring starts the region */
	return (size_t)s * ESPFAB_REQ_SLOT_BYTES;
}

static size_t cq_slot(const struct fabric_drv *d, uint32_t s)
{
	return d->cq_off + (size_t)s * ESPFAB_CPL_SLOT_BYTES;
}

static size_t in_buf(const struct fabric_drv *d, uint32_t s)
{
	return d->in_off + (size_t)s * FRAME;
}

static size_t out_buf(const struct fabric_drv *d, uint32_t s)
{
	return d->out_off + (size_t)s * FRAME;
}

/* The device's CQ_PI from the index block in memory; 0 or -EIO. */
static int read_index(struct fabric_drv *d, uint32_t *pi)
{
	uint32_t v;
	int rc = sync(d, d->idx_off, 8, FABRIC_SYNC_FROM_DEVICE);
	if (rc)
		return rc;
	memcpy(&v, d->bus->dma_va + d->idx_off, 4);
	if (v >= d->size || ring_used(v, d->tail, d->size) > ring_used(d->head, d->tail, d->size))
		return dev_fail(d, "device published CQ_PI %u outside the submitted range (tail %u, head %u)", v,
				d->tail, d->head);
	*pi = v;
	return 0;
}

/* Is the device still the one we set up?  0 or -EIO (failed). */
static int health(struct fabric_drv *d)
{
	uint32_t st, scratch;
	int rc = rd_status(d, ESPFAB_CSR_Q_STATUS(Q), &st);
	if (rc)
		return rc;
	if (!(st & BIT(ESPFAB_QSTATUS_ENABLED)))
		return dev_fail(d, "device was reset: queue %d is no longer enabled (Q_STATUS 0x%x)", Q, st);
	rc = rd(d, ESPFAB_CSR_SCRATCH, &scratch);
	if (rc)
		return rc;
	if (scratch != d->marker)
		return dev_fail(d, "device was reset: SCRATCH reads 0x%08x, not the marker 0x%08x", scratch,
				d->marker);
	return 0;
}

/* Let the device run for one poll budget (until the queue's line if irq
 * is on); clear the line if it was raised.  No progress is accounted by
 * the caller through note_progress(). */
static int wait_some(struct fabric_drv *d)
{
	uint32_t lines = 0, mask = d->p.irq ? BIT(Q) : 0;
	int rc = d->bus->ops->wait_irq(d->bus->priv, mask, poll_budget(&d->p), &lines);

	d->waits++;
	if (rc)
		return dev_fail(d, "device hung: waiting for it answered %s", strerror(-rc));
	if (lines & mask) {
		d->irqs++;
		/* handler order (docs/rtl-dma.md): clear, then reap */
		return wr(d, ESPFAB_CSR_DMA_IRQ, BIT(Q));
	}
	return 0;
}

/* After a wait: pi is what the index says now.  Track time without
 * progress and check the device when there is none. */
static int note_progress(struct fabric_drv *d, uint32_t pi)
{
	if (pi != d->dev_pi) {
		d->dev_pi = pi;
		d->idle = 0;
		return 0;
	}
	d->idle += poll_budget(&d->p);
	int rc = health(d);
	if (rc)
		return rc;
	if (d->idle >= hang_budget(&d->p))
		return dev_fail(d, "device hung: no completion for %" PRIu64 " bus units with %u requests in flight",
				d->idle, ring_used(d->head, d->dev_pi, d->size));
	return 0;
}

/* Wait until the device has published every request submitted so far. */
static int drain(struct fabric_drv *d)
{
	uint32_t pi;
	int rc = read_index(d, &pi);
	if (rc)
		return rc;
	d->dev_pi = pi;
	while (pi != d->head) {
		if ((rc = wait_some(d)) || (rc = read_index(d, &pi)) || (rc = note_progress(d, pi)))
			return rc;
	}
	return 0;
}

/* ---- open / close -------------------------------------------------------- */

static int setup_queue(struct fabric_drv *d, char *why, size_t why_len)
{
	uint32_t v;
	uint32_t n;
	int rc;

	if ((rc = wr(d, ESPFAB_CSR_Q_CTRL(Q), 0)))
		goto io;
	for (n = 0;; n++) {
		if ((rc = rd_status(d, ESPFAB_CSR_Q_STATUS(Q), &v)))
			goto io;
		if (!(v & BIT(ESPFAB_QSTATUS_BUSY)))
			break;
		if (n >= reg_spin(&d->p)) {
			snprintf(why, why_len, "queue %d stays BUSY after disable (%u reads)", Q, n);
			return -EIO;
		}
	}
	if ((rc = wr(d, ESPFAB_CSR_Q_CTRL(Q), BIT(ESPFAB_QCTRL_RESET))) ||
	    (rc = rd_status(d, ESPFAB_CSR_Q_STATUS(Q), &v)))
		goto io;
	if (v & BIT(ESPFAB_QSTATUS_RESET_REJECTED)) {
		snprintf(why, why_len, "queue %d refused RESET (Q_STATUS 0x%x)", Q, v);
		return -EIO;
	}
	memset(d->bus->dma_va, 0, d->need);
	if ((rc = sync(d, 0, d->need, FABRIC_SYNC_TO_DEVICE)))
		goto io;
	uint64_t rq = dev_addr(d, 0), cq = dev_addr(d, d->cq_off);
	if ((rc = wr(d, ESPFAB_CSR_RQ_BASE_LO(Q), (uint32_t)rq)) ||
	    (rc = wr(d, ESPFAB_CSR_RQ_BASE_HI(Q), (uint32_t)(rq >> 32))) ||
	    (rc = wr(d, ESPFAB_CSR_CQ_BASE_LO(Q), (uint32_t)cq)) ||
	    (rc = wr(d, ESPFAB_CSR_CQ_BASE_HI(Q), (uint32_t)(cq >> 32))) ||
	    (rc = wr(d, ESPFAB_CSR_RQ_SIZE(Q), d->log2)) || (rc = rd(d, ESPFAB_CSR_RQ_SIZE(Q), &v)))
		goto io;
	if (v != d->log2) {
		snprintf(why, why_len, "queue %d: RQ_SIZE reads %u after writing %u", Q, v, d->log2);
		return -EIO;
	}
	if ((rc = wr(d, ESPFAB_CSR_Q_IRQ_COUNT(Q), d->p.irq_count)) ||
	    (rc = wr(d, ESPFAB_CSR_Q_IRQ_TIMER(Q), d->p.irq_timer)) ||
	    (rc = wr(d, ESPFAB_CSR_DMA_IRQ, BIT(Q))) ||
	    (rc = wr(d, ESPFAB_CSR_Q_CTRL(Q), BIT(ESPFAB_QCTRL_ENABLE) | (d->p.irq ? BIT(ESPFAB_QCTRL_IRQ_EN) : 0))))
		goto io;
	d->head = d->tail = d->dev_pi = 0;
	return 0;
io:
	snprintf(why, why_len, "%s", d->err);
	return rc;
}

static void drv_free(struct fabric_drv *d)
{
	if (!d)
		return;
	if (d->bus) {
		/* plaintext and IVs may remain in bounce buffers and ring slots */
		if (d->bus->dma_va && d->need)
			espfab_wipe(d->bus->dma_va, d->need);
		if (d->bus->ops && d->bus->ops->close)
			d->bus->ops->close(d->bus->priv);
	}
	free(d->si);
	free(d);
}

int fabric_drv_open(struct fabric_drv **out, struct fabric_bus *bus, const struct fabric_drv_params *p,
		    uint32_t slots, uint32_t depth, char *why, size_t why_len)
{
	struct fabric_drv *d;
	uint32_t v;
	int rc;

	*out = NULL;
	d = calloc(1, sizeof *d);
	if (!d) {
		if (bus && bus->ops && bus->ops->close)
			bus->ops->close(bus->priv);
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	d->bus = bus;
	if (p)
		d->p = *p;
	else
		fabric_drv_params_default(&d->p);
	d->slots = slots;
	d->depth = depth;
	if (!bus || !bus->ops || !bus->ops->rd32 || !bus->ops->wr32 || !bus->ops->wait_irq || !bus->dma_va) {
		d->bus = NULL;
		if (bus && bus->ops && bus->ops->close)
			bus->ops->close(bus->priv);
		snprintf(why, why_len, "incomplete bus");
		rc = -EINVAL;
		goto fail;
	}
	d->log2 = ring_log2_for(depth, &d->p);
	d->size = 1u << d->log2;
	d->cq_off = align64((size_t)d->size * ESPFAB_REQ_SLOT_BYTES);
	d->idx_off = d->cq_off + (size_t)d->size * ESPFAB_CPL_SLOT_BYTES;
	d->in_off = align64(d->idx_off + 8);
	d->out_off = d->in_off + (size_t)d->size * FRAME;
	d->need = d->out_off + (size_t)d->size * FRAME;
	if (bus->dma_bytes < d->need) {
		snprintf(why, why_len, "DMA region of %zu bytes, the rings and buffers need %zu", bus->dma_bytes,
			 d->need);
		d->need = 0;
		rc = -ENOMEM;
		goto fail;
	}
	if (bus->dma_dev % 64 || (uintptr_t)bus->dma_va % 64) {
		snprintf(why, why_len, "DMA region at 0x%" PRIx64 " is not 64-byte aligned", bus->dma_dev);
		d->need = 0;
		rc = -EINVAL;
		goto fail;
	}
	d->si = calloc(d->size, sizeof *d->si);
	if (!d->si) {
		snprintf(why, why_len, "out of memory");
		rc = -ENOMEM;
		goto fail;
	}
	/* identify */
	rc = rd(d, ESPFAB_CSR_ID, &v);
	if (rc || v == 0xffffffffu) {
		snprintf(why, why_len, "the device does not answer (ID register: %s)", rc ? d->err : "0xffffffff");
		rc = -EIO;
		goto fail;
	}
	if (v != ESPFAB_DEVICE_ID) {
		snprintf(why, why_len, "ID reads 0x%08x, not 0x%08x: not an espfab fabric", v, ESPFAB_DEVICE_ID);
		rc = -ENODEV;
		goto fail;
	}
	if ((rc = rd(d, ESPFAB_CSR_VERSION, &d->version)))
		goto io;
	if (d->version >> 16 != ESPFAB_CONTRACT_VERSION_MAJOR) {
		snprintf(why, why_len, "contract version %u.%u on the device, this driver speaks %d.x",
			 d->version >> 16, d->version & 0xffff, ESPFAB_CONTRACT_VERSION_MAJOR);
		rc = -ENODEV;
		goto fail;
	}
	if ((rc = rd(d, ESPFAB_CSR_CAPS, &d->caps)) || (rc = rd(d, ESPFAB_CSR_SA_SLOTS, &d->dev_sa_slots)) ||
	    (rc = rd(d, ESPFAB_CSR_STREAM_BYTES, &d->sb)) || (rc = rd(d, ESPFAB_CSR_N_QUEUES, &d->nq)))
		goto io;
	if (d->nq == 0 || d->nq > ESPFAB_QUEUES_MAX) {
		snprintf(why, why_len, "device has %u DMA queues (a stream-only esp_fabric?)", d->nq);
		rc = -ENODEV;
		goto fail;
	}
	if (d->sb == 0 || FRAME % d->sb || d->sb % 16) {
		snprintf(why, why_len, "device STREAM_BYTES %u is not 16 or 32", d->sb);
		rc = -ENODEV;
		goto fail;
	}
	if (d->dev_sa_slots == 0 || d->dev_sa_slots > ESPFAB_SA_SLOTS_MAX) {
		snprintf(why, why_len, "device reports %u SA slots (1..%d expected)", d->dev_sa_slots,
			 ESPFAB_SA_SLOTS_MAX);
		rc = -ENODEV;
		goto fail;
	}
	/* More slots requested than the build has (e.g. 256 on a 64-slot Zynq
	 * build): open anyway; SAs beyond the device's table are refused in
	 * sa_write, and requests for them complete NO_SA as the device says. */
	/* marker: lost when the device is reset under us */
	d->marker = (uint32_t)((uintptr_t)d ^ (uint64_t)time(NULL) * 2654435761u) | 1u;
	if (d->marker == 0xffffffffu)
		d->marker = 0x5eed0001u;
	if ((rc = wr(d, ESPFAB_CSR_SCRATCH, d->marker)) || (rc = rd(d, ESPFAB_CSR_SCRATCH, &v)))
		goto io;
	if (v != d->marker) {
		snprintf(why, why_len, "SCRATCH reads 0x%08x after writing 0x%08x: bus check failed", v, d->marker);
		rc = -EIO;
		goto fail;
	}
	rc = setup_queue(d, why, why_len);
	if (rc)
		goto fail;
	*out = d;
	return 0;
io:
	snprintf(why, why_len, "%s", d->err);
fail:
	drv_free(d);
	return rc;
}

void fabric_drv_close(void *priv)
{
	struct fabric_drv *d = priv;

	if (!d)
		return;
	if (!d->failed) {
		/* stop fetching; what is in flight is abandoned (docs: close) */
		(void)wr(d, ESPFAB_CSR_Q_CTRL(Q), 0);
	}
	drv_free(d);
}

const char *fabric_drv_error(void *priv)
{
	struct fabric_drv *d = priv;
	return d ? d->err : "";
}

int fabric_drv_cycles(void *priv, uint64_t *cycles)
{
	const struct fabric_drv *d = priv;

	*cycles = d && d->bus->ops->cycles ? d->bus->ops->cycles(d->bus->priv) : 0;
	return *cycles ? 0 : -ENOTSUP;
}

void fabric_drv_info_get(void *priv, struct fabric_drv_info *info)
{
	const struct fabric_drv *d = priv;

	memset(info, 0, sizeof *info);
	info->version = d->version;
	info->caps = d->caps;
	info->sa_slots = d->dev_sa_slots;
	info->stream_bytes = d->sb;
	info->n_queues = d->nq;
	info->ring_slots = d->size;
	info->doorbells = d->doorbells;
	info->irqs = d->irqs;
	info->waits = d->waits;
	info->failed = d->failed;
}

struct fabric_bus *fabric_drv_bus(void *priv)
{
	return ((struct fabric_drv *)priv)->bus;
}

int fabric_drv_set_moderation(void *priv, uint32_t irq_count, uint32_t irq_timer)
{
	struct fabric_drv *d = priv;
	int rc;

	if (d->failed)
		return -EIO;
	if ((rc = wr(d, ESPFAB_CSR_Q_IRQ_COUNT(Q), irq_count)) || (rc = wr(d, ESPFAB_CSR_Q_IRQ_TIMER(Q), irq_timer)))
		return rc;
	d->p.irq_count = irq_count;
	d->p.irq_timer = irq_timer;
	return 0;
}

/* ---- SA table ------------------------------------------------------------ */

/* Wait for SA_STATUS to drop `busy`; the final SA_STATUS in *st. */
static int sa_wait(struct fabric_drv *d, uint32_t busy_bit, uint32_t done_bit, uint32_t *st)
{
	for (uint32_t n = 0;; n++) {
		int rc = rd_status(d, ESPFAB_CSR_SA_STATUS, st);
		if (rc)
			return rc;
		bool busy = *st & BIT(busy_bit);
		if (!busy && (done_bit == 32 || (*st & BIT(done_bit))))
			return 0;
		if (n >= reg_spin(&d->p))
			return dev_fail(d, "device hung: SA_STATUS 0x%x did not settle after %u reads", *st, n);
	}
}

static int sa_cmd(struct fabric_drv *d, uint32_t slot, uint32_t op)
{
	uint32_t st;
	int rc;

	if ((rc = wr(d, ESPFAB_CSR_SA_SLOT, slot)) || (rc = wr(d, ESPFAB_CSR_SA_CMD, op)) ||
	    (rc = sa_wait(d, ESPFAB_SA_STATUS_WR_BUSY, 32, &st)))
		return rc;
	if (st & BIT(ESPFAB_SA_STATUS_WR_REJECTED)) {
		set_err(d, "device rejected the SA command for slot %u (SA_STATUS 0x%x)", slot, st);
		return -EIO;
	}
	if (st & BIT(ESPFAB_SA_STATUS_WR_ERROR)) {
		set_err(d, "device refused the SA for slot %u (SA_STATUS 0x%x)", slot, st);
		return -EINVAL;
	}
	return 0;
}

int fabric_drv_sa_write(void *priv, uint32_t slot, const espfab_sa_t *sa, bool keep_state)
{
	struct fabric_drv *d = priv;
	uint32_t w[ESPFAB_CSR_SA_WIN_COUNT], st;
	int rc;

	_Static_assert(sizeof w == sizeof *sa, "SA_WIN holds one sa record");
	if (d->failed)
		return -EIO;
	if (slot >= d->slots)
		return -EINVAL;
	if (slot >= d->dev_sa_slots) {
		set_err(d, "slot %u is beyond the device's %u SA slots", slot, d->dev_sa_slots);
		return -ENOSPC;
	}
	/* order the command after every request submitted before it */
	if ((rc = drain(d)) || (rc = sa_wait(d, ESPFAB_SA_STATUS_WR_BUSY, 32, &st)))
		return rc;
	memcpy(w, sa, sizeof w);
	for (unsigned i = 0; i < ESPFAB_CSR_SA_WIN_COUNT && !rc; i++)
		rc = wr(d, ESPFAB_CSR_SA_WIN(i), w[i]);
	espfab_wipe(w, sizeof w); /* the staged keys are the device's now */
	if (rc)
		return rc;
	return sa_cmd(d, slot, keep_state ? ESPFAB_SA_OP_UPDATE : ESPFAB_SA_OP_ADD);
}

int fabric_drv_sa_clear(void *priv, uint32_t slot)
{
	struct fabric_drv *d = priv;
	uint32_t st;
	int rc;

	if (d->failed)
		return -EIO;
	if (slot >= d->slots)
		return -EINVAL;
	if ((rc = drain(d)) || (rc = sa_wait(d, ESPFAB_SA_STATUS_WR_BUSY, 32, &st)))
		return rc;
	return sa_cmd(d, slot, ESPFAB_SA_OP_DELETE);
}

int fabric_drv_sa_read_state(void *priv, uint32_t slot, espfab_sa_state_t *out)
{
	struct fabric_drv *d = priv;
	uint32_t w[ESPFAB_CSR_ST_WIN_COUNT], st;
	int rc;

	_Static_assert(sizeof w == sizeof *out, "ST_WIN holds one sa_state record");
	if (d->failed)
		return -EIO;
	if (slot >= d->slots)
		return -EINVAL;
	/* the state as of every request submitted so far, as on the sync engines */
	if ((rc = drain(d)) || (rc = sa_wait(d, ESPFAB_SA_STATUS_RD_BUSY, 32, &st)) ||
	    (rc = wr(d, ESPFAB_CSR_ST_SLOT, slot)) ||
	    (rc = sa_wait(d, ESPFAB_SA_STATUS_RD_BUSY, ESPFAB_SA_STATUS_RD_DONE, &st)))
		return rc;
	for (unsigned i = 0; i < ESPFAB_CSR_ST_WIN_COUNT; i++)
		if ((rc = rd(d, ESPFAB_CSR_ST_WIN(i), &w[i])))
			return rc;
	memcpy(out, w, sizeof *out);
	return 0;
}

/* ---- requests ------------------------------------------------------------ */

int fabric_drv_submit(void *priv, const espfab_req_t *reqs, unsigned n)
{
	struct fabric_drv *d = priv;
	uint8_t *va = d->bus->dma_va;
	unsigned k, i;
	int rc;

	if (d->failed)
		return -EIO;
	k = ring_free(d->head, d->tail, d->size);
	if (n < k)
		k = n;
	for (i = 0; i < k; i++) {
		const espfab_req_t *r = &reqs[i];
		uint32_t s = d->head;
		uint8_t slotbuf[ESPFAB_REQ_SLOT_BYTES];
		espfab_req_t dr = *r;
		espfab_cpl_t pend;
		size_t len = r->in_len < FRAME ? r->in_len : FRAME;

		d->si[s] = (struct slot_info){ .cookie = r->cookie, .sa_slot = r->slot,
					       .out = (uint8_t *)(uintptr_t)r->out_addr, .out_cap = r->out_cap,
					       .in_len = (uint16_t)len };
		/* completion slot "failed" before submission */
		memset(&pend, 0, sizeof pend);
		pend.cookie = r->cookie;
		pend.slot = r->slot;
		pend.status = ESPFAB_STATUS_PENDING;
		memset(va + cq_slot(d, s), 0, ESPFAB_CPL_SLOT_BYTES);
		memcpy(va + cq_slot(d, s), &pend, sizeof pend);
		if (len && r->in_addr)
			memcpy(va + in_buf(d, s), (const void *)(uintptr_t)r->in_addr, len);
		/* in_len is passed as given: the device itself refuses > MAX_FRAME */
		dr.in_addr = dev_addr(d, in_buf(d, s));
		dr.out_addr = dev_addr(d, out_buf(d, s));
		if (dr.out_cap > FRAME)
			dr.out_cap = FRAME;
		memset(slotbuf, 0, sizeof slotbuf);
		memcpy(slotbuf, &dr, sizeof dr);
		memcpy(va + rq_slot(d, s), slotbuf, sizeof slotbuf);
		espfab_wipe(&dr.iv, sizeof dr.iv);
		if ((rc = sync(d, cq_slot(d, s), ESPFAB_CPL_SLOT_BYTES, FABRIC_SYNC_TO_DEVICE)) ||
		    (rc = sync(d, in_buf(d, s), len, FABRIC_SYNC_TO_DEVICE)) ||
		    (rc = sync(d, rq_slot(d, s), ESPFAB_REQ_SLOT_BYTES, FABRIC_SYNC_TO_DEVICE)))
			break;
		d->head = ring_next(s, 1, d->size);
	}
	if (i) {
		/* wmb(): every write above before the doorbell */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		d->doorbells++;
		int wrc = wr(d, ESPFAB_CSR_RQ_PI(Q), d->head);
		if (wrc)
			return (int)i; /* accepted; poll reports them as DEVICE */
	}
	if (d->failed && i == 0)
		return -EIO;
	return (int)i;
}

/* One completion of slot tail into *c, from the ring (real) or as DEVICE. */
static void take(struct fabric_drv *d, espfab_cpl_t *c, bool real)
{
	uint32_t s = d->tail;
	struct slot_info *si = &d->si[s];
	uint8_t *va = d->bus->dma_va;

	memset(c, 0, sizeof *c);
	if (real && !sync(d, cq_slot(d, s), ESPFAB_CPL_SLOT_BYTES, FABRIC_SYNC_FROM_DEVICE)) {
		memcpy(c, va + cq_slot(d, s), sizeof *c);
		if (c->status == ESPFAB_STATUS_PENDING || c->status >= ESPFAB_STATUS_SLOTS) {
			/* below CQ_PI but never written: the record write failed */
			set_err(d, "completion of ring slot %u below CQ_PI reads status %u", s, c->status);
			memset(c, 0, sizeof *c);
			c->status = ESPFAB_STATUS_DEVICE;
		} else if (c->cookie != si->cookie || c->slot != si->sa_slot) {
			/* cookie/slot are only "as read" after a descriptor read error */
			if (c->status != ESPFAB_STATUS_DEVICE)
				set_err(d, "completion of ring slot %u carries cookie %" PRIx64 ", expected %" PRIx64, s,
					c->cookie, si->cookie);
			memset(c, 0, sizeof *c);
			c->status = ESPFAB_STATUS_DEVICE;
		} else if (c->status == ESPFAB_STATUS_OK && c->out_len) {
			size_t cap = si->out_cap < FRAME ? si->out_cap : FRAME;
			if (c->out_len > cap || !si->out ||
			    sync(d, out_buf(d, s), c->out_len, FABRIC_SYNC_FROM_DEVICE)) {
				set_err(d, "completion of ring slot %u: out_len %u exceeds out_cap %zu", s, c->out_len,
					cap);
				c->status = ESPFAB_STATUS_DEVICE;
				c->out_len = 0;
			} else {
				memcpy(si->out, va + out_buf(d, s), c->out_len);
			}
		}
		if (c->status != ESPFAB_STATUS_OK)
			c->out_len = 0;
		espfab_wipe(va + out_buf(d, s), c->out_len);
	} else {
		c->status = ESPFAB_STATUS_DEVICE;
	}
	c->cookie = si->cookie;
	c->slot = si->sa_slot;
	espfab_wipe(va + in_buf(d, s), si->in_len);
	memset(si, 0, sizeof *si);
	d->tail = ring_next(s, 1, d->size);
}

int fabric_drv_poll(void *priv, espfab_cpl_t *cpls, unsigned max)
{
	struct fabric_drv *d = priv;
	uint32_t pi;
	unsigned got = 0;
	int rc;

	if (!d->failed && d->tail != d->head) {
		rc = read_index(d, &pi);
		if (!rc && pi == d->tail) {
			/* nothing new: let the device run one budget */
			if (!(rc = wait_some(d)) && !(rc = read_index(d, &pi)))
				rc = note_progress(d, pi);
		} else if (!rc) {
			d->dev_pi = pi;
			d->idle = 0;
		}
	}
	if (d->failed) {
		/* published before the failure: real; the rest: DEVICE */
		if (d->tail == d->head)
			return -EIO;
		while (got < max && d->tail != d->head) {
			if (d->tail == d->dev_pi)
				d->past_pi = true;
			take(d, &cpls[got++], !d->past_pi);
		}
		return (int)got;
	}
	while (got < max && d->tail != d->dev_pi)
		take(d, &cpls[got++], true);
	return (int)got;
}
