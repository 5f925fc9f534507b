// tb_md5_core — Verilator testbench for rtl/crypto/md5_core.v.
//
// Build and run (either variant):
//   scripts/verilate-tb.sh build-r3 build-r3/rtl/md5_p1 md5_core tests/rtl/tb_md5_core.cpp -GPIPELINED=1
//   build-r3/rtl/md5_p1/Vtb [+seed=N] [+scale=N]
//
// Every compression the core performs is checked against the HLS model
// (hls/md5 md5_compress) computed from the same request, and the tag and
// the fixed latency are checked.  The compressions come from jobs the
// testbench runs through the core, several interleaved at a time the way
// the ESP scheduler uses it (a job's next block enters when its previous
// result leaves):
//   - tests/vectors/md5.txt messages, padded here, compared with MD;
//   - tests/vectors/hmac_md5.txt through an HMAC built from core
//     compressions: inner/outer states from (key ^ ipad)/(key ^ opad)
//     blocks (checked against hls hmac_key_setup), then the message from
//     the inner state and the inner digest from the outer state;
//   - random messages and random-key HMACs compared with OpenSSL;
//   - single random (state, block) compressions.
// Requests are offered in phases: back to back, random gaps, sparse.  The
// expected in_ready_o pattern is modelled and checked every cycle.  Resets
// are applied in the middle of traffic; requests in flight are then lost
// and their jobs re-issue them, so all results must still come out right.
//
// Exit status 0 when everything matched; one summary line on stdout.

#include <verilated.h>

#include "Vmd5_core.h"
#include "Vmd5_core_md5_core.h"  // public parameters PIPELINED, ROUNDS_PER_STAGE

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <functional>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

// espfab_contract.h (included by hmac.h) uses C11 _Static_assert.
#define _Static_assert static_assert
extern "C" {
#include "hmac/hmac.h"
#include "md5/md5.h"
#include "vectors.h"
}

// ---------------------------------------------------------------------------
// Algorithm-specific part (the SHA-1 testbench differs only here).

namespace alg {
constexpr const char *kTbName = "tb_md5_core";
constexpr unsigned kWords = 4;        // chaining value words
constexpr unsigned kDigest = 16;      // digest bytes
constexpr unsigned kRounds = 64;      // steps per compression
constexpr uint64_t kLatency = kRounds + 1;
constexpr uint8_t kHmacAlg = ESPFAB_AUTH_MD5;
constexpr const char *kHashVectors = "md5.txt";
constexpr const char *kHmacVectors = "hmac_md5.txt";
constexpr int kPipelined = Vmd5_core_md5_core::PIPELINED;
constexpr int kRoundsPerStage = kPipelined ? Vmd5_core_md5_core::ROUNDS_PER_STAGE : kRounds;
using Core = Vmd5_core;

using State = std::array<uint32_t, kWords>;

const State kIv = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};

State model_compress(const State &in, const uint8_t blk[64])
{
	md5_state_t st;
	for (unsigned i = 0; i < kWords; i++)
		st.h[i] = in[i];
	md5_compress(&st, blk);
	State out;
	for (unsigned i = 0; i < kWords; i++)
		out[i] = st.h[i];
	return out;
}

// Message length field: 64-bit bit count, little-endian.
void put_length(uint8_t *p, uint64_t bits)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(bits >> (8 * i));
}

// Digest: the words little-endian.
void digest_bytes(const State &st, uint8_t *out)
{
	for (unsigned i = 0; i < kWords; i++)
		for (unsigned j = 0; j < 4; j++)
			out[4 * i + j] = (uint8_t)(st[i] >> (8 * j));
}

const EVP_MD *evp() { return EVP_md5(); }
} // namespace alg

// ---------------------------------------------------------------------------
// Generic part.

using alg::State;
using Block = std::array<uint8_t, 64>;

static unsigned long g_errors;

#define FAIL(...)                                                                   \
	do {                                                                        \
		if (g_errors < 20) {                                                \
			std::fprintf(stderr, "%s: ", alg::kTbName);                \
			std::fprintf(stderr, __VA_ARGS__);                          \
			std::fputc('\n', stderr);                                   \
		}                                                                   \
		g_errors++;                                                         \
	} while (0)

static std::string hex(const uint8_t *p, size_t n)
{
	static const char d[] = "0123456789abcdef";
	std::string s;
	for (size_t i = 0; i < n; i++) {
		s += d[p[i] >> 4];
		s += d[p[i] & 15];
	}
	return s;
}

static std::string hex_state(const State &st)
{
	char b[16];
	std::string s;
	for (unsigned i = 0; i < alg::kWords; i++) {
		std::snprintf(b, sizeof b, "%s%08" PRIx32, i ? " " : "", st[i]);
		s += b;
	}
	return s;
}

// Blocks of a padded message that follows `prefix` already-hashed bytes.
static std::vector<Block> pad_message(const uint8_t *msg, size_t len, uint64_t prefix)
{
	std::vector<uint8_t> buf(msg, msg + len);
	buf.push_back(0x80);
	while (buf.size() % 64 != 56)
		buf.push_back(0);
	uint8_t l[8];
	alg::put_length(l, (prefix + len) * 8);
	buf.insert(buf.end(), l, l + 8);
	std::vector<Block> out(buf.size() / 64);
	for (size_t i = 0; i < out.size(); i++)
		std::memcpy(out[i].data(), &buf[64 * i], 64);
	return out;
}

// A job: chains of compressions run through the core one block at a time.
struct Job {
	enum Kind { SINGLE, HASH, HMAC } kind = SINGLE;
	std::string label;
	std::vector<uint8_t> msg, key;
	std::vector<uint8_t> want;  // expected digest (vector file or OpenSSL)
	std::vector<uint8_t> want96;  // expected truncated HMAC, if the vector has one
	int phase = 0;
	std::vector<Block> blocks;  // current chain
	size_t next = 0;
	State cur{};
	State inner{}, outer{};
	bool in_flight = false;
	bool done = false;
};

struct Request {
	State st;
	Block blk;
	uint32_t tag;
	size_t job;
	uint64_t accepted;  // cycle
	State want;
};

class Bench {
public:
	explicit Bench(VerilatedContext *ctx) : core_(new alg::Core(ctx, "core")) {}
	~Bench() { core_->final(); }

	std::mt19937_64 rng{1};
	std::vector<Job> jobs;
	std::vector<size_t> ready;  // jobs with a block to issue and none in flight
	size_t active = 0;          // jobs not done
	unsigned long compressions = 0, hashes_checked = 0, hmacs_checked = 0, vectors = 0;
	unsigned long resets = 0, max_in_flight = 0, accepted = 0;
	// Longest run of requests accepted at the core's full rate (every
	// ROUNDS_PER_STAGE cycles; every cycle for the fully pipelined core).
	unsigned long streak = 0, max_streak = 0;
	uint64_t last_accept = ~0ull;
	uint64_t cycle = 0;

	size_t add(Job j)
	{
		jobs.push_back(std::move(j));
		size_t id = jobs.size() - 1;
		start(id);
		return id;
	}

	// Run until every job is done.  refill (if any) is called every cycle
	// to add jobs.  reset_at lists cycles (relative to now) after which
	// reset is asserted for 1-3 cycles, at the first cycle with at least
	// half the stages busy.
	void run(const std::function<void()> &refill = nullptr, std::vector<uint64_t> reset_at = {});
	void reset_cycles(unsigned n);

private:
	std::unique_ptr<alg::Core> core_;
	std::deque<Request> flight_;
	std::vector<size_t> free_tags_;
	bool armed_ = false;  // outputs are checked once the first reset is done

	void start(size_t id);
	void finish_chain(size_t id);
	void finish_job(Job &j, const State &final_state);
	void complete(const Request &r, const State &got);
	void tick(bool rst, const Request *offer, bool *took);
	bool expect_ready() const;
	double offer_prob();
	uint32_t rnd32() { return (uint32_t)rng(); }
};

static void set_state(alg::Core &c, const State &st)
{
	for (unsigned i = 0; i < alg::kWords; i++)
		c.in_state_i[alg::kWords - 1 - i] = st[i];
}

static State get_state(const alg::Core &c)
{
	State st;
	for (unsigned i = 0; i < alg::kWords; i++)
		st[i] = c.out_state_o[alg::kWords - 1 - i];
	return st;
}

static void set_block(alg::Core &c, const Block &b)
{
	for (unsigned w = 0; w < 16; w++) {
		const uint8_t *p = &b[4 * (15 - w)];
		c.in_block_i[w] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	}
}

// The in_ready_o pattern md5_core documents: high when no block is in
// the stages, else high once every ROUNDS_PER_STAGE cycles counted from
// the acceptance of a block still in the stages (64 steps after it).
bool Bench::expect_ready() const
{
	for (const Request &r : flight_) {
		uint64_t age = cycle - r.accepted;
		if (age < alg::kRounds)
			return age % (uint64_t)alg::kRoundsPerStage == 0;
	}
	return true;
}

// One clock cycle: check this cycle's outputs, drive inputs, clock edge.
void Bench::tick(bool rst, const Request *offer, bool *took)
{
	alg::Core &c = *core_;
	if (took)
		*took = false;

	// Outputs of this cycle (registered; stable since the last edge).
	// Before the first reset they are undefined.
	if (!armed_) {
		c.rst_ni = !rst;
		c.in_valid_i = 0;
		c.clk_i = 1;
		c.eval();
		c.clk_i = 0;
		c.eval();
		cycle++;
		armed_ = rst;
		return;
	}
	bool due = !flight_.empty() && flight_.front().accepted + alg::kLatency == cycle;
	if (c.out_valid_o) {
		if (!due) {
			FAIL("cycle %" PRIu64 ": out_valid_o without a request due (in flight %zu)", cycle,
			     flight_.size());
		} else {
			Request r = flight_.front();
			flight_.pop_front();
			if (c.out_tag_o != r.tag)
				FAIL("cycle %" PRIu64 ": tag %#x, want %#x", cycle, (unsigned)c.out_tag_o, r.tag);
			complete(r, get_state(c));
		}
	} else if (due) {
		const Request &r = flight_.front();
		FAIL("cycle %" PRIu64 ": no out_valid_o %" PRIu64 " cycles after request tag %#x", cycle,
		     alg::kLatency, r.tag);
		jobs[r.job].in_flight = false;  // lost: re-issue
		ready.push_back(r.job);
		free_tags_.push_back(r.tag);
		flight_.pop_front();
	}

	// Inputs.  Idle operands are random so that a core which took them
	// would be caught.
	c.rst_ni = !rst;
	if (offer) {
		c.in_valid_i = 1;
		set_state(c, offer->st);
		set_block(c, offer->blk);
		c.in_tag_i = offer->tag;
	} else {
		c.in_valid_i = 0;
		State junk;
		Block jb;
		for (auto &w : junk)
			w = rnd32();
		for (auto &b : jb)
			b = (uint8_t)rng();
		set_state(c, junk);
		set_block(c, jb);
		c.in_tag_i = rnd32();
	}
	c.eval();
	if (!rst) {
		bool want_ready = expect_ready();
		if ((bool)c.in_ready_o != want_ready)
			FAIL("cycle %" PRIu64 ": in_ready_o %d, want %d", cycle, (int)c.in_ready_o, (int)want_ready);
		if (offer && c.in_ready_o) {
			Request r = *offer;
			r.accepted = cycle;
			flight_.push_back(r);
			accepted++;
			if (last_accept != ~0ull && cycle - last_accept == (uint64_t)alg::kRoundsPerStage)
				streak++;
			else
				streak = 1;
			max_streak = std::max(max_streak, streak);
			last_accept = cycle;
			if (took)
				*took = true;
			if (flight_.size() > max_in_flight)
				max_in_flight = flight_.size();
		}
	}

	c.clk_i = 1;
	c.eval();
	c.clk_i = 0;
	c.eval();
	cycle++;

	if (rst) {
		// Everything in flight is dropped; its jobs re-issue the block.
		for (const Request &r : flight_) {
			jobs[r.job].in_flight = false;
			ready.push_back(r.job);
			free_tags_.push_back(r.tag);
		}
		flight_.clear();
	}
}

void Bench::reset_cycles(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		tick(true, nullptr, nullptr);
	resets++;
}

// Offer probability by traffic phase: back to back, random, sparse, bursts.
double Bench::offer_prob()
{
	switch ((cycle / 1500) % 4) {
	case 0: return 1.0;
	case 1: return 0.5;
	case 2: return 0.08;
	default: return (cycle / 40) % 2 ? 1.0 : 0.0;
	}
}

void Bench::run(const std::function<void()> &refill, std::vector<uint64_t> reset_at)
{
	uint64_t t0 = cycle;
	std::uniform_real_distribution<double> u(0.0, 1.0);
	std::sort(reset_at.begin(), reset_at.end());
	size_t next_reset = 0;
	const size_t busy = std::max<size_t>(1, alg::kRounds / alg::kRoundsPerStage / 2);
	// Tags: random 16-bit values, unique among the requests in flight.
	free_tags_.clear();
	for (uint32_t t = 0; t < 65536; t++)
		free_tags_.push_back(t);
	std::shuffle(free_tags_.begin(), free_tags_.end(), rng);

	unsigned long last_count = compressions;
	uint64_t last_progress = cycle;
	for (;;) {
		if (refill)
			refill();
		if (active == 0 && flight_.empty())
			break;
		if (next_reset < reset_at.size() && cycle - t0 >= reset_at[next_reset] && flight_.size() >= busy) {
			next_reset++;
			reset_cycles(1 + (unsigned)(rng() % 3));
			continue;
		}
		Request req;
		bool have = false;
		if (!ready.empty() && u(rng) < offer_prob()) {
			size_t k = rng() % ready.size();
			size_t id = ready[k];
			Job &j = jobs[id];
			req.st = j.cur;
			req.blk = j.blocks[j.next];
			req.job = id;
			size_t ti = rng() % free_tags_.size();
			req.tag = free_tags_[ti];
			req.want = alg::model_compress(req.st, req.blk.data());
			have = true;
			bool took;
			tick(false, &req, &took);
			if (took) {
				j.in_flight = true;
				ready[k] = ready.back();
				ready.pop_back();
				free_tags_[ti] = free_tags_.back();
				free_tags_.pop_back();
			}
		}
		if (!have)
			tick(false, nullptr, nullptr);
		if (g_errors >= 20)
			return;  // enough to go on
		if (compressions != last_count) {
			last_count = compressions;
			last_progress = cycle;
		} else if (cycle - last_progress > 20 * alg::kLatency) {
			FAIL("cycle %" PRIu64 ": no result for %" PRIu64 " cycles (%zu jobs active, %zu in flight)",
			     cycle, cycle - last_progress, active, flight_.size());
			return;
		}
	}
}

void Bench::start(size_t id)
{
	Job &j = jobs[id];
	j.phase = 0;
	switch (j.kind) {
	case Job::SINGLE:
	case Job::HASH:
		break;
	case Job::HMAC:
		if (j.key.size() > 64) {
			// RFC 2104: a key longer than a block is hashed first (phase -1).
			j.phase = -1;
			j.cur = alg::kIv;
			j.blocks = pad_message(j.key.data(), j.key.size(), 0);
			j.next = 0;
			break;
		}
		j.cur = alg::kIv;
		j.blocks.assign(1, Block{});
		for (size_t i = 0; i < 64; i++)
			j.blocks[0][i] = (uint8_t)((i < j.key.size() ? j.key[i] : 0) ^ 0x36);
		j.next = 0;
		break;
	}
	if (j.kind == Job::HASH) {
		j.cur = alg::kIv;
		j.blocks = pad_message(j.msg.data(), j.msg.size(), 0);
		j.next = 0;
	}
	active++;
	ready.push_back(id);
}

void Bench::complete(const Request &r, const State &got)
{
	compressions++;
	if (got != r.want)
		FAIL("cycle %" PRIu64 ": tag %#x job %zu (%s) state %s block %s:\n  got  %s\n  want %s", cycle, r.tag,
		     r.job, jobs[r.job].label.c_str(), hex_state(r.st).c_str(), hex(r.blk.data(), 64).c_str(),
		     hex_state(got).c_str(), hex_state(r.want).c_str());
	free_tags_.push_back(r.tag);
	Job &j = jobs[r.job];
	j.in_flight = false;
	j.cur = got;
	j.next++;
	if (j.next < j.blocks.size())
		ready.push_back(r.job);
	else
		finish_chain(r.job);
}

// The job's current chain is done: start its next chain or finish it.
void Bench::finish_chain(size_t id)
{
	Job &j = jobs[id];
	uint8_t d[alg::kDigest];
	if (j.kind != Job::HMAC) {
		finish_job(j, j.cur);
		return;
	}
	switch (j.phase) {
	case -1:  // key hashed: it becomes the key
		alg::digest_bytes(j.cur, d);
		j.key.assign(d, d + alg::kDigest);
		start(id);
		active--;  // start() counted the job again
		return;
	case 0:  // inner state done; now (key ^ opad)
		j.inner = j.cur;
		j.cur = alg::kIv;
		for (size_t i = 0; i < 64; i++)
			j.blocks[0][i] = (uint8_t)((i < j.key.size() ? j.key[i] : 0) ^ 0x5c);
		j.next = 0;
		j.phase = 1;
		break;
	case 1: {  // outer state done; check both against the HLS key setup
		j.outer = j.cur;
		hmac_key_t hk;
		if (hmac_key_setup(&hk, alg::kHmacAlg, j.key.data(), (unsigned)j.key.size()) != 0) {
			FAIL("%s: hmac_key_setup refused the key", j.label.c_str());
		} else {
			for (unsigned i = 0; i < alg::kWords; i++)
				if (hk.inner[i] != j.inner[i] || hk.outer[i] != j.outer[i]) {
					FAIL("%s: precomputed states differ from hmac_key_setup", j.label.c_str());
					break;
				}
		}
		j.cur = j.inner;
		j.blocks = pad_message(j.msg.data(), j.msg.size(), 64);
		j.next = 0;
		j.phase = 2;
		break;
	}
	case 2:  // inner hash done; outer hash over its digest
		alg::digest_bytes(j.cur, d);
		j.cur = j.outer;
		j.blocks = pad_message(d, alg::kDigest, 64);
		j.next = 0;
		j.phase = 3;
		break;
	default:
		finish_job(j, j.cur);
		return;
	}
	ready.push_back(id);
}

void Bench::finish_job(Job &j, const State &final_state)
{
	j.done = true;
	active--;
	if (j.kind == Job::SINGLE)
		return;
	uint8_t d[alg::kDigest];
	alg::digest_bytes(final_state, d);
	if (j.want.size() != alg::kDigest || std::memcmp(d, j.want.data(), alg::kDigest) != 0) {
		FAIL("%s: digest %s, want %s", j.label.c_str(), hex(d, alg::kDigest).c_str(),
		     hex(j.want.data(), j.want.size()).c_str());
		return;
	}
	if (!j.want96.empty() && std::memcmp(d, j.want96.data(), j.want96.size()) != 0) {
		FAIL("%s: truncated digest differs", j.label.c_str());
		return;
	}
	if (j.kind == Job::HASH)
		hashes_checked++;
	else
		hmacs_checked++;
}

// ---------------------------------------------------------------------------

static std::vector<uint8_t> field(vec_file *f, const char *name)
{
	std::vector<uint8_t> v(4096);
	size_t n = 0;
	if (vec_bytes(f, name, v.data(), v.size(), &n) != 0) {
		FAIL("%s: bad field %s", vec_path(f), name);
		n = 0;
	}
	v.resize(n);
	return v;
}

static unsigned load_hash_vectors(Bench &b)
{
	vec_file *f = vec_open_named(nullptr, alg::kHashVectors);
	if (!f) {
		FAIL("cannot open %s", alg::kHashVectors);
		return 0;
	}
	unsigned n = 0;
	int rc;
	while ((rc = vec_next(f)) == 1) {
		Job j;
		j.kind = Job::HASH;
		j.label = std::string(alg::kHashVectors) + ":" + std::to_string(vec_line(f));
		j.msg = field(f, "MSG");
		j.want = field(f, "MD");
		b.add(std::move(j));
		n++;
	}
	if (rc < 0)
		FAIL("%s: malformed", alg::kHashVectors);
	vec_close(f);
	return n;
}

static unsigned load_hmac_vectors(Bench &b)
{
	vec_file *f = vec_open_named(nullptr, alg::kHmacVectors);
	if (!f) {
		FAIL("cannot open %s", alg::kHmacVectors);
		return 0;
	}
	unsigned n = 0;
	int rc;
	while ((rc = vec_next(f)) == 1) {
		Job j;
		j.kind = Job::HMAC;
		j.label = std::string(alg::kHmacVectors) + ":" + std::to_string(vec_line(f));
		j.key = field(f, "KEY");
		j.msg = field(f, "DATA");
		j.want = field(f, "DIGEST");
		if (vec_has(f, "DIGEST96"))
			j.want96 = field(f, "DIGEST96");
		b.add(std::move(j));
		n++;
	}
	if (rc < 0)
		FAIL("%s: malformed", alg::kHmacVectors);
	vec_close(f);
	return n;
}

static std::vector<uint8_t> random_bytes(std::mt19937_64 &rng, size_t n)
{
	std::vector<uint8_t> v(n);
	for (auto &x : v)
		x = (uint8_t)rng();
	return v;
}

// Lengths around the padding boundaries more often than elsewhere.
static size_t random_length(std::mt19937_64 &rng)
{
	static const size_t edge[] = {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129};
	if (rng() % 3 == 0)
		return edge[rng() % (sizeof edge / sizeof edge[0])];
	return rng() % 400;
}

static void add_random_hash(Bench &b, unsigned i)
{
	Job j;
	j.kind = Job::HASH;
	j.label = "random message " + std::to_string(i);
	j.msg = random_bytes(b.rng, random_length(b.rng));
	j.want.resize(EVP_MAX_MD_SIZE);
	unsigned n = 0;
	if (EVP_Digest(j.msg.data(), j.msg.size(), j.want.data(), &n, alg::evp(), nullptr) != 1)
		FAIL("EVP_Digest failed");
	j.want.resize(n);
	b.add(std::move(j));
}

static void add_random_hmac(Bench &b, unsigned i)
{
	Job j;
	j.kind = Job::HMAC;
	j.label = "random hmac " + std::to_string(i);
	static const size_t klen[] = {0, 16, 20, 32, 64, 65, 100};
	j.key = random_bytes(b.rng, klen[b.rng() % (sizeof klen / sizeof klen[0])]);
	j.msg = random_bytes(b.rng, random_length(b.rng));
	j.want.resize(EVP_MAX_MD_SIZE);
	unsigned n = 0;
	static const uint8_t zero = 0;
	if (!HMAC(alg::evp(), j.key.empty() ? &zero : j.key.data(), (int)j.key.size(), j.msg.data(), j.msg.size(),
		  j.want.data(), &n))
		FAIL("HMAC failed");
	j.want.resize(n);
	b.add(std::move(j));
}

static void add_random_single(Bench &b, unsigned i)
{
	Job j;
	j.kind = Job::SINGLE;
	j.label = "random compression " + std::to_string(i);
	for (auto &w : j.cur)
		w = (uint32_t)b.rng();
	j.blocks.resize(1);
	for (auto &x : j.blocks[0])
		x = (uint8_t)b.rng();
	j.next = 0;
	b.add(std::move(j));
}

int main(int argc, char **argv)
{
	auto ctx = std::make_unique<VerilatedContext>();
	ctx->commandArgs(argc, argv);
	uint64_t seed = 1;
	unsigned scale = 1;
	const char *arg = ctx->commandArgsPlusMatch("seed=");
	if (arg && *arg)
		seed = std::strtoull(arg + 6, nullptr, 0);
	arg = ctx->commandArgsPlusMatch("scale=");
	if (arg && *arg)
		scale = (unsigned)std::strtoul(arg + 7, nullptr, 0);
	if (scale == 0)
		scale = 1;

	Bench b(ctx.get());
	b.rng.seed(seed);
	b.reset_cycles(3);
	b.resets = 0;

	// About 35000 compressions: a few seconds for the iterative core.
	const unsigned n_single = scale * 20000;
	const unsigned n_hash = scale * 3000;
	const unsigned n_hmac = scale * 600;

	// 1. Published vectors, all interleaved.
	unsigned nv = load_hash_vectors(b);
	nv += load_hmac_vectors(b);
	b.run();
	unsigned long vec_errors = g_errors;
	if (b.hashes_checked + b.hmacs_checked != nv)
		FAIL("%lu of %u vectors passed", b.hashes_checked + b.hmacs_checked, nv);
	const unsigned long h1 = b.hashes_checked, m1 = b.hmacs_checked;

	// 2.-4. Random traffic from a pool of jobs large enough to fill the
	// pipeline; resets in the middle.
	unsigned si = 0, hi = 0, mi = 0;
	const size_t pool = 2 * alg::kLatency + 40;
	auto refill = [&]() {
		while (b.active < pool && (si < n_single || hi < n_hash || mi < n_hmac)) {
			unsigned r = (unsigned)(b.rng() % 10);
			if (r < 6 && si < n_single)
				add_random_single(b, si++);
			else if (r < 9 && hi < n_hash)
				add_random_hash(b, hi++);
			else if (mi < n_hmac)
				add_random_hmac(b, mi++);
			else if (si < n_single)
				add_random_single(b, si++);
			else
				add_random_hash(b, hi++);
		}
	};
	// Expected cycles: about one block per ROUNDS_PER_STAGE cycles when busy.
	uint64_t horizon = (uint64_t)(n_single + 4 * n_hash + 10 * n_hmac) * alg::kRoundsPerStage;
	std::vector<uint64_t> resets;
	for (int i = 1; i <= 3; i++)
		resets.push_back(horizon * i / 5 + b.rng() % 1000);
	b.run(refill, resets);
	if (b.resets != 3)
		FAIL("%lu resets applied, want 3", b.resets);
	// The traffic must have filled the core: a run of back-to-back requests
	// twice as long as the pipeline.
	if (b.max_streak < 2 * alg::kLatency / alg::kRoundsPerStage)
		FAIL("longest back-to-back run %lu requests", b.max_streak);

	std::printf("%s PIPELINED=%d", alg::kTbName, alg::kPipelined);
	if (alg::kPipelined && alg::kRoundsPerStage != 1)
		std::printf(" ROUNDS_PER_STAGE=%d", alg::kRoundsPerStage);
	std::printf(": %lu blocks %s, latency %" PRIu64 " (%u vectors%s, %lu messages and %lu HMACs vs OpenSSL, "
		    "%lu back to back, %lu resets mid-traffic, %" PRIu64 " cycles, seed %" PRIu64 ")\n",
		    b.compressions, g_errors ? "checked, FAILED" : "passed", alg::kLatency, nv,
		    vec_errors ? " FAILED" : "", b.hashes_checked - h1, b.hmacs_checked - m1, b.max_streak, b.resets,
		    b.cycle, seed);
	return g_errors ? 1 : 0;
}
