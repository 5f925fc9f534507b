/*
 * Engine "xrt": the fabric on an Alveo card, reached through XRT's C API.
 * The bus is below; everything above it is the shared ring driver
 * (driver/fabric_drv.c).  docs/boards.md "xrt engine".
 *
 * Built with the real API only when the Makefile found XRT's headers
 * (/opt/xilinx/xrt/include, or XRT_DIR=...): it then defines
 * ESPFAB_HAVE_XRT and links -lxrt_coreutil.  Without XRT this file builds
 * a placeholder engine "xrt" whose open says it was not built, so every
 * tool lists it and explains.  `make check-xrt-syntax` compiles the real
 * part against tests/support/xrt_stub/ (declarations mirrored from XRT's
 * headers) to catch C errors on machines without XRT; it has never run
 * against a card.
 *
 * API followed (Xilinx/XRT, src/runtime_src/core/include/):
 *   xrt/xrt_device.h  xrtDeviceOpen(unsigned), xrtDeviceLoadXclbinFile,
 *                     xrtDeviceGetXclbinUUID(dev, xuid_t), xrtDeviceClose
 *   xrt/xrt_kernel.h  xrtPLKernelOpenExclusive(dev, uuid, name) — register
 *                     access needs the compute unit opened exclusively;
 *                     xrtKernelReadRegister(k, off, &v) /
 *                     xrtKernelWriteRegister(k, off, v): offsets inside the
 *                     CU's AXI4-Lite window, i.e. our CSR offsets unchanged;
 *                     xrtKernelArgGroupId(k, argno) for the memory bank of
 *                     the AXI4 master's argument
 *   xrt/xrt_bo.h      xrtBOAlloc(dev, size, flags, grp), xrtBOMap,
 *                     xrtBOAddress (device address for descriptors),
 *                     xrtBOSync(bo, XCL_BO_SYNC_BO_TO/FROM_DEVICE, size, off),
 *                     xrtBOFree
 *
 * Register convention (decision, docs/boards.md): the RTL kernel is
 * user-managed (no ap_ctrl_hs block at 0x00..0x0C), so the contract's
 * register map is the CU's register map as is.  Interrupts: the C API
 * has no user-managed interrupt call, so this bus polls DMA_IRQ / CQ_PI
 * over PCIe (the driver's poll budget bounds each wait).
 *
 * Engine parameters, besides the driver's (fabric_drv.h):
 *   device=N        card index (default 0)
 *   xclbin=PATH     load this xclbin first (env ESPFAB_XCLBIN); without it
 *                   the xclbin already on the card is used
 *   kernel=NAME     kernel / CU name (default "espfab")
 *   mem_arg=N       kernel argument index of the AXI4 master (default 0,
 *                   board/alveo/kernel.xml)
 *   host_only=0|1   1 (default): host-memory BO (HOST[0] via the platform's
 *                   host-memory access); 0: a device BO in DDR/HBM (needs
 *                   xrtBOSync to move every packet — slower, for platforms
 *                   without host memory access)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfab_engine.h"

#ifdef ESPFAB_HAVE_XRT

#include <time.h>

#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <xrt/xrt_kernel.h>

#include "fabric_drv.h"

struct xrt_bus {
	struct fabric_bus bus;
	xrtDeviceHandle dev;
	xrtKernelHandle krnl;
	xrtBufferHandle bo;
	uint32_t n_queues;
};

static int xb_rd32(void *priv, uint32_t off, uint32_t *val)
{
	struct xrt_bus *x = priv;
	return xrtKernelReadRegister(x->krnl, off, val) ? -EIO : 0;
}

static int xb_wr32(void *priv, uint32_t off, uint32_t val)
{
	struct xrt_bus *x = priv;
	/* Stores to the host-memory BO are ordered before this MMIO write
	 * by the PCIe posted-write ordering plus this fence. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return xrtKernelWriteRegister(x->krnl, off, val) ? -EIO : 0;
}

static int xb_sync(void *priv, size_t off, size_t len, enum fabric_sync_dir dir)
{
	struct xrt_bus *x = priv;
	if (off > x->bus.dma_bytes || len > x->bus.dma_bytes - off)
		return -EINVAL;
	if (!len)
		return 0;
	return xrtBOSync(x->bo, dir == FABRIC_SYNC_TO_DEVICE ? XCL_BO_SYNC_BO_TO_DEVICE : XCL_BO_SYNC_BO_FROM_DEVICE,
			 len, off)
		       ? -EIO
		       : 0;
}

static uint64_t xb_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Poll every 10 us for up to budget microseconds: DMA_IRQ & mask (the
 * queue raised its moderated interrupt), or with mask 0 any CQ_PI move. */
static int xb_wait_irq(void *priv, uint32_t mask, uint64_t budget, uint32_t *lines)
{
	struct xrt_bus *x = priv;
	uint32_t v, pi[ESPFAB_QUEUES_MAX];
	uint64_t end = xb_now_us() + budget;
	*lines = 0;
	for (uint32_t q = 0; !mask && q < x->n_queues; q++)
		if (xb_rd32(x, ESPFAB_CSR_CQ_PI(q), &pi[q]))
			return -EIO;
	for (;;) {
		if (mask) {
			if (xb_rd32(x, ESPFAB_CSR_DMA_IRQ, &v) || v == 0xffffffffu)
				return -EIO;
			if (v & mask) {
				*lines = v & mask;
				return 0;
			}
		} else {
			for (uint32_t q = 0; q < x->n_queues; q++) {
				if (xb_rd32(x, ESPFAB_CSR_CQ_PI(q), &v))
					return -EIO;
				if (v != pi[q])
					return 0;
			}
		}
		uint64_t t = xb_now_us();
		if (t >= end)
			return 0;
		struct timespec ts = { 0, (long)(end - t < 10 ? end - t : 10) * 1000 };
		nanosleep(&ts, NULL);
	}
}

static uint64_t xb_cycles(void *priv)
{
	(void)priv;
	return 0;
}

static void xb_close(void *priv)
{
	struct xrt_bus *x = priv;
	if (!x)
		return;
	if (x->bo)
		xrtBOFree(x->bo);
	if (x->krnl)
		xrtKernelClose(x->krnl);
	if (x->dev)
		xrtDeviceClose(x->dev);
	free(x);
}

static const struct fabric_bus_ops xrt_ops = {
	.name = "xrt",
	.rd32 = xb_rd32,
	.wr32 = xb_wr32,
	.sync = xb_sync,
	.wait_irq = xb_wait_irq,
	.cycles = xb_cycles,
	.close = xb_close,
};

/* Value of `key` in "k=v,k=v" into out; 1 found, 0 absent, -1 too long. */
static int param_get(const char *params, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);
	for (const char *s = params; s && *s;) {
		const char *end = strchr(s, ',');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		if (n > kl && !strncmp(s, key, kl) && s[kl] == '=') {
			if (n - kl - 1 >= len)
				return -1;
			memcpy(out, s + kl + 1, n - kl - 1);
			out[n - kl - 1] = 0;
			return 1;
		}
		s = end ? end + 1 : s + n;
	}
	return 0;
}

static int xrt_open_params(void **priv, uint32_t slots, uint32_t depth, const char *params, char *why,
			   size_t why_len)
{
	static const char *const own[] = { "device", "xclbin", "kernel", "mem_arg", "host_only", NULL };
	char device[16] = "0", xclbin[1024] = "", kernel[128] = "espfab", mem_arg[16] = "0", host_only[8] = "1";
	struct fabric_drv_params p;
	int rc;

	fabric_drv_params_default(&p);
	rc = fabric_drv_params_parse(&p, params, own, why, why_len);
	if (rc)
		return rc;
	const char *env = getenv("ESPFAB_XCLBIN");
	if (env)
		snprintf(xclbin, sizeof xclbin, "%s", env);
	if (param_get(params, "device", device, sizeof device) < 0 ||
	    param_get(params, "xclbin", xclbin, sizeof xclbin) < 0 ||
	    param_get(params, "kernel", kernel, sizeof kernel) < 0 ||
	    param_get(params, "mem_arg", mem_arg, sizeof mem_arg) < 0 ||
	    param_get(params, "host_only", host_only, sizeof host_only) < 0) {
		snprintf(why, why_len, "an xrt parameter is too long");
		return -EINVAL;
	}

	struct xrt_bus *x = calloc(1, sizeof *x);
	if (!x) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	x->dev = xrtDeviceOpen((unsigned)strtoul(device, NULL, 10));
	if (!x->dev) {
		snprintf(why, why_len, "xrtDeviceOpen(%s) failed: no Alveo card at that index (xbutil examine)", device);
		rc = -ENODEV;
		goto fail;
	}
	if (xclbin[0] && xrtDeviceLoadXclbinFile(x->dev, xclbin)) {
		snprintf(why, why_len, "xrtDeviceLoadXclbinFile(%s) failed", xclbin);
		rc = -EIO;
		goto fail;
	}
	xuid_t uuid;
	if (xrtDeviceGetXclbinUUID(x->dev, uuid)) {
		snprintf(why, why_len, "no xclbin loaded on card %s (give xclbin=PATH or ESPFAB_XCLBIN)", device);
		rc = -ENODEV;
		goto fail;
	}
	x->krnl = xrtPLKernelOpenExclusive(x->dev, uuid, kernel);
	if (!x->krnl) {
		snprintf(why, why_len, "xrtPLKernelOpenExclusive(%s) failed: kernel not in the xclbin, or its CU is "
			 "open elsewhere", kernel);
		rc = -ENODEV;
		goto fail;
	}
	int grp = xrtKernelArgGroupId(x->krnl, atoi(mem_arg));
	if (grp < 0) {
		snprintf(why, why_len, "xrtKernelArgGroupId(%s, %s) failed", kernel, mem_arg);
		rc = -ENODEV;
		goto fail;
	}
	size_t bytes = fabric_drv_dma_bytes(depth, &p);
	x->bo = xrtBOAlloc(x->dev, bytes, strcmp(host_only, "0") ? XRT_BO_FLAGS_HOST_ONLY : XRT_BO_FLAGS_NONE,
			   (xrtMemoryGroup)grp);
	if (!x->bo) {
		snprintf(why, why_len, "xrtBOAlloc(%zu bytes, bank group %d) failed (host memory enabled? "
			 "xbutil configure --host-mem)", bytes, grp);
		rc = -ENOMEM;
		goto fail;
	}
	x->bus.dma_va = xrtBOMap(x->bo);
	x->bus.dma_dev = xrtBOAddress(x->bo);
	x->bus.dma_bytes = bytes;
	if (!x->bus.dma_va) {
		snprintf(why, why_len, "xrtBOMap failed");
		rc = -ENOMEM;
		goto fail;
	}
	x->bus.ops = &xrt_ops;
	x->bus.priv = x;
	uint32_t nq = 0;
	if (xb_rd32(x, ESPFAB_CSR_N_QUEUES, &nq)) {
		snprintf(why, why_len, "register read failed");
		rc = -EIO;
		goto fail;
	}
	x->n_queues = nq > ESPFAB_QUEUES_MAX ? ESPFAB_QUEUES_MAX : nq;
	return fabric_drv_open((struct fabric_drv **)priv, &x->bus, &p, slots, depth, why, why_len);
fail:
	xb_close(x);
	return rc;
}

static int xrt_open(void **priv, uint32_t slots, uint32_t depth, char *why, size_t why_len)
{
	return xrt_open_params(priv, slots, depth, NULL, why, why_len);
}

const struct espfab_engine_ops espfab_engine_xrt = {
	.name = "xrt",
	.summary = "Alveo card via XRT (user-managed RTL kernel; docs/boards.md)",
	.open = xrt_open,
	.open_params = xrt_open_params,
	FABRIC_DRV_ENGINE_OPS,
};

#else /* !ESPFAB_HAVE_XRT */

/* Placeholder: listed, refuses to open, says why. */
static int xrt_absent_open(void **priv, uint32_t slots, uint32_t depth, const char *params, char *why,
			   size_t why_len)
{
	(void)priv, (void)slots, (void)depth, (void)params;
	snprintf(why, why_len, "not built (XRT not installed: no /opt/xilinx/xrt/include when libespfab was built; "
		 "install XRT and rebuild, docs/boards.md)");
	return -ENOSYS;
}

static int xrt_absent_open_plain(void **priv, uint32_t slots, uint32_t depth, char *why, size_t why_len)
{
	return xrt_absent_open(priv, slots, depth, NULL, why, why_len);
}

const struct espfab_engine_ops espfab_engine_xrt = {
	.name = "xrt",
	.summary = "not built (XRT not installed)",
	.open = xrt_absent_open_plain,
	.open_params = xrt_absent_open,
};

#endif
