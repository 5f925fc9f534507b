/*
 * Completion queue for engines that transform a request as soon as it is
 * submitted (sw, model).  The engine's submit() processes up to
 * sync_queue_space() requests and pushes one completion each; poll() pops
 * them in submission order.  Nothing accepted is dropped: submit takes no
 * more than the queue can hold.
 *
 * Ownership: the engine embeds a struct sync_queue and calls init/fini.
 * Errors: sync_queue_init returns -ENOMEM or -EINVAL (depth 0 or > 65536).
 */
#ifndef ESPFAB_SYNC_ENGINE_H
#define ESPFAB_SYNC_ENGINE_H

#include <stdint.h>

#include "espfab_contract.h"

struct sync_queue {
	espfab_cpl_t *cpl;
	uint32_t size; /* depth + 1 */
	uint32_t head, tail;
};

int sync_queue_init(struct sync_queue *q, uint32_t depth);
void sync_queue_fini(struct sync_queue *q);
unsigned sync_queue_space(const struct sync_queue *q);
/* Caller guarantees space (checked with an assert). */
void sync_queue_push(struct sync_queue *q, const espfab_cpl_t *c);
unsigned sync_queue_pop(struct sync_queue *q, espfab_cpl_t *out, unsigned max);

#endif /* ESPFAB_SYNC_ENGINE_H */
