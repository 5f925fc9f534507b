/*
 * Ring index arithmetic shared by every queue in libespfab: the completion
 * ring of the synchronous engines now, the DMA request/completion rings of
 * the fabric later.  Pure functions, no memory access, unit-tested alone
 * (tests/unit/test_ring.c).
 *
 * A ring of `size` slots holds at most size - 1 entries: one slot stays free
 * so that head == tail always means empty.  The producer owns head (next
 * slot to write), the consumer owns tail (next slot to read).  Indices are
 * always reduced modulo size; size need not be a power of two.
 */
#ifndef ESPFAB_RING_H
#define ESPFAB_RING_H

#include <stdint.h>

static inline uint32_t ring_used(uint32_t head, uint32_t tail, uint32_t size)
{
	return head >= tail ? head - tail : size - tail + head;
}

static inline uint32_t ring_free(uint32_t head, uint32_t tail, uint32_t size)
{
	return size - 1 - ring_used(head, tail, size);
}

static inline uint32_t ring_next(uint32_t idx, uint32_t n, uint32_t size)
{
	/* idx < size and n <= size, so idx + n < 2 * size: one subtraction. */
	uint32_t r = idx + n;
	return r >= size ? r - size : r;
}

#endif /* ESPFAB_RING_H */
