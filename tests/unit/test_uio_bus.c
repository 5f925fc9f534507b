/* The uio bus without a Zynq: sysfs parsing against a fake tree in a
 * temporary directory (ESPFAB_SYSFS-style roots), the UIO interrupt
 * protocol (write 1 to re-enable, read the 4-byte count) against a
 * socketpair standing in for /dev/uioN, and the whole bus opened on
 * regular files standing in for the UIO map and the u-dma-buf buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "espfab_contract.h"
#include "uio_bus.h"

static char root[256];

static void put(const char *rel, const char *text)
{
	char path[512], dir[600];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	snprintf(dir, sizeof dir, "mkdir -p '%s'", path);
	*strrchr(dir, '/') = 0;
	strcat(dir, "'");
	assert_int_equal(system(dir), 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void get(const char *rel, char *buf, size_t len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof root, "/tmp/espfab-uio-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	put("sys/class/uio/uio0/name", "zynqmp-ipi\n");
	put("sys/class/uio/uio3/name", "espfab\n");
	put("sys/class/uio/uio3/maps/map0/addr", "0x00000000a0000000\n");
	put("sys/class/uio/uio3/maps/map0/size", "0x0000000000010000\n");
	put("sys/class/uio/uio12/name", "espfab\n"); /* a second one: the lower index wins */
	put("sys/class/u-dma-buf/udmabuf0/phys_addr", "0x000000007f000000\n");
	put("sys/class/u-dma-buf/udmabuf0/size", "4194304\n");
	put("sys/class/u-dma-buf/udmabuf0/dma_coherent", "0\n");
	const char *attrs[] = { "sync_offset", "sync_size", "sync_direction", "sync_for_cpu", "sync_for_device" };
	for (size_t i = 0; i < 5; i++) {
		char rel[128];
		snprintf(rel, sizeof rel, "sys/class/u-dma-buf/udmabuf0/%s", attrs[i]);
		put(rel, "0\n");
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd);
}

static void sysfs(char *buf, size_t len)
{
	snprintf(buf, len, "%s/sys", root);
}

static void test_find(void **state)
{
	(void)state;
	char s[300], why[512] = "";
	sysfs(s, sizeof s);
	assert_int_equal(uio_find(s, "espfab", why, sizeof why), 3);
	assert_int_equal(uio_find(s, "zynqmp-ipi", why, sizeof why), 0);

	assert_int_equal(uio_find(s, "nope", why, sizeof why), -ENODEV);
	char want[1200];
	snprintf(want, sizeof want, "no %s/class/uio device named nope: 3 uio device(s), none with that name", s);
	assert_memory_equal(why, want, strlen(want));

	/* no UIO at all (a machine without the device) */
	char none[320];
	snprintf(none, sizeof none, "%s/empty", root);
	assert_int_equal(uio_find(none, "espfab", why, sizeof why), -ENODEV);
	snprintf(want, sizeof want, "no %s/class/uio device named espfab: %s/class/uio: No such file or directory", none,
		 none);
	assert_string_equal(why, want);

	assert_int_equal(uio_index_of("/dev/uio7"), 7);
	assert_int_equal(uio_index_of("uio12"), 12);
	assert_int_equal(uio_index_of("/dev/uio"), -EINVAL);
	assert_int_equal(uio_index_of("/dev/uiox"), -EINVAL);
	assert_int_equal(uio_index_of("/dev/udmabuf0"), -EINVAL);
	assert_int_equal(uio_index_of("/dev/uio-1"), -EINVAL);
}

static void test_maps_and_udmabuf(void **state)
{
	(void)state;
	char s[300], why[512] = "";
	sysfs(s, sizeof s);
	uint64_t a = 0, z = 0;
	assert_int_equal(uio_map_info(s, 3, 0, &a, &z, why, sizeof why), 0);
	assert_true(a == 0xa0000000u);
	assert_true(z == 0x10000u);
	assert_int_equal(uio_map_info(s, 3, 1, &a, &z, why, sizeof why), -ENOENT);
	assert_non_null(strstr(why, "uio3/maps/map1/addr: No such file or directory"));

	uint64_t phys = 0, size = 0;
	bool coh = true;
	assert_int_equal(udmabuf_info(s, "udmabuf0", &phys, &size, &coh, why, sizeof why), 0);
	assert_true(phys == 0x7f000000u);
	assert_true(size == 4194304u);
	assert_false(coh);
	put("sys/class/u-dma-buf/udmabuf0/dma_coherent", "1\n");
	assert_int_equal(udmabuf_info(s, "udmabuf0", &phys, &size, &coh, why, sizeof why), 0);
	assert_true(coh);
	put("sys/class/u-dma-buf/udmabuf0/dma_coherent", "0\n");

	/* phys_addr without 0x is hex too */
	put("sys/class/u-dma-buf/udmabuf0/phys_addr", "7f000000\n");
	assert_int_equal(udmabuf_info(s, "udmabuf0", &phys, &size, &coh, why, sizeof why), 0);
	assert_true(phys == 0x7f000000u);
	put("sys/class/u-dma-buf/udmabuf0/phys_addr", "0x000000007f000000\n");

	put("sys/class/u-dma-buf/udmabuf0/size", "lots\n");
	assert_int_equal(udmabuf_info(s, "udmabuf0", &phys, &size, &coh, why, sizeof why), -EINVAL);
	assert_non_null(strstr(why, "udmabuf0/size: 'lots' is not a number"));
	put("sys/class/u-dma-buf/udmabuf0/size", "4194304\n");

	/* sync: offset, size, direction, then the trigger */
	char buf[64];
	assert_int_equal(udmabuf_sync(s, "udmabuf0", 4096, 128, true), 0);
	get("sys/class/u-dma-buf/udmabuf0/sync_offset", buf, sizeof buf);
	assert_string_equal(buf, "4096");
	get("sys/class/u-dma-buf/udmabuf0/sync_size", buf, sizeof buf);
	assert_string_equal(buf, "128");
	get("sys/class/u-dma-buf/udmabuf0/sync_direction", buf, sizeof buf);
	assert_string_equal(buf, "1");
	get("sys/class/u-dma-buf/udmabuf0/sync_for_device", buf, sizeof buf);
	assert_string_equal(buf, "1");
	assert_int_equal(udmabuf_sync(s, "udmabuf0", 0, 64, false), 0);
	get("sys/class/u-dma-buf/udmabuf0/sync_direction", buf, sizeof buf);
	assert_string_equal(buf, "2");
	get("sys/class/u-dma-buf/udmabuf0/sync_for_cpu", buf, sizeof buf);
	assert_string_equal(buf, "1");
	assert_int_equal(udmabuf_sync(s, "udmabuf9", 0, 64, false), -ENOENT);
}

/* The UIO protocol against a socketpair: the bus writes the 4-byte 1
 * before it waits; the "kernel" answers with the 4-byte event count. */
static void test_irq_protocol(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	uint32_t v, count = 0;

	/* interrupt already pending: returns at once with the count */
	v = 41;
	assert_int_equal(write(sv[1], &v, 4), 4);
	assert_int_equal(uio_irq_wait(sv[0], 1000000, &count), 1);
	assert_int_equal(count, 41);
	assert_int_equal(read(sv[1], &v, 4), 4);
	assert_int_equal(v, 1); /* the re-enable */

	/* nothing: times out (10 ms) after re-enabling */
	count = 0;
	assert_int_equal(uio_irq_wait(sv[0], 10000, &count), 0);
	assert_int_equal(count, 0);
	assert_int_equal(read(sv[1], &v, 4), 4);
	assert_int_equal(v, 1);

	/* a short count is an error, not an interrupt */
	uint16_t half = 3;
	assert_int_equal(write(sv[1], &half, 2), 2);
	assert_int_equal(uio_irq_wait(sv[0], 100000, &count), -EIO);
	close(sv[1]);
	close(sv[0]);
}

/* Regular files stand in for /dev/uio3 (the CSR map) and /dev/udmabuf0. */
static void make_dev(const char *name, size_t bytes, uint32_t id, uint32_t nq, uint32_t dma_irq)
{
	char path[512];
	snprintf(path, sizeof path, "%s/dev", root);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/dev/%s", root, name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)bytes), 0);
	if (id) {
		assert_int_equal(pwrite(fd, &id, 4, ESPFAB_CSR_ID), 4);
		assert_int_equal(pwrite(fd, &nq, 4, ESPFAB_CSR_N_QUEUES), 4);
		assert_int_equal(pwrite(fd, &dma_irq, 4, ESPFAB_CSR_DMA_IRQ), 4);
	}
	close(fd);
}

static void cfg_for(struct uio_bus_cfg *c, size_t need)
{
	uio_bus_cfg_default(c);
	snprintf(c->sysfs, sizeof c->sysfs, "%s/sys", root);
	snprintf(c->devdir, sizeof c->devdir, "%s/dev", root);
	c->uio[0] = 0;
	c->udmabuf[0] = 0;
	c->dma_bytes = need;
}

static void test_bus_open(void **state)
{
	(void)state;
	struct uio_bus_cfg c;
	struct fabric_bus *bus = NULL;
	char why[512] = "";
	make_dev("uio3", 0x10000, 0x45535046u, 4, 0x5);
	make_dev("udmabuf0", 4194304, 0, 0, 0);

	cfg_for(&c, 1 << 20);
	assert_int_equal(uio_bus_open(&c, &bus, why, sizeof why), 0);
	assert_non_null(bus);
	assert_string_equal(bus->ops->name, "uio");
	assert_true(bus->dma_dev == 0x7f000000u);
	assert_int_equal(bus->dma_bytes, 4194304);
	uint32_t v = 0;
	assert_int_equal(bus->ops->rd32(bus->priv, ESPFAB_CSR_ID, &v), 0);
	assert_int_equal(v, 0x45535046u);
	assert_int_equal(bus->ops->wr32(bus->priv, ESPFAB_CSR_SCRATCH, 0x1234), 0);
	assert_int_equal(bus->ops->rd32(bus->priv, ESPFAB_CSR_SCRATCH, &v), 0);
	assert_int_equal(v, 0x1234);
	assert_int_equal(bus->ops->rd32(bus->priv, 0x10000, &v), -EINVAL);
	assert_int_equal(bus->ops->rd32(bus->priv, 2, &v), -EINVAL);
	/* DMA_IRQ already shows queues 0 and 2: the wait returns them, masked */
	uint32_t lines = 0;
	assert_int_equal(bus->ops->wait_irq(bus->priv, 0x4, 1000, &lines), 0);
	assert_int_equal(lines, 0x4);
	/* polling (mask 0): no CQ_PI moves, the budget (2 ms) passes */
	assert_int_equal(bus->ops->wait_irq(bus->priv, 0, 2000, &lines), 0);
	assert_int_equal(lines, 0);
	/* non-coherent: sync goes through sysfs */
	char buf[64];
	assert_int_equal(bus->ops->sync(bus->priv, 8192, 256, FABRIC_SYNC_FROM_DEVICE), 0);
	get("sys/class/u-dma-buf/udmabuf0/sync_offset", buf, sizeof buf);
	assert_string_equal(buf, "8192");
	assert_int_equal(bus->ops->sync(bus->priv, 4194304, 1, FABRIC_SYNC_TO_DEVICE), -EINVAL);
	bus->dma_va[0] = 0xaa; /* the mapping is writable */
	bus->ops->close(bus->priv);

	/* explicit ESPFAB_UIO-style path */
	cfg_for(&c, 1 << 20);
	snprintf(c.uio, sizeof c.uio, "%s/dev/uio3", root);
	assert_int_equal(uio_bus_open(&c, &bus, why, sizeof why), 0);
	bus->ops->close(bus->priv);
	snprintf(c.uio, sizeof c.uio, "%s/dev/udmabuf0", root);
	assert_int_equal(uio_bus_open(&c, &bus, why, sizeof why), -EINVAL);
	assert_null(bus);

	/* buffer too small for the driver */
	cfg_for(&c, 8u << 20);
	assert_int_equal(uio_bus_open(&c, &bus, why, sizeof why), -ENOMEM);
	assert_string_equal(why, "udmabuf0 has 4194304 bytes; the driver needs 8388608 (raise its size in the device tree)");

	/* no such u-dma-buf */
	cfg_for(&c, 1 << 20);
	snprintf(c.udmabuf, sizeof c.udmabuf, "udmabuf5");
	assert_int_equal(uio_bus_open(&c, &bus, why, sizeof why), -ENOENT);
	assert_non_null(strstr(why, "no u-dma-buf udmabuf5 "));

	/* not an espfab fabric (no bitstream: ID reads 0) */
	make_dev("uio3", 0x10000, 0, 0, 0);
	cfg_for(&c, 1 << 20);
	assert_int_equal(uio_bus_open(&c, &bus, why, sizeof why), -ENODEV);
	assert_string_equal(why, "uio3: ID reads 0x00000000, not 'ESPF' (0x45535046): wrong device or bitstream not loaded");

	/* map too small */
	put("sys/class/uio/uio3/maps/map0/size", "0x100\n");
	assert_int_equal(uio_bus_open(&c, &bus, why, sizeof why), -ENODEV);
	assert_string_equal(why, "uio3 map0 is 256 bytes; the espfab CSR block needs 0x600");
	put("sys/class/uio/uio3/maps/map0/size", "0x0000000000010000\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_maps_and_udmabuf),
		cmocka_unit_test(test_irq_protocol),
		cmocka_unit_test(test_bus_open),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
