/*
 * uio_bus.c — struct fabric_bus over /dev/uioN + u-dma-buf (uio_bus.h).
 * Linux headers only; builds everywhere, needs a Zynq to do anything.
 */
#include "uio_bus.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "espfab_contract.h"

static int fail(char *why, size_t why_len, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return rc;
}

static void copy_env(char *dst, size_t len, const char *env, const char *def)
{
	const char *v = getenv(env);
	snprintf(dst, len, "%s", v && *v ? v : def);
}

void uio_bus_cfg_default(struct uio_bus_cfg *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	copy_env(cfg->sysfs, sizeof cfg->sysfs, "ESPFAB_SYSFS", "/sys");
	copy_env(cfg->devdir, sizeof cfg->devdir, "ESPFAB_DEVDIR", "/dev");
	copy_env(cfg->uio, sizeof cfg->uio, "ESPFAB_UIO", "");
	copy_env(cfg->udmabuf, sizeof cfg->udmabuf, "ESPFAB_UDMABUF", "");
	snprintf(cfg->name, sizeof cfg->name, "%s", UIO_DEFAULT_NAME);
}

/* Read a small sysfs file into buf without its trailing newline. */
static int read_attr(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, len - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

/* base 0: "0x.." hex or decimal; base 16: hex with or without 0x. */
static int read_u64(const char *path, int base, uint64_t *v, char *why, size_t why_len)
{
	char buf[64], *end;
	int rc = read_attr(path, buf, sizeof buf);
	if (rc)
		return fail(why, why_len, rc, "%s: %s", path, strerror(-rc));
	errno = 0;
	unsigned long long u = strtoull(buf, &end, base);
	if (!buf[0] || *end || errno || buf[0] == '-')
		return fail(why, why_len, -EINVAL, "%s: '%s' is not a number", path, buf);
	*v = u;
	return 0;
}

int uio_index_of(const char *dev)
{
	const char *s = strrchr(dev, '/');
	s = s ? s + 1 : dev;
	if (strncmp(s, "uio", 3) || !s[3])
		return -EINVAL;
	char *end;
	long n = strtol(s + 3, &end, 10);
	if (*end || n < 0 || n > 65535 || s[3] < '0' || s[3] > '9')
		return -EINVAL;
	return (int)n;
}

int uio_find(const char *sysfs, const char *name, char *why, size_t why_len)
{
	char dir[UIO_PATH_MAX + 16], path[UIO_PATH_MAX + 300], val[128];
	snprintf(dir, sizeof dir, "%s/class/uio", sysfs);
	DIR *d = opendir(dir);
	if (!d)
		return fail(why, why_len, -ENODEV, "no %s device named %s: %s: %s", dir, name, dir, strerror(errno));
	int found = -1, seen = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		int n = uio_index_of(e->d_name);
		if (n < 0)
			continue;
		seen++;
		snprintf(path, sizeof path, "%s/%s/name", dir, e->d_name);
		if (read_attr(path, val, sizeof val))
			continue;
		if (!strcmp(val, name) && (found < 0 || n < found))
			found = n;
	}
	closedir(d);
	if (found < 0)
		return fail(why, why_len, -ENODEV,
			    "no %s device named %s: %d uio device(s), none with that name (load the espfab "
			    "device-tree overlay with uio_pdrv_genirq, or set ESPFAB_UIO=/dev/uioN; docs/boards.md)",
			    dir, name, seen);
	return found;
}

int uio_map_info(const char *sysfs, int n, int map, uint64_t *addr, uint64_t *size, char *why, size_t why_len)
{
	char path[UIO_PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/class/uio/uio%d/maps/map%d/addr", sysfs, n, map);
	int rc = read_u64(path, 0, addr, why, why_len);
	if (rc)
		return rc;
	snprintf(path, sizeof path, "%s/class/uio/uio%d/maps/map%d/size", sysfs, n, map);
	return read_u64(path, 0, size, why, why_len);
}

int udmabuf_info(const char *sysfs, const char *name, uint64_t *phys, uint64_t *size, bool *coherent, char *why,
		 size_t why_len)
{
	char path[UIO_PATH_MAX + 128];
	snprintf(path, sizeof path, "%s/class/u-dma-buf/%s/phys_addr", sysfs, name);
	int rc = read_u64(path, 16, phys, why, why_len);
	if (rc)
		return rc;
	snprintf(path, sizeof path, "%s/class/u-dma-buf/%s/size", sysfs, name);
	rc = read_u64(path, 0, size, why, why_len);
	if (rc)
		return rc;
	uint64_t c = 0;
	char ignore[8];
	snprintf(path, sizeof path, "%s/class/u-dma-buf/%s/dma_coherent", sysfs, name);
	*coherent = read_u64(path, 0, &c, ignore, sizeof ignore) == 0 && c != 0;
	return 0;
}

static int write_attr(const char *dir, const char *attr, uint64_t v)
{
	char path[UIO_PATH_MAX + 160], buf[32];
	snprintf(path, sizeof path, "%s/%s", dir, attr);
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC); /* O_TRUNC: no-op on sysfs, needed on the test tree */
	if (fd < 0)
		return -errno;
	int len = snprintf(buf, sizeof buf, "%" PRIu64, v);
	ssize_t n = write(fd, buf, (size_t)len);
	int e = errno;
	close(fd);
	if (n != len)
		return n < 0 ? -e : -EIO;
	return 0;
}

int udmabuf_sync(const char *sysfs, const char *name, size_t off, size_t len, bool to_device)
{
	char dir[UIO_PATH_MAX + 96];
	snprintf(dir, sizeof dir, "%s/class/u-dma-buf/%s", sysfs, name);
	int rc;
	if ((rc = write_attr(dir, "sync_offset", off)) || (rc = write_attr(dir, "sync_size", len)) ||
	    (rc = write_attr(dir, "sync_direction", to_device ? 1 : 2)) ||
	    (rc = write_attr(dir, to_device ? "sync_for_device" : "sync_for_cpu", 1)))
		return rc;
	return 0;
}

int uio_irq_wait(int fd, uint64_t timeout_us, uint32_t *count)
{
	uint32_t one = 1;
	if (write(fd, &one, sizeof one) != (ssize_t)sizeof one)
		return errno ? -errno : -EIO;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec ts = { .tv_sec = (time_t)(timeout_us / 1000000), .tv_nsec = (long)(timeout_us % 1000000) * 1000 };
	int r;
	do
		r = ppoll(&pfd, 1, &ts, NULL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))
		return -EIO;
	uint32_t c;
	ssize_t n = read(fd, &c, sizeof c);
	if (n != (ssize_t)sizeof c)
		return n < 0 ? -errno : -EIO;
	*count = c;
	return 1;
}

/* ---- the bus ---- */

/* Order the CPU's stores to the DMA region before a following register
 * write (the doorbell): the device must see the ring slot before RQ_PI. */
static inline void io_wmb(void)
{
#if defined(__aarch64__) || defined(__arm__)
	__asm__ __volatile__("dsb st" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

static inline void io_rmb(void)
{
#if defined(__aarch64__) || defined(__arm__)
	__asm__ __volatile__("dsb ld" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

struct uio_bus {
	struct fabric_bus bus;
	int uio_fd, dma_fd;
	volatile uint32_t *csr;
	size_t csr_bytes;
	void *dma_map;
	size_t dma_map_bytes;
	bool coherent;
	uint32_t n_queues;
	char sysfs[UIO_PATH_MAX];
	char udmabuf[64];
};

static int ub_rd32(void *priv, uint32_t off, uint32_t *val)
{
	struct uio_bus *u = priv;
	if ((off & 3) || off >= u->csr_bytes)
		return -EINVAL;
	*val = u->csr[off / 4];
	io_rmb();
	return 0;
}

static int ub_wr32(void *priv, uint32_t off, uint32_t val)
{
	struct uio_bus *u = priv;
	if ((off & 3) || off >= u->csr_bytes)
		return -EINVAL;
	io_wmb();
	u->csr[off / 4] = val;
	return 0;
}

static int ub_sync(void *priv, size_t off, size_t len, enum fabric_sync_dir dir)
{
	struct uio_bus *u = priv;
	if (off > u->bus.dma_bytes || len > u->bus.dma_bytes - off)
		return -EINVAL;
	if (u->coherent || !len)
		return 0;
	return udmabuf_sync(u->sysfs, u->udmabuf, off, len, dir == FABRIC_SYNC_TO_DEVICE) ? -EIO : 0;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* budget in microseconds.  mask != 0: interrupt-driven (DMA_IRQ tells
 * which line).  mask == 0 (polling): watch the queues' CQ_PI registers and
 * return early when one moves, sleeping in 20 us steps. */
static int ub_wait_irq(void *priv, uint32_t mask, uint64_t budget, uint32_t *lines)
{
	struct uio_bus *u = priv;
	uint32_t v;
	*lines = 0;
	if (mask) {
		if (ub_rd32(u, ESPFAB_CSR_DMA_IRQ, &v))
			return -EIO;
		if (v == 0xffffffffu)
			return -EIO;
		if (v & mask) {
			*lines = v & mask;
			return 0;
		}
		uint32_t count;
		int r = uio_irq_wait(u->uio_fd, budget, &count);
		if (r < 0)
			return -EIO;
		if (ub_rd32(u, ESPFAB_CSR_DMA_IRQ, &v) || v == 0xffffffffu)
			return -EIO;
		*lines = v & mask;
		return 0;
	}
	uint32_t pi[ESPFAB_QUEUES_MAX];
	for (uint32_t q = 0; q < u->n_queues; q++)
		if (ub_rd32(u, ESPFAB_CSR_CQ_PI(q), &pi[q]))
			return -EIO;
	uint64_t end = now_us() + budget;
	for (;;) {
		uint64_t t = now_us();
		if (t >= end)
			return 0;
		uint64_t step = end - t < 20 ? end - t : 20;
		struct timespec ts = { 0, (long)step * 1000 };
		nanosleep(&ts, NULL);
		for (uint32_t q = 0; q < u->n_queues; q++) {
			if (ub_rd32(u, ESPFAB_CSR_CQ_PI(q), &v))
				return -EIO;
			if (v != pi[q])
				return 0;
		}
	}
}

static uint64_t ub_cycles(void *priv)
{
	(void)priv;
	return 0; /* no cycle counter in the contract; benchmarks use wall time on boards */
}

static void ub_close(void *priv)
{
	struct uio_bus *u = priv;
	if (!u)
		return;
	if (u->csr)
		munmap((void *)u->csr, u->csr_bytes);
	if (u->dma_map)
		munmap(u->dma_map, u->dma_map_bytes);
	if (u->uio_fd >= 0)
		close(u->uio_fd);
	if (u->dma_fd >= 0)
		close(u->dma_fd);
	free(u);
}

static const struct fabric_bus_ops uio_ops = {
	.name = "uio",
	.rd32 = ub_rd32,
	.wr32 = ub_wr32,
	.sync = ub_sync,
	.wait_irq = ub_wait_irq,
	.cycles = ub_cycles,
	.close = ub_close,
};

int uio_bus_open(const struct uio_bus_cfg *cfg, struct fabric_bus **out, char *why, size_t why_len)
{
	char path[UIO_PATH_MAX + 80];
	int rc, n;
	*out = NULL;

	struct uio_bus *u = calloc(1, sizeof *u);
	if (!u)
		return fail(why, why_len, -ENOMEM, "out of memory");
	u->uio_fd = u->dma_fd = -1;
	snprintf(u->sysfs, sizeof u->sysfs, "%s", cfg->sysfs);
	snprintf(u->udmabuf, sizeof u->udmabuf, "%s", cfg->udmabuf[0] ? cfg->udmabuf : "udmabuf0");

	/* 1. the UIO device and its map 0 (the CSR block) */
	if (cfg->uio[0]) {
		n = uio_index_of(cfg->uio);
		if (n < 0) {
			rc = fail(why, why_len, -EINVAL, "'%s' is not a /dev/uioN path", cfg->uio);
			goto out;
		}
		snprintf(path, sizeof path, "%s", cfg->uio);
	} else {
		n = uio_find(cfg->sysfs, cfg->name, why, why_len);
		if (n < 0) {
			rc = n;
			goto out;
		}
		snprintf(path, sizeof path, "%s/uio%d", cfg->devdir, n);
	}
	uint64_t map_addr, map_size;
	rc = uio_map_info(cfg->sysfs, n, 0, &map_addr, &map_size, why, why_len);
	if (rc)
		goto out;
	if (map_size < 0x600) {
		rc = fail(why, why_len, -ENODEV, "uio%d map0 is %" PRIu64 " bytes; the espfab CSR block needs 0x600",
			  n, map_size);
		goto out;
	}
	u->uio_fd = open(path, O_RDWR | O_CLOEXEC);
	if (u->uio_fd < 0) {
		rc = fail(why, why_len, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	/* UIO: map N is at offset N * page size. */
	void *m = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_SHARED, u->uio_fd, 0);
	if (m == MAP_FAILED) {
		rc = fail(why, why_len, -errno, "mmap %s map0 (%" PRIu64 " bytes at 0x%" PRIx64 "): %s", path, map_size,
			  map_addr, strerror(errno));
		goto out;
	}
	u->csr = m;
	u->csr_bytes = map_size;

	/* 2. the DMA region */
	uint64_t phys, size;
	rc = udmabuf_info(cfg->sysfs, u->udmabuf, &phys, &size, &u->coherent, why, why_len);
	if (rc) {
		char inner[300];
		snprintf(inner, sizeof inner, "%s", why);
		rc = fail(why, why_len, rc, "no u-dma-buf %s (load u-dma-buf with the overlay's node, or set "
			  "ESPFAB_UDMABUF): %s", u->udmabuf, inner);
		goto out;
	}
	if (size < cfg->dma_bytes) {
		rc = fail(why, why_len, -ENOMEM, "%s has %" PRIu64 " bytes; the driver needs %zu (raise its size in the "
			  "device tree)", u->udmabuf, size, cfg->dma_bytes);
		goto out;
	}
	snprintf(path, sizeof path, "%s/%s", cfg->devdir, u->udmabuf);
	u->dma_fd = open(path, O_RDWR | O_CLOEXEC);
	if (u->dma_fd < 0) {
		rc = fail(why, why_len, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, u->dma_fd, 0);
	if (m == MAP_FAILED) {
		rc = fail(why, why_len, -errno, "mmap %s (%" PRIu64 " bytes): %s", path, size, strerror(errno));
		goto out;
	}
	u->dma_map = m;
	u->dma_map_bytes = size;

	u->bus.ops = &uio_ops;
	u->bus.priv = u;
	u->bus.dma_va = m;
	u->bus.dma_dev = phys; /* the HP port sees physical addresses (no SMMU in the path) */
	u->bus.dma_bytes = size;

	uint32_t id = 0, nq = 0;
	ub_rd32(u, ESPFAB_CSR_ID, &id);
	if (id != 0x45535046u) {
		rc = fail(why, why_len, -ENODEV, "uio%d: ID reads 0x%08x, not 'ESPF' (0x45535046): wrong device or "
			  "bitstream not loaded", n, id);
		goto out;
	}
	ub_rd32(u, ESPFAB_CSR_N_QUEUES, &nq);
	u->n_queues = nq > ESPFAB_QUEUES_MAX ? ESPFAB_QUEUES_MAX : nq;
	*out = &u->bus;
	return 0;
out:
	ub_close(u);
	return rc;
}
