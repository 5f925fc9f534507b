/* Syntax-check stand-in for XRT's xrt/xrt_device.h; see xrt_stub_decls.h. */
#include "xrt_stub_decls.h"
