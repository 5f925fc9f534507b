/*
 * engine_sim.h — the buses behind libespfab's "sim" engine
 * (driver/engine_sim.c; docs/fabric-driver.md):
 *   - the espfab-simd bus: the SystemC platform in a child process, host
 *     memory a shared memfd, requests over a SOCK_SEQPACKET socketpair
 *     (sim/sim_proto.h); device=rtl|model,
 *   - the in-process bus: the C model of the fabric (sim/fabric_model.h)
 *     in this process; device=inproc.  No espfab-simd needed; what the
 *     unit tests use.
 * Both advance simulated time only inside a request (register access or
 * wait_irq), so fabric_drv's poll is what makes the device progress.
 *
 * Not installed; for tests and tools inside this repository.
 */
#ifndef ESPFAB_ENGINE_SIM_H
#define ESPFAB_ENGINE_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "fabric_bus.h"

struct fm;
struct fm_config;

/* In-process bus over a new C model with config cfg (NULL: defaults, with
 * the model's DMA pointed at the bus's memory); dma_bytes of host memory
 * at bus address SIM_MEM_BASE.  reg_cycles: cycles each register access
 * advances the model (as an AXI4-Lite handshake would; 0 = 4).  *fm (may
 * be NULL) receives the model for fault injection; the bus owns it.
 * Returns 0, -EINVAL or -ENOMEM. */
int sim_inproc_bus_open(struct fabric_bus **out, size_t dma_bytes, const struct fm_config *cfg, uint32_t reg_cycles,
			struct fm **fm);

/* SIM_OP_FAULT on either bus (enum sim_fault).  0 or -EIO/-EINVAL. */
int sim_bus_fault(struct fabric_bus *bus, uint32_t fault);

/* The espfab-simd child's process id (0 for the in-process bus). */
long sim_bus_pid(struct fabric_bus *bus);

/* The in-process bus's fabric model (tests: fm_queue_completions), NULL on
 * the espfab-simd bus. */
struct fm *sim_bus_model(struct fabric_bus *bus);

/* Statistics of either bus: requests sent (register accesses + runs). */
uint64_t sim_bus_requests(struct fabric_bus *bus);

#endif /* ESPFAB_ENGINE_SIM_H */
