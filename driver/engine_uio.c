/*
 * Engine "uio": the fabric on a Zynq's programmable logic, reached through
 * a UIO device (registers, interrupt) and a u-dma-buf buffer (rings and
 * packets).  The bus is driver/uio_bus.c; everything above it is the
 * shared ring driver (driver/fabric_drv.c).  docs/boards.md "uio engine".
 *
 * Engine parameters (espfab_open_opts.params, "key=value,..."), besides the
 * driver's (fabric_drv.h):
 *   uio=/dev/uioN     the UIO device (default: the one named "espfab";
 *                     env ESPFAB_UIO)
 *   uio_name=NAME     the UIO name to look for (default espfab)
 *   udmabuf=NAME      the u-dma-buf device (default udmabuf0; env ESPFAB_UDMABUF)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "espfab_engine.h"
#include "fabric_drv.h"
#include "uio_bus.h"

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

static int uio_open_params(void **priv, uint32_t slots, uint32_t depth, const char *params, char *why,
			   size_t why_len)
{
	static const char *const own[] = { "uio", "uio_name", "udmabuf", NULL };
	struct fabric_drv_params p;
	struct uio_bus_cfg cfg;
	struct fabric_bus *bus;
	int rc;

	fabric_drv_params_default(&p);
	p.irq = true; /* a board has a real interrupt; irq=0 selects polling */
	rc = fabric_drv_params_parse(&p, params, own, why, why_len);
	if (rc)
		return rc;
	uio_bus_cfg_default(&cfg);
	if (param_get(params, "uio", cfg.uio, sizeof cfg.uio) < 0 ||
	    param_get(params, "uio_name", cfg.name, sizeof cfg.name) < 0 ||
	    param_get(params, "udmabuf", cfg.udmabuf, sizeof cfg.udmabuf) < 0) {
		snprintf(why, why_len, "uio, uio_name or udmabuf parameter too long");
		return -EINVAL;
	}
	cfg.dma_bytes = fabric_drv_dma_bytes(depth, &p);
	rc = uio_bus_open(&cfg, &bus, why, why_len);
	if (rc)
		return rc;
	return fabric_drv_open((struct fabric_drv **)priv, bus, &p, slots, depth, why, why_len);
}

static int uio_open(void **priv, uint32_t slots, uint32_t depth, char *why, size_t why_len)
{
	return uio_open_params(priv, slots, depth, NULL, why, why_len);
}

const struct espfab_engine_ops espfab_engine_uio = {
	.name = "uio",
	.summary = "Zynq programmable logic via /dev/uioN + u-dma-buf (needs the board; docs/boards.md)",
	.open = uio_open,
	.open_params = uio_open_params,
	FABRIC_DRV_ENGINE_OPS,
};
