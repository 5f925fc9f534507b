/*
 * The "sim" engine: the fabric ring driver (fabric_drv.c) over a simulated
 * fabric.  Devices (engine parameter device=, docs/fabric-driver.md):
 *   rtl     espfab-simd --device rtl: the Verilated espfab_dma_top in the
 *           SystemC virtual platform (default)
 *   model   espfab-simd --device model: the platform with the C model
 *   inproc  the C model of the fabric in this process (sim/fabric_model.h)
 *
 * espfab-simd bus (sim/sim_proto.h): host memory is a memfd of
 * fabric_drv_dma_bytes() bytes mapped MAP_SHARED here and in the child,
 * which sees it at SIM_MEM_BASE; every CSR access and every wait is one
 * request/response on a SOCK_SEQPACKET socketpair.  The binary: $ESPFAB_SIMD,
 * else espfab-simd-CONFIG (config=, default iterative: the Verilated
 * parameters are fixed per binary, scripts/build-simd.sh) or espfab-simd
 * beside /proc/self/exe, else the same names in ESPFAB_SIMD_DIR (the
 * build's bin/).  EOF or a short message on the socket means the platform
 * died: the bus answers -EIO from then on and the driver fails the device.
 *
 * Parameters: ESPFAB_SIM (environment) then espfab_open_opts.params, both
 * "key=value,..."; later keys win.  Engine keys: device, config,
 * rd_latency, wr_latency, trace, inproc_queues (device=inproc: the model's
 * N_QUEUES, 1..8, default 4); the rest go to fabric_drv_params_parse
 * (queues=N: handles espfab_open_queue may give out).
 */
#include "engine_sim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "espfab_engine.h"
#include "fabric_drv.h"
#include "fabric_model.h"
#include "sim_proto.h"

#ifndef ESPFAB_SIMD_DIR
#define ESPFAB_SIMD_DIR "/usr/local/bin"
#endif

/* ---- in-process bus ------------------------------------------------------- */

struct inproc {
	struct fabric_bus bus;
	struct fm *fm;
	uint8_t *mem;
	size_t bytes;
	uint32_t reg_cycles;
	uint64_t requests;
};

static int ip_dma_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct inproc *ip = ctx;
	if (addr < SIM_MEM_BASE || addr - SIM_MEM_BASE > ip->bytes || len > ip->bytes - (addr - SIM_MEM_BASE))
		return -1; /* DECERR */
	memcpy(buf, ip->mem + (addr - SIM_MEM_BASE), len);
	return 0;
}

static int ip_dma_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	struct inproc *ip = ctx;
	if (addr < SIM_MEM_BASE || addr - SIM_MEM_BASE > ip->bytes || len > ip->bytes - (addr - SIM_MEM_BASE))
		return -1;
	memcpy(ip->mem + (addr - SIM_MEM_BASE), buf, len);
	return 0;
}

static int ip_rd32(void *priv, uint32_t off, uint32_t *val)
{
	struct inproc *ip = priv;
	ip->requests++;
	fm_step(ip->fm, ip->reg_cycles);
	return fm_reg_read(ip->fm, off, val);
}

static int ip_wr32(void *priv, uint32_t off, uint32_t val)
{
	struct inproc *ip = priv;
	ip->requests++;
	fm_step(ip->fm, ip->reg_cycles);
	return fm_reg_write(ip->fm, off, val);
}

static int ip_wait_irq(void *priv, uint32_t mask, uint64_t budget, uint32_t *lines)
{
	struct inproc *ip = priv;
	ip->requests++;
	fm_run(ip->fm, mask, budget);
	*lines = fm_irq_lines(ip->fm);
	return 0;
}

static uint64_t ip_cycles(void *priv)
{
	return fm_cycles(((struct inproc *)priv)->fm);
}

static void ip_close(void *priv)
{
	struct inproc *ip = priv;
	if (!ip)
		return;
	fm_close(ip->fm);
	if (ip->mem) {
		espfab_wipe(ip->mem, ip->bytes);
		free(ip->mem);
	}
	free(ip);
}

static const struct fabric_bus_ops inproc_ops = {
	.name = "inproc",
	.rd32 = ip_rd32,
	.wr32 = ip_wr32,
	.wait_irq = ip_wait_irq,
	.cycles = ip_cycles,
	.close = ip_close,
};

int sim_inproc_bus_open(struct fabric_bus **out, size_t dma_bytes, const struct fm_config *cfg, uint32_t reg_cycles,
			struct fm **fmp)
{
	struct inproc *ip;
	struct fm_config c;

	*out = NULL;
	if (fmp)
		*fmp = NULL;
	if (!dma_bytes)
		return -EINVAL;
	ip = calloc(1, sizeof *ip);
	if (!ip)
		return -ENOMEM;
	ip->bytes = (dma_bytes + 4095) & ~(size_t)4095;
	ip->mem = aligned_alloc(4096, ip->bytes);
	if (!ip->mem) {
		free(ip);
		return -ENOMEM;
	}
	memset(ip->mem, 0, ip->bytes);
	if (cfg)
		c = *cfg;
	else
		fm_config_default(&c);
	c.dma_read = ip_dma_read;
	c.dma_write = ip_dma_write;
	c.dma_ctx = ip;
	ip->fm = fm_open(&c);
	if (!ip->fm) {
		free(ip->mem);
		free(ip);
		return -EINVAL;
	}
	ip->reg_cycles = reg_cycles ? reg_cycles : 4;
	ip->bus = (struct fabric_bus){ .ops = &inproc_ops, .priv = ip, .dma_va = ip->mem, .dma_dev = SIM_MEM_BASE,
				       .dma_bytes = ip->bytes };
	if (fmp)
		*fmp = ip->fm;
	*out = &ip->bus;
	return 0;
}

/* ---- espfab-simd bus ------------------------------------------------------ */

struct simd {
	struct fabric_bus bus;
	int sock, memfd;
	pid_t pid;
	uint8_t *mem;
	size_t bytes;
	bool dead;
	uint64_t cycles;
	uint64_t requests;
	char why[200];
};

static int simd_call(struct simd *s, uint32_t op, uint32_t arg0, uint64_t arg1, uint64_t arg2, struct sim_rsp *rsp)
{
	struct sim_req rq = { .op = op, .arg0 = arg0, .arg1 = arg1, .arg2 = arg2 };
	ssize_t n;

	memset(rsp, 0, sizeof *rsp);
	if (s->dead)
		return -EIO;
	s->requests++;
	do
		n = send(s->sock, &rq, sizeof rq, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof rq) {
		int e = errno;
		if (n < 0 && (e == ECONNRESET || e == EPIPE))
			snprintf(s->why, sizeof s->why, "espfab-simd exited (EOF on its socket: %s)", strerror(e));
		else
			snprintf(s->why, sizeof s->why, "espfab-simd: send failed (%s)", n < 0 ? strerror(e) : "short");
		s->dead = true;
		return -EIO;
	}
	do
		n = recv(s->sock, rsp, sizeof *rsp, 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof *rsp) {
		int e = errno;
		if (n == 0 || (n < 0 && (e == ECONNRESET || e == EPIPE)))
			snprintf(s->why, sizeof s->why, "espfab-simd exited (EOF on its socket%s)",
				 n == 0 ? "" : ": connection reset");
		else
			snprintf(s->why, sizeof s->why, "espfab-simd: %s", n < 0 ? strerror(e) : "short response");
		s->dead = true;
		return -EIO;
	}
	s->cycles = rsp->cycles;
	return rsp->status;
}

static int simd_rd32(void *priv, uint32_t off, uint32_t *val)
{
	struct sim_rsp r;
	int rc = simd_call(priv, SIM_OP_REG_READ, off, 0, 0, &r);
	*val = rc ? 0xffffffffu : r.val;
	return rc ? -EIO : 0;
}

static int simd_wr32(void *priv, uint32_t off, uint32_t val)
{
	struct sim_rsp r;
	return simd_call(priv, SIM_OP_REG_WRITE, off, val, 0, &r) ? -EIO : 0;
}

static int simd_wait_irq(void *priv, uint32_t mask, uint64_t budget, uint32_t *lines)
{
	struct sim_rsp r;
	int rc = simd_call(priv, SIM_OP_RUN, 0, mask, budget, &r);
	*lines = rc ? 0 : r.irq;
	return rc ? -EIO : 0;
}

static uint64_t simd_cycles(void *priv)
{
	return ((struct simd *)priv)->cycles;
}

static void simd_close(void *priv)
{
	struct simd *s = priv;
	struct sim_rsp r;

	if (!s)
		return;
	if (s->sock >= 0) {
		if (!s->dead)
			(void)simd_call(s, SIM_OP_QUIT, 0, 0, 0, &r);
		close(s->sock); /* the platform exits when its socket closes */
	}
	if (s->pid > 0) {
		int st;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		for (int i = 0; i < 300 && waitpid(s->pid, &st, WNOHANG) == 0; i++)
			nanosleep(&ts, NULL);
		if (waitpid(s->pid, &st, WNOHANG) == 0) {
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &st, 0);
		}
	}
	if (s->mem && s->mem != MAP_FAILED) {
		espfab_wipe(s->mem, s->bytes);
		munmap(s->mem, s->bytes);
	}
	if (s->memfd >= 0)
		close(s->memfd);
	free(s);
}

static const char *simd_error(void *priv)
{
	return ((struct simd *)priv)->why;
}

static const struct fabric_bus_ops simd_ops = {
	.name = "espfab-simd",
	.error = simd_error,
	.rd32 = simd_rd32,
	.wr32 = simd_wr32,
	.wait_irq = simd_wait_irq,
	.cycles = simd_cycles,
	.close = simd_close,
};

/* Try dir/name; 0 if executable. */
static int try_exec(char *path, size_t len, const char *dir, const char *name)
{
	int n = snprintf(path, len, "%s/%s", dir, name);
	return n > 0 && (size_t)n < len && access(path, X_OK) == 0 ? 0 : -1;
}

/* Where espfab-simd for `config` is: $ESPFAB_SIMD, else espfab-simd-CONFIG or
 * espfab-simd beside this program, else in ESPFAB_SIMD_DIR (the build's
 * bin/).  -ENOENT and a reason in why when nowhere. */
static int simd_path(char *path, size_t len, const char *config, char *why, size_t why_len)
{
	const char *env = getenv("ESPFAB_SIMD");
	char self[PATH_MAX], name[96];
	ssize_t n;

	if (env && *env) {
		snprintf(path, len, "%s", env);
		if (access(path, X_OK) == 0)
			return 0;
		snprintf(why, why_len, "ESPFAB_SIMD=%s is not an executable (%s)", env, strerror(errno));
		return -ENOENT;
	}
	snprintf(name, sizeof name, "espfab-simd-%s", config);
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = 0;
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			if (!try_exec(path, len, self, name) || !try_exec(path, len, self, "espfab-simd"))
				return 0;
		}
	}
	if (!try_exec(path, len, ESPFAB_SIMD_DIR, name) || !try_exec(path, len, ESPFAB_SIMD_DIR, "espfab-simd"))
		return 0;
	snprintf(why, why_len,
		 "%s not found beside this program or in %s (build it: scripts/build-simd.sh BUILD %s, or set "
		 "ESPFAB_SIMD); device=inproc runs the C model of the fabric without it",
		 name, ESPFAB_SIMD_DIR, config);
	return -ENOENT;
}

struct sim_opts {
	char device[16];
	char config[64];
	char trace[256];
	long rd_latency, wr_latency; /* -1: platform default */
	long inproc_queues;          /* 0: the model's default */
};

static int simd_open(struct fabric_bus **out, size_t bytes, const struct sim_opts *o, char *why, size_t why_len)
{
	char path[PATH_MAX];
	int sv[2] = { -1, -1 };
	struct simd *s;
	struct sim_rsp r;
	int rc;

	*out = NULL;
	rc = simd_path(path, sizeof path, o->config, why, why_len);
	if (rc)
		return rc;
	s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->sock = s->memfd = -1;
	s->bytes = (bytes + 4095) & ~(size_t)4095;
	s->memfd = memfd_create("espfab-sim-mem", MFD_CLOEXEC);
	if (s->memfd < 0 || ftruncate(s->memfd, (off_t)s->bytes) < 0) {
		snprintf(why, why_len, "memfd of %zu bytes: %s", s->bytes, strerror(errno));
		rc = -errno;
		goto fail;
	}
	s->mem = mmap(NULL, s->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd, 0);
	if (s->mem == MAP_FAILED) {
		snprintf(why, why_len, "mmap of the memfd: %s", strerror(errno));
		rc = -errno;
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(why, why_len, "socketpair: %s", strerror(errno));
		rc = -errno;
		goto fail;
	}
	s->pid = fork();
	if (s->pid < 0) {
		snprintf(why, why_len, "fork: %s", strerror(errno));
		rc = -errno;
		goto fail;
	}
	if (s->pid == 0) {
		char a_sock[16], a_mem[16], a_bytes[32], a_rd[24], a_wr[24];
		const char *argv[20];
		int k = 0;
		/* the child keeps its socket end and the memfd across exec */
		if (fcntl(sv[1], F_SETFD, 0) < 0 || fcntl(s->memfd, F_SETFD, 0) < 0)
			_exit(127);
		snprintf(a_sock, sizeof a_sock, "%d", sv[1]);
		snprintf(a_mem, sizeof a_mem, "%d", s->memfd);
		snprintf(a_bytes, sizeof a_bytes, "%zu", s->bytes);
		argv[k++] = path;
		argv[k++] = "--sock";
		argv[k++] = a_sock;
		argv[k++] = "--mem-fd";
		argv[k++] = a_mem;
		argv[k++] = "--mem-bytes";
		argv[k++] = a_bytes;
		argv[k++] = "--device";
		argv[k++] = o->device;
		if (o->rd_latency >= 0) {
			snprintf(a_rd, sizeof a_rd, "%ld", o->rd_latency);
			argv[k++] = "--rd-latency";
			argv[k++] = a_rd;
		}
		if (o->wr_latency >= 0) {
			snprintf(a_wr, sizeof a_wr, "%ld", o->wr_latency);
			argv[k++] = "--wr-latency";
			argv[k++] = a_wr;
		}
		if (o->trace[0]) {
			argv[k++] = "--trace";
			argv[k++] = o->trace;
		}
		argv[k] = NULL;
		execv(path, (char *const *)argv);
		_exit(127);
	}
	close(sv[1]);
	sv[1] = -1;
	s->sock = sv[0];
	sv[0] = -1;
	rc = simd_call(s, SIM_OP_HELLO, SIM_PROTO_VERSION, 0, 0, &r);
	if (rc || r.val != SIM_PROTO_VERSION) {
		snprintf(why, why_len, "%s did not answer HELLO (%s)", path,
			 s->dead ? s->why : rc ? strerror(-rc) : "protocol version mismatch");
		rc = -EIO;
		goto fail;
	}
	if (r.arg && r.arg < s->bytes) {
		snprintf(why, why_len, "espfab-simd maps %llu bytes of host memory, %zu needed",
			 (unsigned long long)r.arg, s->bytes);
		rc = -EIO;
		goto fail;
	}
	s->bus = (struct fabric_bus){ .ops = &simd_ops, .priv = s, .dma_va = s->mem, .dma_dev = SIM_MEM_BASE,
				      .dma_bytes = s->bytes };
	*out = &s->bus;
	return 0;
fail:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	simd_close(s);
	return rc ? rc : -EIO;
}

/* ---- common to both buses ------------------------------------------------- */

int sim_bus_fault(struct fabric_bus *bus, uint32_t fault)
{
	if (bus->ops == &inproc_ops) {
		struct inproc *ip = bus->priv;
		switch (fault) {
		case SIM_FAULT_NONE: return 0;
		case SIM_FAULT_HANG: fm_hang(ip->fm, true); return 0;
		case SIM_FAULT_RESUME: fm_hang(ip->fm, false); return 0;
		case SIM_FAULT_RESET: fm_reset(ip->fm); return 0;
		default: return -EINVAL;
		}
	}
	if (bus->ops == &simd_ops) {
		struct sim_rsp r;
		int rc = simd_call(bus->priv, SIM_OP_FAULT, fault, 0, 0, &r);
		return rc == -EINVAL ? -EINVAL : rc ? -EIO : 0;
	}
	return -EINVAL;
}

struct fm *sim_bus_model(struct fabric_bus *bus)
{
	return bus->ops == &inproc_ops ? ((struct inproc *)bus->priv)->fm : NULL;
}

long sim_bus_pid(struct fabric_bus *bus)
{
	return bus->ops == &simd_ops ? (long)((struct simd *)bus->priv)->pid : 0;
}

uint64_t sim_bus_requests(struct fabric_bus *bus)
{
	if (bus->ops == &inproc_ops)
		return ((struct inproc *)bus->priv)->requests;
	if (bus->ops == &simd_ops)
		return ((struct simd *)bus->priv)->requests;
	return 0;
}

static const char *const engine_keys[] = { "device",     "config",        "trace", "rd_latency",
					   "wr_latency", "inproc_queues", NULL };

/* Apply the engine's own keys of `s` to o. */
static int parse_engine_keys(struct sim_opts *o, const char *s, char *why, size_t why_len)
{
	char buf[512], *save = NULL;

	if (!s || !*s)
		return 0;
	if (strlen(s) >= sizeof buf) {
		snprintf(why, why_len, "parameters longer than %zu bytes", sizeof buf - 1);
		return -EINVAL;
	}
	strcpy(buf, s);
	for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (!eq)
			continue; /* fabric_drv_params_parse reports it */
		*eq++ = 0;
		if (!strcmp(kv, "device")) {
			if (strcmp(eq, "rtl") && strcmp(eq, "model") && strcmp(eq, "inproc")) {
				snprintf(why, why_len, "device=%s: expected rtl, model or inproc", eq);
				return -EINVAL;
			}
			snprintf(o->device, sizeof o->device, "%s", eq);
		} else if (!strcmp(kv, "config") || !strcmp(kv, "trace")) {
			char *dst = kv[0] == 'c' ? o->config : o->trace;
			size_t cap = kv[0] == 'c' ? sizeof o->config : sizeof o->trace;
			if (!*eq || strlen(eq) >= cap || strchr(eq, ' ')) {
				snprintf(why, why_len, "%s=%s: empty, too long or contains a space", kv, eq);
				return -EINVAL;
			}
			snprintf(dst, cap, "%s", eq);
		} else if (!strcmp(kv, "inproc_queues")) {
			char *end;
			errno = 0;
			long v = strtol(eq, &end, 0);
			if (errno || end == eq || *end || v < 1 || v > ESPFAB_QUEUES_MAX) {
				snprintf(why, why_len, "inproc_queues=%s: expected 1..%d", eq, ESPFAB_QUEUES_MAX);
				return -EINVAL;
			}
			o->inproc_queues = v;
		} else if (!strcmp(kv, "rd_latency") || !strcmp(kv, "wr_latency")) {
			char *end;
			errno = 0;
			long v = strtol(eq, &end, 0);
			if (errno || end == eq || *end || v < 0 || v > 100000) {
				snprintf(why, why_len, "%s=%s: expected 0..100000 cycles", kv, eq);
				return -EINVAL;
			}
			if (kv[0] == 'r')
				o->rd_latency = v;
			else
				o->wr_latency = v;
		}
	}
	return 0;
}

static int sim_open(void **priv, uint32_t slots, uint32_t depth, const char *params, char *why, size_t why_len)
{
	struct fabric_drv_params p;
	struct sim_opts o = { .device = "rtl", .config = "iterative", .rd_latency = -1, .wr_latency = -1 };
	const char *env = getenv("ESPFAB_SIM");
	struct fabric_bus *bus = NULL;
	char w2[200] = "";
	int rc;

	*priv = NULL;
	fabric_drv_params_default(&p);
	if ((rc = parse_engine_keys(&o, env, w2, sizeof w2)) ||
	    (rc = fabric_drv_params_parse(&p, env, engine_keys, w2, sizeof w2))) {
		snprintf(why, why_len, "ESPFAB_SIM: %s", w2);
		return rc;
	}
	if ((rc = parse_engine_keys(&o, params, w2, sizeof w2)) ||
	    (rc = fabric_drv_params_parse(&p, params, engine_keys, w2, sizeof w2))) {
		snprintf(why, why_len, "parameters: %s", w2);
		return rc;
	}
	size_t bytes = fabric_drv_dma_bytes(depth, &p);
	if (!strcmp(o.device, "inproc")) {
		struct fm_config c;
		fm_config_default(&c);
		if (o.inproc_queues)
			c.n_queues = (uint32_t)o.inproc_queues;
		rc = sim_inproc_bus_open(&bus, bytes, &c, 0, NULL);
		if (rc) {
			snprintf(why, why_len, "in-process fabric model: %s", strerror(-rc));
			return rc;
		}
	} else {
		rc = simd_open(&bus, bytes, &o, why, why_len);
		if (rc)
			return rc;
	}
	return fabric_drv_open((struct fabric_drv **)priv, bus, &p, slots, depth, why, why_len);
}

static int sim_open_plain(void **priv, uint32_t slots, uint32_t depth, char *why, size_t why_len)
{
	return sim_open(priv, slots, depth, NULL, why, why_len);
}

const struct espfab_engine_ops espfab_engine_sim = {
	.name = "sim",
	.summary = "the fabric in simulation: ring driver -> DMA -> espfab-simd (RTL or model), or the C model in-process",
	.open = sim_open_plain,
	.open_params = sim_open,
	FABRIC_DRV_ENGINE_OPS,
};
