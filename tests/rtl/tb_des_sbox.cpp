// tb_des_sbox — exhaustive check of rtl/crypto/des_sbox.v: every one of the
// 64 inputs of each of the eight S-boxes against the FIPS 46-3 tables typed
// here independently (row/column form, decimal, as printed in the standard),
// with the other seven S-box inputs random at the same time so a box that
// reads a neighbour's bits is caught.  Exits non-zero on any mismatch.
//
// Build: scripts/verilate-tb.sh BUILD OUT des_sbox tests/rtl/tb_des_sbox.cpp
#include <cstdint>
#include <cstdio>
#include <memory>

#include "Vdes_sbox.h"
#include "verilated.h"

// FIPS 46-3, S1..S8: S[box][row][column].
static const uint8_t S[8][4][16] = {
	{ { 14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7 },
	  { 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8 },
	  { 4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0 },
	  { 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13 } },
	{ { 15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10 },
	  { 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5 },
	  { 0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15 },
	  { 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9 } },
	{ { 10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8 },
	  { 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1 },
	  { 13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7 },
	  { 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12 } },
	{ { 7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15 },
	  { 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9 },
	  { 10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4 },
	  { 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14 } },
	{ { 2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9 },
	  { 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6 },
	  { 4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14 },
	  { 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3 } },
	{ { 12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11 },
	  { 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8 },
	  { 9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6 },
	  { 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13 } },
	{ { 4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1 },
	  { 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6 },
	  { 1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2 },
	  { 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12 } },
	{ { 13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7 },
	  { 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2 },
	  { 7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8 },
	  { 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11 } },
};

static uint64_t rng = 0x6465735f73626f78ull;

static uint64_t rnd64()
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

// Table value for box b (0..7) and six input bits b1..b6 (b1 most significant).
static unsigned fips(unsigned b, unsigned v)
{
	unsigned row = ((v >> 4) & 2) | (v & 1);
	unsigned col = (v >> 1) & 15;
	return S[b][row][col];
}

int main(int argc, char **argv)
{
	auto ctx = std::make_unique<VerilatedContext>();
	ctx->commandArgs(argc, argv);
	auto m = std::make_unique<Vdes_sbox>(ctx.get());
	unsigned errors = 0, checked = 0;

	// The typed tables themselves: every row a permutation of 0..15.
	for (unsigned b = 0; b < 8; b++)
		for (unsigned r = 0; r < 4; r++) {
			unsigned seen = 0;
			for (unsigned c = 0; c < 16; c++)
				seen |= 1u << S[b][r][c];
			if (seen != 0xffff) {
				fprintf(stderr, "tb_des_sbox: typed table S%u row %u is not a permutation\n", b + 1, r);
				errors++;
			}
		}

	for (unsigned b = 0; b < 8; b++)
		for (unsigned v = 0; v < 64; v++) {
			unsigned shift = 6 * (7 - b);
			uint64_t x = rnd64() & 0xffffffffffffull;
			x = (x & ~(0x3full << shift)) | ((uint64_t)v << shift);
			m->x_i = x;
			m->eval();
			unsigned got = (m->y_o >> (4 * (7 - b))) & 15;
			unsigned want = fips(b, v);
			checked++;
			if (got != want) {
				fprintf(stderr, "tb_des_sbox: S%u input %02x: got %u want %u (x_i %012llx)\n", b + 1, v,
					got, want, (unsigned long long)x);
				errors++;
			}
		}

	m->final();
	if (errors) {
		printf("tb_des_sbox: FAILED, %u of %u checks wrong\n", errors, checked);
		return 1;
	}
	printf("tb_des_sbox: %u S-box entries passed (8 x 64, exhaustive)\n", checked);
	return 0;
}
