/*
 * bench_esp_engine — cycle-counting throughput harness for
 * rtl/esp/esp_engine.v (make bench-rtl; docs/rtl-bench.md).
 *
 * Drives the stream interface with requests always offered (a few queued
 * ahead, no gaps) and completions always taken, round-robin over N SAs of
 * one transform (tunnel mode, no UDP), and measures steady-state plaintext
 * bytes per simulated cycle: the IPv4 packet bytes of each request for
 * encap, the output bytes for decap, between the completion of the last
 * warm-up request and the completion of the last measured one.  Requests
 * keep being offered until the last measured completion has left, so the
 * window never sees the queue run dry.
 *
 * Every completion is checked against the golden model (record fields and,
 * by default, every output byte; --sample N checks the bytes of one in N),
 * and every one must be OK: a row with any failure is reported and makes
 * the exit status 1.  Rows go to --json FILE as one JSON object per line
 * (bench-rtl.sh assembles the array).
 */
#include "esp_engine_harness.h"

#include <algorithm>
#include <cmath>

#ifndef TB_PIPELINED
#define TB_PIPELINED 1
#endif

struct Xform {
	const char *ios; /* IOS transform-set spelling, as espfab-bench writes it */
	const char *name;
	uint8_t cipher, klen, auth, aklen;
	unsigned key_bits; /* as espfab-bench: effective key bits */
	bool dflt;
};

static const Xform kXforms[] = {
	{ "esp-aes esp-sha-hmac", "aes128-sha1", ESPFAB_CIPHER_AES, 16, ESPFAB_AUTH_SHA1, 20, 128, true },
	{ "esp-aes 256 esp-sha-hmac", "aes256-sha1", ESPFAB_CIPHER_AES, 32, ESPFAB_AUTH_SHA1, 20, 256, true },
	{ "esp-3des esp-sha-hmac", "3des-sha1", ESPFAB_CIPHER_3DES, 24, ESPFAB_AUTH_SHA1, 20, 168, true },
	{ "esp-des esp-md5-hmac", "des-md5", ESPFAB_CIPHER_DES, 8, ESPFAB_AUTH_MD5, 16, 56, true },
	{ "esp-aes esp-md5-hmac", "aes128-md5", ESPFAB_CIPHER_AES, 16, ESPFAB_AUTH_MD5, 16, 128, false },
	{ "esp-aes 256 esp-md5-hmac", "aes256-md5", ESPFAB_CIPHER_AES, 32, ESPFAB_AUTH_MD5, 16, 256, false },
	{ "esp-3des esp-md5-hmac", "3des-md5", ESPFAB_CIPHER_3DES, 24, ESPFAB_AUTH_MD5, 16, 168, false },
	{ "esp-des esp-sha-hmac", "des-sha1", ESPFAB_CIPHER_DES, 8, ESPFAB_AUTH_SHA1, 20, 56, false },
};

struct Options {
	std::vector<unsigned> sizes{ 64, 512, 1400 };
	std::vector<unsigned> sas{ 1, 16, 256 };
	std::vector<const Xform *> xforms;
	bool encap = true, decap = true;
	const char *json = nullptr;
	const char *config = TB_PIPELINED ? "pipelined" : "iterative";
	const char *params = ""; /* verilator -G overrides, recorded in the rows */
	uint64_t seed = 0xbe4c4ull;
	double scale = 1.0;  /* measured packets x scale */
	unsigned sample = 1; /* compare output bytes of one completion in N */
	unsigned ahead = 8;  /* requests queued ahead of the engine */
};

static std::vector<unsigned> parse_list(const char *s)
{
	std::vector<unsigned> v;
	for (const char *p = s; *p;) {
		char *e;
		unsigned long x = strtoul(p, &e, 10);
		if (e == p)
			break;
		v.push_back((unsigned)x);
		p = *e == ',' ? e + 1 : e;
	}
	return v;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--transforms all|LIST] [--sizes 64,512,1400] [--sas 1,16,256] [--direction encap|decap|both]\n"
		"          [--scale F] [--sample N] [--json FILE] [--config NAME] [--params TEXT] [--seed N]\n"
		"  --transforms  names (aes128-sha1,aes256-sha1,3des-sha1,des-md5,aes128-md5,aes256-md5,3des-md5,\n"
		"                des-sha1) or 'all'; default: the first four\n"
		"  --scale       multiply the measured packets per row (default 1)\n"
		"  --sample      compare the output bytes of one completion in N (default 1: all)\n",
		argv0);
}

struct Row {
	const Xform *x;
	unsigned size, sas;
	bool decap;
	uint64_t warmup = 0, packets = 0, cycles = 0, bytes = 0;
	uint64_t latency_sum = 0; /* first request beat to last completion beat, measured window */
	double bpc = 0;
	uint64_t checked = 0, failed = 0;
	bool skipped = false;
	const char *why = "";
};

/* Collects per-completion data for the row being run. */
struct Recorder {
	uint64_t first_id = 0;		 /* id of the row's first request */
	std::vector<uint64_t> t_done;	 /* per request of the row, in order */
	std::vector<uint64_t> t_sent;
	std::vector<uint32_t> counted; /* plaintext bytes of each completion */
	std::vector<uint8_t> ok;
	bool decap = false;
	static void cb(void *arg, const Job &j)
	{
		Recorder *r = (Recorder *)arg;
		if (j.id < r->first_id)
			return;
		r->t_done.push_back(j.t_done);
		r->t_sent.push_back(j.t_sent);
		r->counted.push_back(r->decap ? j.exp.out_len : j.req.in_len);
		r->ok.push_back(j.exp.status == ESPFAB_STATUS_OK);
	}
};

class Bench {
      public:
	Options opt;
	Harness h;
	Gen gen;
	Rng r;
	std::vector<Row> rows;
	uint64_t total_failed = 0;

	Bench(const Options &o, int argc, char **argv) : opt(o), h(o.seed, argc, argv), r(o.seed)
	{
		h.p_gap = 0.0;
		h.p_ready = 1.0;
		h.p_write_in_flight = 0.0;
		h.max_report = 10;
		h.hang_cycles = 5000000;
	}

	espfab_sa_t make_sa(const Xform &x, uint32_t n)
	{
		espfab_sa_t s;
		memset(&s, 0, sizeof s);
		s.spi = 0x1000 + n;
		s.valid = 1;
		s.dir = ESPFAB_DIR_OUT;
		s.mode = ESPFAB_MODE_TUNNEL;
		s.encap = ESPFAB_ENCAP_NONE;
		s.cipher = x.cipher;
		s.enc_key_len = x.klen;
		s.auth = x.auth;
		s.auth_key_len = x.aklen;
		r.bytes(s.enc_key, s.enc_key_len);
		r.bytes(s.auth_key, s.auth_key_len);
		s.tun_src = 0x0a000001;
		s.tun_dst = 0x0a000002;
		s.replay_window = 64;
		return s;
	}

	/* Measured packets for a row: enough bytes for a stable figure, at
	 * least one per SA. */
	uint64_t measured(unsigned size, unsigned sas) const
	{
		double target = TB_PIPELINED ? 256 * 1024.0 : 48 * 1024.0;
		uint64_t n = (uint64_t)(target / size);
		n = std::max<uint64_t>(n, 64);
		n = std::min<uint64_t>(n, TB_PIPELINED ? 4096 : 1024);
		n = (uint64_t)std::ceil(n * opt.scale);
		return std::max<uint64_t>(n, sas);
	}

	void run_row(Row &row, uint32_t out_base, uint32_t in_base, std::vector<uint32_t> &next_seq)
	{
		const uint64_t W = 16 + std::min<unsigned>(row.sas, 64);
		const uint64_t M = measured(row.size, row.sas);
		Recorder rec;
		rec.first_id = h.next_id;
		rec.decap = row.decap;
		h.on_done = Recorder::cb;
		h.on_done_arg = &rec;
		const uint64_t mism0 = h.st.mismatches + h.st.protocol;
		uint64_t n = 0;
		unsigned rr = 0;
		while (rec.t_done.size() < W + M) {
			while (h.send_q.size() < opt.ahead) {
				uint32_t k = rr++ % row.sas;
				std::vector<uint8_t> in = make_ipv4(r, 20, row.size - 20);
				in[9] = 17;
				ip_fix_checksum(in.data());
				Job *j;
				if (!row.decap) {
					j = h.make_job(out_base + k, ESPFAB_OP_ENCAP, in, ESPFAB_MAX_FRAME, "bench encap");
				} else {
					std::vector<uint8_t> pkt = gen.encap(r, in_base + k, next_seq[k]++, in);
					j = h.make_job(in_base + k, ESPFAB_OP_DECAP, pkt, ESPFAB_MAX_FRAME, "bench decap");
				}
				j->check_bytes = n % opt.sample == 0;
				h.submit(j);
				n++;
			}
			h.tick();
		}
		h.drain();
		h.on_done = nullptr;
		row.warmup = W;
		row.packets = M;
		row.cycles = rec.t_done[W + M - 1] - rec.t_done[W - 1];
		for (uint64_t i = W; i < W + M; i++) {
			row.bytes += rec.counted[i];
			row.latency_sum += rec.t_done[i] - rec.t_sent[i];
		}
		for (size_t i = 0; i < rec.ok.size(); i++)
			row.failed += !rec.ok[i];
		row.failed += h.st.mismatches + h.st.protocol - mism0;
		row.checked = rec.ok.size();
		row.bpc = row.cycles ? (double)row.bytes / (double)row.cycles : 0;
	}

	void run_xform(const Xform &x)
	{
		const unsigned max_sas = *std::max_element(opt.sas.begin(), opt.sas.end());
		const unsigned fit = opt.decap ? h.sa_slots / 2 : h.sa_slots;
		const unsigned n_sas = std::min(max_sas, fit);
		const uint32_t out_base = 0, in_base = opt.decap ? fit : 0;
		std::vector<uint32_t> next_seq(n_sas, 1);
		for (unsigned k = 0; k < n_sas; k++) {
			espfab_sa_t s = make_sa(x, k);
			if (opt.encap)
				h.sa_write(out_base + k, &s, false, false);
			if (opt.decap) {
				espfab_sa_t t = s;
				t.dir = ESPFAB_DIR_IN;
				h.sa_write(in_base + k, &t, false, false);
				gen.bind(in_base + k, s);
			}
		}
		for (unsigned size : opt.sizes)
			for (unsigned sas : opt.sas)
				for (int d = 0; d < 2; d++) {
					if ((d == 0 && !opt.encap) || (d == 1 && !opt.decap))
						continue;
					Row row;
					row.x = &x;
					row.size = size;
					row.sas = sas;
					row.decap = d == 1;
					if (sas > n_sas) {
						row.skipped = true;
						row.why = "more SAs than the engine's SA_SLOTS holds";
					} else if (size < 20 || size > 1900) {
						row.skipped = true;
						row.why = "size outside 20..1900";
					} else {
						run_row(row, out_base, in_base, next_seq);
					}
					print_row(row);
					total_failed += row.failed;
					rows.push_back(row);
				}
	}

	void print_header()
	{
		printf("%-10s %-26s %4s %5s %4s %-6s %9s %8s %9s %8s %s\n", "config", "transform", "key", "size", "SAs",
		       "dir", "bytes/cyc", "packets", "cycles", "latency", "check");
	}

	void print_row(const Row &w)
	{
		if (w.skipped) {
			printf("%-10s %-26s %4u %5u %4u %-6s %9s  (skipped: %s)\n", opt.config, w.x->ios, w.x->key_bits,
			       w.size, w.sas, w.decap ? "decap" : "encap", "-", w.why);
		} else {
			printf("%-10s %-26s %4u %5u %4u %-6s %9.3f %8llu %9llu %8.0f %s\n", opt.config, w.x->ios,
			       w.x->key_bits, w.size, w.sas, w.decap ? "decap" : "encap", w.bpc,
			       (unsigned long long)w.packets, (unsigned long long)w.cycles,
			       w.packets ? (double)w.latency_sum / (double)w.packets : 0.0,
			       w.failed ? "FAILED" : "ok");
		}
		fflush(stdout);
	}

	bool write_json()
	{
		if (!opt.json)
			return true;
		FILE *f = fopen(opt.json, "w");
		if (!f) {
			fprintf(stderr, "cannot write %s\n", opt.json);
			return false;
		}
		for (const Row &w : rows) {
			if (w.skipped)
				continue;
			fprintf(f,
				"{\"config\":\"%s\",\"transform\":\"%s\",\"name\":\"%s\",\"key_bits\":%u,\"size\":%u,\"sas\":%u,"
				"\"direction\":\"%s\",\"bytes_per_cycle\":%.4f,\"packets\":%llu,\"warmup\":%llu,"
				"\"cycles\":%llu,\"bytes\":%llu,\"mean_latency_cycles\":%.1f,\"completions_checked\":%llu,"
				"\"failed\":%llu,\"pipelined\":%d,\"stream_bytes\":%u,\"sa_slots\":%u,\"params\":\"%s\"}\n",
				opt.config, w.x->ios, w.x->name, w.x->key_bits, w.size, w.sas, w.decap ? "decap" : "encap",
				w.bpc, (unsigned long long)w.packets, (unsigned long long)w.warmup,
				(unsigned long long)w.cycles, (unsigned long long)w.bytes,
				w.packets ? (double)w.latency_sum / (double)w.packets : 0.0,
				(unsigned long long)w.checked, (unsigned long long)w.failed, TB_PIPELINED,
				(unsigned)BEAT_BYTES, h.sa_slots,
				opt.params);
		}
		return fclose(f) == 0;
	}

	int run()
	{
		Xform probe = *opt.xforms[0];
		h.probe_sa_slots(make_sa(probe, 0));
		print_header();
		for (const Xform *x : opt.xforms)
			run_xform(*x);
		bool ok = write_json();
		printf("bench_esp_engine %s (STREAM_BYTES=%u): %zu rows, %llu cycles simulated, %llu failed completions\n",
		       opt.config, (unsigned)BEAT_BYTES, rows.size(), (unsigned long long)h.cycle, (unsigned long long)total_failed);
		return ok && total_failed == 0 ? 0 : 1;
	}
};

int main(int argc, char **argv)
{
	Options o;
	bool all = false;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : nullptr;
		auto need = [&]() {
			if (!v) {
				usage(argv[0]);
				exit(2);
			}
			i++;
			return v;
		};
		if (a == "--sizes")
			o.sizes = parse_list(need());
		else if (a == "--sas")
			o.sas = parse_list(need());
		else if (a == "--transforms") {
			std::string t = need();
			if (t == "all") {
				all = true;
				continue;
			}
			size_t p = 0;
			while (p <= t.size()) {
				size_t q = t.find(',', p);
				std::string one = t.substr(p, q == std::string::npos ? std::string::npos : q - p);
				bool found = false;
				for (const Xform &x : kXforms)
					if (one == x.name || one == x.ios)
						o.xforms.push_back(&x), found = true;
				if (!found) {
					fprintf(stderr, "unknown transform '%s'\n", one.c_str());
					return 2;
				}
				if (q == std::string::npos)
					break;
				p = q + 1;
			}
		} else if (a == "--direction") {
			std::string d = need();
			o.encap = d == "encap" || d == "both";
			o.decap = d == "decap" || d == "both";
			if (!o.encap && !o.decap) {
				usage(argv[0]);
				return 2;
			}
		} else if (a == "--json")
			o.json = need();
		else if (a == "--config")
			o.config = need();
		else if (a == "--params")
			o.params = need();
		else if (a == "--seed")
			o.seed = strtoull(need(), nullptr, 0);
		else if (a == "--scale")
			o.scale = atof(need());
		else if (a == "--sample")
			o.sample = std::max(1u, (unsigned)atoi(need()));
		else if (a.rfind("+verilator", 0) == 0)
			continue;
		else {
			usage(argv[0]);
			return 2;
		}
	}
	if (o.xforms.empty())
		for (const Xform &x : kXforms)
			if (all || x.dflt)
				o.xforms.push_back(&x);
	if (o.sizes.empty() || o.sas.empty()) {
		usage(argv[0]);
		return 2;
	}
	Bench b(o, argc, argv);
	return b.run();
}
