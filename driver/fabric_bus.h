/*
 * fabric_bus.h — what the fabric driver (driver/fabric_drv.c) needs from a
 * way of reaching an espfab fabric: its CSR block, one contiguous region of
 * DMA-able host memory, interrupts, and a clock for measurements.
 *
 * One bus per backend: sim (espfab-simd over a socket + shared memfd,
 * driver/engine_sim.c), uio (Zynq: /dev/uioN mmap + a contiguous buffer,
 * driver/engine_uio.c), xrt (Alveo: xrt::ip registers + a host buffer
 * object, driver/engine_xrt.c), and the in-process C model of the fabric
 * used by unit tests.  The ring, descriptor, SA-programming and recovery
 * logic lives once in fabric_drv.c above this interface.
 *
 * Ownership: the bus owns its device handle and the DMA region; the
 * driver carves the region into rings and packet buffers and never frees
 * parts of it.  close() releases everything (the driver wipes key
 * material it wrote to the region before calling it).
 *
 * Errors: int results are 0 or -errno; -EIO means the device did not
 * answer or answered an error (the driver then treats it as failed).
 */
#ifndef ESPFAB_FABRIC_BUS_H
#define ESPFAB_FABRIC_BUS_H

#include <stddef.h>
#include <stdint.h>

enum fabric_sync_dir { FABRIC_SYNC_TO_DEVICE, FABRIC_SYNC_FROM_DEVICE };

struct fabric_bus_ops {
	const char *name;
	/* CSR access at a byte offset of the contract's regmap csr. */
	int (*rd32)(void *bus, uint32_t off, uint32_t *val);
	int (*wr32)(void *bus, uint32_t off, uint32_t val);
	/* Make [off, off+len) of the DMA region coherent in one direction
	 * (no-op on coherent buses; XRT BO sync, u-dma-buf sync otherwise). */
	int (*sync)(void *bus, size_t off, size_t len, enum fabric_sync_dir dir);
	/* Wait until one of the interrupt lines in `mask` is raised (bit q:
	 * DMA queue q) or `budget` units pass (sim: fabric cycles; boards:
	 * microseconds).  *lines receives the lines seen (0 on timeout).
	 * Returns 0 or -EIO. */
	int (*wait_irq)(void *bus, uint32_t mask, uint64_t budget, uint32_t *lines);
	/* Fabric clock cycles since open (sim), or 0 where unknown. */
	uint64_t (*cycles)(void *bus);
	void (*close)(void *bus);
	/* Optional: why the bus itself failed ("" or NULL if it did not), e.g.
	 * "the platform exited"; the driver appends it to its own reason. */
	const char *(*error)(void *bus);
};

struct fabric_bus {
	const struct fabric_bus_ops *ops;
	void *priv;
	uint8_t *dma_va;       /* host view of the DMA region */
	uint64_t dma_dev;      /* device (bus) address of dma_va[0] */
	size_t dma_bytes;
};

#endif /* ESPFAB_FABRIC_BUS_H */
