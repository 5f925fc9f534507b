// tb_aes_sbox — exhaustive Verilator testbench for rtl/crypto/aes_sbox.v and
// rtl/crypto/aes_inv_sbox.v (one source, built once per module: the
// generated model header tells which one this build holds).
//
// The expected tables are computed here from the definitions in FIPS 197,
// not copied: S(x) is the multiplicative inverse of x in GF(2^8) modulo
// x^8 + x^4 + x^3 + x + 1 (0 maps to 0; the inverse found by search over all
// products) followed by the affine map b ^ rotl(b,1) ^ rotl(b,2) ^ rotl(b,3)
// ^ rotl(b,4) ^ 0x63 (section 5.1.1); S^-1 is the inverse permutation
// (checked to be one).  Four published entries (FIPS 197 section 5.1.1
// example S(0x53) = 0xed, and S(0x00), S^-1(0x00), S^-1(0xed)) guard the
// computation itself.  All 256 inputs are applied; exits non-zero on any
// mismatch and prints one summary line.
//
// Build: scripts/verilate-tb.sh BUILD OUT aes_sbox tests/rtl/tb_aes_sbox.cpp
//        scripts/verilate-tb.sh BUILD OUT aes_inv_sbox tests/rtl/tb_aes_inv_sbox.cpp
// (tb_aes_inv_sbox.cpp includes this file, so that scripts/rtl-tests.sh
// finds a testbench for each module.)
// Run:   OUT/Vtb
#include <cstdint>
#include <cstdio>
#include <memory>

#include "verilated.h"

#if __has_include("Vaes_inv_sbox.h")
#include "Vaes_inv_sbox.h"
using Model = Vaes_inv_sbox;
static constexpr bool INVERSE = true;
static const char *const NAME = "aes_inv_sbox";
#else
#include "Vaes_sbox.h"
using Model = Vaes_sbox;
static constexpr bool INVERSE = false;
static const char *const NAME = "aes_sbox";
#endif

namespace {

uint8_t gf_mul(uint8_t a, uint8_t b)
{
	uint8_t r = 0;
	while (b) {
		if (b & 1)
			r ^= a;
		a = (uint8_t)((a << 1) ^ ((a & 0x80) ? 0x1b : 0));
		b >>= 1;
	}
	return r;
}

uint8_t rotl8(uint8_t x, unsigned n)
{
	return (uint8_t)((x << n) | (x >> (8 - n)));
}

} // namespace

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	uint8_t sbox[256], inv[256];
	bool seen[256] = {};
	unsigned failed = 0;

	for (unsigned x = 0; x < 256; x++) {
		uint8_t b = 0;
		for (unsigned y = 1; x != 0 && y < 256; y++)
			if (gf_mul((uint8_t)x, (uint8_t)y) == 1) {
				b = (uint8_t)y;
				break;
			}
		sbox[x] = (uint8_t)(b ^ rotl8(b, 1) ^ rotl8(b, 2) ^ rotl8(b, 3) ^ rotl8(b, 4) ^ 0x63);
	}
	for (unsigned x = 0; x < 256; x++) {
		if (seen[sbox[x]]) {
			std::printf("%s: computed S-box is not a permutation\n", NAME);
			return 1;
		}
		seen[sbox[x]] = true;
		inv[sbox[x]] = (uint8_t)x;
	}
	if (sbox[0x53] != 0xed || sbox[0x00] != 0x63 || inv[0x00] != 0x52 || inv[0xed] != 0x53) {
		std::printf("%s: computed S-box disagrees with FIPS 197\n", NAME);
		return 1;
	}

	const std::unique_ptr<Model> top{new Model};
	const uint8_t *want = INVERSE ? inv : sbox;
	for (unsigned x = 0; x < 256; x++) {
		top->in_i = (uint8_t)x;
		top->eval();
		if (top->out_o != want[x]) {
			std::printf("%s: in %02x: got %02x want %02x\n", NAME, x, (unsigned)top->out_o, want[x]);
			failed++;
		}
	}
	top->final();
	std::printf("tb_aes_sbox %s: %u of 256 inputs passed\n", NAME, 256 - failed);
	return failed ? 1 : 0;
}
