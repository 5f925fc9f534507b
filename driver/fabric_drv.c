/*
 * The fabric ring driver: libespfab's engine ops over a struct fabric_bus
 * (fabric_drv.h; design and decisions in docs/fabric-driver.md; the
 * device side in docs/rtl-dma.md).
 *
 * Two levels of state.  struct fabric_dev is the device: the bus, the
 * identity read at open, the failure flag and reason, the parameters, and
 * the one mutex that every bus access (and every access to the DMA region,
 * which the in-process device writes during bus calls) is made under.
 * struct fabric_drv is one hardware queue q and the handle an engine gets
 * as priv: its rings, bounce buffers and indexes, counters and last error.
 * fabric_drv_open brings the device up with queue 0; fabric_drv_open_queue
 * hands out the next free queue below params.queues.  The device lives
 * until its last queue handle is closed (refcount), in any order.
 *
 * DMA region layout: params.queues regions of `need` bytes, queue q's at
 * base = q * need.  Inside one (offsets from bus->dma_va + base, device
 * address dma_dev + base + off):
 *   [0]        request ring    size * REQ_SLOT_BYTES
 *   [cq]       completion ring size * CPL_SLOT_BYTES, then the index block
 *              (u32 CQ_PI, u32 RQ_CI), padded to 64 bytes
 *   [in]       input bounce buffers,  size * MAX_FRAME (slot i at in + i * MAX_FRAME)
 *   [out]      output bounce buffers, size * MAX_FRAME
 * MAX_FRAME (2048) is a multiple of every STREAM_BYTES and `need` a
 * multiple of 64, so with a 64-byte aligned region every buffer meets the
 * DMA's alignment rule.  With one queue the layout is the one-queue
 * driver's, byte for byte.
 *
 * Request slot i of a queue owns that queue's bounce buffers i; they are
 * reused only after the completion of slot i has been polled (tail passed
 * it), so one host index (tail) serves the request ring, the completion
 * ring and the buffers.  Caller buffers are touched only in submit (copy
 * in) and poll (copy out).
 */
#include "fabric_drv.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "espfab.h"
#include "ring.h"

#define BIT(n) (1u << (n))
#define FRAME ESPFAB_MAX_FRAME

struct slot_info {
	uint64_t cookie;
	uint32_t sa_slot;
	uint8_t *out;
	uint16_t out_cap;
	uint16_t in_len;
};

struct fabric_dev {
	pthread_mutex_t lock;         /* every bus access, the DMA region, this struct */
	struct fabric_bus *bus;
	struct fabric_drv_params p;
	uint32_t slots, depth;
	uint32_t version, caps, dev_sa_slots, sb, nq;
	uint32_t queues;              /* queues this device may hand out (params.queues) */
	uint32_t size, log2;          /* ring slots, the same for every queue */
	size_t cq_off, idx_off, in_off, out_off, need; /* one queue's region */
	uint32_t marker;              /* SCRATCH value written at open */
	struct fabric_drv *q[ESPFAB_QUEUES_MAX]; /* open handles by queue */
	unsigned refs;
	bool failed;
	char err[256];                /* why it failed (first reason) */
};

struct fabric_drv {
	struct fabric_dev *D;
	uint32_t q;                   /* the hardware queue */
	size_t base;                  /* its region: q * D->need */
	uint32_t head, tail;          /* host producer / consumer */
	uint32_t dev_pi;              /* last CQ_PI read from the index block */
	struct slot_info *si;
	bool failed;                  /* this handle has seen the device fail */
	bool past_pi;                 /* failed: tail has reached dev_pi */
	uint64_t idle;                /* bus units waited without progress */
	uint64_t doorbells, irqs, waits;
	char err[256];
};

static void lock(struct fabric_drv *d)
{
	pthread_mutex_lock(&d->D->lock);
}

static void unlock(struct fabric_drv *d)
{
	pthread_mutex_unlock(&d->D->lock);
}

/* Has the device failed (through this handle or another)?  Takes the
 * device's reason into this handle's error the first time.  Under the lock. */
static bool failed(struct fabric_drv *d)
{
	if (!d->failed && d->D->failed) {
		d->failed = true;
		snprintf(d->err, sizeof d->err, "%s", d->D->err);
	}
	return d->failed;
}

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
		} else if (!strcmp(kv, "queues")) {
			if (v < 1 || v > ESPFAB_QUEUES_MAX) {
				snprintf(why, why_len, "queues: %llu is not 1..%d", v, ESPFAB_QUEUES_MAX);
				return -EINVAL;
			}
			p->queues = (uint32_t)v;
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

static uint32_t n_queues(const struct fabric_drv_params *p)
{
	return p && p->queues ? p->queues : 1;
}

size_t fabric_drv_dma_bytes(uint32_t depth, const struct fabric_drv_params *p)
{
	size_t size = (size_t)1 << ring_log2_for(depth, p);
	size_t one = align64(size * ESPFAB_REQ_SLOT_BYTES) + align64(size * ESPFAB_CPL_SLOT_BYTES + 8) +
		     2 * size * FRAME;
	return one * n_queues(p);
}

/* ---- errors and registers ----------------------------------------------- */

static void set_err(struct fabric_drv *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->err, sizeof d->err, fmt, ap);
	va_end(ap);
}

/* Declare the device failed for every queue (first reason wins; the
 * other handles take it over at their next call). */
static int dev_fail(struct fabric_drv *d, const char *fmt, ...)
{
	struct fabric_dev *D = d->D;

	if (!failed(d)) {
		va_list ap;
		const char *be = D->bus->ops->error ? D->bus->ops->error(D->bus->priv) : NULL;
		char msg[200];
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		/* a dead bus explains more than the access that found it dead */
		if (be && *be)
			snprintf(D->err, sizeof D->err, "device lost: %s (at: %s)", be, msg);
		else
			snprintf(D->err, sizeof D->err, "%s", msg);
		D->failed = true;
		(void)failed(d);
	}
	return -EIO;
}

static int rd(struct fabric_drv *d, uint32_t off, uint32_t *v)
{
	int rc = d->D->bus->ops->rd32(d->D->bus->priv, off, v);
	if (rc)
		return dev_fail(d, "device hung: register 0x%03x read answered %s", off, strerror(-rc));
	return 0;
}

static int wr(struct fabric_drv *d, uint32_t off, uint32_t v)
{
	int rc = d->D->bus->ops->wr32(d->D->bus->priv, off, v);
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
	if (!d->D->bus->ops->sync || !len)
		return 0;
	int rc = d->D->bus->ops->sync(d->D->bus->priv, off, len, dir);
	if (rc)
		return dev_fail(d, "DMA sync of [%zu, +%zu) failed: %s", off, len, strerror(-rc));
	return 0;
}

static uint64_t dev_addr(const struct fabric_drv *d, size_t off)
{
	return d->D->bus->dma_dev + off;
}

static size_t rq_slot(const struct fabric_drv *d, uint32_t s)
{
	return d->base + (size_t)s * ESPFAB_REQ_SLOT_BYTES; /* the request ring starts the region */
}

static size_t cq_slot(const struct fabric_drv *d, uint32_t s)
{
	return d->base + d->D->cq_off + (size_t)s * ESPFAB_CPL_SLOT_BYTES;
}

static size_t in_buf(const struct fabric_drv *d, uint32_t s)
{
	return d->base + d->D->in_off + (size_t)s * FRAME;
}

static size_t out_buf(const struct fabric_drv *d, uint32_t s)
{
	return d->base + d->D->out_off + (size_t)s * FRAME;
}

/* The device's CQ_PI from the index block in memory; 0 or -EIO. */
static int read_index(struct fabric_drv *d, uint32_t *pi)
{
	uint32_t v;
	int rc = sync(d, d->base + d->D->idx_off, 8, FABRIC_SYNC_FROM_DEVICE);
	if (rc)
		return rc;
	memcpy(&v, d->D->bus->dma_va + d->base + d->D->idx_off, 4);
	if (v >= d->D->size || ring_used(v, d->tail, d->D->size) > ring_used(d->head, d->tail, d->D->size))
		return dev_fail(d, "device published CQ_PI %u outside the submitted range (tail %u, head %u)", v,
				d->tail, d->head);
	*pi = v;
	return 0;
}

/* Is the device still the one we set up?  0 or -EIO (failed). */
static int health(struct fabric_drv *d)
{
	uint32_t st, scratch;
	int rc = rd_status(d, ESPFAB_CSR_Q_STATUS(d->q), &st);
	if (rc)
		return rc;
	if (!(st & BIT(ESPFAB_QSTATUS_ENABLED)))
		return dev_fail(d, "device was reset: queue %u is no longer enabled (Q_STATUS 0x%x)", d->q, st);
	rc = rd(d, ESPFAB_CSR_SCRATCH, &scratch);
	if (rc)
		return rc;
	if (scratch != d->D->marker)
		return dev_fail(d, "device was reset: SCRATCH reads 0x%08x, not the marker 0x%08x", scratch,
				d->D->marker);
	return 0;
}

/* Let the device run for one poll budget (until the queue's line if irq
 * is on); clear the line if it was raised.  No progress is accounted by
 * the caller through note_progress(). */
static int wait_some(struct fabric_drv *d)
{
	uint32_t lines = 0, mask = d->D->p.irq ? BIT(d->q) : 0;
	int rc = d->D->bus->ops->wait_irq(d->D->bus->priv, mask, poll_budget(&d->D->p), &lines);

	d->waits++;
	if (rc)
		return dev_fail(d, "device hung: waiting for it answered %s", strerror(-rc));
	if (lines & mask) {
		d->irqs++;
		/* handler order (docs/rtl-dma.md): clear, then reap */
		return wr(d, ESPFAB_CSR_DMA_IRQ, BIT(d->q));
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
	d->idle += poll_budget(&d->D->p);
	int rc = health(d);
	if (rc)
		return rc;
	if (d->idle >= hang_budget(&d->D->p))
		return dev_fail(d, "device hung: no completion for %" PRIu64 " bus units with %u requests in flight",
				d->idle, ring_used(d->head, d->dev_pi, d->D->size));
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

	if ((rc = wr(d, ESPFAB_CSR_Q_CTRL(d->q), 0)))
		goto io;
	for (n = 0;; n++) {
		if ((rc = rd_status(d, ESPFAB_CSR_Q_STATUS(d->q), &v)))
			goto io;
		if (!(v & BIT(ESPFAB_QSTATUS_BUSY)))
			break;
		if (n >= reg_spin(&d->D->p)) {
			snprintf(why, why_len, "queue %u stays BUSY after disable (%u reads)", d->q, n);
			return -EIO;
		}
	}
	if ((rc = wr(d, ESPFAB_CSR_Q_CTRL(d->q), BIT(ESPFAB_QCTRL_RESET))) ||
	    (rc = rd_status(d, ESPFAB_CSR_Q_STATUS(d->q), &v)))
		goto io;
	if (v & BIT(ESPFAB_QSTATUS_RESET_REJECTED)) {
		snprintf(why, why_len, "queue %u refused RESET (Q_STATUS 0x%x)", d->q, v);
		return -EIO;
	}
	memset(d->D->bus->dma_va + d->base, 0, d->D->need);
	if ((rc = sync(d, d->base, d->D->need, FABRIC_SYNC_TO_DEVICE)))
		goto io;
	uint64_t rq = dev_addr(d, rq_slot(d, 0)), cq = dev_addr(d, cq_slot(d, 0));
	if ((rc = wr(d, ESPFAB_CSR_RQ_BASE_LO(d->q), (uint32_t)rq)) ||
	    (rc = wr(d, ESPFAB_CSR_RQ_BASE_HI(d->q), (uint32_t)(rq >> 32))) ||
	    (rc = wr(d, ESPFAB_CSR_CQ_BASE_LO(d->q), (uint32_t)cq)) ||
	    (rc = wr(d, ESPFAB_CSR_CQ_BASE_HI(d->q), (uint32_t)(cq >> 32))) ||
	    (rc = wr(d, ESPFAB_CSR_RQ_SIZE(d->q), d->D->log2)) || (rc = rd(d, ESPFAB_CSR_RQ_SIZE(d->q), &v)))
		goto io;
	if (v != d->D->log2) {
		snprintf(why, why_len, "queue %u: RQ_SIZE reads %u after writing %u", d->q, v, d->D->log2);
		return -EIO;
	}
	if ((rc = wr(d, ESPFAB_CSR_Q_IRQ_COUNT(d->q), d->D->p.irq_count)) ||
	    (rc = wr(d, ESPFAB_CSR_Q_IRQ_TIMER(d->q), d->D->p.irq_timer)) ||
	    (rc = wr(d, ESPFAB_CSR_DMA_IRQ, BIT(d->q))) ||
	    (rc = wr(d, ESPFAB_CSR_Q_CTRL(d->q), BIT(ESPFAB_QCTRL_ENABLE) | (d->D->p.irq ? BIT(ESPFAB_QCTRL_IRQ_EN) : 0))))
		goto io;
	d->head = d->tail = d->dev_pi = 0;
	return 0;
io:
	snprintf(why, why_len, "%s", d->err);
	return rc;
}

/* Free the device at open failure or after its last queue handle. */
static void dev_free(struct fabric_dev *D)
{
	if (!D)
		return;
	if (D->bus) {
		/* plaintext and IVs may remain in bounce buffers and ring slots */
		if (D->bus->dma_va && D->need)
			espfab_wipe(D->bus->dma_va, D->need * D->queues);
		if (D->bus->ops && D->bus->ops->close)
			D->bus->ops->close(D->bus->priv);
	}
	pthread_mutex_destroy(&D->lock);
	free(D);
}

static void drv_free(struct fabric_drv *d)
{
	if (!d)
		return;
	free(d->si);
	free(d);
}

static struct fabric_drv *drv_alloc(struct fabric_dev *D, uint32_t q)
{
	struct fabric_drv *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->D = D;
	d->q = q;
	d->base = (size_t)q * D->need;
	d->si = calloc(D->size, sizeof *d->si);
	if (!d->si) {
		free(d);
		return NULL;
	}
	return d;
}

int fabric_drv_open(struct fabric_drv **out, struct fabric_bus *bus, const struct fabric_drv_params *p,
		    uint32_t slots, uint32_t depth, char *why, size_t why_len)
{
	struct fabric_dev *D;
	struct fabric_drv *d = NULL, boot;
	uint32_t v;
	int rc;

	*out = NULL;
	D = calloc(1, sizeof *D);
	if (!D) {
		if (bus && bus->ops && bus->ops->close)
			bus->ops->close(bus->priv);
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&D->lock, NULL);
	D->bus = bus;
	if (p)
		D->p = *p;
	else
		fabric_drv_params_default(&D->p);
	D->queues = n_queues(&D->p);
	D->slots = slots;
	D->depth = depth;
	/* until queue 0's handle exists, errors go through a stand-in */
	memset(&boot, 0, sizeof boot);
	boot.D = D;
	d = &boot;
	if (!bus || !bus->ops || !bus->ops->rd32 || !bus->ops->wr32 || !bus->ops->wait_irq || !bus->dma_va) {
		D->bus = NULL;
		if (bus && bus->ops && bus->ops->close)
			bus->ops->close(bus->priv);
		snprintf(why, why_len, "incomplete bus");
		rc = -EINVAL;
		goto fail;
	}
	D->log2 = ring_log2_for(depth, &D->p);
	D->size = 1u << D->log2;
	D->cq_off = align64((size_t)D->size * ESPFAB_REQ_SLOT_BYTES);
	D->idx_off = D->cq_off + (size_t)D->size * ESPFAB_CPL_SLOT_BYTES;
	D->in_off = align64(D->idx_off + 8);
	D->out_off = D->in_off + (size_t)D->size * FRAME;
	D->need = D->out_off + (size_t)D->size * FRAME;
	if (bus->dma_bytes < D->need * D->queues) {
		snprintf(why, why_len, "DMA region of %zu bytes, the rings and buffers need %zu", bus->dma_bytes,
			 D->need * D->queues);
		D->need = 0;
		rc = -ENOMEM;
		goto fail;
	}
	if (bus->dma_dev % 64 || (uintptr_t)bus->dma_va % 64) {
		snprintf(why, why_len, "DMA region at 0x%" PRIx64 " is not 64-byte aligned", bus->dma_dev);
		D->need = 0;
		rc = -EINVAL;
		goto fail;
	}
	d = drv_alloc(D, 0);
	if (!d) {
		d = &boot;
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
	if ((rc = rd(d, ESPFAB_CSR_VERSION, &D->version)))
		goto io;
	if (D->version >> 16 != ESPFAB_CONTRACT_VERSION_MAJOR) {
		snprintf(why, why_len, "contract version %u.%u on the device, this driver speaks %d.x",
			 D->version >> 16, D->version & 0xffff, ESPFAB_CONTRACT_VERSION_MAJOR);
		rc = -ENODEV;
		goto fail;
	}
	if ((rc = rd(d, ESPFAB_CSR_CAPS, &D->caps)) || (rc = rd(d, ESPFAB_CSR_SA_SLOTS, &D->dev_sa_slots)) ||
	    (rc = rd(d, ESPFAB_CSR_STREAM_BYTES, &D->sb)) || (rc = rd(d, ESPFAB_CSR_N_QUEUES, &D->nq)))
		goto io;
	if (D->nq == 0 || D->nq > ESPFAB_QUEUES_MAX) {
		snprintf(why, why_len, "device has %u DMA queues (a stream-only esp_fabric?)", D->nq);
		rc = -ENODEV;
		goto fail;
	}
	if (D->queues > D->nq) {
		snprintf(why, why_len, "queues=%u: the device has %u DMA queues", D->queues, D->nq);
		rc = -EINVAL;
		goto fail;
	}
	if (D->sb == 0 || FRAME % D->sb || D->sb % 16) {
		snprintf(why, why_len, "device STREAM_BYTES %u is not 16 or 32", D->sb);
		rc = -ENODEV;
		goto fail;
	}
	if (D->dev_sa_slots == 0 || D->dev_sa_slots > ESPFAB_SA_SLOTS_MAX) {
		snprintf(why, why_len, "device reports %u SA slots (1..%d expected)", D->dev_sa_slots,
			 ESPFAB_SA_SLOTS_MAX);
		rc = -ENODEV;
		goto fail;
	}
	/* More slots requested than the build has (e.g. 256 on a 64-slot Zynq
	 * build): open anyway; SAs beyond the device's table are refused in
	 * sa_write, and requests for them complete NO_SA as the device says. */
	/* marker: lost when the device is reset under us */
	D->marker = (uint32_t)((uintptr_t)D ^ (uint64_t)time(NULL) * 2654435761u) | 1u;
	if (D->marker == 0xffffffffu)
		D->marker = 0x5eed0001u;
	if ((rc = wr(d, ESPFAB_CSR_SCRATCH, D->marker)) || (rc = rd(d, ESPFAB_CSR_SCRATCH, &v)))
		goto io;
	if (v != D->marker) {
		snprintf(why, why_len, "SCRATCH reads 0x%08x after writing 0x%08x: bus check failed", v, D->marker);
		rc = -EIO;
		goto fail;
	}
	rc = setup_queue(d, why, why_len);
	if (rc)
		goto fail;
	D->q[0] = d;
	D->refs = 1;
	*out = d;
	return 0;
io:
	snprintf(why, why_len, "%s", d->err);
fail:
	if (d != &boot)
		drv_free(d);
	dev_free(D);
	return rc;
}

int fabric_drv_open_queue(void *priv, void **out, char *why, size_t why_len)
{
	struct fabric_drv *p = priv, *d = NULL;
	struct fabric_dev *D = p->D;
	uint32_t q;
	int rc;

	*out = NULL;
	lock(p);
	/* a device reset under us would take a new queue without complaint */
	if (failed(p) || health(p)) {
		snprintf(why, why_len, "device has failed: %s", p->err);
		rc = -EIO;
		goto out;
	}
	for (q = 0; q < D->queues && D->q[q]; q++)
		;
	if (q == D->queues) {
		snprintf(why, why_len, "all %u queue%s in use (engine parameter queues=%u; the device has %u DMA queues)",
			 D->queues, D->queues == 1 ? "" : "s", D->queues, D->nq);
		rc = -EBUSY;
		goto out;
	}
	d = drv_alloc(D, q);
	if (!d) {
		snprintf(why, why_len, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	rc = setup_queue(d, why, why_len);
	if (rc) {
		/* a queue that will not come up is not handed out; the device
		 * failed only if setup_queue said so (then every queue sees it) */
		drv_free(d);
		goto out;
	}
	D->q[q] = d;
	D->refs++;
	*out = d;
out:
	unlock(p);
	return rc;
}

void fabric_drv_close(void *priv)
{
	struct fabric_drv *d = priv;
	struct fabric_dev *D;
	bool last;

	if (!d)
		return;
	D = d->D;
	lock(d);
	last = D->refs == 1;
	if (!failed(d)) {
		/* stop fetching; what is in flight is abandoned (docs: close) */
		(void)wr(d, ESPFAB_CSR_Q_CTRL(d->q), 0);
		/* the bus stays open for the other queues: let what the queue has
		 * fetched finish before wiping its buffers (bounded) */
		for (uint32_t n = 0, v; !last && n < reg_spin(&D->p); n++)
			if (rd_status(d, ESPFAB_CSR_Q_STATUS(d->q), &v) || !(v & BIT(ESPFAB_QSTATUS_BUSY)))
				break;
	}
	/* plaintext and IVs may remain in bounce buffers and ring slots */
	if (!last)
		espfab_wipe(D->bus->dma_va + d->base, D->need);
	D->q[d->q] = NULL;
	D->refs--;
	unlock(d);
	drv_free(d);
	if (last)
		dev_free(D);
}

const char *fabric_drv_error(void *priv)
{
	struct fabric_drv *d = priv;
	const char *e = "";

	if (d) {
		lock(d);
		(void)failed(d);
		e = d->err;
		unlock(d);
	}
	return e;
}

int fabric_drv_cycles(void *priv, uint64_t *cycles)
{
	struct fabric_drv *d = priv;

	*cycles = 0;
	if (d) {
		lock(d);
		*cycles = d->D->bus->ops->cycles ? d->D->bus->ops->cycles(d->D->bus->priv) : 0;
		unlock(d);
	}
	return *cycles ? 0 : -ENOTSUP;
}

void fabric_drv_info_get(void *priv, struct fabric_drv_info *info)
{
	struct fabric_drv *d = priv;
	const struct fabric_dev *D = d->D;

	memset(info, 0, sizeof *info);
	lock(d);
	info->version = D->version;
	info->caps = D->caps;
	info->sa_slots = D->dev_sa_slots;
	info->stream_bytes = D->sb;
	info->n_queues = D->nq;
	info->queue = d->q;
	info->queues = D->queues;
	info->queues_open = D->refs;
	info->ring_slots = D->size;
	info->doorbells = d->doorbells;
	info->irqs = d->irqs;
	info->waits = d->waits;
	info->failed = failed(d);
	unlock(d);
}

struct fabric_bus *fabric_drv_bus(void *priv)
{
	return ((struct fabric_drv *)priv)->D->bus;
}

int fabric_drv_with_bus(void *priv, int (*fn)(struct fabric_bus *bus, void *arg), void *arg)
{
	struct fabric_drv *d = priv;
	lock(d);
	int rc = fn(d->D->bus, arg);
	unlock(d);
	return rc;
}

int fabric_drv_set_moderation(void *priv, uint32_t irq_count, uint32_t irq_timer)
{
	struct fabric_drv *d = priv;
	int rc;

	lock(d);
	if (failed(d))
		rc = -EIO;
	else
		rc = wr(d, ESPFAB_CSR_Q_IRQ_COUNT(d->q), irq_count);
	if (!rc)
		rc = wr(d, ESPFAB_CSR_Q_IRQ_TIMER(d->q), irq_timer);
	unlock(d);
	/* the queue's registers hold the new values; params stay the open-time ones */
	return rc;
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
		if (n >= reg_spin(&d->D->p))
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

static int sa_write_locked(void *priv, uint32_t slot, const espfab_sa_t *sa, bool keep_state)
{
	struct fabric_drv *d = priv;
	uint32_t w[ESPFAB_CSR_SA_WIN_COUNT], st;
	int rc;

	_Static_assert(sizeof w == sizeof *sa, "SA_WIN holds one sa record");
	if (failed(d))
		return -EIO;
	if (slot >= d->D->slots)
		return -EINVAL;
	if (slot >= d->D->dev_sa_slots) {
		set_err(d, "slot %u is beyond the device's %u SA slots", slot, d->D->dev_sa_slots);
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

static int sa_clear_locked(void *priv, uint32_t slot)
{
	struct fabric_drv *d = priv;
	uint32_t st;
	int rc;

	if (failed(d))
		return -EIO;
	if (slot >= d->D->slots)
		return -EINVAL;
	if ((rc = drain(d)) || (rc = sa_wait(d, ESPFAB_SA_STATUS_WR_BUSY, 32, &st)))
		return rc;
	return sa_cmd(d, slot, ESPFAB_SA_OP_DELETE);
}

static int sa_read_state_locked(void *priv, uint32_t slot, espfab_sa_state_t *out)
{
	struct fabric_drv *d = priv;
	uint32_t w[ESPFAB_CSR_ST_WIN_COUNT], st;
	int rc;

	_Static_assert(sizeof w == sizeof *out, "ST_WIN holds one sa_state record");
	if (failed(d))
		return -EIO;
	if (slot >= d->D->slots)
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

static int submit_locked(void *priv, const espfab_req_t *reqs, unsigned n)
{
	struct fabric_drv *d = priv;
	uint8_t *va = d->D->bus->dma_va;
	unsigned k, i;
	int rc;

	if (failed(d))
		return -EIO;
	k = ring_free(d->head, d->tail, d->D->size);
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
		d->head = ring_next(s, 1, d->D->size);
	}
	if (i) {
		/* wmb(): every write above before the doorbell */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		d->doorbells++;
		int wrc = wr(d, ESPFAB_CSR_RQ_PI(d->q), d->head);
		if (wrc)
			return (int)i; /* accepted; poll reports them as DEVICE */
	}
	if (failed(d) && i == 0)
		return -EIO;
	return (int)i;
}

/* One completion of slot tail into *c, from the ring (real) or as DEVICE. */
static void take(struct fabric_drv *d, espfab_cpl_t *c, bool real)
{
	uint32_t s = d->tail;
	struct slot_info *si = &d->si[s];
	uint8_t *va = d->D->bus->dma_va;

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
	d->tail = ring_next(s, 1, d->D->size);
}

static int poll_locked(void *priv, espfab_cpl_t *cpls, unsigned max)
{
	struct fabric_drv *d = priv;
	uint32_t pi;
	unsigned got = 0;
	int rc;

	if (!failed(d) && d->tail != d->head) {
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
	if (failed(d)) {
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

/* ---- the engine ops: one device lock around each ------------------------ */

int fabric_drv_sa_write(void *priv, uint32_t slot, const espfab_sa_t *sa, bool keep_state)
{
	lock(priv);
	int rc = sa_write_locked(priv, slot, sa, keep_state);
	unlock(priv);
	return rc;
}

int fabric_drv_sa_clear(void *priv, uint32_t slot)
{
	lock(priv);
	int rc = sa_clear_locked(priv, slot);
	unlock(priv);
	return rc;
}

int fabric_drv_sa_read_state(void *priv, uint32_t slot, espfab_sa_state_t *st)
{
	lock(priv);
	int rc = sa_read_state_locked(priv, slot, st);
	unlock(priv);
	return rc;
}

int fabric_drv_submit(void *priv, const espfab_req_t *reqs, unsigned n)
{
	lock(priv);
	int rc = submit_locked(priv, reqs, n);
	unlock(priv);
	return rc;
}

int fabric_drv_poll(void *priv, espfab_cpl_t *cpls, unsigned max)
{
	lock(priv);
	int rc = poll_locked(priv, cpls, max);
	unlock(priv);
	return rc;
}
