/*
 * espfabd configuration: --config is parsed with the IOS configuration
 * parser (host/ios_config.h) and applied to Linux through the --ifmap table.
 *
 * Loading: every diagnostic keeps the parser's "FILE:LINE: …" form.  Errors
 * are printed on stderr and espfabd does not start; warnings (lines that
 * do not concern espfab, accepted and ignored) are logged as
 * %ESPFABD-4-CONFIG messages and espfabd starts.
 *
 * Applying (unless --no-apply), as a router brings up its configuration:
 *   - each configured interface that --ifmap maps is set up (or down for
 *     `shutdown`) and gets its primary and secondary addresses; addresses
 *     already on the Linux interface are kept (nothing is removed);
 *   - each `ip route` is installed in the main table (replacing an equal
 *     one): via its next hop, out of its interface when it names one.  A
 *     route whose interface is not mapped, or that Linux refuses (a next hop
 *     not reachable yet), is logged as a warning and left out — IOS too keeps
 *     such a route inactive.  Administrative distance, tag, name and
 *     `permanent` have no Linux counterpart and are ignored.
 *   - configured interfaces without a mapping, and mappings naming no
 *     configured interface, are logged as warnings; `ip address dhcp` is
 *     not applied (espfab runs no DHCP client).
 * Failing to set a link or an address is an error: espfabd does not start.
 * Nothing is undone at shutdown (a router keeps its addresses too).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "elog.h"
#include "espfabd.h"
#include "ios_config.h"
#include "ios_repair.h"

static const char *ip_str(uint32_t a, char *b)
{
	snprintf(b, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return b;
}

int espfabd_config_load(espfabd *d, char *err, size_t err_len)
{
	ios_diags dg;
	memset(&dg, 0, sizeof dg);
	int r = d->opt.config_technote ? ios_config_load_file_technote(d->opt.config, &d->cfg, &dg)
				       : ios_config_load_file(d->opt.config, &d->cfg, &dg);
	if (r < 0 || !d->cfg) {
		ios_diags_print(&dg, stderr);
		snprintf(err, err_len, "%s: configuration not loaded (%zu error%s), not started", d->opt.config,
			 dg.errors, dg.errors == 1 ? "" : "s");
		ios_diags_free(&dg);
		return -1;
	}
	for (size_t i = 0; i < dg.n; i++)
		elog_msg(ELOG_WARNING, "ESPFABD", "CONFIG", "%s", dg.v[i].msg);
	snprintf(d->hostname, sizeof d->hostname, "%s", d->cfg->hostname ? d->cfg->hostname : "Router");
	snprintf(d->config_state, sizeof d->config_state, "%s, %zu interface%s, %zu route%s, %zu warning%s",
		 d->opt.config, d->cfg->n_ifaces, d->cfg->n_ifaces == 1 ? "" : "s", d->cfg->n_routes,
		 d->cfg->n_routes == 1 ? "" : "s", dg.warnings, dg.warnings == 1 ? "" : "s");
	ios_diags_free(&dg);
	return 0;
}

void espfabd_config_free(espfabd *d)
{
	ios_config_free(d->cfg); /* wipes the pre-shared keys */
	d->cfg = NULL;
}

bool espfabd_ifname_match(const char *full, const char *given)
{
	size_t tf = strcspn(full, "0123456789"), tg = strcspn(given, "0123456789");
	if (tg == 0 || tg > tf || strncasecmp(full, given, tg) != 0)
		return false;
	return strcasecmp(full + tf, given + tg) == 0;
}

const struct espfabd_ifmap *espfabd_ifmap_find(const espfabd *d, const char *ios_name)
{
	for (size_t i = 0; i < d->opt.n_ifmap; i++)
		if (espfabd_ifname_match(ios_name, d->opt.ifmap[i].ios))
			return &d->opt.ifmap[i];
	return NULL;
}

static int apply_iface(const espfabd *d, const ios_interface *f, const struct espfabd_ifmap *m, char *err,
		       size_t err_len)
{
	char a[16];
	int r = netio_link_set_up(m->ifindex, !f->shutdown);
	if (r < 0) {
		snprintf(err, err_len, "%s:%u: interface %s (%s): setting it %s: %s", d->cfg->file, f->line, f->name,
			 m->linux_if, f->shutdown ? "down" : "up", strerror(-r));
		return -1;
	}
	if (f->dhcp)
		elog_msg(ELOG_WARNING, "ESPFABD", "CONFIG", "%s:%u: interface %s: ip address dhcp not applied to %s",
			 d->cfg->file, f->line, f->name, m->linux_if);
	for (size_t k = 0; k <= f->n_secondary; k++) {
		uint32_t addr, mask;
		if (k == 0) {
			if (!f->has_addr)
				continue;
			addr = f->addr, mask = f->mask;
		} else {
			addr = f->sec_addr[k - 1], mask = f->sec_mask[k - 1];
		}
		int plen = netio_mask_plen(mask);
		r = plen < 0 ? -EINVAL : netio_addr_add(m->ifindex, addr, (unsigned)plen);
		if (r < 0) {
			snprintf(err, err_len, "%s:%u: interface %s: address %s/%d on %s: %s", d->cfg->file, f->line,
				 f->name, ip_str(addr, a), plen, m->linux_if, strerror(-r));
			return -1;
		}
	}
	if (f->shutdown)
		elog_msg(ELOG_NOTICE, "LINK", "CHANGED", "Interface %s, changed state to administratively down", f->name);
	else
		elog_msg(ELOG_ERR, "LINK", "UPDOWN", "Interface %s, changed state to up", f->name); /* IOS: LINK-3 */
	return 0;
}

static void apply_route(const espfabd *d, const ios_route *rt)
{
	char p[16], mk[16], gw[16];
	int ifindex = 0;
	const char *why = NULL;
	char buf[128];
	if (rt->ifname) {
		const struct espfabd_ifmap *m = espfabd_ifmap_find(d, rt->ifname);
		if (!m)
			why = "its interface is not mapped (--ifmap)";
		else
			ifindex = m->ifindex;
	}
	int plen = netio_mask_plen(rt->mask);
	if (!why && plen < 0)
		why = "the mask is not contiguous";
	if (!why) {
		int r = netio_route_add(rt->prefix, (unsigned)plen, rt->has_nexthop ? rt->nexthop : 0, ifindex);
		if (r < 0) {
			snprintf(buf, sizeof buf, "Linux refused it: %s", strerror(-r));
			why = buf;
		}
	}
	if (why)
		elog_msg(ELOG_WARNING, "ESPFABD", "ROUTE", "%s:%u: ip route %s %s %s%s%s not installed: %s",
			 d->cfg->file, rt->line, ip_str(rt->prefix, p), ip_str(rt->mask, mk), rt->ifname ? rt->ifname : "",
			 rt->ifname && rt->has_nexthop ? " " : "", rt->has_nexthop ? ip_str(rt->nexthop, gw) : "", why);
}

int espfabd_config_apply(espfabd *d, char *err, size_t err_len)
{
	if (!d->cfg)
		return 0;
	for (size_t i = 0; i < d->opt.n_ifmap; i++) {
		const struct espfabd_ifmap *m = &d->opt.ifmap[i];
		size_t hits = 0;
		for (size_t k = 0; k < d->cfg->n_ifaces; k++)
			hits += espfabd_ifname_match(d->cfg->ifaces[k].name, m->ios);
		if (!hits)
			elog_msg(ELOG_WARNING, "ESPFABD", "CONFIG", "--ifmap %s=%s: %s has no interface %s", m->ios,
				 m->linux_if, d->cfg->file, m->ios);
	}
	for (size_t k = 0; k < d->cfg->n_ifaces; k++) {
		size_t maps = 0;
		for (size_t i = 0; i < d->opt.n_ifmap; i++)
			maps += espfabd_ifname_match(d->cfg->ifaces[k].name, d->opt.ifmap[i].ios);
		if (maps > 1)
			elog_msg(ELOG_WARNING, "ESPFABD", "CONFIG",
				 "interface %s is mapped %zu times (--ifmap); the first mapping is used",
				 d->cfg->ifaces[k].name, maps);
	}
	if (d->opt.no_apply)
		return 0;
	for (size_t i = 0; i < d->cfg->n_ifaces; i++) {
		const ios_interface *f = &d->cfg->ifaces[i];
		const struct espfabd_ifmap *m = espfabd_ifmap_find(d, f->name);
		if (!m) {
			if (f->has_addr || f->n_secondary)
				elog_msg(ELOG_WARNING, "ESPFABD", "CONFIG",
					 "%s:%u: interface %s is not mapped to a Linux interface (--ifmap): not applied",
					 d->cfg->file, f->line, f->name);
			continue;
		}
		if (apply_iface(d, f, m, err, err_len) < 0)
			return -1;
	}
	for (size_t i = 0; i < d->cfg->n_routes; i++)
		apply_route(d, &d->cfg->routes[i]);
	return 0;
}
