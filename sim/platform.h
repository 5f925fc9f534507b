/*
 * platform.h — the pieces of espfab-simd, the SystemC virtual platform
 * (docs/sim.md):
 *
 *   host thread ──TLM b_transport──► Device.bar      (32-bit register accesses)
 *   HostMem ◄──TLM b_transport────── Device.mem      (the device's DMA)
 *   Device.irq ──► lines (bit q = queue q, bit 31 = CSR irq_o)
 *
 * A Device is either the Verilated RTL behind two pin-level bridges
 * (rtl_device.cpp: AXI4-Lite for the BAR, AXI4 master for the DMA) or the
 * behavioural C model of the fabric (model_device.cpp); the platform and
 * the server (simd_main.cpp) are the same for both.
 *
 * Time: one fabric clock cycle is SIM_PERIOD of SystemC time.  The
 * platform clock `clk` always runs while the simulation runs; the device
 * sees `dev_clk`, which the platform holds low while the device is hung
 * (SIM_FAULT_HANG).  Cycle counts are platform cycles: whole SIM_PERIODs
 * of SystemC time since the start.
 *
 * TLM: loosely timed.  HostMem never calls wait(): it annotates its
 * latency on the delay argument, which lets the AXI4 master bridge call it
 * from its clocked SC_METHOD and schedule the R beats / B response itself.
 */
#ifndef ESPFAB_SIM_PLATFORM_H
#define ESPFAB_SIM_PLATFORM_H

#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <string>

extern "C" {
#include "sim_proto.h"
}

namespace espsim {

/* One fabric clock cycle (a nominal 100 MHz; only cycle counts matter). */
static const sc_core::sc_time SIM_PERIOD(10, sc_core::SC_NS);

/* Host memory: the memfd mapping, seen by the device at SIM_MEM_BASE. */
class HostMem : public sc_core::sc_module {
      public:
	tlm_utils::simple_target_socket<HostMem> sock;

	HostMem(sc_core::sc_module_name n, uint8_t *base, uint64_t bytes, unsigned rd_lat, unsigned wr_lat);
	void b_transport(tlm::tlm_generic_payload &t, sc_core::sc_time &delay);

	uint8_t *const base;
	const uint64_t bytes;
	const unsigned rd_lat, wr_lat; /* cycles: AR to first R beat, last W beat to B */
};

/* What the platform needs from a fabric, RTL or model. */
class Device : public sc_core::sc_module {
      public:
	tlm_utils::simple_target_socket<Device> bar;	  /* 32-bit register accesses, byte offset */
	tlm_utils::simple_initiator_socket<Device> mem; /* DMA into HostMem */
	sc_core::sc_in<bool> clk;			  /* device clock (held while hung) */
	sc_core::sc_in<bool> rst_n;			  /* synchronous, active low */
	sc_core::sc_out<uint32_t> irq;			  /* bit q: q_irq_o[q]; bit 31: irq_o */

	explicit Device(sc_core::sc_module_name n);
	/* Register access in the caller's thread (waits on clk); sets the
	 * payload's response: OK, GENERIC_ERROR (SLVERR or no answer within
	 * `timeout` cycles of the platform, data 0xffffffff), ADDRESS_ERROR (DECERR). */
	virtual void bar_b_transport(tlm::tlm_generic_payload &t, sc_core::sc_time &delay) = 0;
	virtual uint64_t rd_beats() const = 0;
	virtual uint64_t wr_beats() const = 0;
	virtual uint64_t violations() const { return 0; }
	virtual void trace(sc_core::sc_trace_file *) {}

      private:
	void bar_entry(tlm::tlm_generic_payload &t, sc_core::sc_time &delay) { bar_b_transport(t, delay); }
};

/* Factories; nullptr and a message in *err when the device cannot be built. */
Device *make_rtl_device(const char *name, std::string *err);
Device *make_model_device(const char *name, std::string *err);
/* The Verilated configuration this binary was built with ("iterative", ...). */
const char *rtl_config();

} // namespace espsim

#endif
