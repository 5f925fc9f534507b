/*
 * sim_smoke.c — self-test of the SystemC virtual platform espfab-simd
 * (docs/sim.md) through its protocol alone, no driver:
 *
 *   sim_smoke SIMD_BINARY [rtl|model]...
 *   sim_smoke            (built by make sim-test with SIMD_BIN and SIMD_DEVICE)
 *
 * Starts the platform as sim_proto.h says (memfd + SOCK_SEQPACKET
 * socketpair + fork/exec), then: HELLO; ID, VERSION, N_QUEUES,
 * STREAM_BYTES; SCRATCH written and read back; an unmapped register
 * (-EIO); malformed requests (-EINVAL); one queue's rings set up in the
 * shared memory (docs/rtl-dma.md "Driver sequence"), an AES-128/HMAC-SHA1
 * tunnel SA programmed through SA_WIN/SA_CMD, 6 packets plus one whose
 * input lies outside host memory (DECERR: DEVICE), RUN until the queue's
 * interrupt (moderation count 7), completions checked (OK with an ESP
 * header carrying the SPI and sequence numbers 1..6, output not the input;
 * DEVICE for the bad one), the interrupt cleared; STATS; HANG (register
 * read -EIO / 0xffffffff after SIM_REG_TIMEOUT cycles), RESUME; RESET
 * (SCRATCH 0, queue disabled); bad command lines (exit 2); QUIT (exit 0,
 * nothing on stderr: no AXI4 protocol violation), and EOF (exit 0).  Exit 0 only if every check passed; prints simulated
 * cycles per second for the traffic run.
 */
#include "espfab_contract.h"
#include "sim_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MEM_BYTES (4u << 20)

static int g_fail;
static const char *g_dev = "rtl";
static char g_speed[256]; /* per device: traffic cycles and simulated cycles/s */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "FAIL (%s): ", g_dev);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	g_fail++;
}

#define CHECK(c, ...)                        \
	do {                                 \
		if (!(c))                    \
			fail(__VA_ARGS__);   \
	} while (0)

struct sim {
	pid_t pid;
	int fd;
	uint8_t *mem;
	struct sim_rsp last;
};

/* the platform's stderr, when the caller wants to read it afterwards (-1: inherit ours) */
static int g_errfd = -1;

static pid_t spawn(const char *bin, const char *device, int *sock_out, uint8_t **mem_out, const char *extra)
{
	int mfd = memfd_create("espfab-sim-mem", 0);
	if (mfd < 0 || ftruncate(mfd, MEM_BYTES) != 0) {
		perror("memfd");
		exit(1);
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		perror("socketpair");
		exit(1);
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		/* the child's end must survive exec */
		int s = dup(sv[1]);
		if (g_errfd >= 0)
			dup2(g_errfd, 2);
		char a_sock[16], a_mem[16], a_bytes[24];
		snprintf(a_sock, sizeof a_sock, "%d", s);
		snprintf(a_mem, sizeof a_mem, "%d", mfd);
		snprintf(a_bytes, sizeof a_bytes, "%u", MEM_BYTES);
		if (extra)
			execl(bin, bin, "--sock", a_sock, "--mem-fd", a_mem, "--mem-bytes", a_bytes, "--device", device,
			      extra, (char *)NULL);
		else
			execl(bin, bin, "--sock", a_sock, "--mem-fd", a_mem, "--mem-bytes", a_bytes, "--device", device,
			      "--rd-latency", "20", "--wr-latency", "10", (char *)NULL);
		perror("exec");
		_exit(127);
	}
	close(sv[1]);
	if (mem_out) {
		void *m = mmap(NULL, MEM_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
		if (m == MAP_FAILED) {
			perror("mmap");
			exit(1);
		}
		*mem_out = m;
	}
	close(mfd);
	*sock_out = sv[0];
	return pid;
}

static int wait_exit(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static struct sim_rsp call(struct sim *s, uint32_t op, uint32_t a0, uint64_t a1, uint64_t a2)
{
	struct sim_req q = { op, a0, a1, a2 };
	struct sim_rsp r;
	memset(&r, 0, sizeof r);
	if (send(s->fd, &q, sizeof q, 0) != (ssize_t)sizeof q) {
		fprintf(stderr, "FAIL: send: %s\n", strerror(errno));
		exit(1);
	}
	ssize_t n = recv(s->fd, &r, sizeof r, 0);
	if (n != (ssize_t)sizeof r) {
		fprintf(stderr, "FAIL (%s): response of %zd bytes to op %u (platform died?)\n", g_dev, n, op);
		exit(1);
	}
	if (r.cycles < s->last.cycles)
		fail("cycle counter went back: %llu after %llu", (unsigned long long)r.cycles,
		     (unsigned long long)s->last.cycles);
	s->last = r;
	return r;
}

static uint32_t rd(struct sim *s, uint32_t off)
{
	struct sim_rsp r = call(s, SIM_OP_REG_READ, off, 0, 0);
	CHECK(r.status == 0, "read 0x%x: status %d", off, r.status);
	return r.val;
}
static void wr(struct sim *s, uint32_t off, uint32_t v)
{
	struct sim_rsp r = call(s, SIM_OP_REG_WRITE, off, v, 0);
	CHECK(r.status == 0, "write 0x%x = 0x%x: status %d", off, v, r.status);
}

static uint16_t ip_csum(const uint8_t *h, unsigned n)
{
	uint32_t sum = 0;
	for (unsigned i = 0; i < n; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* an IPv4/UDP packet of `len` bytes */
static void make_ipv4(uint8_t *p, unsigned len, unsigned k)
{
	memset(p, 0, len);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = 17;
	uint8_t src[4] = { 10, 0, 1, 2 }, dst[4] = { 10, 0, 2, (uint8_t)(3 + k) };
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	uint16_t c = ip_csum(p, 20);
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
	p[20] = 0x30, p[21] = 0x39, p[22] = 0x11, p[23] = 0x94; /* ports */
	p[24] = (uint8_t)((len - 20) >> 8), p[25] = (uint8_t)(len - 20);
	for (unsigned i = 28; i < len; i++)
		p[i] = (uint8_t)(i * 7 + k);
}

/* memory layout (offsets in the memfd) */
#define RQ_OFF 0x10000u
#define CQ_OFF 0x20000u
#define IN_OFF 0x100000u
#define OUT_OFF 0x200000u
#define Q 0
#define L2 4
#define NPKT 6

static void traffic(struct sim *s)
{
	/* SA slot 3: AES-128-CBC + HMAC-SHA1-96, tunnel mode, outbound */
	espfab_sa_t sa;
	memset(&sa, 0, sizeof sa);
	sa.spi = 0x1234abcd;
	sa.valid = 1;
	sa.dir = ESPFAB_DIR_OUT;
	sa.mode = ESPFAB_MODE_TUNNEL;
	sa.cipher = ESPFAB_CIPHER_AES;
	sa.enc_key_len = 16;
	sa.auth = ESPFAB_AUTH_SHA1;
	sa.auth_key_len = 20;
	for (unsigned i = 0; i < 16; i++)
		sa.enc_key[i] = (uint8_t)(0x10 + i);
	for (unsigned i = 0; i < 20; i++)
		sa.auth_key[i] = (uint8_t)(0x80 + i);
	sa.tun_src = 0xc0a80001;
	sa.tun_dst = 0xc0a80002;
	uint32_t w[ESPFAB_CSR_SA_WIN_COUNT];
	memcpy(w, &sa, sizeof w);
	for (unsigned i = 0; i < ESPFAB_CSR_SA_WIN_COUNT; i++)
		wr(s, ESPFAB_CSR_SA_WIN(i), w[i]);
	wr(s, ESPFAB_CSR_SA_SLOT, 3);
	wr(s, ESPFAB_CSR_SA_CMD, ESPFAB_SA_OP_ADD);
	unsigned spins = 0;
	while ((rd(s, ESPFAB_CSR_SA_STATUS) & (1u << ESPFAB_SA_STATUS_WR_BUSY)) && spins++ < 10000)
		;
	CHECK(!(rd(s, ESPFAB_CSR_SA_STATUS) & (1u << ESPFAB_SA_STATUS_WR_ERROR)), "SA refused");

	/* queue 0 (docs/rtl-dma.md "Driver sequence") */
	const unsigned slots = 1u << L2;
	const uint64_t rq = SIM_MEM_BASE + RQ_OFF, cq = SIM_MEM_BASE + CQ_OFF;
	wr(s, ESPFAB_CSR_Q_CTRL(Q), 0);
	wr(s, ESPFAB_CSR_Q_CTRL(Q), 1u << ESPFAB_QCTRL_RESET);
	CHECK(!(rd(s, ESPFAB_CSR_Q_STATUS(Q)) & (1u << ESPFAB_QSTATUS_RESET_REJECTED)), "queue RESET rejected");
	wr(s, ESPFAB_CSR_RQ_BASE_LO(Q), (uint32_t)rq);
	wr(s, ESPFAB_CSR_RQ_BASE_HI(Q), (uint32_t)(rq >> 32));
	wr(s, ESPFAB_CSR_CQ_BASE_LO(Q), (uint32_t)cq);
	wr(s, ESPFAB_CSR_CQ_BASE_HI(Q), (uint32_t)(cq >> 32));
	wr(s, ESPFAB_CSR_RQ_SIZE(Q), L2);
	wr(s, ESPFAB_CSR_Q_IRQ_COUNT(Q), NPKT + 1);
	wr(s, ESPFAB_CSR_Q_IRQ_TIMER(Q), 0);
	memset(s->mem + CQ_OFF + 32 * slots, 0, 8);
	wr(s, ESPFAB_CSR_Q_CTRL(Q), 1u << ESPFAB_QCTRL_ENABLE | 1u << ESPFAB_QCTRL_IRQ_EN);
	CHECK(rd(s, ESPFAB_CSR_Q_STATUS(Q)) & (1u << ESPFAB_QSTATUS_ENABLED), "queue not enabled");

	static const unsigned lens[NPKT + 1] = { 64, 100, 1400, 28, 333, 512, 64 };
	for (unsigned k = 0; k < NPKT + 1; k++) {
		espfab_req_t r;
		memset(&r, 0, sizeof r);
		r.cookie = 0xc00c1e00u + k;
		r.in_addr = SIM_MEM_BASE + IN_OFF + 0x800 * k;
		r.out_addr = SIM_MEM_BASE + OUT_OFF + 0x800 * k;
		if (k == NPKT)
			r.in_addr = SIM_MEM_BASE + MEM_BYTES + 0x1000; /* outside host memory: DECERR */
		r.slot = 3;
		r.in_len = (uint16_t)lens[k];
		r.out_cap = 0x800;
		r.op = ESPFAB_OP_ENCAP;
		for (unsigned i = 0; i < 16; i++)
			r.iv[i] = (uint8_t)(k * 16 + i);
		if (k < NPKT)
			make_ipv4(s->mem + IN_OFF + 0x800 * k, lens[k], k);
		memset(s->mem + OUT_OFF + 0x800 * k, 0, 0x800);
		memcpy(s->mem + RQ_OFF + 64 * k, &r, sizeof r);
		espfab_cpl_t pend;
		memset(&pend, 0, sizeof pend);
		pend.status = ESPFAB_STATUS_PENDING;
		memcpy(s->mem + CQ_OFF + 32 * k, &pend, sizeof pend);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* wmb() before the doorbell */
	wr(s, ESPFAB_CSR_RQ_PI(Q), NPKT + 1);
	CHECK(!(s->last.irq & 1u), "queue interrupt before anything ran");

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct sim_rsp r = call(s, SIM_OP_RUN, 0, 1u << Q, 2000000);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	CHECK(r.status == 0, "RUN status %d", r.status);
	CHECK(r.irq & (1u << Q), "RUN ended without the queue interrupt (irq 0x%x after %u cycles)", r.irq, r.val);
	CHECK(r.val > 0 && r.val < 2000000, "RUN ran %u cycles", r.val);
	printf("%s: %u cycles to %d completions in %.3f s (%.0f simulated cycles/s)\n", g_dev, r.val, NPKT + 1,
	       secs, secs > 0 ? r.val / secs : 0.0);
	size_t used = strlen(g_speed);
	snprintf(g_speed + used, sizeof g_speed - used, "%s%s %u cycles at %.0f cycles/s", used ? ", " : "", g_dev,
		 r.val, secs > 0 ? r.val / secs : 0.0);

	uint32_t pi;
	memcpy(&pi, s->mem + CQ_OFF + 32 * slots, 4);
	CHECK(pi == NPKT + 1, "index block CQ_PI %u, expected %u", pi, NPKT + 1);
	CHECK(rd(s, ESPFAB_CSR_CQ_PI(Q)) == NPKT + 1, "CQ_PI register");
	CHECK(rd(s, ESPFAB_CSR_RQ_CI(Q)) == NPKT + 1, "RQ_CI register");
	for (unsigned k = 0; k < NPKT + 1; k++) {
		espfab_cpl_t c;
		memcpy(&c, s->mem + CQ_OFF + 32 * k, sizeof c);
		const uint8_t *o = s->mem + OUT_OFF + 0x800 * k;
		CHECK(c.cookie == 0xc00c1e00u + k, "slot %u cookie %llx", k, (unsigned long long)c.cookie);
		if (k == NPKT) {
			CHECK(c.status == ESPFAB_STATUS_DEVICE, "slot %u (input outside memory): status %s, expected DEVICE",
			      k, espfab_status_name(c.status));
			continue;
		}
		CHECK(c.status == ESPFAB_STATUS_OK, "slot %u status %s", k, espfab_status_name(c.status));
		CHECK(c.spi == sa.spi && c.seq == k + 1, "slot %u spi %x seq %u", k, c.spi, c.seq);
		/* tunnel mode: outer IPv4 (20) + ESP header (8) + IV (16) + payload padded to 16 + ICV (12) */
		unsigned want = 20 + 8 + 16 + ((lens[k] + 2 + 15) / 16) * 16 + 12;
		CHECK(c.out_len == want, "slot %u out_len %u, expected %u", k, c.out_len, want);
		CHECK(o[0] == 0x45 && o[9] == 50, "slot %u: output is not IPv4/ESP", k);
		uint32_t spi = (uint32_t)o[20] << 24 | (uint32_t)o[21] << 16 | (uint32_t)o[22] << 8 | o[23];
		uint32_t seq = (uint32_t)o[24] << 24 | (uint32_t)o[25] << 16 | (uint32_t)o[26] << 8 | o[27];
		CHECK(spi == sa.spi && seq == k + 1, "slot %u: ESP header spi %x seq %u", k, spi, seq);
		CHECK(memcmp(o + 28, s->mem + RQ_OFF + 64 * k + ESPFAB_REQ_OFF_IV, 16) == 0, "slot %u: IV not the request's",
		      k);
		/* the ciphertext is neither the plaintext nor zeros */
		const uint8_t *in = s->mem + IN_OFF + 0x800 * k;
		unsigned same = 0, zero = 0;
		for (unsigned i = 0; i < lens[k]; i++) {
			same += o[44 + i] == in[i];
			zero += o[44 + i] == 0;
		}
		CHECK(same < lens[k] / 4 + 4 && zero < lens[k] / 4 + 4, "slot %u: output looks like plaintext or zeros", k);
	}
	uint32_t dma_irq = rd(s, ESPFAB_CSR_DMA_IRQ);
	CHECK(dma_irq & (1u << Q), "DMA_IRQ 0x%x", dma_irq);
	wr(s, ESPFAB_CSR_DMA_IRQ, 1u << Q);
	CHECK(!(s->last.irq & (1u << Q)), "queue interrupt still raised after DMA_IRQ write (0x%x)", s->last.irq);
	r = call(s, SIM_OP_RUN, 0, 0, 100);
	CHECK(r.status == 0 && r.val == 100, "RUN 100: status %d ran %u", r.status, r.val);
	CHECK(!(r.irq & (1u << Q)), "queue interrupt came back");
	r = call(s, SIM_OP_STATS, 0, 0, 0);
	CHECK(r.status == 0 && r.val > 0 && r.arg > 0, "STATS: %u read beats, %llu write beats", r.val,
	      (unsigned long long)r.arg);
}

static void run_device(const char *bin, const char *device)
{
	struct sim s;
	memset(&s, 0, sizeof s);
	g_dev = device;
	FILE *err = tmpfile();
	if (!err) {
		perror("tmpfile");
		exit(1);
	}
	g_errfd = fileno(err);
	s.pid = spawn(bin, device, &s.fd, &s.mem, NULL);
	g_errfd = -1;

	struct sim_rsp r = call(&s, SIM_OP_HELLO, SIM_PROTO_VERSION, 0, 0);
	CHECK(r.status == 0 && r.val == SIM_PROTO_VERSION && r.arg == MEM_BYTES, "HELLO: status %d val %u arg %llu",
	      r.status, r.val, (unsigned long long)r.arg);
	r = call(&s, SIM_OP_HELLO, SIM_PROTO_VERSION + 7, 0, 0);
	CHECK(r.status == -EINVAL, "HELLO with a wrong version: status %d", r.status);

	CHECK(rd(&s, ESPFAB_CSR_ID) == 0x45535046u, "ID");
	CHECK(rd(&s, ESPFAB_CSR_VERSION) == (ESPFAB_CONTRACT_VERSION_MAJOR << 16 | ESPFAB_CONTRACT_VERSION_MINOR),
	      "VERSION");
	CHECK(rd(&s, ESPFAB_CSR_N_QUEUES) == 4, "N_QUEUES");
	uint32_t sb = rd(&s, ESPFAB_CSR_STREAM_BYTES);
	CHECK(sb == 16 || sb == 32, "STREAM_BYTES %u", sb);
	CHECK(rd(&s, ESPFAB_CSR_SCRATCH) == 0, "SCRATCH after reset");
	uint64_t c0 = s.last.cycles;
	wr(&s, ESPFAB_CSR_SCRATCH, 0xdeadbeef);
	CHECK(s.last.cycles > c0 && s.last.cycles - c0 < 100, "a register write took %llu cycles",
	      (unsigned long long)(s.last.cycles - c0));
	CHECK(rd(&s, ESPFAB_CSR_SCRATCH) == 0xdeadbeef, "SCRATCH read back");

	r = call(&s, SIM_OP_REG_READ, 0x3ffc, 0, 0);
	CHECK(r.status == -EIO, "read of unmapped 0x3ffc: status %d", r.status);
	r = call(&s, SIM_OP_REG_WRITE, ESPFAB_CSR_ID, 1, 0);
	CHECK(r.status == -EIO, "write to read-only ID: status %d", r.status);
	r = call(&s, SIM_OP_REG_READ, 0x2, 0, 0);
	CHECK(r.status == -EINVAL, "unaligned read: status %d", r.status);
	r = call(&s, SIM_OP_REG_WRITE, ESPFAB_CSR_SCRATCH, 0x100000000ull, 0);
	CHECK(r.status == -EINVAL, "write of a 33-bit value: status %d", r.status);
	r = call(&s, 99, 0, 0, 0);
	CHECK(r.status == -EINVAL, "unknown op: status %d", r.status);
	r = call(&s, SIM_OP_FAULT, 42, 0, 0);
	CHECK(r.status == -EINVAL, "unknown fault: status %d", r.status);
	uint32_t junk = 7;
	struct sim_rsp rr;
	if (send(s.fd, &junk, sizeof junk, 0) != sizeof junk || recv(s.fd, &rr, sizeof rr, 0) != sizeof rr)
		fail("short request: no response");
	else
		CHECK(rr.status == -EINVAL, "short request: status %d", rr.status);

	traffic(&s);

	/* hang: registers time out, the clock of the device is held */
	r = call(&s, SIM_OP_FAULT, SIM_FAULT_HANG, 0, 0);
	CHECK(r.status == 0, "HANG: status %d", r.status);
	c0 = s.last.cycles;
	r = call(&s, SIM_OP_REG_READ, ESPFAB_CSR_SCRATCH, 0, 0);
	CHECK(r.status == -EIO && r.val == 0xffffffffu, "read while hung: status %d val 0x%x", r.status, r.val);
	CHECK(r.cycles - c0 >= SIM_REG_TIMEOUT, "the hung read gave up after %llu cycles",
	      (unsigned long long)(r.cycles - c0));
	r = call(&s, SIM_OP_REG_WRITE, ESPFAB_CSR_SCRATCH, 5, 0);
	CHECK(r.status == -EIO, "write while hung: status %d", r.status);
	r = call(&s, SIM_OP_FAULT, SIM_FAULT_RESUME, 0, 0);
	CHECK(r.status == 0, "RESUME: status %d", r.status);
	CHECK(rd(&s, ESPFAB_CSR_SCRATCH) == 0xdeadbeef, "SCRATCH after RESUME (the write while hung must be lost)");

	/* reset: back to the reset state */
	r = call(&s, SIM_OP_FAULT, SIM_FAULT_RESET, 0, 0);
	CHECK(r.status == 0, "RESET: status %d", r.status);
	CHECK(rd(&s, ESPFAB_CSR_SCRATCH) == 0, "SCRATCH after RESET");
	CHECK(!(rd(&s, ESPFAB_CSR_Q_STATUS(Q)) & (1u << ESPFAB_QSTATUS_ENABLED)), "queue still enabled after RESET");
	CHECK(rd(&s, ESPFAB_CSR_RQ_CI(Q)) == 0 && rd(&s, ESPFAB_CSR_CQ_PI(Q)) == 0, "queue indices after RESET");
	CHECK(!(s.last.irq & 0xffu), "queue interrupt lines after RESET: 0x%x", s.last.irq);

	r = call(&s, SIM_OP_QUIT, 0, 0, 0);
	CHECK(r.status == 0, "QUIT: status %d", r.status);
	int ex = wait_exit(s.pid);
	CHECK(ex == 0, "platform exit status %d after QUIT", ex);
	/* the AXI4 bridge reports protocol violations of the fabric's master on stderr */
	char line[512];
	unsigned nlines = 0;
	rewind(err);
	while (fgets(line, sizeof line, err)) {
		fprintf(stderr, "espfab-simd said: %s", line);
		CHECK(!strstr(line, "VIOLATION"), "AXI4 protocol violation reported");
		nlines++;
	}
	CHECK(nlines == 0, "the platform wrote %u lines on stderr", nlines);
	fclose(err);
	close(s.fd);
	munmap(s.mem, MEM_BYTES);

	/* EOF ends it too */
	s.pid = spawn(bin, device, &s.fd, NULL, NULL);
	close(s.fd);
	ex = wait_exit(s.pid);
	CHECK(ex == 0, "platform exit status %d after EOF", ex);
}

int main(int argc, char **argv)
{
	/* make sim-test builds one program per device with the binary built in */
#if defined(SIMD_BIN) && defined(SIMD_DEVICE)
	static char *def[] = { (char *)"sim_smoke", (char *)SIMD_BIN, (char *)SIMD_DEVICE, NULL };
	if (argc < 2) {
		argc = 3;
		argv = def;
	}
#endif
	if (argc < 2) {
		fprintf(stderr, "usage: sim_smoke ESPFAB_SIMD [rtl|model]...\n");
		return 2;
	}
	/* bad command lines: a clear error and exit status 2 */
	int fd;
	pid_t pid = spawn(argv[1], "bogus", &fd, NULL, NULL);
	int ex = wait_exit(pid);
	CHECK(ex == 2, "--device bogus: exit status %d", ex);
	close(fd);
	pid = spawn(argv[1], "rtl", &fd, NULL, "--frobnicate");
	ex = wait_exit(pid);
	CHECK(ex == 2, "unknown option: exit status %d", ex);
	close(fd);

	for (int i = 2; i < argc; i++)
		run_device(argv[1], argv[i]);
	if (argc == 2)
		run_device(argv[1], "rtl");
	printf("sim_smoke: %s (traffic: %s)\n", g_fail ? "FAILED" : "all checks passed", g_speed);
	return g_fail ? 1 : 0;
}
