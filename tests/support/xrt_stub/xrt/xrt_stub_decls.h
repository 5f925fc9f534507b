/*
 * Minimal stand-in for the XRT C API, ONLY for `make check-xrt-syntax`:
 * it lets driver/engine_xrt.c be compiled (not linked, not run) on a
 * machine without XRT, so C errors in it are caught here.
 *
 * Every declaration below mirrors, name for name and type for type, the
 * declarations of the Xilinx/XRT repository as looked up for this project
 * (2026-11-24), in:
 *   src/runtime_src/core/include/xrt/xrt_device.h   xrtDeviceOpen, xrtDeviceClose,
 *                                                   xrtDeviceLoadXclbinFile, xrtDeviceGetXclbinUUID
 *   src/runtime_src/core/include/xrt/xrt_kernel.h   xrtPLKernelOpenExclusive, xrtKernelClose,
 *                                                   xrtKernelArgGroupId, xrtKernelReadRegister,
 *                                                   xrtKernelWriteRegister
 *   src/runtime_src/core/include/xrt/xrt_bo.h       xrtBufferHandle, xrtBufferFlags, xrtMemoryGroup,
 *                                                   xrtBOAlloc, xrtBOFree, xrtBOAddress, xrtBOSync, xrtBOMap
 *   src/runtime_src/core/include/xrt/detail/xrt_mem.h  XCL_BO_FLAGS_HOST_ONLY (1U << 29), XRT_BO_FLAGS_HOST_ONLY
 *   xrt.h (deprecated/xrt.h)                        enum xclBOSyncDirection, xuid_t (uuid_t: 16 bytes)
 * Only what engine_xrt.c uses is here.  It is NOT XRT: nothing links
 * against it, and a real build uses /opt/xilinx/xrt/include instead.
 */
#ifndef ESPFAB_XRT_STUB_DECLS_H
#define ESPFAB_XRT_STUB_DECLS_H

#include <stddef.h>
#include <stdint.h>

typedef unsigned char xuid_t[16];

enum xclBOSyncDirection {
	XCL_BO_SYNC_BO_TO_DEVICE = 0,
	XCL_BO_SYNC_BO_FROM_DEVICE,
};

#define XCL_BO_FLAGS_NONE (0)
#define XCL_BO_FLAGS_HOST_ONLY (1U << 29)
#define XRT_BO_FLAGS_NONE XCL_BO_FLAGS_NONE
#define XRT_BO_FLAGS_HOST_ONLY XCL_BO_FLAGS_HOST_ONLY

typedef void *xrtDeviceHandle;
typedef void *xrtKernelHandle;
typedef void *xrtBufferHandle;
typedef uint64_t xrtBufferFlags;
typedef uint32_t xrtMemoryGroup;

xrtDeviceHandle xrtDeviceOpen(unsigned int index);
int xrtDeviceClose(xrtDeviceHandle dhdl);
int xrtDeviceLoadXclbinFile(xrtDeviceHandle dhdl, const char *xclbin_fnm);
int xrtDeviceGetXclbinUUID(xrtDeviceHandle dhdl, xuid_t out);

xrtKernelHandle xrtPLKernelOpenExclusive(xrtDeviceHandle deviceHandle, const xuid_t xclbinId, const char *name);
int xrtKernelClose(xrtKernelHandle kernelHandle);
int xrtKernelArgGroupId(xrtKernelHandle kernelHandle, int argno);
int xrtKernelReadRegister(xrtKernelHandle kernelHandle, uint32_t offset, uint32_t *datap);
int xrtKernelWriteRegister(xrtKernelHandle kernelHandle, uint32_t offset, uint32_t data);

xrtBufferHandle xrtBOAlloc(xrtDeviceHandle dhdl, size_t size, xrtBufferFlags flags, xrtMemoryGroup grp);
int xrtBOFree(xrtBufferHandle bhdl);
uint64_t xrtBOAddress(xrtBufferHandle bhdl);
int xrtBOSync(xrtBufferHandle bhdl, enum xclBOSyncDirection dir, size_t size, size_t offset);
void *xrtBOMap(xrtBufferHandle bhdl);

#endif
