/*
 * sim_proto.h — the wire protocol between libespfab's `sim` engine
 * (driver/engine_sim.c, C) and the SystemC virtual platform process
 * espfab-simd (sim/, C++).  Written once, included by both sides.
 *
 * Shape (docs/sim.md):
 *   - The engine creates the platform's host memory as a memfd of
 *     `mem_bytes` bytes and a SOCK_SEQPACKET socketpair, then fork+execs
 *       espfab-simd --sock FD --mem-fd FD --mem-bytes N --device rtl|model
 *                   [--rd-latency CYCLES] [--wr-latency CYCLES] [--trace FILE]
 *     Both sides mmap the memfd MAP_SHARED.  The device sees byte `off` of
 *     it at bus address SIM_MEM_BASE + off (above 4 GB on purpose, so the
 *     64-bit descriptor addresses are exercised); anything else answers
 *     DECERR.
 *   - Strict request/response, one message each way, host first: the
 *     simulation advances only inside a request (a register access takes
 *     the cycles its AXI4-Lite handshake takes; SIM_OP_RUN advances time).
 *     With no request pending the platform sleeps in recv(), so an idle
 *     device costs no CPU and a run is deterministic for a given sequence
 *     of requests.
 *   - Every response carries the cycle counter after the request and the
 *     interrupt lines (bit q = queue q's q_irq_o, bit 31 = the CSR's
 *     irq_o).
 *
 * Errors: a response status is 0 or a negative errno: -EIO for an
 * AXI4-Lite SLVERR/DECERR or a device that stopped answering (the platform
 * gives up after SIM_REG_TIMEOUT cycles and, like a PCIe read to a dead
 * device, returns val = 0xffffffff), -EINVAL for a malformed request.
 * If the socket closes, the platform exits; if the platform dies, the
 * engine sees EOF and reports the device failed (-EIO).
 */
#ifndef ESPFAB_SIM_PROTO_H
#define ESPFAB_SIM_PROTO_H

#include <stdint.h>

#define SIM_PROTO_VERSION 1u
#define SIM_MEM_BASE 0x100000000ull   /* bus address of memfd byte 0 */
#define SIM_REG_TIMEOUT 10000u        /* cycles before an AXI4-Lite access gives up */
#define SIM_IRQ_CSR (1u << 31)        /* the CSR block's irq_o in irq lines */

enum sim_op {
	SIM_OP_HELLO = 1,   /* arg0 = SIM_PROTO_VERSION; reply val = version, arg = mem bytes */
	SIM_OP_REG_READ,    /* arg0 = CSR byte offset; reply val */
	SIM_OP_REG_WRITE,   /* arg0 = offset, arg1 = value */
	SIM_OP_RUN,         /* run until (irq lines & arg1) != 0 or arg2 cycles have passed
	                       (arg1 = 0: just run arg2 cycles); reply val = cycles run */
	SIM_OP_FAULT,       /* arg0 = enum sim_fault */
	SIM_OP_STATS,       /* reply: val = AXI4 read beats, arg = write beats since open */
	SIM_OP_QUIT,        /* platform replies, then exits 0 */
};

enum sim_fault {
	SIM_FAULT_NONE = 0,
	SIM_FAULT_HANG,     /* the device stops: clock held, registers time out (-EIO, 0xffffffff) */
	SIM_FAULT_RESET,    /* pulse the fabric's reset (16 cycles): registers, queues and the
	                       SA table return to their reset state, then it runs again */
	SIM_FAULT_RESUME,   /* undo HANG (the device continues where it stopped) */
};

struct sim_req {
	uint32_t op;        /* enum sim_op */
	uint32_t arg0;
	uint64_t arg1;
	uint64_t arg2;
};

struct sim_rsp {
	int32_t status;     /* 0 or -errno */
	uint32_t val;
	uint64_t arg;
	uint64_t cycles;    /* fabric clock cycles since the platform started */
	uint32_t irq;       /* interrupt lines after the request */
	uint32_t pad;
};

#endif /* ESPFAB_SIM_PROTO_H */
