/*
 * fabric_drv.h — the one ring driver of the espfab fabric (docs/rtl-dma.md,
 * docs/fabric-driver.md), written once over a struct fabric_bus
 * (fabric_bus.h) and shared by the engines that reach a real or simulated
 * fabric: sim (espfab-simd), uio (Zynq), xrt (Alveo), and the unit tests'
 * in-process model (sim/fabric_model.h).
 *
 * How an engine uses it: its open() builds a bus whose DMA region holds at
 * least fabric_drv_dma_bytes(depth, params) bytes, then calls
 * fabric_drv_open(); every other engine op is the driver's, with the
 * struct fabric_drv as the engine's priv:
 *
 *     static int uio_open(void **priv, uint32_t slots, uint32_t depth,
 *                         char *why, size_t why_len)
 *     {
 *         struct fabric_drv_params p;
 *         fabric_drv_params_default(&p);
 *         ... parse engine parameters into p (fabric_drv_params_parse) ...
 *         struct fabric_bus *bus = uio_bus_open(fabric_drv_dma_bytes(depth, &p), ...);
 *         return fabric_drv_open((struct fabric_drv **)priv, bus, &p, slots,
 *                                depth, why, why_len);
 *     }
 *     const struct espfab_engine_ops espfab_engine_uio = {
 *         .name = "uio", .open = uio_open, FABRIC_DRV_ENGINE_OPS };
 *
 * Ownership: fabric_drv_open takes the bus in every case (on failure it
 * closes it); fabric_drv_close wipes what the driver wrote into the DMA
 * region (packet bounce buffers, descriptors' IVs) and then closes the bus.
 *
 * Queues: a struct fabric_drv is one hardware DMA queue of a device and
 * the handle (engine priv) that drives it.  fabric_drv_open brings the
 * device up and returns the handle of queue 0; fabric_drv_open_queue
 * returns a handle of the next free queue below params.queues (engine
 * parameter queues=N, default 1, at most the device's N_QUEUES: the DMA
 * region holds N queues' rings and buffers), sharing the device: bus, SA
 * table, failure.  Each handle has its own rings, bounce buffers, indexes,
 * doorbell, interrupt line (wait_irq mask bit q), hang detection,
 * counters and last error; a handle is used by one thread at a time,
 * different handles by different threads at once.  One device mutex is
 * held around every engine op (the buses are not thread-safe, and the
 * in-process device writes the DMA region during bus calls), including
 * the bounded waits inside poll and the SA drain.  The device is
 * refcounted: handles close in any order, a closed queue's registers are
 * disabled and its region wiped, the last close closes the bus.
 *
 * Device failure (recovery policy): a device that makes no progress for
 * params.hang_budget bus units while requests are in flight, whose
 * registers answer -EIO or read 0xffffffff, or that has been reset under
 * the driver (queue no longer ENABLED, SCRATCH marker lost) is declared
 * failed.  The reason is kept for fabric_drv_error() (and so for
 * espfab_last_error()).  From then on: poll returns every request still
 * queued as a completion with status ESPFAB_STATUS_DEVICE (cookie and slot
 * of the request), in submission order — nothing is silently lost — and
 * -EIO once none is left; submit, sa_write, sa_clear and sa_read_state
 * return -EIO.  There is no silent re-initialisation: a reset device has
 * lost its SA table, so the owner closes the handle and opens a new one
 * (espfabd re-installs its SAs from its SA database).
 *
 * Progress: the driver never blocks without bound.  poll() reads the
 * completion index block; when it finds nothing new and requests are in
 * flight it calls bus->wait_irq() once for params.poll_budget units (on
 * the sim bus that is what advances simulated time; with interrupts off
 * the wait just lets the device run).  sa_write/sa_clear first wait until
 * the device has published the completion of every request submitted
 * before them (so an SA command is ordered after earlier requests, exactly
 * as on the synchronous engines).
 *
 * Errors: 0 or -errno (-EINVAL bad parameter, -ENODEV not an espfab fabric
 * or wrong contract version, -ENOMEM region too small, -EIO device failed).
 */
#ifndef ESPFAB_FABRIC_DRV_H
#define ESPFAB_FABRIC_DRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espfab_contract.h"
#include "fabric_bus.h"

struct fabric_drv;

struct fabric_drv_params {
	/* log2 of the ring slots (RING_LOG2_MIN..RING_LOG2_MAX); 0: the
	 * smallest ring holding `depth` requests, at most 4096 slots.  A ring
	 * smaller than depth is allowed: submit then takes fewer (back-pressure). */
	uint32_t ring_log2;
	/* Interrupt moderation of the queue (Q_IRQ_COUNT, Q_IRQ_TIMER in fabric
	 * cycles; both 0: an interrupt per completion). */
	uint32_t irq_count;
	uint32_t irq_timer;
	bool irq;             /* true: Q_CTRL IRQ_EN and wait for the queue's line;
	                         false: pure polling (IRQ_EN clear, wait_irq mask 0) */
	uint64_t poll_budget; /* bus units one empty poll may wait; 0 = 20000 */
	uint64_t hang_budget; /* bus units without progress before the device is
	                         declared hung; 0 = 2000000 */
	uint32_t reg_spin;    /* register polls (SA_STATUS, Q_STATUS BUSY) before
	                         the device is declared hung; 0 = 100000 */
	uint32_t queues;      /* queues the device may hand out (open + open_queue),
	                         1..N_QUEUES of the device; 0 = 1.  The DMA region
	                         holds this many queues' rings and buffers. */
};

void fabric_drv_params_default(struct fabric_drv_params *p);

/* Parse "key=value,key=value" engine parameters that concern the driver
 * (ring_log2, irq_count, irq_timer, irq=0|1, poll_budget, hang_budget,
 * reg_spin, queues) into p.  Keys in `ignore` (a NULL-terminated list, may be NULL)
 * are skipped, so an engine can parse its own keys from the same string.
 * Returns 0 or -EINVAL with the offending key in why. */
int fabric_drv_params_parse(struct fabric_drv_params *p, const char *s, const char *const *ignore, char *why,
			    size_t why_len);

/* DMA region bytes the driver needs for `depth` requests with params p
 * (rings, index block, bounce buffers, times p->queues).  The bus must
 * provide at least this. */
size_t fabric_drv_dma_bytes(uint32_t depth, const struct fabric_drv_params *p);

/* Bring the device up per docs/rtl-dma.md "Driver sequence": check ID,
 * VERSION (contract major must match, minor >= ours is not required),
 * read CAPS/SA_SLOTS/STREAM_BYTES/N_QUEUES, write a SCRATCH marker, reset
 * and set up queue 0, enable it.  Takes ownership of bus (closes it on
 * failure).  p may be NULL for defaults.  p->queues above the device's
 * N_QUEUES: -EINVAL "queues=N: the device has M DMA queues". */
int fabric_drv_open(struct fabric_drv **out, struct fabric_bus *bus, const struct fabric_drv_params *p,
		    uint32_t slots, uint32_t depth, char *why, size_t why_len);
/* A handle of the next free queue of priv's device (any handle of it),
 * set up like queue 0 at open.  -EBUSY "all N queues in use" when
 * params.queues handles are open, -EIO when the device has failed (or the
 * queue would not come up).  Engine op open_queue. */
int fabric_drv_open_queue(void *priv, void **out, char *why, size_t why_len);

/* Engine ops: priv is the struct fabric_drv (see espfab_engine.h). */
void fabric_drv_close(void *priv);
int fabric_drv_sa_write(void *priv, uint32_t slot, const espfab_sa_t *sa, bool keep_state);
int fabric_drv_sa_clear(void *priv, uint32_t slot);
int fabric_drv_sa_read_state(void *priv, uint32_t slot, espfab_sa_state_t *st);
int fabric_drv_submit(void *priv, const espfab_req_t *reqs, unsigned n);
int fabric_drv_poll(void *priv, espfab_cpl_t *cpls, unsigned max);
/* Why the device was declared failed (or the last refused command);
 * "" when nothing went wrong. */
const char *fabric_drv_error(void *priv);
/* The bus's fabric clock (bus->ops->cycles).  -ENOTSUP when the bus has no
 * cycles op or reports 0 (uio, xrt: no cycle counter in the contract; any
 * real device has run cycles by the time fabric_drv_open returns). */
int fabric_drv_cycles(void *priv, uint64_t *cycles);

#define FABRIC_DRV_ENGINE_OPS                                                                                 \
	.close = fabric_drv_close, .sa_write = fabric_drv_sa_write, .sa_clear = fabric_drv_sa_clear,          \
	.sa_read_state = fabric_drv_sa_read_state, .submit = fabric_drv_submit, .poll = fabric_drv_poll,      \
	.last_error = fabric_drv_error, .cycles = fabric_drv_cycles, .open_queue = fabric_drv_open_queue

/* ---- introspection for tests and benchmarks ---- */
struct fabric_drv_info {
	uint32_t version, caps, sa_slots, stream_bytes, n_queues;
	uint32_t queue;          /* this handle's queue */
	uint32_t queues;         /* queues the device may hand out (params.queues) */
	uint32_t queues_open;    /* handles open on the device */
	uint32_t ring_slots;     /* slots of each queue's rings */
	uint64_t doorbells;      /* RQ_PI writes of this queue */
	uint64_t irqs;           /* wait_irq calls that saw the queue's line */
	uint64_t waits;          /* wait_irq calls of this handle */
	bool failed;
};
void fabric_drv_info_get(void *priv, struct fabric_drv_info *info);
/* The bus under the driver (fault injection in tests; single-threaded use
 * only).  fabric_drv_with_bus runs fn(bus, arg) under the device lock, for
 * fault injection while other threads use the device; returns fn's value. */
struct fabric_bus *fabric_drv_bus(void *priv);
int fabric_drv_with_bus(void *priv, int (*fn)(struct fabric_bus *bus, void *arg), void *arg);
/* Set this handle's queue's moderation at run time (Q_IRQ_COUNT/TIMER;
 * the queue is not reset; other queues keep theirs).  Returns 0 or -EIO. */
int fabric_drv_set_moderation(void *priv, uint32_t irq_count, uint32_t irq_timer);

#endif /* ESPFAB_FABRIC_DRV_H */
