/*
 * uio_bus.h — struct fabric_bus over Linux UIO and u-dma-buf (the Zynq
 * engine "uio", driver/engine_uio.c; docs/boards.md "uio engine").
 *
 * What it expects on the target (device tree: board/zynq/espfab-overlay.dtsi):
 *   - the fabric's AXI4-Lite window as a UIO device (uio_pdrv_genirq,
 *     compatible "generic-uio", node name or `linux,uio-name` "espfab";
 *     the kernel started with uio_pdrv_genirq.of_id=generic-uio), map 0 =
 *     the CSR block, one interrupt = the OR of the fabric's irq_o and
 *     q_irq_o lines (level, active high);
 *   - a contiguous DMA buffer from the u-dma-buf driver (/dev/udmabufN,
 *     /sys/class/u-dma-buf/udmabufN/{phys_addr,size,dma_coherent,
 *     sync_offset,sync_size,sync_direction,sync_for_cpu,sync_for_device}).
 *
 * Which interrupt line fired is read from the DMA_IRQ register: the bus
 * reports DMA_IRQ & mask and leaves clearing it to the driver (w1c, as the
 * contract's handler does).
 *
 * The sysfs and /dev roots can be moved (cfg.sysfs, cfg.devdir; env
 * ESPFAB_SYSFS, ESPFAB_DEVDIR) so the parsing is tested against a fake
 * tree (tests/unit/test_uio_bus.c).
 *
 * Errors: 0 or -errno with one line in why.
 */
#ifndef ESPFAB_UIO_BUS_H
#define ESPFAB_UIO_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fabric_bus.h"

#define UIO_DEFAULT_NAME "espfab"
#define UIO_PATH_MAX 512

struct uio_bus_cfg {
	char sysfs[UIO_PATH_MAX];   /* sysfs root; default /sys (env ESPFAB_SYSFS) */
	char devdir[UIO_PATH_MAX];  /* device directory; default /dev (env ESPFAB_DEVDIR) */
	char uio[UIO_PATH_MAX];     /* "/dev/uioN", or "" to find it by name (env ESPFAB_UIO) */
	char name[64];              /* UIO name to look for; default "espfab" */
	char udmabuf[64];           /* u-dma-buf device name, or "" for udmabuf0 (env ESPFAB_UDMABUF) */
	size_t dma_bytes;           /* bytes the driver needs */
};

/* Defaults, then the environment. */
void uio_bus_cfg_default(struct uio_bus_cfg *cfg);

/* Find SYSFS/class/uio/uioN whose `name` file is `name`; returns N, or
 * -ENODEV / -errno with why. */
int uio_find(const char *sysfs, const char *name, char *why, size_t why_len);

/* "/dev/uioN" -> N; -EINVAL if it is not of that form. */
int uio_index_of(const char *dev);

/* SYSFS/class/uio/uioN/maps/mapM/{addr,size}. */
int uio_map_info(const char *sysfs, int n, int map, uint64_t *addr, uint64_t *size, char *why, size_t why_len);

/* SYSFS/class/u-dma-buf/NAME/{phys_addr,size,dma_coherent}; a missing
 * dma_coherent reads as not coherent. */
int udmabuf_info(const char *sysfs, const char *name, uint64_t *phys, uint64_t *size, bool *coherent, char *why,
		 size_t why_len);

/* Write sync_offset, sync_size, sync_direction (1 to device, 2 from
 * device) and then 1 to sync_for_device / sync_for_cpu. */
int udmabuf_sync(const char *sysfs, const char *name, size_t off, size_t len, bool to_device);

/* The UIO interrupt protocol on fd: write the 4-byte value 1 (re-enable),
 * wait up to timeout_us for it to become readable, read the 4-byte event
 * count.  Returns 1 (interrupt; *count set), 0 (timeout) or -errno. */
int uio_irq_wait(int fd, uint64_t timeout_us, uint32_t *count);

/* Open the bus: find and map the UIO device, map the u-dma-buf region
 * (at least cfg->dma_bytes).  *out is freed by bus->ops->close(). */
int uio_bus_open(const struct uio_bus_cfg *cfg, struct fabric_bus **out, char *why, size_t why_len);

#endif /* ESPFAB_UIO_BUS_H */
