/*
 * fabric_model.h — a behavioural C model of the espfab fabric as
 * espfab_dma_top presents it: the CSR block (contract regmap csr), the SA
 * table programmed through SA_WIN/SA_CMD, state reads through
 * ST_SLOT/ST_WIN, the DMA queues with their rings in host memory
 * (docs/rtl-dma.md) and the ESP engine, which is the hls/ golden model
 * (esp_sa_setup/esp_top, as driver/engine_model.c uses it).
 *
 * Functional, not cycle-accurate: each request costs a fixed number of
 * cycles (fm_config.req_cycles + one per input and output beat), one
 * request at a time; completions are published (output bytes, record,
 * CQ_PI, index block) when their cycles are over; moderation (count and
 * timer) follows docs/rtl-dma.md.  Used by
 *   - the unit tests' in-process struct fabric_bus (tests/unit/test_fabric_drv.c),
 *   - espfab-simd --device model (the SystemC platform's fast mode).
 *
 * Usage:
 *     struct fm_config c; fm_config_default(&c);
 *     c.dma_read = my_read; c.dma_write = my_write; c.dma_ctx = mem;
 *     struct fm *f = fm_open(&c);
 *     fm_reg_write(f, ESPFAB_CSR_SCRATCH, 1);   // register accesses take no time
 *     fm_run(f, 1u << 0, 10000);                // run until queue 0's line or 10000 cycles
 *     fm_close(f);
 * Time passes only in fm_run/fm_step: a caller that wants register
 * accesses to cost cycles (as AXI4-Lite handshakes do) steps the model
 * itself.
 *
 * Memory: the model reaches host memory only through dma_read/dma_write
 * (bus addresses, any length); a callback that returns non-zero is an
 * AXI SLVERR/DECERR and is handled as docs/rtl-dma.md "Errors" says.
 *
 * Ownership: fm_open copies the config; fm_close wipes the SA table, key
 * contexts and staging windows and frees everything.  Accepts NULL.
 * Errors: fm_reg_read/fm_reg_write return 0, or -EIO where the hardware
 * answers SLVERR (unmapped offset, write to a read-only register, or the
 * device hung by fm_hang: reads then give 0xffffffff).
 * Not thread-safe: one caller at a time.
 */
#ifndef ESPFAB_FABRIC_MODEL_H
#define ESPFAB_FABRIC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fm;

struct fm_config {
	uint32_t sa_slots;     /* 1..ESPFAB_SA_SLOTS_MAX; default 1024 */
	uint32_t n_queues;     /* 1..ESPFAB_QUEUES_MAX; default 4 */
	uint32_t stream_bytes; /* 16 or 32; default 16 */
	uint32_t n_ctx;        /* reported in N_CTX; default 8 */
	uint32_t cipher_lanes; /* reported in CIPHER_LANES; default 1 */
	uint32_t pipelined;    /* reported in PIPELINED; default 1 */
	uint32_t req_cycles;   /* fixed cycles per request; default 40 */
	/* host memory; return 0 or non-zero for an AXI error */
	int (*dma_read)(void *ctx, uint64_t addr, void *buf, size_t len);
	int (*dma_write)(void *ctx, uint64_t addr, const void *buf, size_t len);
	void *dma_ctx;
};

void fm_config_default(struct fm_config *c);
/* NULL on a bad config (sizes out of range, no callbacks) or no memory. */
struct fm *fm_open(const struct fm_config *c);
void fm_close(struct fm *f);

int fm_reg_read(struct fm *f, uint32_t off, uint32_t *val);
int fm_reg_write(struct fm *f, uint32_t off, uint32_t val);

/* Advance up to `cycles` cycles, stopping early (after the event that
 * raised it) once (fm_irq_lines() & irq_mask) != 0; irq_mask 0 runs all
 * `cycles`.  Returns the cycles run.  A hung model runs nothing and
 * returns 0 (its clock is held). */
uint64_t fm_run(struct fm *f, uint32_t irq_mask, uint64_t cycles);
/* fm_run(f, 0, cycles). */
uint64_t fm_step(struct fm *f, uint64_t cycles);
/* Interrupt lines: bit q = queue q's moderated line (DMA_IRQ bit q),
 * bit 31 = the CSR block's irq_o (IRQ_STATUS != 0). */
uint32_t fm_irq_lines(const struct fm *f);
uint64_t fm_cycles(const struct fm *f);
/* Completions queue q has published since fm_open (any status; kept over
 * fm_reset; 0 for q >= ESPFAB_QUEUES_MAX).  Test instrumentation, not a
 * register of the contract. */
uint64_t fm_queue_completions(const struct fm *f, unsigned q);

/* Fault injection (SIM_OP_FAULT): pulse reset (registers, queues, SA table
 * back to their reset state; keys wiped), hold/release the clock. */
void fm_reset(struct fm *f);
void fm_hang(struct fm *f, bool hung);

#endif /* ESPFAB_FABRIC_MODEL_H */
