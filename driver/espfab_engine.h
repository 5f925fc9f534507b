/*
 * Private interface between libespfab's common layer (driver/espfab.c) and
 * its engines (driver/engine_*.c).  Not installed, not for applications.
 *
 * The common layer validates every argument before an engine sees it:
 * slots are in range, SAs have passed espfab_sa_check(), request
 * descriptors carry a fresh IV and a completion pre-written as
 * ESPFAB_STATUS_PENDING.  Engines therefore only check what the hardware
 * would check (packet contents, SA state).
 *
 * An engine keeps its own copy of the SA table and state (as the fabric keeps
 * them in BRAM).  It must wipe key material in sa_clear, in sa_write before
 * overwriting, and in close.
 */
#ifndef ESPFAB_ENGINE_H
#define ESPFAB_ENGINE_H

#include "espfab.h"

struct espfab_engine_ops {
	const char *name;
	const char *summary; /* one line for --help and README */
	/* Allocate engine state for `slots` SA slots and `depth` queued requests;
	 * store it in *priv.  Return 0 or -errno; write a reason to why. */
	int (*open)(void **priv, uint32_t slots, uint32_t depth, char *why, size_t why_len);
	void (*close)(void *priv);
	/* Install sa in slot.  keep_state: keep sequence, replay window, byte
	 * and status counters (update); otherwise reset them (add). */
	int (*sa_write)(void *priv, uint32_t slot, const espfab_sa_t *sa, bool keep_state);
	/* Remove the SA in slot and wipe its keys and state. */
	int (*sa_clear)(void *priv, uint32_t slot);
	int (*sa_read_state)(void *priv, uint32_t slot, espfab_sa_state_t *st);
	/* Queue up to n descriptors; return how many were taken (0..n) or -EIO.
	 * req->in_addr/out_addr are host pointers cast to uint64_t. */
	int (*submit)(void *priv, const espfab_req_t *reqs, unsigned n);
	/* Return up to max completions in submission order, or -EIO. */
	int (*poll)(void *priv, espfab_cpl_t *cpls, unsigned max);
	/* Optional.  Engines that take parameters (espfab_open_opts.params,
	 * "key=value,..."): used instead of open when set; params may be NULL.
	 * An engine without it refuses non-empty params. */
	int (*open_params)(void **priv, uint32_t slots, uint32_t depth, const char *params, char *why,
			   size_t why_len);
	/* Optional: a one-line reason for the engine's last failure ("" if
	 * none); the common layer appends it to espfab_last_error(). */
	const char *(*last_error)(void *priv);
	/* Optional: fabric clock cycles since open (espfab_dev_cycles); 0 or
	 * -ENOTSUP where the device has no clock the host can read. */
	int (*cycles)(void *priv, uint64_t *cycles);
	/* Optional (espfab_open_queue): engine state for another hardware
	 * queue of the device behind priv, sharing its SA table; closed with
	 * close(), in any order with priv.  NULL: the engine has no queues
	 * (-ENOTSUP).  Return 0 or -errno; write a reason to why. */
	int (*open_queue)(void *priv, void **out, char *why, size_t why_len);
};

/* The engine's private state of an open handle (tests: fault injection). */
void *espfab_engine_priv(espfab_dev *dev);

extern const struct espfab_engine_ops espfab_engine_sw;
extern const struct espfab_engine_ops espfab_engine_model;
extern const struct espfab_engine_ops espfab_engine_sim;
extern const struct espfab_engine_ops espfab_engine_uio; /* engine_uio.c, docs/boards.md */
extern const struct espfab_engine_ops espfab_engine_xrt; /* engine_xrt.c (placeholder without XRT) */

#endif /* ESPFAB_ENGINE_H */
