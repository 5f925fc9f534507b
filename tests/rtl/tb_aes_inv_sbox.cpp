// tb_aes_inv_sbox — the exhaustive test of rtl/crypto/aes_inv_sbox.v.  The
// testbench is tb_aes_sbox.cpp, which checks whichever S-box module the
// build holds; this file gives scripts/rtl-tests.sh (one tb_TOP.cpp per
// module TOP) a testbench for aes_inv_sbox.
#include "tb_aes_sbox.cpp"
