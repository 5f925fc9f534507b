/* espfabd command-line parsing; see espfabd.h. */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "espfabd.h"

void espfabd_usage(FILE *f)
{
	fprintf(f, "usage: espfabd --config FILE --engine ENGINE --socket PATH\n"
		   "               [--config-technote] [--ifmap IOSNAME=LINUXIF ...] [--tun NAME] [--log FILE]\n"
		   "               [--foreground] [--no-apply] [--test-hooks [--debug-keys FILE]]\n"
		   "\n"
		   "  --config FILE      IOS configuration to load\n"
		   "  --config-technote  repair technote damage in FILE first (fence lines, commands\n"
		   "                     swallowed by !--- annotations or wrapped); every repair is\n"
		   "                     logged as a warning (docs/ios-config.md)\n"
		   "  --engine ENGINE    ESP engine:");
	for (const char *const *e = espfab_engines(); *e; e++)
		fprintf(f, " %s", *e);
	for (const char *const *e = espfab_engines_not_built(); *e; e++)
		fprintf(f, " (%s)", *e);
	fprintf(f, "\n"
		   "  --socket PATH      control socket for espfabctl (created mode 0600)\n"
		   "  --ifmap IOS=LINUX  map an IOS interface name to a Linux interface (repeatable)\n"
		   "  --tun NAME         TUN device for protected-side traffic (default " ESPFABD_DEFAULT_TUN ")\n"
		   "  --log FILE         append log and debug lines to FILE (reopened on SIGHUP)\n"
		   "  --foreground       stay in the foreground, log to stderr\n"
		   "  --no-apply         leave Linux interface addresses and routes alone\n"
		   "                     (and install no policy rules for the data path)\n"
		   "  --test-hooks       enable the test oracle commands (test crypto ipsec ...);\n"
		   "                     for tests only, never in production\n"
		   "  --debug-keys FILE  (with --test-hooks) append every negotiated IKE and ESP\n"
		   "                     key to FILE for tshark; test oracle only, never in production\n"
		   "\n"
		   "Exit status: 0 clean shutdown (SIGTERM/SIGINT), 1 start-up failed, 2 usage error.\n");
}

static int err_out(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int err_out(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

static void engine_list(char *buf, size_t len)
{
	buf[0] = '\0';
	for (const char *const *e = espfab_engines(); *e; e++) {
		if (e != espfab_engines())
			strncat(buf, ", ", len - strlen(buf) - 1);
		strncat(buf, *e, len - strlen(buf) - 1);
	}
}

static int parse_ifmap(const char *arg, struct espfabd_opts *o, char *err, size_t len)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg || !eq[1])
		return err_out(err, len, "--ifmap '%s': expected IOSNAME=LINUXIF (e.g. FastEthernet0/0=eth0)", arg);
	size_t il = (size_t)(eq - arg), ll = strlen(eq + 1);
	if (il >= ESPFABD_IOS_IFNAME_MAX)
		return err_out(err, len, "--ifmap '%s': IOS interface name longer than %d characters", arg,
			       ESPFABD_IOS_IFNAME_MAX - 1);
	if (ll >= NETIO_IFNAMSIZ)
		return err_out(err, len, "--ifmap '%s': Linux interface name longer than %d characters", arg,
			       NETIO_IFNAMSIZ - 1);
	for (const char *p = arg; *p; p++)
		if (*p == ' ' || *p == '\t' || (p > eq && (*p == '/' || *p == '=')))
			return err_out(err, len, "--ifmap '%s': blank, '/' or '=' in an interface name", arg);
	if (o->n_ifmap == ESPFABD_MAX_IFMAP)
		return err_out(err, len, "--ifmap: more than %d mappings", ESPFABD_MAX_IFMAP);
	struct espfabd_ifmap *m = &o->ifmap[o->n_ifmap];
	memset(m, 0, sizeof *m);
	memcpy(m->ios, arg, il);
	memcpy(m->linux_if, eq + 1, ll);
	for (size_t i = 0; i < o->n_ifmap; i++) {
		if (strcasecmp(o->ifmap[i].ios, m->ios) == 0)
			return err_out(err, len, "--ifmap: IOS interface '%s' is mapped twice", m->ios);
		if (strcmp(o->ifmap[i].linux_if, m->linux_if) == 0)
			return err_out(err, len, "--ifmap: Linux interface '%s' is the target of both '%s' and '%s'",
				       m->linux_if, o->ifmap[i].ios, m->ios);
	}
	o->n_ifmap++;
	return 0;
}

int espfabd_parse_args(int argc, char **argv, struct espfabd_opts *o, char *err, size_t len)
{
	enum { O_CONFIG = 256, O_IFMAP, O_ENGINE, O_SOCKET, O_TUN, O_LOG, O_FG, O_NOAPPLY, O_TESTHOOKS, O_DEBUGKEYS, O_TECHNOTE, O_HELP, O_VERSION };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, O_CONFIG },   { "ifmap", required_argument, NULL, O_IFMAP },
		{ "engine", required_argument, NULL, O_ENGINE },   { "socket", required_argument, NULL, O_SOCKET },
		{ "tun", required_argument, NULL, O_TUN },         { "log", required_argument, NULL, O_LOG },
		{ "foreground", no_argument, NULL, O_FG },         { "no-apply", no_argument, NULL, O_NOAPPLY },
		{ "test-hooks", no_argument, NULL, O_TESTHOOKS },
		{ "debug-keys", required_argument, NULL, O_DEBUGKEYS },
		{ "config-technote", no_argument, NULL, O_TECHNOTE },
		{ "help", no_argument, NULL, O_HELP },             { "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof *o);
	o->tun = ESPFABD_DEFAULT_TUN;
	optind = 0; /* full re-initialisation (GNU), so tests can parse twice */
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		const char *once = NULL;
		const char **slot = NULL;
		switch (c) {
		case O_CONFIG:
			slot = &o->config, once = "--config";
			break;
		case O_ENGINE:
			slot = &o->engine, once = "--engine";
			break;
		case O_SOCKET:
			slot = &o->socket, once = "--socket";
			break;
		case O_LOG:
			slot = &o->log, once = "--log";
			break;
		case O_TUN:
			if (!*optarg || strlen(optarg) >= NETIO_IFNAMSIZ)
				return err_out(err, len, "--tun '%s': expected an interface name of 1..%d characters",
					       optarg, NETIO_IFNAMSIZ - 1);
			o->tun = optarg;
			break;
		case O_IFMAP:
			if (parse_ifmap(optarg, o, err, len))
				return -1;
			break;
		case O_FG:
			o->foreground = true;
			break;
		case O_NOAPPLY:
			o->no_apply = true;
			break;
		case O_TECHNOTE:
			o->config_technote = true;
			break;
		case O_TESTHOOKS:
			o->test_hooks = true;
			break;
		case O_DEBUGKEYS:
			slot = &o->debug_keys, once = "--debug-keys";
			break;
		case O_HELP:
			o->help = true;
			return 0;
		case O_VERSION:
			o->version = true;
			return 0;
		case ':':
			return err_out(err, len, "%s needs an argument", argv[optind - 1]);
		default:
			return err_out(err, len, "unknown option '%s'", argv[optind - 1]);
		}
		if (slot) {
			if (*slot)
				return err_out(err, len, "%s given twice", once);
			if (!*optarg)
				return err_out(err, len, "%s: empty argument", once);
			*slot = optarg;
		}
	}
	if (optind < argc)
		return err_out(err, len, "unexpected argument '%s'", argv[optind]);
	char engines[128];
	engine_list(engines, sizeof engines);
	if (!o->config)
		return err_out(err, len, "--config FILE is required");
	if (!o->engine)
		return err_out(err, len, "--engine is required (one of: %s)", engines);
	bool known = false;
	for (const char *const *e = espfab_engines(); *e; e++)
		known |= strcmp(*e, o->engine) == 0;
	if (!known)
		return err_out(err, len, "--engine '%s': not an engine of this build (one of: %s)", o->engine, engines);
	if (!o->socket)
		return err_out(err, len, "--socket PATH is required");
	if (o->debug_keys && !o->test_hooks)
		return err_out(err, len, "--debug-keys exports keys for test oracles only: it needs --test-hooks");
	if (o->debug_keys && o->debug_keys[0] != '/')
		return err_out(err, len, "--debug-keys '%s': expected an absolute path", o->debug_keys);
	return 0;
}
