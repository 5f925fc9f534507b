/*
 * libespfab — the engine-neutral driver API (DESIGN.md decision 3).
 *
 * One device handle drives one ESP engine: "sw" (OpenSSL), "model" (the hls/
 * C kernels), and later "sim", "xrt", "uio".  The caller
 *   1. opens an engine by name,
 *   2. writes SAs into slots (espfab_sa_t from the generated contract header),
 *   3. submits batches of requests (one packet each) and
 *   4. polls completions, one per accepted request, in submission order,
 *      each with a status code from the contract (ESPFAB_STATUS_*).
 *
 * Ownership: the handle owns its engine and SA table; the caller owns packet
 * buffers, which must stay valid from submit until their completion is
 * polled.  Key material passed in espfab_sa_t is copied; every copy the
 * library or an engine holds is wiped on delete, on update and on close.
 *
 * Errors: functions returning int return 0 or a negative errno value
 * (-EINVAL bad argument, -ENOENT no such engine or empty slot, -ENOSPC queue
 * full, -ENOMEM, -EIO device failure).  espfab_last_error() gives a one-line
 * human explanation of the most recent failure on that handle.  Per-packet
 * problems are never errors of the call: they are completion statuses.
 *
 * Thread safety: one handle is used by one thread at a time.  Several
 * threads drive one device each through a handle of its own from
 * espfab_open_queue (engines with hardware queues: sim, uio, xrt).
 */
#ifndef ESPFAB_H
#define ESPFAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espfab_contract.h"

typedef struct espfab_dev espfab_dev;

/* Options for espfab_open; zero-initialise and set what you need. */
typedef struct espfab_open_opts {
	uint32_t sa_slots;    /* SA table size, 1..ESPFAB_SA_SLOTS_MAX; 0 = 256 */
	uint32_t queue_depth; /* requests in flight, 1..65536; 0 = 1024 */
	bool iv_seeded;       /* true: IVs come from a PRNG seeded with iv_seed
	                         (deterministic, for comparing engines);
	                         false: IVs come from the OS CSPRNG */
	uint64_t iv_seed;
	/* Engine parameters, "key=value,key=value" (NULL or "": defaults).
	 * Engines without parameters (sw, model) refuse a non-empty string.
	 * "sim" (docs/fabric-driver.md): device=rtl|model, config=NAME (the
	 * espfab-simd configuration), rd_latency=, wr_latency=, trace=FILE,
	 * and the ring driver's ring_log2=, irq=0|1, irq_count=, irq_timer=,
	 * poll_budget=, hang_budget=, reg_spin=, queues= (handles
	 * espfab_open_queue may give out, default 1).  The environment variable
	 * ESPFAB_SIM supplies defaults that params override, so tools that
	 * only take --engine (espfab-esp, espfab-bench) can be steered. */
	const char *params;
} espfab_open_opts;

/* One packet to transform.  in/out may not overlap. */
typedef struct espfab_op_desc {
	uint32_t slot;      /* SA slot; the SA's direction decides encap/decap */
	const uint8_t *in;  /* IPv4 packet (encap) or ESP packet incl. outer IPv4 (decap) */
	uint16_t in_len;
	uint8_t *out;       /* result buffer */
	uint16_t out_cap;
	uint64_t cookie;    /* returned in the completion */
} espfab_op;

typedef espfab_cpl_t espfab_cpl;

/* Completions by status since open, of this handle (each queue handle of
 * a device counts its own). */
typedef struct espfab_dev_counters {
	uint64_t submitted;
	uint64_t completed;
	uint64_t count[ESPFAB_STATUS_SLOTS];
} espfab_dev_counters;

/* Engine names this build knows, NULL-terminated. */
const char *const *espfab_engines(void);
/* Engines this build left out, one "name: reason" line each (e.g. "xrt:
 * not built (XRT not installed)"), NULL-terminated; for --help texts.
 * Opening one fails with the reason. */
const char *const *espfab_engines_not_built(void);

/* Open engine `name` ("sw", "model", ...).  opts may be NULL for defaults.
 * On failure *out is NULL and, where possible, a reason is printed by
 * espfab_open_error(). */
int espfab_open(const char *name, const espfab_open_opts *opts, espfab_dev **out);
/* The reason the last espfab_open in this thread failed. */
const char *espfab_open_error(void);
/* Wipes every key and frees the handle; accepts NULL.  Requests still in
 * flight are abandoned (their buffers are no longer touched).  The handles
 * of one device (espfab_open_queue) close in any order: the device and its
 * SA table live until the last of them is closed. */
void espfab_close(espfab_dev *dev);

/* Another handle on dev's device, for another thread (docs/fabric-driver.md
 * "Queues").  The new handle owns the device's next free hardware DMA
 * queue: its own rings, doorbell, completions, interrupt line, in-flight
 * count, counters and last error; completions come back on the handle that
 * submitted, in that handle's submission order.  It shares with dev the
 * device and its SA table: an SA written, updated or deleted through any
 * handle is the device's (the SA calls of all handles are serialised; each
 * one is ordered after the requests its own handle submitted before it,
 * and the device finishes the requests it is working on first), and
 * espfab_sa_state through any handle reads the one state.  IVs: each
 * handle has its own source; seeded (iv_seeded), the k-th handle opened on
 * the device (the espfab_open one is 0) draws from iv_seed + k.
 * The number of queues is fixed at espfab_open by the engine parameter
 * queues=N (default 1, at most the device's N_QUEUES; the engine's DMA
 * memory holds N queues' rings).  Call it from the thread that uses dev
 * (dev may be any handle of the device).  Returns 0, or
 *   -EBUSY    all N queues are in use (espfab_last_error(dev): "all N
 *             queues in use ..."); closing a handle frees its queue,
 *   -ENOTSUP  the engine has no hardware queues (sw, model: open the
 *             engine once per thread instead),
 *   -EIO      the device has failed; -ENOMEM; -EINVAL a NULL argument.
 * After a device failure every handle's poll returns its own requests
 * still in flight as ESPFAB_STATUS_DEVICE, then -EIO. */
int espfab_open_queue(espfab_dev *dev, espfab_dev **out);

const char *espfab_engine_name(const espfab_dev *dev);
uint32_t espfab_sa_slots(const espfab_dev *dev);
const char *espfab_last_error(const espfab_dev *dev);

/* SA table.  add: slot must be empty; the SA starts with sequence 0 and
 * zero counters.  update: slot must hold an SA with the same SPI, direction
 * and algorithms; keys, endpoints, ports, window and lifetimes are replaced,
 * sequence, replay state and counters are kept.  del: wipes the slot.
 * Validation (key lengths, window size, enum values) fails with -EINVAL and
 * espfab_last_error() names the field. */
int espfab_sa_add(espfab_dev *dev, uint32_t slot, const espfab_sa_t *sa);
int espfab_sa_update(espfab_dev *dev, uint32_t slot, const espfab_sa_t *sa);
int espfab_sa_del(espfab_dev *dev, uint32_t slot);
/* Check an SA without installing it (what add would say). */
int espfab_sa_check(const espfab_sa_t *sa, char *why, size_t why_len);

/* Per-SA state: sequence number, byte count, per-status counters, expiry
 * (device-wide: through any handle of the device). */
int espfab_sa_state(espfab_dev *dev, uint32_t slot, espfab_sa_state_t *st);
void espfab_dev_counters_get(const espfab_dev *dev, espfab_dev_counters *c);

/* Submit up to n requests; *accepted (may be NULL) receives how many were
 * queued (fewer than n only when the queue is full).  Returns 0, or -ENOSPC
 * when none could be queued, or -EIO if the device has failed. */
int espfab_submit(espfab_dev *dev, const espfab_op *ops, unsigned n, unsigned *accepted);
/* Collect up to max completions; returns how many (>= 0) or -EIO.
 * Asynchronous engines (sim, uio, xrt) may return 0 while requests are in
 * flight: each call lets the device run a bounded while, so callers keep
 * polling.  After a device failure, poll first returns every request still
 * in flight as a completion with status ESPFAB_STATUS_DEVICE, then -EIO;
 * submit and the SA calls return -EIO at once. */
int espfab_poll(espfab_dev *dev, espfab_cpl *cpls, unsigned max);
/* Requests submitted and not yet polled. */
unsigned espfab_inflight(const espfab_dev *dev);

/* Fabric clock cycles the device has run since open, for benchmarks that
 * count bytes per cycle (espfab-bench --engine sim, docs/benchmarks.md).
 * On the sim engine this is the simulated clock (espfab-simd's, or the
 * in-process model's): it advances only while the device runs, i.e. during
 * register accesses and the waits inside espfab_poll, never while the host
 * computes.  The value is the one seen at the device's last answer, so read
 * it right after the call whose time you want.  Returns 0, or -ENOTSUP for
 * engines without a cycle counter (sw, model; uio and xrt: the contract
 * has no cycle counter register), -EINVAL for a NULL argument. */
int espfab_dev_cycles(const espfab_dev *dev, uint64_t *cycles);

/* Convenience: submit one op and wait for its completion. */
int espfab_process_one(espfab_dev *dev, const espfab_op *op, espfab_cpl *cpl);

/* Overwrite memory in a way the compiler may not remove. */
void espfab_wipe(void *p, size_t n);
/* Constant-time comparison: 0 if equal. */
int espfab_ct_memcmp(const void *a, const void *b, size_t n);

#endif /* ESPFAB_H */
