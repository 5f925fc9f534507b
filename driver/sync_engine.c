/* Completion queue for synchronous engines; see sync_engine.h. */
#include "sync_engine.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

#include "ring.h"

int sync_queue_init(struct sync_queue *q, uint32_t depth)
{
	if (depth == 0 || depth > 65536)
		return -EINVAL;
	q->cpl = calloc((size_t)depth + 1, sizeof *q->cpl);
	if (!q->cpl)
		return -ENOMEM;
	q->size = depth + 1;
	q->head = q->tail = 0;
	return 0;
}

void sync_queue_fini(struct sync_queue *q)
{
	free(q->cpl);
	q->cpl = NULL;
	q->size = q->head = q->tail = 0;
}

unsigned sync_queue_space(const struct sync_queue *q)
{
	return ring_free(q->head, q->tail, q->size);
}

void sync_queue_push(struct sync_queue *q, const espfab_cpl_t *c)
{
	assert(ring_free(q->head, q->tail, q->size) > 0);
	q->cpl[q->head] = *c;
	q->head = ring_next(q->head, 1, q->size);
}

unsigned sync_queue_pop(struct sync_queue *q, espfab_cpl_t *out, unsigned max)
{
	unsigned n = 0;
	while (n < max && q->tail != q->head) {
		out[n++] = q->cpl[q->tail];
		q->tail = ring_next(q->tail, 1, q->size);
	}
	return n;
}
