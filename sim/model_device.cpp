/*
 * model_device.cpp — `--device model`, the fast functional mode: the
 * behavioural C model of the fabric (sim/fabric_model.{c,h}, CSR + DMA
 * rings, written beside driver/fabric_drv.c) as a platform Device.
 *
 * Not built yet: sim/fabric_model.h does not exist in this tree, so the
 * factory refuses with a clear message and espfab-simd exits with an
 * error for --device model (docs/sim.md).
 */
#include "platform.h"

namespace espsim {

Device *make_model_device(const char *, std::string *err)
{
	*err = "--device model: the fabric's C model (sim/fabric_model.{c,h}) is not built yet; use --device rtl";
	return nullptr;
}

} // namespace espsim
